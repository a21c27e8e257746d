/*
 * lstm_s8_opt.h - the packed weight layout of the fast x86 int8 LSTM kernels
 * (runtime/lstm_s8_opt.c). Internal to edgelstm: the host writes it when it loads a
 * model (runtime/host/lstm_s8_pack.c) and sets elstm_lstm_s8.packed; without it the
 * kernel runs the plain C loops.
 *
 * The kernels compute B units at a time (B = 16 with AVX-512 VNNI on 512-bit registers,
 * 8 with AVX2), one int32 lane per unit, for all four gates, stepping through the inputs
 * 4 at a time: 4 consecutive activations are broadcast to every lane and multiplied with
 * the 4 weights of each unit's row (vpdpbusd with VNNI; vpsignb + vpmaddubsw + vpmaddwd
 * with AVX2). The layout puts those bytes side by side, so a step reads one sequential
 * stream:
 *
 *   header: int32 bx[4][Np], bh[4][Np]     the biases with the zero points folded in:
 *                                          bx = b - (zp_in + S) sum_j Wx, bh = -(zp_h + S) sum_k Wh
 *   then, for each block b of B units (Np = B ceil(N/B), units past N are zero):
 *     Wx: [ceil(I/4)][gate 4][unit B][4]   bytes Wx_g[B b + u][4 c + j], 0 past the row
 *     Wh: [ceil(N/4)][gate 4][unit B][4]
 *
 * S is the activations' offset the kernel feeds the multiplier: 128 for VNNI, which
 * multiplies unsigned bytes (x + 128 in [0, 255]) with the signed weights; 0 for AVX2,
 * whose vpsignb/vpmaddubsw pair multiplies |x| by the weight with x's sign, exactly, as
 * long as no weight is -128 (TFLite's int8 weights lie in [-127, 127]; a model with a
 * -128 weight is not packed and runs the plain C loops).
 */
#ifndef EDGELSTM_LSTM_S8_OPT_H
#define EDGELSTM_LSTM_S8_OPT_H

#include "edgelstm/quant.h"

#if defined(ELSTM_S8_KERNEL_VNNI)
#define ELSTM_S8_PACK_SHIFT 128
#define ELSTM_S8_BLOCK 16
#else
#define ELSTM_S8_PACK_SHIFT 0
#define ELSTM_S8_BLOCK 8
#endif

#define ELSTM_S8_PACK_NP(n_units) (((n_units) + ELSTM_S8_BLOCK - 1) / ELSTM_S8_BLOCK * ELSTM_S8_BLOCK)
#define ELSTM_S8_PACK_GROUPS(n) (((n) + 3) / 4)

#endif /* EDGELSTM_LSTM_S8_OPT_H */
