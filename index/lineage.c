/* lineage.c - minimum spanning arborescences and MoTHer's edge costs.
 *
 * Chu-Liu/Edmonds, the plain O(n^3) form: pick each node's cheapest
 * in-edge; if the picks contain no cycle they are the answer; otherwise
 * contract one cycle into a super-node, re-price the edges entering it
 * (cost - cost of the cycle edge they would replace), solve the smaller
 * problem recursively and expand.  A virtual root (node n) with an edge to
 * every node at a cost above any real tree makes the root a choice of the
 * algorithm, as networkx's find_optimum(style='arborescence') does.
 * SPDX-License-Identifier: MIT */
#include "lineage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "index.h"
#include "store.h"
#include "zx_mem.h"

/* Solve on m nodes, node `root` fixed as the root; w is m x m (w[p*m+c]).
 * par[c] receives c's parent.  Returns 0, or -1 if some node cannot be
 * reached. */
static int edmonds(size_t m, size_t root, const double *w, long *par)
{
    long *best = xcalloc(m, sizeof(*best));
    long *comp = xcalloc(m, sizeof(*comp));
    long *mark = xcalloc(m, sizeof(*mark));
    size_t v, u;
    long cyc = -1;
    int rc = 0;

    for (v = 0; v < m; v++) {
        double bc = INFINITY;

        best[v] = -1;
        if (v == root)
            continue;
        for (u = 0; u < m; u++) {
            if (u != v && w[u * m + v] < bc) {
                bc = w[u * m + v];
                best[v] = (long)u;
            }
        }
        if (best[v] < 0) {
            rc = -1;
            goto out;
        }
    }
    /* Find a cycle among the picks. */
    for (v = 0; v < m; v++)
        mark[v] = -1;
    for (v = 0; v < m && cyc < 0; v++) {
        long x = (long)v;

        while (x >= 0 && (size_t)x != root && mark[x] < 0) {
            mark[x] = (long)v;
            x = best[x];
        }
        if (x >= 0 && (size_t)x != root && mark[x] == (long)v)
            cyc = x; /* x lies on a cycle found in this walk */
    }
    if (cyc < 0) {
        for (v = 0; v < m; v++)
            par[v] = best[v];
        goto out;
    }
    {
        /* Contract the cycle through cyc into one node. */
        size_t nm, i, j;
        long x, cnode;
        double *w2;
        long *par2, *in_from, *in_to, *out_to;
        char *oncyc = xcalloc(m, 1);

        x = cyc;
        do {
            oncyc[x] = 1;
            x = best[x];
        } while (x != cyc);
        /* comp[v]: v's index in the contracted graph. */
        nm = 0;
        for (v = 0; v < m; v++)
            if (!oncyc[v])
                comp[v] = (long)nm++;
        cnode = (long)nm++;
        for (v = 0; v < m; v++)
            if (oncyc[v])
                comp[v] = cnode;
        w2 = xmalloc(nm * nm * sizeof(*w2));
        in_from = xmalloc(nm * nm * sizeof(*in_from)); /* original edge */
        in_to = xmalloc(nm * nm * sizeof(*in_to));
        out_to = NULL;
        for (i = 0; i < nm * nm; i++) {
            w2[i] = INFINITY;
            in_from[i] = in_to[i] = -1;
        }
        for (u = 0; u < m; u++) {
            for (v = 0; v < m; v++) {
                double c = w[u * m + v];
                size_t cu = (size_t)comp[u], cv = (size_t)comp[v];

                if (u == v || cu == cv || !isfinite(c))
                    continue;
                if (oncyc[v]) /* entering the cycle replaces best[v] */
                    c -= w[(size_t)best[v] * m + v];
                if (c < w2[cu * nm + cv]) {
                    w2[cu * nm + cv] = c;
                    in_from[cu * nm + cv] = (long)u;
                    in_to[cu * nm + cv] = (long)v;
                }
            }
        }
        par2 = xcalloc(nm, sizeof(*par2));
        rc = edmonds(nm, (size_t)comp[root], w2, par2);
        if (!rc) {
            /* Expand: cycle edges stay, except into the node the chosen
             * entering edge reaches. */
            for (v = 0; v < m; v++)
                par[v] = oncyc[v] ? best[v] : -1;
            for (j = 0; j < nm; j++) {
                long pj = par2[j];

                if (pj < 0)
                    continue;
                par[in_to[(size_t)pj * nm + j]] =
                    in_from[(size_t)pj * nm + j];
            }
            par[root] = -1;
        }
        free(w2);
        free(in_from);
        free(in_to);
        free(out_to);
        free(par2);
        free(oncyc);
    }
out:
    free(best);
    free(comp);
    free(mark);
    return rc;
}

int zx_lineage_arborescence(size_t n, const double *cost, long *parent,
                            struct zx_error *err)
{
    size_t m = n + 1, i, j;
    double *w, big = 1.0;
    long *par;
    int rc;

    if (n == 0)
        return ZX_OK;
    w = xmalloc(m * m * sizeof(*w));
    par = xcalloc(m, sizeof(*par));
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            if (i != j && isfinite(cost[i * n + j]))
                big += fabs(cost[i * n + j]);
    for (i = 0; i < m * m; i++)
        w[i] = INFINITY;
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++)
            if (i != j)
                w[i * m + j] = cost[i * n + j];
        w[n * m + i] = big; /* the virtual root's edge to i */
    }
    rc = edmonds(m, n, w, par);
    if (rc == 0) {
        for (i = 0; i < n; i++)
            parent[i] = par[i] == (long)n ? -1 : par[i];
    }
    free(w);
    free(par);
    if (rc)
        return zx_fail(err, ZX_EFORMAT, "no spanning arborescence exists");
    return ZX_OK;
}

void zx_lineage_mother_cost(size_t n, const double *dist, const double *ku,
                            double lambda, double *out)
{
    double mean = 0;
    size_t i, j;

    for (i = 0; i < n * n; i++)
        mean += dist[i];
    mean = n ? mean / (double)(n * n) : 0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            out[i * n + j] = i == j ? INFINITY
                                    : dist[i * n + j] +
                                          (ku[j] > ku[i] ? lambda * mean : 0);
}

/* ===== Model Atlas charting ===== */

void zx_atlas_default_params(struct zx_atlas_params *p)
{
    p->k = 5;
    p->spread = 0.05;
    p->rho_pct = 60;
    p->dup_eps = 0;
    p->merge_tol = 0.1;
}

const char *zx_chart_rule_name(enum zx_chart_rule r)
{
    static const char *const names[] = {"root", "duplicate", "nearest",
                                        "snake", "fan", "merge"};

    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static int by_time(const void *a, const void *b, void *ctx)
{
    const double *created = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double tx = created[x], ty = created[y];
    int nx = isnan(tx), ny = isnan(ty);

    if (nx != ny)
        return nx - ny; /* dated models first */
    if (!nx && tx != ty)
        return tx < ty ? -1 : 1;
    return (x > y) - (x < y);
}

static double pearson(const double *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    size_t i;

    if (n < 2)
        return 0;
    for (i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    for (i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The K nearest earlier candidates of node v (positions < pos in order). */
static size_t nearest(size_t n, const double *dist, const size_t *order,
                      size_t pos, const char *eligible, size_t k, size_t v,
                      size_t *out)
{
    size_t i, m = 0, j;

    (void)n;
    for (i = 0; i < pos; i++) {
        size_t c = order[i];
        double d = dist[c * n + v];

        if (!eligible[c])
            continue;
        /* insertion into the sorted top k */
        if (m < k)
            m++;
        else if (d >= dist[out[m - 1] * n + v])
            continue;
        for (j = m - 1; j > 0 && dist[out[j - 1] * n + v] > d; j--)
            out[j] = out[j - 1];
        out[j] = c;
    }
    return m;
}

int zx_lineage_atlas(size_t n, const double *dist,
                     const struct zx_chart_node *nodes,
                     const struct zx_atlas_params *p, long *parent,
                     long *parent2, enum zx_chart_rule *rule,
                     struct zx_error *err)
{
    size_t *order = xcalloc(n + 1, sizeof(*order));
    size_t *nb = xcalloc((size_t)p->k + 1, sizeof(*nb));
    double *created = xcalloc(n + 1, sizeof(*created));
    double *corr = xcalloc(n + 1, sizeof(*corr)), *sorted;
    char *eligible = xcalloc(n + 1, 1);
    double kd[64], kt[64], rho;
    size_t i, pos, m, nc = 0;
    int pass;

    (void)err;
    for (i = 0; i < n; i++) {
        order[i] = i;
        created[i] = nodes[i].created;
        parent[i] = parent2[i] = -1;
        rule[i] = ZX_RULE_ROOT;
    }
    qsort_r(order, n, sizeof(*order), by_time, created);
    /* Pass 0 measures every node's distance/time correlation to set the
     * snake threshold; pass 1 places the nodes. */
    for (pass = 0; pass < 2; pass++) {
        memset(eligible, 0, n);
        rho = 0;
        if (pass == 1 && nc) {
            sorted = xmalloc(nc * sizeof(*sorted));
            memcpy(sorted, corr, nc * sizeof(*sorted));
            qsort(sorted, nc, sizeof(*sorted), cmp_double);
            rho = sorted[(size_t)((double)(nc - 1) * p->rho_pct / 100.0)];
            free(sorted);
        }
        for (pos = 0; pos < n; pos++) {
            size_t v = order[pos], j, dup = n;

            for (j = 0; j < pos; j++) {
                size_t c = order[j];

                if (rule[c] != ZX_RULE_DUPLICATE &&
                    dist[c * n + v] <= p->dup_eps) {
                    dup = c;
                    break;
                }
            }
            if (dup < n) {
                if (pass == 1) {
                    parent[v] = (long)dup;
                    rule[v] = ZX_RULE_DUPLICATE;
                }
                continue;
            }
            m = nearest(n, dist, order, pos, eligible,
                        (size_t)(p->k < 64 ? p->k : 64), v, nb);
            if (!nodes[v].quantized)
                eligible[v] = 1;
            if (m == 0)
                continue; /* a root */
            for (j = 0; j < m; j++) {
                kd[j] = dist[nb[j] * n + v];
                kt[j] = isnan(created[v]) || isnan(created[nb[j]])
                            ? 0 : fabs(created[v] - created[nb[j]]);
            }
            if (pass == 0) {
                if (m > 1)
                    corr[nc++] = pearson(kd, kt, m);
                continue;
            }
            if (m >= 2) {
                /* v sits at the midpoint of two of its K nearest: a merge
                 * of those two (its common ancestor may be as near, so
                 * every pair is tried, the best fit wins). */
                double best = INFINITY;
                size_t a, b, ba = 0, bb = 0;

                for (a = 0; a < m; a++) {
                    for (b = a + 1; b < m; b++) {
                        double ab = dist[nb[a] * n + nb[b]], fit;

                        if (!(ab > 0) ||
                            fabs(kd[a] - kd[b]) > p->merge_tol * ab)
                            continue;
                        fit = fabs(kd[a] + kd[b] - ab) / ab;
                        if (fit <= p->merge_tol && fit < best) {
                            best = fit;
                            ba = a;
                            bb = b;
                        }
                    }
                }
                if (isfinite(best)) {
                    parent[v] = (long)nb[ba];
                    parent2[v] = (long)nb[bb];
                    rule[v] = ZX_RULE_MERGE;
                    continue;
                }
            }
            if (m == 1 || kd[0] <= 0 ||
                (kd[m - 1] - kd[0]) / kd[0] > p->spread) {
                parent[v] = (long)nb[0];
                rule[v] = ZX_RULE_NEAREST;
            } else if (pearson(kd, kt, m) > rho) {
                parent[v] = (long)nb[0];
                rule[v] = ZX_RULE_SNAKE;
            } else {
                size_t oldest = nb[0];

                for (j = 1; j < m; j++)
                    if (!isnan(created[nb[j]]) &&
                        (isnan(created[oldest]) ||
                         created[nb[j]] < created[oldest]))
                        oldest = nb[j];
                parent[v] = (long)oldest;
                rule[v] = ZX_RULE_FAN;
            }
        }
    }
    free(order);
    free(nb);
    free(created);
    free(corr);
    free(eligible);
    return ZX_OK;
}

/* ===== Charting a group of an index ===== */

struct gvec {
    char **ids;
    float *fp;
    size_t n, cap;
};

static int gvec_cb(const struct zx_vec *v, void *arg)
{
    struct gvec *g = arg;

    if (v->dim != ZX_FP_DIM)
        return 0;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->ids = xreallocarray(g->ids, g->cap, sizeof(*g->ids));
        g->fp = xreallocarray(g->fp, g->cap, ZX_FP_DIM * sizeof(float));
    }
    g->ids[g->n] = xstrdup(v->model);
    memcpy(g->fp + g->n * ZX_FP_DIM, v->data, ZX_FP_DIM * sizeof(float));
    g->n++;
    return 0;
}

static double iso_time(const char *s)
{
    struct tm tm;
    int ms = 0;

    memset(&tm, 0, sizeof(tm));
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon,
                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                     &ms) < 6)
        return NAN;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + ms / 1000.0;
}

static int precision_rank(const char *dt)
{
    if (!dt)
        return 0;
    if (!strcmp(dt, "F64"))
        return 5;
    if (!strcmp(dt, "F32"))
        return 4;
    if (!strcmp(dt, "F16") || !strcmp(dt, "BF16"))
        return 3;
    return 1; /* 8-bit and below */
}

static size_t uf_find(size_t *up, size_t x)
{
    while (up[x] != x)
        x = up[x] = up[up[x]];
    return x;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int zx_lineage_chart_group(struct zx_index *ix, const char *arch,
                           json_t **edges, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct gvec g = {0};
    struct zx_chart_node *nodes = NULL;
    struct zx_atlas_params p;
    double *d = NULL, *nn = NULL, tau;
    size_t *up = NULL, *members = NULL, i, j, k, n;
    int *rank = NULL, best_rank = 0, counts[6] = {0};
    json_t *out = json_array();
    int rc;

    *edges = NULL;
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (!rc)
        rc = zx_store_each_vec(txn, arch, gvec_cb, &g, err);
    if (rc)
        goto out;
    n = g.n;
    nodes = xcalloc(n + 1, sizeof(*nodes));
    rank = xcalloc(n + 1, sizeof(*rank));
    for (i = 0; i < n; i++) {
        json_t *rec = NULL;

        nodes[i].created = NAN;
        if (zx_store_get_model(txn, g.ids[i], &rec, NULL) == ZX_OK) {
            nodes[i].created = iso_time(zx_json_str(
                json_object_get(rec, "hub"), "createdAt"));
            rank[i] = precision_rank(zx_json_str(rec, "dtype"));
        }
        counts[rank[i]]++;
        json_decref(rec);
    }
    for (k = 1; k < 6; k++) /* the group's usual precision */
        if (counts[k] > counts[best_rank])
            best_rank = (int)k;
    for (i = 0; i < n; i++)
        nodes[i].quantized = rank[i] && rank[i] < best_rank;
    d = xcalloc(n * n + 1, sizeof(*d));
    nn = xcalloc(n + 1, sizeof(*nn));
    for (i = 0; i < n; i++) {
        nn[i] = INFINITY;
        for (j = 0; j < n; j++) {
            double s = 0;

            for (k = 0; k < ZX_FP_DIM; k++) {
                double x = (double)g.fp[i * ZX_FP_DIM + k] -
                           g.fp[j * ZX_FP_DIM + k];

                s += x * x;
            }
            d[i * n + j] = sqrt(s);
            if (i != j && d[i * n + j] > 0 && d[i * n + j] < nn[i])
                nn[i] = d[i * n + j];
        }
    }
    /* Components: single linkage below 4x the median nearest-neighbour
     * distance (fine-tunes sit far closer to their tree than to another
     * tree; zero distances are duplicates and always join). */
    qsort(nn, n, sizeof(*nn), cmp_dbl);
    tau = n > 1 && isfinite(nn[n / 2]) ? 4 * nn[n / 2] : INFINITY;
    up = xcalloc(n + 1, sizeof(*up));
    for (i = 0; i < n; i++)
        up[i] = i;
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (d[i * n + j] <= tau)
                up[uf_find(up, i)] = uf_find(up, j);
    members = xcalloc(n + 1, sizeof(*members));
    zx_atlas_default_params(&p);
    for (i = 0; i < n; i++) {
        size_t m = 0, a, b;
        double *sub;
        struct zx_chart_node *sn;
        long *par, *par2;
        enum zx_chart_rule *rule;

        if (uf_find(up, i) != i)
            continue; /* not a component's representative */
        for (j = 0; j < n; j++)
            if (uf_find(up, j) == i)
                members[m++] = j;
        sub = xcalloc(m * m, sizeof(*sub));
        sn = xcalloc(m, sizeof(*sn));
        par = xcalloc(m, sizeof(*par));
        par2 = xcalloc(m, sizeof(*par2));
        rule = xcalloc(m, sizeof(*rule));
        for (a = 0; a < m; a++) {
            sn[a] = nodes[members[a]];
            for (b = 0; b < m; b++)
                sub[a * m + b] = d[members[a] * n + members[b]];
        }
        zx_lineage_atlas(m, sub, sn, &p, par, par2, rule, err);
        for (a = 0; a < m; a++) {
            json_t *e;

            if (par[a] < 0)
                continue;
            e = json_pack("{s:s,s:s,s:s,s:f}", "child", g.ids[members[a]],
                          "parent", g.ids[members[par[a]]], "rule",
                          zx_chart_rule_name(rule[a]), "distance",
                          sub[a * m + (size_t)par[a]]);
            if (par2[a] >= 0)
                json_object_set_new(e, "parent2",
                                    json_string(g.ids[members[par2[a]]]));
            json_array_append_new(out, e);
        }
        free(sub);
        free(sn);
        free(par);
        free(par2);
        free(rule);
    }
    *edges = out;
    out = NULL;
out:
    zx_txn_abort(txn);
    json_decref(out);
    for (i = 0; i < g.n; i++)
        free(g.ids[i]);
    free(g.ids);
    free(g.fp);
    free(nodes);
    free(rank);
    free(d);
    free(nn);
    free(up);
    free(members);
    return rc;
}
