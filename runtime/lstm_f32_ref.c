/*
 * lstm_f32_ref.c - the reference float32 LSTM: the specification, written like the equations.
 *
 * Keras / TFLite semantics (see edgelstm/lstm.h). Plain loops, libm activations,
 * no optimization on purpose: optimized kernels are tested against this file.
 *
 *   z_g[n] = b_g[n] + sum_j Wx_g[n][j] x[j] + sum_k Wh_g[n][k] h[k]     g in i, f, c, o
 *   i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_c), o = sigmoid(z_o)
 *   c = f c + i g  (clamped to +-cell_clip when cell_clip > 0);  h = o tanh(c)
 */
#include <math.h>
#include <string.h>

#include "edgelstm/lstm.h"

static float sigmoid_ref(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

static uintptr_t align_up(uintptr_t p)
{
    return (p + (ELSTM_ARENA_ALIGN - 1)) & ~(uintptr_t)(ELSTM_ARENA_ALIGN - 1);
}

ELSTM_API size_t elstm_lstm_arena_size_f32(const elstm_lstm_f32 *m)
{
    return ELSTM_LSTM_F32_ARENA_BYTES(m->n_units);
}

ELSTM_API elstm_status elstm_lstm_init_f32(elstm_lstm_ctx_f32 *ctx, const elstm_lstm_f32 *m,
                                           void *arena, size_t arena_bytes)
{
    int g;
    uintptr_t p, end;
    size_t n;
    if (!ctx || !m || !arena) return ELSTM_ERR_ARG;
    if (m->n_input < 1 || m->n_units < 1 || m->n_output < 0 || !(m->cell_clip >= 0.0f))
        return ELSTM_ERR_ARG;
    for (g = 0; g < ELSTM_GATES; g++)
        if (!m->wx[g] || !m->wh[g]) return ELSTM_ERR_ARG;
    if (m->n_output > 0 && !m->wd) return ELSTM_ERR_ARG;
    if (arena_bytes < elstm_lstm_arena_size_f32(m)) return ELSTM_ERR_NOMEM;

    n = (size_t)m->n_units;
    p = align_up((uintptr_t)arena);
    end = (uintptr_t)arena + arena_bytes;
    ctx->model = m;
    ctx->h = (float *)p;
    p = align_up(p + n * sizeof(float));
    ctx->c = (float *)p;
    p = align_up(p + n * sizeof(float));
    ctx->scratch = (float *)p;
    p += 4 * n * sizeof(float);
    if (p > end) return ELSTM_ERR_NOMEM;
    elstm_lstm_reset_f32(ctx);
    return ELSTM_OK;
}

ELSTM_API void elstm_lstm_reset_f32(elstm_lstm_ctx_f32 *ctx)
{
    size_t n = (size_t)ctx->model->n_units;
    memset(ctx->h, 0, n * sizeof(float));
    memset(ctx->c, 0, n * sizeof(float));
}

ELSTM_API void elstm_lstm_step_f32_ref(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    const elstm_lstm_f32 *m = ctx->model;
    const int32_t N = m->n_units, I = m->n_input;
    float *z = ctx->scratch; /* [4][N]: pre-activations, then activations */
    int32_t g, n, j, k;

    /* z_g = b_g + Wx_g x + Wh_g h  (h is still the previous step's state) */
    for (g = 0; g < ELSTM_GATES; g++) {
        const float *wx = m->wx[g]; /* [N][I] */
        const float *wh = m->wh[g]; /* [N][N] */
        for (n = 0; n < N; n++) {
            float acc = m->b[g] ? m->b[g][n] : 0.0f;
            for (j = 0; j < I; j++) acc += wx[(size_t)n * I + j] * x[j];
            for (k = 0; k < N; k++) acc += wh[(size_t)n * N + k] * ctx->h[k];
            z[(size_t)g * N + n] = acc;
        }
    }
    /* gates and state update */
    for (n = 0; n < N; n++) {
        float i = sigmoid_ref(z[ELSTM_GATE_I * N + n]);
        float f = sigmoid_ref(z[ELSTM_GATE_F * N + n]);
        float cg = tanhf(z[ELSTM_GATE_C * N + n]);
        float o = sigmoid_ref(z[ELSTM_GATE_O * N + n]);
        float c = f * ctx->c[n] + i * cg;
        if (m->cell_clip > 0.0f) {
            if (c > m->cell_clip) c = m->cell_clip;
            if (c < -m->cell_clip) c = -m->cell_clip;
        }
        ctx->c[n] = c;
        ctx->h[n] = o * tanhf(c);
    }
}

ELSTM_API void elstm_dense_f32(const elstm_lstm_ctx_f32 *ctx, float *y)
{
    const elstm_lstm_f32 *m = ctx->model;
    const int32_t N = m->n_units;
    int32_t o, n;
    for (o = 0; o < m->n_output; o++) {
        float acc = m->bd ? m->bd[o] : 0.0f;
        for (n = 0; n < N; n++) acc += m->wd[(size_t)o * N + n] * ctx->h[n];
        y[o] = acc;
    }
}

ELSTM_API void elstm_lstm_window_f32_ref(elstm_lstm_ctx_f32 *ctx, const float *x, int32_t steps,
                                         float *y)
{
    const int32_t I = ctx->model->n_input;
    int32_t t;
    elstm_lstm_reset_f32(ctx);
    for (t = 0; t < steps; t++) elstm_lstm_step_f32_ref(ctx, x + (size_t)t * I);
    if (y && ctx->model->n_output > 0) elstm_dense_f32(ctx, y);
}
