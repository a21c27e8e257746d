/*
 * device.c - the device-side forecaster (see device.h): scaling of raw samples, the
 * ring buffer of the last `steps` rows, forecasts in physical units, with a float32
 * model's LSTM kernel or an int8 model's integer kernels (edgelstm/quant.h).
 *
 * C99, no malloc, no stdio; stack: a few scalars. Every function here is ELSTM_API so
 * that a generated library can compile it as `static` inside its own translation unit.
 */
#include <math.h>
#include <string.h>

#include "device.h"

/* The struct must fit the bytes the arena formula reserves for it, on every platform. */
typedef char elstm_device_struct_fits[sizeof(elstm_device) <= ELSTM_DEVICE_STRUCT_BYTES ? 1 : -1];

static uintptr_t device_align(uintptr_t p)
{
    return (p + (ELSTM_ARENA_ALIGN - 1)) & ~(uintptr_t)(ELSTM_ARENA_ALIGN - 1);
}

/* The model's kind: int8 when it has no float LSTM (compile-time constant when the build
 * holds one kind only). */
#define IS_S8(m) (ELSTM_DEVICE_S8 && (!ELSTM_DEVICE_F32 || !(m)->lstm))

static int32_t n_inputs(const elstm_device_model *m)
{
#if ELSTM_DEVICE_S8
    if (IS_S8(m)) return m->net8->lstm.q.n_input;
#endif
#if ELSTM_DEVICE_F32
    return m->lstm->n_input;
#else
    return 0;
#endif
}

ELSTM_API size_t elstm_device_arena_size(const elstm_device_model *m)
{
#if ELSTM_DEVICE_S8
    if (IS_S8(m)) return ELSTM_DEVICE_S8_ARENA_BYTES(m->steps, m->net8->lstm.q.n_input, m->net8->lstm.q.n_units);
#endif
#if ELSTM_DEVICE_F32
    return ELSTM_DEVICE_ARENA_BYTES(m->steps, m->lstm->n_input, m->lstm->n_units);
#else
    return 0;
#endif
}

/* Carve the kernels' state from the arena at p; returns the next free byte, 0 on error. */
static uintptr_t init_kernel(elstm_device *d, const elstm_device_model *m, uintptr_t p, elstm_status *st)
{
#if ELSTM_DEVICE_S8
    if (IS_S8(m)) {
        size_t bytes = elstm_net_arena_size_s8(m->net8);
        *st = elstm_net_init_s8(&d->k.s8, m->net8, (void *)p, bytes);
        return p + bytes;
    }
#endif
#if ELSTM_DEVICE_F32
    {
        size_t bytes = elstm_lstm_arena_size_f32(m->lstm);
        *st = elstm_lstm_init_f32(&d->k.f32, m->lstm, (void *)p, bytes);
        return p + bytes;
    }
#else
    *st = ELSTM_ERR_ARG;
    return 0;
#endif
}

ELSTM_API elstm_status elstm_device_init(const elstm_device_model *m, void *arena,
                                         size_t arena_bytes, elstm_device **dev)
{
    uintptr_t p, end;
    elstm_device *d;
    int32_t i, n;
    elstm_status st;

    if (dev) *dev = NULL;
    if (!m || !arena || !dev || !m->inputs || (!m->lstm && !m->net8)) return ELSTM_ERR_ARG;
    if ((!ELSTM_DEVICE_F32 && !m->net8) || (!ELSTM_DEVICE_S8 && !m->lstm)) return ELSTM_ERR_ARG;
#if ELSTM_DEVICE_S8
    if (IS_S8(m) && m->net8->dense.n_out != 1) return ELSTM_ERR_ARG;
#endif
#if ELSTM_DEVICE_F32
    if (!IS_S8(m) && m->lstm->n_output != 1) return ELSTM_ERR_ARG;
#endif
    n = n_inputs(m);
    if (m->steps < 1 || m->n_sensors < 0 || n < 1) return ELSTM_ERR_ARG;
    for (i = 0; i < n; i++) {
        const elstm_device_input *in = &m->inputs[i];
        int timed = in->encoding == ELSTM_ENC_TIME_SIN || in->encoding == ELSTM_ENC_TIME_COS;
        if (in->encoding > ELSTM_ENC_TIME_COS) return ELSTM_ERR_ARG;
        if (timed ? (in->cycle < ELSTM_TF_HOUR || in->cycle > ELSTM_TF_MONTH)
                  : (in->sensor < 0 || in->sensor >= m->n_sensors))
            return ELSTM_ERR_ARG;
    }
    if (arena_bytes < elstm_device_arena_size(m)) return ELSTM_ERR_NOMEM;

    p = device_align((uintptr_t)arena);
    end = (uintptr_t)arena + arena_bytes;
    d = (elstm_device *)p;
    memset(d, 0, sizeof *d);
    p = init_kernel(d, m, p + ELSTM_DEVICE_STRUCT_BYTES, &st);
    if (st != ELSTM_OK) return st;
    p = device_align(p);
    d->ring = (void *)p;
    p = device_align(p + (size_t)m->steps * (size_t)n * (IS_S8(m) ? 1u : sizeof(float)));
    d->row = (float *)p;
    p += (size_t)n * sizeof(float);
    if (p > end) return ELSTM_ERR_NOMEM;
    d->model = m;
    d->rows = -1;
    d->y_norm = d->y = NAN;
    d->magic = ELSTM_DEVICE_MAGIC;
    d->self = d;
    elstm_device_reset(d);
    *dev = d;
    return ELSTM_OK;
}

ELSTM_API elstm_device *elstm_device_of(void *arena)
{
    elstm_device *d;
    if (!arena) return NULL;
    d = (elstm_device *)device_align((uintptr_t)arena);
    return d->magic == ELSTM_DEVICE_MAGIC && d->self == d ? d : NULL;
}

ELSTM_API void elstm_device_reset(elstm_device *d)
{
    d->head = 0;
    d->count = 0;
#if ELSTM_DEVICE_S8
    if (IS_S8(d->model)) elstm_net_reset_s8(&d->k.s8);
#endif
#if ELSTM_DEVICE_F32
    if (!IS_S8(d->model)) elstm_lstm_reset_f32(&d->k.f32);
#endif
}

/* ---- raw sample -> normalized row ------------------------------------------------ */

/* sin and cos of r in [0, pi/2]: Taylor series to r^11 / r^12 in Horner form, whose
 * truncation error there is below 6e-8 (no libm: the runtime stays free of it). */
static void sincos_quarter(float r, float *s, float *c)
{
    const float r2 = r * r;
    *s = r * (1.0f - r2 * (1.0f / 6.0f) *
                         (1.0f - r2 * (1.0f / 20.0f) *
                                     (1.0f - r2 * (1.0f / 42.0f) * (1.0f - r2 * (1.0f / 72.0f) * (1.0f - r2 * (1.0f / 110.0f))))));
    *c = 1.0f - r2 * 0.5f *
                    (1.0f - r2 * (1.0f / 12.0f) *
                                (1.0f - r2 * (1.0f / 30.0f) *
                                            (1.0f - r2 * (1.0f / 56.0f) *
                                                        (1.0f - r2 * (1.0f / 90.0f) * (1.0f - r2 * (1.0f / 132.0f))))));
}

/* sin and cos of `deg` degrees, 0 <= deg < 1e6, exact at the quarter turns (N, E, S, W
 * give 0 and +-1, as in training). */
static void sincos_deg(float deg, float *s, float *c)
{
    float r, sr, cr;
    int q;
    deg -= 360.0f * (float)(int32_t)(deg / 360.0f);
    if (deg >= 360.0f) deg -= 360.0f;
    if (deg < 0.0f) deg += 360.0f;
    q = (int)(deg / 90.0f);
    if (q > 3) q = 3;
    r = (deg - 90.0f * (float)q) * 0.0174532925f; /* pi / 180 */
    sincos_quarter(r, &sr, &cr);
    switch (q) {
    case 0: *s = sr; *c = cr; break;
    case 1: *s = cr; *c = -sr; break;
    case 2: *s = -sr; *c = -cr; break;
    default: *s = -cr; *c = sr; break;
    }
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 -> civil year and month (proleptic Gregorian). */
static void civil_from_days(int64_t days, int64_t *year, int *month)
{
    int64_t z = days + 719468, era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                    /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* [0, 365], from March 1 */
    int64_t mp = (5 * doy + 2) / 153;                                  /* [0, 11], March = 0 */
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (m <= 2);
    *month = m;
}

/* Days from 1970-01-01 to January 1 of `year`. */
static int64_t days_to_jan1(int64_t year)
{
    int64_t y = year - 1, era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + 306; /* March 1 of y .. Jan 1 of year */
    return era * 146097 + doe - 719468;
}

/* Phase in [0, 1) of a calendar cycle at `time` (seconds since 1970-01-01T00:00:00). */
static float calendar_phase(int cycle, int64_t time)
{
    int64_t days = floor_div(time, 86400), year;
    int month;
    switch (cycle) {
    case ELSTM_TF_HOUR: return (float)(time - days * 86400) / 86400.0f;
    case ELSTM_TF_WEEKDAY: return (float)((days % 7 + 7 + 3) % 7) / 7.0f; /* Monday = 0 */
    case ELSTM_TF_DOY:
        civil_from_days(days, &year, &month);
        return (float)(days - days_to_jan1(year)) / 365.2425f;
    default: /* ELSTM_TF_MONTH */
        civil_from_days(days, &year, &month);
        return (float)(month - 1) / 12.0f;
    }
}

ELSTM_API elstm_status elstm_device_normalize(const elstm_device_model *m, const float *sample,
                                              int64_t time, float *row)
{
    int32_t i, n = n_inputs(m);
    for (i = 0; i < n; i++) {
        const elstm_device_input *in = &m->inputs[i];
        float v, s, c;
        if (in->encoding == ELSTM_ENC_TIME_SIN || in->encoding == ELSTM_ENC_TIME_COS) {
            sincos_deg(360.0f * calendar_phase(in->cycle, time), &s, &c);
            v = in->encoding == ELSTM_ENC_TIME_SIN ? s : c;
        } else {
            v = sample[in->sensor];
            if (!isfinite(v)) return ELSTM_ERR_ARG;
            if (in->encoding != ELSTM_ENC_NUMERIC) {
                if (v >= 1e6f) return ELSTM_ERR_ARG; /* not an angle */
                if (v < 0.0f) {
                    s = c = 0.0f; /* calm / variable */
                } else {
                    sincos_deg(v, &s, &c);
                }
                v = in->encoding == ELSTM_ENC_COMPASS_SIN ? s : c;
            }
        }
        row[i] = (v - in->min) * in->inv_range;
    }
    return ELSTM_OK;
}

/* ---- ring buffer ----------------------------------------------------------------- */

/* Append a normalized row (quantized first for an int8 model). */
static void ring_push(elstm_device *d, const float *row)
{
    const elstm_device_model *m = d->model;
    const size_t n = (size_t)n_inputs(m);
#if ELSTM_DEVICE_S8
    if (IS_S8(m)) elstm_net_quantize_s8(m->net8, row, (int8_t *)d->ring + (size_t)d->head * n);
#endif
#if ELSTM_DEVICE_F32
    if (!IS_S8(m)) memcpy((float *)d->ring + (size_t)d->head * n, row, n * sizeof(float));
#endif
    d->head = d->head + 1 == m->steps ? 0 : d->head + 1;
    if (d->count < m->steps) d->count++;
}

ELSTM_API elstm_status elstm_device_feed(elstm_device *d, const float *sample, int64_t time)
{
    elstm_status st = elstm_device_normalize(d->model, sample, time, d->row);
    if (st != ELSTM_OK) return st;
    ring_push(d, d->row);
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_feed_normalized(elstm_device *d, const float *row)
{
    int32_t i;
    for (i = 0; i < n_inputs(d->model); i++)
        if (!isfinite(row[i])) return ELSTM_ERR_ARG;
    ring_push(d, row);
    return ELSTM_OK;
}

ELSTM_API int32_t elstm_device_count(const elstm_device *d)
{
    return d->count;
}

/* 1 when some input is computed from the sample's time (TIME_SIN / TIME_COS). */
static int has_calendar(const elstm_device_model *m)
{
    int32_t i;
    for (i = 0; i < n_inputs(m); i++)
        if (m->inputs[i].encoding >= ELSTM_ENC_TIME_SIN) return 1;
    return 0;
}

/* ---- forecasts ------------------------------------------------------------------- */

static void set_forecast(elstm_device *d, float y_norm)
{
    d->y_norm = y_norm;
    d->y = y_norm * d->model->target_range + d->model->target_min;
    d->has_forecast = 1;
}

ELSTM_API void elstm_device_window_begin(elstm_device *d)
{
#if ELSTM_DEVICE_S8
    if (IS_S8(d->model)) elstm_net_reset_s8(&d->k.s8);
#endif
#if ELSTM_DEVICE_F32
    if (!IS_S8(d->model)) elstm_lstm_reset_f32(&d->k.f32);
#endif
    d->rows = 0;
}

ELSTM_API elstm_status elstm_device_window_row(elstm_device *d, const float *row)
{
    if (d->rows < 0 || d->rows >= d->model->steps) return ELSTM_ERR_ARG;
#if ELSTM_DEVICE_S8
    if (IS_S8(d->model)) {
        elstm_net_quantize_s8(d->model->net8, row, d->k.s8.row);
        elstm_net_step_s8(&d->k.s8, d->k.s8.row);
    }
#endif
#if ELSTM_DEVICE_F32
    if (!IS_S8(d->model)) elstm_lstm_step_f32(&d->k.f32, row);
#endif
    d->rows++;
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_window_end(elstm_device *d)
{
    float y = 0.0f;
    if (d->rows != d->model->steps) {
        d->rows = -1;
        return ELSTM_ERR_DATA;
    }
    d->rows = -1;
#if ELSTM_DEVICE_S8
    if (IS_S8(d->model)) elstm_net_output_s8(&d->k.s8, &y);
#endif
#if ELSTM_DEVICE_F32
    if (!IS_S8(d->model)) elstm_dense_f32(&d->k.f32, &y);
#endif
    set_forecast(d, y);
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_predict(elstm_device *d)
{
    const elstm_device_model *m = d->model;
    const size_t n = (size_t)n_inputs(m);
    int32_t t, slot;
    if (d->count < m->steps) return ELSTM_ERR_DATA;
    elstm_device_window_begin(d);
    /* the ring is full: its oldest row is the one `head` will overwrite next */
    for (t = 0, slot = d->head; t < m->steps; t++, slot = slot + 1 == m->steps ? 0 : slot + 1) {
#if ELSTM_DEVICE_S8
        if (IS_S8(m)) elstm_net_step_s8(&d->k.s8, (const int8_t *)d->ring + (size_t)slot * n);
#endif
#if ELSTM_DEVICE_F32
        if (!IS_S8(m)) elstm_lstm_step_f32(&d->k.f32, (const float *)d->ring + (size_t)slot * n);
#endif
        d->rows++;
    }
    return elstm_device_window_end(d);
}

/* A whole window with the fast (ref = 0) or the reference kernel. */
static elstm_status predict_with(elstm_device *d, const float *x, int ref)
{
    float y = 0.0f;
    if (!x) return ELSTM_ERR_ARG;
#if ELSTM_DEVICE_S8
    if (IS_S8(d->model)) {
        if (ref && !d->model->net8->lstm.q.wx[0]) return ELSTM_ERR_ARG;   /* no row-major weights */
        if (ref) elstm_net_window_s8_ref(&d->k.s8, x, d->model->steps, &y);
        else elstm_net_window_s8(&d->k.s8, x, d->model->steps, &y);
    }
#endif
#if ELSTM_DEVICE_F32
    if (!IS_S8(d->model)) {
        if (ref) elstm_lstm_window_f32_ref(&d->k.f32, x, d->model->steps, &y);
        else elstm_lstm_window_f32(&d->k.f32, x, d->model->steps, &y);
    }
#endif
    set_forecast(d, y);
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_predict_window(elstm_device *d, const float *x)
{
    return predict_with(d, x, 0);
}

ELSTM_API elstm_status elstm_device_predict_window_ref(elstm_device *d, const float *x)
{
    return predict_with(d, x, 1);
}

ELSTM_API elstm_status elstm_device_predict_raw(elstm_device *d, const float *samples,
                                                const int64_t *times)
{
    const elstm_device_model *m = d->model;
    int32_t t;
    if ((!samples && m->n_sensors > 0) || (!times && has_calendar(m))) return ELSTM_ERR_ARG;
    elstm_device_window_begin(d);
    for (t = 0; t < m->steps; t++) {
        elstm_status st = elstm_device_normalize(m, samples ? samples + (size_t)t * m->n_sensors : NULL,
                                                 times ? times[t] : 0, d->row);
        if (st != ELSTM_OK) {
            d->rows = -1;
            return st;
        }
        elstm_device_window_row(d, d->row);
    }
    return elstm_device_window_end(d);
}

ELSTM_API float elstm_device_forecast(const elstm_device *d)
{
    return d->y;
}

ELSTM_API float elstm_device_forecast_normalized(const elstm_device *d)
{
    return d->y_norm;
}

/* ---- streaming ------------------------------------------------------------------- */
/* A windowed model's generated library defines ELSTM_DEVICE_NO_STREAM: it was not trained
 * to stream, and its translation unit would hold these static functions unused. Streaming
 * is float32 only (an int8 model is windowed: edgelstm quantize refuses stateful models). */
#if !defined(ELSTM_DEVICE_NO_STREAM) && ELSTM_DEVICE_F32

ELSTM_API elstm_status elstm_device_push_normalized(elstm_device *d, const float *row)
{
    float y;
    int32_t i;
    if (!row) return ELSTM_ERR_ARG;
    if (IS_S8(d->model)) return ELSTM_ERR_UNSUPPORTED;
    for (i = 0; i < d->model->lstm->n_input; i++)
        if (!isfinite(row[i])) return ELSTM_ERR_ARG;
    d->rows = -1; /* a window given row by row is abandoned */
    elstm_lstm_step_f32(&d->k.f32, row);
    elstm_dense_f32(&d->k.f32, &y);
    set_forecast(d, y);
    return ELSTM_OK;
}

ELSTM_API elstm_status elstm_device_push(elstm_device *d, const float *sample, int64_t time)
{
    elstm_status st = elstm_device_normalize(d->model, sample, time, d->row);
    if (st != ELSTM_OK) return st;
    return elstm_device_push_normalized(d, d->row);
}

ELSTM_API void elstm_device_stream_reset(elstm_device *d)
{
    if (!IS_S8(d->model)) elstm_lstm_reset_f32(&d->k.f32);
    d->rows = -1;
}

ELSTM_API elstm_status elstm_device_warm_up(elstm_device *d, const float *samples, const int64_t *times,
                                            int32_t n)
{
    const elstm_device_model *m = d->model;
    int32_t t;
    if (n < 1 || (!samples && m->n_sensors > 0) || (!times && has_calendar(m))) return ELSTM_ERR_ARG;
    elstm_device_stream_reset(d);
    for (t = 0; t < n; t++) {
        elstm_status st = elstm_device_push(d, samples ? samples + (size_t)t * (size_t)m->n_sensors : NULL,
                                            times ? times[t] : 0);
        if (st != ELSTM_OK) {
            elstm_device_stream_reset(d);
            return st;
        }
    }
    return ELSTM_OK;
}
#endif /* !ELSTM_DEVICE_NO_STREAM */
