/* test_meta.c - metadata JSON: round trip, validation, scaler maths, atomic writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edgelstm/fileio.h"
#include "edgelstm/meta.h"
#include "elstm_test.h"

static void fill(elstm_meta *m)
{
    memset(m, 0, sizeof *m);
    m->version = ELSTM_META_VERSION;
    strcpy(m->tool_version, "0.1.0");
    strcpy(m->time_cols, "year,month,day,hour");
    strcpy(m->time_layout, "ymdh");
    m->skip_rows = 2;
    m->interval_s = 3600;
    m->max_gap = 6;
    m->steps = 168;
    m->horizon = 1;
    m->split_train = 0.7;
    m->split_val = 0.2;
    strcpy(m->target, "TEMP");
    m->target_input = 0;
    m->target_min = -19.7;
    m->target_max = 41.4;
    m->n_inputs = 3;
    strcpy(m->inputs[0].name, "TEMP");
    strcpy(m->inputs[0].source, "TEMP");
    m->inputs[0].min = -19.7;
    m->inputs[0].max = 41.4;
    strcpy(m->inputs[1].name, "wd_sin");
    strcpy(m->inputs[1].source, "wd");
    m->inputs[1].enc = ELSTM_ENC_COMPASS_SIN;
    m->inputs[1].min = -1;
    m->inputs[1].max = 1;
    strcpy(m->inputs[2].name, "hour_cos");
    m->inputs[2].enc = ELSTM_ENC_TIME_COS;
    m->inputs[2].tf = ELSTM_TF_HOUR;
    m->inputs[2].min = -1;
    m->inputs[2].max = 0.1 + 0.2; /* not representable exactly: must still round-trip */
}

static void fill_training(elstm_meta *m, int n)
{
    elstm_meta_training *t = &m->training;
    t->present = 1;
    t->units = 128;
    t->batch = 32;
    t->epochs = 20;
    t->patience = 5;
    t->threads = 2;
    t->lr = 0.001;
    t->seed = 18446744073709551615ull; /* beyond a JSON integer: written as a string */
    t->epochs_run = n;
    t->best_epoch = n > 1 ? n - 1 : n;
    t->best_loss = 0.00123;
    t->early_stopped = 1;
    strcpy(t->monitor, "val_loss");
    t->n_history = n;
    for (int k = 0; k < n; k++) {
        t->history[k].epoch = k + 1;
        t->history[k].loss = 1.0 / (k + 1.5);
        t->history[k].val_loss = k == 0 ? NAN : 1.1 / (k + 1.5); /* null in the JSON */
        t->history[k].lr = 0.001;
    }
}

/* Serialize m, replace the first `from` by `to` in the text, parse: the status. */
static elstm_status parse_edited(const elstm_meta *m, const char *from, const char *to, elstm_diag *d)
{
    char *json = NULL;
    elstm_meta_to_json(m, &json, d);
    char *p = json ? strstr(json, from) : NULL;
    if (!p) {
        free(json);
        return ELSTM_ERR_ARG;
    }
    size_t lf = strlen(from), lt = strlen(to), len = strlen(json);
    char *out = malloc(len - lf + lt + 1);
    memcpy(out, json, (size_t)(p - json));
    memcpy(out + (p - json), to, lt);
    strcpy(out + (p - json) + lt, p + lf);
    static elstm_meta back;
    elstm_diag_clear(d);
    elstm_status s = elstm_meta_from_json(out, strlen(out), "m.tflite", &back, d);
    free(json);
    free(out);
    return s;
}

/* Each edit of m's JSON must be refused: ELSTM_ERR_FORMAT, the message naming the file. */
typedef struct meta_edit {
    const char *from, *to, *what;
} meta_edit;
static void check_refused(const elstm_meta *m, const meta_edit *e, size_t n)
{
    elstm_diag d;
    for (size_t i = 0; i < n; i++) {
        elstm_status s = parse_edited(m, e[i].from, e[i].to, &d);
        test_report(s == ELSTM_ERR_FORMAT && strstr(d.msg, "m.tflite: ") == d.msg, e[i].what, "status %d: %s", (int)s,
                    d.msg);
    }
}

int main(void)
{
    test_suite("meta");
    elstm_meta a, b;
    elstm_diag d;
    char *json = NULL;
    fill(&a);
    elstm_diag_clear(&d);
    TEST_EQ_INT("serializes", elstm_meta_to_json(&a, &json, &d), ELSTM_OK);
    TEST_EQ_INT("parses back", elstm_meta_from_json(json, strlen(json), "m.tflite", &b, &d), ELSTM_OK);
    TEST_TRUE("round trip is exact (every field, doubles bit-exact)", memcmp(&a, &b, sizeof a) == 0);
    free(json);

    /* the training record: optional, round-trips exactly (NaN val_loss as null) */
    static elstm_meta ta, tb;
    fill(&ta);
    fill_training(&ta, 7);
    elstm_diag_clear(&d);
    TEST_EQ_INT("serializes a training record", elstm_meta_to_json(&ta, &json, &d), ELSTM_OK);
    TEST_TRUE("the record is the JSON field 'training' with the seed as a string",
              strstr(json, "\"training\":{") && strstr(json, "\"seed\":\"18446744073709551615\"") &&
                  strstr(json, "\"val_loss\":[null,"));
    TEST_EQ_INT("parses the record back", elstm_meta_from_json(json, strlen(json), "m.tflite", &tb, &d), ELSTM_OK);
    TEST_TRUE("training record round trip is exact", memcmp(&ta, &tb, sizeof ta) == 0);
    free(json);
    TEST_TRUE("metadata without a training record (older files) loads with present == 0",
              b.training.present == 0 && b.training.n_history == 0);
    struct { const char *from, *to, *what; } edits[] = {
        {"\"epoch\":[1,2,", "\"epoch\":[2,1,", "refuses history epochs out of order"},
        {"\"loss\":[", "\"loss\":[-1,", "refuses a negative or extra loss"},
        {"\"monitor\":\"val_loss\"", "\"monitor\":\"acc\"", "refuses an unknown monitor"},
        {"\"best_epoch\":6", "\"best_epoch\":99", "refuses a best epoch after the last"},
        {"\"seed\":\"18446744073709551615\"", "\"seed\":\"-3\"", "refuses a negative seed"},
        {"\"training\":{", "\"training\":7,\"x\":{", "refuses a training record that is not an object"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        elstm_status s = parse_edited(&ta, edits[i].from, edits[i].to, &d);
        test_report(s == ELSTM_ERR_FORMAT && strstr(d.msg, "m.tflite: ") == d.msg && strstr(d.msg, "training"),
                    edits[i].what, "status %d: %s", (int)s, d.msg);
    }

    /* multi-step, delta, intervals, forecast-time calendar and recipe: round trip, and a
     * one-output level model writes none of these fields (its bytes stay as they were) */
    {
        static elstm_meta ma, mb;
        fill(&ma);
        elstm_meta_to_json(&ma, &json, &d);
        TEST_TRUE("a one-output level model without intervals writes none of the new fields",
                  !strstr(json, "outputs") && !strstr(json, "target_mode") && !strstr(json, "intervals") &&
                      !strstr(json, "lead"));
        free(json);
        fill_training(&ma, 3);
        ma.outputs = 3;
        ma.horizon = 2;
        ma.target_mode = ELSTM_TARGET_DELTA;
        ma.inputs[2].lead = 2;
        ma.n_intervals = 2;
        ma.n_calib = 1234;
        ma.intervals[0].level = 80;
        ma.intervals[1].level = 95.5;
        for (int j = 0; j < 3; j++) {
            ma.intervals[0].halfwidth[j] = 0.1 * (j + 1) + 1e-17;
            ma.intervals[1].halfwidth[j] = 0.3 * (j + 1);
        }
        ma.training.clip_norm = 1.5;
        ma.training.lr_factor = 0.5;
        ma.training.lr_patience = 2;
        ma.training.min_lr = 1e-6;
        elstm_diag_clear(&d);
        TEST_EQ_INT("serializes a multi-step delta model with intervals", elstm_meta_to_json(&ma, &json, &d), ELSTM_OK);
        TEST_TRUE("fields outputs, target_mode, intervals, calibration_windows, lead, clip_norm",
                  strstr(json, "\"outputs\":3") && strstr(json, "\"target_mode\":\"delta\"") &&
                      strstr(json, "\"intervals\":[{\"level\":80") && strstr(json, "\"calibration_windows\":1234") &&
                      strstr(json, "\"lead\":2") && strstr(json, "\"clip_norm\":1.5"));
        TEST_EQ_INT("parses it back", elstm_meta_from_json(json, strlen(json), "m.tflite", &mb, &d), ELSTM_OK);
        TEST_TRUE("multi-step round trip is exact", memcmp(&ma, &mb, sizeof ma) == 0);
        free(json);
        const meta_edit medits[] = {
            {"\"outputs\":3", "\"outputs\":0", "refuses 0 outputs"},
            {"\"target_mode\":\"delta\"", "\"target_mode\":\"ratio\"", "refuses an unknown target mode"},
            {"\"level\":95.5", "\"level\":100", "refuses an interval level of 100"},
            {"\"level\":95.5", "\"level\":70", "refuses levels out of order"},
            {"\"halfwidth\":[0.1", "\"halfwidth\":[-0.1", "refuses a negative half-width"},
            {"\"halfwidth\":[0.1", "\"halfwidth\":[1,0.1", "refuses a half-width list of the wrong length"},
            {"\"target_input\":0", "\"target_input\":-1", "refuses delta mode without the target among the inputs"},
            {"\"lead\":2", "\"lead\":2},{\"name\":\"x\",\"source\":\"x\",\"encoding\":\"numeric\",\"time_feature\":\"none\",\"min\":0,\"max\":1,\"lead\":3",
             "refuses a lead on an input that is not a calendar input"},
        };
        check_refused(&ma, medits, sizeof medits / sizeof medits[0]);
    }

    /* per-series scalers (train --scaler series): round trip, a model without them writes
     * no field, and broken entries are refused */
    {
        static elstm_meta ma, mb;
        fill(&ma);
        ma.n_series = 2;
        strcpy(ma.series_name[0], "a.csv");
        strcpy(ma.series_name[1], "b.csv");
        for (int v = 0; v < 8; v++) { /* 2 series x (3 inputs + target) */
            ma.series_min[v] = -1.0 - v - 1e-17;
            ma.series_max[v] = 2.0 + v * 0.1;
        }
        elstm_diag_clear(&d);
        TEST_EQ_INT("serializes per-series scalers", elstm_meta_to_json(&ma, &json, &d), ELSTM_OK);
        TEST_TRUE("field series_scalers with names, min and max",
                  strstr(json, "\"series_scalers\":[{\"name\":\"a.csv\",\"min\":[-1") != NULL);
        TEST_EQ_INT("parses them back", elstm_meta_from_json(json, strlen(json), "m.tflite", &mb, &d), ELSTM_OK);
        TEST_TRUE("per-series round trip is exact", memcmp(&ma, &mb, sizeof ma) == 0);
        free(json);
        const meta_edit sedits[] = {
            {"\"name\":\"b.csv\"", "\"name\":\"a.csv\"", "refuses a series named twice"},
            {"\"name\":\"b.csv\"", "\"name\":\"d/b.csv\"", "refuses a series name with a folder"},
            {"\"name\":\"b.csv\"", "\"name\":\"\"", "refuses an empty series name"},
            {"\"min\":[-1", "\"min\":[99", "refuses a series scaler whose min is above its max"},
            {"\"min\":[-1", "\"min\":[0,-1", "refuses a series scaler of the wrong length"},
            {"\"series_scalers\":[", "\"series_scalers\":[],\"x\":[", "refuses an empty series_scalers list"},
        };
        check_refused(&ma, sedits, sizeof sedits / sizeof sedits[0]);
        fill(&ma);
        elstm_meta_to_json(&ma, &json, &d);
        TEST_TRUE("a model with one scaler writes no series_scalers", !strstr(json, "series_scalers"));
        free(json);
    }

    /* more epochs than a file keeps: an even selection with the first, best and last */
    {
        enum { N = 2500 };
        static elstm_epoch_record r[N];
        for (int k = 0; k < N; k++) r[k] = (elstm_epoch_record){k + 1, 1.0 / (k + 1), NAN, 0.001};
        elstm_meta_training *t = &ta.training;
        t->best_epoch = 1234;
        elstm_meta_set_history(t, r, N);
        int inc = 1, has_best = 0;
        for (int k = 1; k < t->n_history; k++) inc &= t->history[k].epoch > t->history[k - 1].epoch;
        for (int k = 0; k < t->n_history; k++) has_best |= t->history[k].epoch == 1234;
        TEST_TRUE("a long history is thinned to the limit, in epoch order",
                  t->n_history == ELSTM_META_MAX_EPOCHS && inc);
        TEST_TRUE("the thinned history keeps the first, the best and the last epoch",
                  t->history[0].epoch == 1 && t->history[t->n_history - 1].epoch == N && has_best);
        int gaps_even = 1;
        for (int k = 1; k < t->n_history; k++) {
            int g = t->history[k].epoch - t->history[k - 1].epoch;
            gaps_even &= g >= 1 && g <= 4;
        }
        TEST_TRUE("the picks are evenly spaced", gaps_even);
        elstm_meta_set_history(t, r, 10);
        TEST_TRUE("a short history is kept whole", t->n_history == 10 && t->history[9].epoch == 10);
    }

    /* validation: each broken document is refused with a message naming the source */
    const char *bad[] = {
        "not json",
        "[]",
        "{\"version\":1}",
        "{\"version\":99,\"inputs\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        elstm_diag_clear(&d);
        elstm_status s = elstm_meta_from_json(bad[i], strlen(bad[i]), "bad.tflite", &b, &d);
        char what[64];
        snprintf(what, sizeof what, "refuses malformed metadata #%zu", i);
        TEST_TRUE(what, s != ELSTM_OK && strncmp(d.msg, "bad.tflite: ", 12) == 0);
    }
    /* an input with an unknown encoding */
    fill(&a);
    elstm_diag_clear(&d);
    elstm_meta_to_json(&a, &json, &d);
    char *p = strstr(json, "compass_sin");
    memcpy(p, "compass_tan", 11);
    elstm_diag_clear(&d);
    TEST_TRUE("refuses an unknown encoding",
              elstm_meta_from_json(json, strlen(json), "m", &b, &d) == ELSTM_ERR_FORMAT &&
                  strstr(d.msg, "compass_tan") != NULL);
    free(json);

    TEST_NEAR("normalize", elstm_meta_normalize(5.0, 0.0, 10.0), 0.5, 0);
    TEST_NEAR("denormalize inverts normalize",
              elstm_meta_denormalize(elstm_meta_normalize(-3.25, -19.7, 41.4), -19.7, 41.4), -3.25, 1e-12);
    TEST_NEAR("constant column normalizes to 0", elstm_meta_normalize(7.0, 7.0, 7.0), 0.0, 0);

    /* atomic writes: content lands, no temporary file is left, a failed write leaves nothing */
    char dir[] = "/tmp/elstm-meta-XXXXXX";
    TEST_TRUE("mkdtemp", mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    elstm_diag_clear(&d);
    TEST_EQ_INT("atomic write", elstm_write_file_atomic(path, "hello", 5, &d), ELSTM_OK);
    uint8_t *buf;
    size_t len;
    TEST_EQ_INT("read back", elstm_read_file(path, &buf, &len, 0, &d), ELSTM_OK);
    TEST_TRUE("same bytes", len == 5 && memcmp(buf, "hello", 5) == 0);
    free(buf);
    elstm_atomic_file af;
    elstm_diag_clear(&d);
    TEST_EQ_INT("open streamed", elstm_atomic_open(&af, path, &d), ELSTM_OK);
    fputs("partial", af.f);
    elstm_atomic_abort(&af);
    TEST_EQ_INT("abort keeps the old file", elstm_read_file(path, &buf, &len, 0, &d), ELSTM_OK);
    TEST_TRUE("old content intact", len == 5 && memcmp(buf, "hello", 5) == 0);
    free(buf);
    struct stat st;
    TEST_TRUE("no temporary left", stat(af.tmp, &st) != 0);
    char nodir[300];
    snprintf(nodir, sizeof nodir, "%s/missing/out.txt", dir);
    elstm_diag_clear(&d);
    TEST_TRUE("unwritable path fails with the path in the message",
              elstm_write_file_atomic(nodir, "x", 1, &d) == ELSTM_ERR_IO && strstr(d.msg, nodir));
    remove(path);
    rmdir(dir);
    return test_done();
}
