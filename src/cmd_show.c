/* cmd_show.c - `zoodex show`: everything the index knows about a model,
 * with its lineage counted per relation like the Hub's model tree.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "query.h"
#include "zx_log.h"

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
        const char *rel = field ? zx_json_str(x, ZX_EDGE_RELATION) : NULL;
        const char *prov = field ? zx_json_str(x, ZX_EDGE_PROVENANCE) : NULL;

        printf("%s%s", i ? ", " : " ", s ? s : "?");
        if (!rel)
            continue;
        printf(" (%s", rel);
        if (prov && strcmp(prov, "declared"))
            printf(", %s %.2f", prov,
                   json_number_value(json_object_get(x, ZX_EDGE_CONFIDENCE)));
        if (zx_json_str(x, ZX_EDGE_CONTRADICTION))
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

/* The label names of id2label in id order (numeric ids by value), or
 * NULL when there are none.  Owned. */
static json_t *label_names(json_t *meta)
{
    json_t *map = json_object_get(meta, "id2label"), *v;
    json_t *out = json_array();
    const char *key;
    long n = (long)json_object_size(map), i, max = -1;

    if (!json_is_object(map) || !n) {
        json_decref(out);
        return NULL;
    }
    /* config.json keys labels "0".."n-1"; other keys keep their order. */
    json_object_foreach(map, key, v)
    {
        char *end;
        long k = strtol(key, &end, 10);

        if (*key < '0' || *key > '9' || *end || k >= n) {
            max = -2;
            break;
        }
        if (k > max)
            max = k;
    }
    if (max == n - 1) {
        for (i = 0; i < n; i++) {
            char k[24];

            snprintf(k, sizeof(k), "%ld", i);
            v = json_object_get(map, k);
            json_array_append_new(out, json_string(v && json_is_string(v)
                                                       ? json_string_value(v)
                                                       : "?"));
        }
        return out;
    }
    json_object_foreach(map, key, v)
    {
        json_array_append_new(
            out, json_string(json_is_string(v) ? json_string_value(v) : "?"));
    }
    return out;
}

/* "labels  3: negative, neutral, positive": every name up to
 * SHOW_LABELS of them (or all with --labels), then how many more. */
#define SHOW_LABELS 20
static void print_labels(json_t *meta, int all)
{
    json_t *names = label_names(meta), *v;
    json_t *num = json_object_get(meta, "num_labels");
    size_t i, n = json_array_size(names);

    if (!names && !json_is_integer(num))
        return;
    printf("%-16s %lld", "labels",
           (long long)(names ? (json_int_t)n : json_integer_value(num)));
    json_array_foreach(names, i, v)
    {
        if (!all && i == SHOW_LABELS) {
            printf(", and %zu more (--labels shows all)", n - i);
            break;
        }
        printf("%s%s", i ? ", " : ": ", json_string_value(v));
    }
    printf("\n");
    json_decref(names);
}

int cmd_show(int argc, char **argv, struct zx_ctx *ctx)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tensors", no_argument, NULL, 't'},
        {"labels", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    struct zx_index *ix = NULL;
    json_t *rec = NULL, *meta, *v;
    const char *key;
    int json = 0, tensors = 0, all_labels = 0, ch, rc;

    while ((ch = getopt_long(argc, argv, "jtl", opts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else if (ch == 't')
            tensors = 1;
        else if (ch == 'l')
            all_labels = 1;
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
        json_object_del(rec, ZX_REC_TENSORS);
    if (json) {
        zx_print_json(rec);
        json_decref(rec);
        return ZX_EXIT_OK;
    }
    meta = json_object_get(rec, ZX_REC_META);
    print_str(rec, ZX_REC_ID, "model");
    print_str(rec, ZX_REC_REVISION, "revision");
    print_str(rec, ZX_REC_SOURCE, "source");
    v = json_object_get(meta, "architectures");
    if (json_is_array(v) && json_array_size(v))
        printf("%-16s %s\n", "architecture",
               json_string_value(json_array_get(v, 0)));
    print_str(meta, "model_type", "model type");
    print_labels(meta, all_labels);
    print_str(meta, "pipeline_tag", "pipeline");
    print_str(meta, "license", "license");
    {
        json_int_t nt =
            json_integer_value(json_object_get(rec, ZX_REC_N_TENSORS));

        printf(
            "%-16s %lld in %lld %s (mostly %s)\n", "parameters",
            (long long)json_integer_value(json_object_get(rec, ZX_REC_PARAMS)),
            (long long)nt, zx_plural((uint64_t)nt, "tensor", "tensors"),
            zx_json_str(rec, ZX_REC_DTYPE));
    }
    if (json_object_get(rec, "weights_bytes")) {
        char size[ZX_SIZE_LEN];

        printf("%-16s %s", "weights size",
               zx_format_size((uint64_t)json_integer_value(
                                  json_object_get(rec, "weights_bytes")),
                              size));
        if (json_object_get(rec, "bytes_fetched"))
            printf(" (crawled: %s fetched by Range reads)",
                   zx_format_size((uint64_t)json_integer_value(
                                      json_object_get(rec, "bytes_fetched")),
                                  size));
        printf("\n");
    }
    if (zx_json_str(rec, "group")) {
        json_int_t gs = json_integer_value(json_object_get(rec, "group_size"));

        printf("%-16s %s (%lld %s)\n", "weight group",
               zx_json_str(rec, "group"), (long long)gs,
               zx_plural((uint64_t)gs, "model", "models"));
    } else {
        printf("%-16s none (no backbone tensors to fingerprint)\n",
               "weight group");
    }
    if (json_is_null(json_object_get(rec, ZX_REC_KURTOSIS)))
        printf("%-16s not computed (crawled by Range reads)\n", "kurtosis");
    else
        printf("%-16s %.6f over %lld square layers\n", "kurtosis",
               json_number_value(json_object_get(rec, ZX_REC_KURTOSIS)),
               (long long)json_integer_value(
                   json_object_get(rec, ZX_REC_KURTOSIS_LAYERS)));
    print_str(rec, ZX_REC_WEIGHTS_DIGEST, "weights digest");
    print_list(json_object_get(rec, "parents"), "parent", "parents");
    print_list(json_object_get(rec, "children"), "child", "children");
    print_tree_counts(json_object_get(rec, "lineage"));
    print_list(json_object_get(rec, "duplicates"), NULL, "duplicates");
    print_str(rec, ZX_REC_INGESTED, "ingested");
    if (tensors) {
        json_object_foreach(json_object_get(rec, ZX_REC_TENSORS), key, v)
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
