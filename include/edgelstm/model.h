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
 *   elstm_qforecaster_save() writes a quantized forecaster (`edgelstm quantize`) laid out as
 *       the converter's full-integer files: int8 (or 16x8) LSTM with its five intermediate
 *       tensors, int16 cell state, integer dense layer, with int8/int16 or float32
 *       (QUANTIZE/DEQUANTIZE) input and output; the same metadata entry.
 *   elstm_forecaster_load()  reads such files, ours or TensorFlow-converted (the fused
 *       operator of tf_keras, or the WHILE loops of Keras 3), whose graph is one or more
 *       float32 LSTM layers (each reading the whole sequence of the one before), the last
 *       time step of the last one and a dense layer, or a single full-integer LSTM layer
 *       (int8 or 16x8, optionally between QUANTIZE and DEQUANTIZE) with its last step and
 *       dense layer; anything else is refused with a message naming what is unsupported
 *       (the general graph executor for `run`/`inspect` is in tflite.h). int8 weights of
 *       the converter's dynamic-range ("hybrid") Keras 3 files are dequantized
 *       (w = scale * q) into float32.
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
#include "edgelstm/quant.h"

/* What a forecaster computes in. */
enum {
    ELSTM_FORECASTER_F32 = 0,    /* float32 */
    ELSTM_FORECASTER_S8 = 8,     /* int8 activations and weights (full integer) */
    ELSTM_FORECASTER_S16 = 16    /* int16 activations, int8 weights (16x8) */
};

#define ELSTM_MAX_LAYERS 8   /* stacked LSTM layers a forecaster may have */

typedef struct elstm_forecaster {
    /* The LSTM layers, input first: layers[k] reads the outputs of layers[k-1] at every
     * step; the last one also holds the dense layer (n_output = the model's outputs),
     * the others have n_output 0. Weight pointers point into `storage`. `lstm` is
     * layers[0]: for the usual one-layer model, the whole model. Integer models have one
     * layer holding only the sizes and cell_clip (no weights): their model is net8/net16. */
    union {
        elstm_lstm_f32 lstm;
        elstm_lstm_f32 layers[ELSTM_MAX_LAYERS];
    };
    int32_t n_layers;      /* 1 .. ELSTM_MAX_LAYERS (1 for integer models) */
    int32_t dtype;         /* ELSTM_FORECASTER_* */
    int float_io;          /* integer models: the file's input and output are float32 */
    elstm_net_s8 net8;     /* ELSTM_FORECASTER_S8: the runtime model (arrays in `storage`) */
    elstm_net_s16 net16;   /* ELSTM_FORECASTER_S16 */
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

/* A quantized forecaster as a file stores it: integer arrays and their float scales
 * (zero points as noted). Biases are int32 (act_bits 8) or int64 (act_bits 16) with
 * scale s_in * s_w (computed in float); a NULL bias is written as zeros (LSTM) or left
 * out (dense). */
typedef struct elstm_qspec {
    int32_t act_bits;          /* 8 or 16 */
    int float_io;              /* 1: float32 input and output through QUANTIZE / DEQUANTIZE */
    int32_t n_input, n_units, n_output, steps;
    float cell_clip;           /* >= 0, written in the LSTM options */
    float s_in, s_h, s_c, s_out;          /* input, hidden state (= LSTM output), cell, output */
    int32_t zp_in, zp_h, zp_out;          /* 0 for act_bits 16; the cell's is 0 */
    float s_wx[ELSTM_GATES], s_wh[ELSTM_GATES];
    const int8_t *wx[ELSTM_GATES];        /* [N][I] */
    const int8_t *wh[ELSTM_GATES];        /* [N][N] */
    const void *b[ELSTM_GATES];           /* [N] */
    int32_t n_s_wd;                       /* 1 (per tensor) or n_output (per channel) */
    const float *s_wd;
    const int8_t *wd;                     /* [O][N] */
    const void *bd;                       /* [O] or NULL */
} elstm_qspec;

/* Write a quantized forecaster (+ `meta`, may be NULL) atomically / into a buffer. */
elstm_status elstm_qforecaster_save(const char *path, const elstm_qspec *q, const elstm_meta *meta,
                                    elstm_diag *diag);
elstm_status elstm_qforecaster_serialize(const elstm_qspec *q, const elstm_meta *meta, uint8_t **out,
                                         size_t *out_len, elstm_diag *diag);

/* Load a forecaster .tflite (see above). On failure `f` is empty (safe to free). */
elstm_status elstm_forecaster_load(const char *path, elstm_forecaster *f, elstm_diag *diag);

/* The same from the file's bytes already in memory (`len` bytes, not kept; `what` names
 * the source in messages, e.g. its path): for a caller that also needs the bytes. */
elstm_status elstm_forecaster_load_buffer(const uint8_t *data, size_t len, const char *what, elstm_forecaster *f,
                                          elstm_diag *diag);

void elstm_forecaster_free(elstm_forecaster *f);

/* "LSTM(128) + Dense(1)", "LSTM(8) -> LSTM(6) + Dense(24)", "int8 LSTM(128) + Dense(1)"
 * into buf (n bytes); returns buf. */
const char *elstm_forecaster_text(const elstm_forecaster *f, char *buf, size_t n);

/* One window x [steps][n_input] from a zero state through every layer (the optimized
 * runtime kernel; an integer model: its elstm_net_* kernels, the rows quantized as the
 * file's input says) -> y [outputs]. ELSTM_ERR_NOMEM if the arena cannot be allocated. */
elstm_status elstm_forecaster_window(const elstm_forecaster *f, const float *x, float *y);

#endif /* EDGELSTM_MODEL_H */
