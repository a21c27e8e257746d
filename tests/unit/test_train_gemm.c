/* test_train_gemm.c - the trainer's packed GEMMs (train/train_gemm.h) against a plain
 * double-precision product: every shape class the micro-kernels handle (full row blocks,
 * row tails, panel pairs and a single panel, zero-padded columns, k in chunks). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../train/train_gemm.h"
#include "elstm_test.h"

static uint64_t seed = 12345;
static float frand(void)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(seed >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

#if TGEMM_AVAILABLE
/* C = A B (+ C0): A [m][K], B = W^T with W [cols][K] (tgemm_pack_wt) */
static void case_ab(int m, int cols, int K, int acc)
{
    float *A = malloc(sizeof(float) * (size_t)m * K), *W = malloc(sizeof(float) * (size_t)cols * K);
    float *Bp = malloc(sizeof(float) * (size_t)cols * K), *C = malloc(sizeof(float) * (size_t)m * cols);
    double worst = 0.0;
    for (size_t i = 0; i < (size_t)m * K; i++) A[i] = frand();
    for (size_t i = 0; i < (size_t)cols * K; i++) W[i] = frand();
    for (size_t i = 0; i < (size_t)m * cols; i++) C[i] = acc ? frand() : 99.0f;
    float *C0 = malloc(sizeof(float) * (size_t)m * cols);
    for (size_t i = 0; i < (size_t)m * cols; i++) C0[i] = C[i];
    tgemm_pack_wt(W, cols, K, Bp);
    tgemm(m, cols, K, A, K, Bp, C, cols, acc);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < cols; j++) {
            double want = acc ? C0[(size_t)i * cols + j] : 0.0;
            for (int k = 0; k < K; k++) want += (double)A[(size_t)i * K + k] * W[(size_t)j * K + k];
            worst = fmax(worst, fabs(C[(size_t)i * cols + j] - want) / (1.0 + fabs(want)));
        }
    test_report(worst < 2e-6 * sqrt((double)K), "tgemm = A B", "m %d cols %d K %d acc %d: max rel err %.3g", m, cols, K, acc, worst);
    free(A); free(W); free(Bp); free(C); free(C0);
}

/* C = At^T B: At [K][m], B [K][cols] (tgemm_pack_w, cols padded to 16) */
static void case_atb(int m, int cols, int K)
{
    const int cp = (cols + 15) / 16 * 16;
    float *At = malloc(sizeof(float) * (size_t)K * m), *B = malloc(sizeof(float) * (size_t)K * cols);
    float *Bp = malloc(sizeof(float) * (size_t)K * cp), *C = malloc(sizeof(float) * (size_t)m * cp);
    double worst = 0.0;
    for (size_t i = 0; i < (size_t)K * m; i++) At[i] = frand();
    for (size_t i = 0; i < (size_t)K * cols; i++) B[i] = frand();
    tgemm_pack_w(B, K, cols, cols, Bp);
    tgemm_at(m, cp / 16, K, At, m, Bp, C, cp, 0);
    int pad_zero = 1;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < cols; j++) {
            double want = 0.0;
            for (int k = 0; k < K; k++) want += (double)At[(size_t)k * m + i] * B[(size_t)k * cols + j];
            worst = fmax(worst, fabs(C[(size_t)i * cp + j] - want) / (1.0 + fabs(want)));
        }
        for (int j = cols; j < cp; j++) pad_zero &= C[(size_t)i * cp + j] == 0.0f;
    }
    test_report(worst < 2e-6 * sqrt((double)K) && pad_zero, "tgemm_at = At^T B (padding columns zero)",
                "m %d cols %d K %d: max rel err %.3g, pad zero %d", m, cols, K, worst, pad_zero);
    free(At); free(B); free(Bp); free(C);
}
#endif

int main(void)
{
    test_suite("train_gemm");
#if TGEMM_AVAILABLE
    const int ms[] = {1, 3, 4, 7, 8, 9, 16, 21};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        case_ab(ms[i], 16, 5, 0);        /* one panel */
        case_ab(ms[i], 48, 37, 1);       /* a pair and a single panel, accumulate */
        case_ab(ms[i], 64, 135, 1);      /* pairs only */
    }
    case_atb(64, 18, 24);                /* padded columns, one chunk */
    case_atb(40, 135, 300);              /* two chunks, a tail of rows */
    case_atb(512, 135, 2688);            /* the seed's weight gradient per thread */
    case_atb(13, 16, 513);               /* three chunks, the last of one k */
#else
    printf("# no AVX2/FMA in this build: train.c uses cblas_sgemm, nothing to test here\n");
#endif
    return test_done();
}
