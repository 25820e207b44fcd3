/* cmd_lineage.c - `zoodex lineage`: a model's parents and children, or one
 * view of its tree (ancestors, descendants, siblings, roots, whole tree),
 * rendered as text, JSON or a Graphviz digraph.
 *
 * query/lineage.c answers every view with one graph (nodes, edges,
 * cycles); this file only draws it.  A DAG is drawn as an indented tree:
 * a node reached a second time (a merge's second parent, a cycle) is drawn
 * as a one-line reference, so drawing ends whatever the data.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "query.h"
#include "zx_buf.h"
#include "zx_mem.h"

enum format { FMT_TEXT, FMT_JSON, FMT_DOT };

/* ===== Edge labels ===== */

/* 1 when the edge's confidence is worth printing: anything but a declared
 * fact at 1.0. */
static int shows_confidence(const json_t *e)
{
    const char *prov = zx_json_str(e, ZX_EDGE_PROVENANCE);

    return (prov && strcmp(prov, "declared")) ||
           json_number_value(json_object_get(e, ZX_EDGE_CONFIDENCE)) < 1.0;
}

/* "[relation, provenance confidence]"; with `detail` also the declared
 * source ("from card") and the inferred evidence (method/rule, distance).
 * Then "  (not indexed)" for a virtual `other` end and "  ! note" for a
 * contradiction. */
static void edge_label(struct zx_buf *b, const json_t *e, int detail,
                       int other_indexed)
{
    const char *rel = zx_json_str(e, ZX_EDGE_RELATION);
    const char *prov = zx_json_str(e, ZX_EDGE_PROVENANCE);
    const char *src = zx_json_str(e, ZX_EDGE_SOURCE);
    const char *note = zx_json_str(e, ZX_EDGE_CONTRADICTION);
    json_t *ev = json_object_get(e, ZX_EDGE_EVIDENCE);

    zx_buf_printf(b, "  [%s, %s", rel ? rel : "?", prov ? prov : "declared");
    if (shows_confidence(e))
        zx_buf_printf(
            b, " %.2f",
            json_number_value(json_object_get(e, ZX_EDGE_CONFIDENCE)));
    if (detail && src)
        zx_buf_printf(b, " from %s", src);
    if (detail && json_is_object(ev)) {
        const char *m = zx_json_str(ev, "method");
        const char *r = zx_json_str(ev, "rule");
        json_t *d = json_object_get(ev, "distance");

        zx_buf_printf(b, "%s%s%s%s", src ? "; " : " by ", m ? m : "",
                      m && r ? "/" : "", r ? r : "");
        if (json_is_number(d))
            zx_buf_printf(b, ", distance %.6f", json_number_value(d));
    }
    zx_buf_adds(b, "]");
    if (!other_indexed)
        zx_buf_adds(b, "  (not indexed)");
    if (note)
        zx_buf_printf(b, "  ! %s", note);
}

static int node_indexed(json_t *res, const char *id)
{
    json_t *n;
    size_t i;

    json_array_foreach(json_object_get(res, "nodes"), i, n)
    {
        if (!strcmp(zx_json_str(n, "id"), id))
            return json_is_true(json_object_get(n, "indexed"));
    }
    return 0;
}

static void print_cycles(json_t *res)
{
    json_t *c, *id;
    size_t i, j;

    json_array_foreach(json_object_get(res, "cycles"), i, c)
    {
        printf("warning: cycle in the lineage, not followed: ");
        json_array_foreach(c, j, id)
        {
            printf("%s%s", j ? " -> " : "", json_string_value(id));
        }
        printf("\n");
    }
}

/* ===== Direct view ===== */

static void print_direct(json_t *arr, const char *field, const char *title)
{
    struct zx_buf b = {0};
    json_t *e;
    size_t i;

    printf("  %s:\n", title);
    if (json_array_size(arr) == 0)
        printf("    (none declared)\n");
    json_array_foreach(arr, i, e)
    {
        zx_buf_reset(&b);
        edge_label(&b, e, 1, json_is_true(json_object_get(e, "indexed")));
        printf("    %s%s\n", zx_json_str(e, field), zx_buf_cstr(&b));
    }
    zx_buf_release(&b);
}

/* ===== Trees ===== */

/* Branch glyphs: box drawing in a UTF-8 locale, ASCII otherwise. */
struct glyphs {
    const char *tee, *elbow, *bar;
};
static const struct glyphs utf8_glyphs = {"\u251c\u2500 ", "\u2514\u2500 ",
                                          "\u2502  "};
static const struct glyphs ascii_glyphs = {"|- ", "`- ", "|  "};
static const struct glyphs *gl = &ascii_glyphs;

static void pick_glyphs(void)
{
    const char *cs;

    if (setlocale(LC_CTYPE, "")) {
        cs = nl_langinfo(CODESET);
        if (cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8")))
            gl = &utf8_glyphs;
    }
    setlocale(LC_CTYPE, "C");
}

struct tree {
    json_t *res;
    json_t *adj;     /* id -> [edges] towards the next line's nodes */
    json_t *printed; /* ids drawn in full */
    json_t *path;    /* ids on the current branch */
    const char *far; /* the edge field naming the next node */
    const char *model;
    int mark_model; /* highlight the model (tree view) */
    struct zx_buf line;
};

/* Index the result's edges by parent (going down) or by child (up). */
static json_t *adjacency(json_t *res, int up)
{
    json_t *adj = json_object(), *e, *list;
    size_t i;

    json_array_foreach(json_object_get(res, "edges"), i, e)
    {
        const char *k = zx_json_str(e, up ? ZX_EDGE_CHILD : ZX_EDGE_PARENT);

        list = json_object_get(adj, k);
        if (!list) {
            list = json_array();
            json_object_set_new(adj, k, list);
        }
        json_array_append(list, e);
    }
    return adj;
}

/* Draw `id`, reached by `edge` (NULL at the top), and below it the nodes
 * its edges lead to. */
static void draw(struct tree *t, const char *id, json_t *edge,
                 const char *prefix, int last)
{
    json_t *next = json_object_get(t->adj, id), *e;
    char *sub;
    size_t i, n = json_array_size(next);

    zx_buf_reset(&t->line);
    if (edge)
        edge_label(&t->line, edge, 0, node_indexed(t->res, id));
    else if (!node_indexed(t->res, id))
        zx_buf_adds(&t->line, "  (not indexed)");
    if (t->mark_model && !strcmp(id, t->model))
        zx_buf_adds(&t->line, "  <- this model");
    if (json_object_get(t->path, id)) {
        printf("%s%s%s%s  (cycle, not followed)\n", prefix,
               edge ? (last ? gl->elbow : gl->tee) : "", id,
               zx_buf_cstr(&t->line));
        return;
    }
    if (json_object_get(t->printed, id)) {
        printf("%s%s%s%s%s\n", prefix, edge ? (last ? gl->elbow : gl->tee) : "",
               id, zx_buf_cstr(&t->line), "  (see above)");
        return;
    }
    printf("%s%s%s%s\n", prefix, edge ? (last ? gl->elbow : gl->tee) : "", id,
           zx_buf_cstr(&t->line));
    json_object_set_new(t->printed, id, json_true());
    json_object_set_new(t->path, id, json_true());
    sub = edge ? xasprintf("%s%s", prefix, last ? "   " : gl->bar)
               : xasprintf("%s", prefix);
    json_array_foreach(next, i, e)
    {
        draw(t, zx_json_str(e, t->far), e, sub, i + 1 == n);
    }
    free(sub);
    json_object_del(t->path, id);
}

static void tree_init(struct tree *t, json_t *res, int up)
{
    memset(t, 0, sizeof(*t));
    t->res = res;
    t->adj = adjacency(res, up);
    t->printed = json_object();
    t->path = json_object();
    t->far = up ? ZX_EDGE_PARENT : ZX_EDGE_CHILD;
    t->model = zx_json_str(res, "model");
}

static void tree_release(struct tree *t)
{
    json_decref(t->adj);
    json_decref(t->printed);
    json_decref(t->path);
    zx_buf_release(&t->line);
}

/* ancestors (up) and descendants: the model on top. */
static void print_walk(json_t *res, int up)
{
    struct tree t;

    tree_init(&t, res, up);
    draw(&t, t.model, NULL, "", 1);
    if (!json_object_get(t.adj, t.model))
        printf("  (no %s)\n", up ? "parents" : "children");
    tree_release(&t);
}

/* The whole tree: each root on top, then each cycle that stands in for a
 * root (from its first model), then whatever is left. */
static void print_tree(json_t *res)
{
    struct tree t;
    json_t *x;
    size_t i;

    tree_init(&t, res, 0);
    t.mark_model = t.model != NULL; /* not for --all */
    json_array_foreach(json_object_get(res, "roots"), i, x)
    {
        /* {"id", "generations"} in a view, the id itself for --all */
        draw(&t,
             json_is_string(x) ? json_string_value(x) : zx_json_str(x, "id"),
             NULL, "", 1);
    }
    json_array_foreach(json_object_get(res, "cycles"), i, x)
    {
        const char *id = json_string_value(json_array_get(x, 0));

        if (!json_object_get(t.printed, id))
            draw(&t, id, NULL, "", 1);
    }
    json_array_foreach(json_object_get(res, "nodes"), i, x)
    {
        if (!json_object_get(t.printed, zx_json_str(x, "id")))
            draw(&t, zx_json_str(x, "id"), NULL, "", 1);
    }
    tree_release(&t);
}

static void print_roots(json_t *res)
{
    const char *model = zx_json_str(res, "model");
    json_t *roots = json_object_get(res, "roots"), *r;
    size_t i;

    if (!json_array_size(roots))
        printf("(no root: the ancestry of %s is a cycle)\n", model);
    json_array_foreach(roots, i, r)
    {
        const char *id = zx_json_str(r, "id");
        json_int_t g = json_integer_value(json_object_get(r, "generations"));

        if (g == 0)
            printf("%s  (this model: it has no parents)\n", id);
        else
            printf("%s%s  %lld generation%s up\n", id,
                   node_indexed(res, id) ? "" : "  (not indexed)", (long long)g,
                   g == 1 ? "" : "s");
    }
}

/* Each parent with the model's edge to it, then its other children. */
static void print_siblings(json_t *res)
{
    const char *model = zx_json_str(res, "model");
    json_t *down = adjacency(res, 0), *up = adjacency(res, 1), *e, *k;
    struct zx_buf b = {0};
    size_t i, j, n;

    printf("%s\n", model);
    if (!json_array_size(json_object_get(up, model)))
        printf("  (no parents, so no siblings)\n");
    json_array_foreach(json_object_get(up, model), i, e)
    {
        const char *p = zx_json_str(e, ZX_EDGE_PARENT);
        json_t *kids = json_object_get(down, p);

        if (!strcmp(p, model))
            continue; /* a self-loop, reported as a cycle */
        zx_buf_reset(&b);
        edge_label(&b, e, 0, node_indexed(res, p));
        printf("  parent %s%s\n", p, zx_buf_cstr(&b));
        n = json_array_size(kids) - 1; /* the model is one of them */
        if (n == 0)
            printf("  (no other children)\n");
        json_array_foreach(kids, j, k)
        {
            const char *c = zx_json_str(k, ZX_EDGE_CHILD);

            if (!strcmp(c, model))
                continue;
            n--;
            zx_buf_reset(&b);
            edge_label(&b, k, 0, 1);
            printf("  %s%s%s\n", n ? gl->tee : gl->elbow, c, zx_buf_cstr(&b));
        }
    }
    zx_buf_release(&b);
    json_decref(down);
    json_decref(up);
}

/* ===== Graphviz ===== */

/* A dot ID in double quotes, with quotes and backslashes escaped. */
static void dot_id(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

static void print_dot(json_t *res)
{
    const char *model = zx_json_str(res, "model");
    json_t *n, *e, *c, *id;
    size_t i, j;

    printf("digraph lineage {\n");
    printf("  node [shape=box, fontname=\"Helvetica\"];\n");
    printf("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    json_array_foreach(json_object_get(res, "nodes"), i, n)
    {
        const char *nid = zx_json_str(n, "id");
        int indexed = json_is_true(json_object_get(n, "indexed"));

        printf("  ");
        dot_id(nid);
        printf(" [label=");
        dot_id(nid);
        if (!indexed)
            printf(" + \"\\n(not indexed)\", style=dashed");
        if (model && !strcmp(nid, model))
            printf(", style=\"filled,bold\", fillcolor=\"gold\", "
                   "penwidth=2");
        printf("];\n");
    }
    json_array_foreach(json_object_get(res, "edges"), i, e)
    {
        const char *prov = zx_json_str(e, ZX_EDGE_PROVENANCE);
        const char *rel = zx_json_str(e, ZX_EDGE_RELATION);

        printf("  ");
        dot_id(zx_json_str(e, ZX_EDGE_PARENT));
        printf(" -> ");
        dot_id(zx_json_str(e, ZX_EDGE_CHILD));
        printf(" [label=\"%s", rel ? rel : "?");
        if (shows_confidence(e))
            printf(" %.2f",
                   json_number_value(json_object_get(e, ZX_EDGE_CONFIDENCE)));
        printf("\"");
        if (prov && !strcmp(prov, "inferred"))
            printf(", style=dashed");
        else if (prov && !strcmp(prov, "both"))
            printf(", style=bold");
        if (zx_json_str(e, ZX_EDGE_CONTRADICTION)) {
            printf(", color=red, fontcolor=red, tooltip=");
            dot_id(zx_json_str(e, ZX_EDGE_CONTRADICTION));
        }
        printf("];\n");
    }
    json_array_foreach(json_object_get(res, "cycles"), i, c)
    {
        printf("  /* cycle:");
        json_array_foreach(c, j, id)
        {
            const char *s = json_string_value(id);

            printf(" %s%s", j ? "-> " : "", strstr(s, "*/") ? "?" : s);
        }
        printf(" */\n");
    }
    printf("}\n");
}

/* ===== --infer: the weights alone, charted now ===== */

static void print_inferred(json_t *inf)
{
    json_t *e;
    size_t i;

    printf("  from the weights alone (%s charting):\n",
           !strcmp(zx_json_str(inf, "method"), "mother") ? "MoTHer"
                                                         : "Model Atlas");
    json_array_foreach(json_object_get(inf, "parents"), i, e)
    {
        printf("    parent %s%s%s  [%s %.2f, %s distance %.6f]\n",
               zx_json_str(e, ZX_EDGE_PARENT),
               zx_json_str(e, "parent2") ? " + " : "",
               zx_json_str(e, "parent2") ? zx_json_str(e, "parent2") : "",
               zx_json_str(e, "rule"),
               json_number_value(json_object_get(e, ZX_EDGE_CONFIDENCE)),
               zx_json_str(e, "metric"),
               json_real_value(json_object_get(e, "distance")));
    }
    json_array_foreach(json_object_get(inf, "children"), i, e)
    {
        printf("    child  %s  [%s %.2f, %s distance %.6f]\n",
               zx_json_str(e, ZX_EDGE_CHILD), zx_json_str(e, "rule"),
               json_number_value(json_object_get(e, ZX_EDGE_CONFIDENCE)),
               zx_json_str(e, "metric"),
               json_real_value(json_object_get(e, "distance")));
    }
    if (!json_array_size(json_object_get(inf, "parents")) &&
        !json_array_size(json_object_get(inf, "children")))
        printf("    (a root with no children in its group)\n");
}

/* ===== The command ===== */

static int parse_confidence(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return -1;
    v = strtod(s, &end);
    if (*end || !(v >= 0.0 && v <= 1.0))
        return -1;
    *out = v;
    return 0;
}

static void render(json_t *res, enum zx_lineage_view view)
{
    switch (view) {
    case ZX_LINEAGE_DIRECT:
        if (json_is_false(json_object_get(res, "indexed"))) {
            printf("%s  (not indexed)\n", zx_json_str(res, "model"));
            printf("  parents:\n    (unknown: the model is not indexed)\n");
        } else {
            printf("%s\n", zx_json_str(res, "model"));
            print_direct(json_object_get(res, "parents"), ZX_EDGE_PARENT,
                         "parents");
        }
        print_direct(json_object_get(res, "children"), ZX_EDGE_CHILD,
                     "children");
        break;
    case ZX_LINEAGE_ANCESTORS:
        print_walk(res, 1);
        break;
    case ZX_LINEAGE_DESCENDANTS:
        print_walk(res, 0);
        break;
    case ZX_LINEAGE_SIBLINGS:
        print_siblings(res);
        break;
    case ZX_LINEAGE_ROOT:
        print_roots(res);
        break;
    case ZX_LINEAGE_TREE:
        print_tree(res);
        break;
    }
}

/* --all: the forest of the whole index, roots first. */
static int lineage_all(struct zx_ctx *ctx, enum format fmt, double min_conf)
{
    struct zx_index *ix = NULL;
    json_t *res = NULL;
    int rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);

    if (!rc)
        rc = zx_query_lineage_all(ix, min_conf, &res, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (fmt == FMT_JSON) {
        zx_print_json(res);
    } else if (fmt == FMT_DOT) {
        print_dot(res);
    } else {
        pick_glyphs();
        if (!json_array_size(json_object_get(res, "nodes")))
            printf("(no lineage: no indexed model has a parent)\n");
        print_tree(res);
        print_cycles(res);
    }
    json_decref(res);
    return ZX_EXIT_OK;
}

int cmd_lineage(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"ancestors", no_argument, NULL, 'a'},
        {"descendants", no_argument, NULL, 'd'},
        {"siblings", no_argument, NULL, 's'},
        {"root", no_argument, NULL, 'r'},
        {"tree", no_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"min-confidence", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"infer", no_argument, NULL, 'i'},
        {"method", required_argument, NULL, 'M'},
        {"all", no_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *res = NULL, *inf = NULL;
    enum zx_lineage_view view = ZX_LINEAGE_DIRECT;
    enum format fmt = FMT_TEXT;
    double min_conf = 0.0;
    enum zx_chart_method method = ZX_CHART_ATLAS;
    int infer = 0, n_views = 0, have_method = 0, all = 0, json_opt = 0, ch, rc;
    int have_format = 0; /* 1 + the --format given, 0 when none */

    while ((ch = getopt_long(argc, argv, "adsrtf:m:jiM:A", opts, NULL)) != -1) {
        switch (ch) {
        case 'a':
        case 'd':
        case 's':
        case 'r':
        case 't':
            view = ch == 'a'   ? ZX_LINEAGE_ANCESTORS
                   : ch == 'd' ? ZX_LINEAGE_DESCENDANTS
                   : ch == 's' ? ZX_LINEAGE_SIBLINGS
                   : ch == 'r' ? ZX_LINEAGE_ROOT
                               : ZX_LINEAGE_TREE;
            n_views++;
            break;
        case 'f':
            if (!strcmp(optarg, "text"))
                fmt = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                fmt = FMT_JSON;
            else if (!strcmp(optarg, "dot"))
                fmt = FMT_DOT;
            else
                return zx_usage_msg(ctx,
                                    "--format wants text, json or dot, "
                                    "not '%s'",
                                    optarg);
            have_format = (int)fmt + 1;
            break;
        case 'm':
            if (parse_confidence(optarg, &min_conf))
                return zx_usage_msg(ctx,
                                    "--min-confidence wants a number from "
                                    "0 to 1, not '%s'",
                                    optarg);
            break;
        case 'j':
            fmt = FMT_JSON;
            json_opt = 1;
            break;
        case 'i':
            infer = 1;
            break;
        case 'A':
            all = 1;
            break;
        case 'M':
            have_method = 1;
            if (!strcmp(optarg, "atlas"))
                method = ZX_CHART_ATLAS;
            else if (!strcmp(optarg, "mother"))
                method = ZX_CHART_MOTHER;
            else
                return zx_usage_msg(ctx,
                                    "--method wants atlas or mother, not "
                                    "'%s'",
                                    optarg);
            break;
        default:
            return zx_usage(ctx);
        }
    }
    if (json_opt && have_format && have_format != FMT_JSON + 1)
        return zx_usage_msg(ctx,
                            "--json and --format %s conflict: give "
                            "one of them",
                            have_format == FMT_DOT + 1 ? "dot" : "text");
    if (json_opt)
        fmt = FMT_JSON;
    ctx->json = fmt == FMT_JSON;
    if (n_views > 1)
        return zx_usage_msg(ctx, "give at most one of --ancestors, "
                                 "--descendants, --siblings, --root and "
                                 "--tree");
    if (infer && (view != ZX_LINEAGE_DIRECT || fmt == FMT_DOT))
        return zx_usage_msg(ctx, "--infer goes with the default view, as "
                                 "text or JSON");
    if (have_method && !infer)
        return zx_usage_msg(ctx, "--method goes with --infer");
    if (all) {
        if (n_views || infer || argc != optind)
            return zx_usage_msg(ctx, "--all takes no model and no view, nor "
                                     "--infer");
        return lineage_all(ctx, fmt, min_conf);
    }
    if (zx_operands(ctx, argc, argv, 1, 1, "a model id or path"))
        return ZX_EXIT_USAGE;
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_query_lineage_view(ix, argv[optind], view, min_conf, &res,
                                   &ctx->err);
    if (!rc && infer)
        rc = zx_query_lineage_chart(ix, argv[optind], method, &inf, &ctx->err);
    zx_index_close(ix);
    if (rc) {
        json_decref(res);
        return zx_report(ctx, rc);
    }
    if (inf)
        json_object_set(res, "inferred", inf);
    if (fmt == FMT_JSON) {
        zx_print_json(res);
    } else if (fmt == FMT_DOT) {
        print_dot(res);
    } else {
        pick_glyphs();
        render(res, view);
        if (inf)
            print_inferred(inf);
        print_cycles(res);
    }
    json_decref(res);
    json_decref(inf);
    return ZX_EXIT_OK;
}
