/* cmd_train.c - `edgelstm train FILE [data options] [model options] -o MODEL.tflite [--json]`.
 *
 * Progress goes to stderr (stdout carries only the --json summary): on a terminal a live
 * bar per epoch redrawn in place, then one Keras-style line per epoch; plain lines
 * otherwise. After each epoch the best model so far (MODEL) and a checkpoint
 * (MODEL.ckpt) are written atomically; the checkpoint is removed when training ends
 * normally and kept after an interruption or a failure, for --resume.
 *
 * Test hooks (environment, used by tests/train/): ELSTM_TEST_STOP_AFTER_EPOCH=N acts as
 * if SIGINT arrived after epoch N; ELSTM_TEST_POISON_AFTER_EPOCH=N puts a NaN into the
 * training inputs after epoch N (a run that blows up). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "edgelstm/clock.h"
#include "cmd_eval.h"
#include "edgelstm/fileio.h"

static const cli_opt output_opt[] = {
    {"--output", "-o", "MODEL.tflite", "the model file to write (required)"},
    {NULL, NULL, NULL, NULL},
};
/* --threads: with cli_model_opts (common.c), the options `fleet` passes to every task. */
const cli_opt cli_train_opts[] = {
    {"--threads", NULL, "N", "worker threads (default: all cores); results depend on it, except with --deterministic"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt run_opts[] = {
    {"--resume", NULL, NULL, "continue an interrupted run from MODEL.tflite.ckpt"},
    {"--stateful", NULL, NULL, "a streaming model: one LSTM step per new sample, the state kept (--batch streams, chunks of --steps)"},
    {"--deterministic", NULL, NULL, "exact gradient sums: the same model for any --threads (and as edgelstm-mpi)"},
    {"--export-windows", NULL, "FILE", "write the prepared windows for other frameworks and exit"},
    {"--report", NULL, "REPORT.html", "at the end, write the HTML report of the model on FILE (edgelstm report)"},
    {"--scaler", NULL, "KIND", "several FILEs: one scaler over all their training parts (global), or each file its own, all stored in the model (series) (default global)"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {cli_data_opts, output_opt, cli_model_opts, cli_train_opts, run_opts,
                                        cli_force_opt, cli_json_opt, NULL};

#define WINDOWS_MAGIC "ELSTMWIN1 "

static int is_windows_file(const char *path)
{
    FILE *f = NULL;
    char head[sizeof WINDOWS_MAGIC] = "";
    int ok = elstm_open_input(path, &f, NULL) == ELSTM_OK && fread(head, 1, strlen(WINDOWS_MAGIC), f) == strlen(WINDOWS_MAGIC) &&
             memcmp(head, WINDOWS_MAGIC, strlen(WINDOWS_MAGIC)) == 0;
    if (f) fclose(f);
    return ok;
}

static void fmt_secs(double s, char *buf, size_t n)
{
    if (s < 60) snprintf(buf, n, "%.0fs", s);
    else if (s < 3600) snprintf(buf, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else snprintf(buf, n, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

typedef struct progress {
    int tty;
    double epoch_t0, last_draw;
    const char *model_path;
    int monitor_val;          /* the run has validation windows */
    elstm_meta *meta;         /* the data's metadata, with the training record written into it */
    int saved_epoch;          /* epoch whose weights MODEL holds (0 = none yet) */
    int resuming;             /* --resume: say so before the first epoch line */
    int stop_after, poison_after;
    float *x;                 /* training inputs (the poison hook writes here) */
    void *epoch_seconds;      /* json array of the epochs run in this process */
} progress;

static void on_batch(void *user, int epoch, size_t batch, size_t batches, double loss)
{
    progress *p = user;
    if (!p->tty) return;
    double t = elstm_now_s();
    if (batch != batches && t - p->last_draw < 0.1) return;
    p->last_draw = t;
    int width = 24, done = (int)((double)width * (double)batch / (double)batches);
    char bar[32], eta[16], lb[24];
    for (int k = 0; k < width; k++) bar[k] = k < done ? '=' : (k == done ? '>' : '.');
    bar[width] = '\0';
    double el = t - p->epoch_t0;
    fmt_secs(batch ? el / (double)batch * (double)(batches - batch) : 0, eta, sizeof eta);
    fprintf(stderr, "\r\033[KEpoch %d [%s] %zu/%zu - ETA %s - loss: %s", epoch, bar, batch, batches, eta,
            cli_fmt_loss(loss, lb, sizeof lb));
    fflush(stderr);
}

static elstm_status on_epoch(void *user, const elstm_trainer *tr, const elstm_epoch_info *e, elstm_diag *diag)
{
    progress *p = user;
    if (e->improved) { /* MODEL always holds the best weights so far */
        elstm_lstm_f32 m;
        elstm_trainer_best_model(tr, &m);
        elstm_trainer_record(tr, NULL, p->monitor_val, &p->meta->training);
        elstm_status s = elstm_forecaster_save(p->model_path, &m, p->meta->steps, p->meta, diag);
        if (s != ELSTM_OK) return s;
        p->saved_epoch = e->epoch;
    }
    json_array_append_new(p->epoch_seconds, json_real(e->seconds));
    char secs[16], lb[24], vb[24];
    fmt_secs(e->seconds, secs, sizeof secs);
    if (p->tty) fprintf(stderr, "\r\033[K");
    if (p->resuming) {
        fprintf(stderr, "Resumed after epoch %d\n", e->epoch - 1);
        p->resuming = 0;
    }
    fprintf(stderr, "Epoch %d/%d - %s - loss: %s", e->epoch, e->epochs, secs, cli_fmt_loss(e->loss, lb, sizeof lb));
    if (!isnan(e->val_loss)) fprintf(stderr, " - val_loss: %s", cli_fmt_loss(e->val_loss, vb, sizeof vb));
    fprintf(stderr, "%s\n", e->improved ? " (best, saved)" : "");
    fflush(stderr);
    p->epoch_t0 = elstm_now_s(); /* the next epoch's bar measures from here */
    if (p->stop_after == e->epoch) cli_stop = 1;
    if (p->poison_after == e->epoch) p->x[0] = NAN;
    return ELSTM_OK;
}

/* --export-windows: a small binary file other frameworks read (bench/train_frameworks.py):
 *   line 1: "ELSTMWIN1 rows n_input steps horizon n_train n_val n_test target_min target_max\n"
 *   float32 x[rows][n_input] (normalized), float32 y[rows] (normalized target, NaN if missing),
 *   int64 starts of the train, val and test windows; all little-endian. */
static int export_windows(const char *path, const elstm_dataset *ds)
{
    elstm_atomic_file af;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    float *yn = elstm_dataset_targets_norm(ds);
    if (!yn) return cli_error("out of memory");
    elstm_status s = elstm_atomic_open(&af, path, &diag);
    if (s != ELSTM_OK) {
        free(yn);
        return cli_fail(s, &diag);
    }
    fprintf(af.f, WINDOWS_MAGIC "%zu %d %d %d %zu %zu %zu %.17g %.17g\n", ds->rows, ds->n_inputs, ds->meta.steps,
            ds->meta.horizon, ds->n_win[0], ds->n_win[1], ds->n_win[2], ds->meta.target_min, ds->meta.target_max);
    fwrite(ds->x, sizeof(float), ds->rows * (size_t)ds->n_inputs, af.f);
    fwrite(yn, sizeof(float), ds->rows, af.f);
    free(yn);
    for (int sp = 0; sp < ELSTM_SPLITS; sp++)
        for (size_t k = 0; k < ds->n_win[sp]; k++) {
            int64_t v = (int64_t)ds->win_start[sp][k];
            fwrite(&v, sizeof v, 1, af.f);
        }
    if (ferror(af.f)) {
        int e = errno;
        elstm_atomic_abort(&af);
        return cli_error("%s: cannot write the windows: %s", path, strerror(e));
    }
    if ((s = elstm_atomic_commit(&af, &diag)) != ELSTM_OK) return cli_fail(s, &diag);
    fprintf(stderr, "Wrote %zu rows x %d inputs and %zu/%zu/%zu windows to %s\n", ds->rows, ds->n_inputs,
            ds->n_win[0], ds->n_win[1], ds->n_win[2], path);
    return 0;
}

static int env_int(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : 0;
}

/* Before anything is computed: the files train writes may be written (cli_check_output:
 * not an input, not a file of another kind unless --force), and --resume has its
 * checkpoint. Fills ckpt with MODEL.ckpt. Returns 0 or the exit status (message printed). */
static int check_outputs(const cli_ctx *ctx, const char *out, const char *exp, const char *report, int resume,
                         char *ckpt, size_t ckpt_size)
{
    const int force = cli_has(ctx, "--force");
    const char *inputs[CLI_MAX_POS + 1] = {NULL};   /* every input file, NULL-ended */
    for (int i = 0; i < ctx->npos && i < CLI_MAX_POS; i++) inputs[i] = ctx->pos[i];
    int rc;
    if (exp) {
        elstm_output_rules r = {"--export-windows", inputs, force, 0, 1, is_windows_file, "a windows file edgelstm wrote"};
        return cli_check_output(exp, &r);
    }
    elstm_output_rules r = {"-o", inputs, force, 0, 0, cli_is_edgelstm_model, "a model edgelstm wrote"};
    if ((rc = cli_check_output(out, &r))) return rc;
    /* MODEL.ckpt: written after each epoch, removed at the end; --resume reads it */
    const char *slash = strrchr(out, '/');
    size_t base = strlen(slash ? slash + 1 : out);
    if (base + 5 > 255)
        return cli_error("the model file name given to -o is %zu bytes long; train also writes MODEL.ckpt "
                         "beside it and file names take at most 255 bytes, so give one of at most 250",
                         base);
    snprintf(ckpt, ckpt_size, "%s.ckpt", out);
    struct stat st;
    if (resume && stat(ckpt, &st) != 0)
        return cli_error("%s: no checkpoint to resume from (it is written after each epoch and removed "
                         "when a run ends normally); run without --resume to start again", ckpt);
    if (stat(ckpt, &st) == 0 && !S_ISREG(st.st_mode))
        return cli_error("%s: is %s, but train keeps its checkpoint in a file of this name beside -o %s; "
                         "move it away or choose another -o", ckpt,
                         S_ISDIR(st.st_mode) ? "a folder" : "not a regular file", out);
    r.is_ours = elstm_checkpoint_is;
    r.ours = "a checkpoint edgelstm wrote";
    r.force = force || resume;   /* --resume reads it first: a file that is not one is refused by name */
    if ((rc = cli_check_output(ckpt, &r))) return rc;
    const char *report_inputs[] = {ctx->pos[0], out, ckpt, NULL};
    if (report && (rc = cli_check_report_output(report, "--report", report_inputs, force))) return rc;
    return 0;
}

static void progress_start(progress *pr, const char *out, elstm_meta *meta, const elstm_windows *wtr,
                           int monitor_val, int resume)
{
    pr->tty = isatty(STDERR_FILENO);
    pr->model_path = out;
    pr->monitor_val = monitor_val;
    pr->meta = meta;
    pr->stop_after = env_int("ELSTM_TEST_STOP_AFTER_EPOCH");
    pr->poison_after = env_int("ELSTM_TEST_POISON_AFTER_EPOCH");
    pr->x = (float *)wtr->x; /* the rows training reads */
    if (resume) pr->saved_epoch = -1; /* from the earlier run; the checkpoint says which */
    pr->resuming = resume;
    pr->epoch_t0 = elstm_now_s();
}

/* A fit that ended early: one sentence saying what happened, what MODEL holds and what
 * to do next. */
static int fit_failed(elstm_status s, const elstm_diag *diag, const elstm_train_result *res, const char *out,
                      const char *ckpt, int monitor_val)
{
    char vb[24];
    if (s != ELSTM_ERR_INTERRUPTED && s != ELSTM_ERR_NUMERIC) return cli_fail(s, diag);
    if (s == ELSTM_ERR_NUMERIC) unlink(ckpt); /* resuming would repeat the same steps */
    if (res->best_epoch > 0)
        return cli_error("%s; %s holds the best weights so far (epoch %d, %s %s)%s", diag->msg, out, res->best_epoch,
                         monitor_val ? "val_loss" : "loss", cli_fmt_loss(res->best_val_loss, vb, sizeof vb),
                         s == ELSTM_ERR_INTERRUPTED ? "; continue with the same command and --resume" : "");
    return cli_error("%s, before the first epoch ended; no model was written", diag->msg);
}

void cli_intervals_print(FILE *f, const elstm_meta *meta)
{
    fprintf(f, "Intervals from %zu validation windows:", meta->n_calib);
    for (int l = 0; l < meta->n_intervals; l++)
        fprintf(f, " %g%% +-%.4g", meta->intervals[l].level, meta->intervals[l].halfwidth[0]);
    fprintf(f, "%s %s\n", elstm_meta_outputs(meta) > 1 ? " (first step)" : "", meta->target);
}

/* A fit that completed: say how it ended, write MODEL (once more: a resumed run whose best
 * epoch came before the resume has it too), remove the checkpoint, evaluate the test
 * split, and print the --json summary. */
static int fit_done(const elstm_trainer *tr, const elstm_train_result *res, const elstm_train_opts *topts,
                    elstm_dataset *ds, int nds, const cli_levels *lv, const char *out, int resume,
                    json_t **summary, const progress *pr)
{
    size_t ntrain = 0, nval = 0, ntest = 0;
    const elstm_dataset **sets = malloc((size_t)nds * sizeof *sets);
    if (!sets) return cli_error("out of memory");
    for (int i = 0; i < nds; i++) {
        sets[i] = &ds[i];
        ntrain += ds[i].n_win[ELSTM_SPLIT_TRAIN];
        nval += ds[i].n_win[ELSTM_SPLIT_VAL];
        ntest += ds[i].n_win[ELSTM_SPLIT_TEST];
    }
    elstm_meta *meta = pr->meta;
    const int val = nval > 0;
    const char *monitor = val ? "val_loss" : "loss";
    char vb[24], secs[16];
    elstm_diag diag;
    elstm_diag_clear(&diag);
    if (resume && res->epochs_run <= res->resumed_from)
        fprintf(stderr, "The checkpoint already holds %d epoch%s%s; nothing left to train (raise --epochs "
                        "to continue)\n", res->resumed_from, res->resumed_from == 1 ? "" : "s",
                res->early_stopped ? " and early stopping had ended the run" : "");
    if (res->early_stopped)
        fprintf(stderr, "Early stopping: %s did not improve for %d epochs; restored the weights of epoch %d (%s %s)\n",
                monitor, topts->patience, res->best_epoch, monitor, cli_fmt_loss(res->best_val_loss, vb, sizeof vb));
    else
        fprintf(stderr, "Restored the weights of the best epoch, %d (%s %s)\n", res->best_epoch, monitor,
                cli_fmt_loss(res->best_val_loss, vb, sizeof vb));
    elstm_lstm_f32 m;
    elstm_trainer_model(tr, &m);
    elstm_trainer_record(tr, res, val, &meta->training);
    elstm_status s = ELSTM_OK;
    if (lv->n > 0) { /* split-conformal intervals from the validation residuals */
        s = elstm_conformal_fit(&m, sets, nds, ELSTM_SPLIT_VAL, lv->level, lv->n, topts->threads, meta, &diag);
        if (s == ELSTM_OK) cli_intervals_print(stderr, meta);
    }
    for (int i = 0; i < nds; i++) { /* evaluation reads the intervals from here */
        ds[i].meta = *meta;
        if (meta->n_series > 0) elstm_meta_series_use(&ds[i].meta, i); /* each series' own scaler */
    }
    if (s == ELSTM_OK) s = elstm_forecaster_save(out, &m, meta->steps, meta, &diag);
    if (s != ELSTM_OK) {
        free(sets);
        return cli_fail(s, &diag);
    }
    unlink(topts->checkpoint);
    double wps = res->train_seconds > 0 ? (double)res->windows_trained / res->train_seconds : 0.0;
    fmt_secs(res->train_seconds, secs, sizeof secs);
    fprintf(stderr, "Wrote %s (%d epoch%s in %s, %.0f windows/s)\n", out, res->epochs_run,
            res->epochs_run == 1 ? "" : "s", secs, wps);

    json_t *test = NULL;
    if (ntest > 0) {
        elstm_eval_result *er = malloc(sizeof *er);
        if (!er || (s = elstm_eval_sets(&m, sets, nds, ELSTM_SPLIT_TEST, topts->threads, er, &diag)) != ELSTM_OK) {
            free(er);
            free(sets);
            return er ? cli_fail(s, &diag) : cli_error("out of memory");
        }
        cli_eval_print(stderr, er, meta->target);
        test = cli_eval_json(er);
        free(er);
    }
    free(sets);
    if (!summary) {
        json_decref(test);
        return 0;
    }
    json_t *o = json_pack("{s:s, s:i, s:i, s:o, s:f, s:f, s:b, s:i}", "model", out, "epochs_run", res->epochs_run,
                          "best_epoch", res->best_epoch,
                          "val_loss", isfinite(res->best_val_loss) && val ? json_real(res->best_val_loss) : json_null(),
                          "train_seconds", res->train_seconds, "windows_per_second", wps,
                          "early_stopped", res->early_stopped, "resumed_from", res->resumed_from);
    if (o) {
        json_object_set_new(o, "windows", json_pack("{s:I, s:I, s:I}", "train", (json_int_t)ntrain,
                                                     "validation", (json_int_t)nval, "test", (json_int_t)ntest));
        json_object_set_new(o, "test", test ? test : json_null());
        json_object_set(o, "epoch_seconds", pr->epoch_seconds);
    } else {
        json_decref(test);
    }
    *summary = o;
    return o ? 0 : cli_error("out of memory");
}

int cli_train_interrupted(void) { return cli_stop != 0; }

/* The first line of a training: what is trained on what. */
/* A stateful epoch is one pass over the training split in chunks: --batch streams make far
 * fewer Adam steps than windowed training's, and its validation loss is noisy and keeps
 * improving late, so it has its own recipe (measured in docs/BENCHMARKS.md, "Stateful vs
 * windowed"): 8 streams, rate 0.005 held constant, up to 500 epochs with patience 30. What
 * the user gives wins. */
static void stateful_defaults(const cli_ctx *ctx, elstm_train_opts *o)
{
    if (!cli_get(ctx, "--batch")) o->batch = 8;
    if (!cli_get(ctx, "--lr")) o->lr = 0.005;
    if (!cli_get(ctx, "--epochs")) o->epochs = 500;
    if (!cli_get(ctx, "--patience")) o->patience = 30;
    if (!cli_get(ctx, "--lr-decay")) o->lr_factor = 0.0;
}

static void announce(const elstm_train_opts *topts, const elstm_dataset *ds, int nf, int stateful, size_t ntrain,
                     size_t nval, size_t ntest, int resume)
{
    const char *th = topts->threads == 1 ? "" : "s", *re = resume ? ", resuming" : "";
    char series[48] = "";
    if (nf > 1) snprintf(series, sizeof series, " of %d series", nf);
    if (stateful)
        fprintf(stderr, "Training a stateful LSTM(%d) + Dense(1) on the %zu rows of the training split, %d inputs, "
                        "as up to %d streams in chunks of %d steps (validation %zu windows, test %zu), %d thread%s%s\n",
                topts->units, ds[0].split_end[ELSTM_SPLIT_TRAIN], ds[0].n_inputs, topts->batch, ds[0].meta.steps, nval,
                ntest, topts->threads, th, re);
    else
        fprintf(stderr, "Training LSTM(%d) + Dense(%d) on %zu windows%s of %d steps x %d inputs (validation %zu, "
                        "test %zu), batch %d, %d thread%s%s\n",
                topts->units, topts->outputs, ntrain, series, ds[0].meta.steps, ds[0].n_inputs, nval, ntest,
                topts->batch, topts->threads, th, re);
}

int cli_train_run(cli_ctx *ctx, void **summary_json)
{
    json_t **summary = (json_t **)summary_json;
    const char *out = cli_get(ctx, "--output"), *exp = cli_get(ctx, "--export-windows");
    const char *report = cli_get(ctx, "--report");
    const int resume = cli_has(ctx, "--resume"), nf = ctx->npos;
    char ckpt[ELSTM_PATH_MAX + 8] = "";
    if (!out && !exp) return cli_usage_error(ctx, "-o MODEL.tflite is required");
    if (!cli_get(ctx, "--target")) return cli_usage_error(ctx, "--target COL is required: the column to forecast");
    if (exp && nf > 1) return cli_usage_error(ctx, "--export-windows writes the windows of one file");
    if (cli_has(ctx, "--stateful") && cli_has(ctx, "--deterministic"))
        return cli_usage_error(ctx, "--deterministic does not apply to --stateful: a stateful model trains its "
                                    "chunks in order, in one process (use one of the two)");
    elstm_data_opts dopts;
    int rc = cli_read_data_opts(ctx, ctx->pos[0], &dopts);
    if (rc) return rc;
    const char *scaler = cli_get(ctx, "--scaler");
    if (scaler && strcmp(scaler, "global") != 0 && strcmp(scaler, "series") != 0)
        return cli_usage_error(ctx, "option '--scaler' must be global (one scaler over every file's training part) "
                                    "or series (each file its own), not '%s'", scaler);
    dopts.scaler_per_series = scaler && strcmp(scaler, "series") == 0;
    /* the windows file holds the values, and a stateful model forecasts the value: a
     * default (auto) target mode is level for both */
    if ((exp || cli_has(ctx, "--stateful")) && !cli_get(ctx, "--target-mode")) dopts.target_mode = ELSTM_TARGET_LEVEL;
    elstm_train_opts topts;
    if ((rc = cli_read_model_opts(ctx, &topts))) return rc;
    if (!exp && (rc = cli_sampling_needs_series(ctx, &topts, nf, "only one file was given"))) return rc;
    if (cli_has(ctx, "--stateful")) stateful_defaults(ctx, &topts);
    cli_levels lv;
    if ((rc = cli_get_levels(ctx, "--intervals", CLI_DEFAULT_INTERVALS, &lv))) return rc;

    /* outputs first: nothing is worth computing for a file that may not be written */
    if ((rc = check_outputs(ctx, out, exp, report, resume, ckpt, sizeof ckpt))) return rc;

    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_dataset *ds = calloc((size_t)nf, sizeof *ds);
    if (!ds) return cli_error("out of memory");
    /* one file, or the series of a global model: same columns, one scaler, own windows */
    elstm_status s = elstm_data_load_series(&dopts, ctx->pos, nf, ds, &diag);
    if (s != ELSTM_OK) {
        free(ds);
        return cli_fail(s, &diag);
    }
    elstm_windows wtr = {0}, wva = {0};
    elstm_trainer *tr = NULL;
    progress pr = {0};
    size_t ntest = 0;
    for (int i = 0; i < nf; i++) ntest += ds[i].n_win[ELSTM_SPLIT_TEST];
    if (exp && (elstm_meta_outputs(&ds[0].meta) > 1 || ds[0].meta.target_mode != ELSTM_TARGET_LEVEL)) {
        rc = cli_usage_error(ctx, "--export-windows writes the windows of a one-output model of the value "
                                  "(--horizons 1 --target-mode level)");
        goto done;
    }
    if (exp) {
        rc = export_windows(exp, &ds[0]);
        goto done;
    }
    if (ds[0].n_win[ELSTM_SPLIT_TRAIN] == 0) {
        rc = cli_error("%s: no training windows: %zu rows on the time grid are too few for windows of "
                       "%d steps + horizon %d in the training split (%.0f%% of the rows)",
                       ds[0].path, ds[0].rows, ds[0].meta.steps, ds[0].meta.horizon, 100.0 * ds[0].meta.split_train);
        goto done;
    }
    const int stateful = cli_has(ctx, "--stateful");
    if (stateful && !cli_get(ctx, "--intervals")) lv.n = 0; /* the default levels are for windowed models */
    size_t nval = 0;
    for (int i = 0; i < nf; i++) nval += ds[i].n_win[ELSTM_SPLIT_VAL];
    if ((rc = cli_levels_fit(ctx, "--intervals", ds[0].path, nval, &lv))) goto done;
    if (stateful && (nf > 1 || elstm_meta_outputs(&ds[0].meta) > 1 || ds[0].meta.target_mode != ELSTM_TARGET_LEVEL ||
                     lv.n > 0)) {
        rc = cli_usage_error(ctx, "--stateful trains a one-output model of the value on one file "
                                  "(--horizons 1 --target-mode level, no --intervals)");
        goto done;
    }
    ds[0].meta.stateful = stateful;
    if ((s = elstm_windows_for_fit(ds, nf, &wtr, &wva, &diag)) != ELSTM_OK) {
        rc = cli_fail(s, &diag);
        goto done;
    }
    topts.checkpoint = ckpt;
    topts.stop = &cli_stop;
    topts.outputs = elstm_meta_outputs(&ds[0].meta);
    if ((s = elstm_trainer_create(&tr, &topts, ds[0].n_inputs, ds[0].meta.steps, &diag)) != ELSTM_OK) {
        rc = cli_fail(s, &diag);
        goto done;
    }
    pr.epoch_seconds = json_array();
    announce(&topts, ds, nf, stateful, wtr.n, wva.n, ntest, resume);
    cli_catch_stop(1);
    elstm_train_callbacks cb = {&pr, on_batch, on_epoch, NULL};
    elstm_train_result res;
    elstm_meta meta = ds[0].meta; /* shared by every series */
    progress_start(&pr, out, &meta, &wtr, wva.n > 0, resume);
    s = stateful ? elstm_trainer_fit_stateful(tr, &ds[0], resume, &cb, &res, &diag) /* --deterministic: exact sums */
                 : elstm_trainer_fit_sets(tr, ds, nf, &wtr, &wva, cli_has(ctx, "--deterministic"), resume, &cb, &res, &diag);
    cli_catch_stop(0);
    if (pr.tty) fprintf(stderr, "\r\033[K");
    rc = s == ELSTM_OK ? fit_done(tr, &res, &topts, ds, nf, &lv, out, resume, summary, &pr)
                       : fit_failed(s, &diag, &res, out, ckpt, wva.n > 0);
    if (report && rc == 0) rc = cli_report(out, ctx->pos[0], report, "--report", NULL, 1, 240.0, 0, cli_has(ctx, "--force"));
done:
    json_decref(pr.epoch_seconds);
    elstm_trainer_free(tr);
    elstm_windows_free(&wtr);
    elstm_windows_free(&wva);
    for (int i = 0; i < nf; i++) elstm_data_free(&ds[i]);
    free(ds);
    return rc;
}

static int run(cli_ctx *ctx)
{
    void *summary = NULL;
    int rc = cli_train_run(ctx, cli_has(ctx, "--json") ? &summary : NULL);
    if (rc == 0 && summary) return cli_print_json(summary);
    json_decref(summary);
    return rc;
}

const cli_command cli_cmd_train = {
    "train", "FILE... [data options] [model options] -o MODEL.tflite [--report REPORT.html] [--json]",
    "train an LSTM forecaster and write it as a .tflite model",
    "Trains LSTM(units) + Dense(N) on the windows of FILE (see 'edgelstm help data' for the\n"
    "data options) the way the seed's Keras run does: mean squared error, Adam (Keras's\n"
    "form and defaults), Keras's initializers, windows shuffled each epoch, validation loss\n"
    "after each epoch, early stopping with the best weights restored. MODEL always holds\n"
    "the best weights so far; MODEL.ckpt (removed at the end) lets an interrupted run\n"
    "continue with --resume. The same --seed, data and --threads give the same bytes\n"
    "(with --deterministic, any --threads: the gradient sums are exact, as in edgelstm-mpi).\n"
    "Ends with the test split's errors beside persistence and seasonal baselines, and with\n"
    "--report, an HTML page of the data, the training and the forecasts (edgelstm report).\n"
    "--horizons N forecasts N steps at once (Dense(N)); --target-mode delta learns the\n"
    "change from the last value; split-conformal prediction intervals from the validation\n"
    "residuals come at 80 and 95 % unless --intervals says otherwise. Several FILEs train\n"
    "one model over all of them (same columns, no window crosses from one file into\n"
    "another; one scaler, or with --scaler series each file its own, all stored).\n"
    "--stateful trains a streaming model that does one LSTM step per new sample and keeps\n"
    "its state: truncated back-propagation through time over --batch parallel streams of\n"
    "the training split in chunks of --steps samples, the state carried between chunks;\n"
    "its defaults differ: --batch 8 --lr 0.005 --epochs 500 --patience 30 --lr-decay 1.\n"
    "See docs/training.md.",
    1, CLI_MAX_POS, groups, run,
};
