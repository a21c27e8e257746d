/*
 * tflite_export.h - io-internal: a forecaster serialized with metadata given as raw JSON
 * text (not checked), for the test tools and the metadata fuzz target, which make models
 * whose metadata is deliberately damaged.
 */
#ifndef EDGELSTM_IO_TFLITE_EXPORT_H
#define EDGELSTM_IO_TFLITE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/diag.h"
#include "edgelstm/lstm.h"

/* elstm_forecaster_serialize with `json` (may be NULL) as the edgelstm metadata entry. */
elstm_status tfl_serialize_forecaster(const elstm_lstm_f32 *m, int32_t steps, const char *json, uint8_t **out,
                                      size_t *out_len, elstm_diag *diag);

#endif
