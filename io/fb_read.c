/*
 * fb_read.c - a FlatBuffers reader that treats its input as untrusted (see flatbuf.h).
 *
 * The checks follow what the official FlatBuffers verifier enforces: every offset
 * lands inside the buffer; a vtable is 2-aligned, even-sized, at least 4 bytes and
 * inside the buffer; a table's inline part is inside the buffer; scalars are aligned
 * to their size; vector and string count words are 4-aligned and their bodies inside
 * the buffer; strings end with a 0 byte; at most FB_MAX_TABLES tables are visited.
 * Integers are assembled from bytes, so the buffer itself may sit at any address.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "flatbuf.h"

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

int fb_fail(fb_reader *r, uint32_t at, const char *fmt, ...)
{
    if (r->st != ELSTM_OK) return 0;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    r->st = ELSTM_ERR_FORMAT;
    elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->path, 0,
                   "malformed model file: %s%s%s (at byte %lu of %lu)", r->ctx,
                   r->ctx[0] ? ": " : "", what, (unsigned long)at, (unsigned long)r->len);
    return 0;
}

void fb_reader_init(fb_reader *r, const uint8_t *buf, size_t len, const char *path,
                    elstm_diag *diag)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->path = path;
    r->diag = diag;
    if (len > 0x7fffffffu) {    /* uoffsets are 32-bit; the schema caps models at 2 GB */
        r->st = ELSTM_ERR_FORMAT;
        elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                       "model file is %zu bytes; a flatbuffer holds at most 2 GB", len);
        return;
    }
    r->len = (uint32_t)len;
}

/* The table at `pos`, fully checked. */
static fb_table table_at(fb_reader *r, uint32_t pos, const char *name)
{
    fb_table t = {0, 0, 0, 0};
    if (!fb_ok(r)) return t;
    if (pos % 4 != 0 || r->len < 4 || pos > r->len - 4) {
        fb_fail(r, pos, "table '%s' %s", name, pos % 4 ? "is not 4-byte aligned" : "lies outside the file");
        return t;
    }
    int64_t vt = (int64_t)pos - (int32_t)rd32(r->buf + pos);
    if (vt < 0 || vt > (int64_t)r->len - 4 || vt % 2 != 0) {
        fb_fail(r, pos, "the vtable of table '%s' %s", name,
                vt % 2 ? "is not 2-byte aligned" : "lies outside the file");
        return t;
    }
    uint16_t vt_size = rd16(r->buf + vt), size = rd16(r->buf + vt + 2);
    if (vt_size < 4 || vt_size % 2 != 0 || vt + vt_size > (int64_t)r->len) {
        fb_fail(r, (uint32_t)vt, "the vtable of table '%s' has an invalid size of %u bytes", name,
                vt_size);
        return t;
    }
    if (size < 4 || (uint64_t)pos + size > r->len) {
        fb_fail(r, pos, "table '%s' claims %u bytes, which run past the end of the file", name, size);
        return t;
    }
    if (++r->tables > FB_MAX_TABLES) {
        fb_fail(r, pos, "more than %u tables", FB_MAX_TABLES);
        return t;
    }
    t.pos = pos;
    t.vt = (uint32_t)vt;
    t.vt_size = vt_size;
    t.size = size;
    return t;
}

/* Absolute position of field `id` (of `size` bytes), or 0 when absent or on error. */
static uint32_t field(fb_reader *r, fb_table t, int id, uint32_t size)
{
    if (!fb_ok(r) || t.pos == 0 || id < 0) return 0;
    uint32_t slot = 4u + 2u * (uint32_t)id;
    if (slot + 2 > t.vt_size) return 0;              /* past a truncated vtable: absent */
    uint16_t off = rd16(r->buf + t.vt + slot);
    if (off == 0) return 0;
    if ((uint32_t)off + size > t.size) {
        fb_fail(r, t.pos, "field %d lies outside its table (offset %u, table size %u)", id, off,
                t.size);
        return 0;
    }
    uint32_t p = t.pos + off;
    if (p % size != 0) {
        fb_fail(r, p, "field %d is not aligned to %u bytes", id, size);
        return 0;
    }
    return p;
}

int fb_has(fb_reader *r, fb_table t, int id) { return field(r, t, id, 1) != 0; }

uint8_t fb_u8(fb_reader *r, fb_table t, int id, uint8_t def)
{
    uint32_t p = field(r, t, id, 1);
    return p ? r->buf[p] : def;
}

int8_t fb_i8(fb_reader *r, fb_table t, int id, int8_t def)
{
    uint32_t p = field(r, t, id, 1);
    return p ? (int8_t)r->buf[p] : def;
}

uint32_t fb_u32(fb_reader *r, fb_table t, int id, uint32_t def)
{
    uint32_t p = field(r, t, id, 4);
    return p ? rd32(r->buf + p) : def;
}

int32_t fb_i32(fb_reader *r, fb_table t, int id, int32_t def)
{
    uint32_t p = field(r, t, id, 4);
    return p ? (int32_t)rd32(r->buf + p) : def;
}

uint64_t fb_u64(fb_reader *r, fb_table t, int id, uint64_t def)
{
    uint32_t p = field(r, t, id, 8);
    return p ? rd64(r->buf + p) : def;
}

float fb_f32(fb_reader *r, fb_table t, int id, float def)
{
    uint32_t p = field(r, t, id, 4);
    if (!p) return def;
    uint32_t u = rd32(r->buf + p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Follow the uoffset stored at `slot`. Returns the target or 0 on error. */
static uint32_t deref(fb_reader *r, uint32_t slot, const char *name)
{
    uint64_t target = (uint64_t)slot + rd32(r->buf + slot);
    if (target >= r->len) {
        fb_fail(r, slot, "'%s' points to byte %llu, past the end of the file (truncated?)", name,
                (unsigned long long)target);
        return 0;
    }
    return (uint32_t)target;
}

uint32_t fb_ref(fb_reader *r, fb_table t, int id, const char *name)
{
    uint32_t p = field(r, t, id, 4);
    return p ? deref(r, p, name) : 0;
}

uint32_t fb_vec_ref(fb_reader *r, fb_vec v, uint32_t i, const char *name)
{
    return fb_ok(r) && i < v.n ? deref(r, v.pos + 4u * i, name) : 0;
}

int fb_max_id(const fb_table *t)
{
    return t->pos ? (int)(t->vt_size - 4) / 2 - 1 : -1;
}

fb_table fb_subtable(fb_reader *r, fb_table t, int id, const char *name)
{
    fb_table none = {0, 0, 0, 0};
    uint32_t p = field(r, t, id, 4);
    if (!p) return none;
    uint32_t target = deref(r, p, name);
    return target ? table_at(r, target, name) : none;
}

/* The vector whose count word is at `pos`. */
static fb_vec vec_at(fb_reader *r, uint32_t pos, uint32_t elem_size, const char *name)
{
    fb_vec v = {0, 0};
    if (!fb_ok(r)) return v;
    if (pos % 4 != 0 || r->len < 4 || pos > r->len - 4) {
        fb_fail(r, pos, "vector '%s' %s", name, pos % 4 ? "is not 4-byte aligned" : "lies outside the file");
        return v;
    }
    uint32_t n = rd32(r->buf + pos), body = pos + 4;
    if ((uint64_t)n * elem_size > (uint64_t)(r->len - body)) {
        fb_fail(r, pos, "vector '%s' of %lu elements runs past the end of the file", name,
                (unsigned long)n);
        return v;
    }
    v.pos = body;
    v.n = n;
    return v;
}

fb_vec fb_vector(fb_reader *r, fb_table t, int id, uint32_t elem_size, const char *name)
{
    fb_vec none = {0, 0};
    uint32_t p = field(r, t, id, 4);
    if (!p) return none;
    uint32_t target = deref(r, p, name);
    return target ? vec_at(r, target, elem_size, name) : none;
}

const char *fb_string(fb_reader *r, fb_table t, int id, const char *name)
{
    fb_vec v = fb_vector(r, t, id, 1, name);
    if (!fb_ok(r) || v.pos == 0) return NULL;
    if ((uint64_t)v.pos + v.n >= r->len || r->buf[v.pos + v.n] != 0) {
        fb_fail(r, v.pos, "string '%s' is not terminated by a 0 byte", name);
        return NULL;
    }
    return (const char *)r->buf + v.pos;
}

fb_table fb_vec_table(fb_reader *r, fb_vec v, uint32_t i, const char *name)
{
    fb_table none = {0, 0, 0, 0};
    if (!fb_ok(r) || i >= v.n) return none;
    uint32_t slot = v.pos + 4u * i;
    uint32_t target = deref(r, slot, name);
    return target ? table_at(r, target, name) : none;
}

int32_t fb_vec_i32(const fb_reader *r, fb_vec v, uint32_t i)
{
    return i < v.n ? (int32_t)rd32(r->buf + v.pos + 4u * i) : 0;
}

float fb_vec_f32(const fb_reader *r, fb_vec v, uint32_t i)
{
    float f = 0.0f;
    if (i < v.n) {
        uint32_t u = rd32(r->buf + v.pos + 4u * i);
        memcpy(&f, &u, sizeof f);
    }
    return f;
}

int64_t fb_vec_i64(const fb_reader *r, fb_vec v, uint32_t i)
{
    return i < v.n ? (int64_t)rd64(r->buf + v.pos + 8u * i) : 0;
}

fb_table fb_root(fb_reader *r, const char *ident)
{
    fb_table none = {0, 0, 0, 0};
    if (!fb_ok(r)) return none;
    if (r->len < 8) {
        fb_fail(r, 0, "%lu bytes are too few for a flatbuffer header", (unsigned long)r->len);
        return none;
    }
    if (memcmp(r->buf + 4, ident, 4) != 0) {
        char got[24];
        int k = 0;
        for (int i = 4; i < 8; i++) {
            uint8_t c = r->buf[i];
            if (c >= 32 && c < 127 && c != '"' && c != '\\')
                k += snprintf(got + k, sizeof got - (size_t)k, "%c", c);
            else
                k += snprintf(got + k, sizeof got - (size_t)k, "\\x%02x", c);
        }
        r->st = ELSTM_ERR_FORMAT;
        elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->path, 0,
                       "not a TensorFlow Lite model: bytes 4-7 hold \"%s\", not the file "
                       "identifier \"%s\"", got, ident);
        return none;
    }
    return table_at(r, rd32(r->buf), "root");
}
