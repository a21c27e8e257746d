/* test_train_replay.c - replay PyTorch's training steps (tests/fixtures/train/replay.txt,
 * written by tools/make_train_reference.py in float64 with Keras's Adam written out):
 * same initial weights and batches, compare losses, gradients and the weights after
 * five Adam steps.
 *
 * Tolerances (our arithmetic is float32, the reference float64): loss within 1e-6
 * relative; gradients within 1e-5 of the largest gradient; weights after 5 steps within
 * 2e-6 absolute (each step moves a weight by up to ~lr = 0.01). Measured when written:
 * loss 5e-8 relative, gradients 9e-8 (largest 1.2), weights 1.4e-7. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/train.h"
#include "elstm_test.h"

typedef struct entry { char name[32]; size_t n; double *v; } entry;
static entry E[16];
static int n_entries;

static const entry *get(const char *name)
{
    for (int k = 0; k < n_entries; k++)
        if (strcmp(E[k].name, name) == 0) return &E[k];
    return NULL;
}

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int c;
    while (n_entries < 16) {
        while ((c = fgetc(f)) == '#')
            while ((c = fgetc(f)) != '\n' && c != EOF) {}
        if (c == EOF) break;
        ungetc(c, f);
        entry *e = &E[n_entries];
        if (fscanf(f, "%31s %zu", e->name, &e->n) != 2) break;
        e->v = malloc(e->n * sizeof *e->v);
        for (size_t k = 0; k < e->n; k++)
            if (fscanf(f, "%lf", &e->v[k]) != 1) { fclose(f); return 0; }
        n_entries++;
        fgetc(f); /* newline */
    }
    fclose(f);
    return n_entries >= 9;
}

/* packed reference order (wx, wh, b, wd, bd) -> offset in the trainer's layout */
static size_t to_layout(size_t k, const elstm_param_layout *l, size_t N, size_t I)
{
    size_t sizes[5] = {4 * N * I, 4 * N * N, 4 * N, N, 1}, offs[5] = {l->wx, l->wh, l->b, l->wd, l->bd};
    for (int i = 0; i < 5; i++) {
        if (k < sizes[i]) return offs[i] + k;
        k -= sizes[i];
    }
    return (size_t)-1;
}

static void compare(const char *what, const float *got, const entry *want, const elstm_param_layout *l,
                    size_t N, size_t I, double tol_rel_to_max, double tol_abs)
{
    double mx = 0, worst = 0;
    size_t wk = 0;
    for (size_t k = 0; k < want->n; k++) mx = fmax(mx, fabs(want->v[k]));
    double tol = tol_abs + tol_rel_to_max * mx;
    for (size_t k = 0; k < want->n; k++) {
        double dlt = fabs((double)got[to_layout(k, l, N, I)] - want->v[k]);
        if (dlt > worst || dlt != dlt) { worst = dlt; wk = k; }
    }
    test_report(worst <= tol, what, "max |diff| %.3g at [%zu] (want %.9g), tol %.3g", worst, wk, want->v[wk], tol);
}

int main(void)
{
    test_suite("train-replay");
    if (!TEST_TRUE("reference file loads", load(test_fixture("train", "replay.txt")))) return test_done();
    const entry *dims = get("dims"), *x = get("x"), *start = get("start"), *target = get("target"),
                *p0 = get("params0"), *loss = get("loss"), *g1 = get("grad1"), *gl = get("gradlast"),
                *pf = get("params");
    if (!TEST_TRUE("reference file has every entry", dims && x && start && target && p0 && loss && g1 && gl && pf))
        return test_done();
    const int N = (int)dims->v[0], I = (int)dims->v[1], T = (int)dims->v[2], B = (int)dims->v[3],
              S = (int)dims->v[4];
    elstm_train_opts o;
    elstm_train_opts_default(&o);
    o.units = N;
    o.batch = B;
    o.lr = dims->v[6];
    o.threads = 2;
    elstm_trainer *tr = NULL;
    if (!TEST_TRUE("trainer is created", elstm_trainer_create(&tr, &o, I, T, NULL) == ELSTM_OK)) return test_done();
    elstm_param_layout l;
    elstm_trainer_layout(tr, &l);
    float *params = elstm_trainer_params(tr);
    for (size_t k = 0; k < p0->n; k++) params[to_layout(k, &l, (size_t)N, (size_t)I)] = (float)p0->v[k];

    float *xf = malloc(x->n * sizeof *xf), *tf = malloc(target->n * sizeof *tf);
    size_t *st = malloc(start->n * sizeof *st), *idx = malloc((size_t)B * sizeof *idx);
    for (size_t k = 0; k < x->n; k++) xf[k] = (float)x->v[k];
    for (size_t k = 0; k < target->n; k++) tf[k] = (float)target->v[k];
    for (size_t k = 0; k < start->n; k++) st[k] = (size_t)start->v[k];
    elstm_windows w = {xf, I, T, start->n, st, tf, NULL, 1, NULL};
    for (int step = 0; step < S; step++) {
        for (int b = 0; b < B; b++) idx[b] = (size_t)(step * B + b);
        double lv = 0;
        elstm_trainer_compute_grads(tr, &w, idx, (size_t)B, &lv, NULL);
        char what[96];
        snprintf(what, sizeof what, "loss of batch %d equals PyTorch's", step + 1);
        TEST_NEAR(what, lv, loss->v[step], 1e-6 * fabs(loss->v[step]));
        if (step == 0)
            compare("gradients of batch 1 equal PyTorch's (all parameters)", elstm_trainer_grads(tr), g1, &l,
                    (size_t)N, (size_t)I, 1e-5, 0);
        if (step == S - 1)
            compare("gradients of the last batch equal PyTorch's (after 4 Adam steps)", elstm_trainer_grads(tr),
                    gl, &l, (size_t)N, (size_t)I, 1e-5, 0);
        elstm_trainer_adam_step(tr);
    }
    compare("weights after 5 Keras-Adam steps equal the reference", params, pf, &l, (size_t)N, (size_t)I, 0, 2e-6);
    free(xf); free(tf); free(st); free(idx);
    for (int k = 0; k < n_entries; k++) free(E[k].v);
    elstm_trainer_free(tr);
    return test_done();
}
