/*
 * fb_write.c - a front-to-back FlatBuffers builder (see flatbuf.h).
 *
 * Layout of a table written by fbw_t_end():
 *     [pad to 2] vtable: uint16 vt_bytes, uint16 inline_bytes, uint16 offset per id 0..max
 *     [pad to 4] table:  int32 (table - vtable), then the fields by decreasing size
 * The vtable precedes its table (a positive soffset). Fields are at most 4 bytes, so
 * 4-byte table alignment keeps every field aligned. Offset fields are zero until the
 * caller links them to children written later.
 */
#include <stdlib.h>
#include <string.h>

#include "flatbuf.h"

void fbw_init(fbw *w)
{
    memset(w, 0, sizeof *w);
}

void fbw_free(fbw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

static int reserve(fbw *w, size_t n)
{
    if (w->oom) return 0;
    if (n > SIZE_MAX / 2 - w->len) {
        w->oom = 1;
        return 0;
    }
    if (w->len + n <= w->cap) return 1;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n) cap *= 2;
    uint8_t *b = realloc(w->buf, cap);
    if (!b) {
        w->oom = 1;
        return 0;
    }
    w->buf = b;
    w->cap = cap;
    return 1;
}

size_t fbw_bytes(fbw *w, const void *p, size_t n)
{
    size_t pos = w->len;
    if (!reserve(w, n)) return pos;
    if (n) {
        if (p) memcpy(w->buf + w->len, p, n);
        else memset(w->buf + w->len, 0, n);
    }
    w->len += n;
    return pos;
}

size_t fbw_pad(fbw *w, size_t align)
{
    size_t n = (align - w->len % align) % align;
    fbw_bytes(w, NULL, n);
    return w->len;
}

static void put16(fbw *w, size_t pos, uint16_t v)
{
    if (w->oom || pos + 2 > w->len) return;
    w->buf[pos] = (uint8_t)v;
    w->buf[pos + 1] = (uint8_t)(v >> 8);
}

void fbw_put_u32(fbw *w, size_t pos, uint32_t v)
{
    if (w->oom || pos + 4 > w->len) return;
    for (int i = 0; i < 4; i++) w->buf[pos + (size_t)i] = (uint8_t)(v >> (8 * i));
}

void fbw_link(fbw *w, size_t slot, size_t target)
{
    if (target <= slot || target - slot > 0x7fffffffu) {
        w->oom = 1;   /* a builder bug or a model over 2 GB: refuse to produce a file */
        return;
    }
    fbw_put_u32(w, slot, (uint32_t)(target - slot));
}

/* ---- tables ---- */

void fbw_t_init(fbw_table *t)
{
    memset(t, 0, sizeof *t);
}

static int add_field(fbw_table *t, int id, const void *val, uint8_t size, uint8_t is_ref)
{
    if (t->n >= FBW_MAX_FIELDS) {   /* a programming error: fbw_t_end refuses the table */
        t->overflow = 1;
        return 0;
    }
    int k = t->n++;
    t->f[k].id = (uint16_t)id;
    t->f[k].size = size;
    t->f[k].is_ref = is_ref;
    memset(t->f[k].val, 0, sizeof t->f[k].val);
    if (val) {
        /* little-endian bytes of the value */
        uint32_t u = 0;
        if (size == 1) u = *(const uint8_t *)val;
        else memcpy(&u, val, 4);
        for (int i = 0; i < size; i++) t->f[k].val[i] = (uint8_t)(u >> (8 * i));
    }
    return k;
}

void fbw_t_u8(fbw_table *t, int id, uint8_t v) { add_field(t, id, &v, 1, 0); }
void fbw_t_i32(fbw_table *t, int id, int32_t v) { add_field(t, id, &v, 4, 0); }
void fbw_t_u32(fbw_table *t, int id, uint32_t v) { add_field(t, id, &v, 4, 0); }
void fbw_t_f32(fbw_table *t, int id, float v) { add_field(t, id, &v, 4, 0); }
int fbw_t_ref(fbw_table *t, int id) { return add_field(t, id, NULL, 4, 1); }

size_t fbw_t_end(fbw *w, fbw_table *t)
{
    if (t->overflow) w->oom = 1;
    int max_id = -1;
    for (int k = 0; k < t->n; k++)
        if (t->f[k].id > max_id) max_id = t->f[k].id;
    /* Inline offsets: the soffset, then 4-byte fields, then 1-byte fields. */
    uint16_t off[FBW_MAX_FIELDS];
    size_t inline_size = 4;
    for (int pass = 4; pass >= 1; pass -= 3)
        for (int k = 0; k < t->n; k++)
            if (t->f[k].size == pass) {
                off[k] = (uint16_t)inline_size;
                inline_size += pass;
            }
    inline_size = (inline_size + 3) & ~(size_t)3;

    fbw_pad(w, 2);
    size_t vt_bytes = 4 + 2 * (size_t)(max_id + 1);
    size_t vt = fbw_bytes(w, NULL, vt_bytes);
    put16(w, vt, (uint16_t)vt_bytes);
    put16(w, vt + 2, (uint16_t)inline_size);
    for (int k = 0; k < t->n; k++) put16(w, vt + 4 + 2 * (size_t)t->f[k].id, off[k]);

    fbw_pad(w, 4);
    size_t tp = fbw_bytes(w, NULL, inline_size);
    fbw_put_u32(w, tp, (uint32_t)(tp - vt));
    for (int k = 0; k < t->n; k++) {
        t->f[k].at = tp + off[k];
        if (!w->oom) memcpy(w->buf + t->f[k].at, t->f[k].val, t->f[k].size);
    }
    return tp;
}

/* ---- vectors and strings ---- */

size_t fbw_vector(fbw *w, const void *elems, uint32_t n, size_t elem_size, size_t align)
{
    if (align < 4) align = 4;
    /* The count word sits just before the first element, which is `align`-aligned. */
    fbw_bytes(w, NULL, (align - (w->len + 4) % align) % align);
    size_t pos = fbw_bytes(w, NULL, 4);
    fbw_put_u32(w, pos, n);
    fbw_bytes(w, elems, (size_t)n * elem_size);   /* elems NULL: zeros */
    return pos;
}

size_t fbw_vec_i32(fbw *w, const int32_t *v, uint32_t n)
{
    fbw_pad(w, 4);
    size_t pos = fbw_bytes(w, NULL, 4);
    fbw_put_u32(w, pos, n);
    for (uint32_t i = 0; i < n; i++) {
        size_t p = fbw_bytes(w, NULL, 4);
        fbw_put_u32(w, p, (uint32_t)v[i]);
    }
    return pos;
}

size_t fbw_vec_refs(fbw *w, uint32_t n, size_t *first_slot)
{
    size_t pos = fbw_vector(w, NULL, n, 4, 4);
    *first_slot = pos + 4;
    return pos;
}

size_t fbw_string(fbw *w, const char *s)
{
    size_t n = strlen(s);
    size_t pos = fbw_vector(w, s, (uint32_t)n, 1, 4);
    fbw_bytes(w, NULL, 1);   /* the terminating 0 */
    return pos;
}
