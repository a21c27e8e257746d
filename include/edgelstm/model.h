/*
 * edgelstm/model.h - a forecaster model file: LSTM layer(s) (+ last step) + dense, with
 * metadata.
 *
 * This is the high-level contract between the layers that make models (train), use
 * them (eval, predict, bench, deploy) and the TFLite flatbuffer code in io/:
 *
 *   elstm_forecaster_save()  writes a standard float32 .tflite the way the TensorFlow
 *       converter lays out Keras LSTM(units) + Dense(out): UNIDIRECTIONAL_SEQUENCE_LSTM
 *       -> STRIDED_SLICE (last step) -> FULLY_CONNECTED, input [1, steps, I], plus the
 *       edgelstm metadata entry (meta.h) when `meta` is not NULL. Atomic.
 *   elstm_forecaster_load()  reads such a file, ours or TensorFlow-converted (the fused
 *       operator of tf_keras, or the WHILE loops of Keras 3), whose graph is one or more
 *       float32 LSTM layers (each reading the whole sequence of the one before), the last
 *       time step of the last one and a dense layer; anything else is refused with a
 *       message naming what is unsupported (the general graph executor for
 *       `run`/`inspect` is in tflite.h). int8 weights of the converter's dynamic-range
 *       ("hybrid") Keras 3 files are dequantized (w = scale * q) into float32.
 *
 * Host only (C11).
 */
#ifndef EDGELSTM_MODEL_H
#define EDGELSTM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "edgelstm/diag.h"
#include "edgelstm/lstm.h"
#include "edgelstm/meta.h"

#define ELSTM_MAX_LAYERS 8   /* stacked LSTM layers a forecaster may have */

typedef struct elstm_forecaster {
    /* The LSTM layers, input first: layers[k] reads the outputs of layers[k-1] at every
     * step; the last one also holds the dense layer (n_output = the model's outputs),
     * the others have n_output 0. Weight pointers point into `storage`. `lstm` is
     * layers[0]: for the usual one-layer model, the whole model. */
    union {
        elstm_lstm_f32 lstm;
        elstm_lstm_f32 layers[ELSTM_MAX_LAYERS];
    };
    int32_t n_layers;      /* 1 .. ELSTM_MAX_LAYERS */
    int32_t steps;         /* time steps of the input tensor [1, steps, n_input]; of a stateful
                              model (meta.stateful, input [1, 1, n_input]) its window, meta.steps:
                              a window forecast is then the stream's forecast after `steps`
                              samples from a reset state */
    int has_meta;          /* 1 if the file carried edgelstm metadata */
    elstm_meta meta;       /* valid when has_meta */
    void *storage;         /* owned (weights, aligned); freed by elstm_forecaster_free */
} elstm_forecaster;

/* The layer holding the dense layer (layers[n_layers - 1]) and the model's outputs. */
static inline const elstm_lstm_f32 *elstm_forecaster_top(const elstm_forecaster *f)
{
    return &f->layers[f->n_layers > 0 ? f->n_layers - 1 : 0];
}

/* Write `m` (+ `meta`, may be NULL) to `path` atomically as a .tflite file. */
elstm_status elstm_forecaster_save(const char *path, const elstm_lstm_f32 *m, int32_t steps,
                                   const elstm_meta *meta, elstm_diag *diag);

/* The same, into a malloc'd buffer (caller frees *out). */
elstm_status elstm_forecaster_serialize(const elstm_lstm_f32 *m, int32_t steps,
                                        const elstm_meta *meta, uint8_t **out, size_t *out_len,
                                        elstm_diag *diag);

/* Load a forecaster .tflite (see above). On failure `f` is empty (safe to free). */
elstm_status elstm_forecaster_load(const char *path, elstm_forecaster *f, elstm_diag *diag);

/* The same from the file's bytes already in memory (`len` bytes, not kept; `what` names
 * the source in messages, e.g. its path): for a caller that also needs the bytes. */
elstm_status elstm_forecaster_load_buffer(const uint8_t *data, size_t len, const char *what, elstm_forecaster *f,
                                          elstm_diag *diag);

void elstm_forecaster_free(elstm_forecaster *f);

/* "LSTM(128) + Dense(1)", "LSTM(8) -> LSTM(6) + Dense(24)" into buf (n bytes); returns buf. */
const char *elstm_forecaster_text(const elstm_forecaster *f, char *buf, size_t n);

/* One window x [steps][n_input] from a zero state through every layer (the optimized
 * runtime kernel) -> y [outputs]. ELSTM_ERR_NOMEM if the arena cannot be allocated. */
elstm_status elstm_forecaster_window(const elstm_forecaster *f, const float *x, float *y);

#endif /* EDGELSTM_MODEL_H */
