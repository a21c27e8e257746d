/*
 * fit.c - the training loop: epochs of shuffled batches (Fisher-Yates with the trainer's
 * RNG; or under series sampling an equal share of every series, sampler.c), one Adam step per batch, validation after each epoch, early stopping with the
 * best weights kept, the learning rate lowered on plateaus (when asked), a checkpoint
 * after each epoch, and --resume from one. The epoch loop (tr_fit_loop) is shared with
 * stateful training (stateful.c), which brings its own batches and validation.
 *
 * Deterministic and distributed training (elstm_trainer_fit_dist) is the same loop over
 * the windows of every process: the permutation is over all windows (every process draws
 * the same), each process computes the units of a batch that fall in its series, and the
 * sums (gradients, losses, flags) are exact integers added over the processes by the
 * caller's all-reduce, so every process takes the same Adam step.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/clock.h"
#include "internal.h"

static elstm_status interrupted(int epoch, size_t batch, size_t batches, elstm_train_result *res, elstm_diag *diag)
{
    res->fail_epoch = epoch;
    res->fail_batch = batch;
    return elstm_diag_set(diag, ELSTM_ERR_INTERRUPTED, NULL, 0,
                          "training was interrupted in epoch %d (batch %zu of %zu)", epoch, batch, batches);
}

elstm_status tr_batch_stop(const elstm_trainer *tr, const double *loss, int epoch, size_t batch, size_t batches,
                           elstm_train_result *res, elstm_diag *diag)
{
    if (!loss && tr->opts.stop && *tr->opts.stop) return interrupted(epoch, batch, batches, res, diag);
    if (loss && !isfinite(*loss)) {
        res->fail_epoch = epoch;
        res->fail_batch = batch;
        return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                              "training diverged: the loss became %s in epoch %d, batch %zu of %zu "
                              "(try a smaller --lr)", isnan(*loss) ? "NaN" : "infinite", epoch, batch, batches);
    }
    return ELSTM_OK;
}

/* The layout of the series over the processes (deterministic mode). */
typedef struct dist_state {
    const elstm_train_dist *d;
    size_t *goff;   /* [n_series + 1] first global window of each series */
    size_t *loff;   /* [n_series] first local window of each series held here */
    size_t n, val_n; /* windows of every process */
    size_t *lidx, *ulen, *key; /* [batch] a batch's local windows, unit lengths, sort keys */
} dist_state;

static elstm_status reduce(const dist_state *ds, int64_t *v, size_t n, elstm_diag *diag)
{
    return ds && ds->d->allreduce ? ds->d->allreduce(ds->d->user, v, n, diag) : ELSTM_OK;
}

/* The series of global window g (binary search over the series' first windows). */
static int series_of(const dist_state *ds, size_t g)
{
    int lo = 0, hi = ds->d->n_series - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (ds->goff[mid] <= g) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

static void dist_free(dist_state *ds)
{
    free(ds->goff); free(ds->loff); free(ds->lidx); free(ds->ulen); free(ds->key);
}

static elstm_status dist_init(dist_state *ds, const elstm_train_dist *d, const elstm_trainer *tr,
                              const elstm_windows *train, const elstm_windows *val, elstm_diag *diag)
{
    memset(ds, 0, sizeof *ds);
    ds->d = d;
    if (d->n_series < 1 || !d->train_n || !d->mine)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "a distributed training needs its series (counts and which are held here)");
    size_t S = (size_t)d->n_series, B = (size_t)tr->opts.batch, mine_n = 0, mine_val = 0;
    ds->goff = calloc(S + 1, sizeof *ds->goff);
    ds->loff = calloc(S, sizeof *ds->loff);
    ds->lidx = calloc(B, sizeof *ds->lidx);
    ds->ulen = calloc(B, sizeof *ds->ulen);
    ds->key = calloc(B, sizeof *ds->key);
    if (!ds->goff || !ds->loff || !ds->lidx || !ds->ulen || !ds->key) {
        dist_free(ds);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    for (size_t s = 0; s < S; s++) {
        ds->goff[s + 1] = ds->goff[s] + d->train_n[s];
        ds->val_n += d->val_n ? d->val_n[s] : 0;
        if (d->mine[s]) {
            ds->loff[s] = mine_n;
            mine_n += d->train_n[s];
            mine_val += d->val_n ? d->val_n[s] : 0;
        }
    }
    ds->n = ds->goff[S];
    if (mine_n != train->n || mine_val != val->n) {
        dist_free(ds);
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "this process holds %zu training and %zu validation windows, but its series have %zu and %zu",
                              train->n, val->n, mine_n, mine_val);
    }
    return ELSTM_OK;
}

/* The units of the batch perm[0..nb) held here: its windows grouped by series (in series
 * order), each series' windows in batch order, cut into runs of TR_UNIT. Neither depends
 * on how the series are spread over processes or on the thread count. */
static size_t batch_units(dist_state *ds, const size_t *perm, size_t nb, size_t *n_units)
{
    size_t m = 0;
    for (size_t k = 0; k < nb; k++) {
        int s = series_of(ds, perm[k]);
        if (!ds->d->mine[s]) continue;
        size_t key = (size_t)s, li = ds->loff[s] + (perm[k] - ds->goff[s]), j = m++;
        while (j > 0 && ds->key[j - 1] > key) { /* insertion sort by series: stable */
            ds->key[j] = ds->key[j - 1];
            ds->lidx[j] = ds->lidx[j - 1];
            j--;
        }
        ds->key[j] = key;
        ds->lidx[j] = li;
    }
    size_t u = 0;
    for (size_t k = 0; k < m;) {
        size_t e = k + 1;
        while (e < m && ds->key[e] == ds->key[k] && e - k < TR_UNIT) e++;
        ds->ulen[u++] = e - k;
        k = e;
    }
    *n_units = u;
    return m;
}

/* Windowed training: the windows of this process (train, val), and with a distribution
 * (ds) the counts of every process's windows. */
typedef struct windowed {
    const elstm_windows *train, *val;
    size_t *perm;       /* [n] uniform sampling's shuffle; [batch] a series-sampled batch */
    dist_state *ds;     /* NULL: one process, float sums */
    size_t n, nval;     /* windows of every process */
    tr_sampler *sm;     /* series sampling; NULL: uniform */
} windowed;

static elstm_status windowed_epoch(elstm_trainer *tr, void *ctx, int epoch, const elstm_train_callbacks *cb,
                                   elstm_train_result *res, double *mean_loss, elstm_diag *diag)
{
    windowed *wd = ctx;
    dist_state *ds = wd->ds;
    size_t *perm = wd->perm;
    const size_t n = wd->n, B = (size_t)tr->opts.batch, batches = (n + B - 1) / B, total = tr->lay.total;
    const int writer = !ds || ds->d->writer;
    double sum = 0.0;
    int64_t sum_q = 0;
    elstm_status s;
    if (wd->sm) { /* a --resume: the series' walks past the steps already taken */
        for (size_t t = wd->sm->steps; t < (size_t)(epoch - 1) * batches; t++) {
            size_t lo = t % batches * B;
            tr_sampler_skip(wd->sm, n - lo < B ? n - lo : B);
        }
    } else {
        tr_rng_shuffle(&tr->rng, perm, n);
    }
    for (size_t bi = 0; bi < batches; bi++) {
        size_t lo = bi * B, nb = n - lo < B ? n - lo : B;
        const size_t *idx = perm + lo;
        if (wd->sm) {
            tr_sampler_batch(wd->sm, nb, perm);
            idx = perm;
        }
        if (cb->on_batch_windows) cb->on_batch_windows(cb->user, idx, nb);
        double loss = 0.0;
        if (ds) { /* exact sums of the units held here, then over every process */
            size_t n_units = 0;
            batch_units(ds, idx, nb, &n_units);
            if ((s = tr_grads_fixed(tr, wd->train, ds->lidx, ds->ulen, n_units, nb, diag)) != ELSTM_OK) return s;
            tr->gsum[total + 2] = tr->opts.stop && *tr->opts.stop;
            if ((s = reduce(ds, tr->gsum, total + TR_GSUM_EXTRA, diag)) != ELSTM_OK) return s;
            if (tr->gsum[total + 2]) return interrupted(epoch, bi + 1, batches, res, diag);
            for (size_t k = 0; k < total; k++) tr->grad[k] = (float)ldexp((double)tr->gsum[k], -TR_FIX_GRAD);
            sum_q += tr->gsum[total];
            loss = tr->gsum[total + 1] ? NAN : ldexp((double)tr->gsum[total], -TR_FIX_SSE) / ((double)nb * (double)tr->O);
        } else {
            if ((s = tr_batch_stop(tr, NULL, epoch, bi + 1, batches, res, diag)) != ELSTM_OK) return s;
            if ((s = elstm_trainer_compute_grads(tr, wd->train, idx, nb, &loss, diag)) != ELSTM_OK) return s;
        }
        if ((s = tr_batch_stop(tr, &loss, epoch, bi + 1, batches, res, diag)) != ELSTM_OK) return s;
        elstm_trainer_adam_step(tr);
        sum = ds ? ldexp((double)sum_q, -TR_FIX_SSE) / (double)tr->O : sum + loss * (double)nb;
        res->windows_trained += nb;
        if (cb->on_batch && writer) cb->on_batch(cb->user, epoch, bi + 1, batches, sum / (double)(lo + nb));
    }
    *mean_loss = sum / (double)n;
    return ELSTM_OK;
}

static elstm_status windowed_val(elstm_trainer *tr, void *ctx, double *loss, elstm_diag *diag)
{
    windowed *wd = ctx;
    if (!wd->ds) return elstm_trainer_evaluate(tr, wd->val, loss, NULL, diag);
    int64_t v[2] = {0, 0};
    int bad = 0;
    elstm_status s = tr_sse_fixed(tr, wd->val, &v[0], &bad, diag);
    if (s != ELSTM_OK) return s;
    v[1] = bad;
    if ((s = reduce(wd->ds, v, 2, diag)) != ELSTM_OK) return s;
    *loss = v[1] ? NAN : ldexp((double)v[0], -TR_FIX_SSE) / ((double)wd->nval * (double)tr->O);
    return ELSTM_OK;
}

/* After the writing process wrote the model and checkpoint of an epoch: the others learn
 * whether it failed. */
static elstm_status windowed_after_write(elstm_trainer *tr, void *ctx, int epoch, elstm_diag *diag)
{
    (void)tr;
    windowed *wd = ctx;
    if (!wd->ds || !wd->ds->d->allreduce) return ELSTM_OK;
    int64_t failed = 0;
    elstm_status s = reduce(wd->ds, &failed, 1, diag);
    if (s == ELSTM_OK && failed)
        s = elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0, "the writing process failed after epoch %d (its message says why)", epoch);
    return s;
}

/* Keras's ReduceLROnPlateau (cooldown 0, min_delta 0) on the monitored loss: after
 * lr_patience epochs in a row without a new best, lr = max(lr * lr_factor, min_lr). */
static void lower_lr_on_plateau(elstm_trainer *tr)
{
    const elstm_train_opts *o = &tr->opts;
    if (!(o->lr_factor > 0.0 && o->lr_factor < 1.0) || o->lr_patience < 1) return;
    if (++tr->lr_wait < o->lr_patience) return;
    tr->lr_wait = 0;
    tr->lr = tr->lr * o->lr_factor > o->min_lr ? tr->lr * o->lr_factor : o->min_lr;
}

/* series_n[0..n_series): the training windows of each series (the layout of train without
 * a distribution; NULL: not known, uniform sampling only). */
static elstm_status fit(elstm_trainer *tr, const elstm_windows *train, const elstm_windows *val,
                        const elstm_train_dist *dist, int n_series, const size_t *series_n, int resume,
                        const elstm_train_callbacks *cb, elstm_train_result *res, elstm_diag *diag)
{
    static const elstm_windows no_val = {0};
    if (!val) val = &no_val;
    memset(res, 0, sizeof *res);
    elstm_status s = tr_check_windows(tr, train, diag);
    if (s != ELSTM_OK) return s;
    if (val->n > 0 && (s = tr_check_windows(tr, val, diag)) != ELSTM_OK) return s;
    if (train->n > 0 && !train->target)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "training windows without targets");
    if (val->n > 0 && !val->target)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "validation windows without targets");
    if (dist) {
        n_series = dist->n_series;
        series_n = dist->train_n;
    }
    const int series = tr->opts.sampling == ELSTM_SAMPLING_SERIES;
    if (series && !series_n)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "series sampling draws from each series: train with the series "
                              "(elstm_trainer_fit_sets or elstm_trainer_fit_dist)");
    if (series && !dist) {
        size_t sum = 0;
        for (int i = 0; i < n_series; i++) sum += series_n[i];
        if (sum != train->n)
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the series have %zu training windows, not %zu", sum,
                                  train->n);
    }
    dist_state dst;
    tr_sampler smp;
    windowed wd = {train, val, NULL, NULL, train->n, val->n, NULL};
    if (dist) {
        if ((s = dist_init(&dst, dist, tr, train, val, diag)) != ELSTM_OK) return s;
        wd.ds = &dst;
        wd.n = dst.n;
        wd.nval = dst.val_n;
        tr->exact = 1;
    }
    const size_t B = (size_t)tr->opts.batch;
    tr_source src = {.ctx = &wd, .epoch = windowed_epoch, .val = wd.nval > 0 ? windowed_val : NULL,
                     .steps_per_epoch = (wd.n + B - 1) / B, .silent = dist && !dist->writer,
                     .after_write = windowed_after_write};
    if (wd.n == 0)
        s = elstm_diag_set(diag, ELSTM_ERR_DATA, NULL, 0, "there are no training windows");
    else if (dist)
        s = tr_fingerprint_dist(tr, dist, train, val, &src.fingerprint, diag);
    else
        src.fingerprint = series ? tr_fingerprint_series(tr, tr_fingerprint(tr, train, val), n_series, series_n)
                                 : tr_fingerprint(tr, train, val);
    if (s == ELSTM_OK && series && (s = tr_sampler_init(&smp, tr->opts.seed, n_series, series_n, diag)) == ELSTM_OK)
        wd.sm = &smp;
    if (s == ELSTM_OK && !(wd.perm = malloc((series ? B : wd.n) * sizeof *wd.perm)))
        s = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    if (s == ELSTM_OK) s = tr_fit_loop(tr, &src, resume, cb, res, diag);
    free(wd.perm);
    if (wd.sm) tr_sampler_free(wd.sm);
    if (wd.ds) dist_free(wd.ds);
    return s;
}

elstm_status tr_fit_loop(elstm_trainer *tr, const tr_source *src, int resume, const elstm_train_callbacks *cb,
                         elstm_train_result *res, elstm_diag *diag)
{
    static const elstm_train_callbacks no_cb = {0};
    if (!cb) cb = &no_cb;
    elstm_status s = ELSTM_OK;
    const uint64_t fp = src->fingerprint;
    const int writer = !src->silent;
    if (resume) {
        if ((s = tr_ckpt_read(tr, fp, src->steps_per_epoch, diag)) != ELSTM_OK) return s;
        res->resumed_from = tr->epochs_done;
    }

    int stop_early = tr->opts.patience > 0 && tr->best_epoch > 0 && tr->wait >= tr->opts.patience;
    for (int epoch = tr->epochs_done + 1; epoch <= tr->opts.epochs && !stop_early; epoch++) {
        double t0 = elstm_now_s();
        elstm_epoch_info info;
        memset(&info, 0, sizeof info);
        info.epoch = epoch;
        info.epochs = tr->opts.epochs;
        if ((s = src->epoch(tr, src->ctx, epoch, cb, res, &info.loss, diag)) != ELSTM_OK) goto out;
        info.val_loss = NAN;
        if (src->val && (s = src->val(tr, src->ctx, &info.val_loss, diag)) != ELSTM_OK) goto out;
        double monitor = src->val ? info.val_loss : info.loss;
        if (!isfinite(monitor)) {
            s = elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                               "training diverged: the %s loss became %s after epoch %d (try a smaller --lr)",
                               src->val ? "validation" : "training", isnan(monitor) ? "NaN" : "infinite", epoch);
            res->fail_epoch = epoch;
            res->fail_batch = src->steps_per_epoch;
            goto out;
        }
        info.lr = tr->lr; /* the rate of this epoch's steps */
        if (monitor < tr->best_monitor) {  /* Keras EarlyStopping, min_delta 0 */
            tr->best_monitor = monitor;
            tr->best_epoch = epoch;
            tr->wait = 0;
            tr->lr_wait = 0;
            memcpy(tr->best, tr->params, tr->lay.total * sizeof(float));
            info.improved = 1;
        } else {
            tr->wait++;
            lower_lr_on_plateau(tr);
        }
        tr->epochs_done = epoch;
        info.best_epoch = tr->best_epoch;
        info.best_val_loss = tr->best_monitor;
        info.wait = tr->wait;
        info.seconds = elstm_now_s() - t0;
        res->train_seconds += info.seconds;
        elstm_epoch_record rec = {epoch, info.loss, info.val_loss, info.lr};
        if ((s = tr_history_add(tr, &rec, diag)) != ELSTM_OK) goto out;
        /* the model file (on_epoch) before the checkpoint: a run killed between the two
         * resumes one epoch early and writes the same model again */
        if (writer && cb->on_epoch && (s = cb->on_epoch(cb->user, tr, &info, diag)) != ELSTM_OK) goto out;
        if (writer && tr->opts.checkpoint && (s = tr_ckpt_write(tr, fp, diag)) != ELSTM_OK) goto out;
        if (src->after_write && (s = src->after_write(tr, src->ctx, epoch, diag)) != ELSTM_OK) goto out;
        if (tr->opts.patience > 0 && tr->wait >= tr->opts.patience) stop_early = 1;
    }
    res->early_stopped = stop_early;
out:
    res->epochs_run = tr->epochs_done;
    res->best_epoch = tr->best_epoch;
    res->best_val_loss = tr->best_monitor;
    if (s == ELSTM_OK && tr->best_epoch > 0) /* restore the best weights */
        memcpy(tr->params, tr->best, tr->lay.total * sizeof(float));
    return s;
}

elstm_status elstm_trainer_fit(elstm_trainer *tr, const elstm_windows *train,
                               const elstm_windows *val, int resume,
                               const elstm_train_callbacks *cb, elstm_train_result *res,
                               elstm_diag *diag)
{
    return fit(tr, train, val, NULL, 0, NULL, resume, cb, res, diag);
}

elstm_status elstm_trainer_fit_dist(elstm_trainer *tr, const elstm_windows *train,
                                    const elstm_windows *val, const elstm_train_dist *dist, int resume,
                                    const elstm_train_callbacks *cb, elstm_train_result *res,
                                    elstm_diag *diag)
{
    if (!dist) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no distribution given");
    return fit(tr, train, val, dist, 0, NULL, resume, cb, res, diag);
}

elstm_status elstm_trainer_fit_sets(elstm_trainer *tr, const elstm_dataset *ds, int n_sets,
                                    const elstm_windows *train, const elstm_windows *val, int exact, int resume,
                                    const elstm_train_callbacks *cb, elstm_train_result *res, elstm_diag *diag)
{
    size_t *counts = calloc(2 * (size_t)n_sets, sizeof *counts);
    unsigned char *all = malloc((size_t)n_sets);
    elstm_status st;
    if (!counts || !all) {
        st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    } else {
        for (int i = 0; i < n_sets; i++) {
            counts[i] = ds[i].n_win[ELSTM_SPLIT_TRAIN];
            counts[n_sets + i] = ds[i].n_win[ELSTM_SPLIT_VAL];
            all[i] = 1;
        }
        elstm_train_dist one = {n_sets, counts, counts + n_sets, all, NULL, NULL, 1};
        st = exact ? elstm_trainer_fit_dist(tr, train, val, &one, resume, cb, res, diag)
                   : fit(tr, train, val, NULL, n_sets, counts, resume, cb, res, diag);
    }
    free(counts);
    free(all);
    return st;
}
