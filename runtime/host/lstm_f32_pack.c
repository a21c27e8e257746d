/*
 * lstm_f32_pack.c - the packed weight layout of the AVX2 kernel (see runtime/host/lstm_f32_pack.h).
 *
 * Host only: written once when a model is loaded (io/tflite_forecaster.c), never on a
 * device (generated libraries do not include this file; their kernels read TFLite's
 * row-major arrays in place).
 */
#include "edgelstm/lstm.h"
#include "lstm_f32_pack.h"

size_t elstm_lstm_packed_floats_f32(const elstm_lstm_f32 *m)
{
#if defined(ELSTM_KERNEL_AVX2)
    if (m->n_units >= 8)
        return (size_t)((m->n_units + 7) / 8) * ELSTM_GATES * (size_t)ELSTM_PACK_CHUNKS(m) * 64u;
#endif
    (void)m;
    return 0;
}

/* chunk k of 8 rows (from s) of W [rows][cols] row-major: dst[r][j] = W[s + r][8 k + j] */
static float *pack_chunks(const float *w, int32_t cols, int32_t s, float *dst)
{
    int32_t k, r, j;
    for (k = 0; k < (cols + 7) / 8; k++)
        for (r = 0; r < 8; r++)
            for (j = 0; j < 8; j++, dst++)
                *dst = 8 * k + j < cols ? w[(size_t)(s + r) * (size_t)cols + (size_t)(8 * k + j)] : 0.0f;
    return dst;
}

void elstm_lstm_pack_f32(const elstm_lstm_f32 *m, float *dst)
{
    const int32_t N = m->n_units, blocks = (N + 7) / 8;
    int32_t b, g;
    if (elstm_lstm_packed_floats_f32(m) == 0) return;
    for (b = 0; b < blocks; b++) {
        const int32_t s = 8 * b + 8 <= N ? 8 * b : N - 8;
        for (g = 0; g < ELSTM_GATES; g++) {
            dst = pack_chunks(m->wx[g], m->n_input, s, dst);
            dst = pack_chunks(m->wh[g], N, s, dst);
        }
    }
}
