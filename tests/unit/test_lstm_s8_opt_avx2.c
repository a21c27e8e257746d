/*
 * test_lstm_s8_opt_avx2.c - the AVX2 int8 LSTM kernel against the reference on a host
 * whose build selects AVX-512 VNNI: the kernel and its packing are compiled here again
 * with ELSTM_S8_NO_VNNI (this file defines their symbols, so the library's are not
 * linked in). Elsewhere it tests whatever that build selects.
 */
#define ELSTM_S8_NO_VNNI 1
#include "../../runtime/host/lstm_s8_pack.c"
#include "../../runtime/lstm_s8_opt.c"

#include "lstm_s8_opt_cases.h"

int main(void)
{
    test_suite("lstm_s8_opt_avx2");
    int packed = 0;
#if defined(ELSTM_S8_KERNEL_AVX2)
    TEST_TRUE("the AVX2 kernel equals the reference on every step (180 models, h and c)",
              s8_run_matrix("avx2", &packed) == 0);
    TEST_TRUE("and the packed layout was exercised on every model", packed == 180);
    /* the layout's fix-up rows (lstm_s8_opt.h): one per column group, gate and block
     * whose byte pairs could saturate vpmaddubsw, none where no pair can */
    s8_model t;
    s8_make(&t, 7, 16, 0, 1, 1);
    const size_t plain = elstm_lstm_packed_bytes_s8(&t.m), group = 4 * ELSTM_S8_BLOCK * 4;
    const size_t main = ELSTM_S8_PACK_HEADER_INTS(16) * 4 + (16 / ELSTM_S8_BLOCK) * (2 + 4) * (group + 1);
    for (size_t i = 0; i < 4 * (7 * 16 + 16 * 16); i++) t.w[i] = (int8_t)s8_int(-64, 64);
    TEST_TRUE("weights in [-64, 64] need no fix-up row (their pairs sum to 128 at most)",
              elstm_lstm_packed_bytes_s8(&t.m) == main);
    int8_t *row = t.w + 4 * 7 * 16 + 3 * 16 * 16 + 16 * 9;   /* gate o, unit 9 of Wh */
    row[4] = 64, row[5] = 65, row[6] = 64, row[7] = 64;   /* pairs (4, 5) and, rotated, (5, 6) sum to 129 */
    TEST_TRUE("one pair summing to 129 makes one fix-up row (the gate's 16 units, its column group)",
              elstm_lstm_packed_bytes_s8(&t.m) == main + 4 * ELSTM_S8_BLOCK + 4);
    TEST_TRUE("and the kernel still equals the reference", s8_pack(&t) && s8_compare(&t, 20, 0) && s8_compare(&t, 5, 2));
    free(t.packed);
    t.packed = NULL;
    row[6] = 0;   /* pairs (5, 6) and (7, 4) are exact: the group's bytes rotate */
    TEST_TRUE("a group whose rotated pairs are exact needs no fix-up row", elstm_lstm_packed_bytes_s8(&t.m) == main);
    TEST_TRUE("and the kernel with a rotated group equals the reference",
              s8_pack(&t) && s8_compare(&t, 20, 0) && s8_compare(&t, 5, 2));
    TEST_TRUE("uniform weights in [-128, 127] make fix-up rows", plain > main);
    s8_free(&t);
#else
    TEST_TRUE("(no AVX2 here) the build's kernel equals the reference", s8_run_matrix("no-avx2", &packed) == 0);
#endif
    return test_done();
}
