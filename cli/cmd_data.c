/* cmd_data.c - `edgelstm data`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_data_opts, cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'data' command is not implemented yet");
}

const cli_command cli_cmd_data = {
    "data", "FILE [data options] [--json]",
    "load and validate a CSV, print a summary (rows, time range, columns, inputs, windows)",
    "", 1, 1, groups, run,
};
