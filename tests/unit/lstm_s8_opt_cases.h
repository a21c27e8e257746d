/*
 * lstm_s8_opt_cases.h - the int8 LSTM kernel a test file is built with, against the
 * reference (lstm_s8_ref.c), bit for bit: every step's h and c from the same state, on
 * random models whose shapes, zero points, scales, cell powers and clips cover the
 * kernel's tails (units not a multiple of 8, inputs not a multiple of 4), saturating
 * gates and the extreme activations -128 and 127; packed (the host's layout) and not.
 * Included by test_lstm_s8_opt*.c, each of which compiles the kernel differently.
 */
#ifndef LSTM_S8_OPT_CASES_H
#define LSTM_S8_OPT_CASES_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/tflite_quant.h"
#include "edgelstm/quant.h"
#include "elstm_test.h"
#include "host/lstm_s8_pack.h"
#include "test_rng.h"

static uint64_t s8_rng = 0x9E3779B97F4A7C15ull;
static uint32_t s8_next(void) { return (uint32_t)(test_xorshift64(&s8_rng) >> 32); }
static int s8_int(int lo, int hi) { return lo + (int)(s8_next() % (uint32_t)(hi - lo + 1)); }
static double s8_uniform(double lo, double hi) { return lo + (hi - lo) * (s8_next() / 4294967296.0); }

typedef struct s8_model {
    elstm_lstm_s8 m;
    int8_t *w;
    int32_t *b;
    void *packed;
} s8_model;

/* s8_make's weights: 0 uniform in [-127, 127] (with -128 when allowed), 1 like a trained
 * model's (most within +-40, about 1 in 60 at +-127; the AVX2 layout then splits a few
 * byte pairs only: lstm_s8_opt.h). */
static int s8_weights_like_trained = 0;

/* A random model; `hot` makes the scales large enough that gates saturate. */
static void s8_make(s8_model *t, int32_t I, int32_t N, int hot, int with_bias, int allow_minus_128)
{
    const size_t nw = 4 * ((size_t)N * I + (size_t)N * N);
    memset(t, 0, sizeof *t);
    t->w = malloc(nw);
    t->b = malloc(4 * (size_t)N * sizeof *t->b);
    for (size_t i = 0; i < nw; i++) {
        int v = s8_weights_like_trained ? s8_int(-40, 40) : s8_int(-127, 127);
        if (s8_next() % (s8_weights_like_trained ? 60 : 17) == 0)
            v = s8_next() % 2 ? 127 : (allow_minus_128 ? -128 : -127);
        t->w[i] = (int8_t)v;
    }
    const float s_in = (float)s8_uniform(0.002, 0.01), s_h = (float)s8_uniform(0.003, 0.01);
    const int32_t pow = s8_int(0, 4) == 0 ? -20 : s8_int(-15, -9);
    const float s_c = ldexpf(1.0f, pow);
    elstm_lstm_qparams *q = &t->m.q;
    q->n_input = I;
    q->n_units = N;
    for (int g = 0; g < 4; g++) {
        q->wx[g] = t->w + (size_t)g * N * I;
        q->wh[g] = t->w + 4 * (size_t)N * I + (size_t)g * N * N;
        float swx = (float)s8_uniform(0.001, hot ? 0.2 : 0.02), swh = (float)s8_uniform(0.001, hot ? 0.1 : 0.01);
        q->mx[g] = tfl_fc_multiplier(s_in, swx, 1.0f / 4096.0f);
        q->mh[g] = tfl_fc_multiplier(s_h, swh, 1.0f / 4096.0f);
        for (int32_t n = 0; n < N; n++)
            t->b[(size_t)g * N + n] = (int32_t)(s8_uniform(-1.0, 1.0) / (s_in * swx));
        t->m.b[g] = with_bias ? t->b + (size_t)g * N : NULL;
    }
    q->m_fc = tfl_mul_multiplier(1.0 / 32768, s_c, s_c);
    q->m_ig = tfl_mul_multiplier(1.0 / 32768, 1.0 / 32768, s_c);
    q->m_h = tfl_mul_multiplier(1.0 / 32768, 1.0 / 32768, s_h);
    q->zp_in = s8_int(-128, 127);
    q->zp_h = s8_int(-128, 127);
    q->cell_pow = pow;
    q->cell_clip = s8_next() % 3 == 0 ? s8_int(0, 30000) : -1;
}

/* Pack t for this build's kernel; 0 when it reads no packed layout (or cannot for t). */
static int s8_pack(s8_model *t)
{
    size_t bytes = elstm_lstm_packed_bytes_s8(&t->m);
    if (!bytes) return 0;
    t->packed = aligned_alloc(32, (bytes + 31) / 32 * 32);
    elstm_lstm_pack_s8(&t->m, t->packed);
    t->m.packed = t->packed;
    return 1;
}

static void s8_free(s8_model *t)
{
    free(t->w);
    free(t->b);
    free(t->packed);
}

/* Steps of the kernel and of the reference in lock step: 1 when every h and c is equal.
 * extremes 1: inputs -128 and 127 only; 2: besides, before every step both states are set
 * to the edges (c in {-32768, -32767, 32767, 0, random}, h in {-128, 127}), so that the
 * cell update's products and saturations and the tanh of the cell see their extremes. */
static int s8_compare(const s8_model *t, int32_t steps, int extremes)
{
    const int32_t N = t->m.q.n_units, I = t->m.q.n_input;
    const size_t bytes = ELSTM_LSTM_S8_ARENA_BYTES(N);
    unsigned char *a1 = malloc(bytes), *a2 = malloc(bytes);
    int8_t *x = malloc((size_t)I);
    elstm_lstm_ctx_s8 opt, ref;
    int bad = 0;
    if (elstm_lstm_init_s8(&opt, &t->m, a1, bytes) != ELSTM_OK || elstm_lstm_init_s8(&ref, &t->m, a2, bytes) != ELSTM_OK)
        bad = 1;
    for (int32_t s = 0; !bad && s < steps; s++) {
        for (int32_t j = 0; j < I; j++)
            x[j] = (int8_t)(extremes ? (s8_next() % 2 ? 127 : -128) : s8_int(-128, 127));
        for (int32_t n = 0; extremes == 2 && n < N; n++) {
            static const int16_t edge[4] = {-32768, -32767, 32767, 0};
            const uint32_t r = s8_next() % 5;
            opt.c[n] = ref.c[n] = (int16_t)(r < 4 ? edge[r] : s8_int(-32768, 32767));
            opt.h[n] = ref.h[n] = (int8_t)(s8_next() % 2 ? 127 : -128);
        }
        elstm_lstm_step_s8(&opt, x);
        elstm_lstm_step_s8_ref(&ref, x);
        if (memcmp(opt.h, ref.h, (size_t)N) || memcmp(opt.c, ref.c, (size_t)N * sizeof *opt.c)) bad = 1;
    }
    free(a1);
    free(a2);
    free(x);
    return !bad;
}

/* Every shape x {plain, hot, weights like a trained model's} x {packed, unpacked}, with
 * -128 weights; returns the cases that failed. */
static int s8_run_matrix(const char *kernel, int *packed_cases)
{
    static const int32_t Is[] = {1, 3, 4, 7, 9, 33};
    static const int32_t Ns[] = {1, 5, 8, 13, 16, 17, 31, 64, 128, 130};
    int failed = 0, cases = 0;
    *packed_cases = 0;
    for (size_t a = 0; a < sizeof Is / sizeof Is[0]; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof Ns[0]; b++)
            for (int kind = 0; kind < 3; kind++) {
                const int hot = kind == 1;
                s8_model t;
                s8_weights_like_trained = kind == 2;
                s8_make(&t, Is[a], Ns[b], hot, (a + b) % 4 != 3, 1);
                s8_weights_like_trained = 0;
                int ok = s8_compare(&t, Ns[b] > 64 ? 12 : 30, 0);
                ok = ok && s8_compare(&t, 6, 1) && s8_compare(&t, 6, 2);
                if (s8_pack(&t)) {
                    (*packed_cases)++;
                    ok = ok && s8_compare(&t, Ns[b] > 64 ? 12 : 30, 0) && s8_compare(&t, 6, 1) && s8_compare(&t, 6, 2);
                }
                cases++;
                if (!ok) {
                    failed++;
                    printf("# %s: I=%d N=%d kind=%d differs from the reference\n", kernel, (int)Is[a], (int)Ns[b], kind);
                }
                s8_free(&t);
            }
    printf("# %s: %d models, %d of them packed\n", kernel, cases, *packed_cases);
    return failed;
}

#endif /* LSTM_S8_OPT_CASES_H */
