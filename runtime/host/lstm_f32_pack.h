/*
 * lstm_f32_pack.h - the packed weight layout of the AVX2 float32 kernel (host only:
 * runtime/host/ is compiled into libedgelstm and never copied into device libraries).
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
 * are still read by every other kernel and the tails).
 */
#ifndef EDGELSTM_LSTM_F32_PACK_H
#define EDGELSTM_LSTM_F32_PACK_H

#include "../lstm_f32_opt.h"

/* Floats elstm_lstm_pack_f32 writes for m, or 0 when this build's kernel reads the
 * row-major arrays only (plain C, Cortex-M) or N < 8. */
size_t elstm_lstm_packed_floats_f32(const elstm_lstm_f32 *m);

/* Write the packed layout of m into dst [elstm_lstm_packed_floats_f32(m)]. */
void elstm_lstm_pack_f32(const elstm_lstm_f32 *m, float *dst);

#endif /* EDGELSTM_LSTM_F32_PACK_H */
