/* cmd_ingest.c - `zoodex ingest`: index model folders, files and trees,
 * Hub models and zoo archives.
 *
 * The work is index/batch.h's: this file parses the options, draws the
 * progress the batch reports, prints each model that failed and the
 * totals.  A model whose files are bad is reported and skipped; an index
 * error stops the run.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cmd.h"
#include "hub.h"
#include "model.h"
#include "zx_log.h"

/* What the batch's events need on the CLI side. */
struct show {
    struct zx_progress check; /* an archive's check */
    struct zx_progress prog;  /* the models */
    json_t *failures;
    int check_interrupted; /* an archive's check failed on a signal */
    int net;               /* a Hub model is in the batch */
};

/* The batch's events: progress on stderr, and each failed model. */
static void on_event(void *arg, const struct zx_batch_event *ev)
{
    struct show *sh = arg;

    switch (ev->type) {
    case ZX_BATCH_CHECK_BEGIN:
        zx_catch_signals();
        zx_progress_init(&sh->check, "checking", 0);
        sh->check.unit = "entries";
        break;
    case ZX_BATCH_CHECK_ENTRY:
        zx_progress_update(&sh->check, ev->n, ev->name);
        break;
    case ZX_BATCH_CHECK_END:
        zx_progress_end(&sh->check);
        if (ev->rc && zx_interrupted)
            sh->check_interrupted = 1;
        break;
    case ZX_BATCH_RUN_BEGIN:
        zx_catch_signals();
        zx_progress_init(&sh->prog, "ingest", ev->n);
        sh->prog.net = sh->net;
        break;
    case ZX_BATCH_MODEL:
        zx_progress_update(&sh->prog, ev->n, ev->name);
        break;
    case ZX_BATCH_RESULT:
        if (!ev->rc && ev->skipped) { /* a note, not a failure */
            zx_progress_end(&sh->prog);
            fprintf(stderr, "zoodex ingest: %s\n", ev->err->msg);
            break;
        }
        if (!ev->rc)
            break;
        zx_progress_end(&sh->prog);
        fprintf(stderr, "zoodex ingest: %s\n",
                ev->err->msg[0] ? ev->err->msg : zx_strerror(ev->rc));
        json_array_append_new(
            sh->failures,
            json_pack("{s:s,s:s}", "path", ev->name, "error", ev->err->msg));
        break;
    case ZX_BATCH_RUN_END:
        zx_progress_end(&sh->prog);
        break;
    }
}

/* The models a run that stopped early did not index or count as failed. */
static size_t not_indexed(const struct zx_batch_report *rep)
{
    size_t n = rep->n_new + rep->n_updated + rep->n_unchanged + rep->n_failed +
               rep->n_skipped;

    return rep->found > n ? rep->found - n : 0;
}

int cmd_ingest(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"id", required_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'j'},
        {"max-bytes", required_argument, NULL, 'b'},
        {"max-entries", required_argument, NULL, 'e'},
        {"org", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct zx_batch_opts bo;
    struct zx_batch *b = NULL;
    struct zx_batch_report rep;
    struct show sh;
    struct zx_hub *hub = NULL;
    size_t total;
    int json = 0, ch, rc = ZX_OK, status = ZX_EXIT_OK;
    double t0 = zx_now();
    long v;

    memset(&sh, 0, sizeof(sh));
    sh.failures = json_array();
    zx_batch_default_opts(&bo);
    bo.stop = &zx_interrupted;
    bo.event = on_event;
    bo.arg = &sh;
    while ((ch = getopt_long(argc, argv, "b:e:fi:jo:", opts, NULL)) != -1) {
        switch (ch) {
        case 'b':
            if (zx_parse_size(optarg, &bo.lim.max_total_bytes) ||
                bo.lim.max_total_bytes == 0) {
                zx_fail(&ctx->err, ZX_EUSAGE,
                        "--max-bytes wants a size "
                        "such as 512M or 2G, not '%s'",
                        optarg);
                status = zx_report(ctx, ZX_EUSAGE);
                goto out;
            }
            if (bo.lim.max_entry_bytes > bo.lim.max_total_bytes)
                bo.lim.max_entry_bytes = bo.lim.max_total_bytes;
            break;
        case 'e':
            if (zx_parse_int(optarg, 1, 1000000000, &v)) {
                zx_fail(&ctx->err, ZX_EUSAGE,
                        "--max-entries wants a number "
                        "from 1 to 1000000000, not '%s'",
                        optarg);
                status = zx_report(ctx, ZX_EUSAGE);
                goto out;
            }
            bo.lim.max_entries = (uint64_t)v;
            break;
        case 'f':
            bo.force = 1;
            break;
        case 'i':
            bo.id = optarg;
            break;
        case 'o':
            bo.org = optarg;
            if (!*optarg || strchr(optarg, '/') || !zx_valid_model_id(optarg)) {
                status = zx_usage_msg(ctx,
                                      "--org wants an organisation name "
                                      "of letters, digits, '.', '_' and "
                                      "'-', not '%s'",
                                      optarg);
                goto out;
            }
            break;
        case 'j':
            json = 1;
            break;
        default:
            status = zx_usage(ctx);
            goto out;
        }
    }
    ctx->json |= json;
    status = zx_operands(ctx, argc, argv, 1, -1, "a path or org/name");
    if (status)
        goto out;
    if (bo.id && !zx_valid_model_id(bo.id)) {
        zx_fail(&ctx->err, ZX_EUSAGE,
                "'%s' is not a valid model id (want "
                "org/name)",
                bo.id);
        status = zx_report(ctx, ZX_EUSAGE);
        goto out;
    }
    rc = zx_batch_new(argv + optind, (size_t)(argc - optind), &bo, &b,
                      &ctx->err);
    if (rc) {
        if (sh.check_interrupted) {
            zx_fail(&ctx->err, ZX_EIO, "interrupted");
            status = zx_report_status(ctx, ZX_EXIT_INTERRUPTED);
        } else {
            status = zx_report(ctx, rc);
        }
        goto out;
    }
    total = zx_batch_total(b);
    hub = zx_batch_hub(b);
    if (hub) {
        sh.net = 1;
        zx_cli_watch_hub(hub, ctx->name, &sh.prog, 1);
    }
    if (total == 0) { /* nothing to do: do not create an index for it */
        if (json)
            printf("{\n  \"found\": 0\n}\n");
        else
            printf("0 models found\n");
        goto out;
    }
    rc = zx_batch_run(b, ctx->db, &rep, &ctx->err);
    if (rc && rep.unreachable) {
        status = zx_report_status(ctx, rc == ZX_ENET ? ZX_EXIT_UNREACHABLE
                                                     : zx_exit_for(rc));
        goto out;
    }
    /* No space left, or the store reached its map size: say so, then what
     * was committed before (below). */
    if (rc == ZX_ENOSPACE) {
        status = ZX_EXIT_NOSPACE;
        fprintf(stderr,
                "zoodex ingest: %s (the models committed before stay "
                "indexed: %s)\n",
                ctx->err.msg,
                ctx->err.map_full ? "run the command again with a larger "
                                    "ZOODEX_MAP_SIZE"
                                  : "free some space and run the command "
                                    "again");
    } else if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    }
    if (json) {
        json_t *o = json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:O,s:f,s:b}", "found", (json_int_t)total,
            "new", (json_int_t)rep.n_new, "updated", (json_int_t)rep.n_updated,
            "unchanged", (json_int_t)rep.n_unchanged, "failed",
            (json_int_t)rep.n_failed, "failures", sh.failures, "elapsed",
            zx_now() - t0, "interrupted", rep.interrupted);

        json_object_set_new(o, "skipped",
                            json_integer((json_int_t)rep.n_skipped));

        if (hub) {
            json_object_set_new(
                o, "bytes", json_integer((json_int_t)zx_hub_stats(hub)->bytes));
            json_object_set_new(
                o, "requests",
                json_integer((json_int_t)zx_hub_stats(hub)->requests));
        }
        if (rc) {
            json_object_set_new(o, "not_indexed",
                                json_integer((json_int_t)not_indexed(&rep)));
            json_object_set_new(o, "error", json_string(ctx->err.msg));
            json_object_set_new(o, "exit", json_integer(status));
        }
        zx_print_json(o);
        json_decref(o);
    } else {
        printf("%zu %s: %zu new, %zu updated, %zu unchanged, %zu "
               "failed",
               total, zx_plural(total, "model", "models"), rep.n_new,
               rep.n_updated, rep.n_unchanged, rep.n_failed);
        if (rep.n_skipped)
            printf(", %zu skipped", rep.n_skipped);
        if (rc && not_indexed(&rep))
            printf(", %zu not indexed", not_indexed(&rep));
        if (hub) {
            const struct zx_hub_stats *hs = zx_hub_stats(hub);
            double secs = zx_now() - t0;
            char size[ZX_SIZE_LEN], rate[ZX_SIZE_LEN];

            printf("; %s from the Hub in %llu %s, %.1f s, %s/s",
                   zx_format_size(hs->bytes, size),
                   (unsigned long long)hs->requests,
                   zx_plural(hs->requests, "request", "requests"), secs,
                   zx_format_size(secs > 0
                                      ? (uint64_t)((double)hs->bytes / secs)
                                      : hs->bytes,
                                  rate));
        }
        printf("%s\n", rc && ctx->err.map_full
                           ? " (stopped: the index reached its map size)"
                       : rc              ? " (stopped: no space left on device)"
                       : rep.interrupted ? " (interrupted)"
                                         : "");
    }
    if (rc) {
        /* ZX_EXIT_NOSPACE, set above */
    } else if (rep.interrupted) {
        status = ZX_EXIT_INTERRUPTED;
    } else if (rep.n_failed && rep.n_failed == total) {
        status = ZX_EXIT_ERROR;
    } else if (rep.n_failed) {
        status = ZX_EXIT_PARTIAL;
    }
out:
    zx_batch_free(b);
    json_decref(sh.failures);
    return status;
}
