/*
 * test_codegen.c - generated device libraries (codegen/): names, layouts, data, output.
 *
 * Compiling and running what is generated (gcc, clang, arm-none-eabi-gcc, QEMU) is done
 * by tests/deploy/test_deploy.sh; here: which files each target has, that every template
 * placeholder is filled, that weights read back bit for bit, that the runtime is copied
 * unchanged, determinism, and the atomic folder / zip writers (read back with libzip).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "../../codegen/internal.h" /* the embedded runtime files */
#include "edgelstm/codegen.h"
#include "elstm_test.h"

enum { N = 10, I = 7, T = 6 };
static float W[4][N * I], U[4][N * N], B[4][N], WD[N], BD[1];
static elstm_lstm_f32 lstm;
static elstm_meta meta;

static void make_model(void)
{
    uint32_t s = 12345;
    float *arrays[] = {&W[0][0], &U[0][0], &B[0][0], WD, BD};
    size_t sizes[] = {sizeof W / 4, sizeof U / 4, sizeof B / 4, N, 1};
    for (int a = 0; a < 5; a++)
        for (size_t k = 0; k < sizes[a]; k++) {
            s = s * 1664525u + 1013904223u;
            /* values whose decimal form needs all 9 digits, and a few special ones */
            arrays[a][k] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.7f;
        }
    W[0][0] = 0.0f;
    W[0][1] = -0.0f;
    W[0][2] = 1e-30f;
    W[0][3] = 3.0f;
    U[1][5] = 1.17549435e-38f;
    U[1][6] = -16777217.0f;
    lstm.n_input = I;
    lstm.n_units = N;
    lstm.n_output = 1;
    for (int g = 0; g < 4; g++) {
        lstm.wx[g] = W[g];
        lstm.wh[g] = U[g];
        lstm.b[g] = B[g];
    }
    lstm.wd = WD;
    lstm.bd = BD;
    static const char *const names[] = {"TEMP", "PRES", "DEWP", "RAIN", "Wind \"Speed\"", "wd_sin", "wd_cos"};
    meta.version = 1;
    meta.steps = T;
    meta.horizon = 1;
    meta.interval_s = 3600;
    snprintf(meta.target, sizeof meta.target, "TEMP");
    meta.target_min = -19.9;
    meta.target_max = 41.6;
    meta.n_inputs = I;
    for (int i = 0; i < I; i++) {
        snprintf(meta.inputs[i].name, sizeof meta.inputs[i].name, "%s", names[i]);
        snprintf(meta.inputs[i].source, sizeof meta.inputs[i].source, "%s", i < 5 ? names[i] : "wd");
        meta.inputs[i].enc = i < 5 ? ELSTM_ENC_NUMERIC : i == 5 ? ELSTM_ENC_COMPASS_SIN : ELSTM_ENC_COMPASS_COS;
        meta.inputs[i].min = -1.0 - i;
        meta.inputs[i].max = 1.0 + i;
    }
}

static const elstm_genfile *find(const elstm_genlib *lib, const char *path)
{
    for (int i = 0; i < lib->n; i++)
        if (strcmp(lib->files[i].path, path) == 0) return &lib->files[i];
    return NULL;
}

static int all_present(const elstm_genlib *lib, const char *const *paths, const char **missing)
{
    for (; *paths; paths++)
        if (!find(lib, *paths)) {
            *missing = *paths;
            return 0;
        }
    return 1;
}

/* "@KEY@" left in a generated file (a placeholder that was not filled). */
static const char *unfilled(const elstm_genlib *lib)
{
    static char where[256];
    for (int i = 0; i < lib->n; i++) {
        const char *s = lib->files[i].data;
        if (strncmp(lib->files[i].path + strlen(lib->files[i].path) - 2, ".c", 2) == 0 &&
            strstr(lib->files[i].path, "edgelstm/"))
            continue; /* the runtime, copied as is */
        for (const char *p = strchr(s, '@'); p; p = strchr(p + 1, '@')) {
            const char *e = p + 1;
            while ((*e >= 'A' && *e <= 'Z') || *e == '_') e++;
            if (*e == '@' && e > p + 1) {
                snprintf(where, sizeof where, "%s: %.*s", lib->files[i].path, (int)(e - p + 1), p);
                return where;
            }
        }
    }
    return NULL;
}

static int libs_equal(const elstm_genlib *a, const elstm_genlib *b)
{
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->files[i].path, b->files[i].path) || a->files[i].len != b->files[i].len ||
            memcmp(a->files[i].data, b->files[i].data, a->files[i].len))
            return 0;
    return 1;
}

/* Every float of `name`[] in the generated model header, parsed back. */
static int parse_array(const char *text, const char *name, float *out, int max)
{
    char key[64];
    snprintf(key, sizeof key, "%s[", name);
    const char *p = strstr(text, key);
    if (!p || !(p = strchr(p, '{'))) return -1;
    int n = 0;
    for (p++; *p && *p != '}' && n < max;) {
        if (p[0] == '/' && p[1] == '*') {
            p = strstr(p, "*/");
            if (!p) return -1;
            p += 2;
            continue;
        }
        if (*p == '-' || *p == '.' || (*p >= '0' && *p <= '9')) {
            char *end;
            out[n++] = strtof(p, &end);
            if (*end != 'f') return -1;
            p = end + 1;
            continue;
        }
        p++;
    }
    return n;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int count_entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1) n = -1;
    if (p) pclose(p);
    return n;
}

int main(void)
{
    test_suite("codegen");
    make_model();
    elstm_diag d;

    /* ---- names and targets ---- */
    static const char *const good[] = {"temp", "Temp_Forecast2", "x", "a23456789012345678901234567890123456789b"};
    static const char *const bad[] = {"", "1temp", "_temp", "temp-forecast", "temp forecast", "int", "class",
                                      "Arduino_temp", "arduinoX", "elstm_x", "ei_model", "t\xc3\xa9mp",
                                      "a234567890123456789012345678901234567890z"};
    int g_ok = 1, b_ok = 1;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) g_ok &= elstm_codegen_check_name(good[i], NULL) == ELSTM_OK;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        elstm_diag_clear(&d);
        int refused = elstm_codegen_check_name(bad[i], &d) == ELSTM_ERR_ARG && d.msg[0];
        if (!refused) printf("# accepted: '%s'\n", bad[i]);
        b_ok &= refused;
    }
    TEST_TRUE("C identifiers up to 40 characters are accepted as names", g_ok);
    TEST_TRUE("non-identifiers, keywords, reserved prefixes, Arduino* and long names are refused with a message", b_ok);
    elstm_diag_clear(&d);
    elstm_codegen_check_name("temp-forecast", &d);
    TEST_TRUE("the message says what is wrong and where", strstr(d.msg, "'-' at position 5") != NULL);
    elstm_target t;
    TEST_TRUE("targets parse", elstm_target_parse("esp-idf", &t) == ELSTM_OK && t == ELSTM_TARGET_ESP_IDF &&
                                   elstm_target_parse("platformio", &t) == ELSTM_OK && t == ELSTM_TARGET_PLATFORMIO &&
                                   elstm_target_parse("C", &t) == ELSTM_ERR_ARG);
    TEST_EQ_INT("CRC-32 check value (\"123456789\")", elstm_crc32("123456789", 9), 0xCBF43926u);

    /* ---- figures ---- */
    elstm_lstm_f32 seed = {7, 128, 1, 0.0f, {0}, {0}, {0}, NULL, NULL, NULL};
    elstm_model_figures fig;
    elstm_model_figures_get(&seed, 168, &fig);
    TEST_EQ_INT("seed model: 11,612,288 MACs per forecast (168 x 4 x 128 x 135 + 128)", fig.macs, 11612288);
    TEST_EQ_INT("seed model: 279,044 bytes of float32 weights (69,761 parameters)", fig.weight_bytes, 279044);

    /* ---- each target's files ---- */
    elstm_codegen_model m = {&lstm, T, &meta, "dir/model.tflite", 0xdeadbeefu, 1, NULL};
    static const char *const c_files[] = {"temp.h", "temp.c", "temp_model.h", "temp_inferencing.h", "Makefile",
                                          "examples/static_buffer.c", "README.md", "edgelstm/lstm.h",
                                          "edgelstm/status.h", "edgelstm/device.h", "edgelstm/device.c",
                                          "edgelstm/act.h", "edgelstm/lstm_f32_ref.c", "edgelstm/lstm_f32_opt.c",
                                          "edgelstm/lstm_f32_cortexm.c", "edgelstm/encoding.h", ".edgelstm", NULL};
    static const char *const ard_files[] = {"temp/library.properties", "temp/src/temp.h", "temp/src/temp.c",
                                            "temp/src/temp_model.h", "temp/src/temp_inferencing.h",
                                            "temp/src/edgelstm/lstm.h", "temp/src/edgelstm/device.c",
                                            "temp/examples/static_buffer/static_buffer.ino", "temp/README.md", NULL};
    static const char *const idf_files[] = {"CMakeLists.txt", "idf_component.yml", "temp.h", "temp.c",
                                            "temp_inferencing.h", "edgelstm/lstm.h", "examples/static_buffer.c", NULL};
    static const char *const pio_files[] = {"library.json", "src/temp.h", "src/temp.c", "src/temp_inferencing.h",
                                            "src/edgelstm/lstm.h", "examples/static_buffer/static_buffer.ino", NULL};
    static const char *const zephyr_files[] = {"zephyr/module.yml", "CMakeLists.txt", "Kconfig", "README.md",
                                               "src/temp.h", "src/temp.c", "src/temp_model.h",
                                               "src/temp_inferencing.h", "src/edgelstm/lstm.h",
                                               "samples/static_buffer/CMakeLists.txt",
                                               "samples/static_buffer/prj.conf", "samples/static_buffer/sample.yaml",
                                               "samples/static_buffer/src/main.c", "samples/static_buffer/src/timer.c",
                                               ".edgelstm", NULL};
    static const char *const *const lists[] = {c_files, ard_files, idf_files, pio_files, zephyr_files};
    enum { N_TARGETS = sizeof lists / sizeof lists[0] };
    TEST_EQ_INT("the table has the five targets", elstm_target_count(), N_TARGETS);
    elstm_genlib libs[N_TARGETS];
    for (int k = 0; k < N_TARGETS; k++) {
        elstm_codegen_opts o = {.target = (elstm_target)k, .name = "temp"};
        char what[128];
        const char *missing = "";
        elstm_diag_clear(&d);
        elstm_status st = elstm_codegen_generate(&m, &o, &libs[k], &d);
        snprintf(what, sizeof what, "%s target: generated", elstm_target_name((elstm_target)k));
        test_report(st == ELSTM_OK, what, "%s", d.msg);
        snprintf(what, sizeof what, "%s target: has its files", elstm_target_name((elstm_target)k));
        test_report(st == ELSTM_OK && all_present(&libs[k], lists[k], &missing), what, "missing %s", missing);
        const char *u = st == ELSTM_OK ? unfilled(&libs[k]) : "not generated";
        snprintf(what, sizeof what, "%s target: every template placeholder is filled", elstm_target_name((elstm_target)k));
        test_report(u == NULL, what, "%s", u ? u : "");
        /* the row itself: its root and source folder, every file it lists, the marker */
        const elstm_target_desc *row = elstm_target_get((elstm_target)k);
        int row_ok = row != NULL && st == ELSTM_OK;
        char path[256];
        for (const elstm_target_file *f = row ? row->files : NULL; row_ok && f && f->tmpl; f++) {
            snprintf(path, sizeof path, "%s%s", strcmp(row->root, "@NAME@/") == 0 ? "temp/" : row->root, f->dest);
            row_ok = find(&libs[k], path) != NULL;
        }
        if (row_ok) {
            snprintf(path, sizeof path, "%s%stemp_model.h", strcmp(row->root, "@NAME@/") == 0 ? "temp/" : row->root, row->src);
            row_ok = find(&libs[k], path) && (find(&libs[k], ".edgelstm") != NULL) == row->marker;
        }
        snprintf(what, sizeof what, "%s target: the files of its table row, where the row says", elstm_target_name((elstm_target)k));
        test_report(row_ok, what, "%s missing", path);
        elstm_genlib again;
        elstm_codegen_generate(&m, &o, &again, NULL);
        snprintf(what, sizeof what, "%s target: generating twice gives the same bytes", elstm_target_name((elstm_target)k));
        TEST_TRUE(what, libs_equal(&libs[k], &again));
        elstm_genlib_free(&again);
    }
    const elstm_genfile *h = find(&libs[0], "temp.h"), *mh = find(&libs[0], "temp_model.h");
    const elstm_genfile *props = find(&libs[1], "temp/library.properties");
    TEST_TRUE("the banner names the tool version and the model's CRC-32",
              h && strstr(h->data, "edgelstm " ELSTM_VERSION " from model.tflite (CRC-32 deadbeef)"));
    TEST_TRUE("the header has the model's constants",
              h && strstr(h->data, "#define TEMP_INPUTS      7 ") && strstr(h->data, "#define TEMP_STEPS       6 ") &&
                  strstr(h->data, "#define TEMP_UNITS       10 ") && strstr(h->data, "#define TEMP_TARGET_NAME \"TEMP\"") &&
                  strstr(h->data, "#define TEMP_INTERVAL_S  3600 ") && strstr(h->data, "#define TEMP_SENSORS     6 "));
    TEST_TRUE("names with quotes are escaped in C strings", h && strstr(h->data, "\"Wind \\\"Speed\\\"\""));
    int props_ok = props != NULL;
    static const char *const fields[] = {"name=temp\n", "version=", "author=", "maintainer=", "sentence=",
                                         "paragraph=", "category=Data Processing\n", "url=", "architectures=*\n",
                                         "dot_a_linkage=true\n"};
    for (size_t i = 0; props_ok && i < sizeof fields / sizeof fields[0]; i++) props_ok = strstr(props->data, fields[i]) != NULL;
    TEST_TRUE("library.properties has every field the Arduino library specification requires", props_ok);
    const elstm_genfile *cm = find(&libs[2], "CMakeLists.txt");
    TEST_TRUE("the ESP-IDF component registers temp.c with idf_component_register",
              cm && strstr(cm->data, "idf_component_register(SRCS \"temp.c\""));

    /* ---- data: weights read back bit for bit ---- */
    {
        float back[N * N];
        int exact = mh != NULL;
        const float *want[] = {W[0], U[1], B[3], WD};
        const char *names[] = {"temp_wx_i", "temp_wh_f", "temp_b_o", "temp_wd"};
        const int count[] = {N * I, N * N, N, N};
        for (int a = 0; exact && a < 4; a++) {
            int n = parse_array(mh->data, names[a], back, N * N);
            exact = n == count[a] && memcmp(back, want[a], (size_t)n * sizeof(float)) == 0;
            if (!exact) printf("# %s: %d values parsed\n", names[a], n);
        }
        TEST_TRUE("weights printed with %.9g read back bit for bit (incl. -0, 1e-30, FLT_MIN, 16777216)", exact);
    }
    {
        int same = 1, copied = 0, host = 0, multi = 0, multi_shipped = 0;
        for (int i = 0; i < elstm_runtime_file_count; i++) {
            const char *n = elstm_runtime_files[i].name, *base = strrchr(n, '/') + 1;
            host += strncmp(n, "runtime/host/", 13) == 0;
            char path[128];
            if (strncmp(n, "runtime/multi/", 14) == 0) {   /* for stacked / multi-output models only */
                multi++;
                snprintf(path, sizeof path, "edgelstm/multi/%s", base);
                multi_shipped += find(&libs[0], path) != NULL;
                continue;
            }
            snprintf(path, sizeof path, "edgelstm/%s", base);
            const elstm_genfile *f = find(&libs[0], path);
            same &= f && f->len == elstm_runtime_files[i].size && memcmp(f->data, elstm_runtime_files[i].data, f->len) == 0;
            copied++;
        }
        TEST_TRUE("every device runtime file is copied unchanged", same && copied >= 8);
        TEST_TRUE("no host-only runtime file (runtime/host/) is embedded for devices", host == 0);
        TEST_TRUE("runtime/multi/ is embedded but not in a one-layer, one-output library", multi >= 4 && multi_shipped == 0);
    }

    /* ---- bad models ---- */
    {
        elstm_genlib lib;
        float keep = U[2][3];
        U[2][3] = NAN;
        elstm_codegen_opts o = {.target = ELSTM_TARGET_C, .name = "temp"};
        elstm_diag_clear(&d);
        TEST_EQ_INT("a NaN weight is refused", elstm_codegen_generate(&m, &o, &lib, &d), ELSTM_ERR_NUMERIC);
        TEST_TRUE("... naming the array and index", strstr(d.msg, "Wh_c[3]") != NULL);
        U[2][3] = keep;
        lstm.n_output = 0;
        TEST_EQ_INT("a model without a dense layer is refused", elstm_codegen_generate(&m, &o, &lib, NULL),
                    ELSTM_ERR_UNSUPPORTED);
        lstm.n_output = 1;
        elstm_codegen_model nometa = {&lstm, T, NULL, "x.tflite", 1, 1, NULL};
        TEST_EQ_INT("a model without edgelstm metadata deploys (identity scaler)",
                    elstm_codegen_generate(&nometa, &o, &lib, NULL), ELSTM_OK);
        const elstm_genfile *nh = find(&lib, "temp.h");
        TEST_TRUE("... with inputs named in0..in6 and target 'value'",
                  nh && strstr(nh->data, "\"in6\"") && strstr(nh->data, "TEMP_TARGET_NAME \"value\""));
        elstm_genlib_free(&lib);
    }

    /* ---- the template engine (emit.c): statuses, never an abort ---- */
    {
        cg_vars v = {0};
        cg_buf out = {0};
        char key[300][8];
        int set_ok = 1;
        for (int i = 0; i < 300; i++) { /* far more keys than any template uses */
            snprintf(key[i], sizeof key[i], "K%c%c", 'A' + i / 26 % 26, 'A' + i % 26);
            set_ok &= cg_var_setf(&v, key[i], "v%d", i) == ELSTM_OK;
        }
        set_ok &= cg_var_set(&v, "KAB", "again") == ELSTM_OK && v.n == 300;
        const char text[] = "a@KLN@b @KAB@ x@y.z @@ @lower@ @KAA";
        elstm_diag_clear(&d);
        TEST_TRUE("300 variables, replacing one keeps their number", set_ok);
        TEST_TRUE("@KEY@ is replaced; other '@' text is kept as it is",
                  cg_expand("a test", text, strlen(text), &v, &out, &d) == ELSTM_OK && out.p &&
                      strcmp(out.p, "av299b again x@y.z @@ @lower@ @KAA") == 0);
        cg_buf_free(&out);
        elstm_diag_clear(&d);
        TEST_TRUE("an unknown placeholder is an error naming it",
                  cg_expand("a test", "x @NOPE@", 8, &v, &out, &d) == ELSTM_ERR_FORMAT && strstr(d.msg, "@NOPE@") &&
                      strstr(d.msg, "a test"));
        cg_buf_free(&out);
        elstm_diag_clear(&d);
        TEST_TRUE("a template that is not embedded is an error",
                  cg_expand_template("nope.in", &v, &out, &d) == ELSTM_ERR_IO && strstr(d.msg, "nope.in"));
        cg_buf_free(&out);
        v.oom = 1; /* as after a failed allocation */
        elstm_diag_clear(&d);
        TEST_TRUE("after a failed allocation the engine says so (ELSTM_ERR_NOMEM) instead of aborting",
                  cg_expand("a test", "x", 1, &v, &out, &d) == ELSTM_ERR_NOMEM && cg_var_set(&v, "KAA", "z") == ELSTM_ERR_NOMEM &&
                      strstr(d.msg, "out of memory"));
        cg_buf_free(&out);
        cg_vars_free(&v);
    }

    /* ---- writing: folders ---- */
    char path[600], stray[700];
    const char *tmpdir = getenv("TMPDIR");
    char rootbuf[512];
    snprintf(rootbuf, sizeof rootbuf, "%s/elstm-codegen-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    char *dir = mkdtemp(rootbuf);
    TEST_TRUE("scratch folder", dir != NULL);
    if (!dir) return test_done();
    snprintf(path, sizeof path, "%s/lib", dir);
    TEST_EQ_INT("a folder library is written", elstm_genlib_write(&libs[0], path, 0, NULL), ELSTM_OK);
    snprintf(stray, sizeof stray, "%s/temp.h", path);
    TEST_TRUE("... with its files", access(stray, F_OK) == 0);
    snprintf(stray, sizeof stray, "%s/stray.txt", path);
    FILE *f = fopen(stray, "w");
    if (f) fclose(f);
    TEST_EQ_INT("an earlier edgelstm library is replaced", elstm_genlib_write(&libs[0], path, 0, NULL), ELSTM_OK);
    TEST_TRUE("... completely (a file of the old one is gone)", access(stray, F_OK) != 0);
    TEST_EQ_INT("... and nothing else is left beside it", count_entries(dir), 1);
    snprintf(path, sizeof path, "%s/mine", dir);
    mkdir(path, 0755);
    snprintf(stray, sizeof stray, "%s/mine/notes.txt", dir);
    f = fopen(stray, "w");
    if (f) fclose(f);
    elstm_diag_clear(&d);
    TEST_EQ_INT("a folder that is not an edgelstm library is not replaced", elstm_genlib_write(&libs[0], path, 0, &d),
                ELSTM_ERR_IO);
    TEST_TRUE("... and stays as it was", access(stray, F_OK) == 0 && count_entries(path) == 1 &&
                                             strstr(d.msg, "not a library edgelstm generated"));
    /* a library that cannot be written completely (a file and a folder of the same name) */
    {
        elstm_genlib broken = {0};
        broken.files = (elstm_genfile[]){{(char *)"a", (char *)"x", 1}, {(char *)"a/b", (char *)"y", 1}};
        broken.n = 2;
        snprintf(path, sizeof path, "%s/broken", dir);
        int before = count_entries(dir);
        TEST_EQ_INT("a write that fails half way reports an error", elstm_genlib_write(&broken, path, 0, NULL), ELSTM_ERR_IO);
        TEST_TRUE("... and leaves nothing behind (no target, no temporary folder)",
                  access(path, F_OK) != 0 && count_entries(dir) == before);
    }
    snprintf(path, sizeof path, "%s/no/such/parent/lib", dir);
    TEST_EQ_INT("a folder whose parent does not exist is an error", elstm_genlib_write(&libs[0], path, 0, NULL), ELSTM_ERR_IO);

    /* ---- writing: zips ---- */
    char zpath[600], zpath2[600];
    snprintf(zpath, sizeof zpath, "%s/temp.zip", dir);
    snprintf(zpath2, sizeof zpath2, "%s/temp2.zip", dir);
    TEST_EQ_INT("an Arduino zip is written", elstm_genlib_write(&libs[1], zpath, 1, NULL), ELSTM_OK);
    elstm_genlib_write(&libs[1], zpath2, 1, NULL);
    {
        char cmd[1400];
        snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", zpath, zpath2);
        TEST_TRUE("writing the zip twice gives the same bytes", system(cmd) == 0);
    }
    int zerr = 0, zip_ok = 1, nfiles = 0;
    zip_t *za = zip_open(zpath, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    TEST_TRUE("libzip opens it (consistency checked)", za != NULL);
    for (int i = 0; za && i < libs[1].n; i++) {
        const elstm_genfile *gf = &libs[1].files[i];
        zip_stat_t zs;
        zip_file_t *zf = zip_fopen(za, gf->path, 0);
        char *buf = malloc(gf->len + 1);
        int same = zf && zip_stat(za, gf->path, 0, &zs) == 0 && zs.size == gf->len &&
                   zip_fread(zf, buf, gf->len) == (zip_int64_t)gf->len && memcmp(buf, gf->data, gf->len) == 0;
        if (!same) printf("# %s differs in the zip\n", gf->path);
        zip_ok &= same;
        nfiles++;
        free(buf);
        if (zf) zip_fclose(zf);
    }
    TEST_TRUE("every file of the library is in the zip, byte for byte", zip_ok && nfiles == libs[1].n);
    TEST_TRUE("the zip holds the library in a folder named after it (as Arduino's Add .ZIP Library wants)",
              za && zip_name_locate(za, "temp/", 0) >= 0 && zip_name_locate(za, "temp/library.properties", 0) >= 0);
    if (za) zip_close(za);
    elstm_diag_clear(&d);
    TEST_EQ_INT("a zip over a folder is refused", elstm_genlib_write(&libs[1], dir, 1, &d), ELSTM_ERR_IO);

    for (int k = 0; k < N_TARGETS; k++) elstm_genlib_free(&libs[k]);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return test_done();
}
