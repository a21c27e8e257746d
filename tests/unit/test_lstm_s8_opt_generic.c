/*
 * test_lstm_s8_opt_generic.c - the plain C int8 LSTM kernel of runtime/lstm_s8_opt.c
 * against the reference on every machine: compiled here with ELSTM_FORCE_GENERIC (this
 * file defines the kernel's symbols, so the library's are not linked in).
 */
#define ELSTM_FORCE_GENERIC 1
#include "../../runtime/host/lstm_s8_pack.c"
#include "../../runtime/lstm_s8_opt.c"

#include "lstm_s8_opt_cases.h"

int main(void)
{
    test_suite("lstm_s8_opt_generic");
#if !defined(ELSTM_S8_KERNEL_GENERIC)
#error "ELSTM_FORCE_GENERIC did not select the plain C kernel"
#endif
    int packed = 0;
    TEST_TRUE("the plain C kernel equals the reference on every step (180 models, h and c)",
              s8_run_matrix("generic", &packed) == 0);
    TEST_TRUE("it reads no packed layout", packed == 0);
    return test_done();
}
