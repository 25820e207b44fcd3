/* zx_fs.c - file-system helpers shared by every module.
 * SPDX-License-Identifier: MIT */
#include "zx_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zx_mem.h"

int zx_read_file(const char *path, size_t max, char **data, size_t *len,
                 struct zx_error *err)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd, rc = ZX_OK;

    *data = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return ZX_ENOTFOUND;
        return zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
    }
    if (fstat(fd, &st) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot stat '%s'", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = zx_fail(err, ZX_EIO, "'%s' is not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = zx_fail(err, ZX_ETOOBIG,
                     "'%s' is %lld bytes, over the limit "
                     "of %zu",
                     path, (long long)st.st_size, max);
        goto out;
    }
    buf = xmalloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = zx_fail_errno(err, ZX_EIO, "cannot read '%s'", path);
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

int zx_map_open(const char *path, struct zx_map *m, struct zx_error *err)
{
    struct stat st;
    void *p;

    m->data = NULL;
    m->size = 0;
    m->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (m->fd < 0) {
        if (errno == ENOENT)
            return zx_fail_errno(err, ZX_ENOTFOUND, "cannot open '%s'", path);
        return zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
    }
    if (fstat(m->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        zx_fail(err, ZX_EIO, "'%s' is not a regular file", path);
        goto fail;
    }
    m->size = (uint64_t)st.st_size;
    if (m->size == 0)
        return ZX_OK;
    p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_PRIVATE, m->fd, 0);
    if (p == MAP_FAILED) {
        zx_fail_errno(err, ZX_EIO, "cannot map '%s'", path);
        goto fail;
    }
    m->data = p;
    return ZX_OK;
fail:
    close(m->fd);
    m->fd = -1;
    m->size = 0;
    return err ? err->code : ZX_EIO;
}

void zx_map_drop(struct zx_map *m, uint64_t off, uint64_t len)
{
    long pg = sysconf(_SC_PAGESIZE);
    uint64_t start, end;

    if (!m->data || pg <= 0)
        return;
    start = (off + (uint64_t)pg - 1) / (uint64_t)pg * (uint64_t)pg;
    end = (off + len) / (uint64_t)pg * (uint64_t)pg;
    if (end > start && end <= m->size)
        madvise((void *)(m->data + start), (size_t)(end - start),
                MADV_DONTNEED);
}

void zx_map_close(struct zx_map *m)
{
    if (!m)
        return;
    if (m->data)
        munmap((void *)m->data, (size_t)m->size);
    if (m->fd > 0)
        close(m->fd);
    m->data = NULL;
    m->size = 0;
    m->fd = -1;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

int zx_fsync_dir(const char *dir, struct zx_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return zx_fail_errno(err, ZX_EIO, "cannot open folder '%s'", dir);
    if (fsync(fd) != 0 && errno != EINVAL) {
        close(fd);
        return zx_fail_errno(err, ZX_EIO, "cannot sync folder '%s'", dir);
    }
    close(fd);
    return ZX_OK;
}

int zx_write_atomic(const char *path, const void *data, size_t len,
                    struct zx_error *err)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    char *dir = dir_of(path);
    const char *p = data;
    size_t done = 0;
    int fd, rc = ZX_OK;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot create '%s'", tmp);
        goto out;
    }
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = zx_fail_errno(err, ZX_EIO, "cannot write '%s'", tmp);
            goto out;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot sync '%s'", tmp);
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = zx_fail_errno(err, ZX_EIO, "cannot close '%s'", tmp);
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot rename '%s'", tmp);
        goto out;
    }
    rc = zx_fsync_dir(dir, err);
out:
    if (fd >= 0)
        close(fd);
    if (rc)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

int zx_mkdirs(const char *path, struct zx_error *err)
{
    char *p;
    char *s;
    int rc = ZX_OK;

    if (!*path)
        return zx_fail(err, ZX_EUSAGE, "empty folder name");
    p = xstrdup(path);
    for (s = p + 1;; s++) {
        int end = (*s == '\0');

        if (*s != '/' && !end)
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = zx_fail_errno(err, ZX_EIO, "cannot create folder '%s'", p);
            break;
        }
        if (end)
            break;
        *s = '/';
    }
    if (!rc && !zx_is_dir(path))
        rc = zx_fail(err, ZX_EIO, "'%s' is not a folder", path);
    free(p);
    return rc;
}

int zx_is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int zx_is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int zx_lock_file(const char *path, int wait, int *fd, struct zx_error *err)
{
    int f;

    *fd = -1;
    f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0)
        return zx_fail_errno(err, ZX_EIO, "cannot open lock '%s'", path);
    while (flock(f, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
        int saved = errno;

        if (saved == EINTR)
            continue;
        close(f);
        errno = saved; /* close() may change errno */
        if (saved == EWOULDBLOCK)
            return zx_fail(err, ZX_ELOCKED,
                           "'%s' is locked by another "
                           "zoodex process",
                           path);
        return zx_fail_errno(err, ZX_EIO, "cannot lock '%s'", path);
    }
    *fd = f;
    return ZX_OK;
}

void zx_unlock_file(int fd)
{
    if (fd >= 0)
        close(fd);
}

char *zx_path_join(const char *a, const char *b)
{
    size_t n = strlen(a);

    if (n && a[n - 1] == '/')
        return xasprintf("%s%s", a, b);
    return xasprintf("%s/%s", a, b);
}
