/*
 * columns.c - what each column holds, its statistics, and the model's inputs.
 *
 * Kinds (decided over the whole column, missing cells aside):
 *   numeric  more numbers than other texts (any text in it is an error once it is used)
 *   compass  no numbers and mostly 16-point compass tokens (N, NNE, ... NNW, any case;
 *            calm/variable markers C, CALM, CV, VRB, VAR count as compass)
 *   index    numeric, no missing cell, 0,1,2,... or 1,2,3,..., unnamed or named No,
 *            index, idx, id, row, # or n: a row counter (pandas' unnamed index, the
 *            Beijing files' "No"); never a default input
 *   time     a time column
 *   text     anything else (station names, quality flags); never an input
 * Inputs: a numeric column as it is; a compass column as the pair NAME_sin, NAME_cos of
 * its angle (N = 0 deg, E = 90 deg; calm = 0, 0); --time-features as NAME_sin, NAME_cos
 * of a calendar phase.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define TWO_PI 6.283185307179586476925286766559

static const char *const compass_points[16] = {"N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
                                               "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"};

double compass_angle(const char *s)
{
    static const char *const calm[] = {"C", "CALM", "CV", "VRB", "VAR", "VARIABLE"};
    size_t n = strnlen(s, 9);
    if (n == 0 || n > 8) return -2.0;       /* most texts (times, names) end here */
    for (int i = 0; i < 16; i++)
        if (strlen(compass_points[i]) == n && text_ieqn(s, compass_points[i], n)) return 22.5 * i;
    for (size_t i = 0; i < sizeof calm / sizeof calm[0]; i++)
        if (strlen(calm[i]) == n && text_ieqn(s, calm[i], n)) return -1.0;
    return -2.0;
}

double time_feature_phase(elstm_time_feature tf, int64_t t)
{
    int64_t days = time_floor_div(t, 86400), sec = t - days * 86400, y;
    int m, d;
    switch (tf) {
    case ELSTM_TF_HOUR: return (double)sec / 86400.0;
    case ELSTM_TF_WEEKDAY: return (double)((days % 7 + 7 + 3) % 7) / 7.0;   /* Monday = 0 */
    case ELSTM_TF_DOY:
        time_civil_from_days(days, &y, &m, &d);
        return (double)(days - time_days_from_civil(y, 1, 1)) / 365.2425;
    case ELSTM_TF_MONTH:
        time_civil_from_days(days, &y, &m, &d);
        return (m - 1) / 12.0;
    default: return 0.0;
    }
}

/* sin/cos with exact zeros and ones at the quarter turns (compass N, E, S, W). */
static double clean(double v) { return fabs(v) < 1e-15 ? 0.0 : v; }

const char *elstm_column_kind_name(elstm_column_kind k)
{
    static const char *const names[] = {"numeric", "compass", "time", "text", "index"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

/* ---- kinds and statistics --------------------------------------------------------------- */

static int is_time_col(const series *s, int c)
{
    for (int i = 0; i < s->ncols; i++)
        if (s->col[i] == c) return 1;
    return 0;
}

/* A row counter: 0,1,2,... or 1,2,3,... in a column that is unnamed or named like an
 * index. (A ramp series named "x" stays a feature.) */
static int is_counter(const csv_column *col, size_t n)
{
    static const char *const index_names[] = {"no", "no.", "index", "idx", "id", "row", "#", "n"};
    int named = col->unnamed;
    for (size_t i = 0; i < sizeof index_names / sizeof index_names[0]; i++)
        named |= text_ieq(col->name, index_names[i]);
    if (!named || n < 2 || col->n_num != n) return 0;
    double first = col->cell[0].num;
    if (first != 0.0 && first != 1.0) return 0;
    for (size_t r = 1; r < n; r++)
        if (col->cell[r].num != first + (double)r) return 0;
    return 1;
}

elstm_status columns_describe(elstm_dataset *ds, const csv_table *t, const series *s,
                              elstm_diag *diag)
{
    ds->columns = calloc((size_t)t->ncols, sizeof *ds->columns);
    if (!ds->columns) return elstm_diag_set(diag, ELSTM_ERR_NOMEM, t->path, 0, "out of memory");
    ds->n_columns = t->ncols;
    for (int c = 0; c < t->ncols; c++) {
        const csv_column *col = &t->col[c];
        elstm_column_stats *cs = &ds->columns[c];
        text_copy(cs->name, sizeof cs->name, col->name);
        cs->missing = col->n_missing;
        cs->min = cs->max = NAN;
        size_t n_comp = 0, n_dir = 0;
        for (size_t r = 0; r < t->nrows && col->n_num == 0; r++) {
            if (col->state[r] != CELL_TEXT) continue;
            double a = compass_angle(csv_text(t, c, r));
            n_comp += a > -2.0;
            n_dir += a >= 0.0;
            if (a >= 0.0 && !(a >= cs->min)) cs->min = a;    /* !(>=): NAN start */
            if (a >= 0.0 && !(a <= cs->max)) cs->max = a;
        }
        size_t numeric = col->n_num + col->n_overflow;
        if (is_time_col(s, c)) cs->kind = ELSTM_COL_TIME;
        else if (numeric == 0 && n_dir > 0 && 2 * n_comp > col->n_text) cs->kind = ELSTM_COL_COMPASS;
        else if (numeric >= col->n_text) cs->kind = is_counter(col, t->nrows) ? ELSTM_COL_INDEX
                                                                                : ELSTM_COL_NUMERIC;
        else cs->kind = ELSTM_COL_TEXT;
        if (cs->kind != ELSTM_COL_COMPASS) cs->min = cs->max = NAN;
        if (cs->kind == ELSTM_COL_COMPASS || cs->kind == ELSTM_COL_TEXT) continue;
        /* numbers; a time column named by --time keeps texts, which count if all are numbers */
        for (size_t r = 0; r < t->nrows; r++) {
            double v;
            const char *txt = col->state[r] >= CELL_TEXT ? csv_text(t, c, r) : "";
            if (col->state[r] == CELL_MISSING) continue;
            if (col->state[r] == CELL_NUM) v = col->cell[r].num;
            else if (cs->kind != ELSTM_COL_TIME) continue;  /* a bad cell: reported if used */
            else if (csv_parse_number(txt, strlen(txt), &v) != 0) {
                cs->min = cs->max = NAN;                    /* datetime texts: no range */
                break;
            }
            if (!(v >= cs->min)) cs->min = v;
            if (!(v <= cs->max)) cs->max = v;
        }
    }
    return ELSTM_OK;
}

/* ---- selection ---------------------------------------------------------------------------- */

typedef struct selector {
    elstm_dataset *ds;
    const csv_table *t;
    elstm_diag *diag;
    size_t bad_row;             /* earliest bad cell among the used columns */
    int bad_col;
} selector;

/* The first cell in a used column that its kind cannot read. */
static void note_bad_cells(selector *sl, int c)
{
    const csv_column *col = &sl->t->col[c];
    elstm_column_kind k = sl->ds->columns[c].kind;
    for (size_t r = 0; r < sl->t->nrows && r < sl->bad_row; r++) {
        int bad = k == ELSTM_COL_COMPASS
                      ? col->state[r] != CELL_MISSING &&
                            (col->state[r] != CELL_TEXT || compass_angle(csv_text(sl->t, c, r)) < -1.5)
                      : col->state[r] == CELL_TEXT || col->state[r] == CELL_OVERFLOW;
        if (bad) {
            sl->bad_row = r;
            sl->bad_col = c;
            return;
        }
    }
}

static elstm_status report_bad_cell(selector *sl)
{
    const csv_table *t = sl->t;
    int c = sl->bad_col;
    size_t r = sl->bad_row;
    char q[128];
    long line = t->line[r];
    if (t->col[c].state[r] == CELL_OVERFLOW)
        return elstm_diag_set(sl->diag, ELSTM_ERR_FORMAT, t->path, line,
                              "column '%s': %s is too large for a number (the largest is about "
                              "1.8e308)", t->col[c].name, text_quote(csv_text(t, c, r), q, sizeof q));
    char num[64];
    const char *v = t->col[c].state[r] == CELL_NUM ? (snprintf(num, sizeof num, "%.17g", t->col[c].cell[r].num), num)
                                                   : csv_text(t, c, r);
    if (sl->ds->columns[c].kind == ELSTM_COL_COMPASS) {
        return elstm_diag_set(sl->diag, ELSTM_ERR_FORMAT, t->path, line,
                              "column '%s': %s is not a 16-point compass direction (expected N, "
                              "NNE, NE, ENE, E, ESE, SE, SSE, S, SSW, SW, WSW, W, WNW, NW, NNW, a "
                              "calm marker C or CV, or NA / empty for a missing value)",
                              t->col[c].name, text_quote(v, q, sizeof q));
    }
    return elstm_diag_set(sl->diag, ELSTM_ERR_FORMAT, t->path, line,
                          "column '%s': %s is not a number (expected a decimal number such as "
                          "-3.5 or 1e-3, or NA / NaN / empty for a missing value)",
                          t->col[c].name, text_quote(v, q, sizeof q));
}

/* May column c be a model input or the target? */
static elstm_status check_usable(selector *sl, int c, const char *role)
{
    const elstm_column_stats *cs = &sl->ds->columns[c];
    const csv_column *col = &sl->t->col[c];
    const char *path = sl->t->path;
    if (cs->kind == ELSTM_COL_TIME)
        return elstm_diag_set(sl->diag, ELSTM_ERR_DATA, path, 0,
                              "column '%s' holds the time, so it cannot be %s; for calendar inputs "
                              "use --time-features hour,doy,weekday,month", col->name, role);
    if (col->n_missing == sl->t->nrows)
        return elstm_diag_set(sl->diag, ELSTM_ERR_DATA, path, 0,
                              "column '%s' has no values at all (all %zu rows are missing), so it "
                              "cannot be %s%s", col->name, sl->t->nrows, role,
                              strcmp(role, "the target") == 0 ? "; choose another --target"
                                                              : "; leave it out of --features");
    if (cs->kind == ELSTM_COL_TEXT) {
        char q[128];
        size_t r = 0;
        while (col->state[r] != CELL_TEXT) r++;
        return elstm_diag_set(sl->diag, ELSTM_ERR_FORMAT, path, sl->t->line[r],
                              "column '%s' holds text (e.g. %s), not numbers or compass "
                              "directions, so it cannot be %s", col->name,
                              text_quote(csv_text(sl->t, c, r), q, sizeof q), role);
    }
    note_bad_cells(sl, c);
    return ELSTM_OK;
}

static elstm_status add_input(selector *sl, const char *name, const char *suffix, const char *source,
                              elstm_encoding enc, elstm_time_feature tf)
{
    elstm_meta *m = &sl->ds->meta;
    if (m->n_inputs >= ELSTM_META_MAX_INPUTS)
        return elstm_diag_set(sl->diag, ELSTM_ERR_DATA, sl->t->path, 0,
                              "more than %d model inputs; choose fewer columns with --features",
                              ELSTM_META_MAX_INPUTS);
    elstm_meta_input *in = &m->inputs[m->n_inputs];
    memset(in, 0, sizeof *in);
    if (strlen(name) + strlen(suffix) >= sizeof in->name)
        return elstm_diag_set(sl->diag, ELSTM_ERR_DATA, sl->t->path, sl->t->header_line,
                              "column name '%s' is longer than %zu bytes; rename the column to use "
                              "it as a model input", name, sizeof in->name - 1 - strlen(suffix));
    memcpy(in->name, name, strlen(name));
    memcpy(in->name + strlen(name), suffix, strlen(suffix) + 1);
    snprintf(in->source, sizeof in->source, "%s", source);
    for (int i = 0; i < m->n_inputs; i++)
        if (strcmp(m->inputs[i].name, in->name) == 0)
            return elstm_diag_set(sl->diag, ELSTM_ERR_DATA, sl->t->path, 0,
                                  "two model inputs would be named '%s'; rename a column or leave "
                                  "one out of --features", in->name);
    in->enc = enc;
    in->tf = tf;
    m->n_inputs++;
    return ELSTM_OK;
}

static elstm_status add_column_inputs(selector *sl, int c)
{
    const char *name = sl->t->col[c].name;
    sl->ds->columns[c].selected = 1;
    if (sl->ds->columns[c].kind == ELSTM_COL_COMPASS) {
        elstm_status st = add_input(sl, name, "_sin", name, ELSTM_ENC_COMPASS_SIN, ELSTM_TF_NONE);
        return st != ELSTM_OK ? st : add_input(sl, name, "_cos", name, ELSTM_ENC_COMPASS_COS, ELSTM_TF_NONE);
    }
    return add_input(sl, name, "", name, ELSTM_ENC_NUMERIC, ELSTM_TF_NONE);
}

/* Calendar inputs from a --time-features list (prefix "", lead 0: each row's own time) or
 * a --target-time-features list (prefix "target_", lead = the horizon: the forecast time). */
static elstm_status add_time_features(selector *sl, const char *list, const char *option, const char *prefix,
                                      int lead)
{
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        elstm_time_feature tf = ELSTM_TF_NONE;
        for (int k = ELSTM_TF_HOUR; k <= ELSTM_TF_MONTH; k++)
            if (strlen(elstm_time_feature_name((elstm_time_feature)k)) == len &&
                text_ieqn(p, elstm_time_feature_name((elstm_time_feature)k), len))
                tf = (elstm_time_feature)k;
        if (tf == ELSTM_TF_NONE)
            return elstm_diag_set(sl->diag, ELSTM_ERR_ARG, NULL, 0,
                                  "%s: unknown calendar feature '%.*s' (choose from "
                                  "hour, doy, weekday, month)", option, (int)len, p);
        char n[32];
        snprintf(n, sizeof n, "%s%s", prefix, elstm_time_feature_name(tf));
        for (const elstm_meta_input *in = sl->ds->meta.inputs;
             in < sl->ds->meta.inputs + sl->ds->meta.n_inputs; in++)
            if (in->tf == tf && in->lead == lead)
                return elstm_diag_set(sl->diag, ELSTM_ERR_ARG, NULL, 0,
                                      "%s names '%s' twice", option, elstm_time_feature_name(tf));
        elstm_status st = add_input(sl, n, "_sin", "", ELSTM_ENC_TIME_SIN, tf);
        if (st == ELSTM_OK) {
            sl->ds->meta.inputs[sl->ds->meta.n_inputs - 1].lead = lead;
            st = add_input(sl, n, "_cos", "", ELSTM_ENC_TIME_COS, tf);
        }
        if (st != ELSTM_OK) return st;
        sl->ds->meta.inputs[sl->ds->meta.n_inputs - 1].lead = lead;
        p = e ? e + 1 : p + len;
    }
    return ELSTM_OK;
}

/* Inputs from the options: --features (or the default) and --time-features. */
static elstm_status select_from_opts(selector *sl, const elstm_data_opts *o)
{
    const csv_table *t = sl->t;
    elstm_status st = ELSTM_OK;
    if (o->features && !*o->features)
        return elstm_diag_set(sl->diag, ELSTM_ERR_ARG, NULL, 0,
                              "--features is empty; name the input columns (e.g. --features "
                              "TEMP,PRES) or leave the option out to use every numeric column");
    if (o->features) {
        for (const char *p = o->features; *p && st == ELSTM_OK;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            int c = csv_find(t, p, len);
            if (c < 0) return csv_unknown_column(t, c, "--features", p, len, sl->diag);
            if (sl->ds->columns[c].selected)
                return elstm_diag_set(sl->diag, ELSTM_ERR_ARG, NULL, 0,
                                      "--features names column '%s' twice", t->col[c].name);
            st = check_usable(sl, c, "a model input");
            if (st == ELSTM_OK) st = add_column_inputs(sl, c);
            p = e ? e + 1 : p + len;
        }
    } else {
        for (int c = 0; c < t->ncols && st == ELSTM_OK; c++) {
            elstm_column_kind k = sl->ds->columns[c].kind;
            if ((k != ELSTM_COL_NUMERIC && k != ELSTM_COL_COMPASS) || t->col[c].unnamed ||
                t->col[c].n_missing == t->nrows)
                continue;
            st = check_usable(sl, c, "a model input");
            if (st == ELSTM_OK) st = add_column_inputs(sl, c);
        }
    }
    if (st == ELSTM_OK) st = add_time_features(sl, o->time_features, "--time-features", "", 0);
    /* The recipe's default (docs/training.md, "Recipe defaults"): multi-step models see the
     * calendar of the forecast time, hour and day of year (day of year only when the rows
     * are a day or more apart: the hour would be constant); "none" turns it off. */
    const char *ttf = o->target_time_features;
    if (!ttf && o->horizons > 1 && sl->ds->interval_s > 0)
        ttf = sl->ds->interval_s < 86400 ? "hour,doy" : "doy";
    if (ttf && strlen(ttf) == 4 && text_ieqn(ttf, "none", 4)) ttf = NULL;
    if (st == ELSTM_OK) st = add_time_features(sl, ttf, "--target-time-features", "target_", o->horizon);
    if (st == ELSTM_OK && sl->ds->meta.n_inputs == 0)
        st = elstm_diag_set(sl->diag, ELSTM_ERR_DATA, t->path, 0,
                            "no model inputs: the file has no numeric or compass column besides "
                            "the time; name the inputs with --features or add --time-features");
    return st;
}

/* Inputs from a model's metadata: every source column must be there, of its kind. */
static elstm_status select_from_meta(selector *sl)
{
    const csv_table *t = sl->t;
    elstm_meta *m = &sl->ds->meta;
    for (int i = 0; i < m->n_inputs; i++) {
        elstm_meta_input *in = &m->inputs[i];
        if (in->enc == ELSTM_ENC_TIME_SIN || in->enc == ELSTM_ENC_TIME_COS) continue;
        int c = csv_find(t, in->source, strlen(in->source));
        if (c < 0) {
            char cols[600];
            csv_list_columns(t, cols, sizeof cols);
            return elstm_diag_set(sl->diag, ELSTM_ERR_DATA, t->path, t->header_line,
                                  "the model needs column '%s' (for its input '%s'), which this "
                                  "file does not have (columns: %s)", in->source, in->name, cols);
        }
        /* the model's reading of the column wins; cells that do not fit it are reported */
        elstm_column_kind *k = &sl->ds->columns[c].kind;
        if (*k == ELSTM_COL_NUMERIC || *k == ELSTM_COL_COMPASS || *k == ELSTM_COL_INDEX)
            *k = (in->enc == ELSTM_ENC_COMPASS_SIN || in->enc == ELSTM_ENC_COMPASS_COS)
                     ? ELSTM_COL_COMPASS : ELSTM_COL_NUMERIC;
        elstm_status st = check_usable(sl, c, "a model input");
        if (st != ELSTM_OK) return st;
        sl->ds->columns[c].selected = 1;
    }
    return ELSTM_OK;
}

elstm_status columns_select(elstm_dataset *ds, const csv_table *t, const elstm_data_opts *o,
                            int reuse, elstm_diag *diag)
{
    selector sl = {ds, t, diag, SIZE_MAX, -1};
    elstm_meta *m = &ds->meta;
    if (!reuse && o->target) {
        /* an empty target is its own fault, whatever the inputs are */
        int c = csv_find(t, o->target, strlen(o->target));
        if (c >= 0 && t->col[c].n_missing == t->nrows) return check_usable(&sl, c, "the target");
    }
    elstm_status st = reuse ? select_from_meta(&sl) : select_from_opts(&sl, o);
    if (st != ELSTM_OK) return st;
    const char *target = reuse ? (m->target[0] ? m->target : NULL) : o->target;
    if (target) {
        int c = csv_find(t, target, strlen(target));
        if (c < 0) return csv_unknown_column(t, c, reuse ? "the model's target" : "--target", target,
                                             strlen(target), diag);
        if (ds->columns[c].kind == ELSTM_COL_COMPASS)
            return elstm_diag_set(diag, ELSTM_ERR_DATA, t->path, 0,
                                  "the target '%s' is a compass column; the target must be a "
                                  "numeric column", t->col[c].name);
        st = check_usable(&sl, c, "the target");
        if (st != ELSTM_OK) return st;
        ds->columns[c].selected = 1;
        if (!reuse) {
            if (strlen(t->col[c].name) >= sizeof m->target)
                return elstm_diag_set(diag, ELSTM_ERR_DATA, t->path, 0,
                                      "the target's name is longer than %zu bytes; rename the "
                                      "column", sizeof m->target - 1);
            snprintf(m->target, sizeof m->target, "%s", t->col[c].name);
            m->target_input = -1;
            for (int i = 0; i < m->n_inputs; i++)
                if (m->inputs[i].enc == ELSTM_ENC_NUMERIC && strcmp(m->inputs[i].source, m->target) == 0)
                    m->target_input = i;
        }
    } else if (!reuse) {
        m->target[0] = '\0';
        m->target_input = -1;
    }
    if (sl.bad_col >= 0) return report_bad_cell(&sl);
    return ELSTM_OK;
}

/* ---- values ----------------------------------------------------------------------------- */

void columns_fill_numeric(const csv_table *t, const series *s, int c, double *out)
{
    const csv_column *col = &t->col[c];
    for (size_t g = 0; g < s->rows; g++) {
        size_t r = s->src[g];
        out[g] = r != SIZE_MAX && col->state[r] == CELL_NUM ? col->cell[r].num : NAN;
    }
}

void columns_fill_input(const elstm_dataset *ds, const csv_table *t, const series *s, int k,
                        double *out)
{
    const elstm_meta_input *in = &ds->meta.inputs[k];
    if (in->enc == ELSTM_ENC_TIME_SIN || in->enc == ELSTM_ENC_TIME_COS) {
        for (size_t g = 0; g < ds->rows; g++) {
            double a = TWO_PI * time_feature_phase(in->tf, ds->time[g] + (int64_t)in->lead * ds->interval_s);
            out[g] = clean(in->enc == ELSTM_ENC_TIME_SIN ? sin(a) : cos(a));
        }
        return;
    }
    int c = csv_find(t, in->source, strlen(in->source));
    if (in->enc == ELSTM_ENC_NUMERIC) {
        columns_fill_numeric(t, s, c, out);
        return;
    }
    const csv_column *col = &t->col[c];
    for (size_t g = 0; g < s->rows; g++) {
        size_t r = s->src[g];
        out[g] = NAN;
        if (r == SIZE_MAX || col->state[r] != CELL_TEXT) continue;
        double deg = compass_angle(csv_text(t, c, r));
        double a = deg * (TWO_PI / 360.0);
        out[g] = deg < 0 ? 0.0 : clean(in->enc == ELSTM_ENC_COMPASS_SIN ? sin(a) : cos(a));
    }
}
