/* cmd_profile.c - `edgelstm profile MODEL [--core cortex-m4f|esp32] [--json]`: device figures,
 * measured on an emulated Cortex-M4F or ESP32-class Xtensa core. */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/fileio.h"
#include "edgelstm/codegen.h"
#include "edgelstm/model.h"

static const cli_opt profile_opts[] = {
    {"--core", NULL, "CORE", "the emulated core: cortex-m4f (default) or esp32 (the ESP32/ESP32-S3's Xtensa ISA)"},
    {"--mhz", NULL, "MHZ", "clock for the time estimate (default 240, the seed's ESP32-S3)"},
    {"--cpi", NULL, "X", "cycles per instruction assumed for the estimate (default 1.0)"},
    {"--reference", NULL, NULL, "also measure the plain reference kernel (about 4x the instructions)"},
    {"--c-kernel", NULL, NULL, "measure the core's kernel in its plain C version instead of its assembly"},
    {"--opt", NULL, "FLAG", "compiler optimization for the measurement: -O2 (default), -Os, -O3"},
    {"--keep", NULL, "DIR", "build in DIR and keep the generated library, harness and ELF"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {profile_opts, cli_json_opt, NULL};

/* What each core is, and what its emulation is not. */
typedef struct core_info {
    const char *name, *label, *code, *emulator;
    const char *notes[4];
} core_info;

static const core_info cores[] = {
    {"cortex-m4f", "Cortex-M4F", "Cortex-M4 thumb code", "QEMU mps2-an386, -icount",
     {"instruction counts, not cycles: on a Cortex-M4 loads, VLDM (1 + n), VDIV (14) and taken branches take more "
      "than one cycle",
      NULL}},
    {"esp32", "ESP32 Xtensa", "Xtensa code (ESP32 ISA)", "QEMU sim/de233_fpu, -icount",
     {"instruction counts, not cycles: QEMU models no pipeline, FP latency, cache or flash wait states",
      "the emulated core has the ESP32's ISA but not the ESP32-S3's PIE SIMD (EE.* instructions): neither "
      "QEMU 7.2 nor clang-22 has it, and the kernel does not use it",
      "32 physical address registers, not the ESP32's 64: deep call chains take more window spills (counted)",
      "code built with clang-22; ESP-IDF and Arduino-ESP32 build with GCC (the kernel is the same assembly)"}},
};

/* what an int8 model's weights are on the ESP32 (runtime/lstm_s8_xtensa.c) */
static const char xt_int8_note[] = "int8 model: on this core the LSTM weights are stored widened to int16 for the MAC16 "
                                   "kernel, about twice their weight_bytes of flash";

static int empty_folder(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)) != NULL) empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

static int run(cli_ctx *ctx)
{
    const char *path = ctx->pos[0];
    double mhz = 240.0, cpi = 1.0;
    if (cli_get_double(ctx, "--mhz", 1.0, 100000.0, &mhz) || cli_get_double(ctx, "--cpi", 0.1, 100.0, &cpi))
        return CLI_EXIT_USAGE;
    const char *opt = cli_get(ctx, "--opt");
    if (opt && strcmp(opt, "-O2") && strcmp(opt, "-Os") && strcmp(opt, "-O3") && strcmp(opt, "-O1"))
        return cli_usage_error(ctx, "option '--opt' must be -O1, -O2, -O3 or -Os, not '%s'", opt);
    const int json = cli_has(ctx, "--json");
    const char *core_name = cli_get(ctx, "--core");
    const core_info *core = &cores[0];
    if (core_name) {
        if (strcmp(core_name, "esp32") == 0) core = &cores[1];
        else if (strcmp(core_name, "cortex-m4f") != 0)
            return cli_usage_error(ctx, "option '--core' must be cortex-m4f or esp32, not '%s'", core_name);
    }

    /* --keep DIR: a new or empty folder, or one an earlier --keep made (the .edgelstm
     * marker): profile builds in it, so never in a folder of the user's */
    const char *keep = cli_get(ctx, "--keep");
    if (keep && !empty_folder(keep)) {
        const char *inputs[] = {path, NULL};
        elstm_output_rules r = {"--keep", inputs, 0, 1, 0, NULL, "a folder profile kept"};
        int rc = cli_check_output(keep, &r);
        if (rc) return rc;
    }

    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_forecaster f;
    uint32_t crc = 0;
    elstm_status st = elstm_codegen_load(path, &f, &crc, &diag);
    if (st != ELSTM_OK) return cli_fail(st, &diag);

    elstm_codegen_model m;
    if ((st = elstm_codegen_model_of(&f, path, crc, &m, &diag)) != ELSTM_OK) {
        elstm_forecaster_free(&f);
        return cli_fail(st, &diag);
    }
    elstm_model_figures fig;
    elstm_codegen_figures(&m, &fig);
    elstm_mcu_opts mo = {cli_has(ctx, "--reference"), cli_has(ctx, "--c-kernel"), opt, cli_get(ctx, "--keep"), 0,
                         core == &cores[1] ? ELSTM_MCU_ESP32 : ELSTM_MCU_CORTEX_M4F};
    elstm_mcu_result r;
    st = elstm_mcu_profile(&m, NULL, &mo, &r, &diag);
    if (st != ELSTM_OK) {
        elstm_forecaster_free(&f);
        return cli_fail(st, &diag);
    }
    float *x = malloc((size_t)f.steps * (size_t)f.lstm.n_input * sizeof(float));
    float *y = malloc((size_t)elstm_forecaster_top(&f)->n_output * sizeof(float));
    float host = NAN;
    if (x && y) {
        elstm_codegen_synthetic_window(f.steps, f.lstm.n_input, x);
        if (elstm_forecaster_window(&f, x, y) == ELSTM_OK) /* delta models: + the last value, as on the board */
            host = f.has_meta ? (float)elstm_meta_forecast_normalized(&f.meta, y[0], x + (size_t)(f.steps - 1) * (size_t)f.lstm.n_input)
                              : y[0];
    }
    free(x);
    free(y);
    const int stateful = f.has_meta && f.meta.stateful;
    const double per_mac = r.measured ? (double)r.instructions / (double)fig.macs : NAN;
    const double ms = r.measured ? (double)r.instructions * cpi / (mhz * 1e3) : NAN;
    int rc = 0;

    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "model", json_string(path));
        json_object_set_new(o, "core", json_string(core->name));
        json_object_set_new(o, "units", json_integer(f.lstm.n_units));
        json_object_set_new(o, "layers", json_integer(f.n_layers));
        json_object_set_new(o, "outputs", json_integer(elstm_forecaster_top(&f)->n_output));
        json_object_set_new(o, "inputs", json_integer(f.lstm.n_input));
        json_object_set_new(o, "steps", json_integer(f.steps));
        json_object_set_new(o, "macs", json_integer((json_int_t)fig.macs));
        json_object_set_new(o, "weight_bytes", json_integer((json_int_t)fig.weight_bytes));
        json_object_set_new(o, "dtype", json_string(m.net8 ? "int8" : "float32"));
        json_object_set_new(o, "arena_bytes", json_integer((json_int_t)fig.arena_bytes));
        json_object_set_new(o, "cross_compiler", json_boolean(r.have_cc));
        json_object_set_new(o, "emulator", json_boolean(r.have_qemu));
        json_object_set_new(o, "compiler", r.have_cc ? json_string(r.cc_version) : json_null());
        json_object_set_new(o, "cflags", r.have_cc ? json_string(r.flags) : json_null());
        json_object_set_new(o, "code_bytes", r.have_cc ? json_integer((json_int_t)r.code_bytes) : json_null());
        json_object_set_new(o, "instructions", r.measured ? json_integer((json_int_t)r.instructions) : json_null());
        json_object_set_new(o, "instructions_per_mac", r.measured ? json_real(per_mac) : json_null());
        json_object_set_new(o, "stateful", json_boolean(stateful));
        json_object_set_new(o, "instructions_per_sample",
                            r.measured ? json_integer((json_int_t)r.instructions_per_sample) : json_null());
        if (mo.reference) {
            json_object_set_new(o, "instructions_ref", r.measured ? json_integer((json_int_t)r.instructions_ref) : json_null());
            json_object_set_new(o, "instructions_per_mac_ref",
                                r.measured ? json_real((double)r.instructions_ref / (double)fig.macs) : json_null());
        }
        json_object_set_new(o, "forecast_device", r.measured ? json_real(r.forecast_norm) : json_null());
        json_object_set_new(o, "forecast_host", json_real(host));
        json_object_set_new(o, "mhz", json_real(mhz));
        json_object_set_new(o, "cpi", json_real(cpi));
        json_object_set_new(o, "estimated_ms", r.measured ? json_real(ms) : json_null());
        json_object_set_new(o, "seed_ms", json_real(ELSTM_SEED_MS));
        json_t *notes = json_array();
        for (int i = 0; i < 4 && core->notes[i]; i++) json_array_append_new(notes, json_string(core->notes[i]));
        if (m.net8 && strcmp(core->name, "esp32") == 0) json_array_append_new(notes, json_string(xt_int8_note));
        json_object_set_new(o, "notes", notes);
        rc = cli_print_json(o);
    } else {
        char a[32], b[32];
        char what[160];
        printf("%s: %s, %d steps x %d inputs\n", path, elstm_forecaster_text(&f, what, sizeof what), (int)f.steps,
               (int)f.lstm.n_input);
        printf("  multiply-accumulates  %s per forecast\n", elstm_count_format(fig.macs, a, sizeof a));
        printf("  weights (flash)       %s bytes, %s\n", elstm_count_format(fig.weight_bytes, a, sizeof a),
               m.net8 ? "int8 weights, int32 biases (TFLite's integer scheme)" : "float32");
        printf("  RAM (state, ring)     %s bytes (the generated library's NAME_ARENA_BYTES)\n",
               elstm_count_format(fig.arena_bytes, a, sizeof a));
        if (r.have_cc)
            printf("  runtime code          %s bytes of %s (the library's code without the reference kernel; %s, %s)\n",
                   elstm_count_format(r.code_bytes, a, sizeof a), core->code, r.cc_version, opt ? opt : "-O2");
        else
            printf("  runtime code          not measured: %s is not installed (Debian: %s)\n", r.missing, r.missing_pkg);
        if (r.measured) {
            printf("  emulated %-12s %s instructions per forecast = %.3f per MAC (%s)%s\n", core->label,
                   elstm_count_format(r.instructions, a, sizeof a), per_mac, core->emulator, mo.c_kernel ? ", C kernel" : "");
            if (stateful)
                printf("  per new sample        %s instructions (stateful: NAME_push_sample, one LSTM step) = 1/%.1f "
                       "of the window's\n", elstm_count_format(r.instructions_per_sample, b, sizeof b),
                       (double)r.instructions / (double)r.instructions_per_sample);
            else
                printf("  per new sample        the whole window (a windowed model; train --stateful makes one that "
                       "streams)\n");
            if (mo.reference)
                printf("  reference kernel      %s instructions per forecast = %.3f per MAC\n",
                       elstm_count_format(r.instructions_ref, b, sizeof b), (double)r.instructions_ref / (double)fig.macs);
            printf("  forecast on the board %.7f (normalized%s; the host computes %.7f)\n", r.forecast_norm,
                   elstm_forecaster_top(&f)->n_output > 1 ? ", output 0" : "", (double)host);
            printf("  estimated time        %.1f ms at %g MHz, assuming %g cycle%s per instruction "
                   "(the seed's ESP32-S3 took %.0f ms under TensorFlow Lite Micro)\n",
                   ms, mhz, cpi, cpi == 1.0 ? "" : "s", ELSTM_SEED_MS);
        } else {
            printf("  instructions          not measured: %s is not installed (Debian: %s)\n", r.missing, r.missing_pkg);
        }
        for (int i = 0; i < 4 && core->notes[i]; i++) printf("  note: %s\n", core->notes[i]);
        if (m.net8 && strcmp(core->name, "esp32") == 0) printf("  note: %s\n", xt_int8_note);
    }
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_profile = {
    "profile",
    "MODEL.tflite [--core cortex-m4f|esp32] [--mhz MHZ] [--cpi X] [--reference] [--json]",
    "MACs, weight and RAM bytes, and instruction counts on an emulated Cortex-M4F or ESP32 core",
    "Static figures of the model on a microcontroller (multiply-accumulates per forecast,\n"
    "weight bytes, the generated library's RAM), then, when the core's cross tools are\n"
    "installed, the code size of the runtime built for the core, and with its QEMU the\n"
    "instructions of one forecast counted on the emulated core (-icount; the window is the\n"
    "examples' synthetic one) and a time estimate at --mhz with the stated cycles per\n"
    "instruction. Cores: cortex-m4f (QEMU mps2-an386, arm-none-eabi-gcc; the default) and\n"
    "esp32 (the ESP32/ESP32-S3's Xtensa ISA on QEMU's sim machine with the de233_fpu core,\n"
    "clang-22, llvm-mc-22, xtensa-lx106-elf-ld). Instruction counts are exact and repeatable;\n"
    "cycles on a real core differ (the output's notes say how). See docs/deploy.md.",
    1, 1, groups, run,
};
