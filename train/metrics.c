/* metrics.c - forecast errors in the target's units: MAE, RMSE, R^2, bias (docs/training.md). */
#include <math.h>

#include "edgelstm/train.h"

void elstm_errors_compute(const double *pred, const double *actual, size_t n, elstm_errors *e)
{
    size_t used = 0;
    double sum_abs = 0.0, sse = 0.0, mean = 0.0, sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(pred[i]) || isnan(actual[i])) continue;
        double d = pred[i] - actual[i];
        sum_abs += fabs(d);
        sum += d;
        sse += d * d;
        mean += actual[i];
        used++;
    }
    e->n = used;
    if (used == 0) {
        e->mae = e->rmse = e->r2 = e->bias = NAN;
        return;
    }
    mean /= (double)used;
    double sst = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(pred[i]) || isnan(actual[i])) continue;
        sst += (actual[i] - mean) * (actual[i] - mean);
    }
    e->mae = sum_abs / (double)used;
    e->rmse = sqrt(sse / (double)used);
    e->bias = sum / (double)used;
    e->r2 = sst > 0.0 ? 1.0 - sse / sst : NAN;
}
