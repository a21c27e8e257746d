/*
 * tflite_metadata.c - elstm_tflite_set_metadata(): a .tflite file with one metadata entry
 * set, everything else carried over byte for byte (`edgelstm adopt`).
 *
 * A flatbuffer's offsets only point forward, so a field cannot be added to the existing
 * root table in place. Instead the new file is
 *
 *   header (root offset, "TFL3")
 *   a new Model table: every field of the old one, its offsets pointing into the old
 *     file (below), except `buffers` and `metadata`, which point to new vectors
 *   buffers:  the old Buffer tables + one new Buffer holding the value
 *   metadata: the old Metadata tables (but one of the same name) + one new Metadata
 *   the new Buffer, Metadata, name string and value (16-byte aligned)
 *   the old file, unchanged, from a 16-byte boundary
 *
 * Every old table, vector and string keeps its bytes and its alignment (the old file
 * moves by a multiple of 16); the old root table and a replaced entry's buffer are left
 * unreferenced. The result is checked by parsing it back.
 */
#include <stdlib.h>
#include <string.h>

#include "edgelstm/tflite.h"
#include "flatbuf.h"
#include "tflite_schema.h"

#define MAX_ROOT_FIELDS 10   /* Model fields ids 0..9 (schema.fbs) */

/* Model fields that hold offsets into the file (the others are scalars or unknown). */
static int root_ref_field(int id)
{
    return id == TFL_MODEL_OPERATOR_CODES || id == TFL_MODEL_SUBGRAPHS || id == TFL_MODEL_DESCRIPTION ||
           id == TFL_MODEL_BUFFERS || id == TFL_MODEL_METADATA_BUFFER || id == TFL_MODEL_METADATA ||
           id == TFL_MODEL_SIGNATURE_DEFS || id == 8 || id == 9;   /* external_buffer_groups, external_buffers */
}

elstm_status elstm_tflite_set_metadata(const uint8_t *data, size_t len, const char *what, const char *name,
                                       const void *value, size_t value_len, uint8_t **out, size_t *out_len,
                                       elstm_diag *diag)
{
    *out = NULL;
    *out_len = 0;
    if (!what) what = "model";
    /* the whole file must be one edgelstm reads */
    elstm_tflite_model *m = NULL;
    elstm_status st = elstm_tflite_parse(data, len, what, &m, diag);
    if (st != ELSTM_OK) return st;
    int32_t n_buffers = m->n_buffers;
    elstm_tflite_free(m);
    if (value_len > 0x40000000u || len > 0x40000000u)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, what, 0, "the model and its metadata exceed 1 GB");

    fb_reader r;
    fb_reader_init(&r, data, len, what, diag);
    fb_table root = fb_root(&r, TFL_FILE_IDENTIFIER);
    int max_id = fb_max_id(&root);
    for (int id = MAX_ROOT_FIELDS; id <= max_id; id++)
        if (fb_has(&r, root, id))
            return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, what, 0,
                                  "its Model table has a field (id %d) newer than the schema edgelstm knows, so "
                                  "edgelstm cannot rewrite it", id);
    /* where each old offset field, buffer and kept metadata entry points */
    uint32_t ref[MAX_ROOT_FIELDS] = {0};
    for (int id = 0; id <= max_id && id < MAX_ROOT_FIELDS; id++)
        if (root_ref_field(id) && fb_has(&r, root, id)) ref[id] = fb_ref(&r, root, id, "model field");
    fb_vec bufs = fb_vector(&r, root, TFL_MODEL_BUFFERS, 4, "buffers");
    fb_vec metas = fb_vector(&r, root, TFL_MODEL_METADATA, 4, "metadata");
    uint32_t *buf_at = calloc((size_t)bufs.n + 1, sizeof *buf_at), *meta_at = calloc((size_t)metas.n + 1, sizeof *meta_at);
    uint32_t n_meta = 0;
    if (!buf_at || !meta_at) {
        free(buf_at);
        free(meta_at);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, what, 0, "out of memory");
    }
    for (uint32_t i = 0; i < bufs.n && fb_ok(&r); i++) buf_at[i] = fb_vec_ref(&r, bufs, i, "buffer");
    for (uint32_t i = 0; i < metas.n && fb_ok(&r); i++) {
        fb_table t = fb_vec_table(&r, metas, i, "metadata");
        const char *nm = fb_string(&r, t, TFL_METADATA_NAME, "name");
        if (nm && strcmp(nm, name) == 0) continue;   /* replaced */
        meta_at[n_meta++] = t.pos;
    }
    if (!fb_ok(&r) || bufs.n != (uint32_t)n_buffers) {
        free(buf_at);
        free(meta_at);
        return fb_ok(&r) ? elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0, "its buffers could not be read") : r.st;
    }

    fbw w;
    fbw_init(&w);
    fbw_bytes(&w, NULL, 4);                        /* root offset, patched below */
    fbw_bytes(&w, TFL_FILE_IDENTIFIER, 4);
    fbw_table mt;
    fbw_t_init(&mt);
    int h[MAX_ROOT_FIELDS];
    for (int id = 0; id < MAX_ROOT_FIELDS; id++) h[id] = -1;
    if (fb_has(&r, root, TFL_MODEL_VERSION)) fbw_t_u32(&mt, TFL_MODEL_VERSION, fb_u32(&r, root, TFL_MODEL_VERSION, 0));
    for (int id = 1; id < MAX_ROOT_FIELDS; id++)
        if (ref[id] || id == TFL_MODEL_BUFFERS || id == TFL_MODEL_METADATA) h[id] = fbw_t_ref(&mt, id);
    size_t root_pos = fbw_t_end(&w, &mt);
    fbw_put_u32(&w, 0, (uint32_t)root_pos);

    /* buffers: the old ones, then the value's */
    size_t bslot, mslot;
    size_t bvec = fbw_vec_refs(&w, bufs.n + 1, &bslot);
    fbw_link(&w, fbw_t_slot(&mt, h[TFL_MODEL_BUFFERS]), bvec);
    size_t mvec = fbw_vec_refs(&w, n_meta + 1, &mslot);
    fbw_link(&w, fbw_t_slot(&mt, h[TFL_MODEL_METADATA]), mvec);
    fbw_table bt;
    fbw_t_init(&bt);
    int bdata = fbw_t_ref(&bt, TFL_BUFFER_DATA);
    size_t new_buffer = fbw_t_end(&w, &bt);
    fbw_link(&w, bslot + 4u * bufs.n, new_buffer);
    fbw_table et;
    fbw_t_init(&et);
    int ename = fbw_t_ref(&et, TFL_METADATA_NAME);
    fbw_t_u32(&et, TFL_METADATA_BUFFER, bufs.n);
    size_t new_meta = fbw_t_end(&w, &et);
    fbw_link(&w, mslot + 4u * n_meta, new_meta);
    fbw_link(&w, fbw_t_slot(&et, ename), fbw_string(&w, name));
    fbw_link(&w, fbw_t_slot(&bt, bdata), fbw_vector(&w, value, (uint32_t)value_len, 1, 16));

    /* the old file, from a 16-byte boundary; old positions move by `base` */
    size_t base = fbw_pad(&w, 16);
    fbw_bytes(&w, data, len);
    for (int id = 1; id < MAX_ROOT_FIELDS; id++)
        if (ref[id] && id != TFL_MODEL_BUFFERS && id != TFL_MODEL_METADATA)
            fbw_link(&w, fbw_t_slot(&mt, h[id]), base + ref[id]);
    for (uint32_t i = 0; i < bufs.n; i++) fbw_link(&w, bslot + 4u * i, base + buf_at[i]);
    for (uint32_t i = 0; i < n_meta; i++) fbw_link(&w, mslot + 4u * i, base + meta_at[i]);
    fbw_pad(&w, 16);
    free(buf_at);
    free(meta_at);
    if (w.oom) {
        fbw_free(&w);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, what, 0, "out of memory writing the model");
    }
    /* the result must read back with the entry and the same graph */
    st = elstm_tflite_parse(w.buf, w.len, what, &m, diag);
    if (st == ELSTM_OK) {
        const elstm_tflite_metadata *md = elstm_tflite_find_metadata(m, name);
        if (!md || md->len != value_len || (value_len && memcmp(md->data, value, value_len) != 0))
            st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0, "internal error: the metadata did not read back");
        elstm_tflite_free(m);
    }
    if (st != ELSTM_OK) {
        fbw_free(&w);
        return st;
    }
    *out = w.buf;
    *out_len = w.len;
    return ELSTM_OK;
}
