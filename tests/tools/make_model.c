/*
 * make_model.c - test driver: a forecaster .tflite with random weights and seed-like
 * metadata (elstm_forecaster_save), and the host's forecasts for checking what is
 * generated from it (deploy tests).
 *
 *   make_model OUT.tflite [-u UNITS] [-i INPUTS] [-t STEPS] [-s SEED] [-c CLIP]
 *              [--no-bias] [--time] [--window FILE]
 *
 * Prints, for a window (FILE: whitespace-separated normalized values; default: the
 * synthetic window that `deploy` puts in its examples without --sample):
 *   ref NORMALIZED          the reference kernel's forecast (lstm_f32_ref.c, libm)
 *   opt NORMALIZED          the host's fast kernel
 *   target PHYSICAL         the reference forecast in the target's units
 * Inputs (seed-like): TEMP PRES DEWP RAIN WSPM (numeric), wd_sin wd_cos (compass column
 * wd), then with --time hour_sin hour_cos doy_sin doy_cos; -i N keeps the first N.
 * Weights are uniform, scaled like Glorot's, forget-gate bias +1: the state neither
 * dies out nor saturates, so kernel differences show in the output.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/codegen.h"
#include "edgelstm/model.h"

#include "../test_rng.h"

static uint64_t rng = 88172645463325252ull;
static float frand(float scale)
{
    return ((float)(test_xorshift64(&rng) >> 40) / 16777216.0f * 2.0f - 1.0f) * scale;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: make_model OUT.tflite [options]\n");
        return 2;
    }
    int N = 16, I = 7, T = 24, bias = 1, timed = 0;
    float clip = 0.0f;
    const char *window_file = NULL;
    for (int a = 2; a < argc; a++) {
        if (!strcmp(argv[a], "-u") && a + 1 < argc) N = atoi(argv[++a]);
        else if (!strcmp(argv[a], "-i") && a + 1 < argc) I = atoi(argv[++a]);
        else if (!strcmp(argv[a], "-t") && a + 1 < argc) T = atoi(argv[++a]);
        else if (!strcmp(argv[a], "-s") && a + 1 < argc) rng = 0x9E3779B97F4A7C15ull * (uint64_t)atoi(argv[++a]) + 1;
        else if (!strcmp(argv[a], "-c") && a + 1 < argc) clip = (float)atof(argv[++a]);
        else if (!strcmp(argv[a], "--no-bias")) bias = 0;
        else if (!strcmp(argv[a], "--time")) timed = 1;
        else if (!strcmp(argv[a], "--window") && a + 1 < argc) window_file = argv[++a];
        else {
            fprintf(stderr, "make_model: unknown option %s\n", argv[a]);
            return 2;
        }
    }
    static const char *const names[] = {"TEMP", "PRES", "DEWP", "RAIN", "WSPM", "wd_sin", "wd_cos",
                                        "hour_sin", "hour_cos", "doy_sin", "doy_cos"};
    int max_inputs = timed ? 11 : 7;
    if (I < 1 || I > max_inputs || N < 1 || T < 1) {
        fprintf(stderr, "make_model: bad sizes\n");
        return 2;
    }

    /* weights: scaled like Glorot so that the state neither dies nor saturates */
    float *w = malloc(sizeof(float) * (size_t)(4 * N * (I + N) + 4 * N + N + 1));
    float *p = w;
    elstm_lstm_f32 m = {0};
    m.n_input = I;
    m.n_units = N;
    m.n_output = 1;
    m.cell_clip = clip;
    float sx = 1.0f / sqrtf((float)I), sh = 1.0f / sqrtf((float)N);
    for (int g = 0; g < ELSTM_GATES; g++) {
        m.wx[g] = p;
        for (int k = 0; k < N * I; k++) *p++ = frand(sx);
        m.wh[g] = p;
        for (int k = 0; k < N * N; k++) *p++ = frand(sh);
        if (bias) {
            m.b[g] = p;
            for (int k = 0; k < N; k++) *p++ = frand(0.5f) + (g == ELSTM_GATE_F ? 1.0f : 0.0f);
        }
    }
    m.wd = p;
    for (int k = 0; k < N; k++) *p++ = frand(sh);
    m.bd = p;
    *p++ = 0.1f;

    static elstm_meta meta;
    meta.version = ELSTM_META_VERSION;
    snprintf(meta.tool_version, sizeof meta.tool_version, "%s", ELSTM_VERSION);
    snprintf(meta.time_cols, sizeof meta.time_cols, "time");
    meta.split_train = 0.7;
    meta.split_val = 0.2;
    meta.steps = T;
    meta.horizon = 1;
    meta.interval_s = 3600;
    snprintf(meta.target, sizeof meta.target, "TEMP");
    meta.target_input = 0;
    meta.target_min = -19.9;
    meta.target_max = 41.6;
    meta.n_inputs = I;
    for (int i = 0; i < I; i++) {
        elstm_meta_input *in = &meta.inputs[i];
        snprintf(in->name, sizeof in->name, "%s", names[i]);
        in->min = -1.0 - 0.5 * i;
        in->max = 1.0 + 2.0 * i;
        if (i < 5) {
            snprintf(in->source, sizeof in->source, "%s", names[i]);
            in->enc = ELSTM_ENC_NUMERIC;
        } else if (i < 7) {
            snprintf(in->source, sizeof in->source, "wd");
            in->enc = i == 5 ? ELSTM_ENC_COMPASS_SIN : ELSTM_ENC_COMPASS_COS;
            in->min = -1.0;
            in->max = 1.0;
        } else {
            in->enc = i % 2 ? ELSTM_ENC_TIME_SIN : ELSTM_ENC_TIME_COS;
            in->tf = i < 9 ? ELSTM_TF_HOUR : ELSTM_TF_DOY;
            in->min = -1.0;
            in->max = 1.0;
        }
    }
    meta.inputs[0].min = -19.9;
    meta.inputs[0].max = 41.6;

    float *x = malloc(sizeof(float) * (size_t)T * I);
    if (window_file) {
        FILE *f = fopen(window_file, "r");
        for (int k = 0; f && k < T * I; k++)
            if (fscanf(f, "%f", &x[k]) != 1) {
                fprintf(stderr, "make_model: %s: short window\n", window_file);
                return 1;
            }
        if (f) fclose(f);
    } else {
        elstm_codegen_synthetic_window(T, I, x);
    }

    elstm_diag diag;
    elstm_diag_clear(&diag);
    if (elstm_forecaster_save(argv[1], &m, T, &meta, &diag) != ELSTM_OK) {
        fprintf(stderr, "make_model: %s\n", diag.msg);
        return 1;
    }

    size_t bytes = elstm_lstm_arena_size_f32(&m);
    void *arena = malloc(bytes);
    elstm_lstm_ctx_f32 ctx;
    float yr, yo;
    elstm_lstm_init_f32(&ctx, &m, arena, bytes);
    elstm_lstm_window_f32_ref(&ctx, x, T, &yr);
    elstm_lstm_window_f32(&ctx, x, T, &yo);
    printf("ref %.9g\nopt %.9g\ntarget %.9g\n", (double)yr, (double)yo,
           (double)yr * (meta.target_max - meta.target_min) + meta.target_min);
    free(arena);
    free(x);
    free(w);
    return 0;
}
