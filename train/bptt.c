/*
 * bptt.c - LSTM(N) + Dense(1) training: forward and backward through time over a batch,
 * mean squared error.
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
#include "vectorize.h" /* first: -O3 for the element-wise loops */
#include <math.h>
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

/* h_t of stream b (a stateful chunk): the next step's GEMM row, or hlast */
static const float *seq_h(const worker *w, int t, size_t b)
{
    const int N = w->tr->N, K1 = N + w->tr->I;
    return t + 1 < w->tr->T ? w->hx + ((size_t)(t + 1) * w->n + b) * (size_t)K1 : w->hlast + b * (size_t)N;
}

/* Stateful chunks: the dense layer on every step with a target, the squared errors, and
 * dy = d loss / d y_t for the backward pass. */
static double seq_loss(worker *w)
{
    const elstm_trainer *tr = w->tr;
    const int T = tr->T;
    const size_t NN = (size_t)tr->N;
    const pview p = tr_view(tr->params, &tr->lay);
    double sse = 0.0;
    for (size_t b = 0; b < w->n; b++)
        for (int t = 0; t < T; t++) {
            const size_t k = b * (size_t)T + (size_t)t;
            w->dy[k] = 0.0f;
            if (isnan(w->ytgt[k])) continue;
            const float *h = seq_h(w, t, b);
            float acc = p.bd[0];
            for (size_t j = 0; j < NN; j++) acc += p.wd[j] * h[j];
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
    const size_t NN = (size_t)w->tr->N;
    memset(g.wd, 0, NN * sizeof(float));
    g.bd[0] = 0.0f;
    for (size_t b = 0; b < w->n; b++)
        for (int t = 0; t < T; t++) {
            const float dy = w->dy[b * (size_t)T + (size_t)t];
            if (dy == 0.0f) continue;
            const float *h = seq_h(w, t, b);
            for (size_t k = 0; k < NN; k++) g.wd[k] += dy * h[k];
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

static void slice_forward(worker *w)
{
    const elstm_trainer *tr = w->tr;
    const int N = tr->N, I = tr->I, T = tr->T, G = 4 * N, K1 = N + I;
    const size_t n = w->n, NN = (size_t)N;
    const pview p = tr_view(tr->params, &tr->lay);
    const elstm_windows *win = w->w;

    /* gather x_t into the rows [h_{t-1}, x_t] of every step; h_{-1} = 0 (or h0) */
    for (size_t b = 0; b < n; b++) {
        const float *src = win->x + win->start[slice_window(w, b)] * (size_t)I;
        if (w->h0) memcpy(w->hx + b * K1, w->h0 + b * NN, NN * sizeof(float));
        else memset(w->hx + b * K1, 0, NN * sizeof(float));
        for (int t = 0; t < T; t++) { /* a few floats each: a loop, not a memcpy call */
            float *dst = w->hx + ((size_t)t * n + b) * K1 + N;
            const float *xt = src + (size_t)t * I;
            for (int j = 0; j < I; j++) dst[j] = xt[j];
        }
    }
    for (int t = 0; t < T; t++) {
        float *zt = w->z + (size_t)t * n * G;
        float *ct = w->c + (size_t)t * n * NN, *tct = w->tc + (size_t)t * n * NN;
        const float *cp = t > 0 ? w->c + (size_t)(t - 1) * n * NN : w->c0;
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
    if (w->ytgt) {
        w->sse = seq_loss(w);
        return;
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
    const pview p = tr_view(tr->params, &tr->lay);
    pview g = tr_view(w->grad, &tr->lay);
    const float scale = 2.0f / (float)w->batch_total;
    const float *hl = w->hlast;

    if (w->ytgt) seq_head_backward(w, g);
    else {
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
        const float *cp = t > 0 ? w->c + (size_t)(t - 1) * n * NN : w->c0;
        if (w->ytgt) seq_add_dh(w, p.wd, t);
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
        if (t > 0 || w->dh0) { /* dH[t-1] = dZ[t] Wh: [n][G] x [G][N] (t = 0: dh0) */
            float *dst = t > 0 ? w->dh : w->dh0;
#if TGEMM_AVAILABLE
            if (tr->packed) tgemm((int)n, N, G, zt, G, tr->whp_b, dst, N, 0);
            else
#endif
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, N, G, 1.0f, zt, G, p.wh,
                        N, 0.0f, dst, N);
        }
        if (t_end - t == group || t == 0) {
            /* weight and bias gradients of steps [t, t_end): [dWh, dWx] += dZ^T [H, X],
             * [G][rows] x [rows][N+I] (the rows of step 0 hold h = 0, or a chunk's h0) */
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
    if (w->dc0) memcpy(w->dc0, w->dc, n * NN * sizeof(float)); /* dc after step 0: d loss / d c0 */
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
    if (w->h_out) { /* a chunk's final state (after the backward pass, which reads h0/c0) */
        const size_t NN = (size_t)w->tr->N;
        memcpy(w->h_out, w->hlast, w->n * NN * sizeof(float));
        memcpy(w->c_out, w->c + (size_t)(w->tr->T - 1) * w->n * NN, w->n * NN * sizeof(float));
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
    if (tr->packed) { /* forward: panels of [Wh, Wx]^T; backward: panels of Wh */
        size_t lo, hi;
        tr_pool_share((size_t)(G / 16 + N / 16), p, P, &lo, &hi);
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
    tr_pool_barrier(tr->pool, p);
    slice_run(&tr->wk[p]);
    if (tr->job_backward) { /* fixed-order reduction: grad = g0 + g1 + ... */
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
    tr_pool_run(tr->pool, batch_job, tr);
    double acc = 0.0;
    for (int p = 0; p < P; p++) acc += tr->wk[p].sse;
    *sse = acc;
    return ELSTM_OK;
}

elstm_status tr_check_windows(const elstm_trainer *tr, const elstm_windows *w, elstm_diag *diag)
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
    elstm_status s = tr_check_windows(tr, w, diag);
    if (s != ELSTM_OK) return s;
    if (n < 1 || n > (size_t)tr->opts.batch || !w->target)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a batch must hold 1 to %d windows with targets", tr->opts.batch);
    double sse = 0.0;
    s = run_slices(tr, w, idx, 0, n, 1, &sse, diag);
    if (s == ELSTM_OK) *loss = sse / (double)n;
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
                for (size_t b = 0; b < tr->wk[p].n; b++) pred[tr->wk[p].first + b] = tr->wk[p].y[b];
    }
    *mse = w->n ? total / (double)w->n : NAN;
    return ELSTM_OK;
}

elstm_status elstm_trainer_chunk(elstm_trainer *tr, const elstm_chunk_batch *ch, size_t n, int backward,
                                 double *sse, size_t *count, elstm_diag *diag)
{
    const size_t T = (size_t)tr->T, N = (size_t)tr->N;
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
    const elstm_windows win = {ch->x, tr->I, tr->T, n, tr->seq_start, NULL, NULL};
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
