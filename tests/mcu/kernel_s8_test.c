/*
 * kernel_s8_test.c - on the emulated Cortex-M4F: the int8 DSP kernel
 * (runtime/lstm_s8_dsp.c, weights pre-arranged by runtime/host/lstm_s8_pack.c, both
 * compiled for the core) against the reference (runtime/lstm_s8_ref.c), bit for bit:
 * every step's h and c on random models of several shapes (odd inputs and units, zero
 * points, cell powers, clip, saturating scales, inputs at -128 and 127). Run by
 * tests/deploy/test_deploy_int8.sh under QEMU; one "ok - ..." / "not ok - ..." line per
 * shape, exit 1 on a failure. Built with -DELSTM_S8_DSP_TEST, which exports the kernel's
 * activations for an exhaustive check against qmath.h's.
 */
#include <stdio.h>
#include <string.h>

#include "edgelstm/quant.h"
#include "host/lstm_s8_pack.h"
#include "kernel_s8_rand.h"

#define MAX_N 66
#define MAX_I 135
static int8_t w[4 * (MAX_N * MAX_I + MAX_N * MAX_N)];
static int32_t bias[4 * MAX_N];
static uint32_t packed[MAX_N * 2 * ((MAX_I + 3) / 4 * 2 + (MAX_N + 3) / 4 * 2 + 2)];   /* the layout's even pair counts, 2 terms per part */
static unsigned char a1[ELSTM_LSTM_S8_ARENA_BYTES(MAX_N)], a2[ELSTM_LSTM_S8_ARENA_BYTES(MAX_N)];

/* mode: 0 plain multipliers; 1 a bias beyond the fast path's bound, 2 a requantizing
 * shift of 0 and 4 one of -1 (all take the kernel's undoubled path); 3 the largest sums: every weight
 * -128 or 127 (-128 too, which TFLite's symmetric weights avoid but a file may hold),
 * zero points at the ends, so that every activation is at +-255 and the Winograd
 * products' weight and activation terms are at their largest */
static int check(int32_t I, int32_t N, int hot, int32_t pow, int32_t clip, int mode)
{
    elstm_lstm_s8 m;
    elstm_lstm_ctx_s8 c1, c2;
    int8_t x[MAX_I];
    int32_t t, j, g, n, bad = 0;
    memset(&m, 0, sizeof m);
    for (j = 0; j < 4 * (N * I + N * N); j++)
        w[j] = (int8_t)(mode == 3 ? (next() % 2 ? 127 : -128) : next() % 9 == 0 ? (next() % 2 ? 127 : -127) : in_range(-127, 127));
    for (g = 0; g < 4; g++) {
        m.q.wx[g] = w + g * N * I;
        m.q.wh[g] = w + 4 * N * I + g * N * N;
        for (n = 0; n < N; n++) bias[g * N + n] = in_range(-40000, 40000);
        m.b[g] = g == 2 && N % 2 ? NULL : bias + g * N;
        m.q.mx[g] = mult(hot ? -2 : -5);
        m.q.mh[g] = mult(hot ? -3 : -6);
    }
    if (mode == 1) bias[N - 1] = N % 2 ? 1100000000 : -1100000000;
    if (mode == 2) m.q.mh[1].shift = 0;
    if (mode == 4) m.q.mx[3].shift = -1;
    m.q.n_input = I;
    m.q.n_units = N;
    m.q.m_fc = mult(-14);
    m.q.m_ig = mult(pow - 3);
    m.q.m_h = mult(-23);
    m.q.zp_in = mode == 3 ? 127 : in_range(-128, 127);
    m.q.zp_h = mode == 3 ? -128 : in_range(-128, 127);
    m.q.cell_pow = pow;
    m.q.cell_clip = clip;
    elstm_lstm_pack_s8_dsp(&m, packed);
    m.packed = packed;
    if (elstm_lstm_init_s8(&c1, &m, a1, sizeof a1) != ELSTM_OK || elstm_lstm_init_s8(&c2, &m, a2, sizeof a2) != ELSTM_OK) {
        printf("not ok - mcu_kernel_s8: init N=%d I=%d\n", (int)N, (int)I);
        return 0;
    }
    for (t = 0; t < 25; t++) {
        for (j = 0; j < I; j++) x[j] = (int8_t)(mode == 3 || t % 5 == 4 ? (next() % 2 ? 127 : -128) : in_range(-128, 127));
        elstm_lstm_step_s8(&c1, x);
        elstm_lstm_step_s8_ref(&c2, x);
        if (memcmp(c1.h, c2.h, (size_t)N) || memcmp(c1.c, c2.c, (size_t)N * 2)) bad++;
    }
    printf("%s - mcu_kernel_s8: Cortex-M4 DSP int8 kernel = reference, bit for bit: N=%d I=%d %s pow=%d clip=%d%s\n",
           bad ? "not ok" : "ok", (int)N, (int)I, hot ? "saturating" : "plain", (int)pow, (int)clip,
           mode == 1 ? " huge bias" : mode == 2 ? " shift 0" : mode == 4 ? " shift -1" : mode == 3 ? " extreme weights and activations" : "");
    return !bad;
}

#if defined(ELSTM_S8_DSP_TEST)
int32_t elstm_s8_dsp_sigmoid(int32_t z);
int32_t elstm_s8_dsp_tanh(int32_t x, int32_t pow);

/* The kernel's sigmoid and tanh (its two-sided table) against qmath.h's on every int16
 * input: the sigmoid of the gates, the tanh at every cell power (-12: the cell gate). */
static int check_activations(void)
{
    int32_t z, pow, bad = 0;
    for (z = -32768; z <= 32767; z++) {
        bad += elstm_s8_dsp_sigmoid(z) != elstm_q_sigmoid((int16_t)z);
        for (pow = -24; pow <= 0; pow++) bad += elstm_s8_dsp_tanh(z, pow) != elstm_q_tanh((int16_t)z, pow);
    }
    printf("%s - mcu_kernel_s8: the DSP kernel's sigmoid and tanh = qmath.h's on every int16 input, tanh at powers -24..0 (%d differ)\n",
           bad ? "not ok" : "ok", (int)bad);
    return !bad;
}
#endif

int main(void)
{
    int ok = 1;
#if !defined(ELSTM_S8_KERNEL_DSP)
    printf("not ok - mcu_kernel_s8: not built for the DSP extension (ELSTM_S8_KERNEL_DSP is not set)\n");
    return 1;
#endif
#if defined(ELSTM_S8_DSP_TEST)
    ok &= check_activations();
#else
    printf("not ok - mcu_kernel_s8: built without ELSTM_S8_DSP_TEST (the activations' check)\n");
    ok = 0;
#endif
    ok &= check(7, 32, 0, -12, -1, 0);
    ok &= check(1, 1, 0, -15, -1, 0);
    ok &= check(9, 13, 1, -11, 3000, 0);
    ok &= check(4, 40, 1, -20, -1, 0);
    ok &= check(3, 8, 0, -9, 0, 0);
    ok &= check(8, 5, 1, -14, 12000, 0);
    ok &= check(17, 35, 1, -3, -1, 0);     /* 18 recurrent pairs (35 + 1 padding column): 9 passes of 2; 2 blocks of units */
    ok &= check(135, 5, 0, -12, -1, 0);    /* 68 input pairs: x widened in chunks, unit by unit */
    ok &= check(7, 19, 0, -12, -1, 1);
    ok &= check(6, 18, 1, -13, 5000, 2);
    ok &= check(5, 66, 1, -12, -1, 0);     /* 34 recurrent pairs: one pass of 2 pairs, one of 32; 3 blocks */
    ok &= check(135, 66, 0, -12, -1, 3);   /* the largest sums: inputs in chunks, 68 input and 34 recurrent pairs */
    ok &= check(7, 63, 1, -12, 200, 3);
    ok &= check(7, 21, 0, -12, -1, 4);
    return ok ? 0 : 1;
}
