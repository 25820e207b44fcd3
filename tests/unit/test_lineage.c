/* test_lineage.c - Chu-Liu/Edmonds against brute force; MoTHer's costs. */
#include <stdint.h>

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
    double c[9] = {INFINITY, 10, 3, INFINITY, INFINITY, 1, INFINITY, 1,
                   INFINITY};
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
                c[i * n + j] = i == j ? INFINITY
                               : urand() < 0.15 ? INFINITY
                                                : (double)(int)(urand() * 20);
        want = brute(n, c);
        if (!isfinite(want))
            continue;
        CHECK_INT(zx_lineage_arborescence(n, c, par, NULL), ==, 0);
        got = tree_cost(n, c, par);
        if (got != want) {
            H_FAIL("trial %d n=%zu: cost %g, optimum %g", trial, n, got,
                   want);
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

int main(void)
{
    RUN(chain);
    RUN(cycle_is_broken_optimally);
    RUN(random_graphs_match_brute_force);
    RUN(mother_cost);
    return DONE();
}
