/* store.c - LMDB behind one file.
 *
 * Every write happens in one LMDB transaction, so a crash at any point
 * leaves either the old or the new state.  Values are compact JSON except
 * vectors, which use this binary layout (host byte order; zoodex indexes
 * are not moved between machines of different endianness):
 *   1. 4 bytes  magic "ZXV1"
 *   2. u32      dim
 *   3. 16 bytes architecture signature (hex, no NUL)
 *   4. u16      model id length L
 *   5. L bytes  model id, then one NUL
 *   6. dim f32  the fingerprint
 * SPDX-License-Identifier: MIT */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "zx_fs.h"
#include "zx_mem.h"

#define DEFAULT_MAP_SIZE (64ull << 30) /* sparse; grows as written */

enum {
    DB_META,
    DB_MODELS,
    DB_VECTORS,
    DB_GROUPS,
    DB_EDGES,
    DB_REDGES,
    DB_STATE,
    DB_LINEAGE,
    N_DBS
};
static const char *const db_names[N_DBS] = {"meta",   "models", "vectors",
                                            "groups", "edges",  "redges",
                                            "state",  "lineage"};

struct zx_store {
    MDB_env *env;
    MDB_dbi dbi[N_DBS];
    int has_lineage; /* 0: an index written before the table existed,
                        opened read-only */
    char *dir;
};

struct zx_txn {
    struct zx_store *st;
    MDB_txn *txn;
};

static int lmdb_fail(struct zx_error *err, int rc, const char *what)
{
    if (rc == MDB_MAP_FULL || rc == ENOSPC || rc == EFBIG || rc == EDQUOT)
        return zx_fail(err, ZX_EIO, "%s: no space left for the index (%s)",
                       what, mdb_strerror(rc));
    return zx_fail(err, ZX_ESTORE, "%s: %s", what, mdb_strerror(rc));
}

void zx_store_close(struct zx_store *st)
{
    if (!st)
        return;
    if (st->env)
        mdb_env_close(st->env);
    free(st->dir);
    free(st);
}

static int check_schema(struct zx_store *st, int writable, struct zx_error *err)
{
    MDB_txn *t = NULL;
    MDB_val k = {6, (void *)"schema"}, v;
    char want[16];
    int rc, i;

    rc = mdb_txn_begin(st->env, NULL, writable ? 0 : MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(err, rc, st->dir);
    for (i = 0; i < N_DBS; i++) {
        rc = mdb_dbi_open(t, db_names[i], writable ? MDB_CREATE : 0,
                          &st->dbi[i]);
        if (rc == MDB_NOTFOUND && !writable && i == DB_LINEAGE)
            continue; /* added later: absent means empty */
        if (i == DB_LINEAGE && rc == 0)
            st->has_lineage = 1;
        if (rc == MDB_NOTFOUND && !writable) {
            MDB_dbi main_db;
            MDB_stat ms;
            int empty = mdb_dbi_open(t, NULL, 0, &main_db) == 0 &&
                        mdb_stat(t, main_db, &ms) == 0 && ms.ms_entries == 0;

            mdb_txn_abort(t);
            if (empty) /* a first ingest died before its first commit */
                return zx_fail(err, ZX_ENOTFOUND,
                               "no index at '%s' yet (it "
                               "is empty)",
                               st->dir);
            return zx_fail(err, ZX_ESTORE, "'%s' is not a zoodex index",
                           st->dir);
        }
        if (rc) {
            mdb_txn_abort(t);
            return lmdb_fail(err, rc, st->dir);
        }
    }
    snprintf(want, sizeof(want), "%d", ZX_STORE_SCHEMA);
    rc = mdb_get(t, st->dbi[DB_META], &k, &v);
    if (rc == MDB_NOTFOUND && writable) {
        v.mv_data = want;
        v.mv_size = strlen(want);
        rc = mdb_put(t, st->dbi[DB_META], &k, &v, 0);
    } else if (rc == 0 && (v.mv_size != strlen(want) ||
                           memcmp(v.mv_data, want, v.mv_size))) {
        mdb_txn_abort(t);
        return zx_fail(err, ZX_ESTORE,
                       "'%s' has schema version %.*s; this "
                       "zoodex reads version %s",
                       st->dir, (int)v.mv_size, (const char *)v.mv_data, want);
    } else if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(t);
        return zx_fail(err, ZX_ESTORE, "'%s' is not a zoodex index", st->dir);
    }
    if (rc) {
        mdb_txn_abort(t);
        return lmdb_fail(err, rc, st->dir);
    }
    rc = mdb_txn_commit(t);
    if (rc)
        return lmdb_fail(err, rc, st->dir);
    return ZX_OK;
}

int zx_store_open(const char *dir, unsigned flags, struct zx_store **out,
                  struct zx_error *err)
{
    struct zx_store *st = xcalloc(1, sizeof(*st));
    int writable = !(flags & ZX_STORE_RDONLY);
    char *data = zx_path_join(dir, "data.mdb");
    const char *env = getenv("ZOODEX_MAP_SIZE");
    size_t mapsize = DEFAULT_MAP_SIZE;
    int rc;

    *out = NULL;
    st->dir = xstrdup(dir);
    if (!writable && access(data, R_OK) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            rc = zx_fail(err, ZX_ENOTFOUND,
                         "no index at '%s' (run "
                         "'zoodex ingest' first)",
                         dir);
        else
            rc = zx_fail_errno(err, ZX_EIO, "cannot open index '%s'", dir);
        goto out;
    }
    if (writable) {
        rc = zx_mkdirs(dir, err);
        if (rc)
            goto out;
    }
    if (env && *env) {
        char *end;
        unsigned long long v = strtoull(env, &end, 10);

        if (*end == '\0' && v >= (1u << 20))
            mapsize = (size_t)v;
    }
    rc = mdb_env_create(&st->env);
    if (!rc)
        rc = mdb_env_set_maxdbs(st->env, N_DBS + 2);
    if (!rc)
        rc = mdb_env_set_mapsize(st->env, mapsize);
    if (!rc)
        rc = mdb_env_set_maxreaders(st->env, 256);
    if (rc) {
        rc = lmdb_fail(err, rc, dir);
        goto out;
    }
    /* MDB_NOTLS: transactions are not tied to threads (serve uses a pool).
     * Without MDB_NOSYNC every commit is durable. */
    /* MDB_NORDAHEAD: random reads of records should not pull neighbouring
     * pages into memory (keeps a long crawl's resident set small). */
    rc = mdb_env_open(st->env, dir,
                      MDB_NOTLS | MDB_NORDAHEAD | (writable ? 0 : MDB_RDONLY),
                      0644);
    if (rc) {
        if (rc == EACCES || rc == ENOENT || rc == EROFS)
            rc = zx_fail(err, ZX_EIO, "cannot open index '%s': %s", dir,
                         mdb_strerror(rc));
        else
            rc = lmdb_fail(err, rc, dir);
        goto out;
    }
    rc = check_schema(st, writable, err);
    if (rc)
        goto out;
    *out = st;
    st = NULL;
out:
    free(data);
    zx_store_close(st);
    return rc;
}

int zx_txn_begin(struct zx_store *st, int writable, struct zx_txn **out,
                 struct zx_error *err)
{
    struct zx_txn *t = xcalloc(1, sizeof(*t));
    int rc;

    *out = NULL;
    t->st = st;
    rc = mdb_txn_begin(st->env, NULL, writable ? 0 : MDB_RDONLY, &t->txn);
    if (rc) {
        free(t);
        if (rc == EACCES)
            return zx_fail(err, ZX_EIO, "index '%s' is read-only: %s", st->dir,
                           mdb_strerror(rc));
        return lmdb_fail(err, rc, st->dir);
    }
    *out = t;
    return ZX_OK;
}

int zx_txn_commit(struct zx_txn *txn, struct zx_error *err)
{
    int rc = mdb_txn_commit(txn->txn);
    const char *dir = txn->st->dir;

    free(txn);
    if (rc)
        return lmdb_fail(err, rc, dir);
    return ZX_OK;
}

void zx_txn_abort(struct zx_txn *txn)
{
    if (!txn)
        return;
    mdb_txn_abort(txn->txn);
    free(txn);
}

/* ===== Generic helpers ===== */

static int get_raw(struct zx_txn *t, int db, const void *key, size_t klen,
                   MDB_val *v, struct zx_error *err)
{
    MDB_val k = {klen, (void *)key};
    int rc = mdb_get(t->txn, t->st->dbi[db], &k, v);

    if (rc == MDB_NOTFOUND)
        return ZX_ENOTFOUND;
    if (rc)
        return lmdb_fail(err, rc, db_names[db]);
    return ZX_OK;
}

static int put_raw(struct zx_txn *t, int db, const void *key, size_t klen,
                   const void *val, size_t vlen, struct zx_error *err)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc;

    if (klen == 0 || klen > 511)
        return zx_fail(err, ZX_EUSAGE, "key of %zu bytes cannot be stored",
                       klen);
    rc = mdb_put(t->txn, t->st->dbi[db], &k, &v, 0);
    if (rc)
        return lmdb_fail(err, rc, db_names[db]);
    return ZX_OK;
}

static int del_raw(struct zx_txn *t, int db, const void *key, size_t klen,
                   struct zx_error *err)
{
    MDB_val k = {klen, (void *)key};
    int rc = mdb_del(t->txn, t->st->dbi[db], &k, NULL);

    if (rc == MDB_NOTFOUND)
        return ZX_ENOTFOUND;
    if (rc)
        return lmdb_fail(err, rc, db_names[db]);
    return ZX_OK;
}

static int get_json(struct zx_txn *t, int db, const char *key, json_t **out,
                    struct zx_error *err)
{
    MDB_val v;
    int rc;

    *out = NULL;
    rc = get_raw(t, db, key, strlen(key), &v, err);
    if (rc)
        return rc;
    rc =
        zx_json_parse(v.mv_data, v.mv_size, (size_t)-1, db_names[db], out, err);
    if (rc)
        return zx_fail(err, ZX_ESTORE, "corrupt %s record '%s'", db_names[db],
                       key);
    return ZX_OK;
}

static int put_json(struct zx_txn *t, int db, const char *key,
                    const json_t *rec, struct zx_error *err)
{
    char *s = zx_json_dump(rec);
    int rc = put_raw(t, db, key, strlen(key), s, strlen(s), err);

    free(s);
    return rc;
}

/* Walk a table, optionally only keys starting with prefix. */
static int each(struct zx_txn *t, int db, const void *prefix, size_t plen,
                int (*cb)(MDB_val *k, MDB_val *v, void *arg), void *arg,
                struct zx_error *err)
{
    MDB_cursor *c = NULL;
    MDB_val k = {plen, (void *)prefix}, v;
    int rc, op = plen ? MDB_SET_RANGE : MDB_FIRST;

    rc = mdb_cursor_open(t->txn, t->st->dbi[db], &c);
    if (rc)
        return lmdb_fail(err, rc, db_names[db]);
    for (;;) {
        rc = mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op);
        op = MDB_NEXT;
        if (rc == MDB_NOTFOUND) {
            rc = 0;
            break;
        }
        if (rc) {
            rc = lmdb_fail(err, rc, db_names[db]);
            break;
        }
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen)))
            break;
        rc = cb(&k, &v, arg);
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    return rc;
}

/* ===== Models ===== */

int zx_store_get_model(struct zx_txn *txn, const char *id, json_t **rec,
                       struct zx_error *err)
{
    return get_json(txn, DB_MODELS, id, rec, err);
}

int zx_store_put_model(struct zx_txn *txn, const char *id, const json_t *rec,
                       struct zx_error *err)
{
    return put_json(txn, DB_MODELS, id, rec, err);
}

int zx_store_del_model(struct zx_txn *txn, const char *id, struct zx_error *err)
{
    return del_raw(txn, DB_MODELS, id, strlen(id), err);
}

struct json_walk {
    int (*cb)(const char *key, json_t *rec, void *arg);
    void *arg;
    struct zx_error *err;
    const char *table;
};

static int json_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct json_walk *w = arg;
    char *key = xstrndup(k->mv_data, k->mv_size);
    json_t *rec = NULL;
    int rc;

    if (zx_json_parse(v->mv_data, v->mv_size, (size_t)-1, w->table, &rec,
                      w->err)) {
        rc =
            zx_fail(w->err, ZX_ESTORE, "corrupt %s record '%s'", w->table, key);
    } else {
        rc = w->cb(key, rec, w->arg);
    }
    json_decref(rec);
    free(key);
    return rc;
}

int zx_store_each_model(struct zx_txn *txn,
                        int (*cb)(const char *id, json_t *rec, void *arg),
                        void *arg, struct zx_error *err)
{
    struct json_walk w = {cb, arg, err, "models"};

    return each(txn, DB_MODELS, NULL, 0, json_walk_cb, &w, err);
}

int zx_store_next_vid(struct zx_txn *txn, uint64_t *vid, struct zx_error *err)
{
    MDB_val v;
    unsigned char b[8];
    uint64_t n = 1;
    int rc, i;

    rc = get_raw(txn, DB_META, "next_vid", 8, &v, err);
    if (rc == ZX_OK && v.mv_size == 8) {
        n = 0;
        for (i = 7; i >= 0; i--)
            n = (n << 8) | ((const unsigned char *)v.mv_data)[i];
    } else if (rc != ZX_ENOTFOUND && rc != ZX_OK) {
        return rc;
    }
    *vid = n;
    n++;
    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(n >> (8 * i));
    return put_raw(txn, DB_META, "next_vid", 8, b, 8, err);
}

/* ===== Vectors ===== */

static void vec_key(const char *arch, uint64_t vid, unsigned char k[24])
{
    int i;

    ZX_ASSERT(strlen(arch) == 16);
    memcpy(k, arch, 16);
    for (i = 0; i < 8; i++)
        k[16 + i] = (unsigned char)(vid >> (56 - 8 * i));
}

/* ===== Lineage descriptors ===== */

int zx_store_put_lfp(struct zx_txn *txn, const char *model, uint32_t version,
                     const float *v, uint32_t dim, struct zx_error *err)
{
    size_t n = 12 + 4 * (size_t)dim;
    unsigned char *b = xmalloc(n);
    int rc;

    memcpy(b, "ZXL1", 4);
    memcpy(b + 4, &version, 4);
    memcpy(b + 8, &dim, 4);
    memcpy(b + 12, v, 4 * (size_t)dim);
    rc = put_raw(txn, DB_LINEAGE, model, strlen(model), b, n, err);
    free(b);
    return rc;
}

int zx_store_get_lfp(struct zx_txn *txn, const char *model, uint32_t *version,
                     const void **v, uint32_t *dim, struct zx_error *err)
{
    MDB_val val;
    int rc;

    if (!txn->st->has_lineage)
        return ZX_ENOTFOUND;
    rc = get_raw(txn, DB_LINEAGE, model, strlen(model), &val, err);
    if (rc)
        return rc;
    if (val.mv_size < 12 || memcmp(val.mv_data, "ZXL1", 4))
        return zx_fail(err, ZX_ESTORE, "corrupt lineage record of '%s'", model);
    memcpy(version, (const char *)val.mv_data + 4, 4);
    memcpy(dim, (const char *)val.mv_data + 8, 4);
    if (val.mv_size != 12 + 4 * (size_t)*dim)
        return zx_fail(err, ZX_ESTORE, "corrupt lineage record of '%s'", model);
    *v = (const char *)val.mv_data + 12;
    return ZX_OK;
}

int zx_store_del_lfp(struct zx_txn *txn, const char *model,
                     struct zx_error *err)
{
    if (!txn->st->has_lineage)
        return ZX_ENOTFOUND;
    return del_raw(txn, DB_LINEAGE, model, strlen(model), err);
}

int zx_store_put_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     const char *model, const float *v, uint32_t dim,
                     struct zx_error *err)
{
    size_t ml = strlen(model), n = 4 + 4 + 16 + 2 + ml + 1 + 4 * (size_t)dim;
    unsigned char *b = xmalloc(n), k[24];
    int rc;

    ZX_ASSERT(ml < 65535);
    memcpy(b, "ZXV1", 4);
    memcpy(b + 4, &dim, 4);
    memcpy(b + 8, arch, 16);
    b[24] = (unsigned char)(ml & 0xff);
    b[25] = (unsigned char)(ml >> 8);
    memcpy(b + 26, model, ml + 1);
    memcpy(b + 26 + ml + 1, v, 4 * (size_t)dim);
    vec_key(arch, vid, k);
    rc = put_raw(txn, DB_VECTORS, k, 24, b, n, err);
    free(b);
    return rc;
}

static int decode_vec(const MDB_val *k, const MDB_val *v, struct zx_vec *out)
{
    const unsigned char *b = v->mv_data, *kb = k->mv_data;
    size_t ml;
    int i;

    if (k->mv_size != 24 || v->mv_size < 27 || memcmp(b, "ZXV1", 4) ||
        memcmp(kb, b + 8, 16))
        return -1;
    memcpy(&out->dim, b + 4, 4);
    memcpy(out->arch, b + 8, 16);
    out->arch[16] = '\0';
    ml = (size_t)b[24] | ((size_t)b[25] << 8);
    if (out->dim > (1u << 20) ||
        v->mv_size != 26 + ml + 1 + 4 * (size_t)out->dim || b[26 + ml])
        return -1;
    out->model = (const char *)b + 26;
    out->data = b + 26 + ml + 1;
    out->vid = 0;
    for (i = 0; i < 8; i++)
        out->vid = (out->vid << 8) | kb[16 + i];
    return 0;
}

int zx_store_get_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     struct zx_vec *out, struct zx_error *err)
{
    unsigned char k[24];
    MDB_val kv = {24, k}, v;
    int rc;

    vec_key(arch, vid, k);
    rc = get_raw(txn, DB_VECTORS, k, 24, &v, err);
    if (rc)
        return rc;
    if (decode_vec(&kv, &v, out))
        return zx_fail(err, ZX_ESTORE, "corrupt vector record %s/%llu", arch,
                       (unsigned long long)vid);
    return ZX_OK;
}

int zx_store_del_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     struct zx_error *err)
{
    unsigned char k[24];

    vec_key(arch, vid, k);
    return del_raw(txn, DB_VECTORS, k, 24, err);
}

struct vec_walk {
    int (*cb)(const struct zx_vec *v, void *arg);
    void *arg;
    struct zx_error *err;
};

static int vec_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct vec_walk *w = arg;
    struct zx_vec vec;

    if (decode_vec(k, v, &vec))
        return zx_fail(w->err, ZX_ESTORE, "corrupt vector record");
    return w->cb(&vec, w->arg);
}

int zx_store_each_vec(struct zx_txn *txn, const char *arch,
                      int (*cb)(const struct zx_vec *v, void *arg), void *arg,
                      struct zx_error *err)
{
    struct vec_walk w = {cb, arg, err};

    return each(txn, DB_VECTORS, arch, arch ? strlen(arch) : 0, vec_walk_cb, &w,
                err);
}

/* ===== Groups ===== */

int zx_store_get_group(struct zx_txn *txn, const char *arch, json_t **rec,
                       struct zx_error *err)
{
    return get_json(txn, DB_GROUPS, arch, rec, err);
}

int zx_store_put_group(struct zx_txn *txn, const char *arch, const json_t *rec,
                       struct zx_error *err)
{
    return put_json(txn, DB_GROUPS, arch, rec, err);
}

int zx_store_each_group(struct zx_txn *txn,
                        int (*cb)(const char *arch, json_t *rec, void *arg),
                        void *arg, struct zx_error *err)
{
    struct json_walk w = {cb, arg, err, "groups"};

    return each(txn, DB_GROUPS, NULL, 0, json_walk_cb, &w, err);
}

/* ===== Edges ===== */

static char *pair_key(const char *a, const char *b, size_t *len)
{
    size_t la = strlen(a), lb = strlen(b);
    char *k = xmalloc(la + lb + 2);

    memcpy(k, a, la + 1);
    memcpy(k + la + 1, b, lb + 1);
    *len = la + 1 + lb;
    return k;
}

int zx_store_put_edge(struct zx_txn *txn, const char *child, const char *parent,
                      const json_t *info, struct zx_error *err)
{
    size_t kl;
    char *k = pair_key(child, parent, &kl), *v = zx_json_dump(info);
    int rc = put_raw(txn, DB_EDGES, k, kl, v, strlen(v), err);

    free(k);
    free(v);
    if (rc)
        return rc;
    k = pair_key(parent, child, &kl);
    rc = put_raw(txn, DB_REDGES, k, kl, "", 0, err);
    free(k);
    return rc;
}

struct edge_list {
    json_t *arr;
    const char *field;
    struct zx_txn *txn;
    struct zx_error *err;
    size_t plen;
    int reverse;
};

static int edge_list_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct edge_list *l = arg;
    char *other =
        xstrndup((const char *)k->mv_data + l->plen, k->mv_size - l->plen);
    json_t *info = NULL;
    int rc = ZX_OK;

    if (l->reverse) {
        /* redges holds no info: read the forward edge. */
        char *child = other;
        const char *parent = k->mv_data;
        size_t kl;
        char *fk = pair_key(child, parent, &kl);
        MDB_val fv;

        rc = get_raw(l->txn, DB_EDGES, fk, kl, &fv, l->err);
        free(fk);
        if (rc == ZX_OK)
            rc = zx_json_parse(fv.mv_data, fv.mv_size, (size_t)-1, "edges",
                               &info, l->err);
        if (rc == ZX_ENOTFOUND) { /* dangling reverse entry: ignore */
            free(other);
            return ZX_OK;
        }
    } else {
        rc = zx_json_parse(v->mv_data, v->mv_size, (size_t)-1, "edges", &info,
                           l->err);
    }
    if (rc) {
        free(other);
        return zx_fail(l->err, ZX_ESTORE, "corrupt edge record");
    }
    json_object_set_new(info, l->field, json_string(other));
    json_array_append_new(l->arr, info);
    free(other);
    return ZX_OK;
}

static int list_edges(struct zx_txn *txn, int db, const char *id,
                      const char *field, json_t **out, struct zx_error *err)
{
    size_t plen = strlen(id) + 1;
    struct edge_list l = {json_array(), field, txn, err, plen, db == DB_REDGES};
    int rc = each(txn, db, id, plen, edge_list_cb, &l, err);

    if (rc) {
        json_decref(l.arr);
        *out = NULL;
        return rc;
    }
    *out = l.arr;
    return ZX_OK;
}

int zx_store_parents(struct zx_txn *txn, const char *child, json_t **out,
                     struct zx_error *err)
{
    return list_edges(txn, DB_EDGES, child, ZX_EDGE_PARENT, out, err);
}

int zx_store_children(struct zx_txn *txn, const char *parent, json_t **out,
                      struct zx_error *err)
{
    return list_edges(txn, DB_REDGES, parent, ZX_EDGE_CHILD, out, err);
}

int zx_store_del_edges_of(struct zx_txn *txn, const char *child,
                          struct zx_error *err)
{
    json_t *parents = NULL, *p;
    size_t i, kl;
    int rc = zx_store_parents(txn, child, &parents, err);

    if (rc)
        return rc;
    json_array_foreach(parents, i, p)
    {
        const char *parent = zx_json_str(p, ZX_EDGE_PARENT);
        char *k = pair_key(child, parent, &kl);

        rc = del_raw(txn, DB_EDGES, k, kl, err);
        free(k);
        if (rc && rc != ZX_ENOTFOUND)
            break;
        k = pair_key(parent, child, &kl);
        rc = del_raw(txn, DB_REDGES, k, kl, err);
        free(k);
        if (rc == ZX_ENOTFOUND)
            rc = ZX_OK;
        if (rc)
            break;
    }
    json_decref(parents);
    return rc;
}

int zx_store_del_edge(struct zx_txn *txn, const char *child, const char *parent,
                      struct zx_error *err)
{
    size_t kl;
    char *k = pair_key(child, parent, &kl);
    int rc = del_raw(txn, DB_EDGES, k, kl, err);

    free(k);
    if (rc)
        return rc;
    k = pair_key(parent, child, &kl);
    rc = del_raw(txn, DB_REDGES, k, kl, err);
    free(k);
    return rc == ZX_ENOTFOUND ? ZX_OK : rc;
}

struct edge_walk {
    int (*cb)(const char *child, const char *parent, json_t *info, void *arg);
    void *arg;
    struct zx_error *err;
};

static int edge_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct edge_walk *w = arg;
    const char *child = k->mv_data;
    size_t cl = strnlen(child, k->mv_size);
    char *c, *p;
    json_t *info = NULL;
    int rc;

    if (cl >= k->mv_size)
        return zx_fail(w->err, ZX_ESTORE, "corrupt edge key");
    c = xstrndup(child, cl);
    p = xstrndup(child + cl + 1, k->mv_size - cl - 1);
    rc = zx_json_parse(v->mv_data, v->mv_size, (size_t)-1, "edges", &info,
                       w->err);
    if (rc)
        rc = zx_fail(w->err, ZX_ESTORE, "corrupt edge record");
    else
        rc = w->cb(c, p, info, w->arg);
    json_decref(info);
    free(c);
    free(p);
    return rc;
}

int zx_store_each_edge(struct zx_txn *txn,
                       int (*cb)(const char *child, const char *parent,
                                 json_t *info, void *arg),
                       void *arg, struct zx_error *err)
{
    struct edge_walk w = {cb, arg, err};

    return each(txn, DB_EDGES, NULL, 0, edge_walk_cb, &w, err);
}

/* ===== State ===== */

int zx_store_get_state(struct zx_txn *txn, const char *key, char **val,
                       struct zx_error *err)
{
    MDB_val v;
    int rc = get_raw(txn, DB_STATE, key, strlen(key), &v, err);

    *val = NULL;
    if (rc)
        return rc;
    *val = xstrndup(v.mv_data, v.mv_size);
    return ZX_OK;
}

int zx_store_put_state(struct zx_txn *txn, const char *key, const char *val,
                       struct zx_error *err)
{
    return put_raw(txn, DB_STATE, key, strlen(key), val, strlen(val), err);
}

int zx_store_del_state(struct zx_txn *txn, const char *key,
                       struct zx_error *err)
{
    return del_raw(txn, DB_STATE, key, strlen(key), err);
}

struct state_walk {
    int (*cb)(const char *key, const char *val, void *arg);
    void *arg;
};

static int state_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct state_walk *w = arg;
    char *key = xstrndup(k->mv_data, k->mv_size);
    char *val = xstrndup(v->mv_data, v->mv_size);
    int rc = w->cb(key, val, w->arg);

    free(key);
    free(val);
    return rc;
}

int zx_store_each_state(struct zx_txn *txn, const char *prefix,
                        int (*cb)(const char *key, const char *val, void *arg),
                        void *arg, struct zx_error *err)
{
    struct state_walk w = {cb, arg};

    return each(txn, DB_STATE, prefix, strlen(prefix), state_walk_cb, &w, err);
}

int zx_store_counts(struct zx_txn *txn, json_t **out, struct zx_error *err)
{
    json_t *o = json_object();
    MDB_envinfo info;
    MDB_stat st;
    int i, rc;

    *out = NULL;
    for (i = 1; i < N_DBS; i++) {
        if (i == DB_LINEAGE && !txn->st->has_lineage)
            continue;
        rc = mdb_stat(txn->txn, txn->st->dbi[i], &st);
        if (rc) {
            json_decref(o);
            return lmdb_fail(err, rc, db_names[i]);
        }
        json_object_set_new(o, db_names[i],
                            json_integer((json_int_t)st.ms_entries));
    }
    mdb_env_info(txn->st->env, &info);
    mdb_env_stat(txn->st->env, &st);
    json_object_set_new(o, "bytes_used",
                        json_integer((json_int_t)((info.me_last_pgno + 1) *
                                                  (size_t)st.ms_psize)));
    *out = o;
    return ZX_OK;
}
