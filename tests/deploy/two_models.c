/*
 * two_models.c - two generated libraries in one program (tests/deploy/test_deploy.sh,
 * test_mcu.sh): "alpha" and "beta", each with its runtime compiled privately into its own
 * alpha.c / beta.c. For each model: the forecast of the examples' synthetic window
 * (elstm_codegen_synthetic_window's formula), and the same window fed row by row through
 * the ring buffer, which must give the same bits. Prints "NAME window X" and
 * "NAME ring_equal 0|1"; exits 1 if a call fails.
 */
#include <math.h>
#include <stdio.h>

#include "alpha.h"
#include "beta.h"

static void synthetic(int steps, int inputs, float *x)
{
    const double two_pi = 6.283185307179586;
    for (int t = 0; t < steps; t++)
        for (int i = 0; i < inputs; i++)
            x[t * inputs + i] = (float)(0.5 + 0.4 * sin(two_pi * ((double)t / 24.0 + (double)i / inputs)));
}

#define CHECK_MODEL(P, UC)                                                                   \
    do {                                                                                     \
        static P##_state s;                                                                  \
        static float x[UC##_STEPS * UC##_INPUTS];                                            \
        float y_window;                                                                      \
        synthetic(UC##_STEPS, UC##_INPUTS, x);                                               \
        if (P##_init(&s) != UC##_OK || P##_predict_window(&s, x) != UC##_OK) return 1;       \
        y_window = P##_forecast_normalized(&s);                                              \
        for (int t = 0; t < UC##_STEPS; t++)                                                 \
            if (P##_feed_normalized(&s, x + t * UC##_INPUTS) != UC##_OK) return 1;           \
        if (P##_predict(&s) != UC##_OK) return 1;                                            \
        printf(#P " window %.9g\n", (double)y_window);                                      \
        printf(#P " ring_equal %d\n", P##_forecast_normalized(&s) == y_window);              \
        printf(#P " physical %.9g\n", (double)P##_forecast(&s));                             \
    } while (0)

int main(void)
{
    CHECK_MODEL(alpha, ALPHA);
    CHECK_MODEL(beta, BETA);
    return 0;
}
