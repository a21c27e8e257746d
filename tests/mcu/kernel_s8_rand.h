/*
 * kernel_s8_rand.h - the random numbers of the emulated cores' int8 kernel tests
 * (kernel_s8_test.c: Cortex-M4 DSP, kernel_s8_xt_test.c: Xtensa MAC16): a xorshift32
 * stream, integers in a range and requantization multipliers. C99, no libc.
 */
#ifndef ELSTM_KERNEL_S8_RAND_H
#define ELSTM_KERNEL_S8_RAND_H

#include <stdint.h>

#include "edgelstm/quant.h"
#include "../test_rng.h"

static uint32_t ks8_rng = 2463534242u;
static uint32_t next(void) { return test_xorshift32(&ks8_rng); }
static int32_t in_range(int32_t lo, int32_t hi) { return lo + (int32_t)(next() % (uint32_t)(hi - lo + 1)); }

/* A multiplier m 2^(shift - 31), m in [2^30, 2^31). */
static elstm_qmult mult(int32_t shift)
{
    elstm_qmult m = {(int32_t)(0x40000000u + (next() & 0x3FFFFFFFu)), shift};
    return m;
}

#endif
