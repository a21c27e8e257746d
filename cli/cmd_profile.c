/* cmd_profile.c - `edgelstm profile`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'profile' command is not implemented yet");
}

const cli_command cli_cmd_profile = {
    "profile", "MODEL.tflite [--json]",
    "MACs, weight and RAM bytes, and instruction counts on an emulated Cortex-M4F",
    "", 1, 1, groups, run,
};
