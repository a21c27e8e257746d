/* test_train_grad.c - the trainer's gradients against central finite differences of an
 * independent double-precision forward pass (written here, with libm activations), its
 * activations against libm, its initializers against their definitions, and one Adam
 * step against Keras's update formula evaluated in double. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/train.h"
#include "elstm_test.h"
#include "fd.h"
#include "../../train/train_act.h"

static uint64_t lcg = 12345;
static double urand(void) { return fd_urand(&lcg); }

/* The oracle: loss of LSTM + Dense(O) in double (mean over the batch and the outputs),
 * parameters in the trainer's layout (dense kernel [O][N]). */
static double ref_loss(const double *p, const elstm_param_layout *l, int N, int I, int T, int O,
                       const elstm_windows *w, const size_t *idx, size_t nb)
{
    double *h = calloc((size_t)N, sizeof *h), *c = calloc((size_t)N, sizeof *c),
           *z = calloc(4 * (size_t)N, sizeof *z);
    double loss = 0.0;
    for (size_t bi = 0; bi < nb; bi++) {
        size_t s = w->start[idx[bi]];
        memset(h, 0, (size_t)N * sizeof *h);
        memset(c, 0, (size_t)N * sizeof *c);
        for (int t = 0; t < T; t++) fd_lstm_step(p, l, N, I, w->x + (s + (size_t)t) * (size_t)I, h, c, z);
        for (int o = 0; o < O; o++) {
            double y = p[l->bd + (size_t)o];
            for (int k = 0; k < N; k++) y += p[l->wd + (size_t)o * N + (size_t)k] * h[k];
            double e = y - w->target[idx[bi] * (size_t)O + (size_t)o];
            loss += e * e;
        }
    }
    free(h); free(c); free(z);
    return loss / ((double)nb * O);
}

/* ref_loss's arguments, for fd_check (which perturbs p) */
typedef struct oracle_args {
    const double *p;
    const elstm_param_layout *l;
    int N, I, T, O;
    const elstm_windows *w;
    const size_t *idx;
    size_t nb;
} oracle_args;
static double oracle_loss(void *ctx)
{
    const oracle_args *a = ctx;
    return ref_loss(a->p, a->l, a->N, a->I, a->T, a->O, a->w, a->idx, a->nb);
}

static void check_grads(const char *label, int N, int I, int T, int batch, int threads, int O)
{
    elstm_train_opts o;
    elstm_train_opts_default(&o);
    o.units = N;
    o.outputs = O;
    o.batch = batch;
    o.threads = threads;
    o.seed = 7;
    elstm_trainer *tr = NULL;
    elstm_diag d;
    elstm_diag_clear(&d);
    if (!TEST_TRUE("trainer is created", elstm_trainer_create(&tr, &o, I, T, &d) == ELSTM_OK)) return;

    size_t nwin = (size_t)batch + 2, rows = nwin + (size_t)T;
    float *x = malloc(rows * (size_t)I * sizeof *x), *tg = malloc(nwin * (size_t)O * sizeof *tg);
    size_t *start = malloc(nwin * sizeof *start), *idx = malloc((size_t)batch * sizeof *idx);
    for (size_t k = 0; k < rows * (size_t)I; k++) x[k] = (float)(2.0 * urand() - 0.5);
    for (size_t k = 0; k < nwin; k++) start[k] = k;
    for (size_t k = 0; k < nwin * (size_t)O; k++) tg[k] = (float)(urand() * 2.0 - 1.0);
    for (int k = 0; k < batch; k++) idx[k] = (size_t)(nwin - 1 - (size_t)k * 2 % nwin); /* shuffled-ish */
    elstm_windows w = {x, I, T, nwin, start, tg, NULL, O, NULL};

    elstm_param_layout l;
    double *pd = fd_random_params(tr, &l, &lcg);

    double loss = 0.0;
    elstm_status s = elstm_trainer_compute_grads(tr, &w, idx, (size_t)batch, &loss, &d);
    char what[160];
    snprintf(what, sizeof what, "%s: gradients computed", label);
    TEST_TRUE(what, s == ELSTM_OK);
    double want = ref_loss(pd, &l, N, I, T, O, &w, idx, (size_t)batch);
    snprintf(what, sizeof what, "%s: loss equals the double-precision forward", label);
    TEST_NEAR(what, loss, want, 2e-6 * (1.0 + want));

    /* the forward pass alone (validation: two steps of Z, C, tanh C kept, not all T) over
     * every window, in chunks of the trainer's batch */
    size_t *all = malloc(nwin * sizeof *all);
    for (size_t k = 0; k < nwin; k++) all[k] = k;
    double mse = 0.0;
    s = elstm_trainer_evaluate(tr, &w, &mse, NULL, &d);
    double want_all = ref_loss(pd, &l, N, I, T, O, &w, all, nwin);
    snprintf(what, sizeof what, "%s: evaluate's MSE equals the double-precision forward", label);
    TEST_TRUE(what, s == ELSTM_OK && fabs(mse - want_all) <= 2e-6 * (1.0 + want_all));
    free(all);

    const float *g = elstm_trainer_grads(tr);
    struct { const char *name; size_t off, count; } pieces[] = {
        {"input kernel, gate i", l.wx, (size_t)N * I},
        {"input kernel, gate f", l.wx + (size_t)N * I, (size_t)N * I},
        {"input kernel, gate c", l.wx + 2 * (size_t)N * I, (size_t)N * I},
        {"input kernel, gate o", l.wx + 3 * (size_t)N * I, (size_t)N * I},
        {"recurrent kernel, gate i", l.wh, (size_t)N * N},
        {"recurrent kernel, gate f", l.wh + (size_t)N * N, (size_t)N * N},
        {"recurrent kernel, gate c", l.wh + 2 * (size_t)N * N, (size_t)N * N},
        {"recurrent kernel, gate o", l.wh + 3 * (size_t)N * N, (size_t)N * N},
        {"bias, gate i", l.b, (size_t)N},
        {"bias, gate f", l.b + (size_t)N, (size_t)N},
        {"bias, gate c", l.b + 2 * (size_t)N, (size_t)N},
        {"bias, gate o", l.b + 3 * (size_t)N, (size_t)N},
        {"dense kernel", l.wd, (size_t)N * O},
        {"dense bias", l.bd, (size_t)O},
    };
    oracle_args a = {pd, &l, N, I, T, O, &w, idx, (size_t)batch};
    for (size_t pi = 0; pi < sizeof pieces / sizeof pieces[0]; pi++) {
        snprintf(what, sizeof what, "%s: d loss / d %s matches finite differences", label, pieces[pi].name);
        fd_check(what, pd + pieces[pi].off, g + pieces[pi].off, pieces[pi].count, oracle_loss, &a);
    }
    free(pd); free(x); free(tg); free(start); free(idx);
    elstm_trainer_free(tr);
}

static void check_activations(void)
{
    enum { K = 40001 };
    static float xs[K], sg[K], th[K];
    for (int k = 0; k < K; k++) xs[k] = sg[k] = th[k] = (float)(-20.0 + 40.0 * k / (K - 1));
    tact_sigmoid(sg, K);
    tact_tanh(th, K);
    double es = 0, et = 0;
    for (int k = 0; k < K; k++) {
        double x = xs[k];
        es = fmax(es, fabs(sg[k] - 1.0 / (1.0 + exp(-x))));
        et = fmax(et, fabs(th[k] - tanh(x)));
    }
    test_report(es <= 3e-7, "vectorized sigmoid within 3e-7 of libm on [-20, 20]", "max error %.3g", es);
    test_report(et <= 3e-7, "vectorized tanh within 3e-7 of libm on [-20, 20]", "max error %.3g", et);
    float ext[6] = {-1e30f, -200.0f, 200.0f, 1e30f, 0.0f, -0.0f}, ext2[6];
    memcpy(ext2, ext, sizeof ext);
    tact_sigmoid(ext, 6);
    tact_tanh(ext2, 6);
    TEST_TRUE("sigmoid saturates cleanly at huge inputs", ext[0] == 0.0f || ext[0] < 1e-37f);
    TEST_TRUE("sigmoid of +huge is 1", ext[3] == 1.0f && ext[2] == 1.0f);
    TEST_TRUE("tanh of -huge/+huge is -1/+1", ext2[0] == -1.0f && ext2[3] == 1.0f);
    TEST_TRUE("sigmoid(0) = 0.5 and tanh(0) = 0", ext[4] == 0.5f && ext2[4] == 0.0f);
    float nan1[3] = {NAN, 1.0f, NAN}, nan2[3] = {NAN, 1.0f, NAN};
    tact_sigmoid(nan1, 3);
    tact_tanh(nan2, 3);
    TEST_TRUE("NaN stays NaN through sigmoid and tanh", isnan(nan1[0]) && isnan(nan1[2]) && isnan(nan2[0]) && !isnan(nan2[1]));
}

static void check_init(void)
{
    const int N = 16, I = 5, G = 4 * N;
    elstm_train_opts o;
    elstm_train_opts_default(&o);
    o.units = N;
    o.seed = 3;
    elstm_trainer *tr = NULL;
    if (!TEST_TRUE("init: trainer is created", elstm_trainer_create(&tr, &o, I, 4, NULL) == ELSTM_OK)) return;
    elstm_param_layout l;
    elstm_trainer_layout(tr, &l);
    const float *p = elstm_trainer_params(tr);
    /* orthogonal: wh [4N][N] has orthonormal columns (Keras's (N, 4N) kernel has orthonormal rows) */
    double worst = 0.0;
    for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++) {
            double dot = 0.0;
            for (int r = 0; r < G; r++) dot += (double)p[l.wh + (size_t)r * N + a] * p[l.wh + (size_t)r * N + b];
            worst = fmax(worst, fabs(dot - (a == b ? 1.0 : 0.0)));
        }
    test_report(worst < 1e-5, "init: recurrent kernel is orthogonal (Wh^T Wh = I)", "max deviation %.3g", worst);
    double lim = sqrt(6.0 / (I + G)), mx = 0.0, mean = 0.0;
    for (int k = 0; k < G * I; k++) {
        mx = fmax(mx, fabs(p[l.wx + (size_t)k]));
        mean += p[l.wx + (size_t)k];
    }
    mean /= G * I;
    test_report(mx <= lim && mx > 0.9 * lim, "init: input kernel is Glorot-uniform within sqrt(6/(I+4N))",
                "max |w| %.4g, limit %.4g", mx, lim);
    test_report(fabs(mean) < 0.1 * lim, "init: input kernel has mean ~0", "mean %.4g", mean);
    int bias_ok = 1;
    for (int k = 0; k < G; k++) bias_ok &= p[l.b + (size_t)k] == (k >= N && k < 2 * N ? 1.0f : 0.0f);
    TEST_TRUE("init: biases are 0 except the forget gate's, which are 1", bias_ok);
    double limd = sqrt(6.0 / (N + 1)), mxd = 0.0;
    for (int k = 0; k < N; k++) mxd = fmax(mxd, fabs(p[l.wd + (size_t)k]));
    TEST_TRUE("init: dense kernel within the Glorot limit, dense bias 0", mxd <= limd && mxd > 0 && p[l.bd] == 0.0f);
    elstm_trainer_free(tr);

    elstm_trainer *t2 = NULL;
    o.seed = 4;
    elstm_trainer_create(&t2, &o, I, 4, NULL);
    elstm_trainer *t3 = NULL;
    o.seed = 3;
    elstm_trainer_create(&t3, &o, I, 4, NULL);
    elstm_trainer_create(&tr, &o, I, 4, NULL);
    o.outputs = 6;
    elstm_trainer *t6 = NULL;
    if (TEST_TRUE("init: a Dense(6) trainer is created", elstm_trainer_create(&t6, &o, I, 4, NULL) == ELSTM_OK)) {
        elstm_param_layout l6;
        elstm_trainer_layout(t6, &l6);
        const float *p6 = elstm_trainer_params(t6);
        double lim6 = sqrt(6.0 / (N + 6)), mx6 = 0.0;
        int zero = 1;
        for (int k = 0; k < 6 * N; k++) mx6 = fmax(mx6, fabs(p6[l6.wd + (size_t)k]));
        for (int k = 0; k < 6; k++) zero &= p6[l6.bd + (size_t)k] == 0.0f;
        test_report(mx6 <= lim6 && mx6 > 0.8 * lim6 && zero && l6.bd - l6.wd >= (size_t)6 * N,
                    "init: Dense(6) kernel [6][N] Glorot-uniform within sqrt(6/(N+6)), 6 zero biases",
                    "max |w| %.4g, limit %.4g", mx6, lim6);
        elstm_trainer_free(t6);
    }
    o.outputs = 0;
    TEST_TRUE("init: same seed, same weights", memcmp(elstm_trainer_params(tr), elstm_trainer_params(t3), l.total * sizeof(float)) == 0);
    TEST_TRUE("init: other seed, other weights", memcmp(elstm_trainer_params(tr), elstm_trainer_params(t2), l.total * sizeof(float)) != 0);
    elstm_trainer_free(tr); elstm_trainer_free(t2); elstm_trainer_free(t3);
}

/* Two Adam steps against Keras's formula, evaluated in double from the recorded gradients. */
static void check_adam(void)
{
    const int N = 3, I = 2, T = 3;
    elstm_train_opts o;
    elstm_train_opts_default(&o);
    o.units = N;
    o.batch = 2;
    o.lr = 0.01;
    elstm_trainer *tr = NULL;
    if (!TEST_TRUE("adam: trainer is created", elstm_trainer_create(&tr, &o, I, T, NULL) == ELSTM_OK)) return;
    elstm_param_layout l;
    elstm_trainer_layout(tr, &l);
    float x[] = {0.1f, 0.5f, 0.9f, 0.2f, 0.3f, 0.7f, 0.4f, 0.8f};
    size_t start[] = {0, 1}, idx[] = {0, 1};
    float tg[] = {0.3f, 0.9f};
    elstm_windows w = {x, I, T, 2, start, tg, NULL, 1, NULL};
    double *m = calloc(l.total, sizeof *m), *v = calloc(l.total, sizeof *v), *p = malloc(l.total * sizeof *p);
    float *pf = elstm_trainer_params(tr);
    for (size_t k = 0; k < l.total; k++) p[k] = pf[k];
    double worst = 0.0, loss;
    for (int step = 1; step <= 2; step++) {
        elstm_trainer_compute_grads(tr, &w, idx, 2, &loss, NULL);
        const float *g = elstm_trainer_grads(tr);
        double alpha = 0.01 * sqrt(1 - pow(0.999, step)) / (1 - pow(0.9, step));
        for (size_t k = 0; k < l.total; k++) {
            m[k] += (g[k] - m[k]) * 0.1;
            v[k] += ((double)g[k] * g[k] - v[k]) * 0.001;
            p[k] -= alpha * m[k] / (sqrt(v[k]) + 1e-7);
        }
        elstm_trainer_adam_step(tr);
        for (size_t k = 0; k < l.total; k++) worst = fmax(worst, fabs(pf[k] - p[k]));
    }
    test_report(worst < 1e-6, "adam: two steps follow Keras's update (epsilon outside sqrt(v), bias correction in the step)",
                "max |diff| %.3g", worst);
    free(m); free(v); free(p);
    elstm_trainer_free(tr);
}

/* --clip: the gradient's global L2 norm (over every parameter) is cut to clip_norm before
 * Adam; checked against Keras's update of the scaled gradient in double. With a clip above
 * the norm nothing changes. */
static void check_clip(void)
{
    const int N = 4, I = 2, T = 3;
    float x[] = {0.1f, 0.5f, 0.9f, 0.2f, 0.3f, 0.7f, 0.4f, 0.8f, 0.6f, 0.1f};
    size_t start[] = {0, 2}, idx[] = {0, 1};
    float tg[] = {3.0f, -2.0f};
    elstm_windows w = {x, I, T, 2, start, tg, NULL, 1, NULL};
    for (int variant = 0; variant < 2; variant++) {
        elstm_train_opts o;
        elstm_train_opts_default(&o);
        o.units = N;
        o.batch = 2;
        o.lr = 0.01;
        o.epsilon = 1e-2; /* large enough that the step depends on the gradient's size */
        o.clip_norm = variant ? 1e6 : 0.05;
        elstm_trainer *tr = NULL;
        if (!TEST_TRUE("clip: trainer is created", elstm_trainer_create(&tr, &o, I, T, NULL) == ELSTM_OK)) return;
        elstm_param_layout l;
        elstm_trainer_layout(tr, &l);
        float *pf = elstm_trainer_params(tr);
        double *p = malloc(l.total * sizeof *p), loss, ss = 0.0, worst = 0.0;
        for (size_t k = 0; k < l.total; k++) p[k] = pf[k];
        elstm_trainer_compute_grads(tr, &w, idx, 2, &loss, NULL);
        const float *g = elstm_trainer_grads(tr);
        for (size_t k = 0; k < l.total; k++) ss += (double)g[k] * g[k];
        const double norm = sqrt(ss), scale = norm > o.clip_norm ? o.clip_norm / norm : 1.0;
        const double alpha = 0.01 * sqrt(1 - 0.999) / (1 - 0.9);
        for (size_t k = 0; k < l.total; k++) {
            double gk = g[k] * scale, m = gk * 0.1, v = gk * gk * 0.001;
            p[k] -= alpha * m / (sqrt(v) + 1e-2);
        }
        elstm_trainer_adam_step(tr);
        for (size_t k = 0; k < l.total; k++) worst = fmax(worst, fabs(pf[k] - p[k]));
        if (variant == 0)
            test_report(norm > 0.5 && worst < 1e-7, "clip: the Adam step uses the gradient scaled to the clip norm",
                        "norm %.4g, max |diff| %.3g", norm, worst);
        else
            test_report(scale == 1.0 && worst < 1e-7, "clip: a clip above the gradient's norm changes nothing",
                        "max |diff| %.3g", worst);
        free(p);
        elstm_trainer_free(tr);
    }
}

int main(void)
{
    test_suite("train-grad");
    check_activations();
    check_init();
    check_adam();
    check_clip();
    check_grads("N=4 I=3 T=5 batch 3, 2 threads", 4, 3, 5, 3, 2, 1);
    check_grads("N=5 I=2 T=1 batch 2, 1 thread (no recurrence)", 5, 2, 1, 2, 1, 1);
    check_grads("N=3 I=4 T=7 batch 1, 3 threads (empty slices)", 3, 4, 7, 1, 3, 1);
    check_grads("N=8 I=1 T=12 batch 4, 2 threads (long sequence)", 8, 1, 12, 4, 2, 1);
    check_grads("N=16 I=2 T=4 batch 11, 2 threads (packed recurrent GEMMs, row tails)", 16, 2, 4, 11, 2, 1);
    check_grads("N=32 I=3 T=3 batch 8, 1 thread (packed recurrent GEMMs)", 32, 3, 3, 8, 1, 1);
    check_grads("N=16 I=3 T=30 batch 21, 2 threads (full row blocks and tails, dW in k chunks)", 16, 3, 30, 21, 2, 1);
    check_grads("N=16 I=16 T=3 batch 5, 1 thread (packed, N+I = 32: HX's column of ones in a panel of its own)", 16, 16, 3, 5, 1, 1);
    check_grads("N=4 I=3 T=5 batch 3, Dense(5), 2 threads", 4, 3, 5, 3, 2, 5);
    check_grads("N=16 I=2 T=6 batch 7, Dense(24), 2 threads (packed GEMMs)", 16, 2, 6, 7, 2, 24);
    return test_done();
}
