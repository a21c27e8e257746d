/*
 * emit.c - text for generated files: a growable string, escaping for the places a
 * value lands in (a C literal, a C comment, JSON or YAML), and the template engine (the
 * embedded codegen/templates/ files, whose @KEY@ placeholders take the values of a
 * cg_vars). Allocation failures are sticky (`oom`) and come back as ELSTM_ERR_NOMEM
 * from the functions that return a status; nothing here aborts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- strings ------------------------------------------------------------------------ */

static void cg_reserve(cg_buf *b, size_t extra)
{
    if (b->oom || b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

void cg_putn(cg_buf *b, const char *s, size_t n)
{
    cg_reserve(b, n);
    if (b->oom) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cg_puts(cg_buf *b, const char *s)
{
    cg_putn(b, s, strlen(s));
}

static void cg_vprintf(cg_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    cg_reserve(b, (size_t)n);
    if (b->oom) return;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void cg_printf(cg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_vprintf(b, fmt, ap);
    va_end(ap);
}

void cg_buf_free(cg_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void cg_chop(cg_buf *b)
{
    if (b->len && b->p[b->len - 1] == '\n') b->p[--b->len] = '\0';
}

/* ---- escaping ------------------------------------------------------------------------ */

void cg_put_float(cg_buf *b, float v)
{
    char s[48];
    snprintf(s, sizeof s, "%.9g", (double)v);
    if (!strpbrk(s, ".e")) strcat(s, ".0");
    cg_puts(b, s);
    cg_puts(b, "f");
}

void cg_put_cstring(cg_buf *b, const char *s)
{
    cg_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') cg_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f || *p == '?') cg_printf(b, "\\%03o", *p); /* '?': no trigraphs */
        else cg_putn(b, (const char *)p, 1);
    }
    cg_puts(b, "\"");
}

void cg_put_jsonsafe(cg_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') cg_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f) cg_printf(b, "\\u%04x", *p);
        else cg_putn(b, (const char *)p, 1);
    }
}

void cg_put_commentsafe(cg_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f || c == '|') c = '_';
        if ((c == '*' && p[1] == '/') || (c == '/' && p[1] == '*')) c = '_';
        if (c == '?' && p[1] == '?') c = '_';   /* no trigraph (??/ would continue the line) */
        cg_putn(b, (const char *)&c, 1);
    }
}

/* ---- embedded files ------------------------------------------------------------------- */

const elstm_embedded_file *cg_embedded(const char *path)
{
    for (int i = 0; i < elstm_runtime_file_count; i++)
        if (strcmp(elstm_runtime_files[i].name, path) == 0) return &elstm_runtime_files[i];
    for (int i = 0; i < elstm_deploy_files_count; i++)
        if (strcmp(elstm_deploy_files[i].name, path) == 0) return &elstm_deploy_files[i];
    return NULL;
}

/* ---- template variables ------------------------------------------------------------------ */

/* Set key (a string that outlives v) to a copy of val. */
elstm_status cg_var_set(cg_vars *v, const char *key, const char *val)
{
    char *copy = v->oom ? NULL : strdup(val);
    if (!copy) {
        v->oom = 1;
        return ELSTM_ERR_NOMEM;
    }
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->key[i], key) == 0) {
            free(v->val[i]);
            v->val[i] = copy;
            return ELSTM_OK;
        }
    if (v->n == v->cap) {
        int cap = v->cap ? 2 * v->cap : 64;
        const char **k = realloc(v->key, (size_t)cap * sizeof *k);
        if (k) v->key = k;
        char **s = k ? realloc(v->val, (size_t)cap * sizeof *s) : NULL;
        if (s) v->val = s;
        if (!k || !s) {
            free(copy);
            v->oom = 1;
            return ELSTM_ERR_NOMEM;
        }
        v->cap = cap;
    }
    v->key[v->n] = key;
    v->val[v->n] = copy;
    v->n++;
    return ELSTM_OK;
}

elstm_status cg_var_setf(cg_vars *v, const char *key, const char *fmt, ...)
{
    cg_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    cg_vprintf(&b, fmt, ap);
    va_end(ap);
    return cg_var_take(v, key, &b);
}

elstm_status cg_var_take(cg_vars *v, const char *key, cg_buf *b)
{
    elstm_status st = ELSTM_ERR_NOMEM;
    if (b->oom) v->oom = 1;
    else st = cg_var_set(v, key, b->p ? b->p : "");
    cg_buf_free(b);
    return st;
}

const char *cg_var_get(const cg_vars *v, const char *key)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->key[i], key) == 0) return v->val[i];
    return NULL;
}

void cg_vars_free(cg_vars *v)
{
    for (int i = 0; i < v->n; i++) free(v->val[i]);
    free(v->key);
    free(v->val);
    memset(v, 0, sizeof *v);
}

/* ---- templates ----------------------------------------------------------------------- */

elstm_status cg_expand(const char *what, const char *text, size_t len, const cg_vars *v, cg_buf *out,
                       elstm_diag *diag)
{
    const char *s = text, *end = text + len;
    if (v->oom) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", what);
    while (s < end) {
        const char *at = memchr(s, '@', (size_t)(end - s));
        if (!at) {
            cg_putn(out, s, (size_t)(end - s));
            break;
        }
        cg_putn(out, s, (size_t)(at - s));
        const char *k = at + 1, *e = k;
        while (e < end && (isupper((unsigned char)*e) || *e == '_')) e++;
        if (e < end && *e == '@' && e > k) {
            int found = 0;
            for (int i = 0; i < v->n; i++)
                if (strlen(v->key[i]) == (size_t)(e - k) && strncmp(v->key[i], k, (size_t)(e - k)) == 0) {
                    cg_puts(out, v->val[i]);
                    found = 1;
                    break;
                }
            if (!found)
                return elstm_diag_set(diag, ELSTM_ERR_FORMAT, NULL, 0,
                                      "internal error: %s uses an unknown placeholder @%.*s@", what, (int)(e - k), k);
            s = e + 1;
        } else {
            cg_putn(out, at, 1);
            s = at + 1;
        }
    }
    if (out->oom) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", what);
    return ELSTM_OK;
}

elstm_status cg_expand_template(const char *tmpl, const cg_vars *v, cg_buf *out, elstm_diag *diag)
{
    char path[128];
    snprintf(path, sizeof path, "codegen/templates/%s", tmpl);
    const elstm_embedded_file *f = cg_embedded(path);
    if (!f) return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0, "internal error: template %s is not embedded", path);
    char what[160];
    snprintf(what, sizeof what, "template %s", path);
    return cg_expand(what, (const char *)f->data, f->size, v, out, diag);
}
