/* cmd_train.c - `edgelstm train`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = {cli_data_opts, cli_json_opt, NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'train' command is not implemented yet");
}

const cli_command cli_cmd_train = {
    "train", "FILE [data options] [model options] -o MODEL.tflite [--json]",
    "train an LSTM forecaster and write it as a .tflite model",
    "", 1, 1, groups, run,
};
