/*
 * sampler.c - series sampling (ELSTM_SAMPLING_SERIES, --sampling series): every batch
 * takes an equal share of its windows from every series (docs/training.md, "Sampling").
 *
 * Series j (of the S that have training windows) gets B / S windows of a batch of B, and
 * one more when it is among the next B mod S series of a rotation that continues from
 * batch to batch (so over a run every series gets the same number of windows, within one).
 * Each series walks its own shuffle of its windows: shuffle number w of series s is a
 * Fisher-Yates over its windows with a generator seeded from (--seed, s, w), made when
 * the walk reaches it. Everything is a function of the seed, the window counts and the
 * number of windows drawn so far, so the batches are the same in every process and
 * after a --resume (tr_sampler_skip replays the counts of the steps already taken).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void tr_sampler_free(tr_sampler *sm)
{
    free(sm->first);
    free(sm->perm);
    memset(sm, 0, sizeof *sm);
}

elstm_status tr_sampler_init(tr_sampler *sm, uint64_t seed, int n_series, const size_t *train_n, elstm_diag *diag)
{
    memset(sm, 0, sizeof *sm);
    sm->seed = seed;
    size_t total = 0;
    for (int s = 0; s < n_series; s++) {
        if (train_n[s] > 0) sm->S++;
        total += train_n[s];
    }
    if (sm->S == 0) return elstm_diag_set(diag, ELSTM_ERR_DATA, NULL, 0, "there are no training windows");
    const size_t S = (size_t)sm->S;
    sm->first = calloc(5 * S, sizeof *sm->first); /* first, n, index, drawn, shuffle made */
    sm->perm = malloc(total * sizeof *sm->perm);
    if (!sm->first || !sm->perm) {
        tr_sampler_free(sm);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    sm->n = sm->first + S;
    sm->index = sm->n + S;
    sm->drawn = sm->index + S;
    sm->made = sm->drawn + S;
    size_t g = 0, j = 0;
    for (int s = 0; s < n_series; s++) {
        if (train_n[s] > 0) {
            sm->first[j] = g;
            sm->n[j] = train_n[s];
            sm->index[j] = (size_t)s;
            sm->made[j] = SIZE_MAX; /* no shuffle yet */
            j++;
        }
        g += train_n[s];
    }
    return ELSTM_OK;
}

/* Windows of series j in a batch of nb (the rotation as it stands). */
static size_t share(const tr_sampler *sm, size_t j, size_t nb)
{
    const size_t S = (size_t)sm->S, r = nb % S;
    return nb / S + ((j + S - sm->turn) % S < r);
}

static void advance(tr_sampler *sm, size_t nb)
{
    sm->turn = (sm->turn + nb % (size_t)sm->S) % (size_t)sm->S;
    sm->steps++;
}

void tr_sampler_skip(tr_sampler *sm, size_t nb)
{
    for (size_t j = 0; j < (size_t)sm->S; j++) sm->drawn[j] += share(sm, j, nb);
    advance(sm, nb);
}

void tr_sampler_batch(tr_sampler *sm, size_t nb, size_t *out)
{
    size_t k = 0;
    for (size_t j = 0; j < (size_t)sm->S; j++) {
        const size_t n = sm->n[j], want = share(sm, j, nb);
        size_t *perm = sm->perm + sm->first[j];
        for (size_t c = 0; c < want; c++, sm->drawn[j]++) {
            const size_t w = sm->drawn[j] / n, pos = sm->drawn[j] % n;
            if (sm->made[j] != w) { /* shuffle number w of this series */
                tr_rng r;
                tr_rng_seed(&r, tr_rng_mix(sm->seed ^ tr_rng_mix(0x5345524945530000ULL + sm->index[j]) ^
                                           tr_rng_mix(~(uint64_t)w)));
                tr_rng_shuffle(&r, perm, n);
                sm->made[j] = w;
            }
            out[k++] = sm->first[j] + perm[pos];
        }
    }
    advance(sm, nb);
}
