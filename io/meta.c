/* meta.c - the model metadata as JSON text (jansson), and the min-max scaler maths. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edgelstm/meta.h"

double elstm_meta_normalize(double x, double min, double max)
{
    return max > min ? (x - min) / (max - min) : 0.0;
}

double elstm_meta_denormalize(double x_norm, double min, double max)
{
    return max > min ? x_norm * (max - min) + min : min;
}

/* A change target adds the last value back in float32, as device libraries do, so that a
 * library's normalized forecasts are the host's bit for bit. */
double elstm_meta_forecast_normalized(const elstm_meta *m, float out, const float *last_row)
{
    float v = out;
    if (m->target_mode == ELSTM_TARGET_DELTA && m->target_input >= 0 && last_row) v += last_row[m->target_input];
    return v;
}

double elstm_meta_forecast(const elstm_meta *m, float out, const float *last_row)
{
    return elstm_meta_denormalize(elstm_meta_forecast_normalized(m, out, last_row), m->target_min, m->target_max);
}

static const char *const enc_names[] = {"numeric", "compass_sin", "compass_cos", "time_sin",
                                        "time_cos"};
static const char *const tf_names[] = {"none", "hour", "doy", "weekday", "month"};

const char *elstm_encoding_name(elstm_encoding e)
{
    return (unsigned)e < sizeof enc_names / sizeof enc_names[0] ? enc_names[e] : "unknown";
}

const char *elstm_time_feature_name(elstm_time_feature t)
{
    return (unsigned)t < sizeof tf_names / sizeof tf_names[0] ? tf_names[t] : "unknown";
}

static int lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

void elstm_meta_set_history(elstm_meta_training *t, const elstm_epoch_record *r, int n)
{
    const int max = ELSTM_META_MAX_EPOCHS;
    if (n < 0) n = 0;
    if (n <= max) {
        if (n) memcpy(t->history, r, (size_t)n * sizeof *r);
        t->n_history = n;
        return;
    }
    /* evenly spaced indices 0 .. n-1: the first and the last are picks, all distinct (n > max) */
    int best = -1;
    for (int j = 0; j < max; j++)
        t->history[j] = r[lround((double)j * (double)(n - 1) / (double)(max - 1))];
    for (int i = 0; i < n; i++)
        if (r[i].epoch == t->best_epoch) best = i;
    if (best > 0 && best < n - 1) {
        /* the best epoch replaces the pick nearest to it (never the first or the last), which
         * keeps the records in epoch order */
        long j = lround((double)best * (double)(max - 1) / (double)(n - 1));
        if (j < 1) j = 1;
        if (j > max - 2) j = max - 2;
        t->history[j] = r[best];
    }
    t->n_history = max;
}

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* "training": settings, outcome, and the history as one array per quantity. */
static json_t *training_to_json(const elstm_meta_training *t)
{
    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, t->seed);
    json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:i, s:f, s:s, s:i, s:i, s:o, s:b, s:s}", "units", t->units,
                          "batch", t->batch, "epochs", t->epochs, "patience", t->patience, "threads", t->threads,
                          "lr", t->lr, "seed", seed, "epochs_run", t->epochs_run, "best_epoch", t->best_epoch,
                          "best_loss", num_or_null(t->best_loss), "early_stopped", t->early_stopped,
                          "monitor", t->monitor);
    json_t *h = json_object(), *ep = json_array(), *lo = json_array(), *va = json_array(), *lr = json_array();
    if (!o || !h || !ep || !lo || !va || !lr) {
        json_decref(o); json_decref(h); json_decref(ep); json_decref(lo); json_decref(va); json_decref(lr);
        return NULL;
    }
    for (int i = 0; i < t->n_history; i++) {
        const elstm_epoch_record *e = &t->history[i];
        json_array_append_new(ep, json_integer(e->epoch));
        json_array_append_new(lo, num_or_null(e->loss));
        json_array_append_new(va, num_or_null(e->val_loss));
        json_array_append_new(lr, num_or_null(e->lr));
    }
    json_object_set_new(h, "epoch", ep);
    json_object_set_new(h, "loss", lo);
    json_object_set_new(h, "val_loss", va);
    json_object_set_new(h, "lr", lr);
    json_object_set_new(o, "history", h);
    if (t->clip_norm > 0) json_object_set_new(o, "clip_norm", json_real(t->clip_norm));
    if (t->lr_factor > 0) {
        json_object_set_new(o, "lr_factor", json_real(t->lr_factor));
        json_object_set_new(o, "lr_patience", json_integer(t->lr_patience));
        json_object_set_new(o, "min_lr", json_real(t->min_lr));
    }
    if (t->sampling == 1) json_object_set_new(o, "sampling", json_string("series"));
    return o;
}

/* "intervals": [{level, halfwidth: [per step]}], "calibration_windows". */
static int intervals_to_json(json_t *o, const elstm_meta *m)
{
    json_t *a = json_array();
    if (!a) return -1;
    for (int l = 0; l < m->n_intervals; l++) {
        json_t *hw = json_array();
        for (int j = 0; hw && j < elstm_meta_outputs(m); j++)
            json_array_append_new(hw, json_real(m->intervals[l].halfwidth[j]));
        json_t *e = hw ? json_pack("{s:f, s:o}", "level", m->intervals[l].level, "halfwidth", hw) : NULL;
        if (!e) {
            json_decref(a);
            return -1;
        }
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "intervals", a);
    json_object_set_new(o, "calibration_windows", json_integer((json_int_t)m->n_calib));
    return 0;
}

/* "series_scalers": [{name, min: [inputs..., target], max: [...]}] (train --scaler series). */
static int series_to_json(json_t *o, const elstm_meta *m)
{
    json_t *a = json_array();
    if (!a) return -1;
    const size_t nv = (size_t)m->n_inputs + 1;
    for (int k = 0; k < m->n_series; k++) {
        json_t *lo = json_array(), *hi = json_array();
        for (size_t v = 0; lo && hi && v < nv; v++) {
            json_array_append_new(lo, json_real(m->series_min[(size_t)k * nv + v]));
            json_array_append_new(hi, json_real(m->series_max[(size_t)k * nv + v]));
        }
        json_t *e = lo && hi ? json_pack("{s:s, s:o, s:o}", "name", m->series_name[k], "min", lo, "max", hi) : NULL;
        if (!e) {
            if (!lo || !hi) {
                json_decref(lo);
                json_decref(hi);
            }
            json_decref(a);
            return -1;
        }
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "series_scalers", a);
    return 0;
}

elstm_status elstm_meta_to_json(const elstm_meta *m, char **json_out, elstm_diag *diag)
{
    *json_out = NULL;
    json_t *o = json_object();
    json_t *inputs = json_array();
    if (!o || !inputs) goto nomem;
    json_object_set_new(o, "version", json_integer(m->version));
    json_object_set_new(o, "tool_version", json_string(m->tool_version));
    json_object_set_new(o, "time_cols", json_string(m->time_cols));
    json_object_set_new(o, "time_format", json_string(m->time_format));
    json_object_set_new(o, "time_layout", json_string(m->time_layout));
    json_object_set_new(o, "skip_rows", json_integer(m->skip_rows));
    json_object_set_new(o, "interval_s", json_integer(m->interval_s));
    json_object_set_new(o, "max_gap", json_integer(m->max_gap));
    json_object_set_new(o, "steps", json_integer(m->steps));
    json_object_set_new(o, "horizon", json_integer(m->horizon));
    json_object_set_new(o, "split_train", json_real(m->split_train));
    json_object_set_new(o, "split_val", json_real(m->split_val));
    json_object_set_new(o, "target", json_string(m->target));
    json_object_set_new(o, "target_input", json_integer(m->target_input));
    json_object_set_new(o, "target_min", json_real(m->target_min));
    json_object_set_new(o, "target_max", json_real(m->target_max));
    for (int i = 0; i < m->n_inputs; i++) {
        const elstm_meta_input *in = &m->inputs[i];
        json_t *e = json_object();
        if (!e) goto nomem;
        json_object_set_new(e, "name", json_string(in->name));
        json_object_set_new(e, "source", json_string(in->source));
        json_object_set_new(e, "encoding", json_string(elstm_encoding_name(in->enc)));
        json_object_set_new(e, "time_feature", json_string(elstm_time_feature_name(in->tf)));
        json_object_set_new(e, "min", json_real(in->min));
        json_object_set_new(e, "max", json_real(in->max));
        if (in->lead) json_object_set_new(e, "lead", json_integer(in->lead));
        json_array_append_new(inputs, e);
    }
    json_object_set_new(o, "inputs", inputs);
    inputs = NULL;
    if (m->training.present) {
        json_t *t = training_to_json(&m->training);
        if (!t) goto nomem;
        json_object_set_new(o, "training", t);
    }
    if (m->outputs > 0) json_object_set_new(o, "outputs", json_integer(m->outputs));
    if (m->scaler_source[0]) json_object_set_new(o, "scaler_source", json_string(m->scaler_source));
    if (m->stateful) json_object_set_new(o, "stateful", json_true());
    /* written only when they differ from a level model without intervals, so that such
     * models keep the bytes they had before these fields existed */
    if (m->target_mode == ELSTM_TARGET_DELTA) json_object_set_new(o, "target_mode", json_string("delta"));
    if (m->n_intervals > 0 && intervals_to_json(o, m) != 0) goto nomem;
    if (m->n_series > 0 && series_to_json(o, m) != 0) goto nomem;
    /* 17 significant digits: doubles round-trip exactly. */
    *json_out = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!*json_out) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
    return ELSTM_OK;
nomem:
    json_decref(inputs);
    json_decref(o);
    return elstm_diag_set(diag, ELSTM_ERR_NOMEM, NULL, 0, "out of memory");
}

/* Field readers: each reports "WHAT: metadata field 'KEY' ..." on failure. */
typedef struct {
    const char *what;
    elstm_diag *diag;
    elstm_status st;
} reader;

/* `key` may name a nested field as "section.key" (messages show it whole). */
static json_t *field(reader *r, json_t *o, const char *key)
{
    const char *dot = strrchr(key, '.');
    json_t *v = json_object_get(o, dot ? dot + 1 : key);
    if (!v && r->st == ELSTM_OK)
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata lacks the field '%s'", key);
    return v;
}

static void get_str(reader *r, json_t *o, const char *key, char *dst, size_t n)
{
    json_t *v = field(r, o, key);
    if (!v) return;
    if (!json_is_string(v) || json_string_length(v) >= n) {
        if (r->st == ELSTM_OK)
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field '%s' must be a string of at most %zu bytes",
                                   key, n - 1);
        return;
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
}

static long long get_int(reader *r, json_t *o, const char *key, long long lo, long long hi)
{
    json_t *v = field(r, o, key);
    if (!v) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        if (r->st == ELSTM_OK)
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field '%s' must be an integer in [%lld, %lld]",
                                   key, lo, hi);
        return 0;
    }
    return json_integer_value(v);
}

static double get_num(reader *r, json_t *o, const char *key)
{
    json_t *v = field(r, o, key);
    if (!v) return 0.0;
    if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        if (r->st == ELSTM_OK)
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field '%s' must be a finite number", key);
        return 0.0;
    }
    return json_number_value(v);
}

const char *elstm_time_format_check(const char *fmt)
{
    static const char ok[] = "YymdejHIMSfpbBhaAszFTRDnt%";
    int directives = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') continue;
        if (!p[1] || !strchr(ok, p[1])) return p;       /* the unknown directive */
        p++;
        directives++;
    }
    return directives ? NULL : fmt + strlen(fmt);     /* no directive at all */
}

/* Report one bad field of the metadata: "WHAT: edgelstm metadata field 'KEY' ...". */
static elstm_status bad_field(elstm_diag *diag, const char *what, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static elstm_status bad_field(elstm_diag *diag, const char *what, const char *key, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                          "edgelstm metadata field '%s' %s; the file is damaged or was not written by "
                          "edgelstm (train the model again)", key, why);
}

/* Column names never hold control bytes (the CSV reader turns them into '?'). */
static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 1;
    return 0;
}

elstm_status elstm_meta_check(const elstm_meta *m, int need_target, const char *what, elstm_diag *diag)
{
    if (m->version < 1 || m->version > ELSTM_META_VERSION)
        return bad_field(diag, what, "version", "is %d (this edgelstm reads 1 to %d)", m->version, ELSTM_META_VERSION);
    /* time_cols: 1 to 8 names, comma-separated, none empty or repeated */
    int ncols = 0;
    for (const char *p = m->time_cols;; ncols++) {
        size_t len = strcspn(p, ",");
        if (len == 0) return bad_field(diag, what, "time_cols", "must list 1 to 8 column names separated by commas");
        for (const char *q = m->time_cols; q < p; q += strcspn(q, ",") + 1)
            if (strcspn(q, ",") == len && strncmp(q, p, len) == 0)
                return bad_field(diag, what, "time_cols", "names column '%.*s' twice", (int)len, p);
        if (!p[len]) break;
        p += len + 1;
    }
    if (ncols + 1 > 8) return bad_field(diag, what, "time_cols", "names more than 8 columns");
    if (has_control(m->time_cols)) return bad_field(diag, what, "time_cols", "holds control characters");
    if (m->time_format[0]) {
        const char *bad = elstm_time_format_check(m->time_format);
        if (bad)
            return bad_field(diag, what, "time_format", "'%s' is not a usable time format (%s%.2s%s)", m->time_format,
                             *bad ? "unknown directive '" : "it has no directive", bad, *bad ? "'" : "");
    }
    if (m->skip_rows < 0 || m->skip_rows > ELSTM_MAX_SKIP_ROWS)
        return bad_field(diag, what, "skip_rows", "is %d, not from 0 to %d", m->skip_rows, ELSTM_MAX_SKIP_ROWS);
    if (m->interval_s < 1 || m->interval_s > ELSTM_MAX_INTERVAL_S)
        return bad_field(diag, what, "interval_s", "is %lld, not a sampling interval from 1 s to 100 years",
                         (long long)m->interval_s);
    if (m->max_gap < 0 || m->max_gap > ELSTM_MAX_GAP_STEPS)
        return bad_field(diag, what, "max_gap", "is %d, not from 0 to %d", m->max_gap, ELSTM_MAX_GAP_STEPS);
    if (m->steps < 1 || m->steps > ELSTM_MAX_STEPS)
        return bad_field(diag, what, "steps", "is %d, not from 1 to %d", m->steps, ELSTM_MAX_STEPS);
    if (m->horizon < 1 || m->horizon > ELSTM_MAX_HORIZON)
        return bad_field(diag, what, "horizon", "is %d, not from 1 to %d", m->horizon, ELSTM_MAX_HORIZON);
    if (!(m->split_train > 0 && m->split_train < 1))
        return bad_field(diag, what, "split_train", "is %g, not a fraction above 0 and below 1", m->split_train);
    if (!(m->split_val >= 0 && m->split_val < 1 && m->split_train + m->split_val < 1))
        return bad_field(diag, what, "split_val", "is %g, not a fraction from 0 that leaves room for the test split "
                         "after split_train %g", m->split_val, m->split_train);
    if (need_target && !m->target[0])
        return bad_field(diag, what, "target", "is empty (it names the column the model forecasts)");
    if (has_control(m->target)) return bad_field(diag, what, "target", "holds control characters");
    if (!(isfinite(m->target_min) && isfinite(m->target_max) && m->target_min <= m->target_max))
        return bad_field(diag, what, "target_min", "and 'target_max' (%g, %g) are not a finite range", m->target_min,
                         m->target_max);
    if (m->n_inputs < 1 || m->n_inputs > ELSTM_META_MAX_INPUTS)
        return bad_field(diag, what, "inputs", "holds %d inputs, not 1 to %d", m->n_inputs, ELSTM_META_MAX_INPUTS);
    for (int i = 0; i < m->n_inputs; i++) {
        const elstm_meta_input *in = &m->inputs[i];
        char key[48];
        snprintf(key, sizeof key, "inputs[%d]", i);
        int timed = in->enc == ELSTM_ENC_TIME_SIN || in->enc == ELSTM_ENC_TIME_COS;
        if ((unsigned)in->enc > ELSTM_ENC_TIME_COS || (unsigned)in->tf > ELSTM_TF_MONTH)
            return bad_field(diag, what, key, "has an unknown encoding or time feature");
        if (!in->name[0]) return bad_field(diag, what, key, "has an empty name");
        if (has_control(in->name) || has_control(in->source))
            return bad_field(diag, what, key, "has control characters in its name or source");
        if (timed && (in->tf == ELSTM_TF_NONE || in->source[0]))
            return bad_field(diag, what, key, "('%s') is a calendar input, so it needs a time_feature and no source column",
                             in->name);
        if (!timed && (in->tf != ELSTM_TF_NONE || !in->source[0]))
            return bad_field(diag, what, key, "('%s') reads a column, so it needs a source and time_feature 'none'",
                             in->name);
        if (!(isfinite(in->min) && isfinite(in->max) && in->min <= in->max))
            return bad_field(diag, what, key, "('%s') has a scaler min %g, max %g that is not a finite range", in->name,
                             in->min, in->max);
    }
    /* a column is read one way: as numbers or as compass points, not both; the target's
     * column as numbers */
    for (int i = 0; i < m->n_inputs; i++) {
        const elstm_meta_input *a = &m->inputs[i];
        if ((a->enc == ELSTM_ENC_COMPASS_SIN || a->enc == ELSTM_ENC_COMPASS_COS) && strcasecmp(a->source, m->target) == 0) {
            char key[48];
            snprintf(key, sizeof key, "inputs[%d]", i);
            return bad_field(diag, what, key, "('%s') reads the target's column '%s' as compass points", a->name,
                             a->source);
        }
        for (int j = 0; j < i; j++) {
            const elstm_meta_input *b = &m->inputs[j];
            if (a->source[0] && strcasecmp(a->source, b->source) == 0 &&
                (a->enc == ELSTM_ENC_NUMERIC) != (b->enc == ELSTM_ENC_NUMERIC)) {
                char key[48];
                snprintf(key, sizeof key, "inputs[%d]", i);
                return bad_field(diag, what, key, "('%s') reads column '%s' as %s, but input %d reads it as %s",
                                 a->name, a->source, a->enc == ELSTM_ENC_NUMERIC ? "numbers" : "compass points", j,
                                 b->enc == ELSTM_ENC_NUMERIC ? "numbers" : "compass points");
            }
        }
    }
    if (m->target_input < -1 || m->target_input >= m->n_inputs)
        return bad_field(diag, what, "target_input", "is %d, not -1 or the index of an input", m->target_input);
    const size_t nv = (size_t)m->n_inputs + 1;
    if (m->n_series < 0 || m->n_series > ELSTM_META_MAX_SERIES || (size_t)m->n_series * nv > ELSTM_META_MAX_SERIES_VALUES)
        return bad_field(diag, what, "series_scalers", "holds %d series of %zu values, more than %d series or %d values",
                         m->n_series, nv, ELSTM_META_MAX_SERIES, ELSTM_META_MAX_SERIES_VALUES);
    for (int k = 0; k < m->n_series; k++) {
        if (!m->series_name[k][0] || has_control(m->series_name[k]) || strchr(m->series_name[k], '/'))
            return bad_field(diag, what, "series_scalers", "entry %d needs a file name without folders or control "
                             "characters", k);
        for (int j = 0; j < k; j++)
            if (strcmp(m->series_name[j], m->series_name[k]) == 0)
                return bad_field(diag, what, "series_scalers", "names series '%s' twice", m->series_name[k]);
        for (size_t v = 0; v < nv; v++) {
            const double lo = m->series_min[(size_t)k * nv + v], hi = m->series_max[(size_t)k * nv + v];
            if (!(isfinite(lo) && isfinite(hi) && lo <= hi))
                return bad_field(diag, what, "series_scalers", "entry %d ('%s') value %zu has min %g, max %g, not a "
                                 "finite range", k, m->series_name[k], v, lo, hi);
        }
    }
    return ELSTM_OK;
}

static int get_bool(reader *r, json_t *o, const char *key)
{
    json_t *v = field(r, o, key);
    if (v && !json_is_boolean(v) && r->st == ELSTM_OK)
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field '%s' must be true or false", key);
    return v && json_is_true(v);
}

/* One history array of n numbers; null allowed (as NAN) when `nullable`; values >= lo. */
static void get_series(reader *r, json_t *h, const char *key, size_t n, int nullable, double lo,
                       elstm_epoch_record *out, size_t member)
{
    json_t *a = field(r, h, key);
    if (r->st != ELSTM_OK) return;
    if (!json_is_array(a) || json_array_size(a) != n) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field '%s' must be a list of %zu numbers, one per "
                               "entry of 'training.history.epoch'", key, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, i);
        double x = NAN;
        if (json_is_number(v)) x = json_number_value(v);
        if (!(json_is_null(v) && nullable) && !(isfinite(x) && x >= lo)) {
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field '%s' entry %zu must be a finite number >= %g%s",
                                   key, i, lo, nullable ? " or null" : "");
            return;
        }
        memcpy((char *)&out[i] + member, &x, sizeof x);
    }
}

static void get_training(reader *r, json_t *o, elstm_meta_training *t)
{
    json_t *tr = json_object_get(o, "training");
    if (!tr) return; /* older files: no record */
    if (!json_is_object(tr)) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field 'training' must be an object");
        return;
    }
    t->present = 1;
    t->units = (int)get_int(r, tr, "training.units", 1, 1000000);
    t->batch = (int)get_int(r, tr, "training.batch", 1, 1000000000);
    t->epochs = (int)get_int(r, tr, "training.epochs", 1, 1000000000);
    t->patience = (int)get_int(r, tr, "training.patience", 0, 1000000000);
    t->threads = (int)get_int(r, tr, "training.threads", 1, 1000000);
    t->lr = get_num(r, tr, "training.lr");
    char seed[24] = "";
    get_str(r, tr, "training.seed", seed, sizeof seed);
    char *end = NULL;
    t->seed = strtoull(seed, &end, 10);
    if (r->st == ELSTM_OK && (!seed[0] || *end || seed[0] == '-'))
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field 'training.seed' must be a decimal integer");
    t->epochs_run = (int)get_int(r, tr, "training.epochs_run", 0, 1000000000);
    t->best_epoch = (int)get_int(r, tr, "training.best_epoch", 0, t->epochs_run);
    json_t *bl = field(r, tr, "training.best_loss");
    t->best_loss = bl && json_is_number(bl) ? json_number_value(bl) : NAN;
    if (bl && !json_is_null(bl) && !isfinite(t->best_loss) && r->st == ELSTM_OK)
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field 'training.best_loss' must be a number or null");
    t->early_stopped = get_bool(r, tr, "training.early_stopped");
    get_str(r, tr, "training.monitor", t->monitor, sizeof t->monitor);
    if (r->st == ELSTM_OK && strcmp(t->monitor, "val_loss") != 0 && strcmp(t->monitor, "loss") != 0)
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field 'training.monitor' must be \"val_loss\" or \"loss\"");
    json_t *h = field(r, tr, "training.history");
    if (r->st != ELSTM_OK) return;
    json_t *ep = json_is_object(h) ? json_object_get(h, "epoch") : NULL;
    size_t n = json_is_array(ep) ? json_array_size(ep) : 0;
    if (!json_is_array(ep) || n > ELSTM_META_MAX_EPOCHS) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field 'training.history' must hold a list 'epoch' of at "
                               "most %d epochs", ELSTM_META_MAX_EPOCHS);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(ep, i);
        long long e = json_is_integer(v) ? json_integer_value(v) : 0;
        if (e < 1 || e > t->epochs_run || (i > 0 && e <= t->history[i - 1].epoch)) {
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field 'training.history.epoch' must list increasing "
                                   "epochs from 1 to 'training.epochs_run' (%d)", t->epochs_run);
            return;
        }
        t->history[i].epoch = (int)e;
    }
    get_series(r, h, "training.history.loss", n, 0, 0.0, t->history, offsetof(elstm_epoch_record, loss));
    get_series(r, h, "training.history.val_loss", n, 1, 0.0, t->history, offsetof(elstm_epoch_record, val_loss));
    get_series(r, h, "training.history.lr", n, 0, 0.0, t->history, offsetof(elstm_epoch_record, lr));
    t->n_history = (int)n;
    if (json_object_get(tr, "clip_norm")) t->clip_norm = get_num(r, tr, "training.clip_norm");
    if (json_object_get(tr, "lr_factor")) {
        t->lr_factor = get_num(r, tr, "training.lr_factor");
        t->lr_patience = (int)get_int(r, tr, "training.lr_patience", 0, 1000000000);
        t->min_lr = get_num(r, tr, "training.min_lr");
    }
    if (json_object_get(tr, "sampling")) {
        char smp[16] = "";
        get_str(r, tr, "training.sampling", smp, sizeof smp);
        if (r->st == ELSTM_OK && strcmp(smp, "series") != 0 && strcmp(smp, "uniform") != 0)
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field 'training.sampling' must be \"uniform\" or \"series\"");
        t->sampling = strcmp(smp, "series") == 0;
    }
    if (r->st == ELSTM_OK && (t->clip_norm < 0 || t->lr_factor < 0 || t->lr_factor > 1 || t->min_lr < 0))
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata fields 'training.clip_norm', 'lr_factor' and 'min_lr' must "
                               "be >= 0 (lr_factor at most 1)");
}

/* The optional forecasting fields: target_mode, intervals (absent: level, no intervals). */
static void get_forecast_fields(reader *r, json_t *o, elstm_meta *m)
{
    json_t *tm = json_object_get(o, "target_mode");
    if (tm && r->st == ELSTM_OK) {
        char mode[16] = "";
        get_str(r, o, "target_mode", mode, sizeof mode);
        if (strcmp(mode, "delta") == 0) m->target_mode = ELSTM_TARGET_DELTA;
        else if (strcmp(mode, "level") != 0 && r->st == ELSTM_OK)
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field 'target_mode' must be \"level\" or \"delta\"");
        if (r->st == ELSTM_OK && m->target_mode == ELSTM_TARGET_DELTA && m->target_input < 0)
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata says 'target_mode' delta but the target is not "
                                   "among the inputs ('target_input' is -1)");
    }
    json_t *iv = json_object_get(o, "intervals");
    if (!iv || r->st != ELSTM_OK) return;
    size_t n = json_is_array(iv) ? json_array_size(iv) : 0;
    if (!json_is_array(iv) || n < 1 || n > ELSTM_META_MAX_LEVELS) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field 'intervals' must be a list of 1 to %d levels",
                               ELSTM_META_MAX_LEVELS);
        return;
    }
    const int O = elstm_meta_outputs(m);
    if (O > ELSTM_MAX_HORIZONS) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata has intervals for %d outputs; at most %d outputs carry them", O,
                               ELSTM_MAX_HORIZONS);
        return;
    }
    m->n_calib = (size_t)get_int(r, o, "calibration_windows", 1, 1000000000000LL);
    for (size_t l = 0; l < n && r->st == ELSTM_OK; l++) {
        json_t *e = json_array_get(iv, l), *hw = json_is_object(e) ? json_object_get(e, "halfwidth") : NULL;
        elstm_meta_interval *in = &m->intervals[l];
        in->level = json_is_object(e) ? get_num(r, e, "intervals.level") : NAN;
        if (r->st == ELSTM_OK && !(in->level > 0 && in->level < 100 && (l == 0 || in->level > in[-1].level)))
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field 'intervals' entry %zu must have a 'level' above 0, "
                                   "below 100 and above the entry before", l);
        if (r->st == ELSTM_OK && (!json_is_array(hw) || json_array_size(hw) != (size_t)O))
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field 'intervals' entry %zu must have a 'halfwidth' list "
                                   "of %d numbers, one per output", l, O);
        for (int j = 0; r->st == ELSTM_OK && j < O; j++) {
            json_t *v = json_array_get(hw, (size_t)j);
            in->halfwidth[j] = json_is_number(v) ? json_number_value(v) : NAN;
            if (!(in->halfwidth[j] >= 0) || !isfinite(in->halfwidth[j]))
                r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                       "edgelstm metadata field 'intervals' entry %zu: halfwidth %d must be a "
                                       "finite number >= 0", l, j);
        }
    }
    m->n_intervals = (int)n;
}

/* "series_scalers" (optional): the scalers of the series of a per-series model. */
static void get_series_scalers(reader *r, json_t *o, elstm_meta *m)
{
    json_t *a = json_object_get(o, "series_scalers");
    if (!a || r->st != ELSTM_OK) return;
    const size_t nv = (size_t)m->n_inputs + 1, n = json_is_array(a) ? json_array_size(a) : 0;
    if (!json_is_array(a) || n < 1 || n > ELSTM_META_MAX_SERIES || n * nv > ELSTM_META_MAX_SERIES_VALUES) {
        r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                               "edgelstm metadata field 'series_scalers' must be a list of 1 to %d series "
                               "(at most %d values: series x (inputs + 1))", ELSTM_META_MAX_SERIES,
                               ELSTM_META_MAX_SERIES_VALUES);
        return;
    }
    for (size_t k = 0; k < n && r->st == ELSTM_OK; k++) {
        json_t *e = json_array_get(a, k);
        json_t *lo = json_is_object(e) ? json_object_get(e, "min") : NULL, *hi = json_is_object(e) ? json_object_get(e, "max") : NULL;
        if (!json_is_array(lo) || !json_is_array(hi) || json_array_size(lo) != nv || json_array_size(hi) != nv) {
            r->st = elstm_diag_set(r->diag, ELSTM_ERR_FORMAT, r->what, 0,
                                   "edgelstm metadata field 'series_scalers' entry %zu must have 'min' and 'max' "
                                   "lists of %zu numbers (the inputs', then the target's)", k, nv);
            return;
        }
        get_str(r, e, "name", m->series_name[k], sizeof m->series_name[k]);
        for (size_t v = 0; v < nv; v++) {
            json_t *x = json_array_get(lo, v), *y = json_array_get(hi, v);
            m->series_min[k * nv + v] = json_is_number(x) ? json_number_value(x) : NAN;
            m->series_max[k * nv + v] = json_is_number(y) ? json_number_value(y) : NAN;
        }
    }
    m->n_series = (int)n;
}

elstm_status elstm_meta_from_json(const char *json, size_t len, const char *what, elstm_meta *m,
                                  elstm_diag *diag)
{
    memset(m, 0, sizeof *m);
    json_error_t err;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                              "edgelstm metadata is not a valid JSON object (%s)",
                              o ? "not an object" : err.text);
    }
    reader r = {what, diag, ELSTM_OK};
    m->version = (int)get_int(&r, o, "version", 1, 1000000);
    if (r.st == ELSTM_OK && m->version > ELSTM_META_VERSION) {
        r.st = elstm_diag_set(diag, ELSTM_ERR_UNSUPPORTED, what, 0,
                              "edgelstm metadata version %d is newer than this edgelstm reads "
                              "(%d); upgrade edgelstm", m->version, ELSTM_META_VERSION);
    }
    get_str(&r, o, "tool_version", m->tool_version, sizeof m->tool_version);
    get_str(&r, o, "time_cols", m->time_cols, sizeof m->time_cols);
    get_str(&r, o, "time_format", m->time_format, sizeof m->time_format);
    get_str(&r, o, "time_layout", m->time_layout, sizeof m->time_layout);
    m->skip_rows = (int)get_int(&r, o, "skip_rows", 0, 1000000000);
    m->interval_s = get_int(&r, o, "interval_s", 0, 100LL * 366 * 86400);
    m->max_gap = (int)get_int(&r, o, "max_gap", 0, 1000000000);
    m->steps = (int)get_int(&r, o, "steps", 1, 1000000000);
    m->horizon = (int)get_int(&r, o, "horizon", 1, 1000000000);
    m->split_train = get_num(&r, o, "split_train");
    m->split_val = get_num(&r, o, "split_val");
    get_str(&r, o, "target", m->target, sizeof m->target);
    m->target_min = get_num(&r, o, "target_min");
    m->target_max = get_num(&r, o, "target_max");
    json_t *inputs = field(&r, o, "inputs");
    size_t n = inputs && json_is_array(inputs) ? json_array_size(inputs) : 0;
    if (r.st == ELSTM_OK && (!json_is_array(inputs) || n < 1 || n > ELSTM_META_MAX_INPUTS))
        r.st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                              "edgelstm metadata field 'inputs' must be a list of 1 to %d inputs",
                              ELSTM_META_MAX_INPUTS);
    m->target_input = (int)get_int(&r, o, "target_input", -1, (long long)n - 1);
    for (size_t i = 0; r.st == ELSTM_OK && i < n; i++) {
        json_t *e = json_array_get(inputs, i);
        elstm_meta_input *in = &m->inputs[i];
        char enc[32] = "", tf[32] = "";
        if (!json_is_object(e)) {
            r.st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                                  "edgelstm metadata input %zu is not an object", i);
            break;
        }
        get_str(&r, e, "name", in->name, sizeof in->name);
        get_str(&r, e, "source", in->source, sizeof in->source);
        get_str(&r, e, "encoding", enc, sizeof enc);
        get_str(&r, e, "time_feature", tf, sizeof tf);
        in->min = get_num(&r, e, "min");
        in->max = get_num(&r, e, "max");
        if (json_object_get(e, "lead")) in->lead = (int)get_int(&r, e, "lead", 1, 1000000000);
        int ei = lookup(enc, enc_names, (int)(sizeof enc_names / sizeof enc_names[0]));
        int ti = lookup(tf, tf_names, (int)(sizeof tf_names / sizeof tf_names[0]));
        if (r.st == ELSTM_OK && (ei < 0 || ti < 0))
            r.st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                                  "edgelstm metadata input '%s' has an unknown encoding '%s' or "
                                  "time feature '%s'", in->name, enc, tf);
        in->enc = (elstm_encoding)(ei < 0 ? 0 : ei);
        in->tf = (elstm_time_feature)(ti < 0 ? 0 : ti);
        if (r.st == ELSTM_OK && in->lead && in->enc != ELSTM_ENC_TIME_SIN && in->enc != ELSTM_ENC_TIME_COS)
            r.st = elstm_diag_set(diag, ELSTM_ERR_FORMAT, what, 0,
                                  "edgelstm metadata input '%s' has a 'lead', which only calendar inputs may "
                                  "have", in->name);
    }
    m->n_inputs = (int)n;
    if (r.st == ELSTM_OK) get_training(&r, o, &m->training);
    /* optional, added later */
    m->outputs = json_object_get(o, "outputs") ? (int)get_int(&r, o, "outputs", 1, 100000) : 0;
    if (json_object_get(o, "scaler_source"))
        get_str(&r, o, "scaler_source", m->scaler_source, sizeof m->scaler_source);
    if (json_object_get(o, "stateful")) m->stateful = get_bool(&r, o, "stateful");
    if (r.st == ELSTM_OK) get_forecast_fields(&r, o, m);
    if (r.st == ELSTM_OK) get_series_scalers(&r, o, m);
    json_decref(o);
    if (r.st == ELSTM_OK) r.st = elstm_meta_check(m, 1, what, diag);
    if (r.st != ELSTM_OK) memset(m, 0, sizeof *m);
    return r.st;
}
