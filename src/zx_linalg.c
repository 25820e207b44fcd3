/* zx_linalg.c - see zx_linalg.h.
 * SPDX-License-Identifier: MIT */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "zx_linalg.h"
#include "zx_mem.h"

void zx_linalg_row_sqnorms(const float *x, size_t n, size_t dim, float *out)
{
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = cblas_sdot((int)dim, x + i * dim, 1, x + i * dim, 1);
}

void zx_linalg_sqdist_block(const float *a, size_t na, const float *an2,
                            const float *b, size_t nb, const float *bn2,
                            size_t dim, float *out)
{
    size_t i, j;

    if (!na || !nb)
        return;
    /* out = -2 a b^T, then add the norms. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb,
                (int)dim, -2.0f, a, (int)dim, b, (int)dim, 0.0f, out, (int)nb);
    for (i = 0; i < na; i++)
        for (j = 0; j < nb; j++) {
            float v = out[i * nb + j] + an2[i] + bn2[j];

            out[i * nb + j] = v > 0 ? v : 0;
        }
}

int zx_linalg_singular_values(const float *m, size_t rows, size_t cols,
                              float *s, struct zx_error *err)
{
    float *copy = xmalloc(rows * cols * sizeof(*copy) + 1);
    lapack_int info;

    memcpy(copy, m, rows * cols * sizeof(*copy));
    info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'N', (lapack_int)rows,
                          (lapack_int)cols, copy, (lapack_int)cols, s, NULL,
                          (lapack_int)rows, NULL, (lapack_int)cols);
    free(copy);
    if (info)
        return zx_fail(err, ZX_ENUMERIC,
                       "singular values of a %zu x %zu matrix: LAPACK "
                       "sgesdd failed (info %d)",
                       rows, cols, (int)info);
    return ZX_OK;
}

int zx_linalg_matrix_rank(const float *m, size_t rows, size_t cols, long *rank,
                          struct zx_error *err)
{
    size_t k = rows < cols ? rows : cols, i;
    float *s, tol;
    int rc;

    *rank = 0;
    if (!k)
        return ZX_OK;
    s = xmalloc(k * sizeof(*s));
    rc = zx_linalg_singular_values(m, rows, cols, s, err);
    if (!rc) {
        tol = s[0] * (float)(rows > cols ? rows : cols) * FLT_EPSILON;
        for (i = 0; i < k; i++)
            if (s[i] > tol)
                ++*rank;
    }
    free(s);
    return rc;
}

/* The r x r upper triangle R of the QR factorisation of the m x r matrix
 * x (row-major), into rr (row-major r x r).  Needs m >= r.  Returns ZX_OK
 * or ZX_ENUMERIC. */
static int qr_r(float *x, size_t m, size_t r, float *rr, struct zx_error *err)
{
    float *tau = xmalloc(r * sizeof(*tau) + 1);
    lapack_int info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m,
                                     (lapack_int)r, x, (lapack_int)r, tau);
    size_t i, j;

    free(tau);
    if (info)
        return zx_fail(err, ZX_ENUMERIC,
                       "QR of a %zu x %zu matrix: LAPACK sgeqrf failed "
                       "(info %d)",
                       m, r, (int)info);
    for (i = 0; i < r; i++)
        for (j = 0; j < r; j++)
            rr[i * r + j] = j >= i ? x[i * r + j] : 0;
    return ZX_OK;
}

int zx_linalg_lowrank_singular_values(const float *b, size_t out,
                                      const float *a, size_t in, size_t r,
                                      float *s, struct zx_error *err)
{
    float *bc, *at, *rb, *ra, *m;
    size_t i, j;
    int rc;

    if (!r)
        return ZX_OK;
    if (out < r || in < r) { /* thin factors: form the product */
        float *p = xcalloc(out * in + 1, sizeof(*p));
        size_t k = out < in ? out : in;

        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)out,
                    (int)in, (int)r, 1.0f, b, (int)r, a, (int)in, 0.0f, p,
                    (int)in);
        rc = zx_linalg_singular_values(p, out, in, s, err);
        for (i = k; i < r; i++)
            s[i] = 0;
        free(p);
        return rc;
    }
    bc = xmalloc(out * r * sizeof(*bc));
    at = xmalloc(in * r * sizeof(*at));
    rb = xmalloc(r * r * sizeof(*rb));
    ra = xmalloc(r * r * sizeof(*ra));
    m = xmalloc(r * r * sizeof(*m));
    memcpy(bc, b, out * r * sizeof(*bc));
    for (i = 0; i < r; i++) /* A^T, in x r */
        for (j = 0; j < in; j++)
            at[j * r + i] = a[i * in + j];
    rc = qr_r(bc, out, r, rb, err);
    if (!rc)
        rc = qr_r(at, in, r, ra, err);
    if (!rc) {
        /* B A = Q_B R_B (Q_A R_A)^T = Q_B (R_B R_A^T) Q_A^T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)r, (int)r,
                    (int)r, 1.0f, rb, (int)r, ra, (int)r, 0.0f, m, (int)r);
        rc = zx_linalg_singular_values(m, r, r, s, err);
    }
    free(bc);
    free(at);
    free(rb);
    free(ra);
    free(m);
    return rc;
}
