/* query.h - answers to users' questions, as JSON, over an open index.
 *
 * Every function returns ZX_OK with an owned JSON result, ZX_ENOTFOUND
 * (with a message naming the model) when the model is not indexed, or the
 * store's error.  Nothing here prints; src/cmd_*.c renders the results as
 * text or JSON.  A MODEL argument is an exact id, or a name that matches
 * exactly one indexed "org/name" by its part after the slash.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_QUERY_H
#define ZX_QUERY_H
#include "index.h"
#include "zx_json.h"

/* Resolve a MODEL argument to an indexed id (owned). */
int zx_query_resolve(struct zx_index *ix, const char *name, char **id,
                     struct zx_error *err);

/* Nearest models by weight fingerprint within the query's architecture
 * group: {"query": id|path, "arch", "indexed": bool, "hits": [{"model",
 * "distance"}]} with at most k hits, nearest first, the query excluded. */
int zx_query_like_model(struct zx_index *ix, const char *name, int k,
                        json_t **out, struct zx_error *err);
/* The same for a checkpoint on disk that need not be indexed. */
int zx_query_like_path(struct zx_index *ix, const char *path, int k,
                       json_t **out, struct zx_error *err);

/* Declared lineage: {"model", "parents": [{"parent", "relation", "source",
 * "provenance", "indexed"}], "children": [{"child", ...}]}. */
int zx_query_lineage(struct zx_index *ix, const char *name, json_t **out,
                     struct zx_error *err);

/* Lineage inferred from the weights of the model's group (Model Atlas
 * charting, see lineage.h): {"model", "arch", "parents": [{"parent",
 * "rule", "distance", "parent2"?}], "children": [{"child", "rule",
 * "distance"}]}.  Work in progress: charted on demand, not stored. */
int zx_query_lineage_inferred(struct zx_index *ix, const char *name,
                              json_t **out, struct zx_error *err);

/* A model's record plus "parents", "children", "duplicates" (same weights
 * digest) and "group_size". */
int zx_query_show(struct zx_index *ix, const char *name, json_t **out,
                  struct zx_error *err);

/* Indexed models in id order: [{"id", "arch", "params", "dtype"}], only
 * those of group `arch` when it is not NULL. */
int zx_query_list(struct zx_index *ix, const char *arch, json_t **out,
                  struct zx_error *err);

/* Counts: models, groups (with sizes), vectors, edges, bytes. */
int zx_query_stats(struct zx_index *ix, json_t **out, struct zx_error *err);

#endif
