/*
 * lstm_f32_opt.h - the unit-range entry point of the optimized float32 LSTM step.
 *
 * Internal to edgelstm (not part of the device API): the host's threaded runner
 * (train/infer.c) splits one step's units across threads with it. Defined by
 * runtime/lstm_f32_opt.c for the AVX2 and plain C kernels (not for ELSTM_KERNEL_CORTEXM or ELSTM_KERNEL_XTENSA).
 */
#ifndef EDGELSTM_LSTM_F32_OPT_H
#define EDGELSTM_LSTM_F32_OPT_H

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

/* The packed layout the AVX2 kernel reads when m->packed is set (written on the host by
 * runtime/host/lstm_f32_pack.c, whose header describes it): chunks of 8 columns per row
 * block, ceil(I/8) of Wx_g then ceil(N/8) of Wh_g. */
#define ELSTM_PACK_CHUNKS(m) (((m)->n_input + 7) / 8 + ((m)->n_units + 7) / 8)

#endif /* EDGELSTM_LSTM_F32_OPT_H */
