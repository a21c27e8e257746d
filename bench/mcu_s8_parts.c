/*
 * mcu_s8_parts.c - the int8 DSP kernel (runtime/lstm_s8_dsp.c) alone on the emulated
 * Cortex-M4F, for bench/bench_mcu_s8_parts.sh: 168 steps of LSTM(N) x I inputs (the seed's
 * shape by default) on random weights and inputs, instructions counted by the harness's
 * SysTick (tools/mcu/mcu.h; exact under QEMU -icount). Built once as is and once with
 * -DELSTM_S8_DSP_SUMS_ONLY (the kernel then skips the requantization, activations, cell
 * and hidden update: its state is meaningless, only the count matters), so that the two
 * counts split the step into the gate sums and the per-unit work.
 *
 * Prints: instructions, per MAC, per unit and step, and a hash of the final h.
 */
#include <stdio.h>
#include <string.h>

#include "edgelstm/quant.h"
#include "host/lstm_s8_pack.h"
#include "kernel_s8_rand.h"
#include "mcu.h"

#ifndef N_UNITS
#define N_UNITS 128
#endif
#ifndef N_INPUT
#define N_INPUT 7
#endif
#define STEPS 168
#define N N_UNITS
#define I N_INPUT

static int8_t w[4 * (N * I + N * N)];
static int32_t bias[4 * N];
static uint32_t packed[N * 2 * ((I + 3) / 4 * 2 + (N + 3) / 4 * 2 + 2)];
static unsigned char arena[ELSTM_LSTM_S8_ARENA_BYTES(N)];
static int8_t x[STEPS][I];

int main(void)
{
    elstm_lstm_s8 m;
    elstm_lstm_ctx_s8 ctx;
    int32_t j, g, n, t;
    uint64_t t0, t1;
    uint32_t hash = 0;
    const double macs = (double)STEPS * 4 * N * (N + I);
    memset(&m, 0, sizeof m);
    for (j = 0; j < 4 * (N * I + N * N); j++) w[j] = (int8_t)in_range(-60, 60);
    for (g = 0; g < 4; g++) {
        m.q.wx[g] = w + g * N * I;
        m.q.wh[g] = w + 4 * N * I + g * N * N;
        for (n = 0; n < N; n++) bias[g * N + n] = in_range(-4000, 4000);
        m.b[g] = bias + g * N;
        m.q.mx[g] = mult(-9);
        m.q.mh[g] = mult(-9);
    }
    m.q.n_input = I;
    m.q.n_units = N;
    m.q.m_fc = mult(-14);
    m.q.m_ig = mult(-15);
    m.q.m_h = mult(-23);
    m.q.zp_in = 3;
    m.q.zp_h = -5;
    m.q.cell_pow = -12;
    m.q.cell_clip = -1;
    elstm_lstm_pack_s8_dsp(&m, packed);
    m.packed = packed;
    if (elstm_lstm_init_s8(&ctx, &m, arena, sizeof arena) != ELSTM_OK) return 1;
    for (t = 0; t < STEPS; t++)
        for (j = 0; j < I; j++) x[t][j] = (int8_t)in_range(-128, 127);
    elstm_mcu_counter_start();
    t0 = elstm_mcu_instructions();
    for (t = 0; t < STEPS; t++) elstm_lstm_step_s8(&ctx, x[t]);
    t1 = elstm_mcu_instructions();
    for (j = 0; j < N; j++) hash = hash * 31u + (uint8_t)ctx.h[j];
    printf("instructions %lu per_mac %.4f per_unit_step %.1f h_hash %08lx\n", (unsigned long)(t1 - t0),
           (double)(t1 - t0) / macs, (double)(t1 - t0) / ((double)STEPS * N), (unsigned long)hash);
    return 0;
}
