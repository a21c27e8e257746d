/*
 * csv.c - bytes -> csv_table, through libcsv (Debian's libcsv-dev).
 *
 * libcsv does the RFC 4180 work (quoting, doubled quotes, CR/LF/CRLF, quoted line
 * breaks); this file adds what libcsv leaves to its user:
 *   - physical line numbers: the input is fed to csv_parse() one physical line at a
 *     time, so the callbacks know the line they are on;
 *   - a UTF-8 byte order mark, --skip-rows, the delimiter (',', ';' or tab, whichever
 *     the header line holds most of, outside quotes);
 *   - limits: a physical line or a record of more than CSV_MAX_LINE bytes, a NUL byte
 *     (binary or UTF-16 input), more than CSV_MAX_COLS columns, rows whose field
 *     count differs from the header's, all with FILE:LINE in the message;
 *   - typed cells: each field becomes a number, a missing value or text as it is read
 *     (no per-cell allocation: numbers go to the column's cell array, texts to the
 *     column's text pool).
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/fileio.h"
#include "internal.h"

#define CHUNK (64u * 1024u)

typedef struct reader {
    csv_table *t;
    struct csv_parser p;
    int parser_ready;
    elstm_diag *diag;
    elstm_status st;
    const char *text_cols;
    int skip_rows;
    int model;                  /* reading as a model's metadata says: no option to suggest */

    long line;              /* physical line of the bytes being fed (1-based) */
    size_t line_bytes;      /* bytes of that line fed so far */
    int skip;               /* physical lines still to skip */
    int started;            /* the first byte (a possible BOM) has been seen */
    int cr_pending;         /* the last piece ended with a CR, which ended its line: an LF
                               right after it belongs to that line end (CRLF) */
    int have_header;        /* the header record has been read */
    char *hdr;              /* the header's physical line, collected to find the delimiter */
    size_t hdr_len, hdr_cap;
    int parsing;            /* the header line was collected; bytes go to libcsv */

    int nfields;            /* fields of the current record so far */
    long rec_line;          /* line where the current record starts */
    long last_end_line;     /* line where the previous record ended */
    char **names;           /* header fields while the header record is read */
    int nnames;
} reader;

/* ---- numbers and missing values ----------------------------------------------------- */

int csv_is_missing(const char *s, size_t n)
{
    static const struct { const char *s; size_t n; } tokens[] = {
        {"NA", 2}, {"N/A", 3}, {"#N/A", 4}, {"<NA>", 4}, {"NaN", 3}, {"-NaN", 4}, {"NULL", 4}, {"None", 4}};
    if (n == 0) return 1;
    if (n > 4 || (s[0] >= '0' && s[0] <= '9')) return 0;          /* numbers: the common case */
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
        if (tokens[i].n == n && text_ieqn(s, tokens[i].s, n)) return 1;
    return 0;
}

/* Decimal numbers only: [+-] digits [. digits] [e [+-] digits]. No hex, inf or nan
 * (strtod would take them). `s` must be NUL-terminated at s[n] for the slow path. */
int csv_parse_number(const char *s, size_t n, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    int neg = 0, digits = 0, sig = 0, slow = 0;
    long exp10 = 0;
    uint64_t mant = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    for (int frac = 0;; i++) {
        if (i < n && s[i] >= '0' && s[i] <= '9') {
            digits++;
            if (mant || s[i] != '0') sig++;
            if (sig > 19) slow = 1;
            else mant = mant * 10 + (uint64_t)(s[i] - '0');
            if (frac) exp10--;
        } else if (i < n && s[i] == '.' && !frac) {
            frac = 1;
        } else {
            break;
        }
    }
    if (digits == 0) return 1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        long e = 0;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        if (i >= n || s[i] < '0' || s[i] > '9') return 1;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000) e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != n) return 1;
    double v;
    if (!slow && mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        /* exact operands, one rounding: the correctly rounded result (Clinger's fast path) */
        v = exp10 >= 0 ? (double)mant * p10[exp10] : (double)mant / p10[-exp10];
        if (neg) v = -v;
    } else {
        errno = 0;
        v = strtod(s, NULL);
        if (errno == ERANGE && (v > 1.0 || v < -1.0)) return 2;
    }
    *out = v == 0.0 ? 0.0 : v;   /* no negative zero */
    return 0;
}

/* ---- table ---------------------------------------------------------------------------- */

void csv_free_table(csv_table *t)
{
    for (int c = 0; c < t->ncols; c++) {
        free(t->col[c].name);
        free(t->col[c].state);
        free(t->col[c].cell);
        free(t->col[c].pool);
    }
    free(t->col);
    free(t->line);
    memset(t, 0, sizeof *t);
}

int csv_find(const csv_table *t, const char *name, size_t len)
{
    int hit = -1, n = 0;
    for (int c = 0; c < t->ncols; c++)
        if (strlen(t->col[c].name) == len && memcmp(t->col[c].name, name, len) == 0) return c;
    for (int c = 0; c < t->ncols; c++)
        if (strlen(t->col[c].name) == len && text_ieqn(t->col[c].name, name, len)) hit = c, n++;
    return n == 1 ? hit : n > 1 ? -2 : -1;
}

elstm_status csv_unknown_column(const csv_table *t, int c, const char *who, const char *name, size_t len,
                                elstm_diag *diag)
{
    char cols[600];
    if (c == -2) {
        size_t o = 0;
        cols[0] = '\0';
        for (int k = 0; k < t->ncols && o < sizeof cols; k++)
            if (strlen(t->col[k].name) == len && text_ieqn(t->col[k].name, name, len)) {
                int w = snprintf(cols + o, sizeof cols - o, "%s'%s'", o ? " and " : "", t->col[k].name);
                o = w < 0 ? o : o + (size_t)w;
            }
        return elstm_diag_set(diag, ELSTM_ERR_DATA, t->path, t->header_line,
                              "%s names column '%.*s', which is ambiguous: the header has %s, which differ "
                              "only in case; give the exact name", who, (int)len, name, cols);
    }
    csv_list_columns(t, cols, sizeof cols);
    return elstm_diag_set(diag, ELSTM_ERR_DATA, t->path, t->header_line,
                          "%s names column '%.*s', which the header does not have (columns: %s)", who,
                          (int)len, name, cols);
}

void csv_list_columns(const csv_table *t, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int c = 0; c < t->ncols; c++) {
        int w = snprintf(buf + o, n - o, "%s%s", c ? ", " : "", t->col[c].name);
        if (w < 0 || (size_t)w >= n - o) {
            snprintf(buf + (o + 5 < n ? o : n - 5), 5, " ...");
            return;
        }
        o += (size_t)w;
    }
}

/* Record the first error of the read (later ones are consequences). */
#define FAIL(r, s, line, ...)                                                               \
    do {                                                                                    \
        if ((r)->st == ELSTM_OK)                                                            \
            (r)->st = elstm_diag_set((r)->diag, (s), (r)->t->path, (line), __VA_ARGS__);    \
    } while (0)

static int grow_rows(reader *r)
{
    csv_table *t = r->t;
    if (t->nrows < t->cap) return 0;
    size_t cap = t->cap ? t->cap * 2 : 1024;
    long *line = realloc(t->line, cap * sizeof *line);
    if (!line) return -1;
    t->line = line;
    for (int c = 0; c < t->ncols; c++) {
        uint8_t *st = realloc(t->col[c].state, cap);
        if (!st) return -1;
        t->col[c].state = st;
        csv_cell *cell = realloc(t->col[c].cell, cap * sizeof *cell);
        if (!cell) return -1;
        t->col[c].cell = cell;
    }
    t->cap = cap;
    return 0;
}

static int pool_add(csv_column *c, const char *s, size_t n, size_t *off)
{
    if (c->pool_len + n + 1 > c->pool_cap) {
        size_t cap = c->pool_cap ? c->pool_cap : 4096;
        while (cap < c->pool_len + n + 1) cap *= 2;
        char *p = realloc(c->pool, cap);
        if (!p) return -1;
        c->pool = p;
        c->pool_cap = cap;
    }
    *off = c->pool_len;
    memcpy(c->pool + c->pool_len, s, n);
    c->pool[c->pool_len + n] = '\0';
    c->pool_len += n + 1;
    return 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void store_cell(reader *r, int ci, char *s, size_t n)
{
    csv_column *c = &r->t->col[ci];
    size_t row = r->t->nrows;
    while (n && is_space(s[n - 1])) n--;       /* quoted fields keep their spaces in libcsv */
    while (n && is_space(*s)) s++, n--;
    s[n] = '\0';
    double v;
    int k = 1;
    if (csv_is_missing(s, n)) {
        c->state[row] = CELL_MISSING;
        c->n_missing++;
        return;
    }
    if (!c->keep_text) k = csv_parse_number(s, n, &v);
    if (k == 0) {
        c->state[row] = CELL_NUM;
        c->cell[row].num = v;
        c->n_num++;
        return;
    }
    if (pool_add(c, s, n, &c->cell[row].off)) {
        FAIL(r, ELSTM_ERR_NOMEM, 0, "out of memory while reading the file");
        return;
    }
    c->state[row] = k == 2 ? CELL_OVERFLOW : CELL_TEXT;
    if (k == 2) c->n_overflow++;
    else c->n_text++;
}

static void on_field(void *data, size_t len, void *arg)
{
    reader *r = arg;
    char empty[1] = "";
    char *s = data ? data : empty;
    if (r->st != ELSTM_OK) return;
    if (r->nfields == 0) {
        /* a quoted first field may span lines: the record starts where it started */
        long nl = 0;
        for (size_t i = 0; i < len; i++) nl += s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'));
        r->rec_line = r->line - nl;
    }
    if (!r->have_header) {
        if (r->nfields >= CSV_MAX_COLS) {
            FAIL(r, ELSTM_ERR_FORMAT, r->rec_line,
                 "the header has more than %d columns; edgelstm reads at most that many",
                 CSV_MAX_COLS);
            return;
        }
        char *name = malloc(4 * len + 32);     /* Latin-1 bytes may double; room for "Unnamed" */
        if (!name) {
            FAIL(r, ELSTM_ERR_NOMEM, 0, "out of memory");
            return;
        }
        size_t n = text_clean_utf8(s, len, name, 4 * len + 32);
        size_t a = 0;
        while (a < n && name[a] == ' ') a++;
        while (n > a && name[n - 1] == ' ') n--;
        memmove(name, name + a, n - a);
        name[n - a] = '\0';
        r->names[r->nnames++] = name;
    } else if (r->nfields < r->t->ncols) {
        if (r->nfields == 0 && grow_rows(r)) {
            FAIL(r, ELSTM_ERR_NOMEM, 0, "out of memory while reading the file");
            return;
        }
        store_cell(r, r->nfields, s, len);
    }
    r->nfields++;
}

static void finish_header(reader *r)
{
    csv_table *t = r->t;
    int n = r->nnames;
    if (n == 1 && r->names[0][0] == '\0') {      /* a line of spaces before the header */
        free(r->names[0]);
        r->nnames = 0;
        return;
    }
    t->col = calloc((size_t)n, sizeof *t->col);
    if (!t->col) {
        FAIL(r, ELSTM_ERR_NOMEM, 0, "out of memory");
        return;
    }
    t->ncols = n;
    t->header_line = r->rec_line;
    for (int c = 0; c < n; c++) {
        t->col[c].name = r->names[c];
        r->names[c] = NULL;
        if (t->col[c].name[0] == '\0') {
            t->col[c].unnamed = 1;
            snprintf(t->col[c].name, 32, "Unnamed: %d", c);   /* pandas' spelling */
        }
    }
    r->nnames = 0;
    r->have_header = 1;
    for (int c = 0; c < n; c++)
        for (int k = 0; k < c; k++)
            if (strcmp(t->col[c].name, t->col[k].name) == 0) {
                FAIL(r, ELSTM_ERR_FORMAT, t->header_line,
                     "the header names column '%s' twice (columns %ld and %ld); column names must "
                     "be unique", t->col[c].name, k + 1L, c + 1L);
                return;
            }
    /* time columns named by --time keep their text (e.g. "20130301" must not become a number) */
    for (const char *p = r->text_cols; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int c = csv_find(t, p, len);
        if (c >= 0) t->col[c].keep_text = 1;
        p = e ? e + 1 : p + len;
    }
}

static void on_record(int term, void *arg)
{
    reader *r = arg;
    csv_table *t = r->t;
    (void)term;
    if (r->st != ELSTM_OK) return;
    int nf = r->nfields;
    r->nfields = 0;
    r->last_end_line = r->line;
    if (nf == 0) return;
    if (!r->have_header) {
        finish_header(r);
        return;
    }
    if (nf == 1 && t->ncols > 1 && t->col[0].state[t->nrows] == CELL_MISSING) {
        t->col[0].n_missing--;                /* a blank line (spaces only): not a row */
        return;
    }
    if (nf != t->ncols) {
        if (t->nrows == 0)
            FAIL(r, ELSTM_ERR_FORMAT, r->rec_line,
                 "the first data row has %d field%s but the header on line %ld has %d; %s",
                 nf, nf == 1 ? "" : "s", t->header_line, t->ncols,
                 r->model ? "the model reads files laid out as its training file was (metadata field 'skip_rows')"
                          : "if the header is not the first line (TMY3 files start with a station line), pass "
                            "--skip-rows with the number of lines before it");
        else
            FAIL(r, ELSTM_ERR_FORMAT, r->rec_line,
                 "this row has %d field%s but the header on line %ld has %d; every row needs one "
                 "value per column (quote values that contain '%s')",
                 nf, nf == 1 ? "" : "s", t->header_line, t->ncols, t->delim == '\t' ? "\\t" : (char[2]){t->delim, 0});
        return;
    }
    t->line[t->nrows++] = r->rec_line;
}

static int count_delims(const char *s, size_t n, char d)
{
    int q = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') q = !q;
        else if (!q && s[i] == d) k++;
    }
    return k;
}

/* Column names are text: no control characters besides tab and line ends. */
static int looks_like_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F) return 0;
    }
    return 1;
}

static void start_parser(reader *r)
{
    if (!looks_like_text(r->hdr, r->hdr_len)) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->line,
                               "the header line holds control characters; a CSV file is text with "
                               "column names on this line (is the file binary or compressed?)");
        return;
    }
    char d = ',';
    int best = count_delims(r->hdr, r->hdr_len, ',');
    int semi = count_delims(r->hdr, r->hdr_len, ';'), tab = count_delims(r->hdr, r->hdr_len, '\t');
    if (semi > best) d = ';', best = semi;
    if (tab > best) d = '\t';
    r->t->delim = d;
    if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_NOMEM, r->t->path, 0, "out of memory");
        return;
    }
    r->parser_ready = 1;
    csv_set_delim(&r->p, (unsigned char)d);
    r->parsing = 1;
}

static void parse(reader *r, const char *s, size_t n)
{
    if (csv_parse(&r->p, s, n, on_field, on_record, r) == n || r->st != ELSTM_OK) return;
    int e = csv_error(&r->p);
    if (e == CSV_EPARSE)
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->line,
                               "malformed quoting: a quote inside an unquoted field or text after a "
                               "closing quote; quote the whole field (\"...\") and double the "
                               "quotes inside it (\"\")");
    else
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_NOMEM, r->t->path, r->line,
                               "cannot parse the file: %s", csv_strerror(e));
}

/* Feed one piece of the input (any length; lines may continue in the next piece). */
static void feed(reader *r, const char *buf, size_t len)
{
    size_t i = 0;
    if (!r->started && len) {
        r->started = 1;
        if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) i = 3;   /* UTF-8 byte order mark */
    }
    while (i < len && r->st == ELSTM_OK) {
        /* A line ends at LF, CRLF or a CR alone (old Mac files); libcsv accepts all three
         * as record ends, this loop only counts lines and collects the header. */
        if (r->cr_pending && buf[i] == '\n') {     /* the LF of a CRLF split across pieces */
            r->cr_pending = 0;
            if (r->skip == 0 && r->parsing) parse(r, buf + i, 1);
            i++;
            continue;
        }
        r->cr_pending = 0;
        size_t j = i;
        while (j < len && buf[j] != '\n' && buf[j] != '\r') j++;
        const char *nl = j < len ? buf + j : NULL;
        if (nl && *nl == '\r') {
            if (j + 1 < len && buf[j + 1] == '\n') nl++;
            else if (j + 1 == len) r->cr_pending = 1;
        }
        size_t end = nl ? (size_t)(nl - buf) + 1 : len, seg = end - i;
        if (r->line_bytes + (size_t)(j - i) > CSV_MAX_LINE) {
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->line,
                                   "this line is longer than %u bytes; a CSV of sensor data has "
                                   "short lines (is this a CSV file?)", CSV_MAX_LINE);
            return;
        }
        if (memchr(buf + i, '\0', seg)) {
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->line,
                                   "this line contains a NUL byte; a CSV file is text (is the "
                                   "file binary, compressed or UTF-16 encoded?)");
            return;
        }
        if (r->skip > 0) {
            /* lines before the header are not CSV (station metadata, comments) */
        } else if (!r->parsing) {
            if (r->hdr_len + seg > r->hdr_cap) {
                size_t cap = r->hdr_cap ? r->hdr_cap : 4096;
                while (cap < r->hdr_len + seg) cap *= 2;
                char *h = realloc(r->hdr, cap);
                if (!h) {
                    r->st = elstm_diag_set(r->diag, ELSTM_ERR_NOMEM, r->t->path, 0, "out of memory");
                    return;
                }
                r->hdr = h;
                r->hdr_cap = cap;
            }
            memcpy(r->hdr + r->hdr_len, buf + i, seg);
            r->hdr_len += seg;
            if (nl) {
                start_parser(r);
                if (r->st == ELSTM_OK) parse(r, r->hdr, r->hdr_len);
            }
        } else {
            parse(r, buf + i, seg);
            if (r->st == ELSTM_OK && csv_get_buffer_size(&r->p) > CSV_MAX_LINE)
                r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->last_end_line + 1,
                                       "a quoted field that starts on this line runs on for more "
                                       "than %u bytes (to line %ld); is its closing quote missing?",
                                       CSV_MAX_LINE, r->line);
        }
        if (nl) {
            r->line++;
            r->line_bytes = 0;
            if (r->skip > 0) r->skip--;
        } else {
            r->line_bytes += seg;
        }
        i = end;
    }
}

static void finish(reader *r)
{
    if (r->st != ELSTM_OK) return;
    if (!r->parsing && r->skip == 0 && r->hdr_len) {
        start_parser(r);
        if (r->st == ELSTM_OK) parse(r, r->hdr, r->hdr_len);
    }
    if (r->st != ELSTM_OK) return;
    if (r->parser_ready && csv_fini(&r->p, on_field, on_record, r) != 0 && r->st == ELSTM_OK)
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->last_end_line + 1,
                               "the file ends inside a quoted field that starts on this line; a "
                               "closing quote (\") is missing");
    if (r->st == ELSTM_OK && r->parser_ready && csv_error(&r->p) == CSV_EPARSE)
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->last_end_line + 1,
                               "the file ends inside a quoted field that starts on this line; a "
                               "closing quote (\") is missing");
    if (r->st != ELSTM_OK) return;
    if (!r->have_header) {
        if (r->skip_rows > 0 && r->line <= r->skip_rows + 1 && r->skip > 0)
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, 0,
                                   "the file has only %ld line(s) and %s %d skips them "
                                   "all; expected a header line after the skipped lines",
                                   r->line - (r->line_bytes == 0),
                                   r->model ? "the model's metadata field 'skip_rows'" : "--skip-rows", r->skip_rows);
        else
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, 0,
                                   "the file is empty; expected a header line with column names "
                                   "and then one row of values per time step");
    } else if (r->t->nrows == 0) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->t->path, r->t->header_line,
                               "the file has a header but no data rows; expected one row of "
                               "values per time step after the header");
    }
}

elstm_status csv_read(csv_table *t, const char *path, const void *data, size_t len, int skip_rows,
                      int model, const char *text_cols, elstm_diag *diag)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path ? path : "(input)");
    reader r;
    memset(&r, 0, sizeof r);
    r.t = t;
    r.diag = diag;
    r.text_cols = text_cols;
    r.skip_rows = skip_rows;
    r.model = model;
    r.skip = skip_rows;
    r.line = 1;
    r.names = calloc(CSV_MAX_COLS + 1, sizeof *r.names);
    if (!r.names) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, t->path, 0, "out of memory");
    if (data) {
        feed(&r, data, len);
    } else {
        FILE *f = NULL;
        r.st = elstm_open_input(path, &f, diag);
        char *buf = f ? malloc(CHUNK) : NULL;
        if (!f) {
            /* the message is set */
        } else if (!buf) {
            r.st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, t->path, 0, "out of memory");
        } else {
            size_t n;
            while (r.st == ELSTM_OK && (n = fread(buf, 1, CHUNK, f)) > 0) feed(&r, buf, n);
            if (r.st == ELSTM_OK && ferror(f))
                r.st = elstm_diag_set(diag, ELSTM_ERR_IO, t->path, 0, "cannot read the file: %s",
                                      strerror(errno));
        }
        free(buf);
        if (f) fclose(f);
    }
    finish(&r);
    if (r.parser_ready) csv_free(&r.p);
    for (int i = 0; i < r.nnames; i++) free(r.names[i]);
    free(r.names);
    free(r.hdr);
    if (r.st != ELSTM_OK) csv_free_table(t);
    return r.st;
}
