/* use_edgelstm.c - a program a user writes against the INSTALLED library: it includes
 * <edgelstm/...> and is built with `pkg-config --cflags --libs edgelstm` only (no path
 * into the source tree). It loads a forecaster model and runs windows read from a text
 * file (whitespace-separated floats, steps x inputs per window), one forecast per line.
 *
 *     use_edgelstm MODEL.tflite WINDOWS.txt
 */
#include <stdio.h>
#include <stdlib.h>

#include <edgelstm/diag.h>
#include <edgelstm/infer.h>
#include <edgelstm/model.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: use_edgelstm MODEL.tflite WINDOWS.txt\n");
        return 2;
    }
    elstm_forecaster f;
    elstm_diag diag;
    elstm_diag_clear(&diag);
    elstm_status st = elstm_forecaster_load(argv[1], &f, &diag);
    if (st != ELSTM_OK) {
        fprintf(stderr, "use_edgelstm: %s\n", diag.msg[0] ? diag.msg : elstm_status_str(st));
        return 1;
    }
    const size_t per_window = (size_t)f.steps * (size_t)f.lstm.n_input;
    FILE *in = fopen(argv[2], "r");
    size_t n = 0, cap = 0;
    float *x = NULL, v;
    while (in && fscanf(in, "%f", &v) == 1) {
        if (n == cap) {
            float *nx = realloc(x, (cap = cap ? 2 * cap : 1024) * sizeof *x);
            if (!nx) return 1;
            x = nx;
        }
        x[n++] = v;
    }
    if (!in || n == 0 || n % per_window) {
        fprintf(stderr, "use_edgelstm: %s: want a multiple of %zu numbers, got %zu\n", argv[2], per_window, n);
        return 1;
    }
    fclose(in);
    size_t windows = n / per_window, O = (size_t)f.lstm.n_output;
    float *y = malloc(windows * O * sizeof *y);
    st = elstm_infer_windows(&f.lstm, x, (size_t)f.lstm.n_input, NULL, windows, f.steps, 1, y, NULL, &diag);
    if (st != ELSTM_OK) {
        fprintf(stderr, "use_edgelstm: %s\n", diag.msg[0] ? diag.msg : elstm_status_str(st));
        return 1;
    }
    for (size_t k = 0; k < windows; k++)
        for (size_t o = 0; o < O; o++) printf("%.9g%c", y[k * O + o], o + 1 < O ? ' ' : '\n');
    free(y);
    free(x);
    elstm_forecaster_free(&f);
    return 0;
}
