/* fd.h - what the trainer's gradient tests share (header only, after elstm_test.h):
 *   fd_urand            a uniform [0, 1) generator on a caller's 64-bit state (each test
 *                       keeps its own seed, so its draws stay its own);
 *   fd_random_params    the trainer's parameters set at random (large enough to put the gates
 *                       away from 0.5), returned as the double copy the oracle perturbs;
 *   fd_lstm_step        one LSTM step of the independent double-precision oracle, libm
 *                       activations, gates i, f, c, o in the trainer's parameter layout;
 *   fd_check            analytic gradients against central finite differences of the
 *                       oracle's loss, one check reporting the worst relative error. */
#ifndef ELSTM_TEST_FD_H
#define ELSTM_TEST_FD_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "edgelstm/train.h"
#include "elstm_test.h"

static inline double fd_urand(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) * 0x1.0p-53;
}

/* uniform in [-0.8, 0.8), into the trainer (float) and a malloc'd double copy (NULL when out
 * of memory); the layout into *l */
static inline double *fd_random_params(elstm_trainer *tr, elstm_param_layout *l, uint64_t *state)
{
    elstm_trainer_layout(tr, l);
    float *pf = elstm_trainer_params(tr);
    for (size_t k = 0; k < l->total; k++) pf[k] = (float)(1.6 * fd_urand(state) - 0.8);
    double *pd = malloc(l->total * sizeof *pd);
    if (pd)
        for (size_t k = 0; k < l->total; k++) pd[k] = pf[k];
    return pd;
}

/* h, c (N each) advanced by one step on input x (I values); z is scratch of 4N */
static inline void fd_lstm_step(const double *p, const elstm_param_layout *l, int N, int I, const float *x,
                                double *h, double *c, double *z)
{
    for (int r = 0; r < 4 * N; r++) {
        double acc = p[l->b + (size_t)r];
        for (int j = 0; j < I; j++) acc += p[l->wx + (size_t)r * I + j] * x[j];
        for (int k = 0; k < N; k++) acc += p[l->wh + (size_t)r * N + k] * h[k];
        z[r] = acc;
    }
    for (int k = 0; k < N; k++) {
        double ig = 1.0 / (1.0 + exp(-z[k])), fg = 1.0 / (1.0 + exp(-z[N + k]));
        double gg = tanh(z[2 * N + k]), og = 1.0 / (1.0 + exp(-z[3 * N + k]));
        c[k] = fg * c[k] + ig * gg;
        h[k] = og * tanh(c[k]);
    }
}

/* d loss / d v[k] for k < count: each v[k] moved by +-1e-5, loss(ctx) evaluated (it reads v),
 * v restored; the analytic g[k] must be within 2e-3 relative (1e-3 absolute floor) */
static inline void fd_check(const char *what, double *v, const float *g, size_t count, double (*loss)(void *),
                            void *ctx)
{
    const double hs = 1e-5;
    double worst = 0.0, wa = 0.0, wf = 0.0;
    for (size_t k = 0; k < count; k++) {
        const double keep = v[k];
        v[k] = keep + hs;
        const double lp = loss(ctx);
        v[k] = keep - hs;
        const double lm = loss(ctx);
        v[k] = keep;
        const double fd = (lp - lm) / (2 * hs), err = fabs((double)g[k] - fd) / (1e-3 + fabs(fd));
        if (err > worst || err != err) { worst = err; wa = g[k]; wf = fd; }
    }
    test_report(worst <= 2e-3, what, "worst relative error %.3g (analytic %.9g, numeric %.9g)", worst, wa, wf);
}

#endif
