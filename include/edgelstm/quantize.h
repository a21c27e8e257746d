/*
 * edgelstm/quantize.h - post-training quantization of a float32 forecaster
 * (`edgelstm quantize`, docs/quant.md).
 *
 * Calibration runs the float model over windows of the training split of a dataset read
 * with the model's own metadata and records the range of every tensor the integer model
 * quantizes: the input, the LSTM's hidden state (its output, over every step), the cell
 * state, and the dense layer's output. From these and the weights it derives the scales
 * the way TensorFlow's converter does in full-integer mode:
 *
 *   activations (int8)   asymmetric over [min(lo, 0), max(hi, 0)]: s = (max - min) / 255,
 *                        zp = round(-128 - min / s) (clamped); a zero range gets s = 1
 *   activations (int16)  symmetric: s = max(|lo|, |hi|) / 32767, zp = 0
 *   cell state (int16)   a power of two: s = 2^ceil(log2 max|c|) / 32768 (at least 2^-24)
 *   weights (int8)       symmetric, narrow range: s = max|w| / 127 per tensor (the dense
 *                        layer per output channel), q = round(w / s) in [-127, 127]
 *   biases               int32 (int64 for 16x8), s = s_in s_w, q = round(b / s)
 *
 * Host only (C11).
 */
#ifndef EDGELSTM_QUANTIZE_H
#define EDGELSTM_QUANTIZE_H

#include <stddef.h>

#include "edgelstm/data.h"
#include "edgelstm/diag.h"
#include "edgelstm/model.h"

#define ELSTM_DEFAULT_CALIBRATION 500   /* training windows */

typedef struct elstm_quantize_opts {
    int act_bits;           /* 8: int8 (full integer); 16: int16 activations, int8 weights */
    int float_io;           /* 1: float32 input and output (QUANTIZE / DEQUANTIZE in the file) */
    size_t calibration;     /* training windows to calibrate on; 0 = the default; capped at
                               the windows the training split has */
} elstm_quantize_opts;

typedef struct elstm_quantized {
    elstm_qspec spec;       /* what elstm_qforecaster_save() writes; arrays in `storage` */
    size_t windows;         /* calibration windows used */
    float in_lo, in_hi;     /* the ranges seen */
    float h_lo, h_hi;
    float c_absmax;
    float out_lo, out_hi;
    void *storage;          /* owned */
} elstm_quantized;

/* Quantize the float forecaster `f` (ELSTM_FORECASTER_F32, one output) calibrated on the
 * training windows of `ds` (loaded with f's metadata). ELSTM_ERR_DATA when the training
 * split has no window, ELSTM_ERR_UNSUPPORTED for a model that is already quantized. */
elstm_status elstm_quantize(const elstm_forecaster *f, const elstm_dataset *ds,
                            const elstm_quantize_opts *o, elstm_quantized *q, elstm_diag *diag);

void elstm_quantized_free(elstm_quantized *q);

#endif /* EDGELSTM_QUANTIZE_H */
