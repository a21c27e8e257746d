/*
 * mcu.h - edgelstm's emulated Cortex-M4F harness (QEMU mps2-an386): instruction counting.
 *
 * Under `qemu-system-arm -icount shift=0,align=off,sleep=off` the virtual clock advances
 * exactly 1 ns per executed instruction, and SysTick, clocked from the board's 25 MHz
 * system clock, counts down one tick per 40 instructions. The harness runs SysTick
 * free (reload 0xFFFFFF) with its interrupt counting wrap-arounds, so a reading is
 * 24 bits of down-counter plus a 32-bit count of wraps.
 *
 *   elstm_mcu_counter_start();
 *   uint64_t a = elstm_mcu_instructions();
 *   work();
 *   uint64_t n = elstm_mcu_instructions() - a;     instructions, to +-40
 *
 * Host-side tools (edgelstm profile, tests) run the program with semihosting on, so
 * printf goes to QEMU's stdout and exit(status) ends QEMU with that status.
 */
#ifndef EDGELSTM_MCU_H
#define EDGELSTM_MCU_H

#include <stdint.h>

#define ELSTM_MCU_INSTRUCTIONS_PER_TICK 40u   /* 1 GHz icount clock / 25 MHz SysTick */

#ifdef __cplusplus
extern "C" {
#endif

/* Start SysTick (processor clock, interrupt on wrap; the first reading is discarded).
 * The reset handler starts it before main(); calling it again restarts from 0. */
void elstm_mcu_counter_start(void);

/* Ticks since elstm_mcu_counter_start(), wrap-arounds included. */
uint64_t elstm_mcu_ticks(void);

/* Instructions executed since elstm_mcu_counter_start() (ticks x 40). */
uint64_t elstm_mcu_instructions(void);

#ifdef __cplusplus
}
#endif

#endif /* EDGELSTM_MCU_H */
