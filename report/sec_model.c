/* sec_model.c - "Model card": what the model reads and how (inputs, scaling, window,
 * horizon), its sizes, and its cost on a microcontroller (the `profile` figures). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static uint64_t n_params(const elstm_lstm_f32 *m)
{
    uint64_t N = (uint64_t)m->n_units, I = (uint64_t)m->n_input, O = (uint64_t)m->n_output;
    return 4 * N * (I + N) + 4 * N + O * N + O;
}

static double file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : NAN;
}

/* A row "<tr><th>key</th><td>value</td>[<td>compared</td>]</tr>" with escaped texts. */
static void row(report_ctx *c, const char *key, const char *v, const char *v_cmp)
{
    rbuf *b = c->b;
    rb_puts(b, "<tr><th>");
    rb_text(b, key);
    rb_puts(b, "</th><td>");
    rb_text(b, v);
    rb_puts(b, "</td>");
    if (c->cmp) {
        rb_puts(b, "<td>");
        rb_text(b, v_cmp ? v_cmp : "same");
        rb_puts(b, "</td>");
    }
    rb_puts(b, "</tr>\n");
}

/* What the model's weights are stored as on a device. */
static const char *dtype_name(const elstm_forecaster *f)
{
    return f->dtype == ELSTM_FORECASTER_S8    ? "int8"
           : f->dtype == ELSTM_FORECASTER_S16 ? "16x8"
                                              : "float32";
}

static void sizes(const elstm_report_model *m, const elstm_model_figures *fig, char out[4][64])
{
    char a[32], b[32];
    const elstm_forecaster *f = m->f;
    snprintf(out[0], 64, "LSTM(%d) + Dense(%d)", (int)f->lstm.n_units, (int)f->lstm.n_output);
    snprintf(out[1], 64, "%s (%s as %s)", elstm_count_format(n_params(&f->lstm), a, sizeof a),
             fmt_bytes((double)fig->weight_bytes, b, sizeof b), dtype_name(f));
    snprintf(out[2], 64, "%s", elstm_count_format(fig->macs, a, sizeof a));
    double fs = file_size(m->path);
    snprintf(out[3], 64, "%s", isfinite(fs) ? fmt_bytes(fs, a, sizeof a) : "-");
}

static void card(report_ctx *c)
{
    const elstm_meta *m = c->meta;
    rbuf *b = c->b;
    char v[400], w[64], h[64], lo[32], hi[32];
    rb_puts(b, "<table class=\"card-table\">\n");
    if (c->cmp) {
        rb_puts(b, "<tr><th></th><th>");
        rb_text(b, c->model->path);
        rb_puts(b, "</th><th>");
        rb_text(b, c->cmp->path);
        rb_puts(b, "</th></tr>\n");
    }
    char s[4][64], sc[4][64];
    sizes(c->model, &c->fig, s);
    if (c->cmp) sizes(c->cmp, &c->fig_cmp, sc);
    row(c, "file", c->model->path, c->cmp ? c->cmp->path : NULL);
    row(c, "file size", s[3], c->cmp ? sc[3] : NULL);
    row(c, "written by", m->tool_version[0] ? m->tool_version : "-", c->cmp ? c->cmp->f->meta.tool_version : NULL);
    row(c, "architecture", s[0], c->cmp ? sc[0] : NULL);
    row(c, "parameters", s[1], c->cmp ? sc[1] : NULL);
    row(c, "multiply-accumulates per forecast", s[2], c->cmp ? sc[2] : NULL);
    snprintf(v, sizeof v, "%d steps x %d inputs = %s of data", m->steps, m->n_inputs,
             fmt_duration((double)m->steps * (double)m->interval_s, w, sizeof w));
    row(c, "window", v, NULL);
    snprintf(v, sizeof v, "%d step%s = %s after the window's last row", m->horizon, m->horizon == 1 ? "" : "s",
             fmt_duration((double)m->horizon * (double)m->interval_s, h, sizeof h));
    row(c, "horizon", v, NULL);
    snprintf(v, sizeof v, "%s, scaled with min %s and max %s (the training rows' range)", m->target,
             fmt_g(m->target_min, 8, lo, sizeof lo), fmt_g(m->target_max, 8, hi, sizeof hi));
    row(c, "target", v, NULL);
    snprintf(v, sizeof v, "column%s %s (%s %s), one row every %s, gaps up to %d steps interpolated",
             strchr(m->time_cols, ',') ? "s" : "", m->time_cols[0] ? m->time_cols : "-",
             m->time_format[0] ? "format" : "layout", m->time_format[0] ? m->time_format : m->time_layout,
             fmt_duration((double)m->interval_s, w, sizeof w), m->max_gap);
    row(c, "time", v, NULL);
    snprintf(v, sizeof v, "train %.0f%%, validation %.0f%%, test %.0f%% of the rows, in time order",
             100 * m->split_train, 100 * m->split_val, 100 * (1 - m->split_train - m->split_val));
    row(c, "splits", v, NULL);
    rb_puts(b, "</table>\n");

    rb_puts(b, "<h3>Inputs and their scaling</h3>\n<table>\n<tr><th class=\"n\">#</th><th>input</th><th>from</th>"
               "<th>encoding</th><th class=\"n\">min</th><th class=\"n\">max</th></tr>\n");
    for (int k = 0; k < m->n_inputs; k++) {
        const elstm_meta_input *in = &m->inputs[k];
        rb_printf(b, "<tr><td class=\"n\">%d</td><td>", k);
        rb_text(b, in->name);
        rb_puts(b, "</td><td>");
        if (in->enc == ELSTM_ENC_TIME_SIN || in->enc == ELSTM_ENC_TIME_COS)
            rb_printf(b, "the time (%s)", elstm_time_feature_name(in->tf));
        else
            rb_text(b, in->source);
        rb_printf(b, "</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", elstm_encoding_name(in->enc),
                  fmt_g(in->min, 8, lo, sizeof lo), fmt_g(in->max, 8, hi, sizeof hi));
    }
    rb_puts(b, "</table>\n");
    report_p(c, "Each input is scaled as (x - min) / (max - min) with the training rows' min and max (0 for a "
                "constant column); the forecast is scaled back with the target's. The generated device libraries "
                "do both on the device.");
}

static void device(report_ctx *c)
{
    rbuf *b = c->b;
    const elstm_model_figures *fig = &c->fig;
    const elstm_mcu_result *r = &c->mcu;
    char a[48], d[48], e[48];
    rb_puts(b, "<h3>On a microcontroller</h3>\n");
    if (c->device == 0)
        report_p(c, "The emulated measurement was not asked for (<code>--no-profile</code>); the sizes below are "
                    "computed from the model.");
    else if (c->device == -2) {
        rb_puts(b, "<p>The measurement on the emulated Cortex-M4F failed: ");
        rb_text(b, c->device_error);
        size_t len = strlen(c->device_error);
        rb_puts(b, len && c->device_error[len - 1] == '.' ? "" : ".");
        rb_puts(b, " The sizes below are computed from the model.</p>\n");
    } else if (c->device < 0)
        rb_printf(b, "<p>Not measured: %s is not installed (<code>tools/deps.sh</code> installs it; "
                     "<code>edgelstm profile</code> measures the same figures). The sizes below are computed from "
                     "the model.</p>\n",
                  !r->have_cc ? "the Arm cross compiler arm-none-eabi-gcc" : "the emulator qemu-system-arm");
    rb_puts(b, "<table id=\"device\">\n");
    if (c->device > 0) {
        rb_printf(b, "<tr><th>flash</th><td class=\"n\">%s</td><td>runtime code %s + weights and tables %s "
                     "(Cortex-M4F thumb code, %s)</td></tr>\n",
                  fmt_bytes((double)(r->code_bytes + r->rodata_bytes), a, sizeof a),
                  fmt_bytes((double)r->code_bytes, d, sizeof d), fmt_bytes((double)r->rodata_bytes, e, sizeof e),
                  r->cc_version);
    } else {
        rb_printf(b, "<tr><th>flash (weights)</th><td class=\"n\">%s</td><td>%s, without the runtime "
                     "code</td></tr>\n", fmt_bytes((double)fig->weight_bytes, a, sizeof a),
                  c->model->f->dtype == ELSTM_FORECASTER_S8 ? "int8 weights, int32 biases and multipliers"
                                                            : "float32 weights and biases");
    }
    rb_printf(b, "<tr><th>RAM</th><td class=\"n\">%s</td><td>the library's state and input ring "
                 "(NAME_ARENA_BYTES)</td></tr>\n", fmt_bytes((double)fig->arena_bytes, a, sizeof a));
    if (c->device > 0) {
        double mhz = c->opts->mhz > 0 ? c->opts->mhz : 240.0;
        double per_mac = (double)r->instructions / (double)fig->macs;
        double ms = (double)r->instructions / (mhz * 1e3);
        rb_printf(b, "<tr><th>instructions</th><td class=\"n\">%s</td><td>one forecast on an emulated Cortex-M4F "
                     "(QEMU mps2-an386, exact count with -icount)</td></tr>\n",
                  elstm_count_format(r->instructions, a, sizeof a));
        rb_printf(b, "<tr><th>per multiply-accumulate</th><td class=\"n\">%s</td><td>instructions / MACs</td></tr>\n",
                  fmt_num(per_mac, 2, a, sizeof a));
        rb_printf(b, "<tr><th>estimated time</th><td class=\"n\">%s ms</td><td>at %g MHz and one cycle per "
                     "instruction, beside the seed's %.0f ms (LSTM(128), 168 x 7, ESP32-S3 at 240 MHz under "
                     "TensorFlow Lite Micro)</td></tr>\n",
                  fmt_num(ms, ms < 10 ? 2 : 1, a, sizeof a), mhz, ELSTM_SEED_MS);
    }
    rb_puts(b, "</table>\n");
    if (c->device > 0)
        report_p(c, "Instruction counts are exact and repeatable; a real core spends more than one cycle on "
                    "loads, divisions and branches, so read the time as a lower bound. docs/deploy.md has the "
                    "method.");
}

void sec_model(report_ctx *c)
{
    report_section_begin(c, "model", "Model card");
    card(c);
    device(c);
    report_section_end(c);
}
