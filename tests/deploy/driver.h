/* driver.h - what the test drivers of a generated library share (feed_raw.c, feed_stream.c,
 * feed_forecast.c, multi_window.c): built with -DNAME=lib -DNAME_UC=LIB -DHEADER='"lib.h"',
 * they name the library's API as API(_init) (lib_init) and its constants as K(_STEPS)
 * (LIB_STEPS). */
#ifndef ELSTM_TEST_DRIVER_H
#define ELSTM_TEST_DRIVER_H

#include HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define API(f) CAT(NAME, f)
#define K(c) CAT(NAME_UC, c)

#endif
