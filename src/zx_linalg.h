/* zx_linalg.h - dense linear algebra behind one file: OpenBLAS (CBLAS) for
 * blocked distance computations and LAPACKE for singular values.
 * Matrices are row-major float.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_LINALG_H
#define ZX_LINALG_H
#include <stddef.h>

/* Squared norms of the n rows (dim floats each) of x into out[n]. */
void zx_row_sqnorms(const float *x, size_t n, size_t dim, float *out);

/* Squared Euclidean distances between the na rows of a and the nb rows of
 * b (dim floats each): out[i * nb + j] = |a_i - b_j|^2, computed as
 * |a|^2 + |b|^2 - 2 a.b with one SGEMM and clamped at 0.  an2/bn2 are the
 * rows' squared norms (zx_row_sqnorms).  Rounding makes tiny distances
 * inexact: callers needing exact zeros (duplicates) compare rows. */
void zx_sqdist_block(const float *a, size_t na, const float *an2,
                     const float *b, size_t nb, const float *bn2, size_t dim,
                     float *out);

/* Singular values of the rows x cols matrix m, in descending order, into
 * s[min(rows, cols)].  m is not modified.  Returns 0, or -1 when LAPACK
 * did not converge. */
int zx_singular_values(const float *m, size_t rows, size_t cols, float *s);

/* Numerical rank with numpy's matrix_rank tolerance
 * (s_max * max(rows, cols) * FLT_EPSILON), or -1 on failure. */
long zx_matrix_rank(const float *m, size_t rows, size_t cols);

/* Singular values of the rank-<=r product B A, where B is out x r and A is
 * r x in (row-major), without forming it: QR of B and of A^T reduce it to
 * the r x r matrix R_B R_A^T.  s gets r values, descending.  Returns 0, or
 * -1 when LAPACK fails. */
int zx_lowrank_singular_values(const float *b, size_t out, const float *a,
                               size_t in, size_t r, float *s);

#endif
