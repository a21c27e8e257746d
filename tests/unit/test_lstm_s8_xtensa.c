/*
 * test_lstm_s8_xtensa.c - the ESP32 / ESP32-S3 int8 kernel's plain C version
 * (runtime/lstm_s8_xtensa.c compiled with ELSTM_S8_XTENSA_HOST_TEST, weights widened by
 * elstm_lstm_pack_s8_xtensa) against the reference, bit for bit, on the host: its 32-bit
 * requantization against qmath.h's 64-bit q_mul (edge and random arguments, every right
 * shift), then every step's h and c of the random models of lstm_s8_opt_cases.h. The
 * assembly runs on the emulated core in tests/deploy/test_xtensa.sh.
 */
#define ELSTM_S8_XTENSA_HOST_TEST 1
#include "../../runtime/lstm_s8_xtensa.c"

#include "lstm_s8_opt_cases.h"

/* xs8_mul = q_mul for |x| < 2^30, every multiplier form the kernel accepts */
static int check_mul(void)
{
    static const int32_t edge[] = {0, 1, -1, 2, -2, 16383, 16384, -16384, 32767, 32768, -32768, -32769, 65535, 65536,
                                   -65536, 0x3FFFFFFF, -0x3FFFFFFF, 0x3FFF8000, -0x3FFF8000, 0x12345678, -0x12345678};
    static const int32_t ms[] = {0, 0x40000000, 0x40000000, 0x40007FFF, 0x40008000, 0x7FFF7FFF, 0x7FFF8000, 0x7FFFFFFF, 0x55555555};
    int bad = 0;
    for (int32_t e = 0; e <= 30; e++)
        for (int k = 0; k < 4000; k++) {
            elstm_qmult q = {k < 9 ? ms[k] : (int32_t)(0x40000000u + (s8_next() & 0x3FFFFFFFu)), -e};
            xs8_mult xm;
            if (!xs8_mult_of(q, &xm)) return 1;
            for (int j = 0; j < 24; j++) {
                int32_t x = j < (int)(sizeof edge / sizeof edge[0]) ? edge[j] : (int32_t)(s8_next() % 0x7FFFFFFFu) - 0x3FFFFFFF;
                if (j == 23) x >>= s8_next() % 30;
                const int32_t want = q_mul(x, q);
                if (xs8_mul(x, &xm) != want || (e <= 13 && xs8_mul13(x, &xm) != want) ||
                    (q.m == 0x40000000 && e <= 28 && (!xm.pow2 || xs8_mul2(x, &xm) != want))) {
                    if (bad++ < 5) printf("# xs8_mul(%ld, {%ld, %d}) = %ld, _mul13 %ld, _mul2 %ld, q_mul %ld\n", (long)x,
                                          (long)q.m, (int)q.shift, (long)xs8_mul(x, &xm), (long)xs8_mul13(x, &xm),
                                          (long)xs8_mul2(x, &xm), (long)want);
                }
            }
        }
    return bad;
}

/* the branchless activations = q_sigmoid and q_tanh for every int16 argument and every pow */
static int check_act(void)
{
    int bad = 0;
    for (int32_t x = -32768; x <= 32767; x++) {
        bad += xs8_sigmoid(x) != q_sigmoid((int16_t)x);
        for (int32_t pow = -24; pow <= 0; pow++) {
            const int32_t sh = 12 + pow;
            const int32_t v = sh >= 0 ? x * (3 << sh) : (x * 3 + (1 << (-sh - 1))) >> -sh;
            if (xs8_tanh_v(v) != q_tanh((int16_t)x, pow) && bad++ < 5)
                printf("# tanh(%ld, %ld): %ld, q_tanh %ld\n", (long)x, (long)pow, (long)xs8_tanh_v(v), (long)q_tanh((int16_t)x, pow));
        }
    }
    return bad;
}

/* the kernel and the reference in lock step on t: 1 when every h and c is equal */
static int compare(const s8_model *t, int32_t steps, int extremes)
{
    const int32_t N = t->m.q.n_units, I = t->m.q.n_input;
    const size_t bytes = ELSTM_LSTM_S8_ARENA_BYTES(N);
    unsigned char *a1 = malloc(bytes), *a2 = malloc(bytes);
    int8_t x[64];
    elstm_lstm_ctx_s8 xt, ref;
    int bad = elstm_lstm_init_s8(&xt, &t->m, a1, bytes) != ELSTM_OK || elstm_lstm_init_s8(&ref, &t->m, a2, bytes) != ELSTM_OK;
    for (int32_t s = 0; !bad && s < steps; s++) {
        for (int32_t j = 0; j < I; j++) x[j] = (int8_t)(extremes ? (s8_next() % 2 ? 127 : -128) : s8_int(-128, 127));
        elstm_lstm_step_s8_xtensa(&xt, x);
        elstm_lstm_step_s8_ref(&ref, x);
        bad = memcmp(xt.h, ref.h, (size_t)N) || memcmp(xt.c, ref.c, (size_t)N * sizeof *xt.c);
    }
    free(a1);
    free(a2);
    return !bad;
}

int main(void)
{
    static const int32_t Is[] = {1, 3, 4, 7, 9, 33};
    static const int32_t Ns[] = {1, 3, 5, 8, 13, 16, 64, 128, 130};
    int failed = 0, cases = 0, packed = 0;
    test_suite("lstm_s8_xtensa");
    TEST_TRUE("32-bit requantizations (general, e <= 13, m = 2^30) = q_mul (64-bit) for |x| < 2^30, right shifts 0-30 (3.7 M arguments)",
              check_mul() == 0);
    TEST_TRUE("branchless sigmoid and clamped tanh = q_sigmoid, q_tanh for every int16 and pow in [-24, 0]", check_act() == 0);
    for (size_t a = 0; a < sizeof Is / sizeof Is[0]; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof Ns[0]; b++)
            for (int hot = 0; hot < 2; hot++) {
                s8_model t;
                uint32_t *w;
                size_t words;
                s8_make(&t, Is[a], Ns[b], hot, (a + b) % 4 != 3, 1);
                words = elstm_lstm_packed_words_s8_xtensa(&t.m);
                w = malloc((words ? words : 1) * sizeof *w);
                if (words) {
                    elstm_lstm_pack_s8_xtensa(&t.m, w);
                    t.m.packed = w;
                    packed += !hot;
                }
                cases++;
                if (!(compare(&t, Ns[b] > 64 ? 12 : 30, 0) && compare(&t, 6, 1))) {
                    failed++;
                    printf("# I=%d N=%d hot=%d differs from the reference\n", (int)Is[a], (int)Ns[b], hot);
                }
                free(w);
                s8_free(&t);
            }
    printf("# %d models, %d packed\n", cases, packed);
    TEST_TRUE("the Xtensa int8 kernel (C version) equals the reference on every step (108 models, h and c)", failed == 0);
    /* the `hot` models' input multipliers shift left (scales above 1): those run the reference */
    TEST_TRUE("every model with right-shifting multipliers is packed for it (none of them falls back to the reference)",
              2 * packed == cases);
    {
        /* what it refuses: a left shift, a right shift of 31, a bias at the 2^30 bound */
        s8_model t;
        s8_make(&t, 7, 16, 0, 1, 0);
        elstm_qmult keep = t.m.q.mh[2];
        t.m.q.mh[2].shift = 1;
        int left = elstm_lstm_packed_words_s8_xtensa(&t.m) == 0;
        t.m.q.mh[2].shift = -31;
        int right = elstm_lstm_packed_words_s8_xtensa(&t.m) == 0;
        t.m.q.mh[2] = keep;
        t.b[5] = (1 << 30) - 32640 * 16;
        int bias = elstm_lstm_packed_words_s8_xtensa(&t.m) == 0;
        t.b[5] -= 1;
        int fits = elstm_lstm_packed_words_s8_xtensa(&t.m) == 16 * 4 * (8 + 16) / 2 + 1;
        TEST_TRUE("no layout (the reference runs) for a left shift, a right shift of 31, |b| + 32640 max(I4, N4) >= 2^30",
                  left && right && bias && fits);
        s8_free(&t);
    }
    return test_done();
}
