/*
 * lstm_s8_pack.h - the packed weight layout of the fast x86 int8 LSTM kernels (host
 * only: runtime/host/ never ships to devices). runtime/lstm_s8_opt.h describes the layout.
 */
#ifndef EDGELSTM_LSTM_S8_PACK_H
#define EDGELSTM_LSTM_S8_PACK_H

#include "../lstm_s8_opt.h"

/* Bytes elstm_lstm_pack_s8 writes for m, or 0 when this build's kernel reads no packed
 * layout (plain C, Cortex-M). */
size_t elstm_lstm_packed_bytes_s8(const elstm_lstm_s8 *m);

/* Write the packed layout of m into dst [elstm_lstm_packed_bytes_s8(m)], 32-byte aligned. */
void elstm_lstm_pack_s8(const elstm_lstm_s8 *m, void *dst);

/* The Cortex-M DSP kernel's layout (runtime/lstm_s8_dsp.c describes it), written at
 * deploy time into the generated library: 32-bit words (little-endian), two gate rows per
 * word, and per unit and part two words of Winograd's weight terms. Independent of the
 * host's build. */
size_t elstm_lstm_packed_words_s8_dsp(const elstm_lstm_s8 *m);
void elstm_lstm_pack_s8_dsp(const elstm_lstm_s8 *m, uint32_t *dst);

/* The ESP32 / ESP32-S3 kernel's layout (runtime/lstm_s8_xtensa.c describes it), written at
 * deploy time: the weights widened to int16, two per little-endian word. 0 words when that
 * kernel cannot run the model exactly (a bias too large for its 32-bit requantization,
 * |b| + 32640 max(I4, N4) >= 2^30, or a multiplier shifting left or right by more than 30):
 * it then runs the reference step on the row-major weights. */
size_t elstm_lstm_packed_words_s8_xtensa(const elstm_lstm_s8 *m);
void elstm_lstm_pack_s8_xtensa(const elstm_lstm_s8 *m, uint32_t *dst);

#endif /* EDGELSTM_LSTM_S8_PACK_H */
