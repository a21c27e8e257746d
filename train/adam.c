/*
 * adam.c - the Adam update in Keras's exact form (docs/training.md), each thread of the
 * pool updating its share of the parameters (every element is computed the same way by
 * any thread, so the thread count does not change the result).
 */
#include "vectorize.h" /* first: -O3 for the element-wise loops */
#include <math.h>

#include "internal.h"

static void adam_job(void *arg, int p)
{
    const elstm_trainer *tr = arg;
    const float alpha = tr->adam_alpha;
    const float omb1 = (float)(1.0 - tr->opts.beta1), omb2 = (float)(1.0 - tr->opts.beta2);
    const float eps = (float)tr->opts.epsilon, gs = tr->grad_scale;
    float *restrict w = tr->params, *restrict m = tr->m, *restrict v = tr->v;
    const float *restrict g = tr->grad;
    size_t lo, hi;
    tr_pool_share(tr->lay.total, p, tr->P, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        const float gk = g[k] * gs; /* gs = 1 (exact) unless the gradient is clipped */
        m[k] += (gk - m[k]) * omb1;
        v[k] += (gk * gk - v[k]) * omb2;
        w[k] -= (m[k] * alpha) / (sqrtf(v[k]) + eps);
    }
}

/* Gradient clipping by the global norm (Keras's global_clipnorm): when ||g|| > clip,
 * every element is scaled by clip / ||g||. The norm is summed in double in index order
 * (the padding between tensors is zero). */
static float clip_scale(const elstm_trainer *tr)
{
    if (!(tr->opts.clip_norm > 0.0)) return 1.0f;
    double ss = 0.0;
    for (size_t k = 0; k < tr->lay.total; k++) ss += (double)tr->grad[k] * (double)tr->grad[k];
    const double norm = sqrt(ss);
    return norm > tr->opts.clip_norm ? (float)(tr->opts.clip_norm / norm) : 1.0f;
}

void elstm_trainer_adam_step(elstm_trainer *tr)
{
    /* Keras: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1);
     * v += (g^2 - v)(1 - b2); w -= alpha m / (sqrt(v) + eps). */
    tr->adam_t++;
    const double t = (double)tr->adam_t;
    tr->grad_scale = clip_scale(tr);
    tr->adam_alpha = (float)(tr->lr * sqrt(1.0 - pow(tr->opts.beta2, t)) / (1.0 - pow(tr->opts.beta1, t)));
    tr_pool_run(tr->pool, adam_job, tr);
}
