/* test_store.c - the LMDB store and the FAISS vector files. */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "store.h"
#include "vindex.h"
#include "zx_fs.h"
#include "zx_mem.h"

static char tmp[64];

static struct zx_store *open_rw(const char *sub)
{
    struct zx_store *st = NULL;
    struct zx_error err = {0};
    char *dir = zx_path_join(tmp, sub);

    if (zx_store_open(dir, 0, &st, &err))
        H_FAIL("open: %s", err.msg);
    free(dir);
    return st;
}

static void models_roundtrip(void)
{
    struct zx_store *st = open_rw("a");
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    json_t *rec = json_pack("{s:s,s:i}", "id", "org/m", "n", 7), *got = NULL;
    int64_t n = 0;

    CHECK_INT(zx_txn_begin(st, 1, &txn, &err), ==, 0);
    CHECK_INT(zx_store_put_model(txn, "org/m", rec, &err), ==, 0);
    CHECK_INT(zx_txn_commit(txn, &err), ==, 0);
    CHECK_INT(zx_txn_begin(st, 0, &txn, &err), ==, 0);
    CHECK_INT(zx_store_get_model(txn, "org/m", &got, &err), ==, 0);
    CHECK(zx_json_int(got, "n", &n) && n == 7);
    json_decref(got);
    got = NULL;
    CHECK_INT(zx_store_get_model(txn, "org/none", &got, &err), ==,
              ZX_ENOTFOUND);
    CHECK(got == NULL);
    zx_txn_abort(txn);
    /* An aborted write leaves nothing behind. */
    CHECK_INT(zx_txn_begin(st, 1, &txn, &err), ==, 0);
    CHECK_INT(zx_store_put_model(txn, "org/gone", rec, &err), ==, 0);
    zx_txn_abort(txn);
    CHECK_INT(zx_txn_begin(st, 0, &txn, &err), ==, 0);
    CHECK_INT(zx_store_get_model(txn, "org/gone", &got, &err), ==,
              ZX_ENOTFOUND);
    zx_txn_abort(txn);
    json_decref(rec);
    zx_store_close(st);
}

static void vid_counter_persists(void)
{
    struct zx_store *st = open_rw("b");
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    uint64_t a = 0, b = 0, c = 0;

    zx_txn_begin(st, 1, &txn, &err);
    zx_store_next_vid(txn, &a, &err);
    zx_store_next_vid(txn, &b, &err);
    zx_txn_commit(txn, &err);
    zx_store_close(st);
    st = open_rw("b");
    zx_txn_begin(st, 1, &txn, &err);
    zx_store_next_vid(txn, &c, &err);
    zx_txn_commit(txn, &err);
    CHECK_INT(a, ==, 1);
    CHECK_INT(b, ==, 2);
    CHECK_INT(c, ==, 3);
    zx_store_close(st);
}

struct count {
    int n;
    char last[64];
};

static int count_vec(const struct zx_vec *v, void *arg)
{
    struct count *c = arg;

    c->n++;
    snprintf(c->last, sizeof(c->last), "%s", v->model);
    return 0;
}

static void vectors_by_group(void)
{
    struct zx_store *st = open_rw("c");
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    struct zx_vec v;
    struct count c1 = {0, ""}, c2 = {0, ""}, call = {0, ""};
    float x[3] = {1, 2, 3}, y[3];

    zx_txn_begin(st, 1, &txn, &err);
    CHECK_INT(zx_store_put_vec(txn, "00000000000000aa", 1, "m/one", x, 3, &err),
              ==, 0);
    zx_store_put_vec(txn, "00000000000000aa", 2, "m/two", x, 3, &err);
    zx_store_put_vec(txn, "00000000000000bb", 3, "m/three", x, 3, &err);
    zx_txn_commit(txn, &err);
    zx_txn_begin(st, 0, &txn, &err);
    CHECK_INT(zx_store_get_vec(txn, "00000000000000aa", 2, &v, &err), ==, 0);
    CHECK_STR(v.model, "m/two");
    CHECK_INT(v.dim, ==, 3);
    CHECK_STR(v.arch, "00000000000000aa");
    memcpy(y, v.data, sizeof(y));
    CHECK(y[2] == 3.0f);
    CHECK_INT(zx_store_get_vec(txn, "00000000000000bb", 2, &v, &err), ==,
              ZX_ENOTFOUND);
    zx_store_each_vec(txn, "00000000000000aa", count_vec, &c1, &err);
    zx_store_each_vec(txn, "00000000000000bb", count_vec, &c2, &err);
    zx_store_each_vec(txn, NULL, count_vec, &call, &err);
    CHECK_INT(c1.n, ==, 2);
    CHECK_INT(c2.n, ==, 1);
    CHECK_STR(c2.last, "m/three");
    CHECK_INT(call.n, ==, 3);
    zx_txn_abort(txn);
    zx_store_close(st);
}

static void edges_both_ways(void)
{
    struct zx_store *st = open_rw("d");
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    json_t *info = json_pack("{s:s}", "relation", "finetune"), *arr = NULL;

    zx_txn_begin(st, 1, &txn, &err);
    zx_store_put_edge(txn, "c/1", "p/1", info, &err);
    zx_store_put_edge(txn, "c/1", "p/2", info, &err);
    zx_store_put_edge(txn, "c/2", "p/1", info, &err);
    zx_store_put_edge(txn, "c/10", "p/1", info, &err); /* prefix of c/1? */
    zx_txn_commit(txn, &err);
    zx_txn_begin(st, 0, &txn, &err);
    CHECK_INT(zx_store_parents(txn, "c/1", &arr, &err), ==, 0);
    CHECK_INT(json_array_size(arr), ==, 2);
    CHECK_STR(zx_json_str(json_array_get(arr, 0), "relation"), "finetune");
    json_decref(arr);
    CHECK_INT(zx_store_children(txn, "p/1", &arr, &err), ==, 0);
    CHECK_INT(json_array_size(arr), ==, 3);
    json_decref(arr);
    zx_txn_abort(txn);
    zx_txn_begin(st, 1, &txn, &err);
    CHECK_INT(zx_store_del_edges_of(txn, "c/1", &err), ==, 0);
    zx_txn_commit(txn, &err);
    zx_txn_begin(st, 0, &txn, &err);
    zx_store_children(txn, "p/1", &arr, &err);
    CHECK_INT(json_array_size(arr), ==, 2);
    json_decref(arr);
    zx_store_children(txn, "p/2", &arr, &err);
    CHECK_INT(json_array_size(arr), ==, 0);
    json_decref(arr);
    zx_store_parents(txn, "c/10", &arr, &err);
    CHECK_INT(json_array_size(arr), ==, 1);
    json_decref(arr);
    zx_txn_abort(txn);
    json_decref(info);
    zx_store_close(st);
}

static void readonly_open(void)
{
    struct zx_store *st = NULL;
    struct zx_error err = {0};
    char *dir = zx_path_join(tmp, "never");

    CHECK_INT(zx_store_open(dir, ZX_STORE_RDONLY, &st, &err), ==, ZX_ENOTFOUND);
    CHECK(st == NULL);
    CHECK(!zx_is_dir(dir));
    CHECK_MSG(err, "no index at");
    free(dir);
    /* A folder holding something that is not an LMDB file. */
    dir = zx_path_join(tmp, "junk");
    mkdir(dir, 0755);
    {
        char *f = zx_path_join(dir, "data.mdb");
        FILE *fp = fopen(f, "w");

        fputs("this is not lmdb", fp);
        fclose(fp);
        free(f);
    }
    memset(&err, 0, sizeof(err));
    CHECK(zx_store_open(dir, ZX_STORE_RDONLY, &st, &err) != 0);
    CHECK(err.msg[0] != '\0');
    free(dir);
}

static void state_and_counts(void)
{
    struct zx_store *st = open_rw("e");
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    json_t *c = NULL;
    char *v = NULL;

    zx_txn_begin(st, 1, &txn, &err);
    zx_store_put_state(txn, "crawl.mark", "2026-11-27", &err);
    zx_txn_commit(txn, &err);
    zx_txn_begin(st, 0, &txn, &err);
    CHECK_INT(zx_store_get_state(txn, "crawl.mark", &v, &err), ==, 0);
    CHECK_STR(v, "2026-11-27");
    CHECK_INT(zx_store_counts(txn, &c, &err), ==, 0);
    CHECK_INT(json_integer_value(json_object_get(c, "state")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(c, "models")), ==, 0);
    free(v);
    json_decref(c);
    zx_txn_abort(txn);
    zx_store_close(st);
}

/* A store whose map (ZOODEX_MAP_SIZE, 1 MiB) is full: ZX_ENOSPACE with
 * err.map_full set and the map size named; a later zx_fail clears it. */
static void map_full(void)
{
    struct zx_store *st;
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    char val[4000];
    int i, rc = 0;

    setenv("ZOODEX_MAP_SIZE", "1048576", 1);
    st = open_rw("mapfull");
    unsetenv("ZOODEX_MAP_SIZE");
    memset(val, 'x', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';
    for (i = 0; i < 1000 && !rc; i++) { /* 4 MB: more than the map */
        char key[32];

        snprintf(key, sizeof(key), "k%04d", i);
        rc = zx_txn_begin(st, 1, &txn, &err);
        if (!rc)
            rc = zx_store_put_state(txn, key, val, &err);
        if (!rc)
            rc = zx_txn_commit(txn, &err);
        else
            zx_txn_abort(txn);
    }
    CHECK_INT(rc, ==, ZX_ENOSPACE);
    CHECK_INT(err.map_full, ==, 1);
    CHECK_MSG(err, "reached its map size of 1048576 bytes");
    CHECK(i > 100); /* most of the map was filled first */
    zx_fail(&err, ZX_ENOSPACE, "cannot write 'x': No space left on device");
    CHECK_INT(err.map_full, ==, 0);
    zx_store_close(st);
}

/* ===== Damage, lock mode, check and backup ===== */

static void put_some(struct zx_store *st, int n)
{
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    int i;

    CHECK_INT(zx_txn_begin(st, 1, &txn, &err), ==, 0);
    for (i = 0; i < n; i++) {
        char id[32];
        json_t *rec;

        snprintf(id, sizeof(id), "org/m%03d", i);
        rec = json_pack("{s:s,s:i}", "id", id, "n", i);
        CHECK_INT(zx_store_put_model(txn, id, rec, &err), ==, 0);
        json_decref(rec);
    }
    CHECK_INT(zx_txn_commit(txn, &err), ==, 0);
}

static void damaged_data_file(void)
{
    struct zx_store *st = open_rw("dmg");
    struct zx_error err = {0};
    char *dir = zx_path_join(tmp, "dmg");
    char *data = zx_path_join(dir, "data.mdb");
    char *lock = zx_path_join(dir, "lock.mdb");
    struct stat sb;

    put_some(st, 200);
    zx_store_close(st);
    st = NULL;
    /* An index with data has vector files (written after commits). */
    {
        char *vec = zx_path_join(dir, "vectors");
        char *f = zx_path_join(vec, "0123456789abcdef.g1.faiss");
        FILE *fp;

        mkdir(vec, 0755);
        fp = fopen(f, "w");
        if (fp)
            fclose(fp);
        free(vec);
        free(f);
    }
    /* The lock file takes data.mdb's read bits with their write bits. */
    CHECK_INT(stat(data, &sb), ==, 0);
    chmod(data, 0640);
    CHECK_INT(zx_store_open(dir, ZX_STORE_RDONLY, &st, &err), ==, 0);
    zx_store_close(st);
    st = NULL;
    CHECK_INT(stat(lock, &sb), ==, 0);
    CHECK_INT(sb.st_mode & 0777, ==, 0660);
    /* Shorter than its last page: damage, for readers and writers. */
    CHECK_INT(truncate(data, 8192), ==, 0);
    CHECK_INT(zx_store_open(dir, ZX_STORE_RDONLY, &st, &err), ==, ZX_EDAMAGED);
    CHECK_MSG(err, "'data.mdb' is truncated: it holds 8192 bytes");
    CHECK_MSG(err, ZX_STORE_RECOVERY);
    CHECK_INT(zx_store_open(dir, 0, &st, &err), ==, ZX_EDAMAGED);
    CHECK(st == NULL);
    /* Empty: LMDB would start a new store in it. */
    CHECK_INT(truncate(data, 0), ==, 0);
    CHECK_INT(zx_store_open(dir, 0, &st, &err), ==, ZX_EDAMAGED);
    CHECK_MSG(err, "is empty (0 bytes)");
    CHECK_INT(stat(data, &sb), ==, 0);
    CHECK_INT(sb.st_size, ==, 0);
    /* Missing where lock.mdb shows an index was. */
    unlink(data);
    CHECK_INT(zx_store_open(dir, ZX_STORE_RDONLY, &st, &err), ==, ZX_EDAMAGED);
    CHECK_MSG(err, "'data.mdb' is missing");
    CHECK_INT(zx_store_open(dir, 0, &st, &err), ==, ZX_EDAMAGED);
    CHECK(!zx_is_file(data));
    free(dir);
    free(data);
    free(lock);
}

static void check_and_backup(void)
{
    struct zx_store *st = open_rw("bk"), *cp = NULL;
    struct zx_txn *txn = NULL;
    struct zx_error err = {0};
    json_t *problems = NULL, *info = NULL, *rec = NULL;
    char *dest = zx_path_join(tmp, "bk.copy");
    char *tmpdir = xasprintf("%s.tmp.%ld", dest, (long)getpid());

    put_some(st, 300);
    CHECK_INT(zx_store_check(st, &problems, &err), ==, 0);
    CHECK_INT(json_array_size(problems), ==, 0);
    json_decref(problems);
    /* A backup while a write transaction is open holds the last commit. */
    CHECK_INT(zx_txn_begin(st, 1, &txn, &err), ==, 0);
    rec = json_pack("{s:s}", "id", "org/uncommitted");
    CHECK_INT(zx_store_put_model(txn, "org/uncommitted", rec, &err), ==, 0);
    CHECK_INT(zx_store_backup(st, dest, &info, &err), ==, 0);
    zx_txn_abort(txn);
    CHECK_INT(json_integer_value(json_object_get(info, "models")), ==, 300);
    CHECK(json_integer_value(json_object_get(info, "bytes")) > 0);
    CHECK(!zx_is_dir(tmpdir));
    json_decref(info);
    info = NULL;
    CHECK_INT(zx_store_open(dest, ZX_STORE_RDONLY, &cp, &err), ==, 0);
    CHECK_INT(zx_txn_begin(cp, 0, &txn, &err), ==, 0);
    json_decref(rec);
    rec = NULL;
    CHECK_INT(zx_store_get_model(txn, "org/m299", &rec, &err), ==, 0);
    CHECK_INT(zx_store_get_model(txn, "org/uncommitted", &info, &err), ==,
              ZX_ENOTFOUND);
    zx_txn_abort(txn);
    zx_store_close(cp);
    /* A folder that is not empty is refused and left alone. */
    CHECK_INT(zx_store_backup(st, dest, &info, &err), ==, ZX_EUSAGE);
    CHECK_MSG(err, "exists and is not an empty folder");
    CHECK(info == NULL);
    CHECK(!zx_is_dir(tmpdir));
    json_decref(rec);
    free(dest);
    free(tmpdir);
    zx_store_close(st);
}

/* ===== Vector files ===== */

static void vindex_search_save_load(void)
{
    int n = 2000, d = 256, i, j, found = 0;
    float *x = xmalloc(sizeof(float) * (size_t)n * (size_t)d), dist[5];
    int64_t *ids = xmalloc(sizeof(int64_t) * (size_t)n), got[5];
    struct zx_vindex *vi = NULL, *back = NULL;
    struct zx_error err = {0};
    char *path = zx_path_join(tmp, "v.faiss");

    uint64_t r = 12345;

    for (i = 0; i < n; i++) {
        ids[i] = 1000 + i * 7;
        for (j = 0; j < d; j++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            x[(size_t)i * d + j] = (float)(r >> 40) / 16777216.0f;
        }
    }
    CHECK_INT(zx_vindex_build(d, x, ids, (size_t)n, &vi, &err), ==, 0);
    CHECK_INT(zx_vindex_size(vi), ==, n);
    CHECK_INT(zx_vindex_search(vi, x + 123 * d, 5, dist, got, &found, &err), ==,
              0);
    CHECK_INT(found, ==, 5);
    CHECK_INT(got[0], ==, 1000 + 123 * 7);
    CHECK(dist[0] == 0.0f);
    CHECK(dist[1] >= dist[0] && dist[4] >= dist[3]);
    CHECK_INT(zx_vindex_save(vi, path, &err), ==, 0);
    CHECK_INT(zx_vindex_load(path, &back, &err), ==, 0);
    CHECK_INT(zx_vindex_size(back), ==, n);
    {
        int64_t *all = xmalloc(sizeof(int64_t) * (size_t)n);

        zx_vindex_ids(back, all);
        CHECK_INT(all[5], ==, 1035);
        CHECK_INT(all[n - 1], ==, 1000 + (n - 1) * 7);
        free(all);
    }
    CHECK_INT(zx_vindex_search(back, x + 77 * d, 5, dist, got, &found, &err),
              ==, 0);
    CHECK_INT(got[0], ==, 1000 + 77 * 7);
    {
        /* The checksum of the built index is that of the file it wrote,
         * and of its loaded mapping; one flipped byte changes it. */
        char h1[33], h2[33], h3[33];
        FILE *f;
        int c;

        zx_vindex_digest(vi, h1);
        zx_vindex_digest(back, h2);
        CHECK_STR(h1, h2);
        CHECK_INT(strlen(h1), ==, 32);
        CHECK_INT(zx_vindex_bytes(vi), ==, zx_vindex_bytes(back));
        zx_vindex_free(back);
        f = fopen(path, "r+b");
        CHECK(f != NULL);
        fseek(f, 1000, SEEK_SET);
        c = fgetc(f);
        fseek(f, 1000, SEEK_SET);
        fputc(c ^ 1, f);
        fclose(f);
        CHECK_INT(zx_vindex_load(path, &back, &err), ==, 0);
        zx_vindex_digest(back, h3);
        CHECK(strcmp(h1, h3) != 0);
    }
    zx_vindex_free(vi);
    zx_vindex_free(back);
    /* Asking for more than there is marks the rest as missing. */
    CHECK_INT(zx_vindex_build(d, x, ids, 2, &vi, &err), ==, 0);
    CHECK_INT(zx_vindex_search(vi, x, 5, dist, got, &found, &err), ==, 0);
    CHECK_INT(found, ==, 2);
    zx_vindex_free(vi);
    /* Missing and damaged files. */
    back = NULL;
    CHECK_INT(zx_vindex_load("/nonexistent/v.faiss", &back, &err), ==,
              ZX_ENOTFOUND);
    {
        FILE *f = fopen(path, "w");

        fputs("garbage", f);
        fclose(f);
    }
    CHECK_INT(zx_vindex_load(path, &back, &err), ==, ZX_EINDEX);
    CHECK(back == NULL);
    CHECK_MSG(err, "not a zoodex vector file");
    /* A truncated real file is caught before FAISS reads it. */
    CHECK_INT(zx_vindex_build(d, x, ids, 10, &vi, &err), ==, 0);
    CHECK_INT(zx_vindex_save(vi, path, &err), ==, 0);
    zx_vindex_free(vi);
    CHECK_INT(truncate(path, 400), ==, 0);
    CHECK_INT(zx_vindex_load(path, &back, &err), ==, ZX_EINDEX);
    CHECK_MSG(err, "damaged");
    free(path);
    free(x);
    free(ids);
}

/* Exact top 10 of q (squared L2 in double), ascending. */
static void exact10(const float *x, int n, int d, const float *q, int64_t *top)
{
    double best[10];
    int i, j, m;

    for (m = 0; m < 10; m++) {
        best[m] = 1e300;
        top[m] = -1;
    }
    for (i = 0; i < n; i++) {
        double s = 0;

        for (j = 0; j < d; j++) {
            double e = (double)x[(size_t)i * d + j] - q[j];

            s += e * e;
        }
        for (m = 10; m > 0 && best[m - 1] > s; m--)
            if (m < 10) {
                best[m] = best[m - 1];
                top[m] = top[m - 1];
            }
        if (m < 10) {
            best[m] = s;
            top[m] = i;
        }
    }
}

/* A file large enough for an inverted file is searched in place: on
 * clustered vectors it finds the exact nearest, and a loaded file answers
 * exactly as the index that wrote it. */
static void vindex_ivf_mapped(void)
{
    int n = ZX_VINDEX_IVF_MIN + 5000, d = 256, i, j, t, fa = 0, fb = 0;
    float *x = xmalloc(sizeof(float) * (size_t)n * (size_t)d);
    float da[10], db[10];
    int64_t *ids = xmalloc(sizeof(int64_t) * (size_t)n), ga[10], gb[10];
    int64_t ex[10];
    struct zx_vindex *vi = NULL, *back = NULL;
    struct zx_error err = {0};
    char *path = zx_path_join(tmp, "ivf.faiss");
    uint64_t r = 99;
    long size;
    FILE *f;

    for (i = 0; i < n; i++) { /* clusters of 25 perturbed copies */
        ids[i] = 5 + (int64_t)i * 3;
        for (j = 0; j < d; j++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            x[(size_t)i * d + j] =
                i % 25 ? x[(size_t)(i - i % 25) * d + j] +
                             (float)(r >> 40) / 16777216.0f * 0.05f
                       : (float)(r >> 40) / 16777216.0f;
        }
    }
    CHECK_INT(zx_vindex_build(d, x, ids, (size_t)n, &vi, &err), ==, 0);
    CHECK_INT(zx_vindex_save(vi, path, &err), ==, 0);
    CHECK_INT(zx_vindex_load(path, &back, &err), ==, 0);
    CHECK_INT(zx_vindex_size(back), ==, n);
    CHECK_INT(zx_vindex_dim(back), ==, d);
    { /* its vectors, read back from the cells, are those added, by id */
        float *y = xcalloc((size_t)n * (size_t)d, sizeof(float));
        int64_t *yid = xcalloc((size_t)n, sizeof(int64_t));
        int bad = 0;

        zx_vindex_vectors(back, yid, y);
        for (i = 0; i < n; i++)
            bad += (yid[i] - 5) % 3 != 0 || yid[i] < 5 ||
                   memcmp(y + (size_t)i * d, x + (size_t)((yid[i] - 5) / 3) * d,
                          (size_t)d * sizeof(float)) != 0;
        CHECK_INT(bad, ==, 0);
        free(y);
        free(yid);
    }
    for (t = 0; t < 20; t++) {
        const float *q = x + (size_t)((t * 997) % n) * d;

        CHECK_INT(zx_vindex_search(vi, q, 10, da, ga, &fa, &err), ==, 0);
        CHECK_INT(zx_vindex_search(back, q, 10, db, gb, &fb, &err), ==, 0);
        CHECK_INT(fa, ==, 10);
        CHECK_INT(fb, ==, 10);
        CHECK(!memcmp(ga, gb, sizeof(ga)) && !memcmp(da, db, sizeof(da)));
        CHECK_INT(gb[0], ==, 5 + (int64_t)((t * 997) % n) * 3);
        exact10(x, n, d, q, ex);
        for (i = 0; i < 10; i++) { /* near ties may swap places */
            int in = 0;

            for (j = 0; j < 10; j++)
                in += gb[i] == 5 + ex[j] * 3;
            CHECK_INT(in, ==, 1);
            if (i)
                CHECK(db[i] >= db[i - 1]);
        }
    }
    /* Made resident, the same file answers the same. */
    CHECK_INT(zx_vindex_search(back, x + 4242 * d, 10, da, ga, &fa, &err), ==,
              0);
    CHECK_INT(zx_vindex_make_resident(back), ==, 0);
    CHECK_INT(zx_vindex_search(back, x + 4242 * d, 10, db, gb, &fb, &err), ==,
              0);
    CHECK_INT(fa, ==, fb);
    CHECK(!memcmp(ga, gb, sizeof(ga)) && !memcmp(da, db, sizeof(da)));
    CHECK_INT(gb[0], ==, 5 + 4242 * 3);
    zx_vindex_free(back);
    back = NULL;
    /* A file cut inside its cells, or with a cell count past its end. */
    f = fopen(path, "rb");
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fclose(f);
    CHECK_INT(truncate(path, size - 9), ==, 0);
    CHECK_INT(zx_vindex_load(path, &back, &err), ==, ZX_EINDEX);
    CHECK_MSG(err, "damaged");
    CHECK_INT(zx_vindex_save(vi, path, &err), ==, 0);
    f = fopen(path, "r+b");
    CHECK(f != NULL);
    fseek(f, 2 * (4 + 4 + 8 + 8 + 8 + 1 + 4), SEEK_SET); /* nlist */
    fputc(0xff, f);
    fputc(0xff, f);
    fclose(f);
    CHECK_INT(zx_vindex_load(path, &back, &err), ==, ZX_EINDEX);
    CHECK(back == NULL);
    zx_vindex_free(vi);
    free(path);
    free(x);
    free(ids);
}

int main(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/zx-store.XXXXXX");
    if (!mkdtemp(tmp))
        return 2;
    RUN(models_roundtrip);
    RUN(vid_counter_persists);
    RUN(vectors_by_group);
    RUN(edges_both_ways);
    RUN(readonly_open);
    RUN(state_and_counts);
    RUN(map_full);
    RUN(damaged_data_file);
    RUN(check_and_backup);
    RUN(vindex_search_save_load);
    RUN(vindex_ivf_mapped);
    {
        char *cmd = xasprintf("rm -rf '%s'", tmp);

        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmp);
        free(cmd);
    }
    return DONE();
}
