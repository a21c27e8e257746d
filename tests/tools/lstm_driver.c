/*
 * lstm_driver.c - runs our LSTM kernels on a model and windows read from a binary file,
 * for the independent numpy oracle (tests/runtime/test_lstm_numpy.py); built by make
 * tests as build/asan/tools/lstm_driver.
 *
 *   lstm_driver FILE ref|opt|packed      (packed: opt with runtime/host/lstm_f32_pack.c's layout)
 *
 * FILE (little-endian): int32 I, N, O, steps, windows, has_bias; float32 cell_clip;
 * then float32 arrays: Wx[4][N][I], Wh[4][N][N], (b[4][N], bd[O] if has_bias), Wd[O][N],
 * x[windows][steps][I]. Prints, per window, one line: y[0..O-1] then h[0..N-1] (%.9g).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/lstm.h"
#include "host/lstm_f32_pack.h"

static float *read_floats(FILE *f, size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (p && fread(p, sizeof(float), n, f) != n) {
        free(p);
        return NULL;
    }
    return p;
}

int main(int argc, char **argv)
{
    int32_t hdr[6];
    float clip;
    elstm_lstm_f32 m;
    elstm_lstm_ctx_f32 ctx;
    float *wx[4], *wh[4], *b[4] = {NULL, NULL, NULL, NULL}, *bd = NULL, *wd, *x, *y, *pk = NULL;
    void *arena;
    size_t I, N, O, T, W, w, k;
    int g, use_ref, rc = 1;
    FILE *f;
    if (argc != 3 || (strcmp(argv[2], "ref") && strcmp(argv[2], "opt") && strcmp(argv[2], "packed"))) {
        fprintf(stderr, "usage: lstm_driver FILE ref|opt|packed\n");
        return 2;
    }
    use_ref = !strcmp(argv[2], "ref");
    f = fopen(argv[1], "rb");
    if (!f || fread(hdr, sizeof hdr, 1, f) != 1 || fread(&clip, sizeof clip, 1, f) != 1) {
        fprintf(stderr, "lstm_driver: cannot read %s\n", argv[1]);
        return 1;
    }
    I = (size_t)hdr[0], N = (size_t)hdr[1], O = (size_t)hdr[2], T = (size_t)hdr[3], W = (size_t)hdr[4];
    memset(&m, 0, sizeof m);
    m.n_input = hdr[0], m.n_units = hdr[1], m.n_output = hdr[2], m.cell_clip = clip;
    for (g = 0; g < 4; g++) m.wx[g] = wx[g] = read_floats(f, N * I);
    for (g = 0; g < 4; g++) m.wh[g] = wh[g] = read_floats(f, N * N);
    if (hdr[5]) {
        for (g = 0; g < 4; g++) m.b[g] = b[g] = read_floats(f, N);
        m.bd = bd = read_floats(f, O);
    }
    m.wd = wd = O ? read_floats(f, O * N) : NULL;
    x = read_floats(f, W * T * I);
    if (!strcmp(argv[2], "packed") && elstm_lstm_packed_floats_f32(&m) > 0) {
        pk = malloc(elstm_lstm_packed_floats_f32(&m) * sizeof(float));
        if (pk) elstm_lstm_pack_f32(&m, pk);
        m.packed = pk;
    }
    y = malloc((O ? O : 1) * sizeof(float));
    arena = malloc(elstm_lstm_arena_size_f32(&m));
    if (!x || elstm_lstm_init_f32(&ctx, &m, arena, elstm_lstm_arena_size_f32(&m)) != ELSTM_OK) {
        fprintf(stderr, "lstm_driver: bad model or truncated file %s\n", argv[1]);
        goto out;
    }
    for (w = 0; w < W; w++) {
        if (use_ref) elstm_lstm_window_f32_ref(&ctx, x + w * T * I, (int32_t)T, y);
        else elstm_lstm_window_f32(&ctx, x + w * T * I, (int32_t)T, y);
        for (k = 0; k < O; k++) printf("%.9g ", (double)y[k]);
        for (k = 0; k < N; k++) printf("%.9g%c", (double)ctx.h[k], k + 1 < N ? ' ' : '\n');
    }
    rc = 0;
out:
    for (g = 0; g < 4; g++) {
        free(wx[g]);
        free(wh[g]);
        free(b[g]);
    }
    free(bd);
    free(pk);
    free(wd);
    free(x);
    free(y);
    free(arena);
    fclose(f);
    return rc;
}
