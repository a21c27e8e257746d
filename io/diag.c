/* diag.c - error messages for the host layers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "edgelstm/diag.h"

void elstm_diag_clear(elstm_diag *d)
{
    if (!d) return;
    d->status = ELSTM_OK;
    d->line = 0;
    d->file[0] = '\0';
    d->msg[0] = '\0';
}

elstm_status elstm_diag_set(elstm_diag *d, elstm_status s, const char *file, long line,
                            const char *fmt, ...)
{
    if (!d || d->status != ELSTM_OK) return s;   /* keep the first (deepest) error */
    d->status = s;
    d->line = line;
    snprintf(d->file, sizeof d->file, "%s", file ? file : "");
    size_t n = 0;
    if (file && *file) {
        int k = line > 0 ? snprintf(d->msg, sizeof d->msg, "%s:%ld: ", file, line)
                         : snprintf(d->msg, sizeof d->msg, "%s: ", file);
        n = k > 0 ? (size_t)k : 0;
        if (n >= sizeof d->msg) n = sizeof d->msg - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg + n, sizeof d->msg - n, fmt, ap);
    va_end(ap);
    return s;
}
