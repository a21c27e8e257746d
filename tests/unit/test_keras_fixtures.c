/*
 * test_keras_fixtures.c - Keras models converted by today's TensorFlow (tests/fixtures/keras/,
 * made by tools/make_keras_fixtures.py: Keras 3 WHILE loops, tf_keras fused operators)
 * through elstm_forecaster_load() and the stacked runtime kernels, against the outputs
 * the official TFLite interpreter (ai-edge-litert) recorded for them.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "multi/lstm_stack.h"
#include "elstm_test.h"
#include "fixture_util.h"

#define TOL 1e-5

static const char *fixture(const char *name) { return test_fixture("keras", name); }

static json_t *record(const char *name)
{
    char json_name[128];
    snprintf(json_name, sizeof json_name, "%s.json", name);
    return json_load_file(fixture(json_name), 0, NULL);
}

/* Forecaster NAME: its shape is the Keras model's; its outputs (fast stacked kernel and
 * reference) agree with the interpreter's within `tol`. Returns the largest difference. */
static double forecaster_matches(const char *name, double tol)
{
    char what[200], tfl[128];
    elstm_forecaster f;
    elstm_diag d;
    elstm_status st = fixture_forecaster("keras", name, tfl, sizeof tfl, &f, &d);
    snprintf(what, sizeof what, "%s: loads as a forecaster", name);
    if (!test_report(st == ELSTM_OK, what, "%s", d.msg)) return INFINITY;
    json_t *rec = record(name), *units = json_object_get(rec, "units"), *cases = json_object_get(rec, "cases");
    int shape_ok = (size_t)f.n_layers == json_array_size(units) &&
                   f.steps == json_integer_value(json_object_get(rec, "steps")) &&
                   f.lstm.n_input == json_integer_value(json_object_get(rec, "n_inputs")) &&
                   elstm_forecaster_top(&f)->n_output == json_integer_value(json_object_get(rec, "n_outputs"));
    /* Keras 3 loops have no clip; the converter writes cell_clip 10 into fused operators */
    float clip = strncmp(name, "k3_", 3) == 0 ? 0.0f : 10.0f;
    for (int32_t l = 0; shape_ok && l < f.n_layers; l++)
        shape_ok = f.layers[l].n_units == json_integer_value(json_array_get(units, (size_t)l)) &&
                   (l == f.n_layers - 1 || f.layers[l].n_output == 0) && f.layers[l].cell_clip == clip;
    snprintf(what, sizeof what, "%s: %d layer(s), units, steps, inputs, outputs and cell clip (%g) as converted",
             name, (int)f.n_layers, (double)clip);
    test_report(shape_ok, what, "layers %d steps %d inputs %d outputs %d", (int)f.n_layers, (int)f.steps,
                (int)f.lstm.n_input, (int)elstm_forecaster_top(&f)->n_output);

    size_t nin = (size_t)f.steps * (size_t)f.lstm.n_input, nout = (size_t)elstm_forecaster_top(&f)->n_output;
    size_t bytes = elstm_lstm_stack_arena_size_f32(f.layers, f.n_layers);
    float *x = malloc(nin * sizeof *x), *want = malloc(nout * sizeof *want), *y = malloc(nout * sizeof *y),
          *yr = malloc(nout * sizeof *yr);
    void *arena = malloc(bytes);
    elstm_lstm_ctx_f32 ctx[ELSTM_MAX_LAYERS];
    int ok = shape_ok && cases && json_array_size(cases) > 0 &&
             elstm_lstm_stack_init_f32(ctx, f.layers, f.n_layers, arena, bytes) == ELSTM_OK;
    double worst = 0, worst_ref = 0;
    for (size_t k = 0; ok && k < json_array_size(cases); k++) {
        json_t *c = json_array_get(cases, k);
        ok = json_array_size(json_object_get(c, "input")) == nin && json_array_size(json_object_get(c, "output")) == nout;
        if (!ok) break;
        fixture_floats(json_object_get(c, "input"), x, nin);
        fixture_floats(json_object_get(c, "output"), want, nout);
        elstm_lstm_stack_window_f32(ctx, f.n_layers, x, f.steps, y);
        elstm_lstm_stack_window_f32_ref(ctx, f.n_layers, x, f.steps, yr);
        double dd = test_max_abs_diff_f32(y, want, nout, NULL), dr = test_max_abs_diff_f32(yr, want, nout, NULL);
        worst = dd > worst ? dd : worst;
        worst_ref = dr > worst_ref ? dr : worst_ref;
    }
    snprintf(what, sizeof what, "%s: forecaster (fast kernel) == TFLite interpreter within %g", name, tol);
    test_report(ok && worst <= tol, what, "sizes ok %d, max diff %.3g", ok, worst);
    snprintf(what, sizeof what, "%s: forecaster (reference kernel) == TFLite interpreter within %g", name, tol);
    test_report(ok && worst_ref <= tol, what, "max diff %.3g", worst_ref);
    free(arena);
    free(x);
    free(want);
    free(y);
    free(yr);
    json_decref(rec);
    elstm_forecaster_free(&f);
    return ok ? worst : INFINITY;
}

/* The importer refuses NAME with a message naming the file and `needle`. */
static void forecaster_refuses(const char *name, const char *needle)
{
    char what[160], tfl[128];
    elstm_forecaster f;
    elstm_diag d;
    elstm_status st = fixture_forecaster("keras", name, tfl, sizeof tfl, &f, &d);
    snprintf(what, sizeof what, "%s: refused, naming %s", name, needle);
    test_report(st == ELSTM_ERR_UNSUPPORTED && strstr(d.msg, tfl) && strstr(d.msg, needle), what, "status %d: %s", st,
                d.msg);
    elstm_forecaster_free(&f);
}

/* The graph of a Keras 3 file: its WHILE loops became LSTM operators reading views of the
 * body's weights (no copy), time-major, without cell clip. */
static void graph_is_lowered(const char *name, int loops)
{
    char what[160], tfl[128];
    snprintf(tfl, sizeof tfl, "%s.tflite", name);
    elstm_tflite_model *m = NULL;
    elstm_diag d;
    elstm_diag_clear(&d);
    int ok = elstm_tflite_load(fixture(tfl), &m, &d) == ELSTM_OK && m->n_loops == loops &&
             m->graph != &m->subgraphs[0];
    int lstms = 0, views = 1;
    for (int32_t k = 0; ok && k < m->graph->n_ops; k++) {
        const elstm_tflite_op *op = &m->graph->ops[k];
        ok = op->builtin != ELSTM_TFL_OP_WHILE;
        if (op->builtin != ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM) continue;
        lstms++;
        ok = op->loop >= 0 && op->opt.time_major && op->opt.cell_clip == 0.0f && op->n_inputs == 24;
        /* the input weights of gate i are rows 0..N-1 of the body's kernel: inside its data */
        const elstm_tflite_loop *L = &m->loops[op->loop];
        const elstm_tflite_tensor *wx = &m->graph->tensors[op->inputs[1]];
        const elstm_tflite_subgraph *body = &m->subgraphs[L->body];
        int inside = 0;
        for (int32_t t = 0; t < body->n_tensors; t++) {
            const elstm_tflite_tensor *bt = &body->tensors[t];
            if (bt->data && (const char *)wx->data >= (const char *)bt->data &&
                (const char *)wx->data + wx->data_bytes <= (const char *)bt->data + bt->data_bytes)
                inside = 1;
        }
        views &= inside && wx->rank == 2 && wx->shape[0] == L->units && wx->shape[1] == L->n_input;
    }
    snprintf(what, sizeof what, "%s: %d WHILE loop(s) become LSTM operators over views of the body's weights", name,
             loops);
    test_report(ok && lstms == loops && views, what, "%s", d.msg);
    elstm_tflite_free(m);
}

int main(void)
{
    test_suite("keras_fixtures");
    forecaster_matches("k3_lstm", TOL);
    forecaster_matches("k3_stacked", TOL);
    forecaster_matches("k3_dense24", TOL);
    forecaster_matches("k3_nobias", TOL);
    forecaster_matches("tk_stacked", TOL);
    forecaster_matches("tk_dense24", TOL);
    /* Hybrid weights are dequantized into float32 (w = scale * q); the interpreter's hybrid
     * kernel also quantizes each step's inputs to int8, so the two differ by that
     * quantization. `run` follows the interpreter exactly (test_keras_fixtures.py). */
    double hybrid = forecaster_matches("k3_hybrid", 2e-3);
    printf("# k3_hybrid: dequantized float forecaster vs the interpreter's hybrid kernel: %.3g\n", hybrid);

    graph_is_lowered("k3_lstm", 1);
    graph_is_lowered("k3_stacked", 2);
    graph_is_lowered("k3_hybrid", 1);

    forecaster_refuses("k3_gru", "GRU");
    forecaster_refuses("k3_bidi", "Bidirectional");
    forecaster_refuses("k3_rnn", "SimpleRNN");
    forecaster_refuses("k3_relu", "activation RELU");
    forecaster_refuses("tk_gru", "GRU");
    forecaster_refuses("tk_bidi", "REVERSE_V2");
    return test_done();
}
