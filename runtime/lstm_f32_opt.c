/*
 * lstm_f32_opt.c - the fast float32 LSTM step: AVX2+FMA on x86-64, plain C elsewhere.
 *
 * Same semantics and signatures as lstm_f32_ref.c (see edgelstm/lstm.h); chosen at build
 * time by the ELSTM_KERNEL_* macro of edgelstm/lstm.h. With ELSTM_KERNEL_CORTEXM or
 * ELSTM_KERNEL_XTENSA this file defines nothing: runtime/lstm_f32_cortexm.c or
 * runtime/lstm_f32_xtensa.c provides the same functions.
 *
 * Both kernels work unit by unit ("units" = rows of the four gate matrices), so that
 * the activations and the cell update of a unit follow its dot products while its
 * results are still in registers, and no [4N] pre-activation vector is stored:
 *
 *   for each block of units u..u+7 (AVX2) or each unit u (plain C):
 *       z_g = b_g[u] + Wx_g[u] . x + Wh_g[u] . h_prev       g = i, f, c, o
 *       c[u] = f c[u] + i g  (clipped);  h_next[u] = o tanh(c[u])
 *
 * AVX2: the weights stay in TFLite's row-major [N][I] / [N][N] layout (never copied or
 * packed). 8 consecutive rows of one gate are reduced at once: 8 ymm accumulators, one
 * per row, each fed by an FMA with a memory operand (8 weights of its row) and the
 * shared 8 values of x or h_prev, i.e. one load of h per 8 FMAs. The 8 accumulators
 * are then summed horizontally into one ymm whose lane r is row r's dot product.
 * The 8 rows of a block are contiguous in memory, so the weights stream sequentially
 * from L2 (the seed model's 276 KB do not fit L1); with 8 independent accumulators
 * the FMA latency is hidden and the loop runs at the L2 bandwidth. Tails: rows of x
 * and h whose length is not a multiple of 8 end with a masked load; a unit range
 * whose length is not a multiple of 8 ends with a block shifted back to stay inside
 * the matrix (lanes outside the range are computed but neither read from c nor
 * stored). N < 8 uses the plain C code. The window alternates the direction of the
 * block loop from step to step, so the blocks used last (~40 KB, what L1 holds) are the
 * first ones of the next step and come from L1 instead of L2 (~4% faster for the seed).
 *
 * Packed weights (host only, runtime/host/lstm_f32_pack.h): when m->packed is set, the same
 * products are read from a copy laid out in the kernel's order, one sequential stream
 * instead of 8 (bit-identical results). Device libraries never set it.
 *
 * Activations: runtime/act.h (max error ~1e-7 against libm). No malloc, no stdio,
 * stack: a few scalars.
 */
#include "edgelstm/lstm.h"

#if !defined(ELSTM_KERNEL_CORTEXM) && !defined(ELSTM_KERNEL_XTENSA)

#include <string.h>

#include "act.h"
#include "lstm_f32_opt.h"

/* Units [u_begin, u_end) in plain C: the four gate rows of a unit share each x[j]/h[k]. */
static void units_plain(const elstm_lstm_f32 *m, const float *x, const float *h_prev, float *c,
                        float *h_next, int32_t u_begin, int32_t u_end)
{
    const int32_t I = m->n_input, N = m->n_units;
    const float clip = m->cell_clip;
    int32_t u, j, k;
    for (u = u_begin; u < u_end; u++) {
        const float *xi = m->wx[ELSTM_GATE_I] + (size_t)u * I, *xf = m->wx[ELSTM_GATE_F] + (size_t)u * I;
        const float *xc = m->wx[ELSTM_GATE_C] + (size_t)u * I, *xo = m->wx[ELSTM_GATE_O] + (size_t)u * I;
        const float *ri = m->wh[ELSTM_GATE_I] + (size_t)u * N, *rf = m->wh[ELSTM_GATE_F] + (size_t)u * N;
        const float *rc = m->wh[ELSTM_GATE_C] + (size_t)u * N, *ro = m->wh[ELSTM_GATE_O] + (size_t)u * N;
        float zi = m->b[ELSTM_GATE_I] ? m->b[ELSTM_GATE_I][u] : 0.0f;
        float zf = m->b[ELSTM_GATE_F] ? m->b[ELSTM_GATE_F][u] : 0.0f;
        float zc = m->b[ELSTM_GATE_C] ? m->b[ELSTM_GATE_C][u] : 0.0f;
        float zo = m->b[ELSTM_GATE_O] ? m->b[ELSTM_GATE_O][u] : 0.0f;
        float cu;
        for (j = 0; j < I; j++) {
            const float v = x[j];
            zi += xi[j] * v;
            zf += xf[j] * v;
            zc += xc[j] * v;
            zo += xo[j] * v;
        }
        for (k = 0; k < N; k++) {
            const float v = h_prev[k];
            zi += ri[k] * v;
            zf += rf[k] * v;
            zc += rc[k] * v;
            zo += ro[k] * v;
        }
        cu = elstm_act_sigmoid(zf) * c[u] + elstm_act_sigmoid(zi) * elstm_act_tanh(zc);
        if (clip > 0.0f) {
            cu = cu > clip ? clip : cu;
            cu = cu < -clip ? -clip : cu;
        }
        c[u] = cu;
        h_next[u] = elstm_act_sigmoid(zo) * elstm_act_tanh(cu);
    }
}

#if defined(ELSTM_KERNEL_AVX2)

/* The first n lanes (0 <= n <= 8) set. */
static __m256i lanes_below(int32_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Lane r of the result = the sum of the 8 lanes of a_r. */
static __m256 sum_each8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5, __m256 a6,
                        __m256 a7)
{
    /* pairwise sums within 128-bit halves, then add the two halves */
    __m256 s01 = _mm256_hadd_ps(a0, a1), s23 = _mm256_hadd_ps(a2, a3);
    __m256 s45 = _mm256_hadd_ps(a4, a5), s67 = _mm256_hadd_ps(a6, a7);
    __m256 s0123 = _mm256_hadd_ps(s01, s23), s4567 = _mm256_hadd_ps(s45, s67);
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20),
                         _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

/* Accumulate rows w, w+len, ..., w+7len (each [len]) times v [len] into a0..a7;
 * `tail` masks the last len % 8 columns. */
#define ROWS8_FMA(w, len, v, tail)                                                            \
    do {                                                                                      \
        const float *w0_ = (w), *w1_ = w0_ + (len), *w2_ = w1_ + (len), *w3_ = w2_ + (len);   \
        const float *w4_ = w3_ + (len), *w5_ = w4_ + (len), *w6_ = w5_ + (len), *w7_ = w6_ + (len); \
        int32_t k_;                                                                           \
        for (k_ = 0; k_ + 8 <= (len); k_ += 8) {                                              \
            const __m256 v_ = _mm256_loadu_ps((v) + k_);                                      \
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0_ + k_), v_, a0);                          \
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1_ + k_), v_, a1);                          \
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2_ + k_), v_, a2);                          \
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3_ + k_), v_, a3);                          \
            a4 = _mm256_fmadd_ps(_mm256_loadu_ps(w4_ + k_), v_, a4);                          \
            a5 = _mm256_fmadd_ps(_mm256_loadu_ps(w5_ + k_), v_, a5);                          \
            a6 = _mm256_fmadd_ps(_mm256_loadu_ps(w6_ + k_), v_, a6);                          \
            a7 = _mm256_fmadd_ps(_mm256_loadu_ps(w7_ + k_), v_, a7);                          \
        }                                                                                     \
        if (k_ < (len)) {                                                                     \
            const __m256 v_ = _mm256_maskload_ps((v) + k_, (tail));                           \
            a0 = _mm256_fmadd_ps(_mm256_maskload_ps(w0_ + k_, (tail)), v_, a0);               \
            a1 = _mm256_fmadd_ps(_mm256_maskload_ps(w1_ + k_, (tail)), v_, a1);               \
            a2 = _mm256_fmadd_ps(_mm256_maskload_ps(w2_ + k_, (tail)), v_, a2);               \
            a3 = _mm256_fmadd_ps(_mm256_maskload_ps(w3_ + k_, (tail)), v_, a3);               \
            a4 = _mm256_fmadd_ps(_mm256_maskload_ps(w4_ + k_, (tail)), v_, a4);               \
            a5 = _mm256_fmadd_ps(_mm256_maskload_ps(w5_ + k_, (tail)), v_, a5);               \
            a6 = _mm256_fmadd_ps(_mm256_maskload_ps(w6_ + k_, (tail)), v_, a6);               \
            a7 = _mm256_fmadd_ps(_mm256_maskload_ps(w7_ + k_, (tail)), v_, a7);               \
        }                                                                                     \
    } while (0)

/* The same from packed weights: chunk k of the 8 rows is w[64 k .. 64 k + 63], row r at
 * 8 r; columns past len are zero. Advances w past the len columns. */
#define CHUNK8P_FMA(w, v_)                                                                    \
    do {                                                                                      \
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps((w)), (v_), a0);                                 \
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps((w) + 8), (v_), a1);                             \
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps((w) + 16), (v_), a2);                            \
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps((w) + 24), (v_), a3);                            \
        a4 = _mm256_fmadd_ps(_mm256_loadu_ps((w) + 32), (v_), a4);                            \
        a5 = _mm256_fmadd_ps(_mm256_loadu_ps((w) + 40), (v_), a5);                            \
        a6 = _mm256_fmadd_ps(_mm256_loadu_ps((w) + 48), (v_), a6);                            \
        a7 = _mm256_fmadd_ps(_mm256_loadu_ps((w) + 56), (v_), a7);                            \
        (w) += 64;                                                                            \
    } while (0)
#define ROWS8P_FMA(w, len, v, tail)                                                           \
    do {                                                                                      \
        int32_t k_;                                                                           \
        for (k_ = 0; k_ + 8 <= (len); k_ += 8) {                                              \
            const __m256 v_ = _mm256_loadu_ps((v) + k_);                                      \
            CHUNK8P_FMA(w, v_);                                                               \
        }                                                                                     \
        if (k_ < (len)) {                                                                     \
            const __m256 v_ = _mm256_maskload_ps((v) + k_, (tail));                           \
            CHUNK8P_FMA(w, v_);                                                               \
        }                                                                                     \
    } while (0)

/* Pre-activations of units s..s+7 of gate g (all 8 rows exist: s + 8 <= N). */
static __m256 gate8(const elstm_lstm_f32 *m, int g, int32_t s, const float *x, const float *h,
                    __m256i xtail, __m256i htail)
{
    const int32_t I = m->n_input, N = m->n_units;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    ROWS8_FMA(m->wx[g] + (size_t)s * I, I, x, xtail);
    ROWS8_FMA(m->wh[g] + (size_t)s * N, N, h, htail);
    a0 = sum_each8(a0, a1, a2, a3, a4, a5, a6, a7);
    return m->b[g] ? _mm256_add_ps(a0, _mm256_loadu_ps(m->b[g] + s)) : a0;
}

/* The same from the packed block-gate w (runtime/host/lstm_f32_pack.h). */
static __m256 gate8_packed(const elstm_lstm_f32 *m, int g, int32_t s, const float *w, const float *x,
                           const float *h, __m256i xtail, __m256i htail)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    ROWS8P_FMA(w, m->n_input, x, xtail);
    ROWS8P_FMA(w, m->n_units, h, htail);
    a0 = sum_each8(a0, a1, a2, a3, a4, a5, a6, a7);
    return m->b[g] ? _mm256_add_ps(a0, _mm256_loadu_ps(m->b[g] + s)) : a0;
}

static void units_avx2(const elstm_lstm_f32 *m, const float *x, const float *h_prev, float *c,
                       float *h_next, int32_t u_begin, int32_t u_end, int backwards)
{
    const int32_t N = m->n_units, blocks = (u_end - u_begin + 7) / 8;
    const __m256i xtail = lanes_below(m->n_input % 8), htail = lanes_below(N % 8);
    const __m256 clip = _mm256_set1_ps(m->cell_clip);
    /* the packed blocks start at multiples of 8 */
    const float *packed = m->packed && u_begin % 8 == 0 ? m->packed : NULL;
    const size_t gate_floats = (size_t)ELSTM_PACK_CHUNKS(m) * 64u;
    int32_t b;
    for (b = 0; b < blocks; b++) {
        const int32_t u = u_begin + 8 * (backwards ? blocks - 1 - b : b);
        /* block start s <= u keeps the 8 rows inside the matrix; lanes [u-s, end-s) are ours */
        const int32_t s = u + 8 <= N ? u : N - 8;
        const int32_t end = u + 8 < u_end ? u + 8 : u_end;
        const int full = (s == u && end == u + 8);
        const __m256i ours = _mm256_andnot_si256(lanes_below(u - s), lanes_below(end - s));
        __m256 i, f, g, o;
        if (packed) { /* block u / 8 of the packed layout: rows s..s+7 (u is a multiple of 8) */
            const float *w = packed + (size_t)(u / 8) * ELSTM_GATES * gate_floats;
            i = elstm_act_sigmoid8(gate8_packed(m, ELSTM_GATE_I, s, w, x, h_prev, xtail, htail));
            f = elstm_act_sigmoid8(gate8_packed(m, ELSTM_GATE_F, s, w + gate_floats, x, h_prev, xtail, htail));
            g = elstm_act_tanh8(gate8_packed(m, ELSTM_GATE_C, s, w + 2 * gate_floats, x, h_prev, xtail, htail));
            o = elstm_act_sigmoid8(gate8_packed(m, ELSTM_GATE_O, s, w + 3 * gate_floats, x, h_prev, xtail, htail));
        } else {
            i = elstm_act_sigmoid8(gate8(m, ELSTM_GATE_I, s, x, h_prev, xtail, htail));
            f = elstm_act_sigmoid8(gate8(m, ELSTM_GATE_F, s, x, h_prev, xtail, htail));
            g = elstm_act_tanh8(gate8(m, ELSTM_GATE_C, s, x, h_prev, xtail, htail));
            o = elstm_act_sigmoid8(gate8(m, ELSTM_GATE_O, s, x, h_prev, xtail, htail));
        }
        __m256 cv = full ? _mm256_loadu_ps(c + s) : _mm256_maskload_ps(c + s, ours);
        cv = _mm256_fmadd_ps(f, cv, _mm256_mul_ps(i, g));
        if (m->cell_clip > 0.0f)
            cv = _mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), clip), _mm256_min_ps(clip, cv));
        o = _mm256_mul_ps(o, elstm_act_tanh8(cv));
        if (full) {
            _mm256_storeu_ps(c + s, cv);
            _mm256_storeu_ps(h_next + s, o);
        } else {
            _mm256_maskstore_ps(c + s, ours, cv);
            _mm256_maskstore_ps(h_next + s, ours, o);
        }
    }
}
#endif /* ELSTM_KERNEL_AVX2 */

ELSTM_API void elstm_lstm_units_f32_opt(const elstm_lstm_f32 *m, const float *x, const float *h_prev,
                                        float *c, float *h_next, int32_t u_begin, int32_t u_end,
                                        int backwards)
{
#if defined(ELSTM_KERNEL_AVX2)
    if (m->n_units >= 8) {
        units_avx2(m, x, h_prev, c, h_next, u_begin, u_end, backwards);
        return;
    }
#endif
    (void)backwards;
    units_plain(m, x, h_prev, c, h_next, u_begin, u_end);
}

ELSTM_API void elstm_lstm_step_f32_opt(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    const int32_t N = ctx->model->n_units;
    elstm_lstm_units_f32_opt(ctx->model, x, ctx->h, ctx->c, ctx->scratch, 0, N, 0);
    memcpy(ctx->h, ctx->scratch, (size_t)N * sizeof(float));
}

ELSTM_API void elstm_lstm_step_f32(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    elstm_lstm_step_f32_opt(ctx, x);
}

ELSTM_API void elstm_lstm_window_f32(elstm_lstm_ctx_f32 *ctx, const float *x, int32_t steps, float *y)
{
    const elstm_lstm_f32 *m = ctx->model;
    const int32_t I = m->n_input, N = m->n_units;
    float *h = ctx->h, *h_next = ctx->scratch; /* ping-pong: no copy per step */
    int32_t t;
    elstm_lstm_reset_f32(ctx);
    for (t = 0; t < steps; t++) {
        float *tmp = h;
        elstm_lstm_units_f32_opt(m, x + (size_t)t * I, h, ctx->c, h_next, 0, N, t & 1);
        h = h_next;
        h_next = tmp;
    }
    if (h != ctx->h) memcpy(ctx->h, h, (size_t)N * sizeof(float));
    if (y && m->n_output > 0) elstm_dense_f32(ctx, y);
}

#endif /* !ELSTM_KERNEL_CORTEXM && !ELSTM_KERNEL_XTENSA */
