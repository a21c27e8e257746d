/*
 * tflite_int8.h - int8 kernels of the host executor: fixed-point requantization and the
 * integer LSTM (int8 activations and weights, int16 cell, int32 biases). Internal to io/.
 *
 * The arithmetic follows TFLite's integer LSTM scheme: gate pre-activations in Q3.12,
 * gate values in Q0.15, a power-of-two cell scale, rounding multipliers with double
 * rounding. The sigmoid and tanh are computed in floating point and rounded to Q0.15
 * (TFLite uses fixed-point/table approximations), so results agree with the official
 * runtimes to a few output LSB rather than bit for bit.
 */
#ifndef EDGELSTM_IO_TFLITE_INT8_H
#define EDGELSTM_IO_TFLITE_INT8_H

#include <stdint.h>

/* A real multiplier as (m, shift): x * real ~= MBQM(x, m, shift). */
typedef struct tfl_mult {
    int32_t m;
    int32_t shift;
} tfl_mult;

tfl_mult tfl_quantize_multiplier(double real);
int32_t tfl_mbqm(int64_t x, tfl_mult q);   /* MultiplyByQuantizedMultiplier, saturating input */

typedef struct tfl_lstm_i8 {
    int32_t n_input, n_units, steps;
    const int8_t *wx[4], *wh[4];   /* [N][I], [N][N], symmetric (zero point 0) */
    int32_t *bias_x, *bias_h;      /* [4][N]: bias + zero-point corrections (owned) */
    tfl_mult mx[4], mh[4];         /* input / recurrent contributions -> Q3.12 */
    tfl_mult m_fc, m_ig, m_h;      /* f*c -> cell, i*g -> cell, o*tanh(c) -> hidden */
    int32_t zp_in, zp_h;
    int32_t cell_pow;              /* cell scale = 2^cell_pow */
    int16_t clip;                  /* quantized cell clip, 0 = none */
    int8_t *h;                     /* [N] state (owned scratch) */
    int16_t *c;                    /* [N] */
    int16_t *gates;                /* [4][N] */
} tfl_lstm_i8;

/* Fill the derived fields (biases, multipliers) and allocate state; returns 0 or -1
 * (out of memory / a scale that cannot be represented). `bias[g]` may be NULL. */
int tfl_lstm_i8_prepare(tfl_lstm_i8 *p, const int32_t *const bias[4], double s_in,
                        const float s_wx[4], const float s_wh[4], double s_h, double s_c,
                        float cell_clip);
void tfl_lstm_i8_release(tfl_lstm_i8 *p);

/* The whole sequence from a zero state: x [steps][I] int8 -> out [steps][N] int8. */
void tfl_lstm_i8_run(tfl_lstm_i8 *p, const int8_t *x, int8_t *out);

#endif /* EDGELSTM_IO_TFLITE_INT8_H */
