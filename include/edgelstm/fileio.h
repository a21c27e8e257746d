/*
 * edgelstm/fileio.h - whole-file reads and atomic writes (host only).
 *
 * Every output file of edgelstm is written atomically: the bytes go to a temporary
 * file in the same directory, which is flushed, synced and renamed over the target
 * only when complete. A failure (or a kill) never leaves a half-written target.
 */
#ifndef EDGELSTM_FILEIO_H
#define EDGELSTM_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "edgelstm/diag.h"

/* Read a whole file into a malloc'd buffer (NUL-terminated for convenience; *len
 * excludes the NUL). Fails with ELSTM_ERR_IO, or ELSTM_ERR_FORMAT if it is larger than
 * max_len bytes (0 = no limit). */
elstm_status elstm_read_file(const char *path, uint8_t **data, size_t *len, size_t max_len,
                             elstm_diag *diag);

/* Write `len` bytes to `path` atomically. */
elstm_status elstm_write_file_atomic(const char *path, const void *data, size_t len,
                                     elstm_diag *diag);

/* Streamed atomic write: open, fprintf/fwrite to af.f, then commit or abort. */
typedef struct elstm_atomic_file {
    FILE *f;
    char path[1024];
    char tmp[1100];
} elstm_atomic_file;

elstm_status elstm_atomic_open(elstm_atomic_file *af, const char *path, elstm_diag *diag);
elstm_status elstm_atomic_commit(elstm_atomic_file *af, elstm_diag *diag);  /* closes; renames */
void elstm_atomic_abort(elstm_atomic_file *af);                              /* closes; removes tmp */

#endif /* EDGELSTM_FILEIO_H */
