/*
 * tflite_export.c - write a forecaster as a .tflite, laid out the way the TensorFlow
 * converter lays out Keras LSTM(units) + Dense(out) with a fixed batch of 1:
 *
 *   input [1,T,I] -> UNIDIRECTIONAL_SEQUENCE_LSTM (24 inputs, -1 for the unused ones;
 *   options TANH, cell_clip, batch-major; variable states [1,N]) -> sequence [1,T,N]
 *   -> STRIDED_SLICE (begin {0,-1,0}, end {0,0,0}, strides {1,1,1}, masks 5/5, shrink 2)
 *   -> last step [1,N] -> FULLY_CONNECTED (weights [O,N], bias [O]) -> output [1,O]
 *
 * plus Model.version 3, an empty buffer 0, a SignatureDef "serving_default", a
 * description, and the edgelstm metadata entry (meta.h) when metadata is given.
 *
 * Quantized forecasters (elstm_qforecaster_save) follow the converter's full-integer
 * files: every tensor carries its scale and zero point; int8 weights (symmetric, per
 * tensor; the dense layer per tensor or per channel), int32 biases (int64 for 16x8),
 * an int16 cell state with a power-of-two scale, the LSTM's five intermediate tensors
 * (four unquantized float32 [0] and the effective hidden scale, which TFLite's kernel
 * reads), and optionally QUANTIZE first and DEQUANTIZE last for float32 I/O; operator
 * versions as the converter writes them for int8 (LSTM 1, STRIDED_SLICE 2, FC 4,
 * QUANTIZE 1, DEQUANTIZE 2).
 *
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

enum { MAX_TENSORS = 40, MAX_BUFFERS = 42, MAX_OPS = 5, MAX_OP_INPUTS = 24, MAX_INTER = 5 };

/* A tensor's quantization: n scales (1 = per tensor, > 1 per channel along axis 0), all
 * with zero point zp; n = 0: none. */
typedef struct quant_spec {
    int32_t n;
    const float *scale;
    int64_t zp;
} quant_spec;

typedef struct tensor_spec {
    const char *name;
    int32_t type, rank, shape[3];
    uint32_t buffer;
    int is_variable;
    quant_spec q;
} tensor_spec;

typedef struct buffer_spec {
    const void *data;
    size_t bytes;
} buffer_spec;

typedef struct op_spec {
    int32_t opcode_index;
    int32_t n_in, in[MAX_OP_INPUTS], out;
    int32_t n_inter, inter[MAX_INTER];
    int32_t options;               /* TFL_OPT_* */
    int32_t bias_type;             /* FullyConnectedOptions.quantized_bias_type, 0 = default */
} op_spec;

typedef struct layout {
    int32_t n_tensors, n_buffers, n_ops, n_codes;
    tensor_spec t[MAX_TENSORS];
    buffer_spec b[MAX_BUFFERS];
    op_spec op[MAX_OPS];
    struct { int32_t code, version; } codes[MAX_OPS];
    float cell_clip;
    int32_t input, output;
    char description[200];
    uint32_t meta_buffer;          /* 0 = no metadata */
} layout;

/* What describe() lays out: a float32 model, or a quantized one (the scales below; the
 * bias scales are derived). Everything points at the caller's arrays. */
typedef struct graph {
    int32_t act, weight, bias;     /* tensor types: float32 x3, or int8/int8/int32, int16/int8/int64 */
    int float_io;
    int32_t I, N, O, T;
    float cell_clip;
    const void *wx[4], *wh[4], *b[4], *wd, *bd;
    quant_spec in, h, c, out, wx_q[4], wh_q[4], wd_q;
    float b_scale[4];              /* s_in s_wx[g] */
    float *bd_scale;               /* [O] s_h s_wd[o] (owned by the caller) */
} graph;

static const int32_t slice_begin[3] = {0, -1, 0}, slice_end[3] = {0, 0, 0},
                     slice_strides[3] = {1, 1, 1};

static int32_t add_code(layout *L, int32_t code, int32_t version)
{
    L->codes[L->n_codes].code = code;
    L->codes[L->n_codes].version = version;
    return L->n_codes++;
}

/* Add a tensor; constant data gets its own buffer, activations an empty one, and
 * variables (the LSTM states) and the LSTM's intermediates the empty buffer 0, as the
 * converter does. */
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
    if (is_variable || (rank == 1 && d0 == 0)) {
        t->buffer = 0;
    } else {
        t->buffer = (uint32_t)L->n_buffers;
        L->b[L->n_buffers].data = data;
        L->b[L->n_buffers].bytes = data ? bytes : 0;
        L->n_buffers++;
    }
    return L->n_tensors++;
}

static int32_t add_qtensor(layout *L, const char *name, int32_t type, int32_t rank, int32_t d0,
                           int32_t d1, int32_t d2, const void *data, int is_variable, quant_spec q)
{
    size_t n = (size_t)d0 * (size_t)(rank > 1 ? d1 : 1) * (size_t)(rank > 2 ? d2 : 1);
    int32_t t = add_tensor(L, name, type, rank, d0, d1, d2, data, n * elstm_tflite_type_size(type),
                           is_variable);
    L->t[t].q = q;
    return t;
}

static void describe(layout *L, const graph *G)
{
    static const char *const wx_names[4] = {
        "lstm/input_to_input_weights", "lstm/input_to_forget_weights",
        "lstm/input_to_cell_weights", "lstm/input_to_output_weights"};
    static const char *const wh_names[4] = {
        "lstm/recurrent_to_input_weights", "lstm/recurrent_to_forget_weights",
        "lstm/recurrent_to_cell_weights", "lstm/recurrent_to_output_weights"};
    static const char *const b_names[4] = {"lstm/input_gate_bias", "lstm/forget_gate_bias",
                                           "lstm/cell_gate_bias", "lstm/output_gate_bias"};
    static const char *const inter_names[4] = {
        "input_to_input_intermediate", "input_to_forget_intermediate",
        "input_to_cell_intermediate", "input_to_output_intermediate"};
    const int32_t I = G->I, N = G->N, O = G->O, T = G->T;
    const int quant = G->act != ELSTM_TFL_FLOAT32;
    const int32_t cell = quant ? ELSTM_TFL_INT16 : ELSTM_TFL_FLOAT32;
    const quant_spec none = {0, NULL, 0};
    int32_t wx[4], wh[4], b[4], inter[MAX_INTER];
    memset(L, 0, sizeof *L);
    L->n_buffers = 1;   /* buffer 0: the empty sentinel */
    L->cell_clip = G->cell_clip;

    /* operator codes, in the order the graph uses them */
    int32_t c_quantize = quant && G->float_io ? add_code(L, ELSTM_TFL_OP_QUANTIZE, 1) : -1;
    int32_t c_lstm = add_code(L, ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, 1);
    int32_t c_slice = add_code(L, ELSTM_TFL_OP_STRIDED_SLICE, quant ? 2 : 1);
    int32_t c_fc = add_code(L, ELSTM_TFL_OP_FULLY_CONNECTED, quant ? 4 : 1);
    int32_t c_dequantize = quant && G->float_io ? add_code(L, ELSTM_TFL_OP_DEQUANTIZE, 2) : -1;

    const int32_t io_type = quant && !G->float_io ? G->act : ELSTM_TFL_FLOAT32;
    L->input = add_qtensor(L, "input", io_type, 3, 1, T, I, NULL, 0, io_type == G->act ? G->in : none);
    int32_t lstm_in = L->input;
    if (c_quantize >= 0) lstm_in = add_qtensor(L, "input/quantized", G->act, 3, 1, T, I, NULL, 0, G->in);
    for (int g = 0; g < 4; g++)
        wx[g] = add_qtensor(L, wx_names[g], G->weight, 2, N, I, 0, G->wx[g], 0, G->wx_q[g]);
    for (int g = 0; g < 4; g++)
        wh[g] = add_qtensor(L, wh_names[g], G->weight, 2, N, N, 0, G->wh[g], 0, G->wh_q[g]);
    for (int g = 0; g < 4; g++) {
        quant_spec bq = {quant, &G->b_scale[g], 0};
        b[g] = add_qtensor(L, b_names[g], G->bias, 1, N, 0, 0, G->b[g], 0, bq);
    }
    int32_t h = add_qtensor(L, "lstm/output_state", G->act, 2, 1, N, 0, NULL, 1, G->h);
    int32_t c = add_qtensor(L, "lstm/cell_state", cell, 2, 1, N, 0, NULL, 1, G->c);
    if (quant) {
        for (int i = 0; i < 4; i++) inter[i] = add_tensor(L, inter_names[i], ELSTM_TFL_FLOAT32, 1, 0, 0, 0, NULL, 0, 0);
        inter[4] = add_qtensor(L, "effective_hidden_scale_intermediate", G->act, 1, 0, 0, 0, NULL, 0, G->h);
    }
    int32_t seq = add_qtensor(L, "lstm/sequence", G->act, 3, 1, T, N, NULL, 0, G->h);
    int32_t sb = add_tensor(L, "last_step/begin", ELSTM_TFL_INT32, 1, 3, 0, 0, slice_begin, 12, 0);
    int32_t se = add_tensor(L, "last_step/end", ELSTM_TFL_INT32, 1, 3, 0, 0, slice_end, 12, 0);
    int32_t ss = add_tensor(L, "last_step/strides", ELSTM_TFL_INT32, 1, 3, 0, 0, slice_strides, 12, 0);
    int32_t last = add_qtensor(L, "last_step", G->act, 2, 1, N, 0, NULL, 0, G->h);
    int32_t wd = add_qtensor(L, "dense/weights", G->weight, 2, O, N, 0, G->wd, 0, G->wd_q);
    quant_spec bdq = {quant ? G->wd_q.n : 0, G->bd_scale, 0};
    int32_t bd = G->bd ? add_qtensor(L, "dense/bias", G->bias, 1, O, 0, 0, G->bd, 0, bdq) : -1;
    int32_t fc_out = add_qtensor(L, c_dequantize >= 0 ? "output/quantized" : "output", G->act, 2, 1, O,
                                 0, NULL, 0, G->out);
    L->output = fc_out;
    if (c_dequantize >= 0) L->output = add_tensor(L, "output", ELSTM_TFL_FLOAT32, 2, 1, O, 0, NULL, 0, 0);

    op_spec *op;
    if (c_quantize >= 0) {
        op = &L->op[L->n_ops++];
        op->opcode_index = c_quantize;
        op->n_in = 1;
        op->in[0] = L->input;
        op->out = lstm_in;
        op->options = TFL_OPT_NONE;   /* the converter writes no options table */
    }
    /* UNIDIRECTIONAL_SEQUENCE_LSTM: inputs in the order of the operator's 24 slots. */
    const int32_t lstm_ins[24] = {lstm_in, wx[0], wx[1], wx[2], wx[3], wh[0], wh[1], wh[2], wh[3],
                                  -1, -1, -1, b[0], b[1], b[2], b[3], -1, -1, h, c, -1, -1, -1, -1};
    op = &L->op[L->n_ops++];
    op->opcode_index = c_lstm;
    op->n_in = 24;
    memcpy(op->in, lstm_ins, sizeof lstm_ins);
    op->out = seq;
    op->options = TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM;
    if (quant) {
        op->n_inter = MAX_INTER;
        memcpy(op->inter, inter, sizeof inter);
    }

    op = &L->op[L->n_ops++];
    op->opcode_index = c_slice;
    op->n_in = 4;
    op->in[0] = seq;
    op->in[1] = sb;
    op->in[2] = se;
    op->in[3] = ss;
    op->out = last;
    op->options = TFL_OPT_STRIDED_SLICE;

    op = &L->op[L->n_ops++];
    op->opcode_index = c_fc;
    op->n_in = 3;
    op->in[0] = last;
    op->in[1] = wd;
    op->in[2] = bd;
    op->out = fc_out;
    op->options = TFL_OPT_FULLY_CONNECTED;
    op->bias_type = G->act == ELSTM_TFL_INT16 ? ELSTM_TFL_INT64 : 0;

    if (c_dequantize >= 0) {
        op = &L->op[L->n_ops++];
        op->opcode_index = c_dequantize;
        op->n_in = 1;
        op->in[0] = fc_out;
        op->out = L->output;
        op->options = TFL_OPT_NONE;
    }

    const char *kind = !quant ? "" : G->act == ELSTM_TFL_INT8 ? ", int8 (full integer" : ", 16x8 (int16 activations";
    snprintf(L->description, sizeof L->description,
             "edgelstm %s: LSTM(%d) + Dense(%d) forecaster, input [1,%d,%d]%s%s", ELSTM_VERSION,
             (int)N, (int)O, (int)T, (int)I, kind,
             !quant ? "" : G->float_io ? ", float32 input and output)" : ")");
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

static size_t write_quantization(fbw *w, const quant_spec *q)
{
    int64_t zp[1] = {q->zp};
    fbw_table t;
    fbw_t_init(&t);
    int scale = fbw_t_ref(&t, TFL_QUANT_SCALE);
    int zero = fbw_t_ref(&t, TFL_QUANT_ZERO_POINT);
    size_t pos = fbw_t_end(w, &t);   /* quantized_dimension 0: the default */
    fbw_link(w, fbw_t_slot(&t, scale), fbw_vector(w, q->scale, (uint32_t)q->n, 4, 4));
    size_t zslot = fbw_t_slot(&t, zero);
    if (q->n == 1) {
        fbw_link(w, zslot, fbw_vector(w, zp, 1, 8, 8));
    } else {   /* n copies of the same zero point */
        int64_t *z = calloc((size_t)q->n, sizeof *z);
        if (!z) {
            w->oom = 1;
            return pos;
        }
        for (int32_t i = 0; i < q->n; i++) z[i] = q->zp;
        fbw_link(w, zslot, fbw_vector(w, z, (uint32_t)q->n, 8, 8));
        free(z);
    }
    return pos;
}

static size_t write_tensor(fbw *w, const tensor_spec *ts)
{
    fbw_table t;
    fbw_t_init(&t);
    int shape = fbw_t_ref(&t, TFL_TENSOR_SHAPE);
    if (ts->type != ELSTM_TFL_FLOAT32) fbw_t_u8(&t, TFL_TENSOR_TYPE, (uint8_t)ts->type);
    fbw_t_u32(&t, TFL_TENSOR_BUFFER, ts->buffer);
    int name = fbw_t_ref(&t, TFL_TENSOR_NAME);
    int quant = ts->q.n > 0 ? fbw_t_ref(&t, TFL_TENSOR_QUANTIZATION) : -1;
    if (ts->is_variable) fbw_t_u8(&t, TFL_TENSOR_IS_VARIABLE, 1);
    size_t pos = fbw_t_end(w, &t);
    fbw_link(w, fbw_t_slot(&t, shape), fbw_vec_i32(w, ts->shape, (uint32_t)ts->rank));
    fbw_link(w, fbw_t_slot(&t, name), fbw_string(w, ts->name));
    if (quant >= 0) fbw_link(w, fbw_t_slot(&t, quant), write_quantization(w, &ts->q));
    return pos;
}

static size_t write_options(fbw *w, const layout *L, const op_spec *op)
{
    fbw_table t;
    fbw_t_init(&t);
    switch (op->options) {
    case TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM:
        fbw_t_u8(&t, TFL_USLSTM_FUSED_ACTIVATION, TFL_ACT_TANH);
        fbw_t_f32(&t, TFL_USLSTM_CELL_CLIP, L->cell_clip);
        break;
    case TFL_OPT_STRIDED_SLICE:
        fbw_t_i32(&t, TFL_SS_BEGIN_MASK, 5);
        fbw_t_i32(&t, TFL_SS_END_MASK, 5);
        fbw_t_i32(&t, TFL_SS_SHRINK_AXIS_MASK, 2);
        break;
    case TFL_OPT_FULLY_CONNECTED:   /* every field at its default (activation NONE) */
        if (op->bias_type) fbw_t_u8(&t, TFL_FC_QUANTIZED_BIAS_TYPE, (uint8_t)op->bias_type);
        break;
    default:   /* QuantizeOptions, DequantizeOptions: no fields */
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
    if (op->options) fbw_t_u8(&t, TFL_OP_BUILTIN_OPTIONS_TYPE, (uint8_t)op->options);
    int opt = op->options ? fbw_t_ref(&t, TFL_OP_BUILTIN_OPTIONS) : -1;
    int inter = op->n_inter ? fbw_t_ref(&t, TFL_OP_INTERMEDIATES) : -1;
    size_t pos = fbw_t_end(w, &t);
    fbw_link(w, fbw_t_slot(&t, in), fbw_vec_i32(w, op->in, (uint32_t)op->n_in));
    fbw_link(w, fbw_t_slot(&t, out), fbw_vec_i32(w, &op->out, 1));
    if (opt >= 0) fbw_link(w, fbw_t_slot(&t, opt), write_options(w, L, op));
    if (inter >= 0) fbw_link(w, fbw_t_slot(&t, inter), fbw_vec_i32(w, op->inter, (uint32_t)op->n_inter));
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
    fbw_link(w, fbw_t_slot(&t, codes), fbw_vec_refs(w, (uint32_t)L->n_codes, &slot));
    for (int32_t i = 0; i < L->n_codes; i++)
        fbw_link(w, slot + 4 * (size_t)i, write_opcode(w, L->codes[i].code, L->codes[i].version));
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

/* Lay out G (+ the metadata entry's JSON text, may be NULL) and write it into *out. */
static elstm_status serialize_json(const graph *G, const char *json, uint8_t **out, size_t *out_len,
                                   elstm_diag *diag)
{
    layout *L = calloc(1, sizeof *L);
    fbw w;
    fbw_init(&w);
    if (L) {
        describe(L, G);
        if (json) {
            L->meta_buffer = (uint32_t)L->n_buffers;
            L->b[L->n_buffers].data = json;
            L->b[L->n_buffers].bytes = strlen(json);
            L->n_buffers++;
        }
        write_model(&w, L);
    }
    int failed = !L || w.oom;
    free(L);
    if (failed) {
        fbw_free(&w);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory writing the model");
    }
    *out = w.buf;
    *out_len = w.len;
    return ELSTM_OK;
}

/* The same with `meta` (may be NULL) as the metadata. */
static elstm_status serialize(const graph *G, const elstm_meta *meta, uint8_t **out, size_t *out_len,
                              elstm_diag *diag)
{
    elstm_status st;
    char *json = NULL;
    if (meta && (st = elstm_meta_to_json(meta, &json, diag)) != ELSTM_OK) return st;
    st = serialize_json(G, json, out, out_len, diag);
    free(json);
    return st;
}

/* The float32 graph of m (biases the model leaves out point at `zeros`, at least
 * max(N, O) floats). */
static graph float_graph(const elstm_lstm_f32 *m, int32_t steps, const float *zeros)
{
    graph G;
    memset(&G, 0, sizeof G);
    G.act = G.weight = G.bias = ELSTM_TFL_FLOAT32;
    G.I = m->n_input;
    G.N = m->n_units;
    G.O = m->n_output;
    G.T = steps;
    G.cell_clip = m->cell_clip;
    for (int g = 0; g < 4; g++) {
        G.wx[g] = m->wx[g];
        G.wh[g] = m->wh[g];
        G.b[g] = m->b[g] ? m->b[g] : zeros;
    }
    G.wd = m->wd;
    G.bd = m->bd ? m->bd : zeros;
    return G;
}

/* elstm_forecaster_serialize with the metadata as JSON text (checked by neither). */
static elstm_status serialize_float(const elstm_lstm_f32 *m, int32_t steps, const elstm_meta *meta,
                                    const char *json, uint8_t **out, size_t *out_len, elstm_diag *diag)
{
    *out = NULL;
    *out_len = 0;
    elstm_status st = check_model(m, steps, meta, diag);
    if (st != ELSTM_OK) return st;
    size_t zn = (size_t)(m->n_units > m->n_output ? m->n_units : m->n_output);
    float *zeros = calloc(zn, sizeof *zeros);
    if (!zeros) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory writing the model");
    /* a stateful model takes one sample per invoke; its state lives in the LSTM's
     * variable tensors between invokes (metadata "stateful"; `steps` stays its window) */
    graph G = float_graph(m, meta && meta->stateful ? 1 : steps, zeros);
    st = json || !meta ? serialize_json(&G, json, out, out_len, diag) : serialize(&G, meta, out, out_len, diag);
    free(zeros);
    return st;
}

elstm_status elstm_forecaster_serialize(const elstm_lstm_f32 *m, int32_t steps,
                                        const elstm_meta *meta, uint8_t **out, size_t *out_len,
                                        elstm_diag *diag)
{
    return serialize_float(m, steps, meta, NULL, out, out_len, diag);
}

elstm_status tfl_serialize_forecaster(const elstm_lstm_f32 *m, int32_t steps, const char *json, uint8_t **out,
                                      size_t *out_len, elstm_diag *diag)
{
    return serialize_float(m, steps, NULL, json, out, out_len, diag);
}

/* Checks of a quantized spec beyond what the types say. */
static elstm_status check_qspec(const elstm_qspec *q, const elstm_meta *meta, elstm_diag *diag)
{
    const int s16 = q->act_bits == 16;
    int ok = q->act_bits == 8 || s16;
    ok = ok && q->n_input >= 1 && q->n_units >= 1 && q->n_output >= 1 && q->steps >= 1 &&
         q->steps <= 100000000 && (4.0 * q->n_units * (q->n_input + q->n_units + 2) + 2.0 * q->n_output * q->n_units) < 1.9e9;
    if (!ok)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "cannot write a quantized forecaster with %d-bit activations, %d inputs, "
                              "%d units, %d outputs and %d steps", (int)q->act_bits, (int)q->n_input,
                              (int)q->n_units, (int)q->n_output, (int)q->steps);
    const float sc[4] = {q->s_in, q->s_h, q->s_c, q->s_out};
    for (int i = 0; i < 4; i++) ok = ok && sc[i] > 0.0f && isfinite(sc[i]);
    for (int g = 0; g < 4; g++)
        ok = ok && q->s_wx[g] > 0.0f && isfinite(q->s_wx[g]) && q->s_wh[g] > 0.0f &&
             isfinite(q->s_wh[g]) && q->wx[g] && q->wh[g];
    ok = ok && q->wd && q->s_wd && (q->n_s_wd == 1 || q->n_s_wd == q->n_output);
    for (int32_t o = 0; ok && o < q->n_s_wd; o++) ok = q->s_wd[o] > 0.0f && isfinite(q->s_wd[o]);
    if (!ok)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the quantized forecaster has a scale that is not a positive finite "
                              "number, or a missing weight array");
    const int32_t lo = s16 ? 0 : -128, hi = s16 ? 0 : 127;
    if (q->zp_in < lo || q->zp_in > hi || q->zp_h < lo || q->zp_h > hi || q->zp_out < lo || q->zp_out > hi)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the zero points (%d, %d, %d) must lie in [%d, %d]", (int)q->zp_in,
                              (int)q->zp_h, (int)q->zp_out, (int)lo, (int)hi);
    if (!(q->cell_clip >= 0.0f) || isinf(q->cell_clip))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "cell_clip must be a finite number >= 0");
    if (meta && (meta->n_inputs != q->n_input || meta->steps != q->steps))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the metadata describes %d inputs x %d steps but the model takes "
                              "%d x %d", meta->n_inputs, meta->steps, (int)q->n_input, (int)q->steps);
    return ELSTM_OK;
}

elstm_status elstm_qforecaster_serialize(const elstm_qspec *q, const elstm_meta *meta, uint8_t **out,
                                         size_t *out_len, elstm_diag *diag)
{
    *out = NULL;
    *out_len = 0;
    elstm_status st = check_qspec(q, meta, diag);
    if (st != ELSTM_OK) return st;
    const int s16 = q->act_bits == 16;
    const size_t N = (size_t)q->n_units, O = (size_t)q->n_output, bsize = s16 ? 8 : 4;
    void *zeros = calloc(N, bsize);
    float *bd_scale = calloc(O, sizeof *bd_scale);
    if (!zeros || !bd_scale) {
        free(zeros);
        free(bd_scale);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory writing the model");
    }
    graph G;
    memset(&G, 0, sizeof G);
    G.act = s16 ? ELSTM_TFL_INT16 : ELSTM_TFL_INT8;
    G.weight = ELSTM_TFL_INT8;
    G.bias = s16 ? ELSTM_TFL_INT64 : ELSTM_TFL_INT32;
    G.float_io = q->float_io;
    G.I = q->n_input;
    G.N = q->n_units;
    G.O = q->n_output;
    G.T = q->steps;
    G.cell_clip = q->cell_clip;
    G.in = (quant_spec){1, &q->s_in, q->zp_in};
    G.h = (quant_spec){1, &q->s_h, q->zp_h};
    G.c = (quant_spec){1, &q->s_c, 0};
    G.out = (quant_spec){1, &q->s_out, q->zp_out};
    for (int g = 0; g < 4; g++) {
        G.wx[g] = q->wx[g];
        G.wh[g] = q->wh[g];
        G.b[g] = q->b[g] ? q->b[g] : zeros;
        G.wx_q[g] = (quant_spec){1, &q->s_wx[g], 0};
        G.wh_q[g] = (quant_spec){1, &q->s_wh[g], 0};
        G.b_scale[g] = q->s_in * q->s_wx[g];
    }
    G.wd = q->wd;
    G.bd = q->bd;
    G.wd_q = (quant_spec){q->n_s_wd, q->s_wd, 0};
    for (size_t o = 0; o < (size_t)q->n_s_wd; o++) bd_scale[o] = q->s_h * q->s_wd[o];
    G.bd_scale = bd_scale;
    st = serialize(&G, meta, out, out_len, diag);
    free(zeros);
    free(bd_scale);
    return st;
}

/* Write what serialize() made to `path` atomically; errors name the file. */
static elstm_status save(const char *path, elstm_status st, uint8_t *buf, size_t len, elstm_diag *diag)
{
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

elstm_status elstm_forecaster_save(const char *path, const elstm_lstm_f32 *m, int32_t steps,
                                   const elstm_meta *meta, elstm_diag *diag)
{
    uint8_t *buf;
    size_t len;
    elstm_status st = elstm_forecaster_serialize(m, steps, meta, &buf, &len, diag);
    return save(path, st, buf, len, diag);
}

elstm_status elstm_qforecaster_save(const char *path, const elstm_qspec *q, const elstm_meta *meta,
                                    elstm_diag *diag)
{
    uint8_t *buf;
    size_t len;
    elstm_status st = elstm_qforecaster_serialize(q, meta, &buf, &len, diag);
    return save(path, st, buf, len, diag);
}
