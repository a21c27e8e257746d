/*
 * checkpoint.c - the trainer's state after an epoch, for --resume (docs/training.md):
 * a fixed header (magic, version, sizes, the fingerprint of the data and options, the
 * early-stopping and Adam counters, the RNG state), the parameter, Adam m and v and
 * best-weights blocks, the record of every epoch, (version 4) the learning-rate
 * schedule's state, and (since version 3) the CRC-32 of all that. Written atomically. A checkpoint that is not one, an older one without the
 * checksum, a damaged one (the checksum) and one whose values could not come from a run
 * (the counters, the floats) are refused by name before anything of it is used.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/fileio.h"
#include "internal.h"

#define CKPT_MAGIC "ELSTMCK1"
#define CKPT_VERSION 4
#define CKPT_MAX_EPOCHS 100000000   /* far beyond --epochs; keeps every count in range */

typedef struct ckpt_header {
    char magic[8];
    uint32_t version, n_units, n_input, steps;
    uint64_t fingerprint;
    int32_t epochs_done, best_epoch, wait, pad_;
    int64_t adam_t;
    uint64_t rng[4];
    double best_monitor;
    uint64_t total;          /* floats per block; params, m, v, best follow */
} ckpt_header;

#define CKPT_RECORD_BYTES (4 * sizeof(double))   /* epoch, loss, val_loss, lr */
#define CKPT_LR_BYTES (2 * sizeof(double))       /* the learning rate now, epochs on its plateau */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 0x100000001b3ULL; }
    return h;
}

uint64_t tr_fnv(uint64_t h, const void *p, size_t n) { return fnv(h, p, n); }

static uint64_t hash_windows(uint64_t h, const elstm_windows *w)
{
    h = fnv(h, &w->n, sizeof w->n);
    if (w->n == 0) return h;
    size_t maxrow = 0;
    for (size_t k = 0; k < w->n; k++)
        if (w->start[k] > maxrow) maxrow = w->start[k];
    h = fnv(h, w->start, w->n * sizeof *w->start);
    if (w->target) h = fnv(h, w->target, w->n * (size_t)(w->n_output > 1 ? w->n_output : 1) * sizeof *w->target);
    return fnv(h, w->x, (maxrow + (size_t)w->steps) * (size_t)w->n_input * sizeof(float));
}

/* What a resume must agree on: the data and every option that changes the arithmetic
 * except the epoch limit, the patience and the thread count (docs/training.md). */
uint64_t tr_fingerprint(const elstm_trainer *tr, const elstm_windows *train, const elstm_windows *val)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const elstm_train_opts *o = &tr->opts;
    int32_t ints[4] = {tr->N, tr->I, tr->T, o->batch};
    double dbl[4] = {o->lr, o->beta1, o->beta2, o->epsilon};
    h = fnv(h, ints, sizeof ints);
    h = fnv(h, dbl, sizeof dbl);
    h = fnv(h, &o->seed, sizeof o->seed);
    if (tr->O != 1 || o->clip_norm > 0.0 || (o->lr_factor > 0.0 && o->lr_factor < 1.0)) {
        /* the multi-step and recipe options (absent from the seed's recipe, whose
         * fingerprint stays what it was) */
        double more[5] = {tr->O, o->clip_norm, o->lr_factor, o->lr_patience, o->min_lr};
        h = fnv(h, more, sizeof more);
    }
    h = hash_windows(h, train);
    return hash_windows(h, val);
}

uint64_t tr_fingerprint_series(const elstm_trainer *tr, uint64_t h, int n_series, const size_t *train_n)
{
    if (tr->opts.sampling != ELSTM_SAMPLING_SERIES) return h; /* uniform: the fingerprint it always had */
    h = fnv(h, "sampling=series", 15);
    h = fnv(h, &n_series, sizeof n_series);
    return fnv(h, train_n, (size_t)n_series * sizeof *train_n);
}

/* The windows w[first .. first + n) as a series: their starts relative to the first row
 * they use, those rows and their targets (so the hash does not depend on where the
 * series sits in a process's row matrix). */
static uint64_t hash_series(uint64_t h, const elstm_windows *w, size_t first, size_t n)
{
    h = fnv(h, &n, sizeof n);
    if (n == 0) return h;
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t k = first; k < first + n; k++) {
        if (w->start[k] < lo) lo = w->start[k];
        if (w->start[k] > hi) hi = w->start[k];
    }
    for (size_t k = first; k < first + n; k++) {
        uint64_t rel = (uint64_t)(w->start[k] - lo);
        h = fnv(h, &rel, sizeof rel);
    }
    const size_t O = (size_t)(w->n_output > 1 ? w->n_output : 1);
    if (w->target) h = fnv(h, w->target + first * O, n * O * sizeof *w->target);
    return fnv(h, w->x + lo * (size_t)w->n_input, (hi - lo + (size_t)w->steps) * (size_t)w->n_input * sizeof(float));
}

elstm_status tr_fingerprint_dist(const elstm_trainer *tr, const elstm_train_dist *d, const elstm_windows *train,
                                 const elstm_windows *val, uint64_t *fp, elstm_diag *diag)
{
    size_t S = (size_t)d->n_series, tf = 0, vf = 0;
    int64_t *hs = calloc(2 * S, sizeof *hs);
    if (!hs) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t s = 0; s < S; s++) {
        size_t vn = d->val_n ? d->val_n[s] : 0;
        if (!d->mine[s]) continue;
        uint64_t a = hash_series(0xcbf29ce484222325ULL, train, tf, d->train_n[s]);
        uint64_t b = hash_series(0xcbf29ce484222325ULL, val, vf, vn);
        memcpy(&hs[2 * s], &a, sizeof a);
        memcpy(&hs[2 * s + 1], &b, sizeof b);
        tf += d->train_n[s];
        vf += vn;
    }
    elstm_status st = d->allreduce ? d->allreduce(d->user, hs, 2 * S, diag) : ELSTM_OK;
    if (st == ELSTM_OK) {
        uint64_t h = 0xcbf29ce484222325ULL;
        const elstm_train_opts *o = &tr->opts;
        int32_t ints[5] = {tr->N, tr->I, tr->T, o->batch, d->n_series};
        double dbl[4] = {o->lr, o->beta1, o->beta2, o->epsilon};
        double more[5] = {tr->O, o->clip_norm, o->lr_factor, o->lr_patience, o->min_lr};
        h = fnv(h, "distributed", 11);
        h = fnv(h, ints, sizeof ints);
        h = fnv(h, dbl, sizeof dbl);
        h = fnv(h, more, sizeof more);
        h = fnv(h, &o->seed, sizeof o->seed);
        *fp = tr_fingerprint_series(tr, fnv(h, hs, 2 * S * sizeof *hs), d->n_series, d->train_n);
    }
    free(hs);
    return st;
}

elstm_status tr_ckpt_serialize(const elstm_trainer *tr, uint64_t fp, uint8_t **out, size_t *out_len, elstm_diag *diag)
{
    const size_t tot = tr->lay.total, blocks_end = sizeof(ckpt_header) + 4 * tot * sizeof(float),
                 hist_end = blocks_end + sizeof(int64_t) + (size_t)tr->n_hist * CKPT_RECORD_BYTES,
                 body = hist_end + CKPT_LR_BYTES,
                 nbytes = body + sizeof(uint32_t);
    *out = NULL;
    *out_len = 0;
    unsigned char *buf = calloc(1, nbytes);
    if (!buf) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, tr->opts.checkpoint, 0, "out of memory writing the checkpoint");
    ckpt_header hd;
    memset(&hd, 0, sizeof hd);
    memcpy(hd.magic, CKPT_MAGIC, 8);
    hd.version = CKPT_VERSION;
    hd.n_units = (uint32_t)tr->N;
    hd.n_input = (uint32_t)tr->I;
    hd.steps = (uint32_t)tr->T;
    hd.fingerprint = fp;
    hd.epochs_done = tr->epochs_done;
    hd.best_epoch = tr->best_epoch;
    hd.wait = tr->wait;
    hd.adam_t = tr->adam_t;
    memcpy(hd.rng, tr->rng.s, sizeof hd.rng);
    hd.best_monitor = tr->best_monitor;
    hd.total = tot;
    memcpy(buf, &hd, sizeof hd);
    const float *blocks[4] = {tr->params, tr->m, tr->v, tr->best};
    for (int i = 0; i < 4; i++)
        memcpy(buf + sizeof hd + (size_t)i * tot * sizeof(float), blocks[i], tot * sizeof(float));
    int64_t nh = tr->n_hist;
    memcpy(buf + blocks_end, &nh, sizeof nh);
    for (int i = 0; i < tr->n_hist; i++) {
        const elstm_epoch_record *e = &tr->hist[i];
        double rec[4] = {e->epoch, e->loss, e->val_loss, e->lr};
        memcpy(buf + blocks_end + sizeof nh + (size_t)i * CKPT_RECORD_BYTES, rec, sizeof rec);
    }
    const double lr[2] = {tr->lr, tr->lr_wait};
    memcpy(buf + hist_end, lr, sizeof lr);
    uint32_t crc = elstm_crc32(buf, body);
    memcpy(buf + body, &crc, sizeof crc);
    *out = buf;
    *out_len = nbytes;
    return ELSTM_OK;
}

elstm_status tr_ckpt_write(const elstm_trainer *tr, uint64_t fp, elstm_diag *diag)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    elstm_status s = tr_ckpt_serialize(tr, fp, &buf, &len, diag);
    if (s == ELSTM_OK) s = elstm_write_file_atomic(tr->opts.checkpoint, buf, len, diag);
    free(buf);
    return s;
}

/* "PATH: the checkpoint is damaged (WHY); start again without --resume". */
static elstm_status damaged(const char *path, elstm_diag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static elstm_status damaged(const char *path, elstm_diag *diag, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                          "the checkpoint is damaged (%s); start again without --resume", why);
}

static int all_finite(const float *p, size_t n, int nonneg)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i]) || (nonneg && p[i] < 0.0f)) return 0;
    return 1;
}

elstm_status tr_ckpt_parse(elstm_trainer *tr, uint64_t fp, size_t batches, const uint8_t *buf, size_t len,
                           const char *path, elstm_diag *diag)
{
    const size_t tot = tr->lay.total;
    ckpt_header hd;
    if (len < 8 || memcmp(buf, CKPT_MAGIC, 8) != 0)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                              "not an edgelstm checkpoint (it does not start with %s); start again without --resume",
                              CKPT_MAGIC);
    if (len < sizeof hd + sizeof(uint32_t)) return damaged(path, diag, "%zu bytes, shorter than its header", len);
    memcpy(&hd, buf, sizeof hd);
    if (hd.version != CKPT_VERSION)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                              "a checkpoint of format %u, which this edgelstm does not resume (it writes format %d, "
                              "with a checksum); start again without --resume",
                              (unsigned)hd.version, CKPT_VERSION);
    uint32_t crc;
    memcpy(&crc, buf + len - sizeof crc, sizeof crc);
    if (crc != elstm_crc32(buf, len - sizeof crc))
        return damaged(path, diag, "its checksum does not match its %zu bytes", len);
    /* the checksum holds: what follows catches a file made to look whole */
    if (hd.n_units != (uint32_t)tr->N || hd.n_input != (uint32_t)tr->I || hd.steps != (uint32_t)tr->T ||
        hd.fingerprint != fp)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0,
                              "the checkpoint was made with other data or options (units, steps, batch, "
                              "learning rate, seed or data differ); run without --resume to start again");
    const size_t blocks_end = sizeof hd + 4 * tot * sizeof(float);
    if (hd.total != tot || len < blocks_end + sizeof(int64_t) + sizeof crc)
        return damaged(path, diag, "its blocks do not hold %zu parameters", tot);
    int64_t nh;
    memcpy(&nh, buf + blocks_end, sizeof nh);
    if (hd.epochs_done < 1 || hd.epochs_done > CKPT_MAX_EPOCHS)
        return damaged(path, diag, "epochs done %d", (int)hd.epochs_done);
    if (hd.best_epoch < 1 || hd.best_epoch > hd.epochs_done || hd.wait != hd.epochs_done - hd.best_epoch)
        return damaged(path, diag, "best epoch %d and patience count %d after %d epochs", (int)hd.best_epoch,
                       (int)hd.wait, (int)hd.epochs_done);
    if (batches > (size_t)INT64_MAX / CKPT_MAX_EPOCHS || hd.adam_t != (int64_t)batches * hd.epochs_done)
        return damaged(path, diag, "%lld Adam steps, not %zu batches x %d epochs", (long long)hd.adam_t, batches,
                       (int)hd.epochs_done);
    if (!(isfinite(hd.best_monitor) && hd.best_monitor >= 0.0))
        return damaged(path, diag, "best loss %g", hd.best_monitor);
    if ((hd.rng[0] | hd.rng[1] | hd.rng[2] | hd.rng[3]) == 0) return damaged(path, diag, "a zero random state");
    const size_t hist_end = blocks_end + sizeof nh + (size_t)nh * CKPT_RECORD_BYTES;
    if (nh != hd.epochs_done || len != hist_end + CKPT_LR_BYTES + sizeof crc)
        return damaged(path, diag, "%lld epoch records for %d epochs in %zu bytes", (long long)nh,
                       (int)hd.epochs_done, len);
    double lr[2];
    memcpy(lr, buf + hist_end, sizeof lr);
    if (!(isfinite(lr[0]) && lr[0] > 0.0) || !(lr[1] >= 0.0 && lr[1] <= CKPT_MAX_EPOCHS && lr[1] == floor(lr[1])))
        return damaged(path, diag, "learning rate %g after %g epochs on its plateau", lr[0], lr[1]);
    const float *blocks[4];
    for (int i = 0; i < 4; i++) blocks[i] = (const float *)(const void *)(buf + sizeof hd + (size_t)i * tot * sizeof(float));
    float *copy = malloc(4 * tot * sizeof(float));   /* aligned for the checks */
    if (!copy) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory reading the checkpoint");
    memcpy(copy, blocks[0], 4 * tot * sizeof(float));
    int finite = all_finite(copy, 2 * tot, 0) && all_finite(copy + 2 * tot, tot, 1) && all_finite(copy + 3 * tot, tot, 0);
    if (!finite) {
        free(copy);
        return damaged(path, diag, "weights or Adam moments that are not finite (or a negative second moment)");
    }
    elstm_epoch_record *rec = malloc((size_t)nh * sizeof *rec + 1);
    if (!rec) {
        free(copy);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory reading the checkpoint");
    }
    for (int64_t i = 0; i < nh; i++) {
        double r[4];
        memcpy(r, buf + blocks_end + sizeof nh + (size_t)i * CKPT_RECORD_BYTES, sizeof r);
        if (r[0] != (double)(i + 1) || !(isfinite(r[1]) && r[1] >= 0.0) || !(isnan(r[2]) || (isfinite(r[2]) && r[2] >= 0.0)) ||
            !(isfinite(r[3]) && r[3] > 0.0)) {
            free(copy);
            free(rec);
            return damaged(path, diag, "the record of epoch %lld", (long long)(i + 1));
        }
        rec[i] = (elstm_epoch_record){(int)r[0], r[1], r[2], r[3]};
    }
    /* all checked: now the trainer takes the state */
    elstm_status s = ELSTM_OK;
    tr->n_hist = 0;
    for (int64_t i = 0; i < nh && s == ELSTM_OK; i++) s = tr_history_add(tr, &rec[i], diag);
    free(rec);
    if (s != ELSTM_OK) {
        free(copy);
        return s;
    }
    tr->epochs_done = hd.epochs_done;
    tr->best_epoch = hd.best_epoch;
    tr->wait = hd.wait;
    tr->adam_t = hd.adam_t;
    memcpy(tr->rng.s, hd.rng, sizeof hd.rng);
    tr->best_monitor = hd.best_monitor;
    tr->lr = lr[0];
    tr->lr_wait = (int)lr[1];
    float *dst[4] = {tr->params, tr->m, tr->v, tr->best};
    for (int i = 0; i < 4; i++) memcpy(dst[i], copy + (size_t)i * tot, tot * sizeof(float));
    free(copy);
    return ELSTM_OK;
}

elstm_status tr_ckpt_read(elstm_trainer *tr, uint64_t fp, size_t batches, elstm_diag *diag)
{
    const char *path = tr->opts.checkpoint;
    if (!path) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "resuming needs a checkpoint file");
    uint8_t *buf = NULL;
    size_t len = 0;
    elstm_status s = elstm_read_file(path, &buf, &len, 0, diag);
    if (s != ELSTM_OK) return s;
    s = tr_ckpt_parse(tr, fp, batches, buf, len, path, diag);
    free(buf);
    return s;
}

int elstm_checkpoint_is(const char *path)
{
    FILE *f = NULL;
    char magic[7] = {0};
    int ok = elstm_open_input(path, &f, NULL) == ELSTM_OK && fread(magic, 1, sizeof magic, f) == sizeof magic &&
             memcmp(magic, CKPT_MAGIC, 7) == 0;
    if (f) fclose(f);
    return ok;
}
