/* index.h - the index as a whole: store + vector files + descriptors.
 *
 * Data flow of an ingest: zx_index_open(WRITE) takes the writer lock;
 * zx_index_add() reads one model source, computes its descriptors and
 * writes its record, vector, group counter and declared edges in ONE store
 * transaction (so a crash leaves the old or the new state, never half);
 * zx_index_flush() then rewrites the FAISS file of every group whose file
 * is older than the group's generation.  A FAISS file is named
 * vectors/<arch>.g<gen>.faiss, so a reader knows at once whether a file is
 * current; when it is not (a crash between commit and flush), searches
 * build the group's index in memory from the store and stay exact.
 * Ownership: results documented per call; no call takes ownership.
 * Threads: one struct zx_index per thread, or serialise calls.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_INDEX_H
#define ZX_INDEX_H
#include <stdint.h>

#include "desc.h"
#include "model.h"
#include "store.h"
#include "zx_json.h"

/* State key (store.h's state table) of a model keyed by the Hub: "hubid:"
 * then the Hub's _id, whose value is the model id now stored for it
 * (zoodex-store(5)). */
#define ZX_STATE_HUBID "hubid:"
/* State key of a group's vector file checksum: "vfile:" then the group
 * signature; the value is JSON {"file", "gen", "bytes", "xxh3_128", "dev",
 * "ino", "mtime_ns", "ctime_ns"[, "pending": {"bytes", "xxh3_128"}]}: the
 * file zx_index_flush() last wrote for the group (zoodex-store(5)).  A
 * file whose generation has no such record is not trusted (searched). */
#define ZX_STATE_VFILE "vfile:"
#define ZX_VFILE_GEN "gen"
#define ZX_VFILE_BYTES "bytes"
#define ZX_VFILE_XXH3 "xxh3_128"
#define ZX_VFILE_DEV "dev"
#define ZX_VFILE_INO "ino"
#define ZX_VFILE_MTIME "mtime_ns"
#define ZX_VFILE_CTIME "ctime_ns"
#define ZX_VFILE_PENDING "pending"

/* Field names of the records zx_index_put() writes (zoodex-store(5)),
 * defined once: every reader of a stored record uses these. */
/* A model record (models table). */
#define ZX_REC_ID "id"
#define ZX_REC_REVISION "revision"
#define ZX_REC_SOURCE "source"
#define ZX_REC_WEIGHTS "weights"
#define ZX_REC_STAMP "stamp"
#define ZX_REC_INGESTED "ingested"
#define ZX_REC_META "meta"
#define ZX_REC_DECLARED_PARENTS "declared_parents"
#define ZX_REC_ALGO "algo"
#define ZX_REC_ARCH "arch"
#define ZX_REC_VID "vid"
#define ZX_REC_KURTOSIS "kurtosis"
#define ZX_REC_KURTOSIS_LAYERS "kurtosis_layers"
#define ZX_REC_PARAMS "params"
#define ZX_REC_PARAMS_BY_DTYPE "params_by_dtype"
#define ZX_REC_DTYPE "dtype"
#define ZX_REC_N_TENSORS "n_tensors"
#define ZX_REC_N_BACKBONE "n_backbone"
#define ZX_REC_WEIGHTS_DIGEST "weights_digest"
#define ZX_REC_TENSORS "tensors"
#define ZX_REC_LAYOUT_DIGEST "layout_digest"
#define ZX_REC_FILES "files" /* the Hub's weight files [{name, sha256}] */
#define ZX_REC_LIGHT "light" /* true: crawled by Range reads */
#define ZX_REC_HUB "hub"     /* a crawled model's Hub metadata: */
/* members of "hub", named as the Hub's API names them */
#define ZX_HUB_ID "_id"
#define ZX_HUB_SHA "sha"
#define ZX_HUB_CREATED "createdAt"
#define ZX_HUB_DOWNLOADS "downloads"
/* zoodex's own member of "hub" in a full record a crawl merged into: the
 * "meta" members the Hub's files gave */
#define ZX_HUB_META_KEYS "meta_keys"
/* A group record (groups table). */
#define ZX_GROUP_GEN "gen"
#define ZX_GROUP_N_MODELS "n_models"
#define ZX_GROUP_DIM "dim"
#define ZX_GROUP_VERSION "version"

struct zx_index;

enum zx_index_mode {
    ZX_INDEX_READ = 0,  /* never writes; fails if there is no index */
    ZX_INDEX_WRITE = 1, /* creates the index; takes the writer lock */
    ZX_INDEX_UPDATE = 2 /* as WRITE, but fails as READ does if there is no
                           index: a mistyped --db is an error, not a new
                           empty index (reindex, rm, prune) */
};

/* Returns ZX_OK, ZX_ENOTFOUND (READ or UPDATE, no index), ZX_ELOCKED (WRITE and
 * another writer holds the lock), ZX_EIO, ZX_EDAMAGED or ZX_ESTORE.
 * READ writes nothing: a search whose vector file is stale or missing
 * builds the group's index in memory (zx_index_search). */
int zx_index_open(const char *dir, enum zx_index_mode mode,
                  struct zx_index **out, struct zx_error *err);
void zx_index_close(struct zx_index *ix); /* NULL-safe; no flush */
struct zx_store *zx_index_store(struct zx_index *ix);
const char *zx_index_dir(const struct zx_index *ix);

enum zx_add_result {
    ZX_ADD_NEW,
    ZX_ADD_UPDATED,
    ZX_ADD_UNCHANGED,
    ZX_ADD_MERGED, /* a light description of the weights a full record
                      already describes: the record kept its descriptors
                      and took the Hub's metadata (counts as unchanged) */
    ZX_ADD_HELD,   /* a light description of other weights than the full
                      record under that id, whose local source still
                      exists: nothing written (a crawl skips the model) */
};

/* Index one model.  Unchanged (same id and stamp) models are skipped unless
 * force.  Returns ZX_OK or the error of the describe or store step; on
 * error the store is unchanged.  *bad_input is set to 1 when the error
 * came from the model's own files (skip it and go on), 0 when it came from
 * the index (stop). */
int zx_index_add(struct zx_index *ix, const struct zx_model_src *src, int force,
                 enum zx_add_result *res, int *bad_input, struct zx_error *err);

/* The SHA-256 of the n weight files `names` of a model found locally at
 * `source` (names relative to that folder; a file when n is 1), to
 * compare with the Hub's LFS sha256: owned [{"name", "sha256"}], or NULL
 * when one cannot be read.  Reads every byte. */
json_t *zx_index_hash_files(const char *source, const char *const *names,
                            size_t n);

/* Member of zx_index_put()'s `extra` (not stored): [{name, sha256}] of
 * the local files of the full side (the stored record's, found as it
 * was described; or the new record's), named as the other side's "files"
 * name the Hub's (zx_index_hash_files). */
#define ZX_PUT_LOCAL_FILES "local_files"

/* Store a described model in one transaction: its record (with the
 * members of `extra` added: "hub" {_id, sha, ...} keys the model by the
 * Hub's _id so a rename replaces the old record; "parents" adds declared
 * parents), its vector, its group counter and its declared edges.
 * `tensors` may be NULL.  Never loses what the index knows: when the
 * model's record describes the same weights (zoodex-store(5), "Merging":
 * same descriptor version and the same weights digest, or the same files
 * (ZX_PUT_LOCAL_FILES), or the same commit, or the same tensor table,
 * fingerprint and lineage samples), a light description (d->weights_digest
 * empty) of a full record only merges its Hub metadata in (*res ZX_ADD_MERGED,
 * or ZX_ADD_UNCHANGED when that changes nothing), and a full one over a light
 * one keeps the Hub metadata (ZX_ADD_UPDATED).  Different weights replace the
 * record, except that a light description never replaces a full record
 * whose local source still exists (*res ZX_ADD_HELD, nothing written).
 * A rename (the Hub _id known under another id) is ZX_ADD_UPDATED.
 * Returns ZX_OK or a store error. */
int zx_index_put(struct zx_index *ix, const struct zx_model_src *src,
                 const struct zx_desc *d, json_t *tensors, json_t *extra,
                 enum zx_add_result *res, struct zx_error *err);

/* ZX_OK when every one of the n ids names an indexed model, else
 * ZX_ENOTFOUND with a message naming the first that does not (or a store
 * error). */
int zx_index_check_models(struct zx_index *ix, char *const *ids, size_t n,
                          struct zx_error *err);

/* Remove model `id` in one transaction: its record, vector (its group's
 * generation moves, so the next zx_index_flush() rewrites the group's
 * vector file and re-charts its lineage), lineage descriptor, its own
 * edges, and the edges only the weights gave other models to it.  Edges
 * other models declare to it stay ("both" becomes "declared"), so it
 * lives on as a parent that is not indexed.  *report (owned): {"model",
 * "group", "declared_children": [ids]}.  Returns ZX_OK, ZX_ENOTFOUND (with
 * a message) or a store error. */
int zx_index_remove(struct zx_index *ix, const char *id, json_t **report,
                    struct zx_error *err);

/* Describe a model without storing it: opens its weights and computes
 * every descriptor. */
int zx_index_describe(const struct zx_model_src *src, struct zx_desc *d,
                      json_t **tensors, struct zx_error *err);

/* Rewrite stale FAISS files (all of them when `all`).  *n_written gets the
 * number of files written (may be NULL). */
int zx_index_flush(struct zx_index *ix, int all, int *n_written,
                   struct zx_error *err);

/* Where zx_index_search() reports a vector file it does not trust although
 * the store records its checksum (damaged, truncated or missing): one
 * message per file and process, without a newline.  Library code never
 * prints; the CLI points this at stderr.  NULL (the default): none. */
typedef void (*zx_index_warn_fn)(const char *msg, void *arg);
void zx_index_on_warning(struct zx_index *ix, zx_index_warn_fn fn, void *arg);

/* k nearest neighbours of q within group `arch`, excluding vector id
 * `skip_vid` (0 = none).  *hits is an owned array of
 * {"model","distance","vid"}, nearest first.  The group's vector file is
 * used only when the store holds its checksum for the group's generation
 * and the file matches it (checked once per file and process: XXH3 reads
 * the whole file); otherwise the group's index is built in memory from
 * the store's vectors, so the answer is the same. */
int zx_index_search(struct zx_index *ix, const char *arch, const float *q,
                    int k, uint64_t skip_vid, json_t **hits,
                    struct zx_error *err);

/* Check that every page of the store reads back (zx_store_check), then
 * store/vector consistency.  *report: owned {"ok", "damaged", "models",
 * "vectors", "groups", "edges", "problems": [..], "stale": [..],
 * "lineage_stale": [..]}; a damaged store gives "damaged": true, what is
 * damaged in "problems", zero counts and "recovery", what to do.
 * Returns ZX_OK when it could check (read report.ok for the verdict). */
int zx_index_verify(struct zx_index *ix, json_t **report, struct zx_error *err);

/* Open the index in `dir` for reading and verify it; a store too damaged
 * to open gives a damaged report, not an error.  Returns as
 * zx_index_verify, or the open's error (ZX_ENOTFOUND, ZX_EIO, ...). */
int zx_index_verify_dir(const char *dir, json_t **report, struct zx_error *err);

/* Back the store up into the new folder `dest` (zx_store_backup): a
 * consistent, compacted copy of data.mdb, taken while readers and a
 * writer go on.  The vector files are not copied: they are derived, and
 * `zoodex reindex` on the copy (or the first search) rebuilds them. */
int zx_index_backup(struct zx_index *ix, const char *dest, json_t **info,
                    struct zx_error *err);

#endif
