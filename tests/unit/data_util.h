/* data_util.h - helpers for the data-layer unit tests (header only). */
#ifndef ELSTM_TEST_DATA_UTIL_H
#define ELSTM_TEST_DATA_UTIL_H

#include <stdio.h>
#include <string.h>

#include "edgelstm/data.h"
#include "elstm_test.h"

/* Options for small test files: short windows unless a test says otherwise. */
static inline elstm_data_opts small_opts(const char *name)
{
    elstm_data_opts o;
    elstm_data_opts_default(&o);
    o.path = name;
    o.steps = 2;
    o.horizon = 1;
    /* the suites read the targets as values and count the inputs they name (the recipe's
     * defaults, delta and the forecast-time calendar, are tested in test_forecast_data.c) */
    o.target_mode = ELSTM_TARGET_LEVEL;
    o.target_time_features = "none";
    return o;
}

/* Load CSV text; returns the status, leaves the message in *d. */
static inline elstm_status load_text(const char *csv, const elstm_data_opts *o, elstm_dataset *ds,
                                     elstm_diag *d)
{
    elstm_diag_clear(d);
    return elstm_data_load_buffer(o, csv, strlen(csv), ds, d);
}

/* Load CSV text that must load; reports WHAT (with the message when it fails). */
static inline int test_loads(const char *what, const char *csv, const elstm_data_opts *o,
                             elstm_dataset *ds)
{
    elstm_diag d;
    elstm_status st = load_text(csv, o, ds, &d);
    return test_report(st == ELSTM_OK, what, "status %d: %s", (int)st, d.msg);
}

/* Column statistics by name, or NULL. */
static inline const elstm_column_stats *col_stats(const elstm_dataset *ds, const char *name)
{
    for (int c = 0; c < ds->n_columns; c++)
        if (strcmp(ds->columns[c].name, name) == 0) return &ds->columns[c];
    return NULL;
}

/* Index of a model input by name, or -1. */
static inline int input_index(const elstm_dataset *ds, const char *name)
{
    for (int i = 0; i < ds->meta.n_inputs; i++)
        if (strcmp(ds->meta.inputs[i].name, name) == 0) return i;
    return -1;
}

/* Physical value of input k at row r (undoing the scaler). */
static inline double input_value(const elstm_dataset *ds, int k, size_t r)
{
    const elstm_meta_input *in = &ds->meta.inputs[k];
    return elstm_meta_denormalize(ds->x[r * (size_t)ds->n_inputs + (size_t)k], in->min, in->max);
}

/* The load must fail with `want` and a message that contains every given fragment. */
#define TEST_LOAD_FAILS(what, csv, opts, want, ...)                                          \
    do {                                                                                     \
        elstm_dataset ds_;                                                                   \
        elstm_diag d_;                                                                       \
        elstm_status st_ = load_text((csv), (opts), &ds_, &d_);                              \
        const char *frags_[] = {__VA_ARGS__, NULL};                                          \
        int okmsg_ = 1;                                                                      \
        for (int i_ = 0; frags_[i_]; i_++)                                                   \
            if (!strstr(d_.msg, frags_[i_])) okmsg_ = 0;                                     \
        test_report(st_ == (want) && okmsg_ && !strchr(d_.msg, '\n'), (what),                \
                    "%s:%d: status %d (want %d), message: %s", __FILE__, __LINE__, (int)st_, \
                    (int)(want), d_.msg);                                                    \
        elstm_data_free(&ds_);                                                               \
    } while (0)

#endif /* ELSTM_TEST_DATA_UTIL_H */
