/*
 * tflite_forecaster.c - elstm_forecaster_load(): a .tflite (ours or TensorFlow-converted)
 * whose subgraph 0 is
 *
 *   UNIDIRECTIONAL_SEQUENCE_LSTM -> {STRIDED_SLICE | SLICE | RESHAPE}* -> FULLY_CONNECTED
 *
 * where the middle chain selects the last time step, becomes an elstm_forecaster with
 * its weights copied (bitwise) into one aligned block.
 *
 * The chain is not recognised by its constants but checked by running it: the
 * executor's own kernels are applied to an LSTM output filled with each element's
 * index, and the dense layer must receive exactly the indices of the last step, in
 * order. Anything that reads differently is refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "host/lstm_f32_pack.h"
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
                          "not an edgelstm forecaster: %s; a forecaster is a float32 "
                          "UNIDIRECTIONAL_SEQUENCE_LSTM whose last step feeds a FULLY_CONNECTED "
                          "layer (use 'edgelstm run' for other graphs)", why);
}

/* The chain between the LSTM (op 0) and the dense layer (op n-1) must deliver the last
 * step's N values, in order. */
static elstm_status check_last_step(const elstm_tflite_model *m, elstm_tflite_exec *e,
                                    int32_t T, int32_t N, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    int32_t n_ops = sg->n_ops;
    float *seq = tfl_exec_activation_f32(e, sg->ops[0].outputs[0]);
    float *last = tfl_exec_activation_f32(e, sg->ops[n_ops - 1].inputs[0]);
    if (!seq || !last) return refuse(m, "the dense layer's input is not computed from the LSTM", diag);
    size_t total = (size_t)T * (size_t)N;
    if (total > ((size_t)1 << 24))   /* indices must be exact in float32 */
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, m->path, 0,
                              "the LSTM output has %zu values, more than edgelstm loads", total);
    for (size_t i = 0; i < total; i++) seq[i] = (float)i;
    tfl_exec_run_ops(e, 1, n_ops - 2);
    const elstm_tflite_tensor *fc_in = &sg->tensors[sg->ops[n_ops - 1].inputs[0]];
    int ok = fc_in->elements == (size_t)N;
    for (int32_t n = 0; ok && n < N; n++)
        ok = last[n] == (float)((size_t)(T - 1) * (size_t)N + (size_t)n);
    return ok ? ELSTM_OK
              : refuse(m, "the operators between the LSTM and the dense layer do not select "
                          "the last time step", diag);
}

static elstm_status check_structure(const elstm_tflite_model *m, elstm_diag *diag)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    char why[256];
    for (int32_t k = 0; k < sg->n_ops; k++) {
        if (sg->ops[k].builtin == ELSTM_TFL_OP_WHILE) return tfl_refuse_while(m, k, diag);
        if (sg->ops[k].n_inputs < 1 || sg->ops[k].inputs[0] < 0 || sg->ops[k].n_outputs < 1) {
            snprintf(why, sizeof why, "operator %d has no input or no output", (int)k);
            return refuse(m, why, diag);
        }
    }
    if (sg->n_ops < 2 || sg->ops[0].builtin != ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM ||
        sg->ops[sg->n_ops - 1].builtin != ELSTM_TFL_OP_FULLY_CONNECTED) {
        snprintf(why, sizeof why, "its %d operators run %s first and %s last", (int)sg->n_ops,
                 sg->n_ops ? elstm_tflite_op_name(sg->ops[0].builtin) : "nothing",
                 sg->n_ops ? elstm_tflite_op_name(sg->ops[sg->n_ops - 1].builtin) : "nothing");
        return refuse(m, why, diag);
    }
    for (int32_t k = 1; k < sg->n_ops - 1; k++) {
        int32_t b = sg->ops[k].builtin;
        if (b != ELSTM_TFL_OP_STRIDED_SLICE && b != ELSTM_TFL_OP_SLICE && b != ELSTM_TFL_OP_RESHAPE) {
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
    const elstm_tflite_op *lstm = &sg->ops[0], *fc = &sg->ops[sg->n_ops - 1];
    if (sg->n_inputs != 1 || lstm->n_inputs < 1 || lstm->inputs[0] != sg->inputs[0])
        return refuse(m, "the LSTM does not read the graph's only input", diag);
    if (sg->n_outputs != 1 || fc->outputs[0] != sg->outputs[0])
        return refuse(m, "the dense layer's output is not the graph's only output", diag);
    if (sg->n_ops > 2 && fc->inputs[0] != sg->ops[sg->n_ops - 2].outputs[0])
        return refuse(m, "the dense layer does not read the last step", diag);
    if (sg->n_ops == 2 && fc->inputs[0] != lstm->outputs[0])
        return refuse(m, "the dense layer does not read the LSTM", diag);
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

elstm_status tfl_forecaster_from_model(const elstm_tflite_model *m, elstm_forecaster *f,
                                       elstm_diag *diag)
{
    const char *path = m->path;
    memset(f, 0, sizeof *f);
    elstm_tflite_exec *e = NULL;
    elstm_status st = check_structure(m, diag);
    if (st == ELSTM_OK) st = elstm_tflite_exec_create(m, &e, diag);

    elstm_lstm_f32 lstm;
    int32_t T = 0;
    if (st == ELSTM_OK) st = tfl_check_lstm(m, 0, &lstm, &T, diag);
    if (st == ELSTM_OK) st = check_last_step(m, e, T, lstm.n_units, diag);
    if (st == ELSTM_OK) {
        const elstm_tflite_subgraph *sg = &m->subgraphs[0];
        const elstm_tflite_op *fc = &sg->ops[sg->n_ops - 1];
        const elstm_tflite_tensor *w = &sg->tensors[fc->inputs[1]];
        const elstm_tflite_tensor *b =
            fc->n_inputs > 2 && fc->inputs[2] >= 0 ? &sg->tensors[fc->inputs[2]] : NULL;
        if (w->shape[1] != lstm.n_units)
            st = refuse(m, "the dense layer does not take the LSTM's units", diag);
        else
            st = copy_weights(m, &lstm, w->data, b ? b->data : NULL, w->shape[0], f, diag);
    }
    if (st == ELSTM_OK) {
        f->steps = T;
        const elstm_tflite_metadata *md = elstm_tflite_find_metadata(m, ELSTM_META_NAME);
        if (md) {
            st = elstm_meta_from_json((const char *)md->data, md->len, path, &f->meta, diag);
            if (st == ELSTM_OK && (f->meta.n_inputs != lstm.n_input || f->meta.steps != T))
                st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                                    "the edgelstm metadata describes %d inputs x %d steps, but the "
                                    "model's input is [1,%d,%d]", f->meta.n_inputs, f->meta.steps,
                                    (int)T, (int)lstm.n_input);
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
