/*
 * edgelstm/infer.h - float32 LSTM inference on host threads (C11, pthreads).
 *
 * Two ways to use several cores with the optimized runtime kernel (edgelstm/lstm.h):
 *
 *   elstm_infer_windows()   throughput: many independent windows (an evaluation split, all
 *       forecasts of a file), split across T threads, each with its own arena. Every
 *       window is computed by the same kernel code whatever T is, so the results are
 *       bit-identical for any thread count (and to elstm_lstm_window_f32()).
 *
 *   elstm_infer_pool_*()    latency: ONE window on T threads. Each time step's units (the
 *       4N gate rows, grouped by unit) are split across the threads, which meet at a
 *       spinning barrier after every step; the result is bit-identical to
 *       elstm_lstm_window_f32(). The worker threads persist between windows (they spin
 *       briefly, then sleep), so repeated windows pay no thread start-up.
 *
 * Neither copies the weights; the model must outlive the call / the pool.
 * Errors: ELSTM_ERR_ARG (bad model, sizes, thread count), ELSTM_ERR_NOMEM, with one
 * sentence in `diag`.
 */
#ifndef EDGELSTM_INFER_H
#define EDGELSTM_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/diag.h"
#include "edgelstm/lstm.h"
#include "edgelstm/quant.h"

#define ELSTM_INFER_MAX_THREADS 256

/*
 * Run n windows of `steps` time steps each.
 *
 *   x, row_stride   the input rows: row r is x[r * row_stride + 0 .. I-1]; row_stride >= I
 *                   (use I for a packed [rows][I] array, more when rows carry other columns)
 *   starts          window k is rows starts[k] .. starts[k] + steps - 1; NULL means window k
 *                   starts at row k * steps (a contiguous [n][steps][row_stride] array)
 *   y               [n][O] dense outputs (NULL: not wanted; must be NULL-or-valid when O = 0)
 *   h_out           [n][N] final hidden state of each window (NULL: not wanted)
 *   threads         1..ELSTM_INFER_MAX_THREADS (more threads than windows are not started)
 *
 * Zero state at the start of every window. n = 0 is a no-op.
 */
elstm_status elstm_infer_windows(const elstm_lstm_f32 *m, const float *x, size_t row_stride,
                                 const size_t *starts, size_t n, int32_t steps, int threads,
                                 float *y, float *h_out, elstm_diag *diag);

/* The same for a quantized forecaster (quant.h): each row is quantized with the net's
 * input quantization, the integer LSTM runs (the build's fast int8 kernel; the reference
 * for 16x8), y [n][O] are the dequantized outputs (required). Results do not depend on
 * the thread count. The net must be valid (elstm_net_init_s8 accepts it). */
elstm_status elstm_infer_windows_s8(const elstm_net_s8 *net, const float *x, size_t row_stride,
                                    const size_t *starts, size_t n, int32_t steps, int threads,
                                    float *y, elstm_diag *diag);
elstm_status elstm_infer_windows_s16(const elstm_net_s16 *net, const float *x, size_t row_stride,
                                     const size_t *starts, size_t n, int32_t steps, int threads,
                                     float *y, elstm_diag *diag);

typedef struct elstm_infer_pool elstm_infer_pool;

/* Start threads-1 worker threads for model m (threads 1..ELSTM_INFER_MAX_THREADS; the
 * caller's thread is the first worker). More threads than unit blocks of 8 are not
 * started. */
elstm_status elstm_infer_pool_create(elstm_infer_pool **pool, const elstm_lstm_f32 *m, int threads,
                                     elstm_diag *diag);

/* Threads actually used (after the cap above). */
int elstm_infer_pool_threads(const elstm_infer_pool *pool);

/* One window x ([steps][I], zero initial state) -> y ([O]; may be NULL) and, when h is not
 * NULL, the final hidden state [N]. Not reentrant: one window at a time per pool. */
void elstm_infer_pool_window(elstm_infer_pool *pool, const float *x, int32_t steps, float *y,
                             float *h);

/* Stop and join the workers, free the pool (NULL is fine). */
void elstm_infer_pool_free(elstm_infer_pool *pool);

#endif /* EDGELSTM_INFER_H */
