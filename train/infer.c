/*
 * infer.c - float32 LSTM inference on host threads (see edgelstm/infer.h).
 *
 * Many windows: a static split of the windows over T threads, each running the runtime
 * kernel (elstm_lstm_window_f32) in its own arena. One window: a pool of persistent
 * workers; every step, worker t computes units [bounds[t], bounds[t+1]) with
 * elstm_lstm_units_f32_opt (runtime/lstm_f32_opt.h) from the shared h of the previous step
 * into the other half of a ping-pong pair, then all meet at a spinning barrier.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgelstm/infer.h"
#include "lstm_f32_opt.h"

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Arena for one context, on its own cache lines (threads write their own). */
static void *arena_alloc(const elstm_lstm_f32 *m, size_t *bytes)
{
    *bytes = (elstm_lstm_arena_size_f32(m) + 63) & ~(size_t)63;
    return aligned_alloc(64, *bytes);
}

static elstm_status check_model(const elstm_lstm_f32 *m, elstm_diag *diag)
{
    elstm_lstm_ctx_f32 ctx;
    size_t bytes;
    void *arena;
    elstm_status s;
    if (!m) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no model given");
    if (m->n_units < 1 || m->n_units > (1 << 20))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the model has %d LSTM units (expected 1 to 1048576)",
                              (int)m->n_units);
    arena = arena_alloc(m, &bytes);
    if (!arena) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the inference arena");
    s = elstm_lstm_init_f32(&ctx, m, arena, bytes);
    free(arena);
    if (s != ELSTM_OK)
        return elstm_diag_set(diag, s, NULL, 0,
                              "the LSTM model is invalid (%d inputs, %d units, %d outputs, cell clip %g, or a "
                              "missing weight array)",
                              (int)m->n_input, (int)m->n_units, (int)m->n_output, (double)m->cell_clip);
    return ELSTM_OK;
}

static elstm_status check_threads(int threads, elstm_diag *diag)
{
    if (threads < 1 || threads > ELSTM_INFER_MAX_THREADS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "%d threads requested (expected 1 to %d)", threads,
                              ELSTM_INFER_MAX_THREADS);
    return ELSTM_OK;
}

/* ---- many windows ------------------------------------------------------------------ */

typedef struct win_job {
    const elstm_lstm_f32 *m;       /* exactly one of m, n8, n16 */
    const elstm_net_s8 *n8;
    const elstm_net_s16 *n16;
    const float *x;
    size_t stride;
    const size_t *starts;
    size_t begin, end;
    int32_t steps;
    float *y, *h_out;
    void *arena;
    size_t arena_bytes;
} win_job;

/* Quantized windows: rows quantized one by one (any row stride), the integer LSTM, the
 * dense layer, dequantized outputs. */
static void *run_windows_q(const win_job *j)
{
    elstm_net_ctx_s8 c8;
    elstm_net_ctx_s16 c16;
    const size_t O = (size_t)(j->n8 ? j->n8->dense.n_out : j->n16->dense.n_out);
    if (j->n8 ? elstm_net_init_s8(&c8, j->n8, j->arena, j->arena_bytes) != ELSTM_OK
              : elstm_net_init_s16(&c16, j->n16, j->arena, j->arena_bytes) != ELSTM_OK)
        return NULL; /* checked */
    for (size_t k = j->begin; k < j->end; k++) {
        const float *xw = j->x + (j->starts ? j->starts[k] : k * (size_t)j->steps) * j->stride;
        if (j->n8) elstm_net_reset_s8(&c8);
        else elstm_net_reset_s16(&c16);
        for (int32_t t = 0; t < j->steps; t++) {
            const float *row = xw + (size_t)t * j->stride;
            if (j->n8) {
                elstm_net_quantize_s8(j->n8, row, c8.row);
                elstm_net_step_s8(&c8, c8.row);
            } else {
                elstm_net_quantize_s16(j->n16, row, c16.row);
                elstm_net_step_s16_ref(&c16, c16.row);
            }
        }
        if (j->n8) elstm_net_output_s8(&c8, j->y + k * O);
        else elstm_net_output_s16(&c16, j->y + k * O);
    }
    return NULL;
}

static void *run_windows(void *arg)
{
    const win_job *j = arg;
    if (!j->m) return run_windows_q(j);
    const size_t I = (size_t)j->m->n_input, N = (size_t)j->m->n_units, O = (size_t)j->m->n_output;
    elstm_lstm_ctx_f32 ctx;
    size_t k;
    int32_t t;
    if (elstm_lstm_init_f32(&ctx, j->m, j->arena, j->arena_bytes) != ELSTM_OK) return NULL; /* checked */
    for (k = j->begin; k < j->end; k++) {
        const float *xw = j->x + (j->starts ? j->starts[k] : k * (size_t)j->steps) * j->stride;
        if (j->stride == I) {
            elstm_lstm_window_f32(&ctx, xw, j->steps, NULL);
        } else { /* same kernel, same bits: one step per (strided) row */
            elstm_lstm_reset_f32(&ctx);
            for (t = 0; t < j->steps; t++) elstm_lstm_step_f32(&ctx, xw + (size_t)t * j->stride);
        }
        if (j->y && O) elstm_dense_f32(&ctx, j->y + k * O);
        if (j->h_out) memcpy(j->h_out + k * N, ctx.h, N * sizeof(float));
    }
    return NULL;
}

/* Split windows [0, n) over T threads, each with its own arena of `bytes`. */
static elstm_status split_windows(win_job proto, size_t n, int threads, size_t bytes, elstm_diag *diag)
{
    win_job jobs[ELSTM_INFER_MAX_THREADS];
    pthread_t tid[ELSTM_INFER_MAX_THREADS];
    int started[ELSTM_INFER_MAX_THREADS];
    int t, T = (size_t)threads < n ? threads : (int)n;
    bytes = (bytes + 63) & ~(size_t)63;
    unsigned char *arenas = aligned_alloc(64, bytes * (size_t)T);
    if (!arenas) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for %d inference arenas", T);
    for (t = 0; t < T; t++) {
        jobs[t] = proto;
        jobs[t].begin = n * (size_t)t / (size_t)T;
        jobs[t].end = n * (size_t)(t + 1) / (size_t)T;
        jobs[t].arena = arenas + bytes * (size_t)t;
        jobs[t].arena_bytes = bytes;
        started[t] = t > 0 && pthread_create(&tid[t], NULL, run_windows, &jobs[t]) == 0;
    }
    run_windows(&jobs[0]);
    for (t = 1; t < T; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else run_windows(&jobs[t]); /* the thread could not start: do its share here */
    }
    free(arenas);
    return ELSTM_OK;
}

static elstm_status check_windows(int32_t n_input, const float *x, size_t row_stride, size_t n,
                                  int32_t steps, int threads, elstm_diag *diag)
{
    elstm_status s;
    if ((s = check_threads(threads, diag)) != ELSTM_OK) return s;
    if (steps < 1) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "windows of %d steps (expected >= 1)", (int)steps);
    if (row_stride < (size_t)n_input)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "input rows of %zu values are shorter than the model's %d inputs",
                              row_stride, (int)n_input);
    if (n > 0 && !x) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no input data given");
    return ELSTM_OK;
}

elstm_status elstm_infer_windows(const elstm_lstm_f32 *m, const float *x, size_t row_stride,
                                 const size_t *starts, size_t n, int32_t steps, int threads,
                                 float *y, float *h_out, elstm_diag *diag)
{
    elstm_status s;
    if ((s = check_model(m, diag)) != ELSTM_OK) return s;
    if ((s = check_windows(m->n_input, x, row_stride, n, steps, threads, diag)) != ELSTM_OK || n == 0) return s;
    win_job proto = {m, NULL, NULL, x, row_stride, starts, 0, 0, steps, y, h_out, NULL, 0};
    return split_windows(proto, n, threads, elstm_lstm_arena_size_f32(m), diag);
}

/* The quantized nets: n8 or n16. */
static elstm_status infer_windows_q(const elstm_net_s8 *n8, const elstm_net_s16 *n16, const float *x,
                                    size_t row_stride, const size_t *starts, size_t n, int32_t steps,
                                    int threads, float *y, elstm_diag *diag)
{
    elstm_status s;
    const int32_t n_input = n8 ? n8->lstm.q.n_input : n16->lstm.q.n_input;
    if ((s = check_windows(n_input, x, row_stride, n, steps, threads, diag)) != ELSTM_OK || n == 0) return s;
    if (!y) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no output array given");
    win_job proto = {NULL, n8, n16, x, row_stride, starts, 0, 0, steps, y, NULL, NULL, 0};
    return split_windows(proto, n, threads, n8 ? elstm_net_arena_size_s8(n8) : elstm_net_arena_size_s16(n16),
                         diag);
}

elstm_status elstm_infer_windows_s8(const elstm_net_s8 *net, const float *x, size_t row_stride,
                                    const size_t *starts, size_t n, int32_t steps, int threads,
                                    float *y, elstm_diag *diag)
{
    return infer_windows_q(net, NULL, x, row_stride, starts, n, steps, threads, y, diag);
}

elstm_status elstm_infer_windows_s16(const elstm_net_s16 *net, const float *x, size_t row_stride,
                                     const size_t *starts, size_t n, int32_t steps, int threads,
                                     float *y, elstm_diag *diag)
{
    return infer_windows_q(NULL, net, x, row_stride, starts, n, steps, threads, y, diag);
}

/* ---- one window on several threads ------------------------------------------------- */

/* Waiting: spin (the next step or window usually comes within microseconds), then sleep
 * and give the core away (more threads than free cores: the others need it). */
#define POOL_SPIN_SECONDS 2e-4       /* between windows */
#define POOL_STEP_SPIN_SECONDS 2e-5  /* at a step barrier (a step takes ~1-2 us) */

typedef struct pool_worker {
    struct elstm_infer_pool *pool;
    int index;
} pool_worker;

struct elstm_infer_pool {
    const elstm_lstm_f32 *m;
    int threads;
    int32_t bounds[ELSTM_INFER_MAX_THREADS + 1]; /* units of worker t: [bounds[t], bounds[t+1]) */
    pthread_t tid[ELSTM_INFER_MAX_THREADS];
    pool_worker workers[ELSTM_INFER_MAX_THREADS];
    void *arena;
    elstm_lstm_ctx_f32 ctx; /* h and scratch[0..N) are the ping-pong pair, c is shared */
    /* the current window, published by incrementing `job` */
    const float *x;
    int32_t steps;
    _Atomic unsigned job;
    _Atomic int quit;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* a new window (or quit) */
    /* step barrier: `arrived` counts, `phase` advances when all have arrived; threads that
     * waited too long sleep on step_cv (counted in `sleepers`) */
    _Atomic unsigned arrived;
    _Atomic unsigned phase;
    _Atomic int sleepers;
    pthread_cond_t step_cv;
};

/* `slept`: whether this thread already had to sleep during this window; it then sleeps at
 * once (spinning would only keep the core from the threads it waits for). */
static void pool_barrier(elstm_infer_pool *p, int *slept)
{
    const unsigned phase = atomic_load_explicit(&p->phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&p->arrived, 1, memory_order_acq_rel) + 1 == (unsigned)p->threads) {
        atomic_store_explicit(&p->arrived, 0, memory_order_relaxed);
        atomic_store(&p->phase, phase + 1); /* seq_cst with the load of sleepers (see below) */
        if (atomic_load(&p->sleepers) > 0) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_broadcast(&p->step_cv);
            pthread_mutex_unlock(&p->mu);
        }
        return;
    }
    /* spin while the others are running; if they are not (more threads than free cores),
     * sleep so that this core can run them */
    double t0 = 0.0;
    for (unsigned spins = 1; atomic_load_explicit(&p->phase, memory_order_acquire) == phase; spins++) {
        cpu_relax();
        if (spins % 64 == 0) {
            if (t0 == 0.0 && !*slept) {
                t0 = now_s();
            } else if (*slept || now_s() - t0 > POOL_STEP_SPIN_SECONDS) {
                *slept = 1;
                pthread_mutex_lock(&p->mu);
                atomic_fetch_add(&p->sleepers, 1);
                while (atomic_load(&p->phase) == phase) pthread_cond_wait(&p->step_cv, &p->mu);
                atomic_fetch_sub(&p->sleepers, 1);
                pthread_mutex_unlock(&p->mu);
                return;
            }
        }
    }
}

/* Worker `t`'s share of the current window. */
static void pool_run(elstm_infer_pool *p, int t)
{
    const elstm_lstm_f32 *m = p->m;
    const int32_t lo = p->bounds[t], hi = p->bounds[t + 1], steps = p->steps;
    const size_t I = (size_t)m->n_input;
    float *h = p->ctx.h, *h_next = p->ctx.scratch;
    int slept = 0;
    for (int32_t s = 0; s < steps; s++) {
        float *tmp = h;
        if (lo < hi) elstm_lstm_units_f32_opt(m, p->x + (size_t)s * I, h, p->ctx.c, h_next, lo, hi, s & 1);
        pool_barrier(p, &slept);
        h = h_next;
        h_next = tmp;
    }
}

static void *pool_main(void *arg)
{
    const pool_worker *w = arg;
    elstm_infer_pool *p = w->pool;
    unsigned seen = 0;
    for (;;) {
        double t0 = 0.0;
        unsigned spins = 0, job;
        while ((job = atomic_load_explicit(&p->job, memory_order_acquire)) == seen &&
               !atomic_load_explicit(&p->quit, memory_order_acquire)) {
            if (++spins % 256 == 0) {
                if (t0 == 0.0) t0 = now_s();
                else if (now_s() - t0 > POOL_SPIN_SECONDS) {
                    pthread_mutex_lock(&p->mu);
                    while (atomic_load_explicit(&p->job, memory_order_acquire) == seen &&
                           !atomic_load_explicit(&p->quit, memory_order_acquire))
                        pthread_cond_wait(&p->cv, &p->mu);
                    pthread_mutex_unlock(&p->mu);
                }
            }
            cpu_relax();
        }
        if (atomic_load_explicit(&p->quit, memory_order_acquire)) return NULL;
        seen = job;
        pool_run(p, w->index);
    }
}

static void pool_publish(elstm_infer_pool *p)
{
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->job, 1, memory_order_acq_rel);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void pool_stop(elstm_infer_pool *p, int started)
{
    atomic_store_explicit(&p->quit, 1, memory_order_release);
    pool_publish(p);
    for (int t = 1; t < started; t++) pthread_join(p->tid[t], NULL);
}

elstm_status elstm_infer_pool_create(elstm_infer_pool **pool, const elstm_lstm_f32 *m, int threads,
                                     elstm_diag *diag)
{
    elstm_infer_pool *p;
    size_t bytes;
    int32_t blocks;
    elstm_status s;
    int t;
    *pool = NULL;
    if ((s = check_model(m, diag)) != ELSTM_OK || (s = check_threads(threads, diag)) != ELSTM_OK) return s;
    p = calloc(1, sizeof *p);
    if (!p) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the inference pool");
    p->m = m;
    p->arena = arena_alloc(m, &bytes);
    if (!p->arena || elstm_lstm_init_f32(&p->ctx, m, p->arena, bytes) != ELSTM_OK) {
        free(p->arena);
        free(p);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the inference arena");
    }
    /* split the units in blocks of 8 (the AVX2 kernel's unit) */
    blocks = (m->n_units + 7) / 8;
    p->threads = threads < blocks ? threads : (int)blocks;
    for (t = 0; t <= p->threads; t++) {
        int32_t u = (int32_t)((int64_t)blocks * t / p->threads) * 8;
        p->bounds[t] = u < m->n_units ? u : m->n_units;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_cond_init(&p->step_cv, NULL);
    for (t = 1; t < p->threads; t++) {
        p->workers[t] = (pool_worker){p, t};
        if (pthread_create(&p->tid[t], NULL, pool_main, &p->workers[t]) != 0) {
            pool_stop(p, t);
            pthread_mutex_destroy(&p->mu);
            pthread_cond_destroy(&p->cv);
            pthread_cond_destroy(&p->step_cv);
            free(p->arena);
            free(p);
            return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "could not start inference thread %d of %d", t + 1,
                                  threads);
        }
    }
    *pool = p;
    return ELSTM_OK;
}

int elstm_infer_pool_threads(const elstm_infer_pool *pool)
{
    return pool->threads;
}

void elstm_infer_pool_window(elstm_infer_pool *p, const float *x, int32_t steps, float *y, float *h)
{
    const size_t N = (size_t)p->m->n_units;
    elstm_lstm_reset_f32(&p->ctx); /* the workers are idle: they passed the last barrier */
    p->x = x;
    p->steps = steps > 0 ? steps : 0;
    if (p->threads > 1) pool_publish(p);
    pool_run(p, 0);
    /* after an odd number of steps the last h is in the scratch half of the pair */
    if (p->steps % 2) memcpy(p->ctx.h, p->ctx.scratch, N * sizeof(float));
    if (y && p->m->n_output > 0) elstm_dense_f32(&p->ctx, y);
    if (h) memcpy(h, p->ctx.h, N * sizeof(float));
}

void elstm_infer_pool_free(elstm_infer_pool *p)
{
    if (!p) return;
    pool_stop(p, p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_cond_destroy(&p->step_cv);
    free(p->arena);
    free(p);
}
