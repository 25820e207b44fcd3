/* unpack.h - streaming reads of archives (tar, tar.gz, tar.zst, zip, and
 * the zip container of torch.save), libarchive's only user.
 *
 * Archives are untrusted.  Every entry's path is checked before the caller
 * sees it: absolute paths, ".." components, empty names, NUL or control
 * bytes, and links whose target leaves the archive are refused.  Limits on
 * the number of entries, the bytes of one entry and the total bytes
 * decompressed are enforced on the bytes actually produced, never on the
 * sizes an entry header declares, so a bomb stops as soon as it crosses a
 * limit.
 *
 * Other refusals: device nodes, fifos and sockets; a path that goes
 * through an earlier entry that is not a folder (a link or a file); a name
 * used twice (except by folders); a hard link whose target is not an
 * earlier file.  The root folder entry ("." or "./") is counted, not
 * returned.  A refused entry fails the whole reader: every later call
 * returns the same error.
 *
 * Data flow: zx_unpack_open() (or _open_mem()) -> zx_unpack_next() for each
 * entry -> zx_unpack_read() / zx_unpack_read_all() for its data (data not
 * read is skipped, and still counted against the limits) ->
 * zx_unpack_close().  Nothing is ever written to disk here.
 *
 * Ownership: no function takes ownership of its arguments; entry strings
 * are borrowed and valid until the next zx_unpack_next() or close.
 * Threads: one struct zx_unpack per thread.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_UNPACK_H
#define ZX_UNPACK_H
#include <stddef.h>
#include <stdint.h>

#include "zx_buf.h"
#include "zx_err.h"

/* Longest entry path or link target accepted, in bytes (components: 255). */
#define ZX_UNPACK_MAX_PATH 1024

struct zx_unpack_limits {
    uint64_t max_entries;     /* entries of any type */
    uint64_t max_entry_bytes; /* decompressed bytes of one entry */
    uint64_t max_total_bytes; /* decompressed bytes of the whole archive */
};
/* Defaults: 100,000 entries, 64 GiB per entry, 256 GiB in total. */
void zx_unpack_default_limits(struct zx_unpack_limits *lim);

enum zx_unpack_type {
    ZX_UNPACK_FILE,
    ZX_UNPACK_DIR,
    ZX_UNPACK_SYMLINK,  /* target stays inside the archive */
    ZX_UNPACK_HARDLINK, /* to an earlier entry of the archive */
};

struct zx_unpack_entry {
    const char *path; /* normalised: relative, no "." or "..", no
                         trailing '/', single '/' separators */
    enum zx_unpack_type type;
    int64_t size;     /* declared size, -1 when unknown (never trusted) */
    const char *link; /* normalised target for links, else NULL:
                         relative to the archive's root (a symbolic
                         link's target resolved lexically from the
                         link's folder) */
    int64_t mtime;    /* modification time (s since the epoch), 0 when
                         the archive has none */
    long mtime_nsec;
};

struct zx_unpack;

/* Open an archive file; the format and any compression are detected from
 * the bytes, not the name.  `lim` may be NULL for the defaults.  Returns
 * ZX_OK, ZX_ENOTFOUND, ZX_EIO or ZX_EFORMAT (not a regular file, or not an
 * archive libarchive reads: the first header is read here).  The path
 * names the archive in messages. */
int zx_unpack_open(const char *path, const struct zx_unpack_limits *lim,
                   struct zx_unpack **out, struct zx_error *err);
/* The same over bytes in memory (borrowed until close); `what` names the
 * archive in messages. */
int zx_unpack_open_mem(const void *buf, size_t len, const char *what,
                       const struct zx_unpack_limits *lim,
                       struct zx_unpack **out, struct zx_error *err);
void zx_unpack_close(struct zx_unpack *u); /* NULL-safe */

/* Advance to the next entry.  Returns ZX_OK with *e filled, ZX_ENOTFOUND
 * (no message) at the end of the archive, ZX_EFORMAT for a damaged archive
 * or a refused path or link (the message names the entry), ZX_ETOOBIG when
 * a limit is crossed. */
int zx_unpack_next(struct zx_unpack *u, struct zx_unpack_entry *e,
                   struct zx_error *err);

/* Read up to len bytes of the current entry's data; *got 0 at its end.
 * Returns ZX_OK, ZX_EFORMAT or ZX_ETOOBIG. */
int zx_unpack_read(struct zx_unpack *u, void *buf, size_t len, size_t *got,
                   struct zx_error *err);
/* Read the rest of the current entry into an owned buffer (NUL-terminated
 * past *len), failing with ZX_ETOOBIG beyond max bytes. */
int zx_unpack_read_all(struct zx_unpack *u, uint64_t max, unsigned char **buf,
                       size_t *len, struct zx_error *err);

/* Entries and decompressed bytes seen so far, for progress and reports. */
uint64_t zx_unpack_entries(const struct zx_unpack *u);
uint64_t zx_unpack_bytes(const struct zx_unpack *u);

/* The path rules, exposed for tests and for callers that check names of
 * their own.  zx_unpack_path_normalise() writes the normalised form of an
 * entry name into `out` ("" for the root itself, "." or "./"); returns
 * ZX_OK or ZX_EFORMAT with the reason (empty name, control byte or
 * backslash, absolute path, ".." component, too long).
 * zx_unpack_link_resolve() resolves a symbolic link's target lexically
 * from the folder of the (normalised) link path; ZX_EFORMAT when it is
 * absolute, leaves the archive or names its root.  Neither consults the
 * file system: a caller that writes entries to disk must not create the
 * links as such, since an earlier link could redirect a later one. */
int zx_unpack_path_normalise(const char *in, struct zx_buf *out,
                             struct zx_error *err);
int zx_unpack_link_resolve(const char *link_path, const char *target,
                           struct zx_buf *out, struct zx_error *err);

#endif
