/*
 * kernel_cases.h - the shapes and random models on which the Cortex-M kernel is checked
 * against the reference kernel: on the host (tests/unit/test_lstm_f32_cortexm.c, C version)
 * and on the emulated Cortex-M4F (tests/mcu/kernel_test.c, assembly and C). C99, no libc
 * beyond <math.h>; the weights go into the caller's buffer.
 */
#ifndef ELSTM_KERNEL_CASES_H
#define ELSTM_KERNEL_CASES_H

#include <math.h>
#include <stdint.h>

#include "edgelstm/lstm.h"

#include "../test_rng.h"

/* Units that are and are not multiples of 16 (the Cortex-M assembly's block) and of 3 (the
 * Xtensa assembly's), one input, cell clipping, missing biases, and weights scaled up until
 * every gate saturates (pre-activations in the hundreds, then near 1e19: the kernels'
 * clamps, no inf or NaN). */
typedef struct kc_shape {
    int32_t N, I, T;
    float clip;
    int bias;
    float scale; /* weights times this */
} kc_shape;

static const kc_shape kc_shapes[] = {
    {1, 1, 5, 0.0f, 1, 1.0f},   {3, 2, 7, 0.0f, 1, 1.0f},   {16, 7, 20, 0.0f, 1, 1.0f},
    {17, 1, 12, 0.0f, 0, 1.0f}, {33, 5, 9, 0.5f, 1, 1.0f},  {40, 16, 6, 0.0f, 1, 1.0f},
    {128, 7, 24, 0.0f, 1, 1.0f}, {128, 7, 10, 3.0f, 0, 1.0f}, {20, 3, 8, 0.0f, 1, 300.0f},
    {20, 3, 8, 0.0f, 1, 1e18f},
};
#define KC_SHAPES ((int)(sizeof kc_shapes / sizeof kc_shapes[0]))
#define KC_MAX_N 128
#define KC_MAX_I 16
#define KC_MAX_T 24
#define KC_FLOATS(N, I) (4 * (N) * ((I) + (N)) + 5 * (N) + 1)

static uint32_t kc_rng = 2463534242u;
static float kc_rand(float scale)
{
    return ((float)(test_xorshift32(&kc_rng) >> 8) / 16777216.0f * 2.0f - 1.0f) * scale;
}

/* A model of shape s with weights in w [KC_FLOATS(N, I)] (uniform, scaled like Glorot's
 * times s->scale,
 * forget-gate bias +1: the state neither dies out nor saturates), and an input window
 * x [T][I]. */
static void kc_make(const kc_shape *s, elstm_lstm_f32 *m, float *w, float *x)
{
    float *p = w;
    int32_t g, k;
    m->n_input = s->I;
    m->n_units = s->N;
    m->n_output = 1;
    m->cell_clip = s->clip;
    m->packed = 0;
    for (g = 0; g < ELSTM_GATES; g++) {
        m->wx[g] = p;
        for (k = 0; k < s->N * s->I; k++) *p++ = kc_rand(1.5f / sqrtf((float)s->I)) * s->scale;
        m->wh[g] = p;
        for (k = 0; k < s->N * s->N; k++) *p++ = kc_rand(1.5f / sqrtf((float)s->N)) * s->scale;
        m->b[g] = s->bias ? p : 0;
        for (k = 0; k < s->N; k++) *p++ = kc_rand(0.5f);
        /* a branch, not (g == F ? 1 : 0): clang-22 cannot compile a select between two float
         * constants for Xtensa */
        if (g == ELSTM_GATE_F)
            for (k = 1; k <= s->N; k++) p[-k] += 1.0f;
    }
    m->wd = p;
    for (k = 0; k < s->N; k++) *p++ = kc_rand(0.3f);
    m->bd = p;
    *p = 0.05f;
    for (k = 0; k < s->T * s->I; k++) x[k] = kc_rand(2.0f);
}

#endif /* ELSTM_KERNEL_CASES_H */
