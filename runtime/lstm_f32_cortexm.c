/*
 * lstm_f32_cortexm.c - the fast float32 LSTM step for Cortex-M4F / M7 (FPv4-SP or FPv5).
 *
 * Compiled only with ELSTM_KERNEL_CORTEXM (edgelstm/lstm.h); it then provides what
 * runtime/lstm_f32_opt.c provides elsewhere: elstm_lstm_step_f32_opt, elstm_lstm_step_f32
 * and elstm_lstm_window_f32, with the semantics of the reference (lstm_f32_ref.c).
 *
 * The core has 32 single-precision registers and a fused multiply-add (VFMA), no SIMD
 * for floats, and VLDM, which loads up to 16 consecutive floats in ONE instruction.
 * What costs instructions in a matrix-vector product is therefore the loads, not the
 * arithmetic, and the kernel is built so that every weight is loaded by a VLDM and then
 * feeds exactly one VFMA, and every value of h is loaded once per unit:
 *
 *   1. for each unit u (the four gate rows i, f, c, o of u are computed together):
 *          z_g = b_g[u] + Wx_g[u] . x                          (short: plain C)
 *          for each block of 16 columns k..k+15 of h:
 *              s16-s31 <- h[k..k+15]                           1 VLDM
 *              for g in i, f, c, o:
 *                  s8-s15 <- Wh_g[u][k..k+7];  8 x VFMA z_g    1 VLDM + 8 VFMA
 *                  s8-s15 <- Wh_g[u][k+8..k+15]; 8 x VFMA z_g  1 VLDM + 8 VFMA
 *          (columns beyond a multiple of 16: plain C)
 *   2. for each unit u:  c[u] = f c[u] + i g (clipped);  h[u] = o tanh(c[u])
 *
 * i.e. 64 MACs for 64 VFMA + 9 VLDM + 2 loop instructions (1.17 instructions per MAC
 * in the recurrent product, which is 95% of the seed model's MACs). The four rows
 * Wh_g[u] are read through four pointers that simply run on to the next unit's rows,
 * so the weights stay in TFLite's row-major [N][I] / [N][N] layout: nothing is packed
 * or copied, and flash holds one copy of the weights (the reference kernel and the
 * other kernels read the same arrays). elstm_lstm_f32.packed is not used.
 *
 * Phase 1 keeps the pre-activations in ctx->scratch ([N][4]); phase 2 then updates c and
 * h in place (every unit of phase 1 reads the whole previous h, so h changes only after
 * it; no copy of h). Activations: runtime/act.h (no libm).
 *
 * The inner loop is GCC/Clang inline assembly (Thumb-2 + VFP). ELSTM_CORTEXM_NO_ASM
 * selects the plain C version of the same loop (also used on compilers without GNU
 * inline assembly); tests run both against the reference, on the host (C) and on an
 * emulated Cortex-M4F (C and assembly). Defining ELSTM_CORTEXM_HOST_TEST compiles the C
 * version on any machine as elstm_lstm_step_f32_cortexm (for those tests).
 *
 * C99, no malloc, no stdio; stack: a few scalars (+ the 16 callee-saved FP registers
 * the assembly uses).
 */
#include "edgelstm/lstm.h"

#if defined(ELSTM_KERNEL_CORTEXM) || defined(ELSTM_CORTEXM_HOST_TEST)

#include "act.h"

#if !defined(ELSTM_KERNEL_CORTEXM) || !(defined(__GNUC__) || defined(__clang__))
#undef ELSTM_CORTEXM_NO_ASM
#define ELSTM_CORTEXM_NO_ASM 1
#endif

/* The four gate rows of one unit: their running pointers and pre-activations. */
typedef struct cm_rows {
    const float *w0, *w1, *w2, *w3;
    float z0, z1, z2, z3;
} cm_rows;

/* r.z_g += sum_k r.w_g[k] v[k] for k in [0, n), and the pointers move on by n. */
static inline void dot4_c(cm_rows *r, const float *v, int32_t n)
{
    const float *w0 = r->w0, *w1 = r->w1, *w2 = r->w2, *w3 = r->w3;
    float z0 = r->z0, z1 = r->z1, z2 = r->z2, z3 = r->z3;
    int32_t k;
    for (k = 0; k < n; k++) {
        const float a = v[k];
        z0 += w0[k] * a;
        z1 += w1[k] * a;
        z2 += w2[k] * a;
        z3 += w3[k] * a;
    }
    r->w0 = w0 + n;
    r->w1 = w1 + n;
    r->w2 = w2 + n;
    r->w3 = w3 + n;
    r->z0 = z0;
    r->z1 = z1;
    r->z2 = z2;
    r->z3 = z3;
}

#if !defined(ELSTM_CORTEXM_NO_ASM)
/* The same for n a multiple of 16 (n >= 16), in the loop described at the top. The
 * accumulators and pointers are registers the compiler picks; s8-s31 are named. */
#define ELSTM_CM_ROW8(acc, wp, hr0, hr1, hr2, hr3, hr4, hr5, hr6, hr7) \
    "vldmia %[" wp "]!, {s8-s15}\n\t"                               \
    "vfma.f32 %[" acc "], s8, " hr0 "\n\t"                          \
    "vfma.f32 %[" acc "], s9, " hr1 "\n\t"                          \
    "vfma.f32 %[" acc "], s10, " hr2 "\n\t"                         \
    "vfma.f32 %[" acc "], s11, " hr3 "\n\t"                         \
    "vfma.f32 %[" acc "], s12, " hr4 "\n\t"                         \
    "vfma.f32 %[" acc "], s13, " hr5 "\n\t"                         \
    "vfma.f32 %[" acc "], s14, " hr6 "\n\t"                         \
    "vfma.f32 %[" acc "], s15, " hr7 "\n\t"
#define ELSTM_CM_ROW16(acc, wp)                                                  \
    ELSTM_CM_ROW8(acc, wp, "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23") \
    ELSTM_CM_ROW8(acc, wp, "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31")

static inline void dot4_asm16(cm_rows *r, const float *v, int32_t n)
{
    const float *w0 = r->w0, *w1 = r->w1, *w2 = r->w2, *w3 = r->w3;
    float z0 = r->z0, z1 = r->z1, z2 = r->z2, z3 = r->z3;
    int32_t blocks = n >> 4;
    __asm__ volatile(
        "1:\n\t"
        "vldmia %[v]!, {s16-s31}\n\t"
        ELSTM_CM_ROW16("z0", "w0")
        ELSTM_CM_ROW16("z1", "w1")
        ELSTM_CM_ROW16("z2", "w2")
        ELSTM_CM_ROW16("z3", "w3")
        "subs %[blocks], %[blocks], #1\n\t"
        "bne 1b\n\t"
        : [z0] "+t"(z0), [z1] "+t"(z1), [z2] "+t"(z2), [z3] "+t"(z3), [w0] "+r"(w0),
          [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [v] "+r"(v), [blocks] "+r"(blocks)
        :
        : "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "s16", "s17", "s18", "s19",
          "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31",
          "cc", "memory");
    r->w0 = w0;
    r->w1 = w1;
    r->w2 = w2;
    r->w3 = w3;
    r->z0 = z0;
    r->z1 = z1;
    r->z2 = z2;
    r->z3 = z3;
}
#endif

/* One time step (the kernel). Internal on the device; host tests call it. */
#if defined(ELSTM_KERNEL_CORTEXM)
static void elstm_lstm_step_f32_cortexm(elstm_lstm_ctx_f32 *ctx, const float *x)
#else
ELSTM_API void elstm_lstm_step_f32_cortexm(elstm_lstm_ctx_f32 *ctx, const float *x);
ELSTM_API void elstm_lstm_step_f32_cortexm(elstm_lstm_ctx_f32 *ctx, const float *x)
#endif
{
    const elstm_lstm_f32 *m = ctx->model;
    const int32_t I = m->n_input, N = m->n_units;
    const float *bi = m->b[ELSTM_GATE_I], *bf = m->b[ELSTM_GATE_F];
    const float *bc = m->b[ELSTM_GATE_C], *bo = m->b[ELSTM_GATE_O];
    const float clip = m->cell_clip;
    float *h = ctx->h, *c = ctx->c, *z = ctx->scratch; /* z: [N][4] pre-activations i, f, g, o */
    cm_rows rx, rh; /* the unit's running rows of Wx and Wh */
    int32_t u;
#if !defined(ELSTM_CORTEXM_NO_ASM)
    const int32_t n16 = N & ~(int32_t)15;
#else
    const int32_t n16 = 0;
#endif

    /* 1. the matrix-vector products, unit by unit (h is the previous step's state) */
    rx.w0 = m->wx[ELSTM_GATE_I];
    rx.w1 = m->wx[ELSTM_GATE_F];
    rx.w2 = m->wx[ELSTM_GATE_C];
    rx.w3 = m->wx[ELSTM_GATE_O];
    rh.w0 = m->wh[ELSTM_GATE_I];
    rh.w1 = m->wh[ELSTM_GATE_F];
    rh.w2 = m->wh[ELSTM_GATE_C];
    rh.w3 = m->wh[ELSTM_GATE_O];
    for (u = 0; u < N; u++) {
        rx.z0 = bi ? bi[u] : 0.0f;
        rx.z1 = bf ? bf[u] : 0.0f;
        rx.z2 = bc ? bc[u] : 0.0f;
        rx.z3 = bo ? bo[u] : 0.0f;
        dot4_c(&rx, x, I);
        rh.z0 = rx.z0;
        rh.z1 = rx.z1;
        rh.z2 = rx.z2;
        rh.z3 = rx.z3;
#if !defined(ELSTM_CORTEXM_NO_ASM)
        if (n16) dot4_asm16(&rh, h, n16);
#endif
        if (n16 < N) dot4_c(&rh, h + n16, N - n16);
        z[4 * u + 0] = rh.z0;
        z[4 * u + 1] = rh.z1;
        z[4 * u + 2] = rh.z2;
        z[4 * u + 3] = rh.z3;
    }
    /* 2. gates and state, in place */
    for (u = 0; u < N; u++) {
        const float *zu = z + 4 * u;
        float cu = elstm_act_sigmoid(zu[1]) * c[u] + elstm_act_sigmoid(zu[0]) * elstm_act_tanh(zu[2]);
        if (clip > 0.0f) {
            cu = cu > clip ? clip : cu;
            cu = cu < -clip ? -clip : cu;
        }
        c[u] = cu;
        h[u] = elstm_act_sigmoid(zu[3]) * elstm_act_tanh(cu);
    }
}

#if defined(ELSTM_KERNEL_CORTEXM)
ELSTM_API void elstm_lstm_step_f32_opt(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    elstm_lstm_step_f32_cortexm(ctx, x);
}

ELSTM_API void elstm_lstm_step_f32(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    elstm_lstm_step_f32_opt(ctx, x);
}

ELSTM_API void elstm_lstm_window_f32(elstm_lstm_ctx_f32 *ctx, const float *x, int32_t steps, float *y)
{
    const int32_t I = ctx->model->n_input;
    int32_t t;
    elstm_lstm_reset_f32(ctx);
    for (t = 0; t < steps; t++) elstm_lstm_step_f32_opt(ctx, x + (size_t)t * I);
    if (y && ctx->model->n_output > 0) elstm_dense_f32(ctx, y);
}
#endif

#else
/* Not a Cortex-M4F/M7 build: runtime/lstm_f32_opt.c provides the kernels. ISO C wants a
 * non-empty translation unit. */
typedef int elstm_lstm_opt_cortexm_unused;
#endif
