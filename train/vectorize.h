/*
 * vectorize.h - included FIRST by the trainer files whose element-wise loops should be
 * vectorized (bptt.c: the cell; adam.c: the update). GCC's -O2 does not vectorize loops
 * of unknown trip count; -O3 does, and that changes no result: each element is computed
 * alone and no reduction is reordered. With AVX-512, 512-bit vectors are preferred.
 * Internal to train/.
 */
#ifndef EDGELSTM_TRAIN_VECTORIZE_H
#define EDGELSTM_TRAIN_VECTORIZE_H
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#if defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif
#endif
#endif /* EDGELSTM_TRAIN_VECTORIZE_H */
