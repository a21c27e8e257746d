/*
 * trainer.c - the trainer object (see edgelstm/train.h): options, creation with its
 * buffers and threads, the views of its weights, the record of its epochs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "train_gemm.h"

/* From OpenBLAS (libopenblas is linked). */
extern void openblas_set_num_threads(int num_threads);

float *tr_falloc(size_t n)
{
    void *p = NULL;
    if (n == 0) n = 1;
    if (posix_memalign(&p, 64, n * sizeof(float))) return NULL;
    memset(p, 0, n * sizeof(float));
    return p;
}

void elstm_train_opts_default(elstm_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->units = ELSTM_DEFAULT_UNITS;
    o->epochs = ELSTM_DEFAULT_EPOCHS;
    o->batch = ELSTM_DEFAULT_BATCH;
    o->lr = ELSTM_DEFAULT_LR;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->epsilon = 1e-7;
    o->patience = ELSTM_DEFAULT_PATIENCE;
    o->seed = ELSTM_DEFAULT_SEED;
    o->threads = 1;
}

void elstm_trainer_layout(const elstm_trainer *tr, elstm_param_layout *l) { *l = tr->lay; }
float *elstm_trainer_params(elstm_trainer *tr) { return tr->params; }
const float *elstm_trainer_grads(const elstm_trainer *tr) { return tr->grad; }
void elstm_trainer_model(const elstm_trainer *tr, elstm_lstm_f32 *m) { tr_model_view(tr, tr->params, m); }
void elstm_trainer_best_model(const elstm_trainer *tr, elstm_lstm_f32 *m)
{
    tr_model_view(tr, tr->best_epoch > 0 ? tr->best : tr->params, m);
}

elstm_status elstm_trainer_create(elstm_trainer **out, const elstm_train_opts *o, int n_input,
                                  int steps, elstm_diag *diag)
{
    *out = NULL;
    if (o->units < 1 || o->units > 4096)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--units must be from 1 to 4096, not %d", o->units);
    if (o->batch < 1 || o->batch > 65536)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--batch must be from 1 to 65536, not %d", o->batch);
    if (o->epochs < 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--epochs must be at least 1, not %d", o->epochs);
    if (!(o->lr > 0.0) || !isfinite(o->lr))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--lr must be a positive number");
    if (o->threads < 1 || o->threads > ELSTM_MAX_THREADS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--threads must be from 1 to %d, not %d", ELSTM_MAX_THREADS, o->threads);
    if (o->patience < 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--patience must be 0 or more, not %d", o->patience);
    if (n_input < 1 || steps < 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a model needs at least one input and one time step");
    if (o->outputs < 0 || o->outputs > 65536)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a model has 1 to 65536 outputs, not %d", o->outputs);
    if (!(o->clip_norm >= 0.0) || !isfinite(o->clip_norm))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--clip must be 0 (none) or a positive number");
    if (!(o->lr_factor >= 0.0 && o->lr_factor <= 1.0) || o->lr_patience < 0 || !(o->min_lr >= 0.0))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "--lr-decay must be above 0 and at most 1, --lr-patience 0 or more");

    if (o->sampling != ELSTM_SAMPLING_UNIFORM && o->sampling != ELSTM_SAMPLING_SERIES)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--sampling must be uniform or series");

    openblas_set_num_threads(1); /* our own threads; BLAS calls are single-threaded and repeatable */
    elstm_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    tr->opts = *o;
    tr->N = o->units;
    tr->I = n_input;
    tr->T = steps;
    tr->P = o->threads;
    tr->O = o->outputs > 1 ? o->outputs : 1;
    tr->lr = o->lr;
    tr->grad_scale = 1.0f;
    tr->slice_max = ((size_t)o->batch + (size_t)tr->P - 1) / (size_t)tr->P;
    tr->slice_cap = tr->slice_max;
    if (tr->slice_cap < TR_UNIT) tr->slice_cap = (size_t)o->batch < TR_UNIT ? (size_t)o->batch : TR_UNIT;
    tr_layout_make(&tr->lay, (size_t)tr->N, (size_t)tr->I, (size_t)tr->O);
    size_t tot = tr->lay.total, N = (size_t)tr->N, T = (size_t)tr->T, S = tr->slice_cap;
    /* K1P: [H, X]'s columns padded to 16 with room for a column of ones past them (the
     * bias gradient comes out of the weight-gradient GEMM: bptt.c) */
    size_t K1 = N + (size_t)tr->I, K1P = (K1 + 1 + 15) / 16 * 16;
    tr->params = tr_falloc(tot);
    tr->grad = tr_falloc(tot);
    tr->m = tr_falloc(tot);
    tr->v = tr_falloc(tot);
    tr->best = tr_falloc(tot);
    tr->wk = calloc((size_t)tr->P, sizeof *tr->wk);
    int ok = tr->params && tr->grad && tr->m && tr->v && tr->best && tr->wk;
    tr->wcat = tr_falloc(4 * N * K1);
    ok = ok && tr->wcat;
    tr->packed = TGEMM_AVAILABLE && tr->N % 16 == 0;
    if (tr->packed) {
        tr->wcat_p = tr_falloc(4 * N * K1);
        tr->whp_b = tr_falloc(4 * N * N);
        ok = ok && tr->wcat_p && tr->whp_b;
    }
    for (int p = 0; ok && p < tr->P; p++) {
        worker *w = &tr->wk[p];
        w->tr = tr;
        w->grad = tr_falloc(tot);
        w->hps = tr->packed ? T * S * 16 + 16 : 0;
        w->hx = tr_falloc(tr->packed ? K1P / 16 * w->hps : T * S * K1);
        w->hlast = tr_falloc(S * N);
        w->dw = tr_falloc(4 * N * K1P);
        w->zps = tr->packed ? T * S * 16 + 16 : 0;
        w->z = tr_falloc(tr->packed ? 4 * N / 16 * w->zps : T * S * 4 * N);
        w->c = tr_falloc(T * S * N);
        w->tc = tr_falloc(T * S * N);
        w->dh = tr_falloc(S * N);
        w->dc = tr_falloc(S * N);
        w->y = tr_falloc(S * (size_t)tr->O);
        ok = w->grad && w->hx && w->hlast && w->dw && w->z && w->c && w->tc && w->dh && w->dc && w->y;
        if (ok && tr->packed) /* column K1 of every row of [H, X] is 1 (nothing else writes it) */
            for (size_t r = 0; r < w->hps / 16; r++) w->hx[K1 / 16 * w->hps + 16 * r + K1 % 16] = 1.0f;
    }
    if (!ok) {
        elstm_trainer_free(tr);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0,
                              "out of memory allocating the trainer (%d units, batch %d, %d steps)",
                              o->units, o->batch, steps);
    }
    elstm_status s = tr_pool_create(&tr->pool, tr->P, "training", diag);
    if (s != ELSTM_OK) {
        elstm_trainer_free(tr);
        return s;
    }
    tr_rng_seed(&tr->rng, o->seed);
    tr->best_monitor = INFINITY;
    s = tr_init_weights(tr, diag);
    if (s != ELSTM_OK) {
        elstm_trainer_free(tr);
        return s;
    }
    *out = tr;
    return ELSTM_OK;
}

void elstm_trainer_free(elstm_trainer *tr)
{
    if (!tr) return;
    tr_pool_free(tr->pool);
    for (int p = 0; tr->wk && p < tr->P; p++) {
        worker *w = &tr->wk[p];
        free(w->grad); free(w->hx); free(w->hlast); free(w->dw); free(w->z); free(w->c); free(w->tc);
        free(w->dh); free(w->dc); free(w->y); free(w->gq);
    }
    free(tr->gsum);
    free(tr->wk);
    free(tr->params); free(tr->grad); free(tr->m); free(tr->v); free(tr->best);
    free(tr->wcat); free(tr->wcat_p); free(tr->whp_b);
    free(tr->hist);
    free(tr->seq_dy); free(tr->seq_start);
    free(tr);
}

elstm_status tr_history_add(elstm_trainer *tr, const elstm_epoch_record *e, elstm_diag *diag)
{
    if (tr->n_hist == tr->cap_hist) {
        int cap = tr->cap_hist ? 2 * tr->cap_hist : 64;
        elstm_epoch_record *h = realloc(tr->hist, (size_t)cap * sizeof *h);
        if (!h) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the training history");
        tr->hist = h;
        tr->cap_hist = cap;
    }
    tr->hist[tr->n_hist++] = *e;
    return ELSTM_OK;
}

const elstm_epoch_record *elstm_trainer_history(const elstm_trainer *tr, int *n)
{
    *n = tr->n_hist;
    return tr->hist;
}

void elstm_trainer_record(const elstm_trainer *tr, const elstm_train_result *res, int monitor_val,
                          elstm_meta_training *out)
{
    const elstm_train_opts *o = &tr->opts;
    out->present = 1;
    out->units = tr->N;
    out->batch = o->batch;
    out->epochs = o->epochs;
    out->patience = o->patience;
    out->threads = tr->exact ? 1 : o->threads; /* exact sums: the weights 1 thread gives */
    out->lr = o->lr;
    out->seed = o->seed;
    out->epochs_run = tr->epochs_done;
    out->best_epoch = tr->best_epoch;
    out->best_loss = tr->best_epoch > 0 ? tr->best_monitor : NAN;
    out->early_stopped = res ? res->early_stopped : 0;
    snprintf(out->monitor, sizeof out->monitor, "%s", monitor_val ? "val_loss" : "loss");
    elstm_meta_set_history(out, tr->hist, tr->n_hist);
    out->clip_norm = o->clip_norm > 0 ? o->clip_norm : 0.0;
    const int decay = o->lr_factor > 0 && o->lr_factor < 1 && o->lr_patience > 0;
    out->lr_factor = decay ? o->lr_factor : 0.0;
    out->lr_patience = decay ? o->lr_patience : 0;
    out->min_lr = decay ? o->min_lr : 0.0;
    out->sampling = o->sampling;
}
