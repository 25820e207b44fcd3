/* test_util.c - the shared utilities in src/: errors (zx_err), growable
 * strings (zx_buf), files (zx_fs), hashes (zx_hash), JSON (zx_json) and
 * allocation helpers (zx_mem).
 * SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "zx_buf.h"
#include "zx_err.h"
#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_json.h"
#include "zx_mem.h"

/* ===== Helpers ===== */

static char *make_tmp(void)
{
    return h_mkdtemp("/tmp/zx-test-util-XXXXXX");
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    if (!d)
        return 0;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

/* ===== zx_err ===== */

static void test_strerror(void)
{
    int i;

    CHECK_STR(zx_strerror(ZX_OK), "success");
    CHECK_STR(zx_strerror(ZX_EFORMAT), "malformed input");
    CHECK_STR(zx_strerror(ZX_ELOCKED), "index is locked by another process");
    CHECK_STR(zx_strerror(-1), "unknown error");
    CHECK_STR(zx_strerror(ZX_NERR), "unknown error");
    CHECK_STR(zx_strerror(1000), "unknown error");
    for (i = 0; i < ZX_NERR; i++) {
        CHECK(zx_strerror(i)[0] != '\0');
        CHECK(strcmp(zx_strerror(i), "unknown error") != 0);
        if (i > 0)
            CHECK(strcmp(zx_strerror(i), zx_strerror(i - 1)) != 0);
    }
}

static void test_fail(void)
{
    struct zx_error err = {0};
    char big[1000];

    CHECK_INT(zx_fail(&err, ZX_EFORMAT, "bad dtype '%s' in %d", "X", 3), ==,
              ZX_EFORMAT);
    CHECK_INT(err.code, ==, ZX_EFORMAT);
    CHECK_STR(err.msg, "bad dtype 'X' in 3");
    CHECK_INT(zx_fail(NULL, ZX_EIO, "ignored %d", 1), ==, ZX_EIO);
    /* Messages longer than the record are cut, never overrun. */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    zx_fail(&err, ZX_ETOOBIG, "%s", big);
    CHECK_INT(strlen(err.msg), ==, sizeof(err.msg) - 1);
}

static void test_fail_errno(void)
{
    struct zx_error err = {0};

    errno = ENOENT;
    CHECK_INT(zx_fail_errno(&err, ZX_EIO, "cannot open '%s'", "f"), ==, ZX_EIO);
    CHECK_INT(err.code, ==, ZX_EIO);
    CHECK_STR(err.msg, "cannot open 'f': No such file or directory");
    errno = EACCES;
    CHECK_INT(zx_fail_errno(NULL, ZX_ENOTFOUND, "x"), ==, ZX_ENOTFOUND);
    errno = EACCES;
    zx_fail_errno(&err, ZX_EIO, "x");
    CHECK_STR(err.msg, "x: Permission denied");
}

static void test_error_prefix(void)
{
    struct zx_error err = {0};
    char big[600];

    zx_fail(&err, ZX_EFORMAT, "bad header");
    zx_error_prefix(&err, "'%s'", "m.safetensors");
    CHECK_STR(err.msg, "'m.safetensors': bad header");
    CHECK_INT(err.code, ==, ZX_EFORMAT);
    zx_error_prefix(&err, "ingest");
    CHECK_STR(err.msg, "ingest: 'm.safetensors': bad header");
    err.msg[0] = '\0';
    zx_error_prefix(&err, "only %d", 1);
    CHECK_STR(err.msg, "only 1");
    zx_error_prefix(NULL, "x");
    memset(big, 'p', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    zx_fail(&err, ZX_EIO, "%s", big);
    zx_error_prefix(&err, "%s", big);
    CHECK(strlen(err.msg) < sizeof(err.msg));
    CHECK(strstr(err.msg, "pp: pp") != NULL);
}

/* ===== zx_buf ===== */

static void test_buf(void)
{
    struct zx_buf b = {0};
    size_t i, cap;
    char *s;

    CHECK_STR(zx_buf_cstr(&b), "");
    zx_buf_adds(&b, "ab");
    zx_buf_addc(&b, 'c');
    zx_buf_add(&b, "d\0e", 3);
    CHECK_INT(b.len, ==, 6);
    CHECK(memcmp(b.data, "abcd\0e", 7) == 0);
    CHECK(b.len < b.cap);
    zx_buf_reset(&b);
    CHECK_INT(b.len, ==, 0);
    CHECK_STR(zx_buf_cstr(&b), "");
    /* Growth keeps the invariants. */
    for (i = 0; i < 100000; i++) {
        zx_buf_addc(&b, (char)('a' + i % 26));
        if (b.len >= b.cap || b.data[b.len] != '\0') {
            H_FAIL("invariant broken at %zu", i);
            break;
        }
    }
    CHECK_INT(b.len, ==, 100000);
    CHECK(b.data[99999] == (char)('a' + 99999 % 26));
    cap = b.cap;
    zx_buf_reset(&b);
    CHECK_INT(b.cap, ==, cap);
    zx_buf_printf(&b, "%s=%d;", "x", 42);
    zx_buf_printf(&b, "%s", "");
    zx_buf_printf(&b, "%05.1f", 2.25);
    CHECK_STR(b.data, "x=42;002.2");
    CHECK_INT(b.len, ==, strlen("x=42;002.2"));
    s = zx_buf_detach(&b);
    CHECK_STR(s, "x=42;002.2");
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    free(s);
    s = zx_buf_detach(&b);
    CHECK_STR(s, "");
    free(s);
    zx_buf_printf(&b, "%0300d", 7);
    CHECK_INT(b.len, ==, 300);
    CHECK(b.data[299] == '7');
    zx_buf_release(&b);
    CHECK(b.data == NULL);
    zx_buf_release(&b);
    zx_buf_release(NULL);
}

/* ===== zx_fs ===== */

static void test_read_file(void)
{
    struct zx_error err = {0};
    char *tmp = make_tmp(), *p = zx_path_join(tmp, "f"), *data = NULL;
    size_t len = 0;

    CHECK_INT(zx_write_atomic(p, "0123456789", 10, &err), ==, ZX_OK);
    CHECK_INT(zx_read_file(p, 10, &data, &len, &err), ==, ZX_OK);
    CHECK_INT(len, ==, 10);
    CHECK_STR(data, "0123456789");
    free(data);
    CHECK_INT(zx_read_file(p, 9, &data, &len, &err), ==, ZX_ETOOBIG);
    CHECK_MSG(err, "is 10 bytes, over the limit of 9");
    CHECK(data == NULL && len == 0);
    /* ENOENT is an answer: no message. */
    strcpy(err.msg, "untouched");
    free(p);
    p = zx_path_join(tmp, "missing");
    CHECK_INT(zx_read_file(p, 10, &data, &len, &err), ==, ZX_ENOTFOUND);
    CHECK_STR(err.msg, "untouched");
    CHECK_INT(zx_read_file(tmp, 10, &data, &len, &err), ==, ZX_EIO);
    CHECK_MSG(err, "not a regular file");
    /* An empty file reads as "". */
    free(p);
    p = zx_path_join(tmp, "empty");
    CHECK_INT(zx_write_atomic(p, "", 0, &err), ==, ZX_OK);
    CHECK_INT(zx_read_file(p, 0, &data, &len, &err), ==, ZX_OK);
    CHECK(data && data[0] == '\0' && len == 0);
    free(data);
    free(p);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_write_atomic(void)
{
    struct zx_error err = {0};
    char *tmp = make_tmp(), *p = zx_path_join(tmp, "out.json"), *data;
    size_t len;

    CHECK_INT(zx_write_atomic(p, "first", 5, &err), ==, ZX_OK);
    CHECK_INT(zx_write_atomic(p, "second!", 7, &err), ==, ZX_OK);
    CHECK_INT(zx_read_file(p, 100, &data, &len, &err), ==, ZX_OK);
    CHECK_STR(data, "second!");
    free(data);
    CHECK_INT(count_entries(tmp), ==, 1);
    free(p);
    /* Into a missing folder: an error and no temp file left anywhere. */
    p = zx_path_join(tmp, "no/such/file");
    CHECK_INT(zx_write_atomic(p, "x", 1, &err), ==, ZX_EIO);
    CHECK_MSG(err, "cannot create");
    CHECK_INT(count_entries(tmp), ==, 1);
    free(p);
    /* Onto a folder: rename fails, the temp file is removed. */
    p = zx_path_join(tmp, "dir");
    CHECK_INT(zx_mkdirs(p, &err), ==, ZX_OK);
    free(p);
    p = zx_path_join(tmp, "dir/sub");
    CHECK_INT(zx_mkdirs(p, &err), ==, ZX_OK);
    free(p);
    p = zx_path_join(tmp, "dir");
    CHECK_INT(zx_write_atomic(p, "x", 1, &err), ==, ZX_EIO);
    CHECK_MSG(err, "cannot rename");
    CHECK_INT(count_entries(tmp), ==, 2);
    CHECK(zx_is_dir(p));
    free(p);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_mkdirs(void)
{
    struct zx_error err = {0};
    char *tmp = make_tmp(), *p;

    p = zx_path_join(tmp, "a/b/c");
    CHECK_INT(zx_mkdirs(p, &err), ==, ZX_OK);
    CHECK(zx_is_dir(p));
    CHECK(!zx_is_file(p));
    CHECK_INT(zx_mkdirs(p, &err), ==, ZX_OK);
    free(p);
    p = zx_path_join(tmp, "x/y/");
    CHECK_INT(zx_mkdirs(p, &err), ==, ZX_OK);
    CHECK(zx_is_dir(p));
    free(p);
    /* Through a file. */
    p = zx_path_join(tmp, "f");
    CHECK_INT(zx_write_atomic(p, "x", 1, &err), ==, ZX_OK);
    CHECK(zx_is_file(p));
    free(p);
    p = zx_path_join(tmp, "f/sub");
    CHECK_INT(zx_mkdirs(p, &err), ==, ZX_EIO);
    CHECK_MSG(err, "f/sub");
    free(p);
    p = zx_path_join(tmp, "f");
    CHECK_INT(zx_mkdirs(p, &err), ==, ZX_EIO);
    CHECK_MSG(err, "is not a folder");
    free(p);
    CHECK_INT(zx_mkdirs("", &err), !=, ZX_OK);
    CHECK(!zx_is_dir("/nonexistent/zx") && !zx_is_file("/nonexistent/zx"));
    h_rm_rf(tmp);
    free(tmp);
}

static void test_lock_file(void)
{
    struct zx_error err = {0};
    char *tmp = make_tmp(), *p = zx_path_join(tmp, "lock");
    int fd1 = -1, fd2 = -1, status = 0;
    pid_t pid;

    CHECK_INT(zx_lock_file(p, 0, &fd1, &err), ==, ZX_OK);
    CHECK(fd1 >= 0);
    CHECK(zx_is_file(p));
    /* flock locks belong to open file descriptions: a second open in the
     * same process conflicts. */
    CHECK_INT(zx_lock_file(p, 0, &fd2, &err), ==, ZX_ELOCKED);
    CHECK_INT(fd2, ==, -1);
    CHECK_MSG(err, "is locked by another zoodex process");
    /* So does another process. */
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int fd = -1;

        _exit(zx_lock_file(p, 0, &fd, NULL) == ZX_ELOCKED ? 0 : 1);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    zx_unlock_file(fd1);
    CHECK_INT(zx_lock_file(p, 1, &fd2, &err), ==, ZX_OK);
    zx_unlock_file(fd2);
    zx_unlock_file(-1);
    free(p);
    p = zx_path_join(tmp, "no/lock");
    CHECK_INT(zx_lock_file(p, 0, &fd1, &err), ==, ZX_EIO);
    CHECK_MSG(err, "cannot open lock");
    free(p);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_map(void)
{
    struct zx_error err = {0};
    struct zx_map m, z;
    char *tmp = make_tmp(), *p = zx_path_join(tmp, "m");

    CHECK_INT(zx_write_atomic(p, "mapped bytes", 12, &err), ==, ZX_OK);
    CHECK_INT(zx_map_open(p, &m, &err), ==, ZX_OK);
    CHECK_INT(m.size, ==, 12);
    CHECK(m.data && memcmp(m.data, "mapped bytes", 12) == 0);
    zx_map_drop(&m, 0, 12);
    zx_map_drop(&m, 5, 1000000);
    CHECK(memcmp(m.data, "mapped bytes", 12) == 0);
    zx_map_close(&m);
    CHECK(m.data == NULL && m.fd == -1);
    zx_map_close(&m);
    CHECK_INT(zx_write_atomic(p, "", 0, &err), ==, ZX_OK);
    CHECK_INT(zx_map_open(p, &m, &err), ==, ZX_OK);
    CHECK(m.data == NULL && m.size == 0);
    zx_map_close(&m);
    CHECK_INT(zx_map_open(tmp, &m, &err), ==, ZX_EIO);
    CHECK_INT(m.fd, ==, -1);
    free(p);
    p = zx_path_join(tmp, "none");
    CHECK_INT(zx_map_open(p, &m, &err), ==, ZX_ENOTFOUND);
    /* A zeroed map closes nothing (not even fd 0). */
    memset(&z, 0, sizeof(z));
    zx_map_close(&z);
    CHECK(fcntl(0, F_GETFD) != -1 || errno != EBADF);
    zx_map_close(NULL);
    free(p);
    h_rm_rf(tmp);
    free(tmp);
}

static void test_path_join(void)
{
    char *s;

    s = zx_path_join("a", "b");
    CHECK_STR(s, "a/b");
    free(s);
    s = zx_path_join("a/", "b/c");
    CHECK_STR(s, "a/b/c");
    free(s);
    s = zx_path_join("/", "x");
    CHECK_STR(s, "/x");
    free(s);
}

/* ===== zx_hash ===== */

static void test_sha256(void)
{
    char hex[65];
    struct zx_sha256 *h;

    zx_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
                   "b00361a396177a9cb410ff61f20015ad");
    zx_sha256_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                   "27ae41e4649b934ca495991b7852b855");
    h = zx_sha256_new();
    zx_sha256_update(h, "a", 1);
    zx_sha256_update(h, "", 0);
    zx_sha256_update(h, "bc", 2);
    zx_sha256_final_hex(h, hex);
    zx_sha256_free(h);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
                   "b00361a396177a9cb410ff61f20015ad");
    /* An abandoned hash is freed without a digest; NULL is accepted. */
    h = zx_sha256_new();
    zx_sha256_update(h, "abc", 3);
    zx_sha256_free(h);
    zx_sha256_free(NULL);
}

static void test_xxh(void)
{
    char a[33], b[33];
    struct zx_xxh *h;
    size_t i;

    h = zx_xxh_new();
    zx_xxh_final_hex(h, a);
    zx_xxh_free(h);
    CHECK_INT(strlen(a), ==, 32);
    CHECK_STR(a, "99aa06d3014798d86001c324468d497f"); /* XXH3-128("") */
    h = zx_xxh_new();
    zx_xxh_update(h, "abc", 3);
    zx_xxh_final_hex(h, a);
    zx_xxh_free(h);
    CHECK_STR(a, "06b05ab6733a618578af5f94892f3950");
    for (i = 0; i < 32; i++)
        CHECK(strchr("0123456789abcdef", a[i]) != NULL);
    /* Split updates give the same digest. */
    h = zx_xxh_new();
    zx_xxh_update(h, "a", 1);
    zx_xxh_update(h, "bc", 2);
    zx_xxh_final_hex(h, b);
    zx_xxh_free(h);
    CHECK_STR(a, b);
    h = zx_xxh_new();
    zx_xxh_update(h, "abd", 3);
    zx_xxh_final_hex(h, b);
    zx_xxh_free(h);
    CHECK(strcmp(a, b) != 0);
    h = zx_xxh_new();
    zx_xxh_update(h, "abc", 3);
    zx_xxh_free(h);
    zx_xxh_free(NULL);
    CHECK(zx_hash64("abc", 3, 0) == 0x78af5f94892f3950ull);
    CHECK(zx_hash64("abc", 3, 0) == zx_hash64("abc", 3, 0));
    CHECK(zx_hash64("abc", 3, 1) != zx_hash64("abc", 3, 0));
}

/* ===== zx_json and zx_mem ===== */

static void test_json(void)
{
    struct zx_error err = {0};
    json_t *v = NULL;
    int64_t n = 0;
    char *s;

    CHECK_INT(zx_json_parse("{\"b\":1,\"a\":\"x\"}", 15, 100, "t", &v, &err),
              ==, ZX_OK);
    CHECK_STR(zx_json_str(v, "a"), "x");
    CHECK(zx_json_str(v, "b") == NULL);
    CHECK(zx_json_int(v, "b", &n) && n == 1);
    CHECK(!zx_json_int(v, "a", &n));
    s = zx_json_dump(v);
    CHECK_STR(s, "{\"a\":\"x\",\"b\":1}");
    free(s);
    json_decref(v);
    CHECK_INT(zx_json_parse("{\"a\":1,\"a\":2}", 13, 100, "t", &v, &err), ==,
              ZX_EFORMAT);
    CHECK(v == NULL);
    CHECK_MSG(err, "t: invalid JSON at line 1");
    CHECK_INT(zx_json_parse("[1]", 3, 2, "t", &v, &err), ==, ZX_ETOOBIG);
    CHECK_INT(zx_json_parse("[1] [2]", 7, 100, "t", &v, &err), ==, ZX_EFORMAT);
}

static void test_mem(void)
{
    char *s = xasprintf("%s-%03d", "v", 7), *t;
    int *a;

    CHECK_STR(s, "v-007");
    t = xstrndup("abcdef", 3);
    CHECK_STR(t, "abc");
    free(t);
    free(s);
    a = xreallocarray(NULL, 1000, sizeof(*a));
    a[999] = 1;
    free(a);
    free(xmalloc(0));
    free(xcalloc(0, 0));
}

/* ZX_GROW: parallel arrays share one capacity, doubling from
 * ZX_GROW_FIRST; a capacity that would overflow dies. */
static void test_grow(void)
{
    char **names = NULL;
    int *nums = NULL, status = 0;
    double *rows = NULL;
    size_t n, cap = 0, rcap = 0;
    pid_t pid;

    for (n = 0; n < 100; n++) {
        ZX_GROW(n + 1, cap, names, nums);
        ZX_GROW((n + 1) * 3, rcap, rows);
        names[n] = xasprintf("m%zu", n);
        nums[n] = (int)n;
        rows[n * 3 + 2] = (double)n;
        if (n == 0)
            CHECK_INT(cap, ==, ZX_GROW_FIRST);
    }
    CHECK_INT(cap, ==, 128);
    CHECK_INT(rcap, ==, 512);
    CHECK_STR(names[99], "m99");
    CHECK_INT(nums[57], ==, 57);
    CHECK(rows[99 * 3 + 2] == 99);
    ZX_GROW(10, cap, names, nums); /* room already: nothing moves */
    CHECK_INT(cap, ==, 128);
    for (n = 0; n < 100; n++)
        free(names[n]);
    free(names);
    free(nums);
    free(rows);
    CHECK_INT(zx_grow_cap(0, 1, 8), ==, 8);
    CHECK_INT(zx_grow_cap(8, 9, 8), ==, 16);
    CHECK_INT(zx_grow_cap(8, 100, 8), ==, 128);
    CHECK_INT(zx_grow_cap(64, 10, 8), ==, 64);
    pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        zx_grow_cap((size_t)1 << (sizeof(size_t) * 8 - 1), SIZE_MAX, 1);
        _exit(0);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

int main(void)
{
    RUN(test_strerror);
    RUN(test_fail);
    RUN(test_fail_errno);
    RUN(test_error_prefix);
    RUN(test_buf);
    RUN(test_read_file);
    RUN(test_write_atomic);
    RUN(test_mkdirs);
    RUN(test_lock_file);
    RUN(test_map);
    RUN(test_path_join);
    RUN(test_sha256);
    RUN(test_xxh);
    RUN(test_json);
    RUN(test_mem);
    RUN(test_grow);
    return DONE();
}
