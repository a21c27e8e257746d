/* cmd_run.c - `edgelstm run MODEL.tflite INPUT.csv [--json]`: one inference on a raw tensor. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/fileio.h"
#include "edgelstm/tflite.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

#define MAX_INPUT_BYTES ((size_t)1 << 30)

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Numbers separated by commas, spaces or newlines (row-major). One comma between two
 * numbers at most; a non-number names FILE:LINE. */
static int read_numbers(const char *path, size_t want, const char *tensor, float **out)
{
    uint8_t *text;
    size_t len;
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_status st = elstm_read_file(path, &text, &len, MAX_INPUT_BYTES, &d);
    if (st != ELSTM_OK) return cli_fail(st, &d);
    float *v = malloc((want + 1) * sizeof *v);
    if (!v) {
        free(text);
        return cli_error("out of memory");
    }
    const char *s = (const char *)text, *end = s + len;
    size_t n = 0;
    long line = 1, last_line = 1;   /* the current line; the line of the last number */
    int rc = 0, comma = 0;           /* a comma seen since the last number */
    while (s < end && rc == 0) {
        if (is_space(*s)) {
            if (*s == '\n') line++;
            s++;
            continue;
        }
        if (*s == ',') {
            if (comma || n == 0)
                rc = cli_error("%s:%ld: empty value between commas (expected numbers separated "
                               "by commas, spaces or newlines)", path, line);
            comma = 1;
            s++;
            continue;
        }
        const char *tok = s;
        while (s < end && !is_space(*s) && *s != ',') s++;
        int tlen = (int)(s - tok);
        char buf[64];
        double x = 0;
        char *stop = NULL;
        if (tlen < (int)sizeof buf) {
            memcpy(buf, tok, (size_t)tlen);
            buf[tlen] = '\0';
            errno = 0;
            x = strtod(buf, &stop);
        }
        if (!stop || stop == buf || *stop != '\0' || errno == ERANGE || !isfinite(x) ||
            fabs(x) > 3.4e38) {
            rc = cli_error("%s:%ld: '%.*s' is not a finite number (expected numbers separated by "
                           "commas, spaces or newlines)", path, line, tlen > 40 ? 40 : tlen, tok);
            break;
        }
        if (n == want) {
            rc = cli_error("%s:%ld: more values than the %zu that the model's input tensor %s takes",
                           path, line, want, tensor);
            break;
        }
        v[n++] = (float)x;
        last_line = line;
        comma = 0;
    }
    if (rc == 0 && comma)
        rc = cli_error("%s:%ld: the input ends with a comma", path, line);
    if (rc == 0 && n == 0)
        rc = cli_error("%s: holds no values; the model's input tensor %s takes %zu numbers", path,
                       tensor, want);
    else if (rc == 0 && n != want)
        rc = cli_error("%s:%ld: the input ends after %zu values, but the model's input tensor %s "
                       "takes %zu", path, last_line, n, tensor, want);
    free(text);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    return 0;
}

static int run(cli_ctx *ctx)
{
    const char *model_path = ctx->pos[0], *input_path = ctx->pos[1];
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_tflite_model *m = NULL;
    elstm_tflite_exec *e = NULL;
    elstm_status st = elstm_tflite_load(model_path, &m, &d);
    if (st == ELSTM_OK) st = elstm_tflite_exec_create(m, &e, &d);
    if (st != ELSTM_OK) {
        elstm_tflite_free(m);
        return cli_fail(st, &d);
    }
    const elstm_tflite_tensor *in = elstm_tflite_exec_input(e);
    float *x = NULL;
    char shape[96];
    elstm_tflite_shape_str(in, shape, sizeof shape);
    char label[200];
    snprintf(label, sizeof label, "'%s' %s", in->name, shape);
    int rc = read_numbers(input_path, in->elements, label, &x);
    if (rc == 0) {
        st = elstm_tflite_exec_run(e, x, in->elements, &d);
        if (st != ELSTM_OK) rc = cli_fail(st, &d);
    }
    if (rc == 0 && cli_has(ctx, "--json")) {
        json_t *o = json_object(), *outs = json_array();
        for (int32_t k = 0; k < elstm_tflite_exec_n_outputs(e); k++) {
            size_t n;
            const float *y = elstm_tflite_exec_output(e, k, &n);
            const elstm_tflite_tensor *t = elstm_tflite_exec_output_tensor(e, k);
            json_t *vals = json_array(), *dims = json_array(), *ent = json_object();
            for (size_t i = 0; i < n; i++) json_array_append_new(vals, json_real(y[i]));
            for (int32_t dd = 0; dd < t->rank; dd++) json_array_append_new(dims, json_integer(t->shape[dd]));
            if (k == 0) json_object_set(o, "output", vals);
            json_object_set_new(ent, "name", json_string(t->name));
            json_object_set_new(ent, "shape", dims);
            json_object_set_new(ent, "dtype", json_string(elstm_tflite_type_name(t->type)));
            json_object_set_new(ent, "values", vals);
            json_array_append_new(outs, ent);
        }
        json_object_set_new(o, "outputs", outs);
        rc = cli_print_json(o);
    } else if (rc == 0) {
        for (int32_t k = 0; k < elstm_tflite_exec_n_outputs(e); k++) {
            size_t n;
            const float *y = elstm_tflite_exec_output(e, k, &n);
            const elstm_tflite_tensor *t = elstm_tflite_exec_output_tensor(e, k);
            elstm_tflite_shape_str(t, shape, sizeof shape);
            printf("output '%s' %s %s%s:\n", t->name, shape, elstm_tflite_type_name(t->type),
                   t->type == ELSTM_TFL_INT8 ? " (dequantized)" : "");
            for (size_t i = 0; i < n; i++) printf("%.9g\n", (double)y[i]);
        }
    }
    free(x);
    elstm_tflite_exec_free(e);
    elstm_tflite_free(m);
    return rc;
}

const cli_command cli_cmd_run = {
    "run", "MODEL.tflite INPUT.csv [--json]",
    "run any supported .tflite on one raw input tensor",
    "Runs subgraph 0 of MODEL.tflite once, from a zero LSTM state, on the values in\n"
    "INPUT.csv: numbers separated by commas, spaces or newlines, in row-major order,\n"
    "exactly as many as the input tensor holds (e.g. 168 lines of 7 values for an input\n"
    "[1,168,7]). An int8 input is quantized with the tensor's own scale and zero point,\n"
    "and int8 outputs are dequantized. Prints each output's values; --json prints\n"
    "{\"output\": [values of the first output], \"outputs\": [{name, shape, dtype, values}]}.\n"
    "Supported operators: UNIDIRECTIONAL_SEQUENCE_LSTM, FULLY_CONNECTED, RESHAPE,\n"
    "STRIDED_SLICE, SLICE, SOFTMAX, QUANTIZE, DEQUANTIZE (float32, batch 1).",
    2, 2, groups, run,
};
