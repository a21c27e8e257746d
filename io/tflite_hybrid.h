/*
 * tflite_hybrid.h - the executor's LSTM with int8 weights and float32 activations: the
 * converter's dynamic-range ("hybrid") variant of a Keras 3 LSTM, whose WHILE body
 * multiplies with FULLY_CONNECTED operators that hold int8 weights. Internal to io/.
 *
 * Each step follows the body's operators as TFLite's reference kernels compute them:
 *   zx = FC(x_t, Wx), zh = FC(h, Wh)          (each float, or hybrid: below)
 *   z  = (zx + zh) + b
 *   i, f, o = sigmoid(z), g = tanh(z);  c = f c + i g;  h = o tanh(c)
 * A hybrid product quantizes its float input vector once per step to int8: symmetric
 * (scale max|v| / 127, values clamped to +-127) or, when the operator's
 * asymmetric_quantize_inputs is set, asymmetric (scale (max - min) / 255 over a range
 * that includes 0, a nudged int8 zero point); then for every row r
 *   y[r] = (float)(sum_k W[r][k] q[k] - zp * sum_k W[r][k]) * (s_in * s_w[r])
 * with s_w one scale per row or per tensor, and all zeros for an all-zero input.
 */
#ifndef EDGELSTM_IO_TFLITE_HYBRID_H
#define EDGELSTM_IO_TFLITE_HYBRID_H

#include <stdint.h>

/* One gate's rows of a product: float32 [N][K], or int8 [N][K] with scales. */
typedef struct tfl_hybrid_mat {
    const float *wf;               /* float weights, or NULL */
    const int8_t *wq;              /* int8 weights, or NULL */
    const float *scale;            /* int8: [N] (per row) or [1] */
    int per_row;
    int64_t *row_sums;             /* int8: [N] sum of each row (owned) */
} tfl_hybrid_mat;

typedef struct tfl_lstm_hybrid {
    int32_t n_input, n_units, steps;
    tfl_hybrid_mat x[4], h[4];     /* gates i, f, c, o */
    const float *b[4];             /* [N] or NULL (zero) */
    int asym_x, asym_h;            /* asymmetric input quantization of each product */
    float *work;                   /* owned: zx[4N] zh[4N] h[N] c[N] */
    int8_t *q;                     /* owned: [max(I, N)] */
} tfl_lstm_hybrid;

/* Allocate the scratch and row sums (weights set by the caller); 0, or -1 (memory). */
int tfl_lstm_hybrid_prepare(tfl_lstm_hybrid *p);
void tfl_lstm_hybrid_release(tfl_lstm_hybrid *p);

/* The whole sequence from a zero state: x [steps][I] -> out [steps][N]. */
void tfl_lstm_hybrid_run(tfl_lstm_hybrid *p, const float *x, float *out);

#endif /* EDGELSTM_IO_TFLITE_HYBRID_H */
