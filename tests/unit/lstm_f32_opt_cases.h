/*
 * lstm_f32_opt_cases.h - the optimized LSTM kernel against the reference (lstm_f32_ref.c).
 *
 * Shared by test_lstm_f32_opt.c (the kernel this build selects: AVX2 on x86-64 with AVX2+FMA)
 * and test_lstm_f32_opt_generic.c (runtime/lstm_f32_opt.c compiled again with ELSTM_FORCE_GENERIC).
 *
 * Shapes: I = 1..9 x N = 1, 3, 8, 13, 64, 128, 130, windows of 1..200 steps, with and
 * without cell clipping (clip 10 as the converter writes it, and a clip of 0.25 that
 * actually binds), NULL biases, n_output 0/1/3, saturating inputs, weights at unaligned
 * addresses. Weights ~ U(-2/sqrt(I+N), 2/sqrt(I+N)), biases ~ U(-1, 1), inputs ~ U(-1, 1)
 * (x 60 for the saturating cases).
 *
 * Tolerances. One step from the same state: the kernels differ only in the summation
 * order of the K = I+N+1 terms of each pre-activation (error <= K 2^-24 sum|terms|, about
 * 1e-6 for K = 137 and these weights, typically 30x less) and in the activations
 * (<= 9e-8 each, act.h). A step is 1-Lipschitz-ish in z (|d sigmoid| <= 1/4,
 * |d tanh| <= 1), so STEP_TOL = 2e-6 bounds h and c - relative to max(1, |value|),
 * because c grows to the clip value (10) with saturating inputs and its rounding with it.
 * Windows: the per-step differences are propagated through the recurrence, which these
 * contractive random LSTMs damp; the measured maximum over all shapes is printed (# lines)
 * and WINDOW_TOL = 1e-5 (same scaling) is the bound the product promises against TFLite.
 * Saturating inputs (|x| up to 60) make every term of z, and so its rounding error, up to
 * 60x larger: their one-step tolerance is STEP_TOL x 60 (windows keep WINDOW_TOL).
 */
#ifndef LSTM_OPT_CASES_H
#define LSTM_OPT_CASES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/lstm.h"
#include "elstm_test.h"
#include "host/lstm_f32_pack.h"
#include "lstm_test_model.h"

#define STEP_TOL 2e-6
#define WINDOW_TOL 1e-5

/* max |a - b| / max(1, |b|) */
static double scaled_diff(const float *a, const float *b, size_t n)
{
    double m = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]) / fmax(1.0, fabs((double)b[i]));
        if (!(d <= m)) m = d; /* NaN wins */
    }
    return m;
}

typedef struct case_stats {
    double step, window;   /* largest differences seen (regular inputs) */
    double step_sat;       /* largest one-step difference with saturating inputs */
    int step_fail, window_fail, cases;
    char first_step_fail[200], first_window_fail[200];
} case_stats;

/* One shape: per-step from identical states, then whole windows. */
static void run_case(case_stats *st, int32_t I, int32_t N, int32_t O, float clip, int biases,
                     int32_t steps, float xscale)
{
    test_model t;
    elstm_lstm_ctx_f32 ref, opt;
    void *arena_r, *arena_o;
    size_t bytes;
    float *x, yr[3] = {0, 0, 0}, yo[3] = {0, 0, 0};
    double d;
    int32_t s;
    make_model(&t, I, N, O, clip, biases);
    bytes = elstm_lstm_arena_size_f32(&t.m);
    arena_r = malloc(bytes);
    arena_o = malloc(bytes);
    x = random_inputs((size_t)steps * I, xscale);
    st->cases++;
    if (elstm_lstm_init_f32(&ref, &t.m, arena_r, bytes) != ELSTM_OK ||
        elstm_lstm_init_f32(&opt, &t.m, arena_o, bytes) != ELSTM_OK) {
        st->step_fail++;
        snprintf(st->first_step_fail, sizeof st->first_step_fail, "init failed for I=%d N=%d", I, N);
        goto done;
    }
    for (s = 0; s < steps; s++) {
        double dh, dc;
        memcpy(opt.h, ref.h, (size_t)N * sizeof(float));
        memcpy(opt.c, ref.c, (size_t)N * sizeof(float));
        elstm_lstm_step_f32_ref(&ref, x + (size_t)s * I);
        if (s % 2) elstm_lstm_step_f32(&opt, x + (size_t)s * I); /* the unsuffixed name too */
        else elstm_lstm_step_f32_opt(&opt, x + (size_t)s * I);
        dh = scaled_diff(opt.h, ref.h, (size_t)N);
        dc = scaled_diff(opt.c, ref.c, (size_t)N);
        d = dh > dc ? dh : dc;
        if (xscale > 1.0f) {
            if (d > st->step_sat) st->step_sat = d;
        } else if (d > st->step) {
            st->step = d;
        }
        if (!(d <= STEP_TOL * (xscale > 1.0f ? xscale : 1.0f)) && !st->step_fail++)
            snprintf(st->first_step_fail, sizeof st->first_step_fail,
                     "step %d of I=%d N=%d clip=%g biases=%d xscale=%g: |diff| %.3g", s, I, N,
                     (double)clip, biases, (double)xscale, d);
    }
    elstm_lstm_window_f32_ref(&ref, x, steps, O ? yr : NULL);
    elstm_lstm_window_f32(&opt, x, steps, O ? yo : NULL);
    d = scaled_diff(opt.h, ref.h, (size_t)N);
    {
        double dc = scaled_diff(opt.c, ref.c, (size_t)N);
        double dy = scaled_diff(yo, yr, (size_t)O);
        if (dc > d) d = dc;
        if (dy > d) d = dy;
    }
    if (d > st->window) st->window = d;
    if (!(d <= WINDOW_TOL) && !st->window_fail++)
        snprintf(st->first_window_fail, sizeof st->first_window_fail,
                 "window of %d steps, I=%d N=%d clip=%g biases=%d xscale=%g: |diff| %.3g", steps,
                 I, N, (double)clip, biases, (double)xscale, d);
done:
    free(x);
    free(arena_r);
    free(arena_o);
    free(t.block);
}

static void run_shape_matrix(const char *kernel)
{
    static const int32_t units[] = {1, 3, 8, 13, 64, 128, 130};
    case_stats st;
    char what[200];
    int32_t I;
    size_t k;
    int n = 0;
    memset(&st, 0, sizeof st);
    for (I = 1; I <= 9; I++)
        for (k = 0; k < sizeof units / sizeof units[0]; k++) {
            const int32_t N = units[k];
            const int32_t steps = 1 + (int32_t)((n * 37) % 200);
            const int variant = n % 4;
            n++;
            /* variants: plain; NULL biases + no dense; tight clip + 3 outputs; saturating */
            run_case(&st, I, N, variant == 1 ? 0 : variant == 2 ? 3 : 1,
                     variant == 2 ? 0.25f : variant == 1 ? 0.0f : 10.0f, variant != 1, steps,
                     variant == 3 ? 60.0f : 1.0f);
        }
    /* the seed's shape, full length, each variant */
    run_case(&st, 7, 128, 1, 10.0f, 1, 168, 1.0f);
    run_case(&st, 7, 128, 1, 0.0f, 0, 200, 1.0f);
    run_case(&st, 7, 128, 1, 0.25f, 1, 168, 1.0f);
    run_case(&st, 7, 128, 1, 10.0f, 1, 168, 60.0f);
    printf("# %s: %d shapes, max |opt - ref| / max(1, |ref|): one step %.3g (saturating inputs %.3g), "
           "whole window %.3g\n", kernel, st.cases, st.step, st.step_sat, st.window);
    snprintf(what, sizeof what, "%s: every step of %d shapes within %.0e of the reference (x60 when saturating)",
             kernel, st.cases, STEP_TOL);
    test_report(st.step_fail == 0, what, "%d failures, first: %s", st.step_fail, st.first_step_fail);
    snprintf(what, sizeof what, "%s: every window (h, c, y) of %d shapes within %.0e of the reference",
             kernel, st.cases, WINDOW_TOL);
    test_report(st.window_fail == 0, what, "%d failures, first: %s", st.window_fail,
                st.first_window_fail);
}

/* Packed weights (runtime/host/lstm_f32_pack.h, host only) give the same bits as the row-major
 * arrays: whole windows, and unit ranges at multiples of 8 (the threaded runner's split)
 * or anywhere else (where the kernel reads the row-major arrays). */
static void check_packed(const char *kernel)
{
    static const int32_t inputs[] = {1, 5, 7, 8, 9, 17}, units[] = {8, 13, 64, 128, 130};
    char what[200];
    size_t a, k;
    int same = 1, packed_used = 0, cases = 0;
    for (a = 0; a < sizeof inputs / sizeof inputs[0]; a++)
        for (k = 0; k < sizeof units / sizeof units[0]; k++) {
            const int32_t I = inputs[a], N = units[k], steps = 23;
            test_model t;
            elstm_lstm_f32 pm;
            elstm_lstm_ctx_f32 c1, c2;
            size_t bytes, nf;
            void *a1, *a2;
            float *x, *pk, y1[3], y2[3], *h0, *cs1, *cs2, *h1, *h2;
            int32_t split;
            make_model(&t, I, N, 3, (a + k) % 2 ? 0.25f : 0.0f, (a + k) % 3 != 0);
            nf = elstm_lstm_packed_floats_f32(&t.m);
            packed_used |= nf > 0;
            pk = malloc((nf ? nf : 1) * sizeof(float) + 32);
            pm = t.m;
            if (nf) {
                elstm_lstm_pack_f32(&t.m, pk + 3); /* any float alignment */
                pm.packed = pk + 3;
            }
            bytes = elstm_lstm_arena_size_f32(&t.m);
            a1 = malloc(bytes);
            a2 = malloc(bytes);
            x = random_inputs((size_t)steps * I, 1.0f);
            elstm_lstm_init_f32(&c1, &t.m, a1, bytes);
            elstm_lstm_init_f32(&c2, &pm, a2, bytes);
            elstm_lstm_window_f32(&c1, x, steps, y1);
            elstm_lstm_window_f32(&c2, x, steps, y2);
            same &= memcmp(c1.h, c2.h, (size_t)N * sizeof(float)) == 0 &&
                    memcmp(c1.c, c2.c, (size_t)N * sizeof(float)) == 0 && memcmp(y1, y2, sizeof y1) == 0;
            h0 = random_inputs((size_t)N, 1.0f);
            cs1 = random_inputs((size_t)N, 2.0f);
            cs2 = malloc((size_t)N * sizeof(float));
            h1 = malloc((size_t)N * sizeof(float));
            h2 = malloc((size_t)N * sizeof(float));
            for (split = 1; split < N; split += 3) {
                float *c0 = random_inputs((size_t)N, 2.0f);
                memcpy(cs1, c0, (size_t)N * sizeof(float));
                memcpy(cs2, c0, (size_t)N * sizeof(float));
                elstm_lstm_units_f32_opt(&t.m, x, h0, cs1, h1, 0, N, split & 1);
                elstm_lstm_units_f32_opt(&pm, x, h0, cs2, h2, 0, split, 0);
                elstm_lstm_units_f32_opt(&pm, x, h0, cs2, h2, split, N, 1);
                same &= memcmp(cs1, cs2, (size_t)N * sizeof(float)) == 0 &&
                        memcmp(h1, h2, (size_t)N * sizeof(float)) == 0;
                free(c0);
            }
            cases++;
            free(h0); free(cs1); free(cs2); free(h1); free(h2);
            free(x); free(a1); free(a2); free(pk); free(t.block);
        }
    snprintf(what, sizeof what, "%s: packed weights give the row-major arrays' bits (%d shapes, windows and unit ranges)%s",
             kernel, cases, packed_used ? "" : " (this build packs nothing)");
    TEST_TRUE(what, same);
}

/* Computing a step in unit ranges (any split, either direction) gives the same bits as
 * the whole step: what the threaded runner relies on for results independent of T. */
static void check_unit_ranges(const char *kernel)
{
    static const int32_t units[] = {3, 13, 64, 130};
    char what[200];
    size_t k;
    int same = 1;
    for (k = 0; k < sizeof units / sizeof units[0]; k++) {
        const int32_t N = units[k], I = 5;
        test_model t;
        float *x, *h0, *c_full, *c_part, *h_full, *h_part;
        int32_t split, s;
        make_model(&t, I, N, 1, 10.0f, 1);
        x = random_inputs((size_t)I, 1.0f);
        h0 = random_inputs((size_t)N, 1.0f);
        c_full = random_inputs((size_t)N, 2.0f);
        c_part = malloc((size_t)N * sizeof(float));
        h_full = malloc((size_t)N * sizeof(float));
        h_part = malloc((size_t)N * sizeof(float));
        for (s = 0; s < 2; s++) {
            float *c_init = random_inputs((size_t)N, 2.0f);
            memcpy(c_full, c_init, (size_t)N * sizeof(float));
            elstm_lstm_units_f32_opt(&t.m, x, h0, c_full, h_full, 0, N, s);
            for (split = 1; split < N; split += (N > 20 ? 7 : 1)) {
                memcpy(c_part, c_init, (size_t)N * sizeof(float));
                elstm_lstm_units_f32_opt(&t.m, x, h0, c_part, h_part, split, N, !s);
                elstm_lstm_units_f32_opt(&t.m, x, h0, c_part, h_part, 0, split, s);
                if (memcmp(c_part, c_full, (size_t)N * sizeof(float)) ||
                    memcmp(h_part, h_full, (size_t)N * sizeof(float)))
                    same = 0;
            }
            free(c_init);
        }
        free(x);
        free(h0);
        free(c_full);
        free(c_part);
        free(h_full);
        free(h_part);
        free(t.block);
    }
    snprintf(what, sizeof what,
             "%s: a step computed in two unit ranges (any split, either order) is bit-identical",
             kernel);
    TEST_TRUE(what, same);
}

#endif /* LSTM_OPT_CASES_H */
