/* cmd_inspect.c - `edgelstm inspect`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'inspect' command is not implemented yet");
}

const cli_command cli_cmd_inspect = {
    "inspect", "MODEL.tflite [--json]",
    "operators, tensors, shapes, types, quantization, parameters, metadata",
    "", 1, 1, groups, run,
};
