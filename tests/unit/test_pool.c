/*
 * test_pool.c - the host worker pool (train/pool.h) that training and threaded inference
 * share: every thread runs every job, a barrier separates phases (a thread never reads
 * a value of the phase before its writer finished it), the caller returns only when the
 * whole job is done, and more threads than cores (whose waits end in sleeping) still
 * meet. Thread counts 1, 2, 3 and 8 on this 2-core machine.
 */
#include <stdlib.h>
#include <string.h>

#include "../../train/pool.h"
#include "elstm_test.h"

enum { PHASES = 2000, MAXP = 8 };

typedef struct job {
    tr_pool *pool;
    int P;
    int ran[MAXP];              /* each thread's count of jobs */
    long value[MAXP];           /* thread p's value in the current phase */
    int bad;                    /* a thread saw a neighbour's value of another phase */
    long sum;                   /* thread 0's sum over the last phase */
} job;

/* Phase k: thread p writes k * (p + 1); after the barrier it reads its neighbour's value,
 * which must be of phase k too; another barrier before anyone writes phase k + 1. */
static void phases(void *arg, int p)
{
    job *j = arg;
    j->ran[p]++;
    for (long k = 1; k <= PHASES; k++) {
        j->value[p] = k * (p + 1);
        tr_pool_barrier(j->pool, p);
        int q = (p + 1) % j->P;
        if (j->value[q] != k * (q + 1)) __atomic_store_n(&j->bad, 1, __ATOMIC_RELAXED);
        if (p == 0 && k == PHASES) {
            j->sum = 0;
            for (int r = 0; r < j->P; r++) j->sum += j->value[r];
        }
        tr_pool_barrier(j->pool, p);
    }
}

/* Threads finish at different times; the caller must see every write. */
static void slow_write(void *arg, int p)
{
    job *j = arg;
    volatile long spin = 0;
    for (long k = 0; k < 200000L * p; k++) spin += k;
    j->value[p] = 1000 + p;
    j->ran[p]++;
}

int main(void)
{
    test_suite("pool");
    const int counts[] = {1, 2, 3, MAXP};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        const int P = counts[c];
        char what[128];
        elstm_diag d;
        job j;
        memset(&j, 0, sizeof j);
        j.P = P;
        elstm_diag_clear(&d);
        snprintf(what, sizeof what, "P = %d: the pool starts", P);
        TEST_TRUE(what, tr_pool_create(&j.pool, P, "test", &d) == ELSTM_OK && tr_pool_threads(j.pool) == P);
        if (!j.pool) continue;
        for (int rep = 0; rep < 3; rep++) tr_pool_run(j.pool, phases, &j);
        int all = 1;
        for (int p = 0; p < P; p++) all &= j.ran[p] == 3;
        snprintf(what, sizeof what, "P = %d: every thread runs every job", P);
        TEST_TRUE(what, all);
        snprintf(what, sizeof what, "P = %d: %d barrier phases, no thread reads a value of another phase", P, PHASES);
        TEST_TRUE(what, !j.bad);
        snprintf(what, sizeof what, "P = %d: the last phase's values, summed after the barrier", P);
        TEST_EQ_INT(what, j.sum, (long)PHASES * P * (P + 1) / 2);
        memset(j.value, 0, sizeof j.value);
        tr_pool_run(j.pool, slow_write, &j);
        all = 1;
        for (int p = 0; p < P; p++) all &= j.value[p] == 1000 + p;
        snprintf(what, sizeof what, "P = %d: the caller returns after the slowest thread's writes", P);
        TEST_TRUE(what, all);
        tr_pool_free(j.pool);
    }
    {
        tr_pool *pl = NULL;
        elstm_diag d;
        elstm_diag_clear(&d);
        TEST_TRUE("0 threads are refused with a sentence", tr_pool_create(&pl, 0, "test", &d) == ELSTM_ERR_ARG && !pl && d.msg[0]);
        tr_pool_free(NULL);
        size_t lo, hi, next = 0, total = 0;
        int contiguous = 1;
        for (int p = 0; p < 7; p++) {
            tr_pool_share(100, p, 7, &lo, &hi);
            contiguous &= lo == next;
            total += hi - lo;
            next = hi;
        }
        TEST_TRUE("shares are contiguous and cover every item", contiguous && total == 100);
    }
    return test_done();
}
