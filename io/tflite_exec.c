/*
 * tflite_exec.c - the graph interpreter of `edgelstm run` (see edgelstm/tflite.h): it plans
 * a batch-1 TFLite graph and runs it with the device runtime's kernels.
 *
 * Creation checks everything once: each operator is supported, its options table is of
 * its own type, every tensor it reads is a constant, the graph input, a state
 * variable or the output of an earlier operator, and types and shapes agree. It then
 * fills each operator's kernel parameters (edgelstm/lstm.h, ops.h, quant.h; the integer
 * multipliers are computed here from the file's scales, tflite_quant.c) and one block
 * holds every computed tensor and the kernels' arenas; running is a loop over the
 * operators with no checks and no allocation. The kernels are the ones deployed
 * libraries run: UNIDIRECTIONAL_SEQUENCE_LSTM (float32, int8, 16x8), FULLY_CONNECTED,
 * SOFTMAX, QUANTIZE/DEQUANTIZE; STRIDED_SLICE, SLICE and RESHAPE move bytes here.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/ops.h"
#include "edgelstm/quant.h"
#include "tflite_exec.h"
#include "tflite_hybrid.h"
#include "tflite_quant.h"
#include "tflite_schema.h"

#define MAX_ACTIVATION_BYTES ((size_t)1 << 30)
#define ALIGN 32

typedef struct slice_plan {
    int32_t rank;                              /* of the input */
    int32_t shape[ELSTM_TFL_MAX_RANK];
    int32_t start[ELSTM_TFL_MAX_RANK], stride[ELSTM_TFL_MAX_RANK], count[ELSTM_TFL_MAX_RANK];
} slice_plan;

/* What an operator computes in: the type of its activations. */
typedef struct op_plan {
    int32_t kind;                              /* the builtin code */
    int32_t type;                              /* ELSTM_TFL_FLOAT32, _INT8 or _INT16 */
    int32_t steps;                             /* UNIDIRECTIONAL_SEQUENCE_LSTM */
    elstm_lstm_f32 lstm;                       /* ... float32 */
    elstm_lstm_ctx_f32 ctx;
    int hybrid;                                /* ... float32, int8 weights (a Keras 3 loop) */
    tfl_lstm_hybrid lstmh;
    elstm_lstm_s8 lstm8;                       /* ... int8 */
    elstm_lstm_ctx_s8 ctx8;
    elstm_lstm_s16 lstm16;                     /* ... 16x8 */
    elstm_lstm_ctx_s16 ctx16;
    size_t rows;                               /* FULLY_CONNECTED, SOFTMAX: rows of the input */
    elstm_fc_f32 fc;                           /* FULLY_CONNECTED */
    elstm_fc_s8 fc8;
    elstm_fc_s16 fc16;
    elstm_qmult *mult;                         /* integer FULLY_CONNECTED multipliers (owned) */
    int32_t depth;                             /* SOFTMAX: the last axis */
    float beta;
    elstm_softmax_s8 sm8;
    slice_plan slice;                          /* STRIDED_SLICE, SLICE */
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
                                                  : "an integer LSTM has int8 weights, and int32 biases "
                                                    "with int8 activations or int64 with int16 ones");
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
                            "its %s is %s; edgelstm runs float32 LSTMs and integer LSTMs with int8 "
                            "or int16 activations and an int16 cell state (its %s would be %s)",
                            what[j], elstm_tflite_type_name(t[j]->type), what[j],
                            elstm_tflite_type_name(want));
        if (type != ELSTM_TFL_FLOAT32 && (t[j]->n_quant != 1 || !(t[j]->scale[0] > 0.0f) ||
                                          isinf(t[j]->scale[0])))
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

/* An integer LSTM: int8 weights, int16 cell, and int8 activations with int32 biases or
 * int16 activations with int64 biases (p->type). Fills the runtime params. */
static elstm_status plan_lstm_q(const elstm_tflite_model *m, int32_t k, op_plan *p, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const elstm_tflite_op *op = &sg->ops[k];
    const int s16 = p->type == ELSTM_TFL_INT16;
    int32_t T = 0, I = 0, N = 0;
    elstm_status st = lstm_common(m, k, &T, &I, &N, diag);
    if (st == ELSTM_OK) st = lstm_types(m, k, p->type, ELSTM_TFL_INT16, diag);
    if (st != ELSTM_OK) return st;
    const void *wx[4], *wh[4], *b[4];
    st = lstm_weights(m, k, ELSTM_TFL_INT8, s16 ? ELSTM_TFL_INT64 : ELSTM_TFL_INT32, N, I, wx, wh, b, diag);
    if (st != ELSTM_OK) return st;
    const elstm_tflite_tensor *in = operand(sg, op, 0), *h = operand(sg, op, 18),
                              *c = operand(sg, op, 19), *out = &sg->tensors[op->outputs[0]];
    if (out->scale[0] != h->scale[0] || out->zero_point[0] != h->zero_point[0])
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its output and output state are quantized differently (the integer "
                        "LSTM writes its output state as its output)");
    int64_t lo = s16 ? 0 : -128, hi = s16 ? 0 : 127;
    if (in->zero_point[0] < lo || in->zero_point[0] > hi || h->zero_point[0] < lo ||
        h->zero_point[0] > hi || c->zero_point[0] != 0)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                        "its zero points (input %lld, output state %lld, cell %lld) are out of "
                        "range; they must lie in [%lld, %lld] and the cell's must be 0",
                        (long long)in->zero_point[0], (long long)h->zero_point[0],
                        (long long)c->zero_point[0], (long long)lo, (long long)hi);
    int32_t cell_pow = 0;
    if (!tfl_pow2_exponent(c->scale[0], &cell_pow) || cell_pow < -24 || cell_pow > 0)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its cell state scale %g is not a power of two between 2^-24 and 1, which "
                        "the integer LSTM needs", (double)c->scale[0]);
    elstm_lstm_qparams *q = s16 ? &p->lstm16.q : &p->lstm8.q;
    const float gate_scale = 1.0f / 4096.0f;   /* Q3.12 */
    const double q15 = 1.0 / 32768.0;          /* Q0.15 */
    q->n_input = I;
    q->n_units = N;
    for (int g = 0; g < 4; g++) {
        q->wx[g] = wx[g];
        q->wh[g] = wh[g];
        q->mx[g] = tfl_fc_multiplier(in->scale[0], operand(sg, op, 1 + g)->scale[0], gate_scale);
        q->mh[g] = tfl_fc_multiplier(h->scale[0], operand(sg, op, 5 + g)->scale[0], gate_scale);
        if (s16) p->lstm16.b[g] = b[g];
        else p->lstm8.b[g] = b[g];
    }
    q->m_fc = tfl_mul_multiplier(q15, c->scale[0], c->scale[0]);
    q->m_ig = tfl_mul_multiplier(q15, q15, c->scale[0]);
    q->m_h = tfl_mul_multiplier(q15, q15, h->scale[0]);
    q->zp_in = (int32_t)in->zero_point[0];
    q->zp_h = (int32_t)h->zero_point[0];
    q->cell_pow = cell_pow;
    q->cell_clip = tfl_cell_clip(op->opt.cell_clip, c->scale[0]);
    p->steps = T;
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

/* Per-tensor quantization of an int8 or int16 tensor: scale > 0, zero point in range
 * (0 for int16, which TFLite quantizes symmetrically). */
static elstm_status qtensor_params(const elstm_tflite_model *m, int32_t k,
                                   const elstm_tflite_tensor *t, float *scale, int32_t *zp,
                                   elstm_diag *diag)
{
    if (t->type != ELSTM_TFL_INT8 && t->type != ELSTM_TFL_INT16)
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "tensor '%s' is %s; edgelstm's integer operators take int8 or int16",
                        t->name, elstm_tflite_type_name(t->type));
    int64_t lo = t->type == ELSTM_TFL_INT8 ? -128 : 0, hi = t->type == ELSTM_TFL_INT8 ? 127 : 0;
    if (t->n_quant != 1 || !(t->scale[0] > 0.0f) || isinf(t->scale[0]) ||
        t->zero_point[0] < lo || t->zero_point[0] > hi)
        return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                        "%s tensor '%s' needs one positive scale and a zero point in [%lld, %lld]",
                        elstm_tflite_type_name(t->type), t->name, (long long)lo, (long long)hi);
    *scale = t->scale[0];
    *zp = (int32_t)t->zero_point[0];
    return ELSTM_OK;
}

/* Integer FULLY_CONNECTED (int8, or 16x8): per-tensor or per-channel (axis 0) weights with
 * zero point 0; fills p->fc8 or p->fc16 and the owned multipliers. */
static elstm_status plan_fc_q(const elstm_tflite_model *m, int32_t k, const elstm_tflite_tensor *in,
                              const elstm_tflite_tensor *w, const elstm_tflite_tensor *out,
                              int32_t act, op_plan *p, elstm_diag *diag)
{
    const int s16 = p->type == ELSTM_TFL_INT16;
    const size_t units = (size_t)w->shape[0];
    float s_in, s_out;
    int32_t zp_in, zp_out, lo, hi;
    elstm_status st = qtensor_params(m, k, in, &s_in, &zp_in, diag);
    if (st == ELSTM_OK) st = qtensor_params(m, k, out, &s_out, &zp_out, diag);
    if (st != ELSTM_OK) return st;
    if ((w->n_quant != 1 && (size_t)w->n_quant != units) || (w->n_quant > 1 && w->quant_dim != 0))
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its weights need one scale or one per output unit");
    const int per_channel = w->n_quant > 1;
    p->mult = calloc(per_channel ? units : 1, sizeof *p->mult);
    if (!p->mult) return op_error(m, k, ELSTM_ERR_NOMEM, diag, "out of memory");
    for (size_t u = 0; u < (per_channel ? units : 1); u++) {
        if (w->zero_point[u] != 0 || !(w->scale[u] > 0.0f) || isinf(w->scale[u]))
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "its weights need positive scales and zero point 0");
        p->mult[u] = per_channel ? tfl_fc_multiplier_per_channel(s_in, w->scale[u], s_out)
                                 : tfl_fc_multiplier(s_in, w->scale[u], s_out);
        if (s16 && p->mult[u].shift > 7)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "its scales give a multiplier of 2^%d, beyond the 16x8 kernel's range",
                            (int)p->mult[u].shift);
    }
    if (!tfl_activation_range(act, s_out, zp_out, s16 ? -32768 : -128, s16 ? 32767 : 127, &lo, &hi))
        return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                        "its fused activation %s is not supported on integers",
                        elstm_tflite_activation_name(act));
    if (s16) {
        elstm_fc_s16 f = {(int32_t)w->shape[1], (int32_t)units, w->data, NULL, p->mult, per_channel, lo, hi};
        p->fc16 = f;
    } else {
        elstm_fc_s8 f = {(int32_t)w->shape[1], (int32_t)units, w->data, NULL, p->mult, per_channel,
                         zp_in, zp_out, lo, hi};
        p->fc8 = f;
    }
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
        p->type = in->type;
        const int f32 = in->type == ELSTM_TFL_FLOAT32;
        int32_t wtype = f32 ? ELSTM_TFL_FLOAT32 : ELSTM_TFL_INT8;
        int32_t btype = f32 ? ELSTM_TFL_FLOAT32 : in->type == ELSTM_TFL_INT8 ? ELSTM_TFL_INT32 : ELSTM_TFL_INT64;
        if ((in->type != ELSTM_TFL_FLOAT32 && in->type != ELSTM_TFL_INT8 && in->type != ELSTM_TFL_INT16) ||
            out->type != in->type)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it maps %s to %s; edgelstm runs float32, int8 and 16x8 dense layers",
                            elstm_tflite_type_name(in->type), elstm_tflite_type_name(out->type));
        if (!w || !w->data || w->type != wtype || w->rank != 2 || w->shape[0] < 1)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "its weights must be a constant %s matrix", elstm_tflite_type_name(wtype));
        if (op->opt.weights_format != 0)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag, "its weights are in a shuffled format");
        size_t units = (size_t)w->shape[0], depth = (size_t)w->shape[1];
        if (b && (!b->data || b->type != btype || b->elements != units))
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "its bias must be a constant %s vector of %zu elements",
                            elstm_tflite_type_name(btype), units);
        if (depth == 0 || in->elements % depth != 0)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "its input %s does not match weights %s", shape_str(in, s1, sizeof s1),
                            shape_str(w, s2, sizeof s2));
        p->rows = in->elements / depth;
        if (out->elements != p->rows * units)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag,
                            "its output %s should hold %zu x %zu values",
                            shape_str(out, s1, sizeof s1), p->rows, units);
        int32_t act = op->opt.fused_activation;
        if (act != TFL_ACT_NONE && act != TFL_ACT_RELU && act != TFL_ACT_RELU_N1_TO_1 &&
            act != TFL_ACT_RELU6 && (act != TFL_ACT_TANH || !f32))
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag, "its fused activation %s is not supported",
                            elstm_tflite_activation_name(act));
        if (!f32) {
            st = plan_fc_q(m, k, in, w, out, act, p, diag);
            p->fc8.b = b && p->type == ELSTM_TFL_INT8 ? b->data : NULL;
            p->fc16.b = b && p->type == ELSTM_TFL_INT16 ? b->data : NULL;
            return st;
        }
        elstm_fc_f32 f = {(int32_t)depth, (int32_t)units, w->data, b ? b->data : NULL, act};
        p->fc = f;
        return ELSTM_OK;
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
    case ELSTM_TFL_OP_SOFTMAX: {
        p->type = in->type;
        if ((in->type != ELSTM_TFL_FLOAT32 && in->type != ELSTM_TFL_INT8) || out->type != in->type)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it maps %s to %s; edgelstm runs float32 and int8 softmax",
                            elstm_tflite_type_name(in->type), elstm_tflite_type_name(out->type));
        if (in->rank < 1 || in->elements != out->elements)
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its input %s and output %s differ",
                            shape_str(in, s1, sizeof s1), shape_str(out, s2, sizeof s2));
        p->depth = in->shape[in->rank - 1];
        p->rows = p->depth ? in->elements / (size_t)p->depth : 0;
        p->beta = op->opt.type == TFL_OPT_SOFTMAX ? op->opt.beta : 0.0f;
        if (!isfinite(p->beta))
            return op_error(m, k, ELSTM_ERR_FORMAT, diag, "its beta is not finite");
        if (in->type == ELSTM_TFL_INT8) {
            float s_in, s_out;
            int32_t zp_in, zp_out;
            st = qtensor_params(m, k, in, &s_in, &zp_in, diag);
            if (st == ELSTM_OK) st = qtensor_params(m, k, out, &s_out, &zp_out, diag);
            if (st != ELSTM_OK) return st;
            if (s_out != 1.0f / 256.0f || zp_out != -128)
                return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                                "its int8 output has scale %g and zero point %d; an int8 softmax "
                                "writes scale 1/256 and zero point -128", (double)s_out, (int)zp_out);
            if (!(p->beta > 0.0f))
                return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                                "its beta %g is not positive, which the int8 softmax needs",
                                (double)p->beta);
            tfl_softmax_s8_params(p->beta, s_in, p->depth, &p->sm8);
        }
        return ELSTM_OK;
    }
    case ELSTM_TFL_OP_QUANTIZE:
    case ELSTM_TFL_OP_DEQUANTIZE: {
        int q = op->builtin == ELSTM_TFL_OP_QUANTIZE;
        const elstm_tflite_tensor *f = q ? in : out, *qt = q ? out : in;
        p->type = qt->type;
        if (f->type != ELSTM_TFL_FLOAT32)
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "it converts %s to %s; edgelstm converts between float32 and int8 "
                            "or int16", elstm_tflite_type_name(in->type),
                            elstm_tflite_type_name(out->type));
        st = qtensor_params(m, k, qt, &p->scale, &p->zero_point, diag);
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

/* UNIDIRECTIONAL_SEQUENCE_LSTM: the whole output sequence from the zero state. */
static void run_lstm(op_plan *p, const void *x, void *seq)
{
    int32_t t;
    if (p->type == ELSTM_TFL_INT8) {
        const size_t I = (size_t)p->lstm8.q.n_input, N = (size_t)p->lstm8.q.n_units;
        elstm_lstm_reset_s8(&p->ctx8);
        for (t = 0; t < p->steps; t++) {
            elstm_lstm_step_s8(&p->ctx8, (const int8_t *)x + (size_t)t * I);
            memcpy((int8_t *)seq + (size_t)t * N, p->ctx8.h, N);
        }
    } else if (p->type == ELSTM_TFL_INT16) {
        const size_t I = (size_t)p->lstm16.q.n_input, N = (size_t)p->lstm16.q.n_units;
        elstm_lstm_reset_s16(&p->ctx16);
        for (t = 0; t < p->steps; t++) {
            elstm_lstm_step_s16_ref(&p->ctx16, (const int16_t *)x + (size_t)t * I);
            memcpy((int16_t *)seq + (size_t)t * N, p->ctx16.h, N * sizeof(int16_t));
        }
    } else {
        const size_t I = (size_t)p->lstm.n_input, N = (size_t)p->lstm.n_units;
        elstm_lstm_reset_f32(&p->ctx);
        for (t = 0; t < p->steps; t++) {
            elstm_lstm_step_f32(&p->ctx, (const float *)x + (size_t)t * I);
            memcpy((float *)seq + (size_t)t * N, p->ctx.h, N * sizeof(float));
        }
    }
}

/* FULLY_CONNECTED, one input row at a time. */
static void run_fully_connected(const op_plan *p, const void *x, void *y)
{
    for (size_t r = 0; r < p->rows; r++) {
        if (p->type == ELSTM_TFL_INT8)
            elstm_fc_s8_ref(&p->fc8, (const int8_t *)x + r * (size_t)p->fc8.n_in,
                            (int8_t *)y + r * (size_t)p->fc8.n_out);
        else if (p->type == ELSTM_TFL_INT16)
            elstm_fc_s16_ref(&p->fc16, (const int16_t *)x + r * (size_t)p->fc16.n_in,
                             (int16_t *)y + r * (size_t)p->fc16.n_out);
        else
            elstm_fc_f32_ref(&p->fc, (const float *)x + r * (size_t)p->fc.n_in,
                             (float *)y + r * (size_t)p->fc.n_out);
    }
}

static void run_softmax(const op_plan *p, const void *x, void *y)
{
    for (size_t r = 0; r < p->rows; r++) {
        if (p->type == ELSTM_TFL_INT8)
            elstm_softmax_s8_ref(&p->sm8, (const int8_t *)x + r * (size_t)p->depth,
                                 (int8_t *)y + r * (size_t)p->depth);
        else
            elstm_softmax_f32_ref(p->depth, p->beta, (const float *)x + r * (size_t)p->depth,
                                  (float *)y + r * (size_t)p->depth);
    }
}

/* float32 -> int8/int16 (QUANTIZE) or back (DEQUANTIZE). */
static void run_convert(int32_t type, int quantize, float scale, int32_t zp, const void *in,
                        void *out, size_t n)
{
    if (quantize && type == ELSTM_TFL_INT8) elstm_quantize_s8(in, n, scale, zp, out);
    else if (quantize) elstm_quantize_s16(in, n, scale, zp, out);
    else if (type == ELSTM_TFL_INT8) elstm_dequantize_s8(in, n, scale, zp, out);
    else elstm_dequantize_s16(in, n, scale, zp, out);
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
        if (p->hybrid) tfl_lstm_hybrid_run(&p->lstmh, in, out);
        else run_lstm(p, in, out);
        break;
    case ELSTM_TFL_OP_FULLY_CONNECTED:
        run_fully_connected(p, in, out);
        break;
    case ELSTM_TFL_OP_RESHAPE:
        memmove(out, in, n * elstm_tflite_type_size(tin->type));
        break;
    case ELSTM_TFL_OP_STRIDED_SLICE:
    case ELSTM_TFL_OP_SLICE:
        run_slice(&p->slice, in, out, elstm_tflite_type_size(tin->type));
        break;
    case ELSTM_TFL_OP_SOFTMAX:
        run_softmax(p, in, out);
        break;
    case ELSTM_TFL_OP_QUANTIZE:
    case ELSTM_TFL_OP_DEQUANTIZE:
        run_convert(p->type, p->kind == ELSTM_TFL_OP_QUANTIZE, p->scale, p->zero_point, in, out, n);
        break;
    default:
        break;
    }
}

int tfl_exec_chain_delivers(const elstm_tflite_exec *e, int32_t first, int32_t last, size_t total,
                            size_t want_first, size_t want_n)
{
    const elstm_tflite_subgraph *sg = e->sg;
    if (first > last + 1 || first < 0 || last >= sg->n_ops) return 0;
    if (total > TFL_EXEC_CHAIN_MAX || want_first + want_n > total) return 0;
    /* element indices travel through the byte-moving operators */
    int32_t *cur = malloc((total ? total : 1) * sizeof *cur);
    if (!cur) return 0;
    for (size_t i = 0; i < total; i++) cur[i] = (int32_t)i;
    size_t n = total;
    int ok = 1;
    for (int32_t k = first; ok && k <= last; k++) {
        const elstm_tflite_op *op = &sg->ops[k];
        const size_t out_n = sg->tensors[op->outputs[0]].elements;
        int32_t *next = malloc((out_n ? out_n : 1) * sizeof *next);
        if (!next || sg->tensors[op->inputs[0]].elements != n) {
            ok = 0;
        } else if (op->builtin == ELSTM_TFL_OP_RESHAPE) {
            memcpy(next, cur, n * sizeof *cur);
        } else if (op->builtin == ELSTM_TFL_OP_STRIDED_SLICE || op->builtin == ELSTM_TFL_OP_SLICE) {
            run_slice(&e->plans[k].slice, (const uint8_t *)cur, (uint8_t *)next, sizeof *cur);
        } else {
            ok = 0;
        }
        free(cur);
        cur = next;
        n = out_n;
    }
    ok = ok && cur && n == want_n;
    for (size_t i = 0; ok && i < want_n; i++) ok = cur[i] == (int32_t)(want_first + i);
    free(cur);
    return ok;
}

const elstm_lstm_s8 *tfl_exec_lstm_s8(const elstm_tflite_exec *e, int32_t k)
{
    const op_plan *p = &e->plans[k];
    return p->kind == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM && p->type == ELSTM_TFL_INT8 ? &p->lstm8 : NULL;
}

const elstm_lstm_s16 *tfl_exec_lstm_s16(const elstm_tflite_exec *e, int32_t k)
{
    const op_plan *p = &e->plans[k];
    return p->kind == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM && p->type == ELSTM_TFL_INT16 ? &p->lstm16 : NULL;
}

const elstm_fc_s8 *tfl_exec_fc_s8(const elstm_tflite_exec *e, int32_t k)
{
    const op_plan *p = &e->plans[k];
    return p->kind == ELSTM_TFL_OP_FULLY_CONNECTED && p->type == ELSTM_TFL_INT8 && p->rows == 1 ? &p->fc8 : NULL;
}

const elstm_fc_s16 *tfl_exec_fc_s16(const elstm_tflite_exec *e, int32_t k)
{
    const op_plan *p = &e->plans[k];
    return p->kind == ELSTM_TFL_OP_FULLY_CONNECTED && p->type == ELSTM_TFL_INT16 && p->rows == 1 ? &p->fc16 : NULL;
}

/* ---- creation ---- */

enum { T_UNSEEN = 0, T_CONST, T_INPUT, T_VARIABLE, T_COMPUTED };

static size_t align_up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

void elstm_tflite_exec_free(elstm_tflite_exec *e)
{
    if (!e) return;
    for (int32_t k = 0; e->plans && k < e->sg->n_ops; k++) {
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

static size_t lstm_arena_size(const op_plan *p)
{
    return p->type == ELSTM_TFL_INT8    ? elstm_lstm_arena_size_s8(&p->lstm8)
           : p->type == ELSTM_TFL_INT16 ? elstm_lstm_arena_size_s16(&p->lstm16)
                                        : elstm_lstm_arena_size_f32(&p->lstm);
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
    if (in->type != ELSTM_TFL_FLOAT32 && in->type != ELSTM_TFL_INT8 && in->type != ELSTM_TFL_INT16)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                              "the input tensor '%s' is %s; edgelstm runs float32, int8 or int16 inputs",
                              in->name, elstm_tflite_type_name(in->type));
    if (in->type != ELSTM_TFL_FLOAT32 && (in->n_quant != 1 || !(in->scale[0] > 0.0f) ||
                                          isinf(in->scale[0])))
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, m->path, 0,
                              "the %s input tensor '%s' has no usable scale", elstm_tflite_type_name(in->type), in->name);
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
            p->type = x ? x->type : ELSTM_TFL_FLOAT32;
            p->hybrid = p->type == ELSTM_TFL_FLOAT32 && op->loop >= 0 && m->loops[op->loop].hybrid;
            st = p->type == ELSTM_TFL_INT8 || p->type == ELSTM_TFL_INT16 ? plan_lstm_q(m, k, p, diag)
                 : p->hybrid ? plan_lstm_hybrid(m, k, &p->lstmh, diag)
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
        if (x->type != ELSTM_TFL_FLOAT32 && x->type != ELSTM_TFL_INT8 && x->type != ELSTM_TFL_INT16)
            return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                                  "the graph output '%s' is %s; edgelstm returns float32, int8 or int16",
                                  x->name, elstm_tflite_type_name(x->type));
        if (x->type != ELSTM_TFL_FLOAT32 && (x->n_quant != 1 || !(x->scale[0] > 0.0f)))
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, m->path, 0,
                                  "the %s graph output '%s' has no usable scale",
                                  elstm_tflite_type_name(x->type), x->name);
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
        if (e->plans[k].kind == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM && !e->plans[k].hybrid)
            total += align_up(lstm_arena_size(&e->plans[k]));
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
        if (pl->kind != ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM || pl->hybrid) continue;
        size_t a = lstm_arena_size(pl);
        elstm_status rs = pl->type == ELSTM_TFL_INT8    ? elstm_lstm_init_s8(&pl->ctx8, &pl->lstm8, p, a)
                          : pl->type == ELSTM_TFL_INT16 ? elstm_lstm_init_s16(&pl->ctx16, &pl->lstm16, p, a)
                                                        : elstm_lstm_init_f32(&pl->ctx, &pl->lstm, p, a);
        if (rs != ELSTM_OK) {
            free(role);
            elstm_tflite_exec_free(e);
            return op_error(m, k, ELSTM_ERR_UNSUPPORTED, diag,
                            "the LSTM runtime refuses its sizes or quantization (a multiplier out "
                            "of range)");
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
    if (ti->type == ELSTM_TFL_FLOAT32) memcpy(e->wr[e->input], in, n * sizeof(float));
    else run_convert(ti->type, 1, ti->scale[0], (int32_t)ti->zero_point[0], in, e->wr[e->input], n);
    for (int32_t k = 0; k < sg->n_ops; k++) run_op(e, k);
    for (int32_t k = 0; k < sg->n_outputs; k++) {
        const elstm_tflite_tensor *to = &sg->tensors[sg->outputs[k]];
        const void *src = e->rd[sg->outputs[k]];
        if (to->type == ELSTM_TFL_FLOAT32) memcpy(e->results[k], src, to->elements * sizeof(float));
        else run_convert(to->type, 0, to->scale[0], (int32_t)to->zero_point[0], src, e->results[k], to->elements);
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
