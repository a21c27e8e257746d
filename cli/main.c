/* main.c - `edgelstm COMMAND ...`: dispatch, --help, --version, help COMMAND, and the
 * manual page (`edgelstm help --man`, installed as edgelstm.1): both are printed from the
 * same command table and texts below, so the man page cannot drift from the help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command *const commands[] = {
    &cli_cmd_data,    &cli_cmd_train, &cli_cmd_backtest, &cli_cmd_eval, &cli_cmd_quantize, &cli_cmd_predict, &cli_cmd_inspect,
    &cli_cmd_run,     &cli_cmd_deploy, &cli_cmd_profile, &cli_cmd_bench,   &cli_cmd_report,
    &cli_cmd_adopt,
    &cli_cmd_fleet,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0) return commands[i];
    return NULL;
}

static const char tagline[] = "from a CSV of sensor history to an LSTM forecaster on a microcontroller";
static const char exit_status[] = "0 success, 1 failure, 2 usage error.";
/* The overview's general entries: {left column, text}. */
static const char *const general[][2] = {
    {"edgelstm help COMMAND", "options and details of one command"},
    {"edgelstm help --man", "this help as a manual page (roff), as `make install` installs edgelstm.1"},
    {"edgelstm --version", "print the version"},
};
#define N_GENERAL (sizeof general / sizeof general[0])

static void print_overview(FILE *f)
{
    fprintf(f, "edgelstm %s - %s\n\nusage: edgelstm COMMAND [ARGS] [OPTIONS]\n\ncommands:\n", ELSTM_VERSION,
            tagline);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\n");
    for (size_t i = 0; i < N_GENERAL; i++) fprintf(f, "  %-23s %s\n", general[i][0], general[i][1]);
    fprintf(f, "\nExit status: %s\n", exit_status);
}

/* "-o, --output PATH" */
static void option_left(const cli_opt *o, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "", o->name, o->arg ? " " : "",
             o->arg ? o->arg : "");
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
            option_left(o, left, sizeof left);
            printf("  %-26s %s\n", left, o->help);
        }
    }
}

/* ---- the manual page: the same texts as roff (man(7) macros) ---------------------------- */

/* Text as roff: backslashes and hyphens escaped, a control character at the start of a
 * line neutralized, a blank line (a paragraph break in the help) as .PP. */
static void roff_text(const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && *s == '\n') {   /* blank line */
            printf(".PP\n");
            continue;
        }
        if (bol && (*s == '.' || *s == '\'')) printf("\\&");
        bol = *s == '\n';
        if (*s == '\\') printf("\\e");
        else if (*s == '-') printf("\\-");
        else putchar(*s);
    }
    if (!bol) putchar('\n');
}

static void print_man(void)
{
    printf(".TH EDGELSTM 1 \"\" \"edgelstm %s\" \"User Commands\"\n.SH NAME\nedgelstm \\- ", ELSTM_VERSION);
    roff_text(tagline);
    printf(".SH SYNOPSIS\n.B edgelstm\n.I COMMAND\n[ARGS] [OPTIONS]\n");
    for (size_t i = 0; i < N_GENERAL; i++) {
        printf(".br\n");
        roff_text(general[i][0]);
    }
    printf(".SH DESCRIPTION\n");
    for (size_t i = 0; i < N_GENERAL; i++) {
        printf(".TP\n.B ");
        roff_text(general[i][0]);
        roff_text(general[i][1]);
    }
    printf(".SH COMMANDS\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        const cli_command *c = commands[i];
        printf(".SS \"%s\"\n.B edgelstm %s\n", c->name, c->name);
        roff_text(c->usage);
        printf(".PP\n");
        roff_text(c->summary);
        if (c->description && *c->description) {
            printf(".PP\n");
            roff_text(c->description);
        }
        for (const cli_opt *const *g = c->opt_groups; g && *g; g++) {
            for (const cli_opt *o = *g; o->name; o++) {
                char left[64];
                option_left(o, left, sizeof left);
                printf(".TP\n.B ");
                roff_text(left);
                roff_text(o->help);
            }
        }
    }
    printf(".SH EXIT STATUS\n");
    roff_text(exit_status);
    printf(".SH SEE ALSO\nThe documents in the docs/ folder of the source repository.\n");
}

/* Every byte of stdout must have reached its file: a write error (a full disk, a closed
 * pipe reader, /dev/full) is a failure, whatever the command printed. */
static int finish(int rc)
{
    int bad = fflush(stdout) != 0;
    bad |= ferror(stdout) != 0;
    if (bad && rc == CLI_EXIT_OK) {
        fprintf(stderr, "edgelstm: cannot write to standard output\n");
        rc = CLI_EXIT_FAIL;
    }
    return rc;
}

/* "edgelstm: PREFIX'ARG'SUFFIX" with ARG escaped (it may hold anything). */
static int bad_argument(const char *prefix, const char *arg, const char *suffix)
{
    fprintf(stderr, "edgelstm: %s'", prefix);
    cli_put_escaped(stderr, arg);
    fprintf(stderr, "'%s\n", suffix);
    return CLI_EXIT_USAGE;
}

static int dispatch(int argc, char **argv)
{
    cli_init_texts();
    if (argc < 2) {
        print_overview(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    int is_help = strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0;
    int is_version = strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0;
    if ((is_help || is_version) && argc > 2) {
        return bad_argument("unexpected argument ", argv[2], strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0
                                                                 ? " after --version" : " after --help");
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
        int man = strcmp(argv[2], "--man") == 0;
        const cli_command *c = find_command(argv[2]);
        if (!c && !man) {
            return bad_argument("unknown command ", argv[2], "; run 'edgelstm --help' for the list");
        }
        if (argc > 3) {
            return bad_argument("unexpected argument ", argv[3], "; usage: edgelstm help COMMAND|--man");
        }
        if (man) print_man();
        else print_command_help(c);
        return CLI_EXIT_OK;
    }
    const cli_command *c = find_command(name);
    if (!c) {
        return bad_argument("unknown command ", name, "; run 'edgelstm --help' for the list");
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
    return c->run(&ctx);
}

int main(int argc, char **argv)
{
    return finish(dispatch(argc, argv));
}
