/*
 * fuzz_meta.c - structure-aware libFuzzer target for a model's edgelstm metadata: the JSON
 * entry that every command reading a model trusts (io/meta.c, docs/format.md).
 *
 * Each input is the metadata's JSON text. It goes through what the commands do with a
 * model file: parsed and checked (elstm_meta_from_json, which calls elstm_meta_check); when
 * accepted, it must round-trip through elstm_meta_to_json, and a forecaster with matching
 * shapes is serialized with it, loaded back as a file (the metadata unchanged), read a CSV
 * with (elstm_data_load_meta_buffer: the loader of predict, eval, deploy --sample and report,
 * whose messages must never blame an option the user did not give), forecast from (the
 * physical values finite) and deployed in memory (elstm_codegen_generate for one target:
 * no "inf"/"nan" may reach the C it writes). A refusal anywhere must carry a message.
 *
 * LLVMFuzzerCustomMutator parses the JSON (falling back to a real model's metadata, below)
 * and changes one field - at the top, in one input or in the training record - to an edge
 * value of another kind or range, removes it, or duplicates, drops or swaps inputs; a tenth
 * of the mutations are libFuzzer's byte mutations. The corpus (tests/fuzz/corpus/fuzz_meta/)
 * starts from the metadata of models trained on the tests' data. `make fuzz` runs it;
 * `make test` replays the corpus.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/tflite_exec.h"
#include "edgelstm/codegen.h"
#include "edgelstm/data.h"
#include "edgelstm/train.h"
#include "edgelstm/meta.h"
#include "edgelstm/model.h"
#include "edgelstm/tflite.h"
#include "../test_rng.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* The metadata of a model trained by the tests (tests/elstm_files.py's CSV, 8 steps). */
static const char REAL_META[] =
    "{\"version\":1,\"tool_version\":\"0.1.0\",\"time_cols\":\"time\",\"time_format\":\"\","
    "\"time_layout\":\"iso\",\"skip_rows\":0,\"interval_s\":3600,\"max_gap\":6,\"steps\":8,\"horizon\":1,"
    "\"split_train\":0.7,\"split_val\":0.2,\"target\":\"TEMP\",\"target_input\":0,\"target_min\":2.0,"
    "\"target_max\":18.6,\"inputs\":[{\"name\":\"TEMP\",\"source\":\"TEMP\",\"encoding\":\"numeric\","
    "\"time_feature\":\"none\",\"min\":2.0,\"max\":18.6},{\"name\":\"PRES\",\"source\":\"PRES\","
    "\"encoding\":\"numeric\",\"time_feature\":\"none\",\"min\":1005.0,\"max\":1015.0},{\"name\":\"wd_sin\","
    "\"source\":\"wd\",\"encoding\":\"compass_sin\",\"time_feature\":\"none\",\"min\":-1.0,\"max\":1.0},"
    "{\"name\":\"wd_cos\",\"source\":\"wd\",\"encoding\":\"compass_cos\",\"time_feature\":\"none\","
    "\"min\":-1.0,\"max\":1.0},{\"name\":\"hour_sin\",\"source\":\"\",\"encoding\":\"time_sin\","
    "\"time_feature\":\"hour\",\"min\":-1.0,\"max\":1.0}]}";

static void require(int cond, const char *what, const char *detail)
{
    if (!cond) {
        fprintf(stderr, "fuzz_meta: invariant violated: %s (%s)\n", what, detail ? detail : "");
        abort();
    }
}

/* Two small hourly files: one with a datetime column "time", one Beijing-style
 * (year, month, day, hour); columns TEMP, PRES, DEWP, wd (compass), WSPM. */
static char *g_csv[2];
static size_t g_csv_len[2];

static void setup(void)
{
    static const char *const compass[] = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"};
    if (g_csv[0]) return;
    for (int k = 0; k < 2; k++) {
        size_t cap = 64 * 1024, n = 0;
        char *b = malloc(cap);
        n += (size_t)snprintf(b + n, cap - n, k ? "year,month,day,hour,TEMP,PRES,DEWP,wd,WSPM\n"
                                                : "time,TEMP,PRES,DEWP,wd,WSPM\n");
        for (int r = 0; r < 120; r++) {
            int day = 1 + r / 24, hour = r % 24;
            double t = 10 + 8 * sin(6.2831853 * r / 24), p = 1010 + 5 * cos(r / 15.0), dp = t - 5;
            if (k) n += (size_t)snprintf(b + n, cap - n, "2017,1,%d,%d,", day, hour);
            else n += (size_t)snprintf(b + n, cap - n, "2017-01-%02d %02d:00:00,", day, hour);
            n += (size_t)snprintf(b + n, cap - n, "%.2f,%.1f,%.2f,%s,%.1f\n", t, p, dp, compass[r % 8], 1.0 + r % 5);
        }
        g_csv[k] = b;
        g_csv_len[k] = n;
    }
}

/* No option name may be blamed for what a model's metadata says. */
static void check_message(const elstm_diag *d)
{
    static const char *const options[] = {"--split", "--steps", "--horizon", "--skip-rows", "--time-format",
                                          "--time names", "--max-gap", "--target names", "--features"};
    require(d->msg[0] != '\0', "a refusal carries a message", NULL);
    /* names and values are quoted ('...' or "..."): only the words around them count */
    char words[ELSTM_DIAG_MSG_MAX];
    size_t n = 0;
    char quote = 0;
    for (const char *p = d->msg; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
        } else if ((*p == '\'' || *p == '"') && (p == d->msg || p[-1] == ' ' || p[-1] == '(')) {
            quote = *p;
        } else {
            words[n++] = *p;
        }
    }
    words[n] = '\0';
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        require(!strstr(words, options[i]), "a metadata problem is not blamed on an option", d->msg);
}

/* Does C source hold a token "inf" or "nan" outside comments and literals (a float32
 * constant printed from an infinite or NaN value, which would not compile)? */
static int bad_constant(const char *path, const char *s, size_t n)
{
    const char *dot = strrchr(path, '.');
    if (!dot || (strcmp(dot, ".c") && strcmp(dot, ".h") && strcmp(dot, ".ino"))) return 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n') i++;
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++) {}
            i += 2;
        } else if (s[i] == '"' || s[i] == '\'') {
            char q = s[i];
            for (i++; i < n && s[i] != q && s[i] != '\n'; i++)
                if (s[i] == '\\') i++;
            i++;
        } else if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_') {
            size_t a = i;
            while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
                             (s[i] >= '0' && s[i] <= '9')))
                i++;
            if ((i - a == 3 && (!strncmp(s + a, "inf", 3) || !strncmp(s + a, "nan", 3))) ||
                (i - a == 4 && (!strncmp(s + a, "inff", 4) || !strncmp(s + a, "nanf", 4))))
                return 1;
        } else {
            i++;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    elstm_meta *m = malloc(sizeof *m), *back = malloc(sizeof *back);
    elstm_diag d;
    elstm_diag_clear(&d);
    if (elstm_meta_from_json((const char *)data, size, "fuzz.tflite", m, &d) != ELSTM_OK) {
        require(d.msg[0] != '\0' && strncmp(d.msg, "fuzz.tflite: ", 13) == 0, "a refusal names the model", d.msg);
        free(m);
        free(back);
        return 0;
    }
    /* accepted: the round trip is exact */
    char *json = NULL;
    require(elstm_meta_to_json(m, &json, &d) == ELSTM_OK, "an accepted metadata serializes", d.msg);
    elstm_diag_clear(&d);
    require(elstm_meta_from_json(json, strlen(json), "again", back, &d) == ELSTM_OK &&
                memcmp(m, back, sizeof *m) == 0,
            "an accepted metadata round-trips", d.msg);
    free(json);

    /* a forecaster of its shape (small sizes only: the rest is the parser's) */
    const int32_t I = m->n_inputs, N = 2, T = m->steps;
    if (I > 24 || T > 48) goto out;
    float *w = malloc(((size_t)4 * N * (I + N + 1) + N + 1) * sizeof *w);
    for (size_t k = 0; k < (size_t)4 * N * (I + N + 1) + N + 1; k++) w[k] = 0.01f * (float)(k % 7) - 0.02f;
    elstm_lstm_f32 l;
    memset(&l, 0, sizeof l);
    l.n_input = I, l.n_units = N, l.n_output = 1;
    float *p = w;
    for (int g = 0; g < ELSTM_GATES; g++) {
        l.wx[g] = p, p += (size_t)N * I;
        l.wh[g] = p, p += (size_t)N * N;
        l.b[g] = p, p += N;
    }
    l.wd = p, p += N;
    l.bd = p;
    uint8_t *file = NULL;
    size_t flen = 0;
    elstm_diag_clear(&d);
    require(elstm_forecaster_serialize(&l, T, m, &file, &flen, &d) == ELSTM_OK, "the forecaster serializes", d.msg);
    elstm_tflite_model *tm = NULL;
    elstm_forecaster f;
    memset(&f, 0, sizeof f);
    elstm_diag_clear(&d);
    require(elstm_tflite_parse(file, flen, "fuzz.tflite", &tm, &d) == ELSTM_OK &&
                tfl_forecaster_from_model(tm, &f, &d) == ELSTM_OK && f.has_meta &&
                memcmp(&f.meta, m, sizeof *m) == 0,
            "the model file loads back with its metadata", d.msg);
    elstm_tflite_free(tm);
    free(file);

    /* read a CSV the way the model says, and forecast */
    int k = strchr(m->time_cols, ',') ? 1 : 0;
    elstm_dataset ds;
    elstm_diag_clear(&d);
    if (elstm_data_load_meta_buffer("fuzz.csv", g_csv[k], g_csv_len[k], m, &ds, &d) == ELSTM_OK) {
        size_t starts[2], n = 0;
        for (size_t s = 0; n < 2 && s + (size_t)T <= ds.rows; s += (size_t)T) starts[n++] = s;
        float y[2];
        elstm_diag_clear(&d);
        if (n && elstm_forecast_windows(&f.lstm, T, ds.x, starts, n, 1, y, &d) == ELSTM_OK)
            for (size_t i = 0; i < n; i++)
                require(isfinite(elstm_meta_denormalize(y[i], m->target_min, m->target_max)),
                        "a forecast in the target's units is finite", NULL);
        elstm_data_free(&ds);
    } else {
        check_message(&d);
    }

    /* deploy in memory: one target per input */
    elstm_codegen_model cm;
    memset(&cm, 0, sizeof cm);
    cm.lstm = &f.lstm;
    cm.steps = T;
    cm.meta = &f.meta;
    cm.source = "fuzz.tflite";
    cm.n_layers = 1;
    elstm_codegen_opts o;
    memset(&o, 0, sizeof o);
    o.target = (elstm_target)(size % (size_t)elstm_target_count());
    o.name = "fz";
    elstm_genlib lib;
    elstm_diag_clear(&d);
    if (elstm_codegen_generate(&cm, &o, &lib, &d) == ELSTM_OK) {
        for (int i = 0; i < lib.n; i++)
            require(!bad_constant(lib.files[i].path, lib.files[i].data, lib.files[i].len),
                    "the generated C holds no infinite or NaN constant", lib.files[i].path);
        elstm_genlib_free(&lib);
    } else {
        require(d.msg[0] != '\0', "a refused deploy carries a message", NULL);
    }
    elstm_forecaster_free(&f);
    free(w);
out:
    free(m);
    free(back);
    return 0;
}

/* ---- the structure-aware mutator ------------------------------------------------------------ */

static uint64_t g_rand;
static uint64_t next(void) { return test_lcg64(&g_rand) >> 11; }

/* An edge value of some kind. */
static json_t *edge_value(void)
{
    static const char *const strings[] = {"", "TEMP", "temp", "PRES", "wd", "time", "year,month,day,hour",
                                          "time,time", "%Q", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y", "numeric",
                                          "compass_sin", "time_cos", "hour", "doy", "none", "month",
                                          "TE\x1b[2JMP", "a\nb", "\xff\xfe", "val_loss", "12345678901234567890"};
    static const double reals[] = {0.0, -0.0, 0.5, 1.0, 1.5, -1.0, 1e-300, 1e300, 3.5e38, -3.5e38, 1e-41, 0.7, 0.2};
    static const json_int_t ints[] = {0, 1, -1, 2, 7, 8, 24, 3600, 100000, 100001, 1000000, 2147483647,
                                      -2147483647 - 1, 4611686018427387904LL};
    switch (next() % 7) {
    case 0: return json_string(strings[next() % (sizeof strings / sizeof strings[0])]);
    case 1: return json_real(reals[next() % (sizeof reals / sizeof reals[0])]);
    case 2: return json_integer(ints[next() % (sizeof ints / sizeof ints[0])]);
    case 3: return json_null();
    case 4: return json_boolean(next() % 2);
    case 5: return json_array();
    default: return json_integer((json_int_t)(next() % 200) - 20);
    }
}

/* Change, add or remove one member of object o. */
static void mutate_object(json_t *o)
{
    size_t n = json_object_size(o), pick = n ? next() % n : 0, i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (i++ != pick) continue;
        unsigned op = (unsigned)(next() % 10);
        if (op == 0) json_object_del(o, key);
        else if (op <= 2 && json_is_number(v))   /* nudge a number */
            json_object_set_new(o, key, json_real(json_number_value(v) * (next() % 2 ? -1.0 : 1e10)));
        else json_object_set_new(o, key, edge_value());
        return;
    }
    json_object_set_new(o, "extra", edge_value());
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    g_rand ^= seed;
    if (next() % 10 == 0) return LLVMFuzzerMutate(data, size, max_size);
    json_t *o = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_loads(REAL_META, 0, NULL);
    }
    json_t *inputs = json_object_get(o, "inputs"), *training = json_object_get(o, "training");
    unsigned where = (unsigned)(next() % 8);
    if (where < 4 || !json_is_array(inputs) || json_array_size(inputs) == 0) {
        mutate_object(o);
    } else if (where < 6) {
        json_t *e = json_array_get(inputs, next() % json_array_size(inputs));
        if (json_is_object(e)) mutate_object(e);
    } else if (where == 6) {
        size_t n = json_array_size(inputs), a = next() % n, b = next() % n;
        switch (next() % 3) {
        case 0: json_array_append_new(inputs, json_deep_copy(json_array_get(inputs, a))); break;
        case 1: json_array_remove(inputs, a); break;
        default: {
            json_t *x = json_incref(json_array_get(inputs, a));
            json_array_set(inputs, a, json_array_get(inputs, b));
            json_array_set_new(inputs, b, x);
        }
        }
    } else if (json_is_object(training)) {
        mutate_object(training);
    } else {
        mutate_object(o);
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    size_t len = s ? strlen(s) : 0;
    if (s && len <= max_size) {
        memcpy(data, s, len);
        size = len;
    }
    free(s);
    return size;
}
