/* crawl.c - the nightly crawl: list, compare, fetch by Range, index.
 * SPDX-License-Identifier: MIT */
#include "crawl.h"

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "hfcache.h"
#include "remote.h"
#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_log.h"
#include "zx_mem.h"

#define FLUSH_SECONDS 60.0

#define LIST_FIELDS                                                            \
    "sha,lastModified,createdAt,tags,pipeline_tag,library_name,gated,"         \
    "private,downloads,likes,baseModels,siblings"

void zx_crawl_default_opts(struct zx_crawl_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->page_size = 1000;
    o->batch = 32;
}

void zx_crawl_report_release(struct zx_crawl_report *rep)
{
    json_decref(rep->failures);
    json_decref(rep->skips);
    rep->failures = rep->skips = NULL;
}

/* RssAnon of this process in KiB, or 0 when /proc does not say. */
static uint64_t anon_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t v = 0;

    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "RssAnon:", 8))
            v = strtoull(line + 8, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static void sample_memory(struct zx_crawl_report *rep)
{
    uint64_t a = anon_kb();

    if (a > rep->max_anon_kb)
        rep->max_anon_kb = a;
}

/* The first listing page's URL (owned) and the key of this query's mark. */
static char *list_url(const struct zx_crawl_opts *o, char **mark_key)
{
    struct zx_buf b = {0}, q = {0};
    const char *f = LIST_FIELDS, *c;
    char hex[65];
    size_t i;

    zx_buf_printf(&b, "/api/models?sort=lastModified&direction=-1&limit=%d",
                  o->page_size);
    while (*f) {
        c = strchr(f, ',');
        zx_buf_printf(&b, "&expand[]=%.*s", c ? (int)(c - f) : (int)strlen(f),
                      f);
        f = c ? c + 1 : f + strlen(f);
    }
    if (o->author) {
        char *e = zx_hub_escape(o->author);

        zx_buf_printf(&b, "&author=%s", e);
        zx_buf_printf(&q, "author=%s\n", o->author);
        free(e);
    }
    for (i = 0; i < o->n_filters; i++) {
        char *e = zx_hub_escape(o->filters[i]);

        zx_buf_printf(&b, "&filter=%s", e);
        zx_buf_printf(&q, "filter=%s\n", o->filters[i]);
        free(e);
    }
    if (o->search) {
        char *e = zx_hub_escape(o->search);

        zx_buf_printf(&b, "&search=%s", e);
        zx_buf_printf(&q, "search=%s\n", o->search);
        free(e);
    }
    zx_sha256_hex(zx_buf_cstr(&q), q.len, hex);
    *mark_key = xasprintf(ZX_STATE_CRAWL_MARK "%.16s", hex);
    zx_buf_release(&q);
    return zx_buf_detach(&b);
}

/* What the store already knows of a listed model. */
enum known { K_NEW, K_SAME, K_CHANGED, K_SKIPPED };

/* A skip recorded because a local model held the id (its "held" member:
 * the local record's weights digest) stands while that record is still
 * there, unchanged, and its source exists; other skips always stand. */
static int still_held(struct zx_txn *txn, json_t *sk)
{
    const char *held = zx_json_str(sk, "held"), *source, *digest;
    json_t *rec = NULL;
    int ok;

    if (!held)
        return 1;
    if (!zx_json_str(sk, "model") ||
        zx_store_get_model(txn, zx_json_str(sk, "model"), &rec, NULL))
        return 0;
    source = zx_json_str(rec, ZX_REC_SOURCE);
    digest = zx_json_str(rec, ZX_REC_WEIGHTS_DIGEST);
    ok = digest && !strcmp(digest, held) && source && source[0] == '/' &&
         (zx_is_dir(source) || zx_is_file(source));
    json_decref(rec);
    return ok;
}

static enum known classify(struct zx_txn *txn, const char *id,
                           const char *hub_id, const char *sha)
{
    json_t *rec = NULL, *sk = NULL;
    char *key, *prev = NULL, *skip = NULL;
    const char *look = id;
    enum known k = K_NEW;

    if (hub_id) {
        key = xasprintf(ZX_STATE_SKIP "%s", hub_id);
        if (zx_store_get_state(txn, key, &skip, NULL) == ZX_OK &&
            zx_json_parse(skip, strlen(skip), 1 << 16, "skip", &sk, NULL) ==
                ZX_OK &&
            sha && zx_json_str(sk, "sha") &&
            !strcmp(zx_json_str(sk, "sha"), sha) && still_held(txn, sk))
            k = K_SKIPPED;
        free(key);
        free(skip);
        json_decref(sk);
        if (k == K_SKIPPED)
            return k;
        key = xasprintf(ZX_STATE_HUBID "%s", hub_id);
        if (zx_store_get_state(txn, key, &prev, NULL) == ZX_OK)
            look = prev;
        free(key);
    }
    if (zx_store_get_model(txn, look, &rec, NULL) == ZX_OK) {
        const char *rev = zx_json_str(rec, ZX_REC_REVISION);

        k = rev && sha && !strcmp(rev, sha) && !strcmp(look, id) ? K_SAME
                                                                 : K_CHANGED;
    }
    json_decref(rec);
    free(prev);
    return k;
}

static int record_skip(struct zx_index *ix, struct zx_remote *m,
                       const char *reason, const char *held,
                       struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *v;
    char *key, *s;
    int rc;

    if (!m->hub_id)
        return ZX_OK;
    rc = zx_txn_begin(zx_index_store(ix), 1, &txn, err);
    if (rc)
        return rc;
    key = xasprintf(ZX_STATE_SKIP "%s", m->hub_id);
    v = json_pack("{s:s,s:s,s:s,s:s?}", "model", m->id, "reason", reason, "sha",
                  m->rev, "held", held);
    s = zx_json_dump(v);
    rc = zx_store_put_state(txn, key, s, err);
    if (!rc)
        rc = zx_txn_commit(txn, err);
    else
        zx_txn_abort(txn);
    free(key);
    free(s);
    json_decref(v);
    return rc;
}

/* When the index holds m in full, described from local files it knows
 * neither the commit nor the Hub's file digests of, and those files are
 * still as described (the record's stamp): their SHA-256, named as the
 * Hub names m's weight files ([{name, sha256}], owned), so that
 * zx_index_put() can tell exactly whether the Hub's files are those
 * weights.  NULL when that cannot be known.  This reads the local weights
 * once; the merge then records the commit, and later crawls skip the
 * model as unchanged. */
static json_t *local_files(struct zx_index *ix, struct zx_remote *m)
{
    struct zx_txn *txn = NULL;
    struct zx_model_src *src = NULL;
    json_t *old = NULL, *out = NULL;
    const char *source, *stamp, *rev;
    size_t i;

    if (!m->n_files || !m->file_sha256)
        return NULL;
    for (i = 0; i < m->n_files; i++)
        if (!m->file_sha256[i])
            return NULL;
    if (zx_txn_begin(zx_index_store(ix), 0, &txn, NULL))
        return NULL;
    zx_store_get_model(txn, m->id, &old, NULL);
    zx_txn_abort(txn);
    source = zx_json_str(old, ZX_REC_SOURCE);
    stamp = zx_json_str(old, ZX_REC_STAMP);
    rev = zx_json_str(old, ZX_REC_REVISION);
    if (!zx_json_str(old, ZX_REC_WEIGHTS_DIGEST) || !source || !stamp ||
        (rev && !strcmp(rev, m->rev)) ||
        json_array_size(json_object_get(old, ZX_REC_FILES)) ||
        zx_model_src_open(source, m->id, &src, NULL) ||
        strcmp(src->stamp, stamp) || (!zx_is_dir(source) && m->n_files != 1))
        goto out;
    out =
        zx_index_hash_files(source, (const char *const *)m->files, m->n_files);
out:
    zx_model_src_free(src);
    json_decref(old);
    return out;
}

/* Describe and store one fetched model. */
static int store_remote(struct zx_index *ix, struct zx_remote *m,
                        enum zx_add_result *res, struct zx_error *err)
{
    struct zx_desc *d = xcalloc(1, sizeof(*d));
    struct zx_fp_point pts[ZX_FP_DIM];
    struct zx_fp_point *lpts = xcalloc(ZX_LFP_DIM, sizeof(*lpts));
    json_t *extra, *hub, *files = json_array();
    size_t i;
    int rc;

    zx_desc_layout(m->ck, d, pts);
    if (d->has_fp) {
        if (m->values) {
            uint32_t ld = 0;

            zx_desc_fill_fp(d, m->values);
            zx_desc_lineage_layout(m->ck, d, lpts, &ld);
            zx_desc_fill_lfp(d, m->values + ZX_FP_DIM, ld);
        } else {
            d->has_fp = 0;
        }
    }
    hub = json_object();
    json_object_set_new(hub, ZX_HUB_ID,
                        json_string(m->hub_id ? m->hub_id : ""));
    json_object_set_new(hub, ZX_HUB_SHA, json_string(m->rev));
    {
        static const char *const keep[] = {
            ZX_HUB_CREATED, "lastModified", ZX_HUB_DOWNLOADS, "likes",
            "gated",        "pipeline_tag", "library_name",   "tags"};

        for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
            json_t *v = json_object_get(m->info, keep[i]);

            if (v)
                json_object_set(hub, keep[i], v);
        }
    }
    for (i = 0; i < m->n_files; i++)
        json_array_append_new(
            files, json_pack("{s:s,s:s?}", "name", m->files[i], "sha256",
                             m->file_sha256 ? m->file_sha256[i] : NULL));
    extra = json_pack("{s:o,s:o,s:o,s:b,s:I}", ZX_REC_HUB, hub, "parents",
                      zx_remote_hub_parents(m->id, m->info), "files", files,
                      "light", 1, "bytes_fetched", (json_int_t)m->bytes);
    {
        json_t *local = local_files(ix, m);

        if (local)
            json_object_set_new(extra, ZX_PUT_LOCAL_FILES, local);
    }
    rc = zx_index_put(ix, &m->src, d, NULL, extra, res, err);
    json_decref(extra);
    free(d);
    free(lpts);
    return rc;
}

/* m's id holds a full record of other weights whose local source still
 * exists (zx_index_put: ZX_ADD_HELD): the model is skipped, with the
 * local path in the report, and recorded as skipped at this commit
 * while that record stays as it is. */
static int skip_held(struct zx_index *ix, struct zx_remote *m,
                     struct zx_crawl_report *rep, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *old = NULL;
    const char *source = NULL, *digest = NULL;
    int rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);

    if (rc)
        return rc;
    if (zx_store_get_model(txn, m->id, &old, NULL) == ZX_OK) {
        source = zx_json_str(old, ZX_REC_SOURCE);
        digest = zx_json_str(old, ZX_REC_WEIGHTS_DIGEST);
    }
    zx_txn_abort(txn);
    rep->skipped++;
    json_array_append_new(rep->skips,
                          json_pack("{s:s,s:s,s:s?}", "model", m->id, "reason",
                                    ZX_CRAWL_HELD, "path", source));
    rc = record_skip(ix, m, ZX_CRAWL_HELD, digest, err);
    json_decref(old);
    return rc;
}

/* Fetch and index one batch of listed models. */
static int run_batch(struct zx_index *ix, struct zx_hub *hub,
                     struct zx_remote **ms, size_t n,
                     struct zx_crawl_report *rep, struct zx_error *err)
{
    struct zx_remote_point **pts = xcalloc(n + 1, sizeof(*pts));
    size_t i, k;
    int rc = zx_remote_fetch(hub, ms, n, err);

    if (rc)
        goto out;
    /* The fingerprint's coordinates, then the lineage descriptor's runs
     * (one per 2-D backbone tensor, so one coalesced range each); a
     * shorter descriptor pads with its first point, read once. */
    for (i = 0; i < n; i++) {
        struct zx_desc *d;
        struct zx_fp_point fp[ZX_FP_DIM], *lp;
        uint32_t ld = 0;

        if (ms[i]->skip || ms[i]->err[0] || !ms[i]->ck)
            continue;
        d = xcalloc(1, sizeof(*d));
        if (zx_desc_layout(ms[i]->ck, d, fp) || !d->has_fp) {
            free(d);
            continue;
        }
        lp = xcalloc(ZX_LFP_DIM, sizeof(*lp));
        zx_desc_lineage_layout(ms[i]->ck, d, lp, &ld);
        pts[i] = xcalloc(ZX_FP_DIM + ZX_LFP_DIM, sizeof(**pts));
        for (k = 0; k < ZX_FP_DIM + ZX_LFP_DIM; k++) {
            const struct zx_fp_point *q = k < ZX_FP_DIM ? &fp[k]
                                          : k - ZX_FP_DIM < ld
                                              ? &lp[k - ZX_FP_DIM]
                                              : &fp[0];
            const struct zx_tensor *t = zx_ckpt_tensor(ms[i]->ck, q->tensor);

            pts[i][k].file = t->file;
            pts[i][k].offset =
                t->offset + q->elem * (zx_dtype_bits(t->dtype) / 8);
            pts[i][k].dtype = t->dtype;
        }
        free(lp);
        free(d);
    }
    rc = zx_remote_read_points(hub, ms, n,
                               (const struct zx_remote_point *const *)pts,
                               ZX_FP_DIM + ZX_LFP_DIM, err);
    if (rc)
        goto out;
    for (i = 0; i < n; i++) {
        struct zx_remote *m = ms[i];
        enum zx_add_result res;

        if (m->skip) {
            rep->skipped++;
            json_array_append_new(
                rep->skips,
                json_pack("{s:s,s:s}", "model", m->id, "reason", m->skip));
            rc = record_skip(ix, m, m->skip, NULL, err);
            if (rc)
                goto out;
            continue;
        }
        if (m->err[0] || !m->ck) {
            rep->failed++;
            json_array_append_new(
                rep->failures,
                json_pack("{s:s,s:s}", "model", m->id, "error", m->err));
            continue;
        }
        rc = store_remote(ix, m, &res, err);
        if (rc)
            goto out;
        if (res == ZX_ADD_HELD) {
            rc = skip_held(ix, m, rep, err);
            if (rc)
                goto out;
            continue;
        }
        if (res == ZX_ADD_NEW)
            rep->indexed_new++;
        else if (res == ZX_ADD_UPDATED)
            rep->updated++;
        else
            rep->unchanged++;
        if (res == ZX_ADD_MERGED) /* same weights as a full record */
            rep->merged++;
    }
out:
    for (i = 0; i < n; i++)
        free(pts[i]);
    free(pts);
    return rc;
}

static void tell(const struct zx_crawl_opts *o,
                 const struct zx_crawl_report *rep, uint64_t listed, int final)
{
    if (o->progress)
        o->progress(o->progress_arg, rep, listed, final);
}

int zx_crawl(struct zx_index *ix, struct zx_hub *hub,
             const struct zx_crawl_opts *o, volatile int *stop,
             struct zx_crawl_report *rep, struct zx_error *err)
{
    struct zx_remote **batch = xcalloc((size_t)o->batch + 1, sizeof(*batch));
    char *url, *mark_key = NULL, *mark = NULL, *newest = NULL;
    const char *floor;
    size_t nb = 0, i;
    uint64_t queued = 0, listed = 0;
    double t0 = zx_now(), last_flush = t0;
    int rc = ZX_OK, done = 0, tries;

    memset(rep, 0, sizeof(*rep));
    rep->failures = json_array();
    rep->skips = json_array();
    url = list_url(o, &mark_key);
    {
        struct zx_txn *txn = NULL;

        rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
        if (rc)
            goto out;
        if (zx_store_get_state(txn, mark_key, &mark, NULL) != ZX_OK)
            mark = NULL;
        zx_txn_abort(txn);
    }
    floor = o->since ? o->since : mark;
    while (url && !done) {
        struct zx_req page, *pp = &page;
        json_t *arr = NULL, *e;
        struct zx_error pe = {0};
        size_t idx;

        if (stop && *stop) {
            rep->interrupted = 1;
            break;
        }
        zx_req_init(&page, url);
        page.max_bytes = 256u << 20;
        rc = zx_hub_run(hub, &pp, 1, err);
        /* A 200 whose body is not a JSON array is a broken transfer more
         * often than a broken Hub: ask again a few times. */
        for (tries = 0; !rc && page.status == 200 && tries < 3; tries++) {
            json_t *probe = NULL;

            if (zx_json_parse(page.body.data, page.body.len, page.max_bytes,
                              "model listing", &probe, NULL) == ZX_OK &&
                json_is_array(probe)) {
                json_decref(probe);
                break;
            }
            json_decref(probe);
            rc = zx_hub_run(hub, &pp, 1, err);
        }
        if (!rc && page.status != 200) {
            if (page.status == 0 || page.status >= 500 || page.status == 429 ||
                page.status == 408)
                rc = zx_fail(err, ZX_ENET, "listing models failed: %s",
                             page.status ? "the Hub keeps failing" : page.err);
            else /* 400, 401, 403: our request or our token is wrong */
                rc = zx_fail(err, ZX_EREFUSED,
                             "the Hub refused the model "
                             "listing: HTTP %ld%s%s%s",
                             page.status, page.error_msg ? ": " : "",
                             page.error_msg ? page.error_msg : "",
                             page.status == 401 || page.status == 403
                                 ? " (check HF_TOKEN)"
                                 : "");
        }
        if (!rc && (zx_json_parse(page.body.data, page.body.len, page.max_bytes,
                                  "model listing", &arr, &pe) ||
                    !json_is_array(arr)))
            rc = zx_fail(err, ZX_ENET, "the Hub sent a bad model listing: %s",
                         pe.msg[0] ? pe.msg : "not an array");
        free(url);
        url = rc ? NULL : (page.link_next ? xstrdup(page.link_next) : NULL);
        zx_req_release(&page);
        if (rc) {
            json_decref(arr);
            goto out;
        }
        rep->pages++;
        listed += json_array_size(arr);
        tell(o, rep, listed, !url);
        json_array_foreach(arr, idx, e)
        {
            const char *id = zx_json_str(e, "id"), *lm;
            const char *sha = zx_json_str(e, "sha");
            enum known k;
            struct zx_txn *txn = NULL;

            if (!id || !zx_valid_model_id(id)) {
                listed--;
                continue;
            }
            lm = zx_json_str(e, "lastModified");
            if (floor && lm && strcmp(lm, floor) < 0) {
                rep->reached_mark = 1;
                done = 1;
                listed -= json_array_size(arr) - idx;
                tell(o, rep, listed, 1);
                break;
            }
            if (idx % 100 == 99)
                tell(o, rep, listed, !url);
            if (!newest && lm)
                newest = xstrdup(lm);
            rep->seen++;
            rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
            if (rc)
                break;
            k = classify(txn, id, zx_json_str(e, "_id"), sha);
            zx_txn_abort(txn);
            if (k == K_SAME) {
                rep->unchanged++;
                continue;
            }
            if (k == K_SKIPPED) {
                rep->skipped++;
                continue;
            }
            if (json_is_true(json_object_get(e, "private"))) {
                struct zx_remote *m = zx_remote_new(id, json_incref(e));

                rep->skipped++;
                json_array_append_new(
                    rep->skips,
                    json_pack("{s:s,s:s}", "model", id, "reason", "private"));
                if (!o->dry_run)
                    rc = record_skip(ix, m, "private", NULL, err);
                zx_remote_free(m);
                if (rc)
                    break;
                continue;
            }
            if ((o->max_models && queued >= (uint64_t)o->max_models) ||
                (o->max_bytes && zx_hub_stats(hub)->bytes >= o->max_bytes)) {
                rep->limited = 1;
                done = 1;
                break;
            }
            queued++;
            if (o->dry_run) {
                if (k == K_NEW)
                    rep->indexed_new++;
                else
                    rep->updated++;
                continue;
            }
            batch[nb] = zx_remote_new(id, json_incref(e));
            /* What a model may read of a file store ignoring Range: 64
             * MiB, less when --max-bytes is less (it caps the run). */
            batch[nb++]->stream_budget =
                o->max_bytes && o->max_bytes < ZX_REMOTE_STREAM_BUDGET
                    ? o->max_bytes
                    : 0;
            if (nb == (size_t)o->batch) {
                rc = run_batch(ix, hub, batch, nb, rep, err);
                sample_memory(rep);
                for (i = 0; i < nb; i++)
                    zx_remote_free(batch[i]);
                nb = 0;
                tell(o, rep, listed, !url);
                if (rc)
                    break;
                if (stop && *stop) {
                    rep->interrupted = 1;
                    done = 1;
                    break;
                }
                /* Rewrite vector files now and then, not after every
                 * batch: each rewrite reads the whole group. */
                if (zx_now() - last_flush > FLUSH_SECONDS) {
                    rc = zx_index_flush(ix, 0, NULL, err);
                    if (rc)
                        break;
                    last_flush = zx_now();
                }
            }
        }
        json_decref(arr);
        if (rc)
            goto out;
    }
    if (nb && !rep->interrupted) {
        rc = run_batch(ix, hub, batch, nb, rep, err);
        sample_memory(rep);
        tell(o, rep, listed, 1);
        if (rc)
            goto out;
    }
    if (stop && *stop)
        rep->interrupted = 1;
    /* The mark moves only after a complete, clean run of the query's own
     * range: not after failures (they are retried next time), not after a
     * --since run (that would skip what lies between the old mark and the
     * --since date). */
    if (!rep->interrupted && !rep->limited && !o->dry_run && !o->since &&
        !rep->failed && newest && (!mark || strcmp(newest, mark) > 0)) {
        struct zx_txn *txn = NULL;

        rc = zx_txn_begin(zx_index_store(ix), 1, &txn, err);
        if (!rc)
            rc = zx_store_put_state(txn, mark_key, newest, err);
        if (!rc)
            rc = zx_txn_commit(txn, err);
        else
            zx_txn_abort(txn);
        if (rc)
            goto out;
    }
    rep->complete = !rep->interrupted && !rep->limited;
out:
    for (i = 0; i < nb; i++)
        zx_remote_free(batch[i]);
    free(batch);
    free(url);
    free(mark_key);
    free(mark);
    free(newest);
    if (!o->dry_run) {
        struct zx_error fe = {0};

        /* Vector files follow the store even after a failure. */
        if (zx_index_flush(ix, 0, NULL, &fe) && !rc) {
            rc = fe.code;
            if (err)
                *err = fe;
        }
    }
    rep->bytes = zx_hub_stats(hub)->bytes;
    rep->requests = zx_hub_stats(hub)->requests;
    rep->retries = zx_hub_stats(hub)->retries;
    rep->elapsed = zx_now() - t0;
    return rc;
}

/* ===== One model, in full ===== */

int zx_crawl_is_hub_spec(const char *s)
{
    const char *at = strchr(s, '@');
    char *id = at ? xstrndup(s, (size_t)(at - s)) : xstrdup(s);
    int ok = strchr(id, '/') && zx_valid_model_id(id) &&
             (!at || (at[1] && !strchr(at + 1, '/') && !strstr(at, "..")));

    free(id);
    return ok;
}

static json_t *hub_summary(json_t *info)
{
    static const char *const keep[] = {
        ZX_HUB_ID, ZX_HUB_SHA, ZX_HUB_CREATED, "lastModified", ZX_HUB_DOWNLOADS,
        "likes",   "gated",    "pipeline_tag", "library_name", "tags"};
    json_t *hub = json_object();
    size_t i;

    for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        json_t *v = json_object_get(info, keep[i]);

        if (v)
            json_object_set(hub, keep[i], v);
    }
    return hub;
}

/* Remember the cache files a download created (state "dl:<path>"), so
 * that `zoodex prune` removes those and nothing another tool put there. */
static int record_created(struct zx_index *ix, json_t *created,
                          struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *x;
    size_t i;
    int rc;

    if (!json_array_size(created))
        return ZX_OK;
    rc = zx_txn_begin(zx_index_store(ix), 1, &txn, err);
    json_array_foreach(created, i, x)
    {
        char *key, *val;

        if (rc)
            break;
        key = xasprintf("%s%s", ZX_CRAWL_DL_PREFIX, zx_json_str(x, "path"));
        json_object_set_new(x, "time", json_integer((json_int_t)time(NULL)));
        val = zx_json_dump(x);
        rc = zx_store_put_state(txn, key, val, err);
        free(key);
        free(val);
    }
    if (!rc)
        rc = zx_txn_commit(txn, err);
    else
        zx_txn_abort(txn);
    return rc;
}

/* Offline: what the Hub said last time (the stored "hub" summary and
 * Hub-declared parents), with the commit found in the cache. */
static json_t *offline_extra(struct zx_index *ix, const char *id,
                             const char *commit)
{
    struct zx_txn *txn = NULL;
    json_t *old = NULL, *hub = NULL, *parents = json_array(), *p;
    size_t i;

    if (zx_txn_begin(zx_index_store(ix), 0, &txn, NULL) == ZX_OK &&
        zx_store_get_model(txn, id, &old, NULL) == ZX_OK) {
        hub = json_deep_copy(json_object_get(old, "hub"));
        json_array_foreach(json_object_get(old, "declared_parents"), i, p)
        {
            const char *src = zx_json_str(p, "source");

            if (src && !strcmp(src, "hub"))
                json_array_append(parents, p);
        }
    }
    zx_txn_abort(txn);
    json_decref(old);
    if (!json_is_object(hub)) {
        json_decref(hub);
        hub = json_object();
    }
    json_object_set_new(hub, "sha", json_string(commit));
    return json_pack("{s:o,s:o,s:b}", "hub", hub, "parents", parents, "light",
                     0);
}

int zx_crawl_ingest_one(struct zx_index *ix, struct zx_hub *hub,
                        const char *spec, int force, enum zx_add_result *res,
                        int *bad_input, struct zx_error *err)
{
    const char *at = strchr(spec, '@');
    char *id = at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
    char *dir = NULL, *commit = NULL;
    struct zx_model_src *src = NULL;
    struct zx_desc *d = xcalloc(1, sizeof(*d));
    json_t *info = NULL, *tensors = NULL, *extra = NULL, *created = NULL;
    const char *real_id = id;
    int rc;

    *bad_input = 1;
    *res = ZX_ADD_NEW;
    if (!zx_crawl_is_hub_spec(spec)) {
        rc = zx_fail(err, ZX_EUSAGE, "'%s' is not org/name[@revision]", spec);
        goto out;
    }
    if (zx_hub_offline(hub)) { /* the cache only, never the network */
        rc = zx_remote_from_cache(id, at ? at + 1 : NULL, &dir, &commit, err);
        if (rc)
            goto out;
    } else {
        struct zx_error e2 = {0};
        int rc2;

        rc = zx_remote_download(hub, id, at ? at + 1 : NULL, &dir, &info,
                                &created, err);
        rc2 = record_created(ix, created, &e2);
        if (!rc && rc2) {
            *err = e2;
            rc = rc2;
            *bad_input = 0;
        }
        if (rc)
            goto out;
        /* A renamed repo answers under its new name. */
        real_id = zx_json_str(info, "id") ? zx_json_str(info, "id") : id;
        commit = xstrdup(zx_json_str(info, "sha"));
    }
    rc = zx_model_src_open(dir, real_id, &src, err);
    if (rc)
        goto out;
    free(src->revision);
    src->revision = xstrdup(commit);
    if (!force) {
        struct zx_txn *txn = NULL;
        json_t *old = NULL;

        if (zx_txn_begin(zx_index_store(ix), 0, &txn, err) == ZX_OK &&
            zx_store_get_model(txn, real_id, &old, NULL) == ZX_OK &&
            zx_json_str(old, ZX_REC_REVISION) &&
            !strcmp(zx_json_str(old, ZX_REC_REVISION), src->revision) &&
            !json_is_true(json_object_get(old, "light"))) {
            *res = ZX_ADD_UNCHANGED;
            json_decref(old);
            zx_txn_abort(txn);
            goto out;
        }
        json_decref(old);
        zx_txn_abort(txn);
    }
    rc = zx_index_describe(src, d, &tensors, err);
    if (rc)
        goto out;
    *bad_input = 0;
    if (info)
        extra =
            json_pack("{s:o,s:o,s:b}", ZX_REC_HUB, hub_summary(info), "parents",
                      zx_remote_hub_parents(real_id, info), "light", 0);
    else
        extra = offline_extra(ix, real_id, commit);
    rc = zx_index_put(ix, src, d, tensors, extra, res, err);
out:
    zx_model_src_free(src);
    json_decref(info);
    json_decref(tensors);
    json_decref(extra);
    json_decref(created);
    free(d);
    free(id);
    free(dir);
    free(commit);
    return rc;
}

/* ===== Pruning downloads ===== */

struct dl_list {
    json_t *entries; /* [{key, ...record}] */
    const char *const *models;
    size_t n_models;
};

static int dl_cb(const char *key, const char *val, void *arg)
{
    struct dl_list *l = arg;
    json_t *rec = NULL;
    size_t i;
    int want = l->n_models == 0;

    if (zx_json_parse(val, strlen(val), 1 << 16, "download record", &rec,
                      NULL) ||
        !json_is_object(rec)) {
        /* unreadable: never delete on its word, but drop the record */
        json_decref(rec);
        rec = json_pack("{s:s}", "kind", "?");
    }
    for (i = 0; i < l->n_models && !want; i++)
        want = zx_json_str(rec, "model") &&
               !strcmp(zx_json_str(rec, "model"), l->models[i]);
    if (want) {
        json_object_set_new(rec, "key", json_string(key));
        if (!zx_json_str(rec, "path"))
            json_object_set_new(rec, "path",
                                json_string(key + strlen(ZX_CRAWL_DL_PREFIX)));
        json_array_append(l->entries, rec);
    }
    json_decref(rec);
    return 0;
}

/* nftw callback: remove one entry of the legacy downloads/ tree (links
 * themselves, never what they point to); sums the bytes of files. */
static int64_t legacy_bytes;
static int legacy_dry;

static int legacy_rm(const char *path, const struct stat *st, int type,
                     struct FTW *f)
{
    (void)f;
    if (type == FTW_F)
        legacy_bytes += (int64_t)st->st_size;
    if (!legacy_dry)
        remove(path);
    return 0;
}

int zx_crawl_prune(struct zx_index *ix, const char *const *models,
                   size_t n_models, int dry_run, json_t **report,
                   struct zx_error *err)
{
    static const char *const order[] = {"link", "blob", "ref", NULL};
    struct dl_list l = {json_array(), models, n_models};
    struct zx_txn *txn = NULL;
    json_t *removed = json_array(), *kept = json_array(), *gone = json_array();
    json_t *forget = json_array(), *e;
    json_int_t bytes = 0;
    size_t i, k;
    int rc;

    *report = NULL;
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (!rc)
        rc = zx_store_each_state(txn, ZX_CRAWL_DL_PREFIX, dl_cb, &l, err);
    zx_txn_abort(txn);
    txn = NULL;
    if (rc)
        goto out;
    /* Links first (a blob goes only when nothing links to it), refs last
     * (a ref goes only with its whole snapshot). */
    for (k = 0; k < 4; k++) {
        json_array_foreach(l.entries, i, e)
        {
            const char *kind = zx_json_str(e, "kind");
            int known = 0, v;
            size_t j;
            char *why = NULL;
            json_t *row;

            for (j = 0; order[j]; j++)
                known |= kind && !strcmp(kind, order[j]);
            if (k < 3 ? !(kind && !strcmp(kind, order[k])) : known)
                continue;
            v = k < 3 ? zx_hfcache_prune(e, gone, dry_run, &why) : -1;
            row = json_pack("{s:s?,s:s?,s:s?}", "path", zx_json_str(e, "path"),
                            "kind", kind, "model", zx_json_str(e, "model"));
            if (v == 1) {
                int64_t sz = 0;

                if (zx_json_int(e, "size", &sz))
                    bytes += sz;
                json_array_append(removed, row);
                json_array_append(gone, json_object_get(e, "path"));
                json_array_append(forget, json_object_get(e, "key"));
            } else {
                json_object_set_new(row, "reason",
                                    json_string(why ? why : "unknown record"));
                json_array_append(kept, row);
                if (v < 0)
                    json_array_append(forget, json_object_get(e, "key"));
            }
            json_decref(row);
            free(why);
        }
    }
    if (!dry_run && json_array_size(forget)) {
        rc = zx_txn_begin(zx_index_store(ix), 1, &txn, err);
        json_array_foreach(forget, i, e)
        {
            int r;

            if (rc)
                break;
            r = zx_store_del_state(txn, json_string_value(e), err);
            rc = r == ZX_ENOTFOUND ? ZX_OK : r;
        }
        if (!rc)
            rc = zx_txn_commit(txn, err);
        else
            zx_txn_abort(txn);
        if (rc)
            goto out;
    }
    /* Older versions downloaded into <index>/downloads/: all zoodex's. */
    if (!n_models) {
        char *legacy = zx_path_join(zx_index_dir(ix), "downloads");
        struct stat st;

        if (lstat(legacy, &st) == 0 && S_ISDIR(st.st_mode)) {
            legacy_bytes = 0;
            legacy_dry = dry_run;
            nftw(legacy, legacy_rm, 16, FTW_DEPTH | FTW_PHYS);
            bytes += legacy_bytes;
            json_array_append_new(removed, json_pack("{s:s,s:s}", "path",
                                                     legacy, "kind", "legacy"));
        }
        free(legacy);
    }
    *report = json_pack("{s:b,s:O,s:O,s:I}", "dry_run", dry_run, "removed",
                        removed, "kept", kept, "bytes", bytes);
out:
    json_decref(l.entries);
    json_decref(removed);
    json_decref(kept);
    json_decref(gone);
    json_decref(forget);
    return rc;
}
