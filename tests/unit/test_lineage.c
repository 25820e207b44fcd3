/* test_lineage.c - Chu-Liu/Edmonds against brute force; MoTHer's costs. */
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "lineage.h"

static uint64_t rs = 0x2545f4914f6cdd1dull;

static double urand(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (double)(rs >> 11) / 9007199254740992.0;
}

/* Cost of a parent array, or INFINITY when it is not one spanning tree
 * with exactly one root. */
static double tree_cost(size_t n, const double *c, const long *par)
{
    double total = 0;
    size_t i, roots = 0;

    for (i = 0; i < n; i++) {
        size_t steps = 0;
        long x = (long)i;

        if (par[i] < 0) {
            roots++;
            continue;
        }
        total += c[(size_t)par[i] * n + i];
        while (x >= 0 && steps <= n) {
            x = par[x];
            steps++;
        }
        if (steps > n)
            return INFINITY; /* a cycle */
    }
    return roots == 1 ? total : INFINITY;
}

static double brute(size_t n, const double *c)
{
    long par[8];
    double best = INFINITY;
    size_t i, combos = 1;
    size_t k;

    for (i = 0; i < n; i++)
        combos *= n; /* each node: parent in 0..n-1, itself meaning root */
    for (k = 0; k < combos; k++) {
        size_t x = k;
        double t;

        for (i = 0; i < n; i++) {
            size_t p = x % n;

            x /= n;
            par[i] = p == i ? -1 : (long)p;
        }
        t = tree_cost(n, c, par);
        if (t < best)
            best = t;
    }
    return best;
}

static void chain(void)
{
    double c[9] = {INFINITY, 1, 5, 9, INFINITY, 1, 9, 9, INFINITY};
    long par[3];

    CHECK_INT(zx_lineage_arborescence(3, c, par, NULL), ==, 0);
    CHECK_INT(par[0], ==, -1);
    CHECK_INT(par[1], ==, 0);
    CHECK_INT(par[2], ==, 1);
}

static void cycle_is_broken_optimally(void)
{
    /* 1 <-> 2 are each other's cheapest parents; 0 must enter the cycle at
     * the node where that costs least. */
    double c[9] = {INFINITY, 10,       3, INFINITY, INFINITY,
                   1,        INFINITY, 1, INFINITY};
    long par[3];

    CHECK_INT(zx_lineage_arborescence(3, c, par, NULL), ==, 0);
    CHECK_INT(par[0], ==, -1);
    CHECK_INT(par[2], ==, 0);
    CHECK_INT(par[1], ==, 2);
    CHECK(tree_cost(3, c, par) == 4);
}

static void random_graphs_match_brute_force(void)
{
    int trial;

    for (trial = 0; trial < 300; trial++) {
        size_t n = 2 + (size_t)(trial % 5), i, j;
        double c[49];
        long par[7];
        double got, want;

        for (i = 0; i < n; i++)
            for (j = 0; j < n; j++)
                c[i * n + j] = i == j           ? INFINITY
                               : urand() < 0.15 ? INFINITY
                                                : (double)(int)(urand() * 20);
        want = brute(n, c);
        if (!isfinite(want))
            continue;
        CHECK_INT(zx_lineage_arborescence(n, c, par, NULL), ==, 0);
        got = tree_cost(n, c, par);
        if (got != want) {
            H_FAIL("trial %d n=%zu: cost %g, optimum %g", trial, n, got, want);
            break;
        }
    }
}

static void mother_cost(void)
{
    double d[4] = {0, 2, 2, 0}, ku[2] = {5, 1}, out[4];

    /* mean(d) = 1; 0 -> 1 goes to a lower-kurtosis child: no penalty;
     * 1 -> 0 goes up: + 0.3 * 1. */
    zx_lineage_mother_cost(2, d, ku, 0.3, out);
    CHECK(isinf(out[0]) && isinf(out[3]));
    CHECK_NEAR(out[1], 2.0, 1e-12);
    CHECK_NEAR(out[2], 2.3, 1e-12);
    {
        long par[2];

        CHECK_INT(zx_lineage_arborescence(2, out, par, NULL), ==, 0);
        CHECK_INT(par[1], ==, 0); /* the high-kurtosis model is the parent */
    }
}

/* ===== Atlas charting on points in a 64-d space ===== */

#define D 64
enum {
    R,
    C1,
    C2,
    C3,
    C4,
    G11,
    G12,
    G21,
    DUP,
    Q3,
    K3,
    S0,
    S1,
    S2,
    S3,
    F0,
    F1,
    F2,
    F3,
    F4,
    MRG,
    NN
};

static void step(double *dst, const double *src, double len)
{
    double v[D], norm = 0;
    int k;

    for (k = 0; k < D; k++) {
        v[k] = urand() - 0.5;
        norm += v[k] * v[k];
    }
    for (k = 0; k < D; k++)
        dst[k] = src[k] + len * v[k] / sqrt(norm);
}

static void atlas_zoo(void)
{
    double x[NN][D], dist[NN * NN], dir[D];
    struct zx_chart_node nodes[NN];
    struct zx_atlas_params p;
    long par[NN], par2[NN];
    enum zx_chart_rule rule[NN];
    static const double t[NN] = {0,  1,  2,    3,    4,    5,    6,
                                 7,  10, 11,   12,   20,   21,   22,
                                 23, 30, 30.1, 30.2, 30.3, 30.4, 40};
    int i, j, k;

    memset(x, 0, sizeof(x));
    step(x[C1], x[R], 1);
    step(x[C2], x[R], 1);
    step(x[C3], x[R], 1);
    step(x[C4], x[R], 1);
    step(x[G11], x[C1], 0.3);
    step(x[G12], x[C1], 0.3);
    step(x[G21], x[C2], 0.3);
    memcpy(x[DUP], x[C2], sizeof(x[DUP]));
    step(x[Q3], x[C3], 0.01);
    step(x[K3], x[C3], 0.3);
    /* a checkpoint chain: one direction, steps of 0.2 */
    step(dir, x[R], 1);
    for (k = 0; k < D; k++) {
        x[S0][k] = x[C4][k] + 0.2 * dir[k];
        x[S1][k] = x[S0][k] + 0.2 * dir[k];
        x[S2][k] = x[S1][k] + 0.2 * dir[k];
        x[S3][k] = x[S2][k] + 0.2 * dir[k];
    }
    for (i = F0; i <= F4; i++)
        step(x[i], x[C1], 0.5);
    for (k = 0; k < D; k++)
        x[MRG][k] = (x[C2][k] + x[C3][k]) / 2;
    for (i = 0; i < NN; i++) {
        nodes[i].created = t[i];
        nodes[i].quantized = i == Q3;
        nodes[i].known = nodes[i].known2 = -1;
        for (j = 0; j < NN; j++) {
            double s = 0;

            for (k = 0; k < D; k++)
                s += (x[i][k] - x[j][k]) * (x[i][k] - x[j][k]);
            dist[i * NN + j] = sqrt(s);
        }
    }
    zx_atlas_default_params(&p);
    CHECK_INT(zx_lineage_atlas(NN, dist, NULL, 0, nodes, &p, par, par2, rule,
                               NULL, NULL),
              ==, 0);
    CHECK_INT(par[R], ==, -1);
    CHECK_INT(rule[R], ==, ZX_RULE_ROOT);
    for (i = C1; i <= C4; i++)
        CHECK_INT(par[i], ==, R);
    CHECK_INT(par[G11], ==, C1);
    CHECK_INT(par[G12], ==, C1);
    CHECK_INT(par[G21], ==, C2);
    CHECK_INT(par[DUP], ==, C2);
    CHECK_INT(rule[DUP], ==, ZX_RULE_DUPLICATE);
    CHECK_INT(par[Q3], ==, C3);
    CHECK_INT(par[K3], ==, C3); /* not the quantized copy next to C3 */
    CHECK_INT(par[S0], ==, C4);
    CHECK_INT(par[S1], ==, S0);
    CHECK_INT(par[S2], ==, S1);
    CHECK_INT(par[S3], ==, S2);
    for (i = F0; i <= F4; i++)
        CHECK_INT(par[i], ==, C1);
    CHECK_INT(rule[MRG], ==, ZX_RULE_MERGE);
    CHECK((par[MRG] == C2 && par2[MRG] == C3) ||
          (par[MRG] == C3 && par2[MRG] == C2));
    for (i = 0; i < NN; i++)
        if (i != MRG)
            CHECK_INT(par2[i], ==, -1);
}

/* Two trees (root -> 4 -> 16) with Adam-like updates (every value moves by
 * up to +-lr), a merge of two children, and a half-precision copy of a
 * child: components split the trees, and L-infinity charting places every
 * model, the merge with both parents, the copy as a leaf of its original
 * (not a merge). */
#define LD 512
#define TN 21
#define ZN (2 * TN + 2)
static void chart_linf(void)
{
    static float lfp[ZN * LD], fp[ZN * 8];
    struct zx_chart_node nodes[ZN];
    struct zx_chart_out out[ZN];
    struct zx_atlas_params p;
    struct zx_error err = {0};
    char has[ZN];
    long want[ZN];
    size_t nc = 0, i, k, t;
    double tau;

    for (t = 0; t < 2; t++) {
        for (i = 0; i < TN; i++) {
            size_t v = t * TN + i;
            long par = i == 0   ? -1
                       : i <= 4 ? (long)(t * TN)
                                : (long)(t * TN + 1 + (i - 5) / 4);
            double lr = 0.01 * (0.5 + urand());

            want[v] = par;
            for (k = 0; k < LD; k++)
                lfp[v * LD + k] = par < 0 ? (float)(10.0 * t + urand())
                                          : lfp[(size_t)par * LD + k] +
                                                (float)(lr * (2 * urand() - 1));
            for (k = 0; k < 8; k++) /* the fingerprint: a few values */
                fp[v * 8 + k] = lfp[v * LD + k * 7];
            nodes[v].created = (double)(t * 100 + (i == 0   ? 0
                                                   : i <= 4 ? 10
                                                            : 20)) +
                               0.01 * (double)i;
            nodes[v].quantized = 0;
            nodes[v].known = nodes[v].known2 = -1;
        }
    }
    /* 42: the average of children 1 and 2 of tree 0; 43: child 3, rounded */
    for (k = 0; k < LD; k++) {
        lfp[42 * LD + k] = (lfp[1 * LD + k] + lfp[2 * LD + k]) / 2;
        lfp[43 * LD + k] = lfp[3 * LD + k] + (float)(1e-4 * (urand() - 0.5));
    }
    for (k = 0; k < 8; k++) {
        fp[42 * 8 + k] = lfp[42 * LD + k * 7];
        fp[43 * 8 + k] = lfp[43 * LD + k * 7];
    }
    nodes[42].created = 50;
    nodes[43].created = 51;
    nodes[42].quantized = 0;
    nodes[43].quantized = 1;
    nodes[42].known = nodes[43].known = -1;
    nodes[42].known2 = nodes[43].known2 = -1;
    want[42] = 1;
    want[43] = 3;
    memset(has, 1, sizeof(has));
    zx_atlas_default_params(&p);
    CHECK_INT(zx_lineage_chart(ZN, 8, fp, lfp, LD, has, nodes, &p, out, &nc,
                               &tau, &err),
              ==, 0);
    CHECK_INT(nc, ==, 2);
    CHECK(out[0].comp != out[TN].comp && out[42].comp == out[0].comp);
    for (i = 0; i < ZN; i++) {
        CHECK_INT(out[i].parent, ==, want[i]);
        CHECK(out[i].linf);
    }
    CHECK_INT(out[42].rule, ==, ZX_RULE_MERGE);
    CHECK_INT(out[42].parent2, ==, 2);
    CHECK_INT(out[43].rule, !=, ZX_RULE_MERGE);
    /* without descriptors for one member, its component falls back to L2 */
    has[5] = 0;
    CHECK_INT(zx_lineage_chart(ZN, 8, fp, lfp, LD, has, nodes, &p, out, &nc,
                               &tau, &err),
              ==, 0);
    CHECK(!out[0].linf && out[TN].linf);
}

int main(void)
{
    RUN(chain);
    RUN(cycle_is_broken_optimally);
    RUN(random_graphs_match_brute_force);
    RUN(mother_cost);
    RUN(atlas_zoo);
    RUN(chart_linf);
    return DONE();
}
