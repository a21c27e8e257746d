/*
 * time.c - naive civil time (no time zone, no leap seconds) as int64 seconds since
 * 1970-01-01T00:00:00, a locale-free strptime-style parser, and the layouts that are
 * detected without --time-format.
 *
 * Calendar: proleptic Gregorian. Days from a civil date count years from March, so
 * that February 29 is the last day of a year and the day of the year follows from the
 * month with a linear formula (153 days per 5 months from March).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int64_t time_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t time_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = time_floor_div(y, 400);
    int64_t yoe = y - era * 400;                                    /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* [0, 365], from March 1 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */
    return era * 146097 + doe - 719468;                             /* 719468: 0000-03-01 .. 1970 */
}

void time_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = time_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int time_days_in_month(int64_t y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

void elstm_time_format(int64_t t, char *buf, size_t n)
{
    int64_t days = time_floor_div(t, 86400), sec = t - days * 86400, y;
    int m, d;
    time_civil_from_days(days, &y, &m, &d);
    snprintf(buf, n, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

/* ---- parsing ------------------------------------------------------------------------- */

static const char *const month_names[] = {"january", "february", "march",     "april",
                                          "may",     "june",     "july",      "august",
                                          "september", "october", "november", "december"};
static const char *const day_names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

void time_fields_init(time_fields *f)
{
    f->year = f->month = f->day = f->yday = f->hour = f->minute = f->second = -1;
    f->hour12 = f->pm = f->epoch = -1;
    f->tz = INT64_MIN;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ws(char c) { return c == ' ' || c == '\t'; }

/* 1..maxd digits -> *v; returns characters used, 0 if none. */
static int digits(const char *s, int maxd, int64_t *v)
{
    int i = 0;
    *v = 0;
    while (i < maxd && is_digit(s[i])) *v = *v * 10 + (s[i++] - '0');
    return i;
}

/* English month or weekday name, full or the first three letters, any case. */
static int name(const char *s, const char *const *names, int n, int64_t *idx)
{
    for (int i = 0; i < n; i++) {
        size_t full = strlen(names[i]);
        if (text_ieqn(s, names[i], full)) return *idx = i, (int)full;
    }
    for (int i = 0; i < n; i++)
        if (text_ieqn(s, names[i], 3)) return *idx = i, 3;
    return 0;
}

int time_parse(const char *fmt, const char *s, time_fields *f)
{
    int64_t v;
    int k;
    while (is_ws(*s)) s++;
    for (; *fmt; fmt++) {
        if (is_ws(*fmt)) {                       /* white space matches any amount, even none */
            while (is_ws(*s)) s++;
            continue;
        }
        if (*fmt != '%') {
            if (*s++ != *fmt) return 1;
            continue;
        }
        switch (*++fmt) {
        case 'Y': if (!(k = digits(s, 4, &f->year))) return 1; break;
        case 'y':
            if ((k = digits(s, 2, &v)) != 2) return 1;
            f->year = v < 69 ? 2000 + v : 1900 + v;          /* POSIX: 69-99 -> 19xx */
            break;
        case 'm': if (!(k = digits(s, 2, &f->month))) return 1; break;
        case 'd': if (!(k = digits(s, 2, &f->day))) return 1; break;
        case 'e':
            while (is_ws(*s)) s++;
            if (!(k = digits(s, 2, &f->day))) return 1;
            break;
        case 'j': if (!(k = digits(s, 3, &f->yday))) return 1; break;
        case 'H': if (!(k = digits(s, 2, &f->hour))) return 1; break;
        case 'I': if (!(k = digits(s, 2, &f->hour12))) return 1; break;
        case 'M': if (!(k = digits(s, 2, &f->minute))) return 1; break;
        case 'S': if (!(k = digits(s, 2, &f->second))) return 1; break;
        case 'f': if (!(k = digits(s, 9, &v))) return 1; break;          /* fraction: ignored */
        case 'p':
            if (text_ieqn(s, "AM", 2)) f->pm = 0;
            else if (text_ieqn(s, "PM", 2)) f->pm = 1;
            else return 1;
            k = 2;
            break;
        case 'b': case 'B': case 'h':
            if (!(k = name(s, month_names, 12, &v))) return 1;
            f->month = v + 1;
            break;
        case 'a': case 'A':
            if (!(k = name(s, day_names, 7, &v))) return 1;
            break;
        case 's': {
            int neg = *s == '-';
            if (!(k = digits(s + neg, 12, &v))) return 1;
            f->epoch = neg ? -v : v;
            k += neg;
            break;
        }
        case 'z': {
            if (*s == 'Z' || *s == 'z') {
                f->tz = 0;
                k = 1;
                break;
            }
            if (*s != '+' && *s != '-') return 1;
            int64_t hh, mm = 0;
            if (digits(s + 1, 2, &hh) != 2) return 1;
            k = 3;
            if (s[k] == ':') k++;
            if (is_digit(s[k])) {
                if (digits(s + k, 2, &mm) != 2) return 1;
                k += 2;
            }
            if (hh > 23 || mm > 59) return 1;
            f->tz = (*s == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
            break;
        }
        case 'F': case 'T': case 'R': case 'D': {
            const char *sub = *fmt == 'F' ? "%Y-%m-%d" : *fmt == 'T' ? "%H:%M:%S"
                              : *fmt == 'R' ? "%H:%M" : "%m/%d/%y";
            /* expand in place: parse the sub-format against the rest, then the rest */
            char both[256];
            if (strlen(fmt + 1) + strlen(sub) >= sizeof both) return 1;
            memcpy(both, sub, strlen(sub));
            memcpy(both + strlen(sub), fmt + 1, strlen(fmt + 1) + 1);
            return time_parse(both, s, f);
        }
        case 'n': case 't':
            while (is_ws(*s)) s++;
            k = 0;
            break;
        case '%':
            if (*s != '%') return 1;
            k = 1;
            break;
        default:
            return 1;
        }
        s += k;
    }
    while (is_ws(*s)) s++;
    return *s ? 1 : 0;
}

int time_from_fields(const time_fields *f, int64_t *t, char *why, size_t n)
{
    if (f->epoch != -1 && f->year == -1) {
        *t = f->epoch;
        return 0;
    }
    if (f->year < 1 || f->year > 9999) {
        snprintf(why, n, "the year must be from 1 to 9999");
        return 1;
    }
    int64_t month = f->month, day = f->day;
    if (f->yday != -1 && month == -1) {
        int leap = is_leap(f->year);
        if (f->yday < 1 || f->yday > 365 + leap) {
            snprintf(why, n, "day %lld of the year does not exist (%lld has %d days)",
                     (long long)f->yday, (long long)f->year, 365 + leap);
            return 1;
        }
        int64_t days = time_days_from_civil(f->year, 1, 1) + f->yday - 1, y;
        int m, d;
        time_civil_from_days(days, &y, &m, &d);
        month = m, day = d;
    }
    if (month == -1) month = 1;
    if (day == -1) day = 1;
    if (month < 1 || month > 12) {
        snprintf(why, n, "month %lld does not exist", (long long)month);
        return 1;
    }
    int dim = time_days_in_month(f->year, (int)month);
    if (day < 1 || day > dim) {
        snprintf(why, n, "%s %lld has %d days, so day %lld does not exist",
                 month_names[month - 1], (long long)f->year, dim, (long long)day);
        why[0] = (char)(why[0] - 32);                                 /* "February 2017 ..." */
        return 1;
    }
    int64_t hour = f->hour == -1 ? 0 : f->hour, minute = f->minute == -1 ? 0 : f->minute;
    int64_t second = f->second == -1 ? 0 : f->second;
    if (f->hour12 != -1) {
        if (f->hour12 < 1 || f->hour12 > 12 || f->pm == -1) {
            snprintf(why, n, "a 12-hour clock needs an hour from 1 to 12 and AM or PM");
            return 1;
        }
        hour = f->hour12 % 12 + (f->pm ? 12 : 0);
    }
    if (minute > 59 || second > 59) {
        snprintf(why, n, "%s %lld does not exist", minute > 59 ? "minute" : "second",
                 (long long)(minute > 59 ? minute : second));
        return 1;
    }
    if (hour > 24 || (hour == 24 && (minute || second))) {
        snprintf(why, n, "hour %lld does not exist (hours run from 0 to 23, and 24:00 means "
                 "midnight at the end of the day)", (long long)hour);
        return 1;
    }
    *t = time_days_from_civil(f->year, (int)month, (int)day) * 86400 + hour * 3600 + minute * 60 +
         second;
    if (f->tz != INT64_MIN) *t -= f->tz;        /* an explicit UTC offset: the time in UTC */
    return 0;
}

/* ---- layouts detected without --time-format ---------------------------------------- */

static const time_layout datetime_layouts[] = {
    {"%Y-%m-%dT%H:%M:%S.%f%z", "YYYY-MM-DDTHH:MM:SS.fffZ", 0},
    {"%Y-%m-%dT%H:%M:%S%z", "YYYY-MM-DDTHH:MM:SSZ", 0},
    {"%Y-%m-%dT%H:%M%z", "YYYY-MM-DDTHH:MMZ", 0},
    {"%Y-%m-%dT%H:%M:%S.%f", "YYYY-MM-DDTHH:MM:SS.fff", 0},
    {"%Y-%m-%dT%H:%M:%S", "YYYY-MM-DDTHH:MM:SS", 0},
    {"%Y-%m-%dT%H:%M", "YYYY-MM-DDTHH:MM", 0},
    {"%Y-%m-%d %H:%M:%S.%f%z", "YYYY-MM-DD HH:MM:SS.fffZ", 0},
    {"%Y-%m-%d %H:%M:%S%z", "YYYY-MM-DD HH:MM:SSZ", 0},
    {"%Y-%m-%d %H:%M%z", "YYYY-MM-DD HH:MMZ", 0},
    {"%Y-%m-%d %H:%M:%S.%f", "YYYY-MM-DD HH:MM:SS.fff", 0},
    {"%Y-%m-%d %H:%M:%S", "YYYY-MM-DD HH:MM:SS", 0},
    {"%Y-%m-%d %H:%M", "YYYY-MM-DD HH:MM", 0},
    {"%Y-%m-%d", "YYYY-MM-DD", 1},
    {"%Y/%m/%d %H:%M:%S", "YYYY/MM/DD HH:MM:SS", 0},
    {"%Y/%m/%d %H:%M", "YYYY/MM/DD HH:MM", 0},
    {"%Y/%m/%d", "YYYY/MM/DD", 1},
    {"%d.%m.%Y %H:%M:%S", "DD.MM.YYYY HH:MM:SS", 0},
    {"%d.%m.%Y %H:%M", "DD.MM.YYYY HH:MM", 0},
    {"%d.%m.%Y", "DD.MM.YYYY", 1},
    {"%m/%d/%Y %H:%M:%S", "MM/DD/YYYY HH:MM:SS", 0},
    {"%m/%d/%Y %H:%M", "MM/DD/YYYY HH:MM", 0},
    {"%m/%d/%Y", "MM/DD/YYYY", 1},
};

/* Time of day in a column of its own (TMY3: "Time (HH:MM)", 01:00 .. 24:00). A bare
 * hour ("%H") is accepted only when the user names the two columns with --time. */
static const time_layout tod_layouts[] = {
    {"%H:%M:%S", "HH:MM:SS", 0},
    {"%H:%M", "HH:MM", 0},
    {"%H", "HH", 0},
};

/* The first layout whose shape matches (dates need a 4-digit year). */
static const time_layout *detect(const time_layout *tab, size_t n, const char *s, int need_year)
{
    for (size_t i = 0; i < n; i++) {
        time_fields f;
        time_fields_init(&f);
        if (time_parse(tab[i].fmt, s, &f) == 0 && (!need_year || f.year >= 1000)) return &tab[i];
    }
    return NULL;
}

const time_layout *time_detect_datetime(const char *s)
{
    return detect(datetime_layouts, sizeof datetime_layouts / sizeof datetime_layouts[0], s, 1);
}

const time_layout *time_detect_time_of_day(const char *s, int bare_hour)
{
    size_t n = sizeof tod_layouts / sizeof tod_layouts[0];
    return detect(tod_layouts, bare_hour ? n : n - 1, s, 0);
}

void elstm_duration_format(int64_t s, char *buf, size_t n)
{
    if (s > 0 && s % 86400 == 0) snprintf(buf, n, "%lld d", (long long)(s / 86400));
    else if (s > 0 && s % 3600 == 0) snprintf(buf, n, "%lld h", (long long)(s / 3600));
    else if (s > 0 && s % 60 == 0) snprintf(buf, n, "%lld min", (long long)(s / 60));
    else snprintf(buf, n, "%lld s", (long long)s);
}
