/* sec_forecast.c - "Forecasts" (the test split against the truth: whole split and the last
 * week, beside persistence) and "Errors" (histogram, MAE by hour of day, the metrics table). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void no_test(report_ctx *c)
{
    char b[160];
    snprintf(b, sizeof b, "The test split has no windows (too few rows after the split at %.0f%% + %.0f%%), so "
                          "there are no forecasts to show.",
             100.0 * c->meta->split_train, 100.0 * c->meta->split_val);
    report_p(c, b);
}

/* Times of the test windows' targets, [n]. */
static double *target_times(const report_ctx *c)
{
    double *x = malloc((c->sr.n ? c->sr.n : 1) * sizeof *x);
    if (x)
        for (size_t k = 0; k < c->sr.n; k++) x[k] = c->t[c->sr.row[k]];
    return x;
}

/* One forecast plot over windows [k0, k1). */
static void forecast_plot(report_ctx *c, const char *id, const char *title, const double *x, size_t k0, size_t k1,
                          const char *caption)
{
    const elstm_eval_series *s = &c->sr;
    const size_t n = k1 - k0;
    double lo, hi, a, z;
    range_of(s->actual + k0, n, &lo, &hi);
    range_of(s->model + k0, n, &a, &z);
    lo = fmin(lo, a), hi = fmax(hi, z);
    range_of(s->persistence + k0, n, &a, &z);
    lo = fmin(lo, a), hi = fmax(hi, z);
    if (c->cmp) {
        range_of(c->sr_cmp.model + k0, n, &a, &z);
        lo = fmin(lo, a), hi = fmax(hi, z);
    }
    char ylab[120];
    snprintf(ylab, sizeof ylab, "%s (file units)", c->meta->target);
    plot p;
    plot_begin(&p, c->b, id, title, PLOT_W, 340);
    plot_x(&p, SCALE_TIME, x[k0], x[k1 - 1], "time of the forecast value");
    plot_y(&p, SCALE_LINEAR, lo, hi, ylab);
    int decimate = (double)n > plot_frame_width(PLOT_W);
    plot_key(&p, KEY_LINE, "truth", decimate ? "actual (mean per pixel column)" : "actual");
    if (decimate) plot_key(&p, KEY_BAND, "truth", "actual, min to max per pixel column");
    plot_key(&p, KEY_LINE, "model", "model forecast");
    if (c->cmp) plot_key(&p, KEY_LINE, "cmp", c->cmp_name);
    plot_key(&p, KEY_DASH, "pers", "persistence (last value of the window)");
    plot_frame(&p);
    const double gap = 1.5 * (double)c->ds->interval_s; /* windows missing around gaps break the lines */
    plot_line(&p, x + k0, s->actual + k0, n, gap, "truth");
    p.no_band = 1;
    plot_line(&p, x + k0, s->persistence + k0, n, gap, "pers");
    if (c->cmp) plot_line(&p, x + k0, c->sr_cmp.model + k0, n, gap, "cmp");
    plot_line(&p, x + k0, s->model + k0, n, gap, "model");
    report_plot_end(c, &p, caption);
}

void sec_forecasts(report_ctx *c)
{
    report_section_begin(c, "forecasts", "Forecasts on the test split");
    if (!c->have_eval) {
        no_test(c);
        report_section_end(c);
        return;
    }
    const elstm_eval_series *s = &c->sr;
    double *x = target_times(c);
    if (!x) {
        c->b->failed = 1;
        return;
    }
    char h[32], cap[400], title[200];
    fmt_duration((double)c->meta->horizon * (double)c->ds->interval_s, h, sizeof h);
    snprintf(cap, sizeof cap, "Each point is one test window's forecast, %s after the window's last row, at the time it "
                              "forecasts; persistence forecasts the value at the window's last row.", h);
    report_p(c, "The model's forecasts of the test split, in the target's units, against what happened. The test "
                "rows come after every row the model was trained or validated on.");
    snprintf(title, sizeof title, "%s: forecasts and actual values over the whole test split", c->meta->target);
    forecast_plot(c, "forecast-all", title, x, 0, s->n, cap);
    /* the last week of the split (all of it when shorter) */
    const double week = 7 * 86400.0, t_end = x[s->n - 1];
    size_t k0 = 0;
    while (k0 < s->n && x[k0] <= t_end - week) k0++;
    char t0[32], t1[32];
    snprintf(title, sizeof title, "%s: the last week of the test split, %s to %s", c->meta->target,
             fmt_time(x[k0], t0, sizeof t0), fmt_time(t_end, t1, sizeof t1));
    snprintf(cap, sizeof cap, "%s %s", k0 == 0 ? "The test split is a week or shorter: this is all of it." :
                                                 "A zoom on the last seven days of the plot above.",
             "Where the actual line steps first and persistence follows one horizon later, the model has to "
             "anticipate.");
    forecast_plot(c, "forecast-week", title, x, k0, s->n, cap);
    free(x);
    report_section_end(c);
}

/* ---- errors ------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of the finite values of v[n] (sorted copy). */
static double quantile(const double *v, size_t n, double q)
{
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) s[m++] = v[i];
    double r = NAN;
    if (m) {
        qsort(s, m, sizeof *s, cmp_double);
        r = s[(size_t)floor(q * (double)(m - 1))];
    }
    free(s);
    return r;
}

/* Errors (forecast - actual) of one forecast, [n]. */
static double *errors_of(const elstm_eval_series *s, const double *f)
{
    double *e = malloc((s->n ? s->n : 1) * sizeof *e);
    if (e)
        for (size_t k = 0; k < s->n; k++) e[k] = f[k] - s->actual[k];
    return e;
}

/* Share of the errors (percent) in each bin; values outside go to the edge bins. */
static void histogram(const double *e, size_t n, double lo, double w, int bins, double *share, size_t *outside)
{
    size_t used = 0;
    for (int i = 0; i < bins; i++) share[i] = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(e[k])) continue;
        double f = floor((e[k] - lo) / w);
        if (f < 0 || f >= bins) (*outside)++;
        int i = f < 0 ? 0 : f >= bins ? bins - 1 : (int)f;
        share[i] += 1;
        used++;
    }
    for (int i = 0; i < bins; i++) share[i] = used ? 100.0 * share[i] / (double)used : NAN;
}

static void error_histogram(report_ctx *c)
{
    const elstm_eval_series *s = &c->sr;
    double *em = errors_of(s, s->model), *ep = errors_of(s, s->persistence),
           *ec = c->cmp ? errors_of(&c->sr_cmp, c->sr_cmp.model) : NULL;
    enum { MAX_BINS = 80 };
    double lo[MAX_BINS], hi[MAX_BINS], hm[MAX_BINS], hp[MAX_BINS], hc[MAX_BINS];
    if (!em || !ep || (c->cmp && !ec)) {
        c->b->failed = 1;
        goto out;
    }
    /* symmetric range covering 99% of both forecasts' errors */
    double r = 0;
    double q[4] = {quantile(em, s->n, 0.005), quantile(em, s->n, 0.995), quantile(ep, s->n, 0.005),
                   quantile(ep, s->n, 0.995)};
    for (int i = 0; i < 4; i++)
        if (isfinite(q[i]) && fabs(q[i]) > r) r = fabs(q[i]);
    if (!(r > 0)) r = 1;
    double w = nice_step(2 * r, 40);
    int half = (int)ceil(r / w);
    if (half > MAX_BINS / 2) half = MAX_BINS / 2;
    int bins = 2 * half;
    double start = -half * w;
    size_t out_m = 0, out_p = 0, out_c = 0;
    histogram(em, s->n, start, w, bins, hm, &out_m);
    histogram(ep, s->n, start, w, bins, hp, &out_p);
    if (ec) histogram(ec, s->n, start, w, bins, hc, &out_c);
    double top = 0;
    for (int i = 0; i < bins; i++) {
        lo[i] = start + i * w;
        hi[i] = lo[i] + w;
        top = fmax(top, fmax(hm[i], hp[i]));
        if (ec) top = fmax(top, hc[i]);
    }
    char xl[120], title[200];
    snprintf(xl, sizeof xl, "error: forecast - actual (%s units)", c->meta->target);
    snprintf(title, sizeof title, "Distribution of the test errors (%s)", c->meta->target);
    plot p;
    plot_begin(&p, c->b, "error-histogram", title, PLOT_W, 320);
    plot_x(&p, SCALE_LINEAR, start, -start, xl);
    plot_y(&p, SCALE_LINEAR, 0, top, "share of test windows (%)");
    plot_key(&p, KEY_BOX, "model", "model");
    if (ec) plot_key(&p, KEY_LINE, "cmp", c->cmp_name);
    plot_key(&p, KEY_LINE, "pers", "persistence");
    plot_frame(&p);
    plot_bars(&p, lo, hi, hm, (size_t)bins, "model");
    if (ec) plot_steps(&p, lo, hi, hc, (size_t)bins, "cmp");
    plot_steps(&p, lo, hi, hp, (size_t)bins, "pers");
    plot_rule(&p, 0, "truth", NULL);
    char cap[300], bw[32];
    snprintf(cap, sizeof cap, "Bins of %s. Positive errors are forecasts above the actual value.%s",
             fmt_sig(w, 3, bw, sizeof bw),
             out_m + out_p + out_c ? " The few errors beyond the range are counted in the outermost bins." : "");
    report_plot_end(c, &p, cap);
out:
    free(em);
    free(ep);
    free(ec);
}

/* MAE of one forecast by hour of day of the target time, [24] (NaN: no window). */
static void mae_by_hour(const report_ctx *c, const elstm_eval_series *s, const double *f, double *mae)
{
    double sum[24] = {0};
    size_t cnt[24] = {0};
    for (size_t k = 0; k < s->n; k++) {
        if (!isfinite(f[k]) || !isfinite(s->actual[k])) continue;
        double sec = fmod(c->t[s->row[k]], 86400.0);
        int h = (int)floor((sec < 0 ? sec + 86400.0 : sec) / 3600.0);
        sum[h] += fabs(f[k] - s->actual[k]);
        cnt[h]++;
    }
    for (int h = 0; h < 24; h++) mae[h] = cnt[h] ? sum[h] / (double)cnt[h] : NAN;
}

static void hour_plot(report_ctx *c)
{
    const elstm_eval_series *s = &c->sr;
    if (c->ds->interval_s >= 86400) {
        report_p(c, "(No error by hour of day: the data has one value a day or fewer.)");
        return;
    }
    double hours[24], m[24], pe[24], se[24], ce[24];
    for (int h = 0; h < 24; h++) hours[h] = h;
    mae_by_hour(c, s, s->model, m);
    mae_by_hour(c, s, s->persistence, pe);
    if (c->ev.seasonal_ok) mae_by_hour(c, s, s->seasonal, se);
    if (c->cmp) mae_by_hour(c, &c->sr_cmp, c->sr_cmp.model, ce);
    double top = 0;
    for (int h = 0; h < 24; h++) {
        if (isfinite(m[h])) top = fmax(top, m[h]);
        if (isfinite(pe[h])) top = fmax(top, pe[h]);
        if (c->ev.seasonal_ok && isfinite(se[h])) top = fmax(top, se[h]);
        if (c->cmp && isfinite(ce[h])) top = fmax(top, ce[h]);
    }
    char yl[120], title[200];
    snprintf(yl, sizeof yl, "mean absolute error (%s units)", c->meta->target);
    snprintf(title, sizeof title, "Mean absolute error by hour of day of the forecast time (test split)");
    plot p;
    plot_begin(&p, c->b, "error-by-hour", title, PLOT_W, 320);
    plot_x(&p, SCALE_LINEAR, -0.5, 23.5, "hour of day (as the file writes time)");
    p.xstep = 3;
    p.xexact = 1;
    plot_y(&p, SCALE_LINEAR, 0, top, yl);
    plot_key(&p, KEY_DOT, "model", "model");
    if (c->cmp) plot_key(&p, KEY_DOT, "cmp", c->cmp_name);
    plot_key(&p, KEY_DOT, "pers", "persistence");
    if (c->ev.seasonal_ok) plot_key(&p, KEY_DOT, "seas", "seasonal (one day before)");
    plot_frame(&p);
    if (c->ev.seasonal_ok) {
        plot_line(&p, hours, se, 24, 1.5, "seas");
        plot_dots(&p, hours, se, 24, "seas");
    }
    plot_line(&p, hours, pe, 24, 1.5, "pers");
    plot_dots(&p, hours, pe, 24, "pers");
    if (c->cmp) {
        plot_line(&p, hours, ce, 24, 1.5, "cmp");
        plot_dots(&p, hours, ce, 24, "cmp");
    }
    plot_line(&p, hours, m, 24, 1.5, "model");
    plot_dots(&p, hours, m, 24, "model");
    report_plot_end(c, &p, "Each point averages the test windows whose forecast time falls in that hour.");
}

static void metrics_row(report_ctx *c, const char *name, const elstm_errors *e, double pers_rmse, int best)
{
    rbuf *b = c->b;
    char n[32], mae[32], rmse[32], r2[32], bias[32], rel[48];
    if (pers_rmse > 0 && isfinite(e->rmse)) {
        double d = 100.0 * (e->rmse / pers_rmse - 1.0);
        char v[32];
        snprintf(rel, sizeof rel, "%s%%", fmt_num(d, 1, v, sizeof v));
        if (d > 0) memmove(rel + 1, rel, strlen(rel) + 1), rel[0] = '+';
    } else {
        snprintf(rel, sizeof rel, "-");
    }
    rb_printf(b, "<tr%s><td>", best ? " class=\"main\"" : "");
    rb_text(b, name);
    rb_printf(b, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                 "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
              elstm_count_format(e->n, n, sizeof n), fmt_sig(e->mae, 4, mae, sizeof mae), fmt_sig(e->rmse, 4, rmse, sizeof rmse),
              fmt_num(e->r2, 4, r2, sizeof r2), fmt_sig(e->bias, 3, bias, sizeof bias), rel);
}

static void metrics_table(report_ctx *c)
{
    const elstm_eval_result *e = &c->ev;
    rbuf *b = c->b;
    rb_puts(b, "<table id=\"metrics\">\n<tr><th>forecast</th><th class=\"n\">windows</th><th class=\"n\">MAE</th>"
               "<th class=\"n\">RMSE</th><th class=\"n\">R&#178;</th><th class=\"n\">bias</th>"
               "<th class=\"n\">RMSE vs persistence</th></tr>\n");
    double pr = e->persistence.rmse;
    metrics_row(c, "model", &e->model, pr, 1);
    if (c->cmp) metrics_row(c, c->cmp_name, &c->ev_cmp.model, pr, 0);
    metrics_row(c, "persistence", &e->persistence, pr, 0);
    if (e->seasonal_ok) metrics_row(c, "seasonal (one day before)", &e->seasonal, pr, 0);
    rb_puts(b, "</table>\n");
    char p[400], n[32];
    snprintf(p, sizeof p, "Errors in the target's units on the same %s test windows. Bias is the mean of forecast "
                          "- actual (positive: forecasts run high); R&#178; = 1 - SSE / SST.%s%s",
             elstm_count_format(e->n, n, sizeof n), e->note[0] ? " Note: " : "", e->note);
    report_p(c, p);
}

void sec_errors(report_ctx *c)
{
    report_section_begin(c, "errors", "Errors");
    if (!c->have_eval) {
        no_test(c);
        report_section_end(c);
        return;
    }
    metrics_table(c);
    error_histogram(c);
    hour_plot(c);
    report_section_end(c);
}
