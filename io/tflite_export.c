/*
 * tflite_export.c - write a forecaster as a float32 .tflite, laid out the way the
 * TensorFlow converter lays out Keras LSTM(units) + Dense(out) with a fixed batch of 1:
 *
 *   input [1,T,I] -> UNIDIRECTIONAL_SEQUENCE_LSTM (24 inputs, -1 for the unused ones;
 *   options TANH, cell_clip, batch-major; variable states [1,N]) -> sequence [1,T,N]
 *   -> STRIDED_SLICE (begin {0,-1,0}, end {0,0,0}, strides {1,1,1}, masks 5/5, shrink 2)
 *   -> last step [1,N] -> FULLY_CONNECTED (weights [O,N], bias [O]) -> output [1,O]
 *
 * plus Model.version 3, an empty buffer 0, a SignatureDef "serving_default", a
 * description, and the edgelstm metadata entry (meta.h) when metadata is given.
 * The layout is described as data (tensors, buffers, operators) and written by one
 * generic writer. Same input, same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/fileio.h"
#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "flatbuf.h"
#include "tflite_export.h"
#include "tflite_schema.h"

#ifndef ELSTM_VERSION
#define ELSTM_VERSION "unknown"
#endif

enum { MAX_TENSORS = 24, MAX_BUFFERS = 26, MAX_OPS = 3, MAX_OP_INPUTS = 24 };

typedef struct tensor_spec {
    const char *name;
    int32_t type, rank, shape[3];
    uint32_t buffer;
    int is_variable;
} tensor_spec;

typedef struct buffer_spec {
    const void *data;
    size_t bytes;
} buffer_spec;

typedef struct op_spec {
    int32_t opcode_index;
    int32_t n_in, in[MAX_OP_INPUTS], out;
    int32_t options;               /* TFL_OPT_* */
} op_spec;

typedef struct layout {
    int32_t n_tensors, n_buffers, n_ops;
    tensor_spec t[MAX_TENSORS];
    buffer_spec b[MAX_BUFFERS];
    op_spec op[MAX_OPS];
    float cell_clip;
    int32_t input, output;
    char description[160];
    uint32_t meta_buffer;          /* 0 = no metadata */
} layout;

/* The operator codes we write, with the versions the converter gives float32 ops. */
static const struct { int32_t code, version; } opcodes[MAX_OPS] = {
    {ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, 1},
    {ELSTM_TFL_OP_STRIDED_SLICE, 1},
    {ELSTM_TFL_OP_FULLY_CONNECTED, 1},
};

static const int32_t slice_begin[3] = {0, -1, 0}, slice_end[3] = {0, 0, 0},
                     slice_strides[3] = {1, 1, 1};

/* Add a tensor; constant data gets its own buffer, activations an empty one, and
 * variables (the LSTM states) the empty buffer 0, as the converter does. */
static int32_t add_tensor(layout *L, const char *name, int32_t type, int32_t rank, int32_t d0,
                          int32_t d1, int32_t d2, const void *data, size_t bytes, int is_variable)
{
    tensor_spec *t = &L->t[L->n_tensors];
    t->name = name;
    t->type = type;
    t->rank = rank;
    t->shape[0] = d0;
    t->shape[1] = d1;
    t->shape[2] = d2;
    t->is_variable = is_variable;
    if (is_variable) {
        t->buffer = 0;
    } else {
        t->buffer = (uint32_t)L->n_buffers;
        L->b[L->n_buffers].data = data;
        L->b[L->n_buffers].bytes = data ? bytes : 0;
        L->n_buffers++;
    }
    return L->n_tensors++;
}

static void describe(layout *L, const elstm_lstm_f32 *m, int32_t T, const float *zeros_n,
                     const float *zeros_o)
{
    static const char *const wx_names[4] = {
        "lstm/input_to_input_weights", "lstm/input_to_forget_weights",
        "lstm/input_to_cell_weights", "lstm/input_to_output_weights"};
    static const char *const wh_names[4] = {
        "lstm/recurrent_to_input_weights", "lstm/recurrent_to_forget_weights",
        "lstm/recurrent_to_cell_weights", "lstm/recurrent_to_output_weights"};
    static const char *const b_names[4] = {"lstm/input_gate_bias", "lstm/forget_gate_bias",
                                           "lstm/cell_gate_bias", "lstm/output_gate_bias"};
    const int32_t I = m->n_input, N = m->n_units, O = m->n_output;
    const size_t F = sizeof(float);
    int32_t wx[4], wh[4], b[4];
    memset(L, 0, sizeof *L);
    L->n_buffers = 1;   /* buffer 0: the empty sentinel */
    L->cell_clip = m->cell_clip;

    L->input = add_tensor(L, "input", ELSTM_TFL_FLOAT32, 3, 1, T, I, NULL, 0, 0);
    for (int g = 0; g < 4; g++)
        wx[g] = add_tensor(L, wx_names[g], ELSTM_TFL_FLOAT32, 2, N, I, 0, m->wx[g],
                           (size_t)N * (size_t)I * F, 0);
    for (int g = 0; g < 4; g++)
        wh[g] = add_tensor(L, wh_names[g], ELSTM_TFL_FLOAT32, 2, N, N, 0, m->wh[g],
                           (size_t)N * (size_t)N * F, 0);
    for (int g = 0; g < 4; g++)
        b[g] = add_tensor(L, b_names[g], ELSTM_TFL_FLOAT32, 1, N, 0, 0,
                          m->b[g] ? m->b[g] : zeros_n, (size_t)N * F, 0);
    int32_t h = add_tensor(L, "lstm/output_state", ELSTM_TFL_FLOAT32, 2, 1, N, 0, NULL, 0, 1);
    int32_t c = add_tensor(L, "lstm/cell_state", ELSTM_TFL_FLOAT32, 2, 1, N, 0, NULL, 0, 1);
    int32_t seq = add_tensor(L, "lstm/sequence", ELSTM_TFL_FLOAT32, 3, 1, T, N, NULL, 0, 0);
    int32_t sb = add_tensor(L, "last_step/begin", ELSTM_TFL_INT32, 1, 3, 0, 0, slice_begin, 12, 0);
    int32_t se = add_tensor(L, "last_step/end", ELSTM_TFL_INT32, 1, 3, 0, 0, slice_end, 12, 0);
    int32_t ss = add_tensor(L, "last_step/strides", ELSTM_TFL_INT32, 1, 3, 0, 0, slice_strides, 12, 0);
    int32_t last = add_tensor(L, "last_step", ELSTM_TFL_FLOAT32, 2, 1, N, 0, NULL, 0, 0);
    int32_t wd = add_tensor(L, "dense/weights", ELSTM_TFL_FLOAT32, 2, O, N, 0, m->wd,
                            (size_t)O * (size_t)N * F, 0);
    int32_t bd = add_tensor(L, "dense/bias", ELSTM_TFL_FLOAT32, 1, O, 0, 0, m->bd ? m->bd : zeros_o,
                            (size_t)O * F, 0);
    L->output = add_tensor(L, "output", ELSTM_TFL_FLOAT32, 2, 1, O, 0, NULL, 0, 0);

    /* UNIDIRECTIONAL_SEQUENCE_LSTM: inputs in the order of the operator's 24 slots. */
    op_spec *lstm = &L->op[0];
    const int32_t lstm_in[24] = {L->input, wx[0], wx[1], wx[2], wx[3], wh[0], wh[1], wh[2], wh[3],
                                 -1, -1, -1, b[0], b[1], b[2], b[3], -1, -1, h, c, -1, -1, -1, -1};
    lstm->opcode_index = 0;
    lstm->n_in = 24;
    memcpy(lstm->in, lstm_in, sizeof lstm_in);
    lstm->out = seq;
    lstm->options = TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM;

    op_spec *slice = &L->op[1];
    slice->opcode_index = 1;
    slice->n_in = 4;
    slice->in[0] = seq;
    slice->in[1] = sb;
    slice->in[2] = se;
    slice->in[3] = ss;
    slice->out = last;
    slice->options = TFL_OPT_STRIDED_SLICE;

    op_spec *fc = &L->op[2];
    fc->opcode_index = 2;
    fc->n_in = 3;
    fc->in[0] = last;
    fc->in[1] = wd;
    fc->in[2] = bd;
    fc->out = L->output;
    fc->options = TFL_OPT_FULLY_CONNECTED;
    L->n_ops = 3;

    snprintf(L->description, sizeof L->description,
             "edgelstm %s: LSTM(%d) + Dense(%d) forecaster, input [1,%d,%d]", ELSTM_VERSION,
             (int)N, (int)O, (int)T, (int)I);
}

/* ---- the generic writer ---- */

static size_t write_opcode(fbw *w, int32_t code, int32_t version)
{
    fbw_table t;
    fbw_t_init(&t);
    fbw_t_u8(&t, TFL_OPCODE_DEPRECATED_BUILTIN_CODE, (uint8_t)(code < 127 ? code : 127));
    fbw_t_i32(&t, TFL_OPCODE_VERSION, version);
    fbw_t_i32(&t, TFL_OPCODE_BUILTIN_CODE, code);
    return fbw_t_end(w, &t);
}

static size_t write_tensor(fbw *w, const tensor_spec *ts)
{
    fbw_table t;
    fbw_t_init(&t);
    int shape = fbw_t_ref(&t, TFL_TENSOR_SHAPE);
    if (ts->type != ELSTM_TFL_FLOAT32) fbw_t_u8(&t, TFL_TENSOR_TYPE, (uint8_t)ts->type);
    fbw_t_u32(&t, TFL_TENSOR_BUFFER, ts->buffer);
    int name = fbw_t_ref(&t, TFL_TENSOR_NAME);
    if (ts->is_variable) fbw_t_u8(&t, TFL_TENSOR_IS_VARIABLE, 1);
    size_t pos = fbw_t_end(w, &t);
    fbw_link(w, fbw_t_slot(&t, shape), fbw_vec_i32(w, ts->shape, (uint32_t)ts->rank));
    fbw_link(w, fbw_t_slot(&t, name), fbw_string(w, ts->name));
    return pos;
}

static size_t write_options(fbw *w, const layout *L, int32_t type)
{
    fbw_table t;
    fbw_t_init(&t);
    switch (type) {
    case TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM:
        fbw_t_u8(&t, TFL_USLSTM_FUSED_ACTIVATION, TFL_ACT_TANH);
        fbw_t_f32(&t, TFL_USLSTM_CELL_CLIP, L->cell_clip);
        break;
    case TFL_OPT_STRIDED_SLICE:
        fbw_t_i32(&t, TFL_SS_BEGIN_MASK, 5);
        fbw_t_i32(&t, TFL_SS_END_MASK, 5);
        fbw_t_i32(&t, TFL_SS_SHRINK_AXIS_MASK, 2);
        break;
    default:   /* FullyConnectedOptions: every field at its default (activation NONE) */
        break;
    }
    return fbw_t_end(w, &t);
}

static size_t write_operator(fbw *w, const layout *L, const op_spec *op)
{
    fbw_table t;
    fbw_t_init(&t);
    if (op->opcode_index) fbw_t_u32(&t, TFL_OP_OPCODE_INDEX, (uint32_t)op->opcode_index);
    int in = fbw_t_ref(&t, TFL_OP_INPUTS);
    int out = fbw_t_ref(&t, TFL_OP_OUTPUTS);
    fbw_t_u8(&t, TFL_OP_BUILTIN_OPTIONS_TYPE, (uint8_t)op->options);
    int opt = fbw_t_ref(&t, TFL_OP_BUILTIN_OPTIONS);
    size_t pos = fbw_t_end(w, &t);
    fbw_link(w, fbw_t_slot(&t, in), fbw_vec_i32(w, op->in, (uint32_t)op->n_in));
    fbw_link(w, fbw_t_slot(&t, out), fbw_vec_i32(w, &op->out, 1));
    fbw_link(w, fbw_t_slot(&t, opt), write_options(w, L, op->options));
    return pos;
}

static size_t write_subgraph(fbw *w, const layout *L)
{
    fbw_table t;
    fbw_t_init(&t);
    int tensors = fbw_t_ref(&t, TFL_SUBGRAPH_TENSORS);
    int inputs = fbw_t_ref(&t, TFL_SUBGRAPH_INPUTS);
    int outputs = fbw_t_ref(&t, TFL_SUBGRAPH_OUTPUTS);
    int ops = fbw_t_ref(&t, TFL_SUBGRAPH_OPERATORS);
    int name = fbw_t_ref(&t, TFL_SUBGRAPH_NAME);
    size_t pos = fbw_t_end(w, &t);
    size_t slot;
    fbw_link(w, fbw_t_slot(&t, tensors), fbw_vec_refs(w, (uint32_t)L->n_tensors, &slot));
    for (int32_t i = 0; i < L->n_tensors; i++) fbw_link(w, slot + 4 * (size_t)i, write_tensor(w, &L->t[i]));
    fbw_link(w, fbw_t_slot(&t, inputs), fbw_vec_i32(w, &L->input, 1));
    fbw_link(w, fbw_t_slot(&t, outputs), fbw_vec_i32(w, &L->output, 1));
    fbw_link(w, fbw_t_slot(&t, ops), fbw_vec_refs(w, (uint32_t)L->n_ops, &slot));
    for (int32_t i = 0; i < L->n_ops; i++) fbw_link(w, slot + 4 * (size_t)i, write_operator(w, L, &L->op[i]));
    fbw_link(w, fbw_t_slot(&t, name), fbw_string(w, "main"));
    return pos;
}

static size_t write_tensor_map(fbw *w, const char *name, int32_t tensor)
{
    fbw_table t;
    fbw_t_init(&t);
    int n = fbw_t_ref(&t, TFL_TMAP_NAME);
    fbw_t_u32(&t, TFL_TMAP_TENSOR_INDEX, (uint32_t)tensor);
    size_t pos = fbw_t_end(w, &t);
    fbw_link(w, fbw_t_slot(&t, n), fbw_string(w, name));
    return pos;
}

static size_t write_signature(fbw *w, const layout *L)
{
    fbw_table t;
    fbw_t_init(&t);
    int in = fbw_t_ref(&t, TFL_SIG_INPUTS);
    int out = fbw_t_ref(&t, TFL_SIG_OUTPUTS);
    int key = fbw_t_ref(&t, TFL_SIG_KEY);
    size_t pos = fbw_t_end(w, &t);
    size_t slot;
    fbw_link(w, fbw_t_slot(&t, in), fbw_vec_refs(w, 1, &slot));
    fbw_link(w, slot, write_tensor_map(w, "input", L->input));
    fbw_link(w, fbw_t_slot(&t, out), fbw_vec_refs(w, 1, &slot));
    fbw_link(w, slot, write_tensor_map(w, "output", L->output));
    fbw_link(w, fbw_t_slot(&t, key), fbw_string(w, "serving_default"));
    return pos;
}

static size_t write_metadata(fbw *w, uint32_t buffer)
{
    fbw_table t;
    fbw_t_init(&t);
    int name = fbw_t_ref(&t, TFL_METADATA_NAME);
    fbw_t_u32(&t, TFL_METADATA_BUFFER, buffer);
    size_t pos = fbw_t_end(w, &t);
    fbw_link(w, fbw_t_slot(&t, name), fbw_string(w, ELSTM_META_NAME));
    return pos;
}

static size_t write_buffer(fbw *w, const buffer_spec *b)
{
    fbw_table t;
    fbw_t_init(&t);
    int data = b->bytes ? fbw_t_ref(&t, TFL_BUFFER_DATA) : -1;
    size_t pos = fbw_t_end(w, &t);
    if (data >= 0)   /* force_align 16: the first data byte is 16-aligned */
        fbw_link(w, fbw_t_slot(&t, data), fbw_vector(w, b->data, (uint32_t)b->bytes, 1, 16));
    return pos;
}

static void write_model(fbw *w, const layout *L)
{
    size_t header = fbw_bytes(w, NULL, 8);
    if (!w->oom) memcpy(w->buf + header + 4, TFL_FILE_IDENTIFIER, 4);
    fbw_table t;
    fbw_t_init(&t);
    fbw_t_u32(&t, TFL_MODEL_VERSION, TFL_SCHEMA_VERSION);
    int codes = fbw_t_ref(&t, TFL_MODEL_OPERATOR_CODES);
    int sgs = fbw_t_ref(&t, TFL_MODEL_SUBGRAPHS);
    int desc = fbw_t_ref(&t, TFL_MODEL_DESCRIPTION);
    int bufs = fbw_t_ref(&t, TFL_MODEL_BUFFERS);
    int meta = L->meta_buffer ? fbw_t_ref(&t, TFL_MODEL_METADATA) : -1;
    int sigs = fbw_t_ref(&t, TFL_MODEL_SIGNATURE_DEFS);
    size_t root = fbw_t_end(w, &t);
    fbw_link(w, header, root);
    size_t slot;
    fbw_link(w, fbw_t_slot(&t, codes), fbw_vec_refs(w, MAX_OPS, &slot));
    for (int i = 0; i < MAX_OPS; i++)
        fbw_link(w, slot + 4 * (size_t)i, write_opcode(w, opcodes[i].code, opcodes[i].version));
    fbw_link(w, fbw_t_slot(&t, sgs), fbw_vec_refs(w, 1, &slot));
    fbw_link(w, slot, write_subgraph(w, L));
    fbw_link(w, fbw_t_slot(&t, desc), fbw_string(w, L->description));
    if (meta >= 0) {
        fbw_link(w, fbw_t_slot(&t, meta), fbw_vec_refs(w, 1, &slot));
        fbw_link(w, slot, write_metadata(w, L->meta_buffer));
    }
    fbw_link(w, fbw_t_slot(&t, sigs), fbw_vec_refs(w, 1, &slot));
    fbw_link(w, slot, write_signature(w, L));
    /* Buffers last: the bulk of the file, each 16-aligned. */
    fbw_link(w, fbw_t_slot(&t, bufs), fbw_vec_refs(w, (uint32_t)L->n_buffers, &slot));
    for (int32_t i = 0; i < L->n_buffers; i++)
        fbw_link(w, slot + 4 * (size_t)i, write_buffer(w, &L->b[i]));
    fbw_pad(w, 16);
}

/* ---- API ---- */

static int all_finite(const float *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        if (!isfinite(p[i])) return 0;
    return 1;
}

static elstm_status check_model(const elstm_lstm_f32 *m, int32_t steps, const elstm_meta *meta,
                                elstm_diag *diag)
{
    if (!m || m->n_input < 1 || m->n_units < 1 || m->n_output < 1 || steps < 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "cannot export a forecaster with %d inputs, %d units, %d outputs and "
                              "%d steps (each must be at least 1)", m ? (int)m->n_input : 0,
                              m ? (int)m->n_units : 0, m ? (int)m->n_output : 0, (int)steps);
    const double N = m->n_units, I = m->n_input, O = m->n_output;
    if ((4 * N * (I + N + 1) + O * (N + 1)) * 4.0 > 1.9e9 || steps > 100000000)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "a forecaster of %d units over %d inputs does not fit in a 2 GB "
                              "TFLite file", (int)m->n_units, (int)m->n_input);
    if (!(m->cell_clip >= 0.0f) || isinf(m->cell_clip))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "cell_clip must be a finite number >= 0");
    size_t n = (size_t)m->n_units, i = (size_t)m->n_input, o = (size_t)m->n_output;
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (!m->wx[g] || !m->wh[g])
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the LSTM weights of gate %d are missing", g);
        if (!all_finite(m->wx[g], n * i) || !all_finite(m->wh[g], n * n) || !all_finite(m->b[g], n))
            return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                                  "the LSTM weights contain NaN or infinity; refusing to export them");
    }
    if (!m->wd) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the dense weights are missing");
    if (!all_finite(m->wd, o * n) || !all_finite(m->bd, o))
        return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                              "the dense weights contain NaN or infinity; refusing to export them");
    if (meta && (meta->n_inputs != m->n_input || meta->steps != steps))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the metadata describes %d inputs x %d steps but the model takes "
                              "%d x %d", meta->n_inputs, meta->steps, (int)m->n_input, (int)steps);
    return ELSTM_OK;
}

elstm_status elstm_forecaster_serialize(const elstm_lstm_f32 *m, int32_t steps,
                                        const elstm_meta *meta, uint8_t **out, size_t *out_len,
                                        elstm_diag *diag)
{
    *out = NULL;
    *out_len = 0;
    elstm_status st = check_model(m, steps, meta, diag);
    if (st != ELSTM_OK) return st;
    char *json = NULL;
    if (meta && (st = elstm_meta_to_json(meta, &json, diag)) != ELSTM_OK) return st;
    /* a stateful model takes one sample per invoke; its state lives in the LSTM's
     * variable tensors between invokes (metadata "stateful"; `steps` stays its window) */
    st = tfl_serialize_forecaster(m, meta && meta->stateful ? 1 : steps, json, out, out_len, diag);
    free(json);
    return st;
}

elstm_status tfl_serialize_forecaster(const elstm_lstm_f32 *m, int32_t steps, const char *json, uint8_t **out,
                                      size_t *out_len, elstm_diag *diag)
{
    *out = NULL;
    *out_len = 0;
    elstm_status st = check_model(m, steps, NULL, diag);
    if (st != ELSTM_OK) return st;
    size_t zn = (size_t)(m->n_units > m->n_output ? m->n_units : m->n_output);
    float *zeros = calloc(zn, sizeof *zeros);
    layout *L = calloc(1, sizeof *L);
    fbw w;
    fbw_init(&w);
    if (zeros && L) {
        describe(L, m, steps, zeros, zeros);
        if (json) {
            L->meta_buffer = (uint32_t)L->n_buffers;
            L->b[L->n_buffers].data = json;
            L->b[L->n_buffers].bytes = strlen(json);
            L->n_buffers++;
        }
        write_model(&w, L);
    }
    int failed = !zeros || !L || w.oom;
    free(zeros);
    free(L);
    if (failed) {
        fbw_free(&w);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory writing the model");
    }
    *out = w.buf;
    *out_len = w.len;
    return ELSTM_OK;
}

elstm_status elstm_forecaster_save(const char *path, const elstm_lstm_f32 *m, int32_t steps,
                                   const elstm_meta *meta, elstm_diag *diag)
{
    uint8_t *buf;
    size_t len;
    elstm_status st = elstm_forecaster_serialize(m, steps, meta, &buf, &len, diag);
    if (st != ELSTM_OK) {
        if (diag && diag->file[0] == '\0' && diag->status == st) {
            /* name the file the model was meant for */
            char msg[ELSTM_DIAG_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", diag->msg);
            elstm_diag_clear(diag);
            elstm_diag_set(diag, st, path, 0, "%s", msg);
        }
        return st;
    }
    st = elstm_write_file_atomic(path, buf, len, diag);
    free(buf);
    return st;
}
