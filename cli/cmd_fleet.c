/* cmd_fleet.c - `edgelstm fleet`: many trainings (one model per series, or a sweep)
 * from a manifest, on the engines users already have (GNU parallel, Slurm job arrays,
 * Kubernetes Indexed Jobs, mpirun). See docs/fleet.md.
 *
 *   fleet list M.csv                       the task ids, one per line (for parallel)
 *   fleet task M.csv --id ID --out DIR     one task
 *   fleet run M.csv --out DIR [--shard I/N | --shard-from-env]   every task, or a shard
 *   fleet status DIR                       done, failed and pending tasks
 *   fleet summarize DIR [-o FILE]          one table in manifest order (markdown or CSV)
 *   fleet emit parallel|slurm|k8s M.csv --out DIR [-o FILE]      a ready launcher
 *
 * Manifest: a CSV with a header; columns `id` and `csv` (the series, relative to the
 * manifest's folder), any other column names a training option without its dashes
 * (`units`, `lr`, `target`, ...), an empty cell leaving the option to the command line.
 * A task is `edgelstm train CSV OPTIONS -o DIR/tasks/ID/model.tflite` run in this process
 * (cli_train_run: the same code, so the same model bytes), its messages in
 * DIR/tasks/ID/train.log; then DIR/tasks/ID/record.json, written last and atomically,
 * says how it ended with the hashes of its input and of its resolved options. A rerun
 * skips a task whose record says it succeeded with the same hashes and redoes others.
 * Exit status: 0 every task done, 3 some task failed (their records say why), 1 a
 * problem of the fleet itself (manifest, DIR), 2 usage. */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_eval.h"
#include "edgelstm/clock.h"
#include "edgelstm/fileio.h"

#define FLEET_EXIT_TASK_FAILED 3
#define FLEET_MAX_TASKS 1000000
#define FLEET_MAX_COLS 64
#define FLEET_MAX_ARGS (2 * CLI_MAX_OPTS + 8)
#define FLEET_DEFAULT_SHARDS_MAX 1000 /* Slurm's default MaxArraySize is 1001 */

static const cli_opt fleet_opts[] = {
    {"--out", NULL, "DIR", "the fleet's folder: tasks/ID/ (model, log, record) and fleet.json"},
    {"--id", NULL, "ID", "task: the manifest row to run"},
    {"--shard", NULL, "I/N", "run: only the tasks k with k mod N = I (I from 0)"},
    {"--shard-from-env", NULL, NULL,
     "run: the shard from the launcher's environment (Slurm array, Kubernetes Indexed Job, MPI ranks)"},
    {"--shards", NULL, "N", "emit: shards of the Slurm array or Indexed Job (default: tasks, at most 1000)"},
    {"--jobs", NULL, "N", "emit: tasks at once (parallel -j, Indexed Job parallelism; default: cores)"},
    {"--image", NULL, "IMAGE", "emit k8s: the container image holding edgelstm (default edgelstm:" ELSTM_VERSION ")"},
    {"--claim", NULL, "NAME", "emit k8s: a PersistentVolumeClaim mounted at the manifest's folder"},
    {"--output", "-o", "FILE", "summarize: the table (FILE.csv: CSV, else markdown; default stdout); emit: the launcher"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {fleet_opts, cli_data_opts, cli_model_opts, cli_train_opts, NULL};

/* ---- manifest -------------------------------------------------------------------- */

typedef struct fleet_task {
    char *id, *csv;          /* as written */
    char *path;              /* the series file, resolved against the manifest's folder */
    int line;                /* in the manifest */
    char *cell[FLEET_MAX_COLS];  /* option cells (NULL or "" = not set), by column */
} fleet_task;

typedef struct fleet_manifest {
    const char *path;
    char dir[ELSTM_PATH_MAX];
    int ncols, id_col, csv_col;
    char *col[FLEET_MAX_COLS];
    const cli_opt *col_opt[FLEET_MAX_COLS];  /* the training option of each column */
    fleet_task *task;
    size_t n, cap;
    /* parser state */
    int line, field, bad;
    char *row[FLEET_MAX_COLS];
    char err[512];
} fleet_manifest;

/* The training option called `name` (without dashes) that a manifest column or a fleet
 * command line may set; NULL if there is none. */
static const cli_opt *train_option(const char *name)
{
    const cli_opt *tables[] = {cli_data_opts, cli_model_opts, cli_train_opts, NULL};
    for (int g = 0; tables[g]; g++)
        for (const cli_opt *o = tables[g]; o->name; o++)
            if (!strcmp(o->name + 2, name)) return o;
    return NULL;
}

static void list_train_options(char *buf, size_t n)
{
    const cli_opt *tables[] = {cli_data_opts, cli_model_opts, cli_train_opts, NULL};
    size_t k = 0;
    buf[0] = 0;
    for (int g = 0; tables[g]; g++)
        for (const cli_opt *o = tables[g]; o->name && k + 32 < n; o++)
            if (o->arg) k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? ", " : "", o->name + 2);
}

static int id_ok(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 200) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void mf_error(fleet_manifest *m, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void mf_error(fleet_manifest *m, const char *fmt, ...)
{
    if (m->bad) return;
    m->bad = 1;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(m->err, sizeof m->err, "%s:%d: %s", m->path, m->line, msg);
}

static void mf_field(void *s, size_t len, void *user)
{
    fleet_manifest *m = user;
    if (m->bad) return;
    if (m->field >= FLEET_MAX_COLS) {
        mf_error(m, "more than %d columns", FLEET_MAX_COLS);
        return;
    }
    char *v = malloc(len + 1);
    if (!v) {
        mf_error(m, "out of memory");
        return;
    }
    memcpy(v, s, len);
    v[len] = 0;
    m->row[m->field++] = v;
}

static void mf_row(int c, void *user)
{
    (void)c;
    fleet_manifest *m = user;
    m->line++;
    int nf = m->field;
    m->field = 0;
    if (m->bad) goto out;
    if (nf == 1 && !m->row[0][0]) goto out; /* a blank line */
    if (m->ncols == 0) {                     /* the header */
        m->id_col = m->csv_col = -1;
        for (int j = 0; j < nf; j++) {
            char *h = m->row[j];
            m->row[j] = NULL;
            m->col[m->ncols++] = h;
            for (int k = 0; k < j; k++)
                if (!strcmp(m->col[k], h)) mf_error(m, "column '%s' appears twice in the header", h);
            if (!strcmp(h, "id")) m->id_col = j;
            else if (!strcmp(h, "csv")) m->csv_col = j;
            else if (!(m->col_opt[j] = train_option(h)) || !m->col_opt[j]->arg) {
                char names[1024];
                list_train_options(names, sizeof names);
                mf_error(m, "column '%s' is not a training option; the columns are id, csv and any of: %s", h, names);
            }
        }
        if (m->id_col < 0 || m->csv_col < 0)
            mf_error(m, "the header must have the columns id and csv (then training options), not '%s%s'",
                     m->col[0], nf > 1 ? ",..." : "");
        goto out;
    }
    if (nf != m->ncols) {
        mf_error(m, "this row has %d fields but the header has %d", nf, m->ncols);
        goto out;
    }
    const char *id = m->row[m->id_col], *csv = m->row[m->csv_col];
    if (!id_ok(id)) {
        mf_error(m, "the id '%s' is not usable as a folder name: use letters, digits, '.', '_' and '-' (not first '.')",
                 id);
        goto out;
    }
    if (!*csv) {
        mf_error(m, "task '%s' has no csv file", id);
        goto out;
    }
    for (size_t k = 0; k < m->n; k++)
        if (!strcmp(m->task[k].id, id)) {
            mf_error(m, "the id '%s' was already used on line %d; ids must be unique", id, m->task[k].line);
            goto out;
        }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        fleet_task *t = cap <= FLEET_MAX_TASKS ? realloc(m->task, cap * sizeof *t) : NULL;
        if (!t) {
            mf_error(m, "too many tasks or out of memory");
            goto out;
        }
        m->task = t;
        m->cap = cap;
    }
    fleet_task *t = &m->task[m->n];
    memset(t, 0, sizeof *t);
    t->line = m->line;
    size_t plen = strlen(m->dir) + strlen(csv) + 2;
    t->path = malloc(plen);
    if (!t->path) {
        mf_error(m, "out of memory");
        goto out;
    }
    if (csv[0] == '/' || !m->dir[0]) snprintf(t->path, plen, "%s", csv);
    else snprintf(t->path, plen, "%s/%s", m->dir, csv);
    for (int j = 0; j < nf; j++) {
        if (j == m->id_col) t->id = m->row[j];
        else if (j == m->csv_col) t->csv = m->row[j];
        else t->cell[j] = m->row[j];
        m->row[j] = NULL;
    }
    m->n++;
out:
    for (int j = 0; j < nf; j++) {
        free(m->row[j]);
        m->row[j] = NULL;
    }
}

static void manifest_free(fleet_manifest *m)
{
    for (size_t k = 0; k < m->n; k++) {
        free(m->task[k].id);
        free(m->task[k].csv);
        free(m->task[k].path);
        for (int j = 0; j < FLEET_MAX_COLS; j++) free(m->task[k].cell[j]);
    }
    free(m->task);
    for (int j = 0; j < m->ncols; j++) free(m->col[j]);
    memset(m, 0, sizeof *m);
}

/* Read the manifest. 0, or 1 with the error printed. */
static int manifest_read(const char *path, fleet_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->path = path;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    uint8_t *data = NULL;
    size_t len = 0;
    elstm_status s = elstm_read_file(path, &data, &len, (size_t)1 << 30, &diag);
    if (s != ELSTM_OK) return cli_fail(s, &diag);
    char base[256];
    if (elstm_split_path(path, m->dir, sizeof m->dir, base, sizeof base) != 0) m->dir[0] = 0;
    if (!strcmp(m->dir, ".")) m->dir[0] = 0;
    struct csv_parser p;
    int rc = 0;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        free(data);
        return cli_error("out of memory");
    }
    if (csv_parse(&p, data, len, mf_field, mf_row, m) != len || csv_fini(&p, mf_field, mf_row, m) != 0) {
        if (!m->bad) {
            m->line++;
            mf_error(m, "malformed CSV (%s)", csv_strerror(csv_error(&p)));
        }
    }
    csv_free(&p);
    free(data);
    for (int j = 0; j < FLEET_MAX_COLS; j++) free(m->row[j]);
    if (!m->bad && m->ncols == 0) mf_error(m, "the manifest is empty: it needs a header id,csv[,options] and a row per task");
    else if (!m->bad && m->n == 0) mf_error(m, "the manifest has a header but no task");
    if (m->bad) {
        rc = cli_error("%s", m->err);
        manifest_free(m);
    }
    return rc;
}

/* ---- one task ---------------------------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}
#define FNV_START 1469598103934665603ULL

/* FNV-1a 64 of a file's bytes; 0 and errno when it cannot be read. */
static int hash_file(const char *path, uint64_t *h, long long *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    unsigned char buf[1 << 16];
    size_t k;
    *h = FNV_START;
    *bytes = 0;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        *h = fnv1a(*h, buf, k);
        *bytes += (long long)k;
    }
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

static void hex64(uint64_t h, char out[17]) { snprintf(out, 17, "%016llx", (unsigned long long)h); }

typedef struct fleet_args {
    int argc;
    char *argv[FLEET_MAX_ARGS];
    char buf[FLEET_MAX_ARGS][64];
} fleet_args;

/* The train command line of task t: the series, the fleet's training options not set
 * in the row, the row's cells, --threads 1 unless set, -o MODEL. */
static int task_args(const fleet_manifest *m, const fleet_task *t, const cli_ctx *fctx, const char *model,
                     fleet_args *a)
{
    a->argc = 0;
    a->argv[a->argc++] = (char *)t->path;
    int have_threads = 0;
    for (int k = 0; k < fctx->nopts; k++) {
        const cli_opt *o = fctx->opt[k];
        if (!train_option(o->name + 2)) continue;
        int in_row = 0;
        for (int j = 0; j < m->ncols; j++)
            if (m->col_opt[j] == o && t->cell[j] && t->cell[j][0]) in_row = 1;
        if (in_row || a->argc + 2 >= FLEET_MAX_ARGS - 4) continue;
        a->argv[a->argc++] = (char *)o->name;
        if (o->arg) a->argv[a->argc++] = (char *)fctx->val[k];
        have_threads |= !strcmp(o->name, "--threads");
    }
    for (int j = 0; j < m->ncols; j++) {
        if (!m->col_opt[j] || !t->cell[j] || !t->cell[j][0] || a->argc + 2 >= FLEET_MAX_ARGS - 4) continue;
        a->argv[a->argc++] = (char *)m->col_opt[j]->name;
        a->argv[a->argc++] = t->cell[j];
        have_threads |= !strcmp(m->col_opt[j]->name, "--threads");
    }
    if (!have_threads) { /* a fleet runs tasks side by side: one thread each unless asked */
        a->argv[a->argc++] = "--threads";
        a->argv[a->argc++] = "1";
    }
    a->argv[a->argc++] = "-o";
    a->argv[a->argc++] = (char *)model;
    a->argv[a->argc] = NULL;
    return 0;
}

/* The options' hash: every argument but the model path (the last). */
static uint64_t args_hash(const fleet_args *a)
{
    uint64_t h = FNV_START;
    for (int k = 0; k < a->argc - 1; k++) h = fnv1a(h, a->argv[k], strlen(a->argv[k]) + 1);
    return h;
}

static int mkdirs(const char *path)
{
    char tmp[ELSTM_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(tmp, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static json_t *read_json(const char *path)
{
    json_error_t e;
    return json_load_file(path, 0, &e);
}

static int write_json(const char *path, json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
    if (!s) return cli_error("out of memory");
    size_t n = strlen(s);
    s[n] = '\n';
    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_status st = elstm_write_file_atomic(path, s, n + 1, &diag);
    free(s);
    return st == ELSTM_OK ? 0 : cli_fail(st, &diag);
}

/* The last line of the task's log that starts "edgelstm": the error sentence. */
static void last_error(const char *log, char *out, size_t n)
{
    FILE *f = fopen(log, "r");
    char line[2048];
    out[0] = 0;
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "edgelstm", 8)) continue;
        line[strcspn(line, "\n")] = 0;
        snprintf(out, n, "%s", line);
    }
    fclose(f);
}

static double jnum(json_t *o, const char *path)
{
    char key[64];
    const char *p = path;
    while (o && *p) {
        size_t k = strcspn(p, ".");
        snprintf(key, sizeof key, "%.*s", (int)k, p);
        o = json_object_get(o, key);
        p += k + (p[k] == '.');
    }
    return o && json_is_number(o) ? json_number_value(o) : NAN;
}

static json_t *jreal(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* Run task t into DIR/tasks/ID. Returns 0 (done or already done), 3 (failed: record
 * written), 1 (the fleet cannot go on: the folder cannot be written, interrupted). */
static int task_run(const fleet_manifest *m, size_t k, const cli_ctx *fctx, const char *dir, size_t of)
{
    const fleet_task *t = &m->task[k];
    char tdir[ELSTM_PATH_MAX], model[ELSTM_PATH_MAX + 16], record[ELSTM_PATH_MAX + 16], log[ELSTM_PATH_MAX + 16];
    snprintf(tdir, sizeof tdir, "%s/tasks/%s", dir, t->id);
    snprintf(model, sizeof model, "%s/model.tflite", tdir);
    snprintf(record, sizeof record, "%s/record.json", tdir);
    snprintf(log, sizeof log, "%s/train.log", tdir);
    if (mkdirs(tdir) != 0) return cli_error("%s: cannot create the task's folder: %s", tdir, strerror(errno));

    fleet_args a;
    task_args(m, t, fctx, model, &a);
    char ih[17] = "", oh[17];
    uint64_t h = 0;
    long long in_bytes = -1;
    int readable = hash_file(t->path, &h, &in_bytes) == 0;
    int read_errno = errno;
    if (readable) hex64(h, ih);
    hex64(args_hash(&a), oh);

    json_t *old = read_json(record);
    if (old && readable) {
        const char *st = json_string_value(json_object_get(old, "status"));
        const char *oih = json_string_value(json_object_get(old, "input_hash"));
        const char *ooh = json_string_value(json_object_get(old, "options_hash"));
        const char *mh = json_string_value(json_object_get(old, "model_hash"));
        uint64_t cur;
        long long mb;
        char cmh[17] = "";
        if (hash_file(model, &cur, &mb) == 0) hex64(cur, cmh);
        if (st && !strcmp(st, "ok") && oih && !strcmp(oih, ih) && ooh && !strcmp(ooh, oh) && mh && !strcmp(mh, cmh)) {
            fprintf(stderr, "fleet: [%zu/%zu] %s: up to date\n", k + 1, of, t->id);
            json_decref(old);
            return 0;
        }
    }
    json_decref(old);
    if (unlink(record) != 0 && errno != ENOENT) return cli_error("%s: cannot remove the old record: %s", record, strerror(errno));

    json_t *rec = json_object(), *opts = json_array();
    for (int i = 1; i < a.argc - 2; i++) json_array_append_new(opts, json_string(a.argv[i]));
    json_object_set_new(rec, "id", json_string(t->id));
    json_object_set_new(rec, "csv", json_string(t->csv));
    json_object_set_new(rec, "manifest_line", json_integer(t->line));
    json_object_set_new(rec, "input_hash", readable ? json_string(ih) : json_null());
    json_object_set_new(rec, "input_bytes", json_integer(in_bytes));
    json_object_set_new(rec, "options", opts);
    json_object_set_new(rec, "options_hash", json_string(oh));
    json_object_set_new(rec, "hash", json_string("fnv1a64"));
    json_object_set_new(rec, "edgelstm", json_string(ELSTM_VERSION));

    int rc;
    json_t *summary = NULL;
    double t0 = elstm_now_s();
    if (!readable) {
        FILE *lf = fopen(log, "w");
        if (lf) {
            fprintf(lf, "edgelstm: %s: cannot read the task's csv file: %s\n", t->path, strerror(read_errno));
            fclose(lf);
        }
        rc = CLI_EXIT_FAIL;
    } else {
        /* the task's messages go to its log: stderr is pointed there while it runs */
        fflush(stderr);
        int saved = dup(STDERR_FILENO), lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (saved < 0 || lfd < 0) {
            if (saved >= 0) close(saved);
            json_decref(rec);
            return cli_error("%s: cannot write the task's log: %s", log, strerror(errno));
        }
        dup2(lfd, STDERR_FILENO);
        close(lfd);
        fprintf(stderr, "edgelstm train");
        for (int i = 0; i < a.argc; i++) fprintf(stderr, " %s", a.argv[i]);
        fprintf(stderr, "\n");
        cli_ctx tctx;
        rc = cli_parse(&cli_cmd_train, a.argc, a.argv, &tctx);
        if (rc == 0) rc = cli_train_run(&tctx, (void **)&summary);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
    json_object_set_new(rec, "seconds", json_real(elstm_now_s() - t0));
    json_object_set_new(rec, "exit_status", json_integer(rc));
    if (rc == 0 && summary) {
        uint64_t mh;
        long long mb;
        char mhx[17];
        if (hash_file(model, &mh, &mb) != 0) {
            json_decref(rec);
            json_decref(summary);
            return cli_error("%s: cannot read the model the task wrote: %s", model, strerror(errno));
        }
        hex64(mh, mhx);
        double rmse = jnum(summary, "test.rmse"), prm = jnum(summary, "test.persistence.rmse");
        json_object_set_new(rec, "status", json_string("ok"));
        json_object_set_new(rec, "windows", json_integer((json_int_t)jnum(summary, "windows.train")));
        json_object_set_new(rec, "epochs", json_integer((json_int_t)jnum(summary, "epochs_run")));
        json_object_set_new(rec, "best_epoch", json_integer((json_int_t)jnum(summary, "best_epoch")));
        json_object_set_new(rec, "train_seconds", jreal(jnum(summary, "train_seconds")));
        json_object_set_new(rec, "test_rmse", jreal(rmse));
        json_object_set_new(rec, "persistence_rmse", jreal(prm));
        json_object_set_new(rec, "rmse_ratio", jreal(rmse / prm));
        json_object_set_new(rec, "model", json_string("model.tflite"));
        json_object_set_new(rec, "model_bytes", json_integer(mb));
        json_object_set_new(rec, "model_hash", json_string(mhx));
        fprintf(stderr, "fleet: [%zu/%zu] %s: ok (%lld epochs, test RMSE %.4f, %.3fx persistence)\n", k + 1, of,
                t->id, (long long)jnum(summary, "epochs_run"), rmse, rmse / prm);
    } else {
        char err[2048];
        last_error(log, err, sizeof err);
        json_object_set_new(rec, "status", json_string("failed"));
        json_object_set_new(rec, "error", json_string(err[0] ? err : "the task failed without a message (see train.log)"));
        fprintf(stderr, "fleet: [%zu/%zu] %s: FAILED (exit %d): ", k + 1, of, t->id, rc);
        cli_put_escaped(stderr, err[0] ? err : "see its train.log");
        fprintf(stderr, "\n");
    }
    json_decref(summary);
    int wrc = write_json(record, rec);
    json_decref(rec);
    if (wrc) return wrc;
    if (cli_train_interrupted()) return cli_error("interrupted; run the same command again to continue");
    return rc == 0 ? 0 : FLEET_EXIT_TASK_FAILED;
}

/* DIR/fleet.json: the manifest and its tasks in order (for status and summarize). */
static int fleet_index(const fleet_manifest *m, const char *dir)
{
    char path[ELSTM_PATH_MAX + 16];
    if (mkdirs(dir) != 0) return cli_error("%s: cannot create the fleet's folder: %s", dir, strerror(errno));
    snprintf(path, sizeof path, "%s/fleet.json", dir);
    char *real = realpath(m->path, NULL);
    json_t *j = json_object(), *ids = json_array(), *csvs = json_array();
    for (size_t k = 0; k < m->n; k++) {
        json_array_append_new(ids, json_string(m->task[k].id));
        json_array_append_new(csvs, json_string(m->task[k].csv));
    }
    json_object_set_new(j, "manifest", json_string(real ? real : m->path));
    json_object_set_new(j, "tasks", ids);
    json_object_set_new(j, "csv", csvs);
    free(real);
    json_t *old = read_json(path);
    int rc = old && json_equal(old, j) ? 0 : write_json(path, j);
    json_decref(old);
    json_decref(j);
    return rc;
}

/* ---- shards ---------------------------------------------------------------------- */

static int env_long(const char *name, long *v)
{
    const char *s = getenv(name);
    char *end;
    if (!s || !*s) return 0;
    errno = 0;
    *v = strtol(s, &end, 10);
    return !*end && !errno ? 1 : -1;
}

/* The shard from the environment of the launcher: 0 (found), or the error printed. */
static int shard_from_env(long *i, long *n)
{
    static const char *pairs[][2] = {
        {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"},
        {"JOB_COMPLETION_INDEX", "ELSTM_FLEET_SHARDS"},
        {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
        {"PMI_RANK", "PMI_SIZE"},
        {"PMIX_RANK", "ELSTM_FLEET_SHARDS"},
        {"SLURM_PROCID", "SLURM_NTASKS"},
    };
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        long id, cnt, lo = 0;
        int a = env_long(pairs[k][0], &id), b = env_long(pairs[k][1], &cnt);
        if (a == 0) continue;
        if (a < 0) return cli_error("%s='%s' is not a number", pairs[k][0], getenv(pairs[k][0]));
        if (k == 0) { /* an array --array=LO-HI: ids from LO */
            long mn, mx;
            if (env_long("SLURM_ARRAY_TASK_MIN", &mn) == 1) lo = mn;
            if (b != 1 && env_long("SLURM_ARRAY_TASK_MAX", &mx) == 1 && env_long("SLURM_ARRAY_TASK_MIN", &mn) == 1) {
                cnt = mx - mn + 1;
                b = 1;
            }
        }
        if (b != 1)
            return cli_error("%s is set but %s is not: the shard count is unknown (%s)", pairs[k][0], pairs[k][1],
                             k == 1 || k == 4 ? "set ELSTM_FLEET_SHARDS to the completions of the Job, as `fleet emit "
                                                "k8s` does" : "use --shard I/N");
        if (cnt < 1 || id - lo < 0 || id - lo >= cnt)
            return cli_error("%s=%ld is not a shard of %s=%ld", pairs[k][0], id, pairs[k][1], cnt);
        *i = id - lo;
        *n = cnt;
        fprintf(stderr, "fleet: shard %ld of %ld (from %s=%ld, %s=%ld%s)\n", *i, *n, pairs[k][0], id, pairs[k][1], cnt,
                lo ? ", SLURM_ARRAY_TASK_MIN" : "");
        return 0;
    }
    return cli_error("--shard-from-env: none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, OMPI_COMM_WORLD_RANK, "
                     "PMI_RANK, PMIX_RANK or SLURM_PROCID is set; give --shard I/N instead");
}

static int shard_parse(const cli_ctx *ctx, long *i, long *n)
{
    const char *s = cli_get(ctx, "--shard");
    *i = 0;
    *n = 1;
    if (s && cli_has(ctx, "--shard-from-env")) return cli_usage_error(ctx, "give --shard or --shard-from-env, not both");
    if (cli_has(ctx, "--shard-from-env")) return shard_from_env(i, n) ? CLI_EXIT_FAIL : 0;
    if (!s) return 0;
    char *end;
    errno = 0;
    *i = strtol(s, &end, 10);
    if (*end == '/') *n = strtol(end + 1, &end, 10);
    if (*end || errno || *n < 1 || *i < 0 || *i >= *n)
        return cli_usage_error(ctx, "--shard must be I/N with 0 <= I < N (e.g. 0/4), not '%s'", s);
    return 0;
}

/* ---- subcommands ----------------------------------------------------------------- */

static int need_out(const cli_ctx *ctx, const char **dir)
{
    *dir = cli_get(ctx, "--out");
    return *dir ? 0 : cli_usage_error(ctx, "%s needs --out DIR, the fleet's folder", ctx->pos[0]);
}

static int sub_list(const cli_ctx *ctx)
{
    fleet_manifest m;
    if (ctx->npos != 2) return cli_usage_error(ctx, "usage: fleet list M.csv");
    if (manifest_read(ctx->pos[1], &m)) return CLI_EXIT_FAIL;
    for (size_t k = 0; k < m.n; k++) printf("%s\n", m.task[k].id);
    manifest_free(&m);
    return 0;
}

/* --sampling for every task: a task trains one file, where series sampling has nothing to
 * share (a manifest cell `sampling` = series fails its task with train's usage error). */
static int sampling_check(const cli_ctx *ctx)
{
    elstm_train_opts o;
    memset(&o, 0, sizeof o);
    int rc = cli_get_sampling(ctx, &o.sampling);
    return rc ? rc : cli_sampling_needs_series(ctx, &o, 1, "each fleet task trains on one file");
}

static int sub_run(const cli_ctx *ctx, int one)
{
    const char *dir, *id = cli_get(ctx, "--id");
    fleet_manifest m;
    long si = 0, sn = 1;
    int rc;
    if (ctx->npos != 2) return cli_usage_error(ctx, "usage: fleet %s M.csv --out DIR", ctx->pos[0]);
    if ((rc = need_out(ctx, &dir))) return rc;
    if (one && !id) return cli_usage_error(ctx, "fleet task needs --id ID (see fleet list)");
    if (!one && id) return cli_usage_error(ctx, "--id is for fleet task; fleet run runs every task (or a --shard)");
    if (one && (cli_has(ctx, "--shard") || cli_has(ctx, "--shard-from-env")))
        return cli_usage_error(ctx, "--shard is for fleet run, not fleet task");
    if (!one && (rc = shard_parse(ctx, &si, &sn))) return rc;
    if ((rc = sampling_check(ctx))) return rc;
    if (manifest_read(ctx->pos[1], &m)) return CLI_EXIT_FAIL;
    if ((rc = fleet_index(&m, dir))) goto out;
    if (one) {
        size_t k = 0;
        while (k < m.n && strcmp(m.task[k].id, id)) k++;
        rc = k < m.n ? task_run(&m, k, ctx, dir, m.n) : cli_error("%s: no task has the id '%s'", m.path, id);
        goto out;
    }
    int failed = 0;
    for (size_t k = (size_t)si; k < m.n; k += (size_t)sn) {
        int r = task_run(&m, k, ctx, dir, m.n);
        if (r == FLEET_EXIT_TASK_FAILED) failed++;
        else if (r) {
            rc = r;
            goto out;
        }
    }
    if (failed) fprintf(stderr, "fleet: %d task%s failed; their records (DIR/tasks/ID/record.json) say why\n", failed,
                        failed == 1 ? "" : "s");
    rc = failed ? FLEET_EXIT_TASK_FAILED : 0;
out:
    manifest_free(&m);
    return rc;
}

/* The tasks of DIR in manifest order with their records (NULL = pending). */
typedef struct fleet_state {
    json_t *index;
    size_t n;
    json_t **rec;
} fleet_state;

static int state_read(const char *dir, fleet_state *s)
{
    char path[ELSTM_PATH_MAX + 64];
    memset(s, 0, sizeof *s);
    snprintf(path, sizeof path, "%s/fleet.json", dir);
    s->index = read_json(path);
    json_t *ids = json_object_get(s->index, "tasks");
    if (!json_is_array(ids))
        return cli_error("%s: not a fleet folder (no readable fleet.json; fleet run or fleet task writes it)", dir);
    s->n = json_array_size(ids);
    s->rec = calloc(s->n + 1, sizeof *s->rec);
    if (!s->rec) return cli_error("out of memory");
    for (size_t k = 0; k < s->n; k++) {
        snprintf(path, sizeof path, "%s/tasks/%s/record.json", dir, json_string_value(json_array_get(ids, k)));
        s->rec[k] = read_json(path);
    }
    return 0;
}

static void state_free(fleet_state *s)
{
    for (size_t k = 0; k < s->n; k++) json_decref(s->rec[k]);
    free(s->rec);
    json_decref(s->index);
}

static const char *rec_status(json_t *r)
{
    const char *st = json_string_value(json_object_get(r, "status"));
    return st ? st : "pending";
}

static int sub_status(const cli_ctx *ctx)
{
    fleet_state s;
    if (ctx->npos != 2) return cli_usage_error(ctx, "usage: fleet status DIR");
    if (state_read(ctx->pos[1], &s)) {
        state_free(&s);
        return CLI_EXIT_FAIL;
    }
    size_t ok = 0, failed = 0;
    for (size_t k = 0; k < s.n; k++) {
        const char *st = rec_status(s.rec[k]);
        ok += !strcmp(st, "ok");
        if (!strcmp(st, "failed")) {
            failed++;
            printf("failed  %s: ", json_string_value(json_array_get(json_object_get(s.index, "tasks"), k)));
            cli_put_escaped(stdout, json_string_value(json_object_get(s.rec[k], "error")));
            printf("\n");
        }
    }
    printf("%zu tasks: %zu done, %zu failed, %zu pending\n", s.n, ok, failed, s.n - ok - failed);
    state_free(&s);
    return 0;
}

static void put_cell(FILE *f, int csv, const char *v)
{
    if (!csv) {
        for (; *v; v++) fputs(*v == '|' ? "\\|" : (char[2]){*v, 0}, f);
        return;
    }
    if (strpbrk(v, ",\"\n\r")) {
        fputc('"', f);
        for (; *v; v++) fputs(*v == '"' ? "\"\"" : (char[2]){*v, 0}, f);
        fputc('"', f);
    } else {
        fputs(v, f);
    }
}

static void fmt_num(json_t *r, const char *key, int decimals, char *buf, size_t n)
{
    json_t *v = json_object_get(r, key);
    if (json_is_integer(v)) snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_number(v)) snprintf(buf, n, "%.*f", decimals, json_number_value(v));
    else buf[0] = 0;
}

/* The output of summarize and emit: FILE written atomically, or stdout (out NULL). */
static int out_open(const char *out, elstm_atomic_file *af, FILE **f)
{
    elstm_diag diag;
    elstm_diag_clear(&diag);
    *f = stdout;
    if (!out) return 0;
    elstm_status st = elstm_atomic_open(af, out, &diag);
    if (st != ELSTM_OK) return cli_fail(st, &diag);
    *f = af->f;
    return 0;
}

/* Commit FILE when rc is 0, else drop it; returns the exit status. */
static int out_close(const char *out, elstm_atomic_file *af, int rc)
{
    elstm_diag diag;
    elstm_diag_clear(&diag);
    if (!out) return rc;
    if (rc) {
        elstm_atomic_abort(af);
        return rc;
    }
    elstm_status st = elstm_atomic_commit(af, &diag);
    return st == ELSTM_OK ? 0 : cli_fail(st, &diag);
}

static int sub_summarize(const cli_ctx *ctx)
{
    static const char *const head[] = {"id", "csv", "status", "windows", "epochs", "seconds", "test_rmse",
                                       "persistence_rmse", "rmse_ratio", "model_bytes", NULL};
    const char *out = cli_get(ctx, "--output");
    fleet_state s;
    if (ctx->npos != 2) return cli_usage_error(ctx, "usage: fleet summarize DIR [-o FILE]");
    if (state_read(ctx->pos[1], &s)) {
        state_free(&s);
        return CLI_EXIT_FAIL;
    }
    const size_t ol = out ? strlen(out) : 0;
    const int csv = ol > 4 && !strcmp(out + ol - 4, ".csv");
    elstm_atomic_file af;
    FILE *f;
    int rc = out_open(out, &af, &f);
    if (rc) {
        state_free(&s);
        return rc;
    }
    for (int c = 0; head[c]; c++) fprintf(f, csv ? "%s%s" : "%s| %s", c ? (csv ? "," : " ") : "", head[c]);
    fprintf(f, csv ? "\n" : " |\n");
    if (!csv) {
        for (int c = 0; head[c]; c++) fprintf(f, c >= 3 ? "|---:" : "|---");
        fprintf(f, "|\n");
    }
    json_t *ids = json_object_get(s.index, "tasks"), *csvs = json_object_get(s.index, "csv");
    for (size_t k = 0; k < s.n; k++) {
        json_t *r = s.rec[k];
        char cells[10][64];
        snprintf(cells[0], 64, "%s", json_string_value(json_array_get(ids, k)));
        snprintf(cells[2], 64, "%s", rec_status(r));
        fmt_num(r, "windows", 0, cells[3], 64);
        fmt_num(r, "epochs", 0, cells[4], 64);
        fmt_num(r, "train_seconds", 1, cells[5], 64);
        fmt_num(r, "test_rmse", 4, cells[6], 64);
        fmt_num(r, "persistence_rmse", 4, cells[7], 64);
        fmt_num(r, "rmse_ratio", 3, cells[8], 64);
        fmt_num(r, "model_bytes", 0, cells[9], 64);
        for (int c = 0; c < 10; c++) {
            fputs(c ? (csv ? "," : " | ") : (csv ? "" : "| "), f);
            put_cell(f, csv, c == 1 ? json_string_value(json_array_get(csvs, k)) : cells[c]);
        }
        fputs(csv ? "\n" : " |\n", f);
    }
    state_free(&s);
    return out_close(out, &af, 0);
}

/* ---- launchers ------------------------------------------------------------------- */

/* s quoted for a POSIX shell */
static void put_sh(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) fputs(*s == '\'' ? "'\\''" : (char[2]){*s, 0}, f);
    fputc('\'', f);
}

/* The fleet-level training options given to emit, as words. */
static int train_words(const cli_ctx *ctx, const char **w, int max)
{
    int n = 0;
    for (int k = 0; k < ctx->nopts && n + 2 <= max; k++) {
        if (!train_option(ctx->opt[k]->name + 2)) continue;
        w[n++] = ctx->opt[k]->name;
        if (ctx->opt[k]->arg) w[n++] = ctx->val[k];
    }
    return n;
}

static int sub_emit(const cli_ctx *ctx)
{
    const char *dir, *kind = ctx->npos > 1 ? ctx->pos[1] : "", *out = cli_get(ctx, "--output");
    const char *image = cli_get(ctx, "--image"), *claim = cli_get(ctx, "--claim");
    int rc;
    if (ctx->npos != 3 || (strcmp(kind, "parallel") && strcmp(kind, "slurm") && strcmp(kind, "k8s")))
        return cli_usage_error(ctx, "usage: fleet emit parallel|slurm|k8s M.csv --out DIR [-o FILE]");
    if ((rc = need_out(ctx, &dir)) || (rc = sampling_check(ctx))) return rc;
    fleet_manifest m;
    if (manifest_read(ctx->pos[2], &m)) return CLI_EXIT_FAIL;
    long shards = (long)m.n < FLEET_DEFAULT_SHARDS_MAX ? (long)m.n : FLEET_DEFAULT_SHARDS_MAX, jobs = cli_default_threads();
    if (cli_get_int(ctx, "--shards", 1, 1000000, &shards) || cli_get_int(ctx, "--jobs", 1, 100000, &jobs)) {
        manifest_free(&m);
        return CLI_EXIT_USAGE;
    }
    const char *words[2 * CLI_MAX_OPTS];
    int nw = train_words(ctx, words, 2 * CLI_MAX_OPTS);
    elstm_atomic_file af;
    FILE *f;
    if ((rc = out_open(out, &af, &f))) {
        manifest_free(&m);
        return rc;
    }
    if (!strcmp(kind, "parallel")) {
        fprintf(f, "#!/bin/sh\n# GNU parallel: the %zu tasks of %s, %ld at once; rerun this script to retry the\n"
                   "# failed ones (--resume-failed, from the job log) and skip finished ones (their records).\n"
                   "# EDGELSTM names the executable (default: edgelstm on PATH).\nset -u\nE=${EDGELSTM:-edgelstm}\n",
                m.n, m.path, jobs);
        fprintf(f, "mkdir -p ");
        put_sh(f, dir);
        fprintf(f, " || exit 1\n\"$E\" fleet list ");
        put_sh(f, m.path);
        fprintf(f, " |\n  parallel -q -j %ld --joblog ", jobs);
        char jl[ELSTM_PATH_MAX + 16];
        snprintf(jl, sizeof jl, "%s/joblog", dir);
        put_sh(f, jl);
        fprintf(f, " --resume-failed \"$E\" fleet task ");
        put_sh(f, m.path);
        fprintf(f, " --id {} --out ");
        put_sh(f, dir);
        for (int k = 0; k < nw; k++) fputc(' ', f), put_sh(f, words[k]);
        fprintf(f, "\nrc=$?\n\"$E\" fleet summarize ");
        put_sh(f, dir);
        fprintf(f, " -o ");
        char sm[ELSTM_PATH_MAX + 16];
        snprintf(sm, sizeof sm, "%s/summary.md", dir);
        put_sh(f, sm);
        fprintf(f, "\nexit $rc\n");
    } else if (!strcmp(kind, "slurm")) {
        /* Slurm opens the array tasks' output files in DIR before they start */
        if (mkdirs(dir) != 0) rc = cli_error("%s: cannot create the fleet's folder: %s", dir, strerror(errno));
        fprintf(f, "#!/bin/sh\n# Slurm job array: the %zu tasks of %s in %ld shards (sbatch THIS_FILE).\n"
                   "#SBATCH --job-name=edgelstm-fleet\n#SBATCH --array=0-%ld\n#SBATCH --cpus-per-task=1\n"
                   "#SBATCH --output=%s/slurm-%%A_%%a.out\n",
                m.n, m.path, shards, shards - 1, dir);
        fprintf(f, "# each array task runs its shard (SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT);\n"
                   "# finished tasks are skipped, so resubmitting retries only what failed\n"
                   "exec ${EDGELSTM:-edgelstm} fleet run ");
        put_sh(f, m.path);
        fprintf(f, " --out ");
        put_sh(f, dir);
        fprintf(f, " --shard-from-env");
        for (int k = 0; k < nw; k++) fputc(' ', f), put_sh(f, words[k]);
        fprintf(f, "\n");
    } else { /* a Kubernetes Indexed Job, as JSON (which kubectl reads like YAML) */
        char img[128], sh[32], mount[ELSTM_PATH_MAX];
        snprintf(img, sizeof img, "%s", image ? image : "edgelstm:" ELSTM_VERSION);
        snprintf(sh, sizeof sh, "%ld", shards);
        snprintf(mount, sizeof mount, "%s", m.dir[0] ? m.dir : ".");
        json_t *cmd = json_pack("[s,s,s,s,s,s,s]", "edgelstm", "fleet", "run", m.path, "--out", dir, "--shard-from-env");
        for (int k = 0; k < nw; k++) json_array_append_new(cmd, json_string(words[k]));
        json_t *container = json_pack("{s:s, s:s, s:o, s:[{s:s, s:s}], s:{s:{s:s}}}", "name", "fleet", "image", img,
                                      "command", cmd, "env", "name", "ELSTM_FLEET_SHARDS", "value", sh, "resources",
                                      "requests", "cpu", "1");
        json_t *pod = json_pack("{s:s, s:[o]}", "restartPolicy", "Never", "containers", container);
        if (claim) {
            json_object_set_new(container, "volumeMounts", json_pack("[{s:s, s:s}]", "name", "data", "mountPath", mount));
            json_object_set_new(pod, "volumes",
                                json_pack("[{s:s, s:{s:s}}]", "name", "data", "persistentVolumeClaim", "claimName", claim));
        }
        json_t *job = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:I, s:I, s:I, s:{s:o}}}", "apiVersion", "batch/v1", "kind",
                                "Job", "metadata", "name", "edgelstm-fleet", "spec", "completionMode", "Indexed",
                                "completions", (json_int_t)shards, "parallelism",
                                (json_int_t)(jobs < shards ? jobs : shards), "backoffLimitPerIndex", (json_int_t)2,
                                "template", "spec", pod);
        char *s = job ? json_dumps(job, JSON_INDENT(2)) : NULL;
        json_decref(job);
        if (s) fprintf(f, "%s\n", s);
        free(s);
        if (!s) rc = cli_error("out of memory");
    }
    manifest_free(&m);
    rc = out_close(out, &af, rc);
    if (rc == 0 && out && strcmp(kind, "k8s")) chmod(out, 0755);
    return rc;
}

static int run(cli_ctx *ctx)
{
    const char *sub = ctx->pos[0];
    if (!strcmp(sub, "list")) return sub_list(ctx);
    if (!strcmp(sub, "task")) return sub_run(ctx, 1);
    if (!strcmp(sub, "run")) return sub_run(ctx, 0);
    if (!strcmp(sub, "status")) return sub_status(ctx);
    if (!strcmp(sub, "summarize")) return sub_summarize(ctx);
    if (!strcmp(sub, "emit")) return sub_emit(ctx);
    return cli_usage_error(ctx, "unknown fleet command '%s': list, task, run, status, summarize or emit", sub);
}

const cli_command cli_cmd_fleet = {
    "fleet", "list|task|run|status|summarize|emit ... (see below)",
    "train many models from a manifest: one per series, or a sweep",
    "Trains one model per row of a manifest CSV (columns id, csv, then any training\n"
    "options without their dashes, e.g. units,lr,target; csv relative to the manifest; a\n"
    "sweep is rows sharing a file). Training options given here apply to every row and a\n"
    "row's non-empty cell overrides them; tasks use one thread unless --threads is given.\n"
    "  fleet list M.csv                          the task ids, one per line\n"
    "  fleet task M.csv --id ID --out DIR        one task\n"
    "  fleet run M.csv --out DIR [--shard I/N | --shard-from-env]\n"
    "                                            every task, or a shard (k mod N = I)\n"
    "  fleet status DIR                          done, failed, pending\n"
    "  fleet summarize DIR [-o FILE]             the table in manifest order (FILE.csv: CSV)\n"
    "  fleet emit parallel|slurm|k8s M.csv --out DIR [-o FILE]   a ready launcher\n"
    "                                            (slurm creates DIR: the array's output goes there)\n"
    "Each task writes DIR/tasks/ID/model.tflite and train.log, then record.json last; a\n"
    "rerun skips tasks finished with the same input and options and redoes the others.\n"
    "--shard-from-env reads SLURM_ARRAY_TASK_ID/COUNT, JOB_COMPLETION_INDEX with\n"
    "ELSTM_FLEET_SHARDS, OMPI_COMM_WORLD_RANK/SIZE, PMI_RANK/SIZE or SLURM_PROCID/NTASKS.\n"
    "Exit status 3: some task failed (its record says why); the others still ran.\n"
    "See docs/fleet.md.",
    1, 3, groups, run,
};
