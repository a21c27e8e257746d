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
    const float eps = (float)tr->opts.epsilon;
    float *restrict w = tr->params, *restrict m = tr->m, *restrict v = tr->v;
    const float *restrict g = tr->grad;
    size_t lo, hi;
    tr_pool_share(tr->lay.total, p, tr->P, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        m[k] += (g[k] - m[k]) * omb1;
        v[k] += (g[k] * g[k] - v[k]) * omb2;
        w[k] -= (m[k] * alpha) / (sqrtf(v[k]) + eps);
    }
}

void elstm_trainer_adam_step(elstm_trainer *tr)
{
    /* Keras: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1);
     * v += (g^2 - v)(1 - b2); w -= alpha m / (sqrt(v) + eps). */
    tr->adam_t++;
    const double t = (double)tr->adam_t;
    tr->adam_alpha = (float)(tr->opts.lr * sqrt(1.0 - pow(tr->opts.beta2, t)) / (1.0 - pow(tr->opts.beta1, t)));
    tr_pool_run(tr->pool, adam_job, tr);
}
