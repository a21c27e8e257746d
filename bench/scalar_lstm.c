/*
 * scalar_lstm.c - the baseline of bench/bench_infer.sh: a plain scalar LSTM + dense, the
 * straightforward triple loop with libm expf/tanhf and no hand vectorization, as one would
 * write it first. Compiled with -O2 only (no -march, no -ffast-math).
 *
 *   scalar_lstm FILE RUNS     times RUNS windows; prints "min_ms median_ms y0"
 *
 * FILE: the lstm_driver format (tests/tools/lstm_driver.c): int32 I, N, O, steps, windows,
 * has_bias; float32 cell_clip; float32 Wx[4][N][I], Wh[4][N][N], (b[4][N], bd[O]),
 * Wd[O][N], x[windows][steps][I]. Only the first window is used.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct model {
    int I, N, O, T;
    float clip;
    float *wx, *wh, *b, *wd, *bd, *x; /* wx [4][N][I], wh [4][N][N], b [4][N] */
} model;

static float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

/* One window: zero state, T steps, dense layer into y. h, c: [N], z: [4][N]. */
void scalar_window(const model *m, float *h, float *c, float *z, float *y)
{
    const int I = m->I, N = m->N;
    memset(h, 0, (size_t)N * sizeof(float));
    memset(c, 0, (size_t)N * sizeof(float));
    for (int t = 0; t < m->T; t++) {
        const float *x = m->x + (size_t)t * I;
        for (int g = 0; g < 4; g++)
            for (int n = 0; n < N; n++) {
                float acc = m->b[g * N + n];
                for (int j = 0; j < I; j++) acc += m->wx[((size_t)g * N + n) * I + j] * x[j];
                for (int k = 0; k < N; k++) acc += m->wh[((size_t)g * N + n) * N + k] * h[k];
                z[g * N + n] = acc;
            }
        for (int n = 0; n < N; n++) {
            float cn = sigmoid(z[N + n]) * c[n] + sigmoid(z[n]) * tanhf(z[2 * N + n]);
            if (m->clip > 0.0f) cn = cn > m->clip ? m->clip : cn < -m->clip ? -m->clip : cn;
            c[n] = cn;
            h[n] = sigmoid(z[3 * N + n]) * tanhf(cn);
        }
    }
    for (int o = 0; o < m->O; o++) {
        float acc = m->bd[o];
        for (int n = 0; n < N; n++) acc += m->wd[(size_t)o * N + n] * h[n];
        y[o] = acc;
    }
}

static float *take(FILE *f, size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (p && fread(p, sizeof(float), n, f) != n) {
        free(p);
        return NULL;
    }
    return p;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int32_t hdr[6];
    model m;
    FILE *f;
    if (argc != 3 || !(f = fopen(argv[1], "rb")) || fread(hdr, sizeof hdr, 1, f) != 1 ||
        fread(&m.clip, sizeof m.clip, 1, f) != 1) {
        fprintf(stderr, "usage: scalar_lstm FILE RUNS (FILE readable, lstm_driver format)\n");
        return 2;
    }
    m.I = hdr[0], m.N = hdr[1], m.O = hdr[2], m.T = hdr[3];
    size_t I = (size_t)m.I, N = (size_t)m.N, O = (size_t)m.O;
    m.wx = take(f, 4 * N * I);
    m.wh = take(f, 4 * N * N);
    m.b = hdr[5] ? take(f, 4 * N) : calloc(4 * N, sizeof(float));
    m.bd = hdr[5] ? take(f, O) : calloc(O + 1, sizeof(float));
    m.wd = take(f, O * N);
    m.x = take(f, (size_t)m.T * I);
    fclose(f);
    int runs = atoi(argv[2]);
    float *h = malloc(N * sizeof(float)), *c = malloc(N * sizeof(float)), *z = malloc(4 * N * sizeof(float));
    float *y = calloc(O + 1, sizeof(float));
    double *t = malloc((size_t)(runs > 0 ? runs : 1) * sizeof(double));
    if (!m.wx || !m.wh || !m.b || !m.bd || !m.wd || !m.x || runs < 1) {
        fprintf(stderr, "scalar_lstm: truncated file %s or bad run count\n", argv[1]);
        return 1;
    }
    for (int r = 0; r < runs; r++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        scalar_window(&m, h, c, z, y);
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[r] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) * 1e-6;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp);
    printf("%.6f %.6f %.9g\n", t[0], runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]), (double)y[0]);
    return 0;
}
