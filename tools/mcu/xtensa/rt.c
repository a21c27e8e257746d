/*
 * rt.c - the C library subset and compiler helpers of edgelstm's emulated ESP32-class core
 * (QEMU `-M sim -cpu de233_fpu`, tools/mcu/xtensa/), and its instruction counter.
 *
 * Debian has no C library, libm or compiler runtime for a windowed-ABI Xtensa core with an
 * FPU (picolibc-xtensa-lx106-elf is for the ESP8266's call0 ABI without FPU), so what the
 * generated libraries, their examples and the harness call is here:
 *   - output: printf, snprintf, puts, putchar (and ei_printf, for the generated libraries'
 *     Edge Impulse header built with EI_PORTING_USER_PRINTF) through QEMU semihosting
 *     (%d %i %u %x %X %o %c %s %p %% with flags, width, precision and the h/hh/l/ll/z/j/t
 *     modifiers; %f %e %g %F %E %G printed from the exact binary value, rounded half to even
 *     like glibc);
 *   - exit, abort, abs; memcpy, memmove, memset, memcmp, strlen, strcmp;
 *   - libm stand-ins for the reference kernel and the tests: expf, tanhf (within 2 ulp),
 *     sqrtf (correctly rounded);
 *   - what clang-22 calls for this target: __divsf3 (float division, which the FPU lacks:
 *     crt0.s, with the exact integer division below for the rare operands it leaves),
 *     __udivdi3/__umoddi3/__divdi3/__moddi3/__muldi3 (64-bit integers), __floatdisf,
 *     __floatundisf, __extendsfdf2 (float to double for printf's arguments);
 *   - the instruction counter of tools/mcu/mcu.h, from the CCOUNT register.
 * Built with clang-22 -ffreestanding for the core, with tools/mcu/xtensa/include first on
 * the include path. Nothing here is meant for a real ESP32: ESP-IDF and Arduino-ESP32 have
 * their own newlib and libgcc.
 */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcu.h"

int elstm_xt_simcall(int call, int a, int b, int c); /* crt0.s */

#define XT_SYS_EXIT  1
#define XT_SYS_WRITE 4

/* ---- process --------------------------------------------------------------------- */

void exit(int status)
{
    for (;;) elstm_xt_simcall(XT_SYS_EXIT, status, 0, 0);
}

void abort(void)
{
    exit(126);
}

int abs(int x)
{
    return x < 0 ? -x : x;
}

/* ---- instruction counter ----------------------------------------------------------
 * de233_fpu's CCOUNT runs at 40 MHz of QEMU's virtual time (25 ns per tick). Under
 * `-icount shift=S` every instruction advances virtual time by 2^S ns, so d ticks since
 * the start are d * 25 / 2^S instructions, to within +-0.4: rounding gives the exact
 * count for S >= 6. The count since elstm_mcu_counter_start() is kept in 64 bits (the
 * 32-bit CCOUNT wraps after 2^32 ticks, 839 million instructions at S = 7: readings must
 * come at least that often, which one forecast does). */
#ifndef ELSTM_XT_ICOUNT_SHIFT
#define ELSTM_XT_ICOUNT_SHIFT 7
#endif

static uint32_t xt_last_ccount;
static uint64_t xt_ticks;

static uint32_t xt_ccount(void)
{
    uint32_t v;
    __asm__ volatile("rsr %0, ccount" : "=r"(v));
    return v;
}

void elstm_mcu_counter_start(void)
{
    xt_ticks = 0;
    xt_last_ccount = xt_ccount();
}

uint64_t elstm_mcu_ticks(void)
{
    const uint32_t now = xt_ccount();
    xt_ticks += (uint32_t)(now - xt_last_ccount);
    xt_last_ccount = now;
    return xt_ticks;
}

uint64_t elstm_mcu_instructions(void)
{
    const uint64_t d = elstm_mcu_ticks();
    const uint64_t q = d >> ELSTM_XT_ICOUNT_SHIFT;
    const uint32_t r = (uint32_t)d & ((1u << ELSTM_XT_ICOUNT_SHIFT) - 1u);
    /* q * 25 + round(r * 25 / 2^S), without a 64-bit multiplication */
    return (q << 4) + (q << 3) + q + ((r * 25u + (1u << (ELSTM_XT_ICOUNT_SHIFT - 1))) >> ELSTM_XT_ICOUNT_SHIFT);
}

/* The Edge Impulse header's timer (EI_PORTING_USER_TIMER): virtual microseconds at one
 * instruction per nanosecond, as on the emulated Cortex-M4F. */
uint64_t ei_user_timer_us(void);
uint64_t ei_user_timer_us(void)
{
    return elstm_mcu_instructions() / 1000u;
}

/* ---- memory and strings ----------------------------------------------------------- */
/* The loops go through volatile pointers so that the compiler does not turn them back into
 * calls of the functions being defined; word by word when both addresses allow it. */

void *memcpy(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) *(volatile uint32_t *)d = *(const uint32_t *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s)
        while (n--) *d++ = *s++;
    else
        while (n--) d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    volatile unsigned char *d = dst;
    if (((uintptr_t)d & 3u) == 0) {
        const uint32_t w = (uint32_t)(unsigned char)c * 0x01010101u;
        for (; n >= 4; n -= 4, d += 4) *(volatile uint32_t *)d = w;
    }
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q) return *p < *q ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

/* ---- 64-bit integers ----------------------------------------------------------------
 * Only 32-bit multiplications and divisions (the core's MUL32 and DIV32; it has no
 * MUL32_HIGH) and 64-bit shifts, adds and compares, which clang inlines. */

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0, r = 0;
    int i;
    if (d == 0) abort();
    if ((n >> 32) == 0 && (d >> 32) == 0) {
        const uint32_t n32 = (uint32_t)n, d32 = (uint32_t)d;
        if (rem) *rem = n32 % d32;
        return n32 / d32;
    }
    for (i = 63; i >= 0; i--) { /* restoring long division, one quotient bit per step */
        r = (r << 1) | ((n >> i) & 1u);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    if (rem) *rem = r;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    return __udivmoddi4(n, d, NULL);
}

uint64_t __umoddi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    (void)__udivmoddi4(n, d, &r);
    return r;
}

static uint64_t xt_uabs64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

int64_t __divdi3(int64_t n, int64_t d);
int64_t __divdi3(int64_t n, int64_t d)
{
    const uint64_t q = __udivmoddi4(xt_uabs64(n), xt_uabs64(d), NULL);
    return (int64_t)((n < 0) != (d < 0) ? (uint64_t)0 - q : q);
}

int64_t __moddi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d)
{
    uint64_t r;
    (void)__udivmoddi4(xt_uabs64(n), xt_uabs64(d), &r);
    return (int64_t)(n < 0 ? (uint64_t)0 - r : r); /* the sign of the dividend, as in C */
}

/* The full 64-bit product of two 32-bit values, from 16-bit halves. */
static uint64_t xt_mul32x32(uint32_t a, uint32_t b)
{
    const uint32_t a0 = a & 0xFFFFu, a1 = a >> 16, b0 = b & 0xFFFFu, b1 = b >> 16;
    const uint32_t mid1 = a0 * b1, mid2 = a1 * b0;
    uint64_t p = ((uint64_t)(a1 * b1) << 32) + a0 * b0;
    p += (uint64_t)mid1 << 16;
    p += (uint64_t)mid2 << 16;
    return p;
}

int64_t __muldi3(int64_t a, int64_t b);
int64_t __muldi3(int64_t a, int64_t b)
{
    const uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    const uint32_t al = (uint32_t)ua, ah = (uint32_t)(ua >> 32), bl = (uint32_t)ub, bh = (uint32_t)(ub >> 32);
    const uint64_t p = xt_mul32x32(al, bl) + ((uint64_t)(ah * bl + al * bh) << 32);
    return (int64_t)p;
}

/* ---- floats ------------------------------------------------------------------------- */

typedef union xt_f32 {
    float f;
    uint32_t u;
} xt_f32;

typedef union xt_f64 {
    double d;
    uint64_t u;
} xt_f64;

static float xt_from_bits(uint32_t u)
{
    xt_f32 b;
    b.u = u;
    return b.f;
}

static uint32_t xt_bits(float f)
{
    xt_f32 b;
    b.f = f;
    return b.u;
}

/* sign | exponent field | 23-bit fraction from a value m * 2^e with m in [2^26, 2^27)
 * (3 extra bits: guard and round, plus a sticky bit ORed into the lowest), rounded to
 * nearest even; handles overflow to infinity and gradual underflow. */
static uint32_t xt_pack(uint32_t sign, int32_t e, uint32_t m)
{
    int32_t biased = e + 26 + 127; /* the exponent field of m's leading bit */
    uint32_t frac;
    if (biased >= 255) return sign | 0x7F800000u;
    if (biased <= 0) { /* subnormal: shift right keeping a sticky bit */
        const int32_t sh = 1 - biased;
        m = sh >= 32 ? (m != 0) : (m >> sh) | ((m & ((1u << sh) - 1u)) != 0);
        biased = 0;
    }
    frac = m >> 3;
    if ((m & 7u) > 4u || ((m & 7u) == 4u && (frac & 1u))) frac++;
    /* a carry out of the fraction raises the exponent (or makes a subnormal normal) */
    return sign | (((uint32_t)biased << 23) + frac - (biased ? 0x800000u : 0u));
}

/* The exact quotient a / b (IEEE single, round to nearest even), by integer long division:
 * __divsf3 (crt0.s) calls it for operands outside its fast path. */
float elstm_xt_divsf3_exact(float a, float b);
float elstm_xt_divsf3_exact(float a, float b)
{
    const uint32_t ua = xt_bits(a), ub = xt_bits(b), sign = (ua ^ ub) & 0x80000000u;
    int32_t ea = (int32_t)((ua >> 23) & 0xFF), eb = (int32_t)((ub >> 23) & 0xFF);
    uint32_t ma = ua & 0x7FFFFFu, mb = ub & 0x7FFFFFu, q = 0, r;
    int i;
    if (ea == 255 || eb == 255) {
        if ((ea == 255 && ma) || (eb == 255 && mb) || (ea == 255 && eb == 255)) return xt_from_bits(0x7FC00000u);
        return xt_from_bits(ea == 255 ? sign | 0x7F800000u : sign);
    }
    if (eb == 0 && mb == 0) return xt_from_bits(ea == 0 && ma == 0 ? 0x7FC00000u : sign | 0x7F800000u);
    if (ea == 0 && ma == 0) return xt_from_bits(sign);
    /* normalize: m in [2^23, 2^24), value = m * 2^(e - 150) */
    if (ea == 0) {
        ea = 1;
        while (ma < 0x800000u) ma <<= 1, ea--;
    } else
        ma |= 0x800000u;
    if (eb == 0) {
        eb = 1;
        while (mb < 0x800000u) mb <<= 1, eb--;
    } else
        mb |= 0x800000u;
    /* q = floor(ma / mb * 2^27), 28 bits (the first is 0 or 1), then the sticky remainder */
    r = ma;
    for (i = 0; i < 28; i++) {
        q <<= 1;
        if (r >= mb) {
            r -= mb;
            q |= 1u;
        }
        r <<= 1;
    }
    if (q >= (1u << 27)) return xt_from_bits(xt_pack(sign, ea - eb - 26, (q >> 1) | (q & 1u) | (r != 0)));
    return xt_from_bits(xt_pack(sign, ea - eb - 27, q | (r != 0)));
}

/* int64 -> float, rounded to nearest even. */
static float xt_u64_to_float(uint64_t u, uint32_t sign)
{
    int32_t top = 63;
    uint32_t m;
    if (u == 0) return xt_from_bits(sign);
    while (!((u >> top) & 1u)) top--;
    if (top <= 26)
        m = (uint32_t)u << (26 - top);
    else /* keep 27 bits, OR the rest into a sticky bit */
        m = (uint32_t)(u >> (top - 26)) | ((u & (((uint64_t)1 << (top - 26)) - 1u)) != 0);
    return xt_from_bits(xt_pack(sign, top - 26, m));
}

float __floatundisf(uint64_t u);
float __floatundisf(uint64_t u)
{
    return xt_u64_to_float(u, 0);
}

float __floatdisf(int64_t v);
float __floatdisf(int64_t v)
{
    return xt_u64_to_float(xt_uabs64(v), v < 0 ? 0x80000000u : 0u);
}

double __extendsfdf2(float f);
double __extendsfdf2(float f)
{
    const uint32_t u = xt_bits(f);
    uint64_t sign = (uint64_t)(u >> 31) << 63, m = u & 0x7FFFFFu;
    int32_t e = (int32_t)((u >> 23) & 0xFF);
    xt_f64 r;
    if (e == 255)
        r.u = sign | ((uint64_t)0x7FF << 52) | (m << 29);
    else if (e == 0 && m == 0)
        r.u = sign;
    else {
        if (e == 0) { /* subnormal: normalize */
            e = 1;
            while (!(m & 0x800000u)) m <<= 1, e--;
        }
        r.u = sign | ((uint64_t)(e - 127 + 1023) << 52) | ((m & 0x7FFFFFu) << 29);
    }
    return r.d;
}

/* sqrt by integer square root of the mantissa: correctly rounded. */
float sqrtf(float x)
{
    const uint32_t u = xt_bits(x);
    int32_t e = (int32_t)((u >> 23) & 0xFF), sh;
    uint64_t m = u & 0x7FFFFFu, rem, root = 0, bit;
    if (u == 0 || u == 0x80000000u || (e == 255 && !(u & 0x80000000u))) return x;
    if (u & 0x80000000u) return xt_from_bits(0x7FC00000u);
    if (e == 0) {
        e = 1;
        while (!(m & 0x800000u)) m <<= 1, e--;
    } else
        m |= 0x800000u;
    e -= 127 + 23; /* x = m * 2^e, m in [2^23, 2^24) */
    if (e & 1) m <<= 1, e--;
    /* sqrt(m 2^e) = sqrt(m 2^k) 2^((e - k) / 2) with k = 30 (m < 2^24) or 28: the integer
     * root of m 2^k is in [2^26, 2^27), the 27 bits xt_pack rounds from */
    sh = m < 0x1000000u ? 30 : 28;
    rem = m << sh;
    for (bit = (uint64_t)1 << 54; bit > rem; bit >>= 2) {
    }
    for (; bit; bit >>= 2) {
        if (rem >= root + bit) {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else
            root >>= 1;
    }
    return xt_from_bits(xt_pack(0, (e - sh) / 2, (uint32_t)root | (rem != 0)));
}

/* e^x = 2^n (1 + p), p = e^r - 1 for r = x - n ln 2 in [-ln2/2, ln2/2]: Taylor series to
 * r^8 (remainder below 2e-9 relative), ln 2 in two parts (Cody and Waite). */
static float xt_expm1_reduced(float x, int32_t *n)
{
    /* copysign, not a select between two float constants: that crashes clang-22 */
    const float nf = (float)(int32_t)(x * 1.44269504f + __builtin_copysignf(0.5f, x));
    const float r = (x - nf * 0.693359375f) - nf * -2.12194440e-4f;
    float p = 2.48015873e-5f; /* 1/8! */
    p = p * r + 1.98412698e-4f;
    p = p * r + 1.38888889e-3f;
    p = p * r + 8.33333333e-3f;
    p = p * r + 4.16666667e-2f;
    p = p * r + 1.66666667e-1f;
    p = p * r + 0.5f;
    *n = (int32_t)nf;
    return r + r * r * p;
}

static float xt_scale2(float v, int32_t n) /* v * 2^n for n in [-149, 128] */
{
    if (n > 127) return v * 2.0f * xt_from_bits((uint32_t)(n - 1 + 127) << 23);
    if (n < -126) return v * xt_from_bits((uint32_t)(n + 64 + 127) << 23) * 5.42101086e-20f; /* 2^-64 */
    return v * xt_from_bits((uint32_t)(n + 127) << 23);
}

float expf(float x)
{
    int32_t n;
    float p;
    if (x != x) return x;
    if (x > 88.7228394f) return INFINITY;
    if (x < -103.972084f) return 0.0f;
    p = xt_expm1_reduced(x, &n);
    return xt_scale2(1.0f + p, n);
}

float tanhf(float x)
{
    const float a = fabsf(x);
    float t, y;
    int32_t n;
    if (x != x) return x;
    if (a > 9.1f) { /* tanh rounds to +-1 */
        y = 1.0f;
    } else { /* t = e^{2a} - 1 without cancellation; tanh a = t / (t + 2) */
        t = xt_expm1_reduced(2.0f * a, &n);
        if (n != 0) t = xt_scale2(1.0f + t, n) - 1.0f;
        y = t / (t + 2.0f);
    }
    return x < 0.0f ? -y : y;
}

/* ---- formatted output ---------------------------------------------------------------- */

typedef struct xt_sink {
    char *buf;      /* snprintf: the caller's buffer; printf: a local chunk */
    size_t cap;     /* bytes buf holds (snprintf: size - 1 for the terminator) */
    size_t used;    /* bytes in buf */
    size_t total;   /* bytes the whole output has (the return value) */
    int console;    /* 1: flush chunks to the host's stdout */
} xt_sink;

static void xt_flush(xt_sink *s)
{
    if (s->console && s->used) elstm_xt_simcall(XT_SYS_WRITE, 1, (int)(intptr_t)s->buf, (int)s->used);
    if (s->console) s->used = 0;
}

static void xt_put(xt_sink *s, char c)
{
    if (s->used == s->cap) xt_flush(s);
    if (s->used < s->cap) s->buf[s->used++] = c;
    s->total++;
}

static void xt_puts(xt_sink *s, const char *p, size_t n)
{
    while (n--) xt_put(s, *p++);
}

static void xt_pad(xt_sink *s, char c, int n)
{
    while (n-- > 0) xt_put(s, c);
}

typedef struct xt_spec {
    int left, plus, space, alt, zero, width, prec; /* prec < 0: none */
} xt_spec;

/* A converted field: prefix (sign, 0x), zeros the precision asks for, then the body. */
static void xt_field(xt_sink *s, const xt_spec *sp, const char *prefix, int zeros, const char *body, size_t n)
{
    const int len = (int)strlen(prefix) + zeros + (int)n;
    if (!sp->left && !sp->zero) xt_pad(s, ' ', sp->width - len);
    xt_puts(s, prefix, strlen(prefix));
    if (!sp->left && sp->zero) xt_pad(s, '0', sp->width - len);
    xt_pad(s, '0', zeros);
    xt_puts(s, body, n);
    if (sp->left) xt_pad(s, ' ', sp->width - len);
}

static void xt_integer(xt_sink *s, xt_spec sp, uint64_t v, int neg, unsigned base, int upper)
{
    char digits[24], prefix[4] = "";
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, zeros;
    while (v) {
        digits[23 - n++] = set[v % base]; /* 64-bit: __umoddi3 / __udivdi3 above */
        v /= base;
    }
    if (neg) prefix[0] = '-';
    else if (sp.plus) prefix[0] = '+';
    else if (sp.space) prefix[0] = ' ';
    if (sp.alt && base == 16 && n) prefix[0] = '0', prefix[1] = upper ? 'X' : 'x', prefix[2] = 0;
    if (sp.prec >= 0) sp.zero = 0;
    zeros = (sp.prec < 0 ? (n == 0) : sp.prec) - n;
    if (sp.alt && base == 8 && zeros <= 0 && (n == 0 || digits[24 - n] != '0')) zeros = 1;
    xt_field(s, &sp, prefix, zeros > 0 ? zeros : 0, digits + 24 - n, (size_t)n);
}

/* Exact decimal digits of a finite binary64 magnitude. */
#define XT_LIMBS 200 /* base 10^4: 800 digits, enough for any double (767 at most) */
typedef struct xt_dec {
    char d[XT_LIMBS * 4 + 2]; /* digits, most significant first */
    int n;                     /* how many */
    int frac;                  /* value = d[0..n) * 10^-frac */
} xt_dec;

static void xt_big_mul(uint32_t *l, int *len, uint32_t k, uint32_t add)
{
    uint32_t carry = add;
    int i;
    for (i = 0; i < *len; i++) {
        const uint32_t v = l[i] * k + carry;
        l[i] = v % 10000u;
        carry = v / 10000u;
    }
    while (carry && *len < XT_LIMBS) {
        l[(*len)++] = carry % 10000u;
        carry /= 10000u;
    }
}

static void xt_decimal(uint64_t bits, xt_dec *out)
{
    uint32_t limbs[XT_LIMBS];
    int len = 1, e = (int)((bits >> 52) & 0x7FF), i, k;
    uint64_t m = bits & (((uint64_t)1 << 52) - 1u);
    if (e == 0)
        e = -1074;
    else
        m |= (uint64_t)1 << 52, e -= 1075;
    if (m == 0) e = 0;
    while (m && !(m & 1u) && e < 0) m >>= 1, e++;
    limbs[0] = 0;
    for (i = 52; i >= 0; i--) xt_big_mul(limbs, &len, 2, (uint32_t)(m >> i) & 1u);
    out->frac = 0;
    for (; e > 0; e -= k) { /* times 2^e, 13 bits at a time */
        k = e > 13 ? 13 : e;
        xt_big_mul(limbs, &len, 1u << k, 0);
    }
    for (; e < 0; e += k) { /* times 5^-e, and the point moves -e places */
        static const uint32_t pow5[7] = {1, 5, 25, 125, 625, 3125, 15625};
        k = -e > 6 ? 6 : -e;
        xt_big_mul(limbs, &len, pow5[k], 0);
        out->frac += k;
    }
    while (len > 1 && limbs[len - 1] == 0) len--;
    out->n = 0;
    for (i = len - 1; i >= 0; i--) {
        const uint32_t v = limbs[i];
        const char q[4] = {(char)('0' + v / 1000u), (char)('0' + v / 100u % 10u), (char)('0' + v / 10u % 10u),
                           (char)('0' + v % 10u)};
        for (k = 0; k < 4; k++)
            if (out->n || q[k] != '0' || (i == 0 && k == 3)) out->d[out->n++] = q[k];
    }
}

/* Keep the first `keep` digits, rounding the rest half to even (keep <= 0: the result is
 * one digit, 0 or 1, at the place of the digit before the first); the scale (frac) follows.
 * Returns 1 if a carry added a digit in front. */
static int xt_round(xt_dec *x, int keep)
{
    int i, up, rest = 0;
    if (keep <= 0) {
        for (i = 1; i < x->n; i++) rest |= x->d[i] != '0';
        up = keep == 0 && (x->d[0] > '5' || (x->d[0] == '5' && rest));
        x->frac -= x->n - keep;
        x->d[0] = up ? '1' : '0';
        x->n = 1;
        return 0;
    }
    if (keep >= x->n) {
        while (x->n < keep) x->d[x->n++] = '0', x->frac++;
        return 0;
    }
    for (i = keep + 1; i < x->n; i++) rest |= x->d[i] != '0';
    up = x->d[keep] > '5' || (x->d[keep] == '5' && (rest || ((x->d[keep - 1] - '0') & 1)));
    x->frac -= x->n - keep;
    x->n = keep;
    if (!up) return 0;
    for (i = keep - 1; i >= 0; i--) {
        if (x->d[i] != '9') {
            x->d[i]++;
            return 0;
        }
        x->d[i] = '0';
    }
    memmove(x->d + 1, x->d, (size_t)x->n);
    x->d[0] = '1';
    x->n++;
    return 1;
}

/* Strip leading zeros (keeping one digit). */
static void xt_trim_front(xt_dec *x)
{
    int z = 0;
    while (z < x->n - 1 && x->d[z] == '0') z++;
    memmove(x->d, x->d + z, (size_t)(x->n - z));
    x->n -= z;
}

static void xt_float(xt_sink *s, xt_spec sp, uint64_t bits, char conv)
{
    static xt_dec x; /* large: not on the stack */
    char body[XT_LIMBS * 4 + 40], prefix[2] = {0, 0};
    const int upper = conv == 'F' || conv == 'E' || conv == 'G';
    int n = 0, i, exp10, style = conv | 0x20, prec = sp.prec < 0 ? 6 : sp.prec, strip = 0;
    if (bits >> 63) prefix[0] = '-';
    else if (sp.plus) prefix[0] = '+';
    else if (sp.space) prefix[0] = ' ';
    if (((bits >> 52) & 0x7FF) == 0x7FF) {
        const char *t = (bits & (((uint64_t)1 << 52) - 1u)) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        sp.zero = 0;
        xt_field(s, &sp, prefix, 0, t, 3);
        return;
    }
    xt_decimal(bits & ~((uint64_t)1 << 63), &x);
    if (style == 'g') {
        xt_dec y = x;
        if (prec == 0) prec = 1;
        xt_round(&y, prec);
        xt_trim_front(&y);
        exp10 = y.n - y.frac - 1;
        if (x.n == 1 && x.d[0] == '0') exp10 = 0;
        if (exp10 < prec && exp10 >= -4) {
            style = 'f';
            prec = prec - 1 - exp10;
        } else {
            style = 'e';
            prec = prec - 1;
        }
        strip = !sp.alt;
    }
    if (style == 'f') {
        xt_round(&x, x.n - x.frac + prec);
        /* integer digits: n - frac (at least one) */
        if (x.n - x.frac <= 0) body[n++] = '0';
        for (i = 0; i < x.n - x.frac; i++) body[n++] = x.d[i];
        if (prec > 0 || sp.alt) body[n++] = '.';
        for (i = x.n - x.frac; i < x.n; i++) body[n++] = i < 0 ? '0' : x.d[i];
    } else {
        int zero = x.n == 1 && x.d[0] == '0';
        exp10 = zero ? 0 : x.n - x.frac - 1;
        if (!zero) {
            xt_trim_front(&x);
            exp10 = x.n - x.frac - 1;
            exp10 += xt_round(&x, prec + 1);
        } else
            xt_round(&x, prec + 1);
        body[n++] = x.d[0];
        if (prec > 0 || sp.alt) body[n++] = '.';
        for (i = 1; i <= prec; i++) body[n++] = x.d[i];
    }
    if (strip) {
        int point = -1;
        for (i = 0; i < n; i++)
            if (body[i] == '.') point = i;
        if (point >= 0) {
            while (n > point + 1 && body[n - 1] == '0') n--;
            if (n == point + 1) n--;
        }
    }
    if (style == 'e') {
        const int ae = exp10 < 0 ? -exp10 : exp10;
        body[n++] = upper ? 'E' : 'e';
        body[n++] = exp10 < 0 ? '-' : '+';
        if (ae >= 100) body[n++] = (char)('0' + ae / 100);
        body[n++] = (char)('0' + ae / 10 % 10);
        body[n++] = (char)('0' + ae % 10);
    }
    xt_field(s, &sp, prefix, 0, body, (size_t)n);
}

/* The arguments of a variadic call, read the way the windowed ABI passes them: the first
 * six words in a2-a7 (saved by the entry stubs in crt0.s), the rest on the caller's
 * stack; 64-bit values start at an even word (a2, a4, a6 or an 8-byte aligned stack slot).
 * (<stdarg.h> is not used: clang-22's Xtensa va_start points its register save area one
 * register too far per named argument, and its va_arg miscounts stack arguments.) */
typedef struct xt_args {
    const uint32_t *reg, *stk;
    int i; /* next word */
} xt_args;

static uint32_t xt_arg32(xt_args *a)
{
    const uint32_t v = a->i < 6 ? a->reg[a->i] : a->stk[a->i - 6];
    a->i++;
    return v;
}

static uint64_t xt_arg64(xt_args *a)
{
    uint64_t lo;
    a->i = (a->i + 1) & ~1;
    lo = xt_arg32(a);
    return lo | (uint64_t)xt_arg32(a) << 32;
}

static int xt_format(xt_sink *s, const char *f, xt_args *ap)
{
    for (; *f; f++) {
        xt_spec sp = {0, 0, 0, 0, 0, 0, -1};
        int lng = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff/intmax */
        uint64_t u;
        int64_t v;
        if (*f != '%') {
            xt_put(s, *f);
            continue;
        }
        for (f++;; f++) {
            if (*f == '-') sp.left = 1;
            else if (*f == '+') sp.plus = 1;
            else if (*f == ' ') sp.space = 1;
            else if (*f == '#') sp.alt = 1;
            else if (*f == '0') sp.zero = 1;
            else break;
        }
        if (*f == '*') {
            sp.width = (int)xt_arg32(ap);
            if (sp.width < 0) sp.left = 1, sp.width = -sp.width;
            f++;
        } else
            while (*f >= '0' && *f <= '9') sp.width = sp.width * 10 + (*f++ - '0');
        if (*f == '.') {
            f++;
            sp.prec = 0;
            if (*f == '*') {
                sp.prec = (int)xt_arg32(ap);
                f++;
            } else
                while (*f >= '0' && *f <= '9') sp.prec = sp.prec * 10 + (*f++ - '0');
        }
        if (sp.left) sp.zero = 0;
        for (;; f++) {
            if (*f == 'l') lng = lng == 1 ? 2 : 1;
            else if (*f == 'h') lng = lng == -1 ? -2 : -1;
            else if (*f == 'z' || *f == 'j' || *f == 't') lng = *f == 'j' ? 2 : 3;
            else break;
        }
        switch (*f) {
        case 'd':
        case 'i':
            v = lng == 2 ? (int64_t)xt_arg64(ap) : (int32_t)xt_arg32(ap); /* long, size_t: 32 bits */
            if (lng == -1) v = (short)v;
            if (lng == -2) v = (signed char)v;
            xt_integer(s, sp, xt_uabs64(v), v < 0, 10, 0);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = lng == 2 ? xt_arg64(ap) : xt_arg32(ap);
            if (lng == -1) u = (unsigned short)u;
            if (lng == -2) u = (unsigned char)u;
            sp.plus = sp.space = 0;
            xt_integer(s, sp, u, 0, *f == 'o' ? 8 : *f == 'u' ? 10 : 16, *f == 'X');
            break;
        case 'p':
            sp.alt = 1;
            xt_integer(s, sp, xt_arg32(ap), 0, 16, 0);
            break;
        case 'c': {
            const char c = (char)xt_arg32(ap);
            sp.zero = 0;
            xt_field(s, &sp, "", 0, &c, 1);
            break;
        }
        case 's': {
            const char *str = (const char *)(uintptr_t)xt_arg32(ap);
            size_t n = 0;
            if (!str) str = "(null)";
            while (str[n] && (sp.prec < 0 || n < (size_t)sp.prec)) n++;
            sp.zero = 0;
            xt_field(s, &sp, "", 0, str, n);
            break;
        }
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G':
            xt_float(s, sp, xt_arg64(ap), *f); /* a double's bits, never computed with */
            break;
        case '%':
            xt_put(s, '%');
            break;
        default: /* unknown conversion: print it as it was written */
            xt_put(s, '%');
            if (!*f) return (int)s->total;
            xt_put(s, *f);
        }
    }
    return (int)s->total;
}

/* printf(format, ...), called by the stub in crt0.s with the saved a2-a7 and the
 * caller's stack arguments. */
int elstm_xt_printf(const uint32_t *reg, const uint32_t *stk);
int elstm_xt_printf(const uint32_t *reg, const uint32_t *stk)
{
    char chunk[256];
    xt_sink s = {chunk, sizeof chunk, 0, 0, 1};
    xt_args a = {reg, stk, 1};
    const int n = xt_format(&s, (const char *)(uintptr_t)reg[0], &a);
    xt_flush(&s);
    return n;
}

/* snprintf(buf, size, format, ...), likewise. */
int elstm_xt_snprintf(const uint32_t *reg, const uint32_t *stk);
int elstm_xt_snprintf(const uint32_t *reg, const uint32_t *stk)
{
    char *buf = (char *)(uintptr_t)reg[0];
    const size_t size = reg[1];
    xt_sink s = {buf, size ? size - 1 : 0, 0, 0, 0};
    xt_args a = {reg, stk, 3};
    const int n = xt_format(&s, (const char *)(uintptr_t)reg[2], &a);
    if (size) buf[s.used] = '\0';
    return n;
}

int puts(const char *str)
{
    xt_sink s = {(char *)(uintptr_t)str, 0, 0, 0, 1};
    s.used = s.cap = strlen(str);
    xt_flush(&s);
    return putchar('\n') == '\n' ? 1 : EOF;
}

int putchar(int c)
{
    const char ch = (char)c;
    elstm_xt_simcall(XT_SYS_WRITE, 1, (int)(intptr_t)&ch, 1);
    return (unsigned char)c;
}
