/*
 * zephyr/kernel.h - a stand-in for Zephyr's kernel header, with only what the generated
 * sample's timer.c uses, declared with Zephyr's own types (include/zephyr/kernel.h,
 * include/zephyr/sys/time_units.h), so that the test can compile the sample's sources
 * for a Cortex-M core without a Zephyr tree. Not a Zephyr implementation.
 */
#ifndef TEST_ZEPHYR_KERNEL_H
#define TEST_ZEPHYR_KERNEL_H

#include <stdint.h>

int64_t k_uptime_ticks(void);
uint64_t k_ticks_to_us_floor64(uint64_t t);

#endif
