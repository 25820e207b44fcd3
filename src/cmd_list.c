/* cmd_list.c - `zoodex list`: the indexed models.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "index.h"
#include "query.h"

int cmd_list(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"arch", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *arr = NULL, *m;
    const char *arch = NULL;
    size_t i;
    int json = 0, ch, rc;

    while ((ch = getopt_long(argc, argv, "ja:", opts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else if (ch == 'a')
            arch = optarg;
        else
            return zx_usage(ctx);
    }
    ctx->json |= json;
    if (zx_operands(ctx, argc, argv, 0, 0, ""))
        return ZX_EXIT_USAGE;
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_query_list(ix, arch, &arr, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json) {
        zx_print_json(arr);
    } else {
        json_array_foreach(arr, i, m)
        {
            printf("%s\n", zx_json_str(m, "id"));
        }
    }
    json_decref(arr);
    return ZX_EXIT_OK;
}
