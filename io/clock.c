/* clock.c - seconds on the monotonic clock (see edgelstm/clock.h). */
#include <time.h>

#include "edgelstm/clock.h"

double elstm_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
