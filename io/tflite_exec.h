/*
 * tflite_exec.h - executor internals shared with the forecaster importer. Internal to io/.
 */
#ifndef EDGELSTM_IO_TFLITE_EXEC_H
#define EDGELSTM_IO_TFLITE_EXEC_H

#include "edgelstm/lstm.h"
#include "edgelstm/quant.h"
#include "edgelstm/tflite.h"

/* Check a float32 UNIDIRECTIONAL_SEQUENCE_LSTM operator (index `k` of the model's graph) and
 * describe it: `lstm` gets its sizes, cell clip and weight pointers into the model
 * (n_output 0: no dense layer); *steps the time steps. Refuses batch > 1, peephole,
 * projection, CIFG, layer norm, non-TANH activations and quantized weights with
 * ELSTM_ERR_UNSUPPORTED naming the feature. */
elstm_status tfl_check_lstm(const elstm_tflite_model *m, int32_t k, elstm_lstm_f32 *lstm,
                            int32_t *steps, elstm_diag *diag);

/* The refusal for a graph with a WHILE loop that is not an LSTM (what it looks like
 * and what would work), or ELSTM_OK when every loop is an LSTM. */
elstm_status tfl_refuse_loops(const elstm_tflite_model *m, elstm_diag *diag);

/* 1 if operators first..last (inclusive; byte-moving ones only: STRIDED_SLICE, SLICE,
 * RESHAPE), applied to a tensor of `total` elements each holding its own index, deliver
 * exactly the indices want_first, want_first + 1, ... (want_n of them): checked by
 * running their plans on the indices, so it holds for any element type. first = last + 1
 * means no operator. 0 for anything else, and for more than TFL_EXEC_CHAIN_MAX elements. */
#define TFL_EXEC_CHAIN_MAX ((size_t)1 << 26)
int tfl_exec_chain_delivers(const elstm_tflite_exec *e, int32_t first, int32_t last, size_t total,
                            size_t want_first, size_t want_n);

/* The runtime parameters the executor planned for operator k (pointers into the model
 * and the executor), or NULL when k is not such an operator (an integer LSTM of that
 * type; an integer FULLY_CONNECTED on one row). */
const elstm_lstm_s8 *tfl_exec_lstm_s8(const elstm_tflite_exec *e, int32_t k);
const elstm_lstm_s16 *tfl_exec_lstm_s16(const elstm_tflite_exec *e, int32_t k);
const elstm_fc_s8 *tfl_exec_fc_s8(const elstm_tflite_exec *e, int32_t k);
const elstm_fc_s16 *tfl_exec_fc_s16(const elstm_tflite_exec *e, int32_t k);

/* n zeroed bytes aligned to 16 that the model owns (freed with it), or NULL. */
void *tfl_pool_alloc(elstm_tflite_model *m, size_t n);

/* Fill m->loops (what each WHILE operator of subgraph 0 computes) and m->graph (the
 * graph to run; see edgelstm/tflite.h). Called by the parser on a checked model.
 * Returns 0, or -1 when memory ran out. */
int tfl_loops_analyze(elstm_tflite_model *m);

/* elstm_forecaster_load() on a parsed model (m->path names it in messages). */
struct elstm_forecaster;
elstm_status tfl_forecaster_from_model(const elstm_tflite_model *m, struct elstm_forecaster *f,
                                       elstm_diag *diag);

#endif /* EDGELSTM_IO_TFLITE_EXEC_H */
