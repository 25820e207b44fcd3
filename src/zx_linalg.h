/* zx_linalg.h - dense linear algebra behind one file: OpenBLAS (CBLAS) for
 * blocked distance computations and LAPACKE for singular values.
 * Matrices are row-major float.  The fallible calls return ZX_OK or
 * ZX_ENUMERIC (LAPACK refused the input or did not converge: the message
 * gives LAPACK's info value) and fill err (may be NULL); no LAPACK value
 * leaves this file.
 * Ownership: no function takes ownership of its arguments; outputs go to
 * caller-sized arrays.  Threads: safe (no shared state here).
 * SPDX-License-Identifier: MIT */
#ifndef ZX_LINALG_H
#define ZX_LINALG_H
#include <stddef.h>

#include "zx_err.h"

/* Squared norms of the n rows (dim floats each) of x into out[n]. */
void zx_linalg_row_sqnorms(const float *x, size_t n, size_t dim, float *out);

/* Squared Euclidean distances between the na rows of a and the nb rows of
 * b (dim floats each): out[i * nb + j] = |a_i - b_j|^2, computed as
 * |a|^2 + |b|^2 - 2 a.b with one SGEMM and clamped at 0.  an2/bn2 are the
 * rows' squared norms (zx_linalg_row_sqnorms).  Rounding makes tiny distances
 * inexact: callers needing exact zeros (duplicates) compare rows. */
void zx_linalg_sqdist_block(const float *a, size_t na, const float *an2,
                            const float *b, size_t nb, const float *bn2,
                            size_t dim, float *out);

/* Singular values of the rows x cols matrix m, in descending order, into
 * s[min(rows, cols)].  m is not modified.  Returns ZX_OK or ZX_ENUMERIC. */
int zx_linalg_singular_values(const float *m, size_t rows, size_t cols,
                              float *s, struct zx_error *err);

/* Numerical rank with numpy's matrix_rank tolerance
 * (s_max * max(rows, cols) * FLT_EPSILON) into *rank.  Returns ZX_OK or
 * ZX_ENUMERIC (*rank is then 0). */
int zx_linalg_matrix_rank(const float *m, size_t rows, size_t cols, long *rank,
                          struct zx_error *err);

/* Singular values of the rank-<=r product B A, where B is out x r and A is
 * r x in (row-major), without forming it: QR of B and of A^T reduce it to
 * the r x r matrix R_B R_A^T.  s gets r values, descending.  Returns ZX_OK
 * or ZX_ENUMERIC. */
int zx_linalg_lowrank_singular_values(const float *b, size_t out,
                                      const float *a, size_t in, size_t r,
                                      float *s, struct zx_error *err);

#endif
