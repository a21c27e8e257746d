/*
 * windows.c - a dataset's windows as training examples (see edgelstm/train.h): the
 * data layer cuts the windows, this file gives each its normalized targets, one per
 * output, in the model's target mode (the value, or its change from the last value);
 * and the windows of several series (a global model) over one row matrix.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/train.h"

/* The normalized targets of window `start`: out[j] for the step horizon + j ahead. */
static void window_targets(const elstm_dataset *ds, size_t start, int outputs, float *out)
{
    const elstm_meta *m = &ds->meta;
    const size_t first = elstm_data_target_row(ds, start), last = elstm_data_last_row(ds, start);
    const int delta = m->target_mode == ELSTM_TARGET_DELTA && m->target_input >= 0;
    const double base = delta ? (double)ds->x[last * (size_t)ds->n_inputs + (size_t)m->target_input] : 0.0;
    for (int j = 0; j < outputs; j++) {
        const size_t row = first + (size_t)j;
        if (!ds->y || isnan(ds->y[row])) {
            out[j] = NAN;
            continue;
        }
        const double v = elstm_meta_normalize(ds->y[row], m->target_min, m->target_max);
        out[j] = delta ? (float)(v - base) : (float)v;
    }
}

elstm_status elstm_windows_for_split(const elstm_dataset *ds, int split, elstm_windows *w, elstm_diag *diag)
{
    memset(w, 0, sizeof *w);
    if (split < 0 || split >= ELSTM_SPLITS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no split %d (expected 0 to %d)", split, ELSTM_SPLITS - 1);
    const size_t n = ds->n_win[split];
    const int O = elstm_meta_outputs(&ds->meta);
    float *t = malloc((n ? n : 1) * (size_t)O * sizeof *t);
    if (!t) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, ds->path, 0, "out of memory for %zu training targets", n);
    for (size_t k = 0; k < n; k++) window_targets(ds, ds->win_start[split][k], O, t + k * (size_t)O);
    *w = (elstm_windows){ds->x, ds->n_inputs, ds->meta.steps, n, ds->win_start[split], t, t, O, NULL};
    return ELSTM_OK;
}

elstm_status elstm_windows_for_sets(const elstm_dataset *const *sets, int n_sets, int split,
                                    elstm_windows *w, int **series, elstm_diag *diag)
{
    memset(w, 0, sizeof *w);
    if (series) *series = NULL;
    if (n_sets < 1 || split < 0 || split >= ELSTM_SPLITS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no datasets, or no split %d", split);
    const elstm_dataset *d0 = sets[0];
    const int O = elstm_meta_outputs(&d0->meta), I = d0->n_inputs;
    size_t rows = 0, n = 0;
    for (int s = 0; s < n_sets; s++) {
        if (sets[s]->n_inputs != I || sets[s]->meta.steps != d0->meta.steps ||
            elstm_meta_outputs(&sets[s]->meta) != O)
            return elstm_diag_set(diag, ELSTM_ERR_ARG, sets[s]->path, 0,
                                  "the series do not share one model's inputs, steps and outputs");
        rows += sets[s]->rows;
        n += sets[s]->n_win[split];
    }
    /* one block: the rows (float), then the window starts (size_t, aligned) */
    const size_t xbytes = (rows * (size_t)I * sizeof(float) + 15) & ~(size_t)15;
    unsigned char *block = malloc(xbytes + (n ? n : 1) * sizeof(size_t));
    float *t = malloc((n ? n : 1) * (size_t)O * sizeof *t);
    int *sid = series ? malloc((n ? n : 1) * sizeof *sid) : NULL;
    if (!block || !t || (series && !sid)) {
        free(block);
        free(t);
        free(sid);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for %zu rows of %d series", rows,
                              n_sets);
    }
    float *x = (float *)block;
    size_t *start = (size_t *)(block + xbytes);
    size_t row0 = 0, k = 0;
    for (int s = 0; s < n_sets; s++) {
        const elstm_dataset *ds = sets[s];
        memcpy(x + row0 * (size_t)I, ds->x, ds->rows * (size_t)I * sizeof(float));
        for (size_t i = 0; i < ds->n_win[split]; i++, k++) {
            start[k] = row0 + ds->win_start[split][i];   /* within rows [row0, row0 + ds->rows) */
            window_targets(ds, ds->win_start[split][i], O, t + k * (size_t)O);
            if (sid) sid[k] = s;
        }
        row0 += ds->rows;
    }
    *w = (elstm_windows){x, I, d0->meta.steps, n, start, t, t, O, block};
    if (series) *series = sid;
    return ELSTM_OK;
}

elstm_status elstm_windows_for_fit(const elstm_dataset *ds, int n_sets, elstm_windows *train,
                                   elstm_windows *val, elstm_diag *diag)
{
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    if (n_sets < 1) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no datasets to train on");
    elstm_status s;
    if (n_sets == 1) {
        if ((s = elstm_windows_for_split(ds, ELSTM_SPLIT_TRAIN, train, diag)) == ELSTM_OK)
            s = elstm_windows_for_split(ds, ELSTM_SPLIT_VAL, val, diag);
    } else {
        const elstm_dataset **sets = malloc((size_t)n_sets * sizeof *sets);
        if (!sets) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for %d series", n_sets);
        for (int i = 0; i < n_sets; i++) sets[i] = &ds[i];
        if ((s = elstm_windows_for_sets(sets, n_sets, ELSTM_SPLIT_TRAIN, train, NULL, diag)) == ELSTM_OK)
            s = elstm_windows_for_sets(sets, n_sets, ELSTM_SPLIT_VAL, val, NULL, diag);
        free(sets);
    }
    if (s != ELSTM_OK) {
        elstm_windows_free(train);
        elstm_windows_free(val);
    }
    return s;
}

void elstm_windows_free(elstm_windows *w)
{
    if (!w) return;
    free(w->owned);
    free(w->owned_rows);
    memset(w, 0, sizeof *w);
}
