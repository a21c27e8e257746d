/*
 * test_device.c - the device-side forecaster (runtime/device.c) on the host.
 *
 * Scaling of raw samples is checked against an independent computation in double
 * precision with libc (gmtime_r for the calendar, sin/cos for angles); forecasts from the
 * ring buffer, from a raw window, from a normalized window and row by row must agree bit
 * for bit (they run the same operations); the fast kernel agrees with the reference.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "elstm_test.h"
#include "test_rng.h"

enum { N = 12, I = 12, T = 9, S = 3 };

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static float frand(float lo, float hi)
{
    return lo + (hi - lo) * (float)((test_xorshift64(&rng) >> 40) / 16777216.0);
}

static float W[4][N * I], U[4][N * N], B[4][N], WD[N], BD[1];
static elstm_lstm_f32 lstm;
/* inputs: a, b (numeric), wd sin/cos (compass), hour, doy, weekday, month sin/cos */
static elstm_device_input inputs[I] = {
    {ELSTM_ENC_NUMERIC, 0, 0, -10.0f, 1.0f / 50.0f},
    {ELSTM_ENC_NUMERIC, 0, 1, 990.0f, 1.0f / 50.0f},
    {ELSTM_ENC_COMPASS_SIN, 0, 2, -1.0f, 0.5f},
    {ELSTM_ENC_COMPASS_COS, 0, 2, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_SIN, ELSTM_TF_HOUR, -1, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_COS, ELSTM_TF_HOUR, -1, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_SIN, ELSTM_TF_DOY, -1, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_COS, ELSTM_TF_DOY, -1, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_SIN, ELSTM_TF_WEEKDAY, -1, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_COS, ELSTM_TF_WEEKDAY, -1, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_SIN, ELSTM_TF_MONTH, -1, -1.0f, 0.5f},
    {ELSTM_ENC_TIME_COS, ELSTM_TF_MONTH, -1, -1.0f, 0.5f},
};
static elstm_device_model model = {&lstm, T, S, inputs, -19.9f, 61.5f, NULL};

static void make_model(void)
{
    lstm.n_input = I;
    lstm.n_units = N;
    lstm.n_output = 1;
    for (int g = 0; g < 4; g++) {
        for (int k = 0; k < N * I; k++) W[g][k] = frand(-0.4f, 0.4f);
        for (int k = 0; k < N * N; k++) U[g][k] = frand(-0.4f, 0.4f);
        for (int k = 0; k < N; k++) B[g][k] = frand(-0.3f, 0.3f) + (g == 1);
        lstm.wx[g] = W[g];
        lstm.wh[g] = U[g];
        lstm.b[g] = B[g];
    }
    for (int k = 0; k < N; k++) WD[k] = frand(-0.4f, 0.4f);
    BD[0] = 0.2f;
    lstm.wd = WD;
    lstm.bd = BD;
}

/* The oracle: a raw sample -> the model's inputs, in double, from libc. */
static void oracle_row(const float *sample, int64_t t, double *row)
{
    const double two_pi = 6.283185307179586;
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    double sec = tm.tm_hour * 3600.0 + tm.tm_min * 60.0 + tm.tm_sec;
    double phase[5] = {0, sec / 86400.0, tm.tm_yday / 365.2425, ((tm.tm_wday + 6) % 7) / 7.0, tm.tm_mon / 12.0};
    for (int i = 0; i < I; i++) {
        const elstm_device_input *in = &inputs[i];
        double v;
        if (in->encoding == ELSTM_ENC_NUMERIC) {
            v = sample[in->sensor];
        } else if (in->encoding <= ELSTM_ENC_COMPASS_COS) {
            double deg = sample[in->sensor], a = deg * two_pi / 360.0;
            v = deg < 0 ? 0.0 : in->encoding == ELSTM_ENC_COMPASS_SIN ? sin(a) : cos(a);
        } else {
            double a = two_pi * phase[in->cycle];
            v = in->encoding == ELSTM_ENC_TIME_SIN ? sin(a) : cos(a);
        }
        row[i] = (v - in->min) * in->inv_range;
    }
}

static _Alignas(32) unsigned char arena[ELSTM_DEVICE_ARENA_BYTES(T, I, N) + 64];

int main(void)
{
    test_suite("device");
    make_model();
    elstm_device *d = NULL;
    elstm_status st;

    /* ---- arena ---- */
    TEST_EQ_INT("arena size is the compile-time formula", elstm_device_arena_size(&model),
                ELSTM_DEVICE_ARENA_BYTES(T, I, N));
    TEST_EQ_INT("an arena one byte short is refused",
                elstm_device_init(&model, arena, ELSTM_DEVICE_ARENA_BYTES(T, I, N) - 1, &d), ELSTM_ERR_NOMEM);
    TEST_TRUE("a zeroed arena holds no forecaster", elstm_device_of(arena) == NULL);
    st = elstm_device_init(&model, arena + 3, ELSTM_DEVICE_ARENA_BYTES(T, I, N), &d);
    TEST_EQ_INT("a misaligned arena of the exact size works", st, ELSTM_OK);
    TEST_TRUE("elstm_device_of finds the forecaster", d && elstm_device_of(arena + 3) == d);
    {
        /* a byte copy keeps pointers into the original: it must be refused, not used */
        static _Alignas(32) unsigned char copy[sizeof arena];
        memcpy(copy, arena, sizeof arena);
        TEST_TRUE("a byte copy of an initialized arena is refused", elstm_device_of(copy + 3) == NULL);
        elstm_device *d2 = NULL;
        TEST_TRUE("... until it is initialized itself",
                  elstm_device_init(&model, copy + 3, ELSTM_DEVICE_ARENA_BYTES(T, I, N), &d2) == ELSTM_OK &&
                      elstm_device_of(copy + 3) == d2 && d2 != d);
    }
    TEST_TRUE("struct, LSTM state and ring buffer lie inside the arena",
              d && (unsigned char *)d >= arena + 3 &&
                  (unsigned char *)(d->row + I) <= arena + 3 + ELSTM_DEVICE_ARENA_BYTES(T, I, N));
    TEST_TRUE("no forecast yet: NaN", isnan(elstm_device_forecast(d)));

    /* ---- invalid models ---- */
    {
        elstm_device_input bad[I];
        memcpy(bad, inputs, sizeof bad);
        bad[1].sensor = S; /* no such sensor */
        elstm_device_model m2 = model;
        elstm_device *d2;
        m2.inputs = bad;
        static unsigned char a2[ELSTM_DEVICE_ARENA_BYTES(T, I, N)];
        TEST_EQ_INT("an input reading a sensor that does not exist is refused", elstm_device_init(&m2, a2, sizeof a2, &d2),
                    ELSTM_ERR_ARG);
        bad[1].sensor = 1;
        bad[4].cycle = 9;
        TEST_EQ_INT("a calendar input without a valid cycle is refused", elstm_device_init(&m2, a2, sizeof a2, &d2),
                    ELSTM_ERR_ARG);
        elstm_lstm_f32 l2 = lstm;
        l2.n_output = 2;
        m2 = model;
        m2.lstm = &l2;
        TEST_EQ_INT("a model with two outputs is refused", elstm_device_init(&m2, a2, sizeof a2, &d2), ELSTM_ERR_ARG);
    }

    /* ---- scaling against the oracle ---- */
    {
        static const int64_t times[] = {0,           -1,          86399,      951782400 /* 2000-02-29 */,
                                        1456747199 /* 2016-02-29T11:59:59 */, 1483228799 /* 2016-12-31T23:59:59 */,
                                        1483228800, 1362096000 /* 2013-03-01 */, 4102444800 /* 2100-01-01 */,
                                        -2208988800 /* 1900-01-01 */, 1719792000 + 12345};
        static const float degs[] = {0.0f, 22.5f, 45.0f, 67.5f, 90.0f, 135.0f, 180.0f, 247.5f,
                                     270.0f, 337.5f, 359.9f, 360.0f, 725.0f, 1e5f + 0.5f, -1.0f};
        double worst = 0.0;
        int cases = 0;
        for (size_t a = 0; a < sizeof times / sizeof times[0]; a++)
            for (size_t b = 0; b < sizeof degs / sizeof degs[0]; b++) {
                float sample[S] = {frand(-10.0f, 40.0f), frand(990.0f, 1040.0f), degs[b]}, row[I];
                double want[I];
                if (elstm_device_normalize(&model, sample, times[a], row) != ELSTM_OK) {
                    worst = 1e9;
                    continue;
                }
                oracle_row(sample, times[a], want);
                for (int i = 0; i < I; i++) {
                    double e = fabs(row[i] - want[i]);
                    /* 1e5 degrees: float holds the angle to 1/128 degree, so the reduction is that coarse */
                    if (degs[b] > 1000.0f && (i == 2 || i == 3)) e = e > 1e-4 ? e : 0.0;
                    if (e > worst) worst = e;
                }
                cases++;
            }
        TEST_TRUE("scaled inputs match libc's calendar and trigonometry within 1e-6 (165 samples, 12 encodings)",
                  worst <= 1e-6 && cases == 165);
        if (worst > 1e-6) printf("# worst difference %.3g\n", worst);
        float row[I];
        float quarter[4] = {0.0f, 90.0f, 180.0f, 270.0f};
        int exact = 1;
        for (int q = 0; q < 4; q++) {
            float sample[S] = {0.0f, 1000.0f, quarter[q]};
            elstm_device_normalize(&model, sample, 0, row);
            float s = q == 1 ? 1.0f : q == 3 ? -1.0f : 0.0f, c = q == 0 ? 1.0f : q == 2 ? -1.0f : 0.0f;
            exact &= row[2] == (s + 1.0f) * 0.5f && row[3] == (c + 1.0f) * 0.5f;
        }
        TEST_TRUE("N, E, S, W give exactly sin/cos 0 and +-1 (as in training)", exact);
        float calm[S] = {0.0f, 1000.0f, -1.0f};
        elstm_device_normalize(&model, calm, 0, row);
        TEST_TRUE("a negative direction (calm) scales sin = cos = 0", row[2] == 0.5f && row[3] == 0.5f);
        float nan_sample[S] = {NAN, 1000.0f, 0.0f}, inf_sample[S] = {1.0f, INFINITY, 0.0f}, huge[S] = {1, 1, 2e6f};
        TEST_EQ_INT("a NaN value is refused", elstm_device_normalize(&model, nan_sample, 0, row), ELSTM_ERR_ARG);
        TEST_EQ_INT("an infinite value is refused", elstm_device_normalize(&model, inf_sample, 0, row), ELSTM_ERR_ARG);
        TEST_EQ_INT("a direction of 2e6 degrees is refused", elstm_device_normalize(&model, huge, 0, row), ELSTM_ERR_ARG);
    }

    /* ---- forecasts: ring buffer = raw window = normalized window = row by row ---- */
    {
        enum { EXTRA = 5 };
        float samples[(T + EXTRA) * S], x[T * I];
        int64_t times[T + EXTRA];
        for (int t = 0; t < T + EXTRA; t++) {
            samples[t * S + 0] = frand(-10.0f, 40.0f);
            samples[t * S + 1] = frand(990.0f, 1040.0f);
            samples[t * S + 2] = (float)(int)frand(0.0f, 16.0f) * 22.5f;
            times[t] = 1483228800 - 7200 + 3600 * (int64_t)t; /* across New Year */
        }
        elstm_device_reset(d);
        int before = 1;
        for (int t = 0; t < T + EXTRA; t++) {
            if (t < T) before &= elstm_device_predict(d) == ELSTM_ERR_DATA;
            st = elstm_device_feed(d, samples + t * S, times[t]);
            if (st != ELSTM_OK) before = 0;
        }
        TEST_TRUE("predict from the ring buffer is ELSTM_ERR_DATA until `steps` samples were fed", before);
        TEST_EQ_INT("the count saturates at steps", elstm_device_count(d), T);
        float bad[S] = {NAN, 0, 0};
        TEST_EQ_INT("feeding a NaN sample is refused", elstm_device_feed(d, bad, 0), ELSTM_ERR_ARG);
        TEST_EQ_INT("predict from the ring buffer", elstm_device_predict(d), ELSTM_OK);
        float y_ring = elstm_device_forecast_normalized(d), y_ring_phys = elstm_device_forecast(d);

        TEST_EQ_INT("predict from a raw window", elstm_device_predict_raw(d, samples + EXTRA * S, times + EXTRA), ELSTM_OK);
        float y_raw = elstm_device_forecast_normalized(d);
        for (int t = 0; t < T; t++) elstm_device_normalize(&model, samples + (EXTRA + t) * S, times[EXTRA + t], x + t * I);
        TEST_EQ_INT("predict from a normalized window", elstm_device_predict_window(d, x), ELSTM_OK);
        float y_win = elstm_device_forecast_normalized(d);
        elstm_device_window_begin(d);
        int rows_ok = 1;
        for (int t = 0; t < T; t++) rows_ok &= elstm_device_window_row(d, x + t * I) == ELSTM_OK;
        TEST_TRUE("window rows are accepted", rows_ok);
        TEST_EQ_INT("one row too many is refused", elstm_device_window_row(d, x), ELSTM_ERR_ARG);
        TEST_EQ_INT("window end", elstm_device_window_end(d), ELSTM_OK);
        float y_rows = elstm_device_forecast_normalized(d);
        TEST_TRUE("ring buffer, raw window, normalized window and row-by-row forecasts are bit-identical",
                  y_ring == y_raw && y_raw == y_win && y_win == y_rows);
        TEST_NEAR("forecast in target units = normalized * range + min", y_ring_phys, y_ring * 61.5f - 19.9f, 1e-5);

        /* the fast kernel against the reference, and the reference call against lstm_f32_ref.c */
        TEST_EQ_INT("predict with the reference kernel", elstm_device_predict_window_ref(d, x), ELSTM_OK);
        float y_ref = elstm_device_forecast_normalized(d);
        TEST_NEAR("the fast kernel agrees with the reference", y_win, y_ref, 1e-5);
        static float a2[ELSTM_LSTM_F32_ARENA_BYTES(N) / sizeof(float) + 8];
        elstm_lstm_ctx_f32 ctx;
        float y_direct;
        elstm_lstm_init_f32(&ctx, &lstm, a2, sizeof a2);
        elstm_lstm_window_f32_ref(&ctx, x, T, &y_direct);
        TEST_TRUE("the reference forecast is lstm_f32_ref.c's, bit for bit", y_direct == y_ref);

        elstm_device_window_begin(d);
        elstm_device_window_row(d, x);
        TEST_EQ_INT("window end after too few rows is ELSTM_ERR_DATA", elstm_device_window_end(d), ELSTM_ERR_DATA);
        TEST_EQ_INT("a row without window_begin is refused", elstm_device_window_row(d, x), ELSTM_ERR_ARG);
        TEST_TRUE("a failed window keeps the last forecast", elstm_device_forecast_normalized(d) == y_ref);
        elstm_device_reset(d);
        TEST_EQ_INT("reset empties the ring buffer", elstm_device_count(d), 0);
        TEST_EQ_INT("a raw window without times is refused when the model has calendar inputs",
                    elstm_device_predict_raw(d, samples, NULL), ELSTM_ERR_ARG);
    }
    return test_done();
}
