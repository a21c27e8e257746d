/*
 * edgelstm/codegen.h - device libraries from a model (`edgelstm deploy`) and their
 * measurement on an emulated Cortex-M4F (`edgelstm profile`).
 *
 * A generated library is the device runtime (runtime/, copied unchanged from the
 * copies embedded in the executable) + the model as data (weights as `static const`
 * arrays, scaler, input encodings) + a header of constants and NAME_-prefixed API +
 * an Edge Impulse style header + a static_buffer example, laid out for one target, a
 * row of the table in codegen/targets.c (elstm_target_get):
 *
 *   c           folder: NAME.h NAME.c NAME_model.h NAME_inferencing.h edgelstm/ Makefile
 *               examples/static_buffer.c (make -> ./static_buffer) README.md
 *   arduino     zip: NAME/library.properties NAME/src/(the sources) NAME/examples/
 *               static_buffer/static_buffer.ino
 *   esp-idf     component folder: CMakeLists.txt (idf_component_register) idf_component.yml
 *               + the sources and examples/static_buffer.c
 *   platformio  folder: library.json src/ examples/static_buffer/static_buffer.ino
 *   zephyr      module folder: zephyr/module.yml CMakeLists.txt Kconfig src/ and the
 *               application samples/static_buffer/ (prj.conf, sample.yaml, src/main.c)
 *
 * Output is deterministic (same model and options -> same bytes; the banner carries the
 * tool version and the model's CRC-32, no time stamps) and written atomically (built in
 * a temporary folder or file beside PATH and renamed when complete).
 *
 * Host only (C11).
 */
#ifndef EDGELSTM_CODEGEN_H
#define EDGELSTM_CODEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/diag.h"
#include "edgelstm/fileio.h"
#include "edgelstm/lstm.h"
#include "edgelstm/meta.h"
#include "edgelstm/quant.h"

/* A target is a row of the table in codegen/targets.c, numbered from 0 (elstm_target_count()
 * rows). The targets other code picks by name have a constant; a new target needs none. */
typedef enum elstm_target {
    ELSTM_TARGET_C = 0,
    ELSTM_TARGET_ARDUINO,
    ELSTM_TARGET_ESP_IDF,
    ELSTM_TARGET_PLATFORMIO
} elstm_target;

/* One file a target adds to the library. */
typedef struct elstm_target_file {
    const char *tmpl;             /* template in codegen/templates/ */
    const char *dest;             /* path under the library's root (@NAME@: the library name) */
} elstm_target_file;

/* A target. Every target gets NAME.h, NAME.c, NAME_inferencing.h, NAME_model.h and the
 * runtime (edgelstm/) in `src`, and README.md in `root`; `files` adds the rest. */
typedef struct elstm_target_desc {
    const char *name;             /* --target value: "c", "arduino", ... */
    const char *title;            /* "C", "Arduino", ... */
    const char *what;             /* a few words for the help: "folder with a Makefile" */
    int zip;                      /* 1: written as a zip archive; 0: a folder */
    const char *root;             /* prefix of every path: "" or "@NAME@/" */
    const char *src;              /* the sources' folder under root: "" or "src/" */
    const elstm_target_file *files;  /* ends with {NULL, NULL} */
    const char *install;          /* the README's paragraph on the layout and installing it */
    const char *example_build;    /* how the C example is built and run (its comment), or NULL */
    int marker;                   /* the folder holds .edgelstm: a later deploy may replace it */
} elstm_target_desc;

#define ELSTM_CODEGEN_NAME_MAX 40   /* longest NAME accepted */

int elstm_target_count(void);
/* The row of target t, or NULL. */
const elstm_target_desc *elstm_target_get(elstm_target t);
/* Target name ("c", "arduino", ...) <-> elstm_target. Parse returns ELSTM_ERR_ARG. */
elstm_status elstm_target_parse(const char *s, elstm_target *t);
const char *elstm_target_name(elstm_target t);

/* NAME must be a C identifier that starts with a letter, at most ELSTM_CODEGEN_NAME_MAX
 * characters, not a C/C++ keyword, and (Arduino's library rules) not starting with
 * "Arduino". ELSTM_ERR_ARG with a sentence saying why not. */
elstm_status elstm_codegen_check_name(const char *name, elstm_diag *diag);

/* The model to generate from. */
typedef struct elstm_codegen_model {
    const elstm_lstm_f32 *lstm;   /* the LSTM layers [n_layers], input first; the last holds
                                     the dense layer (its n_output outputs), the others none */
    int32_t steps;
    const elstm_meta *meta;       /* NULL: no edgelstm metadata (inputs named in0.., identity scaler) */
    const char *source;           /* model file name for the banner (its base name is used) */
    uint32_t crc32;               /* CRC-32 of the model file's bytes */
    int32_t n_layers;             /* LSTM layers; 0 means 1. Models with one layer, one output and
                                     none of the forecasting options get the library they always
                                     got (runtime/device.c); the others also ship runtime/multi/
                                     (elstm_codegen_multi, docs/deploy.md) */
    const elstm_net_s8 *net8;     /* an int8 model (edgelstm quantize, or TensorFlow's full-integer
                                     files; one layer, one output): its runtime params; `lstm`
                                     then holds only the sizes and cell_clip. NULL for float32. */
} elstm_codegen_model;

typedef struct elstm_codegen_opts {
    elstm_target target;
    const char *name;             /* NAME (checked with elstm_codegen_check_name) */
    const float *sample;          /* [steps][n_input] normalized window for the example; NULL = synthetic */
    const char *sample_note;      /* lines describing the sample window (comment), may be NULL */
    /* Package metadata of library.properties, library.json and idf_component.yml (checked
     * with elstm_codegen_check_meta); NULL means the default (the getters below). */
    const char *lib_version;      /* semantic version MAJOR.MINOR.PATCH[-PRE][+BUILD]; default 1.0.0 */
    const char *author;           /* one line; default "edgelstm VERSION (generated)" */
    const char *maintainer;       /* one line, e.g. "Name <email>"; default: the author */
    const char *url;              /* the library project's http(s) page; default ELSTM_CODEGEN_DEFAULT_URL */
} elstm_codegen_opts;

/* library.properties requires a url: without --url, the documentation of the model
 * format and device runtime family the library belongs to (TensorFlow Lite for
 * Microcontrollers). library.json and idf_component.yml, where it is optional, get none. */
#define ELSTM_CODEGEN_DEFAULT_URL "https://www.tensorflow.org/lite/microcontrollers"

/* The metadata with the defaults applied. */
const char *elstm_codegen_lib_version(const elstm_codegen_opts *o);
const char *elstm_codegen_author(const elstm_codegen_opts *o);
const char *elstm_codegen_maintainer(const elstm_codegen_opts *o);
const char *elstm_codegen_url(const elstm_codegen_opts *o);

/* The given metadata values follow the rules of the Arduino Library Manager, PlatformIO
 * and the ESP Component Registry: each one non-empty line of at most 200 characters
 * without leading or trailing blanks; the version semantic (semver.org); the maintainer
 * not starting with "Arduino"; the url http:// or https://. ELSTM_ERR_ARG with a sentence
 * naming the option otherwise. */
elstm_status elstm_codegen_check_meta(const elstm_codegen_opts *o, elstm_diag *diag);

/* Refuse (ELSTM_ERR_ARG) a NAME that differs only in case from a library beside `path`
 * (a folder edgelstm generated, by its .edgelstm marker, or an Arduino library zip, by its
 * library.properties): the two would define the same NAME_UC macros and header guard. */
elstm_status elstm_codegen_check_neighbours(const char *path, const char *name, elstm_diag *diag);

/* One generated file. */
typedef struct elstm_genfile {
    char *path;                   /* relative, '/'-separated */
    char *data;
    size_t len;
} elstm_genfile;

typedef struct elstm_genlib {
    elstm_genfile *files;
    int n, cap;
} elstm_genlib;

/* Generate the library's files in memory. On failure `lib` is empty. */
elstm_status elstm_codegen_generate(const elstm_codegen_model *m, const elstm_codegen_opts *o,
                                    elstm_genlib *lib, elstm_diag *diag);
void elstm_genlib_free(elstm_genlib *lib);

/* Generate and write to `path` atomically: a folder or a zip (the target's row says). An
 * existing folder is replaced only if it holds the .edgelstm marker of an earlier deploy; a
 * regular file is replaced (check it first with elstm_output_check: the CLI refuses one
 * that is not edgelstm's without --force); nothing else is touched. */
elstm_status elstm_codegen_write(const elstm_codegen_model *m, const elstm_codegen_opts *o,
                                 const char *path, elstm_diag *diag);

/* 1 if `path` is a zip archive that `deploy --target arduino` wrote (its archive comment
 * starts "edgelstm "): one it may replace. */
int elstm_codegen_zip_is_ours(const char *path);

/* Write already generated files to `path` as a folder or (zip != 0) a zip archive,
 * atomically (see above). */
elstm_status elstm_genlib_write(const elstm_genlib *lib, const char *path, int zip, elstm_diag *diag);

/* elstm_crc32 (the banner's checksum of the model file) is in edgelstm/fileio.h. */

/* Load a forecaster file and the CRC-32 of its bytes (for the banner), reading the file
 * once (elstm_forecaster_load_buffer). On failure `f` is empty. */
struct elstm_forecaster;
elstm_status elstm_codegen_load(const char *path, struct elstm_forecaster *f, uint32_t *crc32, elstm_diag *diag);

/* The model to deploy of a loaded forecaster: float32 (its layers) or int8 (16x8
 * forecasters are refused with ELSTM_ERR_UNSUPPORTED: they run on the host and in
 * TFLite Micro). */
elstm_status elstm_codegen_model_of(const struct elstm_forecaster *f, const char *source, uint32_t crc32,
                                    elstm_codegen_model *m, elstm_diag *diag);

/* Figures of a model for a device. */
typedef struct elstm_model_figures {
    uint64_t macs;                /* multiply-accumulates per forecast (LSTM + dense) */
    uint64_t weight_bytes;        /* const float32 weights and biases */
    uint64_t arena_bytes;         /* RAM of the generated library's state (ELSTM_DEVICE_ARENA_BYTES) */
} elstm_model_figures;

void elstm_model_figures_get(const elstm_lstm_f32 *lstm, int32_t steps, elstm_model_figures *f);
/* The same for n_layers stacked layers (the last with the dense layer). */
void elstm_model_figures_layers(const elstm_lstm_f32 *layers, int32_t n_layers, int32_t steps,
                                elstm_model_figures *f);
/* The figures of a loaded forecaster: its layers and, from its metadata, its forecasting
 * options (which decide the library's runtime, below). */
void elstm_model_figures_of(const struct elstm_forecaster *fc, elstm_model_figures *f);

/* 1 when a model's device library ships runtime/multi/: several layers or outputs, or a
 * forecasting option of its metadata (meta may be NULL): delta mode, calendar inputs of
 * the forecast time, prediction intervals. Other models get runtime/device.c alone. */
int elstm_codegen_multi(int32_t n_layers, int32_t n_outputs, const elstm_meta *meta);

/* The same for a model to deploy, float32 (any layers) or int8 (the int8 weights, int32
 * biases and the dense layer's multipliers; ELSTM_DEVICE_S8_ARENA_BYTES). */
void elstm_codegen_figures(const elstm_codegen_model *m, elstm_model_figures *f);

/* The seed's forecast (LSTM(128), 168 steps x 7 inputs) on an ESP32-S3 at 240 MHz under
 * TensorFlow Lite Micro, in milliseconds: the figure `profile` and `report` compare with. */
#define ELSTM_SEED_MS 2024.0

/* ---- emulated microcontroller cores (tools/mcu/, docs/deploy.md) ----------------------
 *   ELSTM_MCU_CORTEX_M4F  QEMU mps2-an386, arm-none-eabi-gcc (the default)
 *   ELSTM_MCU_ESP32       QEMU sim with the de233_fpu core (the ESP32's Xtensa ISA: windowed
 *                         ABI, single-precision FPU), clang-22 + llvm-mc-22 + xtensa-lx106-elf-ld */
typedef enum elstm_mcu_core { ELSTM_MCU_CORTEX_M4F = 0, ELSTM_MCU_ESP32 = 1 } elstm_mcu_core;

typedef struct elstm_mcu_opts {
    int reference;                /* also measure the reference kernel (about 4x longer) */
    int c_kernel;                 /* build the core's kernel in its plain C version instead of the assembly */
    const char *opt_level;        /* compiler optimization, "-O2" when NULL */
    const char *keep_dir;         /* non-NULL: build there and keep the files (else a temp dir, removed) */
    int timeout_s;                /* QEMU time limit, 0 = 600 s */
    elstm_mcu_core core;
} elstm_mcu_opts;

typedef struct elstm_mcu_result {
    int have_cc;                  /* the core's compiler, assembler, linker and size tool found */
    int have_qemu;                /* the core's QEMU found */
    const char *missing;          /* the first tool not found, or NULL */
    const char *missing_pkg;      /* ... and the Debian package that has it */
    uint64_t code_bytes;          /* .text of the library object (runtime + API, no weights) */
    uint64_t rodata_bytes;        /* .rodata of the library object (weights, tables) */
    int measured;                 /* the instruction counts below are valid */
    uint64_t instructions;        /* one forecast (fast kernel), from SysTick / CCOUNT under -icount */
    uint64_t instructions_ref;    /* the same with the reference kernel (when opts.reference) */
    double forecast_norm;         /* the forecast the emulated board printed, normalized */
    double forecast_ref_norm;     /* ... with the reference kernel */
    uint64_t instructions_per_sample; /* a stateful model: one new sample (NAME_push_normalized after
                                     the window, one LSTM step and the dense layer); a windowed
                                     model: `instructions` (each new sample costs a whole window) */
    char cc_version[128];         /* first line of the compiler's --version */
    char flags[256];              /* compiler flags used */
} elstm_mcu_result;

/* Build the model's `c` library and a measuring program for the emulated core (opts->core),
 * report the code size, run it in QEMU with instruction counting and read back the counts
 * and forecasts (window: `window`, normalized [steps][n_input], or the example's synthetic
 * window when NULL). Missing tools are not an error: have_cc / have_qemu / measured say
 * what could be done, `missing` which tool to install. */
elstm_status elstm_mcu_profile(const elstm_codegen_model *m, const float *window,
                               const elstm_mcu_opts *opts, elstm_mcu_result *r, elstm_diag *diag);

/* The synthetic window the examples use without --sample: x[t][i] = 0.5 + 0.4 sin(2 pi
 * (t / 24 + i / n_input)), written into out [steps][n_input]. */
void elstm_codegen_synthetic_window(int32_t steps, int32_t n_input, float *out);

#endif /* EDGELSTM_CODEGEN_H */
