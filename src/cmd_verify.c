/* cmd_verify.c - `zoodex verify` and `reindex`: the store against its vector
 * files. SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "index.h"
#include "query.h"

int cmd_verify(int argc, char **argv, struct zx_ctx *ctx)
{
    struct zx_index *ix = NULL;
    json_t *rep = NULL, *p;
    size_t i;
    int json, ok, rc = zx_parse_json_only(argc, argv, ctx, &json);

    if (rc)
        return rc;
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_index_verify(ix, &rep, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    ok = json_is_true(json_object_get(rep, "ok"));
    if (json) {
        zx_print_json(rep);
    } else {
        json_array_foreach(json_object_get(rep, "problems"), i, p)
        {
            printf("problem: %s\n", json_string_value(p));
        }
        json_array_foreach(json_object_get(rep, "stale"), i, p)
        {
            printf("stale: vector file of group %s lags the store (searches "
                   "stay exact; the next ingest or reindex rewrites it)\n",
                   json_string_value(p));
        }
        json_array_foreach(json_object_get(rep, "lineage_stale"), i, p)
        {
            printf("stale: lineage of group %s was charted before its last "
                   "change (the next ingest, crawl or reindex charts it)\n",
                   json_string_value(p));
        }
        static const char *const what[][3] = {
            {"models", "model", "models"},
            {"vectors", "vector", "vectors"},
            {"groups", "group", "groups"},
            {"edges", "edge", "edges"},
        };
        size_t k;

        printf("%s:", ok ? "ok" : "INCONSISTENT");
        for (k = 0; k < 4; k++) {
            json_int_t n = json_integer_value(json_object_get(rep, what[k][0]));

            printf("%s %lld %s", k ? "," : "", (long long)n,
                   zx_plural((uint64_t)n, what[k][1], what[k][2]));
        }
        printf("\n");
    }
    json_decref(rep);
    return ok ? ZX_EXIT_OK : ZX_EXIT_PARTIAL;
}

int cmd_reindex(int argc, char **argv, struct zx_ctx *ctx)
{
    struct zx_index *ix = NULL;
    int json, n = 0, rc = zx_parse_json_only(argc, argv, ctx, &json);

    if (rc)
        return rc;
    /* Never create an index here: a mistyped --db must be an error. */
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    zx_index_close(ix);
    ix = NULL;
    if (!rc)
        rc = zx_index_open(ctx->db, ZX_INDEX_WRITE, &ix, &ctx->err);
    if (!rc)
        rc = zx_index_flush(ix, 1, &n, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json)
        printf("{\n  \"rebuilt\": %d\n}\n", n);
    else
        printf("rebuilt %d vector file%s from the store\n", n,
               n == 1 ? "" : "s");
    return ZX_EXIT_OK;
}
