/*
 * test_lstm_f32_cortexm.c - the Cortex-M4F kernel's plain C version (runtime/lstm_f32_cortexm.c
 * compiled with ELSTM_CORTEXM_HOST_TEST) against the reference kernel, on the host.
 *
 * The same file's assembly and C versions run on the emulated Cortex-M4F in
 * tests/deploy/test_mcu.sh (tests/mcu/kernel_test.c), on the same shapes and models
 * (tests/mcu/kernel_cases.h). Every step's h and c are compared, then the dense output.
 */
#define ELSTM_CORTEXM_HOST_TEST 1
#include "lstm_f32_cortexm.c"

#include <stdlib.h>

#include "../mcu/kernel_cases.h"
#include "elstm_test.h"

static void check_shape(const kc_shape *s)
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
        elstm_lstm_step_f32_cortexm(&c1, x + (size_t)t * s->I);
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
    snprintf(what, sizeof what, "C kernel = reference: N=%d I=%d T=%d clip=%g %s (h, c every step; output)", (int)s->N,
             (int)s->I, (int)s->T, (double)s->clip, s->bias ? "biases" : "no biases");
    test_report(worst <= 2e-6 && fabs(y1 - y2) <= 2e-6, what, "max |diff| state %.3g, output %.3g", worst,
                fabs((double)y1 - y2));
    free(a1);
    free(a2);
    free(w);
    free(x);
}

int main(void)
{
    test_suite("lstm_f32_cortexm");
    for (int k = 0; k < KC_SHAPES; k++) check_shape(&kc_shapes[k]);
    return test_done();
}
