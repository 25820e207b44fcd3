/* query.c - search by example, inferred lineage, show, list and stats
 * (the lineage views are in lineage.c).
 * SPDX-License-Identifier: MIT */
#include "query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ckpt.h"
#include "lineage.h"
#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_mem.h"
#include "zx_units.h"

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
    *out = json_pack("{s:s,s:s,s:b,s:o}", "query", id, "group", arch, "indexed",
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
    *out = json_pack("{s:s,s:s,s:b,s:o}", "query", path, "group", d->arch,
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
    *out = json_pack("{s:s,s:s,s:s,s:O,s:O}", "model", id, "group", arch,
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
    /* The record's "arch" is the weight group's signature: shown as
     * "group", null for a model without a fingerprint. */
    json_object_set_new(rec, "group",
                        arch && json_is_integer(json_object_get(rec, "vid"))
                            ? json_string(arch)
                            : json_null());
    json_object_del(rec, ZX_REC_ARCH);
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

static const char *const sort_names[] = {
    [ZX_LIST_SORT_ID] = "id",           [ZX_LIST_SORT_DOWNLOADS] = "downloads",
    [ZX_LIST_SORT_LIKES] = "likes",     [ZX_LIST_SORT_PARAMS] = "params",
    [ZX_LIST_SORT_CREATED] = "created", [ZX_LIST_SORT_INGESTED] = "ingested",
};

int zx_list_sort_parse(const char *name, enum zx_list_sort *out)
{
    size_t i;

    for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
        if (name && !strcmp(name, sort_names[i])) {
            *out = (enum zx_list_sort)i;
            return 0;
        }
    return -1;
}

/* A value of the record's metadata, else of its Hub listing.  Borrowed. */
static json_t *meta_or_hub(json_t *rec, const char *key)
{
    json_t *v = json_object_get(json_object_get(rec, "meta"), key);

    return v ? v : json_object_get(json_object_get(rec, "hub"), key);
}

/* The licence: the card's, else the Hub's "license:X" tag.  Borrowed. */
static const char *license_of(json_t *rec)
{
    const char *l = zx_json_str(json_object_get(rec, "meta"), "license");
    json_t *tags = json_object_get(json_object_get(rec, "hub"), "tags"), *t;
    size_t i;

    if (l)
        return l;
    json_array_foreach(tags, i, t)
    {
        const char *s = json_string_value(t);

        if (s && !strncmp(s, "license:", 8))
            return s + 8;
    }
    return NULL;
}

/* A count of the Hub's (downloads, likes), or NULL when it is unknown or
 * not a count.  Borrowed. */
static json_t *hub_count(json_t *rec, const char *key)
{
    json_t *v = json_object_get(json_object_get(rec, "hub"), key);

    return json_is_integer(v) && json_integer_value(v) >= 0 ? v : NULL;
}

/* A new reference to v, or null.  Owned. */
static json_t *or_null(json_t *v)
{
    return v ? json_incref(v) : json_null();
}

/* The row of `list` for one record: every field it can filter or sort on,
 * null when unknown.  Owned. */
static json_t *list_row(const char *id, json_t *rec)
{
    const char *slash = strchr(id, '/');
    json_t *meta = json_object_get(rec, "meta");
    json_t *archs = json_object_get(meta, "architectures");
    json_t *row = json_object();

    json_object_set_new(row, "id", json_string(id));
    json_object_set_new(row, "author",
                        slash ? json_stringn(id, (size_t)(slash - id))
                              : json_null());
    json_object_set_new(row, "group",
                        json_is_integer(json_object_get(rec, "vid")) &&
                                zx_json_str(rec, "arch")
                            ? json_string(zx_json_str(rec, "arch"))
                            : json_null());
    json_object_set_new(row, "params", or_null(json_object_get(rec, "params")));
    json_object_set_new(row, "dtype", or_null(json_object_get(rec, "dtype")));
    json_object_set_new(row, "architectures",
                        json_is_array(archs) ? json_incref(archs)
                                             : json_array());
    json_object_set_new(row, "model_type",
                        or_null(json_object_get(meta, "model_type")));
    json_object_set_new(row, "task", or_null(meta_or_hub(rec, "pipeline_tag")));
    json_object_set_new(row, "library",
                        or_null(meta_or_hub(rec, "library_name")));
    json_object_set_new(row, "license",
                        license_of(rec) ? json_string(license_of(rec))
                                        : json_null());
    json_object_set_new(row, "downloads", or_null(hub_count(rec, "downloads")));
    json_object_set_new(row, "likes", or_null(hub_count(rec, "likes")));
    json_object_set_new(
        row, "created",
        or_null(json_object_get(json_object_get(rec, "hub"), "createdAt")));
    json_object_set_new(row, "ingested",
                        or_null(json_object_get(rec, "ingested")));
    json_object_set_new(
        row, "light",
        json_boolean(json_is_true(json_object_get(rec, "light"))));
    return row;
}

static int same_text(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* 1 when the row passes every filter of `f`. */
static int row_matches(json_t *row, const struct zx_list_filter *f)
{
    json_t *v;
    const char *date;
    size_t i;
    int hit;

    if (f->group && !same_text(zx_json_str(row, "group"), f->group))
        return 0;
    if (f->author && !same_text(zx_json_str(row, "author"), f->author))
        return 0;
    if (f->license && !same_text(zx_json_str(row, "license"), f->license))
        return 0;
    if (f->task && !same_text(zx_json_str(row, "task"), f->task))
        return 0;
    if (f->model_type &&
        !same_text(zx_json_str(row, "model_type"), f->model_type))
        return 0;
    if (f->architecture) {
        hit = 0;
        json_array_foreach(json_object_get(row, "architectures"), i, v)
        {
            hit |= same_text(json_string_value(v), f->architecture);
        }
        if (!hit)
            return 0;
    }
    v = json_object_get(row, "params");
    if ((f->has_min_params || f->has_max_params) && !json_is_integer(v))
        return 0;
    if (f->has_min_params && (uint64_t)json_integer_value(v) < f->min_params)
        return 0;
    if (f->has_max_params && (uint64_t)json_integer_value(v) > f->max_params)
        return 0;
    v = json_object_get(row, "downloads");
    if (f->has_min_downloads &&
        (!v || json_is_null(v) ||
         (uint64_t)json_integer_value(v) < f->min_downloads))
        return 0;
    v = json_object_get(row, "likes");
    if (f->has_min_likes && (!v || json_is_null(v) ||
                             (uint64_t)json_integer_value(v) < f->min_likes))
        return 0;
    if (f->since || f->until) {
        date = zx_json_str(row, "created");
        if (!date)
            date = zx_json_str(row, "ingested");
        if (!date)
            return 0;
        if (f->since && zx_date_cmp(date, f->since) < 0)
            return 0;
        if (f->until && zx_date_cmp(date, f->until) > 0)
            return 0;
    }
    return 1;
}

struct list_ctx {
    const struct zx_list_filter *f;
    json_t *arr;
};

static int list_cb(const char *id, json_t *rec, void *arg)
{
    struct list_ctx *l = arg;
    json_t *row = list_row(id, rec);

    if (row_matches(row, l->f))
        json_array_append(l->arr, row);
    json_decref(row);
    return 0;
}

/* Sort key holder for qsort: the rows and the field. */
struct sort_row {
    json_t *row;
    const char *id;
    json_t *key; /* NULL when unknown: always last */
};

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
    const struct sort_row *a = pa, *b = pb;
    const struct zx_list_filter *f = arg;
    enum zx_list_sort sort_field = f->sort;
    int sort_reverse = f->reverse, c = 0;

    if (sort_field != ZX_LIST_SORT_ID) {
        if (!a->key || !b->key) {
            if (a->key != b->key)
                return a->key ? -1 : 1; /* unknown last, either way */
        } else if (json_is_integer(a->key) && json_is_integer(b->key)) {
            json_int_t x = json_integer_value(a->key);
            json_int_t y = json_integer_value(b->key);

            c = x < y ? 1 : x > y ? -1 : 0; /* largest first */
        } else if (json_is_string(a->key) && json_is_string(b->key)) {
            c = -strcmp(json_string_value(a->key),
                        json_string_value(b->key)); /* newest first */
        }
        if (c)
            return sort_reverse ? -c : c;
    }
    c = strcmp(a->id, b->id);
    return sort_field == ZX_LIST_SORT_ID && sort_reverse ? -c : c;
}

/* The rows of `arr` sorted by f->sort, at most f->limit of them.  Owned. */
static json_t *sort_rows(json_t *arr, const struct zx_list_filter *f)
{
    size_t n = json_array_size(arr), i;
    struct sort_row *r = xcalloc(n ? n : 1, sizeof(*r));
    json_t *out = json_array();

    for (i = 0; i < n; i++) {
        json_t *k;

        r[i].row = json_array_get(arr, i);
        r[i].id = zx_json_str(r[i].row, "id");
        k = json_object_get(r[i].row, sort_names[f->sort]);
        r[i].key = k && !json_is_null(k) ? k : NULL;
    }
    qsort_r(r, n, sizeof(*r), cmp_rows, (void *)f);
    for (i = 0; i < n && (!f->limit || i < f->limit); i++)
        json_array_append(out, r[i].row);
    free(r);
    return out;
}

int zx_query_list(struct zx_index *ix, const struct zx_list_filter *f,
                  json_t **out, struct zx_error *err)
{
    static const struct zx_list_filter none = {0};
    struct zx_txn *txn = NULL;
    struct list_ctx l;
    json_t *g = NULL;
    int rc;

    *out = NULL;
    if (!f)
        f = &none;
    if ((unsigned)f->sort > ZX_LIST_SORT_INGESTED ||
        (f->since && !zx_parse_date(f->since)) ||
        (f->until && !zx_parse_date(f->until)))
        return zx_fail(err, ZX_EUSAGE, "bad sort field or date");
    l.f = f;
    l.arr = json_array();
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (!rc && f->group) {
        int64_t n = 0;

        rc = zx_store_get_group(txn, f->group, &g, err);
        if (rc == ZX_OK)
            zx_json_int(g, "n_models", &n);
        if (rc == ZX_ENOTFOUND || (rc == ZX_OK && n == 0))
            rc = zx_fail(err, ZX_ENOTFOUND,
                         "no weight group '%s' in the index (see "
                         "zoodex stats)",
                         f->group);
    }
    if (!rc)
        rc = zx_store_each_model(txn, list_cb, &l, err);
    zx_txn_abort(txn);
    json_decref(g);
    if (!rc)
        *out = sort_rows(l.arr, f);
    json_decref(l.arr);
    return rc;
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

struct stats_ctx {
    json_int_t in_group, light;
    json_int_t declared, inferred, both, other;
};

static int stats_model_cb(const char *id, json_t *rec, void *arg)
{
    struct stats_ctx *s = arg;

    (void)id;
    if (json_is_integer(json_object_get(rec, "vid")))
        s->in_group++;
    if (json_is_true(json_object_get(rec, "light")))
        s->light++;
    return 0;
}

static int stats_edge_cb(const char *child, const char *parent, json_t *info,
                         void *arg)
{
    struct stats_ctx *s = arg;
    const char *prov = zx_json_str(info, "provenance");

    (void)child;
    (void)parent;
    if (!prov || !strcmp(prov, "declared"))
        s->declared++;
    else if (!strcmp(prov, "inferred"))
        s->inferred++;
    else if (!strcmp(prov, "both"))
        s->both++;
    else
        s->other++;
    return 0;
}

int zx_query_stats(struct zx_index *ix, json_t **out, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct stats_ctx s = {0};
    json_t *tables = NULL, *groups = json_object(), *st = NULL, *edges, *v;
    json_int_t models;
    char *ls = NULL;
    int rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);

    *out = NULL;
    if (!rc)
        rc = zx_store_counts(txn, &tables, err);
    if (!rc)
        rc = zx_store_each_group(txn, group_cb, groups, err);
    if (!rc)
        rc = zx_store_each_model(txn, stats_model_cb, &s, err);
    if (!rc)
        rc = zx_store_each_edge(txn, stats_edge_cb, &s, err);
    if (rc)
        goto out;
    models = json_integer_value(json_object_get(tables, "models"));
    st = json_object();
    json_object_set_new(st, "index", json_string(zx_index_dir(ix)));
    json_object_set_new(st, "models", json_integer(models));
    json_object_set_new(st, "models_in_group", json_integer(s.in_group));
    json_object_set_new(st, "models_without_group",
                        json_integer(models - s.in_group));
    json_object_set_new(st, "models_light", json_integer(s.light));
    json_object_set_new(st, "groups",
                        json_integer((json_int_t)json_object_size(groups)));
    json_object_set(st, "group_sizes", groups);
    json_object_set(st, "vectors", json_object_get(tables, "vectors"));
    v = json_object_get(tables, "lineage");
    json_object_set_new(st, "lineage_descriptors",
                        v ? json_incref(v) : json_integer(0));
    edges = json_pack("{s:I,s:I,s:I,s:I}", "declared", s.declared, "inferred",
                      s.inferred, "both", s.both, "total",
                      s.declared + s.inferred + s.both + s.other);
    if (s.other)
        json_object_set_new(edges, "other", json_integer(s.other));
    json_object_set_new(st, "edges", edges);
    /* What the last lineage update did (index/lineage.c). */
    if (zx_store_get_state(txn, ZX_STATE_LINEAGE_LAST, &ls, NULL) == ZX_OK &&
        zx_json_parse(ls, strlen(ls), (size_t)-1, ZX_STATE_LINEAGE_LAST, &v,
                      NULL) == ZX_OK)
        json_object_set_new(st, "lineage_last_update", v);
    json_object_set(st, "bytes_used", json_object_get(tables, "bytes_used"));
    json_object_del(tables, "bytes_used");
    json_object_set(st, "tables", tables);
    *out = st;
    st = NULL;
out:
    free(ls);
    json_decref(st);
    json_decref(tables);
    json_decref(groups);
    zx_txn_abort(txn);
    return rc;
}
