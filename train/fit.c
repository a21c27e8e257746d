/*
 * fit.c - the training loop: epochs of shuffled batches (Fisher-Yates with the trainer's
 * RNG), one Adam step per batch, validation after each epoch, early stopping with the
 * best weights kept, the learning rate lowered on plateaus (when asked), a checkpoint
 * after each epoch, and --resume from one. The epoch loop (tr_fit_loop) is shared with
 * stateful training (stateful.c), which brings its own batches and validation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/clock.h"
#include "internal.h"

elstm_status tr_batch_stop(const elstm_trainer *tr, const double *loss, int epoch, size_t batch, size_t batches,
                           elstm_train_result *res, elstm_diag *diag)
{
    elstm_status s = ELSTM_OK;
    if (!loss && tr->opts.stop && *tr->opts.stop)
        s = elstm_diag_set(diag, ELSTM_ERR_INTERRUPTED, NULL, 0,
                           "training was interrupted in epoch %d (batch %zu of %zu)", epoch, batch, batches);
    else if (loss && !isfinite(*loss))
        s = elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0,
                           "training diverged: the loss became %s in epoch %d, batch %zu of %zu "
                           "(try a smaller --lr)", isnan(*loss) ? "NaN" : "infinite", epoch, batch, batches);
    if (s != ELSTM_OK) {
        res->fail_epoch = epoch;
        res->fail_batch = batch;
    }
    return s;
}

typedef struct windowed {
    const elstm_windows *train, *val;
    size_t *perm;
} windowed;

static elstm_status windowed_epoch(elstm_trainer *tr, void *ctx, int epoch, const elstm_train_callbacks *cb,
                                   elstm_train_result *res, double *mean_loss, elstm_diag *diag)
{
    windowed *wd = ctx;
    const elstm_windows *train = wd->train;
    size_t *perm = wd->perm;
    const size_t n = train->n, B = (size_t)tr->opts.batch, batches = (n + B - 1) / B;
    double sum = 0.0;
    elstm_status s;
    for (size_t k = 0; k < n; k++) perm[k] = k;
    for (size_t k = n - 1; k > 0; k--) { /* Fisher-Yates */
        size_t j = (size_t)tr_rng_below(&tr->rng, (uint64_t)k + 1), tmp = perm[k];
        perm[k] = perm[j];
        perm[j] = tmp;
    }
    for (size_t bi = 0; bi < batches; bi++) {
        if ((s = tr_batch_stop(tr, NULL, epoch, bi + 1, batches, res, diag)) != ELSTM_OK) return s;
        size_t lo = bi * B, nb = n - lo < B ? n - lo : B;
        double loss = 0.0;
        if ((s = elstm_trainer_compute_grads(tr, train, perm + lo, nb, &loss, diag)) != ELSTM_OK) return s;
        if ((s = tr_batch_stop(tr, &loss, epoch, bi + 1, batches, res, diag)) != ELSTM_OK) return s;
        elstm_trainer_adam_step(tr);
        sum += loss * (double)nb;
        res->windows_trained += nb;
        if (cb->on_batch) cb->on_batch(cb->user, epoch, bi + 1, batches, sum / (double)(lo + nb));
    }
    *mean_loss = sum / (double)n;
    return ELSTM_OK;
}

static elstm_status windowed_val(elstm_trainer *tr, void *ctx, double *loss, elstm_diag *diag)
{
    return elstm_trainer_evaluate(tr, ((windowed *)ctx)->val, loss, NULL, diag);
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

elstm_status elstm_trainer_fit(elstm_trainer *tr, const elstm_windows *train,
                               const elstm_windows *val, int resume,
                               const elstm_train_callbacks *cb, elstm_train_result *res,
                               elstm_diag *diag)
{
    static const elstm_windows no_val = {0};
    if (!val) val = &no_val;
    memset(res, 0, sizeof *res);
    elstm_status s = tr_check_windows(tr, train, diag);
    if (s != ELSTM_OK) return s;
    if (val->n > 0 && (s = tr_check_windows(tr, val, diag)) != ELSTM_OK) return s;
    if (train->n == 0 || !train->target)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, NULL, 0, "there are no training windows");
    if (val->n > 0 && !val->target)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "validation windows without targets");

    const size_t n = train->n, B = (size_t)tr->opts.batch;
    windowed wd = {train, val, malloc(n * sizeof(size_t))};
    if (!wd.perm) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    tr_source src = {&wd, windowed_epoch, val->n > 0 ? windowed_val : NULL, tr_fingerprint(tr, train, val),
                     (n + B - 1) / B};
    s = tr_fit_loop(tr, &src, resume, cb, res, diag);
    free(wd.perm);
    return s;
}

elstm_status tr_fit_loop(elstm_trainer *tr, const tr_source *src, int resume, const elstm_train_callbacks *cb,
                         elstm_train_result *res, elstm_diag *diag)
{
    static const elstm_train_callbacks no_cb = {0};
    if (!cb) cb = &no_cb;
    elstm_status s = ELSTM_OK;
    const uint64_t fp = src->fingerprint;
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
        if (cb->on_epoch && (s = cb->on_epoch(cb->user, tr, &info, diag)) != ELSTM_OK) goto out;
        if (tr->opts.checkpoint && (s = tr_ckpt_write(tr, fp, diag)) != ELSTM_OK) goto out;
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
