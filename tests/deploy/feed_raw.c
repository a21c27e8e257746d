/*
 * feed_raw.c - feed raw samples to a generated library, one at a time, then forecast from
 * its ring buffer (tests/deploy/test_deploy.sh: the device's own scaling and calendar
 * against the data layer's, on real data).
 *
 * Built with -DNAME=prefix -DNAME_UC=PREFIX -DHEADER='"prefix.h"'. Reads lines
 * "TIME V0 V1 ..." (seconds since 1970-01-01T00:00:00, then the raw sensor values in the
 * library's sensor order) from stdin; prints "normalized X" and "value Y".
 */
#include <stdio.h>
#include <stdlib.h>

#include "driver.h"

int main(void)
{
    static API(_state) s;
    float sample[K(_SENSORS) > 0 ? K(_SENSORS) : 1];
    long long t;
    int n = 0;
    if (API(_init)(&s) != K(_OK)) return 1;
    while (scanf("%lld", &t) == 1) {
        for (int i = 0; i < K(_SENSORS); i++)
            if (scanf("%f", &sample[i]) != 1) return 1;
        if (API(_feed)(&s, sample, (int64_t)t) != K(_OK)) {
            fprintf(stderr, "feed_raw: sample %d refused\n", n);
            return 1;
        }
        n++;
    }
    int rc = API(_predict)(&s);
    if (rc != K(_OK)) {
        fprintf(stderr, "feed_raw: predict returned %d after %d samples\n", rc, n);
        return 1;
    }
    printf("normalized %.9g\nvalue %.9g\n", (double)API(_forecast_normalized)(&s), (double)API(_forecast)(&s));
    return 0;
}
