/*
 * xtensa_rt_check.c - checks of the emulated Xtensa core's C library subset and compiler
 * helpers (tools/mcu/xtensa/rt.c, crt0.s) against glibc and the host's arithmetic.
 *
 * tests/deploy/test_xtensa.sh builds this file twice, with gcc for the host (glibc's printf,
 * the host's division, 64-bit integers and float conversions) and for the emulated core,
 * and compares the outputs: the "fmt" and "hash" lines must be identical; the "exp" and
 * "tanh" lines (argument and result bits) go to a Python check against math.exp/math.tanh
 * in double precision. C99; only printf, snprintf and <math.h>.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../test_rng.h"

static uint32_t rng = 88172645u;
static uint32_t next(void) { return test_xorshift32(&rng); }

typedef union fbits {
    float f;
    uint32_t u;
} fbits;

typedef union dbits {
    double d;
    uint64_t u;
} dbits;

static float from_bits(uint32_t u)
{
    fbits b;
    b.u = u;
    return b.f;
}

static uint32_t to_bits(float f)
{
    fbits b;
    b.f = f;
    if (f != f) return 0x7FC00000u; /* one NaN: x86 and the emulated core make different ones */
    return b.u;
}

/* FNV-1a over 32-bit words */
static uint32_t mix(uint32_t h, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xFFu;
        h *= 16777619u;
    }
    return h;
}

/* A float from random bits, with every class in it: zeros, subnormals, normals of every
 * size, infinities and NaNs. */
static float any_float(void)
{
    const uint32_t r = next(), kind = r & 15u;
    if (kind == 0) return from_bits(next() & 0x807FFFFFu);                    /* zero or subnormal */
    if (kind == 1) return from_bits((next() & 0x80000000u) | 0x7F800000u);     /* infinity */
    if (kind == 2) return from_bits(0x7F800001u | next());                     /* NaN */
    if (kind < 8) return from_bits((next() & 0x807FFFFFu) | ((100u + (next() & 63u)) << 23)); /* moderate */
    return from_bits(next());
}

static void formats(void)
{
    static const float vals[] = {0.0f, 0.33432f, 6.59f, -2.5f, 1e-10f, 123456789.0f, 1e30f, 0.5f, 1.5f, 2.5f,
                                 0.125f, 9.999999f, 1e-5f, 65536.0f, 3.4e38f, 1.17549435e-38f};
    char buf[64];
    volatile size_t cap = 8; /* not a constant: gcc would warn of the truncation tested */
    unsigned i;
    int n;
    printf("fmt %d %i %u %x %X %o %c %s %%\n", -42, 17, 42u, 255u, 255u, 8u, 'z', "str");
    printf("fmt |%5d|%-5d|%05d|%+d|% d|%.3d|%.0d|%#x|%#o|%5s|%-5s|%.2s|\n", 7, 7, -7, 7, 7, 7, 0, 255u, 8u, "ab", "ab", "abc");
    printf("fmt %lld %llu %llx %ld %lu %hd %hhu %zu\n", -1234567890123LL, 18446744073709551615ULL, 0x123456789abcdefULL,
           -2147483647L - 1, 4294967295UL, (short)-1234, (unsigned char)255, (size_t)4000000000u);
    printf("fmt %*d|%-*d|%.*f|%*.*e\n", 6, 42, 6, 42, 3, 3.14159, 12, 2, 2.71828);
    for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        const double v = (double)vals[i];
        printf("fmt %.9g %f %.2f %e %g %.3e %G %10.4f %-12.3g| %+.1f %#.0f %#g %.0e %.12g\n", v, v, v, v, v, v, v, v, v, v, v, v,
               v, v);
    }
    printf("fmt %f %e %g %F\n", (double)from_bits(0x7F800000u), (double)from_bits(0xFF800000u), 0.0 * -1.0,
           (double)from_bits(0xFF800000u));
    n = snprintf(buf, cap, "%s-%d", "truncated", 12345);
    printf("fmt snprintf %d [%s]\n", n, buf);
    n = snprintf(buf, sizeof buf, "%08.3f|%x", -3.14159, 48879u);
    printf("fmt snprintf %d [%s]\n", n, buf);
}

static void arithmetic(void)
{
    uint32_t hd = 2166136261u, hs = hd, hi = hd, hf = hd, he = hd;
    int i;
    for (i = 0; i < 20000; i++) { /* float division, every class of operand */
        const float a = any_float(), b = any_float();
        hd = mix(hd, to_bits(a / b));
    }
    for (i = 0; i < 20000; i++) { /* division of moderate values: the FPU path */
        const float a = from_bits((next() & 0x807FFFFFu) | ((90u + (next() & 63u)) << 23));
        const float b = from_bits((next() & 0x807FFFFFu) | ((90u + (next() & 63u)) << 23));
        hd = mix(hd, to_bits(a / b));
    }
    for (i = 0; i < 5000; i++) hs = mix(hs, to_bits(sqrtf(any_float())));
    for (i = 0; i < 20000; i++) { /* 64-bit integers of every size */
        const int sa = (int)(next() & 63u), sb = (int)(next() & 63u);
        const uint64_t a = (((uint64_t)next() << 32) | next()) >> sa, b = (((uint64_t)next() << 32) | next()) >> sb;
        const int64_t x = (int64_t)(a ^ ((uint64_t)next() << 63)), y = (int64_t)((b >> 1) | 2u) * ((next() & 1u) ? -1 : 1); /* not -1: INT64_MIN / -1 traps */
        hi = mix(hi, (uint32_t)(a * b));
        hi = mix(hi, (uint32_t)((a * b) >> 32));
        if (b) {
            hi = mix(hi, (uint32_t)(a / b));
            hi = mix(hi, (uint32_t)((a / b) >> 32));
            hi = mix(hi, (uint32_t)(a % b));
            hi = mix(hi, (uint32_t)((a % b) >> 32));
        }
        hi = mix(hi, (uint32_t)(uint64_t)(x / y));
        hi = mix(hi, (uint32_t)((uint64_t)(x / y) >> 32));
        hi = mix(hi, (uint32_t)(uint64_t)(x % y));
        hf = mix(hf, to_bits((float)x));
        hf = mix(hf, to_bits((float)a));
    }
    for (i = 0; i < 5000; i++) { /* float to double */
        dbits d;
        const float f = any_float();
        d.d = (double)f;
        if (f != f) d.u = 0x7FF8000000000000ull;
        he = mix(he, (uint32_t)d.u);
        he = mix(he, (uint32_t)(d.u >> 32));
    }
    printf("hash division %08x\n", hd);
    printf("hash sqrt %08x\n", hs);
    printf("hash int64 %08x\n", hi);
    printf("hash int64-to-float %08x\n", hf);
    printf("hash float-to-double %08x\n", he);
}

static void functions(void)
{
    int i;
    for (i = 0; i < 400; i++) {
        /* arguments over the whole useful range, and near zero */
        const float x = i < 300 ? -104.0f + 193.0f * (float)i / 299.0f : ((float)(i - 350) * 0.0037f);
        printf("exp %08x %08x\n", (unsigned)to_bits(x), (unsigned)to_bits(expf(x)));
        printf("tanh %08x %08x\n", (unsigned)to_bits(x / 8.0f), (unsigned)to_bits(tanhf(x / 8.0f)));
    }
}

int main(void)
{
    formats();
    arithmetic();
    functions();
    return 0;
}
