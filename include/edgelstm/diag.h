/*
 * edgelstm/diag.h - error detail for the host layers (io, data, train, codegen).
 *
 * Host functions take an optional `elstm_diag *diag` (may be NULL) and, on
 * failure, fill it with ONE complete sentence that names the file and, where the
 * fault sits on a line, the line:
 *
 *     data.csv:42: column 'TEMP': "abc" is not a number (expected a decimal number, NA or empty)
 *
 * The CLI prints `edgelstm: <msg>` to stderr and maps the status to an exit code.
 * Library code never prints and never exits.
 */
#ifndef EDGELSTM_DIAG_H
#define EDGELSTM_DIAG_H

#include <stddef.h>
#include "edgelstm/status.h"

#define ELSTM_DIAG_MSG_MAX 1024

typedef struct elstm_diag {
    elstm_status status;             /* the status that was returned with this message */
    long line;                       /* 1-based line in `file`, 0 when not line-related */
    char file[512];                  /* file the message is about, "" when none */
    char msg[ELSTM_DIAG_MSG_MAX];    /* full sentence, already prefixed "FILE:LINE: " */
} elstm_diag;

/* Reset to "no error". */
void elstm_diag_clear(elstm_diag *d);

/*
 * Record an error and return `s` (so callers can `return elstm_diag_set(...)`).
 * `file` may be NULL, `line` 0 when unknown. The message is formatted printf-style
 * and prefixed "FILE:LINE: " (or "FILE: ") automatically. If `d` already holds an
 * error, it is kept (the first, deepest error wins) unless `d` is NULL.
 */
elstm_status elstm_diag_set(elstm_diag *d, elstm_status s, const char *file, long line,
                            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#endif /* EDGELSTM_DIAG_H */
