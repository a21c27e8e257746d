/*
 * tflite_exec.h - executor internals shared with the forecaster importer. Internal to io/.
 */
#ifndef EDGELSTM_IO_TFLITE_EXEC_H
#define EDGELSTM_IO_TFLITE_EXEC_H

#include "edgelstm/lstm.h"
#include "edgelstm/quant.h"
#include "edgelstm/tflite.h"

/* Check a float32 UNIDIRECTIONAL_SEQUENCE_LSTM operator (index `k` of subgraph 0) and
 * describe it: `lstm` gets its sizes, cell clip and weight pointers into the model
 * (n_output 0: no dense layer); *steps the time steps. Refuses batch > 1, peephole,
 * projection, CIFG, layer norm, non-TANH activations and quantized weights with
 * ELSTM_ERR_UNSUPPORTED naming the feature. */
elstm_status tfl_check_lstm(const elstm_tflite_model *m, int32_t k, elstm_lstm_f32 *lstm,
                            int32_t *steps, elstm_diag *diag);

/* The refusal for a graph that contains a WHILE loop, with how to get the fused
 * operator from TensorFlow instead. */
elstm_status tfl_refuse_while(const elstm_tflite_model *m, int32_t k, elstm_diag *diag);

/* 1 if operators first..last (inclusive; byte-moving ones: STRIDED_SLICE, SLICE, RESHAPE)
 * deliver exactly the last time step, in order, of a [T,N] LSTM output they read (checked
 * by running their plans on element indices); first = last + 1 means no operator. */
int tfl_exec_moves_last_step(const elstm_tflite_exec *e, int32_t first, int32_t last, int32_t T,
                              int32_t N);

/* The runtime parameters the executor planned for operator k (pointers into the model
 * and the executor), or NULL when k is not such an operator (an integer LSTM of that
 * type; an integer FULLY_CONNECTED on one row). */
const elstm_lstm_s8 *tfl_exec_lstm_s8(const elstm_tflite_exec *e, int32_t k);
const elstm_lstm_s16 *tfl_exec_lstm_s16(const elstm_tflite_exec *e, int32_t k);
const elstm_fc_s8 *tfl_exec_fc_s8(const elstm_tflite_exec *e, int32_t k);
const elstm_fc_s16 *tfl_exec_fc_s16(const elstm_tflite_exec *e, int32_t k);

/* elstm_forecaster_load() on a parsed model (m->path names it in messages). */
struct elstm_forecaster;
elstm_status tfl_forecaster_from_model(const elstm_tflite_model *m, struct elstm_forecaster *f,
                                       elstm_diag *diag);

#endif /* EDGELSTM_IO_TFLITE_EXEC_H */
