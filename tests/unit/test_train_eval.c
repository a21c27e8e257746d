/* test_train_eval.c - evaluation in target units beside persistence and seasonal
 * baselines, on hand-computable series (a ramp and a daily sine), with a model whose
 * output is a known constant. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/train.h"
#include "elstm_test.h"

enum { ROWS = 100, STEPS = 30 };

static void make(elstm_dataset *ds, int64_t interval, int sine)
{
    memset(ds, 0, sizeof *ds);
    strcpy(ds->path, "series.csv");
    ds->rows = ROWS;
    ds->interval_s = interval;
    ds->n_inputs = 1;
    ds->meta.n_inputs = 1;
    ds->meta.steps = STEPS;
    ds->meta.horizon = 1;
    ds->meta.target_min = 0;
    ds->meta.target_max = 100;
    ds->x = calloc(ROWS, sizeof(float));
    ds->y = calloc(ROWS, sizeof(double));
    for (int r = 0; r < ROWS; r++) {
        ds->y[r] = sine ? 50.0 + 10.0 * sin(2.0 * 3.14159265358979323846 * r / 24.0) : (double)r;
        ds->x[r] = (float)(ds->y[r] / 100.0);
    }
    /* train: starts 0..39, val: 40..49, test: 50..69 (target rows 80..99) */
    size_t counts[3] = {40, 10, 20}, first[3] = {0, 40, 50};
    for (int s = 0; s < 3; s++) {
        ds->n_win[s] = counts[s];
        ds->win_start[s] = malloc(counts[s] * sizeof(size_t));
        for (size_t k = 0; k < counts[s]; k++) ds->win_start[s][k] = first[s] + k;
    }
}

static void release(elstm_dataset *ds)
{
    free(ds->x); free(ds->y);
    for (int s = 0; s < 3; s++) free(ds->win_start[s]);
}

int main(void)
{
    test_suite("train-eval");
    /* a model whose output is always 0.5 (normalized) = 50 in target units: all weights 0 */
    static float zeros[4 * 4 * 4];
    float bd = 0.5f;
    elstm_lstm_f32 m = {1, 4, 1, 0.0f, {zeros, zeros, zeros, zeros}, {zeros, zeros, zeros, zeros},
                        {NULL, NULL, NULL, NULL}, zeros, &bd, NULL};
    elstm_dataset ds;
    elstm_eval_result r;
    elstm_diag d;

    make(&ds, 3600, 0);
    elstm_diag_clear(&d);
    TEST_TRUE("ramp: test split evaluates", elstm_eval_split(&m, &ds, ELSTM_SPLIT_TEST, 2, &r, &d) == ELSTM_OK);
    TEST_EQ_INT("ramp: 20 test windows", r.n, 20);
    TEST_EQ_STR("ramp: split name", r.split, "test");
    /* actual = 80..99, model = 50: errors 30..49 -> MAE 39.5, RMSE sqrt(mean(e^2)) */
    double se = 0;
    for (int e = 30; e <= 49; e++) se += (double)e * e;
    TEST_NEAR("ramp: model MAE", r.model.mae, 39.5, 1e-4);
    TEST_NEAR("ramp: model RMSE", r.model.rmse, sqrt(se / 20), 1e-4);
    TEST_NEAR("ramp: persistence MAE is one step of the ramp", r.persistence.mae, 1.0, 1e-12);
    TEST_NEAR("ramp: persistence RMSE", r.persistence.rmse, 1.0, 1e-12);
    TEST_TRUE("ramp: seasonal baseline available for hourly data", r.seasonal_ok);
    TEST_NEAR("ramp: seasonal MAE is 24 steps of the ramp", r.seasonal.mae, 24.0, 1e-12);
    TEST_NEAR("ramp: seasonal RMSE", r.seasonal.rmse, 24.0, 1e-12);
    /* R^2 = 1 - SSE/SST with actual 80..99: SST = sum (k - 89.5)^2 = 665 */
    TEST_NEAR("ramp: model R^2", r.model.r2, 1.0 - se / 665.0, 1e-6);
    TEST_NEAR("ramp: model bias (forecasts 30..49 below)", r.model.bias, -39.5, 1e-4);
    TEST_NEAR("ramp: persistence bias is one step low", r.persistence.bias, -1.0, 1e-12);
    /* the same evaluation window by window */
    elstm_eval_series sr;
    elstm_eval_result r2;
    TEST_TRUE("ramp: the series evaluates",
              elstm_eval_split_series(&m, &ds, ELSTM_SPLIT_TEST, 2, &r2, &sr, &d) == ELSTM_OK);
    int rows_ok = sr.n == 20 && r2.model.rmse == r.model.rmse;
    for (size_t k = 0; rows_ok && k < sr.n; k++)
        rows_ok = sr.row[k] == 80 + k && sr.actual[k] == 80.0 + (double)k && fabs(sr.model[k] - 50.0) < 1e-4 &&
                  sr.persistence[k] == 79.0 + (double)k && sr.seasonal[k] == 56.0 + (double)k;
    TEST_TRUE("ramp: series rows, actual, model, persistence and seasonal per window", rows_ok);
    elstm_eval_series_free(&sr);
    TEST_TRUE("ramp: all split evaluates", elstm_eval_split(&m, &ds, -1, 1, &r, &d) == ELSTM_OK);
    TEST_EQ_INT("ramp: all = 70 windows", r.n, 70);
    TEST_EQ_STR("ramp: split name all", r.split, "all");
    /* all: first windows have target rows 30..; seasonal lag 24 rows is always inside the file */
    TEST_EQ_INT("ramp: seasonal over all windows", r.seasonal.n, 70);
    release(&ds);

    make(&ds, 3600, 1);
    TEST_TRUE("sine: val split evaluates", elstm_eval_split(&m, &ds, ELSTM_SPLIT_VAL, 3, &r, &d) == ELSTM_OK);
    TEST_NEAR("sine: seasonal error of a daily sine is 0", r.seasonal.rmse, 0.0, 1e-9);
    double pm = 0;
    for (int s = 40; s < 50; s++) {
        double t = s + STEPS;
        pm += fabs(10.0 * sin(2 * 3.14159265358979323846 * t / 24) - 10.0 * sin(2 * 3.14159265358979323846 * (t - 1) / 24));
    }
    TEST_NEAR("sine: persistence MAE", r.persistence.mae, pm / 10, 1e-9);
    release(&ds);

    make(&ds, 7 * 3600, 0);
    TEST_TRUE("7-hour interval evaluates", elstm_eval_split(&m, &ds, ELSTM_SPLIT_TEST, 2, &r, &d) == ELSTM_OK);
    TEST_TRUE("7-hour interval: no seasonal baseline, with a note", !r.seasonal_ok && strstr(r.note, "does not divide a day"));
    release(&ds);

    make(&ds, 3600, 0);
    ds.n_win[ELSTM_SPLIT_VAL] = 0;
    elstm_diag_clear(&d);
    TEST_TRUE("an empty split is a clear error", elstm_eval_split(&m, &ds, ELSTM_SPLIT_VAL, 2, &r, &d) == ELSTM_ERR_DATA && strstr(d.msg, "val split has no windows"));
    ds.n_win[ELSTM_SPLIT_VAL] = 10;
    m.n_input = 2;
    elstm_diag_clear(&d);
    TEST_TRUE("an input-count mismatch is a clear error", elstm_eval_split(&m, &ds, ELSTM_SPLIT_VAL, 2, &r, &d) == ELSTM_ERR_DATA && strstr(d.msg, "takes 2 inputs"));
    release(&ds);

    /* a split's windows as training examples: the dataset's rows and starts, and the
     * target of row start + steps - 1 + horizon, normalized like every target */
    make(&ds, 3600, 0);
    ds.y[80] = NAN; /* the target of test window 0 */
    float *yn = elstm_dataset_targets_norm(&ds);
    for (int sp = 0; sp < ELSTM_SPLITS; sp++) {
        elstm_windows w;
        char what[96];
        snprintf(what, sizeof what, "split %d: windows with their targets", sp);
        TEST_TRUE(what, elstm_windows_for_split(&ds, sp, &w, &d) == ELSTM_OK && w.n == ds.n_win[sp] &&
                            w.start == ds.win_start[sp] && w.x == ds.x && w.steps == STEPS && w.n_input == 1 &&
                            w.target == w.owned);
        int same = 1;
        for (size_t k = 0; k < w.n; k++) {
            float want = yn[ds.win_start[sp][k] + STEPS];  /* start + steps - 1 + horizon 1 */
            same &= isnan(want) ? isnan(w.target[k]) : w.target[k] == want;
        }
        snprintf(what, sizeof what, "split %d: each target is the normalized value %d rows after the start", sp, STEPS);
        TEST_TRUE(what, same);
        elstm_windows_free(&w);
        TEST_TRUE("elstm_windows_free empties the set", w.n == 0 && w.owned == NULL && w.target == NULL);
    }
    {
        elstm_windows w;
        TEST_TRUE("a missing target stays NaN (test window 0)",
                  elstm_windows_for_split(&ds, ELSTM_SPLIT_TEST, &w, &d) == ELSTM_OK && isnan(w.target[0]) &&
                      w.target[1] == yn[81]);
        elstm_windows_free(&w);
        elstm_diag_clear(&d);
        TEST_TRUE("a split that does not exist is refused",
                  elstm_windows_for_split(&ds, ELSTM_SPLITS, &w, &d) == ELSTM_ERR_ARG && w.n == 0 && d.msg[0]);
    }
    free(yn);
    release(&ds);
    return test_done();
}
