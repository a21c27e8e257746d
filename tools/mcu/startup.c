/*
 * startup.c - reset handler, vector table and SysTick instruction counter for the
 * emulated Cortex-M4F (QEMU mps2-an386, tools/mcu/mps2-an386.ld). Built with
 * arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard
 * --specs=rdimon.specs -nostartfiles (newlib with semihosting: printf reaches the host).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcu.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__;
extern uint32_t __stack_top__;
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
extern int main(void);

void elstm_mcu_reset(void);
void elstm_mcu_fault(void);
void elstm_mcu_systick(void);
void _init(void);
void _fini(void);

/* newlib's __libc_init_array calls these; nothing to do without crt0. */
void _init(void) {}
void _fini(void) {}

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SYST_CSR  (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR  (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR  (*(volatile uint32_t *)0xE000E018u)
#define SYST_MAX  0xFFFFFFu

static volatile uint32_t systick_wraps;

void elstm_mcu_reset(void)
{
    /* .data from its load address in flash, .bss zeroed */
    memcpy(&__data_start__, &__data_load__,
           (size_t)((char *)&__data_end__ - (char *)&__data_start__));
    memset(&__bss_start__, 0, (size_t)((char *)&__bss_end__ - (char *)&__bss_start__));
    /* FPU: full access to CP10 and CP11 (CPACR bits 20-23), then barriers */
    SCB_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    initialise_monitor_handles();
    elstm_mcu_counter_start(); /* runs from here on: timers and measurements read it */
    __libc_init_array();
    exit(main());
}

/* Any fault: leave QEMU with status 3 instead of spinning forever. */
void elstm_mcu_fault(void)
{
    _Exit(3);
}

void elstm_mcu_systick(void)
{
    systick_wraps++;
}

void elstm_mcu_counter_start(void)
{
    SYST_CSR = 0;
    SYST_RVR = SYST_MAX;
    SYST_CVR = 0;            /* any write clears the counter; it reloads on the next tick */
    systick_wraps = 0;
    SYST_CSR = 7;            /* enable, interrupt on wrap, processor clock */
    /* the counter reads 0 until the first tick reloads it: readings start after that */
    while (SYST_CVR == 0) {
    }
    (void)elstm_mcu_ticks();
}

uint64_t elstm_mcu_ticks(void)
{
    uint32_t w1, v, w2;
    /* a wrap between the reads shows as w1 != w2 (the interrupt runs at once): read again */
    do {
        w1 = systick_wraps;
        v = SYST_CVR;
        w2 = systick_wraps;
    } while (w1 != w2);
    return (uint64_t)w1 * (SYST_MAX + 1u) + (SYST_MAX - v);
}

uint64_t elstm_mcu_instructions(void)
{
    return elstm_mcu_ticks() * ELSTM_MCU_INSTRUCTIONS_PER_TICK;
}

/* Timer hook of the generated libraries' Edge Impulse header (EI_PORTING_USER_TIMER):
 * virtual microseconds, at 1 ns per instruction. */
uint64_t ei_user_timer_us(void);
uint64_t ei_user_timer_us(void)
{
    return elstm_mcu_instructions() / 1000u;
}

/* Cortex-M vector table: initial stack pointer, then the exception handlers. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top__,
    elstm_mcu_reset,   /* 1 reset */
    elstm_mcu_fault,   /* 2 NMI */
    elstm_mcu_fault,   /* 3 HardFault */
    elstm_mcu_fault,   /* 4 MemManage */
    elstm_mcu_fault,   /* 5 BusFault */
    elstm_mcu_fault,   /* 6 UsageFault */
    0, 0, 0, 0,        /* 7-10 reserved */
    elstm_mcu_fault,   /* 11 SVCall */
    elstm_mcu_fault,   /* 12 DebugMonitor */
    0,                 /* 13 reserved */
    elstm_mcu_fault,   /* 14 PendSV */
    elstm_mcu_systick, /* 15 SysTick */
};
