/*
 * edgelstm/tflite.h - TensorFlow Lite model files: a parsed model and a small graph executor.
 *
 * elstm_tflite_parse() reads a .tflite flatbuffer as untrusted input: every offset,
 * vtable, vector and string is bounds- and alignment-checked, every index (tensor,
 * buffer, operator code, subgraph) is range-checked, and constant data sizes must
 * match their tensors. A malformed file gets ELSTM_ERR_FORMAT and one sentence naming
 * the file and what is wrong; never a crash.
 *
 * The executor runs the model's graph (subgraph 0, with Keras 3's WHILE-loop LSTMs seen
 * as the LSTM operators they are: `graph` below) of float32 (and, at the graph's edges,
 * int8) batch-1 graphs built from UNIDIRECTIONAL_SEQUENCE_LSTM, FULLY_CONNECTED, RESHAPE,
 * STRIDED_SLICE, SLICE, SOFTMAX, QUANTIZE and DEQUANTIZE; anything else is refused
 * with ELSTM_ERR_UNSUPPORTED naming the operator or the feature.
 *
 * Host only (C11). Everything a parsed model points to is owned by it.
 */
#ifndef EDGELSTM_TFLITE_H
#define EDGELSTM_TFLITE_H

#include <stddef.h>
#include <stdint.h>

#include "edgelstm/diag.h"

/* TensorType (schema.fbs). */
enum {
    ELSTM_TFL_FLOAT32 = 0, ELSTM_TFL_FLOAT16 = 1, ELSTM_TFL_INT32 = 2, ELSTM_TFL_UINT8 = 3,
    ELSTM_TFL_INT64 = 4, ELSTM_TFL_STRING = 5, ELSTM_TFL_BOOL = 6, ELSTM_TFL_INT16 = 7,
    ELSTM_TFL_COMPLEX64 = 8, ELSTM_TFL_INT8 = 9, ELSTM_TFL_FLOAT64 = 10
};

/* BuiltinOperator codes edgelstm handles or recognizes (schema.fbs). */
enum {
    ELSTM_TFL_OP_ADD = 0,
    ELSTM_TFL_OP_CONCATENATION = 2,
    ELSTM_TFL_OP_DEQUANTIZE = 6,
    ELSTM_TFL_OP_FULLY_CONNECTED = 9,
    ELSTM_TFL_OP_LOGISTIC = 14,
    ELSTM_TFL_OP_LSTM = 16,
    ELSTM_TFL_OP_MUL = 18,
    ELSTM_TFL_OP_RESHAPE = 22,
    ELSTM_TFL_OP_SOFTMAX = 25,
    ELSTM_TFL_OP_TANH = 28,
    ELSTM_TFL_OP_CUSTOM = 32,
    ELSTM_TFL_OP_GATHER = 36,
    ELSTM_TFL_OP_SQUEEZE = 43,
    ELSTM_TFL_OP_UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
    ELSTM_TFL_OP_STRIDED_SLICE = 45,
    ELSTM_TFL_OP_SPLIT = 49,
    ELSTM_TFL_OP_LESS = 58,
    ELSTM_TFL_OP_SLICE = 65,
    ELSTM_TFL_OP_EXPAND_DIMS = 70,
    ELSTM_TFL_OP_LOGICAL_AND = 86,
    ELSTM_TFL_OP_SPLIT_V = 102,
    ELSTM_TFL_OP_REVERSE_V2 = 105,
    ELSTM_TFL_OP_QUANTIZE = 114,
    ELSTM_TFL_OP_WHILE = 119,
    ELSTM_TFL_OP_DYNAMIC_UPDATE_SLICE = 151
};

/* Limits on what a file may declare (far above any LSTM model). */
#define ELSTM_TFL_MAX_RANK 8

typedef struct elstm_tflite_tensor {
    const char *name;              /* "" when the file gives none */
    int32_t rank;
    const int32_t *shape;          /* [rank], each >= 0 */
    int32_t type;                  /* ELSTM_TFL_* */
    uint32_t buffer;               /* index into the model's buffers */
    const void *data;              /* constant data (aligned to 16), NULL if none */
    size_t data_bytes;
    int is_variable;
    size_t elements;               /* product of shape (1 for rank 0) */
    /* Quantization: n_quant scales/zero-points (1 = per tensor, > 1 = per channel
     * along quant_dim); 0 = not quantized. */
    int32_t n_quant;
    const float *scale;
    const int64_t *zero_point;
    int32_t quant_dim;
} elstm_tflite_tensor;

/* Builtin options of the operators edgelstm knows (only the ones of op's type are set). */
typedef struct elstm_tflite_options {
    int32_t type;                  /* BuiltinOptions union type, 0 = none */
    int8_t fused_activation;       /* LSTM, FULLY_CONNECTED: ActivationFunctionType */
    float cell_clip, proj_clip;    /* LSTM */
    int time_major, asymmetric_quantize_inputs, diagonal_recurrent;   /* LSTM */
    int8_t weights_format;         /* FULLY_CONNECTED: 0 = DEFAULT */
    int keep_num_dims;             /* FULLY_CONNECTED */
    int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask; /* STRIDED_SLICE */
    int offset;                    /* STRIDED_SLICE */
    float beta;                    /* SOFTMAX */
    int32_t n_new_shape;           /* RESHAPE (informative; the output tensor's shape rules) */
    const int32_t *new_shape;
    int32_t cond_subgraph, body_subgraph;   /* WHILE */
    int32_t num_splits;            /* SPLIT, SPLIT_V */
    int32_t axis, batch_dims;      /* GATHER (axis, batch_dims), CONCATENATION (axis) */
} elstm_tflite_options;

typedef struct elstm_tflite_opcode {
    int32_t builtin;               /* max(builtin_code, deprecated_builtin_code) */
    int32_t version;
    const char *custom_code;       /* NULL unless CUSTOM */
} elstm_tflite_opcode;

typedef struct elstm_tflite_op {
    uint32_t opcode_index;
    int32_t builtin;               /* copied from the operator code */
    int32_t n_inputs, n_outputs, n_intermediates;
    const int32_t *inputs;         /* tensor indices; -1 = omitted optional input */
    const int32_t *outputs;
    const int32_t *intermediates;
    elstm_tflite_options opt;
    int32_t file_op;               /* its index in the file's subgraph 0 (see `graph` below) */
    int32_t loop;                  /* >= 0: stands for loop `loop` of the model (a WHILE) */
} elstm_tflite_op;

typedef struct elstm_tflite_subgraph {
    const char *name;
    int32_t n_tensors, n_inputs, n_outputs, n_ops;
    elstm_tflite_tensor *tensors;
    const int32_t *inputs;
    const int32_t *outputs;
    elstm_tflite_op *ops;
} elstm_tflite_subgraph;

typedef struct elstm_tflite_metadata {
    const char *name;
    const uint8_t *data;           /* the referenced buffer's bytes */
    size_t len;
} elstm_tflite_metadata;

typedef struct elstm_tflite_tensor_map {
    const char *name;
    uint32_t tensor;
} elstm_tflite_tensor_map;

typedef struct elstm_tflite_signature {
    const char *key;
    uint32_t subgraph;
    int32_t n_inputs, n_outputs;
    elstm_tflite_tensor_map *inputs, *outputs;
} elstm_tflite_signature;

/* A recurrent layer that the converter wrote as a WHILE loop (Keras 3 / TensorFlow >= 2.16
 * with a fixed batch size): what the loop's body computes, found from its dataflow. */
typedef enum elstm_tflite_loop_kind {
    ELSTM_TFL_LOOP_LSTM = 0,       /* a Keras LSTM cell: edgelstm runs it */
    ELSTM_TFL_LOOP_LSTM_VARIANT,   /* an LSTM with something edgelstm does not run (`why`) */
    ELSTM_TFL_LOOP_GRU,
    ELSTM_TFL_LOOP_SIMPLE_RNN,
    ELSTM_TFL_LOOP_BIDIRECTIONAL,  /* one direction of a Bidirectional layer */
    ELSTM_TFL_LOOP_BACKWARD,       /* an LSTM over the reversed sequence (go_backwards) */
    ELSTM_TFL_LOOP_OTHER
} elstm_tflite_loop_kind;

typedef struct elstm_tflite_loop {
    int32_t op;                    /* the WHILE operator (index in subgraph 0) */
    int32_t cond, body;            /* its subgraphs */
    elstm_tflite_loop_kind kind;
    int32_t steps, n_input, units; /* when the body is a recurrent cell (else 0) */
    int return_sequences;          /* the loop keeps every step's output (else only the last) */
    int use_bias;                  /* the cell adds a bias */
    int hybrid;                    /* int8 weights with float activations (dynamic range) */
    int asym_x, asym_h;            /* hybrid: the input / recurrent products quantize their
                                      float input asymmetrically (FullyConnectedOptions) */
    char why[400];                 /* kind != LSTM: what it is, why edgelstm does not run it
                                      and what would work (one sentence, no file name) */
} elstm_tflite_loop;

typedef struct elstm_tflite_model {
    char path[512];                /* what the model was read from (for messages) */
    uint32_t version;
    const char *description;       /* NULL if none */
    int32_t n_opcodes, n_subgraphs, n_buffers, n_metadata, n_signatures;
    elstm_tflite_opcode *opcodes;
    elstm_tflite_subgraph *subgraphs;
    elstm_tflite_metadata *metadata;
    elstm_tflite_signature *signatures;
    /* The WHILE operators of subgraph 0, one entry each, in operator order. */
    int32_t n_loops;
    elstm_tflite_loop *loops;
    /* The graph edgelstm runs: subgraph 0 as the file has it, or, when every WHILE loop in
     * it is an LSTM (loops[k].kind == ELSTM_TFL_LOOP_LSTM), a copy in which each loop is
     * one UNIDIRECTIONAL_SEQUENCE_LSTM operator (time-major, no cell clip, state from zero;
     * op.loop names the loop) followed, when the loop keeps only the last step, by a SLICE
     * of that step. Its tensors are subgraph 0's (same indices) plus the LSTM's operands:
     * views of the body's weights, one per gate, and two state variables. */
    const elstm_tflite_subgraph *graph;
    void *pool_;                   /* private: every allocation of this model */
} elstm_tflite_model;

/* Parse `len` bytes (copied; the caller keeps `data`). `what` names the source in
 * messages. On success *out is a new model (free with elstm_tflite_free). */
elstm_status elstm_tflite_parse(const uint8_t *data, size_t len, const char *what,
                                elstm_tflite_model **out, elstm_diag *diag);

/* Read and parse a file. */
elstm_status elstm_tflite_load(const char *path, elstm_tflite_model **out, elstm_diag *diag);

void elstm_tflite_free(elstm_tflite_model *m);

/* A copy of the .tflite file `data` (len bytes; `what` names it in messages) with the
 * metadata entry `name` set to `value` (value_len bytes), replacing an entry of that name.
 * Everything else is carried over byte for byte: the graph, weights, signatures and other
 * metadata are the file's own. *out is malloc'd (caller frees). */
elstm_status elstm_tflite_set_metadata(const uint8_t *data, size_t len, const char *what, const char *name,
                                       const void *value, size_t value_len, uint8_t **out, size_t *out_len,
                                       elstm_diag *diag);

/* The metadata entry called `name`, or NULL. */
const elstm_tflite_metadata *elstm_tflite_find_metadata(const elstm_tflite_model *m,
                                                        const char *name);

/* Names: "UNIDIRECTIONAL_SEQUENCE_LSTM", "float32", "TANH" ("UNKNOWN" when out of range). */
const char *elstm_tflite_op_name(int32_t builtin);
const char *elstm_tflite_type_name(int32_t type);
const char *elstm_tflite_activation_name(int32_t act);
size_t elstm_tflite_type_size(int32_t type);   /* bytes per element; 0 = variable/unknown */
/* "[1,168,7]" into buf (n bytes, truncated if short); returns buf. */
const char *elstm_tflite_shape_str(const elstm_tflite_tensor *t, char *buf, size_t n);

/* Parameters: elements of the weight and bias operands of LSTM and FULLY_CONNECTED
 * operators, counted per use (as Keras counts them, even where the converter shares
 * one constant tensor between several operands). LSTMs written as WHILE loops count as
 * the LSTM they are (their bias included); loops that are not LSTMs count the
 * FULLY_CONNECTED operators of their bodies. */
size_t elstm_tflite_param_count(const elstm_tflite_model *m);

/* "LSTM", "GRU", "SimpleRNN", ... for a loop kind. */
const char *elstm_tflite_loop_kind_name(elstm_tflite_loop_kind kind);

/* The loop that WHILE operator k of subgraph 0 is, or NULL. */
const elstm_tflite_loop *elstm_tflite_find_loop(const elstm_tflite_model *m, int32_t k);

/* ---- executor ---------------------------------------------------------------------- */

typedef struct elstm_tflite_exec elstm_tflite_exec;

/* Check that subgraph 0 can be run (operators, types, shapes, batch 1) and allocate
 * its tensors. `m` must outlive the executor. */
elstm_status elstm_tflite_exec_create(const elstm_tflite_model *m, elstm_tflite_exec **out,
                                      elstm_diag *diag);
void elstm_tflite_exec_free(elstm_tflite_exec *e);

/* The graph's one input tensor (run needs exactly one) and its outputs. */
const elstm_tflite_tensor *elstm_tflite_exec_input(const elstm_tflite_exec *e);
int32_t elstm_tflite_exec_n_outputs(const elstm_tflite_exec *e);
const elstm_tflite_tensor *elstm_tflite_exec_output_tensor(const elstm_tflite_exec *e, int32_t k);

/* Run once from a zero state (variable tensors are reset first: window semantics).
 * `in` holds the input tensor's elements as real values (n must equal its element
 * count); an int8 input is quantized with the tensor's scale and zero point. */
elstm_status elstm_tflite_exec_run(elstm_tflite_exec *e, const float *in, size_t n,
                                   elstm_diag *diag);

/* Output k of the last run as real values (int8 outputs dequantized); *n = elements. */
const float *elstm_tflite_exec_output(const elstm_tflite_exec *e, int32_t k, size_t *n);

#endif /* EDGELSTM_TFLITE_H */
