/*
 * windows.c - a dataset's windows as training examples (see edgelstm/train.h): the
 * data layer cuts the windows, this file gives each its normalized target.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/train.h"

elstm_status elstm_windows_for_split(const elstm_dataset *ds, int split, elstm_windows *w, elstm_diag *diag)
{
    memset(w, 0, sizeof *w);
    if (split < 0 || split >= ELSTM_SPLITS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no split %d (expected 0 to %d)", split, ELSTM_SPLITS - 1);
    const size_t n = ds->n_win[split];
    float *t = malloc((n ? n : 1) * sizeof *t);
    if (!t) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, ds->path, 0, "out of memory for %zu training targets", n);
    for (size_t k = 0; k < n; k++) {
        const size_t row = elstm_data_target_row(ds, ds->win_start[split][k]);
        t[k] = ds->y && !isnan(ds->y[row])
                   ? (float)elstm_meta_normalize(ds->y[row], ds->meta.target_min, ds->meta.target_max)
                   : NAN;
    }
    *w = (elstm_windows){ds->x, ds->n_inputs, ds->meta.steps, n, ds->win_start[split], t, t};
    return ELSTM_OK;
}

void elstm_windows_free(elstm_windows *w)
{
    if (!w) return;
    free(w->owned);
    memset(w, 0, sizeof *w);
}
