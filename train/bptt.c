/*
 * bptt.c - LSTM(N) + Dense(O) training: forward and backward through time over a batch,
 * mean squared error over the batch and the outputs.
 *
 * Shapes: B windows per batch (split into P contiguous slices, one per thread; a slice
 * has n windows), T steps, I inputs, N units, G = 4N gate rows (i, f, c, o).
 *
 * Forward, per slice (GEMMs: train_gemm.h's packed kernel, or single-threaded OpenBLAS):
 *   HX[t][b] = [h_{t-1}, x_t]  (h_{-1} = 0)         rows gathered once per batch
 *   Z[t] = b + HX[t] [Wh, Wx]^T                     one GEMM per step, K = N + I
 *   A = act(Z) in place; C[t] = f C[t-1] + i g; TC[t] = tanh C[t]; h_t = o TC[t] -> HX[t+1]
 *   y[b][o] = wd[o] . h_{T-1}[b] + bd[o]
 * Backward (dy = 2 (y - target) / (B O)):
 *   dH = dy wd;  for t = T-1 .. 0: dZ[t] from A[t], C, TC (in place over A[t]);
 *                dH = dZ[t] Wh (t > 0)
 *   [dWh, dWx]^T = HX^T dZ       per group of steps (OpenBLAS: [dWh, dWx] = dZ^T HX)
 *   db  = column sums of dZ
 * Each thread owns its gradient block; the main thread adds them in thread order, so
 * a run is bit-for-bit repeatable for a given thread count. See docs/training.md.
 */
#include "vectorize.h" /* first: -O3 for the element-wise loops */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#undef I /* <complex.h>, pulled in by OpenBLAS's cblas.h, defines I */

#include "internal.h"
#include "train_act.h"
#include "train_gemm.h"

static size_t slice_window(const worker *w, size_t b)
{
    return w->idx ? w->idx[b] : w->first + b;
}

/* Z's element (row r = t n + b of the slice, gate column j) and HX's (column c):
 * 16-column panels ([G/16][zps][16], [K1P/16][hps][16]) when the trainer is packed, else
 * row-major ([T n][G], [T n][N+I]). Runs of 16 columns (packed) or of a whole gate (N)
 * are contiguous either way; the element loops below go over such runs. */
static inline float *zat(const worker *w, size_t r, size_t j)
{
    return w->zps ? w->z + (j >> 4) * w->zps + r * 16 + (j & 15) : w->z + r * 4 * (size_t)w->tr->N + j;
}

static inline float *hxat(const worker *w, size_t r, size_t c)
{
    return w->hps ? w->hx + (c >> 4) * w->hps + r * 16 + (c & 15)
                  : w->hx + r * (size_t)(w->tr->N + w->tr->I) + c;
}

/* One run of units: gate activations (bias added), cell state, its tanh, hidden state.
 * `run` is a constant where it is inlined (16 for panels, so the loops are unrolled). */
static inline __attribute__((always_inline)) void cell_forward(float *ai, float *af, float *ag, float *ao,
                                                               const float *bias, size_t NN,
                                                               const float *cp, float *c, float *tc,
                                                               float *h, const size_t run)
{
    tact_sigmoid_b(ai, bias, run);
    tact_sigmoid_b(af, bias + NN, run);
    tact_tanh_b(ag, bias + 2 * NN, run);
    tact_sigmoid_b(ao, bias + 3 * NN, run);
    if (cp) {
        for (size_t k = 0; k < run; k++) c[k] = af[k] * cp[k] + ai[k] * ag[k];
    } else {
        for (size_t k = 0; k < run; k++) c[k] = ai[k] * ag[k];
    }
    for (size_t k = 0; k < run; k++) tc[k] = c[k];
    tact_tanh(tc, run);
    for (size_t k = 0; k < run; k++) h[k] = ao[k] * tc[k];
}

/* One run of units backward: activations in, dZ out (in place); dc carried to t - 1. */
static inline __attribute__((always_inline)) void cell_backward(float *ai, float *af, float *ag, float *ao,
                                                                const float *tc, const float *dh,
                                                                const float *cp, float *dc, const size_t run)
{
    for (size_t k = 0; k < run; k++) {
        float ig = ai[k], fg = af[k], gg = ag[k], og = ao[k];
        float tk = tc[k], dhk = dh[k];
        float dck = dc[k] + dhk * og * (1.0f - tk * tk);
        float cpk = cp ? cp[k] : 0.0f;
        ai[k] = dck * gg * ig * (1.0f - ig);
        af[k] = dck * cpk * fg * (1.0f - fg);
        ag[k] = dck * ig * (1.0f - gg * gg);
        ao[k] = dhk * tk * og * (1.0f - og);
        dc[k] = dck * fg;
    }
}

#if TGEMM_AVAILABLE
/* The same two functions for one 16-column panel run (the packed trainer), in vector
 * registers: TV_W lanes at a time (8 with AVX2, 16 with AVX-512), each lane computed by
 * exactly the operations of the plain functions above, in the same order (-std=c11 does
 * not contract a * b + c into an FMA), so every float is the same as theirs and the same
 * in both builds. The plain loops are not vectorized by the compiler (five arrays
 * written, one of them optional) and were a tenth of the training time. */
#if defined(__AVX512F__)
typedef __m512 tv;
#define TV_W 16
#define tv_sigmoid tact_sigmoid16
#define tv_tanh tact_tanh16
#else
typedef __m256 tv;
#define TV_W 8
#define tv_sigmoid tact_sigmoid8
#define tv_tanh tact_tanh8
#endif

static inline tv tv_ld(const float *p)
{
    tv v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void tv_st(float *p, tv v) { memcpy(p, &v, sizeof v); }

/* cell_forward on 16 units, in two parts so that the out-of-order core overlaps the
 * runs of a row: the gates' activations (stored back over Z: the backward pass reads
 * them) and c; then, once every run of the row has its c, tanh c and h. Done in one
 * part, each run was one long chain of dependent operations (sigmoid, c, tanh c) and
 * the core waited on its latencies (issue 18: the split made the forward pass alone 5-7%
 * faster, bench/train_cpu.c's EVAL; same floats). */
static inline __attribute__((always_inline)) void cell_gates16(float *ai, float *af, float *ag, float *ao,
                                                               const float *bias, size_t NN, const float *cp,
                                                               float *c)
{
    for (int k = 0; k < 16; k += TV_W) {
        const tv i = tv_sigmoid(tv_ld(ai + k) + tv_ld(bias + k)), f = tv_sigmoid(tv_ld(af + k) + tv_ld(bias + NN + k));
        const tv g = tv_tanh(tv_ld(ag + k) + tv_ld(bias + 2 * NN + k)), o = tv_sigmoid(tv_ld(ao + k) + tv_ld(bias + 3 * NN + k));
        tv_st(ai + k, i);
        tv_st(af + k, f);
        tv_st(ag + k, g);
        tv_st(ao + k, o);
        tv_st(c + k, cp ? f * tv_ld(cp + k) + i * g : i * g);
    }
}

static inline __attribute__((always_inline)) void cell_out16(const float *ao, const float *c, float *tc, float *h)
{
    for (int k = 0; k < 16; k += TV_W) {
        const tv t = tv_tanh(tv_ld(c + k));
        tv_st(tc + k, t);
        tv_st(h + k, tv_ld(ao + k) * t);
    }
}

/* cell_backward on 16 units (cp NULL: zeros, as there) */
static inline __attribute__((always_inline)) void cell_backward16(float *ai, float *af, float *ag, float *ao,
                                                                  const float *tc, const float *dh,
                                                                  const float *cp, float *dc)
{
    const tv one = (tv){0} + 1.0f;
    for (int k = 0; k < 16; k += TV_W) {
        const tv ig = tv_ld(ai + k), fg = tv_ld(af + k), gg = tv_ld(ag + k), og = tv_ld(ao + k);
        const tv tk = tv_ld(tc + k), dhk = tv_ld(dh + k), cpk = cp ? tv_ld(cp + k) : (tv){0};
        const tv dck = tv_ld(dc + k) + dhk * og * (one - tk * tk);
        tv_st(ai + k, dck * gg * ig * (one - ig));
        tv_st(af + k, dck * cpk * fg * (one - fg));
        tv_st(ag + k, dck * ig * (one - gg * gg));
        tv_st(ao + k, dhk * tk * og * (one - og));
        tv_st(dc + k, dck * fg);
    }
}
#endif

/* h_t of stream b (a stateful chunk), units [k0, k0 + run): the next step's GEMM row,
 * or hlast */
static const float *seq_h(const worker *w, int t, size_t b, size_t k0)
{
    return t + 1 < w->tr->T ? hxat(w, (size_t)(t + 1) * w->n + b, k0) : w->hlast + b * (size_t)w->tr->N + k0;
}

/* Stateful chunks (one output): the dense layer on every step with a target, the squared
 * errors, and dy = d loss / d y_t for the backward pass. */
static double seq_loss(worker *w)
{
    const elstm_trainer *tr = w->tr;
    const int T = tr->T;
    const size_t NN = (size_t)tr->N, run = w->zps ? 16 : NN;
    const pview p = tr_view(tr->params, &tr->lay);
    double sse = 0.0;
    for (size_t b = 0; b < w->n; b++)
        for (int t = 0; t < T; t++) {
            const size_t k = b * (size_t)T + (size_t)t;
            w->dy[k] = 0.0f;
            if (isnan(w->ytgt[k])) continue;
            float acc = p.bd[0];
            for (size_t k0 = 0; k0 < NN; k0 += run) {
                const float *h = seq_h(w, t, b, k0);
                for (size_t j = 0; j < run; j++) acc += p.wd[k0 + j] * h[j];
            }
            const float e = acc - w->ytgt[k];
            sse += (double)e * (double)e;
            w->dy[k] = w->dy_scale * e;
        }
    return sse;
}

/* Stateful chunks, backward: the dense layer's gradient over every step, and
 * dh = 0 (each step adds dy_t wd to it: seq_add_dh). */
static void seq_head_backward(worker *w, pview g)
{
    const int T = w->tr->T;
    const size_t NN = (size_t)w->tr->N, run = w->zps ? 16 : NN;
    memset(g.wd, 0, NN * sizeof(float));
    g.bd[0] = 0.0f;
    for (size_t b = 0; b < w->n; b++)
        for (int t = 0; t < T; t++) {
            const float dy = w->dy[b * (size_t)T + (size_t)t];
            if (dy == 0.0f) continue;
            for (size_t k0 = 0; k0 < NN; k0 += run) {
                const float *h = seq_h(w, t, b, k0);
                for (size_t j = 0; j < run; j++) g.wd[k0 + j] += dy * h[j];
            }
            g.bd[0] += dy;
        }
    memset(w->dh, 0, w->n * NN * sizeof(float));
}

static void seq_add_dh(worker *w, const float *wd, int t)
{
    const size_t NN = (size_t)w->tr->N, T = (size_t)w->tr->T;
    for (size_t b = 0; b < w->n; b++) {
        const float dy = w->dy[b * T + (size_t)t];
        float *dh = w->dh + b * NN;
        if (dy != 0.0f)
            for (size_t k = 0; k < NN; k++) dh[k] += dy * wd[k];
    }
}

/* The slot of step t in Z, C and TC: its own when a backward pass will read them, else
 * one of two (forward only: validation, evaluation), so that those stay in cache rather
 * than being written out to memory for nothing. */
static inline size_t step_slot(const worker *w, int t)
{
    return w->backward ? (size_t)t : (size_t)(t & 1);
}

static void slice_forward(worker *w)
{
    const elstm_trainer *tr = w->tr;
    const int N = tr->N, I = tr->I, T = tr->T, G = 4 * N, K1 = N + I;
    const size_t n = w->n, NN = (size_t)N, run = w->zps ? 16 : NN;
    const pview p = tr_view(tr->params, &tr->lay);
    const elstm_windows *win = w->w;

    /* gather x_t into the rows [h_{t-1}, x_t] of every step; h_{-1} = 0 (or a chunk's h0) */
    for (size_t b = 0; b < n; b++) {
        const float *src = win->x + win->start[slice_window(w, b)] * (size_t)I;
        for (size_t k0 = 0; k0 < NN; k0 += run) {
            if (w->h0) memcpy(hxat(w, b, k0), w->h0 + b * NN + k0, run * sizeof(float));
            else memset(hxat(w, b, k0), 0, run * sizeof(float));
        }
        for (int t = 0; t < T; t++) { /* a few floats each: a loop, not a memcpy call */
            float *dst = hxat(w, (size_t)t * n + b, NN); /* N is a multiple of 16 with panels */
            const float *xt = src + (size_t)t * I;
            for (int j = 0; j < I; j++) dst[j] = xt[j];
        }
    }
    for (int t = 0; t < T; t++) {
        const size_t st = step_slot(w, t);
        float *ct = w->c + st * n * NN, *tct = w->tc + st * n * NN;
        const float *cp = t > 0 ? w->c + step_slot(w, t - 1) * n * NN : w->c0;
        const size_t r0 = (size_t)t * n, z0 = st * n; /* rows of HX, of Z */
        /* Z[t] = [h_{t-1}, x_t] [Wh, Wx]^T: [n][N+I] x [N+I][G]; the bias is added by the
         * activations below */
#if TGEMM_AVAILABLE
        if (w->zps) tgemm((int)n, G / 16, K1, hxat(w, r0, 0), TGEMM_A_PANELS, w->hps, tr->wcat_p,
                          (size_t)K1 * 16, zat(w, z0, 0), 16, w->zps, 0);
        else
#endif
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, G, K1, 1.0f, hxat(w, r0, 0), K1,
                    tr->wcat, K1, 0.0f, zat(w, z0, 0), G);
        for (size_t b = 0; b < n; b++) {
            const size_t r = r0 + b, rz = z0 + b;
            /* h_t goes to the next step's GEMM rows, or to hlast */
#define CELL_H(k0) (t + 1 < T ? hxat(w, r + n, k0) : w->hlast + b * NN + (k0))
#if TGEMM_AVAILABLE
            if (w->zps) { /* runs of 16 units: first every run's gates and c, then tanh c and h */
                for (size_t k0 = 0; k0 < NN; k0 += 16)
                    cell_gates16(zat(w, rz, k0), zat(w, rz, NN + k0), zat(w, rz, 2 * NN + k0),
                                 zat(w, rz, 3 * NN + k0), p.b + k0, NN, cp ? cp + b * NN + k0 : NULL,
                                 ct + b * NN + k0);
                for (size_t k0 = 0; k0 < NN; k0 += 16)
                    cell_out16(zat(w, rz, 3 * NN + k0), ct + b * NN + k0, tct + b * NN + k0, CELL_H(k0));
                continue;
            }
#endif
            cell_forward(zat(w, rz, 0), zat(w, rz, NN), zat(w, rz, 2 * NN), zat(w, rz, 3 * NN), p.b, NN,
                         cp ? cp + b * NN : NULL, ct + b * NN, tct + b * NN, CELL_H(0), NN);
#undef CELL_H
        }
    }
    if (w->ytgt) {
        w->sse = seq_loss(w);
        return;
    }
    const size_t O = (size_t)tr->O;
    double sse = 0.0;
    int64_t sse_q = 0;
    for (size_t b = 0; b < n; b++) {
        const float *tg = win->target ? win->target + slice_window(w, b) * O : NULL;
        for (size_t o = 0; o < O; o++) {
            const float *wd = p.wd + o * NN;
            float acc = p.bd[o];
            for (size_t k = 0; k < NN; k++) acc += wd[k] * w->hlast[b * NN + k];
            w->y[b * O + o] = acc;
            if (tg) {
                double e = (double)acc - (double)tg[o];
                sse += e * e;
                sse_q += tr_fix(e * e, TR_FIX_SSE, &w->bad); /* exact sums: any slicing, same total */
            }
        }
    }
    w->sse = sse;
    w->sse_q = sse_q;
}

static void slice_backward(worker *w)
{
    const elstm_trainer *tr = w->tr;
    const int N = tr->N, I = tr->I, T = tr->T, G = 4 * N, K1 = N + I;
    const size_t n = w->n, NN = (size_t)N, run = w->zps ? 16 : NN;
    const pview p = tr_view(tr->params, &tr->lay);
    pview g = tr_view(w->grad, &tr->lay);
    const size_t O = (size_t)tr->O;
    const float scale = 2.0f / (float)(w->batch_total * O);
    const float *hl = w->hlast;

    if (w->ytgt) seq_head_backward(w, g);
    else {
    memset(g.wd, 0, O * NN * sizeof(float));
    memset(g.bd, 0, O * sizeof(float));
    for (size_t b = 0; b < n; b++) {
        const float *tg = w->w->target + slice_window(w, b) * O;
        float *dh = w->dh + b * NN;
        for (size_t o = 0; o < O; o++) {
            const float dy = scale * (w->y[b * O + o] - tg[o]), *wd = p.wd + o * NN;
            float *gwd = g.wd + o * NN;
            for (size_t k = 0; k < NN; k++) {
                gwd[k] += dy * hl[b * NN + k];
                dh[k] = o ? dh[k] + dy * wd[k] : dy * wd[k];
            }
            g.bd[o] += dy;
        }
    }
    }
    memset(w->dc, 0, n * NN * sizeof(float));
    memset(g.b, 0, (size_t)G * sizeof(float));
    /* the weight gradients of every group of steps (TGEMM_GROUP_ROWS rows) right after
     * their dZ, while dZ and [H, X] of those steps are still in L2 */
    const int K1P = (K1 + 15) / 16 * 16;
    const int group = TGEMM_AVAILABLE && w->zps ? ((int)n >= TGEMM_GROUP_ROWS ? 1 : TGEMM_GROUP_ROWS / (int)n) : T;
    int t_end = T;

    for (int t = T - 1; t >= 0; t--) {
        const float *tct = w->tc + (size_t)t * n * NN;
        const float *cp = t > 0 ? w->c + (size_t)(t - 1) * n * NN : w->c0;
        const size_t r0 = (size_t)t * n;
        if (w->ytgt) seq_add_dh(w, p.wd, t);
        for (size_t b = 0; b < n; b++) {
            const size_t r = r0 + b;
            for (size_t k0 = 0; k0 < NN; k0 += run) {
                float *ai = zat(w, r, k0), *af = zat(w, r, NN + k0), *ag = zat(w, r, 2 * NN + k0),
                      *ao = zat(w, r, 3 * NN + k0);
                const float *cpb = cp ? cp + b * NN + k0 : NULL;
                float *dc = w->dc + b * NN + k0;
                const float *dh = w->dh + b * NN + k0, *tc = tct + b * NN + k0;
#if TGEMM_AVAILABLE
                if (w->zps) cell_backward16(ai, af, ag, ao, tc, dh, cpb, dc);
                else
#endif
                cell_backward(ai, af, ag, ao, tc, dh, cpb, dc, NN);
            }
        }
        if (t > 0 || w->dh0) { /* dH[t-1] = dZ[t] Wh: [n][G] x [G][N] (t = 0: a chunk's dh0) */
            float *dst = t > 0 ? w->dh : w->dh0;
#if TGEMM_AVAILABLE
            if (w->zps) tgemm((int)n, N / 16, G, zat(w, r0, 0), TGEMM_A_PANELS, w->zps, tr->whp_b,
                              (size_t)G * 16, dst, NN, 16, 0);
            else
#endif
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, N, G, 1.0f, zat(w, r0, 0), G, p.wh,
                        N, 0.0f, dst, N);
        }
        if (t_end - t == group || t == 0) {
            /* weight and bias gradients of steps [t, t_end): [dWh, dWx] += dZ^T [H, X],
             * [G][rows] x [rows][N+I] (the rows of step 0 hold h = 0, or a chunk's h0) */
            const int rows = (t_end - t) * (int)n;
#if TGEMM_AVAILABLE
            if (w->zps) /* both operands as the panels they are; dw [K1 + 1][G] (transposed):
                         * HX's column K1 holds ones, so dw's row K1 is the bias gradient,
                         * the column sums of dZ */
                tgemm_at(K1 + 1, G / 16, rows, hxat(w, r0, 0), w->hps, zat(w, r0, 0), w->zps, w->dw, (size_t)G,
                         t_end != T);
            else
#endif
            {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, K1, rows, 1.0f, zat(w, r0, 0), G,
                            hxat(w, r0, 0), K1, t_end != T ? 1.0f : 0.0f, w->dw, K1P);
                for (int r = 0; r < rows; r++) {
                    const float *zr = zat(w, r0 + (size_t)r, 0);
                    for (int j = 0; j < G; j++) g.b[j] += zr[j];
                }
            }
            t_end = t;
        }
    }
    if (w->dc0) memcpy(w->dc0, w->dc, n * NN * sizeof(float)); /* dc after step 0: d loss / d c0 */
    if (w->zps) { /* [dWh, dWx]^T [K1][G], then the bias gradient */
        memcpy(g.b, w->dw + (size_t)K1 * G, (size_t)G * sizeof(float));
        for (int c = 0; c < K1; c++) {
            const float *dr = w->dw + (size_t)c * G;
            float *dst = c < N ? g.wh + c : g.wx + (c - N);
            const size_t ld = c < N ? NN : (size_t)I;
            for (int r = 0; r < G; r++) dst[(size_t)r * ld] = dr[r];
        }
    } else
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
        w->sse_q = 0;
        if (w->backward) memset(w->grad, 0, w->tr->lay.total * sizeof(float));
        return NULL;
    }
    slice_forward(w);
    if (w->backward) slice_backward(w);
    if (w->h_out) { /* a chunk's final state (after the backward pass, which reads h0/c0) */
        const size_t NN = (size_t)w->tr->N;
        memcpy(w->h_out, w->hlast, w->n * NN * sizeof(float));
        memcpy(w->c_out, w->c + step_slot(w, w->tr->T - 1) * w->n * NN, w->n * NN * sizeof(float));
    }
    return NULL;
}

/* Thread p's part of a batch: its share of the packed panels of the weights (which may
 * have changed since the last call), then its slice of windows, then its share of the
 * gradient sum. */
static void batch_job(void *arg, int p)
{
    elstm_trainer *tr = arg;
    const int N = tr->N, I = tr->I, K1 = N + I, G = 4 * N, P = tr->P;
    const pview pv = tr_view(tr->params, &tr->lay);
#if TGEMM_AVAILABLE
    if (tr->job_nopack) {
        /* a later round of units: the weights are packed already */
    } else if (tr->packed) { /* forward: panels of [Wh, Wx]^T; backward: panels of Wh */
        size_t lo, hi;
        tr_pool_share((size_t)(G / 16 + N / 16), p, P, &lo, &hi);
        for (size_t q = lo; q < hi; q++) {
            if (q < (size_t)(G / 16)) tgemm_pack_wt_panel(pv.wh, N, N, pv.wx, I, I, (int)q, tr->wcat_p);
            else tgemm_pack_w_panel(pv.wh, G, N, N, (int)q - G / 16, tr->whp_b);
        }
    } else
#endif
    if (p == 0 && !tr->job_nopack) { /* cblas: the forward kernel [Wh, Wx] as one matrix */
        for (int r = 0; r < G; r++) {
            memcpy(tr->wcat + (size_t)r * K1, pv.wh + (size_t)r * N, (size_t)N * sizeof(float));
            memcpy(tr->wcat + (size_t)r * K1 + N, pv.wx + (size_t)r * I, (size_t)I * sizeof(float));
        }
    }
    tr_pool_barrier(tr->pool, p);
    slice_run(&tr->wk[p]);
    if (tr->job_fixed) { /* each unit's gradient, exactly, into this thread's sum */
        worker *w = &tr->wk[p];
        if (w->n > 0)
            for (size_t k = 0; k < tr->lay.total; k++) w->gq[k] += tr_fix(w->grad[k], TR_FIX_GRAD, &w->bad);
    } else if (tr->job_backward) { /* fixed-order reduction: grad = g0 + g1 + ... */
        size_t lo, hi;
        tr_pool_barrier(tr->pool, p);
        tr_pool_share(tr->lay.total, p, P, &lo, &hi);
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
        tr_pool_share(n, p, P, &lo, &hi);
        w->w = win;
        w->idx = idx ? idx + lo : NULL;
        w->first = first + lo;
        w->n = hi - lo;
        w->batch_total = n;
        w->backward = backward;
    }
    tr->job_backward = backward;
    tr->job_fixed = 0;
    tr->job_nopack = 0;
    tr_pool_run(tr->pool, batch_job, tr);
    double acc = 0.0;
    for (int p = 0; p < P; p++) acc += tr->wk[p].sse;
    *sse = acc;
    return ELSTM_OK;
}

/* Thread p's share of the sum of the threads' exact gradient sums into tr->gsum. */
static void fixed_sum_job(void *arg, int p)
{
    elstm_trainer *tr = arg;
    size_t lo, hi;
    tr_pool_share(tr->lay.total, p, tr->P, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        int64_t v = 0;
        for (int q = 0; q < tr->P; q++) v += tr->wk[q].gq[k];
        tr->gsum[k] = v;
    }
}

elstm_status tr_grads_fixed(elstm_trainer *tr, const elstm_windows *win, const size_t *idx,
                            const size_t *unit_len, size_t n_units, size_t batch_total, elstm_diag *diag)
{
    const int P = tr->P;
    if (!tr->gsum) {
        tr->gsum = calloc(tr->lay.total + TR_GSUM_EXTRA, sizeof *tr->gsum);
        for (int p = 0; tr->gsum && p < P; p++)
            if (!(tr->wk[p].gq = calloc(tr->lay.total, sizeof(int64_t)))) {
                free(tr->gsum);
                tr->gsum = NULL;
            }
        if (!tr->gsum) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the exact gradient sums");
    }
    int64_t sse_q = 0;
    int bad = 0;
    for (int p = 0; p < P; p++) {
        memset(tr->wk[p].gq, 0, tr->lay.total * sizeof(int64_t));
        tr->wk[p].bad = 0;
    }
    size_t *start = malloc((n_units + 1) * sizeof *start);
    if (!start) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    start[0] = 0;
    for (size_t u = 0; u < n_units; u++) start[u + 1] = start[u] + unit_len[u];
    for (size_t r = 0; r * (size_t)P < n_units || r == 0; r++) { /* rounds of P units */
        for (int p = 0; p < P; p++) {
            worker *w = &tr->wk[p];
            size_t u = r * (size_t)P + (size_t)p;
            w->w = win;
            w->idx = u < n_units ? idx + start[u] : idx;
            w->first = 0;
            w->n = u < n_units ? unit_len[u] : 0;
            w->batch_total = batch_total;
            w->backward = 1;
        }
        tr->job_backward = 1;
        tr->job_fixed = 1;
        tr->job_nopack = r > 0;
        tr_pool_run(tr->pool, batch_job, tr);
        for (int p = 0; p < P; p++) sse_q += tr->wk[p].sse_q;
    }
    free(start);
    tr->job_fixed = 0;
    tr->job_nopack = 0;
    tr_pool_run(tr->pool, fixed_sum_job, tr);
    for (int p = 0; p < P; p++) bad |= tr->wk[p].bad;
    tr->gsum[tr->lay.total] = sse_q;
    tr->gsum[tr->lay.total + 1] = bad;
    return ELSTM_OK;
}

elstm_status tr_sse_fixed(elstm_trainer *tr, const elstm_windows *w, int64_t *sse_q, int *bad, elstm_diag *diag)
{
    const size_t chunk = tr->slice_max * (size_t)tr->P;
    *sse_q = 0;
    *bad = 0;
    for (size_t first = 0; first < w->n; first += chunk) {
        size_t n = w->n - first < chunk ? w->n - first : chunk;
        double sse = 0.0;
        for (int p = 0; p < tr->P; p++) tr->wk[p].bad = 0;
        elstm_status s = run_slices(tr, w, NULL, first, n, 0, &sse, diag);
        if (s != ELSTM_OK) return s;
        for (int p = 0; p < tr->P; p++) {
            *sse_q += tr->wk[p].sse_q;
            *bad |= tr->wk[p].bad;
        }
    }
    return ELSTM_OK;
}

elstm_status tr_check_windows(const elstm_trainer *tr, const elstm_windows *w, elstm_diag *diag)
{
    if (w->n > 0 && (!w->x || !w->start))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "windows without data");
    if (w->n_input != tr->I || w->steps != tr->T || (w->n_output > 1 ? w->n_output : 1) != tr->O)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "windows of %d steps x %d inputs with %d targets do not fit a model of %d steps x "
                              "%d inputs with %d outputs",
                              w->steps, w->n_input, w->n_output > 1 ? w->n_output : 1, tr->T, tr->I, tr->O);
    return ELSTM_OK;
}

elstm_status elstm_trainer_compute_grads(elstm_trainer *tr, const elstm_windows *w,
                                         const size_t *idx, size_t n, double *loss,
                                         elstm_diag *diag)
{
    elstm_status s = tr_check_windows(tr, w, diag);
    if (s != ELSTM_OK) return s;
    if (n < 1 || n > (size_t)tr->opts.batch || !w->target)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a batch must hold 1 to %d windows with targets", tr->opts.batch);
    double sse = 0.0;
    s = run_slices(tr, w, idx, 0, n, 1, &sse, diag);
    if (s == ELSTM_OK) *loss = sse / ((double)n * (double)tr->O);
    return s;
}

elstm_status elstm_trainer_evaluate(elstm_trainer *tr, const elstm_windows *w, double *mse,
                                    float *pred, elstm_diag *diag)
{
    elstm_status s = tr_check_windows(tr, w, diag);
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
                memcpy(pred + tr->wk[p].first * (size_t)tr->O, tr->wk[p].y, tr->wk[p].n * (size_t)tr->O * sizeof *pred);
    }
    *mse = w->n ? total / ((double)w->n * (double)tr->O) : NAN;
    return ELSTM_OK;
}

elstm_status elstm_trainer_chunk(elstm_trainer *tr, const elstm_chunk_batch *ch, size_t n, int backward,
                                 double *sse, size_t *count, elstm_diag *diag)
{
    const size_t T = (size_t)tr->T, N = (size_t)tr->N;
    if (tr->O != 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "stateful chunks train a model of one output, not %d",
                              tr->O);
    if (n < 1 || n > (size_t)tr->opts.batch || !ch->x || !ch->target || (!ch->h_out) != (!ch->c_out))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a chunk batch holds 1 to %d streams with inputs and "
                              "targets (and both final states or neither)", tr->opts.batch);
    if (!tr->seq_dy) {
        tr->seq_dy = tr_falloc((size_t)tr->opts.batch * T);
        tr->seq_start = malloc((size_t)tr->opts.batch * sizeof *tr->seq_start);
        if (!tr->seq_dy || !tr->seq_start) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
        for (size_t b = 0; b < (size_t)tr->opts.batch; b++) tr->seq_start[b] = b * T;
    }
    size_t targets = 0;
    for (size_t k = 0; k < n * T; k++) targets += !isnan(ch->target[k]);
    const elstm_windows win = {ch->x, tr->I, tr->T, n, tr->seq_start, NULL, NULL, 1, NULL};
    for (int p = 0; p < tr->P; p++) {
        worker *w = &tr->wk[p];
        size_t lo, hi;
        tr_pool_share(n, p, tr->P, &lo, &hi);
#define AT(ptr, stride) ((ptr) ? (ptr) + lo * (stride) : NULL)
        w->h0 = AT(ch->h0, N);
        w->c0 = AT(ch->c0, N);
        w->ytgt = ch->target + lo * T;
        w->dy = tr->seq_dy + lo * T;
        w->dy_scale = targets ? 2.0f / (float)targets : 0.0f;
        w->dh0 = backward ? AT(ch->dh0, N) : NULL;
        w->dc0 = backward ? AT(ch->dc0, N) : NULL;
        w->h_out = AT(ch->h_out, N);
        w->c_out = AT(ch->c_out, N);
#undef AT
    }
    elstm_status s = run_slices(tr, &win, NULL, 0, n, backward, sse, diag);
    for (int p = 0; p < tr->P; p++) { /* the workers go back to windows */
        worker *w = &tr->wk[p];
        w->h0 = w->c0 = w->ytgt = NULL;
        w->dy = w->dh0 = w->dc0 = w->h_out = w->c_out = NULL;
    }
    *count = targets;
    return s;
}
