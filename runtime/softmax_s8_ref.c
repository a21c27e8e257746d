/*
 * softmax_s8_ref.c - the reference int8 SOFTMAX kernel (edgelstm/quant.h): TensorFlow
 * Lite Micro's fixed-point algorithm, bit for bit.
 *
 * Per row: d = x - max(x) (<= 0), scaled by beta s_in into Q5.26 (input_multiplier,
 * input_left_shift; differences below diff_min are dropped), e = exp(d) in Q0.31 by
 * exp_neg() below, sum in Q12.19, one reciprocal of the sum by Newton-Raphson, and
 * y = round(e / sum * 256) - 128, clamped to int8 (output scale 1/256, zero point -128).
 *
 * exp_neg(a), a in Q5.26, a <= 0: write a = -(r + k/4) with r in [0, 1/4); exp(-r) comes
 * from the Taylor polynomial of degree 4 around -1/8 (Q0.31), then one multiplication by
 * exp(-2^j) for each bit j = -2 .. 4 of k/4 that is set.
 */
#include "edgelstm/quant.h"
#include "qmath.h"

/* x 2^e, saturating (e > 0). */
static int32_t sat_shift_left(int32_t x, int e)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - e)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

static int32_t wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static int32_t exp_quarter(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668, one_third = 715827883;
    const int32_t x = wrap_add(a, 1 << 28);   /* a + 1/8 */
    const int32_t x2 = q_srdhm(x, x), x3 = q_srdhm(x2, x), x4 = q_srdhm(x2, x2);
    const int32_t x4_over_4 = q_rdpot(x4, 2);
    const int32_t poly = q_rdpot(wrap_add(q_srdhm(wrap_add(x4_over_4, x3), one_third), x2), 1);
    return wrap_add(exp_minus_one_eighth, q_srdhm(exp_minus_one_eighth, wrap_add(x, poly)));
}

/* exp(a) for a <= 0, a in Q5.26, result in Q0.31. */
static int32_t exp_neg(int32_t a)
{
    /* exp(-2^j), j = -2 .. 4, in Q0.31 */
    static const int32_t mult[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t quarter = 1 << 24, mask = quarter - 1;
    const int32_t a_mod = (a & mask) - quarter;   /* in [-1/4, 0) */
    const int32_t rem = a_mod - a;                /* the multiple of 1/4 removed */
    int32_t result = exp_quarter(sat_shift_left(a_mod, 5)), j;
    for (j = 0; j < 7; j++)
        if (rem & (1 << (24 + j))) result = q_srdhm(result, mult[j]);
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1), Q0.31 in and out (Newton-Raphson, three iterations). */
static int32_t one_over_one_plus_x(int32_t a)
{
    const int64_t s = (int64_t)a + INT32_MAX;
    const int32_t half_den = (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);   /* (1 + x) / 2, rounded */
    int32_t x = wrap_add(1515870810, q_srdhm(half_den, -1010580540));  /* 48/17 - 32/17 d, Q2.29 */
    int i;
    for (i = 0; i < 3; i++) {
        const int32_t one_minus = (1 << 29) - q_srdhm(half_den, x);
        x = wrap_add(x, sat_shift_left(q_srdhm(x, one_minus), 2));
    }
    return sat_shift_left(x, 1);
}

static int count_leading_zeros(uint32_t x)
{
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

ELSTM_API void elstm_softmax_s8_ref(const elstm_softmax_s8 *p, const int8_t *x, int8_t *y)
{
    const elstm_qmult beta = {p->input_multiplier, p->input_left_shift};
    int32_t mx = -128, sum = 0, c;
    int headroom, bits_over_unit, exponent;
    int32_t scale;
    for (c = 0; c < p->depth; c++) mx = x[c] > mx ? x[c] : mx;
    for (c = 0; c < p->depth; c++) {
        const int32_t d = (int32_t)x[c] - mx;
        if (d >= p->diff_min) sum = wrap_add(sum, q_rdpot(exp_neg(q_mul(d, beta)), 12));
    }
    headroom = count_leading_zeros((uint32_t)sum);
    bits_over_unit = 12 - headroom;
    scale = one_over_one_plus_x((int32_t)(((uint32_t)sum << headroom) - 0x80000000u));
    exponent = bits_over_unit + 31 - 8;
    for (c = 0; c < p->depth; c++) {
        const int32_t d = (int32_t)x[c] - mx;
        if (d >= p->diff_min) {
            const int32_t e = exp_neg(q_mul(d, beta));
            y[c] = (int8_t)q_clamp(q_rdpot(q_srdhm(scale, e), exponent) - 128, -128, 127);
        } else {
            y[c] = -128;
        }
    }
}
