/*
 * test_lstm_f32_opt_generic.c - the plain C kernel of runtime/lstm_f32_opt.c against the reference,
 * on every machine: the kernel source is compiled here a second time with
 * ELSTM_FORCE_GENERIC (so that on an AVX2 host, where the library holds the AVX2 kernel,
 * the plain C one is tested too). This file defines the _opt symbols itself, so the
 * library's lstm_f32_opt.o is not linked in.
 */
#define ELSTM_FORCE_GENERIC 1
#include "../../runtime/lstm_f32_opt.c"

#include "lstm_f32_opt_cases.h"

int main(void)
{
    test_suite("lstm_f32_opt_generic");
#if !defined(ELSTM_KERNEL_GENERIC)
#error "ELSTM_FORCE_GENERIC did not select the plain C kernel"
#endif
    run_shape_matrix("generic");
    check_unit_ranges("generic");
    check_packed("generic");
    return test_done();
}
