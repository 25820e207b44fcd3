/* cmd_inspect.c - `zoodex inspect`: a checkpoint's tensors with checksums,
 * without touching any index.  The columns match what an independent
 * reader computes (tests compare them with fixtures/expected/tensors):
 * name, dtype, shape, SHA-256 of the raw bytes, sum and sum of absolute
 * values of the values as doubles (compensated summation), all from
 * zx_ckpt_sums().
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cmd.h"
#include "model.h"

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
        struct zx_tensor_sums ts;
        char shape[256] = "";
        int k;

        zx_ckpt_sums(ck, i, &ts);
        for (k = 0; k < t->ndim; k++) {
            size_t n = strlen(shape);

            snprintf(shape + n, sizeof(shape) - n, "%s%" PRIu64, k ? "," : "",
                     t->shape[k]);
        }
        if (json) {
            json_t *dims = json_array();

            for (k = 0; k < t->ndim; k++)
                json_array_append_new(dims,
                                      json_integer((json_int_t)t->shape[k]));
            json_array_append_new(
                arr,
                json_pack("{s:s,s:s,s:o,s:s,s:f,s:f}", "name", t->name, "dtype",
                          zx_dtype_name(t->dtype), "shape", dims, "sha256",
                          ts.sha256, "sum", ts.sum, "sumabs", ts.sumabs));
        } else {
            printf("%s\t%s\t%s\t%s\t%.17g\t%.17g\n", t->name,
                   zx_dtype_name(t->dtype), shape, ts.sha256, ts.sum,
                   ts.sumabs);
        }
        zx_ckpt_drop(ck, i);
    }
    if (json)
        zx_print_json(arr);
    json_decref(arr);
    zx_ckpt_close(ck);
    return ZX_EXIT_OK;
}
