/*
 * test_lstm_s8_opt.c - the fast int8 LSTM kernel this build selects (edgelstm/quant.h:
 * AVX-512 VNNI or AVX2 on x86-64, plain C elsewhere) against the reference, bit for bit,
 * packed and not; a model with a -128 weight is packed and computes exactly. test_lstm_s8_opt_avx2.c and _generic.c test the other x86 variants.
 */
#include "lstm_s8_opt_cases.h"

#if defined(ELSTM_S8_KERNEL_VNNI)
#define KERNEL "vnni"
#elif defined(ELSTM_S8_KERNEL_AVX2)
#define KERNEL "avx2"
#else
#define KERNEL "generic"
#endif

int main(void)
{
    test_suite("lstm_s8_opt");
    int packed = 0;
    TEST_TRUE("the " KERNEL " kernel equals the reference on every step (180 models, h and c)",
              s8_run_matrix(KERNEL, &packed) == 0);
#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
    TEST_TRUE("and the packed layout was exercised on every model", packed == 180);
#endif
    s8_model t;
    s8_make(&t, 7, 24, 1, 1, 1);
    t.w[5] = -128;
    const int packable = s8_pack(&t) != 0;
#if defined(ELSTM_S8_KERNEL_VNNI) || defined(ELSTM_S8_KERNEL_AVX2)
    TEST_TRUE("a model with -128 weights is packed", packable);
#else
    (void)packable;
#endif
    TEST_TRUE("a model with -128 weights equals the reference", s8_compare(&t, 20, 0) && s8_compare(&t, 5, 1));
    s8_free(&t);
    return test_done();
}
