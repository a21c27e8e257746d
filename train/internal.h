/*
 * internal.h - shared by the files of the trainer (not a public header).
 *
 * The trainer's files, one concern each:
 *   trainer.c     the trainer object: options, create/free, accessors, the epoch record
 *   params.c      the parameters: one layout for weights, gradients and Adam moments,
 *                 the runtime model view, Keras's initializers
 *   bptt.c        forward and backward through time over a batch, split over threads
 *   adam.c        the Adam update
 *   checkpoint.c  checkpoints and the fingerprint a resume must match
 *   fit.c         the training loop: epochs, shuffling, validation, early stopping
 *   windows.c     a dataset's windows as training examples
 * with pool.c (the host worker pool, shared with infer.c), rng.c, and vectorize.h (-O3
 * for the files with element-wise loops).
 *
 * Shapes: B windows per batch (split into P contiguous slices, one per thread; a slice
 * has n windows), T steps, I inputs, N units, G = 4N gate rows (i, f, c, o).
 * The maths, memory layout, threading and determinism rules are in docs/training.md.
 */
#ifndef EDGELSTM_TRAIN_INTERNAL_H
#define EDGELSTM_TRAIN_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "edgelstm/train.h"
#include "pool.h"
#include "rng.h"

/* ---- parameter layout: one table, used for params, grads, Adam m and v -------------- */

/* X(name, floats) for every parameter tensor, in file/layout order (O outputs). */
#define ELSTM_TRAIN_PARAMS(X, N, I, O) \
    X(wx, 4 * (N) * (I))  /* [4][N][I] input kernel  */ \
    X(wh, 4 * (N) * (N))  /* [4][N][N] recurrent kernel */ \
    X(b, 4 * (N))         /* [4][N]    gate bias */ \
    X(wd, (O) * (N))      /* [O][N]    dense kernel */ \
    X(bd, (O))            /* [O]       dense bias */

typedef struct pview {
#define X(name, count) float *name;
    ELSTM_TRAIN_PARAMS(X, 0, 0, 0)
#undef X
} pview;

/* The tensors of a block with layout l (params, a gradient, m or v). */
static inline pview tr_view(float *base, const elstm_param_layout *l)
{
    pview v;
#define X(name, count) v.name = base + l->name;
    ELSTM_TRAIN_PARAMS(X, 0, 0, 0)
#undef X
    return v;
}

/* ---- the trainer ------------------------------------------------------------------- */

typedef struct worker {
    struct elstm_trainer *tr;
    float *grad;   /* [total]       this slice's gradient (layout of elstm_param_layout) */
    float *hx;     /* step t's GEMM input rows [h_{t-1}, x_t] (h_{-1} = 0): [K1P/16][hps][16]
                                    (16-column panels, row r = t n + b, K1P = N+I+1 rounded up
                                    to 16; column N+I all ones, the rest of the padding zero)
                                    when hps > 0, else [T][n][N+I] */
    size_t hps;    /* HX's panel stride in floats (as zps), 0 for the row-major layout */
    float *hlast;  /* [n][N]        hidden state after the last step */
    float *z;      /* gate activations (forward), then dZ (backward): [G/16][zps][16]
                                    (16-column panels, row r = t n + b) when zps > 0, else
                                    [T][n][G] */
    size_t zps;    /* Z's panel stride in floats (T slice_max 16 + 16: panels do not start
                                    4 KB apart), 0 for the row-major layout */
    float *dw;     /* [K1][G] [H, X]^T dZ (packed), or [G][K1P] dZ^T [H, X] (OpenBLAS): the
                                    recurrent and input kernel gradients */
    float *c;      /* [T][n][N]     cell states */
    float *tc;     /* [T][n][N]     tanh of the cell states */
    float *dh;     /* [n][N]        gradient wrt the hidden state of the current step */
    float *dc;     /* [n][N]        gradient wrt the cell state of the current step */
    float *y;      /* [n][O]        outputs */
    /* job */
    const elstm_windows *w;
    const size_t *idx;  /* [n] window indices of this slice (NULL = consecutive from first) */
    size_t first, n, batch_total;
    int backward;
    double sse;         /* sum of squared errors of the slice */
    /* stateful chunks (elstm_trainer_chunk; all NULL for windows): */
    const float *h0, *c0;   /* [n][N] the state before step 0 (NULL = zero) */
    const float *ytgt;      /* [n][T] a target per step (NaN = no loss there): the dense layer
                               reads every step's h; NULL = one target per window, last step */
    float *dy;              /* [n][T] d loss / d y_t (made by the forward pass) */
    float dy_scale;         /* 2 / (targets in the whole chunk batch) */
    float *dh0, *dc0;       /* [n][N] gradient of the loss wrt h0 and c0 (NULL = not wanted) */
    float *h_out, *c_out;   /* [n][N] the state after the last step (NULL = not kept; may be h0/c0) */
    int64_t sse_q;      /* the same sum exactly: each window's squared error in fixed point */
    int bad;            /* a fixed-point value was out of range or not finite */
    int64_t *gq;        /* [total] exact sum of this thread's units' gradients (deterministic
                                    training: tr_grads_fixed), NULL until first used */
} worker;

struct elstm_trainer {
    elstm_train_opts opts;
    int N, I, T, P, O;          /* units, inputs, steps, threads, outputs */
    size_t slice_max;           /* windows per thread slice at most */
    size_t slice_cap;           /* ... and the buffers' room: slice_max or a unit (TR_UNIT) */
    elstm_param_layout lay;
    float *params, *grad, *m, *v, *best;   /* each [lay.total], 64-byte aligned */
    float *wcat;                /* [G][N+I] [Wh, Wx]: the forward step's kernel, rebuilt per batch */
    int packed;                 /* 1: the GEMMs use train_gemm.h with the panels below */
    float *wcat_p;              /* [G/16][N+I][16] wcat^T in 16-column panels (forward)  */
    float *whp_b;               /* [N/16][G][16] Wh in 16-column panels (backward)  */
    worker *wk;                 /* [P] */
    tr_pool *pool;           /* P threads (pool.h): batches and Adam steps run on it */
    int job_backward;           /* the batch job computes gradients too */
    int job_fixed;              /* ... adds them to the threads' exact sums (wk[p].gq) */
    int job_nopack;             /* ... with the weights packed by an earlier job already */
    int exact;                  /* trained by elstm_trainer_fit_dist: the thread count left no trace */
    int64_t *gsum;              /* [total + TR_GSUM_EXTRA] exact gradient sum, then the
                                    sum of squared errors, the out-of-range flag and
                                    the stop flag */
    float adam_alpha;           /* this Adam step's bias-corrected step size */
    int64_t adam_t;             /* Adam steps taken */
    double lr;                  /* the learning rate now (opts.lr, lowered on plateaus) */
    float grad_scale;           /* this step's gradient clipping factor (1 = none) */
    tr_rng rng;
    /* early stopping / progress state (saved in checkpoints) */
    int epochs_done, best_epoch, wait;
    int lr_wait;                /* epochs without a new best since the learning rate last changed */
    double best_monitor;
    elstm_epoch_record *hist;   /* [n_hist] one record per finished epoch (saved in checkpoints) */
    int n_hist, cap_hist;
    float *seq_dy;              /* [batch][T] stateful chunks' d loss / d y_t (made on first use) */
    size_t *seq_start;          /* [batch] b * T: chunk b's rows in the chunk input */
};

/* ---- exact sums (deterministic and distributed training, docs/training.md) ----------- */

/* Fixed point: a value v is the integer round(v 2^shift); integer sums do not depend on
 * their order, so a gradient summed over any split of a batch (threads, processes) is the
 * same. Gradients of a batch's mean loss are far below 2^22 in size and far above 2^-40
 * where they matter; squared errors (normalized data) use 2^32 so that a sum over two
 * billion windows of error 1 still fits. Out of range (or not finite) sets *bad. */
#define TR_FIX_GRAD 40
#define TR_FIX_SSE 32
#define TR_GSUM_EXTRA 3
#define TR_UNIT 16 /* windows of one series at most per unit of a deterministic batch */
static inline int64_t tr_fix(double v, int shift, int *bad)
{
    double q = ldexp(v, shift);
    if (!(fabs(q) < 4611686018427387904.0)) { /* 2^62; NaN fails too */
        *bad = 1;
        return 0;
    }
    return (int64_t)llrint(q);
}

/* bptt.c: the gradient of a batch spread over units (runs of windows idx[...], unit u has
 * unit_len[u] windows; every unit is computed whole by one thread, so its floats do not
 * depend on the thread count), each unit's gradient (of the mean loss of `batch_total`
 * windows) rounded to fixed point and summed exactly into tr->gsum, with the units' sum
 * of squared errors and the range flag after it. */
elstm_status tr_grads_fixed(elstm_trainer *tr, const elstm_windows *w, const size_t *idx,
                            const size_t *unit_len, size_t n_units, size_t batch_total, elstm_diag *diag);
/* The exact sum of squared errors of all windows of w (forward only). */
elstm_status tr_sse_fixed(elstm_trainer *tr, const elstm_windows *w, int64_t *sse_q, int *bad, elstm_diag *diag);

/* trainer.c */
float *tr_falloc(size_t n);   /* n floats, zeroed, 64-byte aligned (free()) */
elstm_status tr_history_add(elstm_trainer *tr, const elstm_epoch_record *e, elstm_diag *diag);

/* params.c */
void tr_layout_make(elstm_param_layout *l, size_t N, size_t I, size_t O);
void tr_model_view(const elstm_trainer *tr, const float *base, elstm_lstm_f32 *m);
elstm_status tr_init_weights(elstm_trainer *tr, elstm_diag *diag);

/* bptt.c */
elstm_status tr_check_windows(const elstm_trainer *tr, const elstm_windows *w, elstm_diag *diag);

/* fit.c: the epoch loop shared by windowed and stateful training. A source runs one
 * epoch's batches (Adam steps included) and measures the validation loss. */
typedef struct tr_source {
    void *ctx;
    /* One epoch: *loss = the mean training loss, res->windows_trained and the on_batch
     * callback as it goes; ELSTM_ERR_INTERRUPTED / NUMERIC set res->fail_*. */
    elstm_status (*epoch)(elstm_trainer *tr, void *ctx, int epoch, const elstm_train_callbacks *cb,
                          elstm_train_result *res, double *loss, elstm_diag *diag);
    /* The validation loss, or NULL when there is no validation data. */
    elstm_status (*val)(elstm_trainer *tr, void *ctx, double *loss, elstm_diag *diag);
    uint64_t fingerprint;       /* what a --resume must match */
    size_t steps_per_epoch;     /* Adam steps of one epoch (a checkpoint's count is checked) */
    int silent;                 /* 1: another process writes the model and checkpoint (on_epoch too) */
    /* After each epoch's writing (NULL = nothing): a distributed training's processes learn
     * whether the writer failed. */
    elstm_status (*after_write)(elstm_trainer *tr, void *ctx, int epoch, elstm_diag *diag);
} tr_source;
/* Series sampling (sampler.c): the windows of each batch, an equal share from every
 * series with training windows. Window indices are global (series after series). */
typedef struct tr_sampler {
    int S;              /* series with training windows */
    uint64_t seed;
    size_t *first, *n;  /* [S] each one's first global window and its windows */
    size_t *index;      /* [S] its index among all the series (seeds its shuffles) */
    size_t *drawn;      /* [S] windows drawn from it so far */
    size_t *made;       /* [S] the number of the shuffle in perm (SIZE_MAX: none yet) */
    size_t *perm;       /* [every window] each series' current shuffle at its first window */
    size_t turn;        /* the series whose turn it is to get one of a batch's remainder */
    size_t steps;       /* batches drawn (or skipped) so far */
} tr_sampler;
elstm_status tr_sampler_init(tr_sampler *sm, uint64_t seed, int n_series, const size_t *train_n, elstm_diag *diag);
/* The next batch of nb windows into out[0..nb), series after series. */
void tr_sampler_batch(tr_sampler *sm, size_t nb, size_t *out);
/* Advance past a batch of nb windows without drawing it (a --resume's steps already taken). */
void tr_sampler_skip(tr_sampler *sm, size_t nb);
void tr_sampler_free(tr_sampler *sm);

elstm_status tr_fit_loop(elstm_trainer *tr, const tr_source *src, int resume, const elstm_train_callbacks *cb,
                         elstm_train_result *res, elstm_diag *diag);
/* Before a batch (loss NULL): was training interrupted? After it: is its loss finite?
 * Otherwise the message, and where, in res. */
elstm_status tr_batch_stop(const elstm_trainer *tr, const double *loss, int epoch, size_t batch, size_t batches,
                           elstm_train_result *res, elstm_diag *diag);

/* checkpoint.c */
uint64_t tr_fnv(uint64_t h, const void *p, size_t n);   /* 64-bit FNV-1a, continued from h */
uint64_t tr_fingerprint(const elstm_trainer *tr, const elstm_windows *train, const elstm_windows *val);
/* Under series sampling: h extended by the sampling and the series' window counts. */
uint64_t tr_fingerprint_series(const elstm_trainer *tr, uint64_t h, int n_series, const size_t *train_n);
/* The same for a distributed training: each process hashes the windows of its series, the
 * all-reduce gives every process every series' hash (one nonzero term per sum). */
elstm_status tr_fingerprint_dist(const elstm_trainer *tr, const elstm_train_dist *d, const elstm_windows *train,
                                 const elstm_windows *val, uint64_t *fp, elstm_diag *diag);
elstm_status tr_ckpt_write(const elstm_trainer *tr, uint64_t fp, elstm_diag *diag);
/* The bytes tr_ckpt_write writes (malloc'd). */
elstm_status tr_ckpt_serialize(const elstm_trainer *tr, uint64_t fp, uint8_t **out, size_t *out_len, elstm_diag *diag);
/* Resume from opts.checkpoint: `batches` per epoch (each one Adam step). The parse is the
 * whole check of a checkpoint's bytes (the checkpoint fuzz target calls it directly); on
 * failure the trainer is unchanged. */
elstm_status tr_ckpt_read(elstm_trainer *tr, uint64_t fp, size_t batches, elstm_diag *diag);
elstm_status tr_ckpt_parse(elstm_trainer *tr, uint64_t fp, size_t batches, const uint8_t *buf, size_t len,
                           const char *path, elstm_diag *diag);

#endif /* EDGELSTM_TRAIN_INTERNAL_H */
