/*
 * checkpoint.c - the trainer's state after an epoch, for --resume (docs/training.md):
 * a fixed header (magic, version, sizes, the fingerprint of the data and options, the
 * early-stopping and Adam counters, the RNG state), the parameter, Adam m and v and
 * best-weights blocks, then (version 2) the record of every epoch. Written atomically.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/fileio.h"
#include "internal.h"

#define CKPT_MAGIC "ELSTMCK1"

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

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 0x100000001b3ULL; }
    return h;
}

static uint64_t hash_windows(uint64_t h, const elstm_windows *w)
{
    h = fnv(h, &w->n, sizeof w->n);
    if (w->n == 0) return h;
    size_t maxrow = 0;
    for (size_t k = 0; k < w->n; k++)
        if (w->start[k] > maxrow) maxrow = w->start[k];
    h = fnv(h, w->start, w->n * sizeof *w->start);
    if (w->target) h = fnv(h, w->target, w->n * sizeof *w->target);
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
    h = hash_windows(h, train);
    return hash_windows(h, val);
}

elstm_status tr_ckpt_write(const elstm_trainer *tr, uint64_t fp, elstm_diag *diag)
{
    const size_t tot = tr->lay.total, blocks_end = sizeof(ckpt_header) + 4 * tot * sizeof(float),
                 nbytes = blocks_end + sizeof(int64_t) + (size_t)tr->n_hist * CKPT_RECORD_BYTES;
    unsigned char *buf = calloc(1, nbytes);
    if (!buf) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, tr->opts.checkpoint, 0, "out of memory writing the checkpoint");
    ckpt_header hd;
    memset(&hd, 0, sizeof hd);
    memcpy(hd.magic, CKPT_MAGIC, 8);
    hd.version = 2;
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
    elstm_status s = elstm_write_file_atomic(tr->opts.checkpoint, buf, nbytes, diag);
    free(buf);
    return s;
}

elstm_status tr_ckpt_read(elstm_trainer *tr, uint64_t fp, elstm_diag *diag)
{
    const char *path = tr->opts.checkpoint;
    if (!path) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "resuming needs a checkpoint file");
    uint8_t *buf = NULL;
    size_t len = 0;
    elstm_status s = elstm_read_file(path, &buf, &len, 0, diag);
    if (s != ELSTM_OK) return s;
    const size_t tot = tr->lay.total;
    ckpt_header hd;
    if (len < sizeof hd) goto bad;
    memcpy(&hd, buf, sizeof hd);
    if (memcmp(hd.magic, CKPT_MAGIC, 8) != 0 || hd.version < 1 || hd.version > 2) goto bad;
    if (hd.n_units != (uint32_t)tr->N || hd.n_input != (uint32_t)tr->I || hd.steps != (uint32_t)tr->T ||
        hd.fingerprint != fp) {
        free(buf);
        return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0,
                              "the checkpoint was made with other data or options (units, steps, batch, "
                              "learning rate, seed or data differ); run without --resume to start again");
    }
    /* version 2 adds the epoch records after the blocks (version 1 files have none) */
    const size_t blocks_end = sizeof hd + 4 * tot * sizeof(float);
    int64_t nh = 0;
    if (hd.version >= 2 && len >= blocks_end + sizeof nh) memcpy(&nh, buf + blocks_end, sizeof nh);
    if (hd.total != tot || hd.epochs_done < 0 || hd.best_epoch < 0 || hd.best_epoch > hd.epochs_done ||
        hd.wait < 0 || hd.adam_t < 0 || nh < 0 || nh > hd.epochs_done ||
        len != (hd.version >= 2 ? blocks_end + sizeof nh + (size_t)nh * CKPT_RECORD_BYTES : blocks_end))
        goto bad;
    tr->n_hist = 0;
    for (int64_t i = 0; i < nh; i++) {
        double rec[4];
        memcpy(rec, buf + blocks_end + sizeof nh + (size_t)i * CKPT_RECORD_BYTES, sizeof rec);
        elstm_epoch_record e = {(int)rec[0], rec[1], rec[2], rec[3]};
        if ((s = tr_history_add(tr, &e, diag)) != ELSTM_OK) {
            free(buf);
            return s;
        }
    }
    tr->epochs_done = hd.epochs_done;
    tr->best_epoch = hd.best_epoch;
    tr->wait = hd.wait;
    tr->adam_t = hd.adam_t;
    memcpy(tr->rng.s, hd.rng, sizeof hd.rng);
    tr->best_monitor = hd.best_monitor;
    float *blocks[4] = {tr->params, tr->m, tr->v, tr->best};
    for (int i = 0; i < 4; i++)
        memcpy(blocks[i], buf + sizeof hd + (size_t)i * tot * sizeof(float), tot * sizeof(float));
    free(buf);
    return ELSTM_OK;
bad:
    free(buf);
    return elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0, "not an edgelstm checkpoint, or a damaged one");
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
