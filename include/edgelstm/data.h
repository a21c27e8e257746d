/*
 * edgelstm/data.h - CSV -> validated, encoded, scaled, windowed time series.
 *
 * Host only (C11). `edgelstm data` and `edgelstm train` call elstm_data_load() with
 * the same options, so `data` fails exactly where `train` would. `eval` and
 * `predict` call elstm_data_load_meta() with the model's metadata, which reads the
 * file the way training did and applies the training scaler.
 *
 * Windows: window k starts at row s and covers rows [s, s + steps); its target is
 * the target column at row s + steps - 1 + horizon (with --horizons H, the H rows from
 * there on: a window is listed only when all of them hold observed values). Splits are chronological
 * segments of the rows (fractions split_train, split_val, rest test); a window
 * belongs to the split that contains all its rows and its target row. The scaler is
 * fitted on the training segment only. No window spans a long gap (see docs/data.md).
 *
 * Rules in detail (time layouts, gaps, missing values, compass, time features,
 * limits): docs/data.md.
 */
#ifndef EDGELSTM_DATA_H
#define EDGELSTM_DATA_H

#include <stddef.h>
#include <stdint.h>
#include "edgelstm/diag.h"
#include "edgelstm/meta.h"

#define ELSTM_DEFAULT_STEPS   168
#define ELSTM_DEFAULT_HORIZON 1
#define ELSTM_DEFAULT_SPLIT_TRAIN 0.7
#define ELSTM_DEFAULT_SPLIT_VAL   0.2

enum { ELSTM_SPLIT_TRAIN = 0, ELSTM_SPLIT_VAL = 1, ELSTM_SPLIT_TEST = 2, ELSTM_SPLITS = 3 };

typedef struct elstm_data_opts {
    const char *path;           /* CSV file (required) */
    const char *time_cols;      /* "--time": one datetime column or integer columns; NULL = detect */
    const char *time_format;    /* "--time-format": strptime-style; NULL = detect the layout */
    int skip_rows;              /* "--skip-rows": lines before the header */
    const char *target;         /* "--target": column to forecast; NULL = none (data summary only) */
    const char *features;       /* "--features": comma list; NULL = every numeric/compass column */
    const char *time_features;  /* "--time-features": "hour,doy,weekday,month" subset; NULL = none */
    int steps;                  /* "--steps" */
    int horizon;                /* "--horizon" */
    double split_train, split_val;  /* "--split TRAIN,VAL" */
    int max_gap;                /* longest run of missing steps filled by interpolation; < 0 = default */

    /* Multi-step forecasts and backtests (added later; the zero values keep the above). */
    int horizons;               /* "--horizons": outputs, the steps horizon .. horizon + horizons - 1
                                   ahead of a window's last row; 0 or 1 = one output */
    int target_mode;            /* elstm_target_mode ("--target-mode"): LEVEL, DELTA (which needs
                                   the target among the inputs) or ELSTM_TARGET_AUTO: DELTA when the
                                   target is an input, else LEVEL */
    const char *target_time_features; /* "--target-time-features": calendar inputs of the forecast
                                   time (each row's time + horizon intervals); NULL = the
                                   recipe default: hour,doy (doy for daily or coarser rows)
                                   when horizons > 1, else none; "none" = none */
    int scaler_per_series;      /* "--scaler series": elstm_data_load_series() scales each file
                                   with its own scaler (fitted on its training part) and records
                                   them all (elstm_meta.series_*); 0 = one scaler over all */
    size_t segments[ELSTM_SPLITS];    /* explicit split rows instead of split_train/split_val (a
                                   backtest fold): train [0, s0), val [s0, s1), test [s1, s2), rows
                                   from s2 on in no split; the scaler is fitted on [0, s0).
                                   segments[2] == 0: use the fractions */
} elstm_data_opts;

#define ELSTM_DEFAULT_MAX_GAP 6  /* steps; used when max_gap < 0 */
#define ELSTM_TARGET_AUTO (-1)   /* elstm_data_opts.target_mode: delta when the target is an input */
#define ELSTM_DEFAULT_TARGET_MODE ELSTM_TARGET_AUTO   /* the recipe default: delta when the target is an input */

void elstm_data_opts_default(elstm_data_opts *o);

typedef enum elstm_column_kind {
    ELSTM_COL_NUMERIC = 0,      /* numbers (with NA / NaN / empty as missing) */
    ELSTM_COL_COMPASS,          /* 16-point compass strings (N, NNE, ... NNW) */
    ELSTM_COL_TIME,             /* used as (part of) the time */
    ELSTM_COL_TEXT,             /* anything else; never a feature */
    ELSTM_COL_INDEX             /* numeric row counter 0,1,2.. or 1,2,3..; not a default feature */
} elstm_column_kind;

const char *elstm_column_kind_name(elstm_column_kind k);   /* "numeric", "compass", ... */

typedef struct elstm_column_stats {
    char name[ELSTM_NAME_MAX];
    elstm_column_kind kind;
    int selected;               /* 1 if a model input (or the target) comes from it */
    size_t missing;             /* NA / NaN / empty cells in the file's rows */
    double min, max;            /* over present values (compass: degrees); NAN if none */
} elstm_column_stats;

typedef struct elstm_dataset {
    char path[512];
    size_t file_rows;           /* data rows in the file (after the header) */
    size_t rows;                /* rows on the regular time grid (file rows + filled gap rows) */
    int64_t *time;              /* [rows] seconds since 1970-01-01T00:00:00, naive (no time zone) */
    int64_t interval_s;         /* detected sampling interval */
    size_t filled_rows;         /* rows inserted into short gaps by interpolation */
    size_t long_gaps;           /* gaps longer than max_gap; windows never span one */
    uint8_t *usable;            /* [rows] 1 if the row may be part of a window */

    int n_columns;
    elstm_column_stats *columns;   /* [n_columns], every column of the file */

    elstm_meta meta;            /* options, inputs, scaler, target: what a model file carries */
    int n_inputs;               /* == meta.n_inputs */
    float *x;                   /* [rows][n_inputs] normalized inputs, row-major */
    double *y;                  /* [rows] target in physical units (NULL without a target) */

    size_t n_win[ELSTM_SPLITS];     /* windows per split */
    size_t *win_start[ELSTM_SPLITS];/* first row of each window, ascending */

    /* Added after the first contract (additive). */
    long *line;                 /* [rows] physical line of the row in the file, 0 for filled rows */
    uint8_t *gap_before;        /* [rows] 1 if a long gap (not filled) lies before the row */
    size_t split_end[ELSTM_SPLITS]; /* segments: train [0, split_end[0]), val [split_end[0],
                                       split_end[1]), test [split_end[1], split_end[2]); split_end[2]
                                       is rows unless opts.segments ended the test part earlier */
    uint8_t *input_missing;     /* [rows][n_inputs] 1 where input k had no value (a missing cell,
                                   or a row inserted into a gap) and x holds an interpolation */
    uint8_t *target_missing;    /* [rows] the same for the target (NULL without a target) */
    int own_scaler;             /* read with a per-series model's metadata, but not one of its
                                   series: scaled with its own scaler, fitted on its training part */
} elstm_dataset;

/* Load, validate, encode, scale and window a CSV. On failure `ds` is left empty
 * (safe to free) and `diag` holds one sentence naming FILE:LINE where there is one. */
elstm_status elstm_data_load(const elstm_data_opts *o, elstm_dataset *ds, elstm_diag *diag);

/* Load `path` as the model described by `meta` was trained: same time columns,
 * inputs, steps, horizon and splits, with the training scaler from `meta` (not refit;
 * a per-series model (meta->n_series > 0): the scaler of the series named like the
 * file, elstm_meta_series_find, or when none is, the file's own, fitted on its training
 * part, ds->own_scaler 1).
 * The file must have every column the model reads (its inputs' sources and its
 * target) and the model's sampling interval, and at least `steps` rows (one input
 * window; windows with a target need steps + horizon). ds->meta is the model's meta. */
elstm_status elstm_data_load_meta(const char *path, const elstm_meta *meta,
                                  elstm_dataset *ds, elstm_diag *diag);

/* The same with explicit split rows (elstm_data_opts.segments; e.g. a backtest fold
 * evaluated with a model's own scaler). segments == NULL is elstm_data_load_meta. */
elstm_status elstm_data_load_meta_segments(const char *path, const elstm_meta *meta,
                                           const size_t segments[ELSTM_SPLITS], elstm_dataset *ds,
                                           elstm_diag *diag);

/* The same two loaders on CSV bytes in memory; `name` (or o->path) names them in
 * messages. (Tests and the fuzz target use these.) */
elstm_status elstm_data_load_buffer(const elstm_data_opts *o, const void *data, size_t len,
                                    elstm_dataset *ds, elstm_diag *diag);
elstm_status elstm_data_load_meta_buffer(const char *name, const void *data, size_t len,
                                         const elstm_meta *meta, elstm_dataset *ds,
                                         elstm_diag *diag);

void elstm_data_free(elstm_dataset *ds);

/* Replace the scaler of `m` (its inputs' and its target's min and max) by one given as a
 * small CSV file: the header "column,min,max", then one row per model input, by the name
 * elstm_data_load gives it, and one for the target when it is not an input. A row for
 * anything else, a missing or repeated input, min > max or a value that is not a finite
 * number: ELSTM_ERR_DATA naming FILE:LINE; `m` is then unchanged. */
elstm_status elstm_scaler_read(const char *path, elstm_meta *m, elstm_diag *diag);

/* ---- rolling-origin folds (edgelstm backtest; docs/training.md) ------------------------
 *
 * K test blocks of `test_rows` rows each, back to back, the last ending at the last row;
 * fold k trains on every row before its block (an expanding window), the last
 * `val_share` of them held out for validation (early stopping, intervals). test_rows 0:
 * the K blocks together span one year of rows (so they fall in different seasons), or
 * half of the rows when the series is shorter than two years. seg[k] receives the
 * split rows of fold k for elstm_data_opts.segments: a fold's validation and test
 * windows need only their targets in their block (their inputs may come from earlier
 * rows, as at a real forecast's origin); no training or validation window reaches into
 * the test block. `window` is the rows one window spans (steps + horizon + horizons -
 * 1). ELSTM_ERR_ARG, with one sentence, when a block or a fold's training or validation
 * part is shorter than one window. */
#define ELSTM_MAX_FOLDS 100
elstm_status elstm_data_folds(size_t rows, int64_t interval_s, size_t window, int k, size_t test_rows,
                              double val_share, size_t (*seg)[ELSTM_SPLITS], elstm_diag *diag);

/* ---- several series, one model (a global model; docs/training.md) ---------------------
 *
 * elstm_data_load_series() reads n files with the same options as the series of one
 * model: each is read, checked, split and windowed on its own (so no window crosses
 * from one file into the next), and all are scaled with one scaler, the union of the
 * ranges of their training parts. The model inputs (names, sources, encodings, order),
 * the target and the sampling interval must be the same in every file; a file that
 * differs is refused with one sentence naming the first difference. ds[0 .. n) receive
 * the datasets (all with the same meta); on failure all are empty. With
 * o->scaler_per_series each file keeps the scaler fitted on its own training part and
 * every meta records all of them (elstm_meta.series_*, named by file name: two files of
 * the same name are refused); ds[i].meta applies file i's.
 *
 * The same in steps, for a caller that holds only some of the series (an MPI rank):
 *   1. elstm_data_load(o) on each of its files (each fits its own scaler);
 *   2. elstm_data_same_inputs() against a reference (e.g. rank 0's first file);
 *   3. elstm_meta_scaler_export() on each, the element-wise minimum of the minima and
 *      maximum of the maxima across files and processes (MPI_Allreduce with MPI_MIN /
 *      MPI_MAX over ELSTM_META_SCALER_VALUES(meta) doubles), elstm_meta_scaler_import();
 *   4. elstm_data_load_meta(path, &merged_meta) on each of its files again: every series
 *      scaled alike, windowed as in step 1.
 * Every process then gets the same meta (and a model file written by any of them). */
elstm_status elstm_data_load_series(const elstm_data_opts *o, const char *const *paths, int n,
                                    elstm_dataset *ds, elstm_diag *diag);

/* ELSTM_OK when b reads the same model inputs and target as a from the same interval;
 * else ELSTM_ERR_DATA with a sentence naming b's file and the first difference. */
elstm_status elstm_data_same_inputs(const elstm_dataset *a, const elstm_dataset *b, elstm_diag *diag);

/* The scaler as arrays of ELSTM_META_SCALER_VALUES values: the inputs' minima (maxima) in
 * input order, then the target's. */
#define ELSTM_META_SCALER_VALUES(m) ((size_t)(m)->n_inputs + 1)
void elstm_meta_scaler_export(const elstm_meta *m, double *min, double *max);
void elstm_meta_scaler_import(elstm_meta *m, const double *min, const double *max);

/* Per-series scalers: the index of the series named like the file `path` (its name
 * without the folder), or -1; make series k's scaler the one m applies. */
int elstm_meta_series_find(const elstm_meta *m, const char *path);
void elstm_meta_series_use(elstm_meta *m, int k);

/* Window helpers. `start` is a row index from win_start[] (or any usable start). */
static inline const float *elstm_data_window_x(const elstm_dataset *ds, size_t start)
{
    return ds->x + start * (size_t)ds->n_inputs;
}
static inline size_t elstm_data_target_row(const elstm_dataset *ds, size_t start)
{
    return start + (size_t)ds->meta.steps - 1 + (size_t)ds->meta.horizon;
}
/* The window's last input row (persistence forecasts from it; delta targets are relative
 * to it). Output j of a multi-step model targets row last + horizon + j. */
static inline size_t elstm_data_last_row(const elstm_dataset *ds, size_t start)
{
    return start + (size_t)ds->meta.steps - 1;
}

/* Format a time as "YYYY-MM-DDTHH:MM:SS" into buf (>= 20 bytes). */
void elstm_time_format(int64_t t, char *buf, size_t n);

/* Format a duration in seconds as "1 h", "30 min", "1 d" or "90 s". */
void elstm_duration_format(int64_t seconds, char *buf, size_t n);

/* Format a count with thousands separators: 11612288 -> "11,612,288"; returns buf. */
const char *elstm_count_format(uint64_t v, char *buf, size_t n);

#endif /* EDGELSTM_DATA_H */
