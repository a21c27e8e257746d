/*
 * rng.h - the random numbers of training (internal to train/): xoshiro256** seeded by
 * splitmix64, as their authors publish them (Blackman and Vigna). Our own generator, so
 * that the same --seed gives the same weights and shuffles on every machine and libc.
 */
#ifndef EDGELSTM_TRAIN_RNG_H
#define EDGELSTM_TRAIN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct tr_rng {
    uint64_t s[4];                 /* the state (saved in checkpoints) */
} tr_rng;

void tr_rng_seed(tr_rng *r, uint64_t seed);
uint64_t tr_rng_next(tr_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double tr_rng_uniform(tr_rng *r);
/* Uniform in [0, n), unbiased (n >= 1). */
uint64_t tr_rng_below(tr_rng *r, uint64_t n);
/* perm[0..n) = a Fisher-Yates shuffle of 0..n-1 (k = n-1 down to 1: swap k with below(k+1)). */
void tr_rng_shuffle(tr_rng *r, size_t *perm, size_t n);
/* splitmix64's finalizer: a 64-bit mix for deriving seeds. */
uint64_t tr_rng_mix(uint64_t z);
/* Standard normal (Box-Muller, one value per call: two uniforms). */
double tr_rng_normal(tr_rng *r);

#endif /* EDGELSTM_TRAIN_RNG_H */
