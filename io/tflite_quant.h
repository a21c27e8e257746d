/*
 * tflite_quant.h - host-side preparation of the integer kernels' parameters (runtime,
 * edgelstm/quant.h) from the float scales a .tflite file stores, computed the way
 * TensorFlow Lite Micro's prepare functions compute them (docs/quant.md). Internal to io/.
 */
#ifndef EDGELSTM_IO_TFLITE_QUANT_H
#define EDGELSTM_IO_TFLITE_QUANT_H

#include <stdint.h>

#include "edgelstm/quant.h"

/* TFLite's QuantizeMultiplier: real = m 2^(shift-31), m rounded half away from zero;
 * 0, negative, NaN or a real below 2^-32 give (0, 0); above 2^30 it saturates. */
elstm_qmult tfl_quantize_multiplier(double real);

/* The multiplier of a per-tensor FULLY_CONNECTED (and of an LSTM gate's products):
 * (double)(s_in * s_w computed in float) / s_out, as TFLite's
 * GetQuantizedConvolutionMultipler. */
elstm_qmult tfl_fc_multiplier(float s_in, float s_w, float s_out);

/* The per-channel one: s_in * s_w / s_out in double. */
elstm_qmult tfl_fc_multiplier_per_channel(float s_in, float s_w, float s_out);

/* The multiplier of an element-wise product of tensors with scales s1, s2 into s_out:
 * s1 * s2 / s_out in double. */
elstm_qmult tfl_mul_multiplier(double s1, double s2, double s_out);

/* The exponent e of a power-of-two scale s = 2^e (TFLite's CheckedLog2: within 1e-3 of
 * an integer); 0 if s is not one. */
int tfl_pow2_exponent(float s, int32_t *e);

/* The quantized cell clip: (int16) clamp(clip / s_c) when clip > 0, else -1 (none). */
int32_t tfl_cell_clip(float clip, float s_c);

/* The clamp [lo, hi] of a fused activation (TFLite's ActivationFunctionType) on an output
 * of this scale and zero point, within [qmin, qmax]; 0 if the activation has none that
 * integers can express. */
int tfl_activation_range(int32_t act, float scale, int32_t zp, int32_t qmin, int32_t qmax,
                         int32_t *lo, int32_t *hi);

/* The integer softmax's input multiplier, shift and diff_min for beta and the input
 * scale (TFLite's PreprocessSoftmaxScaling with 5 integer bits). */
void tfl_softmax_s8_params(float beta, float s_in, int32_t depth, elstm_softmax_s8 *p);

#endif /* EDGELSTM_IO_TFLITE_QUANT_H */
