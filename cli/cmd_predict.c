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

/* The header lines predict writes: one output, or several (one row per step); models
 * with intervals add ",lowL,highL" per level. */
#define FORECAST_HEADER "time,value,normalized,actual"
#define FORECAST_HEADER_STEPS "origin,h,time,value,normalized,actual"

/* A forecast file predict wrote: it starts with a header line predict writes. */
static int is_forecast_file(const char *path)
{
    FILE *f = NULL;
    char head[sizeof FORECAST_HEADER_STEPS + 1] = "";
    size_t got = 0;
    if (elstm_open_input(path, &f, NULL) == ELSTM_OK) got = fread(head, 1, sizeof head - 1, f);
    if (f) fclose(f);
    for (int k = 0; k < 2; k++) {
        const char *h = k ? FORECAST_HEADER_STEPS : FORECAST_HEADER;
        const size_t n = strlen(h);
        if (got > n && memcmp(head, h, n) == 0 && (head[n] == '\n' || head[n] == ',')) return 1;
    }
    return 0;
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

/* The interval columns of the header (",low80,high80,..."), empty without intervals. */
static void interval_header(FILE *f, const elstm_meta *m)
{
    for (int l = 0; l < m->n_intervals; l++) fprintf(f, ",low%g,high%g", m->intervals[l].level, m->intervals[l].level);
}

/* The forecasts of every output j of window k: in target units and normalized (with the
 * target's scaler: the model's output, or in delta mode the output plus the last value). */
typedef struct fc {
    const elstm_dataset *ds;
    const size_t *starts;
    const double *yn;   /* [n][O] normalized forecasts */
    const double *v;    /* [n][O] forecasts in target units */
    int O;
} fc;

static double actual_at(const elstm_dataset *ds, size_t row)
{
    return row < ds->rows && (!ds->usable || ds->usable[row]) && !isnan(ds->y[row]) ? ds->y[row] : NAN;
}

/* One-output models without intervals: time,value,normalized,actual (as always).
 * Several outputs: origin,h,time,value,normalized,actual - one row per step. Intervals
 * add low/high columns per level. */
static int write_rows(FILE *f, const fc *c, size_t n)
{
    const elstm_dataset *ds = c->ds;
    const elstm_meta *m = &ds->meta;
    char tb[32], ob[32];
    fputs(c->O > 1 ? FORECAST_HEADER_STEPS : FORECAST_HEADER, f);
    interval_header(f, m);
    fputc('\n', f);
    for (size_t k = 0; k < n; k++) {
        const size_t last = elstm_data_last_row(ds, c->starts[k]);
        elstm_time_format(ds->time[last], ob, sizeof ob);
        for (int j = 0; j < c->O; j++) {
            const int lead = elstm_meta_lead(m, j);
            const size_t i = k * (size_t)c->O + (size_t)j;
            elstm_time_format(ds->time[last] + (int64_t)lead * ds->interval_s, tb, sizeof tb);
            if (c->O > 1) fprintf(f, "%s,%d,", ob, lead);
            fprintf(f, "%s,%.9g,%.9g,", tb, c->v[i], c->yn[i]);
            double a = actual_at(ds, last + (size_t)lead);
            if (!isnan(a)) fprintf(f, "%.9g", a);
            for (int l = 0; l < m->n_intervals; l++)
                fprintf(f, ",%.9g,%.9g", c->v[i] - m->intervals[l].halfwidth[j], c->v[i] + m->intervals[l].halfwidth[j]);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}

/* {"level", "low", "high"} per interval level of output j around value v. */
static json_t *intervals_json(const elstm_meta *m, int j, double v)
{
    json_t *a = json_array();
    for (int l = 0; a && l < m->n_intervals; l++)
        json_array_append_new(a, json_pack("{s:f, s:f, s:f}", "level", m->intervals[l].level, "low",
                                           v - m->intervals[l].halfwidth[j], "high", v + m->intervals[l].halfwidth[j]));
    return a;
}

/* One forecast (output j of window k) as a JSON object; `target` (--last of a one-output
 * model) comes second, as it always did. */
static json_t *forecast_json(const fc *c, size_t k, int j, int with_actual, const char *target)
{
    const elstm_dataset *ds = c->ds;
    const elstm_meta *m = &ds->meta;
    const size_t last = elstm_data_last_row(ds, c->starts[k]), i = k * (size_t)c->O + (size_t)j;
    const int lead = elstm_meta_lead(m, j);
    char tb[32];
    elstm_time_format(ds->time[last] + (int64_t)lead * ds->interval_s, tb, sizeof tb);
    json_t *o = target ? json_pack("{s:s, s:s, s:f, s:f}", "time", tb, "target", target, "value", c->v[i],
                                   "normalized", c->yn[i])
                       : json_pack("{s:s, s:f, s:f}", "time", tb, "value", c->v[i], "normalized", c->yn[i]);
    if (!o) return NULL;
    if (c->O > 1) json_object_set_new(o, "h", json_integer(lead));
    if (with_actual) {
        double a = actual_at(ds, last + (size_t)lead);
        json_object_set_new(o, "actual", isnan(a) ? json_null() : json_real(a));
    }
    if (m->n_intervals > 0) json_object_set_new(o, "intervals", intervals_json(m, j, c->v[i]));
    return o;
}

static int print_last(const fc *c, int json)
{
    const elstm_meta *m = &c->ds->meta;
    if (json) {
        json_t *o;
        if (c->O == 1) { /* {time, target, value, normalized[, intervals]} as always */
            o = forecast_json(c, 0, 0, 0, m->target);
        } else {
            json_t *arr = json_array();
            char ob[32];
            elstm_time_format(c->ds->time[elstm_data_last_row(c->ds, c->starts[0])], ob, sizeof ob);
            for (int j = 0; arr && j < c->O; j++) json_array_append_new(arr, forecast_json(c, 0, j, 0, NULL));
            o = json_pack("{s:s, s:s, s:o}", "target", m->target, "origin", ob, "forecasts", arr);
        }
        return cli_print_json(o);
    }
    char tb[32];
    for (int j = 0; j < c->O; j++) {
        const size_t last = elstm_data_last_row(c->ds, c->starts[0]);
        elstm_time_format(c->ds->time[last] + (int64_t)elstm_meta_lead(m, j) * c->ds->interval_s, tb, sizeof tb);
        printf("%s %s %.4f (normalized %.6f)", tb, m->target, c->v[j], c->yn[j]);
        for (int l = 0; l < m->n_intervals; l++)
            printf(", %g%%: %.4f to %.4f", m->intervals[l].level, c->v[j] - m->intervals[l].halfwidth[j],
                   c->v[j] + m->intervals[l].halfwidth[j]);
        putchar('\n');
    }
    return 0;
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
    const int O = elstm_meta_outputs(&ds.meta);
    size_t *starts = malloc((ds.rows ? ds.rows : 1) * sizeof *starts);
    float *yn = malloc((ds.rows ? ds.rows : 1) * (size_t)O * sizeof *yn);
    double *v = malloc((ds.rows ? ds.rows : 1) * (size_t)O * sizeof *v),
           *vn = malloc((ds.rows ? ds.rows : 1) * (size_t)O * sizeof *vn);
    size_t n = 0;
    if (!starts || !yn || !v || !vn) { rc = cli_error("out of memory"); goto done; }
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
    elstm_status s = elstm_forecaster_forecast_data(&f, &ds, starts, n, cli_default_threads(), yn, &diag);
    if (s != ELSTM_OK) { rc = cli_fail(s, &diag); goto done; }
    for (size_t k = 0; k < n; k++) {
        const float *lastrow = ds.x + elstm_data_last_row(&ds, starts[k]) * (size_t)ds.n_inputs;
        for (int j = 0; j < O; j++) {
            const size_t i = k * (size_t)O + (size_t)j;
            vn[i] = elstm_meta_forecast_normalized(&ds.meta, yn[i], lastrow);
            v[i] = elstm_meta_forecast(&ds.meta, yn[i], lastrow);
        }
    }
    const fc c = {&ds, starts, vn, v, O};

    if (last) {
        rc = print_last(&c, json);
    } else if (json) {
        json_t *arr = json_array();
        for (size_t k = 0; arr && k < n; k++)
            for (int j = 0; j < O; j++) json_array_append_new(arr, forecast_json(&c, k, j, 1, NULL));
        rc = cli_print_json(json_pack("{s:s, s:I, s:o}", "target", ds.meta.target, "n", (json_int_t)n,
                                      "forecasts", arr));
    } else if (out) {
        elstm_atomic_file af;
        if ((s = elstm_atomic_open(&af, out, &diag)) != ELSTM_OK) { rc = cli_fail(s, &diag); goto done; }
        if (write_rows(af.f, &c, n) != 0) {
            int e = errno;
            elstm_atomic_abort(&af);
            rc = cli_error("%s: cannot write the forecasts: %s", out, strerror(e));
            goto done;
        }
        if ((s = elstm_atomic_commit(&af, &diag)) != ELSTM_OK) { rc = cli_fail(s, &diag); goto done; }
        fprintf(stderr, "Wrote %zu forecasts of %s to %s\n", n * (size_t)O, ds.meta.target, out);
    } else if (write_rows(stdout, &c, n) != 0) {
        rc = cli_error("cannot write to standard output");
    }
done:
    free(starts);
    free(yn);
    free(v);
    free(vn);
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
    "from the file's last rows: the time is the last time + horizon x interval.\n"
    "Multi-step models give every step: CSV rows origin (the window's last time), h,\n"
    "time, value, normalized, actual. Models with intervals add lowL,highL per level L.",
    2, 2, groups, run,
};
