/*
 * edgelstm/encoding.h - how each model input is computed from a raw sample: the one
 * vocabulary of the host's model metadata (meta.h, stored in the .tflite file) and of
 * the device forecaster (device.h, shipped in every generated library).
 *
 * C99, no dependencies: the device runtime includes it too.
 */
#ifndef EDGELSTM_ENCODING_H
#define EDGELSTM_ENCODING_H

/* How a model input is computed from a raw sample (a CSV row on the host). */
typedef enum elstm_encoding {
    ELSTM_ENC_NUMERIC = 0,     /* the numeric column (sample[sensor]) as it is */
    ELSTM_ENC_COMPASS_SIN,     /* sin of a compass angle in degrees (N = 0, E = 90); 0 when calm */
    ELSTM_ENC_COMPASS_COS,     /* cos of a compass angle in degrees; 0 when calm */
    ELSTM_ENC_TIME_SIN,        /* sin(2 pi phase) of a calendar cycle of the sample's time */
    ELSTM_ENC_TIME_COS         /* cos(2 pi phase) of a calendar cycle of the sample's time */
} elstm_encoding;

/* Calendar cycles (--time-features); phase in [0, 1):
 *   HOUR     seconds since midnight / 86400 (uses minutes too)
 *   DOY      whole days since January 1 / 365.2425
 *   WEEKDAY  days since Monday / 7
 *   MONTH    (month - 1) / 12 */
typedef enum elstm_time_feature {
    ELSTM_TF_NONE = 0,         /* not a calendar input */
    ELSTM_TF_HOUR,
    ELSTM_TF_DOY,
    ELSTM_TF_WEEKDAY,
    ELSTM_TF_MONTH
} elstm_time_feature;

#endif /* EDGELSTM_ENCODING_H */
