/*
 * fc_s8_ref.c - the reference int8 FULLY_CONNECTED kernel (edgelstm/quant.h):
 *   y[o] = clamp(zp_out + q_mul(sum_i w[o][i] (x[i] - zp_in) + b[o], mult[o or 0]), act range)
 * as TensorFlow Lite Micro's reference kernel computes it (int32 accumulator).
 */
#include "edgelstm/quant.h"
#include "qmath.h"

ELSTM_API void elstm_fc_s8_ref(const elstm_fc_s8 *p, const int8_t *x, int8_t *y)
{
    int32_t o, i;
    for (o = 0; o < p->n_out; o++) {
        const int8_t *w = p->w + (size_t)o * (size_t)p->n_in;
        int32_t acc = p->b ? p->b[o] : 0, v;
        for (i = 0; i < p->n_in; i++) acc += (int32_t)w[i] * ((int32_t)x[i] - p->zp_in);
        v = p->zp_out + q_mul(acc, p->mult[p->per_channel ? o : 0]);
        y[o] = (int8_t)q_clamp(v, p->act_min, p->act_max);
    }
}
