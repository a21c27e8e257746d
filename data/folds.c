/*
 * folds.c - rolling-origin folds for `edgelstm backtest` (see edgelstm/data.h): test
 * blocks at the end of the series, each fold trained on everything before its block.
 */
#include <math.h>

#include "internal.h"

elstm_status elstm_data_folds(size_t rows, int64_t interval_s, size_t window, int k, size_t test_rows,
                              double val_share, size_t (*seg)[ELSTM_SPLITS], elstm_diag *diag)
{
    if (k < 1 || k > ELSTM_MAX_FOLDS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "--folds must be from 1 to %d, not %d", ELSTM_MAX_FOLDS, k);
    if (!(val_share >= 0.0 && val_share < 1.0))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the validation share must be from 0 to below 1");
    size_t L = test_rows;
    if (L == 0) { /* one year of rows, or half the series */
        const double year = interval_s > 0 ? 365.25 * 86400.0 / (double)interval_s : 0.0;
        const size_t span = year >= 1.0 && (double)rows >= 2.0 * year ? (size_t)llround(year) : rows / 2;
        L = span / (size_t)k;
    }
    const size_t tested = L * (size_t)k;
    const size_t first = tested < rows ? rows - tested : 0;   /* fold 0's test block starts here */
    const size_t val = (size_t)floor((double)first * val_share + 1e-9), train = first - val;
    if (L < window || tested >= rows || train < window || (val_share > 0 && val < window))
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "%d folds are too short for windows of %zu rows: the %zu rows give test blocks of %zu "
                              "rows and fold 1 %zu training and %zu validation rows, and each needs at least one "
                              "window; use fewer --folds, a shorter --steps or a longer file",
                              k, window, rows, L, train, val);
    for (int f = 0; f < k; f++) {
        const size_t t0 = first + (size_t)f * L, v = (size_t)floor((double)t0 * val_share + 1e-9);
        seg[f][0] = t0 - v;
        seg[f][1] = t0;
        seg[f][2] = t0 + L;
    }
    return ELSTM_OK;
}
