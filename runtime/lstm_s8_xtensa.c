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
 * (ties away from zero, as TFLite's RoundingDivideByPOT). Both roundings fold into the middle
 * sum's constant (2^14 + 2^(e-1) 2^15, and -2^15 when x < 0: x < 0 and y < 0 differ only when
 * y = 0, which rounds to 0 either way) when e <= 13, as for the gates of every trained model
 * (larger e: 2^(e-1) is added to y). The cell's multipliers m_fc and m_ig are 2^30 in every
 * model TFLite makes (its cell scale is a power of two); then the doubling high multiply is
 * (x + 1) >> 1 and the whole requantization one shift, (x + 1 + 2^e - 2 (x < 0)) >> (e + 1).
 * Every value requantized is below 2^30: the gate sums by the packing's checks
 * (|b| + 32640 max(I4, N4) < 2^30), the cell products as products of two int16 of which one
 * is a gate in [0, 32767] or [-32768, 32767]. Multipliers with a left shift or a right shift
 * above 30, or gate multipliers with one above 13 (no trained model has them) run the
 * reference step, as does a model packed for another kernel or none. The activations are
 * qmath.h's tables without branches (the sigmoid's index never reaches the table's end; tanh
 * clamps its argument where q_tanh saturates).
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

/* What the gate pass of one gate over a block reads (offsets fixed: the assembly uses them). */
typedef struct elstm_xt_s8_gate_args {
    const int32_t *s;         /*  0: &sums[0][2 gate]: the input sum, then the whole sum; 32 bytes per unit */
    const int32_t *b;         /*  4: the block's biases (zeros for a model without) */
    int16_t *out;             /*  8: the gate values */
    int32_t U;                /* 12: units (>= 1) */
    const void *kx, *kh;      /* 16, 20: xs8_mult (m1 0, m0 4, k 8, e 20), 1 <= e <= 13 */
    int32_t *t;               /* 24: [U] scratch: the saturated input parts */
    int32_t tanh;             /* 28: 1 for the cell gate (tanh), 0 for sigmoid */
    const uint16_t *table;    /* 32: elstm_q_sigmoid_table */
} elstm_xt_s8_gate_args;

void elstm_xt_s8_gate(const elstm_xt_s8_gate_args *a); /* a local symbol of the __asm__ block below */

/* xs8_mul13 of X into T (see below): M1, M0, K in a7, a8, a9, SAR = e, 1 <= e <= 13; XL, XH, T,
 * U scratch; x < 0 takes 2^15 off the middle sum (addmi, movltz) */
#define ELSTM_XT_S8_RQ(X, XL, XH, T, U)                                                                      \
    ELSTM_XT_S8_I("sext " XL ", " X ", 15") ELSTM_XT_S8_I("sub " XH ", " X ", " XL)                          \
    ELSTM_XT_S8_I("srai " XH ", " XH ", 16") ELSTM_XT_S8_I("mull " T ", " XL ", a8")                         \
    ELSTM_XT_S8_I("srai " T ", " T ", 16") ELSTM_XT_S8_I("mull " U ", " XL ", a7")                           \
    ELSTM_XT_S8_I("add " T ", " T ", " U) ELSTM_XT_S8_I("mull " U ", " XH ", a8")                            \
    ELSTM_XT_S8_I("add " T ", " T ", " U) ELSTM_XT_S8_I("add " T ", " T ", a9")                              \
    ELSTM_XT_S8_I("addmi " U ", " T ", -32768") ELSTM_XT_S8_I("movltz " T ", " U ", " X)                     \
    ELSTM_XT_S8_I("srai " T ", " T ", 15") ELSTM_XT_S8_I("mull " U ", " XH ", a7")                           \
    ELSTM_XT_S8_I("addx2 " T ", " U ", " T) ELSTM_XT_S8_I("sra " T ", " T)                                   \
    ELSTM_XT_S8_I("clamps " T ", " T ", 15")

/* the multiplier at a6 into a7, a8, a9 and SAR */
#define ELSTM_XT_S8_MULT                                                                                     \
    ELSTM_XT_S8_I("l32i a7, a6, 0") ELSTM_XT_S8_I("l32i a8, a6, 4") ELSTM_XT_S8_I("l32i a9, a6, 8")          \
    ELSTM_XT_S8_I("l32i a6, a6, 20") ELSTM_XT_S8_I("ssr a6")

/* the second pass's start of a unit: z = sat16(t + sat16(requantized whole - input sum)) in a13 */
#define ELSTM_XT_S8_Z                                                                                        \
    ELSTM_XT_S8_I("l32i a10, a3, 0") ELSTM_XT_S8_I("l32i a11, a3, 4") ELSTM_XT_S8_I("addi a3, a3, 32")       \
    ELSTM_XT_S8_I("sub a10, a11, a10") ELSTM_XT_S8_RQ("a10", "a11", "a12", "a13", "a14")                     \
    ELSTM_XT_S8_I("l32i a11, a5, 0") ELSTM_XT_S8_I("addi a5, a5, 4") ELSTM_XT_S8_I("add a13, a13, a11")      \
    ELSTM_XT_S8_I("clamps a13, a13, 15") ELSTM_XT_S8_I("addx2 a13, a13, a13")

/* pass 1 (a3 sums, a4 biases, a5 scratch): t = sat16(requantized input sum + bias); pass 2 (a3
 * sums, a4 out, a5 scratch, a6 the table, a2 a constant): the gate value, v = 3 z in a13, a = |v|
 *   sigmoid: r = (T[a >> 9] << 9) + (a & 511) (T[a >> 9 + 1] - T[a >> 9]);
 *            (v >= 0 ? r + 512 : 2^25 + 511 - r) >> 10       (a >> 9 <= 192: no saturation)
 *   tanh:    a = min(a, 65279); r = (T[a >> 8] << 8) + (a & 255) (T[a >> 8 + 1] - T[a >> 8]);
 *            p = r + 128 - 2^23; (v >= 0 ? p : 255 - p) >> 8   (= q_tanh(z, -12)) */
__asm__(".pushsection .text.elstm_xt_s8_gate, \"ax\"\n\t"
        ".balign 4\n\t"
        ".type elstm_xt_s8_gate, @function\n"
        "elstm_xt_s8_gate:\n\t"
        ELSTM_XT_S8_I("entry a1, 32")
        ELSTM_XT_S8_I("l32i a3, a2, 0")
        ELSTM_XT_S8_I("l32i a4, a2, 4")
        ELSTM_XT_S8_I("l32i a5, a2, 24")
        ELSTM_XT_S8_I("l32i a6, a2, 16")
        ELSTM_XT_S8_MULT
        ELSTM_XT_S8_I("l32i a15, a2, 12")
        ELSTM_XT_S8_I("loopnez a15, .Lelstm_xt_s8_g1")
        ELSTM_XT_S8_I("l32i a10, a3, 0")
        ELSTM_XT_S8_I("l32i a11, a4, 0")
        ELSTM_XT_S8_I("addi a3, a3, 32")
        ELSTM_XT_S8_I("addi a4, a4, 4")
        ELSTM_XT_S8_I("add a10, a10, a11")
        ELSTM_XT_S8_RQ("a10", "a11", "a12", "a13", "a14")
        ELSTM_XT_S8_I("s32i a13, a5, 0")
        ELSTM_XT_S8_I("addi a5, a5, 4")
        ".Lelstm_xt_s8_g1:\n\t"
        ELSTM_XT_S8_I("l32i a3, a2, 0")
        ELSTM_XT_S8_I("l32i a4, a2, 8")
        ELSTM_XT_S8_I("l32i a5, a2, 24")
        ELSTM_XT_S8_I("l32i a6, a2, 20")
        ELSTM_XT_S8_MULT
        ELSTM_XT_S8_I("l32i a6, a2, 32")
        ELSTM_XT_S8_I("l32i a12, a2, 28")
        ELSTM_XT_S8_I("bnez a12, .Lelstm_xt_s8_g3")
        ELSTM_XT_S8_I("movi a2, 511")
        ELSTM_XT_S8_I("movi a12, 1")
        ELSTM_XT_S8_I("slli a12, a12, 25")
        ELSTM_XT_S8_I("add a2, a2, a12")
        ELSTM_XT_S8_I("loopnez a15, .Lelstm_xt_s8_g2")
        ELSTM_XT_S8_Z
        ELSTM_XT_S8_I("abs a10, a13")
        ELSTM_XT_S8_I("srli a11, a10, 9")
        ELSTM_XT_S8_I("addx2 a11, a11, a6")
        ELSTM_XT_S8_I("l16ui a12, a11, 0")
        ELSTM_XT_S8_I("l16ui a11, a11, 2")
        ELSTM_XT_S8_I("sub a11, a11, a12")
        ELSTM_XT_S8_I("extui a10, a10, 0, 9")
        ELSTM_XT_S8_I("mull a11, a11, a10")
        ELSTM_XT_S8_I("slli a12, a12, 9")
        ELSTM_XT_S8_I("add a11, a11, a12")
        ELSTM_XT_S8_I("addmi a10, a11, 512")
        ELSTM_XT_S8_I("sub a11, a2, a11")
        ELSTM_XT_S8_I("movgez a11, a10, a13")
        ELSTM_XT_S8_I("srli a11, a11, 10")
        ELSTM_XT_S8_I("s16i a11, a4, 0")
        ELSTM_XT_S8_I("addi a4, a4, 2")
        ".Lelstm_xt_s8_g2:\n\t"
        ELSTM_XT_S8_I("retw")
        ".Lelstm_xt_s8_g3:\n\t"
        ELSTM_XT_S8_I("movi a2, 128")
        ELSTM_XT_S8_I("movi a12, -1")
        ELSTM_XT_S8_I("slli a12, a12, 23")
        ELSTM_XT_S8_I("add a2, a2, a12")
        ELSTM_XT_S8_I("mov a12, a15")
        ELSTM_XT_S8_I("movi a15, 255")
        ELSTM_XT_S8_I("slli a15, a15, 8")
        ELSTM_XT_S8_I("addi a15, a15, -1")
        ELSTM_XT_S8_I("loopnez a12, .Lelstm_xt_s8_g4")
        ELSTM_XT_S8_Z
        ELSTM_XT_S8_I("abs a10, a13")
        ELSTM_XT_S8_I("minu a10, a10, a15")
        ELSTM_XT_S8_I("srli a11, a10, 8")
        ELSTM_XT_S8_I("addx2 a11, a11, a6")
        ELSTM_XT_S8_I("l16ui a12, a11, 0")
        ELSTM_XT_S8_I("l16ui a11, a11, 2")
        ELSTM_XT_S8_I("sub a11, a11, a12")
        ELSTM_XT_S8_I("extui a10, a10, 0, 8")
        ELSTM_XT_S8_I("mull a11, a11, a10")
        ELSTM_XT_S8_I("slli a12, a12, 8")
        ELSTM_XT_S8_I("add a11, a11, a12")
        ELSTM_XT_S8_I("add a11, a11, a2")
        ELSTM_XT_S8_I("movi a10, 255")
        ELSTM_XT_S8_I("sub a10, a10, a11")
        ELSTM_XT_S8_I("movgez a10, a11, a13")
        ELSTM_XT_S8_I("srai a10, a10, 8")
        ELSTM_XT_S8_I("s16i a10, a4, 0")
        ELSTM_XT_S8_I("addi a4, a4, 2")
        ".Lelstm_xt_s8_g4:\n\t"
        ELSTM_XT_S8_I("retw")
        ".size elstm_xt_s8_gate, . - elstm_xt_s8_gate\n\t"
        ".popsection\n");
#endif

/* A multiplier in the form the requantizations use (see the top of the file). */
typedef struct xs8_mult {
    int32_t m1, m0;   /* m = m1 2^16 + m0, m0 in [-2^15, 2^15) */
    int32_t k;        /* 2^14 (the rounding of the doubling high multiply), plus 2^(e-1) 2^15 when e <= 13 */
    int32_t neg;      /* -2^15 when e > 0 (ties away from zero: one less below zero), else 0 */
    int32_t half;     /* 2^(e-1) when e > 13 (added after the high part), else 0 */
    int32_t e;        /* the right shift */
    int32_t pow2;     /* m = 2^30, e <= 28: q_mul(x) = (x + k2 + ((x >> 31) & neg2)) >> (e + 1) */
    int32_t k2, neg2;
} xs8_mult;

static int xs8_mult_of(elstm_qmult q, xs8_mult *k)
{
    const uint32_t m = (uint32_t)q.m;
    int32_t half;
    if (q.shift > 0 || q.shift < -30 || q.m < 0) return 0;
    k->m1 = (int32_t)((m + 0x8000u) >> 16);
    k->m0 = (int32_t)(m - ((uint32_t)k->m1 << 16));
    k->e = -q.shift;
    half = k->e ? (int32_t)(1u << (k->e - 1)) : 0;
    k->k = (1 << 14) + (k->e <= 13 ? half * (1 << 15) : 0);
    k->half = k->e <= 13 ? 0 : half;
    k->neg = k->e ? -(1 << 15) : 0;
    k->pow2 = m == 0x40000000u && k->e <= 28;   /* x + k2 stays below 2^31 */
    k->k2 = 1 + 2 * half;
    k->neg2 = k->e ? -2 : 0;
    return 1;
}

/* q_mul(x, q) of qmath.h for |x| < 2^30, in 32-bit arithmetic: x = xh 2^16 + xl (xl in
 * [-2^15, 2^15)), four 16 x 16-bit partial products (mull). The rounding of the final shift
 * (2^(e-1), one less below zero) is folded into the middle sum: x < 0 stands for "the high
 * part < 0", which differs only when the high part is 0 and then both round to 0. */
static inline int32_t xs8_mul(int32_t x, const xs8_mult *k)
{
    const int32_t xl = (int16_t)(x & 0xFFFF), xh = (x - xl) >> 16;
    const int32_t mid = xl * k->m1 + xh * k->m0 + ((xl * k->m0) >> 16) + k->k + ((x >> 31) & k->neg);
    return (2 * (xh * k->m1) + (mid >> 15) + k->half) >> k->e;
}

/* the same when k->half = 0 (e <= 13: the gates of every trained model) */
static inline int32_t xs8_mul13(int32_t x, const xs8_mult *k)
{
    const int32_t xl = (int16_t)(x & 0xFFFF), xh = (x - xl) >> 16;
    const int32_t mid = xl * k->m1 + xh * k->m0 + ((xl * k->m0) >> 16) + k->k + ((x >> 31) & k->neg);
    return (2 * (xh * k->m1) + (mid >> 15)) >> k->e;
}

/* q_mul(x, q) for m = 2^30 (f c and i g: the cell's scale is a power of two): the doubling
 * high multiply is (x + 1) >> 1, and both roundings fold into one shift */
static inline int32_t xs8_mul2(int32_t x, const xs8_mult *k)
{
    return (x + k->k2 + ((x >> 31) & k->neg2)) >> (k->e + 1);
}

/* q_sat16 and the int8 clamp in one instruction (CLAMPS, which every ESP32 and ESP32-S3 has) */
#if defined(ELSTM_XTENSA_NO_ASM)
#define xs8_sat16(x) q_sat16(x)
#define xs8_sat8(x) q_clamp(x, -128, 127)
#else
static inline int32_t xs8_sat16(int32_t x)
{
    int32_t r;
    __asm__("clamps %0, %1, 15" : "=r"(r) : "r"(x));
    return r;
}

static inline int32_t xs8_sat8(int32_t x)
{
    int32_t r;
    __asm__("clamps %0, %1, 7" : "=r"(r) : "r"(x));
    return r;
}
#endif

/* q_sigmoid without its branch: |3x| >> 9 <= 192 for every int16 x */
static inline int32_t xs8_sigmoid(int32_t x)
{
    const int32_t v = 3 * x;
    const uint32_t a = (uint32_t)(v < 0 ? -v : v), u = a >> 9;
    const uint32_t ta = elstm_q_sigmoid_table[u], tb = elstm_q_sigmoid_table[u + 1];
    const uint32_t r = (ta << 9) + (a & 0x1FF) * (tb - ta);
    return (int32_t)((v >= 0 ? r + (1u << 9) : (1u << 25) + (1u << 9) - 1u - r) >> 10);
}

/* q_tanh(x, pow) given v, the argument scaled as q_tanh scales it. Clamping |v| to
 * 255 * 256 - 1 gives what q_tanh's saturation gives (the table ends at 65534, 65535): every
 * int16 and pow checked in tests/unit/test_lstm_s8_xtensa.c. */
static inline int32_t xs8_tanh_v(int32_t v)
{
    const uint32_t a0 = (uint32_t)(v < 0 ? -v : v), a = a0 < 0xFEFFu ? a0 : 0xFEFFu, u = a >> 8;
    const int32_t ta = elstm_q_sigmoid_table[u], tb = elstm_q_sigmoid_table[u + 1];
    const int32_t r = (ta << 8) + (int32_t)(a & 0xFF) * (tb - ta);
    return (v >= 0 ? r - (1 << 23) + (1 << 7) : (1 << 23) + (1 << 7) - 1 - r) >> 8;
}

/* Whether this kernel runs a model: its layout is there and every multiplier fits. */
static int xs8_mults(const elstm_lstm_qparams *q, xs8_mult mx[4], xs8_mult mh[4], xs8_mult cell[3])
{
    int g, ok = 1;
    for (g = 0; g < ELSTM_GATES; g++)
        ok &= xs8_mult_of(q->mx[g], &mx[g]) & xs8_mult_of(q->mh[g], &mh[g]) & (mx[g].e <= 13) & (mh[g].e <= 13);
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

static const int32_t xs8_zeros[XS8_BLOCK]; /* the biases of a model without */

/* gate values of one gate over U units of a block: sums s[u][2 gate], s[u][2 gate + 1]; two
 * passes (the input part, then the recurrent part and the activation), each with one
 * multiplier at hand: few enough live values for the core's 16 visible registers */
static inline void xs8_gates(const int32_t (*s)[8], int32_t U, int g, const int32_t *b, const xs8_mult *px,
                             const xs8_mult *ph, int16_t *out)
{
    int32_t t[XS8_BLOCK], u;
    {
        const xs8_mult kx = *px;
        for (u = 0; u < U; u++) t[u] = xs8_sat16(xs8_mul13(s[u][2 * g] + b[u], &kx));
    }
    {
        const xs8_mult kh = *ph;
        for (u = 0; u < U; u++) {
            const int32_t z = xs8_sat16(t[u] + xs8_sat16(xs8_mul13(s[u][2 * g + 1] - s[u][2 * g], &kh)));
            out[u] = (int16_t)(g == ELSTM_GATE_C ? xs8_tanh_v(3 * z) : xs8_sigmoid(z));
        }
    }
}

/* The cell's scale argument of tanh: q_tanh's v = (c * t3 + t_rnd) >> t_sh */
typedef struct xs8_cellp {
    int32_t t3, t_rnd, t_sh, lo, hi, zp_h;
} xs8_cellp;

/* cells and hidden values of U units (pow2: m_fc and m_ig are 2^30, as in every trained model) */
static inline void xs8_cells(int32_t U, int pow2, int16_t (*gate)[XS8_BLOCK], const xs8_mult *cell, const xs8_cellp *p,
                             int16_t *c, int8_t *h)
{
    int32_t u;
    for (u = 0; u < U; u++) {
        const int32_t fc = (int32_t)gate[ELSTM_GATE_F][u] * c[u], ig = (int32_t)gate[ELSTM_GATE_I][u] * gate[ELSTM_GATE_C][u];
        int32_t cn = xs8_sat16(pow2 ? xs8_sat16(xs8_mul2(fc, &cell[0])) + xs8_sat16(xs8_mul2(ig, &cell[1]))
                                    : xs8_sat16(xs8_mul(fc, &cell[0])) + xs8_sat16(xs8_mul(ig, &cell[1])));
        cn = cn < p->lo ? p->lo : cn > p->hi ? p->hi : cn;
        c[u] = (int16_t)cn;
        h[u] = (int8_t)xs8_sat8(
            p->zp_h + xs8_mul(xs8_tanh_v((cn * p->t3 + p->t_rnd) >> p->t_sh) * gate[ELSTM_GATE_O][u], &cell[2]));
    }
}

void ELSTM_S8_XT_STEP(elstm_lstm_ctx_s8 *ctx, const int8_t *x)
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input, I4 = (I + 3) & ~3, N4 = (N + 3) & ~3;
    const int32_t sh = 12 + q->cell_pow;
    int16_t *v = ctx->scratch; /* [I4 + N4], then one word the loop reads past the end */
    xs8_mult mx[4], mh[4], cell[3];
    xs8_cellp cp;
    int32_t s[XS8_BLOCK][8], t[XS8_BLOCK], n0, u, g, pow2, asm_gates = 1;
    int16_t gate[4][XS8_BLOCK];
    elstm_xt_s8_args a;
    if (!m->packed || 2 * (I4 + N4) + 4 > 10 * N || !xs8_mults(q, mx, mh, cell)) {
        elstm_lstm_step_s8_ref(ctx, x);
        return;
    }
    pow2 = cell[0].pow2 & cell[1].pow2;
#if defined(ELSTM_XTENSA_NO_ASM)
    (void)t;
    (void)asm_gates;
#endif
    for (g = 0; g < ELSTM_GATES; g++) asm_gates &= (mx[g].e >= 1) & (mh[g].e >= 1);
    cp.t3 = sh >= 0 ? 3 << sh : 3;
    cp.t_rnd = sh >= 0 ? 0 : 1 << (-sh - 1);
    cp.t_sh = sh >= 0 ? 0 : -sh;
    cp.lo = q->cell_clip >= 0 ? -q->cell_clip : -32768;
    cp.hi = q->cell_clip >= 0 ? q->cell_clip : 32767;
    cp.zp_h = q->zp_h;
    xs8_widen(x, I, I4, q->zp_in, v);
    xs8_widen(ctx->h, N, N4, q->zp_h, v + I4);
    a.w = (const uint32_t *)m->packed - 1;
    a.v = (const uint32_t *)(const void *)v - 1;
    a.nx = I4 / 4;
    a.nh = N4 / 4;
    /* the gates read v (the previous h): the new h goes straight into ctx->h */
    for (n0 = 0; n0 < N; n0 += XS8_BLOCK) {
        const int32_t U = N - n0 < XS8_BLOCK ? N - n0 : XS8_BLOCK;
        for (u = 0; u < U; u++) {
            a.s = s[u];
            elstm_xt_s8_unit(&a);
        }
        for (g = 0; g < ELSTM_GATES; g++) {
            const int32_t *b = m->b[g] ? m->b[g] + n0 : xs8_zeros;
#if !defined(ELSTM_XTENSA_NO_ASM)
            if (asm_gates) {
                elstm_xt_s8_gate_args ga;
                ga.s = &s[0][2 * g];
                ga.b = b;
                ga.out = gate[g];
                ga.U = U;
                ga.kx = &mx[g];
                ga.kh = &mh[g];
                ga.t = t;
                ga.tanh = g == ELSTM_GATE_C;
                ga.table = elstm_q_sigmoid_table;
                elstm_xt_s8_gate(&ga);
                continue;
            }
#endif
            xs8_gates((const int32_t(*)[8])s, U, g, b, &mx[g], &mh[g], gate[g]);
        }
        if (pow2) xs8_cells(U, 1, gate, cell, &cp, ctx->c + n0, ctx->h + n0);
        else xs8_cells(U, 0, gate, cell, &cp, ctx->c + n0, ctx->h + n0);
    }
    ctx->steps++;
}

#endif /* ELSTM_S8_KERNEL_XTENSA || ELSTM_S8_XTENSA_HOST_TEST */
