/*
 * tflite_parse.c - a .tflite flatbuffer -> elstm_tflite_model (see edgelstm/tflite.h).
 *
 * The file is copied into one 16-aligned block owned by the model; strings, shapes,
 * operator index lists and constant data then point into that copy (flatbuffers keep
 * int32 vectors 4-aligned, and constant data is 16-aligned by `force_align`). Data
 * that an older converter left unaligned, and int64 zero points, are copied to
 * aligned memory. Every index a table holds is range-checked here, so users of the
 * model (inspect, the executor, the forecaster importer) may index without checks.
 */
#include <stdlib.h>
#include <string.h>

#include "edgelstm/fileio.h"
#include "edgelstm/tflite.h"
#include "flatbuf.h"
#include "tflite_exec.h"
#include "tflite_schema.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "edgelstm reads TFLite data in place and needs a little-endian host"
#endif

#define MAX_FILE_BYTES ((size_t)0x7fffffff)
#define MAX_ELEMENTS ((size_t)1 << 40)   /* per tensor; far beyond any model we could run */

/* ---- allocation pool: every allocation of a model, freed together ---- */

typedef struct pool_block {
    struct pool_block *next;
} pool_block;

#define POOL_ALIGN 16
#define POOL_HEADER ((sizeof(pool_block) + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN)

/* n zeroed bytes aligned to 16, or NULL. */
void *tfl_pool_alloc(elstm_tflite_model *m, size_t n)
{
    if (n > SIZE_MAX - POOL_HEADER) return NULL;
    pool_block *b = calloc(1, POOL_HEADER + (n ? n : 1));
    if (!b) return NULL;
    b->next = m->pool_;
    m->pool_ = b;
    return (char *)b + POOL_HEADER;
}

void elstm_tflite_free(elstm_tflite_model *m)
{
    if (!m) return;
    pool_block *b = m->pool_;
    while (b) {
        pool_block *next = b->next;
        free(b);
        b = next;
    }
    free(m);
}

/* ---- parser state ---- */

typedef struct buffer_ref {
    const uint8_t *data;
    size_t len;
} buffer_ref;

typedef struct parser {
    fb_reader r;
    elstm_tflite_model *m;
    const uint8_t *base;      /* the model's aligned copy of the file */
    buffer_ref *buffers;
    int nomem;
} parser;

static void *alloc(parser *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        p->nomem = 1;
        return NULL;
    }
    void *q = tfl_pool_alloc(p->m, count * size);
    if (!q) p->nomem = 1;
    return q;
}

/* A vector's elements in place (int32/float vectors are 4-aligned in the aligned copy). */
static const void *vec_ptr(const parser *p, fb_vec v)
{
    return v.pos ? p->base + v.pos : NULL;
}

/* A vector of n tables is about to be read: refuse absurd counts before allocating. */
static int check_count(parser *p, fb_vec v, const char *what)
{
    if (v.n > FB_MAX_TABLES - p->r.tables)
        return fb_fail(&p->r, v.pos, "%lu %s exceed the limit of %u tables", (unsigned long)v.n,
                       what, FB_MAX_TABLES);
    return fb_ok(&p->r);
}

#define CTX(p, ...) snprintf((p)->r.ctx, sizeof (p)->r.ctx, __VA_ARGS__)

/* ---- buffers, operator codes ---- */

static void parse_buffers(parser *p, fb_table root)
{
    fb_vec v = fb_vector(&p->r, root, TFL_MODEL_BUFFERS, 4, "buffers");
    if (!check_count(p, v, "buffers")) return;
    p->m->n_buffers = (int32_t)v.n;
    p->buffers = alloc(p, v.n, sizeof *p->buffers);
    for (uint32_t i = 0; i < v.n && fb_ok(&p->r) && !p->nomem; i++) {
        CTX(p, "buffer %u", i);
        fb_table b = fb_vec_table(&p->r, v, i, "buffer");
        fb_vec d = fb_vector(&p->r, b, TFL_BUFFER_DATA, 1, "data");
        uint64_t off = fb_u64(&p->r, b, TFL_BUFFER_OFFSET, 0);
        if (fb_ok(&p->r) && off > 1) {
            fb_fail(&p->r, b.pos, "data stored outside the flatbuffer (offset %llu) is not "
                    "supported; edgelstm reads models under 2 GB with embedded data",
                    (unsigned long long)off);
            return;
        }
        if (!fb_ok(&p->r) || d.n == 0) continue;
        const uint8_t *src = p->base + d.pos;
        if (d.pos % 16 != 0) {   /* an older converter did not honour force_align: copy */
            uint8_t *copy = alloc(p, d.n, 1);
            if (!copy) return;
            memcpy(copy, src, d.n);
            src = copy;
        }
        p->buffers[i].data = src;
        p->buffers[i].len = d.n;
    }
}

static void parse_opcodes(parser *p, fb_table root)
{
    fb_vec v = fb_vector(&p->r, root, TFL_MODEL_OPERATOR_CODES, 4, "operator_codes");
    if (!check_count(p, v, "operator codes")) return;
    p->m->n_opcodes = (int32_t)v.n;
    p->m->opcodes = alloc(p, v.n, sizeof *p->m->opcodes);
    for (uint32_t i = 0; i < v.n && fb_ok(&p->r) && !p->nomem; i++) {
        CTX(p, "operator code %u", i);
        fb_table t = fb_vec_table(&p->r, v, i, "operator code");
        int32_t dep = fb_i8(&p->r, t, TFL_OPCODE_DEPRECATED_BUILTIN_CODE, 0);
        int32_t code = fb_i32(&p->r, t, TFL_OPCODE_BUILTIN_CODE, 0);
        elstm_tflite_opcode *oc = &p->m->opcodes[i];
        oc->builtin = code > dep ? code : dep;   /* files before schema 3a only have the byte */
        oc->version = fb_i32(&p->r, t, TFL_OPCODE_VERSION, 1);
        oc->custom_code = fb_string(&p->r, t, TFL_OPCODE_CUSTOM_CODE, "custom_code");
        if (fb_ok(&p->r) && oc->builtin < 0)
            fb_fail(&p->r, t.pos, "negative builtin operator code %d", (int)oc->builtin);
    }
}

/* ---- tensors ---- */

static void parse_quantization(parser *p, fb_table q, elstm_tflite_tensor *t)
{
    fb_vec scale = fb_vector(&p->r, q, TFL_QUANT_SCALE, 4, "scale");
    fb_vec zp = fb_vector(&p->r, q, TFL_QUANT_ZERO_POINT, 8, "zero_point");
    int32_t dim = fb_i32(&p->r, q, TFL_QUANT_QUANTIZED_DIMENSION, 0);
    if (!fb_ok(&p->r) || scale.n == 0) return;
    if (zp.n != 0 && zp.n != scale.n) {
        fb_fail(&p->r, q.pos, "%lu scales but %lu zero points", (unsigned long)scale.n,
                (unsigned long)zp.n);
        return;
    }
    if (scale.n > 1 && (dim < 0 || dim >= t->rank || (uint32_t)t->shape[dim] != scale.n)) {
        fb_fail(&p->r, q.pos, "%lu per-channel scales do not match dimension %d of the shape",
                (unsigned long)scale.n, (int)dim);
        return;
    }
    int64_t *z = alloc(p, scale.n, sizeof *z);   /* int64 elements may be only 4-aligned */
    if (!z) return;
    for (uint32_t i = 0; i < zp.n; i++) z[i] = fb_vec_i64(&p->r, zp, i);
    t->n_quant = (int32_t)scale.n;
    t->scale = vec_ptr(p, scale);
    t->zero_point = z;
    t->quant_dim = dim;
}

static void parse_tensor(parser *p, fb_table tt, elstm_tflite_tensor *t)
{
    fb_reader *r = &p->r;
    fb_vec shape = fb_vector(r, tt, TFL_TENSOR_SHAPE, 4, "shape");
    t->type = fb_i8(r, tt, TFL_TENSOR_TYPE, ELSTM_TFL_FLOAT32);
    t->buffer = fb_u32(r, tt, TFL_TENSOR_BUFFER, 0);
    t->name = fb_string(r, tt, TFL_TENSOR_NAME, "name");
    t->is_variable = fb_u8(r, tt, TFL_TENSOR_IS_VARIABLE, 0) != 0;
    int sparse = fb_has(r, tt, TFL_TENSOR_SPARSITY);
    uint32_t external = fb_u32(r, tt, TFL_TENSOR_EXTERNAL_BUFFER, 0);
    if (!fb_ok(r)) return;
    if (!t->name) t->name = "";
    if (shape.n > ELSTM_TFL_MAX_RANK) {
        fb_fail(r, shape.pos, "rank %lu exceeds the limit of %d", (unsigned long)shape.n,
                ELSTM_TFL_MAX_RANK);
        return;
    }
    t->rank = (int32_t)shape.n;
    t->shape = vec_ptr(p, shape);
    size_t elements = 1;
    for (int32_t d = 0; d < t->rank; d++) {
        if (t->shape[d] < 0) {
            fb_fail(r, shape.pos, "dimension %d is negative (%d)", (int)d, (int)t->shape[d]);
            return;
        }
        /* checked before multiplying: the product must not wrap around */
        if (t->shape[d] != 0 && elements > MAX_ELEMENTS / (size_t)t->shape[d]) {
            fb_fail(r, shape.pos, "the shape has more than 2^40 elements");
            return;
        }
        elements *= (size_t)t->shape[d];
    }
    t->elements = elements;
    if (t->buffer >= (uint32_t)p->m->n_buffers) {
        fb_fail(r, tt.pos, "buffer index %lu is out of range (the model has %d buffers)",
                (unsigned long)t->buffer, (int)p->m->n_buffers);
        return;
    }
    t->data = p->buffers[t->buffer].data;
    t->data_bytes = p->buffers[t->buffer].len;
    size_t esize = elstm_tflite_type_size(t->type);
    if (t->data && esize && t->data_bytes != elements * esize) {
        fb_fail(r, tt.pos, "tensor '%s' has %zu bytes of data but its shape needs %zu (%zu %s "
                "elements)", t->name, t->data_bytes, elements * esize, elements,
                elstm_tflite_type_name(t->type));
        return;
    }
    if (sparse || external) {
        p->r.st = ELSTM_ERR_UNSUPPORTED;
        elstm_diag_set(r->diag, ELSTM_ERR_UNSUPPORTED, r->path, 0,
                       "%s: tensor '%s' is %s, which edgelstm does not read", r->ctx, t->name,
                       sparse ? "sparse" : "stored in an external buffer");
        return;
    }
    fb_table q = fb_subtable(r, tt, TFL_TENSOR_QUANTIZATION, "quantization");
    parse_quantization(p, q, t);
}

/* ---- operators ---- */

/* Index lists: each entry must name a tensor (or be -1 where `optional`). */
static const int32_t *index_list(parser *p, fb_table t, int id, const char *name, int32_t n_tensors,
                                 int optional, int32_t *count)
{
    fb_vec v = fb_vector(&p->r, t, id, 4, name);
    *count = (int32_t)v.n;
    for (uint32_t i = 0; i < v.n && fb_ok(&p->r); i++) {
        int32_t x = fb_vec_i32(&p->r, v, i);
        if (x >= n_tensors || x < (optional ? -1 : 0))
            fb_fail(&p->r, v.pos + 4 * i, "%s[%lu] = %d is not a tensor index (the subgraph has "
                    "%d tensors)", name, (unsigned long)i, (int)x, (int)n_tensors);
    }
    return fb_ok(&p->r) ? vec_ptr(p, v) : NULL;
}

static void parse_options(parser *p, fb_table op, elstm_tflite_options *o)
{
    fb_reader *r = &p->r;
    o->type = fb_u8(r, op, TFL_OP_BUILTIN_OPTIONS_TYPE, TFL_OPT_NONE);
    fb_table t = fb_subtable(r, op, TFL_OP_BUILTIN_OPTIONS, "builtin_options");
    o->cond_subgraph = o->body_subgraph = -1;
    switch (o->type) {
    case TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM:
        o->fused_activation = fb_i8(r, t, TFL_USLSTM_FUSED_ACTIVATION, TFL_ACT_NONE);
        o->cell_clip = fb_f32(r, t, TFL_USLSTM_CELL_CLIP, 0.0f);
        o->proj_clip = fb_f32(r, t, TFL_USLSTM_PROJ_CLIP, 0.0f);
        o->time_major = fb_u8(r, t, TFL_USLSTM_TIME_MAJOR, 0) != 0;
        o->asymmetric_quantize_inputs = fb_u8(r, t, TFL_USLSTM_ASYMMETRIC_QUANTIZE, 0) != 0;
        o->diagonal_recurrent = fb_u8(r, t, TFL_USLSTM_DIAGONAL_RECURRENT, 0) != 0;
        break;
    case TFL_OPT_FULLY_CONNECTED:
        o->fused_activation = fb_i8(r, t, TFL_FC_FUSED_ACTIVATION, TFL_ACT_NONE);
        o->weights_format = fb_i8(r, t, TFL_FC_WEIGHTS_FORMAT, 0);
        o->keep_num_dims = fb_u8(r, t, TFL_FC_KEEP_NUM_DIMS, 0) != 0;
        o->asymmetric_quantize_inputs = fb_u8(r, t, TFL_FC_ASYMMETRIC_QUANTIZE, 0) != 0;
        break;
    case TFL_OPT_SOFTMAX:
        o->beta = fb_f32(r, t, TFL_SOFTMAX_BETA, 0.0f);
        break;
    case TFL_OPT_RESHAPE: {
        fb_vec v = fb_vector(r, t, TFL_RESHAPE_NEW_SHAPE, 4, "new_shape");
        o->n_new_shape = (int32_t)v.n;
        o->new_shape = vec_ptr(p, v);
        break;
    }
    case TFL_OPT_STRIDED_SLICE:
        o->begin_mask = fb_i32(r, t, TFL_SS_BEGIN_MASK, 0);
        o->end_mask = fb_i32(r, t, TFL_SS_END_MASK, 0);
        o->ellipsis_mask = fb_i32(r, t, TFL_SS_ELLIPSIS_MASK, 0);
        o->new_axis_mask = fb_i32(r, t, TFL_SS_NEW_AXIS_MASK, 0);
        o->shrink_axis_mask = fb_i32(r, t, TFL_SS_SHRINK_AXIS_MASK, 0);
        o->offset = fb_u8(r, t, TFL_SS_OFFSET, 0) != 0;
        break;
    case TFL_OPT_ADD:
        o->fused_activation = fb_i8(r, t, TFL_ADD_FUSED_ACTIVATION, TFL_ACT_NONE);
        break;
    case TFL_OPT_MUL:
        o->fused_activation = fb_i8(r, t, TFL_MUL_FUSED_ACTIVATION, TFL_ACT_NONE);
        break;
    case TFL_OPT_CONCATENATION:
        o->axis = fb_i32(r, t, TFL_CONCAT_AXIS, 0);
        o->fused_activation = fb_i8(r, t, TFL_CONCAT_FUSED_ACTIVATION, TFL_ACT_NONE);
        break;
    case TFL_OPT_GATHER:
        o->axis = fb_i32(r, t, TFL_GATHER_AXIS, 0);
        o->batch_dims = fb_i32(r, t, TFL_GATHER_BATCH_DIMS, 0);
        break;
    case TFL_OPT_SPLIT:
    case TFL_OPT_SPLIT_V:
        o->num_splits = fb_i32(r, t, TFL_SPLIT_NUM_SPLITS, 0);
        break;
    case TFL_OPT_WHILE:
        o->cond_subgraph = fb_i32(r, t, TFL_WHILE_COND_SUBGRAPH, 0);
        o->body_subgraph = fb_i32(r, t, TFL_WHILE_BODY_SUBGRAPH, 0);
        if (fb_ok(r) && (o->cond_subgraph < 0 || o->cond_subgraph >= p->m->n_subgraphs ||
                         o->body_subgraph < 0 || o->body_subgraph >= p->m->n_subgraphs))
            fb_fail(r, t.pos, "WHILE names subgraphs %d and %d, but the model has %d",
                    (int)o->cond_subgraph, (int)o->body_subgraph, (int)p->m->n_subgraphs);
        break;
    default:
        break;   /* other option tables are not needed (the operator is refused later) */
    }
}

static void parse_operator(parser *p, fb_table t, elstm_tflite_op *op, int32_t index, int32_t n_tensors)
{
    op->file_op = index;
    op->loop = -1;
    op->opcode_index = fb_u32(&p->r, t, TFL_OP_OPCODE_INDEX, 0);
    if (fb_ok(&p->r) && op->opcode_index >= (uint32_t)p->m->n_opcodes) {
        fb_fail(&p->r, t.pos, "operator code index %lu is out of range (the model has %d)",
                (unsigned long)op->opcode_index, (int)p->m->n_opcodes);
        return;
    }
    if (!fb_ok(&p->r)) return;
    op->builtin = p->m->opcodes[op->opcode_index].builtin;
    op->inputs = index_list(p, t, TFL_OP_INPUTS, "inputs", n_tensors, 1, &op->n_inputs);
    op->outputs = index_list(p, t, TFL_OP_OUTPUTS, "outputs", n_tensors, 0, &op->n_outputs);
    op->intermediates = index_list(p, t, TFL_OP_INTERMEDIATES, "intermediates", n_tensors, 0,
                                   &op->n_intermediates);
    parse_options(p, t, &op->opt);
}

static void parse_subgraph(parser *p, fb_table sg, uint32_t si, elstm_tflite_subgraph *s)
{
    fb_reader *r = &p->r;
    CTX(p, "subgraph %u", si);
    fb_vec tensors = fb_vector(r, sg, TFL_SUBGRAPH_TENSORS, 4, "tensors");
    fb_vec ops = fb_vector(r, sg, TFL_SUBGRAPH_OPERATORS, 4, "operators");
    s->name = fb_string(r, sg, TFL_SUBGRAPH_NAME, "name");
    if (!check_count(p, tensors, "tensors") || !check_count(p, ops, "operators")) return;
    s->n_tensors = (int32_t)tensors.n;
    s->tensors = alloc(p, tensors.n, sizeof *s->tensors);
    for (uint32_t i = 0; i < tensors.n && fb_ok(r) && !p->nomem; i++) {
        CTX(p, "subgraph %u, tensor %u", si, i);
        parse_tensor(p, fb_vec_table(r, tensors, i, "tensor"), &s->tensors[i]);
    }
    CTX(p, "subgraph %u", si);
    s->inputs = index_list(p, sg, TFL_SUBGRAPH_INPUTS, "inputs", s->n_tensors, 0, &s->n_inputs);
    s->outputs = index_list(p, sg, TFL_SUBGRAPH_OUTPUTS, "outputs", s->n_tensors, 0, &s->n_outputs);
    s->n_ops = (int32_t)ops.n;
    s->ops = alloc(p, ops.n, sizeof *s->ops);
    for (uint32_t i = 0; i < ops.n && fb_ok(r) && !p->nomem; i++) {
        CTX(p, "subgraph %u, operator %u", si, i);
        parse_operator(p, fb_vec_table(r, ops, i, "operator"), &s->ops[i], (int32_t)i, s->n_tensors);
    }
}

/* ---- metadata, signatures ---- */

static void parse_metadata(parser *p, fb_table root)
{
    fb_vec v = fb_vector(&p->r, root, TFL_MODEL_METADATA, 4, "metadata");
    if (!check_count(p, v, "metadata entries")) return;
    p->m->n_metadata = (int32_t)v.n;
    p->m->metadata = alloc(p, v.n, sizeof *p->m->metadata);
    for (uint32_t i = 0; i < v.n && fb_ok(&p->r) && !p->nomem; i++) {
        CTX(p, "metadata %u", i);
        fb_table t = fb_vec_table(&p->r, v, i, "metadata");
        elstm_tflite_metadata *md = &p->m->metadata[i];
        md->name = fb_string(&p->r, t, TFL_METADATA_NAME, "name");
        uint32_t b = fb_u32(&p->r, t, TFL_METADATA_BUFFER, 0);
        if (!fb_ok(&p->r)) return;
        if (!md->name) md->name = "";
        if (b >= (uint32_t)p->m->n_buffers) {
            fb_fail(&p->r, t.pos, "entry '%s' names buffer %lu, but the model has %d buffers",
                    md->name, (unsigned long)b, (int)p->m->n_buffers);
            return;
        }
        md->data = p->buffers[b].data;
        md->len = p->buffers[b].len;
    }
}

static elstm_tflite_tensor_map *parse_tensor_maps(parser *p, fb_table sig, int id, const char *name,
                                                  int32_t n_tensors, int32_t *count)
{
    fb_vec v = fb_vector(&p->r, sig, id, 4, name);
    if (!check_count(p, v, name)) return NULL;
    elstm_tflite_tensor_map *maps = alloc(p, v.n, sizeof *maps);
    *count = maps ? (int32_t)v.n : 0;
    for (uint32_t i = 0; maps && i < v.n && fb_ok(&p->r); i++) {
        fb_table t = fb_vec_table(&p->r, v, i, name);
        maps[i].name = fb_string(&p->r, t, TFL_TMAP_NAME, "name");
        maps[i].tensor = fb_u32(&p->r, t, TFL_TMAP_TENSOR_INDEX, 0);
        if (!maps[i].name) maps[i].name = "";
        if (fb_ok(&p->r) && maps[i].tensor >= (uint32_t)n_tensors)
            fb_fail(&p->r, t.pos, "%s '%s' names tensor %lu, but the subgraph has %d", name,
                    maps[i].name, (unsigned long)maps[i].tensor, (int)n_tensors);
    }
    return maps;
}

static void parse_signatures(parser *p, fb_table root)
{
    fb_vec v = fb_vector(&p->r, root, TFL_MODEL_SIGNATURE_DEFS, 4, "signature_defs");
    if (!check_count(p, v, "signatures")) return;
    p->m->n_signatures = (int32_t)v.n;
    p->m->signatures = alloc(p, v.n, sizeof *p->m->signatures);
    for (uint32_t i = 0; i < v.n && fb_ok(&p->r) && !p->nomem; i++) {
        CTX(p, "signature %u", i);
        fb_table t = fb_vec_table(&p->r, v, i, "signature");
        elstm_tflite_signature *s = &p->m->signatures[i];
        s->key = fb_string(&p->r, t, TFL_SIG_KEY, "signature_key");
        s->subgraph = fb_u32(&p->r, t, TFL_SIG_SUBGRAPH_INDEX, 0);
        if (!fb_ok(&p->r)) return;
        if (!s->key) s->key = "";
        if (s->subgraph >= (uint32_t)p->m->n_subgraphs) {
            fb_fail(&p->r, t.pos, "signature '%s' names subgraph %lu, but the model has %d",
                    s->key, (unsigned long)s->subgraph, (int)p->m->n_subgraphs);
            return;
        }
        int32_t nt = p->m->subgraphs[s->subgraph].n_tensors;
        s->inputs = parse_tensor_maps(p, t, TFL_SIG_INPUTS, "input", nt, &s->n_inputs);
        s->outputs = parse_tensor_maps(p, t, TFL_SIG_OUTPUTS, "output", nt, &s->n_outputs);
    }
}

/* ---- the model ---- */

elstm_status elstm_tflite_parse(const uint8_t *data, size_t len, const char *what,
                                elstm_tflite_model **out, elstm_diag *diag)
{
    *out = NULL;
    if (!what) what = "model";
    if (len == 0)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                              "the file is empty; a TensorFlow Lite model is a flatbuffer that "
                              "starts with a root offset and the identifier \"TFL3\"");
    if (len > MAX_FILE_BYTES)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                              "the file is %zu bytes; a flatbuffer holds at most 2 GB", len);
    if (len < 8)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                              "the file is only %zu bytes, too short for a TensorFlow Lite model "
                              "(a flatbuffer header alone is 8 bytes)", len);
    elstm_tflite_model *m = calloc(1, sizeof *m);
    if (!m) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, what, 0, "out of memory");
    snprintf(m->path, sizeof m->path, "%s", what);
    parser p;
    memset(&p, 0, sizeof p);
    p.m = m;
    uint8_t *copy = alloc(&p, len, 1);
    if (!copy) {
        elstm_tflite_free(m);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, what, 0, "out of memory for %zu bytes", len);
    }
    memcpy(copy, data, len);
    p.base = copy;
    fb_reader_init(&p.r, copy, len, m->path, diag);
    fb_reader *r = &p.r;

    fb_table root = fb_root(r, TFL_FILE_IDENTIFIER);
    m->version = fb_u32(r, root, TFL_MODEL_VERSION, 0);
    if (fb_ok(r) && m->version != TFL_SCHEMA_VERSION) {
        unsigned long version = m->version;
        elstm_tflite_free(m);
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, what, 0,
                              "TFLite schema version %lu is not supported (edgelstm reads "
                              "version %d, as the TFLite interpreter does)", version,
                              TFL_SCHEMA_VERSION);
    }
    m->description = fb_string(r, root, TFL_MODEL_DESCRIPTION, "description");
    parse_buffers(&p, root);
    parse_opcodes(&p, root);
    fb_vec sgs = fb_vector(r, root, TFL_MODEL_SUBGRAPHS, 4, "subgraphs");
    if (check_count(&p, sgs, "subgraphs")) {
        m->n_subgraphs = (int32_t)sgs.n;
        m->subgraphs = alloc(&p, sgs.n, sizeof *m->subgraphs);
        for (uint32_t i = 0; i < sgs.n && fb_ok(r) && !p.nomem; i++) {
            CTX(&p, "subgraph %u", i);
            parse_subgraph(&p, fb_vec_table(r, sgs, i, "subgraph"), i, &m->subgraphs[i]);
        }
    }
    r->ctx[0] = '\0';
    if (fb_ok(r) && !p.nomem && m->n_subgraphs == 0)
        fb_fail(r, root.pos, "the model has no subgraph");
    parse_metadata(&p, root);
    parse_signatures(&p, root);
    r->ctx[0] = '\0';
    if (fb_ok(r) && !p.nomem) p.nomem = tfl_loops_analyze(m) != 0;
    if (p.nomem && fb_ok(r)) {
        r->st = ELSTM_ERR_NOMEM;
        elstm_diag_set(diag, ELSTM_ERR_NOMEM, what, 0, "out of memory while reading the model");
    }
    if (!fb_ok(r)) {
        elstm_status st = r->st;
        elstm_tflite_free(m);
        return st;
    }
    *out = m;
    return ELSTM_OK;
}

elstm_status elstm_tflite_load(const char *path, elstm_tflite_model **out, elstm_diag *diag)
{
    *out = NULL;
    uint8_t *data;
    size_t len;
    elstm_status st = elstm_read_file(path, &data, &len, MAX_FILE_BYTES, diag);
    if (st != ELSTM_OK) return st;
    st = elstm_tflite_parse(data, len, path, out, diag);
    free(data);
    return st;
}

const elstm_tflite_metadata *elstm_tflite_find_metadata(const elstm_tflite_model *m,
                                                        const char *name)
{
    for (int32_t i = 0; i < m->n_metadata; i++)
        if (strcmp(m->metadata[i].name, name) == 0) return &m->metadata[i];
    return NULL;
}

/* Weight and bias operands: LSTM inputs 1-17 and 20-23, FULLY_CONNECTED inputs 1-2. */
static int is_param_operand(int32_t builtin, int32_t k)
{
    if (builtin == ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM || builtin == ELSTM_TFL_OP_LSTM)
        return (k >= 1 && k <= 17) || (k >= 20 && k <= 23);
    if (builtin == ELSTM_TFL_OP_FULLY_CONNECTED) return k == 1 || k == 2;
    return 0;
}

static size_t graph_params(const elstm_tflite_subgraph *sg)
{
    size_t n = 0;
    for (int32_t o = 0; o < sg->n_ops; o++) {
        const elstm_tflite_op *op = &sg->ops[o];
        for (int32_t k = 0; k < op->n_inputs; k++)
            if (op->inputs[k] >= 0 && is_param_operand(op->builtin, k))
                n += sg->tensors[op->inputs[k]].elements;
    }
    return n;
}

size_t elstm_tflite_param_count(const elstm_tflite_model *m)
{
    /* the runnable graph has every WHILE-loop LSTM as an LSTM operator (bias included) */
    if (m->graph != &m->subgraphs[0]) return graph_params(m->graph);
    size_t n = 0;
    for (int32_t s = 0; s < m->n_subgraphs; s++) n += graph_params(&m->subgraphs[s]);
    return n;
}
