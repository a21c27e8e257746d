/*
 * train_gemm.h - the trainer's GEMMs on 16-column panels (private to train/bptt.c).
 *
 * Every time step multiplies a small block of states (n <= batch/threads rows) by a
 * kernel: forward Z[t] = [H[t-1], X[t]] [Wh, Wx]^T, backward dH = dZ[t] Wh. The kernels
 * are packed once per batch into 16-column panels, Bp[p][k][0..15], and a
 * register-blocked micro-kernel streams them. The trainer keeps Z (the gate
 * activations, then dZ) and the GEMM rows [H, X] in the same panel layout (bptt.c:
 * [columns/16][T n][16]), so every operand of every GEMM is read contiguously and
 * nothing is packed per step: the weight gradients, as their transpose
 * [dWh, dWx]^T = [H, X]^T dZ, read [H, X] (transposed) and dZ as the panels they are.
 *
 *   tgemm:    C[m][16 p .. 16 p + 15] (+)= sum_k A(m, k) Bp[p][k][0..15]
 *   tgemm_at: the same with A given transposed in panels and the sum over k in chunks
 *             of TGEMM_KC, each chunk summed from zero and then added to C in order.
 * A is read row-major (A[i][k]) or in 16-column panels (Ap[k/16][i][k%16], the Z and HX
 * layout); C's panels are 16 apart (row-major C) or a panel stride apart (Z).
 *
 * Micro-kernels, chosen at build time: AVX2+FMA, 6 rows x 16 columns (12 ymm
 * accumulators: enough independent FMA chains to cover the FMA latency on Haswell to
 * Zen, 8 loads per 12 FMAs); AVX-512, 8 rows x 32 columns (two panels, 16 zmm
 * accumulators). The rows are split into blocks of equal size (16 rows: 6 + 5 + 5, not
 * 6 + 6 + 4). Both kernels add the products of one k after another, from zero, one FMA
 * per k, so every element of C is the same float whichever kernel or blocking computed
 * it: results are repeatable and do not depend on the build. Only compiled with
 * AVX2+FMA; bptt.c falls back to cblas_sgemm otherwise (or when the unit count is not a
 * multiple of 16).
 */
#ifndef EDGELSTM_TRAIN_GEMM_H
#define EDGELSTM_TRAIN_GEMM_H

#include <stddef.h>

/* Rows of [H, X] (and dZ) per weight-gradient GEMM of the backward pass (bptt.c): a
 * group of steps small enough to be still in L2 (256 rows: 512 KB of dZ for 4N = 512). */
#define TGEMM_GROUP_ROWS 256

/* How the micro-kernel reads A(i, k). */
#define TGEMM_A_ROWS 0   /* a[i lda + k] */
#define TGEMM_A_COLS 1   /* a[k lda + i]: A given transposed */
#define TGEMM_A_PANELS 2 /* a[(k / 16) lda + 16 i + k % 16]: 16-column panels, lda apart */

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

/* Panel p of B = W for W [K][cols] (row stride ldw): Bp[p][k][j] = W[k ldw + 16 p + j],
 * zero for columns past cols. */
static inline void tgemm_pack_w_panel(const float *W, int K, int cols, int ldw, int p, float *Bp)
{
    float *b = Bp + (size_t)p * K * 16;
    for (int k = 0; k < K; k++)
        for (int j = 0; j < 16; j++) b[(size_t)k * 16 + j] = 16 * p + j < cols ? W[(size_t)k * ldw + 16 * p + j] : 0.0f;
}

/* A(i, k) in mode am (TGEMM_A_*), leading dimension (or panel stride) lda. */
#define TGEMM_A(a, am, lda, i, k)                                                     \
    ((am) == TGEMM_A_COLS ? (a)[(size_t)(k) * (lda) + (i)]                            \
     : (am) == TGEMM_A_PANELS ? (a)[(size_t)((k) >> 4) * (lda) + 16 * (i) + ((k) & 15)] \
                              : (a)[(size_t)(i) * (lda) + (k)])

#if defined(__AVX512F__)
#define TGEMM_ROWS 8   /* rows per block at most */
#define TGEMM_PANELS 2 /* 16-column panels per block */
/* C[i][..] (+)= sum_{k < K} A(i, k) B[k][..] for i < R over np panels: B's at b and
 * b + bps, C's at c and c + cps (row stride ldc). R, np and am are constants after
 * inlining. */
static inline __attribute__((always_inline)) void tgemm_block(const int R, const int np, const int am,
                                                              int K, const float *a, size_t lda,
                                                              const float *b, size_t bps, float *c,
                                                              size_t ldc, size_t cps, int acc)
{
    __m512 s0[TGEMM_ROWS], s1[TGEMM_ROWS];
    for (int i = 0; i < R; i++) s0[i] = s1[i] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        const __m512 v0 = _mm512_loadu_ps(b + (size_t)k * 16);
        const __m512 v1 = np > 1 ? _mm512_loadu_ps(b + bps + (size_t)k * 16) : v0;
        for (int i = 0; i < R; i++) {
            const __m512 x = _mm512_set1_ps(TGEMM_A(a, am, lda, i, k));
            s0[i] = _mm512_fmadd_ps(x, v0, s0[i]);
            if (np > 1) s1[i] = _mm512_fmadd_ps(x, v1, s1[i]);
        }
    }
    for (int i = 0; i < R; i++) {
        float *ci = c + (size_t)i * ldc;
        _mm512_storeu_ps(ci, acc ? _mm512_add_ps(_mm512_loadu_ps(ci), s0[i]) : s0[i]);
        if (np > 1) _mm512_storeu_ps(ci + cps, acc ? _mm512_add_ps(_mm512_loadu_ps(ci + cps), s1[i]) : s1[i]);
    }
}
#else
#define TGEMM_ROWS 6
#define TGEMM_PANELS 1
static inline __attribute__((always_inline)) void tgemm_block(const int R, const int np, const int am,
                                                              int K, const float *a, size_t lda,
                                                              const float *b, size_t bps, float *c,
                                                              size_t ldc, size_t cps, int acc)
{
    __m256 s0[TGEMM_ROWS], s1[TGEMM_ROWS];
    (void)np;
    (void)bps;
    (void)cps;
    for (int i = 0; i < R; i++) s0[i] = s1[i] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        const __m256 v0 = _mm256_loadu_ps(b + (size_t)k * 16), v1 = _mm256_loadu_ps(b + (size_t)k * 16 + 8);
        for (int i = 0; i < R; i++) {
            const __m256 x = _mm256_set1_ps(TGEMM_A(a, am, lda, i, k));
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

/* Rows [0, m) times panels [p, p + np) of one k range, in blocks of equal size (at most
 * TGEMM_ROWS rows each). */
static inline __attribute__((always_inline)) void tgemm_rows(const int np, const int am, int m, int K,
                                                             const float *a, size_t lda, const float *b,
                                                             size_t bps, float *c, size_t ldc, size_t cps,
                                                             int acc)
{
    const int blocks = (m + TGEMM_ROWS - 1) / TGEMM_ROWS;
    for (int q = 0; q < blocks; q++) {
        const int r0 = m * q / blocks, r1 = m * (q + 1) / blocks;
        const float *aq = am == TGEMM_A_COLS ? a + r0 : am == TGEMM_A_PANELS ? a + 16 * (size_t)r0 : a + (size_t)r0 * lda;
        float *cq = c + (size_t)r0 * ldc;
#define TGEMM_CASE(r) \
    case r: tgemm_block(r, np, am, K, aq, lda, b, bps, cq, ldc, cps, acc); break;
        switch (r1 - r0) {
            TGEMM_CASE(1) TGEMM_CASE(2) TGEMM_CASE(3) TGEMM_CASE(4) TGEMM_CASE(5) TGEMM_CASE(6)
#if TGEMM_ROWS > 6
            TGEMM_CASE(7) TGEMM_CASE(8)
#endif
        default: break;
        }
#undef TGEMM_CASE
    }
}

/* C (+)= A x B over `panels` 16-column panels: A [m][K] read in mode am (TGEMM_A_ROWS
 * or TGEMM_A_PANELS), B's panels bps apart, C's panels cps apart (row stride ldc). */
static inline void tgemm(int m, int panels, int K, const float *A, int am, size_t lda, const float *Bp,
                         size_t bps, float *C, size_t ldc, size_t cps, int acc)
{
    int p = 0;
    for (; p + TGEMM_PANELS <= panels; p += TGEMM_PANELS) {
        if (am == TGEMM_A_PANELS)
            tgemm_rows(TGEMM_PANELS, TGEMM_A_PANELS, m, K, A, lda, Bp + p * bps, bps, C + p * cps, ldc, cps, acc);
        else
            tgemm_rows(TGEMM_PANELS, TGEMM_A_ROWS, m, K, A, lda, Bp + p * bps, bps, C + p * cps, ldc, cps, acc);
    }
    for (; p < panels; p++) {
        if (am == TGEMM_A_PANELS)
            tgemm_rows(1, TGEMM_A_PANELS, m, K, A, lda, Bp + p * bps, bps, C + p * cps, ldc, cps, acc);
        else
            tgemm_rows(1, TGEMM_A_ROWS, m, K, A, lda, Bp + p * bps, bps, C + p * cps, ldc, cps, acc);
    }
}

/* C[m][16 panels] (row-major, row stride ldc) = (acc ? C : 0) + At^T x B: At [K][m] in
 * 16-row panels aps apart (At[k][16 q + i] at At + q aps + 16 k + i; the last panel may
 * hold fewer than 16 rows), B's panels bps apart; the sum over k in chunks of TGEMM_KC,
 * each added in order. Both operands stream contiguously; the rows of a block never
 * cross a panel of At. B's panels (or pairs) are the outer loop: a chunk of one (16 KB
 * of B per panel) stays in L1 while At's panels, the smaller operand in the trainer's
 * use (bptt.c: At = [H, X], B = dZ), stream past it. */
static inline void tgemm_at(int m, int panels, int K, const float *At, size_t aps, const float *Bp,
                            size_t bps, float *C, size_t ldc, int acc)
{
    for (int k0 = 0; k0 < K; k0 += TGEMM_KC) {
        const int kc = K - k0 < TGEMM_KC ? K - k0 : TGEMM_KC;
        const float *b = Bp + (size_t)k0 * 16;
        for (int p = 0; p < panels;) {
            const int np = panels - p >= TGEMM_PANELS ? TGEMM_PANELS : 1;
            for (int q = 0; 16 * q < m; q++) {
                const int mq = m - 16 * q < 16 ? m - 16 * q : 16;
                const float *a = At + q * aps + (size_t)k0 * 16;
                float *c = C + (size_t)16 * q * ldc + 16 * p;
                if (np == TGEMM_PANELS)
                    tgemm_rows(TGEMM_PANELS, TGEMM_A_COLS, mq, kc, a, 16, b + p * bps, bps, c, ldc, 16, acc || k0 > 0);
                else
                    tgemm_rows(1, TGEMM_A_COLS, mq, kc, a, 16, b + p * bps, bps, c, ldc, 16, acc || k0 > 0);
            }
            p += np;
        }
    }
}
#else
#define TGEMM_AVAILABLE 0
#endif

#endif /* EDGELSTM_TRAIN_GEMM_H */
