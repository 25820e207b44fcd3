/* lineage.c - see lineage.h.
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

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desc.h"
#include "index.h"
#include "store.h"
#include "zx_hash.h"
#include "zx_linalg.h"
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
                par[in_to[(size_t)pj * nm + j]] = in_from[(size_t)pj * nm + j];
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
            out[i * n + j] =
                i == j ? INFINITY
                       : dist[i * n + j] + (ku[j] > ku[i] ? lambda * mean : 0);
}

/* ===== Model Atlas charting ===== */

void zx_atlas_default_params(struct zx_atlas_params *p)
{
    p->k = 5;
    p->spread = 0.05;
    p->rho_pct = 60;
    p->dup_eps = 0;
    p->merge_tol = 0.1;
    p->merge_resid = 0.5;
    p->link = 4;
    p->method = ZX_CHART_ATLAS;
    p->lambda = 0.3;
}

const char *zx_chart_rule_name(enum zx_chart_rule r)
{
    static const char *const names[] = {"root",     "duplicate", "nearest",
                                        "snake",    "fan",       "merge",
                                        "declared", "mother"};

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

/* Confidence of a placement by the K nearest distances kd[0..m-1]: the
 * relative gap g = (kd[1] - kd[0]) / kd[1] between the chosen parent and
 * the runner-up, mapped through g / (g + 0.1) (0 at no gap, 1/2 at a 10%
 * gap).  A clear nearest parent scores 0.5..1, a checkpoint chain 0.35..
 * 0.65, a sweep (the oldest of equals: the gap says nothing) 0.35; a lone
 * earlier candidate 0.6.  bench_lineage reports how often each band is
 * right. */
static double confidence(enum zx_chart_rule r, const double *kd, size_t m)
{
    double g, s;

    if (m < 2)
        return 0.6;
    g = kd[1] > 0 ? (kd[1] - kd[0]) / kd[1] : 0;
    s = g / (g + 0.1);
    switch (r) {
    case ZX_RULE_NEAREST:
        return 0.5 + 0.5 * s;
    case ZX_RULE_SNAKE:
        return 0.35 + 0.3 * s;
    case ZX_RULE_FAN:
        return 0.35;
    default:
        return 1;
    }
}

/* 1 when v is an ancestor of c through the parents placed so far (known
 * parents included).  mark/stack: n-sized scratch; *gen is bumped so mark
 * need not be cleared. */
static int reaches(size_t n, const long *parent, const long *parent2, size_t c,
                   size_t v, unsigned *mark, unsigned *gen, size_t *stack)
{
    size_t top = 0;

    ++*gen;
    stack[top++] = c;
    mark[c] = *gen;
    while (top) {
        size_t x = stack[--top];
        long ps[2];
        int k;

        if (x == v)
            return 1;
        ps[0] = parent[x];
        ps[1] = parent2[x];
        for (k = 0; k < 2; k++)
            if (ps[k] >= 0 && (size_t)ps[k] < n && mark[ps[k]] != *gen) {
                mark[ps[k]] = *gen;
                stack[top++] = (size_t)ps[k];
            }
    }
    return 0;
}

/* The K nearest earlier candidates of node v (positions < pos in order)
 * that are not its descendants (a documented parent may be placed after
 * its child: a model must not become its own ancestor). */
static size_t nearest(size_t n, const double *dist, const size_t *order,
                      size_t pos, const char *eligible, size_t k, size_t v,
                      const long *parent, const long *parent2, unsigned *mark,
                      unsigned *gen, size_t *stack, size_t *out)
{
    size_t i, m = 0, j;

    for (i = 0; i < pos; i++) {
        size_t c = order[i];
        double d = dist[c * n + v];

        if (!eligible[c])
            continue;
        if (m == k && d >= dist[out[m - 1] * n + v])
            continue;
        if (reaches(n, parent, parent2, c, v, mark, gen, stack))
            continue;
        /* insertion into the sorted top k */
        if (m < k)
            m++;
        for (j = m - 1; j > 0 && dist[out[j - 1] * n + v] > d; j--)
            out[j] = out[j - 1];
        out[j] = c;
    }
    return m;
}

int zx_lineage_atlas(size_t n, const double *dist, const float *vec, size_t dim,
                     const struct zx_chart_node *nodes,
                     const struct zx_atlas_params *p, long *parent,
                     long *parent2, enum zx_chart_rule *rule, double *conf,
                     struct zx_error *err)
{
    size_t *order = xcalloc(n + 1, sizeof(*order));
    size_t *nb = xcalloc((size_t)p->k + 1, sizeof(*nb));
    double *created = xcalloc(n + 1, sizeof(*created));
    double *corr = xcalloc(n + 1, sizeof(*corr)), *sorted;
    char *eligible = xcalloc(n + 1, 1);
    unsigned *mark = xcalloc(n + 1, sizeof(*mark)), gen = 0;
    size_t *stack = xcalloc(2 * n + 2, sizeof(*stack));
    double kd[64], kt[64], rho;
    size_t i, pos, m, nc = 0;
    int pass;

    (void)err;
    for (i = 0; i < n; i++) {
        order[i] = i;
        created[i] = nodes[i].created;
        parent[i] = parent2[i] = -1;
        rule[i] = ZX_RULE_ROOT;
        if (conf)
            conf[i] = 1;
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
                    dist[c * n + v] <= p->dup_eps &&
                    !reaches(n, parent, parent2, c, v, mark, &gen, stack)) {
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
            /* A documented parent (after duplicates: a re-upload often
             * copies its original's card, parent included). */
            if (nodes[v].known >= 0 && (size_t)nodes[v].known < n &&
                (size_t)nodes[v].known != v) {
                if (pass == 1) {
                    parent[v] = nodes[v].known;
                    if (nodes[v].known2 >= 0 && (size_t)nodes[v].known2 < n)
                        parent2[v] = nodes[v].known2;
                    rule[v] = ZX_RULE_DECLARED;
                }
                if (!nodes[v].quantized)
                    eligible[v] = 1;
                continue;
            }
            m = nearest(n, dist, order, pos, eligible,
                        (size_t)(p->k < 64 ? p->k : 64), v, parent, parent2,
                        mark, &gen, stack, nb);
            if (!nodes[v].quantized)
                eligible[v] = 1;
            if (m == 0)
                continue; /* a root */
            for (j = 0; j < m; j++) {
                kd[j] = dist[nb[j] * n + v];
                kt[j] = isnan(created[v]) || isnan(created[nb[j]])
                            ? 0
                            : fabs(created[v] - created[nb[j]]);
            }
            if (pass == 0) {
                if (m > 1)
                    corr[nc++] = pearson(kd, kt, m);
                continue;
            }
            if (m >= 2 && vec && !nodes[v].quantized) {
                /* Descriptors at hand: v is a merge of the pair of its K
                 * nearest whose average it matches far better than it
                 * matches its nearest, r = max |x_v - (x_a + x_b) / 2| <
                 * merge_resid * kd[0].  A quantized copy is never a merge
                 * (under L-infinity it also sits "between" its original
                 * and the original's neighbours). */
                double best = INFINITY;
                size_t a, b, ba = 0, bb = 0, e;

                for (a = 0; a < m; a++)
                    for (b = a + 1; b < m; b++) {
                        const float *xa = vec + nb[a] * dim;
                        const float *xb = vec + nb[b] * dim;
                        const float *xv = vec + v * dim;
                        double r = 0;

                        for (e = 0; e < dim && r < best; e++) {
                            double x = fabs((double)xv[e] -
                                            ((double)xa[e] + xb[e]) / 2);

                            if (x > r)
                                r = x;
                        }
                        if (r < best) {
                            best = r;
                            ba = a;
                            bb = b;
                        }
                    }
                if (best < p->merge_resid * kd[0]) {
                    parent[v] = (long)nb[ba];
                    parent2[v] = (long)nb[bb];
                    rule[v] = ZX_RULE_MERGE;
                    if (conf)
                        conf[v] =
                            0.5 + 0.4 * (1 - best / (p->merge_resid * kd[0]));
                    continue;
                }
            } else if (m >= 2 && !vec) {
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
                    if (conf)
                        conf[v] = 0.5 + 0.4 * (1 - best / p->merge_tol);
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
            if (conf)
                conf[v] = confidence(rule[v], kd, m);
        }
    }
    free(order);
    free(nb);
    free(created);
    free(corr);
    free(eligible);
    free(mark);
    free(stack);
    return ZX_OK;
}

/* ===== Components and charting of fingerprints ===== */

#define BLOCK 256

/* Exact squared distance of two rows, in double. */
static double exact_d2(const float *a, const float *b, size_t dim)
{
    double s = 0;
    size_t k;

    for (k = 0; k < dim; k++) {
        double x = (double)a[k] - b[k];

        s += x * x;
    }
    return s;
}

/* Squared distance from an SGEMM block entry; entries that rounding may
 * have blurred (tiny against the norms) are recomputed exactly, so equal
 * rows give exactly 0. */
static double block_d2(float v, const float *a, const float *b, float an2,
                       float bn2, size_t dim)
{
    if (v <= 1e-4f * (an2 + bn2))
        return exact_d2(a, b, dim);
    return v;
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

void zx_lineage_components(size_t n, size_t dim, const float *fp,
                           const struct zx_atlas_params *p, size_t *comp,
                           size_t *n_comp, double *tau_out)
{
    float *n2 = xcalloc(n + 1, sizeof(*n2));
    float *blk = xcalloc(BLOCK * n + 1, sizeof(*blk));
    double *nn = xcalloc(n + 1, sizeof(*nn)), tau = INFINITY, t2;
    size_t *up = xcalloc(n + 1, sizeof(*up)), *label;
    size_t i0, a, j, nf = 0, k = 0;
    int pass;

    zx_linalg_row_sqnorms(fp, n, dim, n2);
    for (j = 0; j < n; j++) {
        up[j] = j;
        nn[j] = INFINITY;
    }
    /* Pass 0: every model's nearest non-identical neighbour; pass 1: join
     * pairs within tau (and identical pairs). */
    for (pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            for (j = 0; j < n; j++)
                if (isfinite(nn[j]))
                    nn[nf++] = nn[j];
            qsort(nn, nf, sizeof(*nn), cmp_dbl);
            if (nf)
                tau = p->link * sqrt(nn[nf / 2]);
        }
        t2 = tau * tau;
        for (i0 = 0; i0 < n; i0 += BLOCK) {
            size_t nb = n - i0 < BLOCK ? n - i0 : BLOCK;

            zx_linalg_sqdist_block(fp + i0 * dim, nb, n2 + i0, fp, n, n2, dim,
                                   blk);
            for (a = 0; a < nb; a++) {
                size_t i = i0 + a;

                for (j = pass ? i + 1 : 0; j < n; j++) {
                    double d2;

                    if (j == i)
                        continue;
                    d2 = block_d2(blk[a * n + j], fp + i * dim, fp + j * dim,
                                  n2[i], n2[j], dim);
                    if (pass == 0 && d2 > 0 && d2 < nn[i])
                        nn[i] = d2;
                    else if (pass == 1 && (d2 == 0 || d2 <= t2))
                        up[uf_find(up, i)] = uf_find(up, j);
                }
            }
        }
    }
    label = xcalloc(n + 1, sizeof(*label));
    for (j = 0; j < n; j++)
        label[j] = (size_t)-1;
    for (j = 0; j < n; j++) {
        size_t r = uf_find(up, j);

        if (label[r] == (size_t)-1)
            label[r] = k++;
        comp[j] = label[r];
    }
    *n_comp = k;
    if (tau_out)
        *tau_out = tau;
    free(n2);
    free(blk);
    free(nn);
    free(up);
    free(label);
}

/* MoTHer on one component: merged cost, minimum arborescence.  Confidence:
 * how much cheaper the chosen in-edge is than the node's next cheapest,
 * mapped as in confidence(). */
static int mother(size_t m, const double *dist,
                  const struct zx_chart_node *nodes, double lambda, long *par,
                  long *par2, enum zx_chart_rule *rule, double *conf,
                  struct zx_error *err)
{
    double *ku = xcalloc(m + 1, sizeof(*ku));
    double *cost = xcalloc(m * m + 1, sizeof(*cost));
    size_t a, b;
    int rc;

    for (a = 0; a < m; a++)
        ku[a] = isnan(nodes[a].kurtosis) ? 0 : nodes[a].kurtosis;
    zx_lineage_mother_cost(m, dist, ku, lambda, cost);
    rc = m ? zx_lineage_arborescence(m, cost, par, err) : ZX_OK;
    for (a = 0; a < m && !rc; a++) {
        double best = INFINITY, next = INFINITY, g;

        par2[a] = -1;
        rule[a] = par[a] >= 0 ? ZX_RULE_MOTHER : ZX_RULE_ROOT;
        for (b = 0; b < m; b++) {
            double c = cost[b * m + a];

            if (b == a)
                continue;
            if (c < best) {
                next = best;
                best = c;
            } else if (c < next) {
                next = c;
            }
        }
        g = isfinite(next) && next > 0 ? (next - best) / next : 0;
        conf[a] = par[a] >= 0 ? 0.5 * g / (g + 0.1) + 0.25 : 1;
    }
    free(ku);
    free(cost);
    return rc;
}

/* zx_lineage_chart() over components already found: comp[i] in 0..nc-1. */
static int chart_components(size_t n, size_t dim, const float *fp,
                            const float *lfp, size_t ldim, const char *has_lfp,
                            const size_t *comp, size_t nc,
                            const struct zx_chart_node *nodes,
                            const struct zx_atlas_params *p,
                            struct zx_chart_out *out, struct zx_error *err)
{
    size_t *members = xcalloc(n + 1, sizeof(*members));
    size_t *local = xcalloc(n + 1, sizeof(*local));
    size_t *start = NULL, *count = NULL, c, i;
    int rc = ZX_OK;

    /* Bucket the members of each component, in index order. */
    start = xcalloc(nc + 1, sizeof(*start));
    count = xcalloc(nc + 1, sizeof(*count));
    for (i = 0; i < n; i++)
        count[comp[i]]++;
    for (c = 1; c <= nc; c++)
        start[c] = start[c - 1] + count[c - 1];
    memset(count, 0, (nc + 1) * sizeof(*count));
    for (i = 0; i < n; i++) {
        local[i] = count[comp[i]];
        members[start[comp[i]] + count[comp[i]]++] = i;
    }
    for (c = 0; c < nc && !rc; c++) {
        size_t m = count[c], a, b, *mem = members + start[c];
        float *rows = xmalloc(m * dim * sizeof(*rows) + 1);
        float *rn2 = xmalloc(m * sizeof(*rn2) + 1);
        float *blk = xmalloc(m * m * sizeof(*blk) + 1);
        double *sub = xmalloc(m * m * sizeof(*sub) + 1);
        double *cf = xmalloc(m * sizeof(*cf) + 1);
        struct zx_chart_node *sn = xcalloc(m + 1, sizeof(*sn));
        long *par = xcalloc(m + 1, sizeof(*par));
        long *par2 = xcalloc(m + 1, sizeof(*par2));
        enum zx_chart_rule *rule = xcalloc(m + 1, sizeof(*rule));
        float *lrows = NULL;
        int all_l;

        for (a = 0; a < m; a++) {
            long kn = nodes[mem[a]].known, kn2 = nodes[mem[a]].known2;

            memcpy(rows + a * dim, fp + mem[a] * dim, dim * sizeof(*rows));
            sn[a] = nodes[mem[a]];
            sn[a].known = kn >= 0 && (size_t)kn < n && comp[kn] == c
                              ? (long)local[kn]
                              : -1;
            sn[a].known2 = sn[a].known >= 0 && kn2 >= 0 && (size_t)kn2 < n &&
                                   comp[kn2] == c
                               ? (long)local[kn2]
                               : -1;
        }
        for (a = 0, all_l = lfp != NULL && ldim > 0; a < m && all_l; a++)
            all_l = has_lfp[mem[a]];
        if (all_l) { /* lineage descriptors: L-infinity */
            lrows = xmalloc(m * ldim * sizeof(*lrows) + 1);
            for (a = 0; a < m; a++)
                memcpy(lrows + a * ldim, lfp + mem[a] * ldim,
                       ldim * sizeof(*lrows));
            for (a = 0; a < m; a++) {
                sub[a * m + a] = 0;
                for (b = a + 1; b < m; b++)
                    sub[a * m + b] = sub[b * m + a] = zx_desc_lfp_distance(
                        lrows + a * ldim, lrows + b * ldim, (uint32_t)ldim);
            }
        } else { /* fingerprints only: L2 */
            zx_linalg_row_sqnorms(rows, m, dim, rn2);
            zx_linalg_sqdist_block(rows, m, rn2, rows, m, rn2, dim, blk);
            for (a = 0; a < m; a++)
                for (b = 0; b < m; b++)
                    sub[a * m + b] =
                        a == b ? 0
                               : sqrt(block_d2(blk[a * m + b], rows + a * dim,
                                               rows + b * dim, rn2[a], rn2[b],
                                               dim));
            for (a = 0; a < m; a++) /* symmetric despite rounding */
                for (b = a + 1; b < m; b++)
                    sub[b * m + a] = sub[a * m + b];
        }
        if (p->method == ZX_CHART_MOTHER)
            rc = mother(m, sub, sn, p->lambda, par, par2, rule, cf, err);
        else
            rc = zx_lineage_atlas(m, sub, lrows, all_l ? ldim : 0, sn, p, par,
                                  par2, rule, cf, err);
        for (a = 0; a < m && !rc; a++) {
            struct zx_chart_out *o = out + mem[a];

            o->comp = c;
            o->parent = par[a] >= 0 ? (long)mem[par[a]] : -1;
            o->parent2 = par2[a] >= 0 ? (long)mem[par2[a]] : -1;
            o->rule = rule[a];
            o->conf = par[a] >= 0 ? cf[a] : 1;
            o->distance = par[a] >= 0 ? sub[a * m + (size_t)par[a]] : NAN;
            o->distance2 = par2[a] >= 0 ? sub[a * m + (size_t)par2[a]] : NAN;
            o->linf = all_l;
        }
        free(lrows);
        free(rows);
        free(rn2);
        free(blk);
        free(sub);
        free(cf);
        free(sn);
        free(par);
        free(par2);
        free(rule);
    }
    free(members);
    free(local);
    free(start);
    free(count);
    return rc;
}

int zx_lineage_chart(size_t n, size_t dim, const float *fp, const float *lfp,
                     size_t ldim, const char *has_lfp,
                     const struct zx_chart_node *nodes,
                     const struct zx_atlas_params *p, struct zx_chart_out *out,
                     size_t *n_comp, double *tau, struct zx_error *err)
{
    size_t *comp = xcalloc(n + 1, sizeof(*comp)), nc = 0;
    int rc;

    zx_lineage_components(n, dim, fp, p, comp, &nc, tau);
    rc = chart_components(n, dim, fp, lfp, ldim, has_lfp, comp, nc, nodes, p,
                          out, err);
    if (n_comp)
        *n_comp = nc;
    free(comp);
    return rc;
}

/* ===== Groups of an index ===== */

/* The chartable models of one group: fingerprints, records, nodes. */
struct group {
    char **ids;
    json_t **recs;
    json_t *adapters; /* {id: record} of the group's adapter models */
    float *lfp;       /* n x ldim lineage descriptors */
    char *has_lfp;    /* has_lfp[i]: model i has one of this version */
    size_t ldim;
    float *fp; /* n x ZX_FP_DIM fingerprints */
    struct zx_chart_node *nodes;
    size_t n, cap;
    size_t fp_cap; /* floats */
    struct zx_txn *txn;
    int rc;
    struct zx_error *err;
};

static int group_cb(const struct zx_vec *v, void *arg)
{
    struct group *g = arg;
    json_t *rec = NULL;

    if (v->dim != ZX_FP_DIM)
        return 0;
    if (zx_store_get_model(g->txn, v->model, &rec, NULL) != ZX_OK)
        return 0; /* a vector without a record: verify reports it */
    if (json_object_get(json_object_get(rec, ZX_REC_META), "adapter")) {
        /* adapter weights are an update, not a model: not charted */
        if (!g->adapters)
            g->adapters = json_object();
        json_object_set_new(g->adapters, v->model, rec);
        return 0;
    }
    ZX_GROW(g->n + 1, g->cap, g->ids, g->recs);
    ZX_GROW((g->n + 1) * ZX_FP_DIM, g->fp_cap, g->fp);
    g->ids[g->n] = xstrdup(v->model);
    g->recs[g->n] = rec;
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
                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
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

static void group_free(struct group *g)
{
    size_t i;

    for (i = 0; i < g->n; i++) {
        free(g->ids[i]);
        json_decref(g->recs[i]);
    }
    free(g->ids);
    free(g->recs);
    free(g->fp);
    free(g->nodes);
    free(g->lfp);
    free(g->has_lfp);
    json_decref(g->adapters);
}

static int cmp_id(const void *a, const void *b, void *ctx)
{
    char **ids = ctx;

    return strcmp(ids[*(const size_t *)a], ids[*(const size_t *)b]);
}

static long find_id(const struct group *g, const size_t *by_id, const char *id)
{
    size_t lo = 0, hi = g->n;

    while (id && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(g->ids[by_id[mid]], id);

        if (!c)
            return (long)by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Load group `arch` in txn and set up its chart nodes (no known parents). */
static int group_load(struct zx_txn *txn, const char *arch, struct group *g,
                      struct zx_error *err)
{
    int counts[6] = {0}, best = 0, *rank;
    size_t i;
    int rc;

    memset(g, 0, sizeof(*g));
    g->txn = txn;
    g->err = err;
    rc = zx_store_each_vec(txn, arch, group_cb, g, err);
    if (rc)
        return rc;
    g->nodes = xcalloc(g->n + 1, sizeof(*g->nodes));
    rank = xcalloc(g->n + 1, sizeof(*rank));
    for (i = 0; i < g->n; i++) {
        g->nodes[i].created = iso_time(zx_json_str(
            json_object_get(g->recs[i], ZX_REC_HUB), ZX_HUB_CREATED));
        g->nodes[i].known = g->nodes[i].known2 = -1;
        g->nodes[i].kurtosis =
            json_integer_value(
                json_object_get(g->recs[i], ZX_REC_KURTOSIS_LAYERS)) > 0
                ? json_number_value(
                      json_object_get(g->recs[i], ZX_REC_KURTOSIS))
                : NAN;
        rank[i] = precision_rank(zx_json_str(g->recs[i], ZX_REC_DTYPE));
        counts[rank[i]]++;
    }
    for (i = 1; i < 6; i++) /* the group's usual precision */
        if (counts[i] > counts[best])
            best = (int)i;
    for (i = 0; i < g->n; i++)
        g->nodes[i].quantized = rank[i] && rank[i] < best;
    free(rank);
    /* Lineage descriptors of this descriptor version, all of one length
     * (a group shares its tensor table, so they agree). */
    g->has_lfp = xcalloc(g->n + 1, 1);
    for (i = 0; i < g->n; i++) {
        uint32_t ver, dim;
        const void *v;

        rc = zx_store_get_lfp(txn, g->ids[i], &ver, &v, &dim, err);
        if (rc == ZX_ENOTFOUND)
            continue;
        if (rc)
            return rc;
        if (ver != ZX_DESC_VERSION || !dim || dim > ZX_LFP_DIM ||
            (g->ldim && dim != g->ldim))
            continue;
        if (!g->lfp) {
            g->ldim = dim;
            g->lfp = xcalloc(g->n * dim + 1, sizeof(float));
        }
        memcpy(g->lfp + i * g->ldim, v, dim * sizeof(float));
        g->has_lfp[i] = 1;
    }
    return ZX_OK;
}

int zx_lineage_chart_group(struct zx_index *ix, const char *arch,
                           enum zx_chart_method method, json_t **edges,
                           struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct group g;
    struct zx_atlas_params p;
    struct zx_chart_out *co = NULL;
    json_t *out = json_array();
    size_t i;
    int rc;

    *edges = NULL;
    memset(&g, 0, sizeof(g));
    rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);
    if (!rc)
        rc = group_load(txn, arch, &g, err);
    if (rc)
        goto out;
    zx_atlas_default_params(&p);
    p.method = method;
    co = xcalloc(g.n + 1, sizeof(*co));
    rc = zx_lineage_chart(g.n, ZX_FP_DIM, g.fp, g.lfp, g.ldim, g.has_lfp,
                          g.nodes, &p, co, NULL, NULL, err);
    for (i = 0; i < g.n && !rc; i++) {
        json_t *e;

        if (co[i].parent < 0)
            continue;
        e = json_pack("{s:s,s:s,s:s,s:f,s:s,s:f}", ZX_EDGE_CHILD, g.ids[i],
                      ZX_EDGE_PARENT, g.ids[co[i].parent], "rule",
                      zx_chart_rule_name(co[i].rule), "distance",
                      co[i].distance, "metric", co[i].linf ? "linf" : "l2",
                      ZX_EDGE_CONFIDENCE, co[i].conf);
        if (co[i].parent2 >= 0)
            json_object_set_new(e, "parent2",
                                json_string(g.ids[co[i].parent2]));
        json_array_append_new(out, e);
    }
    if (!rc) {
        *edges = out;
        out = NULL;
    }
out:
    zx_txn_abort(txn);
    json_decref(out);
    free(co);
    group_free(&g);
    return rc;
}

/* ===== Stored inferred edges ===== */

/* Bump when charting changes: every component's key changes with it, so
 * the next update charts everything again. */
#define CHART_VERSION "zx-atlas-1"

static const char *relation_of(const struct zx_chart_out *o,
                               const struct zx_chart_node *nd)
{
    if (o->rule == ZX_RULE_DUPLICATE)
        return "duplicate";
    if (o->rule == ZX_RULE_MERGE)
        return "merge";
    return nd->quantized ? "quantized" : "finetune";
}

static const char *kurtosis_order(json_t *child, json_t *parent)
{
    json_t *kc = json_object_get(child, ZX_REC_KURTOSIS);
    json_t *kp = json_object_get(parent, ZX_REC_KURTOSIS);

    if (!json_is_number(kc) || !json_is_number(kp) ||
        json_integer_value(json_object_get(child, ZX_REC_KURTOSIS_LAYERS)) <=
            0 ||
        json_integer_value(json_object_get(parent, ZX_REC_KURTOSIS_LAYERS)) <=
            0)
        return "unknown";
    return json_number_value(kp) >= json_number_value(kc) ? "parent-higher"
                                                          : "child-higher";
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return zx_hash64(s ? s : "", s ? strlen(s) + 1 : 1, h);
}

/* Content key of a component: its members (sorted by id) with what
 * charting reads of them. */
static void component_key(const struct group *g, size_t *mem, size_t m,
                          char hex[17])
{
    uint64_t h = hash_str(0, CHART_VERSION);
    size_t a;

    qsort_r(mem, m, sizeof(*mem), cmp_id, g->ids);
    for (a = 0; a < m; a++) {
        json_t *r = g->recs[mem[a]];
        json_t *dpj = json_object_get(r, ZX_REC_DECLARED_PARENTS);
        char *dp = dpj ? zx_json_dump(dpj) : xstrdup("");

        h = hash_str(h, g->ids[mem[a]]);
        h = hash_str(h, zx_json_str(r, ZX_REC_WEIGHTS_DIGEST));
        h = hash_str(
            h, zx_json_str(json_object_get(r, ZX_REC_HUB), ZX_HUB_CREATED));
        h = hash_str(h, zx_json_str(r, ZX_REC_DTYPE));
        h = hash_str(h, dp);
        free(dp);
    }
    snprintf(hex, 17, "%016llx", (unsigned long long)h);
}

struct keys {
    char **k;
    size_t n, cap;
};

static void keys_add(struct keys *ks, const char *k)
{
    ZX_GROW(ks->n + 1, ks->cap, ks->k);
    ks->k[ks->n++] = xstrdup(k);
}

static int keys_has(const struct keys *ks, const char *k)
{
    size_t i;

    for (i = 0; i < ks->n; i++)
        if (!strcmp(ks->k[i], k))
            return 1;
    return 0;
}

static void keys_free(struct keys *ks)
{
    size_t i;

    for (i = 0; i < ks->n; i++)
        free(ks->k[i]);
    free(ks->k);
}

static int state_key_cb(const char *key, const char *val, void *arg)
{
    (void)val;
    keys_add(arg, key);
    return 0;
}

static double fp_dist(const struct group *g, size_t a, size_t b)
{
    return zx_desc_distance(g->fp + a * ZX_FP_DIM, g->fp + b * ZX_FP_DIM);
}

/* 1 when a record has a fingerprint (a backbone, so a weight group). */
static int has_vector(const json_t *rec)
{
    int64_t vid = 0;

    return zx_json_int(rec, ZX_REC_VID, &vid) && vid > 0;
}

/* Why the weights contradict model i's declared edge e, or NULL. */
static char *contradiction(struct zx_txn *txn, const char *arch,
                           const struct group *g, const size_t *by_id, size_t i,
                           json_t *e, double tau)
{
    const char *parent = zx_json_str(e, ZX_EDGE_PARENT);
    const char *rel = zx_json_str(e, ZX_EDGE_RELATION);
    long pid = find_id(g, by_id, parent);
    json_t *prec = NULL;
    char *why = NULL;

    if (rel && !strcmp(rel, "adapter"))
        return NULL;
    if (pid >= 0) {
        double d = fp_dist(g, i, (size_t)pid);

        if (d > tau)
            why = xasprintf("the weights are %.4g apart, beyond this "
                            "group's linkage threshold %.4g: not the same "
                            "model tree",
                            d, tau);
    } else if (rel && !strcmp(rel, "finetune") &&
               zx_store_get_model(txn, parent, &prec, NULL) == ZX_OK &&
               has_vector(prec) && zx_json_str(prec, ZX_REC_ARCH) &&
               strcmp(zx_json_str(prec, ZX_REC_ARCH), arch) != 0 &&
               !json_object_get(json_object_get(prec, ZX_REC_META),
                                "adapter")) {
        why = xasprintf("the declared parent has another backbone "
                        "(group %s, this model %s)",
                        zx_json_str(prec, ZX_REC_ARCH), arch);
    }
    json_decref(prec);
    return why;
}

/* Replace model i's inferred edges by the chart's and re-check its
 * declared ones. */
static int rewrite_edges(struct zx_txn *txn, const char *arch,
                         const struct group *g, const size_t *by_id, size_t i,
                         const struct zx_chart_out *co, double tau,
                         struct zx_lineage_stats *st, struct zx_error *err)
{
    const char *id = g->ids[i];
    json_t *parents = NULL, *e, *declared = json_object();
    long pp[2];
    size_t k;
    int rc = zx_store_parents(txn, id, &parents, err);

    if (rc)
        goto out;
    json_array_foreach(parents, k, e)
    {
        const char *parent = zx_json_str(e, ZX_EDGE_PARENT);
        const char *prov = zx_json_str(e, ZX_EDGE_PROVENANCE);
        json_t *info;
        char *why;

        if (prov && !strcmp(prov, "inferred")) {
            rc = zx_store_del_edge(txn, id, parent, err);
            if (rc && rc != ZX_ENOTFOUND)
                goto out;
            rc = ZX_OK;
            continue;
        }
        info = json_pack("{s:O,s:O,s:s,s:f}", ZX_EDGE_RELATION,
                         json_object_get(e, ZX_EDGE_RELATION), ZX_EDGE_SOURCE,
                         json_object_get(e, ZX_EDGE_SOURCE), ZX_EDGE_PROVENANCE,
                         "declared", ZX_EDGE_CONFIDENCE, 1.0);
        why = contradiction(txn, arch, g, by_id, i, e, tau);
        /* Which of two identical models is the copy is known only from
         * their creation times. */
        if (!why && co[i].rule == ZX_RULE_DUPLICATE && co[i].parent >= 0 &&
            !isnan(g->nodes[i].created) &&
            !isnan(g->nodes[co[i].parent].created) &&
            strcmp(g->ids[co[i].parent], parent) != 0)
            why = xasprintf("the weights are identical to %s's: a copy, "
                            "whose card names its original's parent",
                            g->ids[co[i].parent]);
        if (why) {
            json_object_set_new(info, ZX_EDGE_CONTRADICTION, json_string(why));
            json_object_set_new(info, ZX_EDGE_CONFIDENCE, json_real(0.5));
            if (st)
                st->contradictions++;
            free(why);
        }
        json_object_set_new(declared, parent, info);
    }
    pp[0] = co[i].parent;
    pp[1] = co[i].parent2;
    for (k = 0; k < 2 && co[i].rule != ZX_RULE_DECLARED; k++) {
        json_t *ev, *info;

        if (pp[k] < 0)
            continue;
        ev = json_pack("{s:s,s:s,s:f,s:s,s:s}", "method", "atlas", "rule",
                       zx_chart_rule_name(co[i].rule), "distance",
                       k ? co[i].distance2 : co[i].distance, "metric",
                       co[i].linf ? "linf" : "l2", "kurtosis",
                       kurtosis_order(g->recs[i], g->recs[pp[k]]));
        info = json_object_get(declared, g->ids[pp[k]]);
        if (info) { /* the weights agree with the card */
            json_object_set_new(info, ZX_EDGE_PROVENANCE, json_string("both"));
            json_object_set_new(info, ZX_EDGE_EVIDENCE, ev);
            json_object_set_new(info, ZX_EDGE_CONFIDENCE, json_real(1.0));
            json_object_del(info, ZX_EDGE_CONTRADICTION);
        } else {
            info = json_pack("{s:s,s:s,s:f,s:o}", ZX_EDGE_RELATION,
                             relation_of(&co[i], &g->nodes[i]),
                             ZX_EDGE_PROVENANCE, "inferred", ZX_EDGE_CONFIDENCE,
                             co[i].conf, ZX_EDGE_EVIDENCE, ev);
            json_object_set_new(declared, g->ids[pp[k]], info);
        }
        if (st)
            st->edges++;
    }
    {
        const char *parent;

        json_object_foreach(declared, parent, e)
        {
            rc = zx_store_put_edge(txn, id, parent, e, err);
            if (rc)
                goto out;
        }
    }
out:
    json_decref(parents);
    json_decref(declared);
    return rc;
}

/* Check a LoRA adapter's declared base against the adapter's weights: every
 * updated layer must exist in the base with the update's shape (when the
 * base's tensor table is known, i.e. it was ingested from its files).
 * The evidence records the updates' numerical ranks (LAPACK SVD). */
static int adapter_edges(struct zx_txn *txn, const char *id, json_t *rec,
                         struct zx_lineage_stats *st, struct zx_error *err)
{
    json_t *parents = NULL, *e, *lora = json_object_get(rec, "lora");
    size_t k;
    int rc = zx_store_parents(txn, id, &parents, err);

    json_array_foreach(parents, k, e)
    {
        const char *parent = zx_json_str(e, ZX_EDGE_PARENT);
        const char *rel = zx_json_str(e, ZX_EDGE_RELATION);
        json_t *prec = NULL, *tens, *l, *info, *ev;
        const char *shapes = "unknown";
        char *why = NULL;
        size_t j;

        if (rc || !rel || strcmp(rel, "adapter") ||
            !strcmp(zx_json_str(e, ZX_EDGE_PROVENANCE), "inferred"))
            continue;
        if (zx_store_get_model(txn, parent, &prec, NULL) == ZX_OK &&
            (tens = json_object_get(prec, ZX_REC_TENSORS)) && lora) {
            shapes = "fit";
            json_array_foreach(json_object_get(lora, "layers"), j, l)
            {
                const char *t = zx_json_str(l, "target");
                json_t *bt = json_object_get(tens, t);

                if (!bt || !json_equal(json_object_get(bt, "shape"),
                                       json_object_get(l, "shape"))) {
                    char *want = zx_json_dump(json_object_get(l, "shape"));

                    why = xasprintf("the adapter updates '%s' with shape %s, "
                                    "which the declared base %s",
                                    t, want,
                                    bt ? "has with another shape"
                                       : "does not have");
                    free(want);
                    shapes = "misfit";
                    break;
                }
            }
        }
        ev = json_pack("{s:s,s:s,s:s}", "method", "lora", "rule", "lora",
                       "shapes", shapes);
        if (lora) {
            json_object_set(ev, "rank_max", json_object_get(lora, "rank_max"));
            json_object_set(ev, "delta_fro",
                            json_object_get(lora, "delta_fro"));
        }
        info = json_deep_copy(e);
        json_object_del(info, ZX_EDGE_PARENT);
        json_object_set_new(info, ZX_EDGE_EVIDENCE, ev);
        json_object_del(info, ZX_EDGE_CONTRADICTION);
        json_object_set_new(info, ZX_EDGE_CONFIDENCE,
                            json_real(why ? 0.5 : 1.0));
        if (why) {
            json_object_set_new(info, ZX_EDGE_CONTRADICTION, json_string(why));
            st->contradictions++;
        }
        rc = zx_store_put_edge(txn, id, parent, info, err);
        json_decref(info);
        json_decref(prec);
        free(why);
    }
    json_decref(parents);
    return rc;
}

/* State key "chart:<arch>" and its value for generation gen. */
static char *chart_key(const char *arch, int64_t gen, char val[24])
{
    snprintf(val, 24, "%" PRId64, gen);
    return xasprintf(ZX_STATE_CHART "%s", arch);
}

int zx_lineage_charted(struct zx_txn *txn, const char *arch, int64_t gen)
{
    char want[24], *key = chart_key(arch, gen, want), *val = NULL;
    int yes =
        zx_store_get_state(txn, key, &val, NULL) == ZX_OK && !strcmp(val, want);

    free(key);
    free(val);
    return yes;
}

static const char *const pending_keys[] = {"components", "recharted", "edges",
                                           "contradictions"};

/* Record what charting the group `arch` did (now - before) in its
 * "lineage:pending:<arch>" counts, in the transaction that commits the
 * group's chart, replacing what an earlier chart of the group left there:
 * an update that is killed between groups leaves them for the next update,
 * which goes on from there and so records what one whole update would
 * have, each group counted once (its last chart). */
static int put_pending(struct zx_txn *txn, const char *arch,
                       const struct zx_lineage_stats *now,
                       const struct zx_lineage_stats *before, int all,
                       struct zx_error *err)
{
    const size_t add[] = {now->components - before->components,
                          now->recharted - before->recharted,
                          now->edges - before->edges,
                          now->contradictions - before->contradictions};
    char *key = xasprintf(ZX_STATE_LINEAGE_PENDING ":%s", arch), *v;
    json_t *j = json_object();
    size_t i;
    int rc;

    for (i = 0; i < 4; i++)
        json_object_set_new(j, pending_keys[i],
                            json_integer((json_int_t)add[i]));
    if (all)
        json_object_set_new(j, "all", json_true());
    v = zx_json_dump(j);
    rc = zx_store_put_state(txn, key, v, err);
    free(v);
    free(key);
    json_decref(j);
    return rc;
}

static int update_group(struct zx_index *ix, const char *arch, int64_t gen,
                        int all, struct zx_lineage_stats *st,
                        struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct group g;
    struct zx_atlas_params p;
    struct zx_chart_out *co = NULL;
    struct keys old = {0}, cur = {0};
    size_t *by_id = NULL, *comp = NULL, *mem = NULL, nc = 0, i, j, c;
    char genval[24], *skey = chart_key(arch, gen, genval);
    double tau = INFINITY;
    struct zx_lineage_stats before = *st;
    int rc;

    memset(&g, 0, sizeof(g));
    rc = zx_txn_begin(zx_index_store(ix), 1, &txn, err);
    if (rc)
        goto out;
    if (!all && zx_lineage_charted(txn, arch, gen))
        goto out; /* nothing changed in this group */
    rc = group_load(txn, arch, &g, err);
    if (rc)
        goto out;
    by_id = xcalloc(g.n + 1, sizeof(*by_id));
    for (i = 0; i < g.n; i++)
        by_id[i] = i;
    qsort_r(by_id, g.n, sizeof(*by_id), cmp_id, g.ids);
    zx_atlas_default_params(&p);
    comp = xcalloc(g.n + 1, sizeof(*comp));
    zx_lineage_components(g.n, ZX_FP_DIM, g.fp, &p, comp, &nc, &tau);
    /* Documented parents in the same component, not contradicted by the
     * weights, are known parents. */
    for (i = 0; i < g.n; i++) {
        json_t *e;
        size_t k;

        json_array_foreach(json_object_get(g.recs[i], ZX_REC_DECLARED_PARENTS),
                           k, e)
        {
            long pid = find_id(&g, by_id, zx_json_str(e, ZX_EDGE_PARENT));
            const char *rel = zx_json_str(e, ZX_EDGE_RELATION);

            if (pid >= 0 && (size_t)pid != i && comp[pid] == comp[i] &&
                !(rel && !strcmp(rel, "adapter")) &&
                fp_dist(&g, i, (size_t)pid) <= tau) {
                if (g.nodes[i].known < 0) {
                    g.nodes[i].known = pid;
                } else if (pid != g.nodes[i].known) { /* a merge */
                    g.nodes[i].known2 = pid;
                    break;
                }
            }
        }
    }
    co = xcalloc(g.n + 1, sizeof(*co));
    rc = chart_components(g.n, ZX_FP_DIM, g.fp, g.lfp, g.ldim, g.has_lfp, comp,
                          nc, g.nodes, &p, co, err);
    if (rc)
        goto out;
    {
        char *prefix = xasprintf(ZX_STATE_CHART "%s:", arch);

        rc = zx_store_each_state(txn, prefix, state_key_cb, &old, err);
        free(prefix);
        if (rc)
            goto out;
    }
    mem = xcalloc(g.n + 1, sizeof(*mem));
    for (c = 0; c < nc; c++) {
        size_t m = 0;
        char hex[17], *key;

        for (i = 0; i < g.n; i++)
            if (co[i].comp == c)
                mem[m++] = i;
        component_key(&g, mem, m, hex);
        key = xasprintf(ZX_STATE_CHART "%s:%s", arch, hex);
        keys_add(&cur, key);
        if (st)
            st->components++;
        if (all || !keys_has(&old, key)) {
            if (st)
                st->recharted++;
            for (j = 0; j < m && !rc; j++)
                rc = rewrite_edges(txn, arch, &g, by_id, mem[j], co, tau, st,
                                   err);
        }
        free(key);
        if (rc)
            goto out;
    }
    {
        const char *aid;
        json_t *arec;

        json_object_foreach(g.adapters, aid, arec)
        {
            if (rc)
                break;
            rc = adapter_edges(txn, aid, arec, st, err);
        }
    }
    for (i = 0; i < old.n && !rc; i++)
        if (!keys_has(&cur, old.k[i])) {
            rc = zx_store_del_state(txn, old.k[i], err);
            rc = rc == ZX_ENOTFOUND ? ZX_OK : rc; /* gone is gone */
        }
    for (i = 0; i < cur.n && !rc; i++)
        if (!keys_has(&old, cur.k[i]))
            rc = zx_store_put_state(txn, cur.k[i], "1", err);
    if (!rc)
        rc = zx_store_put_state(txn, skey, genval, err);
    if (!rc)
        rc = put_pending(txn, arch, st, &before, all, err);
    if (!rc) {
        rc = zx_txn_commit(txn, err);
        txn = NULL;
    }
out:
    zx_txn_abort(txn);
    keys_free(&old);
    keys_free(&cur);
    free(by_id);
    free(comp);
    free(mem);
    free(co);
    free(skey);
    group_free(&g);
    return rc;
}

struct glist {
    char **arch;
    int64_t *gen;
    size_t n, cap;
};

static int glist_cb(const char *arch, json_t *rec, void *arg)
{
    struct glist *l = arg;
    int64_t gen = 0;

    zx_json_int(rec, ZX_GROUP_GEN, &gen);
    ZX_GROW(l->n + 1, l->cap, l->arch, l->gen);
    l->arch[l->n] = xstrdup(arch);
    l->gen[l->n++] = gen;
    return 0;
}

struct pending {
    char **key, **val;
    size_t n, cap;
};

static int pending_cb(const char *key, const char *val, void *arg)
{
    struct pending *p = arg;

    ZX_GROW(p->n + 1, p->cap, p->key, p->val);
    p->key[p->n] = xstrdup(key);
    p->val[p->n++] = xstrdup(val);
    return 0;
}

/* Turn the counts that charting gathered in "lineage:pending:<group>" (in
 * this update, and in an earlier one that was killed before it ended)
 * into "lineage:last", with the groups looked at and the time, and delete
 * them all.  A value that cannot be read (a damaged store) is left out of
 * the sum and deleted too; the others still count (*unreadable says how
 * many were left out; "lineage:last" then says so in "pending_unreadable"). */
static int finish_pending(struct zx_index *ix, size_t groups, int all,
                          size_t *unreadable, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct pending p = {0};
    char *v = NULL, when[32];
    int64_t sum[4] = {0, 0, 0, 0};
    time_t t = time(NULL);
    struct tm tm;
    size_t i, k;
    int rc = zx_txn_begin(zx_index_store(ix), 1, &txn, err);

    *unreadable = 0;
    if (rc)
        return rc;
    /* (the prefix also finds the single "lineage:pending" of older
     * versions, summed the same way) */
    rc =
        zx_store_each_state(txn, ZX_STATE_LINEAGE_PENDING, pending_cb, &p, err);
    for (i = 0; i < p.n && !rc; i++) {
        json_t *j = NULL;
        int64_t n[4] = {0, 0, 0, 0};
        int good = zx_json_parse(p.val[i], strlen(p.val[i]), (size_t)-1,
                                 p.key[i], &j, NULL) == ZX_OK &&
                   json_is_object(j);

        for (k = 0; k < 4 && good; k++) {
            json_t *x = json_object_get(j, pending_keys[k]);

            good = json_is_integer(x) && json_integer_value(x) >= 0;
            n[k] = good ? (int64_t)json_integer_value(x) : 0;
        }
        if (good) {
            for (k = 0; k < 4; k++)
                sum[k] += n[k];
            all |= json_is_true(json_object_get(j, "all"));
        } else {
            ++*unreadable;
        }
        json_decref(j);
    }
    if (!rc && sum[0] > 0) {
        json_t *last = json_pack("{s:I}", "groups", (json_int_t)groups);

        for (k = 0; k < 4; k++)
            json_object_set_new(last, pending_keys[k],
                                json_integer((json_int_t)sum[k]));
        json_object_set_new(last, "all", json_boolean(all));
        if (*unreadable) /* shown by `zoodex stats --json` */
            json_object_set_new(last, "pending_unreadable",
                                json_integer((json_int_t)*unreadable));
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(last, "time", json_string(when));
        v = zx_json_dump(last);
        json_decref(last);
        rc = zx_store_put_state(txn, ZX_STATE_LINEAGE_LAST, v, err);
    }
    for (i = 0; i < p.n && !rc; i++) {
        rc = zx_store_del_state(txn, p.key[i], err);
        rc = rc == ZX_ENOTFOUND ? ZX_OK : rc; /* gone is gone */
    }
    if (!rc && p.n + (sum[0] > 0) == 0)
        zx_txn_abort(txn); /* nothing charted: nothing to write */
    else if (!rc)
        rc = zx_txn_commit(txn, err);
    else
        zx_txn_abort(txn);
    for (i = 0; i < p.n; i++) {
        free(p.key[i]);
        free(p.val[i]);
    }
    free(p.key);
    free(p.val);
    free(v);
    return rc;
}

int zx_lineage_update(struct zx_index *ix, int all,
                      struct zx_lineage_stats *stp, struct zx_error *err)
{
    struct zx_txn *txn = NULL;
    struct zx_lineage_stats mine, *st = stp ? stp : &mine;
    struct glist l = {0};
    size_t i;
    int rc = zx_txn_begin(zx_index_store(ix), 0, &txn, err);

    memset(st, 0, sizeof(*st));
    if (!rc)
        rc = zx_store_each_group(txn, glist_cb, &l, err);
    zx_txn_abort(txn);
    txn = NULL;
    for (i = 0; i < l.n && !rc; i++) {
        st->groups++;
        rc = update_group(ix, l.arch[i], l.gen[i], all, st, err);
    }
    if (!rc) /* for `zoodex stats` */
        rc = finish_pending(ix, st->groups, all, &st->pending_unreadable, err);
    for (i = 0; i < l.n; i++)
        free(l.arch[i]);
    free(l.arch);
    free(l.gen);
    return rc;
}
