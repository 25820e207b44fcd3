/* bench_search.c - search latency over many synthetic fingerprints.
 *
 * Builds an index of N fingerprints in one weight group through the same
 * store and vector-file code an ingest uses (zx_store_put_vec, then
 * zx_index_flush), with a model record for each query model so that the
 * CLI can be timed on the same index (tests/bench/run.sh does that).  Then
 * times Q searches through zx_index_search (the path `search --like` takes
 * after resolving the model) against a FAISS exact (IndexFlatL2) search of
 * the same vectors as the baseline, in the same run, one query at a time
 * on one thread, as zoodex searches.  The flat answers are the exact top 10
 * that recall@10 is measured against.  The FAISS baseline is built here
 * directly: it is what is measured, not part of zoodex.
 * Vectors are clustered (trees of perturbed copies) like a real zoo.
 * usage: bench_search DBDIR [N [Q [QFLAT]]]   (QFLAT: flat queries, <= Q)
 * With BENCH_REUSE=1 and an index this program built in DBDIR (same N
 * and Q), the build is skipped: the vectors are generated again (the same
 * ones) and only the searches run, e.g. to compare two builds of zoodex
 * on one index.
 * prints: name value unit lines; the query model names go to
 * DBDIR/queries.txt, one a line. */
#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "index.h"
#include "store.h"
#include "zx_fs.h"
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

static long query_row(long i, long n)
{
    return (long)(((uint64_t)i * 7919u) % (uint64_t)n);
}

int main(int argc, char **argv)
{
    const char *arch = "00000000bench001";
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000,
         q = argc > 3 ? strtol(argv[3], NULL, 10) : 200,
         qf = argc > 4 ? strtol(argv[4], NULL, 10) : q;
    struct zx_error err = {0};
    struct zx_index *ix = NULL;
    struct zx_txn *txn = NULL;
    FaissIndexFlatL2 *flat = NULL;
    float *x, fd[10];
    idx_t fl[10];
    double *tf, *tb, t0, t_build, t_first;
    long i, j, agree = 0, compared = 0;
    char *qpath;
    FILE *qlist;
    json_t *g, *hits = NULL;

    if (argc < 2 || n < 50 || q < 1 || qf < 1)
        return 2;
    if (qf > q)
        qf = q;
    x = xmalloc(sizeof(float) * (size_t)n * ZX_FP_DIM);
    tf = xcalloc((size_t)q, sizeof(double));
    tb = xcalloc((size_t)qf, sizeof(double));
    for (i = 0; i < n; i++) {
        float *v = x + (size_t)i * ZX_FP_DIM;

        if (i % 50 == 0)
            for (j = 0; j < ZX_FP_DIM; j++)
                v[j] = frand();
        else
            for (j = 0; j < ZX_FP_DIM; j++)
                v[j] =
                    x[(size_t)(i - i % 50) * ZX_FP_DIM + j] + 0.05f * frand();
    }
    qpath = zx_path_join(argv[1], "queries.txt");
    if (getenv("BENCH_REUSE") && !strcmp(getenv("BENCH_REUSE"), "1") &&
        zx_is_file(qpath)) {
        free(qpath);
        t_build = 0;
        goto searches;
    }
    free(qpath);
    t0 = zx_now();
    if (zx_index_open(argv[1], ZX_INDEX_WRITE, &ix, &err) ||
        zx_txn_begin(zx_index_store(ix), 1, &txn, &err))
        goto fail;
    for (i = 0; i < n; i++) {
        char id[32];

        snprintf(id, sizeof(id), "bench/m%07ld", i);
        if (zx_store_put_vec(txn, arch, (uint64_t)i + 1, id,
                             x + (size_t)i * ZX_FP_DIM, ZX_FP_DIM, &err))
            goto fail;
    }
    qpath = zx_path_join(argv[1], "queries.txt");
    qlist = fopen(qpath, "w");
    free(qpath);
    for (i = 0; i < q; i++) {
        long r = query_row(i, n);
        char id[32];
        json_t *rec;
        int rc;

        snprintf(id, sizeof(id), "bench/m%07ld", r);
        rec = json_pack("{s:s,s:s,s:I}", "id", id, "arch", arch, "vid",
                        (json_int_t)r + 1);
        rc = zx_store_put_model(txn, id, rec, &err);
        json_decref(rec);
        if (rc)
            goto fail;
        if (qlist)
            fprintf(qlist, "%s\n", id);
    }
    if (qlist)
        fclose(qlist);
    g = json_pack("{s:i,s:I,s:i,s:i}", "gen", 1, "n_models", (json_int_t)n,
                  "dim", ZX_FP_DIM, "version", ZX_DESC_VERSION);
    if (zx_store_put_group(txn, arch, g, &err) || zx_txn_commit(txn, &err))
        goto fail;
    txn = NULL;
    json_decref(g);
    if (zx_index_flush(ix, 1, NULL, &err))
        goto fail;
    zx_index_close(ix);
    ix = NULL;
    t_build = zx_now() - t0;
searches:
    /* A fresh reader, as the CLI opens it: the first search loads the
     * group's vector file, the others find it loaded. */
    if (zx_index_open(argv[1], ZX_INDEX_READ, &ix, &err))
        goto fail;
    t0 = zx_now();
    if (zx_index_search(ix, arch, x, 10, 0, &hits, &err))
        goto fail;
    t_first = zx_now() - t0;
    json_decref(hits);
    if (faiss_IndexFlatL2_new_with(&flat, ZX_FP_DIM) ||
        faiss_Index_add((FaissIndex *)flat, (idx_t)n, x)) {
        fprintf(stderr, "bench_search: FAISS: %s\n", faiss_get_last_error());
        return 1;
    }
    omp_set_num_threads(1); /* one query, one thread, as zoodex searches */
    for (i = 0; i < q; i++) {
        const float *qv = x + (size_t)query_row(i, n) * ZX_FP_DIM;
        json_t *hit;
        size_t h;

        t0 = zx_now();
        if (zx_index_search(ix, arch, qv, 10, 0, &hits, &err))
            goto fail;
        tf[i] = zx_now() - t0;
        if (i < qf) {
            t0 = zx_now();
            if (faiss_Index_search((FaissIndex *)flat, 1, qv, 10, fd, fl)) {
                fprintf(stderr, "bench_search: FAISS: %s\n",
                        faiss_get_last_error());
                return 1;
            }
            tb[i] = zx_now() - t0;
            json_array_foreach(hits, h, hit)
            {
                json_int_t vid =
                    json_integer_value(json_object_get(hit, "vid"));

                for (j = 0; j < 10; j++)
                    if (fl[j] >= 0 && fl[j] + 1 == vid)
                        agree++;
            }
            compared++;
        }
        json_decref(hits);
    }
    qsort(tf, (size_t)q, sizeof(double), cmp_d);
    qsort(tb, (size_t)qf, sizeof(double), cmp_d);
    printf("search_vectors %ld count\n", n);
    printf("search_queries %ld count (flat baseline: %ld)\n", q, qf);
    if (t_build > 0)
        printf("search_build_s %.1f s (store, vector file, lineage)\n",
               t_build);
    else
        printf("search_build_s 0 s (BENCH_REUSE: index reused)\n");
    printf("search_first_ms %.3f ms (fresh reader: loads the vector file)\n",
           t_first * 1e3);
    printf("search_median_ms %.3f ms\n", tf[q / 2] * 1e3);
    printf("search_p90_ms %.3f ms\n", tf[q * 9 / 10] * 1e3);
    printf("flat_median_ms %.3f ms (FAISS IndexFlatL2, exact)\n",
           tb[qf / 2] * 1e3);
    printf("flat_p90_ms %.3f ms\n", tb[qf * 9 / 10] * 1e3);
    printf("search_speedup_vs_flat %.1f x (medians)\n", tb[qf / 2] / tf[q / 2]);
    printf("recall_at_10_vs_flat %.4f\n",
           (double)agree / (double)(compared * 10));
    faiss_Index_free((FaissIndex *)flat);
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
