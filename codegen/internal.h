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
void cg_chop(cg_buf *b);   /* drop one trailing newline (templates end the line) */

/* Escaped text for where a value lands (emit.c). */
void cg_put_float(cg_buf *b, float v);        /* C literal that reads back as the same float ("%.9g" + f) */
void cg_put_cstring(cg_buf *b, const char *s);  /* C string literal: quotes, backslashes, bytes outside
                                                   printable ASCII and '?' (no trigraphs) escaped */
void cg_put_jsonsafe(cg_buf *b, const char *s); /* inside a JSON or YAML double-quoted string */
void cg_put_commentsafe(cg_buf *b, const char *s); /* inside a C comment, a Markdown table cell, one line */

/* Template variables: @KEY@ -> value. An allocation failure is remembered (`oom`) and
 * reported by cg_expand; the setters return it too. */
typedef struct cg_vars {
    int n, cap;
    const char **key;             /* [n] borrowed (string literals) */
    char **val;                   /* [n] owned */
    int oom;
} cg_vars;

elstm_status cg_var_set(cg_vars *v, const char *key, const char *val);
elstm_status cg_var_setf(cg_vars *v, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
elstm_status cg_var_take(cg_vars *v, const char *key, cg_buf *b); /* the buffer's text; b is emptied */
const char *cg_var_get(const cg_vars *v, const char *key);        /* NULL if unset */
void cg_vars_free(cg_vars *v);

/* Append `text` (`len` bytes, named `what` in messages) with every @KEY@ replaced by its
 * value; an unknown @KEY@ is an error (ELSTM_ERR_FORMAT), as is running out of memory. */
elstm_status cg_expand(const char *what, const char *text, size_t len, const cg_vars *v, cg_buf *out,
                       elstm_diag *diag);
/* The same with the embedded template codegen/templates/TMPL. */
elstm_status cg_expand_template(const char *tmpl, const cg_vars *v, cg_buf *out, elstm_diag *diag);

/* NAME in upper case (the macro prefix NAME_UC), at most ELSTM_CODEGEN_NAME_MAX chars. */
void cg_upper(const char *name, char uc[ELSTM_CODEGEN_NAME_MAX + 1]);

/* Add a file to the library (output.c; takes the buffer's bytes, the buffer is emptied). */
elstm_status cg_add(elstm_genlib *lib, const char *path, cg_buf *b, elstm_diag *diag);
elstm_status cg_add_bytes(elstm_genlib *lib, const char *path, const void *data, size_t len,
                          elstm_diag *diag);

/* elstm_codegen_generate without the name's clash check (names.c generates probe
 * libraries with it). */
elstm_status cg_generate_unchecked(const elstm_codegen_model *m, const elstm_codegen_opts *o, elstm_genlib *lib,
                                   elstm_diag *diag);

/* ELSTM_ERR_ARG if a NAME-derived identifier of the library equals one it holds already
 * (names.c). */
elstm_status cg_name_clash(const char *name, elstm_diag *diag);

#endif /* EDGELSTM_CODEGEN_INTERNAL_H */
