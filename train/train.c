/*
 * train.c - LSTM(N) + Dense(1) training: forward and backward through time, MSE, Adam.
 *
 * Shapes: B windows per batch (split into P contiguous slices, one per thread; a slice
 * has n windows), T steps, I inputs, N units, G = 4N gate rows (i, f, c, o).
 *
 * Forward, per slice (GEMMs: train_gemm.h's packed kernel, or single-threaded OpenBLAS):
 *   HX[t][b] = [h_{t-1}, x_t]  (h_{-1} = 0)         rows gathered once per batch
 *   Z[t] = b + HX[t] [Wh, Wx]^T                     one GEMM per step, K = N + I
 *   A = act(Z) in place; C[t] = f C[t-1] + i g; TC[t] = tanh C[t]; h_t = o TC[t] -> HX[t+1]
 *   y[b] = wd . h_{T-1}[b] + bd
 * Backward (dy = 2 (y - target) / B):
 *   dH = dy wd;  for t = T-1 .. 0: dZ[t] from A[t], C, TC (in place over A[t]);
 *                dH = dZ[t] Wh (t > 0)
 *   [dWh, dWx] = dZ^T HX         one GEMM over all T n rows, after the loop
 *   db  = column sums of dZ
 * Each thread owns its gradient block; the main thread adds them in thread order, so
 * a run is bit-for-bit repeatable for a given thread count. See docs/training.md.
 */
#if defined(__GNUC__) && !defined(__clang__)
/* -O2 does not vectorize the element-wise loops of the cell (unknown trip counts);
 * vectorizing them changes no result (no reductions are reordered). */
#pragma GCC optimize("O3")
#if defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif
#endif
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#undef I /* <complex.h>, pulled in by OpenBLAS's cblas.h, defines I */

#include "edgelstm/fileio.h"
#include "edgelstm/train.h"
#include "train_act.h"
#include "train_gemm.h"

/* From OpenBLAS / LAPACK (libopenblas is linked). */
extern void openblas_set_num_threads(int num_threads);
extern void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work,
                    const int *lwork, int *info);
extern void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda,
                    const float *tau, float *work, const int *lwork, int *info);

/* ---- parameter layout: one table, used for params, grads, Adam m and v -------------- */

/* X(name, floats) for every parameter tensor, in file/layout order. */
#define ELSTM_TRAIN_PARAMS(X, N, I) \
    X(wx, 4 * (N) * (I))  /* [4][N][I] input kernel  */ \
    X(wh, 4 * (N) * (N))  /* [4][N][N] recurrent kernel */ \
    X(b, 4 * (N))         /* [4][N]    gate bias */ \
    X(wd, (N))            /* [N]       dense kernel */ \
    X(bd, 1)              /* [1]       dense bias */

typedef struct pview {
#define X(name, count) float *name;
    ELSTM_TRAIN_PARAMS(X, 0, 0)
#undef X
} pview;

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

static void layout_make(elstm_param_layout *l, size_t N, size_t I)
{
    size_t off = 0;
#define X(name, count) l->name = off; off += round8((size_t)(count));
    ELSTM_TRAIN_PARAMS(X, N, I)
#undef X
    l->total = off;
}

static pview view_of(float *base, const elstm_param_layout *l)
{
    pview v;
#define X(name, count) v.name = base + l->name;
    ELSTM_TRAIN_PARAMS(X, 0, 0)
#undef X
    return v;
}

/* ---- PRNG: xoshiro256** seeded by splitmix64 ------------------------------------------ */

typedef struct rng { uint64_t s[4]; } rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return out;
}
static double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; } /* [0,1) */
static uint64_t rng_below(rng *r, uint64_t n)  /* unbiased in [0, n) */
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do x = rng_next(r); while (x >= lim);
    return x % n;
}
static double rng_normal(rng *r)  /* Box-Muller, one value per call */
{
    double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* ---- the trainer ------------------------------------------------------------------- */

typedef struct worker {
    struct elstm_trainer *tr;
    float *grad;   /* [total]       this slice's gradient (layout of elstm_param_layout) */
    float *hx;     /* [T][n][N+I]   step t's GEMM input rows [h_{t-1}, x_t] (h_{-1} = 0) */
    float *hlast;  /* [n][N]        hidden state after the last step */
    float *z;      /* [T][n][G]     gate activations (forward), then dZ (backward) */
    float *dw;     /* [G][K1P]      dZ^T [H, X]: the recurrent and input kernel gradients
                                    (K1P = N+I rounded up to 16, the packed kernel's width) */
    float *hxp;    /* [K1P/16][rows][16] the rows [H, X] of a group of steps, packed for
                                    the dW GEMM (rows <= max(TGEMM_GROUP_ROWS, n)) */
    float *c;      /* [T][n][N]     cell states */
    float *tc;     /* [T][n][N]     tanh of the cell states */
    float *dh;     /* [n][N]        gradient wrt the hidden state of the current step */
    float *dc;     /* [n][N]        gradient wrt the cell state of the current step */
    float *y;      /* [n]           outputs */
    /* job */
    const elstm_windows *w;
    const size_t *idx;  /* [n] window indices of this slice (NULL = consecutive from first) */
    size_t first, n, batch_total;
    int backward;
    double sse;         /* sum of squared errors of the slice */
} worker;

struct elstm_trainer {
    elstm_train_opts opts;
    int N, I, T, P;
    size_t slice_max;           /* windows per thread slice at most */
    elstm_param_layout lay;
    float *params, *grad, *m, *v, *best;   /* each [lay.total], 64-byte aligned */
    float *wcat;                /* [G][N+I] [Wh, Wx]: the forward step's kernel, rebuilt per batch */
    int packed;                 /* 1: per-step GEMMs use train_gemm.h with the panels below */
    float *wcat_p;              /* [G/16][N+I][16] wcat^T in 16-column panels (forward)  */
    float *whp_b;               /* [N/16][G][16] Wh in 16-column panels (backward)  */
    worker *wk;                 /* [P] */
    /* the pool: threads 1..P-1 live as long as the trainer and run `job` for each call
     * of pool_run (thread 0 is the caller); phases of a job meet at pool_barrier */
    pthread_t th[ELSTM_MAX_THREADS];
    int threads_started;        /* pool threads created (P - 1 when all went well) */
    int pool_ready;             /* mutex and condition variables initialized */
    int job_backward;           /* the batch job computes gradients too */
    float adam_alpha;           /* this Adam step's bias-corrected step size */
    pthread_mutex_t mu;
    pthread_cond_t cv_start, cv_done;
    unsigned gen;               /* incremented per job */
    int pending, quit;
    void (*job)(struct elstm_trainer *, int);
    atomic_uint bar_count, bar_gen;
    int64_t adam_t;             /* Adam steps taken */
    rng rng;
    /* early stopping / progress state (saved in checkpoints) */
    int epochs_done, best_epoch, wait;
    double best_monitor;
    elstm_epoch_record *hist;   /* [n_hist] one record per finished epoch (saved in checkpoints) */
    int n_hist, cap_hist;
};

static float *falloc(size_t n)
{
    void *p = NULL;
    if (n == 0) n = 1;
    if (posix_memalign(&p, 64, n * sizeof(float))) return NULL;
    memset(p, 0, n * sizeof(float));
    return p;
}

/* ---- the worker pool ------------------------------------------------------------------ */

static void *pool_main(void *arg)
{
    worker *w = arg;
    elstm_trainer *tr = w->tr;
    const int p = (int)(w - tr->wk);
    unsigned seen = 0;
    for (;;) {
        pthread_mutex_lock(&tr->mu);
        while (tr->gen == seen && !tr->quit) pthread_cond_wait(&tr->cv_start, &tr->mu);
        if (tr->quit) {
            pthread_mutex_unlock(&tr->mu);
            return NULL;
        }
        seen = tr->gen;
        void (*job)(elstm_trainer *, int) = tr->job;
        pthread_mutex_unlock(&tr->mu);
        job(tr, p);
        pthread_mutex_lock(&tr->mu);
        if (--tr->pending == 0) pthread_cond_signal(&tr->cv_done);
        pthread_mutex_unlock(&tr->mu);
    }
}

/* Run job(tr, p) on every thread p = 0..P-1 (0 is the caller) and wait for all. */
static void pool_run(elstm_trainer *tr, void (*job)(elstm_trainer *, int))
{
    if (tr->P > 1) {
        pthread_mutex_lock(&tr->mu);
        tr->job = job;
        tr->pending = tr->P - 1;
        tr->gen++;
        pthread_cond_broadcast(&tr->cv_start);
        pthread_mutex_unlock(&tr->mu);
    }
    job(tr, 0);
    if (tr->P > 1) {
        pthread_mutex_lock(&tr->mu);
        while (tr->pending > 0) pthread_cond_wait(&tr->cv_done, &tr->mu);
        pthread_mutex_unlock(&tr->mu);
    }
}

/* All P threads of the running job meet here (spinning, then yielding the core: a
 * thread that shares its core with another must not spin for its whole time slice). */
static void pool_barrier(elstm_trainer *tr)
{
    if (tr->P == 1) return;
    const unsigned g = atomic_load_explicit(&tr->bar_gen, memory_order_acquire);
    if (atomic_fetch_add_explicit(&tr->bar_count, 1, memory_order_acq_rel) + 1 == (unsigned)tr->P) {
        atomic_store_explicit(&tr->bar_count, 0, memory_order_relaxed);
        atomic_store_explicit(&tr->bar_gen, g + 1, memory_order_release);
        return;
    }
    for (unsigned spins = 0; atomic_load_explicit(&tr->bar_gen, memory_order_acquire) == g; spins++) {
        if (spins < 4000) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        } else {
            sched_yield();
        }
    }
}

/* [lo, hi) of n items for thread p of P */
static void share(size_t n, int p, int P, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)p / (size_t)P;
    *hi = n * (size_t)(p + 1) / (size_t)P;
}

void elstm_train_opts_default(elstm_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->units = ELSTM_DEFAULT_UNITS;
    o->epochs = ELSTM_DEFAULT_EPOCHS;
    o->batch = ELSTM_DEFAULT_BATCH;
    o->lr = ELSTM_DEFAULT_LR;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->epsilon = 1e-7;
    o->patience = ELSTM_DEFAULT_PATIENCE;
    o->seed = ELSTM_DEFAULT_SEED;
    o->threads = 1;
}

void elstm_trainer_layout(const elstm_trainer *tr, elstm_param_layout *l) { *l = tr->lay; }
float *elstm_trainer_params(elstm_trainer *tr) { return tr->params; }
const float *elstm_trainer_grads(const elstm_trainer *tr) { return tr->grad; }

static void model_view(const elstm_trainer *tr, const float *base, elstm_lstm_f32 *m)
{
    pview v = view_of((float *)base, &tr->lay);
    size_t N = (size_t)tr->N, I = (size_t)tr->I;
    memset(m, 0, sizeof *m);
    m->n_input = tr->I;
    m->n_units = tr->N;
    m->n_output = 1;
    m->cell_clip = 0.0f;
    for (int g = 0; g < ELSTM_GATES; g++) {
        m->wx[g] = v.wx + (size_t)g * N * I;
        m->wh[g] = v.wh + (size_t)g * N * N;
        m->b[g] = v.b + (size_t)g * N;
    }
    m->wd = v.wd;
    m->bd = v.bd;
}
void elstm_trainer_model(const elstm_trainer *tr, elstm_lstm_f32 *m) { model_view(tr, tr->params, m); }
void elstm_trainer_best_model(const elstm_trainer *tr, elstm_lstm_f32 *m)
{
    model_view(tr, tr->best_epoch > 0 ? tr->best : tr->params, m);
}

/* Keras initializers (docs/training.md): Glorot-uniform kernels, orthogonal recurrent
 * kernel from the QR decomposition of a Gaussian [4N][N] matrix, zero biases with the
 * forget-gate bias at 1. */
static elstm_status init_weights(elstm_trainer *tr, elstm_diag *diag)
{
    const int N = tr->N, I = tr->I, G = 4 * N;
    pview p = view_of(tr->params, &tr->lay);
    double lim = sqrt(6.0 / (double)(I + G)); /* Keras kernel shape (I, 4N) */
    for (size_t k = 0; k < (size_t)G * I; k++) p.wx[k] = (float)((2.0 * rng_uniform(&tr->rng) - 1.0) * lim);

    /* Keras Orthogonal on shape (N, 4N): a Gaussian (4N x N) matrix, QR, Q * sign(diag R),
     * transposed to (N, 4N). Our wh [4N][N] is that matrix transposed back, i.e. Q. */
    float *a = falloc((size_t)G * N), *tau = falloc((size_t)N);
    int m = G, n = N, lda = G, info = 0, lwork = -1;
    float wq = 0.0f;
    if (!a || !tau) { free(a); free(tau); return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory initializing the recurrent kernel"); }
    for (int j = 0; j < N; j++)           /* column-major: a[i + j*G] */
        for (int i = 0; i < G; i++) a[(size_t)j * G + i] = (float)rng_normal(&tr->rng);
    sgeqrf_(&m, &n, a, &lda, tau, &wq, &lwork, &info);
    lwork = (int)wq > N ? (int)wq : N;
    float *work = falloc((size_t)lwork);
    if (!work) { free(a); free(tau); return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory initializing the recurrent kernel"); }
    if (info == 0) sgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info);
    float *sgn = falloc((size_t)N);
    if (sgn && info == 0) {
        for (int j = 0; j < N; j++) sgn[j] = a[(size_t)j * G + j] < 0.0f ? -1.0f : 1.0f;
        sorgqr_(&m, &n, &n, a, &lda, tau, work, &lwork, &info);
        for (int i = 0; i < G; i++)
            for (int j = 0; j < N; j++) p.wh[(size_t)i * N + j] = a[(size_t)j * G + i] * sgn[j];
    }
    free(a); free(tau); free(work);
    if (!sgn) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory initializing the recurrent kernel");
    free(sgn);
    if (info != 0)
        return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0, "the QR decomposition for the orthogonal initializer failed (LAPACK info %d)", info);

    memset(p.b, 0, (size_t)G * sizeof(float));
    for (int k = 0; k < N; k++) p.b[ELSTM_GATE_F * N + k] = 1.0f;
    double limd = sqrt(6.0 / (double)(N + 1)); /* Dense kernel shape (N, 1) */
    for (int k = 0; k < N; k++) p.wd[k] = (float)((2.0 * rng_uniform(&tr->rng) - 1.0) * limd);
    p.bd[0] = 0.0f;
    return ELSTM_OK;
}

elstm_status elstm_trainer_create(elstm_trainer **out, const elstm_train_opts *o, int n_input,
                                  int steps, elstm_diag *diag)
{
    *out = NULL;
    if (o->units < 1 || o->units > 4096)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--units must be from 1 to 4096, not %d", o->units);
    if (o->batch < 1 || o->batch > 65536)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--batch must be from 1 to 65536, not %d", o->batch);
    if (o->epochs < 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--epochs must be at least 1, not %d", o->epochs);
    if (!(o->lr > 0.0) || !isfinite(o->lr))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--lr must be a positive number");
    if (o->threads < 1 || o->threads > ELSTM_MAX_THREADS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--threads must be from 1 to %d, not %d", ELSTM_MAX_THREADS, o->threads);
    if (o->patience < 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--patience must be 0 or more, not %d", o->patience);
    if (n_input < 1 || steps < 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a model needs at least one input and one time step");

    openblas_set_num_threads(1); /* our own threads; BLAS calls are single-threaded and repeatable */
    elstm_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    tr->opts = *o;
    tr->N = o->units;
    tr->I = n_input;
    tr->T = steps;
    tr->P = o->threads;
    tr->slice_max = ((size_t)o->batch + (size_t)tr->P - 1) / (size_t)tr->P;
    layout_make(&tr->lay, (size_t)tr->N, (size_t)tr->I);
    size_t tot = tr->lay.total, N = (size_t)tr->N, T = (size_t)tr->T, S = tr->slice_max;
    size_t K1 = N + (size_t)tr->I, K1P = (K1 + 15) / 16 * 16;
    tr->params = falloc(tot);
    tr->grad = falloc(tot);
    tr->m = falloc(tot);
    tr->v = falloc(tot);
    tr->best = falloc(tot);
    tr->wk = calloc((size_t)tr->P, sizeof *tr->wk);
    int ok = tr->params && tr->grad && tr->m && tr->v && tr->best && tr->wk;
    tr->wcat = falloc(4 * N * K1);
    ok = ok && tr->wcat;
    tr->packed = TGEMM_AVAILABLE && tr->N % 16 == 0;
    if (tr->packed) {
        tr->wcat_p = falloc(4 * N * K1);
        tr->whp_b = falloc(4 * N * N);
        ok = ok && tr->wcat_p && tr->whp_b;
    }
    for (int p = 0; ok && p < tr->P; p++) {
        worker *w = &tr->wk[p];
        w->tr = tr;
        w->grad = falloc(tot);
        w->hx = falloc(T * S * K1);
        w->hlast = falloc(S * N);
        w->dw = falloc(4 * N * K1P);
        w->hxp = tr->packed ? falloc((S > TGEMM_GROUP_ROWS ? S : TGEMM_GROUP_ROWS) * K1P) : NULL;
        w->z = falloc(T * S * 4 * N);
        w->c = falloc(T * S * N);
        w->tc = falloc(T * S * N);
        w->dh = falloc(S * N);
        w->dc = falloc(S * N);
        w->y = falloc(S);
        ok = w->grad && w->hx && w->hlast && w->dw && w->z && w->c && w->tc && w->dh && w->dc && w->y &&
             (w->hxp || !tr->packed);
    }
    if (!ok) {
        elstm_trainer_free(tr);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0,
                              "out of memory allocating the trainer (%d units, batch %d, %d steps)",
                              o->units, o->batch, steps);
    }
    pthread_mutex_init(&tr->mu, NULL);
    pthread_cond_init(&tr->cv_start, NULL);
    pthread_cond_init(&tr->cv_done, NULL);
    tr->pool_ready = 1;
    for (int p = 1; p < tr->P; p++) {
        if (pthread_create(&tr->th[p], NULL, pool_main, &tr->wk[p]) != 0) {
            elstm_trainer_free(tr);
            return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "cannot start training thread %d of %d", p + 1, o->threads);
        }
        tr->threads_started = p;
    }
    rng_seed(&tr->rng, o->seed);
    tr->best_monitor = INFINITY;
    elstm_status s = init_weights(tr, diag);
    if (s != ELSTM_OK) {
        elstm_trainer_free(tr);
        return s;
    }
    *out = tr;
    return ELSTM_OK;
}

void elstm_trainer_free(elstm_trainer *tr)
{
    if (!tr) return;
    if (tr->pool_ready) {
        pthread_mutex_lock(&tr->mu);
        tr->quit = 1;
        pthread_cond_broadcast(&tr->cv_start);
        pthread_mutex_unlock(&tr->mu);
        for (int p = 1; p <= tr->threads_started; p++) pthread_join(tr->th[p], NULL);
        pthread_mutex_destroy(&tr->mu);
        pthread_cond_destroy(&tr->cv_start);
        pthread_cond_destroy(&tr->cv_done);
    }
    for (int p = 0; tr->wk && p < tr->P; p++) {
        worker *w = &tr->wk[p];
        free(w->grad); free(w->hx); free(w->hlast); free(w->dw); free(w->hxp); free(w->z); free(w->c); free(w->tc);
        free(w->dh); free(w->dc); free(w->y);
    }
    free(tr->wk);
    free(tr->params); free(tr->grad); free(tr->m); free(tr->v); free(tr->best);
    free(tr->wcat); free(tr->wcat_p); free(tr->whp_b);
    free(tr->hist);
    free(tr);
}

/* ---- one slice: forward (+ backward) ------------------------------------------------ */

static size_t slice_window(const worker *w, size_t b)
{
    return w->idx ? w->idx[b] : w->first + b;
}

static void slice_forward(worker *w)
{
    const elstm_trainer *tr = w->tr;
    const int N = tr->N, I = tr->I, T = tr->T, G = 4 * N, K1 = N + I;
    const size_t n = w->n, NN = (size_t)N;
    const pview p = view_of(tr->params, &tr->lay);
    const elstm_windows *win = w->w;

    /* gather x_t into the rows [h_{t-1}, x_t] of every step; h_{-1} = 0 */
    for (size_t b = 0; b < n; b++) {
        const float *src = win->x + win->start[slice_window(w, b)] * (size_t)I;
        memset(w->hx + b * K1, 0, NN * sizeof(float));
        for (int t = 0; t < T; t++) { /* a few floats each: a loop, not a memcpy call */
            float *dst = w->hx + ((size_t)t * n + b) * K1 + N;
            const float *xt = src + (size_t)t * I;
            for (int j = 0; j < I; j++) dst[j] = xt[j];
        }
    }
    for (int t = 0; t < T; t++) {
        float *zt = w->z + (size_t)t * n * G;
        float *ct = w->c + (size_t)t * n * NN, *tct = w->tc + (size_t)t * n * NN;
        const float *cp = t > 0 ? w->c + (size_t)(t - 1) * n * NN : NULL;
        const float *hxt = w->hx + (size_t)t * n * K1;
        /* where h_t goes: the next step's GEMM rows, or hlast */
        float *hn = t + 1 < T ? w->hx + (size_t)(t + 1) * n * K1 : w->hlast;
        const size_t hn_stride = t + 1 < T ? (size_t)K1 : NN;
        /* Z[t] = [h_{t-1}, x_t] [Wh, Wx]^T: [n][N+I] x [N+I][G]; the bias is added by the
         * activations below */
#if TGEMM_AVAILABLE
        if (tr->packed) tgemm((int)n, G, K1, hxt, K1, tr->wcat_p, zt, G, 0);
        else
#endif
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, G, K1, 1.0f, hxt, K1, tr->wcat,
                    K1, 0.0f, zt, G);
        for (size_t b = 0; b < n; b++) {
            float *a = zt + b * G;
            tact_sigmoid_b(a, p.b, 2 * NN);                    /* i, f */
            tact_tanh_b(a + 2 * NN, p.b + 2 * NN, NN);         /* g */
            tact_sigmoid_b(a + 3 * NN, p.b + 3 * NN, NN);      /* o */
            float *c = ct + b * NN;
            const float *ai = a, *af = a + NN, *ag = a + 2 * NN;
            if (cp) {
                const float *cpb = cp + b * NN;
                for (size_t k = 0; k < NN; k++) c[k] = af[k] * cpb[k] + ai[k] * ag[k];
            } else {
                for (size_t k = 0; k < NN; k++) c[k] = ai[k] * ag[k];
            }
        }
        memcpy(tct, ct, n * NN * sizeof(float));
        tact_tanh(tct, n * NN);
        for (size_t b = 0; b < n; b++) {
            const float *ao = zt + b * G + 3 * NN, *tb = tct + b * NN;
            float *hb = hn + b * hn_stride;
            for (size_t k = 0; k < NN; k++) hb[k] = ao[k] * tb[k];
        }
    }
    double sse = 0.0;
    for (size_t b = 0; b < n; b++) {
        float acc = p.bd[0];
        for (size_t k = 0; k < NN; k++) acc += p.wd[k] * w->hlast[b * NN + k];
        w->y[b] = acc;
        if (win->target) {
            double e = (double)acc - (double)win->target[slice_window(w, b)];
            sse += e * e;
        }
    }
    w->sse = sse;
}

static void slice_backward(worker *w)
{
    const elstm_trainer *tr = w->tr;
    const int N = tr->N, I = tr->I, T = tr->T, G = 4 * N, K1 = N + I;
    const size_t n = w->n, NN = (size_t)N;
    const pview p = view_of(tr->params, &tr->lay);
    pview g = view_of(w->grad, &tr->lay);
    const float scale = 2.0f / (float)w->batch_total;
    const float *hl = w->hlast;

    memset(g.wd, 0, NN * sizeof(float));
    g.bd[0] = 0.0f;
    for (size_t b = 0; b < n; b++) {
        float dy = scale * (w->y[b] - w->w->target[slice_window(w, b)]);
        for (size_t k = 0; k < NN; k++) {
            g.wd[k] += dy * hl[b * NN + k];
            w->dh[b * NN + k] = dy * p.wd[k];
        }
        g.bd[0] += dy;
    }
    memset(w->dc, 0, n * NN * sizeof(float));
    memset(g.b, 0, (size_t)G * sizeof(float));
    /* packed: the weight gradients of every group of steps (TGEMM_KC rows) right after
     * their dZ, while dZ and [H, X] of those steps are still in L2 */
    const int K1P = (K1 + 15) / 16 * 16;
    const int group = TGEMM_AVAILABLE && tr->packed ? ((int)n >= TGEMM_GROUP_ROWS ? 1 : TGEMM_GROUP_ROWS / (int)n) : T;
    int t_end = T;

    for (int t = T - 1; t >= 0; t--) {
        float *zt = w->z + (size_t)t * n * G;
        const float *tct = w->tc + (size_t)t * n * NN;
        const float *cp = t > 0 ? w->c + (size_t)(t - 1) * n * NN : NULL;
        for (size_t b = 0; b < n; b++) {
            float *a = zt + b * G; /* activations in, dZ out */
            float *dc = w->dc + b * NN;
            const float *dh = w->dh + b * NN, *tc = tct + b * NN;
            for (size_t k = 0; k < NN; k++) {
                float ig = a[k], fg = a[NN + k], gg = a[2 * NN + k], og = a[3 * NN + k];
                float tk = tc[k], dhk = dh[k];
                float dck = dc[k] + dhk * og * (1.0f - tk * tk);
                float cpk = cp ? cp[b * NN + k] : 0.0f;
                a[k] = dck * gg * ig * (1.0f - ig);
                a[NN + k] = dck * cpk * fg * (1.0f - fg);
                a[2 * NN + k] = dck * ig * (1.0f - gg * gg);
                a[3 * NN + k] = dhk * tk * og * (1.0f - og);
                dc[k] = dck * fg;
            }
        }
        if (t > 0) { /* dH[t-1] = dZ[t] Wh: [n][G] x [G][N] */
#if TGEMM_AVAILABLE
            if (tr->packed) tgemm((int)n, N, G, zt, G, tr->whp_b, w->dh, N, 0);
            else
#endif
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, N, G, 1.0f, zt, G, p.wh,
                        N, 0.0f, w->dh, N);
        }
        if (t_end - t == group || t == 0) {
            /* weight and bias gradients of steps [t, t_end): [dWh, dWx] += dZ^T [H, X],
             * [G][rows] x [rows][N+I] (the rows of step 0 hold h = 0: nothing for dWh) */
            const int rows = (t_end - t) * (int)n;
            const float *zg = w->z + (size_t)t * n * G, *hxg = w->hx + (size_t)t * n * K1;
#if TGEMM_AVAILABLE
            if (tr->packed) {
                tgemm_pack_w(hxg, rows, K1, K1, w->hxp);
                tgemm_at(G, K1P / 16, rows, zg, G, w->hxp, w->dw, K1P, t_end != T);
            } else
#endif
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, K1, rows, 1.0f, zg, G, hxg, K1,
                        t_end != T ? 1.0f : 0.0f, w->dw, K1P);
            for (int r = 0; r < rows; r++) {
                const float *zr = zg + (size_t)r * G;
                for (int j = 0; j < G; j++) g.b[j] += zr[j];
            }
            t_end = t;
        }
    }
    for (int r = 0; r < G; r++) {
        memcpy(g.wh + (size_t)r * N, w->dw + (size_t)r * K1P, NN * sizeof(float));
        memcpy(g.wx + (size_t)r * I, w->dw + (size_t)r * K1P + N, (size_t)I * sizeof(float));
    }
}

static void *slice_run(void *arg)
{
    worker *w = arg;
    if (w->n == 0) {
        w->sse = 0.0;
        if (w->backward) memset(w->grad, 0, w->tr->lay.total * sizeof(float));
        return NULL;
    }
    slice_forward(w);
    if (w->backward) slice_backward(w);
    return NULL;
}

/* Run windows [idx or first..) of `win` (n <= P * slice_max) split over the threads. */
/* Thread p's part of a batch: its share of the packed panels of the weights (which may
 * have changed since the last call), then its slice of windows, then its share of the
 * gradient sum. */
static void batch_job(elstm_trainer *tr, int p)
{
    const int N = tr->N, I = tr->I, K1 = N + I, G = 4 * N, P = tr->P;
    const pview pv = view_of(tr->params, &tr->lay);
#if TGEMM_AVAILABLE
    if (tr->packed) { /* forward: panels of [Wh, Wx]^T; backward: panels of Wh */
        size_t lo, hi;
        share((size_t)(G / 16 + N / 16), p, P, &lo, &hi);
        for (size_t q = lo; q < hi; q++) {
            if (q < (size_t)(G / 16)) tgemm_pack_wt_panel(pv.wh, N, N, pv.wx, I, I, (int)q, tr->wcat_p);
            else tgemm_pack_w_panel(pv.wh, G, N, N, (int)q - G / 16, tr->whp_b);
        }
    } else
#endif
    if (p == 0) { /* cblas: the forward kernel [Wh, Wx] as one matrix */
        for (int r = 0; r < G; r++) {
            memcpy(tr->wcat + (size_t)r * K1, pv.wh + (size_t)r * N, (size_t)N * sizeof(float));
            memcpy(tr->wcat + (size_t)r * K1 + N, pv.wx + (size_t)r * I, (size_t)I * sizeof(float));
        }
    }
    pool_barrier(tr);
    slice_run(&tr->wk[p]);
    if (tr->job_backward) { /* fixed-order reduction: grad = g0 + g1 + ... */
        size_t lo, hi;
        pool_barrier(tr);
        share(tr->lay.total, p, P, &lo, &hi);
        memcpy(tr->grad + lo, tr->wk[0].grad + lo, (hi - lo) * sizeof(float));
        for (int q = 1; q < P; q++) {
            const float *gq = tr->wk[q].grad;
            for (size_t k = lo; k < hi; k++) tr->grad[k] += gq[k];
        }
    }
}

/* Run windows [idx or first..) of `win` (n <= P * slice_max) split over the threads. */
static elstm_status run_slices(elstm_trainer *tr, const elstm_windows *win, const size_t *idx,
                               size_t first, size_t n, int backward, double *sse, elstm_diag *diag)
{
    (void)diag;
    const int P = tr->P;
    for (int p = 0; p < P; p++) {
        worker *w = &tr->wk[p];
        size_t lo, hi;
        share(n, p, P, &lo, &hi);
        w->w = win;
        w->idx = idx ? idx + lo : NULL;
        w->first = first + lo;
        w->n = hi - lo;
        w->batch_total = n;
        w->backward = backward;
    }
    tr->job_backward = backward;
    pool_run(tr, batch_job);
    double acc = 0.0;
    for (int p = 0; p < P; p++) acc += tr->wk[p].sse;
    *sse = acc;
    return ELSTM_OK;
}

static elstm_status check_windows(const elstm_trainer *tr, const elstm_windows *w, elstm_diag *diag)
{
    if (w->n > 0 && (!w->x || !w->start))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "windows without data");
    if (w->n_input != tr->I || w->steps != tr->T)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "windows of %d steps x %d inputs do not fit a model of %d steps x %d inputs",
                              w->steps, w->n_input, tr->T, tr->I);
    return ELSTM_OK;
}

elstm_status elstm_trainer_compute_grads(elstm_trainer *tr, const elstm_windows *w,
                                         const size_t *idx, size_t n, double *loss,
                                         elstm_diag *diag)
{
    elstm_status s = check_windows(tr, w, diag);
    if (s != ELSTM_OK) return s;
    if (n < 1 || n > (size_t)tr->opts.batch || !w->target)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a batch must hold 1 to %d windows with targets", tr->opts.batch);
    double sse = 0.0;
    s = run_slices(tr, w, idx, 0, n, 1, &sse, diag);
    if (s == ELSTM_OK) *loss = sse / (double)n;
    return s;
}

/* Thread p's share of an Adam update (every element computed the same way by any thread). */
static void adam_job(elstm_trainer *tr, int p)
{
    const float alpha = tr->adam_alpha;
    const float omb1 = (float)(1.0 - tr->opts.beta1), omb2 = (float)(1.0 - tr->opts.beta2);
    const float eps = (float)tr->opts.epsilon;
    float *restrict w = tr->params, *restrict m = tr->m, *restrict v = tr->v;
    const float *restrict g = tr->grad;
    size_t lo, hi;
    share(tr->lay.total, p, tr->P, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        m[k] += (g[k] - m[k]) * omb1;
        v[k] += (g[k] * g[k] - v[k]) * omb2;
        w[k] -= (m[k] * alpha) / (sqrtf(v[k]) + eps);
    }
}

void elstm_trainer_adam_step(elstm_trainer *tr)
{
    /* Keras: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1);
     * v += (g^2 - v)(1 - b2); w -= alpha m / (sqrt(v) + eps). */
    tr->adam_t++;
    const double t = (double)tr->adam_t;
    tr->adam_alpha = (float)(tr->opts.lr * sqrt(1.0 - pow(tr->opts.beta2, t)) / (1.0 - pow(tr->opts.beta1, t)));
    pool_run(tr, adam_job);
}

elstm_status elstm_trainer_evaluate(elstm_trainer *tr, const elstm_windows *w, double *mse,
                                    float *pred, elstm_diag *diag)
{
    elstm_status s = check_windows(tr, w, diag);
    if (s != ELSTM_OK) return s;
    const size_t chunk = tr->slice_max * (size_t)tr->P;
    double total = 0.0;
    for (size_t first = 0; first < w->n; first += chunk) {
        size_t n = w->n - first < chunk ? w->n - first : chunk;
        double sse = 0.0;
        s = run_slices(tr, w, NULL, first, n, 0, &sse, diag);
        if (s != ELSTM_OK) return s;
        total += sse;
        if (pred)
            for (int p = 0; p < tr->P; p++)
                for (size_t b = 0; b < tr->wk[p].n; b++) pred[tr->wk[p].first + b] = tr->wk[p].y[b];
    }
    *mse = w->n ? total / (double)w->n : NAN;
    return ELSTM_OK;
}

/* ---- checkpoints ------------------------------------------------------------------- */

#define CKPT_MAGIC "ELSTMCK1"

typedef struct ckpt_header {
    char magic[8];
    uint32_t version, n_units, n_input, steps;
    uint64_t fingerprint;
    int32_t epochs_done, best_epoch, wait, pad_;
    int64_t adam_t;
    uint64_t rng[4];
    double best_monitor;
    uint64_t total;          /* floats per block; params, m, v, best follow */
} ckpt_header;

#define CKPT_RECORD_BYTES (4 * sizeof(double))   /* epoch, loss, val_loss, lr */

static elstm_status history_add(elstm_trainer *tr, const elstm_epoch_record *e, elstm_diag *diag)
{
    if (tr->n_hist == tr->cap_hist) {
        int cap = tr->cap_hist ? 2 * tr->cap_hist : 64;
        elstm_epoch_record *h = realloc(tr->hist, (size_t)cap * sizeof *h);
        if (!h) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the training history");
        tr->hist = h;
        tr->cap_hist = cap;
    }
    tr->hist[tr->n_hist++] = *e;
    return ELSTM_OK;
}

const elstm_epoch_record *elstm_trainer_history(const elstm_trainer *tr, int *n)
{
    *n = tr->n_hist;
    return tr->hist;
}

void elstm_trainer_record(const elstm_trainer *tr, const elstm_train_result *res, int monitor_val,
                          elstm_meta_training *out)
{
    const elstm_train_opts *o = &tr->opts;
    out->present = 1;
    out->units = tr->N;
    out->batch = o->batch;
    out->epochs = o->epochs;
    out->patience = o->patience;
    out->threads = o->threads;
    out->lr = o->lr;
    out->seed = o->seed;
    out->epochs_run = tr->epochs_done;
    out->best_epoch = tr->best_epoch;
    out->best_loss = tr->best_epoch > 0 ? tr->best_monitor : NAN;
    out->early_stopped = res ? res->early_stopped : 0;
    snprintf(out->monitor, sizeof out->monitor, "%s", monitor_val ? "val_loss" : "loss");
    elstm_meta_set_history(out, tr->hist, tr->n_hist);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 0x100000001b3ULL; }
    return h;
}

static uint64_t hash_windows(uint64_t h, const elstm_windows *w)
{
    h = fnv(h, &w->n, sizeof w->n);
    if (w->n == 0) return h;
    size_t maxrow = 0;
    for (size_t k = 0; k < w->n; k++)
        if (w->start[k] > maxrow) maxrow = w->start[k];
    h = fnv(h, w->start, w->n * sizeof *w->start);
    if (w->target) h = fnv(h, w->target, w->n * sizeof *w->target);
    return fnv(h, w->x, (maxrow + (size_t)w->steps) * (size_t)w->n_input * sizeof(float));
}

/* What a resume must agree on: the data and every option that changes the arithmetic
 * except the epoch limit, the patience and the thread count (docs/training.md). */
static uint64_t fingerprint(const elstm_trainer *tr, const elstm_windows *train, const elstm_windows *val)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const elstm_train_opts *o = &tr->opts;
    int32_t ints[4] = {tr->N, tr->I, tr->T, o->batch};
    double dbl[4] = {o->lr, o->beta1, o->beta2, o->epsilon};
    h = fnv(h, ints, sizeof ints);
    h = fnv(h, dbl, sizeof dbl);
    h = fnv(h, &o->seed, sizeof o->seed);
    h = hash_windows(h, train);
    return hash_windows(h, val);
}

static elstm_status ckpt_write(const elstm_trainer *tr, uint64_t fp, elstm_diag *diag)
{
    const size_t tot = tr->lay.total, blocks_end = sizeof(ckpt_header) + 4 * tot * sizeof(float),
                 nbytes = blocks_end + sizeof(int64_t) + (size_t)tr->n_hist * CKPT_RECORD_BYTES;
    unsigned char *buf = calloc(1, nbytes);
    if (!buf) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, tr->opts.checkpoint, 0, "out of memory writing the checkpoint");
    ckpt_header hd;
    memset(&hd, 0, sizeof hd);
    memcpy(hd.magic, CKPT_MAGIC, 8);
    hd.version = 2;
    hd.n_units = (uint32_t)tr->N;
    hd.n_input = (uint32_t)tr->I;
    hd.steps = (uint32_t)tr->T;
    hd.fingerprint = fp;
    hd.epochs_done = tr->epochs_done;
    hd.best_epoch = tr->best_epoch;
    hd.wait = tr->wait;
    hd.adam_t = tr->adam_t;
    memcpy(hd.rng, tr->rng.s, sizeof hd.rng);
    hd.best_monitor = tr->best_monitor;
    hd.total = tot;
    memcpy(buf, &hd, sizeof hd);
    const float *blocks[4] = {tr->params, tr->m, tr->v, tr->best};
    for (int i = 0; i < 4; i++)
        memcpy(buf + sizeof hd + (size_t)i * tot * sizeof(float), blocks[i], tot * sizeof(float));
    int64_t nh = tr->n_hist;
    memcpy(buf + blocks_end, &nh, sizeof nh);
    for (int i = 0; i < tr->n_hist; i++) {
        const elstm_epoch_record *e = &tr->hist[i];
        double rec[4] = {e->epoch, e->loss, e->val_loss, e->lr};
        memcpy(buf + blocks_end + sizeof nh + (size_t)i * CKPT_RECORD_BYTES, rec, sizeof rec);
    }
    elstm_status s = elstm_write_file_atomic(tr->opts.checkpoint, buf, nbytes, diag);
    free(buf);
    return s;
}

static elstm_status ckpt_read(elstm_trainer *tr, uint64_t fp, elstm_diag *diag)
{
    const char *path = tr->opts.checkpoint;
    if (!path) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "resuming needs a checkpoint file");
    uint8_t *buf = NULL;
    size_t len = 0;
    elstm_status s = elstm_read_file(path, &buf, &len, 0, diag);
    if (s != ELSTM_OK) return s;
    const size_t tot = tr->lay.total;
    ckpt_header hd;
    if (len < sizeof hd) goto bad;
    memcpy(&hd, buf, sizeof hd);
    if (memcmp(hd.magic, CKPT_MAGIC, 8) != 0 || hd.version < 1 || hd.version > 2) goto bad;
    if (hd.n_units != (uint32_t)tr->N || hd.n_input != (uint32_t)tr->I || hd.steps != (uint32_t)tr->T ||
        hd.fingerprint != fp) {
        free(buf);
        return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0,
                              "the checkpoint was made with other data or options (units, steps, batch, "
                              "learning rate, seed or data differ); run without --resume to start again");
    }
    /* version 2 adds the epoch records after the blocks (version 1 files have none) */
    const size_t blocks_end = sizeof hd + 4 * tot * sizeof(float);
    int64_t nh = 0;
    if (hd.version >= 2 && len >= blocks_end + sizeof nh) memcpy(&nh, buf + blocks_end, sizeof nh);
    if (hd.total != tot || hd.epochs_done < 0 || hd.best_epoch < 0 || hd.best_epoch > hd.epochs_done ||
        hd.wait < 0 || hd.adam_t < 0 || nh < 0 || nh > hd.epochs_done ||
        len != (hd.version >= 2 ? blocks_end + sizeof nh + (size_t)nh * CKPT_RECORD_BYTES : blocks_end))
        goto bad;
    tr->n_hist = 0;
    for (int64_t i = 0; i < nh; i++) {
        double rec[4];
        memcpy(rec, buf + blocks_end + sizeof nh + (size_t)i * CKPT_RECORD_BYTES, sizeof rec);
        elstm_epoch_record e = {(int)rec[0], rec[1], rec[2], rec[3]};
        if ((s = history_add(tr, &e, diag)) != ELSTM_OK) {
            free(buf);
            return s;
        }
    }
    tr->epochs_done = hd.epochs_done;
    tr->best_epoch = hd.best_epoch;
    tr->wait = hd.wait;
    tr->adam_t = hd.adam_t;
    memcpy(tr->rng.s, hd.rng, sizeof hd.rng);
    tr->best_monitor = hd.best_monitor;
    float *blocks[4] = {tr->params, tr->m, tr->v, tr->best};
    for (int i = 0; i < 4; i++)
        memcpy(blocks[i], buf + sizeof hd + (size_t)i * tot * sizeof(float), tot * sizeof(float));
    free(buf);
    return ELSTM_OK;
bad:
    free(buf);
    return elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0, "not an edgelstm checkpoint, or a damaged one");
}

/* ---- the training loop -------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

elstm_status elstm_trainer_fit(elstm_trainer *tr, const elstm_windows *train,
                               const elstm_windows *val, int resume,
                               const elstm_train_callbacks *cb, elstm_train_result *res,
                               elstm_diag *diag)
{
    static const elstm_train_callbacks no_cb = {0};
    static const elstm_windows no_val = {0};
    if (!cb) cb = &no_cb;
    if (!val) val = &no_val;
    memset(res, 0, sizeof *res);
    elstm_status s = check_windows(tr, train, diag);
    if (s != ELSTM_OK) return s;
    if (val->n > 0 && (s = check_windows(tr, val, diag)) != ELSTM_OK) return s;
    if (train->n == 0 || !train->target)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, NULL, 0, "there are no training windows");
    if (val->n > 0 && !val->target)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "validation windows without targets");

    const uint64_t fp = fingerprint(tr, train, val);
    if (resume) {
        if ((s = ckpt_read(tr, fp, diag)) != ELSTM_OK) return s;
        res->resumed_from = tr->epochs_done;
    }
    const size_t n = train->n, B = (size_t)tr->opts.batch, batches = (n + B - 1) / B;
    size_t *perm = malloc(n * sizeof *perm);
    if (!perm) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");

    int stop_early = tr->opts.patience > 0 && tr->best_epoch > 0 && tr->wait >= tr->opts.patience;
    for (int epoch = tr->epochs_done + 1; epoch <= tr->opts.epochs && !stop_early; epoch++) {
        double t0 = now_s(), sum = 0.0;
        for (size_t k = 0; k < n; k++) perm[k] = k;
        for (size_t k = n - 1; k > 0; k--) { /* Fisher-Yates */
            size_t j = (size_t)rng_below(&tr->rng, (uint64_t)k + 1), tmp = perm[k];
            perm[k] = perm[j];
            perm[j] = tmp;
        }
        for (size_t bi = 0; bi < batches; bi++) {
            if (tr->opts.stop && *tr->opts.stop) {
                s = elstm_diag_set(diag, ELSTM_ERR_INTERRUPTED, NULL, 0,
                                   "training was interrupted in epoch %d (batch %zu of %zu)", epoch, bi + 1, batches);
                res->fail_epoch = epoch;
                res->fail_batch = bi + 1;
                goto out;
            }
            size_t lo = bi * B, nb = n - lo < B ? n - lo : B;
            double loss = 0.0;
            if ((s = elstm_trainer_compute_grads(tr, train, perm + lo, nb, &loss, diag)) != ELSTM_OK) goto out;
            if (!isfinite(loss)) {
                s = elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                                   "training diverged: the loss became %s in epoch %d, batch %zu of %zu "
                                   "(try a smaller --lr)", isnan(loss) ? "NaN" : "infinite", epoch, bi + 1, batches);
                res->fail_epoch = epoch;
                res->fail_batch = bi + 1;
                goto out;
            }
            elstm_trainer_adam_step(tr);
            sum += loss * (double)nb;
            res->windows_trained += nb;
            if (cb->on_batch) cb->on_batch(cb->user, epoch, bi + 1, batches, sum / (double)(lo + nb));
        }
        elstm_epoch_info info;
        memset(&info, 0, sizeof info);
        info.epoch = epoch;
        info.epochs = tr->opts.epochs;
        info.loss = sum / (double)n;
        info.val_loss = NAN;
        if (val->n > 0 && (s = elstm_trainer_evaluate(tr, val, &info.val_loss, NULL, diag)) != ELSTM_OK) goto out;
        double monitor = val->n > 0 ? info.val_loss : info.loss;
        if (!isfinite(monitor)) {
            s = elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                               "training diverged: the %s loss became %s after epoch %d (try a smaller --lr)",
                               val->n > 0 ? "validation" : "training", isnan(monitor) ? "NaN" : "infinite", epoch);
            res->fail_epoch = epoch;
            res->fail_batch = batches;
            goto out;
        }
        if (monitor < tr->best_monitor) {  /* Keras EarlyStopping, min_delta 0 */
            tr->best_monitor = monitor;
            tr->best_epoch = epoch;
            tr->wait = 0;
            memcpy(tr->best, tr->params, tr->lay.total * sizeof(float));
            info.improved = 1;
        } else {
            tr->wait++;
        }
        tr->epochs_done = epoch;
        info.best_epoch = tr->best_epoch;
        info.best_val_loss = tr->best_monitor;
        info.wait = tr->wait;
        info.lr = tr->opts.lr;
        info.seconds = now_s() - t0;
        res->train_seconds += info.seconds;
        elstm_epoch_record rec = {epoch, info.loss, info.val_loss, info.lr};
        if ((s = history_add(tr, &rec, diag)) != ELSTM_OK) goto out;
        /* the model file (on_epoch) before the checkpoint: a run killed between the two
         * resumes one epoch early and writes the same model again */
        if (cb->on_epoch && (s = cb->on_epoch(cb->user, tr, &info, diag)) != ELSTM_OK) goto out;
        if (tr->opts.checkpoint && (s = ckpt_write(tr, fp, diag)) != ELSTM_OK) goto out;
        if (tr->opts.patience > 0 && tr->wait >= tr->opts.patience) stop_early = 1;
    }
    res->early_stopped = stop_early;
out:
    free(perm);
    res->epochs_run = tr->epochs_done;
    res->best_epoch = tr->best_epoch;
    res->best_val_loss = tr->best_monitor;
    if (s == ELSTM_OK && tr->best_epoch > 0) /* restore the best weights */
        memcpy(tr->params, tr->best, tr->lay.total * sizeof(float));
    return s;
}
