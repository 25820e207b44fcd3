/* batch.c - ingest a batch of inputs (see batch.h): sort the inputs into
 * Hub models, zoo archives and folders, then index their models one store
 * transaction at a time, flushing the vector files now and then.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "crawl.h"
#include "hub.h"
#include "remote.h"
#include "model.h"
#include "zoo.h"
#include "zx_mem.h"

struct zx_batch {
    struct zx_batch_opts o;
    char **paths;
    char *hub;          /* 1 where paths[i] names a Hub model */
    struct zx_zoo **za; /* the checked archive where paths[i] is one */
    size_t n, cap;
    size_t total;
    struct zx_hub *client; /* when a path is a Hub model */
};

/* The state of one run, shared with the archive callback. */
struct run {
    struct zx_batch *b;
    struct zx_index *ix;
    struct zx_batch_report *rep;
    struct zx_error e; /* the current model's error, or the run's */
    const char *arg;   /* the archive being ingested, as given */
    struct zx_zoo *za;
    int since;   /* changed models since the last flush */
    int skipped; /* the current model is skipped (r->e says why) */
};

static void emit(const struct zx_batch *b, enum zx_batch_event_type type,
                 uint64_t n, const char *name, int rc)
{
    struct zx_batch_event ev = {type, n, name, rc, ZX_ADD_UNCHANGED, NULL, 0};

    if (b->o.event)
        b->o.event(b->o.arg, &ev);
}

static int stopped(const struct zx_batch *b)
{
    return b->o.stop && *b->o.stop;
}

static int found_cb(const char *path, void *arg)
{
    struct zx_batch *b = arg;

    ZX_GROW(b->n + 1, b->cap, b->paths, b->hub, b->za);
    b->hub[b->n] = 0;
    b->za[b->n] = NULL;
    b->paths[b->n++] = xstrdup(path);
    return 0;
}

/* Pass-1 progress: entries checked so far. */
static void archive_progress(void *arg, uint64_t entries, uint64_t bytes,
                             const char *entry)
{
    (void)bytes;
    emit(arg, ZX_BATCH_CHECK_ENTRY, entries, entry, ZX_OK);
}

void zx_batch_default_opts(struct zx_batch_opts *o)
{
    struct zx_zoo_opts zo;

    zx_zoo_default_opts(&zo);
    memset(o, 0, sizeof(*o));
    o->lim = zo.lim;
}

void zx_batch_free(struct zx_batch *b)
{
    size_t i;

    if (!b)
        return;
    zx_hub_free(b->client);
    for (i = 0; i < b->n; i++) {
        zx_zoo_close(b->za[i]);
        free(b->paths[i]);
    }
    free(b->paths);
    free(b->hub);
    free(b->za);
    free(b);
}

struct zx_hub *zx_batch_hub(struct zx_batch *b)
{
    return b->client;
}

size_t zx_batch_total(const struct zx_batch *b)
{
    return b->total;
}

/* Check one zoo archive whole and add it. */
static int add_archive(struct zx_batch *b, const char *path,
                       struct zx_error *err)
{
    struct zx_zoo_opts zo;
    int rc;

    zx_zoo_default_opts(&zo);
    zo.lim = b->o.lim;
    zo.stop = b->o.stop;
    zo.progress = archive_progress;
    zo.arg = b;
    emit(b, ZX_BATCH_CHECK_BEGIN, 0, path, ZX_OK);
    found_cb(path, b);
    rc = zx_zoo_open(path, &zo, &b->za[b->n - 1], err);
    emit(b, ZX_BATCH_CHECK_END, 0, path, rc);
    if (rc)
        return rc == ZX_ENOTFOUND ? ZX_EIO : rc;
    b->total += zx_zoo_n_models(b->za[b->n - 1]);
    return ZX_OK;
}

int zx_batch_new(char *const *args, size_t n, const struct zx_batch_opts *o,
                 struct zx_batch **out, struct zx_error *err)
{
    struct zx_batch *b = xcalloc(1, sizeof(*b));
    size_t i;
    int rc = ZX_OK;

    *out = NULL;
    b->o = *o;
    for (i = 0; i < n; i++) {
        struct stat st;
        int have = stat(args[i], &st) == 0;
        size_t before = b->n;

        /* Not on disk but shaped like org/name[@rev]: a Hub model. */
        if (!have && zx_crawl_is_hub_spec(args[i])) {
            found_cb(args[i], b);
            b->hub[b->n - 1] = 1;
            b->total++;
            continue;
        }
        /* A zoo archive: checked whole now, before the index is opened. */
        if (have && S_ISREG(st.st_mode) && zx_zoo_is_archive_name(args[i])) {
            rc = add_archive(b, args[i], err);
            if (rc)
                goto out;
            continue;
        }
        rc = zx_model_scan(args[i], found_cb, b, err);
        b->total += b->n - before;
        if (rc) {
            /* A missing input is an error, not "model not indexed". */
            rc = rc == ZX_ENOTFOUND ? ZX_EIO : rc;
            goto out;
        }
    }
    if (o->id && b->total != 1) {
        rc = zx_fail(err, ZX_EUSAGE,
                     "--id needs exactly one model, "
                     "found %zu",
                     b->total);
        goto out;
    }
    for (i = 0; i < b->n; i++) {
        if (b->hub[i] && o->id) {
            rc = zx_fail(err, ZX_EUSAGE,
                         "--id cannot rename a Hub "
                         "model ('%s' keeps its Hub id)",
                         b->paths[i]);
            goto out;
        }
        if (b->hub[i] && !b->client) { /* before the index: no empty index */
            struct zx_hub_opts ho;

            zx_hub_default_opts(&ho);
            rc = zx_hub_new(&ho, &b->client, err);
            zx_hub_opts_release(&ho);
            if (rc)
                goto out;
        }
    }
    /* Offline, one Hub model, not in the cache: say so before an index is
     * created for nothing. */
    if (b->client && zx_hub_offline(b->client) && b->total == 1 && b->n == 1 &&
        b->hub[0]) {
        const char *at = strchr(b->paths[0], '@');
        char *mid = at ? xstrndup(b->paths[0], (size_t)(at - b->paths[0]))
                       : xstrdup(b->paths[0]);
        char *dir = NULL, *commit = NULL;

        rc = zx_remote_from_cache(mid, at ? at + 1 : NULL, &dir, &commit, err);
        free(mid);
        free(dir);
        free(commit);
        if (rc)
            goto out;
    }
    *out = b;
    b = NULL;
out:
    zx_batch_free(b);
    return rc;
}

/* Count one model's outcome; an error of the index itself (rc with !bad)
 * is returned for the caller to stop on, with r->e filled, and so is a
 * full file system (the next models would fail the same way). */
static int record(struct run *r, const char *shown, int rc, int bad,
                  enum zx_add_result res)
{
    struct zx_batch_report *rep = r->rep;

    rep->done++;
    if (rc == ZX_OK && r->skipped) { /* an older snapshot (model.h) */
        r->skipped = 0;
        rep->n_skipped++;
        if (r->b->o.event) {
            struct zx_batch_event ev = {
                ZX_BATCH_RESULT, rep->done, shown, ZX_OK, res, &r->e, 1};

            r->b->o.event(r->b->o.arg, &ev);
        }
        return ZX_OK;
    }
    if (rc && (!bad || rc == ZX_ENOSPACE))
        return rc;
    if (r->b->o.event) {
        struct zx_batch_event ev = {
            ZX_BATCH_RESULT, rep->done, shown, rc, res, rc ? &r->e : NULL, 0};

        r->b->o.event(r->b->o.arg, &ev);
    }
    if (rc) {
        rep->n_failed++;
        return ZX_OK;
    }
    if (res == ZX_ADD_NEW)
        rep->n_new++;
    else if (res == ZX_ADD_UPDATED)
        rep->n_updated++;
    else
        rep->n_unchanged++;
    if (res != ZX_ADD_UNCHANGED && ++r->since >= ZX_BATCH_FLUSH_EVERY) {
        r->since = 0;
        return zx_index_flush(r->ix, 0, NULL, &r->e);
    }
    return ZX_OK;
}

/* Whether `src` gets its id: an older snapshot of a Hugging Face cache
 * (model.h's zx_model_older_snapshot(), ids derived from the path only) is
 * skipped (r->skipped, with the note in r->e); a model whose id another
 * model on disk holds is refused (zx_model_id_taken()): *bad stays 1 for
 * that, 0 for a store error; a copy of the record's Hub revision sets
 * *copy (nothing to read or write). */
static int id_free(struct run *r, const struct zx_model_src *src, int *bad,
                   int *copy)
{
    struct zx_txn *txn = NULL;
    json_t *old = NULL;
    int rc;

    *copy = 0;
    if (!r->b->o.id && zx_model_older_snapshot(src, &r->e)) {
        r->skipped = 1;
        return ZX_OK;
    }
    rc = zx_txn_begin(zx_index_store(r->ix), 0, &txn, &r->e);
    if (!rc)
        rc = zx_store_get_model(txn, src->id, &old, &r->e);
    zx_txn_abort(txn);
    if (rc == ZX_ENOTFOUND)
        return ZX_OK;
    *bad = rc == ZX_OK;
    if (!rc)
        rc = zx_model_id_taken(src, zx_json_str(old, ZX_REC_SOURCE),
                               zx_json_str(old, ZX_REC_WEIGHTS),
                               zx_json_str(old, ZX_REC_REVISION), copy, &r->e);
    json_decref(old);
    return rc;
}

/* zx_zoo_ingest()'s callback: index one staged model. */
static int archive_model(void *arg, size_t i, struct zx_model_src *src,
                         const struct zx_error *merr)
{
    struct run *r = arg;
    enum zx_add_result res = ZX_ADD_UNCHANGED;
    char *shown = xasprintf("%s!/%s", r->arg, zx_zoo_model(r->za, i));
    int rc, bad = 1, copy = 0;

    emit(r->b, ZX_BATCH_MODEL, r->rep->done, shown, ZX_OK);
    memset(&r->e, 0, sizeof(r->e));
    if (!src) {
        r->e = *merr;
        rc = merr->code ? merr->code : ZX_EFORMAT;
    } else {
        rc = id_free(r, src, &bad, &copy);
        if (!rc && !copy && !r->skipped)
            rc = zx_index_add(r->ix, src, r->b->o.force, &res, &bad, &r->e);
        if (rc)
            zx_zoo_explain(r->za, &r->e);
    }
    rc = record(r, shown, rc, bad, res);
    free(shown);
    return rc;
}

/* Index the batch's i-th input: a Hub model, a model on disk or all of an
 * archive's models. */
static int run_one(struct run *r, size_t i)
{
    struct zx_batch *b = r->b;
    struct zx_model_src *src = NULL;
    enum zx_add_result res = ZX_ADD_UNCHANGED;
    int rc, bad = 1, copy = 0;

    memset(&r->e, 0, sizeof(r->e));
    if (b->za[i]) {
        r->arg = b->paths[i];
        r->za = b->za[i];
        rc = zx_zoo_ingest(b->za[i], b->o.id, archive_model, r, &r->e);
        zx_zoo_close(b->za[i]); /* its staging folder goes now */
        b->za[i] = NULL;
        return rc;
    }
    emit(b, ZX_BATCH_MODEL, r->rep->done, b->paths[i], ZX_OK);
    if (b->hub[i]) {
        rc = zx_crawl_ingest_one(r->ix, b->client, b->paths[i], b->o.force,
                                 &res, &bad, &r->e);
        if ((rc == ZX_ENET || rc == ZX_EOFFLINE) && b->total == 1) {
            r->rep->unreachable = 1;
            return rc;
        }
    } else {
        rc = zx_model_src_open_as(b->paths[i], b->o.id, b->o.org, &src, &r->e);
        if (!rc)
            rc = id_free(r, src, &bad, &copy);
        if (!rc && !copy && !r->skipped)
            rc = zx_index_add(r->ix, src, b->o.force, &res, &bad, &r->e);
    }
    zx_model_src_free(src);
    return record(r, b->paths[i], rc, bad, res);
}

int zx_batch_run(struct zx_batch *b, const char *db,
                 struct zx_batch_report *rep, struct zx_error *err)
{
    struct run r;
    size_t i;
    int rc;

    memset(rep, 0, sizeof(*rep));
    memset(&r, 0, sizeof(r));
    r.b = b;
    r.rep = rep;
    rep->found = b->total;
    rc = zx_index_open(db, ZX_INDEX_WRITE, &r.ix, &r.e);
    if (rc)
        goto out;
    emit(b, ZX_BATCH_RUN_BEGIN, b->total, NULL, ZX_OK);
    for (i = 0; i < b->n && !stopped(b); i++) {
        rc = run_one(&r, i);
        if (rc)
            break;
    }
    emit(b, ZX_BATCH_RUN_END, rep->done, NULL, rc);
    if (rc)
        goto out;
    /* Always bring vector files up to date, also after a stop. */
    rc = zx_index_flush(r.ix, 0, NULL, &r.e);
    rep->interrupted = stopped(b);
out:
    if (rc && err)
        *err = r.e;
    zx_index_close(r.ix);
    return rc;
}
