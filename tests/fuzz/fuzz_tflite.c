/*
 * fuzz_tflite.c - libFuzzer target: arbitrary bytes through the TFLite parser, the graph
 * executor (creation, and a run when the graph is small) and the forecaster importer.
 * It also rewrites every file that parses with a metadata entry (`adopt`).
 * Every input must end in ELSTM_OK or a clear error, never a crash, leak, hang or
 * sanitizer report. `make fuzz` runs it; `make test` replays tests/fuzz/corpus/fuzz_tflite/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/tflite_exec.h"
#include "edgelstm/model.h"
#include "edgelstm/tflite.h"

/* Multiply-adds of one run, to skip running huge (but valid) graphs. */
static double cost(const elstm_tflite_model *m)
{
    const elstm_tflite_subgraph *sg = m->graph;
    double c = 0;
    for (int32_t t = 0; t < sg->n_tensors; t++) c += (double)sg->tensors[t].elements;
    for (int32_t k = 0; k < sg->n_ops; k++) {
        const elstm_tflite_op *op = &sg->ops[k];
        if (op->n_inputs > 1 && op->inputs[1] >= 0 && op->n_outputs > 0)
            c += (double)sg->tensors[op->inputs[1]].elements *
                 (double)sg->tensors[op->outputs[0]].elements;
    }
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_tflite_model *m = NULL;
    if (elstm_tflite_parse(data, size, "fuzz.tflite", &m, &d) != ELSTM_OK) {
        if (!d.msg[0]) abort();   /* every refusal carries a message */
        return 0;
    }
    (void)elstm_tflite_param_count(m);
    /* adopt's rewrite: any file that parses gets the entry, or a clear refusal */
    {
        uint8_t *re = NULL;
        size_t re_len = 0;
        elstm_diag_clear(&d);
        if (elstm_tflite_set_metadata(data, size, "fuzz.tflite", "edgelstm", "{\"v\":1}", 7, &re, &re_len, &d) != ELSTM_OK &&
            !d.msg[0])
            abort();
        free(re);
    }
    (void)elstm_tflite_find_metadata(m, ELSTM_META_NAME);
    elstm_tflite_exec *e = NULL;
    elstm_diag_clear(&d);
    if (elstm_tflite_exec_create(m, &e, &d) == ELSTM_OK) {
        const elstm_tflite_tensor *in = elstm_tflite_exec_input(e);
        if (cost(m) < 4e6) {
            float *x = malloc((in->elements + 1) * sizeof *x);
            for (size_t i = 0; i < in->elements; i++) x[i] = (float)(i % 7) * 0.25f - 0.5f;
            elstm_tflite_exec_run(e, x, in->elements, &d);
            for (int32_t k = 0; k < elstm_tflite_exec_n_outputs(e); k++) {
                size_t n;
                const float *y = elstm_tflite_exec_output(e, k, &n);
                volatile float sink = n ? y[n - 1] : 0.0f;
                (void)sink;
            }
            free(x);
        }
        elstm_tflite_exec_free(e);
    } else if (!d.msg[0]) {
        abort();
    }
    elstm_forecaster f;
    elstm_diag_clear(&d);
    if (tfl_forecaster_from_model(m, &f, &d) == ELSTM_OK) elstm_forecaster_free(&f);
    else if (!d.msg[0]) abort();
    elstm_tflite_free(m);
    return 0;
}
