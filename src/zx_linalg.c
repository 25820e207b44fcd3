/* zx_linalg.c - see zx_linalg.h.
 * SPDX-License-Identifier: MIT */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "zx_linalg.h"
#include "zx_mem.h"

void zx_row_sqnorms(const float *x, size_t n, size_t dim, float *out)
{
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = cblas_sdot((int)dim, x + i * dim, 1, x + i * dim, 1);
}

void zx_sqdist_block(const float *a, size_t na, const float *an2,
                     const float *b, size_t nb, const float *bn2,
                     size_t dim, float *out)
{
    size_t i, j;

    if (!na || !nb)
        return;
    /* out = -2 a b^T, then add the norms. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb,
                (int)dim, -2.0f, a, (int)dim, b, (int)dim, 0.0f, out,
                (int)nb);
    for (i = 0; i < na; i++)
        for (j = 0; j < nb; j++) {
            float v = out[i * nb + j] + an2[i] + bn2[j];

            out[i * nb + j] = v > 0 ? v : 0;
        }
}

int zx_singular_values(const float *m, size_t rows, size_t cols, float *s)
{
    float *copy = xmalloc(rows * cols * sizeof(*copy) + 1);
    lapack_int info;

    memcpy(copy, m, rows * cols * sizeof(*copy));
    info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'N', (lapack_int)rows,
                          (lapack_int)cols, copy, (lapack_int)cols, s, NULL,
                          1, NULL, 1);
    free(copy);
    return info == 0 ? 0 : -1;
}

long zx_matrix_rank(const float *m, size_t rows, size_t cols)
{
    size_t k = rows < cols ? rows : cols, i;
    float *s, tol;
    long r = 0;

    if (!k)
        return 0;
    s = xmalloc(k * sizeof(*s));
    if (zx_singular_values(m, rows, cols, s)) {
        free(s);
        return -1;
    }
    tol = s[0] * (float)(rows > cols ? rows : cols) * FLT_EPSILON;
    for (i = 0; i < k; i++)
        if (s[i] > tol)
            r++;
    free(s);
    return r;
}
