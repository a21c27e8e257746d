/*
 * lstm_test_model.h - random LSTM models and inputs for the C unit tests (header only).
 *
 * make_model(): weights ~ U(-2/sqrt(I+N), 2/sqrt(I+N)), biases ~ U(-1, 1), every array at a
 * 4-byte (not 32-byte) aligned address in one malloc'd block (free t.block).
 * random_inputs(): n floats ~ U(-scale, scale), malloc'd. Deterministic (xorshift).
 */
#ifndef LSTM_TEST_MODEL_H
#define LSTM_TEST_MODEL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/lstm.h"

#include "../test_rng.h"

static uint64_t cases_rng = 0x2545F4914F6CDD1Dull;
static float cases_uniform(float lo, float hi)
{
    return lo + (hi - lo) * (float)((test_xorshift64(&cases_rng) >> 40) * (1.0 / 16777216.0));
}

/* A random model whose arrays live in one malloc'd block at a float (4-byte, not 32-byte)
 * aligned offset, so that the kernel sees unaligned weight pointers. */
typedef struct test_model {
    elstm_lstm_f32 m;
    float *block;
} test_model;

static float *take(float **p, size_t n, float lo, float hi)
{
    float *a = *p;
    size_t i;
    for (i = 0; i < n; i++) a[i] = cases_uniform(lo, hi);
    *p += n + 1; /* +1 float: the next array starts at a different alignment */
    return a;
}

static void make_model(test_model *t, int32_t I, int32_t N, int32_t O, float clip, int biases)
{
    const size_t n = 4 * ((size_t)N * I + (size_t)N * N + N + 3) + (size_t)O * N + O + 16;
    const float s = 2.0f / sqrtf((float)(I + N));
    float *p;
    int g;
    memset(t, 0, sizeof *t);
    t->block = malloc(n * sizeof(float));
    p = t->block + 1;
    t->m.n_input = I;
    t->m.n_units = N;
    t->m.n_output = O;
    t->m.cell_clip = clip;
    for (g = 0; g < ELSTM_GATES; g++) {
        t->m.wx[g] = take(&p, (size_t)N * I, -s, s);
        t->m.wh[g] = take(&p, (size_t)N * N, -s, s);
        t->m.b[g] = biases ? take(&p, (size_t)N, -1.0f, 1.0f) : NULL;
    }
    if (O > 0) {
        t->m.wd = take(&p, (size_t)O * N, -s, s);
        t->m.bd = biases ? take(&p, (size_t)O, -1.0f, 1.0f) : NULL;
    }
}

static float *random_inputs(size_t n, float scale)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    size_t i;
    for (i = 0; i < n; i++) x[i] = scale * cases_uniform(-1.0f, 1.0f);
    return x;
}

#endif /* LSTM_TEST_MODEL_H */
