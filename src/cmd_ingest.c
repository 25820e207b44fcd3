/* cmd_ingest.c - `zoodex ingest`: index model folders, files and trees,
 * Hub models and zoo archives.
 *
 * Every model is committed in its own store transaction; vector files are
 * rewritten every FLUSH_EVERY models and at the end.  A model whose files
 * are bad is reported and skipped; an index error stops the run.  Zoo
 * archives (ingest/zoo.h) are read and checked whole before the index
 * is opened, so a refused archive leaves the index as it was; their models
 * are then staged and indexed one at a time.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
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
#include "zoo.h"
#include "zx_log.h"
#include "zx_mem.h"

#define FLUSH_EVERY 500

struct found {
    char **paths;
    char *hub;          /* 1 where paths[i] names a Hub model */
    struct zx_zoo **za; /* the checked archive where paths[i] is one */
    size_t n, cap;
};

/* The counts and state of one run, shared with the archive callback. */
struct run {
    struct zx_ctx *ctx;
    struct zx_index *ix;
    struct zx_progress prog;
    const char *arg; /* the archive being ingested, as given */
    struct zx_zoo *za;
    json_t *failures;
    size_t done, n_new, n_upd, n_same, n_bad;
    int force, since;
};

static int found_cb(const char *path, void *arg)
{
    struct found *f = arg;

    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->paths = xreallocarray(f->paths, f->cap, sizeof(*f->paths));
        f->hub = xreallocarray(f->hub, f->cap, sizeof(*f->hub));
        f->za = xreallocarray(f->za, f->cap, sizeof(*f->za));
    }
    f->hub[f->n] = 0;
    f->za[f->n] = NULL;
    f->paths[f->n++] = xstrdup(path);
    return 0;
}

/* Count one model's outcome; an error of the index itself (rc with !bad)
 * is returned for the caller to stop on, with ctx->err filled. */
static int record(struct run *r, const char *shown, int rc, int bad,
                  enum zx_add_result res)
{
    struct zx_ctx *ctx = r->ctx;

    r->done++;
    if (rc && !bad)
        return rc;
    if (rc) {
        zx_progress_end(&r->prog);
        fprintf(stderr, "zoodex ingest: %s\n",
                ctx->err.msg[0] ? ctx->err.msg : zx_strerror(rc));
        json_array_append_new(r->failures, json_pack("{s:s,s:s}", "path", shown,
                                                     "error", ctx->err.msg));
        r->n_bad++;
        return ZX_OK;
    }
    if (res == ZX_ADD_NEW)
        r->n_new++;
    else if (res == ZX_ADD_UPDATED)
        r->n_upd++;
    else
        r->n_same++;
    if (res != ZX_ADD_UNCHANGED && ++r->since >= FLUSH_EVERY) {
        r->since = 0;
        return zx_index_flush(r->ix, 0, NULL, &ctx->err);
    }
    return ZX_OK;
}

/* zx_zoo_ingest()'s callback: index one staged model. */
static int archive_model(void *arg, size_t i, struct zx_model_src *src,
                         const struct zx_error *merr)
{
    struct run *r = arg;
    enum zx_add_result res = ZX_ADD_UNCHANGED;
    char *shown = xasprintf("%s!/%s", r->arg, zx_zoo_model(r->za, i));
    int rc, bad = 1;

    zx_progress_update(&r->prog, r->done, shown);
    memset(&r->ctx->err, 0, sizeof(r->ctx->err));
    if (!src) {
        r->ctx->err = *merr;
        rc = merr->code ? merr->code : ZX_EFORMAT;
    } else {
        rc = zx_index_add(r->ix, src, r->force, &res, &bad, &r->ctx->err);
        if (rc)
            zx_zoo_explain(r->za, &r->ctx->err);
    }
    rc = record(r, shown, rc, bad, res);
    free(shown);
    return rc;
}

/* Pass-1 progress: entries checked so far. */
static void archive_progress(void *arg, uint64_t entries, uint64_t bytes,
                             const char *entry)
{
    struct zx_progress *p = arg;

    (void)bytes;
    zx_progress_update(p, entries, entry);
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
    struct zx_hub *hub = NULL;
    struct zx_zoo_opts ao;
    struct found f = {0};
    struct run r = {0};
    const char *id = NULL, *org = NULL;
    size_t i, total = 0;
    int json = 0, ch, rc = ZX_OK, status = ZX_EXIT_OK;
    double t0 = zx_now();
    long v;

    r.ctx = ctx;
    r.failures = json_array();
    zx_zoo_default_opts(&ao);
    while ((ch = getopt_long(argc, argv, "b:e:fi:jo:", opts, NULL)) != -1) {
        switch (ch) {
        case 'b':
            if (zx_parse_size(optarg, &ao.lim.max_total_bytes) ||
                ao.lim.max_total_bytes == 0) {
                zx_fail(&ctx->err, ZX_EUSAGE,
                        "--max-bytes wants a size "
                        "such as 512M or 2G, not '%s'",
                        optarg);
                status = zx_report(ctx, ZX_EUSAGE);
                goto out;
            }
            if (ao.lim.max_entry_bytes > ao.lim.max_total_bytes)
                ao.lim.max_entry_bytes = ao.lim.max_total_bytes;
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
            ao.lim.max_entries = (uint64_t)v;
            break;
        case 'f':
            r.force = 1;
            break;
        case 'i':
            id = optarg;
            break;
        case 'o':
            org = optarg;
            if (!*org || strchr(org, '/') || !zx_valid_model_id(org)) {
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
    if (id && !zx_valid_model_id(id)) {
        zx_fail(&ctx->err, ZX_EUSAGE,
                "'%s' is not a valid model id (want "
                "org/name)",
                id);
        status = zx_report(ctx, ZX_EUSAGE);
        goto out;
    }
    for (i = (size_t)optind; i < (size_t)argc; i++) {
        struct stat st;
        int have = stat(argv[i], &st) == 0;

        /* Not on disk but shaped like org/name[@rev]: a Hub model. */
        if (!have && zx_crawl_is_hub_spec(argv[i])) {
            found_cb(argv[i], &f);
            f.hub[f.n - 1] = 1;
            total++;
            continue;
        }
        /* A zoo archive: checked whole now, before the index is opened. */
        if (have && S_ISREG(st.st_mode) && zx_zoo_is_archive_name(argv[i])) {
            struct zx_progress p;

            if (!ao.stop) {
                zx_catch_signals();
                ao.stop = &zx_interrupted;
            }
            zx_progress_init(&p, "checking", 0);
            ao.progress = archive_progress;
            ao.arg = &p;
            found_cb(argv[i], &f);
            rc = zx_zoo_open(argv[i], &ao, &f.za[f.n - 1], &ctx->err);
            zx_progress_end(&p);
            ao.progress = NULL;
            ao.arg = NULL;
            if (rc) {
                if (zx_interrupted) {
                    zx_fail(&ctx->err, ZX_EIO, "interrupted");
                    status = zx_report_status(ctx, ZX_EXIT_INTERRUPTED);
                } else {
                    status = zx_report(ctx, rc == ZX_ENOTFOUND ? ZX_EIO : rc);
                }
                goto out;
            }
            total += zx_zoo_n_models(f.za[f.n - 1]);
            continue;
        }
        {
            size_t before = f.n;

            rc = zx_model_scan(argv[i], found_cb, &f, &ctx->err);
            total += f.n - before;
        }
        if (rc) {
            /* A missing input is an error, not "model not indexed". */
            status = zx_report(ctx, rc == ZX_ENOTFOUND ? ZX_EIO : rc);
            goto out;
        }
    }
    if (id && total != 1) {
        rc = zx_fail(&ctx->err, ZX_EUSAGE,
                     "--id needs exactly one model, "
                     "found %zu",
                     total);
        status = zx_report(ctx, rc);
        goto out;
    }
    for (i = 0; i < f.n; i++) {
        if (f.hub[i] && id) {
            rc = zx_fail(&ctx->err, ZX_EUSAGE,
                         "--id cannot rename a Hub "
                         "model ('%s' keeps its Hub id)",
                         f.paths[i]);
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
    if (total == 0) { /* nothing to do: do not create an index for it */
        if (json)
            printf("{\n  \"found\": 0\n}\n");
        else
            printf("0 models found\n");
        goto out;
    }
    rc = zx_index_open(ctx->db, ZX_INDEX_WRITE, &r.ix, &ctx->err);
    if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    }
    zx_catch_signals();
    zx_progress_init(&r.prog, "ingest", total);
    for (i = 0; i < f.n && !zx_interrupted; i++) {
        struct zx_model_src *src = NULL;
        enum zx_add_result res = ZX_ADD_UNCHANGED;
        int bad = 1;

        memset(&ctx->err, 0, sizeof(ctx->err));
        if (f.za[i]) {
            r.arg = f.paths[i];
            r.za = f.za[i];
            rc = zx_zoo_ingest(f.za[i], id, archive_model, &r, &ctx->err);
            zx_zoo_close(f.za[i]); /* its staging folder goes now */
            f.za[i] = NULL;
            if (rc) {
                zx_progress_end(&r.prog);
                status = zx_report(ctx, rc);
                goto out;
            }
            continue;
        }
        zx_progress_update(&r.prog, r.done, f.paths[i]);
        if (f.hub[i]) {
            rc = zx_crawl_ingest_one(r.ix, hub, f.paths[i], r.force, &res, &bad,
                                     &ctx->err);
            if (rc == ZX_ENET && total == 1) {
                zx_progress_end(&r.prog);
                status = zx_report_status(ctx, ZX_EXIT_UNREACHABLE);
                goto out;
            }
        } else {
            rc = zx_model_src_open_as(f.paths[i], id, org, &src, &ctx->err);
            if (!rc)
                rc = zx_index_add(r.ix, src, r.force, &res, &bad, &ctx->err);
        }
        zx_model_src_free(src);
        rc = record(&r, f.paths[i], rc, bad, res);
        if (rc) {
            zx_progress_end(&r.prog);
            status = zx_report(ctx, rc);
            goto out;
        }
    }
    zx_progress_end(&r.prog);
    /* Always bring vector files up to date, also after an interrupt. */
    rc = zx_index_flush(r.ix, 0, NULL, &ctx->err);
    if (rc) {
        status = zx_report(ctx, rc);
        goto out;
    }
    if (json) {
        json_t *o = json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:O,s:f,s:b}", "found", (json_int_t)total,
            "new", (json_int_t)r.n_new, "updated", (json_int_t)r.n_upd,
            "unchanged", (json_int_t)r.n_same, "failed", (json_int_t)r.n_bad,
            "failures", r.failures, "elapsed", zx_now() - t0, "interrupted",
            zx_interrupted != 0);

        zx_print_json(o);
        json_decref(o);
    } else {
        printf("%zu %s: %zu new, %zu updated, %zu unchanged, %zu "
               "failed%s\n",
               total, zx_plural(total, "model", "models"), r.n_new, r.n_upd,
               r.n_same, r.n_bad, zx_interrupted ? " (interrupted)" : "");
    }
    if (zx_interrupted)
        status = ZX_EXIT_INTERRUPTED;
    else if (r.n_bad && r.n_bad == total)
        status = ZX_EXIT_ERROR;
    else if (r.n_bad)
        status = ZX_EXIT_PARTIAL;
out:
    zx_index_close(r.ix);
    zx_hub_free(hub);
    for (i = 0; i < f.n; i++) {
        zx_zoo_close(f.za[i]);
        free(f.paths[i]);
    }
    free(f.paths);
    free(f.hub);
    free(f.za);
    json_decref(r.failures);
    return status;
}
