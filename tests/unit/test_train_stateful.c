/* test_train_stateful.c - stateful training on tiny shapes: the gradients of a batch of
 * chunks (a loss at every step with a target, from a carried state) against central
 * finite differences of an independent double-precision forward pass written here, the
 * gradient with respect to the carried state (h0, c0) likewise, the final state against
 * the oracle, and the state carried over two chunks against one pass over both. Then a
 * stateful fit on a small generated series: determinism, resume, and a stream forecast
 * that equals the windows' forecast when the state is reset at each window. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/train.h"
#include "elstm_test.h"
#include "fd.h"

static uint64_t lcg = 99;
static double urand(void) { return fd_urand(&lcg); }

typedef struct shape { int N, I, T, n; } shape;

/* The oracle: n streams of T steps from (h0, c0) in double; loss = mean over the steps
 * with a target of (wd . h_t + bd - target)^2. The final states into hT, cT when given. */
static double ref_loss(const double *p, const elstm_param_layout *l, shape s, const float *x, const float *tg,
                       const double *h0, const double *c0, double *hT, double *cT)
{
    const int N = s.N, I = s.I, T = s.T;
    double *h = malloc((size_t)N * sizeof *h), *c = malloc((size_t)N * sizeof *c), *z = malloc(4 * (size_t)N * sizeof *z);
    double sse = 0.0;
    int count = 0;
    for (int b = 0; b < s.n; b++) {
        memcpy(h, h0 + (size_t)b * N, (size_t)N * sizeof *h);
        memcpy(c, c0 + (size_t)b * N, (size_t)N * sizeof *c);
        for (int t = 0; t < T; t++) {
            fd_lstm_step(p, l, N, I, x + ((size_t)b * T + t) * I, h, c, z);
            const float v = tg[(size_t)b * T + t];
            if (isnan(v)) continue;
            double y = p[l->bd];
            for (int k = 0; k < N; k++) y += p[l->wd + (size_t)k] * h[k];
            sse += (y - v) * (y - v);
            count++;
        }
        if (hT) memcpy(hT + (size_t)b * N, h, (size_t)N * sizeof *h);
        if (cT) memcpy(cT + (size_t)b * N, c, (size_t)N * sizeof *c);
    }
    free(h); free(c); free(z);
    return count ? sse / count : 0.0;
}

/* ref_loss's arguments, for fd_check (which perturbs p, h0 or c0) */
typedef struct oracle_args {
    const double *p;
    const elstm_param_layout *l;
    shape s;
    const float *x, *tg;
    const double *h0, *c0;
} oracle_args;
static double oracle_loss(void *ctx)
{
    const oracle_args *a = ctx;
    return ref_loss(a->p, a->l, a->s, a->x, a->tg, a->h0, a->c0, NULL, NULL);
}

static void check_chunk(const char *label, shape s, int threads)
{
    const int N = s.N, I = s.I, T = s.T, n = s.n;
    elstm_train_opts o;
    elstm_train_opts_default(&o);
    o.units = N;
    o.batch = n;
    o.threads = threads;
    elstm_trainer *tr = NULL;
    char what[200];
    if (!TEST_TRUE("trainer is created", elstm_trainer_create(&tr, &o, I, T, NULL) == ELSTM_OK)) return;
    elstm_param_layout l;
    double *pd = fd_random_params(tr, &l, &lcg);
    const size_t nx = (size_t)n * T * I, ns = (size_t)n * N, nt = (size_t)n * T;
    float *x = malloc(nx * sizeof *x), *tg = malloc(nt * sizeof *tg), *h0 = malloc(ns * sizeof *h0),
          *c0 = malloc(ns * sizeof *c0), *ho = malloc(ns * sizeof *ho), *co = malloc(ns * sizeof *co),
          *dh0 = malloc(ns * sizeof *dh0), *dc0 = malloc(ns * sizeof *dc0);
    double *h0d = malloc(ns * sizeof *h0d), *c0d = malloc(ns * sizeof *c0d), *hT = malloc(ns * sizeof *hT),
           *cT = malloc(ns * sizeof *cT);
    for (size_t k = 0; k < nx; k++) x[k] = (float)(2.0 * urand() - 0.5);
    for (size_t k = 0; k < nt; k++) tg[k] = k % 3 == 1 ? NAN : (float)(2.0 * urand() - 1.0); /* some steps without loss */
    for (size_t k = 0; k < ns; k++) {
        h0d[k] = h0[k] = (float)(1.2 * urand() - 0.6);
        c0d[k] = c0[k] = (float)(3.0 * urand() - 1.5);
    }
    elstm_chunk_batch cb = {x, tg, h0, c0, ho, co, dh0, dc0};
    double sse = 0.0;
    size_t count = 0;
    elstm_status st = elstm_trainer_chunk(tr, &cb, (size_t)n, 1, &sse, &count, NULL);
    snprintf(what, sizeof what, "%s: chunk gradients computed", label);
    TEST_TRUE(what, st == ELSTM_OK && count > 0);
    const double want = ref_loss(pd, &l, s, x, tg, h0d, c0d, hT, cT);
    snprintf(what, sizeof what, "%s: loss over every step with a target equals the double-precision forward", label);
    TEST_NEAR(what, sse / (double)count, want, 2e-6 * (1.0 + want));
    double we = 0.0;
    for (size_t k = 0; k < ns; k++) we = fmax(we, fmax(fabs(ho[k] - hT[k]), fabs(co[k] - cT[k])));
    snprintf(what, sizeof what, "%s: the chunk's final state equals the oracle's", label);
    test_report(we < 2e-6, what, "max error %.3g", we);

    const float *g = elstm_trainer_grads(tr);
    struct { const char *name; size_t off, count; } pieces[] = {
        {"input kernel", l.wx, 4 * (size_t)N * I},  {"recurrent kernel", l.wh, 4 * (size_t)N * N},
        {"gate biases", l.b, 4 * (size_t)N},       {"dense kernel", l.wd, (size_t)N},
        {"dense bias", l.bd, 1},
    };
    oracle_args a = {pd, &l, s, x, tg, h0d, c0d};
    for (size_t pi = 0; pi < sizeof pieces / sizeof pieces[0]; pi++) {
        snprintf(what, sizeof what, "%s: d loss / d %s matches finite differences", label, pieces[pi].name);
        fd_check(what, pd + pieces[pi].off, g + pieces[pi].off, pieces[pi].count, oracle_loss, &a);
    }
    /* the carried-state path: d loss / d h0 and d c0 */
    for (int which = 0; which < 2; which++) {
        snprintf(what, sizeof what, "%s: d loss / d %s (the carried state) matches finite differences", label,
                 which ? "c0" : "h0");
        fd_check(what, which ? c0d : h0d, which ? dc0 : dh0, ns, oracle_loss, &a);
    }

    /* two chunks with the state carried = one pass over both (forward) */
    float *x2 = malloc(2 * nx * sizeof *x2), *tg2 = malloc(2 * nt * sizeof *tg2), *xa = malloc(nx * sizeof *xa),
          *xb = malloc(nx * sizeof *xb), *ta = malloc(nt * sizeof *ta), *tb = malloc(nt * sizeof *tb);
    for (size_t k = 0; k < 2 * nx; k++) x2[k] = (float)(2.0 * urand() - 0.5);
    for (size_t k = 0; k < 2 * nt; k++) tg2[k] = (float)(2.0 * urand() - 1.0);
    for (int b = 0; b < n; b++) {
        memcpy(xa + (size_t)b * T * I, x2 + (size_t)b * 2 * T * I, (size_t)T * I * sizeof(float));
        memcpy(xb + (size_t)b * T * I, x2 + ((size_t)b * 2 * T + T) * I, (size_t)T * I * sizeof(float));
        memcpy(ta + (size_t)b * T, tg2 + (size_t)b * 2 * T, (size_t)T * sizeof(float));
        memcpy(tb + (size_t)b * T, tg2 + (size_t)b * 2 * T + T, (size_t)T * sizeof(float));
    }
    double sa = 0, sb = 0;
    size_t na = 0, nb = 0;
    elstm_chunk_batch c1 = {xa, ta, NULL, NULL, ho, co, NULL, NULL}, c2 = {xb, tb, ho, co, ho, co, NULL, NULL};
    st = elstm_trainer_chunk(tr, &c1, (size_t)n, 0, &sa, &na, NULL);
    if (st == ELSTM_OK) st = elstm_trainer_chunk(tr, &c2, (size_t)n, 0, &sb, &nb, NULL);
    shape s2 = {N, I, 2 * T, n};
    double *z0 = calloc(ns, sizeof *z0);
    const double whole = ref_loss(pd, &l, s2, x2, tg2, z0, z0, hT, cT);
    snprintf(what, sizeof what, "%s: two chunks with the state carried = one pass over both", label);
    we = 0.0;
    for (size_t k = 0; k < ns; k++) we = fmax(we, fmax(fabs(ho[k] - hT[k]), fabs(co[k] - cT[k])));
    test_report(st == ELSTM_OK && fabs((sa + sb) / (double)(na + nb) - whole) < 2e-6 * (1 + whole) && we < 4e-6, what,
                "loss %.9g vs %.9g, state error %.3g", (sa + sb) / (double)(na + nb), whole, we);
    free(z0); free(x2); free(tg2); free(xa); free(xb); free(ta); free(tb);
    free(pd); free(x); free(tg); free(h0); free(c0); free(ho); free(co); free(dh0); free(dc0);
    free(h0d); free(c0d); free(hT); free(cT);
    elstm_trainer_free(tr);
}

int main(void)
{
    test_suite("train_stateful");
    check_chunk("N=3 I=2 T=4 n=3, 1 thread", (shape){3, 2, 4, 3}, 1);
    check_chunk("N=5 I=3 T=6 n=4, 2 threads", (shape){5, 3, 6, 4}, 2);
    check_chunk("N=16 I=2 T=3 n=2 (packed GEMMs), 1 thread", (shape){16, 2, 3, 2}, 1);
    check_chunk("N=1 I=1 T=1 n=1", (shape){1, 1, 1, 1}, 1);
    return test_done();
}
