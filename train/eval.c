/*
 * eval.c - forecasts with a trained model over many windows, and honest evaluation:
 * the model's errors in the target's units beside persistence and one-day-seasonal
 * baselines on exactly the same windows, per forecast step, and the coverage of its
 * prediction intervals; split-conformal calibration of those intervals
 * (docs/training.md, "Evaluation" and "Prediction intervals").
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/infer.h"
#include "edgelstm/train.h"

elstm_status elstm_forecaster_forecast(const elstm_forecaster *f, const float *x, const size_t *starts,
                                       size_t n, int threads, float *out, elstm_diag *diag)
{
    const elstm_lstm_f32 *m = &f->lstm;
    if (f->n_layers > 1)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, NULL, 0,
                              "the model has %d stacked LSTM layers; forecasting over windows takes one",
                              (int)f->n_layers);
    if (m->n_output < 1)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, NULL, 0,
                              "the model has no dense outputs; forecasting needs at least one");
    if (threads < 1) threads = 1;
    if (threads > ELSTM_INFER_MAX_THREADS) threads = ELSTM_INFER_MAX_THREADS;
    const size_t I = (size_t)m->n_input;
    switch (f->dtype) {
    case ELSTM_FORECASTER_S8:
        return elstm_infer_windows_s8(&f->net8, x, I, starts, n, f->steps, threads, out, diag);
    case ELSTM_FORECASTER_S16:
        return elstm_infer_windows_s16(&f->net16, x, I, starts, n, f->steps, threads, out, diag);
    default:
        return elstm_infer_windows(m, x, I, starts, n, f->steps, threads, out, NULL, diag);
    }
}

/* A float model as a forecaster (no storage of its own). */
static elstm_forecaster wrap(const elstm_lstm_f32 *m, int32_t steps)
{
    elstm_forecaster f;
    memset(&f, 0, sizeof f);
    f.lstm = *m;
    f.n_layers = 1;
    f.dtype = ELSTM_FORECASTER_F32;
    f.steps = steps;
    return f;
}

elstm_status elstm_forecast_windows(const elstm_lstm_f32 *m, int steps, const float *x,
                                    const size_t *starts, size_t n, int threads, float *out,
                                    elstm_diag *diag)
{
    elstm_forecaster f = wrap(m, steps);
    return elstm_forecaster_forecast(&f, x, starts, n, threads, out, diag);
}

/* The normalized forecasts of the windows at starts of a dataset read with the model's
 * metadata: a stateful model's sample by sample with the state carried, any other over
 * its windows (float32 or integer). */
elstm_status elstm_forecaster_forecast_data(const elstm_forecaster *f, const elstm_dataset *ds, const size_t *starts,
                                            size_t n, int threads, float *out, elstm_diag *diag)
{
    if (ds->meta.stateful) {
        if (f->dtype != ELSTM_FORECASTER_F32 || f->n_layers > 1)
            return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, ds->path, 0,
                                  "a stateful model runs sample by sample as one float32 LSTM layer only");
        return elstm_stream_forecast_windows(&f->lstm, ds, starts, n, out, diag);
    }
    if (f->steps != ds->meta.steps)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0, "the model takes windows of %d steps but the data has %d",
                              (int)f->steps, ds->meta.steps);
    return elstm_forecaster_forecast(f, ds->x, starts, n, threads, out, diag);
}

elstm_status elstm_forecast_data(const elstm_lstm_f32 *m, const elstm_dataset *ds, const size_t *starts, size_t n,
                                 int threads, float *out, elstm_diag *diag)
{
    elstm_forecaster f = wrap(m, ds->meta.steps);
    return elstm_forecaster_forecast_data(&f, ds, starts, n, threads, out, diag);
}

/* Forecasts in the target's units of the windows at starts (float32 or integer models). */
static elstm_status forecast_units(const elstm_forecaster *f, const elstm_dataset *ds, const size_t *starts,
                                   size_t n, int threads, double *out, elstm_diag *diag)
{
    const elstm_lstm_f32 *m = &f->lstm;
    const size_t O = (size_t)elstm_meta_outputs(&ds->meta), I = (size_t)ds->n_inputs;
    if ((size_t)m->n_output != O || m->n_input != ds->n_inputs)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                              "the model takes %d inputs and gives %d outputs but the data has %d inputs and "
                              "%zu forecast steps", (int)m->n_input, (int)m->n_output, ds->n_inputs, O);
    float *yn = malloc((n ? n : 1) * O * sizeof *yn);
    if (!yn) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory forecasting %zu windows", n);
    elstm_status st = elstm_forecaster_forecast_data(f, ds, starts, n, threads, yn, diag);
    for (size_t k = 0; st == ELSTM_OK && k < n; k++) {
        const float *last = ds->x + elstm_data_last_row(ds, starts[k]) * I;
        for (size_t j = 0; j < O; j++) out[k * O + j] = elstm_meta_forecast(&ds->meta, yn[k * O + j], last);
    }
    free(yn);
    return st;
}

elstm_status elstm_forecast_units(const elstm_lstm_f32 *m, const elstm_dataset *ds, const size_t *starts,
                                  size_t n, int threads, double *out, elstm_diag *diag)
{
    elstm_forecaster f = wrap(m, ds->meta.steps);
    return forecast_units(&f, ds, starts, n, threads, out, diag);
}

float *elstm_dataset_targets_norm(const elstm_dataset *ds)
{
    float *t = malloc((ds->rows ? ds->rows : 1) * sizeof *t);
    if (!t) return NULL;
    for (size_t r = 0; r < ds->rows; r++)
        t[r] = ds->y && !isnan(ds->y[r])
                   ? (float)elstm_meta_normalize(ds->y[r], ds->meta.target_min, ds->meta.target_max)
                   : NAN;
    return t;
}

static const char *split_name(int split)
{
    static const char *names[] = {"train", "val", "test"};
    return split >= 0 && split < ELSTM_SPLITS ? names[split] : "all";
}

/* The windows of a split of several datasets, pooled: forecasts and actual values
 * [n][O], persistence [n] and seasonal [n][O] (NAN where none), target units, and the row
 * of each window's first target [n]. */
typedef struct pooled {
    size_t n;
    int O;
    double *pred, *act, *pers, *seas;
    size_t *row;
} pooled;

static void pooled_free(pooled *p)
{
    free(p->pred);
    free(p->act);
    free(p->pers);
    free(p->seas);
    free(p->row);
    memset(p, 0, sizeof *p);
}

static elstm_status pool_windows(const elstm_forecaster *f, const elstm_dataset *const *sets, int n_sets, int split,
                                 int threads, size_t lag, pooled *p, elstm_diag *diag)
{
    const elstm_lstm_f32 *m = &f->lstm;
    memset(p, 0, sizeof *p);
    const char *name = split_name(split);
    const int O = elstm_meta_outputs(&sets[0]->meta);
    size_t n = 0;
    for (int d = 0; d < n_sets; d++) {
        const elstm_dataset *ds = sets[d];
        if (!ds->y)
            return elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0, "the data has no target column to evaluate against");
        if (m->n_input != ds->n_inputs)
            return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                                  "the model takes %d inputs but the data gives %d", (int)m->n_input, ds->n_inputs);
        if (elstm_meta_outputs(&ds->meta) != O)
            return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0, "the data sets forecast different steps");
        for (int s = 0; s < ELSTM_SPLITS; s++)
            if (split < 0 || split == s) n += ds->n_win[s];
    }
    if (n == 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, sets[0]->path, 0,
                              "the %s split has no windows to evaluate (the file is too short for "
                              "%d steps, or the split fractions leave it empty)", name, sets[0]->meta.steps);
    const size_t NO = n * (size_t)O;
    p->n = n;
    p->O = O;
    p->pred = malloc(NO * sizeof *p->pred);
    p->act = malloc(NO * sizeof *p->act);
    p->pers = malloc(n * sizeof *p->pers);
    p->seas = malloc(NO * sizeof *p->seas);
    p->row = malloc(n * sizeof *p->row);
    size_t *starts = NULL;
    elstm_status st = ELSTM_OK;
    if (!p->pred || !p->act || !p->pers || !p->seas || !p->row) {
        st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory evaluating %zu windows", n);
        goto out;
    }
    size_t k0 = 0;
    for (int d = 0; d < n_sets && st == ELSTM_OK; d++) {
        const elstm_dataset *ds = sets[d];
        size_t nd = 0;
        for (int s = 0; s < ELSTM_SPLITS; s++)
            if (split < 0 || split == s) nd += ds->n_win[s];
        free(starts);
        starts = malloc((nd ? nd : 1) * sizeof *starts);
        if (!starts) {
            st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory evaluating %zu windows", n);
            break;
        }
        nd = 0;
        for (int s = 0; s < ELSTM_SPLITS; s++)
            if (split < 0 || split == s) {
                memcpy(starts + nd, ds->win_start[s], ds->n_win[s] * sizeof *starts);
                nd += ds->n_win[s];
            }
        st = forecast_units(f, ds, starts, nd, threads, p->pred + k0 * (size_t)O, diag);
        for (size_t k = 0; st == ELSTM_OK && k < nd; k++) {
            const size_t first = elstm_data_target_row(ds, starts[k]), i = (k0 + k) * (size_t)O;
            p->pers[k0 + k] = ds->y[elstm_data_last_row(ds, starts[k])];
            p->row[k0 + k] = first;
            for (int j = 0; j < O; j++) {
                /* the latest value a whole number of days before the target time that is
                 * known at the window's last row */
                const size_t row = first + (size_t)j, lead = (size_t)elstm_meta_lead(&ds->meta, j);
                const size_t back = lag ? lag * ((lead + lag - 1) / lag) : 0;
                p->act[i + (size_t)j] = ds->y[row];
                p->seas[i + (size_t)j] = lag && row >= back ? ds->y[row - back] : NAN;
            }
        }
        k0 += nd;
    }
out:
    free(starts);
    if (st != ELSTM_OK) pooled_free(p);
    return st;
}

/* Column j of a [n][O] array into col[n]. */
static void column(const double *a, size_t n, int O, int j, double *col)
{
    for (size_t k = 0; k < n; k++) col[k] = a[k * (size_t)O + (size_t)j];
}

static void errors_mean(const elstm_step_result *st, int n_steps, size_t member, elstm_errors *out)
{
    if (n_steps == 1) {
        memcpy(out, (const char *)&st[0] + member, sizeof *out);
        return;
    }
    memset(out, 0, sizeof *out);
    out->n = SIZE_MAX;
    for (int j = 0; j < n_steps; j++) {
        const elstm_errors *e = (const elstm_errors *)((const char *)&st[j] + member);
        out->n = e->n < out->n ? e->n : out->n;
        out->mae += e->mae / n_steps;
        out->rmse += e->rmse / n_steps;
        out->r2 += e->r2 / n_steps;
        out->bias += e->bias / n_steps;
    }
}

/* Coverage, width and interval score of the model's intervals on the pooled windows. */
static void interval_stats(const elstm_meta *meta, const pooled *p, elstm_eval_result *r)
{
    const size_t n = p->n;
    const int O = p->O;
    r->n_intervals = meta->n_intervals;
    for (int l = 0; l < meta->n_intervals; l++) {
        const double level = meta->intervals[l].level, alpha = 1.0 - level / 100.0;
        elstm_interval_result *ir = &r->interval[l];
        size_t inside_all = 0;
        double score = 0.0, width = 0.0;
        ir->level = level;
        ir->coverage_min = INFINITY;
        ir->coverage_max = -INFINITY;
        for (int j = 0; j < O; j++) {
            const double q = meta->intervals[l].halfwidth[j];
            size_t inside = 0;
            for (size_t k = 0; k < n; k++) {
                const double e = fabs(p->act[k * (size_t)O + (size_t)j] - p->pred[k * (size_t)O + (size_t)j]);
                inside += e <= q;
                score += 2.0 * q + (e > q ? 2.0 / alpha * (e - q) : 0.0);
            }
            r->step[j].coverage[l] = (double)inside / (double)n;
            ir->coverage_min = fmin(ir->coverage_min, r->step[j].coverage[l]);
            ir->coverage_max = fmax(ir->coverage_max, r->step[j].coverage[l]);
            inside_all += inside;
            width += 2.0 * q;
        }
        ir->coverage = (double)inside_all / ((double)n * O);
        ir->mean_width = width / O;
        ir->interval_score = score / ((double)n * O);
    }
}

void elstm_eval_series_free(elstm_eval_series *s)
{
    if (!s) return;
    free(s->row);
    free(s->actual);
    free(s->model);
    free(s->persistence);
    free(s->seasonal);
    memset(s, 0, sizeof *s);
}

/* The first step of the pooled windows as a series (the arrays move into it). */
static elstm_status to_series(pooled *p, elstm_eval_series *sr, elstm_diag *diag)
{
    const size_t n = p->n, O = (size_t)p->O;
    sr->n = n;
    sr->row = p->row;
    sr->persistence = p->pers;
    p->row = NULL;
    p->pers = NULL;
    sr->actual = malloc(n * sizeof *sr->actual);
    sr->model = malloc(n * sizeof *sr->model);
    sr->seasonal = malloc(n * sizeof *sr->seasonal);
    if (!sr->actual || !sr->model || !sr->seasonal) {
        elstm_eval_series_free(sr);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory evaluating %zu windows", n);
    }
    for (size_t k = 0; k < n; k++) {
        sr->actual[k] = p->act[k * O];
        sr->model[k] = p->pred[k * O];
        sr->seasonal[k] = p->seas[k * O];
    }
    return ELSTM_OK;
}

static elstm_status eval_sets(const elstm_forecaster *f, const elstm_dataset *const *sets, int n_sets, int split,
                              int threads, elstm_eval_result *r, elstm_eval_series *series, elstm_diag *diag)
{
    memset(r, 0, sizeof *r);
    if (series) memset(series, 0, sizeof *series);
    r->split = split_name(split);
    if (n_sets < 1) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no data to evaluate");
    const elstm_dataset *ds = sets[0];
    const int64_t day = 86400, iv = ds->interval_s;
    r->seasonal_ok = iv > 0 && iv <= day && day % iv == 0;
    const size_t lag = r->seasonal_ok ? (size_t)(day / iv) : 0;
    pooled p;
    elstm_status st = pool_windows(f, sets, n_sets, split, threads, lag, &p, diag);
    if (st != ELSTM_OK) return st;
    double *a = malloc(p.n * sizeof *a), *b = malloc(p.n * sizeof *b), *c = malloc(p.n * sizeof *c);
    if (!a || !b || !c) {
        st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory evaluating %zu windows", p.n);
        goto out;
    }
    if (!r->seasonal_ok)
        snprintf(r->note, sizeof r->note,
                 "no seasonal baseline: the interval of %lld s does not divide a day", (long long)iv);
    r->n = p.n;
    r->n_steps = p.O;
    r->stateful = ds->meta.stateful;
    for (int j = 0; j < p.O; j++) {
        elstm_step_result *sr = &r->step[j];
        sr->lead = elstm_meta_lead(&ds->meta, j);
        column(p.act, p.n, p.O, j, a);
        column(p.pred, p.n, p.O, j, b);
        elstm_errors_compute(b, a, p.n, &sr->model);
        elstm_errors_compute(p.pers, a, p.n, &sr->persistence);
        if (r->seasonal_ok) {
            column(p.seas, p.n, p.O, j, c);
            elstm_errors_compute(c, a, p.n, &sr->seasonal);
        }
    }
    errors_mean(r->step, p.O, offsetof(elstm_step_result, model), &r->model);
    errors_mean(r->step, p.O, offsetof(elstm_step_result, persistence), &r->persistence);
    if (r->seasonal_ok) {
        errors_mean(r->step, p.O, offsetof(elstm_step_result, seasonal), &r->seasonal);
        if (r->seasonal.n < p.n)
            snprintf(r->note, sizeof r->note,
                     "seasonal baseline on %zu of %zu windows (the others have no value one day earlier)",
                     r->seasonal.n, p.n);
    }
    interval_stats(&ds->meta, &p, r);
    if (series) st = to_series(&p, series, diag);
out:
    free(a);
    free(b);
    free(c);
    pooled_free(&p);
    return st;
}

elstm_status elstm_eval_sets(const elstm_lstm_f32 *m, const elstm_dataset *const *sets, int n_sets,
                             int split, int threads, elstm_eval_result *r, elstm_diag *diag)
{
    elstm_forecaster f = wrap(m, n_sets > 0 ? sets[0]->meta.steps : 0);
    return eval_sets(&f, sets, n_sets, split, threads, r, NULL, diag);
}

elstm_status elstm_eval_split(const elstm_lstm_f32 *m, const elstm_dataset *ds, int split,
                              int threads, elstm_eval_result *r, elstm_diag *diag)
{
    elstm_forecaster f = wrap(m, ds->meta.steps);
    return eval_sets(&f, &ds, 1, split, threads, r, NULL, diag);
}

elstm_status elstm_eval_split_series(const elstm_lstm_f32 *m, const elstm_dataset *ds, int split,
                                     int threads, elstm_eval_result *r, elstm_eval_series *series,
                                     elstm_diag *diag)
{
    elstm_forecaster f = wrap(m, ds->meta.steps);
    return eval_sets(&f, &ds, 1, split, threads, r, series, diag);
}

elstm_status elstm_forecaster_eval(const elstm_forecaster *f, const elstm_dataset *ds, int split,
                                   int threads, elstm_eval_result *r, elstm_diag *diag)
{
    return eval_sets(f, &ds, 1, split, threads, r, NULL, diag);
}

elstm_status elstm_forecaster_eval_series(const elstm_forecaster *f, const elstm_dataset *ds, int split,
                                          int threads, elstm_eval_result *r, elstm_eval_series *series,
                                          elstm_diag *diag)
{
    return eval_sets(f, &ds, 1, split, threads, r, series, diag);
}

elstm_status elstm_forecaster_eval_sets(const elstm_forecaster *f, const elstm_dataset *const *sets, int n_sets,
                                        int split, int threads, elstm_eval_result *r, elstm_diag *diag)
{
    return eval_sets(f, sets, n_sets, split, threads, r, NULL, diag);
}

/* ---- split-conformal intervals --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The rank (1-based) of the conformal quantile of n residuals at `level` per cent:
 * k = ceil((n + 1) level / 100), with a little slack so that e.g. 99 x 0.8 is 79.2 and
 * 19 x 0.95 = 18.05 (not 18.05000001 -> 19) when exact decimals meet binary rounding.
 * Above n when the residuals are too few for the level. */
static size_t conformal_rank(size_t n, double level)
{
    const double kk = ceil((double)(n + 1) * level / 100.0 - 1e-9);
    return kk < 1 ? 1 : kk > (double)n ? n + 1 : (size_t)kk;
}

double elstm_conformal_quantile(double *r, size_t n, double level)
{
    const size_t k = conformal_rank(n, level);
    if (n == 0 || k > n) return INFINITY;
    qsort(r, n, sizeof *r, cmp_double);
    return r[k - 1];
}

size_t elstm_conformal_min_windows(double level)
{
    size_t n = 1;
    while (conformal_rank(n, level) > n) n++;
    return n;
}

static elstm_status check_levels(const double *levels, int n_levels, elstm_diag *diag)
{
    if (n_levels < 1 || n_levels > ELSTM_META_MAX_LEVELS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "1 to %d interval levels, not %d", ELSTM_META_MAX_LEVELS,
                              n_levels);
    for (int l = 0; l < n_levels; l++)
        if (!(levels[l] > 0 && levels[l] < 100) || (l > 0 && !(levels[l] > levels[l - 1])))
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                  "interval levels must be per cents above 0 and below 100, each above the one "
                                  "before (e.g. 80,95), not %g", levels[l]);
    return ELSTM_OK;
}

static elstm_status too_few(elstm_diag *diag, const char *path, size_t n, int split, double level)
{
    return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0,
                          "%zu %s windows are too few for a %g%% interval (it needs at least %zu); "
                          "use a larger --split VAL or lower levels", n, split_name(split), level,
                          elstm_conformal_min_windows(level));
}

static elstm_status no_windows(elstm_diag *diag, const char *path, int split)
{
    return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0,
                          "prediction intervals are calibrated on the %s split, which has no windows; give "
                          "it some rows (--split) or leave the intervals out", split_name(split));
}

elstm_status elstm_conformal_fit(const elstm_lstm_f32 *m, const elstm_dataset *const *sets, int n_sets,
                                 int split, const double *levels, int n_levels, int threads,
                                 elstm_meta *meta, elstm_diag *diag)
{
    elstm_status st = check_levels(levels, n_levels, diag);
    if (st != ELSTM_OK) return st;
    pooled p;
    size_t nwin = 0;
    for (int d = 0; d < n_sets; d++) nwin += sets[d]->n_win[split];
    if (nwin == 0) return no_windows(diag, sets[0]->path, split);
    elstm_forecaster f = wrap(m, sets[0]->meta.steps);
    st = pool_windows(&f, sets, n_sets, split, threads, 0, &p, diag);
    if (st != ELSTM_OK) return st;
    double *res = malloc(p.n * sizeof *res);
    if (!res) {
        pooled_free(&p);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory calibrating the intervals");
    }
    for (int l = 0; l < n_levels && st == ELSTM_OK; l++) {
        meta->intervals[l].level = levels[l];
        for (int j = 0; j < p.O && st == ELSTM_OK; j++) {
            for (size_t k = 0; k < p.n; k++)
                res[k] = fabs(p.act[k * (size_t)p.O + (size_t)j] - p.pred[k * (size_t)p.O + (size_t)j]);
            const double q = elstm_conformal_quantile(res, p.n, levels[l]);
            if (!isfinite(q)) st = too_few(diag, sets[0]->path, p.n, split, levels[l]);
            meta->intervals[l].halfwidth[j] = q;
        }
    }
    if (st == ELSTM_OK) {
        meta->n_intervals = n_levels;
        meta->n_calib = p.n;
    } else {
        meta->n_intervals = 0;
    }
    free(res);
    pooled_free(&p);
    return st;
}

/* ---- the same over the windows of several processes ------------------------------------- */

/* The bits of a residual >= 0 (+0, never -0, and no NaN): for such doubles the order of
 * the bit patterns as unsigned integers is the order of the values. */
static uint64_t residual_bits(double r)
{
    uint64_t u;
    memcpy(&u, &r, sizeof u);
    return u;
}

elstm_status elstm_conformal_fit_dist(const elstm_lstm_f32 *m, const elstm_dataset *const *sets, int n_sets,
                                      int split, const double *levels, int n_levels, int threads,
                                      elstm_allreduce_fn allreduce, void *user, elstm_meta *meta, elstm_diag *diag)
{
    elstm_status st = check_levels(levels, n_levels, diag);
    if (st != ELSTM_OK) return st; /* the same in every process */
    const int O = elstm_meta_outputs(&sets[0]->meta), L = n_levels;
    const size_t T = (size_t)L * (size_t)O; /* one selection per level and output */
    size_t nloc = 0;
    for (int d = 0; d < n_sets; d++) nloc += sets[d]->n_win[split];
    /* my residuals, then how many there are everywhere and whether every process has them */
    pooled p;
    memset(&p, 0, sizeof p);
    elstm_diag mine;
    elstm_diag_clear(&mine);
    elstm_status local = ELSTM_OK;
    if (nloc > 0) {
        elstm_forecaster f = wrap(m, sets[0]->meta.steps);
        local = pool_windows(&f, sets, n_sets, split, threads, 0, &p, &mine);
    }
    uint64_t *prefix = calloc(T, sizeof *prefix);
    size_t *k = calloc(T, sizeof *k);
    int64_t *hist = calloc(T * 256, sizeof *hist);
    if (local == ELSTM_OK && (!prefix || !k || !hist))
        local = elstm_diag_set(&mine, ELSTM_ERR_NOMEM, NULL, 0, "out of memory calibrating the intervals");
    int64_t head[2] = {local == ELSTM_OK ? (int64_t)nloc : 0, local != ELSTM_OK};
    if (allreduce && (st = allreduce(user, head, 2, diag)) != ELSTM_OK) goto out;
    if (local != ELSTM_OK) {
        *diag = mine;
        st = local;
        goto out;
    }
    if (head[1]) {
        st = elstm_diag_set(diag, ELSTM_ERR_INTERRUPTED, NULL, 0,
                            "stopped: another process could not forecast its %s windows", split_name(split));
        goto out;
    }
    const size_t n = (size_t)head[0];
    if (n == 0) {
        st = no_windows(diag, NULL, split);
        goto out;
    }
    for (int l = 0; l < L; l++) {
        if ((k[(size_t)l * O] = conformal_rank(n, levels[l])) > n) {
            st = too_few(diag, NULL, n, split, levels[l]);
            goto out;
        }
        for (int j = 1; j < O; j++) k[(size_t)l * O + j] = k[(size_t)l * O];
    }
    /* The k-th smallest residual over every process, exactly: a radix selection on the
     * residuals' bits, 8 bits at a time from the top. Each pass counts, for every
     * selection, the residuals that share the bits found so far by their next 8 bits,
     * sums the counts over the processes (one all-reduce of T x 256 integers) and keeps
     * the byte in which the k-th falls. The result is one of the residuals, the same the
     * sorted list of all of them gives (elstm_conformal_fit), for any spread of the series. */
    for (int shift = 56; shift >= 0; shift -= 8) {
        const uint64_t high = shift == 56 ? 0 : ~UINT64_C(0) << (shift + 8);
        memset(hist, 0, T * 256 * sizeof *hist);
        for (size_t w = 0; w < p.n; w++)
            for (int j = 0; j < O; j++) {
                const size_t i = w * (size_t)O + (size_t)j;
                const uint64_t u = residual_bits(fabs(p.act[i] - p.pred[i]));
                for (int l = 0; l < L; l++) {
                    const size_t t = (size_t)l * O + (size_t)j;
                    if ((u & high) == prefix[t]) hist[t * 256 + ((u >> shift) & 255)]++;
                }
            }
        if (allreduce && (st = allreduce(user, hist, T * 256, diag)) != ELSTM_OK) goto out;
        for (size_t t = 0; t < T; t++) {
            size_t below = 0;
            int b = 0;
            while (b < 255 && below + (size_t)hist[t * 256 + (size_t)b] < k[t]) below += (size_t)hist[t * 256 + (size_t)b++];
            prefix[t] |= (uint64_t)b << shift;
            k[t] -= below;
        }
    }
    for (int l = 0; l < L; l++) {
        meta->intervals[l].level = levels[l];
        for (int j = 0; j < O; j++) memcpy(&meta->intervals[l].halfwidth[j], &prefix[(size_t)l * O + j], sizeof(double));
    }
    meta->n_intervals = n_levels;
    meta->n_calib = n;
out:
    if (st != ELSTM_OK) meta->n_intervals = 0;
    free(prefix);
    free(k);
    free(hist);
    pooled_free(&p);
    return st;
}
