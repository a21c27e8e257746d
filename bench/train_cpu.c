/*
 * train_cpu.c - a load-robust proxy for training speed: CPU seconds per window of the
 * seed's model (LSTM(128) + Dense(1), 168 steps x 7 inputs, batch 32) on synthetic
 * windows, through the public API (elstm_trainer_compute_grads + elstm_trainer_adam_step),
 * and a hash of the parameters after the steps (a kernel change that keeps every float
 * keeps the hash; compare builds and thread counts with it).
 *
 *   make && cc -O2 -Iinclude bench/train_cpu.c build/libedgelstm.a \
 *       -lcsv -lzip -ljansson -lopenblas -lpthread -lm -o /tmp/train_cpu
 *   /tmp/train_cpu [THREADS [BATCHES [UNITS [EVAL]]]]   (defaults 1 20 128 0)
 *
 * EVAL > 0: then the forward pass alone (elstm_trainer_evaluate, as the validation of
 * every epoch) over the first EVAL windows: windows per CPU-second and their MSE.
 *
 * Windows per CPU-second (process CPU time, every thread) changes far less with other
 * processes on the machine than windows per second of wall time, which it also prints.
 */
#include <edgelstm/train.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const int threads = argc > 1 ? atoi(argv[1]) : 1, batches = argc > 2 ? atoi(argv[2]) : 20;
    const int units = argc > 3 ? atoi(argv[3]) : 128, T = 168, I = 7, B = 32;
    const int eval = argc > 4 ? atoi(argv[4]) : 0;
    const size_t rows = 4000, nw = rows - (size_t)T;
    float *x = malloc(rows * I * sizeof *x), *target = malloc(nw * sizeof *target);
    size_t *start = malloc(nw * sizeof *start), idx[32];
    if (!x || !target || !start || threads < 1 || batches < 1 || units < 1 || eval < 0 || (size_t)eval > nw) {
        fprintf(stderr, "usage: train_cpu [THREADS [BATCHES [UNITS [EVAL]]]] (positive integers, EVAL < 3833)\n");
        return 2;
    }
    uint32_t s = 12345; /* inputs uniform in [-1, 1), the target a later input */
    for (size_t k = 0; k < rows * I; k++) {
        s = s * 1664525u + 1013904223u;
        x[k] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 2.0f;
    }
    for (size_t k = 0; k < nw; k++) {
        start[k] = k;
        target[k] = x[(k + (size_t)T) * I];
    }
    const elstm_windows w = {.x = x, .n_input = I, .steps = T, .n = nw, .start = start, .target = target,
                             .n_output = 1};
    elstm_train_opts o;
    elstm_train_opts_default(&o);
    o.units = units;
    o.batch = B;
    o.threads = threads;
    o.seed = 7;
    elstm_trainer *tr;
    elstm_diag d;
    memset(&d, 0, sizeof d);
    if (elstm_trainer_create(&tr, &o, I, T, &d) != ELSTM_OK) {
        fprintf(stderr, "train_cpu: %s\n", d.msg);
        return 1;
    }
    double loss = 0.0;
    const double c0 = seconds(CLOCK_PROCESS_CPUTIME_ID), w0 = seconds(CLOCK_MONOTONIC);
    for (int b = 0; b < batches; b++) {
        for (int k = 0; k < B; k++) idx[k] = ((size_t)b * B * 7919 + (size_t)k * 104729) % nw;
        if (elstm_trainer_compute_grads(tr, &w, idx, B, &loss, &d) != ELSTM_OK) {
            fprintf(stderr, "train_cpu: %s\n", d.msg);
            return 1;
        }
        elstm_trainer_adam_step(tr);
    }
    const double c1 = seconds(CLOCK_PROCESS_CPUTIME_ID), w1 = seconds(CLOCK_MONOTONIC);
    elstm_param_layout l;
    elstm_trainer_layout(tr, &l);
    const unsigned char *pb = (const unsigned char *)elstm_trainer_params(tr);
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the parameter bytes */
    for (size_t k = 0; k < l.total * sizeof(float); k++) h = (h ^ pb[k]) * 1099511628211ull;
    printf("threads %d, %d batches: %.1f windows per CPU-second, %.0f windows/s wall, loss %.9g, "
           "params hash %016llx\n",
           threads, batches, batches * B / (c1 - c0), batches * B / (w1 - w0), loss, (unsigned long long)h);
    if (eval > 0) {
        elstm_windows we = w;
        we.n = (size_t)eval;
        double mse = 0.0;
        const double e0 = seconds(CLOCK_PROCESS_CPUTIME_ID), v0 = seconds(CLOCK_MONOTONIC);
        if (elstm_trainer_evaluate(tr, &we, &mse, NULL, &d) != ELSTM_OK) {
            fprintf(stderr, "train_cpu: %s\n", d.msg);
            return 1;
        }
        const double e1 = seconds(CLOCK_PROCESS_CPUTIME_ID), v1 = seconds(CLOCK_MONOTONIC);
        printf("evaluate %d windows: %.1f windows per CPU-second, %.0f windows/s wall, mse %.9g\n", eval,
               eval / (e1 - e0), eval / (v1 - v0), mse);
    }
    elstm_trainer_free(tr);
    free(x);
    free(target);
    free(start);
    return 0;
}
