/*
 * quantize_ref.c - QUANTIZE and DEQUANTIZE between float32 and int8 / int16
 * (edgelstm/quant.h), as TensorFlow Lite Micro's reference kernels compute them:
 *   q = clamp(round(x / scale) + zp)    float division, ties away from zero
 *   x = (float)((double)scale (q - zp))
 * A NaN input goes to the low end of the range (TFLite leaves it undefined). No libm.
 *
 * Dequantizing multiplies in float: the exact product of a float scale (24-bit
 * significand) and q - zp (at most 17 bits, |q - zp| <= 65535) fits in double's 53 bits,
 * so TFLite's double product rounded to float and the float product are the same single
 * rounding of the same exact value: the same bits, without double arithmetic (software
 * on a single-precision FPU, and a library call the ESP32's harness does not have).
 */
#include "edgelstm/quant.h"

/* round(x / scale) + zp, clamped to [lo, hi]: the quotient is limited to +-2^20 (far
 * beyond any result that is not clamped), its fraction taken exactly (v - (int)v is exact
 * in float for |v| < 2^23) and rounded half away from zero, as roundf does; no libm. */
static int32_t quantize_one(float x, float scale, int32_t zp, int32_t lo, int32_t hi)
{
    float v = x / scale, f;
    int32_t r;
    if (!(v >= -1048576.0f)) v = -1048576.0f;   /* also NaN: the low end */
    if (v > 1048576.0f) v = 1048576.0f;
    r = (int32_t)v;
    f = v - (float)r;
    if (f >= 0.5f) r++;
    else if (f <= -0.5f) r--;
    r += zp;
    return r < lo ? lo : r > hi ? hi : r;
}

ELSTM_API void elstm_quantize_s8(const float *x, size_t n, float scale, int32_t zp, int8_t *q)
{
    size_t i;
    for (i = 0; i < n; i++) q[i] = (int8_t)quantize_one(x[i], scale, zp, -128, 127);
}

ELSTM_API void elstm_dequantize_s8(const int8_t *q, size_t n, float scale, int32_t zp, float *x)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = scale * (float)((int32_t)q[i] - zp);
}

ELSTM_API void elstm_quantize_s16(const float *x, size_t n, float scale, int32_t zp, int16_t *q)
{
    size_t i;
    for (i = 0; i < n; i++) q[i] = (int16_t)quantize_one(x[i], scale, zp, -32768, 32767);
}

ELSTM_API void elstm_dequantize_s16(const int16_t *q, size_t n, float scale, int32_t zp, float *x)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = scale * (float)((int32_t)q[i] - zp);
}
