/*
 * stateful.c - stateful (streaming) models: training by truncated back-propagation
 * through time over parallel streams, and forecasts sample by sample with the state
 * carried (see edgelstm/train.h and docs/training.md, "Stateful models").
 *
 * The training split's usable rows form runs (a long gap or unusable rows end one); the
 * runs are cut into chunks of T samples (a run's last chunk may be shorter: its missing
 * steps have no input and no loss), and the chunks, in time order, are dealt to up to
 * --batch streams, each a contiguous stretch of them. Batch k runs chunk k of every
 * stream that has one (elstm_trainer_chunk: the BPTT kernels of bptt.c with the chunk's
 * initial state and a loss at every step), then carries each stream's final state to its
 * next chunk. The state is reset where a chunk starts a run and at a stream's start; a
 * step has a loss when it ends a training window of the split and the stream has run
 * over at least T samples since its reset (the warm-up).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- forecasts, sample by sample ------------------------------------------------------ */

elstm_status elstm_stream_forecast_windows(const elstm_lstm_f32 *m, const elstm_dataset *ds, const size_t *starts,
                                           size_t n, float *out, elstm_diag *diag)
{
    if (n == 0) return ELSTM_OK;
    if (m->n_input != ds->n_inputs || m->n_output != 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0,
                              "a stateful forecast needs a model of %d inputs and one output", ds->n_inputs);
    const size_t T = (size_t)ds->meta.steps, I = (size_t)ds->n_inputs;
    const size_t bytes = elstm_lstm_arena_size_f32(m);
    void *arena = malloc(bytes);
    if (!arena) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the inference arena");
    elstm_lstm_ctx_f32 ctx;
    elstm_status s = elstm_lstm_init_f32(&ctx, m, arena, bytes);
    if (s != ELSTM_OK) {
        free(arena);
        return elstm_diag_set(diag, s, NULL, 0, "the LSTM model is invalid");
    }
    size_t k = 0, r = 0;
    int fresh = 1;
    for (; r < ds->rows && k < n; r++) {
        if (starts[k] + T - 1 < r) break;   /* not ascending, or a window over an unusable row */
        if (!ds->usable[r]) {
            fresh = 1;
            continue;
        }
        if (fresh || ds->gap_before[r]) elstm_lstm_reset_f32(&ctx);
        fresh = 0;
        elstm_lstm_step_f32(&ctx, ds->x + r * I);
        for (; k < n && starts[k] + T - 1 == r; k++) elstm_dense_f32(&ctx, &out[k]);
    }
    free(arena);
    if (k < n)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0,
                              "window %zu (row %zu) is not after the one before it on usable rows", k, starts[k]);
    return ELSTM_OK;
}

/* ---- training ----------------------------------------------------------------------- */

typedef struct chunk {
    size_t start;    /* first row */
    int len;         /* samples (1..T); steps past len have no input and no loss */
    int reset;       /* the state is zero before it (a run starts here) */
} chunk;

typedef struct stream_plan {
    const elstm_dataset *ds;
    int T, I, N, S;          /* steps, inputs, units, streams */
    float *target;           /* [rows of the split] normalized target of the window ending at a row, else NaN */
    chunk *chunks;           /* [n_chunks] in time order */
    size_t n_chunks;
    size_t *first;           /* [S + 1] stream s has chunks first[s] .. first[s+1]-1 */
    size_t rounds;           /* batches per epoch: the longest stream's chunks */
    size_t adam_steps;       /* batches with at least one loss */
    float *h, *c;            /* [S][N] the streams' states */
    float *xb, *tb, *hb, *cb;/* batch buffers: [S][T][I], [S][T], [S][N], [S][N] */
    int *seen;               /* [S] samples since the stream's last reset */
    int *active;             /* [S] the streams of the batch being built */
    elstm_windows val;       /* the validation split's windows (targets) */
    float *val_pred;         /* [val.n] */
} stream_plan;

static void plan_free(stream_plan *p)
{
    free(p->target); free(p->chunks); free(p->first); free(p->h); free(p->c);
    free(p->xb); free(p->tb); free(p->hb); free(p->cb); free(p->seen); free(p->active);
    free(p->val_pred);
    elstm_windows_free(&p->val);
}

/* The samples of stream s's chunk in round k into batch slot b; returns the targets
 * with a loss. With `count_only` only those are counted (no buffer is written). */
static size_t fill_slot(stream_plan *p, int s, size_t k, int b, int count_only)
{
    const chunk *ch = &p->chunks[p->first[s] + k];
    const size_t T = (size_t)p->T, I = (size_t)p->I, N = (size_t)p->N;
    int seen = ch->reset || k == 0 ? 0 : p->seen[s];
    size_t targets = 0;
    if (!count_only) {
        float *x = p->xb + (size_t)b * T * I, *tg = p->tb + (size_t)b * T;
        memset(x, 0, T * I * sizeof(float));
        memcpy(x, p->ds->x + ch->start * I, (size_t)ch->len * I * sizeof(float));
        for (size_t t = 0; t < T; t++) tg[t] = NAN;
        if (seen == 0) {
            memset(p->hb + (size_t)b * N, 0, N * sizeof(float));
            memset(p->cb + (size_t)b * N, 0, N * sizeof(float));
        } else {
            memcpy(p->hb + (size_t)b * N, p->h + (size_t)s * N, N * sizeof(float));
            memcpy(p->cb + (size_t)b * N, p->c + (size_t)s * N, N * sizeof(float));
        }
    }
    for (int t = 0; t < ch->len; t++) {
        seen++;
        const float v = p->target[ch->start + (size_t)t];
        if (seen >= p->T && !isnan(v)) {
            targets++;
            if (!count_only) p->tb[(size_t)b * T + (size_t)t] = v;
        }
    }
    p->seen[s] = seen;
    return targets;
}

static elstm_status plan_make(stream_plan *p, elstm_trainer *tr, const elstm_dataset *ds, elstm_diag *diag)
{
    memset(p, 0, sizeof *p);
    p->ds = ds;
    p->T = tr->T;
    p->I = tr->I;
    p->N = tr->N;
    const size_t T = (size_t)p->T, end = ds->split_end[ELSTM_SPLIT_TRAIN];
    p->target = malloc((end ? end : 1) * sizeof *p->target);
    p->chunks = malloc((end ? end : 1) * sizeof *p->chunks);
    if (!p->target || !p->chunks) goto nomem;
    for (size_t r = 0; r < end; r++) p->target[r] = NAN;
    for (size_t k = 0; k < ds->n_win[ELSTM_SPLIT_TRAIN]; k++) {
        const size_t s = ds->win_start[ELSTM_SPLIT_TRAIN][k];
        p->target[s + T - 1] = (float)elstm_meta_normalize(ds->y[elstm_data_target_row(ds, s)], ds->meta.target_min,
                                                            ds->meta.target_max);
    }
    for (size_t r = 0; r < end;) { /* runs of usable rows, cut into chunks */
        if (!ds->usable[r]) {
            r++;
            continue;
        }
        size_t e = r + 1;
        while (e < end && ds->usable[e] && !ds->gap_before[e]) e++;
        for (size_t a = r; a < e; a += T)
            p->chunks[p->n_chunks++] = (chunk){a, (int)(e - a < T ? e - a : T), a == r};
        r = e;
    }
    if (p->n_chunks == 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0, "the training split has no usable rows");
    p->S = (size_t)tr->opts.batch < p->n_chunks ? tr->opts.batch : (int)p->n_chunks;
    const size_t S = (size_t)p->S, N = (size_t)p->N, I = (size_t)p->I;
    p->first = malloc((S + 1) * sizeof *p->first);
    p->h = tr_falloc(S * N);
    p->c = tr_falloc(S * N);
    p->xb = tr_falloc(S * T * I);
    p->tb = tr_falloc(S * T);
    p->hb = tr_falloc(S * N);
    p->cb = tr_falloc(S * N);
    p->seen = calloc(S, sizeof *p->seen);
    p->active = calloc(S, sizeof *p->active);
    if (!p->first || !p->h || !p->c || !p->xb || !p->tb || !p->hb || !p->cb || !p->seen || !p->active) goto nomem;
    for (size_t s = 0; s <= S; s++) p->first[s] = s * p->n_chunks / S;
    for (size_t s = 0; s < S; s++)
        if (p->first[s + 1] - p->first[s] > p->rounds) p->rounds = p->first[s + 1] - p->first[s];
    for (size_t k = 0; k < p->rounds; k++) {
        size_t targets = 0;
        for (int s = 0; s < p->S; s++)
            if (k < p->first[s + 1] - p->first[s]) targets += fill_slot(p, s, k, 0, 1);
        p->adam_steps += targets > 0;
    }
    if (p->adam_steps == 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                              "no training window lies %d samples after the start of a stream: give fewer "
                              "streams (--batch) or fewer --steps", p->T);
    elstm_status st = elstm_windows_for_split(ds, ELSTM_SPLIT_VAL, &p->val, diag);
    if (st != ELSTM_OK) return st;
    p->val_pred = malloc((p->val.n ? p->val.n : 1) * sizeof *p->val_pred);
    if (!p->val_pred) goto nomem;
    return ELSTM_OK;
nomem:
    return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory planning the training streams");
}

static elstm_status stream_epoch(elstm_trainer *tr, void *ctx, int epoch, const elstm_train_callbacks *cb,
                                 elstm_train_result *res, double *mean_loss, elstm_diag *diag)
{
    stream_plan *p = ctx;
    const size_t N = (size_t)p->N;
    double sse_total = 0.0;
    size_t count_total = 0;
    elstm_status s;
    for (size_t k = 0; k < p->rounds; k++) {
        if ((s = tr_batch_stop(tr, NULL, epoch, k + 1, p->rounds, res, diag)) != ELSTM_OK) return s;
        int n = 0;
        size_t count = 0;
        for (int st = 0; st < p->S; st++)
            if (k < p->first[st + 1] - p->first[st]) {
                count += fill_slot(p, st, k, n, 0);
                p->active[n++] = st;
            }
        elstm_chunk_batch cbt = {p->xb, p->tb, p->hb, p->cb, p->hb, p->cb, NULL, NULL};
        double sse = 0.0;
        const int learn = count > 0;  /* no loss in this batch: forward only, no Adam step */
        if ((s = elstm_trainer_chunk(tr, &cbt, (size_t)n, learn, &sse, &count, diag)) != ELSTM_OK) return s;
        for (int b = 0; b < n; b++) { /* carry the states */
            memcpy(p->h + (size_t)p->active[b] * N, p->hb + (size_t)b * N, N * sizeof(float));
            memcpy(p->c + (size_t)p->active[b] * N, p->cb + (size_t)b * N, N * sizeof(float));
        }
        if (learn) {
            const double loss = sse / (double)count;
            if ((s = tr_batch_stop(tr, &loss, epoch, k + 1, p->rounds, res, diag)) != ELSTM_OK) return s;
            elstm_trainer_adam_step(tr);
        }
        sse_total += sse;
        count_total += count;
        res->windows_trained += count;
        if (cb->on_batch)
            cb->on_batch(cb->user, epoch, k + 1, p->rounds, count_total ? sse_total / (double)count_total : 0.0);
    }
    *mean_loss = sse_total / (double)count_total;
    return ELSTM_OK;
}

static elstm_status stream_val(elstm_trainer *tr, void *ctx, double *loss, elstm_diag *diag)
{
    stream_plan *p = ctx;
    elstm_lstm_f32 m;
    elstm_trainer_model(tr, &m);
    elstm_status s = elstm_stream_forecast_windows(&m, p->ds, p->val.start, p->val.n, p->val_pred, diag);
    if (s != ELSTM_OK) return s;
    double sse = 0.0;
    for (size_t k = 0; k < p->val.n; k++) {
        const double e = (double)p->val_pred[k] - (double)p->val.target[k];
        sse += e * e;
    }
    *loss = sse / (double)p->val.n;
    return ELSTM_OK;
}

elstm_status elstm_trainer_fit_stateful(elstm_trainer *tr, const elstm_dataset *ds, int resume,
                                        const elstm_train_callbacks *cb, elstm_train_result *res,
                                        elstm_diag *diag)
{
    memset(res, 0, sizeof *res);
    if (ds->n_inputs != tr->I || ds->meta.steps != tr->T || !ds->y)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0,
                              "the data (%d inputs, %d steps) does not fit the trainer (%d inputs, %d steps)",
                              ds->n_inputs, ds->meta.steps, tr->I, tr->T);
    if (ds->n_win[ELSTM_SPLIT_TRAIN] == 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0, "there are no training windows");
    if (tr->opts.sampling != ELSTM_SAMPLING_UNIFORM)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0,
                              "a stateful model trains the chunks of one series in order: series sampling does not apply");
    stream_plan p;
    elstm_status s = plan_make(&p, tr, ds, diag);
    if (s == ELSTM_OK) {
        /* the windowed fingerprint of the same data, then what makes this run stateful */
        elstm_windows wtr;
        if ((s = elstm_windows_for_split(ds, ELSTM_SPLIT_TRAIN, &wtr, diag)) != ELSTM_OK) goto out;
        uint64_t fp = tr_fingerprint(tr, &wtr, &p.val);
        elstm_windows_free(&wtr);
        fp = tr_fnv(fp, "stateful", 8);
        fp = tr_fnv(fp, p.chunks, p.n_chunks * sizeof *p.chunks);
        tr_source src = {.ctx = &p, .epoch = stream_epoch, .val = p.val.n > 0 ? stream_val : NULL,
                         .fingerprint = fp, .steps_per_epoch = p.adam_steps};
        s = tr_fit_loop(tr, &src, resume, cb, res, diag);
    }
out:
    plan_free(&p);
    return s;
}
