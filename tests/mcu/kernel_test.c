/*
 * kernel_test.c - on an emulated core: the core's kernel against the reference kernel
 * (runtime/lstm_f32_ref.c), both compiled for the core, on the shapes of kernel_cases.h.
 *   Cortex-M4F (tests/deploy/test_mcu.sh): runtime/lstm_f32_cortexm.c, assembly or, with
 *     -DELSTM_CORTEXM_NO_ASM, its plain C version;
 *   Xtensa (tests/deploy/test_xtensa.sh): runtime/lstm_f32_xtensa.c, assembly or, with
 *     -DELSTM_XTENSA_NO_ASM, its plain C version.
 * Prints one "ok - ..." / "not ok - ..." line per shape and exits 1 on a failure. Every
 * step's h and c and the dense output are compared (tolerance 2e-6: the fast activations
 * against libm, and fused multiply-adds).
 */
#include <stdio.h>

#include "kernel_cases.h"

#if defined(ELSTM_KERNEL_CORTEXM)
#define CORE "Cortex-M4F"
#elif defined(ELSTM_KERNEL_XTENSA)
#define CORE "Xtensa"
#endif
#if defined(ELSTM_CORTEXM_NO_ASM) || defined(ELSTM_XTENSA_NO_ASM)
#define VARIANT "C"
#else
#define VARIANT "assembly"
#endif

static float weights[KC_FLOATS(KC_MAX_N, KC_MAX_I)];
static float x[KC_MAX_T * KC_MAX_I];
static float arena1[6 * KC_MAX_N + 32], arena2[6 * KC_MAX_N + 32];

static int check(const kc_shape *s)
{
    elstm_lstm_f32 m;
    elstm_lstm_ctx_f32 c1, c2;
    float y1, y2, worst = 0.0f;
    int32_t t, n;
    kc_make(s, &m, weights, x);
    if (elstm_lstm_init_f32(&c1, &m, arena1, sizeof arena1) != ELSTM_OK ||
        elstm_lstm_init_f32(&c2, &m, arena2, sizeof arena2) != ELSTM_OK) {
        printf("not ok - mcu_kernel: arena for N=%d\n", (int)s->N);
        return 0;
    }
    for (t = 0; t < s->T; t++) {
        elstm_lstm_step_f32(&c1, x + t * s->I);
        elstm_lstm_step_f32_ref(&c2, x + t * s->I);
        for (n = 0; n < s->N; n++) {
            float e = fabsf(c1.h[n] - c2.h[n]), f = fabsf(c1.c[n] - c2.c[n]);
            if (!(e <= worst)) worst = e;
            if (!(f <= worst)) worst = f;
        }
    }
    elstm_dense_f32(&c1, &y1);
    elstm_dense_f32(&c2, &y2);
    if (!(fabsf(y1 - y2) <= worst)) worst = fabsf(y1 - y2);
    printf("%s - mcu_kernel: " CORE " %s kernel = reference: N=%d I=%d T=%d clip=%g %s (max diff %.2g)\n",
           worst <= 2e-6f ? "ok" : "not ok", VARIANT, (int)s->N, (int)s->I, (int)s->T, (double)s->clip,
           s->bias ? "biases" : "no biases", (double)worst);
    return worst <= 2e-6f;
}

int main(void)
{
    int ok = 1, k;
#if !defined(ELSTM_KERNEL_CORTEXM) && !defined(ELSTM_KERNEL_XTENSA)
    printf("not ok - mcu_kernel: not built for a core with its own kernel (edgelstm/lstm.h)\n");
    return 1;
#endif
    for (k = 0; k < KC_SHAPES; k++) ok &= check(&kc_shapes[k]);
    return ok ? 0 : 1;
}
