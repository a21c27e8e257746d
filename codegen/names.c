/*
 * names.c - does a library NAME clash with an identifier the library itself holds?
 *
 * A generated library defines NAME-derived identifiers (NAME_init, NAME_state, NAME_H,
 * NAME_UC_STEPS, ...) beside fixed ones: the runtime's (elstm_*, ELSTM_*, its header
 * guards EDGELSTM_*_H), the Edge Impulse style API (run_classifier, ei_impulse_result_t,
 * EI_CLASSIFIER_*, EIDSP_OK) and the C library's. NAME clashes when one of its derived
 * identifiers equals a fixed one: `--name edgelstm_lstm` would make the header guard
 * EDGELSTM_LSTM_H of the runtime's lstm.h, `--name run_classifier` the API's
 * run_classifier_init; either library would not compile.
 *
 * Rather than a list that drifts from the templates, both sets are read from libraries
 * generated (in memory) for a probe name and a one-unit model, for every target: the
 * identifiers (outside comments and literals) of their C sources that hold the probe are
 * the forms of the name (NAME_init, ei_NAME_state, NAME_UC_H), the rest are fixed.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/lstm.h"
#include "internal.h"

#define PROBE "zqxnameprobe"
#define PROBE_UC "ZQXNAMEPROBE"

typedef struct ident_set {
    char **v;
    size_t n, cap;
    int oom;
} ident_set;

static int has(const ident_set *s, const char *x, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == len && memcmp(s->v[i], x, len) == 0) return 1;
    return 0;
}

static void add(ident_set *s, const char *x, size_t len)
{
    if (s->oom || has(s, x, len)) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->oom = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c) {
        s->oom = 1;
        return;
    }
    memcpy(c, x, len);
    c[len] = '\0';
    s->v[s->n++] = c;
}


static int is_source(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (strcmp(dot, ".c") == 0 || strcmp(dot, ".h") == 0 || strcmp(dot, ".ino") == 0);
}

/* Sort the identifiers of C text into forms of the name and fixed identifiers; comments,
 * strings and character constants are skipped. A form is stored as "PREFIX@SUFFIX" with
 * '@' where the name goes ("@_init", "ei_@_state", "@_H" in `upper` for the capitals). */
static void scan(const char *s, size_t n, ident_set *lower, ident_set *upper, ident_set *fixed)
{
    const size_t pl = strlen(PROBE);
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n') i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            i += 2;
            while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) i++;
            i += 2;
        } else if (c == '"' || c == '\'') {
            for (i++; i < n && s[i] != c && s[i] != '\n'; i++)
                if (s[i] == '\\') i++;
            i++;
        } else if (isalpha((unsigned char)c) || c == '_') {
            size_t a = i;
            while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_')) i++;
            const char *w = s + a;
            size_t len = i - a;
            char form[256];
            int is_form = 0;
            for (size_t k = 0; k + pl <= len && !is_form && len < sizeof form; k++) {
                int lo = memcmp(w + k, PROBE, pl) == 0, up = memcmp(w + k, PROBE_UC, pl) == 0;
                if (!lo && !up) continue;
                memcpy(form, w, k);
                form[k] = '@';
                memcpy(form + k + 1, w + k + pl, len - k - pl);
                add(lo ? lower : upper, form, len - pl + 1);
                is_form = 1;
            }
            if (!is_form) add(fixed, w, len);
        } else if (isdigit((unsigned char)c)) {
            while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.')) i++;
        } else {
            i++;
        }
    }
}

/* A form with the name in place of '@'. */
static void fill(const char *form, const char *name, char *out, size_t n)
{
    const char *at = strchr(form, '@');
    snprintf(out, n, "%.*s%s%s", (int)(at - form), form, name, at + 1);
}

/* The forms and fixed identifiers, read once per process. */
static ident_set g_lower, g_upper, g_fixed;
static elstm_status g_status;
static elstm_diag g_diag;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void read_identifiers(void)
{
    static const float zero[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    /* one layer and one output (runtime/device.c), and two layers with two outputs (which
     * also ship runtime/multi/) */
    elstm_lstm_f32 l[2];
    memset(l, 0, sizeof l);
    for (int k = 0; k < 2; k++) {
        l[k].n_input = l[k].n_units = 1;
        for (int g = 0; g < ELSTM_GATES; g++) l[k].wx[g] = l[k].wh[g] = l[k].b[g] = zero;
    }
    elstm_diag_clear(&g_diag);
    g_status = ELSTM_OK;
    const int targets = elstm_target_count();
    for (int v = 0; v < targets * 2 && g_status == ELSTM_OK; v++) {
        int t = v % targets, layers = 1 + v / targets;
        l[0].n_output = layers == 1 ? 1 : 0;
        l[0].wd = l[0].bd = layers == 1 ? zero : NULL;
        l[1].n_output = 2;
        l[1].wd = l[1].bd = zero;
        elstm_codegen_model m;
        memset(&m, 0, sizeof m);
        m.lstm = l;
        m.steps = 1;
        m.source = "probe.tflite";
        m.n_layers = layers;
        elstm_codegen_opts o;
        memset(&o, 0, sizeof o);
        o.target = (elstm_target)t;
        o.name = PROBE;
        elstm_genlib lib;
        g_status = cg_generate_unchecked(&m, &o, &lib, &g_diag);
        for (int i = 0; g_status == ELSTM_OK && i < lib.n; i++)
            if (is_source(lib.files[i].path)) scan(lib.files[i].data, lib.files[i].len, &g_lower, &g_upper, &g_fixed);
        if (g_status == ELSTM_OK) elstm_genlib_free(&lib);
    }
    if (g_status == ELSTM_OK && (g_lower.oom || g_upper.oom || g_fixed.oom))
        g_status = elstm_diag_set(&g_diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory checking the library name");
}

elstm_status cg_name_clash(const char *name, elstm_diag *diag)
{
    pthread_once(&g_once, read_identifiers);
    if (g_status != ELSTM_OK) return elstm_diag_set(diag, g_status, NULL, 0, "%s", g_diag.msg);
    char uc[ELSTM_CODEGEN_NAME_MAX + 1], cand[ELSTM_CODEGEN_NAME_MAX + 256], other[ELSTM_CODEGEN_NAME_MAX + 256];
    size_t nl = strlen(name);
    if (nl > ELSTM_CODEGEN_NAME_MAX) return ELSTM_OK;   /* refused before (too long) */
    int all_upper = 1;
    for (size_t i = 0; i <= nl; i++) {
        uc[i] = (char)toupper((unsigned char)name[i]);
        all_upper &= uc[i] == name[i];
    }
    for (int fam = 0; fam < 2; fam++) {
        const ident_set *forms = fam ? &g_upper : &g_lower;
        for (size_t i = 0; i < forms->n; i++) {
            fill(forms->v[i], fam ? uc : name, cand, sizeof cand);
            int clash = has(&g_fixed, cand, strlen(cand));
            /* an all-capitals NAME makes the two families meet */
            for (size_t k = 0; !clash && fam == 1 && all_upper && k < g_lower.n; k++) {
                fill(g_lower.v[k], name, other, sizeof other);
                clash = strcmp(other, cand) == 0;
            }
            if (clash)
                return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                      "the library name '%s' would define %s, which the library already holds (the "
                                      "runtime, the Edge Impulse style API or the C library); choose another",
                                      name, cand);
        }
    }
    return ELSTM_OK;
}
