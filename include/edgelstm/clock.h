/*
 * edgelstm/clock.h - the one clock of the host code: seconds on the monotonic clock
 * (epoch times, progress bars, benchmarks, how long a thread has spun).
 *
 * Host only (C11, POSIX).
 */
#ifndef EDGELSTM_CLOCK_H
#define EDGELSTM_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC): only differences mean
 * anything. */
double elstm_now_s(void);

#endif /* EDGELSTM_CLOCK_H */
