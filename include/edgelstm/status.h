/*
 * edgelstm/status.h - the one status enum shared by every layer.
 *
 * C99, no dependencies: the device runtime includes it too.
 * Every fallible function in edgelstm returns an elstm_status; 0 is success,
 * every error is negative. Host layers add detail (file, line, message) through
 * an elstm_diag (see diag.h); the runtime only returns the code.
 */
#ifndef EDGELSTM_STATUS_H
#define EDGELSTM_STATUS_H

typedef enum elstm_status {
    ELSTM_OK              =  0,
    ELSTM_ERR_ARG         = -1,  /* invalid argument or option value (CLI: usage, exit 2) */
    ELSTM_ERR_NOMEM       = -2,  /* allocation failed, or a caller's arena is too small */
    ELSTM_ERR_IO          = -3,  /* a file could not be opened, read or written */
    ELSTM_ERR_FORMAT      = -4,  /* malformed input: CSV, model file, checkpoint */
    ELSTM_ERR_UNSUPPORTED = -5,  /* well-formed but outside what edgelstm handles */
    ELSTM_ERR_NUMERIC     = -6,  /* NaN/Inf or overflow in a computation */
    ELSTM_ERR_DATA        = -7,  /* the data cannot serve the request (too few rows, ...) */
    ELSTM_ERR_INTERRUPTED = -8   /* stopped on request (signal); partial results were kept */
} elstm_status;

/* A short, static, English description of a status ("invalid argument", ...). */
const char *elstm_status_str(elstm_status s);

#endif /* EDGELSTM_STATUS_H */
