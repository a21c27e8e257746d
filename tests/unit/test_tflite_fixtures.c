/*
 * test_tflite_fixtures.c - TensorFlow-converted files (tests/fixtures/tflite/, made by
 * tools/make_tflite_fixtures.py) through elstm_forecaster_load() and the graph executor,
 * against the outputs the official TFLite interpreter recorded for them.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "elstm_test.h"
#include "fixture_util.h"

#define TOL 1e-5

static const char *fixture(const char *name) { return test_fixture("tflite", name); }

static json_t *cases_of(const char *name)
{
    char json_name[128];
    snprintf(json_name, sizeof json_name, "%s.json", name);
    json_error_t err;
    json_t *j = json_load_file(fixture(json_name), 0, &err);
    json_t *c = j ? json_incref(json_object_get(j, "cases")) : NULL;
    json_decref(j);
    return c;
}

/* The forecaster importer gives the interpreter's answers on every recorded case. */
static void forecaster_matches(const char *name)
{
    char what[160], tfl[128];
    elstm_forecaster f;
    elstm_diag d;
    elstm_status st = fixture_forecaster("tflite", name, tfl, sizeof tfl, &f, &d);
    snprintf(what, sizeof what, "%s: loads as a forecaster", name);
    if (!test_report(st == ELSTM_OK, what, "%s", d.msg)) return;
    json_t *cases = cases_of(name);
    size_t nin = (size_t)f.steps * (size_t)f.lstm.n_input, nout = (size_t)f.lstm.n_output;
    float *x = malloc(nin * sizeof *x), *want = malloc(nout * sizeof *want), *y = malloc(nout * sizeof *y);
    void *arena = aligned_alloc(32, (elstm_lstm_arena_size_f32(&f.lstm) + 31) / 32 * 32);
    elstm_lstm_ctx_f32 ctx;
    int ok = cases && json_array_size(cases) > 0 &&
             elstm_lstm_init_f32(&ctx, &f.lstm, arena, elstm_lstm_arena_size_f32(&f.lstm)) == ELSTM_OK;
    double worst = 0;
    for (size_t k = 0; ok && k < json_array_size(cases); k++) {
        json_t *c = json_array_get(cases, k);
        ok = json_array_size(json_object_get(c, "input")) == nin &&
             json_array_size(json_object_get(c, "output")) == nout;
        if (!ok) break;
        fixture_floats(json_object_get(c, "input"), x, nin);
        fixture_floats(json_object_get(c, "output"), want, nout);
        elstm_lstm_window_f32_ref(&ctx, x, f.steps, y);
        double dd = test_max_abs_diff_f32(y, want, nout, NULL);
        if (dd > worst) worst = dd;
    }
    snprintf(what, sizeof what, "%s: forecaster outputs == TFLite interpreter within 1e-5", name);
    test_report(ok && worst <= TOL, what, "sizes ok %d, max diff %.3g", ok, worst);
    free(arena);
    free(x);
    free(want);
    free(y);
    json_decref(cases);
    elstm_forecaster_free(&f);
}

/* A TensorFlow-converted int8 model loads as an int8 forecaster: its net (the runtime's
 * integer kernels) gives exactly what the graph executor gives, and the TFLite
 * interpreter's recorded outputs within `lsb` output steps (the two official runtimes
 * differ by a few steps; bit-exactness with TFLite Micro: tests/interop/test_quantize.py). */
static void quantized_forecaster_matches(const char *name, double out_scale, int lsb)
{
    char what[160], tfl[128];
    elstm_forecaster f;
    elstm_diag d;
    elstm_status st = fixture_forecaster("tflite", name, tfl, sizeof tfl, &f, &d);
    snprintf(what, sizeof what, "%s: loads as an int8 forecaster", name);
    if (!test_report(st == ELSTM_OK && f.dtype == ELSTM_FORECASTER_S8, what, "%s", d.msg)) return;
    json_t *cases = cases_of(name);
    elstm_tflite_model *m = NULL;
    elstm_tflite_exec *e = NULL;
    int ok = cases && json_array_size(cases) > 0 && elstm_tflite_load(fixture(tfl), &m, &d) == ELSTM_OK &&
             elstm_tflite_exec_create(m, &e, &d) == ELSTM_OK;
    size_t nin = (size_t)f.steps * (size_t)f.lstm.n_input, got;
    float *x = malloc(nin * sizeof *x), y, want;
    void *arena = aligned_alloc(32, (elstm_net_arena_size_s8(&f.net8) + 31) / 32 * 32);
    elstm_net_ctx_s8 ctx;
    ok = ok && elstm_net_init_s8(&ctx, &f.net8, arena, elstm_net_arena_size_s8(&f.net8)) == ELSTM_OK;
    double worst = 0;
    int same = 1;
    for (size_t k = 0; ok && k < json_array_size(cases); k++) {
        json_t *c = json_array_get(cases, k);
        fixture_floats(json_object_get(c, "input"), x, nin);
        fixture_floats(json_object_get(c, "output"), &want, 1);
        elstm_net_window_s8(&ctx, x, f.steps, &y);
        ok = elstm_tflite_exec_run(e, x, nin, &d) == ELSTM_OK;
        same = same && ok && elstm_tflite_exec_output(e, 0, &got)[0] == y;
        worst = fabs(y - want) > worst ? fabs(y - want) : worst;
    }
    snprintf(what, sizeof what, "%s: the int8 forecaster == the graph executor on every case", name);
    test_report(ok && same, what, "%s", d.msg);
    snprintf(what, sizeof what, "%s: and the TFLite interpreter within %d output steps", name, lsb);
    test_report(ok && worst <= lsb * out_scale * 1.0001, what, "max diff %.3g = %.2f steps", worst, worst / out_scale);
    elstm_tflite_exec_free(e);
    elstm_tflite_free(m);
    free(arena);
    free(x);
    json_decref(cases);
    elstm_forecaster_free(&f);
}

/* The importer refuses, with a message that names the file and contains `needle`. */
static void forecaster_refuses(const char *name, elstm_status want, const char *needle)
{
    char what[160], tfl[128];
    elstm_forecaster f;
    elstm_diag d;
    elstm_status st = fixture_forecaster("tflite", name, tfl, sizeof tfl, &f, &d);
    snprintf(what, sizeof what, "%s: refused as a forecaster (%s)", name, needle);
    test_report(st == want && strstr(d.msg, tfl) && strstr(d.msg, needle), what, "status %d: %s", st, d.msg);
    elstm_forecaster_free(&f);
}

int main(void)
{
    test_suite("tflite_fixtures");
    forecaster_matches("regression");
    forecaster_matches("regression_dedup");   /* one zero tensor shared by three gate biases */
    forecaster_matches("time_major");         /* [T,1,I] input, slice masks 6/6 shrink 1 */

    /* the dedup file really shares a tensor between operands */
    elstm_tflite_model *m = NULL;
    elstm_diag d;
    elstm_diag_clear(&d);
    int shared = 0;
    if (elstm_tflite_load(fixture("regression_dedup.tflite"), &m, &d) == ELSTM_OK) {
        const int32_t *in = m->subgraphs[0].ops[0].inputs;
        shared = in[12] == in[14] || in[14] == in[15] || in[13] == in[14];
    }
    TEST_TRUE("regression_dedup: the converter shared one bias tensor between gates", shared);
    elstm_tflite_free(m);

    forecaster_refuses("classifier", ELSTM_ERR_UNSUPPORTED, "SOFTMAX");
    forecaster_refuses("stacked_dense", ELSTM_ERR_UNSUPPORTED, "FULLY_CONNECTED");
    quantized_forecaster_matches("int8", 0.0041989609599113464, 2);
    quantized_forecaster_matches("int8_float_io", 0.0041989609599113464, 2);
    forecaster_refuses("go_backwards", ELSTM_ERR_UNSUPPORTED, "REVERSE_V2");
    return test_done();
}
