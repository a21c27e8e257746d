/*
 * rng.h - the random numbers of training (internal to train/): xoshiro256** seeded by
 * splitmix64, as their authors publish them (Blackman and Vigna). Our own generator, so
 * that the same --seed gives the same weights and shuffles on every machine and libc.
 */
#ifndef EDGELSTM_TRAIN_RNG_H
#define EDGELSTM_TRAIN_RNG_H

#include <stdint.h>

typedef struct elstm_rng {
    uint64_t s[4];                 /* the state (saved in checkpoints) */
} elstm_rng;

void elstm_rng_seed(elstm_rng *r, uint64_t seed);
uint64_t elstm_rng_next(elstm_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double elstm_rng_uniform(elstm_rng *r);
/* Uniform in [0, n), unbiased (n >= 1). */
uint64_t elstm_rng_below(elstm_rng *r, uint64_t n);
/* Standard normal (Box-Muller, one value per call: two uniforms). */
double elstm_rng_normal(elstm_rng *r);

#endif /* EDGELSTM_TRAIN_RNG_H */
