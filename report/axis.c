/* axis.c - scales and ticks: nice numbers for linear axes, decades for log axes, calendar
 * steps for time axes (naive times, as the data layer keeps them: gmtime/timegm maths). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const char *const month_abbr[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void add_tick(scale *s, double v, const char *label)
{
    if (s->n >= AXIS_MAX_TICKS) return;
    s->tick[s->n].v = v;
    snprintf(s->tick[s->n].label, sizeof s->tick[s->n].label, "%s", label);
    s->n++;
}

double nice_step(double range, int target)
{
    double raw = range / (target > 0 ? target : 1);
    double p = pow(10.0, floor(log10(raw)));
    double f = raw / p;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * p;
}

static void ticks_linear(scale *s, double lo, double hi, int target)
{
    double step = s->step > 0 ? s->step : nice_step(hi - lo, target);
    if (s->integer && step < 1.0) step = 1.0;
    s->lo = s->exact ? lo : floor(lo / step + 1e-9) * step;
    s->hi = s->exact ? hi : ceil(hi / step - 1e-9) * step;
    int dec = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    long first = lround(ceil(s->lo / step - 1e-9)), last = lround(floor(s->hi / step + 1e-9));
    for (long k = first; k <= last && s->n < AXIS_MAX_TICKS; k++) {
        char buf[40];
        add_tick(s, (double)k * step, fmt_num((double)k * step, dec, buf, sizeof buf));
    }
}

static void ticks_log(scale *s, double lo, double hi)
{
    if (!(lo > 0)) lo = hi > 0 ? hi / 10.0 : 1.0;
    if (!(hi > lo)) hi = lo * 10.0;
    /* decades; or 1, 2 and 5 times them; or every integer multiple: the first level with
     * at least 3 ticks once the domain reaches the ticks just outside [lo, hi] */
    static const double mult[3][9] = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int n_mult[3] = {1, 3, 9};
    /* 1, 2, 5 steps suit up to about 3 decades; decades alone beyond that */
    for (int level = log10(hi / lo) >= 3 ? 0 : 1; level < 3; level++) {
        double below = lo, above = hi;
        for (int e = (int)floor(log10(lo)) - 1; e <= (int)ceil(log10(hi)) + 1; e++)
            for (int m = 0; m < n_mult[level]; m++) {
                double v = mult[level][m] * pow(10.0, e);
                if (v <= lo * (1 + 1e-9)) below = v;
                if (v >= hi * (1 - 1e-9) && above == hi) above = v;
            }
        s->lo = below;
        s->hi = above;
        s->n = 0;
        for (int e = (int)floor(log10(below)) - 1; e <= (int)ceil(log10(above)); e++)
            for (int m = 0; m < n_mult[level]; m++) {
                double v = mult[level][m] * pow(10.0, e);
                if (v < below * (1 - 1e-9) || v > above * (1 + 1e-9)) continue;
                char buf[40];
                add_tick(s, v, fmt_sig(v, 1, buf, sizeof buf));
            }
        if (s->n >= 3) return;
    }
}

/* ---- time ---------------------------------------------------------------------------- */

enum { U_SEC, U_DAY, U_WEEK, U_MONTH, U_YEAR };
typedef struct tstep { int unit; long n; double approx; } tstep;

static const tstep tsteps[] = {
    {U_SEC, 1, 1}, {U_SEC, 2, 2}, {U_SEC, 5, 5}, {U_SEC, 10, 10}, {U_SEC, 15, 15}, {U_SEC, 30, 30},
    {U_SEC, 60, 60}, {U_SEC, 120, 120}, {U_SEC, 300, 300}, {U_SEC, 600, 600}, {U_SEC, 900, 900},
    {U_SEC, 1800, 1800}, {U_SEC, 3600, 3600}, {U_SEC, 7200, 7200}, {U_SEC, 10800, 10800},
    {U_SEC, 21600, 21600}, {U_SEC, 43200, 43200}, {U_DAY, 1, 86400}, {U_DAY, 2, 2 * 86400},
    {U_WEEK, 1, 7 * 86400}, {U_WEEK, 2, 14 * 86400}, {U_MONTH, 1, 30.44 * 86400},
    {U_MONTH, 2, 60.9 * 86400}, {U_MONTH, 3, 91.3 * 86400}, {U_MONTH, 6, 182.6 * 86400},
    {U_YEAR, 1, 365.2 * 86400}, {U_YEAR, 2, 730.5 * 86400}, {U_YEAR, 5, 1826 * 86400},
    {U_YEAR, 10, 3652 * 86400}, {U_YEAR, 20, 7305 * 86400}, {U_YEAR, 50, 18262 * 86400.0},
    {U_YEAR, 100, 36524 * 86400.0}, {U_YEAR, 1000, 365242 * 86400.0},
};

static void civil(double t, struct tm *tm)
{
    time_t tt = (time_t)floor(t);
    gmtime_r(&tt, tm);
}

static double from_civil(long year, int mon0, int mday)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)(year - 1900);
    tm.tm_mon = mon0;
    tm.tm_mday = mday;
    return (double)timegm(&tm);
}

static void time_label(const tstep *st, double t, int first, double prev, char *buf, size_t n)
{
    struct tm tm, pm;
    civil(t, &tm);
    civil(prev, &pm);
    int new_year = first || pm.tm_year != tm.tm_year;
    switch (st->unit) {
    case U_YEAR:
        snprintf(buf, n, "%d", tm.tm_year + 1900);
        break;
    case U_MONTH:
        if (new_year || tm.tm_mon == 0) snprintf(buf, n, "%s %d", month_abbr[tm.tm_mon], tm.tm_year + 1900);
        else snprintf(buf, n, "%s", month_abbr[tm.tm_mon]);
        break;
    case U_DAY:
    case U_WEEK:
        if (new_year) snprintf(buf, n, "%d %s %d", tm.tm_mday, month_abbr[tm.tm_mon], tm.tm_year + 1900);
        else snprintf(buf, n, "%d %s", tm.tm_mday, month_abbr[tm.tm_mon]);
        break;
    default:
        if (st->n >= 60 && tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0)
            snprintf(buf, n, "%d %s", tm.tm_mday, month_abbr[tm.tm_mon]);
        else if (st->n >= 60)
            snprintf(buf, n, "%02d:%02d", tm.tm_hour, tm.tm_min);
        else
            snprintf(buf, n, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
        break;
    }
}

static void ticks_time(scale *s, double lo, double hi, int target)
{
    s->lo = lo;
    s->hi = hi;
    const tstep *st = &tsteps[sizeof tsteps / sizeof tsteps[0] - 1];
    for (size_t i = 0; i < sizeof tsteps / sizeof tsteps[0]; i++)
        if ((hi - lo) / tsteps[i].approx <= target) {
            st = &tsteps[i];
            break;
        }
    double t, prev = lo;
    struct tm tm;
    civil(lo, &tm);
    long year = tm.tm_year + 1900, mon = tm.tm_mon;
    switch (st->unit) {
    case U_SEC:
    case U_DAY:
        t = ceil(lo / ((double)st->n * (st->unit == U_DAY ? 86400.0 : 1.0))) * (double)st->n *
            (st->unit == U_DAY ? 86400.0 : 1.0);
        break;
    case U_WEEK: {
        const double monday = 4 * 86400.0, w = (double)st->n * 7 * 86400.0; /* 1970-01-05 */
        t = monday + ceil((lo - monday) / w) * w;
        break;
    }
    case U_MONTH:
        while ((t = from_civil(year, (int)mon, 1)) < lo || (year * 12 + mon) % st->n != 0) {
            if (++mon == 12) { mon = 0; year++; }
        }
        break;
    default:
        year -= year % st->n;
        while ((t = from_civil(year, 0, 1)) < lo) year += st->n;
        break;
    }
    for (int k = 0; t <= hi && s->n < AXIS_MAX_TICKS; k++) {
        char buf[40];
        time_label(st, t, k == 0, prev, buf, sizeof buf);
        add_tick(s, t, buf);
        prev = t;
        if (st->unit == U_MONTH) {
            mon += st->n;
            year += mon / 12;
            mon %= 12;
            t = from_civil(year, (int)mon, 1);
        } else if (st->unit == U_YEAR) {
            year += st->n;
            t = from_civil(year, 0, 1);
        } else {
            t += st->approx;
        }
    }
}

void scale_ticks(scale *s, scale_kind kind, double lo, double hi, int target)
{
    s->kind = kind;
    s->n = 0;
    if (!isfinite(lo) || !isfinite(hi)) lo = hi = 0.0;
    if (hi < lo) { double t = lo; lo = hi; hi = t; }
    if (kind == SCALE_LOG) {
        ticks_log(s, lo, hi);
        return;
    }
    if (hi == lo) {
        double d = kind == SCALE_TIME ? 3600.0 : (lo != 0.0 ? fabs(lo) * 0.1 : 1.0);
        lo -= d;
        hi += d;
    }
    if (kind == SCALE_TIME) ticks_time(s, lo, hi, target);
    else ticks_linear(s, lo, hi, target);
}

double scale_px(const scale *s, double v)
{
    double a = s->lo, b = s->hi;
    if (s->kind == SCALE_LOG) {
        v = v > 0 ? log10(v) : -INFINITY;
        a = log10(a);
        b = log10(b);
    }
    return s->p0 + (v - a) / (b - a) * (s->p1 - s->p0);
}

const char *fmt_time(double t, char *buf, size_t n)
{
    struct tm tm;
    civil(t, &tm);
    if (tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0)
        snprintf(buf, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    else if (tm.tm_sec == 0)
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min);
    else
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

const char *fmt_duration(double s, char *buf, size_t n)
{
    static const struct { double sec; const char *one, *many; } u[] = {
        {7 * 86400.0, "week", "weeks"}, {86400.0, "day", "days"}, {3600.0, "h", "h"},
        {60.0, "min", "min"}, {1.0, "s", "s"}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        double q = s / u[i].sec;
        if (q >= 1.0 || i + 1 == sizeof u / sizeof u[0]) {
            if (fabs(q - round(q)) < 1e-9) snprintf(buf, n, "%.0f %s", q, q == 1.0 ? u[i].one : u[i].many);
            else if (i + 1 < sizeof u / sizeof u[0] && q < 10 && fabs(q * 2 - round(q * 2)) < 1e-9)
                snprintf(buf, n, "%.1f %s", q, u[i].many);
            else continue;
            return buf;
        }
    }
    snprintf(buf, n, "%.0f s", s);
    return buf;
}
