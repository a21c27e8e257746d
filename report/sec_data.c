/* sec_data.c - "Data": the file, its splits, and every column the model reads over the
 * whole file, with the interpolated values, the long gaps and the split spans marked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A column the model reads: the target, a numeric input, or a compass column (two inputs). */
typedef struct used_col {
    const char *name;
    int target;             /* the target column (its values are ds->y) */
    int k, k_cos;           /* input index (numeric, compass sin) and the compass cos input, or -1 */
} used_col;

static int find_input(const elstm_meta *m, const char *source, elstm_encoding enc)
{
    for (int k = 0; k < m->n_inputs; k++)
        if (m->inputs[k].enc == enc && strcmp(m->inputs[k].source, source) == 0) return k;
    return -1;
}

/* The target first, then each input's source column once, in input order. */
static int used_columns(const elstm_meta *m, used_col *out)
{
    int n = 0;
    out[n++] = (used_col){m->target, 1, -1, -1};
    for (int k = 0; k < m->n_inputs; k++) {
        const elstm_meta_input *in = &m->inputs[k];
        if (in->enc != ELSTM_ENC_NUMERIC && in->enc != ELSTM_ENC_COMPASS_SIN) continue;
        int seen = 0;
        for (int j = 0; j < n; j++) seen |= strcmp(out[j].name, in->source) == 0;
        if (seen) continue;
        out[n++] = in->enc == ELSTM_ENC_NUMERIC
                       ? (used_col){in->source, 0, k, -1}
                       : (used_col){in->source, 0, k, find_input(m, in->source, ELSTM_ENC_COMPASS_COS)};
    }
    return n;
}

/* Physical values of a column on the grid (compass: degrees, NaN when calm) and which of
 * them were interpolated. */
static void column_values(const elstm_dataset *ds, const used_col *u, double *v, uint8_t *missing)
{
    const elstm_meta *m = &ds->meta;
    const size_t I = (size_t)ds->n_inputs;
    for (size_t g = 0; g < ds->rows; g++) {
        if (u->target) {
            v[g] = ds->y[g];
            missing[g] = ds->target_missing[g];
        } else if (u->k_cos < 0) {
            const elstm_meta_input *in = &m->inputs[u->k];
            v[g] = elstm_meta_denormalize(ds->x[g * I + (size_t)u->k], in->min, in->max);
            missing[g] = ds->input_missing[g * I + (size_t)u->k];
        } else {
            const elstm_meta_input *is = &m->inputs[u->k], *ic = &m->inputs[u->k_cos];
            double s = elstm_meta_denormalize(ds->x[g * I + (size_t)u->k], is->min, is->max);
            double c = elstm_meta_denormalize(ds->x[g * I + (size_t)u->k_cos], ic->min, ic->max);
            double deg = atan2(s, c) * 180.0 / 3.14159265358979323846;
            v[g] = hypot(s, c) < 1e-6 ? NAN : (deg < 0 ? deg + 360.0 : deg);
            missing[g] = ds->input_missing[g * I + (size_t)u->k] || ds->input_missing[g * I + (size_t)u->k_cos];
        }
    }
}

static const elstm_column_stats *stats_of(const elstm_dataset *ds, const char *name)
{
    for (int i = 0; i < ds->n_columns; i++)
        if (strcmp(ds->columns[i].name, name) == 0) return &ds->columns[i];
    return NULL;
}

static void split_table(report_ctx *c)
{
    const elstm_dataset *ds = c->ds;
    static const char *const names[ELSTM_SPLITS] = {"train", "validation", "test"};
    rbuf *b = c->b;
    rb_puts(b, "<table>\n<tr><th>split</th><th class=\"n\">grid rows</th><th>from</th><th>to</th>"
               "<th class=\"n\">windows</th></tr>\n");
    size_t lo = 0;
    for (int s = 0; s < ELSTM_SPLITS; s++) {
        size_t hi = ds->split_end[s];
        char r[32], w[32], t0[32], t1[32];
        rb_printf(b, "<tr><td>%s</td><td class=\"n\">%s</td><td>%s</td><td>%s</td><td class=\"n\">%s</td></tr>\n",
                  names[s], elstm_count_format(hi - lo, r, sizeof r), hi > lo ? fmt_time(c->t[lo], t0, sizeof t0) : "-",
                  hi > lo ? fmt_time(c->t[hi - 1], t1, sizeof t1) : "-", elstm_count_format(ds->n_win[s], w, sizeof w));
        lo = hi;
    }
    rb_puts(b, "</table>\n");
}

static void column_table(report_ctx *c, const used_col *cols, int n)
{
    rbuf *b = c->b;
    rb_puts(b, "<table>\n<tr><th>column</th><th>role</th><th>kind</th><th class=\"n\">missing cells</th>"
               "<th class=\"n\">min</th><th class=\"n\">max</th></tr>\n");
    for (int i = 0; i < n; i++) {
        const elstm_column_stats *st = stats_of(c->ds, cols[i].name);
        char m[32], lo[32], hi[32];
        rb_puts(b, "<tr><td>");
        rb_text(b, cols[i].name);
        rb_printf(b, "</td><td>%s</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
                  cols[i].target ? (c->meta->target_input >= 0 ? "target and input" : "target") : "input",
                  st ? elstm_column_kind_name(st->kind) : "-", st ? elstm_count_format(st->missing, m, sizeof m) : "-",
                  st ? fmt_sig(st->min, 4, lo, sizeof lo) : "-", st ? fmt_sig(st->max, 4, hi, sizeof hi) : "-");
    }
    rb_puts(b, "</table>\n");
}

/* The long gaps as spans, merged when closer than a pixel (a bounded number of rects). */
static void gap_spans(plot *p, const report_ctx *c)
{
    const elstm_dataset *ds = c->ds;
    double a = NAN, e = NAN;
    for (size_t g = 1; g < ds->rows; g++) {
        if (!ds->gap_before[g]) continue;
        if (isfinite(a) && scale_px(&p->x, c->t[g - 1]) - scale_px(&p->x, e) < 1.0) {
            e = c->t[g];
            continue;
        }
        if (isfinite(a)) plot_span(p, a, e, "gap", NULL);
        a = c->t[g - 1];
        e = c->t[g];
    }
    if (isfinite(a)) plot_span(p, a, e, "gap", NULL);
}

static void column_plot(report_ctx *c, const used_col *u, double *v, uint8_t *missing, uint8_t *cell,
                        uint8_t *inserted)
{
    const elstm_dataset *ds = c->ds;
    column_values(ds, u, v, missing);
    size_t n_cell = 0, n_ins = 0;
    for (size_t g = 0; g < ds->rows; g++) {
        cell[g] = missing[g] && ds->line[g] != 0;
        inserted[g] = missing[g] && ds->line[g] == 0;
        n_cell += cell[g];
        n_ins += inserted[g];
    }
    int compass = u->k_cos >= 0;
    double lo, hi;
    range_of(v, ds->rows, &lo, &hi);
    if (compass) lo = 0, hi = 360;
    char title[200], ylab[120], id[40];
    snprintf(title, sizeof title, "%s over the whole file%s", u->name, u->target ? " (the target)" : "");
    snprintf(ylab, sizeof ylab, compass ? "%s (degrees, N = 0, E = 90)" : "%s (file units)", u->name);
    snprintf(id, sizeof id, "data-%d", c->plots);
    plot p;
    plot_begin(&p, c->b, id, title, PLOT_W, 250);
    plot_x(&p, SCALE_TIME, c->t[0], c->t[ds->rows - 1], "time");
    plot_y(&p, SCALE_LINEAR, lo, hi, ylab);
    if (compass) p.ystep = 90;
    int decimate = (double)ds->rows > plot_frame_width(PLOT_W);
    /* directions are circular: no line through them (the mean of 350 and 10 degrees is not
     * 180), dots or the range per pixel column instead */
    if (!compass) plot_key(&p, KEY_LINE, "value", decimate ? "mean per pixel column" : "value");
    else if (!decimate) plot_key(&p, KEY_DOT, "value", "direction");
    if (decimate) plot_key(&p, KEY_BAND, "value", "min to max per pixel column");
    plot_key(&p, KEY_BOX, "s-train", "train");
    if (ds->split_end[1] > ds->split_end[0]) plot_key(&p, KEY_BOX, "s-val", "validation");
    plot_key(&p, KEY_BOX, "s-test", "test");
    if (n_cell) plot_key(&p, KEY_RUG, "miss", "missing cell, interpolated");
    if (n_ins) plot_key(&p, KEY_RUG, "fill", "row inserted into a short gap");
    if (ds->long_gaps) plot_key(&p, KEY_BOX, "gap", "long gap (not filled)");
    plot_frame(&p);
    static const char *const span_cls[ELSTM_SPLITS] = {"s-train", "s-val", "s-test"};
    static const char *const span_name[ELSTM_SPLITS] = {"train", "validation", "test"};
    size_t r0 = 0;
    for (int s = 0; s < ELSTM_SPLITS; s++) {
        size_t r1 = ds->split_end[s];
        if (r1 > r0) plot_span(&p, c->t[r0], c->t[r1 < ds->rows ? r1 : ds->rows - 1], span_cls[s], span_name[s]);
        r0 = r1;
    }
    gap_spans(&p, c);
    p.no_mean = compass;
    if (compass && !decimate) plot_dots(&p, c->t, v, ds->rows, "value");
    else plot_line(&p, c->t, v, ds->rows, 0, "value");
    plot_rug(&p, c->t, cell, ds->rows, 0, "miss");
    plot_rug(&p, c->t, inserted, ds->rows, n_cell ? 1 : 0, "fill");
    char caption[400], a[32], b[32];
    snprintf(caption, sizeof caption, "%s values on the time grid%s%s%s%s.",
             elstm_count_format(ds->rows, a, sizeof a),
             n_cell || n_ins ? "; interpolated values are marked under the line: " : "",
             n_cell ? elstm_count_format(n_cell, b, sizeof b) : "", n_cell ? " missing cells" : "",
             n_ins ? (n_cell ? " and the rows inserted into short gaps" : "the rows inserted into short gaps") : "");
    report_plot_end(c, &p, caption);
}

void sec_data(report_ctx *c)
{
    const elstm_dataset *ds = c->ds;
    const elstm_meta *m = c->meta;
    rbuf *b = c->b;
    report_section_begin(c, "data", "Data");
    char fr[32], gr[32], fl[32], iv[32], t0[32], t1[32];
    rb_puts(b, "<p><code>");
    rb_text(b, ds->path);
    rb_printf(b, "</code>: %s rows from %s to %s, one every %s. On the regular time grid: %s rows (%s inserted "
                 "into gaps of at most %d steps and interpolated); %zu longer gap%s left open - no window spans "
                 "one. Splits are chronological; the scaler was fitted on the training rows.</p>\n",
              elstm_count_format(ds->file_rows, fr, sizeof fr), fmt_time(c->t[0], t0, sizeof t0),
              fmt_time(c->t[ds->rows - 1], t1, sizeof t1), fmt_duration((double)ds->interval_s, iv, sizeof iv),
              elstm_count_format(ds->rows, gr, sizeof gr), elstm_count_format(ds->filled_rows, fl, sizeof fl), m->max_gap,
              ds->long_gaps, ds->long_gaps == 1 ? "" : "s");
    split_table(c);
    used_col cols[ELSTM_META_MAX_INPUTS + 1];
    int n = used_columns(m, cols);
    column_table(c, cols, n);
    int tf = 0;
    for (int k = 0; k < m->n_inputs; k++) tf += m->inputs[k].enc == ELSTM_ENC_TIME_SIN;
    if (tf)
        report_p(c, "The calendar inputs (sine and cosine of the time of day, year, week or month) come from the "
                    "time itself and are not drawn.");

    double *v = malloc(ds->rows * sizeof *v);
    uint8_t *flags = malloc(3 * ds->rows);
    if (!v || !flags) {
        b->failed = 1;
    } else {
        for (int i = 0; i < n; i++) column_plot(c, &cols[i], v, flags, flags + ds->rows, flags + 2 * ds->rows);
    }
    free(v);
    free(flags);
    report_section_end(c);
}
