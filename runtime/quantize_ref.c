/*
 * quantize_ref.c - QUANTIZE and DEQUANTIZE between float32 and int8 / int16
 * (edgelstm/quant.h), as TensorFlow Lite Micro's reference kernels compute them:
 *   q = clamp(round(x / scale) + zp)    float division, ties away from zero
 *   x = (float)((double)scale (q - zp))
 * A NaN input goes to the low end of the range (TFLite leaves it undefined).
 */
#include <math.h>

#include "edgelstm/quant.h"

static int32_t quantize_one(float x, float scale, int32_t zp, float lo, float hi)
{
    float q = roundf(x / scale) + (float)zp;   /* roundf: halves away from zero */
    if (!(q >= lo)) q = lo;                      /* also NaN */
    if (q > hi) q = hi;
    return (int32_t)q;
}

ELSTM_API void elstm_quantize_s8(const float *x, size_t n, float scale, int32_t zp, int8_t *q)
{
    size_t i;
    for (i = 0; i < n; i++) q[i] = (int8_t)quantize_one(x[i], scale, zp, -128.0f, 127.0f);
}

ELSTM_API void elstm_dequantize_s8(const int8_t *q, size_t n, float scale, int32_t zp, float *x)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = (float)((double)scale * (double)((int32_t)q[i] - zp));
}

ELSTM_API void elstm_quantize_s16(const float *x, size_t n, float scale, int32_t zp, int16_t *q)
{
    size_t i;
    for (i = 0; i < n; i++) q[i] = (int16_t)quantize_one(x[i], scale, zp, -32768.0f, 32767.0f);
}

ELSTM_API void elstm_dequantize_s16(const int16_t *q, size_t n, float scale, int32_t zp, float *x)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = (float)((double)scale * (double)((int32_t)q[i] - zp));
}
