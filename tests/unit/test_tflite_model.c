/* test_tflite_model.c - forecaster export/import round trip, file layout, errors, robustness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edgelstm/fileio.h"
#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "elstm_test.h"

enum { I = 3, N = 5, O = 2, T = 4 };

static uint32_t rng = 12345;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / (float)(1 << 24) - 0.5f;
}

typedef struct weights {
    float wx[4][N * I], wh[4][N * N], b[4][N], wd[O * N], bd[O];
} weights;

static void make_model(weights *w, elstm_lstm_f32 *m, float clip)
{
    float *all = (float *)w;
    for (size_t i = 0; i < sizeof *w / sizeof(float); i++) all[i] = frand();
    memset(m, 0, sizeof *m);
    m->n_input = I;
    m->n_units = N;
    m->n_output = O;
    m->cell_clip = clip;
    for (int g = 0; g < 4; g++) {
        m->wx[g] = w->wx[g];
        m->wh[g] = w->wh[g];
        m->b[g] = w->b[g];
    }
    m->wd = w->wd;
    m->bd = w->bd;
}

static void make_meta(elstm_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    meta->version = ELSTM_META_VERSION;
    strcpy(meta->tool_version, "0.1.0");
    strcpy(meta->time_cols, "year,month,day,hour");
    meta->interval_s = 3600;
    meta->steps = T;
    meta->horizon = 1;
    meta->split_train = 0.7;
    meta->split_val = 0.2;
    strcpy(meta->target, "TEMP");
    meta->target_min = -19.7;
    meta->target_max = 41.4;
    meta->n_inputs = I;
    for (int i = 0; i < I; i++) {
        snprintf(meta->inputs[i].name, sizeof meta->inputs[i].name, "in%d", i);
        snprintf(meta->inputs[i].source, sizeof meta->inputs[i].source, "in%d", i);
        meta->inputs[i].min = -i;
        meta->inputs[i].max = 10.0 + i;
    }
}

static int same_f32(const float *a, const float *b, size_t n)
{
    return a && b && memcmp(a, b, n * sizeof(float)) == 0;
}

static void window(const elstm_lstm_f32 *m, const float *x, float *y)
{
    static unsigned char arena[4096] __attribute__((aligned(32)));
    elstm_lstm_ctx_f32 ctx;
    if (elstm_lstm_init_f32(&ctx, m, arena, sizeof arena) != ELSTM_OK) abort();
    elstm_lstm_window_f32_ref(&ctx, x, T, y);
}

/* Find the LSTM's 24-entry input list in the file (as laid out by the exporter). */
static long find_lstm_inputs(const uint8_t *buf, size_t len)
{
    const int32_t want[24] = {0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1,
                              9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1};
    for (size_t p = 0; p + sizeof want <= len; p += 4)
        if (memcmp(buf + p, want, sizeof want) == 0) return (long)p;
    return -1;
}

static void test_layout(const uint8_t *buf, size_t len)
{
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_tflite_model *m = NULL;
    TEST_EQ_INT("the exported bytes parse", elstm_tflite_parse(buf, len, "mem", &m, &d), ELSTM_OK);
    if (!m) return;
    TEST_TRUE("identifier TFL3 at bytes 4-7", memcmp(buf + 4, "TFL3", 4) == 0);
    TEST_EQ_INT("Model.version is 3", m->version, 3);
    TEST_EQ_INT("buffer 0 is the empty sentinel", m->n_buffers > 0 && m->subgraphs[0].tensors[13].buffer == 0, 1);
    TEST_EQ_INT("three operator codes", m->n_opcodes, 3);
    TEST_TRUE("codes LSTM, STRIDED_SLICE, FULLY_CONNECTED at version 1",
              m->n_opcodes == 3 && m->opcodes[0].builtin == 44 && m->opcodes[1].builtin == 45 &&
                  m->opcodes[2].builtin == 9 && m->opcodes[0].version == 1 &&
                  m->opcodes[1].version == 1 && m->opcodes[2].version == 1);
    const elstm_tflite_subgraph *sg = &m->subgraphs[0];
    TEST_EQ_INT("three operators", sg->n_ops, 3);
    const elstm_tflite_op *lstm = &sg->ops[0];
    TEST_EQ_INT("the LSTM has 24 inputs", lstm->n_inputs, 24);
    TEST_TRUE("peephole, projection and layer-norm slots are -1",
              lstm->n_inputs == 24 && lstm->inputs[9] == -1 && lstm->inputs[10] == -1 &&
                  lstm->inputs[11] == -1 && lstm->inputs[16] == -1 && lstm->inputs[17] == -1 &&
                  lstm->inputs[20] == -1 && lstm->inputs[23] == -1);
    TEST_TRUE("LSTM options: TANH, cell_clip 10, batch-major",
              lstm->opt.type == 71 && lstm->opt.fused_activation == 4 && lstm->opt.cell_clip == 10.0f &&
                  !lstm->opt.time_major);
    const elstm_tflite_tensor *h = &sg->tensors[lstm->inputs[18]], *c = &sg->tensors[lstm->inputs[19]];
    TEST_TRUE("state tensors are variable [1,N] float32 without data in buffer 0",
              h->is_variable && c->is_variable && h->rank == 2 && h->shape[0] == 1 &&
                  h->shape[1] == N && c->elements == N && !h->data && !c->data && h->buffer == 0 &&
                  c->buffer == 0);
    const elstm_tflite_op *ss = &sg->ops[1];
    const int32_t *begin = sg->tensors[ss->inputs[1]].data, *end = sg->tensors[ss->inputs[2]].data;
    const int32_t *strides = sg->tensors[ss->inputs[3]].data;
    TEST_TRUE("STRIDED_SLICE: int32 begin {0,-1,0}, end {0,0,0}, strides {1,1,1}",
              begin && end && strides && begin[0] == 0 && begin[1] == -1 && begin[2] == 0 &&
                  end[0] == 0 && end[1] == 0 && end[2] == 0 && strides[0] == 1 && strides[1] == 1 &&
                  strides[2] == 1 && sg->tensors[ss->inputs[1]].type == ELSTM_TFL_INT32);
    TEST_TRUE("STRIDED_SLICE masks 5/5, shrink 2",
              ss->opt.begin_mask == 5 && ss->opt.end_mask == 5 && ss->opt.shrink_axis_mask == 2);
    const elstm_tflite_tensor *in = &sg->tensors[sg->inputs[0]], *out = &sg->tensors[sg->outputs[0]];
    TEST_TRUE("input [1,T,I], output [1,O]",
              in->rank == 3 && in->shape[0] == 1 && in->shape[1] == T && in->shape[2] == I &&
                  out->rank == 2 && out->shape[0] == 1 && out->shape[1] == O);
    TEST_TRUE("signature serving_default maps input and output",
              m->n_signatures == 1 && strcmp(m->signatures[0].key, "serving_default") == 0 &&
                  m->signatures[0].n_inputs == 1 && m->signatures[0].inputs[0].tensor == (uint32_t)sg->inputs[0] &&
                  m->signatures[0].n_outputs == 1 && m->signatures[0].outputs[0].tensor == (uint32_t)sg->outputs[0]);
    TEST_TRUE("a description", m->description && strstr(m->description, "LSTM(5) + Dense(2)"));
    int aligned = 1;
    for (int32_t t = 0; t < sg->n_tensors; t++)
        if (sg->tensors[t].data && ((const uint8_t *)sg->tensors[t].data - (const uint8_t *)NULL) % 16)
            aligned = 0;
    TEST_TRUE("constant data is 16-aligned", aligned);
    TEST_EQ_INT("parameter count as Keras counts it", elstm_tflite_param_count(m),
                4 * (N * I + N * N + N) + O * N + O);
    const elstm_tflite_metadata *md = elstm_tflite_find_metadata(m, ELSTM_META_NAME);
    TEST_TRUE("the edgelstm metadata entry is present", md && md->len > 10 && md->data[0] == '{');
    elstm_tflite_free(m);
}

/* Patch the exported bytes, then the executor and the importer must refuse, naming `needle`. */
static void refused_variant(const uint8_t *good, size_t len, long at, int32_t slot, int32_t value,
                            const char *what, const char *needle)
{
    uint8_t *buf = malloc(len);
    memcpy(buf, good, len);
    if (slot >= 0) memcpy(buf + at + 4 * slot, &value, 4);
    else buf[at] = (uint8_t)value;
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_tflite_model *m = NULL;
    elstm_tflite_exec *e = NULL;
    elstm_status st = elstm_tflite_parse(buf, len, "variant.tflite", &m, &d);
    if (st == ELSTM_OK) st = elstm_tflite_exec_create(m, &e, &d);
    test_report(st == ELSTM_ERR_UNSUPPORTED && strstr(d.msg, "variant.tflite") && strstr(d.msg, needle),
                what, "status %d: %s", st, d.msg);
    elstm_tflite_exec_free(e);
    elstm_tflite_free(m);
    free(buf);
}

static void test_refused_variants(const uint8_t *good, size_t len)
{
    long at = find_lstm_inputs(good, len);
    if (!TEST_TRUE("the LSTM input list is found", at > 0)) return;
    refused_variant(good, len, at, 9, 9, "peephole weights: refused", "peephole");
    refused_variant(good, len, at, 16, 5, "a projection layer: refused", "projection");
    refused_variant(good, len, at, 20, 9, "layer normalization: refused", "layer normalization");
    refused_variant(good, len, at, 1, -1, "CIFG (no input gate): refused", "CIFG");
    /* the options table: soffset, cell_clip 10.0f, then the activation byte (TANH = 4) */
    const uint8_t clip_tanh[5] = {0x00, 0x00, 0x20, 0x41, 4};
    long opt = -1;
    for (size_t p = 0; p + 5 <= len; p++)
        if (memcmp(good + p, clip_tanh, 5) == 0) opt = (long)p + 4;
    if (TEST_TRUE("the LSTM options are found", opt > 0))
        refused_variant(good, len, opt, -1, 1, "a RELU cell activation: refused", "RELU");
    /* the input shape [1,T,I] -> [2,T,I] */
    const int32_t shape[4] = {3, 1, T, I};
    long sh = -1;
    for (size_t p = 0; p + sizeof shape <= len && sh < 0; p += 4)
        if (memcmp(good + p, shape, sizeof shape) == 0) sh = (long)p;
    if (TEST_TRUE("the input shape is found", sh > 0))
        refused_variant(good, len, sh, 1, 2, "batch 2: refused", "batch size 2");
}

/* Every byte of the file flipped, and every truncation: parse (and run) must not crash. */
static void test_robustness(const uint8_t *good, size_t len)
{
    uint8_t *buf = malloc(len);
    int parsed = 0, failed_clearly = 1, ran = 0;
    for (size_t i = 0; i < len; i++) {
        for (int variant = 0; variant < 2; variant++) {
            memcpy(buf, good, len);
            buf[i] ^= variant ? 0x80 : 0xff;
            elstm_diag d;
            elstm_diag_clear(&d);
            elstm_tflite_model *m = NULL;
            elstm_status st = elstm_tflite_parse(buf, len, "flip", &m, &d);
            if (st != ELSTM_OK) {
                if (!d.msg[0] || strncmp(d.msg, "flip: ", 6) != 0) failed_clearly = 0;
                continue;
            }
            parsed++;
            elstm_tflite_exec *e = NULL;
            elstm_diag_clear(&d);
            if (elstm_tflite_exec_create(m, &e, &d) == ELSTM_OK) {
                const elstm_tflite_tensor *ti = elstm_tflite_exec_input(e);
                if (ti->elements <= 4096) {
                    float *in = calloc(ti->elements + 1, sizeof(float));
                    if (elstm_tflite_exec_run(e, in, ti->elements, &d) == ELSTM_OK) ran++;
                    free(in);
                }
                elstm_tflite_exec_free(e);
            } else if (!d.msg[0]) {
                failed_clearly = 0;
            }
            elstm_tflite_free(m);
        }
    }
    TEST_TRUE("every single-byte corruption is parsed or refused with a message naming the file",
              failed_clearly);
    TEST_TRUE("some corruptions still parse (weights) and run", parsed > 0 && ran > 0);
    /* Cutting only the zero padding at the end leaves a whole flatbuffer. */
    size_t used = len;
    while (used > 0 && good[used - 1] == 0) used--;
    int truncated_refused = 1;
    for (size_t n = 0; n < used; n++) {
        elstm_diag d;
        elstm_diag_clear(&d);
        elstm_tflite_model *m = NULL;
        memcpy(buf, good, n);
        elstm_tflite_parse(buf, n, "cut", &m, &d);
        if (m) {
            truncated_refused = 0;
            elstm_tflite_free(m);
        }
        else if (d.status != ELSTM_ERR_FORMAT) truncated_refused = 0;
    }
    TEST_TRUE("every truncation into the data is refused as malformed", truncated_refused);
    free(buf);
}

int main(void)
{
    test_suite("tflite_model");
    weights w;
    elstm_lstm_f32 m;
    elstm_meta meta;
    elstm_diag d;
    make_model(&w, &m, 10.0f);
    make_meta(&meta);

    /* export is deterministic */
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    elstm_diag_clear(&d);
    TEST_EQ_INT("serializes", elstm_forecaster_serialize(&m, T, &meta, &a, &alen, &d), ELSTM_OK);
    TEST_EQ_INT("serializes again", elstm_forecaster_serialize(&m, T, &meta, &b, &blen, &d), ELSTM_OK);
    TEST_TRUE("same input, same bytes", a && b && alen == blen && memcmp(a, b, alen) == 0);
    TEST_EQ_INT("file length is a multiple of 16", alen % 16, 0);
    free(b);
    test_layout(a, alen);

    /* round trip through a file */
    char path[256];
    snprintf(path, sizeof path, "%s/elstm-test-model-%d.tflite", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    TEST_EQ_INT("saves", elstm_forecaster_save(path, &m, T, &meta, &d), ELSTM_OK);
    uint8_t *file = NULL;
    size_t flen = 0;
    elstm_read_file(path, &file, &flen, 0, &d);
    TEST_TRUE("the saved file holds the serialized bytes", file && flen == alen && memcmp(file, a, alen) == 0);
    free(file);
    elstm_forecaster f;
    elstm_diag_clear(&d);
    TEST_EQ_INT("loads back", elstm_forecaster_load(path, &f, &d), ELSTM_OK);
    int same = f.lstm.n_input == I && f.lstm.n_units == N && f.lstm.n_output == O && f.steps == T &&
               f.lstm.cell_clip == 10.0f;
    for (int g = 0; g < 4 && same; g++)
        same = same_f32(f.lstm.wx[g], m.wx[g], N * I) && same_f32(f.lstm.wh[g], m.wh[g], N * N) &&
               same_f32(f.lstm.b[g], m.b[g], N);
    same = same && same_f32(f.lstm.wd, m.wd, O * N) && same_f32(f.lstm.bd, m.bd, O);
    TEST_TRUE("every weight is bitwise identical after the round trip", same);
    TEST_TRUE("metadata round trip is exact", f.has_meta && memcmp(&f.meta, &meta, sizeof meta) == 0);
    float x[T * I], y0[O], y1[O];
    for (int i = 0; i < T * I; i++) x[i] = frand() + 0.5f;
    window(&m, x, y0);
    if (same) window(&f.lstm, x, y1);
    TEST_TRUE("identical outputs (bitwise) after the round trip", same && memcmp(y0, y1, sizeof y0) == 0);

    /* the executor runs the same file to the same answer */
    elstm_tflite_model *tm = NULL;
    elstm_tflite_exec *e = NULL;
    elstm_diag_clear(&d);
    TEST_EQ_INT("the graph executor accepts the file", elstm_tflite_load(path, &tm, &d) == ELSTM_OK &&
                elstm_tflite_exec_create(tm, &e, &d) == ELSTM_OK, 1);
    if (e) {
        size_t n = 0;
        TEST_EQ_INT("the executor runs", elstm_tflite_exec_run(e, x, T * I, &d), ELSTM_OK);
        const float *y = elstm_tflite_exec_output(e, 0, &n);
        TEST_EQ_INT("one output of O values", n, O);
        TEST_ALLCLOSE_F32("executor output equals the forecaster's", y, y0, O, 1e-5);
        /* a second run starts from a zero state again */
        TEST_EQ_INT("runs again", elstm_tflite_exec_run(e, x, T * I, &d), ELSTM_OK);
        TEST_ALLCLOSE_F32("the state is reset before each run", y, y0, O, 1e-5);
        elstm_diag_clear(&d);
        TEST_EQ_INT("a wrong input count is refused", elstm_tflite_exec_run(e, x, T * I - 1, &d), ELSTM_ERR_ARG);
    }
    elstm_tflite_exec_free(e);
    elstm_tflite_free(tm);
    elstm_forecaster_free(&f);

    /* shared constant: all four gate biases point at one tensor (as the converter dedups) */
    long at = find_lstm_inputs(a, alen);
    TEST_TRUE("the LSTM input list is where the exporter puts it", at > 0);
    if (at > 0) {
        uint8_t *dup = malloc(alen);
        memcpy(dup, a, alen);
        int32_t nine = 9;
        for (int g = 1; g < 4; g++) memcpy(dup + at + 4 * (12 + g), &nine, 4);
        elstm_write_file_atomic(path, dup, alen, &d);
        free(dup);
        elstm_diag_clear(&d);
        TEST_EQ_INT("a model with one tensor shared by four operands loads",
                    elstm_forecaster_load(path, &f, &d), ELSTM_OK);
        int shared = 1;
        for (int g = 0; g < 4; g++) shared = shared && same_f32(f.lstm.b[g], m.b[0], N);
        TEST_TRUE("each gate gets the shared bias", shared);
        weights w2 = w;
        elstm_lstm_f32 m2 = m;
        for (int g = 0; g < 4; g++) {
            memcpy(w2.b[g], w.b[0], sizeof w2.b[g]);
            m2.wx[g] = w2.wx[g];
            m2.wh[g] = w2.wh[g];
            m2.b[g] = w2.b[g];
        }
        window(&m2, x, y0);
        if (shared) window(&f.lstm, x, y1);
        TEST_TRUE("and computes what the shared weights give", shared && memcmp(y0, y1, sizeof y0) == 0);
        elstm_forecaster_free(&f);
    }

    /* no metadata, no biases, no clipping */
    elstm_lstm_f32 nb = m;
    for (int g = 0; g < 4; g++) nb.b[g] = NULL;
    nb.bd = NULL;
    nb.cell_clip = 0.0f;
    elstm_diag_clear(&d);
    TEST_EQ_INT("saves without metadata or biases", elstm_forecaster_save(path, &nb, T, NULL, &d), ELSTM_OK);
    TEST_EQ_INT("loads", elstm_forecaster_load(path, &f, &d), ELSTM_OK);
    float zeros[N] = {0};
    TEST_TRUE("absent biases come back as zeros, no metadata, clip 0",
              !f.has_meta && same_f32(f.lstm.b[1], zeros, N) && f.lstm.bd && f.lstm.bd[0] == 0.0f &&
                  f.lstm.cell_clip == 0.0f);
    elstm_forecaster_free(&f);

    /* export errors */
    elstm_lstm_f32 bad = m;
    bad.n_output = 0;
    elstm_diag_clear(&d);
    TEST_EQ_INT("no dense layer: refused", elstm_forecaster_save(path, &bad, T, NULL, &d), ELSTM_ERR_ARG);
    TEST_TRUE("the message names the file", strstr(d.msg, path) != NULL);
    weights wn = w;
    wn.wh[2][3] = NAN;
    bad = m;
    bad.wh[2] = wn.wh[2];
    elstm_diag_clear(&d);
    uint8_t *tmp = NULL;
    size_t tlen = 0;
    TEST_EQ_INT("NaN weights: refused", elstm_forecaster_serialize(&bad, T, NULL, &tmp, &tlen, &d), ELSTM_ERR_NUMERIC);
    meta.steps = T + 1;
    elstm_diag_clear(&d);
    TEST_EQ_INT("metadata for other sizes: refused", elstm_forecaster_serialize(&m, T, &meta, &tmp, &tlen, &d), ELSTM_ERR_ARG);
    meta.steps = T;
    elstm_diag_clear(&d);
    TEST_EQ_INT("a directory that does not exist: I/O error",
                elstm_forecaster_save("/nonexistent-dir/m.tflite", &m, T, NULL, &d), ELSTM_ERR_IO);

    test_refused_variants(a, alen);
    test_robustness(a, alen);
    free(a);
    unlink(path);
    return test_done();
}
