/*
 * kernel_test.c - on the emulated Cortex-M4F: the Cortex-M kernel (runtime/lstm_opt_cortexm.c,
 * assembly or, with -DELSTM_CORTEXM_NO_ASM, its plain C version) against the reference
 * kernel (runtime/lstm_ref.c), both compiled for the core. Run by tests/deploy/test_mcu.sh
 * under QEMU; prints one "ok - ..." / "not ok - ..." line per shape and exits 1 on failure.
 * Every step's h and c and the dense output are compared (tolerance 2e-6: the fast
 * activations of runtime/act.h against libm, and fused multiply-adds).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "edgelstm/lstm.h"

#if defined(ELSTM_CORTEXM_NO_ASM)
#define VARIANT "C"
#else
#define VARIANT "assembly"
#endif

#define MAX_N 128
#define MAX_I 16
static float weights[4 * MAX_N * (MAX_I + MAX_N) + 5 * MAX_N + 1];
static float x[32 * MAX_I];
static float arena1[6 * MAX_N + 32], arena2[6 * MAX_N + 32];

static uint32_t rng = 2463534242u;
static float frand(float scale)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return ((float)(rng >> 8) / 16777216.0f * 2.0f - 1.0f) * scale;
}

static int check(int32_t N, int32_t I, int32_t T, float clip, int bias)
{
    elstm_lstm_f32 m = {0};
    elstm_lstm_ctx_f32 c1, c2;
    float *p = weights, y1, y2, worst = 0.0f;
    int32_t g, k, t, n;
    m.n_input = I;
    m.n_units = N;
    m.n_output = 1;
    m.cell_clip = clip;
    for (g = 0; g < ELSTM_GATES; g++) {
        m.wx[g] = p;
        for (k = 0; k < N * I; k++) *p++ = frand(1.5f / sqrtf((float)I));
        m.wh[g] = p;
        for (k = 0; k < N * N; k++) *p++ = frand(1.5f / sqrtf((float)N));
        m.b[g] = bias ? p : NULL;
        for (k = 0; k < N; k++) *p++ = frand(0.5f) + (g == ELSTM_GATE_F ? 1.0f : 0.0f);
    }
    m.wd = p;
    for (k = 0; k < N; k++) *p++ = frand(0.3f);
    m.bd = p;
    *p = 0.05f;
    for (k = 0; k < T * I; k++) x[k] = frand(2.0f);
    if (elstm_lstm_init_f32(&c1, &m, arena1, sizeof arena1) != ELSTM_OK ||
        elstm_lstm_init_f32(&c2, &m, arena2, sizeof arena2) != ELSTM_OK) {
        printf("not ok - mcu_kernel: arena for N=%d\n", (int)N);
        return 0;
    }
    for (t = 0; t < T; t++) {
        elstm_lstm_step_f32(&c1, x + t * I);
        elstm_lstm_step_f32_ref(&c2, x + t * I);
        for (n = 0; n < N; n++) {
            float e = fabsf(c1.h[n] - c2.h[n]), f = fabsf(c1.c[n] - c2.c[n]);
            if (!(e <= worst)) worst = e;
            if (!(f <= worst)) worst = f;
        }
    }
    elstm_dense_f32(&c1, &y1);
    elstm_dense_f32(&c2, &y2);
    if (!(fabsf(y1 - y2) <= worst)) worst = fabsf(y1 - y2);
    printf("%s - mcu_kernel: Cortex-M4F %s kernel = reference: N=%d I=%d T=%d clip=%g %s (max diff %.2g)\n",
           worst <= 2e-6f ? "ok" : "not ok", VARIANT, (int)N, (int)I, (int)T, (double)clip,
           bias ? "biases" : "no biases", (double)worst);
    return worst <= 2e-6f;
}

int main(void)
{
    int ok = 1;
#if !defined(ELSTM_KERNEL_CORTEXM)
    printf("not ok - mcu_kernel: not built for a Cortex-M4F (ELSTM_KERNEL_CORTEXM is not set)\n");
    return 1;
#endif
    ok &= check(1, 1, 5, 0.0f, 1);
    ok &= check(3, 2, 7, 0.0f, 1);
    ok &= check(16, 7, 20, 0.0f, 1);
    ok &= check(17, 1, 12, 0.0f, 0);
    ok &= check(33, 5, 9, 0.5f, 1);
    ok &= check(40, 16, 6, 0.0f, 1);
    ok &= check(128, 7, 24, 0.0f, 1);
    ok &= check(128, 7, 10, 3.0f, 0);
    return ok ? 0 : 1;
}
