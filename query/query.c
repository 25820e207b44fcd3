/* query.c - search by example, inferred lineage, show, list and stats
 * (the lineage views are in lineage.c).
 * SPDX-License-Identifier: MIT */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_mem.h"

/* ===== Resolving names ===== */

#define MAX_LISTED 20 /* matches an ambiguous name lists */

struct suffix_match {
    const char *name;
    char *found;
    struct zx_buf all; /* "a/x, b/x, ..." */
    int n;
};

static int suffix_cb(const char *id, json_t *rec, void *arg)
{
    struct suffix_match *m = arg;
    const char *slash = strchr(id, '/');

    (void)rec;
    if (slash && !strcmp(slash + 1, m->name)) {
        if (!m->found)
            m->found = xstrdup(id);
        if (m->n < MAX_LISTED)
            zx_buf_printf(&m->all, "%s%s", m->n ? ", " : "", id);
        m->n++;
    }
    return 0;
}

/* The model whose record came from `real` (an absolute path): its
 * "source" (the folder or file ingested) or its "weights". */
struct path_match {
    const char *real;
    char *found;
};

static int path_cb(const char *id, json_t *rec, void *arg)
{
    struct path_match *m = arg;
    const char *src = zx_json_str(rec, "source");
    const char *w = zx_json_str(rec, "weights");

    if ((src && !strcmp(src, m->real)) || (w && !strcmp(w, m->real))) {
        m->found = xstrdup(id);
        return -1;
    }
    return 0;
}

/* A MODEL argument that names a file or folder on disk: the indexed model
 * read from there, ZX_ENOTFOUND with "not indexed", or ZX_EUSAGE when it
 * is not on disk (*id stays NULL). */
static int resolve_path(struct zx_txn *txn, const char *name, char **id,
                        struct zx_error *err)
{
    struct path_match m = {NULL, NULL};
    char *real = NULL;
    int rc;

    if (!zx_is_file(name) && !zx_is_dir(name))
        return ZX_EUSAGE;
    real = realpath(name, NULL);
    if (!real)
        return ZX_EUSAGE;
    m.real = real;
    rc = zx_store_each_model(txn, path_cb, &m, err);
    if (rc == -1)
        rc = ZX_OK;
    if (!rc && m.found) {
        *id = m.found;
        m.found = NULL;
    } else if (!rc) {
        rc = zx_fail(err, ZX_ENOTFOUND,
                     "'%s' is on disk but not indexed (zoodex ingest '%s' "
                     "indexes it)",
                     name, name);
    }
    free(m.found);
    free(real);
    return rc;
}

int zx_query_resolve(struct zx_index *ix, const char *name, char **id,
                     struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct suffix_match m = {name, NULL, {0}, 0};
    json_t *rec = NULL;
    int rc;

    *id = NULL;
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (rc)
        return rc;
    rc = zx_store_get_model(txn, name, &rec, err);
    if (rc == ZX_OK) {
        *id = xstrdup(name);
        goto out;
    }
    if (rc != ZX_ENOTFOUND)
        goto notfound;
    if (strchr(name, '/'))
        goto on_disk;
    rc = zx_store_each_model(txn, suffix_cb, &m, err);
    if (rc)
        goto out;
    if (m.n == 1) {
        *id = m.found;
        m.found = NULL;
        rc = ZX_OK;
        goto out;
    }
    if (m.n > 1) {
        rc = zx_fail(err, ZX_EUSAGE,
                     "'%s' matches %d models: %s%s; give the full org/name",
                     name, m.n, zx_buf_cstr(&m.all),
                     m.n > MAX_LISTED ? ", ..." : "");
        goto out;
    }
on_disk:
    /* a model folder or checkpoint on disk that was ingested */
    rc = resolve_path(txn, name, id, err);
    if (rc != ZX_EUSAGE)
        goto out;
    rc = ZX_ENOTFOUND;
notfound:
    if (rc == ZX_ENOTFOUND || rc == ZX_OK)
        rc = zx_fail(err, ZX_ENOTFOUND, "no model '%s' in the index", name);
out:
    free(m.found);
    zx_buf_release(&m.all);
    json_decref(rec);
    zx_txn_abort(txn);
    return rc;
}

static int get_record(struct zx_index *ix, const char *id, json_t **rec,
                      struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    int rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);

    if (rc)
        return rc;
    rc = zx_store_get_model(txn, id, rec, err);
    if (rc == ZX_ENOTFOUND)
        rc = zx_fail(err, ZX_ENOTFOUND, "no model '%s' in the index", id);
    zx_txn_abort(txn);
    return rc;
}

/* ===== Search by example ===== */

/* Resolve `name` to an indexed model that has a fingerprint: *id and
 * *rec are owned by the caller; *arch is borrowed from *rec. */
static int fingerprinted(struct zx_index *ix, const char *name, char **id,
                         json_t **rec, const char **arch, struct zx_error *err)
{
    int rc = zx_query_resolve(ix, name, id, err);

    *rec = NULL;
    if (!rc)
        rc = get_record(ix, *id, rec, err);
    if (rc)
        return rc;
    *arch = zx_json_str(*rec, "arch");
    if (!*arch || !json_is_integer(json_object_get(*rec, "vid")))
        return zx_fail(err, ZX_EINCOMPAT,
                       "model '%s' has no weight "
                       "fingerprint (no backbone tensors)",
                       *id);
    return ZX_OK;
}

int zx_query_like_model(struct zx_index *ix, const char *name, int k,
                        json_t **out, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct zx_vec v;
    json_t *rec = NULL, *hits = NULL;
    const char *arch;
    float *q = NULL;
    char *id = NULL;
    int64_t vid;
    int rc;

    *out = NULL;
    rc = fingerprinted(ix, name, &id, &rec, &arch, err);
    if (rc)
        goto out;
    zx_json_int(rec, "vid", &vid);
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (rc)
        goto out;
    rc = zx_store_get_vec(txn, arch, (uint64_t)vid, &v, err);
    if (rc == ZX_ENOTFOUND)
        rc = zx_fail(err, ZX_ESTORE,
                     "model '%s': its vector is missing "
                     "(run 'zoodex verify')",
                     id);
    if (rc)
        goto out;
    q = xmalloc(sizeof(float) * v.dim);
    memcpy(q, v.data, sizeof(float) * v.dim);
    zx_txn_abort(txn);
    txn = NULL;
    rc = zx_index_search(ix, arch, q, k, (uint64_t)vid, &hits, err);
    if (rc)
        goto out;
    *out = json_pack("{s:s,s:s,s:b,s:o}", "query", id, "arch", arch, "indexed",
                     1, "hits", hits);
out:
    zx_txn_abort(txn);
    json_decref(rec);
    free(q);
    free(id);
    return rc;
}

int zx_query_like_path(struct zx_index *ix, const char *path, int k,
                       json_t **out, struct zx_error *err)
{
    struct zx_model_src *src = NULL;
    struct zx_desc *d = xcalloc(1, sizeof(*d));
    json_t *hits = NULL;
    int rc;

    *out = NULL;
    rc = zx_model_src_open(path, NULL, &src, err);
    if (!rc)
        rc = zx_index_describe(src, d, NULL, err);
    if (rc)
        goto out;
    if (!d->has_fp) {
        rc = zx_fail(err, ZX_EINCOMPAT,
                     "'%s' has no weight fingerprint "
                     "(no backbone tensors)",
                     path);
        goto out;
    }
    rc = zx_index_search(ix, d->arch, d->fp, k, 0, &hits, err);
    if (rc)
        goto out;
    *out = json_pack("{s:s,s:s,s:b,s:o}", "query", path, "arch", d->arch,
                     "indexed", 0, "hits", hits);
out:
    zx_model_src_free(src);
    free(d);
    return rc;
}

/* ===== Lineage ===== */

int zx_query_lineage_inferred(struct zx_index *ix, const char *name,
                              json_t **out, struct zx_error *err)
{
    return zx_query_lineage_chart(ix, name, ZX_CHART_ATLAS, out, err);
}

int zx_query_lineage_chart(struct zx_index *ix, const char *name,
                           enum zx_chart_method method, json_t **out,
                           struct zx_error *err)
{
    json_t *rec = NULL, *edges = NULL, *parents = json_array(), *e;
    json_t *children = json_array();
    const char *arch;
    char *id = NULL;
    size_t i;
    int rc;

    *out = NULL;
    rc = fingerprinted(ix, name, &id, &rec, &arch, err);
    if (!rc)
        rc = zx_lineage_chart_group(ix, arch, method, &edges, err);
    if (rc)
        goto out;
    json_array_foreach(edges, i, e)
    {
        const char *p2 = zx_json_str(e, "parent2");

        if (!strcmp(zx_json_str(e, "child"), id)) {
            json_t *x = json_pack("{s:O,s:O,s:O,s:O,s:O}", "parent",
                                  json_object_get(e, "parent"), "rule",
                                  json_object_get(e, "rule"), "distance",
                                  json_object_get(e, "distance"), "metric",
                                  json_object_get(e, "metric"), "confidence",
                                  json_object_get(e, "confidence"));

            if (p2)
                json_object_set_new(x, "parent2", json_string(p2));
            json_array_append_new(parents, x);
        }
        if (!strcmp(zx_json_str(e, "parent"), id) || (p2 && !strcmp(p2, id)))
            json_array_append_new(
                children, json_pack("{s:O,s:O,s:O,s:O,s:O}", "child",
                                    json_object_get(e, "child"), "rule",
                                    json_object_get(e, "rule"), "distance",
                                    json_object_get(e, "distance"), "metric",
                                    json_object_get(e, "metric"), "confidence",
                                    json_object_get(e, "confidence")));
    }
    *out = json_pack("{s:s,s:s,s:s,s:O,s:O}", "model", id, "arch", arch,
                     "method", method == ZX_CHART_MOTHER ? "mother" : "atlas",
                     "parents", parents, "children", children);
out:
    json_decref(rec);
    json_decref(edges);
    json_decref(parents);
    json_decref(children);
    free(id);
    return rc;
}

/* ===== Show ===== */

struct dup_ctx {
    const char *digest, *self;
    json_t *dups;
};

/* The identity of a model's weights: the tensor digest of a full record,
 * else the LFS sha256 of its files (a crawled, light record).  Owned. */
static char *content_key(json_t *rec)
{
    const char *dg = zx_json_str(rec, "weights_digest");
    json_t *files = json_object_get(rec, "files"), *f;
    struct zx_buf b = {0};
    size_t i;

    if (dg)
        return xasprintf("t:%s", dg);
    if (!json_array_size(files))
        return NULL;
    zx_buf_adds(&b, "f:");
    json_array_foreach(files, i, f)
    {
        const char *s = zx_json_str(f, "sha256");

        if (!s) {
            zx_buf_release(&b);
            return NULL;
        }
        zx_buf_printf(&b, "%s,", s);
    }
    return zx_buf_detach(&b);
}

static int dup_cb(const char *id, json_t *rec, void *arg)
{
    struct dup_ctx *d = arg;
    char *key = content_key(rec);

    if (key && !strcmp(key, d->digest) && strcmp(id, d->self))
        json_array_append_new(d->dups, json_string(id));
    free(key);
    return 0;
}

int zx_query_show(struct zx_index *ix, const char *name, json_t **out,
                  struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *rec = NULL, *lin = NULL, *sum = NULL, *g = NULL;
    struct dup_ctx dc = {NULL, NULL, NULL};
    const char *arch;
    char *id = NULL, *key = NULL;
    int64_t n = 0;
    int rc;

    *out = NULL;
    rc = zx_query_resolve(ix, name, &id, err);
    if (!rc)
        rc = get_record(ix, id, &rec, err);
    if (!rc)
        rc = zx_query_lineage(ix, id, &lin, err);
    if (!rc)
        rc = zx_query_lineage_summary(ix, id, &sum, err);
    if (!rc)
        rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (rc)
        goto out;
    json_object_set(rec, "parents", json_object_get(lin, "parents"));
    json_object_set(rec, "children", json_object_get(lin, "children"));
    json_object_set(rec, "lineage", sum);
    key = content_key(rec);
    dc.digest = key;
    dc.self = id;
    dc.dups = json_array();
    if (dc.digest)
        rc = zx_store_each_model(txn, dup_cb, &dc, err);
    if (rc)
        goto out;
    json_object_set(rec, "duplicates", dc.dups);
    arch = zx_json_str(rec, "arch");
    if (arch && zx_store_get_group(txn, arch, &g, NULL) == ZX_OK)
        zx_json_int(g, "n_models", &n);
    json_object_set_new(rec, "group_size", json_integer(n));
    *out = rec;
    rec = NULL;
out:
    zx_txn_abort(txn);
    json_decref(rec);
    json_decref(lin);
    json_decref(sum);
    json_decref(g);
    json_decref(dc.dups);
    free(key);
    free(id);
    return rc;
}

/* ===== List ===== */

struct list_ctx {
    const char *arch;
    json_t *arr;
};

static int list_cb(const char *id, json_t *rec, void *arg)
{
    struct list_ctx *l = arg;
    const char *arch = zx_json_str(rec, "arch");

    if (l->arch && (!arch || strcmp(arch, l->arch)))
        return 0;
    json_array_append_new(
        l->arr, json_pack("{s:s,s:s?,s:O?,s:s?}", "id", id, "arch", arch,
                          "params", json_object_get(rec, "params"), "dtype",
                          zx_json_str(rec, "dtype")));
    return 0;
}

int zx_query_list(struct zx_index *ix, const char *arch, json_t **out,
                  struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct list_ctx l = {arch, json_array()};
    int rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);

    *out = NULL;
    if (!rc)
        rc = zx_store_each_model(txn, list_cb, &l, err);
    zx_txn_abort(txn);
    if (rc) {
        json_decref(l.arr);
        return rc;
    }
    *out = l.arr;
    return ZX_OK;
}

/* ===== Stats ===== */

static int group_cb(const char *arch, json_t *g, void *arg)
{
    json_t *groups = arg;
    int64_t n = 0;

    zx_json_int(g, "n_models", &n);
    if (n > 0)
        json_object_set_new(groups, arch, json_integer(n));
    return 0;
}

int zx_query_stats(struct zx_index *ix, json_t **out, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *counts = NULL, *groups = json_object();
    int rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);

    *out = NULL;
    if (!rc)
        rc = zx_store_counts(txn, &counts, err);
    if (!rc)
        rc = zx_store_each_group(txn, group_cb, groups, err);
    if (!rc) {
        json_object_set_new(counts, "architectures",
                            json_integer((json_int_t)json_object_size(groups)));
        json_object_set(counts, "group_sizes", groups);
        json_object_set_new(counts, "index", json_string(zx_index_dir(ix)));
        {
            char *ls = NULL;
            json_t *lj = NULL;

            /* What the last lineage update did (index/lineage.c). */
            if (zx_store_get_state(txn, "lineage:last", &ls, NULL) == ZX_OK &&
                zx_json_parse(ls, strlen(ls), (size_t)-1, "lineage:last", &lj,
                              NULL) == ZX_OK)
                json_object_set_new(counts, "lineage_last_update", lj);
            free(ls);
        }
        *out = counts;
        counts = NULL;
    }
    json_decref(counts);
    json_decref(groups);
    zx_txn_abort(txn);
    return rc;
}
