/* test_data_time.c - calendar maths (against libc's timegm), the strptime-style
 * parser, every detected layout (24:00, leap days), --time-format, impossible dates,
 * order checks, interval detection. */
#define _GNU_SOURCE 1   /* timegm: the independent oracle for the calendar */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "../../data/internal.h"
#include "data_util.h"

static void calendar(void)
{
    int bad = 0;
    for (int64_t days = time_days_from_civil(1800, 1, 1); days < time_days_from_civil(2200, 1, 1);
         days++) {
        int64_t y;
        int m, d;
        time_civil_from_days(days, &y, &m, &d);
        struct tm tm = {0};
        tm.tm_year = (int)y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
        time_t want = timegm(&tm);
        if (time_days_from_civil(y, m, d) != days || (int64_t)want != days * 86400) bad++;
    }
    TEST_EQ_INT("every day 1800-2199 matches timegm and round-trips", bad, 0);
    TEST_EQ_INT("2013-03-01 is day 15765", time_days_from_civil(2013, 3, 1), 15765);
    TEST_EQ_INT("days in February: 2016 (leap)", time_days_in_month(2016, 2), 29);
    TEST_EQ_INT("days in February: 1900 (not leap)", time_days_in_month(1900, 2), 28);
    TEST_EQ_INT("days in February: 2000 (leap)", time_days_in_month(2000, 2), 29);
    char buf[32];
    elstm_time_format(1362096000, buf, sizeof buf);
    TEST_EQ_STR("format 2013-03-01", buf, "2013-03-01T00:00:00");
    elstm_time_format(-1, buf, sizeof buf);
    TEST_EQ_STR("format before 1970", buf, "1969-12-31T23:59:59");
    elstm_time_format(time_days_from_civil(2016, 2, 29) * 86400 + 86399, buf, sizeof buf);
    TEST_EQ_STR("format a leap day", buf, "2016-02-29T23:59:59");
    elstm_duration_format(3600, buf, sizeof buf);
    TEST_EQ_STR("duration 1 h", buf, "1 h");
    elstm_duration_format(1800, buf, sizeof buf);
    TEST_EQ_STR("duration 30 min", buf, "30 min");
}

/* Parse one text with a format; returns the time or INT64_MIN (no match / invalid). */
static int64_t parse(const char *fmt, const char *s)
{
    time_fields f;
    time_fields_init(&f);
    int64_t t;
    char why[160];
    if (time_parse(fmt, s, &f) != 0 || time_from_fields(&f, &t, why, sizeof why) != 0) return INT64_MIN;
    return t;
}

static int64_t at(int y, int m, int d, int h, int mi, int s)
{
    return time_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void parser(void)
{
    TEST_EQ_INT("%Y-%m-%d %H:%M:%S", parse("%Y-%m-%d %H:%M:%S", "2013-03-01 05:06:07"), at(2013, 3, 1, 5, 6, 7));
    TEST_EQ_INT("%F %T", parse("%F %T", "2013-03-01 05:06:07"), at(2013, 3, 1, 5, 6, 7));
    TEST_EQ_INT("%d.%m.%Y %H:%M:%S (Jena)", parse("%d.%m.%Y %H:%M:%S", "01.01.2009 00:10:00"), at(2009, 1, 1, 0, 10, 0));
    TEST_EQ_INT("%m/%d/%Y %H:%M with 24:00", parse("%m/%d/%Y %H:%M", "12/31/2016 24:00"), at(2017, 1, 1, 0, 0, 0));
    TEST_EQ_INT("%Y%m%d%H (compact)", parse("%Y%m%d%H", "2013030105"), at(2013, 3, 1, 5, 0, 0));
    TEST_EQ_INT("%j day of year in a leap year", parse("%Y %j", "2016 366"), at(2016, 12, 31, 0, 0, 0));
    TEST_EQ_INT("%j 366 in a common year is refused", parse("%Y %j", "2017 366"), INT64_MIN);
    TEST_EQ_INT("%b month names, any case", parse("%d-%b-%Y", "05-feb-2014"), at(2014, 2, 5, 0, 0, 0));
    TEST_EQ_INT("%B full month names", parse("%B %d %Y", "September 30 2014"), at(2014, 9, 30, 0, 0, 0));
    TEST_EQ_INT("%I %p 12 AM is midnight", parse("%Y-%m-%d %I:%M %p", "2014-01-02 12:30 AM"), at(2014, 1, 2, 0, 30, 0));
    TEST_EQ_INT("%I %p 1 PM", parse("%Y-%m-%d %I:%M %p", "2014-01-02 1:00 pm"), at(2014, 1, 2, 13, 0, 0));
    TEST_EQ_INT("%s seconds since 1970", parse("%s", "1362096000"), 1362096000);
    TEST_EQ_INT("%z offset converts to UTC", parse("%Y-%m-%dT%H:%M:%S%z", "2013-03-01T01:00:00+01:00"), at(2013, 3, 1, 0, 0, 0));
    TEST_EQ_INT("%z Z", parse("%Y-%m-%dT%H:%M%z", "2013-03-01T01:00Z"), at(2013, 3, 1, 1, 0, 0));
    TEST_EQ_INT("%f fraction ignored", parse("%H:%M:%S.%f %Y-%m-%d", "01:02:03.250 2013-03-01"), at(2013, 3, 1, 1, 2, 3));
    TEST_EQ_INT("%a weekday name skipped", parse("%a %Y-%m-%d", "Fri 2013-03-01"), at(2013, 3, 1, 0, 0, 0));
    TEST_EQ_INT("%y two-digit year 69 -> 1969", parse("%y-%m-%d", "69-01-01"), at(1969, 1, 1, 0, 0, 0));
    TEST_EQ_INT("%y two-digit year 68 -> 2068", parse("%y-%m-%d", "68-01-01"), at(2068, 1, 1, 0, 0, 0));
    TEST_EQ_INT("%% literal", parse("%Y%%%m%%%d", "2013%03%01"), at(2013, 3, 1, 0, 0, 0));
    TEST_EQ_INT("spaces match any run of spaces", parse("%Y-%m-%d %H", "  2013-03-01    7 "), at(2013, 3, 1, 7, 0, 0));
    TEST_EQ_INT("trailing text does not match", parse("%Y-%m-%d", "2013-03-01x"), INT64_MIN);
    TEST_EQ_INT("leap day 2016-02-29 is valid", parse("%Y-%m-%d", "2016-02-29"), at(2016, 2, 29, 0, 0, 0));
    TEST_EQ_INT("leap day 2000-02-29 is valid", parse("%Y-%m-%d", "2000-02-29"), at(2000, 2, 29, 0, 0, 0));
    TEST_EQ_INT("2017-02-29 is not", parse("%Y-%m-%d", "2017-02-29"), INT64_MIN);
    TEST_EQ_INT("1900-02-29 is not", parse("%Y-%m-%d", "1900-02-29"), INT64_MIN);
    TEST_EQ_INT("February 30", parse("%Y-%m-%d", "2016-02-30"), INT64_MIN);
    TEST_EQ_INT("April 31", parse("%Y-%m-%d", "2016-04-31"), INT64_MIN);
    TEST_EQ_INT("month 13", parse("%Y-%m-%d", "2016-13-01"), INT64_MIN);
    TEST_EQ_INT("day 0", parse("%Y-%m-%d", "2016-01-00"), INT64_MIN);
    TEST_EQ_INT("hour 25", parse("%Y-%m-%d %H:%M", "2016-01-01 25:00"), INT64_MIN);
    TEST_EQ_INT("24:30 is not the end of a day", parse("%Y-%m-%d %H:%M", "2016-01-01 24:30"), INT64_MIN);
    TEST_EQ_INT("minute 60", parse("%Y-%m-%d %H:%M", "2016-01-01 10:60"), INT64_MIN);
    TEST_EQ_INT("second 60 (leap second)", parse("%Y-%m-%d %H:%M:%S", "2016-12-31 23:59:60"), INT64_MIN);

    time_fields f;
    time_fields_init(&f);
    char why[160];
    int64_t t;
    time_parse("%Y-%m-%d", "2017-02-30", &f);
    time_from_fields(&f, &t, why, sizeof why);
    TEST_EQ_STR("reason names the month's length", why, "February 2017 has 28 days, so day 30 does not exist");

    TEST_TRUE("format check accepts %Y%m%d%H", elstm_time_format_check("%Y%m%d%H") == NULL);
    TEST_TRUE("format check refuses %Q", elstm_time_format_check("%Y %Q") != NULL);
    TEST_TRUE("format check refuses a format without directives", elstm_time_format_check("date") != NULL);

    /* detection */
    static const struct { const char *s; const char *layout; } det[] = {
        {"2013-03-01 00:00:00", "YYYY-MM-DD HH:MM:SS"}, {"2013-03-01T00:00", "YYYY-MM-DDTHH:MM"},
        {"2013-03-01T00:00:00Z", "YYYY-MM-DDTHH:MM:SSZ"}, {"2013-03-01 00:00:00+00:00", "YYYY-MM-DD HH:MM:SSZ"},
        {"2013-03-01 00:00:00.000", "YYYY-MM-DD HH:MM:SS.fff"}, {"01.01.2009 00:10:00", "DD.MM.YYYY HH:MM:SS"},
        {"01/01/1988", "MM/DD/YYYY"}, {"2013/03/01 07:00", "YYYY/MM/DD HH:MM"}, {"2013-03-01", "YYYY-MM-DD"},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof det / sizeof det[0]; i++) {
        const time_layout *l = time_detect_datetime(det[i].s);
        if (!l || strcmp(l->name, det[i].layout) != 0) {
            printf("# detect %s -> %s\n", det[i].s, l ? l->name : "(none)");
            ok = 0;
        }
    }
    TEST_TRUE("layouts detected from one value", ok);
    TEST_TRUE("not dates: 1.5, 2013, 20130301, TEMP, 1/2/3",
              !time_detect_datetime("1.5") && !time_detect_datetime("2013") &&
                  !time_detect_datetime("20130301") && !time_detect_datetime("TEMP") &&
                  !time_detect_datetime("1/2/3"));
    TEST_TRUE("time of day HH:MM and HH:MM:SS; a bare hour only when allowed",
              time_detect_time_of_day("24:00", 0) && time_detect_time_of_day("01:00:00", 0) &&
                  !time_detect_time_of_day("7", 0) && time_detect_time_of_day("7", 1));
}

/* Load a 6-row hourly series written in some layout; check start and end. */
static void check_layout(const char *what, const char *csv, const char *time_cols,
                         const char *fmt, const char *start, const char *end)
{
    elstm_data_opts o = small_opts("layout.csv");
    o.time_cols = time_cols;
    o.time_format = fmt;
    elstm_dataset ds;
    elstm_diag d;
    elstm_status st = load_text(csv, &o, &ds, &d);
    char a[32] = "", b[32] = "";
    if (st == ELSTM_OK) {
        elstm_time_format(ds.time[0], a, sizeof a);
        elstm_time_format(ds.time[ds.rows - 1], b, sizeof b);
    }
    test_report(st == ELSTM_OK && ds.rows == 6 && ds.interval_s == 3600 && strcmp(a, start) == 0 &&
                    strcmp(b, end) == 0,
                what, "status %d (%s), rows %zu, %s .. %s", (int)st, d.msg, ds.rows, a, b);
    elstm_data_free(&ds);
}

static void layouts(void)
{
    check_layout("ISO 8601 with a space",
                 "time,x\n2016-02-28 22:00:00,1\n2016-02-28 23:00:00,2\n2016-02-29 00:00:00,3\n"
                 "2016-02-29 01:00:00,4\n2016-02-29 02:00:00,5\n2016-02-29 03:00:00,6\n",
                 NULL, NULL, "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("ISO 8601 with T, no seconds",
                 "x,date\n1,2016-12-31T21:00\n2,2016-12-31T22:00\n3,2016-12-31T23:00\n"
                 "4,2017-01-01T00:00\n5,2017-01-01T01:00\n6,2017-01-01T02:00\n",
                 NULL, NULL, "2016-12-31T21:00:00", "2017-01-01T02:00:00");
    check_layout("Jena dd.mm.yyyy HH:MM:SS",
                 "\"Date Time\",\"p (mbar)\"\n28.02.2012 22:00:00,1\n28.02.2012 23:00:00,2\n"
                 "29.02.2012 00:00:00,3\n29.02.2012 01:00:00,4\n29.02.2012 02:00:00,5\n"
                 "29.02.2012 03:00:00,6\n",
                 NULL, NULL, "2012-02-28T22:00:00", "2012-02-29T03:00:00");
    check_layout("TMY3 MM/DD/YYYY + HH:MM with 24:00 and a leap day",
                 "Date (MM/DD/YYYY),Time (HH:MM),GHI (W/m^2)\n02/28/2016,22:00,0\n02/28/2016,23:00,0\n"
                 "02/28/2016,24:00,0\n02/29/2016,01:00,0\n02/29/2016,02:00,0\n02/29/2016,03:00,0\n",
                 NULL, NULL, "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("integer year,month,day,hour,minute columns (any case)",
                 "Year,Month,Day,Hour,Minute,x\n2016,2,28,22,0,1\n2016,2,28,23,0,1\n2016,2,29,0,0,1\n"
                 "2016,2,29,1,0,1\n2016,2,29,2,0,1\n2016,2,29,3,0,1\n",
                 NULL, NULL, "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("--time with integer columns in another order of the file",
                 "x,hr,dy,mo,yr\n1,22,28,2,2016\n1,23,28,2,2016\n1,0,29,2,2016\n1,1,29,2,2016\n"
                 "1,2,29,2,2016\n1,3,29,2,2016\n",
                 "yr,mo,dy,hr", NULL, "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("--time-format on a compact column (kept as text)",
                 "stamp,x\n2016022822,1\n2016022823,1\n2016022900,1\n2016022901,1\n2016022902,1\n"
                 "2016022903,1\n",
                 "stamp", "%Y%m%d%H", "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("--time-format on two columns (joined by a space)",
                 "d,h,x\n28/02/2016,22h,1\n28/02/2016,23h,1\n29/02/2016,0h,1\n29/02/2016,1h,1\n"
                 "29/02/2016,2h,1\n29/02/2016,3h,1\n",
                 "d,h", "%d/%m/%Y %Hh", "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("--time-format without --time finds the column",
                 "x,when\n1,28-Feb-2016 10pm\n1,28-Feb-2016 11pm\n1,29-Feb-2016 12am\n"
                 "1,29-Feb-2016 1am\n1,29-Feb-2016 2am\n1,29-Feb-2016 3am\n",
                 NULL, "%d-%b-%Y %I%p", "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("--time date,hour: a date column and a bare hour column",
                 "date,hour,x\n2016-02-28,22,1\n2016-02-28,23,1\n2016-02-29,0,1\n2016-02-29,1,1\n"
                 "2016-02-29,2,1\n2016-02-29,3,1\n",
                 "date,hour", NULL, "2016-02-28T22:00:00", "2016-02-29T03:00:00");
    check_layout("ISO with UTC offsets (DST change) in UTC",
                 "time,x\n2016-03-27T00:00:00+01:00,1\n2016-03-27T01:00:00+01:00,1\n"
                 "2016-03-27T03:00:00+02:00,1\n2016-03-27T04:00:00+02:00,1\n"
                 "2016-03-27T05:00:00+02:00,1\n2016-03-27T06:00:00+02:00,1\n",
                 NULL, NULL, "2016-03-26T23:00:00", "2016-03-27T04:00:00");
}

static void time_errors(void)
{
    elstm_data_opts o = small_opts("t.csv");
    TEST_LOAD_FAILS("impossible date names line and column",
                    "time,x\n2017-02-27 00:00,1\n2017-02-30 00:00,2\n", &o, ELSTM_ERR_FORMAT,
                    "t.csv:3: ", "'time'", "February 2017 has 28 days");
    TEST_LOAD_FAILS("hour 25 in integer columns",
                    "year,month,day,hour,x\n2013,3,1,0,1\n2013,3,1,25,1\n", &o, ELSTM_ERR_FORMAT,
                    "t.csv:3: ", "'hour'", "hour 25 does not exist");
    TEST_LOAD_FAILS("a non-integer hour", "year,month,day,hour,x\n2013,3,1,0,1\n2013,3,1,1.5,1\n", &o,
                    ELSTM_ERR_FORMAT, "t.csv:3: ", "'hour'", "\"1.5\" is not a whole number");
    TEST_LOAD_FAILS("a missing time", "time,x\n2013-03-01 00:00,1\nNA,2\n", &o, ELSTM_ERR_FORMAT,
                    "t.csv:3: ", "'time'", "no value");
    TEST_LOAD_FAILS("a different layout on a later line",
                    "time,x\n2013-03-01 00:00,1\n2013/03/01 01:00,2\n", &o, ELSTM_ERR_FORMAT,
                    "t.csv:3: ", "does not match the layout YYYY-MM-DD HH:MM of line 2");
    TEST_LOAD_FAILS("month 13 in MM/DD/YYYY hints at day-first files",
                    "date,x\n12/01/2013,1\n13/01/2013,1\n", &o, ELSTM_ERR_FORMAT, "t.csv:3: ",
                    "month 13", "--time-format '%d/%m/%Y");
    TEST_LOAD_FAILS("duplicate time names both lines",
                    "time,x\n2013-03-01 00:00,1\n2013-03-01 01:00,2\n2013-03-01 01:00,3\n", &o,
                    ELSTM_ERR_FORMAT, "t.csv:4: ", "line 3", "2013-03-01T01:00:00");
    TEST_LOAD_FAILS("time going backwards",
                    "time,x\n2013-03-01 00:00,1\n2013-03-01 02:00,2\n2013-03-01 01:00,3\n", &o,
                    ELSTM_ERR_FORMAT, "t.csv:4: ", "earlier than 2013-03-01T02:00:00 on line 3");
    TEST_LOAD_FAILS("TMY-style stitched years",
                    "Date (MM/DD/YYYY),Time (HH:MM),x\n01/31/1988,23:00,1\n01/31/1988,24:00,1\n"
                    "02/01/1996,01:00,1\n02/28/1996,24:00,1\n03/01/1990,01:00,1\n", &o,
                    ELSTM_ERR_FORMAT, "t.csv:6: ", "TMY", "different years", "not a continuous");
    TEST_LOAD_FAILS("off-grid time", "time,x\n2013-03-01 00:00,1\n2013-03-01 01:00,2\n"
                    "2013-03-01 02:00,2\n2013-03-01 02:30,3\n", &o, ELSTM_ERR_FORMAT, "t.csv:5: ",
                    "30 min after", "1 h");
    TEST_LOAD_FAILS("a time column whose name has a comma (fuzz finding: a model could not name it)",
                    "\"date, time\",x\n2013-03-01 00:00,1\n2013-03-01 01:00,2\n2013-03-01 02:00,3\n",
                    &o, ELSTM_ERR_DATA, "t.csv:1: ", "'date, time'", "comma");
    TEST_LOAD_FAILS("no time column", "a,b\n1,2\n3,4\n", &o, ELSTM_ERR_FORMAT, "no time column",
                    "--time", "a, b");
    elstm_data_opts bad = o;
    bad.time_cols = "stamp";
    TEST_LOAD_FAILS("a number column named by --time needs --time-format",
                    "stamp,x\n2013030100,1\n2013030101,1\n", &bad, ELSTM_ERR_FORMAT, "t.csv:2: ",
                    "'stamp'", "--time-format");
    bad.time_cols = NULL;
    bad.time_format = "%Y-%Q";
    TEST_LOAD_FAILS("a bad --time-format is a usage error", "time,x\n2013-03-01 00:00,1\n", &bad,
                    ELSTM_ERR_ARG, "%Q");
    bad.time_cols = "when";
    bad.time_format = NULL;
    TEST_LOAD_FAILS("--time names an unknown column", "time,x\n2013-03-01 00:00,1\n", &bad,
                    ELSTM_ERR_DATA, "'when'", "columns: time, x");
}

static void interval(void)
{
    elstm_data_opts o = small_opts("i.csv");
    elstm_dataset ds;
    elstm_diag d;
    /* steps of 10 min with one 30 min hole: the most common step wins, the hole is filled */
    const char *csv = "time,x\n01.01.2009 00:00:00,0\n01.01.2009 00:10:00,1\n01.01.2009 00:20:00,2\n"
                      "01.01.2009 00:50:00,5\n01.01.2009 01:00:00,6\n";
    elstm_status st = load_text(csv, &o, &ds, &d);
    TEST_TRUE("10-minute interval detected despite a hole",
              st == ELSTM_OK && ds.interval_s == 600 && ds.file_rows == 5 && ds.rows == 7 &&
                  ds.filled_rows == 2);
    elstm_data_free(&ds);
}

int main(void)
{
    test_suite("data_time");
    calendar();
    parser();
    layouts();
    time_errors();
    interval();
    return test_done();
}
