/*
 * cores.c - what two busy cores of this machine give, against one: the ceiling for the
 * 2-thread training and the 2-process MPI scaling (docs/BENCHMARKS.md, "Two busy cores").
 *
 *   cc -O3 -mavx2 -mfma -pthread bench/cores.c -o /tmp/cores
 *   /tmp/cores KERNEL THREADS [SECONDS]       KERNEL: fma | l1 | l2 | l3 | mem
 *
 * Each of THREADS threads runs KERNEL in chunks of fixed work (a few ms each) for SECONDS
 * (default 3) and records each chunk's wall time (CLOCK_MONOTONIC) and its own CPU time.
 * A chunk counts only when it was not preempted (CPU time >= 99% of its wall time), so the
 * figures hold on a machine that other processes share: with 1 thread, the median rate of
 * its clean chunks; with 2, the median rate of the chunks during which the other thread
 * was running too (every chunk of the other thread that overlaps it is clean and they
 * cover it), and how many chunks that was. Rates are in G multiply-adds (8-float FMAs x 8)
 * per second for fma / l1, GB/s read for l2 / l3 / mem.
 *
 *   fma  12 independent FMA chains in registers (no loads): the FMA pipes alone
 *   l1   the GEMM micro-kernel's traffic: 2 loads of B and 6 broadcasts of A per 12 FMAs,
 *        from a 16 KB block (L1)
 *   l2   sum of a 512 KB array (each core's L2), 4 accumulators
 *   l3   the same over 8 MB (the shared L3)
 *   mem  the same over 256 MB (memory bandwidth)
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    double w0, w1, c; /* wall start, wall end, CPU seconds */
} chunk;

typedef struct {
    int kernel;
    double seconds;
    float *buf;
    size_t nbuf;
    chunk *ch;
    int n;
    double work; /* per chunk */
    float sink;
} job;

enum { FMA, L1, L2, L3, MEM };
static const char *names[] = {"fma", "l1", "l2", "l3", "mem"};
#define MAXCH 200000

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float run_fma(long iters)
{
    __m256 a[12], m = _mm256_set1_ps(0.999f), d = _mm256_set1_ps(1e-3f);
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
    for (long k = 0; k < iters; k++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], m, d);
    }
    __m256 s = a[0];
    for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
    return _mm256_cvtss_f32(s);
}

/* 6 x 16 block: per k, 2 loads of B (16 floats), 6 broadcasts of A, 12 FMAs */
static float run_l1(const float *buf, long reps)
{
    __m256 c[12];
    for (int i = 0; i < 12; i++) c[i] = _mm256_setzero_ps();
    const float *A = buf, *B = buf + 6 * 128; /* A: 128 x 6, B: 128 x 16, 11 KB */
    for (long r = 0; r < reps; r++)
        for (int k = 0; k < 128; k++) {
            __m256 b0 = _mm256_loadu_ps(B + 16 * k), b1 = _mm256_loadu_ps(B + 16 * k + 8);
#pragma GCC unroll 6
            for (int i = 0; i < 6; i++) {
                __m256 a = _mm256_broadcast_ss(A + 6 * k + i);
                c[2 * i] = _mm256_fmadd_ps(a, b0, c[2 * i]);
                c[2 * i + 1] = _mm256_fmadd_ps(a, b1, c[2 * i + 1]);
            }
        }
    __m256 s = c[0];
    for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, c[i]);
    return _mm256_cvtss_f32(s);
}

static float run_sum(const float *buf, size_t n, size_t *pos, size_t step)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t done = 0; done < step; done += 32) {
        if (*pos + 32 > n) *pos = 0;
        const float *p = buf + *pos;
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(p));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(p + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(p + 16));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps(p + 24));
        *pos += 32;
    }
    return _mm256_cvtss_f32(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

static void *worker(void *arg)
{
    job *j = arg;
    size_t pos = 0;
    const size_t step = 1u << 22; /* floats per chunk of the sums: 16 MB read */
    const long fma_iters = 500000, l1_reps = 400;
    j->work = j->kernel == FMA  ? (double)fma_iters * 12 * 8 / 1e9
              : j->kernel == L1 ? (double)l1_reps * 128 * 12 * 8 / 1e9
                                : (double)step * 4 / 1e9;
    const double end = now(CLOCK_MONOTONIC) + j->seconds;
    while (j->n < MAXCH) {
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
        if (j->kernel == FMA) j->sink += run_fma(fma_iters);
        else if (j->kernel == L1) j->sink += run_l1(j->buf, l1_reps);
        else j->sink += run_sum(j->buf, j->nbuf, &pos, step);
        double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_THREAD_CPUTIME_ID);
        j->ch[j->n++] = (chunk){w0, w1, c1 - c0};
        if (w1 > end) break;
    }
    return NULL;
}

static int clean(const chunk *c) { return c->c >= 0.99 * (c->w1 - c->w0); }

/* Was the other thread running, unpreempted, throughout [w0, w1]? */
static int covered(const job *o, double w0, double w1)
{
    double reach = w0;
    int lo = 0, hi = o->n; /* chunks are in time order: the first that ends after w0 */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (o->ch[mid].w1 <= w0) lo = mid + 1;
        else hi = mid;
    }
    for (int k = lo; k < o->n && o->ch[k].w0 < w1; k++) {
        const chunk *c = &o->ch[k];
        if (c->w1 <= w0 || c->w0 >= w1) continue;
        if (!clean(c)) return 0;
        if (c->w0 > reach + 1e-4) return 0; /* a gap */
        if (c->w1 > reach) reach = c->w1;
    }
    return reach >= w1;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int kernel = -1;
    for (int k = 0; argc > 1 && k < 5; k++)
        if (!strcmp(argv[1], names[k])) kernel = k;
    const int threads = argc > 2 ? atoi(argv[2]) : 1;
    const double seconds = argc > 3 ? atof(argv[3]) : 3.0;
    if (kernel < 0 || threads < 1 || threads > 2 || seconds <= 0) {
        fprintf(stderr, "usage: cores fma|l1|l2|l3|mem 1|2 [SECONDS]\n");
        return 2;
    }
    const size_t nbuf = kernel == L2 ? (512u << 10) / 4 : kernel == L3 ? (8u << 20) / 4 : (256u << 20) / 4;
    job j[2];
    pthread_t t[2];
    for (int i = 0; i < threads; i++) {
        memset(&j[i], 0, sizeof j[i]);
        j[i].kernel = kernel;
        j[i].seconds = seconds;
        j[i].nbuf = kernel >= L2 ? nbuf : 4096;
        j[i].buf = aligned_alloc(64, j[i].nbuf * sizeof(float));
        j[i].ch = malloc(MAXCH * sizeof(chunk));
        if (!j[i].buf || !j[i].ch) return 1;
        for (size_t k = 0; k < j[i].nbuf; k++) j[i].buf[k] = (float)(k % 7) * 0.25f;
    }
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, &j[i]);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double *r = malloc(MAXCH * sizeof *r);
    int m = 0, total = 0;
    for (int i = 0; i < threads; i++)
        for (int k = 1; k < j[i].n; k++) { /* the first chunk warms up */
            const chunk *c = &j[i].ch[k];
            total++;
            if (!clean(c)) continue;
            if (threads == 2 && !covered(&j[1 - i], c->w0, c->w1)) continue;
            r[m++] = j[i].work / (c->w1 - c->w0);
        }
    if (m == 0) {
        printf("%s threads=%d: no clean chunk (machine too busy)\n", names[kernel], threads);
        return 1;
    }
    qsort(r, (size_t)m, sizeof *r, cmp);
    printf("%s threads=%d: median %.2f %s per thread (%d of %d chunks %s), p10 %.2f p90 %.2f\n", names[kernel],
           threads, r[m / 2], kernel <= L1 ? "GMAC/s" : "GB/s", m, total,
           threads == 2 ? "with both running" : "unpreempted", r[m / 10], r[m * 9 / 10]);
    return (int)(j[0].sink == 12345.0f);
}
