/* query.c - search by example, inferred lineage, show, list and stats
 * (the lineage views are in lineage.c).
 * SPDX-License-Identifier: MIT */
#include "query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "lineage.h"
#include "zx_buf.h"
#include "zx_mem.h"

/* ===== Resolving names ===== */

struct suffix_match {
    const char *name;
    char *found;
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
        m->n++;
    }
    return 0;
}

int zx_query_resolve(struct zx_index *ix, const char *name, char **id,
                     struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct suffix_match m = {name, NULL, 0};
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
    if (rc != ZX_ENOTFOUND || strchr(name, '/'))
        goto notfound;
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
                     "'%s' matches %d models (e.g. '%s'); "
                     "give the full org/name",
                     name, m.n, m.found);
        goto out;
    }
notfound:
    if (rc == ZX_ENOTFOUND || rc == ZX_OK)
        rc = zx_fail(err, ZX_ENOTFOUND, "no model '%s' in the index", name);
out:
    free(m.found);
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
    if (!*arch || !json_is_integer(json_object_get(*rec, ZX_REC_VID)))
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
    zx_json_int(rec, ZX_REC_VID, &vid);
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

        if (!strcmp(zx_json_str(e, ZX_EDGE_CHILD), id)) {
            json_t *x =
                json_pack("{s:O,s:O,s:O,s:O,s:O}", ZX_EDGE_PARENT,
                          json_object_get(e, ZX_EDGE_PARENT), "rule",
                          json_object_get(e, "rule"), "distance",
                          json_object_get(e, "distance"), "metric",
                          json_object_get(e, "metric"), ZX_EDGE_CONFIDENCE,
                          json_object_get(e, ZX_EDGE_CONFIDENCE));

            if (p2)
                json_object_set_new(x, "parent2", json_string(p2));
            json_array_append_new(parents, x);
        }
        if (!strcmp(zx_json_str(e, ZX_EDGE_PARENT), id) ||
            (p2 && !strcmp(p2, id)))
            json_array_append_new(
                children,
                json_pack("{s:O,s:O,s:O,s:O,s:O}", ZX_EDGE_CHILD,
                          json_object_get(e, ZX_EDGE_CHILD), "rule",
                          json_object_get(e, "rule"), "distance",
                          json_object_get(e, "distance"), "metric",
                          json_object_get(e, "metric"), ZX_EDGE_CONFIDENCE,
                          json_object_get(e, ZX_EDGE_CONFIDENCE)));
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
    const char *dg = zx_json_str(rec, ZX_REC_WEIGHTS_DIGEST);
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

/* The bytes of a model's weights, from its parameter counts per dtype;
 * -1 when a dtype is unknown or the sum overflows. */
static json_int_t weights_bytes(json_t *rec)
{
    json_t *by = json_object_get(rec, "params_by_dtype"), *v;
    const char *key;
    json_int_t sum = 0;

    json_object_foreach(by, key, v)
    {
        unsigned bits = zx_dtype_bits(zx_dtype_parse(key));
        json_int_t n = json_integer_value(v), b;

        if (!bits || n < 0 || n > INT64_MAX / 64)
            return -1;
        b = (n * (json_int_t)bits + 7) / 8;
        if (sum > INT64_MAX - b)
            return -1;
        sum += b;
    }
    return sum;
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
    arch = zx_json_str(rec, ZX_REC_ARCH);
    if (arch && zx_store_get_group(txn, arch, &g, NULL) == ZX_OK)
        zx_json_int(g, ZX_GROUP_N_MODELS, &n);
    json_object_set_new(rec, "group_size", json_integer(n));
    if (weights_bytes(rec) >= 0)
        json_object_set_new(rec, "weights_bytes",
                            json_integer(weights_bytes(rec)));
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
    const char *arch = zx_json_str(rec, ZX_REC_ARCH);

    if (l->arch && (!arch || strcmp(arch, l->arch)))
        return 0;
    json_array_append_new(
        l->arr, json_pack("{s:s,s:s?,s:O?,s:s?}", "id", id, "arch", arch,
                          "params", json_object_get(rec, ZX_REC_PARAMS),
                          "dtype", zx_json_str(rec, ZX_REC_DTYPE)));
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

    zx_json_int(g, ZX_GROUP_N_MODELS, &n);
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
            if (zx_store_get_state(txn, ZX_STATE_LINEAGE_LAST, &ls, NULL) ==
                    ZX_OK &&
                zx_json_parse(ls, strlen(ls), (size_t)-1, ZX_STATE_LINEAGE_LAST,
                              &lj, NULL) == ZX_OK)
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
