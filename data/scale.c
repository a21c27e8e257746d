/*
 * scale.c - missing values filled in time, chronological splits, and windows.
 *
 * Filling: within a segment of the grid (rows between two long gaps), a run of
 * missing values between two known ones is filled by linear interpolation in time; a
 * run at a segment's start or end takes the nearest known value. A run longer than
 * max_gap rows is filled the same way (so every value stays finite) but its rows are
 * marked unusable: no window covers invented stretches longer than max_gap.
 *
 * Windows: start s covers rows [s, s + steps) and targets the rows from
 * s + steps - 1 + horizon to T = s + steps - 2 + horizon + horizons. It is listed when
 * rows s .. s+steps-1 and every target row are usable, every target was observed (not
 * filled), no long gap lies in (s, T], and s and T fall in the same split's segment
 * (with explicit segments, a backtest fold, the validation and test windows need only
 * their target rows in their segment: rolling origin).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void fill_run(double *v, size_t a, size_t b, size_t known_lo, size_t known_hi, int max_gap,
                     uint8_t *usable)
{
    /* rows [a, b) are missing; known_lo / known_hi are the known rows around them
     * (SIZE_MAX when the run touches the segment's edge) */
    for (size_t j = a; j < b; j++) {
        if (known_lo == SIZE_MAX) v[j] = v[known_hi];
        else if (known_hi == SIZE_MAX) v[j] = v[known_lo];
        else v[j] = v[known_lo] + (v[known_hi] - v[known_lo]) * (double)(j - known_lo) /
                                      (double)(known_hi - known_lo);
    }
    if (usable && b - a > (size_t)max_gap)
        for (size_t j = a; j < b; j++) usable[j] = 0;
}

void scale_interpolate(double *v, size_t rows, const uint8_t *gap_before, int max_gap,
                       uint8_t *usable)
{
    for (size_t a = 0; a < rows;) {
        size_t b = a + 1;
        while (b < rows && !gap_before[b]) b++;          /* segment [a, b) */
        size_t last = SIZE_MAX;                          /* last known row in the segment */
        for (size_t i = a; i < b; i++) {
            if (isnan(v[i])) continue;
            size_t from = last == SIZE_MAX ? a : last + 1;
            if (from < i) fill_run(v, from, i, last, i, max_gap, usable);
            last = i;
        }
        if (last == SIZE_MAX) {                          /* nothing known in the segment */
            for (size_t i = a; i < b; i++) {
                v[i] = 0.0;
                if (usable) usable[i] = 0;
            }
        } else if (last + 1 < b) {
            fill_run(v, last + 1, b, last, SIZE_MAX, max_gap, usable);
        }
        a = b;
    }
}

void scale_split_bounds(size_t rows, double split_train, double split_val, size_t b[2])
{
    /* rounded down; the 1e-6 keeps e.g. 2000 x (0.7 + 0.2) = 1799.9999999999998 at 1800 */
    b[0] = (size_t)floor((double)rows * split_train + 1e-6);
    b[1] = (size_t)floor((double)rows * (split_train + split_val) + 1e-6);
    if (b[0] > rows) b[0] = rows;
    if (b[1] > rows) b[1] = rows;
    if (b[1] < b[0]) b[1] = b[0];
}

elstm_status scale_windows(elstm_dataset *ds, const uint8_t *target_ok, int rolling, elstm_diag *diag)
{
    const size_t rows = ds->rows, steps = (size_t)ds->meta.steps, outs = (size_t)elstm_meta_outputs(&ds->meta);
    const size_t span = steps + (size_t)ds->meta.horizon + outs - 1, first_target = span - outs;
    size_t *bad = malloc((rows + 1) * sizeof *bad);     /* prefix counts of unusable rows */
    size_t *gaps = malloc((rows + 1) * sizeof *gaps);   /* prefix counts of long gaps */
    size_t *tbad = malloc((rows + 1) * sizeof *tbad);   /* ... of rows that cannot be a target */
    if (!bad || !gaps || !tbad) {
        free(bad);
        free(gaps);
        free(tbad);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, ds->path, 0, "out of memory");
    }
    bad[0] = gaps[0] = tbad[0] = 0;
    for (size_t r = 0; r < rows; r++) {
        bad[r + 1] = bad[r] + !ds->usable[r];
        gaps[r + 1] = gaps[r] + ds->gap_before[r];
        tbad[r + 1] = tbad[r] + (!ds->usable[r] || !target_ok[r]);
    }
    size_t begin[ELSTM_SPLITS] = {0, ds->split_end[0], ds->split_end[1]};
    elstm_status st = ELSTM_OK;
    for (int pass = 0; pass < 2 && st == ELSTM_OK; pass++) {
        size_t n[ELSTM_SPLITS] = {0, 0, 0};
        for (size_t s = 0; rows >= span && s <= rows - span; s++) {
            size_t T = s + span - 1;
            if (bad[s + steps] != bad[s] || tbad[T + 1] != tbad[s + first_target]) continue;
            if (gaps[T + 1] != gaps[s + 1]) continue;
            /* rolling origin (backtest folds): a validation or test window needs only its
             * targets in its segment; its inputs are whatever was known at its origin */
            for (int k = 0; k < ELSTM_SPLITS; k++)
                if ((rolling && k > 0 ? s + first_target : s) >= begin[k] && T < ds->split_end[k]) {
                    if (pass) ds->win_start[k][n[k]] = s;
                    n[k]++;
                }
        }
        for (int k = 0; k < ELSTM_SPLITS && pass == 0; k++) {
            ds->n_win[k] = n[k];
            ds->win_start[k] = malloc((n[k] ? n[k] : 1) * sizeof *ds->win_start[k]);
            if (!ds->win_start[k])
                st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, ds->path, 0, "out of memory");
        }
    }
    free(bad);
    free(gaps);
    free(tbad);
    return st;
}
