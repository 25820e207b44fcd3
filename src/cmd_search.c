/* cmd_search.c - `zoodex search --like`: nearest models by weights.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "query.h"
#include "zx_fs.h"

/* A vector file the search did not trust: one line on stderr. */
static void warn(const char *msg, void *arg)
{
    (void)arg;
    fprintf(stderr, "zoodex search: warning: %s\n", msg);
}

int cmd_search(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"like", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *res = NULL, *hit;
    const char *like = NULL;
    long k = 10;
    size_t i;
    int json = 0, ch, rc;

    while ((ch = getopt_long(argc, argv, "l:k:j", opts, NULL)) != -1) {
        switch (ch) {
        case 'l':
            like = optarg;
            break;
        case 'k':
            if (zx_parse_int(optarg, 1, 10000, &k))
                return zx_usage_msg(ctx,
                                    "-k wants a number from 1 to 10000, "
                                    "not '%s'",
                                    optarg);
            break;
        case 'j':
            json = 1;
            break;
        default:
            return zx_usage(ctx);
        }
    }
    ctx->json |= json;
    /* `search MODEL` is `search --like MODEL` */
    if (!like && optind < argc)
        like = argv[optind++];
    if (!like)
        return zx_usage_msg(ctx, "missing operand: give the example, a "
                                 "model or a path (--like is optional)");
    if (zx_operands(ctx, argc, argv, 0, 0, ""))
        return ZX_EXIT_USAGE;
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (rc)
        return zx_report(ctx, rc);
    zx_index_on_warning(ix, warn, NULL);
    /* An indexed model wins; otherwise a checkpoint on disk. */
    rc = zx_query_like_model(ix, like, (int)k, &res, &ctx->err);
    if (rc == ZX_ENOTFOUND && (zx_is_file(like) || zx_is_dir(like))) {
        memset(&ctx->err, 0, sizeof(ctx->err));
        rc = zx_query_like_path(ix, like, (int)k, &res, &ctx->err);
    }
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json) {
        zx_print_json(res);
    } else {
        json_t *hits = json_object_get(res, "hits");

        printf("nearest to '%s' by weights (weight group %s):\n",
               zx_json_str(res, "query"), zx_json_str(res, "group"));
        if (json_array_size(hits) == 0)
            printf("  (no other model in this weight group)\n");
        json_array_foreach(hits, i, hit)
        {
            printf("%3zu  %12.6f  %s\n", i + 1,
                   json_real_value(json_object_get(hit, "distance")),
                   zx_json_str(hit, "model"));
        }
    }
    json_decref(res);
    return ZX_EXIT_OK;
}
