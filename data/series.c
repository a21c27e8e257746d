/*
 * series.c - the time of every row, its order, the sampling interval, and the
 * regular grid (short gaps filled with inserted rows, long gaps marked).
 *
 * Time columns: --time names them; without it they are detected (integer columns
 * named year, month, day [, hour, minute, second], any case; else the first text
 * column whose first value has a known datetime layout, plus a separate time-of-day
 * column when that layout is a date only). With --time-format the texts of the time
 * columns, joined by single spaces, are parsed with that format.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { PART_YEAR, PART_MONTH, PART_DAY, PART_HOUR, PART_MINUTE, PART_SECOND, PARTS };
static const char *const part_names[PARTS] = {"year", "month", "day", "hour", "minute", "second"};

typedef struct resolver {
    const csv_table *t;
    series *s;
    elstm_diag *diag;
    int integer;                /* fields from integer columns */
    int part[8];                /* integer: which field each time column holds */
    char fmt[192];              /* otherwise: format of the columns' texts joined by spaces */
    char fmt_name[64];          /* the layout, for messages */
    int user_format;            /* fmt came from --time-format */
    const char *time_opt;       /* "--time", or how a model's time columns are named */
    const char *format_opt;     /* "--time-format", or the model's */
    int model;                  /* reading as a model says (no option can be suggested) */
    int mdy;                    /* month-first date layout (hint for day-first files) */
    char qcols[320];            /* the time columns quoted for messages: 'a', 'b' */
} resolver;

/* What to do about a time that does not read: an option, or (reading as a model says)
 * a file laid out as the training file was. */
#define MODEL_HINT "the model reads its time as its training file had it (metadata fields 'time_cols' and " \
                   "'time_format'): give a file whose times are written the same way"
static const char *hint(const resolver *rv, const char *option_hint)
{
    return rv->model ? MODEL_HINT : option_hint;
}

static int part_of(const char *name)
{
    for (int i = 0; i < PARTS; i++)
        if (text_ieq(name, part_names[i])) return i;
    return -1;
}

/* First present cell of a column, or SIZE_MAX. */
static size_t first_present(const csv_table *t, int c)
{
    for (size_t r = 0; r < t->nrows; r++)
        if (t->col[c].state[r] != CELL_MISSING) return r;
    return SIZE_MAX;
}

/* Text of a cell (numbers written back as text), or NULL when missing. */
static const char *cell_text(const csv_table *t, int c, size_t r, char *buf, size_t n)
{
    switch (t->col[c].state[r]) {
    case CELL_MISSING: return NULL;
    case CELL_NUM: {
        double v = t->col[c].cell[r].num;
        if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, n, "%.0f", v);
        else snprintf(buf, n, "%.17g", v);
        return buf;
    }
    default: return csv_text(t, c, r);
    }
}

static void add_col(resolver *rv, int c)
{
    series *s = rv->s;
    const char *name = rv->t->col[c].name;
    s->col[s->ncols++] = c;
    size_t len = strlen(s->cols), qlen = strlen(rv->qcols);
    snprintf(s->cols + len, sizeof s->cols - len, "%s%s", len ? "," : "", name);
    snprintf(rv->qcols + qlen, sizeof rv->qcols - qlen, "%s'%s'", qlen ? ", " : "", name);
}

static elstm_status no_time_column(resolver *rv)
{
    char cols[600];
    csv_list_columns(rv->t, cols, sizeof cols);
    return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, rv->t->path, 0,
                          "no time column found; name it with --time (one datetime column, or "
                          "integer columns such as year,month,day,hour) and, if edgelstm does not "
                          "recognize its layout, give --time-format (columns: %s)", cols);
}

/* Pick the layout from the first value(s): a full datetime, or a date plus a time of day. */
static elstm_status choose_layout(resolver *rv, int explicit_cols)
{
    const csv_table *t = rv->t;
    series *s = rv->s;
    char b0[64], b1[64];
    size_t r0 = first_present(t, s->col[0]);
    const char *v0 = r0 == SIZE_MAX ? NULL : cell_text(t, s->col[0], r0, b0, sizeof b0);
    const time_layout *d = v0 ? time_detect_datetime(v0) : NULL;
    if (!d) {
        char q[128];
        if (!v0)
            return elstm_diag_set(rv->diag, ELSTM_ERR_DATA, t->path, 0,
                                  "time column '%s' has no values at all", t->col[s->col[0]].name);
        return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[r0],
                              "column '%s': %s is not a date and time in a layout edgelstm "
                              "recognizes (e.g. 2013-03-01 00:00:00, 01.03.2013 00:00:00, "
                              "03/01/2013 00:00); %s",
                              t->col[s->col[0]].name, text_quote(v0, q, sizeof q),
                              hint(rv, "give its layout with --time-format, e.g. --time-format '%Y%m%d%H'"));
    }
    rv->mdy = d->fmt[1] == 'm';
    if (s->ncols == 1) {
        snprintf(rv->fmt, sizeof rv->fmt, "%s", d->fmt);
        snprintf(rv->fmt_name, sizeof rv->fmt_name, "%s", d->name);
        return ELSTM_OK;
    }
    size_t r1 = first_present(t, s->col[1]);
    const char *v1 = r1 == SIZE_MAX ? NULL : cell_text(t, s->col[1], r1, b1, sizeof b1);
    const time_layout *h = v1 && d->date_only ? time_detect_time_of_day(v1, explicit_cols) : NULL;
    if (!h) {
        char q[128];
        return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, r1 == SIZE_MAX ? 0 : t->line[r1],
                              "time columns '%s' and '%s': expected a date (e.g. 03/01/2013) and a "
                              "time of day (e.g. 24:00), not %s and %s; %s",
                              t->col[s->col[0]].name, t->col[s->col[1]].name,
                              text_quote(v0, b0, sizeof b0), v1 ? text_quote(v1, q, sizeof q) : "nothing",
                              hint(rv, "give the layout of the two joined by a space with --time-format"));
    }
    snprintf(rv->fmt, sizeof rv->fmt, "%s %s", d->fmt, h->fmt);
    snprintf(rv->fmt_name, sizeof rv->fmt_name, "%s + %s", d->name, h->name);
    return ELSTM_OK;
}

/* Integer columns: by name when every name is a part's name, else by position. */
static elstm_status integer_columns(resolver *rv)
{
    series *s = rv->s;
    int by_name = 1, seen[PARTS] = {0};
    for (int i = 0; i < s->ncols; i++) {
        int p = part_of(rv->t->col[s->col[i]].name);
        if (p < 0 || seen[p]) by_name = 0;
        else seen[p] = 1;
    }
    for (int i = 0; i < s->ncols; i++)
        rv->part[i] = by_name ? part_of(rv->t->col[s->col[i]].name) : i;
    if (s->ncols > PARTS || (by_name && !(seen[PART_YEAR] && seen[PART_MONTH] && seen[PART_DAY])))
        return elstm_diag_set(rv->diag, ELSTM_ERR_DATA, rv->t->path, 0,
                              "time columns %s: integer time columns must be year, month, day and "
                              "optionally hour, minute, second (in that order, or named so)",
                              rv->qcols);
    rv->integer = 1;
    snprintf(rv->fmt_name, sizeof rv->fmt_name, "integer columns");
    return ELSTM_OK;
}

static elstm_status resolve(resolver *rv, const char *time_cols, const char *time_format)
{
    const csv_table *t = rv->t;
    series *s = rv->s;
    if (time_format) {
        const char *bad = elstm_time_format_check(time_format);
        if (bad)
            return elstm_diag_set(rv->diag, ELSTM_ERR_ARG, NULL, 0,
                                  "%s '%s' is not usable (%s%.2s%s); use strptime "
                                  "directives such as %%Y %%m %%d %%H %%M %%S %%j %%b %%p %%z %%s, "
                                  "e.g. '%%d/%%m/%%Y %%H:%%M'", rv->format_opt, time_format,
                                  *bad ? "unknown directive '" : "it has no directive", bad,
                                  *bad ? "'" : "");
        snprintf(rv->fmt, sizeof rv->fmt, "%s", time_format);
        snprintf(rv->fmt_name, sizeof rv->fmt_name, "--time-format %s", time_format);
        rv->user_format = 1;
    }
    if (time_cols && *time_cols) {
        for (const char *p = time_cols; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            int c = csv_find(t, p, len);
            if (c < 0) return csv_unknown_column(t, c, rv->time_opt, p, len, rv->diag);
            if (s->ncols >= 8)
                return elstm_diag_set(rv->diag, ELSTM_ERR_ARG, NULL, 0,
                                      "%s names more than 8 columns", rv->time_opt);
            for (int i = 0; i < s->ncols; i++)
                if (s->col[i] == c)
                    return elstm_diag_set(rv->diag, ELSTM_ERR_ARG, NULL, 0,
                                          "%s names column '%s' twice", rv->time_opt, t->col[c].name);
            add_col(rv, c);
            p = e ? e + 1 : p + len;
        }
        if (s->ncols == 0)
            return elstm_diag_set(rv->diag, ELSTM_ERR_ARG, NULL, 0, "%s names no column", rv->time_opt);
        if (rv->user_format) return ELSTM_OK;
        if (s->ncols >= 3) return integer_columns(rv);
        /* one datetime column, or a date and a time of day (an all-digit text is no date) */
        return choose_layout(rv, 1);
    }
    /* detection: integer columns named year, month, day, ... */
    int found[PARTS];
    for (int p = 0; p < PARTS; p++) {
        found[p] = -1;
        for (int c = 0; c < t->ncols && found[p] < 0; c++)
            if (text_ieq(t->col[c].name, part_names[p]) && t->col[c].n_text == 0) found[p] = c;
    }
    if (found[PART_YEAR] >= 0 && found[PART_MONTH] >= 0 && found[PART_DAY] >= 0 && !rv->user_format) {
        for (int p = 0; p < PARTS && found[p] >= 0; p++) add_col(rv, found[p]);
        return integer_columns(rv);
    }
    /* ... else the first text column whose first value is a date (and time) */
    for (int c = 0; c < t->ncols; c++) {
        size_t r = first_present(t, c);
        if (r == SIZE_MAX || t->col[c].state[r] != CELL_TEXT) continue;
        const char *v = csv_text(t, c, r);
        time_fields f;
        time_fields_init(&f);
        if (rv->user_format ? time_parse(rv->fmt, v, &f) != 0 : !time_detect_datetime(v)) continue;
        add_col(rv, c);
        if (rv->user_format) return ELSTM_OK;
        if (time_detect_datetime(v)->date_only) {
            /* a time of day in another column: the next one first (TMY3: Date, Time) */
            for (int k = 0; k < t->ncols; k++) {
                int c2 = (c + 1 + k) % t->ncols;
                size_t r2 = first_present(t, c2);
                if (c2 == c || r2 == SIZE_MAX || t->col[c2].state[r2] != CELL_TEXT) continue;
                if (time_detect_time_of_day(csv_text(t, c2, r2), 0)) {
                    add_col(rv, c2);
                    break;
                }
            }
        }
        return choose_layout(rv, 0);
    }
    if (rv->user_format)
        return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, 0,
                              "%s '%s' does not match the first value of any column "
                              "(the whole value must match); %s", rv->format_opt, rv->fmt,
                              hint(rv, "name the time column with --time to see which part differs"));
    return no_time_column(rv);
}

/* ---- the time of each row ------------------------------------------------------------- */

static elstm_status missing_time(resolver *rv, int c, size_t r)
{
    return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, rv->t->path, rv->t->line[r],
                          "time column '%s' has no value on this line; every row needs its time",
                          rv->t->col[c].name);
}

static elstm_status integer_time(resolver *rv, size_t r, int64_t *out)
{
    const csv_table *t = rv->t;
    const series *s = rv->s;
    time_fields f;
    time_fields_init(&f);
    int64_t *dst[PARTS] = {&f.year, &f.month, &f.day, &f.hour, &f.minute, &f.second};
    char vals[160] = "";
    for (int i = 0; i < s->ncols; i++) {
        int c = s->col[i];
        double v;
        const csv_column *col = &t->col[c];
        if (col->state[r] == CELL_MISSING) return missing_time(rv, c, r);
        if (col->state[r] == CELL_NUM) v = col->cell[r].num;
        else if (csv_parse_number(csv_text(t, c, r), strlen(csv_text(t, c, r)), &v) != 0) v = NAN;
        if (!(v == floor(v) && v >= 0 && v <= 1e6)) {
            char q[128], b[64];
            return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[r],
                                  "time column '%s': %s is not a whole number from 0 to 1000000 "
                                  "(time columns hold integers such as 2013, 3, 1, 0)", col->name,
                                  text_quote(cell_text(t, c, r, b, sizeof b), q, sizeof q));
        }
        *dst[rv->part[i]] = (int64_t)v;
        size_t len = strlen(vals);
        snprintf(vals + len, sizeof vals - len, "%s%lld", i ? "," : "", (long long)v);
    }
    char why[160];
    if (time_from_fields(&f, out, why, sizeof why) != 0)
        return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[r],
                              "time columns %s = %s: not a valid time: %s", rv->qcols, vals, why);
    return ELSTM_OK;
}

static elstm_status text_time(resolver *rv, size_t r, size_t r_first, int64_t *out)
{
    const csv_table *t = rv->t;
    const series *s = rv->s;
    char joined[512], b[64];
    size_t len = 0;
    for (int i = 0; i < s->ncols; i++) {
        const char *v = cell_text(t, s->col[i], r, b, sizeof b);
        if (!v) return missing_time(rv, s->col[i], r);
        int w = snprintf(joined + len, sizeof joined - len, "%s%s", i ? " " : "", v);
        len = w < 0 ? len : len + (size_t)w >= sizeof joined ? sizeof joined - 1 : len + (size_t)w;
    }
    time_fields f;
    time_fields_init(&f);
    char q[128], why[160];
    const char *what = s->ncols == 1 ? "column" : "columns";
    if (time_parse(rv->fmt, joined, &f) != 0) {
        if (rv->user_format)
            return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[r],
                                  "time %s %s: %s does not match %s '%s'", what, rv->qcols,
                                  text_quote(joined, q, sizeof q), rv->format_opt, rv->fmt);
        return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[r],
                              "time %s %s: %s does not match the layout %s of line %ld; write every "
                              "time the same way%s",
                              what, rv->qcols, text_quote(joined, q, sizeof q), rv->fmt_name,
                              t->line[r_first], rv->model ? "" : ", or give the layout with --time-format");
    }
    if (time_from_fields(&f, out, why, sizeof why) != 0)
        return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[r],
                              "time %s %s: %s is not a valid time: %s%s", what, rv->qcols,
                              text_quote(joined, q, sizeof q), why,
                              rv->mdy && !rv->model && strstr(why, "month ") == why
                                  ? " (this layout is month/day/year; for day/month/year give "
                                    "--time-format '%d/%m/%Y %H:%M')"
                                  : "");
    return ELSTM_OK;
}

/* ---- order, interval, grid ----------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The most common step (the smallest of equally common ones). */
static int64_t most_common_step(const int64_t *time, size_t n, elstm_status *st)
{
    int64_t cand = 0;
    size_t votes = 0, count = 0;
    for (size_t i = 1; i < n; i++) {           /* a majority, if there is one, in one pass */
        int64_t d = time[i] - time[i - 1];
        if (votes == 0) cand = d, votes = 1;
        else votes += d == cand ? 1 : (size_t)-1;
    }
    for (size_t i = 1; i < n; i++) count += time[i] - time[i - 1] == cand;
    if (2 * count > n - 1) return cand;
    int64_t *d = malloc((n - 1) * sizeof *d);
    if (!d) {
        *st = ELSTM_ERR_NOMEM;
        return 0;
    }
    for (size_t i = 1; i < n; i++) d[i - 1] = time[i] - time[i - 1];
    qsort(d, n - 1, sizeof *d, cmp_i64);
    int64_t best = d[0];
    size_t best_n = 0;
    for (size_t i = 0; i < n - 1;) {
        size_t j = i;
        while (j < n - 1 && d[j] == d[i]) j++;
        if (j - i > best_n) best = d[i], best_n = j - i;
        i = j;
    }
    free(d);
    return best;
}

static elstm_status check_order(resolver *rv)
{
    const csv_table *t = rv->t;
    const int64_t *tm = rv->s->file_time;
    for (size_t i = 1; i < t->nrows; i++) {
        if (tm[i] > tm[i - 1]) continue;
        char a[32], b[32];
        elstm_time_format(tm[i], a, sizeof a);
        elstm_time_format(tm[i - 1], b, sizeof b);
        if (tm[i] == tm[i - 1])
            return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[i],
                                  "the time %s repeats the time of line %ld; every time may appear "
                                  "only once (remove the duplicate row)", a, t->line[i - 1]);
        int64_t y0, y1;
        int m0, m1, d0, d1;
        time_civil_from_days(time_floor_div(tm[i - 1], 86400), &y0, &m0, &d0);
        time_civil_from_days(time_floor_div(tm[i], 86400), &y1, &m1, &d1);
        if (y0 != y1 && d1 == 1 && ((m1 - m0 + 12) % 12) <= 1)
            return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[i],
                                  "the time goes back from %s (line %ld) to %s at a month boundary: "
                                  "this looks like a TMY (typical meteorological year) file whose "
                                  "months come from different years, which is not a continuous "
                                  "time series; edgelstm needs one series in time order", b,
                                  t->line[i - 1], a);
        return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[i],
                              "the time %s is earlier than %s on line %ld; rows must be in time "
                              "order, oldest first", a, b, t->line[i - 1]);
    }
    return ELSTM_OK;
}

static elstm_status build_grid(resolver *rv, int max_gap, int64_t want_interval)
{
    const csv_table *t = rv->t;
    series *s = rv->s;
    const int64_t *tm = s->file_time;
    size_t n = t->nrows;
    elstm_status st = ELSTM_OK;
    int64_t iv = n >= 2 ? most_common_step(tm, n, &st) : want_interval;
    if (st != ELSTM_OK) return elstm_diag_set(rv->diag, st, t->path, 0, "out of memory");
    if (want_interval > 0 && n >= 2 && iv != want_interval) {
        char a[32], b[32];
        elstm_duration_format(iv, a, sizeof a);
        elstm_duration_format(want_interval, b, sizeof b);
        return elstm_diag_set(rv->diag, ELSTM_ERR_DATA, t->path, 0,
                              "the rows are %s apart but the model was trained on data every %s; "
                              "resample the file to the model's interval", a, b);
    }
    s->interval = iv;
    /* rows on the grid: every file row, plus the rows of short gaps */
    size_t rows = n;
    for (size_t i = 1; i < n; i++) {
        int64_t d = tm[i] - tm[i - 1];
        if (d % iv != 0) {
            char a[32], b[32], c[32];
            elstm_time_format(tm[i], a, sizeof a);
            elstm_duration_format(d, b, sizeof b);
            elstm_duration_format(iv, c, sizeof c);
            return elstm_diag_set(rv->diag, ELSTM_ERR_FORMAT, t->path, t->line[i],
                                  "the time %s is %s after the previous row (line %ld), which is "
                                  "not a whole number of sampling intervals (%s, the most common "
                                  "step); edgelstm needs a regular series (missing rows are fine)",
                                  a, b, t->line[i - 1], c);
        }
        int64_t missing = d / iv - 1;
        if (missing > 0 && missing <= max_gap) rows += (size_t)missing;
        if (rows > DATA_MAX_ROWS)
            return elstm_diag_set(rv->diag, ELSTM_ERR_DATA, t->path, t->line[i],
                                  "filling the gaps would make more than %u rows; lower --max-gap",
                                  DATA_MAX_ROWS);
    }
    s->rows = rows;
    s->time = malloc(rows * sizeof *s->time);
    s->src = malloc(rows * sizeof *s->src);
    s->gap_before = calloc(rows, 1);
    s->line = malloc(rows * sizeof *s->line);
    if (!s->time || !s->src || !s->gap_before || !s->line)
        return elstm_diag_set(rv->diag, ELSTM_ERR_NOMEM, t->path, 0, "out of memory");
    size_t g = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            int64_t missing = (tm[i] - tm[i - 1]) / iv - 1;
            if (missing > max_gap) {
                s->gap_before[g] = 1;
                s->long_gaps++;
            } else {
                for (int64_t k = 1; k <= missing; k++, g++) {
                    s->time[g] = tm[i - 1] + k * iv;
                    s->src[g] = SIZE_MAX;
                    s->line[g] = 0;
                }
                s->filled += (size_t)missing;
            }
        }
        s->time[g] = tm[i];
        s->src[g] = i;
        s->line[g] = t->line[i];
        g++;
    }
    return ELSTM_OK;
}

elstm_status series_build(series *s, const csv_table *t, const char *time_cols,
                          const char *time_format, int max_gap, int64_t want_interval,
                          elstm_diag *diag)
{
    memset(s, 0, sizeof *s);
    resolver rv;
    memset(&rv, 0, sizeof rv);
    rv.t = t;
    rv.s = s;
    rv.diag = diag;
    /* a model's reading (it knows its interval) names its own fields, not options */
    rv.model = want_interval > 0;
    rv.time_opt = want_interval > 0 ? "the model's time columns (metadata field 'time_cols')" : "--time";
    rv.format_opt = want_interval > 0 ? "the model's time format (metadata field 'time_format')" : "--time-format";
    elstm_status st = resolve(&rv, time_cols, time_format);
    if (st != ELSTM_OK) return st;
    /* the model's metadata lists the time columns comma-separated */
    size_t total = 0;
    for (int i = 0; i < s->ncols; i++) {
        const char *name = t->col[s->col[i]].name;
        total += strlen(name) + 1;
        if (strchr(name, ',') || total >= sizeof s->cols)
            return elstm_diag_set(diag, ELSTM_ERR_DATA, t->path, t->header_line,
                                  "time column '%s' %s; rename the column", name,
                                  strchr(name, ',') ? "has a comma in its name, so a model cannot "
                                                      "name it in its list of time columns"
                                                    : "has too long a name for a model's metadata");
    }
    text_copy(s->layout, sizeof s->layout, rv.user_format ? "--time-format" : rv.fmt_name);
    s->file_time = malloc((t->nrows ? t->nrows : 1) * sizeof *s->file_time);
    if (!s->file_time) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, t->path, 0, "out of memory");
    size_t r_first = first_present(t, s->col[0]);
    for (size_t r = 0; r < t->nrows && st == ELSTM_OK; r++)
        st = rv.integer ? integer_time(&rv, r, &s->file_time[r])
                        : text_time(&rv, r, r_first == SIZE_MAX ? 0 : r_first, &s->file_time[r]);
    if (st == ELSTM_OK) st = check_order(&rv);
    if (st == ELSTM_OK) st = build_grid(&rv, max_gap, want_interval);
    return st;
}

void series_free(series *s)
{
    free(s->file_time);
    free(s->time);
    free(s->src);
    free(s->gap_before);
    free(s->line);
    memset(s, 0, sizeof *s);
}
