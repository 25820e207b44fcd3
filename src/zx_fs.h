/* zx_fs.h - file-system helpers: bounded reads, read-only maps, atomic
 * writes, directories and advisory locks.
 * Ownership: zx_read_file() returns a malloc'd, NUL-terminated buffer;
 * struct zx_map owns its mapping until zx_map_close().
 * SPDX-License-Identifier: MIT */
#ifndef ZX_FS_H
#define ZX_FS_H
#include <stddef.h>
#include <stdint.h>

#include "zx_err.h"

/* Read a whole regular file of at most `max` bytes.  Returns ZX_OK,
 * ZX_ENOTFOUND (ENOENT, no message), ZX_EIO or ZX_ETOOBIG. */
int zx_read_file(const char *path, size_t max, char **data, size_t *len,
                 struct zx_error *err);

/* A read-only memory map of a whole file. */
struct zx_map {
    const unsigned char *data;
    uint64_t size;
    int fd;
};
int zx_map_open(const char *path, struct zx_map *m, struct zx_error *err);
/* Tell the kernel a range is no longer needed (keeps RSS bounded). */
void zx_map_drop(struct zx_map *m, uint64_t off, uint64_t len);
void zx_map_close(struct zx_map *m); /* safe on a zeroed map */

/* Write `len` bytes to `path` atomically: temp file in the same folder,
 * fsync, rename, fsync of the folder. */
int zx_write_atomic(const char *path, const void *data, size_t len,
                    struct zx_error *err);
/* fsync a folder so that a rename inside it is durable. */
int zx_fsync_dir(const char *dir, struct zx_error *err);

/* mkdir -p with mode 0755. */
int zx_mkdirs(const char *path, struct zx_error *err);

int zx_is_dir(const char *path);
int zx_is_file(const char *path);

/* Take an exclusive advisory lock on `path` (created if needed).
 * wait=0: ZX_ELOCKED at once when held elsewhere.  *fd gets the lock. */
int zx_lock_file(const char *path, int wait, int *fd, struct zx_error *err);
void zx_unlock_file(int fd); /* -1 is ignored */

/* Join two path parts with one '/'; caller frees. */
char *zx_path_join(const char *a, const char *b);

#endif
