/* bench_lineage.c - lineage recovery on the ground-truth zoo.
 *
 * Reads an index built from fixtures/lineage/zoo (full descriptors) and
 * fixtures/lineage/TRUTH.json (true parents, createdAt), charts every
 * weight group with the Model Atlas method and with MoTHer, and reports
 * directed-edge accuracy (true edges whose child got that parent) against
 * two baselines measured in the same run: a random earlier model, and
 * attach-to-most-connected.  LoRA adapters are not in any weight group
 * (their tensors are adapters), so they are left out and counted.
 * usage: bench_lineage DBDIR TRUTH.json */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "index.h"
#include "lineage.h"
#include "store.h"
#include "zx_log.h"
#include "zx_mem.h"

struct node {
    char *id;
    float fp[ZX_FP_DIM];
    double created, ku;
    int quantized;
    json_t *truth;     /* borrowed from TRUTH.json */
};

struct group {
    char arch[17];
    struct node *v;
    size_t n, cap;
};

static struct group groups[16];
static size_t rule_n[8], rule_ok[8];
static size_t n_groups;
static json_t *truth_by_id;

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

static int vec_cb(const struct zx_vec *v, void *arg)
{
    struct zx_txn *txn = arg;
    struct group *g = NULL;
    json_t *rec = NULL, *t;
    struct node *nd;
    size_t i;

    for (i = 0; i < n_groups; i++)
        if (!strcmp(groups[i].arch, v->arch))
            g = &groups[i];
    if (!g) {
        if (n_groups == 16)
            return 0;
        g = &groups[n_groups++];
        snprintf(g->arch, sizeof(g->arch), "%s", v->arch);
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->v = xreallocarray(g->v, g->cap, sizeof(*g->v));
    }
    nd = &g->v[g->n++];
    memset(nd, 0, sizeof(*nd));
    nd->id = xstrdup(v->model);
    memcpy(nd->fp, v->data, sizeof(nd->fp));
    t = json_object_get(truth_by_id, v->model);
    nd->truth = t;
    nd->created = iso_seconds(zx_json_str(t, "createdAt"));
    if (zx_store_get_model(txn, v->model, &rec, NULL) == 0) {
        const char *dt = zx_json_str(rec, "dtype");

        nd->ku = json_number_value(json_object_get(rec, "kurtosis"));
        nd->quantized = dt && strcmp(dt, "F32") != 0;
        json_decref(rec);
    }
    return 0;
}

static long find(struct group *g, const char *id)
{
    size_t i;

    for (i = 0; i < g->n; i++)
        if (!strcmp(g->v[i].id, id))
            return (long)i;
    return -1;
}

/* Count true edges of g's models (child in g) and how many the prediction
 * got: par/par2 per node. */
static void score(struct group *g, const long *par, const long *par2,
                  size_t *edges, size_t *right)
{
    size_t i, j;

    for (i = 0; i < g->n; i++) {
        json_t *ps = json_object_get(g->v[i].truth, "parents"), *p;

        json_array_foreach(ps, j, p) {
            long want = find(g, json_string_value(p));

            (*edges)++;
            if (want >= 0 && (par[i] == want || par2[i] == want))
                (*right)++;
        }
    }
}

int main(int argc, char **argv)
{
    struct zx_error err = {0};
    struct zx_index *ix = NULL;
    struct zx_txn *txn = NULL;
    json_t *truth = NULL, *m;
    size_t i, gi, e_at = 0, r_at = 0, e_mo = 0, r_mo = 0, e_rd = 0, r_rd = 0;
    size_t e_mc = 0, r_mc = 0, ft_e = 0, ft_r = 0, total_true = 0;
    size_t outside = 0;
    double t_at = 0, t_mo = 0;

    if (argc < 3)
        return 2;
    if (zx_json_load_file(argv[2], 16 << 20, &truth, &err) ||
        zx_index_open(argv[1], ZX_INDEX_READ, &ix, &err) ||
        zx_txn_begin(zx_index_store(ix), 0, &txn, &err)) {
        fprintf(stderr, "bench_lineage: %s\n", err.msg);
        return 1;
    }
    truth_by_id = json_object();
    json_array_foreach(json_object_get(truth, "models"), i, m) {
        json_object_set(truth_by_id, zx_json_str(m, "id"), m);
        total_true += json_array_size(json_object_get(m, "parents"));
    }
    zx_store_each_vec(txn, NULL, vec_cb, txn, &err);
    for (gi = 0; gi < n_groups; gi++) {
        struct group *g = &groups[gi];
        size_t n = g->n, a, b, k;
        double *d = xcalloc(n * n, sizeof(*d)), *cost = xcalloc(n * n, 8);
        double *ku = xcalloc(n, sizeof(*ku)), t0;
        long *par = xcalloc(n, sizeof(long)), *par2 = xcalloc(n, sizeof(long));
        enum zx_chart_rule *rule = xcalloc(n, sizeof(*rule));
        struct zx_chart_node *nodes = xcalloc(n, sizeof(*nodes));
        struct zx_atlas_params p;
        size_t *deg;

        double scale[ZX_FP_DIM];

        /* ZX_LINEAGE_NORM=1: weigh every coordinate by 1/std across the
         * group (each coordinate counts the same however much it moves). */
        for (k = 0; k < ZX_FP_DIM; k++) {
            double mu = 0, var = 0;

            for (a = 0; a < n; a++)
                mu += g->v[a].fp[k];
            mu /= (double)n;
            for (a = 0; a < n; a++)
                var += (g->v[a].fp[k] - mu) * (g->v[a].fp[k] - mu);
            var /= (double)n;
            scale[k] = getenv("ZX_LINEAGE_NORM") && var > 0 ? 1 / sqrt(var)
                                                            : 1;
        }
        for (a = 0; a < n; a++) {
            for (b = 0; b < n; b++) {
                double s = 0;

                for (k = 0; k < ZX_FP_DIM; k++) {
                    double x = ((double)g->v[a].fp[k] - g->v[b].fp[k]) *
                               scale[k];

                    s += x * x;
                }
                d[a * n + b] = sqrt(s);
            }
            nodes[a].created = g->v[a].created;
            nodes[a].quantized = g->v[a].quantized;
            ku[a] = isnan(g->v[a].ku) ? 0 : g->v[a].ku;
        }
        /* Model Atlas */
        zx_atlas_default_params(&p);
        if (getenv("ZX_ATLAS_SPREAD"))
            p.spread = atof(getenv("ZX_ATLAS_SPREAD"));
        if (getenv("ZX_ATLAS_K"))
            p.k = atoi(getenv("ZX_ATLAS_K"));
        t0 = zx_now();
        zx_lineage_atlas(n, d, nodes, &p, par, par2, rule, &err);
        t_at += zx_now() - t0;
        score(g, par, par2, &e_at, &r_at);
        for (a = 0; a < n; a++) {
            json_t *ps = json_object_get(g->v[a].truth, "parents");
            long want = json_array_size(ps)
                            ? find(g, json_string_value(json_array_get(ps, 0)))
                            : -1;

            rule_n[rule[a]]++;
            if (want == par[a] || (want >= 0 && want == par2[a]))
                rule_ok[rule[a]]++;
        }
        {
            size_t e0 = 0, r0 = 0;

            for (a = 0; a < n; a++) { /* full fine-tunes only */
                const char *kind = zx_json_str(g->v[a].truth, "kind");
                json_t *ps = json_object_get(g->v[a].truth, "parents");

                if (!kind || strcmp(kind, "finetune"))
                    continue;
                e0++;
                if (json_array_size(ps) &&
                    find(g, json_string_value(json_array_get(ps, 0))) ==
                        par[a])
                    r0++;
            }
            ft_e += e0;
            ft_r += r0;
        }
        /* MoTHer: distance + kurtosis direction, arborescence */
        t0 = zx_now();
        zx_lineage_mother_cost(n, d, ku, 0.3, cost);
        if (zx_lineage_arborescence(n, cost, par, &err) == 0) {
            for (a = 0; a < n; a++)
                par2[a] = -1;
            t_mo += zx_now() - t0;
            score(g, par, par2, &e_mo, &r_mo);
        }
        /* Random earlier model */
        srand(42);
        for (a = 0; a < n; a++) {
            size_t cand = 0;

            par[a] = par2[a] = -1;
            for (b = 0; b < n; b++)
                if (nodes[b].created < nodes[a].created)
                    cand++;
            if (cand) {
                size_t pick = (size_t)rand() % cand;

                for (b = 0; b < n; b++)
                    if (nodes[b].created < nodes[a].created && pick-- == 0)
                        par[a] = (long)b;
            }
        }
        score(g, par, par2, &e_rd, &r_rd);
        /* Attach to the most connected earlier model (Atlas "majority") */
        deg = xcalloc(n, sizeof(*deg));
        for (a = 0; a < n; a++) {
            long best = -1;

            for (b = 0; b < n; b++)
                if (nodes[b].created < nodes[a].created &&
                    (best < 0 || deg[b] > deg[best] ||
                     (deg[b] == deg[best] &&
                      nodes[b].created < nodes[best].created)))
                    best = (long)b;
            par[a] = best;
            par2[a] = -1;
            if (best >= 0)
                deg[best]++;
        }
        score(g, par, par2, &e_mc, &r_mc);
        free(deg);
        free(d);
        free(cost);
        free(ku);
        free(par);
        free(par2);
        free(rule);
        free(nodes);
    }
    outside = total_true - e_at;
    printf("lineage_groups %zu\n", n_groups);
    printf("lineage_true_edges_in_groups %zu (of %zu; %zu are LoRA edges or "
           "cross-group)\n", e_at, total_true, outside);
    printf("lineage_acc_atlas %.3f (%zu/%zu)\n", (double)r_at / e_at, r_at,
           e_at);
    printf("lineage_acc_atlas_full_finetunes %.3f (%zu/%zu)\n",
           (double)ft_r / ft_e, ft_r, ft_e);
    for (i = 0; i < 6; i++)
        printf("lineage_atlas_rule_%s %zu/%zu right\n",
               zx_chart_rule_name((enum zx_chart_rule)i), rule_ok[i],
               rule_n[i]);
    printf("lineage_acc_mother %.3f (%zu/%zu)\n", (double)r_mo / e_mo, r_mo,
           e_mo);
    printf("lineage_acc_random_earlier %.3f\n", (double)r_rd / e_rd);
    printf("lineage_acc_most_connected %.3f\n", (double)r_mc / e_mc);
    printf("lineage_atlas_seconds %.4f s\n", t_at);
    printf("lineage_mother_seconds %.4f s\n", t_mo);
    zx_txn_abort(txn);
    zx_index_close(ix);
    json_decref(truth);
    json_decref(truth_by_id);
    return 0;
}
