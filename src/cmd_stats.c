/* cmd_stats.c - `zoodex stats`: counts over the whole index.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "index.h"
#include "query.h"
#include "zx_units.h"

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

int cmd_stats(int argc, char **argv, struct zx_ctx *ctx)
{
    struct zx_index *ix = NULL;
    json_t *st = NULL, *e, *u;
    char size[ZX_SIZE_LEN];
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
        json_decref(st);
        return ZX_EXIT_OK;
    }
    e = json_object_get(st, "edges");
    u = json_object_get(st, "lineage_last_update");
    printf("%-15s %s\n", "index", zx_json_str(st, "index"));
    printf("%-15s %lld: %lld in a weight group, %lld without", "models",
           num(st, "models"), num(st, "models_in_group"),
           num(st, "models_without_group"));
    if (num(st, "models_light"))
        printf("; %lld crawled by Range reads", num(st, "models_light"));
    printf("\n%-15s %lld\n", "weight groups", num(st, "groups"));
    printf("%-15s %lld\n", "vectors", num(st, "vectors"));
    printf("%-15s %lld: %lld declared, %lld inferred, %lld both", "edges",
           num(e, "total"), num(e, "declared"), num(e, "inferred"),
           num(e, "both"));
    if (num(e, "other"))
        printf(", %lld other", num(e, "other"));
    printf("\n");
    if (u)
        printf("%-15s %s: %lld group%s, %lld of %lld component%s "
               "charted, %lld inferred edge%s written\n",
               "lineage update",
               zx_json_str(u, "time") ? zx_json_str(u, "time")
                                      : "(time unknown)",
               num(u, "groups"), num(u, "groups") == 1 ? "" : "s",
               num(u, "recharted"), num(u, "components"),
               num(u, "components") == 1 ? "" : "s", num(u, "edges"),
               num(u, "edges") == 1 ? "" : "s");
    else
        printf("%-15s never\n", "lineage update");
    printf("%-15s %s (%lld bytes)\n", "store size",
           zx_format_size((uint64_t)num(st, "bytes_used"), size),
           num(st, "bytes_used"));
    json_decref(st);
    return ZX_EXIT_OK;
}
