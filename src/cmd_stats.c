/* cmd_stats.c - `zoodex stats`: counts over the whole index.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "index.h"
#include "query.h"
#include "zx_log.h"

int cmd_stats(int argc, char **argv, struct zx_ctx *ctx)
{
    struct zx_index *ix = NULL;
    json_t *st = NULL;
    int json, rc = zx_parse_json_only(argc, argv, ctx, &json);

    if (rc)
        return rc;
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_query_stats(ix, &st, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json) {
        zx_print_json(st);
    } else {
        printf("index          %s\n", zx_json_str(st, "index"));
        printf("models         %lld\n",
               (long long)json_integer_value(json_object_get(st, "models")));
        printf("architectures  %lld\n",
               (long long)json_integer_value(
                   json_object_get(st, "architectures")));
        printf("vectors        %lld\n",
               (long long)json_integer_value(json_object_get(st, "vectors")));
        printf("declared edges %lld\n",
               (long long)json_integer_value(json_object_get(st, "edges")));
        char size[ZX_SIZE_LEN];

        printf("store size     %s\n",
               zx_format_size((uint64_t)json_integer_value(
                                  json_object_get(st, "bytes_used")),
                              size));
    }
    json_decref(st);
    return ZX_EXIT_OK;
}
