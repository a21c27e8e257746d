/*
 * profile_main.c - what `edgelstm profile` runs on the emulated Cortex-M4F: one forecast
 * with a generated library, its instruction count, and checks that the ring buffer and
 * the reference kernel agree.
 *
 * Built with -DELSTM_MCU_NAME=NAME, -DELSTM_MCU_NAME_UC=UPPERCASE_NAME (the library's
 * prefixes) and -DELSTM_MCU_HEADER='"NAME.h"',
 * with window.inc (the window, normalized floats) on the include path. Prints lines
 * "key value" for the host to read:
 *   instructions N          NAME_predict_window(), fast kernel
 *   forecast X              its normalized output
 *   ring X                  the same window fed row by row, then NAME_predict()
 *   instructions_ref N      (with -DELSTM_MCU_REFERENCE) NAME_predict_reference()
 *   forecast_ref X
 */
#include <stdint.h>
#include <stdio.h>

#include "mcu.h"
#include ELSTM_MCU_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define API(f) CAT(ELSTM_MCU_NAME, f)

static const float window[] = {
#include "window.inc"
};

static API(_state) state;

int main(void)
{
    uint64_t a, b;
    unsigned t, rows = (unsigned)(sizeof window / sizeof window[0]);
    int rc = API(_init)(&state);
    if (rc != 0) {
        printf("error init %d\n", rc);
        return 1;
    }
    a = elstm_mcu_instructions();
    rc = API(_predict_window)(&state, window);
    b = elstm_mcu_instructions();
    if (rc != 0) {
        printf("error predict_window %d\n", rc);
        return 1;
    }
    printf("instructions %llu\n", (unsigned long long)(b - a));
    printf("forecast %.9g\n", (double)API(_forecast_normalized)(&state));

    for (t = 0; t * CAT(ELSTM_MCU_NAME_UC, _INPUTS) < rows; t++)
        if (API(_feed_normalized)(&state, window + t * CAT(ELSTM_MCU_NAME_UC, _INPUTS)) != 0) return 1;
    rc = API(_predict)(&state);
    printf("ring %.9g\n", rc == 0 ? (double)API(_forecast_normalized)(&state) : -1e30);

#if defined(ELSTM_MCU_STATEFUL)
    /* a stateful model: the window pushed sample by sample from a zero state (the same
     * forecast as the window), then the cost of one more sample */
    API(_stream_reset)(&state);
    for (t = 0; t * CAT(ELSTM_MCU_NAME_UC, _INPUTS) < rows; t++)
        (void)API(_push_normalized)(&state, window + t * CAT(ELSTM_MCU_NAME_UC, _INPUTS));
    printf("stream %.9g\n", (double)API(_forecast_normalized)(&state));
    a = elstm_mcu_instructions();
    (void)API(_push_normalized)(&state, window);
    b = elstm_mcu_instructions();
    printf("instructions_per_sample %llu\n", (unsigned long long)(b - a));
#endif

#if defined(ELSTM_MCU_REFERENCE)
    a = elstm_mcu_instructions();
    rc = API(_predict_reference)(&state, window);
    b = elstm_mcu_instructions();
    printf("instructions_ref %llu\n", (unsigned long long)(b - a));
    printf("forecast_ref %.9g\n", rc == 0 ? (double)API(_forecast_normalized)(&state) : -1e30);
#endif
    return 0;
}
