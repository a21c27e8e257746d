/* test_train_fit.c - the training loop: it learns, it is deterministic, early stopping
 * restores the best epoch, an interrupted run resumes to the same bytes, a diverging
 * run stops with a clear error, and the error metrics are right on hand-computed cases. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgelstm/train.h"
#include "elstm_test.h"

enum { I = 2, T = 12, ROWS = 400 };
static float X[ROWS * I];
static size_t START[ROWS];
static float TG[ROWS], TG_NEG[ROWS], TG_POS[ROWS];
static char dir[256];

/* A noisy sine and its slope: the target is the first input 1 step after the window. */
static void make_data(elstm_windows *train, elstm_windows *val)
{
    uint64_t s = 99;
    for (int r = 0; r < ROWS; r++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double noise = ((double)(s >> 11) * 0x1.0p-53 - 0.5) * 0.05;
        X[r * I] = (float)(0.5 + 0.4 * sin(r * 0.3) + noise);
        X[r * I + 1] = (float)(0.5 + 0.4 * cos(r * 0.3));
    }
    size_t nw = ROWS - T - 1;
    for (size_t k = 0; k < nw; k++) {
        START[k] = k;
        TG[k] = X[(k + T) * I];
        TG_NEG[k] = -1.0f;
        TG_POS[k] = 1.0f;
    }
    size_t ntr = nw * 3 / 4;
    *train = (elstm_windows){X, I, T, ntr, START, TG, NULL, 1, NULL};
    *val = (elstm_windows){X, I, T, nw - ntr, START + ntr, TG + ntr, NULL, 1, NULL};
}

static void opts_small(elstm_train_opts *o)
{
    elstm_train_opts_default(o);
    o->units = 6;
    o->epochs = 4;
    o->batch = 16;
    o->lr = 0.01;
    o->threads = 2;
    o->seed = 5;
}

/* The training record (elstm_trainer_record) of the last run(). */
static elstm_meta_training last_record, full_record;

static elstm_status run(const elstm_train_opts *o, const elstm_windows *tr_w, const elstm_windows *va,
                        int resume, const elstm_train_callbacks *cb, float **params_out,
                        elstm_train_result *res, elstm_diag *d)
{
    elstm_trainer *tr = NULL;
    elstm_status s = elstm_trainer_create(&tr, o, I, T, d);
    if (s != ELSTM_OK) return s;
    s = elstm_trainer_fit(tr, tr_w, va, resume, cb, res, d);
    elstm_trainer_record(tr, res, va && va->n > 0, &last_record);
    elstm_param_layout l;
    elstm_trainer_layout(tr, &l);
    *params_out = malloc(l.total * sizeof(float));
    memcpy(*params_out, elstm_trainer_params(tr), l.total * sizeof(float));
    elstm_trainer_free(tr);
    return s;
}

static size_t n_params(void)
{
    elstm_train_opts o;
    opts_small(&o);
    elstm_trainer *tr = NULL;
    elstm_trainer_create(&tr, &o, I, T, NULL);
    elstm_param_layout l;
    elstm_trainer_layout(tr, &l);
    elstm_trainer_free(tr);
    return l.total;
}

/* --- callbacks used by the tests --- */
typedef struct rec {
    int epochs_seen, improved[32];
    double val[32], loss[32];
    double first_batch[32];  /* loss of each epoch's first batch */
    float *snap[32];         /* the best model's parameters (whole block) at each epoch */
    int stop_at_epoch;       /* set *stopflag when this epoch starts (0 = never) */
    volatile sig_atomic_t *stopflag;
} rec;

static elstm_status on_epoch(void *user, const elstm_trainer *tr, const elstm_epoch_info *info, elstm_diag *d)
{
    (void)d;
    rec *r = user;
    elstm_lstm_f32 m;
    elstm_trainer_best_model(tr, &m);
    r->epochs_seen = info->epoch;
    r->improved[info->epoch] = info->improved;
    r->val[info->epoch] = info->val_loss;
    r->loss[info->epoch] = info->loss;
    elstm_param_layout l;
    elstm_trainer_layout(tr, &l);
    r->snap[info->epoch] = malloc(l.total * sizeof(float));
    memcpy(r->snap[info->epoch], m.wd - l.wd, l.total * sizeof(float));
    return ELSTM_OK;
}
static void on_batch(void *user, int epoch, size_t batch, size_t batches, double loss)
{
    (void)batches;
    rec *r = user;
    if (batch == 1 && epoch < 32) r->first_batch[epoch] = loss;
    if (r->stop_at_epoch && epoch == r->stop_at_epoch && batch == 2) *r->stopflag = 1;
}
static void rec_free(rec *r)
{
    for (int k = 0; k < 32; k++) free(r->snap[k]);
}

int main(void)
{
    test_suite("train-fit");
    snprintf(dir, sizeof dir, "%s/elstm-fit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 1;
    elstm_windows trw, va;
    make_data(&trw, &va);
    const size_t np = n_params();
    elstm_diag d;
    elstm_train_result res;
    elstm_train_opts o;

    /* it learns: the validation loss falls well below predicting the mean */
    {
        rec r = {0};
        elstm_train_callbacks cb = {&r, NULL, on_epoch, NULL};
        float *p;
        opts_small(&o);
        o.epochs = 6;
        elstm_diag_clear(&d);
        elstm_status s = run(&o, &trw, &va, 0, &cb, &p, &res, &d);
        TEST_TRUE("fit runs", s == ELSTM_OK);
        double mean = 0, var = 0;
        for (size_t k = 0; k < va.n; k++) mean += va.target[k];
        mean /= (double)va.n;
        for (size_t k = 0; k < va.n; k++) var += (va.target[k] - mean) * (va.target[k] - mean);
        var /= (double)va.n;
        test_report(res.best_val_loss < 0.25 * var, "fit learns the sine (val MSE < 25% of the variance)",
                    "val %.4g, variance %.4g", res.best_val_loss, var);
        TEST_TRUE("fit reports epochs and loss", res.epochs_run == 6 && r.epochs_seen == 6 && r.loss[6] < r.loss[1]);
        TEST_EQ_INT("windows trained are counted", res.windows_trained, 6 * trw.n);
        /* the history a model file carries: one record per epoch, the losses on_epoch saw */
        const elstm_meta_training *h = &last_record;
        int same = h->present && h->n_history == 6;
        for (int k = 0; same && k < 6; k++)
            same = h->history[k].epoch == k + 1 && h->history[k].loss == r.loss[k + 1] &&
                   h->history[k].val_loss == r.val[k + 1] && h->history[k].lr == o.lr;
        TEST_TRUE("the history has every epoch's loss, val_loss and learning rate", same);
        TEST_TRUE("the record has the options and the outcome",
                  h->units == 6 && h->batch == 16 && h->epochs == 6 && h->seed == 5 && h->threads == 2 &&
                      h->best_epoch == res.best_epoch && h->best_loss == res.best_val_loss &&
                      h->epochs_run == 6 && !h->early_stopped && strcmp(h->monitor, "val_loss") == 0);
        free(p);
        rec_free(&r);
    }

    /* deterministic: same seed and threads -> same bytes; other seed -> other bytes */
    {
        float *a, *b, *c, *e;
        opts_small(&o);
        run(&o, &trw, &va, 0, NULL, &a, &res, &d);
        run(&o, &trw, &va, 0, NULL, &b, &res, &d);
        o.seed = 6;
        run(&o, &trw, &va, 0, NULL, &c, &res, &d);
        TEST_TRUE("same seed and data give identical weights", memcmp(a, b, np * sizeof(float)) == 0);
        TEST_TRUE("another seed gives other weights", memcmp(a, c, np * sizeof(float)) != 0);
        o.seed = 5;
        o.threads = 3;
        run(&o, &trw, &va, 0, NULL, &e, &res, &d);
        double worst = 0;
        for (size_t k = 0; k < np; k++) worst = fmax(worst, fabs(a[k] - e[k]));
        test_report(worst < 1e-3, "another thread count gives the same weights up to rounding", "max diff %.3g", worst);
        free(a); free(b); free(c); free(e);
    }

    /* early stopping: training wants +1, validation wants -1, so the validation loss
     * rises after epoch 1; patience 2 stops after epoch 3 and restores epoch 1 */
    {
        rec r = {0};
        elstm_train_callbacks cb = {&r, NULL, on_epoch, NULL};
        elstm_windows bad = va, up = trw;
        bad.target = TG_NEG;
        up.target = TG_POS;
        float *p;
        opts_small(&o);
        o.epochs = 10;
        o.patience = 2;
        elstm_status s = run(&o, &up, &bad, 0, &cb, &p, &res, &d);
        TEST_TRUE("early stopping run succeeds", s == ELSTM_OK);
        test_report(r.val[2] > r.val[1] && r.val[3] > r.val[1], "validation loss is worse than epoch 1's in epochs 2 and 3", "val %g %g %g %g", r.val[1], r.val[2], r.val[3], r.val[4]);
        TEST_EQ_INT("early stopping: epochs run", res.epochs_run, 3);
        TEST_EQ_INT("early stopping: best epoch", res.best_epoch, 1);
        TEST_TRUE("early stopping is reported", res.early_stopped == 1);
        TEST_TRUE("the record says early stopping ended the run at epoch 3 with epoch 1 best",
                  last_record.early_stopped == 1 && last_record.epochs_run == 3 && last_record.best_epoch == 1 &&
                      last_record.n_history == 3);
        TEST_TRUE("only epoch 1 improved", r.improved[1] && !r.improved[2] && !r.improved[3]);
        elstm_param_layout l;
        elstm_trainer *tmp;
        elstm_trainer_create(&tmp, &o, I, T, NULL);
        elstm_trainer_layout(tmp, &l);
        elstm_trainer_free(tmp);
        TEST_TRUE("the restored weights are epoch 1's (every parameter)", memcmp(p, r.snap[1], np * sizeof(float)) == 0);
        TEST_TRUE("the best model stays epoch 1's during epochs 2-3", memcmp(r.snap[3], r.snap[1], np * sizeof(float)) == 0);
        TEST_TRUE("epoch 1's weights differ from the last epoch's", memcmp(r.snap[1], r.snap[2], np * sizeof(float)) != 0 || r.improved[2] == 0);
        free(p);
        rec_free(&r);
    }

    /* learning rate lowered on plateaus (Keras's ReduceLROnPlateau): validation only gets
     * worse after epoch 1, so with patience 1 and factor 0.5 the rate halves after every
     * epoch from epoch 2 on (epoch 3 runs at half the rate), down to min_lr; the history records each epoch's rate. An
     * interrupted run resumes with the lowered rate (checkpoint version 3). */
    {
        elstm_windows bad = va, up = trw;
        bad.target = TG_NEG;
        up.target = TG_POS;
        float *p, *full, *resumed;
        opts_small(&o);
        o.epochs = 5;
        o.patience = 0;
        o.lr_factor = 0.5;
        o.lr_patience = 1;
        o.min_lr = 0.0024;
        elstm_status s = run(&o, &up, &bad, 0, NULL, &p, &res, &d);
        const double want[5] = {0.01, 0.01, 0.005, 0.0025, 0.0024};
        int ok = s == ELSTM_OK && last_record.n_history == 5;
        for (int k = 0; ok && k < 5; k++) ok = last_record.history[k].lr == want[k];
        test_report(ok, "lr decay: the rate halves after each epoch without a new best, not below min_lr",
                    "rates %g %g %g %g %g", last_record.history[0].lr, last_record.history[1].lr,
                    last_record.history[2].lr, last_record.history[3].lr, last_record.history[4].lr);
        TEST_TRUE("lr decay: the record has the schedule's options",
                  last_record.lr_factor == 0.5 && last_record.lr_patience == 1 && last_record.min_lr == 0.0024);
        char ck[300], ck2[300];
        snprintf(ck, sizeof ck, "%s/lr.ckpt", dir);
        snprintf(ck2, sizeof ck2, "%s/lrfull.ckpt", dir);
        o.checkpoint = ck2;
        run(&o, &up, &bad, 0, NULL, &full, &res, &d);
        volatile sig_atomic_t stop = 0;
        rec r = {0};
        r.stop_at_epoch = 4;
        r.stopflag = &stop;
        elstm_train_callbacks cb = {&r, on_batch, on_epoch, NULL};
        float *part;
        o.checkpoint = ck;
        o.stop = &stop;
        run(&o, &up, &bad, 0, &cb, &part, &res, &d);
        stop = 0;
        o.stop = NULL;
        s = run(&o, &up, &bad, 1, NULL, &resumed, &res, &d);
        TEST_TRUE("lr decay: a run interrupted in epoch 4 resumes to the same bytes and rates",
                  s == ELSTM_OK && res.resumed_from == 3 && memcmp(full, resumed, np * sizeof(float)) == 0 &&
                      last_record.history[3].lr == 0.0025 && last_record.history[4].lr == 0.0024);
        free(p); free(full); free(part); free(resumed);
        rec_free(&r);
        unlink(ck);
        unlink(ck2);
    }

    /* shuffling: with a learning rate too small to move any weight, a batch's loss depends
     * only on which windows it holds (every window has its own target), so the first
     * batch of each epoch shows the order: not the file's order, another each epoch, the
     * same again for the same seed; the epoch's mean loss does not depend on the order */
    {
        static float TGU[ROWS];
        for (size_t k = 0; k < trw.n; k++) TGU[k] = (float)k / 16.0f;
        elstm_windows uw = trw;
        uw.target = TGU;
        rec r1 = {0}, r2 = {0};
        elstm_train_callbacks cb1 = {&r1, on_batch, on_epoch, NULL}, cb2 = {&r2, on_batch, on_epoch, NULL};
        float *p1, *p2;
        opts_small(&o);
        o.lr = 1e-30;
        o.epochs = 3;
        o.patience = 0;
        run(&o, &uw, NULL, 0, &cb1, &p1, &res, &d);
        run(&o, &uw, NULL, 0, &cb2, &p2, &res, &d);
        /* the file's order: the first batch is windows 0..batch-1 */
        elstm_trainer *tr = NULL;
        elstm_trainer_create(&tr, &o, I, T, NULL);
        size_t first[64];
        for (size_t k = 0; k < (size_t)o.batch; k++) first[k] = k;
        double id_loss = 0.0;
        elstm_trainer_compute_grads(tr, &uw, first, (size_t)o.batch, &id_loss, NULL);
        elstm_trainer_free(tr);
        test_report(fabs(r1.first_batch[1] - id_loss) > 1e-6 * id_loss, "epoch 1 is not in the file's order",
                    "first batch %.9g, in order %.9g", r1.first_batch[1], id_loss);
        test_report(r1.first_batch[1] != r1.first_batch[2] && r1.first_batch[2] != r1.first_batch[3],
                    "each epoch has another order", "first batches %.9g %.9g %.9g", r1.first_batch[1],
                    r1.first_batch[2], r1.first_batch[3]);
        TEST_TRUE("the same seed gives the same orders", memcmp(r1.first_batch, r2.first_batch, sizeof r1.first_batch) == 0);
        test_report(fabs(r1.loss[1] - r1.loss[2]) <= 1e-6 * r1.loss[1], "an epoch's mean loss does not depend on the order",
                    "%.9g vs %.9g", r1.loss[1], r1.loss[2]);
        free(p1); free(p2);
        rec_free(&r1);
        rec_free(&r2);
    }

    /* resume: interrupt in epoch 3, resume, same bytes as an uninterrupted run */
    {
        char ck[300], ck2[300];
        snprintf(ck, sizeof ck, "%s/run.ckpt", dir);
        snprintf(ck2, sizeof ck2, "%s/full.ckpt", dir);
        float *full, *part, *resumed;
        opts_small(&o);
        o.epochs = 5;
        o.checkpoint = ck2;
        run(&o, &trw, &va, 0, NULL, &full, &res, &d);
        full_record = last_record;

        volatile sig_atomic_t stop = 0;
        rec r = {0};
        r.stop_at_epoch = 3;
        r.stopflag = &stop;
        elstm_train_callbacks cb = {&r, on_batch, on_epoch, NULL};
        o.checkpoint = ck;
        o.stop = &stop;
        elstm_diag_clear(&d);
        elstm_status s = run(&o, &trw, &va, 0, &cb, &part, &res, &d);
        TEST_EQ_INT("a stop request interrupts training", s, ELSTM_ERR_INTERRUPTED);
        TEST_TRUE("the interruption names the epoch", res.fail_epoch == 3 && strstr(d.msg, "epoch 3") != NULL);
        TEST_EQ_INT("two epochs were complete", res.epochs_run, 2);
        stop = 0;
        o.stop = NULL;
        elstm_diag_clear(&d);
        s = run(&o, &trw, &va, 1, NULL, &resumed, &res, &d);
        TEST_TRUE("resume succeeds", s == ELSTM_OK);
        TEST_EQ_INT("resume starts after epoch 2", res.resumed_from, 2);
        TEST_EQ_INT("resumed run ends at epoch 5", res.epochs_run, 5);
        TEST_TRUE("resumed run ends with the uninterrupted run's exact weights", memcmp(full, resumed, np * sizeof(float)) == 0);
        int same = last_record.n_history == 5 && full_record.n_history == 5;
        for (int k = 0; same && k < 5; k++) {
            const elstm_epoch_record *a = &last_record.history[k], *b = &full_record.history[k];
            same = a->epoch == b->epoch && a->loss == b->loss && a->val_loss == b->val_loss && a->lr == b->lr;
        }
        TEST_TRUE("the resumed run's history is the uninterrupted run's (the checkpoint carries it)", same);
        free(full); free(part); free(resumed);
        rec_free(&r);

        float *q;
        o.seed = 77;
        elstm_diag_clear(&d);
        s = run(&o, &trw, &va, 1, NULL, &q, &res, &d);
        TEST_TRUE("resume with another seed is refused", s == ELSTM_ERR_DATA && strstr(d.msg, "checkpoint") != NULL);
        free(q);
        o.seed = 5;
        elstm_windows tr2 = trw;
        tr2.n -= 1;
        elstm_diag_clear(&d);
        s = run(&o, &tr2, &va, 1, NULL, &q, &res, &d);
        TEST_TRUE("resume with other data is refused", s == ELSTM_ERR_DATA);
        free(q);
        FILE *f = fopen(ck, "r+b");
        if (f) { fseek(f, 100, SEEK_SET); fputs("garbage", f); fseek(f, 0, SEEK_END); fputs("x", f); fclose(f); }
        elstm_diag_clear(&d);
        s = run(&o, &trw, &va, 1, NULL, &q, &res, &d);
        TEST_TRUE("a damaged checkpoint is refused", s == ELSTM_ERR_FORMAT && strstr(d.msg, "checkpoint") != NULL);
        free(q);
        unlink(ck);
        unlink(ck2);
    }

    /* divergence: a huge learning rate makes the loss infinite -> clear error */
    {
        float *p;
        opts_small(&o);
        o.lr = 1e30;
        elstm_diag_clear(&d);
        elstm_status s = run(&o, &trw, &va, 0, NULL, &p, &res, &d);
        TEST_EQ_INT("a diverging run stops with a numeric error", s, ELSTM_ERR_NUMERIC);
        TEST_TRUE("the message names epoch and batch", strstr(d.msg, "epoch 1, batch") && strstr(d.msg, "--lr"));
        TEST_TRUE("the failing batch is reported", res.fail_epoch == 1 && res.fail_batch >= 2);
        free(p);
        float keep = X[50 * I];
        X[50 * I] = NAN;
        opts_small(&o);
        elstm_diag_clear(&d);
        s = run(&o, &trw, &va, 0, NULL, &p, &res, &d);
        TEST_EQ_INT("NaN in the inputs stops training with a numeric error", s, ELSTM_ERR_NUMERIC);
        X[50 * I] = keep;
        free(p);
    }

    /* bad options */
    {
        elstm_trainer *tr = NULL;
        opts_small(&o);
        o.units = 0;
        TEST_EQ_INT("units 0 is refused", elstm_trainer_create(&tr, &o, I, T, NULL), ELSTM_ERR_ARG);
        opts_small(&o);
        o.threads = 0;
        TEST_EQ_INT("threads 0 is refused", elstm_trainer_create(&tr, &o, I, T, NULL), ELSTM_ERR_ARG);
        opts_small(&o);
        elstm_trainer_create(&tr, &o, I, T, NULL);
        elstm_windows wrong = trw;
        wrong.steps = T + 1;
        elstm_diag_clear(&d);
        TEST_EQ_INT("windows of another length are refused", elstm_trainer_fit(tr, &wrong, &va, 0, NULL, &res, &d), ELSTM_ERR_ARG);
        elstm_windows none = trw;
        none.n = 0;
        TEST_EQ_INT("no training windows is a data error", elstm_trainer_fit(tr, &none, &va, 0, NULL, &res, NULL), ELSTM_ERR_DATA);
        elstm_trainer_free(tr);
    }

    /* metrics on hand-computed values */
    {
        double pred[] = {1, 2, 3, 4, NAN}, act[] = {2, 2, 5, 4, 100};
        elstm_errors e;
        elstm_errors_compute(pred, act, 5, &e);
        /* errors -1, 0, -2, 0: MAE 0.75, RMSE sqrt(5/4); mean actual 3.25, SST 6.75 */
        TEST_EQ_INT("metrics skip unavailable forecasts", e.n, 4);
        TEST_NEAR("MAE", e.mae, 0.75, 1e-12);
        TEST_NEAR("RMSE", e.rmse, sqrt(1.25), 1e-12);
        TEST_NEAR("R^2", e.r2, 1.0 - 5.0 / 6.75, 1e-12);
        TEST_NEAR("bias (mean of forecast - actual)", e.bias, -0.75, 1e-12);
        double c[] = {3, 3};
        elstm_errors_compute(c, c, 2, &e);
        TEST_TRUE("R^2 of a constant series is NaN (undefined)", isnan(e.r2) && e.rmse == 0.0);
    }
    rmdir(dir);
    return test_done();
}
