/*
 * test_infer.c - threaded host inference (edgelstm/infer.h) against the single-threaded
 * runtime kernel and the reference kernel.
 *
 * elstm_infer_windows: contiguous windows and windows given as row starts into a strided
 * [rows][stride] array, T = 1, 2, 3, 7 threads: outputs bit-identical for every T and to
 * elstm_lstm_window_f32 per window, within 1e-5 of the reference kernel; argument errors.
 * elstm_infer_pool: one window split over T = 1..4 threads (and more threads than unit
 * blocks) is bit-identical to elstm_lstm_window_f32, over many consecutive windows of
 * different lengths (the workers go to sleep and wake up between some of them), and with
 * every thread pinned to one CPU (the step barrier's sleeping path).
 */
#define _GNU_SOURCE 1 /* sched_setaffinity */
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "edgelstm/infer.h"
#include "elstm_test.h"
#include "lstm_test_model.h"

/* y and h of each window with the single-threaded kernel (and with the reference) */
static void expected(const elstm_lstm_f32 *m, const float *x, size_t stride, const size_t *starts, size_t n,
                     int32_t steps, float *y, float *h, float *y_ref)
{
    const size_t I = (size_t)m->n_input, N = (size_t)m->n_units, O = (size_t)m->n_output;
    size_t bytes = elstm_lstm_arena_size_f32(m), k;
    void *arena = malloc(bytes);
    float *xw = malloc((size_t)steps * I * sizeof(float));
    elstm_lstm_ctx_f32 ctx;
    elstm_lstm_init_f32(&ctx, m, arena, bytes);
    for (k = 0; k < n; k++) {
        const float *src = x + (starts ? starts[k] : k * (size_t)steps) * stride;
        int32_t t;
        for (t = 0; t < steps; t++) memcpy(xw + (size_t)t * I, src + (size_t)t * stride, I * sizeof(float));
        elstm_lstm_window_f32(&ctx, xw, steps, y + k * O);
        memcpy(h + k * N, ctx.h, N * sizeof(float));
        elstm_lstm_window_f32_ref(&ctx, xw, steps, y_ref + k * O);
    }
    free(xw);
    free(arena);
}

static void check_windows(void)
{
    static const int threads[] = {1, 2, 3, 7};
    const int32_t I = 7, N = 64, O = 2, steps = 24;
    const size_t n = 13, rows = 400, stride = 10;
    test_model t;
    float *data, *y0, *h0, *yr, *y, *h;
    size_t starts[13], k;
    int ti, layout, same_y = 1, same_h = 1;
    double ref_diff = 0.0;
    char what[200];
    make_model(&t, I, N, O, 10.0f, 1);
    data = random_inputs(rows * stride, 1.0f);
    for (k = 0; k < n; k++) starts[k] = (k * 29) % (rows - steps); /* overlapping, unordered */
    y0 = malloc(n * O * sizeof(float));
    h0 = malloc(n * N * sizeof(float));
    yr = malloc(n * O * sizeof(float));
    y = malloc(n * O * sizeof(float));
    h = malloc(n * N * sizeof(float));
    for (layout = 0; layout < 2; layout++) {
        /* layout 0: contiguous [n][steps][I]; layout 1: row starts into [rows][stride] */
        const size_t st = layout ? stride : (size_t)I;
        const size_t *sp = layout ? starts : NULL;
        expected(&t.m, data, st, sp, n, steps, y0, h0, yr);
        for (ti = 0; ti < 4; ti++) {
            elstm_diag d;
            elstm_diag_clear(&d);
            memset(y, 0xFF, n * O * sizeof(float));
            memset(h, 0xFF, n * N * sizeof(float));
            if (elstm_infer_windows(&t.m, data, st, sp, n, steps, threads[ti], y, h, &d) != ELSTM_OK) {
                same_y = same_h = 0;
                printf("# infer_windows failed: %s\n", d.msg);
            }
            if (memcmp(y, y0, n * O * sizeof(float))) same_y = 0;
            if (memcmp(h, h0, n * N * sizeof(float))) same_h = 0;
        }
        {
            double d = test_max_abs_diff_f32(y0, yr, n * O, NULL);
            if (d > ref_diff) ref_diff = d;
        }
    }
    snprintf(what, sizeof what, "infer_windows: y bit-identical to elstm_lstm_window_f32 for T = 1, 2, 3, 7, "
                                "contiguous and strided row starts");
    TEST_TRUE(what, same_y);
    TEST_TRUE("infer_windows: final h bit-identical for every thread count", same_h);
    TEST_TRUE("infer_windows: y within 1e-5 of the reference kernel", ref_diff <= 1e-5);
    {
        /* y may be NULL (h only) and n = 0 is a no-op */
        TEST_EQ_INT("infer_windows: y NULL, h only", elstm_infer_windows(&t.m, data, stride, starts, n, steps, 2, NULL, h, NULL), ELSTM_OK);
        TEST_EQ_INT("infer_windows: zero windows is a no-op", elstm_infer_windows(&t.m, NULL, I, NULL, 0, steps, 2, NULL, NULL, NULL), ELSTM_OK);
    }
    {
        elstm_diag d;
        elstm_lstm_f32 bad = t.m;
        elstm_diag_clear(&d);
        TEST_EQ_INT("infer_windows: 0 threads is ELSTM_ERR_ARG", elstm_infer_windows(&t.m, data, I, NULL, 1, steps, 0, y, NULL, &d), ELSTM_ERR_ARG);
        TEST_TRUE("infer_windows: the message names the thread count", strstr(d.msg, "0 threads") != NULL);
        elstm_diag_clear(&d);
        TEST_EQ_INT("infer_windows: a row stride shorter than the inputs is ELSTM_ERR_ARG",
                    elstm_infer_windows(&t.m, data, I - 1, NULL, 1, steps, 1, y, NULL, &d), ELSTM_ERR_ARG);
        elstm_diag_clear(&d);
        TEST_EQ_INT("infer_windows: 0 steps is ELSTM_ERR_ARG", elstm_infer_windows(&t.m, data, I, NULL, 1, 0, 1, y, NULL, &d), ELSTM_ERR_ARG);
        bad.wh[2] = NULL;
        elstm_diag_clear(&d);
        TEST_EQ_INT("infer_windows: an invalid model is ELSTM_ERR_ARG", elstm_infer_windows(&bad, data, I, NULL, 1, steps, 1, y, NULL, &d), ELSTM_ERR_ARG);
        TEST_TRUE("infer_windows: the message says the model is invalid", strstr(d.msg, "invalid") != NULL);
    }
    free(data);
    free(y0);
    free(h0);
    free(yr);
    free(y);
    free(h);
    free(t.block);
}

static void check_pool(int32_t I, int32_t N, int32_t O)
{
    test_model t;
    const int32_t max_steps = 60;
    float *x, y0[3], y[3], *h0, *h;
    int threads, same = 1, w;
    char what[200];
    size_t bytes;
    void *arena;
    elstm_lstm_ctx_f32 ctx;
    make_model(&t, I, N, O, 0.25f, 1);
    x = random_inputs((size_t)max_steps * I, 1.0f);
    h0 = malloc((size_t)N * sizeof(float));
    h = malloc((size_t)N * sizeof(float));
    bytes = elstm_lstm_arena_size_f32(&t.m);
    arena = malloc(bytes);
    elstm_lstm_init_f32(&ctx, &t.m, arena, bytes);
    for (threads = 1; threads <= 4; threads++) {
        elstm_infer_pool *pool = NULL;
        elstm_diag d;
        elstm_diag_clear(&d);
        if (elstm_infer_pool_create(&pool, &t.m, threads, &d) != ELSTM_OK) {
            printf("# pool_create failed: %s\n", d.msg);
            same = 0;
            continue;
        }
        for (w = 0; w < 12; w++) {
            const int32_t steps = 1 + (w * 17) % max_steps;
            if (w == 6) usleep(2000); /* the workers give up spinning and sleep */
            elstm_lstm_window_f32(&ctx, x, steps, O ? y0 : NULL);
            memcpy(h0, ctx.h, (size_t)N * sizeof(float));
            memset(y, 0xFF, sizeof y);
            elstm_infer_pool_window(pool, x, steps, O ? y : NULL, h);
            if (memcmp(h, h0, (size_t)N * sizeof(float)) || (O && memcmp(y, y0, (size_t)O * sizeof(float))))
                same = 0;
        }
        elstm_infer_pool_free(pool);
    }
    snprintf(what, sizeof what, "infer_pool: I=%d N=%d O=%d, 1..4 threads, 12 windows: bit-identical to "
                                "elstm_lstm_window_f32", I, N, O);
    TEST_TRUE(what, same);
    free(x);
    free(h0);
    free(h);
    free(arena);
    free(t.block);
}

int main(void)
{
    test_suite("infer");
    check_windows();
    check_pool(7, 128, 1);
    check_pool(3, 130, 3);
    check_pool(2, 13, 0);  /* 2 unit blocks: at most 2 threads are used */
    check_pool(1, 3, 1);   /* N < 8: one block, one thread */
    {
        /* all threads on one CPU: waiting threads must sleep to let the others run */
        cpu_set_t old, one;
        int cpu = sched_getcpu();
        CPU_ZERO(&one);
        CPU_SET(cpu >= 0 ? cpu : 0, &one);
        if (sched_getaffinity(0, sizeof old, &old) == 0 && sched_setaffinity(0, sizeof one, &one) == 0) {
            check_pool(7, 64, 1);
            sched_setaffinity(0, sizeof old, &old);
        } else {
            printf("# could not pin the test to one CPU; sleeping barrier not exercised\n");
        }
    }
    {
        test_model t;
        elstm_infer_pool *pool = NULL;
        elstm_diag d;
        make_model(&t, 7, 13, 1, 10.0f, 1);
        TEST_EQ_INT("infer_pool: 9 threads requested for 2 unit blocks", elstm_infer_pool_create(&pool, &t.m, 9, NULL), ELSTM_OK);
        if (pool) TEST_EQ_INT("infer_pool: uses 2 threads", elstm_infer_pool_threads(pool), 2);
        elstm_infer_pool_free(pool);
        elstm_infer_pool_free(NULL);
        elstm_diag_clear(&d);
        TEST_EQ_INT("infer_pool: 1000 threads is ELSTM_ERR_ARG", elstm_infer_pool_create(&pool, &t.m, 1000, &d), ELSTM_ERR_ARG);
        TEST_TRUE("infer_pool: no pool after an error", pool == NULL);
        free(t.block);
    }
    return test_done();
}
