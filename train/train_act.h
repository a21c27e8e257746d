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
 * vector code (8 lanes with AVX2, 16 with AVX-512, one definition for both; the tail is
 * padded), so results depend neither on where an element sits in the array nor on the
 * width. Plain C (same formulas) when AVX2/FMA are not compiled in.
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

/* One definition for every vector width (W lanes of P bits), so that the 8-wide AVX2
 * and 16-wide AVX-512 code cannot drift apart: each lane's result is the same, bit for
 * bit (same operations per element, IEEE division, round to nearest). ROUND is the
 * width's round-to-integer intrinsic. */
#define TACT_VECTOR_FNS(W, P, ROUND)                                                          \
    static inline __m##P tact_exp##W(__m##P x)                                                \
    {                                                                                         \
        /* operand order keeps NaN: max/min return their second operand when either is NaN */ \
        x = _mm##P##_min_ps(_mm##P##_set1_ps(TACT_XMAX), _mm##P##_max_ps(_mm##P##_set1_ps(TACT_XMIN), x)); \
        __m##P fx = ROUND(_mm##P##_mul_ps(x, _mm##P##_set1_ps(TACT_LOG2E)),                   \
                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);                     \
        __m##P r = _mm##P##_fnmadd_ps(fx, _mm##P##_set1_ps(TACT_C1), x);                      \
        r = _mm##P##_fnmadd_ps(fx, _mm##P##_set1_ps(TACT_C2), r);                             \
        __m##P p = _mm##P##_set1_ps(TACT_P0);                                                 \
        p = _mm##P##_fmadd_ps(p, r, _mm##P##_set1_ps(TACT_P1));                               \
        p = _mm##P##_fmadd_ps(p, r, _mm##P##_set1_ps(TACT_P2));                               \
        p = _mm##P##_fmadd_ps(p, r, _mm##P##_set1_ps(TACT_P3));                               \
        p = _mm##P##_fmadd_ps(p, r, _mm##P##_set1_ps(TACT_P4));                               \
        p = _mm##P##_fmadd_ps(p, r, _mm##P##_set1_ps(TACT_P5));                               \
        p = _mm##P##_fmadd_ps(p, _mm##P##_mul_ps(r, r), _mm##P##_add_ps(r, _mm##P##_set1_ps(1.0f))); \
        __m##P##i e = _mm##P##_slli_epi32(                                                    \
            _mm##P##_add_epi32(_mm##P##_cvtps_epi32(fx), _mm##P##_set1_epi32(127)), 23);      \
        return _mm##P##_mul_ps(p, _mm##P##_castsi##P##_ps(e));                                \
    }                                                                                         \
    static inline __m##P tact_sigmoid##W(__m##P x)                                            \
    {                                                                                         \
        __m##P e = tact_exp##W(_mm##P##_sub_ps(_mm##P##_setzero_ps(), x));                    \
        return _mm##P##_div_ps(_mm##P##_set1_ps(1.0f), _mm##P##_add_ps(_mm##P##_set1_ps(1.0f), e)); \
    }                                                                                         \
    static inline __m##P tact_tanh##W(__m##P x)                                               \
    {                                                                                         \
        const __m##P##i sign = _mm##P##_set1_epi32((int)0x80000000u);                        \
        const __m##P##i xi = _mm##P##_castps_si##P(x);                                        \
        __m##P ax = _mm##P##_castsi##P##_ps(_mm##P##_andnot_si##P(sign, xi));                 \
        __m##P e = tact_exp##W(_mm##P##_mul_ps(ax, _mm##P##_set1_ps(-2.0f)));                 \
        __m##P t = _mm##P##_div_ps(_mm##P##_sub_ps(_mm##P##_set1_ps(1.0f), e),                \
                                   _mm##P##_add_ps(_mm##P##_set1_ps(1.0f), e));               \
        return _mm##P##_castsi##P##_ps(                                                       \
            _mm##P##_or_si##P(_mm##P##_castps_si##P(t), _mm##P##_and_si##P(xi, sign)));       \
    }

TACT_VECTOR_FNS(8, 256, _mm256_round_ps)

/* x[i] = f(x[i] + bias[i]) over an array, W lanes at a time; the tail is padded to W
 * lanes, so every element goes through the same code wherever it sits. */
#define TACT_ARRAY_FN(name, f, W, P)                                                          \
    static inline void name(float *x, const float *bias, size_t n)                            \
    {                                                                                         \
        size_t i = 0;                                                                         \
        if (bias)                                                                             \
            for (; i + W <= n; i += W)                                                        \
                _mm##P##_storeu_ps(x + i, f##W(_mm##P##_add_ps(_mm##P##_loadu_ps(x + i),      \
                                                               _mm##P##_loadu_ps(bias + i)))); \
        else                                                                                  \
            for (; i + W <= n; i += W) _mm##P##_storeu_ps(x + i, f##W(_mm##P##_loadu_ps(x + i))); \
        if (i < n) {                                                                          \
            float tmp[W] = {0};                                                               \
            memcpy(tmp, x + i, (n - i) * sizeof(float));                                      \
            if (bias)                                                                         \
                for (size_t k = i; k < n; k++) tmp[k - i] += bias[k];                         \
            _mm##P##_storeu_ps(tmp, f##W(_mm##P##_loadu_ps(tmp)));                            \
            memcpy(x + i, tmp, (n - i) * sizeof(float));                                      \
        }                                                                                     \
    }

#if defined(__AVX512F__)
TACT_VECTOR_FNS(16, 512, _mm512_roundscale_ps)
TACT_ARRAY_FN(tact_sigmoid_b, tact_sigmoid, 16, 512)
TACT_ARRAY_FN(tact_tanh_b, tact_tanh, 16, 512)
#else
TACT_ARRAY_FN(tact_sigmoid_b, tact_sigmoid, 8, 256)
TACT_ARRAY_FN(tact_tanh_b, tact_tanh, 8, 256)
#endif
#undef TACT_ARRAY_FN
#undef TACT_VECTOR_FNS

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
