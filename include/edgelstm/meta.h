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
#include "edgelstm/encoding.h"  /* elstm_encoding, elstm_time_feature (shared with the device) */

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
#define ELSTM_META_MAX_EPOCHS 1000         /* epoch records kept in a model file */
#define ELSTM_MAX_HORIZONS    256          /* outputs (forecast steps) of a multi-step model */
#define ELSTM_META_MAX_LEVELS 8            /* prediction-interval levels a model carries */
#define ELSTM_META_MAX_SERIES 64           /* per-series scalers a model carries */
#define ELSTM_META_MAX_SERIES_VALUES 2048  /* their values: series x (inputs + 1), each of min, max */

/* What the model's output j (0-based) is trained on, for the step h = horizon + j ahead
 * of the window's last row t (normalized with the target's scaler). */
typedef enum elstm_target_mode {
    ELSTM_TARGET_LEVEL = 0,        /* y(t + h): the value itself (the seed's model) */
    ELSTM_TARGET_DELTA = 1         /* y(t + h) - y(t): the change from the last value, which
                                      is the target's own input at the last row, so that
                                      forecast = output + that input (the target must be an
                                      input) */
} elstm_target_mode;

typedef struct elstm_meta_input {
    char name[ELSTM_NAME_MAX];     /* model input name: "TEMP", "wd_sin", "hour_cos", ... */
    char source[ELSTM_NAME_MAX];   /* CSV column it comes from; "" for time features */
    elstm_encoding enc;
    elstm_time_feature tf;         /* for ELSTM_ENC_TIME_*; ELSTM_TF_NONE otherwise */
    double min, max;               /* min-max scaler fitted on the training split:
                                      x_norm = (x - min) / (max - min), or 0 if max == min */
    int lead;                      /* calendar inputs: of the time `lead` intervals after the
                                      row's (the forecast time: --target-time-features);
                                      0 = the row's own time */
} elstm_meta_input;

/* Split-conformal prediction intervals (docs/training.md): at `level` per cent, the
 * forecast of step j lies within +-halfwidth[j] (target units) of the actual value with
 * that probability, calibrated on `n_calib` validation windows. */
typedef struct elstm_meta_interval {
    double level;                  /* per cent, 0 < level < 100 */
    double halfwidth[ELSTM_MAX_HORIZONS];   /* [outputs] */
} elstm_meta_interval;

/* One epoch of training, as the trainer measured it. */
typedef struct elstm_epoch_record {
    int epoch;                     /* 1-based */
    double loss;                   /* mean training loss over the epoch (normalized MSE) */
    double val_loss;               /* validation loss after the epoch; NAN without validation */
    double lr;                     /* learning rate of the epoch's Adam steps */
} elstm_epoch_record;             /* (no wall times: the same run writes the same bytes) */

/* How the model was trained: the settings and the loss per epoch ("training" in the JSON;
 * optional, so files written before it existed still load, with present == 0). Nothing
 * in it depends on wall time or on a --resume: a run writes the same bytes either way. */
typedef struct elstm_meta_training {
    int present;                   /* 0: the file carries no training record */
    int units, batch, epochs, patience, threads;   /* the train options */
    double lr;
    uint64_t seed;
    int epochs_run;                /* epochs completed */
    int best_epoch;                /* epoch whose weights the file holds */
    double best_loss;              /* its monitored loss */
    int early_stopped;             /* 1 if early stopping ended the run */
    char monitor[16];              /* "val_loss", or "loss" without validation windows */
    /* History: every epoch, or when there were more than ELSTM_META_MAX_EPOCHS an evenly
     * spaced selection that always keeps the first, the best and the last epoch. */
    int n_history;
    elstm_epoch_record history[ELSTM_META_MAX_EPOCHS];
    /* The recipe options (written only when used): gradient clipping, learning rate
     * lowered on plateaus. */
    double clip_norm;              /* 0 = none */
    double lr_factor;              /* 0 = a constant learning rate */
    int lr_patience;
    double min_lr;
    int sampling;                  /* a batch's windows: 0 uniform, 1 an equal share of every
                                      series ("sampling": "series", written only then) */
} elstm_meta_training;

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

    /* Added after the first contract (optional in the JSON). */
    elstm_meta_training training;
    int outputs;                   /* values per forecast: output k is the target horizon + k
                                      steps after the window's last row ("outputs"; 0 = not
                                      recorded, i.e. one value, as `train` writes it) */
    char scaler_source[160];       /* where the scaler came from when it was not edgelstm's own
                                      training (`edgelstm adopt`); "" = computed by `train` */
    int stateful;                  /* 1: a stateful (streaming) model ("stateful": true): its file
                                      takes one sample per invoke, [1, 1, n_inputs], and keeps the
                                      LSTM state in variable tensors between invokes; `steps` is
                                      then its training chunk and the windows eval measures */

    /* The target mode and intervals (optional in the JSON: absent means level, no
     * intervals; written only when they differ from that). Multi-step models (train
     * --horizons N) have `outputs` N. */
    elstm_target_mode target_mode;
    int n_intervals;               /* 0 .. ELSTM_META_MAX_LEVELS, ascending levels */
    size_t n_calib;                /* validation windows the intervals were calibrated on */
    elstm_meta_interval intervals[ELSTM_META_MAX_LEVELS];

    /* Per-series scalers (train --scaler series; "series_scalers" in the JSON, absent for
     * one scaler): series k (a training file, named by its file name without the folder)
     * was scaled with series_min/max[k * (n_inputs + 1) ...], laid out as
     * elstm_meta_scaler_export's arrays. The scaler above is then the first series'. A file
     * read with this metadata (elstm_data_load_meta) gets the scaler of the series of its
     * name, or else its own, fitted on its own training part (a series never trained on). */
    int n_series;
    char series_name[ELSTM_META_MAX_SERIES][ELSTM_NAME_MAX];
    double series_min[ELSTM_META_MAX_SERIES_VALUES], series_max[ELSTM_META_MAX_SERIES_VALUES];
} elstm_meta;

/* The steps ahead of output j (1-based lead: meta->horizon + j). */
static inline int elstm_meta_lead(const elstm_meta *m, int j) { return m->horizon + j; }

/* Outputs of the model the metadata describes (`outputs`, 1 when not recorded). */
static inline int elstm_meta_outputs(const elstm_meta *m) { return m->outputs > 1 ? m->outputs : 1; }

/* The forecast from output `out` of a window whose last row holds the normalized inputs
 * `last_row` (read only in delta mode, whose outputs are changes): normalized with the
 * target's scaler (the model's output itself in level mode), and in target units. */
double elstm_meta_forecast_normalized(const elstm_meta *m, float out, const float *last_row);
double elstm_meta_forecast(const elstm_meta *m, float out, const float *last_row);

/* Physical value <-> normalized value with a min/max pair (0 when max == min). */
double elstm_meta_normalize(double x, double min, double max);
double elstm_meta_denormalize(double x_norm, double min, double max);

/* Serialize to JSON text (malloc'd, NUL-terminated; caller frees) and back.
 * Parsing validates every field; `what` names the source in messages (a model path). */
elstm_status elstm_meta_to_json(const elstm_meta *m, char **json_out, elstm_diag *diag);
elstm_status elstm_meta_from_json(const char *json, size_t len, const char *what,
                                  elstm_meta *m, elstm_diag *diag);

/* Copy n epoch records (in epoch order) into t->history: all of them when they fit,
 * otherwise an evenly spaced selection that keeps the first, the last and the record of
 * t->best_epoch (set best_epoch first). */
void elstm_meta_set_history(elstm_meta_training *t, const elstm_epoch_record *r, int n);

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
