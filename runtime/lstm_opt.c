/*
 * lstm_opt.c - the fast float32 LSTM step (same signature as lstm_ref.c).
 * PLACEHOLDER until the runtime issue lands: calls the reference kernel.
 */
#include "edgelstm/lstm.h"

ELSTM_API void elstm_lstm_step_f32_opt(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    elstm_lstm_step_f32_ref(ctx, x);
}

ELSTM_API void elstm_lstm_step_f32(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    elstm_lstm_step_f32_opt(ctx, x);
}

ELSTM_API void elstm_lstm_window_f32(elstm_lstm_ctx_f32 *ctx, const float *x, int32_t steps, float *y)
{
    const int32_t I = ctx->model->n_input;
    int32_t t;
    elstm_lstm_reset_f32(ctx);
    for (t = 0; t < steps; t++) elstm_lstm_step_f32(ctx, x + (size_t)t * I);
    if (y && ctx->model->n_output > 0) elstm_dense_f32(ctx, y);
}
