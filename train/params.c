/*
 * params.c - the trainer's parameters: one layout (internal.h's table) for the weights,
 * the gradients and Adam's moments; the runtime model view of a block; and Keras's
 * initializers (docs/training.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* From LAPACK (libopenblas is linked). */
extern void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work,
                    const int *lwork, int *info);
extern void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda,
                    const float *tau, float *work, const int *lwork, int *info);

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

void tr_layout_make(elstm_param_layout *l, size_t N, size_t I, size_t O)
{
    size_t off = 0;
#define X(name, count) l->name = off; off += round8((size_t)(count));
    ELSTM_TRAIN_PARAMS(X, N, I, O)
#undef X
    l->total = off;
}

void tr_model_view(const elstm_trainer *tr, const float *base, elstm_lstm_f32 *m)
{
    pview v = tr_view((float *)base, &tr->lay);
    size_t N = (size_t)tr->N, I = (size_t)tr->I;
    memset(m, 0, sizeof *m);
    m->n_input = tr->I;
    m->n_units = tr->N;
    m->n_output = tr->O;
    m->cell_clip = 0.0f;
    for (int g = 0; g < ELSTM_GATES; g++) {
        m->wx[g] = v.wx + (size_t)g * N * I;
        m->wh[g] = v.wh + (size_t)g * N * N;
        m->b[g] = v.b + (size_t)g * N;
    }
    m->wd = v.wd;
    m->bd = v.bd;
}

/* Keras initializers (docs/training.md): Glorot-uniform kernels, orthogonal recurrent
 * kernel from the QR decomposition of a Gaussian [4N][N] matrix, zero biases with the
 * forget-gate bias at 1. */
elstm_status tr_init_weights(elstm_trainer *tr, elstm_diag *diag)
{
    const int N = tr->N, I = tr->I, G = 4 * N;
    pview p = tr_view(tr->params, &tr->lay);
    double lim = sqrt(6.0 / (double)(I + G)); /* Keras kernel shape (I, 4N) */
    for (size_t k = 0; k < (size_t)G * I; k++) p.wx[k] = (float)((2.0 * tr_rng_uniform(&tr->rng) - 1.0) * lim);

    /* Keras Orthogonal on shape (N, 4N): a Gaussian (4N x N) matrix, QR, Q * sign(diag R),
     * transposed to (N, 4N). Our wh [4N][N] is that matrix transposed back, i.e. Q. */
    float *a = tr_falloc((size_t)G * N), *tau = tr_falloc((size_t)N);
    int m = G, n = N, lda = G, info = 0, lwork = -1;
    float wq = 0.0f;
    if (!a || !tau) { free(a); free(tau); return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory initializing the recurrent kernel"); }
    for (int j = 0; j < N; j++)           /* column-major: a[i + j*G] */
        for (int i = 0; i < G; i++) a[(size_t)j * G + i] = (float)tr_rng_normal(&tr->rng);
    sgeqrf_(&m, &n, a, &lda, tau, &wq, &lwork, &info);
    lwork = (int)wq > N ? (int)wq : N;
    float *work = tr_falloc((size_t)lwork);
    if (!work) { free(a); free(tau); return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory initializing the recurrent kernel"); }
    if (info == 0) sgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info);
    float *sgn = tr_falloc((size_t)N);
    if (sgn && info == 0) {
        for (int j = 0; j < N; j++) sgn[j] = a[(size_t)j * G + j] < 0.0f ? -1.0f : 1.0f;
        sorgqr_(&m, &n, &n, a, &lda, tau, work, &lwork, &info);
        for (int i = 0; i < G; i++)
            for (int j = 0; j < N; j++) p.wh[(size_t)i * N + j] = a[(size_t)j * G + i] * sgn[j];
    }
    free(a); free(tau); free(work);
    if (!sgn) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory initializing the recurrent kernel");
    free(sgn);
    if (info != 0)
        return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, NULL, 0, "the QR decomposition for the orthogonal initializer failed (LAPACK info %d)", info);

    memset(p.b, 0, (size_t)G * sizeof(float));
    for (int k = 0; k < N; k++) p.b[ELSTM_GATE_F * N + k] = 1.0f;
    const int O = tr->O;
    double limd = sqrt(6.0 / (double)(N + O)); /* Dense kernel shape (N, O), drawn in Keras's order */
    for (int k = 0; k < N; k++)
        for (int o = 0; o < O; o++) p.wd[(size_t)o * N + k] = (float)((2.0 * tr_rng_uniform(&tr->rng) - 1.0) * limd);
    memset(p.bd, 0, (size_t)O * sizeof(float));
    return ELSTM_OK;
}
