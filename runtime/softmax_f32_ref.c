/*
 * softmax_f32_ref.c - the reference float32 SOFTMAX kernel (edgelstm/ops.h):
 * y = exp(beta (x - max)) / sum, as TFLite's reference kernel computes it.
 */
#include <math.h>

#include "edgelstm/ops.h"

ELSTM_API void elstm_softmax_f32_ref(int32_t depth, float beta, const float *x, float *y)
{
    float mx, sum = 0.0f;
    int32_t d;
    if (depth < 1) return;
    mx = x[0];
    for (d = 1; d < depth; d++) mx = x[d] > mx ? x[d] : mx;
    for (d = 0; d < depth; d++) sum += y[d] = expf((x[d] - mx) * beta);
    for (d = 0; d < depth; d++) y[d] /= sum;
}
