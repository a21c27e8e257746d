/* test_data_features.c - column kinds, default and chosen inputs, the compass
 * encoding (exact angles), calendar time features, column statistics, and the
 * messages for columns that cannot be inputs. */
#include <math.h>
#include <stdlib.h>

#include "../../data/internal.h"
#include "data_util.h"

#define PI 3.14159265358979323846

static void compass(void)
{
    static const char *const pts[16] = {"N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
                                        "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"};
    int ok = 1;
    for (int i = 0; i < 16; i++) ok &= compass_angle(pts[i]) == 22.5 * i;
    TEST_TRUE("16 points at 22.5 degree steps clockwise from N", ok);
    TEST_TRUE("lowercase accepted", compass_angle("nne") == 22.5 && compass_angle("wsw") == 247.5);
    TEST_TRUE("calm / variable markers", compass_angle("C") == -1 && compass_angle("cv") == -1 &&
                                             compass_angle("CALM") == -1 && compass_angle("VRB") == -1);
    TEST_TRUE("not compass: NNX, 0, NORTH", compass_angle("NNX") == -2 && compass_angle("0") == -2 &&
                                                compass_angle("NORTH") == -2);

    /* every direction once in the training part, so the scaler spans [-1, 1] exactly */
    char csv[4096] = "time,wd,T\n";
    for (int i = 0; i < 20; i++) {
        const char *v = i < 16 ? pts[i] : i == 16 ? "C" : i == 17 ? "NA" : i == 18 ? "e" : "S";
        size_t l = strlen(csv);
        snprintf(csv + l, sizeof csv - l, "2013-03-01 %02d:00,%s,%d\n", i, v, i);
    }
    elstm_data_opts o = small_opts("compass.csv");
    o.split_train = 0.85;
    o.split_val = 0.1;
    elstm_dataset ds;
    if (!test_loads("compass file loads", csv, &o, &ds)) return;
    int ks = input_index(&ds, "wd_sin"), kc = input_index(&ds, "wd_cos");
    TEST_TRUE("inputs T? no: wd_sin, wd_cos, T in file order",
              ds.n_inputs == 3 && ks == 0 && kc == 1 && input_index(&ds, "T") == 2);
    TEST_TRUE("encodings recorded", ds.meta.inputs[ks].enc == ELSTM_ENC_COMPASS_SIN &&
                                        ds.meta.inputs[kc].enc == ELSTM_ENC_COMPASS_COS &&
                                        strcmp(ds.meta.inputs[ks].source, "wd") == 0);
    TEST_TRUE("scaler of the pair is [-1, 1]", ds.meta.inputs[ks].min == -1 && ds.meta.inputs[ks].max == 1 &&
                                                   ds.meta.inputs[kc].min == -1 && ds.meta.inputs[kc].max == 1);
    double worst = 0;
    for (int i = 0; i < 16; i++) {
        double a = 22.5 * i * PI / 180;
        worst = fmax(worst, fabs(input_value(&ds, ks, (size_t)i) - sin(a)));
        worst = fmax(worst, fabs(input_value(&ds, kc, (size_t)i) - cos(a)));
    }
    TEST_NEAR("all 16 directions: sin/cos of the angle", worst, 0, 1e-6);
    TEST_TRUE("N is (0, 1) and E is (1, 0) exactly (normalized 0.5,1 and 1,0.5)",
              ds.x[0 * 3 + ks] == 0.5f && ds.x[0 * 3 + kc] == 1.0f && ds.x[4 * 3 + ks] == 1.0f &&
                  ds.x[4 * 3 + kc] == 0.5f);
    TEST_TRUE("calm is (0, 0)", ds.x[16 * 3 + ks] == 0.5f && ds.x[16 * 3 + kc] == 0.5f);
    TEST_NEAR("missing between calm (0,0) and 'e' (1,0): sin interpolated to 0.5", input_value(&ds, ks, 17), 0.5, 1e-6);
    TEST_NEAR("... and cos to 0", input_value(&ds, kc, 17), 0.0, 1e-6);
    TEST_TRUE("the missing compass cell is marked for both inputs, calm is not",
              ds.input_missing[17 * 3 + ks] && ds.input_missing[17 * 3 + kc] && !ds.input_missing[16 * 3 + ks] &&
                  !ds.input_missing[0 * 3 + kc]);
    const elstm_column_stats *cs = col_stats(&ds, "wd");
    TEST_TRUE("compass column stats: kind, 1 missing, 0..337.5 degrees",
              cs && cs->kind == ELSTM_COL_COMPASS && cs->missing == 1 && cs->min == 0 && cs->max == 337.5);
    elstm_data_free(&ds);

    o = small_opts("compass.csv");
    o.features = "wd";
    TEST_LOAD_FAILS("a bad token in a compass column names line and text",
                    "time,wd\n2013-03-01 00:00,N\n2013-03-01 01:00,NNX\n2013-03-01 02:00,S\n"
                    "2013-03-01 03:00,E\n",
                    &o, ELSTM_ERR_FORMAT, "compass.csv:3: ", "'wd'", "\"NNX\"", "NNE");
    o.features = NULL;
    o.target = "wd";
    TEST_LOAD_FAILS("a compass target is refused",
                    "time,wd\n2013-03-01 00:00,N\n2013-03-01 01:00,S\n2013-03-01 02:00,E\n", &o,
                    ELSTM_ERR_DATA, "'wd'", "numeric");
}

static double phase_of(elstm_time_feature tf, int y, int m, int d, int h, int mi)
{
    return time_feature_phase(tf, time_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60);
}

static void time_features(void)
{
    TEST_NEAR("hour phase of 06:00", phase_of(ELSTM_TF_HOUR, 2013, 3, 1, 6, 0), 0.25, 1e-15);
    TEST_NEAR("hour phase uses minutes (18:30)", phase_of(ELSTM_TF_HOUR, 2013, 3, 1, 18, 30), 18.5 / 24, 1e-15);
    TEST_NEAR("weekday: Monday 2024-01-01 is 0", phase_of(ELSTM_TF_WEEKDAY, 2024, 1, 1, 12, 0), 0, 0);
    TEST_NEAR("weekday: Sunday 2024-01-07 is 6/7", phase_of(ELSTM_TF_WEEKDAY, 2024, 1, 7, 0, 0), 6.0 / 7, 1e-15);
    TEST_NEAR("weekday before 1970 (Wednesday 1969-12-31)", phase_of(ELSTM_TF_WEEKDAY, 1969, 12, 31, 0, 0), 2.0 / 7, 1e-15);
    TEST_NEAR("doy: January 1 is 0", phase_of(ELSTM_TF_DOY, 2016, 1, 1, 23, 0), 0, 0);
    TEST_NEAR("doy: December 31 of a leap year is 365/365.2425", phase_of(ELSTM_TF_DOY, 2016, 12, 31, 0, 0), 365 / 365.2425, 1e-15);
    TEST_NEAR("month: March is 2/12", phase_of(ELSTM_TF_MONTH, 2013, 3, 31, 0, 0), 2.0 / 12, 1e-15);

    const char *csv = "time,T\n2024-01-01 00:00,1\n2024-01-01 06:00,2\n2024-01-01 12:00,3\n"
                      "2024-01-01 18:00,4\n2024-01-02 00:00,5\n2024-01-02 06:00,6\n";
    elstm_data_opts o = small_opts("tf.csv");
    o.time_features = "hour,weekday,doy,month";
    o.split_train = 0.85;   /* 5 training rows: Monday 00-18 h and Tuesday 00 h */
    o.split_val = 0.1;
    elstm_dataset ds;
    if (!test_loads("time features load", csv, &o, &ds)) return;
    const char *names[] = {"T", "hour_sin", "hour_cos", "weekday_sin", "weekday_cos",
                           "doy_sin", "doy_cos", "month_sin", "month_cos"};
    int ok = ds.n_inputs == 9;
    for (int i = 0; ok && i < 9; i++) ok &= strcmp(ds.meta.inputs[i].name, names[i]) == 0;
    TEST_TRUE("inputs named NAME_sin/NAME_cos after the columns, in --time-features order", ok);
    TEST_TRUE("time inputs have no source column and carry their feature",
              ds.meta.inputs[1].source[0] == '\0' && ds.meta.inputs[1].tf == ELSTM_TF_HOUR &&
                  ds.meta.inputs[1].enc == ELSTM_ENC_TIME_SIN && ds.meta.inputs[4].tf == ELSTM_TF_WEEKDAY);
    int hs = input_index(&ds, "hour_sin"), hc = input_index(&ds, "hour_cos");
    double err = 0;
    for (size_t r = 0; r < ds.rows; r++) {
        double a = 2 * PI * (double)(r % 4) / 4;
        err = fmax(err, fabs(input_value(&ds, hs, r) - sin(a)));
        err = fmax(err, fabs(input_value(&ds, hc, r) - cos(a)));
    }
    TEST_NEAR("hour_sin/hour_cos at 00, 06, 12, 18 h", err, 0, 1e-6);
    TEST_TRUE("hour scaler from the training rows: sin spans [-1, 1], cos [-1, 1]",
              ds.meta.inputs[hs].min == -1 && ds.meta.inputs[hs].max == 1 &&
                  ds.meta.inputs[hc].min == -1 && ds.meta.inputs[hc].max == 1);
    int ws = input_index(&ds, "weekday_sin");
    TEST_NEAR("weekday_sin on Tuesday", input_value(&ds, ws, 4), sin(2 * PI / 7), 1e-6);
    elstm_data_free(&ds);

    o.time_features = "hour,season";
    TEST_LOAD_FAILS("unknown time feature is a usage error", csv, &o, ELSTM_ERR_ARG, "season",
                    "hour, doy, weekday, month");
}

static void selection(void)
{
    /* pandas-style unnamed index, a named counter, a station name, an empty column,
     * a constant column, a compass column */
    const char *csv = ",No,year,month,day,hour,TEMP,wd,station,empty,const,x\n"
                      "0,1,2013,3,1,0,1.5,N,Aoti,,5,0\n"
                      "1,2,2013,3,1,1,NA,S,Aoti,NA,5,1\n"
                      "2,3,2013,3,1,2,2.5,E,Aoti,,5,2\n"
                      "3,4,2013,3,1,3,3.5,W,Aoti,,5,3\n";
    elstm_data_opts o = small_opts("sel.csv");
    elstm_dataset ds;
    elstm_diag d;
    elstm_status st;
    if (!test_loads("mixed file loads", csv, &o, &ds)) {
        return;
    }
    const char *want[] = {"TEMP", "wd_sin", "wd_cos", "const", "x"};
    int ok = ds.n_inputs == 5;
    for (int i = 0; ok && i < 5; i++) ok &= strcmp(ds.meta.inputs[i].name, want[i]) == 0;
    TEST_TRUE("default inputs: numeric and compass columns; not index, time, text, empty", ok);
    TEST_TRUE("kinds", col_stats(&ds, "Unnamed: 0")->kind == ELSTM_COL_INDEX &&
                           col_stats(&ds, "No")->kind == ELSTM_COL_INDEX &&
                           col_stats(&ds, "year")->kind == ELSTM_COL_TIME &&
                           col_stats(&ds, "station")->kind == ELSTM_COL_TEXT &&
                           col_stats(&ds, "wd")->kind == ELSTM_COL_COMPASS &&
                           col_stats(&ds, "x")->kind == ELSTM_COL_NUMERIC);
    const elstm_column_stats *t = col_stats(&ds, "TEMP");
    TEST_TRUE("TEMP: 1 missing, min 1.5, max 3.5", t->missing == 1 && t->min == 1.5 && t->max == 3.5);
    TEST_TRUE("empty column: 4 missing, no range",
              col_stats(&ds, "empty")->missing == 4 && isnan(col_stats(&ds, "empty")->min));
    TEST_TRUE("selected flags", t->selected && !col_stats(&ds, "No")->selected &&
                                    !col_stats(&ds, "station")->selected);
    int kc = input_index(&ds, "const");
    TEST_TRUE("a constant input scales to 0", ds.x[0 * 5 + kc] == 0.0f && ds.x[3 * 5 + kc] == 0.0f);
    TEST_TRUE("no target: target_input -1", ds.meta.target[0] == '\0' && ds.meta.target_input == -1);
    elstm_data_free(&ds);

    o.features = "x,TEMP";
    o.target = "temp";
    o.steps = 1;            /* 3 training rows: one window whose target is observed */
    o.split_train = 0.75;
    st = load_text(csv, &o, &ds, &d);
    TEST_TRUE("--features order kept; --target found case-insensitively; its input index",
              st == ELSTM_OK && ds.n_inputs == 2 && strcmp(ds.meta.inputs[0].name, "x") == 0 &&
                  strcmp(ds.meta.target, "TEMP") == 0 && ds.meta.target_input == 1);
    elstm_data_free(&ds);
    o.features = "x";
    o.target = "TEMP";
    st = load_text(csv, &o, &ds, &d);
    TEST_TRUE("a target that is not an input", st == ELSTM_OK && ds.meta.target_input == -1 && ds.y);
    elstm_data_free(&ds);

    o.target = NULL;
    o.features = "x,humidity";
    TEST_LOAD_FAILS("unknown feature lists the columns", csv, &o, ELSTM_ERR_DATA, "sel.csv:1: ",
                    "'humidity'", "columns: Unnamed: 0, No, year, month, day, hour, TEMP, wd, station, empty, const, x");
    o.features = "x";
    o.target = "temperature";
    TEST_LOAD_FAILS("unknown target lists the columns", csv, &o, ELSTM_ERR_DATA, "--target",
                    "'temperature'", "columns: Unnamed: 0, No");
    o.target = NULL;
    o.features = "station";
    TEST_LOAD_FAILS("a text column cannot be an input", csv, &o, ELSTM_ERR_FORMAT, "sel.csv:2: ",
                    "'station'", "\"Aoti\"");
    o.features = "empty";
    TEST_LOAD_FAILS("a column with no values at all", csv, &o, ELSTM_ERR_DATA, "'empty'",
                    "no values at all");
    o.features = "hour";
    TEST_LOAD_FAILS("a time column cannot be an input", csv, &o, ELSTM_ERR_DATA, "'hour'",
                    "--time-features");
    o.features = "x,x";
    TEST_LOAD_FAILS("a feature named twice", csv, &o, ELSTM_ERR_ARG, "'x' twice");
    o.features = NULL;
    TEST_LOAD_FAILS("text in a numeric column (default inputs) names line, column and text",
                    "time,T\n2013-03-01 00:00,1\n2013-03-01 01:00,2\n2013-03-01 02:00,warm\n"
                    "2013-03-01 03:00,4\n",
                    &o, ELSTM_ERR_FORMAT, "sel.csv:4: ", "'T'", "\"warm\"", "decimal number");
    TEST_LOAD_FAILS("overflow", "time,T\n2013-03-01 00:00,1\n2013-03-01 01:00,1e400\n2013-03-01 02:00,2\n",
                    &o, ELSTM_ERR_FORMAT, "sel.csv:3: ", "'T'", "too large");
    o.features = "T";
    st = load_text("time,T,junk\n2013-03-01 00:00,1,1\n2013-03-01 01:00,2,oops\n2013-03-01 02:00,3,3\n",
                   &o, &ds, &d);
    TEST_TRUE("text in a column that is not used is no error", st == ELSTM_OK);
    elstm_data_free(&ds);
    o.features = NULL;
    TEST_LOAD_FAILS("input names must be unique", "time,wd,wd_sin\n2013-03-01 00:00,N,1\n"
                    "2013-03-01 01:00,S,2\n2013-03-01 02:00,E,3\n",
                    &o, ELSTM_ERR_DATA, "'wd_sin'");
}

int main(void)
{
    test_suite("data_features");
    compass();
    time_features();
    selection();
    return test_done();
}
