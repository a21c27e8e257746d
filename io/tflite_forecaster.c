/*
 * tflite_forecaster.c - elstm_forecaster_load(): a .tflite (ours or TensorFlow-converted)
 * whose subgraph 0 is
 *
 *   [QUANTIZE] -> UNIDIRECTIONAL_SEQUENCE_LSTM -> {STRIDED_SLICE | SLICE | RESHAPE}*
 *              -> FULLY_CONNECTED -> [DEQUANTIZE]
 *
 * where the middle chain selects the last time step (float32 models have neither
 * QUANTIZE nor DEQUANTIZE; integer ones may have both), becomes an elstm_forecaster
 * with its weights copied (bitwise) into one aligned block. Integer models keep the
 * runtime parameters the graph executor planned (elstm_net_s8 / _s16).
 *
 * The chain is not recognised by its constants but checked by running it: the
 * executor's slicing kernels move the element indices of the LSTM output, and the dense
 * layer must receive exactly the indices of the last step, in order. Anything that reads
 * differently is refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "host/lstm_f32_pack.h"
#include "host/lstm_s8_pack.h"
#include "tflite_exec.h"
#include "tflite_schema.h"

void elstm_forecaster_free(elstm_forecaster *f)
{
    if (!f) return;
    free(f->storage);
    memset(f, 0, sizeof *f);
}

static elstm_status refuse(const elstm_tflite_model *m, const char *why, elstm_diag *diag)
{
    return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                          "not an edgelstm forecaster: %s; a forecaster is an "
                          "UNIDIRECTIONAL_SEQUENCE_LSTM (float32, int8 or 16x8, optionally after a "
                          "QUANTIZE) whose last step feeds a FULLY_CONNECTED layer (optionally "
                          "followed by a DEQUANTIZE; use 'edgelstm run' for other graphs)", why);
}

/* Where the LSTM and the dense layer are: operators kl and kf. */
typedef struct ends {
    int32_t kl, kf;
} ends;

static elstm_status check_structure(const elstm_tflite_model *m, ends *x, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    const int32_t n = sg->n_ops;
    char why[256];
    for (int32_t k = 0; k < n; k++) {
        if (sg->ops[k].builtin == ELSTM_TFL_OP_WHILE) return tfl_refuse_while(m, k, diag);
        if (sg->ops[k].n_inputs < 1 || sg->ops[k].inputs[0] < 0 || sg->ops[k].n_outputs < 1) {
            snprintf(why, sizeof why, "operator %d has no input or no output", (int)k);
            return refuse(m, why, diag);
        }
    }
    x->kl = n > 0 && sg->ops[0].builtin == ELSTM_TFL_OP_QUANTIZE ? 1 : 0;
    x->kf = n > 0 && sg->ops[n - 1].builtin == ELSTM_TFL_OP_DEQUANTIZE ? n - 2 : n - 1;
    if (x->kf - x->kl < 1 || sg->ops[x->kl].builtin != ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM ||
        sg->ops[x->kf].builtin != ELSTM_TFL_OP_FULLY_CONNECTED) {
        snprintf(why, sizeof why, "its %d operators run %s first and %s last", (int)n,
                 n ? elstm_tflite_op_name(sg->ops[0].builtin) : "nothing",
                 n ? elstm_tflite_op_name(sg->ops[n - 1].builtin) : "nothing");
        return refuse(m, why, diag);
    }
    for (int32_t k = x->kl + 1; k <= n - 1; k++) {
        int32_t b = sg->ops[k].builtin;
        if (k < x->kf && b != ELSTM_TFL_OP_STRIDED_SLICE && b != ELSTM_TFL_OP_SLICE &&
            b != ELSTM_TFL_OP_RESHAPE) {
            snprintf(why, sizeof why, "operator %d between the LSTM and the dense layer is %s",
                     (int)k, elstm_tflite_op_name(b));
            return refuse(m, why, diag);
        }
        if (sg->ops[k].inputs[0] != sg->ops[k - 1].outputs[0]) {
            snprintf(why, sizeof why, "operator %d does not read the output of operator %d",
                     (int)k, (int)(k - 1));
            return refuse(m, why, diag);
        }
    }
    if (x->kl == 1 && sg->ops[1].inputs[0] != sg->ops[0].outputs[0])
        return refuse(m, "the LSTM does not read the QUANTIZE operator's output", diag);
    if (sg->n_inputs != 1 || sg->ops[0].inputs[0] != sg->inputs[0])
        return refuse(m, "the LSTM does not read the graph's only input", diag);
    if (sg->n_outputs != 1 || sg->ops[n - 1].outputs[0] != sg->outputs[0])
        return refuse(m, "the dense layer's output is not the graph's only output", diag);
    const elstm_tflite_op *fc = &sg->ops[x->kf];
    if (fc->opt.fused_activation != TFL_ACT_NONE) {
        snprintf(why, sizeof why, "the dense layer applies a %s activation",
                 elstm_tflite_activation_name(fc->opt.fused_activation));
        return refuse(m, why, diag);
    }
    return ELSTM_OK;
}

/* Copy the weights (bitwise) into one aligned block and point f->lstm at it; the same
 * block also holds the packed layout of this build's kernel, if it has one. */
static elstm_status copy_weights(const elstm_tflite_model *m, const elstm_lstm_f32 *src,
                                 const float *wd, const float *bd, int32_t O, elstm_forecaster *f,
                                 elstm_diag *diag)
{
    const size_t N = (size_t)src->n_units, I = (size_t)src->n_input, o = (size_t)O;
    const size_t sizes[] = {N * I, N * N, N};   /* wx, wh, b per gate */
    size_t total = 4 * (N * I + N * N + N) + o * N + o, packed = elstm_lstm_packed_floats_f32(src);
    const size_t align = ELSTM_ARENA_ALIGN / sizeof(float);
    size_t total_padded = (total + align - 1) / align * align;
    float *p = aligned_alloc(ELSTM_ARENA_ALIGN,
                             ((total_padded + packed) * sizeof(float) + 2 * ELSTM_ARENA_ALIGN) /
                                 ELSTM_ARENA_ALIGN * ELSTM_ARENA_ALIGN);
    if (!p) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, m->path, 0, "out of memory for the weights");
    f->storage = p;
    f->lstm = *src;
    for (int g = 0; g < ELSTM_GATES; g++) {
        const float *from[3] = {src->wx[g], src->wh[g], src->b[g]};
        const float **to[3] = {&f->lstm.wx[g], &f->lstm.wh[g], &f->lstm.b[g]};
        for (int j = 0; j < 3; j++) {
            if (from[j]) memcpy(p, from[j], sizes[j] * sizeof(float));
            else memset(p, 0, sizes[j] * sizeof(float));   /* an omitted bias is zero */
            *to[j] = p;
            p += sizes[j];
        }
    }
    memcpy(p, wd, o * N * sizeof(float));
    f->lstm.wd = p;
    p += o * N;
    if (bd) memcpy(p, bd, o * sizeof(float));
    else memset(p, 0, o * sizeof(float));
    f->lstm.bd = p;
    f->lstm.n_output = O;
    f->lstm.packed = NULL;
    size_t bad = 0;
    for (const float *q = (const float *)f->storage; q < p + o; q++) bad += !isfinite(*q);
    if (bad)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, m->path, 0,
                              "%zu of the model's %zu weights are NaN or infinite, so it cannot "
                              "forecast (a damaged file, or weights from a run that diverged)",
                              bad, total);
    if (packed) {
        float *pk = (float *)f->storage + total_padded;
        elstm_lstm_pack_f32(&f->lstm, pk);
        f->lstm.packed = pk;
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

/* An integer forecaster: the executor's plans of the LSTM (kl) and the dense layer (kf). */
static elstm_status load_quantized(const elstm_tflite_model *m, const elstm_tflite_exec *e, ends x,
                                   elstm_forecaster *f, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
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
    f->float_io = sg->tensors[sg->inputs[0]].type == ELSTM_TFL_FLOAT32;
    return ELSTM_OK;
}

elstm_status tfl_forecaster_from_model(const elstm_tflite_model *m, elstm_forecaster *f,
                                       elstm_diag *diag)
{
    const char *path = m->path;
    memset(f, 0, sizeof *f);
    elstm_tflite_exec *e = NULL;
    ends x = {0, 0};
    elstm_status st = check_structure(m, &x, diag);
    if (st == ELSTM_OK) st = elstm_tflite_exec_create(m, &e, diag);

    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    const elstm_tflite_tensor *lin = st == ELSTM_OK ? &sg->tensors[sg->ops[x.kl].inputs[0]] : NULL;
    int32_t T = 0;
    if (st == ELSTM_OK && lin->rank == 3) T = sg->ops[x.kl].opt.time_major ? lin->shape[0] : lin->shape[1];
    if (st == ELSTM_OK && lin->type != ELSTM_TFL_FLOAT32) {
        st = load_quantized(m, e, x, f, diag);
    } else if (st == ELSTM_OK) {
        if (x.kl != 0 || x.kf != sg->n_ops - 1)
            st = refuse(m, "a float32 LSTM sits between QUANTIZE and DEQUANTIZE", diag);
        elstm_lstm_f32 lstm;
        if (st == ELSTM_OK) st = tfl_check_lstm(m, x.kl, &lstm, &T, diag);
        if (st == ELSTM_OK) {
            const elstm_tflite_op *fc = &sg->ops[x.kf];
            const elstm_tflite_tensor *w = &sg->tensors[fc->inputs[1]];
            const elstm_tflite_tensor *b =
                fc->n_inputs > 2 && fc->inputs[2] >= 0 ? &sg->tensors[fc->inputs[2]] : NULL;
            if (w->type != ELSTM_TFL_FLOAT32) st = refuse(m, "its dense layer is not float32", diag);
            else if (w->shape[1] != lstm.n_units)
                st = refuse(m, "the dense layer does not take the LSTM's units", diag);
            else
                st = copy_weights(m, &lstm, w->data, b ? b->data : NULL, w->shape[0], f, diag);
        }
    }
    if (st == ELSTM_OK && !tfl_exec_moves_last_step(e, x.kl + 1, x.kf - 1, T, f->lstm.n_units))
        st = refuse(m, "the operators between the LSTM and the dense layer do not select the last "
                       "time step", diag);
    if (st == ELSTM_OK) {
        f->steps = T;
        const elstm_tflite_metadata *md = elstm_tflite_find_metadata(m, ELSTM_META_NAME);
        if (md) {
            st = elstm_meta_from_json((const char *)md->data, md->len, path, &f->meta, diag);
            if (st == ELSTM_OK && (f->meta.n_inputs != f->lstm.n_input || f->meta.steps != T))
                st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                                    "the edgelstm metadata describes %d inputs x %d steps, but the "
                                    "model's input is [1,%d,%d]", f->meta.n_inputs, f->meta.steps,
                                    (int)T, (int)f->lstm.n_input);
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
