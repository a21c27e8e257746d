/* cmd_profile.c - `edgelstm profile MODEL [--json]`: device figures, measured on an emulated Cortex-M4F. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/codegen.h"
#include "edgelstm/model.h"

#define SEED_MS 2024.0 /* the seed's forecast on an ESP32-S3 at 240 MHz under TensorFlow Lite Micro */

static const cli_opt profile_opts[] = {
    {"--mhz", NULL, "MHZ", "clock for the time estimate (default 240, the seed's ESP32-S3)"},
    {"--cpi", NULL, "X", "cycles per instruction assumed for the estimate (default 1.0)"},
    {"--reference", NULL, NULL, "also measure the plain reference kernel (about 4x the instructions)"},
    {"--c-kernel", NULL, NULL, "measure the Cortex-M kernel's plain C version instead of its assembly"},
    {"--opt", NULL, "FLAG", "compiler optimization for the measurement: -O2 (default), -Os, -O3"},
    {"--keep", NULL, "DIR", "build in DIR and keep the generated library, harness and ELF"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {profile_opts, cli_json_opt, NULL};

/* 11612288 -> "11,612,288" */
static const char *grouped(uint64_t v, char *buf, size_t n)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = '\0';
    return buf;
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
    elstm_mcu_opts mo = {cli_has(ctx, "--reference"), cli_has(ctx, "--c-kernel"), opt, cli_get(ctx, "--keep"), 0};
    elstm_mcu_result r;
    st = elstm_mcu_profile(&m, NULL, &mo, &r, &diag);
    if (st != ELSTM_OK) {
        elstm_forecaster_free(&f);
        return cli_fail(st, &diag);
    }
    float *x = malloc((size_t)f.steps * (size_t)f.lstm.n_input * sizeof(float));
    float host = NAN;
    if (x) {
        elstm_codegen_synthetic_window(f.steps, f.lstm.n_input, x);
        if (elstm_codegen_forecast(&m, x, &host, &diag) != ELSTM_OK) host = NAN;
        free(x);
    }
    const double per_mac = r.measured ? (double)r.instructions / (double)fig.macs : NAN;
    const double ms = r.measured ? (double)r.instructions * cpi / (mhz * 1e3) : NAN;
    int rc = 0;

    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "model", json_string(path));
        json_object_set_new(o, "units", json_integer(f.lstm.n_units));
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
        json_object_set_new(o, "seed_ms", json_real(SEED_MS));
        rc = cli_print_json(o);
    } else {
        char a[32], b[32];
        printf("%s: LSTM(%d) + Dense(%d), %d steps x %d inputs\n", path, (int)f.lstm.n_units, (int)f.lstm.n_output,
               (int)f.steps, (int)f.lstm.n_input);
        printf("  multiply-accumulates  %s per forecast\n", grouped(fig.macs, a, sizeof a));
        printf("  weights (flash)       %s bytes, %s\n", grouped(fig.weight_bytes, a, sizeof a),
               m.net8 ? "int8 weights, int32 biases (TFLite's integer scheme)" : "float32");
        printf("  RAM (state, ring)     %s bytes (the generated library's NAME_ARENA_BYTES)\n",
               grouped(fig.arena_bytes, a, sizeof a));
        if (r.have_cc)
            printf("  runtime code          %s bytes of Cortex-M4 thumb code (.text of the library without the "
                   "reference kernel; %s, %s)\n",
                   grouped(r.code_bytes, a, sizeof a), r.cc_version, opt ? opt : "-O2");
        else
            printf("  runtime code          not measured: arm-none-eabi-gcc is not installed (Debian: gcc-arm-none-eabi)\n");
        if (r.measured) {
            printf("  emulated Cortex-M4F   %s instructions per forecast = %.3f per MAC (QEMU mps2-an386, -icount)%s\n",
                   grouped(r.instructions, a, sizeof a), per_mac, mo.c_kernel ? ", C kernel" : "");
            if (mo.reference)
                printf("  reference kernel      %s instructions per forecast = %.3f per MAC\n",
                       grouped(r.instructions_ref, b, sizeof b), (double)r.instructions_ref / (double)fig.macs);
            printf("  forecast on the board %.7f (normalized; the host computes %.7f)\n", r.forecast_norm, (double)host);
            printf("  estimated time        %.1f ms at %g MHz, assuming %g cycle%s per instruction "
                   "(the seed's ESP32-S3 took %.0f ms under TensorFlow Lite Micro)\n",
                   ms, mhz, cpi, cpi == 1.0 ? "" : "s", SEED_MS);
        } else if (r.have_cc) {
            printf("  instructions          not measured: qemu-system-arm is not installed (Debian: qemu-system-arm)\n");
        } else {
            printf("  instructions          not measured: needs arm-none-eabi-gcc and qemu-system-arm\n");
        }
    }
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_profile = {
    "profile",
    "MODEL.tflite [--mhz MHZ] [--cpi X] [--reference] [--json]",
    "MACs, weight and RAM bytes, and instruction counts on an emulated Cortex-M4F",
    "Static figures of the model on a microcontroller (multiply-accumulates per forecast,\n"
    "weight bytes, the generated library's RAM), then, when arm-none-eabi-gcc is installed,\n"
    "the code size of the runtime built for Cortex-M4F, and when qemu-system-arm is too, the\n"
    "instructions of one forecast counted on an emulated Cortex-M4F (QEMU mps2-an386 with\n"
    "-icount; the window is the examples' synthetic one) and a time estimate at --mhz with the\n"
    "stated cycles per instruction. Instruction counts are exact and repeatable; cycles on a\n"
    "real core differ (loads, divisions and branches take more than one). See docs/deploy.md.",
    1, 1, groups, run,
};
