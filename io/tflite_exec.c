/*
 * tflite_exec.c - a small executor for float32 batch-1 LSTM graphs (see edgelstm/tflite.h).
 *
 * Creation checks everything once: each operator is supported, its options table is of
 * its own type, every tensor it reads is a constant, the graph input, a state
 * variable or the output of an earlier operator, and types and shapes agree. Then
 * one block holds every computed tensor and the LSTM arenas; running is a loop over
 * the operators with no checks and no allocation.
 *
 * Kernels follow the TFLite reference semantics: UNIDIRECTIONAL_SEQUENCE_LSTM through
 * the runtime's float kernel (edgelstm/lstm.h), writing the whole output sequence;
 * FULLY_CONNECTED with its fused activation; STRIDED_SLICE and SLICE by index
 * arithmetic; RESHAPE as a copy; SOFTMAX with beta; QUANTIZE/DEQUANTIZE between
 * float32 and int8 (round half away from zero, clamp).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_exec.h"
#include "tflite_hybrid.h"
#include "tflite_int8.h"
#include "tflite_schema.h"

#define MAX_ACTIVATION_BYTES ((size_t)1 << 30)
#define ALIGN 32

typedef struct slice_plan {
    int32_t rank;                              /* of the input */
    int32_t shape[ELSTM_TFL_MAX_RANK];
    int32_t start[ELSTM_TFL_MAX_RANK], stride[ELSTM_TFL_MAX_RANK], count[ELSTM_TFL_MAX_RANK];
} slice_plan;

typedef struct op_plan {
    int32_t kind;                              /* the builtin code */
    int quantized;                             /* computes in int8 */
    elstm_lstm_f32 lstm;                       /* UNIDIRECTIONAL_SEQUENCE_LSTM, float32 */
    elstm_lstm_ctx_f32 ctx;
    int32_t steps;
    tfl_lstm_i8 lstm8;                         /* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 */
    int hybrid;                                /* ... float, with int8 weights (a Keras 3 loop) */
    tfl_lstm_hybrid lstmh;
    tfl_mult *mult;                            /* FULLY_CONNECTED int8: per output unit (owned) */
    int32_t zp_in, zp_out, q_min, q_max;       /* int8: zero points, activation clamp */
    float scale_in, scale_out;                 /* SOFTMAX int8 */
    slice_plan slice;                          /* STRIDED_SLICE, SLICE */
    size_t rows, depth, units;                 /* FULLY_CONNECTED: [rows][depth] x [units][depth]' */
    int32_t act;                               /* FULLY_CONNECTED fused activation */
    float beta;                                /* SOFTMAX */
    float scale;                               /* QUANTIZE (output) / DEQUANTIZE (input) */
    int32_t zero_point;
} op_plan;

struct elstm_tflite_exec {
    const elstm_tflite_model *m;
    const elstm_tflite_subgraph *sg;
    const void **rd;       /* [n_tensors] what an operator reads */
    void **wr;             /* [n_tensors] storage of computed tensors and variables, else NULL */
    op_plan *plans;        /* [n_ops] */
    int32_t input;         /* tensor index of the graph input */
    float **results;       /* [n_outputs] real values of each output after a run */
    void *block;           /* one allocation: tensors, LSTM arenas, results */
};

/* ---- messages ---- */

static elstm_status op_error(const elstm_tflite_model *m, int32_t k, elstm_status st,
                             elstm_diag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static elstm_status op_error(const elstm_tflite_model *m, int32_t k, elstm_status st,
                             elstm_diag *diag, const char *fmt, ...)
{
    char what[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const elstm_tflite_op *op = &m->graph->ops[k];
    if (op->loop >= 0)   /* an LSTM the converter wrote as a WHILE loop */
        return elstm_diag_set(diag, st, m->path, 0, "operator %d (WHILE, an LSTM layer): %s", (int)op->file_op,
                              what);
    return elstm_diag_set(diag, st, m->path, 0, "operator %d (%s): %s", (int)op->file_op,
                          elstm_tflite_op_name(op->builtin), what);
}

#define shape_str elstm_tflite_shape_str

#define SUPPORTED_OPS \
    "UNIDIRECTIONAL_SEQUENCE_LSTM, FULLY_CONNECTED, RESHAPE, STRIDED_SLICE, SLICE, SOFTMAX, " \
    "QUANTIZE, DEQUANTIZE"

elstm_status tfl_refuse_loops(const elstm_tflite_model *m, elstm_diag *diag)
{
    for (int32_t l = 0; l < m->n_loops; l++) {
        const elstm_tflite_loop *L = &m->loops[l];
        if (L->kind == ELSTM_TFL_LOOP_LSTM) continue;
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0, "operator %d (WHILE): %s", (int)L->op,
                              L->why);
    }
    return ELSTM_OK;
}

/* ---- LSTM checks (shared with the forecaster importer) ---- */

static const elstm_tflite_tensor *operand(const elstm_tflite_subgraph *sg,
                                          const elstm_tflite_op *op, int32_t i)
{
    return i < op->n_inputs && op->inputs[i] >= 0 ? &sg->tensors[op->inputs[i]] : NULL;
}

static const char *const lstm_operand_names[24] = {
    "input", "input-to-input weights", "input-to-forget weights", "input-to-cell weights",
    "input-to-output weights", "recurrent-to-input weights", "recurrent-to-forget weights",
    "recurrent-to-cell weights", "recurrent-to-output weights", "cell-to-input peephole weights",
    "cell-to-forget peephole weights", "cell-to-output peephole weights", "input gate bias",
    "forget gate bias", "cell gate bias", "output gate bias", "projection weights",
    "projection bias", "output state", "cell state", "input layer-norm coefficients",
    "forget layer-norm coefficients", "cell layer-norm coefficients",
    "output layer-norm coefficients",
};

/* A constant operand of `type` and shape [d0] (d1 < 0) or [d0,d1]; *out NULL if omitted. */
static elstm_status lstm_const(const elstm_tflite_model *m, int32_t k, int32_t i, int32_t type,
                               int32_t d0, int32_t d1, const void **out, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_tensor *t = operand(sg, &sg->ops[k], i);
    char s[96];
    *out = NULL;
    if (!t) return ELSTM_OK;
    if (t->type != type)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag, "its %s are %s; %s", lstm_operand_names[i],
                        elstm_tflite_type_name(t->type),
                        type == ELSTM_TFL_FLOAT32 ? "edgelstm runs float32 LSTMs here (a quantized LSTM?)"
                                                  : "an int8 LSTM has int8 weights and int32 biases");
    if (!t->data)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its %s (tensor '%s') are not constant; edgelstm needs constant weights",
                        lstm_operand_names[i], t->name);
    int ok = d1 < 0 ? (t->rank == 1 && t->shape[0] == d0)
                    : (t->rank == 2 && t->shape[0] == d0 && t->shape[1] == d1);
    if (!ok) {
        char want[48];
        if (d1 < 0) snprintf(want, sizeof want, "[%d]", (int)d0);
        else snprintf(want, sizeof want, "[%d,%d]", (int)d0, (int)d1);
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its %s have shape %s, expected %s",
                        lstm_operand_names[i], shape_str(t, s, sizeof s), want);
    }
    if (type == ELSTM_TFL_INT8 && (t->n_quant != 1 || t->zero_point[0] != 0 || !(t->scale[0] > 0.0f)))
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its %s need one positive scale and zero point 0 (symmetric per-tensor "
                        "quantization, as the converter writes LSTM weights)", lstm_operand_names[i]);
    *out = t->data;
    return ELSTM_OK;
}

/* The four gates' input and recurrent weights (required) and biases (optional). */
static elstm_status lstm_weights(const elstm_tflite_model *m, int32_t k, int32_t wtype,
                                 int32_t btype, int32_t N, int32_t I, const void *wx[4],
                                 const void *wh[4], const void *b[4], elstm_diag *diag)
{
    elstm_status st = ELSTM_OK;
    for (int g = 0; g < 4 && st == ELSTM_OK; g++) {
        st = lstm_const(m, k, 1 + g, wtype, N, I, &wx[g], diag);
        if (st == ELSTM_OK) st = lstm_const(m, k, 5 + g, wtype, N, N, &wh[g], diag);
        if (st == ELSTM_OK) st = lstm_const(m, k, 12 + g, btype, N, -1, &b[g], diag);
        if (st == ELSTM_OK && (!wx[g] || !wh[g]))
            st = op_error(m, k, ELSTM_ERR_FORMAT, diag, "its %s are missing",
                          lstm_operand_names[wx[g] ? 5 + g : 1 + g]);
    }
    return st;
}

/* What every LSTM edgelstm runs has in common; gives steps T, inputs I and units N. */
static elstm_status lstm_common(const elstm_tflite_model *m, int32_t k, int32_t *T, int32_t *I,
                                int32_t *N, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_op *op = &sg->ops[k];
    const elstm_tflite_options *o = &op->opt;
    char s[96];
    if (op->n_inputs != 24 && op->n_inputs != 20)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                        "has %d inputs; the operator takes 24 (or 20 in old files)",
                        (int)op->n_inputs);
    if (op->n_outputs != 1)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "has %d outputs; the operator has 1",
                        (int)op->n_outputs);
    if (o->type != TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                        "has no UnidirectionalSequenceLSTMOptions (options type %d), so its cell "
                        "activation is undefined", (int)o->type);
    const elstm_tflite_tensor *in = operand(sg, op, 0);
    if (!in) return op_error(m, k, ELSTM_ERR_FORMAT, diag, "has no input tensor");
    if (in->rank != 3)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its input has shape %s; it must be 3-D",
                        shape_str(in, s, sizeof s));
    int32_t batch = o->time_major ? in->shape[1] : in->shape[0];
    *T = o->time_major ? in->shape[0] : in->shape[1];
    *I = in->shape[2];
    if (batch != 1)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its input %s has batch size %d%s; edgelstm runs batch 1 (fix the batch "
                        "size to 1 in the Keras Input layer before converting)",
                        shape_str(in, s, sizeof s), (int)batch, o->time_major ? " (time-major)" : "");
    if (*T < 1 || *I < 1)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its input %s is empty",
                        shape_str(in, s, sizeof s));
    /* Variants edgelstm does not run. */
    static const struct { int32_t from, to; const char *feature; } refused[] = {
        {9, 11, "peephole connections"}, {16, 17, "a projection layer"},
        {20, 23, "layer normalization"},
    };
    for (size_t r = 0; r < sizeof refused / sizeof refused[0]; r++)
        for (int32_t i = refused[r].from; i <= refused[r].to; i++)
            if (operand(sg, op, i))
                return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                                "the LSTM uses %s (%s); edgelstm runs the Keras LSTM without it",
                                refused[r].feature, lstm_operand_names[i]);
    if (!operand(sg, op, 1) || !operand(sg, op, 5))
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "the LSTM couples its input and forget gates (CIFG: no input-gate "
                        "weights); edgelstm runs the Keras LSTM with all four gates");
    if (o->diagonal_recurrent)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "the LSTM has diagonal (1-D) recurrent weights; edgelstm runs full "
                        "recurrent matrices");
    if (o->fused_activation != TFL_ACT_TANH)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its cell activation is %s; edgelstm runs LSTMs with TANH",
                        elstm_tflite_activation_name(o->fused_activation));
    if (!(o->cell_clip >= 0.0f) || isinf(o->cell_clip))
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its cell_clip %g is not a finite number >= 0",
                        (double)o->cell_clip);
    const elstm_tflite_tensor *w = operand(sg, op, 2);
    if (!w || w->rank != 2 || w->shape[0] < 1)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its input-to-forget weights are missing or not 2-D");
    *N = w->shape[0];
    for (int32_t i = 18; i <= 19; i++) {
        const elstm_tflite_tensor *state = operand(sg, op, i);
        if (!state)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its %s tensor is missing",
                            lstm_operand_names[i]);
        if (state->elements != (size_t)*N || state->data)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "its %s tensor '%s' must be a variable of %d elements (it is %s%s)",
                            lstm_operand_names[i], state->name, (int)*N,
                            shape_str(state, s, sizeof s), state->data ? " with constant data" : "");
    }
    const elstm_tflite_tensor *out = &sg->tensors[op->outputs[0]];
    if (out->elements != (size_t)*T * (size_t)*N)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its output '%s' is %s; expected %d x %d elements",
                        out->name, shape_str(out, s, sizeof s), (int)*T, (int)*N);
    return ELSTM_OK;
}

/* The input, states and output of LSTM k are all of `type` (`cell_type` for the cell). */
static elstm_status lstm_types(const elstm_tflite_model *m, int32_t k, int32_t type,
                               int32_t cell_type, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_op *op = &sg->ops[k];
    const elstm_tflite_tensor *t[4] = {operand(sg, op, 0), operand(sg, op, 18), operand(sg, op, 19),
                                       &sg->tensors[op->outputs[0]]};
    static const char *const what[4] = {"input", "output state", "cell state", "output"};
    for (int j = 0; j < 4; j++) {
        int32_t want = j == 2 ? cell_type : type;
        if (t[j]->type != want)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "its %s is %s; edgelstm runs float32 LSTMs and int8 LSTMs with an "
                            "int16 cell state", what[j], elstm_tflite_type_name(t[j]->type));
        if (type == ELSTM_TFL_INT8 && (t[j]->n_quant != 1 || !(t[j]->scale[0] > 0.0f)))
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its %s has no per-tensor quantization",
                            what[j]);
    }
    return ELSTM_OK;
}

elstm_status tfl_check_lstm(const elstm_tflite_model *m, int32_t k, elstm_lstm_f32 *lstm,
                            int32_t *steps, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_op *op = &sg->ops[k];
    int32_t T = 0, I = 0, N = 0;
    memset(lstm, 0, sizeof *lstm);
    elstm_status st = lstm_common(m, k, &T, &I, &N, diag);
    if (st != ELSTM_OK) return st;
    const elstm_tflite_tensor *in = operand(sg, op, 0);
    if (in->type != ELSTM_TFL_FLOAT32)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its input is %s (a quantized LSTM); edgelstm runs float32 LSTMs here",
                        elstm_tflite_type_name(in->type));
    const void *wx[4], *wh[4], *b[4];
    st = lstm_types(m, k, ELSTM_TFL_FLOAT32, ELSTM_TFL_FLOAT32, diag);
    if (st == ELSTM_OK) st = lstm_weights(m, k, ELSTM_TFL_FLOAT32, ELSTM_TFL_FLOAT32, N, I, wx, wh, b, diag);
    if (st != ELSTM_OK) return st;
    for (int g = 0; g < ELSTM_GATES; g++) {
        lstm->wx[g] = wx[g];
        lstm->wh[g] = wh[g];
        lstm->b[g] = b[g];
    }
    lstm->n_input = I;
    lstm->n_units = N;
    lstm->n_output = 0;
    lstm->cell_clip = op->opt.cell_clip;
    *steps = T;
    return ELSTM_OK;
}

/* An int8 LSTM (int8 activations and weights, int16 cell, int32 biases). */
static elstm_status plan_lstm_i8(const elstm_tflite_model *m, int32_t k, tfl_lstm_i8 *p,
                                 elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_op *op = &sg->ops[k];
    int32_t T = 0, I = 0, N = 0;
    elstm_status st = lstm_common(m, k, &T, &I, &N, diag);
    if (st == ELSTM_OK) st = lstm_types(m, k, ELSTM_TFL_INT8, ELSTM_TFL_INT16, diag);
    if (st != ELSTM_OK) return st;
    const void *wx[4], *wh[4], *b[4];
    const int32_t *bias[4];
    float s_wx[4], s_wh[4];
    st = lstm_weights(m, k, ELSTM_TFL_INT8, ELSTM_TFL_INT32, N, I, wx, wh, b, diag);
    if (st != ELSTM_OK) return st;
    for (int g = 0; g < 4; g++) {
        p->wx[g] = wx[g];
        p->wh[g] = wh[g];
        bias[g] = b[g];
        s_wx[g] = operand(sg, op, 1 + g)->scale[0];
        s_wh[g] = operand(sg, op, 5 + g)->scale[0];
    }
    const elstm_tflite_tensor *in = operand(sg, op, 0), *h = operand(sg, op, 18),
                              *c = operand(sg, op, 19), *out = &sg->tensors[op->outputs[0]];
    if (out->scale[0] != h->scale[0] || out->zero_point[0] != h->zero_point[0])
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its output and output state are quantized differently");
    if (in->zero_point[0] < -128 || in->zero_point[0] > 127 || h->zero_point[0] < -128 ||
        h->zero_point[0] > 127 || c->zero_point[0] != 0)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its zero points are out of range");
    p->n_input = I;
    p->n_units = N;
    p->steps = T;
    p->zp_in = (int32_t)in->zero_point[0];
    p->zp_h = (int32_t)h->zero_point[0];
    if (tfl_lstm_i8_prepare(p, bias, in->scale[0], s_wx, s_wh, h->scale[0], c->scale[0],
                            op->opt.cell_clip) != 0)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its cell state scale %g is not a power of two (or memory ran out)",
                        (double)c->scale[0]);
    return ELSTM_OK;
}

/* A Keras 3 LSTM (a WHILE loop) whose products hold int8 weights ("hybrid"). */
static elstm_status plan_lstm_hybrid(const elstm_tflite_model *m, int32_t k, tfl_lstm_hybrid *p,
                                     elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_op *op = &sg->ops[k];
    int32_t T = 0, I = 0, N = 0;
    elstm_status st = lstm_common(m, k, &T, &I, &N, diag);
    if (st == ELSTM_OK) st = lstm_types(m, k, ELSTM_TFL_FLOAT32, ELSTM_TFL_FLOAT32, diag);
    if (st != ELSTM_OK) return st;
    for (int g = 0; g < ELSTM_GATES; g++) {
        for (int side = 0; side < 2; side++) {
            int32_t i = side ? 5 + g : 1 + g, cols = side ? N : I;
            const elstm_tflite_tensor *w = operand(sg, op, i);
            tfl_hybrid_mat *mat = side ? &p->h[g] : &p->x[g];
            if (!w || !w->data || w->rank != 2 || w->shape[0] != N || w->shape[1] != cols)
                return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its %s are missing or misshapen",
                                lstm_operand_names[i]);
            if (w->type == ELSTM_TFL_FLOAT32) {
                mat->wf = w->data;
            } else if (w->type == ELSTM_TFL_INT8 && (w->n_quant == 1 || w->n_quant == N)) {
                mat->wq = w->data;
                mat->scale = w->scale;
                mat->per_row = w->n_quant > 1;
            } else {
                return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag, "its %s are %s", lstm_operand_names[i],
                                elstm_tflite_type_name(w->type));
            }
        }
        const elstm_tflite_tensor *b = operand(sg, op, 12 + g);
        if (b && (!b->data || b->type != ELSTM_TFL_FLOAT32 || b->elements != (size_t)N))
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its %s are not %d float32 constants",
                            lstm_operand_names[12 + g], (int)N);
        p->b[g] = b ? b->data : NULL;
    }
    p->n_input = I;
    p->n_units = N;
    p->steps = T;
    p->asym_x = m->loops[op->loop].asym_x;
    p->asym_h = m->loops[op->loop].asym_h;
    if (tfl_lstm_hybrid_prepare(p) != 0) return op_error(m, k, ELSTM_ERR_NOMEM, diag, "out of memory");
    return ELSTM_OK;
}

/* ---- other operators: checks and plans ---- */

/* The index values of a constant int32/int64 1-D operand of `n` elements. */
static elstm_status const_indices(const elstm_tflite_model *m, int32_t k, int32_t i, int32_t n,
                                  const char *what, int64_t *v, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_tensor *t = operand(sg, &sg->ops[k], i);
    if (!t || !t->data || (t->type != ELSTM_TFL_INT32 && t->type != ELSTM_TFL_INT64) ||
        t->elements != (size_t)n)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its %s must be a constant int32 vector of %d elements", what, (int)n);
    for (int32_t j = 0; j < n; j++) {
        if (t->type == ELSTM_TFL_INT32) v[j] = ((const int32_t *)t->data)[j];
        else v[j] = ((const int64_t *)t->data)[j];
    }
    return ELSTM_OK;
}

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

/* TFLite StridedSlice: start/stop per axis from begin/end/strides and the masks. */
static elstm_status plan_strided_slice(const elstm_tflite_model *m, int32_t k,
                                       const elstm_tflite_tensor *in, slice_plan *p,
                                       elstm_diag *diag)
{
    const elstm_tflite_options *o = &m->graph->ops[k].opt;
    int64_t begin[ELSTM_TFL_MAX_RANK], end[ELSTM_TFL_MAX_RANK], strides[ELSTM_TFL_MAX_RANK];
    int32_t R = in->rank;
    if (m->graph->ops[k].n_inputs != 4)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "needs 4 inputs (input, begin, end, strides)");
    if (o->type != TFL_OPT_STRIDED_SLICE && o->type != TFL_OPT_NONE)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "carries options of type %d", (int)o->type);
    if (o->ellipsis_mask || o->new_axis_mask)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "it uses an %s mask, which edgelstm does not support",
                        o->ellipsis_mask ? "ellipsis" : "new-axis");
    elstm_status st = const_indices(m, k, 1, R, "begin", begin, diag);
    if (st == ELSTM_OK) st = const_indices(m, k, 2, R, "end", end, diag);
    if (st == ELSTM_OK) st = const_indices(m, k, 3, R, "strides", strides, diag);
    if (st != ELSTM_OK) return st;
    p->rank = R;
    for (int32_t d = 0; d < R; d++) {
        int64_t D = in->shape[d], s = strides[d], b = begin[d], e = end[d];
        p->shape[d] = (int32_t)D;
        if (o->offset) e += b;
        if (o->shrink_axis_mask & (1 << d)) {
            if (b < 0) b += D;
            if (b < 0 || b >= D)
                return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                                "begin %lld is outside axis %d of size %lld", (long long)begin[d],
                                (int)d, (long long)D);
            p->start[d] = (int32_t)b;
            p->stride[d] = 1;
            p->count[d] = 1;
            continue;
        }
        if (s == 0) return op_error(m, k, ELSTM_ERR_FORMAT, diag, "stride %d is zero", (int)d);
        if (o->begin_mask & (1 << d)) b = s > 0 ? 0 : D - 1;
        else {
            if (b < 0) b += D;
            b = s > 0 ? clamp64(b, 0, D) : clamp64(b, -1, D - 1);
        }
        if (o->end_mask & (1 << d)) e = s > 0 ? D : -1;
        else {
            if (e < 0) e += D;
            e = s > 0 ? clamp64(e, 0, D) : clamp64(e, -1, D - 1);
        }
        int64_t n = s > 0 ? (e - b + s - 1) / s : (b - e + (-s) - 1) / (-s);
        p->start[d] = (int32_t)b;
        p->stride[d] = (int32_t)s;
        p->count[d] = n > 0 ? (int32_t)n : 0;
    }
    return ELSTM_OK;
}

/* TFLite Slice: begin and size (-1 = to the end) per axis. */
static elstm_status plan_slice(const elstm_tflite_model *m, int32_t k,
                               const elstm_tflite_tensor *in, slice_plan *p, elstm_diag *diag)
{
    int64_t begin[ELSTM_TFL_MAX_RANK], size[ELSTM_TFL_MAX_RANK];
    int32_t R = in->rank;
    if (m->graph->ops[k].n_inputs != 3)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "needs 3 inputs (input, begin, size)");
    elstm_status st = const_indices(m, k, 1, R, "begin", begin, diag);
    if (st == ELSTM_OK) st = const_indices(m, k, 2, R, "size", size, diag);
    if (st != ELSTM_OK) return st;
    p->rank = R;
    for (int32_t d = 0; d < R; d++) {
        int64_t D = in->shape[d], n = size[d] == -1 ? D - begin[d] : size[d];
        if (begin[d] < 0 || n < 0 || begin[d] + n > D)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "begin %lld / size %lld do not fit axis %d of size %lld",
                            (long long)begin[d], (long long)size[d], (int)d, (long long)D);
        p->shape[d] = (int32_t)D;
        p->start[d] = (int32_t)begin[d];
        p->stride[d] = 1;
        p->count[d] = (int32_t)n;
    }
    return ELSTM_OK;
}

static size_t slice_elements(const slice_plan *p)
{
    size_t n = 1;
    for (int32_t d = 0; d < p->rank; d++) n *= (size_t)p->count[d];
    return n;
}

/* Per-tensor quantization of an int8 tensor: scale > 0, zero point in range. */
static elstm_status int8_params(const elstm_tflite_model *m, int32_t k,
                                const elstm_tflite_tensor *t, float *scale, int32_t *zp,
                                elstm_diag *diag)
{
    if (t->type != ELSTM_TFL_INT8)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "tensor '%s' is %s; edgelstm quantizes between float32 and int8 only",
                        t->name, elstm_tflite_type_name(t->type));
    if (t->n_quant != 1 || !(t->scale[0] > 0.0f) || isinf(t->scale[0]) ||
        t->zero_point[0] < -128 || t->zero_point[0] > 127)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                        "int8 tensor '%s' needs one positive scale and a zero point in "
                        "[-128, 127]", t->name);
    *scale = t->scale[0];
    *zp = (int32_t)t->zero_point[0];
    return ELSTM_OK;
}

/* The int8 clamp of a fused activation on an output with this scale and zero point. */
static void act_range_i8(int32_t act, float scale, int32_t zp, int32_t *lo, int32_t *hi)
{
    double q0 = zp, q6 = zp + 6.0 / scale, q1 = zp + 1.0 / scale, qm1 = zp - 1.0 / scale;
    *lo = -128;
    *hi = 127;
    if (act == TFL_ACT_RELU || act == TFL_ACT_RELU6) *lo = (int32_t)q0;
    if (act == TFL_ACT_RELU6 && q6 < 127) *hi = (int32_t)lround(q6);
    if (act == TFL_ACT_RELU_N1_TO_1) {
        if (qm1 > -128) *lo = (int32_t)lround(qm1);
        if (q1 < 127) *hi = (int32_t)lround(q1);
    }
}

/* int8 FULLY_CONNECTED: per-tensor or per-channel (axis 0) weights, zero point 0. */
static elstm_status plan_fc_i8(const elstm_tflite_model *m, int32_t k, const elstm_tflite_tensor *in,
                               const elstm_tflite_tensor *w, const elstm_tflite_tensor *out,
                               op_plan *p, elstm_diag *diag)
{
    float s_in, s_out;
    elstm_status st = int8_params(m, k, in, &s_in, &p->zp_in, diag);
    if (st == ELSTM_OK) st = int8_params(m, k, out, &s_out, &p->zp_out, diag);
    if (st != ELSTM_OK) return st;
    if ((w->n_quant != 1 && (size_t)w->n_quant != p->units) || (w->n_quant > 1 && w->quant_dim != 0))
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its weights need one scale or one per output unit");
    p->mult = calloc(p->units, sizeof *p->mult);
    if (!p->mult) return op_error(m, k, ELSTM_ERR_NOMEM, diag, "out of memory");
    for (size_t u = 0; u < p->units; u++) {
        int32_t q = w->n_quant == 1 ? 0 : (int32_t)u;
        if (w->zero_point[q] != 0 || !(w->scale[q] > 0.0f))
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "its weights need positive scales and zero point 0");
        p->mult[u] = tfl_quantize_multiplier((double)s_in * w->scale[q] / s_out);
    }
    act_range_i8(p->act, s_out, p->zp_out, &p->q_min, &p->q_max);
    return ELSTM_OK;
}

/* Check operator k (other than the LSTM) and fill its plan. */
static elstm_status plan_op(const elstm_tflite_model *m, int32_t k, op_plan *p, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_op *op = &sg->ops[k];
    char s1[96], s2[96];
    if (op->n_inputs < 1 || op->inputs[0] < 0 || op->n_outputs != 1)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag, "needs an input and exactly one output");
    const elstm_tflite_tensor *in = &sg->tensors[op->inputs[0]];
    const elstm_tflite_tensor *out = &sg->tensors[op->outputs[0]];
    elstm_status st;
    p->kind = op->builtin;
    switch (op->builtin) {
    case ELSTM_TFL_OP_FULLY_CONNECTED: {
        const elstm_tflite_tensor *w = operand(sg, op, 1), *b = operand(sg, op, 2);
        if (op->opt.type != TFL_OPT_FULLY_CONNECTED && op->opt.type != TFL_OPT_NONE)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "carries options of type %d",
                            (int)op->opt.type);
        p->quantized = in->type == ELSTM_TFL_INT8;
        int32_t wtype = p->quantized ? ELSTM_TFL_INT8 : ELSTM_TFL_FLOAT32;
        int32_t btype = p->quantized ? ELSTM_TFL_INT32 : ELSTM_TFL_FLOAT32;
        if ((in->type != ELSTM_TFL_FLOAT32 && in->type != ELSTM_TFL_INT8) || out->type != in->type)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it maps %s to %s; edgelstm runs float32 and int8 dense layers",
                            elstm_tflite_type_name(in->type), elstm_tflite_type_name(out->type));
        if (!w || !w->data || w->type != wtype || w->rank != 2)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "its weights must be a constant %s matrix", elstm_tflite_type_name(wtype));
        if (op->opt.weights_format != 0)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag, "its weights are in a shuffled format");
        p->units = (size_t)w->shape[0];
        p->depth = (size_t)w->shape[1];
        if (b && (!b->data || b->type != btype || b->elements != p->units))
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "its bias must be a constant %s vector of %zu elements",
                            elstm_tflite_type_name(btype), p->units);
        if (p->depth == 0 || in->elements % p->depth != 0)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "its input %s does not match weights %s", shape_str(in, s1, sizeof s1),
                            shape_str(w, s2, sizeof s2));
        p->rows = in->elements / p->depth;
        if (out->elements != p->rows * p->units)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "its output %s should hold %zu x %zu values",
                            shape_str(out, s1, sizeof s1), p->rows, p->units);
        p->act = op->opt.fused_activation;
        if (p->act != TFL_ACT_NONE && p->act != TFL_ACT_RELU && p->act != TFL_ACT_RELU_N1_TO_1 &&
            p->act != TFL_ACT_RELU6 && (p->act != TFL_ACT_TANH || p->quantized))
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag, "its fused activation %s is not supported",
                            elstm_tflite_activation_name(p->act));
        return p->quantized ? plan_fc_i8(m, k, in, w, out, p, diag) : ELSTM_OK;
    }
    case ELSTM_TFL_OP_RESHAPE:
        if (in->type != out->type || in->elements != out->elements)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "turns %s %s into %s %s",
                            elstm_tflite_type_name(in->type), shape_str(in, s1, sizeof s1),
                            elstm_tflite_type_name(out->type), shape_str(out, s2, sizeof s2));
        return ELSTM_OK;
    case ELSTM_TFL_OP_STRIDED_SLICE:
    case ELSTM_TFL_OP_SLICE:
        st = op->builtin == ELSTM_TFL_OP_SLICE ? plan_slice(m, k, in, &p->slice, diag)
                                                : plan_strided_slice(m, k, in, &p->slice, diag);
        if (st != ELSTM_OK) return st;
        if (in->type != out->type || slice_elements(&p->slice) != out->elements)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "selects %zu elements of %s %s, but its output is %s %s",
                            slice_elements(&p->slice), elstm_tflite_type_name(in->type),
                            shape_str(in, s1, sizeof s1), elstm_tflite_type_name(out->type),
                            shape_str(out, s2, sizeof s2));
        return ELSTM_OK;
    case ELSTM_TFL_OP_SOFTMAX:
        p->quantized = in->type == ELSTM_TFL_INT8;
        if ((in->type != ELSTM_TFL_FLOAT32 && in->type != ELSTM_TFL_INT8) || out->type != in->type)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it maps %s to %s; edgelstm runs float32 and int8 softmax",
                            elstm_tflite_type_name(in->type), elstm_tflite_type_name(out->type));
        if (p->quantized) {
            st = int8_params(m, k, in, &p->scale_in, &p->zp_in, diag);
            if (st == ELSTM_OK) st = int8_params(m, k, out, &p->scale_out, &p->zp_out, diag);
            if (st != ELSTM_OK) return st;
        }
        if (in->rank < 1 || in->elements != out->elements)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its input %s and output %s differ",
                            shape_str(in, s1, sizeof s1), shape_str(out, s2, sizeof s2));
        p->depth = (size_t)in->shape[in->rank - 1];
        p->rows = p->depth ? in->elements / p->depth : 0;
        p->beta = op->opt.type == TFL_OPT_SOFTMAX ? op->opt.beta : 0.0f;
        if (!isfinite(p->beta))
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its beta is not finite");
        return ELSTM_OK;
    case ELSTM_TFL_OP_QUANTIZE:
    case ELSTM_TFL_OP_DEQUANTIZE: {
        int q = op->builtin == ELSTM_TFL_OP_QUANTIZE;
        const elstm_tflite_tensor *f = q ? in : out, *i8 = q ? out : in;
        if (f->type != ELSTM_TFL_FLOAT32)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it converts %s to %s; edgelstm converts between float32 and int8",
                            elstm_tflite_type_name(in->type), elstm_tflite_type_name(out->type));
        st = int8_params(m, k, i8, &p->scale, &p->zero_point, diag);
        if (st != ELSTM_OK) return st;
        if (in->elements != out->elements)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its input %s and output %s differ",
                            shape_str(in, s1, sizeof s1), shape_str(out, s2, sizeof s2));
        return ELSTM_OK;
    }
    default:
        break;
    }
    if (op->builtin == ELSTM_TFL_OP_REVERSE_V2) {
        /* reversing the sequence for an LSTM: Bidirectional, or go_backwards */
        int32_t back = -1, fwd = -1;
        for (int32_t j = 0; j < sg->n_ops; j++)
            if (sg->ops[j].builtin == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM && sg->ops[j].n_inputs > 0) {
                if (sg->ops[j].inputs[0] == op->outputs[0]) back = j;
                if (sg->ops[j].inputs[0] == op->inputs[0]) fwd = j;
            }
        if (back >= 0 && fwd >= 0)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it reverses the sequence for the LSTM of operator %d while the LSTM of operator %d "
                            "reads it forward: a Bidirectional layer, which edgelstm does not run; use "
                            "keras.layers.LSTM(units) instead of Bidirectional(LSTM(units)), or stack two LSTM "
                            "layers", (int)sg->ops[back].file_op, (int)sg->ops[fwd].file_op);
        if (back >= 0)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it reverses the sequence for the LSTM of operator %d (go_backwards=True), which "
                            "edgelstm does not run; use LSTM layers that read the window forward",
                            (int)sg->ops[back].file_op);
    }
    if (op->builtin == ELSTM_TFL_OP_CUSTOM) {
        const char *cc = m->opcodes[op->opcode_index].custom_code;
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                              "operator %d (the custom operator '%s') is not supported; edgelstm "
                              "runs " SUPPORTED_OPS, (int)op->file_op, cc ? cc : "");
    }
    return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                          "operator %d (%s) is not supported; edgelstm runs " SUPPORTED_OPS, (int)op->file_op,
                          elstm_tflite_op_name(op->builtin));
}

/* ---- kernels ---- */

static void run_slice(const slice_plan *p, const uint8_t *in, uint8_t *out, size_t esize)
{
    size_t istride[ELSTM_TFL_MAX_RANK];
    int32_t idx[ELSTM_TFL_MAX_RANK] = {0};
    size_t total = slice_elements(p);
    if (total == 0) return;
    size_t s = 1;
    for (int32_t d = p->rank - 1; d >= 0; d--) {
        istride[d] = s;
        s *= (size_t)p->shape[d];
    }
    for (size_t o = 0; o < total; o++) {
        size_t off = 0;
        for (int32_t d = 0; d < p->rank; d++)
            off += (size_t)((int64_t)p->start[d] + (int64_t)idx[d] * p->stride[d]) * istride[d];
        memcpy(out + o * esize, in + off * esize, esize);
        for (int32_t d = p->rank - 1; d >= 0; d--) {
            if (++idx[d] < p->count[d]) break;
            idx[d] = 0;
        }
    }
}

static float activate(int32_t act, float x)
{
    switch (act) {
    case TFL_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case TFL_ACT_RELU_N1_TO_1: return x < -1.0f ? -1.0f : x > 1.0f ? 1.0f : x;
    case TFL_ACT_RELU6: return x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;
    case TFL_ACT_TANH: return tanhf(x);
    default: return x;
    }
}

/* y[r][u] = act(b[u] + sum_d w[u][d] x[r][d]) */
static void run_fully_connected(const op_plan *p, const float *x, const float *w, const float *b,
                                float *y)
{
    for (size_t r = 0; r < p->rows; r++)
        for (size_t u = 0; u < p->units; u++) {
            const float *wu = w + u * p->depth, *xr = x + r * p->depth;
            float acc = 0.0f;
            for (size_t d = 0; d < p->depth; d++) acc += wu[d] * xr[d];
            if (b) acc += b[u];
            y[r * p->units + u] = activate(p->act, acc);
        }
}

/* y[r][u] = clamp(zp_out + MBQM(b[u] + sum_d w[u][d] (x[r][d] - zp_in))) */
static void run_fully_connected_i8(const op_plan *p, const int8_t *x, const int8_t *w,
                                   const int32_t *b, int8_t *y)
{
    for (size_t r = 0; r < p->rows; r++)
        for (size_t u = 0; u < p->units; u++) {
            const int8_t *wu = w + u * p->depth, *xr = x + r * p->depth;
            int64_t acc = b ? b[u] : 0;
            for (size_t d = 0; d < p->depth; d++) acc += (int32_t)wu[d] * ((int32_t)xr[d] - p->zp_in);
            int64_t q = (int64_t)p->zp_out + tfl_mbqm(acc, p->mult[u]);
            y[r * p->units + u] = (int8_t)(q < p->q_min ? p->q_min : q > p->q_max ? p->q_max : q);
        }
}

/* int8 softmax through real values: dequantize, softmax, quantize. */
static void run_softmax_i8(const op_plan *p, const int8_t *x, int8_t *y)
{
    for (size_t r = 0; r < p->rows; r++) {
        const int8_t *xr = x + r * p->depth;
        int8_t *yr = y + r * p->depth;
        int32_t mx = xr[0];
        double sum = 0.0;
        for (size_t d = 1; d < p->depth; d++) mx = xr[d] > mx ? xr[d] : mx;
        for (size_t d = 0; d < p->depth; d++)
            sum += exp((double)p->beta * p->scale_in * (xr[d] - mx));
        for (size_t d = 0; d < p->depth; d++) {
            double v = exp((double)p->beta * p->scale_in * (xr[d] - mx)) / sum;
            double q = v / p->scale_out + p->zp_out;   /* >= zp_out: no negative ties */
            yr[d] = (int8_t)(!(q > -128.0) ? -128 : q >= 127.0 ? 127 : lround(q));
        }
    }
}

static void run_softmax(const op_plan *p, const float *x, float *y)
{
    for (size_t r = 0; r < p->rows; r++) {
        const float *xr = x + r * p->depth;
        float *yr = y + r * p->depth, mx = xr[0], sum = 0.0f;
        for (size_t d = 1; d < p->depth; d++) mx = xr[d] > mx ? xr[d] : mx;
        for (size_t d = 0; d < p->depth; d++) sum += yr[d] = expf((xr[d] - mx) * p->beta);
        for (size_t d = 0; d < p->depth; d++) yr[d] /= sum;
    }
}

static int8_t quantize1(float x, float scale, int32_t zp)
{
    float q = roundf(x / scale) + (float)zp;   /* round half away from zero, as TFLite */
    if (!(q >= -128.0f)) q = -128.0f;            /* NaN goes to the low end */
    if (q > 127.0f) q = 127.0f;
    return (int8_t)q;
}

static float dequantize1(int8_t q, float scale, int32_t zp)
{
    return (float)((double)scale * (double)((int32_t)q - zp));
}

static void run_lstm(op_plan *p, const float *x, float *seq)
{
    const size_t I = (size_t)p->lstm.n_input, N = (size_t)p->lstm.n_units;
    elstm_lstm_reset_f32(&p->ctx);
    for (int32_t t = 0; t < p->steps; t++) {
        elstm_lstm_step_f32(&p->ctx, x + (size_t)t * I);
        memcpy(seq + (size_t)t * N, p->ctx.h, N * sizeof(float));
    }
}

static void run_op(elstm_tflite_exec *e, int32_t k)
{
    const elstm_tflite_op *op = &e->sg->ops[k];
    op_plan *p = &e->plans[k];
    const void *in = e->rd[op->inputs[0]];
    void *out = e->wr[op->outputs[0]];
    const elstm_tflite_tensor *tin = &e->sg->tensors[op->inputs[0]];
    size_t n = tin->elements;
    switch (p->kind) {
    case ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM:
        if (p->quantized) tfl_lstm_i8_run(&p->lstm8, in, out);
        else if (p->hybrid) tfl_lstm_hybrid_run(&p->lstmh, in, out);
        else run_lstm(p, in, out);
        break;
    case ELSTM_TFL_OP_FULLY_CONNECTED: {
        const void *bias = op->n_inputs > 2 && op->inputs[2] >= 0 ? e->rd[op->inputs[2]] : NULL;
        if (p->quantized) run_fully_connected_i8(p, in, e->rd[op->inputs[1]], bias, out);
        else run_fully_connected(p, in, e->rd[op->inputs[1]], bias, out);
        break;
    }
    case ELSTM_TFL_OP_RESHAPE:
        memmove(out, in, n * elstm_tflite_type_size(tin->type));
        break;
    case ELSTM_TFL_OP_STRIDED_SLICE:
    case ELSTM_TFL_OP_SLICE:
        run_slice(&p->slice, in, out, elstm_tflite_type_size(tin->type));
        break;
    case ELSTM_TFL_OP_SOFTMAX:
        if (p->quantized) run_softmax_i8(p, in, out);
        else run_softmax(p, in, out);
        break;
    case ELSTM_TFL_OP_QUANTIZE:
        for (size_t i = 0; i < n; i++)
            ((int8_t *)out)[i] = quantize1(((const float *)in)[i], p->scale, p->zero_point);
        break;
    case ELSTM_TFL_OP_DEQUANTIZE:
        for (size_t i = 0; i < n; i++)
            ((float *)out)[i] = dequantize1(((const int8_t *)in)[i], p->scale, p->zero_point);
        break;
    default:
        break;
    }
}

void tfl_exec_run_ops(elstm_tflite_exec *e, int32_t first, int32_t last)
{
    for (int32_t k = first; k <= last && k < e->sg->n_ops; k++) run_op(e, k);
}

float *tfl_exec_activation_f32(elstm_tflite_exec *e, int32_t t)
{
    if (t < 0 || t >= e->sg->n_tensors || e->sg->tensors[t].type != ELSTM_TFL_FLOAT32) return NULL;
    return e->wr[t];
}

/* ---- creation ---- */

enum { T_UNSEEN = 0, T_CONST, T_INPUT, T_VARIABLE, T_COMPUTED };

static size_t align_up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

void elstm_tflite_exec_free(elstm_tflite_exec *e)
{
    if (!e) return;
    for (int32_t k = 0; e->plans && k < e->sg->n_ops; k++) {
        tfl_lstm_i8_release(&e->plans[k].lstm8);
        tfl_lstm_hybrid_release(&e->plans[k].lstmh);
        free(e->plans[k].mult);
    }
    free(e->block);
    free(e->rd);
    free(e->wr);
    free(e->plans);
    free(e->results);
    free(e);
}

/* Check the graph; fill plans and each tensor's role. */
static elstm_status check_graph(elstm_tflite_exec *e, uint8_t *role, elstm_diag *diag)
{
    const elstm_tflite_model *m = e->m;
    const elstm_tflite_subgraph *sg = e->sg;
    elstm_status rs = tfl_refuse_loops(m, diag);
    if (rs != ELSTM_OK) return rs;
    if (sg->n_inputs != 1)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                              "the graph has %d inputs; edgelstm runs graphs with one input tensor",
                              (int)sg->n_inputs);
    if (sg->n_outputs < 1)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, m->path, 0, "the graph has no output");
    e->input = sg->inputs[0];
    const elstm_tflite_tensor *in = &sg->tensors[e->input];
    if (in->type != ELSTM_TFL_FLOAT32 && in->type != ELSTM_TFL_INT8)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                              "the input tensor '%s' is %s; edgelstm runs float32 or int8 inputs",
                              in->name, elstm_tflite_type_name(in->type));
    if (in->type == ELSTM_TFL_INT8 && (in->n_quant != 1 || !(in->scale[0] > 0.0f) ||
                                       isinf(in->scale[0])))
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, m->path, 0,
                              "the int8 input tensor '%s' has no usable scale", in->name);
    for (int32_t t = 0; t < sg->n_tensors; t++) {
        const elstm_tflite_tensor *x = &sg->tensors[t];
        role[t] = x->data ? T_CONST : x->is_variable ? T_VARIABLE : T_UNSEEN;
    }
    if (role[e->input] == T_CONST)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, m->path, 0,
                              "the input tensor '%s' holds constant data", in->name);
    role[e->input] = T_INPUT;
    for (int32_t k = 0; k < sg->n_ops; k++) {
        const elstm_tflite_op *op = &sg->ops[k];
        for (int32_t i = 0; i < op->n_inputs; i++) {
            int32_t t = op->inputs[i];
            if (t >= 0 && role[t] == T_UNSEEN)
                return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                                "reads tensor %d ('%s') before any operator computes it", (int)t,
                                sg->tensors[t].name);
        }
        elstm_status st;
        if (op->builtin == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM) {
            op_plan *p = &e->plans[k];
            const elstm_tflite_tensor *x = op->n_inputs > 0 && op->inputs[0] >= 0 ? &sg->tensors[op->inputs[0]] : NULL;
            p->kind = op->builtin;
            p->quantized = x && x->type == ELSTM_TFL_INT8;
            p->hybrid = !p->quantized && op->loop >= 0 && m->loops[op->loop].hybrid;
            st = p->quantized ? plan_lstm_i8(m, k, &p->lstm8, diag)
                 : p->hybrid  ? plan_lstm_hybrid(m, k, &p->lstmh, diag)
                              : tfl_check_lstm(m, k, &p->lstm, &p->steps, diag);
        } else {
            st = plan_op(m, k, &e->plans[k], diag);
        }
        if (st != ELSTM_OK) return st;
        for (int32_t i = 0; i < op->n_outputs; i++) {
            int32_t t = op->outputs[i];
            if (role[t] != T_UNSEEN && role[t] != T_VARIABLE)
                return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                                "writes tensor %d ('%s'), which is %s", (int)t, sg->tensors[t].name,
                                role[t] == T_CONST ? "a constant" : role[t] == T_INPUT ?
                                "the graph input" : "already computed by an earlier operator");
            if (elstm_tflite_type_size(sg->tensors[t].type) == 0)
                return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag, "its output type %s is not supported",
                                elstm_tflite_type_name(sg->tensors[t].type));
            role[t] = T_COMPUTED;
        }
    }
    for (int32_t i = 0; i < sg->n_outputs; i++) {
        const elstm_tflite_tensor *x = &sg->tensors[sg->outputs[i]];
        if (role[sg->outputs[i]] != T_COMPUTED)
            return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                                  "the graph output '%s' is not computed by any operator", x->name);
        if (x->type != ELSTM_TFL_FLOAT32 && x->type != ELSTM_TFL_INT8)
            return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                                  "the graph output '%s' is %s; edgelstm returns float32 or int8",
                                  x->name, elstm_tflite_type_name(x->type));
        if (x->type == ELSTM_TFL_INT8 && (x->n_quant != 1 || !(x->scale[0] > 0.0f)))
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, m->path, 0,
                                  "the int8 graph output '%s' has no usable scale", x->name);
    }
    return ELSTM_OK;
}

elstm_status elstm_tflite_exec_create(const elstm_tflite_model *m, elstm_tflite_exec **out,
                                      elstm_diag *diag)
{
    *out = NULL;
    if (m->n_subgraphs < 1 || !m->graph) return elstm_diag_set(diag, ELSTM_ERR_FORMAT, m->path, 0, "no subgraph");
    const elstm_tflite_subgraph *sg = m->graph;
    elstm_tflite_exec *e = calloc(1, sizeof *e);
    uint8_t *role = calloc((size_t)sg->n_tensors + 1, 1);
    if (e) {
        e->m = m;
        e->sg = sg;
        e->rd = calloc((size_t)sg->n_tensors + 1, sizeof *e->rd);
        e->wr = calloc((size_t)sg->n_tensors + 1, sizeof *e->wr);
        e->plans = calloc((size_t)sg->n_ops + 1, sizeof *e->plans);
        e->results = calloc((size_t)sg->n_outputs + 1, sizeof *e->results);
    }
    if (!e || !role || !e->rd || !e->wr || !e->plans || !e->results) {
        free(role);
        elstm_tflite_exec_free(e);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, m->path, 0, "out of memory");
    }
    elstm_status st = check_graph(e, role, diag);
    if (st != ELSTM_OK) {
        free(role);
        elstm_tflite_exec_free(e);
        return st;
    }
    /* One block: computed tensors, variables, the input, LSTM arenas, real-valued outputs. */
    size_t total = 0;
    for (int32_t t = 0; t < sg->n_tensors && total <= MAX_ACTIVATION_BYTES; t++)
        if (role[t] != T_CONST && role[t] != T_UNSEEN)
            total += align_up(sg->tensors[t].elements * elstm_tflite_type_size(sg->tensors[t].type));
    for (int32_t k = 0; k < sg->n_ops; k++)
        if (e->plans[k].kind == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM && !e->plans[k].quantized &&
            !e->plans[k].hybrid)
            total += align_up(elstm_lstm_arena_size_f32(&e->plans[k].lstm));
    for (int32_t i = 0; i < sg->n_outputs; i++)
        total += align_up(sg->tensors[sg->outputs[i]].elements * sizeof(float));
    if (total > MAX_ACTIVATION_BYTES) {
        free(role);
        elstm_tflite_exec_free(e);
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                              "running this graph needs more than %zu MB of tensor memory",
                              MAX_ACTIVATION_BYTES >> 20);
    }
    /* calloc: a large block comes as zero pages that are only touched when a tensor is
     * written (`inspect` creates an executor only to see whether the graph runs) */
    e->block = calloc(1, total + ALIGN);
    if (!e->block) {
        free(role);
        elstm_tflite_exec_free(e);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, m->path, 0,
                              "out of memory for %zu bytes of tensors", total);
    }
    uint8_t *p = (uint8_t *)e->block + (ALIGN - (uintptr_t)e->block % ALIGN) % ALIGN;
    for (int32_t t = 0; t < sg->n_tensors; t++) {
        if (role[t] == T_CONST) e->rd[t] = sg->tensors[t].data;
        if (role[t] == T_CONST || role[t] == T_UNSEEN) continue;
        e->wr[t] = p;
        e->rd[t] = p;
        p += align_up(sg->tensors[t].elements * elstm_tflite_type_size(sg->tensors[t].type));
    }
    for (int32_t k = 0; k < sg->n_ops; k++) {
        op_plan *pl = &e->plans[k];
        if (pl->kind != ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM || pl->quantized || pl->hybrid) continue;
        size_t a = elstm_lstm_arena_size_f32(&pl->lstm);
        if (elstm_lstm_init_f32(&pl->ctx, &pl->lstm, p, a) != ELSTM_OK) {
            free(role);
            elstm_tflite_exec_free(e);
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "the LSTM runtime refuses its sizes");
        }
        p += align_up(a);
    }
    for (int32_t i = 0; i < sg->n_outputs; i++) {
        e->results[i] = (float *)p;
        p += align_up(sg->tensors[sg->outputs[i]].elements * sizeof(float));
    }
    free(role);
    *out = e;
    return ELSTM_OK;
}

const elstm_tflite_tensor *elstm_tflite_exec_input(const elstm_tflite_exec *e)
{
    return &e->sg->tensors[e->input];
}

int32_t elstm_tflite_exec_n_outputs(const elstm_tflite_exec *e) { return e->sg->n_outputs; }

const elstm_tflite_tensor *elstm_tflite_exec_output_tensor(const elstm_tflite_exec *e, int32_t k)
{
    return k >= 0 && k < e->sg->n_outputs ? &e->sg->tensors[e->sg->outputs[k]] : NULL;
}

elstm_status elstm_tflite_exec_run(elstm_tflite_exec *e, const float *in, size_t n,
                                   elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = e->sg;
    const elstm_tflite_tensor *ti = &sg->tensors[e->input];
    if (n != ti->elements)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, e->m->path, 0,
                              "the input tensor '%s' takes %zu values, not %zu", ti->name,
                              ti->elements, n);
    for (int32_t t = 0; t < sg->n_tensors; t++)   /* window semantics: zero state */
        if (sg->tensors[t].is_variable && e->wr[t])
            memset(e->wr[t], 0, sg->tensors[t].elements * elstm_tflite_type_size(sg->tensors[t].type));
    if (ti->type == ELSTM_TFL_INT8)
        for (size_t i = 0; i < n; i++)
            ((int8_t *)e->wr[e->input])[i] = quantize1(in[i], ti->scale[0], (int32_t)ti->zero_point[0]);
    else
        memcpy(e->wr[e->input], in, n * sizeof(float));
    tfl_exec_run_ops(e, 0, sg->n_ops - 1);
    for (int32_t k = 0; k < sg->n_outputs; k++) {
        const elstm_tflite_tensor *to = &sg->tensors[sg->outputs[k]];
        const void *src = e->rd[sg->outputs[k]];
        for (size_t i = 0; i < to->elements; i++)
            e->results[k][i] = to->type == ELSTM_TFL_INT8
                                   ? dequantize1(((const int8_t *)src)[i], to->scale[0],
                                                 (int32_t)to->zero_point[0])
                                   : ((const float *)src)[i];
    }
    return ELSTM_OK;
}

const float *elstm_tflite_exec_output(const elstm_tflite_exec *e, int32_t k, size_t *n)
{
    if (k < 0 || k >= e->sg->n_outputs) {
        *n = 0;
        return NULL;
    }
    *n = e->sg->tensors[e->sg->outputs[k]].elements;
    return e->results[k];
}
