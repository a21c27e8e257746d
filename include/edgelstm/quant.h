/*
 * edgelstm/quant.h - the integer kernels of the device runtime.
 *
 * C99, no malloc, no stdio, bounded stack, weights `const` (borrowed, never copied); the
 * same rules and the same ELSTM_API embedding as edgelstm/lstm.h. Every kernel here
 * computes bit for bit what TensorFlow Lite Micro's reference kernels compute on the
 * same tensors (docs/quant.md has the scheme, the derivations and how it is tested):
 *
 *   elstm_lstm_s8    UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell
 *                    state, int32 biases ("full integer" int8)
 *   elstm_lstm_s16   the same with int16 activations and int64 biases ("16x8")
 *   elstm_fc_s8      FULLY_CONNECTED int8 (per-tensor or per-channel weights), _s16 for 16x8
 *   elstm_quantize_* / elstm_dequantize_*   QUANTIZE / DEQUANTIZE between float32 and int8/int16
 *   elstm_softmax_s8 SOFTMAX int8 -> int8
 *   elstm_net_s8     a quantized forecaster: quantize a float window, run the LSTM, the dense
 *                    layer on the last hidden state, dequantize (what deployed int8 libraries
 *                    and `eval` run); elstm_net_s16 likewise for 16x8
 *
 * A params struct holds what the kernel reads: sizes, weight pointers, zero points and
 * the fixed-point multipliers (computed on the host from the float scales of the .tflite
 * file, see io/ and docs/quant.md; generated device libraries store them as constants),
 * so a device needs no floating point for the LSTM. State lives in a caller's arena.
 *
 * Variants: `*_ref` is the plain reference (the specification); the unsuffixed names are
 * the fast kernel this build selects (ELSTM_KERNEL_* of lstm.h, plus ELSTM_S8_KERNEL_*
 * below), with the same signature and bit-identical results.
 */
#ifndef EDGELSTM_QUANT_H
#define EDGELSTM_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/lstm.h"

/* Which fast int8 LSTM kernel this build compiles (build time, like lstm.h):
 *   ELSTM_S8_KERNEL_VNNI    x86-64 with AVX-512 VNNI (vpdpbusd) and AVX-512BW/VL enabled
 *   ELSTM_S8_KERNEL_AVX2    x86-64 with AVX2 (vpmaddubsw + vpmaddwd)
 *   ELSTM_S8_KERNEL_DSP     Armv7E-M (Cortex-M4/M7 DSP extension: SXTB16 + SMLAD)
 *   ELSTM_S8_KERNEL_XTENSA  the ESP32's and ESP32-S3's Xtensa (MAC16, zero-overhead loops,
 *                           windowed ABI; the same condition as lstm.h's ELSTM_KERNEL_XTENSA)
 *   ELSTM_S8_KERNEL_GENERIC plain C
 * ELSTM_FORCE_GENERIC (lstm.h) selects the plain C kernel; ELSTM_S8_NO_VNNI drops VNNI. */
#if defined(ELSTM_FORCE_GENERIC)
#define ELSTM_S8_KERNEL_GENERIC 1
#elif defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__) && !defined(ELSTM_S8_NO_VNNI)
#define ELSTM_S8_KERNEL_VNNI 1
#elif defined(__AVX2__)
#define ELSTM_S8_KERNEL_AVX2 1
#elif defined(__ARM_FEATURE_DSP) && defined(__ARM_ARCH_7EM__)
#define ELSTM_S8_KERNEL_DSP 1
#elif defined(ELSTM_KERNEL_XTENSA) && (!defined(__XCHAL_HAVE_MAC16) || __XCHAL_HAVE_MAC16)
#define ELSTM_S8_KERNEL_XTENSA 1
#else
#define ELSTM_S8_KERNEL_GENERIC 1
#endif

/* A real multiplier r in fixed point: r = m * 2^(shift - 31), m in [2^30, 2^31) (or 0).
 * The host computes it from a double with TFLite's QuantizeMultiplier. */
typedef struct elstm_qmult {
    int32_t m;
    int32_t shift;
} elstm_qmult;

/* ---- fixed-point primitives (TFLite's, bit for bit) --------------------------------- */

/* round(x * r) the way TFLite's MultiplyByQuantizedMultiplier does for int32 x: a
 * saturating rounding doubling high multiply, then a rounding right shift (ties away
 * from zero both times). */
ELSTM_API int32_t elstm_q_mul(int32_t x, elstm_qmult q);
/* The int64 overload (16x8 kernels): the multiplier rounded to 16 bits, one rounding. */
ELSTM_API int32_t elstm_q_mul64(int64_t x, elstm_qmult q);
/* sigmoid: Q3.12 in, Q0.15 out (a 256-entry table with linear interpolation). */
ELSTM_API int16_t elstm_q_sigmoid(int16_t x);
/* tanh of x * 2^pow (pow in [-24, 0]; the gates use -12), Q0.15 out. */
ELSTM_API int16_t elstm_q_tanh(int16_t x, int32_t pow);

/* ---- the integer LSTM ------------------------------------------------------------------
 *
 * Per step, for each unit n and gate g in (i, f, c, o) (Wx_g [N][I], Wh_g [N][N]):
 *   ax = sum_j Wx_g[n][j] (x[j] - zp_in) + b_g[n]         (int32; int64 for s16)
 *   ah = sum_k Wh_g[n][k] (h[k] - zp_h)
 *   z  = sat16( sat16(q_mul(ax, mx[g])) + sat16(q_mul(ah, mh[g])) )        Q3.12
 *   gate = g == c ? tanh(z, -12) : sigmoid(z)                              Q0.15
 *   c[n] = sat16( sat16(q_mul(f c[n], m_fc)) + sat16(q_mul(i g, m_ig)) ),
 *          then clamped to [-cell_clip, cell_clip] when cell_clip >= 0
 *   h[n] = clamp(zp_h + q_mul(tanh(c[n], cell_pow) o, m_h), act range)
 * The cell state has the scale 2^cell_pow. */

typedef struct elstm_lstm_qparams {
    int32_t n_input;          /* I */
    int32_t n_units;          /* N */
    const int8_t *wx[ELSTM_GATES];   /* input weights [N][I], symmetric (zero point 0) */
    const int8_t *wh[ELSTM_GATES];   /* recurrent weights [N][N], symmetric */
    elstm_qmult mx[ELSTM_GATES];     /* s_in s_wx[g] / 2^-12: input part -> Q3.12 */
    elstm_qmult mh[ELSTM_GATES];     /* s_h s_wh[g] / 2^-12: recurrent part -> Q3.12 */
    elstm_qmult m_fc;         /* 2^-15 s_c / s_c: f * c -> cell */
    elstm_qmult m_ig;         /* 2^-15 2^-15 / s_c: i * g -> cell */
    elstm_qmult m_h;          /* 2^-15 2^-15 / s_h: o * tanh(c) -> hidden */
    int32_t zp_in;            /* input zero point (0 for s16) */
    int32_t zp_h;             /* hidden state / output zero point (0 for s16) */
    int32_t cell_pow;         /* cell scale = 2^cell_pow, in [-24, 0] */
    int32_t cell_clip;        /* quantized cell clip; < 0: no clipping */
} elstm_lstm_qparams;

typedef struct elstm_lstm_s8 {
    elstm_lstm_qparams q;
    const int32_t *b[ELSTM_GATES];   /* gate biases [N], scale s_in s_wx[g]; NULL = zero */
    /* Optional: the weights pre-arranged for this build's fast kernel, with the zero
     * points folded into the biases (elstm_lstm_pack_s8, host only); NULL = the fast
     * kernel reads the arrays above. Borrowed. */
    const void *packed;
} elstm_lstm_s8;

typedef struct elstm_lstm_s16 {
    elstm_lstm_qparams q;            /* zp_in = zp_h = 0 */
    const int64_t *b[ELSTM_GATES];   /* gate biases [N], int64; NULL = zero */
} elstm_lstm_s16;

/* State: pointers into the caller's arena (read-only for callers). */
typedef struct elstm_lstm_ctx_s8 {
    const elstm_lstm_s8 *model;
    int8_t *h;          /* [N] hidden state (the LSTM's output at the last step) */
    int16_t *c;         /* [N] cell state */
    int16_t *scratch;   /* [5N] gate values; the next hidden state (fast kernels) */
    int32_t steps;      /* steps since the reset (the fast kernels alternate the order in
                           which they visit the units, for the cache; same results) */
    int32_t fast;       /* kernel-private: the Cortex-M kernel's shortcut applies (lstm_s8_dsp.c,
                           decided at the first step after a reset) */
} elstm_lstm_ctx_s8;

typedef struct elstm_lstm_ctx_s16 {
    const elstm_lstm_s16 *model;
    int16_t *h;
    int16_t *c;
    int16_t *scratch;   /* [4N] */
} elstm_lstm_ctx_s16;

#define ELSTM_LSTM_S8_ARENA_BYTES(n_units) \
    ((size_t)(n_units) * (1u + 2u + 10u) + 3u * ELSTM_ARENA_ALIGN)
#define ELSTM_LSTM_S16_ARENA_BYTES(n_units) \
    ((size_t)(n_units) * (2u + 2u + 8u) + 3u * ELSTM_ARENA_ALIGN)

ELSTM_API size_t elstm_lstm_arena_size_s8(const elstm_lstm_s8 *m);
ELSTM_API size_t elstm_lstm_arena_size_s16(const elstm_lstm_s16 *m);

/* Check the params (sizes >= 1, weights present, multipliers in range, cell_pow in
 * [-24, 0], zero points in the activation range) and carve the arena; the state is
 * reset. ELSTM_ERR_ARG / ELSTM_ERR_NOMEM. */
ELSTM_API elstm_status elstm_lstm_init_s8(elstm_lstm_ctx_s8 *ctx, const elstm_lstm_s8 *m,
                                          void *arena, size_t arena_bytes);
ELSTM_API elstm_status elstm_lstm_init_s16(elstm_lstm_ctx_s16 *ctx, const elstm_lstm_s16 *m,
                                           void *arena, size_t arena_bytes);

/* The zero state: h = zp_h (real 0), c = 0. */
ELSTM_API void elstm_lstm_reset_s8(elstm_lstm_ctx_s8 *ctx);
ELSTM_API void elstm_lstm_reset_s16(elstm_lstm_ctx_s16 *ctx);

/* One time step: x is [I]; updates ctx->h and ctx->c. */
ELSTM_API void elstm_lstm_step_s8_ref(elstm_lstm_ctx_s8 *ctx, const int8_t *x);
ELSTM_API void elstm_lstm_step_s8(elstm_lstm_ctx_s8 *ctx, const int8_t *x);
ELSTM_API void elstm_lstm_step_s16_ref(elstm_lstm_ctx_s16 *ctx, const int16_t *x);

/* ---- fully connected ------------------------------------------------------------------
 * y[o] = clamp(zp_out + q_mul(sum_i w[o][i] (x[i] - zp_in) + b[o], mult[o or 0]), act range) */

typedef struct elstm_fc_s8 {
    int32_t n_in, n_out;
    const int8_t *w;            /* [n_out][n_in], symmetric */
    const int32_t *b;           /* [n_out]; NULL = zero */
    const elstm_qmult *mult;    /* [n_out] when per_channel, else [1] */
    int32_t per_channel;
    int32_t zp_in, zp_out;
    int32_t act_min, act_max;   /* output clamp (the fused activation), within [-128, 127] */
} elstm_fc_s8;

typedef struct elstm_fc_s16 {
    int32_t n_in, n_out;
    const int8_t *w;
    const int64_t *b;
    const elstm_qmult *mult;
    int32_t per_channel;
    int32_t act_min, act_max;   /* within [-32768, 32767]; zero points are 0 */
} elstm_fc_s16;

/* One row: x [n_in] -> y [n_out]. */
ELSTM_API void elstm_fc_s8_ref(const elstm_fc_s8 *p, const int8_t *x, int8_t *y);
ELSTM_API void elstm_fc_s16_ref(const elstm_fc_s16 *p, const int16_t *x, int16_t *y);

/* ---- quantize / dequantize ---------------------------------------------------------------
 * q = clamp(round(x / scale) + zp) with float division and ties away from zero (NaN -> the
 * low end); x = (float)(scale * (q - zp)) computed in double. */
ELSTM_API void elstm_quantize_s8(const float *x, size_t n, float scale, int32_t zp, int8_t *q);
ELSTM_API void elstm_dequantize_s8(const int8_t *q, size_t n, float scale, int32_t zp, float *x);
ELSTM_API void elstm_quantize_s16(const float *x, size_t n, float scale, int32_t zp, int16_t *q);
ELSTM_API void elstm_dequantize_s16(const int16_t *q, size_t n, float scale, int32_t zp, float *x);

/* ---- softmax ------------------------------------------------------------------------------
 * int8 in (any scale), int8 out with scale 1/256 and zero point -128, per row of `depth`,
 * TFLite's fixed-point algorithm (exp of (x - max) * beta * s_in in Q5.26). */
typedef struct elstm_softmax_s8 {
    int32_t depth;
    int32_t input_multiplier;   /* beta s_in in fixed point (elstm_softmax_s8_prepare) */
    int32_t input_left_shift;
    int32_t diff_min;           /* differences below this contribute 0 */
} elstm_softmax_s8;

ELSTM_API void elstm_softmax_s8_ref(const elstm_softmax_s8 *p, const int8_t *x, int8_t *y);

/* ---- the quantized forecaster -------------------------------------------------------------
 * y = dequantize(dense(lstm(quantize(x_1..x_T)))): the float window of normalized inputs is
 * quantized with the LSTM input's scale and zero point (in_scale, lstm.q.zp_in), the dense
 * layer reads the LSTM's last hidden state, and its output is dequantized (out_scale,
 * dense.zp_out). Arena: the LSTM's state and one quantized row. */
typedef struct elstm_net_s8 {
    elstm_lstm_s8 lstm;
    elstm_fc_s8 dense;          /* n_in = N, zp_in = the LSTM's zp_h */
    float in_scale;
    float out_scale;
} elstm_net_s8;

typedef struct elstm_net_ctx_s8 {
    const elstm_net_s8 *net;
    elstm_lstm_ctx_s8 lstm;
    int8_t *row;                /* [I] one quantized input row */
    int8_t *y;                  /* [O] quantized output */
} elstm_net_ctx_s8;

#define ELSTM_NET_S8_ARENA_BYTES(n_input, n_units, n_output) \
    (ELSTM_LSTM_S8_ARENA_BYTES(n_units) + (size_t)(n_input) + (size_t)(n_output) + 2u * ELSTM_ARENA_ALIGN)

ELSTM_API size_t elstm_net_arena_size_s8(const elstm_net_s8 *n);
ELSTM_API elstm_status elstm_net_init_s8(elstm_net_ctx_s8 *ctx, const elstm_net_s8 *n, void *arena,
                                         size_t arena_bytes);
/* One normalized float row [I] -> the LSTM's input quantization, xq [I]. */
ELSTM_API void elstm_net_quantize_s8(const elstm_net_s8 *n, const float *row, int8_t *xq);
/* Step by step: reset (zero state), one quantized row per step (the fast or the reference
 * LSTM kernel), then the dense layer on the last hidden state -> y [O] real values. */
ELSTM_API void elstm_net_reset_s8(elstm_net_ctx_s8 *ctx);
ELSTM_API void elstm_net_step_s8(elstm_net_ctx_s8 *ctx, const int8_t *xq);
ELSTM_API void elstm_net_step_s8_ref(elstm_net_ctx_s8 *ctx, const int8_t *xq);
ELSTM_API void elstm_net_output_s8(elstm_net_ctx_s8 *ctx, float *y);
/* A whole window of normalized float rows x [steps][I] -> y [O]. */
ELSTM_API void elstm_net_window_s8(elstm_net_ctx_s8 *ctx, const float *x, int32_t steps, float *y);
ELSTM_API void elstm_net_window_s8_ref(elstm_net_ctx_s8 *ctx, const float *x, int32_t steps, float *y);

typedef struct elstm_net_s16 {
    elstm_lstm_s16 lstm;
    elstm_fc_s16 dense;
    float in_scale;
    float out_scale;
} elstm_net_s16;

typedef struct elstm_net_ctx_s16 {
    const elstm_net_s16 *net;
    elstm_lstm_ctx_s16 lstm;
    int16_t *row;
    int16_t *y;
} elstm_net_ctx_s16;

#define ELSTM_NET_S16_ARENA_BYTES(n_input, n_units, n_output) \
    (ELSTM_LSTM_S16_ARENA_BYTES(n_units) + 2u * ((size_t)(n_input) + (size_t)(n_output)) + 2u * ELSTM_ARENA_ALIGN)

ELSTM_API size_t elstm_net_arena_size_s16(const elstm_net_s16 *n);
ELSTM_API elstm_status elstm_net_init_s16(elstm_net_ctx_s16 *ctx, const elstm_net_s16 *n, void *arena,
                                          size_t arena_bytes);
ELSTM_API void elstm_net_quantize_s16(const elstm_net_s16 *n, const float *row, int16_t *xq);
ELSTM_API void elstm_net_reset_s16(elstm_net_ctx_s16 *ctx);
ELSTM_API void elstm_net_step_s16_ref(elstm_net_ctx_s16 *ctx, const int16_t *xq);
ELSTM_API void elstm_net_output_s16(elstm_net_ctx_s16 *ctx, float *y);
ELSTM_API void elstm_net_window_s16_ref(elstm_net_ctx_s16 *ctx, const float *x, int32_t steps, float *y);

#endif /* EDGELSTM_QUANT_H */
