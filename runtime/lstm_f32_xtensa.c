/*
 * lstm_f32_xtensa.c - the fast float32 LSTM step for the Xtensa cores of the ESP32 and
 * ESP32-S3 (windowed ABI, single-precision FPU, zero-overhead loops).
 *
 * Compiled only with ELSTM_KERNEL_XTENSA (edgelstm/lstm.h); it then provides what
 * runtime/lstm_f32_opt.c provides elsewhere: elstm_lstm_step_f32_opt, elstm_lstm_step_f32 and
 * elstm_lstm_window_f32, with the semantics of the reference (lstm_f32_ref.c).
 *
 * The FPU has 16 registers, a fused multiply-add (madd.s), loads that post-increment their
 * address register (lsip), no division, no SIMD (the ESP32-S3's PIE is not used: the ESP32
 * lacks it), and zero-overhead loops. A matrix-vector product costs at least one load and
 * one madd.s per weight, so the kernel spends as little as possible beyond that:
 *
 *   1. elstm_xt_gates: the pre-activations z_g[u] = Wx_g[u] . x + Wh_g[u] . h of three
 *      units at a time: 12 rows (4 gates x 3 units), 12 accumulators f0-f11, 12 row
 *      pointers a3-a14, one pointer to x or h (a15). Per column:
 *          lsip f12 <- v[k]                          one load of x or h for 12 rows
 *          12 x (lsip w <- row[k]; madd.s acc, w, f12)
 *      in a `loopnez` loop: 25 instructions per 12 MACs (2.08 per MAC). The first column
 *      of x uses mul.s, so no instruction zeroes the accumulators. The rows stay in
 *      TFLite's row-major [N][I] / [N][N] layout (nothing packed or copied; flash holds one
 *      copy of the weights); the last pointer of each gate ends on the next block's first
 *      row and is kept for it. N mod 3 units end with an 8- or 4-row block. z is [N][4].
 *   2. elstm_xt_cells: per unit, the biases, the activations and the state, in place
 *      (every unit of phase 1 read the whole previous h). With E = e^x:
 *          sigmoid(x) = E / (1 + E),  tanh(x) = (E2 - 1) / (E2 + 1), E2 = e^{2x},
 *      so the new cell state needs ONE reciprocal instead of three divisions:
 *          c' = f c + i g = (c E_f D_i D_g + E_i (E_g - 1) D_f) / (D_f D_i D_g),  D = 1 + E
 *          h  = o tanh(c') = E_o (E_c - 1) / (D_o D_c)
 *      Arguments are clamped to [-20, 20] first (sigmoid and tanh are 1 - 2e-9 there; the
 *      products of D stay below 2^87). e^x: n = round(x log2 e) by the 1.5 * 2^23 trick,
 *      r = x - n ln 2 (ln 2 in two parts), e^r = 1 + r + r^2 (c2 + c3 r + c4 r^2 + c5 r^3)
 *      (near-minimax, relative error 1.2e-7, tools/fit_activations.py), 2^n built in the
 *      exponent bits: 18 instructions. 1/d: 0x7EF311C3 - bits(d) (within 5.1%), one
 *      Newton step and one third-order step (error 1.7e-8): 11 instructions. About 170
 *      instructions per unit for all five activations and the update.
 *
 * For the seed's LSTM(128) over 7 inputs that is about 2.4 instructions per MAC on the
 * emulated core (docs/BENCHMARKS.md); ~2.1 of them are the matrix part.
 *
 * Both phases are assembly in a file-scope __asm__ block, written for both GNU as
 * (ESP-IDF's and Arduino-ESP32's toolchains) and LLVM's Xtensa assembler: no literals
 * (constants come in through the argument block), no calls, no large immediates, only
 * instructions every ESP32 and ESP32-S3 has (lsip/lsxp/ssip, madd.s/msub.s, olt.s/movt.s,
 * rfr/wfr, loopnez). The two functions are local symbols of this translation unit, so two
 * generated libraries link into one firmware. They save and restore a0, use the frame for
 * nothing else, and spill nothing: bounded stack, no malloc, no stdio.
 *
 * ELSTM_XTENSA_NO_ASM selects the plain C version of the same two phases (same formulas,
 * same order of the sums; mul and add instead of the fused madd.s), also used on compilers
 * without GNU-style top-level assembly. Defining ELSTM_XTENSA_HOST_TEST compiles the C
 * version on any machine as elstm_lstm_step_f32_xtensa (tests/unit/test_xtensa_kernel.c).
 * Both are tested against the reference kernel on the emulated core (tests/mcu/).
 */
#include "edgelstm/lstm.h"

#if defined(ELSTM_KERNEL_XTENSA) || defined(ELSTM_XTENSA_HOST_TEST)

#include <stddef.h>

#include "act.h" /* the exponential's constants: ELSTM_ACT_ROUNDER, _LOG2E, _LN2_HI, _LN2_LO */

#if !defined(ELSTM_KERNEL_XTENSA) || !(defined(__GNUC__) || defined(__clang__))
#undef ELSTM_XTENSA_NO_ASM
#define ELSTM_XTENSA_NO_ASM 1
#endif

/* Constants of phase 2 beside act.h's (the first eight of elstm_xt_consts live in f8-f15
 * during the unit loop): e^r = 1 + r + r^2 (c2 + c3 r + c4 r^2 + c5 r^3), one degree less
 * than act.h's (tools/fit_activations.py), the clamp, the reciprocal's first guess. */
#define ELSTM_XT_C2      0.499991715f
#define ELSTM_XT_C3      0.166671529f
#define ELSTM_XT_C4      0.0418989323f
#define ELSTM_XT_C5      0.00831157155f
#define ELSTM_XT_LIMIT   20.0f
#define ELSTM_XT_MAGIC   0x7EF311C3u       /* bits(1/d) ~ MAGIC - bits(d) */

typedef struct elstm_xt_consts {
    float rounder, log2e, ln2_hi, ln2_lo, c5, one, limit, neg_limit; /* 0-28: f8-f15 */
    float c2, c3, c4;                                                /* 32-40 */
    float clip, neg_clip;                                            /* 44, 48 */
    uint32_t magic;                                                  /* 52 */
    uint32_t clip_on;                                                /* 56 */
    float zero;                                                      /* 60: a missing bias */
} elstm_xt_consts;

/* What the two phases read; the byte offsets are the assembly's (checked below). */
typedef struct elstm_xt_args {
    /* phase 1 */
    const float *wx[ELSTM_GATES]; /*  0: first row of the next block, per gate (advanced) */
    const float *wh[ELSTM_GATES]; /* 16 */
    const float *x;               /* 32 */
    const float *h;               /* 36: the previous step's h */
    float *z;                     /* 40: next block's [u][4] pre-activations (advanced) */
    int32_t x_cols_m1;            /* 44: I - 1 */
    int32_t h_cols;               /* 48: N */
    int32_t x_stride;             /* 52: 4 I bytes */
    int32_t h_stride;             /* 56: 4 N bytes */
    int32_t blocks;               /* 60: N / 3 blocks of 3 units */
    int32_t tail;                 /* 64: N % 3 units in the last block */
    /* phase 2 */
    const float *z0;              /* 68: z [N][4] */
    float *c;                     /* 72: [N], in place */
    float *h_out;                 /* 76: [N], in place (h) */
    const float *b[ELSTM_GATES];  /* 80: biases (or &k.zero) */
    int32_t b_step[ELSTM_GATES];  /* 96: 4, or 0 for a missing bias */
    int32_t units;                /* 112: N */
    elstm_xt_consts k;            /* 116 */
} elstm_xt_args;

#if defined(ELSTM_KERNEL_XTENSA)
/* The offsets the assembly uses, checked at compile time. */
typedef char elstm_xt_layout_check[offsetof(elstm_xt_args, x) == 32 && offsetof(elstm_xt_args, tail) == 64 &&
                                           offsetof(elstm_xt_args, z0) == 68 && offsetof(elstm_xt_args, b) == 80 &&
                                           offsetof(elstm_xt_args, b_step) == 96 &&
                                           offsetof(elstm_xt_args, units) == 112 && offsetof(elstm_xt_args, k) == 116 &&
                                           offsetof(elstm_xt_consts, c2) == 32 &&
                                           offsetof(elstm_xt_consts, magic) == 52 &&
                                           offsetof(elstm_xt_consts, zero) == 60
                                       ? 1
                                       : -1];
#endif

static void xt_args_init(elstm_xt_args *a, const elstm_lstm_ctx_f32 *ctx)
{
    const elstm_lstm_f32 *m = ctx->model;
    const int32_t I = m->n_input, N = m->n_units;
    elstm_xt_consts *k = &a->k;
    int g;
    k->rounder = ELSTM_ACT_ROUNDER;
    k->log2e = ELSTM_ACT_LOG2E;
    k->ln2_hi = ELSTM_ACT_LN2_HI;
    k->ln2_lo = ELSTM_ACT_LN2_LO;
    k->c5 = ELSTM_XT_C5;
    k->one = 1.0f;
    k->limit = ELSTM_XT_LIMIT;
    k->neg_limit = -ELSTM_XT_LIMIT;
    k->c2 = ELSTM_XT_C2;
    k->c3 = ELSTM_XT_C3;
    k->c4 = ELSTM_XT_C4;
    k->clip = m->cell_clip;
    k->neg_clip = -m->cell_clip;
    k->magic = ELSTM_XT_MAGIC;
    k->clip_on = m->cell_clip > 0.0f;
    k->zero = 0.0f;
    a->x_cols_m1 = I - 1;
    a->h_cols = N;
    a->x_stride = 4 * I;
    a->h_stride = 4 * N;
    a->blocks = N / 3;
    a->tail = N % 3;
    a->z0 = ctx->scratch;
    a->c = ctx->c;
    a->h_out = ctx->h;
    a->h = ctx->h;
    for (g = 0; g < ELSTM_GATES; g++) {
        a->b[g] = m->b[g] ? m->b[g] : &k->zero;
        a->b_step[g] = m->b[g] ? 4 : 0;
    }
    a->units = N;
}

#if defined(ELSTM_XTENSA_NO_ASM)
/* ---- the plain C version ------------------------------------------------------------ */

typedef union elstm_xt_bits {
    float f;
    uint32_t u;
} elstm_xt_bits;

/* z[g] += sum_k r_g[k] v[k] for k in [k0, n), the four rows sharing each load of v. */
static void xt_rows4(const float *r0, const float *r1, const float *r2, const float *r3, const float *v, int32_t k0,
                     int32_t n, float z[4])
{
    float z0 = z[0], z1 = z[1], z2 = z[2], z3 = z[3]; /* in registers, not through z */
    int32_t k;
    for (k = k0; k < n; k++) {
        const float a = v[k];
        z0 += r0[k] * a;
        z1 += r1[k] * a;
        z2 += r2[k] * a;
        z3 += r3[k] * a;
    }
    z[0] = z0;
    z[1] = z1;
    z[2] = z2;
    z[3] = z3;
}

/* Phase 1: z[u][g] = Wx_g[u] . x + Wh_g[u] . h, every row summed in the assembly's order
 * (the first column of x multiplied, not added to a zero). */
static void xt_gates(elstm_xt_args *a, const elstm_lstm_f32 *m)
{
    const int32_t I = m->n_input, N = m->n_units;
    const size_t ui = (size_t)I, un = (size_t)N;
    int32_t u;
    for (u = 0; u < N; u++) {
        const float *x0 = m->wx[0] + u * ui, *x1 = m->wx[1] + u * ui, *x2 = m->wx[2] + u * ui, *x3 = m->wx[3] + u * ui;
        float *z = a->z + 4 * (size_t)u;
        z[0] = x0[0] * a->x[0];
        z[1] = x1[0] * a->x[0];
        z[2] = x2[0] * a->x[0];
        z[3] = x3[0] * a->x[0];
        xt_rows4(x0, x1, x2, x3, a->x, 1, I, z);
        xt_rows4(m->wh[0] + u * un, m->wh[1] + u * un, m->wh[2] + u * un, m->wh[3] + u * un, a->h, 0, N, z);
    }
}

/* The limits are read from k, not written as constants: clang-22 cannot compile a select
 * between two float constants for Xtensa. NaN passes through. */
static float xt_clamp(const elstm_xt_consts *k, float y)
{
    y = y < k->neg_limit ? k->neg_limit : y;
    return k->limit < y ? k->limit : y;
}

static float xt_exp(const elstm_xt_consts *k, float y) /* e^y for |y| <= 20 */
{
    elstm_xt_bits t, s;
    float n, q;
    t.f = k->rounder + y * k->log2e; /* n = round(y log2 e) in the low mantissa bits */
    n = t.f - k->rounder;
    y = y - n * k->ln2_hi;
    y = y - n * k->ln2_lo;
    q = k->c4 + y * k->c5;
    q = k->c3 + y * q;
    q = k->c2 + y * q;
    y = y + (y * y) * q;           /* e^r - 1 */
    s.u = (t.u + 127u) << 23;      /* 2^n: the rounder's exponent bits shift out */
    return s.f + s.f * y;
}

static float xt_recip(const elstm_xt_consts *k, float d) /* 1/d for d >= 1 */
{
    elstm_xt_bits r, b;
    float e;
    b.f = d;
    r.u = k->magic - b.u;
    e = k->one - d * r.f;          /* Newton: error e -> e^2 */
    r.f = r.f + r.f * e;
    e = k->one - d * r.f;          /* third order: e -> e^3 */
    r.f = r.f + r.f * (e + e * e);
    return r.f;
}

/* Phase 2: biases, activations, c and h in place (see the top of the file). */
static void xt_cells(const elstm_xt_args *a)
{
    const elstm_xt_consts *k = &a->k;
    const float *z = a->z0;
    const char *b0 = (const char *)a->b[0], *b1 = (const char *)a->b[1];
    const char *b2 = (const char *)a->b[2], *b3 = (const char *)a->b[3];
    int32_t u;
    for (u = 0; u < a->units; u++, z += 4) {
        const float ei = xt_exp(k, xt_clamp(k, z[0] + *(const float *)b0));
        const float ef = xt_exp(k, xt_clamp(k, z[1] + *(const float *)b1));
        const float xg = z[2] + *(const float *)b2;
        const float eg = xt_exp(k, xt_clamp(k, xg + xg));
        const float di = ei + k->one, df = ef + k->one, dg = eg + k->one;
        const float pa = di * dg, pb = pa * df;
        float cn = a->c[u] * ef * pa + ei * (eg - k->one) * df;
        float eo, ec;
        cn = cn * xt_recip(k, pb);
        if (k->clip_on) {
            cn = k->clip < cn ? k->clip : cn;
            cn = cn < k->neg_clip ? k->neg_clip : cn;
        }
        a->c[u] = cn;
        eo = xt_exp(k, xt_clamp(k, z[3] + *(const float *)b3));
        ec = xt_exp(k, xt_clamp(k, cn + cn));
        a->h_out[u] = eo * (ec - k->one) * xt_recip(k, (eo + k->one) * (ec + k->one));
        b0 += a->b_step[0];
        b1 += a->b_step[1];
        b2 += a->b_step[2];
        b3 += a->b_step[3];
    }
}

#else
/* ---- the assembly ----------------------------------------------------------------------- */

void elstm_xt_gates(elstm_xt_args *a); /* local symbols of the __asm__ block below */
void elstm_xt_cells(const elstm_xt_args *a);

#define ELSTM_XT_I(s) s "\n\t"

/* One column of R = 4 U rows (row r: pointer a(3 + r), accumulator f(r)); v[k] in f12,
 * the weights go through f13-f15 in turn so that a load is not used by the next
 * instruction (a stall on the hardware; the count is the same). */
#define ELSTM_XT_COL4(op)                                                                              \
    ELSTM_XT_I("lsip f12, a15, 4") ELSTM_XT_I("lsip f13, a3, 4") ELSTM_XT_I("lsip f14, a4, 4")         \
    ELSTM_XT_I(op " f0, f13, f12") ELSTM_XT_I("lsip f15, a5, 4") ELSTM_XT_I(op " f1, f14, f12")        \
    ELSTM_XT_I("lsip f13, a6, 4") ELSTM_XT_I(op " f2, f15, f12") ELSTM_XT_I(op " f3, f13, f12")
#define ELSTM_XT_COL8(op)                                                                              \
    ELSTM_XT_I("lsip f12, a15, 4") ELSTM_XT_I("lsip f13, a3, 4") ELSTM_XT_I("lsip f14, a4, 4")         \
    ELSTM_XT_I(op " f0, f13, f12") ELSTM_XT_I("lsip f15, a5, 4") ELSTM_XT_I(op " f1, f14, f12")        \
    ELSTM_XT_I("lsip f13, a6, 4") ELSTM_XT_I(op " f2, f15, f12") ELSTM_XT_I("lsip f14, a7, 4")         \
    ELSTM_XT_I(op " f3, f13, f12") ELSTM_XT_I("lsip f15, a8, 4") ELSTM_XT_I(op " f4, f14, f12")        \
    ELSTM_XT_I("lsip f13, a9, 4") ELSTM_XT_I(op " f5, f15, f12") ELSTM_XT_I("lsip f14, a10, 4")        \
    ELSTM_XT_I(op " f6, f13, f12") ELSTM_XT_I(op " f7, f14, f12")
#define ELSTM_XT_COL12(op)                                                                             \
    ELSTM_XT_I("lsip f12, a15, 4") ELSTM_XT_I("lsip f13, a3, 4") ELSTM_XT_I("lsip f14, a4, 4")         \
    ELSTM_XT_I(op " f0, f13, f12") ELSTM_XT_I("lsip f15, a5, 4") ELSTM_XT_I(op " f1, f14, f12")        \
    ELSTM_XT_I("lsip f13, a6, 4") ELSTM_XT_I(op " f2, f15, f12") ELSTM_XT_I("lsip f14, a7, 4")         \
    ELSTM_XT_I(op " f3, f13, f12") ELSTM_XT_I("lsip f15, a8, 4") ELSTM_XT_I(op " f4, f14, f12")        \
    ELSTM_XT_I("lsip f13, a9, 4") ELSTM_XT_I(op " f5, f15, f12") ELSTM_XT_I("lsip f14, a10, 4")        \
    ELSTM_XT_I(op " f6, f13, f12") ELSTM_XT_I("lsip f15, a11, 4") ELSTM_XT_I(op " f7, f14, f12")       \
    ELSTM_XT_I("lsip f13, a12, 4") ELSTM_XT_I(op " f8, f15, f12") ELSTM_XT_I("lsip f14, a13, 4")       \
    ELSTM_XT_I(op " f9, f13, f12") ELSTM_XT_I("lsip f15, a14, 4") ELSTM_XT_I(op " f10, f14, f12")      \
    ELSTM_XT_I(op " f11, f15, f12")

/* Row pointers of gate g = 0..3 for U units: a(3 + U g + j) = p_g + j stride, p_g from
 * args + off + 4 g, stride in a15. After the columns, the last pointer of each gate points
 * at the next block's first row: stored back. */
#define ELSTM_XT_ROWS1(off)                                                                            \
    ELSTM_XT_I("l32i a3, a2, " #off "+0") ELSTM_XT_I("l32i a4, a2, " #off "+4")                        \
    ELSTM_XT_I("l32i a5, a2, " #off "+8") ELSTM_XT_I("l32i a6, a2, " #off "+12")
#define ELSTM_XT_SAVE1(off)                                                                            \
    ELSTM_XT_I("s32i a3, a2, " #off "+0") ELSTM_XT_I("s32i a4, a2, " #off "+4")                        \
    ELSTM_XT_I("s32i a5, a2, " #off "+8") ELSTM_XT_I("s32i a6, a2, " #off "+12")
#define ELSTM_XT_ROWS2(off)                                                                            \
    ELSTM_XT_I("l32i a3, a2, " #off "+0") ELSTM_XT_I("add a4, a3, a15")                                \
    ELSTM_XT_I("l32i a5, a2, " #off "+4") ELSTM_XT_I("add a6, a5, a15")                                \
    ELSTM_XT_I("l32i a7, a2, " #off "+8") ELSTM_XT_I("add a8, a7, a15")                                \
    ELSTM_XT_I("l32i a9, a2, " #off "+12") ELSTM_XT_I("add a10, a9, a15")
#define ELSTM_XT_SAVE2(off)                                                                            \
    ELSTM_XT_I("s32i a4, a2, " #off "+0") ELSTM_XT_I("s32i a6, a2, " #off "+4")                        \
    ELSTM_XT_I("s32i a8, a2, " #off "+8") ELSTM_XT_I("s32i a10, a2, " #off "+12")
#define ELSTM_XT_ROWS3(off)                                                                            \
    ELSTM_XT_I("l32i a3, a2, " #off "+0") ELSTM_XT_I("add a4, a3, a15") ELSTM_XT_I("add a5, a4, a15")  \
    ELSTM_XT_I("l32i a6, a2, " #off "+4") ELSTM_XT_I("add a7, a6, a15") ELSTM_XT_I("add a8, a7, a15")  \
    ELSTM_XT_I("l32i a9, a2, " #off "+8") ELSTM_XT_I("add a10, a9, a15")                               \
    ELSTM_XT_I("add a11, a10, a15") ELSTM_XT_I("l32i a12, a2, " #off "+12")                            \
    ELSTM_XT_I("add a13, a12, a15") ELSTM_XT_I("add a14, a13, a15")
#define ELSTM_XT_SAVE3(off)                                                                            \
    ELSTM_XT_I("s32i a5, a2, " #off "+0") ELSTM_XT_I("s32i a8, a2, " #off "+4")                        \
    ELSTM_XT_I("s32i a11, a2, " #off "+8") ELSTM_XT_I("s32i a14, a2, " #off "+12")

/* The pre-activations of unit j, gate g (accumulator f(U g + j)) go to z + 16 j + 4 g. */
#define ELSTM_XT_STORE1                                                                                \
    ELSTM_XT_I("ssi f0, a3, 0") ELSTM_XT_I("ssi f1, a3, 4") ELSTM_XT_I("ssi f2, a3, 8")                \
    ELSTM_XT_I("ssi f3, a3, 12") ELSTM_XT_I("addi a3, a3, 16")
#define ELSTM_XT_STORE2                                                                                \
    ELSTM_XT_I("ssi f0, a3, 0") ELSTM_XT_I("ssi f2, a3, 4") ELSTM_XT_I("ssi f4, a3, 8")                \
    ELSTM_XT_I("ssi f6, a3, 12") ELSTM_XT_I("ssi f1, a3, 16") ELSTM_XT_I("ssi f3, a3, 20")             \
    ELSTM_XT_I("ssi f5, a3, 24") ELSTM_XT_I("ssi f7, a3, 28") ELSTM_XT_I("addi a3, a3, 32")
#define ELSTM_XT_STORE3                                                                                \
    ELSTM_XT_I("ssi f0, a3, 0") ELSTM_XT_I("ssi f3, a3, 4") ELSTM_XT_I("ssi f6, a3, 8")                \
    ELSTM_XT_I("ssi f9, a3, 12") ELSTM_XT_I("ssi f1, a3, 16") ELSTM_XT_I("ssi f4, a3, 20")             \
    ELSTM_XT_I("ssi f7, a3, 24") ELSTM_XT_I("ssi f10, a3, 28") ELSTM_XT_I("ssi f2, a3, 32")            \
    ELSTM_XT_I("ssi f5, a3, 36") ELSTM_XT_I("ssi f8, a3, 40") ELSTM_XT_I("ssi f11, a3, 44")            \
    ELSTM_XT_I("addi a3, a3, 48")

/* One block of U units: the x columns (the first with mul.s), the h columns, the stores.
 * a2 = args; a0 = the column count; `n` makes the labels unique. */
#define ELSTM_XT_BLOCK(U, n)                                                                           \
    ELSTM_XT_I("l32i a15, a2, 52") ELSTM_XT_ROWS##U(0) ELSTM_XT_I("l32i a15, a2, 32")                   \
    ELSTM_XT_I("l32i a0, a2, 44") ELSTM_XT_COLS##U("mul.s")                                      \
    ELSTM_XT_I("loopnez a0, .Lelstm_xt_x" #n) ELSTM_XT_COLS##U("madd.s")                          \
    ".Lelstm_xt_x" #n ":\n\t" ELSTM_XT_SAVE##U(0)                                                      \
    ELSTM_XT_I("l32i a15, a2, 56") ELSTM_XT_ROWS##U(16) ELSTM_XT_I("l32i a15, a2, 36")                  \
    ELSTM_XT_I("l32i a0, a2, 48") ELSTM_XT_I("loopnez a0, .Lelstm_xt_h" #n)                            \
    ELSTM_XT_COLS##U("madd.s") ".Lelstm_xt_h" #n ":\n\t" ELSTM_XT_SAVE##U(16)                     \
    ELSTM_XT_I("l32i a3, a2, 40") ELSTM_XT_STORE##U ELSTM_XT_I("s32i a3, a2, 40")
#define ELSTM_XT_COLS1(op) ELSTM_XT_COL4(op)
#define ELSTM_XT_COLS2(op) ELSTM_XT_COL8(op)
#define ELSTM_XT_COLS3(op) ELSTM_XT_COL12(op)

/* Phase 2 pieces: f8 rounder, f9 log2e, f10 ln2_hi, f11 ln2_lo, f12 c5, f13 1, f14 20,
 * f15 -20; a6 = the constants (c4 at 40, c3 at 36, c2 at 32); a15 scratch. */
#define ELSTM_XT_CLAMP(y)                                                                              \
    ELSTM_XT_I("olt.s b0, " y ", f15") ELSTM_XT_I("movt.s " y ", f15, b0")                              \
    ELSTM_XT_I("olt.s b0, f14, " y) ELSTM_XT_I("movt.s " y ", f14, b0")
/* e = e^y (y is overwritten; e, t, q distinct from y and each other) */
#define ELSTM_XT_EXP(y, e, t, q)                                                                       \
    ELSTM_XT_I("lsi " t ", a6, 0") ELSTM_XT_I("madd.s " t ", " y ", f9")                                \
    ELSTM_XT_I("sub.s " e ", " t ", f8") ELSTM_XT_I("rfr a15, " t)                                      \
    ELSTM_XT_I("msub.s " y ", " e ", f10") ELSTM_XT_I("msub.s " y ", " e ", f11")                       \
    ELSTM_XT_I("lsi " q ", a6, 40") ELSTM_XT_I("madd.s " q ", " y ", f12")                              \
    ELSTM_XT_I("lsi " t ", a6, 36") ELSTM_XT_I("madd.s " t ", " y ", " q)                               \
    ELSTM_XT_I("lsi " q ", a6, 32") ELSTM_XT_I("madd.s " q ", " y ", " t)                               \
    ELSTM_XT_I("mul.s " t ", " y ", " y) ELSTM_XT_I("madd.s " y ", " t ", " q)                          \
    ELSTM_XT_I("addi a15, a15, 127") ELSTM_XT_I("slli a15, a15, 23") ELSTM_XT_I("wfr " e ", a15")      \
    ELSTM_XT_I("madd.s " e ", " e ", " y)
/* r = 1/d for d >= 1 (a2 = the magic number; t, u scratch) */
#define ELSTM_XT_RECIP(d, r, t, u)                                                                     \
    ELSTM_XT_I("rfr a15, " d) ELSTM_XT_I("sub a15, a2, a15") ELSTM_XT_I("wfr " r ", a15")               \
    ELSTM_XT_I("mov.s " t ", f13") ELSTM_XT_I("msub.s " t ", " d ", " r)                                \
    ELSTM_XT_I("madd.s " r ", " r ", " t) ELSTM_XT_I("mov.s " t ", f13")                                \
    ELSTM_XT_I("msub.s " t ", " d ", " r) ELSTM_XT_I("mov.s " u ", " t)                                 \
    ELSTM_XT_I("madd.s " u ", " t ", " t) ELSTM_XT_I("madd.s " r ", " r ", " u)
/* y = z (next, a3) + bias (through pointer bp, step bs) */
#define ELSTM_XT_PRE(y, tmp, bp, bs)                                                                   \
    ELSTM_XT_I("lsip " y ", a3, 4") ELSTM_XT_I("lsxp " tmp ", " bp ", " bs)                             \
    ELSTM_XT_I("add.s " y ", " y ", " tmp)

/* The assembly comes in several __asm__ blocks, each under the 4095 characters of a C99
 * string literal (-pedantic) and each appending to the same section: consecutive pieces of
 * one text. */
#define ELSTM_XT_ASM(text) __asm__(".pushsection .text.elstm_xt_kernel, \"ax\"\n\t" text ".popsection\n")

/* void elstm_xt_gates(elstm_xt_args *a): phase 1 */
ELSTM_XT_ASM(
    ".balign 4\n\t"
    ".type elstm_xt_gates, @function\n"
    "elstm_xt_gates:\n\t"
    ELSTM_XT_I("entry a1, 32")
    ELSTM_XT_I("s32i a0, a1, 0")
    ELSTM_XT_I("l32i a0, a2, 60")
    ELSTM_XT_I("s32i a0, a1, 4")
    ELSTM_XT_I("beqz a0, .Lelstm_xt_tail")
    ".Lelstm_xt_block:\n\t"
    ELSTM_XT_BLOCK(3, 3)
    ELSTM_XT_I("l32i a0, a1, 4")
    ELSTM_XT_I("addi a0, a0, -1")
    ELSTM_XT_I("s32i a0, a1, 4")
    ELSTM_XT_I("bnez a0, .Lelstm_xt_block"));
ELSTM_XT_ASM(
    ".Lelstm_xt_tail:\n\t"
    ELSTM_XT_I("l32i a0, a2, 64")
    ELSTM_XT_I("beqz a0, .Lelstm_xt_gates_end")
    ELSTM_XT_I("bnei a0, 1, .Lelstm_xt_two") /* short branches only: llvm-mc does not relax */
    ELSTM_XT_I("j .Lelstm_xt_one")
    ".Lelstm_xt_two:\n\t"
    ELSTM_XT_BLOCK(2, 2)
    ELSTM_XT_I("j .Lelstm_xt_gates_end"));
ELSTM_XT_ASM(
    ".Lelstm_xt_one:\n\t"
    ELSTM_XT_BLOCK(1, 1)
    ".Lelstm_xt_gates_end:\n\t"
    ELSTM_XT_I("l32i a0, a1, 0")
    ELSTM_XT_I("retw")
    ".size elstm_xt_gates, . - elstm_xt_gates\n\t");

/* void elstm_xt_cells(const elstm_xt_args *a): phase 2 */
ELSTM_XT_ASM(
    ".balign 4\n\t"
    ".type elstm_xt_cells, @function\n"
    "elstm_xt_cells:\n\t"
    ELSTM_XT_I("entry a1, 32")
    ELSTM_XT_I("s32i a0, a1, 0")
    ELSTM_XT_I("l32i a3, a2, 68")       /* z */
    ELSTM_XT_I("l32i a4, a2, 72")       /* c */
    ELSTM_XT_I("l32i a5, a2, 76")       /* h */
    ELSTM_XT_I("addi a6, a2, 116")      /* constants */
    ELSTM_XT_I("l32i a7, a2, 80")       /* biases i, f, g, o and their steps */
    ELSTM_XT_I("l32i a8, a2, 84")
    ELSTM_XT_I("l32i a9, a2, 88")
    ELSTM_XT_I("l32i a10, a2, 92")
    ELSTM_XT_I("l32i a11, a2, 96")
    ELSTM_XT_I("l32i a12, a2, 100")
    ELSTM_XT_I("l32i a13, a2, 104")
    ELSTM_XT_I("l32i a14, a2, 108")
    ELSTM_XT_I("l32i a0, a2, 112")      /* units */
    ELSTM_XT_I("l32i a2, a6, 52")       /* the reciprocal's magic number */
    ELSTM_XT_I("lsi f8, a6, 0")
    ELSTM_XT_I("lsi f9, a6, 4")
    ELSTM_XT_I("lsi f10, a6, 8")
    ELSTM_XT_I("lsi f11, a6, 12")
    ELSTM_XT_I("lsi f12, a6, 16")
    ELSTM_XT_I("lsi f13, a6, 20")
    ELSTM_XT_I("lsi f14, a6, 24")
    ELSTM_XT_I("lsi f15, a6, 28")
    ".Lelstm_xt_unit:\n\t"
    /* i: E_i f1, D_i f2 */
    ELSTM_XT_PRE("f0", "f1", "a7", "a11") ELSTM_XT_CLAMP("f0") ELSTM_XT_EXP("f0", "f1", "f2", "f3")
    ELSTM_XT_I("add.s f2, f1, f13")
    /* f: E_f f4, D_f f5 */
    ELSTM_XT_PRE("f3", "f4", "a8", "a12") ELSTM_XT_CLAMP("f3") ELSTM_XT_EXP("f3", "f4", "f5", "f6")
    ELSTM_XT_I("add.s f5, f4, f13"));
ELSTM_XT_ASM(
    /* g = tanh: E_g = e^{2x} f3 */
    ELSTM_XT_PRE("f0", "f3", "a9", "a13") ELSTM_XT_I("add.s f0, f0, f0") ELSTM_XT_CLAMP("f0")
    ELSTM_XT_EXP("f0", "f3", "f6", "f7")
    ELSTM_XT_I("add.s f6, f3, f13")     /* D_g */
    ELSTM_XT_I("mul.s f2, f2, f6")      /* A = D_i D_g */
    ELSTM_XT_I("sub.s f3, f3, f13")     /* E_g - 1 */
    ELSTM_XT_I("mul.s f1, f1, f3")      /* E_i (E_g - 1) */
    ELSTM_XT_I("mul.s f6, f2, f5")      /* B = A D_f */
    ELSTM_XT_I("lsi f0, a4, 0")         /* c */
    ELSTM_XT_I("mul.s f4, f4, f0")
    ELSTM_XT_I("mul.s f4, f4, f2")      /* c E_f A */
    ELSTM_XT_I("madd.s f4, f1, f5")     /* + E_i (E_g - 1) D_f */
    ELSTM_XT_RECIP("f6", "f7", "f0", "f1")
    ELSTM_XT_I("mul.s f4, f4, f7")      /* c' */
    ELSTM_XT_I("l32i a15, a6, 56")      /* cell clipping */
    ELSTM_XT_I("beqz a15, 1f")
    ELSTM_XT_I("lsi f0, a6, 44")
    ELSTM_XT_I("lsi f1, a6, 48")
    ELSTM_XT_I("olt.s b0, f0, f4")
    ELSTM_XT_I("movt.s f4, f0, b0")
    ELSTM_XT_I("olt.s b0, f4, f1")
    ELSTM_XT_I("movt.s f4, f1, b0")
    "1:\n\t"
    ELSTM_XT_I("ssip f4, a4, 4"));
ELSTM_XT_ASM(
    /* o: E_o f1, D_o f2 */
    ELSTM_XT_PRE("f0", "f1", "a10", "a14") ELSTM_XT_CLAMP("f0") ELSTM_XT_EXP("f0", "f1", "f2", "f3")
    ELSTM_XT_I("add.s f2, f1, f13")
    /* h = E_o (E_c - 1) / (D_o D_c), E_c = e^{2c'} */
    ELSTM_XT_I("add.s f0, f4, f4") ELSTM_XT_CLAMP("f0") ELSTM_XT_EXP("f0", "f3", "f5", "f6")
    ELSTM_XT_I("add.s f5, f3, f13")     /* D_c */
    ELSTM_XT_I("mul.s f2, f2, f5")      /* D_o D_c */
    ELSTM_XT_I("sub.s f3, f3, f13")
    ELSTM_XT_I("mul.s f1, f1, f3")      /* E_o (E_c - 1) */
    ELSTM_XT_RECIP("f2", "f7", "f0", "f5")
    ELSTM_XT_I("mul.s f1, f1, f7")
    ELSTM_XT_I("ssip f1, a5, 4")
    ELSTM_XT_I("addi a0, a0, -1")
    ELSTM_XT_I("bnez a0, .Lelstm_xt_unit")
    ELSTM_XT_I("l32i a0, a1, 0")
    ELSTM_XT_I("retw")
    ".size elstm_xt_cells, . - elstm_xt_cells\n\t");

static void xt_gates(elstm_xt_args *a, const elstm_lstm_f32 *m)
{
    (void)m;
    elstm_xt_gates(a);
}

static void xt_cells(const elstm_xt_args *a)
{
    elstm_xt_cells(a);
}
#endif /* ELSTM_XTENSA_NO_ASM */

/* One time step with the argument block a (prepared by xt_args_init for ctx). */
static void xt_step(elstm_xt_args *a, const elstm_lstm_ctx_f32 *ctx, const float *x)
{
    const elstm_lstm_f32 *m = ctx->model;
    int g;
    for (g = 0; g < ELSTM_GATES; g++) {
        a->wx[g] = m->wx[g];
        a->wh[g] = m->wh[g];
    }
    a->x = x;
    a->z = ctx->scratch;
    xt_gates(a, m);
    xt_cells(a);
}

/* One time step (the kernel). Internal on the device; host tests call it. */
#if defined(ELSTM_KERNEL_XTENSA)
static void elstm_lstm_step_f32_xtensa(elstm_lstm_ctx_f32 *ctx, const float *x)
#else
ELSTM_API void elstm_lstm_step_f32_xtensa(elstm_lstm_ctx_f32 *ctx, const float *x);
ELSTM_API void elstm_lstm_step_f32_xtensa(elstm_lstm_ctx_f32 *ctx, const float *x)
#endif
{
    elstm_xt_args a;
    xt_args_init(&a, ctx);
    xt_step(&a, ctx, x);
}

#if defined(ELSTM_KERNEL_XTENSA)
ELSTM_API void elstm_lstm_step_f32_opt(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    elstm_lstm_step_f32_xtensa(ctx, x);
}

ELSTM_API void elstm_lstm_step_f32(elstm_lstm_ctx_f32 *ctx, const float *x)
{
    elstm_lstm_step_f32_opt(ctx, x);
}

ELSTM_API void elstm_lstm_window_f32(elstm_lstm_ctx_f32 *ctx, const float *x, int32_t steps, float *y)
{
    const int32_t I = ctx->model->n_input;
    elstm_xt_args a;
    int32_t t;
    elstm_lstm_reset_f32(ctx);
    xt_args_init(&a, ctx);
    for (t = 0; t < steps; t++) xt_step(&a, ctx, x + (size_t)t * I);
    if (y && ctx->model->n_output > 0) elstm_dense_f32(ctx, y);
}
#endif

#else
/* Not an Xtensa build: runtime/lstm_f32_opt.c provides the kernels. ISO C wants a non-empty
 * translation unit. */
typedef int elstm_lstm_f32_xtensa_unused;
#endif
