/* test_linalg.c - the OpenBLAS/LAPACK wrapper against values numpy gives
 * (numpy.linalg.svd / matrix_rank on the same matrices).
 * SPDX-License-Identifier: MIT */
#include <math.h>

#include "harness.h"
#include "zx_linalg.h"

static void singular_values(void)
{
    float m[6] = {1, 2, 3, 4, 5, 6}, s[2];
    long rank = -1;

    CHECK_INT(zx_linalg_singular_values(m, 2, 3, s, NULL), ==, ZX_OK);
    CHECK(fabsf(s[0] - 9.508032f) < 1e-4f);
    CHECK(fabsf(s[1] - 0.77286964f) < 1e-4f);
    CHECK_INT(zx_linalg_matrix_rank(m, 2, 3, &rank, NULL), ==, ZX_OK);
    CHECK_INT(rank, ==, 2);
}

/* LAPACK's failures come back as ZX_ENUMERIC with a message, not as its
 * info values: a NaN is refused by LAPACKE's input check. */
static void lapack_failure(void)
{
    float m[6] = {1, 2, NAN, 4, 5, 6}, s[3];
    float b[8] = {1, 0, 0, 1, 1, NAN, 2, 3}, a[6] = {1, 2, 3, 4, 5, 6};
    struct zx_error err = {0};
    long rank = -1;

    CHECK_INT(zx_linalg_singular_values(m, 2, 3, s, &err), ==, ZX_ENUMERIC);
    CHECK_INT(err.code, ==, ZX_ENUMERIC);
    CHECK_MSG(err, "LAPACK sgesdd failed");
    CHECK_INT(zx_linalg_matrix_rank(m, 2, 3, &rank, NULL), ==, ZX_ENUMERIC);
    CHECK_INT(rank, ==, 0);
    memset(&err, 0, sizeof(err));
    CHECK_INT(zx_linalg_lowrank_singular_values(b, 4, a, 3, 2, s, &err), ==,
              ZX_ENUMERIC);
    CHECK_MSG(err, "LAPACK");
}

static void lowrank_product(void)
{
    /* B (4x2) A (2x3): numpy gives 37.1259206, 0.816101375 (and 0). */
    float b[8] = {1, 0, 0, 1, 1, 1, 2, 3}, a[6] = {1, 2, 3, 4, 5, 6};
    float par[8] = {1, 2, 2, 4, 3, 6, 4, 8}, s[3];

    CHECK_INT(zx_linalg_lowrank_singular_values(b, 4, a, 3, 2, s, NULL), ==,
              ZX_OK);
    CHECK(fabsf(s[0] - 37.1259206f) < 1e-3f);
    CHECK(fabsf(s[1] - 0.816101375f) < 1e-4f);
    /* parallel columns of B: rank 1 */
    CHECK_INT(zx_linalg_lowrank_singular_values(par, 4, a, 3, 2, s, NULL), ==,
              ZX_OK);
    CHECK(s[1] < 1e-4f * s[0]);
    /* factors thinner than r (B 2x3, A 3x2): the product is formed; its
     * third value is 0 */
    CHECK_INT(zx_linalg_lowrank_singular_values(a, 2, a, 2, 3, s, NULL), ==,
              ZX_OK);
    CHECK(s[0] > 0 && s[2] == 0);
}

static void distances(void)
{
    float x[6] = {0, 0, 3, 4, 1, 1}, n2[3], d[9];
    int i;

    zx_linalg_row_sqnorms(x, 3, 2, n2);
    CHECK(n2[1] == 25);
    zx_linalg_sqdist_block(x, 3, n2, x, 3, n2, 2, d);
    CHECK(fabsf(d[1] - 25) < 1e-5f && fabsf(d[3] - 25) < 1e-5f);
    CHECK(fabsf(d[2] - 2) < 1e-5f && fabsf(d[5] - 13) < 1e-5f);
    for (i = 0; i < 3; i++)
        CHECK(d[i * 3 + i] >= 0 && d[i * 3 + i] < 1e-5f);
}

int main(void)
{
    RUN(singular_values);
    RUN(lapack_failure);
    RUN(lowrank_product);
    RUN(distances);
    return DONE();
}
