/*
 * device_multi.h - the device-side forecaster for models with several LSTM layers
 * (stacked: Keras LSTM(return_sequences=True) -> LSTM -> ...) and/or several outputs
 * (Dense(N): the target at N horizons). Raw sensor samples in, N forecasts in the
 * target's units out.
 *
 * The API and semantics of device.h (what a raw sample is, the scaling, the ring buffer
 * of the last `steps` rows, whole windows, windows given row by row), with `multi` in the
 * names and these differences:
 *   - every time step runs each layer in turn (layer k reads layer k-1's new h);
 *   - a forecast is n_outputs values; output k is the target `horizon + k` intervals after
 *     the window's last sample, so the target's scaler de-normalizes every one of them;
 *     elstm_device_multi_forecast() is output 0, elstm_device_multi_forecasts() all;
 *   - a model may learn the change from the last value (`delta`: the target's own
 *     normalized input at the window's last row is added to every output before it is
 *     de-normalized, so the forecasts are the values themselves), carry calendar inputs of
 *     the forecast time (`lead_s`: those inputs are computed from the sample's time + lead)
 *     and prediction intervals (`halfwidth`: forecast -+ halfwidth per level and output).
 * Inputs are scaled by device.h's elstm_device_normalize() (device.c ships too).
 *
 * An int8 model (edgelstm/quant.h: one integer LSTM + Dense(N), as `edgelstm quantize`
 * writes it) runs here too, with every forecasting option: base.net8 is its network and
 * base.lstm and layers are NULL (n_layers 1). Rows are kept normalized (float32) in the
 * ring and quantized as each window runs; the dense outputs are dequantized, then the
 * delta, the scaler and the intervals apply exactly as for a float32 model.
 *
 * Shipped only in the libraries of such models (runtime/multi/, in a library
 * edgelstm/multi/): a one-layer, one-output model's library holds device.c alone and
 * stays byte for byte what it was.
 *
 * C99, no malloc, no stdio; every function is ELSTM_API.
 */
#ifndef EDGELSTM_DEVICE_MULTI_H
#define EDGELSTM_DEVICE_MULTI_H

#include "../device.h"
#include "lstm_stack.h"

#define ELSTM_DEVICE_MAX_LAYERS 8

typedef struct elstm_device_multi_model {
    /* inputs, steps, sensors and the target's scaler, as for one layer; base.lstm is
     * &layers[0] (base.lstm->n_output is not used); an int8 model: base.net8 (dense n_out
     * >= 1) with base.lstm and layers NULL */
    elstm_device_model base;
    int32_t n_layers;                   /* 1 .. ELSTM_DEVICE_MAX_LAYERS (1 for int8) */
    const elstm_lstm_f32 *layers;       /* [n_layers]: layer k reads layer k-1's units; the last
                                           holds the dense layer (n_output >= 1), the others none;
                                           NULL for an int8 model */
    /* Forecasting options (all zero: none). */
    int32_t delta;                      /* 1: the outputs are changes from input `target_input`'s
                                           normalized value at the window's last row */
    int32_t target_input;               /* with delta: that input (the target's own) */
    const int32_t *lead_s;              /* [n_input] or NULL: calendar inputs of the sample's time
                                           + lead_s[i] seconds (0 for the others) */
    int32_t n_levels;                   /* prediction intervals: levels (0 = none) */
    const float *levels;                /* [n_levels] per cent, ascending */
    const float *halfwidth;             /* [n_levels][n_outputs] target units */
} elstm_device_multi_model;

typedef struct elstm_device_multi {
    uint32_t magic;                     /* ELSTM_DEVICE_MULTI_MAGIC once initialized */
    const struct elstm_device_multi *self; /* where init put it (a byte copy is refused) */
    int32_t head, count, rows;          /* ring slot of the next sample, samples held, rows of the
                                           window being run (-1 = none) */
    const elstm_device_multi_model *model;
    elstm_lstm_ctx_f32 *lstm;           /* [n_layers] (float32 models) */
    elstm_net_ctx_s8 *s8;               /* an int8 model's network state */
    float *ring;                        /* [steps][n_input] normalized rows */
    float *row;                         /* [n_input] scratch */
    float *y_norm;                      /* [n_outputs] last forecast, normalized */
    float *y;                           /* [n_outputs] last forecast, target units */
    int32_t has_forecast;
    float last;                         /* delta models: the target's normalized input at the last
                                           row of the window being run */
} elstm_device_multi;

#define ELSTM_DEVICE_MULTI_MAGIC 0x6D6C7374u   /* "mlst" */

/* Bytes reserved per layer context in the arena on every platform (checked in device_multi.c). */
#define ELSTM_DEVICE_CTX_BYTES 32u
/* ... and for an int8 model's network context. */
#define ELSTM_DEVICE_NET_S8_CTX_BYTES 64u

/* Arena bytes for a model (a compile-time constant for generated code): alignment slack,
 * the struct, the layers' contexts, their states and scratch (6 floats per unit, three
 * aligned regions per layer), the ring buffer and one row, the forecasts. */
#define ELSTM_DEVICE_MULTI_ARENA_BYTES(steps, n_input, n_layers, units_sum, n_outputs)              \
    ((size_t)ELSTM_ARENA_ALIGN + ELSTM_DEVICE_STRUCT_BYTES + (size_t)(n_layers) * ELSTM_DEVICE_CTX_BYTES + \
     (size_t)6 * (size_t)(units_sum) * sizeof(float) + (size_t)(n_layers) * 3u * ELSTM_ARENA_ALIGN +      \
     (size_t)ELSTM_ARENA_ALIGN + ((size_t)(steps) + 1u) * (size_t)(n_input) * sizeof(float) +           \
     2u * (size_t)(n_outputs) * sizeof(float))

/* The same for an int8 model (base.net8): the struct, the network's context and arena
 * (edgelstm/quant.h), the ring buffer of float rows and one row, the forecasts. */
#define ELSTM_DEVICE_MULTI_S8_ARENA_BYTES(steps, n_input, n_units, n_outputs)                        \
    ((size_t)ELSTM_ARENA_ALIGN + ELSTM_DEVICE_STRUCT_BYTES + ELSTM_DEVICE_NET_S8_CTX_BYTES +           \
     ELSTM_NET_S8_ARENA_BYTES(n_input, n_units, n_outputs) + (size_t)ELSTM_ARENA_ALIGN +               \
     ((size_t)(steps) + 1u) * (size_t)(n_input) * sizeof(float) + 2u * (size_t)(n_outputs) * sizeof(float))

ELSTM_API size_t elstm_device_multi_arena_size(const elstm_device_multi_model *m);

/* Check the model, carve the arena, empty the ring buffer (see elstm_device_init). */
ELSTM_API elstm_status elstm_device_multi_init(const elstm_device_multi_model *m, void *arena,
                                               size_t arena_bytes, elstm_device_multi **dev);
ELSTM_API elstm_device_multi *elstm_device_multi_of(void *arena);
ELSTM_API void elstm_device_multi_reset(elstm_device_multi *d);

ELSTM_API elstm_status elstm_device_multi_feed(elstm_device_multi *d, const float *sample, int64_t time);
ELSTM_API elstm_status elstm_device_multi_feed_normalized(elstm_device_multi *d, const float *row);
ELSTM_API int32_t elstm_device_multi_count(const elstm_device_multi *d);

/* Raw sample -> normalized row, as elstm_device_normalize() with the model's calendar
 * inputs of the forecast time (lead_s) computed at time + lead. */
ELSTM_API elstm_status elstm_device_multi_normalize(const elstm_device_multi_model *m, const float *sample,
                                                    int64_t time, float *row);

ELSTM_API elstm_status elstm_device_multi_predict(elstm_device_multi *d);
ELSTM_API elstm_status elstm_device_multi_predict_window(elstm_device_multi *d, const float *x);
ELSTM_API elstm_status elstm_device_multi_predict_raw(elstm_device_multi *d, const float *samples,
                                                      const int64_t *times);
ELSTM_API void elstm_device_multi_window_begin(elstm_device_multi *d);
ELSTM_API elstm_status elstm_device_multi_window_row(elstm_device_multi *d, const float *row);
ELSTM_API elstm_status elstm_device_multi_window_end(elstm_device_multi *d);
ELSTM_API elstm_status elstm_device_multi_predict_window_ref(elstm_device_multi *d, const float *x);

/* Values per forecast (the top layer's dense outputs). */
ELSTM_API int32_t elstm_device_multi_outputs(const elstm_device_multi *d);

/* Output 0 of the last forecast (target units / normalized: forecast = normalized * range +
 * min, also for delta models, whose normalized forecasts have the last value added); NaN
 * before the first. */
ELSTM_API float elstm_device_multi_forecast(const elstm_device_multi *d);
ELSTM_API float elstm_device_multi_forecast_normalized(const elstm_device_multi *d);

/* Every output of the last forecast into out[n_outputs]; ELSTM_ERR_DATA before the first. */
ELSTM_API elstm_status elstm_device_multi_forecasts(const elstm_device_multi *d, float *out);
ELSTM_API elstm_status elstm_device_multi_forecasts_normalized(const elstm_device_multi *d, float *out);

/* The prediction interval of level `level` (0 .. n_levels - 1) around output k of the last
 * forecast, target units: low = forecast - halfwidth, high = forecast + halfwidth.
 * ELSTM_ERR_ARG for a level or output that does not exist, ELSTM_ERR_DATA before the first
 * forecast. */
ELSTM_API elstm_status elstm_device_multi_interval(const elstm_device_multi *d, int32_t level, int32_t k, float *low,
                                                   float *high);

#endif /* EDGELSTM_DEVICE_MULTI_H */
