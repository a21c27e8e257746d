/* status.c - names of the status codes (C99, no libc). */
#include "edgelstm/status.h"

const char *elstm_status_str(elstm_status s)
{
    switch (s) {
    case ELSTM_OK:              return "success";
    case ELSTM_ERR_ARG:         return "invalid argument";
    case ELSTM_ERR_NOMEM:       return "out of memory";
    case ELSTM_ERR_IO:          return "input/output error";
    case ELSTM_ERR_FORMAT:      return "malformed input";
    case ELSTM_ERR_UNSUPPORTED: return "unsupported";
    case ELSTM_ERR_NUMERIC:     return "numerical error";
    case ELSTM_ERR_DATA:        return "unusable data";
    case ELSTM_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown status";
}
