/* cmd_deploy.c - `edgelstm deploy MODEL --target T --name NAME [--sample FILE] -o PATH`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/codegen.h"
#include "edgelstm/data.h"
#include "edgelstm/model.h"

static const cli_opt deploy_opts[] = {
    {"--target", NULL, "T", "c (folder with a Makefile), arduino (zip), esp-idf (component), platformio"},
    {"--name", NULL, "NAME", "library name: a C identifier that prefixes every symbol (NAME_init, ...)"},
    {"--sample", NULL, "FILE", "CSV whose last full window goes into the static_buffer example"},
    {"--output", "-o", "PATH", "folder to create (zip file for arduino)"},
    {"--version", NULL, "X.Y.Z", "the library's semantic version (default 1.0.0)"},
    {"--author", NULL, "TEXT", "the library's author (default: edgelstm VERSION (generated))"},
    {"--maintainer", NULL, "TEXT", "its maintainer, e.g. \"Name <email>\" (default: the author)"},
    {"--url", NULL, "URL", "its project page, http(s)://... (default for library.properties: " ELSTM_CODEGEN_DEFAULT_URL ")"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {deploy_opts, NULL};

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
    if (st != ELSTM_OK) return cli_fail(st, &diag);
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

static int run(cli_ctx *ctx)
{
    const char *model_path = ctx->pos[0], *target_s = cli_get(ctx, "--target"), *name = cli_get(ctx, "--name");
    const char *out = cli_get(ctx, "--output"), *sample_path = cli_get(ctx, "--sample");
    elstm_target target;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    if (!target_s) return cli_usage_error(ctx, "missing --target (c, arduino, esp-idf or platformio)");
    if (elstm_target_parse(target_s, &target) != ELSTM_OK)
        return cli_usage_error(ctx, "unknown target '%s' (expected c, arduino, esp-idf or platformio)", target_s);
    if (!name) return cli_usage_error(ctx, "missing --name NAME (a C identifier, e.g. --name temp_forecast)");
    if (elstm_codegen_check_name(name, &diag) != ELSTM_OK) return cli_usage_error(ctx, "%s", diag.msg);
    if (!out) return cli_usage_error(ctx, "missing -o PATH (the %s to create)", target == ELSTM_TARGET_ARDUINO ? "zip file" : "folder");
    elstm_codegen_opts o = {.target = target, .name = name, .lib_version = cli_get(ctx, "--version"),
                            .author = cli_get(ctx, "--author"), .maintainer = cli_get(ctx, "--maintainer"),
                            .url = cli_get(ctx, "--url")};
    if (elstm_codegen_check_meta(&o, &diag) != ELSTM_OK) return cli_usage_error(ctx, "%s", diag.msg);

    elstm_forecaster f;
    uint32_t crc = 0;
    elstm_status st = elstm_codegen_load(model_path, &f, &crc, &diag);
    if (st != ELSTM_OK) return cli_fail(st, &diag);
    int rc = 0;
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
        printf("%s: %s library '%s': %sLSTM(%d), %d steps x %d inputs, %llu bytes of weights (flash), "
               "%llu bytes of RAM, %s example window\n",
               out, elstm_target_name(target), name, m.net8 ? "int8 " : "", (int)f.lstm.n_units, (int)f.steps,
               (int)f.lstm.n_input,
               (unsigned long long)fig.weight_bytes, (unsigned long long)fig.arena_bytes,
               window ? "sample" : "synthetic");
    }
    free(window);
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_deploy = {
    "deploy",
    "MODEL.tflite --target c|arduino|esp-idf|platformio --name NAME [--sample FILE] [--version X.Y.Z] "
    "[--author TEXT] [--maintainer TEXT] [--url URL] -o PATH",
    "generate a device library (C, Arduino, ESP-IDF, PlatformIO)",
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
    1, 1, groups, run,
};
