/*
 * kernel_s8_xt_test.c - on the emulated ESP32-class Xtensa core: the int8 kernel
 * (runtime/lstm_s8_xtensa.c, weights widened by runtime/host/lstm_s8_pack.c, both compiled
 * for the core; its assembly, or its C version with -DELSTM_XTENSA_NO_ASM) against the
 * reference (runtime/lstm_s8_ref.c), bit for bit: every step's h and c on random int8
 * models in the shapes of tests/mcu/kernel_cases.h (units and inputs that are and are not
 * multiples of 4, one input, clipping, no biases, saturating gates), zero points anywhere,
 * inputs at -128 and 127, cell multipliers random or 2^30 (as TFLite makes them). Run by
 * tests/deploy/test_xtensa.sh under QEMU; one
 * "ok - ..." / "not ok - ..." line per shape, exit 1 on a failure.
 */
#include <stdio.h>
#include <string.h>

#include "edgelstm/quant.h"
#include "host/lstm_s8_pack.h"
#include "kernel_cases.h"
#include "kernel_s8_rand.h"

static int8_t w[4 * (KC_MAX_N * KC_MAX_I + KC_MAX_N * KC_MAX_N)];
static int32_t bias[4 * KC_MAX_N];
static uint32_t packed[KC_MAX_N * 4 * (KC_MAX_I + KC_MAX_N) / 2 + 1];
static unsigned char a1[ELSTM_LSTM_S8_ARENA_BYTES(KC_MAX_N)], a2[ELSTM_LSTM_S8_ARENA_BYTES(KC_MAX_N)];

static int check(const kc_shape *s)
{
    const int32_t N = s->N, I = s->I, hot = s->scale > 1.0f, pow = -9 - (int32_t)(next() % 12);
    elstm_lstm_s8 m;
    elstm_lstm_ctx_s8 c1, c2;
    int8_t x[KC_MAX_I];
    int32_t t, j, g, n, bad = 0;
    memset(&m, 0, sizeof m);
    for (j = 0; j < 4 * (N * I + N * N); j++) w[j] = (int8_t)(next() % 9 == 0 ? (next() % 2 ? 127 : -128) : in_range(-127, 127));
    for (g = 0; g < 4; g++) {
        m.q.wx[g] = w + g * N * I;
        m.q.wh[g] = w + 4 * N * I + g * N * N;
        for (n = 0; n < N; n++) bias[g * N + n] = in_range(-40000, 40000);
        m.b[g] = s->bias ? bias + g * N : NULL;
        /* saturating shapes: gate multipliers up to 1 (shift 0), the others about 2^-5 */
        m.q.mx[g] = mult(hot ? (s->scale > 1e3f ? 0 : -2) : -5 - (int32_t)(next() % 3));
        m.q.mh[g] = mult(hot ? (s->scale > 1e3f ? 0 : -3) : -6 - (int32_t)(next() % 3));
    }
    m.q.n_input = I;
    m.q.n_units = N;
    m.q.m_fc = mult(-14);
    m.q.m_ig = mult(pow - 3);
    m.q.m_h = mult(-23);
    if (s->T % 2) m.q.m_fc.m = m.q.m_ig.m = 0x40000000; /* a power-of-two cell scale, as in every trained model */
    m.q.zp_in = in_range(-128, 127);
    m.q.zp_h = in_range(-128, 127);
    m.q.cell_pow = pow;
    m.q.cell_clip = s->clip > 0.0f ? in_range(0, 30000) : -1;
    if (elstm_lstm_packed_words_s8_xtensa(&m) != (size_t)(N * 4 * (((I + 3) & ~3) + ((N + 3) & ~3)) / 2 + 1)) {
        printf("not ok - mcu_kernel_s8_xt: N=%d I=%d not packed\n", (int)N, (int)I);
        return 0;
    }
    elstm_lstm_pack_s8_xtensa(&m, packed);
    m.packed = packed;
    if (elstm_lstm_init_s8(&c1, &m, a1, sizeof a1) != ELSTM_OK || elstm_lstm_init_s8(&c2, &m, a2, sizeof a2) != ELSTM_OK) {
        printf("not ok - mcu_kernel_s8_xt: init N=%d I=%d\n", (int)N, (int)I);
        return 0;
    }
    for (t = 0; t < s->T; t++) {
        for (j = 0; j < I; j++) x[j] = (int8_t)(t % 5 == 4 ? (next() % 2 ? 127 : -128) : in_range(-128, 127));
        elstm_lstm_step_s8(&c1, x);
        elstm_lstm_step_s8_ref(&c2, x);
        if (memcmp(c1.h, c2.h, (size_t)N) || memcmp(c1.c, c2.c, (size_t)N * 2)) bad++;
    }
    printf("%s - mcu_kernel_s8_xt: Xtensa int8 %s kernel = reference, bit for bit: N=%d I=%d T=%d %s%s%s%s\n",
           bad ? "not ok" : "ok",
#if defined(ELSTM_XTENSA_NO_ASM)
           "C",
#else
           "MAC16",
#endif
           (int)N, (int)I, (int)s->T, hot ? "saturating" : "plain", s->bias ? "" : " no-bias", s->clip > 0.0f ? " clip" : "",
           s->T % 2 ? " cell-2^30" : "");
    return !bad;
}

int main(void)
{
    int ok = 1, k;
#if !defined(ELSTM_S8_KERNEL_XTENSA)
    printf("not ok - mcu_kernel_s8_xt: not built for the Xtensa kernel (ELSTM_S8_KERNEL_XTENSA is not set)\n");
    return 1;
#endif
    for (k = 0; k < KC_SHAPES; k++) ok &= check(&kc_shapes[k]);
    return ok ? 0 : 1;
}
