/*
 * lstm_opt.h - the unit-range entry point of the optimized float32 LSTM step.
 *
 * Internal to edgelstm (not part of the device API): the host's threaded runner
 * (train/infer.c) splits one step's units across threads with it. Defined by
 * runtime/lstm_opt.c for the AVX2 and plain C kernels (not for ELSTM_KERNEL_CORTEXM).
 */
#ifndef EDGELSTM_LSTM_OPT_H
#define EDGELSTM_LSTM_OPT_H

#include "edgelstm/lstm.h"

/* Units [u_begin, u_end) of one time step of model m:
 *     z_g = b_g + Wx_g x + Wh_g h_prev (rows u_begin..u_end-1 of each gate g),
 *     c[u] = f c[u] + i g (clipped),  h_next[u] = o tanh(c[u]).
 * Reads x [I], h_prev [N] and c[u]; writes c[u] and h_next[u] for those units only, so
 * disjoint ranges may run concurrently. h_next must not alias h_prev. `backwards` != 0
 * visits the units from the end (same results; alternating it from step to step keeps
 * the weights used last in L1 for the next step). */
ELSTM_API void elstm_lstm_units_f32_opt(const elstm_lstm_f32 *m, const float *x, const float *h_prev,
                                        float *c, float *h_next, int32_t u_begin, int32_t u_end,
                                        int backwards);

/* ---- packed weights (host only: runtime/lstm_pack.c, not part of device libraries) ----
 *
 * The AVX2 kernel reads 8 consecutive rows of a gate matrix at once, 8 columns at a time:
 * with the row-major TFLite layout that is 8 streams through memory. elstm_lstm_pack_f32
 * writes the same weights in the order the kernel reads them, one sequential stream per
 * step (the seed model streams 276 KB from L2 every step: one stream reads ~1.5 times
 * faster). Results are bit for bit those of the row-major arrays (same products, same
 * order of the sums, zero padding). Layout, for N >= 8 units:
 *
 *   block b = 0 .. ceil(N/8)-1 holds units s_b .. s_b+7, s_b = min(8 b, N - 8)
 *   P[b][g][k][r][j]   gate g = i, f, c, o; chunk k of 8 columns: first ceil(I/8)
 *                      chunks of Wx_g, then ceil(N/8) chunks of Wh_g; row r = unit s_b + r;
 *                      column 8 k + j of that matrix, 0 past its last column
 *
 * Set m->packed to the array to use it (the model must outlive it; the row-major arrays
 * are still read by every other kernel and the tails). */
#define ELSTM_PACK_CHUNKS(m) (((m)->n_input + 7) / 8 + ((m)->n_units + 7) / 8)

/* Floats elstm_lstm_pack_f32 writes for m, or 0 when this build's kernel reads the
 * row-major arrays only (plain C, Cortex-M) or N < 8. */
size_t elstm_lstm_packed_floats_f32(const elstm_lstm_f32 *m);

/* Write the packed layout of m into dst [elstm_lstm_packed_floats_f32(m)]. */
void elstm_lstm_pack_f32(const elstm_lstm_f32 *m, float *dst);

#endif /* EDGELSTM_LSTM_OPT_H */
