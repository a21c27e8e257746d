/*
 * lstm_s8_dsp.c - the int8 LSTM step for Armv7E-M (Cortex-M4/M7 with the DSP extension),
 * bit for bit the reference (lstm_s8_ref.c); chosen at build time (ELSTM_S8_KERNEL_DSP in
 * edgelstm/quant.h), this file is empty elsewhere.
 *
 * The weights come pre-arranged (elstm_lstm_s8.packed, written at deploy time by
 * elstm_lstm_pack_s8_dsp, runtime/host/lstm_s8_pack.c), two gate rows per 32-bit word:
 *
 *   for each unit n, first the input columns (I rounded up to even), then the recurrent
 *   ones (N rounded up to even), two columns k, k+1 at a time:
 *     word A = bytes [u_i(k), w_f(k), u_i(k+1), w_f(k+1)]    u = w + 128 as an unsigned byte
 *     word B = bytes [u_c(k), w_o(k), u_c(k+1), w_o(k+1)]    (padding columns: u = 128, w = 0)
 *
 * The activations are widened once per step to int16 pairs with their zero points
 * subtracted (x - zp_in, h - zp_h: one 32-bit word holds columns k, k+1). Read as two
 * signed halfwords, word A is [u_i(k) + 256 w_f(k), u_i(k+1) + 256 w_f(k+1)], so
 *
 *   SMLAD(A, H)                   accumulates  sum (u_i + 256 w_f) h
 *   SMLAD(SXTB16(A, ROR 8), H)    accumulates  sum w_f h             (bytes 1 and 3)
 *
 * and sum w_i h = first - 256 second - 128 sum h: three instructions for four
 * multiply-accumulates (two rows, two columns), where widening both rows would take four.
 * The sums are exact: the two accumulators wrap modulo 2^32 at worst, and the difference,
 * like the reference's sum, fits in 32 bits. The requantization, table activations and
 * cell update are qmath.h's, unit by unit.
 */
#include <string.h>

#include "edgelstm/quant.h"
#include "qmath.h"

#if defined(ELSTM_S8_KERNEL_DSP)

static inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

static inline uint32_t sxtb16_ror8(uint32_t a)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(a));
    return r;
}

/* The four gate sums of one unit over `pairs` column pairs: w the unit's packed words,
 * v the int16 activation pairs, vsum their sum. */
static void dot4(const uint32_t *w, const uint32_t *v, int32_t pairs, int32_t vsum, int32_t s[4])
{
    int32_t s1 = 0, sf = 0, s2 = 0, so = 0, k;
    for (k = 0; k < pairs; k++, w += 2) {
        const uint32_t h = v[k], a = w[0], b = w[1];
        s1 = smlad(a, h, s1);
        sf = smlad(sxtb16_ror8(a), h, sf);
        s2 = smlad(b, h, s2);
        so = smlad(sxtb16_ror8(b), h, so);
    }
    /* modulo 2^32, as the accumulators */
    s[ELSTM_GATE_I] = (int32_t)((uint32_t)s1 - ((uint32_t)sf << 8) - ((uint32_t)vsum << 7));
    s[ELSTM_GATE_F] = sf;
    s[ELSTM_GATE_C] = (int32_t)((uint32_t)s2 - ((uint32_t)so << 8) - ((uint32_t)vsum << 7));
    s[ELSTM_GATE_O] = so;
}

/* v[k] = a[k] - zp as int16 for k < n, 0 up to an even count; returns the sum. */
static int32_t widen(const int8_t *a, int32_t n, int32_t zp, int16_t *v)
{
    int32_t k, sum = 0;
    for (k = 0; k < n; k++) sum += v[k] = (int16_t)(a[k] - zp);
    if (n & 1) v[n] = 0;
    return sum;
}

ELSTM_API void elstm_lstm_step_s8(elstm_lstm_ctx_s8 *ctx, const int8_t *x)
{
    const elstm_lstm_s8 *m = ctx->model;
    const elstm_lstm_qparams *q = &m->q;
    const int32_t N = q->n_units, I = q->n_input, ip = (I + 1) / 2, np = (N + 1) / 2;
    /* scratch: h - zp_h [2 np], x - zp_in [2 ip], the next h [N] (init checked the room) */
    int16_t *hv = ctx->scratch, *xv = hv + 2 * np;
    int8_t *h_next = (int8_t *)(xv + 2 * ip);
    const uint32_t *w = (const uint32_t *)m->packed;
    int32_t xsum, hsum, n, g;
    if (!w || 4 * (ip + np) + N > 10 * N) {   /* no pre-arranged weights (or I > 3.5 N): the reference */
        elstm_lstm_step_s8_ref(ctx, x);
        return;
    }
    xsum = widen(x, I, q->zp_in, xv);
    hsum = widen(ctx->h, N, q->zp_h, hv);
    for (n = 0; n < N; n++, w += 2 * (ip + np)) {
        int32_t ax[4], ah[4];
        int16_t gate[4];
        dot4(w, (const uint32_t *)(const void *)xv, ip, xsum, ax);
        dot4(w + 2 * ip, (const uint32_t *)(const void *)hv, np, hsum, ah);
        for (g = 0; g < 4; g++) {
            if (m->b[g]) ax[g] += m->b[g][n];
            gate[g] = q_gate(q_mul(ax[g], q->mx[g]), q_mul(ah[g], q->mh[g]), g == ELSTM_GATE_C);
        }
        ctx->c[n] = q_cell(q, gate[ELSTM_GATE_I], gate[ELSTM_GATE_F], gate[ELSTM_GATE_C], ctx->c[n]);
        h_next[n] = (int8_t)q_hidden(q, gate[ELSTM_GATE_O], ctx->c[n], -128, 127);
    }
    memcpy(ctx->h, h_next, (size_t)N);
    ctx->steps++;
}

#endif /* ELSTM_S8_KERNEL_DSP */
