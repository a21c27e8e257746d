/*
 * lstm_s8_opt.c - the fast int8 LSTM step (edgelstm/quant.h), chosen at build time.
 * Until a vector kernel exists for a target, it is the reference.
 */
#include "edgelstm/quant.h"

ELSTM_API void elstm_lstm_step_s8(elstm_lstm_ctx_s8 *ctx, const int8_t *x)
{
    elstm_lstm_step_s8_ref(ctx, x);
}
