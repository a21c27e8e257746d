/*
 * codegen.c - the files of a generated device library (see edgelstm/codegen.h).
 *
 * Everything that is code comes from elsewhere: the runtime sources are copied unchanged
 * from the copies embedded in the executable, and the library's own C (NAME.c, the
 * headers, the examples, the build files) comes from the templates in codegen/templates/
 * (also embedded), whose @KEY@ placeholders are filled here. What this file writes itself
 * is data: the model's weights as `static const` arrays, its scaler and input encodings,
 * the example window, and the constants of the header.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "device.h"
#include "edgelstm/fileio.h"
#include "host/lstm_s8_pack.h"
#include "edgelstm/model.h"
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

void cg_printf(cg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    cg_reserve(b, (size_t)n);
    if (b->oom) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void cg_buf_free(cg_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* A float as a C literal that reads back as the same float ("%.9g", with "f"). */
static void put_float(cg_buf *b, float v)
{
    char s[48];
    snprintf(s, sizeof s, "%.9g", (double)v);
    if (!strpbrk(s, ".e")) strcat(s, ".0");
    cg_puts(b, s);
    cg_puts(b, "f");
}

/* A C string literal of s (escapes quotes, backslashes, and non-printable bytes). */
static void put_cstring(cg_buf *b, const char *s)
{
    cg_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') cg_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f || *p == '?') cg_printf(b, "\\%03o", *p); /* '?': no trigraphs */
        else cg_putn(b, (const char *)p, 1);
    }
    cg_puts(b, "\"");
}

/* The inside of a JSON (or YAML double-quoted) string: quotes, backslashes and control
 * characters escaped; other bytes (UTF-8) as they are. */
static void put_jsonsafe(cg_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') cg_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f) cg_printf(b, "\\u%04x", *p);
        else cg_putn(b, (const char *)p, 1);
    }
}

/* A library.json "authors" entry: "Name <email>" as name and email, other text as name. */
static void put_person_json(cg_buf *b, const char *who, int maintainer)
{
    const char *lt = strrchr(who, '<');
    size_t n = strlen(who);
    int email = lt && lt > who && lt[-1] == ' ' && n > 2 && who[n - 1] == '>' && lt + 1 < who + n - 1;
    cg_puts(b, "{\"name\": \"");
    if (email) {
        char *name = strndup(who, (size_t)(lt - 1 - who)), *addr = strndup(lt + 1, (size_t)(who + n - 1 - (lt + 1)));
        put_jsonsafe(b, name ? name : "");
        cg_puts(b, "\", \"email\": \"");
        put_jsonsafe(b, addr ? addr : "");
        free(name);
        free(addr);
    } else {
        put_jsonsafe(b, who);
    }
    cg_printf(b, "\", \"maintainer\": %s}", maintainer ? "true" : "false");
}

/* Text safe inside a C comment, a Markdown table and a one-line value (no "*" "/" pairs,
 * no control characters, no '|'). */
static void put_commentsafe(cg_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f || c == '|') c = '_';
        if ((c == '*' && p[1] == '/') || (c == '/' && p[1] == '*')) c = '_';
        if (c == '?' && p[1] == '?') c = '_';   /* no trigraph (??/ would continue the line) */
        cg_putn(b, (const char *)&c, 1);
    }
}

/* ---- files ---------------------------------------------------------------------------- */

const elstm_embedded_file *cg_embedded(const char *path)
{
    for (int i = 0; i < elstm_runtime_file_count; i++)
        if (strcmp(elstm_runtime_files[i].name, path) == 0) return &elstm_runtime_files[i];
    for (int i = 0; i < elstm_deploy_files_count; i++)
        if (strcmp(elstm_deploy_files[i].name, path) == 0) return &elstm_deploy_files[i];
    return NULL;
}

elstm_status cg_add_bytes(elstm_genlib *lib, const char *path, const void *data, size_t len,
                          elstm_diag *diag)
{
    if (lib->n == lib->cap) {
        int cap = lib->cap ? 2 * lib->cap : 32;
        elstm_genfile *f = realloc(lib->files, (size_t)cap * sizeof *f);
        if (!f) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", path);
        lib->files = f;
        lib->cap = cap;
    }
    elstm_genfile *f = &lib->files[lib->n];
    f->path = strdup(path);
    f->data = malloc(len + 1);
    if (!f->path || !f->data) {
        free(f->path);
        free(f->data);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", path);
    }
    if (len) memcpy(f->data, data, len);
    f->data[len] = '\0';
    f->len = len;
    lib->n++;
    return ELSTM_OK;
}

elstm_status cg_add(elstm_genlib *lib, const char *path, cg_buf *b, elstm_diag *diag)
{
    if (b->oom) {
        cg_buf_free(b);
        return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory generating %s", path);
    }
    elstm_status st = cg_add_bytes(lib, path, b->p ? b->p : "", b->len, diag);
    cg_buf_free(b);
    return st;
}

void elstm_genlib_free(elstm_genlib *lib)
{
    if (!lib) return;
    for (int i = 0; i < lib->n; i++) {
        free(lib->files[i].path);
        free(lib->files[i].data);
    }
    free(lib->files);
    memset(lib, 0, sizeof *lib);
}

/* ---- templates -------------------------------------------------------------------------- */

#define CG_MAX_VARS 48

typedef struct cg_vars {
    int n;
    const char *key[CG_MAX_VARS];
    char *val[CG_MAX_VARS];   /* owned */
} cg_vars;

static void var_set(cg_vars *v, const char *key, const char *val)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->key[i], key) == 0) {
            free(v->val[i]);
            v->val[i] = strdup(val);
            return;
        }
    if (v->n == CG_MAX_VARS) abort(); /* a programming error: raise CG_MAX_VARS */
    v->key[v->n] = key;
    v->val[v->n] = strdup(val);
    v->n++;
}

static void var_setf(cg_vars *v, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void var_setf(cg_vars *v, const char *key, const char *fmt, ...)
{
    char s[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    var_set(v, key, s);
}

/* Takes the buffer's text as the value. */
static void var_take(cg_vars *v, const char *key, cg_buf *b)
{
    var_set(v, key, b->p ? b->p : "");
    cg_buf_free(b);
}

static void vars_free(cg_vars *v)
{
    for (int i = 0; i < v->n; i++) free(v->val[i]);
    v->n = 0;
}

/* Expand codegen/templates/NAME: every @KEY@ is replaced by its value. */
static elstm_status expand(const char *tmpl, const cg_vars *v, cg_buf *out, elstm_diag *diag)
{
    char path[128];
    snprintf(path, sizeof path, "codegen/templates/%s", tmpl);
    const elstm_embedded_file *f = cg_embedded(path);
    if (!f) return elstm_diag_set(diag, ELSTM_ERR_IO, NULL, 0, "internal error: template %s is not embedded", path);
    const char *s = (const char *)f->data, *end = s + f->size;
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
                                      "internal error: template %s uses an unknown placeholder @%.*s@",
                                      path, (int)(e - k), k);
            s = e + 1;
        } else {
            cg_putn(out, at, 1);
            s = at + 1;
        }
    }
    return ELSTM_OK;
}

static elstm_status add_expanded(elstm_genlib *lib, const char *path, const char *tmpl, const cg_vars *v,
                                 elstm_diag *diag)
{
    cg_buf b = {0};
    elstm_status st = expand(tmpl, v, &b, diag);
    if (st != ELSTM_OK) {
        cg_buf_free(&b);
        return st;
    }
    return cg_add(lib, path, &b, diag);
}

/* ---- names ------------------------------------------------------------------------------ */

void cg_upper(const char *name, char uc[ELSTM_CODEGEN_NAME_MAX + 1])
{
    size_t k;
    for (k = 0; name[k] && k < ELSTM_CODEGEN_NAME_MAX; k++) uc[k] = (char)toupper((unsigned char)name[k]);
    uc[k] = '\0';
}

static const char *const keywords[] = {
    /* C99/C11 */
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "_Bool", "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic",
    "_Generic", "_Noreturn", "_Static_assert", "_Thread_local",
    /* C++ */
    "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch", "char16_t",
    "char32_t", "class", "compl", "constexpr", "const_cast", "decltype", "delete", "dynamic_cast",
    "explicit", "export", "false", "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "reinterpret_cast",
    "static_assert", "static_cast", "template", "this", "thread_local", "throw", "true", "try",
    "typeid", "typename", "using", "virtual", "wchar_t", "xor", "xor_eq",
};

/* The library's header is NAME.h in a folder on the include path: a NAME that is also a
 * standard C header (or one of the Arduino core's) would hide that header from every file
 * compiled with the library. Compared without case (Windows and macOS file systems). */
static const char *const header_names[] = {
    "assert", "complex", "ctype", "errno", "fenv", "float", "inttypes", "iso646", "limits",
    "locale", "math", "setjmp", "signal", "stdalign", "stdarg", "stdatomic", "stdbool", "stddef",
    "stdint", "stdio", "stdlib", "stdnoreturn", "string", "strings", "tgmath", "threads", "time",
    "uchar", "wchar", "wctype", "unistd", "alloca", "malloc", "memory",
    /* Arduino core and its usual libraries */
    "Client", "EEPROM", "HardwareSerial", "IPAddress", "Print", "Printable", "Server", "SPI",
    "Stream", "Udp", "WString", "Wire", "WiFi",
};

elstm_status elstm_codegen_check_name(const char *name, elstm_diag *diag)
{
    if (!name || !*name)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "the library name is empty (expected a C identifier such as temp_forecast)");
    size_t n = strlen(name);
    if (n > ELSTM_CODEGEN_NAME_MAX)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the library name '%.60s...' is %zu characters long (at most %d)", name, n,
                              ELSTM_CODEGEN_NAME_MAX);
    if (!isalpha((unsigned char)name[0]) || (unsigned char)name[0] >= 0x80)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the library name '%s' must start with a letter (it prefixes every C symbol, e.g. %s_init)",
                              name, name);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(c < 0x80 && (isalnum(c) || c == '_')))
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                  "the library name '%s' is not a C identifier: '%c' at position %zu (use letters, digits and '_')",
                                  name, c >= 0x20 && c < 0x7f ? c : '?', i + 1);
    }
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(name, keywords[i]) == 0)
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                  "the library name '%s' is a C or C++ keyword; choose another", name);
    for (size_t i = 0; i < sizeof header_names / sizeof header_names[0]; i++)
        if (strcasecmp(name, header_names[i]) == 0)
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                  "the library name '%s' would make a header %s.h that hides the "
                                  "standard header <%s.h> from the code built with it; choose another",
                                  name, name, header_names[i]);
    if (strncasecmp(name, "arduino", 7) == 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the library name '%s' starts with 'Arduino', which the Arduino library rules reserve",
                              name);
    if (strncmp(name, "elstm", 5) == 0 || strncmp(name, "ei_", 3) == 0 || strncmp(name, "EI_", 3) == 0)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                              "the library name '%s' starts with a prefix the runtime uses (elstm, ei_); choose another",
                              name);
    return ELSTM_OK;
}

elstm_status elstm_target_parse(const char *s, elstm_target *t)
{
    static const char *const names[] = {"c", "arduino", "esp-idf", "platformio"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *t = (elstm_target)i;
            return ELSTM_OK;
        }
    return ELSTM_ERR_ARG;
}

const char *elstm_target_name(elstm_target t)
{
    switch (t) {
    case ELSTM_TARGET_C: return "c";
    case ELSTM_TARGET_ARDUINO: return "arduino";
    case ELSTM_TARGET_ESP_IDF: return "esp-idf";
    case ELSTM_TARGET_PLATFORMIO: return "platformio";
    }
    return "?";
}

uint32_t elstm_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

elstm_status elstm_codegen_load(const char *path, elstm_forecaster *f, uint32_t *crc32, elstm_diag *diag)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    memset(f, 0, sizeof *f);
    elstm_status st = elstm_read_file(path, &bytes, &len, 0, diag);
    if (st != ELSTM_OK) return st;
    *crc32 = elstm_crc32(bytes, len);
    free(bytes);
    return elstm_forecaster_load(path, f, diag);
}

elstm_status elstm_codegen_model_of(const elstm_forecaster *f, const char *source, uint32_t crc32,
                                    elstm_codegen_model *m, elstm_diag *diag)
{
    memset(m, 0, sizeof *m);
    if (f->n_layers > 1)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, source, 0,
                              "the model has %d stacked LSTM layers; deploy writes libraries of one LSTM "
                              "layer and its dense layer", (int)f->n_layers);
    if (f->dtype == ELSTM_FORECASTER_S16)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, source, 0,
                              "the model is 16x8 (int16 activations); deploy writes float32 and int8 "
                              "models (quantize with --scheme int8), 16x8 ones run on the host and in "
                              "TFLite Micro");
    m->lstm = &f->lstm;
    m->steps = f->steps;
    m->meta = f->has_meta ? &f->meta : NULL;
    m->source = source;
    m->crc32 = crc32;
    m->net8 = f->dtype == ELSTM_FORECASTER_S8 ? &f->net8 : NULL;
    return ELSTM_OK;
}

void elstm_model_figures_get(const elstm_lstm_f32 *l, int32_t steps, elstm_model_figures *f)
{
    uint64_t N = (uint64_t)l->n_units, I = (uint64_t)l->n_input, O = (uint64_t)l->n_output;
    f->macs = (uint64_t)steps * 4u * N * (I + N) + O * N;
    f->weight_bytes = sizeof(float) * (4u * N * (I + N) + 4u * N + O * N + O);
    f->arena_bytes = ELSTM_DEVICE_ARENA_BYTES(steps, l->n_input, l->n_units);
}

void elstm_codegen_figures(const elstm_codegen_model *m, elstm_model_figures *f)
{
    elstm_model_figures_get(m->lstm, m->steps, f);
    if (m->net8) {
        const elstm_net_s8 *n = m->net8;
        uint64_t N = (uint64_t)n->lstm.q.n_units, I = (uint64_t)n->lstm.q.n_input, O = (uint64_t)n->dense.n_out;
        f->macs = (uint64_t)m->steps * 4u * N * (I + N) + O * N;
        f->weight_bytes = 4u * N * (I + N) + O * N + sizeof(int32_t) * (4u * N + O) +
                          sizeof(elstm_qmult) * (uint64_t)(n->dense.per_channel ? O : 1);
        f->arena_bytes = ELSTM_DEVICE_S8_ARENA_BYTES(m->steps, n->lstm.q.n_input, n->lstm.q.n_units);
    }
}

void elstm_codegen_synthetic_window(int32_t steps, int32_t n_input, float *out)
{
    const double two_pi = 6.283185307179586;
    for (int32_t t = 0; t < steps; t++)
        for (int32_t i = 0; i < n_input; i++)
            out[(size_t)t * n_input + i] = (float)(0.5 + 0.4 * sin(two_pi * ((double)t / 24.0 + (double)i / n_input)));
}

/* ---- the model's description --------------------------------------------------------------- */

/* One model input, as the device sees it, with names for the header. */
typedef struct cg_input {
    char name[ELSTM_NAME_MAX];
    char source[ELSTM_NAME_MAX];   /* sensor name, or the cycle for time features */
    elstm_encoding encoding;
    elstm_time_feature cycle;      /* ELSTM_TF_NONE unless encoding is ELSTM_ENC_TIME_* */
    int sensor;                    /* -1 for time features */
    double min, max;
} cg_input;

typedef struct cg_model {
    const elstm_lstm_f32 *l;       /* float32; for int8 only the sizes and cell_clip */
    const elstm_net_s8 *q;         /* int8: the runtime params, NULL for float32 */
    int32_t steps, I, N;
    int n_sensors;
    char sensors[ELSTM_META_MAX_INPUTS][ELSTM_NAME_MAX];
    int sensor_compass[ELSTM_META_MAX_INPUTS];
    cg_input in[ELSTM_META_MAX_INPUTS];
    int timed;
    char target[ELSTM_NAME_MAX];
    double target_min, target_max;
    int64_t interval_s;
    int horizon;
} cg_model;

static elstm_status describe(const elstm_codegen_model *cm, cg_model *d, elstm_diag *diag)
{
    const elstm_lstm_f32 *l = cm->lstm;
    const elstm_meta *meta = cm->meta;
    memset(d, 0, sizeof *d);
    if (!l || l->n_input < 1 || l->n_units < 1 || cm->steps < 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, cm->source, 0, "the model has no LSTM weights to deploy");
    if (cm->net8 ? cm->net8->dense.n_out != 1 : (l->n_output != 1 || !l->wd))
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0,
                              "the model has %d outputs after its LSTM; deploy supports a forecaster with one output (LSTM + Dense(1))",
                              (int)(cm->net8 ? cm->net8->dense.n_out : l->n_output));
    if (l->n_input > ELSTM_META_MAX_INPUTS)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0, "the model has %d inputs per step (at most %d)",
                              (int)l->n_input, ELSTM_META_MAX_INPUTS);
    d->l = l;
    d->q = cm->net8;
    d->steps = cm->steps;
    d->I = l->n_input;
    d->N = l->n_units;
    d->horizon = 1;
    if (!meta) {
        for (int i = 0; i < d->I; i++) {
            cg_input *in = &d->in[i];
            snprintf(in->name, sizeof in->name, "in%d", i);
            snprintf(in->source, sizeof in->source, "in%d", i);
            snprintf(d->sensors[i], sizeof d->sensors[i], "in%d", i);
            in->encoding = ELSTM_ENC_NUMERIC;
            in->sensor = i;
            in->min = 0.0;
            in->max = 1.0;
        }
        d->n_sensors = d->I;
        snprintf(d->target, sizeof d->target, "value");
        d->target_min = 0.0;
        d->target_max = 1.0;
        return ELSTM_OK;
    }
    if (meta->n_inputs != d->I)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0,
                              "the model's metadata lists %d inputs but its LSTM takes %d", meta->n_inputs, d->I);
    for (int i = 0; i < d->I; i++) {
        const elstm_meta_input *mi = &meta->inputs[i];
        cg_input *in = &d->in[i];
        snprintf(in->name, sizeof in->name, "%s", mi->name);
        in->min = mi->min;
        in->max = mi->max;
        if (!isfinite(mi->min) || !isfinite(mi->max) || !isfinite((float)mi->min) ||
            (mi->max != mi->min && !isfinite((float)(1.0 / (mi->max - mi->min)))))
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0,
                                  "input '%s' has a scaler (min %g, max %g) that float32 cannot hold", mi->name,
                                  mi->min, mi->max);
        switch (mi->enc) {
        case ELSTM_ENC_TIME_SIN:
        case ELSTM_ENC_TIME_COS:
            if (mi->tf < ELSTM_TF_HOUR || mi->tf > ELSTM_TF_MONTH)
                return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0, "input '%s' has no calendar cycle", mi->name);
            in->encoding = mi->enc;
            in->cycle = mi->tf;
            in->sensor = -1;
            snprintf(in->source, sizeof in->source, "%s", elstm_time_feature_name(mi->tf));
            d->timed = 1;
            break;
        case ELSTM_ENC_NUMERIC:
        case ELSTM_ENC_COMPASS_SIN:
        case ELSTM_ENC_COMPASS_COS: {
            int compass = mi->enc != ELSTM_ENC_NUMERIC, s;
            in->encoding = mi->enc;
            const char *src = mi->source[0] ? mi->source : mi->name;
            for (s = 0; s < d->n_sensors; s++)
                if (strcmp(d->sensors[s], src) == 0) break;
            if (s == d->n_sensors) {
                snprintf(d->sensors[s], sizeof d->sensors[s], "%s", src);
                d->sensor_compass[s] = compass;
                d->n_sensors++;
            } else if (d->sensor_compass[s] != compass) {
                return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0,
                                      "column '%s' feeds both numeric and compass inputs", src);
            }
            in->sensor = s;
            snprintf(in->source, sizeof in->source, "%s", src);
            break;
        }
        default:
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0, "input '%s' has an unknown encoding", mi->name);
        }
    }
    snprintf(d->target, sizeof d->target, "%s", meta->target[0] ? meta->target : "value");
    d->target_min = meta->target_min;
    d->target_max = meta->target_max;
    if (!isfinite(d->target_min) || !isfinite(d->target_max))
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0, "the target's scaler is not finite");
    d->interval_s = meta->interval_s > 0 ? meta->interval_s : 0;
    d->horizon = meta->horizon > 0 ? meta->horizon : 1;
    return ELSTM_OK;
}

static const char *encoding_text(const cg_input *in)
{
    switch (in->encoding) {
    case ELSTM_ENC_NUMERIC: return "value";
    case ELSTM_ENC_COMPASS_SIN: return "sin of the compass angle";
    case ELSTM_ENC_COMPASS_COS: return "cos of the compass angle";
    case ELSTM_ENC_TIME_SIN: return "sin of the calendar phase";
    case ELSTM_ENC_TIME_COS: break;
    }
    return "cos of the calendar phase";
}

/* The C names of the edgelstm/encoding.h values, for the generated model header. */
static const char *encoding_enum(elstm_encoding e)
{
    switch (e) {
    case ELSTM_ENC_NUMERIC: return "ELSTM_ENC_NUMERIC";
    case ELSTM_ENC_COMPASS_SIN: return "ELSTM_ENC_COMPASS_SIN";
    case ELSTM_ENC_COMPASS_COS: return "ELSTM_ENC_COMPASS_COS";
    case ELSTM_ENC_TIME_SIN: return "ELSTM_ENC_TIME_SIN";
    case ELSTM_ENC_TIME_COS: break;
    }
    return "ELSTM_ENC_TIME_COS";
}

static const char *cycle_enum(elstm_time_feature t)
{
    switch (t) {
    case ELSTM_TF_HOUR: return "ELSTM_TF_HOUR";
    case ELSTM_TF_DOY: return "ELSTM_TF_DOY";
    case ELSTM_TF_WEEKDAY: return "ELSTM_TF_WEEKDAY";
    case ELSTM_TF_MONTH: return "ELSTM_TF_MONTH";
    case ELSTM_TF_NONE: break;
    }
    return "0";
}

static void interval_text(int64_t s, char *buf, size_t n)
{
    if (s <= 0) snprintf(buf, n, "sampling interval");
    else if (s % 86400 == 0) snprintf(buf, n, s == 86400 ? "day" : "%lld days", (long long)(s / 86400));
    else if (s % 3600 == 0) snprintf(buf, n, s == 3600 ? "hour" : "%lld hours", (long long)(s / 3600));
    else if (s % 60 == 0) snprintf(buf, n, s == 60 ? "minute" : "%lld minutes", (long long)(s / 60));
    else snprintf(buf, n, "%lld seconds", (long long)s);
}

/* ---- data emitters -------------------------------------------------------------------------- */

/* A float array: `rows` rows of `cols` values, each row after a comment "ROW_WORD r"
 * (no comments when row_word is NULL), 8 values per line. */
static void put_floats(cg_buf *b, const char *decl, const char *what, const float *w, int rows, int cols,
                       const char *row_word)
{
    cg_printf(b, "/* %s */\n%s[%d] = {\n", what, decl, rows * cols);
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * cols;
        if (row_word && cols <= 8) cg_printf(b, "    /* %s %d */ ", row_word, r);
        else if (row_word) cg_printf(b, "    /* %s %d */\n", row_word, r);
        for (int c = 0; c < cols; c += 8) {
            if (!(row_word && cols <= 8)) cg_puts(b, "    ");
            for (int k = c; k < c + 8 && k < cols; k++) {
                put_float(b, row[k]);
                cg_puts(b, k + 1 < c + 8 && k + 1 < cols ? ", " : ",\n");
            }
        }
    }
    cg_puts(b, "};\n\n");
}

static elstm_status check_finite(const char *what, const float *w, size_t n, const char *source, elstm_diag *diag)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(w[i]))
            return elstm_diag_set(diag, ELSTM_ERR_NUMERIC, source, 0,
                                  "%s[%zu] is %g: a model's weights must be finite to deploy it", what, i,
                                  (double)w[i]);
    return ELSTM_OK;
}

static const char gate_names[ELSTM_GATES] = {'i', 'f', 'c', 'o'};
static const char *const gate_words[ELSTM_GATES] = {"input gate", "forget gate", "cell candidate", "output gate"};

static elstm_status check_weights(const cg_model *d, const char *source, elstm_diag *diag)
{
    const elstm_lstm_f32 *l = d->l;
    const size_t I = (size_t)d->I, N = (size_t)d->N;
    elstm_status st = ELSTM_OK;
    if (d->q) return ELSTM_OK;   /* integers; the runtime's init checks the params (host_forecast) */
    for (int g = 0; g < ELSTM_GATES && st == ELSTM_OK; g++) {
        char what[8];
        if (!l->wx[g] || !l->wh[g])
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, source, 0, "the model lacks the %s weights", gate_words[g]);
        snprintf(what, sizeof what, "Wx_%c", gate_names[g]);
        st = check_finite(what, l->wx[g], N * I, source, diag);
        what[1] = 'h';
        if (st == ELSTM_OK) st = check_finite(what, l->wh[g], N * N, source, diag);
        what[0] = 'b';
        what[1] = '_';
        what[2] = gate_names[g];
        what[3] = '\0';
        if (st == ELSTM_OK && l->b[g]) st = check_finite(what, l->b[g], N, source, diag);
    }
    if (st == ELSTM_OK) st = check_finite("Wd", l->wd, N, source, diag);
    if (st == ELSTM_OK && l->bd) st = check_finite("bd", l->bd, 1, source, diag);
    if (st == ELSTM_OK && !(l->cell_clip >= 0.0f && isfinite(l->cell_clip)))
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, source, 0, "the model's cell clip %g is not a finite value >= 0",
                              (double)l->cell_clip);
    return st;
}

/* The input encodings and the device model (both kinds of model). */
static void gen_model_common(const cg_model *d, const char *name, cg_buf *b)
{
    const int I = d->I;
    cg_printf(b, "/* How each input is computed from a raw sample, and its training scaler\n"
                 " * (x_norm = (x - min) * inv_range, inv_range = 1 / (max - min)). */\n"
                 "static const elstm_device_input %s_inputs[%d] = {\n",
              name, I);
    for (int i = 0; i < I; i++) {
        const cg_input *in = &d->in[i];
        double range = in->max - in->min;
        cg_puts(b, "    /* ");
        put_commentsafe(b, in->name);
        cg_printf(b, ": %s", encoding_text(in));
        if (in->sensor >= 0) cg_printf(b, " of sample[%d] (", in->sensor);
        else cg_puts(b, " (");
        put_commentsafe(b, in->source);
        cg_printf(b, "), min %.9g, max %.9g */\n    {%s, %s, %d, ", in->min, in->max, encoding_enum(in->encoding),
                  cycle_enum(in->cycle), in->sensor);
        put_float(b, (float)in->min);
        cg_puts(b, ", ");
        put_float(b, range != 0.0 ? (float)(1.0 / range) : 0.0f);
        cg_puts(b, "},\n");
    }
    cg_puts(b, "};\n\n");
    cg_puts(b, "/* The forecaster: the LSTM, the window length, the sensors, the target's scaler\n"
               " * (forecast = y_norm * range + min; ");
    put_commentsafe(b, d->target);
    cg_printf(b, ": min %.9g, max %.9g). */\n"
                 "static const elstm_device_model %s_model = {\n"
                 "    .lstm = %s%s%s,\n    .steps = %d,\n    .n_sensors = %d,\n    .inputs = %s_inputs,\n"
                 "    .target_min = ",
              d->target_min, d->target_max, name, d->q ? "NULL" : "&", d->q ? "" : name, d->q ? "" : "_lstm",
              (int)d->steps, d->n_sensors, name);
    put_float(b, (float)d->target_min);
    cg_puts(b, ",\n    .target_range = ");
    put_float(b, (float)(d->target_max - d->target_min));
    if (d->q) cg_printf(b, ",\n    .net8 = &%s_net", name);
    cg_puts(b, ",\n};\n");
}


/* An integer array: `rows` rows of `cols` values (int8, int32 or uint32 hex by `kind`
 * 'b', 'i', 'x'), 16 (8 for words) per line, each row after "ROW_WORD r" when given. */
static void put_ints(cg_buf *b, const char *decl, const char *what, const void *p, char kind, size_t rows,
                     size_t cols, const char *row_word)
{
    const size_t per_line = kind == 'b' ? 16 : 8;
    cg_printf(b, "/* %s */\n%s[%zu] = {\n", what, decl, rows * cols);
    for (size_t r = 0; r < rows; r++) {
        if (row_word) cg_printf(b, "    /* %s %zu */\n", row_word, r);
        for (size_t c = 0; c < cols; c += per_line) {
            cg_puts(b, "    ");
            for (size_t k = c; k < c + per_line && k < cols; k++) {
                size_t i = r * cols + k;
                if (kind == 'b') cg_printf(b, "%d", (int)((const int8_t *)p)[i]);
                else if (kind == 'i') cg_printf(b, "%ld", (long)((const int32_t *)p)[i]);
                else cg_printf(b, "0x%08lxu", (unsigned long)((const uint32_t *)p)[i]);
                cg_puts(b, k + 1 < c + per_line && k + 1 < cols ? ", " : ",\n");
            }
        }
    }
    cg_puts(b, "};\n\n");
}

static void put_qmult(cg_buf *b, elstm_qmult m)
{
    cg_printf(b, "{%ld, %d}", (long)m.m, (int)m.shift);
}

/* NAME_model.h of an int8 model: the integer arrays and the runtime params. */
static void gen_model_h_s8(const cg_model *d, const char *name, const char *banner, cg_buf *b)
{
    const elstm_net_s8 *net = d->q;
    const elstm_lstm_qparams *q = &net->lstm.q;
    const size_t I = (size_t)d->I, N = (size_t)d->N;
    char decl[96], what[192], uc[ELSTM_CODEGEN_NAME_MAX + 1];
    cg_upper(name, uc);
    cg_printf(b,
              "/*\n"
              " * %s_model.h - the \"%s\" model as data: an int8 LSTM and dense layer (TensorFlow Lite's\n"
              " * integer scheme, edgelstm/quant.h), scaler, input encodings.\n"
              " *\n"
              " * %s\n"
              " *\n"
              " * Included once, by %s.c. Gates in the order i, f, c, o. The LSTM weights are stored\n"
              " * once, in the layout the compiled kernel reads: on Cortex-M4/M7 (the DSP extension)\n"
              " * pre-arranged for edgelstm/lstm_s8_dsp.c, elsewhere row-major as TFLite stores them\n"
              " * (Wx_g [%zu units][%zu inputs], Wh_g [%zu][%zu]). Define %s_WITH_REFERENCE to keep the\n"
              " * row-major copy on Cortex-M too (for %s_predict_window_reference).\n"
              " */\n\n",
              name, name, banner, name, N, I, N, N, uc, name);
    cg_printf(b, "#if !defined(ELSTM_S8_KERNEL_DSP) || defined(%s_WITH_REFERENCE)\n", uc);
    for (int g = 0; g < ELSTM_GATES; g++) {
        snprintf(decl, sizeof decl, "static const int8_t %s_wx_%c", name, gate_names[g]);
        snprintf(what, sizeof what, "Wx_%c: inputs -> %s", gate_names[g], gate_words[g]);
        put_ints(b, decl, what, q->wx[g], 'b', N, I, "unit");
    }
    for (int g = 0; g < ELSTM_GATES; g++) {
        snprintf(decl, sizeof decl, "static const int8_t %s_wh_%c", name, gate_names[g]);
        snprintf(what, sizeof what, "Wh_%c: previous h -> %s", gate_names[g], gate_words[g]);
        put_ints(b, decl, what, q->wh[g], 'b', N, N, "unit");
    }
    cg_puts(b, "#endif\n\n");
    {
        const size_t words = elstm_lstm_packed_words_s8_dsp(&net->lstm);
        uint32_t *dsp = malloc((words ? words : 1) * sizeof *dsp);
        if (!dsp) {
            b->oom = 1;
            return;
        }
        elstm_lstm_pack_s8_dsp(&net->lstm, dsp);
        cg_puts(b, "#if defined(ELSTM_S8_KERNEL_DSP)\n");
        snprintf(decl, sizeof decl, "static const uint32_t %s_w_dsp", name);
        snprintf(what, sizeof what, "the LSTM weights pre-arranged for the Cortex-M DSP kernel: per unit, two gate rows "
                                    "per little-endian word (edgelstm/lstm_s8_dsp.c)");
        put_ints(b, decl, what, dsp, 'x', (size_t)N, words / N, "unit");
        cg_puts(b, "#endif\n\n");
        free(dsp);
    }
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (!net->lstm.b[g]) continue;
        snprintf(decl, sizeof decl, "static const int32_t %s_b_%c", name, gate_names[g]);
        snprintf(what, sizeof what, "b_%c: %s bias (scale s_in s_wx), one per unit", gate_names[g], gate_words[g]);
        put_ints(b, decl, what, net->lstm.b[g], 'i', 1, N, NULL);
    }
    snprintf(decl, sizeof decl, "static const int8_t %s_wd", name);
    put_ints(b, decl, "Wd: dense layer, h -> the forecast", net->dense.w, 'b', 1, N, NULL);
    if (net->dense.b) {
        snprintf(decl, sizeof decl, "static const int32_t %s_bd", name);
        put_ints(b, decl, "bd: dense bias", net->dense.b, 'i', 1, 1, NULL);
    }
    cg_printf(b, "/* the dense layer's multiplier: its real value is m 2^(shift - 31) */\n"
                 "static const elstm_qmult %s_md[1] = {", name);
    put_qmult(b, net->dense.mult[0]);
    cg_puts(b, "};\n\n");

    cg_printf(b, "/* The quantized forecaster (edgelstm/quant.h): the LSTM's fixed-point multipliers\n"
                 " * (real value m 2^(shift - 31)), zero points and cell format, the dense layer, and\n"
                 " * the scales of the input and output. */\n"
                 "static const elstm_net_s8 %s_net = {\n"
                 "    .lstm = {\n"
                 "        .q = {\n"
                 "            .n_input = %d,\n            .n_units = %d,\n",
              name, d->I, d->N);
    cg_printf(b, "#if !defined(ELSTM_S8_KERNEL_DSP) || defined(%s_WITH_REFERENCE)\n", uc);
    cg_puts(b, "            .wx = {");
    for (int g = 0; g < ELSTM_GATES; g++) cg_printf(b, "%s_wx_%c%s", name, gate_names[g], g < 3 ? ", " : "},\n");
    cg_puts(b, "            .wh = {");
    for (int g = 0; g < ELSTM_GATES; g++) cg_printf(b, "%s_wh_%c%s", name, gate_names[g], g < 3 ? ", " : "},\n");
    cg_puts(b, "#else\n            .wx = {NULL, NULL, NULL, NULL},\n            .wh = {NULL, NULL, NULL, NULL},\n#endif\n");
    cg_puts(b, "            .mx = {");
    for (int g = 0; g < ELSTM_GATES; g++) {
        put_qmult(b, q->mx[g]);
        cg_puts(b, g < 3 ? ", " : "},\n");
    }
    cg_puts(b, "            .mh = {");
    for (int g = 0; g < ELSTM_GATES; g++) {
        put_qmult(b, q->mh[g]);
        cg_puts(b, g < 3 ? ", " : "},\n");
    }
    cg_puts(b, "            .m_fc = ");
    put_qmult(b, q->m_fc);
    cg_puts(b, ",\n            .m_ig = ");
    put_qmult(b, q->m_ig);
    cg_puts(b, ",\n            .m_h = ");
    put_qmult(b, q->m_h);
    cg_printf(b, ",\n            .zp_in = %d,\n            .zp_h = %d,\n            .cell_pow = %d,\n"
                 "            .cell_clip = %d,\n        },\n        .b = {",
              (int)q->zp_in, (int)q->zp_h, (int)q->cell_pow, (int)q->cell_clip);
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (net->lstm.b[g]) cg_printf(b, "%s_b_%c", name, gate_names[g]);
        else cg_puts(b, "NULL");
        cg_puts(b, g < 3 ? ", " : "},\n");
    }
    cg_printf(b, "#if defined(ELSTM_S8_KERNEL_DSP)\n        .packed = %s_w_dsp,\n#else\n        .packed = NULL,\n#endif\n"
                 "    },\n"
                 "    .dense = {.n_in = %d, .n_out = 1, .w = %s_wd, .b = %s%s, .mult = %s_md, .per_channel = 0,\n"
                 "              .zp_in = %d, .zp_out = %d, .act_min = %d, .act_max = %d},\n"
                 "    .in_scale = ",
              name, d->N, name, net->dense.b ? name : "NULL", net->dense.b ? "_bd" : "", name,
              (int)net->dense.zp_in, (int)net->dense.zp_out, (int)net->dense.act_min, (int)net->dense.act_max);
    put_float(b, net->in_scale);
    cg_puts(b, ",\n    .out_scale = ");
    put_float(b, net->out_scale);
    cg_puts(b, ",\n};\n\n");
}

/* NAME_model.h: the weights, the scaler, the input encodings (data only). */
static void gen_model_h(const cg_model *d, const char *name, const char *banner, cg_buf *b)
{
    const elstm_lstm_f32 *l = d->l;
    const int I = d->I, N = d->N;
    char decl[96], what[96];
    if (d->q) {
        gen_model_h_s8(d, name, banner, b);
        gen_model_common(d, name, b);
        return;
    }
    cg_printf(b,
              "/*\n"
              " * %s_model.h - the \"%s\" model as data: LSTM and dense weights, scaler, input encodings.\n"
              " *\n"
              " * %s\n"
              " *\n"
              " * Included once, by %s.c. Gates in the order i (input), f (forget), c (cell candidate),\n"
              " * o (output), as in Keras and TFLite; Wx_g is [%d units][%d inputs] and Wh_g is\n"
              " * [%d units][%d units], row-major (TFLite's layout, read as it is by every kernel).\n"
              " * Floats are printed with 9 significant digits: they read back bit for bit.\n"
              " */\n\n",
              name, name, banner, name, N, I, N, N);
    for (int g = 0; g < ELSTM_GATES; g++) {
        snprintf(decl, sizeof decl, "static const float %s_wx_%c", name, gate_names[g]);
        snprintf(what, sizeof what, "Wx_%c: inputs -> %s", gate_names[g], gate_words[g]);
        put_floats(b, decl, what, l->wx[g], N, I, "unit");
    }
    for (int g = 0; g < ELSTM_GATES; g++) {
        snprintf(decl, sizeof decl, "static const float %s_wh_%c", name, gate_names[g]);
        snprintf(what, sizeof what, "Wh_%c: previous h -> %s", gate_names[g], gate_words[g]);
        put_floats(b, decl, what, l->wh[g], N, N, "unit");
    }
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (!l->b[g]) continue;
        snprintf(decl, sizeof decl, "static const float %s_b_%c", name, gate_names[g]);
        snprintf(what, sizeof what, "b_%c: %s bias, one per unit", gate_names[g], gate_words[g]);
        put_floats(b, decl, what, l->b[g], 1, N, NULL);
    }
    snprintf(decl, sizeof decl, "static const float %s_wd", name);
    put_floats(b, decl, "Wd: dense layer, h -> the forecast (normalized)", l->wd, 1, N, NULL);
    if (l->bd) {
        snprintf(decl, sizeof decl, "static const float %s_bd", name);
        put_floats(b, decl, "bd: dense bias", l->bd, 1, 1, NULL);
    }

    cg_printf(b, "/* The LSTM: sizes and weight pointers (edgelstm/lstm.h). */\n"
                 "static const elstm_lstm_f32 %s_lstm = {\n"
                 "    .n_input = %d,\n    .n_units = %d,\n    .n_output = 1,\n    .cell_clip = ",
              name, I, N);
    put_float(b, l->cell_clip);
    cg_puts(b, ",\n    .wx = {");
    for (int g = 0; g < ELSTM_GATES; g++) cg_printf(b, "%s_wx_%c%s", name, gate_names[g], g < 3 ? ", " : "},\n");
    cg_puts(b, "    .wh = {");
    for (int g = 0; g < ELSTM_GATES; g++) cg_printf(b, "%s_wh_%c%s", name, gate_names[g], g < 3 ? ", " : "},\n");
    cg_puts(b, "    .b = {");
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (l->b[g]) cg_printf(b, "%s_b_%c", name, gate_names[g]);
        else cg_puts(b, "NULL");
        cg_puts(b, g < 3 ? ", " : "},\n");
    }
    cg_printf(b, "    .wd = %s_wd,\n    .bd = %s%s,\n    .packed = NULL,\n};\n\n", name, l->bd ? name : "NULL",
              l->bd ? "_bd" : "");

    gen_model_common(d, name, b);
}

/* features[] of the examples: the window, one time step per line. */
static void put_window(cg_buf *b, const float *x, int32_t steps, int32_t I)
{
    for (int32_t t = 0; t < steps; t++) {
        cg_puts(b, "    ");
        for (int32_t i = 0; i < I; i++) {
            put_float(b, x[(size_t)t * I + i]);
            cg_puts(b, i + 1 < I ? ", " : ",");
        }
        cg_printf(b, " /* t = %d */\n", (int)t);
    }
}

elstm_status elstm_codegen_forecast(const elstm_codegen_model *m, const float *x, float *y_norm,
                                    elstm_diag *diag)
{
    size_t bytes = m->net8 ? elstm_net_arena_size_s8(m->net8) : elstm_lstm_arena_size_f32(m->lstm);
    void *arena = malloc(bytes);
    elstm_lstm_ctx_f32 ctx;
    elstm_net_ctx_s8 net;
    elstm_status st;
    if (!arena) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    if (m->net8) {
        st = elstm_net_init_s8(&net, m->net8, arena, bytes);
        if (st == ELSTM_OK) elstm_net_window_s8(&net, x, m->steps, y_norm);
    } else {
        st = elstm_lstm_init_f32(&ctx, m->lstm, arena, bytes);
        if (st == ELSTM_OK) elstm_lstm_window_f32(&ctx, x, m->steps, y_norm);
    }
    free(arena);
    if (st != ELSTM_OK) return elstm_diag_set(diag, st, NULL, 0, "the model's LSTM is invalid (%s)", elstm_status_str(st));
    return ELSTM_OK;
}

static void put_list_strings(cg_buf *b, const cg_model *d, int sensors)
{
    int n = sensors ? d->n_sensors : d->I;
    cg_puts(b, "{");
    for (int i = 0; i < n; i++) {
        put_cstring(b, sensors ? d->sensors[i] : d->in[i].name);
        if (i + 1 < n) cg_puts(b, ", ");
    }
    if (n == 0) cg_puts(b, "0");
    cg_puts(b, "}");
}

static void put_list_floats(cg_buf *b, const cg_model *d, int max)
{
    cg_puts(b, "{");
    for (int i = 0; i < d->I; i++) {
        put_float(b, (float)(max ? d->in[i].max : d->in[i].min));
        if (i + 1 < d->I) cg_puts(b, ", ");
    }
    cg_puts(b, "}");
}

/* Drop a trailing newline (the templates end the line). */
static void chop(cg_buf *b)
{
    if (b->len && b->p[b->len - 1] == '\n') b->p[--b->len] = '\0';
}

/* The placeholders every template may use. */
static elstm_status make_vars(const cg_model *d, const elstm_codegen_model *cm, const elstm_codegen_opts *o,
                              const float *window, cg_vars *v, elstm_diag *diag)
{
    const char *name = o->name;
    char uc[ELSTM_CODEGEN_NAME_MAX + 1], interval[32];
    elstm_model_figures fig;
    cg_upper(name, uc);
    elstm_codegen_figures(cm, &fig);
    interval_text(d->interval_s, interval, sizeof interval);
    const char *src = cm->source ? cm->source : "a model in memory";
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;

    cg_buf b = {0};
    cg_puts(&b, "Generated by edgelstm " ELSTM_VERSION " from ");
    put_commentsafe(&b, base);
    cg_printf(&b, " (CRC-32 %08x). Do not edit: run `edgelstm deploy` again.", (unsigned)cm->crc32);
    var_take(v, "BANNER", &b);
    var_set(v, "NAME", name);
    var_set(v, "NAME_UC", uc);
    var_set(v, "VERSION", ELSTM_VERSION);
    var_setf(v, "CRC", "%08x", (unsigned)cm->crc32);
    var_setf(v, "INPUTS", "%d", d->I);
    var_setf(v, "STEPS", "%d", (int)d->steps);
    var_setf(v, "UNITS", "%d", d->N);
    var_setf(v, "SENSORS", "%d", d->n_sensors);
    var_setf(v, "INTERVAL", "%lld", (long long)d->interval_s);
    var_setf(v, "HORIZON", "%d", d->horizon);
    var_setf(v, "MACS", "%llu", (unsigned long long)fig.macs);
    var_setf(v, "WEIGHT_BYTES", "%llu", (unsigned long long)fig.weight_bytes);
    var_setf(v, "ARENA_BYTES", "%llu", (unsigned long long)fig.arena_bytes);
    var_set(v, "INTERVAL_TEXT", interval);
    if (d->interval_s > 0) {
        char ahead[32];
        interval_text(d->interval_s * d->horizon, ahead, sizeof ahead);
        var_setf(v, "HORIZON_TEXT", "%s%s ahead", strchr(ahead, ' ') ? "" : "one ", ahead);
    } else {
        var_setf(v, "HORIZON_TEXT", "%d step%s ahead", d->horizon, d->horizon == 1 ? "" : "s");
    }
    put_commentsafe(&b, d->target);
    var_take(v, "TARGET", &b);
    put_cstring(&b, d->target);
    var_take(v, "TARGET_CSTRING", &b);
    put_jsonsafe(&b, d->target);
    var_take(v, "TARGET_JSON", &b);
    put_float(&b, d->l->cell_clip);
    var_take(v, "CELL_CLIP", &b);
    put_float(&b, (float)d->target_min);
    var_take(v, "TARGET_MIN", &b);
    put_float(&b, (float)d->target_max);
    var_take(v, "TARGET_MAX", &b);
    put_list_strings(&b, d, 0);
    var_take(v, "INPUT_NAMES", &b);
    put_list_strings(&b, d, 1);
    var_take(v, "SENSOR_NAMES", &b);
    put_list_floats(&b, d, 0);
    var_take(v, "INPUT_MIN", &b);
    put_list_floats(&b, d, 1);
    var_take(v, "INPUT_MAX", &b);
    /* which of the device code's forecasters NAME.c compiles (runtime/device.h), and the
     * arena formula its size check uses */
    var_set(v, "RUNTIME_CONFIG", d->q ? "#define ELSTM_DEVICE_F32 0   /* an int8 model: only the integer kernels */"
                                      : "#define ELSTM_DEVICE_S8 0    /* a float32 model: only the float kernels */");
    var_set(v, "ARENA_MACRO", d->q ? "ELSTM_DEVICE_S8_ARENA_BYTES" : "ELSTM_DEVICE_ARENA_BYTES");
    var_set(v, "DTYPE", d->q ? "int8" : "float32");
    /* package metadata: raw for library.properties (checked: one line each), escaped for
     * JSON and YAML double-quoted strings (the same escapes); the optional fields of
     * library.json and idf_component.yml only when given */
    var_set(v, "LIB_VERSION", elstm_codegen_lib_version(o));
    var_set(v, "AUTHOR", elstm_codegen_author(o));
    var_set(v, "MAINTAINER", elstm_codegen_maintainer(o));
    var_set(v, "URL", elstm_codegen_url(o));
    cg_puts(&b, "[\n    ");
    put_person_json(&b, elstm_codegen_author(o), 0);
    cg_puts(&b, ",\n    ");
    put_person_json(&b, elstm_codegen_maintainer(o), 1);
    cg_puts(&b, "\n  ]");
    var_take(v, "AUTHORS_JSON", &b);
    if (o->url) {
        cg_puts(&b, "  \"homepage\": \"");
        put_jsonsafe(&b, o->url);
        cg_puts(&b, "\",\n");
    }
    var_take(v, "HOMEPAGE_JSON", &b);
    cg_puts(&b, "maintainers:\n  - \"");
    put_jsonsafe(&b, elstm_codegen_maintainer(o));
    cg_puts(&b, "\"\n");
    if (o->url) {
        cg_puts(&b, "url: \"");
        put_jsonsafe(&b, o->url);
        cg_puts(&b, "\"\n");
    }
    var_take(v, "IDF_META", &b);
    var_set(v, "TIME_USE", d->timed ? "; the calendar inputs are computed from it"
                                    : "; this model has no calendar inputs, so it is not used");

    /* sensors, inputs: documentation lines for the header and the README */
    for (int s = 0; s < d->n_sensors; s++) {
        cg_printf(&b, " *   sample[%d] = ", s);
        put_commentsafe(&b, d->sensors[s]);
        cg_puts(&b, d->sensor_compass[s] ? ": compass direction in degrees clockwise from north (N = 0, E = 90;"
                                           " negative = calm)\n"
                                         : ": value in the training CSV's units\n");
    }
    if (d->n_sensors == 0) cg_puts(&b, " *   (none: every input is a calendar input)\n");
    chop(&b);
    var_take(v, "SENSOR_DOC", &b);
    cg_buf t = {0};
    for (int i = 0; i < d->I; i++) {
        const cg_input *in = &d->in[i];
        cg_printf(&b, " *   %2d ", i);
        put_commentsafe(&b, in->name);
        cg_printf(&b, ": %s of ", encoding_text(in));
        put_commentsafe(&b, in->source);
        cg_printf(&b, ", min %.9g, max %.9g\n", in->min, in->max);
        cg_printf(&t, "| %d | ", i);
        put_commentsafe(&t, in->name);
        cg_printf(&t, " | %s of ", encoding_text(in));
        put_commentsafe(&t, in->source);
        cg_printf(&t, " | %.9g | %.9g |\n", in->min, in->max);
    }
    chop(&b);
    chop(&t);
    var_take(v, "INPUT_DOC", &b);
    var_take(v, "INPUT_TABLE", &t);

    /* the example's window */
    float y_norm = 0.0f;
    elstm_status st = elstm_codegen_forecast(cm, window, &y_norm, diag);
    if (st != ELSTM_OK) return st;
    if (o->sample) {
        cg_puts(&b, " * ");
        if (o->sample_note) {
            for (const char *p = o->sample_note; *p; p++) {
                if (*p == '\n') {
                    if (p[1]) cg_puts(&b, "\n * ");
                    continue;
                }
                char c[2] = {*p, 0};
                put_commentsafe(&b, c);
            }
        } else {
            cg_puts(&b, "a window given to edgelstm deploy --sample");
        }
        cg_puts(&b, "\n");
    } else {
        cg_printf(&b, " * synthetic (no --sample given): x[t][i] = 0.5 + 0.4 sin(2 pi (t / 24 + i / %d)).\n", d->I);
    }
    cg_printf(&b, " * edgelstm computed on the host: value %.5f (normalized), ", (double)y_norm);
    put_commentsafe(&b, d->target);
    cg_printf(&b, " %.2f.", (double)y_norm * (d->target_max - d->target_min) + d->target_min);
    var_take(v, "SAMPLE_NOTE", &b);
    put_window(&b, window, d->steps, d->I);
    var_take(v, "FEATURES", &b);

    /* runtime includes of NAME.c: every runtime .c (the embedded runtime is what devices
     * get: the Makefile embeds runtime/ and leaves runtime/host/ out) */
    for (int i = 0; i < elstm_runtime_file_count; i++) {
        const char *f = elstm_runtime_files[i].name;
        size_t n = strlen(f);
        if (strncmp(f, "runtime/", 8) != 0 || n < 3 || strcmp(f + n - 2, ".c") != 0) continue;
        cg_printf(&b, "#include \"edgelstm/%s\"\n", f + 8);
    }
    chop(&b);
    var_take(v, "RUNTIME_INCLUDES", &b);
    return ELSTM_OK;
}

/* Where the embedded runtime file `repo_path` goes inside the library's edgelstm/ folder. */
static const char *runtime_dest(const char *repo_path)
{
    if (strncmp(repo_path, "include/edgelstm/", 17) == 0) return repo_path + 17;
    if (strncmp(repo_path, "runtime/", 8) == 0) return repo_path + 8;
    return NULL;
}

static elstm_status add_sources(elstm_genlib *lib, const char *srcdir, const char *name, const cg_model *d,
                                const cg_vars *v, elstm_diag *diag)
{
    char path[256];
    elstm_status st;
    cg_buf b = {0};
    snprintf(path, sizeof path, "%s%s.h", srcdir, name);
    if ((st = add_expanded(lib, path, "api.h.in", v, diag)) != ELSTM_OK) return st;
    snprintf(path, sizeof path, "%s%s.c", srcdir, name);
    if ((st = add_expanded(lib, path, "lib.c.in", v, diag)) != ELSTM_OK) return st;
    snprintf(path, sizeof path, "%s%s_inferencing.h", srcdir, name);
    if ((st = add_expanded(lib, path, "inferencing.h.in", v, diag)) != ELSTM_OK) return st;
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->key[i], "BANNER") == 0) gen_model_h(d, name, v->val[i], &b);
    snprintf(path, sizeof path, "%s%s_model.h", srcdir, name);
    if ((st = cg_add(lib, path, &b, diag)) != ELSTM_OK) return st;
    for (int i = 0; i < elstm_runtime_file_count; i++) {
        const char *dest = runtime_dest(elstm_runtime_files[i].name);
        if (!dest) continue;
        snprintf(path, sizeof path, "%sedgelstm/%s", srcdir, dest);
        st = cg_add_bytes(lib, path, elstm_runtime_files[i].data, elstm_runtime_files[i].size, diag);
        if (st != ELSTM_OK) return st;
    }
    return ELSTM_OK;
}

static const char *layout_text(elstm_target t)
{
    switch (t) {
    case ELSTM_TARGET_C:
        return "Files: `NAME.h` (constants and API), `NAME.c` (the one source to compile),\n"
               "`NAME_model.h` (weights and scaler, data only), `NAME_inferencing.h` (Edge Impulse style\n"
               "API), `edgelstm/` (the runtime, unchanged), `examples/static_buffer.c`. `make` builds\n"
               "`libNAME.a` and `./static_buffer`; in your own build, compile `NAME.c` with this folder\n"
               "on the include path and link `-lm`.";
    case ELSTM_TARGET_ARDUINO:
        return "Install: Arduino IDE, Sketch > Include Library > Add .ZIP Library... (or unzip into\n"
               "your `libraries/` folder). Then File > Examples > NAME > static_buffer. The sources are\n"
               "in `src/` (`NAME.c` includes the runtime in `src/edgelstm/`).";
    case ELSTM_TARGET_ESP_IDF:
        return "Install: copy this folder to your project's `components/NAME`, add `NAME` to the\n"
               "`REQUIRES` of your main component, `#include \"NAME.h\"`; `idf.py build flash monitor`.\n"
               "`examples/static_buffer.c` is a complete `app_main()`.";
    case ELSTM_TARGET_PLATFORMIO:
        return "Install: copy this folder into your project's `lib/` (or add its path to `lib_deps`\n"
               "in `platformio.ini`); `#include <NAME.h>`. Only `src/NAME.c` is compiled (it includes\n"
               "the runtime in `src/edgelstm/`). `examples/static_buffer/` is an Arduino sketch.";
    }
    return "";
}

elstm_status elstm_codegen_generate(const elstm_codegen_model *cm, const elstm_codegen_opts *o,
                                    elstm_genlib *lib, elstm_diag *diag)
{
    cg_model *d = NULL;
    cg_vars v = {0};
    float *synthetic = NULL;
    elstm_status st;
    char path[256], root[ELSTM_CODEGEN_NAME_MAX + 8], src[ELSTM_CODEGEN_NAME_MAX + 16];

    memset(lib, 0, sizeof *lib);
    if ((st = elstm_codegen_check_name(o->name, diag)) != ELSTM_OK) return st;
    if ((st = elstm_codegen_check_meta(o, diag)) != ELSTM_OK) return st;
    d = malloc(sizeof *d);
    if (!d) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    if ((st = describe(cm, d, diag)) != ELSTM_OK) goto done;
    if ((st = check_weights(d, cm->source, diag)) != ELSTM_OK) goto done;
    const float *window = o->sample;
    if (window) {
        if ((st = check_finite("the sample window", window, (size_t)d->steps * d->I, NULL, diag)) != ELSTM_OK)
            goto done;
    } else {
        synthetic = malloc((size_t)d->steps * d->I * sizeof(float));
        if (!synthetic) {
            st = elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
            goto done;
        }
        elstm_codegen_synthetic_window(d->steps, d->I, synthetic);
        window = synthetic;
    }
    if ((st = make_vars(d, cm, o, window, &v, diag)) != ELSTM_OK) goto done;
    {
        /* the README's layout paragraph names the library */
        cg_buf b = {0};
        const char *t = layout_text(o->target);
        for (const char *p = t; *p; p++) {
            if (strncmp(p, "NAME", 4) == 0) {
                cg_puts(&b, o->name);
                p += 3;
            } else {
                cg_putn(&b, p, 1);
            }
        }
        var_take(&v, "LAYOUT", &b);
    }

    root[0] = '\0';
    snprintf(src, sizeof src, "src/");
    switch (o->target) {
    case ELSTM_TARGET_C:
    case ELSTM_TARGET_ESP_IDF:
        src[0] = '\0';
        break;
    case ELSTM_TARGET_ARDUINO:
        snprintf(root, sizeof root, "%s/", o->name);
        snprintf(src, sizeof src, "%s/src/", o->name);
        break;
    case ELSTM_TARGET_PLATFORMIO:
        break;
    }
    if ((st = add_sources(lib, src, o->name, d, &v, diag)) != ELSTM_OK) goto done;
    snprintf(path, sizeof path, "%sREADME.md", root);
    if ((st = add_expanded(lib, path, "README.md.in", &v, diag)) != ELSTM_OK) goto done;
    switch (o->target) {
    case ELSTM_TARGET_C:
        if ((st = add_expanded(lib, "Makefile", "Makefile.in", &v, diag)) != ELSTM_OK) goto done;
        st = add_expanded(lib, "examples/static_buffer.c", "static_buffer.c.in", &v, diag);
        break;
    case ELSTM_TARGET_ESP_IDF:
        if ((st = add_expanded(lib, "CMakeLists.txt", "CMakeLists.txt.in", &v, diag)) != ELSTM_OK) goto done;
        if ((st = add_expanded(lib, "idf_component.yml", "idf_component.yml.in", &v, diag)) != ELSTM_OK) goto done;
        st = add_expanded(lib, "examples/static_buffer.c", "static_buffer.c.in", &v, diag);
        break;
    case ELSTM_TARGET_ARDUINO:
        snprintf(path, sizeof path, "%slibrary.properties", root);
        if ((st = add_expanded(lib, path, "library.properties.in", &v, diag)) != ELSTM_OK) goto done;
        snprintf(path, sizeof path, "%sexamples/static_buffer/static_buffer.ino", root);
        st = add_expanded(lib, path, "static_buffer.ino.in", &v, diag);
        break;
    case ELSTM_TARGET_PLATFORMIO:
        if ((st = add_expanded(lib, "library.json", "library.json.in", &v, diag)) != ELSTM_OK) goto done;
        st = add_expanded(lib, "examples/static_buffer/static_buffer.ino", "static_buffer.ino.in", &v, diag);
        break;
    }
    if (st == ELSTM_OK && o->target != ELSTM_TARGET_ARDUINO) {
        /* marks the folder as edgelstm's, so that a later deploy may replace it */
        char marker[160];
        int n = snprintf(marker, sizeof marker, "edgelstm %s deploy --target %s --name %s\n", ELSTM_VERSION,
                         elstm_target_name(o->target), o->name);
        st = cg_add_bytes(lib, ".edgelstm", marker, (size_t)n, diag);
    }
done:
    vars_free(&v);
    free(synthetic);
    free(d);
    if (st != ELSTM_OK) elstm_genlib_free(lib);
    return st;
}
