/* test_intervals.c - split-conformal prediction intervals and their evaluation, on a
 * synthetic series with known noise: a random walk whose steps are Gaussian (sd 2), so
 * that the persistence forecast's error h steps ahead is N(0, 2 sqrt(h)) and its 80% and
 * 95% intervals are +-1.2816 and +-1.9600 times that. The model is an LSTM with zero
 * weights in delta mode: it forecasts the last value, i.e. persistence. The coverage, the
 * mean width and the interval score that eval reports are recomputed here from the raw
 * values; the conformal quantile is checked on hand-computed cases. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/train.h"
#include "elstm_test.h"

enum { ROWS = 6000, STEPS = 4, H = 3, VAL_END = 3000 };

static uint64_t rng = 2024;
static double gauss(void) /* Box-Muller */
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        u[i] = ((double)(rng >> 11) + 0.5) * 0x1.0p-53;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * M_PI * u[1]);
}

/* The walk in steps of 1/64 (so that y and its normalized value are exact in float),
 * scaled with a range of 1024; windows: validation starts [0, VAL_END - 6], test the rest. */
static void make(elstm_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
    strcpy(ds->path, "walk.csv");
    ds->rows = ROWS;
    ds->interval_s = 3600;
    ds->n_inputs = 1;
    ds->meta.n_inputs = 1;
    ds->meta.steps = STEPS;
    ds->meta.horizon = 1;
    ds->meta.outputs = H;
    ds->meta.target_mode = ELSTM_TARGET_DELTA;
    ds->meta.target_input = 0;
    ds->x = calloc(ROWS, sizeof(float));
    ds->y = calloc(ROWS, sizeof(double));
    double v = 0.0, lo = 0.0;
    for (int r = 0; r < ROWS; r++) {
        ds->y[r] = v;
        lo = fmin(lo, v);
        v += round(2.0 * gauss() * 64.0) / 64.0;
    }
    ds->meta.target_min = floor(lo);
    ds->meta.target_max = ds->meta.target_min + 1024.0;
    for (int r = 0; r < ROWS; r++) ds->x[r] = (float)((ds->y[r] - ds->meta.target_min) / 1024.0);
    const size_t span = STEPS + H - 1; /* rows from a window's start to its last target */
    size_t first[3] = {0, 0, VAL_END}, end[3] = {0, VAL_END, ROWS};
    for (int s = 1; s < 3; s++) {
        ds->n_win[s] = end[s] - first[s] - span;
        ds->win_start[s] = malloc(ds->n_win[s] * sizeof(size_t));
        for (size_t k = 0; k < ds->n_win[s]; k++) ds->win_start[s][k] = first[s] + k;
    }
    ds->win_start[0] = malloc(sizeof(size_t));
}

static void release(elstm_dataset *ds)
{
    free(ds->x);
    free(ds->y);
    for (int s = 0; s < 3; s++) free(ds->win_start[s]);
}

int main(void)
{
    test_suite("intervals");
    /* the conformal quantile: the ceil((n + 1) level / 100)-th smallest */
    double r5[] = {5, 1, 4, 2, 3};
    TEST_NEAR("n 5, 50%: the 3rd smallest", elstm_conformal_quantile(r5, 5, 50), 3, 0);
    double r4[] = {0.4, 0.1, 0.3, 0.2};
    TEST_NEAR("n 4, 80%: ceil(4) = the 4th", elstm_conformal_quantile(r4, 4, 80), 0.4, 0);
    double r9[] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    TEST_NEAR("n 9, 80%: exactly k = 8 (no rounding up past it)", elstm_conformal_quantile(r9, 9, 80), 8, 0);
    double r10[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    TEST_TRUE("n 10, 95%: k = 11 > n -> infinite (too few)", isinf(elstm_conformal_quantile(r10, 10, 95)));

    static float zeros[8 * 8 * 4];
    float bd[H] = {0, 0, 0};
    const elstm_lstm_f32 m = {1, 8, H, 0.0f, {zeros, zeros, zeros, zeros}, {zeros, zeros, zeros, zeros},
                              {NULL, NULL, NULL, NULL}, zeros, bd, NULL};
    elstm_dataset ds;
    make(&ds);
    const elstm_dataset *sets[1] = {&ds};
    elstm_diag d;
    elstm_diag_clear(&d);
    const double levels[2] = {80, 95};
    elstm_status s = elstm_conformal_fit(&m, sets, 1, ELSTM_SPLIT_VAL, levels, 2, 2, &ds.meta, &d);
    if (!test_report(s == ELSTM_OK, "intervals calibrate on the validation windows", "%s", d.msg)) return test_done();
    TEST_TRUE("two levels, one half-width per step, the calibration count",
              ds.meta.n_intervals == 2 && ds.meta.n_calib == ds.n_win[1] && ds.meta.intervals[1].level == 95);
    const double z[2] = {1.2815516, 1.9599640};
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < H; j++) {
            const double want = z[l] * 2.0 * sqrt(j + 1.0), got = ds.meta.intervals[l].halfwidth[j];
            char what[128];
            snprintf(what, sizeof what, "%g%% half-width at h=%d is the known noise's quantile (%.3f)", levels[l], j + 1,
                     want);
            test_report(fabs(got - want) < 0.08 * want, what, "got %.4f", got);
        }

    elstm_eval_result *r = malloc(sizeof *r);
    s = elstm_eval_split(&m, &ds, ELSTM_SPLIT_TEST, 2, r, &d);
    if (!test_report(s == ELSTM_OK && r->n_intervals == 2 && r->n_steps == H, "eval reports the intervals", "%s",
                     d.msg))
        return test_done();
    /* recomputed from the raw values: the forecast is the window's last value */
    int same = 1;
    for (int l = 0; l < 2; l++) {
        const double alpha = 1.0 - levels[l] / 100.0;
        size_t inside_all = 0;
        double score = 0.0, width = 0.0;
        for (int j = 0; j < H; j++) {
            const double q = ds.meta.intervals[l].halfwidth[j];
            size_t inside = 0;
            for (size_t k = 0; k < ds.n_win[2]; k++) {
                const size_t last = ds.win_start[2][k] + STEPS - 1;
                const double e = fabs(ds.y[last + 1 + (size_t)j] - ds.y[last]);
                inside += e <= q;
                score += 2 * q + (e > q ? 2 / alpha * (e - q) : 0.0);
            }
            const double cov = (double)inside / (double)ds.n_win[2];
            same &= r->step[j].coverage[l] == cov;
            inside_all += inside;
            width += 2 * q;
            char what[128];
            snprintf(what, sizeof what, "%g%% interval covers %g%% of the test windows at h=%d, within 3 points",
                     levels[l], levels[l], j + 1);
            test_report(fabs(100 * cov - levels[l]) <= 3.0, what, "coverage %.2f%%", 100 * cov);
        }
        const double n = (double)ds.n_win[2] * H;
        same &= fabs(r->interval[l].coverage - (double)inside_all / n) < 1e-12 &&
                fabs(r->interval[l].mean_width - width / H) < 1e-12 &&
                fabs(r->interval[l].interval_score - score / n) < 1e-9 * score / n;
    }
    TEST_TRUE("eval's coverage per step, overall coverage, mean width and interval score equal the direct computation",
              same);
    /* the persistence baseline is the model here: equal errors */
    TEST_TRUE("a zero model in delta mode forecasts the last value (its RMSE is persistence's)",
              fabs(r->step[2].model.rmse - r->step[2].persistence.rmse) < 1e-12 && r->step[0].lead == 1 &&
                  r->step[2].lead == 3);
    free(r);

    /* elstm_conformal_fit_dist selects the quantiles by the residuals' bits (counts summed
     * over processes; none here): the same half-widths as sorting them, bit for bit, for
     * many levels, whether the windows are one dataset or spread over two */
    {
        const double many[6] = {10, 50, 80, 90, 95, 99};
        elstm_meta a = ds.meta, b = ds.meta, c = ds.meta;
        elstm_dataset h0 = ds, h1 = ds; /* the validation windows in two halves */
        h0.n_win[1] = ds.n_win[1] / 2;
        h1.n_win[1] = ds.n_win[1] - h0.n_win[1];
        h1.win_start[1] = ds.win_start[1] + h0.n_win[1];
        h0.n_win[2] = h1.n_win[2] = 0;
        const elstm_dataset *halves[2] = {&h0, &h1};
        elstm_status s1 = elstm_conformal_fit(&m, sets, 1, ELSTM_SPLIT_VAL, many, 6, 1, &a, &d);
        elstm_status s2 = elstm_conformal_fit_dist(&m, sets, 1, ELSTM_SPLIT_VAL, many, 6, 2, NULL, NULL, &b, &d);
        elstm_status s3 = elstm_conformal_fit_dist(&m, halves, 2, ELSTM_SPLIT_VAL, many, 6, 1, NULL, NULL, &c, &d);
        int eq = s1 == ELSTM_OK && s2 == ELSTM_OK && s3 == ELSTM_OK && b.n_intervals == 6 && c.n_intervals == 6 &&
                 b.n_calib == a.n_calib && c.n_calib == a.n_calib;
        for (int l = 0; eq && l < 6; l++)
            for (int j = 0; j < H; j++)
                eq &= b.intervals[l].level == many[l] && b.intervals[l].halfwidth[j] == a.intervals[l].halfwidth[j] &&
                      c.intervals[l].halfwidth[j] == a.intervals[l].halfwidth[j];
        TEST_TRUE("radix selection over the processes' counts = the sorted residuals (6 levels x 3 steps, 1 or 2 sets)",
                  eq);
        h0.n_win[1] = 6;
        h1.n_win[1] = 4;
        elstm_diag_clear(&d);
        s2 = elstm_conformal_fit_dist(&m, halves, 2, ELSTM_SPLIT_VAL, levels, 2, 1, NULL, NULL, &b, &d);
        TEST_TRUE("spread: 10 validation windows in all are too few for 95%",
                  s2 == ELSTM_ERR_DATA && b.n_intervals == 0 &&
                      strstr(d.msg, "10 val windows are too few for a 95% interval (it needs at least 19)"));
        h0.n_win[1] = 0; /* a series without validation windows, the other with them all */
        h1.n_win[1] = ds.n_win[1];
        h1.win_start[1] = ds.win_start[1];
        s2 = elstm_conformal_fit_dist(&m, halves, 2, ELSTM_SPLIT_VAL, many, 6, 1, NULL, NULL, &b, &d);
        TEST_TRUE("a series without validation windows changes nothing",
                  s2 == ELSTM_OK && b.n_calib == a.n_calib && b.intervals[5].halfwidth[2] == a.intervals[5].halfwidth[2]);
    }

    /* too few validation windows for 95% */
    ds.n_win[1] = 10;
    elstm_diag_clear(&d);
    s = elstm_conformal_fit(&m, sets, 1, ELSTM_SPLIT_VAL, levels, 2, 1, &ds.meta, &d);
    TEST_TRUE("10 validation windows are too few for 95%: one clear error",
              s == ELSTM_ERR_DATA && strstr(d.msg, "10 val windows are too few for a 95% interval (it needs at least 19)"));
    const double bad[2] = {95, 80};
    TEST_TRUE("levels out of order are refused",
              elstm_conformal_fit(&m, sets, 1, ELSTM_SPLIT_VAL, bad, 2, 1, &ds.meta, &d) == ELSTM_ERR_ARG);
    const double hundred[1] = {100};
    TEST_TRUE("a level of 100 is refused",
              elstm_conformal_fit(&m, sets, 1, ELSTM_SPLIT_VAL, hundred, 1, 1, &ds.meta, &d) == ELSTM_ERR_ARG);
    release(&ds);
    return test_done();
}
