/* plot.c - the SVG plot writer: one frame with axes, grid, ticks, a legend and a title,
 * and the marks every plot of the report is made of. Colours and line styles are CSS
 * classes of the report's style sheet (report.c); marks only name them.
 *
 * Every coordinate a mark writes is clamped into the frame, so nothing draws outside
 * it (the browser test checks this). Coordinates have one decimal: 0.1 px. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TITLE_H   26.0     /* title line */
#define KEY_ROW_H 18.0     /* one row of legend entries */
#define KEY_GAP   22.0     /* space between legend entries */
#define MARGIN_L  70.0
#define MARGIN_R  18.0
#define MARGIN_B  44.0
#define CHAR_W    6.6      /* average advance of a 12 px sans-serif character */

void range_of(const double *v, size_t n, double *lo, double *hi)
{
    *lo = NAN;
    *hi = NAN;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        if (!(v[i] >= *lo)) *lo = v[i];
        if (!(v[i] <= *hi)) *hi = v[i];
    }
}

/* Characters (UTF-8 code points) of a label, for the layout estimate. */
static double text_w(const char *s, double char_w)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p & 0xC0) != 0x80;
    return (double)n * char_w;
}

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }
static double X(const plot *p, double v) { return clampd(scale_px(&p->x, v), p->fx, p->fx + p->fw); }
static double Y(const plot *p, double v) { return clampd(scale_px(&p->y, v), p->fy, p->fy + p->fh); }

double plot_frame_width(double w) { return w - MARGIN_L - MARGIN_R; }

void plot_begin(plot *p, rbuf *b, const char *id, const char *title, double w, double h)
{
    memset(p, 0, sizeof *p);
    p->b = b;
    snprintf(p->id, sizeof p->id, "%s", id);
    snprintf(p->title, sizeof p->title, "%s", title);
    p->w = w;
    p->h = h;
}

void plot_x(plot *p, scale_kind k, double lo, double hi, const char *label)
{
    p->xk = k, p->xlo = lo, p->xhi = hi, p->xlabel = label;
}

void plot_y(plot *p, scale_kind k, double lo, double hi, const char *label)
{
    p->yk = k, p->ylo = lo, p->yhi = hi, p->ylabel = label;
}

void plot_key(plot *p, key_kind kind, const char *cls, const char *label)
{
    if (p->n_keys >= PLOT_MAX_KEYS) return;
    p->key[p->n_keys].kind = kind;
    p->key[p->n_keys].cls = cls;
    snprintf(p->key[p->n_keys].label, sizeof p->key[p->n_keys].label, "%s", label);
    p->n_keys++;
}

/* One legend swatch (24 x 10) at x, baseline y. */
static void swatch(plot *p, key_kind kind, const char *cls, double x, double y)
{
    rbuf *b = p->b;
    switch (kind) {
    case KEY_LINE:
    case KEY_DASH:
    case KEY_RULE:
        rb_printf(b, "<path class=\"%s %s\" d=\"M%.1f %.1fL%.1f %.1f\"/>", kind == KEY_RULE ? "rule" : "line", cls,
                  x, y - 4, x + 24, y - 4);
        break;
    case KEY_DOT:
        rb_printf(b, "<path class=\"line %s\" d=\"M%.1f %.1fL%.1f %.1f\"/><circle class=\"dot %s\" cx=\"%.1f\" "
                     "cy=\"%.1f\" r=\"3\"/>", cls, x, y - 4, x + 24, y - 4, cls, x + 12, y - 4);
        break;
    case KEY_BAND:
    case KEY_BOX:
        rb_printf(b, "<rect class=\"%s %s\" x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\"/>",
                  kind == KEY_BAND ? "band" : "span", cls, x, y - 9);
        break;
    case KEY_RUG:
        rb_printf(b, "<rect class=\"rug %s\" x=\"%.1f\" y=\"%.1f\" width=\"3\" height=\"10\"/>", cls, x + 10, y - 9);
        break;
    }
}

void plot_frame(plot *p)
{
    rbuf *b = p->b;
    /* legend rows: entries flow left to right and wrap */
    double avail = p->w - MARGIN_L - MARGIN_R, xk = 0;
    int rows = p->n_keys ? 1 : 0;
    double kx[PLOT_MAX_KEYS];
    int krow[PLOT_MAX_KEYS];
    for (int i = 0; i < p->n_keys; i++) {
        double w = 30 + text_w(p->key[i].label, CHAR_W * 11.0 / 12.0);
        if (xk > 0 && xk + w > avail) {
            rows++;
            xk = 0;
        }
        kx[i] = xk;
        krow[i] = rows - 1;
        xk += w + KEY_GAP;
    }
    p->fx = MARGIN_L;
    p->fy = TITLE_H + rows * KEY_ROW_H + 8;
    p->fw = p->w - MARGIN_L - MARGIN_R;
    p->fh = p->h - p->fy - MARGIN_B;

    p->x.integer = p->xk == SCALE_LINEAR && p->xhi - p->xlo >= 1 && p->xlo == floor(p->xlo) && p->xhi == floor(p->xhi);
    p->x.step = p->xstep, p->x.exact = p->xexact;
    p->y.step = p->ystep, p->y.exact = p->yexact;
    scale_ticks(&p->x, p->xk, p->xlo, p->xhi, (int)(p->fw / 95.0));
    scale_ticks(&p->y, p->yk, p->ylo, p->yhi, (int)(p->fh / 40.0) < 3 ? 3 : (int)(p->fh / 40.0));
    p->x.p0 = p->fx, p->x.p1 = p->fx + p->fw;
    p->y.p0 = p->fy + p->fh, p->y.p1 = p->fy;

    rb_printf(b, "<figure class=\"plot\" id=\"fig-%s\">\n<svg class=\"plot\" data-plot=\"%s\" viewBox=\"0 0 %.0f %.0f\" "
                 "role=\"img\" aria-label=\"", p->id, p->id, p->w, p->h);
    rb_text(b, p->title);
    rb_printf(b, "\">\n<text class=\"title\" x=\"%.1f\" y=\"17\">", p->fx);
    rb_text(b, p->title);
    rb_puts(b, "</text>\n<g class=\"legend\">");
    for (int i = 0; i < p->n_keys; i++) {
        double x = p->fx + kx[i], y = TITLE_H + krow[i] * KEY_ROW_H + 10;
        swatch(p, p->key[i].kind, p->key[i].cls, x, y);
        rb_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 30, y);
        rb_text(b, p->key[i].label);
        rb_puts(b, "</text>");
    }
    rb_puts(b, "</g>\n<g class=\"grid\">");
    for (int i = 0; i < p->y.n; i++) {
        double y = scale_px(&p->y, p->y.tick[i].v);
        if (y < p->fy - 0.5 || y > p->fy + p->fh + 0.5) continue;
        rb_printf(b, "<path d=\"M%.1f %.1fH%.1f\"/>", p->fx, y, p->fx + p->fw);
    }
    for (int i = 0; i < p->x.n; i++) {
        double x = scale_px(&p->x, p->x.tick[i].v);
        if (x < p->fx - 0.5 || x > p->fx + p->fw + 0.5) continue;
        rb_printf(b, "<path d=\"M%.1f %.1fV%.1f\"/>", x, p->fy, p->fy + p->fh);
    }
    rb_puts(b, "</g>\n<g class=\"axis\">");
    for (int i = 0; i < p->y.n; i++) {
        double y = scale_px(&p->y, p->y.tick[i].v);
        if (y < p->fy - 0.5 || y > p->fy + p->fh + 0.5) continue;
        rb_printf(b, "<text class=\"ytick\" x=\"%.1f\" y=\"%.1f\">", p->fx - 6, y + 4);
        rb_text(b, p->y.tick[i].label);
        rb_puts(b, "</text>");
    }
    double last_end = -1e9;
    for (int i = 0; i < p->x.n; i++) {
        double x = scale_px(&p->x, p->x.tick[i].v), w = text_w(p->x.tick[i].label, CHAR_W * 11.0 / 12.0);
        if (x < p->fx - 0.5 || x > p->fx + p->fw + 0.5 || x - w / 2 < last_end + 6) continue; /* no overlaps */
        last_end = x + w / 2;
        rb_printf(b, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\">", x, p->fy + p->fh + 16);
        rb_text(b, p->x.tick[i].label);
        rb_puts(b, "</text>");
    }
    if (p->xlabel) {
        rb_printf(b, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\">", p->fx + p->fw / 2, p->fy + p->fh + 36);
        rb_text(b, p->xlabel);
        rb_puts(b, "</text>");
    }
    if (p->ylabel) {
        double cx = 16, cy = p->fy + p->fh / 2;
        rb_printf(b, "<text class=\"ylabel\" x=\"%.1f\" y=\"%.1f\" transform=\"rotate(-90 %.1f %.1f)\">", cx, cy, cx, cy);
        rb_text(b, p->ylabel);
        rb_puts(b, "</text>");
    }
    rb_printf(b, "</g>\n<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n<g class=\"marks\">\n",
              p->fx, p->fy, p->fw, p->fh);
}

void plot_end(plot *p, const char *caption)
{
    rb_puts(p->b, "</g>\n</svg>\n");
    if (caption && *caption) {
        rb_puts(p->b, "<figcaption>");
        rb_text(p->b, caption);
        rb_puts(p->b, "</figcaption>\n");
    }
    rb_puts(p->b, "</figure>\n");
}

/* ---- marks --------------------------------------------------------------------------- */

/* A polyline through pts (x, y pairs), n points, in an open <path d=...>. */
static void path_points(rbuf *b, const double *pts, size_t n, int close)
{
    for (size_t i = 0; i < n; i++) rb_printf(b, "%s%.1f %.1f", i ? "L" : "M", pts[2 * i], pts[2 * i + 1]);
    if (close) rb_puts(b, "Z");
}

/* Straight line through the values, broken at NaN and at x steps wider than gap. A stroke
 * of one point draws nothing (plot_dots marks lone values where a plot wants them). */
static void line_plain(plot *p, const double *x, const double *y, size_t n, double gap, const char *cls)
{
    rbuf *b = p->b;
    int open = 0;
    size_t run = 0;           /* points in the current stroke */
    double x0 = 0, y0 = 0;    /* its first point, written once a second one comes */
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]) || !isfinite(x[i]) || x[i] < p->x.lo || x[i] > p->x.hi) {
            run = 0;
            continue;
        }
        if (run && gap > 0 && x[i] - x[i - 1] > gap) run = 0;
        p->points++;
        if (run++ == 0) {
            x0 = X(p, x[i]), y0 = Y(p, y[i]);
            continue;
        }
        if (!open) {
            rb_printf(b, "<path class=\"line %s\" d=\"", cls);
            open = 1;
        }
        if (run == 2) rb_printf(b, "M%.1f %.1f", x0, y0);
        rb_printf(b, "L%.1f %.1f", X(p, x[i]), Y(p, y[i]));
    }
    if (open) rb_puts(b, "\"/>\n");
    if (p->max_per_column < 1 && p->points) p->max_per_column = 1;
}

void plot_line(plot *p, const double *x, const double *y, size_t n, double gap, const char *cls)
{
    const size_t cols = (size_t)p->fw;
    if (n <= cols || cols == 0) {
        line_plain(p, x, y, n, gap, cls);
        return;
    }
    double *mn = malloc(cols * sizeof *mn), *mx = malloc(cols * sizeof *mx), *sum = malloc(cols * sizeof *sum);
    size_t *cnt = calloc(cols, sizeof *cnt);
    double *pts = malloc(4 * cols * sizeof *pts);
    if (!mn || !mx || !sum || !cnt || !pts) {
        p->b->failed = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]) || !isfinite(x[i]) || x[i] < p->x.lo || x[i] > p->x.hi) continue;
        size_t c = (size_t)clampd(floor(scale_px(&p->x, x[i]) - p->fx), 0, (double)cols - 1);
        if (cnt[c] == 0) mn[c] = mx[c] = sum[c] = y[i];
        else {
            if (y[i] < mn[c]) mn[c] = y[i];
            if (y[i] > mx[c]) mx[c] = y[i];
            sum[c] += y[i];
        }
        if (++cnt[c] > p->max_per_column) p->max_per_column = cnt[c];
        p->points++;
    }
    /* runs of filled columns: a band (max forward, min back) and the mean line */
    rbuf *b = p->b;
    for (int pass = p->no_band ? 1 : 0; pass < (p->no_mean ? 1 : 2); pass++) {
        rb_printf(b, "<path class=\"%s %s\" d=\"", pass == 0 ? "band" : "line", cls);
        for (size_t c = 0; c < cols;) {
            if (!cnt[c]) {
                c++;
                continue;
            }
            size_t e = c, k = 0;
            while (e < cols && cnt[e]) e++;
            for (size_t j = c; j < e; j++, k++) {
                pts[2 * k] = p->fx + (double)j + 0.5;
                pts[2 * k + 1] = Y(p, pass == 0 ? mx[j] : sum[j] / (double)cnt[j]);
            }
            if (pass == 0)
                for (size_t j = e; j-- > c; k++) {
                    pts[2 * k] = p->fx + (double)j + 0.5;
                    pts[2 * k + 1] = Y(p, mn[j]);
                }
            path_points(b, pts, k, pass == 0);
            c = e;
        }
        rb_puts(b, "\"/>\n");
    }
out:
    free(mn); free(mx); free(sum); free(cnt); free(pts);
}

void plot_span(plot *p, double x0, double x1, const char *cls, const char *label)
{
    double a = X(p, x0), c = X(p, x1);
    if (c - a < 1.0) { /* at least a pixel wide */
        if (a + 1.0 <= p->fx + p->fw) c = a + 1.0;
        else a = c - 1.0;
    }
    rb_printf(p->b, "<rect class=\"span %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", cls, a, p->fy,
              c - a, p->fh);
    if (label && c - a > text_w(label, CHAR_W) + 8) {
        rb_printf(p->b, "<text class=\"span-label %s\" x=\"%.1f\" y=\"%.1f\">", cls, a + 4, p->fy + 13);
        rb_text(p->b, label);
        rb_puts(p->b, "</text>\n");
    }
}

void plot_rule(plot *p, double x, const char *cls, const char *label)
{
    double px = X(p, x);
    rb_printf(p->b, "<path class=\"rule %s\" d=\"M%.1f %.1fV%.1f\"/>\n", cls, px, p->fy, p->fy + p->fh);
    if (label) {
        /* the label goes to the side of the rule with more room */
        int right = px < p->fx + p->fw / 2;
        rb_printf(p->b, "<text class=\"rule-label %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cls,
                  px + (right ? 4 : -4), p->fy + 13 + 14 * p->rule_labels++, right ? "start" : "end");
        rb_text(p->b, label);
        rb_puts(p->b, "</text>\n");
    }
}

void plot_rug(plot *p, const double *x, const uint8_t *flag, size_t n, int row, const char *cls)
{
    const size_t cols = (size_t)p->fw;
    uint8_t *on = calloc(cols ? cols : 1, 1);
    if (!on) {
        p->b->failed = 1;
        return;
    }
    size_t any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!flag[i] || !(x[i] >= p->x.lo && x[i] <= p->x.hi)) continue;
        on[(size_t)clampd(floor(scale_px(&p->x, x[i]) - p->fx), 0, (double)cols - 1)] = 1;
        any++;
    }
    if (any) {
        double y = p->fy + p->fh - 7.0 * (row + 1);
        rb_printf(p->b, "<path class=\"rug %s\" d=\"", cls);
        for (size_t c = 0; c < cols;) {
            if (!on[c]) {
                c++;
                continue;
            }
            size_t e = c;
            while (e < cols && on[e]) e++;
            double x0 = p->fx + (double)c, x1 = p->fx + (double)e;
            rb_printf(p->b, "M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x0, y, x1, y, x1, y + 6, x0, y + 6);
            c = e;
        }
        rb_puts(p->b, "\"/>\n");
    }
    free(on);
}

static double baseline(const plot *p)
{
    return p->y.kind == SCALE_LINEAR && p->y.lo <= 0 && p->y.hi >= 0 ? Y(p, 0.0) : p->fy + p->fh;
}

void plot_bars(plot *p, const double *x0, const double *x1, const double *y, size_t n, const char *cls)
{
    double base = baseline(p);
    rb_printf(p->b, "<g class=\"bars %s\">", cls);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) continue;
        double a = X(p, x0[i]) + 0.5, c = X(p, x1[i]) - 0.5, top = Y(p, y[i]);
        if (c < a) c = a;
        rb_printf(p->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", a, top < base ? top : base,
                  c - a, fabs(base - top));
        p->points++;
    }
    rb_puts(p->b, "</g>\n");
}

void plot_steps(plot *p, const double *x0, const double *x1, const double *y, size_t n, const char *cls)
{
    double base = baseline(p);
    rb_printf(p->b, "<path class=\"line %s\" d=\"", cls);
    for (size_t i = 0; i < n; i++) {
        double v = isfinite(y[i]) ? Y(p, y[i]) : base;
        if (i == 0) rb_printf(p->b, "M%.1f %.1f", X(p, x0[i]), base);
        rb_printf(p->b, "L%.1f %.1fL%.1f %.1f", X(p, x0[i]), v, X(p, x1[i]), v);
        if (i + 1 == n) rb_printf(p->b, "L%.1f %.1f", X(p, x1[i]), base);
    }
    rb_puts(p->b, "\"/>\n");
}

void plot_dots(plot *p, const double *x, const double *y, size_t n, const char *cls)
{
    rb_printf(p->b, "<g class=\"dots %s\">", cls);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        rb_printf(p->b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>", X(p, x[i]), Y(p, y[i]));
    }
    rb_puts(p->b, "</g>\n");
}
