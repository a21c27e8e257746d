/*
 * test_cortexm_kernel.c - the Cortex-M4F kernel's plain C version (runtime/lstm_opt_cortexm.c
 * compiled with ELSTM_CORTEXM_HOST_TEST) against the reference kernel, on the host.
 *
 * The same file's assembly version runs on the emulated Cortex-M4F in
 * tests/deploy/test_mcu.sh (tests/mcu/kernel_test.c), against the same reference.
 * Shapes cover units that are and are not multiples of 16 (the assembly's block), one
 * input, cell clipping, missing biases; every step's h and c are compared, then the
 * dense output.
 */
#define ELSTM_CORTEXM_HOST_TEST 1
#include "lstm_opt_cortexm.c"

#include <stdlib.h>

#include "elstm_test.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(float scale)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((float)(rng >> 40) / 16777216.0f * 2.0f - 1.0f) * scale;
}

static void check_shape(int32_t N, int32_t I, int32_t T, float clip, int bias)
{
    size_t nw = (size_t)4 * N * (I + N) + 4u * N + N + 1;
    float *w = malloc(nw * sizeof(float)), *p = w, *x = malloc((size_t)T * I * sizeof(float));
    elstm_lstm_f32 m = {0};
    m.n_input = I;
    m.n_units = N;
    m.n_output = 1;
    m.cell_clip = clip;
    for (int g = 0; g < ELSTM_GATES; g++) {
        m.wx[g] = p;
        for (int32_t k = 0; k < N * I; k++) *p++ = frand(1.5f / sqrtf((float)I));
        m.wh[g] = p;
        for (int32_t k = 0; k < N * N; k++) *p++ = frand(1.5f / sqrtf((float)N));
        m.b[g] = bias ? p : NULL;
        for (int32_t k = 0; k < N; k++) *p++ = frand(0.5f) + (g == ELSTM_GATE_F);
    }
    m.wd = p;
    for (int32_t k = 0; k < N; k++) *p++ = frand(0.3f);
    m.bd = p;
    *p = 0.05f;
    for (int32_t k = 0; k < T * I; k++) x[k] = frand(2.0f);

    size_t bytes = elstm_lstm_arena_size_f32(&m);
    void *a1 = malloc(bytes), *a2 = malloc(bytes);
    elstm_lstm_ctx_f32 c1, c2;
    elstm_lstm_init_f32(&c1, &m, a1, bytes);
    elstm_lstm_init_f32(&c2, &m, a2, bytes);
    double worst = 0.0;
    for (int32_t t = 0; t < T; t++) {
        elstm_lstm_step_f32_cortexm(&c1, x + (size_t)t * I);
        elstm_lstm_step_f32_ref(&c2, x + (size_t)t * I);
        for (int32_t n = 0; n < N; n++) {
            double e = fmax(fabs(c1.h[n] - c2.h[n]), fabs(c1.c[n] - c2.c[n]));
            if (!(e <= worst)) worst = e; /* NaN counts */
        }
    }
    float y1, y2;
    elstm_dense_f32(&c1, &y1);
    elstm_dense_f32(&c2, &y2);
    char what[160];
    snprintf(what, sizeof what, "C kernel = reference: N=%d I=%d T=%d clip=%g %s (h, c every step; output)", (int)N,
             (int)I, (int)T, (double)clip, bias ? "biases" : "no biases");
    test_report(worst <= 2e-6 && fabs(y1 - y2) <= 2e-6, what, "max |diff| state %.3g, output %.3g", worst,
                fabs((double)y1 - y2));
    free(a1);
    free(a2);
    free(w);
    free(x);
}

int main(void)
{
    test_suite("cortexm_kernel");
    check_shape(1, 1, 5, 0.0f, 1);
    check_shape(3, 2, 7, 0.0f, 1);
    check_shape(16, 7, 20, 0.0f, 1);
    check_shape(17, 1, 12, 0.0f, 0);
    check_shape(33, 5, 9, 0.5f, 1);
    check_shape(40, 16, 6, 0.0f, 1);
    check_shape(128, 7, 24, 0.0f, 1);
    check_shape(128, 7, 10, 3.0f, 0);
    return test_done();
}
