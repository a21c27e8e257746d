/*
 * test_lstm_f32_cortexm.c - the Cortex-M4F kernel's plain C version (runtime/lstm_f32_cortexm.c
 * compiled with ELSTM_CORTEXM_HOST_TEST) against the reference kernel, on the host.
 *
 * The same file's assembly and C versions run on the emulated Cortex-M4F in
 * tests/deploy/test_mcu.sh (tests/mcu/kernel_test.c), on the same shapes and models
 * (tests/mcu/kernel_cases.h). Every step's h and c are compared, then the dense output.
 */
#define ELSTM_CORTEXM_HOST_TEST 1
#include "lstm_f32_cortexm.c"

#include "mcu_kernel_check.h"

int main(void)
{
    test_suite("lstm_f32_cortexm");
    for (int k = 0; k < KC_SHAPES; k++) mkc_check_shape(elstm_lstm_step_f32_cortexm, "C kernel", &kc_shapes[k]);
    return test_done();
}
