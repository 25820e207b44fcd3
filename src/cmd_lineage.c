/* cmd_lineage.c - `zoodex lineage`: declared parents and children.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "query.h"

static void print_edges(json_t *arr, const char *field, const char *title)
{
    json_t *e;
    size_t i;

    printf("  %s:\n", title);
    if (json_array_size(arr) == 0)
        printf("    (none declared)\n");
    json_array_foreach(arr, i, e) {
        printf("    %s  [%s, %s from %s]%s\n", zx_json_str(e, field),
               zx_json_str(e, "relation"), zx_json_str(e, "provenance"),
               zx_json_str(e, "source"),
               json_is_true(json_object_get(e, "indexed"))
                   ? "" : "  (not indexed)");
    }
}

int cmd_lineage(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"infer", no_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *res = NULL, *inf = NULL;
    int json = 0, infer = 0, ch, rc;

    while ((ch = getopt_long(argc, argv, "ji", opts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else if (ch == 'i')
            infer = 1;
        else
            return zx_usage(ctx);
    }
    if (argc - optind != 1)
        return zx_usage(ctx);
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_query_lineage(ix, argv[optind], &res, &ctx->err);
    if (!rc && infer)
        rc = zx_query_lineage_inferred(ix, argv[optind], &inf, &ctx->err);
    zx_index_close(ix);
    if (rc) {
        json_decref(res);
        return zx_report(ctx, rc);
    }
    if (inf)
        json_object_set(res, "inferred", inf);
    if (json) {
        zx_print_json(res);
    } else {
        printf("%s\n", zx_json_str(res, "model"));
        print_edges(json_object_get(res, "parents"), "parent", "parents");
        print_edges(json_object_get(res, "children"), "child", "children");
        if (inf) {
            json_t *e;
            size_t i;

            printf("  inferred from weights (Model Atlas charting):\n");
            json_array_foreach(json_object_get(inf, "parents"), i, e) {
                printf("    parent %s%s%s  [%s, distance %.6f]\n",
                       zx_json_str(e, "parent"),
                       zx_json_str(e, "parent2") ? " + " : "",
                       zx_json_str(e, "parent2") ? zx_json_str(e, "parent2")
                                                 : "",
                       zx_json_str(e, "rule"),
                       json_real_value(json_object_get(e, "distance")));
            }
            json_array_foreach(json_object_get(inf, "children"), i, e) {
                printf("    child  %s  [%s, distance %.6f]\n",
                       zx_json_str(e, "child"), zx_json_str(e, "rule"),
                       json_real_value(json_object_get(e, "distance")));
            }
            if (!json_array_size(json_object_get(inf, "parents")) &&
                !json_array_size(json_object_get(inf, "children")))
                printf("    (a root with no children in its group)\n");
        }
    }
    json_decref(res);
    json_decref(inf);
    return ZX_EXIT_OK;
}
