/* cmd_bench.c - `edgelstm bench`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'bench' command is not implemented yet");
}

const cli_command cli_cmd_bench = {
    "bench", "MODEL.tflite [--threads N] [--json]",
    "host inference latency (min/median/max over repeated runs)",
    "", 1, 1, groups, run,
};
