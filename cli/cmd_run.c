/* cmd_run.c - `edgelstm run`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'run' command is not implemented yet");
}

const cli_command cli_cmd_run = {
    "run", "MODEL.tflite INPUT.csv [--json]",
    "run any supported .tflite on one raw input tensor",
    "", 2, 2, groups, run,
};
