/* cmd_predict.c - `edgelstm predict MODEL FILE [--last] [-o OUT.csv] [--json]`. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_eval.h"
#include "edgelstm/fileio.h"

static const cli_opt predict_opts[] = {
    {"--last", NULL, NULL, "only the forecast after the file's last row"},
    {"--output", "-o", "OUT.csv", "write the forecasts to OUT.csv (atomically) instead of stdout"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {predict_opts, cli_force_opt, cli_json_opt, NULL};

#define FORECAST_HEADER "time,value,normalized,actual\n"

/* A forecast file predict wrote: it starts with the header line predict writes. */
static int is_forecast_file(const char *path)
{
    FILE *f = NULL;
    char head[sizeof FORECAST_HEADER] = "";
    int ok = elstm_open_input(path, &f, NULL) == ELSTM_OK &&
             fread(head, 1, strlen(FORECAST_HEADER), f) == strlen(FORECAST_HEADER) &&
             memcmp(head, FORECAST_HEADER, strlen(FORECAST_HEADER)) == 0;
    if (f) fclose(f);
    return ok;
}

/* Every window start whose `steps` rows are all usable, ascending. */
static size_t usable_starts(const elstm_dataset *ds, size_t *out)
{
    size_t n = 0, run = 0, steps = (size_t)ds->meta.steps;
    for (size_t r = 0; r < ds->rows; r++) {
        run = ds->usable && !ds->usable[r] ? 0 : run + 1;
        if (run >= steps) out[n++] = r + 1 - steps;
    }
    return n;
}

static int write_rows(FILE *f, const elstm_dataset *ds, const size_t *starts, const float *yn, size_t n)
{
    char tb[32];
    fputs(FORECAST_HEADER, f);
    for (size_t k = 0; k < n; k++) {
        size_t last = starts[k] + (size_t)ds->meta.steps - 1, tr = last + (size_t)ds->meta.horizon;
        int64_t t = ds->time[last] + (int64_t)ds->meta.horizon * ds->interval_s;
        elstm_time_format(t, tb, sizeof tb);
        double v = elstm_meta_denormalize(yn[k], ds->meta.target_min, ds->meta.target_max);
        fprintf(f, "%s,%.9g,%.9g,", tb, v, (double)yn[k]);
        if (tr < ds->rows && (!ds->usable || ds->usable[tr]) && !isnan(ds->y[tr])) fprintf(f, "%.9g", ds->y[tr]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

static int run(cli_ctx *ctx)
{
    const int last = cli_has(ctx, "--last"), json = cli_has(ctx, "--json");
    const char *out = cli_get(ctx, "--output");
    if (last && out) return cli_usage_error(ctx, "--last prints one forecast; it does not take -o");
    if (json && out) return cli_usage_error(ctx, "choose either --json (stdout) or -o OUT.csv");
    int rc;
    if (out) {
        const char *inputs[] = {ctx->pos[0], ctx->pos[1], NULL};
        elstm_output_rules r = {"-o", inputs, cli_has(ctx, "--force"), 0, 1, is_forecast_file,
                                "a forecast file edgelstm wrote"};
        if ((rc = cli_check_output(out, &r))) return rc;
    }
    elstm_forecaster f;
    elstm_dataset ds;
    if ((rc = cli_load_model_and_data(ctx->pos[0], ctx->pos[1], &f, &ds))) return rc;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    size_t *starts = malloc((ds.rows ? ds.rows : 1) * sizeof *starts);
    float *yn = malloc((ds.rows ? ds.rows : 1) * sizeof *yn);
    size_t n = 0;
    if (!starts || !yn) { rc = cli_error("out of memory"); goto done; }
    if (last) {
        size_t steps = (size_t)ds.meta.steps;
        int ok = ds.rows >= steps;
        for (size_t r = ds.rows - (ok ? steps : 0); ok && ds.usable && r < ds.rows; r++) ok = ds.usable[r];
        if (!ok) {
            rc = cli_error("%s: the last %zu rows do not form a full window (the file is too short or "
                           "they span a long gap), so there is no forecast after the last row",
                           ctx->pos[1], steps);
            goto done;
        }
        starts[0] = ds.rows - steps;
        n = 1;
    } else {
        n = usable_starts(&ds, starts);
        if (n == 0) {
            rc = cli_error("%s: no window of %d usable rows in the file", ctx->pos[1], ds.meta.steps);
            goto done;
        }
    }
    elstm_status s = elstm_forecast_data(&f.lstm, &ds, starts, n, cli_default_threads(), yn, &diag);
    if (s != ELSTM_OK) { rc = cli_fail(s, &diag); goto done; }

    if (last) {
        char tb[32];
        int64_t t = ds.time[ds.rows - 1] + (int64_t)ds.meta.horizon * ds.interval_s;
        elstm_time_format(t, tb, sizeof tb);
        double v = elstm_meta_denormalize(yn[0], ds.meta.target_min, ds.meta.target_max);
        if (json)
            rc = cli_print_json(json_pack("{s:s, s:s, s:f, s:f}", "time", tb, "target", ds.meta.target,
                                          "value", v, "normalized", (double)yn[0]));
        else
            printf("%s %s %.4f (normalized %.6f)\n", tb, ds.meta.target, v, (double)yn[0]);
    } else if (json) {
        json_t *arr = json_array();
        char tb[32];
        for (size_t k = 0; arr && k < n; k++) {
            size_t lr = starts[k] + (size_t)ds.meta.steps - 1, tr = lr + (size_t)ds.meta.horizon;
            elstm_time_format(ds.time[lr] + (int64_t)ds.meta.horizon * ds.interval_s, tb, sizeof tb);
            json_t *o = json_pack("{s:s, s:f, s:f}", "time", tb, "value",
                                  elstm_meta_denormalize(yn[k], ds.meta.target_min, ds.meta.target_max),
                                  "normalized", (double)yn[k]);
            if (o) json_object_set_new(o, "actual", tr < ds.rows && !isnan(ds.y[tr]) && (!ds.usable || ds.usable[tr])
                                                        ? json_real(ds.y[tr]) : json_null());
            json_array_append_new(arr, o);
        }
        rc = cli_print_json(json_pack("{s:s, s:I, s:o}", "target", ds.meta.target, "n", (json_int_t)n,
                                      "forecasts", arr));
    } else if (out) {
        elstm_atomic_file af;
        if ((s = elstm_atomic_open(&af, out, &diag)) != ELSTM_OK) { rc = cli_fail(s, &diag); goto done; }
        if (write_rows(af.f, &ds, starts, yn, n) != 0) {
            int e = errno;
            elstm_atomic_abort(&af);
            rc = cli_error("%s: cannot write the forecasts: %s", out, strerror(e));
            goto done;
        }
        if ((s = elstm_atomic_commit(&af, &diag)) != ELSTM_OK) { rc = cli_fail(s, &diag); goto done; }
        fprintf(stderr, "Wrote %zu forecasts of %s to %s\n", n, ds.meta.target, out);
    } else if (write_rows(stdout, &ds, starts, yn, n) != 0) {
        rc = cli_error("cannot write to standard output");
    }
done:
    free(starts);
    free(yn);
    elstm_data_free(&ds);
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_predict = {
    "predict", "MODEL.tflite FILE [--last] [-o OUT.csv] [--json]",
    "forecast every window of a file, or --last: the next forecast",
    "Reads FILE the way the model's training read its data (from the model's metadata) and\n"
    "forecasts every full window of usable rows: CSV columns time (of the forecast), value\n"
    "(target units), normalized, actual (empty when not in the file). --last forecasts only\n"
    "from the file's last rows: the time is the last time + horizon x interval.",
    2, 2, groups, run,
};
