/* cmd_rm.c - `zoodex rm`: take models out of the index.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "index.h"

int cmd_rm(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *done = json_array(), *rep, *x;
    int json = 0, ch, rc = ZX_OK, status = ZX_EXIT_OK, i;
    size_t j;

    while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
        if (ch != 'j') {
            json_decref(done);
            return zx_usage(ctx);
        }
        json = 1;
    }
    if (optind >= argc) {
        json_decref(done);
        return zx_usage(ctx);
    }
    rc = zx_index_open(ctx->db, ZX_INDEX_UPDATE, &ix, &ctx->err);
    /* Every name first: an unknown one removes nothing. */
    if (!rc)
        rc = zx_index_check_models(ix, argv + optind, (size_t)(argc - optind),
                                   &ctx->err);
    for (i = optind; !rc && i < argc; i++) {
        rc = zx_index_remove(ix, argv[i], &rep, &ctx->err);
        if (rc == ZX_ENOTFOUND) /* named twice */
            rc = ZX_OK;
        else if (!rc)
            json_array_append_new(done, rep);
    }
    /* Vector files and lineage of the groups they left. */
    if (!rc && json_array_size(done))
        rc = zx_index_flush(ix, 0, NULL, &ctx->err);
    zx_index_close(ix);
    if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    }
    if (json) {
        json_t *o = json_pack("{s:O,s:i}", "removed", done, "exit", status);

        zx_print_json(o);
        json_decref(o);
        goto out;
    }
    json_array_foreach(done, j, x)
    {
        json_t *kids = json_object_get(x, "declared_children"), *k;
        size_t n = json_array_size(kids), m;

        printf("removed %s", zx_json_str(x, "model"));
        if (n) {
            printf(" (%zu model%s still declare%s it as a parent:", n,
                   n == 1 ? "" : "s", n == 1 ? "s" : "");
            json_array_foreach(kids, m, k)
            {
                printf(" %s", json_string_value(k));
            }
            printf(")");
        }
        printf("\n");
    }
out:
    json_decref(done);
    return status;
}
