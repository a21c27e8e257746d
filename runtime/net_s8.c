/*
 * net_s8.c - the quantized forecasters (edgelstm/quant.h): quantize each normalized input
 * row, step the integer LSTM, apply the dense layer to the last hidden state and
 * dequantize its output. This is the whole graph edgelstm's int8 files hold
 * (QUANTIZE -> UNIDIRECTIONAL_SEQUENCE_LSTM -> last step -> FULLY_CONNECTED -> DEQUANTIZE),
 * and what `eval` on the host and deployed int8 libraries run.
 */
#include "edgelstm/quant.h"

static uintptr_t net_align(uintptr_t p)
{
    return (p + (ELSTM_ARENA_ALIGN - 1)) & ~(uintptr_t)(ELSTM_ARENA_ALIGN - 1);
}

/* After the LSTM's arena at `arena`: one quantized row and the quantized outputs. */
static int net_carve(void *arena, size_t arena_bytes, size_t lstm_bytes, size_t row_bytes,
                     size_t y_bytes, void **row, void **y)
{
    uintptr_t p = net_align((uintptr_t)arena + lstm_bytes), end = (uintptr_t)arena + arena_bytes;
    *row = (void *)p;
    p = net_align(p + row_bytes);
    *y = (void *)p;
    return p + y_bytes <= end;
}

/* The dense layer must read the LSTM's hidden state. */
static int dense_ok(int32_t n_units, int32_t n_in, int32_t n_out, const void *w, const elstm_qmult *mult)
{
    return n_in == n_units && n_out >= 1 && w && mult;
}

ELSTM_API size_t elstm_net_arena_size_s8(const elstm_net_s8 *n)
{
    return ELSTM_NET_S8_ARENA_BYTES(n->lstm.q.n_input, n->lstm.q.n_units, n->dense.n_out);
}

ELSTM_API elstm_status elstm_net_init_s8(elstm_net_ctx_s8 *ctx, const elstm_net_s8 *n, void *arena,
                                         size_t arena_bytes)
{
    size_t lstm_bytes;
    void *row, *y;
    elstm_status st;
    if (!ctx || !n || !arena) return ELSTM_ERR_ARG;
    lstm_bytes = elstm_lstm_arena_size_s8(&n->lstm);
    if (!dense_ok(n->lstm.q.n_units, n->dense.n_in, n->dense.n_out, n->dense.w, n->dense.mult) ||
        n->dense.zp_in != n->lstm.q.zp_h || !(n->in_scale > 0.0f) || !(n->out_scale > 0.0f))
        return ELSTM_ERR_ARG;
    if (arena_bytes < elstm_net_arena_size_s8(n)) return ELSTM_ERR_NOMEM;
    st = elstm_lstm_init_s8(&ctx->lstm, &n->lstm, arena, lstm_bytes);
    if (st != ELSTM_OK) return st;
    if (!net_carve(arena, arena_bytes, lstm_bytes, (size_t)n->lstm.q.n_input, (size_t)n->dense.n_out, &row, &y))
        return ELSTM_ERR_NOMEM;
    ctx->row = (int8_t *)row;
    ctx->y = (int8_t *)y;
    ctx->net = n;
    return ELSTM_OK;
}

ELSTM_API void elstm_net_quantize_s8(const elstm_net_s8 *n, const float *row, int8_t *xq)
{
    elstm_quantize_s8(row, (size_t)n->lstm.q.n_input, n->in_scale, n->lstm.q.zp_in, xq);
}

ELSTM_API void elstm_net_reset_s8(elstm_net_ctx_s8 *ctx) { elstm_lstm_reset_s8(&ctx->lstm); }
ELSTM_API void elstm_net_step_s8(elstm_net_ctx_s8 *ctx, const int8_t *xq) { elstm_lstm_step_s8(&ctx->lstm, xq); }
ELSTM_API void elstm_net_step_s8_ref(elstm_net_ctx_s8 *ctx, const int8_t *xq) { elstm_lstm_step_s8_ref(&ctx->lstm, xq); }

ELSTM_API void elstm_net_output_s8(elstm_net_ctx_s8 *ctx, float *y)
{
    const elstm_net_s8 *n = ctx->net;
    elstm_fc_s8_ref(&n->dense, ctx->lstm.h, ctx->y);
    elstm_dequantize_s8(ctx->y, (size_t)n->dense.n_out, n->out_scale, n->dense.zp_out, y);
}

static void net_window_s8(elstm_net_ctx_s8 *ctx, const float *x, int32_t steps, float *y, int ref)
{
    const size_t I = (size_t)ctx->net->lstm.q.n_input;
    int32_t t;
    elstm_net_reset_s8(ctx);
    for (t = 0; t < steps; t++) {
        elstm_net_quantize_s8(ctx->net, x + (size_t)t * I, ctx->row);
        if (ref) elstm_net_step_s8_ref(ctx, ctx->row);
        else elstm_net_step_s8(ctx, ctx->row);
    }
    elstm_net_output_s8(ctx, y);
}

ELSTM_API void elstm_net_window_s8(elstm_net_ctx_s8 *ctx, const float *x, int32_t steps, float *y)
{
    net_window_s8(ctx, x, steps, y, 0);
}

ELSTM_API void elstm_net_window_s8_ref(elstm_net_ctx_s8 *ctx, const float *x, int32_t steps, float *y)
{
    net_window_s8(ctx, x, steps, y, 1);
}

/* ---- 16x8 ---- */

ELSTM_API size_t elstm_net_arena_size_s16(const elstm_net_s16 *n)
{
    return ELSTM_NET_S16_ARENA_BYTES(n->lstm.q.n_input, n->lstm.q.n_units, n->dense.n_out);
}

ELSTM_API elstm_status elstm_net_init_s16(elstm_net_ctx_s16 *ctx, const elstm_net_s16 *n, void *arena,
                                          size_t arena_bytes)
{
    size_t lstm_bytes;
    void *row, *y;
    elstm_status st;
    if (!ctx || !n || !arena) return ELSTM_ERR_ARG;
    lstm_bytes = elstm_lstm_arena_size_s16(&n->lstm);
    if (!dense_ok(n->lstm.q.n_units, n->dense.n_in, n->dense.n_out, n->dense.w, n->dense.mult) ||
        !(n->in_scale > 0.0f) || !(n->out_scale > 0.0f))
        return ELSTM_ERR_ARG;
    if (arena_bytes < elstm_net_arena_size_s16(n)) return ELSTM_ERR_NOMEM;
    st = elstm_lstm_init_s16(&ctx->lstm, &n->lstm, arena, lstm_bytes);
    if (st != ELSTM_OK) return st;
    if (!net_carve(arena, arena_bytes, lstm_bytes, (size_t)n->lstm.q.n_input * sizeof(int16_t),
                   (size_t)n->dense.n_out * sizeof(int16_t), &row, &y))
        return ELSTM_ERR_NOMEM;
    ctx->row = (int16_t *)row;
    ctx->y = (int16_t *)y;
    ctx->net = n;
    return ELSTM_OK;
}

ELSTM_API void elstm_net_quantize_s16(const elstm_net_s16 *n, const float *row, int16_t *xq)
{
    elstm_quantize_s16(row, (size_t)n->lstm.q.n_input, n->in_scale, 0, xq);
}

ELSTM_API void elstm_net_reset_s16(elstm_net_ctx_s16 *ctx) { elstm_lstm_reset_s16(&ctx->lstm); }
ELSTM_API void elstm_net_step_s16_ref(elstm_net_ctx_s16 *ctx, const int16_t *xq) { elstm_lstm_step_s16_ref(&ctx->lstm, xq); }

ELSTM_API void elstm_net_output_s16(elstm_net_ctx_s16 *ctx, float *y)
{
    const elstm_net_s16 *n = ctx->net;
    elstm_fc_s16_ref(&n->dense, ctx->lstm.h, ctx->y);
    elstm_dequantize_s16(ctx->y, (size_t)n->dense.n_out, n->out_scale, 0, y);
}

ELSTM_API void elstm_net_window_s16_ref(elstm_net_ctx_s16 *ctx, const float *x, int32_t steps, float *y)
{
    const size_t I = (size_t)ctx->net->lstm.q.n_input;
    int32_t t;
    elstm_net_reset_s16(ctx);
    for (t = 0; t < steps; t++) {
        elstm_net_quantize_s16(ctx->net, x + (size_t)t * I, ctx->row);
        elstm_net_step_s16_ref(ctx, ctx->row);
    }
    elstm_net_output_s16(ctx, y);
}
