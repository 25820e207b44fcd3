/* zx_err.h - error codes and the error record every fallible call fills.
 *
 * Fallible functions return int (ZX_OK or a ZX_E* code) and take a
 * `struct zx_error *err` last, which may be NULL.  Library code never prints
 * and never exits: src/main.c prints err->msg and maps codes to exit statuses.
 * Expected outcomes (ZX_ENOTFOUND) carry no message.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_ERR_H
#define ZX_ERR_H

#define ZX_ERRORS(X)                                                           \
    X(OK, "success")                                                           \
    X(ENOMEM, "out of memory")                                                 \
    X(EIO, "input/output error")                                               \
    X(EFORMAT, "malformed input")                                              \
    X(ETOOBIG, "input exceeds a configured limit")                             \
    X(ENOTFOUND, "no such model or tensor")                                    \
    X(ENET, "hub or network error")                                            \
    X(ESTORE, "metadata store error")                                          \
    X(EINDEX, "vector index error")                                            \
    X(EUSAGE, "invalid argument")                                              \
    X(ELOCKED, "index is locked by another process")                           \
    X(EUNSUPPORTED, "unsupported input")                                       \
    X(EINCOMPAT, "descriptors are not comparable")                             \
    X(ENUMERIC, "numerical routine failed")                                    \
    X(EREFUSED, "the hub refused the request")                                 \
    X(EOFFLINE, "offline (HF_HUB_OFFLINE) and not in the local cache")         \
    X(EDAMAGED, "the index is damaged")                                        \
    X(ENOSPACE, "no space left on device")

enum zx_err {
#define X(name, text) ZX_##name,
    ZX_ERRORS(X)
#undef X
        ZX_NERR
};

struct zx_error {
    int code; /* ZX_OK or a ZX_E* value */
    /* With ZX_ENOSPACE: 1 when the index store reached its map size
     * (ZOODEX_MAP_SIZE), which freeing disk space does not help, 0 for a
     * full file system or quota.  zx_fail and zx_fail_errno set it to 0. */
    int map_full;
    char msg[512]; /* "cannot open 'x': No such file or directory" */
};

/* Static text for a code; "unknown error" when out of range. */
const char *zx_strerror(int code);

/* Record a formatted message and code in err (may be NULL); return code. */
int zx_fail(struct zx_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As zx_fail, with ": strerror(errno)" appended (errno read on entry).
 * A ZX_EIO whose errno is ENOSPC or EDQUOT becomes ZX_ENOSPACE: a full file
 * system (or quota) is not the input's fault, and callers stop on it. */
int zx_fail_errno(struct zx_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix err->msg with "<fmt>: " to add context while an error propagates. */
void zx_error_prefix(struct zx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
