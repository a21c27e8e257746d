/*
 * device_multi.c - the device-side forecaster of models with several LSTM layers and/or
 * several outputs or forecasting options (see device_multi.h): the ring buffer of
 * normalized rows, windows run through every layer step by step (or through an int8
 * model's integer network), N forecasts in the target's units.
 *
 * C99, no malloc, no stdio; stack: a few scalars.
 *
 * The ring buffer and the arena checks repeat runtime/device.c's on purpose: a one-layer,
 * one-output library ships device.c alone and keeps its bytes and speed (tests/golden),
 * so the shared parts cannot move into a helper both files call without changing it.
 */
#include <math.h>
#include <string.h>

#include "device_multi.h"

/* The struct and a context must fit the bytes the arena formula reserves, on every platform. */
typedef char elstm_device_multi_fits[sizeof(elstm_device_multi) <= ELSTM_DEVICE_STRUCT_BYTES ? 1 : -1];
typedef char elstm_device_ctx_fits[sizeof(elstm_lstm_ctx_f32) <= ELSTM_DEVICE_CTX_BYTES ? 1 : -1];
typedef char elstm_device_net_s8_ctx_fits[sizeof(elstm_net_ctx_s8) <= ELSTM_DEVICE_NET_S8_CTX_BYTES ? 1 : -1];

/* The model's kind: int8 when it has no float layers (a compile-time constant when the
 * build holds one kind only, runtime/device.h). */
#define MULTI_S8(m) (ELSTM_DEVICE_S8 && (!ELSTM_DEVICE_F32 || !(m)->layers))

static uintptr_t multi_align(uintptr_t p)
{
    return (p + (ELSTM_ARENA_ALIGN - 1)) & ~(uintptr_t)(ELSTM_ARENA_ALIGN - 1);
}

static int32_t multi_outputs(const elstm_device_multi_model *m)
{
#if ELSTM_DEVICE_S8
    if (MULTI_S8(m)) return m->base.net8->dense.n_out;
#endif
#if ELSTM_DEVICE_F32
    return m->layers[m->n_layers - 1].n_output;
#else
    return 0;
#endif
}

/* Values per input row. */
static int32_t multi_inputs(const elstm_device_multi_model *m)
{
#if ELSTM_DEVICE_S8
    if (MULTI_S8(m)) return m->base.net8->lstm.q.n_input;
#endif
#if ELSTM_DEVICE_F32
    return m->layers[0].n_input;
#else
    return 0;
#endif
}

ELSTM_API size_t elstm_device_multi_arena_size(const elstm_device_multi_model *m)
{
    int32_t k, units = 0;
#if ELSTM_DEVICE_S8
    if (MULTI_S8(m))
        return ELSTM_DEVICE_MULTI_S8_ARENA_BYTES(m->base.steps, multi_inputs(m), m->base.net8->lstm.q.n_units,
                                                 multi_outputs(m));
#endif
    for (k = 0; k < m->n_layers; k++) units += m->layers[k].n_units;
    return ELSTM_DEVICE_MULTI_ARENA_BYTES(m->base.steps, m->layers[0].n_input, m->n_layers, units, multi_outputs(m));
}

/* The model's network is valid (float32 layers that form a stack, or an int8 network). */
static int network_valid(const elstm_device_multi_model *m)
{
#if ELSTM_DEVICE_S8
    if (MULTI_S8(m)) return m->base.net8 && !m->base.lstm && m->n_layers == 1 && m->base.net8->dense.n_out >= 1;
#endif
#if ELSTM_DEVICE_F32
    return m->layers && m->base.lstm == &m->layers[0] && m->n_layers >= 1 && m->n_layers <= ELSTM_DEVICE_MAX_LAYERS &&
           elstm_lstm_stack_check_f32(m->layers, m->n_layers) == ELSTM_OK && multi_outputs(m) >= 1;
#else
    return 0;
#endif
}

/* Carve the network's state from the arena at p (up to end); returns the next free byte,
 * 0 on error (*st says which). */
static uintptr_t init_network(elstm_device_multi *d, const elstm_device_multi_model *m, uintptr_t p, uintptr_t end,
                              elstm_status *st)
{
    int32_t k;
#if ELSTM_DEVICE_S8
    if (MULTI_S8(m)) {
        size_t bytes = elstm_net_arena_size_s8(m->base.net8);
        d->s8 = (elstm_net_ctx_s8 *)p;
        p += ELSTM_DEVICE_NET_S8_CTX_BYTES;
        if (p + bytes > end) {
            *st = ELSTM_ERR_NOMEM;
            return 0;
        }
        *st = elstm_net_init_s8(d->s8, m->base.net8, (void *)p, bytes);
        return *st == ELSTM_OK ? p + bytes : 0;
    }
#endif
    d->lstm = (elstm_lstm_ctx_f32 *)p;
    p += (size_t)m->n_layers * ELSTM_DEVICE_CTX_BYTES;
    for (k = 0; k < m->n_layers; k++) {
        size_t bytes = elstm_lstm_arena_size_f32(&m->layers[k]);
        if (p + bytes > end) {
            *st = ELSTM_ERR_NOMEM;
            return 0;
        }
        *st = elstm_lstm_init_f32(&d->lstm[k], &m->layers[k], (void *)p, bytes);
        if (*st != ELSTM_OK) return 0;
        p += bytes;
    }
    return p;
}

/* The model's inputs can be computed from a raw sample (as elstm_device_init checks). */
static int inputs_valid(const elstm_device_model *m, int32_t n_input)
{
    int32_t i;
    for (i = 0; i < n_input; i++) {
        const elstm_device_input *in = &m->inputs[i];
        int timed = in->encoding == ELSTM_ENC_TIME_SIN || in->encoding == ELSTM_ENC_TIME_COS;
        if (in->encoding > ELSTM_ENC_TIME_COS) return 0;
        if (timed ? (in->cycle < ELSTM_TF_HOUR || in->cycle > ELSTM_TF_MONTH)
                  : (in->sensor < 0 || in->sensor >= m->n_sensors))
            return 0;
    }
    return 1;
}

ELSTM_API elstm_status elstm_device_multi_init(const elstm_device_multi_model *m, void *arena,
                                               size_t arena_bytes, elstm_device_multi **dev)
{
    uintptr_t p, end;
    elstm_device_multi *d;
    int32_t k, O, I;
    elstm_status st;

    if (dev) *dev = NULL;
    if (!m || !arena || !dev || !m->base.inputs || (!ELSTM_DEVICE_F32 && !m->base.net8) ||
        (!ELSTM_DEVICE_S8 && !m->layers) || !network_valid(m))
        return ELSTM_ERR_ARG;
    if (m->base.steps < 1 || m->base.n_sensors < 0) return ELSTM_ERR_ARG;
    O = multi_outputs(m);
    I = multi_inputs(m);
    if (O < 1 || I < 1 || !inputs_valid(&m->base, I)) return ELSTM_ERR_ARG;
    if (m->delta && (m->target_input < 0 || m->target_input >= I)) return ELSTM_ERR_ARG;
    if (m->n_levels < 0 || (m->n_levels > 0 && (!m->levels || !m->halfwidth))) return ELSTM_ERR_ARG;
    if (arena_bytes < elstm_device_multi_arena_size(m)) return ELSTM_ERR_NOMEM;

    p = multi_align((uintptr_t)arena);
    end = (uintptr_t)arena + arena_bytes;
    d = (elstm_device_multi *)p;
    memset(d, 0, sizeof *d);
    p = init_network(d, m, p + ELSTM_DEVICE_STRUCT_BYTES, end, &st);
    if (!p) return st;
    p = multi_align(p);
    d->ring = (float *)p;
    p += (size_t)m->base.steps * (size_t)I * sizeof(float);
    d->row = (float *)p;
    p += (size_t)I * sizeof(float);
    d->y_norm = (float *)p;
    p += (size_t)O * sizeof(float);
    d->y = (float *)p;
    p += (size_t)O * sizeof(float);
    if (p > end) return ELSTM_ERR_NOMEM;
    for (k = 0; k < O; k++) d->y_norm[k] = d->y[k] = NAN;
    d->model = m;
    d->rows = -1;
    d->magic = ELSTM_DEVICE_MULTI_MAGIC;
    d->self = d;
    elstm_device_multi_reset(d);
    *dev = d;
    return ELSTM_OK;
}

ELSTM_API elstm_device_multi *elstm_device_multi_of(void *arena)
{
    elstm_device_multi *d;
    if (!arena) return NULL;
    d = (elstm_device_multi *)multi_align((uintptr_t)arena);
    return d->magic == ELSTM_DEVICE_MULTI_MAGIC && d->self == d ? d : NULL;
}

ELSTM_API void elstm_device_multi_reset(elstm_device_multi *d)
{
    d->head = 0;
    d->count = 0;
}

/* ---- the ring buffer ---------------------------------------------------------------- */

static void multi_push(elstm_device_multi *d, const float *row)
{
    const int32_t steps = d->model->base.steps;
    const size_t n = (size_t)multi_inputs(d->model);
    memcpy(d->ring + (size_t)d->head * n, row, n * sizeof(float));
    d->head = d->head + 1 == steps ? 0 : d->head + 1;
    if (d->count < steps) d->count++;
}

ELSTM_API elstm_status elstm_device_multi_normalize(const elstm_device_multi_model *m, const float *sample,
                                                    int64_t time, float *row)
{
    int32_t i;
    elstm_status st = elstm_device_normalize(&m->base, sample, time, row);
    for (i = 0; st == ELSTM_OK && m->lead_s && i < multi_inputs(m); i++) {
        /* a calendar input of the forecast time: the same encoding, at time + lead (one
         * input through elstm_device_normalize: the one implementation of the scaling; a
         * model of one input, float32 or int8 as the build reads it) */
#if ELSTM_DEVICE_S8
        static const elstm_net_s8 one8 = {.lstm = {.q = {.n_input = 1}}};
#endif
        elstm_lstm_f32 one;
        elstm_device_model mi;
        if (!m->lead_s[i]) continue;
        memset(&one, 0, sizeof one);
        one.n_input = 1;
        mi = m->base;
        mi.lstm = &one;
#if ELSTM_DEVICE_S8
        mi.net8 = &one8;
#endif
        mi.inputs = &m->base.inputs[i];
        st = elstm_device_normalize(&mi, sample, time + m->lead_s[i], &row[i]);
    }
    return st;
}

ELSTM_API elstm_status elstm_device_multi_feed(elstm_device_multi *d, const float *sample, int64_t time)
{
    elstm_status st = elstm_device_multi_normalize(d->model, sample, time, d->row);
    if (st != ELSTM_OK) return st;
    multi_push(d, d->row);
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_multi_feed_normalized(elstm_device_multi *d, const float *row)
{
    int32_t i;
    for (i = 0; i < multi_inputs(d->model); i++)
        if (!isfinite(row[i])) return ELSTM_ERR_ARG;
    multi_push(d, row);
    return ELSTM_OK;
}

ELSTM_API int32_t elstm_device_multi_count(const elstm_device_multi *d)
{
    return d->count;
}

/* ---- forecasts ------------------------------------------------------------------------ */

/* The network's outputs (y_norm, before the delta) -> y_norm, y. */
static void multi_values(elstm_device_multi *d)
{
    const elstm_device_multi_model *m = d->model;
    int32_t k, O = multi_outputs(m);
    for (k = 0; m->delta && k < O; k++) d->y_norm[k] += d->last; /* the change -> the value */
    for (k = 0; k < O; k++) d->y[k] = d->y_norm[k] * m->base.target_range + m->base.target_min;
    d->has_forecast = 1;
}

/* The dense outputs of the network after a window's last row -> y_norm, y. */
static void multi_finish(elstm_device_multi *d)
{
#if ELSTM_DEVICE_S8
    if (MULTI_S8(d->model)) elstm_net_output_s8(d->s8, d->y_norm);
#endif
#if ELSTM_DEVICE_F32
    if (!MULTI_S8(d->model)) elstm_dense_f32(&d->lstm[d->model->n_layers - 1], d->y_norm);
#endif
    multi_values(d);
}

ELSTM_API void elstm_device_multi_window_begin(elstm_device_multi *d)
{
#if ELSTM_DEVICE_S8
    if (MULTI_S8(d->model)) elstm_net_reset_s8(d->s8);
#endif
#if ELSTM_DEVICE_F32
    if (!MULTI_S8(d->model)) elstm_lstm_stack_reset_f32(d->lstm, d->model->n_layers);
#endif
    d->rows = 0;
}

ELSTM_API elstm_status elstm_device_multi_window_row(elstm_device_multi *d, const float *row)
{
    if (d->rows < 0 || d->rows >= d->model->base.steps) return ELSTM_ERR_ARG;
#if ELSTM_DEVICE_S8
    if (MULTI_S8(d->model)) {
        elstm_net_quantize_s8(d->model->base.net8, row, d->s8->row);
        elstm_net_step_s8(d->s8, d->s8->row);
    }
#endif
#if ELSTM_DEVICE_F32
    if (!MULTI_S8(d->model)) elstm_lstm_stack_step_f32(d->lstm, d->model->n_layers, row);
#endif
    if (d->model->delta) d->last = row[d->model->target_input];
    d->rows++;
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_multi_window_end(elstm_device_multi *d)
{
    int32_t rows = d->rows;
    d->rows = -1;
    if (rows != d->model->base.steps) return ELSTM_ERR_DATA;
    multi_finish(d);
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_multi_predict(elstm_device_multi *d)
{
    const int32_t steps = d->model->base.steps;
    const size_t n = (size_t)multi_inputs(d->model);
    int32_t t, slot;
    if (d->count < steps) return ELSTM_ERR_DATA;
    elstm_device_multi_window_begin(d);
    /* the ring is full: its oldest row is the one `head` will overwrite next */
    for (t = 0, slot = d->head; t < steps; t++, slot = slot + 1 == steps ? 0 : slot + 1)
        elstm_device_multi_window_row(d, d->ring + (size_t)slot * n);
    return elstm_device_multi_window_end(d);
}

/* Delta models: the target's input at the window's last row of x [steps][n_input]. */
static void multi_last_of(elstm_device_multi *d, const float *x)
{
    const elstm_device_multi_model *m = d->model;
    if (m->delta)
        d->last = x[((size_t)m->base.steps - 1u) * (size_t)multi_inputs(m) + (size_t)m->target_input];
}

/* A whole window x [steps][n_input] with the fast kernels or (ref) the reference ones. */
static elstm_status multi_window(elstm_device_multi *d, const float *x, int ref)
{
    const elstm_device_multi_model *m = d->model;
    if (!x) return ELSTM_ERR_ARG;
#if ELSTM_DEVICE_S8
    if (MULTI_S8(m)) {
        if (ref) elstm_net_window_s8_ref(d->s8, x, m->base.steps, d->y_norm);
        else elstm_net_window_s8(d->s8, x, m->base.steps, d->y_norm);
    }
#endif
#if ELSTM_DEVICE_F32
    if (!MULTI_S8(m)) {
        if (ref) elstm_lstm_stack_window_f32_ref(d->lstm, m->n_layers, x, m->base.steps, NULL);
        else elstm_lstm_stack_window_f32(d->lstm, m->n_layers, x, m->base.steps, NULL);
        elstm_dense_f32(&d->lstm[m->n_layers - 1], d->y_norm);
    }
#endif
    multi_last_of(d, x);
    multi_values(d);
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_multi_predict_window(elstm_device_multi *d, const float *x)
{
    return multi_window(d, x, 0);
}

ELSTM_API elstm_status elstm_device_multi_predict_window_ref(elstm_device_multi *d, const float *x)
{
    return multi_window(d, x, 1);
}

ELSTM_API elstm_status elstm_device_multi_predict_raw(elstm_device_multi *d, const float *samples,
                                                      const int64_t *times)
{
    const elstm_device_model *m = &d->model->base;
    int32_t t, i, timed = 0;
    for (i = 0; i < multi_inputs(d->model); i++) timed |= m->inputs[i].encoding >= ELSTM_ENC_TIME_SIN;
    if ((!samples && m->n_sensors > 0) || (!times && timed)) return ELSTM_ERR_ARG;
    elstm_device_multi_window_begin(d);
    for (t = 0; t < m->steps; t++) {
        elstm_status st = elstm_device_multi_normalize(d->model, samples ? samples + (size_t)t * m->n_sensors : NULL,
                                                       times ? times[t] : 0, d->row);
        if (st != ELSTM_OK) {
            d->rows = -1;
            return st;
        }
        elstm_device_multi_window_row(d, d->row);
    }
    return elstm_device_multi_window_end(d);
}

ELSTM_API int32_t elstm_device_multi_outputs(const elstm_device_multi *d)
{
    return multi_outputs(d->model);
}

ELSTM_API float elstm_device_multi_forecast(const elstm_device_multi *d)
{
    return d->y[0];
}

ELSTM_API float elstm_device_multi_forecast_normalized(const elstm_device_multi *d)
{
    return d->y_norm[0];
}

static elstm_status multi_copy(const elstm_device_multi *d, const float *from, float *out)
{
    if (!out) return ELSTM_ERR_ARG;
    if (!d->has_forecast) return ELSTM_ERR_DATA;
    memcpy(out, from, (size_t)multi_outputs(d->model) * sizeof(float));
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_multi_forecasts(const elstm_device_multi *d, float *out)
{
    return multi_copy(d, d->y, out);
}

ELSTM_API elstm_status elstm_device_multi_forecasts_normalized(const elstm_device_multi *d, float *out)
{
    return multi_copy(d, d->y_norm, out);
}

ELSTM_API elstm_status elstm_device_multi_interval(const elstm_device_multi *d, int32_t level, int32_t k, float *low,
                                                   float *high)
{
    const elstm_device_multi_model *m = d->model;
    const int32_t O = multi_outputs(m);
    float hw;
    if (level < 0 || level >= m->n_levels || k < 0 || k >= O || !low || !high) return ELSTM_ERR_ARG;
    if (!d->has_forecast) return ELSTM_ERR_DATA;
    hw = m->halfwidth[(size_t)level * (size_t)O + (size_t)k];
    *low = d->y[k] - hw;
    *high = d->y[k] + hw;
    return ELSTM_OK;
}
