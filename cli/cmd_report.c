/* cmd_report.c - `edgelstm report MODEL.tflite DATA.csv -o REPORT.html [--compare FLOAT.tflite]
 * [--no-profile] [--mhz MHZ] [--json]`: one self-contained HTML page (report/, docs/report.md).
 * `train --report` calls cli_report() once the model is written. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_eval.h"
#include "edgelstm/fileio.h"
#include "edgelstm/report.h"

static const cli_opt report_opts[] = {
    {"--output", "-o", "REPORT.html", "the page to write (required)"},
    {"--compare", NULL, "FLOAT.tflite", "a second model of the same data (an int8 model's float twin) beside it"},
    {"--no-profile", NULL, NULL, "skip the measurement on the emulated Cortex-M4F"},
    {"--mhz", NULL, "MHZ", "clock of the device time estimate (default 240, the seed's ESP32-S3)"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {report_opts, cli_force_opt, cli_json_opt, NULL};

/* A page this command wrote: its title starts "edgelstm report: " near the top. */
static int is_report(const char *path)
{
    FILE *f = NULL;
    char head[600];
    size_t n = elstm_open_input(path, &f, NULL) == ELSTM_OK ? fread(head, 1, sizeof head - 1, f) : 0;
    if (f) fclose(f);
    head[n] = '\0';
    return strncmp(head, "<!DOCTYPE html>", 15) == 0 && strstr(head, "<title>edgelstm report: ") != NULL;
}

int cli_check_report_output(const char *path, const char *option, const char *const *inputs, int force)
{
    elstm_output_rules r = {option, inputs, force, 0, 1, is_report, "a report edgelstm wrote"};
    return cli_check_output(path, &r);
}

int cli_report(const char *model_path, const char *data_path, const char *out, const char *option,
               const char *compare_path, int profile, double mhz, int json, int force)
{
    elstm_forecaster f, fc;
    elstm_dataset ds;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    memset(&fc, 0, sizeof fc);
    const char *inputs[] = {model_path, data_path, compare_path, NULL};
    int rc = cli_check_report_output(out, option, inputs, force);
    if (rc) return rc;
    if ((rc = cli_load_model_and_data(model_path, data_path, &f, &ds))) return rc;
    elstm_status s = ELSTM_OK;
    if (compare_path) {
        if ((s = elstm_forecaster_load(compare_path, &fc, &diag)) != ELSTM_OK) {
            rc = cli_fail(s, &diag);
            goto done;
        }
        if (!fc.has_meta) {
            rc = cli_error("%s: the compared model has no edgelstm metadata, so it cannot be checked to read the "
                           "data as %s does", compare_path, model_path);
            goto done;
        }
    }
    elstm_report_model m = {model_path, &f}, mc = {compare_path, &fc};
    elstm_report_opts o = {cli_default_threads(), profile, mhz};
    elstm_report_info info;
    s = elstm_report_write(out, &m, compare_path ? &mc : NULL, &ds, &o, &info, &diag);
    if (s != ELSTM_OK) {
        rc = cli_fail(s, &diag);
        goto done;
    }
    fprintf(stderr, "Wrote %s (%zu KB, %d plots%s%s%s): open it in a web browser\n", out, (info.bytes + 1023) / 1024,
            info.plots, info.decimated ? ", long series drawn as min/max bands" : "",
            info.history ? "" : ", the model carries no training history",
            info.device > 0    ? ", device figures measured"
            : info.device == -2 ? ", the device measurement failed (the page says why)"
            : info.device < 0   ? ", no Arm tools for device figures"
                                : "");
    if (json)
        rc = cli_print_json(json_pack("{s:s, s:I, s:i, s:i, s:b, s:s*}", "report", out, "bytes", (json_int_t)info.bytes,
                                      "plots", info.plots, "decimated", info.decimated, "history", info.history,
                                      "device", info.device > 0 ? "measured" : info.device == -2 ? "failed" : info.device < 0 ? "no tools" : "skipped"));
done:
    elstm_forecaster_free(&fc);
    elstm_data_free(&ds);
    elstm_forecaster_free(&f);
    return rc;
}

static int run(cli_ctx *ctx)
{
    const char *out = cli_get(ctx, "--output");
    if (!out) return cli_usage_error(ctx, "-o REPORT.html is required");
    double mhz = 240.0;
    if (cli_get_double(ctx, "--mhz", 1.0, 100000.0, &mhz)) return CLI_EXIT_USAGE;
    return cli_report(ctx->pos[0], ctx->pos[1], out, "-o", cli_get(ctx, "--compare"), !cli_has(ctx, "--no-profile"), mhz,
                      cli_has(ctx, "--json"), cli_has(ctx, "--force"));
}

const cli_command cli_cmd_report = {
    "report", "MODEL.tflite FILE -o REPORT.html [--compare FLOAT.tflite] [--no-profile] [--json]",
    "one self-contained HTML page: data, training, forecasts, errors, model card",
    "Reads FILE the way the model's training read its data (as eval does) and writes one HTML\n"
    "page that opens offline in any browser and prints well: every column the model reads\n"
    "over the whole file (interpolated values, gaps and the train/validation/test spans\n"
    "marked), the loss and validation loss per epoch (from the model's training record), the\n"
    "test split's forecasts against the truth beside persistence (whole split and the last\n"
    "week), the errors (histogram, by hour of day, MAE/RMSE/R^2/bias against persistence and\n"
    "the seasonal baseline) and a model card with the device figures of 'edgelstm profile'.\n"
    "--compare puts a second model of the same data (an int8 model's float twin) beside it.\n"
    "Plots are inline SVG; no script, no network. See docs/report.md.",
    2, 2, groups, run,
};
