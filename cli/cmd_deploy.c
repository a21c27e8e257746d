/* cmd_deploy.c - `edgelstm deploy`. PLACEHOLDER: replaced by the issue that builds this command. */
#include "cli.h"

static const cli_opt *const groups[] = { NULL};

static int run(cli_ctx *ctx)
{
    (void)ctx;
    return cli_error("the 'deploy' command is not implemented yet");
}

const cli_command cli_cmd_deploy = {
    "deploy", "MODEL.tflite --target c|arduino|esp-idf|platformio --name NAME [--sample FILE] -o PATH",
    "generate a device library (C, Arduino, ESP-IDF, PlatformIO)",
    "", 1, 1, groups, run,
};
