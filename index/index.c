/* index.c - ties descriptors, the store and the vector files together.
 * SPDX-License-Identifier: MIT */
#include "index.h"
#include "lineage.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"
#include "vindex.h"
#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_mem.h"

#define CACHE_SLOTS 8

/* Loaded vector files, so a long-lived process (serve, benchmarks, many
 * queries) maps a group's file once per generation, and copies it into
 * its own memory when it searches the group a second time. */
struct cached {
    char arch[17];
    int64_t gen;
    struct zx_vindex *vi;
    unsigned long used;
    int resident;
};

struct zx_index {
    char *dir;
    char *vecdir;
    struct zx_store *st;
    int lock_fd;
    int writable;
    struct cached cache[CACHE_SLOTS];
    unsigned long tick;
    zx_index_warn_fn warn; /* zx_index_on_warning */
    void *warn_arg;
    json_t *warned; /* paths already warned about */
};

/* Whoever may write data.mdb may take the writer lock, and nobody else:
 * a user who could open zoodex.lock could hold its flock and stall every
 * writer.  So its mode is data.mdb's write bits, each with the read bit
 * next to it (0644 -> 0600, 0664 -> 0660).  Only its owner can set it. */
static void share_writer_lock(const char *dir, int fd)
{
    char *data = zx_path_join(dir, "data.mdb");
    struct stat ds, ls;

    if (stat(data, &ds) == 0 && fstat(fd, &ls) == 0 && ls.st_uid == geteuid()) {
        mode_t want = (ds.st_mode & 0222) | ((ds.st_mode & 0222) << 1);

        if ((ls.st_mode & 07777) != want)
            fchmod(fd, want); /* best effort */
    }
    free(data);
}

int zx_index_open(const char *dir, enum zx_index_mode mode,
                  struct zx_index **out, struct zx_error *err)
{
    struct zx_index *ix = xcalloc(1, sizeof(*ix));
    char *lock = NULL;
    int rc;

    *out = NULL;
    if (mode == ZX_INDEX_UPDATE) { /* there must be an index already */
        struct zx_index *probe = NULL;

        rc = zx_index_open(dir, ZX_INDEX_READ, &probe, err);
        zx_index_close(probe);
        if (rc) {
            free(ix);
            return rc;
        }
    }
    ix->lock_fd = -1;
    ix->dir = xstrdup(dir);
    ix->vecdir = zx_path_join(dir, "vectors");
    ix->writable = mode != ZX_INDEX_READ;
    if (ix->writable) {
        rc = zx_mkdirs(dir, err);
        if (rc)
            goto out;
        if (access(dir, W_OK) != 0) {
            rc = zx_fail_errno(err, ZX_EIO,
                               "cannot write index '%s': the folder is not "
                               "writable by you (reading needs no write "
                               "access, see zoodex-store(5))",
                               dir);
            goto out;
        }
        lock = zx_path_join(dir, "zoodex.lock");
        rc = zx_lock_file(lock, 0, &ix->lock_fd, err);
        if (rc)
            goto out;
        rc = zx_mkdirs(ix->vecdir, err);
        if (rc)
            goto out;
    }
    rc = zx_store_open(dir, ix->writable ? 0 : ZX_STORE_RDONLY, &ix->st, err);
    if (rc)
        goto out;
    if (ix->writable)
        share_writer_lock(dir, ix->lock_fd);
    *out = ix;
    ix = NULL;
out:
    free(lock);
    zx_index_close(ix);
    return rc;
}

void zx_index_close(struct zx_index *ix)
{
    int i;

    if (!ix)
        return;
    for (i = 0; i < CACHE_SLOTS; i++)
        zx_vindex_free(ix->cache[i].vi);
    zx_store_close(ix->st);
    zx_unlock_file(ix->lock_fd);
    json_decref(ix->warned);
    free(ix->dir);
    free(ix->vecdir);
    free(ix);
}

struct zx_store *zx_index_store(struct zx_index *ix)
{
    return ix->st;
}

const char *zx_index_dir(const struct zx_index *ix)
{
    return ix->dir;
}

void zx_index_on_warning(struct zx_index *ix, zx_index_warn_fn fn, void *arg)
{
    ix->warn = fn;
    ix->warn_arg = arg;
}

/* ===== Adding a model ===== */

int zx_index_describe(const struct zx_model_src *src, struct zx_desc *d,
                      json_t **tensors, struct zx_error *err)
{
    struct zx_ckpt *ck = NULL;
    int rc = zx_ckpt_open(src->weights, &ck, err);

    if (rc)
        return rc;
    rc = zx_desc_compute(ck, d, tensors, err);
    if (rc)
        zx_error_prefix(err, "'%s'", src->weights);
    zx_ckpt_close(ck);
    return rc;
}

/* {"lora": summary} for a LoRA adapter (zx_desc_lora), scaled as PEFT
 * does: lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora. */
static int describe_lora(const struct zx_model_src *src, json_t **extra,
                         struct zx_error *err)
{
    struct zx_ckpt *ck = NULL;
    json_t *lora = NULL;
    double r = json_number_value(json_object_get(src->adapter, "r"));
    double alpha =
        json_number_value(json_object_get(src->adapter, "lora_alpha"));
    double scale =
        r > 0
            ? alpha / (json_is_true(json_object_get(src->adapter, "use_rslora"))
                           ? sqrt(r)
                           : r)
            : 1;
    int rc = zx_ckpt_open(src->weights, &ck, err);

    *extra = NULL;
    if (!rc)
        rc = zx_desc_lora(ck, scale > 0 ? scale : 1, &lora, err);
    zx_ckpt_close(ck);
    if (!rc && lora) {
        json_object_set_new(lora, "scale", json_real(scale));
        *extra = json_pack("{s:o}", "lora", lora);
    }
    return rc;
}

static char *now_iso(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

static json_t *build_record(const struct zx_model_src *src,
                            const struct zx_desc *d, json_t *tensors,
                            uint64_t vid)
{
    json_t *rec = json_object(), *by = json_object();
    char *ts = now_iso();
    int dt;

    for (dt = 0; dt < ZX_DTYPE_COUNT; dt++)
        if (d->params_by_dtype[dt])
            json_object_set_new(
                by, zx_dtype_name((enum zx_dtype)dt),
                json_integer((json_int_t)d->params_by_dtype[dt]));
    json_object_set_new(rec, ZX_REC_ID, json_string(src->id));
    if (src->revision)
        json_object_set_new(rec, ZX_REC_REVISION, json_string(src->revision));
    json_object_set_new(rec, ZX_REC_SOURCE, json_string(src->path));
    if (src->weights)
        json_object_set_new(rec, ZX_REC_WEIGHTS,
                            json_string(src->weights_shown ? src->weights_shown
                                                           : src->weights));
    if (src->stamp[0])
        json_object_set_new(rec, ZX_REC_STAMP, json_string(src->stamp));
    json_object_set_new(rec, ZX_REC_INGESTED, json_string(ts));
    json_object_set_new(rec, ZX_REC_META, zx_model_meta(src));
    json_object_set_new(rec, ZX_REC_DECLARED_PARENTS,
                        zx_model_declared_parents(src));
    json_object_set_new(rec, ZX_REC_ALGO, zx_desc_algo());
    json_object_set_new(rec, ZX_REC_ARCH, json_string(d->arch));
    json_object_set_new(rec, ZX_REC_VID,
                        d->has_fp ? json_integer((json_int_t)vid)
                                  : json_null());
    if (isnan(d->kurtosis)) { /* a light descriptor: not computed */
        json_object_set_new(rec, ZX_REC_KURTOSIS, json_null());
        json_object_set_new(rec, ZX_REC_KURTOSIS_LAYERS, json_null());
    } else {
        json_object_set_new(rec, ZX_REC_KURTOSIS, json_real(d->kurtosis));
        json_object_set_new(rec, ZX_REC_KURTOSIS_LAYERS,
                            json_integer(d->n_kurt_layers));
    }
    json_object_set_new(rec, ZX_REC_PARAMS,
                        json_integer((json_int_t)d->n_params));
    json_object_set_new(rec, ZX_REC_PARAMS_BY_DTYPE, by);
    json_object_set_new(rec, ZX_REC_DTYPE, json_string(d->main_dtype));
    json_object_set_new(rec, ZX_REC_N_TENSORS,
                        json_integer((json_int_t)d->n_tensors));
    json_object_set_new(rec, ZX_REC_N_BACKBONE,
                        json_integer((json_int_t)d->n_backbone));
    json_object_set_new(rec, ZX_REC_WEIGHTS_DIGEST,
                        d->weights_digest[0] ? json_string(d->weights_digest)
                                             : json_null());
    if (d->layout_digest[0])
        json_object_set_new(rec, ZX_REC_LAYOUT_DIGEST,
                            json_string(d->layout_digest));
    if (tensors)
        json_object_set(rec, ZX_REC_TENSORS, tensors);
    free(ts);
    return rec;
}

/* Change a group's model count by delta and bump its generation. */
static int touch_group(struct zx_txn *txn, const char *arch, int delta,
                       struct zx_error *err)
{
    json_t *g = NULL;
    int64_t gen = 0, n = 0;
    int rc = zx_store_get_group(txn, arch, &g, err);

    if (rc == ZX_ENOTFOUND) {
        g = json_object();
        rc = ZX_OK;
    }
    if (rc)
        return rc;
    zx_json_int(g, ZX_GROUP_GEN, &gen);
    zx_json_int(g, ZX_GROUP_N_MODELS, &n);
    json_object_set_new(g, ZX_GROUP_GEN, json_integer(gen + 1));
    json_object_set_new(g, ZX_GROUP_N_MODELS, json_integer(n + delta));
    json_object_set_new(g, ZX_GROUP_DIM, json_integer(ZX_FP_DIM));
    json_object_set_new(g, ZX_GROUP_VERSION, json_integer(ZX_DESC_VERSION));
    rc = zx_store_put_group(txn, arch, g, err);
    json_decref(g);
    return rc;
}

/* Remove the vector of an old record from its group. */
static int drop_old_vector(struct zx_txn *txn, json_t *old,
                           struct zx_error *err)
{
    const char *arch = zx_json_str(old, ZX_REC_ARCH);
    int64_t vid;
    int rc;

    if (!arch || !zx_json_int(old, ZX_REC_VID, &vid))
        return ZX_OK;
    rc = zx_store_del_vec(txn, arch, (uint64_t)vid, err);
    if (rc == ZX_ENOTFOUND)
        rc = ZX_OK;
    if (!rc)
        rc = touch_group(txn, arch, -1, err);
    return rc;
}

/* json_equal, with two absent values equal. */
static int same_json(json_t *a, json_t *b)
{
    return (!a && !b) || (a && b && json_equal(a, b));
}

/* Make model id's declared edges those of `declared` ([{parent, relation,
 * source}]).  Edges inferred from the weights stay (they change only when
 * lineage re-charts the model's component): a declared edge the weights
 * also found stays "both" with its evidence, and one no longer declared
 * falls back to "inferred". */
static int put_declared_edges(struct zx_txn *txn, const char *id,
                              json_t *declared, struct zx_error *err)
{
    json_t *have = NULL, *e, *p, *info;
    size_t i, j;
    int rc = zx_store_parents(txn, id, &have, err);

    json_array_foreach(have, i, e)
    {
        const char *parent = zx_json_str(e, ZX_EDGE_PARENT);
        const char *prov = zx_json_str(e, ZX_EDGE_PROVENANCE);
        int still = 0;

        if (rc)
            break;
        json_array_foreach(declared, j, p) still |=
            !strcmp(zx_json_str(p, ZX_EDGE_PARENT), parent);
        if (still || (prov && !strcmp(prov, "inferred")))
            continue;
        if (prov && !strcmp(prov, "both")) {
            info = json_deep_copy(e);
            json_object_del(info, ZX_EDGE_PARENT);
            json_object_del(info, ZX_EDGE_SOURCE);
            json_object_del(info, ZX_EDGE_CONTRADICTION);
            json_object_set_new(info, ZX_EDGE_PROVENANCE,
                                json_string("inferred"));
            rc = zx_store_put_edge(txn, id, parent, info, err);
            json_decref(info);
        } else {
            rc = zx_store_del_edge(txn, id, parent, err);
        }
    }
    json_array_foreach(declared, i, p)
    {
        const char *parent = zx_json_str(p, ZX_EDGE_PARENT);
        json_t *prev = NULL;

        if (rc)
            break;
        json_array_foreach(
            have, j, e) if (!strcmp(zx_json_str(e, ZX_EDGE_PARENT), parent))
            prev = e;
        if (prev) { /* keep its provenance, evidence and checks */
            info = json_deep_copy(prev);
            json_object_del(info, ZX_EDGE_PARENT);
            if (!strcmp(zx_json_str(prev, ZX_EDGE_PROVENANCE), "inferred"))
                json_object_set_new(info, ZX_EDGE_PROVENANCE,
                                    json_string("both"));
        } else {
            info = json_pack("{s:s,s:f}", ZX_EDGE_PROVENANCE, "declared",
                             ZX_EDGE_CONFIDENCE, 1.0);
        }
        json_object_set(info, ZX_EDGE_RELATION,
                        json_object_get(p, ZX_EDGE_RELATION));
        json_object_set(info, ZX_EDGE_SOURCE,
                        json_object_get(p, ZX_EDGE_SOURCE));
        rc = zx_store_put_edge(txn, id, parent, info, err);
        json_decref(info);
    }
    json_decref(have);
    return rc;
}

/* Remove model `id` entirely (record, vector, edges) inside txn. */
static int remove_in_txn(struct zx_txn *txn, const char *id,
                         struct zx_error *err)
{
    json_t *old = NULL;
    int rc = zx_store_get_model(txn, id, &old, err);

    if (rc == ZX_ENOTFOUND)
        return ZX_OK;
    if (!rc)
        rc = drop_old_vector(txn, old, err);
    if (!rc)
        rc = zx_store_del_edges_of(txn, id, err);
    if (!rc) {
        rc = zx_store_del_lfp(txn, id, err);
        rc = rc == ZX_ENOTFOUND ? ZX_OK : rc;
    }
    if (!rc)
        rc = zx_store_del_model(txn, id, err);
    json_decref(old);
    return rc;
}

int zx_index_check_models(struct zx_index *ix, char *const *ids, size_t n,
                          struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    size_t i;
    int rc = zx_txn_begin(ix->st, 0, &txn, err);

    for (i = 0; !rc && i < n; i++) {
        json_t *rec = NULL;

        rc = zx_store_get_model(txn, ids[i], &rec, err);
        json_decref(rec);
        if (rc == ZX_ENOTFOUND)
            rc = zx_fail(err, ZX_ENOTFOUND,
                         "no model '%s' in the index (give its full id, as "
                         "`zoodex list` prints it)",
                         ids[i]);
    }
    zx_txn_abort(txn);
    return rc;
}

int zx_index_remove(struct zx_index *ix, const char *id, json_t **report,
                    struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *rec = NULL, *kids = NULL, *kept = json_array(), *x;
    const char *hub_id;
    size_t i;
    int rc;

    *report = NULL;
    rc = zx_txn_begin(ix->st, 1, &txn, err);
    if (!rc)
        rc = zx_store_get_model(txn, id, &rec, err);
    if (rc == ZX_ENOTFOUND)
        rc = zx_fail(err, ZX_ENOTFOUND, "no model '%s' in the index", id);
    if (!rc)
        rc = zx_store_children(txn, id, &kids, err);
    if (rc)
        goto out;
    /* What other models declare about it stays: it becomes a parent that
     * is not indexed.  Edges only the weights gave go with its vector
     * (the next lineage update re-charts its group). */
    json_array_foreach(kids, i, x)
    {
        const char *child = zx_json_str(x, "child");
        const char *prov = zx_json_str(x, "provenance");

        if (rc || !child)
            continue;
        if (prov && !strcmp(prov, "inferred")) {
            rc = zx_store_del_edge(txn, child, id, err);
            rc = rc == ZX_ENOTFOUND ? ZX_OK : rc;
        } else if (prov && !strcmp(prov, "both")) {
            json_t *info = json_deep_copy(x);

            json_object_del(info, "child");
            json_object_set_new(info, "provenance", json_string("declared"));
            json_object_set_new(info, "confidence", json_real(1.0));
            rc = zx_store_put_edge(txn, child, id, info, err);
            json_decref(info);
            json_array_append_new(kept, json_string(child));
        } else {
            json_array_append_new(kept, json_string(child));
        }
    }
    if (!rc)
        rc = remove_in_txn(txn, id, err);
    hub_id = zx_json_str(json_object_get(rec, "hub"), "_id");
    if (!rc && hub_id) { /* the crawl's rename map */
        char *key = xasprintf("hubid:%s", hub_id), *cur = NULL;

        if (zx_store_get_state(txn, key, &cur, NULL) == ZX_OK &&
            !strcmp(cur, id)) {
            rc = zx_store_del_state(txn, key, err);
            rc = rc == ZX_ENOTFOUND ? ZX_OK : rc;
        }
        free(cur);
        free(key);
    }
    if (rc)
        goto out;
    rc = zx_txn_commit(txn, err);
    txn = NULL;
    if (!rc)
        *report =
            json_pack("{s:s,s:s?,s:O}", "model", id, "group",
                      zx_json_str(rec, "arch"), "declared_children", kept);
out:
    zx_txn_abort(txn);
    json_decref(rec);
    json_decref(kids);
    json_decref(kept);
    return rc;
}

/* ===== Merging a model's records =====
 *
 * Two records of one model may describe the same weights from two sides:
 * an ingest reads every byte (kurtosis, per-tensor digests), a crawl only
 * the tensor table and the sampled coordinates (fingerprint, lineage
 * descriptor).  What one side knows and the other does not is kept
 * (zoodex-store(5), "Merging"). */

/* The weight files two records name, with the Hub's sha256 of each: 1
 * the same, 0 different, -1 unknown (either side does not know them). */
static int same_files(json_t *a, json_t *b)
{
    json_t *x;
    size_t i;

    if (!json_array_size(a) || !json_array_size(b))
        return -1;
    json_array_foreach(a, i, x) if (!zx_json_str(x, "sha256")) return -1;
    json_array_foreach(b, i, x) if (!zx_json_str(x, "sha256")) return -1;
    return json_equal(a, b);
}

/* 1 when the fingerprint and the lineage descriptor stored for old (model
 * id) are bit for bit those of d: the values both sides read at the same
 * coordinates. */
static int same_samples(struct zx_txn *txn, const char *id, json_t *old,
                        const struct zx_desc *d)
{
    struct zx_vec v;
    const void *lv = NULL;
    uint32_t lver = 0, ldim = 0;
    int64_t vid;
    int rc;

    if (!d->has_fp || !zx_json_int(old, ZX_REC_VID, &vid) ||
        zx_store_get_vec(txn, d->arch, (uint64_t)vid, &v, NULL) ||
        v.dim != ZX_FP_DIM || memcmp(v.data, d->fp, sizeof(d->fp)))
        return 0;
    rc = zx_store_get_lfp(txn, id, &lver, &lv, &ldim, NULL);
    if (rc == ZX_ENOTFOUND)
        return d->lfp_dim == 0;
    return rc == ZX_OK && lver == ZX_DESC_VERSION && ldim == d->lfp_dim &&
           !memcmp(lv, d->lfp, (size_t)ldim * sizeof(float));
}

/* 1 when the stored record old (model id) describes the weights that d
 * (and the new record rec) describe.  Descriptors of another version are
 * never compared.  Exact evidence first: both weights digests (every
 * byte), both file lists with their sha256, the same commit; else what
 * both an ingest and a crawl compute: the signature, the layout digest
 * (every tensor's name, dtype and shape) and the sampled values. */
static int same_weights(struct zx_txn *txn, const char *id, json_t *old,
                        json_t *rec, json_t *local, const struct zx_desc *d)
{
    const char *od = zx_json_str(old, ZX_REC_WEIGHTS_DIGEST);
    const char *orev = zx_json_str(old, ZX_REC_REVISION);
    const char *nrev = zx_json_str(rec, ZX_REC_REVISION);
    const char *oarch = zx_json_str(old, ZX_REC_ARCH);
    const char *ol = zx_json_str(old, ZX_REC_LAYOUT_DIGEST);
    char layout[65];
    int64_t ver = -1;
    int f;

    zx_json_int(json_object_get(old, ZX_REC_ALGO), "version", &ver);
    if (ver != ZX_DESC_VERSION)
        return 0;
    if (od && d->weights_digest[0])
        return !strcmp(od, d->weights_digest);
    f = same_files(json_object_get(old, ZX_REC_FILES),
                   json_object_get(rec, ZX_REC_FILES));
    if (f >= 0)
        return f;
    if (orev && nrev && !strcmp(orev, nrev))
        return 1;
    /* the full side's local files against the Hub's */
    f = same_files(local, json_object_get(rec, ZX_REC_FILES)
                              ? json_object_get(rec, ZX_REC_FILES)
                              : json_object_get(old, ZX_REC_FILES));
    if (f >= 0)
        return f;
    if (!oarch || strcmp(oarch, d->arch) || !d->layout_digest[0])
        return 0;
    if (ol)
        snprintf(layout, sizeof(layout), "%s", ol);
    else if (zx_desc_layout_digest_json(json_object_get(old, ZX_REC_TENSORS),
                                        layout))
        return 0;
    if (strcmp(layout, d->layout_digest))
        return 0;
    return same_samples(txn, id, old, d);
}

/* SHA-256 of a local file into hex; 0 on success. */
static int hash_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    struct zx_sha256 *h;
    char *buf;
    size_t n;
    int bad;

    if (!f)
        return -1;
    h = zx_sha256_new();
    buf = xmalloc(1 << 20);
    while ((n = fread(buf, 1, 1 << 20, f)) > 0)
        zx_sha256_update(h, buf, n);
    bad = ferror(f);
    fclose(f);
    free(buf);
    zx_sha256_final_hex(h, hex);
    zx_sha256_free(h);
    return bad ? -1 : 0;
}

json_t *zx_index_hash_files(const char *source, const char *const *names,
                            size_t n)
{
    json_t *out = json_array();
    int dir = source && zx_is_dir(source);
    char hex[65];
    size_t i;

    if (!source || !n || (!dir && (n != 1 || !zx_is_file(source)))) {
        json_decref(out);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        char *path;
        int bad;

        if (!names[i] || strstr(names[i], "..") || names[i][0] == '/') {
            json_decref(out);
            return NULL;
        }
        path = dir ? zx_path_join(source, names[i]) : xstrdup(source);
        bad = hash_file(path, hex);
        free(path);
        if (bad) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(
            out, json_pack("{s:s,s:s}", "name", names[i], "sha256", hex));
    }
    return out;
}

/* The declared parents of `first`, then those of `more` whose parent
 * `first` does not name (owned). */
static json_t *union_parents(json_t *first, json_t *more)
{
    json_t *out = json_is_array(first) ? json_deep_copy(first) : json_array();
    json_t *p, *x;
    size_t i, j;

    json_array_foreach(more, i, p)
    {
        const char *name = zx_json_str(p, ZX_EDGE_PARENT);
        int dup = !name;

        json_array_foreach(out, j, x) dup |=
            name && zx_json_str(x, ZX_EDGE_PARENT) &&
            !strcmp(zx_json_str(x, ZX_EDGE_PARENT), name);
        if (!dup)
            json_array_append(out, p);
    }
    return out;
}

/* Member `key` of dst: a copy of base's object updated with over's
 * members (over wins); left alone when neither has one. */
static void merge_object(json_t *dst, const char *key, json_t *base,
                         json_t *over)
{
    json_t *b = json_object_get(base, key), *o = json_object_get(over, key);
    json_t *m;

    if (!json_is_object(b) && !json_is_object(o))
        return;
    m = json_is_object(b) ? json_deep_copy(b) : json_object();
    if (json_is_object(o))
        json_object_update(m, o);
    json_object_set_new(dst, key, m);
}

/* Member `key` of dst from src when dst has none. */
static void keep_missing(json_t *dst, json_t *src, const char *key)
{
    json_t *v = json_object_get(dst, key);

    if ((!v || json_is_null(v)) && json_object_get(src, key))
        json_object_set(dst, key, json_object_get(src, key));
}

/* Record in rec's "hub" which "meta" members the Hub's files gave (the
 * keys of `meta`), so that a later ingest of the same weights knows which
 * members are the Hub's (keep_from_old). */
static void set_meta_keys(json_t *rec, json_t *meta)
{
    json_t *hub = json_object_get(rec, ZX_REC_HUB), *keys = json_array(), *v;
    const char *k;

    if (!json_is_object(hub)) {
        json_decref(keys);
        return;
    }
    json_object_foreach(meta, k, v) json_array_append_new(keys, json_string(k));
    json_object_set_new(hub, ZX_HUB_META_KEYS, keys);
}

/* The full record old, with what the crawl's light record rec says of
 * the same weights merged in: the Hub's metadata, files and commit; the
 * card and config metadata and declared parents, the Hub's winning where
 * both say something.  Owned. */
static json_t *merge_into_full(json_t *old, json_t *rec)
{
    json_t *m = json_deep_copy(old);

    merge_object(m, ZX_REC_HUB, old, rec);
    merge_object(m, ZX_REC_META, old, rec);
    set_meta_keys(m, json_object_get(rec, ZX_REC_META));
    if (json_object_get(rec, ZX_REC_FILES))
        json_object_set(m, ZX_REC_FILES, json_object_get(rec, ZX_REC_FILES));
    if (zx_json_str(rec, ZX_REC_REVISION))
        json_object_set(m, ZX_REC_REVISION,
                        json_object_get(rec, ZX_REC_REVISION));
    json_object_set_new(
        m, ZX_REC_DECLARED_PARENTS,
        union_parents(json_object_get(rec, ZX_REC_DECLARED_PARENTS),
                      json_object_get(old, ZX_REC_DECLARED_PARENTS)));
    return m;
}

/* A full record rec over the full record old of the same weights, old
 * holding what a crawl merged in: the meta members the Hub gave
 * (old's hub.meta_keys; every member of old's meta when it does not say)
 * keep old's values, as in the crawl's merge; the others are rec's. */
static void keep_hub_meta(json_t *rec, json_t *old)
{
    json_t *om = json_object_get(old, ZX_REC_META), *m, *keys, *k, *v;
    const char *name;
    size_t i;

    if (!json_is_object(json_object_get(old, ZX_REC_HUB)) ||
        !json_is_object(om))
        return;
    m = json_object_get(rec, ZX_REC_META);
    if (!json_is_object(m)) {
        m = json_object();
        json_object_set_new(rec, ZX_REC_META, m);
    }
    keys = json_object_get(json_object_get(old, ZX_REC_HUB), ZX_HUB_META_KEYS);
    if (json_is_array(keys)) {
        json_array_foreach(keys, i,
                           k) if (json_is_string(k) &&
                                  json_object_get(om, json_string_value(k)))
            json_object_set(m, json_string_value(k),
                            json_object_get(om, json_string_value(k)));
    } else {
        json_object_foreach(om, name, v) json_object_set(m, name, v);
    }
}

/* A new full record rec of the weights old describes too: it keeps the
 * Hub's metadata, files and commit old had; over a light record also its
 * card/config metadata and declared parents where rec says nothing. */
static void keep_from_old(json_t *rec, json_t *old, int old_light)
{
    json_t *dp;

    merge_object(rec, ZX_REC_HUB, old, rec);
    keep_missing(rec, old, ZX_REC_FILES);
    keep_missing(rec, old, ZX_REC_REVISION);
    if (old_light) {
        merge_object(rec, ZX_REC_META, old, rec);
        /* every member of a light record's meta is the Hub's */
        set_meta_keys(rec, json_object_get(old, ZX_REC_META));
        dp = union_parents(json_object_get(rec, ZX_REC_DECLARED_PARENTS),
                           json_object_get(old, ZX_REC_DECLARED_PARENTS));
    } else { /* the Hub's declared parents, which only a crawl reads */
        json_t *hub = json_array(), *p;
        size_t i;

        keep_hub_meta(rec, old);

        json_array_foreach(json_object_get(old, ZX_REC_DECLARED_PARENTS), i,
                           p) if (zx_json_str(p, ZX_EDGE_SOURCE) &&
                                  !strcmp(zx_json_str(p, ZX_EDGE_SOURCE),
                                          "hub")) json_array_append(hub, p);
        dp = union_parents(json_object_get(rec, ZX_REC_DECLARED_PARENTS), hub);
        json_decref(hub);
    }
    json_object_set_new(rec, ZX_REC_DECLARED_PARENTS, dp);
}

/* A light record rec of the weights that the full record `full`,
 * stored under another name, describes: it takes the descriptors and the
 * local source only a full description has. */
static void take_full(json_t *rec, json_t *full)
{
    static const char *const keys[] = {ZX_REC_KURTOSIS,
                                       ZX_REC_KURTOSIS_LAYERS,
                                       ZX_REC_WEIGHTS_DIGEST,
                                       ZX_REC_TENSORS,
                                       "lora",
                                       ZX_REC_SOURCE,
                                       ZX_REC_WEIGHTS,
                                       ZX_REC_STAMP};
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (json_object_get(full, keys[i]))
            json_object_set(rec, keys[i], json_object_get(full, keys[i]));
    json_object_del(rec, ZX_REC_LIGHT);
    json_object_del(rec, "bytes_fetched");
}

/* 1 when the full record old was described from local files that still
 * exist (its source is a path, not "hub:..."). */
static int held_locally(json_t *old)
{
    const char *source = zx_json_str(old, ZX_REC_SOURCE);

    return source && source[0] == '/' &&
           (zx_is_dir(source) || zx_is_file(source));
}

int zx_index_put(struct zx_index *ix, const struct zx_model_src *src,
                 const struct zx_desc *d, json_t *tensors, json_t *extra,
                 enum zx_add_result *res, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *old = NULL, *rec = NULL, *merged = NULL, *renamed = NULL, *p, *hub;
    const char *hub_id = NULL;
    char *hub_key = NULL, *prev_id = NULL;
    int64_t vid = 0;
    size_t i;
    int rc, same = 0, old_light = 0, new_light = !d->weights_digest[0];
    int moved = 0;

    *res = ZX_ADD_NEW;
    hub = extra ? json_object_get(extra, ZX_REC_HUB) : NULL;
    hub_id = hub ? zx_json_str(hub, ZX_HUB_ID) : NULL;
    rec = build_record(src, d, tensors, 0);
    if (extra) {
        json_t *more = json_object_get(extra, "parents"), *dp;

        json_object_update_missing(rec, extra);
        json_object_del(rec, "parents");
        json_object_del(rec, ZX_PUT_LOCAL_FILES);
        dp = json_object_get(rec, ZX_REC_DECLARED_PARENTS);
        json_array_foreach(more, i, p)
        {
            json_t *x;
            size_t j;
            int dup = 0;

            json_array_foreach(dp, j, x)
            {
                dup |= !strcmp(zx_json_str(x, ZX_EDGE_PARENT),
                               zx_json_str(p, ZX_EDGE_PARENT));
            }
            if (!dup)
                json_array_append(dp, p);
        }
    }
    rc = zx_txn_begin(ix->st, 1, &txn, err);
    if (rc)
        goto out;
    if (hub_id) {
        /* Models are keyed by the Hub's stable _id: a renamed repo
         * replaces its old record instead of adding a duplicate. */
        hub_key = xasprintf(ZX_STATE_HUBID "%s", hub_id);
        rc = zx_store_get_state(txn, hub_key, &prev_id, err);
        if (rc == ZX_ENOTFOUND)
            rc = ZX_OK;
        if (!rc && prev_id && strcmp(prev_id, src->id)) {
            /* A light record of the weights the old name's full record
             * describes takes over its full descriptors. */
            if (new_light &&
                zx_store_get_model(txn, prev_id, &renamed, NULL) == ZX_OK &&
                (!zx_json_str(renamed, ZX_REC_WEIGHTS_DIGEST) ||
                 !same_weights(txn, prev_id, renamed, rec, NULL, d))) {
                json_decref(renamed);
                renamed = NULL;
            }
            rc = remove_in_txn(txn, prev_id, err);
            *res = ZX_ADD_UPDATED;
            moved = 1;
        }
        if (!rc)
            rc = zx_store_put_state(txn, hub_key, src->id, err);
        if (rc)
            goto out;
    }
    rc = zx_store_get_model(txn, src->id, &old, err);
    if (rc && rc != ZX_ENOTFOUND)
        goto out;
    rc = ZX_OK;
    if (old) {
        old_light = !zx_json_str(old, ZX_REC_WEIGHTS_DIGEST);
        same = same_weights(
            txn, src->id, old, rec,
            extra ? json_object_get(extra, ZX_PUT_LOCAL_FILES) : NULL, d);
    }
    if (old && !same && !old_light && new_light && held_locally(old)) {
        /* Other weights than a local model's under the same id: a crawl
         * never replaces it (the ingest would put it back, and so on). */
        *res = ZX_ADD_HELD;
        goto out; /* nothing written */
    }
    if (same && !old_light && new_light) {
        /* A crawl of weights the index holds in full: the record keeps
         * its descriptors, vector and lineage descriptor, and takes what
         * the Hub says. */
        merged = merge_into_full(old, rec);
        *res = json_equal(merged, old) ? ZX_ADD_UNCHANGED : ZX_ADD_MERGED;
        if (*res == ZX_ADD_MERGED)
            rc = zx_store_put_model(txn, src->id, merged, err);
        if (!rc && !json_equal(json_object_get(merged, ZX_REC_DECLARED_PARENTS),
                               json_object_get(old, ZX_REC_DECLARED_PARENTS)))
            rc = put_declared_edges(
                txn, src->id, json_object_get(merged, ZX_REC_DECLARED_PARENTS),
                err);
        /* Lineage reads the Hub's creation dates and declared parents:
         * the group is charted again (and its vector file rewritten, as
         * after any change of the group). */
        if (!rc && *res == ZX_ADD_MERGED && zx_json_str(old, ZX_REC_ARCH) &&
            zx_json_int(old, ZX_REC_VID, &vid))
            rc = touch_group(txn, zx_json_str(old, ZX_REC_ARCH), 0, err);
        if (rc)
            goto out;
        if (moved) /* the old name went: an update */
            *res = ZX_ADD_UPDATED;
        rc = zx_txn_commit(txn, err);
        txn = NULL;
        goto out;
    }
    if (old) {
        *res = ZX_ADD_UPDATED;
        if (!zx_json_int(old, ZX_REC_VID, &vid) || !d->has_fp)
            vid = 0;
        rc = drop_old_vector(txn, old, err);
        if (rc)
            goto out;
    }
    if (d->has_fp && vid == 0) {
        uint64_t v;

        rc = zx_store_next_vid(txn, &v, err);
        if (rc)
            goto out;
        vid = (int64_t)v;
    }
    json_object_set_new(rec, ZX_REC_VID,
                        d->has_fp ? json_integer((json_int_t)vid)
                                  : json_null());
    if (same && !(old_light && new_light)) /* light over light replaces */
        keep_from_old(rec, old, old_light);
    else if (renamed && !old)
        take_full(rec, renamed);
    if (same && old_light && !new_light)
        *res = ZX_ADD_UPDATED; /* a light record made full: an update */
    else if (old &&
             json_equal(json_object_get(old, ZX_REC_WEIGHTS_DIGEST),
                        json_object_get(rec, ZX_REC_WEIGHTS_DIGEST)) &&
             same_json(json_object_get(old, ZX_REC_REVISION),
                       json_object_get(rec, ZX_REC_REVISION)) &&
             json_equal(json_object_get(old, ZX_REC_META),
                        json_object_get(rec, ZX_REC_META)))
        *res = moved ? ZX_ADD_UPDATED
                     : ZX_ADD_UNCHANGED; /* touched files, same content */
    rc = zx_store_put_model(txn, src->id, rec, err);
    if (!rc && d->has_fp)
        rc = zx_store_put_vec(txn, d->arch, (uint64_t)vid, src->id, d->fp,
                              ZX_FP_DIM, err);
    if (!rc && d->has_fp)
        rc = touch_group(txn, d->arch, +1, err);
    if (!rc && d->lfp_dim)
        rc = zx_store_put_lfp(txn, src->id, ZX_DESC_VERSION, d->lfp, d->lfp_dim,
                              err);
    else if (!rc && old) {
        rc = zx_store_del_lfp(txn, src->id, err);
        rc = rc == ZX_ENOTFOUND ? ZX_OK : rc;
    }
    if (rc)
        goto out;
    rc = put_declared_edges(txn, src->id,
                            json_object_get(rec, ZX_REC_DECLARED_PARENTS), err);
    if (rc)
        goto out;
    rc = zx_txn_commit(txn, err);
    txn = NULL;
out:
    zx_txn_abort(txn);
    json_decref(old);
    json_decref(rec);
    json_decref(merged);
    json_decref(renamed);
    free(hub_key);
    free(prev_id);
    return rc;
}

int zx_index_add(struct zx_index *ix, const struct zx_model_src *src, int force,
                 enum zx_add_result *res, int *bad_input, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct zx_desc *d = xcalloc(1, sizeof(*d));
    json_t *old = NULL, *tensors = NULL, *extra = NULL;
    int rc;

    *res = ZX_ADD_NEW;
    *bad_input = 0;
    /* Cheap check first, in a read transaction. */
    rc = zx_txn_begin(ix->st, 0, &txn, err);
    if (rc)
        goto out;
    rc = zx_store_get_model(txn, src->id, &old, err);
    zx_txn_abort(txn);
    txn = NULL;
    if (rc && rc != ZX_ENOTFOUND)
        goto out;
    rc = ZX_OK;
    if (old && !force) {
        const char *stamp = zx_json_str(old, ZX_REC_STAMP);
        int64_t ver = 0;

        zx_json_int(json_object_get(old, ZX_REC_ALGO), "version", &ver);
        if (stamp && !strcmp(stamp, src->stamp) && ver == ZX_DESC_VERSION) {
            *res = ZX_ADD_UNCHANGED;
            goto out;
        }
    }
    /* The expensive part happens outside the write transaction. */
    rc = zx_index_describe(src, d, &tensors, err);
    if (rc) {
        *bad_input = 1;
        goto out;
    }
    if (src->adapter) {
        rc = describe_lora(src, &extra, err);
        if (rc) {
            *bad_input = 1;
            goto out;
        }
    }
    /* Over a crawled record that knows the Hub's file digests: the local
     * files' digests tell exactly whether these are the Hub's weights. */
    if (old && !zx_json_str(old, ZX_REC_WEIGHTS_DIGEST)) {
        json_t *files = json_object_get(old, ZX_REC_FILES), *f, *local;
        size_t n = json_array_size(files), i;
        const char **names = xcalloc(n + 1, sizeof(*names));

        json_array_foreach(files, i, f) names[i] = zx_json_str(f, "name");
        local = n ? zx_index_hash_files(src->path, names, n) : NULL;
        free(names);
        if (local) {
            if (!extra)
                extra = json_object();
            json_object_set_new(extra, ZX_PUT_LOCAL_FILES, local);
        }
    }
    rc = zx_index_put(ix, src, d, tensors, extra, res, err);
out:
    json_decref(old);
    json_decref(tensors);
    json_decref(extra);
    free(d);
    return rc;
}

/* ===== Vector files ===== */

static char *vec_path(const struct zx_index *ix, const char *arch, int64_t gen)
{
    char name[64];

    snprintf(name, sizeof(name), "%s.g%" PRId64 ".faiss", arch, gen);
    return zx_path_join(ix->vecdir, name);
}

/* ===== Vector file checksums =====
 * The store records, for each group, the size and XXH3-128 of the vector
 * file zx_index_flush() last wrote (state ZX_STATE_VFILE), in a write
 * transaction committed after the file is renamed into place.  A kill in
 * between leaves a current file with no record for its generation: it is
 * not trusted (searches answer from the store, as for a missing file) and
 * the next flush writes and records it again, so a re-run converges.
 *
 * The record also holds the file's identity as stat(2) gave it once in
 * place (device, inode, mtime and ctime in ns): a flush compares that
 * instead of reading the file, so a run with nothing to write reads no
 * vector file; only a file whose identity differs (or a record without
 * one, from an older zoodex) is hashed again.  Searches and verify hash.
 *
 * Rewriting a file of a generation that already has a record (reindex, or
 * the repair of a damaged file) cannot be atomic with the record: a reader
 * whose snapshot holds the old record could read the new bytes.  So the
 * new file's size and checksum are committed first as the record's
 * ZX_VFILE_PENDING, then the file is renamed into place, then the record
 * proper is committed: a file that matches either is what a writer wrote. */

struct vsum {
    int64_t gen;
    uint64_t bytes;
    char xxh[33];
    int has_id; /* the identity fields below were recorded */
    int64_t dev, ino, mtime_ns, ctime_ns;
    int has_pending;
    uint64_t p_bytes;
    char p_xxh[33];
};

/* Parse one {bytes, xxh3_128} pair; 1 when both are well-formed. */
static int parse_sum(json_t *o, uint64_t *bytes, char xxh[33])
{
    const char *x = o ? zx_json_str(o, ZX_VFILE_XXH3) : NULL;
    int64_t b = -1;

    if (!x || strlen(x) != 32 || !zx_json_int(o, ZX_VFILE_BYTES, &b) || b < 0)
        return 0;
    *bytes = (uint64_t)b;
    memcpy(xxh, x, 33);
    return 1;
}

/* The group's record as stored (NULL when none): a string to compare. */
static char *vsum_raw(struct zx_txn *txn, const char *arch)
{
    char *key = xasprintf(ZX_STATE_VFILE "%s", arch), *val = NULL;

    if (zx_store_get_state(txn, key, &val, NULL) != ZX_OK)
        val = NULL;
    free(key);
    return val;
}

/* 1 when the store records a checksum for group arch's generation gen. */
static int get_vsum(struct zx_txn *txn, const char *arch, int64_t gen,
                    struct vsum *s)
{
    char *val = vsum_raw(txn, arch);
    json_t *o = val ? json_loads(val, 0, NULL) : NULL;
    int ok = 0;

    memset(s, 0, sizeof(*s));
    if (o && zx_json_int(o, ZX_VFILE_GEN, &s->gen) && s->gen == gen &&
        parse_sum(o, &s->bytes, s->xxh)) {
        ok = 1;
        s->has_id = zx_json_int(o, ZX_VFILE_DEV, &s->dev) &&
                    zx_json_int(o, ZX_VFILE_INO, &s->ino) &&
                    zx_json_int(o, ZX_VFILE_MTIME, &s->mtime_ns) &&
                    zx_json_int(o, ZX_VFILE_CTIME, &s->ctime_ns);
        s->has_pending = parse_sum(json_object_get(o, ZX_VFILE_PENDING),
                                   &s->p_bytes, s->p_xxh);
    }
    json_decref(o);
    free(val);
    return ok;
}

/* 1 when a file of `bytes` bytes hashing to hex is the one recorded, or
 * the one a writer was renaming into place (pending). */
static int vsum_match(const struct vsum *s, uint64_t bytes, const char *hex)
{
    return (bytes == s->bytes && !strcmp(hex, s->xxh)) ||
           (s->has_pending && bytes == s->p_bytes && !strcmp(hex, s->p_xxh));
}

/* The record of a file: its name, generation, size, checksum and, when
 * path can be stat'ed, its identity. */
static json_t *vsum_json(const char *path, int64_t gen, uint64_t bytes,
                         const char *xxh)
{
    json_t *o = json_pack("{s:s,s:I,s:I,s:s}", "file", strrchr(path, '/') + 1,
                          ZX_VFILE_GEN, (json_int_t)gen, ZX_VFILE_BYTES,
                          (json_int_t)bytes, ZX_VFILE_XXH3, xxh);
    struct stat st;

    if (stat(path, &st) == 0) {
        json_object_set_new(o, ZX_VFILE_DEV,
                            json_integer((json_int_t)st.st_dev));
        json_object_set_new(o, ZX_VFILE_INO,
                            json_integer((json_int_t)st.st_ino));
        json_object_set_new(
            o, ZX_VFILE_MTIME,
            json_integer((json_int_t)st.st_mtim.tv_sec * 1000000000 +
                         st.st_mtim.tv_nsec));
        json_object_set_new(
            o, ZX_VFILE_CTIME,
            json_integer((json_int_t)st.st_ctim.tv_sec * 1000000000 +
                         st.st_ctim.tv_nsec));
    }
    return o;
}

/* 1 when the file at path has the identity s records (no read of it). */
static int same_identity(const struct vsum *s, const char *path)
{
    struct stat st;

    return s->has_id && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           (uint64_t)st.st_size == s->bytes && (int64_t)st.st_dev == s->dev &&
           (int64_t)st.st_ino == s->ino &&
           (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec ==
               s->mtime_ns &&
           (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec ==
               s->ctime_ns;
}

static int put_vsum(struct zx_txn *txn, const char *arch, json_t *o,
                    struct zx_error *err)
{
    char *key = xasprintf(ZX_STATE_VFILE "%s", arch);
    char *val = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = zx_store_put_state(txn, key, val, err);

    free(val);
    free(key);
    return rc;
}

/* Size and XXH3-128 of the file at path: ZX_OK, ZX_ENOTFOUND (no file)
 * or ZX_EIO (cannot read it). */
static int file_sum(const char *path, uint64_t *bytes, char hex[33])
{
    FILE *f = fopen(path, "rb");
    struct zx_xxh *h;
    unsigned char *buf;
    size_t n;
    int rc = ZX_OK;

    *bytes = 0;
    hex[0] = '\0';
    if (!f)
        return errno == ENOENT ? ZX_ENOTFOUND : ZX_EIO;
    h = zx_xxh_new();
    buf = xmalloc(1 << 20);
    while ((n = fread(buf, 1, 1 << 20, f)) > 0) {
        zx_xxh_update(h, buf, n);
        *bytes += n;
    }
    if (ferror(f))
        rc = ZX_EIO;
    zx_xxh_final_hex(h, hex);
    zx_xxh_free(h);
    free(buf);
    fclose(f);
    return rc;
}

struct collect {
    float *x; /* n x ZX_FP_DIM fingerprints */
    int64_t *ids;
    char **models;
    size_t n, cap;
    size_t x_cap; /* floats */
};

static int collect_cb(const struct zx_vec *v, void *arg)
{
    struct collect *c = arg;

    if (v->dim != ZX_FP_DIM)
        return ZX_OK; /* another descriptor version: never mixed */
    ZX_GROW(c->n + 1, c->cap, c->ids, c->models);
    ZX_GROW((c->n + 1) * ZX_FP_DIM, c->x_cap, c->x);
    memcpy(c->x + c->n * ZX_FP_DIM, v->data, ZX_FP_DIM * sizeof(float));
    c->ids[c->n] = (int64_t)v->vid;
    c->models[c->n] = xstrdup(v->model);
    c->n++;
    return ZX_OK;
}

static void collect_release(struct collect *c)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        free(c->models[i]);
    free(c->models);
    free(c->x);
    free(c->ids);
    memset(c, 0, sizeof(*c));
}

/* Build a group's index from the store, as of txn. */
static int build_group(struct zx_txn *txn, const char *arch,
                       struct zx_vindex **out, struct zx_error *err)
{
    struct collect c = {0};
    int rc = zx_store_each_vec(txn, arch, collect_cb, &c, err);

    if (!rc)
        rc = zx_vindex_build(ZX_FP_DIM, c.x, c.ids, c.n, out, err);
    collect_release(&c);
    return rc;
}

/* Remove every file of `arch` other than generation `keep`. */
static void remove_other_gens(const struct zx_index *ix, const char *arch,
                              int64_t keep)
{
    DIR *d = opendir(ix->vecdir);
    struct dirent *de;
    char *current = vec_path(ix, arch, keep);
    const char *cur_name = strrchr(current, '/') + 1;

    while (d && (de = readdir(d))) {
        if (!strncmp(de->d_name, arch, 16) && de->d_name[16] == '.' &&
            strcmp(de->d_name, cur_name)) {
            char *p = zx_path_join(ix->vecdir, de->d_name);

            unlink(p);
            free(p);
        }
    }
    if (d)
        closedir(d);
    free(current);
}

struct flush_ctx {
    struct zx_index *ix;
    struct zx_txn *txn;
    int all;
    int written;
    json_t *sums; /* arch -> the vfile record to write */
    struct zx_error *err;
};

/* 1 when group arch's current file is there and is the file recorded: by
 * its identity (no read), else by its checksum; *rec then gets a record
 * to write again, with the file's identity, when the one stored lacks it
 * (an older zoodex), holds another (a copied or restored index) or still
 * announces a rename (a writer stopped before its record). */
static int file_current(struct zx_txn *txn, const char *arch, int64_t gen,
                        const char *path, json_t **rec)
{
    struct vsum s;
    uint64_t bytes;
    char hex[33];

    *rec = NULL;
    if (!get_vsum(txn, arch, gen, &s))
        return 0;
    if (same_identity(&s, path)) {
        if (s.has_pending)
            *rec = vsum_json(path, gen, s.bytes, s.xxh);
        return 1;
    }
    if (file_sum(path, &bytes, hex) != ZX_OK || !vsum_match(&s, bytes, hex))
        return 0;
    *rec = vsum_json(path, gen, bytes, hex);
    return 1;
}

/* Commit, as group arch's record's pending entry, the size and checksum
 * of the file about to replace the recorded one of the same generation. */
static int put_pending(struct zx_index *ix, const char *arch, uint64_t bytes,
                       const char *hex, struct zx_error *err)
{
    struct zx_txn *w = NULL;
    char *val;
    json_t *o;
    int rc = zx_txn_begin(ix->st, 1, &w, err);

    if (rc)
        return rc;
    val = vsum_raw(w, arch);
    o = val ? json_loads(val, 0, NULL) : NULL;
    free(val);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    json_object_set_new(o, ZX_VFILE_PENDING,
                        json_pack("{s:I,s:s}", ZX_VFILE_BYTES,
                                  (json_int_t)bytes, ZX_VFILE_XXH3, hex));
    rc = put_vsum(w, arch, o, err);
    json_decref(o);
    if (!rc)
        return zx_txn_commit(w, err);
    zx_txn_abort(w);
    return rc;
}

/* Build group arch's file from the store and put it in place at path. */
static int write_file(struct flush_ctx *f, const char *arch, int64_t gen,
                      const char *path)
{
    struct zx_vindex *vi = NULL;
    struct vsum s;
    char hex[33], *tmp;
    int rc = build_group(f->txn, arch, &vi, f->err);

    if (rc)
        return rc;
    zx_vindex_digest(vi, hex);
    if (!get_vsum(f->txn, arch, gen, &s)) {
        /* no reader trusts a file of this generation yet */
        rc = zx_vindex_save(vi, path, f->err);
    } else {
        /* readers may trust the file in place: announce its successor
         * before it takes its place (see "Vector file checksums") */
        tmp = xasprintf("%s.new", path);
        rc = zx_vindex_save(vi, tmp, f->err);
        if (!rc)
            rc = put_pending(f->ix, arch, zx_vindex_bytes(vi), hex, f->err);
        if (!rc && rename(tmp, path) != 0)
            rc = zx_fail_errno(f->err, ZX_EIO, "cannot rename '%s'", tmp);
        if (!rc)
            rc = zx_fsync_dir(f->ix->vecdir, f->err);
        if (rc)
            unlink(tmp);
        free(tmp);
    }
    if (!rc) {
        f->written++;
        json_object_set_new(f->sums, arch,
                            vsum_json(path, gen, zx_vindex_bytes(vi), hex));
    }
    zx_vindex_free(vi);
    return rc;
}

static int flush_cb(const char *arch, json_t *g, void *arg)
{
    struct flush_ctx *f = arg;
    json_t *rec = NULL;
    int64_t gen = 0;
    char *path;
    int rc = ZX_OK;

    zx_json_int(g, ZX_GROUP_GEN, &gen);
    path = vec_path(f->ix, arch, gen);
    /* Missing, damaged or never recorded: (re)write it. */
    if (f->all || !file_current(f->txn, arch, gen, path, &rec))
        rc = write_file(f, arch, gen, path);
    else if (rec)
        json_object_set_new(f->sums, arch, rec);
    if (!rc)
        remove_other_gens(f->ix, arch, gen);
    free(path);
    return rc;
}

int zx_index_flush(struct zx_index *ix, int all, int *n_written,
                   struct zx_error *err)
{
    struct flush_ctx f = {ix, NULL, all, 0, NULL, err};
    const char *arch;
    json_t *s;
    int rc;

    if (n_written)
        *n_written = 0;
    if (!ix->writable)
        return zx_fail(err, ZX_EUSAGE, "index opened read-only");
    /* A read snapshot: the writer lock keeps generations stable. */
    rc = zx_txn_begin(ix->st, 0, &f.txn, err);
    if (rc)
        return rc;
    f.sums = json_object();
    rc = zx_store_each_group(f.txn, flush_cb, &f, err);
    zx_txn_abort(f.txn);
    f.txn = NULL;
    /* Record the checksums of the files written (those written before an
     * error too): after the renames, so a record never names a file that
     * is not in place (see "Vector file checksums"). */
    if (json_object_size(f.sums)) {
        int rc2 = zx_txn_begin(ix->st, 1, &f.txn, rc ? NULL : err);

        json_object_foreach(f.sums, arch, s)
        {
            if (rc2)
                break;
            rc2 = put_vsum(f.txn, arch, s, rc ? NULL : err);
        }
        if (!rc2)
            rc2 = zx_txn_commit(f.txn, rc ? NULL : err);
        else
            zx_txn_abort(f.txn);
        f.txn = NULL;
        if (!rc)
            rc = rc2;
    }
    json_decref(f.sums);
    if (n_written)
        *n_written = f.written;
    if (!rc)
        rc = zx_lineage_update(ix, all, NULL, err);
    return rc;
}

/* ===== Search ===== */

static struct zx_vindex *cache_get(struct zx_index *ix, const char *arch,
                                   int64_t gen)
{
    int i;

    for (i = 0; i < CACHE_SLOTS; i++) {
        struct cached *c = &ix->cache[i];

        if (c->vi && c->gen == gen && !strcmp(c->arch, arch)) {
            c->used = ++ix->tick;
            /* Searched a second time: this process searches on, so the
             * mapped file becomes its own memory (see vindex.h). */
            if (!c->resident)
                c->resident = zx_vindex_make_resident(c->vi) == 0;
            return c->vi;
        }
    }
    return NULL;
}

/* Keep vi (ownership moves to the cache), evicting the least recent. */
static void cache_put(struct zx_index *ix, const char *arch, int64_t gen,
                      struct zx_vindex *vi)
{
    struct cached *victim = &ix->cache[0];
    int i;

    for (i = 0; i < CACHE_SLOTS; i++) {
        struct cached *c = &ix->cache[i];

        if (c->vi && !strcmp(c->arch, arch)) { /* an older generation */
            victim = c;
            break;
        }
        if (!c->vi || c->used < victim->used)
            victim = c;
    }
    zx_vindex_free(victim->vi);
    snprintf(victim->arch, sizeof(victim->arch), "%s", arch);
    victim->gen = gen;
    victim->vi = vi;
    victim->resident = 0;
    victim->used = ++ix->tick;
}

/* A file of the current generation holds exactly the group's vectors
 * unless someone copied files around; a cheap count check catches that. */
static int same_ids(struct zx_txn *txn, const char *arch,
                    const struct zx_vindex *vi)
{
    json_t *g = NULL;
    int64_t n = -1;
    int ok;

    if (zx_store_get_group(txn, arch, &g, NULL))
        return 0;
    zx_json_int(g, ZX_GROUP_N_MODELS, &n);
    ok = n >= 0 && (size_t)n == zx_vindex_size(vi);
    json_decref(g);
    return ok;
}

/* Tell the caller once per file that a recorded vector file is not used. */
static void warn_once(struct zx_index *ix, const char *path, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

static void warn_once(struct zx_index *ix, const char *path, const char *fmt,
                      ...)
{
    char buf[768];
    va_list ap;

    if (!ix->warn)
        return;
    if (!ix->warned)
        ix->warned = json_object();
    if (json_object_get(ix->warned, path))
        return;
    json_object_set_new(ix->warned, path, json_true());
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ix->warn(buf, ix->warn_arg);
}

#define FALLBACK                                                               \
    "answering from the store's vectors instead (same answer, slower); "       \
    "'zoodex reindex' rewrites it"

/* 1 when, in a snapshot newer than txn, group arch's generation or vector
 * file record differs from txn's: a writer moved on since txn began, so
 * a file that does not match txn's record is its work, not damage. */
static int moved_on(struct zx_index *ix, struct zx_txn *txn, const char *arch,
                    int64_t gen)
{
    struct zx_txn *now = NULL;
    json_t *g = NULL;
    char *was, *is;
    int64_t gen_now = -1;
    int moved;

    if (zx_txn_begin(ix->st, 0, &now, NULL))
        return 0;
    if (zx_store_get_group(now, arch, &g, NULL) == ZX_OK)
        zx_json_int(g, ZX_GROUP_GEN, &gen_now);
    json_decref(g);
    was = vsum_raw(txn, arch);
    is = vsum_raw(now, arch);
    moved = gen_now != gen || !was || !is || strcmp(was, is);
    free(was);
    free(is);
    zx_txn_abort(now);
    return moved;
}

/* Load group arch's current file if the store records its checksum and
 * the file matches it; otherwise *vi stays NULL (warned about when it was
 * recorded: then it was damaged, cut or deleted after it was written,
 * unless a writer replaced or removed it since txn began). */
static void load_trusted(struct zx_index *ix, struct zx_txn *txn,
                         const char *arch, int64_t gen, struct zx_vindex **vi)
{
    char *path = vec_path(ix, arch, gen), hex[33];
    struct vsum s;
    uint64_t bytes = 0;
    int rc;

    *vi = NULL;
    if (!get_vsum(txn, arch, gen, &s))
        goto out; /* stale, or written but never recorded: not trusted */
    rc = zx_vindex_load(path, vi, NULL);
    if (rc == ZX_ENOTFOUND) {
        if (!moved_on(ix, txn, arch, gen))
            warn_once(ix, path, "vector file '%s' is missing; " FALLBACK, path);
        goto out;
    }
    if (rc == ZX_OK) {
        bytes = zx_vindex_bytes(*vi);
        zx_vindex_digest(*vi, hex);
    } else if (file_sum(path, &bytes, hex) != ZX_OK) {
        snprintf(hex, sizeof(hex), "(unreadable)");
    }
    if (rc != ZX_OK || !vsum_match(&s, bytes, hex)) {
        if (!moved_on(ix, txn, arch, gen))
            warn_once(ix, path,
                      "vector file '%s' is damaged: xxh3-128 %s over %" PRIu64
                      " bytes expected (recorded in the store), %s over "
                      "%" PRIu64 " found; " FALLBACK,
                      path, s.xxh, s.bytes, hex, bytes);
        zx_vindex_free(*vi);
        *vi = NULL;
    }
out:
    free(path);
}

int zx_index_search(struct zx_index *ix, const char *arch, const float *q,
                    int k, uint64_t skip_vid, json_t **hits,
                    struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct zx_vindex *vi = NULL;
    json_t *g = NULL, *out = NULL;
    float *dist = NULL;
    int64_t *ids = NULL, gen = 0;
    int rc, kk = k + 1, found = 0, i;

    *hits = NULL;
    rc = zx_txn_begin(ix->st, 0, &txn, err);
    if (rc)
        return rc;
    rc = zx_store_get_group(txn, arch, &g, err);
    if (rc == ZX_ENOTFOUND) {
        rc = ZX_OK;
        *hits = json_array();
        goto out;
    }
    if (rc)
        goto out;
    zx_json_int(g, ZX_GROUP_GEN, &gen);
    vi = cache_get(ix, arch, gen);
    if (!vi) {
        load_trusted(ix, txn, arch, gen, &vi);
        if (!vi || zx_vindex_dim(vi) != ZX_FP_DIM || !same_ids(txn, arch, vi)) {
            /* A stale, missing, unrecorded or damaged file: the store is
             * the truth, so answer exactly from it. */
            zx_vindex_free(vi);
            vi = NULL;
            rc = build_group(txn, arch, &vi, err);
        }
        if (rc)
            goto out;
        cache_put(ix, arch, gen, vi);
    }
    dist = xcalloc((size_t)kk, sizeof(*dist));
    ids = xcalloc((size_t)kk, sizeof(*ids));
    rc = zx_vindex_search(vi, q, kk, dist, ids, &found, err);
    if (rc)
        goto out;
    out = json_array();
    for (i = 0; i < found && (int)json_array_size(out) < k; i++) {
        struct zx_vec v;

        if ((uint64_t)ids[i] == skip_vid)
            continue;
        rc = zx_store_get_vec(txn, arch, (uint64_t)ids[i], &v, err);
        if (rc == ZX_ENOTFOUND)
            continue; /* cannot happen with a current file; be safe */
        if (rc)
            goto out;
        json_array_append_new(out, json_pack("{s:s,s:f,s:I}", "model", v.model,
                                             "distance", (double)dist[i], "vid",
                                             (json_int_t)ids[i]));
    }
    *hits = out;
    out = NULL;
out:
    zx_txn_abort(txn);
    json_decref(g);
    json_decref(out);
    free(dist);
    free(ids);
    return rc;
}

/* ===== Verify ===== */

struct verify_ctx {
    struct zx_index *ix;
    struct zx_txn *txn;
    json_t *problems, *stale, *lineage_stale;
    json_t *unrecorded, *vector_damage;
    json_t *group_counts; /* arch -> vectors seen */
    size_t models, vectors, groups, edges;
    struct zx_error *err;
};

static void problem(struct verify_ctx *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(struct verify_ctx *v, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(v->problems, json_string(buf));
}

static int verify_model(const char *id, json_t *rec, void *arg)
{
    struct verify_ctx *v = arg;
    const char *rid = zx_json_str(rec, ZX_REC_ID),
               *arch = zx_json_str(rec, ZX_REC_ARCH);
    int64_t vid;
    struct zx_vec vec;
    int rc;

    v->models++;
    if (!rid || strcmp(rid, id))
        problem(v, "model '%s': record names '%s'", id, rid ? rid : "");
    if (!arch || strlen(arch) != 16) {
        problem(v, "model '%s': no weight group signature", id);
        return ZX_OK;
    }
    if (!zx_json_int(rec, ZX_REC_VID, &vid))
        return ZX_OK; /* no backbone tensors, no vector */
    rc = zx_store_get_vec(v->txn, arch, (uint64_t)vid, &vec, v->err);
    if (rc == ZX_ENOTFOUND) {
        problem(v, "model '%s': vector %" PRId64 " is missing", id, vid);
        return ZX_OK;
    }
    if (rc)
        return rc;
    if (strcmp(vec.model, id))
        problem(v, "model '%s': vector %" PRId64 " belongs to '%s'", id, vid,
                vec.model);
    return ZX_OK;
}

static int verify_vec(const struct zx_vec *vec, void *arg)
{
    struct verify_ctx *v = arg;
    json_t *rec = NULL, *cnt;
    int64_t vid = -1;
    const char *arch;
    int rc;

    v->vectors++;
    cnt = json_object_get(v->group_counts, vec->arch);
    json_object_set_new(v->group_counts, vec->arch,
                        json_integer(cnt ? json_integer_value(cnt) + 1 : 1));
    rc = zx_store_get_model(v->txn, vec->model, &rec, v->err);
    if (rc == ZX_ENOTFOUND) {
        problem(v, "vector %" PRIu64 " belongs to missing model '%s'", vec->vid,
                vec->model);
        return ZX_OK;
    }
    if (rc)
        return rc;
    arch = zx_json_str(rec, ZX_REC_ARCH);
    if (!zx_json_int(rec, ZX_REC_VID, &vid) || (uint64_t)vid != vec->vid ||
        !arch || strcmp(arch, vec->arch))
        problem(v,
                "vector %" PRIu64 " of '%s' is not the model's current "
                "vector",
                vec->vid, vec->model);
    json_decref(rec);
    return ZX_OK;
}

struct idrow {
    int64_t id;
    size_t row;
};

static int cmp_idrow(const void *a, const void *b)
{
    int64_t x = ((const struct idrow *)a)->id,
            y = ((const struct idrow *)b)->id;

    return (x > y) - (x < y);
}

/* ids[0..n) with their rows, by id. */
static struct idrow *by_id(const int64_t *ids, size_t n)
{
    struct idrow *r = xcalloc(n + 1, sizeof(*r));
    size_t i;

    for (i = 0; i < n; i++) {
        r[i].id = ids[i];
        r[i].row = i;
    }
    qsort(r, n, sizeof(*r), cmp_idrow);
    return r;
}

/* The vector file vi holds the group's vectors c: the same ids, and, when
 * `values` (its checksum matches the record, so it holds what the writer
 * built from the store), bit for bit the same vectors.  A difference then
 * means the store's copy changed after the file was written: damage in
 * data.mdb that LMDB cannot see. */
static void verify_file_vectors(struct verify_ctx *v, const char *arch,
                                const struct zx_vindex *vi,
                                const struct collect *c, int values)
{
    size_t n = c->n, i, bad = 0, row = ZX_FP_DIM * sizeof(float);
    int64_t *ids = xcalloc(n + 1, sizeof(*ids));
    float *x = xcalloc(n * (size_t)zx_vindex_dim(vi) + 1, sizeof(*x));
    struct idrow *a, *b;

    zx_vindex_vectors(vi, ids, x);
    a = by_id(ids, n);
    b = by_id(c->ids, n);
    for (i = 0; i < n && a[i].id == b[i].id; i++)
        ;
    if (i < n) {
        problem(v, "group %s: vector file ids differ from the store", arch);
        values = 0;
    }
    for (i = 0; values && i < n; i++) {
        if (!memcmp(x + a[i].row * ZX_FP_DIM, c->x + b[i].row * ZX_FP_DIM, row))
            continue;
        if (++bad <= 5)
            problem(v,
                    "group %s: the fingerprint of '%s' (vector %" PRId64
                    ") in the store differs from the one in the vector "
                    "file, which matches its checksum: the store's copy "
                    "changed after the file was written (damage in "
                    "data.mdb); ingest the model again with --force",
                    arch, c->models[b[i].row], b[i].id);
    }
    if (bad > 5)
        problem(v,
                "group %s: %zu more fingerprints in the store differ from "
                "the vector file",
                arch, bad - 5);
    free(a);
    free(b);
    free(ids);
    free(x);
}

static int verify_group(const char *arch, json_t *g, void *arg)
{
    struct verify_ctx *v = arg;
    struct zx_vindex *vi = NULL;
    struct collect c = {0};
    struct vsum s;
    int64_t gen = 0, n = 0;
    uint64_t bytes;
    char *path, hex[33];
    int rc, has_sum;

    v->groups++;
    zx_json_int(g, ZX_GROUP_GEN, &gen);
    zx_json_int(g, ZX_GROUP_N_MODELS, &n);
    /* Lineage charted at an older generation (a crash between the model's
     * commit and the update): the next flush charts it. */
    if (!zx_lineage_charted(v->txn, arch, gen))
        json_array_append_new(v->lineage_stale, json_string(arch));
    rc = zx_store_each_vec(v->txn, arch, collect_cb, &c, v->err);
    if (rc)
        goto out;
    if ((int64_t)c.n != n)
        problem(v,
                "group %s counts %" PRId64 " models but holds %zu "
                "vectors",
                arch, n, c.n);
    path = vec_path(v->ix, arch, gen);
    has_sum = get_vsum(v->txn, arch, gen, &s);
    rc = file_sum(path, &bytes, hex);
    if (rc == ZX_OK && has_sum && !vsum_match(&s, bytes, hex)) {
        char *file = xasprintf("vectors/%s", strrchr(path, '/') + 1);

        problem(v,
                "group %s: vector file '%s' is damaged: xxh3-128 %s over "
                "%" PRIu64 " bytes expected (recorded in the store), %s over "
                "%" PRIu64 " found",
                arch, file, s.xxh, s.bytes, hex, bytes);
        json_array_append_new(v->vector_damage,
                              json_pack("{s:s,s:s,s:{s:I,s:s},s:{s:I,s:s}}",
                                        "group", arch, "file", file, "expected",
                                        "bytes", (json_int_t)s.bytes,
                                        ZX_VFILE_XXH3, s.xxh, "found", "bytes",
                                        (json_int_t)bytes, ZX_VFILE_XXH3, hex));
        free(file);
        free(path);
        goto out;
    }
    /* a kill before the record, or while it announced the rename */
    if (rc == ZX_OK && (!has_sum || bytes != s.bytes || strcmp(hex, s.xxh)))
        json_array_append_new(v->unrecorded, json_string(arch));
    rc = zx_vindex_load(path, &vi, v->err);
    free(path);
    if (rc == ZX_ENOTFOUND) {
        /* Derived data lagging behind the store: searches stay exact by
         * building from the store; the next ingest or reindex rewrites it */
        json_array_append_new(v->stale, json_string(arch));
        rc = ZX_OK;
        goto out;
    }
    if (rc) {
        problem(v, "group %s: vector file unreadable: %s", arch,
                v->err ? v->err->msg : "");
        rc = ZX_OK;
        goto out;
    }
    if (zx_vindex_size(vi) != c.n) {
        problem(v, "group %s: vector file holds %zu vectors, the store %zu",
                arch, zx_vindex_size(vi), c.n);
    } else {
        verify_file_vectors(v, arch, vi, &c,
                            has_sum && vsum_match(&s, bytes, hex) &&
                                zx_vindex_dim(vi) == ZX_FP_DIM);
    }
out:
    zx_vindex_free(vi);
    collect_release(&c);
    return rc;
}

static int verify_edge(const char *child, const char *parent, json_t *info,
                       void *arg)
{
    struct verify_ctx *v = arg;
    json_t *rec = NULL;
    int rc;

    (void)parent;
    (void)info;
    v->edges++;
    rc = zx_store_get_model(v->txn, child, &rec, v->err);
    if (rc == ZX_ENOTFOUND) {
        problem(v, "edge from missing model '%s'", child);
        return ZX_OK;
    }
    json_decref(rec);
    return rc;
}

/* What a damaged store's report says to do. */
static const char recovery[] =
    "stop the writers; if you have a backup, move this folder away, put the "
    "backup in its place and run 'zoodex reindex' on it (zoodex-backup(1)); "
    "without one, move the folder away and ingest or crawl again into a new "
    "index";

/* The report of a store that cannot be read in full: `problems` holds
 * what is damaged. */
static json_t *damage_report(json_t *problems)
{
    return json_pack("{s:b,s:b,s:I,s:I,s:I,s:I,s:O,s:[],s:[],s:[],s:[],s:s}",
                     "ok", 0, "damaged", 1, "models", (json_int_t)0, "vectors",
                     (json_int_t)0, "groups", (json_int_t)0, "edges",
                     (json_int_t)0, "problems", problems, "stale",
                     "lineage_stale", "unrecorded", "vector_damage", "recovery",
                     recovery);
}

/* What a report with damaged vector files says to do. */
static const char vector_recovery[] =
    "run 'zoodex reindex': it rewrites every vector file from the store "
    "(searches answer from the store's vectors meanwhile)";

/* A ZX_EDAMAGED message without the index's name and the recovery hint:
 * the report has both. */
static json_t *damage_text(const struct zx_error *err)
{
    const char *m = err ? err->msg : "the index is damaged";
    const char *p = strstr(m, "' is damaged: ");
    size_t n, h = strlen("; " ZX_STORE_RECOVERY);

    if (!strncmp(m, "index '", 7) && p) /* the report names the index */
        m = p + strlen("' is damaged: ");
    n = strlen(m);
    if (n > h && !strcmp(m + n - h, "; " ZX_STORE_RECOVERY))
        n -= h;
    return json_stringn(m, n);
}

int zx_index_verify(struct zx_index *ix, json_t **report, struct zx_error *err)
{
    struct verify_ctx v;
    const char *arch;
    json_t *cnt, *damage = NULL;
    int rc;

    *report = NULL;
    memset(&v, 0, sizeof(v));
    v.ix = ix;
    v.err = err;
    v.problems = json_array();
    v.stale = json_array();
    v.lineage_stale = json_array();
    v.unrecorded = json_array();
    v.vector_damage = json_array();
    v.group_counts = json_object();
    /* First every page, so damage is named per table and the walks below
     * run on a store that reads back. */
    rc = zx_store_check(ix->st, &damage, err);
    if (rc)
        goto out;
    if (json_array_size(damage)) {
        *report = damage_report(damage);
        goto out;
    }
    rc = zx_txn_begin(ix->st, 0, &v.txn, err);
    if (rc)
        goto out;
    rc = zx_store_each_model(v.txn, verify_model, &v, err);
    if (!rc)
        rc = zx_store_each_vec(v.txn, NULL, verify_vec, &v, err);
    if (!rc)
        rc = zx_store_each_group(v.txn, verify_group, &v, err);
    if (!rc)
        rc = zx_store_each_edge(v.txn, verify_edge, &v, err);
    if (rc == ZX_EDAMAGED) { /* a record LMDB reads but zoodex cannot */
        json_array_append_new(damage, damage_text(err));
        *report = damage_report(damage);
        rc = ZX_OK;
        goto out;
    }
    if (rc)
        goto out;
    json_object_foreach(v.group_counts, arch, cnt)
    {
        json_t *g = NULL;

        if (zx_store_get_group(v.txn, arch, &g, NULL) == ZX_ENOTFOUND)
            problem(&v, "vectors of unknown group %s", arch);
        json_decref(g);
    }
    *report = json_pack(
        "{s:b,s:b,s:I,s:I,s:I,s:I,s:O,s:O,s:O,s:O,s:O}", "ok",
        json_array_size(v.problems) == 0, "damaged", 0, "models",
        (json_int_t)v.models, "vectors", (json_int_t)v.vectors, "groups",
        (json_int_t)v.groups, "edges", (json_int_t)v.edges, "problems",
        v.problems, "stale", v.stale, "lineage_stale", v.lineage_stale,
        "unrecorded", v.unrecorded, "vector_damage", v.vector_damage);
    if (json_array_size(v.vector_damage))
        json_object_set_new(*report, "recovery", json_string(vector_recovery));
out:
    zx_txn_abort(v.txn);
    json_decref(damage);
    json_decref(v.problems);
    json_decref(v.stale);
    json_decref(v.lineage_stale);
    json_decref(v.unrecorded);
    json_decref(v.vector_damage);
    json_decref(v.group_counts);
    return rc;
}

int zx_index_verify_dir(const char *dir, json_t **report, struct zx_error *err)
{
    struct zx_index *ix = NULL;
    int rc = zx_index_open(dir, ZX_INDEX_READ, &ix, err);

    *report = NULL;
    if (rc == ZX_EDAMAGED) {
        json_t *p = json_array();

        json_array_append_new(p, damage_text(err));
        *report = damage_report(p);
        json_decref(p);
        return ZX_OK;
    }
    if (!rc)
        rc = zx_index_verify(ix, report, err);
    zx_index_close(ix);
    return rc;
}

int zx_index_backup(struct zx_index *ix, const char *dest, json_t **info,
                    struct zx_error *err)
{
    return zx_store_backup(ix->st, dest, info, err);
}
