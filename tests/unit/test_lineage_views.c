/* test_lineage_views.c - the lineage views of query/lineage.c over edges
 * written straight into a temporary store: confidence defaults and
 * filtering, inferred, both and contradicted edges, virtual parents,
 * self-loops and longer cycles, roots, siblings and the counts of show. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "query.h"
#include "store.h"
#include "zx_buf.h"
#include "zx_mem.h"

static char *tmp;
static int n_db;

/* A fresh index holding the models `ids` (NULL-terminated; "id=N" gives
 * the model N Hub downloads) and the edges `edges` ("child<parent<json"
 * strings). */
static struct zx_index *make(const char *const *ids, const char *const *edges)
{
    struct zx_index *ix = NULL;
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    char *dir = xasprintf("%s/db%d", tmp, n_db++);
    size_t i;

    if (zx_index_open(dir, ZX_INDEX_WRITE, &ix, &err))
        H_FAIL("open: %s", err.msg);
    free(dir);
    if (!ix || zx_txn_begin(zx_index_store(ix), 1, &txn, &err)) {
        H_FAIL("begin: %s", err.msg);
        return ix;
    }
    for (i = 0; ids[i]; i++) {
        char *id = xstrdup(ids[i]), *eq = strchr(id, '=');
        json_t *rec = json_pack("{s:s}", "id", id);

        if (eq) {
            *eq = '\0';
            json_object_set_new(rec, "id", json_string(id));
            json_object_set_new(
                rec, "hub",
                json_pack("{s:i}", "downloads", (int)strtol(eq + 1, NULL, 10)));
        }
        CHECK_INT(zx_store_put_model(txn, id, rec, &err), ==, ZX_OK);
        json_decref(rec);
        free(id);
    }
    for (i = 0; edges[i]; i++) {
        char *s = xstrdup(edges[i]), *p = strchr(s, '<'), *j;
        json_t *info = NULL;

        ZX_ASSERT(p && (j = strchr(p + 1, '<')));
        *p++ = '\0';
        *j++ = '\0';
        CHECK_INT(zx_json_parse(j, strlen(j), 4096, "edge", &info, &err), ==,
                  ZX_OK);
        CHECK_INT(zx_store_put_edge(txn, s, p, info, &err), ==, ZX_OK);
        json_decref(info);
        free(s);
    }
    CHECK_INT(zx_txn_commit(txn, &err), ==, ZX_OK);
    return ix;
}

static json_t *view(struct zx_index *ix, const char *id, enum zx_lineage_view v,
                    double min)
{
    struct zx_error err = {0};
    json_t *out = NULL;

    if (zx_query_lineage_view(ix, id, v, min, &out, &err))
        H_FAIL("view of '%s': %s", id, err.msg);
    return out;
}

/* The ids of an array of nodes (or of objects with `field`), joined by
 * spaces, in the array's order.  Owned. */
static char *ids_of(json_t *arr, const char *field)
{
    struct zx_buf b = {0};
    json_t *x;
    size_t i;

    json_array_foreach(arr, i, x)
    {
        const char *s =
            json_is_string(x) ? json_string_value(x) : zx_json_str(x, field);

        zx_buf_printf(&b, "%s%s", i ? " " : "", s ? s : "?");
    }
    return zx_buf_detach(&b);
}

#define CHECK_IDS(arr, field, want)                                            \
    do {                                                                       \
        char *got_ = ids_of(arr, field);                                       \
        CHECK_STR(got_, want);                                                 \
        free(got_);                                                            \
    } while (0)

/* r -> a (declared, no confidence), a -> b (inferred 0.82), a -> c (both
 * 0.95), b -> d (declared but contradicted, 0.5); hub/v, not indexed,
 * -> r; r -> q (quantized) */
static const char *const tree_ids[] = {"r=1000", "a=50", "b", "c=7",
                                       "d=3",    "q",    NULL};
static const char *const tree_edges[] = {
    "a<r<{\"relation\":\"finetune\",\"source\":\"card\"}",
    "b<a<{\"relation\":\"adapter\",\"provenance\":\"inferred\","
    "\"confidence\":0.82,\"evidence\":{\"method\":\"atlas\","
    "\"rule\":\"nearest\",\"distance\":0.25,\"kurtosis\":\"parent-higher\"}}",
    "c<a<{\"relation\":\"finetune\",\"provenance\":\"both\","
    "\"source\":\"card\",\"confidence\":0.95,\"evidence\":{"
    "\"method\":\"atlas\",\"rule\":\"snake\",\"distance\":0.1}}",
    "d<b<{\"relation\":\"finetune\",\"provenance\":\"declared\","
    "\"source\":\"tags\",\"confidence\":0.5,\"contradiction\":\"far\"}",
    "r<hub/v<{\"relation\":\"finetune\",\"provenance\":\"declared\"}",
    "q<r<{\"relation\":\"quantized\",\"provenance\":\"declared\"}",
    NULL};

static void confidence_filter(void)
{
    struct zx_index *ix = make(tree_ids, tree_edges);
    json_t *v = view(ix, "r", ZX_LINEAGE_DESCENDANTS, 0.0), *e;

    CHECK_IDS(json_object_get(v, "nodes"), "id", "a b c d q r");
    CHECK_INT(json_array_size(json_object_get(v, "edges")), ==, 5);
    /* Edges are ordered by parent then child; a missing confidence is
     * 1.0 and a missing provenance "declared". */
    e = json_array_get(json_object_get(v, "edges"), 0);
    CHECK_STR(zx_json_str(e, "parent"), "a");
    CHECK_STR(zx_json_str(e, "child"), "b");
    CHECK_NEAR(json_number_value(json_object_get(e, "confidence")), 0.82,
               1e-12);
    CHECK_STR(zx_json_str(json_object_get(e, "evidence"), "rule"), "nearest");
    e = json_array_get(json_object_get(v, "edges"), 3);
    CHECK_STR(zx_json_str(e, "child"), "a");
    CHECK_NEAR(json_number_value(json_object_get(e, "confidence")), 1.0, 0);
    CHECK_STR(zx_json_str(e, "provenance"), "declared");
    e = json_array_get(json_object_get(v, "edges"), 2);
    CHECK_STR(zx_json_str(e, "contradiction"), "far");
    CHECK_STR(zx_json_str(v, "view"), "descendants");
    CHECK_INT(json_array_size(json_object_get(v, "cycles")), ==, 0);
    json_decref(v);
    /* 0.9 drops the inferred adapter, and d with it (only reached
     * through b); 0.95 is kept (at least the minimum). */
    v = view(ix, "r", ZX_LINEAGE_DESCENDANTS, 0.9);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a c q r");
    json_decref(v);
    v = view(ix, "r", ZX_LINEAGE_DESCENDANTS, 0.95);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a c q r");
    json_decref(v);
    v = view(ix, "r", ZX_LINEAGE_DESCENDANTS, 0.96);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a q r");
    json_decref(v);
    /* The contradicted edge (0.5) goes at 0.6, in every view. */
    v = view(ix, "d", ZX_LINEAGE_ANCESTORS, 0.0);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a b d hub/v r");
    json_decref(v);
    v = view(ix, "d", ZX_LINEAGE_ANCESTORS, 0.6);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "d");
    json_decref(v);
    v = view(ix, "d", ZX_LINEAGE_DIRECT, 0.6);
    CHECK_INT(json_array_size(json_object_get(v, "parents")), ==, 0);
    json_decref(v);
    v = view(ix, "b", ZX_LINEAGE_DIRECT, 0.0);
    CHECK_IDS(json_object_get(v, "parents"), "parent", "a");
    CHECK_IDS(json_object_get(v, "children"), "child", "d");
    CHECK(json_is_true(json_object_get(
        json_array_get(json_object_get(v, "parents"), 0), "indexed")));
    CHECK_STR(zx_json_str(json_array_get(json_object_get(v, "parents"), 0),
                          "provenance"),
              "inferred");
    json_decref(v);
    zx_index_close(ix);
}

static void roots_tree_siblings(void)
{
    struct zx_index *ix = make(tree_ids, tree_edges);
    json_t *v = view(ix, "d", ZX_LINEAGE_ROOT, 0.0), *r, *n;
    size_t i;

    /* The virtual root four generations up. */
    r = json_object_get(v, "roots");
    CHECK_IDS(r, "id", "hub/v");
    CHECK_INT(json_integer_value(
                  json_object_get(json_array_get(r, 0), "generations")),
              ==, 4);
    json_array_foreach(json_object_get(v, "nodes"), i, n)
    {
        if (!strcmp(zx_json_str(n, "id"), "hub/v"))
            CHECK(json_is_false(json_object_get(n, "indexed")));
    }
    json_decref(v);
    /* Without the contradicted edge, d is its own root. */
    v = view(ix, "d", ZX_LINEAGE_ROOT, 0.6);
    CHECK_IDS(json_object_get(v, "roots"), "id", "d");
    json_decref(v);
    /* The tree from the virtual root holds everything. */
    v = view(ix, "c", ZX_LINEAGE_TREE, 0.0);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a b c d hub/v q r");
    CHECK_IDS(json_object_get(v, "roots"), "id", "hub/v");
    json_decref(v);
    v = view(ix, "c", ZX_LINEAGE_SIBLINGS, 0.0);
    r = json_object_get(v, "siblings");
    CHECK_IDS(r, "model", "b");
    CHECK_STR(zx_json_str(json_array_get(r, 0), "parent"), "a");
    CHECK_STR(zx_json_str(json_array_get(r, 0), "relation"), "adapter");
    CHECK_STR(zx_json_str(json_array_get(r, 0), "provenance"), "inferred");
    json_decref(v);
    v = view(ix, "c", ZX_LINEAGE_SIBLINGS, 0.9);
    CHECK_INT(json_array_size(json_object_get(v, "siblings")), ==, 0);
    json_decref(v);
    zx_index_close(ix);
}

/* A merge (m of x and y) below one root: the DAG holds each node and edge
 * once, and the root is found once, at its nearest distance. */
static void merge_dag(void)
{
    static const char *const ids[] = {"r", "x", "y", "m", "k", NULL};
    static const char *const edges[] = {"x<r<{\"relation\":\"finetune\"}",
                                        "y<r<{\"relation\":\"finetune\"}",
                                        "m<x<{\"relation\":\"merge\"}",
                                        "m<y<{\"relation\":\"merge\"}",
                                        "k<m<{\"relation\":\"finetune\"}",
                                        "y<x<{\"relation\":\"finetune\"}",
                                        NULL};
    struct zx_index *ix = make(ids, edges);
    json_t *v = view(ix, "k", ZX_LINEAGE_ANCESTORS, 0.0);

    CHECK_IDS(json_object_get(v, "nodes"), "id", "k m r x y");
    CHECK_INT(json_array_size(json_object_get(v, "edges")), ==, 6);
    CHECK_INT(json_array_size(json_object_get(v, "cycles")), ==, 0);
    json_decref(v);
    v = view(ix, "k", ZX_LINEAGE_ROOT, 0.0);
    CHECK_IDS(json_object_get(v, "roots"), "id", "r");
    CHECK_INT(
        json_integer_value(json_object_get(
            json_array_get(json_object_get(v, "roots"), 0), "generations")),
        ==, 3);
    json_decref(v);
    zx_index_close(ix);
}

static void cycles(void)
{
    static const char *const ids[] = {"s", "t", "a", "b", "c", "z", NULL};
    static const char *const edges[] = {
        "s<s<{\"relation\":\"finetune\"}", /* a self-loop */
        "t<s<{\"relation\":\"finetune\"}",
        "b<a<{\"relation\":\"finetune\"}", /* a -> b -> c -> a */
        "c<b<{\"relation\":\"finetune\"}",
        "a<c<{\"relation\":\"finetune\"}",
        "z<c<{\"relation\":\"finetune\"}",
        NULL};
    struct zx_index *ix = make(ids, edges);
    json_t *v = view(ix, "t", ZX_LINEAGE_ANCESTORS, 0.0), *c;

    CHECK_IDS(json_object_get(v, "nodes"), "id", "s t");
    c = json_object_get(v, "cycles");
    CHECK_INT(json_array_size(c), ==, 1);
    CHECK_IDS(json_array_get(c, 0), NULL, "s s");
    json_decref(v);
    v = view(ix, "t", ZX_LINEAGE_ROOT, 0.0);
    CHECK_INT(json_array_size(json_object_get(v, "roots")), ==, 0);
    json_decref(v);
    v = view(ix, "s", ZX_LINEAGE_SIBLINGS, 0.0);
    CHECK_INT(json_array_size(json_object_get(v, "siblings")), ==, 0);
    json_decref(v);
    /* The three-cycle, reported once from its smallest id, whichever
     * model is asked about and whichever way the walk goes. */
    v = view(ix, "z", ZX_LINEAGE_ANCESTORS, 0.0);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a b c z");
    CHECK_INT(json_array_size(json_object_get(v, "cycles")), ==, 1);
    CHECK_IDS(json_array_get(json_object_get(v, "cycles"), 0), NULL, "a b c a");
    json_decref(v);
    v = view(ix, "b", ZX_LINEAGE_DESCENDANTS, 0.0);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a b c z");
    CHECK_IDS(json_array_get(json_object_get(v, "cycles"), 0), NULL, "a b c a");
    json_decref(v);
    v = view(ix, "z", ZX_LINEAGE_TREE, 0.0);
    CHECK_IDS(json_object_get(v, "nodes"), "id", "a b c z");
    CHECK_INT(json_array_size(json_object_get(v, "roots")), ==, 0);
    json_decref(v);
    zx_index_close(ix);
}

static void summary_counts(void)
{
    struct zx_index *ix = make(tree_ids, tree_edges);
    struct zx_error err = {0};
    json_t *s = NULL, *x;

    CHECK_INT(zx_query_lineage_summary(ix, "r", &s, &err), ==, ZX_OK);
    x = json_object_get(s, "children");
    CHECK_INT(json_integer_value(json_object_get(x, "total")), ==, 2);
    CHECK_INT(json_integer_value(json_object_get(x, "finetune")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(x, "quantized")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(x, "merge")), ==, 0);
    x = json_object_get(s, "parents");
    CHECK_INT(json_integer_value(json_object_get(x, "total")), ==, 1);
    x = json_object_get(s, "subtree");
    CHECK_INT(json_integer_value(json_object_get(x, "total")), ==, 5);
    CHECK_INT(json_integer_value(json_object_get(x, "finetune")), ==, 3);
    CHECK_INT(json_integer_value(json_object_get(x, "adapter")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(x, "quantized")), ==, 1);
    /* a 50 + c 7 + d 3; r's own 1000 is not below r; b and q unknown. */
    CHECK_INT(json_integer_value(json_object_get(x, "downloads")), ==, 60);
    CHECK_INT(json_integer_value(json_object_get(x, "with_downloads")), ==, 3);
    json_decref(s);
    s = NULL;
    CHECK_INT(zx_query_lineage_summary(ix, "q", &s, &err), ==, ZX_OK);
    x = json_object_get(s, "subtree");
    CHECK_INT(json_integer_value(json_object_get(x, "total")), ==, 0);
    json_decref(s);
    zx_index_close(ix);
}

static void bad_arguments(void)
{
    struct zx_index *ix = make(tree_ids, tree_edges);
    struct zx_error err = {0};
    json_t *out = NULL;

    CHECK_INT(zx_query_lineage_view(ix, "r", ZX_LINEAGE_TREE, 1.5, &out, &err),
              ==, ZX_EUSAGE);
    CHECK(out == NULL);
    CHECK_INT(zx_query_lineage_view(ix, "r", ZX_LINEAGE_TREE, -0.1, &out, &err),
              ==, ZX_EUSAGE);
    CHECK_INT(zx_query_lineage_view(ix, "r", ZX_LINEAGE_TREE, NAN, &out, &err),
              ==, ZX_EUSAGE);
    CHECK_INT(
        zx_query_lineage_view(ix, "nobody/x", ZX_LINEAGE_TREE, 0.0, &out, &err),
        ==, ZX_ENOTFOUND);
    CHECK_MSG(err, "nobody/x");
    /* A virtual node is not indexed: it answers from the edges indexed
     * models make to it; by its full id only. */
    CHECK_INT(zx_query_lineage_view(ix, "hub/v", ZX_LINEAGE_DESCENDANTS, 0.0,
                                    &out, &err),
              ==, ZX_OK);
    CHECK(json_is_false(json_object_get(out, "indexed")));
    CHECK(json_array_size(json_object_get(out, "edges")) > 0);
    json_decref(out);
    out = NULL;
    CHECK_INT(
        zx_query_lineage_view(ix, "v", ZX_LINEAGE_DESCENDANTS, 0.0, &out, &err),
        ==, ZX_ENOTFOUND);
    CHECK(out == NULL);
    zx_index_close(ix);
}

int main(void)
{
    tmp = h_mkdtemp("/tmp/zx-lv.XXXXXX");
    RUN(confidence_filter);
    RUN(roots_tree_siblings);
    RUN(merge_dag);
    RUN(cycles);
    RUN(summary_counts);
    RUN(bad_arguments);
    h_rm_rf(tmp);
    free(tmp);
    return DONE();
}
