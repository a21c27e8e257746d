/*
 * fc_s16_ref.c - the reference 16x8 FULLY_CONNECTED kernel (int16 activations, int8
 * weights, int64 bias; edgelstm/quant.h): TensorFlow Lite Micro's reference arithmetic,
 * an int64 accumulator requantized with the int64 multiply, zero points 0.
 */
#include "edgelstm/quant.h"
#include "qmath.h"

ELSTM_API void elstm_fc_s16_ref(const elstm_fc_s16 *p, const int16_t *x, int16_t *y)
{
    int32_t o, i;
    for (o = 0; o < p->n_out; o++) {
        const int8_t *w = p->w + (size_t)o * (size_t)p->n_in;
        int64_t acc = p->b ? p->b[o] : 0;
        for (i = 0; i < p->n_in; i++) acc += (int64_t)w[i] * x[i];
        y[o] = (int16_t)q_clamp(q_mul64(acc, p->mult[p->per_channel ? o : 0]), p->act_min, p->act_max);
    }
}
