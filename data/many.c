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
