/*
 * tflite_loop.c - recurrent layers that the TensorFlow converter wrote as WHILE loops
 * (see edgelstm/tflite.h: elstm_tflite_loop, elstm_tflite_model.graph).
 *
 * Keras 3 (TensorFlow >= 2.16), converted with a fixed batch size of 1, gives no fused
 * LSTM operator: the main graph makes the input time-major ([T,1,I], a RESHAPE for batch
 * 1) and runs a WHILE operator whose body subgraph computes one step of the cell and
 * whose cond subgraph stops it after T steps. The loop variables (we rely neither on
 * their order nor on their names) are identified by what the body does with them:
 *
 *   counter      int32 scalar starting at a constant, next = ADD(var, 1)
 *   sequence     rank-3 float [T,1,I] passed through unchanged, read by GATHER(seq, time)
 *                where `time` is a counter starting at 0
 *   state        float the body rewrites: for an LSTM h and c ([1,N]) and the accumulator
 *   accumulator  the state the body writes the new h into: RESHAPE to [1,1,N] (only the
 *                last step is kept) or slot `time` of [T,1,N] (return_sequences), written
 *                as SLICE/CONCATENATION or DYNAMIC_UPDATE_SLICE
 *
 * The LSTM cell is matched by its dataflow:
 *
 *   c' = ADD(MUL(sigmoid(z_f), c), MUL(sigmoid(z_i), tanh(z_c)))
 *   h' = MUL(sigmoid(z_o), tanh(c'))
 *
 * where each gate pre-activation z_g is a sum (ADD trees, reshapes, SPLIT / SPLIT_V
 * chunks) of one FULLY_CONNECTED of x_t, one of h and at most one constant bias. Which
 * rows of which weight matrix feed which gate follows from the dataflow (a SPLIT chunk
 * k of a [1,4N] sum is rows kN..kN+N-1 of every matrix in that sum), not from an assumed
 * order. Weights are float32 or, in the converter's dynamic-range ("hybrid") variant,
 * int8 with zero point 0 and one scale per row or per tensor.
 *
 * When every loop of subgraph 0 is such an LSTM, m->graph is a copy of subgraph 0 in
 * which each WHILE is one time-major UNIDIRECTIONAL_SEQUENCE_LSTM (no cell clip: Keras
 * does not clip) whose weight operands are views of the body's matrices (no copies),
 * followed by a SLICE of the last step when the loop keeps only that. Loops that are not
 * LSTMs are described by what they look like (GRU, SimpleRNN, one direction of a
 * Bidirectional layer, go_backwards, an LSTM variant) in loop.why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/tflite.h"
#include "tflite_exec.h"
#include "tflite_schema.h"

#define MAX_DEPTH 24   /* of the expressions followed in a body (files are untrusted) */
#define MAX_TERMS 6

enum { TERM_X = 0, TERM_H = 1, TERM_B = 2 };

typedef struct term {
    int kind;
    const elstm_tflite_tensor *t;   /* the weight matrix (X, H) or bias vector (B) */
    int32_t row;                    /* first row (element, for B) of this gate */
    int asym;                       /* X, H: the product quantizes its input asymmetrically */
} term;

typedef struct form {
    int n;
    term t[MAX_TERMS];
} form;

/* What the analysis of one loop found (kept until the graph is built). */
typedef struct match {
    int32_t seq, acc, h, c;         /* loop variable indices */
    form gate[ELSTM_GATES];         /* i, f, c, o */
} match;

typedef struct body {
    const elstm_tflite_model *m;
    const elstm_tflite_subgraph *main, *b, *cond;
    const elstm_tflite_op *w;       /* the WHILE */
    int32_t *prod;                  /* [b->n_tensors]: the body operator writing a tensor, -1 */
    int32_t nv;
    int32_t time;                   /* the variable GATHER indexes the sequence with */
    int32_t x_t;                    /* body tensor GATHER(seq, time) */
    int32_t h_in;                   /* body tensor of the h variable */
    int32_t T, I, N;
    int8_t *kind;                   /* [nv]: V_* */
    int64_t *start;                 /* [nv]: counters' first value */
} body;

enum { V_OTHER = 0, V_PASS, V_COUNTER, V_STATE };

/* ---- small helpers ------------------------------------------------------------------ */

static const elstm_tflite_op *producer(const body *B, int32_t t)
{
    return t >= 0 && t < B->b->n_tensors && B->prod[t] >= 0 ? &B->b->ops[B->prod[t]] : NULL;
}

/* The value of a one-element constant integer tensor. */
static int const_int(const elstm_tflite_tensor *t, int64_t *v)
{
    if (!t->data || t->elements != 1) return 0;
    if (t->type == ELSTM_TFL_INT32) *v = *(const int32_t *)t->data;
    else if (t->type == ELSTM_TFL_INT64) *v = *(const int64_t *)t->data;
    else return 0;
    return 1;
}

static int zero_floats(const elstm_tflite_tensor *t)
{
    if (!t->data || t->type != ELSTM_TFL_FLOAT32) return 0;
    for (size_t i = 0; i < t->elements; i++)
        if (((const float *)t->data)[i] != 0.0f) return 0;
    return 1;
}

static int is_reshape(int32_t op)
{
    return op == ELSTM_TFL_OP_RESHAPE || op == ELSTM_TFL_OP_SQUEEZE || op == ELSTM_TFL_OP_EXPAND_DIMS;
}

/* t, or what it is a reshape (same elements, same order) of. */
static int32_t strip_reshapes(const body *B, int32_t t)
{
    for (int d = 0; d < MAX_DEPTH; d++) {
        const elstm_tflite_op *op = producer(B, t);
        if (!op || !is_reshape(op->builtin) || op->n_inputs < 1 || op->inputs[0] < 0 ||
            B->b->tensors[op->inputs[0]].elements != B->b->tensors[t].elements)
            return t;
        t = op->inputs[0];
    }
    return t;
}

static int32_t body_var(const body *B, int32_t t)
{
    for (int32_t v = 0; v < B->nv; v++)
        if (B->b->inputs[v] == t) return v;
    return -1;
}

static int32_t last_dim(const elstm_tflite_tensor *t)
{
    return t->rank ? t->shape[t->rank - 1] : 1;
}

static int act_none(const elstm_tflite_op *op)
{
    return op->opt.fused_activation == TFL_ACT_NONE;
}

/* ---- integers the body computes from the time index (for the accumulator's slot) ---- */

/* Element k of an integer vector as a * time + b. */
typedef struct affine {
    int64_t a, b;
} affine;

#define MAX_AFFINE 8

/* The elements of integer tensor t as affine functions of the time variable. */
static int affine_of(const body *B, int32_t t, affine *out, int *n, int depth)
{
    if (depth > MAX_DEPTH || t < 0) return 0;
    const elstm_tflite_tensor *x = &B->b->tensors[t];
    if (x->type != ELSTM_TFL_INT32 && x->type != ELSTM_TFL_INT64) return 0;
    if (x->elements > MAX_AFFINE) return 0;
    if (x->data) {
        *n = (int)x->elements;
        for (int k = 0; k < *n; k++) {
            out[k].a = 0;
            out[k].b = x->type == ELSTM_TFL_INT32 ? ((const int32_t *)x->data)[k] : ((const int64_t *)x->data)[k];
        }
        return 1;
    }
    if (t == B->b->inputs[B->time]) {
        *n = 1;
        out[0].a = 1;
        out[0].b = 0;
        return 1;
    }
    const elstm_tflite_op *op = producer(B, t);
    if (!op || op->n_inputs < 1) return 0;
    if (is_reshape(op->builtin)) return affine_of(B, op->inputs[0], out, n, depth + 1);
    if (op->builtin == ELSTM_TFL_OP_ADD && op->n_inputs == 2 && act_none(op)) {
        affine p[MAX_AFFINE], q[MAX_AFFINE];
        int np, nq;
        if (!affine_of(B, op->inputs[0], p, &np, depth + 1) || !affine_of(B, op->inputs[1], q, &nq, depth + 1))
            return 0;
        if (np != nq && np != 1 && nq != 1) return 0;
        *n = np > nq ? np : nq;
        for (int k = 0; k < *n; k++) {
            out[k].a = p[np == 1 ? 0 : k].a + q[nq == 1 ? 0 : k].a;
            out[k].b = p[np == 1 ? 0 : k].b + q[nq == 1 ? 0 : k].b;
        }
        return 1;
    }
    if (op->builtin == ELSTM_TFL_OP_CONCATENATION && act_none(op) && x->rank == 1) {
        *n = 0;
        for (int32_t i = 0; i < op->n_inputs; i++) {
            affine p[MAX_AFFINE];
            int np;
            if (!affine_of(B, op->inputs[i], p, &np, depth + 1) || *n + np > MAX_AFFINE) return 0;
            memcpy(out + *n, p, (size_t)np * sizeof *p);
            *n += np;
        }
        return 1;
    }
    return 0;
}

/* Integer tensor t equals {a0 * time + b0, rest...} where `rest` values are all `fill`
 * (-1 = "to the end", or 0) and it has `rank` elements. */
static int index_is(const body *B, int32_t t, int32_t rank, int64_t a0, int64_t b0, int64_t fill)
{
    affine v[MAX_AFFINE];
    int n;
    if (!affine_of(B, t, v, &n, 0) || n != rank) return 0;
    if (v[0].a != a0 || v[0].b != b0) return 0;
    for (int k = 1; k < n; k++)
        if (v[k].a != 0 || v[k].b != fill) return 0;
    return 1;
}

/* ---- the cell's arithmetic -------------------------------------------------------------- */

static int add_term(form *f, int kind, const elstm_tflite_tensor *t, int32_t row, int asym)
{
    if (f->n == MAX_TERMS) return 0;
    f->t[f->n].kind = kind;
    f->t[f->n].t = t;
    f->t[f->n].row = row;
    f->t[f->n].asym = asym;
    f->n++;
    return 1;
}

/* Elements row .. row+len-1 (of the last axis) of body tensor t as a sum of terms. */
static int form_of(const body *B, int32_t t, int32_t row, int32_t len, form *f, int depth)
{
    if (depth > MAX_DEPTH || t < 0) return 0;
    const elstm_tflite_tensor *x = &B->b->tensors[t];
    if (x->type != ELSTM_TFL_FLOAT32) return 0;
    if (x->data)   /* a constant: the bias, [R] or [1,R] */
        return (size_t)last_dim(x) == x->elements && row >= 0 && row + len <= last_dim(x) &&
               add_term(f, TERM_B, x, row, 0);
    const elstm_tflite_op *op = producer(B, t);
    if (!op || op->n_inputs < 1) return 0;
    switch (op->builtin) {
    case ELSTM_TFL_OP_RESHAPE:
    case ELSTM_TFL_OP_SQUEEZE:
    case ELSTM_TFL_OP_EXPAND_DIMS:
        if (op->inputs[0] < 0 || B->b->tensors[op->inputs[0]].elements != x->elements ||
            (size_t)last_dim(x) != x->elements)
            return 0;
        return form_of(B, op->inputs[0], row, len, f, depth + 1);
    case ELSTM_TFL_OP_ADD:
        if (op->n_inputs != 2 || !act_none(op)) return 0;
        return form_of(B, op->inputs[0], row, len, f, depth + 1) &&
               form_of(B, op->inputs[1], row, len, f, depth + 1);
    case ELSTM_TFL_OP_SPLIT:
    case ELSTM_TFL_OP_SPLIT_V: {
        /* SPLIT(axis, value) in equal chunks; SPLIT_V(value, sizes, axis) */
        int v = op->builtin == ELSTM_TFL_OP_SPLIT;
        if (op->n_inputs != (v ? 2 : 3)) return 0;
        int32_t value = op->inputs[v ? 1 : 0], axis_t = op->inputs[v ? 0 : 2];
        int64_t axis;
        if (value < 0 || axis_t < 0 || !const_int(&B->b->tensors[axis_t], &axis)) return 0;
        const elstm_tflite_tensor *in = &B->b->tensors[value];
        if (axis < 0) axis += in->rank;
        if (axis != in->rank - 1 || op->n_outputs < 1) return 0;
        int32_t j = -1, off = 0;
        for (int32_t k = 0; k < op->n_outputs; k++)
            if (op->outputs[k] == t) j = k;
        if (j < 0) return 0;
        if (v) {
            if (last_dim(in) % op->n_outputs != 0) return 0;
            off = j * (last_dim(in) / op->n_outputs);
        } else {
            const elstm_tflite_tensor *sz = op->inputs[1] >= 0 ? &B->b->tensors[op->inputs[1]] : NULL;
            if (!sz || !sz->data || sz->type != ELSTM_TFL_INT32 || sz->elements != (size_t)op->n_outputs) return 0;
            for (int32_t k = 0; k < j; k++) off += ((const int32_t *)sz->data)[k];
        }
        if (off < 0 || off + last_dim(x) > last_dim(in) || row + len > last_dim(x)) return 0;
        return form_of(B, value, off + row, len, f, depth + 1);
    }
    case ELSTM_TFL_OP_FULLY_CONNECTED: {
        if (op->n_inputs < 2 || op->inputs[1] < 0 || !act_none(op) || op->opt.weights_format != 0) return 0;
        const elstm_tflite_tensor *w = &B->b->tensors[op->inputs[1]];
        if (!w->data || w->rank != 2 || row < 0 || row + len > w->shape[0] || last_dim(x) != w->shape[0])
            return 0;
        int32_t in = strip_reshapes(B, op->inputs[0]);
        int kind = in == B->x_t ? TERM_X : in == B->h_in ? TERM_H : -1;
        if (kind < 0 || !add_term(f, kind, w, row, op->opt.asymmetric_quantize_inputs)) return 0;
        if (op->n_inputs > 2 && op->inputs[2] >= 0) {
            const elstm_tflite_tensor *bias = &B->b->tensors[op->inputs[2]];
            if (!bias->data || bias->type != ELSTM_TFL_FLOAT32 || bias->elements != (size_t)w->shape[0]) return 0;
            return add_term(f, TERM_B, bias, row, 0);
        }
        return 1;
    }
    default:
        return 0;
    }
}

/* The operator computing t if it is `builtin` with one input, else NULL. */
static const elstm_tflite_op *unary(const body *B, int32_t t, int32_t builtin)
{
    const elstm_tflite_op *op = producer(B, t);
    return op && op->builtin == builtin && op->n_inputs >= 1 ? op : NULL;
}

/* A MUL (no activation) of two tensors computed by the body; NULL otherwise. */
static const elstm_tflite_op *mul_of(const body *B, int32_t t)
{
    const elstm_tflite_op *op = producer(B, t);
    return op && op->builtin == ELSTM_TFL_OP_MUL && op->n_inputs == 2 && act_none(op) ? op : NULL;
}

static const char *act_word(const body *B, int32_t t)
{
    const elstm_tflite_op *op = producer(B, t);
    return op ? elstm_tflite_op_name(op->builtin) : "no operator";
}

/* ---- one loop ------------------------------------------------------------------------- */

#define WHY(L, ...) snprintf((L)->why, sizeof (L)->why, __VA_ARGS__)

static const char *const keras_lstm_advice =
    "edgelstm runs keras.layers.LSTM(units) with its default activations (activation='tanh', "
    "recurrent_activation='sigmoid'), starting from a zero state";

/* The variables and the cond of loop B: kinds, sequence, time, steps. 0 = not a loop
 * over a sequence (L->why says what). */
static int analyze_vars(body *B, elstm_tflite_loop *L, int32_t *seq)
{
    const elstm_tflite_subgraph *b = B->b, *c = B->cond;
    const elstm_tflite_op *w = B->w;
    *seq = -1;
    B->time = -1;
    if (w->n_inputs != B->nv || w->n_outputs != B->nv || b->n_outputs != B->nv || c->n_inputs != B->nv ||
        c->n_outputs != 1) {
        WHY(L, "the WHILE loop's variables do not match its body and cond subgraphs (%d, %d and %d), so it "
               "is not a recurrent layer edgelstm knows", (int)w->n_inputs, (int)b->n_inputs, (int)c->n_inputs);
        return 0;
    }
    for (int32_t v = 0; v < B->nv; v++) {
        int32_t bi = b->inputs[v], bo = b->outputs[v], init = w->inputs[v];
        const elstm_tflite_tensor *t = &b->tensors[bi];
        const elstm_tflite_op *op = producer(B, bo);
        B->kind[v] = V_OTHER;
        if (init < 0) continue;
        if (bo == bi) {
            B->kind[v] = V_PASS;
        } else if ((t->type == ELSTM_TFL_INT32 || t->type == ELSTM_TFL_INT64) && t->elements == 1 && op &&
                   op->builtin == ELSTM_TFL_OP_ADD && op->n_inputs == 2 && act_none(op)) {
            int64_t one, first;
            int k = op->inputs[0] == bi ? 1 : op->inputs[1] == bi ? 0 : -1;
            if (k >= 0 && op->inputs[k] >= 0 && const_int(&b->tensors[op->inputs[k]], &one) && one == 1 &&
                const_int(&B->main->tensors[init], &first)) {
                B->kind[v] = V_COUNTER;
                B->start[v] = first;
            }
        } else if (t->type == ELSTM_TFL_FLOAT32) {
            B->kind[v] = V_STATE;
        }
    }
    /* the sequence: a passed-through variable that GATHER reads at the time index */
    for (int32_t k = 0; k < b->n_ops; k++) {
        const elstm_tflite_op *op = &b->ops[k];
        if (op->builtin != ELSTM_TFL_OP_GATHER || op->n_inputs != 2 || op->n_outputs != 1) continue;
        int32_t sv = body_var(B, op->inputs[0]), tv = body_var(B, op->inputs[1]);
        if (sv < 0 || tv < 0 || B->kind[sv] != V_PASS || B->kind[tv] != V_COUNTER) continue;
        if (*seq >= 0) {
            WHY(L, "the loop body reads its input sequence more than once per step, so it is not a recurrent "
                   "layer edgelstm knows");
            return 0;
        }
        if (op->opt.axis != 0 || op->opt.batch_dims != 0 || B->start[tv] != 0) continue;
        *seq = sv;
        B->time = tv;
        B->x_t = op->outputs[0];
    }
    if (*seq < 0) {
        WHY(L, "the loop does not step through a sequence (no GATHER of a loop input at a counter that starts "
               "at 0), so it is not a recurrent layer edgelstm knows");
        return 0;
    }
    const elstm_tflite_tensor *s = &b->tensors[b->inputs[*seq]], *s0 = &B->main->tensors[w->inputs[*seq]];
    if (s->rank != 3 || s->shape[1] != 1 || s->type != ELSTM_TFL_FLOAT32 || s0->rank != 3 ||
        memcmp(s->shape, s0->shape, 3 * sizeof(int32_t)) != 0 || s->shape[0] < 1 || s->shape[2] < 1) {
        WHY(L, "the loop's input sequence is not a time-major float32 [steps,1,features] tensor (batch size 1), "
               "so it is not a recurrent layer edgelstm knows");
        return 0;
    }
    B->T = s->shape[0];
    B->I = s->shape[2];
    /* the cond: LOGICAL_AND of LESS(counter, constant); iterations = min(constant - start) */
    int64_t steps = -1;
    int32_t stack[MAX_DEPTH], top = 0, visits = 0;
    stack[top++] = c->outputs[0];
    while (top > 0) {
        int32_t t = stack[--top], p = -1;
        /* a cycle or a blown-up DAG of ANDs (never a converter's cond) finds no producer */
        if (++visits <= 4 * MAX_DEPTH)
            for (int32_t k = 0; k < c->n_ops && p < 0; k++)
                for (int32_t o = 0; o < c->ops[k].n_outputs; o++)
                    if (c->ops[k].outputs[o] == t) p = k;
        const elstm_tflite_op *op = p >= 0 ? &c->ops[p] : NULL;
        int64_t limit;
        int32_t v = -1;
        if (op && op->builtin == ELSTM_TFL_OP_LOGICAL_AND && op->n_inputs == 2 && top + 2 <= MAX_DEPTH) {
            stack[top++] = op->inputs[0];
            stack[top++] = op->inputs[1];
            continue;
        }
        if (op && op->builtin == ELSTM_TFL_OP_LESS && op->n_inputs == 2 && op->inputs[1] >= 0)
            for (int32_t k = 0; k < B->nv; k++)
                if (c->inputs[k] == op->inputs[0]) v = k;
        if (v < 0 || B->kind[v] != V_COUNTER || !const_int(&c->tensors[op->inputs[1]], &limit)) {
            WHY(L, "the loop's stopping condition is not a count of steps, so it is not a recurrent layer "
                   "edgelstm knows");
            return 0;
        }
        if (steps < 0 || limit - B->start[v] < steps) steps = limit - B->start[v];
    }
    if (steps != B->T) {
        WHY(L, "the loop runs %lld steps over a sequence of %d, so it is not a recurrent layer edgelstm knows",
            (long long)steps, (int)B->T);
        return 0;
    }
    return 1;
}

/* The accumulator: state `v` whose next value writes h' at the time slot. Gives h'. */
static int accumulator_writes(const body *B, int32_t v, int32_t *h_new, int *full)
{
    const elstm_tflite_subgraph *b = B->b;
    const elstm_tflite_tensor *acc = &b->tensors[b->inputs[v]];
    const elstm_tflite_op *op = producer(B, b->outputs[v]);
    if (!op || acc->rank != 3 || acc->shape[1] != 1 || acc->shape[2] < 1) return 0;
    int32_t N = acc->shape[2];
    if (is_reshape(op->builtin) && acc->shape[0] == 1 && op->n_inputs >= 1 && op->inputs[0] >= 0 &&
        b->tensors[op->inputs[0]].elements == (size_t)N) {
        *h_new = strip_reshapes(B, op->inputs[0]);
        *full = B->T == 1;
        return 1;
    }
    if (acc->shape[0] != B->T) return 0;
    if (op->builtin == ELSTM_TFL_OP_CONCATENATION && op->n_inputs == 3 && op->opt.axis == 0 && act_none(op)) {
        const elstm_tflite_op *pre = producer(B, op->inputs[0]), *post = producer(B, op->inputs[2]);
        int32_t acc_in = b->inputs[v];
        if (!pre || !post || pre->builtin != ELSTM_TFL_OP_SLICE || post->builtin != ELSTM_TFL_OP_SLICE ||
            pre->n_inputs != 3 || post->n_inputs != 3 || pre->inputs[0] != acc_in || post->inputs[0] != acc_in)
            return 0;
        /* pre = acc[0 : time], post = acc[time + 1 :] */
        if (!index_is(B, pre->inputs[1], 3, 0, 0, 0) || !index_is(B, pre->inputs[2], 3, 1, 0, -1) ||
            !index_is(B, post->inputs[1], 3, 1, 1, 0) || !index_is(B, post->inputs[2], 3, 0, -1, -1))
            return 0;
        if (op->inputs[1] < 0 || b->tensors[op->inputs[1]].elements != (size_t)N) return 0;
        *h_new = strip_reshapes(B, op->inputs[1]);
        *full = 1;
        return 1;
    }
    if (op->builtin == ELSTM_TFL_OP_DYNAMIC_UPDATE_SLICE && op->n_inputs == 3 && op->inputs[0] == b->inputs[v] &&
        op->inputs[1] >= 0 && b->tensors[op->inputs[1]].elements == (size_t)N &&
        index_is(B, op->inputs[2], 3, 1, 0, 0)) {
        *h_new = strip_reshapes(B, op->inputs[1]);
        *full = 1;
        return 1;
    }
    return 0;
}

/* Match the LSTM cell; 1 = matched (x->gate filled), else L says what it is. */
static int match_lstm(body *B, elstm_tflite_loop *L, match *x)
{
    const elstm_tflite_subgraph *b = B->b;
    int32_t states[3], ns = 0, h_new = -1;
    int full = 0;
    for (int32_t v = 0; v < B->nv; v++)
        if (B->kind[v] == V_STATE && ns < 3) states[ns++] = v;
    x->acc = x->h = x->c = -1;
    for (int s = 0; s < ns && x->acc < 0; s++) {
        int32_t hn;
        if (!accumulator_writes(B, states[s], &hn, &full)) continue;
        for (int k = 0; k < ns; k++)
            if (k != s && b->outputs[states[k]] == hn) {
                x->acc = states[s];
                x->h = states[k];
                h_new = hn;
            }
    }
    if (x->acc < 0) {
        L->kind = ELSTM_TFL_LOOP_OTHER;
        WHY(L, "the loop does not write its cell's output step by step into its result the way Keras does, so "
               "it is not a recurrent layer edgelstm knows");
        return 0;
    }
    for (int s = 0; s < ns; s++)
        if (states[s] != x->acc && states[s] != x->h) x->c = states[s];
    B->h_in = b->inputs[x->h];
    B->N = b->tensors[B->h_in].rank == 2 ? b->tensors[B->h_in].shape[1] : 0;
    L->return_sequences = full;
    int32_t c_in = b->inputs[x->c], c_new = b->outputs[x->c];
    if (B->N < 1 || b->tensors[B->h_in].shape[0] != 1 || b->tensors[c_in].elements != (size_t)B->N ||
        b->tensors[b->inputs[x->acc]].shape[2] != B->N) {
        L->kind = ELSTM_TFL_LOOP_OTHER;
        WHY(L, "the loop's states are not [1,units] vectors, so it is not a recurrent layer edgelstm knows");
        return 0;
    }
    L->units = B->N;
    L->kind = ELSTM_TFL_LOOP_LSTM_VARIANT;
    /* h' = o * act(c') */
    const elstm_tflite_op *hm = mul_of(B, h_new), *cm = NULL, *fc = NULL, *ig = NULL;
    int32_t o_act = -1, i_act = -1, f_act = -1, g_act = -1;
    if (hm)
        for (int k = 0; k < 2; k++) {
            const elstm_tflite_op *a = producer(B, hm->inputs[k]);
            if (a && a->n_inputs >= 1 && a->inputs[0] == c_new) {
                if (a->builtin != ELSTM_TFL_OP_TANH) {
                    WHY(L, "it is an LSTM with activation %s (Keras's default is tanh); %s",
                        elstm_tflite_op_name(a->builtin), keras_lstm_advice);
                    return 0;
                }
                o_act = hm->inputs[1 - k];
            }
        }
    /* c' = f * c + i * g */
    cm = producer(B, c_new);
    if (cm && cm->builtin == ELSTM_TFL_OP_ADD && cm->n_inputs == 2 && act_none(cm)) {
        for (int k = 0; k < 2; k++) {
            const elstm_tflite_op *p = mul_of(B, cm->inputs[k]);
            if (p && (p->inputs[0] == c_in || p->inputs[1] == c_in)) {
                fc = p;
                f_act = p->inputs[0] == c_in ? p->inputs[1] : p->inputs[0];
                ig = mul_of(B, cm->inputs[1 - k]);
            }
        }
    }
    if (o_act < 0 || !fc || !ig) {
        WHY(L, "the loop carries two states like an LSTM, but its cell update is not c' = f*c + i*g, "
               "h' = o*tanh(c'); %s", keras_lstm_advice);
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        const elstm_tflite_op *a = producer(B, ig->inputs[k]);
        if (a && a->builtin == ELSTM_TFL_OP_LOGISTIC && i_act < 0) {
            i_act = ig->inputs[k];
            g_act = ig->inputs[1 - k];
        }
    }
    int32_t gate_act[ELSTM_GATES] = {i_act, f_act, g_act, o_act};
    for (int g = 0; g < ELSTM_GATES; g++) {
        int32_t want = g == ELSTM_GATE_C ? ELSTM_TFL_OP_TANH : ELSTM_TFL_OP_LOGISTIC;
        if (gate_act[g] < 0 || !unary(B, gate_act[g], want)) {
            if (g == ELSTM_GATE_C && gate_act[g] >= 0)
                WHY(L, "it is an LSTM with activation %s (Keras's default is tanh); %s", act_word(B, gate_act[g]),
                    keras_lstm_advice);
            else
                WHY(L, "it is an LSTM whose gates are not computed with the sigmoid (%s); %s",
                    gate_act[g] >= 0 ? act_word(B, gate_act[g]) : "none", keras_lstm_advice);
            return 0;
        }
        int32_t z = unary(B, gate_act[g], want)->inputs[0];
        form *f = &x->gate[g];
        f->n = 0;
        int nx = 0, nh = 0, nb = 0;
        if (!form_of(B, z, 0, B->N, f, 0)) {
            WHY(L, "it is an LSTM whose gate inputs are not a sum of a product with x, a product with h and a "
                   "bias; %s", keras_lstm_advice);
            return 0;
        }
        for (int k = 0; k < f->n; k++) {
            const term *t = &f->t[k];
            nx += t->kind == TERM_X;
            nh += t->kind == TERM_H;
            nb += t->kind == TERM_B;
            if (t->kind == TERM_B) continue;
            int32_t cols = t->kind == TERM_X ? B->I : B->N;
            const elstm_tflite_tensor *w = t->t;
            int quant_ok = w->type == ELSTM_TFL_INT8 && w->n_quant >= 1 &&
                           (w->n_quant == 1 || (w->n_quant == w->shape[0] && w->quant_dim == 0));
            for (int32_t q = 0; quant_ok && q < w->n_quant; q++)
                quant_ok = w->zero_point[q] == 0 && w->scale[q] > 0.0f && w->scale[q] < 1e30f;
            if (w->shape[1] != cols || (w->type != ELSTM_TFL_FLOAT32 && !quant_ok)) {
                WHY(L, "it is an LSTM whose %s weights are %s %dx%d%s; edgelstm reads float32 weights or int8 "
                       "weights with zero point 0 and one scale per row or per tensor",
                    t->kind == TERM_X ? "input" : "recurrent", elstm_tflite_type_name(w->type), (int)w->shape[0],
                    (int)w->shape[1], w->type == ELSTM_TFL_INT8 ? " quantized otherwise" : "");
                return 0;
            }
            if (w->type == ELSTM_TFL_INT8) {
                L->hybrid = 1;
                if (t->kind == TERM_X) L->asym_x = t->asym;
                else L->asym_h = t->asym;
            }
        }
        if (nx != 1 || nh != 1 || nb > 1) {
            WHY(L, "it is an LSTM whose gate inputs hold %d products with x, %d with h and %d biases (one, one "
                   "and at most one expected); %s", nx, nh, nb, keras_lstm_advice);
            return 0;
        }
        L->use_bias |= nb;
    }
    /* the state starts at zero */
    if (!zero_floats(&B->main->tensors[B->w->inputs[x->h]]) || !zero_floats(&B->main->tensors[B->w->inputs[x->c]])) {
        WHY(L, "it is an LSTM that starts from a given state (initial_state); %s", keras_lstm_advice);
        return 0;
    }
    L->kind = ELSTM_TFL_LOOP_LSTM;
    return 1;
}

/* A state-carrying loop that is not an LSTM: GRU (two sigmoid gates), SimpleRNN (none). */
static void name_single_state(const body *B, elstm_tflite_loop *L)
{
    int sig = 0, tanh_ = 0;
    for (int32_t k = 0; k < B->b->n_ops; k++) {
        sig += B->b->ops[k].builtin == ELSTM_TFL_OP_LOGISTIC;
        tanh_ += B->b->ops[k].builtin == ELSTM_TFL_OP_TANH;
    }
    int32_t n = 0;
    for (int32_t v = 0; v < B->nv; v++)
        if (B->kind[v] == V_STATE && B->b->tensors[B->b->inputs[v]].rank == 2)
            n = B->b->tensors[B->b->inputs[v]].shape[1];
    L->units = n;
    if (sig >= 2) {
        L->kind = ELSTM_TFL_LOOP_GRU;
        WHY(L, "the loop is a GRU layer (one state, update and reset gates); edgelstm runs LSTM layers: use "
               "keras.layers.LSTM(%d) in its place, train again and convert with a fixed batch size of 1", (int)n);
    } else if (sig == 0 && tanh_ >= 1) {
        L->kind = ELSTM_TFL_LOOP_SIMPLE_RNN;
        WHY(L, "the loop is a SimpleRNN layer (one state, no gates); edgelstm runs LSTM layers: use "
               "keras.layers.LSTM(%d) in its place, train again and convert with a fixed batch size of 1", (int)n);
    } else {
        L->kind = ELSTM_TFL_LOOP_OTHER;
        WHY(L, "the loop carries one state but is neither a GRU nor a SimpleRNN cell; edgelstm runs Keras LSTM "
               "layers converted with a fixed batch size of 1");
    }
}

/* The main-graph operator writing tensor t, or -1. */
static int32_t main_producer(const elstm_tflite_subgraph *sg, int32_t t)
{
    for (int32_t k = 0; k < sg->n_ops; k++)
        for (int32_t o = 0; o < sg->ops[k].n_outputs; o++)
            if (sg->ops[k].outputs[o] == t) return k;
    return -1;
}

static int main_reads(const elstm_tflite_subgraph *sg, int32_t t)
{
    for (int32_t k = 0; k < sg->n_ops; k++)
        for (int32_t i = 0; i < sg->ops[k].n_inputs; i++)
            if (sg->ops[k].inputs[i] == t) return 1;
    for (int32_t i = 0; i < sg->n_outputs; i++)
        if (sg->outputs[i] == t) return 1;
    return 0;
}

/* Loop k of subgraph 0 over a reversed sequence: one direction of a Bidirectional layer
 * (another loop reads the sequence unreversed) or go_backwards. */
/* Another WHILE than `self` reads tensor t. */
static int loop_reads(const elstm_tflite_subgraph *sg, int32_t self, int32_t t)
{
    for (int32_t k = 0; k < sg->n_ops; k++)
        if (k != self && sg->ops[k].builtin == ELSTM_TFL_OP_WHILE)
            for (int32_t i = 0; i < sg->ops[k].n_inputs; i++)
                if (sg->ops[k].inputs[i] == t) return 1;
    return 0;
}

static void name_direction(const elstm_tflite_model *m, elstm_tflite_loop *L, int32_t seq_var)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    const elstm_tflite_op *w = &sg->ops[L->op];
    if (seq_var < 0) return;
    int32_t seq = w->inputs[seq_var], p = main_producer(sg, seq), backward = 0, bidi = 0;
    if (p >= 0 && sg->ops[p].builtin == ELSTM_TFL_OP_REVERSE_V2 && sg->ops[p].n_inputs >= 1) {
        backward = 1;
        bidi = loop_reads(sg, L->op, sg->ops[p].inputs[0]);
    } else {
        /* the forward half: the sequence it reads is also reversed for another loop */
        for (int32_t k = 0; k < sg->n_ops && !bidi; k++)
            if (sg->ops[k].builtin == ELSTM_TFL_OP_REVERSE_V2 && sg->ops[k].n_inputs >= 1 &&
                sg->ops[k].inputs[0] == seq && sg->ops[k].n_outputs >= 1)
                bidi = loop_reads(sg, L->op, sg->ops[k].outputs[0]);
    }
    if (!backward && !bidi) return;
    const char *cell = L->kind == ELSTM_TFL_LOOP_LSTM || L->kind == ELSTM_TFL_LOOP_LSTM_VARIANT ? "LSTM"
                                                                                                  : elstm_tflite_loop_kind_name(L->kind);
    if (bidi) {
        L->kind = ELSTM_TFL_LOOP_BIDIRECTIONAL;
        WHY(L, "the loop is the %s %s of a Bidirectional layer (two loops read the same sequence, one of them "
               "reversed, and their results are joined); edgelstm runs forward LSTM layers: use "
               "keras.layers.LSTM(%d) instead of Bidirectional(%s(%d)), or stack two LSTM layers",
            backward ? "backward" : "forward", cell, (int)L->units, cell, (int)L->units);
    } else {
        L->kind = ELSTM_TFL_LOOP_BACKWARD;
        WHY(L, "the loop is %s %s over the reversed sequence (go_backwards=True); edgelstm runs LSTM layers that "
               "read the window forward (go_backwards=False)", strcmp(cell, "GRU") == 0 || strcmp(cell, "SimpleRNN") == 0 ? "a" : "an", cell);
    }
}

static void analyze(const elstm_tflite_model *m, int32_t k, elstm_tflite_loop *L, match *x)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    const elstm_tflite_op *w = &sg->ops[k];
    memset(L, 0, sizeof *L);
    memset(x, 0, sizeof *x);
    L->op = k;
    L->kind = ELSTM_TFL_LOOP_OTHER;
    L->cond = w->opt.cond_subgraph;
    L->body = w->opt.body_subgraph;
    if (w->opt.type != TFL_OPT_WHILE || L->cond < 0 || L->body < 0) {
        WHY(L, "the WHILE operator has no WhileOptions naming its subgraphs");
        return;
    }
    if (L->cond == 0 || L->body == 0) {
        WHY(L, "the WHILE loop runs the main graph itself, which is not a recurrent layer edgelstm knows");
        return;
    }
    /* TensorFlow operators in the body: the converter's fallback for a batch size it cannot fix */
    const elstm_tflite_subgraph *b = &m->subgraphs[L->body];
    for (int32_t op = 0; op < b->n_ops; op++) {
        if (b->ops[op].builtin != ELSTM_TFL_OP_CUSTOM) continue;
        uint32_t oc = b->ops[op].opcode_index;
        const char *cc = oc < (uint32_t)m->n_opcodes ? m->opcodes[oc].custom_code : NULL;
        if (cc && strncmp(cc, "Flex", 4) == 0)
            WHY(L, "the loop runs the TensorFlow operator %.64s (the converter writes TensorFlow operators when the "
                   "batch size is not fixed and SELECT_TF_OPS is allowed); edgelstm runs TFLite's builtin operators: "
                   "build the model for conversion with keras.Input(shape=(steps, features), batch_size=1) and "
                   "convert it without SELECT_TF_OPS", cc + 4);
        else
            WHY(L, "the loop runs the custom operator %.64s, so it is not a recurrent layer edgelstm knows",
                cc ? cc : "(unnamed)");
        return;
    }
    body B;
    memset(&B, 0, sizeof B);
    B.m = m;
    B.main = sg;
    B.w = w;
    B.b = &m->subgraphs[L->body];
    B.cond = &m->subgraphs[L->cond];
    B.nv = B.b->n_inputs;
    B.prod = malloc(((size_t)B.b->n_tensors + 1) * sizeof *B.prod);
    B.kind = calloc((size_t)B.nv + 1, 1);
    B.start = calloc((size_t)B.nv + 1, sizeof *B.start);
    if (!B.prod || !B.kind || !B.start) {
        WHY(L, "out of memory while reading the loop");
        goto done;
    }
    for (int32_t t = 0; t < B.b->n_tensors; t++) B.prod[t] = -1;
    for (int32_t op = 0; op < B.b->n_ops; op++)
        for (int32_t o = 0; o < B.b->ops[op].n_outputs; o++)
            if (B.prod[B.b->ops[op].outputs[o]] < 0) B.prod[B.b->ops[op].outputs[o]] = op;
    int32_t seq;
    if (!analyze_vars(&B, L, &seq)) goto done;
    x->seq = seq;
    L->steps = B.T;
    L->n_input = B.I;
    int32_t states = 0;
    for (int32_t v = 0; v < B.nv; v++) states += B.kind[v] == V_STATE;
    if (states == 3) {
        if (match_lstm(&B, L, x)) {
            /* nothing but the result may be used after the loop */
            for (int32_t v = 0; v < B.nv; v++) {
                if (v == x->acc || !main_reads(sg, w->outputs[v])) continue;
                L->kind = ELSTM_TFL_LOOP_LSTM_VARIANT;
                if (v == x->h || v == x->c)
                    WHY(L, "it is an LSTM whose final state is used after it (return_state=True); edgelstm runs "
                           "LSTM layers whose only result is their output");
                else
                    WHY(L, "the graph uses a loop variable other than the LSTM's output after the loop");
                break;
            }
        }
    } else if (states == 2) {
        name_single_state(&B, L);
    } else {
        WHY(L, "the loop carries %d float states (an LSTM has its output, h and c), so it is not a recurrent "
               "layer edgelstm knows", (int)states);
    }
    name_direction(m, L, seq);
done:
    free(B.prod);
    free(B.kind);
    free(B.start);
}

/* ---- the graph edgelstm runs ------------------------------------------------------------ */

static char *pool_str(elstm_tflite_model *m, const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = tfl_pool_alloc(m, n);
    if (s) snprintf(s, n, "%s%s", a, b);
    return s;
}

static int32_t *pool_ints(elstm_tflite_model *m, int32_t n, const int32_t *v)
{
    int32_t *p = tfl_pool_alloc(m, (size_t)n * sizeof *p);
    if (p && v) memcpy(p, v, (size_t)n * sizeof *p);
    return p;
}

/* An operator of the graph standing for loop `li` (the WHILE operator w of the file). */
static elstm_tflite_op *loop_op(elstm_tflite_op *op, const elstm_tflite_op *w, const elstm_tflite_loop *L, int32_t li,
                                int32_t builtin, int32_t n_inputs, const int32_t *inputs, const int32_t *outputs)
{
    memset(op, 0, sizeof *op);
    op->opcode_index = w->opcode_index;
    op->builtin = builtin;
    op->n_inputs = n_inputs;
    op->inputs = inputs;
    op->n_outputs = 1;
    op->outputs = outputs;
    op->file_op = L->op;
    op->loop = li;
    return op;
}

/* A new tensor of the graph; returns its index or -1 (memory). */
static int32_t new_tensor(elstm_tflite_model *m, elstm_tflite_subgraph *g, const char *base, const char *suffix,
                          int32_t type, int32_t rank, const int32_t *shape)
{
    elstm_tflite_tensor *t = &g->tensors[g->n_tensors];
    t->name = pool_str(m, base, suffix);
    t->shape = pool_ints(m, rank, shape);
    if (!t->name || !t->shape) return -1;
    t->rank = rank;
    t->type = type;
    t->elements = 1;
    for (int32_t d = 0; d < rank; d++) t->elements *= (size_t)shape[d];
    t->quant_dim = 0;
    return g->n_tensors++;
}

/* Rows row..row+rows-1 of matrix w (or elements of vector w) as a new constant tensor. */
static int32_t view(elstm_tflite_model *m, elstm_tflite_subgraph *g, const char *base, const char *suffix,
                    const elstm_tflite_tensor *w, int32_t row, int32_t rows)
{
    int32_t cols = w->rank == 2 ? w->shape[1] : 1, shape[2] = {rows, cols};
    int32_t t = new_tensor(m, g, base, suffix, w->type, w->rank == 2 ? 2 : 1, shape);
    if (t < 0) return -1;
    elstm_tflite_tensor *v = &g->tensors[t];
    size_t esize = elstm_tflite_type_size(w->type);
    v->buffer = w->buffer;
    v->data = (const uint8_t *)w->data + (size_t)row * (size_t)cols * esize;
    v->data_bytes = v->elements * esize;
    if (w->n_quant == 1) {
        v->n_quant = 1;
        v->scale = w->scale;
        v->zero_point = w->zero_point;
    } else if (w->n_quant > 1) {
        v->n_quant = rows;
        v->scale = w->scale + row;
        v->zero_point = w->zero_point + row;
    }
    return t;
}

/* "sequential/lstm" from the body's name "sequential/lstm/while_body" (or "while_K"). */
static const char *loop_base(elstm_tflite_model *m, const elstm_tflite_loop *L, char *buf, size_t n)
{
    const char *name = m->subgraphs[L->body].name;
    const char *suffix = "/while_body";
    if (name && strlen(name) > strlen(suffix) && strcmp(name + strlen(name) - strlen(suffix), suffix) == 0)
        snprintf(buf, n, "%.*s", (int)(strlen(name) - strlen(suffix)), name);
    else
        snprintf(buf, n, "while_%d", (int)L->op);
    return buf;
}

/* Emit loop L as an LSTM operator (+ SLICE of the last step) into g; 0 = out of memory. */
static int emit_loop(elstm_tflite_model *m, elstm_tflite_subgraph *g, int32_t li, const match *x)
{
    const elstm_tflite_loop *L = &m->loops[li];
    const elstm_tflite_op *w = &m->subgraphs[0].ops[L->op];
    static const char *const wx_name[4] = {"/input_to_input_weights", "/input_to_forget_weights",
                                          "/input_to_cell_weights", "/input_to_output_weights"};
    static const char *const wh_name[4] = {"/recurrent_to_input_weights", "/recurrent_to_forget_weights",
                                          "/recurrent_to_cell_weights", "/recurrent_to_output_weights"};
    static const char *const b_name[4] = {"/input_gate_bias", "/forget_gate_bias", "/cell_gate_bias",
                                         "/output_gate_bias"};
    char base[160];
    loop_base(m, L, base, sizeof base);
    int32_t *in = pool_ints(m, 24, NULL), *out = pool_ints(m, 1, NULL);
    if (!in || !out) return 0;
    for (int i = 0; i < 24; i++) in[i] = -1;
    in[0] = w->inputs[x->seq];
    for (int gi = 0; gi < ELSTM_GATES; gi++) {
        const form *f = &x->gate[gi];
        for (int k = 0; k < f->n; k++) {
            const term *t = &f->t[k];
            int slot = t->kind == TERM_X ? 1 + gi : t->kind == TERM_H ? 5 + gi : 12 + gi;
            const char *nm = t->kind == TERM_X ? wx_name[gi] : t->kind == TERM_H ? wh_name[gi] : b_name[gi];
            in[slot] = view(m, g, base, nm, t->t, t->row, L->units);
            if (in[slot] < 0) return 0;
        }
    }
    int32_t state_shape[2] = {1, L->units};
    in[18] = new_tensor(m, g, base, "/output_state", ELSTM_TFL_FLOAT32, 2, state_shape);
    if (in[18] < 0) return 0;
    g->tensors[in[18]].is_variable = 1;
    in[19] = new_tensor(m, g, base, "/cell_state", ELSTM_TFL_FLOAT32, 2, state_shape);
    if (in[19] < 0) return 0;
    g->tensors[in[19]].is_variable = 1;
    int32_t result = w->outputs[x->acc];
    if (L->return_sequences) {
        out[0] = result;
    } else {
        int32_t seq_shape[3] = {L->steps, 1, L->units}, three = 3;
        out[0] = new_tensor(m, g, base, "/sequence", ELSTM_TFL_FLOAT32, 3, seq_shape);
        int32_t begin = new_tensor(m, g, base, "/last_step_begin", ELSTM_TFL_INT32, 1, &three);
        int32_t size = new_tensor(m, g, base, "/last_step_size", ELSTM_TFL_INT32, 1, &three);
        if (out[0] < 0 || begin < 0 || size < 0) return 0;
        int32_t bv[3] = {L->steps - 1, 0, 0}, sv[3] = {1, 1, L->units};
        g->tensors[begin].data = pool_ints(m, 3, bv);
        g->tensors[size].data = pool_ints(m, 3, sv);
        if (!g->tensors[begin].data || !g->tensors[size].data) return 0;
        g->tensors[begin].data_bytes = g->tensors[size].data_bytes = 3 * sizeof(int32_t);
        int32_t *sin = pool_ints(m, 3, (int32_t[]){out[0], begin, size}), *sout = pool_ints(m, 1, &result);
        if (!sin || !sout) return 0;
        loop_op(&g->ops[g->n_ops + 1], w, L, li, ELSTM_TFL_OP_SLICE, 3, sin, sout);
    }
    elstm_tflite_op *op = loop_op(&g->ops[g->n_ops], w, L, li, ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM, 24, in, out);
    op->opt.type = TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM;
    op->opt.fused_activation = TFL_ACT_TANH;
    op->opt.cell_clip = 0.0f;
    op->opt.time_major = 1;
    op->opt.asymmetric_quantize_inputs = L->asym_x || L->asym_h;
    op->opt.cond_subgraph = op->opt.body_subgraph = -1;
    g->n_ops += L->return_sequences ? 1 : 2;
    return 1;
}

/* Build m->graph from subgraph 0 and the matched loops; 0 = out of memory. */
static int build_graph(elstm_tflite_model *m, const match *x)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    elstm_tflite_subgraph *g = tfl_pool_alloc(m, sizeof *g);
    size_t extra_t = 0, extra_o = 0;
    for (int32_t l = 0; l < m->n_loops; l++) {
        extra_t += 8 + 4 + 2 + 3;
        extra_o += 1;
    }
    if (!g) return 0;
    *g = *sg;
    g->tensors = tfl_pool_alloc(m, ((size_t)sg->n_tensors + extra_t) * sizeof *g->tensors);
    g->ops = tfl_pool_alloc(m, ((size_t)sg->n_ops + extra_o) * sizeof *g->ops);
    if (!g->tensors || !g->ops) return 0;
    if (sg->n_tensors) memcpy(g->tensors, sg->tensors, (size_t)sg->n_tensors * sizeof *g->tensors);
    g->n_ops = 0;
    for (int32_t k = 0, l = 0; k < sg->n_ops; k++) {
        if (sg->ops[k].builtin == ELSTM_TFL_OP_WHILE) {
            if (!emit_loop(m, g, l, &x[l])) return 0;
            l++;
        } else {
            g->ops[g->n_ops++] = sg->ops[k];
        }
    }
    m->graph = g;
    return 1;
}

int tfl_loops_analyze(elstm_tflite_model *m)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    m->graph = sg;
    int32_t n = 0;
    for (int32_t k = 0; k < sg->n_ops; k++) n += sg->ops[k].builtin == ELSTM_TFL_OP_WHILE;
    if (n == 0) return 0;
    m->loops = tfl_pool_alloc(m, (size_t)n * sizeof *m->loops);
    match *x = calloc((size_t)n, sizeof *x);
    if (!m->loops || !x) {
        free(x);
        return -1;
    }
    int all = 1;
    for (int32_t k = 0; k < sg->n_ops; k++) {
        if (sg->ops[k].builtin != ELSTM_TFL_OP_WHILE) continue;
        analyze(m, k, &m->loops[m->n_loops], &x[m->n_loops]);
        all &= m->loops[m->n_loops].kind == ELSTM_TFL_LOOP_LSTM;
        m->n_loops++;
    }
    int ok = !all || build_graph(m, x);
    free(x);
    return ok ? 0 : -1;
}

/* ---- queries ------------------------------------------------------------------------------ */

const char *elstm_tflite_loop_kind_name(elstm_tflite_loop_kind kind)
{
    switch (kind) {
    case ELSTM_TFL_LOOP_LSTM: return "LSTM";
    case ELSTM_TFL_LOOP_LSTM_VARIANT: return "LSTM variant";
    case ELSTM_TFL_LOOP_GRU: return "GRU";
    case ELSTM_TFL_LOOP_SIMPLE_RNN: return "SimpleRNN";
    case ELSTM_TFL_LOOP_BIDIRECTIONAL: return "Bidirectional";
    case ELSTM_TFL_LOOP_BACKWARD: return "backward LSTM";
    case ELSTM_TFL_LOOP_OTHER: break;
    }
    return "other";
}

const elstm_tflite_loop *elstm_tflite_find_loop(const elstm_tflite_model *m, int32_t k)
{
    for (int32_t l = 0; l < m->n_loops; l++)
        if (m->loops[l].op == k) return &m->loops[l];
    return NULL;
}
