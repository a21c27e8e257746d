/*
 * pool.h - the host's worker pool (internal to train/): training and threaded inference
 * both run their parallel work through it.
 *
 * A pool of P threads: the caller is thread 0, threads 1..P-1 live as long as the pool.
 * tr_pool_run() runs one job on all P threads and returns when every thread has
 * finished it; inside a job, the threads meet at tr_pool_barrier() (phases of a
 * training batch, or the time steps of one inference window).
 *
 * Waiting, everywhere (a new job, a barrier, the end of a job): spin briefly with a
 * pause instruction (the next job or phase usually comes within microseconds), then
 * sleep on a condition variable and give the core away (more threads than free cores:
 * the others need it). A thread that had to sleep once in a job sleeps at once at its
 * later barriers of that job. Work is never split by timing: what each thread computes
 * depends only on p and P, so results do not depend on the scheduling.
 */
#ifndef EDGELSTM_TRAIN_POOL_H
#define EDGELSTM_TRAIN_POOL_H

#include <stddef.h>

#include "edgelstm/diag.h"

#define TR_POOL_MAX_THREADS 256

typedef struct tr_pool tr_pool;

/* job(arg, p) runs on thread p = 0 .. P-1 of the pool. */
typedef void (*tr_pool_job)(void *arg, int p);

/* Start threads - 1 worker threads (threads 1..TR_POOL_MAX_THREADS). ELSTM_ERR_ARG,
 * or ELSTM_ERR_NOMEM when memory or a thread cannot be had ("what" names the work in
 * that sentence, e.g. "training"). */
elstm_status tr_pool_create(tr_pool **pool, int threads, const char *what, elstm_diag *diag);

/* P: the caller plus the workers. */
int tr_pool_threads(const tr_pool *pool);

/* Run job on every thread (the caller runs p = 0) and wait until all have returned.
 * Not reentrant: one job at a time. */
void tr_pool_run(tr_pool *pool, tr_pool_job job, void *arg);

/* Inside a job: wait until all P threads have arrived (thread p calls it). */
void tr_pool_barrier(tr_pool *pool, int p);

/* [lo, hi) of n items for thread p of P: contiguous shares, the same for any scheduling. */
static inline void tr_pool_share(size_t n, int p, int P, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)p / (size_t)P;
    *hi = n * (size_t)(p + 1) / (size_t)P;
}

/* Stop and join the workers, free the pool (NULL is fine). */
void tr_pool_free(tr_pool *pool);

#endif /* EDGELSTM_TRAIN_POOL_H */
