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
