/* stdlib.h - what edgelstm's emulated Xtensa harness provides of <stdlib.h> (tools/mcu/xtensa/rt.c). */
#ifndef ELSTM_XT_STDLIB_H
#define ELSTM_XT_STDLIB_H
#include <stddef.h>
void exit(int status) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));
int abs(int x);
#endif
