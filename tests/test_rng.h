/*
 * test_rng.h - the pseudo-random generators of the tests: Marsaglia's xorshift32
 * (shifts 13, 17, 5) and xorshift64 (13, 7, 17), and Knuth's 64-bit LCG (MMIX constants).
 * Each caller keeps its own state (its seed fixes its cases) and turns the raw numbers
 * into the values it needs. C99, <stdint.h> only: the emulated cores' tests
 * (tests/mcu/, no libc) include it too.
 */
#ifndef ELSTM_TEST_RNG_H
#define ELSTM_TEST_RNG_H

#include <stdint.h>

/* The next state of a xorshift32 stream (never 0 from a non-zero seed); also its output. */
static inline uint32_t test_xorshift32(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* The next state of a xorshift64 stream (never 0 from a non-zero seed); also its output. */
static inline uint64_t test_xorshift64(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The next state of a 64-bit linear congruential stream; its low bits are weak, so take
 * the high ones. */
static inline uint64_t test_lcg64(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s;
}

#endif
