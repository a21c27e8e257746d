/*
 * lstm_stack.h - stacked float32 LSTM layers: Keras LSTM(return_sequences=True) -> LSTM
 * -> ... -> Dense, on the one-layer kernels of edgelstm/lstm.h.
 *
 * Part of the device runtime for models with more than one LSTM layer or more than one
 * output (runtime/multi/: shipped in the libraries of such models only, so that a
 * one-layer, one-output library is unchanged). C99, no malloc, no stdio.
 */
#ifndef EDGELSTM_LSTM_STACK_H
#define EDGELSTM_LSTM_STACK_H

#include "edgelstm/lstm.h"

/* A stack is an array of n_layers models: layer k reads layer k-1's hidden state at
 * every step (layers[k].n_input == layers[k-1].n_units, Keras return_sequences=True
 * between them); the last layer holds the dense layer, the others have n_output 0.
 * `ctx` is an array of n_layers contexts, ctx[k] initialized with layers[k]. */

/* ELSTM_OK when the layers fit together: layer k reads layer k-1's units and only the
 * last has a dense layer; ELSTM_ERR_ARG otherwise. */
ELSTM_API elstm_status elstm_lstm_stack_check_f32(const elstm_lstm_f32 *layers, int32_t n_layers);

/* Arena bytes of all the layers' contexts (each carved with elstm_lstm_init_f32). */
ELSTM_API size_t elstm_lstm_stack_arena_size_f32(const elstm_lstm_f32 *layers, int32_t n_layers);

/* Check the layers fit together and initialize ctx[0..n_layers-1] in one arena. */
ELSTM_API elstm_status elstm_lstm_stack_init_f32(elstm_lstm_ctx_f32 *ctx, const elstm_lstm_f32 *layers,
                                                 int32_t n_layers, void *arena, size_t arena_bytes);

ELSTM_API void elstm_lstm_stack_reset_f32(elstm_lstm_ctx_f32 *ctx, int32_t n_layers);

/* One time step through every layer: x is [layers[0].n_input]. */
ELSTM_API void elstm_lstm_stack_step_f32(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x);
ELSTM_API void elstm_lstm_stack_step_f32_ref(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x);

/* Whole window from a zero state, then the last layer's dense layer into y [O]. */
ELSTM_API void elstm_lstm_stack_window_f32(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x,
                                           int32_t steps, float *y);
ELSTM_API void elstm_lstm_stack_window_f32_ref(elstm_lstm_ctx_f32 *ctx, int32_t n_layers, const float *x,
                                               int32_t steps, float *y);

#endif /* EDGELSTM_LSTM_STACK_H */
