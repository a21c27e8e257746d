/*
 * edgelstm/lstm.h - float32 LSTM + dense inference: the device runtime.
 *
 * C99, no malloc, no stdio, no dependencies beyond <stddef.h>/<stdint.h>/<string.h>/<math.h>.
 * Semantics are Keras / TFLite UNIDIRECTIONAL_SEQUENCE_LSTM (no peephole, no projection,
 * no CIFG, no layer norm) followed by an optional dense (FULLY_CONNECTED) layer:
 *
 *   for each step t, gate g in {i, f, c, o}:
 *       z_g = b_g + Wx_g x_t + Wh_g h                  Wx_g: [N][I], Wh_g: [N][N]
 *   i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_c)  o = sigmoid(z_o)
 *   c = f*c + i*g     (then clamp to [-cell_clip, cell_clip] if cell_clip > 0)
 *   h = o * tanh(c)
 *   y = Wd h + bd                                      Wd: [O][N]
 *
 * Memory: the model struct only points at weights (const, e.g. in flash); they are
 * never copied. State and scratch live in a caller-provided arena whose size
 * elstm_lstm_arena_size_f32() (or ELSTM_LSTM_F32_ARENA_BYTES) tells.
 *
 * Kernels: `*_ref` is the plain reference (the specification, uses libm);
 * `*_opt` has the same signature and is the fast variant chosen at build time
 * (AVX2/FMA on x86-64 when compiled with them, plain C elsewhere). The unsuffixed
 * names call the `_opt` variant.
 *
 * Embedding: every function is declared ELSTM_API, which expands to nothing by
 * default. A generated device library may #define ELSTM_API static before including
 * the runtime sources so that two models in one firmware do not clash.
 */
#ifndef EDGELSTM_LSTM_H
#define EDGELSTM_LSTM_H

#include <stddef.h>
#include <stdint.h>
#include "edgelstm/status.h"

#ifndef ELSTM_API
#define ELSTM_API
#endif

/* Which `_opt` kernel this build compiles (a build-time choice, never a run-time one):
 *   ELSTM_KERNEL_AVX2     x86-64 with AVX2 + FMA enabled in the compiler flags (runtime/lstm_f32_opt.c)
 *   ELSTM_KERNEL_CORTEXM  Armv7E-M with a single-precision FPU (Cortex-M4F/M7; runtime/lstm_f32_cortexm.c)
 *   ELSTM_KERNEL_XTENSA   Xtensa with the windowed ABI and an FPU (ESP32, ESP32-S3; runtime/lstm_f32_xtensa.c)
 *   ELSTM_KERNEL_GENERIC  plain C everywhere else (runtime/lstm_f32_opt.c)
 * Define ELSTM_FORCE_GENERIC to get the plain C kernel on any machine (tests do). */
#if defined(ELSTM_FORCE_GENERIC)
#define ELSTM_KERNEL_GENERIC 1
#elif defined(__AVX2__) && defined(__FMA__)
#define ELSTM_KERNEL_AVX2 1
#elif defined(__ARM_ARCH_7EM__) && defined(__ARM_FP) && (__ARM_FP & 4)
#define ELSTM_KERNEL_CORTEXM 1
#elif defined(__XTENSA__) && !defined(__XTENSA_SOFT_FLOAT__) && !defined(__XTENSA_CALL0_ABI__) && \
    (!defined(__XCHAL_HAVE_FP) || __XCHAL_HAVE_FP) && (!defined(__XCHAL_HAVE_LOOPS) || __XCHAL_HAVE_LOOPS)
/* GCC (ESP-IDF, Arduino-ESP32) says __XTENSA_SOFT_FLOAT__ for a core without FPU (ESP32-S2)
 * and __XTENSA_CALL0_ABI__ for the ESP8266's ABI; Espressif's clang defines __XCHAL_HAVE_*.
 * Upstream clang defines none of these: it builds for the FPU when told (+fp). */
#define ELSTM_KERNEL_XTENSA 1
#else
#define ELSTM_KERNEL_GENERIC 1
#endif

/* Gate order, as in Keras kernels and TFLite operator inputs 1-4 / 5-8 / 12-15. */
enum { ELSTM_GATE_I = 0, ELSTM_GATE_F = 1, ELSTM_GATE_C = 2, ELSTM_GATE_O = 3, ELSTM_GATES = 4 };

/* Alignment of every region carved from the arena. */
#define ELSTM_ARENA_ALIGN 32

typedef struct elstm_lstm_f32 {
    int32_t n_input;     /* I: features per time step (>= 1) */
    int32_t n_units;     /* N: LSTM units (>= 1) */
    int32_t n_output;    /* O: outputs of the dense layer; 0 = no dense layer */
    float   cell_clip;   /* > 0: clamp c to [-cell_clip, cell_clip] after each update; 0 = none */
    const float *wx[ELSTM_GATES];  /* input->gate weights, each [N][I] row-major (borrowed) */
    const float *wh[ELSTM_GATES];  /* recurrent weights, each [N][N] row-major (borrowed) */
    const float *b[ELSTM_GATES];   /* gate biases, each [N]; NULL means zero */
    const float *wd;     /* dense weights [O][N] row-major; NULL iff n_output == 0 */
    const float *bd;     /* dense bias [O]; NULL means zero */
    const float *packed; /* optional (host only): the same weights laid out for the AVX2
                            _opt kernel by elstm_lstm_pack_f32 (runtime/host/lstm_f32_pack.h),
                            borrowed; NULL = read the arrays above */
} elstm_lstm_f32;

/* Inference context: pointers into the caller's arena. Fields are read-only for callers. */
typedef struct elstm_lstm_ctx_f32 {
    const elstm_lstm_f32 *model;   /* borrowed; must outlive the context */
    float *h;                      /* [N] hidden state after the last step */
    float *c;                      /* [N] cell state after the last step */
    float *scratch;                /* [4N] gate pre-activations / activations */
} elstm_lstm_ctx_f32;

/* Arena bytes needed (a compile-time form for generated code). */
#define ELSTM_LSTM_F32_ARENA_BYTES(n_units) \
    ((size_t)6 * (size_t)(n_units) * sizeof(float) + 3u * ELSTM_ARENA_ALIGN)

ELSTM_API size_t elstm_lstm_arena_size_f32(const elstm_lstm_f32 *m);

/* Check the model (sizes, required pointers) and carve the arena. Returns
 * ELSTM_ERR_ARG for an invalid model, ELSTM_ERR_NOMEM if the arena is too small.
 * The state is reset. */
ELSTM_API elstm_status elstm_lstm_init_f32(elstm_lstm_ctx_f32 *ctx, const elstm_lstm_f32 *m,
                                           void *arena, size_t arena_bytes);

/* Zero h and c (the state at the start of every window). */
ELSTM_API void elstm_lstm_reset_f32(elstm_lstm_ctx_f32 *ctx);

/* One time step: x is [I]; updates ctx->h and ctx->c. */
ELSTM_API void elstm_lstm_step_f32(elstm_lstm_ctx_f32 *ctx, const float *x);
ELSTM_API void elstm_lstm_step_f32_ref(elstm_lstm_ctx_f32 *ctx, const float *x);
ELSTM_API void elstm_lstm_step_f32_opt(elstm_lstm_ctx_f32 *ctx, const float *x);

/* Dense layer on the current hidden state: y is [O]. */
ELSTM_API void elstm_dense_f32(const elstm_lstm_ctx_f32 *ctx, float *y);

/* Whole window: reset, `steps` steps over x ([steps][I] row-major), then the dense
 * layer into y ([O]; may be NULL when n_output == 0). */
ELSTM_API void elstm_lstm_window_f32(elstm_lstm_ctx_f32 *ctx, const float *x, int32_t steps, float *y);
ELSTM_API void elstm_lstm_window_f32_ref(elstm_lstm_ctx_f32 *ctx, const float *x, int32_t steps, float *y);

#endif /* EDGELSTM_LSTM_H */
