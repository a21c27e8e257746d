/* test_data_windows.c - windows, horizon and splits on a ramp x[t] = t (every value
 * exactly checkable), the scaler fitted on the training part only, gap filling and
 * the long-gap rule, missing-value runs, and elstm_data_load_meta with a model's
 * scaler. */
#include <math.h>
#include <stdlib.h>

#include "../../data/internal.h"
#include "data_util.h"

/* An hourly CSV "time,x,y" with x = f(t) at the given hours (skip == 1 leaves a row
 * out); values NAN are written as NA. Returns malloc'd text. */
typedef double (*series_fn)(int t);
static char *make_csv(int n, series_fn fx, const int *skip, int interval_min)
{
    char *s = malloc((size_t)n * 64 + 64);
    size_t len = (size_t)sprintf(s, "time,x,y\n");
    for (int t = 0; t < n; t++) {
        if (skip && skip[t]) continue;
        int64_t sec = 1362096000 + (int64_t)t * interval_min * 60;
        char ts[32];
        elstm_time_format(sec, ts, sizeof ts);
        ts[10] = ' ';
        double v = fx(t);
        if (isnan(v)) len += (size_t)sprintf(s + len, "%s,NA,%d\n", ts, t);
        else len += (size_t)sprintf(s + len, "%s,%.17g,%d\n", ts, v, t);
    }
    return s;
}

static double ramp(int t) { return t; }

/* No window may include an unusable row or span a long gap, and each lies in its split. */
static int windows_valid(const elstm_dataset *ds)
{
    size_t steps = (size_t)ds->meta.steps, h = (size_t)ds->meta.horizon;
    size_t begin[3] = {0, ds->split_end[0], ds->split_end[1]};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < ds->n_win[k]; i++) {
            size_t s = ds->win_start[k][i], T = elstm_data_target_row(ds, s);
            if (s < begin[k] || T >= ds->split_end[k] || T != s + steps - 1 + h) return 0;
            if (i && ds->win_start[k][i - 1] >= s) return 0;
            for (size_t r = s; r < s + steps; r++)
                if (!ds->usable[r]) return 0;
            for (size_t r = s + 1; r <= T; r++)
                if (ds->gap_before[r]) return 0;
            if (!ds->usable[T]) return 0;
        }
    return 1;
}

static void ramp_windows(void)
{
    char *csv = make_csv(100, ramp, NULL, 60);
    elstm_data_opts o = small_opts("ramp.csv");
    o.steps = 5;
    o.horizon = 2;
    o.split_train = 0.6;
    o.split_val = 0.2;
    o.target = "x";
    elstm_dataset ds;
    elstm_diag d;
    elstm_status st = load_text(csv, &o, &ds, &d);
    free(csv);
    TEST_EQ_INT("ramp loads", st, ELSTM_OK);
    if (st != ELSTM_OK) {
        printf("# %s\n", d.msg);
        return;
    }
    TEST_TRUE("inputs x, y; target x is input 0", ds.n_inputs == 2 && ds.meta.target_input == 0);
    TEST_TRUE("segments: train [0,60), val [60,80), test [80,100)",
              ds.split_end[0] == 60 && ds.split_end[1] == 80 && ds.split_end[2] == 100);
    /* train: s + 6 <= 59 -> s in [0,53]; val: s in [60,73]; test: s in [80,93] */
    TEST_EQ_INT("train windows", ds.n_win[ELSTM_SPLIT_TRAIN], 54);
    TEST_EQ_INT("val windows", ds.n_win[ELSTM_SPLIT_VAL], 14);
    TEST_EQ_INT("test windows", ds.n_win[ELSTM_SPLIT_TEST], 14);
    TEST_TRUE("first windows of each split start at 0, 60, 80",
              ds.win_start[0][0] == 0 && ds.win_start[1][0] == 60 && ds.win_start[2][0] == 80);
    TEST_TRUE("scaler fitted on the training rows only: x in [0, 59]",
              ds.meta.inputs[0].min == 0 && ds.meta.inputs[0].max == 59 &&
                  ds.meta.target_min == 0 && ds.meta.target_max == 59);
    int bad = 0;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < ds.n_win[k]; i++) {
            size_t s = ds.win_start[k][i];
            const float *w = elstm_data_window_x(&ds, s);
            for (size_t j = 0; j < 5; j++)
                if (w[j * 2] != (float)((double)(s + j) / 59.0)) bad++;
            if (ds.y[elstm_data_target_row(&ds, s)] != (double)(s + 4 + 2)) bad++;
        }
    TEST_EQ_INT("every window holds x = t/59 for its 5 rows and targets y = s+6", bad, 0);
    TEST_TRUE("the test part exceeds 1 (not refit on it)", ds.x[99 * 2] == (float)(99.0 / 59.0));
    TEST_TRUE("windows valid", windows_valid(&ds));
    TEST_EQ_INT("interval 1 h", ds.interval_s, 3600);
    TEST_EQ_INT("line numbers: row 0 on line 2", ds.line[0], 2);
    TEST_EQ_INT("meta steps/horizon", ds.meta.steps * 10 + ds.meta.horizon, 52);
    TEST_EQ_STR("meta time column", ds.meta.time_cols, "time");
    TEST_EQ_STR("meta layout", ds.meta.time_layout, "YYYY-MM-DD HH:MM:SS");
    TEST_EQ_INT("meta max_gap default", ds.meta.max_gap, ELSTM_DEFAULT_MAX_GAP);
    elstm_data_free(&ds);

    /* too few rows: the message says how many are needed */
    csv = make_csv(6, ramp, NULL, 60);
    TEST_LOAD_FAILS("fewer rows than one window", csv, &o, ELSTM_ERR_DATA, "6 rows are too few",
                    "needs 7 rows");
    o.split_train = 0.5;
    o.split_val = 0.1;
    o.steps = 3;
    TEST_LOAD_FAILS("no training window is an error when training", csv, &o, ELSTM_ERR_DATA,
                    "no training windows");
    o.target = NULL;
    elstm_status st2 = load_text(csv, &o, &ds, &d);
    TEST_TRUE("... but not for a summary without a target", st2 == ELSTM_OK && ds.n_win[0] == 0);
    elstm_data_free(&ds);
    free(csv);
}

static const int gap_skip[61] = {[10] = 1, [11] = 1, [31] = 1, [32] = 1, [33] = 1, [34] = 1,
                                 [35] = 1, [36] = 1, [37] = 1, [38] = 1};
static double line2(int t) { return 2.0 * t + 1; }

static void gaps(void)
{
    /* rows 10-11 missing (2 steps: filled), rows 31-38 missing (8 > 6: a long gap) */
    char *csv = make_csv(61, line2, gap_skip, 60);
    elstm_data_opts o = small_opts("gaps.csv");
    o.steps = 4;
    o.split_train = 0.9;
    o.split_val = 0.05;
    o.target = "x";
    elstm_dataset ds;
    elstm_diag d;
    elstm_status st;
    if (!test_loads("gappy file loads", csv, &o, &ds)) {
        free(csv);
        return;
    }
    TEST_TRUE("51 file rows, 2 filled, 53 grid rows, 1 long gap",
              ds.file_rows == 51 && ds.filled_rows == 2 && ds.rows == 53 && ds.long_gaps == 1);
    TEST_TRUE("filled rows are on the grid, with line 0",
              ds.time[10] == 1362096000 + 10 * 3600 && ds.time[11] == 1362096000 + 11 * 3600 &&
                  ds.line[10] == 0 && ds.line[11] == 0 && ds.line[12] == 12);
    TEST_NEAR("x at the filled hour 10 is interpolated in time (21)", input_value(&ds, 0, 10), 21, 1e-4);
    TEST_NEAR("x at the filled hour 11 (23)", input_value(&ds, 0, 11), 23, 1e-4);
    int marks_ok = ds.input_missing && ds.target_missing;
    for (size_t g = 0; marks_ok && g < ds.rows; g++)
        marks_ok = ds.input_missing[g * (size_t)ds.n_inputs] == (g == 10 || g == 11) &&
                   ds.target_missing[g] == (g == 10 || g == 11);
    TEST_TRUE("the filled rows (and only they) are marked missing for the input and the target", marks_ok);
    TEST_TRUE("filled rows are usable, but their targets are not observed: no window targets them",
              ds.usable[10] && ds.usable[11]);
    int targets_filled = 0;
    for (size_t i = 0; i < ds.n_win[0]; i++) {
        size_t T = elstm_data_target_row(&ds, ds.win_start[0][i]);
        targets_filled += T == 10 || T == 11;
    }
    TEST_EQ_INT("no window's target is a filled row", targets_filled, 0);
    TEST_TRUE("the long gap is marked before hour 39 (grid row 31)", ds.gap_before[31] == 1 &&
                                                                      ds.time[31] == 1362096000 + 39 * 3600);
    TEST_TRUE("no window spans the long gap; all windows valid", windows_valid(&ds));
    /* train rows [0, 47): starts 0..26 except those targeting 10/11 (s = 6, 7), and those whose
     * target is past the gap (s = 27..30 span it), then 31..42 */
    size_t want = 0;
    for (size_t s = 0; s + 4 < 47; s++) {
        size_t T = s + 4;
        if (T == 10 || T == 11 || (s < 31 && T >= 31)) continue;
        want++;
    }
    TEST_EQ_INT("train window count by hand", ds.n_win[0], want);
    elstm_data_free(&ds);

    o.max_gap = 1;
    st = load_text(csv, &o, &ds, &d);
    TEST_TRUE("--max-gap 1: the 2-row hole is a long gap too", st == ELSTM_OK && ds.long_gaps == 2 &&
                                                                   ds.filled_rows == 0 && ds.rows == 51);
    elstm_data_free(&ds);
    o.max_gap = 8;
    st = load_text(csv, &o, &ds, &d);
    TEST_TRUE("--max-gap 8: both holes filled", st == ELSTM_OK && ds.long_gaps == 0 &&
                                                    ds.filled_rows == 10 && ds.rows == 61);
    elstm_data_free(&ds);
    free(csv);
}

static double with_na(int t)
{
    if (t == 0 || (t >= 5 && t <= 7) || (t >= 20 && t <= 27)) return NAN;   /* runs of 1, 3, 8 */
    return 10.0 * t;
}

static void missing_runs(void)
{
    char *csv = make_csv(40, with_na, NULL, 60);
    elstm_data_opts o = small_opts("na.csv");
    o.steps = 2;
    o.split_train = 0.9;
    o.split_val = 0.05;
    o.features = "x";
    o.target = "y";
    elstm_dataset ds;
    elstm_diag d;
    elstm_status st;
    if (!test_loads("NA runs load", csv, &o, &ds)) {
        free(csv);
        return;
    }
    TEST_EQ_INT("x: 12 missing cells counted", col_stats(&ds, "x")->missing, 12);
    TEST_NEAR("leading NA takes the first value", input_value(&ds, 0, 0), 10, 1e-4);
    TEST_NEAR("NA run of 3 interpolated in time (row 6 = 60)", input_value(&ds, 0, 6), 60, 1e-4);
    TEST_NEAR("NA run of 8 filled too (row 23 = 230)", input_value(&ds, 0, 23), 230, 1e-4);
    int u = 1;
    for (int r = 0; r < 40; r++) u &= ds.usable[r] == !(r >= 20 && r <= 27);
    TEST_TRUE("only the run longer than --max-gap is unusable", u);
    TEST_TRUE("windows avoid it", windows_valid(&ds));
    elstm_data_free(&ds);
    o.max_gap = 0;
    st = load_text(csv, &o, &ds, &d);
    u = st == ELSTM_OK;
    for (int r = 0; u && r < 40; r++) u &= ds.usable[r] == !isnan(with_na(r));
    TEST_TRUE("--max-gap 0: every missing value makes its row unusable", u);
    elstm_data_free(&ds);

    o.max_gap = -1;
    o.features = "y";
    o.target = "x";
    st = load_text(csv, &o, &ds, &d);
    int hits = 0;
    for (int k = 0; st == ELSTM_OK && k < 3; k++)
        for (size_t i = 0; i < ds.n_win[k]; i++)
            hits += isnan(with_na((int)elstm_data_target_row(&ds, ds.win_start[k][i])));
    TEST_TRUE("windows never target a missing (filled) target value", st == ELSTM_OK && hits == 0 &&
                                                                          ds.n_win[0] > 0);
    elstm_data_free(&ds);
    free(csv);
}

static double offset_ramp(int t) { return 1000.0 + t; }

static void reload(void)
{
    char *a = make_csv(100, ramp, NULL, 60);
    elstm_data_opts o = small_opts("train.csv");
    o.steps = 5;
    o.split_train = 0.6;
    o.split_val = 0.2;
    o.target = "x";
    o.time_features = "hour";
    elstm_dataset tr, ds;
    elstm_diag d;
    elstm_status st = load_text(a, &o, &tr, &d);
    free(a);
    TEST_EQ_INT("training file loads", st, ELSTM_OK);
    if (st != ELSTM_OK) return;
    elstm_meta meta = tr.meta;
    elstm_data_free(&tr);

    char *b = make_csv(30, offset_ramp, NULL, 60);
    elstm_diag_clear(&d);
    st = elstm_data_load_meta_buffer("new.csv", b, strlen(b), &meta, &ds, &d);
    TEST_EQ_INT("another file loads with the model's meta", st, ELSTM_OK);
    if (st == ELSTM_OK) {
        TEST_TRUE("the meta is the model's, not refit", memcmp(&ds.meta, &meta, sizeof meta) == 0);
        TEST_TRUE("x scaled with the training scaler: (1000 + t) / 59",
                  ds.x[3 * 4] == (float)(1003.0 / 59.0));
        TEST_TRUE("same inputs: x, y, hour_sin, hour_cos",
                  ds.n_inputs == 4 && strcmp(ds.meta.inputs[3].name, "hour_cos") == 0);
        /* 30 rows, 0.6 -> train [0,18); s + 5 <= 17 -> 13 windows */
        TEST_TRUE("windows follow the model's splits", ds.split_end[0] == 18 && ds.n_win[0] == 13);
        TEST_TRUE("y in physical units", ds.y[7] == 1007.0);
    } else {
        printf("# %s\n", d.msg);
    }
    elstm_data_free(&ds);

    /* a file without the model's column y */
    const char *noy = "time,x\n2013-03-01 00:00,1\n2013-03-01 01:00,2\n2013-03-01 02:00,3\n"
                      "2013-03-01 03:00,4\n2013-03-01 04:00,5\n2013-03-01 05:00,6\n";
    elstm_diag_clear(&d);
    st = elstm_data_load_meta_buffer("noy.csv", noy, strlen(noy), &meta, &ds, &d);
    TEST_TRUE("a missing column is named", st == ELSTM_ERR_DATA && strstr(d.msg, "noy.csv:1: ") &&
                                              strstr(d.msg, "'y'") && strstr(d.msg, "columns: time, x"));
    elstm_data_free(&ds);
    /* 30-minute data for an hourly model */
    char *c = make_csv(30, ramp, NULL, 30);
    elstm_diag_clear(&d);
    st = elstm_data_load_meta_buffer("halfhour.csv", c, strlen(c), &meta, &ds, &d);
    TEST_TRUE("a different interval is refused", st == ELSTM_ERR_DATA && strstr(d.msg, "30 min") &&
                                                     strstr(d.msg, "1 h"));
    elstm_data_free(&ds);
    free(c);
    /* exactly `steps` rows are enough for a reload (one input window, e.g. predict --last) */
    c = make_csv(5, ramp, NULL, 60);
    elstm_diag_clear(&d);
    st = elstm_data_load_meta_buffer("five.csv", c, strlen(c), &meta, &ds, &d);
    TEST_TRUE("steps rows suffice for a reload", st == ELSTM_OK && ds.rows == 5);
    elstm_data_free(&ds);
    free(c);
    c = make_csv(4, ramp, NULL, 60);
    elstm_diag_clear(&d);
    st = elstm_data_load_meta_buffer("four.csv", c, strlen(c), &meta, &ds, &d);
    TEST_TRUE("fewer than steps rows do not", st == ELSTM_ERR_DATA && strstr(d.msg, "windows of 5 rows"));
    elstm_data_free(&ds);
    free(c);
    free(b);
}

int main(void)
{
    test_suite("data_windows");
    ramp_windows();
    gaps();
    missing_runs();
    reload();
    return test_done();
}
