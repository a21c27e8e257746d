/* cmd_eval.h - helpers shared by `train`, `eval` and `predict` (cli/cmd_eval.c). */
#ifndef EDGELSTM_CLI_CMD_EVAL_H
#define EDGELSTM_CLI_CMD_EVAL_H

#include "edgelstm/model.h"
#include "edgelstm/train.h"

/* The eval JSON object (jansson json_t *): split, n, mae, rmse, r2, persistence, seasonal. */
void *cli_eval_json(const elstm_eval_result *r);

/* Print the evaluation as a small table (stdout or stderr). */
void cli_eval_print(FILE *f, const elstm_eval_result *r, const char *target);

/* Load a forecaster with edgelstm metadata and FILE read as it was trained. On failure
 * prints the error and returns the exit status (nothing to free). */
/* A note on stderr when a per-series model reads a file with the file's own scaler. */
void cli_note_scaler(const elstm_dataset *ds);
int cli_load_model_and_data(const char *model_path, const char *data_path, elstm_forecaster *f,
                            elstm_dataset *ds);

/* Online CPUs (1 if unknown), capped at ELSTM_MAX_THREADS. */
int cli_default_threads(void);

/* Format a number the way Keras prints losses: %.4f, or %.4e below 1e-3. */
const char *cli_fmt_loss(double v, char *buf, size_t n);

#endif
