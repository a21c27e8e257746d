/*
 * l2_stream.c - how fast can one core stream the seed model's recurrent weights
 * (4 x 128 x 128 float32 = 256 KB: more than L1, less than L2) through AVX2 FMAs?
 * The bound that bench/bench_infer.sh's kernel figure is compared with.
 *
 *   rows8       the optimized kernel's access pattern without activations: for each
 *               block of 8 consecutive rows, 8 accumulators (one per row), one load of
 *               h per 8 FMAs; the rows are row-major [N][N] as TFLite stores them
 *   sequential  one linear stream with the same 8 accumulators and 1.125 loads per FMA:
 *               an upper bound (a real row-major GEMV cannot read this way without
 *               reloading h for every FMA or re-laying out the weights)
 *
 *   cc -O2 -mavx2 -mfma bench/l2_stream.c -o l2_stream && ./l2_stream
 * Prints microseconds per LSTM step (256 KB read once) and GB/s; best of 5.
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 128
#define ROWS (4 * N)
#define REPS 4000

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define FMA8(p0, s)                                                                          \
    a0 = _mm256_fmadd_ps(_mm256_load_ps((p0)), v, a0);                                       \
    a1 = _mm256_fmadd_ps(_mm256_load_ps((p0) + (s)), v, a1);                                 \
    a2 = _mm256_fmadd_ps(_mm256_load_ps((p0) + 2 * (s)), v, a2);                             \
    a3 = _mm256_fmadd_ps(_mm256_load_ps((p0) + 3 * (s)), v, a3);                             \
    a4 = _mm256_fmadd_ps(_mm256_load_ps((p0) + 4 * (s)), v, a4);                             \
    a5 = _mm256_fmadd_ps(_mm256_load_ps((p0) + 5 * (s)), v, a5);                             \
    a6 = _mm256_fmadd_ps(_mm256_load_ps((p0) + 6 * (s)), v, a6);                             \
    a7 = _mm256_fmadd_ps(_mm256_load_ps((p0) + 7 * (s)), v, a7);

static double run(const float *w, const float *h, int sequential, float *sink)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    double t0 = now_s();
    for (int r = 0; r < REPS; r++) {
        if (sequential) {
            for (size_t i = 0; i < (size_t)ROWS * N; i += 64) {
                const __m256 v = _mm256_load_ps(h + (i / 8) % N);
                FMA8(w + i, 8)
            }
        } else {
            for (int b = 0; b < ROWS; b += 8)
                for (int k = 0; k < N; k += 8) {
                    const __m256 v = _mm256_load_ps(h + k);
                    FMA8(w + (size_t)b * N + k, N)
                }
        }
    }
    double dt = (now_s() - t0) / REPS;
    a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                       _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    _mm256_storeu_ps(sink, a0);
    return dt;
}

int main(void)
{
    float *w = aligned_alloc(64, sizeof(float) * ROWS * N), *h = aligned_alloc(64, sizeof(float) * N), sink[8];
    const double bytes = sizeof(float) * (double)ROWS * N;
    if (!w || !h) return 1;
    for (size_t i = 0; i < (size_t)ROWS * N; i++) w[i] = 1e-6f * (float)(i % 97);
    for (int i = 0; i < N; i++) h[i] = 0.5f;
    for (int mode = 0; mode < 2; mode++) {
        double best = 1e9;
        for (int k = 0; k < 5; k++) {
            double t = run(w, h, mode, sink);
            if (t < best) best = t;
        }
        printf("%-10s %7.3f us per step  %6.1f GB/s  (%g)\n", mode ? "sequential" : "rows8", best * 1e6,
               bytes / best / 1e9, (double)sink[0]);
    }
    free(w);
    free(h);
    return 0;
}
