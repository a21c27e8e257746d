/*
 * fc_f32_ref.c - the reference float32 FULLY_CONNECTED kernel (edgelstm/ops.h): the
 * products summed in order, then the bias, then the fused activation.
 */
#include <math.h>

#include "edgelstm/ops.h"

static float activate(int32_t act, float x)
{
    switch (act) {
    case ELSTM_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ELSTM_ACT_RELU_N1_TO_1: return x < -1.0f ? -1.0f : x > 1.0f ? 1.0f : x;
    case ELSTM_ACT_RELU6: return x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;
    case ELSTM_ACT_TANH: return tanhf(x);
    default: return x;
    }
}

ELSTM_API void elstm_fc_f32_ref(const elstm_fc_f32 *p, const float *x, float *y)
{
    int32_t o, i;
    for (o = 0; o < p->n_out; o++) {
        const float *w = p->w + (size_t)o * (size_t)p->n_in;
        float acc = 0.0f;
        for (i = 0; i < p->n_in; i++) acc += w[i] * x[i];
        if (p->b) acc += p->b[o];
        y[o] = activate(p->act, acc);
    }
}
