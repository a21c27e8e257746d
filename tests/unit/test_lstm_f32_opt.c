/*
 * test_lstm_f32_opt.c - the optimized LSTM kernel this build selects (edgelstm/lstm.h: AVX2
 * on x86-64 with AVX2+FMA, plain C elsewhere) against the reference kernel, plus the
 * arena contract: size, alignment, errors, and nothing written outside it.
 * The plain C kernel is tested on every machine by test_lstm_f32_opt_generic.c.
 */
#include "lstm_f32_opt_cases.h"

#if defined(ELSTM_KERNEL_AVX2)
#define KERNEL "avx2"
#else
#define KERNEL "generic"
#endif

static void check_init_errors(void)
{
    test_model t;
    elstm_lstm_ctx_f32 ctx;
    elstm_lstm_f32 bad;
    const size_t bytes = ELSTM_LSTM_F32_ARENA_BYTES(13);
    unsigned char *arena = malloc(bytes);
    int g, all = 1;
    make_model(&t, 4, 13, 1, 10.0f, 1);

    TEST_EQ_INT("arena size function equals the compile-time macro", elstm_lstm_arena_size_f32(&t.m),
                bytes);
    TEST_EQ_INT("init with the exact arena size succeeds", elstm_lstm_init_f32(&ctx, &t.m, arena, bytes),
                ELSTM_OK);
    TEST_EQ_INT("arena one byte short: ELSTM_ERR_NOMEM",
                elstm_lstm_init_f32(&ctx, &t.m, arena, bytes - 1), ELSTM_ERR_NOMEM);
    TEST_EQ_INT("empty arena: ELSTM_ERR_NOMEM", elstm_lstm_init_f32(&ctx, &t.m, arena, 0),
                ELSTM_ERR_NOMEM);
    TEST_EQ_INT("NULL arena: ELSTM_ERR_ARG", elstm_lstm_init_f32(&ctx, &t.m, NULL, bytes), ELSTM_ERR_ARG);
    TEST_EQ_INT("NULL model: ELSTM_ERR_ARG", elstm_lstm_init_f32(&ctx, NULL, arena, bytes), ELSTM_ERR_ARG);
    TEST_EQ_INT("NULL context: ELSTM_ERR_ARG", elstm_lstm_init_f32(NULL, &t.m, arena, bytes), ELSTM_ERR_ARG);
#define BAD(what, field, value)                                                              \
    do {                                                                                     \
        bad = t.m;                                                                           \
        bad.field = value;                                                                   \
        TEST_EQ_INT(what, elstm_lstm_init_f32(&ctx, &bad, arena, bytes), ELSTM_ERR_ARG);     \
    } while (0)
    BAD("n_input 0: ELSTM_ERR_ARG", n_input, 0);
    BAD("n_units 0: ELSTM_ERR_ARG", n_units, 0);
    BAD("n_units -5: ELSTM_ERR_ARG", n_units, -5);
    BAD("n_output -1: ELSTM_ERR_ARG", n_output, -1);
    BAD("negative cell_clip: ELSTM_ERR_ARG", cell_clip, -1.0f);
    BAD("NaN cell_clip: ELSTM_ERR_ARG", cell_clip, NAN);
    BAD("dense layer without weights: ELSTM_ERR_ARG", wd, NULL);
#undef BAD
    for (g = 0; g < ELSTM_GATES; g++) {
        bad = t.m;
        bad.wx[g] = NULL;
        if (elstm_lstm_init_f32(&ctx, &bad, arena, bytes) != ELSTM_ERR_ARG) all = 0;
        bad = t.m;
        bad.wh[g] = NULL;
        if (elstm_lstm_init_f32(&ctx, &bad, arena, bytes) != ELSTM_ERR_ARG) all = 0;
    }
    TEST_TRUE("any missing gate weight matrix: ELSTM_ERR_ARG", all);
    free(arena);
    free(t.block);
}

/* The arena at every misalignment 0..31, exactly as large as the macro says, between
 * canary bytes: inference succeeds and writes nothing outside it. */
static void check_arena_bounds(void)
{
    enum { PAD = 64 };
    const int32_t N = 130, I = 7, steps = 20;
    const size_t bytes = ELSTM_LSTM_F32_ARENA_BYTES(130);
    unsigned char *buf = malloc(bytes + 2 * PAD + 32);
    test_model t;
    float *x, y, y0 = 0.0f;
    int off, ok = 1, same = 1;
    make_model(&t, I, N, 1, 10.0f, 1);
    x = random_inputs((size_t)steps * I, 1.0f);
    for (off = 0; off < 32; off++) {
        elstm_lstm_ctx_f32 ctx;
        unsigned char *arena = buf + PAD + off;
        size_t i;
        memset(buf, 0xA5, bytes + 2 * PAD + 32);
        if (elstm_lstm_init_f32(&ctx, &t.m, arena, bytes) != ELSTM_OK) {
            ok = 0;
            break;
        }
        elstm_lstm_window_f32(&ctx, x, steps, &y);
        elstm_lstm_step_f32(&ctx, x);
        if (off == 0) y0 = y;
        if (y != y0) same = 0;
        for (i = 0; i < PAD + (size_t)off; i++)
            if (buf[i] != 0xA5) ok = 0;
        for (i = PAD + off + bytes; i < bytes + 2 * PAD + 32; i++)
            if (buf[i] != 0xA5) ok = 0;
    }
    TEST_TRUE("arena of exactly ELSTM_LSTM_F32_ARENA_BYTES at any misalignment: canaries before and after untouched", ok);
    TEST_TRUE("the result does not depend on the arena's alignment", same);
    free(x);
    free(buf);
    free(t.block);
}

int main(void)
{
    test_suite("lstm_f32_opt");
    run_shape_matrix(KERNEL);
    check_unit_ranges(KERNEL);
    check_packed(KERNEL);
    check_init_errors();
    check_arena_bounds();
    return test_done();
}
