/*
 * act.h - fast float32 sigmoid and tanh for the optimized kernels (C99, header only).
 *
 * No libm calls, no tables, one division per value. Used by runtime/lstm_f32_opt.c (host,
 * AVX2 or plain C) and runtime/lstm_f32_cortexm.c (Cortex-M4F), so the scalar versions
 * are written for a small FPU: multiply-adds, integer bit tricks, one VDIV. The Xtensa
 * kernel (runtime/lstm_f32_xtensa.c) uses the exponential's constants in its assembly.
 *
 *   e^x      x = n ln2 + r, n = round(x log2 e), |r| <= ln2/2 (Cody-Waite: ln2 split in a
 *            short high part, exact in n*ln2_hi, and a low part), e^r by a degree-6
 *            polynomial 1 + r + r^2 q(r) (near-minimax, relative error 3.5e-9), 2^n built
 *            in the exponent bits. Valid for |x| <= 87.
 *   sigmoid  1 / (1 + e^-x), x clamped to [-87, 87] (sigmoid(87) rounds to 1; below -87 the
 *            true value is < 1.7e-38 and we return ~1.6e-38, never a subnormal).
 *   tanh     |x| < 0.625: x + x^3 p(x^2) (near-minimax odd polynomial, relative error
 *            4.4e-9; no cancellation near 0);  otherwise sign(x) (1 - 2 / (1 + e^{2|x|})),
 *            |x| clamped to 9.5 (tanh rounds to +-1 beyond 9.01).
 *
 * Coefficients: tools/fit_activations.py. Measured error against libm in double precision
 * (tests/unit/test_activations.c, docs/runtime.md): a few ulp, max abs error ~1e-7.
 * NaN in -> NaN out; +-inf -> the limits (sigmoid(-inf) = 1.6e-38, tanh(+-inf) = +-1).
 *
 * The scalar functions do not depend on FMA contraction for their accuracy. With
 * ELSTM_KERNEL_AVX2 (edgelstm/lstm.h) the 8-wide __m256 versions below are defined too;
 * they compute the same formulas with fused multiply-adds (each is within the documented
 * error of libm; they may differ from the scalar results by a few ulp).
 */
#ifndef EDGELSTM_ACT_H
#define EDGELSTM_ACT_H

#include <stdint.h>
#include "edgelstm/lstm.h"

#define ELSTM_ACT_LOG2E   1.44269502f       /* log2(e) rounded to float */
#define ELSTM_ACT_LN2_HI  0.693359375f      /* ln 2, high part: 9 significant bits */
#define ELSTM_ACT_LN2_LO  (-2.12194442e-4f) /* ln 2 - ELSTM_ACT_LN2_HI */
#define ELSTM_ACT_ROUNDER 12582912.0f       /* 1.5 * 2^23: adding it rounds to an integer */
#define ELSTM_ACT_ROUNDER_BITS 0x4B400000u  /* its bit pattern */
#define ELSTM_ACT_EXP_C2  0.49999994f
#define ELSTM_ACT_EXP_C3  0.166665092f
#define ELSTM_ACT_EXP_C4  0.0416685268f
#define ELSTM_ACT_EXP_C5  0.00837013591f
#define ELSTM_ACT_EXP_C6  0.00138116651f
#define ELSTM_ACT_TANH_SMALL 0.625f         /* below: odd polynomial */
#define ELSTM_ACT_TANH_K3  (-0.333332807f)
#define ELSTM_ACT_TANH_K5  0.133314416f
#define ELSTM_ACT_TANH_K7  (-0.0537397116f)
#define ELSTM_ACT_TANH_K9  0.0206390731f
#define ELSTM_ACT_TANH_K11 (-0.00570497056f)
#define ELSTM_ACT_TANH_CLAMP 9.5f
#define ELSTM_ACT_SIGMOID_CLAMP 87.0f

typedef union elstm_act_bits {
    float f;
    uint32_t u;
} elstm_act_bits;

/* e^x for |x| <= 87 (callers clamp; NaN propagates). */
static inline float elstm_act_exp(float x)
{
    elstm_act_bits t, s;
    float n, r, q;
    t.f = x * ELSTM_ACT_LOG2E + ELSTM_ACT_ROUNDER; /* n in the low mantissa bits */
    n = t.f - ELSTM_ACT_ROUNDER;
    r = x - n * ELSTM_ACT_LN2_HI;                  /* exact: n * LN2_HI has <= 17 bits */
    r = r - n * ELSTM_ACT_LN2_LO;
    q = ELSTM_ACT_EXP_C6;
    q = q * r + ELSTM_ACT_EXP_C5;
    q = q * r + ELSTM_ACT_EXP_C4;
    q = q * r + ELSTM_ACT_EXP_C3;
    q = q * r + ELSTM_ACT_EXP_C2;
    s.u = (t.u + (127u - ELSTM_ACT_ROUNDER_BITS)) << 23; /* 2^n: biased exponent n + 127 */
    return (1.0f + (r + (r * r) * q)) * s.f;
}

static inline float elstm_act_sigmoid(float x)
{
    /* written so that NaN passes through both comparisons */
    x = x < -ELSTM_ACT_SIGMOID_CLAMP ? -ELSTM_ACT_SIGMOID_CLAMP : x;
    x = x > ELSTM_ACT_SIGMOID_CLAMP ? ELSTM_ACT_SIGMOID_CLAMP : x;
    return 1.0f / (1.0f + elstm_act_exp(-x));
}

static inline float elstm_act_tanh(float x)
{
    elstm_act_bits b, t;
    float a;
    b.f = x;
    t.u = b.u & 0x7FFFFFFFu;
    a = t.f;                          /* |x|; tanh is odd: the sign is put back at the end */
    if (a < ELSTM_ACT_TANH_SMALL) {
        float a2 = a * a, p;
        p = ELSTM_ACT_TANH_K11;
        p = p * a2 + ELSTM_ACT_TANH_K9;
        p = p * a2 + ELSTM_ACT_TANH_K7;
        p = p * a2 + ELSTM_ACT_TANH_K5;
        p = p * a2 + ELSTM_ACT_TANH_K3;
        t.f = a + (a * a2) * p;
    } else {
        a = a > ELSTM_ACT_TANH_CLAMP ? ELSTM_ACT_TANH_CLAMP : a; /* NaN stays NaN */
        t.f = 1.0f - 2.0f / (1.0f + elstm_act_exp(2.0f * a));
    }
    t.u |= b.u & 0x80000000u;
    return t.f;
}

#if defined(ELSTM_KERNEL_AVX2)
#include <immintrin.h>

/* 8 x e^x for |x| <= 87 (NaN propagates). */
static inline __m256 elstm_act_exp8(__m256 x)
{
    const __m256 rounder = _mm256_set1_ps(ELSTM_ACT_ROUNDER);
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(ELSTM_ACT_LOG2E), rounder);
    __m256 n = _mm256_sub_ps(t, rounder);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(ELSTM_ACT_LN2_HI), x);
    __m256 q, s;
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(ELSTM_ACT_LN2_LO), r);
    q = _mm256_fmadd_ps(_mm256_set1_ps(ELSTM_ACT_EXP_C6), r, _mm256_set1_ps(ELSTM_ACT_EXP_C5));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ELSTM_ACT_EXP_C4));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ELSTM_ACT_EXP_C3));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(ELSTM_ACT_EXP_C2));
    q = _mm256_fmadd_ps(_mm256_mul_ps(r, r), q, r);
    s = _mm256_castsi256_ps(_mm256_slli_epi32(
        _mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32((int)(127u - ELSTM_ACT_ROUNDER_BITS))), 23));
    return _mm256_mul_ps(_mm256_add_ps(q, _mm256_set1_ps(1.0f)), s);
}

static inline __m256 elstm_act_sigmoid8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    /* min/max return their second operand when one is NaN: NaN passes through */
    x = _mm256_max_ps(_mm256_set1_ps(-ELSTM_ACT_SIGMOID_CLAMP), x);
    x = _mm256_min_ps(_mm256_set1_ps(ELSTM_ACT_SIGMOID_CLAMP), x);
    return _mm256_div_ps(one, _mm256_add_ps(one, elstm_act_exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

static inline __m256 elstm_act_tanh8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 small = _mm256_cmp_ps(a, _mm256_set1_ps(ELSTM_ACT_TANH_SMALL), _CMP_LT_OQ);
    __m256 a2 = _mm256_mul_ps(a, a);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(ELSTM_ACT_TANH_K11), a2, _mm256_set1_ps(ELSTM_ACT_TANH_K9));
    __m256 big, e;
    p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(ELSTM_ACT_TANH_K7));
    p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(ELSTM_ACT_TANH_K5));
    p = _mm256_fmadd_ps(p, a2, _mm256_set1_ps(ELSTM_ACT_TANH_K3));
    p = _mm256_fmadd_ps(_mm256_mul_ps(a, a2), p, a);
    a = _mm256_min_ps(_mm256_set1_ps(ELSTM_ACT_TANH_CLAMP), a); /* NaN stays NaN */
    e = elstm_act_exp8(_mm256_add_ps(a, a));
    big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(one, e)));
    return _mm256_or_ps(_mm256_blendv_ps(big, p, small), _mm256_and_ps(sign, x));
}
#endif /* ELSTM_KERNEL_AVX2 */

#endif /* EDGELSTM_ACT_H */
