/* cmd_bench.c - `edgelstm bench MODEL.tflite [--threads N] [--runs N] [--json]`: host
 * inference latency of one window (batch 1): a forecaster (LSTM -> Dense) with the
 * optimized runtime kernel, any other graph `run` supports with the graph executor. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "edgelstm/clock.h"
#include "edgelstm/infer.h"
#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "multi/lstm_stack.h"

static const cli_opt bench_opts[] = {
    {"--threads", NULL, "N", "threads for one window: the units of each step are split across them (default 1)"},
    {"--runs", NULL, "N", "timed runs (default: as many as fit in about one second, at least 20)"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {bench_opts, cli_json_opt, NULL};

#define WARMUP_SECONDS 0.1
#define TARGET_SECONDS 1.0
#define MIN_RUNS 20
#define MAX_RUNS 100000

#if defined(ELSTM_KERNEL_AVX2)
#define KERNEL_NAME "avx2"
#elif defined(ELSTM_KERNEL_CORTEXM)
#define KERNEL_NAME "cortexm"
#else
#define KERNEL_NAME "generic"
#endif

/* the int8 LSTM kernel of this build (edgelstm/quant.h) */
#if defined(ELSTM_S8_KERNEL_VNNI)
#define S8_KERNEL_NAME "s8-vnni"
#elif defined(ELSTM_S8_KERNEL_AVX2)
#define S8_KERNEL_NAME "s8-avx2"
#elif defined(ELSTM_S8_KERNEL_DSP)
#define S8_KERNEL_NAME "s8-dsp"
#else
#define S8_KERNEL_NAME "s8-generic"
#endif

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One window, on the pool when there is one, or one run of a graph executor. */
typedef struct bench_run {
    int32_t dtype;                 /* ELSTM_FORECASTER_* */
    elstm_lstm_ctx_f32 ctx[ELSTM_MAX_LAYERS];
    int32_t n_layers;
    elstm_net_ctx_s8 net8;
    elstm_net_ctx_s16 net16;
    elstm_infer_pool *pool;
    elstm_tflite_exec *exec;
    const float *x;
    size_t nx;
    int32_t steps;
    float *y;
} bench_run;

static double run_once(bench_run *b)
{
    double t0 = elstm_now_s();
    if (b->exec) elstm_tflite_exec_run(b->exec, b->x, b->nx, NULL);
    else if (b->pool) elstm_infer_pool_window(b->pool, b->x, b->steps, b->y, NULL);
    else if (b->dtype == ELSTM_FORECASTER_S8) elstm_net_window_s8(&b->net8, b->x, b->steps, b->y);
    else if (b->dtype == ELSTM_FORECASTER_S16) elstm_net_window_s16_ref(&b->net16, b->x, b->steps, b->y);
    else if (b->n_layers > 1) elstm_lstm_stack_window_f32(b->ctx, b->n_layers, b->x, b->steps, b->y);
    else elstm_lstm_window_f32(&b->ctx[0], b->x, b->steps, b->y);
    return elstm_now_s() - t0;
}

/* warm up (caches, page faults, clock), then time `runs` runs or ~TARGET_SECONDS; t sorted */
static long time_runs(bench_run *b, long runs, double *t)
{
    double t0 = elstm_now_s();
    for (int k = 0; k < 5 || elstm_now_s() - t0 < WARMUP_SECONDS; k++) run_once(b);
    long n = 0;
    double total = 0.0;
    while (runs ? n < runs : n < MAX_RUNS && (n < MIN_RUNS || total < TARGET_SECONDS)) {
        t[n] = run_once(b);
        total += t[n++];
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n;
}

/* a fixed input of values in [0, 1), like min-max scaled inputs */
static void fill_input(float *x, size_t n)
{
    uint32_t s = 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 8) / 16777216.0f;
    }
}

/* Latency in milliseconds over `runs` sorted run times t [runs] (seconds). */
typedef struct latency {
    double min, median, max;
    long runs;
} latency;

static latency latency_ms(const double *t, long runs)
{
    latency l;
    l.min = t[0] * 1e3;
    l.median = (runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2])) * 1e3;
    l.max = t[runs - 1] * 1e3;
    l.runs = runs;
    return l;
}

/* --json's latency_ms object. */
static json_t *latency_json(const latency *l)
{
    json_t *o = json_object();
    json_object_set_new(o, "min", json_real(l->min));
    json_object_set_new(o, "median", json_real(l->median));
    json_object_set_new(o, "max", json_real(l->max));
    return o;
}

static void latency_print(const latency *l)
{
    printf("latency:  min %.3f ms, median %.3f ms, max %.3f ms over %ld runs\n", l->min, l->median, l->max, l->runs);
}

/* A graph that is not a forecaster (e.g. a classifier): the executor that
 * `edgelstm run` uses, one thread. */
static int bench_graph(const char *path, long threads, long runs, int json)
{
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_tflite_model *m = NULL;
    bench_run b = {0};
    elstm_status st = elstm_tflite_load(path, &m, &d);
    if (st == ELSTM_OK) st = elstm_tflite_exec_create(m, &b.exec, &d);
    if (st != ELSTM_OK) {
        elstm_tflite_free(m);
        return cli_fail(st, &d);
    }
    int rc = CLI_EXIT_FAIL;
    const elstm_tflite_tensor *in = elstm_tflite_exec_input(b.exec);
    float *x = malloc((in->elements ? in->elements : 1) * sizeof(float));
    double *t = malloc(MAX_RUNS * sizeof(double));
    char shape[96];
    elstm_tflite_shape_str(in, shape, sizeof shape);
    if (threads > 1) {
        rc = cli_error("%s: --threads splits an LSTM forecaster's steps; this graph (%s input %s) runs on one thread",
                       path, elstm_tflite_type_name(in->type), shape);
        goto out;
    }
    if (!x || !t) {
        cli_error("out of memory for the benchmark of %s", path);
        goto out;
    }
    fill_input(x, in->elements);
    b.x = x;
    b.nx = in->elements;
    if ((st = elstm_tflite_exec_run(b.exec, x, b.nx, &d)) != ELSTM_OK) {
        rc = cli_fail(st, &d);
        goto out;
    }
    long n = time_runs(&b, runs, t);
    const latency lat = latency_ms(t, n);
    size_t no = 0;
    const float *y = elstm_tflite_exec_output(b.exec, 0, &no);
    if (json) {
        json_t *o = json_object(), *out = json_array();
        json_object_set_new(o, "model", json_string(path));
        json_object_set_new(o, "kernel", json_string("graph"));
        json_object_set_new(o, "threads", json_integer(1));
        json_object_set_new(o, "runs", json_integer(n));
        json_object_set_new(o, "latency_ms", latency_json(&lat));
        for (size_t k = 0; k < no; k++) json_array_append_new(out, json_real(y[k]));
        json_object_set_new(o, "output", out);
        rc = cli_print_json(o);
    } else {
        printf("model:    %s (a %s graph of %d operators, input %s %s; not a forecaster)\n", path,
               elstm_tflite_type_name(in->type), (int)m->graph->n_ops, in->name, shape);
        printf("kernel:   graph executor (as 'edgelstm run'), 1 thread, batch 1\n");
        latency_print(&lat);
        rc = 0;
    }
out:
    free(x);
    free(t);
    elstm_tflite_exec_free(b.exec);
    elstm_tflite_free(m);
    return rc;
}

static int report(const char *path, const elstm_forecaster *f, int threads, const double *t, long runs,
                  const float *y, int json)
{
    const elstm_lstm_f32 *m = &f->lstm, *top = elstm_forecaster_top(f);
    double macs = (double)top->n_output * top->n_units;
    for (int32_t l = 0; l < f->n_layers; l++)
        macs += (double)f->steps * 4.0 * f->layers[l].n_units * (double)(f->layers[l].n_input + f->layers[l].n_units);
    const latency lat = latency_ms(t, runs);
    const double gmacs = macs / (lat.median * 1e-3) / 1e9;
    const char *kernel = f->dtype == ELSTM_FORECASTER_S8    ? S8_KERNEL_NAME
                         : f->dtype == ELSTM_FORECASTER_S16 ? "s16-ref"
                                                            : KERNEL_NAME;
    const char *dtype = f->dtype == ELSTM_FORECASTER_S8    ? "int8"
                        : f->dtype == ELSTM_FORECASTER_S16 ? "int16x8"
                                                           : "float32";
    if (json) {
        json_t *o = json_object(), *out = json_array();
        json_object_set_new(o, "model", json_string(path));
        json_object_set_new(o, "kernel", json_string(kernel));
        json_object_set_new(o, "dtype", json_string(dtype));
        json_object_set_new(o, "threads", json_integer(threads));
        json_object_set_new(o, "runs", json_integer(runs));
        json_object_set_new(o, "steps", json_integer(f->steps));
        json_object_set_new(o, "inputs", json_integer(m->n_input));
        json_object_set_new(o, "units", json_integer(m->n_units));
        json_object_set_new(o, "layers", json_integer(f->n_layers));
        json_object_set_new(o, "outputs", json_integer(top->n_output));
        json_object_set_new(o, "macs", json_integer((json_int_t)macs));
        json_object_set_new(o, "latency_ms", latency_json(&lat));
        json_object_set_new(o, "gmac_per_s", json_real(gmacs));
        for (int32_t k = 0; k < top->n_output; k++) json_array_append_new(out, json_real(y[k]));
        json_object_set_new(o, "output", out);
        return cli_print_json(o);
    }
    char layers[32] = "";
    if (f->n_layers > 1) snprintf(layers, sizeof layers, " (+%d stacked)", (int)f->n_layers - 1);
    printf("model:    %s (%s LSTM %d units%s, %d inputs x %d steps, %d output%s; %.2f M MAC per window)\n", path,
           dtype, (int)m->n_units, layers, (int)m->n_input, (int)f->steps, (int)top->n_output,
           top->n_output == 1 ? "" : "s", macs / 1e6);
    printf("kernel:   %s, %d thread%s, batch 1\n", kernel, threads, threads == 1 ? "" : "s");
    latency_print(&lat);
    printf("speed:    %.1f GMAC/s (median)\n", gmacs);
    return 0;
}

static int run(cli_ctx *ctx)
{
    const char *path = ctx->pos[0];
    long threads = 1, runs = 0;
    if (cli_get_int(ctx, "--threads", 1, ELSTM_INFER_MAX_THREADS, &threads)) return CLI_EXIT_USAGE;
    if (cli_get_int(ctx, "--runs", 1, MAX_RUNS, &runs)) return CLI_EXIT_USAGE;

    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_forecaster f;
    elstm_status st = elstm_forecaster_load(path, &f, &d);
    if (st == ELSTM_ERR_UNSUPPORTED) return bench_graph(path, threads, runs, cli_has(ctx, "--json"));
    if (st != ELSTM_OK) return cli_fail(st, &d);

    const elstm_lstm_f32 *m = &f.lstm;
    const size_t nx = (size_t)f.steps * (size_t)m->n_input;
    const size_t arena_bytes = f.dtype == ELSTM_FORECASTER_S8    ? elstm_net_arena_size_s8(&f.net8)
                               : f.dtype == ELSTM_FORECASTER_S16 ? elstm_net_arena_size_s16(&f.net16)
                                                                 : elstm_lstm_stack_arena_size_f32(f.layers, f.n_layers);
    bench_run b = {.steps = f.steps, .n_layers = f.n_layers, .dtype = f.dtype};
    float *x = malloc(nx * sizeof(float)), *y = calloc((size_t)elstm_forecaster_top(&f)->n_output + 1, sizeof(float));
    void *arena = malloc(arena_bytes);
    double *t = malloc(MAX_RUNS * sizeof(double));
    int rc = CLI_EXIT_FAIL;
    if (!x || !y || !arena || !t) {
        cli_error("out of memory for the benchmark of %s", path);
        goto out;
    }
    fill_input(x, nx);
    b.x = x;
    b.y = y;
    st = f.dtype == ELSTM_FORECASTER_S8    ? elstm_net_init_s8(&b.net8, &f.net8, arena, arena_bytes)
         : f.dtype == ELSTM_FORECASTER_S16 ? elstm_net_init_s16(&b.net16, &f.net16, arena, arena_bytes)
                                           : elstm_lstm_stack_init_f32(b.ctx, f.layers, f.n_layers, arena, arena_bytes);
    if (st != ELSTM_OK) {
        rc = cli_fail(st, NULL);
        goto out;
    }
    if (threads > 1 && f.dtype != ELSTM_FORECASTER_F32) {
        rc = cli_error("%s: --threads splits a float32 forecaster's steps; a quantized one runs on one thread", path);
        goto out;
    }
    if (threads > 1 && f.n_layers > 1) {
        rc = cli_error("%s: --threads splits the units of one LSTM layer; this model has %d stacked layers and "
                       "runs on one thread", path, (int)f.n_layers);
        goto out;
    }
    if (threads > 1) {
        if ((st = elstm_infer_pool_create(&b.pool, m, (int)threads, &d)) != ELSTM_OK) {
            rc = cli_fail(st, &d);
            goto out;
        }
        threads = elstm_infer_pool_threads(b.pool);
    }

    long n = time_runs(&b, runs, t);
    rc = report(path, &f, (int)threads, t, n, y, cli_has(ctx, "--json"));
out:
    elstm_infer_pool_free(b.pool);
    free(x);
    free(y);
    free(arena);
    free(t);
    elstm_forecaster_free(&f);
    return rc;
}

const cli_command cli_cmd_bench = {
    "bench", "MODEL.tflite [--threads N] [--runs N] [--json]",
    "host inference latency (min/median/max over repeated runs)",
    "Times the forecaster's inference (the LSTM over one full input window, then the\n"
    "dense layer; batch 1) with the optimized runtime kernel chosen at build time, on a\n"
    "fixed input window: a warm-up of 0.1 s, then repeated runs (about one second, at\n"
    "least 20, or exactly --runs N). With --threads N the units of every time step are\n"
    "split across N threads (the result is the same). Reports the minimum, median and\n"
    "maximum latency in milliseconds and the speed in multiply-accumulates per second.\n"
    "A quantized forecaster (edgelstm quantize) is timed with the runtime's integer kernels\n"
    "(the fast int8 kernel of this build), one thread. A model that is not a forecaster but\n"
    "that 'edgelstm run' supports (a classifier) is timed with the same graph executor as\n"
    "run, on one thread.\n"
    "--json keys: latency_ms {min, median, max}, runs, threads, kernel, dtype, macs,\n"
    "gmac_per_s, model, steps, inputs, units, layers, outputs, output.",
    1, 1, groups, run,
};
