/*
 * tflite_hybrid.c - the executor's LSTM with int8 weights and float activations (see
 * tflite_hybrid.h). Written from TFLite's documented hybrid arithmetic; checked against
 * ai-edge-litert on the converter's own files (tests/fixtures/keras/).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_hybrid.h"

/* TFLite computes every product and sum of the cell as its own operator, rounded to float:
 * no fused multiply-adds here. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* round(r) clamped to [lo, hi]; NaN gives lo (no undefined conversion). */
static int8_t round_clamp(float r, int32_t lo, int32_t hi)
{
    r = roundf(r);
    if (!(r > (float)lo)) return (int8_t)lo;
    if (r > (float)hi) return (int8_t)hi;
    return (int8_t)(int32_t)r;
}

/* v [n] -> q [n] int8 with *scale and *zp (TFLite's per-vector dynamic quantization). */
static void quantize_vector(const float *v, int32_t n, int asym, int8_t *q, float *scale, int32_t *zp)
{
    float lo = v[0], hi = v[0];
    for (int32_t k = 1; k < n; k++) {
        lo = v[k] < lo ? v[k] : lo;
        hi = v[k] > hi ? v[k] : hi;
    }
    *zp = 0;
    if (!asym) {
        float range = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
        if (range == 0.0f) {
            memset(q, 0, (size_t)n);
            *scale = 1.0f;
            return;
        }
        *scale = range / 127.0f;
        float inv = 127.0f / range;
        for (int32_t k = 0; k < n; k++) q[k] = round_clamp(v[k] * inv, -127, 127);
        return;
    }
    float fmin = lo < 0.0f ? lo : 0.0f, fmax = hi > 0.0f ? hi : 0.0f;
    if (fmin == fmax) {
        memset(q, 0, (size_t)n);
        *scale = 1.0f;
        return;
    }
    /* the zero point that loses less at its end of the range, nudged onto the grid; the
       range is a float difference (as TFLite takes it), the rest in double */
    double rmin = fmin, rmax = fmax, s = (double)(fmax - fmin) / 255.0;
    double zmin = -128.0 - rmin / s, zmax = 127.0 - rmax / s;
    double emin = 128.0 + fabs(rmin / s), emax = 127.0 + fabs(rmax / s);
    double z = emin < emax ? zmin : zmax;
    *zp = z != z ? 0 : z <= -128.0 ? -128 : z >= 127.0 ? 127 : (int32_t)round(z);   /* NaN: inf inputs */
    *scale = (float)s;
    /* LiteRT's optimized kernels (the ones ai-edge-litert runs) round x/scale and then add the
       zero point; rounding zp + x/scale instead differs on ties (-128 + 42.5). */
    float inv = (float)(1.0 / (double)*scale);
    for (int32_t k = 0; k < n; k++) {
        float r = roundf(v[k] * inv);
        q[k] = round_clamp(r == r ? r + (float)*zp : r, -128, 127);
    }
}

/* y [N] = the N rows of `m` times the K-vector v (quantized already in q/s/zp if int8). */
static void product(const tfl_hybrid_mat *m, int32_t N, int32_t K, const float *v, const int8_t *q, float s_in,
                    int32_t zp, float *y)
{
    for (int32_t r = 0; r < N; r++) {
        if (m->wf) {
            const float *w = m->wf + (size_t)r * K;
            float acc = 0.0f;
            for (int32_t k = 0; k < K; k++) acc += w[k] * v[k];
            y[r] = acc;
        } else {
            const int8_t *w = m->wq + (size_t)r * K;
            int64_t dot = 0;   /* int32 in TFLite; 64 bits keeps huge rows defined */
            for (int32_t k = 0; k < K; k++) dot += (int32_t)w[k] * (int32_t)q[k];
            dot -= (int64_t)m->row_sums[r] * zp;
            float scale = s_in * m->scale[m->per_row ? r : 0];
            y[r] = (float)dot * scale;
        }
    }
}

static int any_int8(const tfl_hybrid_mat *m)
{
    return m[0].wq || m[1].wq || m[2].wq || m[3].wq;
}

/* The four gates' rows of one product, for input v of length K. */
static void products(const tfl_hybrid_mat m[4], int32_t N, int32_t K, const float *v, int asym, int8_t *q,
                     float *z)
{
    float s_in = 1.0f;
    int32_t zp = 0;
    if (any_int8(m)) quantize_vector(v, K, asym, q, &s_in, &zp);
    for (int g = 0; g < 4; g++) product(&m[g], N, K, v, q, s_in, zp, z + (size_t)g * N);
}

/* TFLite's reference LOGISTIC: exp(x) below -9, 1 above 16.619047 (where 1/(1+exp(-x)) rounds
   to 1 anyway). Last bits matter here: the next step quantizes h. */
static float sigmoid(float x)
{
    if (x > 16.619047164916992188f) return 1.0f;
    if (x < -9.0f) return expf(x);
    return 1.0f / (1.0f + expf(-x));
}

int tfl_lstm_hybrid_prepare(tfl_lstm_hybrid *p)
{
    const size_t N = (size_t)p->n_units, I = (size_t)p->n_input;
    p->work = calloc(10 * N, sizeof *p->work);
    p->q = calloc(I > N ? I : N, 1);
    if (!p->work || !p->q) return -1;
    for (int side = 0; side < 2; side++)
        for (int g = 0; g < 4; g++) {
            tfl_hybrid_mat *m = side ? &p->h[g] : &p->x[g];
            size_t K = side ? N : I;
            if (!m->wq) continue;
            m->row_sums = calloc(N, sizeof *m->row_sums);
            if (!m->row_sums) return -1;
            for (size_t r = 0; r < N; r++)
                for (size_t k = 0; k < K; k++) m->row_sums[r] += m->wq[r * K + k];
        }
    return 0;
}

void tfl_lstm_hybrid_release(tfl_lstm_hybrid *p)
{
    free(p->work);
    free(p->q);
    for (int g = 0; g < 4; g++) {
        free(p->x[g].row_sums);
        free(p->h[g].row_sums);
    }
    p->work = NULL;
    p->q = NULL;
}

void tfl_lstm_hybrid_run(tfl_lstm_hybrid *p, const float *x, float *out)
{
    const int32_t N = p->n_units, I = p->n_input;
    float *zx = p->work, *zh = zx + 4 * (size_t)N, *h = zh + 4 * (size_t)N, *c = h + N;
    memset(h, 0, 2 * (size_t)N * sizeof *h);
    for (int32_t t = 0; t < p->steps; t++) {
        products(p->x, N, I, x + (size_t)t * I, p->asym_x, p->q, zx);
        products(p->h, N, N, h, p->asym_h, p->q, zh);
        for (int32_t n = 0; n < N; n++) {
            float z[4];
            for (int g = 0; g < 4; g++) {
                z[g] = zx[g * N + n] + zh[g * N + n];
                if (p->b[g]) z[g] += p->b[g][n];
            }
            float i = sigmoid(z[0]), f = sigmoid(z[1]), gc = tanhf(z[2]), o = sigmoid(z[3]);
            c[n] = f * c[n] + i * gc;
            zx[n] = o * tanhf(c[n]);   /* zx[0..N) is no longer needed this step */
        }
        memcpy(h, zx, (size_t)N * sizeof *h);
        memcpy(out + (size_t)t * N, h, (size_t)N * sizeof *h);
    }
}
