/* cmd_admin.c - `zoodex stats`, `verify` and `reindex`: the index itself.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "index.h"
#include "query.h"

/* The three commands take only --json. */
static int json_only(int argc, char **argv, struct zx_ctx *ctx, int *json)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    *json = 0;
    while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
        if (ch == 'j')
            *json = 1;
        else
            return zx_usage(ctx);
    }
    if (optind != argc)
        return zx_usage(ctx);
    return 0;
}

int cmd_stats(int argc, char **argv, struct zx_ctx *ctx)
{
    struct zx_index *ix = NULL;
    json_t *st = NULL;
    int json, rc = json_only(argc, argv, ctx, &json);

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
        printf("architectures  %lld\n", (long long)json_integer_value(
                                            json_object_get(st, "architectures")));
        printf("vectors        %lld\n",
               (long long)json_integer_value(json_object_get(st, "vectors")));
        printf("declared edges %lld\n",
               (long long)json_integer_value(json_object_get(st, "edges")));
        printf("store bytes    %lld\n", (long long)json_integer_value(
                                            json_object_get(st, "bytes_used")));
    }
    json_decref(st);
    return ZX_EXIT_OK;
}

int cmd_verify(int argc, char **argv, struct zx_ctx *ctx)
{
    struct zx_index *ix = NULL;
    json_t *rep = NULL, *p;
    size_t i;
    int json, ok, rc = json_only(argc, argv, ctx, &json);

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
        json_array_foreach(json_object_get(rep, "problems"), i, p) {
            printf("problem: %s\n", json_string_value(p));
        }
        json_array_foreach(json_object_get(rep, "stale"), i, p) {
            printf("stale: vector file of group %s lags the store (searches "
                   "stay exact; the next ingest or reindex rewrites it)\n",
                   json_string_value(p));
        }
        json_array_foreach(json_object_get(rep, "lineage_stale"), i, p) {
            printf("stale: lineage of group %s was charted before its last "
                   "change (the next ingest, crawl or reindex charts it)\n",
                   json_string_value(p));
        }
        printf("%s: %lld models, %lld vectors, %lld groups, %lld edges\n",
               ok ? "ok" : "INCONSISTENT",
               (long long)json_integer_value(json_object_get(rep, "models")),
               (long long)json_integer_value(json_object_get(rep, "vectors")),
               (long long)json_integer_value(json_object_get(rep, "groups")),
               (long long)json_integer_value(json_object_get(rep, "edges")));
    }
    json_decref(rep);
    return ok ? ZX_EXIT_OK : ZX_EXIT_PARTIAL;
}

int cmd_reindex(int argc, char **argv, struct zx_ctx *ctx)
{
    struct zx_index *ix = NULL;
    int json, n = 0, rc = json_only(argc, argv, ctx, &json);

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
    if (optind != argc)
        return zx_usage(ctx);
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_query_list(ix, arch, &arr, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json) {
        zx_print_json(arr);
    } else {
        json_array_foreach(arr, i, m) {
            printf("%s\n", zx_json_str(m, "id"));
        }
    }
    json_decref(arr);
    return ZX_EXIT_OK;
}
