/*
 * test_activations.c - accuracy of the fast activations (runtime/act.h) against libm.
 *
 * Reference: exp, 1/(1+exp(-x)) and tanh in double precision. Inputs: every multiple of
 * 2^-12 in [-20, 20], magnitudes 2^-126..2^5 on a log grid (both signs), and 2^20 random
 * float bit patterns in [-20, 20]. Reported per function: max abs error, max relative
 * error, max error in ulp of the true value (ulp = spacing of float32 at |ref|). The "# "
 * lines are the measured maxima recorded in docs/runtime.md; the asserted bounds are
 * documented there too. Extremes: NaN propagates, +-inf give the limits, results stay in
 * range, tanh is exactly odd, sigmoid(0) = 0.5 and tanh(+-0) = +-0.
 */
#include <float.h>
#include <stdint.h>

#include "act.h"
#include "elstm_test.h"
#include "test_rng.h"

typedef struct err_stats {
    double abs, rel, ulp;
    float at_abs, at_ulp;
} err_stats;

static double ulp_of(double y)
{
    int e;
    y = fabs(y);
    if (y < (double)FLT_MIN) return ldexp(1.0, -149);
    (void)frexp(y, &e);
    return ldexp(1.0, e - 24);
}

static void account(err_stats *s, float x, float got, double want, int rel_ok)
{
    double d = fabs((double)got - want);
    if (d != d) d = INFINITY;
    if (d > s->abs) { s->abs = d; s->at_abs = x; }
    if (rel_ok && want != 0.0) {
        double r = d / fabs(want), u = d / ulp_of(want);
        if (r > s->rel) s->rel = r;
        if (u > s->ulp) { s->ulp = u; s->at_ulp = x; }
    }
}

static double ref_exp(double x) { return exp(x); }
static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double ref_tanh(double x) { return tanh(x); }

/* The test inputs, generated once. */
static float *inputs;
static size_t n_inputs;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng32(void)
{
    return (uint32_t)(test_xorshift64(&rng_state) >> 11);
}

static void make_inputs(void)
{
    size_t cap = 163841 + 2 * 132 * 64 + (1u << 20), n = 0;
    int k, j;
    long i;
    inputs = malloc(cap * sizeof(float));
    for (i = -20 * 4096; i <= 20 * 4096; i++) inputs[n++] = (float)i / 4096.0f;
    for (k = -126; k <= 5; k++)
        for (j = 0; j < 64; j++) {
            float v = (float)ldexp(1.0 + j / 64.0, k);
            inputs[n++] = v;
            inputs[n++] = -v;
        }
    while (n < cap) {
        elstm_act_bits b;
        b.u = rng32();
        if (b.f >= -20.0f && b.f <= 20.0f) inputs[n++] = b.f;
    }
    n_inputs = n;
}

typedef float (*scalar_fn)(float);

static err_stats measure_scalar(scalar_fn f, double (*ref)(double), float lo, float hi)
{
    err_stats s = {0, 0, 0, 0, 0};
    size_t i;
    for (i = 0; i < n_inputs; i++) {
        float x = inputs[i];
        double want;
        if (x < lo || x > hi) continue;
        want = ref((double)x);
        account(&s, x, f(x), want, fabs(want) >= (double)FLT_MIN);
    }
    return s;
}

static void report(const char *name, err_stats s, double max_abs, double max_ulp)
{
    char what[160];
    printf("# %-14s max abs %.3g (at %.9g), max rel %.3g, max %.2f ulp (at %.9g)\n", name, s.abs,
           (double)s.at_abs, s.rel, s.ulp, (double)s.at_ulp);
    snprintf(what, sizeof what, "%s: max abs error <= %.0e and <= %.0f ulp over the sweep", name,
             max_abs, max_ulp);
    test_report(s.abs <= max_abs && s.ulp <= max_ulp, what, "max abs %.3g, max %.2f ulp", s.abs,
                s.ulp);
}

#if defined(ELSTM_KERNEL_AVX2)
typedef __m256 (*vector_fn)(__m256);

static err_stats measure_vector(vector_fn f, double (*ref)(double), float lo, float hi)
{
    err_stats s = {0, 0, 0, 0, 0};
    size_t i;
    int j;
    for (i = 0; i + 8 <= n_inputs; i += 8) {
        float out[8];
        _mm256_storeu_ps(out, f(_mm256_loadu_ps(inputs + i)));
        for (j = 0; j < 8; j++) {
            float x = inputs[i + j];
            double want;
            if (x < lo || x > hi) continue;
            want = ref((double)x);
            account(&s, x, out[j], want, fabs(want) >= (double)FLT_MIN);
        }
    }
    return s;
}

static float v_sigmoid(float x)
{
    float out[8];
    _mm256_storeu_ps(out, elstm_act_sigmoid8(_mm256_set1_ps(x)));
    return out[0];
}
static float v_tanh(float x)
{
    float out[8];
    _mm256_storeu_ps(out, elstm_act_tanh8(_mm256_set1_ps(x)));
    return out[0];
}
#endif

/* Limits, NaN, range and symmetry for one implementation pair. */
static void check_special(const char *impl, scalar_fn sig, scalar_fn th)
{
    char what[160];
    size_t i;
    int in_range = 1, odd = 1, mono = 1;
    float prev_s = 0.0f, prev_t = -1.0f;
    elstm_act_bits z;

#define WHAT(s) (snprintf(what, sizeof what, "%s: %s", impl, s), what)
    TEST_TRUE(WHAT("sigmoid(NaN) is NaN"), sig(NAN) != sig(NAN));
    TEST_TRUE(WHAT("tanh(NaN) is NaN"), th(NAN) != th(NAN));
    TEST_TRUE(WHAT("sigmoid(+inf) == 1"), sig(INFINITY) == 1.0f);
    TEST_TRUE(WHAT("sigmoid(-inf) in [0, 2e-38]"), sig(-INFINITY) >= 0.0f && sig(-INFINITY) <= 2e-38f);
    TEST_TRUE(WHAT("sigmoid(1e30) == 1 and sigmoid(-1e30) < 2e-38"),
              sig(1e30f) == 1.0f && sig(-1e30f) < 2e-38f);
    TEST_TRUE(WHAT("tanh(+-inf) == +-1"), th(INFINITY) == 1.0f && th(-INFINITY) == -1.0f);
    TEST_TRUE(WHAT("tanh(+-1e30) == +-1"), th(1e30f) == 1.0f && th(-1e30f) == -1.0f);
    TEST_TRUE(WHAT("sigmoid(0) == 0.5"), sig(0.0f) == 0.5f);
    z.f = th(-0.0f);
    TEST_TRUE(WHAT("tanh(+0) == +0 and tanh(-0) == -0"), th(0.0f) == 0.0f && z.u == 0x80000000u);
    TEST_TRUE(WHAT("tanh(1e-30) == 1e-30 (no cancellation near 0)"), th(1e-30f) == 1e-30f);
    TEST_TRUE(WHAT("sigmoid(17.5) == 1 and tanh(9.1) == 1 (saturation as in float32)"),
              sig(17.5f) == 1.0f && th(9.1f) == 1.0f);
    for (i = 0; i < n_inputs; i++) {
        float x = inputs[i], s = sig(x), t = th(x);
        if (!(s >= 0.0f && s <= 1.0f && t >= -1.0f && t <= 1.0f)) in_range = 0;
        if (th(-x) != -t) odd = 0;
    }
    /* monotone along the [-20, 20] grid (the first 163841 inputs, ascending) */
    for (i = 0; i <= 163840; i++) {
        float s = sig(inputs[i]), t = th(inputs[i]);
        if (s < prev_s || t < prev_t) mono = 0;
        prev_s = s;
        prev_t = t;
    }
    TEST_TRUE(WHAT("sigmoid in [0, 1] and tanh in [-1, 1] for every input"), in_range);
    TEST_TRUE(WHAT("tanh(-x) == -tanh(x) exactly"), odd);
    TEST_TRUE(WHAT("sigmoid and tanh are non-decreasing on the 2^-12 grid of [-20, 20]"), mono);
#undef WHAT
}

int main(void)
{
    test_suite("activations");
    make_inputs();

    /* Bounds: docs/runtime.md (measured maxima, rounded up). */
    report("exp", measure_scalar(elstm_act_exp, ref_exp, -20.0f, 20.0f), INFINITY, 3.0);
    report("sigmoid", measure_scalar(elstm_act_sigmoid, ref_sigmoid, -20.0f, 20.0f), 2e-7, 4.0);
    report("tanh", measure_scalar(elstm_act_tanh, ref_tanh, -20.0f, 20.0f), 2e-7, 4.0);
    {
        /* exp over its whole documented domain, checked on a grid */
        err_stats s = {0, 0, 0, 0, 0};
        long i;
        for (i = -87 * 256; i <= 87 * 256; i++) {
            float x = (float)i / 256.0f;
            account(&s, x, elstm_act_exp(x), exp((double)x), 1);
        }
        report("exp[-87,87]", s, INFINITY, 3.0);
    }
    check_special("scalar", elstm_act_sigmoid, elstm_act_tanh);

#if defined(ELSTM_KERNEL_AVX2)
    report("sigmoid8", measure_vector(elstm_act_sigmoid8, ref_sigmoid, -20.0f, 20.0f), 2e-7, 4.0);
    report("tanh8", measure_vector(elstm_act_tanh8, ref_tanh, -20.0f, 20.0f), 2e-7, 4.0);
    report("exp8", measure_vector(elstm_act_exp8, ref_exp, -20.0f, 20.0f), INFINITY, 3.0);
    check_special("avx2", v_sigmoid, v_tanh);
    {
        /* the vector versions compute the scalar formulas: at most 1 ulp apart */
        size_t i;
        double worst = 0.0;
        for (i = 0; i + 8 <= n_inputs; i += 8) {
            float s8[8], t8[8];
            int j;
            _mm256_storeu_ps(s8, elstm_act_sigmoid8(_mm256_loadu_ps(inputs + i)));
            _mm256_storeu_ps(t8, elstm_act_tanh8(_mm256_loadu_ps(inputs + i)));
            for (j = 0; j < 8; j++) {
                float x = inputs[i + j];
                double ds = fabs((double)s8[j] - elstm_act_sigmoid(x)) / ulp_of(elstm_act_sigmoid(x));
                double dt = fabs((double)t8[j] - elstm_act_tanh(x)) / ulp_of(elstm_act_tanh(x));
                if (ds > worst) worst = ds;
                if (dt > worst) worst = dt;
            }
        }
        printf("# avx2 vs scalar: max %.2f ulp apart\n", worst);
        TEST_TRUE("avx2 and scalar activations agree within 5 ulp", worst <= 5.0);
    }
#else
    printf("# AVX2 activations not compiled on this machine (ELSTM_KERNEL_AVX2 undefined)\n");
#endif
    free(inputs);
    return test_done();
}
