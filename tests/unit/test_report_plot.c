/* test_report_plot.c - the report's plot writer: nice linear ticks, log ticks, calendar
 * ticks, number formats, and lines decimated per pixel column (a bounded number of points,
 * every coordinate inside the frame, the band spanning each column's min and max). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../report/internal.h"
#include "elstm_test.h"

static int labels_are(const scale *s, const char *const *want, int n)
{
    if (s->n != n) return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(s->tick[i].label, want[i]) != 0) return 0;
    return 1;
}

static void dump(const scale *s)
{
    printf("#  ticks:");
    for (int i = 0; i < s->n; i++) printf(" [%s]", s->tick[i].label);
    printf("\n");
}

/* 2021-03-01T00:00:00 + h hours, as naive seconds */
static double at(double hours) { return 1614556800.0 + hours * 3600.0; }

static void ticks(void)
{
    scale s;
    memset(&s, 0, sizeof s);
    scale_ticks(&s, SCALE_LINEAR, 1004.3, 1018.8, 5);
    static const char *const pres[] = {"1000", "1005", "1010", "1015", "1020"};
    if (!TEST_TRUE("linear: 1004.3..1018.8 -> 1000..1020 by 5, domain grown to the ticks",
                   labels_are(&s, pres, 5) && s.lo == 1000 && s.hi == 1020)) dump(&s);
    scale_ticks(&s, SCALE_LINEAR, -1.39, 24.99, 6);
    static const char *const temp[] = {"\xE2\x88\x92" "5", "0", "5", "10", "15", "20", "25"};
    if (!TEST_TRUE("linear: negative labels use a real minus sign", labels_are(&s, temp, 7))) dump(&s);
    scale_ticks(&s, SCALE_LINEAR, 0, 0.0011, 4);
    static const char *const lr[] = {"0.0000", "0.0005", "0.0010", "0.0015"};
    if (!TEST_TRUE("linear: small steps get the decimals they need", labels_are(&s, lr, 4))) dump(&s);
    scale_ticks(&s, SCALE_LINEAR, 7, 7, 5);
    TEST_TRUE("linear: a constant series gets a range around it", s.lo < 7 && s.hi > 7 && s.n >= 2);
    memset(&s, 0, sizeof s);
    s.exact = 1, s.step = 3;
    scale_ticks(&s, SCALE_LINEAR, -0.5, 23.5, 8);
    static const char *const hours[] = {"0", "3", "6", "9", "12", "15", "18", "21"};
    if (!TEST_TRUE("linear: a fixed step inside an exact domain (hours of the day)",
                   labels_are(&s, hours, 8) && s.lo == -0.5 && s.hi == 23.5)) dump(&s);

    memset(&s, 0, sizeof s);
    scale_ticks(&s, SCALE_LOG, 0.053, 0.465, 8);
    static const char *const loss[] = {"0.05", "0.1", "0.2", "0.5"};
    if (!TEST_TRUE("log: 1-2-5 ticks over one decade, domain grown to 0.05..0.5",
                   labels_are(&s, loss, 4) && fabs(s.lo - 0.05) < 1e-12 && fabs(s.hi - 0.5) < 1e-12)) dump(&s);
    scale_ticks(&s, SCALE_LOG, 2e-6, 0.3, 8);
    static const char *const decades[] = {"1e\xE2\x88\x92" "6", "1e\xE2\x88\x92" "5", "1e\xE2\x88\x92" "4",
                                          "0.001", "0.01", "0.1", "1"};
    if (!TEST_TRUE("log: decades alone over five decades", labels_are(&s, decades, 7))) dump(&s);
    s.lo = 0.01, s.hi = 1, s.p0 = 100, s.p1 = 0;
    TEST_NEAR("log: 0.1 lies halfway between 0.01 and 1", scale_px(&s, 0.1), 50.0, 1e-9);

    memset(&s, 0, sizeof s);
    scale_ticks(&s, SCALE_TIME, at(5), at(5 + 20), 8);
    static const char *const day[] = {"06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "2 Mar"};
    if (!TEST_TRUE("time: 20 hours -> every 3 hours, midnight as the date", labels_are(&s, day, 7))) dump(&s);
    scale_ticks(&s, SCALE_TIME, at(0), at(24 * 100), 8);
    static const char *const weeks[] = {"8 Mar 2021", "22 Mar", "5 Apr", "19 Apr", "3 May", "17 May", "31 May"};
    if (!TEST_TRUE("time: 100 days -> Mondays two weeks apart, the first with its year", labels_are(&s, weeks, 7)))
        dump(&s);
    scale_ticks(&s, SCALE_TIME, at(-24 * 59), at(24 * 306), 8); /* 2021-01-01 .. 2022-01-01 */
    static const char *const months[] = {"Jan 2021", "Mar", "May", "Jul", "Sep", "Nov", "Jan 2022"};
    if (!TEST_TRUE("time: a year -> every other month, January with its year", labels_are(&s, months, 7)))
        dump(&s);
    scale_ticks(&s, SCALE_TIME, at(0), at(24 * 365.25 * 19), 8);
    static const char *const years[] = {"2025", "2030", "2035", "2040"};
    if (!TEST_TRUE("time: 19 years -> every 5 years", labels_are(&s, years, 4))) dump(&s);
    scale_ticks(&s, SCALE_TIME, at(0), at(0.25), 6);
    static const char *const minutes[] = {"1 Mar", "00:05", "00:10", "00:15"};
    if (!TEST_TRUE("time: a quarter hour from midnight -> every 5 minutes, midnight as the date", labels_are(&s, minutes, 4))) dump(&s);
}

static void formats(void)
{
    char b[64];
    TEST_EQ_STR("group thousands", elstm_count_format(11612288, b, sizeof b), "11,612,288");
    TEST_EQ_STR("fixed decimals, minus sign", fmt_num(-0.25, 2, b, sizeof b), "\xE2\x88\x92" "0.25");
    TEST_EQ_STR("no negative zero", fmt_num(-0.0001, 2, b, sizeof b), "0.00");
    TEST_EQ_STR("significant digits", fmt_sig(0.0123456, 3, b, sizeof b), "0.0123");
    TEST_EQ_STR("significant digits, exponent below 1e-3", fmt_sig(1.5e-5, 2, b, sizeof b), "1.5e\xE2\x88\x92" "5");
    TEST_EQ_STR("shortest form", fmt_g(1004.3, 8, b, sizeof b), "1004.3");
    TEST_EQ_STR("bytes", fmt_bytes(286000, b, sizeof b), "279 KB");
    TEST_EQ_STR("durations", fmt_duration(168 * 1800.0, b, sizeof b), "3.5 days");
    TEST_EQ_STR("durations in weeks", fmt_duration(7 * 86400.0, b, sizeof b), "1 week");
    TEST_EQ_STR("time", fmt_time(at(14.5), b, sizeof b), "2021-03-01 14:30");
    rbuf r = {0};
    rb_text(&r, "a<b & \"c\"");
    TEST_EQ_STR("HTML escaping", r.s, "a&lt;b &amp; &quot;c&quot;");
    rb_free(&r);
}

/* The coordinates of every "d" attribute in the text after `from`: all inside the frame? */
static int inside_frame(const char *svg, const plot *p, size_t *points)
{
    *points = 0;
    for (const char *d = strstr(svg, " d=\""); d; d = strstr(d + 1, " d=\"")) {
        const char *q = d + 4;
        while (*q && *q != '"') {
            if (*q == 'M' || *q == 'L' || *q == 'Z' || *q == ' ') {
                q++;
                continue;
            }
            char *end;
            double x = strtod(q, &end);
            while (*end == ' ') end++;
            double y = strtod(end, &end);
            if (x < p->fx - 0.05 || x > p->fx + p->fw + 0.05 || y < p->fy - 0.05 || y > p->fy + p->fh + 0.05)
                return 0;
            (*points)++;
            q = end;
        }
        d = q;
    }
    return 1;
}

static void decimation(void)
{
    enum { N = 100000 };
    static double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = i;
        y[i] = sin(i * 0.001) * 10 + (i % 7 == 0 ? 30 : 0); /* spikes: the band must reach them */
    }
    y[500] = NAN; /* a missing value does not break a decimated column */
    rbuf b = {0};
    plot p;
    plot_begin(&p, &b, "t", "decimation", 960, 300);
    plot_x(&p, SCALE_LINEAR, 0, N - 1, "i");
    plot_y(&p, SCALE_LINEAR, -10, 30, "v");
    plot_key(&p, KEY_LINE, "value", "value");
    plot_frame(&p);
    size_t before = b.len;
    plot_line(&p, x, y, N, 0, "value");
    const char *marks = b.s + before;
    size_t pts;
    TEST_TRUE("decimated: every coordinate inside the frame", inside_frame(marks, &p, &pts));
    TEST_TRUE("decimated: at most 3 points per pixel column (band up, band down, mean)",
              pts <= 3 * (size_t)p.fw && pts >= 2 * (size_t)p.fw);
    TEST_TRUE("decimated: a band and a mean line", strstr(marks, "class=\"band value\"") &&
                                                       strstr(marks, "class=\"line value\""));
    TEST_EQ_INT("decimated: every finite value counted", p.points, N - 1);
    TEST_TRUE("decimated: the most values in one column are reported", p.max_per_column >= N / (size_t)p.fw);
    /* the band's top reaches the spikes (y = 30 + ...) in the first columns */
    char want[32];
    snprintf(want, sizeof want, "M%.1f %.1f", p.fx + 0.5, scale_px(&p.y, 30.0));
    TEST_TRUE("decimated: the band reaches each column's maximum", strstr(marks, want) != NULL);
    plot_end(&p, NULL);
    rb_free(&b);

    /* few values: a plain line through each, broken at a gap */
    double xs[6] = {0, 1, 2, 10, 11, 12}, ys[6] = {1, 2, 3, 4, 5, 6};
    rbuf c = {0};
    plot_begin(&p, &c, "u", "plain", 960, 300);
    plot_x(&p, SCALE_LINEAR, 0, 12, "i");
    plot_y(&p, SCALE_LINEAR, 0, 6, "v");
    plot_frame(&p);
    before = c.len;
    plot_line(&p, xs, ys, 6, 1.5, "value");
    marks = c.s + before;
    int moves = 0;
    for (const char *q = marks; *q; q++) moves += *q == 'M';
    TEST_TRUE("plain: one point per value, a new stroke after the gap",
              inside_frame(marks, &p, &pts) && pts == 6 && moves == 2 && p.max_per_column == 1);
    rb_free(&c);
}

int main(void)
{
    test_suite("report-plot");
    ticks();
    formats();
    decimation();
    return test_done();
}
