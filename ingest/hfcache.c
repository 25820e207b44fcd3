/* hfcache.c - Hugging Face cache lookups (hub-docs local-cache.md).
 * SPDX-License-Identifier: MIT */
#include "hfcache.h"

#include <stdlib.h>
#include <string.h>

#include "zx_fs.h"
#include "zx_mem.h"

char *zx_hfcache_dir(void)
{
    const char *v = getenv("HF_HUB_CACHE"), *home;
    char *d;

    if (!v || !*v)
        v = getenv("HUGGINGFACE_HUB_CACHE");
    if (v && *v)
        return zx_is_dir(v) ? xstrdup(v) : NULL;
    home = getenv("HF_HOME");
    if (home && *home) {
        d = zx_path_join(home, "hub");
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

        if (xdg && *xdg)
            d = xasprintf("%s/huggingface/hub", xdg);
        else if (h && *h)
            d = xasprintf("%s/.cache/huggingface/hub", h);
        else
            return NULL;
    }
    if (!zx_is_dir(d)) {
        free(d);
        return NULL;
    }
    return d;
}

static int is_commit(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == 40;
}

char *zx_hfcache_lookup(const char *id, const char *rev, const char *path)
{
    char *dir = zx_hfcache_dir(), *repo = NULL, *commit = NULL, *p = NULL;
    const char *slash;

    if (!dir || strstr(path, "..") || strstr(rev, "..") || path[0] == '/')
        goto out;
    slash = strchr(id, '/');
    if (slash) /* "org/name" -> "models--org--name" */
        repo = xasprintf("%s/models--%.*s--%s", dir, (int)(slash - id), id,
                         slash + 1);
    else
        repo = xasprintf("%s/models--%s", dir, id);
    if (is_commit(rev)) {
        commit = xstrdup(rev);
    } else {
        char *ref = xasprintf("%s/refs/%s", repo, rev), *data = NULL;
        size_t len = 0;

        if (zx_read_file(ref, 256, &data, &len, NULL) == ZX_OK) {
            while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
                           data[len - 1] == ' '))
                data[--len] = '\0';
            if (is_commit(data))
                commit = xstrdup(data);
        }
        free(data);
        free(ref);
        if (!commit)
            goto out;
    }
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
