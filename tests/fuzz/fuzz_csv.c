/*
 * fuzz_csv.c - libFuzzer target for the data loader (CSV -> time -> features ->
 * scaler -> windows), through the in-memory entry points.
 *
 * Input: byte 0 chooses options (window length, horizon, time features, --max-gap 0,
 * --skip-rows 1, an explicit Jena --time-format, a target); the rest is the CSV.
 * Besides "no crash, no leak, no undefined behaviour", a successful load must hold
 * its invariants, and reloading the same bytes with the resulting model metadata
 * (what eval/predict do) must succeed and give identical inputs and windows.
 * A violated invariant aborts, so the fuzzer reports it.
 *
 *   make fuzz FUZZ_SECONDS=300       (clang libFuzzer; corpus tests/fuzz/corpus/fuzz_csv/)
 *   make test                        (replays the committed corpus under ASan/UBSan)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgelstm/data.h"

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_csv: invariant violated: %s\n", what);
        abort();
    }
}

static void check(const elstm_dataset *ds)
{
    require(ds->rows >= ds->file_rows && ds->rows == ds->file_rows + ds->filled_rows, "row counts");
    require(ds->n_inputs == ds->meta.n_inputs && ds->n_inputs > 0, "inputs");
    require(ds->split_end[0] <= ds->split_end[1] && ds->split_end[1] <= ds->split_end[2] &&
                ds->split_end[2] == ds->rows, "split segments");
    for (size_t r = 1; r < ds->rows; r++)
        require(ds->time[r] > ds->time[r - 1] &&
                    (ds->gap_before[r] || ds->time[r] - ds->time[r - 1] == ds->interval_s),
                "regular increasing grid");
    for (size_t i = 0; i < ds->rows * (size_t)ds->n_inputs; i++) require(isfinite(ds->x[i]), "finite x");
    for (size_t r = 0; ds->y && r < ds->rows; r++) require(isfinite(ds->y[r]), "finite y");
    for (int k = 0; k < ELSTM_SPLITS; k++)
        for (size_t i = 0; i < ds->n_win[k]; i++) {
            size_t s = ds->win_start[k][i], T = elstm_data_target_row(ds, s);
            require(T < ds->rows && s >= (k ? ds->split_end[k - 1] : 0) && T < ds->split_end[k],
                    "window inside its split");
            for (size_t r = s; r <= T; r++) require(r == s || !ds->gap_before[r], "no long gap inside");
            for (size_t r = s; r < s + (size_t)ds->meta.steps; r++) require(ds->usable[r], "usable rows");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0];
    elstm_data_opts o;
    elstm_data_opts_default(&o);
    o.path = "fuzz.csv";
    o.steps = 1 + (mode & 3);
    o.horizon = 1 + ((mode >> 2) & 1);
    if (mode & 8) o.time_features = "hour,doy,weekday,month";
    if (mode & 16) o.max_gap = 0;
    if (mode & 32) o.skip_rows = 1;
    if (mode & 64) {
        o.time_cols = "time";
        o.time_format = "%d.%m.%Y %H:%M:%S";
    }
    if (mode & 128) o.target = "x";
    elstm_dataset ds, again;
    elstm_status st_meta;
    elstm_diag d;
    elstm_diag_clear(&d);
    if (elstm_data_load_buffer(&o, data + 1, size - 1, &ds, &d) != ELSTM_OK) {
        require(d.msg[0] != '\0' && !strchr(d.msg, '\n'), "one-line message on failure");
        return 0;
    }
    check(&ds);
    elstm_diag_clear(&d);
    /* the metadata a training on this data would write passes the model check */
    st_meta = elstm_meta_check(&ds.meta, ds.meta.target[0] != '\0', "fuzz.csv", &d);
    if (st_meta != ELSTM_OK) fprintf(stderr, "fuzz_csv: %s\n", d.msg);
    require(st_meta == ELSTM_OK, "the loaded data's metadata passes elstm_meta_check");
    elstm_diag_clear(&d);
    elstm_status st = elstm_data_load_meta_buffer("fuzz.csv", data + 1, size - 1, &ds.meta, &again, &d);
    if (st != ELSTM_OK) fprintf(stderr, "fuzz_csv: reload failed: %s\n", d.msg);
    require(st == ELSTM_OK, "reload with the model's metadata succeeds");
    require(again.rows == ds.rows && again.n_inputs == ds.n_inputs &&
                memcmp(again.x, ds.x, ds.rows * (size_t)ds.n_inputs * sizeof *ds.x) == 0,
            "reload gives the same inputs");
    for (int k = 0; k < ELSTM_SPLITS; k++)
        require(again.n_win[k] == ds.n_win[k] &&
                    (!ds.n_win[k] || memcmp(again.win_start[k], ds.win_start[k],
                                            ds.n_win[k] * sizeof *ds.win_start[k]) == 0),
                "reload gives the same windows");
    elstm_data_free(&again);
    elstm_data_free(&ds);
    return 0;
}
