/* cmd_show.c - `zoodex show`: everything the index knows about a model,
 * with its lineage counted per relation like the Hub's model tree.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "query.h"

static void print_str(json_t *o, const char *key, const char *label)
{
    const char *s = zx_json_str(o, key);

    if (s)
        printf("%-16s %s\n", label, s);
}

/* One line of ids; for edges (field set) each with its relation, the
 * provenance and confidence unless it is a declared fact, and a flag when
 * the weights contradict it. */
static void print_list(json_t *arr, const char *field, const char *label)
{
    json_t *x;
    size_t i;

    if (!json_array_size(arr))
        return;
    printf("%-16s", label);
    json_array_foreach(arr, i, x)
    {
        const char *s = field ? zx_json_str(x, field) : json_string_value(x);
        const char *rel = field ? zx_json_str(x, "relation") : NULL;
        const char *prov = field ? zx_json_str(x, "provenance") : NULL;

        printf("%s%s", i ? ", " : " ", s ? s : "?");
        if (!rel)
            continue;
        printf(" (%s", rel);
        if (prov && strcmp(prov, "declared"))
            printf(", %s %.2f", prov,
                   json_number_value(json_object_get(x, "confidence")));
        if (zx_json_str(x, "contradiction"))
            printf(", contradicted by the weights");
        printf(")");
    }
    printf("\n");
}

/* The separator of the counts: the Hub's middle dot in a UTF-8 locale,
 * a comma otherwise. */
static const char *count_sep = ", ";

static void pick_sep(void)
{
    const char *cs;

    if (setlocale(LC_CTYPE, "")) {
        cs = nl_langinfo(CODESET);
        if (cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8")))
            count_sep = " \u00b7 ";
    }
    setlocale(LC_CTYPE, "C");
}

/* "Finetunes: 3 · Adapters: 1 · Quantizations: 2 · Merges: 0", as the
 * Hub's model tree counts, then any other relation that occurs. */
static void print_counts(json_t *counts)
{
    static const char *const hub[][2] = {
        {"finetune", "Finetunes"},      {"adapter", "Adapters"},
        {"quantized", "Quantizations"}, {"merge", "Merges"},
        {"duplicate", "Duplicates"}, /* only when there are some */
    };
    const char *key;
    json_t *v;
    size_t i;

    for (i = 0; i < 4; i++)
        printf(
            "%s%s: %lld", i ? count_sep : "", hub[i][1],
            (long long)json_integer_value(json_object_get(counts, hub[i][0])));
    json_object_foreach(counts, key, v)
    {
        for (i = 0; i < sizeof(hub) / sizeof(hub[0]); i++)
            if (!strcmp(key, hub[i][0]))
                break;
        if (i >= 4 && strcmp(key, "total") && strcmp(key, "downloads") &&
            strcmp(key, "with_downloads"))
            printf("%s%s: %lld", count_sep,
                   i < sizeof(hub) / sizeof(hub[0]) ? hub[i][1] : key,
                   (long long)json_integer_value(v));
    }
}

/* The model-tree block: direct children and the whole sub-tree by
 * relation, and the sub-tree's downloads where the Hub's count is known. */
static void print_tree_counts(json_t *lin)
{
    json_t *cc = json_object_get(lin, "children");
    json_t *sub = json_object_get(lin, "subtree"), *c, *id;
    json_int_t n = json_integer_value(json_object_get(sub, "total"));
    json_int_t known =
        json_integer_value(json_object_get(sub, "with_downloads"));
    size_t i, j;

    pick_sep();
    if (!json_integer_value(json_object_get(cc, "total"))) {
        printf("%-16s no children\n", "model tree");
    } else {
        printf("%-16s children: ", "model tree");
        print_counts(cc);
        printf("\n%-16s sub-tree of %lld model%s: ", "", (long long)n,
               n == 1 ? "" : "s");
        print_counts(sub);
        if (known)
            printf("\n%-16s sub-tree downloads: %lld, known for %lld of "
                   "%lld models\n",
                   "",
                   (long long)json_integer_value(
                       json_object_get(sub, "downloads")),
                   (long long)known, (long long)n);
        else
            printf("\n%-16s sub-tree downloads: unknown (no model of the "
                   "sub-tree has the Hub's count)\n",
                   "");
    }
    json_array_foreach(json_object_get(lin, "cycles"), i, c)
    {
        printf("%-16s", "lineage cycle");
        json_array_foreach(c, j, id)
        {
            printf("%s%s", j ? " -> " : " ", json_string_value(id));
        }
        printf("\n");
    }
}

int cmd_show(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tensors", no_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *rec = NULL, *meta, *v;
    const char *key;
    int json = 0, tensors = 0, ch, rc;

    while ((ch = getopt_long(argc, argv, "jt", opts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else if (ch == 't')
            tensors = 1;
        else
            return zx_usage(ctx);
    }
    ctx->json |= json;
    if (zx_operands(ctx, argc, argv, 1, 1, "a model id or path"))
        return ZX_EXIT_USAGE;
    rc = zx_index_open(ctx->db, ZX_INDEX_READ, &ix, &ctx->err);
    if (!rc)
        rc = zx_query_show(ix, argv[optind], &rec, &ctx->err);
    zx_index_close(ix);
    if (rc)
        return zx_report(ctx, rc);
    if (!tensors)
        json_object_del(rec, "tensors");
    if (json) {
        zx_print_json(rec);
        json_decref(rec);
        return ZX_EXIT_OK;
    }
    meta = json_object_get(rec, "meta");
    print_str(rec, "id", "model");
    print_str(rec, "revision", "revision");
    print_str(rec, "source", "source");
    v = json_object_get(meta, "architectures");
    if (json_is_array(v) && json_array_size(v))
        printf("%-16s %s\n", "architecture",
               json_string_value(json_array_get(v, 0)));
    print_str(meta, "model_type", "model type");
    if (json_object_get(meta, "num_labels"))
        printf(
            "%-16s %lld\n", "labels",
            (long long)json_integer_value(json_object_get(meta, "num_labels")));
    print_str(meta, "pipeline_tag", "pipeline");
    print_str(meta, "license", "license");
    {
        json_int_t nt = json_integer_value(json_object_get(rec, "n_tensors"));
        json_int_t gs = json_integer_value(json_object_get(rec, "group_size"));

        printf("%-16s %lld in %lld %s (mostly %s)\n", "parameters",
               (long long)json_integer_value(json_object_get(rec, "params")),
               (long long)nt, zx_plural((uint64_t)nt, "tensor", "tensors"),
               zx_json_str(rec, "dtype"));
        printf("%-16s %s (%lld %s)\n", "weight group", zx_json_str(rec, "arch"),
               (long long)gs, zx_plural((uint64_t)gs, "model", "models"));
    }
    if (json_is_null(json_object_get(rec, "kurtosis")))
        printf("%-16s not computed (crawled by Range reads)\n", "kurtosis");
    else
        printf("%-16s %.6f over %lld square layers\n", "kurtosis",
               json_number_value(json_object_get(rec, "kurtosis")),
               (long long)json_integer_value(
                   json_object_get(rec, "kurtosis_layers")));
    print_str(rec, "weights_digest", "weights digest");
    print_list(json_object_get(rec, "parents"), "parent", "parents");
    print_list(json_object_get(rec, "children"), "child", "children");
    print_tree_counts(json_object_get(rec, "lineage"));
    print_list(json_object_get(rec, "duplicates"), NULL, "duplicates");
    print_str(rec, "ingested", "ingested");
    if (tensors) {
        json_object_foreach(json_object_get(rec, "tensors"), key, v)
        {
            json_t *d;
            size_t i;

            printf("  %s\t%s\t", key, zx_json_str(v, "dtype"));
            json_array_foreach(json_object_get(v, "shape"), i, d)
            {
                printf("%s%lld", i ? "," : "",
                       (long long)json_integer_value(d));
            }
            printf("\t%s\n", zx_json_str(v, "xxh3"));
        }
    }
    json_decref(rec);
    return ZX_EXIT_OK;
}
