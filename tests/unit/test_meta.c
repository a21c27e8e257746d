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
