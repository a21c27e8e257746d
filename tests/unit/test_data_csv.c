/* test_data_csv.c - the CSV reader: quoting, line endings, BOM, delimiters, skipped
 * lines, missing values, numbers, line numbers in messages, and the limits. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../data/internal.h"
#include "data_util.h"
#include "test_rng.h"

static void numbers(void)
{
    static const struct { const char *s; int rc; double v; } cases[] = {
        {"1.5", 0, 1.5},     {"-0", 0, 0.0},        {"+3", 0, 3.0},      {"1.", 0, 1.0},
        {".5", 0, 0.5},      {"1e3", 0, 1000.0},    {"2.5E-3", 0, 0.0025}, {"-1013.25", 0, -1013.25},
        {"1e400", 2, 0},     {"-1e400", 2, 0},      {"1e-400", 0, 0.0},  {"0x10", 1, 0},
        {"inf", 1, 0},       {"nan", 1, 0},         {"1e", 1, 0},        {"1e+", 1, 0},
        {"", 1, 0},          {".", 1, 0},           {"-", 1, 0},         {"1,5", 1, 0},
        {"1 2", 1, 0},       {"12a", 1, 0},         {"--1", 1, 0},       {"1.2.3", 1, 0},
        {"123456789012345678901234567890", 0, 123456789012345678901234567890.0},
        {"0.000000000000000000000000000001", 0, 1e-30},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -999;
        int rc = csv_parse_number(cases[i].s, strlen(cases[i].s), &v);
        if (rc != cases[i].rc || (rc == 0 && v != cases[i].v)) {
            printf("# number \"%s\": rc %d v %.17g\n", cases[i].s, rc, v);
            bad++;
        }
    }
    TEST_EQ_INT("decimal numbers parse; hex, inf, nan, junk do not; 1e400 overflows", bad, 0);
    double neg0 = 1;
    csv_parse_number("-0.0", 4, &neg0);
    TEST_TRUE("no negative zero", !signbit(neg0));

    /* the fast path must round exactly like strtod (the oracle) */
    uint64_t x = 88172645463325252ull;
    int diff = 0;
    for (int i = 0; i < 200000; i++) {
        test_xorshift64(&x);
        char buf[64];
        int digits = (int)(x % 17) + 1, point = (int)((x >> 8) % (unsigned)(digits + 1));
        uint64_t m = (x >> 12) % 100000000000000000ull;
        snprintf(buf, sizeof buf, "%0*llu", digits, (unsigned long long)(m % (uint64_t)pow(10, digits)));
        if (point < digits) {
            memmove(buf + point + 1, buf + point, strlen(buf + point) + 1);
            buf[point] = '.';
        }
        if (x & 1) {
            size_t l = strlen(buf);
            snprintf(buf + l, sizeof buf - l, "e%d", (int)((x >> 40) % 45) - 22);
        }
        double a, b = strtod(buf, NULL);
        if (csv_parse_number(buf, strlen(buf), &a) != 0 || memcmp(&a, &b, sizeof a) != 0) {
            if (diff++ < 3) printf("# %s: %.17g vs strtod %.17g\n", buf, a, b);
        }
    }
    TEST_EQ_INT("200000 random decimals parse bit-identically to strtod", diff, 0);

    const char *missing[] = {"", "NA", "na", "N/A", "n/a", "#N/A", "<NA>", "NaN", "nan", "NAN",
                             "-NaN", "NULL", "null", "None"};
    int miss = 0;
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++)
        miss += csv_is_missing(missing[i], strlen(missing[i]));
    TEST_EQ_INT("missing-value tokens (any case)", miss, (int)(sizeof missing / sizeof missing[0]));
    TEST_TRUE("'N', 'NAN1', '0' and '-' are not missing",
              !csv_is_missing("N", 1) && !csv_is_missing("NAN1", 4) && !csv_is_missing("0", 1) &&
                  !csv_is_missing("-", 1));
}

static void table(void)
{
    csv_table t;
    elstm_diag d;
    elstm_diag_clear(&d);
    /* BOM, CRLF, quoted header names with commas, spaces, parentheses, doubled quotes,
     * a quoted line break, a blank line, NA forms, no final newline */
    const char *csv = "\xEF\xBB\xBF" "\"Date (MM/DD/YYYY)\",\"a, b\",\"say \"\"hi\"\"\", t\r\n"
                      "01/01/2017,1.5,\"multi\nline\",NA\r\n"
                      "\r\n"
                      "01/02/2017,\" 2.5 \",x,\r\n"
                      "01/03/2017,NaN,\"\",7";
    elstm_status st = csv_read(&t, "mem.csv", csv, strlen(csv), 0, 0, NULL, &d);
    TEST_EQ_INT("BOM + CRLF + quoting load", st, ELSTM_OK);
    if (st != ELSTM_OK) {
        printf("# %s\n", d.msg);
        return;
    }
    TEST_EQ_INT("4 columns", t.ncols, 4);
    TEST_EQ_STR("BOM is not part of the first name", t.col[0].name, "Date (MM/DD/YYYY)");
    TEST_EQ_STR("quoted comma in a name", t.col[1].name, "a, b");
    TEST_EQ_STR("doubled quotes in a name", t.col[2].name, "say \"hi\"");
    TEST_EQ_STR("spaces around an unquoted name are trimmed", t.col[3].name, "t");
    TEST_EQ_INT("3 data rows (blank line skipped)", t.nrows, 3);
    TEST_EQ_INT("row 1 on line 2", t.line[0], 2);
    TEST_EQ_INT("row 2 on line 5 (after a quoted line break and a blank line)", t.line[1], 5);
    TEST_EQ_INT("row 3 on line 6", t.line[2], 6);
    TEST_TRUE("quoted number with spaces is a number",
              t.col[1].state[1] == CELL_NUM && t.col[1].cell[1].num == 2.5);
    TEST_EQ_STR("quoted line break kept in text", csv_text(&t, 2, 0), "multi\nline");
    TEST_EQ_INT("missing in 'a, b' (NaN)", t.col[1].n_missing, 1);
    TEST_EQ_INT("missing in 't' (NA and empty)", t.col[3].n_missing, 2);
    TEST_EQ_INT("quoted empty string is missing", t.col[2].state[2], CELL_MISSING);
    TEST_TRUE("last field without newline", t.col[3].state[2] == CELL_NUM && t.col[3].cell[2].num == 7);
    TEST_EQ_INT("column lookup: exact", csv_find(&t, "a, b", 4), 1);
    TEST_EQ_INT("column lookup: case-insensitive when unique", csv_find(&t, "T", 1), 3);
    TEST_EQ_INT("column lookup: unknown", csv_find(&t, "zz", 2), -1);
    csv_free_table(&t);

    /* delimiters, skipped lines, unnamed columns, Latin-1 names */
    csv = "station 723170,\"GREENSBORO\",NC\n# comment; with; semicolons\n"
          ";T (\xB0" "C);p\n0;1,5;3\n";
    st = csv_read(&t, "semi.csv", csv, strlen(csv), 2, 0, NULL, &d);
    TEST_EQ_INT("--skip-rows 2 then a ';' header", st, ELSTM_OK);
    if (st == ELSTM_OK) {
        TEST_EQ_INT("';' detected", t.delim, ';');
        TEST_EQ_STR("empty header cell is 'Unnamed: 0'", t.col[0].name, "Unnamed: 0");
        TEST_TRUE("unnamed flagged", t.col[0].unnamed && !t.col[1].unnamed);
        TEST_EQ_STR("Latin-1 degree sign becomes UTF-8", t.col[1].name, "T (\xC2\xB0" "C)");
        TEST_TRUE("decimal comma is text, not a number", t.col[1].state[0] == CELL_TEXT);
        TEST_EQ_INT("header line number counts skipped lines", t.header_line, 3);
        TEST_EQ_INT("data line number", t.line[0], 4);
        csv_free_table(&t);
    }
    csv = "time\ta b\tc\n2013-03-01\t1\t2\n";
    st = csv_read(&t, "tab.csv", csv, strlen(csv), 0, 0, NULL, &d);
    TEST_TRUE("tab delimiter detected", st == ELSTM_OK && t.delim == '\t' && t.ncols == 3 &&
                                            strcmp(t.col[1].name, "a b") == 0);
    if (st == ELSTM_OK) csv_free_table(&t);
    /* old Mac line ends (CR alone) count lines like LF */
    csv = "time,x\r2013-01-01 00:00,1\r\r2013-01-01 01:00,2\r";
    st = csv_read(&t, "cr.csv", csv, strlen(csv), 0, 0, NULL, &d);
    TEST_TRUE("CR line ends: 2 rows on lines 2 and 4",
              st == ELSTM_OK && t.nrows == 2 && t.line[0] == 2 && t.line[1] == 4 &&
                  t.col[1].state[1] == CELL_NUM && t.col[1].cell[1].num == 2);
    if (st == ELSTM_OK) csv_free_table(&t);
    csv = "skip me\rtime,x\r2013-01-01 00:00,1\r";
    st = csv_read(&t, "crskip.csv", csv, strlen(csv), 1, 0, NULL, &d);
    TEST_TRUE("CR line ends with --skip-rows 1", st == ELSTM_OK && t.nrows == 1 &&
                                                     t.header_line == 2 && t.line[0] == 3);
    if (st == ELSTM_OK) csv_free_table(&t);
    {
        /* a CRLF split between two reads of the file: still one line end */
        char path[] = "/tmp/elstm-crlf-XXXXXX";
        int fd = mkstemp(path);
        FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        long rows = 0, bytes = 0;
        while (f && bytes < 3 * 65536) {
            /* pad the first row so that a CR is the last byte of the first 64 KiB read */
            int w = rows == 0 ? fprintf(f, "time,x\r\n") : 0;
            if (rows == 0) {
                bytes += w;
                long pad = 65536 - bytes - (long)strlen("2013-01-01 00:00,\r");
                w = fprintf(f, "2013-01-01 00:00,%0*d\r\n", (int)pad, 1);
            } else {
                w = fprintf(f, "2013-01-01 00:00,%ld\r\n", rows);
            }
            bytes += w;
            rows++;
        }
        if (f) fclose(f);
        st = f ? csv_read(&t, path, NULL, 0, 0, 0, NULL, &d) : ELSTM_ERR_IO;
        TEST_TRUE("CRLF across a read boundary: every row on its own line",
                  st == ELSTM_OK && t.nrows == (size_t)rows && t.line[1] == 3 &&
                      t.line[rows - 1] == rows + 1);
        if (st == ELSTM_OK) csv_free_table(&t);
        remove(path);
    }
    csv = "time,y\n2013,1\n";
    st = csv_read(&t, "keep.csv", csv, strlen(csv), 0, 0, "TIME", &d);
    TEST_TRUE("columns named as time keep their text",
              st == ELSTM_OK && t.col[0].state[0] == CELL_TEXT && t.col[1].state[0] == CELL_NUM);
    if (st == ELSTM_OK) csv_free_table(&t);
}

static void errors(void)
{
    elstm_data_opts o = small_opts("bad.csv");
    TEST_LOAD_FAILS("empty file", "", &o, ELSTM_ERR_FORMAT, "bad.csv: ", "empty");
    TEST_LOAD_FAILS("only blank lines", "\n\r\n\n", &o, ELSTM_ERR_FORMAT, "empty");
    TEST_LOAD_FAILS("header only", "time,x\n", &o, ELSTM_ERR_FORMAT, "bad.csv:1: ", "no data rows");
    TEST_LOAD_FAILS("ragged row names its line", "time,x\n2013-01-01 00:00,1\n2013-01-01 01:00,2,3\n",
                    &o, ELSTM_ERR_FORMAT, "bad.csv:3: ", "3 fields", "header on line 1 has 2");
    TEST_LOAD_FAILS("short row", "time,x,y\n2013-01-01 00:00,1,2\n2013-01-01 01:00,2\n", &o,
                    ELSTM_ERR_FORMAT, "bad.csv:3: ", "2 fields");
    TEST_LOAD_FAILS("a station line before the header suggests --skip-rows",
                    "723170,GREENSBORO,NC\nDate,Time,x,y\n01/01/1988,01:00,1,2\n", &o,
                    ELSTM_ERR_FORMAT, "bad.csv:2: ", "--skip-rows");
    TEST_LOAD_FAILS("unterminated quote", "time,x\n2013-01-01 00:00,\"1\n2013-01-01 01:00,2\n", &o,
                    ELSTM_ERR_FORMAT, "bad.csv:2: ", "starts on this line", "closing quote");
    TEST_LOAD_FAILS("CR line ends: text in a numeric column names its line",
                    "time,x\r2013-01-01 00:00,1\r2013-01-01 01:00,warm\r2013-01-01 02:00,3\r",
                    &o, ELSTM_ERR_FORMAT, "bad.csv:3: ", "warm");
    TEST_LOAD_FAILS("quote inside an unquoted field", "time,x\n2013-01-01 00:00,1\"2\n", &o,
                    ELSTM_ERR_FORMAT, "bad.csv:2: ", "quot");
    {
        static const char nul[] = "time,x\n2013-01-01 00:00,1\n2013\0,2\n";
        elstm_dataset ds;
        elstm_diag d;
        elstm_diag_clear(&d);
        elstm_status st = elstm_data_load_buffer(&o, nul, sizeof nul - 1, &ds, &d);
        TEST_TRUE("NUL byte", st == ELSTM_ERR_FORMAT && strstr(d.msg, "bad.csv:3: ") &&
                                  strstr(d.msg, "NUL"));
    }
    TEST_LOAD_FAILS("duplicate column names", "time,x,x\n2013-01-01 00:00,1,2\n", &o,
                    ELSTM_ERR_FORMAT, "bad.csv:1: ", "'x' twice");
    elstm_data_opts skip = o;
    skip.skip_rows = 5;
    TEST_LOAD_FAILS("--skip-rows past the end", "a\nb\n", &skip, ELSTM_ERR_FORMAT, "skips them all");

    /* a long line is refused once it passes the limit, whatever follows */
    size_t n = CSV_MAX_LINE + 100;
    char *big = malloc(n + 64);
    strcpy(big, "time,x\n2013-01-01 00:00,");
    size_t l = strlen(big);
    memset(big + l, '7', n - l);
    big[n] = '\0';
    TEST_LOAD_FAILS("a line over 1 MiB", big, &o, ELSTM_ERR_FORMAT, "bad.csv:2: ", "longer than");
    /* a quoted field that runs past the limit over many short lines */
    strcpy(big, "time,x\n2013-01-01 00:00,\"");
    l = strlen(big);
    for (size_t i = l; i < n; i++) big[i] = (i % 50 == 0) ? '\n' : 'q';
    big[n] = '\0';
    TEST_LOAD_FAILS("a quoted field over 1 MiB", big, &o, ELSTM_ERR_FORMAT, "bad.csv:2: ",
                    "starts on this line", "closing quote");
    free(big);
}

int main(void)
{
    test_suite("data_csv");
    numbers();
    table();
    errors();
    return test_done();
}
