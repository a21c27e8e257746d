/*
 * tflite_int8.c - int8 kernels of the host executor (see tflite_int8.h).
 *
 * One LSTM step, for each unit n (x, h int8; c int16 with scale 2^cell_pow):
 *   z_g = sat16( sat16(MBQM(sum_j Wx_g[n][j] x[j] + bx_g[n], mx_g))
 *              + sat16(MBQM(sum_k Wh_g[n][k] h[k] + bh_g[n], mh_g)) )        Q3.12
 *   i, f, o = sigmoid(z) and g = tanh(z), rounded to Q0.15
 *   c = sat16( sat16(MBQM(f c, m_fc)) + sat16(MBQM(i g, m_ig)) ), clamped to +-clip
 *   h = clamp(zp_h + MBQM(tanh(c) o, m_h), -128, 127)
 * where bx_g = bias_g - zp_in * sum_j Wx_g[n][j] and bh_g = -zp_h * sum_k Wh_g[n][k]
 * fold the zero points into the accumulators (exact in integers).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_int8.h"

tfl_mult tfl_quantize_multiplier(double real)
{
    tfl_mult q = {0, 0};
    if (!(real > 0.0) || !isfinite(real)) return q;
    int e;
    double f = frexp(real, &e);                  /* real = f * 2^e, f in [0.5, 1) */
    long long m = llround(f * 2147483648.0);     /* round half away from zero */
    if (m == 2147483648LL) {
        m /= 2;
        e++;
    }
    if (e < -31) return q;
    if (e > 30) e = 30, m = 2147483647LL;        /* saturate absurdly large multipliers */
    q.m = (int32_t)m;
    q.shift = e;
    return q;
}

static int32_t sat32(int64_t x) { return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : (int32_t)x; }
static int16_t sat16(int32_t x) { return (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : x); }

/* Saturating rounding doubling high multiply: round(a * b / 2^31). */
static int32_t srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : 1 - (1LL << 30);
    return (int32_t)((ab + nudge) / (1LL << 31));
}

/* x / 2^e rounded to nearest, ties away from zero. */
static int32_t rdpot(int32_t x, int e)
{
    if (e <= 0) return x;
    if (e > 31) e = 31;
    int64_t mask = ((int64_t)1 << e) - 1, rem = (int64_t)x & mask;
    int64_t thr = (mask >> 1) + (x < 0);
    return (int32_t)(((int64_t)x >> e) + (rem > thr));
}

int32_t tfl_mbqm(int64_t x, tfl_mult q)
{
    int left = q.shift > 0 ? q.shift : 0, right = q.shift > 0 ? 0 : -q.shift;
    return rdpot(srdhm(sat32((int64_t)sat32(x) * ((int64_t)1 << left)), q.m), right);
}

/* Q3.12 -> Q0.15 activations, rounded. */
static int16_t sigmoid_q15(int16_t z)
{
    double v = 1.0 / (1.0 + exp(-(double)z / 4096.0));
    long q = lround(v * 32768.0);
    return (int16_t)(q > 32767 ? 32767 : q);
}

static int16_t tanh_q15(double v)
{
    long q = lround(tanh(v) * 32768.0);
    return (int16_t)(q > 32767 ? 32767 : q < -32768 ? -32768 : q);
}

int tfl_lstm_i8_prepare(tfl_lstm_i8 *p, const int32_t *const bias[4], double s_in,
                        const float s_wx[4], const float s_wh[4], double s_h, double s_c,
                        float cell_clip)
{
    const size_t N = (size_t)p->n_units, I = (size_t)p->n_input;
    p->bias_x = calloc(4 * N, sizeof *p->bias_x);
    p->bias_h = calloc(4 * N, sizeof *p->bias_h);
    p->h = calloc(N, sizeof *p->h);
    p->c = calloc(N, sizeof *p->c);
    p->gates = calloc(4 * N, sizeof *p->gates);
    if (!p->bias_x || !p->bias_h || !p->h || !p->c || !p->gates) return -1;
    if (!(s_c >= 0x1p-30 && s_c <= 1.0)) return -1;
    double pow2 = log2(s_c);
    p->cell_pow = (int32_t)lround(pow2);
    if (fabs(pow2 - p->cell_pow) > 1e-6) return -1;   /* the integer LSTM needs a power-of-two cell scale */
    for (int g = 0; g < 4; g++) {
        p->mx[g] = tfl_quantize_multiplier(s_in * (double)s_wx[g] * 4096.0);
        p->mh[g] = tfl_quantize_multiplier(s_h * (double)s_wh[g] * 4096.0);
        for (size_t n = 0; n < N; n++) {
            int64_t sx = 0, sh = 0;
            for (size_t j = 0; j < I; j++) sx += p->wx[g][n * I + j];
            for (size_t k = 0; k < N; k++) sh += p->wh[g][n * N + k];
            p->bias_x[g * N + n] = sat32((bias[g] ? bias[g][n] : 0) - (int64_t)p->zp_in * sx);
            p->bias_h[g * N + n] = sat32(-(int64_t)p->zp_h * sh);
        }
    }
    p->m_fc = tfl_quantize_multiplier(1.0 / 32768.0);
    p->m_ig = tfl_quantize_multiplier(1.0 / 32768.0 / 32768.0 / s_c);
    p->m_h = tfl_quantize_multiplier(1.0 / 32768.0 / 32768.0 / s_h);
    double qc = cell_clip > 0.0f ? (double)cell_clip / s_c : 0.0;
    p->clip = (int16_t)(qc > 32767.0 ? 32767 : qc);   /* truncated, as TFLite's (int16) cast */
    return 0;
}

void tfl_lstm_i8_release(tfl_lstm_i8 *p)
{
    free(p->bias_x);
    free(p->bias_h);
    free(p->h);
    free(p->c);
    free(p->gates);
    p->bias_x = p->bias_h = NULL;
    p->h = NULL;
    p->c = p->gates = NULL;
}

enum { GI = 0, GF = 1, GC = 2, GO = 3 };

static void step(tfl_lstm_i8 *p, const int8_t *x)
{
    const size_t N = (size_t)p->n_units, I = (size_t)p->n_input;
    for (int g = 0; g < 4; g++) {
        for (size_t n = 0; n < N; n++) {
            const int8_t *wx = p->wx[g] + n * I, *wh = p->wh[g] + n * N;
            int64_t ax = p->bias_x[g * N + n], ah = p->bias_h[g * N + n];
            for (size_t j = 0; j < I; j++) ax += (int32_t)wx[j] * x[j];
            for (size_t k = 0; k < N; k++) ah += (int32_t)wh[k] * p->h[k];
            int16_t z = sat16((int32_t)sat16(tfl_mbqm(ax, p->mx[g])) + sat16(tfl_mbqm(ah, p->mh[g])));
            p->gates[g * N + n] = g == GC ? tanh_q15((double)z / 4096.0) : sigmoid_q15(z);
        }
    }
    const double cell_scale = ldexp(1.0, p->cell_pow);
    for (size_t n = 0; n < N; n++) {
        int32_t i = p->gates[GI * N + n], f = p->gates[GF * N + n];
        int32_t cg = p->gates[GC * N + n], o = p->gates[GO * N + n];
        int32_t c = sat16((int32_t)sat16(tfl_mbqm((int64_t)f * p->c[n], p->m_fc)) +
                          sat16(tfl_mbqm((int64_t)i * cg, p->m_ig)));
        if (p->clip > 0) c = c > p->clip ? p->clip : c < -p->clip ? -p->clip : c;
        p->c[n] = (int16_t)c;
        int32_t tc = tanh_q15(c * cell_scale);
        int64_t h = (int64_t)p->zp_h + tfl_mbqm((int64_t)tc * o, p->m_h);
        p->h[n] = (int8_t)(h > 127 ? 127 : h < -128 ? -128 : h);
    }
}

void tfl_lstm_i8_run(tfl_lstm_i8 *p, const int8_t *x, int8_t *out)
{
    const size_t N = (size_t)p->n_units, I = (size_t)p->n_input;
    memset(p->h, (int8_t)p->zp_h, N);   /* zero state: h holds the zero point, c = 0 */
    memset(p->c, 0, N * sizeof *p->c);
    for (int32_t t = 0; t < p->steps; t++) {
        step(p, x + (size_t)t * I);
        memcpy(out + (size_t)t * N, p->h, N);
    }
}
