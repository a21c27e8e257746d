/* cmd_eval.c - `edgelstm eval MODEL FILE [--split test|val|train|all] [--json]`. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_eval.h"

int cli_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > ELSTM_MAX_THREADS) n = ELSTM_MAX_THREADS;
    return (int)n;
}

const char *cli_fmt_loss(double v, char *buf, size_t n)
{
    if (isnan(v)) snprintf(buf, n, "nan");
    else if (v != 0.0 && fabs(v) < 1e-3) snprintf(buf, n, "%.4e", v);
    else snprintf(buf, n, "%.4f", v);
    return buf;
}

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *pair(const elstm_errors *e)
{
    return json_pack("{s:o, s:o, s:o}", "mae", num_or_null(e->mae), "rmse", num_or_null(e->rmse), "bias",
                     num_or_null(e->bias));
}

void *cli_eval_json(const elstm_eval_result *r)
{
    json_t *o = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "split", r->split, "n", (json_int_t)r->n,
                          "mae", num_or_null(r->model.mae), "rmse", num_or_null(r->model.rmse),
                          "r2", num_or_null(r->model.r2), "bias", num_or_null(r->model.bias),
                          "persistence", pair(&r->persistence));
    if (!o) return NULL;
    json_object_set_new(o, "seasonal", r->seasonal_ok ? pair(&r->seasonal) : json_null());
    if (r->seasonal_ok && r->seasonal.n != r->n)
        json_object_set_new(json_object_get(o, "seasonal"), "n", json_integer((json_int_t)r->seasonal.n));
    if (r->note[0]) json_object_set_new(o, "note", json_string(r->note));
    if (r->stateful) json_object_set_new(o, "stateful", json_true());
    /* multi-step models: every step; models with intervals: their coverage (one-output
     * models without intervals print what they printed before these keys existed) */
    if (r->n_steps > 1 || r->n_intervals > 0) {
        json_t *steps = json_array();
        for (int j = 0; steps && j < r->n_steps; j++) {
            const elstm_step_result *st = &r->step[j];
            json_t *e = json_pack("{s:i, s:o, s:o, s:o, s:o}", "h", st->lead, "rmse", num_or_null(st->model.rmse),
                                  "mae", num_or_null(st->model.mae), "persistence_rmse",
                                  num_or_null(st->persistence.rmse), "seasonal_rmse",
                                  r->seasonal_ok ? num_or_null(st->seasonal.rmse) : json_null());
            if (e && r->n_intervals > 0) {
                json_t *cov = json_object();
                for (int l = 0; cov && l < r->n_intervals; l++) {
                    char key[16];
                    snprintf(key, sizeof key, "%g", r->interval[l].level);
                    json_object_set_new(cov, key, json_real(st->coverage[l]));
                }
                json_object_set_new(e, "coverage", cov);
            }
            json_array_append_new(steps, e);
        }
        json_object_set_new(o, "per_step", steps);
    }
    if (r->n_intervals > 0) {
        json_t *iv = json_array();
        for (int l = 0; iv && l < r->n_intervals; l++) {
            const elstm_interval_result *ir = &r->interval[l];
            json_array_append_new(iv, json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "level", ir->level, "coverage",
                                                ir->coverage, "coverage_min", ir->coverage_min, "coverage_max",
                                                ir->coverage_max, "mean_width", ir->mean_width, "interval_score",
                                                ir->interval_score));
        }
        json_object_set_new(o, "intervals", iv);
    }
    return o;
}

/* Multi-step models: one line per step, then the means. */
static void print_steps(FILE *f, const elstm_eval_result *r)
{
    fprintf(f, "  %5s %9s %9s %12s %12s", "h", "MAE", "RMSE", "persist.RMSE", "seasonalRMSE");
    for (int l = 0; l < r->n_intervals; l++) fprintf(f, "  cover%-3g", r->interval[l].level);
    fputc('\n', f);
    for (int j = 0; j < r->n_steps; j++) {
        const elstm_step_result *st = &r->step[j];
        fprintf(f, "  %5d %9.4f %9.4f %12.4f %12.4f", st->lead, st->model.mae, st->model.rmse, st->persistence.rmse,
                r->seasonal_ok ? st->seasonal.rmse : NAN);
        for (int l = 0; l < r->n_intervals; l++) fprintf(f, "  %7.1f%%", 100.0 * st->coverage[l]);
        fputc('\n', f);
    }
    fprintf(f, "  %5s %9.4f %9.4f %12.4f %12.4f\n", "mean", r->model.mae, r->model.rmse, r->persistence.rmse,
            r->seasonal_ok ? r->seasonal.rmse : NAN);
}

void cli_eval_print(FILE *f, const elstm_eval_result *r, const char *target)
{
    fprintf(f, "%s split: %zu windows, errors in %s's units%s\n", r->split, r->n, target,
            r->stateful ? " (stateful: one step per sample, the state carried)"
            : r->n_steps > 1 ? " (mean over the steps)" : "");
    fprintf(f, "  %-12s %10s %10s %8s\n", "forecast", "MAE", "RMSE", "R^2");
    fprintf(f, "  %-12s %10.4f %10.4f %8.4f\n", "model", r->model.mae, r->model.rmse, r->model.r2);
    fprintf(f, "  %-12s %10.4f %10.4f\n", "persistence", r->persistence.mae, r->persistence.rmse);
    if (r->seasonal_ok) fprintf(f, "  %-12s %10.4f %10.4f\n", "seasonal", r->seasonal.mae, r->seasonal.rmse);
    if (r->note[0]) fprintf(f, "  (%s)\n", r->note);
    if (r->persistence.rmse > 0 && isfinite(r->model.rmse))
        fprintf(f, "  model RMSE is %.1f%% %s persistence\n",
                100.0 * fabs(1.0 - r->model.rmse / r->persistence.rmse),
                r->model.rmse <= r->persistence.rmse ? "below" : "ABOVE");
    if (r->n_steps > 1) print_steps(f, r);
    for (int l = 0; l < r->n_intervals; l++) {
        const elstm_interval_result *ir = &r->interval[l];
        fprintf(f, "  %g%% interval: coverage %.1f%% (steps %.1f%% to %.1f%%), mean width %.4f, interval score %.4f\n",
                ir->level, 100.0 * ir->coverage, 100.0 * ir->coverage_min, 100.0 * ir->coverage_max, ir->mean_width,
                ir->interval_score);
    }
}

void cli_note_scaler(const elstm_dataset *ds)
{
    if (ds->own_scaler)
        fprintf(stderr, "%s is not one of the model's %d series: scaled with its own scaler, fitted on its "
                        "training part (its first %zu rows)\n", ds->path, ds->meta.n_series, ds->split_end[0]);
}

int cli_load_model_and_data(const char *model_path, const char *data_path, elstm_forecaster *f,
                            elstm_dataset *ds)
{
    elstm_diag diag;
    elstm_diag_clear(&diag);
    memset(ds, 0, sizeof *ds);
    elstm_status s = elstm_forecaster_load(model_path, f, &diag);
    if (s != ELSTM_OK) return cli_fail(s, &diag);
    if (!f->has_meta) {
        elstm_forecaster_free(f);
        return cli_error("%s: the model has no edgelstm metadata; this command needs a model trained "
                         "by 'edgelstm train' (or one carrying its metadata) to read the data and "
                         "convert forecasts to the target's units; give a model made elsewhere (Keras) its "
                         "metadata with 'edgelstm adopt MODEL.tflite DATA.csv [data options] -o OUT.tflite'",
                         model_path);
    }
    s = elstm_data_load_meta(data_path, &f->meta, ds, &diag);
    if (s != ELSTM_OK) {
        elstm_forecaster_free(f);
        return cli_fail(s == ELSTM_ERR_ARG ? ELSTM_ERR_DATA : s, &diag);
    }
    cli_note_scaler(ds);
    if (f->n_layers > 1) {
        int rc = cli_error("%s: the model has %d stacked LSTM layers; predict and eval take one LSTM layer "
                           "for now (run, deploy and profile take this model)",
                           model_path, (int)f->n_layers);
        elstm_data_free(ds);
        elstm_forecaster_free(f);
        return rc;
    }
    if (f->lstm.n_input != ds->n_inputs || f->steps != ds->meta.steps ||
        f->lstm.n_output != elstm_meta_outputs(&ds->meta)) {
        int rc = cli_error("%s: the model (%d inputs, %d steps, %d outputs) does not match its own "
                           "metadata (%d inputs, %d steps, %d outputs)",
                           model_path, (int)f->lstm.n_input, (int)f->steps, (int)f->lstm.n_output,
                           ds->n_inputs, ds->meta.steps, elstm_meta_outputs(&ds->meta));
        elstm_data_free(ds);
        elstm_forecaster_free(f);
        return rc;
    }
    return 0;
}

static const cli_opt eval_opts[] = {
    {"--split", NULL, "SPLIT", "windows to evaluate: test (default), val, train or all"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {eval_opts, cli_json_opt, NULL};

/* Per-series models: the series whose scaler read the file, or "own". */
static const char *scaler_name(const elstm_dataset *ds)
{
    const int k = ds->own_scaler ? -1 : elstm_meta_series_find(&ds->meta, ds->path);
    return k >= 0 ? ds->meta.series_name[k] : "own";
}

static int run(cli_ctx *ctx)
{
    const char *sp = cli_get(ctx, "--split");
    int split = ELSTM_SPLIT_TEST;
    if (sp) {
        if (strcmp(sp, "test") == 0) split = ELSTM_SPLIT_TEST;
        else if (strcmp(sp, "val") == 0) split = ELSTM_SPLIT_VAL;
        else if (strcmp(sp, "train") == 0) split = ELSTM_SPLIT_TRAIN;
        else if (strcmp(sp, "all") == 0) split = -1;
        else return cli_usage_error(ctx, "option '--split' must be test, val, train or all, not '%s'", sp);
    }
    const int nf = ctx->npos - 1, json = cli_has(ctx, "--json");
    elstm_forecaster f;
    elstm_dataset *ds = calloc((size_t)nf, sizeof *ds);
    const elstm_dataset **sets = calloc((size_t)nf, sizeof *sets);
    elstm_eval_result *r = malloc(sizeof *r);
    int rc = 0, loaded = 0;
    if (!ds || !sets || !r) {
        rc = cli_error("out of memory");
        goto done;
    }
    if ((rc = cli_load_model_and_data(ctx->pos[0], ctx->pos[1], &f, &ds[0]))) goto done;
    loaded = 1;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    for (int i = 1; i < nf; i++) { /* more series: read each with the model's metadata */
        elstm_status s = elstm_data_load_meta(ctx->pos[1 + i], &f.meta, &ds[i], &diag);
        if (s != ELSTM_OK) {
            rc = cli_fail(s == ELSTM_ERR_ARG ? ELSTM_ERR_DATA : s, &diag);
            goto done;
        }
        cli_note_scaler(&ds[i]);
    }
    for (int i = 0; i < nf; i++) sets[i] = &ds[i];
    json_t *files = nf > 1 ? json_array() : NULL;
    for (int i = 0; nf > 1 && i < nf; i++) { /* each file, then all of them */
        elstm_status s = elstm_forecaster_eval(&f, &ds[i], split, cli_default_threads(), r, &diag);
        if (s != ELSTM_OK) {
            json_decref(files);
            rc = cli_fail(s, &diag);
            goto done;
        }
        if (json) {
            json_t *o = cli_eval_json(r);
            if (o) json_object_set_new(o, "file", json_string(ctx->pos[1 + i]));
            if (o && f.meta.n_series > 0) json_object_set_new(o, "scaler", json_string(scaler_name(&ds[i])));
            json_array_append_new(files, o);
        } else {
            printf("%s:\n", ctx->pos[1 + i]);
            cli_eval_print(stdout, r, ds[i].meta.target);
            printf("\n");
        }
    }
    elstm_status s = elstm_forecaster_eval_sets(&f, sets, nf, split, cli_default_threads(), r, &diag);
    if (s != ELSTM_OK) {
        json_decref(files);
        rc = cli_fail(s, &diag);
    } else if (json) {
        json_t *o = cli_eval_json(r);
        if (o && nf == 1 && f.meta.n_series > 0) json_object_set_new(o, "scaler", json_string(scaler_name(&ds[0])));
        if (o && files) json_object_set_new(o, "files", files);
        else json_decref(files);
        rc = cli_print_json(o);
    } else {
        if (nf > 1) printf("all %d files:\n", nf);
        cli_eval_print(stdout, r, ds[0].meta.target);
    }
done:
    for (int i = 0; ds && i < nf; i++) elstm_data_free(&ds[i]);
    if (loaded) elstm_forecaster_free(&f);
    free(ds);
    free(sets);
    free(r);
    return rc;
}

const cli_command cli_cmd_eval = {
    "eval", "MODEL.tflite FILE... [--split test|val|train|all] [--json]",
    "metrics in the target's units beside persistence and seasonal baselines",
    "Reads FILE the way the model's training read its data (time columns, inputs, training\n"
    "scaler, windows and split fractions, all from the model's metadata), forecasts every\n"
    "window of the split and reports MAE, RMSE and R^2 in the target's units, beside two\n"
    "baselines on the same windows: persistence (the target's value at the window's last\n"
    "row) and seasonal (its value one day before the target time, when the interval\n"
    "divides a day). Multi-step models (train --horizons) are measured per step, beside\n"
    "persistence and the same hour one day earlier, and by the mean over the steps; models\n"
    "with prediction intervals report their coverage, mean width and interval score.\n"
    "Several FILEs (the series of a global model): each file, then all windows pooled.\n"
    "See docs/training.md.",
    2, CLI_MAX_POS, groups, run,
};
