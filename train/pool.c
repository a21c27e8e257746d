/*
 * pool.c - the host's worker pool (see pool.h).
 *
 * Three things are waited for: a new job (workers, between jobs), the next phase of a
 * barrier (every thread, inside a job) and the end of a job (the caller). All three
 * wait the same way (wait_for): spin on an atomic, then sleep on the pool's one
 * condition variable, counted in `sleepers`. Whoever changes what others wait for
 * does so with a sequentially consistent store and then wakes the sleepers if there
 * are any (wake); a sleeper counts itself before it checks again under the mutex, so
 * one of the two always sees the other (no lost wake-up).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "edgelstm/clock.h"
#include "pool.h"

#define POOL_JOB_SPIN_SECONDS 2e-4   /* between jobs: the next window or batch is near */
#define POOL_STEP_SPIN_SECONDS 2e-5  /* at a barrier: one time step takes ~1-2 us */

typedef struct pool_thread {
    tr_pool *pool;
    int p;
    int slept;                       /* slept at a barrier of the current job */
    char pad[64 - sizeof(void *) - 2 * sizeof(int)]; /* own cache line: written by its thread */
} pool_thread;

struct tr_pool {
    int P;
    int started;                     /* workers created */
    pthread_t *tid;                  /* [P] (0 unused) */
    pool_thread *th;                 /* [P] */
    /* the current job, published by incrementing `gen` */
    tr_pool_job job;
    void *arg;
    _Atomic unsigned gen;
    _Atomic int quit;
    _Atomic int pending;             /* workers still running the job */
    /* barrier: `arrived` counts, `phase` advances when all P have arrived */
    _Atomic unsigned arrived, phase;
    /* sleeping */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic int sleepers;
};

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* What the waits wait for. */
static int job_ready(tr_pool *pl, unsigned seen) { return atomic_load(&pl->gen) != seen || atomic_load(&pl->quit); }
static int phase_ready(tr_pool *pl, unsigned phase) { return atomic_load(&pl->phase) != phase; }
static int job_done(tr_pool *pl, unsigned unused)
{
    (void)unused;
    return atomic_load(&pl->pending) == 0;
}

/* Wait until ready(pl, v): spin for spin_s seconds (not at all when *slept), then sleep.
 * `slept` (may be NULL) records that this thread had to sleep. */
static void wait_for(tr_pool *pl, int (*ready)(tr_pool *, unsigned), unsigned v, double spin_s, int *slept)
{
    double t0 = 0.0;
    for (unsigned spins = 1; !ready(pl, v); spins++) {
        cpu_relax();
        if (spins % 64 != 0) continue;
        if (!(slept && *slept)) {
            if (t0 == 0.0) t0 = elstm_now_s();
            if (elstm_now_s() - t0 <= spin_s) continue;
        }
        if (slept) *slept = 1;
        pthread_mutex_lock(&pl->mu);
        atomic_fetch_add(&pl->sleepers, 1);
        while (!ready(pl, v)) pthread_cond_wait(&pl->cv, &pl->mu);
        atomic_fetch_sub(&pl->sleepers, 1);
        pthread_mutex_unlock(&pl->mu);
        return;
    }
}

/* After a (sequentially consistent) change of what others may wait for. */
static void wake(tr_pool *pl)
{
    if (atomic_load(&pl->sleepers) > 0) {
        pthread_mutex_lock(&pl->mu);
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
}

static void *worker_main(void *arg)
{
    pool_thread *t = arg;
    tr_pool *pl = t->pool;
    unsigned seen = 0;
    for (;;) {
        wait_for(pl, job_ready, seen, POOL_JOB_SPIN_SECONDS, NULL);
        if (atomic_load(&pl->quit)) return NULL;
        seen = atomic_load(&pl->gen);
        t->slept = 0;
        pl->job(pl->arg, t->p);
        if (atomic_fetch_sub(&pl->pending, 1) == 1) wake(pl);
    }
}

static void stop(tr_pool *pl)
{
    atomic_store(&pl->quit, 1);
    pthread_mutex_lock(&pl->mu);
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    for (int p = 1; p <= pl->started; p++) pthread_join(pl->tid[p], NULL);
}

elstm_status tr_pool_create(tr_pool **pool, int threads, const char *what, elstm_diag *diag)
{
    *pool = NULL;
    if (threads < 1 || threads > TR_POOL_MAX_THREADS)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "%d threads requested (expected 1 to %d)", threads,
                              TR_POOL_MAX_THREADS);
    tr_pool *pl = calloc(1, sizeof *pl);
    void *th = NULL;
    if (!pl || posix_memalign(&th, 64, (size_t)threads * sizeof(pool_thread)) != 0 ||
        !(pl->tid = calloc((size_t)threads, sizeof *pl->tid))) {
        if (pl) free(pl->tid);
        free(th);
        free(pl);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory for the %s threads", what);
    }
    pl->th = th;
    pl->P = threads;
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    for (int p = 0; p < threads; p++) pl->th[p] = (pool_thread){pl, p, 0, {0}};
    for (int p = 1; p < threads; p++) {
        if (pthread_create(&pl->tid[p], NULL, worker_main, &pl->th[p]) != 0) {
            tr_pool_free(pl);
            return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "cannot start %s thread %d of %d", what, p + 1,
                                  threads);
        }
        pl->started = p;
    }
    *pool = pl;
    return ELSTM_OK;
}

int tr_pool_threads(const tr_pool *pool) { return pool->P; }

void tr_pool_run(tr_pool *pl, tr_pool_job job, void *arg)
{
    if (pl->P == 1) {
        job(arg, 0);
        return;
    }
    pl->job = job;
    pl->arg = arg;
    atomic_store(&pl->pending, pl->P - 1);
    atomic_fetch_add(&pl->gen, 1);
    wake(pl);
    pl->th[0].slept = 0;
    job(arg, 0);
    wait_for(pl, job_done, 0, POOL_JOB_SPIN_SECONDS, NULL);
}

void tr_pool_barrier(tr_pool *pl, int p)
{
    if (pl->P == 1) return;
    const unsigned phase = atomic_load(&pl->phase);
    if (atomic_fetch_add(&pl->arrived, 1) + 1 == (unsigned)pl->P) {
        atomic_store_explicit(&pl->arrived, 0, memory_order_relaxed);
        atomic_store(&pl->phase, phase + 1);
        wake(pl);
        return;
    }
    wait_for(pl, phase_ready, phase, POOL_STEP_SPIN_SECONDS, &pl->th[p].slept);
}

void tr_pool_free(tr_pool *pl)
{
    if (!pl) return;
    stop(pl);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->cv);
    free(pl->tid);
    free(pl->th);
    free(pl);
}
