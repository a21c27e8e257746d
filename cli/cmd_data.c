/* cmd_data.c - `edgelstm data FILE [data options] [--json]`: load exactly as `train`
 * does (elstm_data_load with the same options) and summarize what was loaded. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt *const groups[] = {cli_data_opts, cli_json_opt, NULL};

static json_t *num_or_null(double v) { return isnan(v) ? json_null() : json_real(v); }

static json_t *summary_json(const elstm_dataset *ds)
{
    char start[32], end[32];
    elstm_time_format(ds->time[0], start, sizeof start);
    elstm_time_format(ds->time[ds->rows - 1], end, sizeof end);
    const elstm_meta *m = &ds->meta;
    json_t *o = json_object(), *cols = json_object(), *inputs = json_array(), *win = json_object();
    json_object_set_new(o, "file", json_string(ds->path));
    json_object_set_new(o, "rows", json_integer((json_int_t)ds->file_rows));
    json_object_set_new(o, "start", json_string(start));
    json_object_set_new(o, "end", json_string(end));
    json_object_set_new(o, "interval_s", json_integer(ds->interval_s));
    json_object_set_new(o, "time_cols", json_string(m->time_cols));
    json_object_set_new(o, "time_layout", json_string(m->time_layout));
    json_object_set_new(o, "grid_rows", json_integer((json_int_t)ds->rows));
    json_object_set_new(o, "filled_rows", json_integer((json_int_t)ds->filled_rows));
    json_object_set_new(o, "long_gaps", json_integer((json_int_t)ds->long_gaps));
    json_object_set_new(o, "max_gap", json_integer(m->max_gap));
    for (int c = 0; c < ds->n_columns; c++) {
        const elstm_column_stats *cs = &ds->columns[c];
        json_t *e = json_object();
        json_object_set_new(e, "kind", json_string(elstm_column_kind_name(cs->kind)));
        json_object_set_new(e, "missing", json_integer((json_int_t)cs->missing));
        json_object_set_new(e, "min", num_or_null(cs->min));
        json_object_set_new(e, "max", num_or_null(cs->max));
        json_object_set_new(e, "selected", json_boolean(cs->selected));
        json_object_set_new(cols, cs->name, e);
    }
    json_object_set_new(o, "columns", cols);
    for (int i = 0; i < m->n_inputs; i++) json_array_append_new(inputs, json_string(m->inputs[i].name));
    json_object_set_new(o, "inputs", inputs);
    json_object_set_new(o, "target", m->target[0] ? json_string(m->target) : json_null());
    json_object_set_new(o, "steps", json_integer(m->steps));
    json_object_set_new(o, "horizon", json_integer(m->horizon));
    json_object_set_new(o, "split", json_pack("{s:f,s:f}", "train", m->split_train, "val", m->split_val));
    json_object_set_new(win, "train", json_integer((json_int_t)ds->n_win[ELSTM_SPLIT_TRAIN]));
    json_object_set_new(win, "val", json_integer((json_int_t)ds->n_win[ELSTM_SPLIT_VAL]));
    json_object_set_new(win, "test", json_integer((json_int_t)ds->n_win[ELSTM_SPLIT_TEST]));
    json_object_set_new(o, "windows", win);
    return o;
}

static void print_value(double v)
{
    if (isnan(v)) printf(" %12s", "-");
    else printf(" %12.6g", v);
}

static void print_summary(const elstm_dataset *ds)
{
    const elstm_meta *m = &ds->meta;
    char start[32], end[32], every[32];
    elstm_time_format(ds->time[0], start, sizeof start);
    elstm_time_format(ds->time[ds->rows - 1], end, sizeof end);
    elstm_duration_format(ds->interval_s, every, sizeof every);
    printf("file      %s\n", ds->path);
    printf("rows      %zu, from %s to %s, every %s\n", ds->file_rows, start, end, every);
    printf("time      %s (%s)\n", m->time_cols, m->time_layout);
    if (ds->filled_rows == 0 && ds->long_gaps == 0)
        printf("gaps      none\n");
    else
        printf("gaps      %zu missing row(s) filled by interpolation; %zu long gap(s) of more "
               "than %d steps not filled (no window spans one)\n",
               ds->filled_rows, ds->long_gaps, m->max_gap);
    int w = 6;
    for (int c = 0; c < ds->n_columns; c++) {
        int len = (int)strlen(ds->columns[c].name);
        if (len > w) w = len < 32 ? len : 32;
    }
    printf("columns   %-*s  %-7s %8s %12s %12s\n", w, "name", "kind", "missing", "min", "max");
    for (int c = 0; c < ds->n_columns; c++) {
        const elstm_column_stats *cs = &ds->columns[c];
        printf("        %c %-*s  %-7s %8zu", cs->selected ? '*' : ' ', w, cs->name,
               elstm_column_kind_name(cs->kind), cs->missing);
        print_value(cs->min);
        print_value(cs->max);
        printf("\n");
    }
    printf("          (* = used; compass min/max in degrees; missing = NA, NaN or empty cells)\n");
    printf("inputs    %d:", m->n_inputs);
    for (int i = 0; i < m->n_inputs; i++) printf("%s %s", i ? "," : "", m->inputs[i].name);
    printf("\n");
    printf("target    %s\n", m->target[0] ? m->target : "(none: give --target to train)");
    printf("windows   steps %d, horizon %d, split %g/%g/%g: train %zu, val %zu, test %zu\n",
           m->steps, m->horizon, m->split_train, m->split_val,
           1.0 - m->split_train - m->split_val, ds->n_win[ELSTM_SPLIT_TRAIN],
           ds->n_win[ELSTM_SPLIT_VAL], ds->n_win[ELSTM_SPLIT_TEST]);
}

static int run(cli_ctx *ctx)
{
    elstm_data_opts o;
    int rc = cli_read_data_opts(ctx, ctx->pos[0], &o);
    if (rc) return rc;
    elstm_dataset ds;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_status st = elstm_data_load(&o, &ds, &diag);
    if (st != ELSTM_OK) return cli_fail(st, &diag);
    if (cli_has(ctx, "--json")) rc = cli_print_json(summary_json(&ds));
    else print_summary(&ds);
    elstm_data_free(&ds);
    return rc;
}

const cli_command cli_cmd_data = {
    "data", "FILE [data options] [--json]",
    "load and validate a CSV, print a summary (rows, time range, columns, inputs, windows)",
    "Loads FILE exactly as 'edgelstm train' would, with the same options, and fails the\n"
    "same way. Time columns are detected (ISO 8601, dd.mm.yyyy HH:MM:SS, MM/DD/YYYY with a\n"
    "separate HH:MM column, integer year,month,day,hour[,minute] columns) unless --time and\n"
    "--time-format say otherwise. Missing values (NA, NaN, empty) and up to --max-gap missing\n"
    "rows are filled by linear interpolation in time; windows never span a longer gap.\n"
    "Compass columns (N, NNE, ...) become NAME_sin/NAME_cos inputs. Inputs are scaled to\n"
    "[0,1] with the minimum and maximum of the training split. Rules: docs/data.md.",
    1, 1, groups, run,
};
