/*
 * infer.c - LSTM inference on host threads (see edgelstm/infer.h).
 *
 * Many windows: a static split of the windows over T threads, each running the runtime
 * kernel (elstm_lstm_window_f32, or the integer nets of quant.h) in its own arena. One window: the host worker pool
 * (pool.h); every step, thread t computes units [bounds[t], bounds[t+1]) with
 * elstm_lstm_units_f32_opt (runtime/lstm_f32_opt.h) from the shared h of the previous step
 * into the other half of a ping-pong pair, then all meet at the pool's barrier.
 */
#include <stdlib.h>
#include <string.h>

#include "edgelstm/infer.h"
#include "lstm_f32_opt.h"
#include "pool.h"

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
    size_t n;
    int32_t steps;
    int threads;
    float *y, *h_out;
    unsigned char *arenas;  /* one per thread, on its own cache lines */
    size_t arena_bytes;
} win_job;

/* Quantized windows [begin, end): rows quantized one by one (any row stride), the integer
 * LSTM, the dense layer, dequantized outputs. */
static void run_windows_q(const win_job *j, void *arena, size_t begin, size_t end)
{
    elstm_net_ctx_s8 c8;
    elstm_net_ctx_s16 c16;
    const size_t O = (size_t)(j->n8 ? j->n8->dense.n_out : j->n16->dense.n_out);
    if (j->n8 ? elstm_net_init_s8(&c8, j->n8, arena, j->arena_bytes) != ELSTM_OK
              : elstm_net_init_s16(&c16, j->n16, arena, j->arena_bytes) != ELSTM_OK)
        return; /* checked */
    for (size_t k = begin; k < end; k++) {
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
}

/* Thread t's share of the windows, in its own arena. */
static void run_windows(void *arg, int t)
{
    const win_job *j = arg;
    void *arena = j->arenas + j->arena_bytes * (size_t)t;
    size_t k, begin, end;
    tr_pool_share(j->n, t, j->threads, &begin, &end);
    if (!j->m) {
        run_windows_q(j, arena, begin, end);
        return;
    }
    const size_t I = (size_t)j->m->n_input, N = (size_t)j->m->n_units, O = (size_t)j->m->n_output;
    elstm_lstm_ctx_f32 ctx;
    int32_t s;
    if (elstm_lstm_init_f32(&ctx, j->m, arena, j->arena_bytes) != ELSTM_OK) return; /* checked */
    for (k = begin; k < end; k++) {
        const float *xw = j->x + (j->starts ? j->starts[k] : k * (size_t)j->steps) * j->stride;
        if (j->stride == I) {
            elstm_lstm_window_f32(&ctx, xw, j->steps, NULL);
        } else { /* same kernel, same bits: one step per (strided) row */
            elstm_lstm_reset_f32(&ctx);
            for (s = 0; s < j->steps; s++) elstm_lstm_step_f32(&ctx, xw + (size_t)s * j->stride);
        }
        if (j->y && O) elstm_dense_f32(&ctx, j->y + k * O);
        if (j->h_out) memcpy(j->h_out + k * N, ctx.h, N * sizeof(float));
    }
}

/* Split the job's n windows over its threads, each with its own arena of `bytes`. */
static elstm_status split_windows(win_job job, int threads, size_t bytes, elstm_diag *diag)
{
    tr_pool *pool;
    elstm_status s;
    job.threads = (size_t)threads < job.n ? threads : (int)job.n;
    job.arena_bytes = (bytes + 63) & ~(size_t)63;
    job.arenas = aligned_alloc(64, job.arena_bytes * (size_t)job.threads);
    if (!job.arenas)
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for %d inference arenas", job.threads);
    if ((s = tr_pool_create(&pool, job.threads, "inference", diag)) == ELSTM_OK) {
        tr_pool_run(pool, run_windows, &job);
        tr_pool_free(pool);
    }
    free(job.arenas);
    return s;
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
    win_job job = {m, NULL, NULL, x, row_stride, starts, n, steps, 0, y, h_out, NULL, 0};
    return split_windows(job, threads, elstm_lstm_arena_size_f32(m), diag);
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
    win_job job = {NULL, n8, n16, x, row_stride, starts, n, steps, 0, y, NULL, NULL, 0};
    return split_windows(job, threads, n8 ? elstm_net_arena_size_s8(n8) : elstm_net_arena_size_s16(n16), diag);
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

struct elstm_infer_pool {
    const elstm_lstm_f32 *m;
    int threads;
    int32_t bounds[ELSTM_INFER_MAX_THREADS + 1]; /* units of thread t: [bounds[t], bounds[t+1]) */
    tr_pool *pool;
    void *arena;
    elstm_lstm_ctx_f32 ctx; /* h and scratch[0..N) are the ping-pong pair, c is shared */
    /* the current window */
    const float *x;
    int32_t steps;
};

/* Thread t's share of the current window: its units of every step. */
static void window_job(void *arg, int t)
{
    elstm_infer_pool *p = arg;
    const elstm_lstm_f32 *m = p->m;
    const int32_t lo = p->bounds[t], hi = p->bounds[t + 1], steps = p->steps;
    const size_t I = (size_t)m->n_input;
    float *h = p->ctx.h, *h_next = p->ctx.scratch;
    for (int32_t s = 0; s < steps; s++) {
        float *tmp = h;
        if (lo < hi) elstm_lstm_units_f32_opt(m, p->x + (size_t)s * I, h, p->ctx.c, h_next, lo, hi, s & 1);
        tr_pool_barrier(p->pool, t);
        h = h_next;
        h_next = tmp;
    }
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
    if ((s = tr_pool_create(&p->pool, p->threads, "inference", diag)) != ELSTM_OK) {
        free(p->arena);
        free(p);
        return s;
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
    elstm_lstm_reset_f32(&p->ctx); /* the workers are idle between jobs */
    p->x = x;
    p->steps = steps > 0 ? steps : 0;
    tr_pool_run(p->pool, window_job, p);
    /* after an odd number of steps the last h is in the scratch half of the pair */
    if (p->steps % 2) memcpy(p->ctx.h, p->ctx.scratch, N * sizeof(float));
    if (y && p->m->n_output > 0) elstm_dense_f32(&p->ctx, y);
    if (h) memcpy(h, p->ctx.h, N * sizeof(float));
}

void elstm_infer_pool_free(elstm_infer_pool *p)
{
    if (!p) return;
    tr_pool_free(p->pool);
    free(p->arena);
    free(p);
}
