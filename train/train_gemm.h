/*
 * train_gemm.h - the trainer's GEMMs with pre-packed B (private to train.c).
 *
 * Every time step multiplies a small block of states (n <= batch/threads rows) by the
 * recurrent kernel: forward Z[t] += [H[t-1], X[t]] [Wh, Wx]^T, backward dH = dZ[t] Wh. A
 * general BLAS call re-packs the 270 KB kernel at each of the 2 x 168 calls per batch;
 * here the kernel is packed once per batch into 16-column panels, Bp[p][k][0..15], and a
 * register-blocked micro-kernel streams them:
 *
 *   tgemm:    C[m][16 p .. 16 p + 15] (+)= sum_k A[m][k] Bp[p][k][0..15]
 *   tgemm_at: the same with A given transposed (At[k][m]), for the weight gradients
 *             [dWh, dWx] += dZ^T [H, X], called by the backward pass for every TGEMM_KC
 *             rows (a group of steps) while they are still in L2; a chunk of a panel
 *             then stays in L1 while the chunk of At streams from L2.
 *
 * Micro-kernels, chosen at build time: AVX2+FMA, 4 rows x 16 columns (8 ymm
 * accumulators); AVX-512, 8 rows x 32 columns (two panels, 16 zmm accumulators: twice
 * the FMA width). Both add the products of one k after another, from zero, one FMA per
 * k, so every element of C is the same float whichever kernel computed it: results are
 * repeatable and do not depend on the build. Only compiled with AVX2+FMA; train.c falls
 * back to cblas_sgemm otherwise (or when a column count is not a multiple of 16).
 */
#ifndef EDGELSTM_TRAIN_GEMM_H
#define EDGELSTM_TRAIN_GEMM_H

#include <stddef.h>

/* Rows of [H, X] (and dZ) per weight-gradient GEMM of the backward pass (train.c): a
 * group of steps small enough to be still in L2 (256 rows: 512 KB of dZ for 4N = 512). */
#define TGEMM_GROUP_ROWS 256

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define TGEMM_AVAILABLE 1
#define TGEMM_KC 256 /* k per chunk in tgemm_at: 16 KB of a panel */

/* Panel p of B = W^T for W = [W1 | W2], rows of W1 [k1 columns, stride ld1] followed by
 * those of W2 [k2 columns, stride ld2] (W2 may be NULL with k2 = 0):
 * Bp[p][k][j] = W[16 p + j][k], K = k1 + k2. */
static inline void tgemm_pack_wt_panel(const float *W1, int k1, int ld1, const float *W2, int k2, int ld2,
                                       int p, float *Bp)
{
    float *b = Bp + (size_t)p * (size_t)(k1 + k2) * 16;
    for (int j = 0; j < 16; j++) {
        const float *r1 = W1 + (size_t)(16 * p + j) * ld1, *r2 = W2 ? W2 + (size_t)(16 * p + j) * ld2 : NULL;
        for (int k = 0; k < k1; k++) b[(size_t)k * 16 + j] = r1[k];
        for (int k = 0; k < k2; k++) b[(size_t)(k1 + k) * 16 + j] = r2[k];
    }
}

/* Bp[p][k][j] = W[(16 p + j) K + k]: panels of B = W^T for W [cols][K] row-major. */
static inline void tgemm_pack_wt(const float *W, int cols, int K, float *Bp)
{
    for (int p = 0; p < cols / 16; p++) tgemm_pack_wt_panel(W, K, K, NULL, 0, 0, p, Bp);
}

/* Panel p of B = W for W [K][cols] (row stride ldw): Bp[p][k][j] = W[k ldw + 16 p + j],
 * zero for columns past cols. */
static inline void tgemm_pack_w_panel(const float *W, int K, int cols, int ldw, int p, float *Bp)
{
    float *b = Bp + (size_t)p * K * 16;
    for (int k = 0; k < K; k++)
        for (int j = 0; j < 16; j++) b[(size_t)k * 16 + j] = 16 * p + j < cols ? W[(size_t)k * ldw + 16 * p + j] : 0.0f;
}

/* Every panel of B = W (cols rounded up to a multiple of 16 with zero columns). */
static inline void tgemm_pack_w(const float *W, int K, int cols, int ldw, float *Bp)
{
    for (int p = 0; p < (cols + 15) / 16; p++) tgemm_pack_w_panel(W, K, cols, ldw, p, Bp);
}

/* A(i, k): row-major A[i][k] (trans 0) or At[k][i] (trans 1), leading dimension lda. */
#define TGEMM_A(a, trans, lda, i, k) ((trans) ? (a)[(size_t)(k) * (lda) + (i)] : (a)[(size_t)(i) * (lda) + (k)])

#if defined(__AVX512F__)
#define TGEMM_ROWS 8   /* rows per block */
#define TGEMM_PANELS 2 /* 16-column panels per block */
/* C[i][0 .. 16 np) (+)= sum_{k < K} A(i, k) B[k][..] for i < R, with B's panels at b and
 * b + bstride. R, np and trans are constants after inlining. */
static inline __attribute__((always_inline)) void tgemm_block(const int R, const int np, const int trans,
                                                              int K, const float *a, int lda,
                                                              const float *b, size_t bstride, float *c,
                                                              int ldc, int acc)
{
    __m512 s0[TGEMM_ROWS], s1[TGEMM_ROWS];
    for (int i = 0; i < R; i++) s0[i] = s1[i] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        const __m512 v0 = _mm512_loadu_ps(b + (size_t)k * 16);
        const __m512 v1 = np > 1 ? _mm512_loadu_ps(b + bstride + (size_t)k * 16) : v0;
        for (int i = 0; i < R; i++) {
            const __m512 x = _mm512_set1_ps(TGEMM_A(a, trans, lda, i, k));
            s0[i] = _mm512_fmadd_ps(x, v0, s0[i]);
            if (np > 1) s1[i] = _mm512_fmadd_ps(x, v1, s1[i]);
        }
    }
    for (int i = 0; i < R; i++) {
        float *ci = c + (size_t)i * ldc;
        _mm512_storeu_ps(ci, acc ? _mm512_add_ps(_mm512_loadu_ps(ci), s0[i]) : s0[i]);
        if (np > 1) _mm512_storeu_ps(ci + 16, acc ? _mm512_add_ps(_mm512_loadu_ps(ci + 16), s1[i]) : s1[i]);
    }
}
#else
#define TGEMM_ROWS 4
#define TGEMM_PANELS 1
static inline __attribute__((always_inline)) void tgemm_block(const int R, const int np, const int trans,
                                                              int K, const float *a, int lda,
                                                              const float *b, size_t bstride, float *c,
                                                              int ldc, int acc)
{
    __m256 s0[TGEMM_ROWS], s1[TGEMM_ROWS];
    (void)np;
    (void)bstride;
    for (int i = 0; i < R; i++) s0[i] = s1[i] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        const __m256 v0 = _mm256_loadu_ps(b + (size_t)k * 16), v1 = _mm256_loadu_ps(b + (size_t)k * 16 + 8);
        for (int i = 0; i < R; i++) {
            const __m256 x = _mm256_set1_ps(TGEMM_A(a, trans, lda, i, k));
            s0[i] = _mm256_fmadd_ps(x, v0, s0[i]);
            s1[i] = _mm256_fmadd_ps(x, v1, s1[i]);
        }
    }
    for (int i = 0; i < R; i++) {
        float *ci = c + (size_t)i * ldc;
        _mm256_storeu_ps(ci, acc ? _mm256_add_ps(_mm256_loadu_ps(ci), s0[i]) : s0[i]);
        _mm256_storeu_ps(ci + 8, acc ? _mm256_add_ps(_mm256_loadu_ps(ci + 8), s1[i]) : s1[i]);
    }
}
#endif

/* Rows [0, m) times panels [p, p + np) of one k range: full row blocks, then single rows. */
static inline __attribute__((always_inline)) void tgemm_rows(const int np, const int trans, int m,
                                                             int K, const float *a, int lda,
                                                             const float *b, size_t bstride, float *c,
                                                             int ldc, int acc)
{
    int r = 0;
    for (; r + TGEMM_ROWS <= m; r += TGEMM_ROWS)
        tgemm_block(TGEMM_ROWS, np, trans, K, trans ? a + r : a + (size_t)r * lda, lda, b, bstride,
                    c + (size_t)r * ldc, ldc, acc);
    for (; r < m; r++)
        tgemm_block(1, np, trans, K, trans ? a + r : a + (size_t)r * lda, lda, b, bstride,
                    c + (size_t)r * ldc, ldc, acc);
}

/* C[m][cols] (row stride ldc) = (acc ? C : 0) + A[m][K] (stride lda) x B, B packed
 * (cols a multiple of 16). */
static inline void tgemm(int m, int cols, int K, const float *A, int lda, const float *Bp, float *C,
                         int ldc, int acc)
{
    const int panels = cols / 16;
    const size_t ps = (size_t)K * 16;
    int p = 0;
    for (; p + TGEMM_PANELS <= panels; p += TGEMM_PANELS)
        tgemm_rows(TGEMM_PANELS, 0, m, K, A, lda, Bp + p * ps, ps, C + 16 * p, ldc, acc);
    for (; p < panels; p++) tgemm_rows(1, 0, m, K, A, lda, Bp + p * ps, ps, C + 16 * p, ldc, acc);
}

/* C[m][16 panels] (row stride ldc) = (acc ? C : 0) + At^T x B: At [K][m] (stride lda),
 * B [K][16 panels] packed by tgemm_pack_w; the sum over k in chunks of TGEMM_KC, each
 * added in order. */
static inline void tgemm_at(int m, int panels, int K, const float *At, int lda, const float *Bp, float *C,
                            int ldc, int acc)
{
    const size_t ps = (size_t)K * 16;
    for (int k0 = 0; k0 < K; k0 += TGEMM_KC) {
        const int kc = K - k0 < TGEMM_KC ? K - k0 : TGEMM_KC;
        const float *a = At + (size_t)k0 * lda, *b = Bp + (size_t)k0 * 16;
        int p = 0;
        for (; p + TGEMM_PANELS <= panels; p += TGEMM_PANELS)
            tgemm_rows(TGEMM_PANELS, 1, m, kc, a, lda, b + p * ps, ps, C + 16 * p, ldc, acc || k0 > 0);
        for (; p < panels; p++) tgemm_rows(1, 1, m, kc, a, lda, b + p * ps, ps, C + 16 * p, ldc, acc || k0 > 0);
    }
}
#else
#define TGEMM_AVAILABLE 0
#endif

#endif /* EDGELSTM_TRAIN_GEMM_H */
