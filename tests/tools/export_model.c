/*
 * export_model.c - test driver: weights from a binary file -> elstm_forecaster_save().
 *
 * Lets the interop tests export models without the trainer. The weights file (written
 * by tests/interop/test_tflite_export.py) is little-endian:
 *   "ELW1", int32 I, N, O, T, float32 cell_clip,
 *   float32 wx[4][N][I], wh[4][N][N], b[4][N], wd[O][N], bd[O]   (gates i, f, c, o)
 * Usage: export_model WEIGHTS.bin OUT.tflite [META.json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/fileio.h"
#include "edgelstm/model.h"

static int fail(const elstm_diag *d, const char *what)
{
    fprintf(stderr, "export_model: %s\n", d->msg[0] ? d->msg : what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: export_model WEIGHTS.bin OUT.tflite [META.json]\n");
        return 2;
    }
    elstm_diag d;
    elstm_diag_clear(&d);
    uint8_t *buf, *meta_buf = NULL;
    size_t len, meta_len = 0;
    if (elstm_read_file(argv[1], &buf, &len, 0, &d) != ELSTM_OK) return fail(&d, "read");
    int32_t hdr[4];
    float clip;
    if (len < 24 || memcmp(buf, "ELW1", 4) != 0) {
        fprintf(stderr, "export_model: %s is not a weights file\n", argv[1]);
        return 1;
    }
    memcpy(hdr, buf + 4, sizeof hdr);
    memcpy(&clip, buf + 20, sizeof clip);
    size_t I = (size_t)hdr[0], N = (size_t)hdr[1], O = (size_t)hdr[2];
    size_t want = 24 + 4 * (4 * (N * I + N * N + N) + O * N + O);
    if (len != want) {
        fprintf(stderr, "export_model: %s has %zu bytes, expected %zu\n", argv[1], len, want);
        return 1;
    }
    float *w = malloc(len - 24);
    memcpy(w, buf + 24, len - 24);
    elstm_lstm_f32 m;
    memset(&m, 0, sizeof m);
    m.n_input = hdr[0];
    m.n_units = hdr[1];
    m.n_output = hdr[2];
    m.cell_clip = clip;
    float *p = w;
    for (int g = 0; g < 4; g++, p += N * I) m.wx[g] = p;
    for (int g = 0; g < 4; g++, p += N * N) m.wh[g] = p;
    for (int g = 0; g < 4; g++, p += N) m.b[g] = p;
    m.wd = p;
    m.bd = p + O * N;
    elstm_meta meta;
    int rc = 0;
    if (argc == 4) {
        if (elstm_read_file(argv[3], &meta_buf, &meta_len, 0, &d) != ELSTM_OK ||
            elstm_meta_from_json((const char *)meta_buf, meta_len, argv[3], &meta, &d) != ELSTM_OK)
            rc = fail(&d, "metadata");
    }
    if (rc == 0 && elstm_forecaster_save(argv[2], &m, hdr[3], argc == 4 ? &meta : NULL, &d) != ELSTM_OK)
        rc = fail(&d, "save");
    free(w);
    free(buf);
    free(meta_buf);
    return rc;
}
