/*
 * many.c - several files as the series of one model (a global model): the same inputs
 * in every file, one scaler over the union of their training parts, each file windowed
 * on its own (see edgelstm/data.h, docs/training.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void elstm_meta_scaler_export(const elstm_meta *m, double *min, double *max)
{
    for (int i = 0; i < m->n_inputs; i++) {
        min[i] = m->inputs[i].min;
        max[i] = m->inputs[i].max;
    }
    min[m->n_inputs] = m->target_min;
    max[m->n_inputs] = m->target_max;
}

void elstm_meta_scaler_import(elstm_meta *m, const double *min, const double *max)
{
    for (int i = 0; i < m->n_inputs; i++) {
        m->inputs[i].min = min[i];
        m->inputs[i].max = max[i];
    }
    m->target_min = min[m->n_inputs];
    m->target_max = max[m->n_inputs];
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

int elstm_meta_series_find(const elstm_meta *m, const char *path)
{
    const char *b = base_name(path);
    for (int k = 0; k < m->n_series; k++)
        if (strcmp(m->series_name[k], b) == 0) return k;
    return -1;
}

void elstm_meta_series_use(elstm_meta *m, int k)
{
    const size_t nv = ELSTM_META_SCALER_VALUES(m);
    elstm_meta_scaler_import(m, &m->series_min[(size_t)k * nv], &m->series_max[(size_t)k * nv]);
}

/* Per-series scalers: each dataset keeps the scaler it fitted on its own training part,
 * and every dataset's meta records all of them, named by file name. */
static elstm_status record_series(elstm_dataset *ds, int n, elstm_diag *diag)
{
    const size_t nv = ELSTM_META_SCALER_VALUES(&ds[0].meta);
    if (n > ELSTM_META_MAX_SERIES || (size_t)n * nv > ELSTM_META_MAX_SERIES_VALUES)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "--scaler series keeps at most %d series and %d scaler values in a model (series x "
                              "(inputs + 1)); %d series of %zu values are too many: use --scaler global",
                              ELSTM_META_MAX_SERIES, ELSTM_META_MAX_SERIES_VALUES, n, nv);
    elstm_meta *m0 = &ds[0].meta;
    for (int i = 0; i < n; i++) {
        const char *b = base_name(ds[i].path);
        for (int j = 0; j < i; j++)
            if (strcmp(b, m0->series_name[j]) == 0)
                return elstm_diag_set(diag, ELSTM_ERR_ARG, ds[i].path, 0,
                                      "two files are named '%s' (the other is %s); with --scaler series a "
                                      "model finds a series' scaler by its file name, so give them different "
                                      "names", b, ds[j].path);
        if (strlen(b) >= sizeof m0->series_name[i])
            return elstm_diag_set(diag, ELSTM_ERR_ARG, ds[i].path, 0,
                                  "the file name is longer than %zu bytes, too long to name a series with "
                                  "--scaler series", sizeof m0->series_name[i] - 1);
        snprintf(m0->series_name[i], sizeof m0->series_name[i], "%s", b);
        elstm_meta_scaler_export(&ds[i].meta, &m0->series_min[(size_t)i * nv], &m0->series_max[(size_t)i * nv]);
    }
    m0->n_series = n;
    for (int i = 1; i < n; i++) {
        ds[i].meta.n_series = n;
        memcpy(ds[i].meta.series_name, m0->series_name, sizeof m0->series_name);
        memcpy(ds[i].meta.series_min, m0->series_min, sizeof m0->series_min);
        memcpy(ds[i].meta.series_max, m0->series_max, sizeof m0->series_max);
    }
    return ELSTM_OK;
}

elstm_status elstm_data_same_inputs(const elstm_dataset *a, const elstm_dataset *b, elstm_diag *diag)
{
    const elstm_meta *ma = &a->meta, *mb = &b->meta;
    const int n = ma->n_inputs < mb->n_inputs ? ma->n_inputs : mb->n_inputs;
    for (int i = 0; i < n; i++) {
        const elstm_meta_input *x = &ma->inputs[i], *y = &mb->inputs[i];
        if (strcmp(x->name, y->name) != 0 || strcmp(x->source, y->source) != 0 || x->enc != y->enc ||
            x->tf != y->tf || x->lead != y->lead)
            return elstm_diag_set(diag, ELSTM_ERR_DATA, b->path, 0,
                                  "the files of one model must have the same columns, but model input %d is "
                                  "'%s' here and '%s' in %s", i + 1, y->name, x->name, a->path);
    }
    if (ma->n_inputs != mb->n_inputs) {
        const elstm_dataset *more = ma->n_inputs > mb->n_inputs ? a : b;
        return elstm_diag_set(diag, ELSTM_ERR_DATA, b->path, 0,
                              "the files of one model must have the same columns, but this file gives %d model "
                              "inputs and %s gives %d (%s has '%s' besides the others)", mb->n_inputs, a->path,
                              ma->n_inputs, more->path, more->meta.inputs[n].name);
    }
    if (strcmp(ma->target, mb->target) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, b->path, 0,
                              "the target is '%s' here and '%s' in %s", mb->target, ma->target, a->path);
    if (ma->interval_s != mb->interval_s || strcmp(ma->time_cols, mb->time_cols) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, b->path, 0,
                              "the time is read from '%s' every %lld s here but from '%s' every %lld s in %s; "
                              "the series of one model must share their time columns and interval",
                              mb->time_cols, (long long)mb->interval_s, ma->time_cols, (long long)ma->interval_s,
                              a->path);
    return ELSTM_OK;
}

elstm_status elstm_data_load_series(const elstm_data_opts *o, const char *const *paths, int n,
                                    elstm_dataset *ds, elstm_diag *diag)
{
    for (int i = 0; i < n; i++) memset(&ds[i], 0, sizeof ds[i]);
    if (n < 1) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no CSV file given");
    elstm_data_opts oi = *o;
    oi.path = paths[0];
    elstm_status st = elstm_data_load(&oi, &ds[0], diag);
    if (st == ELSTM_OK && o->scaler_per_series) { /* each file on its own, scaler and all */
        for (int i = 1; i < n && st == ELSTM_OK; i++) {
            oi.path = paths[i];
            st = elstm_data_load(&oi, &ds[i], diag);
            if (st == ELSTM_OK) st = elstm_data_same_inputs(&ds[0], &ds[i], diag);
        }
        if (st == ELSTM_OK) st = record_series(ds, n, diag);
        if (st != ELSTM_OK)
            for (int i = 0; i < n; i++) elstm_data_free(&ds[i]);
        return st;
    }
    if (st != ELSTM_OK || n == 1) return st;
    const size_t nv = ELSTM_META_SCALER_VALUES(&ds[0].meta);
    double *lo = malloc(nv * sizeof *lo), *hi = malloc(nv * sizeof *hi), *lo1 = malloc(nv * sizeof *lo1),
           *hi1 = malloc(nv * sizeof *hi1);
    if (!lo || !hi || !lo1 || !hi1) {
        st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    elstm_meta_scaler_export(&ds[0].meta, lo, hi);
    /* each file on its own (its checks, its own scaler), then the union of the ranges */
    for (int i = 1; i < n && st == ELSTM_OK; i++) {
        oi.path = paths[i];
        st = elstm_data_load(&oi, &ds[i], diag);
        if (st == ELSTM_OK) st = elstm_data_same_inputs(&ds[0], &ds[i], diag);
        if (st != ELSTM_OK) break;
        elstm_meta_scaler_export(&ds[i].meta, lo1, hi1);
        for (size_t k = 0; k < nv; k++) {
            lo[k] = fmin(lo[k], lo1[k]);
            hi[k] = fmax(hi[k], hi1[k]);
        }
    }
    if (st == ELSTM_OK) { /* read every file again with the common scaler */
        elstm_meta meta = ds[0].meta;
        elstm_meta_scaler_import(&meta, lo, hi);
        for (int i = 0; i < n && st == ELSTM_OK; i++) {
            elstm_data_free(&ds[i]);
            st = elstm_data_load_meta(paths[i], &meta, &ds[i], diag);
            if (st == ELSTM_OK && ds[i].n_win[ELSTM_SPLIT_TRAIN] == 0 && ds[i].meta.target[0])
                st = elstm_diag_set(diag, ELSTM_ERR_DATA, ds[i].path, 0,
                                    "no training windows in this file (%zu rows on the time grid, windows of %d "
                                    "steps + %d ahead)", ds[i].rows, meta.steps,
                                    meta.horizon + elstm_meta_outputs(&meta) - 1);
        }
    }
out:
    free(lo);
    free(hi);
    free(lo1);
    free(hi1);
    if (st != ELSTM_OK)
        for (int i = 0; i < n; i++) elstm_data_free(&ds[i]);
    return st;
}
