/*
 * test_lstm_f32_xtensa.c - the Xtensa (ESP32, ESP32-S3) kernel's plain C version
 * (runtime/lstm_f32_xtensa.c compiled with ELSTM_XTENSA_HOST_TEST) against the reference
 * kernel, on the host.
 *
 * The same file's assembly and C versions run on the emulated ESP32-class core in
 * tests/deploy/test_xtensa.sh (tests/mcu/kernel_test.c), on the same shapes and models
 * (tests/mcu/kernel_cases.h): units that are and are not multiples of 3 (the assembly's
 * blocks of 3 units, ending with blocks of 2 or 1), one input, cell clipping, no biases.
 */
#define ELSTM_XTENSA_HOST_TEST 1
#include "lstm_f32_xtensa.c"

#include "mcu_kernel_check.h"

int main(void)
{
    test_suite("lstm_f32_xtensa");
    for (int k = 0; k < KC_SHAPES; k++) mkc_check_shape(elstm_lstm_step_f32_xtensa, "C kernel", &kc_shapes[k]);
    return test_done();
}
