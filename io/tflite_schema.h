/*
 * tflite_schema.h - the subset of the TensorFlow Lite schema (schema.fbs) that edgelstm
 * reads and writes: field ids, union type numbers and enum values. Internal to io/.
 *
 * Field id = declaration order in schema.fbs; a union field takes two ids (its hidden
 * `_type` byte, then the offset); deprecated fields keep their id. A field's vtable
 * slot sits at byte 4 + 2 * id. Defaults apply when a field is absent.
 * Values were taken from the schema and checked on converter-made files
 * (see docs/format.md and the reference notes it cites).
 */
#ifndef EDGELSTM_IO_TFLITE_SCHEMA_H
#define EDGELSTM_IO_TFLITE_SCHEMA_H

#define TFL_FILE_IDENTIFIER "TFL3"
#define TFL_SCHEMA_VERSION 3

/* table Model (root) */
enum {
    TFL_MODEL_VERSION = 0,          /* uint32 */
    TFL_MODEL_OPERATOR_CODES = 1,   /* [OperatorCode] */
    TFL_MODEL_SUBGRAPHS = 2,        /* [SubGraph] */
    TFL_MODEL_DESCRIPTION = 3,      /* string */
    TFL_MODEL_BUFFERS = 4,          /* [Buffer] */
    TFL_MODEL_METADATA_BUFFER = 5,  /* [int32], deprecated */
    TFL_MODEL_METADATA = 6,         /* [Metadata] */
    TFL_MODEL_SIGNATURE_DEFS = 7,   /* [SignatureDef] */
};

/* table SubGraph */
enum {
    TFL_SUBGRAPH_TENSORS = 0,       /* [Tensor] */
    TFL_SUBGRAPH_INPUTS = 1,        /* [int32] */
    TFL_SUBGRAPH_OUTPUTS = 2,       /* [int32] */
    TFL_SUBGRAPH_OPERATORS = 3,     /* [Operator], in execution order */
    TFL_SUBGRAPH_NAME = 4,          /* string */
};

/* table Tensor */
enum {
    TFL_TENSOR_SHAPE = 0,           /* [int32] */
    TFL_TENSOR_TYPE = 1,            /* int8 TensorType [FLOAT32] */
    TFL_TENSOR_BUFFER = 2,          /* uint32 index into Model.buffers [0] */
    TFL_TENSOR_NAME = 3,            /* string */
    TFL_TENSOR_QUANTIZATION = 4,    /* QuantizationParameters */
    TFL_TENSOR_IS_VARIABLE = 5,     /* bool [false] */
    TFL_TENSOR_SPARSITY = 6,        /* SparsityParameters (refused when present) */
    TFL_TENSOR_SHAPE_SIGNATURE = 7, /* [int32], -1 = unknown dimension */
    TFL_TENSOR_HAS_RANK = 8,        /* bool */
    TFL_TENSOR_EXTERNAL_BUFFER = 10,/* uint32 (refused when non-zero) */
};

/* table Buffer */
enum {
    TFL_BUFFER_DATA = 0,            /* [ubyte], force_align 16 */
    TFL_BUFFER_OFFSET = 1,          /* uint64: data outside the flatbuffer (> 2 GB models) */
    TFL_BUFFER_SIZE = 2,            /* uint64 */
};

/* table Operator */
enum {
    TFL_OP_OPCODE_INDEX = 0,        /* uint32 [0] */
    TFL_OP_INPUTS = 1,              /* [int32], -1 = optional input omitted */
    TFL_OP_OUTPUTS = 2,             /* [int32] */
    TFL_OP_BUILTIN_OPTIONS_TYPE = 3,/* ubyte: BuiltinOptions union type */
    TFL_OP_BUILTIN_OPTIONS = 4,     /* table */
    TFL_OP_CUSTOM_OPTIONS = 5,      /* [ubyte] */
    TFL_OP_INTERMEDIATES = 8,       /* [int32] */
};

/* table OperatorCode */
enum {
    TFL_OPCODE_DEPRECATED_BUILTIN_CODE = 0, /* int8 [0] */
    TFL_OPCODE_CUSTOM_CODE = 1,             /* string */
    TFL_OPCODE_VERSION = 2,                 /* int32 [1] */
    TFL_OPCODE_BUILTIN_CODE = 3,            /* int32 [0]; op = max(builtin, deprecated) */
};

/* table QuantizationParameters */
enum {
    TFL_QUANT_MIN = 0,              /* [float] */
    TFL_QUANT_MAX = 1,              /* [float] */
    TFL_QUANT_SCALE = 2,            /* [float] */
    TFL_QUANT_ZERO_POINT = 3,       /* [int64] */
    TFL_QUANT_DETAILS_TYPE = 4,     /* ubyte union type */
    TFL_QUANT_QUANTIZED_DIMENSION = 6, /* int32 [0] */
};

/* table Metadata */
enum { TFL_METADATA_NAME = 0, TFL_METADATA_BUFFER = 1 };

/* table SignatureDef (id 3 is a deprecated tag) */
enum { TFL_SIG_INPUTS = 0, TFL_SIG_OUTPUTS = 1, TFL_SIG_KEY = 2, TFL_SIG_SUBGRAPH_INDEX = 4 };

/* table TensorMap */
enum { TFL_TMAP_NAME = 0, TFL_TMAP_TENSOR_INDEX = 1 };

/* Option tables (members of union BuiltinOptions). */
enum {  /* UnidirectionalSequenceLSTMOptions */
    TFL_USLSTM_FUSED_ACTIVATION = 0,      /* int8 */
    TFL_USLSTM_CELL_CLIP = 1,             /* float [0] */
    TFL_USLSTM_PROJ_CLIP = 2,             /* float [0] */
    TFL_USLSTM_TIME_MAJOR = 3,            /* bool [false] */
    TFL_USLSTM_ASYMMETRIC_QUANTIZE = 4,   /* bool */
    TFL_USLSTM_DIAGONAL_RECURRENT = 5,    /* bool: "indy" LSTM, 1-D recurrent weights */
};
enum {  /* FullyConnectedOptions */
    TFL_FC_FUSED_ACTIVATION = 0,          /* int8 */
    TFL_FC_WEIGHTS_FORMAT = 1,            /* int8 [DEFAULT = 0] */
    TFL_FC_KEEP_NUM_DIMS = 2,             /* bool */
    TFL_FC_ASYMMETRIC_QUANTIZE = 3,       /* bool */
    TFL_FC_QUANTIZED_BIAS_TYPE = 4,       /* TensorType (16x8: INT64) */
};
enum { TFL_SOFTMAX_BETA = 0 };            /* SoftmaxOptions: float [0.0] */
enum { TFL_RESHAPE_NEW_SHAPE = 0 };       /* ReshapeOptions: [int32] */
enum {  /* StridedSliceOptions */
    TFL_SS_BEGIN_MASK = 0, TFL_SS_END_MASK = 1, TFL_SS_ELLIPSIS_MASK = 2,
    TFL_SS_NEW_AXIS_MASK = 3, TFL_SS_SHRINK_AXIS_MASK = 4, TFL_SS_OFFSET = 5,
};
enum { TFL_WHILE_COND_SUBGRAPH = 0, TFL_WHILE_BODY_SUBGRAPH = 1 };  /* WhileOptions */
enum { TFL_CONCAT_AXIS = 0, TFL_CONCAT_FUSED_ACTIVATION = 1 };     /* ConcatenationOptions */
enum { TFL_ADD_FUSED_ACTIVATION = 0 };    /* AddOptions (1: pot_scale_int16) */
enum { TFL_MUL_FUSED_ACTIVATION = 0 };    /* MulOptions */
enum { TFL_GATHER_AXIS = 0, TFL_GATHER_BATCH_DIMS = 1 };           /* GatherOptions */
enum { TFL_SPLIT_NUM_SPLITS = 0 };        /* SplitOptions, SplitVOptions */

/* union BuiltinOptions: type numbers (NONE = 0, members from 1 in declaration order). */
enum {
    TFL_OPT_NONE = 0,
    TFL_OPT_FULLY_CONNECTED = 8,
    TFL_OPT_SOFTMAX = 9,
    TFL_OPT_CONCATENATION = 10,
    TFL_OPT_ADD = 11,
    TFL_OPT_RESHAPE = 17,
    TFL_OPT_MUL = 21,
    TFL_OPT_GATHER = 23,
    TFL_OPT_STRIDED_SLICE = 32,
    TFL_OPT_SPLIT = 35,
    TFL_OPT_DEQUANTIZE = 38,
    TFL_OPT_SLICE = 48,
    TFL_OPT_UNIDIRECTIONAL_SEQUENCE_LSTM = 71,
    TFL_OPT_SPLIT_V = 79,
    TFL_OPT_QUANTIZE = 89,
    TFL_OPT_WHILE = 93,
};

/* enum ActivationFunctionType */
enum { TFL_ACT_NONE = 0, TFL_ACT_RELU = 1, TFL_ACT_RELU_N1_TO_1 = 2, TFL_ACT_RELU6 = 3,
       TFL_ACT_TANH = 4, TFL_ACT_SIGN_BIT = 5 };

#endif /* EDGELSTM_IO_TFLITE_SCHEMA_H */
