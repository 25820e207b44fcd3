/* hfcache.h - read-only lookups in an existing Hugging Face cache.
 *
 * Layout ($HF_HUB_CACHE, else $HF_HOME/hub, else
 * ${XDG_CACHE_HOME:-~/.cache}/huggingface/hub):
 *   models--{org}--{name}/refs/{revision}        the commit (40 hex)
 *   models--{org}--{name}/snapshots/{commit}/{path}  symlink to a blob
 *   models--{org}--{name}/blobs/{etag}           sha256 for LFS files
 * zoodex never writes there: *.incomplete and *.lock files are ignored.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_HFCACHE_H
#define ZX_HFCACHE_H

/* The cache folder (owned), or NULL when none exists. */
char *zx_hfcache_dir(void);

/* Path of `path` of model `id` at `rev` (a 40-hex commit, or a ref name
 * resolved through refs/) in the cache, or NULL on a miss (owned). */
char *zx_hfcache_lookup(const char *id, const char *rev, const char *path);

#endif
