/*
 * set_meta.c - test driver: a copy of an edgelstm model whose metadata entry holds the given
 * JSON text as it is (not checked), to make models with damaged metadata.
 * Usage: set_meta MODEL.tflite META.json OUT.tflite   (META "-": no metadata entry)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/tflite_export.h"
#include "edgelstm/fileio.h"
#include "edgelstm/model.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: set_meta MODEL.tflite META.json OUT.tflite\n");
        return 2;
    }
    elstm_diag d;
    elstm_diag_clear(&d);
    elstm_forecaster f;
    uint8_t *json = NULL, *out = NULL;
    size_t jlen = 0, olen = 0;
    /* the weights of a sound model, any metadata text */
    elstm_status st = elstm_forecaster_load(argv[1], &f, &d);
    if (st == ELSTM_OK && strcmp(argv[2], "-") != 0) st = elstm_read_file(argv[2], &json, &jlen, 0, &d);
    if (st == ELSTM_OK) st = tfl_serialize_forecaster(&f.lstm, f.steps, (const char *)json, &out, &olen, &d);
    if (st == ELSTM_OK) st = elstm_write_file_atomic(argv[3], out, olen, &d);
    if (st != ELSTM_OK) fprintf(stderr, "set_meta: %s\n", d.msg);
    free(json);
    free(out);
    if (f.storage) elstm_forecaster_free(&f);
    return st == ELSTM_OK ? 0 : 1;
}
