/*
 * feed_stream.c - stream raw samples through a stateful model's generated library
 * (tests/deploy/test_deploy_stream.sh): NAME_warm_up on the first WARM samples (0 = none),
 * then NAME_push_sample on each of the others; prints "k value" after each sample k
 * (0-based) that has a forecast. Then NAME_stream_reset and the first RESTART samples
 * pushed again, printed as "restart k value". Bad arguments are checked on the way: a NaN
 * sample gives NaN and leaves the state as it was.
 *
 * Built with -DNAME=prefix -DNAME_UC=PREFIX -DHEADER='"prefix.h"'. Usage:
 * feed_stream WARM RESTART < rows ("TIME V0 V1 ..." per line, as tests/deploy/raw_rows.py
 * writes them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "driver.h"
#define MAX_ROWS 4096
#define NS (K(_SENSORS) > 0 ? K(_SENSORS) : 1)

static float samples[MAX_ROWS][NS];
static int64_t times[MAX_ROWS];

int main(int argc, char **argv)
{
    static API(_state) s;
    long long t;
    int n = 0;
    if (argc != 3) return 2;
    const int warm = atoi(argv[1]), restart = atoi(argv[2]);
    while (n < MAX_ROWS && scanf("%lld", &t) == 1) {
        for (int i = 0; i < K(_SENSORS); i++)
            if (scanf("%f", &samples[n][i]) != 1) return 1;
        times[n++] = (int64_t)t;
    }
    if (warm > n || restart > n) return 2;
    if (!isnan(API(_push_sample)(&s, samples[0], times[0]))) {
        fprintf(stderr, "feed_stream: a state not initialized was accepted\n");
        return 1;
    }
    if (API(_init)(&s) != K(_OK)) return 1;
    int k = 0;
    if (warm > 0) {
        if (API(_warm_up)(&s, &samples[0][0], times, warm) != K(_OK)) {
            fprintf(stderr, "feed_stream: warm_up refused\n");
            return 1;
        }
        printf("%d %.9g\n", warm - 1, (double)API(_forecast)(&s));
        k = warm;
    }
    for (; k < n; k++) {
        if (k == n / 2) { /* a NaN sample is refused and changes nothing */
            float bad[NS];
            for (int i = 0; i < NS; i++) bad[i] = NAN;
            if (K(_SENSORS) > 0 && !isnan(API(_push_sample)(&s, bad, times[k]))) {
                fprintf(stderr, "feed_stream: a NaN sample was accepted\n");
                return 1;
            }
        }
        const float y = API(_push_sample)(&s, samples[k], times[k]);
        if (isnan(y) || y != API(_forecast)(&s)) {
            fprintf(stderr, "feed_stream: sample %d gave %g\n", k, (double)y);
            return 1;
        }
        printf("%d %.9g\n", k, (double)y);
    }
    API(_stream_reset)(&s);
    for (k = 0; k < restart; k++) printf("restart %d %.9g\n", k, (double)API(_push_sample)(&s, samples[k], times[k]));
    return 0;
}
