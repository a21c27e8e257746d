/* test_train_gemm.c - the trainer's panel GEMMs (train/train_gemm.h) against two
 * references: a double-precision product (accuracy), and a plain scalar chain of fmaf()
 * over k from zero, which must match bit for bit (the kernels' promise: every element
 * is the same float whatever the kernel width, row blocking or operand layout, so AVX2
 * and AVX-512 builds train the same model bytes). Every shape class the micro-kernels
 * handle: row blocks of every size, panel pairs and single panels, A row-major and in
 * panels, C row-major and in panels, accumulation, k in chunks. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../train/train_gemm.h"
#include "elstm_test.h"

static uint64_t seed = 12345;
static float frand(void)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(seed >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

#if TGEMM_AVAILABLE
/* C = A B (+ C0): A [m][K] (given row-major or in 16-column panels), B = W^T with W
 * [cols][K] (packed into panels), C row-major or in panels. */
static void case_ab(int m, int cols, int K, int acc, int a_panels, int c_panels)
{
    const size_t KP = (size_t)(K + 15) / 16 * 16, aps = (size_t)m * 16 + 16, cps = (size_t)m * 16 + 48;
    float *A = malloc(sizeof(float) * (size_t)m * K), *W = malloc(sizeof(float) * (size_t)cols * K);
    float *Ap = calloc(KP / 16 * aps, sizeof(float)), *Bp = malloc(sizeof(float) * (size_t)cols * K);
    float *C = malloc(sizeof(float) * (size_t)(cols / 16) * cps), *C0 = malloc(sizeof(float) * (size_t)m * cols);
    double worst = 0.0;
    int exact = 1;
    for (size_t i = 0; i < (size_t)m * K; i++) A[i] = frand();
    for (size_t i = 0; i < (size_t)cols * K; i++) W[i] = frand();
    for (int i = 0; i < m; i++)
        for (int k = 0; k < K; k++) Ap[(size_t)(k / 16) * aps + 16 * (size_t)i + k % 16] = A[(size_t)i * K + k];
    for (size_t i = 0; i < (size_t)m * cols; i++) C0[i] = acc ? frand() : 0.0f;
#define CAT(i, j) (c_panels ? C + (size_t)((j) / 16) * cps + 16 * (size_t)(i) + (j) % 16 : C + (size_t)(i) * cols + (j))
    for (int i = 0; i < m; i++)
        for (int j = 0; j < cols; j++) *CAT(i, j) = acc ? C0[(size_t)i * cols + j] : 99.0f;
    for (int p = 0; p < cols / 16; p++) tgemm_pack_wt_panel(W, K, K, NULL, 0, 0, p, Bp);
    if (a_panels)
        tgemm(m, cols / 16, K, Ap, TGEMM_A_PANELS, aps, Bp, (size_t)K * 16, C, c_panels ? 16 : (size_t)cols,
              c_panels ? cps : 16, acc);
    else
        tgemm(m, cols / 16, K, A, TGEMM_A_ROWS, (size_t)K, Bp, (size_t)K * 16, C, c_panels ? 16 : (size_t)cols,
              c_panels ? cps : 16, acc);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < cols; j++) {
            double want = C0[(size_t)i * cols + j];
            float chain = 0.0f;
            for (int k = 0; k < K; k++) {
                want += (double)A[(size_t)i * K + k] * W[(size_t)j * K + k];
                chain = fmaf(A[(size_t)i * K + k], W[(size_t)j * K + k], chain);
            }
            if (acc) chain = C0[(size_t)i * cols + j] + chain;
            worst = fmax(worst, fabs(*CAT(i, j) - want) / (1.0 + fabs(want)));
            exact &= memcmp(CAT(i, j), &chain, sizeof chain) == 0;
        }
#undef CAT
    test_report(worst < 2e-6 * sqrt((double)K) && exact, "tgemm = A B, the fmaf chain bit for bit",
                "m %d cols %d K %d acc %d A %s C %s: max rel err %.3g, bit-exact %d", m, cols, K, acc,
                a_panels ? "panels" : "rows", c_panels ? "panels" : "rows", worst, exact);
    free(A); free(W); free(Ap); free(Bp); free(C); free(C0);
}

/* C = At^T B: At [K][m] and B [K][cols] both in 16-column panels (the last of At's may
 * be partial; B's columns padded with zeros to 16), the sum in chunks of TGEMM_KC, each chunk's fmaf chain added. */
static void case_atb(int m, int cols, int K, int acc)
{
    const int cp = (cols + 15) / 16 * 16;
    const size_t aps = (size_t)K * 16 + 16, bps = (size_t)K * 16 + 32;
    float *At = malloc(sizeof(float) * (size_t)K * m), *B = malloc(sizeof(float) * (size_t)K * cols);
    float *Ap = malloc(sizeof(float) * (size_t)((m + 15) / 16) * aps), *Bp = calloc((size_t)(cp / 16) * bps, sizeof(float));
    float *C = malloc(sizeof(float) * (size_t)m * cp), *C0 = malloc(sizeof(float) * (size_t)m * cp);
    double worst = 0.0;
    int exact = 1, pad_zero = 1;
    for (size_t i = 0; i < (size_t)K * m; i++) At[i] = frand();
    for (size_t i = 0; i < (size_t)K * cols; i++) B[i] = frand();
    for (size_t i = 0; i < (size_t)m * cp; i++) C[i] = C0[i] = acc ? frand() : 99.0f;
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < m; i++) Ap[(size_t)(i / 16) * aps + 16 * (size_t)k + i % 16] = At[(size_t)k * m + i];
        for (int j = 0; j < cols; j++) Bp[(size_t)(j / 16) * bps + 16 * (size_t)k + j % 16] = B[(size_t)k * cols + j];
    }
    tgemm_at(m, cp / 16, K, Ap, aps, Bp, bps, C, (size_t)cp, acc);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < cols; j++) {
            double want = acc ? C0[(size_t)i * cp + j] : 0.0;
            float sum = acc ? C0[(size_t)i * cp + j] : 0.0f;
            for (int k0 = 0; k0 < K; k0 += TGEMM_KC) {
                float chain = 0.0f;
                for (int k = k0; k < K && k < k0 + TGEMM_KC; k++) {
                    want += (double)At[(size_t)k * m + i] * B[(size_t)k * cols + j];
                    chain = fmaf(At[(size_t)k * m + i], B[(size_t)k * cols + j], chain);
                }
                sum = k0 == 0 && !acc ? chain : sum + chain;
            }
            worst = fmax(worst, fabs(C[(size_t)i * cp + j] - want) / (1.0 + fabs(want)));
            exact &= memcmp(&C[(size_t)i * cp + j], &sum, sizeof sum) == 0;
        }
        for (int j = cols; j < cp; j++) pad_zero &= C[(size_t)i * cp + j] == (acc ? C0[(size_t)i * cp + j] : 0.0f);
    }
    test_report(worst < 2e-6 * sqrt((double)K) && exact && pad_zero,
                "tgemm_at = At^T B in chunks, bit for bit (padding columns zero)",
                "m %d cols %d K %d acc %d: max rel err %.3g, bit-exact %d, pad zero %d", m, cols, K, acc, worst, exact,
                pad_zero);
    free(At); free(B); free(Ap); free(Bp); free(C); free(C0);
}
#endif

int main(void)
{
    test_suite("train_gemm");
#if TGEMM_AVAILABLE
    const int ms[] = {1, 3, 4, 5, 6, 7, 8, 9, 13, 16, 21};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        case_ab(ms[i], 16, 5, 0, 0, 0);     /* one panel */
        case_ab(ms[i], 48, 37, 1, 1, 0);    /* a pair and a single panel, A in panels, accumulate */
        case_ab(ms[i], 64, 135, 0, 0, 1);   /* pairs only, C in panels (the forward step) */
        case_ab(ms[i], 32, 64, 0, 1, 0);    /* A in panels, C row-major (dH of the backward step) */
    }
    case_atb(64, 18, 24, 0);                /* padded columns, one chunk */
    case_atb(48, 135, 300, 1);              /* two chunks, accumulate */
    case_atb(512, 135, 256, 0);             /* dZ^T [H, X] of the seed's shapes, one group of steps */
    case_atb(135, 512, 256, 1);             /* [H, X]^T dZ, as bptt.c computes it: a partial panel of At */
    case_atb(7, 48, 40, 0);                 /* fewer than 16 rows: one partial panel */
    case_atb(21, 40, 300, 1);               /* a full and a partial panel, two chunks, padded columns */
    case_atb(16, 16, 513, 0);               /* three chunks, the last of one k */
#else
    printf("# no AVX2/FMA in this build: bptt.c uses cblas_sgemm, nothing to test here\n");
#endif
    return test_done();
}
