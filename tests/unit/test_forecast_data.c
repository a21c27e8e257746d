/* test_forecast_data.c - the data paths of multi-step forecasts: windows with --horizons
 * (every target observed), their targets in level and delta mode, calendar inputs of the
 * forecast time, explicit segments and rolling-origin folds (no fold trains on its test
 * rows), and the series of a global model (one scaler, no window crosses files). All on
 * ramps, where every value is known. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../data/internal.h"
#include "data_util.h"
#include "edgelstm/train.h"

/* An hourly CSV "time,x,y" from 2013-03-01 with x = base + t (NA where na(t)) and y = 2t. */
static char *ramp_csv(int n, double base, int (*na)(int), const char *cols)
{
    char *s = malloc((size_t)n * 64 + 64);
    size_t len = (size_t)sprintf(s, "%s\n", cols ? cols : "time,x,y");
    for (int t = 0; t < n; t++) {
        char ts[32];
        elstm_time_format(1362096000 + (int64_t)t * 3600, ts, sizeof ts);
        ts[10] = ' ';
        if (na && na(t)) len += (size_t)sprintf(s + len, "%s,NA,%d\n", ts, 2 * t);
        else len += (size_t)sprintf(s + len, "%s,%.17g,%d\n", ts, base + t, 2 * t);
    }
    return s;
}

static int na_at_70(int t) { return t == 70; }

static void horizons(void)
{
    char *csv = ramp_csv(100, 0.0, na_at_70, NULL);
    elstm_data_opts o = small_opts("ramp.csv");
    o.steps = 5;
    o.horizon = 2;
    o.horizons = 4;
    o.split_train = 0.6;
    o.split_val = 0.2;
    o.target = "x";
    elstm_dataset ds;
    if (!test_loads("horizons 4 loads", csv, &o, &ds)) {
        free(csv);
        return;
    }
    /* a window's targets are rows s+6 .. s+9: train needs s+9 <= 59 -> s in [0, 50] */
    TEST_EQ_INT("train windows end where the last of the 4 targets fits", ds.n_win[0], 51);
    TEST_EQ_INT("meta: 4 outputs, steps horizon .. horizon + 3", ds.meta.outputs * 10 + elstm_meta_lead(&ds.meta, 3), 45);
    /* val [60, 80): s in [60, 70]; the missing target at row 70 removes windows whose targets
     * include it: s + 6 <= 70 <= s + 9 -> s in [61, 64] */
    int ok = ds.n_win[1] == 7;
    for (size_t i = 0; ok && i < ds.n_win[1]; i++) {
        size_t s = ds.win_start[1][i];
        ok = s >= 60 && s <= 70 && (s < 61 || s > 64);
    }
    TEST_TRUE("a window is listed only when all its targets were observed", ok);

    elstm_windows w;
    elstm_diag d;
    elstm_diag_clear(&d);
    ok = elstm_windows_for_split(&ds, ELSTM_SPLIT_TRAIN, &w, &d) == ELSTM_OK && w.n_output == 4;
    for (size_t k = 0; ok && k < w.n; k++)
        for (int j = 0; ok && j < 4; j++)
            ok = w.target[k * 4 + (size_t)j] == (float)((double)(w.start[k] + 6 + (size_t)j) / 59.0);
    TEST_TRUE("level targets: x at rows s+6 .. s+9, scaled", ok);
    elstm_windows_free(&w);
    elstm_data_free(&ds);

    o.target_mode = ELSTM_TARGET_DELTA;
    if (test_loads("delta mode loads", csv, &o, &ds)) {
        TEST_TRUE("meta says delta", ds.meta.target_mode == ELSTM_TARGET_DELTA);
        ok = elstm_windows_for_split(&ds, ELSTM_SPLIT_TRAIN, &w, &d) == ELSTM_OK;
        double worst = 0.0;
        for (size_t k = 0; ok && k < w.n; k++)
            for (int j = 0; j < 4; j++) /* the change from row s+4: (j + 2) / 59 */
                worst = fmax(worst, fabs(w.target[k * 4 + (size_t)j] - (double)(j + 2) / 59.0));
        test_report(ok && worst < 1e-6, "delta targets: the change from the window's last value",
                    "worst %.3g", worst);
        float last = ds.x[(w.start[3] + 4) * 2];
        TEST_NEAR("the forecast adds the last value back (output 0 -> the last x)",
                  elstm_meta_forecast(&ds.meta, 0.0f, ds.x + (w.start[3] + 4) * 2), last * 59.0, 1e-4);
        elstm_windows_free(&w);
        elstm_data_free(&ds);
    }
    o.target_mode = ELSTM_TARGET_AUTO;
    if (test_loads("auto mode loads", csv, &o, &ds)) {
        TEST_TRUE("auto: delta when the target is an input", ds.meta.target_mode == ELSTM_TARGET_DELTA);
        elstm_data_free(&ds);
    }
    o.features = "y";
    if (test_loads("auto mode without the target among the inputs loads", csv, &o, &ds)) {
        TEST_TRUE("auto: level when it is not", ds.meta.target_mode == ELSTM_TARGET_LEVEL);
        elstm_data_free(&ds);
    }
    o.target_mode = ELSTM_TARGET_DELTA;
    TEST_LOAD_FAILS("delta needs the target among the inputs", csv, &o, ELSTM_ERR_ARG, "must be one of the inputs");
    o.features = NULL;
    o.target_mode = ELSTM_TARGET_LEVEL;
    o.horizons = 100;
    TEST_LOAD_FAILS("too few rows for the horizons", csv, &o, ELSTM_ERR_DATA, "--horizons");
    o.horizons = ELSTM_MAX_HORIZONS + 1;
    TEST_LOAD_FAILS("too many horizons", csv, &o, ELSTM_ERR_ARG, "--horizons must be from 1");
    free(csv);
}

static void forecast_calendar(void)
{
    char *csv = ramp_csv(60, 0.0, NULL, NULL);
    elstm_data_opts o = small_opts("cal.csv");
    o.steps = 3;
    o.horizon = 5;
    o.target = "x";
    o.time_features = "hour";
    o.target_time_features = "hour,doy";
    elstm_dataset ds;
    if (!test_loads("target time features load", csv, &o, &ds)) {
        free(csv);
        return;
    }
    TEST_TRUE("inputs x, y, hour_sin/cos, target_hour_sin/cos, target_doy_sin/cos",
              ds.n_inputs == 8 && strcmp(ds.meta.inputs[4].name, "target_hour_sin") == 0 &&
                  strcmp(ds.meta.inputs[7].name, "target_doy_cos") == 0 && ds.meta.inputs[4].lead == 5 &&
                  ds.meta.inputs[2].lead == 0);
    /* row 10 is 10:00; its forecast time 15:00: sin(2 pi 15/24), scaled with the scaler */
    const elstm_meta_input *in = &ds.meta.inputs[4];
    double want = elstm_meta_normalize(sin(2 * M_PI * 15.0 / 24.0), in->min, in->max);
    TEST_NEAR("target_hour_sin at row 10 is the hour 15:00's", ds.x[10 * 8 + 4], want, 1e-6);
    elstm_data_free(&ds);
    o.target_time_features = "hour,hour";
    TEST_LOAD_FAILS("a repeated name is refused", csv, &o, ELSTM_ERR_ARG, "--target-time-features names 'hour' twice");
    o.target_time_features = "minute";
    TEST_LOAD_FAILS("an unknown name is refused", csv, &o, ELSTM_ERR_ARG, "--target-time-features: unknown");
    free(csv);
}

/* The recipe's defaults (docs/training.md, "Recipe defaults"): options as
 * elstm_data_opts_default leaves them learn the change when the target is an input, and
 * multi-step models get the calendar of the forecast time (hour and day of year; only the
 * day of year for daily rows); one-step models and "none" get none. */
static void recipe_defaults(void)
{
    char *csv = ramp_csv(80, 0.0, NULL, NULL);
    elstm_data_opts o;
    elstm_data_opts_default(&o);
    o.path = "defaults.csv";
    o.steps = 4;
    o.target = "x";
    elstm_dataset ds;
    if (test_loads("one step, the defaults", csv, &o, &ds)) {
        TEST_TRUE("delta by default (the target is an input)", ds.meta.target_mode == ELSTM_TARGET_DELTA);
        TEST_EQ_INT("one step: no calendar inputs (x, y)", ds.n_inputs, 2);
        elstm_data_free(&ds);
    }
    o.horizons = 3;
    if (test_loads("three steps, the defaults", csv, &o, &ds)) {
        TEST_TRUE("hourly rows, three steps: x, y, target_hour_sin/cos, target_doy_sin/cos (lead 1)",
                  ds.n_inputs == 6 && strcmp(ds.meta.inputs[2].name, "target_hour_sin") == 0 &&
                      strcmp(ds.meta.inputs[5].name, "target_doy_cos") == 0 && ds.meta.inputs[2].lead == 1);
        elstm_data_free(&ds);
    }
    o.target_time_features = "none";
    if (test_loads("three steps, --target-time-features none", csv, &o, &ds)) {
        TEST_EQ_INT("'none': no calendar inputs", ds.n_inputs, 2);
        elstm_data_free(&ds);
    }
    free(csv);
    /* daily rows: the hour of the forecast time would never change */
    char daily[4096];
    size_t len = (size_t)sprintf(daily, "time,x,y\n");
    for (int t = 0; t < 60; t++) {
        char ts[32];
        elstm_time_format(1362096000 + (int64_t)t * 86400, ts, sizeof ts);
        ts[10] = ' ';
        len += (size_t)sprintf(daily + len, "%s,%d,%d\n", ts, t % 7, t);
    }
    o.target_time_features = NULL;
    o.path = "daily.csv";
    if (test_loads("daily rows, three steps, the defaults", daily, &o, &ds)) {
        TEST_TRUE("daily rows: only target_doy_sin/cos", ds.n_inputs == 4 &&
                                                             strcmp(ds.meta.inputs[2].name, "target_doy_sin") == 0);
        elstm_data_free(&ds);
    }
}

/* No training or validation window reads or targets a row of the test block; the test
 * windows target only rows inside it; the scaler saw only the training rows. */
static int fold_clean(const elstm_dataset *ds, char *why, size_t n)
{
    const size_t steps = (size_t)ds->meta.steps, span = steps - 1 + (size_t)ds->meta.horizon +
                                                        (size_t)elstm_meta_outputs(&ds->meta) - 1;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < ds->n_win[k]; i++)
            if (ds->win_start[k][i] + span >= ds->split_end[k]) {
                snprintf(why, n, "split %d window %zu reaches row %zu past %zu", k, ds->win_start[k][i],
                         ds->win_start[k][i] + span, ds->split_end[k]);
                return 0;
            }
    for (size_t i = 0; i < ds->n_win[2]; i++) {
        size_t s = ds->win_start[2][i], first = elstm_data_target_row(ds, s);
        if (first < ds->split_end[1] || s + span >= ds->split_end[2]) {
            snprintf(why, n, "test window %zu targets rows %zu..%zu outside [%zu, %zu)", s, first, s + span,
                     ds->split_end[1], ds->split_end[2]);
            return 0;
        }
    }
    return 1;
}

static void folds(void)
{
    size_t seg[4][ELSTM_SPLITS];
    elstm_diag d;
    elstm_diag_clear(&d);
    /* 1000 hourly rows (< 2 years): the blocks span half of them, 125 rows each */
    TEST_TRUE("4 folds of 1000 rows", elstm_data_folds(1000, 3600, 8, 4, 0, 0.25, seg, &d) == ELSTM_OK);
    TEST_TRUE("test blocks [500,625) .. [875,1000), training before each, the last quarter validation",
              seg[0][1] == 500 && seg[0][2] == 625 && seg[3][1] == 875 && seg[3][2] == 1000 && seg[0][0] == 375 &&
                  seg[2][0] == 563 && seg[2][1] == 750);
    /* two years of rows or more: one year of test blocks (8766 hourly rows) */
    TEST_TRUE("a long series: the blocks span one year",
              elstm_data_folds(40000, 3600, 200, 4, 0, 0.2, seg, &d) == ELSTM_OK && seg[0][1] == 40000 - 4 * 2191 &&
                  seg[3][2] == 40000 && seg[1][1] - seg[0][1] == 2191);
    TEST_TRUE("--fold-rows sets the block length",
              elstm_data_folds(1000, 3600, 8, 2, 50, 0.2, seg, &d) == ELSTM_OK && seg[0][1] == 900 && seg[1][1] == 950);
    elstm_diag_clear(&d);
    TEST_TRUE("folds too short for the window are one clear error",
              elstm_data_folds(1000, 3600, 200, 4, 0, 0.2, seg, &d) == ELSTM_ERR_ARG &&
                  strstr(d.msg, "4 folds are too short for windows of 200 rows") && strstr(d.msg, "blocks of 125"));
    TEST_TRUE("--folds 0 is refused", elstm_data_folds(1000, 3600, 8, 0, 0, 0.2, seg, &d) == ELSTM_ERR_ARG);

    /* each fold loaded with its segments */
    char *csv = ramp_csv(400, 0.0, NULL, NULL);
    elstm_data_opts o = small_opts("folds.csv");
    o.steps = 6;
    o.horizon = 1;
    o.horizons = 3;
    o.target = "x";
    TEST_TRUE("4 folds of the ramp", elstm_data_folds(400, 3600, 8, 4, 0, 0.25, seg, &d) == ELSTM_OK);
    int clean = 1, rolling = 1, scaler = 1;
    char why[200] = "";
    for (int k = 0; k < 4; k++) {
        memcpy(o.segments, seg[k], sizeof o.segments);
        elstm_dataset ds;
        if (!test_loads("a fold loads", csv, &o, &ds)) break;
        clean &= fold_clean(&ds, why, sizeof why);
        /* rolling origin: the first test window ends its inputs right before the block */
        rolling &= ds.n_win[2] > 0 && elstm_data_target_row(&ds, ds.win_start[2][0]) == seg[k][1] &&
                   ds.n_win[2] == seg[k][2] - seg[k][1] - 2;
        scaler &= ds.meta.inputs[0].max == (double)(seg[k][0] - 1) && ds.split_end[2] == seg[k][2];
        elstm_data_free(&ds);
    }
    test_report(clean, "no fold's training or validation window touches its test block", "%s", why);
    TEST_TRUE("test windows target every row of the block from its first (inputs may precede it)", rolling);
    TEST_TRUE("each fold's scaler is fitted on its own training rows", scaler);
    free(csv);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return 0;
    fputs(text, f);
    return fclose(f) == 0;
}

static void global_series(void)
{
    char dir[256], pa[300], pb[300], pc[300];
    snprintf(dir, sizeof dir, "%s/elstm-series-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return;
    snprintf(pa, sizeof pa, "%s/a.csv", dir);
    snprintf(pb, sizeof pb, "%s/b.csv", dir);
    snprintf(pc, sizeof pc, "%s/c.csv", dir);
    char *a = ramp_csv(50, 0.0, NULL, NULL), *b = ramp_csv(80, 100.0, NULL, NULL),
         *c = ramp_csv(50, 0.0, NULL, "time,x,z");
    write_file(pa, a);
    write_file(pb, b);
    write_file(pc, c);
    elstm_data_opts o = small_opts(NULL);
    o.steps = 4;
    o.horizons = 2;
    o.split_train = 0.6;
    o.split_val = 0.2;
    o.target = "x";
    const char *paths[2] = {pa, pb};
    elstm_dataset ds[2];
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_status st = elstm_data_load_series(&o, paths, 2, ds, &d);
    if (test_report(st == ELSTM_OK, "two series load as one model's", "%s", d.msg)) {
        /* training parts: a rows [0,30) x 0..29, b rows [0,48) x 100..147 */
        TEST_TRUE("one scaler: the union of the training ranges (x 0..147, y 0..94)",
                  ds[0].meta.inputs[0].min == 0 && ds[0].meta.inputs[0].max == 147 && ds[1].meta.target_max == 147 &&
                      ds[1].meta.inputs[1].max == 94 && memcmp(&ds[0].meta, &ds[1].meta, sizeof ds[0].meta) == 0);
        TEST_TRUE("every series scaled with it", ds[1].x[0] == (float)(100.0 / 147.0) && ds[0].x[2] == (float)(1.0 / 147.0));
        const elstm_dataset *sets[2] = {&ds[0], &ds[1]};
        elstm_windows w;
        int *sid = NULL;
        st = elstm_windows_for_sets(sets, 2, ELSTM_SPLIT_TRAIN, &w, &sid, &d);
        int inside = st == ELSTM_OK && w.n == ds[0].n_win[0] + ds[1].n_win[0] && w.n_output == 2;
        for (size_t k = 0; inside && k < w.n; k++) {
            const size_t lo = sid[k] ? 50 : 0, hi = sid[k] ? 130 : 50, s = w.start[k];
            /* rows s .. s+3 and targets s+4, s+5 lie in the window's own file */
            inside = s >= lo && s + 5 < hi && w.x[s * 2] == ds[sid[k]].x[(s - lo) * 2];
        }
        TEST_TRUE("no window of the global model crosses from one file into the other", inside);
        int tg = st == ELSTM_OK;
        for (size_t k = 0; tg && k < w.n; k++) {
            const size_t lo = sid[k] ? 50 : 0;
            const double base = sid[k] ? 100.0 : 0.0;
            tg = w.target[k * 2] == (float)((base + (double)(w.start[k] - lo) + 4.0) / 147.0);
        }
        TEST_TRUE("each window's targets come from its own file", tg);
        /* a fit's windows: training as above, validation the same way, of one or both series */
        elstm_windows ft, fv, v;
        int same = elstm_windows_for_fit(ds, 2, &ft, &fv, &d) == ELSTM_OK &&
                   elstm_windows_for_sets(sets, 2, ELSTM_SPLIT_VAL, &v, NULL, &d) == ELSTM_OK && ft.n == w.n &&
                   fv.n == v.n && fv.n == ds[0].n_win[ELSTM_SPLIT_VAL] + ds[1].n_win[ELSTM_SPLIT_VAL] && fv.n > 0 &&
                   memcmp(ft.start, w.start, w.n * sizeof *w.start) == 0 &&
                   memcmp(ft.target, w.target, w.n * 2 * sizeof *w.target) == 0 &&
                   memcmp(fv.start, v.start, v.n * sizeof *v.start) == 0 &&
                   memcmp(fv.target, v.target, v.n * 2 * sizeof *v.target) == 0;
        TEST_TRUE("windows for a fit of two series: the training and validation windows of both", same);
        elstm_windows_free(&ft);
        elstm_windows_free(&fv);
        elstm_windows_free(&v);
        same = elstm_windows_for_fit(&ds[1], 1, &ft, &fv, &d) == ELSTM_OK && ft.x == ds[1].x && fv.x == ds[1].x &&
               ft.n == ds[1].n_win[ELSTM_SPLIT_TRAIN] && fv.n == ds[1].n_win[ELSTM_SPLIT_VAL] &&
               ft.start == ds[1].win_start[ELSTM_SPLIT_TRAIN] && fv.start == ds[1].win_start[ELSTM_SPLIT_VAL];
        TEST_TRUE("windows for a fit of one series: its own rows and windows, the train and validation splits", same);
        elstm_windows_free(&ft);
        elstm_windows_free(&fv);
        TEST_TRUE("windows for a fit of no series: an argument error, nothing made",
                  elstm_windows_for_fit(ds, 0, &ft, &fv, &d) == ELSTM_ERR_ARG && ft.n == 0 && fv.n == 0 && d.msg[0]);
        free(sid);
        elstm_windows_free(&w);
        elstm_data_free(&ds[0]);
        elstm_data_free(&ds[1]);
    }
    const char *bad[2] = {pa, pc};
    elstm_diag_clear(&d);
    st = elstm_data_load_series(&o, bad, 2, ds, &d);
    test_report(st == ELSTM_ERR_DATA && strstr(d.msg, "c.csv") && strstr(d.msg, "same columns") &&
                    strstr(d.msg, "'z'") && strstr(d.msg, "'y'"),
                "files with different columns: one clear error naming the difference", "%s", d.msg);
    TEST_TRUE("... and nothing is left loaded", ds[0].x == NULL && ds[1].x == NULL);
    unlink(pa);
    unlink(pb);
    unlink(pc);
    rmdir(dir);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    test_suite("forecast_data");
    horizons();
    forecast_calendar();
    recipe_defaults();
    folds();
    global_series();
    return test_done();
}
