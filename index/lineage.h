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
#include "zx_json.h"

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

/* One model of a component, for Model Atlas charting. */
struct zx_chart_node {
    double created;   /* seconds (any epoch); NAN when unknown */
    int quantized;    /* lower-precision copy: never a parent */
};

struct zx_atlas_params {
    int k;            /* neighbours considered (5) */
    double spread;    /* relative spread (kd[K-1]-kd[0])/kd[0] above which
                         the nearest earlier model wins outright (0.05,
                         the Atlas paper's K_th) */
    double rho_pct;   /* snake threshold: this percentile of the nodes'
                         distance/time correlations (60) */
    double dup_eps;   /* distances at or below this are duplicates (0) */
    double merge_tol; /* midpoint test tolerance (0.1) */
};
void zx_atlas_default_params(struct zx_atlas_params *p);

/* Rule that placed a node. */
enum zx_chart_rule {
    ZX_RULE_ROOT,
    ZX_RULE_DUPLICATE,
    ZX_RULE_NEAREST,   /* clearly nearest earlier model */
    ZX_RULE_SNAKE,     /* checkpoint chain: nearest earlier model */
    ZX_RULE_FAN,       /* sweep: the oldest of the K nearest */
    ZX_RULE_MERGE,     /* midpoint of two earlier models */
};
const char *zx_chart_rule_name(enum zx_chart_rule r);

/* Greedy Model Atlas charting of one component (Horwitz et al., App. C-D
 * of arXiv 2503.10633v2, as summarised in methods.md 4(a)): models are
 * placed in order of creation; a model at distance <= dup_eps from an
 * earlier one is its duplicate; quantized models are never parents; among
 * the K nearest earlier candidates a clear winner (relative spread above
 * `spread`) is the parent, otherwise a checkpoint chain (distance grows
 * with time difference: correlation above the rho_pct percentile) takes
 * the nearest and a sweep takes the oldest; a model at the midpoint of its
 * two nearest candidates gets both as parents.  Models without a creation
 * time are placed after the dated ones, in index order.
 * dist is n x n symmetric.  parent[i] / parent2[i] get the parents (-1 for
 * none), rule[i] the rule used.  Returns ZX_OK. */
int zx_lineage_atlas(size_t n, const double *dist,
                     const struct zx_chart_node *nodes,
                     const struct zx_atlas_params *p, long *parent,
                     long *parent2, enum zx_chart_rule *rule,
                     struct zx_error *err);

struct zx_index;

/* Chart the weight group `arch` of an index: components by single linkage
 * at 4x the median nearest-neighbour distance, then zx_lineage_atlas() in
 * each, with creation times from the Hub records (hub.createdAt) and
 * "quantized" = a lower precision than the group's usual dtype.  *edges:
 * an owned array of {"child","parent","parent2"?,"rule","distance"} for
 * every model that got a parent.  Returns ZX_OK or a store error. */
int zx_lineage_chart_group(struct zx_index *ix, const char *arch,
                           json_t **edges, struct zx_error *err);

#endif
