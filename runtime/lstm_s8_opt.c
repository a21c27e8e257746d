/*
 * lstm_s8_opt.c - the fast int8 LSTM step (edgelstm/quant.h), bit for bit the reference
 * (lstm_s8_ref.c). Chosen at build time (ELSTM_S8_KERNEL_* in quant.h):
 *
 *   VNNI / AVX2  with the packed layout (lstm_s8_opt.h; the host packs when it loads a
 *                model): 16 units per block (one 512-bit register with VNNI, two 256-bit
 *                ones with AVX2), one int32 lane
 *                per unit. For each group of 4 inputs the 4 activations, as unsigned
 *                bytes x + 128 (the 128 folded into the packed biases), are broadcast to
 *                every lane and multiplied with the 4 weights of each unit's row for all
 *                four gates: one vpdpbusd per gate with AVX-512 VNNI, vpmaddubsw +
 *                vpmaddwd with AVX2 (the pairs that could saturate vpmaddubsw's int16 are
 *                split at packing into two halves, the second in a fix-up row).
 *                The integer sums are the reference's (exact in int32). The requantization,
 *                the table activations and the cell update then run on the lanes with
 *                the same integer operations as qmath.h, so every rounding is the same.
 *   plain C      (no packed layout, or another CPU) the four gate rows of a unit at once.
 *   DSP          Armv7E-M: lstm_s8_dsp.c defines the kernel; this file is empty then.
 *   XTENSA       ESP32 / ESP32-S3: lstm_s8_xtensa.c defines it; this file is empty then.
 *
 * The new hidden state is written to the scratch and copied back at the end of the step,
 * since every block reads the previous one.
 */
#include <string.h>

#include "edgelstm/quant.h"
#include "lstm_s8_opt.h"
#include "qmath.h"

#if !defined(ELSTM_S8_KERNEL_DSP) && !defined(ELSTM_S8_KERNEL_XTENSA)

/* The plain C step: for each unit, the 4 gate rows together, then its cell and hidden
 * state; the new h goes to h_next (the gates read the previous h). */
static void step_plain(elstm_lstm_ctx_s8 *ctx, const int8_t *x, int8_t *h_next)
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input;
    int32_t n, j, k, g;
    for (n = 0; n < N; n++) {
        int32_t ax[4] = {0, 0, 0, 0}, ah[4] = {0, 0, 0, 0};
        int16_t gate[4];
        const int8_t *wx[4], *wh[4];
        for (g = 0; g < 4; g++) {
            wx[g] = q->wx[g] + (size_t)n * I;
            wh[g] = q->wh[g] + (size_t)n * N;
            ax[g] = m->b[g] ? m->b[g][n] : 0;
        }
        for (j = 0; j < I; j++) {
            const int32_t v = (int32_t)x[j] - q->zp_in;
            for (g = 0; g < 4; g++) ax[g] += wx[g][j] * v;
        }
        for (k = 0; k < N; k++) {
            const int32_t v = (int32_t)ctx->h[k] - q->zp_h;
            for (g = 0; g < 4; g++) ah[g] += wh[g][k] * v;
        }
        for (g = 0; g < 4; g++)
            gate[g] = q_gate(q_mul(ax[g], q->mx[g]), q_mul(ah[g], q->mh[g]), g == ELSTM_GATE_C);
        ctx->c[n] = q_cell(q, gate[ELSTM_GATE_I], gate[ELSTM_GATE_F], gate[ELSTM_GATE_C], ctx->c[n]);
        h_next[n] = (int8_t)q_hidden(q, gate[ELSTM_GATE_O], ctx->c[n], -128, 127);
    }
}

#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
#include <immintrin.h>

/* ---- the vector operations the kernel uses, for its register width ----
 * VNNI: 16 int32 lanes (AVX-512), AVX2: 8. `vmask` selects lanes: vsel(m, a, b) is b
 * where m is set, else a. The algorithms below are written once on top of these. */
#if defined(ELSTM_S8_KERNEL_VNNI)
#define VL 16
typedef __m512i vec;
typedef __mmask16 vmask;
static inline vec vset(int32_t v) { return _mm512_set1_epi32(v); }
static inline vec vset64(int64_t v) { return _mm512_set1_epi64(v); }
static inline vec vadd(vec a, vec b) { return _mm512_add_epi32(a, b); }
static inline vec vsub(vec a, vec b) { return _mm512_sub_epi32(a, b); }
static inline vec vadd64(vec a, vec b) { return _mm512_add_epi64(a, b); }
static inline vec vsub64(vec a, vec b) { return _mm512_sub_epi64(a, b); }
static inline vec vmul_even(vec a, vec b) { return _mm512_mul_epi32(a, b); }   /* signed 32x32 -> 64, even lanes */
static inline vec vsrl64(vec a, int n) { return _mm512_srl_epi64(a, _mm_cvtsi32_si128(n)); }
static inline vec vsll64(vec a, int n) { return _mm512_sll_epi64(a, _mm_cvtsi32_si128(n)); }
static inline vec vblend_odd(vec even, vec odd) { return _mm512_mask_blend_epi32(0xAAAA, even, odd); }
static inline vec vsra(vec a, int n) { return _mm512_sra_epi32(a, _mm_cvtsi32_si128(n)); }
static inline vec vsrl(vec a, int n) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(n)); }
static inline vec vsll(vec a, int n) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(n)); }
static inline vec vand(vec a, vec b) { return _mm512_and_si512(a, b); }
static inline vec vmin(vec a, vec b) { return _mm512_min_epi32(a, b); }
static inline vec vmax(vec a, vec b) { return _mm512_max_epi32(a, b); }
static inline vec vabs(vec a) { return _mm512_abs_epi32(a); }
static inline vec vmullo(vec a, vec b) { return _mm512_mullo_epi32(a, b); }
static inline vec vmadd16(vec a, vec b) { return _mm512_madd_epi16(a, b); }
static inline vmask vgt(vec a, vec b) { return _mm512_cmpgt_epi32_mask(a, b); }
static inline vec vsel(vmask m, vec a, vec b) { return _mm512_mask_blend_epi32(m, a, b); }
static inline vec vload(const void *p) { return _mm512_loadu_si512(p); }   /* the layout is 32-byte aligned */
/* T[u] | T[u + 1] << 16 from the 256-entry uint16 table, u in [0, 254]: four two-source
 * permutes of 64 entries each (vpermi2w), picked by bits 6 and 7 of each 16-bit index
 * (faster than a 16-lane gather on the CPUs measured). */
static inline vec vpairs(vec u)
{
    const uint16_t *t = elstm_q_sigmoid_table;
    const __m512i idx = _mm512_or_si512(u, _mm512_slli_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(1)), 16));
    const __m512i r0 = _mm512_permutex2var_epi16(_mm512_loadu_si512(t), idx, _mm512_loadu_si512(t + 32));
    const __m512i r1 = _mm512_permutex2var_epi16(_mm512_loadu_si512(t + 64), idx, _mm512_loadu_si512(t + 96));
    const __m512i r2 = _mm512_permutex2var_epi16(_mm512_loadu_si512(t + 128), idx, _mm512_loadu_si512(t + 160));
    const __m512i r3 = _mm512_permutex2var_epi16(_mm512_loadu_si512(t + 192), idx, _mm512_loadu_si512(t + 224));
    const __mmask32 b6 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(64));
    const __mmask32 b7 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(128));
    return _mm512_mask_blend_epi16(b7, _mm512_mask_blend_epi16(b6, r0, r1), _mm512_mask_blend_epi16(b6, r2, r3));
}
/* c[0..n) (int16) widened to the lanes, 0 past n; n in [1, VL] */
static inline vec vload_c(const int16_t *c, int32_t n)
{
    const __mmask16 k = (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1u);
    return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(k, c));
}
/* The lanes' c (int16 range) and h (int8 range) to c[0..n), h[0..n) */
static inline void vstore_ch(int16_t *c, int8_t *h, vec cv, vec hv, int32_t n)
{
    const __mmask16 k = (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1u);
    _mm256_mask_storeu_epi16(c, k, _mm512_cvtepi32_epi16(cv));
    _mm_mask_storeu_epi8(h, k, _mm512_cvtepi32_epi8(hv));
}
#define DOT4(acc, a, w) acc = _mm512_dpbusd_epi32(acc, a, vload(w))
#else
/* AVX2: 16 lanes as two 256-bit registers, so that a block has as many units as with
 * AVX-512 and the activations' dependency chains of its two halves interleave. */
#define VL 16
typedef struct vec {
    __m256i l, h;   /* lanes 0-7, 8-15 */
} vec;
typedef vec vmask;
static inline vec v2(__m256i l, __m256i h)
{
    vec r;
    r.l = l;
    r.h = h;
    return r;
}
#define V1(f, a) v2(f((a).l), f((a).h))
#define V2(f, a, b) v2(f((a).l, (b).l), f((a).h, (b).h))
#define VN(f, a, n) v2(f((a).l, _mm_cvtsi32_si128(n)), f((a).h, _mm_cvtsi32_si128(n)))
static inline vec vset(int32_t v) { return v2(_mm256_set1_epi32(v), _mm256_set1_epi32(v)); }
static inline vec vset64(int64_t v) { return v2(_mm256_set1_epi64x(v), _mm256_set1_epi64x(v)); }
static inline vec vadd(vec a, vec b) { return V2(_mm256_add_epi32, a, b); }
static inline vec vsub(vec a, vec b) { return V2(_mm256_sub_epi32, a, b); }
static inline vec vadd64(vec a, vec b) { return V2(_mm256_add_epi64, a, b); }
static inline vec vsub64(vec a, vec b) { return V2(_mm256_sub_epi64, a, b); }
static inline vec vmul_even(vec a, vec b) { return V2(_mm256_mul_epi32, a, b); }
static inline vec vsrl64(vec a, int n) { return VN(_mm256_srl_epi64, a, n); }
static inline vec vsll64(vec a, int n) { return VN(_mm256_sll_epi64, a, n); }
static inline vec vblend_odd(vec even, vec odd)
{
    return v2(_mm256_blend_epi32(even.l, odd.l, 0xAA), _mm256_blend_epi32(even.h, odd.h, 0xAA));
}
static inline vec vsra(vec a, int n) { return VN(_mm256_sra_epi32, a, n); }
static inline vec vsrl(vec a, int n) { return VN(_mm256_srl_epi32, a, n); }
static inline vec vsll(vec a, int n) { return VN(_mm256_sll_epi32, a, n); }
static inline vec vand(vec a, vec b) { return V2(_mm256_and_si256, a, b); }
static inline vec vmin(vec a, vec b) { return V2(_mm256_min_epi32, a, b); }
static inline vec vmax(vec a, vec b) { return V2(_mm256_max_epi32, a, b); }
static inline vec vabs(vec a) { return V1(_mm256_abs_epi32, a); }
static inline vec vmullo(vec a, vec b) { return V2(_mm256_mullo_epi32, a, b); }
static inline vec vmadd16(vec a, vec b) { return V2(_mm256_madd_epi16, a, b); }
static inline vmask vgt(vec a, vec b) { return V2(_mm256_cmpgt_epi32, a, b); }
static inline vec vsel(vmask m, vec a, vec b)
{
    return v2(_mm256_blendv_epi8(a.l, b.l, m.l), _mm256_blendv_epi8(a.h, b.h, m.h));
}
static inline vec vload(const void *p)   /* the layout is 32-byte aligned */
{
    return v2(_mm256_load_si256((const __m256i *)p), _mm256_load_si256((const __m256i *)p + 1));
}
/* T[u] | T[u + 1] << 16 for u in [0, 254]: one 32-bit gather at 2-byte steps reads both. */
static inline __m256i pairs8(__m256i u)
{
    return _mm256_i32gather_epi32((const int *)(const void *)elstm_q_sigmoid_table, u, 2);
}
static inline vec vpairs(vec u) { return V1(pairs8, u); }
static inline vec vload_c(const int16_t *c, int32_t n)
{
    int16_t t[16] = {0};
    const int16_t *p = c;
    if (n < 16) {
        memcpy(t, c, (size_t)n * sizeof *c);   /* the last block's units past N stay 0 */
        p = t;
    }
    return v2(_mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p)),
              _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p + 8))));
}
static inline void vstore_ch(int16_t *c, int8_t *h, vec cv, vec hv, int32_t n)
{
    /* packs within 128-bit halves, then the 64-bit quarters in order: exact, since c and h
     * already lie in the int16 and int8 ranges */
    const __m256i c16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(cv.l, cv.h), 0xD8);
    const __m256i h16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(hv.l, hv.h), 0xD8);
    const __m128i h8 = _mm_packs_epi16(_mm256_castsi256_si128(h16), _mm256_extracti128_si256(h16, 1));
    int16_t tc[16];
    int8_t th[16];
    if (n >= 16) {
        _mm256_storeu_si256((__m256i *)(void *)c, c16);
        _mm_storeu_si128((__m128i *)(void *)h, h8);
        return;
    }
    _mm256_storeu_si256((__m256i *)(void *)tc, c16);
    _mm_storeu_si128((__m128i *)(void *)th, h8);
    memcpy(c, tc, (size_t)n * sizeof *c);
    memcpy(h, th, (size_t)n);
}
/* (pairs of unsigned x times signed w, exact: lstm_s8_opt.h) summed in pairs to int32 */
static inline __m256i dot8(__m256i acc, __m256i a, const void *w)
{
    const __m256i p = _mm256_maddubs_epi16(a, _mm256_load_si256((const __m256i *)w));
    return _mm256_add_epi32(_mm256_madd_epi16(p, _mm256_set1_epi16(1)), acc);
}
#define DOT4(acc, a, w) ((acc).l = dot8((acc).l, (a).l, (w)), (acc).h = dot8((acc).h, (a).l, (w) + 32))
#if defined(__GNUC__)
/* DOT4(acc, a, w + off) for the main loop, as one asm block with GCC and Clang: left to
 * itself GCC 12 issues a group's eight vpmaddubsw first, runs out of registers and adds a
 * spill and eight moves per group (46 instructions where 34 do; the kernel alone on the
 * Aotizhongxin weights 0.274 -> 0.252 ms). The offsets are the gates' at G = 64 bytes. */
#define DOT4X(acc, a, w, off)                                                                 \
    do {                                                                                      \
        __m256i t0, t1;                                                                       \
        __asm__("vpmaddubsw " #off "(%[p]), %[e], %[t0]\n\t"                                   \
                "vpmaddubsw " #off "+32(%[p]), %[e], %[t1]\n\t"                                \
                "vpmaddwd %[one], %[t0], %[t0]\n\t"                                          \
                "vpmaddwd %[one], %[t1], %[t1]\n\t"                                          \
                "vpaddd %[t0], %[lo], %[lo]\n\t"                                             \
                "vpaddd %[t1], %[hi], %[hi]"                                                  \
                : [lo] "+x"((acc).l), [hi] "+x"((acc).h), [t0] "=&x"(t0), [t1] "=&x"(t1)      \
                : [e] "x"((a).l), [one] "x"(_mm256_set1_epi16(1)), [p] "r"(w),                \
                  "m"(*(const char(*)[(off) + 64])(const void *)(w)));                        \
    } while (0)
#else
#define DOT4X(acc, a, w, off) DOT4(acc, a, (w) + (off))
#endif
#endif
#define BCAST(word) vset((word) ^ (int32_t)0x80808080)   /* x + 128, unsigned */
#if defined(ELSTM_S8_KERNEL_AVX2)
/* group c's 4 activations rotated right by rot[c] bits (0 or 8: lstm_s8_opt.h) */
#define ROT(word, c) ((int32_t)(((uint32_t)(word) >> rot[c]) | ((uint32_t)(word) << ((32 - rot[c]) & 31))))
#else
#define ROT(word, c) (word)
#endif

/* ---- qmath.h on VL lanes, the same integer operations ---- */

static inline vec v_sat16(vec x) { return vmax(vmin(x, vset(32767)), vset(-32768)); }

/* q_srdhm(x, m) for m >= 0 (multipliers are): gemmlowp's nudge and truncating division
 * amount to floor((x m + 2^30) / 2^31) for either sign of x m, i.e. bits 31..62 of
 * x m + 2^30 (the result fits in int32; the saturating case needs m = INT32_MIN). */
static inline vec v_srdhm(vec x, int32_t m)
{
    const vec mm = vset(m), half = vset64((int64_t)1 << 30);
    const vec even = vsrl64(vadd64(vmul_even(x, mm), half), 31);
    const vec odd = vsll64(vadd64(vmul_even(vsrl64(x, 32), mm), half), 1);
    return vblend_odd(even, odd);
}

/* q_rdpot(x, e): (x >> e) + (rem > (mask >> 1) + (x < 0)); the comparison as the sign of
 * the difference (both sides lie in [0, 2^31)). */
static inline vec v_rdpot(vec x, int32_t e)
{
    const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    const vec thr = vadd(vset(mask >> 1), vsrl(x, 31));
    return vadd(vsra(x, e), vsrl(vsub(thr, vand(x, vset(mask))), 31));
}

/* v_rdpot(v_srdhm(x, m), e) in one rounding, for m > 2^30 and e in [1, 31]: with y the
 * high product, y < 0 exactly when x < 0 (x m <= -m < -2^30), so
 *   rdpot(y, e) = floor((y + 2^(e-1) - [x < 0]) / 2^e)
 *              = floor((x m + 2^30 + 2^(30+e) - [x < 0] 2^31) / 2^(31+e)),
 * the high 32 bits of that 64-bit sum shifted right by e - 1 (nested floors). */
static inline vec v_mul_right(vec x, int32_t m, int32_t e)
{
    const vec mm = vset(m), k = vset64(((int64_t)1 << 30) + ((int64_t)1 << (30 + e)));
    const vec sign = vset64((int64_t)1 << 31), xo = vsrl64(x, 32);
    const vec even = vadd64(vmul_even(x, mm), vsub64(k, vand(x, sign)));
    const vec odd = vadd64(vmul_even(xo, mm), vsub64(k, vand(xo, sign)));
    return vsra(vblend_odd(vsrl64(even, 32), odd), e - 1);
}

static inline vec v_mul(vec x, elstm_qmult q)
{
    if (q.shift < 0 && q.shift >= -31 && q.m > (1 << 30)) return v_mul_right(x, q.m, -q.shift);
    if (q.shift > 0) x = vsll(x, q.shift);
    return v_rdpot(v_srdhm(x, q.m), q.shift > 0 ? 0 : -q.shift);
}

/* v_mul of a product of two int16 values (|x| <= 2^30). The cell's multipliers are powers
 * of two when its scale is (TFLite's: m = 2^30): then the high product is
 * floor((x + 1) / 2), and with the rounding shift by e >= 1 (nested floors, as above)
 *   floor((x + 1 + 2^e - 2 [x + 1 < 0]) / 2^(e+1)),  no overflow for e <= 29. */
static inline vec v_mul_p16(vec x, elstm_qmult q)
{
    const int32_t e = -q.shift;
    if (q.m != (1 << 30) || e < 1 || e > 29) return v_mul(x, q);
    return vsra(vsub(vadd(x, vset(1 + (1 << e))), vsll(vsrl(vadd(x, vset(1)), 31), 1)), e + 1);
}

/* The product of a value in [0, 32767] and an int16 value, each held in an int32 lane:
 * vpmaddwd, a's high half being 0. */
static inline vec v_mul16(vec a, vec b) { return vmadd16(a, b); }

/* The table interpolated at a = |3x| scaled (frac_bits fraction bits), below saturation
 * (u = a >> frac_bits clamped to the table, unless `in_table`: u <= 254 already). */
static inline vec v_interp(vec a, int frac_bits, int in_table)
{
    const vec u = vsrl(a, frac_bits);
    const vec pair = vpairs(in_table ? u : vmin(u, vset(254)));
    const vec ta = vand(pair, vset(0xFFFF)), tb = vsrl(pair, 16);
    return vadd(vsll(ta, frac_bits), vmadd16(vand(a, vset((1 << frac_bits) - 1)), vsub(tb, ta)));
}

/* q_sigmoid of z in the int16 range: |3z| >> 9 <= 192 never reaches the table's end. */
static inline vec v_sigmoid(vec z)
{
    const vec v = vadd(z, vadd(z, z)), a = vabs(v);
    vec r = v_interp(a, 9, 1);
    r = vsel(vgt(vset(0), v), vadd(r, vset(1 << 9)), vsub(vset((1 << 25) + (1 << 9) - 1), r));
    return vsrl(r, 10);
}

static inline vec v_tanh(vec z, int32_t pow)
{
    const int32_t sh = 15 + pow - 3;
    vec v, a, r;
    if (sh == 0) v = vadd(z, vadd(z, z));
    else if (sh > 0) v = vmullo(z, vset(3 << sh));
    else v = vsra(vadd(vmullo(z, vset(3)), vset(1 << (-sh - 1))), -sh);
    a = vabs(v);
    r = vsel(vgt(vsrl(a, 8), vset(254)), v_interp(a, 8, 0), vset(0xFFFF << 8));
    r = vsel(vgt(vset(0), v), vadd(r, vset(-(1 << 23) + (1 << 7))), vsub(vset((1 << 23) + (1 << 7) - 1), r));
    return vsra(r, 8);
}

/* A gate's input to its activation: the saturating sum of its two requantized parts. */
/* sat16(sat16(a) + sat16(b)) */
static inline vec v_add_sat16(vec a, vec b)
{
#if defined(ELSTM_S8_KERNEL_AVX2)
    /* vpackssdw saturates both to int16 (lanes a0-3 b0-3 | a4-7 b4-7 per register pair),
     * vpaddsw adds with saturation, and the unpacks with an arithmetic shift widen back in
     * order */
    const __m256i s = _mm256_adds_epi16(_mm256_packs_epi32(a.l, a.h), _mm256_packs_epi32(b.l, b.h));
    return v2(_mm256_srai_epi32(_mm256_unpacklo_epi16(s, s), 16), _mm256_srai_epi32(_mm256_unpackhi_epi16(s, s), 16));
#else
    return v_sat16(vadd(v_sat16(a), v_sat16(b)));
#endif
}

static inline vec v_gate_z(vec ax, vec ah, elstm_qmult mx, elstm_qmult mh)
{
    return v_add_sat16(v_mul(ax, mx), v_mul(ah, mh));
}

/* 4 activations from p (n < 4 of them valid, the rest 0) as one 32-bit word. */
static inline int32_t load4(const int8_t *p, int32_t n)
{
    const uint8_t *u = (const uint8_t *)p;
    uint32_t w;
    if (n >= 4) {
        memcpy(&w, p, 4);
        return (int32_t)w;
    }
    w = u[0];
    if (n > 1) w |= (uint32_t)u[1] << 8;
    if (n > 2) w |= (uint32_t)u[2] << 16;
    return (int32_t)w;
}

/* The four gates' sums over one packed matrix (groups of 4 columns of v [k]) into
 * acc[4], starting from the biases `bias` (gate g at bias + g np); then (AVX2) the
 * fix-up rows fw of gate g, [fix[g], fix[g + 1]), of column groups fix_group.
 * Two sets of accumulators (even and odd groups) make independent chains for VNNI. */
#if defined(ELSTM_S8_KERNEL_AVX2) && defined(__GNUC__)
#define DOT_BLOCK_INLINE __attribute__((always_inline)) inline   /* GCC 12 calls it otherwise: 2% */
#else
#define DOT_BLOCK_INLINE inline
#endif
static DOT_BLOCK_INLINE void dot_block(vec acc[4], const int32_t *bias, int32_t np, const int8_t *w, const int8_t *v,
                             int32_t k, const int8_t *fw, const int32_t *fix_group, const int32_t *fix,
                             const uint8_t *rot)
{
    const size_t G = 4 * VL;   /* bytes of one gate's weights in a group */
    vec a0 = vload(bias), a1 = vload(bias + (size_t)np), a2 = vload(bias + 2 * (size_t)np);
    vec a3 = vload(bias + 3 * (size_t)np);
    vec o0 = vset(0), o1 = o0, o2 = o0, o3 = o0;
    const int32_t full = k / 4;   /* groups of 4 whole columns */
    int32_t c = 0;
#if defined(ELSTM_S8_KERNEL_AVX2)   /* its sums' chains are short (vpaddd): one set */
    int32_t f;
    for (; c < full; c++, w += 4 * G) {
        const vec e = BCAST(ROT(load4(v + 4 * c, 4), c));
        DOT4X(a0, e, w, 0);
        DOT4X(a1, e, w, 64);
        DOT4X(a2, e, w, 128);
        DOT4X(a3, e, w, 192);
    }
#define FIXES(acc, g)                                                                   \
    for (f = fix[g]; f < fix[(g) + 1]; f++) {                                           \
        const int32_t cf = fix_group[f];                                                \
        const vec e = BCAST(ROT(load4(v + 4 * cf, k - 4 * cf), cf));                     \
        DOT4(acc, e, fw + G * (size_t)f);                                               \
    }
    FIXES(o0, 0)
    FIXES(o1, 1)
    FIXES(o2, 2)
    FIXES(o3, 3)
#undef FIXES
#else
    (void)fw;
    (void)fix_group;
    (void)fix;
    (void)rot;
#endif
    for (; c + 1 < full; c += 2, w += 8 * G) {
        const vec e = BCAST(load4(v + 4 * c, 4)), d = BCAST(load4(v + 4 * c + 4, 4));
        DOT4(a0, e, w);
        DOT4(a1, e, w + G);
        DOT4(a2, e, w + 2 * G);
        DOT4(a3, e, w + 3 * G);
        DOT4(o0, d, w + 4 * G);
        DOT4(o1, d, w + 5 * G);
        DOT4(o2, d, w + 6 * G);
        DOT4(o3, d, w + 7 * G);
    }
    for (; c < ELSTM_S8_PACK_GROUPS(k); c++, w += 4 * G) {   /* the last group(s) */
        const vec e = BCAST(ROT(load4(v + 4 * c, k - 4 * c), c));
        DOT4(a0, e, w);
        DOT4(a1, e, w + G);
        DOT4(a2, e, w + 2 * G);
        DOT4(a3, e, w + 3 * G);
    }
    acc[0] = vadd(a0, o0);
    acc[1] = vadd(a1, o1);
    acc[2] = vadd(a2, o2);
    acc[3] = vadd(a3, o3);
}

static void step_packed(elstm_lstm_ctx_s8 *ctx, const int8_t *x, int8_t *h_next)
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input, np = ELSTM_S8_PACK_NP(N);
    const int32_t gx = ELSTM_S8_PACK_GROUPS(I), gh = ELSTM_S8_PACK_GROUPS(N);
    const int32_t *bx = (const int32_t *)m->packed, *bh = bx + 4 * (size_t)np;
    const int8_t *w0 = (const int8_t *)(bx + ELSTM_S8_PACK_HEADER_INTS(np));
    const size_t stride = (size_t)(gx + gh) * 16 * VL;   /* bytes of weights per block */
    const int32_t blocks = np / VL;
    const int32_t *fix_start = bh + 4 * (size_t)np;
    const int8_t *fw = w0 + (size_t)blocks * stride;   /* the fix-up rows (AVX2) */
    const int32_t *fix_group = (const int32_t *)(const void *)(fw + (size_t)fix_start[8 * blocks] * 4 * VL);
    const uint8_t *rot = (const uint8_t *)(fix_group + fix_start[8 * blocks]);   /* [block][group] */
    int32_t k;
    /* every other step visits the blocks backwards: the weights read last (in L1) are read
     * first again (the seed's 69 KB of weights do not fit L1, but the last ~40 KB stay) */
    for (k = 0; k < blocks; k++) {
        const int32_t b = ctx->steps % 2 ? blocks - 1 - k : k;
        const int8_t *w = w0 + (size_t)b * stride;
        const int32_t valid = N - VL * b < VL ? N - VL * b : VL;
        vec ax[4], ah[4], gi, gf, gc, go, c, h;
        const uint8_t *rb = rot + (size_t)b * (gx + gh);
        dot_block(ax, bx + VL * b, np, w, x, I, fw, fix_group, fix_start + 8 * b, rb);
        dot_block(ah, bh + VL * b, np, w + (size_t)gx * 16 * VL, ctx->h, N, fw, fix_group, fix_start + 8 * b + 4, rb + gx);
        gi = v_sigmoid(v_gate_z(ax[ELSTM_GATE_I], ah[ELSTM_GATE_I], q->mx[ELSTM_GATE_I], q->mh[ELSTM_GATE_I]));
        gf = v_sigmoid(v_gate_z(ax[ELSTM_GATE_F], ah[ELSTM_GATE_F], q->mx[ELSTM_GATE_F], q->mh[ELSTM_GATE_F]));
        gc = v_tanh(v_gate_z(ax[ELSTM_GATE_C], ah[ELSTM_GATE_C], q->mx[ELSTM_GATE_C], q->mh[ELSTM_GATE_C]), -12);
        go = v_sigmoid(v_gate_z(ax[ELSTM_GATE_O], ah[ELSTM_GATE_O], q->mx[ELSTM_GATE_O], q->mh[ELSTM_GATE_O]));
        c = vload_c(ctx->c + VL * b, valid);
        c = v_add_sat16(v_mul_p16(v_mul16(gf, c), q->m_fc), v_mul_p16(v_mul16(gi, gc), q->m_ig));
        if (q->cell_clip >= 0) c = vmax(vmin(c, vset(q->cell_clip)), vset(-q->cell_clip));
        h = vadd(vset(q->zp_h), v_mul_p16(v_mul16(go, v_tanh(c, q->cell_pow)), q->m_h));
        h = vmax(vmin(h, vset(127)), vset(-128));
        vstore_ch(ctx->c + VL * b, h_next + VL * b, c, h, valid);
    }
}
#endif /* VNNI || AVX2 */

ELSTM_API void elstm_lstm_step_s8(elstm_lstm_ctx_s8 *ctx, const int8_t *x)
{
    int8_t *h_next = (int8_t *)(ctx->scratch + 4 * (size_t)ctx->model->q.n_units);   /* scratch [4N, 5N) */
#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
    if (ctx->model->packed) step_packed(ctx, x, h_next);
    else step_plain(ctx, x, h_next);
#else
    step_plain(ctx, x, h_next);
#endif
    memcpy(ctx->h, h_next, (size_t)ctx->model->q.n_units);
    ctx->steps++;
}

#endif /* !ELSTM_S8_KERNEL_DSP && !ELSTM_S8_KERNEL_XTENSA */
