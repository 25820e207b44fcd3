/* cmd_prune.c - `zoodex prune`: delete the Hugging Face cache files that
 * zoodex downloaded, and nothing else.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "zx_units.h"
#include "crawl.h"
#include "index.h"

int cmd_prune(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *rep = NULL, *x;
    int json = 0, dry = 0, ch, rc;
    size_t i, n_rm, n_kept;
    char size[ZX_SIZE_LEN];

    while ((ch = getopt_long(argc, argv, "jn", opts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            json = 1;
            break;
        case 'n':
            dry = 1;
            break;
        default:
            return zx_usage(ctx);
        }
    }
    rc = zx_index_open(ctx->db, ZX_INDEX_UPDATE, &ix, &ctx->err);
    if (!rc)
        rc = zx_crawl_prune(ix, (const char *const *)argv + optind,
                            (size_t)(argc - optind), dry, &rep, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json) {
        json_object_set_new(rep, "exit", json_integer(ZX_EXIT_OK));
        zx_print_json(rep);
        json_decref(rep);
        return ZX_EXIT_OK;
    }
    json_array_foreach(json_object_get(rep, "removed"), i, x)
    {
        printf("%s %s\n", dry ? "would remove" : "removed",
               zx_json_str(x, "path"));
    }
    json_array_foreach(json_object_get(rep, "kept"), i, x)
    {
        printf("kept %s: %s\n", zx_json_str(x, "path"),
               zx_json_str(x, "reason"));
    }
    n_rm = json_array_size(json_object_get(rep, "removed"));
    n_kept = json_array_size(json_object_get(rep, "kept"));
    printf(
        "%s%zu %s (%s of blobs), kept %zu\n",
        dry ? "would remove " : "removed ", n_rm,
        zx_plural(n_rm, "file", "files"),
        zx_format_size(
            (uint64_t)json_integer_value(json_object_get(rep, "bytes")), size),
        n_kept);
    json_decref(rep);
    return ZX_EXIT_OK;
}
