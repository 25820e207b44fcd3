/* cmd_list.c - `zoodex list`: the indexed models, filtered and sorted
 * (query/query.c does both), as columns or JSON.
 * SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "index.h"
#include "query.h"
#include "zx_units.h"

/* "-" for an unknown value, else the count in human units. */
static const char *count_cell(json_t *v, int human, char *buf, size_t size)
{
    if (!json_is_integer(v))
        return "-";
    if (human)
        return zx_fmt_count((uint64_t)json_integer_value(v), buf, size);
    snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    return buf;
}

/* One row per model: id, group, params, downloads, likes, created (the
 * date part); a header line first when stdout is a terminal. */
static void print_table(json_t *arr)
{
    json_t *m;
    size_t i, w = 2;
    char p[32], d[32], l[32];

    json_array_foreach(arr, i, m)
    {
        size_t n = strlen(zx_json_str(m, "id"));

        if (n > w)
            w = n;
    }
    if (json_array_size(arr) && isatty(STDOUT_FILENO))
        printf("%-*s  %-16s  %7s  %9s  %6s  %s\n", (int)w, "ID", "GROUP",
               "PARAMS", "DOWNLOADS", "LIKES", "CREATED");
    json_array_foreach(arr, i, m)
    {
        const char *g = zx_json_str(m, "group");
        const char *c = zx_json_str(m, "created");

        printf("%-*s  %-16s  %7s  %9s  %6s  %.10s\n", (int)w,
               zx_json_str(m, "id"), g ? g : "-",
               count_cell(json_object_get(m, "params"), 1, p, sizeof(p)),
               count_cell(json_object_get(m, "downloads"), 0, d, sizeof(d)),
               count_cell(json_object_get(m, "likes"), 0, l, sizeof(l)),
               c ? c : "-");
    }
}

static int bad_value(struct zx_ctx *ctx, const char *opt, const char *what)
{
    fprintf(stderr, "zoodex list: %s takes %s\n", opt, what);
    return zx_usage(ctx);
}

int cmd_list(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"group", required_argument, NULL, 'g'},
        {"arch", required_argument, NULL, 'a'}, /* deprecated: --group */
        {"author", required_argument, NULL, 'u'},
        {"license", required_argument, NULL, 'L'},
        {"task", required_argument, NULL, 't'},
        {"model-type", required_argument, NULL, 'T'},
        {"architecture", required_argument, NULL, 'A'},
        {"min-params", required_argument, NULL, 'p'},
        {"max-params", required_argument, NULL, 'P'},
        {"min-downloads", required_argument, NULL, 'd'},
        {"min-likes", required_argument, NULL, 'l'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'U'},
        {"sort", required_argument, NULL, 'S'},
        {"reverse", no_argument, NULL, 'r'},
        {"limit", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    struct zx_list_filter f = {0};
    struct zx_index *ix = NULL;
    json_t *arr = NULL;
    long limit;
    int json = 0, ch, rc;

    while ((ch = getopt_long(argc, argv, "jg:a:u:L:t:T:A:p:P:d:l:s:U:S:rn:",
                             opts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            json = 1;
            break;
        case 'g':
        case 'a':
            /* signatures are stored in lowercase hex */
            for (char *c = optarg; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            f.group = optarg;
            break;
        case 'u':
            f.author = optarg;
            break;
        case 'L':
            f.license = optarg;
            break;
        case 't':
            f.task = optarg;
            break;
        case 'T':
            f.model_type = optarg;
            break;
        case 'A':
            f.architecture = optarg;
            break;
        case 'p':
        case 'P':
        case 'd':
        case 'l':
            if (zx_parse_count(optarg, ch == 'p'   ? &f.min_params
                                       : ch == 'P' ? &f.max_params
                                       : ch == 'd' ? &f.min_downloads
                                                   : &f.min_likes))
                return bad_value(ctx,
                                 ch == 'p'   ? "--min-params"
                                 : ch == 'P' ? "--max-params"
                                 : ch == 'd' ? "--min-downloads"
                                             : "--min-likes",
                                 "a count such as 5000, 10M or 1.5B");
            *(ch == 'p'   ? &f.has_min_params
              : ch == 'P' ? &f.has_max_params
              : ch == 'd' ? &f.has_min_downloads
                          : &f.has_min_likes) = 1;
            break;
        case 's':
        case 'U':
            if (!zx_parse_date(optarg))
                return bad_value(ctx, ch == 's' ? "--since" : "--until",
                                 "a date YYYY-MM-DD[THH:MM[:SS]][Z]");
            *(ch == 's' ? &f.since : &f.until) = optarg;
            break;
        case 'S':
            if (zx_list_sort_parse(optarg, &f.sort))
                return bad_value(ctx, "--sort",
                                 "id, downloads, likes, params, created or "
                                 "ingested");
            break;
        case 'r':
            f.reverse = 1;
            break;
        case 'n':
            if (zx_parse_int(optarg, 1, 1000000000, &limit))
                return bad_value(ctx, "--limit", "a number from 1");
            f.limit = (size_t)limit;
            break;
        default:
            return zx_usage(ctx);
        }
    }
    ctx->json |= json;
    if (zx_operands(ctx, argc, argv, 0, 0, ""))
        return ZX_EXIT_USAGE;
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_query_list(ix, &f, &arr, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (json)
        zx_print_json(arr);
    else
        print_table(arr);
    json_decref(arr);
    return ZX_EXIT_OK;
}
