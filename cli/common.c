/* common.c - option parsing, error printing and JSON output shared by all commands. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/fileio.h"
#include "edgelstm/meta.h"
#include "edgelstm/tflite.h"

const cli_opt cli_json_opt[] = {
    {"--json", NULL, NULL, "print the result as one JSON object on stdout"},
    {NULL, NULL, NULL, NULL},
};

const cli_opt cli_force_opt[] = {
    {"--force", NULL, NULL, "replace an existing output file that this command did not write"},
    {NULL, NULL, NULL, NULL},
};

const cli_opt cli_data_opts[] = {
    {"--time", NULL, "COL[,COL...]", "time column(s): one datetime column or year,month,day,hour[,minute]"},
    {"--time-format", NULL, "FMT", "strptime-style format for layouts not detected automatically"},
    {"--skip-rows", NULL, "N", "lines to skip before the header (default 0)"},
    {"--target", NULL, "COL", "column to forecast"},
    {"--features", NULL, "COL[,COL...]", "input columns (default: every numeric or compass column)"},
    {"--time-features", NULL, "LIST", "add calendar inputs as sin/cos pairs: hour,doy,weekday,month"},
    {"--steps", NULL, "N", "time steps per window (default 168)"},
    {"--horizon", NULL, "N", "forecast N steps after the window's last row (default 1)"},
    {"--horizons", NULL, "N", "forecast N steps at once: horizon .. horizon + N - 1 (default 1)"},
    {"--target-mode", NULL, "MODE", "learn the value (level), its change from the last value (delta), or auto: delta when the target is an input (default auto)"},
    {"--target-time-features", NULL, "LIST", "add calendar inputs of the forecast time (row time + horizon): hour,doy,weekday,month, or none (default: hour,doy when --horizons > 1, else none)"},
    {"--split", NULL, "TRAIN,VAL", "chronological split fractions, rest is test (default 0.7,0.2)"},
    {"--max-gap", NULL, "N", "fill gaps of up to N missing steps by interpolation (default 6; longer gaps split the series: no window spans them)"},
    {NULL, NULL, NULL, NULL},
};

const cli_opt cli_model_opts[] = {
    {"--units", NULL, "N", "LSTM units (default 128)"},
    {"--epochs", NULL, "N", "maximum epochs (default 20)"},
    {"--batch", NULL, "N", "windows per Adam step (default 16)"},
    {"--lr", NULL, "X", "Adam learning rate (default 0.001)"},
    {"--patience", NULL, "N", "stop after N epochs without a better val_loss; 0 = never (default 5)"},
    {"--seed", NULL, "N", "seed of the initial weights and the shuffling (default 42)"},
    {"--intervals", NULL, "LEVELS", "prediction intervals at these per cents, calibrated on the validation split (default 80,95; none for none)"},
    {"--clip", NULL, "X", "clip the gradient to global L2 norm X; 0 = never (default 0)"},
    {"--lr-decay", NULL, "F", "multiply the learning rate by F after --lr-patience epochs without a better val_loss; 1 = constant (default 0.5)"},
    {"--lr-patience", NULL, "N", "epochs without a better val_loss before the rate is lowered (default 2)"},
    {"--min-lr", NULL, "X", "never lower the learning rate below X (default 1e-6)"},
    {"--sampling", NULL, "MODE", "a batch's windows: uniform over every window, or series: an equal share of every file (several files; default uniform)"},
    {NULL, NULL, NULL, NULL},
};

int cli_read_model_opts(const cli_ctx *ctx, elstm_train_opts *o)
{
    long v;
    elstm_train_opts_default(o);
    o->threads = cli_default_threads();
    o->batch = CLI_DEFAULT_BATCH;
    o->lr_patience = 2;
    o->min_lr = 1e-6;
#define INT_OPT(name, field, lo, hi) \
    v = o->field; if (cli_get_int(ctx, name, lo, hi, &v)) return CLI_EXIT_USAGE; o->field = (int)v;
    INT_OPT("--units", units, 1, 4096)
    INT_OPT("--epochs", epochs, 1, 100000)
    INT_OPT("--batch", batch, 1, 65536)
    INT_OPT("--patience", patience, 0, 100000)
    INT_OPT("--threads", threads, 1, ELSTM_MAX_THREADS)
    INT_OPT("--lr-patience", lr_patience, 1, 100000)
#undef INT_OPT
    if (cli_get_double(ctx, "--lr", 1e-12, 1e38, &o->lr)) return CLI_EXIT_USAGE;
    if (cli_get_double(ctx, "--clip", 0, 1e38, &o->clip_norm)) return CLI_EXIT_USAGE;
    if (cli_get_double(ctx, "--min-lr", 0, 1e38, &o->min_lr)) return CLI_EXIT_USAGE;
    double decay = CLI_DEFAULT_LR_DECAY;
    if (cli_get_double(ctx, "--lr-decay", 1e-6, 1.0, &decay)) return CLI_EXIT_USAGE;
    o->lr_factor = decay < 1.0 ? decay : 0.0;
    uint64_t seed = o->seed;
    if (cli_get_u64(ctx, "--seed", &seed)) return CLI_EXIT_USAGE;
    o->seed = seed;
    return cli_get_sampling(ctx, &o->sampling);
}

int cli_get_sampling(const cli_ctx *ctx, int *sampling)
{
    const char *smp = cli_get(ctx, "--sampling");
    if (smp && strcmp(smp, "uniform") != 0 && strcmp(smp, "series") != 0)
        return cli_usage_error(ctx, "option '--sampling' must be uniform (every window of every file alike) or "
                                    "series (every batch an equal share of each file), not '%s'", smp);
    *sampling = smp && !strcmp(smp, "series") ? ELSTM_SAMPLING_SERIES : ELSTM_SAMPLING_UNIFORM;
    return 0;
}

int cli_sampling_needs_series(const cli_ctx *ctx, const elstm_train_opts *o, int n_series, const char *what)
{
    if (o->sampling != ELSTM_SAMPLING_SERIES || n_series > 1) return 0;
    return cli_usage_error(ctx, "--sampling series draws every batch equally from several series, but %s "
                                "(give several files, or leave --sampling at uniform)", what);
}

static const cli_opt *find_opt(const cli_command *cmd, const char *arg, size_t len)
{
    if (!cmd->opt_groups) return NULL;
    for (const cli_opt *const *g = cmd->opt_groups; *g; g++)
        for (const cli_opt *o = *g; o->name; o++) {
            if (strlen(o->name) == len && strncmp(o->name, arg, len) == 0) return o;
            if (o->alias && strlen(o->alias) == len && strncmp(o->alias, arg, len) == 0) return o;
        }
    return NULL;
}

const char *cli_escape(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    if (!n) return buf;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < n; p++) {
        if (*p == '\n') o += (size_t)snprintf(buf + o, n - o, "\\n");
        else if (*p == '\t') o += (size_t)snprintf(buf + o, n - o, "\\t");
        else if (*p == '\r') o += (size_t)snprintf(buf + o, n - o, "\\r");
        else if (*p < 0x20 || *p == 0x7f) o += (size_t)snprintf(buf + o, n - o, "\\x%02X", *p);
        else buf[o++] = (char)*p;
    }
    buf[o] = '\0';
    return buf;
}

void cli_put_escaped(FILE *f, const char *s)
{
    char buf[256];
    for (const char *p = s; *p;) {
        size_t k = strnlen(p, 48);   /* escaped, 48 bytes take at most 192 */
        char chunk[49];
        memcpy(chunk, p, k);
        chunk[k] = '\0';
        fputs(cli_escape(chunk, buf, sizeof buf), f);
        p += k;
    }
}

/* "PREFIX" + the formatted message, escaped, + "SUFFIX\n" on stderr: one line whatever the
 * file names and metadata in it hold. */
static void vmessage(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fputs(prefix, stderr);
    cli_put_escaped(stderr, msg);
    fputs(suffix, stderr);
    fputc('\n', stderr);
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
    char prefix[64], suffix[64];
    snprintf(prefix, sizeof prefix, "edgelstm %s: ", ctx->cmd->name);
    snprintf(suffix, sizeof suffix, " (see 'edgelstm help %s')", ctx->cmd->name);
    va_list ap;
    va_start(ap, fmt);
    vmessage(prefix, suffix, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cmd = cmd;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            const cli_opt *o = find_opt(cmd, a, len);
            if (!o) return cli_usage_error(ctx, "unknown option '%.*s'", (int)len, a);
            const char *v = NULL;
            if (o->arg) {
                if (eq) v = eq + 1;
                else if (i + 1 < argc) v = argv[++i];
                else return cli_usage_error(ctx, "option '%s' needs a value (%s)", o->name, o->arg);
            } else if (eq) {
                return cli_usage_error(ctx, "option '%s' takes no value", o->name);
            }
            if (ctx->nopts >= CLI_MAX_OPTS) return cli_usage_error(ctx, "too many options");
            ctx->opt[ctx->nopts] = o;
            ctx->val[ctx->nopts] = v;
            ctx->nopts++;
            continue;
        }
        if (ctx->npos >= CLI_MAX_POS || ctx->npos >= cmd->max_pos)
            return cli_usage_error(ctx, "unexpected argument '%s'", a);
        ctx->pos[ctx->npos++] = a;
    }
    if (ctx->npos < cmd->min_pos)
        return cli_usage_error(ctx, "missing argument; usage: edgelstm %s %s", cmd->name, cmd->usage);
    return 0;
}

int cli_has(const cli_ctx *ctx, const char *name)
{
    for (int i = 0; i < ctx->nopts; i++)
        if (strcmp(ctx->opt[i]->name, name) == 0) return 1;
    return 0;
}

const char *cli_get(const cli_ctx *ctx, const char *name)
{
    const char *v = NULL;
    for (int i = 0; i < ctx->nopts; i++)
        if (strcmp(ctx->opt[i]->name, name) == 0) v = ctx->val[i];
    return v;
}

int cli_get_int(const cli_ctx *ctx, const char *name, long lo, long hi, long *out)
{
    const char *v = cli_get(ctx, name);
    if (!v) return 0;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return cli_usage_error(ctx, "option '%s' must be an integer from %ld to %ld, not '%s'", name,
                               lo, hi, v);
    *out = x;
    return 0;
}

int cli_get_u64(const cli_ctx *ctx, const char *name, uint64_t *out)
{
    const char *v = cli_get(ctx, name);
    if (!v) return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-')
        return cli_usage_error(ctx, "option '%s' must be a non-negative integer, not '%s'", name, v);
    *out = (uint64_t)x;
    return 0;
}

int cli_get_double(const cli_ctx *ctx, const char *name, double lo, double hi, double *out)
{
    const char *v = cli_get(ctx, name);
    if (!v) return 0;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x) || x < lo || x > hi)
        return cli_usage_error(ctx, "option '%s' must be a number from %g to %g, not '%s'", name, lo,
                               hi, v);
    *out = x;
    return 0;
}

int cli_get_levels(const cli_ctx *ctx, const char *name, const char *dflt, cli_levels *lv)
{
    const char *v = cli_get(ctx, name);
    if (!v) v = dflt;
    lv->n = 0;
    if (strcmp(v, "none") == 0) return 0;
    for (const char *p = v;;) {
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        if (end == p || errno || (*end && *end != ',') || !(x > 0 && x < 100) ||
            (lv->n > 0 && !(x > lv->level[lv->n - 1])) || lv->n == CLI_MAX_LEVELS)
            return cli_usage_error(ctx,
                                   "option '%s' takes up to %d interval levels in per cent, each above 0, below "
                                   "100 and above the one before (e.g. 80,95), or none; not '%s'",
                                   name, CLI_MAX_LEVELS, v);
        lv->level[lv->n++] = x;
        if (!*end) break;
        p = end + 1;
    }
    return 0;
}

int cli_levels_fit(const cli_ctx *ctx, const char *name, const char *path, size_t nval, cli_levels *lv)
{
    const int given = cli_get(ctx, name) != NULL;
    char left[160] = "", need[160] = "";
    size_t ll = 0, nl = 0;
    int kept = 0, dropped = 0;
    for (int l = 0; l < lv->n; l++) {
        const size_t k = elstm_conformal_min_windows(lv->level[l]);
        if (nval >= k) {
            lv->level[kept++] = lv->level[l];
            continue;
        }
        if (given)
            return cli_error("%s: %zu validation window%s too few for a %g%% interval (it needs at least %zu); "
                             "use a larger --split VAL, lower levels or %s none", path, nval,
                             nval == 1 ? " is" : "s are", lv->level[l], k, name);
        ll += (size_t)snprintf(left + ll, sizeof left - ll, "%s%g%%", dropped ? " and " : "", lv->level[l]);
        nl += (size_t)snprintf(need + nl, sizeof need - nl, "%s%g%% needs %zu", dropped ? ", " : "", lv->level[l], k);
        dropped++;
    }
    if (dropped)
        fprintf(stderr, "No %s interval%s: %zu validation window%s too few (%s; %s none leaves them out)\n", left,
                dropped == 1 ? "" : "s", nval, nval == 1 ? " is" : "s are", need, name);
    lv->n = kept;
    return 0;
}

int cli_fail(elstm_status s, const elstm_diag *diag)
{
    cli_error("%s", diag && diag->status != ELSTM_OK && diag->msg[0] ? diag->msg : elstm_status_str(s));
    return s == ELSTM_ERR_ARG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("edgelstm: ", "", fmt, ap);
    va_end(ap);
    return CLI_EXIT_FAIL;
}

int cli_is_edgelstm_model(const char *path)
{
    elstm_tflite_model *m = NULL;
    int ours = elstm_tflite_load(path, &m, NULL) == ELSTM_OK && elstm_tflite_find_metadata(m, ELSTM_META_NAME);
    elstm_tflite_free(m);
    return ours;
}

int cli_check_output(const char *path, const elstm_output_rules *r)
{
    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_status s = elstm_output_check(path, r, &diag);
    return s == ELSTM_OK ? 0 : cli_fail(s, &diag);
}

int cli_read_data_opts(const cli_ctx *ctx, const char *path, elstm_data_opts *o)
{
    elstm_data_opts_default(o);
    o->path = path;
    o->time_cols = cli_get(ctx, "--time");
    o->time_format = cli_get(ctx, "--time-format");
    o->target = cli_get(ctx, "--target");
    o->features = cli_get(ctx, "--features");
    o->time_features = cli_get(ctx, "--time-features");
    o->target_time_features = cli_get(ctx, "--target-time-features");
    const char *mode = cli_get(ctx, "--target-mode");
    if (mode) {
        if (strcmp(mode, "level") == 0) o->target_mode = ELSTM_TARGET_LEVEL;
        else if (strcmp(mode, "delta") == 0) o->target_mode = ELSTM_TARGET_DELTA;
        else if (strcmp(mode, "auto") == 0) o->target_mode = ELSTM_TARGET_AUTO;
        else return cli_usage_error(ctx, "option '--target-mode' must be level, delta or auto, not '%s'", mode);
    }
    long v;
    v = o->skip_rows;
    if (cli_get_int(ctx, "--skip-rows", 0, ELSTM_MAX_SKIP_ROWS, &v)) return CLI_EXIT_USAGE;
    o->skip_rows = (int)v;
    v = o->steps;
    if (cli_get_int(ctx, "--steps", 1, ELSTM_MAX_STEPS, &v)) return CLI_EXIT_USAGE;
    o->steps = (int)v;
    v = o->horizon;
    if (cli_get_int(ctx, "--horizon", 1, ELSTM_MAX_HORIZON, &v)) return CLI_EXIT_USAGE;
    o->horizon = (int)v;
    v = o->horizons;
    if (cli_get_int(ctx, "--horizons", 1, ELSTM_MAX_HORIZONS, &v)) return CLI_EXIT_USAGE;
    o->horizons = (int)v;
    v = o->max_gap;
    if (cli_get_int(ctx, "--max-gap", 0, ELSTM_MAX_GAP_STEPS, &v)) return CLI_EXIT_USAGE;
    o->max_gap = (int)v;
    const char *split = cli_get(ctx, "--split");
    if (split) {
        char *end;
        double a = strtod(split, &end), b = -1;
        if (*end == ',') b = strtod(end + 1, &end);
        if (*end || !(a > 0 && a < 1) || !(b >= 0 && b < 1) || a + b >= 1.0)
            return cli_usage_error(ctx,
                                   "option '--split' must be TRAIN,VAL fractions with TRAIN > 0, "
                                   "VAL >= 0 and TRAIN + VAL < 1 (e.g. 0.7,0.2), not '%s'",
                                   split);
        o->split_train = a;
        o->split_val = b;
    }
    return 0;
}

int cli_print_json(void *value)
{
    json_t *j = value;
    if (!j) return cli_error("out of memory");
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
    json_decref(j);
    if (!s) return cli_error("out of memory");
    puts(s);
    free(s);
    return 0;
}

volatile sig_atomic_t cli_stop = 0;

static void on_stop_signal(int sig)
{
    cli_stop = 1;
    signal(sig, SIG_DFL); /* a second signal ends the process at once */
}

void cli_catch_stop(int on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on ? on_stop_signal : SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
