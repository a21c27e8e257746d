/*
 * lstm_s8_pack.c - write the packed int8 LSTM layout (runtime/lstm_s8_opt.h) on the host.
 */
#include <string.h>

#include "lstm_s8_pack.h"

static int has_minus_128(const int8_t *w, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (w[i] == -128) return 1;
    return 0;
}

size_t elstm_lstm_packed_bytes_s8(const elstm_lstm_s8 *m)
{
#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
    const size_t N = (size_t)m->q.n_units, I = (size_t)m->q.n_input, Np = ELSTM_S8_PACK_NP(N);
    int g;
#if defined(ELSTM_S8_KERNEL_AVX2)
    for (g = 0; g < ELSTM_GATES; g++)
        if (has_minus_128(m->q.wx[g], N * I) || has_minus_128(m->q.wh[g], N * N)) return 0;
#else
    (void)g;
    (void)has_minus_128;
#endif
    return 8 * Np * sizeof(int32_t) +
           (Np / ELSTM_S8_BLOCK) * (size_t)(ELSTM_S8_PACK_GROUPS(I) + ELSTM_S8_PACK_GROUPS(N)) * 4 * ELSTM_S8_BLOCK * 4;
#else
    (void)m;
    (void)has_minus_128;
    return 0;
#endif
}

/* One matrix W [N][K] of the four gates into blocks: [block][K/4][gate][unit][4]. */
static void pack_matrix(const int8_t *const src[ELSTM_GATES], size_t N, size_t K, size_t stride_block,
                        int8_t *dst)
{
    size_t b, c, u, j;
    int g;
    const size_t B = ELSTM_S8_BLOCK;
    for (b = 0; b < (N + B - 1) / B; b++)
        for (c = 0; c < ELSTM_S8_PACK_GROUPS(K); c++)
            for (g = 0; g < ELSTM_GATES; g++)
                for (u = 0; u < B; u++)
                    for (j = 0; j < 4; j++) {
                        size_t n = B * b + u, k = 4 * c + j;
                        dst[b * stride_block + ((c * 4 + (size_t)g) * B + u) * 4 + j] =
                            n < N && k < K ? src[g][n * K + k] : 0;
                    }
}

void elstm_lstm_pack_s8(const elstm_lstm_s8 *m, void *dst)
{
    const size_t N = (size_t)m->q.n_units, I = (size_t)m->q.n_input, Np = ELSTM_S8_PACK_NP(N);
    const size_t gx = ELSTM_S8_PACK_GROUPS(I), gh = ELSTM_S8_PACK_GROUPS(N);
    const size_t block = (gx + gh) * 4 * ELSTM_S8_BLOCK * 4;   /* bytes per block of units */
    int32_t *bx = (int32_t *)dst, *bh = bx + 4 * Np;
    int8_t *w = (int8_t *)(bh + 4 * Np);
    size_t n, k;
    int g;
    memset(dst, 0, elstm_lstm_packed_bytes_s8(m));
    for (g = 0; g < ELSTM_GATES; g++)
        for (n = 0; n < N; n++) {
            int32_t sx = 0, sh = 0;
            for (k = 0; k < I; k++) sx += m->q.wx[g][n * I + k];
            for (k = 0; k < N; k++) sh += m->q.wh[g][n * N + k];
            /* exact in int32 modulo 2^32, like the kernel's own sums */
            bx[(size_t)g * Np + n] = (int32_t)((uint32_t)(m->b[g] ? m->b[g][n] : 0) -
                                               (uint32_t)(m->q.zp_in + ELSTM_S8_PACK_SHIFT) * (uint32_t)sx);
            bh[(size_t)g * Np + n] = (int32_t)(0u - (uint32_t)(m->q.zp_h + ELSTM_S8_PACK_SHIFT) * (uint32_t)sh);
        }
    pack_matrix(m->q.wx, N, I, block, w);
    pack_matrix(m->q.wh, N, N, block, w + gx * 4 * ELSTM_S8_BLOCK * 4);
}

size_t elstm_lstm_packed_words_s8_dsp(const elstm_lstm_s8 *m)
{
    /* column pairs, an even number of them (runtime/lstm_s8_dsp.c reads two at a time),
     * and per part the two constants of the rows taken in Winograd's pairs */
    const size_t ip = ((size_t)m->q.n_input + 3) / 4 * 2, np = ((size_t)m->q.n_units + 3) / 4 * 2;
    return (size_t)m->q.n_units * 2 * (ip + np + 2);
}

/* The bytes [u_a(k), w_b(k), u_a(k+1), w_b(k+1)] of rows a, b of one unit as a word. */
static uint32_t dsp_word(const int8_t *ra, const int8_t *rb, size_t k, size_t K)
{
    uint32_t u0 = k < K ? (uint8_t)(ra[k] + 128) : 128, w0 = k < K ? (uint8_t)rb[k] : 0;
    uint32_t u1 = k + 1 < K ? (uint8_t)(ra[k + 1] + 128) : 128, w1 = k + 1 < K ? (uint8_t)rb[k + 1] : 0;
    return u0 | w0 << 8 | u1 << 16 | w1 << 24;
}

/* Minus the weight-only term of Winograd's products over row r of K columns (padded with
 * zeros to a multiple of 4): -sum over quads q of r(4q) r(4q+2) + r(4q+1) r(4q+3), modulo 2^32. */
static uint32_t dsp_wino(const int8_t *r, size_t K)
{
    uint32_t c = 0;
    size_t k;
    for (k = 0; k + 2 < K; k++)
        if (k % 4 < 2) c += (uint32_t)((int32_t)r[k] * r[k + 2]);
    return 0u - c;
}

void elstm_lstm_pack_s8_dsp(const elstm_lstm_s8 *m, uint32_t *dst)
{
    const size_t N = (size_t)m->q.n_units, I = (size_t)m->q.n_input;
    size_t n, k;
    for (n = 0; n < N; n++) {
        const int8_t *const *w[2] = {m->q.wx, m->q.wh};
        const size_t K[2] = {I, N}, K4[2] = {(I + 3) & ~(size_t)3, (N + 3) & ~(size_t)3};
        int part;
        for (part = 0; part < 2; part++) {
            const int8_t *const *mat = w[part];
            *dst++ = dsp_wino(mat[ELSTM_GATE_F] + n * K[part], K[part]);
            *dst++ = dsp_wino(mat[ELSTM_GATE_O] + n * K[part], K[part]);
            for (k = 0; k < K4[part]; k += 2) {
                *dst++ = dsp_word(mat[ELSTM_GATE_I] + n * K[part], mat[ELSTM_GATE_F] + n * K[part], k, K[part]);
                *dst++ = dsp_word(mat[ELSTM_GATE_C] + n * K[part], mat[ELSTM_GATE_O] + n * K[part], k, K[part]);
            }
        }
    }
}

static int xt_shift_ok(elstm_qmult q) { return q.shift <= 0 && q.shift >= -30; }

size_t elstm_lstm_packed_words_s8_xtensa(const elstm_lstm_s8 *m)
{
    const size_t N = (size_t)m->q.n_units, I4 = ((size_t)m->q.n_input + 3) & ~(size_t)3, N4 = (N + 3) & ~(size_t)3;
    const int64_t room = ((int64_t)1 << 30) - 32640 * (int64_t)(I4 > N4 ? I4 : N4);
    int ok = room > 0 && xt_shift_ok(m->q.m_fc) && xt_shift_ok(m->q.m_ig) && xt_shift_ok(m->q.m_h);
    size_t n;
    int g;
    for (g = 0; g < ELSTM_GATES && ok; g++) {
        ok = xt_shift_ok(m->q.mx[g]) && xt_shift_ok(m->q.mh[g]);
        for (n = 0; n < N && ok && m->b[g]; n++) ok = (m->b[g][n] < 0 ? -(int64_t)m->b[g][n] : m->b[g][n]) < room;
    }
    return ok ? N * ELSTM_GATES * (I4 + N4) / 2 + 1 : 0;
}

/* row [0, K) as int16, zero up to K4, two per word */
static uint32_t *xt_row(const int8_t *row, size_t K, size_t K4, uint32_t *dst)
{
    size_t k;
    for (k = 0; k < K4; k += 2) {
        const uint32_t lo = k < K ? (uint16_t)(int16_t)row[k] : 0, hi = k + 1 < K ? (uint16_t)(int16_t)row[k + 1] : 0;
        *dst++ = lo | hi << 16;
    }
    return dst;
}

void elstm_lstm_pack_s8_xtensa(const elstm_lstm_s8 *m, uint32_t *dst)
{
    const size_t N = (size_t)m->q.n_units, I = (size_t)m->q.n_input, I4 = (I + 3) & ~(size_t)3, N4 = (N + 3) & ~(size_t)3;
    size_t n;
    int g;
    for (n = 0; n < N; n++)
        for (g = 0; g < ELSTM_GATES; g++) {
            dst = xt_row(m->q.wx[g] + n * I, I, I4, dst);
            dst = xt_row(m->q.wh[g] + n * N, N, N4, dst);
        }
    *dst = 0; /* the kernel's loads run one word ahead */
}
