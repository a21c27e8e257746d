/* opts.c - default data options (the contract's defaults: 168 steps, horizon 1, 0.7/0.2 split). */
#include <string.h>

#include "edgelstm/data.h"

void elstm_data_opts_default(elstm_data_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = ELSTM_DEFAULT_STEPS;
    o->horizon = ELSTM_DEFAULT_HORIZON;
    o->split_train = ELSTM_DEFAULT_SPLIT_TRAIN;
    o->split_val = ELSTM_DEFAULT_SPLIT_VAL;
    o->max_gap = -1;
    o->horizons = 1;
    o->target_mode = ELSTM_DEFAULT_TARGET_MODE;
}
