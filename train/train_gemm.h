/*
 * train_gemm.h - the per-time-step GEMMs of the recurrence with pre-packed weights (private).
 *
 * Every time step multiplies a small block of states (n <= batch/threads rows) by the
 * recurrent kernel: forward Z[t] += H[t-1] Wh^T, backward dH = dZ[t] Wh. A general BLAS
 * call re-packs the 256 KB kernel at each of the 2 x 168 calls per batch; here the kernel
 * is packed once per batch into 16-column panels and a 4 x 16 AVX2/FMA micro-kernel
 * (8 accumulators, enough to cover the FMA latency) streams the panels:
 *
 *   C[m][16 p .. 16 p + 15] (+)= sum_k A[m][k] Bp[p][k][0..15]
 *
 * The sum over k runs in order, so results are repeatable. Only compiled with AVX2+FMA;
 * train.c falls back to cblas_sgemm otherwise (or when the column count is not a
 * multiple of 16).
 */
#ifndef EDGELSTM_TRAIN_GEMM_H
#define EDGELSTM_TRAIN_GEMM_H

#include <stddef.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define TGEMM_AVAILABLE 1

/* Bp[p][k][j] = W[(16 p + j) K + k]: panels of B = W^T for W [cols][K] row-major. */
static inline void tgemm_pack_wt(const float *W, int cols, int K, float *Bp)
{
    for (int p = 0; p < cols / 16; p++)
        for (int k = 0; k < K; k++)
            for (int j = 0; j < 16; j++)
                Bp[((size_t)p * K + k) * 16 + j] = W[(size_t)(16 * p + j) * K + k];
}

/* Bp[p][k][j] = W[k cols + 16 p + j]: panels of B = W for W [K][cols] row-major. */
static inline void tgemm_pack_w(const float *W, int K, int cols, float *Bp)
{
    for (int p = 0; p < cols / 16; p++)
        for (int k = 0; k < K; k++)
            for (int j = 0; j < 16; j++)
                Bp[((size_t)p * K + k) * 16 + j] = W[(size_t)k * cols + 16 * p + j];
}

static inline void tgemm_store(float *c, __m256 v, int acc)
{
    _mm256_storeu_ps(c, acc ? _mm256_add_ps(_mm256_loadu_ps(c), v) : v);
}

/* C[m][cols] (row stride ldc) = (acc ? C : 0) + A[m][K] (stride lda) x B, B packed. */
static inline void tgemm(int m, int cols, int K, const float *A, int lda, const float *Bp, float *C,
                         int ldc, int acc)
{
    for (int p = 0; p < cols / 16; p++) {
        const float *b = Bp + (size_t)p * K * 16;
        int r = 0;
        for (; r + 4 <= m; r += 4) {
            const float *a0 = A + (size_t)r * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
            __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                   c30 = c00, c31 = c00;
            for (int k = 0; k < K; k++) {
                __m256 b0 = _mm256_loadu_ps(b + (size_t)k * 16), b1 = _mm256_loadu_ps(b + (size_t)k * 16 + 8);
                __m256 x = _mm256_broadcast_ss(a0 + k);
                c00 = _mm256_fmadd_ps(x, b0, c00);
                c01 = _mm256_fmadd_ps(x, b1, c01);
                x = _mm256_broadcast_ss(a1 + k);
                c10 = _mm256_fmadd_ps(x, b0, c10);
                c11 = _mm256_fmadd_ps(x, b1, c11);
                x = _mm256_broadcast_ss(a2 + k);
                c20 = _mm256_fmadd_ps(x, b0, c20);
                c21 = _mm256_fmadd_ps(x, b1, c21);
                x = _mm256_broadcast_ss(a3 + k);
                c30 = _mm256_fmadd_ps(x, b0, c30);
                c31 = _mm256_fmadd_ps(x, b1, c31);
            }
            float *c = C + (size_t)r * ldc + 16 * p;
            tgemm_store(c, c00, acc); tgemm_store(c + 8, c01, acc); c += ldc;
            tgemm_store(c, c10, acc); tgemm_store(c + 8, c11, acc); c += ldc;
            tgemm_store(c, c20, acc); tgemm_store(c + 8, c21, acc); c += ldc;
            tgemm_store(c, c30, acc); tgemm_store(c + 8, c31, acc);
        }
        for (; r < m; r++) {
            const float *a0 = A + (size_t)r * lda;
            __m256 c00 = _mm256_setzero_ps(), c01 = c00;
            for (int k = 0; k < K; k++) {
                __m256 x = _mm256_broadcast_ss(a0 + k);
                c00 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + (size_t)k * 16), c00);
                c01 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + (size_t)k * 16 + 8), c01);
            }
            float *c = C + (size_t)r * ldc + 16 * p;
            tgemm_store(c, c00, acc);
            tgemm_store(c + 8, c01, acc);
        }
    }
}
#else
#define TGEMM_AVAILABLE 0
#endif

#endif /* EDGELSTM_TRAIN_GEMM_H */
