/*
 * tflite_exec.h - executor internals shared with the forecaster importer. Internal to io/.
 */
#ifndef EDGELSTM_IO_TFLITE_EXEC_H
#define EDGELSTM_IO_TFLITE_EXEC_H

#include "edgelstm/lstm.h"
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

/* Run operators first..last (inclusive) of subgraph 0 on the tensors as they are. */
void tfl_exec_run_ops(elstm_tflite_exec *e, int32_t first, int32_t last);

/* The storage of tensor t when it is a float32 tensor computed by the graph, else NULL. */
float *tfl_exec_activation_f32(elstm_tflite_exec *e, int32_t t);

/* elstm_forecaster_load() on a parsed model (m->path names it in messages). */
struct elstm_forecaster;
elstm_status tfl_forecaster_from_model(const elstm_tflite_model *m, struct elstm_forecaster *f,
                                       elstm_diag *diag);

#endif /* EDGELSTM_IO_TFLITE_EXEC_H */
