/* cmd_inspect.c - `zoodex inspect`: a checkpoint's tensors with checksums,
 * without touching any index.  The columns match what an independent
 * reader computes (tests compare them with fixtures/expected/tensors):
 * name, dtype, shape, SHA-256 of the raw bytes, sum and sum of absolute
 * values of the values as doubles (compensated summation).
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cmd.h"
#include "model.h"
#include "zx_hash.h"
#include "zx_mem.h"

#define BLOCK 4096

/* Neumaier's compensated sum. */
struct ksum {
    double s, c;
};

static void kadd(struct ksum *k, double x)
{
    double t = k->s + x;

    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

static void sums(const struct zx_tensor *t, const unsigned char *data,
                 double *sum, double *sumabs)
{
    struct ksum a = {0, 0}, b = {0, 0};
    float *buf = xmalloc(BLOCK * sizeof(float));
    uint64_t i;
    size_t j;

    for (i = 0; i < t->n_elems; i += BLOCK) {
        size_t n = (size_t)(t->n_elems - i < BLOCK ? t->n_elems - i : BLOCK);

        if (t->dtype == ZX_DTYPE_F64) {
            for (j = 0; j < n; j++) {
                double x;

                memcpy(&x, data + 8 * (i + j), 8);
                kadd(&a, x);
                kadd(&b, fabs(x));
            }
            continue;
        }
        zx_to_float(t->dtype, data, i, n, buf);
        for (j = 0; j < n; j++) {
            kadd(&a, buf[j]);
            kadd(&b, fabs((double)buf[j]));
        }
    }
    if (t->dtype == ZX_DTYPE_I64 || t->dtype == ZX_DTYPE_U64) {
        /* 64-bit integers exceed float precision: sum them exactly. */
        a.s = b.s = a.c = b.c = 0;
        for (i = 0; i < t->n_elems; i++) {
            int64_t x;

            memcpy(&x, data + 8 * i, 8);
            kadd(&a,
                 t->dtype == ZX_DTYPE_I64 ? (double)x : (double)(uint64_t)x);
            kadd(&b, t->dtype == ZX_DTYPE_I64 ? fabs((double)x)
                                              : (double)(uint64_t)x);
        }
    }
    *sum = a.s + a.c;
    *sumabs = b.s + b.c;
    free(buf);
}

int cmd_inspect(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct zx_ckpt *ck = NULL;
    json_t *arr = NULL;
    char *weights = NULL;
    size_t i;
    int json = 0, ch, rc;

    while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else
            return zx_usage(ctx);
    }
    ctx->json |= json;
    if (zx_operands(ctx, argc, argv, 1, 1, "a checkpoint or model folder"))
        return ZX_EXIT_USAGE;
    /* a model folder: its weights */
    rc = zx_model_weights(argv[optind], &weights, &ctx->err);
    if (!rc)
        rc = zx_ckpt_open(weights, &ck, &ctx->err);
    free(weights);
    if (rc) /* a missing file is an error, not "model not indexed" */
        return zx_report(ctx, rc == ZX_ENOTFOUND ? ZX_EIO : rc);
    if (json)
        arr = json_array();
    for (i = 0; i < zx_ckpt_n_tensors(ck); i++) {
        const struct zx_tensor *t = zx_ckpt_tensor(ck, i);
        const unsigned char *data = zx_ckpt_data(ck, i);
        char hex[65], shape[256] = "";
        double s = 0, sa = 0;
        int k;

        zx_sha256_hex(data ? data : (const unsigned char *)"",
                      (size_t)t->n_bytes, hex);
        for (k = 0; k < t->ndim; k++) {
            size_t n = strlen(shape);

            snprintf(shape + n, sizeof(shape) - n, "%s%" PRIu64, k ? "," : "",
                     t->shape[k]);
        }
        if (zx_dtype_is_numeric(t->dtype) && data)
            sums(t, data, &s, &sa);
        if (json) {
            json_t *dims = json_array();

            for (k = 0; k < t->ndim; k++)
                json_array_append_new(dims,
                                      json_integer((json_int_t)t->shape[k]));
            json_array_append_new(
                arr, json_pack("{s:s,s:s,s:o,s:s,s:f,s:f}", "name", t->name,
                               "dtype", zx_dtype_name(t->dtype), "shape", dims,
                               "sha256", hex, "sum", s, "sumabs", sa));
        } else {
            printf("%s\t%s\t%s\t%s\t%.17g\t%.17g\n", t->name,
                   zx_dtype_name(t->dtype), shape, hex, s, sa);
        }
        zx_ckpt_drop(ck, i);
    }
    if (json)
        zx_print_json(arr);
    json_decref(arr);
    zx_ckpt_close(ck);
    return ZX_EXIT_OK;
}
