/* cmd_eval.c - `edgelstm eval`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'eval' command is not implemented yet");
}

const cli_command cli_cmd_eval = {
    "eval", "MODEL.tflite FILE [--split test|val|train|all] [--json]",
    "metrics in the target's units beside persistence and seasonal baselines",
    "", 2, 2, groups, run,
};
