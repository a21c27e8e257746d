/*
 * lstm_s8_xtensa.c - the int8 LSTM step for the Xtensa cores of the ESP32 and ESP32-S3,
 * bit for bit the reference (lstm_s8_ref.c); chosen at build time (ELSTM_S8_KERNEL_XTENSA in
 * edgelstm/quant.h), this file is empty elsewhere.
 *
 * The products use the MAC16 option (every ESP32 and ESP32-S3 has it): a 40-bit accumulator
 * ACC, four 32-bit registers m0-m3 whose halves are signed 16-bit operands, and
 *   mula.dd.ll.ldinc mw, as, mx, my     ACC += mx.lo * my.lo;  mw = *(as += 4)
 *   mula.dd.hh.ldinc mw, as, mx, my     ACC += mx.hi * my.hi;  mw = *(as += 4)
 * one multiply-accumulate AND one 32-bit load per instruction. So the weights are widened to
 * int16 at deploy time (elstm_lstm_pack_s8_xtensa, runtime/host/lstm_s8_pack.c, into the
 * generated library): two weights per word, which doubles their flash (142 KB instead of
 * 71 KB for the seed's LSTM(128) over 7 inputs; ESP32 boards have 4-16 MB of flash). Kept
 * as int8 they would need byte extraction before every multiply. The activations are
 * widened once per step to int16 with their zero points subtracted (x - zp_in, h - zp_h),
 * so every sum is the reference's exactly (|sum| < 2^30, no rounding).
 *
 * Layout (words of two little-endian int16): for each unit n, for each gate g (i, f, c, o):
 * Wx_g[n][0..I4) then Wh_g[n][0..N4), I4 and N4 the counts rounded up to a multiple of 4
 * (zero padding), then one zero word after the last unit. The activations sit the same way,
 * v = [x - zp_in (I4)][h - zp_h (N4)]. The loop body, 4 MACs in 4 instructions, keeps two
 * word pairs in flight (m0/m2, then m1/m3):
 *     mula.dd.ll.ldinc m1, w, m0, m2      mula.dd.hh.ldinc m3, v, m0, m2
 *     mula.dd.ll.ldinc m0, w, m1, m3      mula.dd.hh.ldinc m2, v, m1, m3
 * in a zero-overhead `loopnez`, once over x (then ACC is read: the input part) and once over
 * h (ACC again: input + recurrent part). The last loads of a row fetch the next row's first
 * weights, so rows follow each other without reloading; about 10 instructions per gate row
 * beyond its MACs.
 *
 * The requantization is exact with 32-bit multiplies (the ESP32 has no 64-bit multiply, and
 * QEMU's core lacks mulsh): for |x| < 2^30 and m = m1 2^16 + m0 (m0 in [-2^15, 2^15)),
 * x = xh 2^16 + xl (xl in [-2^15, 2^15)),
 *     round(x m / 2^31) = 2 xh m1 + ((xl m1 + xh m0 + (xl m0 >> 16) + 2^14) >> 15)
 * (every partial product and the sum stay below 2^31; the low 16 bits of xl m0 cannot carry
 * past a multiple of 2^16), then the rounding shift by e = -shift,
 *     (y + 2^(e-1) - (y < 0)) >> e        (y unchanged for e = 0)
 * (ties away from zero, as TFLite's RoundingDivideByPOT). Every value requantized is below
 * 2^30: the gate sums by the packing's checks (|b| + 32640 max(I4, N4) < 2^30), the cell
 * products as products of two int16 of which one is a gate in [0, 32767] or [-32768, 32767].
 * Multipliers with a left shift or a right shift above 30 (no trained model has them) run
 * the reference step, as does a model packed for another kernel or none.
 *
 * Order: per block of 8 units, first the products of the block (the assembly, one call per
 * unit: all four gate rows), then each gate's requantization and activation over the block
 * (qmath.h's tables; the gate's multipliers stay at hand), then the cells and hidden values.
 * The new h goes straight into the state: the products read the widened copy v. On the
 * seed's shape that is about 2.2 instructions per MAC on the emulated core, 1.12 of them the
 * products (docs/BENCHMARKS.md); the rest is the per-unit work in C (11 requantizations of
 * about 20 instructions, 5 table activations).
 *
 * ELSTM_XTENSA_NO_ASM selects the plain C version of the products (the same sums from the
 * same layout); defining ELSTM_S8_XTENSA_HOST_TEST compiles it on any machine as
 * elstm_lstm_step_s8_xtensa (tests/unit/test_lstm_s8_xtensa.c). Both versions run against the
 * reference on the emulated core (tests/mcu/kernel_s8_xt_test.c). Function names are
 * local (the generated library compiles every runtime file in one translation unit).
 */
#include <string.h>

#include "edgelstm/quant.h"
#include "qmath.h"

#if defined(ELSTM_S8_KERNEL_XTENSA) || defined(ELSTM_S8_XTENSA_HOST_TEST)

#if !defined(ELSTM_S8_KERNEL_XTENSA) || !(defined(__GNUC__) || defined(__clang__))
#undef ELSTM_XTENSA_NO_ASM
#define ELSTM_XTENSA_NO_ASM 1
#endif

#if defined(ELSTM_S8_KERNEL_XTENSA)
#define ELSTM_S8_XT_STEP elstm_lstm_step_s8
#else
#define ELSTM_S8_XT_STEP elstm_lstm_step_s8_xtensa
void elstm_lstm_step_s8_xtensa(elstm_lstm_ctx_s8 *ctx, const int8_t *x);
#endif

/* What the product loop of one unit reads (offsets fixed: the assembly uses them). */
typedef struct elstm_xt_s8_args {
    const uint32_t *w;   /*  0: the unit's first weight word minus one word; advanced */
    const uint32_t *v;   /*  4: the activations minus one word */
    int32_t nx, nh;      /*  8, 12: I4 / 4, N4 / 4 (iterations of 4 columns) */
    int32_t *s;          /* 16: out: per gate the input sum, then the whole sum */
} elstm_xt_s8_args;

#if defined(ELSTM_XTENSA_NO_ASM)
/* The plain C version: the same sums from the same words. */
static int32_t xs8_dot(const uint32_t *w, const uint32_t *v, int32_t words)
{
    int32_t k, s = 0;
    for (k = 0; k < words; k++) {
        s += (int32_t)(int16_t)(w[k] & 0xFFFFu) * (int16_t)(v[k] & 0xFFFFu);
        s += (int32_t)(int16_t)(w[k] >> 16) * (int16_t)(v[k] >> 16);
    }
    return s;
}

static void elstm_xt_s8_unit(elstm_xt_s8_args *a)
{
    const uint32_t *w = a->w + 1, *v = a->v + 1;
    int32_t g;
    for (g = 0; g < ELSTM_GATES; g++) {
        const int32_t sx = xs8_dot(w, v, 2 * a->nx);
        w += 2 * a->nx;
        a->s[2 * g] = sx;
        a->s[2 * g + 1] = sx + xs8_dot(w, v + 2 * a->nx, 2 * a->nh);
        w += 2 * a->nh;
    }
    a->w = w - 1;
}
#else
void elstm_xt_s8_unit(elstm_xt_s8_args *a); /* a local symbol of the __asm__ block below */

#define ELSTM_XT_S8_I(s) s "\n\t"
#define ELSTM_XT_S8_BODY                                                                               \
    ELSTM_XT_S8_I("mula.dd.ll.ldinc m1, a3, m0, m2") ELSTM_XT_S8_I("mula.dd.hh.ldinc m3, a4, m0, m2")   \
    ELSTM_XT_S8_I("mula.dd.ll.ldinc m0, a3, m1, m3") ELSTM_XT_S8_I("mula.dd.hh.ldinc m2, a4, m1, m3")

/* a2 = args; a3 = weights, a4 = activations, a5 = nx, a6 = nh, a7 = out, a8 = gates left,
 * a9 = 0, a10 = the input sum, a11 = the whole sum */
__asm__(".pushsection .text.elstm_xt_s8_kernel, \"ax\"\n\t"
        ".balign 4\n\t"
        ".type elstm_xt_s8_unit, @function\n"
        "elstm_xt_s8_unit:\n\t"
        ELSTM_XT_S8_I("entry a1, 32")
        ELSTM_XT_S8_I("l32i a3, a2, 0")
        ELSTM_XT_S8_I("l32i a5, a2, 8")
        ELSTM_XT_S8_I("l32i a6, a2, 12")
        ELSTM_XT_S8_I("l32i a7, a2, 16")
        ELSTM_XT_S8_I("movi a8, 4")
        ELSTM_XT_S8_I("movi a9, 0")
        ELSTM_XT_S8_I("ldinc m0, a3")
        ".Lelstm_xt_s8_gate:\n\t"
        ELSTM_XT_S8_I("l32i a4, a2, 4")
        ELSTM_XT_S8_I("ldinc m2, a4")
        ELSTM_XT_S8_I("mul.aa.ll a9, a9")
        ELSTM_XT_S8_I("loopnez a5, .Lelstm_xt_s8_x")
        ELSTM_XT_S8_BODY
        ".Lelstm_xt_s8_x:\n\t"
        ELSTM_XT_S8_I("rsr a10, acclo")
        ELSTM_XT_S8_I("loopnez a6, .Lelstm_xt_s8_h")
        ELSTM_XT_S8_BODY
        ".Lelstm_xt_s8_h:\n\t"
        ELSTM_XT_S8_I("rsr a11, acclo")
        ELSTM_XT_S8_I("s32i a10, a7, 0")
        ELSTM_XT_S8_I("s32i a11, a7, 4")
        ELSTM_XT_S8_I("addi a7, a7, 8")
        ELSTM_XT_S8_I("addi a8, a8, -1")
        ELSTM_XT_S8_I("bnez a8, .Lelstm_xt_s8_gate")
        ELSTM_XT_S8_I("addi a3, a3, -4")
        ELSTM_XT_S8_I("s32i a3, a2, 0")
        ELSTM_XT_S8_I("retw")
        ".size elstm_xt_s8_unit, . - elstm_xt_s8_unit\n\t"
        ".popsection\n");
#endif

/* A multiplier in the form the requantization uses (see the top of the file). */
typedef struct xs8_mult {
    int32_t m1, m0, half, neg, e;   /* half = 2^(e-1), neg = -1 (0 for e = 0) */
} xs8_mult;

static int xs8_mult_of(elstm_qmult q, xs8_mult *k)
{
    const uint32_t m = (uint32_t)q.m;
    if (q.shift > 0 || q.shift < -30) return 0;
    k->m1 = (int32_t)((m + 0x8000u) >> 16);
    k->m0 = (int32_t)(m - ((uint32_t)k->m1 << 16));
    k->e = -q.shift;
    k->half = k->e ? (int32_t)(1u << (k->e - 1)) : 0;
    k->neg = k->e ? -1 : 0;
    return 1;
}

/* q_mul(x, q) of qmath.h for |x| < 2^30 */
static inline int32_t xs8_mul(int32_t x, const xs8_mult *k)
{
    const int32_t xl = (int16_t)(x & 0xFFFF), xh = (x - xl) >> 16;
    const int32_t mid = xl * k->m1 + xh * k->m0 + ((xl * k->m0) >> 16) + (1 << 14);
    const int32_t y = 2 * (xh * k->m1) + (mid >> 15);
    return (y + k->half + ((y >> 31) & k->neg)) >> k->e;
}

/* q_sat16 in one instruction (CLAMPS, which every ESP32 and ESP32-S3 has) */
#if defined(ELSTM_XTENSA_NO_ASM)
#define xs8_sat16(x) q_sat16(x)
#else
static inline int32_t xs8_sat16(int32_t x)
{
    int32_t r;
    __asm__("clamps %0, %1, 15" : "=r"(r) : "r"(x));
    return r;
}
#endif

/* Whether this kernel runs a model: its layout is there and every multiplier fits. */
static int xs8_mults(const elstm_lstm_qparams *q, xs8_mult mx[4], xs8_mult mh[4], xs8_mult cell[3])
{
    int g, ok = 1;
    for (g = 0; g < ELSTM_GATES; g++) ok &= xs8_mult_of(q->mx[g], &mx[g]) & xs8_mult_of(q->mh[g], &mh[g]);
    return ok & xs8_mult_of(q->m_fc, &cell[0]) & xs8_mult_of(q->m_ig, &cell[1]) & xs8_mult_of(q->m_h, &cell[2]);
}

/* v[k] = a[k] - zp for k < n, 0 up to n4 */
static void xs8_widen(const int8_t *a, int32_t n, int32_t n4, int32_t zp, int16_t *v)
{
    int32_t k;
    for (k = 0; k < n; k++) v[k] = (int16_t)(a[k] - zp);
    for (; k < n4; k++) v[k] = 0;
}

/* Units per block: the products of a block's units first (the assembly), then each gate's
 * requantization and activation over the block with that gate's multipliers at hand. */
#define XS8_BLOCK 8

/* gate values of one gate over U units of a block: sums s[u][2 gate], s[u][2 gate + 1] */
static inline void xs8_gates(const int32_t (*s)[8], int32_t U, int g, const int32_t *b, xs8_mult kx, xs8_mult kh,
                            int16_t *out)
{
    int32_t u;
    for (u = 0; u < U; u++) {
        const int32_t sx = s[u][2 * g], ax = sx + (b ? b[u] : 0), ah = s[u][2 * g + 1] - sx;
        const int16_t z = xs8_sat16((int32_t)xs8_sat16(xs8_mul(ax, &kx)) + xs8_sat16(xs8_mul(ah, &kh)));
        out[u] = g == ELSTM_GATE_C ? q_tanh(z, -12) : q_sigmoid(z);
    }
}

void ELSTM_S8_XT_STEP(elstm_lstm_ctx_s8 *ctx, const int8_t *x)
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input, I4 = (I + 3) & ~3, N4 = (N + 3) & ~3;
    int16_t *v = ctx->scratch; /* [I4 + N4], then one word the loop reads past the end */
    xs8_mult mx[4], mh[4], cell[3];
    int32_t s[XS8_BLOCK][8], n0, u;
    int16_t gate[4][XS8_BLOCK];
    elstm_xt_s8_args a;
    if (!m->packed || 2 * (I4 + N4) + 4 > 10 * N || !xs8_mults(q, mx, mh, cell)) {
        elstm_lstm_step_s8_ref(ctx, x);
        return;
    }
    xs8_widen(x, I, I4, q->zp_in, v);
    xs8_widen(ctx->h, N, N4, q->zp_h, v + I4);
    a.w = (const uint32_t *)m->packed - 1;
    a.v = (const uint32_t *)(const void *)v - 1;
    a.nx = I4 / 4;
    a.nh = N4 / 4;
    /* the gates read v (the previous h): the new h goes straight into ctx->h */
    for (n0 = 0; n0 < N; n0 += XS8_BLOCK) {
        const int32_t U = N - n0 < XS8_BLOCK ? N - n0 : XS8_BLOCK;
        int16_t *c = ctx->c + n0;
        int8_t *h = ctx->h + n0;
        for (u = 0; u < U; u++) {
            a.s = s[u];
            elstm_xt_s8_unit(&a);
        }
        xs8_gates((const int32_t(*)[8])s, U, ELSTM_GATE_I, m->b[0] ? m->b[0] + n0 : NULL, mx[0], mh[0], gate[0]);
        xs8_gates((const int32_t(*)[8])s, U, ELSTM_GATE_F, m->b[1] ? m->b[1] + n0 : NULL, mx[1], mh[1], gate[1]);
        xs8_gates((const int32_t(*)[8])s, U, ELSTM_GATE_C, m->b[2] ? m->b[2] + n0 : NULL, mx[2], mh[2], gate[2]);
        xs8_gates((const int32_t(*)[8])s, U, ELSTM_GATE_O, m->b[3] ? m->b[3] + n0 : NULL, mx[3], mh[3], gate[3]);
        for (u = 0; u < U; u++) {
            int32_t cn = xs8_sat16(xs8_sat16(xs8_mul((int32_t)gate[ELSTM_GATE_F][u] * c[u], &cell[0])) +
                                 xs8_sat16(xs8_mul((int32_t)gate[ELSTM_GATE_I][u] * gate[ELSTM_GATE_C][u], &cell[1])));
            if (q->cell_clip >= 0) cn = q_clamp(cn, -q->cell_clip, q->cell_clip);
            c[u] = (int16_t)cn;
            h[u] = (int8_t)q_clamp(q->zp_h + xs8_mul((int32_t)q_tanh((int16_t)cn, q->cell_pow) * gate[ELSTM_GATE_O][u], &cell[2]),
                                   -128, 127);
        }
    }
    ctx->steps++;
}

#endif /* ELSTM_S8_KERNEL_XTENSA || ELSTM_S8_XTENSA_HOST_TEST */
