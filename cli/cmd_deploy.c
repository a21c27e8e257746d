/* cmd_deploy.c - `edgelstm deploy MODEL --target T --name NAME [--sample FILE] -o PATH`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/codegen.h"
#include "edgelstm/data.h"
#include "edgelstm/fileio.h"
#include "edgelstm/model.h"

/* Texts that name the targets, made from the table (codegen/targets.c) by cli_init_texts. */
static char usage_text[320], summary_text[160], target_help[512], output_help[160], target_list[160];

static const cli_opt deploy_opts[] = {
    {"--target", NULL, "T", target_help},
    {"--name", NULL, "NAME", "library name: a C identifier that prefixes every symbol (NAME_init, ...)"},
    {"--sample", NULL, "FILE", "CSV whose last full window goes into the static_buffer example"},
    {"--output", "-o", "PATH", output_help},
    {"--version", NULL, "X.Y.Z", "the library's semantic version (default 1.0.0)"},
    {"--author", NULL, "TEXT", "the library's author (default: edgelstm VERSION (generated))"},
    {"--maintainer", NULL, "TEXT", "its maintainer, e.g. \"Name <email>\" (default: the author)"},
    {"--url", NULL, "URL", "its project page, http(s)://... (default for library.properties: " ELSTM_CODEGEN_DEFAULT_URL ")"},
    {"--list-targets", NULL, NULL, "print the targets, one per line: name, folder or zip, what it is"},
    {NULL, NULL, NULL, NULL},
};

void cli_init_texts(void)
{
    const int n = elstm_target_count();
    size_t u = 0, s = 0, h = 0, o = 0, l = 0;
#define ADD(buf, pos, ...) pos += (size_t)snprintf(buf + pos, pos < sizeof buf ? sizeof buf - pos : 0, __VA_ARGS__)
    ADD(usage_text, u, "MODEL.tflite --target ");
    ADD(summary_text, s, "generate a device library (");
    ADD(output_help, o, "folder to create");
    for (int i = 0; i < n; i++) {
        const elstm_target_desc *t = elstm_target_get((elstm_target)i);
        const char *sep = i == 0 ? "" : i + 1 < n ? ", " : " or ";
        ADD(usage_text, u, "%s%s", i ? "|" : "", t->name);
        ADD(summary_text, s, "%s%s", i ? ", " : "", t->title);
        ADD(target_help, h, "%s%s (%s)", i ? ", " : "", t->name, t->what);
        ADD(target_list, l, "%s%s", sep, t->name);
        if (t->zip) ADD(output_help, o, " (zip file for %s)", t->name);
    }
    ADD(usage_text, u, " --name NAME [--sample FILE] [--version X.Y.Z] [--author TEXT] [--maintainer TEXT] [--url URL] -o PATH");
    ADD(summary_text, s, ")");
#undef ADD
}
static const cli_opt *const groups[] = {deploy_opts, cli_force_opt, NULL};

/* The last full window of `path`, read as the model was trained (what `predict --last`
 * forecasts from), normalized, into a malloc'd [steps][n_input] array. */
static int load_sample(const char *path, const elstm_forecaster *f, float **window, char *note, size_t note_len)
{
    elstm_diag diag;
    elstm_diag_clear(&diag);
    if (!f->has_meta)
        return cli_error("%s: --sample needs a model trained by edgelstm (its metadata says how to read a CSV); "
                         "this model has none",
                         path);
    elstm_dataset ds;
    elstm_status st = elstm_data_load_meta(path, &f->meta, &ds, &diag);
    if (st != ELSTM_OK) return cli_fail(st == ELSTM_ERR_ARG ? ELSTM_ERR_DATA : st, &diag); /* no option's fault */
    const size_t steps = (size_t)f->steps, I = (size_t)f->lstm.n_input;
    int rc = 0;
    int ok = ds.rows >= steps && (size_t)ds.n_inputs == I;
    for (size_t r = ds.rows - (ok ? steps : 0); ok && ds.usable && r < ds.rows; r++) ok = ds.usable[r];
    if (!ok) {
        rc = cli_error("%s: the last %zu rows do not form a full window (the file is too short or they span a "
                       "long gap); --sample needs a file whose last %zu rows are usable",
                       path, steps, steps);
    } else if (!(*window = malloc(steps * I * sizeof(float)))) {
        rc = cli_error("out of memory");
    } else {
        size_t first = ds.rows - steps;
        memcpy(*window, elstm_data_window_x(&ds, first), steps * I * sizeof(float));
        char t0[32], t1[32], tf[32];
        elstm_time_format(ds.time[first], t0, sizeof t0);
        elstm_time_format(ds.time[ds.rows - 1], t1, sizeof t1);
        elstm_time_format(ds.time[ds.rows - 1] + (int64_t)f->meta.horizon * ds.interval_s, tf, sizeof tf);
        const char *base = strrchr(path, '/');
        snprintf(note, note_len,
                 "the last %zu rows of %s\n(%s to %s), scaled with the model's training scaler;\n"
                 "the forecast is for %s, as `edgelstm predict MODEL %s --last` gives it.",
                 steps, base ? base + 1 : path, t0, t1, tf, base ? base + 1 : path);
    }
    elstm_data_free(&ds);
    return rc;
}

static int list_targets(void)
{
    for (int i = 0; i < elstm_target_count(); i++) {
        const elstm_target_desc *t = elstm_target_get((elstm_target)i);
        printf("%s\t%s\t%s\n", t->name, t->zip ? "zip" : "folder", t->what);
    }
    return 0;
}

static int run(cli_ctx *ctx)
{
    if (cli_has(ctx, "--list-targets")) return ctx->npos ? cli_usage_error(ctx, "--list-targets takes no MODEL") : list_targets();
    if (ctx->npos < 1) return cli_usage_error(ctx, "missing MODEL.tflite");
    const char *model_path = ctx->pos[0], *target_s = cli_get(ctx, "--target"), *name = cli_get(ctx, "--name");
    const char *out = cli_get(ctx, "--output"), *sample_path = cli_get(ctx, "--sample");
    elstm_target target;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    if (!target_s) return cli_usage_error(ctx, "missing --target (%s)", target_list);
    if (elstm_target_parse(target_s, &target) != ELSTM_OK)
        return cli_usage_error(ctx, "unknown target '%s' (expected %s)", target_s, target_list);
    if (!name) return cli_usage_error(ctx, "missing --name NAME (a C identifier, e.g. --name temp_forecast)");
    if (elstm_codegen_check_name(name, &diag) != ELSTM_OK) return cli_usage_error(ctx, "%s", diag.msg);
    if (!out)
        return cli_usage_error(ctx, "missing -o PATH (the %s to create)", elstm_target_get(target)->zip ? "zip file" : "folder");
    elstm_codegen_opts o = {.target = target, .name = name, .lib_version = cli_get(ctx, "--version"),
                            .author = cli_get(ctx, "--author"), .maintainer = cli_get(ctx, "--maintainer"),
                            .url = cli_get(ctx, "--url")};
    if (elstm_codegen_check_meta(&o, &diag) != ELSTM_OK) return cli_usage_error(ctx, "%s", diag.msg);

    const char *inputs[] = {model_path, sample_path, NULL};
    int zip = elstm_target_get(target)->zip;
    elstm_output_rules r = {"-o", inputs, cli_has(ctx, "--force"), !zip, zip,
                            zip ? elstm_codegen_zip_is_ours : NULL,
                            zip ? "a library zip edgelstm wrote" : "a library folder edgelstm wrote"};
    int rc = cli_check_output(out, &r);
    if (rc) return rc;

    elstm_forecaster f;
    uint32_t crc = 0;
    elstm_status st = elstm_codegen_load(model_path, &f, &crc, &diag);
    if (st != ELSTM_OK) return cli_fail(st, &diag);
    float *window = NULL;
    char note[1024] = "";
    if (sample_path && (rc = load_sample(sample_path, &f, &window, note, sizeof note)) != 0) {
        elstm_forecaster_free(&f);
        return rc;
    }
    elstm_codegen_model m;
    o.sample = window;
    o.sample_note = window ? note : NULL;
    st = elstm_codegen_model_of(&f, model_path, crc, &m, &diag);
    if (st == ELSTM_OK) st = elstm_codegen_write(&m, &o, out, &diag);
    if (st != ELSTM_OK) {
        rc = cli_fail(st, &diag);
    } else {
        elstm_model_figures fig;
        elstm_codegen_figures(&m, &fig);
        char what[160];
        if (f.n_layers == 1 && f.lstm.n_output == 1 && !m.net8) snprintf(what, sizeof what, "LSTM(%d)", (int)f.lstm.n_units);
        else elstm_forecaster_text(&f, what, sizeof what);
        printf("%s: %s library '%s': %s, %d steps x %d inputs, %llu bytes of weights (flash), "
               "%llu bytes of RAM, %s example window\n",
               out, elstm_target_name(target), name, what, (int)f.steps, (int)f.lstm.n_input,
               (unsigned long long)fig.weight_bytes, (unsigned long long)fig.arena_bytes,
               window ? "sample" : "synthetic");
    }
    free(window);
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_deploy = {
    "deploy",
    usage_text,
    summary_text,
    "Writes the model as a plain C99 library for a microcontroller: the weights as const\n"
    "arrays, the edgelstm runtime, a header of constants and NAME_-prefixed functions (feed\n"
    "raw samples, forecast in the target's units), an Edge Impulse style header\n"
    "(run_classifier) and a static_buffer example that prints the forecast. With --sample,\n"
    "the example holds the last full window of FILE (read as the model was trained) and\n"
    "prints the forecast `edgelstm predict MODEL FILE --last` gives. --version, --author,\n"
    "--maintainer and --url go into library.properties, library.json and idf_component.yml\n"
    "(checked against the Arduino Library Manager's rules). A NAME that differs only in case\n"
    "from a library beside PATH is refused (the same macros). The output is written\n"
    "atomically and is the same bytes for the same model and options. See docs/deploy.md.",
    0, 1, groups, run,
};
