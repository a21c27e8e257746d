/*
 * edgelstm/report.h - one self-contained HTML page about a model and its data
 * (`edgelstm report MODEL DATA -o REPORT.html`, `edgelstm train ... --report REPORT.html`).
 *
 * The page holds the data (every column the model reads, over the whole file, with the
 * missing values, filled and long gaps and the train/validation/test spans), the training
 * (loss and validation loss per epoch on a log scale, the best epoch, early stopping, the
 * learning rate; from the model's training record, meta.h), the forecasts of the test split
 * against the truth (whole split and one week, beside persistence), the errors (histogram,
 * by hour of day, MAE / RMSE / R^2 / bias against persistence and the one-day-seasonal
 * baseline) and a model card (inputs and scaling, window, horizon, sizes, and the device
 * figures of `profile` when the Arm tools are installed). Plots are inline SVG styled by an
 * inline style sheet: no script, no network resource, readable on screen and on paper.
 * Series with more values than a plot has pixel columns are drawn as a min/max band per
 * column with the mean as a line, so the page's size does not grow with the file.
 * The same inputs give the same bytes. Layering: report sits above data, train and codegen
 * and below cli (docs/ARCHITECTURE.md); its plot code is report/plot.c and report/axis.c.
 *
 * Host only (C11).
 */
#ifndef EDGELSTM_REPORT_H
#define EDGELSTM_REPORT_H

#include <stddef.h>

#include "edgelstm/data.h"
#include "edgelstm/diag.h"
#include "edgelstm/model.h"

typedef struct elstm_report_model {
    const char *path;                  /* the model file (named in the page; its size is read) */
    const elstm_forecaster *f;         /* loaded, with edgelstm metadata */
} elstm_report_model;

typedef struct elstm_report_opts {
    int threads;                       /* forecasting threads (>= 1) */
    int profile;                       /* 1: measure the device figures on the emulated
                                          Cortex-M4F when arm-none-eabi-gcc and
                                          qemu-system-arm are installed */
    double mhz;                        /* clock of the time estimate; 0 = 240 (the seed's ESP32-S3) */
} elstm_report_opts;

typedef struct elstm_report_info {
    size_t bytes;                      /* size of the page */
    int plots;                         /* plots drawn */
    int decimated;                     /* plots drawn as min/max bands (more values than pixels) */
    int history;                       /* the model carries its training history */
    int device;                        /* device figures: 1 measured, 0 not asked, -1 tools missing,
                                          -2 the measurement failed (the page says why) */
} elstm_report_info;

/* Build the page in memory (*html malloc'd, NUL-terminated; caller frees). `ds` is the data
 * loaded with the model's metadata (elstm_data_load_meta). `compare` (may be NULL) is a
 * second model of the same data read the same way - an int8 model's float twin - whose
 * errors and forecasts are shown beside the model's; ELSTM_ERR_DATA when it reads the data
 * differently. `info` may be NULL. */
elstm_status elstm_report_build(const elstm_report_model *model, const elstm_report_model *compare,
                                const elstm_dataset *ds, const elstm_report_opts *o, char **html,
                                size_t *len, elstm_report_info *info, elstm_diag *diag);

/* The same, written atomically to `path`. */
elstm_status elstm_report_write(const char *path, const elstm_report_model *model,
                                const elstm_report_model *compare, const elstm_dataset *ds,
                                const elstm_report_opts *o, elstm_report_info *info,
                                elstm_diag *diag);

#endif /* EDGELSTM_REPORT_H */
