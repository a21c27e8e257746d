/*
 * feed_forecast.c - feed raw samples to a generated library of a multi-step model, then
 * print every forecast and its prediction intervals (tests/deploy/test_deploy_forecast.sh:
 * delta mode, calendar inputs of the forecast time and intervals on the device, against
 * `edgelstm predict --last`).
 *
 * Built with -DNAME=prefix -DNAME_UC=PREFIX -DHEADER='"prefix.h"'. Reads lines
 * "TIME V0 V1 ..." as feed_raw.c does, or with -DROWS_INC='"rows.inc"' (the emulated
 * board: no stdin) the same numbers comma-separated, included as an array; prints
 * "out K NORMALIZED VALUE" per output and
 * "interval L K LOW HIGH" per level and output, then the same forecast from the whole raw
 * window (predict_raw) as "raw_equal 1" when every output is the same float.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#if defined(ROWS_INC)
static const double rows[] = {
#include ROWS_INC
};
static size_t next;
#endif

/* The next raw row: its time and sensor values; 0 at the end. */
static int read_row(long long *t, float *sample)
{
#if defined(ROWS_INC)
    if (next + 1 + K(_SENSORS) > sizeof rows / sizeof rows[0]) return 0;
    *t = (long long)rows[next++];
    for (int i = 0; i < K(_SENSORS); i++) sample[i] = (float)rows[next++];
    return 1;
#else
    if (scanf("%lld", t) != 1) return 0;
    for (int i = 0; i < K(_SENSORS); i++)
        if (scanf("%f", &sample[i]) != 1) return 0;
    return 1;
#endif
}

int main(void)
{
    static API(_state) s;
    static float samples[K(_STEPS)][K(_SENSORS) > 0 ? K(_SENSORS) : 1];
    static int64_t times[K(_STEPS)];
    float y[K(_OUTPUTS)], yn[K(_OUTPUTS)], y2[K(_OUTPUTS)];
    long long t;
    int n = 0;
    if (API(_init)(&s) != K(_OK)) return 1;
    while (read_row(&t, samples[n % K(_STEPS)])) {
        times[n % K(_STEPS)] = (int64_t)t;
        if (API(_feed)(&s, samples[n % K(_STEPS)], (int64_t)t) != K(_OK)) return 1;
        n++;
    }
    if (n != K(_STEPS) || API(_predict)(&s) != K(_OK)) {
        fprintf(stderr, "feed_forecast: %d samples, predict failed\n", n);
        return 1;
    }
    if (API(_forecasts)(&s, y) != K(_OK) || API(_forecasts_normalized)(&s, yn) != K(_OK)) return 1;
    for (int k = 0; k < K(_OUTPUTS); k++) printf("out %d %.9g %.9g\n", k, (double)yn[k], (double)y[k]);
    for (int l = 0; l < K(_LEVELS); l++)
        for (int k = 0; k < K(_OUTPUTS); k++) {
            float lo, hi;
            if (API(_interval)(&s, l, k, &lo, &hi) != K(_OK)) return 1;
            printf("interval %d %d %.9g %.9g\n", l, k, (double)lo, (double)hi);
        }
    {
        float lo, hi;
        printf("bad_level %d\n", API(_interval)(&s, K(_LEVELS), 0, &lo, &hi) == K(_ERR_ARG));
    }
    if (API(_predict_raw)(&s, &samples[0][0], times) != K(_OK) || API(_forecasts)(&s, y2) != K(_OK)) return 1;
    printf("raw_equal %d\n", memcmp(y, y2, sizeof y) == 0);
    return 0;
}
