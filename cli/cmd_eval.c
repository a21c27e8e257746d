/* cmd_eval.c - `edgelstm eval MODEL FILE [--split test|val|train|all] [--json]`. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
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
    return o;
}

void cli_eval_print(FILE *f, const elstm_eval_result *r, const char *target)
{
    fprintf(f, "%s split: %zu windows, errors in %s's units%s\n", r->split, r->n, target,
            r->stateful ? " (stateful: one step per sample, the state carried)" : "");
    fprintf(f, "  %-12s %10s %10s %8s\n", "forecast", "MAE", "RMSE", "R^2");
    fprintf(f, "  %-12s %10.4f %10.4f %8.4f\n", "model", r->model.mae, r->model.rmse, r->model.r2);
    fprintf(f, "  %-12s %10.4f %10.4f\n", "persistence", r->persistence.mae, r->persistence.rmse);
    if (r->seasonal_ok) fprintf(f, "  %-12s %10.4f %10.4f\n", "seasonal", r->seasonal.mae, r->seasonal.rmse);
    if (r->note[0]) fprintf(f, "  (%s)\n", r->note);
    if (r->persistence.rmse > 0 && isfinite(r->model.rmse))
        fprintf(f, "  model RMSE is %.1f%% %s persistence\n",
                100.0 * fabs(1.0 - r->model.rmse / r->persistence.rmse),
                r->model.rmse <= r->persistence.rmse ? "below" : "ABOVE");
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
                         "convert forecasts to the target's units",
                         model_path);
    }
    s = elstm_data_load_meta(data_path, &f->meta, ds, &diag);
    if (s != ELSTM_OK) {
        elstm_forecaster_free(f);
        return cli_fail(s == ELSTM_ERR_ARG ? ELSTM_ERR_DATA : s, &diag);
    }
    if (f->lstm.n_input != ds->n_inputs || f->steps != ds->meta.steps || f->lstm.n_output != 1) {
        int rc = cli_error("%s: the model (%d inputs, %d steps, %d outputs) does not match its own "
                           "metadata (%d inputs, %d steps)",
                           model_path, (int)f->lstm.n_input, (int)f->steps, (int)f->lstm.n_output,
                           ds->n_inputs, ds->meta.steps);
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
    elstm_forecaster f;
    elstm_dataset ds;
    int rc = cli_load_model_and_data(ctx->pos[0], ctx->pos[1], &f, &ds);
    if (rc) return rc;
    elstm_eval_result r;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_status s = elstm_eval_split(&f.lstm, &ds, split, cli_default_threads(), &r, &diag);
    if (s != ELSTM_OK) rc = cli_fail(s, &diag);
    else if (cli_has(ctx, "--json")) rc = cli_print_json(cli_eval_json(&r));
    else cli_eval_print(stdout, &r, ds.meta.target);
    elstm_data_free(&ds);
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_eval = {
    "eval", "MODEL.tflite FILE [--split test|val|train|all] [--json]",
    "metrics in the target's units beside persistence and seasonal baselines",
    "Reads FILE the way the model's training read its data (time columns, inputs, training\n"
    "scaler, windows and split fractions, all from the model's metadata), forecasts every\n"
    "window of the split and reports MAE, RMSE and R^2 in the target's units, beside two\n"
    "baselines on the same windows: persistence (the target's value at the window's last\n"
    "row) and seasonal (its value one day before the target time, when the interval\n"
    "divides a day). See docs/training.md.",
    2, 2, groups, run,
};
