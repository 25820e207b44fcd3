/* cmd_verify.c - `zoodex verify` and `reindex`: the store against its vector
 * files. SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "index.h"
#include "query.h"

int cmd_verify(int argc, char **argv, struct zx_ctx *ctx)
{
    json_t *rep = NULL, *p;
    size_t i;
    int json, ok, damaged, rc = zx_parse_json_only(argc, argv, ctx, &json);

    if (rc)
        return rc;
    zx_fault_status = ZX_EXIT_PARTIAL; /* damage, as any other */
    rc = zx_index_verify_dir(ctx->db, &rep, &ctx->err);
    if (rc)
        return zx_report(ctx, rc);
    ok = json_is_true(json_object_get(rep, "ok"));
    damaged = json_is_true(json_object_get(rep, "damaged"));
    if (json) {
        zx_print_json(rep);
    } else if (damaged) {
        json_array_foreach(json_object_get(rep, "problems"), i, p)
        {
            printf("damaged: %s\n", json_string_value(p));
        }
        printf("DAMAGED: the store of '%s' does not read back in full\n"
               "recover: %s\n",
               ctx->db, json_string_value(json_object_get(rep, "recovery")));
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
        json_array_foreach(json_object_get(rep, "unrecorded"), i, p)
        {
            printf("stale: vector file of group %s has no checksum in the "
                   "store (a writer stopped before recording it, or an older "
                   "zoodex wrote it; searches stay exact; the next ingest or "
                   "reindex rewrites it)\n",
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
        if (json_array_size(json_object_get(rep, "vector_damage")))
            printf("recover: %s\n",
                   json_string_value(json_object_get(rep, "recovery")));
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
    rc = zx_index_open(ctx->db, ZX_INDEX_UPDATE, &ix, &ctx->err);
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
