/* hfcache.c - the Hugging Face cache layout (hub-docs local-cache.md).
 * SPDX-License-Identifier: MIT */
#include "hfcache.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zx_fs.h"
#include "zx_json.h"
#include "zx_mem.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? v : NULL;
}

char *zx_hf_home(void)
{
    const char *home = env("HF_HOME"), *xdg = env("XDG_CACHE_HOME");
    const char *h = env("HOME");

    if (home)
        return xstrdup(home);
    if (xdg)
        return xasprintf("%s/huggingface", xdg);
    if (h)
        return xasprintf("%s/.cache/huggingface", h);
    return NULL;
}

char *zx_hfcache_root(void)
{
    const char *v = env("HF_HUB_CACHE");
    char *home, *d;

    if (!v)
        v = env("HUGGINGFACE_HUB_CACHE");
    if (v)
        return xstrdup(v);
    home = zx_hf_home();
    if (!home)
        return NULL;
    d = zx_path_join(home, "hub");
    free(home);
    return d;
}

char *zx_hfcache_dir(void)
{
    char *d = zx_hfcache_root();

    if (d && !zx_is_dir(d)) {
        free(d);
        d = NULL;
    }
    return d;
}

char *zx_hfcache_repo(const char *root, const char *id)
{
    const char *slash = strchr(id, '/');

    if (slash) /* "org/name" -> "models--org--name" */
        return xasprintf("%s/models--%.*s--%s", root, (int)(slash - id), id,
                         slash + 1);
    return xasprintf("%s/models--%s", root, id);
}

int zx_hfcache_is_commit(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == 40;
}

/* A revision or repo path usable as a relative path: no "..", no leading
 * '/', no empty or "." components. */
static int safe_rel(const char *p)
{
    const char *s = p;

    if (!*p || p[0] == '/')
        return 0;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t l = e ? (size_t)(e - s) : strlen(s);

        if (l == 0 || (l == 1 && s[0] == '.') ||
            (l == 2 && s[0] == '.' && s[1] == '.'))
            return 0;
        s += l;
        if (*s == '/')
            s++;
        else
            break;
    }
    return p[strlen(p) - 1] != '/';
}

char *zx_hfcache_read_ref(const char *repo, const char *rev)
{
    char *ref, *data = NULL, *commit = NULL, *s;
    size_t len = 0;

    if (!safe_rel(rev))
        return NULL;
    ref = xasprintf("%s/refs/%s", repo, rev);
    if (zx_read_file(ref, 256, &data, &len, NULL) == ZX_OK) {
        s = data;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
                       data[len - 1] == ' ' || data[len - 1] == '\t'))
            data[--len] = '\0';
        if (zx_hfcache_is_commit(s))
            commit = xstrdup(s);
    }
    free(data);
    free(ref);
    return commit;
}

char *zx_hfcache_lookup(const char *id, const char *rev, const char *path)
{
    char *dir = zx_hfcache_dir(), *repo = NULL, *commit = NULL, *p = NULL;

    if (!dir || !safe_rel(path) || !safe_rel(rev))
        goto out;
    repo = zx_hfcache_repo(dir, id);
    commit = zx_hfcache_is_commit(rev) ? xstrdup(rev)
                                       : zx_hfcache_read_ref(repo, rev);
    if (!commit)
        goto out;
    p = xasprintf("%s/snapshots/%s/%s", repo, commit, path);
    if (!zx_is_file(p)) { /* stat follows the symlink to the blob */
        free(p);
        p = NULL;
    }
out:
    free(dir);
    free(repo);
    free(commit);
    return p;
}

int zx_hfcache_write_ref(const char *repo, const char *rev, const char *commit,
                         int *written, struct zx_error *err)
{
    char *ref, *dir, *have;
    int rc = ZX_OK;

    if (written)
        *written = 0;
    if (!safe_rel(rev) || !zx_hfcache_is_commit(commit))
        return zx_fail(err, ZX_EUSAGE, "bad revision '%s'", rev);
    have = zx_hfcache_read_ref(repo, rev);
    if (have && !strcmp(have, commit)) {
        free(have);
        return ZX_OK;
    }
    free(have);
    ref = xasprintf("%s/refs/%s", repo, rev);
    dir = xstrdup(ref);
    *strrchr(dir, '/') = '\0';
    rc = zx_mkdirs(dir, err);
    if (!rc)
        rc = zx_write_atomic(ref, commit, strlen(commit), err);
    if (!rc && written)
        *written = 1;
    free(dir);
    free(ref);
    return rc;
}

int zx_hfcache_link(const char *repo, const char *commit, const char *path,
                    const char *etag, char **target_out, struct zx_error *err)
{
    char *link = NULL, *dir = NULL, *target = NULL;
    const char *s;
    size_t depth = 0, i;
    int rc = ZX_OK;

    if (target_out)
        *target_out = NULL;
    if (!safe_rel(path) || !zx_hfcache_is_commit(commit) || !safe_rel(etag) ||
        strchr(etag, '/'))
        return zx_fail(err, ZX_EFORMAT, "refusing cache path '%s'", path);
    link = xasprintf("%s/snapshots/%s/%s", repo, commit, path);
    if (zx_is_file(link))
        goto out; /* already there (ours or another tool's) */
    for (s = path; *s; s++)
        depth += *s == '/';
    /* from snapshots/<commit>/<dirs...>/ up to the repo folder */
    target = xstrdup("../../");
    for (i = 0; i < depth; i++) {
        char *t = xasprintf("../%s", target);

        free(target);
        target = t;
    }
    {
        char *t = xasprintf("%sblobs/%s", target, etag);

        free(target);
        target = t;
    }
    dir = xstrdup(link);
    *strrchr(dir, '/') = '\0';
    rc = zx_mkdirs(dir, err);
    if (rc)
        goto out;
    if (unlink(link) != 0 && errno != ENOENT) { /* a dangling link */
        rc = zx_fail_errno(err, ZX_EIO, "cannot replace '%s'", link);
        goto out;
    }
    if (symlink(target, link) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot link '%s'", link);
        goto out;
    }
    if (target_out) {
        *target_out = target;
        target = NULL;
    }
out:
    free(link);
    free(dir);
    free(target);
    return rc;
}

/* ===== Pruning what zoodex downloaded ===== */

/* The repo folder (models--x--y) that holds `path`, or NULL (owned). */
static char *repo_of(const char *path)
{
    const char *m = strstr(path, "/models--"), *e;

    if (!m)
        return NULL;
    e = strchr(m + 1, '/');
    return e ? xstrndup(path, (size_t)(e - path)) : NULL;
}

/* 1 when a symlink under `dir` (recursively) other than those listed in
 * `skip` (an array of paths) leads to the file `real`. */
static int linked_from(const char *dir, const char *real, json_t *skip,
                       int depth, char **who)
{
    DIR *dh = depth < 16 ? opendir(dir) : NULL;
    struct dirent *e;
    int found = 0;

    while (dh && !found && (e = readdir(dh))) {
        char *p, *rp;
        struct stat st;
        json_t *x;
        size_t i;
        int skipped = 0;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        p = zx_path_join(dir, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            found = linked_from(p, real, skip, depth + 1, who);
        } else if (S_ISLNK(st.st_mode)) {
            json_array_foreach(skip, i, x) skipped |=
                !strcmp(json_string_value(x), p);
            rp = skipped ? NULL : realpath(p, NULL);
            if (rp && !strcmp(rp, real)) {
                found = 1;
                *who = xstrdup(p);
            }
            free(rp);
        }
        free(p);
    }
    if (dh)
        closedir(dh);
    return found;
}

/* rmdir the empty folders from dirname(path) up to and including the
 * repo folder. */
static void remove_empty_dirs(const char *path)
{
    char *repo = repo_of(path), *d = xstrdup(path), *s;

    while (repo && (s = strrchr(d, '/')) && s > d) {
        *s = '\0';
        if (strlen(d) < strlen(repo))
            break;
        if (strlen(d) == strlen(repo)) { /* the repo: empty folders only */
            static const char *const sub[] = {"blobs", "snapshots", "refs"};
            size_t i;

            for (i = 0; i < 3; i++) {
                char *p = zx_path_join(d, sub[i]);

                rmdir(p);
                free(p);
            }
        }
        if (rmdir(d) != 0)
            break;
    }
    free(d);
    free(repo);
}

int zx_hfcache_prune(json_t *e, json_t *gone, int dry_run, char **why)
{
    const char *kind = zx_json_str(e, "kind"), *path = zx_json_str(e, "path");
    char *repo, *real = NULL, *who = NULL, *data = NULL;
    struct stat st;
    int64_t size = -1;
    size_t len;
    int rc = 0;

    *why = NULL;
    if (!kind || !path || path[0] != '/' || strstr(path, "/../") ||
        !(repo = repo_of(path))) {
        *why = xstrdup("not a cache path");
        return -1;
    }
    if (lstat(path, &st) != 0) {
        *why = xstrdup("gone already");
        free(repo);
        return -1;
    }
    if (!strcmp(kind, "link")) {
        char buf[4096];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        const char *t = zx_json_str(e, "target");

        if (n < 0 || !t || (size_t)n != strlen(t) || memcmp(buf, t, n)) {
            *why = xstrdup("no longer the link zoodex made");
            rc = -1;
        }
    } else if (!strcmp(kind, "blob")) {
        zx_json_int(e, "size", &size);
        real = realpath(path, NULL);
        if (!S_ISREG(st.st_mode) || (size >= 0 && st.st_size != size)) {
            *why = xstrdup("no longer the file zoodex wrote");
            rc = -1;
        } else if (real) {
            char *snaps = zx_path_join(repo, "snapshots");

            if (linked_from(snaps, real, gone, 0, &who)) {
                *why = xasprintf("still used by %s", who);
                rc = 0;
                free(snaps);
                goto out;
            }
            free(snaps);
        }
    } else if (!strcmp(kind, "ref")) {
        const char *c = zx_json_str(e, "commit");
        char *snap = c ? xasprintf("%s/snapshots/%s", repo, c) : NULL;
        DIR *dh = snap ? opendir(snap) : NULL;
        struct dirent *de;
        int used = 0;

        /* in a dry run the links to be removed are still there */
        while (dh && !used && (de = readdir(dh))) {
            char *p = zx_path_join(snap, de->d_name);
            json_t *x;
            size_t i;

            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                used = 1;
                json_array_foreach(gone, i, x) used &=
                    strcmp(json_string_value(x), p) != 0;
            }
            free(p);
        }
        if (dh)
            closedir(dh);
        free(snap);
        if (zx_read_file(path, 256, &data, &len, NULL) != ZX_OK || !c ||
            strncmp(data, c, 40)) {
            *why = xstrdup("points elsewhere now");
            rc = -1;
        } else if (used) {
            *why = xstrdup("its snapshot holds other files");
            rc = 0;
            goto out;
        }
    } else {
        *why = xstrdup("unknown kind");
        rc = -1;
    }
    if (rc == 0 && !dry_run) {
        if (unlink(path) != 0) {
            *why = xasprintf("cannot remove: %s", strerror(errno));
            rc = 0;
            goto out;
        }
        remove_empty_dirs(path);
    }
    if (rc == 0)
        rc = 1;
out:
    free(repo);
    free(real);
    free(who);
    free(data);
    return rc;
}
