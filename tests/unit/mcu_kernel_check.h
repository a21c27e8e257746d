/*
 * mcu_kernel_check.h - a microcontroller kernel's plain C version against the reference
 * kernel on the host (tests/unit/test_lstm_f32_cortexm.c, test_lstm_f32_xtensa.c), on the
 * shapes and models of tests/mcu/kernel_cases.h that the emulated cores also run. Every
 * step's h and c are compared (max |diff| 2e-6), then the dense output.
 */
#ifndef ELSTM_MCU_KERNEL_CHECK_H
#define ELSTM_MCU_KERNEL_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../mcu/kernel_cases.h"
#include "elstm_test.h"

typedef void (*mkc_step_fn)(elstm_lstm_ctx_f32 *ctx, const float *x);

static void mkc_check_shape(mkc_step_fn step, const char *kernel, const kc_shape *s)
{
    float *w = malloc(KC_FLOATS(s->N, s->I) * sizeof(float)), *x = malloc((size_t)s->T * s->I * sizeof(float));
    elstm_lstm_f32 m;
    kc_make(s, &m, w, x);
    size_t bytes = elstm_lstm_arena_size_f32(&m);
    void *a1 = malloc(bytes), *a2 = malloc(bytes);
    elstm_lstm_ctx_f32 c1, c2;
    elstm_lstm_init_f32(&c1, &m, a1, bytes);
    elstm_lstm_init_f32(&c2, &m, a2, bytes);
    double worst = 0.0;
    for (int32_t t = 0; t < s->T; t++) {
        step(&c1, x + (size_t)t * s->I);
        elstm_lstm_step_f32_ref(&c2, x + (size_t)t * s->I);
        for (int32_t n = 0; n < s->N; n++) {
            double e = fmax(fabs(c1.h[n] - c2.h[n]), fabs(c1.c[n] - c2.c[n]));
            if (!(e <= worst)) worst = e; /* NaN counts */
        }
    }
    float y1, y2;
    elstm_dense_f32(&c1, &y1);
    elstm_dense_f32(&c2, &y2);
    char what[160];
    snprintf(what, sizeof what, "%s = reference: N=%d I=%d T=%d clip=%g %s (h, c every step; output)", kernel, (int)s->N,
             (int)s->I, (int)s->T, (double)s->clip, s->bias ? "biases" : "no biases");
    test_report(worst <= 2e-6 && fabs(y1 - y2) <= 2e-6, what, "max |diff| state %.3g, output %.3g", worst,
                fabs((double)y1 - y2));
    free(a1);
    free(a2);
    free(w);
    free(x);
}

#endif /* ELSTM_MCU_KERNEL_CHECK_H */
