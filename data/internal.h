/*
 * data/internal.h - the data layer's private interfaces (not installed).
 *
 * The pipeline, one file per stage:
 *   csv.c      bytes -> csv_table: header names + typed cells per column, line numbers
 *   text.c     names and message snippets (UTF-8 clean-up, quoting)
 *   time.c     calendar maths, strptime-style parsing, layout detection
 *   series.c   time column(s) -> times; order checks; interval; regular grid with gaps
 *   columns.c  column kinds and statistics; input selection and encoding
 *   scale.c    interpolation of missing values, min-max scaler, windows and splits
 *   dataset.c  elstm_data_load / elstm_data_load_meta: the stages in order
 */
#ifndef EDGELSTM_DATA_INTERNAL_H
#define EDGELSTM_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/data.h"

#define CSV_MAX_LINE       (1u << 20)   /* bytes in one physical line (and in one record) */
#define CSV_MAX_COLS       4096         /* columns in the header */
#define DATA_MAX_ROWS      100000000u   /* rows on the regular grid, after filling gaps */

/* ---- csv.c ------------------------------------------------------------------------ */

typedef enum cell_state {
    CELL_NUM = 0,       /* a finite number: cell.num */
    CELL_MISSING,       /* NA, NaN, N/A, NULL, empty, ... (see csv_is_missing) */
    CELL_TEXT,          /* anything else: cell.off into the column's text pool */
    CELL_OVERFLOW       /* looks like a number but is out of double range: cell.off (text) */
} cell_state;

typedef union csv_cell {
    double num;
    size_t off;
} csv_cell;

typedef struct csv_column {
    char *name;             /* UTF-8, unique; "Unnamed: N" (0-based) for an empty header cell */
    int unnamed;            /* the header cell was empty */
    int keep_text;          /* store every present value as text (time columns named by --time) */
    uint8_t *state;         /* [nrows] cell_state */
    csv_cell *cell;         /* [nrows] */
    char *pool;             /* NUL-terminated texts of CELL_TEXT / CELL_OVERFLOW cells */
    size_t pool_len, pool_cap;
    size_t n_num, n_missing, n_text, n_overflow;
} csv_column;

typedef struct csv_table {
    char path[512];         /* name used in messages */
    long header_line;       /* physical line of the header */
    char delim;             /* ',', ';' or '\t' (detected from the header line) */
    int ncols;
    csv_column *col;
    size_t nrows, cap;
    long *line;             /* [nrows] physical line where each data row starts */
} csv_table;

/* Read a CSV from a file (path) or from memory (data/len, path only names it).
 * `text_cols` (comma list or NULL) names columns to keep as text. `model`: the reading
 * follows a model's metadata, so messages suggest no option. */
elstm_status csv_read(csv_table *t, const char *path, const void *data, size_t len, int skip_rows,
                      int model, const char *text_cols, elstm_diag *diag);
void csv_free_table(csv_table *t);

/* Text of a CELL_TEXT / CELL_OVERFLOW cell. */
static inline const char *csv_text(const csv_table *t, int c, size_t r)
{
    return t->col[c].pool + t->col[c].cell[r].off;
}

/* Column index by name: exact match, else a unique case-insensitive match; -1 if none,
 * -2 if several columns match when case is ignored (and none exactly). */
int csv_find(const csv_table *t, const char *name, size_t len);

/* The message for a name csv_find did not resolve (c = its result): "WHO names column
 * 'NAME', which the header does not have (columns: ...)", or that it is ambiguous. */
elstm_status csv_unknown_column(const csv_table *t, int c, const char *who, const char *name, size_t len,
                                elstm_diag *diag);

/* "a, b, c" list of column names for messages (truncated to fit). */
void csv_list_columns(const csv_table *t, char *buf, size_t n);

/* Number parsing shared with time.c: 0 = ok, 1 = not a number, 2 = out of range. */
int csv_parse_number(const char *s, size_t n, double *out);
int csv_is_missing(const char *s, size_t n);

/* ---- text.c ----------------------------------------------------------------------- */

/* Copy `s` (n bytes) to `out` as valid UTF-8: bytes that are not UTF-8 are read as
 * Latin-1, control characters become '?'. Returns the length written (< cap). */
size_t text_clean_utf8(const char *s, size_t n, char *out, size_t cap);
/* Quote a cell for an error message: "..." with escapes, at most ~48 characters. */
const char *text_quote(const char *s, char *buf, size_t n);
/* Copy at most n-1 bytes without cutting a UTF-8 sequence; returns 1 if truncated. */
int text_copy(char *dst, size_t n, const char *src);
int text_ieq(const char *a, const char *b);          /* ASCII case-insensitive equality */
int text_ieqn(const char *a, const char *b, size_t n);

/* ---- time.c ----------------------------------------------------------------------- */

int64_t time_days_from_civil(int64_t y, int m, int d);
void time_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int time_days_in_month(int64_t y, int m);
int64_t time_floor_div(int64_t a, int64_t b);

/* Broken-down fields parsed from text or integer columns; -1 = not given. */
typedef struct time_fields {
    int64_t year, month, day, yday, hour, minute, second, hour12, pm, epoch;
    int64_t tz;             /* offset east of UTC in seconds, INT64_MIN = none */
} time_fields;

void time_fields_init(time_fields *f);
/* Parse `s` with a strptime-style format. 0 = matched, 1 = no match. */
int time_parse(const char *fmt, const char *s, time_fields *f);
/* Fields -> seconds since 1970. 0 = ok; 1 = impossible (why: a short reason). */
int time_from_fields(const time_fields *f, int64_t *t, char *why, size_t whylen);

/* Layouts detected without --time-format. */
typedef struct time_layout {
    const char *fmt;        /* strptime-style */
    const char *name;       /* for messages and metadata ("YYYY-MM-DD HH:MM:SS") */
    int date_only;          /* needs a separate time-of-day column (or is daily data) */
} time_layout;

const time_layout *time_detect_datetime(const char *s);   /* a full or date-only layout */
const time_layout *time_detect_time_of_day(const char *s, int bare_hour);

/* ---- series.c --------------------------------------------------------------------- */

typedef struct series {
    /* resolved time columns */
    int ncols;
    int col[8];
    char cols[256];         /* resolved names, comma-separated */
    char layout[32];
    /* per file row */
    int64_t *file_time;     /* [nrows] */
    /* the regular grid */
    int64_t interval;
    size_t rows;
    int64_t *time;          /* [rows] */
    size_t *src;            /* [rows] file row, or SIZE_MAX for a row inserted into a gap */
    uint8_t *gap_before;    /* [rows] 1 if a long gap precedes the row */
    long *line;             /* [rows] physical line, 0 for inserted rows */
    size_t filled, long_gaps;
} series;

elstm_status series_build(series *s, const csv_table *t, const char *time_cols,
                          const char *time_format, int max_gap, int64_t want_interval,
                          elstm_diag *diag);
void series_free(series *s);

/* ---- columns.c -------------------------------------------------------------------- */

/* Classify every column and fill ds->columns (kind, missing, min, max). Time columns
 * (from `s`) get ELSTM_COL_TIME. */
elstm_status columns_describe(elstm_dataset *ds, const csv_table *t, const series *s,
                              elstm_diag *diag);
/* Choose the model inputs (names, sources, encodings) and the target into ds->meta,
 * from the options (training) or from meta->inputs (reload: `reuse` != 0). */
elstm_status columns_select(elstm_dataset *ds, const csv_table *t, const elstm_data_opts *o,
                            int reuse, elstm_diag *diag);
/* Raw (physical, unscaled) values of input `k` on the grid, out[rows]; NAN when missing. */
void columns_fill_input(const elstm_dataset *ds, const csv_table *t, const series *s, int k,
                        double *out);
/* Values of numeric column c on the grid, out[rows]; NAN when missing. */
void columns_fill_numeric(const csv_table *t, const series *s, int c, double *out);

/* 16-point compass: angle in degrees for a token, -1 for calm/variable, -2 for neither. */
double compass_angle(const char *s);
/* Calendar phase in [0, 1) of a time for a time feature. */
double time_feature_phase(elstm_time_feature tf, int64_t t);

/* ---- scale.c ---------------------------------------------------------------------- */

/* Fill NAN runs of v[rows] by linear interpolation within segments (between long
 * gaps); runs longer than max_gap clear usable[] (may be NULL). A segment without
 * any value is zeroed and marked unusable. */
void scale_interpolate(double *v, size_t rows, const uint8_t *gap_before, int max_gap,
                       uint8_t *usable);
/* Split boundaries: rows [0, b[0]) train, [b[0], b[1]) val, [b[1], rows) test. */
void scale_split_bounds(size_t rows, double split_train, double split_val, size_t b[2]);
/* List the windows of every split into ds (win_start, n_win). `rolling`: validation and
 * test windows need only their targets in their segment (backtest folds). */
elstm_status scale_windows(elstm_dataset *ds, const uint8_t *target_ok, int rolling, elstm_diag *diag);

#endif /* EDGELSTM_DATA_INTERNAL_H */
