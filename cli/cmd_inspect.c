/* cmd_inspect.c - `edgelstm inspect MODEL.tflite [--json]`: what a .tflite holds. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/meta.h"
#include "edgelstm/tflite.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

/* ---- values as JSON ---- */

/* A string from the file as JSON: names in a malformed file need not be UTF-8, which
 * jansson refuses; such bytes are shown as '?' so that no key goes missing. */
static const char *utf8_or_ascii(const char *s, char *buf, size_t n)
{
    json_t *j = json_string(s);
    if (j) {
        json_decref(j);
        return s;
    }
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++) buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    buf[i] = '\0';
    return buf;
}

static json_t *str_json(const char *s)
{
    char buf[512];
    return json_string(utf8_or_ascii(s, buf, sizeof buf));
}

static void set_named(json_t *o, const char *key, json_t *v)
{
    char buf[512];
    json_object_set_new(o, utf8_or_ascii(key, buf, sizeof buf), v);
}

static json_t *shape_json(const elstm_tflite_tensor *t)
{
    json_t *a = json_array();
    for (int32_t d = 0; d < t->rank; d++) json_array_append_new(a, json_integer(t->shape[d]));
    return a;
}

static json_t *ints_json(const int32_t *v, int32_t n)
{
    json_t *a = json_array();
    for (int32_t i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
    return a;
}

/* Graph input/output as the TFLite interpreter describes it: scale/zero_point 0 when
 * the tensor is not quantized. */
static json_t *io_json(const elstm_tflite_tensor *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", str_json(t->name));
    json_object_set_new(o, "shape", shape_json(t));
    json_object_set_new(o, "dtype", json_string(elstm_tflite_type_name(t->type)));
    json_object_set_new(o, "scale", json_real(t->n_quant ? t->scale[0] : 0.0));
    json_object_set_new(o, "zero_point", json_integer(t->n_quant ? t->zero_point[0] : 0));
    return o;
}

static json_t *tensor_json(const elstm_tflite_tensor *t, int32_t index)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(index));
    json_object_set_new(o, "name", str_json(t->name));
    json_object_set_new(o, "shape", shape_json(t));
    json_object_set_new(o, "dtype", json_string(elstm_tflite_type_name(t->type)));
    json_object_set_new(o, "constant_bytes", json_integer(t->data ? (json_int_t)t->data_bytes : 0));
    json_object_set_new(o, "variable", json_boolean(t->is_variable));
    if (t->n_quant) {
        json_t *q = json_object(), *s = json_array(), *z = json_array();
        for (int32_t i = 0; i < t->n_quant; i++) {
            json_array_append_new(s, json_real(t->scale[i]));
            json_array_append_new(z, json_integer(t->zero_point[i]));
        }
        json_object_set_new(q, "scale", s);
        json_object_set_new(q, "zero_point", z);
        json_object_set_new(q, "quantized_dimension", json_integer(t->quant_dim));
        json_object_set_new(o, "quantization", q);
    }
    return o;
}

/* Options worth showing, as one short phrase (text) or object (JSON). */
static void options_text(const elstm_tflite_op *op, char *buf, size_t n)
{
    const elstm_tflite_options *o = &op->opt;
    buf[0] = '\0';
    switch (op->builtin) {
    case ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM:
        snprintf(buf, n, "activation %s, cell_clip %g, %s", elstm_tflite_activation_name(o->fused_activation),
                 (double)o->cell_clip, o->time_major ? "time-major" : "batch-major");
        break;
    case ELSTM_TFL_OP_FULLY_CONNECTED:
        snprintf(buf, n, "activation %s%s", elstm_tflite_activation_name(o->fused_activation),
                 o->keep_num_dims ? ", keep_num_dims" : "");
        break;
    case ELSTM_TFL_OP_STRIDED_SLICE:
        snprintf(buf, n, "begin_mask %d, end_mask %d, shrink_axis_mask %d", (int)o->begin_mask,
                 (int)o->end_mask, (int)o->shrink_axis_mask);
        break;
    case ELSTM_TFL_OP_SOFTMAX:
        snprintf(buf, n, "beta %g", (double)o->beta);
        break;
    case ELSTM_TFL_OP_WHILE:
        snprintf(buf, n, "cond subgraph %d, body subgraph %d", (int)o->cond_subgraph,
                 (int)o->body_subgraph);
        break;
    default:
        break;
    }
}

/* What a WHILE loop is, as one phrase: "Keras 3 LSTM(8) over 12 steps of 3 inputs, ...". */
static void loop_text(const elstm_tflite_loop *L, char *buf, size_t n)
{
    if (L->kind == ELSTM_TFL_LOOP_LSTM)
        snprintf(buf, n, "a Keras 3 LSTM(%d) over %d steps of %d inputs, %s%s%s: edgelstm runs it as "
                         "UNIDIRECTIONAL_SEQUENCE_LSTM", (int)L->units, (int)L->steps, (int)L->n_input,
                 L->return_sequences ? "every step's output" : "last step's output",
                 L->use_bias ? "" : ", no bias", L->hybrid ? ", int8 weights (hybrid)" : "");
    else
        snprintf(buf, n, "%s", L->why);
}

static json_t *loops_json(const elstm_tflite_model *m)
{
    json_t *a = json_array();
    for (int32_t l = 0; l < m->n_loops; l++) {
        const elstm_tflite_loop *L = &m->loops[l];
        json_t *o = json_object();
        json_object_set_new(o, "operator", json_integer(L->op));
        json_object_set_new(o, "kind", json_string(elstm_tflite_loop_kind_name(L->kind)));
        json_object_set_new(o, "body_subgraph", json_integer(L->body));
        json_object_set_new(o, "cond_subgraph", json_integer(L->cond));
        json_object_set_new(o, "steps", json_integer(L->steps));
        json_object_set_new(o, "inputs", json_integer(L->n_input));
        json_object_set_new(o, "units", json_integer(L->units));
        if (L->kind == ELSTM_TFL_LOOP_LSTM) {
            json_object_set_new(o, "return_sequences", json_boolean(L->return_sequences));
            json_object_set_new(o, "use_bias", json_boolean(L->use_bias));
            json_object_set_new(o, "hybrid", json_boolean(L->hybrid));
        } else {
            json_object_set_new(o, "why", str_json(L->why));
        }
        json_array_append_new(a, o);
    }
    return a;
}

/* A metadata entry's value: our JSON as an object, text as a string, else its size. */
static int is_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((p[i] < 32 && p[i] != '\n' && p[i] != '\t' && p[i] != '\r') || p[i] == 127) return 0;
    return 1;
}

static json_t *metadata_json(const elstm_tflite_metadata *md)
{
    size_t n = md->len;
    while (n > 0 && md->data[n - 1] == 0) n--;   /* NUL padding (min_runtime_version) */
    if (strcmp(md->name, ELSTM_META_NAME) == 0) {
        json_t *j = json_loadb((const char *)md->data, md->len, 0, NULL);
        if (j) return j;
    }
    if (md->data && n > 0 && is_text(md->data, n)) return json_stringn((const char *)md->data, n);
    json_t *o = json_object();
    json_object_set_new(o, "bytes", json_integer((json_int_t)md->len));
    return o;
}

static json_t *model_json(const elstm_tflite_model *m, const char *refusal)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    json_t *o = json_object(), *ops = json_array(), *opd = json_array(), *ins = json_array(),
           *outs = json_array(), *tens = json_array(), *meta = json_object(), *sigs = json_array();
    for (int32_t k = 0; k < sg->n_ops; k++) {
        const elstm_tflite_op *op = &sg->ops[k];
        char opt[160];
        json_array_append_new(ops, json_string(elstm_tflite_op_name(op->builtin)));
        json_t *e = json_object();
        json_object_set_new(e, "op", json_string(elstm_tflite_op_name(op->builtin)));
        json_object_set_new(e, "version", json_integer(m->opcodes[op->opcode_index].version));
        json_object_set_new(e, "inputs", ints_json(op->inputs, op->n_inputs));
        json_object_set_new(e, "outputs", ints_json(op->outputs, op->n_outputs));
        options_text(op, opt, sizeof opt);
        if (opt[0]) json_object_set_new(e, "options", json_string(opt));
        const elstm_tflite_loop *L = elstm_tflite_find_loop(m, k);
        if (L) json_object_set_new(e, "loop", json_string(elstm_tflite_loop_kind_name(L->kind)));
        json_array_append_new(opd, e);
    }
    for (int32_t i = 0; i < sg->n_inputs; i++) json_array_append_new(ins, io_json(&sg->tensors[sg->inputs[i]]));
    for (int32_t i = 0; i < sg->n_outputs; i++) json_array_append_new(outs, io_json(&sg->tensors[sg->outputs[i]]));
    for (int32_t t = 0; t < sg->n_tensors; t++) json_array_append_new(tens, tensor_json(&sg->tensors[t], t));
    for (int32_t i = 0; i < m->n_metadata; i++)
        set_named(meta, m->metadata[i].name, metadata_json(&m->metadata[i]));
    for (int32_t i = 0; i < m->n_signatures; i++) {
        const elstm_tflite_signature *s = &m->signatures[i];
        json_t *e = json_object(), *si = json_object(), *so = json_object();
        for (int32_t k = 0; k < s->n_inputs; k++) set_named(si, s->inputs[k].name, json_integer(s->inputs[k].tensor));
        for (int32_t k = 0; k < s->n_outputs; k++) set_named(so, s->outputs[k].name, json_integer(s->outputs[k].tensor));
        json_object_set_new(e, "key", str_json(s->key));
        json_object_set_new(e, "subgraph", json_integer(s->subgraph));
        json_object_set_new(e, "inputs", si);
        json_object_set_new(e, "outputs", so);
        json_array_append_new(sigs, e);
    }
    json_object_set_new(o, "ops", ops);
    json_object_set_new(o, "inputs", ins);
    json_object_set_new(o, "outputs", outs);
    json_object_set_new(o, "params", json_integer((json_int_t)elstm_tflite_param_count(m)));
    json_object_set_new(o, "metadata", meta);
    json_object_set_new(o, "version", json_integer(m->version));
    json_object_set_new(o, "description", m->description ? str_json(m->description) : json_null());
    json_object_set_new(o, "subgraphs", json_integer(m->n_subgraphs));
    json_object_set_new(o, "operators", opd);
    json_object_set_new(o, "tensors", tens);
    json_object_set_new(o, "signatures", sigs);
    if (m->n_loops) json_object_set_new(o, "loops", loops_json(m));
    json_object_set_new(o, "runnable", json_boolean(refusal == NULL));
    if (refusal) json_object_set_new(o, "unsupported", str_json(refusal));
    return o;
}

/* ---- text ---- */

#define shape_str elstm_tflite_shape_str

static void quant_text(const elstm_tflite_tensor *t, char *buf, size_t n)
{
    if (!t->n_quant) snprintf(buf, n, "-");
    else if (t->n_quant == 1)
        snprintf(buf, n, "scale %.6g zp %lld", (double)t->scale[0], (long long)t->zero_point[0]);
    else
        snprintf(buf, n, "%d scales on axis %d (%.3g..)", (int)t->n_quant, (int)t->quant_dim,
                 (double)t->scale[0]);
}

static void print_indices(const int32_t *v, int32_t n)
{
    printf("[");
    for (int32_t i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)v[i]);
    printf("]");
}

/* the subgraph's input or output tensors: name, shape, type, quantization */
static void print_io(const char *heading, const elstm_tflite_subgraph *sg, const int32_t *ids, int32_t n)
{
    char e[256], s[128], q[96];
    printf("%s:\n", heading);
    for (int32_t i = 0; i < n; i++) {
        const elstm_tflite_tensor *t = &sg->tensors[ids[i]];
        quant_text(t, q, sizeof q);
        printf("  %-28s %-14s %-8s %s\n", cli_escape(t->name, e, sizeof e), shape_str(t, s, sizeof s),
               elstm_tflite_type_name(t->type), q);
    }
}

static void print_text(const char *path, const elstm_tflite_model *m, const char *refusal, const char *meta_error)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    char s[128], q[96];
    /* every subgraph's constants (a Keras 3 file keeps its LSTM weights in the loop bodies),
       each buffer once */
    size_t const_bytes = 0;
    unsigned char *seen = calloc((size_t)m->n_buffers + 1, 1);
    for (int32_t g = 0; g < m->n_subgraphs; g++)
        for (int32_t t = 0; t < m->subgraphs[g].n_tensors; t++) {
            const elstm_tflite_tensor *ts = &m->subgraphs[g].tensors[t];
            if (!ts->data) continue;
            if (seen && ts->buffer < (uint32_t)m->n_buffers) {
                if (seen[ts->buffer]) continue;
                seen[ts->buffer] = 1;
            }
            const_bytes += ts->data_bytes;
        }
    free(seen);
    cli_put_escaped(stdout, path);
    printf(": TensorFlow Lite schema %lu, %d subgraph%s, %d operators, %d tensors\n",
           (unsigned long)m->version, (int)m->n_subgraphs, m->n_subgraphs == 1 ? "" : "s",
           (int)sg->n_ops, (int)sg->n_tensors);
    printf("parameters: %zu (constant data %zu bytes)\n", elstm_tflite_param_count(m), const_bytes);
    char e1[256], e2[256];
    if (m->description) printf("description: %s\n", cli_escape(m->description, e1, sizeof e1));
    if (refusal) printf("edgelstm cannot run it: %s\n", refusal);

    print_io("\ninputs", sg, sg->inputs, sg->n_inputs);
    print_io("outputs", sg, sg->outputs, sg->n_outputs);

    printf("\noperators (subgraph 0, in execution order):\n");
    for (int32_t k = 0; k < sg->n_ops; k++) {
        const elstm_tflite_op *op = &sg->ops[k];
        char opt[160];
        options_text(op, opt, sizeof opt);
        printf("  %2d %s v%d ", (int)k, elstm_tflite_op_name(op->builtin),
               (int)m->opcodes[op->opcode_index].version);
        print_indices(op->inputs, op->n_inputs);
        printf(" -> ");
        print_indices(op->outputs, op->n_outputs);
        if (opt[0]) printf("  (%s)", opt);
        printf("\n");
        const elstm_tflite_loop *L = elstm_tflite_find_loop(m, k);
        if (L) {
            char what[600];
            loop_text(L, what, sizeof what);
            printf("       = %s\n", what);
        }
    }

    printf("\ntensors:\n  %3s  %-40s %-14s %-8s %-10s %s\n", "#", "name", "shape", "dtype", "data", "quantization");
    for (int32_t t = 0; t < sg->n_tensors; t++) {
        const elstm_tflite_tensor *x = &sg->tensors[t];
        char data[32];
        if (x->data) snprintf(data, sizeof data, "%zu B", x->data_bytes);
        else snprintf(data, sizeof data, "%s", x->is_variable ? "variable" : "-");
        quant_text(x, q, sizeof q);
        printf("  %3d  %-40.40s %-14s %-8s %-10s %s\n", (int)t, cli_escape(x->name, e1, sizeof e1), shape_str(x, s, sizeof s),
               elstm_tflite_type_name(x->type), data, q);
    }

    if (m->n_signatures) printf("\nsignatures:\n");
    for (int32_t i = 0; i < m->n_signatures; i++) {
        const elstm_tflite_signature *sig = &m->signatures[i];
        printf("  %s (subgraph %lu):", cli_escape(sig->key, e1, sizeof e1), (unsigned long)sig->subgraph);
        for (int32_t k = 0; k < sig->n_inputs; k++)
            printf(" in %s=%lu", cli_escape(sig->inputs[k].name, e1, sizeof e1), (unsigned long)sig->inputs[k].tensor);
        for (int32_t k = 0; k < sig->n_outputs; k++)
            printf(" out %s=%lu", cli_escape(sig->outputs[k].name, e1, sizeof e1), (unsigned long)sig->outputs[k].tensor);
        printf("\n");
    }

    if (m->n_metadata) printf("\nmetadata:\n");
    for (int32_t i = 0; i < m->n_metadata; i++) {
        json_t *v = metadata_json(&m->metadata[i]);
        char *txt = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        printf("  %s: %s\n", cli_escape(m->metadata[i].name, e2, sizeof e2), txt ? txt : "?");
        free(txt);
        json_decref(v);
    }
    if (meta_error) {
        printf("edgelstm cannot use this metadata: ");
        cli_put_escaped(stdout, meta_error);
        printf("\n");
    }
}

/* A stateful model (edgelstm metadata "stateful"): how to run it, and where its state is. */
static void print_stateful(const elstm_tflite_model *m)
{
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    char e1[256];
    printf("\nstateful: one sample per invoke; the LSTM's state stays in its variable tensors");
    for (int32_t t = 0, k = 0; t < sg->n_tensors; t++)
        if (sg->tensors[t].is_variable) printf("%s%s", k++ ? ", " : " (", cli_escape(sg->tensors[t].name, e1, sizeof e1));
    printf(") from one invoke to the next: feed the samples in time order and reset the variables "
           "to start a new stream\n");
}

static int run(cli_ctx *ctx)
{
    const char *path = ctx->pos[0];
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_tflite_model *m = NULL;
    elstm_status st = elstm_tflite_load(path, &m, &d);
    if (st != ELSTM_OK) return cli_fail(st, &d);
    /* Whether the executor would run it (inspect works either way). */
    elstm_tflite_exec *e = NULL;
    elstm_diag why;
    elstm_diag_clear(&why);
    const char *refusal = NULL;
    if (elstm_tflite_exec_create(m, &e, &why) != ELSTM_OK) {
        size_t skip = strlen(path) + 2;   /* the message starts "PATH: " */
        refusal = strncmp(why.msg, path, strlen(path)) == 0 && strlen(why.msg) > skip ? why.msg + skip : why.msg;
    }
    elstm_tflite_exec_free(e);
    /* edgelstm's metadata as the other commands read it: a damaged one is shown and named */
    const elstm_tflite_metadata *md = elstm_tflite_find_metadata(m, ELSTM_META_NAME);
    const char *meta_error = NULL;
    elstm_diag md_diag;
    elstm_diag_clear(&md_diag);
    elstm_meta *meta = md ? malloc(sizeof *meta) : NULL;
    if (md && (!meta || elstm_meta_from_json((const char *)md->data, md->len, NULL, meta, &md_diag) != ELSTM_OK))
        meta_error = md_diag.msg[0] ? md_diag.msg : "out of memory";   /* the file is named above */
    const int stateful = meta && !meta_error && meta->stateful;
    free(meta);
    int rc = 0;
    if (cli_has(ctx, "--json")) {
        json_t *o = model_json(m, refusal);
        if (o && meta_error) json_object_set_new(o, "metadata_error", json_string(meta_error));
        if (o) json_object_set_new(o, "stateful", json_boolean(stateful));
        rc = cli_print_json(o);
    } else {
        print_text(path, m, refusal, meta_error);
        if (stateful) print_stateful(m);
    }
    elstm_tflite_free(m);
    return rc;
}

const cli_command cli_cmd_inspect = {
    "inspect", "MODEL.tflite [--json]",
    "operators, tensors, shapes, types, quantization, parameters, metadata",
    "Shows what a TensorFlow Lite file holds: inputs and outputs (name, shape, dtype,\n"
    "scale, zero point), operators in execution order with their options, every tensor,\n"
    "the parameter count (weights and biases of LSTM and dense layers, as Keras counts\n"
    "them), signatures and metadata (edgelstm's own entry pretty-printed), and whether\n"
    "edgelstm can run the graph. A WHILE loop (how Keras 3 files hold recurrent layers)\n"
    "is described by what its body computes: an LSTM that edgelstm runs, or what it\n"
    "looks like (GRU, Bidirectional, ...) and why not. A stateful model (train --stateful)\n"
    "is said to be one, with the variable tensors that keep its state between invokes.\n"
    "--json keys: ops, inputs, outputs, params, metadata, plus version, description,\n"
    "operators, tensors, signatures, loops, runnable, unsupported, stateful.",
    1, 1, groups, run,
};
