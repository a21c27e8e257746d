/* math.h - what edgelstm's emulated Xtensa harness provides of <math.h> (tools/mcu/xtensa/rt.c):
 * there is no libm for this target, so expf, tanhf and sqrtf are the harness's own
 * (within 2 ulp of the correctly rounded result); the rest are compiler built-ins. */
#ifndef ELSTM_XT_MATH_H
#define ELSTM_XT_MATH_H
float expf(float x);
float tanhf(float x);
float sqrtf(float x);
#define fabsf(x) __builtin_fabsf(x)
#define NAN (__builtin_nanf(""))
#define INFINITY (__builtin_inff())
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf(x)
#define isfinite(x) __builtin_isfinite(x)
#endif
