/* lineage.h - inferring model trees from weights (MoTHer, issue 4).
 *
 * This part holds the graph algorithms on a dense n x n cost matrix:
 * Chu-Liu/Edmonds minimum spanning arborescence, and MoTHer's edge cost
 * (distance plus a kurtosis-direction penalty).  Charting a store's
 * components and the `lineage --infer` queries build on these.
 * Matrices are row-major: cost[p * n + c] is the cost of the edge p -> c
 * (p the parent).  INFINITY marks a forbidden edge.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_LINEAGE_H
#define ZX_LINEAGE_H
#include <stddef.h>

#include "zx_err.h"

/* Minimum-cost spanning arborescence over all n nodes with a root chosen
 * by the algorithm (a virtual root joins every node at a cost above any
 * real tree, so exactly one node becomes the root).  parent[i] gets i's
 * parent, -1 for the root.  Returns ZX_OK, or ZX_EFORMAT when no spanning
 * arborescence exists (some node has only forbidden in-edges... and is not
 * the root).  O(n^3) time, O(n^2) memory: meant for components of up to a
 * few thousand models. */
int zx_lineage_arborescence(size_t n, const double *cost, long *parent,
                            struct zx_error *err);

/* MoTHer's merged matrix (Horwitz et al., MDST.py): for p != c,
 * out[p,c] = dist[p,c] + lambda * mean(dist) * [ku[c] > ku[p]], where the
 * mean runs over all n*n entries (diagonal included) and the diagonal of
 * out is INFINITY.  In fine-tuning a parent has the higher kurtosis, so an
 * edge towards a higher-kurtosis child is penalised.  The published lambda
 * is 0.3. */
void zx_lineage_mother_cost(size_t n, const double *dist, const double *ku,
                            double lambda, double *out);

#endif
