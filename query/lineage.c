/* lineage.c - lineage answers: a model's parents and children, the views
 * of its tree (ancestors, descendants, siblings, roots, the whole tree)
 * and the counts that `show` prints.
 *
 * Every view walks the store's edges (index/store.h) from the model in one
 * read transaction and answers with one graph shape: the nodes it reached,
 * the edges between them and the cycles among them.  An edge is kept when
 * its confidence is at least the caller's minimum; an edge without a
 * confidence is a declared fact and counts as 1.0.  A walk expands each
 * node at most once per direction, so cycles in declared data (a card
 * naming its own child as its base) are never followed forever; they are
 * found afterwards by a depth-first search over the collected graph.
 * Parents that are not indexed (virtual nodes) are walked like any other:
 * the reverse table still lists the models that declare them.
 * SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_mem.h"

/* ===== The collected graph ===== */

struct graph {
    struct zx_txn *txn;
    double min_conf;
    json_t *nodes; /* id -> {"id", "indexed", "downloads"?} */
    json_t *edges; /* "parent\nchild" -> edge {"parent", "child", ...} */
    json_t *up;    /* id -> [edge]: its parents, once expanded */
    json_t *down;  /* id -> [edge]: its children, once expanded */
};

static void graph_init(struct graph *g, struct zx_txn *txn, double min_conf)
{
    g->txn = txn;
    g->min_conf = min_conf;
    g->nodes = json_object();
    g->edges = json_object();
    g->up = json_object();
    g->down = json_object();
}

static void graph_release(struct graph *g)
{
    json_decref(g->nodes);
    json_decref(g->edges);
    json_decref(g->up);
    json_decref(g->down);
}

/* The node of `id`, added on first sight with whether it is indexed and
 * its Hub downloads when the record has them.  Borrowed. */
static json_t *add_node(struct graph *g, const char *id)
{
    json_t *n = json_object_get(g->nodes, id), *rec = NULL, *dl;

    if (n)
        return n;
    n = json_pack("{s:s,s:b}", "id", id, "indexed",
                  zx_store_get_model(g->txn, id, &rec, NULL) == ZX_OK);
    dl = json_object_get(json_object_get(rec, ZX_REC_HUB), ZX_HUB_DOWNLOADS);
    if (json_is_integer(dl) && json_integer_value(dl) >= 0)
        json_object_set(n, "downloads", dl);
    json_decref(rec);
    json_object_set_new(g->nodes, id, n);
    return n;
}

static double confidence_of(const json_t *e)
{
    json_t *c = json_object_get(e, ZX_EDGE_CONFIDENCE);

    return json_is_number(c) ? json_number_value(c) : 1.0;
}

/* Normalise the stored edge `info` between parent and child (both ends
 * named, a confidence present) and add it to the graph, unless it is below
 * the minimum confidence.  Steals `info`.  Returns the graph's edge
 * (borrowed), or NULL when it was dropped. */
static json_t *add_edge(struct graph *g, const char *parent, const char *child,
                        json_t *info)
{
    char *key;
    json_t *e;

    if (!json_is_object(info) || confidence_of(info) < g->min_conf) {
        json_decref(info);
        return NULL;
    }
    key = xasprintf("%s\n%s", parent, child);
    e = json_object_get(g->edges, key);
    if (e) {
        json_decref(info);
    } else {
        json_object_set_new(info, ZX_EDGE_PARENT, json_string(parent));
        json_object_set_new(info, ZX_EDGE_CHILD, json_string(child));
        if (!json_is_number(json_object_get(info, ZX_EDGE_CONFIDENCE)))
            json_object_set_new(info, ZX_EDGE_CONFIDENCE, json_real(1.0));
        if (!zx_json_str(info, ZX_EDGE_PROVENANCE))
            json_object_set_new(info, ZX_EDGE_PROVENANCE,
                                json_string("declared"));
        json_object_set_new(g->edges, key, info);
        e = info;
    }
    free(key);
    add_node(g, parent);
    add_node(g, child);
    return e;
}

/* The parents (up) or children of `id` that pass the minimum, loaded from
 * the store once.  *out is borrowed from the graph. */
static int expand(struct graph *g, const char *id, int up, json_t **out,
                  struct zx_error *err)
{
    json_t *cache = up ? g->up : g->down, *arr = NULL, *list, *x;
    size_t i;
    int rc;

    *out = json_object_get(cache, id);
    if (*out)
        return ZX_OK;
    rc = up ? zx_store_parents(g->txn, id, &arr, err)
            : zx_store_children(g->txn, id, &arr, err);
    if (rc)
        return rc;
    list = json_array();
    add_node(g, id);
    json_array_foreach(arr, i, x)
    {
        const char *other = zx_json_str(x, up ? ZX_EDGE_PARENT : ZX_EDGE_CHILD);
        json_t *e;

        if (!other)
            continue;
        e = add_edge(g, up ? other : id, up ? id : other, json_copy(x));
        if (e)
            json_array_append(list, e);
    }
    json_decref(arr);
    json_object_set_new(cache, id, list);
    *out = list;
    return ZX_OK;
}

/* Everything reachable from the ids of `starts` going up (ancestors) or
 * down (descendants); each node is expanded once, so cycles end the
 * walk. */
static int walk_from(struct graph *g, const json_t *starts, int up,
                     struct zx_error *err)
{
    json_t *todo = json_copy((json_t *)starts), *seen = json_object();
    json_t *list, *e;
    char *id;
    size_t i;
    int rc = ZX_OK;

    while (json_array_size(todo)) {
        size_t last = json_array_size(todo) - 1;

        id = xstrdup(json_string_value(json_array_get(todo, last)));
        json_array_remove(todo, last);
        if (json_object_get(seen, id)) {
            free(id);
            continue;
        }
        json_object_set_new(seen, id, json_true());
        rc = expand(g, id, up, &list, err);
        free(id);
        if (rc)
            break;
        json_array_foreach(list, i, e)
        {
            json_array_append(
                todo, json_object_get(e, up ? ZX_EDGE_PARENT : ZX_EDGE_CHILD));
        }
    }
    json_decref(todo);
    json_decref(seen);
    return rc;
}

static int walk(struct graph *g, const char *start, int up,
                struct zx_error *err)
{
    json_t *starts = json_pack("[s]", start);
    int rc = walk_from(g, starts, up, err);

    json_decref(starts);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The values of `obj` ordered by key (byte order): an owned array. */
static json_t *sorted_values(json_t *obj)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
    const char *k;
    json_t *v, *arr = json_array();

    json_object_foreach(obj, k, v)
    {
        keys[i++] = k;
    }
    qsort(keys, n, sizeof(*keys), cmp_str);
    for (i = 0; i < n; i++)
        json_array_append(arr, json_object_get(obj, keys[i]));
    free(keys);
    return arr;
}

/* ===== Cycles ===== */

struct cycles {
    json_t *adj;   /* id -> [child ids] within the graph */
    json_t *color; /* id -> 1 on the DFS path, 2 done */
    json_t *path;  /* ids of the current DFS path */
    json_t *found; /* canonical "a\nb\n..." -> [ids] */
};

/* Record the cycle path[from..] + path[from], rotated to start at its
 * smallest id so that one cycle is reported once. */
static void record_cycle(struct cycles *c, size_t from)
{
    size_t n = json_array_size(c->path) - from, i, best = 0;
    json_t *cyc = json_array();
    struct zx_buf key = {0};

    for (i = 1; i < n; i++)
        if (strcmp(json_string_value(json_array_get(c->path, from + i)),
                   json_string_value(json_array_get(c->path, from + best))) < 0)
            best = i;
    for (i = 0; i <= n; i++) {
        json_t *id = json_array_get(c->path, from + (best + i) % n);

        json_array_append(cyc, id);
        zx_buf_printf(&key, "%s\n", json_string_value(id));
    }
    if (!json_object_get(c->found, zx_buf_cstr(&key)))
        json_object_set(c->found, zx_buf_cstr(&key), cyc);
    json_decref(cyc);
    zx_buf_release(&key);
}

/* Depth-first from `start`, with an explicit stack (the path and, for
 * each of its ids, the next child to look at), so that a long chain of
 * fine-tunes needs no deep recursion. */
static void dfs_cycles(struct cycles *c, const char *start)
{
    json_t *next = json_array(); /* per path entry: its next child */
    size_t j;

    json_object_set_new(c->color, start, json_integer(1));
    json_array_append_new(c->path, json_string(start));
    json_array_append_new(next, json_integer(0));
    while (json_array_size(c->path)) {
        size_t top = json_array_size(c->path) - 1;
        const char *id = json_string_value(json_array_get(c->path, top));
        json_t *kids = json_object_get(c->adj, id), *at;
        size_t i;

        at = json_array_get(next, top);
        i = (size_t)json_integer_value(at);
        if (i < json_array_size(kids)) {
            const char *k = json_string_value(json_array_get(kids, i));
            json_int_t col = json_integer_value(json_object_get(c->color, k));

            json_integer_set(at, (json_int_t)i + 1);
            if (col == 0) {
                json_object_set_new(c->color, k, json_integer(1));
                json_array_append_new(c->path, json_string(k));
                json_array_append_new(next, json_integer(0));
            } else if (col == 1) {
                for (j = 0; j < json_array_size(c->path); j++)
                    if (!strcmp(json_string_value(json_array_get(c->path, j)),
                                k))
                        break;
                record_cycle(c, j);
            }
        } else {
            json_object_set_new(c->color, id, json_integer(2));
            json_array_remove(c->path, top);
            json_array_remove(next, top);
        }
    }
    json_decref(next);
}

/* The cycles of the collected graph, each as the ids along it from parent
 * to child, closed by its first id again; in id order.  Owned. */
static json_t *find_cycles(struct graph *g)
{
    struct cycles c = {json_object(), json_object(), json_array(),
                       json_object()};
    json_t *edges = sorted_values(g->edges), *nodes, *e, *n, *out;
    size_t i;

    json_array_foreach(edges, i, e)
    {
        const char *p = zx_json_str(e, ZX_EDGE_PARENT);
        json_t *kids = json_object_get(c.adj, p);

        if (!kids) {
            kids = json_array();
            json_object_set_new(c.adj, p, kids);
        }
        json_array_append(kids, json_object_get(e, ZX_EDGE_CHILD));
    }
    nodes = sorted_values(g->nodes);
    json_array_foreach(nodes, i, n)
    {
        const char *id = zx_json_str(n, "id");

        if (!json_object_get(c.color, id))
            dfs_cycles(&c, id);
    }
    out = sorted_values(c.found);
    json_decref(edges);
    json_decref(nodes);
    json_decref(c.adj);
    json_decref(c.color);
    json_decref(c.path);
    json_decref(c.found);
    return out;
}

/* ===== Views ===== */

static const char *const view_names[] = {
    [ZX_LINEAGE_DIRECT] = "direct",
    [ZX_LINEAGE_ANCESTORS] = "ancestors",
    [ZX_LINEAGE_DESCENDANTS] = "descendants",
    [ZX_LINEAGE_SIBLINGS] = "siblings",
    [ZX_LINEAGE_ROOT] = "root",
    [ZX_LINEAGE_TREE] = "tree",
};

/* The direct view's parent or child entries, as `lineage` always printed
 * them: the stored edge, the other end under `field`, "indexed". */
static json_t *direct_list(struct graph *g, json_t *list, const char *field)
{
    json_t *arr = json_array(), *e, *x;
    size_t i;

    json_array_foreach(list, i, e)
    {
        const char *other = zx_json_str(e, field);

        x = json_copy(e);
        json_object_del(x, !strcmp(field, ZX_EDGE_PARENT) ? ZX_EDGE_CHILD
                                                          : ZX_EDGE_PARENT);
        json_object_set(
            x, "indexed",
            json_object_get(json_object_get(g->nodes, other), "indexed"));
        json_array_append_new(arr, x);
    }
    return arr;
}

/* The roots above `id` in a graph that holds its ancestors (each with its
 * parents expanded): [{"id", "generations"}], nearest first then by id.
 * A model without parents is its own root (0 generations). */
static json_t *roots_of(struct graph *g, const char *id)
{
    json_t *gen = json_object(), *level = json_array(), *next, *x, *e;
    json_t *roots = json_array();
    json_int_t depth = 0;
    size_t i, j;

    json_object_set_new(gen, id, json_integer(0));
    json_array_append_new(level, json_string(id));
    while (json_array_size(level)) {
        json_t *found = json_object();

        next = json_array();
        json_array_foreach(level, i, x)
        {
            const char *n = json_string_value(x);
            json_t *ps = json_object_get(g->up, n);

            if (!json_array_size(ps))
                json_object_set_new(
                    found, n,
                    json_pack("{s:s,s:I}", "id", n, "generations", depth));
            json_array_foreach(ps, j, e)
            {
                const char *p = zx_json_str(e, ZX_EDGE_PARENT);

                if (json_object_get(gen, p))
                    continue;
                json_object_set_new(gen, p, json_integer(depth + 1));
                json_array_append_new(next, json_string(p));
            }
        }
        x = sorted_values(found);
        json_array_extend(roots, x);
        json_decref(x);
        json_decref(found);
        json_decref(level);
        level = next;
        depth++;
    }
    json_decref(level);
    json_decref(gen);
    return roots;
}

static int siblings(struct graph *g, const char *id, json_t *out,
                    struct zx_error *err)
{
    json_t *ps, *kids, *p, *k;
    size_t i, j;
    int rc = expand(g, id, 1, &ps, err);

    json_array_foreach(ps, i, p)
    {
        const char *pid = zx_json_str(p, ZX_EDGE_PARENT);

        if (rc)
            break;
        if (!strcmp(pid, id))
            continue; /* a self-loop, reported as a cycle */
        rc = expand(g, pid, 0, &kids, err);
        json_array_foreach(kids, j, k)
        {
            if (rc || !strcmp(zx_json_str(k, ZX_EDGE_CHILD), id))
                continue;
            json_array_append_new(
                out, json_pack("{s:O,s:s,s:O?,s:O?,s:O?}", "model",
                               json_object_get(k, ZX_EDGE_CHILD),
                               ZX_EDGE_PARENT, pid, ZX_EDGE_RELATION,
                               json_object_get(k, ZX_EDGE_RELATION),
                               ZX_EDGE_PROVENANCE,
                               json_object_get(k, ZX_EDGE_PROVENANCE),
                               ZX_EDGE_CONFIDENCE,
                               json_object_get(k, ZX_EDGE_CONFIDENCE)));
        }
    }
    return rc;
}

/* Resolve `name` to an indexed model, else to a model that is not indexed
 * but that indexed models declare as their parent (a virtual node, taken
 * by its exact id).  *id is owned; *indexed says which. */
static int resolve_node(struct zx_index *ix, const char *name, char **id,
                        int *indexed, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    json_t *kids = NULL;
    struct zx_error why;
    int rc = zx_query_resolve(ix, name, id, err);

    *indexed = rc == ZX_OK;
    if (rc != ZX_ENOTFOUND)
        return rc;
    if (err)
        why = *err;
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (!rc)
        rc = zx_store_children(txn, name, &kids, err);
    zx_txn_abort(txn);
    if (rc)
        return rc;
    if (json_array_size(kids)) {
        *id = xstrdup(name);
        if (err)
            memset(err, 0, sizeof(*err));
    } else if (err && (zx_is_file(name) || zx_is_dir(name))) {
        *err = why; /* a path on disk: why it is not indexed */
        rc = ZX_ENOTFOUND;
    } else {
        rc = zx_fail(err, ZX_ENOTFOUND,
                     "no model '%s' in the index, and no indexed model "
                     "names it as a parent",
                     name);
    }
    json_decref(kids);
    return rc;
}

int zx_query_lineage_view(struct zx_index *ix, const char *name,
                          enum zx_lineage_view view, double min_confidence,
                          json_t **out, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct graph g = {0};
    json_t *res = NULL, *ps = NULL, *cs = NULL, *roots = NULL, *x, *n;
    const char *key;
    char *id = NULL;
    int rc, indexed = 0;

    *out = NULL;
    if ((unsigned)view > ZX_LINEAGE_TREE || !(min_confidence >= 0.0) ||
        min_confidence > 1.0)
        return zx_fail(err, ZX_EUSAGE,
                       "minimum confidence must be a "
                       "number from 0 to 1");
    rc = resolve_node(ix, name, &id, &indexed, err);
    if (!rc)
        rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (rc)
        goto out;
    graph_init(&g, txn, min_confidence);
    add_node(&g, id);
    res = json_pack("{s:s,s:b,s:s,s:f}", "model", id, "indexed", indexed,
                    "view", view_names[view], "min_confidence", min_confidence);
    switch (view) {
    case ZX_LINEAGE_DIRECT:
        rc = expand(&g, id, 1, &ps, err);
        if (!rc)
            rc = expand(&g, id, 0, &cs, err);
        if (!rc) {
            json_object_set_new(res, "parents",
                                direct_list(&g, ps, ZX_EDGE_PARENT));
            json_object_set_new(res, "children",
                                direct_list(&g, cs, ZX_EDGE_CHILD));
        }
        break;
    case ZX_LINEAGE_ANCESTORS:
        rc = walk(&g, id, 1, err);
        break;
    case ZX_LINEAGE_DESCENDANTS:
        rc = walk(&g, id, 0, err);
        break;
    case ZX_LINEAGE_SIBLINGS:
        x = json_array();
        json_object_set_new(res, "siblings", x);
        rc = siblings(&g, id, x, err);
        break;
    case ZX_LINEAGE_ROOT:
    case ZX_LINEAGE_TREE:
        rc = walk(&g, id, 1, err);
        if (rc)
            break;
        roots = roots_of(&g, id);
        json_object_set(res, "roots", roots);
        if (view == ZX_LINEAGE_ROOT)
            break;
        /* Everything below any ancestor: below the roots when the
         * ancestry is acyclic, and below the cycles that stand in for
         * roots when it is not. */
        x = json_array();
        json_object_foreach(g.nodes, key, n)
        {
            json_array_append_new(x, json_string(key));
        }
        rc = walk_from(&g, x, 0, err);
        json_decref(x);
        break;
    }
    if (rc)
        goto out;
    json_object_set_new(res, "nodes", sorted_values(g.nodes));
    json_object_set_new(res, "edges", sorted_values(g.edges));
    json_object_set_new(res, "cycles", find_cycles(&g));
    *out = res;
    res = NULL;
out:
    json_decref(res);
    json_decref(roots);
    graph_release(&g);
    zx_txn_abort(txn);
    free(id);
    return rc;
}

/* ===== The whole index ===== */

static int forest_edge_cb(const char *child, const char *parent, json_t *info,
                          void *arg)
{
    struct graph *g = arg;

    add_edge(g, parent, child, json_copy(info));
    return 0;
}

/* Put `id` and everything joined to it by an edge, either way, into tree
 * number `tree`: `seen` maps id -> tree number; `nb` id -> [neighbour
 * ids]. */
static void collect_tree(json_t *nb, json_t *seen, const char *id,
                         json_int_t tree)
{
    json_t *todo = json_pack("[s]", id), *x;
    size_t i;

    json_object_set_new(seen, id, json_integer(tree));
    while (json_array_size(todo)) {
        size_t last = json_array_size(todo) - 1;
        char *n = xstrdup(json_string_value(json_array_get(todo, last)));

        json_array_remove(todo, last);
        json_array_foreach(json_object_get(nb, n), i, x)
        {
            if (!json_object_get(seen, json_string_value(x))) {
                json_object_set_new(seen, json_string_value(x),
                                    json_integer(tree));
                json_array_append(todo, x);
            }
        }
        free(n);
    }
    json_decref(todo);
}

static void add_neighbour(json_t *nb, const char *a, const char *b)
{
    json_t *l = json_object_get(nb, a);

    if (!l) {
        l = json_array();
        json_object_set_new(nb, a, l);
    }
    json_array_append_new(l, json_string(b));
}

int zx_query_lineage_all(struct zx_index *ix, double min_confidence,
                         json_t **out, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct graph g = {0};
    json_t *res = NULL, *nodes = NULL, *has_parent = json_object();
    json_t *nb = json_object(), *seen = json_object();
    json_t *roots = NULL, *trees = NULL, *e, *n;
    const char *key;
    size_t i;
    int rc;

    *out = NULL;
    if (!(min_confidence >= 0.0) || min_confidence > 1.0) {
        rc = zx_fail(err, ZX_EUSAGE,
                     "minimum confidence must be a number from 0 to 1");
        goto out;
    }
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (rc)
        goto out;
    graph_init(&g, txn, min_confidence);
    rc = zx_store_each_edge(txn, forest_edge_cb, &g, err);
    if (rc)
        goto out;
    json_object_foreach(g.edges, key, e)
    {
        const char *p = zx_json_str(e, "parent"), *c = zx_json_str(e, "child");

        if (strcmp(p, c))
            json_object_set_new(has_parent, c, json_true());
        add_neighbour(nb, p, c);
        add_neighbour(nb, c, p);
    }
    /* Roots: the nodes without a parent, in id order.  Trees: the models
     * joined by edges, ordered by their first root (or, for a tree whose
     * top is a cycle, its first id). */
    nodes = sorted_values(g.nodes);
    roots = json_array();
    json_array_foreach(nodes, i, n)
    {
        if (!json_object_get(has_parent, zx_json_str(n, "id")))
            json_array_append(roots, json_object_get(n, "id"));
    }
    trees = json_array();
    json_array_foreach(roots, i, n)
    {
        if (json_object_get(seen, json_string_value(n)))
            continue; /* a root of a tree found from an earlier root */
        collect_tree(nb, seen, json_string_value(n),
                     (json_int_t)json_array_size(trees));
        json_array_append_new(trees,
                              json_pack("{s:[],s:[]}", "roots", "nodes"));
    }
    json_array_foreach(nodes, i, n)
    {
        const char *id = zx_json_str(n, "id");

        if (json_object_get(seen, id))
            continue;
        collect_tree(nb, seen, id, (json_int_t)json_array_size(trees));
        json_array_append_new(trees,
                              json_pack("{s:[],s:[]}", "roots", "nodes"));
    }
    json_array_foreach(nodes, i, n)
    {
        const char *id = zx_json_str(n, "id");
        json_t *t = json_array_get(
            trees, (size_t)json_integer_value(json_object_get(seen, id)));

        json_array_append(json_object_get(t, "nodes"),
                          json_object_get(n, "id"));
        if (!json_object_get(has_parent, id))
            json_array_append(json_object_get(t, "roots"),
                              json_object_get(n, "id"));
    }
    json_array_foreach(trees, i, n)
    {
        json_object_set_new(n, "size",
                            json_integer((json_int_t)json_array_size(
                                json_object_get(n, "nodes"))));
    }
    /* The roots tree by tree, so that a drawing keeps each tree together. */
    json_array_clear(roots);
    json_array_foreach(trees, i, n)
    {
        json_array_extend(roots, json_object_get(n, "roots"));
    }
    res = json_pack("{s:s,s:f,s:o,s:o,s:o,s:o,s:o}", "view", "all",
                    "min_confidence", min_confidence, "roots", roots, "trees",
                    trees, "nodes", json_incref(nodes), "edges",
                    sorted_values(g.edges), "cycles", find_cycles(&g));
    *out = res;
out:
    json_decref(nodes);
    json_decref(has_parent);
    json_decref(nb);
    json_decref(seen);
    graph_release(&g);
    zx_txn_abort(txn);
    return rc;
}

int zx_query_lineage(struct zx_index *ix, const char *name, json_t **out,
                     struct zx_error *err)
{
    return zx_query_lineage_view(ix, name, ZX_LINEAGE_DIRECT, 0.0, out, err);
}

/* ===== Counts for `show` ===== */

/* The relations the Hub's model tree counts, always present, in its
 * order; others (duplicate) are counted when they occur. */
static json_t *relation_counts(void)
{
    return json_pack("{s:i,s:i,s:i,s:i,s:i}", "total", 0, "finetune", 0,
                     "adapter", 0, "quantized", 0, "merge", 0);
}

static void count_relation(json_t *counts, const char *rel)
{
    json_int_t n;

    if (!rel)
        rel = "unknown";
    n = json_integer_value(json_object_get(counts, rel));
    json_object_set_new(counts, rel, json_integer(n + 1));
}

int zx_query_lineage_summary(struct zx_index *ix, const char *name,
                             json_t **out, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct graph g = {0}, d = {0}; /* direct edges; the sub-tree below */
    json_t *res = NULL, *ps, *cs, *e, *n, *sub, *seen = NULL, *pc, *cc;
    json_t *cycles, *x;
    const char *k;
    json_int_t models = 0, known = 0, downloads = 0;
    char *id = NULL;
    size_t i;
    int rc;

    *out = NULL;
    rc = zx_query_resolve(ix, name, &id, err);
    if (!rc)
        rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (rc)
        goto out;
    graph_init(&g, txn, 0.0);
    graph_init(&d, txn, 0.0);
    rc = expand(&g, id, 1, &ps, err);
    if (!rc)
        rc = expand(&g, id, 0, &cs, err);
    if (!rc)
        rc = walk(&d, id, 0, err);
    if (rc)
        goto out;
    pc = relation_counts();
    cc = relation_counts();
    sub = relation_counts();
    json_array_foreach(ps, i, e)
    {
        count_relation(pc, zx_json_str(e, ZX_EDGE_RELATION));
    }
    json_object_set_new(pc, "total", json_integer(json_array_size(ps)));
    json_array_foreach(cs, i, e)
    {
        count_relation(cc, zx_json_str(e, ZX_EDGE_RELATION));
    }
    json_object_set_new(cc, "total", json_integer(json_array_size(cs)));
    /* Each model below counted once per relation by which it hangs in
     * the sub-tree (a merge of two models of the sub-tree is one merge). */
    seen = json_object();
    json_object_foreach(d.edges, k, e)
    {
        const char *child = zx_json_str(e, ZX_EDGE_CHILD);
        const char *rel = zx_json_str(e, ZX_EDGE_RELATION);
        char *key;

        if (!strcmp(child, id))
            continue; /* a cycle back to the model */
        key = xasprintf("%s\n%s", child, rel ? rel : "unknown");
        if (!json_object_get(seen, key)) {
            json_object_set_new(seen, key, json_true());
            count_relation(sub, rel);
        }
        free(key);
    }
    json_object_foreach(d.nodes, k, n)
    {
        json_t *dl = json_object_get(n, "downloads");

        if (!strcmp(k, id))
            continue;
        models++;
        if (json_is_integer(dl)) {
            known++;
            downloads += json_integer_value(dl);
        }
    }
    json_object_set_new(sub, "total", json_integer(models));
    json_object_set_new(sub, "with_downloads", json_integer(known));
    json_object_set_new(sub, "downloads", json_integer(downloads));
    /* The cycles through the model's parents, and those below it. */
    cycles = find_cycles(&g);
    x = find_cycles(&d);
    json_array_foreach(x, i, e)
    {
        size_t j;
        json_t *c;
        int dup = 0;

        json_array_foreach(cycles, j, c)
        {
            dup |= json_equal(c, e);
        }
        if (!dup)
            json_array_append(cycles, e);
    }
    json_decref(x);
    res = json_pack("{s:o,s:o,s:o,s:o}", "parents", pc, "children", cc,
                    "subtree", sub, "cycles", cycles);
    *out = res;
out:
    json_decref(seen);
    graph_release(&g);
    graph_release(&d);
    zx_txn_abort(txn);
    free(id);
    return rc;
}
