/*
 * lstm_s8_ref.c - the reference integer LSTM with int8 activations: the specification.
 *
 * TFLite's integer UNIDIRECTIONAL_SEQUENCE_LSTM (edgelstm/quant.h has the equations,
 * docs/quant.md the scheme), written as plain loops in the order TensorFlow Lite Micro's
 * reference kernel computes it: for each gate the input and the recurrent products with
 * the zero points applied to the activations, each requantized to Q3.12 and saturated,
 * their saturating sum, the table activation; then the cell update and the hidden state.
 * The fast kernels (lstm_s8_opt*.c) are tested bit for bit against this file. It also
 * holds the arena, init and reset code every int8 kernel shares, and the exported
 * fixed-point primitives.
 */
#include <string.h>

#include "edgelstm/quant.h"
#include "qmath.h"

ELSTM_API int32_t elstm_q_mul(int32_t x, elstm_qmult q) { return q_mul(x, q); }
ELSTM_API int32_t elstm_q_mul64(int64_t x, elstm_qmult q) { return q_mul64(x, q); }
ELSTM_API int16_t elstm_q_sigmoid(int16_t x) { return q_sigmoid(x); }
ELSTM_API int16_t elstm_q_tanh(int16_t x, int32_t pow) { return q_tanh(x, pow); }

ELSTM_API size_t elstm_lstm_arena_size_s8(const elstm_lstm_s8 *m)
{
    return ELSTM_LSTM_S8_ARENA_BYTES(m->q.n_units);
}

ELSTM_API elstm_status elstm_lstm_init_s8(elstm_lstm_ctx_s8 *ctx, const elstm_lstm_s8 *m,
                                          void *arena, size_t arena_bytes)
{
    void *h;
    int packed_only = 0;
    if (!ctx || !m || !arena) return ELSTM_ERR_ARG;
#if defined(ELSTM_S8_KERNEL_DSP) || defined(ELSTM_S8_KERNEL_XTENSA)
    packed_only = m->packed != NULL;   /* a Cortex-M or ESP32 library may hold only its layout */
#endif
    if (!qparams_ok(&m->q, -128, 127, 30, packed_only)) return ELSTM_ERR_ARG;
    if (arena_bytes < elstm_lstm_arena_size_s8(m)) return ELSTM_ERR_NOMEM;
    if (!q_carve(arena, arena_bytes, (size_t)m->q.n_units, 5 * (size_t)m->q.n_units, 1, &ctx->scratch,
                 &ctx->c, &h))
        return ELSTM_ERR_NOMEM;
    ctx->h = (int8_t *)h;
    ctx->model = m;
    elstm_lstm_reset_s8(ctx);
    return ELSTM_OK;
}

ELSTM_API void elstm_lstm_reset_s8(elstm_lstm_ctx_s8 *ctx)
{
    const size_t n = (size_t)ctx->model->q.n_units;
    memset(ctx->h, (int8_t)ctx->model->q.zp_h, n);
    memset(ctx->c, 0, n * sizeof(int16_t));
    ctx->steps = 0;
}

ELSTM_API void elstm_lstm_step_s8_ref(elstm_lstm_ctx_s8 *ctx, const int8_t *x)
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input;
    int16_t *gate = ctx->scratch;   /* [4][N] gate values, Q0.15 */
    int32_t g, n, j, k;

    /* every gate from the previous step's h */
    for (g = 0; g < ELSTM_GATES; g++) {
        const int8_t *wx = q->wx[g], *wh = q->wh[g];
        for (n = 0; n < N; n++) {
            int32_t ax = 0, ah = 0;
            for (j = 0; j < I; j++) ax += (int32_t)wx[(size_t)n * I + j] * ((int32_t)x[j] - q->zp_in);
            if (m->b[g]) ax += m->b[g][n];
            for (k = 0; k < N; k++) ah += (int32_t)wh[(size_t)n * N + k] * ((int32_t)ctx->h[k] - q->zp_h);
            gate[(size_t)g * N + n] = q_gate(q_mul(ax, q->mx[g]), q_mul(ah, q->mh[g]), g == ELSTM_GATE_C);
        }
    }
    /* cell and hidden state */
    for (n = 0; n < N; n++) {
        const int16_t c = q_cell(q, gate[ELSTM_GATE_I * N + n], gate[ELSTM_GATE_F * N + n],
                                 gate[ELSTM_GATE_C * N + n], ctx->c[n]);
        ctx->c[n] = c;
        ctx->h[n] = (int8_t)q_hidden(q, gate[ELSTM_GATE_O * N + n], c, -128, 127);
    }
    ctx->steps++;
}
