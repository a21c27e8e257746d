/*
 * edgelstm/ops.h - the float32 kernels of the device runtime besides the LSTM (lstm.h):
 * FULLY_CONNECTED with a fused activation and SOFTMAX, as TFLite's reference kernels
 * compute them. C99, no malloc, no stdio; the graph executor (`edgelstm run`) calls
 * these for float graphs, the integer ones are in quant.h.
 */
#ifndef EDGELSTM_OPS_H
#define EDGELSTM_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/lstm.h"

/* Fused activations (TFLite's ActivationFunctionType numbers). */
enum {
    ELSTM_ACT_NONE = 0,
    ELSTM_ACT_RELU = 1,
    ELSTM_ACT_RELU_N1_TO_1 = 2,
    ELSTM_ACT_RELU6 = 3,
    ELSTM_ACT_TANH = 4
};

/* y[o] = act(sum_i w[o][i] x[i] + b[o]) */
typedef struct elstm_fc_f32 {
    int32_t n_in, n_out;
    const float *w;      /* [n_out][n_in] */
    const float *b;      /* [n_out]; NULL = zero */
    int32_t act;         /* ELSTM_ACT_* */
} elstm_fc_f32;

/* One row: x [n_in] -> y [n_out]. */
ELSTM_API void elstm_fc_f32_ref(const elstm_fc_f32 *p, const float *x, float *y);

/* y = softmax(beta x) over one row of `depth` values (the maximum subtracted first). */
ELSTM_API void elstm_softmax_f32_ref(int32_t depth, float beta, const float *x, float *y);

#endif /* EDGELSTM_OPS_H */
