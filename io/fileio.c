/* fileio.c - whole-file reads and atomic writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edgelstm/fileio.h"

elstm_status elstm_read_file(const char *path, uint8_t **data, size_t *len, size_t max_len,
                             elstm_diag *diag)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "not a regular file");
    }
    size_t size = (size_t)st.st_size;
    if (max_len && size > max_len) {
        fclose(f);
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, path, 0,
                              "file is %zu bytes, larger than the %zu-byte limit", size, max_len);
    }
    uint8_t *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory reading %zu bytes", size);
    }
    size_t got = fread(buf, 1, size, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != size) {
        free(buf);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "read error");
    }
    buf[size] = 0;
    *data = buf;
    *len = size;
    return ELSTM_OK;
}

elstm_status elstm_atomic_open(elstm_atomic_file *af, const char *path, elstm_diag *diag)
{
    af->f = NULL;
    if (strlen(path) >= sizeof af->path)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, path, 0, "output path is too long");
    snprintf(af->path, sizeof af->path, "%s", path);
    /* Temporary name in the same directory: DIR/.BASE.tmp.PID */
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    snprintf(af->tmp, sizeof af->tmp, "%.*s.%s.tmp.%ld", dirlen, path, slash ? slash + 1 : path,
             (long)getpid());
    af->f = fopen(af->tmp, "wb");
    if (!af->f)
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "cannot create output file: %s",
                              strerror(errno));
    return ELSTM_OK;
}

elstm_status elstm_atomic_commit(elstm_atomic_file *af, elstm_diag *diag)
{
    if (!af->f) return elstm_diag_set(diag, ELSTM_ERR_IO, af->path, 0, "output file is not open");
    int bad = ferror(af->f);
    bad |= fflush(af->f) != 0;
    bad |= fsync(fileno(af->f)) != 0 && errno != EINVAL;
    int e = errno;
    bad |= fclose(af->f) != 0;
    af->f = NULL;
    if (bad) {
        remove(af->tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, af->path, 0, "write failed: %s", strerror(e));
    }
    if (rename(af->tmp, af->path) != 0) {
        e = errno;
        remove(af->tmp);
        return elstm_diag_set(diag, ELSTM_ERR_IO, af->path, 0, "cannot replace file: %s",
                              strerror(e));
    }
    return ELSTM_OK;
}

void elstm_atomic_abort(elstm_atomic_file *af)
{
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
    }
    remove(af->tmp);
}

elstm_status elstm_write_file_atomic(const char *path, const void *data, size_t len,
                                     elstm_diag *diag)
{
    elstm_atomic_file af;
    elstm_status s = elstm_atomic_open(&af, path, diag);
    if (s) return s;
    if (len && fwrite(data, 1, len, af.f) != len) {
        elstm_atomic_abort(&af);
        return elstm_diag_set(diag, ELSTM_ERR_IO, path, 0, "write failed: %s", strerror(errno));
    }
    return elstm_atomic_commit(&af, diag);
}
