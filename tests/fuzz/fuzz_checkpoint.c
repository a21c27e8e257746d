/*
 * fuzz_checkpoint.c - libFuzzer target for the checkpoint reader (train/checkpoint.c).
 *
 * A small trainer (2 inputs, 3 steps, 2 units, 8 training and 4 validation windows of fixed
 * data) is fixed once; each input is taken as the bytes of its MODEL.ckpt. The parse must
 * end in ELSTM_OK or a refusal with a message; when it accepts, training resumes for one
 * more epoch from the state it loaded, which must end normally or as a divergence (NaN loss),
 * never in a sanitizer report: this is where a wild Adam step count or moment would show.
 *
 * Structure-aware (LLVMFuzzerCustomMutator): most mutations change one field of the
 * checkpoint - a header count, the random state, one float of a block, one number of an
 * epoch record - to an edge value and recompute the CRC-32, so that they reach the value
 * checks behind the checksum; the rest are libFuzzer's byte mutations, with or without the
 * checksum recomputed. An input without the magic is replaced by a sound checkpoint.
 * `make fuzz` runs it; `make test` replays tests/fuzz/corpus/fuzz_checkpoint/.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../train/internal.h"
#include "edgelstm/fileio.h"
#include "../test_rng.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define ROWS 20
#define INPUTS 2
#define STEPS 3
#define HDR 104   /* sizeof(ckpt_header) in train/checkpoint.c */

static float g_x[ROWS * INPUTS], g_ytr[8], g_yva[4];
static size_t g_str[8], g_sva[4];
static elstm_windows g_train, g_val;

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_checkpoint: invariant violated: %s\n", what);
        abort();
    }
}

static elstm_trainer *new_trainer(int epochs)
{
    elstm_train_opts o;
    elstm_train_opts_default(&o);
    o.units = 2;
    o.batch = 4;
    o.epochs = epochs;
    o.patience = 0;
    o.seed = 7;
    o.threads = 1;
    elstm_trainer *tr = NULL;
    elstm_diag d;
    elstm_diag_clear(&d);
    require(elstm_trainer_create(&tr, &o, INPUTS, STEPS, &d) == ELSTM_OK, "the trainer is created");
    return tr;
}

static void setup(void)
{
    static int done;
    if (done) return;
    done = 1;
    for (int r = 0; r < ROWS; r++)
        for (int i = 0; i < INPUTS; i++) g_x[r * INPUTS + i] = (float)(0.5 + 0.4 * sin(0.7 * r + i));
    for (int k = 0; k < 8; k++) g_str[k] = (size_t)k, g_ytr[k] = g_x[(k + STEPS) * INPUTS];
    for (int k = 0; k < 4; k++) g_sva[k] = (size_t)(10 + k), g_yva[k] = g_x[(10 + k + STEPS) * INPUTS];
    g_train = (elstm_windows){g_x, INPUTS, STEPS, 8, g_str, g_ytr, NULL, 1, NULL};
    g_val = (elstm_windows){g_x, INPUTS, STEPS, 4, g_sva, g_yva, NULL, 1, NULL};
}

/* A sound checkpoint after `epochs` epochs (malloc'd). */
static uint8_t *sound(int epochs, size_t *len)
{
    setup();
    elstm_trainer *tr = new_trainer(epochs);
    elstm_train_result res;
    elstm_diag d;
    elstm_diag_clear(&d);
    require(elstm_trainer_fit(tr, &g_train, &g_val, 0, NULL, &res, &d) == ELSTM_OK, "the seed run trains");
    uint8_t *buf = NULL;
    require(tr_ckpt_serialize(tr, tr_fingerprint(tr, &g_train, &g_val), &buf, len, &d) == ELSTM_OK,
            "the seed checkpoint is written");
    elstm_trainer_free(tr);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    elstm_trainer *tr = new_trainer(1);
    elstm_diag d;
    elstm_diag_clear(&d);
    const size_t batches = 2;   /* 8 windows, batch 4 */
    elstm_status s = tr_ckpt_parse(tr, tr_fingerprint(tr, &g_train, &g_val), batches, data, size, "fuzz.ckpt", &d);
    if (s != ELSTM_OK) {
        require(d.msg[0] != '\0' && strncmp(d.msg, "fuzz.ckpt: ", 11) == 0, "a refusal names the checkpoint");
        require(tr->epochs_done == 0 && tr->adam_t == 0 && tr->n_hist == 0, "a refused checkpoint changes nothing");
        elstm_trainer_free(tr);
        return 0;
    }
    require(tr->epochs_done >= 1 && tr->adam_t == (int64_t)batches * tr->epochs_done, "accepted counters are sound");
    /* one more epoch from the loaded state */
    {
        tr->opts.epochs = tr->epochs_done + 1;
        elstm_train_result res;
        elstm_diag_clear(&d);
        s = elstm_trainer_fit(tr, &g_train, &g_val, 0, NULL, &res, &d);
        require(s == ELSTM_OK || (s == ELSTM_ERR_NUMERIC && d.msg[0]), "the resumed epoch ends or diverges");
    }
    elstm_trainer_free(tr);
    return 0;
}

/* ---- the structure-aware mutator ---------------------------------------------------------- */

static uint64_t g_rand;
static uint64_t next(void) { return test_lcg64(&g_rand) >> 11; }

static void fix_crc(uint8_t *data, size_t size)
{
    if (size < 4) return;
    uint32_t crc = elstm_crc32(data, size - 4);
    memcpy(data + size - 4, &crc, 4);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    g_rand ^= seed;
    if (size < HDR + 12 || memcmp(data, "ELSTMCK1", 8) != 0) {
        size_t len;
        uint8_t *good = sound(1 + (int)(next() % 3), &len);
        if (len <= max_size) {
            memcpy(data, good, len);
            size = len;
        }
        free(good);
        return size;
    }
    unsigned kind = (unsigned)(next() % 10);
    if (kind >= 8) {   /* bytes, the checksum recomputed or not */
        size = LLVMFuzzerMutate(data, size, max_size);
        if (kind == 8) fix_crc(data, size);
        return size;
    }
    uint64_t total;
    memcpy(&total, data + 96, sizeof total);
    size_t blocks_end = HDR + 16 * (size_t)(total < (1u << 20) ? total : 0);
    static const int64_t ints[] = {0, 1, 2, 3, -1, 4, 6, 1000, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 1LL << 40};
    static const double reals[] = {0.0, -0.0, 1.0, -1.0, 1e-40, 1e38, 3.5e38, -1e300, 1e300, INFINITY, -INFINITY, NAN};
    int64_t iv = ints[next() % (sizeof ints / sizeof ints[0])];
    double dv = reals[next() % (sizeof reals / sizeof reals[0])];
    int32_t i32 = (int32_t)iv;
    float fv = (float)dv;
    switch (kind) {
    case 0: memcpy(data + 32 + 4 * (next() % 4), &i32, 4); break;             /* epochs, best, wait, pad */
    case 1: memcpy(data + 48, &iv, 8); break;                                 /* adam_t */
    case 2: memcpy(data + 56 + 8 * (next() % 4), &iv, 8); break;              /* the random state */
    case 3: memcpy(data + 88, &dv, 8); break;                                 /* best loss */
    case 4:                                                                   /* one float of a block */
        if (blocks_end > HDR && blocks_end <= size) memcpy(data + HDR + 4 * (next() % (4 * total)), &fv, 4);
        break;
    case 5:                                                                   /* the record count */
        if (blocks_end + 8 <= size) memcpy(data + blocks_end, &iv, 8);
        break;
    case 6:                                                                   /* one number of a record */
        if (blocks_end + 8 + 32 + 4 <= size) {
            size_t n = (size - 4 - blocks_end - 8) / 32;
            memcpy(data + blocks_end + 8 + 32 * (next() % (n ? n : 1)) + 8 * (next() % 4), &dv, 8);
        }
        break;
    default: {                                                                /* a count and the sizes: total */
        uint64_t t = (uint64_t)iv;
        memcpy(data + 96, &t, 8);
        break;
    }
    }
    fix_crc(data, size);
    return size;
}
