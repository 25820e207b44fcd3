/* bench_search.c - search latency over many synthetic fingerprints.
 *
 * Builds an index of N fingerprints in one architecture group through the
 * same store and vector-file code an ingest uses (zx_store_put_vec, then
 * zx_index_flush), then times Q searches through zx_index_search (the path
 * `search --like` takes after resolving the model), against a plain C
 * exhaustive scan over the same vectors as the baseline, in the same run.
 * Vectors are clustered (trees of perturbed copies) like a real zoo.
 * usage: bench_search DBDIR [N [Q]]
 * prints: name value unit lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "index.h"
#include "store.h"
#include "zx_log.h"
#include "zx_mem.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 - 0.5);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *arch = "00000000bench001";
    long n = argc > 2 ? atol(argv[2]) : 100000,
         q = argc > 3 ? atol(argv[3]) : 200;
    struct zx_error err = {0};
    struct zx_index *ix = NULL;
    struct zx_txn *txn = NULL;
    float *x = xmalloc(sizeof(float) * (size_t)n * ZX_FP_DIM);
    double *tf = xcalloc((size_t)q, sizeof(double));
    double *tb = xcalloc((size_t)q, sizeof(double));
    long i, j, agree = 0;
    json_t *g;

    if (argc < 2)
        return 2;
    for (i = 0; i < n; i++) {
        float *v = x + i * ZX_FP_DIM;

        if (i % 50 == 0)
            for (j = 0; j < ZX_FP_DIM; j++)
                v[j] = frand();
        else
            for (j = 0; j < ZX_FP_DIM; j++)
                v[j] = x[(i - i % 50) * ZX_FP_DIM + j] + 0.05f * frand();
    }
    if (zx_index_open(argv[1], ZX_INDEX_WRITE, &ix, &err) ||
        zx_txn_begin(zx_index_store(ix), 1, &txn, &err))
        goto fail;
    for (i = 0; i < n; i++) {
        char id[32];

        snprintf(id, sizeof(id), "bench/m%07ld", i);
        if (zx_store_put_vec(txn, arch, (uint64_t)i + 1, id, x + i * ZX_FP_DIM,
                             ZX_FP_DIM, &err))
            goto fail;
    }
    g = json_pack("{s:i,s:I,s:i,s:i}", "gen", 1, "n_models", (json_int_t)n,
                  "dim", ZX_FP_DIM, "version", ZX_DESC_VERSION);
    if (zx_store_put_group(txn, arch, g, &err) || zx_txn_commit(txn, &err))
        goto fail;
    txn = NULL;
    json_decref(g);
    if (zx_index_flush(ix, 1, NULL, &err))
        goto fail;
    for (i = 0; i < q; i++) {
        const float *qv = x + ((i * 7919) % n) * ZX_FP_DIM;
        double t0 = zx_now(), topd[10];
        long topi[10], m;
        json_t *hits = NULL, *hit;
        size_t h;

        if (zx_index_search(ix, arch, qv, 10, 0, &hits, &err))
            goto fail;
        tf[i] = zx_now() - t0;
        t0 = zx_now();
        for (m = 0; m < 10; m++) {
            topd[m] = 1e300;
            topi[m] = -1;
        }
        for (j = 0; j < n; j++) {
            const float *v = x + j * ZX_FP_DIM;
            double s = 0;
            int k;

            for (k = 0; k < ZX_FP_DIM; k++) {
                double d = (double)v[k] - qv[k];

                s += d * d;
            }
            if (s < topd[9]) { /* insertion into the exact top 10 */
                for (m = 9; m > 0 && topd[m - 1] > s; m--) {
                    topd[m] = topd[m - 1];
                    topi[m] = topi[m - 1];
                }
                topd[m] = s;
                topi[m] = j;
            }
        }
        tb[i] = zx_now() - t0;
        json_array_foreach(hits, h, hit)
        {
            json_int_t vid = json_integer_value(json_object_get(hit, "vid"));

            for (m = 0; m < 10; m++)
                if (topi[m] + 1 == vid)
                    agree++;
        }
        json_decref(hits);
    }
    qsort(tf, (size_t)q, sizeof(double), cmp_d);
    qsort(tb, (size_t)q, sizeof(double), cmp_d);
    printf("search_vectors %ld count\n", n);
    printf("search_queries %ld count\n", q);
    printf("search_median_ms %.3f ms\n", tf[q / 2] * 1e3);
    printf("search_p95_ms %.3f ms\n", tf[q * 95 / 100] * 1e3);
    printf("baseline_scan_median_ms %.3f ms\n", tb[q / 2] * 1e3);
    printf("search_speedup_vs_scan %.2f x\n", tb[q / 2] / tf[q / 2]);
    printf("recall_at_10_vs_exact %.4f\n", (double)agree / (double)(q * 10));
    zx_index_close(ix);
    free(x);
    free(tf);
    free(tb);
    return 0;
fail:
    fprintf(stderr, "bench_search: %s\n", err.msg);
    zx_txn_abort(txn);
    zx_index_close(ix);
    return 1;
}
