/*
 * lstm_s8_dsp.c - the int8 LSTM step for Armv7E-M (Cortex-M4/M7 with the DSP extension),
 * bit for bit the reference (lstm_s8_ref.c); chosen at build time (ELSTM_S8_KERNEL_DSP in
 * edgelstm/quant.h), this file is empty elsewhere.
 *
 * The weights come pre-arranged (elstm_lstm_s8.packed, written at deploy time by
 * elstm_lstm_pack_s8_dsp, runtime/host/lstm_s8_pack.c), two gate rows per 32-bit word:
 *
 *   for each unit n, first the input part (I columns rounded up to a multiple of 4), then
 *   the recurrent part (N rounded up to a multiple of 4); each part is two words -C_f,
 *   -C_o (Winograd's weight terms, below), then two columns k, k+1 at a time:
 *     word A = bytes [u_i(k), w_f(k), u_i(k+1), w_f(k+1)]    u = w + 128 as an unsigned byte
 *     word B = bytes [u_c(k), w_o(k), u_c(k+1), w_o(k+1)]    (padding columns: u = 128, w = 0)
 *
 * The activations are widened once per step to int16 pairs with their zero points
 * subtracted (v = f (x - zp_in), f (h - zp_h), f = 2 on the fast path below, else 1; one
 * 32-bit word V holds columns k, k+1). Read as two signed halfwords, word A is
 * [u_i(k) + 256 w_f(k), u_i(k+1) + 256 w_f(k+1)], so SMLAD(A, V) accumulates
 * sum (u_i + 256 w_f) v: four multiply-accumulates in one instruction, but two rows mixed.
 * The second row alone goes through Winograd's inner product (1968): over the quads of
 * columns k..k+3 (words A0 of k, k+1 and A1 of k+2, k+3),
 *
 *   SXTAB16(V1, A0, ROR 8) = [w_f(k) + v(k+2), w_f(k+1) + v(k+3)]     (bytes 1 and 3, plus V1)
 *   SXTAB16(V0, A1, ROR 8) = [w_f(k+2) + v(k), w_f(k+3) + v(k+1)]
 *
 * and SMLAD of the two is sum w_f v over the quad plus w_f(k) w_f(k+2) + w_f(k+1) w_f(k+3)
 * (the weights' term C_f, summed over the row at deploy time) plus v(k) v(k+2) +
 * v(k+1) v(k+3) (the activations' term, summed once per step for all rows). So
 * sum w_f v = W - C_f - C_v and sum w_i v = A - 256 sum w_f v - 128 sum v: per quad and
 * row pair 2 SMLAD on the raw words, 2 SXTAB16 and 1 SMLAD, 5 instructions for 8
 * multiply-accumulates (a word's two rows both widened would take 8, SXTB16 of the second
 * row with a plain SMLAD 6). Every lane stays in 16 bits (|w + v| <= 128 + 510) and the
 * sums are exact: the accumulators wrap modulo 2^32 at worst, and the result, like the
 * reference's sum, fits in 32 bits. The inner loop (assembly) loads four weight words
 * with one LDM and two activation words with one LDRD: 12 instructions for 16 MACs.
 *
 * The units go in blocks of BLK: first the 8 sums of each unit of the block (4 gates,
 * input and recurrent part), then, gate by gate, the requantization and activation of the
 * block's values with the gate's constants in registers, then the cell and hidden update.
 * The sums of a whole block are one assembly function (block_sums_asm, below) that holds
 * all 14 registers: per unit the input loop (2 column pairs per pass), the 4 input sums
 * stored, the recurrent loop (32 column pairs per pass, the first pass entered part-way
 * when the count is not a multiple of 32) and the 4 recurrent sums stored, the loop bounds
 * read from an argument block; with the even pair counts of the layout no single pair is
 * left over. Inputs of more than 2 XV_MAX columns, and builds without optimization, take
 * C loops instead. The widening of h and x runs four columns at a time (SXTB16,
 * PKHBT/PKHTB, SSUB16) with the sums of v and the activations' Winograd term by SMLAD.
 *
 * The fast path (ctx->fast, decided at the first step after a reset): with every
 * requantizing shift a right shift of at least 2 (shift in [-31, -2]) and the sums
 * bounded (|2 a| < 2^31: |b| small enough for the input count; always so for real
 * models), TFLite's q_mul(a, m) = rdpot(srdhm(a, m), e) is exactly
 *
 *   SMMULR(SMMLAR(2a, m, a < 0 ? -1 : 0), 2^(32 - e))
 *
 * (SMMLAR rounds (Ra 2^32 + 2a m + 2^31) / 2^32 down, which is Ra + srdhm(a, m); the
 * rounding of rdpot, ties away from zero, is floor((x + 2^(e-1) - (x < 0)) / 2^e), and
 * x < 0 only when a < 0; when a < 0 but x = 0 both give 0; SMMULR(y, 2^(32 - e)) is
 * floor((y 2^(32 - e) + 2^31) / 2^32) = floor((y + 2^(e-1)) / 2^e), 2^(32 - e) being a
 * positive int32 for e >= 2), with 2a for free from the doubled activations: three
 * instructions and two registers of constants per requantization. The table activations index a two-sided copy of the table with
 * the signed input (no absolute value, no sign fix-up) and interpolate with one SMLAD:
 * the pair [E(u), E(u+1)] read as one word (signed halfwords) times [S - f, f] is
 * S E(u) + f (E(u+1) - E(u)). Otherwise (another shift, huge biases) the sums are
 * undoubled and qmath.h's functions run on them.
 */
#include <string.h>

#include "edgelstm/quant.h"
#include "qmath.h"

#if defined(ELSTM_S8_KERNEL_DSP)

#define BLK 32      /* units per block: their sums and gates live on the stack (1,280 bytes) */
#define XV_MAX 64   /* input pairs widened on the stack at once (more: in chunks, per unit) */
#define PAIRS(k) (((k) + 3) / 4 * 2)   /* the layout's column pairs for k columns (even) */
/* The assembly MAC loop needs 13 of the 14 general registers: not without optimization
 * (r7 then holds the frame pointer); ELSTM_S8_DSP_PLAIN builds the C loop instead, e.g.
 * for a build that both reserves r9 and keeps a frame pointer. */
#if defined(__OPTIMIZE__) && !defined(ELSTM_S8_DSP_PLAIN)
#define ELSTM_S8_DSP_ASM 1
#else
#define ELSTM_S8_DSP_ASM 0
#endif

/* One DSP instruction each, as inline functions of 1, 2 or 3 register operands. */
#define ASM1(T, name, insn)                                    \
    static inline T name(T a)                                  \
    {                                                          \
        T r;                                                   \
        __asm__(insn : "=r"(r) : "r"(a));                      \
        return r;                                              \
    }
#define ASM2(T, name, insn)                                    \
    static inline T name(T a, T b)                             \
    {                                                          \
        T r;                                                   \
        __asm__(insn : "=r"(r) : "r"(a), "r"(b));              \
        return r;                                              \
    }
#define ASM3(T, name, insn)                                    \
    static inline T name(T a, T b, T c)                        \
    {                                                          \
        T r;                                                   \
        __asm__(insn : "=r"(r) : "r"(a), "r"(b), "r"(c));      \
        return r;                                              \
    }
ASM3(int32_t, smlad, "smlad %0, %1, %2, %3")     /* c + a.lo b.lo + a.hi b.hi */
ASM3(int32_t, smmlar, "smmlar %0, %1, %2, %3")   /* (c 2^32 + a b + 2^31) >> 32 */
ASM2(int32_t, smmulr, "smmulr %0, %1, %2")       /* (a b + 2^31) >> 32 */
ASM1(int32_t, ssat16, "ssat %0, #16, %1")
ASM1(int32_t, ssat8, "ssat %0, #8, %1")
ASM1(int32_t, ssat17, "ssat %0, #17, %1")
ASM2(uint32_t, sxtab16_ror8, "sxtab16 %0, %1, %2, ror #8")   /* a + [b.byte1, b.byte3] */
ASM1(uint32_t, sxtb16, "sxtb16 %0, %1")                       /* [a.byte0, a.byte2] */
ASM1(uint32_t, sxtb16_ror8, "sxtb16 %0, %1, ror #8")          /* [a.byte1, a.byte3] */
ASM2(uint32_t, ssub16, "ssub16 %0, %1, %2")
ASM2(uint32_t, sadd16, "sadd16 %0, %1, %2")
ASM2(uint32_t, pkhbt16, "pkhbt %0, %1, %2, lsl #16")          /* [a.lo, b.lo] */
ASM2(uint32_t, pkhtb16, "pkhtb %0, %1, %2, asr #16")          /* [b.hi, a.hi] */

/* Two column pairs k, k + 1 (words A0, B0, activations V0) and k + 2, k + 3 (A1, B1, V1) of
 * one unit: weight words by one LDM (ascending registers: a0 < b0 < a1 < b1 are fixed
 * below), activations by one LDRD; the raw words against V, the second rows of the words
 * in Winograd's pairs (see the top). */
#define PAIR2                                           \
    "ldmia %[w]!, {%[a0], %[b0], %[a1], %[b1]}\n\t"     \
    "ldrd %[h0], %[h1], [%[v]], #8\n\t"                 \
    "smlad %[s1], %[a0], %[h0], %[s1]\n\t"              \
    "smlad %[s1], %[a1], %[h1], %[s1]\n\t"              \
    "smlad %[s2], %[b0], %[h0], %[s2]\n\t"              \
    "smlad %[s2], %[b1], %[h1], %[s2]\n\t"              \
    "sxtab16 %[a0], %[h1], %[a0], ror #8\n\t"           \
    "sxtab16 %[a1], %[h0], %[a1], ror #8\n\t"           \
    "smlad %[sf], %[a0], %[a1], %[sf]\n\t"              \
    "sxtab16 %[b0], %[h1], %[b0], ror #8\n\t"           \
    "sxtab16 %[b1], %[h0], %[b1], ror #8\n\t"           \
    "smlad %[so], %[b0], %[b1], %[so]\n\t"
#define PAIR_OUT                                                                            \
    [w] "+r"(w), [v] "+r"(v), [s1] "+r"(s1), [sf] "+r"(sf), [s2] "+r"(s2), [so] "+r"(so), \
        [a0] "=&r"(a0), [b0] "=&r"(b0), [a1] "=&r"(a1), [b1] "=&r"(b1), [h0] "=&r"(h0), [h1] "=&r"(h1)

/* The word sums s[0..3] (see the top) of one unit over `pairs` column pairs (even), added
 * to s; returns w past the unit's words. The assembly loops need 13 registers: without
 * optimization (r7 then holds the frame pointer) the plain loop runs. */
static inline __attribute__((always_inline)) const uint32_t *dot(const uint32_t *w, const uint32_t *v, int32_t pairs, int32_t s[4])
{
    int32_t s1 = s[0], sf = s[1], s2 = s[2], so = s[3];
#if ELSTM_S8_DSP_ASM
    register uint32_t a0 __asm__("r4"), b0 __asm__("r5"), a1 __asm__("r6"), b1 __asm__("r8");
    uint32_t h0, h1;
    const uint32_t *end;
    if (pairs >= 8) {
        end = v + (pairs & ~7);
        __asm__("1:\n\t" PAIR2 PAIR2 PAIR2 PAIR2 "cmp %[v], %[e]\n\t"
                "bne 1b\n"
                : PAIR_OUT
                : [e] "r"(end)
                : "cc", "memory");
    }
    if (pairs & 6) {
        end = v + (pairs & 6);
        __asm__("1:\n\t" PAIR2 "cmp %[v], %[e]\n\t"
                "bne 1b\n"
                : PAIR_OUT
                : [e] "r"(end)
                : "cc", "memory");
    }
    pairs = 0;
#endif
    for (; pairs > 0; pairs -= 2, v += 2, w += 4) {
        const uint32_t a0 = w[0], b0 = w[1], a1 = w[2], b1 = w[3];
        uint32_t h0, h1;
        memcpy(&h0, v, sizeof h0);   /* the int16 pairs as words */
        memcpy(&h1, v + 1, sizeof h1);
        s1 = smlad(a1, h1, smlad(a0, h0, s1));
        s2 = smlad(b1, h1, smlad(b0, h0, s2));
        sf = smlad(sxtab16_ror8(h1, a0), sxtab16_ror8(h0, a1), sf);
        so = smlad(sxtab16_ror8(h1, b0), sxtab16_ror8(h0, b1), so);
    }
    s[0] = s1;
    s[1] = sf;
    s[2] = s2;
    s[3] = so;
    return w;
}

/* The constants of a widened part (widen): the raw rows' offset and the activations'
 * term of Winograd's products, both modulo 2^32 like the accumulators. */
typedef struct wide_k {
    int32_t off, cv;
} wide_k;


/* v[k] = f (a[k] - zp) as int16 for k < n, 0 up to a multiple of 4; returns the offset
 * -128 sum v and the activations' term cv = sum over quads q of v(4q) v(4q+2) + v(4q+1) v(4q+3).
 * Four at a time: SXTB16 splits a word of a into [a0, a2] and [a1, a3], PKHBT/PKHTB pair
 * them as [a0, a1], [a2, a3], SSUB16 subtracts zp from both halves (|a - zp| <= 255). */
static wide_k widen(const int8_t *a, int32_t n, int32_t zp, int32_t f, int16_t *v)
{
    const uint32_t zz = ((uint32_t)zp & 0xFFFFu) * 0x10001u, ones = 0x10001u;
    int32_t k;
    uint32_t sum = 0, cv = 0, *vw = (uint32_t *)(void *)v;
    wide_k r;
    for (k = 0; k + 4 <= n; k += 4, vw += 2) {
        uint32_t w, lo, hi, v0, v1;
        memcpy(&w, a + k, sizeof w);
        lo = sxtb16(w);
        hi = sxtb16_ror8(w);
        v0 = ssub16(pkhbt16(lo, hi), zz);
        v1 = ssub16(pkhtb16(hi, lo), zz);
        if (f == 2) {
            v0 = sadd16(v0, v0);
            v1 = sadd16(v1, v1);
        }
        vw[0] = v0;
        vw[1] = v1;
        sum = (uint32_t)smlad(v1, ones, smlad(v0, ones, (int32_t)sum));
        cv = (uint32_t)smlad(v0, v1, (int32_t)cv);
    }
    if (k < n) {   /* the last, partial quad */
        const int32_t k0 = k;
        for (; k < n; k++) sum += (uint32_t)(int32_t)(v[k] = (int16_t)(f * (a[k] - zp)));
        for (; k & 3; k++) v[k] = 0;
        cv += (uint32_t)((int32_t)v[k0] * v[k0 + 2] + (int32_t)v[k0 + 1] * v[k0 + 3]);
    }
    r.off = (int32_t)(0u - (sum << 7));
    r.cv = (int32_t)cv;
    return r;
}

/* The four gate sums from the word sums s (see the top; s[0] and s[2] start at the
 * part's offset, s[1] and s[3] at minus the weights' and the activations' Winograd terms):
 * i = A - 256 f, f = W(A), c = B - 256 o, o = W(B). */
static inline void gate_sums(const int32_t s[4], int32_t *out)
{
    out[ELSTM_GATE_I] = (int32_t)((uint32_t)s[0] - ((uint32_t)s[1] << 8));
    out[ELSTM_GATE_F] = s[1];
    out[ELSTM_GATE_C] = (int32_t)((uint32_t)s[2] - ((uint32_t)s[3] << 8));
    out[ELSTM_GATE_O] = s[3];
}

#if ELSTM_S8_DSP_ASM
/* The argument block of block_sums_asm (offsets fixed in the assembly). */
typedef struct sums_args {
    const uint32_t *w;         /*  0: the first unit's words; on return, past the last unit's */
    const int16_t *xv, *x_end; /*  4, 8: the widened inputs, an even number of pairs */
    const int16_t *hv;         /* 12: the widened h */
    uintptr_t h_entry;         /* 16: the PAIR2 the recurrent loop's first pass skips,
                                * (16 - pairs / 2 mod 16) mod 16; the function turns it into
                                * the address it jumps to */
    const int16_t *h_end;      /* 20 */
    int32_t xoff, hoff;        /* 24, 28: the raw rows' start values (widen) */
    int32_t *s, *s_end;        /* 32, 36: the rows S[u] of 8 sums, and past the last */
    int32_t xcv, hcv;          /* 40, 44: the activations' Winograd terms (widen) */
} sums_args;

void elstm_s8_dsp_block_sums(sums_args *a);

/* One PAIR2 with the function's registers: w r0, v r1, sums r3 (A), r10 (W(A)), r11 (B),
 * r12 (W(B)); r4-r7 the 4 weight words A0, B0, A1, B1, r8-r9 the 2 activation words.
 * Twelve 32-bit instructions (.w: every PAIR2 has the same size, the recurrent loop is
 * entered part-way). */
#define PAIR2_FIXED                                                                         \
    "ldmia.w r0!, {r4, r5, r6, r7}\n\t"                                                    \
    "ldrd r8, r9, [r1], #8\n\t"                                                            \
    "smlad r3, r4, r8, r3\n\tsmlad r3, r6, r9, r3\n\t"                                     \
    "smlad r11, r5, r8, r11\n\tsmlad r11, r7, r9, r11\n\t"                                 \
    "sxtab16 r4, r9, r4, ror #8\n\tsxtab16 r6, r8, r6, ror #8\n\tsmlad r10, r4, r6, r10\n\t" \
    "sxtab16 r5, r9, r5, ror #8\n\tsxtab16 r7, r8, r7, ror #8\n\tsmlad r12, r5, r7, r12\n\t"
/* A part's start: the raw sums from the offset at [lr, #off], the Winograd sums from the
 * weights' terms (two words of the stream) less the activations' at [lr, #cv]. */
#define START_SUMS(off, cv)                                                                 \
    "ldr r3, [lr, #" off "]\n\tmov r11, r3\n\tldmia r0!, {r10, r12}\n\t"                  \
    "ldr r2, [lr, #" cv "]\n\tsub r10, r10, r2\n\tsub r12, r12, r2\n\t"
/* The 4 gate sums from the word sums (gate_sums below) stored at [r2, #off]. */
#define STORE_SUMS(off, off8)                                                               \
    "sub r3, r3, r10, lsl #8\n\tsub r11, r11, r12, lsl #8\n\t"                            \
    "strd r3, r10, [r2, #" off "]\n\tstrd r11, r12, [r2, #" off8 "]\n\t"
/* Register lr holds the argument block; r2 the row S[u] (then the loop bounds). The
 * recurrent loop runs 16 PAIR2 a pass; a count that is not a multiple of 16 enters the
 * first pass part-way (at h_entry, computed once per call), as in Duff's device. */
__asm__(".pushsection .text.elstm_s8_dsp_block_sums,\"ax\",%progbits\n\t"
        ".syntax unified\n\t.thumb\n\t"
        ".macro elstm_s8_pair2\n\t" PAIR2_FIXED "\n\t.endm\n\t"   /* (one string stays < 4095 bytes) */
        ".p2align 2\n\t"
        ".type elstm_s8_dsp_block_sums, %function\n\t.thumb_func\n"
        "elstm_s8_dsp_block_sums:\n\t"
        "push {r4-r11, lr}\n\t"
        "mov lr, r0\n\t"
        "adr.w r4, .Lelstm_s8_rec\n\tadr.w r5, .Lelstm_s8_rec1\n\tsub r5, r5, r4\n\t"   /* a PAIR2's bytes */
        "ldr r6, [lr, #16]\n\tmla r4, r5, r6, r4\n\torr r4, r4, #1\n\tstr r4, [lr, #16]\n\t"
        "ldr r0, [lr, #0]\n"
        "1:\n\t"                                  /* a unit: the input columns */
        START_SUMS("24", "40")
        "ldr r1, [lr, #4]\n\tldr r2, [lr, #8]\n"
        "2:\n\telstm_s8_pair2\n\tcmp r1, r2\n\tbne 2b\n\t"
        "ldr r2, [lr, #32]\n\t" STORE_SUMS("0", "8")
        START_SUMS("28", "44")                    /* the recurrent columns */
        "ldr r1, [lr, #12]\n\tldr r2, [lr, #20]\n\tldr r4, [lr, #16]\n\tbx r4\n\t"
        ".p2align 2\n"
        ".Lelstm_s8_rec:\n\telstm_s8_pair2\n"
        ".Lelstm_s8_rec1:\n\telstm_s8_pair2\n\telstm_s8_pair2\n\telstm_s8_pair2\n\t"
        "elstm_s8_pair2\n\telstm_s8_pair2\n\telstm_s8_pair2\n\telstm_s8_pair2\n\t"
        "elstm_s8_pair2\n\telstm_s8_pair2\n\telstm_s8_pair2\n\telstm_s8_pair2\n\t"
        "elstm_s8_pair2\n\telstm_s8_pair2\n\telstm_s8_pair2\n\telstm_s8_pair2\n\t"
        "cmp r1, r2\n\tbne .Lelstm_s8_rec\n\t"
        "ldr r2, [lr, #32]\n\t" STORE_SUMS("16", "24")
        "add r2, r2, #32\n\tstr r2, [lr, #32]\n\tldr r1, [lr, #36]\n\tcmp r2, r1\n\tbne 1b\n\t"
        "str r0, [lr, #0]\n\t"
        "pop {r4-r11, pc}\n\t"
        ".size elstm_s8_dsp_block_sums, .-elstm_s8_dsp_block_sums\n\t"
        ".purgem elstm_s8_pair2\n\t"
        ".popsection");
#endif

/* The 8 sums S[u] (input part, recurrent part) of nb units from their packed words w;
 * returns w past them. xv holds the widened x when I <= 2 XV_MAX, else it is refilled
 * chunk by chunk for every unit. kx, kh: the parts' constants (widen; kx over all of x). */
static const uint32_t *block_sums(const uint32_t *w, const int8_t *x, int16_t *xv, const int16_t *hv, wide_k kx,
                                  wide_k kh, int32_t nb, int32_t f, const elstm_lstm_qparams *q, int32_t (*S)[8])
{
    const int32_t I = q->n_input, ip = PAIRS(I), np = PAIRS(q->n_units);
    int32_t u, c;
#if ELSTM_S8_DSP_ASM
    if (ip <= XV_MAX) {
        sums_args a;
        a.w = w;
        a.xv = xv;
        a.x_end = xv + 2 * ip;
        a.hv = hv;
        a.h_entry = (uintptr_t)((16 - np / 2 % 16) % 16);
        a.h_end = hv + 2 * np;
        a.xoff = kx.off;
        a.hoff = kh.off;
        a.xcv = kx.cv;
        a.hcv = kh.cv;
        a.s = S[0];
        a.s_end = S[nb];
        elstm_s8_dsp_block_sums(&a);
        return a.w;
    }
#endif
    for (u = 0; u < nb; u++) {
        int32_t s[4];
        s[0] = s[2] = kx.off;
        s[1] = (int32_t)((uint32_t)w[0] - (uint32_t)kx.cv);
        s[3] = (int32_t)((uint32_t)w[1] - (uint32_t)kx.cv);
        w += 2;
        if (ip <= XV_MAX) {
            w = dot(w, (const uint32_t *)(const void *)xv, ip, s);
        } else {
            for (c = 0; c < ip; c += XV_MAX) {   /* x in chunks, for every unit */
                const int32_t len = ip - c < XV_MAX ? ip - c : XV_MAX;
                (void)widen(x + 2 * c, I - 2 * c < 2 * len ? I - 2 * c : 2 * len, q->zp_in, f, xv);
                w = dot(w, (const uint32_t *)(const void *)xv, len, s);
            }
        }
        gate_sums(s, S[u]);
        s[0] = s[2] = kh.off;
        s[1] = (int32_t)((uint32_t)w[0] - (uint32_t)kh.cv);
        s[3] = (int32_t)((uint32_t)w[1] - (uint32_t)kh.cv);
        w += 2;
        w = dot(w, (const uint32_t *)(const void *)hv, np, s);
        gate_sums(s, S[u] + 4);
    }
    return w;
}

/* ---- the fast path's fixed point (see the top) ---- */

typedef struct rq_const {
    int32_t m, p;   /* multiplier, 2^(32 - e) for the right shift e in [2, 31] */
} rq_const;

static inline rq_const rq_of(elstm_qmult q)
{
    rq_const r;
    r.m = q.m;
    r.p = (int32_t)(1u << (32 + q.shift));
    return r;
}

/* q_mul(a, m) from a2 = 2a (|a2| < 2^31): y = SMMLAR(a2, m, a < 0 ? -1 : 0) is srdhm(a, m)
 * less one for a < 0, and SMMULR(y, 2^(32 - e)) = floor((y 2^(32 - e) + 2^31) / 2^32) is
 * (y + 2^(e-1)) >> e: rdpot's rounding, as at the top, with two registers of constants. */
static inline int32_t rq(int32_t a2, rq_const k) { return smmulr(smmlar(a2, k.m, a2 >> 31), k.p); }

/* The sigmoid table of qmath.h made two-sided, so that the activations index it with the
 * signed input (no absolute value, no sign fix-up): E(k) for k in [-256, 256] is
 * T(k) - 32768 for k in [0, 255], 32767 for k = 256 (the saturated end) and -E(-k) for
 * k < 0. Linear interpolation is symmetric, so interpolating E at v < 0 gives exactly the
 * reference's mirrored value (2^25 - r for the sigmoid, 2^23 - r for the tanh, r being the
 * interpolation of T at |v|); only the rounding differs by one, which the SMLAD's
 * accumulator takes from v's sign. tests/mcu/kernel_s8_test.c checks both activations
 * built on it against qmath.h's for every int16 input and every cell power. */
static const int16_t elstm_q_sigmoid_sym[513] = {
    -32767, -32767, -32766, -32766, -32766, -32766, -32766, -32766, -32766, -32766, -32766, -32766, -32765, -32765,
    -32765, -32765, -32765, -32765, -32765, -32765, -32764, -32764, -32764, -32764, -32764, -32764, -32763, -32763,
    -32763, -32763, -32763, -32762, -32762, -32762, -32762, -32761, -32761, -32761, -32761, -32760, -32760, -32760,
    -32759, -32759, -32758, -32758, -32758, -32757, -32757, -32756, -32756, -32755, -32755, -32754, -32754, -32753,
    -32752, -32752, -32751, -32750, -32749, -32749, -32748, -32747, -32746, -32745, -32744, -32743, -32742, -32741,
    -32740, -32739, -32737, -32736, -32735, -32733, -32732, -32730, -32729, -32727, -32725, -32723, -32721, -32720,
    -32717, -32715, -32713, -32711, -32708, -32706, -32703, -32700, -32697, -32694, -32691, -32688, -32685, -32681,
    -32677, -32674, -32670, -32665, -32661, -32657, -32652, -32647, -32642, -32636, -32631, -32625, -32619, -32613,
    -32606, -32599, -32592, -32584, -32577, -32569, -32560, -32551, -32542, -32533, -32523, -32512, -32501, -32490,
    -32478, -32466, -32453, -32440, -32426, -32411, -32396, -32381, -32364, -32347, -32329, -32311, -32292, -32271,
    -32251, -32229, -32206, -32182, -32158, -32132, -32105, -32077, -32048, -32018, -31986, -31953, -31919, -31884,
    -31846, -31808, -31768, -31726, -31682, -31637, -31589, -31540, -31489, -31436, -31380, -31322, -31262, -31200,
    -31135, -31067, -30997, -30923, -30847, -30768, -30686, -30600, -30511, -30418, -30322, -30222, -30118, -30010,
    -29898, -29781, -29660, -29534, -29404, -29268, -29128, -28982, -28831, -28673, -28511, -28342, -28167, -27985,
    -27797, -27602, -27400, -27191, -26975, -26751, -26520, -26280, -26032, -25776, -25512, -25239, -24956, -24665,
    -24365, -24055, -23735, -23406, -23066, -22717, -22357, -21987, -21606, -21215, -20813, -20401, -19977, -19543,
    -19097, -18641, -18174, -17696, -17207, -16707, -16196, -15675, -15143, -14601, -14049, -13487, -12915, -12334,
    -11743, -11144, -10536, -9920, -9296, -8664, -8026, -7381, -6730, -6073, -5412, -4745, -4075, -3401,
    -2725, -2045, -1365, -683, 0, 683, 1365, 2045, 2725, 3401, 4075, 4745, 5412, 6073,
    6730, 7381, 8026, 8664, 9296, 9920, 10536, 11144, 11743, 12334, 12915, 13487, 14049, 14601,
    15143, 15675, 16196, 16707, 17207, 17696, 18174, 18641, 19097, 19543, 19977, 20401, 20813, 21215,
    21606, 21987, 22357, 22717, 23066, 23406, 23735, 24055, 24365, 24665, 24956, 25239, 25512, 25776,
    26032, 26280, 26520, 26751, 26975, 27191, 27400, 27602, 27797, 27985, 28167, 28342, 28511, 28673,
    28831, 28982, 29128, 29268, 29404, 29534, 29660, 29781, 29898, 30010, 30118, 30222, 30322, 30418,
    30511, 30600, 30686, 30768, 30847, 30923, 30997, 31067, 31135, 31200, 31262, 31322, 31380, 31436,
    31489, 31540, 31589, 31637, 31682, 31726, 31768, 31808, 31846, 31884, 31919, 31953, 31986, 32018,
    32048, 32077, 32105, 32132, 32158, 32182, 32206, 32229, 32251, 32271, 32292, 32311, 32329, 32347,
    32364, 32381, 32396, 32411, 32426, 32440, 32453, 32466, 32478, 32490, 32501, 32512, 32523, 32533,
    32542, 32551, 32560, 32569, 32577, 32584, 32592, 32599, 32606, 32613, 32619, 32625, 32631, 32636,
    32642, 32647, 32652, 32657, 32661, 32665, 32670, 32674, 32677, 32681, 32685, 32688, 32691, 32694,
    32697, 32700, 32703, 32706, 32708, 32711, 32713, 32715, 32717, 32720, 32721, 32723, 32725, 32727,
    32729, 32730, 32732, 32733, 32735, 32736, 32737, 32739, 32740, 32741, 32742, 32743, 32744, 32745,
    32746, 32747, 32748, 32749, 32749, 32750, 32751, 32752, 32752, 32753, 32754, 32754, 32755, 32755,
    32756, 32756, 32757, 32757, 32758, 32758, 32758, 32759, 32759, 32760, 32760, 32760, 32761, 32761,
    32761, 32761, 32762, 32762, 32762, 32762, 32763, 32763, 32763, 32763, 32763, 32764, 32764, 32764,
    32764, 32764, 32764, 32765, 32765, 32765, 32765, 32765, 32765, 32765, 32765, 32766, 32766, 32766,
    32766, 32766, 32766, 32766, 32766, 32766, 32766, 32767, 32767,
};
/* A constant the compiler must hold in a register (the loops below have registers to spare
 * but would rebuild the table's address, or a constant that takes two immediates, per value). */
static inline int32_t in_reg(int32_t k)
{
    __asm__("" : "+r"(k));
    return k;
}
static inline const int16_t *table_mid(void)
{
    const int16_t *t = elstm_q_sigmoid_sym + 256;
    __asm__("" : "+r"(t));
    return t;
}

/* The two-sided table (mid: its entry 0) interpolated at v (2^frac fraction bits; v >> frac
 * in [-256, 255]): S E(u) + f (E(u+1) - E(u)) + round + (v < 0 ? -1 : 0), u = floor(v / S),
 * f = v mod S, by one SMLAD of the pair [E(u), E(u+1)] with [S - f, f]. */
static inline int32_t interp_sym(const int16_t *mid, int32_t v, int frac, int32_t round)
{
    const uint32_t S = 1u << frac, f = (uint32_t)v & (S - 1);
    uint32_t pair;
    memcpy(&pair, mid + (v >> frac), sizeof pair);
    return smlad(pair, f * 65535u + S, round + (v >> 31));
}

#define SIG_ROUND ((32768 << 9) + 512)
#define TANH_ROUND 128

/* q_sigmoid(z), z in int16: v = 3z, |v| < 2^17, stays inside the table. The reference
 * rounds r + 512 for v >= 0 and, mirrored, 2^25 - r + 511 for v < 0; E is T - 32768
 * (round: SIG_ROUND). */
static inline int32_t sigmoid(const int16_t *mid, int32_t z, int32_t round) { return interp_sym(mid, 3 * z, 9, round) >> 10; }

/* q_tanh from the scaled input v (3 z 2^(15 + pow - 3), as q_tanh scales it): v is
 * saturated to 17 bits, where the table's ends (+-32767 at +-255 and +-256) give the
 * reference's saturated values; r - 2^23 + 128 for v >= 0, 2^23 - r + 127 for v < 0
 * (round: TANH_ROUND). */
static inline int32_t tanh_v(const int16_t *mid, int32_t v, int32_t round)
{
    return interp_sym(mid, ssat17(v), 8, round) >> 8;
}

#if defined(ELSTM_S8_DSP_TEST)
/* For tests/mcu/kernel_s8_test.c: the fast path's activations, the tanh scaled as the
 * hidden update scales the cell (block_fast). */
int32_t elstm_s8_dsp_sigmoid(int32_t z);
int32_t elstm_s8_dsp_tanh(int32_t x, int32_t pow);
int32_t elstm_s8_dsp_sigmoid(int32_t z) { return sigmoid(table_mid(), z, SIG_ROUND); }
int32_t elstm_s8_dsp_tanh(int32_t x, int32_t pow)
{
    const int32_t sh = 12 + pow;
    return tanh_v(table_mid(), sh >= 0 ? x * (3 << sh) : (x * 3 + (1 << (-sh - 1))) >> -sh, TANH_ROUND);
}
#endif

/* Whether the fast path applies (see the top): right shifts only, and |2 a| < 2^31 for
 * every sum: |b| <= (2^31 - 1 - 65280 I) / 2 (|w| <= 128, |2 (x - zp)| <= 510), N, I <= 32896. */
static int32_t fast_ok(const elstm_lstm_s8 *m)
{
    const elstm_lstm_qparams *q = &m->q;
    const elstm_qmult k[3] = {q->m_fc, q->m_ig, q->m_h};
    int64_t lim;
    int32_t g, n;
    if (q->n_input > 32896 || q->n_units > 32896) return 0;
    lim = ((int64_t)0x7FFFFFFF - (int64_t)65280 * q->n_input) / 2;
    for (g = 0; g < 3; g++)
        if (k[g].shift > -2 || k[g].shift < -31) return 0;
    for (g = 0; g < ELSTM_GATES; g++) {
        if (q->mx[g].shift > -2 || q->mx[g].shift < -31 || q->mh[g].shift > -2 || q->mh[g].shift < -31) return 0;
        if (m->b[g])
            for (n = 0; n < q->n_units; n++)
                if ((int64_t)m->b[g][n] > lim || (int64_t)m->b[g][n] < -lim) return 0;
    }
    return 1;
}

/* The fast path's gate values of gate g of nb units from their doubled sums (is_tanh:
 * the cell gate; a constant where it is inlined). */
static inline __attribute__((always_inline)) void gate_values(int32_t (*S)[8], int32_t g, const int32_t *b, int32_t nb,
                                                              rq_const kx, rq_const kh, int is_tanh, int16_t *out)
{
    const int32_t *p = &S[0][g];
    const int16_t *mid = table_mid();
    const int32_t round = in_reg(is_tanh ? TANH_ROUND : SIG_ROUND);
    int32_t u;
    for (u = 0; u < nb; u++, p += 8) {
        const int32_t ax = b ? (int32_t)((uint32_t)p[0] + ((uint32_t)b[u] << 1)) : p[0];
        const int32_t z = ssat16(ssat16(rq(ax, kx)) + ssat16(rq(p[4], kh)));
        out[u] = (int16_t)(is_tanh ? tanh_v(mid, 3 * z, round) : sigmoid(mid, z, round));
    }
}

/* The fast path's gates, cell and hidden values of units n0 .. n0 + nb - 1 from their
 * doubled sums S[u] (input part, then recurrent part). */
static void block_fast(elstm_lstm_ctx_s8 *ctx, int32_t n0, int32_t nb, int32_t (*S)[8])
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    int16_t gate[ELSTM_GATES][BLK];
    int32_t g, u;
    for (g = 0; g < ELSTM_GATES; g++) {
        const rq_const kx = rq_of(q->mx[g]), kh = rq_of(q->mh[g]);
        const int32_t *b = m->b[g] ? m->b[g] + n0 : NULL;
        if (g == ELSTM_GATE_C) {
            if (b) gate_values(S, g, b, nb, kx, kh, 1, gate[g]);
            else gate_values(S, g, NULL, nb, kx, kh, 1, gate[g]);
        } else {
            if (b) gate_values(S, g, b, nb, kx, kh, 0, gate[g]);
            else gate_values(S, g, NULL, nb, kx, kh, 0, gate[g]);
        }
    }
    {
        const rq_const kfc = rq_of(q->m_fc), kig = rq_of(q->m_ig), kh = rq_of(q->m_h);
        const int32_t sh = 12 + q->cell_pow, clip = q->cell_clip, zp = q->zp_h;
        int16_t *cs = ctx->c + n0;
        int8_t *hs = ctx->h + n0;
        const int16_t *mid;
        int32_t round;
        for (u = 0; u < nb; u++) {   /* the cell, then (fewer live constants) the hidden state */
            const int32_t fc = ssat16(rq(2 * (int32_t)gate[ELSTM_GATE_F][u] * cs[u], kfc));
            const int32_t ig = ssat16(rq(2 * (int32_t)gate[ELSTM_GATE_I][u] * gate[ELSTM_GATE_C][u], kig));
            int32_t c = ssat16(fc + ig);
            if (clip >= 0) c = q_clamp(c, -clip, clip);
            cs[u] = (int16_t)c;
        }
        mid = table_mid();
        round = in_reg(TANH_ROUND);
        if (sh >= 0)
            for (u = 0; u < nb; u++)
                hs[u] = (int8_t)ssat8(zp + rq(2 * tanh_v(mid, cs[u] * (3 << sh), round) * gate[ELSTM_GATE_O][u], kh));
        else
            for (u = 0; u < nb; u++)
                hs[u] = (int8_t)ssat8(zp + rq(2 * tanh_v(mid, (cs[u] * 3 + (1 << (-sh - 1))) >> -sh, round) * gate[ELSTM_GATE_O][u], kh));
    }
}

/* The same with qmath.h's functions, from undoubled sums. */
static void block_plain(elstm_lstm_ctx_s8 *ctx, int32_t n0, int32_t nb, int32_t (*S)[8])
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    int32_t g, u;
    for (u = 0; u < nb; u++) {
        const int32_t n = n0 + u;
        int16_t gate[ELSTM_GATES];
        for (g = 0; g < ELSTM_GATES; g++) {
            const int32_t ax = m->b[g] ? (int32_t)((uint32_t)S[u][g] + (uint32_t)m->b[g][n]) : S[u][g];
            gate[g] = q_gate(q_mul(ax, q->mx[g]), q_mul(S[u][4 + g], q->mh[g]), g == ELSTM_GATE_C);
        }
        ctx->c[n] = q_cell(q, gate[ELSTM_GATE_I], gate[ELSTM_GATE_F], gate[ELSTM_GATE_C], ctx->c[n]);
        ctx->h[n] = (int8_t)q_hidden(q, gate[ELSTM_GATE_O], ctx->c[n], -128, 127);
    }
}

ELSTM_API void elstm_lstm_step_s8(elstm_lstm_ctx_s8 *ctx, const int8_t *x)
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input, ip = PAIRS(I);
    int16_t *hv = ctx->scratch;   /* f (h - zp_h) [2 np]: the previous h, so ctx->h can take the new one */
    int16_t xv[2 * XV_MAX] __attribute__((aligned(4)));   /* f (x - zp_in), LDRD reads words */
    int32_t S[BLK][8];
    const uint32_t *w = (const uint32_t *)m->packed;
    int32_t f, n0, c;
    wide_k kx = {0, 0}, kh;
    if (!w) {   /* no pre-arranged weights: the reference */
        elstm_lstm_step_s8_ref(ctx, x);
        return;
    }
    if (ctx->steps == 0) ctx->fast = fast_ok(m);
    f = ctx->fast ? 2 : 1;
    kh = widen(ctx->h, N, q->zp_h, f, hv);
    for (c = 0; c < ip; c += XV_MAX) {
        const wide_k k = widen(x + 2 * c, I - 2 * c < 2 * XV_MAX ? I - 2 * c : 2 * XV_MAX, q->zp_in, f, xv);
        kx.off = (int32_t)((uint32_t)kx.off + (uint32_t)k.off);
        kx.cv = (int32_t)((uint32_t)kx.cv + (uint32_t)k.cv);
    }
    for (n0 = 0; n0 < N; n0 += BLK) {
        const int32_t nb = N - n0 < BLK ? N - n0 : BLK;
        w = block_sums(w, x, xv, hv, kx, kh, nb, f, q, S);
#if defined(ELSTM_S8_DSP_SUMS_ONLY)   /* bench/bench_mcu_s8_parts.sh: the sums' count alone */
        (void)block_fast;
        (void)block_plain;
#else
        if (ctx->fast) block_fast(ctx, n0, nb, S);
        else block_plain(ctx, n0, nb, S);
#endif
    }
    ctx->steps++;
}

#endif /* ELSTM_S8_KERNEL_DSP */
