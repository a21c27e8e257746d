/*
 * forecast_windows.c - test driver: a model's outputs on many windows, by the two paths
 * edgelstm has, so that a Python suite can compare both with the official runtimes.
 *
 *   forecast_windows MODEL.tflite WINDOWS.bin N OUT.bin
 *
 * WINDOWS.bin holds N windows as float32 [N][steps][inputs] (the model's input tensor,
 * float values: an integer input is quantized with the tensor's own scale and zero point).
 * OUT.bin gets float32 [2][N][outputs]: first what `eval` / `predict` compute
 * (elstm_forecaster_load + elstm_forecaster_forecast: the runtime's net kernels on two
 * threads), then what `run` computes (the graph executor, one window at a time); integer
 * outputs are dequantized.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/fileio.h"
#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "edgelstm/train.h"

static int fail(const elstm_diag *d, const char *what)
{
    fprintf(stderr, "forecast_windows: %s\n", d->msg[0] ? d->msg : what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: forecast_windows MODEL.tflite WINDOWS.bin N OUT.bin\n");
        return 2;
    }
    elstm_diag d;
    elstm_diag_clear(&d);
    const size_t n = (size_t)strtoull(argv[3], NULL, 10);
    elstm_forecaster f;
    if (elstm_forecaster_load(argv[1], &f, &d) != ELSTM_OK) return fail(&d, "load");
    const size_t per = (size_t)f.steps * (size_t)f.lstm.n_input, O = (size_t)f.lstm.n_output;
    uint8_t *buf;
    size_t len;
    if (elstm_read_file(argv[2], &buf, &len, 0, &d) != ELSTM_OK) return fail(&d, "read");
    if (len != n * per * sizeof(float)) {
        fprintf(stderr, "forecast_windows: %s has %zu bytes, not %zu windows of %zu floats\n", argv[2], len, n, per);
        return 1;
    }
    float *x = malloc(len), *out = calloc(2 * n * O + 1, sizeof *out);
    size_t *starts = malloc((n + 1) * sizeof *starts);
    if (!x || !out || !starts) return 1;
    memcpy(x, buf, len);
    for (size_t k = 0; k < n; k++) starts[k] = k * (size_t)f.steps;
    if (O != 1) {
        fprintf(stderr, "forecast_windows: the model has %zu outputs\n", O);
        return 1;
    }
    if (elstm_forecaster_forecast(&f, x, starts, n, 2, out, &d) != ELSTM_OK) return fail(&d, "forecast");

    elstm_tflite_model *m;
    elstm_tflite_exec *e;
    if (elstm_tflite_load(argv[1], &m, &d) != ELSTM_OK) return fail(&d, "parse");
    if (elstm_tflite_exec_create(m, &e, &d) != ELSTM_OK) return fail(&d, "executor");
    for (size_t k = 0; k < n; k++) {
        size_t got;
        if (elstm_tflite_exec_run(e, x + k * per, per, &d) != ELSTM_OK) return fail(&d, "run");
        const float *y = elstm_tflite_exec_output(e, 0, &got);
        memcpy(out + n * O + k * O, y, O * sizeof *y);
    }
    elstm_tflite_exec_free(e);
    elstm_tflite_free(m);
    if (elstm_write_file_atomic(argv[4], (const uint8_t *)out, 2 * n * O * sizeof *out, &d) != ELSTM_OK)
        return fail(&d, "write");
    free(buf);
    free(x);
    free(out);
    free(starts);
    elstm_forecaster_free(&f);
    return 0;
}
