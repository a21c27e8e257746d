/*
 * edgelstm/train.h - training LSTM(N) + Dense(O) forecasters: the seed's Keras run in C
 * (O = 1), and direct multi-step forecasters (O steps predicted at once).
 *
 * Host only (C11). The model is the one of lstm.h (gates i, f, c, o; sigmoid gates,
 * tanh cell and output; zero initial state per window; no cell clipping) followed by
 * Dense(O) on the last hidden state. Loss: mean squared error over the batch and the
 * outputs (Keras's "mse"). Optimizer:
 * Adam in Keras's exact form. Initializers: Keras's (Glorot-uniform input and dense
 * kernels, orthogonal recurrent kernel, zero biases with forget-gate bias 1).
 * The maths, memory layout, threading and determinism rules are in docs/training.md.
 *
 * Determinism: the same options (seed included), data and thread count give the same
 * weights bit for bit (own PRNG, single-threaded BLAS inside our own threads, fixed
 * reduction order). A different thread count changes the summation order, except in
 * deterministic training (elstm_trainer_fit_dist), whose sums are exact.
 *
 * The train layer never prints: progress goes through elstm_train_callbacks.
 */
#ifndef EDGELSTM_TRAIN_H
#define EDGELSTM_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "edgelstm/data.h"
#include "edgelstm/diag.h"
#include "edgelstm/lstm.h"
#include "edgelstm/model.h"

#define ELSTM_DEFAULT_UNITS    128
#define ELSTM_DEFAULT_EPOCHS   20
#define ELSTM_DEFAULT_BATCH    32
#define ELSTM_DEFAULT_LR       0.001
#define ELSTM_DEFAULT_PATIENCE 5
#define ELSTM_DEFAULT_SEED     42
#define ELSTM_MAX_THREADS      64

/* A set of training examples: overlapping windows over one matrix of rows. Window k
 * covers rows start[k] .. start[k] + steps - 1 of x; its targets are
 * target[k * n_output .. k * n_output + n_output - 1] (normalized, the model's output
 * units). x and start are borrowed. */
typedef struct elstm_windows {
    const float *x;        /* [rows][n_input] normalized inputs, row-major */
    int n_input;           /* I */
    int steps;             /* T */
    size_t n;              /* number of windows */
    const size_t *start;   /* [n] first row of each window */
    const float *target;   /* [n][n_output] normalized targets of each window */
    float *owned;          /* the targets when elstm_windows_for_split made them, else NULL */
    int n_output;          /* O, targets per window (0 is read as 1) */
    void *owned_rows;      /* rows and starts made by elstm_windows_for_sets, else NULL */
} elstm_windows;

/* The windows of one split (ELSTM_SPLIT_*) of a dataset as training examples: the
 * dataset's rows and window starts (borrowed: the dataset must outlive them) and the
 * normalized targets of each window (made here: one per output, in the dataset's
 * target mode: the value, or its change from the window's last value; NaN where the
 * target is missing; free with elstm_windows_free). ELSTM_ERR_ARG for a split that does
 * not exist, NOMEM. */
elstm_status elstm_windows_for_split(const elstm_dataset *ds, int split, elstm_windows *w,
                                     elstm_diag *diag);
void elstm_windows_free(elstm_windows *w);

typedef struct elstm_train_opts {
    int units;             /* N (--units) */
    int epochs;            /* maximum epochs (--epochs) */
    int batch;             /* windows per Adam step (--batch); the last batch may be smaller */
    double lr;             /* Adam learning rate (--lr) */
    double beta1, beta2, epsilon;  /* Adam constants (Keras: 0.9, 0.999, 1e-7) */
    int patience;          /* early stopping: stop after this many epochs without a new
                              best validation loss (--patience); 0 = never stop early */
    uint64_t seed;         /* initial weights and shuffling (--seed) */
    int threads;           /* worker threads (--threads), 1..ELSTM_MAX_THREADS */
    const char *checkpoint;        /* checkpoint file written after each epoch; NULL = none */
    const volatile sig_atomic_t *stop; /* polled between batches; nonzero = stop (signal) */
    /* Added with multi-step forecasts and the recipe options (docs/training.md); the
     * zero values of a memset struct keep the seed's recipe. */
    int outputs;           /* O: dense outputs (--horizons); 0 is read as 1 */
    double clip_norm;      /* clip the gradient to this global L2 norm (--clip); 0 = never */
    double lr_factor;      /* on a plateau multiply the learning rate by this (--lr-decay,
                              0 < f < 1); 0 or 1 = constant learning rate */
    int lr_patience;       /* epochs without a new best before the rate is lowered (--lr-patience) */
    double min_lr;         /* the rate is never lowered below this */
    int sampling;          /* how a batch's windows are drawn (--sampling): ELSTM_SAMPLING_* */
} elstm_train_opts;

/* How the windows of a batch are drawn (docs/training.md, "Sampling"). UNIFORM (0, the
 * default): one shuffle of every window of every series per epoch, batches cut from it in
 * order. SERIES: every batch takes an equal share of its windows from every series with
 * training windows (B / S each, the remainder B mod S given to the next series in turn
 * from batch to batch), each series walking its own shuffle of its windows (seeded by
 * --seed and the series' index, shuffled again when it wraps); an epoch has the steps
 * and windows of a uniform one. Short series are drawn more often than long ones. It
 * needs the series: elstm_trainer_fit_sets (several) or elstm_trainer_fit_dist. In both
 * modes the batches depend only on the seed, the series' window counts and the step:
 * never on the process or thread count. */
enum { ELSTM_SAMPLING_UNIFORM = 0, ELSTM_SAMPLING_SERIES = 1 };

void elstm_train_opts_default(elstm_train_opts *o);

/* Progress reports (all optional). `user` is passed back unchanged. */
typedef struct elstm_epoch_info {
    int epoch;             /* 1-based epoch just finished */
    int epochs;            /* maximum epochs */
    double loss;           /* mean training loss over the epoch's windows (normalized MSE) */
    double val_loss;       /* validation loss (NAN when there are no validation windows) */
    double seconds;        /* wall time of the epoch */
    int best_epoch;        /* epoch of the best weights so far */
    double best_val_loss;  /* their validation loss (training loss without validation) */
    int improved;          /* 1 if this epoch is the new best */
    int wait;              /* epochs since the best one */
    double lr;             /* learning rate of the epoch's Adam steps */
} elstm_epoch_info;

struct elstm_trainer;

typedef struct elstm_train_callbacks {
    void *user;
    /* After each batch: 1-based batch number, batches per epoch, running mean loss. */
    void (*on_batch)(void *user, int epoch, size_t batch, size_t batches, double running_loss);
    /* After each epoch, once the checkpoint is written. Returning non-OK stops training
     * with that status (the CLI writes the best model here). */
    elstm_status (*on_epoch)(void *user, const struct elstm_trainer *tr,
                             const elstm_epoch_info *info, elstm_diag *diag);
    /* Before each batch's gradient, in every process of a distributed fit: the batch's
     * windows (indices into the training windows of every process, series after series,
     * in the batch's order; a window may appear twice under series sampling when its
     * series is shorter than its share). For tests and for edgelstm-mpi's balance report. */
    void (*on_batch_windows)(void *user, const size_t *windows, size_t n);
} elstm_train_callbacks;

typedef struct elstm_train_result {
    int epochs_run;        /* epochs completed (including those before a --resume) */
    int best_epoch;        /* epoch whose weights are restored; 0 if none completed */
    double best_val_loss;  /* validation (or training) loss of the best epoch */
    int early_stopped;     /* 1 if early stopping ended the run */
    int resumed_from;      /* epochs already done when resuming (0 = fresh run) */
    double train_seconds;  /* wall time of the epochs run in this process */
    size_t windows_trained;/* training windows processed in this process (for windows/s) */
    int fail_epoch;        /* on ELSTM_ERR_NUMERIC / INTERRUPTED: epoch and batch (1-based) */
    size_t fail_batch;
} elstm_train_result;

typedef struct elstm_trainer elstm_trainer;

/* Allocate a trainer for inputs of `n_input` features and `steps` time steps and
 * initialize the weights from opts->seed (Keras initializers). */
elstm_status elstm_trainer_create(elstm_trainer **out, const elstm_train_opts *opts, int n_input,
                                  int steps, elstm_diag *diag);
void elstm_trainer_free(elstm_trainer *tr);

/* Train with early stopping (validation may have n == 0: the training loss is then
 * monitored). On return the trainer's current weights are the best epoch's.
 * With `resume`, the state is first read from opts->checkpoint (which must match the
 * data and options: a fingerprint is compared) and training continues from there; the
 * final weights equal those of an uninterrupted run with the same thread count.
 * Errors: ELSTM_ERR_NUMERIC (NaN/Inf loss; result->fail_epoch/fail_batch say where),
 * ELSTM_ERR_INTERRUPTED (opts->stop was set; the epoch in progress is discarded), I/O. */
elstm_status elstm_trainer_fit(elstm_trainer *tr, const elstm_windows *train,
                               const elstm_windows *val, int resume,
                               const elstm_train_callbacks *cb, elstm_train_result *result,
                               elstm_diag *diag);

/* ---- deterministic training, in one process or spread over several ----------------- */

/* The series (datasets) of one model spread over processes (MPI ranks: build/edgelstm-mpi).
 * Every process passes the same counts and, as `train`/`val`, the windows of the series it
 * holds, in series order. The windows of all processes, series after series, are the
 * training set: one permutation of them per epoch (the same in every process), batches of
 * opts.batch windows (under ELSTM_SAMPLING_SERIES: an equal share of every series). A
 * batch's windows of one series, in batch order, make units of up to 16 windows; each
 * unit's gradient is computed by one thread, rounded to fixed point (2^-40) and summed
 * in 64-bit integers, then over the processes by `allreduce`, so the step, the losses,
 * and the model bytes are the same for any number of processes and threads (and any
 * spread of the series). docs/training.md has the rules. */
/* Sum n integers over every process in place (MPI_Allreduce, MPI_SUM; called by every
 * process the same number of times with the same n). */
typedef elstm_status (*elstm_allreduce_fn)(void *user, int64_t *v, size_t n, elstm_diag *diag);

typedef struct elstm_train_dist {
    int n_series;
    const size_t *train_n;       /* [n_series] training windows of each series */
    const size_t *val_n;         /* [n_series] validation windows (NULL: none) */
    const unsigned char *mine;   /* [n_series] 1 for the series this process holds */
    elstm_allreduce_fn allreduce; /* the sums over the processes; NULL: one process */
    void *user;
    int writer;                  /* this process calls on_batch/on_epoch and writes checkpoints */
} elstm_train_dist;

/* elstm_trainer_fit over the windows of every process (above). With `resume` every process
 * reads opts->checkpoint, written by the writer; its fingerprint covers the series' windows
 * (not the process count) so a run may resume with another number of processes. */
elstm_status elstm_trainer_fit_dist(elstm_trainer *tr, const elstm_windows *train,
                                    const elstm_windows *val, const elstm_train_dist *dist, int resume,
                                    const elstm_train_callbacks *cb, elstm_train_result *result,
                                    elstm_diag *diag);

/* 1 if `path` is an edgelstm checkpoint file (it starts with the checkpoint magic),
 * whatever its state: one that `train` may replace. */
int elstm_checkpoint_is(const char *path);

/* The best weights so far (during fit: as of the last finished epoch; after fit: the
 * restored weights) as a runtime model view (cell_clip 0, n_output 1). The pointers
 * stay valid until the trainer is freed or trained further. */
void elstm_trainer_best_model(const elstm_trainer *tr, elstm_lstm_f32 *m);
/* The current weights as a model view. */
void elstm_trainer_model(const elstm_trainer *tr, elstm_lstm_f32 *m);

/* The record of every epoch finished so far, in order (those before a --resume come from
 * the checkpoint): *n records, valid until the trainer is freed or trained further. */
const elstm_epoch_record *elstm_trainer_history(const elstm_trainer *tr, int *n);

/* The training record a model file carries (meta.h): the options, the outcome of the last
 * fit (`res`) and the history. `monitor_val`: whether validation loss was monitored. */
void elstm_trainer_record(const elstm_trainer *tr, const elstm_train_result *res, int monitor_val,
                          elstm_meta_training *out);

/* ---- lower-level access (tests, replay against frameworks, benchmarks) ---------------- */

/* Parameters, gradients and Adam moments are flat float blocks with this layout
 * (offsets in floats; every tensor row-major):
 *   wx [4][N][I]  input kernel, gate-major (lstm.h wx[g] = wx + g*N*I)
 *   wh [4][N][N]  recurrent kernel
 *   b  [4][N]     gate bias
 *   wd [O][N]     dense kernel (O outputs)
 *   bd [O]        dense bias                                                     */
typedef struct elstm_param_layout {
    size_t wx, wh, b, wd, bd, total;
} elstm_param_layout;

void elstm_trainer_layout(const elstm_trainer *tr, elstm_param_layout *l);
float *elstm_trainer_params(elstm_trainer *tr);      /* [total], may be written */
const float *elstm_trainer_grads(const elstm_trainer *tr);  /* [total], last compute_grads */

/* Forward + backward on windows idx[0..n) of `w` (one batch): sets the gradient of the
 * batch's mean squared error and returns the loss in *loss. No update. */
elstm_status elstm_trainer_compute_grads(elstm_trainer *tr, const elstm_windows *w,
                                         const size_t *idx, size_t n, double *loss,
                                         elstm_diag *diag);
/* One Adam update (Keras form) with the current gradients. */
void elstm_trainer_adam_step(elstm_trainer *tr);

/* Mean squared error (normalized) over all windows of `w`, forward only; predictions
 * (normalized) into pred[w->n] when pred is not NULL. */
elstm_status elstm_trainer_evaluate(elstm_trainer *tr, const elstm_windows *w, double *mse,
                                    float *pred, elstm_diag *diag);

/* ---- stateful (streaming) models: train/stateful.c, docs/training.md ----------------- */

/* A stateful model keeps its LSTM state from one sample to the next: one step per new
 * sample, the forecast from the state after it. It is trained by truncated
 * back-propagation through time: parallel streams (up to --batch), each a contiguous
 * stretch of the training split, run in chunks of `steps` samples with the state
 * carried from one chunk to the next (reset where a long gap or unusable rows break the
 * series, and at every epoch's start); the loss is the mean squared error of the
 * forecasts at every step that ends a window of the split (the first steps - 1 samples
 * after a reset are its warm-up), and the gradient stops at the chunk's start. */

/* One batch of chunks (n streams, `steps` samples each) from a given state. */
typedef struct elstm_chunk_batch {
    const float *x;        /* [n][T][I] normalized inputs */
    const float *target;   /* [n][T] normalized target of the forecast after each sample;
                              NaN = no loss at that step */
    const float *h0, *c0;  /* [n][N] the state before the chunk; NULL = zero */
    float *h_out, *c_out;  /* [n][N] the state after it (both or neither; may be h0/c0) */
    float *dh0, *dc0;      /* [n][N] gradient of the loss wrt h0 and c0 (NULL = not wanted) */
} elstm_chunk_batch;

/* Forward (and with `backward`, the gradient of the mean squared error over the steps
 * with a target, as elstm_trainer_compute_grads sets it: *sse / *count is the loss) of a
 * batch of chunks, n <= --batch. No update. */
elstm_status elstm_trainer_chunk(elstm_trainer *tr, const elstm_chunk_batch *cb, size_t n, int backward,
                                 double *sse, size_t *count, elstm_diag *diag);

/* Train a stateful model on a dataset's training split (validation: the validation
 * split run sample by sample, elstm_stream_forecast_windows, its mean squared error over
 * the split's windows). Otherwise as elstm_trainer_fit: early stopping, checkpoints,
 * --resume, progress (a batch is one chunk of every stream), the best weights restored;
 * res->windows_trained counts the samples with a loss. */
elstm_status elstm_trainer_fit_stateful(elstm_trainer *tr, const elstm_dataset *ds, int resume,
                                        const elstm_train_callbacks *cb, elstm_train_result *res,
                                        elstm_diag *diag);

/* Forecasts of a stateful model, sample by sample with the state carried: the normalized
 * forecast after the last row of each window starting at starts[0..n) (ascending) of a
 * dataset loaded with the model's metadata, into out[n]. The state starts at zero at the
 * file's first row and runs through every usable row up to the last window, reset where
 * a long gap or unusable rows break the series: a split is warmed up on all the samples
 * before it, as on a device that has run since the file began, and a window's forecast
 * is the same whichever windows are asked for (eval, predict). */
elstm_status elstm_stream_forecast_windows(const elstm_lstm_f32 *m, const elstm_dataset *ds, const size_t *starts,
                                           size_t n, float *out, elstm_diag *diag);
/* The windows of one split of several datasets that share one metadata (the series of a
 * global model, elstm_data_load_series): one row matrix (the datasets' rows one after
 * the other; made here, freed by elstm_windows_free) with each dataset's windows moved
 * to its rows, so that no window crosses from one series into the next. `series`, when
 * not NULL, receives a malloc'd [n] array: the dataset of each window. */
elstm_status elstm_windows_for_sets(const elstm_dataset *const *sets, int n_sets, int split,
                                    elstm_windows *w, int **series, elstm_diag *diag);

/* What a fit needs of one dataset or of the series of a global model (ds[0..n_sets)):
 * the training and the validation windows (elstm_windows_for_split for one,
 * elstm_windows_for_sets for several), each to be freed with elstm_windows_free; on an
 * error both are empty. */
elstm_status elstm_windows_for_fit(const elstm_dataset *ds, int n_sets, elstm_windows *train,
                                   elstm_windows *val, elstm_diag *diag);

/* Fit on those windows of ds[0..n_sets): elstm_trainer_fit, or with `exact` the exact-sum
 * training of elstm_trainer_fit_dist in one process holding every series (the bytes of
 * edgelstm-mpi's model for the same series at any process count). */
elstm_status elstm_trainer_fit_sets(elstm_trainer *tr, const elstm_dataset *ds, int n_sets,
                                    const elstm_windows *train, const elstm_windows *val, int exact, int resume,
                                    const elstm_train_callbacks *cb, elstm_train_result *result,
                                    elstm_diag *diag);

/* ---- evaluation metrics (target units) ------------------------------------------- */

typedef struct elstm_errors {
    size_t n;
    double mae, rmse, r2;  /* r2 = 1 - SSE / SST (NAN when the actual values are constant) */
    double bias;           /* mean of pred - actual: > 0 when the forecasts run high */
} elstm_errors;

/* Errors of pred[i] against actual[i] over i in [0, n). NAN entries in pred are skipped
 * (they count as unavailable; e.n tells how many were used). */
void elstm_errors_compute(const double *pred, const double *actual, size_t n, elstm_errors *e);

/* ---- forecasts and evaluation with a trained model (the runtime kernel) ------------ */

/* Normalized forecasts of the windows starting at rows starts[0..n) of x ([rows][I]),
 * each `steps` long, with the optimized runtime kernel on `threads` threads (infer.h;
 * the result does not depend on the thread count): out[n][n_output]. */
elstm_status elstm_forecast_windows(const elstm_lstm_f32 *m, int steps, const float *x,
                                    const size_t *starts, size_t n, int threads, float *out,
                                    elstm_diag *diag);

/* Normalized forecasts of the windows starting at starts[0..n) (ascending) of a dataset
 * loaded with the model's metadata: a stateful model's sample by sample with the state
 * carried (elstm_stream_forecast_windows), any other's window by window. */
elstm_status elstm_forecast_data(const elstm_lstm_f32 *m, const elstm_dataset *ds, const size_t *starts, size_t n,
                                 int threads, float *out, elstm_diag *diag);

/* Metrics of a model on one split (ELSTM_SPLIT_*, or -1 for all windows) of a dataset
 * loaded with the model's metadata, in the target's units, beside two baselines on the
 * same windows: persistence (the target's value at the window's last row) and seasonal
 * (the target's value a whole number of days before the target time, the latest such
 * value known at the window's last row: one day before for steps of up to a day; only
 * when the interval divides a day, otherwise seasonal_ok = 0 and `note` says why).
 * Multi-step models are measured per step; the top-level errors are then the mean over
 * the steps of each metric. Models with intervals (meta.h) get their empirical coverage,
 * mean width and interval score. docs/training.md has the rules. */
typedef struct elstm_step_result {
    int lead;              /* steps ahead (meta horizon + output index) */
    elstm_errors model, persistence, seasonal;
    double coverage[ELSTM_META_MAX_LEVELS];   /* share of windows inside each interval */
} elstm_step_result;

typedef struct elstm_interval_result {
    double level;          /* per cent */
    double coverage;       /* share of (window, step) pairs inside the interval */
    double coverage_min, coverage_max;   /* the lowest and highest coverage of one step */
    double mean_width;     /* target units, mean over the steps */
    double interval_score; /* mean interval score (Gneiting and Raftery 2007): width plus
                              2 / (1 - level/100) times the distance outside; lower is better */
} elstm_interval_result;

typedef struct elstm_eval_result {
    const char *split;     /* "train", "val", "test" or "all" */
    size_t n;              /* windows evaluated */
    elstm_errors model, persistence, seasonal;   /* one output: its errors; several: the mean
                                                     over the steps of each metric */
    int seasonal_ok;
    char note[160];
    int stateful;          /* 1: a stateful model, run sample by sample (elstm_forecast_data) */
    int n_steps;           /* outputs of the model */
    elstm_step_result step[ELSTM_MAX_HORIZONS];  /* [n_steps] */
    int n_intervals;       /* the model's interval levels (0 without) */
    elstm_interval_result interval[ELSTM_META_MAX_LEVELS];
} elstm_eval_result;

elstm_status elstm_eval_split(const elstm_lstm_f32 *m, const elstm_dataset *ds, int split,
                              int threads, elstm_eval_result *r, elstm_diag *diag);

/* The same two for a forecaster loaded from a file (model.h), float32 or quantized: the
 * integer models run the runtime's integer kernels (quant.h) on the normalized rows, as
 * a deployed library does. */
elstm_status elstm_forecaster_forecast(const elstm_forecaster *f, const float *x, const size_t *starts,
                                       size_t n, int threads, float *out, elstm_diag *diag);
/* elstm_forecast_data for such a forecaster (a stateful model: float32, one layer). */
elstm_status elstm_forecaster_forecast_data(const elstm_forecaster *f, const elstm_dataset *ds, const size_t *starts,
                                            size_t n, int threads, float *out, elstm_diag *diag);
elstm_status elstm_forecaster_eval(const elstm_forecaster *f, const elstm_dataset *ds, int split,
                                   int threads, elstm_eval_result *r, elstm_diag *diag);
/* elstm_eval_sets for such a forecaster: several series with the model's metadata, pooled. */
elstm_status elstm_forecaster_eval_sets(const elstm_forecaster *f, const elstm_dataset *const *sets, int n_sets,
                                        int split, int threads, elstm_eval_result *r, elstm_diag *diag);

/* The values behind an evaluation, window by window in time order (target units; of a
 * multi-step model, its first step's). */
typedef struct elstm_eval_series {
    size_t n;              /* windows */
    size_t *row;           /* [n] grid row of each window's (first) target (its time: ds->time[row]) */
    double *actual;        /* [n] the target's observed value */
    double *model;         /* [n] the model's forecast */
    double *persistence;   /* [n] the target at the window's last row */
    double *seasonal;      /* [n] the target one day before (NAN where there is none) */
} elstm_eval_series;

/* elstm_eval_split that also returns the series (`series` may be NULL; free it with
 * elstm_eval_series_free, also after a failure). */
elstm_status elstm_eval_split_series(const elstm_lstm_f32 *m, const elstm_dataset *ds, int split,
                                     int threads, elstm_eval_result *r, elstm_eval_series *series,
                                     elstm_diag *diag);
/* The same for a forecaster loaded from a file (float32 or quantized). */
elstm_status elstm_forecaster_eval_series(const elstm_forecaster *f, const elstm_dataset *ds, int split,
                                          int threads, elstm_eval_result *r, elstm_eval_series *series,
                                          elstm_diag *diag);
void elstm_eval_series_free(elstm_eval_series *s);

/* The same over the windows of several datasets loaded with one model's metadata (the
 * series of a global model): all their windows pooled. */
elstm_status elstm_eval_sets(const elstm_lstm_f32 *m, const elstm_dataset *const *sets, int n_sets,
                             int split, int threads, elstm_eval_result *r, elstm_diag *diag);

/* Forecasts in the target's units of the windows starting at starts[0..n) of a dataset
 * loaded with the model's metadata: out[n][outputs] (delta models: the last value added
 * back). */
elstm_status elstm_forecast_units(const elstm_lstm_f32 *m, const elstm_dataset *ds, const size_t *starts,
                                  size_t n, int threads, double *out, elstm_diag *diag);

/* ---- split-conformal prediction intervals ------------------------------------------- */

/* The conformal quantile of n absolute residuals at `level` per cent: the k-th smallest
 * with k = ceil((n + 1) level / 100). `r` is sorted in place. INFINITY when k > n (too
 * few residuals for the level). */
double elstm_conformal_quantile(double *r, size_t n, double level);

/* The fewest residuals elstm_conformal_quantile calibrates `level` (per cent, in (0, 100))
 * from: the smallest n with k <= n (4 for 80, 19 for 95). */
size_t elstm_conformal_min_windows(double level);

/* Calibrate intervals at levels[0..n_levels) (per cent, ascending, each in (0, 100)) on
 * the windows of `split` of the datasets (normally the validation split): per output, the
 * conformal quantile of the absolute errors in target units. Writes meta->intervals,
 * n_intervals and n_calib. ELSTM_ERR_DATA when the split has too few windows for a level
 * (one sentence saying how many it needs). */
elstm_status elstm_conformal_fit(const elstm_lstm_f32 *m, const elstm_dataset *const *sets, int n_sets,
                                 int split, const double *levels, int n_levels, int threads,
                                 elstm_meta *meta, elstm_diag *diag);

/* elstm_conformal_fit over the windows of several processes (edgelstm-mpi): each process
 * forecasts the windows of `split` in its own datasets (none is fine), and the conformal
 * quantiles are selected exactly over all of them by a radix selection on the residuals'
 * bits whose counts travel through `allreduce` (9 calls, every process at the same point;
 * NULL: one process). Every process gets the same meta->intervals and n_calib, those
 * elstm_conformal_fit gives on all the datasets in one process, for any spread of the
 * series. A process that fails to forecast says why; the others return
 * ELSTM_ERR_INTERRUPTED. */
elstm_status elstm_conformal_fit_dist(const elstm_lstm_f32 *m, const elstm_dataset *const *sets, int n_sets,
                                      int split, const double *levels, int n_levels, int threads,
                                      elstm_allreduce_fn allreduce, void *user, elstm_meta *meta, elstm_diag *diag);

/* ---- backtests (edgelstm backtest; docs/training.md) -------------------------------- */

/* One model trained and evaluated on one rolling-origin fold (elstm_data_folds). */
typedef struct elstm_backtest_job {
    const elstm_dataset *ds;   /* in: the fold (loaded with its segments); shared by jobs is fine */
    uint64_t seed;             /* in: the training seed */
    elstm_status status;       /* out */
    elstm_diag diag;           /* out: the failure, when status != ELSTM_OK */
    elstm_train_result train;  /* out */
    elstm_eval_result eval;    /* out: the fold's test split */
} elstm_backtest_job;

/* Train each job's model on its fold's training split with `topts` (its seed, one thread,
 * no checkpoint; the validation split for early stopping and, with n_levels > 0, for the
 * intervals) and evaluate it on the fold's test split. Jobs run `threads` at a time, in
 * any order: every job's result is the same whatever `threads` is. Returns ELSTM_OK when
 * every job succeeded, else the first failed job's status and message (every job runs;
 * topts->stop ends them all). */
elstm_status elstm_backtest_train(elstm_backtest_job *jobs, int n_jobs, const elstm_train_opts *topts,
                                  const double *levels, int n_levels, int threads, elstm_diag *diag);

/* Normalized target of every row of a dataset (NAN where the target is missing):
 * malloc'd [ds->rows], caller frees. NULL when out of memory. */
float *elstm_dataset_targets_norm(const elstm_dataset *ds);

#endif /* EDGELSTM_TRAIN_H */
