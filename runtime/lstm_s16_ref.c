/*
 * lstm_s16_ref.c - the reference integer LSTM with int16 activations ("16x8": int16
 * input and hidden state, int8 weights, int64 biases, int16 cell): the specification.
 *
 * The same steps as lstm_s8_ref.c (edgelstm/quant.h), with TensorFlow Lite Micro's
 * differences for this type combination: zero points are 0, the products accumulate in
 * the bias type (int64) and are requantized with the int64 multiply (q_mul64).
 */
#include <string.h>

#include "edgelstm/quant.h"
#include "qmath.h"

ELSTM_API size_t elstm_lstm_arena_size_s16(const elstm_lstm_s16 *m)
{
    return ELSTM_LSTM_S16_ARENA_BYTES(m->q.n_units);
}

ELSTM_API elstm_status elstm_lstm_init_s16(elstm_lstm_ctx_s16 *ctx, const elstm_lstm_s16 *m,
                                           void *arena, size_t arena_bytes)
{
    void *h;
    if (!ctx || !m || !arena) return ELSTM_ERR_ARG;
    if (!qparams_ok(&m->q, 0, 0, 7, 0)) return ELSTM_ERR_ARG;   /* the int64 multiply's shift range */
    if (arena_bytes < elstm_lstm_arena_size_s16(m)) return ELSTM_ERR_NOMEM;
    if (!q_carve(arena, arena_bytes, (size_t)m->q.n_units, 4 * (size_t)m->q.n_units, sizeof(int16_t),
                 &ctx->scratch, &ctx->c, &h))
        return ELSTM_ERR_NOMEM;
    ctx->h = (int16_t *)h;
    ctx->model = m;
    elstm_lstm_reset_s16(ctx);
    return ELSTM_OK;
}

ELSTM_API void elstm_lstm_reset_s16(elstm_lstm_ctx_s16 *ctx)
{
    const size_t n = (size_t)ctx->model->q.n_units;
    memset(ctx->h, 0, n * sizeof(int16_t));
    memset(ctx->c, 0, n * sizeof(int16_t));
}

ELSTM_API void elstm_lstm_step_s16_ref(elstm_lstm_ctx_s16 *ctx, const int16_t *x)
{
    const elstm_lstm_s16 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input;
    int16_t *gate = ctx->scratch;
    int32_t g, n, j, k;

    for (g = 0; g < ELSTM_GATES; g++) {
        const int8_t *wx = q->wx[g], *wh = q->wh[g];
        for (n = 0; n < N; n++) {
            int64_t ax = 0, ah = 0;   /* TFLite accumulates in the bias type, int64 */
            for (j = 0; j < I; j++) ax += (int64_t)wx[(size_t)n * I + j] * x[j];
            if (m->b[g]) ax += m->b[g][n];
            for (k = 0; k < N; k++) ah += (int64_t)wh[(size_t)n * N + k] * ctx->h[k];
            gate[(size_t)g * N + n] = q_gate(q_clamp(q_mul64(ax, q->mx[g]), -32768, 32767),
                                             q_clamp(q_mul64(ah, q->mh[g]), -32768, 32767),
                                             g == ELSTM_GATE_C);
        }
    }
    for (n = 0; n < N; n++) {
        const int16_t c = q_cell(q, gate[ELSTM_GATE_I * N + n], gate[ELSTM_GATE_F * N + n],
                                 gate[ELSTM_GATE_C * N + n], ctx->c[n]);
        ctx->c[n] = c;
        ctx->h[n] = (int16_t)q_hidden(q, gate[ELSTM_GATE_O * N + n], c, -32768, 32767);
    }
}
