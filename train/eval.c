/*
 * eval.c - forecasts with a trained model over many windows, and honest evaluation:
 * the model's errors in the target's units beside persistence and one-day-seasonal
 * baselines on exactly the same windows (docs/training.md, "Evaluation").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/infer.h"
#include "edgelstm/train.h"

elstm_status elstm_forecast_windows(const elstm_lstm_f32 *m, int steps, const float *x,
                                    const size_t *starts, size_t n, int threads, float *out,
                                    elstm_diag *diag)
{
    if (m->n_output != 1)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, NULL, 0,
                              "the model has %d outputs; forecasting needs exactly one", (int)m->n_output);
    if (threads < 1) threads = 1;
    if (threads > ELSTM_INFER_MAX_THREADS) threads = ELSTM_INFER_MAX_THREADS;
    return elstm_infer_windows(m, x, (size_t)m->n_input, starts, n, steps, threads, out, NULL, diag);
}

elstm_status elstm_forecast_data(const elstm_lstm_f32 *m, const elstm_dataset *ds, const size_t *starts, size_t n,
                                 int threads, float *out, elstm_diag *diag)
{
    if (ds->meta.stateful) return elstm_stream_forecast_windows(m, ds, starts, n, out, diag);
    return elstm_forecast_windows(m, ds->meta.steps, ds->x, starts, n, threads, out, diag);
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

elstm_status elstm_eval_split(const elstm_lstm_f32 *m, const elstm_dataset *ds, int split,
                              int threads, elstm_eval_result *r, elstm_diag *diag)
{
    return elstm_eval_split_series(m, ds, split, threads, r, NULL, diag);
}

elstm_status elstm_eval_split_series(const elstm_lstm_f32 *m, const elstm_dataset *ds, int split,
                                     int threads, elstm_eval_result *r, elstm_eval_series *series,
                                     elstm_diag *diag)
{
    memset(r, 0, sizeof *r);
    r->split = split_name(split);
    elstm_eval_series local = {0}, *sr = series ? series : &local;
    memset(sr, 0, sizeof *sr);
    if (!ds->y)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, ds->path, 0, "the data has no target column to evaluate against");
    if (m->n_input != ds->n_inputs)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                              "the model takes %d inputs but the data gives %d", (int)m->n_input, ds->n_inputs);
    size_t n = 0;
    for (int s = 0; s < ELSTM_SPLITS; s++)
        if (split < 0 || split == s) n += ds->n_win[s];
    if (n == 0)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, ds->path, 0,
                              "the %s split has no windows to evaluate (the file is too short for "
                              "%d steps, or the split fractions leave it empty)", r->split, ds->meta.steps);
    size_t *starts = malloc(n * sizeof *starts);
    float *yn = malloc(n * sizeof *yn);
    sr->row = malloc(n * sizeof *sr->row);
    sr->actual = malloc(n * sizeof *sr->actual);
    sr->model = malloc(n * sizeof *sr->model);
    sr->persistence = malloc(n * sizeof *sr->persistence);
    sr->seasonal = malloc(n * sizeof *sr->seasonal);
    elstm_status st = ELSTM_OK;
    if (!starts || !yn || !sr->row || !sr->actual || !sr->model || !sr->persistence || !sr->seasonal) {
        st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory evaluating %zu windows", n);
        goto out;
    }
    n = 0;
    for (int s = 0; s < ELSTM_SPLITS; s++)
        if (split < 0 || split == s) {
            memcpy(starts + n, ds->win_start[s], ds->n_win[s] * sizeof *starts);
            n += ds->n_win[s];
        }
    st = elstm_forecast_data(m, ds, starts, n, threads, yn, diag);
    if (st != ELSTM_OK) goto out;

    const int64_t day = 86400, iv = ds->interval_s;
    r->seasonal_ok = iv > 0 && iv <= day && day % iv == 0;
    const size_t lag = r->seasonal_ok ? (size_t)(day / iv) : 0;
    if (!r->seasonal_ok)
        snprintf(r->note, sizeof r->note,
                 "no seasonal baseline: the interval of %lld s does not divide a day", (long long)iv);
    for (size_t k = 0; k < n; k++) {
        size_t tr = elstm_data_target_row(ds, starts[k]), last = starts[k] + (size_t)ds->meta.steps - 1;
        sr->row[k] = tr;
        sr->model[k] = elstm_meta_denormalize(yn[k], ds->meta.target_min, ds->meta.target_max);
        sr->actual[k] = ds->y[tr];
        sr->persistence[k] = ds->y[last];
        sr->seasonal[k] = r->seasonal_ok && tr >= lag ? ds->y[tr - lag] : NAN;
    }
    sr->n = n;
    r->n = n;
    r->stateful = ds->meta.stateful;
    elstm_errors_compute(sr->model, sr->actual, n, &r->model);
    elstm_errors_compute(sr->persistence, sr->actual, n, &r->persistence);
    if (r->seasonal_ok) {
        elstm_errors_compute(sr->seasonal, sr->actual, n, &r->seasonal);
        if (r->seasonal.n < n)
            snprintf(r->note, sizeof r->note,
                     "seasonal baseline on %zu of %zu windows (the others have no value one day earlier)",
                     r->seasonal.n, n);
    }
out:
    free(starts);
    free(yn);
    elstm_eval_series_free(&local);
    return st;
}
