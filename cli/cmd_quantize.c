/* cmd_quantize.c - `edgelstm quantize MODEL DATA -o OUT [--scheme int8|int16x8]
 * [--calibration N] [--io float|int] [--force] [--json]`: post-training full-integer quantization. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_eval.h"
#include "edgelstm/fileio.h"
#include "edgelstm/quantize.h"

static const cli_opt quantize_opts[] = {
    {"--output", "-o", "OUT.tflite", "where to write the quantized model (required)"},
    {"--scheme", NULL, "SCHEME", "int8 (default: int8 activations and weights) or int16x8 (int16 "
                                 "activations, int8 weights)"},
    {"--calibration", NULL, "N", "training windows to calibrate on (default 500, at most the split's)"},
    {"--io", NULL, "TYPE", "the file's input and output: float (default; QUANTIZE/DEQUANTIZE inside) "
                           "or int (int8, or int16 for int16x8)"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {quantize_opts, cli_force_opt, cli_json_opt, NULL};

static json_t *range_json(float lo, float hi)
{
    return json_pack("[f, f]", (double)lo, (double)hi);
}

static int report(const cli_ctx *ctx, const char *out, const elstm_quantized *q)
{
    const elstm_qspec *s = &q->spec;
    const char *scheme = s->act_bits == 8 ? "int8" : "int16x8";
    if (cli_has(ctx, "--json")) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:{s:o, s:f, s:i}, s:{s:o, s:f, s:i}, "
                              "s:{s:f, s:f}, s:{s:o, s:f, s:i}}",
                              "model", out, "scheme", scheme, "io", s->float_io ? "float" : "int",
                              "calibration_windows", (json_int_t)q->windows,
                              "input", "range", range_json(q->in_lo, q->in_hi), "scale", (double)s->s_in,
                              "zero_point", (int)s->zp_in,
                              "hidden", "range", range_json(q->h_lo, q->h_hi), "scale", (double)s->s_h,
                              "zero_point", (int)s->zp_h,
                              "cell", "max_abs", (double)q->c_absmax, "scale", (double)s->s_c,
                              "output", "range", range_json(q->out_lo, q->out_hi), "scale", (double)s->s_out,
                              "zero_point", (int)s->zp_out);
        return cli_print_json(o);
    }
    fprintf(stderr, "Wrote %s (%s, %s input and output), calibrated on %zu training windows\n", out,
            scheme, s->float_io ? "float32" : s->act_bits == 8 ? "int8" : "int16", q->windows);
    fprintf(stderr, "  input   [%.6g, %.6g]  scale %.6g, zero point %d\n", (double)q->in_lo,
            (double)q->in_hi, (double)s->s_in, (int)s->zp_in);
    fprintf(stderr, "  hidden  [%.6g, %.6g]  scale %.6g, zero point %d\n", (double)q->h_lo,
            (double)q->h_hi, (double)s->s_h, (int)s->zp_h);
    fprintf(stderr, "  cell    |c| <= %.6g  scale %.6g (a power of two)\n", (double)q->c_absmax,
            (double)s->s_c);
    fprintf(stderr, "  output  [%.6g, %.6g]  scale %.6g, zero point %d (normalized target)\n",
            (double)q->out_lo, (double)q->out_hi, (double)s->s_out, (int)s->zp_out);
    return 0;
}

static int run(cli_ctx *ctx)
{
    const char *out = cli_get(ctx, "--output");
    const char *scheme = cli_get(ctx, "--scheme"), *io = cli_get(ctx, "--io");
    elstm_quantize_opts o = {8, 1, 0};
    long n = 0;
    if (!out) return cli_usage_error(ctx, "missing '-o OUT.tflite' (where to write the quantized model)");
    if (scheme && strcmp(scheme, "int8") == 0) o.act_bits = 8;
    else if (scheme && strcmp(scheme, "int16x8") == 0) o.act_bits = 16;
    else if (scheme) return cli_usage_error(ctx, "option '--scheme' must be int8 or int16x8, not '%s'", scheme);
    if (io && strcmp(io, "float") == 0) o.float_io = 1;
    else if (io && strcmp(io, "int") == 0) o.float_io = 0;
    else if (io) return cli_usage_error(ctx, "option '--io' must be float or int, not '%s'", io);
    if (cli_get_int(ctx, "--calibration", 1, 100000000L, &n)) return CLI_EXIT_USAGE;
    o.calibration = (size_t)n;
    /* the output first: never an input, a file edgelstm did not write only with --force */
    const char *inputs[] = {ctx->pos[0], ctx->pos[1], NULL};
    elstm_output_rules r = {"-o", inputs, cli_has(ctx, "--force"), 0, 0, cli_is_edgelstm_model, "a model edgelstm wrote"};
    int rc = cli_check_output(out, &r);
    if (rc) return rc;

    elstm_forecaster f;
    elstm_dataset ds;
    rc = cli_load_model_and_data(ctx->pos[0], ctx->pos[1], &f, &ds);
    if (rc) return rc;
    elstm_quantized q;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_status s = elstm_quantize(&f, &ds, &o, &q, &diag);
    if (s == ELSTM_OK) s = elstm_qforecaster_save(out, &q.spec, &f.meta, &diag);
    if (s != ELSTM_OK) {
        if (diag.file[0] == '\0' && s == ELSTM_ERR_UNSUPPORTED)
            rc = cli_error("%s: %s", ctx->pos[0], diag.msg);
        else
            rc = cli_fail(s, &diag);
    } else {
        rc = report(ctx, out, &q);
    }
    elstm_quantized_free(&q);
    elstm_data_free(&ds);
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_quantize = {
    "quantize", "MODEL.tflite FILE -o OUT.tflite [--scheme int8|int16x8] [--calibration N] [--io float|int] [--force] [--json]",
    "post-training full-integer quantization (int8 or int16x8), calibrated on FILE",
    "Reads FILE the way the float model's training read its data (its metadata), runs the\n"
    "model over windows of the training split (--calibration, evenly spread) and records the\n"
    "range of its input, hidden state, cell state and output. Writes OUT as TensorFlow's\n"
    "converter writes a full-integer model: int8 weights (symmetric), int32 biases, an int16\n"
    "cell state with a power-of-two scale, int8 activations (int16 with --scheme int16x8,\n"
    "int64 biases), the LSTM's intermediate tensors, and float32 input and output through\n"
    "QUANTIZE/DEQUANTIZE unless --io int. The metadata (scaler, columns, horizon) is the\n"
    "float model's, so eval, predict and deploy use OUT like the float model. OUT is never\n"
    "one of the inputs; an existing file edgelstm did not write is replaced only with\n"
    "--force. See docs/quant.md.",
    2, 2, groups, run,
};
