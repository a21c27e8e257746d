/*
 * train_act.h - vectorized sigmoid and tanh over arrays for the trainer (private).
 *
 *   exp(x):      x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-7 polynomial (Cephes
 *                coefficients), times 2^n built in the exponent bits; x clamped to
 *                [-87.3, 88.3] so 2^n never overflows or goes subnormal; NaN stays NaN.
 *   sigmoid(x) = 1 / (1 + exp(-x))
 *   tanh(x)    = sign(x) (1 - e) / (1 + e),  e = exp(-2|x|)   (no overflow for any x)
 *
 * Max error against double-precision libm over [-20, 20]: about 1.5e-7 absolute for
 * both (measured by tests/unit/test_train_grad.c). Every element goes through the same
 * 8-wide code (the tail is padded), so results do not depend on where an element sits
 * in the array. Plain C (same formulas) when AVX2/FMA are not compiled in.
 */
#ifndef EDGELSTM_TRAIN_ACT_H
#define EDGELSTM_TRAIN_ACT_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#define TACT_LOG2E 1.44269504088896341f
#define TACT_C1 0.693359375f
#define TACT_C2 -2.12194440e-4f
#define TACT_P0 1.9875691500e-4f
#define TACT_P1 1.3981999507e-3f
#define TACT_P2 8.3334519073e-3f
#define TACT_P3 4.1665795894e-2f
#define TACT_P4 1.6666665459e-1f
#define TACT_P5 5.0000001201e-1f
#define TACT_XMAX 88.3f
#define TACT_XMIN -87.3f

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

static inline __m256 tact_exp8(__m256 x)
{
    /* operand order keeps NaN: max/min return their second operand when either is NaN */
    x = _mm256_min_ps(_mm256_set1_ps(TACT_XMAX), _mm256_max_ps(_mm256_set1_ps(TACT_XMIN), x));
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(TACT_LOG2E)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(TACT_C1), x);
    r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(TACT_C2), r);
    __m256 p = _mm256_set1_ps(TACT_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TACT_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TACT_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TACT_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TACT_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TACT_P5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

static inline __m256 tact_sigmoid8(__m256 x)
{
    __m256 e = tact_exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

static inline __m256 tact_tanh8(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 s = _mm256_and_ps(x, sign);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 e = tact_exp8(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
    __m256 t = _mm256_div_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), e), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    return _mm256_or_ps(t, s);
}

#if defined(__AVX512F__)
/* The same operations 16 lanes wide (each lane's result is the 8-wide code's, bit for
 * bit: same instructions per element, IEEE division, round to nearest). */
static inline __m512 tact_exp16(__m512 x)
{
    x = _mm512_min_ps(_mm512_set1_ps(TACT_XMAX), _mm512_max_ps(_mm512_set1_ps(TACT_XMIN), x));
    __m512 fx = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(TACT_LOG2E)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(TACT_C1), x);
    r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(TACT_C2), r);
    __m512 p = _mm512_set1_ps(TACT_P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TACT_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TACT_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TACT_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TACT_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TACT_P5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(fx), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

static inline __m512 tact_sigmoid16(__m512 x)
{
    __m512 e = tact_exp16(_mm512_sub_ps(_mm512_setzero_ps(), x));
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

static inline __m512 tact_tanh16(__m512 x)
{
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    __m512i xi = _mm512_castps_si512(x);
    __m512 ax = _mm512_castsi512_ps(_mm512_andnot_si512(sign, xi));
    __m512 e = tact_exp16(_mm512_mul_ps(ax, _mm512_set1_ps(-2.0f)));
    __m512 t = _mm512_div_ps(_mm512_sub_ps(_mm512_set1_ps(1.0f), e), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), _mm512_and_si512(xi, sign)));
}
#define TACT_ARRAY_FN(name, fn8, fn16)                                        \
    static inline void name(float *x, const float *bias, size_t n)            \
    {                                                                         \
        size_t i = 0;                                                         \
        if (bias)                                                             \
            for (; i + 16 <= n; i += 16)                                      \
                _mm512_storeu_ps(x + i, fn16(_mm512_add_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(bias + i)))); \
        else                                                                  \
            for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, fn16(_mm512_loadu_ps(x + i))); \
        if (i < n) {                                                          \
            float tmp[16] = {0};                                              \
            memcpy(tmp, x + i, (n - i) * sizeof(float));                      \
            if (bias)                                                         \
                for (size_t k = i; k < n; k++) tmp[k - i] += bias[k];         \
            _mm512_storeu_ps(tmp, fn16(_mm512_loadu_ps(tmp)));                \
            memcpy(x + i, tmp, (n - i) * sizeof(float));                      \
        }                                                                     \
    }
#else
#define TACT_ARRAY_FN(name, fn8, fn16)                                        \
    static inline void name(float *x, const float *bias, size_t n)            \
    {                                                                         \
        size_t i = 0;                                                         \
        if (bias)                                                             \
            for (; i + 8 <= n; i += 8)                                        \
                _mm256_storeu_ps(x + i, fn8(_mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(bias + i)))); \
        else                                                                  \
            for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, fn8(_mm256_loadu_ps(x + i))); \
        if (i < n) {                                                          \
            float tmp[8] = {0};                                               \
            memcpy(tmp, x + i, (n - i) * sizeof(float));                      \
            if (bias)                                                         \
                for (size_t k = i; k < n; k++) tmp[k - i] += bias[k];         \
            _mm256_storeu_ps(tmp, fn8(_mm256_loadu_ps(tmp)));                 \
            memcpy(x + i, tmp, (n - i) * sizeof(float));                      \
        }                                                                     \
    }
#endif
TACT_ARRAY_FN(tact_sigmoid_b, tact_sigmoid8, tact_sigmoid16)
TACT_ARRAY_FN(tact_tanh_b, tact_tanh8, tact_tanh16)
#undef TACT_ARRAY_FN

#else /* plain C, same formulas */

static inline float tact_exp1(float x)
{
    if (x != x) return x; /* NaN propagates */
    x = x < TACT_XMIN ? TACT_XMIN : (x > TACT_XMAX ? TACT_XMAX : x);
    float fx = nearbyintf(x * TACT_LOG2E);
    float r = x - fx * TACT_C1;
    r = r - fx * TACT_C2;
    float p = TACT_P0;
    p = p * r + TACT_P1;
    p = p * r + TACT_P2;
    p = p * r + TACT_P3;
    p = p * r + TACT_P4;
    p = p * r + TACT_P5;
    p = p * (r * r) + (r + 1.0f);
    return ldexpf(p, (int)fx);
}

static inline void tact_sigmoid_b(float *x, const float *bias, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = bias ? x[i] + bias[i] : x[i];
        x[i] = 1.0f / (1.0f + tact_exp1(-v));
    }
}

static inline void tact_tanh_b(float *x, const float *bias, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = bias ? x[i] + bias[i] : x[i];
        float e = tact_exp1(-2.0f * fabsf(v));
        float t = (1.0f - e) / (1.0f + e);
        x[i] = copysignf(t, v);
    }
}
#endif

/* x[i] = f(x[i] + bias[i]) (bias NULL: f(x[i])) */
static inline void tact_sigmoid(float *x, size_t n) { tact_sigmoid_b(x, NULL, n); }
static inline void tact_tanh(float *x, size_t n) { tact_tanh_b(x, NULL, n); }

#endif /* EDGELSTM_TRAIN_ACT_H */
