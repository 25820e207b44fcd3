/* test_unpack.c - ingest/unpack.c: path normalisation, link rules, refused
 * entry types and the entry, per-entry and total byte limits, on tar
 * archives built in memory here and on the zip fixtures of
 * fixtures/archives/ (made by fixtures/gen/make_archives.py).
 * SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "harness.h"
#include "unpack.h"
#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_mem.h"

/* ===== A ustar writer (POSIX.1-1988 headers, 512-byte blocks) ===== */

struct tar {
    struct zx_buf b;
};

static void octal(char *field, size_t width, uint64_t v)
{
    /* width-1 octal digits and a NUL */
    size_t i = width - 1;

    field[i] = '\0';
    while (i-- > 0) {
        field[i] = (char)('0' + (v & 7));
        v >>= 3;
    }
}

/* One header, then `len` bytes of data (NULL: zeros) padded to 512;
 * `declared` is the size written in the header. */
static void tar_add(struct tar *t, const char *name, char type,
                    const char *link, const void *data, size_t len,
                    uint64_t declared)
{
    char h[512];
    unsigned sum = 0;
    size_t i;

    memset(h, 0, sizeof(h));
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    octal(h + 100, 8, type == '5' ? 0755 : 0644);
    octal(h + 108, 8, 1000);
    octal(h + 116, 8, 1000);
    octal(h + 124, 12, declared);
    octal(h + 136, 12, 1700000000);
    h[156] = type;
    if (link)
        memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    octal(h + 148, 7, sum);
    zx_buf_add(&t->b, h, 512);
    for (i = 0; i < len; i += 512) {
        char blk[512] = {0};
        size_t n = len - i < 512 ? len - i : 512;

        if (data)
            memcpy(blk, (const char *)data + i, n);
        zx_buf_add(&t->b, blk, 512);
    }
}

static void tar_file(struct tar *t, const char *name, const char *text)
{
    tar_add(t, name, '0', NULL, text, strlen(text), strlen(text));
}

static void tar_end(struct tar *t)
{
    char z[1024] = {0};

    zx_buf_add(&t->b, z, sizeof(z));
}

/* Open t (ended) with limits; the reader or NULL. */
static struct zx_unpack *open_tar(struct tar *t,
                                  const struct zx_unpack_limits *lim,
                                  struct zx_error *err)
{
    struct zx_unpack *u = NULL;

    tar_end(t);
    if (zx_unpack_open_mem(t->b.data, t->b.len, "t.tar", lim, &u, err))
        return NULL;
    return u;
}

/* Read every entry and its data; the first failure's code, or ZX_OK. */
static int walk(struct zx_unpack *u, size_t *n, struct zx_error *err)
{
    struct zx_unpack_entry e;
    int rc;

    *n = 0;
    while ((rc = zx_unpack_next(u, &e, err)) == ZX_OK) {
        unsigned char *d = NULL;
        size_t len;

        (*n)++;
        rc = zx_unpack_read_all(u, UINT64_MAX, &d, &len, err);
        free(d);
        if (rc)
            return rc;
    }
    return rc == ZX_ENOTFOUND ? ZX_OK : rc;
}

/* A one-entry tar whose walk must fail with `code` and a message holding
 * `frag`. */
static void refused(int line, char type, const char *name, const char *link,
                    int code, const char *frag)
{
    struct tar t = {0};
    struct zx_error err = {0};
    struct zx_unpack *u;
    size_t n;
    int rc;

    tar_file(&t, "ok/a.txt", "a");
    tar_add(&t, name, type, link, NULL, 0, 0);
    u = open_tar(&t, NULL, &err);
    rc = u ? walk(u, &n, &err) : -1;
    if (rc != code || !strstr(err.msg, frag))
        H_FAIL("line %d: '%s': rc %d (want %d), msg '%s' (want '%s')", line,
               name, rc, code, err.msg, frag);
    zx_unpack_close(u);
    zx_buf_release(&t.b);
}

/* ===== Path rules ===== */

static void normalise_paths(void)
{
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {"a", "a"},
        {"a/b/c", "a/b/c"},
        {"./a//b/", "a/b"},
        {"a/./b/.", "a/b"},
        {".", ""},
        {"./", ""},
        {".hidden/x", ".hidden/x"},
        {"a/..b/c..", "a/..b/c.."},
        {"caf\xc3\xa9/x", "caf\xc3\xa9/x"},
        {"", NULL},
        {"/etc/passwd", NULL},
        {"//x", NULL},
        {"..", NULL},
        {"../x", NULL},
        {"a/../b", NULL},
        {"a/b/..", NULL},
        {"a\\b", NULL},
        {"a\nb", NULL},
        {"a\x7f", NULL},
        {"a\tb", NULL},
    };
    struct zx_buf b = {0};
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct zx_error err = {0};
        int rc = zx_unpack_path_normalise(cases[i].in, &b, &err);

        if (cases[i].out) {
            CHECK_INT(rc, ==, ZX_OK);
            CHECK_STR(zx_buf_cstr(&b), cases[i].out);
        } else {
            CHECK_INT(rc, ==, ZX_EFORMAT);
            CHECK(err.msg[0] != '\0');
        }
    }
    CHECK_INT(zx_unpack_path_normalise(NULL, &b, NULL), ==, ZX_EFORMAT);
    zx_buf_release(&b);
}

static void normalise_lengths(void)
{
    struct zx_buf b = {0};
    char *s = xmalloc(ZX_UNPACK_MAX_PATH + 2);
    struct zx_error err = {0};

    /* 255-byte components pass, 256 do not. */
    memset(s, 'a', 255);
    s[255] = '\0';
    CHECK_INT(zx_unpack_path_normalise(s, &b, NULL), ==, ZX_OK);
    s[255] = 'a';
    s[256] = '\0';
    CHECK_INT(zx_unpack_path_normalise(s, &b, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "component longer");
    /* The whole path: ZX_UNPACK_MAX_PATH bytes pass, one more does not. */
    memset(s, 'a', ZX_UNPACK_MAX_PATH + 1);
    for (size_t i = 100; i < ZX_UNPACK_MAX_PATH; i += 100)
        s[i] = '/';
    s[ZX_UNPACK_MAX_PATH] = '\0';
    CHECK_INT(zx_unpack_path_normalise(s, &b, NULL), ==, ZX_OK);
    s[ZX_UNPACK_MAX_PATH] = 'a';
    s[ZX_UNPACK_MAX_PATH + 1] = '\0';
    CHECK_INT(zx_unpack_path_normalise(s, &b, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "longer than");
    free(s);
    zx_buf_release(&b);
}

static void link_targets(void)
{
    static const struct {
        const char *link, *target, *out; /* out NULL: refused */
    } cases[] = {
        {"a/b/l", "c", "a/b/c"},
        {"a/b/l", "../c", "a/c"},
        {"a/b/l", "../../c", "c"},
        {"m/snapshots/r/model.safetensors", "../../blobs/0f", "m/blobs/0f"},
        {"l", "x/./y//z", "x/y/z"},
        {"a/b/l", "../../../c", NULL},
        {"l", "..", NULL},
        {"a/l", "..", NULL}, /* the root itself */
        {"l", "/etc/passwd", NULL},
        {"l", "", NULL},
        {"l", "a\x01", NULL},
    };
    struct zx_buf b = {0};
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct zx_error err = {0};
        int rc =
            zx_unpack_link_resolve(cases[i].link, cases[i].target, &b, &err);

        if (cases[i].out) {
            CHECK_INT(rc, ==, ZX_OK);
            CHECK_STR(zx_buf_cstr(&b), cases[i].out);
        } else {
            if (rc != ZX_EFORMAT)
                H_FAIL("'%s' -> '%s' accepted as '%s'", cases[i].link,
                       cases[i].target, zx_buf_cstr(&b));
            CHECK(err.msg[0] != '\0');
        }
    }
    zx_buf_release(&b);
}

/* ===== Reading ===== */

static void reads_entries(void)
{
    struct tar t = {0};
    struct zx_error err = {0};
    struct zx_unpack *u;
    struct zx_unpack_entry e;
    unsigned char *d = NULL;
    char buf[4];
    size_t len = 0, got;

    tar_add(&t, "./", '5', NULL, NULL, 0, 0);
    tar_add(&t, "./org/", '5', NULL, NULL, 0, 0);
    tar_file(&t, "./org/m/config.json", "{\"a\":1}");
    tar_file(&t, "org/m/README.md", "hello world");
    tar_add(&t, "org/m/link.json", '2', NULL, NULL, 0, 0);
    tar_add(&t, "org/m/l2", '2', "../m/config.json", NULL, 0, 0);
    tar_add(&t, "org/m/h", '1', "org/m/README.md", NULL, 0, 0);
    u = open_tar(&t, NULL, &err);
    CHECK(u != NULL);
    if (!u)
        goto out;
    /* "./" is counted and skipped */
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_STR(e.path, "org");
    CHECK_INT(e.type, ==, ZX_UNPACK_DIR);
    CHECK_INT(zx_unpack_entries(u), ==, 2);
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_STR(e.path, "org/m/config.json");
    CHECK_INT(e.type, ==, ZX_UNPACK_FILE);
    CHECK_INT(e.size, ==, 7);
    CHECK_INT(e.mtime, ==, 1700000000);
    CHECK(e.link == NULL);
    CHECK_INT(zx_unpack_read_all(u, 100, &d, &len, &err), ==, ZX_OK);
    CHECK_INT(len, ==, 7);
    CHECK_STR((char *)d, "{\"a\":1}");
    free(d);
    d = NULL;
    /* partial reads, then the rest is drained by next() and counted */
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_STR(e.path, "org/m/README.md");
    CHECK_INT(zx_unpack_read(u, buf, sizeof(buf), &got, &err), ==, ZX_OK);
    CHECK_INT(got, ==, 4);
    CHECK(!memcmp(buf, "hell", 4));
    /* a symbolic link with an empty target is refused */
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "org/m/link.json");
    CHECK_MSG(err, "empty link target");
    CHECK_INT(zx_unpack_bytes(u), ==, 7 + 11);
    /* the failure is sticky */
    memset(&err, 0, sizeof(err));
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "empty link target");
    CHECK_INT(zx_unpack_read(u, buf, sizeof(buf), &got, &err), ==, ZX_EFORMAT);
out:
    zx_unpack_close(u);
    zx_buf_release(&t.b);
}

static void reads_links(void)
{
    struct tar t = {0};
    struct zx_error err = {0};
    struct zx_unpack *u;
    struct zx_unpack_entry e;

    tar_file(&t, "org/m/README.md", "hello");
    tar_add(&t, "org/m/l2", '2', "../m/./README.md", NULL, 0, 0);
    tar_add(&t, "org/m/h", '1', "./org/m/README.md", NULL, 0, 0);
    tar_add(&t, "org/m/h2", '1', "org/m/h", NULL, 0, 0);
    u = open_tar(&t, NULL, &err);
    CHECK(u != NULL);
    if (!u)
        goto out;
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_INT(e.type, ==, ZX_UNPACK_SYMLINK);
    CHECK_STR(e.path, "org/m/l2");
    CHECK_STR(e.link, "org/m/README.md");
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_INT(e.type, ==, ZX_UNPACK_HARDLINK);
    CHECK_STR(e.link, "org/m/README.md");
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_INT(e.type, ==, ZX_UNPACK_HARDLINK);
    CHECK_STR(e.link, "org/m/h");
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_ENOTFOUND);
    CHECK_STR(err.msg, "");
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_ENOTFOUND);
out:
    zx_unpack_close(u);
    zx_buf_release(&t.b);
}

static void refuses_entries(void)
{
    refused(__LINE__, '0', "/etc/passwd", NULL, ZX_EFORMAT, "absolute");
    refused(__LINE__, '0', "../evil", NULL, ZX_EFORMAT, "'..' component");
    refused(__LINE__, '0', "ok/../../evil", NULL, ZX_EFORMAT, "'..'");
    refused(__LINE__, '0', "ok/\x1b[2Jx", NULL, ZX_EFORMAT, "control byte");
    refused(__LINE__, '2', "ok/l", "../../etc/passwd", ZX_EFORMAT,
            "leaves the archive");
    refused(__LINE__, '2', "ok/l", "/etc/passwd", ZX_EFORMAT, "absolute");
    refused(__LINE__, '1', "ok/h", "/etc/passwd", ZX_EFORMAT, "absolute");
    refused(__LINE__, '1', "ok/h", "../etc/passwd", ZX_EFORMAT, "'..'");
    refused(__LINE__, '1', "ok/h", "ok/missing", ZX_EFORMAT,
            "not an earlier file");
    refused(__LINE__, '1', "ok/h", "ok", ZX_EFORMAT, "not an earlier file");
    refused(__LINE__, '3', "ok/tty", NULL, ZX_EFORMAT, "character device");
    refused(__LINE__, '4', "ok/sda", NULL, ZX_EFORMAT, "block device");
    refused(__LINE__, '6', "ok/fifo", NULL, ZX_EFORMAT, "fifo");
    /* names that clash with earlier entries */
    refused(__LINE__, '0', "ok/a.txt", NULL, ZX_EFORMAT, "duplicate name");
    refused(__LINE__, '5', "ok/a.txt", NULL, ZX_EFORMAT, "duplicate name");
    refused(__LINE__, '0', "ok/a.txt/x", NULL, ZX_EFORMAT,
            "'ok/a.txt' is not a folder");
    refused(__LINE__, '0', "ok", NULL, ZX_EFORMAT, "duplicate name");
    refused(__LINE__, '0', ".", NULL, ZX_EFORMAT, "empty name");
}

static void refuses_path_through_link(void)
{
    struct tar t = {0};
    struct zx_error err = {0};
    struct zx_unpack *u;
    size_t n;

    tar_add(&t, "a/up", '2', "..", NULL, 0, 0); /* refused: the root */
    u = open_tar(&t, NULL, &err);
    CHECK(u && walk(u, &n, &err) == ZX_EFORMAT);
    zx_unpack_close(u);
    zx_buf_release(&t.b);
    memset(&t, 0, sizeof(t));
    tar_add(&t, "a/b/l", '2', "../c", NULL, 0, 0); /* a/c: fine */
    tar_add(&t, "a/b/l/x", '2', "../../../..", NULL, 0, 0);
    u = open_tar(&t, NULL, &err);
    CHECK(u && walk(u, &n, &err) == ZX_EFORMAT);
    CHECK_INT(n, ==, 1);
    CHECK_MSG(err, "'a/b/l' is not a folder");
    zx_unpack_close(u);
    zx_buf_release(&t.b);
}

/* ===== Limits ===== */

static void limit_entries(void)
{
    struct zx_unpack_limits lim;
    struct zx_error err = {0};
    struct zx_unpack *u;
    struct tar t = {0};
    char name[32];
    size_t n;
    int i;

    zx_unpack_default_limits(&lim);
    CHECK_INT(lim.max_entries, ==, 100000);
    lim.max_entries = 10;
    for (i = 0; i < 11; i++) {
        snprintf(name, sizeof(name), "d/f%02d", i);
        tar_file(&t, name, "x");
    }
    u = open_tar(&t, &lim, &err);
    CHECK_INT(walk(u, &n, &err), ==, ZX_ETOOBIG);
    CHECK_INT(n, ==, 10);
    CHECK_MSG(err, "more than 10 entries");
    zx_unpack_close(u);
    /* exactly at the limit is fine */
    lim.max_entries = 11;
    memset(&err, 0, sizeof(err));
    tar_end(&t); /* harmless: open_tar adds one more end */
    CHECK_INT(zx_unpack_open_mem(t.b.data, t.b.len, "t", &lim, &u, &err), ==,
              ZX_OK);
    CHECK_INT(walk(u, &n, &err), ==, ZX_OK);
    CHECK_INT(n, ==, 11);
    zx_unpack_close(u);
    zx_buf_release(&t.b);
}

static void limit_bytes(void)
{
    struct zx_unpack_limits lim;
    struct zx_error err = {0};
    struct zx_unpack *u;
    struct zx_unpack_entry e;
    struct tar t = {0};
    size_t n;

    /* Three entries of 300 KB: per-entry 1 MB and total 800 KB. */
    zx_unpack_default_limits(&lim);
    lim.max_entry_bytes = 1 << 20;
    lim.max_total_bytes = 800 << 10;
    tar_add(&t, "a", '0', NULL, NULL, 300 << 10, 300 << 10);
    tar_add(&t, "b", '0', NULL, NULL, 300 << 10, 300 << 10);
    tar_add(&t, "c", '0', NULL, NULL, 300 << 10, 300 << 10);
    u = open_tar(&t, &lim, &err);
    /* nothing is read explicitly: draining counts too */
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_ETOOBIG);
    CHECK_MSG(err, "archive expands beyond the limit of 800 KiB");
    CHECK_MSG(err, "'c'");
    CHECK(zx_unpack_bytes(u) > lim.max_total_bytes);
    CHECK(zx_unpack_bytes(u) <= lim.max_total_bytes + (64 << 10));
    zx_unpack_close(u);
    /* per entry */
    lim.max_entry_bytes = 200 << 10;
    lim.max_total_bytes = UINT64_MAX;
    memset(&err, 0, sizeof(err));
    CHECK_INT(zx_unpack_open_mem(t.b.data, t.b.len, "t", &lim, &u, &err), ==,
              ZX_OK);
    CHECK_INT(walk(u, &n, &err), ==, ZX_ETOOBIG);
    CHECK_MSG(err, "entry 'a' expands beyond the limit of 200 KiB");
    zx_unpack_close(u);
    /* read_all's own cap */
    memset(&err, 0, sizeof(err));
    lim.max_entry_bytes = UINT64_MAX;
    CHECK_INT(zx_unpack_open_mem(t.b.data, t.b.len, "t", &lim, &u, &err), ==,
              ZX_OK);
    CHECK_INT(zx_unpack_next(u, &e, &err), ==, ZX_OK);
    {
        unsigned char *d = NULL;
        size_t len = 0;

        CHECK_INT(zx_unpack_read_all(u, 1000, &d, &len, &err), ==, ZX_ETOOBIG);
        CHECK(d == NULL);
        CHECK_MSG(err, "larger than 1000 B");
    }
    zx_unpack_close(u);
    zx_buf_release(&t.b);
}

/* ===== Damaged input and the committed zip fixtures ===== */

static void not_archives(void)
{
    static const char text[] = "this is not an archive, just some text\n";
    struct zx_error err = {0};
    struct zx_unpack *u = NULL;
    struct tar t = {0};
    size_t n;

    CHECK_INT(
        zx_unpack_open_mem(text, sizeof(text) - 1, "x.tar", NULL, &u, &err), ==,
        ZX_EFORMAT);
    CHECK(u == NULL);
    CHECK_MSG(err, "'x.tar' is not an archive");
    memset(&err, 0, sizeof(err));
    CHECK_INT(zx_unpack_open("/nonexistent/zoo.tar", NULL, &u, &err), ==,
              ZX_ENOTFOUND);
    CHECK_INT(zx_unpack_open("fixtures", NULL, &u, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "not a regular file");
    /* a tar cut in the middle of an entry's data */
    tar_add(&t, "a", '0', NULL, NULL, 4096, 4096);
    tar_add(&t, "b", '0', NULL, NULL, 4096, 4096);
    memset(&err, 0, sizeof(err));
    CHECK_INT(zx_unpack_open_mem(t.b.data, 512 + 4096 + 512 + 1000, "cut.tar",
                                 NULL, &u, &err),
              ==, ZX_OK);
    CHECK_INT(walk(u, &n, &err), ==, ZX_EFORMAT);
    CHECK_MSG(err, "'cut.tar'");
    CHECK_MSG(err, "'b'");
    zx_unpack_close(u);
    zx_buf_release(&t.b);
}

/* The committed archives and seeds: each is refused (or read) as its
 * name says. */
static void committed_archives(void)
{
    static const struct {
        const char *file;
        int code;
        const char *frag;
    } cases[] = {
        {"ok.zip", ZX_OK, ""},
        {"../../tests/fuzz/seeds/archive/small.tar.gz", ZX_OK, ""},
        {"../../tests/fuzz/seeds/archive/small-pax.tar.xz", ZX_OK, ""},
        {"../../tests/fuzz/seeds/archive/small.tar.bz2", ZX_OK, ""},
        {"abs.tar", ZX_EFORMAT, "absolute path"},
        {"dotdot.tar", ZX_EFORMAT, "'..' component"},
        {"symlink-escape.tar", ZX_EFORMAT, "leaves the archive"},
        {"hardlink-escape.tar", ZX_EFORMAT, "'..' component"},
        {"hardlink-outside.tar", ZX_EFORMAT, "not an earlier file"},
        {"device.tar", ZX_EFORMAT, "character device"},
        {"fifo.tar", ZX_EFORMAT, "fifo"},
        {"abs.zip", ZX_EFORMAT, "absolute path"},
        {"dotdot.zip", ZX_EFORMAT, "'..' component"},
        {"backslash.zip", ZX_EFORMAT, "backslash"},
        {"symlink-escape.zip", ZX_EFORMAT, "leaves the archive"},
        {"lying-size.zip", ZX_ETOOBIG, "expands beyond"},
        {"truncated.zip", ZX_EFORMAT, "truncated.zip"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct zx_unpack_limits lim;
        struct zx_error err = {0};
        struct zx_unpack *u = NULL;
        char *path = zx_path_join("fixtures/archives", cases[i].file);
        char *data = NULL;
        size_t len = 0, n = 0;
        int rc;

        zx_unpack_default_limits(&lim);
        lim.max_entry_bytes = 1 << 20;
        rc = zx_read_file(path, 1 << 20, &data, &len, &err);
        if (rc) {
            H_FAIL("%s: %s", path, err.msg);
            free(path);
            continue;
        }
        rc = zx_unpack_open_mem(data, len, cases[i].file, &lim, &u, &err);
        if (!rc)
            rc = walk(u, &n, &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].frag))
            H_FAIL("%s: rc %d (want %d), '%s' (want '%s')", cases[i].file, rc,
                   cases[i].code, err.msg, cases[i].frag);
        if (!strcmp(cases[i].file, "ok.zip"))
            CHECK_INT(n, ==, 4);
        if (strstr(cases[i].file, "small"))
            CHECK_INT(n, ==, 5);
        zx_unpack_close(u);
        free(data);
        free(path);
    }
}

int main(void)
{
    RUN(normalise_paths);
    RUN(normalise_lengths);
    RUN(link_targets);
    RUN(reads_entries);
    RUN(reads_links);
    RUN(refuses_entries);
    RUN(refuses_path_through_link);
    RUN(limit_entries);
    RUN(limit_bytes);
    RUN(not_archives);
    RUN(committed_archives);
    return DONE();
}
