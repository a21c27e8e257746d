/*
 * backtest.c - rolling-origin backtests (see edgelstm/train.h): a model per fold (and
 * seed), trained on the fold's past and evaluated on its test block, the jobs spread
 * over the worker pool. Each job trains on one thread, so its bytes do not depend on
 * how many jobs run at once.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct bt_run {
    elstm_backtest_job *jobs;
    int n_jobs;
    const elstm_train_opts *topts;
    const double *levels;
    int n_levels;
    atomic_int next;   /* the next job to take */
} bt_run;

static elstm_status run_job(const bt_run *r, elstm_backtest_job *j)
{
    elstm_train_opts o = *r->topts;
    o.seed = j->seed;
    o.threads = 1;
    o.checkpoint = NULL;
    o.outputs = elstm_meta_outputs(&j->ds->meta);
    elstm_dataset fold = *j->ds;    /* shares the rows; its own meta gets the intervals */
    elstm_windows wtr = {0}, wva = {0};
    elstm_trainer *tr = NULL;
    elstm_status s = elstm_windows_for_split(&fold, ELSTM_SPLIT_TRAIN, &wtr, &j->diag);
    if (s == ELSTM_OK) s = elstm_windows_for_split(&fold, ELSTM_SPLIT_VAL, &wva, &j->diag);
    if (s == ELSTM_OK) s = elstm_trainer_create(&tr, &o, fold.n_inputs, fold.meta.steps, &j->diag);
    if (s == ELSTM_OK) s = elstm_trainer_fit(tr, &wtr, &wva, 0, NULL, &j->train, &j->diag);
    elstm_lstm_f32 m;
    if (s == ELSTM_OK) elstm_trainer_model(tr, &m);
    if (s == ELSTM_OK && r->n_levels > 0) {
        const elstm_dataset *sets[1] = {&fold};
        s = elstm_conformal_fit(&m, sets, 1, ELSTM_SPLIT_VAL, r->levels, r->n_levels, 1, &fold.meta, &j->diag);
    }
    if (s == ELSTM_OK) s = elstm_eval_split(&m, &fold, ELSTM_SPLIT_TEST, 1, &j->eval, &j->diag);
    elstm_trainer_free(tr);
    elstm_windows_free(&wtr);
    elstm_windows_free(&wva);
    return s;
}

static void bt_worker(void *arg, int p)
{
    (void)p;
    bt_run *r = arg;
    for (int k; (k = atomic_fetch_add(&r->next, 1)) < r->n_jobs;) {
        elstm_backtest_job *j = &r->jobs[k];
        elstm_diag_clear(&j->diag);
        j->status = run_job(r, j);
    }
}

elstm_status elstm_backtest_train(elstm_backtest_job *jobs, int n_jobs, const elstm_train_opts *topts,
                                  const double *levels, int n_levels, int threads, elstm_diag *diag)
{
    if (n_jobs < 1) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no folds to run");
    if (threads < 1) threads = 1;
    if (threads > n_jobs) threads = n_jobs;
    bt_run r = {jobs, n_jobs, topts, levels, n_levels, 0};
    tr_pool *pool = NULL;
    elstm_status s = tr_pool_create(&pool, threads, "backtest", diag);
    if (s != ELSTM_OK) return s;
    tr_pool_run(pool, bt_worker, &r);
    tr_pool_free(pool);
    for (int k = 0; k < n_jobs; k++)
        if (jobs[k].status != ELSTM_OK) {
            if (diag) *diag = jobs[k].diag;
            return jobs[k].status;
        }
    return ELSTM_OK;
}
