/* test_train_dist.c - deterministic training over several series spread over processes
 * (elstm_trainer_fit_dist): the same weights and history, bit for bit, for 1 or 2 threads
 * and for the series held by one process or spread over two (two trainers in two threads
 * of this test, summing through an in-process all-reduce, as MPI ranks would); close to
 * the ordinary float training of the same batches (the exact sums change only the
 * rounding); a checkpoint written by two processes resumes in one to the bytes of an
 * uninterrupted run; a process whose windows do not match its series is refused.
 * Series sampling (--sampling series): every batch takes an equal share of every series
 * (within one window, the remainder rotating), each series' windows drawn as a run of
 * shuffles of all of them, reshuffled at each wrap, an epoch as many steps as uniform
 * sampling; the same batches and bytes for any spread and thread count, exact or float
 * sums, and across a resume; uniform sampling's batches are not balanced. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgelstm/train.h"
#include "elstm_test.h"

enum { I = 3, T = 8, S = 3, MAXROWS = 600 };
static const int ROWS[S] = {130, 90, 170};  /* three series of different lengths */
static float SX[S][MAXROWS * I], STG[S][MAXROWS];

static void make_series(void)
{
    uint64_t z = 7;
    for (int s = 0; s < S; s++)
        for (int r = 0; r < ROWS[s]; r++) {
            z = z * 6364136223846793005ULL + 1442695040888963407ULL;
            double noise = ((double)(z >> 11) * 0x1.0p-53 - 0.5) * 0.1;
            SX[s][r * I] = (float)(0.5 + 0.4 * sin(r * 0.25 + s) + noise);
            SX[s][r * I + 1] = (float)(0.5 + 0.3 * cos(r * 0.25 * (s + 1)));
            SX[s][r * I + 2] = (float)(0.1 * s);
        }
    for (int s = 0; s < S; s++)
        for (int r = 0; r + T < ROWS[s]; r++) STG[s][r] = SX[s][(r + T) * I]; /* next value */
}

/* The windows a process holding the series with mine[s] = 1 has: their rows one after the
 * other, per series the first 3/4 of its windows for training, the rest for validation. */
typedef struct proc_data {
    float x[S * MAXROWS * I];
    size_t tstart[S * MAXROWS], vstart[S * MAXROWS];
    float ttg[S * MAXROWS], vtg[S * MAXROWS];
    elstm_windows train, val;
} proc_data;

static size_t train_n[S], val_n[S];

static void build(proc_data *p, const unsigned char *mine)
{
    size_t row0 = 0, nt = 0, nv = 0;
    for (int s = 0; s < S; s++) {
        size_t nw = (size_t)(ROWS[s] - T), ntr = nw * 3 / 4;
        train_n[s] = ntr;
        val_n[s] = nw - ntr;
        if (!mine[s]) continue;
        memcpy(p->x + row0 * I, SX[s], (size_t)ROWS[s] * I * sizeof(float));
        for (size_t k = 0; k < nw; k++) {
            if (k < ntr) { p->tstart[nt] = row0 + k; p->ttg[nt++] = STG[s][k]; }
            else { p->vstart[nv] = row0 + k; p->vtg[nv++] = STG[s][k]; }
        }
        row0 += (size_t)ROWS[s];
    }
    p->train = (elstm_windows){p->x, I, T, nt, p->tstart, p->ttg, NULL, 1, NULL};
    p->val = (elstm_windows){p->x, I, T, nv, p->vstart, p->vtg, NULL, 1, NULL};
}

static int g_sampling = ELSTM_SAMPLING_UNIFORM, g_batch = 24;

static void opts_small(elstm_train_opts *o, int threads, int epochs)
{
    elstm_train_opts_default(o);
    o->units = 16;
    o->epochs = epochs;
    o->batch = g_batch;  /* 24: more than a unit (16): a series' windows of a batch split in two */
    o->sampling = g_sampling;
    o->lr = 0.01;
    o->threads = threads;
    o->seed = 11;
    o->patience = 0;
}

/* ---- an in-process all-reduce over two "processes" (threads of this test) ---------- */
typedef struct group {
    pthread_barrier_t bar;
    int64_t *buf[2];
    int64_t *sum;
    size_t cap;
    int calls[2];
} group;
typedef struct member { group *g; int rank; } member;

static elstm_status group_allreduce(void *user, int64_t *v, size_t n, elstm_diag *diag)
{
    (void)diag;
    member *m = user;
    group *g = m->g;
    g->buf[m->rank] = v;
    g->calls[m->rank]++;
    pthread_barrier_wait(&g->bar);
    if (m->rank == 0) {
        if (n > g->cap) { free(g->sum); g->sum = malloc(n * sizeof *g->sum); g->cap = n; }
        for (size_t k = 0; k < n; k++) g->sum[k] = g->buf[0][k] + g->buf[1][k];
    }
    pthread_barrier_wait(&g->bar);
    memcpy(v, g->sum, n * sizeof *v);
    pthread_barrier_wait(&g->bar);
    return ELSTM_OK;
}

/* The windows of every batch of a run, one after the other, and each batch's size. */
typedef struct batches {
    size_t *w, nw, capw;
    size_t *size, n, capn;
} batches;

static void on_batch_windows(void *user, const size_t *w, size_t n)
{
    batches *b = user;
    if (b->nw + n > b->capw) {
        b->capw = 2 * (b->nw + n);
        b->w = realloc(b->w, b->capw * sizeof *b->w);
    }
    if (b->n == b->capn) {
        b->capn = b->capn ? 2 * b->capn : 64;
        b->size = realloc(b->size, b->capn * sizeof *b->size);
    }
    memcpy(b->w + b->nw, w, n * sizeof *w);
    b->nw += n;
    b->size[b->n++] = n;
}

static void batches_free(batches *b) { free(b->w); free(b->size); }

static int same_batches(const batches *a, const batches *b)
{
    return a->n == b->n && a->nw == b->nw && !memcmp(a->size, b->size, a->n * sizeof *a->size) &&
           !memcmp(a->w, b->w, a->nw * sizeof *a->w);
}

typedef struct run_out {
    batches b;        /* every batch's windows */
    float *params;
    size_t total;
    elstm_epoch_record hist[16];
    int n_hist;
    elstm_status st;
    elstm_train_result res;
    char msg[1100];
} run_out;

typedef struct job {
    const unsigned char *mine;
    int threads, epochs, resume, writer;
    const char *checkpoint;
    member *mem;   /* NULL: one process */
    int use_fit;   /* the ordinary float training (elstm_trainer_fit) instead; 2: elstm_trainer_fit_sets
                      (float sums, the series known) */
    run_out out;
} job;

static proc_data *data_for[2];

static void *run_job(void *arg)
{
    job *j = arg;
    proc_data *p = calloc(1, sizeof *p);
    build(p, j->mine);
    elstm_train_opts o;
    opts_small(&o, j->threads, j->epochs);
    o.checkpoint = j->checkpoint;
    elstm_diag d;
    memset(&d, 0, sizeof d);
    elstm_trainer *tr = NULL;
    j->out.st = elstm_trainer_create(&tr, &o, I, T, &d);
    if (j->out.st == ELSTM_OK) {
        elstm_train_dist dist = {S, train_n, val_n, j->mine, j->mem ? group_allreduce : NULL, j->mem, j->writer};
        elstm_train_callbacks cb = {&j->out.b, NULL, NULL, on_batch_windows};
        elstm_dataset sets[S]; /* fit_sets reads their window counts */
        memset(sets, 0, sizeof sets);
        for (int s = 0; s < S; s++) {
            sets[s].n_win[ELSTM_SPLIT_TRAIN] = train_n[s];
            sets[s].n_win[ELSTM_SPLIT_VAL] = val_n[s];
        }
        j->out.st = j->use_fit == 1 ? elstm_trainer_fit(tr, &p->train, &p->val, j->resume, &cb, &j->out.res, &d)
                    : j->use_fit == 2 ? elstm_trainer_fit_sets(tr, sets, S, &p->train, &p->val, 0, j->resume, &cb,
                                                               &j->out.res, &d)
                                      : elstm_trainer_fit_dist(tr, &p->train, &p->val, &dist, j->resume, &cb, &j->out.res, &d);
        elstm_param_layout l;
        elstm_trainer_layout(tr, &l);
        j->out.total = l.total;
        j->out.params = malloc(l.total * sizeof(float));
        memcpy(j->out.params, elstm_trainer_params(tr), l.total * sizeof(float));
        int nh = 0;
        const elstm_epoch_record *h = elstm_trainer_history(tr, &nh);
        j->out.n_hist = nh > 16 ? 16 : nh;
        if (nh > 0) memcpy(j->out.hist, h, (size_t)j->out.n_hist * sizeof *h);
    }
    snprintf(j->out.msg, sizeof j->out.msg, "%s", d.msg);
    elstm_trainer_free(tr);
    free(p);
    return NULL;
}

static const unsigned char ALL[S] = {1, 1, 1};

static run_out one(int threads, int epochs, int use_fit, const char *ckpt, int resume)
{
    job j;
    memset(&j, 0, sizeof j);
    j.mine = ALL;
    j.threads = threads;
    j.epochs = epochs;
    j.use_fit = use_fit;
    j.checkpoint = ckpt;
    j.resume = resume;
    j.writer = 1;
    run_job(&j);
    return j.out;
}

/* Two processes: series 0 and 2 in the first (t0 threads), series 1 in the second. */
static void two(int t0, int t1, int epochs, const char *ckpt, run_out *a, run_out *b)
{
    static const unsigned char M0[S] = {1, 0, 1}, M1[S] = {0, 1, 0};
    group g;
    memset(&g, 0, sizeof g);
    pthread_barrier_init(&g.bar, NULL, 2);
    member m[2] = {{&g, 0}, {&g, 1}};
    job j[2];
    memset(j, 0, sizeof j);
    j[0] = (job){.mine = M0, .threads = t0, .epochs = epochs, .writer = 1, .checkpoint = ckpt, .mem = &m[0]};
    j[1] = (job){.mine = M1, .threads = t1, .epochs = epochs, .writer = 0, .checkpoint = ckpt, .mem = &m[1]};
    pthread_t th;
    pthread_create(&th, NULL, run_job, &j[1]);
    run_job(&j[0]);
    pthread_join(th, NULL);
    pthread_barrier_destroy(&g.bar);
    free(g.sum);
    *a = j[0].out;
    *b = j[1].out;
}

static void out_free(run_out *o)
{
    free(o->params);
    batches_free(&o->b);
}

static int series_of(size_t w)
{
    int s = 0;
    while (s < S - 1 && w >= train_n[s]) w -= train_n[s++];
    return s;
}

/* Every batch within one window of an equal share of every series? */
static int balanced(const batches *b)
{
    size_t off = 0;
    for (size_t k = 0; k < b->n; off += b->size[k++]) {
        size_t c[S] = {0};
        for (size_t i = 0; i < b->size[k]; i++) c[series_of(b->w[off + i])]++;
        for (int s = 0; s < S; s++)
            if (c[s] < b->size[k] / S || c[s] > (b->size[k] + S - 1) / S) return 0;
    }
    return 1;
}

/* Series sampling's batches over `epochs` epochs of batch B: the sizes of uniform
 * sampling's (ceil(n / B) a epoch, the last one the rest); balanced; after every batch
 * the windows drawn so far from each series within one of each other (the remainder
 * rotates); each series' draws, in order, cut into runs of its window count: each run
 * holds every window of the series once, the runs not in window order and not all alike
 * (reshuffled at each wrap). `why` says what failed. */
static int series_batches_ok(const batches *b, int epochs, size_t B, char *why, size_t nwhy)
{
    size_t n = 0, first[S], off = 0;
    for (int s = 0; s < S; s++) {
        first[s] = n;
        n += train_n[s];
    }
    const size_t per = (n + B - 1) / B;
    if (b->n != (size_t)epochs * per) return snprintf(why, nwhy, "%zu batches, not %zu", b->n, (size_t)epochs * per), 0;
    for (size_t k = 0; k < b->n; k++) {
        size_t lo = k % per * B, want = n - lo < B ? n - lo : B;
        if (b->size[k] != want) return snprintf(why, nwhy, "batch %zu has %zu windows, not %zu", k, b->size[k], want), 0;
    }
    if (!balanced(b)) return snprintf(why, nwhy, "a batch is not an equal share of every series"), 0;
    size_t drawn[S] = {0}, *seq[S];
    for (int s = 0; s < S; s++) seq[s] = malloc(b->nw * sizeof *seq[s]);
    int ok = 1;
    for (size_t k = 0; ok && k < b->n; off += b->size[k++]) {
        for (size_t i = 0; i < b->size[k]; i++) {
            int s = series_of(b->w[off + i]);
            seq[s][drawn[s]++] = b->w[off + i] - first[s];
        }
        for (int s = 1; s < S; s++)
            if (drawn[s] > drawn[0] + 1 || drawn[0] > drawn[s] + 1) ok = 0;
        if (!ok) snprintf(why, nwhy, "after batch %zu the series have %zu, %zu, %zu windows", k, drawn[0], drawn[1], drawn[2]);
    }
    for (int s = 0; ok && s < S; s++) {
        const size_t m = train_n[s], runs = drawn[s] / m;
        unsigned char *seen = malloc(m);
        int ordered = 1, alike = 1;
        for (size_t r = 0; ok && r < runs; r++) {
            memset(seen, 0, m);
            for (size_t i = 0; i < m; i++) {
                size_t w = seq[s][r * m + i];
                if (w >= m || seen[w]++) ok = 0;
                if (w != i) ordered = 0;
                if (r > 0 && w != seq[s][(r - 1) * m + i]) alike = 0;
            }
            if (!ok) snprintf(why, nwhy, "series %d: run %zu of its draws is not a shuffle of its windows", s, r);
        }
        if (ok && runs < 2) ok = 0, snprintf(why, nwhy, "series %d wrapped %zu times: too few to check", s, runs);
        if (ok && (ordered || alike)) ok = 0, snprintf(why, nwhy, "series %d: its runs are in order or all alike", s);
        free(seen);
    }
    for (int s = 0; s < S; s++) free(seq[s]);
    return ok;
}

static int same(const run_out *a, const run_out *b)
{
    if (a->st != ELSTM_OK || b->st != ELSTM_OK || a->total != b->total || a->n_hist != b->n_hist) return 0;
    if (memcmp(a->params, b->params, a->total * sizeof(float)) != 0) return 0;
    for (int e = 0; e < a->n_hist; e++)
        if (memcmp(&a->hist[e].loss, &b->hist[e].loss, sizeof(double)) ||
            memcmp(&a->hist[e].val_loss, &b->hist[e].val_loss, sizeof(double)))
            return 0;
    return 1;
}

int main(void)
{
    test_suite("train_dist");
    (void)data_for;
    make_series();
    const int E = 3;
    run_out p1 = one(1, E, 0, NULL, 0), p2 = one(2, E, 0, NULL, 0), p3 = one(3, E, 0, NULL, 0);
    if (!TEST_TRUE("one process, 1 thread: trains", p1.st == ELSTM_OK && p1.n_hist == E))
        printf("# %s\n", p1.msg);
    TEST_TRUE("1, 2 and 3 threads: the same weights and losses, bit for bit", same(&p1, &p2) && same(&p1, &p3));
    TEST_TRUE("the losses fall", p1.n_hist == E && p1.hist[E - 1].val_loss < p1.hist[0].val_loss);

    run_out a, b;
    two(1, 1, E, NULL, &a, &b);
    if (!TEST_TRUE("two processes (series 0, 2 | 1), 1 thread each: the one-process weights", same(&a, &p1) && same(&b, &p1)))
        printf("# %s | %s\n", a.msg, b.msg);
    out_free(&a); out_free(&b);
    two(2, 1, E, NULL, &a, &b);
    TEST_TRUE("two processes with 2 and 1 threads: the same", same(&a, &p1) && same(&b, &p1));
    out_free(&a); out_free(&b);

    /* the exact sums change only the rounding: the float training of the same batches
     * (same permutation, same steps) ends close by */
    run_out f = one(1, E, 1, NULL, 0);
    size_t worst = 0;
    double d = f.st == ELSTM_OK ? test_max_abs_diff_f32(f.params, p1.params, p1.total, &worst) : INFINITY;
    test_report(d < 1e-4 && d > 0.0, "float training of the same batches: within 1e-4 (rounding only)",
                "max |diff| %.3g at %zu", d, worst);
    TEST_NEAR("... and the same first-epoch loss to 1e-6", f.hist[0].loss, p1.hist[0].loss, 1e-6);
    out_free(&f);

    /* resume: two processes stop after 2 epochs, one process resumes to E */
    char dir[] = "/tmp/elstm_dist_XXXXXX", ck[64];
    if (mkdtemp(dir)) {
        snprintf(ck, sizeof ck, "%s/ckpt", dir);
        two(1, 2, E - 1, ck, &a, &b);
        run_out r = one(2, E, 0, ck, 1);
        if (!TEST_TRUE("a checkpoint of two processes resumes in one to the uninterrupted bytes",
                       a.st == ELSTM_OK && r.st == ELSTM_OK && r.res.resumed_from == E - 1 && same(&r, &p1)))
            printf("# %s | %s\n", a.msg, r.msg);
        out_free(&a); out_free(&b); out_free(&r);
        /* the checkpoint does not fit other data: a different series spread is fine, other
         * windows are not (the float trainer's checkpoint fingerprint differs too) */
        run_out w = one(1, E, 1, ck, 1);
        TEST_TRUE("the ordinary trainer refuses a distributed checkpoint", w.st != ELSTM_OK);
        out_free(&w);
        unlink(ck);
        rmdir(dir);
    }

    /* a process whose windows do not add up to its series */
    {
        static const unsigned char M0[S] = {1, 0, 0};
        proc_data *p = calloc(1, sizeof *p);
        build(p, ALL);
        elstm_train_opts o;
        opts_small(&o, 1, 1);
        elstm_diag dg;
        memset(&dg, 0, sizeof dg);
        elstm_trainer *tr = NULL;
        elstm_train_result res;
        elstm_train_dist dist = {S, train_n, val_n, M0, NULL, NULL, 1};
        elstm_status st = elstm_trainer_create(&tr, &o, I, T, &dg);
        if (st == ELSTM_OK) st = elstm_trainer_fit_dist(tr, &p->train, &p->val, &dist, 0, NULL, &res, &dg);
        TEST_TRUE("windows that are not those of the series held: refused with a sentence",
                  st == ELSTM_ERR_ARG && strstr(dg.msg, "its series have"));
        elstm_trainer_free(tr);
        free(p);
    }
    TEST_TRUE("uniform sampling: a batch's series are not an equal share", p1.b.n > 0 && !balanced(&p1.b));
    out_free(&p1); out_free(&p2); out_free(&p3);

    /* ---- series sampling: batch 16 of 3 series (a remainder of 1 that rotates; an epoch's
     * last batch is 1 window), E epochs: every series wraps at least twice */
    g_sampling = ELSTM_SAMPLING_SERIES;
    g_batch = 16;
    char why[200] = "";
    run_out q1 = one(1, E, 0, NULL, 0), q2 = one(2, E, 0, NULL, 0);
    if (!TEST_TRUE("series sampling, one process: trains", q1.st == ELSTM_OK && q1.n_hist == E)) printf("# %s\n", q1.msg);
    if (!TEST_TRUE("series sampling: every batch an equal share of every series, each series walking reshuffled "
                   "runs of its windows, the epochs of uniform sampling", series_batches_ok(&q1.b, E, 16, why, sizeof why)))
        printf("# %s\n", why);
    TEST_TRUE("series sampling: 1 and 2 threads, the same batches and bytes", same(&q1, &q2) && same_batches(&q1.b, &q2.b));
    g_sampling = ELSTM_SAMPLING_UNIFORM;
    run_out u = one(1, E, 0, NULL, 0);
    g_sampling = ELSTM_SAMPLING_SERIES;
    TEST_TRUE("... other weights than uniform sampling's", u.st == ELSTM_OK && q1.st == ELSTM_OK &&
              memcmp(u.params, q1.params, u.total * sizeof(float)) != 0);
    out_free(&u);
    two(1, 2, E, NULL, &a, &b);
    if (!TEST_TRUE("series sampling, two processes (series 0, 2 | 1): the one-process batches and bytes",
                   same(&a, &q1) && same(&b, &q1) && same_batches(&a.b, &q1.b) && same_batches(&b.b, &q1.b)))
        printf("# %s | %s\n", a.msg, b.msg);
    out_free(&a); out_free(&b);
    run_out qf = one(2, E, 2, NULL, 0);
    d = qf.st == ELSTM_OK ? test_max_abs_diff_f32(qf.params, q1.params, q1.total, &worst) : INFINITY;
    if (!test_report(same_batches(&qf.b, &q1.b) && d < 1e-4, "series sampling with float sums (fit_sets): the same "
                     "batches, weights within rounding", "max |diff| %.3g; %s", d, qf.msg))
        printf("# %s\n", qf.msg);
    out_free(&qf);
    run_out qn = one(1, 1, 1, NULL, 0); /* elstm_trainer_fit does not know the series */
    TEST_TRUE("series sampling without the series (elstm_trainer_fit): refused", qn.st == ELSTM_ERR_ARG &&
              strstr(qn.msg, "series sampling"));
    out_free(&qn);
    char dir2[] = "/tmp/elstm_dist_XXXXXX", ck2[64];
    if (mkdtemp(dir2)) { /* two processes stop after epoch 1, one resumes: the rest of the walks */
        snprintf(ck2, sizeof ck2, "%s/ckpt", dir2);
        two(2, 1, 1, ck2, &a, &b);
        run_out r = one(1, E, 0, ck2, 1);
        size_t first_batches = a.b.n;
        int tail_same = r.b.n + first_batches == q1.b.n &&
                        !memcmp(r.b.w, q1.b.w + a.b.nw, r.b.nw * sizeof *r.b.w);
        if (!TEST_TRUE("series sampling: a checkpoint of two processes resumes in one to the uninterrupted "
                       "batches and bytes", r.st == ELSTM_OK && r.res.resumed_from == 1 && tail_same && same(&r, &q1)))
            printf("# %s | %s\n", a.msg, r.msg);
        out_free(&a); out_free(&b); out_free(&r);
        g_sampling = ELSTM_SAMPLING_UNIFORM;
        run_out w = one(1, E, 0, ck2, 1);
        TEST_TRUE("a series-sampling checkpoint does not resume with uniform sampling", w.st != ELSTM_OK);
        out_free(&w);
        g_sampling = ELSTM_SAMPLING_SERIES;
        unlink(ck2);
        rmdir(dir2);
    }
    /* a batch larger than three times a series: that series wraps within a batch */
    g_batch = 200;
    run_out big = one(1, 3, 0, NULL, 0);
    if (!TEST_TRUE("series sampling, batch 200 (series 1 has 61 windows for a share of 66-67): shares and walks hold",
                   big.st == ELSTM_OK && series_batches_ok(&big.b, 3, 200, why, sizeof why)))
        printf("# %s %s\n", why, big.msg);
    out_free(&big);
    out_free(&q1); out_free(&q2);
    printf("# train_dist: %d checks, %d failed\n", test_count, test_failures);
    return test_failures ? 1 : 0;
}
