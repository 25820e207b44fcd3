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
#include "lineage.h"
#include "zx_json.h"

/* Resolve a MODEL argument to an indexed id (owned). */
int zx_query_resolve(struct zx_index *ix, const char *name, char **id,
                     struct zx_error *err);

/* Nearest models by weight fingerprint within the query's weight group:
 * {"query": id|path, "group" (its signature), "indexed": bool, "hits":
 * [{"model", "distance"}]} with at most k hits, nearest first, the query
 * excluded. */
int zx_query_like_model(struct zx_index *ix, const char *name, int k,
                        json_t **out, struct zx_error *err);
/* The same for a checkpoint on disk that need not be indexed. */
int zx_query_like_path(struct zx_index *ix, const char *path, int k,
                       json_t **out, struct zx_error *err);

/* ===== Lineage (query/lineage.c) =====
 * An edge is the stored record of index/store.h with both ends named:
 * {"parent", "child", "relation", "provenance", "confidence", "source"?,
 * "evidence"?, "contradiction"?}; a stored edge without a confidence is a
 * declared fact and gets 1.0.  A node is {"id", "indexed", "downloads"?}
 * (downloads when the record has the Hub's count); a parent that is not
 * indexed is a virtual node.  A cycle is the array of ids along it from
 * parent to child, closed by its first id again ["a", "b", "a"]. */

enum zx_lineage_view {
    ZX_LINEAGE_DIRECT,      /* parents and children */
    ZX_LINEAGE_ANCESTORS,   /* every ancestor up to the roots */
    ZX_LINEAGE_DESCENDANTS, /* the whole sub-tree below */
    ZX_LINEAGE_SIBLINGS,    /* the other children of its parents */
    ZX_LINEAGE_ROOT,        /* the roots above it */
    ZX_LINEAGE_TREE,        /* every tree holding it, from the roots down */
};

/* One view of a model's lineage, keeping only edges whose confidence is
 * at least min_confidence (0 to 1, else ZX_EUSAGE).  The model is an
 * indexed one (name as for zx_query_resolve), else the exact id of a
 * model that is not indexed but that indexed models name as a parent (a
 * virtual node: the views answer from those models' declared edges).
 * *out: {"model", "indexed", "view" (direct, ancestors, descendants, siblings,
 * root, tree), "min_confidence", "nodes" (by id), "edges" (by parent, then
 * child), "cycles" (the cycles among the nodes; walks never follow one twice)};
 * the direct view adds "parents" [{"parent", ...edge, "indexed"}] and
 * "children" [{"child", ...}]; siblings adds "siblings" [{"model",
 * "parent", "relation", "provenance", "confidence"}], one per sibling and
 * shared parent; root and tree add "roots" [{"id", "generations"}]
 * (nearest first; a model without parents is its own root, and a model
 * whose ancestry is a cycle has none).  Nodes hold the model and what the
 * view reached, edges every edge walked between them: ancestors holds the
 * parents of each ancestor, descendants the children of each descendant,
 * root the ancestors, tree the ancestors and everything below them (below
 * the roots, and below the cycles that stand in for roots).
 * Returns ZX_OK, ZX_ENOTFOUND (neither indexed nor named by an indexed
 * model), ZX_EUSAGE (ambiguous name, bad minimum) or a store error. */
int zx_query_lineage_view(struct zx_index *ix, const char *name,
                          enum zx_lineage_view view, double min_confidence,
                          json_t **out, struct zx_error *err);

/* The lineage of the whole index, every edge whose confidence is at least
 * min_confidence: {"view": "all", "min_confidence", "roots" (the ids of
 * the nodes without a parent, tree by tree, in id order within a tree),
 * "trees" [{"roots", "nodes"
 * (ids, in id order), "size"}] (the models joined by edges, ordered by
 * their first root; trees whose top is a cycle, without roots, last),
 * "nodes", "edges", "cycles"} as for a view.  Models without an edge are
 * left out.  Returns ZX_OK, ZX_EUSAGE (bad minimum) or a store error. */
int zx_query_lineage_all(struct zx_index *ix, double min_confidence,
                         json_t **out, struct zx_error *err);

/* The direct view with every edge: {"model", "view", "parents",
 * "children", ...} as above. */
int zx_query_lineage(struct zx_index *ix, const char *name, json_t **out,
                     struct zx_error *err);

/* Counts for `show`, over every edge: {"parents", "children", "subtree",
 * "cycles"}: parents and children count the direct edges by relation
 * ({"total", "finetune", "adapter", "quantized", "merge"} always, other
 * relations when they occur); subtree covers every model below the model
 * (itself not included): "total" models, each counted once per relation
 * by which it hangs in the sub-tree, "downloads" summed over the
 * "with_downloads" models whose record has the Hub's count. */
int zx_query_lineage_summary(struct zx_index *ix, const char *name,
                             json_t **out, struct zx_error *err);

/* Lineage the weights alone give for the model, charting its group now
 * with `method` (lineage.h; no metadata used, nothing stored: the stored
 * answer is zx_query_lineage's): {"model", "group", "method", "parents":
 * [{"parent", "rule", "distance", "metric", "confidence", "parent2"?}],
 * "children": [{"child", "rule", "distance", "metric", "confidence"}]}. */
int zx_query_lineage_chart(struct zx_index *ix, const char *name,
                           enum zx_chart_method method, json_t **out,
                           struct zx_error *err);
/* The same with the Model Atlas method. */
int zx_query_lineage_inferred(struct zx_index *ix, const char *name,
                              json_t **out, struct zx_error *err);

/* A model's record, its "arch" renamed "group" (the weight group's
 * signature, null without a fingerprint), plus "parents", "children" (as
 * zx_query_lineage), "lineage" (zx_query_lineage_summary), "duplicates" (same
 * weights digest), "group_size" and "weights_bytes" (the tensors' bytes,
 * from the parameter counts per dtype; absent when a dtype's size is
 * unknown). */
int zx_query_show(struct zx_index *ix, const char *name, json_t **out,
                  struct zx_error *err);

/* ===== List ===== */

/* What `list` sorts by.  Counts and dates sort largest or newest first,
 * ids in byte order; a model without the value comes last. */
enum zx_list_sort {
    ZX_LIST_SORT_ID,
    ZX_LIST_SORT_DOWNLOADS,
    ZX_LIST_SORT_LIKES,
    ZX_LIST_SORT_PARAMS,
    ZX_LIST_SORT_CREATED,
    ZX_LIST_SORT_INGESTED,
};

/* The sort field named `name` (id, downloads, likes, params, created,
 * ingested): 0, or -1 for another name. */
int zx_list_sort_parse(const char *name, enum zx_list_sort *out);

/* Filters of `list`, all optional (zero means "any"); text compares
 * without regard to case.  A model lacking a value that a filter asks
 * about (no parameter count, no Hub downloads) does not pass it. */
struct zx_list_filter {
    const char *group;        /* weight group signature (16 hex digits) */
    const char *author;       /* the id's part before the slash */
    const char *license;      /* the card's licence, else the Hub's tag */
    const char *task;         /* pipeline tag, the card's else the Hub's */
    const char *model_type;   /* config.json's model_type */
    const char *architecture; /* one of config.json's architectures */
    uint64_t min_params, max_params;
    uint64_t min_downloads, min_likes;
    int has_min_params, has_max_params, has_min_downloads, has_min_likes;
    /* Dates (zx_parse_date), inclusive, compared with the Hub's creation
     * time, else the time the record was written. */
    const char *since, *until;
    enum zx_list_sort sort;
    int reverse;  /* the other order, unknown values still last */
    size_t limit; /* at most this many rows; 0 for all */
};

/* Indexed models that pass `f` (NULL: all), sorted: [{"id", "author",
 * "group", "params", "dtype", "architectures", "model_type", "task",
 * "library", "license", "downloads", "likes", "created", "ingested",
 * "light"}], unknown values null.  Returns ZX_OK, ZX_ENOTFOUND (with a
 * message) when f->group names no weight group of the index, ZX_EUSAGE
 * for a bad date or sort field, or a store error. */
int zx_query_list(struct zx_index *ix, const struct zx_list_filter *f,
                  json_t **out, struct zx_error *err);

/* Counts over the whole index: {"index" (its folder), "models",
 * "models_in_group" (with a weight fingerprint, so in a weight group),
 * "models_without_group", "models_light" (crawled by Range reads),
 * "groups" (weight groups holding a model), "group_sizes" {signature:
 * models}, "vectors", "lineage_descriptors", "edges" {"declared",
 * "inferred", "both", "total"} (by provenance; the three add up to the
 * total), "lineage_last_update"? (what the last lineage update that
 * charted anything did, and its "time" when it recorded one),
 * "bytes_used" (the store's pages in use), "tables" {table: entries}}. */
int zx_query_stats(struct zx_index *ix, json_t **out, struct zx_error *err);

#endif
