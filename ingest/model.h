/* model.h - a model as found on disk: weights, config.json, model card
 * front matter and adapter_config.json, plus its id and declared parents.
 *
 * A "model source" is either a folder in Hugging Face layout or a single
 * checkpoint file (.safetensors, or a torch file: .bin, .pt, .pth, .ckpt).
 * A folder's weights are, in order of preference: model.safetensors.index.json,
 * model.safetensors, adapter_model.safetensors, one other
 * *.safetensors.index.json or lone *.safetensors; then (safetensors are
 * preferred when both exist) pytorch_model.bin.index.json,
 * pytorch_model.bin, adapter_model.bin, one other *.bin.index.json or *.pth.
 * zx_model_scan() finds model sources under a folder tree.  Ids: --id when
 * given; else "org/name" from a Hugging Face cache path
 * (models--org--name/snapshots/<rev>) or from the last two folder names
 * (org/name/); a single file outside a model folder gets
 * "<folder>/<file stem>".
 * Ownership: zx_model_src_open() returns an owned object; its json_t
 * members are owned by it (borrow them).
 * SPDX-License-Identifier: MIT */
#ifndef ZX_MODEL_H
#define ZX_MODEL_H
#include "zx_json.h"

#define ZX_MAX_CONFIG_BYTES (16u << 20)
#define ZX_MAX_CARD_BYTES (16u << 20)

/* Field names of a lineage edge, defined once here, in the lowest module
 * that builds one: a declared parent (zx_model_declared_parents(), the
 * model record's "declared_parents") is {parent, relation, source}; the
 * edge records of the store (zoodex-store(5)) add provenance, confidence
 * and maybe contradiction and evidence, and edge lists name the child. */
#define ZX_EDGE_PARENT "parent"
#define ZX_EDGE_CHILD "child"
#define ZX_EDGE_RELATION "relation"
#define ZX_EDGE_SOURCE "source"
#define ZX_EDGE_PROVENANCE "provenance"
#define ZX_EDGE_CONFIDENCE "confidence"
#define ZX_EDGE_CONTRADICTION "contradiction"
#define ZX_EDGE_EVIDENCE "evidence"

struct zx_model_src {
    char *id;            /* "org/name" */
    char *revision;      /* snapshot revision, or NULL */
    char *path;          /* absolute path of the folder or file */
    char *weights;       /* what zx_ckpt_open() gets */
    char *weights_shown; /* how records name the weights when `weights` is
                            a temporary copy (a model staged from an
                            archive: "<archive>!/<path>"), else NULL */
    json_t *config;      /* config.json or NULL */
    json_t *card;        /* README.md front matter or NULL */
    json_t *adapter;     /* adapter_config.json or NULL */
    char stamp[65];      /* SHA-256 over file names, sizes, mtimes and the
                            metadata files' bytes: changes when the model may
                            have changed */
};

/* Open the model at `path` (folder or checkpoint file).  `id` overrides
 * the derived id (may be NULL).  Returns ZX_OK, ZX_ENOTFOUND,
 * ZX_EUNSUPPORTED (no weights, or several lone .safetensors or .pth
 * files: each is a model of its own), ZX_EFORMAT (bad JSON/YAML),
 * ZX_ETOOBIG or ZX_EIO.  A final symbolic link to a file is not resolved
 * (a Hugging Face cache snapshot links into blobs/). */
int zx_model_src_open(const char *path, const char *id,
                      struct zx_model_src **out, struct zx_error *err);
/* The same, with `org` (may be NULL) as the org of a derived id ("ORG/
 * <folder or file name>"), for folders laid out flat; without it, a
 * config's or card's _name_or_path "org/<that name>" gives the org.
 * Neither applies to --id or to an id from a Hugging Face cache path. */
int zx_model_src_open_as(const char *path, const char *id, const char *org,
                         struct zx_model_src **out, struct zx_error *err);
void zx_model_src_free(struct zx_model_src *m); /* NULL-safe */

/* The weights file zx_model_src_open() would read for `path`: the path
 * itself for a file, else the folder's weights (owned, in *out).
 * ZX_ENOTFOUND, or ZX_EUNSUPPORTED with a message saying why: several
 * candidates, weights only in a format not read yet (which one), a folder
 * of several models (how many, and one of them), or no weights. */
int zx_model_weights(const char *path, char **out, struct zx_error *err);

/* 1 when `dir` holds a model: weights as listed at the top (shards "-of-"
 * do not count as lone .safetensors). */
int zx_model_is_dir(const char *dir);

/* Call cb(path, arg) for every model folder or stray .safetensors or .pth
 * file under `root`, and for every folder whose only weights are in a
 * format not read yet (zx_model_src_open() then says which), in sorted order,
 * not following symbolic links, at any depth (a folder met again, as under
 * a bind mount of one of its ancestors, is not searched again).  Stops at
 * the first non-zero return of cb and returns it. */
int zx_model_scan(const char *root, int (*cb)(const char *path, void *arg),
                  void *arg, struct zx_error *err);

/* Normalised metadata (architectures, model_type, num_labels, id2label,
 * license, pipeline_tag, tags, datasets, card base_model, adapter) as an
 * owned JSON object. */
json_t *zx_model_meta(const struct zx_model_src *m);

/* Declared parents as an owned array of {"parent", "relation", "source"}
 * with relation in finetune|adapter|quantized|merge and source in
 * card|adapter_config.  Self-references are dropped. */
json_t *zx_model_declared_parents(const struct zx_model_src *m);

/* 1 when s looks like a Hub id: [org/]name of [A-Za-z0-9._-], no "..". */
int zx_valid_model_id(const char *s);

/* Whether model `src` may take its id from the indexed record of that id,
 * whose source, weights and revision are `held_source`, `held_weights` and
 * `held_rev` (each may be NULL).  An id belongs to one model on disk: it
 * is free when the record is of the same source or weights file, when the
 * record is from the Hub (source "hub:..."), or when the record's source
 * no longer exists (lstat fails with ENOENT or ENOTDIR: the folder, file
 * or archive was moved or renamed; another failure, such as EACCES,
 * refuses with its reason).  Copies of one Hub model share its id only
 * when their revisions are equal: then *copy is set to 1 (the record
 * stays as it is, its source the first copy's); a different revision takes
 * the id only when the held snapshot's own cache now names it in
 * refs/main (it is newer).  Returns ZX_OK, or ZX_EUSAGE with a message
 * naming both paths (and both revisions when either has one) when another
 * source still holds the id. */
int zx_model_id_taken(const struct zx_model_src *src, const char *held_source,
                      const char *held_weights, const char *held_rev, int *copy,
                      struct zx_error *err);

/* 1 when `src` is a snapshot of a Hugging Face cache
 * (models--org--name/snapshots/<rev>) whose refs/main names another
 * revision whose snapshot is in the same cache: an older revision, which
 * an ingest skips; `note` then says so, naming both.  0 otherwise (no
 * refs/main, or it names this revision or a snapshot not there). */
int zx_model_older_snapshot(const struct zx_model_src *src,
                            struct zx_error *note);

#endif
