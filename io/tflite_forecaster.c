/*
 * tflite_forecaster.c - elstm_forecaster_load(): a .tflite (ours or TensorFlow-converted)
 * whose graph (m->graph: subgraph 0, with Keras 3's WHILE-loop LSTMs as LSTM operators) is
 *
 *   {RESHAPE | STRIDED_SLICE | SLICE}* -> UNIDIRECTIONAL_SEQUENCE_LSTM
 *     ( -> {...}* -> UNIDIRECTIONAL_SEQUENCE_LSTM )*     stacked layers
 *     -> {...}* -> FULLY_CONNECTED
 *
 * where the operators between the input and the first LSTM and between two LSTMs pass
 * the whole sequence on unchanged (batch 1: [1,T,I] and time-major [T,1,I] hold the same
 * values in the same order), and those after the last LSTM select its last time step.
 * It becomes an elstm_forecaster with its weights copied (bitwise; int8 weights of a
 * hybrid file dequantized) into one aligned block. A full-integer model (int8 or 16x8)
 * has one LSTM, read directly from the input or from a first QUANTIZE, and may end in a
 * DEQUANTIZE after its dense layer; it keeps the runtime parameters the graph executor
 * planned (elstm_net_s8 / _s16).
 *
 * The chains are not recognised by their constants but checked by running them: the
 * executor's own slicing plans are applied to a tensor filled with each element's index,
 * and the next layer must receive exactly the indices it should (all of them in order,
 * or those of the last step). Anything that reads differently is refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "host/lstm_f32_pack.h"
#include "host/lstm_s8_pack.h"
#include "multi/lstm_stack.h"
#include "tflite_exec.h"
#include "tflite_schema.h"

void elstm_forecaster_free(elstm_forecaster *f)
{
    if (!f) return;
    free(f->storage);
    memset(f, 0, sizeof *f);
}

const char *elstm_forecaster_text(const elstm_forecaster *f, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    if (f->dtype != ELSTM_FORECASTER_F32 && n > 0)
        k = (size_t)snprintf(buf, n, "%s ", f->dtype == ELSTM_FORECASTER_S8 ? "int8" : "16x8");
    for (int32_t l = 0; l < f->n_layers && k < n; l++)
        k += (size_t)snprintf(buf + k, n - k, "%sLSTM(%d)", l ? " -> " : "", (int)f->layers[l].n_units);
    if (k < n) snprintf(buf + k, n - k, " + Dense(%d)", (int)elstm_forecaster_top(f)->n_output);
    return buf;
}

elstm_status elstm_forecaster_window(const elstm_forecaster *f, const float *x, float *y)
{
    if (f->dtype != ELSTM_FORECASTER_F32) {   /* the runtime's integer kernels */
        elstm_net_ctx_s8 c8;
        elstm_net_ctx_s16 c16;
        const int s8 = f->dtype == ELSTM_FORECASTER_S8;
        size_t bytes = s8 ? elstm_net_arena_size_s8(&f->net8) : elstm_net_arena_size_s16(&f->net16);
        void *arena = malloc(bytes);
        if (!arena) return ELSTM_ERR_NOMEM;
        elstm_status st = s8 ? elstm_net_init_s8(&c8, &f->net8, arena, bytes)
                             : elstm_net_init_s16(&c16, &f->net16, arena, bytes);
        if (st == ELSTM_OK && s8) elstm_net_window_s8(&c8, x, f->steps, y);
        else if (st == ELSTM_OK) elstm_net_window_s16_ref(&c16, x, f->steps, y);
        free(arena);
        return st;
    }
    elstm_lstm_ctx_f32 ctx[ELSTM_MAX_LAYERS];
    size_t bytes = elstm_lstm_stack_arena_size_f32(f->layers, f->n_layers);
    void *arena = malloc(bytes);
    if (!arena) return ELSTM_ERR_NOMEM;
    elstm_status st = elstm_lstm_stack_init_f32(ctx, f->layers, f->n_layers, arena, bytes);
    if (st == ELSTM_OK && f->n_layers == 1) elstm_lstm_window_f32(&ctx[0], x, f->steps, y);
    else if (st == ELSTM_OK) elstm_lstm_stack_window_f32(ctx, f->n_layers, x, f->steps, y);
    free(arena);
    return st;
}

static elstm_status refuse(const elstm_tflite_model *m, const char *why, elstm_diag *diag)
{
    return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                          "not an edgelstm forecaster: %s; a forecaster is one or more float32 "
                          "LSTM layers, or one int8 or 16x8 LSTM (optionally after a QUANTIZE), "
                          "whose last step feeds a FULLY_CONNECTED layer (optionally followed by a "
                          "DEQUANTIZE; use 'edgelstm run' for other graphs)", why);
}

/* The LSTM operators of the graph, in order, and where the layers sit. */
typedef struct layout {
    int32_t n;                       /* LSTM layers */
    int32_t op[ELSTM_MAX_LAYERS];    /* their operator indices */
    int32_t lo;                      /* first operator after a leading QUANTIZE (else 0) */
    int32_t fc;                      /* the dense layer (the last operator, or the one before
                                        a trailing DEQUANTIZE) */
} layout;

static int is_layout_op(int32_t b)
{
    return b == ELSTM_TFL_OP_STRIDED_SLICE || b == ELSTM_TFL_OP_SLICE || b == ELSTM_TFL_OP_RESHAPE;
}

/* Each segment between the input, the LSTMs and the dense layer carries what it should. */
static elstm_status check_flow(const elstm_tflite_model *m, elstm_tflite_exec *e, const layout *L,
                               const elstm_lstm_f32 *layer, int32_t T, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    char why[200];
    int32_t from = L->lo ? sg->ops[0].outputs[0] : sg->inputs[0], first = L->lo;
    for (int32_t l = 0; l <= L->n; l++) {
        int32_t k = l < L->n ? L->op[l] : L->fc;
        size_t total = sg->tensors[from].elements;
        if (total > TFL_EXEC_CHAIN_MAX)
            return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                                  "a tensor of the model has %zu values, more than edgelstm loads", total);
        int ok;
        if (l < L->n) {   /* the whole sequence, in order */
            ok = tfl_exec_chain_delivers(e, first, k - 1, total, 0, total);
        } else {          /* the last step of the last LSTM */
            size_t N = (size_t)layer[L->n - 1].n_units;
            ok = tfl_exec_chain_delivers(e, first, k - 1, total, (size_t)(T - 1) * N, N);
        }
        if (!ok) {
            if (l == 0) snprintf(why, sizeof why, "the operators before the LSTM do not pass the input on unchanged");
            else if (l < L->n) snprintf(why, sizeof why, "the operators between LSTM layers %d and %d do not pass "
                                                         "the whole sequence on unchanged", (int)l, (int)l + 1);
            else snprintf(why, sizeof why, "the operators between the LSTM and the dense layer do not select the "
                                           "last time step");
            return refuse(m, why, diag);
        }
        if (l < L->n) {
            from = sg->ops[k].outputs[0];
            first = k + 1;
        }
    }
    return ELSTM_OK;
}

static elstm_status check_structure(const elstm_tflite_model *m, layout *L, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const int32_t n = sg->n_ops;
    char why[256];
    elstm_status st = tfl_refuse_loops(m, diag);
    if (st != ELSTM_OK) return st;
    L->n = 0;
    L->lo = n > 0 && sg->ops[0].builtin == ELSTM_TFL_OP_QUANTIZE ? 1 : 0;
    L->fc = n > 0 && sg->ops[n - 1].builtin == ELSTM_TFL_OP_DEQUANTIZE ? n - 2 : n - 1;
    int has_lstm = 0;
    for (int32_t k = 0; k < n; k++) has_lstm |= sg->ops[k].builtin == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM;
    if (!has_lstm || L->fc - L->lo < 1 || sg->ops[L->fc].builtin != ELSTM_TFL_OP_FULLY_CONNECTED) {
        snprintf(why, sizeof why, "its %d operators run %s first and %s last%s", (int)n,
                 n ? elstm_tflite_op_name(sg->ops[0].builtin) : "nothing",
                 n ? elstm_tflite_op_name(sg->ops[n - 1].builtin) : "nothing",
                 has_lstm ? "" : ", with no LSTM");
        return refuse(m, why, diag);
    }
    for (int32_t k = 0; k < n; k++) {
        const elstm_tflite_op *op = &sg->ops[k];
        if (op->n_inputs < 1 || op->inputs[0] < 0 || op->n_outputs < 1) {
            snprintf(why, sizeof why, "operator %d has no input or no output", (int)op->file_op);
            return refuse(m, why, diag);
        }
        if (k > 0 && op->inputs[0] != sg->ops[k - 1].outputs[0]) {
            snprintf(why, sizeof why, "operator %d does not read the output of the operator before it",
                     (int)op->file_op);
            return refuse(m, why, diag);
        }
        if (k < L->lo || k >= L->fc) continue;
        if (op->builtin == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM) {
            if (L->n == ELSTM_MAX_LAYERS) {
                snprintf(why, sizeof why, "it has more than %d LSTM layers", ELSTM_MAX_LAYERS);
                return refuse(m, why, diag);
            }
            L->op[L->n++] = k;
        } else if (!is_layout_op(op->builtin)) {
            snprintf(why, sizeof why, "operator %d is %s, which a forecaster does not have", (int)op->file_op,
                     elstm_tflite_op_name(op->builtin));
            return refuse(m, why, diag);
        }
    }
    if (L->n == 0) return refuse(m, "its LSTM is its last operator", diag);
    const elstm_tflite_op *fc = &sg->ops[L->fc];
    if (sg->n_inputs != 1 || sg->ops[0].inputs[0] != sg->inputs[0])
        return refuse(m, "the first operator does not read the graph's only input", diag);
    if (sg->n_outputs != 1 || sg->ops[n - 1].outputs[0] != sg->outputs[0])
        return refuse(m, "the dense layer's output is not the graph's only output", diag);
    if (fc->opt.fused_activation != TFL_ACT_NONE) {
        snprintf(why, sizeof why, "the dense layer applies a %s activation",
                 elstm_tflite_activation_name(fc->opt.fused_activation));
        return refuse(m, why, diag);
    }
    return ELSTM_OK;
}

/* Elements of a weight operand as float32 (int8: scale of its row, or of the tensor, times q). */
static void put_weights(float *dst, const elstm_tflite_tensor *t, size_t rows, size_t cols)
{
    if (t->type == ELSTM_TFL_FLOAT32) {
        memcpy(dst, t->data, rows * cols * sizeof(float));
        return;
    }
    const int8_t *q = t->data;
    for (size_t r = 0; r < rows; r++) {
        float s = t->scale[t->n_quant > 1 ? r : 0];
        for (size_t c = 0; c < cols; c++) dst[r * cols + c] = s * (float)q[r * cols + c];
    }
}

/* Copy every layer's weights (bitwise, or dequantized) and the dense layer into one
 * aligned block and point f->layers at it; the block also holds the packed layout of
 * this build's kernel, if it has one. */
static elstm_status copy_weights(const elstm_tflite_model *m, const layout *L, const elstm_lstm_f32 *shape,
                                 const elstm_tflite_tensor *wd, const elstm_tflite_tensor *bd, elstm_forecaster *f,
                                 elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const size_t align = ELSTM_ARENA_ALIGN / sizeof(float);
    const size_t O = (size_t)wd->shape[0], Nl = (size_t)shape[L->n - 1].n_units;
    size_t total = O * Nl + O, packed = 0;
    for (int32_t l = 0; l < L->n; l++) {
        size_t N = (size_t)shape[l].n_units, I = (size_t)shape[l].n_input;
        total += 4 * (N * I + N * N + N);
    }
    size_t total_padded = (total + align - 1) / align * align;
    for (int32_t l = 0; l < L->n; l++) {
        elstm_lstm_f32 probe = shape[l];
        probe.n_output = l == L->n - 1 ? (int32_t)O : 0;
        packed += (elstm_lstm_packed_floats_f32(&probe) + align - 1) / align * align;
    }
    float *p = aligned_alloc(ELSTM_ARENA_ALIGN, ((total_padded + packed) * sizeof(float) + 2 * ELSTM_ARENA_ALIGN) /
                                                    ELSTM_ARENA_ALIGN * ELSTM_ARENA_ALIGN);
    if (!p) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, m->path, 0, "out of memory for the weights");
    f->storage = p;
    f->n_layers = L->n;
    for (int32_t l = 0; l < L->n; l++) {
        const elstm_tflite_op *op = &sg->ops[L->op[l]];
        const size_t N = (size_t)shape[l].n_units, I = (size_t)shape[l].n_input;
        elstm_lstm_f32 *dst = &f->layers[l];
        *dst = shape[l];
        for (int g = 0; g < ELSTM_GATES; g++) {
            put_weights(p, &sg->tensors[op->inputs[1 + g]], N, I);
            dst->wx[g] = p;
            p += N * I;
            put_weights(p, &sg->tensors[op->inputs[5 + g]], N, N);
            dst->wh[g] = p;
            p += N * N;
            if (op->inputs[12 + g] >= 0) memcpy(p, sg->tensors[op->inputs[12 + g]].data, N * sizeof(float));
            else memset(p, 0, N * sizeof(float));   /* an omitted bias is zero */
            dst->b[g] = p;
            p += N;
        }
        dst->n_output = 0;
        dst->wd = dst->bd = NULL;
        dst->packed = NULL;
    }
    elstm_lstm_f32 *top = &f->layers[L->n - 1];
    memcpy(p, wd->data, O * Nl * sizeof(float));
    top->wd = p;
    p += O * Nl;
    if (bd) memcpy(p, bd->data, O * sizeof(float));
    else memset(p, 0, O * sizeof(float));
    top->bd = p;
    top->n_output = (int32_t)O;
    size_t bad = 0;
    for (const float *q = (const float *)f->storage; q < p + O; q++) bad += !isfinite(*q);
    if (bad)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, m->path, 0,
                              "%zu of the model's %zu weights are NaN or infinite, so it cannot "
                              "forecast (a damaged file, or weights from a run that diverged)",
                              bad, total);
    float *pk = (float *)f->storage + total_padded;
    for (int32_t l = 0; l < L->n; l++) {
        size_t n = elstm_lstm_packed_floats_f32(&f->layers[l]);
        if (!n) continue;
        elstm_lstm_pack_f32(&f->layers[l], pk);
        f->layers[l].packed = pk;
        pk += (n + align - 1) / align * align;
    }
    return ELSTM_OK;
}

/* Bytes of an integer model's arrays, laid out by copy_quantized(). */
static size_t quantized_bytes(size_t I, size_t N, size_t O, size_t bsize)
{
    return 4 * (N * bsize) + O * bsize + O * sizeof(elstm_qmult) + 4 * (N * I + N * N) + O * N + 64;
}

/* Copy an integer model's arrays into one block and point the runtime params at it:
 * the packed layout of the build's fast int8 kernel (`packed` bytes, written by the
 * caller), biases (int32/int64) and multipliers (aligned), then the int8 weights. */
static void *copy_quantized(elstm_lstm_qparams *q, const void **b, const void **bd, const int8_t **wd,
                            const elstm_qmult **mult, int32_t n_mult, int32_t O, size_t bsize, size_t packed)
{
    const size_t I = (size_t)q->n_input, N = (size_t)q->n_units;
    const size_t a = ELSTM_ARENA_ALIGN;
    packed = (packed + a - 1) / a * a;
    uint8_t *block = aligned_alloc(a, (packed + quantized_bytes(I, N, (size_t)O, bsize) + a - 1) / a * a);
    if (!block) return NULL;
    uint8_t *p = block + packed;
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (b[g]) memcpy(p, b[g], N * bsize);
        else memset(p, 0, N * bsize);   /* an omitted bias is zero */
        b[g] = p;
        p += N * bsize;
    }
    if (*bd) {
        memcpy(p, *bd, (size_t)O * bsize);
        *bd = p;
    }
    p += (size_t)O * bsize;
    memcpy(p, *mult, (size_t)n_mult * sizeof **mult);
    *mult = (const elstm_qmult *)p;
    p += (size_t)O * sizeof **mult;
    for (int g = 0; g < ELSTM_GATES; g++) {
        memcpy(p, q->wx[g], N * I);
        q->wx[g] = (const int8_t *)p;
        p += N * I;
        memcpy(p, q->wh[g], N * N);
        q->wh[g] = (const int8_t *)p;
        p += N * N;
    }
    memcpy(p, *wd, (size_t)O * N);
    *wd = (const int8_t *)p;
    return block;
}

/* An integer forecaster: the executor's plans of its LSTM and its dense layer. */
static elstm_status load_quantized(const elstm_tflite_model *m, const elstm_tflite_exec *e, const layout *L,
                                   elstm_forecaster *f, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = m->graph;
    const struct {
        int32_t kl, kf;
    } x = {L->op[0], L->fc};
    if (L->n != 1) return refuse(m, "an integer forecaster has one LSTM layer", diag);
    if (L->op[0] != L->lo) return refuse(m, "operators come before its integer LSTM", diag);
    const elstm_tflite_tensor *lin = &sg->tensors[sg->ops[x.kl].inputs[0]];
    const elstm_tflite_tensor *fout = &sg->tensors[sg->ops[x.kf].outputs[0]];
    const elstm_lstm_qparams *q;
    if (tfl_exec_lstm_s8(e, x.kl) && tfl_exec_fc_s8(e, x.kf)) {
        elstm_net_s8 *n = &f->net8;
        n->lstm = *tfl_exec_lstm_s8(e, x.kl);
        n->dense = *tfl_exec_fc_s8(e, x.kf);
        n->in_scale = lin->scale[0];
        n->out_scale = fout->scale[0];
        q = &n->lstm.q;
        f->dtype = ELSTM_FORECASTER_S8;
        const size_t packed = elstm_lstm_packed_bytes_s8(&n->lstm);
        f->storage = copy_quantized(&n->lstm.q, (const void **)n->lstm.b, (const void **)&n->dense.b,
                                    &n->dense.w, &n->dense.mult, n->dense.per_channel ? n->dense.n_out : 1,
                                    n->dense.n_out, sizeof(int32_t), packed);
        if (f->storage && packed) {   /* the host's fast kernel reads this copy (same results) */
            elstm_lstm_pack_s8(&n->lstm, f->storage);
            n->lstm.packed = f->storage;
        }
    } else if (tfl_exec_lstm_s16(e, x.kl) && tfl_exec_fc_s16(e, x.kf)) {
        elstm_net_s16 *n = &f->net16;
        n->lstm = *tfl_exec_lstm_s16(e, x.kl);
        n->dense = *tfl_exec_fc_s16(e, x.kf);
        n->in_scale = lin->scale[0];
        n->out_scale = fout->scale[0];
        q = &n->lstm.q;
        f->dtype = ELSTM_FORECASTER_S16;
        f->storage = copy_quantized(&n->lstm.q, (const void **)n->lstm.b, (const void **)&n->dense.b,
                                    &n->dense.w, &n->dense.mult, n->dense.per_channel ? n->dense.n_out : 1,
                                    n->dense.n_out, sizeof(int64_t), 0);
    } else {
        return refuse(m, "its LSTM and dense layer are not both float32, both int8 or both 16x8", diag);
    }
    if (!f->storage) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, m->path, 0, "out of memory for the weights");
    const elstm_tflite_tensor *w = &sg->tensors[sg->ops[x.kf].inputs[1]];
    if (w->shape[1] != q->n_units) return refuse(m, "the dense layer does not take the LSTM's units", diag);
    f->lstm.n_input = q->n_input;
    f->lstm.n_units = q->n_units;
    f->lstm.n_output = w->shape[0];
    f->lstm.cell_clip = sg->ops[x.kl].opt.cell_clip;
    f->n_layers = 1;
    f->float_io = sg->tensors[sg->inputs[0]].type == ELSTM_TFL_FLOAT32;
    return ELSTM_OK;
}

elstm_status tfl_forecaster_from_model(const elstm_tflite_model *m, elstm_forecaster *f,
                                       elstm_diag *diag)
{
    const char *path = m->path;
    memset(f, 0, sizeof *f);
    elstm_tflite_exec *e = NULL;
    layout L;
    elstm_lstm_f32 shape[ELSTM_MAX_LAYERS];
    int32_t T = 0;
    char why[200];
    elstm_status st = check_structure(m, &L, diag);
    if (st == ELSTM_OK) st = elstm_tflite_exec_create(m, &e, diag);
    const elstm_tflite_subgraph *sg = m->graph;
    const int integer = st == ELSTM_OK && sg->tensors[sg->ops[L.op[0]].inputs[0]].type != ELSTM_TFL_FLOAT32;
    if (integer) {
        const elstm_tflite_tensor *lin = &sg->tensors[sg->ops[L.op[0]].inputs[0]];
        if (lin->rank == 3) T = sg->ops[L.op[0]].opt.time_major ? lin->shape[0] : lin->shape[1];
        st = load_quantized(m, e, &L, f, diag);
        if (st == ELSTM_OK) shape[0] = f->lstm;
    } else if (st == ELSTM_OK && (L.lo != 0 || L.fc != sg->n_ops - 1)) {
        st = refuse(m, "a float32 LSTM sits between QUANTIZE and DEQUANTIZE", diag);
    }
    for (int32_t l = 0; st == ELSTM_OK && !integer && l < L.n; l++) {
        const elstm_tflite_op *op = &sg->ops[L.op[l]];
        int32_t t = 0;
        if (op->loop >= 0 && m->loops[op->loop].hybrid) {
            /* int8 weights: the executor checked the operands; only the sizes are needed */
            const elstm_tflite_loop *lp = &m->loops[op->loop];
            memset(&shape[l], 0, sizeof shape[l]);
            shape[l].n_input = lp->n_input;
            shape[l].n_units = lp->units;
            t = lp->steps;
        } else {
            st = tfl_check_lstm(m, L.op[l], &shape[l], &t, diag);
        }
        if (st != ELSTM_OK) break;
        if (sg->tensors[op->inputs[0]].type != ELSTM_TFL_FLOAT32) {
            st = refuse(m, "one of its stacked LSTM layers is quantized; 'edgelstm run' runs it", diag);
        } else if (l > 0 && (t != T || shape[l].n_input != shape[l - 1].n_units)) {
            snprintf(why, sizeof why, "LSTM layer %d reads %d steps of %d values, but layer %d gives %d steps of %d",
                     (int)l + 1, (int)t, (int)shape[l].n_input, (int)l, (int)T, (int)shape[l - 1].n_units);
            st = refuse(m, why, diag);
        }
        T = t;
    }
    if (st == ELSTM_OK) st = check_flow(m, e, &L, shape, T, diag);
    if (st == ELSTM_OK && !integer) {
        const elstm_tflite_op *fc = &sg->ops[L.fc];
        const elstm_tflite_tensor *w = &sg->tensors[fc->inputs[1]];
        const elstm_tflite_tensor *b =
            fc->n_inputs > 2 && fc->inputs[2] >= 0 ? &sg->tensors[fc->inputs[2]] : NULL;
        if (w->type != ELSTM_TFL_FLOAT32 || w->shape[1] != shape[L.n - 1].n_units)
            st = refuse(m, "the dense layer does not take the LSTM's units in float32", diag);
        else
            st = copy_weights(m, &L, shape, w, b, f, diag);
    }
    if (st == ELSTM_OK) {
        f->steps = T;
        const elstm_tflite_metadata *md = elstm_tflite_find_metadata(m, ELSTM_META_NAME);
        if (md) {
            st = elstm_meta_from_json((const char *)md->data, md->len, path, &f->meta, diag);
            if (st == ELSTM_OK && f->meta.stateful && (T != 1 || L.n != 1))
                st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                                    "the edgelstm metadata describes a stateful model, which takes one sample "
                                    "per invoke through one LSTM layer, but the model's input is [1,%d,%d] "
                                    "through %d layer%s", (int)T, (int)f->lstm.n_input, (int)L.n, L.n == 1 ? "" : "s");
            if (st == ELSTM_OK && f->meta.stateful) T = f->steps = f->meta.steps; /* its window: a warm-up */
            if (st == ELSTM_OK && (f->meta.n_inputs != f->lstm.n_input || f->meta.steps != T))
                st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                                    "the edgelstm metadata describes %d inputs x %d steps, but the "
                                    "model's input is [1,%d,%d]", f->meta.n_inputs, f->meta.steps,
                                    (int)T, (int)f->lstm.n_input);
            int outputs = f->meta.outputs;   /* 0: not recorded */
            if (st == ELSTM_OK && outputs > 0 && outputs != elstm_forecaster_top(f)->n_output)
                st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                                    "the edgelstm metadata describes %d value%s per forecast, but the model's "
                                    "dense layer has %d outputs", outputs, outputs == 1 ? "" : "s",
                                    (int)elstm_forecaster_top(f)->n_output);
            f->has_meta = st == ELSTM_OK;
        }
    }
    elstm_tflite_exec_free(e);
    if (st != ELSTM_OK) elstm_forecaster_free(f);
    return st;
}

elstm_status elstm_forecaster_load(const char *path, elstm_forecaster *f, elstm_diag *diag)
{
    memset(f, 0, sizeof *f);
    elstm_tflite_model *m = NULL;
    elstm_status st = elstm_tflite_load(path, &m, diag);
    if (st == ELSTM_OK) st = tfl_forecaster_from_model(m, f, diag);
    elstm_tflite_free(m);
    return st;
}

elstm_status elstm_forecaster_load_buffer(const uint8_t *data, size_t len, const char *what, elstm_forecaster *f,
                                          elstm_diag *diag)
{
    memset(f, 0, sizeof *f);
    elstm_tflite_model *m = NULL;
    elstm_status st = elstm_tflite_parse(data, len, what, &m, diag);
    if (st == ELSTM_OK) st = tfl_forecaster_from_model(m, f, diag);
    elstm_tflite_free(m);
    return st;
}
