/* main.c - `edgelstm COMMAND ...`: dispatch, --help, --version, help COMMAND. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command *const commands[] = {
    &cli_cmd_data,    &cli_cmd_train, &cli_cmd_eval,    &cli_cmd_quantize, &cli_cmd_predict, &cli_cmd_inspect,
    &cli_cmd_run,     &cli_cmd_deploy, &cli_cmd_profile, &cli_cmd_bench,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0) return commands[i];
    return NULL;
}

static void print_overview(FILE *f)
{
    fprintf(f,
            "edgelstm %s - from a CSV of sensor history to an LSTM forecaster on a microcontroller\n"
            "\n"
            "usage: edgelstm COMMAND [ARGS] [OPTIONS]\n"
            "\n"
            "commands:\n",
            ELSTM_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f,
            "\n"
            "  edgelstm help COMMAND   options and details of one command\n"
            "  edgelstm --version      print the version\n"
            "\n"
            "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static void print_command_help(const cli_command *c)
{
    printf("usage: edgelstm %s %s\n\n%s\n", c->name, c->usage, c->summary);
    if (c->description && *c->description) printf("\n%s\n", c->description);
    if (!c->opt_groups) return;
    printf("\noptions:\n");
    for (const cli_opt *const *g = c->opt_groups; *g; g++) {
        for (const cli_opt *o = *g; o->name; o++) {
            char left[64];
            snprintf(left, sizeof left, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "",
                     o->name, o->arg ? " " : "", o->arg ? o->arg : "");
            printf("  %-26s %s\n", left, o->help);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    int is_help = strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0;
    int is_version = strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0;
    if ((is_help || is_version) && argc > 2) {
        fprintf(stderr, "edgelstm: unexpected argument '%s' after %s\n", argv[2], name);
        return CLI_EXIT_USAGE;
    }
    if (is_help) {
        print_overview(stdout);
        return CLI_EXIT_OK;
    }
    if (is_version) {
        printf("edgelstm %s\n", ELSTM_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc == 2) {
            print_overview(stdout);
            return CLI_EXIT_OK;
        }
        const cli_command *c = find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "edgelstm: unknown command '%s'; run 'edgelstm --help' for the list\n",
                    argv[2]);
            return CLI_EXIT_USAGE;
        }
        if (argc > 3) {
            fprintf(stderr, "edgelstm: unexpected argument '%s'; usage: edgelstm help COMMAND\n",
                    argv[3]);
            return CLI_EXIT_USAGE;
        }
        print_command_help(c);
        return CLI_EXIT_OK;
    }
    const cli_command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "edgelstm: unknown command '%s'; run 'edgelstm --help' for the list\n", name);
        return CLI_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_command_help(c);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--") == 0) break;
    }
    cli_ctx ctx;
    int rc = cli_parse(c, argc - 2, argv + 2, &ctx);
    if (rc) return rc;
    rc = c->run(&ctx);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "edgelstm: cannot write to standard output\n");
        rc = CLI_EXIT_FAIL;
    }
    return rc;
}
