/*
 * device.h - the device-side forecaster: raw sensor samples in, a forecast in physical
 * units out. It ships inside every library that `edgelstm deploy` generates (whose
 * NAME_*() functions wrap it) and is compiled into the host library too.
 *
 * C99, no malloc, no stdio, no libc beyond <string.h>/<math.h>/<stdint.h>; depends only
 * on edgelstm/lstm.h. Weights and model description are const (flash); everything the
 * forecaster writes lives in one caller-provided arena whose size
 * ELSTM_DEVICE_ARENA_BYTES() gives at compile time.
 *
 * What a raw sample is. The model's inputs (meta.h on the host) are computed from
 * "sensors", the distinct source columns of the training CSV, in the order in which the
 * inputs first use them:
 *   - a numeric column: its value in the CSV's units (e.g. degC, hPa);
 *   - a 16-point compass column (wind direction): degrees clockwise from north, as
 * *     the CSV's N = 0, NNE = 22.5, ... NNW = 337.5 (any angle from 0 up to 1e6 is
 *     accepted and wrapped; it is an
 *     angle); a negative value means calm / variable (the CSV's C, CALM, VRB), whose
 *     sin/cos pair is (0, 0) as in training;
 * and calendar inputs (--time-features hour, doy, weekday, month) come from the sample's
 * time: seconds since 1970-01-01T00:00:00 on the same clock as the training CSV's time
 * column (its local time if the CSV was local; no time zone is applied), i.e. what a
 * Unix clock reads when the CSV was in UTC. Each input is then min-max scaled with the
 * training scaler: x_norm = (x - min) / (max - min).
 *
 * The ring buffer keeps the normalized rows of the last `steps` samples fed; a forecast
 * runs the LSTM from a zero state over those rows (oldest first), exactly as
 * elstm_device_predict_window() does over a whole window, then the dense layer, and
 * de-normalizes the output with the target's scaler.
 */
#ifndef EDGELSTM_DEVICE_H
#define EDGELSTM_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/encoding.h"
#include "edgelstm/lstm.h"
#include "edgelstm/quant.h"

/* Which forecasters this build of the device code runs (both by default; a generated
 * library sets the other to 0, so only its model's kernels are compiled in):
 *   ELSTM_DEVICE_F32  float32 models (elstm_device_model.lstm)
 *   ELSTM_DEVICE_S8   int8 models (elstm_device_model.net8) */
#ifndef ELSTM_DEVICE_F32
#define ELSTM_DEVICE_F32 1
#endif
#ifndef ELSTM_DEVICE_S8
#define ELSTM_DEVICE_S8 1
#endif

/* One model input: how it is computed from a raw sample (edgelstm/encoding.h, the
 * vocabulary of the host's model metadata too) and its training scaler. */
typedef struct elstm_device_input {
    uint8_t encoding;    /* elstm_encoding: ELSTM_ENC_NUMERIC ... ELSTM_ENC_TIME_COS */
    uint8_t cycle;       /* elstm_time_feature: ELSTM_TF_HOUR ... for TIME_*, 0 otherwise */
    int16_t sensor;      /* index into a raw sample (NUMERIC, COMPASS_*); -1 for TIME_* */
    float min;           /* training scaler: x_norm = (x - min) * inv_range */
    float inv_range;     /* 1 / (max - min), 0 when max == min */
} elstm_device_input;

typedef struct elstm_device_model {
    const elstm_lstm_f32 *lstm;          /* a float32 model (n_output 1), or NULL */
    int32_t steps;                       /* samples per window */
    int32_t n_sensors;                   /* values in one raw sample */
    const elstm_device_input *inputs;    /* [n_input] */
    float target_min, target_range;      /* forecast = y_norm * target_range + target_min */
    const elstm_net_s8 *net8;            /* an int8 model (dense n_out 1), when lstm is NULL:
                                            rows are quantized as they are fed, and the ring
                                            holds them as int8 */
} elstm_device_model;

/* The forecaster's state. It sits at the start of the arena; fields are read-only for
 * callers. */
typedef struct elstm_device {
    uint32_t magic;                      /* ELSTM_DEVICE_MAGIC once initialized */
    int32_t head;                        /* ring slot of the next sample */
    int32_t count;                       /* samples in the ring (<= steps) */
    int32_t rows;                        /* rows given to the window being run, -1 = none */
    int32_t has_forecast;
    float y_norm;                        /* last forecast, normalized */
    float y;                             /* last forecast, target units */
    const struct elstm_device *self;     /* where init put it: a byte copy of an arena is
                                            refused (its pointers still point into the
                                            original) */
    const elstm_device_model *model;
    void *ring;                          /* [steps][n_input] normalized rows: float32, or
                                            int8 quantized for an int8 model */
    float *row;                          /* [n_input] one normalized row (scratch) */
    union {
        elstm_lstm_ctx_f32 f32;          /* a float32 model's LSTM state */
        elstm_net_ctx_s8 s8;             /* an int8 model's state */
    } k;
} elstm_device;

#define ELSTM_DEVICE_MAGIC 0x6C73746Du   /* "lstm" */

/* Bytes reserved for struct elstm_device at the start of the arena on any platform
 * (checked at compile time in device.c), so that the arena size is the same number
 * for every target. */
#define ELSTM_DEVICE_STRUCT_BYTES 128u

/* Arena bytes for a model (a compile-time constant for generated code): alignment
 * slack, the struct, the LSTM's state and scratch, the ring buffer and one row. */
#define ELSTM_DEVICE_ARENA_BYTES(steps, n_input, n_units)                                   \
    ((size_t)ELSTM_ARENA_ALIGN + ELSTM_DEVICE_STRUCT_BYTES + ELSTM_LSTM_F32_ARENA_BYTES(n_units) + \
     (size_t)ELSTM_ARENA_ALIGN + ((size_t)(steps) + 1u) * (size_t)(n_input) * sizeof(float))

/* The same for an int8 model (one output): the net's state, the ring of int8 rows and
 * one float row. */
#define ELSTM_DEVICE_S8_ARENA_BYTES(steps, n_input, n_units)                                  \
    ((size_t)ELSTM_ARENA_ALIGN + ELSTM_DEVICE_STRUCT_BYTES + ELSTM_NET_S8_ARENA_BYTES(n_input, n_units, 1) + \
     2u * (size_t)ELSTM_ARENA_ALIGN + (size_t)(steps) * (size_t)(n_input) + (size_t)(n_input) * sizeof(float))

ELSTM_API size_t elstm_device_arena_size(const elstm_device_model *m);

/* Check the model, carve the arena and empty the ring buffer. *dev points into the
 * arena. ELSTM_ERR_ARG for an invalid model, ELSTM_ERR_NOMEM for a small arena. */
ELSTM_API elstm_status elstm_device_init(const elstm_device_model *m, void *arena,
                                         size_t arena_bytes, elstm_device **dev);

/* The forecaster in an arena that elstm_device_init() prepared, or NULL if it was not
 * (a zeroed or foreign arena). */
ELSTM_API elstm_device *elstm_device_of(void *arena);

/* Forget every sample fed and the LSTM state (the forecast stays readable). */
ELSTM_API void elstm_device_reset(elstm_device *d);

/* Raw sample -> normalized model inputs row [n_input] (see the top of this file).
 * `sample` is [n_sensors] (may be NULL when n_sensors == 0); `time` is read only by
 * calendar inputs. ELSTM_ERR_ARG if a value is NaN or infinite. */
ELSTM_API elstm_status elstm_device_normalize(const elstm_device_model *m, const float *sample,
                                              int64_t time, float *row);

/* Append one sample to the ring buffer (the oldest goes once `steps` are held). */
ELSTM_API elstm_status elstm_device_feed(elstm_device *d, const float *sample, int64_t time);
/* The same with an already normalized row [n_input]. */
ELSTM_API elstm_status elstm_device_feed_normalized(elstm_device *d, const float *row);

/* Samples held (0 .. steps); a forecast from the buffer needs `steps`. */
ELSTM_API int32_t elstm_device_count(const elstm_device *d);

/* Forecast from the ring buffer; ELSTM_ERR_DATA until `steps` samples were fed. */
ELSTM_API elstm_status elstm_device_predict(elstm_device *d);

/* Forecast from a whole normalized window x [steps][n_input] (row-major, oldest first:
 * the model's input tensor, e.g. an Edge Impulse features[] array). */
ELSTM_API elstm_status elstm_device_predict_window(elstm_device *d, const float *x);

/* Forecast from a whole raw window: samples [steps][n_sensors] and their times [steps]
 * (times may be NULL when the model has no calendar inputs). */
ELSTM_API elstm_status elstm_device_predict_raw(elstm_device *d, const float *samples,
                                                const int64_t *times);

/* A window given row by row (for input that is paged in, e.g. from flash): begin, then
 * exactly `steps` normalized rows, then end, which makes the forecast. Rows beyond
 * `steps` are refused (ELSTM_ERR_ARG); end after fewer rows is ELSTM_ERR_DATA. */
ELSTM_API void elstm_device_window_begin(elstm_device *d);
ELSTM_API elstm_status elstm_device_window_row(elstm_device *d, const float *row);
ELSTM_API elstm_status elstm_device_window_end(elstm_device *d);

/* The same forecast as elstm_device_predict_window() with the plain reference kernel
 * (lstm_f32_ref.c, libm activations; lstm_s8_ref.c for int8): slower, for checking a
 * port of the fast kernel. ELSTM_ERR_ARG for an int8 model stored only in the fast
 * kernel's weight layout (a Cortex-M library built without NAME_WITH_REFERENCE). */
ELSTM_API elstm_status elstm_device_predict_window_ref(elstm_device *d, const float *x);

/* The last forecast: in the target's units, and normalized (the model's raw output).
 * NaN before the first forecast. */
ELSTM_API float elstm_device_forecast(const elstm_device *d);
ELSTM_API float elstm_device_forecast_normalized(const elstm_device *d);

/* ---- streaming: a stateful model (train --stateful) ----------------------------------
 * The LSTM state stays in the arena from one sample to the next: one step per new
 * sample, the forecast from the state after it (what the model was trained for). A
 * window run (predict, predict_window, predict_raw, window_end) starts from a zero state
 * and leaves the state after its last row: a warm-up, the stream continues from there.
 * The ring buffer is not touched. */

#if !defined(ELSTM_DEVICE_NO_STREAM)
/* One normalized row [n_input]: one step from the state, then the forecast. */
ELSTM_API elstm_status elstm_device_push_normalized(elstm_device *d, const float *row);

/* One raw sample taken at `time`: normalized, then as elstm_device_push_normalized. */
ELSTM_API elstm_status elstm_device_push(elstm_device *d, const float *sample, int64_t time);

/* Start a new stream (e.g. after a gap): the LSTM state back to zero. */
ELSTM_API void elstm_device_stream_reset(elstm_device *d);

/* The state of n raw samples [n][n_sensors] taken at times [n] (NULL when the model has
 * no calendar inputs), oldest first, from a zero state; the forecast after the last. On a
 * bad sample the state is reset and the sample's status returned. */
ELSTM_API elstm_status elstm_device_warm_up(elstm_device *d, const float *samples, const int64_t *times,
                                            int32_t n);
#endif

#endif /* EDGELSTM_DEVICE_H */
