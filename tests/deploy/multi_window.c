/*
 * multi_window.c - one window through a generated library of a model with several LSTM
 * layers or several outputs (tests/deploy/test_deploy_multi.sh, on the host and on the
 * emulated Cortex-M4F; tests/deploy/test_xtensa.sh, on the emulated Xtensa core).
 *
 * Built with -DNAME=prefix -DNAME_UC=PREFIX -DHEADER='"prefix.h"' and window.inc (the
 * window, normalized floats, [STEPS][INPUTS]) on the include path. Prints:
 *   out K X          NAME_forecasts_normalized() after NAME_predict_window(), K = 0 .. OUTPUTS-1
 *   phys K X         NAME_forecasts(): the same in the target's units
 *   first_equal 0|1  NAME_forecast(_normalized)() are out[0]
 *   ring_equal 0|1   the window fed row by row, then NAME_predict(): the same bits
 *   rows_equal 0|1   NAME_window_begin/row/end: the same bits
 *   ref_diff X       largest |NAME_predict_reference() - fast|
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

static const float window[] = {
#include "window.inc"
};

static API(_state) s;

static int same(const float *a, const float *b)
{
    return memcmp(a, b, K(_OUTPUTS) * sizeof(float)) == 0;
}

int main(void)
{
    static float y[K(_OUTPUTS)], yp[K(_OUTPUTS)], y2[K(_OUTPUTS)], before[K(_OUTPUTS)];
    float worst = 0.0f; /* float arithmetic only: the Xtensa harness has no double */
    int t, k, ring, rows;
    if (sizeof window / sizeof window[0] != K(_STEPS) * K(_INPUTS)) return 2;
    if (API(_init)(&s) != K(_OK)) return 1;
    if (API(_forecasts)(&s, before) != K(_ERR_DATA)) return 3;   /* no forecast yet */
    if (API(_predict_window)(&s, window) != K(_OK)) return 1;
    if (API(_forecasts_normalized)(&s, y) != K(_OK) || API(_forecasts)(&s, yp) != K(_OK)) return 1;
    for (k = 0; k < K(_OUTPUTS); k++) printf("out %d %.9g\n", k, (double)y[k]);
    for (k = 0; k < K(_OUTPUTS); k++) printf("phys %d %.9g\n", k, (double)yp[k]);
    printf("first_equal %d\n", API(_forecast_normalized)(&s) == y[0] && API(_forecast)(&s) == yp[0]);

    for (t = 0; t < K(_STEPS); t++)
        if (API(_feed_normalized)(&s, window + t * K(_INPUTS)) != K(_OK)) return 1;
    if (API(_predict)(&s) != K(_OK) || API(_forecasts_normalized)(&s, y2) != K(_OK)) return 1;
    ring = same(y, y2);
    printf("ring_equal %d\n", ring);

    API(_window_begin)(&s);
    for (t = 0; t < K(_STEPS); t++)
        if (API(_window_row)(&s, window + t * K(_INPUTS)) != K(_OK)) return 1;
    if (API(_window_end)(&s) != K(_OK) || API(_forecasts_normalized)(&s, y2) != K(_OK)) return 1;
    rows = same(y, y2);
    printf("rows_equal %d\n", rows);

    if (API(_predict_reference)(&s, window) != K(_OK) || API(_forecasts_normalized)(&s, y2) != K(_OK)) return 1;
    for (k = 0; k < K(_OUTPUTS); k++)
        if (fabsf(y2[k] - y[k]) > worst) worst = fabsf(y2[k] - y[k]);
    printf("ref_diff %.3g\n", (double)worst);
    return 0;
}
