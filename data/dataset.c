/*
 * dataset.c - elstm_data_load and elstm_data_load_meta: the stages in order.
 *
 *   csv_read        bytes -> typed cells, line numbers          (csv.c)
 *   series_build    time of each row, order, interval, grid     (series.c, time.c)
 *   columns_*       kinds, statistics, inputs and target        (columns.c)
 *   per input       grid values -> scaler (train rows) -> filled -> normalized x
 *   target          y in physical units, observed or filled
 *   scale_windows   windows per split                           (scale.c)
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct source {
    const char *path;
    const void *data;       /* NULL: read path */
    size_t len;
} source;

static elstm_status check_opts(const elstm_data_opts *o, elstm_diag *diag)
{
    if (o->steps < 1 || o->horizon < 1 || o->skip_rows < 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "--steps and --horizon must be at least 1 and --skip-rows at least 0");
    if (o->horizons < 0 || o->horizons > ELSTM_MAX_HORIZONS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--horizons must be from 1 to %d, not %d",
                              ELSTM_MAX_HORIZONS, o->horizons);
    if (o->target_mode != ELSTM_TARGET_LEVEL && o->target_mode != ELSTM_TARGET_DELTA &&
        o->target_mode != ELSTM_TARGET_AUTO)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--target-mode must be level, delta or auto");
    if (o->segments[2] > 0) {
        if (!(o->segments[0] > 0 && o->segments[0] <= o->segments[1] && o->segments[1] <= o->segments[2]))
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                  "split rows %zu, %zu, %zu must be increasing, with some training rows",
                                  o->segments[0], o->segments[1], o->segments[2]);
        return ELSTM_OK; /* the fractions are not used */
    }
    if (!(o->split_train > 0 && o->split_train < 1 && o->split_val >= 0 &&
          o->split_train + o->split_val < 1))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "--split must be TRAIN,VAL with TRAIN > 0, VAL >= 0 and TRAIN + VAL "
                              "< 1 (e.g. 0.7,0.2)");
    return ELSTM_OK;
}

static void fit(const double *v, size_t n, double *min, double *max)
{
    *min = NAN;
    *max = NAN;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) continue;
        if (!(v[i] >= *min)) *min = v[i];
        if (!(v[i] <= *max)) *max = v[i];
    }
}

static elstm_status no_training_values(const elstm_dataset *ds, const char *what, elstm_diag *diag)
{
    return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                          "%s has no values in the training part of the file (its first %zu "
                          "rows), so the scaler cannot be fitted; use a larger --split TRAIN or "
                          "leave the column out", what, ds->split_end[0]);
}

/* Grid values of input k -> scaler (unless reloading) -> filled -> x[:, k]. */
static elstm_status encode_input(elstm_dataset *ds, const csv_table *t, const series *s, int k,
                                 int refit, double *v, elstm_diag *diag)
{
    elstm_meta_input *in = &ds->meta.inputs[k];
    columns_fill_input(ds, t, s, k, v);
    for (size_t g = 0; g < ds->rows; g++) ds->input_missing[g * (size_t)ds->n_inputs + (size_t)k] = isnan(v[g]);
    if (refit) {
        fit(v, ds->split_end[0], &in->min, &in->max);
        if (isnan(in->min)) {
            char what[96];
            snprintf(what, sizeof what, "input '%s'", in->name);
            return no_training_values(ds, what, diag);
        }
        if (!isfinite(in->max - in->min))
            return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, ds->path, 0,
                                  "input '%s' spans %g to %g, too wide a range to scale",
                                  in->name, in->min, in->max);
    }
    scale_interpolate(v, ds->rows, ds->gap_before, ds->meta.max_gap, ds->usable);
    for (size_t g = 0; g < ds->rows; g++) {
        double x = elstm_meta_normalize(v[g], in->min, in->max);
        if (!(fabs(x) <= FLT_MAX))
            return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, ds->path, ds->line[g],
                                  "input '%s': %g is too far outside the training range [%g, %g] "
                                  "to be scaled", in->name, v[g], in->min, in->max);
        ds->x[g * (size_t)ds->n_inputs + (size_t)k] = (float)x;
    }
    return ELSTM_OK;
}

/* y (physical units, filled) and which rows hold an observed target. */
static elstm_status encode_target(elstm_dataset *ds, const csv_table *t, const series *s, int refit,
                                  uint8_t *target_ok, elstm_diag *diag)
{
    elstm_meta *m = &ds->meta;
    if (!m->target[0]) {
        memset(target_ok, 1, ds->rows);
        return ELSTM_OK;
    }
    ds->y = malloc(ds->rows * sizeof *ds->y);
    ds->target_missing = malloc(ds->rows);
    if (!ds->y || !ds->target_missing) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, ds->path, 0, "out of memory");
    columns_fill_numeric(t, s, csv_find(t, m->target, strlen(m->target)), ds->y);
    for (size_t g = 0; g < ds->rows; g++) {
        target_ok[g] = !isnan(ds->y[g]);
        ds->target_missing[g] = !target_ok[g];
    }
    if (refit) {
        fit(ds->y, ds->split_end[0], &m->target_min, &m->target_max);
        if (isnan(m->target_min)) {
            char what[96];
            snprintf(what, sizeof what, "the target '%s'", m->target);
            return no_training_values(ds, what, diag);
        }
    }
    scale_interpolate(ds->y, ds->rows, ds->gap_before, m->max_gap, NULL);
    return ELSTM_OK;
}

static void fill_meta(elstm_meta *m, const elstm_data_opts *o, const series *s, int max_gap)
{
    m->version = ELSTM_META_VERSION;
    snprintf(m->tool_version, sizeof m->tool_version, "%s", ELSTM_VERSION);
    text_copy(m->time_cols, sizeof m->time_cols, s->cols);
    text_copy(m->time_format, sizeof m->time_format, o->time_format ? o->time_format : "");
    text_copy(m->time_layout, sizeof m->time_layout, s->layout);
    m->skip_rows = o->skip_rows;
    m->interval_s = s->interval;
    m->max_gap = max_gap;
    m->steps = o->steps;
    m->horizon = o->horizon;
    m->split_train = o->split_train;
    m->split_val = o->split_val;
    m->outputs = o->horizons > 1 ? o->horizons : 0;   /* 0: one output, not recorded (as always) */
    m->target_mode = o->target_mode == ELSTM_TARGET_DELTA ? ELSTM_TARGET_DELTA : ELSTM_TARGET_LEVEL;
}

static elstm_status load(const elstm_data_opts *o, const source *src, const elstm_meta *model,
                         elstm_dataset *ds, elstm_diag *diag)
{
    csv_table t;
    series s;
    double *v = NULL;
    uint8_t *target_ok = NULL;
    memset(ds, 0, sizeof *ds);
    memset(&t, 0, sizeof t);
    memset(&s, 0, sizeof s);
    snprintf(ds->path, sizeof ds->path, "%s", src->path ? src->path : "(input)");
    /* a model's metadata is checked field by field (a damaged one never reaches the
     * option checks, whose messages name options the user did not give) */
    elstm_status st = model ? elstm_meta_check(model, 0, NULL, diag) : check_opts(o, diag);
    int max_gap = o->max_gap < 0 ? ELSTM_DEFAULT_MAX_GAP : o->max_gap;
    if (st == ELSTM_OK) st = csv_read(&t, src->path, src->data, src->len, o->skip_rows, model != NULL, o->time_cols, diag);
    if (st == ELSTM_OK)
        st = series_build(&s, &t, o->time_cols, o->time_format, max_gap,
                          model ? model->interval_s : 0, diag);
    if (st != ELSTM_OK) goto done;

    ds->file_rows = t.nrows;
    ds->rows = s.rows;
    ds->interval_s = s.interval;
    ds->filled_rows = s.filled;
    ds->long_gaps = s.long_gaps;
    ds->time = s.time, s.time = NULL;
    ds->gap_before = s.gap_before, s.gap_before = NULL;
    ds->line = s.line, s.line = NULL;
    /* the scaler: fitted on the training part, or the model's; a per-series model's is
     * the one of the series of this file's name, or else this file's own */
    int refit = model == NULL;
    if (model) {
        ds->meta = *model;
        if (model->n_series > 0) {
            const int k = elstm_meta_series_find(model, ds->path);
            if (k >= 0) elstm_meta_series_use(&ds->meta, k);
            else refit = ds->own_scaler = 1;
        }
    } else {
        fill_meta(&ds->meta, o, &s, max_gap);
    }
    st = columns_describe(ds, &t, &s, diag);
    if (st == ELSTM_OK) st = columns_select(ds, &t, o, model != NULL, diag);
    if (st == ELSTM_OK && !model && !ds->meta.target[0]) ds->meta.target_mode = ELSTM_TARGET_LEVEL;
    if (st == ELSTM_OK && !model && o->target_mode == ELSTM_TARGET_AUTO)
        ds->meta.target_mode = ds->meta.target_input >= 0 ? ELSTM_TARGET_DELTA : ELSTM_TARGET_LEVEL;
    if (st == ELSTM_OK && !model && ds->meta.target[0] && ds->meta.target_mode == ELSTM_TARGET_DELTA &&
        ds->meta.target_input < 0)
        st = elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                            "--target-mode delta learns the change from the target's last value, which the "
                            "model must see: the target '%s' must be one of the inputs (add it to --features)",
                            ds->meta.target);
    const size_t outputs = (size_t)elstm_meta_outputs(&ds->meta);
    size_t need = (size_t)o->steps + (model ? 0 : (size_t)o->horizon + outputs - 1);
    if (st == ELSTM_OK && ds->rows < need) {
        if (model)
            st = elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                                "%zu rows are too few: the model reads windows of %d rows; use a "
                                "longer file", ds->rows, o->steps);
        else
            st = elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                                "%zu rows are too few: one window needs %zu rows (--steps %d + "
                                "--horizon %d%s); use a longer file or a smaller --steps",
                                ds->rows, need, o->steps, o->horizon, outputs > 1 ? " + --horizons - 1" : "");
    }
    if (st == ELSTM_OK && o->segments[2] > ds->rows)
        st = elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0,
                            "split rows up to %zu asked for, but the file has %zu rows on its time grid",
                            o->segments[2], ds->rows);
    if (st != ELSTM_OK) goto done;

    if (o->segments[2] > 0) {
        memcpy(ds->split_end, o->segments, sizeof ds->split_end);
    } else {
        size_t b[2];
        scale_split_bounds(ds->rows, ds->meta.split_train, ds->meta.split_val, b);
        ds->split_end[0] = b[0];
        ds->split_end[1] = b[1];
        ds->split_end[2] = ds->rows;
    }
    ds->n_inputs = ds->meta.n_inputs;
    ds->usable = malloc(ds->rows);
    ds->x = malloc(ds->rows * (size_t)ds->n_inputs * sizeof *ds->x);
    ds->input_missing = malloc(ds->rows * (size_t)ds->n_inputs);
    v = malloc(ds->rows * sizeof *v);
    target_ok = malloc(ds->rows);
    if (!ds->usable || !ds->x || !ds->input_missing || !v || !target_ok) {
        st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, ds->path, 0, "out of memory");
        goto done;
    }
    memset(ds->usable, 1, ds->rows);
    for (int k = 0; k < ds->n_inputs && st == ELSTM_OK; k++)
        st = encode_input(ds, &t, &s, k, refit, v, diag);
    if (st == ELSTM_OK) st = encode_target(ds, &t, &s, refit, target_ok, diag);
    if (st == ELSTM_OK) st = scale_windows(ds, target_ok, o->segments[2] > 0, diag);
    if (st == ELSTM_OK && !model && ds->meta.target[0] && ds->n_win[ELSTM_SPLIT_TRAIN] == 0)
        st = elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                            "no training windows: the training part (the first %zu of %zu rows) "
                            "holds no stretch of %d usable rows followed by an observed target; "
                            "use a longer file, a larger --split TRAIN, a smaller --steps or a "
                            "larger --max-gap", ds->split_end[0], ds->rows,
                            ds->meta.steps + ds->meta.horizon);
done:
    free(v);
    free(target_ok);
    series_free(&s);
    csv_free_table(&t);
    if (st != ELSTM_OK) elstm_data_free(ds);
    return st;
}

elstm_status elstm_data_load(const elstm_data_opts *o, elstm_dataset *ds, elstm_diag *diag)
{
    if (!o->path) {
        memset(ds, 0, sizeof *ds);
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no CSV file given");
    }
    source src = {o->path, NULL, 0};
    return load(o, &src, NULL, ds, diag);
}

elstm_status elstm_data_load_buffer(const elstm_data_opts *o, const void *data, size_t len,
                                    elstm_dataset *ds, elstm_diag *diag)
{
    source src = {o->path ? o->path : "(input)", data ? data : "", data ? len : 0};
    return load(o, &src, NULL, ds, diag);
}

/* The options a model's file was read with. */
static void opts_from_meta(const elstm_meta *m, elstm_data_opts *o)
{
    elstm_data_opts_default(o);
    o->time_cols = m->time_cols[0] ? m->time_cols : NULL;
    o->time_format = m->time_format[0] ? m->time_format : NULL;
    o->skip_rows = m->skip_rows;
    o->steps = m->steps;
    o->horizon = m->horizon;
    o->split_train = m->split_train;
    o->split_val = m->split_val;
    o->max_gap = m->max_gap;
    o->horizons = elstm_meta_outputs(m);
    o->target_mode = m->target_mode;
}

elstm_status elstm_data_load_meta(const char *path, const elstm_meta *meta, elstm_dataset *ds,
                                  elstm_diag *diag)
{
    elstm_data_opts o;
    opts_from_meta(meta, &o);
    o.path = path;
    source src = {path, NULL, 0};
    return load(&o, &src, meta, ds, diag);
}

elstm_status elstm_data_load_meta_segments(const char *path, const elstm_meta *meta,
                                           const size_t segments[ELSTM_SPLITS], elstm_dataset *ds,
                                           elstm_diag *diag)
{
    elstm_data_opts o;
    opts_from_meta(meta, &o);
    o.path = path;
    if (segments) memcpy(o.segments, segments, sizeof o.segments);
    source src = {path, NULL, 0};
    return load(&o, &src, meta, ds, diag);
}

elstm_status elstm_data_load_meta_buffer(const char *name, const void *data, size_t len,
                                         const elstm_meta *meta, elstm_dataset *ds,
                                         elstm_diag *diag)
{
    elstm_data_opts o;
    opts_from_meta(meta, &o);
    o.path = name;
    source src = {name ? name : "(input)", data ? data : "", data ? len : 0};
    return load(&o, &src, meta, ds, diag);
}

void elstm_data_free(elstm_dataset *ds)
{
    if (!ds) return;
    free(ds->time);
    free(ds->usable);
    free(ds->columns);
    free(ds->x);
    free(ds->y);
    for (int k = 0; k < ELSTM_SPLITS; k++) free(ds->win_start[k]);
    free(ds->line);
    free(ds->gap_before);
    free(ds->input_missing);
    free(ds->target_missing);
    memset(ds, 0, sizeof *ds);
}
