/*
 * scaler.c - elstm_scaler_read(): a min-max scaler given as a small CSV (`adopt --scaler`).
 *
 *   column,min,max
 *   TEMP,-19.5,41.6
 *   wd_sin,-1,1
 *
 * One row per model input (by the name `edgelstm data` gives it) and one for the target
 * when it is not an input; names may be double-quoted; blank lines and lines starting
 * with '#' are skipped. Every input needs a row, and every row must name an input or the
 * target: a scaler that does not describe exactly this model is refused.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edgelstm/data.h"
#include "edgelstm/fileio.h"

#define MAX_SCALER_BYTES (1u << 20)

/* Cut the next comma-separated field of *s (trimmed, quotes removed); NULL at the end. */
static char *next_field(char **s)
{
    char *p = *s;
    if (!p) return NULL;
    while (*p == ' ' || *p == '\t') p++;
    char *start = p, *end;
    if (*p == '"') {
        start = ++p;
        while (*p && *p != '"') p++;
        end = p;
        if (*p == '"') p++;
        while (*p && *p != ',') p++;
    } else {
        while (*p && *p != ',') p++;
        end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
    }
    *s = *p == ',' ? p + 1 : NULL;
    *end = '\0';
    return start;
}

static int parse_number(const char *s, double *v)
{
    char *end;
    if (!*s) return 0;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

/* The names of the model's inputs (and the target), for messages. */
static void names_list(const elstm_meta *m, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < m->n_inputs && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", m->inputs[i].name);
    if (m->target[0] && m->target_input < 0 && k < n) snprintf(buf + k, n - k, ", %s (target)", m->target);
}

elstm_status elstm_scaler_read(const char *path, elstm_meta *m, elstm_diag *diag)
{
    uint8_t *data;
    size_t len;
    elstm_status st = elstm_read_file(path, &data, &len, MAX_SCALER_BYTES, diag);
    if (st != ELSTM_OK) return st;
    char *text = realloc(data, len + 1);
    if (!text) {
        free(data);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, path, 0, "out of memory");
    }
    text[len] = '\0';
    int seen[ELSTM_META_MAX_INPUTS] = {0}, seen_target = 0, header = 0;
    double lo[ELSTM_META_MAX_INPUTS], hi[ELSTM_META_MAX_INPUTS], t_lo = 0, t_hi = 0;
    char names[2048];
    long line = 0;
    st = ELSTM_OK;
    for (char *p = text; p && st == ELSTM_OK;) {
        char *nl = strchr(p, '\n'), *row = p;
        if (nl) *nl = '\0';
        p = nl ? nl + 1 : NULL;
        line++;
        size_t rl = strlen(row);
        if (rl && row[rl - 1] == '\r') row[--rl] = '\0';
        if (line == 1 && (unsigned char)row[0] == 0xEF && (unsigned char)row[1] == 0xBB && (unsigned char)row[2] == 0xBF)
            row += 3;   /* UTF-8 byte order mark */
        char *q = row;
        while (*q == ' ' || *q == '\t') q++;
        if (!*q || *q == '#') continue;
        char *f[4] = {NULL, NULL, NULL, NULL}, *cur = row;
        int nf = 0;
        while (nf < 4 && (f[nf] = next_field(&cur)) != NULL) nf++;
        if (!header) {
            header = 1;
            if (nf != 3 || strcasecmp(f[0], "column") != 0 || strcasecmp(f[1], "min") != 0 || strcasecmp(f[2], "max") != 0)
                st = elstm_diag_set(diag, ELSTM_ERR_DATA, path, line,
                                    "a scaler file starts with the header 'column,min,max', not '%.80s'", q);
            continue;
        }
        double a, b;
        if (nf != 3) {
            st = elstm_diag_set(diag, ELSTM_ERR_DATA, path, line, "expected 3 values (column,min,max), found %d", nf);
            break;
        }
        if (!parse_number(f[1], &a) || !parse_number(f[2], &b)) {
            st = elstm_diag_set(diag, ELSTM_ERR_DATA, path, line,
                                "min '%.40s' and max '%.40s' of '%.64s' must be finite numbers", f[1], f[2], f[0]);
            break;
        }
        if (a > b) {
            st = elstm_diag_set(diag, ELSTM_ERR_DATA, path, line, "'%.64s' has min %g above max %g", f[0], a, b);
            break;
        }
        int hit = 0;
        for (int i = 0; i < m->n_inputs; i++)
            if (strcmp(m->inputs[i].name, f[0]) == 0) {
                if (seen[i]) {
                    st = elstm_diag_set(diag, ELSTM_ERR_DATA, path, line, "'%.64s' is given twice", f[0]);
                    break;
                }
                seen[i] = hit = 1;
                lo[i] = a;
                hi[i] = b;
            }
        if (st != ELSTM_OK) break;
        if (!hit && m->target[0] && strcmp(m->target, f[0]) == 0 && m->target_input < 0) {
            if (seen_target) {
                st = elstm_diag_set(diag, ELSTM_ERR_DATA, path, line, "'%.64s' is given twice", f[0]);
                break;
            }
            seen_target = hit = 1;
            t_lo = a;
            t_hi = b;
        }
        if (!hit) {
            names_list(m, names, sizeof names);
            st = elstm_diag_set(diag, ELSTM_ERR_DATA, path, line,
                                "'%.64s' is not one of the model's inputs or its target (%s)", f[0], names);
        }
    }
    free(text);
    if (st != ELSTM_OK) return st;
    if (!header) return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0, "the scaler file is empty (expected a header 'column,min,max' and one row per input)");
    for (int i = 0; i < m->n_inputs; i++)
        if (!seen[i]) {
            names_list(m, names, sizeof names);
            return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0, "no row for input '%s' (a row is needed for each of: %s)",
                                  m->inputs[i].name, names);
        }
    if (m->target[0] && m->target_input < 0 && !seen_target)
        return elstm_diag_set(diag, ELSTM_ERR_DATA, path, 0, "no row for the target '%s', which is not an input",
                              m->target);
    for (int i = 0; i < m->n_inputs; i++) {
        m->inputs[i].min = lo[i];
        m->inputs[i].max = hi[i];
    }
    if (m->target_input >= 0) {
        m->target_min = lo[m->target_input];
        m->target_max = hi[m->target_input];
    } else if (m->target[0]) {
        m->target_min = t_lo;
        m->target_max = t_hi;
    }
    return ELSTM_OK;
}
