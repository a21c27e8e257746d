/*
 * internal.h - shared by the files of codegen/ (not a public header).
 */
#ifndef EDGELSTM_CODEGEN_INTERNAL_H
#define EDGELSTM_CODEGEN_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "edgelstm/codegen.h"

/* Files embedded in the executable (tools/embed_sources.sh): the device runtime
 * (include/edgelstm/{status,lstm}.h, runtime/ *.c *.h) and deploy's own files
 * (codegen/templates/ *, tools/mcu/ *), by repository-relative path. */
#ifndef ELSTM_EMBEDDED_FILE_DEFINED
#define ELSTM_EMBEDDED_FILE_DEFINED
typedef struct elstm_embedded_file {
    const char *name;
    const unsigned char *data;
    size_t size;
} elstm_embedded_file;
#endif
extern const elstm_embedded_file elstm_runtime_files[];
extern const int elstm_runtime_file_count;
extern const elstm_embedded_file elstm_deploy_files[];
extern const int elstm_deploy_files_count;

/* An embedded file by path, or NULL. */
const elstm_embedded_file *cg_embedded(const char *path);

/* A growable string. On allocation failure `oom` is set and further appends are no-ops. */
typedef struct cg_buf {
    char *p;
    size_t len, cap;
    int oom;
} cg_buf;

void cg_putn(cg_buf *b, const char *s, size_t n);
void cg_puts(cg_buf *b, const char *s);
void cg_printf(cg_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cg_buf_free(cg_buf *b);

/* PATH's folder ("." when none) and base name (trailing slashes dropped). */
void cg_split_path(const char *path, char *dir, size_t dn, char *base, size_t bn);

/* NAME in upper case (the macro prefix NAME_UC), at most ELSTM_CODEGEN_NAME_MAX chars. */
void cg_upper(const char *name, char uc[ELSTM_CODEGEN_NAME_MAX + 1]);

/* Add a file to the library (takes the buffer's bytes; the buffer is emptied). */
elstm_status cg_add(elstm_genlib *lib, const char *path, cg_buf *b, elstm_diag *diag);
elstm_status cg_add_bytes(elstm_genlib *lib, const char *path, const void *data, size_t len,
                          elstm_diag *diag);

#endif /* EDGELSTM_CODEGEN_INTERNAL_H */
