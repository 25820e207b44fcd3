/* cmd_crawl.c - `zoodex crawl`: bring the index up to date with the Hub.
 *
 * Exit statuses a cron job can act on: 0 success (also when nothing was
 * new; with --exit-code 7 then), 3 some models failed, 6 the Hub could not be
 * reached, 4 another zoodex process holds the index, 9 no space left on
 * device (the summary is printed), 130 interrupted (progress is kept).
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd.h"
#include "crawl.h"
#include "hub.h"
#include "index.h"
#include "zx_log.h"
#include "zx_mem.h"

/* Peak resident memory of this process, for the report. */
static json_int_t max_rss_kb(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return (json_int_t)ru.ru_maxrss;
}

static int valid_date(const char *s)
{
    /* YYYY-MM-DD, optionally followed by "T" and a time */
    static const char pat[] = "dddd-dd-dd";
    int i;

    for (i = 0; i < 10; i++) {
        if (pat[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != '-')
            return 0;
    }
    return s[10] == '\0' || s[10] == 'T';
}

/* zx_crawl()'s progress callback: models done of those listed so far. */
static void crawl_progress(void *arg, const struct zx_crawl_report *rep,
                           uint64_t listed, int final)
{
    struct zx_progress *p = arg;

    p->total = listed;
    p->more = !final;
    zx_progress_update(p,
                       rep->indexed_new + rep->updated + rep->unchanged +
                           rep->skipped + rep->failed,
                       NULL);
}

int cmd_crawl(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"author", required_argument, NULL, 'a'},
        {"filter", required_argument, NULL, 'f'},
        {"search", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 'S'},
        {"max-models", required_argument, NULL, 'n'},
        {"max-bytes", required_argument, NULL, 'b'},
        {"dry-run", no_argument, NULL, 'd'},
        {"parallel", required_argument, NULL, 'p'},
        {"rate", required_argument, NULL, 'r'},
        {"page-size", required_argument, NULL, 'P'},
        {"retries", required_argument, NULL, 'R'},
        {"json", no_argument, NULL, 'j'},
        {"exit-code", no_argument, NULL, 'e'},
        {NULL, 0, NULL, 0},
    };
    struct zx_crawl_opts o;
    struct zx_crawl_report rep;
    struct zx_hub_opts ho;
    struct zx_hub *hub = NULL;
    struct zx_index *ix = NULL;
    struct zx_progress prog;
    const char **filters = NULL;
    size_t nf = 0, fcap = 0;
    long v;
    int json = 0, exit_code = 0, ch, rc, status;

    zx_crawl_default_opts(&o);
    zx_hub_default_opts(&ho);
    memset(&rep, 0, sizeof(rep));
    while ((ch = getopt_long(argc, argv, "a:f:s:S:n:b:dep:r:P:R:j", opts,
                             NULL)) != -1) {
        const char *bad = NULL;

        switch (ch) {
        case 'a':
            o.author = optarg;
            break;
        case 'f':
            ZX_GROW(nf + 1, fcap, filters);
            filters[nf++] = optarg;
            break;
        case 's':
            o.search = optarg;
            break;
        case 'S':
            if (!valid_date(optarg))
                bad = "--since wants a date YYYY-MM-DD, optionally followed "
                      "by THH:MM:SS (UTC)";
            o.since = optarg;
            break;
        case 'n':
            if (zx_parse_int(optarg, 1, 1L << 40, &v))
                bad = "--max-models wants a whole number of at least 1";
            else
                o.max_models = v;
            break;
        case 'b':
            if (zx_parse_size(optarg, &o.max_bytes))
                bad = "--max-bytes wants a whole number with an optional k, "
                      "M, G or T suffix, such as 512M (0: no limit)";
            break;
        case 'd':
            o.dry_run = 1;
            break;
        case 'p':
            if (zx_parse_int(optarg, 1, 256, &v))
                bad = "--parallel wants a number from 1 to 256";
            else
                ho.max_parallel = (int)v;
            break;
        case 'r': {
            char *end;

            ho.max_rps = strtod(optarg, &end);
            if (end == optarg || *end || !(ho.max_rps >= 0) || ho.max_rps > 1e6)
                bad = "--rate wants requests per second, a number from 0 "
                      "(no limit) to 1000000";
            break;
        }
        case 'P':
            if (zx_parse_int(optarg, 1, 10000, &v))
                bad = "--page-size wants a number from 1 to 10000";
            else
                o.page_size = (int)v;
            break;
        case 'R':
            if (zx_parse_int(optarg, 0, 20, &v))
                bad = "--retries wants a number from 0 to 20";
            else
                ho.max_retries = (int)v;
            break;
        case 'j':
            json = 1;
            break;
        case 'e':
            exit_code = 1;
            break;
        default:
            goto usage;
        }
        if (bad) {
            zx_hub_opts_release(&ho);
            free(filters);
            return zx_usage_msg(ctx, "%s, not '%s'", bad, optarg);
        }
    }
    if (zx_operands(ctx, argc, argv, 0, 0, "")) {
        zx_hub_opts_release(&ho);
        free(filters);
        return ZX_EXIT_USAGE;
    }
    ctx->json |= json;
    o.filters = filters;
    o.n_filters = nf;
    o.batch = ho.max_parallel * 4;
    if (ho.offline) { /* before the index: no request, no empty index */
        rc =
            zx_fail(&ctx->err, ZX_EOFFLINE,
                    "offline: a crawl needs the Hub, and HF_HUB_OFFLINE is set "
                    "(models in the Hugging Face cache can be ingested: "
                    "zoodex ingest org/name)");
        status = zx_report(ctx, rc);
        goto out;
    }
    rc = zx_hub_new(&ho, &hub, &ctx->err);
    if (!rc)
        rc = zx_index_open(ctx->db, ZX_INDEX_WRITE, &ix, &ctx->err);
    if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    }
    zx_catch_signals();
    /* A crawl runs for hours; the vector-file rewrites allocate buffers as
     * large as a whole group.  A fixed mmap threshold gives those back to
     * the system when freed, instead of glibc keeping them in the heap
     * (measured: 8.5 -> 13 MiB of anonymous memory from 1,000 to 10,000
     * models without it, flat with it). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    zx_progress_init(&prog, "crawl", 0);
    prog.net = 1;
    o.progress = crawl_progress;
    o.progress_arg = &prog;
    zx_cli_watch_hub(hub, ctx->name, &prog, 0);
    rc = zx_crawl(ix, hub, &o, &zx_interrupted, &rep, &ctx->err);
    zx_progress_end(&prog);
    if (rc == ZX_ENET) {
        fprintf(stderr, "zoodex crawl: %s\n", ctx->err.msg);
        status = ZX_EXIT_UNREACHABLE;
    } else if (rc == ZX_EREFUSED) { /* the Hub refused our request */
        fprintf(stderr, "zoodex crawl: %s\n", ctx->err.msg);
        status = ZX_EXIT_ERROR;
        if (!json)
            goto out;
    } else if (rc == ZX_ENOSPACE) { /* then what was committed before */
        fprintf(stderr,
                "zoodex crawl: %s (the models committed before stay "
                "indexed: %s)\n",
                ctx->err.msg,
                ctx->err.map_full ? "run the crawl again with a larger "
                                    "ZOODEX_MAP_SIZE"
                                  : "free some space and run the crawl "
                                    "again");
        status = ZX_EXIT_NOSPACE;
    } else if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    } else if (rep.interrupted) {
        status = ZX_EXIT_INTERRUPTED;
    } else if (rep.failed) {
        status = ZX_EXIT_PARTIAL;
    } else if (rep.indexed_new + rep.updated == 0 && exit_code) {
        status = ZX_EXIT_NOTHING;
    } else {
        status = ZX_EXIT_OK;
    }
    if (json) {
        json_t *r = json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:b,s:b,"
            "s:b,s:b,s:b,s:O,s:O,s:i}",
            "seen", (json_int_t)rep.seen, "new", (json_int_t)rep.indexed_new,
            "updated", (json_int_t)rep.updated, "unchanged",
            (json_int_t)rep.unchanged, "merged", (json_int_t)rep.merged,
            "skipped", (json_int_t)rep.skipped, "failed",
            (json_int_t)rep.failed, "bytes", (json_int_t)rep.bytes, "requests",
            (json_int_t)rep.requests, "retries", (json_int_t)rep.retries,
            "pages", (json_int_t)rep.pages, "elapsed", rep.elapsed,
            "max_rss_kb", max_rss_kb(), "max_anon_kb",
            (json_int_t)rep.max_anon_kb, "complete", rep.complete,
            "reached_mark", rep.reached_mark, "interrupted", rep.interrupted,
            "limited", rep.limited, "dry_run", o.dry_run, "failures",
            rep.failures ? rep.failures : json_array(), "skips",
            rep.skips ? rep.skips : json_array(), "exit", status);

        if (rc) /* the summary of what was done before the Hub failed */
            json_object_set_new(r, "error", json_string(ctx->err.msg));
        zx_print_json(r);
        json_decref(r);
    } else {
        char size[ZX_SIZE_LEN], rate[ZX_SIZE_LEN], merged[64] = "";

        /* Hub metadata merged into full records (counted as unchanged) */
        if (rep.merged)
            snprintf(merged, sizeof(merged), "%llu merged into full records; ",
                     (unsigned long long)rep.merged);

        printf("crawl%s: %llu seen, %llu new, %llu updated, %llu unchanged, "
               "%llu skipped, %llu failed; %s%s in %llu %s "
               "(%llu %s), %.1f s, %s/s%s\n",
               o.dry_run ? " (dry run)" : "", (unsigned long long)rep.seen,
               (unsigned long long)rep.indexed_new,
               (unsigned long long)rep.updated,
               (unsigned long long)rep.unchanged,
               (unsigned long long)rep.skipped, (unsigned long long)rep.failed,
               merged, zx_format_size(rep.bytes, size),
               (unsigned long long)rep.requests,
               zx_plural(rep.requests, "request", "requests"),
               (unsigned long long)rep.retries,
               zx_plural(rep.retries, "retry", "retries"), rep.elapsed,
               zx_format_size(rep.elapsed > 0
                                  ? (uint64_t)((double)rep.bytes / rep.elapsed)
                                  : rep.bytes,
                              rate),
               rc == ZX_ENOSPACE && ctx->err.map_full
                   ? " (stopped: the index reached its map size)"
               : rc == ZX_ENOSPACE ? " (stopped: no space left on device)"
               : rep.interrupted   ? " (interrupted)"
               : rep.limited       ? " (stopped at a limit)"
                                   : "");
    }
    {
        json_t *f;
        size_t i;

        json_array_foreach(rep.failures, i, f)
        {
            fprintf(stderr, "zoodex crawl: %s: %s\n", zx_json_str(f, "model"),
                    zx_json_str(f, "error"));
        }
        /* A model the crawl does not overwrite: the user decides. */
        json_array_foreach(rep.skips, i, f)
        {
            if (zx_json_str(f, "path"))
                fprintf(stderr,
                        "zoodex crawl: %s: skipped: held by a local model "
                        "with other weights at %s (zoodex rm %s, or ingest "
                        "that folder with --id another id)\n",
                        zx_json_str(f, "model"), zx_json_str(f, "path"),
                        zx_json_str(f, "model"));
        }
    }
out:
    zx_crawl_report_release(&rep);
    zx_index_close(ix);
    zx_hub_free(hub);
    zx_hub_opts_release(&ho);
    free(filters);
    return status;
usage:
    zx_hub_opts_release(&ho);
    free(filters);
    return zx_usage(ctx);
}
