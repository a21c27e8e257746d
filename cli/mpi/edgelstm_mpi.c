/* edgelstm_mpi.c - `edgelstm-mpi train FILE... -o MODEL.tflite [options]`: one model trained
 * over many series by MPI processes, each of which loads only its own files (spread by
 * their training windows, see balance()). A second binary (make mpi; build/edgelstm-mpi), so that `edgelstm`
 * has no MPI dependency; the training is the library's deterministic trainer
 * (elstm_trainer_fit_dist), whose sums travel through MPI_Allreduce here.
 *
 * The data of a global model, spread (docs/engine-mpi.md):
 *   each rank loads files f = rank, rank + P, ... (own checks, own scaler) and compares them with file 0's
 *   metadata (broadcast by rank 0): same inputs, target, steps, horizon, interval;
 *   the scaler is the union of every file's training ranges (MPI_MIN / MPI_MAX);
 *   the files are spread again so that every rank has about as many training windows
 *   (balance(); under --sampling series as many series, then windows); each rank loads its
 *   files with that scaler, their windows one after the other;
 *   the per-file window counts are summed so that every rank knows the whole layout.
 * Rank 0 writes the model (file 0's metadata with the common scaler: the same for any
 * number of processes) and the checkpoint; every rank may read the checkpoint to resume.
 * Every phase ends with an agreement (MPI_MAX of the ranks' exit statuses), so a rank
 * that fails says why and the others stop with it instead of waiting.
 */
#include <mpi.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cli.h"
#include "edgelstm/clock.h"
#include "edgelstm/fileio.h"
#include "edgelstm/model.h"
#include "edgelstm/train.h"

static int g_rank, g_size;

static const cli_opt output_opt[] = {
    {"--output", "-o", "MODEL.tflite", "the model file to write (required; rank 0 writes it)"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt mpi_opts[] = {
    {"--files-from", NULL, "LIST", "more series: a text file with one CSV path a line (relative to LIST's folder)"},
    {"--deterministic", NULL, NULL, "exact sums: the same model for any process and thread count (always on)"},
    {"--resume", NULL, NULL, "continue an interrupted run from MODEL.tflite.ckpt (any process count)"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {cli_data_opts, output_opt, cli_model_opts, cli_train_opts, mpi_opts,
                                        cli_force_opt, cli_json_opt, NULL};
static int run_train(cli_ctx *ctx);
static const cli_command cmd_train = {
    "train", "FILE... [--files-from LIST] [data options] [model options] -o MODEL.tflite [--json]",
    "train one LSTM forecaster over many series with MPI processes",
    "Under mpirun: every process loads only its files (file f goes to process f mod P), the\n"
    "gradients of each batch are summed over the processes with MPI_Allreduce, and the\n"
    "model is the same, byte for byte, for any number of processes and threads. --threads\n"
    "is per process (default 1). See docs/engine-mpi.md.",
    0, CLI_MAX_POS, groups, run_train,
};

/* ---- agreement and sums over the processes ------------------------------------------ */

/* The largest exit status of all processes (every process calls it at the same point). */
static int agree(int rc)
{
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return all;
}

typedef struct reduce_stats {
    long calls;
    double seconds;
    size_t values;   /* int64 values per call, largest */
} reduce_stats;

static elstm_status mpi_sum(void *user, int64_t *v, size_t n, elstm_diag *diag)
{
    reduce_stats *st = user;
    double t0 = MPI_Wtime();
    int rc = MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    st->seconds += MPI_Wtime() - t0;
    st->calls++;
    if (n > st->values) st->values = n;
    if (rc != MPI_SUCCESS) return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0, "MPI_Allreduce failed (MPI error %d)", rc);
    return ELSTM_OK;
}

/* ---- the files ------------------------------------------------------------------------ */

typedef struct file_list {
    char **path;
    int n, cap;
} file_list;

static int list_add(file_list *l, const char *p)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        char **np = realloc(l->path, (size_t)cap * sizeof *np);
        if (!np) return cli_error("out of memory");
        l->path = np;
        l->cap = cap;
    }
    if (!(l->path[l->n] = strdup(p))) return cli_error("out of memory");
    l->n++;
    return 0;
}

/* --files-from LIST: one path a line; blank lines and lines starting with # skipped. */
static int list_read(file_list *l, const char *list)
{
    FILE *f = NULL;
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_status s = elstm_open_input(list, &f, &d);
    if (s != ELSTM_OK) return cli_fail(s, &d);
    const char *slash = strrchr(list, '/');
    int dirlen = slash ? (int)(slash - list) + 1 : 0;
    char line[4096], full[8192];
    long ln = 0;
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        ln++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            rc = cli_error("%s:%ld: the line is longer than %zu bytes; give one path a line", list, ln, sizeof line - 2);
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ')) line[--len] = 0;
        if (!len || line[0] == '#') continue;
        if (line[0] == '/') snprintf(full, sizeof full, "%s", line);
        else snprintf(full, sizeof full, "%.*s%s", dirlen, list, line);
        rc = list_add(l, full);
    }
    fclose(f);
    return rc;
}

/* ---- the command ------------------------------------------------------------------------ */

typedef struct state {
    file_list files;
    int *mine_idx, n_mine;     /* the files of this rank */
    int *rank_of;              /* [files] the rank of each file (balance()) */
    uint64_t *split;           /* [2 P] rank 0's count of the batches' windows per rank (batch_split) */
    elstm_dataset *ds;         /* [n_mine] */
    elstm_meta meta;           /* file 0's, with the common scaler */
    elstm_windows wtr, wva;    /* my files' windows over one row matrix */
    elstm_trainer *tr;
} state;

static void state_free(state *st)
{
    for (int i = 0; i < st->n_mine; i++) elstm_data_free(&st->ds[i]);
    free(st->ds);
    free(st->mine_idx);
    free(st->rank_of);
    free(st->split);
    for (int i = 0; i < st->files.n; i++) free(st->files.path[i]);
    free(st->files.path);
    elstm_windows_free(&st->wtr);
    elstm_windows_free(&st->wva);
    elstm_trainer_free(st->tr);
}

static int check_outputs_of(const cli_ctx *ctx, const char **inputs, const char *out, const char *ckpt, int resume);

/* Rank 0: MODEL and MODEL.ckpt may be written (before any work), never onto an input. */
static int check_outputs(const cli_ctx *ctx, const file_list *files, const char *out, const char *ckpt, int resume)
{
    const char **inputs = calloc((size_t)files->n + 1, sizeof *inputs);
    if (!inputs) return cli_error("out of memory");
    for (int i = 0; i < files->n; i++) inputs[i] = files->path[i];
    int rc = check_outputs_of(ctx, inputs, out, ckpt, resume);
    free(inputs);
    return rc;
}

static int check_outputs_of(const cli_ctx *ctx, const char **inputs, const char *out, const char *ckpt, int resume)
{
    struct stat sb;
    if (resume && stat(ckpt, &sb) != 0)
        return cli_error("%s: no checkpoint to resume from (it is written after each epoch and removed when a "
                         "run ends normally); run without --resume to start again", ckpt);
    elstm_output_rules r = {"-o", inputs, cli_has(ctx, "--force"), 0, 0, cli_is_edgelstm_model, "a model edgelstm wrote"};
    int rc = cli_check_output(out, &r);
    if (rc) return rc;
    r.is_ours = elstm_checkpoint_is;
    r.ours = "a checkpoint edgelstm wrote";
    r.force = r.force || resume;
    return cli_check_output(ckpt, &r);
}

/* Which files each rank trains on, so that the ranks' share of a batch is even. Uniform
 * sampling (a batch's windows drawn from all windows alike): every rank's training windows
 * as even as whole files allow (largest file first to the rank with the fewest windows so
 * far; ties to the lower file and the lower rank). Series sampling (every series an equal
 * share of each batch): as many series with training windows on every rank, then the
 * fewest windows (the same order). Step 1's spread (f mod P) only balances files of equal
 * length. The same on every rank: computed from every file's window count. The model does
 * not depend on it (docs/engine-mpi.md). Frees the datasets of step 1; st->mine_idx becomes
 * the new files, in file order; st->rank_of every file's rank. */
static int balance(state *st, int by_series)
{
    const int nf = st->files.n;
    uint64_t *cnt = calloc((size_t)nf + 2 * (size_t)g_size, sizeof *cnt), *load = cnt ? cnt + nf : NULL;
    uint64_t *nser = cnt ? load + g_size : NULL; /* series with training windows on each rank */
    int *order = malloc((size_t)nf * sizeof *order);
    if (!cnt || !order) {
        free(cnt);
        free(order);
        return cli_error("out of memory");
    }
    for (int i = 0; i < st->n_mine; i++) {
        cnt[st->mine_idx[i]] = st->ds[i].n_win[ELSTM_SPLIT_TRAIN];
        elstm_data_free(&st->ds[i]);
    }
    MPI_Allreduce(MPI_IN_PLACE, cnt, nf, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < nf; i++) { /* insertion sort: windows descending, then file index */
        int j = i;
        while (j > 0 && cnt[order[j - 1]] < cnt[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    unsigned char *mine = calloc((size_t)nf, 1);
    st->rank_of = malloc((size_t)nf * sizeof *st->rank_of);
    if (!mine || !st->rank_of) {
        free(mine);
        free(cnt);
        free(order);
        return cli_error("out of memory");
    }
    for (int i = 0; i < nf; i++) {
        int r = 0;
        const int key = by_series && cnt[order[i]] > 0;
        for (int q = 1; q < g_size; q++)
            if ((key && nser[q] < nser[r]) || ((!key || nser[q] == nser[r]) && load[q] < load[r])) r = q;
        load[r] += cnt[order[i]] + 1; /* + 1: files without training windows spread too */
        nser[r] += cnt[order[i]] > 0;
        st->rank_of[order[i]] = r;
        if (r == g_rank) mine[order[i]] = 1;
    }
    st->n_mine = 0;
    for (int f = 0; f < nf; f++)
        if (mine[f]) st->mine_idx[st->n_mine++] = f;
    free(mine);
    free(cnt);
    free(order);
    return 0;
}

static int load_data(state *st, const elstm_data_opts *dopts0, int by_series)
{
    int rc = 0, nf = st->files.n;
    st->mine_idx = calloc((size_t)nf, sizeof *st->mine_idx);
    st->ds = calloc((size_t)nf, sizeof *st->ds);
    if (!st->mine_idx || !st->ds) rc = cli_error("out of memory");
    for (int f = g_rank; !rc && f < nf; f += g_size) st->mine_idx[st->n_mine++] = f;
    /* 1: each file on its own */
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_data_opts o = *dopts0;
    for (int i = 0; !rc && i < st->n_mine; i++) {
        o.path = st->files.path[st->mine_idx[i]];
        elstm_status s = elstm_data_load(&o, &st->ds[i], &d);
        if (s != ELSTM_OK) rc = cli_fail(s, &d);
    }
    if ((rc = agree(rc))) return rc;
    /* 2: file 0's metadata everywhere; every file like it; the union of the scalers */
    if (g_rank == 0) st->meta = st->ds[0].meta;
    MPI_Bcast(&st->meta, (int)sizeof st->meta, MPI_BYTE, 0, MPI_COMM_WORLD);
    elstm_dataset *first = calloc(1, sizeof *first);   /* file 0 as the reference */
    if (!first) rc = cli_error("out of memory");
    else {
        first->meta = st->meta;
        snprintf(first->path, sizeof first->path, "%s", st->files.path[0]);
    }
    for (int i = 0; !rc && i < st->n_mine; i++) {
        elstm_status s = elstm_data_same_inputs(first, &st->ds[i], &d);
        if (s != ELSTM_OK) rc = cli_fail(s, &d);
    }
    free(first);
    if ((rc = agree(rc))) return rc;
    const size_t nv = ELSTM_META_SCALER_VALUES(&st->meta);
    double *lo = malloc(4 * nv * sizeof *lo);
    if (!lo) return agree(cli_error("out of memory"));
    double *hi = lo + nv, *lo1 = hi + nv, *hi1 = lo1 + nv;
    elstm_meta_scaler_export(&st->meta, lo, hi);
    for (int i = 0; i < st->n_mine; i++) {
        elstm_meta_scaler_export(&st->ds[i].meta, lo1, hi1);
        for (size_t k = 0; k < nv; k++) {
            lo[k] = fmin(lo[k], lo1[k]);
            hi[k] = fmax(hi[k], hi1[k]);
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, lo, (int)nv, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, hi, (int)nv, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    elstm_meta_scaler_import(&st->meta, lo, hi);
    free(lo);
    /* 3: the files spread again, balanced by training windows; mine again with the common
     * scaler, their windows over one row matrix */
    if ((rc = agree(balance(st, by_series)))) return rc;
    for (int i = 0; !rc && i < st->n_mine; i++) {
        elstm_status s = elstm_data_load_meta(st->files.path[st->mine_idx[i]], &st->meta, &st->ds[i], &d);
        if (s != ELSTM_OK) rc = cli_fail(s, &d);
    }
    const elstm_dataset **sets = rc ? NULL : malloc((size_t)st->n_mine * sizeof *sets);
    if (!rc && !sets) rc = cli_error("out of memory");
    for (int i = 0; !rc && i < st->n_mine; i++) sets[i] = &st->ds[i];
    elstm_status s = ELSTM_OK;
    if (!rc && ((s = elstm_windows_for_sets(sets, st->n_mine, ELSTM_SPLIT_TRAIN, &st->wtr, NULL, &d)) != ELSTM_OK ||
                (s = elstm_windows_for_sets(sets, st->n_mine, ELSTM_SPLIT_VAL, &st->wva, NULL, &d)) != ELSTM_OK))
        rc = cli_fail(s, &d);
    free(sets);
    return agree(rc);
}

/* Rank 0, before each batch: the windows each rank computes (from the files' ranks), in all
 * and of the busier rank of each batch (a synchronous step waits for it). */
typedef struct batch_split {
    const size_t *goff;      /* [files + 1] first global training window of each file */
    const int *rank_of;      /* [files] */
    int nf;
    uint64_t *here;          /* [P] this batch's windows of each rank */
    uint64_t *drawn;         /* [P] all batches' */
    uint64_t windows, busier; /* every batch's windows; the sum of each batch's largest share */
} batch_split;

static void on_batch_windows(void *user, const size_t *w, size_t n)
{
    batch_split *b = user;
    memset(b->here, 0, (size_t)g_size * sizeof *b->here);
    for (size_t k = 0; k < n; k++) {
        int lo = 0, hi = b->nf - 1;
        while (lo < hi) { /* the file of window w[k] */
            int mid = (lo + hi + 1) / 2;
            if (b->goff[mid] <= w[k]) lo = mid;
            else hi = mid - 1;
        }
        b->here[b->rank_of[lo]]++;
    }
    uint64_t most = 0;
    for (int r = 0; r < g_size; r++) {
        b->drawn[r] += b->here[r];
        if (b->here[r] > most) most = b->here[r];
    }
    b->windows += n;
    b->busier += most;
}

/* Rank 0, after each epoch. ELSTM_TEST_STOP_AFTER_EPOCH=N (tests, as for train) acts as
 * a signal to rank 0 after epoch N: every rank stops at the next batch. */
static elstm_status on_epoch(void *user, const elstm_trainer *tr, const elstm_epoch_info *e, elstm_diag *diag)
{
    (void)user; (void)tr; (void)diag;
    fprintf(stderr, "epoch %d/%d: loss %.6g, val_loss %.6g (%.1f s)%s\n", e->epoch, e->epochs, e->loss, e->val_loss,
            e->seconds, e->improved ? ", best so far" : "");
    const char *stop = getenv("ELSTM_TEST_STOP_AFTER_EPOCH");
    if (stop && atoi(stop) == e->epoch) cli_stop = 1;
    return ELSTM_OK;
}

/* The checks before the data are the same in every process: only rank 0 prints them. */
static int saved_stderr = -1;
static void quiet(int on)
{
    if (g_rank == 0) return;
    fflush(stderr);
    if (on && saved_stderr < 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0) return;
        saved_stderr = dup(2);
        dup2(null, 2);
        close(null);
    } else if (!on && saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
        saved_stderr = -1;
    }
}

/* Split-conformal intervals over the validation windows of every process
 * (elstm_conformal_fit_dist: the half-widths the one-process trainer gives). A failure to
 * forecast is said by its process; a failure of the whole (too few windows) by rank 0. */
static int calibrate(state *st, const elstm_lstm_f32 *m, const cli_levels *lv, int threads)
{
    reduce_stats rs = {0, 0.0, 0}; /* not the training's */
    const elstm_dataset **sets = malloc((size_t)st->n_mine * sizeof *sets);
    if (!sets) return agree(cli_error("out of memory"));
    for (int i = 0; i < st->n_mine; i++) sets[i] = &st->ds[i];
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_status s = elstm_conformal_fit_dist(m, sets, st->n_mine, ELSTM_SPLIT_VAL, lv->level, lv->n, threads, mpi_sum,
                                              &rs, &st->meta, &d);
    free(sets);
    int rc = 0;
    if (s != ELSTM_OK) {
        if ((g_rank != 0 && s == ELSTM_ERR_DATA) || s == ELSTM_ERR_INTERRUPTED) quiet(1);
        rc = cli_fail(s, &d);
        quiet(0);
        return agree(rc);
    }
    if (g_rank == 0) cli_intervals_print(stderr, &st->meta);
    for (int i = 0; i < st->n_mine; i++) st->ds[i].meta = st->meta; /* the test coverage reads them from here */
    return 0;
}

static int run_train(cli_ctx *ctx)
{
    const char *out = cli_get(ctx, "--output"), *from = cli_get(ctx, "--files-from");
    const int resume = cli_has(ctx, "--resume"), json = cli_has(ctx, "--json");
    if (!out) return cli_usage_error(ctx, "-o MODEL.tflite is required");
    if (!cli_get(ctx, "--target")) return cli_usage_error(ctx, "--target COL is required: the column to forecast");
    if (strlen(out) + 6 > ELSTM_PATH_MAX) return cli_error("-o %s: the path is too long", out);
    state st;
    memset(&st, 0, sizeof st);
    int rc = 0;
    for (int i = 0; !rc && i < ctx->npos; i++) rc = list_add(&st.files, ctx->pos[i]);
    if (!rc && from) rc = list_read(&st.files, from);
    if (!rc && st.files.n == 0) rc = cli_usage_error(ctx, "no files: give the CSV files of the series, or --files-from LIST");
    if (!rc && st.files.n < g_size)
        rc = cli_error("%d processes for %d file%s: each process holds at least one series; start at most %d",
                       g_size, st.files.n, st.files.n == 1 ? "" : "s", st.files.n);
    elstm_data_opts dopts;
    elstm_train_opts topts;
    if (!rc) rc = cli_read_data_opts(ctx, st.files.path[0], &dopts);
    if (!rc) rc = cli_read_model_opts(ctx, &topts);
    if (!rc) rc = cli_sampling_needs_series(ctx, &topts, st.files.n, "only one file was given");
    cli_levels lv = {0};
    if (!rc) rc = cli_get_levels(ctx, "--intervals", CLI_DEFAULT_INTERVALS, &lv);
    if (!rc && !cli_get(ctx, "--threads")) topts.threads = 1; /* a process per core */
    char ckpt[ELSTM_PATH_MAX + 8];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", out);
    if (!rc && g_rank == 0) rc = check_outputs(ctx, &st.files, out, ckpt, resume);
    quiet(0); /* from here on each process says what went wrong with its own files */
    if ((rc = agree(rc)) || (rc = load_data(&st, &dopts, topts.sampling == ELSTM_SAMPLING_SERIES))) goto done;

    /* the layout of the series: every file's window counts */
    const int nf = st.files.n;
    uint64_t *cnt = calloc(2 * (size_t)nf, sizeof *cnt);
    size_t *train_n = calloc(2 * (size_t)nf, sizeof *train_n), *val_n = train_n ? train_n + nf : NULL;
    unsigned char *mine = calloc((size_t)nf, 1);
    if (!cnt || !train_n || !mine) {
        free(cnt); free(train_n); free(mine);
        rc = agree(cli_error("out of memory"));
        goto done;
    }
    uint64_t ntest = 0, ntest_all = 0;
    for (int i = 0; i < st.n_mine; i++) {
        int f = st.mine_idx[i];
        mine[f] = 1;
        cnt[f] = st.ds[i].n_win[ELSTM_SPLIT_TRAIN];
        cnt[nf + f] = st.ds[i].n_win[ELSTM_SPLIT_VAL];
        ntest += st.ds[i].n_win[ELSTM_SPLIT_TEST];
    }
    MPI_Allreduce(MPI_IN_PLACE, cnt, 2 * nf, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&ntest, &ntest_all, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    size_t ntrain_all = 0, nval_all = 0;
    for (int f = 0; f < nf; f++) {
        train_n[f] = (size_t)cnt[f];
        val_n[f] = (size_t)cnt[nf + f];
        ntrain_all += train_n[f];
        nval_all += val_n[f];
    }
    free(cnt);
    size_t *goff = calloc((size_t)nf + 1, sizeof *goff);
    st.split = calloc(2 * (size_t)g_size, sizeof *st.split);
    if (!goff || !st.split) {
        free(goff); free(train_n); free(mine);
        rc = agree(cli_error("out of memory"));
        goto done;
    }
    for (int f = 0; f < nf; f++) goff[f + 1] = goff[f] + train_n[f];
    batch_split bs = {goff, st.rank_of, nf, st.split, st.split + g_size, 0, 0};

    elstm_diag d;
    elstm_diag_clear(&d);
    topts.checkpoint = ckpt;
    topts.stop = &cli_stop;
    topts.outputs = elstm_meta_outputs(&st.meta);
    elstm_status s = elstm_trainer_create(&st.tr, &topts, st.meta.n_inputs, st.meta.steps, &d);
    if (s != ELSTM_OK) rc = cli_fail(s, &d);
    if ((rc = agree(rc))) {
        free(train_n); free(mine); free(goff);
        goto done;
    }
    if (g_rank == 0)
        fprintf(stderr, "Training LSTM(%d) + Dense(%d) on %zu windows of %d series of %d steps x %d inputs "
                        "(validation %zu, test %zu), batch %d%s, %d process%s x %d thread%s, deterministic%s\n",
                topts.units, topts.outputs, ntrain_all, nf, st.meta.steps, st.meta.n_inputs, nval_all, (size_t)ntest_all,
                topts.batch, topts.sampling == ELSTM_SAMPLING_SERIES ? " (an equal share of every series)" : "",
                g_size, g_size == 1 ? "" : "es", topts.threads, topts.threads == 1 ? "" : "s",
                resume ? ", resuming" : "");
    reduce_stats rs = {0, 0.0, 0};
    elstm_train_dist dist = {nf, train_n, val_n, mine, mpi_sum, &rs, g_rank == 0};
    elstm_train_callbacks cb = {&bs, NULL, on_epoch, g_rank == 0 ? on_batch_windows : NULL};
    elstm_train_result res;
    cli_catch_stop(1);
    s = elstm_trainer_fit_dist(st.tr, &st.wtr, &st.wva, &dist, resume, &cb, &res, &d);
    cli_catch_stop(0);
    free(train_n);
    free(mine);
    free(goff);
    if (s != ELSTM_OK) {
        /* a stop, a divergence, or the writer's failure reach every rank: rank 0 says it */
        if (g_rank != 0 && (s == ELSTM_ERR_INTERRUPTED || s == ELSTM_ERR_NUMERIC || s == ELSTM_ERR_IO)) quiet(1);
        rc = cli_fail(s, &d);
        quiet(0);
        if (s == ELSTM_ERR_INTERRUPTED && g_rank == 0 && res.epochs_run > 0)
            fprintf(stderr, "edgelstm-mpi: %s holds epoch %d; continue with the same command and --resume\n", ckpt,
                    res.epochs_run);
        rc = agree(rc);
        goto done;
    }

    /* the intervals from the validation residuals of every series (the same everywhere);
     * rank 0 writes the model; every rank measures its test windows */
    elstm_lstm_f32 m;
    elstm_trainer_model(st.tr, &m);
    if (lv.n > 0 && (rc = calibrate(&st, &m, &lv, topts.threads))) goto done;
    if (g_rank == 0) {
        elstm_trainer_record(st.tr, &res, nval_all > 0, &st.meta.training);
        if ((s = elstm_forecaster_save(out, &m, st.meta.steps, &st.meta, &d)) != ELSTM_OK) rc = cli_fail(s, &d);
        else unlink(ckpt);
    }
    /* windows, model SSE, persistence SSE, model |error|, windows x coverage of each level */
    double sums[4 + ELSTM_META_MAX_LEVELS] = {0};
    const int nl = st.meta.n_intervals, ns = 4 + nl;
    for (int i = 0; !rc && i < st.n_mine; i++) {
        if (st.ds[i].n_win[ELSTM_SPLIT_TEST] == 0) continue;
        elstm_eval_result er;
        if ((s = elstm_eval_split(&m, &st.ds[i], ELSTM_SPLIT_TEST, topts.threads, &er, &d)) != ELSTM_OK) {
            rc = cli_fail(s, &d);
            break;
        }
        sums[0] += (double)er.n;
        sums[1] += (double)er.n * er.model.rmse * er.model.rmse;
        sums[2] += (double)er.n * er.persistence.rmse * er.persistence.rmse;
        sums[3] += (double)er.n * er.model.mae;
        for (int l = 0; l < nl; l++) sums[4 + l] += (double)er.n * er.interval[l].coverage;
    }
    if ((rc = agree(rc))) goto done;
    MPI_Allreduce(MPI_IN_PLACE, sums, ns, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    /* each rank's training windows and its time in the all-reduces (waiting for the others
     * included): how even the ranks' work was */
    double here[3] = {(double)st.wtr.n, rs.seconds, st.n_mine};
    double *ranks = g_rank == 0 ? malloc(3 * (size_t)g_size * sizeof *ranks) : NULL;
    if (g_rank == 0 && !ranks) rc = cli_error("out of memory");
    if ((rc = agree(rc))) {
        free(ranks);
        goto done;
    }
    MPI_Gather(here, 3, MPI_DOUBLE, ranks, 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    double wps = res.train_seconds > 0 ? (double)res.windows_trained / res.train_seconds : 0.0;
    double rmse = sums[0] > 0 ? sqrt(sums[1] / sums[0]) : NAN, prmse = sums[0] > 0 ? sqrt(sums[2] / sums[0]) : NAN;
    /* the bounds the ranks' shares put on the speed-up: all batches' windows over the
     * busiest rank's (or, before any batch, over its training windows), and over the sum
     * of each batch's busier rank (a synchronous step waits for it) */
    double share_bound = 0.0, batch_bound = 0.0;
    if (g_rank == 0) {
        double most = 0.0, dmost = 0.0;
        for (int r = 0; r < g_size; r++) {
            most = fmax(most, ranks[3 * r]);
            dmost = fmax(dmost, (double)bs.drawn[r]);
        }
        share_bound = bs.windows ? (double)bs.windows / dmost : most > 0 ? (double)ntrain_all / most : 0.0;
        batch_bound = bs.busier ? (double)bs.windows / (double)bs.busier : share_bound;
        fprintf(stderr, "Wrote %s (%d epochs, best %d, %.1f s, %.0f windows/s; %ld all-reduces of %zu values, "
                        "%.3f s in them)\n", out, res.epochs_run, res.best_epoch, res.train_seconds, wps, rs.calls,
                rs.values, rs.seconds);
        if (g_size > 1) {
            fprintf(stderr, "Training windows per process:");
            for (int r = 0; r < g_size; r++)
                fprintf(stderr, "%s %.0f (%.0f series, %.3f s in all-reduces)", r ? "," : "", ranks[3 * r], ranks[3 * r + 2],
                        ranks[3 * r + 1]);
            fprintf(stderr, "; the batches drew");
            for (int r = 0; r < g_size; r++) fprintf(stderr, "%s %llu", r ? "," : "", (unsigned long long)bs.drawn[r]);
            fprintf(stderr, " windows from them: the largest share bounds the speed-up at %.2fx, the busier process "
                            "of each batch at %.2fx\n", share_bound, batch_bound);
        }
        if (sums[0] > 0)
            fprintf(stderr, "Test: %.0f windows, RMSE %.4g %s (persistence %.4g, ratio %.3f)\n", sums[0], rmse,
                    st.meta.target, prmse, rmse / prmse);
        if (sums[0] > 0 && nl > 0) {
            fprintf(stderr, "Test intervals:");
            for (int l = 0; l < nl; l++)
                fprintf(stderr, "%s %g%% covers %.1f%%", l ? "," : "", st.meta.intervals[l].level,
                        100.0 * sums[4 + l] / sums[0]);
            fprintf(stderr, " (of the forecasts)\n");
        }
        if (json) {
            json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:f, s:f, s:i, s:{s:I, s:I, s:I}, s:{s:I, s:f, s:I}}",
                                  "model", out, "processes", g_size, "threads", topts.threads, "series", nf,
                                  "epochs_run", res.epochs_run, "best_epoch", res.best_epoch, "val_loss",
                                  isfinite(res.best_val_loss) && nval_all ? json_real(res.best_val_loss) : json_null(),
                                  "train_seconds", res.train_seconds, "windows_per_second", wps,
                                  "resumed_from", res.resumed_from,
                                  "windows", "train", (json_int_t)ntrain_all, "validation", (json_int_t)nval_all,
                                  "test", (json_int_t)ntest_all,
                                  "allreduce", "calls", (json_int_t)rs.calls, "seconds", rs.seconds,
                                  "values", (json_int_t)rs.values);
            json_t *iv = o ? json_array() : NULL;
            for (int l = 0; iv && l < nl; l++)
                json_array_append_new(iv, json_pack("{s:f, s:f, s:o}", "level", st.meta.intervals[l].level,
                                                    "halfwidth", st.meta.intervals[l].halfwidth[0], "test_coverage",
                                                    sums[0] > 0 ? json_real(sums[4 + l] / sums[0]) : json_null()));
            if (iv) json_object_set_new(o, "intervals", iv);
            if (o && sums[0] > 0)
                json_object_set_new(o, "test", json_pack("{s:f, s:f, s:f, s:f}", "rmse", rmse, "mae", sums[3] / sums[0],
                                                         "persistence_rmse", prmse, "rmse_ratio", rmse / prmse));
            json_t *rk = o ? json_array() : NULL;
            for (int r = 0; rk && r < g_size; r++)
                json_array_append_new(rk, json_pack("{s:I, s:I, s:I, s:f}", "series", (json_int_t)ranks[3 * r + 2],
                                                    "train_windows", (json_int_t)ranks[3 * r],
                                                    "batch_windows", (json_int_t)bs.drawn[r],
                                                    "allreduce_seconds", ranks[3 * r + 1]));
            if (rk) json_object_set_new(o, "ranks", rk);
            if (o)
                json_object_set_new(o, "balance", json_pack("{s:s, s:f, s:f}", "sampling",
                                                            topts.sampling == ELSTM_SAMPLING_SERIES ? "series" : "uniform",
                                                            "share_bound", share_bound, "batch_bound", batch_bound));
            rc = o ? cli_print_json(o) : cli_error("out of memory");
        }
    }
    free(ranks);
    rc = agree(rc);
done:
    state_free(&st);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mpirun [-np P] edgelstm-mpi train %s\n\n%s\n\n%s\n\noptions:\n", cmd_train.usage,
            cmd_train.summary, cmd_train.description);
    for (const cli_opt *const *g = cmd_train.opt_groups; *g; g++)
        for (const cli_opt *o = *g; o->name; o++) {
            char left[64];
            snprintf(left, sizeof left, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "", o->name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
            fprintf(f, "  %-26s %s\n", left, o->help);
        }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    cli_init_texts();
    int rc;
    if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
        if (g_rank == 0) printf("edgelstm-mpi %s\n", ELSTM_VERSION);
        rc = 0;
    } else if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
                             (!strcmp(argv[1], "train") && argc >= 3 && !strcmp(argv[2], "--help")))) {
        if (g_rank == 0) usage(stdout);
        rc = 0;
    } else if (argc < 2 || strcmp(argv[1], "train")) {
        if (g_rank == 0) {
            fprintf(stderr, "edgelstm-mpi: the command is 'train' (one model over many series)\n");
            usage(stderr);
        }
        rc = CLI_EXIT_USAGE;
    } else {
        cli_ctx ctx;
        quiet(1);
        rc = cli_parse(&cmd_train, argc - 2, argv + 2, &ctx);  /* the same on every rank */
        if (!rc) rc = run_train(&ctx);
        quiet(0);
    }
    fflush(stdout);
    MPI_Finalize();
    return rc;
}
