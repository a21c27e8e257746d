/*
 * edgelstm/data.h - CSV -> validated, encoded, scaled, windowed time series.
 *
 * Host only (C11). `edgelstm data` and `edgelstm train` call elstm_data_load() with
 * the same options, so `data` fails exactly where `train` would. `eval` and
 * `predict` call elstm_data_load_meta() with the model's metadata, which reads the
 * file the way training did and applies the training scaler.
 *
 * Windows: window k starts at row s and covers rows [s, s + steps); its target is
 * the target column at row s + steps - 1 + horizon. Splits are chronological
 * segments of the rows (fractions split_train, split_val, rest test); a window
 * belongs to the split that contains all its rows and its target row. The scaler is
 * fitted on the training segment only. No window spans a long gap (see docs/data.md).
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
} elstm_data_opts;

void elstm_data_opts_default(elstm_data_opts *o);

typedef enum elstm_column_kind {
    ELSTM_COL_NUMERIC = 0,      /* numbers (with NA / NaN / empty as missing) */
    ELSTM_COL_COMPASS,          /* 16-point compass strings (N, NNE, ... NNW) */
    ELSTM_COL_TIME,             /* used as (part of) the time */
    ELSTM_COL_TEXT              /* anything else; never a feature */
} elstm_column_kind;

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
} elstm_dataset;

/* Load, validate, encode, scale and window a CSV. On failure `ds` is left empty
 * (safe to free) and `diag` holds one sentence naming FILE:LINE where there is one. */
elstm_status elstm_data_load(const elstm_data_opts *o, elstm_dataset *ds, elstm_diag *diag);

/* Load `path` as the model described by `meta` was trained: same time columns,
 * inputs, steps, horizon and splits, with the training scaler from `meta` (not refit). */
elstm_status elstm_data_load_meta(const char *path, const elstm_meta *meta,
                                  elstm_dataset *ds, elstm_diag *diag);

void elstm_data_free(elstm_dataset *ds);

/* Window helpers. `start` is a row index from win_start[] (or any usable start). */
static inline const float *elstm_data_window_x(const elstm_dataset *ds, size_t start)
{
    return ds->x + start * (size_t)ds->n_inputs;
}
static inline size_t elstm_data_target_row(const elstm_dataset *ds, size_t start)
{
    return start + (size_t)ds->meta.steps - 1 + (size_t)ds->meta.horizon;
}

/* Format a time as "YYYY-MM-DDTHH:MM:SS" into buf (>= 20 bytes). */
void elstm_time_format(int64_t t, char *buf, size_t n);

#endif /* EDGELSTM_DATA_H */
