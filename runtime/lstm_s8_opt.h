/*
 * lstm_s8_opt.h - the packed weight layout of the fast x86 int8 LSTM kernels
 * (runtime/lstm_s8_opt.c). Internal to edgelstm: the host writes it when it loads a
 * model (runtime/host/lstm_s8_pack.c) and sets elstm_lstm_s8.packed; without it the
 * kernel runs the plain C loops.
 *
 * The kernels compute B = 16 units at a time (one 512-bit register with AVX-512 VNNI, two
 * 256-bit ones with AVX2), one int32 lane per unit, for all four gates, stepping through the inputs
 * 4 at a time: 4 consecutive activations, offset to unsigned bytes u = x + 128, are
 * broadcast to every lane and multiplied with the 4 signed weights of each unit's row
 * (vpdpbusd with VNNI; vpmaddubsw + vpmaddwd with AVX2). The layout puts those bytes side
 * by side, so a step reads one sequential stream:
 *
 *   header: int32 bx[4][Np], bh[4][Np]     the biases with the zero points folded in:
 *                                          bx = b - (zp_in + 128) sum_j Wx, bh = -(zp_h + 128) sum_k Wh
 *           int32 fix_start[8 Np/B + 1]    (padded to 8 ints) the fix-up rows of block b,
 *                                          matrix p (0 Wx, 1 Wh), gate g are
 *                                          [fix_start[8 b + 4 p + g], fix_start[8 b + 4 p + g + 1])
 *   then, for each block b of B units (Np = B ceil(N/B), units past N are zero):
 *     Wx: [ceil(I/4)][gate 4][unit B][4]   bytes Wx_g[B b + u][4 c + j], 0 past the row
 *     Wh: [ceil(N/4)][gate 4][unit B][4]
 *   then the fix-up rows, [fix_start[8 Np/B]][unit B][4] bytes, then int32 fix_group[...]:
 *   the column group c of each; then uint8 rot[Np/B][ceil(I/4) + ceil(N/4)]: 0 or 8.
 *
 * Fix-up rows (AVX2 only; VNNI has none): vpmaddubsw adds the two products of a byte
 * pair into an int16 with saturation, exact while 255 (w0+ + w1+) and 255 (w0- + w1-) stay
 * in the int16 range, i.e. while the positive and the negative weights of the pair each
 * sum to at most 128 in magnitude. A pair that does not (rare in trained models: a few per
 * thousand) is split: the main stream holds floor(w / 2), a fix-up row of the same column
 * group, gate and block holds w - floor(w / 2) (both in [-64, 64]), and the kernel adds
 * both. Any int8 weight (-128 too) can be packed. Before splitting, a column group may
 * rotate its 4 activations right by one byte (rot = 8 bits: x1 x2 x3 x0, pairing columns
 * 1-2 and 3-0 instead of 0-1 and 2-3; its weight bytes rotated alike), when that leaves
 * fewer rows to fix (on the Aotizhongxin int8 model: 84 fix-up rows a step without, 26
 * with). VNNI ignores rot (all 0).
 */
#ifndef EDGELSTM_LSTM_S8_OPT_H
#define EDGELSTM_LSTM_S8_OPT_H

#include "edgelstm/quant.h"

#define ELSTM_S8_BLOCK 16
#if defined(ELSTM_S8_KERNEL_VNNI)
#define ELSTM_S8_PACK_SPLIT 0   /* vpdpbusd sums in int32: no pair saturates */
#else
#define ELSTM_S8_PACK_SPLIT 1
#endif
#define ELSTM_S8_PACK_SHIFT 128

#define ELSTM_S8_PACK_NP(n_units) (((n_units) + ELSTM_S8_BLOCK - 1) / ELSTM_S8_BLOCK * ELSTM_S8_BLOCK)
#define ELSTM_S8_PACK_GROUPS(n) (((n) + 3) / 4)
/* int32 words of the header: the biases and fix_start, padded to 32 bytes */
#define ELSTM_S8_PACK_HEADER_INTS(np) (8 * (np) + (8 * (np) / ELSTM_S8_BLOCK + 1 + 7) / 8 * 8)

#endif /* EDGELSTM_LSTM_S8_OPT_H */
