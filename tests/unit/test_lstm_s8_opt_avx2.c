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
    TEST_TRUE("the AVX2 kernel equals the reference on every step (120 models, h and c)",
              s8_run_matrix("avx2", &packed) == 0);
    TEST_TRUE("and the packed layout was exercised on every model", packed == 120);
#else
    TEST_TRUE("(no AVX2 here) the build's kernel equals the reference", s8_run_matrix("no-avx2", &packed) == 0);
#endif
    return test_done();
}
