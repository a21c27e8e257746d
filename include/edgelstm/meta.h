/*
 * edgelstm/meta.h - everything needed to reproduce a forecast in physical units.
 *
 * It rides inside the .tflite file as a Model.metadata entry named ELSTM_META_NAME
 * whose buffer holds the JSON text of this struct (io/meta.c). It is produced by
 * the data layer when a model is trained and consumed by eval / predict (to load a
 * CSV exactly as training did, with the training scaler), by inspect and by codegen.
 *
 * Host only (C11). Fixed-size arrays keep ownership trivial: the struct is plain
 * data and may be copied with `=`.
 */
#ifndef EDGELSTM_META_H
#define EDGELSTM_META_H

#include <stdint.h>
#include "edgelstm/diag.h"

#define ELSTM_META_NAME       "edgelstm"   /* Model.metadata[].name */
#define ELSTM_META_VERSION    1
#define ELSTM_META_MAX_INPUTS 128
#define ELSTM_NAME_MAX        64           /* column / input names, incl. NUL */

/* Bounds of the options a model records (the CLI accepts the same). */
#define ELSTM_MAX_STEPS       100000
#define ELSTM_MAX_HORIZON     100000
#define ELSTM_MAX_SKIP_ROWS   1000000
#define ELSTM_MAX_GAP_STEPS   1000000
#define ELSTM_MAX_INTERVAL_S  (100LL * 366 * 86400)

/* How a model input is computed from a CSV row. */
typedef enum elstm_encoding {
    ELSTM_ENC_NUMERIC = 0,     /* the numeric column as it is */
    ELSTM_ENC_COMPASS_SIN,     /* sin(angle) of a 16-point compass column (N=0 deg, E=90 deg) */
    ELSTM_ENC_COMPASS_COS,     /* cos(angle) of a 16-point compass column */
    ELSTM_ENC_TIME_SIN,        /* sin(2 pi phase) of a calendar cycle of the row's time */
    ELSTM_ENC_TIME_COS         /* cos(2 pi phase) of a calendar cycle of the row's time */
} elstm_encoding;

/* Calendar cycles for --time-features. */
typedef enum elstm_time_feature {
    ELSTM_TF_NONE = 0,
    ELSTM_TF_HOUR,             /* hour of day, period 24 h (uses minutes too) */
    ELSTM_TF_DOY,              /* day of year, period 365.2425 days */
    ELSTM_TF_WEEKDAY,          /* day of week, period 7 days */
    ELSTM_TF_MONTH             /* month of year, period 12 months */
} elstm_time_feature;

typedef struct elstm_meta_input {
    char name[ELSTM_NAME_MAX];     /* model input name: "TEMP", "wd_sin", "hour_cos", ... */
    char source[ELSTM_NAME_MAX];   /* CSV column it comes from; "" for time features */
    elstm_encoding enc;
    elstm_time_feature tf;         /* for ELSTM_ENC_TIME_*; ELSTM_TF_NONE otherwise */
    double min, max;               /* min-max scaler fitted on the training split:
                                      x_norm = (x - min) / (max - min), or 0 if max == min */
} elstm_meta_input;

typedef struct elstm_meta {
    int version;                   /* ELSTM_META_VERSION */
    char tool_version[32];         /* edgelstm version that wrote the model */

    /* How the CSV was read (so eval/predict read a file the same way). */
    char time_cols[256];           /* comma-separated time column(s) as resolved, e.g. "year,month,day,hour" */
    char time_format[64];          /* strptime-style format, "" = detected layout */
    char time_layout[32];          /* layout id the loader detected, for information */
    int skip_rows;                 /* lines skipped before the header */
    int64_t interval_s;            /* sampling interval of the training data, seconds */
    int max_gap;                   /* longest run of missing steps filled by interpolation */

    /* Windows. */
    int steps;                     /* time steps per window */
    int horizon;                   /* target is `horizon` steps after the window's last row */
    double split_train, split_val; /* chronological fractions; the rest is test */

    /* Target (the model's single output, normalized with target_min/target_max). */
    char target[ELSTM_NAME_MAX];
    int target_input;              /* index of the target among inputs, -1 if not an input */
    double target_min, target_max;

    /* Model inputs, in the order of the input tensor's last dimension. */
    int n_inputs;
    elstm_meta_input inputs[ELSTM_META_MAX_INPUTS];
} elstm_meta;

/* Physical value <-> normalized value with a min/max pair (0 when max == min). */
double elstm_meta_normalize(double x, double min, double max);
double elstm_meta_denormalize(double x_norm, double min, double max);

/* Serialize to JSON text (malloc'd, NUL-terminated; caller frees) and back.
 * Parsing validates every field; `what` names the source in messages (a model path). */
elstm_status elstm_meta_to_json(const elstm_meta *m, char **json_out, elstm_diag *diag);
elstm_status elstm_meta_from_json(const char *json, size_t len, const char *what,
                                  elstm_meta *m, elstm_diag *diag);

/* Every field a consumer relies on (elstm_meta_from_json calls it, need_target 1): a
 * non-empty target (with need_target; a dataset loaded without --target has none), usable
 * time columns and format, split fractions, bounds, scalers, encodings, names without
 * control characters. On failure one sentence "WHAT: edgelstm metadata field 'KEY' ..."
 * (ELSTM_ERR_FORMAT). */
elstm_status elstm_meta_check(const elstm_meta *m, int need_target, const char *what, elstm_diag *diag);

/* A --time-format (strptime-style) edgelstm can read: NULL, or a pointer to the first
 * unknown directive ("" at the end when there is no directive at all). */
const char *elstm_time_format_check(const char *fmt);

const char *elstm_encoding_name(elstm_encoding e);         /* "numeric", "compass_sin", ... */
const char *elstm_time_feature_name(elstm_time_feature t); /* "hour", "doy", "weekday", "month" */

#endif /* EDGELSTM_META_H */
