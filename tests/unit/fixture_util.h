/*
 * fixture_util.h - the steps the suites of converted model files (test_keras_fixtures.c,
 * test_tflite_fixtures.c) share: loading a fixture as a forecaster, and reading the
 * interpreter's recorded numbers from its JSON.
 */
#ifndef ELSTM_FIXTURE_UTIL_H
#define ELSTM_FIXTURE_UTIL_H

#include <jansson.h>
#include <stdio.h>

#include "edgelstm/model.h"
#include "elstm_test.h"

/* elstm_forecaster_load() on tests/fixtures/DIR/NAME.tflite; `tfl` [n] gets the file name. */
static elstm_status fixture_forecaster(const char *dir, const char *name, char *tfl, size_t n,
                                       elstm_forecaster *f, elstm_diag *d)
{
    snprintf(tfl, n, "%s.tflite", name);
    elstm_diag_clear(d);
    return elstm_forecaster_load(test_fixture(dir, tfl), f, d);
}

/* The first n numbers of a JSON array, as floats. */
static void fixture_floats(json_t *arr, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)json_number_value(json_array_get(arr, i));
}

#endif
