/* text.c - column names and message snippets: UTF-8 clean-up, quoting, comparisons. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Length of a valid UTF-8 sequence at s (n bytes left), or 0 if the bytes are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, surrogates and code points past U+10FFFF are not UTF-8 */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

size_t text_clean_utf8(const char *s, size_t n, char *out, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (k == 1) {
            if (o + 1 >= cap) break;
            out[o++] = (u[i] < 0x20 || u[i] == 0x7F) ? '?' : (char)u[i];
            i++;
        } else if (k > 1) {
            if (o + k >= cap) break;
            memcpy(out + o, u + i, k);
            o += k;
            i += k;
        } else {                 /* not UTF-8: read the byte as Latin-1 (U+0080..U+00FF) */
            if (o + 2 >= cap) break;
            out[o++] = (char)(0xC0 | (u[i] >> 6));
            out[o++] = (char)(0x80 | (u[i] & 0x3F));
            i++;
        }
    }
    if (cap) out[o] = '\0';
    return o;
}

const char *text_quote(const char *s, char *buf, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, shown = 0;
    size_t len = strlen(s);
    if (n < 16) {
        if (n) buf[0] = '\0';
        return buf;
    }
    buf[o++] = '"';
    for (size_t i = 0; i < len && o + 8 < n;) {
        if (shown >= 40) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        size_t k = utf8_seq(u + i, len - i);
        if (k == 1 && u[i] >= 0x20 && u[i] != 0x7F && u[i] != '"' && u[i] != '\\') {
            buf[o++] = (char)u[i++];
        } else if (k > 1) {
            memcpy(buf + o, u + i, k);
            o += k;
            i += k;
        } else {
            int w = (u[i] == '"' || u[i] == '\\') ? snprintf(buf + o, n - o, "\\%c", u[i])
                                                  : snprintf(buf + o, n - o, "\\x%02X", u[i]);
            o += (size_t)w;
            i++;
        }
        shown++;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

int text_copy(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len < n) {
        memcpy(dst, src, len + 1);
        return 0;
    }
    size_t k = n - 1;
    while (k > 0 && ((unsigned char)src[k] & 0xC0) == 0x80) k--;   /* do not split a sequence */
    memcpy(dst, src, k);
    dst[k] = '\0';
    return 1;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

int text_ieqn(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
        if (!a[i]) return 1;
    }
    return 1;
}

int text_ieq(const char *a, const char *b)
{
    size_t la = strlen(a);
    return la == strlen(b) && text_ieqn(a, b, la);
}

const char *elstm_count_format(uint64_t v, char *buf, size_t n)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = '\0';
    return buf;
}
