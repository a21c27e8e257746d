/*
 * lstm_stack.c - stacked float32 LSTM layers (see lstm_stack.h): Keras
 * LSTM(return_sequences=True) -> LSTM -> ... -> Dense.
 *
 * Layer by layer within each time step: layer k's new hidden state is layer k+1's input
 * at the same step, so no sequence is stored (each layer keeps only its own h and c);
 * the result is the same as running each layer over the whole sequence of the one below.
 * Every layer runs the one-layer kernel (elstm_lstm_step_f32, or the reference). C99, no
 * malloc, no stdio; stack: a few scalars.
 */
#include "lstm_stack.h"

static size_t stack_align(size_t n)
{
    return (n + (ELSTM_ARENA_ALIGN - 1)) & ~(size_t)(ELSTM_ARENA_ALIGN - 1);
}

ELSTM_API size_t elstm_lstm_stack_arena_size_f32(const elstm_lstm_f32 *layers, int32_t n_layers)
{
    size_t n = 0;
    int32_t k;
    for (k = 0; k < n_layers; k++) n += stack_align(elstm_lstm_arena_size_f32(&layers[k]));
    return n + ELSTM_ARENA_ALIGN;
}

ELSTM_API elstm_status elstm_lstm_stack_check_f32(const elstm_lstm_f32 *layers, int32_t n_layers)
{
    int32_t k;
    if (!layers || n_layers < 1) return ELSTM_ERR_ARG;
    for (k = 0; k < n_layers; k++)
        if ((k > 0 && layers[k].n_input != layers[k - 1].n_units) || (k < n_layers - 1 && layers[k].n_output != 0))
            return ELSTM_ERR_ARG;
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_lstm_stack_init_f32(elstm_lstm_ctx_f32 *ctx, const elstm_lstm_f32 *layers,
                                                 int32_t n_layers, void *arena, size_t arena_bytes)
{
    uintptr_t p, end;
    int32_t k;
    if (!ctx || !arena || elstm_lstm_stack_check_f32(layers, n_layers) != ELSTM_OK) return ELSTM_ERR_ARG;
    if (arena_bytes < elstm_lstm_stack_arena_size_f32(layers, n_layers)) return ELSTM_ERR_NOMEM;
    p = (uintptr_t)arena;
    p = (p + (ELSTM_ARENA_ALIGN - 1)) & ~(uintptr_t)(ELSTM_ARENA_ALIGN - 1);
    end = (uintptr_t)arena + arena_bytes;
    for (k = 0; k < n_layers; k++) {
        size_t bytes = stack_align(elstm_lstm_arena_size_f32(&layers[k]));
        elstm_status st;
        if (p + bytes > end) return ELSTM_ERR_NOMEM;
        st = elstm_lstm_init_f32(&ctx[k], &layers[k], (void *)p, bytes);
        if (st != ELSTM_OK) return st;
        p += bytes;
    }
    return ELSTM_OK;
}

ELSTM_API void elstm_lstm_stack_reset_f32(elstm_lstm_ctx_f32 *ctx, int32_t n_layers)
{
    int32_t k;
    for (k = 0; k < n_layers; k++) elstm_lstm_reset_f32(&ctx[k]);
}

ELSTM_API void elstm_lstm_stack_step_f32(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x)
{
    int32_t k;
    elstm_lstm_step_f32(&ctx[0], x);
    for (k = 1; k < n_layers; k++) elstm_lstm_step_f32(&ctx[k], ctx[k - 1].h);
}

ELSTM_API void elstm_lstm_stack_step_f32_ref(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x)
{
    int32_t k;
    elstm_lstm_step_f32_ref(&ctx[0], x);
    for (k = 1; k < n_layers; k++) elstm_lstm_step_f32_ref(&ctx[k], ctx[k - 1].h);
}

/* The window through `step` (fast or reference), then the top layer's dense layer. */
static void stack_window(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x, int32_t steps, float *y,
                         void (*step)(elstm_lstm_ctx_f32 *, int32_t, const float *))
{
    const int32_t I = ctx[0].model->n_input;
    int32_t t;
    elstm_lstm_stack_reset_f32(ctx, n_layers);
    for (t = 0; t < steps; t++) step(ctx, n_layers, x + (size_t)t * I);
    if (y && ctx[n_layers - 1].model->n_output > 0) elstm_dense_f32(&ctx[n_layers - 1], y);
}

ELSTM_API void elstm_lstm_stack_window_f32(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x,
                                           int32_t steps, float *y)
{
    stack_window(ctx, n_layers, x, steps, y, elstm_lstm_stack_step_f32);
}

ELSTM_API void elstm_lstm_stack_window_f32_ref(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x,
                                               int32_t steps, float *y)
{
    stack_window(ctx, n_layers, x, steps, y, elstm_lstm_stack_step_f32_ref);
}
