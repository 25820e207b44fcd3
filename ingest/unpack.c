/* unpack.c - streaming, checked reads of tar, compressed tar and zip
 * archives through libarchive, the only file that includes archive.h.
 *
 * libarchive detects the compression (every filter it has: gzip, zstd, xz,
 * bzip2, ...) and the format (tar in all its dialects, zip both streaming
 * and seekable) from the bytes.  Everything it hands back is untrusted, so
 * each entry goes through these checks before a caller sees it:
 *
 *  1. the entry count is at most lim.max_entries;
 *  2. the name is not empty, has no byte below 0x20, no 0x7f and no
 *     backslash, is at most ZX_UNPACK_MAX_PATH bytes with components of at
 *     most 255 bytes, is not absolute and has no ".." component; "." and
 *     empty components are dropped ("./a//b/" is "a/b"); an entry that
 *     names the root itself ("." or "./") is counted and skipped;
 *  3. the type is a regular file, a folder, a symbolic link or a hard
 *     link; device nodes, fifos and sockets are refused;
 *  4. no proper prefix of the path is an earlier entry other than a folder
 *     (no path through a symbolic link or "inside" a file), and no path but
 *     a folder's appears twice;
 *  5. a symbolic link's target is relative and, resolved lexically from
 *     the link's folder, stays inside the archive; a hard link names an
 *     earlier file or hard link of the archive (normalised as in rule 2).
 *
 * Bytes are counted as libarchive produces them (archive_read_data), never
 * taken from an entry's declared size: an entry that yields more than
 * lim.max_entry_bytes, or an archive that yields more than
 * lim.max_total_bytes, fails with ZX_ETOOBIG within one read of crossing the
 * limit.  Data a caller does not read is drained, and counted, by the next
 * zx_unpack_next().
 * SPDX-License-Identifier: MIT */
#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zx_buf.h"
#include "zx_hash.h"
#include "zx_mem.h"
#include "zx_log.h"

#define DRAIN_CHUNK (64u << 10)
#define MAX_COMPONENT 255

/* ===== Seen paths: an open-addressing set of the entries so far ===== */

struct seen_slot {
    char *path; /* NULL: empty slot */
    enum zx_unpack_type type;
};

struct seen {
    struct seen_slot *slot;
    size_t cap, n; /* cap is a power of two; n < cap / 2 */
};

static size_t seen_find(const struct seen *s, const char *p, size_t len)
{
    size_t mask = s->cap - 1;
    size_t i = (size_t)zx_hash64(p, len, 0x756e7061636bu) & mask;

    while (s->slot[i].path &&
           (strncmp(s->slot[i].path, p, len) || s->slot[i].path[len]))
        i = (i + 1) & mask;
    return i;
}

/* The type of path p[0..len), or -1 when it was not seen. */
static int seen_get(const struct seen *s, const char *p, size_t len)
{
    size_t i;

    if (!s->cap)
        return -1;
    i = seen_find(s, p, len);
    return s->slot[i].path ? (int)s->slot[i].type : -1;
}

static void seen_put(struct seen *s, const char *p, enum zx_unpack_type t)
{
    size_t i;

    if (2 * (s->n + 1) > s->cap) {
        struct seen old = *s;

        s->cap = old.cap ? old.cap * 2 : 64;
        s->slot = xcalloc(s->cap, sizeof(*s->slot));
        s->n = 0;
        for (i = 0; i < old.cap; i++) {
            if (old.slot[i].path) {
                size_t j =
                    seen_find(s, old.slot[i].path, strlen(old.slot[i].path));

                s->slot[j] = old.slot[i];
                s->n++;
            }
        }
        free(old.slot);
    }
    i = seen_find(s, p, strlen(p));
    if (s->slot[i].path) {
        s->slot[i].type = t;
        return;
    }
    s->slot[i].path = xstrdup(p);
    s->slot[i].type = t;
    s->n++;
}

static void seen_release(struct seen *s)
{
    size_t i;

    for (i = 0; i < s->cap; i++)
        free(s->slot[i].path);
    free(s->slot);
    memset(s, 0, sizeof(*s));
}

/* ===== The reader ===== */

struct zx_unpack {
    struct archive *a;
    struct zx_unpack_limits lim;
    char *what;               /* the archive, for messages */
    struct archive_entry *ae; /* header read ahead by open, or NULL */
    int pending;              /* 1: ae holds the first header */
    int pending_rc;           /* its archive_read_next_header() result */
    int failed;               /* sticky error code, with msg */
    char msg[sizeof(((struct zx_error *)0)->msg)];
    char libmsg[256];
    int magic;    /* known_magic() of the first bytes */
    int in_entry; /* data of the current entry may remain */
    int eof;      /* the end was reached */
    uint64_t n_entries, total, entry_bytes;
    struct zx_buf path, link; /* the current entry's strings */
    struct seen seen;
    unsigned char *scratch; /* DRAIN_CHUNK bytes */
};

void zx_unpack_default_limits(struct zx_unpack_limits *lim)
{
    lim->max_entries = 100000;
    lim->max_entry_bytes = (uint64_t)64 << 30;
    lim->max_total_bytes = (uint64_t)256 << 30;
}

/* Record a failure that every later call repeats. */
static int fail(struct zx_unpack *u, struct zx_error *err, int code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct zx_unpack *u, struct zx_error *err, int code,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(u->msg, sizeof(u->msg), fmt, ap);
    va_end(ap);
    u->failed = code;
    return zx_fail(err, code, "%s", u->msg);
}

static int refail(struct zx_unpack *u, struct zx_error *err)
{
    return zx_fail(err, u->failed, "%s", u->msg);
}

/* libarchive's message for the last error, without a trailing newline. */
static const char *lib_msg(struct zx_unpack *u)
{
    const char *s = archive_error_string(u->a);
    size_t n;

    if (!s || !*s)
        return "unknown libarchive error";
    snprintf(u->libmsg, sizeof(u->libmsg), "%s", s);
    n = strlen(u->libmsg);
    while (n && (u->libmsg[n - 1] == '\n' || u->libmsg[n - 1] == ' ' ||
                 u->libmsg[n - 1] == '.'))
        u->libmsg[--n] = '\0';
    return u->libmsg;
}

int zx_unpack_path_normalise(const char *in, struct zx_buf *out,
                             struct zx_error *err)
{
    const char *p = in, *c;
    size_t len;

    zx_buf_reset(out);
    zx_buf_adds(out, ""); /* data != NULL from here on */
    if (!in || !*in)
        return zx_fail(err, ZX_EFORMAT, "empty name");
    len = strlen(in);
    if (len > ZX_UNPACK_MAX_PATH)
        return zx_fail(err, ZX_EFORMAT, "name longer than %d bytes",
                       ZX_UNPACK_MAX_PATH);
    for (c = in; *c; c++) {
        unsigned char b = (unsigned char)*c;

        if (b < 0x20 || b == 0x7f)
            return zx_fail(err, ZX_EFORMAT, "control byte 0x%02x in name", b);
        if (b == '\\')
            return zx_fail(err, ZX_EFORMAT, "backslash in name");
    }
    if (in[0] == '/')
        return zx_fail(err, ZX_EFORMAT, "absolute path");
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == 2 && p[0] == '.' && p[1] == '.')
            return zx_fail(err, ZX_EFORMAT, "'..' component");
        if (n > MAX_COMPONENT)
            return zx_fail(err, ZX_EFORMAT,
                           "component longer than %d "
                           "bytes",
                           MAX_COMPONENT);
        if (n && !(n == 1 && p[0] == '.')) {
            if (out->len)
                zx_buf_addc(out, '/');
            zx_buf_add(out, p, n);
        }
        p += n;
        while (*p == '/')
            p++;
    }
    return ZX_OK;
}

int zx_unpack_link_resolve(const char *link_path, const char *target,
                           struct zx_buf *out, struct zx_error *err)
{
    const char *p;
    int rc = ZX_OK;

    zx_buf_reset(out);
    zx_buf_adds(out, "");
    if (!target || !*target) {
        rc = zx_fail(err, ZX_EFORMAT, "empty link target");
        goto out;
    }
    if (target[0] == '/') {
        rc = zx_fail(err, ZX_EFORMAT, "absolute link target '%s'", target);
        goto out;
    }
    if (strlen(target) > ZX_UNPACK_MAX_PATH) {
        rc = zx_fail(err, ZX_EFORMAT, "link target longer than %d bytes",
                     ZX_UNPACK_MAX_PATH);
        goto out;
    }
    for (p = target; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\') {
            rc = zx_fail(err, ZX_EFORMAT,
                         "control byte or backslash in "
                         "link target");
            goto out;
        }
    }
    /* Start from the link's folder, then walk the target's components. */
    p = strrchr(link_path, '/');
    if (p)
        zx_buf_add(out, link_path, (size_t)(p - link_path));
    p = target;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *slash;

            if (!out->len) {
                rc = zx_fail(err, ZX_EFORMAT,
                             "link target '%s' leaves the "
                             "archive",
                             target);
                goto out;
            }
            slash = strrchr(out->data, '/');
            out->len = slash ? (size_t)(slash - out->data) : 0;
            out->data[out->len] = '\0';
        } else if (n && !(n == 1 && p[0] == '.')) {
            if (n > MAX_COMPONENT) {
                rc = zx_fail(err, ZX_EFORMAT,
                             "component longer than %d "
                             "bytes in link target",
                             MAX_COMPONENT);
                goto out;
            }
            if (out->len)
                zx_buf_addc(out, '/');
            zx_buf_add(out, p, n);
            if (out->len > ZX_UNPACK_MAX_PATH) {
                rc = zx_fail(err, ZX_EFORMAT,
                             "link target longer than %d "
                             "bytes",
                             ZX_UNPACK_MAX_PATH);
                goto out;
            }
        }
        p += n;
        while (*p == '/')
            p++;
    }
    if (!out->len)
        rc = zx_fail(err, ZX_EFORMAT,
                     "link target '%s' is the archive's "
                     "root",
                     target);
out:
    return rc;
}

/* Read the first header now, so that a file libarchive cannot read fails
 * at open with a clear message. */
/* 1 when the first bytes carry the magic number of a compression or
 * archive format (gzip, bzip2, xz, zstd, lzip, zip, ustar tar), only to
 * word a refusal: libarchive alone decides what it reads. */
static int known_magic(const unsigned char *b, size_t n)
{
    static const struct {
        size_t off, len;
        const char *magic;
    } m[] = {
        {0, 2, "\x1f\x8b"},
        {0, 3, "BZh"},
        {0, 6,
         "\xfd"
         "7zXZ\x00"},
        {0, 4, "\x28\xb5\x2f\xfd"},
        {0, 4, "LZIP"},
        {0, 4, "PK\x03\x04"},
        {0, 4, "PK\x05\x06"},
        {257, 5, "ustar"},
    };
    size_t i;

    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (n >= m[i].off + m[i].len &&
            !memcmp(b + m[i].off, m[i].magic, m[i].len))
            return 1;
    return 0;
}

/* The message for an archive libarchive could not start on: damaged when
 * its first bytes look like a known format, else not an archive. */
static int refuse_start(struct zx_unpack *u, struct zx_error *err)
{
    if (u->magic)
        return zx_fail(err, ZX_EFORMAT, "'%s': damaged archive: %s", u->what,
                       lib_msg(u));
    return zx_fail(err, ZX_EFORMAT,
                   "'%s' is not an archive zoodex reads "
                   "(tar, compressed tar or zip): %s",
                   u->what, lib_msg(u));
}

static int start(struct zx_unpack *u, struct zx_unpack **out,
                 struct zx_error *err)
{
    int r = archive_read_next_header(u->a, &u->ae);

    if (r == ARCHIVE_FATAL || r == ARCHIVE_FAILED || r == ARCHIVE_RETRY) {
        int rc = refuse_start(u, err);

        zx_unpack_close(u);
        return rc;
    }
    u->pending = 1;
    u->pending_rc = r;
    *out = u;
    return ZX_OK;
}

static struct zx_unpack *unpack_new(const char *what,
                                    const struct zx_unpack_limits *lim)
{
    struct zx_unpack *u = xcalloc(1, sizeof(*u));

    if (lim)
        u->lim = *lim;
    else
        zx_unpack_default_limits(&u->lim);
    u->what = xstrdup(what ? what : "archive");
    u->scratch = xmalloc(DRAIN_CHUNK);
    u->a = archive_read_new();
    if (!u->a) {
        /* Only fails on out-of-memory; die like xmalloc. */
        ZX_ASSERT(u->a != NULL);
    }
    archive_read_support_filter_all(u->a);
    archive_read_support_format_tar(u->a);
    archive_read_support_format_zip(u->a);
    return u;
}

int zx_unpack_open(const char *path, const struct zx_unpack_limits *lim,
                   struct zx_unpack **out, struct zx_error *err)
{
    struct zx_unpack *u;
    struct stat st;

    *out = NULL;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return zx_fail(err, ZX_ENOTFOUND,
                           "cannot open '%s': No such "
                           "file or directory",
                           path);
        return zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
    }
    if (!S_ISREG(st.st_mode))
        return zx_fail(err, ZX_EFORMAT, "'%s' is not a regular file", path);
    u = unpack_new(path, lim);
    {
        unsigned char head[512];
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(head, 1, sizeof(head), f) : 0;

        if (f)
            fclose(f);
        u->magic = known_magic(head, n);
    }
    if (archive_read_open_filename(u->a, path, 64 << 10) != ARCHIVE_OK) {
        int e = archive_errno(u->a), rc;

        /* Formats are bid on at open: most failures are about the bytes. */
        if (e == ENOENT)
            rc = zx_fail(err, ZX_ENOTFOUND, "cannot open '%s': %s", path,
                         lib_msg(u));
        else if (e == EACCES || e == EISDIR || e == EIO || e == ENOMEM ||
                 e == EMFILE || e == ENFILE || e == EPERM)
            rc = zx_fail(err, ZX_EIO, "cannot open '%s': %s", path, lib_msg(u));
        else
            rc = refuse_start(u, err);
        zx_unpack_close(u);
        return rc;
    }
    return start(u, out, err);
}

int zx_unpack_open_mem(const void *buf, size_t len, const char *what,
                       const struct zx_unpack_limits *lim,
                       struct zx_unpack **out, struct zx_error *err)
{
    struct zx_unpack *u;

    *out = NULL;
    u = unpack_new(what, lim);
    u->magic = known_magic(buf, len);
    /* libarchive takes a non-const pointer but only reads through it. */
    if (archive_read_open_memory(u->a, (void *)(uintptr_t)buf, len) !=
        ARCHIVE_OK) {
        int rc = refuse_start(u, err);

        zx_unpack_close(u);
        return rc;
    }
    return start(u, out, err);
}

void zx_unpack_close(struct zx_unpack *u)
{
    if (!u)
        return;
    if (u->a)
        archive_read_free(u->a);
    seen_release(&u->seen);
    zx_buf_release(&u->path);
    zx_buf_release(&u->link);
    free(u->scratch);
    free(u->what);
    free(u);
}

/* Count n produced bytes against the limits. */
static int count(struct zx_unpack *u, size_t n, struct zx_error *err)
{
    char size[ZX_SIZE_LEN];

    u->entry_bytes += n;
    u->total += n;
    if (u->entry_bytes > u->lim.max_entry_bytes)
        return fail(u, err, ZX_ETOOBIG,
                    "'%s': entry '%s' expands beyond the limit of %s", u->what,
                    u->path.data, zx_format_size(u->lim.max_entry_bytes, size));
    if (u->total > u->lim.max_total_bytes)
        return fail(u, err, ZX_ETOOBIG,
                    "'%s': archive expands beyond the limit of %s (at entry "
                    "'%s')",
                    u->what, zx_format_size(u->lim.max_total_bytes, size),
                    u->path.data);
    return ZX_OK;
}

/* One archive_read_data() call, counted; *got 0 at the entry's end. */
static int read_some(struct zx_unpack *u, void *buf, size_t len, size_t *got,
                     struct zx_error *err)
{
    la_ssize_t r;

    *got = 0;
    if (!u->in_entry)
        return ZX_OK;
    r = archive_read_data(u->a, buf, len);
    if (r < 0)
        return fail(u, err, ZX_EFORMAT, "'%s': cannot read entry '%s': %s",
                    u->what, u->path.data, lib_msg(u));
    if (r == 0) {
        u->in_entry = 0;
        return ZX_OK;
    }
    *got = (size_t)r;
    return count(u, (size_t)r, err);
}

static int drain(struct zx_unpack *u, struct zx_error *err)
{
    size_t got;
    int rc;

    do {
        rc = read_some(u, u->scratch, DRAIN_CHUNK, &got, err);
    } while (!rc && got);
    return rc;
}

/* Rules 3-5 on the header in u->ae; fills e. */
static int check_entry(struct zx_unpack *u, struct zx_unpack_entry *e,
                       int *skip, struct zx_error *err)
{
    struct zx_error pe = {0};
    const char *name = archive_entry_pathname(u->ae);
    const char *hard = archive_entry_hardlink(u->ae);
    const char *sym = archive_entry_symlink(u->ae);
    mode_t ft = archive_entry_filetype(u->ae);
    const char *shown;
    size_t i;

    *skip = 0;
    if (!name)
        name = archive_entry_pathname_utf8(u->ae);
    shown = name ? name : "";
    if (zx_unpack_path_normalise(name, &u->path, &pe))
        return fail(u, err, ZX_EFORMAT, "'%s': refused entry '%.200s': %s",
                    u->what, shown, pe.msg);
    if (!u->path.len) {
        /* "." or "./": the root folder itself, counted and skipped. */
        if (ft != AE_IFDIR || hard || sym)
            return fail(u, err, ZX_EFORMAT,
                        "'%s': refused entry '%.200s': "
                        "empty name",
                        u->what, shown);
        *skip = 1;
        return ZX_OK;
    }
    /* Rule 4: no path through a link or a file, no duplicate. */
    for (i = 0; i < u->path.len; i++) {
        int t;

        if (u->path.data[i] != '/')
            continue;
        t = seen_get(&u->seen, u->path.data, i);
        if (t >= 0 && t != ZX_UNPACK_DIR)
            return fail(u, err, ZX_EFORMAT,
                        "'%s': refused entry '%s': "
                        "'%.*s' is not a folder",
                        u->what, u->path.data, (int)i, u->path.data);
    }
    {
        int t = seen_get(&u->seen, u->path.data, u->path.len);

        if (t >= 0 && !(t == ZX_UNPACK_DIR && ft == AE_IFDIR && !hard))
            return fail(u, err, ZX_EFORMAT,
                        "'%s': refused entry '%s': "
                        "duplicate name",
                        u->what, u->path.data);
    }
    memset(e, 0, sizeof(*e));
    e->path = u->path.data;
    e->size = archive_entry_size_is_set(u->ae) ? archive_entry_size(u->ae) : -1;
    e->mtime = archive_entry_mtime_is_set(u->ae)
                   ? (int64_t)archive_entry_mtime(u->ae)
                   : 0;
    e->mtime_nsec = archive_entry_mtime_is_set(u->ae)
                        ? (long)archive_entry_mtime_nsec(u->ae)
                        : 0;
    if (hard) {
        int t;

        if (zx_unpack_path_normalise(hard, &u->link, &pe) || !u->link.len)
            return fail(u, err, ZX_EFORMAT,
                        "'%s': refused hard link "
                        "'%s' to '%.200s': %s",
                        u->what, e->path, hard,
                        pe.msg[0] ? pe.msg : "empty name");
        t = seen_get(&u->seen, u->link.data, u->link.len);
        if (t != ZX_UNPACK_FILE && t != ZX_UNPACK_HARDLINK)
            return fail(u, err, ZX_EFORMAT,
                        "'%s': refused hard link '%s': "
                        "its target '%s' is not an earlier file of the "
                        "archive",
                        u->what, e->path, u->link.data);
        e->type = ZX_UNPACK_HARDLINK;
        e->link = u->link.data;
    } else if (ft == AE_IFLNK) {
        if (zx_unpack_link_resolve(e->path, sym, &u->link, &pe))
            return fail(u, err, ZX_EFORMAT,
                        "'%s': refused symbolic link "
                        "'%s': %s",
                        u->what, e->path, pe.msg);
        e->type = ZX_UNPACK_SYMLINK;
        e->link = u->link.data;
    } else if (ft == AE_IFREG) {
        e->type = ZX_UNPACK_FILE;
    } else if (ft == AE_IFDIR) {
        e->type = ZX_UNPACK_DIR;
    } else {
        const char *kind = ft == AE_IFCHR    ? "character device"
                           : ft == AE_IFBLK  ? "block device"
                           : ft == AE_IFIFO  ? "fifo"
                           : ft == AE_IFSOCK ? "socket"
                                             : "entry of unknown type";

        return fail(u, err, ZX_EFORMAT, "'%s': refused entry '%s': %s", u->what,
                    e->path, kind);
    }
    /* Folders an entry implies are folders from now on. */
    for (i = 0; i < u->path.len; i++) {
        if (u->path.data[i] == '/' && seen_get(&u->seen, u->path.data, i) < 0) {
            u->path.data[i] = '\0';
            seen_put(&u->seen, u->path.data, ZX_UNPACK_DIR);
            u->path.data[i] = '/';
        }
    }
    seen_put(&u->seen, u->path.data, e->type);
    return ZX_OK;
}

int zx_unpack_next(struct zx_unpack *u, struct zx_unpack_entry *e,
                   struct zx_error *err)
{
    int r, rc, skip;

    memset(e, 0, sizeof(*e));
    if (u->failed)
        return refail(u, err);
    if (u->eof)
        return ZX_ENOTFOUND;
    for (;;) {
        rc = drain(u, err);
        if (rc)
            return rc;
        if (u->pending) {
            u->pending = 0;
            r = u->pending_rc;
        } else {
            r = archive_read_next_header(u->a, &u->ae);
        }
        zx_buf_reset(&u->path);
        zx_buf_adds(&u->path, "");
        if (r == ARCHIVE_EOF) {
            u->eof = 1;
            u->in_entry = 0;
            return ZX_ENOTFOUND;
        }
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return fail(u, err, ZX_EFORMAT,
                        "'%s': damaged archive after "
                        "%" PRIu64 " entries: %s",
                        u->what, u->n_entries, lib_msg(u));
        if (++u->n_entries > u->lim.max_entries)
            return fail(u, err, ZX_ETOOBIG,
                        "'%s': more than %" PRIu64 " entries", u->what,
                        u->lim.max_entries);
        rc = check_entry(u, e, &skip, err);
        if (rc)
            return rc;
        u->entry_bytes = 0;
        u->in_entry = 1;
        if (!skip)
            return ZX_OK;
        memset(e, 0, sizeof(*e));
    }
}

int zx_unpack_read(struct zx_unpack *u, void *buf, size_t len, size_t *got,
                   struct zx_error *err)
{
    *got = 0;
    if (u->failed)
        return refail(u, err);
    if (!len)
        return ZX_OK;
    return read_some(u, buf, len, got, err);
}

int zx_unpack_read_all(struct zx_unpack *u, uint64_t max, unsigned char **buf,
                       size_t *len, struct zx_error *err)
{
    struct zx_buf b = {0};
    size_t got;
    int rc;

    *buf = NULL;
    *len = 0;
    if (u->failed)
        return refail(u, err);
    if (u->eof)
        return ZX_ENOTFOUND;
    for (;;) {
        rc = read_some(u, u->scratch, DRAIN_CHUNK, &got, err);
        if (rc || !got)
            break;
        if ((uint64_t)b.len + got > max) {
            char size[ZX_SIZE_LEN];

            rc = zx_fail(err, ZX_ETOOBIG, "'%s': entry '%s' is larger than %s",
                         u->what, u->path.data, zx_format_size(max, size));
            break;
        }
        zx_buf_add(&b, u->scratch, got);
    }
    if (rc) {
        zx_buf_release(&b);
        return rc;
    }
    *len = b.len;
    *buf = (unsigned char *)zx_buf_detach(&b);
    return ZX_OK;
}

uint64_t zx_unpack_entries(const struct zx_unpack *u)
{
    return u->n_entries;
}

uint64_t zx_unpack_bytes(const struct zx_unpack *u)
{
    return u->total;
}
