/*
 * cli.h - the command-line layer: the only code that prints to the user and exits.
 *
 * Each subcommand lives in cli/cmd_NAME.c and defines one `const cli_command
 * cli_cmd_NAME` (name, usage, help text, option table, run function); main.c lists
 * them. Options are parsed generically (cli_parse) against the command's table, so
 * an unknown option, a missing value or a bad number is a usage error (exit 2)
 * without any code in the command.
 *
 * Exit statuses: 0 success, 1 failure (bad input, I/O, ...), 2 usage error.
 * Errors are one sentence on stderr: "edgelstm: FILE:LINE: what is wrong ...".
 */
#ifndef EDGELSTM_CLI_H
#define EDGELSTM_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "edgelstm/data.h"
#include "edgelstm/diag.h"
#include "edgelstm/train.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

#define CLI_MAX_OPTS 48
#define CLI_MAX_POS  1024   /* positional arguments (the files of a global model) */

typedef struct cli_opt {
    const char *name;     /* "--steps" */
    const char *alias;    /* "-o", or NULL */
    const char *arg;      /* value placeholder ("N", "FILE"); NULL for a flag */
    const char *help;     /* one line */
} cli_opt;

struct cli_ctx;

typedef struct cli_command {
    const char *name;         /* "data" */
    const char *usage;        /* "FILE [data options] [--json]" */
    const char *summary;      /* one line for `edgelstm --help` */
    const char *description;  /* paragraph(s) for `edgelstm help NAME` */
    int min_pos, max_pos;     /* positional arguments accepted */
    const cli_opt *const *opt_groups;  /* NULL-terminated list of NULL-name-terminated tables */
    int (*run)(struct cli_ctx *ctx);
} cli_command;

typedef struct cli_ctx {
    const cli_command *cmd;
    int npos;
    const char *pos[CLI_MAX_POS];
    int nopts;
    const cli_opt *opt[CLI_MAX_OPTS];   /* options given, in order */
    const char *val[CLI_MAX_OPTS];      /* their values (NULL for flags) */
} cli_ctx;

/* Parse argv (after the command name). Returns 0 or CLI_EXIT_USAGE (message printed). */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_ctx *ctx);

/* Option access (name is the long form, e.g. "--steps"); the last occurrence wins. */
int cli_has(const cli_ctx *ctx, const char *name);
const char *cli_get(const cli_ctx *ctx, const char *name);

/* Typed getters: return 0 on success (value stored, or default kept when absent),
 * CLI_EXIT_USAGE after printing a usage error. */
int cli_get_int(const cli_ctx *ctx, const char *name, long lo, long hi, long *out);
int cli_get_double(const cli_ctx *ctx, const char *name, double lo, double hi, double *out);
int cli_get_u64(const cli_ctx *ctx, const char *name, uint64_t *out);

/* Print "edgelstm CMD: <msg>" + "Try 'edgelstm help CMD'." to stderr; return 2. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Print "edgelstm: <diag message>" (or the status text) to stderr; return the exit
 * status for `s` (2 for ELSTM_ERR_ARG, 1 otherwise). */
int cli_fail(elstm_status s, const elstm_diag *diag);

/* Print "edgelstm: <msg>" to stderr; return 1. */
int cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Write s with control bytes escaped (\n, \t, \r, \xNN), so that a name holding a
 * newline or a terminal escape stays visible text on one line. Every message goes through it. */
void cli_put_escaped(FILE *f, const char *s);
/* The same into buf (cut to fit n bytes); returns buf. For names printed on stdout. */
const char *cli_escape(const char *s, char *buf, size_t n);

/* elstm_output_check(path, r) (edgelstm/fileio.h): 0, or the error printed and its exit
 * status. Every command that writes calls it for each output before any work. */
struct elstm_output_rules;
int cli_check_output(const char *path, const struct elstm_output_rules *r);

/* 1 if `path` is a .tflite model carrying edgelstm metadata: a model `train` may replace. */
int cli_is_edgelstm_model(const char *path);

/* Shared option tables. */
extern const cli_opt cli_data_opts[];    /* --time --time-format --skip-rows --target --features
                                            --time-features --steps --horizon --split --max-gap */
extern const cli_opt cli_json_opt[];     /* --json */
extern const cli_opt cli_model_opts[];   /* --units --epochs --batch --lr --patience --seed --intervals
                                            --clip --lr-decay --lr-patience --min-lr --sampling
                                            (train, backtest, fleet, edgelstm-mpi) */

/* Fill training options from cli_model_opts (and --threads when the command has it).
 * Returns 0 or 2. */
int cli_read_model_opts(const cli_ctx *ctx, elstm_train_opts *o);
/* --sampling (uniform, the default, or series) as ELSTM_SAMPLING_*: 0 or 2. */
int cli_get_sampling(const cli_ctx *ctx, int *sampling);
/* --sampling series with fewer than two series (`what` says why: "only one file was
 * given"): a usage error (2), else 0. */
int cli_sampling_needs_series(const cli_ctx *ctx, const elstm_train_opts *o, int n_series, const char *what);

/* Online CPUs (1 if unknown), capped at ELSTM_MAX_THREADS (cmd_eval.c). */
int cli_default_threads(void);

/* Prediction-interval levels (per cent) from an option: "80,95", or "none". */
#define CLI_MAX_LEVELS 8
#define CLI_DEFAULT_INTERVALS "80,95" /* train and backtest --intervals (issue 17) */
/* The recipe's defaults (docs/training.md, "Recipe defaults", measured by the backtest):
 * --lr-decay 0.5 and --batch 16 here; --target-mode auto and the forecast-time calendar of
 * multi-step models in the data layer (elstm_data_opts_default, columns.c). The library's
 * elstm_train_opts_default keeps the seed's constant rate and batch of 32. */
#define CLI_DEFAULT_LR_DECAY 0.5
#define CLI_DEFAULT_BATCH 16
typedef struct cli_levels {
    int n;
    double level[CLI_MAX_LEVELS];
} cli_levels;
/* Read option `name` (absent: `dflt`) into *lv. Returns 0 or 2 (usage error printed). */
int cli_get_levels(const cli_ctx *ctx, const char *name, const char *dflt, cli_levels *lv);
/* Check the levels against the `nval` validation windows that will calibrate them (of
 * `path`, the first file): levels the user gave in option `name` that too few windows
 * cannot calibrate are an error (returns 1, printed) before any training; the default
 * levels (option not given) keep those that fit and say on stderr which were left out. */
int cli_levels_fit(const cli_ctx *ctx, const char *name, const char *path, size_t nval, cli_levels *lv);
extern const cli_opt cli_force_opt[];    /* --force */

/* Fill data options from the command line (defaults first). Returns 0 or 2. */
int cli_read_data_opts(const cli_ctx *ctx, const char *path, elstm_data_opts *o);

/* Print a JSON value (jansson json_t*) on stdout as one object + newline, and
 * release it. Returns 0, or 1 if it could not be printed. */
int cli_print_json(void *json_t_value);

/* Fill the help texts made from the library's tables (deploy's targets); main() calls it
 * before anything else. */
void cli_init_texts(void);

/* The train command's work (cmd_train.c) for a parsed command line: messages on stderr;
 * with summary_json, *summary_json receives the --json summary (a jansson json_t*, the
 * caller's) instead of it being printed. Returns the exit status. `fleet` runs its
 * tasks through it, so a task is exactly `edgelstm train` with the same options. */
int cli_train_run(cli_ctx *ctx, void **summary_json);
/* "Intervals from N validation windows: 80% +-h ..." (the first step's half-widths). */
void cli_intervals_print(FILE *f, const elstm_meta *meta);
/* 1 once SIGINT or SIGTERM stopped a training run (the process should stop too). */
int cli_train_interrupted(void);
/* SIGINT and SIGTERM set cli_stop (a long run polls it: elstm_train_opts.stop) and a second
 * signal ends the process at once; cli_catch_stop(0) restores the defaults. */
extern volatile sig_atomic_t cli_stop;
void cli_catch_stop(int on);
extern const cli_opt cli_train_opts[];   /* --threads (with cli_model_opts: what fleet passes on) */

extern const cli_command cli_cmd_data, cli_cmd_train, cli_cmd_backtest, cli_cmd_eval, cli_cmd_predict,
    cli_cmd_inspect, cli_cmd_run, cli_cmd_deploy, cli_cmd_profile, cli_cmd_bench, cli_cmd_report, cli_cmd_adopt,
    cli_cmd_quantize, cli_cmd_fleet;

/* Write the HTML report of a model on a data file (cmd_report.c; `train --report` too):
 * messages on stderr, the --json summary on stdout when `json`. `option` names `out` in
 * messages; `force` replaces a file that is not a report. Returns the exit status. */
int cli_report(const char *model_path, const char *data_path, const char *out, const char *option,
               const char *compare_path, int profile, double mhz, int json, int force);

/* The output rules of a report page (cli_check_output): not an input, a FIFO in place, an
 * existing file only if it is a report or with `force`. */
int cli_check_report_output(const char *path, const char *option, const char *const *inputs, int force);

#endif /* EDGELSTM_CLI_H */
