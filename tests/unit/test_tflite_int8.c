/* test_tflite_int8.c - fixed-point primitives of the int8 executor against real arithmetic. */
#include <math.h>
#include <stdint.h>

#include "../../io/tflite_int8.h"
#include "elstm_test.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(void)
{
    test_suite("tflite_int8");
    tfl_mult q = tfl_quantize_multiplier(1.0 / 32768.0);
    TEST_TRUE("QuantizeMultiplier(2^-15) = (2^30, -14)", q.m == (1 << 30) && q.shift == -14);
    q = tfl_quantize_multiplier(1.0 / 32768.0 / 32768.0 / (1.0 / 4096.0));
    TEST_TRUE("QuantizeMultiplier(2^-18) = (2^30, -17)", q.m == (1 << 30) && q.shift == -17);
    q = tfl_quantize_multiplier(0.0);
    TEST_TRUE("QuantizeMultiplier(0) = (0, 0)", q.m == 0 && q.shift == 0);
    q = tfl_quantize_multiplier(3.0);
    TEST_TRUE("QuantizeMultiplier(3) = (0.75 * 2^31, 2)", q.m == 1610612736 && q.shift == 2);

    /* MBQM(x, QM(r)) is x * r rounded, within one step, over many random pairs. */
    int worst = 0, exact = 0, n = 20000;
    for (int i = 0; i < n; i++) {
        double r = ldexp((double)(next() % 1000000 + 1) / 1000000.0, -(int)(next() % 20));
        int32_t x = (int32_t)(next() % 2000001) - 1000000;
        int32_t got = tfl_mbqm(x, tfl_quantize_multiplier(r));
        double want = x * r;
        int d = (int)fabs(got - round(want));
        if (d > worst) worst = d;
        exact += d == 0;
    }
    TEST_TRUE("MBQM is within 1 of x*r rounded on 20000 random pairs", worst <= 1);
    printf("# %d of %d exact\n", exact, n);
    TEST_TRUE("and exact on nearly all of them", exact > n * 95 / 100);
    /* ties: the doubling high multiply rounds them upward (gemmlowp's convention) */
    TEST_EQ_INT("MBQM: 5 * 0.5 = 2.5 rounds to 3", tfl_mbqm(5, tfl_quantize_multiplier(0.5)), 3);
    TEST_EQ_INT("MBQM: -5 * 0.5 = -2.5 rounds to -2", tfl_mbqm(-5, tfl_quantize_multiplier(0.5)), -2);
    /* the final power-of-two division rounds ties away from zero */
    TEST_EQ_INT("MBQM: -5 * 0.25 = -1.25 rounds to -1", tfl_mbqm(-5, tfl_quantize_multiplier(0.25)), -1);
    TEST_EQ_INT("MBQM: -6 * 0.25 = -1.5 rounds to -2", tfl_mbqm(-6, tfl_quantize_multiplier(0.25)), -2);
    TEST_EQ_INT("MBQM saturates a huge product", tfl_mbqm(INT64_C(1) << 40, tfl_quantize_multiplier(0.5)), 1073741824);
    return test_done();
}
