/* cmd_backtest.c - `edgelstm backtest FILE [data options] [model options] [--folds K]
 * [--seeds LIST] [--threads N] [--json]`, or `--model MODEL.tflite` to evaluate a given
 * model over the folds without training.
 *
 * Rolling origin (docs/training.md): K test blocks at the end of the series (together a
 * year when the series holds two, so the folds fall in different seasons); fold k trains
 * a model on every row before its block (the last part for validation) and is evaluated
 * on the block, beside persistence and seasonal baselines. Per fold, then mean and sample
 * standard deviation over the folds (and seeds). Each fold trains on one thread and the
 * folds run --threads at a time, so the output is the same bytes for any --threads. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_eval.h"

static const cli_opt backtest_opts[] = {
    {"--folds", NULL, "K", "test blocks, each the test split of one fold (default 4)"},
    {"--fold-rows", NULL, "N", "rows per test block (default: K blocks spanning one year, or half of a shorter series)"},
    {"--seeds", NULL, "LIST", "train each fold once per seed, e.g. 42,1,2 (default: --seed)"},
    {"--model", NULL, "MODEL.tflite", "evaluate this model over the folds instead of training one per fold"},
    {"--threads", NULL, "N", "folds run at once, one thread each (default: all cores); results do not depend on it"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {cli_data_opts, cli_model_opts, backtest_opts, cli_json_opt, NULL};

/* ---- mean and standard deviation of fold results of one shape ------------------------ */

/* Over n JSON values of one shape: numbers -> their mean, or sample standard deviation
 * (sd), null when any is null or, for sd, when n < 2; objects -> key by key (those of
 * the first); arrays -> element by element; anything else -> the first's value when all
 * are equal, else left out (NULL). */
static json_t *aggregate(json_t **v, size_t n, int sd)
{
    if (json_is_number(v[0])) {
        double sum = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (!json_is_number(v[i])) return json_null();
            sum += json_number_value(v[i]);
        }
        const double mean = sum / (double)n;
        if (!sd) return json_real(mean);
        if (n < 2) return json_null();
        for (size_t i = 0; i < n; i++) ss += (json_number_value(v[i]) - mean) * (json_number_value(v[i]) - mean);
        return json_real(sqrt(ss / (double)(n - 1)));
    }
    json_t **w = malloc(n * sizeof *w), *out = NULL;
    if (!w) return NULL;
    if (json_is_object(v[0])) {
        out = json_object();
        const char *key;
        json_t *x;
        json_object_foreach(v[0], key, x) {
            size_t i = 0;
            for (; i < n && (w[i] = json_object_get(v[i], key)) != NULL; i++) {}
            json_t *a = i == n ? aggregate(w, n, sd) : NULL;
            if (a) json_object_set_new(out, key, a);
        }
    } else if (json_is_array(v[0])) {
        out = json_array();
        size_t len = json_array_size(v[0]);
        for (size_t i = 1; i < n; i++) len = json_array_size(v[i]) < len ? json_array_size(v[i]) : len;
        for (size_t e = 0; e < len; e++) {
            for (size_t i = 0; i < n; i++) w[i] = json_array_get(v[i], e);
            json_t *a = aggregate(w, n, sd);
            json_array_append_new(out, a ? a : json_null());
        }
    } else {
        size_t i = 1;
        while (i < n && json_equal(v[0], v[i])) i++;
        out = i == n ? json_deep_copy(v[0]) : NULL;
    }
    free(w);
    return out;
}

/* ---- one fold's result --------------------------------------------------------------- */

static double ratio(double a, double b) { return b > 0 && isfinite(a) ? a / b : NAN; }
static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* The statistics of a fold (eval's keys, the skill ratios, the training outcome): what
 * the mean and sd are taken over. */
static json_t *fold_stats(const elstm_backtest_job *j, int trained)
{
    json_t *o = cli_eval_json(&j->eval);
    if (!o) return NULL;
    json_object_set_new(o, "rmse_vs_persistence", num_or_null(ratio(j->eval.model.rmse, j->eval.persistence.rmse)));
    json_object_set_new(o, "rmse_vs_seasonal", j->eval.seasonal_ok
                                                   ? num_or_null(ratio(j->eval.model.rmse, j->eval.seasonal.rmse))
                                                   : json_null());
    if (trained) {
        json_object_set_new(o, "epochs_run", json_integer(j->train.epochs_run));
        json_object_set_new(o, "best_epoch", json_integer(j->train.best_epoch));
        json_object_set_new(o, "best_val_loss", num_or_null(j->train.best_val_loss));
    }
    return o;
}

static void fmt_time(const elstm_dataset *ds, size_t row, char *buf, size_t n)
{
    elstm_time_format(ds->time[row < ds->rows ? row : ds->rows - 1], buf, n);
}

static void print_table(const elstm_backtest_job *jobs, int n_jobs, const elstm_dataset *folds,
                        const size_t (*seg)[ELSTM_SPLITS], int n_seeds, int trained, json_t *mean, json_t *sd)
{
    const elstm_eval_result *e0 = &jobs[0].eval;
    printf("%-4s %6s  %-19s  %-19s %7s %8s %8s %8s %8s %7s", "fold", n_seeds > 1 ? "seed" : "", "test from", "to",
           "windows", "RMSE", "MAE", "persist.", "seasonal", "vs pers");
    for (int l = 0; l < e0->n_intervals; l++) printf(" cover%-3g", e0->interval[l].level);
    printf("%s\n", trained ? " epochs" : "");
    for (int k = 0; k < n_jobs; k++) {
        const elstm_backtest_job *j = &jobs[k];
        const int f = k / n_seeds;
        char t0[32], t1[32], seed[24] = "";
        fmt_time(&folds[f], seg[f][1], t0, sizeof t0);
        fmt_time(&folds[f], seg[f][2] - 1, t1, sizeof t1);
        if (n_seeds > 1) snprintf(seed, sizeof seed, "%llu", (unsigned long long)j->seed);
        printf("%-4d %6s  %-19s  %-19s %7zu %8.4f %8.4f %8.4f %8.4f %7.3f", f + 1, seed, t0, t1, j->eval.n,
               j->eval.model.rmse, j->eval.model.mae, j->eval.persistence.rmse,
               j->eval.seasonal_ok ? j->eval.seasonal.rmse : NAN, ratio(j->eval.model.rmse, j->eval.persistence.rmse));
        for (int l = 0; l < j->eval.n_intervals; l++) printf(" %7.1f%%", 100.0 * j->eval.interval[l].coverage);
        if (trained) printf(" %6d", j->train.epochs_run);
        printf("\n");
    }
    for (int w = 0; w < 2; w++) {
        json_t *o = w ? sd : mean;
        double rmse = json_number_value(json_object_get(o, "rmse")), mae = json_number_value(json_object_get(o, "mae"));
        double pr = json_number_value(json_object_get(json_object_get(o, "persistence"), "rmse"));
        json_t *se = json_object_get(o, "seasonal");
        double sr = se && json_is_object(se) ? json_number_value(json_object_get(se, "rmse")) : NAN;
        double vp = json_number_value(json_object_get(o, "rmse_vs_persistence"));
        printf("%-4s %6s  %-19s  %-19s %7s %8.4f %8.4f %8.4f %8.4f %7.3f", w ? "sd" : "mean", "", "", "", "", rmse, mae,
               pr, sr, vp);
        json_t *iv = json_object_get(o, "intervals");
        for (size_t l = 0; l < json_array_size(iv); l++)
            printf(" %7.1f%%", 100.0 * json_number_value(json_object_get(json_array_get(iv, l), "coverage")));
        printf("\n");
    }
    if (e0->n_steps > 1) { /* the mean over the folds, per step */
        json_t *ps = json_object_get(mean, "per_step");
        printf("\nmean over the folds, per step:\n%5s %8s %8s %8s %8s", "h", "RMSE", "MAE", "persist.", "seasonal");
        for (int l = 0; l < e0->n_intervals; l++) printf(" cover%-3g", e0->interval[l].level);
        printf("\n");
        for (size_t s = 0; s < json_array_size(ps); s++) {
            json_t *e = json_array_get(ps, s);
            printf("%5d %8.4f %8.4f %8.4f %8.4f", (int)json_number_value(json_object_get(e, "h")),
                   json_number_value(json_object_get(e, "rmse")), json_number_value(json_object_get(e, "mae")),
                   json_number_value(json_object_get(e, "persistence_rmse")),
                   json_number_value(json_object_get(e, "seasonal_rmse")));
            json_t *cov = json_object_get(e, "coverage");
            for (int l = 0; l < e0->n_intervals; l++) {
                char key[16];
                snprintf(key, sizeof key, "%g", e0->interval[l].level);
                printf(" %7.1f%%", 100.0 * json_number_value(json_object_get(cov, key)));
            }
            printf("\n");
        }
    }
}

/* --seeds "42,1,2" (or the one --seed). */
static int read_seeds(const cli_ctx *ctx, uint64_t dflt, uint64_t *seeds, int max, int *n)
{
    const char *v = cli_get(ctx, "--seeds");
    *n = 0;
    if (!v) {
        seeds[(*n)++] = dflt;
        return 0;
    }
    for (const char *p = v;;) {
        char *end;
        unsigned long long x = strtoull(p, &end, 10);
        if (end == p || *p == '-' || (*end && *end != ',') || *n == max)
            return cli_usage_error(ctx, "option '--seeds' takes up to %d seeds separated by commas (e.g. 42,1,2), not '%s'",
                                   max, v);
        seeds[(*n)++] = x;
        if (!*end) return 0;
        p = end + 1;
    }
}

static int run(cli_ctx *ctx)
{
    const char *model = cli_get(ctx, "--model"), *path = ctx->pos[0];
    const int json = cli_has(ctx, "--json");
    long folds_l = 4, rows_l = 0;
    if (cli_get_int(ctx, "--folds", 1, ELSTM_MAX_FOLDS, &folds_l) ||
        cli_get_int(ctx, "--fold-rows", 1, 1000000000L, &rows_l))
        return CLI_EXIT_USAGE;
    const int K = (int)folds_l;
    elstm_train_opts topts;
    int rc = cli_read_model_opts(ctx, &topts);
    if (rc) return rc;
    if ((rc = cli_sampling_needs_series(ctx, &topts, 1, "backtest trains each fold on one file"))) return rc;
    enum { MAX_SEEDS = 64 };
    uint64_t seeds[MAX_SEEDS];
    int n_seeds = 0;
    if ((rc = read_seeds(ctx, topts.seed, seeds, MAX_SEEDS, &n_seeds))) return rc;
    cli_levels lv;
    if ((rc = cli_get_levels(ctx, "--intervals", CLI_DEFAULT_INTERVALS, &lv))) return rc;
    if (model) {
        static const char *const training_only[] = {"--target", "--features", "--time-features", "--steps",
                                                    "--horizon", "--horizons", "--target-mode", "--seeds",
                                                    "--intervals", "--units", "--epochs", NULL};
        for (const char *const *o = training_only; *o; o++)
            if (cli_has(ctx, *o))
                return cli_usage_error(ctx, "%s belongs to training; with --model the model's own settings are used", *o);
    } else if (!cli_get(ctx, "--target")) {
        return cli_usage_error(ctx, "--target COL is required (or --model MODEL.tflite to evaluate a trained model)");
    }

    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_forecaster f;
    int have_model = 0;
    elstm_dataset base, *folds = NULL;
    memset(&base, 0, sizeof base);
    elstm_backtest_job *jobs = NULL;
    size_t (*seg)[ELSTM_SPLITS] = calloc((size_t)K, sizeof *seg);
    elstm_data_opts dopts;
    elstm_status s;
    if (!seg) return cli_error("out of memory");
    if (model) { /* the file read with the model's metadata, as eval reads it */
        if ((rc = cli_load_model_and_data(model, path, &f, &base))) goto done;
        have_model = 1;
    } else {
        if ((rc = cli_read_data_opts(ctx, path, &dopts))) goto done;
        if ((s = elstm_data_load(&dopts, &base, &diag)) != ELSTM_OK) {
            rc = cli_fail(s, &diag);
            goto done;
        }
    }
    const elstm_meta *bm = &base.meta;
    const size_t window = (size_t)bm->steps + (size_t)bm->horizon + (size_t)elstm_meta_outputs(bm) - 1;
    const double val_share = model ? 0.0 : bm->split_val / (bm->split_train + bm->split_val);
    if ((s = elstm_data_folds(base.rows, base.interval_s, window, K, (size_t)rows_l, val_share, seg, &diag)) != ELSTM_OK) {
        rc = cli_fail(s, &diag);
        goto done;
    }
    folds = calloc((size_t)K, sizeof *folds);
    const int n_jobs = model ? K : K * n_seeds;
    jobs = calloc((size_t)n_jobs, sizeof *jobs);
    if (!folds || !jobs) {
        rc = cli_error("out of memory");
        goto done;
    }
    for (int k = 0; k < K; k++) { /* each fold: its rows split, its own scaler (or the model's) */
        if (model) {
            const size_t tseg[ELSTM_SPLITS] = {seg[k][1], seg[k][1], seg[k][2]};
            s = elstm_data_load_meta_segments(path, &f.meta, tseg, &folds[k], &diag);
        } else {
            elstm_data_opts fo = dopts;
            memcpy(fo.segments, seg[k], sizeof fo.segments);
            s = elstm_data_load(&fo, &folds[k], &diag);
        }
        if (s != ELSTM_OK) {
            rc = cli_fail(s, &diag);
            goto done;
        }
    }
    if (model) { /* no training: the forward passes use the threads */
        for (int k = 0; k < K && rc == 0; k++) {
            jobs[k].ds = &folds[k];
            if ((s = elstm_eval_split(&f.lstm, &folds[k], ELSTM_SPLIT_TEST, topts.threads, &jobs[k].eval, &diag)) != ELSTM_OK)
                rc = cli_fail(s, &diag);
        }
        if (rc) goto done;
    } else {
        size_t nval = SIZE_MAX; /* the default levels: those every fold's validation split calibrates */
        for (int k = 0; k < K; k++)
            if (folds[k].n_win[ELSTM_SPLIT_VAL] < nval) nval = folds[k].n_win[ELSTM_SPLIT_VAL];
        if ((rc = cli_levels_fit(ctx, "--intervals", path, nval, &lv))) goto done;
        for (int k = 0; k < n_jobs; k++) {
            jobs[k].ds = &folds[k / n_seeds];
            jobs[k].seed = seeds[k % n_seeds];
        }
        topts.stop = &cli_stop;
        cli_catch_stop(1);
        fprintf(stderr, "Backtest: %d fold%s x %d seed%s of LSTM(%d) + Dense(%d), %d at a time\n", K, K == 1 ? "" : "s",
                n_seeds, n_seeds == 1 ? "" : "s", topts.units, elstm_meta_outputs(bm),
                topts.threads < n_jobs ? topts.threads : n_jobs);
        s = elstm_backtest_train(jobs, n_jobs, &topts, lv.level, lv.n, topts.threads, &diag);
        cli_catch_stop(0);
        if (s != ELSTM_OK) {
            rc = cli_fail(s, &diag);
            goto done;
        }
    }

    json_t *arr = json_array(), **stats = calloc((size_t)n_jobs, sizeof *stats);
    for (int k = 0; arr && stats && k < n_jobs; k++) {
        const int fk = k / (model ? 1 : n_seeds);
        char t0[32], t1[32];
        fmt_time(&folds[fk], seg[fk][1], t0, sizeof t0);
        fmt_time(&folds[fk], seg[fk][2] - 1, t1, sizeof t1);
        stats[k] = fold_stats(&jobs[k], !model);
        json_t *o = json_pack("{s:i, s:s, s:s, s:I, s:I, s:I}", "fold", fk + 1, "test_start", t0, "test_end", t1,
                              "train_rows", (json_int_t)seg[fk][0], "val_rows", (json_int_t)(seg[fk][1] - seg[fk][0]),
                              "test_rows", (json_int_t)(seg[fk][2] - seg[fk][1]));
        if (o && !model) {
            char sb[24];
            snprintf(sb, sizeof sb, "%llu", (unsigned long long)jobs[k].seed);
            json_object_set_new(o, "seed", json_string(sb));
        }
        if (o && stats[k]) json_object_update(o, stats[k]);
        json_array_append_new(arr, o);
    }
    json_t *mean = stats ? aggregate(stats, (size_t)n_jobs, 0) : NULL, *sd = stats ? aggregate(stats, (size_t)n_jobs, 1) : NULL;
    for (int k = 0; stats && k < n_jobs; k++) json_decref(stats[k]);
    free(stats);
    if (!arr || !mean || !sd) {
        json_decref(arr);
        json_decref(mean);
        json_decref(sd);
        rc = cli_error("out of memory");
        goto done;
    }
    if (json) {
        rc = cli_print_json(json_pack("{s:s, s:i, s:o, s:o, s:o}", "target", bm->target, "k", K, "folds", arr, "mean",
                                      mean, "sd", sd));
    } else {
        print_table(jobs, n_jobs, folds, (const size_t(*)[ELSTM_SPLITS])seg, model ? 1 : n_seeds, !model, mean, sd);
        json_decref(arr);
        json_decref(mean);
        json_decref(sd);
    }
done:
    for (int k = 0; folds && k < K; k++) elstm_data_free(&folds[k]);
    free(folds);
    free(jobs);
    free(seg);
    elstm_data_free(&base);
    if (have_model) elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_backtest = {
    "backtest", "FILE [data options] [model options] [--folds K] [--seeds LIST] [--threads N] [--json]",
    "rolling-origin evaluation over K folds spread over the seasons",
    "Splits the end of FILE into K test blocks (by default spanning its last year, so that\n"
    "they fall in different seasons). Fold k trains a model, as 'train' would with the same\n"
    "options, on every row before its block (the last part of them for validation and\n"
    "the intervals), then evaluates it on the block beside persistence and seasonal\n"
    "forecasts: an expanding window that never trains on its test rows. Prints each fold\n"
    "and the mean and standard deviation over the folds (and over --seeds). The folds\n"
    "train on one thread each, --threads at a time: the output does not depend on\n"
    "--threads. With --model MODEL.tflite, that model is evaluated on the same test blocks\n"
    "(with its own scaler and settings) without training. See docs/training.md.",
    1, 1, groups, run,
};
