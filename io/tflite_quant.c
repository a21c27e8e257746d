/*
 * tflite_quant.c - the integer kernels' parameters from a file's float scales (see
 * tflite_quant.h). Each function follows the corresponding TensorFlow Lite Micro prepare
 * step, including where it multiplies in float and where in double, because a multiplier
 * that differs in its last bit changes results.
 */
#include <math.h>

#include "tflite_quant.h"

elstm_qmult tfl_quantize_multiplier(double real)
{
    elstm_qmult q = {0, 0};
    int e;
    double f;
    long long m;
    if (!(real > 0.0) || !isfinite(real)) return q;
    f = frexp(real, &e);                  /* real = f 2^e, f in [0.5, 1) */
    m = llround(f * 2147483648.0);        /* halves away from zero */
    if (m == 2147483648LL) {
        m /= 2;
        e++;
    }
    if (e < -31) return q;
    if (e > 30) {                         /* absurdly large: saturate */
        e = 30;
        m = 2147483647LL;
    }
    q.m = (int32_t)m;
    q.shift = e;
    return q;
}

elstm_qmult tfl_fc_multiplier(float s_in, float s_w, float s_out)
{
    const float product = s_in * s_w;     /* float, as TFLite */
    return tfl_quantize_multiplier((double)product / (double)s_out);
}

elstm_qmult tfl_fc_multiplier_per_channel(float s_in, float s_w, float s_out)
{
    return tfl_quantize_multiplier((double)s_in * (double)s_w / (double)s_out);
}

elstm_qmult tfl_mul_multiplier(double s1, double s2, double s_out)
{
    return tfl_quantize_multiplier(s1 * s2 / s_out);
}

int tfl_pow2_exponent(float s, int32_t *e)
{
    float l, r;
    if (!(s > 0.0f) || isinf(s)) return 0;
    l = logf(s) * (1.0f / logf(2.0f));
    r = roundf(l);
    *e = (int32_t)r;
    return fabsf(l - r) < 1e-3f;
}

int32_t tfl_cell_clip(float clip, float s_c)
{
    double q;
    if (!(clip > 0.0f)) return -1;
    q = (double)clip / (double)s_c;
    if (q > 32767.0) q = 32767.0;
    return (int32_t)(int16_t)q;           /* truncated, as TFLite's cast */
}

/* zp + round(f / scale) in float, as TFLite's Quantize() helper. */
static int64_t quantize_value(float f, float scale, int32_t zp)
{
    return (int64_t)zp + (int64_t)roundf(f / scale);
}

int tfl_activation_range(int32_t act, float scale, int32_t zp, int32_t qmin, int32_t qmax,
                         int32_t *lo, int32_t *hi)
{
    int64_t l = qmin, h = qmax, v;
    switch (act) {
    case 0: /* NONE */
        break;
    case 1: /* RELU */
        v = quantize_value(0.0f, scale, zp);
        if (v > l) l = v;
        break;
    case 2: /* RELU_N1_TO_1 */
        v = quantize_value(-1.0f, scale, zp);
        if (v > l) l = v;
        v = quantize_value(1.0f, scale, zp);
        if (v < h) h = v;
        break;
    case 3: /* RELU6 */
        v = quantize_value(0.0f, scale, zp);
        if (v > l) l = v;
        v = quantize_value(6.0f, scale, zp);
        if (v < h) h = v;
        break;
    default:
        return 0;
    }
    if (l > h) l = h;
    *lo = (int32_t)l;
    *hi = (int32_t)h;
    return 1;
}

void tfl_softmax_s8_params(float beta, float s_in, int32_t depth, elstm_softmax_s8 *p)
{
    const int integer_bits = 5;
    double real = (double)beta * (double)s_in * (double)(1 << (31 - integer_bits));
    elstm_qmult q;
    if (real > 2147483647.0) real = 2147483647.0;
    q = tfl_quantize_multiplier(real);
    if (q.shift < 0) {    /* TFLite requires a multiplier >= 1 here; a tiny beta s_in ends as 0 */
        q.m = 0;
        q.shift = 0;
    }
    p->depth = depth;
    p->input_multiplier = q.m;
    p->input_left_shift = q.shift;
    p->diff_min = -(int32_t)floor(1.0 * ((1 << integer_bits) - 1) *
                                  (double)(1LL << (31 - integer_bits)) / (double)(1LL << q.shift));
}
