/*
 * quantize.c - post-training quantization of a float32 forecaster (edgelstm/quantize.h).
 *
 * 1. Calibration: the float model (the runtime's kernel) runs over `calibration` windows
 *    spread evenly over the training split; every step's input row, hidden state and
 *    cell state, and each window's dense output, widen the recorded ranges.
 * 2. Scales from the ranges and the weights (the rules in quantize.h), then the integer
 *    arrays: one block holds every weight and bias of the quantized model.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/quantize.h"

typedef struct range {
    float lo, hi;
} range;

static void widen(range *r, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] < r->lo) r->lo = v[i];
        if (v[i] > r->hi) r->hi = v[i];
    }
}

/* Asymmetric int8 (or symmetric int16) scale and zero point of a range. */
static void activation_params(range r, int act_bits, float *scale, int32_t *zp)
{
    double lo = r.lo < 0.0f ? r.lo : 0.0, hi = r.hi > 0.0f ? r.hi : 0.0;
    if (act_bits == 16) {
        double m = fabs(lo) > hi ? fabs(lo) : hi;
        *scale = m > 0.0 ? (float)(m / 32767.0) : 1.0f;
        *zp = 0;
        return;
    }
    if (!(hi - lo > 0.0)) {   /* all zero: any scale represents it */
        *scale = 1.0f;
        *zp = -128;
        return;
    }
    double s = (hi - lo) / 255.0, z = round(-128.0 - lo / s);
    *scale = (float)s;
    *zp = (int32_t)(z < -128.0 ? -128.0 : z > 127.0 ? 127.0 : z);
}

/* Symmetric narrow-range int8 weights: s = max|w| / 127. */
static float weight_scale(const float *w, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) m = fabsf(w[i]) > m ? fabsf(w[i]) : m;
    return m > 0.0f ? m / 127.0f : 1.0f;
}

static void quantize_weights(const float *w, size_t n, float s, int8_t *q)
{
    for (size_t i = 0; i < n; i++) {
        double v = round((double)w[i] / s);
        q[i] = (int8_t)(v < -127.0 ? -127 : v > 127.0 ? 127 : v);
    }
}

/* Biases with scale s (int32 or int64); a NULL bias is zero. */
static void quantize_bias(const float *b, size_t n, float s, int act_bits, void *out)
{
    const double lim = act_bits == 16 ? 9.2e18 : 2147483647.0;
    for (size_t i = 0; i < n; i++) {
        double v = b ? round((double)b[i] / s) : 0.0;
        v = v < -lim ? -lim : v > lim ? lim : v;
        if (act_bits == 16) ((int64_t *)out)[i] = (int64_t)v;
        else ((int32_t *)out)[i] = (int32_t)v;
    }
}

/* Run the float model over the calibration windows; fill the ranges. */
static elstm_status calibrate(const elstm_forecaster *f, const elstm_dataset *ds, size_t n,
                              elstm_quantized *q, elstm_diag *diag)
{
    const elstm_lstm_f32 *m = &f->lstm;
    const size_t I = (size_t)m->n_input, N = (size_t)m->n_units, O = (size_t)m->n_output;
    const size_t total = ds->n_win[ELSTM_SPLIT_TRAIN];
    const int32_t T = f->steps;
    size_t bytes = elstm_lstm_arena_size_f32(m);
    void *arena = malloc(bytes);
    float *y = malloc(O * sizeof *y);
    if (!arena || !y) {
        free(arena);
        free(y);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory calibrating");
    }
    elstm_lstm_ctx_f32 ctx;
    elstm_status st = elstm_lstm_init_f32(&ctx, m, arena, bytes);
    range in = {INFINITY, -INFINITY}, h = in, out = in;
    float cmax = 0.0f;
    for (size_t k = 0; st == ELSTM_OK && k < n; k++) {
        /* windows spread evenly over the split, first and last included when n > 1 */
        size_t w = n > 1 ? (size_t)((double)k * (double)(total - 1) / (double)(n - 1) + 0.5) : total / 2;
        const float *x = ds->x + ds->win_start[ELSTM_SPLIT_TRAIN][w] * I;
        elstm_lstm_reset_f32(&ctx);
        for (int32_t t = 0; t < T; t++) {
            const float *row = x + (size_t)t * I;
            widen(&in, row, I);
            elstm_lstm_step_f32(&ctx, row);
            widen(&h, ctx.h, N);
            for (size_t u = 0; u < N; u++) cmax = fabsf(ctx.c[u]) > cmax ? fabsf(ctx.c[u]) : cmax;
        }
        elstm_dense_f32(&ctx, y);
        widen(&out, y, O);
    }
    free(arena);
    free(y);
    if (st != ELSTM_OK) return elstm_diag_set(diag, st, NULL, 0, "the float model is invalid");
    if (!isfinite(in.lo) || !isfinite(in.hi) || !isfinite(h.lo) || !isfinite(h.hi) ||
        !isfinite(out.lo) || !isfinite(out.hi) || !isfinite(cmax))
        return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                              "the float model produced NaN or infinity on the calibration "
                              "windows, so its ranges cannot be quantized");
    q->in_lo = in.lo;
    q->in_hi = in.hi;
    q->h_lo = h.lo;
    q->h_hi = h.hi;
    q->c_absmax = cmax;
    q->out_lo = out.lo;
    q->out_hi = out.hi;
    q->windows = n;
    return ELSTM_OK;
}

void elstm_quantized_free(elstm_quantized *q)
{
    if (!q) return;
    free(q->storage);
    memset(q, 0, sizeof *q);
}

elstm_status elstm_quantize(const elstm_forecaster *f, const elstm_dataset *ds,
                            const elstm_quantize_opts *o, elstm_quantized *q, elstm_diag *diag)
{
    memset(q, 0, sizeof *q);
    if (f->dtype != ELSTM_FORECASTER_F32)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, NULL, 0,
                              "the model is already quantized; quantize its float32 original");
    if (f->meta.stateful)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, NULL, 0,
                              "the model is stateful (train --stateful); the integer scheme covers windowed "
                              "models only: deploy the float32 model, which streams");
    if (o->act_bits != 8 && o->act_bits != 16)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "%d-bit activations are not a scheme "
                              "(int8 or int16x8)", o->act_bits);
    const elstm_lstm_f32 *m = &f->lstm;
    if (m->n_input != ds->n_inputs || f->steps != ds->meta.steps)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                              "the data gives %d inputs x %d steps but the model takes %d x %d",
                              ds->n_inputs, ds->meta.steps, (int)m->n_input, (int)f->steps);
    const size_t windows = ds->n_win[ELSTM_SPLIT_TRAIN];
    if (windows == 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                              "the training split has no window of %d steps to calibrate on (the "
                              "file is too short, or gaps break every window)", ds->meta.steps);
    size_t n = o->calibration ? o->calibration : ELSTM_DEFAULT_CALIBRATION;
    if (n > windows) n = windows;
    elstm_status st = calibrate(f, ds, n, q, diag);
    if (st != ELSTM_OK) return st;

    const int bits = o->act_bits;
    const size_t I = (size_t)m->n_input, N = (size_t)m->n_units, O = (size_t)m->n_output;
    const size_t bsize = bits == 16 ? 8 : 4;
    const size_t wbytes = 4 * (N * I + N * N) + O * N, bbytes = (4 * N + O) * bsize;
    uint8_t *block = malloc(wbytes + bbytes + O * sizeof(float) + 16);
    if (!block) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory quantizing");
    q->storage = block;
    /* biases first (8-byte aligned), then the scales, then the int8 weights */
    uint8_t *bp = block, *sp = bp + bbytes, *wp = sp + O * sizeof(float);
    elstm_qspec *s = &q->spec;
    s->act_bits = bits;
    s->float_io = o->float_io;
    s->n_input = m->n_input;
    s->n_units = m->n_units;
    s->n_output = m->n_output;
    s->steps = f->steps;
    s->cell_clip = m->cell_clip;
    activation_params((range){q->in_lo, q->in_hi}, bits, &s->s_in, &s->zp_in);
    activation_params((range){q->h_lo, q->h_hi}, bits, &s->s_h, &s->zp_h);
    activation_params((range){q->out_lo, q->out_hi}, bits, &s->s_out, &s->zp_out);
    int e = 0;
    if (q->c_absmax > 0.0f) frexp((double)q->c_absmax, &e);   /* c < 2^e */
    if (q->c_absmax > 0.0f && ldexp(1.0, e - 1) == (double)q->c_absmax) e--;   /* exact power */
    if (e < -9) e = -9;          /* s_c = 2^(e-15) >= 2^-24 */
    if (e > 15) e = 15;          /* and <= 1 */
    s->s_c = (float)ldexp(1.0, e - 15);
    for (int g = 0; g < ELSTM_GATES; g++) {
        int8_t *wx = (int8_t *)wp, *wh = wx + N * I;
        wp += N * I + N * N;
        s->s_wx[g] = weight_scale(m->wx[g], N * I);
        s->s_wh[g] = weight_scale(m->wh[g], N * N);
        quantize_weights(m->wx[g], N * I, s->s_wx[g], wx);
        quantize_weights(m->wh[g], N * N, s->s_wh[g], wh);
        s->wx[g] = wx;
        s->wh[g] = wh;
        quantize_bias(m->b[g], N, s->s_in * s->s_wx[g], bits, bp);   /* s_in s_wx in float */
        s->b[g] = bp;
        bp += N * bsize;
    }
    float *s_wd = (float *)sp;
    int8_t *wd = (int8_t *)wp;
    for (size_t k = 0; k < O; k++) {
        s_wd[k] = weight_scale(m->wd + k * N, N);
        quantize_weights(m->wd + k * N, N, s_wd[k], wd + k * N);
        quantize_bias(m->bd ? m->bd + k : NULL, 1, s->s_h * s_wd[k], bits, bp + k * bsize);
    }
    s->n_s_wd = (int32_t)O;
    s->s_wd = s_wd;
    s->wd = wd;
    s->bd = bp;
    return ELSTM_OK;
}
