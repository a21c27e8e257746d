/*
 * lstm_s8_pack.c - write the packed int8 LSTM layout (runtime/lstm_s8_opt.h) on the host.
 */
#include <string.h>

#include "lstm_s8_pack.h"

#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
/* One matrix W [N][K] of the four gates. */
typedef struct pack_matrix {
    const int8_t *const *w;
    size_t N, K;
} pack_matrix;

static int weight(const pack_matrix *a, int g, size_t n, size_t k)
{
    return n < a->N && k < a->K ? a->w[g][n * a->K + k] : 0;
}

/* The column at byte j of column group c when the group's activations are rotated by s
 * bytes (lstm_s8_opt.h). */
static size_t column(size_t c, size_t j, size_t s) { return 4 * c + ((j + s) & 3); }

/* Whether the byte pair (j, j + 1) of row n of gate g in column group c, rotation s, must be
 * split (lstm_s8_opt.h): its positive or its negative weights sum to more than 128 in
 * magnitude. */
static int pair_splits(const pack_matrix *a, int g, size_t n, size_t c, size_t j, size_t s)
{
    const int w0 = weight(a, g, n, column(c, j, s)), w1 = weight(a, g, n, column(c, j + 1, s));
    const int pos = (w0 > 0 ? w0 : 0) + (w1 > 0 ? w1 : 0), neg = (w0 < 0 ? -w0 : 0) + (w1 < 0 ? -w1 : 0);
    return ELSTM_S8_PACK_SPLIT && (pos > 128 || neg > 128);
}

/* Whether block b of gate g has a split pair in column group c, rotation s. */
static int row_splits(const pack_matrix *a, int g, size_t b, size_t c, size_t s)
{
    size_t u, j;
    for (u = 0; u < ELSTM_S8_BLOCK; u++)
        for (j = 0; j < 4; j += 2)
            if (pair_splits(a, g, ELSTM_S8_BLOCK * b + u, c, j, s)) return 1;
    return 0;
}

/* The rotation (0 or 1 byte) of column group c of block b: the one with fewer split rows. */
static size_t group_rotation(const pack_matrix *a, size_t b, size_t c)
{
    int g, n[2] = {0, 0};
    for (g = 0; g < ELSTM_GATES; g++) n[0] += row_splits(a, g, b, c, 0);
    if (!n[0]) return 0;
    for (g = 0; g < ELSTM_GATES; g++) n[1] += row_splits(a, g, b, c, 1);
    return n[1] < n[0];
}

static void matrices(const elstm_lstm_s8 *m, pack_matrix a[2])
{
    a[0].w = m->q.wx;
    a[0].N = a[1].N = (size_t)m->q.n_units;
    a[0].K = (size_t)m->q.n_input;
    a[1].w = m->q.wh;
    a[1].K = (size_t)m->q.n_units;
}

/* Visit the fix-up rows of block b in the layout's order (matrix, gate, column group);
 * fix(ctx, matrix p, c, g, b) for each; count[p * 4 + g] += the rows of matrix p, gate g. */
static void block_fixes(const pack_matrix a[2], size_t b, void (*fix)(void *, const pack_matrix *, size_t, int, size_t),
                        void *ctx, size_t count[8])
{
    size_t c;
    int p, g;
    for (p = 0; p < 2; p++)
        for (g = 0; g < ELSTM_GATES; g++)
            for (c = 0; c < ELSTM_S8_PACK_GROUPS(a[p].K); c++)
                if (row_splits(&a[p], g, b, c, group_rotation(&a[p], b, c))) {
                    if (fix) fix(ctx, &a[p], c, g, b);
                    count[p * ELSTM_GATES + g]++;
                }
}

/* The fix-up rows of the whole model. */
static size_t fix_rows(const elstm_lstm_s8 *m)
{
    pack_matrix a[2];
    size_t b, count[8] = {0}, n = 0;
    int i;
    matrices(m, a);
    for (b = 0; b < ELSTM_S8_PACK_NP(a[0].N) / ELSTM_S8_BLOCK; b++) block_fixes(a, b, NULL, NULL, count);
    for (i = 0; i < 8; i++) n += count[i];
    return n;
}

/* Byte j of column group c of row n in the main stream (part 0: split pairs halved,
 * floor(w / 2)) or in a fix-up row (part 1: w - floor(w / 2) at split pairs, else 0). */
static int8_t packed_weight(const pack_matrix *a, int g, size_t n, size_t c, size_t j, size_t s, int part)
{
    const int w = weight(a, g, n, column(c, j, s)), half = w >= 0 ? w / 2 : -((1 - w) / 2);
    const int split = pair_splits(a, g, n, c, j & ~(size_t)1, s);
    return (int8_t)(!split ? (part ? 0 : w) : part ? w - half : half);
}

typedef struct fix_writer {
    int8_t *w;          /* the next fix-up row's bytes */
    int32_t *group;     /* its entry in fix_group */
} fix_writer;

static void write_fix(void *ctx, const pack_matrix *a, size_t c, int g, size_t b)
{
    fix_writer *f = (fix_writer *)ctx;
    const size_t s = group_rotation(a, b, c);
    size_t u, j;
    for (u = 0; u < ELSTM_S8_BLOCK; u++)
        for (j = 0; j < 4; j++) *f->w++ = packed_weight(a, g, ELSTM_S8_BLOCK * b + u, c, j, s, 1);
    *f->group++ = (int32_t)c;
}
#endif

size_t elstm_lstm_packed_bytes_s8(const elstm_lstm_s8 *m)
{
#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
    const size_t N = (size_t)m->q.n_units, I = (size_t)m->q.n_input, Np = ELSTM_S8_PACK_NP(N);
    const size_t group = 4 * ELSTM_S8_BLOCK * 4;   /* bytes of one column group */
    return ELSTM_S8_PACK_HEADER_INTS(Np) * sizeof(int32_t) +
           (Np / ELSTM_S8_BLOCK) * (ELSTM_S8_PACK_GROUPS(I) + ELSTM_S8_PACK_GROUPS(N)) * group +
           fix_rows(m) * (4 * ELSTM_S8_BLOCK + sizeof(int32_t)) +
           (Np / ELSTM_S8_BLOCK) * (ELSTM_S8_PACK_GROUPS(I) + ELSTM_S8_PACK_GROUPS(N));   /* rotations */
#else
    (void)m;
    return 0;
#endif
}

void elstm_lstm_pack_s8(const elstm_lstm_s8 *m, void *dst)
{
#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
    const size_t N = (size_t)m->q.n_units, I = (size_t)m->q.n_input, Np = ELSTM_S8_PACK_NP(N);
    const size_t blocks = Np / ELSTM_S8_BLOCK, fixes = fix_rows(m);
    int32_t *bx = (int32_t *)dst, *bh = bx + 4 * Np, *fix_start = bh + 4 * Np;
    int8_t *w = (int8_t *)((int32_t *)dst + ELSTM_S8_PACK_HEADER_INTS(Np));
    pack_matrix a[2];
    fix_writer fw;
    uint8_t *rot;
    size_t n, k, b, c, u, j;
    int g, p;
    matrices(m, a);
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
    rot = (uint8_t *)(void *)(w + blocks * (ELSTM_S8_PACK_GROUPS(I) + ELSTM_S8_PACK_GROUPS(N)) * 16 * ELSTM_S8_BLOCK +
                              fixes * (4 * ELSTM_S8_BLOCK + sizeof(int32_t)));
    for (b = 0; b < blocks; b++)   /* [block][matrix][column group][gate][unit][4] */
        for (p = 0; p < 2; p++)
            for (c = 0; c < ELSTM_S8_PACK_GROUPS(a[p].K); c++) {
                const size_t s = group_rotation(&a[p], b, c);
                *rot++ = (uint8_t)(8 * s);
                for (g = 0; g < ELSTM_GATES; g++)
                    for (u = 0; u < ELSTM_S8_BLOCK; u++)
                        for (j = 0; j < 4; j++) *w++ = packed_weight(&a[p], g, ELSTM_S8_BLOCK * b + u, c, j, s, 0);
            }
    fw.w = w;
    fw.group = (int32_t *)(void *)(w + fixes * 4 * ELSTM_S8_BLOCK);
    for (b = 0, n = 0; b < blocks; b++) {
        size_t count[8] = {0};
        int i;
        block_fixes(a, b, write_fix, &fw, count);
        for (i = 0; i < 8; i++) {
            fix_start[8 * b + (size_t)i] = (int32_t)n;
            n += count[i];
        }
    }
    fix_start[8 * blocks] = (int32_t)n;
#else
    (void)m;
    (void)dst;
#endif
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
