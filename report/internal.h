/*
 * report/internal.h - the report layer's private interfaces (not installed).
 *
 *   rbuf.c     a growing text buffer, HTML escaping, number formats
 *   axis.c     scales (linear, log, time) and their ticks: nice numbers, calendar steps
 *   plot.c     the SVG plot writer every plot of the report uses: frame, axes, grid,
 *              legend, and the marks (lines decimated to a min/max band per pixel column,
 *              bands, bars, spans, rules, rugs, dots)
 *   report.c   the document: style sheet, header, contents, the sections in order
 *   sec_*.c    one section each: data, training, forecasts and errors, model card
 *
 * Nothing here prints or exits; the document is built in memory and written atomically.
 */
#ifndef EDGELSTM_REPORT_INTERNAL_H
#define EDGELSTM_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/report.h"

/* ---- rbuf.c ------------------------------------------------------------------------- */

typedef struct rbuf {
    char *s;
    size_t len, cap;
    int failed;             /* an allocation failed: the text is incomplete */
} rbuf;

void rb_free(rbuf *b);
void rb_puts(rbuf *b, const char *s);
void rb_printf(rbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Text with & < > " escaped (for element content and attribute values). */
void rb_text(rbuf *b, const char *s);

/* Numbers for people: `decimals` digits after the point, a real minus sign (U+2212),
 * "-" for NaN. (Counts with thousands separators: elstm_count_format, data.h.) */
const char *fmt_num(double v, int decimals, char *buf, size_t n);
/* Significant-digit format for values of any size (losses, errors): "0.0123", "1.5e−5". */
const char *fmt_sig(double v, int digits, char *buf, size_t n);
/* Shortest form with at most `digits` significant digits ("%g"): "1005.3", "0.001", "1e−07". */
const char *fmt_g(double v, int digits, char *buf, size_t n);
/* Bytes as "279 KB" / "1.2 MB" (1 KB = 1024 bytes). */
const char *fmt_bytes(double v, char *buf, size_t n);

/* ---- axis.c ------------------------------------------------------------------------- */

typedef enum scale_kind { SCALE_LINEAR = 0, SCALE_LOG, SCALE_TIME } scale_kind;

#define AXIS_MAX_TICKS 40

typedef struct axis_tick {
    double v;
    char label[40];
} axis_tick;

typedef struct scale {
    scale_kind kind;
    double lo, hi;          /* domain (linear: extended to whole ticks) */
    double p0, p1;          /* pixels of lo and hi */
    int integer;            /* linear: ticks on whole numbers only (epochs, hours) */
    double step;            /* linear: this tick step instead of a chosen one (0 = choose) */
    int exact;              /* linear: keep the domain as given (ticks inside it only) */
    int n;
    axis_tick tick[AXIS_MAX_TICKS];
} scale;

/* Ticks for about `target` intervals over [lo, hi] (lo == hi is widened). Linear
 * ticks are 1, 2 or 5 times a power of ten (or s->step) and the domain grows to the
 * outer ticks (unless s->exact); log ticks are decades (with 2 and 5 between when few
 * decades are shown) and the domain grows to the ticks around it; time ticks
 * (lo, hi: seconds since 1970, naive) fall on calendar steps - seconds, minutes, hours,
 * days, Mondays, months, years - labelled at their own precision. */
void scale_ticks(scale *s, scale_kind kind, double lo, double hi, int target);
/* 1, 2 or 5 times a power of ten, about range / target. */
double nice_step(double range, int target);
/* Pixel position of a domain value (log: of its logarithm). */
double scale_px(const scale *s, double v);
/* Naive seconds since 1970 as "2017-03-05 14:00" (minutes dropped when zero: "2017-03-05"). */
const char *fmt_time(double t, char *buf, size_t n);
/* A duration as "30 min", "1 h", "3.5 days", "1 week". */
const char *fmt_duration(double seconds, char *buf, size_t n);

/* ---- plot.c ------------------------------------------------------------------------- */

/* Legend swatches. */
typedef enum key_kind { KEY_LINE = 0, KEY_DASH, KEY_BAND, KEY_BOX, KEY_RUG, KEY_DOT, KEY_RULE } key_kind;

#define PLOT_MAX_KEYS 12

typedef struct plot {
    rbuf *b;
    char id[40];
    char title[200];
    double w, h;            /* the SVG's viewBox */
    double fx, fy, fw, fh;  /* the frame (plotting area) */
    scale x, y;
    scale_kind xk, yk;
    double xlo, xhi, ylo, yhi;
    const char *xlabel, *ylabel;
    double xstep, ystep;    /* fixed tick steps of linear axes (0 = nice steps) */
    int xexact, yexact;     /* keep the given domain of a linear axis (no growing to ticks) */
    int n_keys;
    struct { key_kind kind; const char *cls; char label[80]; } key[PLOT_MAX_KEYS];
    size_t points;          /* values drawn */
    size_t max_per_column;  /* most values that fell into one pixel column (> 1: decimated) */
    int no_band;            /* set: decimated lines draw the mean only (no min/max band) */
    int no_mean;            /* set: decimated lines draw the band only (no mean line) */
    int rule_labels;        /* rule labels drawn so far (each goes one line lower) */
} plot;

/* Start a plot of w x h (viewBox units = CSS pixels at full width); `title` says what it
 * shows. Then: plot_x / plot_y (domains and labels), plot_key (legend entries), plot_frame
 * (lays out and draws frame, grid, ticks, labels, legend), the marks, plot_end. */
void plot_begin(plot *p, rbuf *b, const char *id, const char *title, double w, double h);
void plot_x(plot *p, scale_kind k, double lo, double hi, const char *label);
void plot_y(plot *p, scale_kind k, double lo, double hi, const char *label);
void plot_key(plot *p, key_kind kind, const char *cls, const char *label);
void plot_frame(plot *p);
/* Width of the frame of a plot w wide: its pixel columns. */
double plot_frame_width(double w);
/* Caption under the figure (may be NULL); closes the figure. */
void plot_end(plot *p, const char *caption);

/* A series y(x) as a line (class `cls`). Values that are NaN, or consecutive x further
 * apart than `gap` (> 0), break it. With more values than the frame has pixel columns the
 * series is decimated: per column a band from its minimum to its maximum and a line
 * through its mean. */
void plot_line(plot *p, const double *x, const double *y, size_t n, double gap, const char *cls);
/* Vertical spans, rules and marks at the frame's bottom (rug) over x. */
void plot_span(plot *p, double x0, double x1, const char *cls, const char *label);
void plot_rule(plot *p, double x, const char *cls, const char *label);
/* A rug: for each x[i] with flag[i] set, a tick at the frame's bottom in `row` (0, 1, ..),
 * merged per pixel column. */
void plot_rug(plot *p, const double *x, const uint8_t *flag, size_t n, int row, const char *cls);
/* Bars from the x axis (y = 0, or the frame's bottom) to y[i] over [x0[i], x1[i]). */
void plot_bars(plot *p, const double *x0, const double *x1, const double *y, size_t n, const char *cls);
/* The outline of the same bars as one step line. */
void plot_steps(plot *p, const double *x0, const double *x1, const double *y, size_t n, const char *cls);
/* Small circles at (x[i], y[i]) (NaN skipped). */
void plot_dots(plot *p, const double *x, const double *y, size_t n, const char *cls);

/* Smallest and largest finite value of v[0..n) (NAN, NAN when none). */
void range_of(const double *v, size_t n, double *lo, double *hi);

/* ---- report.c: what every section reads ------------------------------------------- */

#include "edgelstm/codegen.h"
#include "edgelstm/train.h"

#define PLOT_W 960.0        /* viewBox width of every plot */

typedef struct report_ctx {
    rbuf *b;
    const elstm_dataset *ds;
    const elstm_meta *meta;             /* the model's metadata (= ds->meta) */
    const elstm_report_model *model, *cmp;
    const elstm_report_opts *opts;
    double *t;                          /* [ds->rows] time of each grid row (seconds, naive) */
    int have_eval;                      /* the test split has windows */
    elstm_eval_result ev, ev_cmp;
    elstm_eval_series sr, sr_cmp;       /* test split, window by window */
    char cmp_name[96];                  /* how the compared model is called in legends */
    elstm_model_figures fig, fig_cmp;
    int device;                         /* 1 measured, 0 not asked, -1 tools missing, -2 failed */
    char device_error[ELSTM_DIAG_MSG_MAX]; /* why the measurement failed (device == -2) */
    elstm_mcu_result mcu;
    int plots, decimated;
} report_ctx;

/* Close a plot (plot_end) with its caption, count it, and say how it was decimated. */
void report_plot_end(report_ctx *c, plot *p, const char *caption);
/* <section id=ID><h2>TITLE</h2> ... </section> */
void report_section_begin(report_ctx *c, const char *id, const char *title);
void report_section_end(report_ctx *c);
/* A paragraph of already escaped HTML. */
void report_p(report_ctx *c, const char *html);

/* The sections, in page order (sec_*.c). */
void sec_data(report_ctx *c);
void sec_training(report_ctx *c);
void sec_forecasts(report_ctx *c);
void sec_errors(report_ctx *c);
void sec_model(report_ctx *c);

#endif /* EDGELSTM_REPORT_INTERNAL_H */
