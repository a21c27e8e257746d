/*
 * flatbuf.h - a small FlatBuffers reader (for untrusted files) and builder. Internal to io/.
 *
 * Binary format in brief (all little-endian, every scalar aligned to its size,
 * measured from the start of the buffer):
 *   uoffset (uint32) at p      -> object at p + value (always forward)
 *   table at t                 -> int32 soffset; its vtable is at t - soffset
 *   vtable                     -> uint16 [vtable bytes, table inline bytes, field offsets...];
 *                                 field id k at byte 4 + 2k, 0 = absent (use the default)
 *   vector / string at v       -> uint32 count, then the elements (strings end with a 0 byte)
 *
 * Reader: every access is bounds- and alignment-checked against the buffer. The first
 * problem sets an error (ELSTM_ERR_FORMAT, "FILE: malformed model file: CONTEXT: WHAT
 * (at byte N)") and every later call returns a default/empty value, so parsing code
 * reads straight through and checks `fb_ok()` where it matters. Nothing here recurses.
 *
 * Builder: writes front to back. A table's vtable and inline part are written first;
 * its offset fields become slots that the caller fills (fbw_link) after writing the
 * children, which therefore always sit after their parent (uoffsets point forward).
 */
#ifndef EDGELSTM_IO_FLATBUF_H
#define EDGELSTM_IO_FLATBUF_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/diag.h"

/* ---- reader ------------------------------------------------------------------------ */

#define FB_MAX_TABLES 1000000u   /* tables visited per file (as the official verifier) */

typedef struct fb_reader {
    const uint8_t *buf;
    uint32_t len;                /* <= UINT32_MAX: checked by fb_reader_init */
    const char *path;            /* names the file in messages */
    elstm_diag *diag;
    elstm_status st;             /* sticky: the first error */
    uint32_t tables;             /* tables visited so far */
    char ctx[160];               /* where we are, e.g. "subgraph 0, tensor 5"; set by the parser */
} fb_reader;

typedef struct fb_table {
    uint32_t pos;                /* 0 = absent table (reads give defaults) */
    uint32_t vt;                 /* vtable position */
    uint16_t vt_size;            /* vtable bytes */
    uint16_t size;               /* table inline bytes */
} fb_table;

typedef struct fb_vec {
    uint32_t pos;                /* first element; 0 when absent */
    uint32_t n;                  /* element count (0 when absent) */
} fb_vec;

/* Start reading `len` bytes; fails for a buffer too small or too large to be a flatbuffer. */
void fb_reader_init(fb_reader *r, const uint8_t *buf, size_t len, const char *path,
                    elstm_diag *diag);
static inline int fb_ok(const fb_reader *r) { return r->st == 0; }

/* Record an error (only the first one is kept). Returns 0. */
int fb_fail(fb_reader *r, uint32_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The root table; `ident` (4 chars) must match bytes 4..7. */
fb_table fb_root(fb_reader *r, const char *ident);

/* Scalar fields of table `t` (the default when absent or after an error). */
uint8_t fb_u8(fb_reader *r, fb_table t, int id, uint8_t def);
int8_t fb_i8(fb_reader *r, fb_table t, int id, int8_t def);
int32_t fb_i32(fb_reader *r, fb_table t, int id, int32_t def);
uint32_t fb_u32(fb_reader *r, fb_table t, int id, uint32_t def);
uint64_t fb_u64(fb_reader *r, fb_table t, int id, uint64_t def);
float fb_f32(fb_reader *r, fb_table t, int id, float def);
int fb_has(fb_reader *r, fb_table t, int id);   /* field present (non-zero vtable slot) */

/* Reference fields; `name` names the field in messages. */
fb_table fb_subtable(fb_reader *r, fb_table t, int id, const char *name);
fb_vec fb_vector(fb_reader *r, fb_table t, int id, uint32_t elem_size, const char *name);
/* A string field: NUL-terminated inside the buffer; NULL when absent. */
const char *fb_string(fb_reader *r, fb_table t, int id, const char *name);

/* Where an offset field points: the position of its child (a table, a vector's or a
 * string's count word), checked to lie inside the file; 0 when absent or on error. */
uint32_t fb_ref(fb_reader *r, fb_table t, int id, const char *name);
/* Where element i of a vector of offsets points (0 on error). */
uint32_t fb_vec_ref(fb_reader *r, fb_vec v, uint32_t i, const char *name);
/* The largest field id a table's vtable has a slot for (-1 for none). */
int fb_max_id(const fb_table *t);

/* Vector elements (i < v.n). */
fb_table fb_vec_table(fb_reader *r, fb_vec v, uint32_t i, const char *name);
int32_t fb_vec_i32(const fb_reader *r, fb_vec v, uint32_t i);
float fb_vec_f32(const fb_reader *r, fb_vec v, uint32_t i);
int64_t fb_vec_i64(const fb_reader *r, fb_vec v, uint32_t i);

/* ---- builder ----------------------------------------------------------------------- */

typedef struct fbw {
    uint8_t *buf;
    size_t len, cap;
    int oom;                     /* an allocation failed; the result is unusable */
} fbw;

#define FBW_MAX_FIELDS 16

/* A table being described before it is written. */
typedef struct fbw_table {
    int n;
    int overflow;                /* more than FBW_MAX_FIELDS fields: the build fails */
    struct {
        uint16_t id;
        uint8_t size;            /* 1, 2 or 4 bytes */
        uint8_t is_ref;          /* a uoffset slot, linked later */
        uint8_t val[4];
        size_t at;               /* absolute position once written */
    } f[FBW_MAX_FIELDS];
} fbw_table;

void fbw_init(fbw *w);
void fbw_free(fbw *w);
size_t fbw_pad(fbw *w, size_t align);                 /* zero bytes up to a multiple */
size_t fbw_bytes(fbw *w, const void *p, size_t n);    /* append; returns the position */
void fbw_put_u32(fbw *w, size_t pos, uint32_t v);     /* overwrite 4 bytes */
/* Make the uoffset at `slot` point at `target` (which must come later). */
void fbw_link(fbw *w, size_t slot, size_t target);

/* Table fields (call in any order; each id at most once). */
void fbw_t_init(fbw_table *t);
void fbw_t_u8(fbw_table *t, int id, uint8_t v);
void fbw_t_i32(fbw_table *t, int id, int32_t v);
void fbw_t_u32(fbw_table *t, int id, uint32_t v);
void fbw_t_f32(fbw_table *t, int id, float v);
int fbw_t_ref(fbw_table *t, int id);                  /* returns a handle for fbw_t_slot */
size_t fbw_t_end(fbw *w, fbw_table *t);               /* writes vtable + table; returns the table */
static inline size_t fbw_t_slot(const fbw_table *t, int handle) { return t->f[handle].at; }

/* Vectors and strings; each returns the position of its count word (what a uoffset targets). */
size_t fbw_vector(fbw *w, const void *elems, uint32_t n, size_t elem_size, size_t align);
size_t fbw_vec_i32(fbw *w, const int32_t *v, uint32_t n);
size_t fbw_vec_refs(fbw *w, uint32_t n, size_t *first_slot);   /* n zero slots to link */
size_t fbw_string(fbw *w, const char *s);

#endif /* EDGELSTM_IO_FLATBUF_H */
