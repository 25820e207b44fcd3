/* lineage.h - model trees inferred from weights, and the stored edges.
 *
 * Layers, bottom up:
 *   - graph algorithms on a dense n x n cost matrix: Chu-Liu/Edmonds
 *     minimum spanning arborescence and MoTHer's edge cost (distance plus
 *     a kurtosis-direction penalty);
 *   - Model Atlas charting of one component (zx_lineage_atlas) and of a
 *     set of models (zx_lineage_chart: components by fingerprint, then
 *     Atlas or MoTHer per component on L-infinity distances between
 *     lineage descriptors);
 *   - over an index: charting one weight group on demand (`lineage
 *     --infer`) and zx_lineage_update(), which keeps the stored inferred
 *     edges current after every flush, re-charting only the components
 *     that changed, and checks declared edges (and adapters) against the
 *     weights.
 * Matrices are row-major: cost[p * n + c] is the cost of the edge p -> c
 * (p the parent).  INFINITY marks a forbidden edge.
 * Threads: none; the update runs in the index's writer.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_LINEAGE_H
#define ZX_LINEAGE_H
#include <stddef.h>
#include <stdint.h>

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
    double created;  /* seconds (any epoch); NAN when unknown */
    int quantized;   /* lower-precision copy: never a parent */
    long known;      /* a documented parent (index into the same node
                        array), or -1: placed there, as the Atlas does
                        with known parents */
    long known2;     /* a second documented parent (a merge), or -1 */
    double kurtosis; /* MoTHer's direction signal; NAN when unknown */
};

enum zx_chart_method {
    ZX_CHART_ATLAS = 0, /* Model Atlas greedy charting (the default) */
    ZX_CHART_MOTHER,    /* MoTHer: distance + lambda x kurtosis direction,
                           Chu-Liu/Edmonds; no priors, no merges */
};

struct zx_atlas_params {
    int k;              /* neighbours considered (5) */
    double spread;      /* relative spread (kd[K-1]-kd[0])/kd[0] above which
                           the nearest earlier model wins outright (0.05,
                           the Atlas paper's K_th) */
    double rho_pct;     /* snake threshold: this percentile of the nodes'
                           distance/time correlations (60) */
    double dup_eps;     /* distances at or below this are duplicates (0) */
    double merge_tol;   /* midpoint test tolerance (0.1), distances only */
    double merge_resid; /* with descriptors: a merge when the pair's
                           average is within merge_resid x the nearest
                           distance, in L-infinity (0.5) */
    double link;        /* components: single linkage at link x the median
                           nearest-neighbour distance of the fingerprints
                           (4: on the ground-truth zoo every factor from 4 to
                           16 recovers the trees exactly and 3 splits some;
                           in the demo zoo fixtures/zoo the two BERT families
                           sit 4.3 medians apart, so 4 is the one factor
                           right on both) */
    enum zx_chart_method method; /* per component (ZX_CHART_ATLAS) */
    double lambda;               /* MoTHer's direction weight (0.3) */
};
void zx_atlas_default_params(struct zx_atlas_params *p);

/* Rule that placed a node. */
enum zx_chart_rule {
    ZX_RULE_ROOT,
    ZX_RULE_DUPLICATE,
    ZX_RULE_NEAREST,  /* clearly nearest earlier model */
    ZX_RULE_SNAKE,    /* checkpoint chain: nearest earlier model */
    ZX_RULE_FAN,      /* sweep: the oldest of the K nearest */
    ZX_RULE_MERGE,    /* midpoint of two earlier models */
    ZX_RULE_DECLARED, /* a documented parent, taken as known */
    ZX_RULE_MOTHER,   /* MoTHer's minimum arborescence (method mother) */
};
const char *zx_chart_rule_name(enum zx_chart_rule r);

/* Greedy Model Atlas charting of one component (Horwitz et al., App. C-D
 * of arXiv 2503.10633v2, as summarised in methods.md 4(a)): models are
 * placed in order of creation; a model with a known parent gets it; a
 * model at distance <= dup_eps from an earlier one is its duplicate;
 * quantized models are never parents; among the K nearest earlier
 * candidates a clear winner (relative spread above `spread`) is the
 * parent, otherwise a checkpoint chain (distance grows with time
 * difference: correlation above the rho_pct percentile) takes the nearest
 * and a sweep takes the oldest; a model at the midpoint of its two
 * nearest candidates gets both as parents.  Models without a creation
 * time are placed after the dated ones, in index order.
 * dist is n x n symmetric.  vec (n x dim, may be NULL) holds the nodes'
 * lineage descriptors: with them the merge test compares v with the
 * average of two candidates (merge_resid), without them it tests the
 * distances for a midpoint (merge_tol).
 * parent[i] / parent2[i] get the parents (-1 for
 * none), rule[i] the rule used and conf[i] (may be NULL) a confidence in
 * [0, 1]: 1 for duplicates and known parents, otherwise growing with the
 * margin between the chosen parent and the runner-up (see lineage.c).
 * Returns ZX_OK. */
int zx_lineage_atlas(size_t n, const double *dist, const float *vec, size_t dim,
                     const struct zx_chart_node *nodes,
                     const struct zx_atlas_params *p, long *parent,
                     long *parent2, enum zx_chart_rule *rule, double *conf,
                     struct zx_error *err);

/* Components of n fingerprints (row-major n x dim): single linkage at
 * p->link x the median nearest-neighbour distance (zero distances, i.e.
 * duplicates, are left out of the median and always join).  comp[i] gets
 * a component label in 0..*n_comp-1, labels numbered by first member;
 * *tau the linkage threshold (INFINITY for n < 2).  Distances come from
 * blocked SGEMMs: O(n^2 dim) time, O(n) memory beyond a block. */
void zx_lineage_components(size_t n, size_t dim, const float *fp,
                           const struct zx_atlas_params *p, size_t *comp,
                           size_t *n_comp, double *tau);

/* One node's place after charting. */
struct zx_chart_out {
    size_t comp;          /* component label */
    long parent, parent2; /* -1 for none */
    enum zx_chart_rule rule;
    double conf;      /* [0, 1] */
    double distance;  /* to parent, NAN for roots */
    double distance2; /* to parent2, NAN without one */
    int linf;         /* 1: distances are L-infinity between lineage
                         descriptors, 0: L2 between fingerprints */
};

/* Chart n models: components by their fingerprints fp (n x dim, L2), then
 * zx_lineage_atlas() in each, on the L-infinity distances of the lineage
 * descriptors lfp (n x ldim) when every member of the component has one
 * (has_lfp[i]; lfp may be NULL), else on the fingerprints.  The nodes'
 * `known` parents are honoured only inside a component. */
int zx_lineage_chart(size_t n, size_t dim, const float *fp, const float *lfp,
                     size_t ldim, const char *has_lfp,
                     const struct zx_chart_node *nodes,
                     const struct zx_atlas_params *p, struct zx_chart_out *out,
                     size_t *n_comp, double *tau, struct zx_error *err);

struct zx_index;

/* Chart the weight group `arch` of an index without storing anything
 * (what-if view) with `method`: models with adapter weights are left out,
 * creation times
 * come from the Hub records (hub.createdAt), "quantized" means a lower
 * precision than the group's usual dtype; declared parents are not used.
 * *edges: an owned array of {"child","parent","parent2"?,"rule",
 * "distance","confidence"} for every model that got a parent.  Returns
 * ZX_OK or a store error. */
int zx_lineage_chart_group(struct zx_index *ix, const char *arch,
                           enum zx_chart_method method, json_t **edges,
                           struct zx_error *err);

/* State keys (store.h's state table, zoodex-store(5)): "chart:" then a
 * group's arch holds the generation it was last charted at, and "chart:"
 * arch ":" 16 hex digits marks a charted component; "lineage:last" holds
 * the JSON counts of the last update that charted anything, which
 * `zoodex stats` shows. */
#define ZX_STATE_CHART "chart:"
#define ZX_STATE_LINEAGE_LAST "lineage:last"
/* "lineage:pending:" then a group's arch: what the last chart of that
 * group by an update that has not finished did (the counts of
 * "lineage:last" without groups and time), replaced when the group is
 * charted again; the update's end sums them into "lineage:last" and
 * deletes them. */
#define ZX_STATE_LINEAGE_PENDING "lineage:pending"

/* What zx_lineage_update() did. */
struct zx_lineage_stats {
    size_t groups;             /* groups looked at */
    size_t components;         /* components in those groups */
    size_t recharted;          /* components charted again */
    size_t edges;              /* inferred edges written */
    size_t contradictions;     /* declared edges flagged */
    size_t pending_unreadable; /* "lineage:pending:" values that could not
                                  be read (left out of "lineage:last") */
};

/* Bring the stored inferred edges up to date (index opened for writing).
 * For every group whose generation changed since it was last charted (all
 * groups when `all`), components are recomputed and only those whose
 * content changed -- members, their weights digests, creation times,
 * dtypes or declared parents -- are charted again: their members' inferred
 * edges are replaced (an inferred edge equal to a declared one makes it
 * "both"), and their declared edges are checked against the weights (a
 * declared parent beyond the linkage threshold, or a fine-tune parent
 * with another backbone, is flagged "contradiction").  Declared parents
 * inside a component that are not contradicted are taken as known, as
 * the Model Atlas does.  One write transaction per group.  Edge records:
 * see zoodex-store(5).  Returns ZX_OK or a store error. */
int zx_lineage_update(struct zx_index *ix, int all, struct zx_lineage_stats *st,
                      struct zx_error *err);

struct zx_txn;

/* 1 when zx_lineage_update() last charted group `arch` at generation gen
 * (so its stored inferred edges are current), else 0. */
int zx_lineage_charted(struct zx_txn *txn, const char *arch, int64_t gen);

#endif
