/*
 * qmath.h - fixed-point primitives of the integer kernels (internal to runtime/).
 *
 * Static inline C99, included by every integer kernel (reference and fast ones), so that
 * they all share one definition of each rounding. The arithmetic is TensorFlow Lite
 * Micro's default build (gemmlowp's double rounding; TFLITE_SINGLE_ROUNDING is not set),
 * written from the description in docs/quant.md:
 *
 *   q_srdhm(a, b)   round(a b / 2^31), ties up, saturating (INT32_MIN^2)
 *   q_rdpot(x, e)   round(x / 2^e), ties away from zero
 *   q_mul(x, m)     q_rdpot(q_srdhm(x 2^left, m.m), right), left/right from m.shift
 *   q_mul64(x, m)   (x round16(m.m) + 2^(14 - shift)) >> (15 - shift)   (int64 x)
 *   q_sigmoid(z)    Q3.12 -> Q0.15 by the table below with linear interpolation
 *   q_tanh(z, pow)  tanh(z 2^pow) -> Q0.15, via tanh(x) = 2 sigmoid(2x) - 1 on the same table
 *
 * Right shifts of negative int32 values are arithmetic (GCC, Clang, Arm and Xtensa
 * compilers all do this; C leaves it implementation-defined), as in TFLite.
 */
#ifndef EDGELSTM_RUNTIME_QMATH_H
#define EDGELSTM_RUNTIME_QMATH_H

#include <stdint.h>

#include "edgelstm/quant.h"

/* sigmoid(k / 24) in unsigned Q0.16 for k = 0..255, the node values of a piecewise linear
 * interpolation. Each node is raised by half the mean error of linear interpolation at the
 * midpoints of its two segments, which balances the interpolation error on both sides:
 *   T[k] = round(65536 (s(x) + (e(x, x + d) + e(x, x - d)) / 4)),  x = k/24, d = 1/24,
 *   e(a, b) = s((a + b) / 2) - (s(a) + s(b)) / 2,   s = the logistic function,
 * and the last node is the saturated value 65535 that the interpolation runs into (the
 * sigmoid beyond the table). tests/unit/test_quant.c recomputes every entry from this
 * formula; these are the values TensorFlow Lite's integer kernels use. */
static const uint16_t elstm_q_sigmoid_table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
};

static inline int16_t q_sat16(int32_t x)
{
    return (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : x);
}

static inline int32_t q_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Saturating rounding doubling high multiply: round(a b / 2^31). gemmlowp writes it
 * (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31 with C's truncating division; for either sign
 * of ab that equals floor((ab + 2^30) / 2^31), an arithmetic shift (no 64-bit division,
 * which small cores do in a library call). */
static inline int32_t q_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
}

/* x / 2^e rounded to nearest, ties away from zero; e in [0, 31]. */
static inline int32_t q_rdpot(int32_t x, int32_t e)
{
    const int32_t mask = (int32_t)((1u << e) - 1u);
    const int32_t rem = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > threshold ? 1 : 0);
}

static inline int32_t q_mul(int32_t x, elstm_qmult q)
{
    const int32_t left = q.shift > 0 ? q.shift : 0, right = q.shift > 0 ? 0 : -q.shift;
    /* x 2^left wraps around in int32 like TFLite's (only absurd scales have left > 0) */
    return q_rdpot(q_srdhm((int32_t)((uint32_t)x << left), q.m), right);
}

static inline int32_t q_mul64(int64_t x, elstm_qmult q)
{
    const int32_t reduced = q.m < 0x7FFF0000 ? (q.m + (1 << 15)) >> 16 : 0x7FFF;
    const int32_t total = 15 - q.shift;   /* shift <= 7: total >= 8 */
    return (int32_t)((x * reduced + ((int64_t)1 << (total - 1))) >> total);
}

/* sigmoid: Q3.12 in, Q0.15 out. The input is scaled by 3 (x 3/4 of the table's 1/24 step:
 * table index = |3x| >> 9, 9 fraction bits interpolated). */
static inline int16_t q_sigmoid(int16_t x)
{
    const int32_t v = (int32_t)x * 3;
    const uint32_t a = (uint32_t)(v < 0 ? -v : v);
    const uint32_t u = a >> 9;
    uint32_t r;
    if (u >= 255) {
        r = (uint32_t)0x7FFF << 10;
    } else {
        const uint32_t ta = elstm_q_sigmoid_table[u], tb = elstm_q_sigmoid_table[u + 1];
        r = (ta << 9) + (a & 0x1FF) * (tb - ta);
    }
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
    return (int16_t)(r >> 10);
}

/* tanh(x 2^pow), Q0.15 out; pow in [-24, 0]. The input becomes Q3.12 scaled by 3 (then
 * 8 fraction bits index the table at twice the sigmoid's argument). */
static inline int16_t q_tanh(int16_t x, int32_t pow)
{
    const int32_t sh = 15 + pow - 3;
    int32_t v, r;
    uint32_t a, u;
    if (sh >= 0) v = (int32_t)x * (3 << sh);
    else v = ((int32_t)x * 3 + (sh < 0 ? 1 << (-sh - 1) : 0)) >> -sh;
    a = (uint32_t)(v < 0 ? -v : v);
    u = a >> 8;
    if (u >= 255) {
        r = (int32_t)(0xFFFF << 8);
    } else {
        const uint32_t ta = elstm_q_sigmoid_table[u], tb = elstm_q_sigmoid_table[u + 1];
        r = (int32_t)((ta << 8) + (a & 0xFF) * (tb - ta));
    }
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    return (int16_t)(r >> 8);
}

/* One gate's value from its two requantized contributions (each saturated to int16). */
static inline int16_t q_gate(int32_t ax, int32_t ah, int is_cell_gate)
{
    const int16_t z = q_sat16((int32_t)q_sat16(ax) + (int32_t)q_sat16(ah));
    return is_cell_gate ? q_tanh(z, -12) : q_sigmoid(z);
}

/* The new cell state from the gates i, f, g (Q0.15) and the old cell c. */
static inline int16_t q_cell(const elstm_lstm_qparams *p, int16_t i, int16_t f, int16_t g, int16_t c)
{
    int32_t fc = q_clamp(q_mul((int32_t)f * c, p->m_fc), -32768, 32767);
    int32_t ig = q_clamp(q_mul((int32_t)i * g, p->m_ig), -32768, 32767);
    int32_t nc = q_sat16(fc + ig);
    if (p->cell_clip >= 0) nc = q_clamp(nc, -p->cell_clip, p->cell_clip);
    return (int16_t)nc;
}

/* The new hidden value from the output gate o (Q0.15) and the new cell c. */
static inline int32_t q_hidden(const elstm_lstm_qparams *p, int16_t o, int16_t c, int32_t lo, int32_t hi)
{
    const int16_t t = q_tanh(c, p->cell_pow);
    return q_clamp(p->zp_h + q_mul((int32_t)t * o, p->m_h), lo, hi);
}

/* ---- what the integer LSTMs' init functions share ---- */

static inline uintptr_t q_align(uintptr_t p)
{
    return (p + (ELSTM_ARENA_ALIGN - 1)) & ~(uintptr_t)(ELSTM_ARENA_ALIGN - 1);
}

static inline int mult_ok(elstm_qmult m, int32_t max_shift)
{
    return m.m >= 0 && m.shift >= -31 && m.shift <= max_shift;
}

/* The checks both integer LSTMs share; `zp_lo..zp_hi` is the activation range;
 * `packed_only`: the row-major weights may be absent (the kernel reads a packed copy). */
static inline int qparams_ok(const elstm_lstm_qparams *q, int32_t zp_lo, int32_t zp_hi, int32_t max_shift,
                             int packed_only)
{
    int g;
    if (q->n_input < 1 || q->n_units < 1) return 0;
    for (g = 0; g < ELSTM_GATES; g++) {
        if ((!q->wx[g] || !q->wh[g]) && !packed_only) return 0;
        if (!mult_ok(q->mx[g], max_shift) || !mult_ok(q->mh[g], max_shift)) return 0;
    }
    if (!mult_ok(q->m_fc, 30) || !mult_ok(q->m_ig, 30) || !mult_ok(q->m_h, 30)) return 0;
    if (q->zp_in < zp_lo || q->zp_in > zp_hi || q->zp_h < zp_lo || q->zp_h > zp_hi) return 0;
    if (q->cell_pow < -24 || q->cell_pow > 0 || q->cell_clip > 32767) return 0;
    return 1;
}

/* Carve an integer LSTM's state from an arena: scratch int16 [scratch_n], c int16 [n],
 * h [n] of h_size bytes each (32-byte aligned regions); 0 if the arena is too small. */
static inline int q_carve(void *arena, size_t bytes, size_t n, size_t scratch_n, size_t h_size,
                          int16_t **scratch, int16_t **c, void **h)
{
    uintptr_t p = q_align((uintptr_t)arena), end = (uintptr_t)arena + bytes;
    *scratch = (int16_t *)p;
    p = q_align(p + scratch_n * sizeof(int16_t));
    *c = (int16_t *)p;
    p = q_align(p + n * sizeof(int16_t));
    *h = (void *)p;
    return p + n * h_size <= end;
}

#endif /* EDGELSTM_RUNTIME_QMATH_H */
