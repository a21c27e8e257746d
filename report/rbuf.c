/* rbuf.c - the report's text buffer, HTML escaping and number formats. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int reserve(rbuf *b, size_t more)
{
    if (b->failed) return 0;
    if (b->len + more + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void rb_free(rbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

void rb_puts(rbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!reserve(b, n)) return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void rb_printf(rbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        rb_puts(b, small);
        return;
    }
    if (!reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rb_text(rbuf *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = "&quot;"; break;
        default: break;
        }
        if (esc) {
            rb_puts(b, esc);
        } else if (reserve(b, 1)) {
            b->s[b->len++] = *p;
            b->s[b->len] = '\0';
        }
    }
}

/* Replace a leading '-' by U+2212 MINUS SIGN (typographic minus). */
static const char *real_minus(char *buf, size_t n)
{
    if (buf[0] == '-' && strlen(buf) + 3 < n) {
        memmove(buf + 3, buf + 1, strlen(buf));
        memcpy(buf, "\xE2\x88\x92", 3);
    }
    return buf;
}

const char *fmt_num(double v, int decimals, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return buf;
    }
    snprintf(buf, n, "%.*f", decimals, v);
    if (strspn(buf, "-0.") == strlen(buf) && buf[0] == '-') memmove(buf, buf + 1, strlen(buf)); /* -0.0 */
    return real_minus(buf, n);
}

const char *fmt_sig(double v, int digits, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return buf;
    }
    double a = fabs(v);
    if (a != 0.0 && (a < 1e-3 || a >= 1e6)) {
        char m[32];
        int e = (int)floor(log10(a));
        double mant = v / pow(10.0, e);
        if (fabs(mant) >= 9.9999999) { mant /= 10.0; e++; } /* rounding up to 10.0 */
        snprintf(m, sizeof m, "%.*f", digits - 1, mant);
        snprintf(buf, n, "%se%s%d", m, e < 0 ? "\xE2\x88\x92" : "", abs(e));
        return real_minus(buf, n);
    }
    int dec = a == 0.0 ? 0 : digits - 1 - (int)floor(log10(a));
    if (dec < 0) dec = 0;
    return fmt_num(v, dec, buf, n);
}

const char *fmt_g(double v, int digits, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return buf;
    }
    snprintf(buf, n, "%.*g", digits, v);
    char *e = strchr(buf, 'e');
    if (e && e[1] == '-' && strlen(buf) + 3 < n) { /* e-07 -> e−07 */
        memmove(e + 4, e + 2, strlen(e + 2) + 1);
        memcpy(e + 1, "\xE2\x88\x92", 3);
    } else if (e && e[1] == '+') {
        memmove(e + 1, e + 2, strlen(e + 2) + 1);
    }
    return real_minus(buf, n);
}

const char *fmt_bytes(double v, char *buf, size_t n)
{
    if (v < 1024) snprintf(buf, n, "%.0f bytes", v);
    else if (v < 1024.0 * 1024.0) snprintf(buf, n, "%.*f KB", v < 10240 ? 1 : 0, v / 1024.0);
    else snprintf(buf, n, "%.1f MB", v / (1024.0 * 1024.0));
    return buf;
}
