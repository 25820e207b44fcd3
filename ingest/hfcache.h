/* hfcache.h - the Hugging Face cache: lookups, and the writes of a
 * download that huggingface_hub and transformers can reuse.
 *
 * Layout ($HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub,
 * else ${XDG_CACHE_HOME:-~/.cache}/huggingface/hub):
 *   models--{org}--{name}/refs/{revision}        the commit (40 hex, no
 *                                                newline)
 *   models--{org}--{name}/snapshots/{commit}/{path}  relative symlink to
 *                                                ../../blobs/{etag} (one
 *                                                more ../ per sub-folder)
 *   models--{org}--{name}/blobs/{etag}           sha256 for LFS files, git
 *                                                blob sha1 for the others
 *   models--{org}--{name}/blobs/{etag}.incomplete  a download in flight
 * Lookups ignore *.incomplete and *.lock files.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_HFCACHE_H
#define ZX_HFCACHE_H
#include "zx_err.h"
#include "zx_json.h"

/* $HF_HOME, else ${XDG_CACHE_HOME:-$HOME/.cache}/huggingface (owned), or
 * NULL when none of them is set. */
char *zx_hf_home(void);

/* The cache folder (owned), or NULL when none exists. */
char *zx_hfcache_dir(void);
/* The cache folder a download writes to, whether it exists or not
 * (owned), or NULL when no variable names one. */
char *zx_hfcache_root(void);
/* <root>/models--{org}--{name} (owned). */
char *zx_hfcache_repo(const char *root, const char *id);

/* 1 when s is a full commit hash (40 lowercase hex digits). */
int zx_hfcache_is_commit(const char *s);

/* Path of `path` of model `id` at `rev` (a 40-hex commit, or a ref name
 * resolved through refs/) in the cache, or NULL on a miss (owned). */
char *zx_hfcache_lookup(const char *id, const char *rev, const char *path);

/* The commit that refs/<rev> of `repo` names (owned), or NULL. */
char *zx_hfcache_read_ref(const char *repo, const char *rev);

/* Point refs/<rev> of `repo` at `commit` (atomically, no newline) unless
 * it already does; *written (may be NULL) gets 1 when the file was
 * written.  Returns ZX_OK, ZX_EUSAGE (a bad revision name) or ZX_EIO. */
int zx_hfcache_write_ref(const char *repo, const char *rev, const char *commit,
                         int *written, struct zx_error *err);

/* Make snapshots/<commit>/<path> of `repo` a relative symlink to
 * blobs/<etag> (folders created as needed); an existing link or file is
 * replaced only when it does not lead to a file.  *target (may be NULL)
 * gets the link text (owned) when a link was made, else NULL.  Returns
 * ZX_OK, ZX_EFORMAT (a path with "..", an absolute path, a bad etag) or
 * ZX_EIO. */
int zx_hfcache_link(const char *repo, const char *commit, const char *path,
                    const char *etag, char **target, struct zx_error *err);

/* Remove one cache file that a download created, described by `e` (an
 * element of zx_remote_download's *created): a "link" only while it still
 * has the text zoodex gave it; a "blob" only while it is the same size and
 * no symlink under snapshots/ other than the paths in `gone` (an array of
 * links removed in the same run) leads to it; a "ref" only while it names
 * the same commit and that snapshot folder is empty (or holds only paths
 * in `gone`).  Folders left empty up to models--{org}--{name} go too.
 * dry_run removes nothing.  Returns 1 (removed, or would be), 0 (kept:
 * *why says why; the record stays) or -1 (not ours any more or gone:
 * forget the record; *why says why).  *why is owned, or NULL. */
int zx_hfcache_prune(json_t *e, json_t *gone, int dry_run, char **why);

#endif
