/* cmd_backup.c - `zoodex backup`: a consistent, compacted copy of the
 * store, taken while readers and a writer go on.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "zx_units.h"
#include "index.h"

int cmd_backup(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *info = NULL;
    int ch, json = 0, rc;

    while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else
            return zx_usage(ctx);
    }
    if (optind != argc - 1 || !argv[optind][0])
        return zx_usage(ctx);
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_index_backup(ix, argv[optind], &info, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json)
        zx_print_json(info);
    else {
        char size[ZX_SIZE_LEN];

        printf("backed up %lld models, %lld vectors, %lld groups, %lld edges "
               "into '%s' (%s)\n",
               (long long)json_integer_value(json_object_get(info, "models")),
               (long long)json_integer_value(json_object_get(info, "vectors")),
               (long long)json_integer_value(json_object_get(info, "groups")),
               (long long)json_integer_value(json_object_get(info, "edges")),
               zx_json_str(info, "backup"),
               zx_format_size(
                   (uint64_t)json_integer_value(json_object_get(info, "bytes")),
                   size));
    }
    json_decref(info);
    return ZX_EXIT_OK;
}
