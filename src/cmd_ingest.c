/* cmd_ingest.c - `zoodex ingest`: index model folders, files and trees.
 *
 * Every model is committed in its own store transaction; vector files are
 * rewritten every FLUSH_EVERY models and at the end.  A model whose files
 * are bad is reported and skipped; an index error stops the run.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "crawl.h"
#include "hub.h"
#include "index.h"
#include "model.h"
#include "zx_log.h"
#include "zx_mem.h"

#define FLUSH_EVERY 500

struct found {
    char **paths;
    char *hub;       /* 1 where paths[i] names a Hub model */
    size_t n, cap;
};

static int found_cb(const char *path, void *arg)
{
    struct found *f = arg;

    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->paths = xreallocarray(f->paths, f->cap, sizeof(*f->paths));
        f->hub = xreallocarray(f->hub, f->cap, sizeof(*f->hub));
    }
    f->hub[f->n] = 0;
    f->paths[f->n++] = xstrdup(path);
    return 0;
}

int cmd_ingest(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"id", required_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    struct zx_hub *hub = NULL;
    struct zx_progress prog;
    struct found f = {0};
    const char *id = NULL;
    size_t i, n_new = 0, n_upd = 0, n_same = 0, n_bad = 0;
    json_t *failures = json_array();
    int force = 0, json = 0, ch, rc = ZX_OK, status = ZX_EXIT_OK, since = 0;
    double t0 = zx_now();

    while ((ch = getopt_long(argc, argv, "fi:j", opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            force = 1;
            break;
        case 'i':
            id = optarg;
            break;
        case 'j':
            json = 1;
            break;
        default:
            json_decref(failures);
            return zx_usage(ctx);
        }
    }
    if (optind >= argc) {
        json_decref(failures);
        return zx_usage(ctx);
    }
    if (id && !zx_valid_model_id(id)) {
        json_decref(failures);
        zx_fail(&ctx->err, ZX_EUSAGE, "'%s' is not a valid model id (want "
                "org/name)", id);
        return zx_report(ctx, ZX_EUSAGE);
    }
    for (i = (size_t)optind; i < (size_t)argc; i++) {
        struct stat st;

        /* Not on disk but shaped like org/name[@rev]: a Hub model. */
        if (stat(argv[i], &st) != 0 && zx_crawl_is_hub_spec(argv[i])) {
            found_cb(argv[i], &f);
            f.hub[f.n - 1] = 1;
            continue;
        }
        rc = zx_model_scan(argv[i], found_cb, &f, &ctx->err);
        if (rc) {
            /* A missing input is an error, not "model not indexed". */
            status = zx_report(ctx, rc == ZX_ENOTFOUND ? ZX_EIO : rc);
            goto out;
        }
    }
    if (id && f.n != 1) {
        rc = zx_fail(&ctx->err, ZX_EUSAGE, "--id needs exactly one model, "
                     "found %zu", f.n);
        status = zx_report(ctx, rc);
        goto out;
    }
    for (i = 0; i < f.n; i++) {
        if (f.hub[i] && id) {
            rc = zx_fail(&ctx->err, ZX_EUSAGE, "--id cannot rename a Hub "
                         "model ('%s' keeps its Hub id)", f.paths[i]);
            status = zx_report(ctx, rc);
            goto out;
        }
        if (f.hub[i] && !hub) { /* before the index: no empty index */
            struct zx_hub_opts ho;

            zx_hub_default_opts(&ho);
            rc = zx_hub_new(&ho, &hub, &ctx->err);
            zx_hub_opts_release(&ho);
            if (rc) {
                status = zx_report(ctx, rc);
                goto out;
            }
        }
    }
    if (f.n == 0) { /* nothing to do: do not create an index for it */
        if (json)
            printf("{\n  \"found\": 0\n}\n");
        else
            printf("0 models found\n");
        goto out;
    }
    rc = zx_index_open(ctx->db, ZX_INDEX_WRITE, &ix, &ctx->err);
    if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    }
    zx_catch_signals();
    zx_progress_init(&prog, "ingest", f.n);
    for (i = 0; i < f.n && !zx_interrupted; i++) {
        struct zx_model_src *src = NULL;
        enum zx_add_result res;
        int bad = 1;

        zx_progress_update(&prog, i, f.paths[i]);
        memset(&ctx->err, 0, sizeof(ctx->err));
        if (f.hub[i]) {
            rc = zx_crawl_ingest_one(ix, hub, f.paths[i], force, &res, &bad,
                                     &ctx->err);
            if (rc == ZX_ENET && f.n == 1) {
                zx_progress_end(&prog);
                fprintf(stderr, "zoodex ingest: %s\n", ctx->err.msg);
                status = ZX_EXIT_UNREACHABLE;
                goto out;
            }
        } else {
            rc = zx_model_src_open(f.paths[i], id, &src, &ctx->err);
            if (!rc)
                rc = zx_index_add(ix, src, force, &res, &bad, &ctx->err);
        }
        zx_model_src_free(src);
        if (rc && !bad) {
            zx_progress_end(&prog);
            status = zx_report(ctx, rc);
            goto out;
        }
        if (rc) {
            zx_progress_end(&prog);
            fprintf(stderr, "zoodex ingest: %s\n", ctx->err.msg[0]
                                                       ? ctx->err.msg
                                                       : zx_strerror(rc));
            json_array_append_new(failures,
                                  json_pack("{s:s,s:s}", "path", f.paths[i],
                                            "error", ctx->err.msg));
            n_bad++;
            continue;
        }
        if (res == ZX_ADD_NEW)
            n_new++;
        else if (res == ZX_ADD_UPDATED)
            n_upd++;
        else
            n_same++;
        if (res != ZX_ADD_UNCHANGED && ++since >= FLUSH_EVERY) {
            since = 0;
            rc = zx_index_flush(ix, 0, NULL, &ctx->err);
            if (rc) {
                zx_progress_end(&prog);
                status = zx_report(ctx, rc);
                goto out;
            }
        }
    }
    zx_progress_end(&prog);
    /* Always bring vector files up to date, also after an interrupt. */
    rc = zx_index_flush(ix, 0, NULL, &ctx->err);
    if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    }
    if (json) {
        json_t *r = json_pack("{s:I,s:I,s:I,s:I,s:I,s:O,s:f,s:b}", "found",
                              (json_int_t)f.n, "new", (json_int_t)n_new,
                              "updated", (json_int_t)n_upd, "unchanged",
                              (json_int_t)n_same, "failed",
                              (json_int_t)n_bad, "failures", failures,
                              "elapsed", zx_now() - t0, "interrupted",
                              zx_interrupted != 0);

        zx_print_json(r);
        json_decref(r);
    } else {
        printf("%zu models: %zu new, %zu updated, %zu unchanged, %zu "
               "failed%s\n", f.n, n_new, n_upd, n_same, n_bad,
               zx_interrupted ? " (interrupted)" : "");
    }
    if (zx_interrupted)
        status = ZX_EXIT_INTERRUPTED;
    else if (n_bad && n_bad == f.n)
        status = ZX_EXIT_ERROR;
    else if (n_bad)
        status = ZX_EXIT_PARTIAL;
out:
    zx_index_close(ix);
    zx_hub_free(hub);
    for (i = 0; i < f.n; i++)
        free(f.paths[i]);
    free(f.paths);
    free(f.hub);
    json_decref(failures);
    return status;
}
