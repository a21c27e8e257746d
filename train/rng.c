/* rng.c - xoshiro256** seeded by splitmix64 (see rng.h). */
#include <math.h>

#include "rng.h"

uint64_t tr_rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *x) { return tr_rng_mix(*x += 0x9e3779b97f4a7c15ULL); }

void tr_rng_seed(tr_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t tr_rng_next(tr_rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return out;
}

double tr_rng_uniform(tr_rng *r) { return (double)(tr_rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t tr_rng_below(tr_rng *r, uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do x = tr_rng_next(r); while (x >= lim);
    return x % n;
}

double tr_rng_normal(tr_rng *r)
{
    double u1 = 1.0 - tr_rng_uniform(r), u2 = tr_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

void tr_rng_shuffle(tr_rng *r, size_t *perm, size_t n)
{
    for (size_t k = 0; k < n; k++) perm[k] = k;
    for (size_t k = n; k-- > 1;) {
        size_t j = (size_t)tr_rng_below(r, (uint64_t)k + 1), t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
    }
}
