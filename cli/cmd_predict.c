/* cmd_predict.c - `edgelstm predict`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'predict' command is not implemented yet");
}

const cli_command cli_cmd_predict = {
    "predict", "MODEL.tflite FILE [--last] [-o OUT.csv] [--json]",
    "forecast every window of a file, or --last: the next forecast",
    "", 2, 2, groups, run,
};
