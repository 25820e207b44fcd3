/* bench_lineage.c - lineage recovery on the ground-truth zoo, and charting
 * time on synthetic fingerprints.
 *
 * Reads an index crawled from fixtures/lineage/zoo (so records carry the
 * Hub's createdAt; `make bench` crawls it from the mock Hub) and
 * fixtures/lineage/TRUTH.json, then reports in one run:
 *  - directed-edge accuracy (true edges whose child got that parent, per
 *    kind of model) of the edges zoodex stored (declared + inferred: what
 *    `zoodex lineage` answers), of the weights alone (Model Atlas charting
 *    without metadata, zx_lineage_chart_group), of MoTHer (distance +
 *    kurtosis + arborescence) in the same components, of a random earlier
 *    model and of attach-to-most-connected;
 *  - component clustering against the true trees (pairwise precision and
 *    recall, adjusted Rand index);
 *  - how often inferred edges are right per confidence band;
 *  - zx_lineage_chart() time for 100, 1,000 and 10,000 synthetic models
 *    (fingerprints and 4,096-value lineage descriptors; trees of 21:
 *    root -> 4 -> 16).
 * Crawled records are light (no kurtosis): MoTHer reads the kurtosis from
 * FULLDB, an index of the same zoo ingested from disk.
 * usage: bench_lineage DBDIR TRUTH.json FULLDB
 * (BENCH_LINEAGE_MAX, 10000: largest synthetic size) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desc.h"
#include "index.h"
#include "lineage.h"
#include "store.h"
#include "zx_log.h"
#include "zx_mem.h"

#define KINDS 8
#define NLINK 7
static const char *const kinds[KINDS] = {"finetune",  "snake",     "fan",
                                         "quantized", "duplicate", "merge",
                                         "lora",      "root"};

struct tally {
    size_t n[KINDS], ok[KINDS];
    size_t pred, pred_ok; /* predicted edges, and those that are true */
};

static int kind_of(const char *k)
{
    int i;

    for (i = 0; i < KINDS; i++)
        if (k && !strcmp(k, kinds[i]))
            return i;
    return 0;
}

/* Score one model: its true parents against a predicted set. */
static void score(struct tally *t, json_t *truth, json_t *pred)
{
    json_t *p;
    size_t i;
    int k = kind_of(zx_json_str(truth, "kind"));

    json_array_foreach(json_object_get(truth, "parents"), i, p)
    {
        t->n[k]++;
        if (pred && json_object_get(pred, json_string_value(p)))
            t->ok[k]++;
    }
    if (pred) {
        const char *par;
        json_t *x;

        json_object_foreach(pred, par, x)
        {
            json_t *q;
            size_t j;

            t->pred++;
            json_array_foreach(json_object_get(truth, "parents"), j,
                               q) if (!strcmp(json_string_value(q), par))
            {
                t->pred_ok++;
                break;
            }
        }
    }
}

static void report(const char *name, const struct tally *t)
{
    size_t n = 0, ok = 0, i;

    for (i = 0; i < KINDS; i++) {
        n += t->n[i];
        ok += t->ok[i];
    }
    printf("lineage_acc_%s %.3f (%zu/%zu)", name, n ? (double)ok / n : 0, ok,
           n);
    printf("  full_finetune_trees %.3f (%zu/%zu)",
           t->n[0] ? (double)t->ok[0] / t->n[0] : 0, t->ok[0], t->n[0]);
    for (i = 1; i < KINDS; i++)
        if (t->n[i])
            printf(" %s %zu/%zu", kinds[i], t->ok[i], t->n[i]);
    printf("  precision %.3f (%zu/%zu predicted edges true)\n",
           t->pred ? (double)t->pred_ok / t->pred : 0, t->pred_ok, t->pred);
}

static double iso_seconds(const char *s)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return NAN;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm);
}

/* ===== The zoo's fingerprints, for the baselines ===== */

struct model {
    char *id;
    char arch[17];
    float fp[ZX_FP_DIM];
    double created;
    json_t *truth;
};

static struct model *models;
static size_t n_models, cap_models;
static json_t *truth_by_id;

static int vec_cb(const struct zx_vec *v, void *arg)
{
    struct zx_txn *txn = arg;
    json_t *rec = NULL;
    struct model *m;

    if (v->dim != ZX_FP_DIM ||
        zx_store_get_model(txn, v->model, &rec, NULL) != ZX_OK)
        return 0;
    if (json_object_get(json_object_get(rec, "meta"), "adapter")) {
        json_decref(rec);
        return 0;
    }
    if (n_models == cap_models) {
        cap_models = cap_models ? cap_models * 2 : 128;
        models = xreallocarray(models, cap_models, sizeof(*models));
    }
    m = &models[n_models++];
    m->id = xstrdup(v->model);
    snprintf(m->arch, sizeof(m->arch), "%s", v->arch);
    memcpy(m->fp, v->data, sizeof(m->fp));
    m->truth = json_object_get(truth_by_id, v->model);
    m->created =
        iso_seconds(zx_json_str(json_object_get(rec, "hub"), "createdAt"));
    json_decref(rec);
    return 0;
}

static void add_pred(json_t *pred, const char *child, const char *parent)
{
    json_t *s = json_object_get(pred, child);

    if (!s) {
        s = json_object();
        json_object_set_new(pred, child, s);
    }
    json_object_set_new(s, parent, json_true());
}

/* Baselines over one group (indices idx[0..n-1] into models): a random
 * earlier model and the most-connected earlier model. */
static void baselines(const size_t *idx, size_t n, json_t *rd, json_t *mc)
{
    size_t a, b, *deg = xcalloc(n + 1, sizeof(*deg));

    srand(42);
    for (a = 0; a < n; a++) {
        const struct model *x = &models[idx[a]];
        size_t cand = 0, pick;
        long best = -1;

        for (b = 0; b < n; b++)
            if (models[idx[b]].created < x->created)
                cand++;
        if (cand) {
            pick = (size_t)rand() % cand;
            for (b = 0; b < n; b++)
                if (models[idx[b]].created < x->created && pick-- == 0)
                    add_pred(rd, x->id, models[idx[b]].id);
        }
        /* most connected earlier model (ties: the oldest) */
        for (b = 0; b < n; b++)
            if (models[idx[b]].created < x->created &&
                (best < 0 || deg[b] > deg[best] ||
                 (deg[b] == deg[best] &&
                  models[idx[b]].created < models[idx[best]].created)))
                best = (long)b;
        if (best >= 0) {
            deg[best]++;
            add_pred(mc, x->id, models[idx[best]].id);
        }
    }
    free(deg);
}

/* Pairwise agreement of components with the true trees. */
static void clustering(const size_t *idx, size_t n, const size_t *comp,
                       size_t *tp, size_t *fp, size_t *fn, size_t *tn)
{
    size_t a, b;

    for (a = 0; a < n; a++)
        for (b = a + 1; b < n; b++) {
            const char *ta = zx_json_str(models[idx[a]].truth, "tree");
            const char *tb = zx_json_str(models[idx[b]].truth, "tree");
            int same_t = ta && tb && !strcmp(ta, tb);
            int same_c = comp[a] == comp[b];

            *tp += same_t && same_c;
            *fp += !same_t && same_c;
            *fn += same_t && !same_c;
            *tn += !same_t && !same_c;
        }
}

/* ===== Synthetic fingerprints for the timing ===== */

static double gauss(unsigned *s)
{
    double u = (rand_r(s) + 1.0) / ((double)RAND_MAX + 2.0);
    double v = (rand_r(s) + 1.0) / ((double)RAND_MAX + 2.0);

    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void synth(size_t n)
{
    float *fp = xcalloc(n * ZX_FP_DIM + 1, sizeof(*fp));
    float *lfp = xcalloc(n * ZX_LFP_DIM + 1, sizeof(*lfp));
    char *has = xmalloc(n + 1);
    struct zx_chart_node *nodes = xcalloc(n + 1, sizeof(*nodes));
    struct zx_chart_out *out = xcalloc(n + 1, sizeof(*out));
    long *truth = xcalloc(n + 1, sizeof(*truth));
    struct zx_atlas_params p;
    struct zx_error err = {0};
    unsigned seed = 7;
    size_t i, k, nc = 0, ok = 0, edges = 0;
    double t0, t1, tau;

    for (i = 0; i < n; i++) {
        size_t pos = i % 21; /* 0 root, 1-4 children, 5-20 grandchildren */
        long par = pos == 0   ? -1
                   : pos <= 4 ? (long)(i - pos)
                              : (long)(i - pos + 1 + (pos - 5) / 4);
        double step =
            pos == 0 ? 1.0 : 0.02 * (0.5 + rand_r(&seed) / (double)RAND_MAX);

        truth[i] = par;
        for (k = 0; k < ZX_FP_DIM; k++)
            fp[i * ZX_FP_DIM + k] =
                (float)((par >= 0 ? fp[(size_t)par * ZX_FP_DIM + k] : 0) +
                        step * gauss(&seed));
        /* Adam-like fine-tuning: every weight moves by up to +-step */
        for (k = 0; k < ZX_LFP_DIM; k++)
            lfp[i * ZX_LFP_DIM + k] =
                (float)((par >= 0 ? lfp[(size_t)par * ZX_LFP_DIM + k]
                                  : gauss(&seed)) +
                        (par >= 0 ? step * (2.0 * rand_r(&seed) / RAND_MAX - 1)
                                  : 0));
        has[i] = 1;
        nodes[i].created = (double)(i / 21) +
                           (pos == 0   ? 0
                            : pos <= 4 ? 0.1
                                       : 0.2) +
                           1e-4 * (double)pos;
        nodes[i].known = nodes[i].known2 = -1;
    }
    zx_atlas_default_params(&p);
    t0 = zx_now();
    zx_lineage_chart(n, ZX_FP_DIM, fp, lfp, ZX_LFP_DIM, has, nodes, &p, out,
                     &nc, &tau, &err);
    t1 = zx_now();
    for (i = 0; i < n; i++)
        if (truth[i] >= 0) {
            edges++;
            ok += out[i].parent == truth[i];
        }
    printf("lineage_chart_synthetic_%zu %.3f s (%zu components, directed-edge "
           "accuracy %.3f)\n",
           n, t1 - t0, nc, edges ? (double)ok / edges : 0);
    free(fp);
    free(lfp);
    free(has);
    free(nodes);
    free(out);
    free(truth);
}

int main(int argc, char **argv)
{
    struct zx_error err = {0};
    struct zx_index *ix = NULL;
    struct zx_txn *txn = NULL;
    json_t *truth = NULL, *m, *stored, *weights, *mo, *rd, *mc, *archs;
    static struct tally t_st, t_w, t_mo, t_rd, t_mc;
    static const double links[NLINK] = {1.5, 2, 3, 4, 8, 16, 64};
    size_t tp[NLINK] = {0}, fpn[NLINK] = {0}, fnn[NLINK] = {0};
    size_t tn[NLINK] = {0}, i, li, band_n[4] = {0}, band_ok[4] = {0};
    size_t max_synth = getenv("BENCH_LINEAGE_MAX")
                           ? strtoul(getenv("BENCH_LINEAGE_MAX"), NULL, 10)
                           : 10000,
           s;
    struct zx_index *full = NULL;
    const char *arch;
    json_t *dummy;
    double t0, t_chart = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: bench_lineage DBDIR TRUTH.json FULLDB\n");
        return 2;
    }
    if (zx_json_load_file(argv[2], (size_t)64 << 20, &truth, &err) ||
        zx_index_open(argv[3], ZX_INDEX_READ, &full, &err) ||
        zx_index_open(argv[1], ZX_INDEX_READ, &ix, &err) ||
        zx_txn_begin(zx_index_store(ix), 0, &txn, &err)) {
        fprintf(stderr, "bench_lineage: %s\n", err.msg);
        return 1;
    }
    truth_by_id = json_object();
    json_array_foreach(json_object_get(truth, "models"), i, m)
        json_object_set(truth_by_id, zx_json_str(m, "id"), m);
    stored = json_object();
    weights = json_object();
    mo = json_object();
    rd = json_object();
    mc = json_object();
    archs = json_object();
    /* 1. What zoodex stored (declared + inferred), with confidence bands. */
    json_array_foreach(json_object_get(truth, "models"), i, m)
    {
        json_t *ps = NULL, *e;
        size_t j;

        if (zx_store_parents(txn, zx_json_str(m, "id"), &ps, NULL))
            continue;
        json_array_foreach(ps, j, e)
        {
            const char *prov = zx_json_str(e, "provenance");
            double c = json_number_value(json_object_get(e, "confidence"));
            json_t *tp_ = json_object_get(m, "parents"), *x;
            size_t q;
            int right = 0, band;

            add_pred(stored, zx_json_str(m, "id"), zx_json_str(e, "parent"));
            if (!prov || !strcmp(prov, "declared"))
                continue;
            json_array_foreach(tp_, q, x) right |=
                !strcmp(json_string_value(x), zx_json_str(e, "parent"));
            band = c < 0.5 ? 0 : c < 0.7 ? 1 : c < 0.9 ? 2 : 3;
            band_n[band]++;
            band_ok[band] += right;
        }
        json_decref(ps);
    }
    /* 2. Weights only, and the baselines, per group. */
    zx_store_each_vec(txn, NULL, vec_cb, txn, &err);
    for (i = 0; i < n_models; i++)
        json_object_set_new(archs, models[i].arch, json_true());
    json_object_foreach(archs, arch, dummy)
    {
        json_t *edges = NULL, *e;
        size_t *idx = xcalloc(n_models + 1, sizeof(*idx)), n = 0, nc = 0, j;
        size_t *comp;
        float *fp;
        struct zx_atlas_params p;

        for (j = 0; j < n_models; j++)
            if (!strcmp(models[j].arch, arch))
                idx[n++] = j;
        t0 = zx_now();
        if (zx_lineage_chart_group(ix, arch, ZX_CHART_ATLAS, &edges, &err) ==
            0) {
            t_chart += zx_now() - t0;
            json_array_foreach(edges, j, e)
            {
                add_pred(weights, zx_json_str(e, "child"),
                         zx_json_str(e, "parent"));
                if (zx_json_str(e, "parent2"))
                    add_pred(weights, zx_json_str(e, "child"),
                             zx_json_str(e, "parent2"));
            }
        }
        json_decref(edges);
        edges = NULL;
        /* MoTHer through the same code path (`lineage --infer --method
         * mother`); crawled records have no kurtosis, so FULLDB's is
         * used: its records are charted instead. */
        if (zx_lineage_chart_group(full, arch, ZX_CHART_MOTHER, &edges, &err) ==
            0)
            json_array_foreach(edges, j, e)
                add_pred(mo, zx_json_str(e, "child"), zx_json_str(e, "parent"));
        json_decref(edges);
        fp = xcalloc(n * ZX_FP_DIM + 1, sizeof(*fp));
        comp = xcalloc(n + 1, sizeof(*comp));
        for (j = 0; j < n; j++)
            memcpy(fp + j * ZX_FP_DIM, models[idx[j]].fp,
                   sizeof(models[idx[j]].fp));
        zx_atlas_default_params(&p);
        for (li = 0; li < NLINK; li++) { /* the default, 4, and others */
            p.link = links[li];
            zx_lineage_components(n, ZX_FP_DIM, fp, &p, comp, &nc, NULL);
            clustering(idx, n, comp, &tp[li], &fpn[li], &fnn[li], &tn[li]);
        }
        baselines(idx, n, rd, mc);
        free(idx);
        free(fp);
        free(comp);
    }
    json_array_foreach(json_object_get(truth, "models"), i, m)
    {
        const char *id = zx_json_str(m, "id");

        score(&t_st, m, json_object_get(stored, id));
        score(&t_w, m, json_object_get(weights, id));
        score(&t_mo, m, json_object_get(mo, id));
        score(&t_rd, m, json_object_get(rd, id));
        score(&t_mc, m, json_object_get(mc, id));
    }
    printf("lineage_models %zu (%zu in weight groups; LoRA adapters are "
           "attached through their adapter_config only)\n",
           json_array_size(json_object_get(truth, "models")), n_models);
    report("zoodex_stored", &t_st);
    report("weights_only_atlas", &t_w);
    report("mother", &t_mo);
    report("random_earlier", &t_rd);
    report("most_connected", &t_mc);
    for (li = 0; li < NLINK; li++) {
        double n = (double)(tp[li] + fpn[li] + fnn[li] + tn[li]);
        double a = (double)(tp[li] + fpn[li]), b = (double)(tp[li] + fnn[li]);
        double idx_e = a * b / (n ? n : 1), maxi = (a + b) / 2;
        double ari =
            maxi - idx_e != 0 ? ((double)tp[li] - idx_e) / (maxi - idx_e) : 0;

        printf("lineage_components_link_%g%s pair_precision %.3f "
               "pair_recall %.3f adjusted_rand %.3f\n",
               links[li], links[li] == 4 ? " (default)" : "",
               a ? (double)tp[li] / a : 0, b ? (double)tp[li] / b : 0, ari);
    }
    for (i = 0; i < 4; i++)
        printf("lineage_confidence_band_%s %zu/%zu right\n",
               i == 0   ? "lt0.5"
               : i == 1 ? "0.5-0.7"
               : i == 2 ? "0.7-0.9"
                        : "ge0.9",
               band_ok[i], band_n[i]);
    printf("lineage_chart_zoo_seconds %.4f s\n", t_chart);
    for (s = 100; s <= max_synth; s *= 10)
        synth(s);
    zx_txn_abort(txn);
    zx_index_close(ix);
    zx_index_close(full);
    json_decref(truth);
    json_decref(truth_by_id);
    json_decref(stored);
    json_decref(weights);
    json_decref(mo);
    json_decref(rd);
    json_decref(mc);
    json_decref(archs);
    for (i = 0; i < n_models; i++)
        free(models[i].id);
    free(models);
    return 0;
}
