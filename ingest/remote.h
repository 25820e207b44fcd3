/* remote.h - models on the Hub: read by Range (crawl), or downloaded in
 * full (ingest org/name).
 *
 * zx_remote_fetch() takes a batch of listed models and, with a few rounds
 * of concurrent requests, gets what a light descriptor needs:
 *   1. config.json, README.md, adapter_config.json (when listed) and the
 *      first 100,000 bytes of the weights (or the sharded index);
 *   2. the first 100,000 bytes of every shard, then the rest of any header
 *      longer than that;
 * and zx_remote_read_points() then reads the values at given coordinates
 * (the fingerprint's, chosen by index/ from the tensor table), neighbouring
 * ranges coalesced into one request.
 * Files already in a Hugging Face cache are read from there.  Gated,
 * private and missing repos end with a skip reason, not an error.
 * Ownership: a struct zx_remote owns everything it points to.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_REMOTE_H
#define ZX_REMOTE_H
#include <stdint.h>

#include "ckpt.h"
#include "hub.h"
#include "model.h"
#include "zx_json.h"

/* What a model may read of answers that ignore Range, by default. */
#define ZX_REMOTE_STREAM_BUDGET (64u << 20)

struct zx_remote {
    /* in */
    char *id;     /* "org/name" */
    char *hub_id; /* the Hub's stable _id, or NULL */
    char *rev;    /* commit sha, or "main" */
    json_t *info; /* the listing entry or model info (owned) */
    /* out */
    struct zx_model_src src; /* id, config, card, adapter; no weights */
    struct zx_ckpt *ck;      /* tensor table from the headers */
    char **files;            /* weight files, repo-relative */
    char **file_sha256;      /* LFS sha256 per file, or NULL */
    size_t n_files;
    float *values;          /* values read by zx_remote_read_points() */
    uint64_t bytes;         /* body bytes fetched for this model */
    uint64_t weights_bytes; /* total size of the weight files */
    const char *skip;       /* "gated", "private-or-missing",
                               "no-safetensors", or NULL */
    /* A file store that ignores Range sends whole files: the bytes before
     * a range are then read and dropped, at most stream_budget bytes of
     * such answers per model (in; 0: ZX_REMOTE_STREAM_BUDGET, 64 MiB),
     * taken out as each request is queued; streamed counts them (out)
     * and norange[i] (out, per file) says the store did so for file i,
     * so that zx_remote_read_points() reads all of that file's values
     * from one stream. */
    uint64_t stream_budget;
    uint64_t streamed;
    uint64_t stream_queued; /* private: taken by requests in flight */
    unsigned char *norange;
    char err[512]; /* set when it failed */
};

/* A remote model for `info` (taken over) listed as `id`. */
struct zx_remote *zx_remote_new(const char *id, json_t *info);
void zx_remote_free(struct zx_remote *m); /* NULL-safe */

/* Fetch a batch.  Returns ZX_OK (look at each model's skip/err), or ZX_ENET
 * when the Hub could not be reached at all. */
int zx_remote_fetch(struct zx_hub *hub, struct zx_remote **ms, size_t n,
                    struct zx_error *err);

/* A coordinate to read: the element at byte `offset` of weight file
 * `file` (an index into ->files), stored as `dtype`. */
struct zx_remote_point {
    unsigned file;
    uint64_t offset;
    enum zx_dtype dtype;
};

/* Read npts values per model (pts[i] may be NULL to skip model i) into
 * ms[i]->values.  Returns ZX_OK or ZX_ENET; per-model failures go to
 * ->err / ->skip. */
int zx_remote_read_points(struct zx_hub *hub, struct zx_remote **ms, size_t n,
                          const struct zx_remote_point *const *pts, size_t npts,
                          struct zx_error *err);

/* Download model `id` at `rev` (NULL: main) into the Hugging Face cache
 * (hfcache.h), as huggingface_hub does, for a full descriptor:
 * config.json, README.md and adapter_config.json when the repo has them,
 * and every weight file.  The model info is asked for with blobs=true, so
 * each file's blob name (the LFS sha256, else the git blob id) is known
 * first: a file already in snapshots/<commit>/ or a blob already in blobs/
 * is reused without a request.  Otherwise the file goes to
 * blobs/<etag>.incomplete (under huggingface_hub's .locks/ lock), is
 * resumed by Range after a broken connection, is checked against its size
 * and (LFS) its sha256, takes its name, and is linked from the snapshot
 * by a relative symlink; refs/<rev> is then pointed at the commit (not
 * when rev is a commit hash).  *dir gets snapshots/<commit> (owned),
 * *info the model info (owned) and *created (owned, set even on failure)
 * one {"kind": "blob"|"link"|"ref", "path", "model", "commit", ...}
 * object per file this call created, so that only those are ever pruned.
 * Returns ZX_OK, ZX_ENOTFOUND (no such model or revision, or private),
 * ZX_EUNSUPPORTED (gated, or no safetensors weights), ZX_EFORMAT
 * (checksum mismatch, bad answers), ZX_ENET, ZX_EOFFLINE or ZX_EIO. */
int zx_remote_download(struct zx_hub *hub, const char *id, const char *rev,
                       char **dir, json_t **info, json_t **created,
                       struct zx_error *err);

/* Offline: the snapshot folder of model `id` at `rev` (NULL: main; a
 * commit hash directly, another name through refs/) when the cache holds
 * its safetensors weights whole (model.safetensors.index.json and every
 * shard it names, model.safetensors, adapter_model.safetensors, or another
 * top-level *.safetensors).  *dir and *commit (owned) are set on success.
 * Returns ZX_OK, or ZX_EOFFLINE with a message that names what is
 * missing.  Never touches the network. */
int zx_remote_from_cache(const char *id, const char *rev, char **dir,
                         char **commit, struct zx_error *err);

/* Which file holds a listed model's weights, from the "siblings" of its
 * listing entry or model info (untrusted Hub JSON): model.safetensors.
 * index.json (then *sharded = 1), model.safetensors,
 * adapter_model.safetensors, else the first by name of the top-level
 * *.safetensors that are not shards; "model.safetensors" when the entry
 * lists no siblings.  Owned, or NULL when it lists no such file. */
char *zx_remote_weights_file(json_t *info, int *sharded);
/* The shards that `len` bytes of a model.safetensors.index.json from the
 * Hub name in its weight_map: each once, in first-seen order, at most
 * ZX_CKPT_MAX_SHARDS; empty names, absolute paths and names with ".." are
 * dropped.  *files (owned array of owned strings, n entries) and *n are
 * set on success, NULL and 0 otherwise.  Returns ZX_OK, ZX_EFORMAT (bad
 * JSON, no weight_map object, no usable shard) or ZX_ETOOBIG. */
int zx_remote_shard_files(const char *json, size_t len, const char *what,
                          char ***files, size_t *n, struct zx_error *err);
/* Declared parents from Hub metadata: tags "base_model:<rel>:<id>" /
 * "base_model:<id>" and baseModels {relation, models:[{id}]}: an owned
 * array of {"parent","relation","source":"hub"}.  Parents are valid model
 * ids other than `self`, each once; a baseModels relation other than
 * finetune, adapter, quantized or merge reads as finetune. */
json_t *zx_remote_hub_parents(const char *self, json_t *info);

#endif
