/*
 * elstm_test.h - a tiny test harness for the C unit tests (header only).
 *
 * Each check prints one line that tests/run.sh counts:
 *     ok - SUITE: what was checked
 *     not ok - SUITE: what was checked (detail)
 * A test file is a main() that calls TEST_* macros and ends with `return test_done();`.
 *
 *     #include "elstm_test.h"
 *     int main(void) {
 *         test_suite("lstm");
 *         TEST_TRUE("arena size is positive", elstm_lstm_arena_size_f32(&m) > 0);
 *         TEST_NEAR("step matches numpy", got, want, 1e-6);
 *         return test_done();
 *     }
 *
 * Environment for tests: ELSTM_ROOT (repo root; test data lives under tests/fixtures/).
 */
#ifndef ELSTM_TEST_H
#define ELSTM_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *test_suite_name = "test";
static int test_failures = 0;
static int test_count = 0;

static inline void test_suite(const char *name) { test_suite_name = name; }

static inline int test_report(int pass, const char *what, const char *fmt, ...)
{
    test_count++;
    if (pass) {
        printf("ok - %s: %s\n", test_suite_name, what);
    } else {
        test_failures++;
        printf("not ok - %s: %s", test_suite_name, what);
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            printf(" (");
            vprintf(fmt, ap);
            printf(")");
            va_end(ap);
        }
        printf("\n");
    }
    fflush(stdout);
    return pass;
}

#define TEST_TRUE(what, cond) \
    test_report(!!(cond), (what), "%s:%d: %s is false", __FILE__, __LINE__, #cond)

#define TEST_EQ_INT(what, got, want)                                                        \
    do {                                                                                    \
        long long g_ = (long long)(got), w_ = (long long)(want);                            \
        test_report(g_ == w_, (what), "%s:%d: got %lld, want %lld", __FILE__, __LINE__, g_, w_); \
    } while (0)

#define TEST_EQ_STR(what, got, want)                                                        \
    do {                                                                                    \
        const char *g_ = (got), *w_ = (want);                                               \
        test_report(g_ && w_ && strcmp(g_, w_) == 0, (what), "%s:%d: got \"%s\", want \"%s\"", \
                    __FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)");            \
    } while (0)

/* |got - want| <= tol (NaN never passes). */
#define TEST_NEAR(what, got, want, tol)                                                     \
    do {                                                                                    \
        double g_ = (double)(got), w_ = (double)(want), t_ = (double)(tol);                 \
        test_report(fabs(g_ - w_) <= t_, (what), "%s:%d: got %.9g, want %.9g, tol %.3g",    \
                    __FILE__, __LINE__, g_, w_, t_);                                        \
    } while (0)

/* max |a[i] - b[i]| <= tol over n floats; reports the worst index. */
static inline double test_max_abs_diff_f32(const float *a, const float *b, size_t n, size_t *worst)
{
    double m = 0.0;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > m || d != d) { m = d; w = i; if (d != d) break; }
    }
    if (worst) *worst = w;
    return m;
}
#define TEST_ALLCLOSE_F32(what, a, b, n, tol)                                               \
    do {                                                                                    \
        size_t w_;                                                                          \
        double m_ = test_max_abs_diff_f32((a), (b), (n), &w_);                              \
        test_report(m_ <= (tol), (what), "%s:%d: max |diff| %.3g at [%zu] (%.9g vs %.9g), tol %.3g", \
                    __FILE__, __LINE__, m_, w_, (double)(a)[w_], (double)(b)[w_], (double)(tol)); \
    } while (0)

/* The repository, from the environment tests/run.sh sets. */
static inline const char *test_root_dir(void)
{
    const char *s = getenv("ELSTM_ROOT");
    return s && *s ? s : ".";
}

/* The path of tests/fixtures/DIR/NAME (in a buffer that the next call reuses). */
static inline const char *test_fixture(const char *dir, const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/%s/%s", test_root_dir(), dir, name);
    return path;
}

static inline int test_done(void)
{
    printf("# %s: %d checks, %d failed\n", test_suite_name, test_count, test_failures);
    return test_failures ? 1 : 0;
}

#endif /* ELSTM_TEST_H */
