/* cmd_adopt.c - `edgelstm adopt MODEL.tflite DATA.csv [data options] [--scaler FILE] -o OUT.tflite`:
 * give a model trained elsewhere (Keras...) the metadata of a model edgelstm trained. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_eval.h"
#include "edgelstm/fileio.h"
#include "edgelstm/model.h"
#include "edgelstm/tflite.h"

static const cli_opt adopt_opts[] = {
    {"--scaler", NULL, "FILE", "the min-max scaler the model was trained with: CSV 'column,min,max', one row per "
                               "input (and the target) (default: computed on the training split, as the seed "
                               "notebook does)"},
    {"--output", "-o", "OUT.tflite", "the model with edgelstm metadata (written atomically)"},
    {NULL, NULL, NULL, NULL},
};
static const cli_opt *const groups[] = {adopt_opts, cli_data_opts, cli_force_opt, cli_json_opt, NULL};

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* The input gate's input weights of the first layer (float32, or the integer model's int8). */
static const void *first_weights(const elstm_forecaster *f)
{
    return f->dtype == ELSTM_FORECASTER_S8    ? (const void *)f->net8.lstm.q.wx[0]
           : f->dtype == ELSTM_FORECASTER_S16 ? (const void *)f->net16.lstm.q.wx[0]
                                              : (const void *)f->layers[0].wx[0];
}

/* The data's inputs, "TEMP, PRES, wd_sin, ..." */
static void inputs_text(const elstm_meta *m, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < m->n_inputs && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", m->inputs[i].name);
}

/* The adopted model on the data as eval reads it (the scaler from the metadata): test
 * split, else validation. r->n == 0 when there is nothing to evaluate. */
static elstm_status check_forecasts(const char *data_path, const elstm_forecaster *f, elstm_eval_result *r,
                                    elstm_diag *diag)
{
    memset(r, 0, sizeof *r);
    if (f->n_layers != 1 || f->lstm.n_output != 1) return ELSTM_OK;   /* eval runs one layer, one output */
    elstm_dataset ds;
    elstm_status st = elstm_data_load_meta(data_path, &f->meta, &ds, diag);
    if (st != ELSTM_OK) return st;
    int split = ds.n_win[ELSTM_SPLIT_TEST] ? ELSTM_SPLIT_TEST : ds.n_win[ELSTM_SPLIT_VAL] ? ELSTM_SPLIT_VAL : -1;
    if (split >= 0) st = elstm_forecaster_eval(f, &ds, split, cli_default_threads(), r, diag);
    elstm_data_free(&ds);
    return st;
}

static int run(cli_ctx *ctx)
{
    const char *model_path = ctx->pos[0], *data_path = ctx->pos[1], *out = cli_get(ctx, "--output");
    const char *scaler = cli_get(ctx, "--scaler");
    if (!out) return cli_usage_error(ctx, "missing -o OUT.tflite (the model file to write)");
    if (!cli_get(ctx, "--target"))
        return cli_usage_error(ctx, "missing --target COL: the column the model forecasts (its metadata needs it)");
    elstm_data_opts dopts;
    int rc = cli_read_data_opts(ctx, data_path, &dopts);
    if (rc) return rc;
    /* a foreign model learned what the user says it did: not train's recipe defaults (the
     * change as target, the forecast-time calendar) unless asked */
    if (!cli_get(ctx, "--target-mode")) dopts.target_mode = ELSTM_TARGET_LEVEL;
    if (!cli_get(ctx, "--target-time-features")) dopts.target_time_features = "none";
    const char *inputs[] = {model_path, data_path, scaler, NULL};
    elstm_output_rules r = {"-o", inputs, cli_has(ctx, "--force"), 0, 0, cli_is_edgelstm_model, "a model edgelstm wrote"};
    if ((rc = cli_check_output(out, &r))) return rc;

    elstm_diag diag;
    elstm_diag_clear(&diag);
    uint8_t *bytes = NULL;
    size_t len = 0;
    elstm_status st = elstm_read_file(model_path, &bytes, &len, 0, &diag);
    if (st != ELSTM_OK) return cli_fail(st, &diag);
    elstm_forecaster f, g;
    memset(&g, 0, sizeof g);
    st = elstm_forecaster_load_buffer(bytes, len, model_path, &f, &diag);
    if (st != ELSTM_OK) {
        free(bytes);
        return cli_fail(st, &diag);
    }
    const int32_t I = f.lstm.n_input, O = elstm_forecaster_top(&f)->n_output;
    char what[160], names[1024];
    elstm_forecaster_text(&f, what, sizeof what);
    elstm_dataset ds;
    memset(&ds, 0, sizeof ds);
    char *json = NULL;
    uint8_t *adopted = NULL;
    size_t adopted_len = 0;
    rc = CLI_EXIT_FAIL;

    /* steps: the model's input says; --steps may only repeat it */
    if (cli_get(ctx, "--steps") && dopts.steps != f.steps) {
        rc = cli_usage_error(ctx, "--steps %d differs from the model's input [1,%d,%d]: its windows are %d steps "
                                  "(leave --steps out to take the model's)", dopts.steps, (int)f.steps, (int)I,
                             (int)f.steps);
        goto out;
    }
    dopts.steps = f.steps;
    if ((st = elstm_data_load(&dopts, &ds, &diag)) != ELSTM_OK) {
        rc = cli_fail(st, &diag);
        goto out;
    }
    elstm_meta meta = ds.meta;
    inputs_text(&meta, names, sizeof names);
    if (ds.n_inputs != I) {
        rc = cli_error("%s: the data gives %d inputs per step (%s), but the model's input [1,%d,%d] takes %d; choose "
                       "--features (and --time-features) so that the inputs are the model's, in its order",
                       data_path, ds.n_inputs, names, (int)f.steps, (int)I, (int)I);
        goto out;
    }
    meta.outputs = O;
    if (scaler) {
        if ((st = elstm_scaler_read(scaler, &meta, &diag)) != ELSTM_OK) {
            rc = cli_fail(st, &diag);
            goto out;
        }
        snprintf(meta.scaler_source, sizeof meta.scaler_source, "adopt --scaler %s", base_name(scaler));
    } else {
        snprintf(meta.scaler_source, sizeof meta.scaler_source,
                 "adopt: fitted on the training split (first %.0f%%) of %s", 100.0 * meta.split_train,
                 base_name(data_path));
    }
    if ((st = elstm_meta_to_json(&meta, &json, &diag)) != ELSTM_OK ||
        (st = elstm_tflite_set_metadata(bytes, len, model_path, ELSTM_META_NAME, json, strlen(json), &adopted,
                                        &adopted_len, &diag)) != ELSTM_OK ||
        (st = elstm_forecaster_load_buffer(adopted, adopted_len, out, &g, &diag)) != ELSTM_OK) {
        rc = cli_fail(st, &diag);
        goto out;
    }
    if (!g.has_meta || g.steps != f.steps || g.n_layers != f.n_layers || g.dtype != f.dtype ||
        memcmp(first_weights(&g), first_weights(&f), (size_t)f.lstm.n_units * (size_t)I *
                                                          (f.dtype == ELSTM_FORECASTER_F32 ? sizeof(float) : 1)) != 0) {
        rc = cli_error("%s: internal error: the adopted model does not read back as the original", out);
        goto out;
    }
    if ((st = elstm_write_file_atomic(out, adopted, adopted_len, &diag)) != ELSTM_OK) {
        rc = cli_fail(st, &diag);
        goto out;
    }
    elstm_eval_result er;
    elstm_diag ediag;
    elstm_diag_clear(&ediag);
    int have_eval = check_forecasts(data_path, &g, &er, &ediag) == ELSTM_OK && er.n > 0;

    if (cli_has(ctx, "--json")) {
        json_t *o = json_object(), *ins = json_array();
        for (int i = 0; i < meta.n_inputs; i++) json_array_append_new(ins, json_string(meta.inputs[i].name));
        json_object_set_new(o, "model", json_string(out));
        json_object_set_new(o, "from", json_string(model_path));
        json_object_set_new(o, "layers", json_string(what));
        json_object_set_new(o, "inputs", ins);
        json_object_set_new(o, "steps", json_integer(meta.steps));
        json_object_set_new(o, "horizon", json_integer(meta.horizon));
        json_object_set_new(o, "outputs", json_integer(O));
        json_object_set_new(o, "target", json_string(meta.target));
        json_object_set_new(o, "scaler", json_string(scaler ? "file" : "training split"));
        json_object_set_new(o, "scaler_source", json_string(meta.scaler_source));
        json_object_set_new(o, "bytes", json_integer((json_int_t)adopted_len));
        json_object_set_new(o, "eval", have_eval ? (json_t *)cli_eval_json(&er) : json_null());
        rc = cli_print_json(o);
    } else {
        printf("%s: %s (%s) with edgelstm metadata\n", out, base_name(model_path), what);
        printf("  inputs    %d per step, in this order: %s\n", (int)I, names);
        printf("  window    %d steps; forecasts %s %d step%s after the last%s\n", (int)meta.steps, meta.target,
               meta.horizon, meta.horizon == 1 ? "" : "s", O > 1 ? " (and the next ones: one per output)" : "");
        printf("  scaler    %s\n", meta.scaler_source);
        if (have_eval) {
            cli_eval_print(stdout, &er, meta.target);
            if (er.persistence.rmse > 0 && er.model.rmse > 2.0 * er.persistence.rmse)
                printf("  note: the model's error is more than twice persistence's: check that the inputs above are "
                       "the model's, in its order, and the scaler it was trained with\n");
        }
        rc = 0;
    }
out:
    free(json);
    free(adopted);
    free(bytes);
    elstm_data_free(&ds);
    elstm_forecaster_free(&f);
    elstm_forecaster_free(&g);
    return rc;
}

const cli_command cli_cmd_adopt = {
    "adopt",
    "MODEL.tflite DATA.csv [data options] [--scaler FILE] -o OUT.tflite [--json]",
    "give a model trained elsewhere (Keras) edgelstm's metadata",
    "Writes OUT.tflite: MODEL.tflite (a forecaster edgelstm runs: a Keras LSTM model converted\n"
    "by TensorFlow, Keras 3 or tf_keras) unchanged, plus the metadata entry of a model edgelstm\n"
    "trained: the columns and encodings of its inputs as the data options give them from\n"
    "DATA.csv (--features in the model's input order), the time columns, the target, the\n"
    "window (steps: the model's input; --horizon) and the min-max scaler, fitted on the\n"
    "training split of DATA.csv (--split) as the seed's notebook fits it, or given with\n"
    "--scaler FILE (CSV 'column,min,max', one row per model input as `edgelstm data` names\n"
    "it, and one for the target when it is not an input). Then predict, eval, deploy --sample\n"
    "and the generated library read raw values in the CSV's units, as for a model edgelstm\n"
    "trained. adopt then evaluates the result on DATA.csv (as `edgelstm eval`) so that a\n"
    "wrong input order or scaler shows. The model's graph and weights are not touched.\n"
    "See docs/keras.md.",
    2, 2, groups, run,
};
