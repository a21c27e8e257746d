/* test_quant.c - the integer runtime kernels (edgelstm/quant.h) and the host's multiplier
 * preparation (io/tflite_quant.c) against real arithmetic (libm, double precision).
 * Bit-exactness with TensorFlow Lite Micro is tested end to end in
 * tests/interop/test_quantize.py. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/tflite_quant.h"
#include "../../runtime/qmath.h"
#include "edgelstm/quant.h"
#include "elstm_test.h"
#include "test_rng.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) { return test_xorshift64(&rng); }
static double uniform(double lo, double hi) { return lo + (hi - lo) * (double)(next() >> 11) / 9007199254740992.0; }

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* The sigmoid table's formula (runtime/qmath.h): each node raised by half the mean
 * midpoint error of linear interpolation on its two segments; the last node saturated. */
static void check_table(void)
{
    const double d = 1.0 / 24.0;
    int bad = 0, first = -1;
    for (int k = 0; k < 256; k++) {
        double x = k * d;
        double er = sigmoid(x + d / 2) - (sigmoid(x) + sigmoid(x + d)) / 2;
        double el = sigmoid(x - d / 2) - (sigmoid(x) + sigmoid(x - d)) / 2;
        long want = k == 255 ? 65535 : lround(65536.0 * (sigmoid(x) + (er + el) / 4));
        if (elstm_q_sigmoid_table[k] != want) {
            bad++;
            if (first < 0) first = k;
        }
    }
    TEST_TRUE("every entry of the sigmoid table follows its formula", bad == 0);
    if (first >= 0) printf("# first mismatch at node %d\n", first);
}

static void check_activations(void)
{
    double worst_s = 0, worst_t = 0, worst_tc = 0;
    int mono = 1, odd = 1;
    int16_t prev_s = -32768, prev_t = -32768;
    for (int32_t z = -32768; z <= 32767; z++) {
        int16_t s = elstm_q_sigmoid((int16_t)z), t = elstm_q_tanh((int16_t)z, -12);
        double es = fabs(s / 32768.0 - sigmoid(z / 4096.0));
        double et = fabs(t / 32768.0 - tanh(z / 4096.0));
        double ec = fabs(elstm_q_tanh((int16_t)z, -14) / 32768.0 - tanh(z / 16384.0));
        worst_s = es > worst_s ? es : worst_s;
        worst_t = et > worst_t ? et : worst_t;
        worst_tc = ec > worst_tc ? ec : worst_tc;
        if (s < prev_s || t < prev_t) mono = 0;
        if (z > -32768 && elstm_q_tanh((int16_t)-z, -12) != -t && z != 0) odd = odd && abs(elstm_q_tanh((int16_t)-z, -12) + t) <= 1;
        prev_s = s;
        prev_t = t;
    }
    printf("# max error: sigmoid %.3g, tanh (gates) %.3g, tanh (cell 2^-14) %.3g; 1 LSB = %.3g\n", worst_s,
           worst_t, worst_tc, 1.0 / 32768);
    TEST_TRUE("sigmoid(Q3.12) is within 4 Q0.15 steps of libm on every int16", worst_s <= 4.0 / 32768);
    TEST_TRUE("tanh(Q3.12) is within 8 Q0.15 steps of libm on every int16", worst_t <= 8.0 / 32768);
    TEST_TRUE("tanh of a 2^-14 cell scale is within 8 steps of libm", worst_tc <= 8.0 / 32768);
    TEST_TRUE("sigmoid and tanh are non-decreasing", mono);
    TEST_TRUE("tanh is odd within one step", odd);
    TEST_EQ_INT("sigmoid(0) = 0.5", elstm_q_sigmoid(0), 16384);
    TEST_EQ_INT("tanh(0) = 0", elstm_q_tanh(0, -12), 0);
    TEST_EQ_INT("sigmoid(-8) = 0.000335 = 11 steps", elstm_q_sigmoid(-32768), 11);
    TEST_EQ_INT("sigmoid(+8) = 1 - 11 steps", elstm_q_sigmoid(32767), 32757);
    TEST_EQ_INT("tanh(+8) = 1 - 1 step", elstm_q_tanh(32767, -12), 32767);
    TEST_EQ_INT("tanh(-8) = -1 + 1 step", elstm_q_tanh(-32768, -12), -32767);
}

static void check_multipliers(void)
{
    elstm_qmult q = tfl_quantize_multiplier(1.0 / 32768.0);
    TEST_TRUE("QuantizeMultiplier(2^-15) = (2^30, -14)", q.m == (1 << 30) && q.shift == -14);
    q = tfl_quantize_multiplier(1.0 / 32768.0 / 32768.0 / (1.0 / 4096.0));
    TEST_TRUE("QuantizeMultiplier(2^-18) = (2^30, -17)", q.m == (1 << 30) && q.shift == -17);
    q = tfl_quantize_multiplier(0.0);
    TEST_TRUE("QuantizeMultiplier(0) = (0, 0)", q.m == 0 && q.shift == 0);
    q = tfl_quantize_multiplier(3.0);
    TEST_TRUE("QuantizeMultiplier(3) = (0.75 * 2^31, 2)", q.m == 1610612736 && q.shift == 2);
    q = tfl_quantize_multiplier(0.99999999999);
    TEST_TRUE("a mantissa that rounds up to 2^31 moves to the next exponent", q.m == (1 << 30) && q.shift == 1);
    q = tfl_quantize_multiplier(ldexp(1.0, -40));
    TEST_TRUE("below 2^-32 the multiplier is flushed to zero", q.m == 0 && q.shift == 0);
    /* the FC multiplier multiplies the two scales in float first, as TFLite */
    float a = 0.0039215689f, b = 0.0031617943f, c = 0.00024414062f;
    TEST_TRUE("tfl_fc_multiplier uses the float product of the scales",
              tfl_fc_multiplier(a, b, c).m == tfl_quantize_multiplier((double)(a * b) / c).m);

    /* the doubling high multiply against gemmlowp's own form (nudge, truncating division) */
    int differ = 0;
    for (int i = 0; i < 200000; i++) {
        int32_t a_ = (int32_t)next(), b_ = (int32_t)(next() >> 1);   /* multipliers are >= 0 */
        if (i % 7 == 0) a_ = i % 2 ? INT32_MIN : INT32_MAX;
        if (i % 11 == 0) b_ = i % 2 ? 0 : INT32_MAX;
        int64_t ab = (int64_t)a_ * b_, nudge = ab >= 0 ? (1LL << 30) : 1 - (1LL << 30);
        int32_t want = (int32_t)((ab + nudge) / (1LL << 31));
        elstm_qmult m_ = {b_, 0};
        differ += elstm_q_mul(a_, m_) != want;
    }
    TEST_TRUE("the rounding multiply equals gemmlowp's nudge-and-divide form on 200000 pairs", differ == 0);

    int worst = 0, exact = 0, n = 20000;
    for (int i = 0; i < n; i++) {
        double r = ldexp((double)(next() % 1000000 + 1) / 1000000.0, -(int)(next() % 20));
        int32_t x = (int32_t)(next() % 2000001) - 1000000;
        int32_t got = elstm_q_mul(x, tfl_quantize_multiplier(r));
        int d = (int)fabs(got - round(x * r));
        if (d > worst) worst = d;
        exact += d == 0;
    }
    TEST_TRUE("q_mul is within 1 of x*r rounded on 20000 random pairs", worst <= 1);
    TEST_TRUE("and exact on nearly all of them", exact > n * 95 / 100);
    TEST_EQ_INT("q_mul: 5 * 0.5 = 2.5 rounds to 3", elstm_q_mul(5, tfl_quantize_multiplier(0.5)), 3);
    TEST_EQ_INT("q_mul: -5 * 0.5 = -2.5 rounds to -2 (the doubling high multiply rounds ties up)",
                elstm_q_mul(-5, tfl_quantize_multiplier(0.5)), -2);
    TEST_EQ_INT("q_mul: -5 * 0.25 = -1.25 rounds to -1", elstm_q_mul(-5, tfl_quantize_multiplier(0.25)), -1);
    TEST_EQ_INT("q_mul: -6 * 0.25 = -1.5 rounds to -2 (the shift rounds ties away from zero)",
                elstm_q_mul(-6, tfl_quantize_multiplier(0.25)), -2);
    worst = 0;
    for (int i = 0; i < n; i++) {
        double r = ldexp((double)(next() % 1000000 + 1) / 1000000.0, -(int)(next() % 20) - 8);
        int64_t x = (int64_t)(next() % 2000000001) - 1000000000;
        int d = (int)fabs(elstm_q_mul64(x, tfl_quantize_multiplier(r)) - round((double)x * r));
        if (d > worst) worst = d;
    }
    /* 16-bit multiplier: relative error 2^-16, so |x r| < 2^24 stays within ~2^8 */
    TEST_TRUE("q_mul64 is within 2^-15 relative of x*r", worst <= 300);
}

static void check_quantize(void)
{
    const float x[8] = {0.0f, 0.5f, 2.5f * 0.01f, -2.5f * 0.01f, 1e9f, -1e9f, NAN, 0.0149f};
    int8_t q[8];
    float back[8];
    elstm_quantize_s8(x, 8, 0.01f, 3, q);
    TEST_EQ_INT("quantize 0 -> zero point", q[0], 3);
    TEST_EQ_INT("quantize 0.5 / 0.01 + 3 = 53", q[1], 53);
    TEST_EQ_INT("quantize 2.5 steps rounds away from zero", q[2], 6);
    TEST_EQ_INT("quantize -2.5 steps rounds away from zero", q[3], 0);
    TEST_EQ_INT("quantize clamps high", q[4], 127);
    TEST_EQ_INT("quantize clamps low", q[5], -128);
    TEST_EQ_INT("quantize NaN -> -128", q[6], -128);
    TEST_EQ_INT("quantize 1.49 steps -> 1", q[7], 4);
    elstm_dequantize_s8(q, 8, 0.01f, 3, back);
    TEST_TRUE("dequantize: (float)(scale (q - zp)) in double", back[1] == (float)(0.01f * 50.0) && back[0] == 0.0f);
    /* the float product is TFLite's double product rounded to float: every int8 and int16
     * value on random scales of every magnitude, zero points over the int8 range */
    int dq_bad = 0;
    for (int i = 0; i < 3000; i++) {
        float scale = (float)(uniform(1.0, 2.0) * ldexp(1.0, (int)(next() % 200) - 140));
        int zp = (int)(next() % 256) - 128;
        int16_t q16[1];
        int8_t q8[1];
        float got;
        for (int v = -32768; v <= 32767; v += i % 2 ? 1 : 7) {
            q16[0] = (int16_t)v;
            elstm_dequantize_s16(q16, 1, scale, 0, &got);
            dq_bad += got != (float)((double)scale * (double)v);
        }
        for (int v = -128; v <= 127; v++) {
            q8[0] = (int8_t)v;
            elstm_dequantize_s8(q8, 1, scale, zp, &got);
            dq_bad += got != (float)((double)scale * (double)(v - zp));
        }
    }
    TEST_TRUE("dequantize (float product) = TFLite's (float)((double)scale * (q - zp)) on all int8/int16 values",
              dq_bad == 0);
    /* against roundf (halves away from zero) on random values, and the float just below
     * one half, which a "+ 0.5 then truncate" would round up */
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        float scale = (float)uniform(1e-4, 0.1), v = (float)uniform(-200.0, 200.0) * scale;
        int zp = (int)(next() % 256) - 128;
        float want = roundf(v / scale) + (float)zp;
        int8_t got;
        want = want < -128.0f ? -128.0f : want > 127.0f ? 127.0f : want;
        elstm_quantize_s8(&v, 1, scale, zp, &got);
        bad += got != (int8_t)want;
    }
    const float below_half = 0.49999997f;
    int8_t bh;
    elstm_quantize_s8(&below_half, 1, 1.0f, 0, &bh);
    TEST_TRUE("quantize rounds like roundf on 200000 random values, and 0.49999997 -> 0", bad == 0 && bh == 0);
    int16_t q16[2];
    const float y[2] = {1.0f, -1e9f};
    elstm_quantize_s16(y, 2, 1.0f / 32767, 0, q16);
    TEST_TRUE("quantize int16: 1.0 at scale 1/32767 -> 32767, clamps low", q16[0] == 32767 && q16[1] == -32768);
}

/* FULLY_CONNECTED int8 against int64 arithmetic with the real multiplier. */
static void check_fc(void)
{
    enum { I = 37, O = 5 };
    int8_t w[O * I], x[I], y[O];
    int32_t b[O];
    elstm_qmult mult[O];
    int worst = 0;
    for (int trial = 0; trial < 200; trial++) {
        double r[O];
        for (int i = 0; i < O * I; i++) w[i] = (int8_t)((int)(next() % 255) - 127);
        for (int i = 0; i < I; i++) x[i] = (int8_t)((int)(next() % 256) - 128);
        for (int o = 0; o < O; o++) {
            b[o] = (int32_t)(next() % 20001) - 10000;
            r[o] = uniform(1e-5, 3e-3);
            mult[o] = tfl_quantize_multiplier(r[o]);
        }
        int zp_in = (int)(next() % 256) - 128, zp_out = (int)(next() % 64) - 32;
        elstm_fc_s8 p = {I, O, w, b, mult, 1, zp_in, zp_out, -128, 127};
        elstm_fc_s8_ref(&p, x, y);
        for (int o = 0; o < O; o++) {
            int64_t acc = b[o];
            for (int i = 0; i < I; i++) acc += (int64_t)w[o * I + i] * (x[i] - zp_in);
            double v = zp_out + round((double)acc * r[o]);
            v = v < -128 ? -128 : v > 127 ? 127 : v;
            int d = abs((int)v - y[o]);
            worst = d > worst ? d : worst;
        }
    }
    TEST_TRUE("int8 FULLY_CONNECTED (per channel) is within 1 of the real product, 200 random cases", worst <= 1);
    elstm_fc_s8 relu = {I, 1, w, NULL, mult, 0, 0, 0, 0, 127};
    int8_t z[I];
    memset(z, 0, sizeof z);
    for (int i = 0; i < I; i++) z[i] = (int8_t)(w[i] > 0 ? -100 : 100);   /* a negative sum */
    elstm_fc_s8_ref(&relu, z, y);
    TEST_EQ_INT("the activation clamp applies", y[0], 0);
}

/* softmax int8 against the real softmax of the dequantized input. */
static void check_softmax(void)
{
    enum { D = 10 };
    int8_t x[D], y[D];
    int worst = 0;
    double worst_sum = 0;
    for (int trial = 0; trial < 300; trial++) {
        float s_in = (float)uniform(0.01, 0.3), beta = trial % 3 ? 1.0f : 0.5f;
        elstm_softmax_s8 p;
        tfl_softmax_s8_params(beta, s_in, D, &p);
        for (int i = 0; i < D; i++) x[i] = (int8_t)((int)(next() % 256) - 128);
        elstm_softmax_s8_ref(&p, x, y);
        double m = -1e9, sum = 0, qsum = 0, e[D];
        for (int i = 0; i < D; i++) m = x[i] > m ? x[i] : m;
        for (int i = 0; i < D; i++) sum += e[i] = exp((double)beta * s_in * (x[i] - m));
        for (int i = 0; i < D; i++) {
            int want = (int)lround(e[i] / sum * 256.0) - 128;
            want = want > 127 ? 127 : want;
            int d = abs(want - y[i]);
            worst = d > worst ? d : worst;
            qsum += (y[i] + 128) / 256.0;
        }
        worst_sum = fabs(qsum - 1.0) > worst_sum ? fabs(qsum - 1.0) : worst_sum;
    }
    printf("# softmax: worst %d steps, worst |sum - 1| %.4f\n", worst, worst_sum);
    TEST_TRUE("int8 softmax is within 1 step (1/256) of the real softmax, 300 random rows", worst <= 1);
    TEST_TRUE("and its outputs sum to 1 within D/256", worst_sum <= D / 256.0);
}

/* The integer LSTM against a float64 LSTM on the dequantized weights and inputs: the
 * difference is quantization error, a few steps of the hidden scale. */
static void check_lstm(void)
{
    enum { I = 5, N = 24, T = 40 };
    static int8_t wx[4][N * I], wh[4][N * N];
    static int32_t b[4][N];
    float s_wx[4], s_wh[4];
    const float s_in = 1.0f / 255.0f, s_h = 2.0f / 255.0f, s_c = 1.0f / 4096.0f;   /* c in +-8 */
    const int zp_in = -128, zp_h = 0;
    double fwx[4][N * I], fwh[4][N * N], fb[4][N];
    elstm_lstm_s8 m;
    memset(&m, 0, sizeof m);
    for (int g = 0; g < 4; g++) {
        s_wx[g] = 0.02f;
        s_wh[g] = 0.01f;
        for (int i = 0; i < N * I; i++) fwx[g][i] = s_wx[g] * (wx[g][i] = (int8_t)((int)(next() % 255) - 127));
        for (int i = 0; i < N * N; i++) fwh[g][i] = s_wh[g] * (wh[g][i] = (int8_t)((int)(next() % 255) - 127));
        for (int n = 0; n < N; n++) {
            double v = uniform(-0.5, 0.5) + (g == ELSTM_GATE_F ? 1.0 : 0.0);
            b[g][n] = (int32_t)lround(v / (s_in * s_wx[g]));
            fb[g][n] = b[g][n] * (double)(s_in * s_wx[g]);
        }
        m.q.wx[g] = wx[g];
        m.q.wh[g] = wh[g];
        m.b[g] = b[g];
        m.q.mx[g] = tfl_fc_multiplier(s_in, s_wx[g], 1.0f / 4096.0f);
        m.q.mh[g] = tfl_fc_multiplier(s_h, s_wh[g], 1.0f / 4096.0f);
    }
    m.q.n_input = I;
    m.q.n_units = N;
    m.q.m_fc = tfl_mul_multiplier(1.0 / 32768, s_c, s_c);
    m.q.m_ig = tfl_mul_multiplier(1.0 / 32768, 1.0 / 32768, s_c);
    m.q.m_h = tfl_mul_multiplier(1.0 / 32768, 1.0 / 32768, s_h);
    m.q.zp_in = zp_in;
    m.q.zp_h = zp_h;
    m.q.cell_pow = -12;
    m.q.cell_clip = -1;

    unsigned char arena[ELSTM_LSTM_S8_ARENA_BYTES(N) + 64];
    elstm_lstm_ctx_s8 ctx;
    TEST_EQ_INT("arena size = macro", elstm_lstm_arena_size_s8(&m), ELSTM_LSTM_S8_ARENA_BYTES(N));
    TEST_TRUE("init accepts the model", elstm_lstm_init_s8(&ctx, &m, arena, ELSTM_LSTM_S8_ARENA_BYTES(N)) == ELSTM_OK);
    int misaligned_ok = 1;
    for (int off = 0; off < 32; off++)
        misaligned_ok = misaligned_ok && elstm_lstm_init_s8(&ctx, &m, arena + off, ELSTM_LSTM_S8_ARENA_BYTES(N)) == ELSTM_OK;
    TEST_TRUE("an arena of exactly the macro's size works at every misalignment", misaligned_ok);
    TEST_TRUE("a smaller arena is refused", elstm_lstm_init_s8(&ctx, &m, arena, ELSTM_LSTM_S8_ARENA_BYTES(N) - 1) == ELSTM_ERR_NOMEM);
    elstm_lstm_s8 bad = m;
    bad.q.zp_h = 200;
    TEST_TRUE("a zero point out of range is refused", elstm_lstm_init_s8(&ctx, &bad, arena, sizeof arena) == ELSTM_ERR_ARG);
    bad = m;
    bad.q.cell_pow = 3;
    TEST_TRUE("a cell scale above 1 is refused", elstm_lstm_init_s8(&ctx, &bad, arena, sizeof arena) == ELSTM_ERR_ARG);
    bad = m;
    bad.q.wh[2] = NULL;
    TEST_TRUE("a missing weight matrix is refused", elstm_lstm_init_s8(&ctx, &bad, arena, sizeof arena) == ELSTM_ERR_ARG);

    elstm_lstm_init_s8(&ctx, &m, arena, sizeof arena);
    TEST_TRUE("the zero state is h = zero point, c = 0", ctx.h[0] == zp_h && ctx.c[N - 1] == 0);
    double h[N] = {0}, c[N] = {0}, worst_h = 0, worst_c = 0;
    for (int t = 0; t < T; t++) {
        int8_t xq[I];
        double xf[I];
        for (int j = 0; j < I; j++) {
            xq[j] = (int8_t)((int)(next() % 256) - 128);
            xf[j] = s_in * (xq[j] - zp_in);
        }
        double z[4][N];
        for (int g = 0; g < 4; g++)
            for (int n = 0; n < N; n++) {
                double a = fb[g][n];
                for (int j = 0; j < I; j++) a += fwx[g][n * I + j] * xf[j];
                for (int k = 0; k < N; k++) a += fwh[g][n * N + k] * h[k];
                z[g][n] = a;
            }
        for (int n = 0; n < N; n++) {
            c[n] = sigmoid(z[1][n]) * c[n] + sigmoid(z[0][n]) * tanh(z[2][n]);
            h[n] = sigmoid(z[3][n]) * tanh(c[n]);
        }
        elstm_lstm_step_s8_ref(&ctx, xq);
        for (int n = 0; n < N; n++) {
            double dh = fabs(s_h * (ctx.h[n] - zp_h) - h[n]), dc = fabs(s_c * ctx.c[n] - c[n]);
            if (fabs(c[n]) >= 8.0 - s_c) dc = dh = 0.0;   /* beyond the int16 cell's range: saturated */
            worst_h = dh > worst_h ? dh : worst_h;
            worst_c = dc > worst_c ? dc : worst_c;
            h[n] = s_h * (ctx.h[n] - zp_h);   /* continue from the integer state: per-step error */
            c[n] = s_c * ctx.c[n];
        }
    }
    printf("# integer LSTM vs float64 per step: h %.4g (%.2f steps), c %.4g\n", worst_h, worst_h / s_h, worst_c);
    TEST_TRUE("each step's h is within 2 steps of the float LSTM's from the same state", worst_h <= 2 * s_h);
    TEST_TRUE("each step's c is within 0.005 of the float LSTM's (inside the cell's range)", worst_c <= 0.005);

    /* cell clip: a quantized clip holds c in [-clip, clip] */
    m.q.cell_clip = 410;   /* 0.1 at 2^-12 */
    elstm_lstm_init_s8(&ctx, &m, arena, sizeof arena);
    int held = 1;
    for (int t = 0; t < 20; t++) {
        int8_t xq[I] = {127, 127, 127, 127, 127};
        elstm_lstm_step_s8_ref(&ctx, xq);
        for (int n = 0; n < N; n++) held = held && abs(ctx.c[n]) <= 410;
    }
    TEST_TRUE("the quantized cell clip bounds c", held);
}

int main(void)
{
    test_suite("quant");
    check_table();
    check_activations();
    check_multipliers();
    check_quantize();
    check_fc();
    check_softmax();
    check_lstm();
    return test_done();
}
