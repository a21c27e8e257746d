/* stdio.h - what edgelstm's emulated Xtensa harness provides of <stdio.h> (tools/mcu/xtensa/rt.c):
 * formatted output to the host's stdout through QEMU semihosting. There is no FILE, and
 * no vprintf/vsnprintf: clang-22 gets <stdarg.h> wrong on Xtensa (printf and snprintf
 * read their arguments themselves), so a generated library's Edge Impulse header is built
 * with EI_PORTING_USER_PRINTF and this ei_printf. */
#ifndef ELSTM_XT_STDIO_H
#define ELSTM_XT_STDIO_H
#include <stddef.h>
#define EOF (-1)
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));
void ei_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);
int putchar(int c);
#endif
