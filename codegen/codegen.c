/*
 * codegen.c - the files of a generated device library (see edgelstm/codegen.h).
 *
 * Everything that is code comes from elsewhere: the runtime sources are copied unchanged
 * from the copies embedded in the executable, and the library's own C (NAME.c, the
 * headers, the examples, the build files) comes from the templates in codegen/templates/
 * (also embedded), whose @KEY@ placeholders take the values made here (make_vars). What
 * this file writes itself is data: the model's weights as `static const` arrays, its
 * scaler and input encodings, the example window, and the constants of the header.
 * The targets' layouts are the table of targets.c; text and templates are emit.c's;
 * writing the files is output.c's.
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "device.h"
#include "multi/device_multi.h"
#include "edgelstm/fileio.h"
#include "edgelstm/model.h"
#include "host/lstm_s8_pack.h"
#include "internal.h"

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

static elstm_status check_name_basic(const char *name, elstm_diag *diag)
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
    /* namespaces the runtime and the Edge Impulse style API own, in any case */
    static const char *const reserved[] = {"elstm", "edgelstm", "ei_", "eidsp", "run_classifier"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strncasecmp(name, reserved[i], strlen(reserved[i])) == 0)
            return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0,
                                  "the library name '%s' starts with '%s', a prefix the runtime or the Edge "
                                  "Impulse style API uses (elstm, edgelstm, ei_, eidsp, run_classifier, in any "
                                  "case); choose another",
                                  name, reserved[i]);
    return ELSTM_OK;
}

elstm_status elstm_codegen_check_name(const char *name, elstm_diag *diag)
{
    elstm_status st = check_name_basic(name, diag);
    return st == ELSTM_OK ? cg_name_clash(name, diag) : st;
}

elstm_status elstm_codegen_load(const char *path, elstm_forecaster *f, uint32_t *crc32, elstm_diag *diag)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    memset(f, 0, sizeof *f);
    elstm_status st = elstm_read_file(path, &bytes, &len, 0, diag);
    if (st != ELSTM_OK) return st;
    *crc32 = elstm_crc32(bytes, len);
    st = elstm_forecaster_load_buffer(bytes, len, path, f, diag);
    free(bytes);
    return st;
}

int elstm_codegen_multi(int32_t n_layers, int32_t n_outputs, const elstm_meta *meta)
{
    int lead = 0;
    for (int i = 0; meta && i < meta->n_inputs; i++) lead |= meta->inputs[i].lead != 0;
    return n_layers > 1 || n_outputs > 1 ||
           (meta && (meta->target_mode == ELSTM_TARGET_DELTA || meta->n_intervals > 0 || lead));
}

static void figures(const elstm_lstm_f32 *layers, int32_t n_layers, int32_t steps, const elstm_meta *meta,
                    elstm_model_figures *f)
{
    const elstm_lstm_f32 *top = &layers[n_layers - 1];
    uint64_t O = (uint64_t)top->n_output, units = 0;
    f->macs = O * (uint64_t)top->n_units;
    f->weight_bytes = sizeof(float) * (O * (uint64_t)top->n_units + O);
    for (int32_t k = 0; k < n_layers; k++) {
        uint64_t N = (uint64_t)layers[k].n_units, I = (uint64_t)layers[k].n_input;
        f->macs += (uint64_t)steps * 4u * N * (I + N);
        f->weight_bytes += sizeof(float) * (4u * N * (I + N) + 4u * N);
        units += N;
    }
    if (!elstm_codegen_multi(n_layers, (int32_t)O, meta))   /* runtime/device.c */
        f->arena_bytes = ELSTM_DEVICE_ARENA_BYTES(steps, layers[0].n_input, layers[0].n_units);
    else   /* runtime/multi/device_multi.c */
        f->arena_bytes = ELSTM_DEVICE_MULTI_ARENA_BYTES(steps, layers[0].n_input, n_layers, units, O);
}

void elstm_model_figures_layers(const elstm_lstm_f32 *layers, int32_t n_layers, int32_t steps,
                                elstm_model_figures *f)
{
    figures(layers, n_layers, steps, NULL, f);
}

/* An int8 model's figures (one integer LSTM + Dense(N): runtime/device.c's int8
 * forecaster, or runtime/multi/'s for several outputs or forecasting options). */
static void figures_s8(const elstm_net_s8 *n, int32_t steps, const elstm_meta *meta, elstm_model_figures *f)
{
    uint64_t N = (uint64_t)n->lstm.q.n_units, I = (uint64_t)n->lstm.q.n_input, O = (uint64_t)n->dense.n_out;
    f->macs = (uint64_t)steps * 4u * N * (I + N) + O * N;
    f->weight_bytes = 4u * N * (I + N) + O * N + sizeof(int32_t) * (4u * N + O) +
                      sizeof(elstm_qmult) * (uint64_t)(n->dense.per_channel ? O : 1);
    if (!elstm_codegen_multi(1, n->dense.n_out, meta))
        f->arena_bytes = ELSTM_DEVICE_S8_ARENA_BYTES(steps, n->lstm.q.n_input, n->lstm.q.n_units);
    else
        f->arena_bytes = ELSTM_DEVICE_MULTI_S8_ARENA_BYTES(steps, n->lstm.q.n_input, n->lstm.q.n_units, n->dense.n_out);
}

void elstm_model_figures_of(const elstm_forecaster *fc, elstm_model_figures *f)
{
    if (fc->dtype == ELSTM_FORECASTER_S8) figures_s8(&fc->net8, fc->steps, fc->has_meta ? &fc->meta : NULL, f);
    else figures(fc->layers, fc->n_layers, fc->steps, fc->has_meta ? &fc->meta : NULL, f);
}

void elstm_model_figures_get(const elstm_lstm_f32 *l, int32_t steps, elstm_model_figures *f)
{
    elstm_model_figures_layers(l, 1, steps, f);
}

elstm_status elstm_codegen_model_of(const elstm_forecaster *f, const char *source, uint32_t crc32,
                                    elstm_codegen_model *m, elstm_diag *diag)
{
    memset(m, 0, sizeof *m);
    if (f->dtype == ELSTM_FORECASTER_S16)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, source, 0,
                              "the model is 16x8 (int16 activations); deploy writes float32 and int8 "
                              "models (quantize with --scheme int8), 16x8 ones run on the host and in "
                              "TFLite Micro");
    m->lstm = f->layers;
    m->n_layers = f->n_layers;
    m->steps = f->steps;
    m->meta = f->has_meta ? &f->meta : NULL;
    m->source = source;
    m->crc32 = crc32;
    m->net8 = f->dtype == ELSTM_FORECASTER_S8 ? &f->net8 : NULL;
    return ELSTM_OK;
}

void elstm_codegen_figures(const elstm_codegen_model *m, elstm_model_figures *f)
{
    if (m->net8) figures_s8(m->net8, m->steps, m->meta, f);
    else figures(m->lstm, m->n_layers > 0 ? m->n_layers : 1, m->steps, m->meta, f);
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
    int lead;                      /* calendar inputs of the forecast time: lead intervals ahead */
} cg_input;

typedef struct cg_model {
    const elstm_lstm_f32 *l;       /* the layers [n_layers]; l[n_layers - 1] holds the dense layer;
                                      for int8 only the sizes and cell_clip */
    const elstm_net_s8 *q;         /* int8 (one layer, one output): the runtime params, else NULL */
    int32_t n_layers, O;           /* LSTM layers, outputs */
    int multi;                     /* several layers or outputs: the library ships runtime/multi/ */
    int32_t steps, I, N;           /* I, N: the first layer's */
    int n_sensors;
    char sensors[ELSTM_META_MAX_INPUTS][ELSTM_NAME_MAX];
    int sensor_compass[ELSTM_META_MAX_INPUTS];
    cg_input in[ELSTM_META_MAX_INPUTS];
    int timed;
    char target[ELSTM_NAME_MAX];
    double target_min, target_max;
    int64_t interval_s;
    int horizon;
    /* forecasting options, each carried by runtime/multi/ (a library that has none of them
     * is what it always was): the change from the last value, calendar inputs of the
     * forecast time, prediction intervals */
    int delta, target_input, lead;
    int n_levels;
    double levels[ELSTM_META_MAX_LEVELS];
    double halfwidth[ELSTM_META_MAX_LEVELS][ELSTM_MAX_HORIZONS];
    int has_meta;                  /* the file carries edgelstm metadata (else in0.., no scaler) */
    int stateful;                  /* train --stateful: the library streams (NAME_push_sample) */
} cg_model;

/* The library holds each scaler as float32: min, max, max - min and (inputs) 1 / (max - min)
 * must all be finite float32 numbers, else it would not compile (inf) or would compute
 * nonsense. Checked before anything is written. */
static elstm_status check_scaler(const char *source, const char *what, double min, double max, int inverse,
                                 elstm_diag *diag)
{
    double range = max - min;
    int ok = isfinite(min) && isfinite(max) && min <= max && fabs(min) <= FLT_MAX && fabs(max) <= FLT_MAX &&
             range <= FLT_MAX && (!inverse || range == 0.0 || 1.0 / range <= FLT_MAX);
    if (ok) return ELSTM_OK;
    return elstm_diag_set(diag, ELSTM_ERR_DATA, source, 0,
                          "%s has a scaler (min %g, max %g) that float32, the device library's number type, "
                          "cannot hold (values and their range at most 3.4e38, a range of 0 or above 2.9e-39); "
                          "rescale the column (other units) and train again",
                          what, min, max);
}

static elstm_status describe(const elstm_codegen_model *cm, cg_model *d, elstm_diag *diag)
{
    elstm_status st;
    const elstm_lstm_f32 *l = cm->lstm;
    const elstm_meta *meta = cm->meta;
    memset(d, 0, sizeof *d);
    d->n_layers = cm->n_layers > 0 ? cm->n_layers : 1;
    if (!l || l->n_input < 1 || l->n_units < 1 || cm->steps < 1)
        return elstm_diag_set(diag, ELSTM_ERR_ARG, cm->source, 0, "the model has no LSTM weights to deploy");
    if (d->n_layers > ELSTM_DEVICE_MAX_LAYERS)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0,
                              "the model has %d LSTM layers; a device library holds at most %d", (int)d->n_layers,
                              ELSTM_DEVICE_MAX_LAYERS);
    const elstm_lstm_f32 *top = &l[d->n_layers - 1];
    if (cm->net8 && (d->n_layers != 1 || cm->net8->dense.n_out < 1 || cm->net8->dense.n_in != l->n_units))
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0,
                              "the int8 model is not one integer LSTM layer followed by a dense layer reading its "
                              "units; deploy writes int8 forecasters of that shape (LSTM + Dense(N))");
    if (!cm->net8 && (top->n_output < 1 || !top->wd || elstm_lstm_stack_check_f32(l, d->n_layers) != ELSTM_OK))
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0,
                              "the model's layers do not form a forecaster (LSTM layers, each reading the one before, "
                              "then a dense layer with at least one output)");
    if (l->n_input > ELSTM_META_MAX_INPUTS)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0, "the model has %d inputs per step (at most %d)",
                              (int)l->n_input, ELSTM_META_MAX_INPUTS);
    d->O = cm->net8 ? cm->net8->dense.n_out : top->n_output;
    d->multi = d->n_layers > 1 || d->O > 1;
    d->l = l;
    d->q = cm->net8;
    d->steps = cm->steps;
    d->I = l->n_input;
    d->N = l->n_units;
    d->horizon = 1;
    d->has_meta = meta != NULL;
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
        char what[ELSTM_NAME_MAX + 32];
        snprintf(what, sizeof what, "input '%s'", mi->name);
        if ((st = check_scaler(cm->source, what, mi->min, mi->max, 1, diag)) != ELSTM_OK) return st;
        switch (mi->enc) {
        case ELSTM_ENC_TIME_SIN:
        case ELSTM_ENC_TIME_COS:
            if (mi->tf < ELSTM_TF_HOUR || mi->tf > ELSTM_TF_MONTH)
                return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0, "input '%s' has no calendar cycle", mi->name);
            in->encoding = mi->enc;
            in->cycle = mi->tf;
            in->sensor = -1;
            in->lead = mi->lead;
            d->lead |= mi->lead != 0;
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
    char what[ELSTM_NAME_MAX + 32];
    snprintf(what, sizeof what, "the target '%s'", d->target);
    if ((st = check_scaler(cm->source, what, d->target_min, d->target_max, 0, diag)) != ELSTM_OK) return st;
    d->interval_s = meta->interval_s > 0 ? meta->interval_s : 0;
    d->horizon = meta->horizon > 0 ? meta->horizon : 1;
    d->stateful = meta->stateful;
    if (d->stateful && d->q)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0,
                              "a stateful model streams in float32 only, not as an integer model");
    if (d->stateful && d->multi)
        return elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, cm->source, 0,
                              "a stateful model streams with one LSTM layer and one output, not %d layers and %d "
                              "outputs", (int)d->n_layers, (int)d->O);
    if (meta->target_mode == ELSTM_TARGET_DELTA) {
        if (meta->target_input < 0 || meta->target_input >= d->I)
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0,
                                  "the model learns the change of its target, which is not among its inputs");
        d->delta = 1;
        d->target_input = meta->target_input;
    }
    if (d->lead && d->interval_s <= 0)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0,
                              "the model has calendar inputs of the forecast time but no sampling interval");
    for (int i = 0; i < d->I; i++)
        if (d->in[i].lead < 0 || (int64_t)d->in[i].lead * d->interval_s > INT32_MAX)
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0,
                                  "input '%s' looks %d intervals ahead, more than a device's 32-bit seconds hold",
                                  d->in[i].name, d->in[i].lead);
    if (meta->n_intervals > 0 && elstm_meta_outputs(meta) != d->O)
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, cm->source, 0,
                              "the model's intervals are for %d outputs, its dense layer has %d",
                              elstm_meta_outputs(meta), (int)d->O);
    d->n_levels = meta->n_intervals;
    for (int lv = 0; lv < d->n_levels; lv++) {
        d->levels[lv] = meta->intervals[lv].level;
        for (int k = 0; k < d->O; k++) d->halfwidth[lv][k] = meta->intervals[lv].halfwidth[k];
    }
    d->multi = elstm_codegen_multi(d->n_layers, d->O, meta);
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
                cg_put_float(b, row[k]);
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
    elstm_status st = ELSTM_OK;
    if (d->q) return ELSTM_OK;   /* integers; the runtime's init checks the params (host_forecast) */
    for (int32_t k = 0; k < d->n_layers && st == ELSTM_OK; k++) {
        const elstm_lstm_f32 *l = &d->l[k];
        const size_t I = (size_t)l->n_input, N = (size_t)l->n_units;
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
        if (st == ELSTM_OK && !(l->cell_clip >= 0.0f && isfinite(l->cell_clip)))
            return elstm_diag_set(diag, ELSTM_ERR_FORMAT, source, 0,
                                  "the model's cell clip %g is not a finite value >= 0", (double)l->cell_clip);
    }
    const elstm_lstm_f32 *top = &d->l[d->n_layers - 1];
    if (st == ELSTM_OK) st = check_finite("Wd", top->wd, (size_t)top->n_units * (size_t)d->O, source, diag);
    if (st == ELSTM_OK && top->bd) st = check_finite("bd", top->bd, (size_t)d->O, source, diag);
    return st;
}

/* The gate weight arrays of one layer, named PREFIX_wx_g, PREFIX_wh_g, PREFIX_b_g. */
static void gen_layer_arrays(cg_buf *b, const char *prefix, const elstm_lstm_f32 *l)
{
    const int I = l->n_input, N = l->n_units;
    char decl[128], what[96];
    for (int g = 0; g < ELSTM_GATES; g++) {
        snprintf(decl, sizeof decl, "static const float %s_wx_%c", prefix, gate_names[g]);
        snprintf(what, sizeof what, "Wx_%c: inputs -> %s", gate_names[g], gate_words[g]);
        put_floats(b, decl, what, l->wx[g], N, I, "unit");
    }
    for (int g = 0; g < ELSTM_GATES; g++) {
        snprintf(decl, sizeof decl, "static const float %s_wh_%c", prefix, gate_names[g]);
        snprintf(what, sizeof what, "Wh_%c: previous h -> %s", gate_names[g], gate_words[g]);
        put_floats(b, decl, what, l->wh[g], N, N, "unit");
    }
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (!l->b[g]) continue;
        snprintf(decl, sizeof decl, "static const float %s_b_%c", prefix, gate_names[g]);
        snprintf(what, sizeof what, "b_%c: %s bias, one per unit", gate_names[g], gate_words[g]);
        put_floats(b, decl, what, l->b[g], 1, N, NULL);
    }
}

/* The fields of an elstm_lstm_f32 initializer for layer l (arrays PREFIX_*, dense arrays
 * NAME_wd / NAME_bd when `dense` is NAME, none when NULL), each line after `ind`. */
static void put_lstm_fields(cg_buf *b, const char *ind, const char *prefix, const elstm_lstm_f32 *l, const char *dense)
{
    cg_printf(b, "%s.n_input = %d,\n%s.n_units = %d,\n%s.n_output = %d,\n%s.cell_clip = ", ind, (int)l->n_input, ind,
              (int)l->n_units, ind, dense ? (int)l->n_output : 0, ind);
    cg_put_float(b, l->cell_clip);
    cg_printf(b, ",\n%s.wx = {", ind);
    for (int g = 0; g < ELSTM_GATES; g++) cg_printf(b, "%s_wx_%c%s", prefix, gate_names[g], g < 3 ? ", " : "},\n");
    cg_printf(b, "%s.wh = {", ind);
    for (int g = 0; g < ELSTM_GATES; g++) cg_printf(b, "%s_wh_%c%s", prefix, gate_names[g], g < 3 ? ", " : "},\n");
    cg_printf(b, "%s.b = {", ind);
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (l->b[g]) cg_printf(b, "%s_b_%c", prefix, gate_names[g]);
        else cg_puts(b, "NULL");
        cg_puts(b, g < 3 ? ", " : "},\n");
    }
    if (dense)
        cg_printf(b, "%s.wd = %s_wd,\n%s.bd = %s%s,\n", ind, dense, ind, l->bd ? dense : "NULL", l->bd ? "_bd" : "");
    else
        cg_printf(b, "%s.wd = NULL,\n%s.bd = NULL,\n", ind, ind);
    cg_printf(b, "%s.packed = NULL,\n", ind);
}

/* The target's scaler as initializer fields (forecast = y_norm * range + min). */
static void put_target_fields(cg_buf *b, const char *ind, const cg_model *d)
{
    cg_printf(b, "%s.target_min = ", ind);
    cg_put_float(b, (float)d->target_min);
    cg_printf(b, ",\n%s.target_range = ", ind);
    cg_put_float(b, (float)(d->target_max - d->target_min));
    cg_puts(b, ",\n");
}

/* The arrays of the forecasting options (before the model that points at them). */
static void gen_options_arrays(const cg_model *d, const char *name, cg_buf *b)
{
    if (d->lead) {
        cg_printf(b, "/* Calendar inputs of the forecast time: computed from the sample's time + these seconds. */\n"
                     "static const int32_t %s_lead_s[%d] = {", name, (int)d->I);
        for (int i = 0; i < d->I; i++)
            cg_printf(b, "%s%lld", i ? ", " : "", (long long)((int64_t)d->in[i].lead * d->interval_s));
        cg_puts(b, "};\n\n");
    }
    if (d->n_levels > 0) {
        char decl[96];
        float hw[ELSTM_META_MAX_LEVELS * ELSTM_MAX_HORIZONS];
        cg_printf(b, "/* Prediction intervals (split conformal): levels in per cent, and per level and output the\n"
                     " * half-width in the target's units: forecast -+ half-width. */\nstatic const float %s_levels[%d] = {",
                  name, d->n_levels);
        for (int l = 0; l < d->n_levels; l++) {
            cg_puts(b, l ? ", " : "");
            cg_put_float(b, (float)d->levels[l]);
        }
        cg_puts(b, "};\n\n");
        for (int l = 0; l < d->n_levels; l++)
            for (int k = 0; k < d->O; k++) hw[l * d->O + k] = (float)d->halfwidth[l][k];
        snprintf(decl, sizeof decl, "static const float %s_halfwidth", name);
        put_floats(b, decl, "half-widths [levels][outputs]", hw, d->n_levels, d->O, "level");
    }
}

/* The input encodings and the device model (every kind of model). */
static void gen_inputs_and_model(const cg_model *d, const char *name, cg_buf *b)
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
        cg_put_commentsafe(b, in->name);
        cg_printf(b, ": %s", encoding_text(in));
        if (in->sensor >= 0) cg_printf(b, " of sample[%d] (", in->sensor);
        else cg_puts(b, " (");
        cg_put_commentsafe(b, in->source);
        cg_printf(b, "), min %.9g, max %.9g */\n    {%s, %s, %d, ", in->min, in->max, encoding_enum(in->encoding),
                  cycle_enum(in->cycle), in->sensor);
        cg_put_float(b, (float)in->min);
        cg_puts(b, ", ");
        cg_put_float(b, range != 0.0 ? (float)(1.0 / range) : 0.0f);
        cg_puts(b, "},\n");
    }
    cg_puts(b, "};\n\n");
    if (!d->multi) {
        cg_puts(b, "/* The forecaster: the LSTM, the window length, the sensors, the target's scaler\n"
                   " * (forecast = y_norm * range + min; ");
        cg_put_commentsafe(b, d->target);
        cg_printf(b, ": min %.9g, max %.9g). */\n"
                     "static const elstm_device_model %s_model = {\n"
                     "    .lstm = %s%s%s,\n    .steps = %d,\n    .n_sensors = %d,\n    .inputs = %s_inputs,\n",
                  d->target_min, d->target_max, name, d->q ? "NULL" : "&", d->q ? "" : name, d->q ? "" : "_lstm",
                  (int)d->steps, d->n_sensors, name);
        put_target_fields(b, "    ", d);
        if (d->q) cg_printf(b, "    .net8 = &%s_net,\n", name);
        cg_puts(b, "};\n");
        return;
    }
    gen_options_arrays(d, name, b);
    cg_printf(b, "/* The forecaster: the %s, the window length, the sensors, the target's scaler\n"
                 " * (each forecast = y_norm * range + min; ", d->q ? "int8 network" : "layers");
    cg_put_commentsafe(b, d->target);
    cg_printf(b, ": min %.9g, max %.9g). */\n"
                 "static const elstm_device_multi_model %s_model = {\n"
                 "    .base = {\n",
              d->target_min, d->target_max, name);
    if (d->q) cg_puts(b, "        .lstm = NULL,\n");
    else cg_printf(b, "        .lstm = &%s_layers[0],\n", name);
    cg_printf(b, "        .steps = %d,\n        .n_sensors = %d,\n        .inputs = %s_inputs,\n", (int)d->steps,
              d->n_sensors, name);
    put_target_fields(b, "        ", d);
    if (d->q) cg_printf(b, "        .net8 = &%s_net,\n", name);
    if (d->q) cg_puts(b, "    },\n    .n_layers = 1,\n    .layers = NULL,\n");
    else cg_printf(b, "    },\n    .n_layers = %d,\n    .layers = %s_layers,\n", (int)d->n_layers, name);
    if (d->delta)
        cg_printf(b, "    .delta = 1,          /* outputs are changes from input %d (the target) at the last row */\n"
                     "    .target_input = %d,\n", d->target_input, d->target_input);
    if (d->lead) cg_printf(b, "    .lead_s = %s_lead_s,\n", name);
    if (d->n_levels > 0)
        cg_printf(b, "    .n_levels = %d,\n    .levels = %s_levels,\n    .halfwidth = %s_halfwidth,\n", d->n_levels, name,
                  name);
    cg_puts(b, "};\n");
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

/* One kernel's pre-arranged int8 LSTM weights (`words` words written by `pack`), compiled
 * only when `macro` is defined; `rows` > 1 splits them by unit. 0 when out of memory. */
static int put_packed_s8(cg_buf *b, const char *macro, const char *decl, const char *what, const elstm_lstm_s8 *l,
                         size_t words, void (*pack)(const elstm_lstm_s8 *, uint32_t *), size_t rows)
{
    uint32_t *p = malloc((words ? words : 1) * sizeof *p);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    pack(l, p);
    cg_printf(b, "#if defined(%s)\n", macro);
    put_ints(b, decl, what, p, 'x', rows, words / rows, rows > 1 ? "unit" : NULL);
    cg_puts(b, "#endif\n\n");
    free(p);
    return 1;
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
              " * pre-arranged for edgelstm/lstm_s8_dsp.c, on the ESP32 and ESP32-S3 widened to int16 for\n"
              " * edgelstm/lstm_s8_xtensa.c, elsewhere row-major as TFLite stores them\n"
              " * (Wx_g [%zu units][%zu inputs], Wh_g [%zu][%zu]). Define %s_WITH_REFERENCE to keep the\n"
              " * row-major copy on those cores too (for %s_predict_window_reference).\n"
              " */\n\n",
              name, name, banner, name, N, I, N, N, uc, name);
    /* the Xtensa layout, when that kernel can run the model (elstm_lstm_packed_words_s8_xtensa) */
    const size_t xt_words = elstm_lstm_packed_words_s8_xtensa(&net->lstm);
    const char *rowmajor = xt_words ? "(!defined(ELSTM_S8_KERNEL_DSP) && !defined(ELSTM_S8_KERNEL_XTENSA))"
                                    : "!defined(ELSTM_S8_KERNEL_DSP)";
    cg_printf(b, "#if %s || defined(%s_WITH_REFERENCE)\n", rowmajor, uc);
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
    snprintf(decl, sizeof decl, "static const uint32_t %s_w_dsp", name);
    if (!put_packed_s8(b, "ELSTM_S8_KERNEL_DSP", decl,
                       "the LSTM weights pre-arranged for the Cortex-M DSP kernel: per unit, two gate rows per "
                       "little-endian word (edgelstm/lstm_s8_dsp.c)",
                       &net->lstm, elstm_lstm_packed_words_s8_dsp(&net->lstm), elstm_lstm_pack_s8_dsp, (size_t)N))
        return;
    snprintf(decl, sizeof decl, "static const uint32_t %s_w_xt", name);
    if (xt_words && !put_packed_s8(b, "ELSTM_S8_KERNEL_XTENSA", decl,
                                   "the LSTM weights widened to int16 for the ESP32 kernel: per unit and gate, the input "
                                   "then the recurrent row, two per little-endian word (edgelstm/lstm_s8_xtensa.c)",
                                   &net->lstm, xt_words, elstm_lstm_pack_s8_xtensa, 1))
        return;
    for (int g = 0; g < ELSTM_GATES; g++) {
        if (!net->lstm.b[g]) continue;
        snprintf(decl, sizeof decl, "static const int32_t %s_b_%c", name, gate_names[g]);
        snprintf(what, sizeof what, "b_%c: %s bias (scale s_in s_wx), one per unit", gate_names[g], gate_words[g]);
        put_ints(b, decl, what, net->lstm.b[g], 'i', 1, N, NULL);
    }
    const size_t O = (size_t)d->O, n_mult = net->dense.per_channel ? O : 1;
    snprintf(decl, sizeof decl, "static const int8_t %s_wd", name);
    if (O == 1) put_ints(b, decl, "Wd: dense layer, h -> the forecast", net->dense.w, 'b', 1, N, NULL);
    else put_ints(b, decl, "Wd: dense layer, h -> the forecasts, one row per output", net->dense.w, 'b', O, N, "output");
    if (net->dense.b) {
        snprintf(decl, sizeof decl, "static const int32_t %s_bd", name);
        put_ints(b, decl, "bd: dense bias", net->dense.b, 'i', 1, O, NULL);
    }
    cg_printf(b, "/* the dense layer's multiplier%s: its real value is m 2^(shift - 31) */\n"
                 "static const elstm_qmult %s_md[%zu] = {", n_mult > 1 ? "s (one per output)" : "", name, n_mult);
    for (size_t k = 0; k < n_mult; k++) {
        put_qmult(b, net->dense.mult[k]);
        if (k + 1 < n_mult) cg_puts(b, ", ");
    }
    cg_puts(b, "};\n\n");

    cg_printf(b, "/* The quantized forecaster (edgelstm/quant.h): the LSTM's fixed-point multipliers\n"
                 " * (real value m 2^(shift - 31)), zero points and cell format, the dense layer, and\n"
                 " * the scales of the input and output. */\n"
                 "static const elstm_net_s8 %s_net = {\n"
                 "    .lstm = {\n"
                 "        .q = {\n"
                 "            .n_input = %d,\n            .n_units = %d,\n",
              name, d->I, d->N);
    cg_printf(b, "#if %s || defined(%s_WITH_REFERENCE)\n", rowmajor, uc);
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
    cg_printf(b, "#if defined(ELSTM_S8_KERNEL_DSP)\n        .packed = %s_w_dsp,\n", name);
    if (xt_words) cg_printf(b, "#elif defined(ELSTM_S8_KERNEL_XTENSA)\n        .packed = %s_w_xt,\n", name);
    cg_printf(b, "#else\n        .packed = NULL,\n#endif\n"
                 "    },\n"
                 "    .dense = {.n_in = %d, .n_out = %d, .w = %s_wd, .b = %s%s, .mult = %s_md, .per_channel = %d,\n"
                 "              .zp_in = %d, .zp_out = %d, .act_min = %d, .act_max = %d},\n"
                 "    .in_scale = ",
              d->N, (int)d->O, name, net->dense.b ? name : "NULL", net->dense.b ? "_bd" : "", name,
              net->dense.per_channel ? 1 : 0,
              (int)net->dense.zp_in, (int)net->dense.zp_out, (int)net->dense.act_min, (int)net->dense.act_max);
    cg_put_float(b, net->in_scale);
    cg_puts(b, ",\n    .out_scale = ");
    cg_put_float(b, net->out_scale);
    cg_puts(b, ",\n};\n\n");
}

/* NAME_model.h: the weights, the scaler, the input encodings (data only). */
static void gen_model_h(const cg_model *d, const char *name, const char *banner, cg_buf *b)
{
    const elstm_lstm_f32 *l = d->l, *top = &d->l[d->n_layers - 1];
    const int I = d->I, N = d->N;
    char decl[96], prefix[ELSTM_CODEGEN_NAME_MAX + 16];
    if (d->q) {
        gen_model_h_s8(d, name, banner, b);
        gen_inputs_and_model(d, name, b);
        return;
    }
    if (!d->multi) {
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
        gen_layer_arrays(b, name, l);
    } else {
        cg_printf(b,
                  "/*\n"
                  " * %s_model.h - the \"%s\" model as data: the weights of its %d LSTM layer%s and of its\n"
                  " * dense layer (%d outputs), scaler, input encodings.\n"
                  " *\n"
                  " * %s\n"
                  " *\n"
                  " * Included once, by %s.c. Layer k's arrays are %s_lK_*; layer 1 reads the inputs, layer k\n"
                  " * the units of layer k-1. Gates in the order i (input), f (forget), c (cell candidate),\n"
                  " * o (output), as in Keras and TFLite; Wx_g is [units][inputs of the layer] and Wh_g is\n"
                  " * [units][units], row-major (TFLite's layout, read as it is by every kernel).\n"
                  " * Floats are printed with 9 significant digits: they read back bit for bit.\n"
                  " */\n\n",
                  name, name, (int)d->n_layers, d->n_layers == 1 ? "" : "s", (int)d->O, banner, name, name);
        for (int32_t k = 0; k < d->n_layers; k++) {
            snprintf(prefix, sizeof prefix, "%s_l%d", name, (int)k + 1);
            cg_printf(b, "/* ---- LSTM layer %d: %d inputs, %d units ---- */\n\n", (int)k + 1, (int)l[k].n_input,
                      (int)l[k].n_units);
            gen_layer_arrays(b, prefix, &l[k]);
        }
    }
    snprintf(decl, sizeof decl, "static const float %s_wd", name);
    if (!d->multi)
        put_floats(b, decl, "Wd: dense layer, h -> the forecast (normalized)", top->wd, 1, N, NULL);
    else
        put_floats(b, decl, "Wd: dense layer, h of the last layer -> the forecasts (normalized), one row per output",
                   top->wd, d->O, top->n_units, "output");
    if (top->bd) {
        snprintf(decl, sizeof decl, "static const float %s_bd", name);
        put_floats(b, decl, "bd: dense bias", top->bd, 1, d->O, NULL);
    }

    if (!d->multi) {
        cg_printf(b, "/* The LSTM: sizes and weight pointers (edgelstm/lstm.h). */\n"
                     "static const elstm_lstm_f32 %s_lstm = {\n", name);
        put_lstm_fields(b, "    ", name, l, name);
        cg_puts(b, "};\n\n");
    } else {
        cg_printf(b, "/* The LSTM layers, input first: sizes and weight pointers (edgelstm/lstm.h); the last\n"
                     " * holds the dense layer. */\n"
                     "static const elstm_lstm_f32 %s_layers[%d] = {\n", name, (int)d->n_layers);
        for (int32_t k = 0; k < d->n_layers; k++) {
            snprintf(prefix, sizeof prefix, "%s_l%d", name, (int)k + 1);
            cg_puts(b, "    {\n");
            put_lstm_fields(b, "        ", prefix, &l[k], k == d->n_layers - 1 ? name : NULL);
            cg_puts(b, "    },\n");
        }
        cg_puts(b, "};\n\n");
    }

    gen_inputs_and_model(d, name, b);
}


/* features[] of the examples: the window, one time step per line. */
static void put_window(cg_buf *b, const float *x, int32_t steps, int32_t I)
{
    for (int32_t t = 0; t < steps; t++) {
        cg_puts(b, "    ");
        for (int32_t i = 0; i < I; i++) {
            cg_put_float(b, x[(size_t)t * I + i]);
            cg_puts(b, i + 1 < I ? ", " : ",");
        }
        cg_printf(b, " /* t = %d */\n", (int)t);
    }
}

/* The forecast edgelstm computes on the host for a window (for the examples' comments). */
static elstm_status host_forecast(const cg_model *d, const float *x, float *y_norm, elstm_diag *diag)
{
    size_t bytes = d->q ? elstm_net_arena_size_s8(d->q) : elstm_lstm_stack_arena_size_f32(d->l, d->n_layers);
    void *arena = malloc(bytes);
    elstm_lstm_ctx_f32 ctx[ELSTM_DEVICE_MAX_LAYERS];
    elstm_net_ctx_s8 net;
    elstm_status st;
    if (!arena) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    if (d->q) {   /* the runtime's int8 kernels, as the library computes it */
        st = elstm_net_init_s8(&net, d->q, arena, bytes);
        if (st == ELSTM_OK) elstm_net_window_s8(&net, x, d->steps, y_norm);
    } else {
        st = elstm_lstm_stack_init_f32(ctx, d->l, d->n_layers, arena, bytes);
        if (st == ELSTM_OK && d->n_layers == 1) elstm_lstm_window_f32(&ctx[0], x, d->steps, y_norm);
        else if (st == ELSTM_OK) elstm_lstm_stack_window_f32(ctx, d->n_layers, x, d->steps, y_norm);
    }
    free(arena);
    if (st != ELSTM_OK) return elstm_diag_set(diag, st, NULL, 0, "the model's LSTM is invalid (%s)", elstm_status_str(st));
    /* a change target: the last value added back, as the library does (float32) */
    for (int32_t k = 0; d->delta && k < d->O; k++) y_norm[k] += x[(size_t)(d->steps - 1) * (size_t)d->I + (size_t)d->target_input];
    return ELSTM_OK;
}

static void put_list_strings(cg_buf *b, const cg_model *d, int sensors)
{
    int n = sensors ? d->n_sensors : d->I;
    cg_puts(b, "{");
    for (int i = 0; i < n; i++) {
        cg_put_cstring(b, sensors ? d->sensors[i] : d->in[i].name);
        if (i + 1 < n) cg_puts(b, ", ");
    }
    if (n == 0) cg_puts(b, "0");
    cg_puts(b, "}");
}

static void put_list_floats(cg_buf *b, const cg_model *d, int max)
{
    cg_puts(b, "{");
    for (int i = 0; i < d->I; i++) {
        cg_put_float(b, (float)(max ? d->in[i].max : d->in[i].min));
        if (i + 1 < d->I) cg_puts(b, ", ");
    }
    cg_puts(b, "}");
}

/* Where the embedded runtime file `repo_path` goes inside the library's edgelstm/ folder
 * (runtime/multi/X to multi/X, for models with several layers or outputs only), or NULL. */
static const char *runtime_dest(const char *repo_path, int multi)
{
    if (strncmp(repo_path, "include/edgelstm/", 17) == 0) return repo_path + 17;
    if (strncmp(repo_path, "runtime/multi/", 14) == 0) return multi ? repo_path + 8 : NULL;
    if (strncmp(repo_path, "runtime/", 8) == 0) return repo_path + 8;
    return NULL;
}

/* The label of output k: "t+H", H the horizon in sampling intervals. */
static void output_label(const cg_model *d, int32_t k, char *buf, size_t n)
{
    snprintf(buf, n, "t+%d", d->horizon + (int)k);
}

/* Placeholders that differ between one-layer one-output libraries (runtime/device.c, whose
 * text they give back exactly as it always was) and the others (runtime/multi/), and
 * between one output and several. */
/* A stateful model's streaming API (runtime/device.h): its declarations and definitions
 * in the slots the multi-output API uses; nothing for a windowed model. */
static void stream_vars(const cg_model *d, const char *name, const char *uc, cg_vars *v)
{
    cg_buf b = {0};
    if (!d->stateful) {
        cg_var_set(v, "MULTI_DEFINES", "");
        cg_var_set(v, "MULTI_API", "");
        cg_var_set(v, "MULTI_FUNCS", "");
        return;
    }
    cg_printf(&b, "\n#define %s_STATEFUL    1        /* trained to stream: one LSTM step per new sample */\n"
                  "#define %s_MACS_PER_SAMPLE %llu  /* multiply-accumulates of one %s_push_sample */",
              uc, uc, (unsigned long long)(4u * (uint64_t)d->N * (uint64_t)(d->I + d->N) + (uint64_t)d->N), name);
    cg_var_take(v, "MULTI_DEFINES", &b);
    cg_printf(&b, "\n\n/* ---- streaming: this model is stateful (edgelstm train --stateful) ----------------\n"
                  " * It was trained to keep its LSTM state from one sample to the next, so each new sample\n"
                  " * costs one LSTM step (%s_MACS_PER_SAMPLE MACs) instead of a whole window. The state\n"
                  " * lives in the %s_state. A window run (%s_predict, _predict_window, _predict_raw,\n"
                  " * the Edge Impulse header) starts from a zero state and leaves the state after its last\n"
                  " * row: a warm-up that the stream continues from. */\n\n"
                  "/* One new raw sample taken at `time`: one LSTM step, and the forecast in %s's units\n"
                  " * (also in %s_forecast). NaN for a bad argument (NULL, NaN, a state not initialized),\n"
                  " * and then the state is unchanged. */\n"
                  "float %s_push_sample(%s_state *s, const float *sample, int64_t time);\n\n"
                  "/* The same with a normalized row [%s_INPUTS]. */\n"
                  "float %s_push_normalized(%s_state *s, const float *row);\n\n"
                  "/* Start a new stream (after a gap in the samples): the LSTM state back to zero. */\n"
                  "void %s_stream_reset(%s_state *s);\n\n"
                  "/* Reset the state, then run n raw samples [n][%s_SENSORS] taken at times [n] (NULL when\n"
                  " * the model has no calendar inputs), oldest first: the forecast after the last is in\n"
                  " * %s_forecast, and %s_push_sample continues from there. */\n"
                  "int %s_warm_up(%s_state *s, const float *samples, const int64_t *times, int n);",
              uc, name, name, d->target, name, name, name, uc, name, name, name, name, uc, name, name, name, name);
    cg_var_take(v, "MULTI_API", &b);
    cg_printf(&b, "\nfloat %s_push_sample(%s_state *s, const float *sample, int64_t time)\n"
                  "{\n"
                  "    elstm_device *d = %s_device(s);\n"
                  "    if (!d || (!sample && %s_SENSORS > 0) || elstm_device_push(d, sample, time) != ELSTM_OK) return NAN;\n"
                  "    return elstm_device_forecast(d);\n"
                  "}\n\n"
                  "float %s_push_normalized(%s_state *s, const float *row)\n"
                  "{\n"
                  "    elstm_device *d = %s_device(s);\n"
                  "    if (!d || elstm_device_push_normalized(d, row) != ELSTM_OK) return NAN;\n"
                  "    return elstm_device_forecast(d);\n"
                  "}\n\n"
                  "void %s_stream_reset(%s_state *s)\n"
                  "{\n"
                  "    elstm_device *d = %s_device(s);\n"
                  "    if (d) elstm_device_stream_reset(d);\n"
                  "}\n\n"
                  "int %s_warm_up(%s_state *s, const float *samples, const int64_t *times, int n)\n"
                  "{\n"
                  "    elstm_device *d = %s_device(s);\n"
                  "    if (!d) return %s_ERR_ARG;\n"
                  "    return (int)elstm_device_warm_up(d, samples, times, (int32_t)n);\n"
                  "}\n",
              name, name, name, uc, name, name, name, name, name, name, name, name, name, uc);
    cg_var_take(v, "MULTI_FUNCS", &b);
}

static void multi_vars(const cg_model *d, const char *name, const char *uc, cg_vars *v)
{
    cg_buf b = {0};
    char label[32];
    int32_t units = 0;
    for (int32_t k = 0; k < d->n_layers; k++) units += d->l[k].n_units;
    /* the model as text */
    for (int32_t k = 0; k < d->n_layers; k++) cg_printf(&b, "%sLSTM(%d)", k ? " -> " : "", (int)d->l[k].n_units);
    cg_printf(&b, " + Dense(%d)", (int)d->O);
    cg_var_setf(v, "MODEL_SHORT", "%s", b.p);
    cg_var_setf(v, "MODEL_TEXT", "%s%s", d->n_layers > 1 ? "a stack " : "an ", b.p);
    cg_buf_free(&b);
    cg_var_setf(v, "N_OUTPUTS", "%d", (int)d->O);

    /* the runtime: device.c, or runtime/multi/. It holds every kernel (float32 and integer;
     * device.c serves runtime/multi/ for its input scaling alone): a model calls some of
     * them, and GCC and Clang are told not to warn about the others */
    cg_var_set(v, "API_ATTR", "\n#if defined(__GNUC__)\n#undef ELSTM_API\n#define ELSTM_API static __attribute__((unused))\n#endif");
    /* a windowed model (every multi-output one): the runtime's streaming functions are left
     * out as well (device.c has them for float32 models only) */
    if (!d->stateful)
        cg_var_set(v, "API_ATTR", "\n#if defined(__GNUC__)\n#undef ELSTM_API\n#define ELSTM_API static "
                                  "__attribute__((unused))\n#endif\n#define ELSTM_DEVICE_NO_STREAM");
    if (!d->multi) {
        cg_var_set(v, "MULTI", "");
        cg_var_set(v, "MODEL_BASE", "");
        cg_var_setf(v, "ARENA_MACRO", "%s(%s_STEPS, %s_INPUTS, %s_UNITS)",
                    d->q ? "ELSTM_DEVICE_S8_ARENA_BYTES" : "ELSTM_DEVICE_ARENA_BYTES", uc, uc, uc);
        stream_vars(d, name, uc, v);
        cg_var_set(v, "OUTPUTS_DOC", "");
        cg_var_set(v, "README_OUTPUTS", "");
    } else {
        cg_var_set(v, "MULTI", "_multi");
        cg_var_set(v, "MODEL_BASE", ".base");
        if (d->q)
            cg_var_setf(v, "ARENA_MACRO", "ELSTM_DEVICE_MULTI_S8_ARENA_BYTES(%s_STEPS, %s_INPUTS, %s_UNITS, %s_OUTPUTS)",
                        uc, uc, uc, uc);
        else
            cg_var_setf(v, "ARENA_MACRO",
                        "ELSTM_DEVICE_MULTI_ARENA_BYTES(%s_STEPS, %s_INPUTS, %s_LAYERS, %s_UNITS_SUM, %s_OUTPUTS)", uc,
                        uc, uc, uc, uc);
        cg_printf(&b, "\n#define %s_LAYERS      %d        /* LSTM layers */\n", uc, (int)d->n_layers);
        cg_printf(&b, "#define %s_UNITS_SUM   %d        /* units of all layers */\n", uc, (int)units);
        cg_printf(&b, "#define %s_OUTPUTS     %d        /* values per forecast: the target %d .. %d intervals ahead */",
                  uc, (int)d->O, d->horizon, d->horizon + (int)d->O - 1);
        cg_var_take(v, "MULTI_DEFINES", &b);
        cg_printf(&b, "\n\n/* Every output of the last forecast: out[k] is the target %d + k intervals after the last\n"
                      " * sample, in its units (%s_forecasts) or normalized. %s_ERR_DATA before the first forecast. */\n"
                      "int %s_forecasts(const %s_state *s, float out[%s_OUTPUTS]);\n"
                      "int %s_forecasts_normalized(const %s_state *s, float out[%s_OUTPUTS]);",
                  d->horizon, name, uc, name, name, uc, name, name, uc);
        if (d->n_levels > 0) {
            cg_printf(&b, "\n\n/* ---- prediction intervals (split conformal, calibrated on validation windows) ---- */\n"
                          "#define %s_LEVELS %d              /* interval levels */\n"
                          "#define %s_LEVEL_VALUES {", uc, d->n_levels, uc);
            for (int l = 0; l < d->n_levels; l++) {
                cg_puts(&b, l ? ", " : "");
                cg_put_float(&b, (float)d->levels[l]);
            }
            cg_printf(&b, "}   /* per cent */\n"
                          "/* The interval of level `level` (0 .. %s_LEVELS - 1, in the order of %s_LEVEL_VALUES)\n"
                          " * around output k of the last forecast, in the target's units: *low .. *high.\n"
                          " * %s_ERR_ARG for a level or output that does not exist, %s_ERR_DATA before the first\n"
                          " * forecast. */\n"
                          "int %s_interval(const %s_state *s, int level, int k, float *low, float *high);",
                      uc, uc, uc, uc, name, name);
        }
        cg_var_take(v, "MULTI_API", &b);
        if (d->n_levels > 0)
            cg_printf(&b, "\nint %s_interval(const %s_state *s, int level, int k, float *low, float *high)\n"
                          "{\n"
                          "    elstm_device_multi *d = %s_device(s);\n"
                          "    if (!d) return %s_ERR_ARG;\n"
                          "    return (int)elstm_device_multi_interval(d, (int32_t)level, (int32_t)k, low, high);\n"
                          "}\n",
                      name, name, name, uc);
        for (int normalized = 0; normalized < 2; normalized++)
            cg_printf(&b, "\nint %s_forecasts%s(const %s_state *s, float out[%s_OUTPUTS])\n"
                          "{\n"
                          "    elstm_device_multi *d = %s_device(s);\n"
                          "    if (!d) return %s_ERR_ARG;\n"
                          "    return (int)elstm_device_multi_forecasts%s(d, out);\n"
                          "}\n",
                      name, normalized ? "_normalized" : "", name, uc, name, uc, normalized ? "_normalized" : "");
        cg_var_take(v, "MULTI_FUNCS", &b);
        cg_printf(&b, "\n *\n * This model runs %d LSTM layer%s and gives %d value%s per forecast: out[k] is the target\n"
                      " * %d + k intervals after the last sample, from %s_forecasts(&model, out) with\n"
                      " * float out[%s_OUTPUTS]; %s_forecast() is out[0].",
                  (int)d->n_layers, d->n_layers == 1 ? "" : "s", (int)d->O, d->O == 1 ? "" : "s", d->horizon, name, uc,
                  name);
        if (d->delta)
            cg_printf(&b, "\n * It learned the change from the last sample: the forecasts have that value added\n"
                          " * back (normalized ones too), so they are the target's values.");
        if (d->lead)
            cg_printf(&b, "\n * Its calendar inputs marked \"target_\" are those of the forecast time (the sample's\n"
                          " * time + %s_lead_s[i] seconds): feed the samples' own times.", name);
        if (d->n_levels > 0)
            cg_printf(&b, "\n * %s_interval(&model, level, k, &low, &high) gives a prediction interval around\n"
                          " * output k (levels %s_LEVEL_VALUES per cent).", name, uc);
        cg_var_take(v, "OUTPUTS_DOC", &b);
        cg_printf(&b, "\n\nThis model gives %d value%s per forecast: `%s_forecasts(&model, out)` fills\n"
                      "`float out[%s_OUTPUTS]` with the target %d .. %d intervals after the last sample, in its\n"
                      "units (`%s_forecast()` is the first); the Edge Impulse header gives them as\n"
                      "`result.classification[k]`, normalized.",
                  (int)d->O, d->O == 1 ? "" : "s", name, uc, d->horizon, d->horizon + (int)d->O - 1, name);
        cg_var_take(v, "README_OUTPUTS", &b);
    }

    /* the outputs: one ("value"), or several ("t+1" ...) */
    if (d->O == 1) {
        cg_var_set(v, "LABELS", "{\"value\"}");
        cg_var_set(v, "EI_OUTPUT_DOC", "one regression output, label \"value\", normalized");
        cg_var_setf(v, "EI_RESULTS",
                 "    result->classification[0].label = ei_classifier_inferencing_categories[0];\n"
                 "    result->classification[0].value = %s_forecast_normalized(s);", name);
        cg_var_setf(v, "PRINT_PREDICTIONS",
                 "    ei_printf(\"  %%s: %%.*f\\n\", result.classification[0].label, EXAMPLE_DIGITS,\n"
                 "              (double)result.classification[0].value);\n"
                 "    ei_printf(\"  %%s: %%.2f\\n\", %s_TARGET_NAME,\n"
                 "              (double)%s_denormalize(result.classification[0].value));", uc, name);
        cg_var_setf(v, "INO_TARGET_LINES",
                 "    ei_printf(\"  %%s: %%.2f\\r\\n\", %s_TARGET_NAME, %s_denormalize(result.classification[0].value));",
                 uc, name);
        return;
    }
    cg_puts(&b, "{");
    for (int32_t k = 0; k < d->O; k++) {
        output_label(d, k, label, sizeof label);
        cg_printf(&b, "%s\"%s\"", k ? ", " : "", label);
    }
    cg_puts(&b, "}");
    cg_var_take(v, "LABELS", &b);
    cg_var_setf(v, "EI_OUTPUT_DOC",
             "%d regression outputs, labels \"t+%d\" .. \"t+%d\" (the target %d .. %d intervals ahead), normalized",
             (int)d->O, d->horizon, d->horizon + (int)d->O - 1, d->horizon, d->horizon + (int)d->O - 1);
    cg_var_setf(v, "EI_RESULTS",
             "    {\n"
             "        float y[%s_OUTPUTS];\n"
             "        int k;\n"
             "        (void)%s_forecasts_normalized(s, y);\n"
             "        for (k = 0; k < %s_OUTPUTS; k++) {\n"
             "            result->classification[k].label = ei_classifier_inferencing_categories[k];\n"
             "            result->classification[k].value = y[k];\n"
             "        }\n"
             "    }", uc, name, uc);
    cg_var_setf(v, "PRINT_PREDICTIONS",
             "    for (int k = 0; k < EI_CLASSIFIER_LABEL_COUNT; k++)\n"
             "        ei_printf(\"  %%s: %%.*f\\n\", result.classification[k].label, EXAMPLE_DIGITS,\n"
             "                  (double)result.classification[k].value);\n"
             "    for (int k = 0; k < EI_CLASSIFIER_LABEL_COUNT; k++)\n"
             "        ei_printf(\"  %%s %%s: %%.2f\\n\", %s_TARGET_NAME, result.classification[k].label,\n"
             "                  (double)%s_denormalize(result.classification[k].value));", uc, name);
    cg_var_setf(v, "INO_TARGET_LINES",
             "    for (uint16_t i = 0; i < EI_CLASSIFIER_LABEL_COUNT; i++)\n"
             "        ei_printf(\"  %%s %%s: %%.2f\\r\\n\", %s_TARGET_NAME, ei_classifier_inferencing_categories[i],\n"
             "                  %s_denormalize(result.classification[i].value));", uc, name);
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
        cg_put_jsonsafe(b, name ? name : "");
        cg_puts(b, "\", \"email\": \"");
        cg_put_jsonsafe(b, addr ? addr : "");
        free(name);
        free(addr);
    } else {
        cg_put_jsonsafe(b, who);
    }
    cg_printf(b, "\", \"maintainer\": %s}", maintainer ? "true" : "false");
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
    cg_put_commentsafe(&b, base);
    cg_printf(&b, " (CRC-32 %08x). Do not edit: run `edgelstm deploy` again.", (unsigned)cm->crc32);
    cg_var_take(v, "BANNER", &b);
    cg_var_set(v, "NAME", name);
    cg_var_set(v, "NAME_UC", uc);
    cg_var_set(v, "VERSION", ELSTM_VERSION);
    cg_var_setf(v, "CRC", "%08x", (unsigned)cm->crc32);
    cg_var_setf(v, "INPUTS", "%d", d->I);
    cg_var_setf(v, "STEPS", "%d", (int)d->steps);
    cg_var_setf(v, "UNITS", "%d", d->N);
    cg_var_setf(v, "SENSORS", "%d", d->n_sensors);
    cg_var_setf(v, "INTERVAL", "%lld", (long long)d->interval_s);
    cg_var_setf(v, "HORIZON", "%d", d->horizon);
    cg_var_setf(v, "MACS", "%llu", (unsigned long long)fig.macs);
    cg_var_setf(v, "WEIGHT_BYTES", "%llu", (unsigned long long)fig.weight_bytes);
    cg_var_setf(v, "ARENA_BYTES", "%llu", (unsigned long long)fig.arena_bytes);
    cg_var_set(v, "INTERVAL_TEXT", interval);
    if (d->interval_s > 0) {
        char ahead[32];
        interval_text(d->interval_s * d->horizon, ahead, sizeof ahead);
        cg_var_setf(v, "HORIZON_TEXT", "%s%s ahead", strchr(ahead, ' ') ? "" : "one ", ahead);
    } else {
        cg_var_setf(v, "HORIZON_TEXT", "%d step%s ahead", d->horizon, d->horizon == 1 ? "" : "s");
    }
    cg_put_commentsafe(&b, d->target);
    cg_var_take(v, "TARGET", &b);
    cg_put_cstring(&b, d->target);
    cg_var_take(v, "TARGET_CSTRING", &b);
    cg_put_jsonsafe(&b, d->target);
    cg_var_take(v, "TARGET_JSON", &b);
    cg_put_float(&b, d->l->cell_clip);
    cg_var_take(v, "CELL_CLIP", &b);
    cg_put_float(&b, (float)d->target_min);
    cg_var_take(v, "TARGET_MIN", &b);
    cg_put_float(&b, (float)d->target_max);
    cg_var_take(v, "TARGET_MAX", &b);
    put_list_strings(&b, d, 0);
    cg_var_take(v, "INPUT_NAMES", &b);
    put_list_strings(&b, d, 1);
    cg_var_take(v, "SENSOR_NAMES", &b);
    put_list_floats(&b, d, 0);
    cg_var_take(v, "INPUT_MIN", &b);
    put_list_floats(&b, d, 1);
    cg_var_take(v, "INPUT_MAX", &b);
    /* which of the device code's forecasters NAME.c compiles (runtime/device.h) */
    cg_var_set(v, "RUNTIME_CONFIG", d->q ? "#define ELSTM_DEVICE_F32 0   /* an int8 model: only the integer kernels */"
                                         : "#define ELSTM_DEVICE_S8 0    /* a float32 model: only the float kernels */");
    cg_var_set(v, "DTYPE", d->q ? "int8" : "float32");
    /* package metadata: raw for library.properties (checked: one line each), escaped for
     * JSON and YAML double-quoted strings (the same escapes); the optional fields of
     * library.json and idf_component.yml only when given */
    cg_var_set(v, "LIB_VERSION", elstm_codegen_lib_version(o));
    cg_var_set(v, "AUTHOR", elstm_codegen_author(o));
    cg_var_set(v, "MAINTAINER", elstm_codegen_maintainer(o));
    cg_var_set(v, "URL", elstm_codegen_url(o));
    cg_puts(&b, "[\n    ");
    put_person_json(&b, elstm_codegen_author(o), 0);
    cg_puts(&b, ",\n    ");
    put_person_json(&b, elstm_codegen_maintainer(o), 1);
    cg_puts(&b, "\n  ]");
    cg_var_take(v, "AUTHORS_JSON", &b);
    if (o->url) {
        cg_puts(&b, "  \"homepage\": \"");
        cg_put_jsonsafe(&b, o->url);
        cg_puts(&b, "\",\n");
    }
    cg_var_take(v, "HOMEPAGE_JSON", &b);
    cg_puts(&b, "maintainers:\n  - \"");
    cg_put_jsonsafe(&b, elstm_codegen_maintainer(o));
    cg_puts(&b, "\"\n");
    if (o->url) {
        cg_puts(&b, "url: \"");
        cg_put_jsonsafe(&b, o->url);
        cg_puts(&b, "\"\n");
    }
    cg_var_take(v, "IDF_META", &b);
    /* sensors, inputs: documentation lines for the header and the README */
    if (d->has_meta) {
        cg_printf(&b, " * A raw sample holds %s_SENSORS values, in this order:\n", uc);
    } else {
        cg_printf(&b, " * This model carries no edgelstm metadata (it was converted elsewhere and not given its\n"
                      " * columns and scaler with `edgelstm adopt`), so the library knows no sensors and applies no\n"
                      " * scaler: a \"raw\" sample is the model's own input row, %s_SENSORS values already scaled\n"
                      " * the way the model was trained on them, and the forecast is the model's own output\n"
                      " * (%s_forecast() = %s_forecast_normalized()); `time` is not used. To feed values in\n"
                      " * the data's units: edgelstm adopt MODEL.tflite DATA.csv [data options] -o MODEL2.tflite,\n"
                      " * then deploy MODEL2.tflite.",
                  uc, name, name);
    }
    for (int s = 0; d->has_meta && s < d->n_sensors; s++) {
        cg_printf(&b, " *   sample[%d] = ", s);
        cg_put_commentsafe(&b, d->sensors[s]);
        cg_puts(&b, d->sensor_compass[s] ? ": compass direction in degrees clockwise from north (N = 0, E = 90;"
                                           " negative = calm)\n"
                                         : ": value in the training CSV's units\n");
    }
    if (d->has_meta && d->n_sensors == 0) cg_puts(&b, " *   (none: every input is a calendar input)\n");
    if (d->has_meta)
        cg_printf(&b, " * `time` is seconds since 1970-01-01T00:00:00 on the clock of the training CSV (no\n"
                      " * time zone applied)%s. Inputs are scaled inside with the training scaler.",
                  d->timed ? "; the calendar inputs are computed from it"
                           : "; this model has no calendar inputs, so it is not used");
    cg_chop(&b);
    cg_var_take(v, "RAW_DOC", &b);
    cg_buf t = {0};
    if (d->has_meta)
        cg_puts(&b, " * The model's inputs (the columns of a normalized row), with the training scaler\n"
                    " * x_norm = (x - min) / (max - min):\n");
    else
        cg_printf(&b, " * The model's inputs, in0 .. in%d: its own values, as it was trained on them.", d->I - 1);
    cg_var_set(v, "README_INPUTS", d->has_meta ? "Model inputs (normalized with the training scaler, `x_norm = (x - min) / (max - min)`):"
                                            : "Model inputs (this model carries no edgelstm metadata: they are its own values, "
                                              "already scaled; no scaler is applied; `edgelstm adopt` gives it its columns "
                                              "and scaler):");
    for (int i = 0; d->has_meta && i < d->I; i++) {
        const cg_input *in = &d->in[i];
        cg_printf(&b, " *   %2d ", i);
        cg_put_commentsafe(&b, in->name);
        cg_printf(&b, ": %s of ", encoding_text(in));
        cg_put_commentsafe(&b, in->source);
        cg_printf(&b, ", min %.9g, max %.9g\n", in->min, in->max);
    }
    for (int i = 0; i < d->I; i++) {
        const cg_input *in = &d->in[i];
        cg_printf(&t, "| %d | ", i);
        cg_put_commentsafe(&t, in->name);
        cg_printf(&t, " | %s of ", encoding_text(in));
        cg_put_commentsafe(&t, in->source);
        cg_printf(&t, " | %.9g | %.9g |\n", in->min, in->max);
    }
    cg_chop(&b);
    cg_chop(&t);
    cg_var_take(v, "INPUT_DOC", &b);
    cg_var_take(v, "INPUT_TABLE", &t);

    /* the example's window */
    float *y_all = malloc((size_t)d->O * sizeof *y_all);
    if (!y_all) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    elstm_status st = host_forecast(d, window, y_all, diag);
    float y_norm = y_all[0];
    if (st != ELSTM_OK) {
        free(y_all);
        return st;
    }
    multi_vars(d, name, uc, v);
    if (o->sample) {
        cg_puts(&b, " * ");
        if (o->sample_note) {
            for (const char *p = o->sample_note; *p; p++) {
                if (*p == '\n') {
                    if (p[1]) cg_puts(&b, "\n * ");
                    continue;
                }
                char c[2] = {*p, 0};
                cg_put_commentsafe(&b, c);
            }
        } else {
            cg_puts(&b, "a window given to edgelstm deploy --sample");
        }
        cg_puts(&b, "\n");
    } else {
        cg_printf(&b, " * synthetic (no --sample given): x[t][i] = 0.5 + 0.4 sin(2 pi (t / 24 + i / %d)).\n", d->I);
    }
    if (!d->multi) {
        cg_printf(&b, " * edgelstm computed on the host: value %.5f (normalized), ", (double)y_norm);
        cg_put_commentsafe(&b, d->target);
        cg_printf(&b, " %.2f.", (double)y_norm * (d->target_max - d->target_min) + d->target_min);
    } else {
        cg_puts(&b, " * edgelstm computed on the host (");
        cg_put_commentsafe(&b, d->target);
        cg_puts(&b, ", normalized value in brackets):");
        for (int32_t j = 0; j < d->O; j++) {
            char label[32];
            output_label(d, j, label, sizeof label);
            cg_printf(&b, "%s %s %.2f (%.5f)%s", j % 4 ? "" : "\n *  ", label,
                      (double)y_all[j] * (d->target_max - d->target_min) + d->target_min, (double)y_all[j],
                      j + 1 < d->O ? "," : ".");
        }
    }
    free(y_all);
    cg_var_take(v, "SAMPLE_NOTE", &b);
    put_window(&b, window, d->steps, d->I);
    cg_var_take(v, "FEATURES", &b);

    /* runtime includes of NAME.c: every runtime .c (the embedded runtime is what devices
     * get: the Makefile embeds runtime/ and runtime/multi/, and leaves runtime/host/ out;
     * runtime/multi/ only for models with several layers or outputs) */
    for (int i = 0; i < elstm_runtime_file_count; i++) {
        const char *f = elstm_runtime_files[i].name;
        size_t n = strlen(f);
        if (strncmp(f, "runtime/", 8) != 0 || n < 3 || strcmp(f + n - 2, ".c") != 0) continue;
        if (!runtime_dest(f, d->multi)) continue;
        cg_printf(&b, "#include \"edgelstm/%s\"\n", f + 8);
    }
    cg_chop(&b);
    cg_var_take(v, "RUNTIME_INCLUDES", &b);
    return ELSTM_OK;
}


/* `text` with its @KEY@ placeholders filled, as a path or paragraph. */
static elstm_status expand_str(const char *text, const cg_vars *v, cg_buf *out, elstm_diag *diag)
{
    return cg_expand("a target's path or paragraph", text, strlen(text), v, out, diag);
}

/* The file `dir` + `name` (both with @KEY@ placeholders) from template `tmpl`. */
static elstm_status add_expanded(elstm_genlib *lib, const char *dir, const char *name, const char *tmpl,
                                 const cg_vars *v, elstm_diag *diag)
{
    cg_buf path = {0}, b = {0};
    elstm_status st = expand_str(dir, v, &path, diag);
    if (st == ELSTM_OK) st = expand_str(name, v, &path, diag);
    if (st == ELSTM_OK) st = cg_expand_template(tmpl, v, &b, diag);
    if (st == ELSTM_OK) st = cg_add(lib, path.p, &b, diag);
    cg_buf_free(&path);
    cg_buf_free(&b);
    return st;
}

/* What every target has: the sources in `src` (under `root`), README.md in `root`. */
static elstm_status add_sources(elstm_genlib *lib, const char *root, const char *src, const cg_model *d,
                                const cg_vars *v, elstm_diag *diag)
{
    cg_buf dir = {0}, b = {0};
    elstm_status st = expand_str(root, v, &dir, diag);
    if (st == ELSTM_OK) st = expand_str(src, v, &dir, diag);
    const char *dp = dir.p ? dir.p : ""; /* nothing appended: no buffer */
    if (st == ELSTM_OK) st = add_expanded(lib, dp, "@NAME@.h", "api.h.in", v, diag);
    if (st == ELSTM_OK) st = add_expanded(lib, dp, "@NAME@.c", "lib.c.in", v, diag);
    if (st == ELSTM_OK) st = add_expanded(lib, dp, "@NAME@_inferencing.h", "inferencing.h.in", v, diag);
    if (st == ELSTM_OK) {
        const char *name = cg_var_get(v, "NAME");
        char path[256];
        gen_model_h(d, name, cg_var_get(v, "BANNER"), &b);
        snprintf(path, sizeof path, "%s%s_model.h", dp, name);
        st = cg_add(lib, path, &b, diag);
    }
    for (int i = 0; st == ELSTM_OK && i < elstm_runtime_file_count; i++) {
        const char *dest = runtime_dest(elstm_runtime_files[i].name, d->multi);
        char path[256];
        if (!dest) continue;
        snprintf(path, sizeof path, "%sedgelstm/%s", dp, dest);
        st = cg_add_bytes(lib, path, elstm_runtime_files[i].data, elstm_runtime_files[i].size, diag);
    }
    if (st == ELSTM_OK) st = add_expanded(lib, root, "README.md", "README.md.in", v, diag);
    cg_buf_free(&dir);
    cg_buf_free(&b);
    return st;
}

elstm_status elstm_codegen_generate(const elstm_codegen_model *cm, const elstm_codegen_opts *o,
                                    elstm_genlib *lib, elstm_diag *diag)
{
    memset(lib, 0, sizeof *lib);
    elstm_status st = elstm_codegen_check_name(o->name, diag);
    return st == ELSTM_OK ? cg_generate_unchecked(cm, o, lib, diag) : st;
}

elstm_status cg_generate_unchecked(const elstm_codegen_model *cm, const elstm_codegen_opts *o,
                                   elstm_genlib *lib, elstm_diag *diag)
{
    const elstm_target_desc *t = elstm_target_get(o->target);
    cg_model *d = NULL;
    cg_vars v = {0};
    float *synthetic = NULL;
    elstm_status st;

    memset(lib, 0, sizeof *lib);
    if (!t) return elstm_diag_set(diag, ELSTM_ERR_ARG, NULL, 0, "no deployment target %d", (int)o->target);
    if ((st = check_name_basic(o->name, diag)) != ELSTM_OK) return st;
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
        cg_buf b = {0}, e = {0}; /* the row's README paragraph and example build comment */
        if ((st = expand_str(t->install, &v, &b, diag)) != ELSTM_OK || (st = cg_var_take(&v, "LAYOUT", &b)) != ELSTM_OK ||
            (st = expand_str(t->example_build ? t->example_build : "", &v, &e, diag)) != ELSTM_OK ||
            (st = cg_var_take(&v, "EXAMPLE_BUILD", &e)) != ELSTM_OK) {
            cg_buf_free(&b);
            cg_buf_free(&e);
            goto done;
        }
    }
    if ((st = add_sources(lib, t->root, t->src, d, &v, diag)) != ELSTM_OK) goto done;
    for (const elstm_target_file *f = t->files; st == ELSTM_OK && f->tmpl; f++)
        st = add_expanded(lib, t->root, f->dest, f->tmpl, &v, diag);
    if (st == ELSTM_OK && t->marker) {
        /* marks the folder as edgelstm's, so that a later deploy may replace it */
        char marker[160];
        int n = snprintf(marker, sizeof marker, "edgelstm %s deploy --target %s --name %s\n", ELSTM_VERSION, t->name,
                         o->name);
        st = cg_add_bytes(lib, ".edgelstm", marker, (size_t)n, diag);
    }
done:
    cg_vars_free(&v);
    free(synthetic);
    free(d);
    if (st != ELSTM_OK) elstm_genlib_free(lib);
    return st;
}
