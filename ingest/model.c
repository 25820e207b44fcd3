/* model.c - model folders and files on disk: weights, metadata, ids.
 * SPDX-License-Identifier: MIT */
#include "model.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "card.h"
#include "ckpt.h"
#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_mem.h"

#define MAX_LABELS 100000

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);

    return a >= b && strcmp(s + a - b, suf) == 0;
}

int zx_valid_model_id(const char *s)
{
    const char *p;
    int slashes = 0;

    if (!*s || strlen(s) > 200 || strstr(s, "..") || s[0] == '/' ||
        s[0] == '-' || s[0] == '.')
        return 0;
    for (p = s; *p; p++) {
        if (*p == '/') {
            if (++slashes > 1 || p[1] == '\0' || p[1] == '.' || p[1] == '-')
                return 0;
        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
                     *p == '-')) {
            return 0;
        }
    }
    return 1;
}

/* 1 for the weights file names that belong to the folder they sit in (the
 * folder is the model, with its config.json and README.md). */
static int folder_weights_name(const char *base)
{
    return !strcmp(base, "model.safetensors") ||
           !strcmp(base, "adapter_model.safetensors") ||
           !strcmp(base, "model.safetensors.index.json") ||
           !strcmp(base, "pytorch_model.bin") ||
           !strcmp(base, "adapter_model.bin") ||
           !strcmp(base, "pytorch_model.bin.index.json");
}

/* 1 for a lone weights file that may make a folder a model: a
 * *.safetensors.index.json or a *.safetensors that is not a shard "-of-"
 * (safe = 1); a *.bin.index.json or a *.pth (safe = 0). */
static int lone_candidate(const char *name, int safe)
{
    if (safe)
        return has_suffix(name, ".safetensors.index.json") ||
               (has_suffix(name, ".safetensors") && !strstr(name, "-of-"));
    return has_suffix(name, ".bin.index.json") || has_suffix(name, ".pth");
}

/* The one lone candidate of a folder (safe: see lone_candidate()); NULL
 * when none, or when several (then *several is 1 for safetensors, 2 for
 * torch files). */
static char *find_lone(const char *dir, int safe, int *several)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *best = NULL;
    size_t n = 0;

    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        char *p;

        if (de->d_name[0] == '.' || !lone_candidate(de->d_name, safe))
            continue;
        p = zx_path_join(dir, de->d_name);
        if (!zx_is_file(p)) {
            free(p);
            continue;
        }
        n++;
        free(best);
        best = p;
    }
    closedir(d);
    if (n > 1) {
        free(best);
        best = NULL;
        *several = safe ? 1 : 2;
    }
    return best;
}

/* Weights of a model folder, in order of preference (safetensors first,
 * then torch files); NULL when none, and also when several lone candidates
 * make the choice ambiguous (then *several is set when not NULL): such a
 * folder holds separate models. */
static char *find_weights(const char *dir, int *several)
{
    static const char *const safe_names[] = {
        "model.safetensors.index.json",
        "model.safetensors",
        "adapter_model.safetensors",
    };
    static const char *const torch_names[] = {
        "pytorch_model.bin.index.json",
        "pytorch_model.bin",
        "adapter_model.bin",
    };
    char *best;
    size_t i;
    int dummy = 0;

    if (!several)
        several = &dummy;
    *several = 0;
    for (i = 0; i < sizeof(safe_names) / sizeof(safe_names[0]); i++) {
        char *p = zx_path_join(dir, safe_names[i]);

        if (zx_is_file(p))
            return p;
        free(p);
    }
    /* Otherwise one *.safetensors.index.json or one lone *.safetensors. */
    best = find_lone(dir, 1, several);
    if (best || *several)
        return best;
    for (i = 0; i < sizeof(torch_names) / sizeof(torch_names[0]); i++) {
        char *p = zx_path_join(dir, torch_names[i]);

        if (zx_is_file(p))
            return p;
        free(p);
    }
    /* Otherwise one *.bin.index.json or one *.pth. */
    return find_lone(dir, 0, several);
}

int zx_model_is_dir(const char *dir)
{
    char *w = find_weights(dir, NULL);
    int yes = w != NULL;

    free(w);
    return yes;
}

/* The first file of `dir` by name whose name is that of a format not read
 * yet (model.gguf, model.onnx, tf_model.h5, ...), or NULL. */
static char *find_unsupported(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *best = NULL;

    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !zx_ckpt_unsupported_name(de->d_name) ||
            (best && strcmp(de->d_name, best) >= 0))
            continue;
        free(best);
        best = xstrdup(de->d_name);
    }
    closedir(d);
    if (best) {
        char *p = zx_path_join(dir, best);

        free(best);
        best = p;
    }
    return best;
}

static int count_cb(const char *path, void *arg)
{
    struct {
        size_t n;
        char *first;
    } *c = arg;

    if (!c->first)
        c->first = xstrdup(path);
    c->n++;
    return 0;
}

int zx_model_weights(const char *path, char **out, struct zx_error *err)
{
    char *u;
    int several = 0;

    *out = NULL;
    if (zx_is_file(path)) {
        *out = xstrdup(path);
        return ZX_OK;
    }
    if (!zx_is_dir(path))
        return zx_fail(err, ZX_ENOTFOUND,
                       "cannot open '%s': No such file or directory", path);
    *out = find_weights(path, &several);
    if (*out)
        return ZX_OK;
    if (several)
        return zx_fail(err, ZX_EUNSUPPORTED,
                       "'%s' holds several %s files: give one of them", path,
                       several == 1 ? ".safetensors"
                                    : ".pth or .bin.index.json");
    u = find_unsupported(path);
    if (u) {
        int rc = zx_ckpt_refuse(u, err);

        if (!rc)
            rc =
                zx_fail(err, ZX_EUNSUPPORTED,
                        "'%s' holds '%s', a %s file, which is not supported "
                        "yet",
                        path, strrchr(u, '/') + 1, zx_ckpt_unsupported_name(u));
        else
            zx_error_prefix(err, "'%s' has no weights zoodex reads", path);
        free(u);
        return rc;
    }
    {
        struct {
            size_t n;
            char *first;
        } c = {0, NULL};

        zx_model_scan(path, count_cb, &c, NULL);
        if (c.n) {
            zx_fail(err, ZX_EUNSUPPORTED,
                    "'%s' is not one model: it holds %zu model%s (such as "
                    "'%s'); give one of them",
                    path, c.n, c.n == 1 ? "" : "s", c.first);
            free(c.first);
            return ZX_EUNSUPPORTED;
        }
    }
    return zx_fail(err, ZX_EUNSUPPORTED,
                   "'%s' holds no .safetensors weights (nor "
                   "pytorch_model.bin or a .pth file)",
                   path);
}

void zx_model_src_free(struct zx_model_src *m)
{
    if (!m)
        return;
    free(m->id);
    free(m->revision);
    free(m->path);
    free(m->weights);
    free(m->weights_shown);
    json_decref(m->config);
    json_decref(m->card);
    json_decref(m->adapter);
    free(m);
}

/* Id and revision from an absolute path. */
static void derive_id(struct zx_model_src *m, int is_file)
{
    char *p = xstrdup(m->path), *last, *prev = NULL, *s, *hub;
    size_t n;

    if (is_file) {
        /* A weights file inside a model folder names the folder. */
        s = strrchr(p, '/');
        if (s && folder_weights_name(s + 1))
            *s = '\0';
        else if (s) {
            static const char *const sufs[] = {
                ".safetensors.index.json",
                ".safetensors",
                ".bin.index.json",
                ".bin",
                ".pth",
                ".pt",
                ".ckpt",
            };
            size_t k;

            for (k = 0; k < sizeof(sufs) / sizeof(sufs[0]); k++)
                if (has_suffix(s, sufs[k]) && strlen(s) > strlen(sufs[k]) + 1) {
                    s[strlen(s) - strlen(sufs[k])] = '\0';
                    break;
                }
        }
    }
    /* Hugging Face cache: .../models--org--name/snapshots/<rev>[/...] */
    hub = strstr(p, "/models--");
    if (hub) {
        char *name = hub + 9, *end = strchr(name, '/'), *sep;
        char *snap = end ? strstr(end, "/snapshots/") : NULL;

        if (end && snap == end) {
            char *rev = snap + 11, *rend = strchr(rev, '/');
            char *id = xstrndup(name, (size_t)(end - name));

            sep = strstr(id, "--");
            if (sep) {
                *sep = '/';
                memmove(sep + 1, sep + 2, strlen(sep + 2) + 1);
            }
            if (zx_valid_model_id(id)) {
                m->id = id;
                m->revision =
                    rend ? xstrndup(rev, (size_t)(rend - rev)) : xstrdup(rev);
                free(p);
                return;
            }
            free(id);
        }
    }
    n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    last = strrchr(p, '/');
    if (last && last != p) {
        *last = '\0';
        prev = strrchr(p, '/');
        *last = '/';
    }
    if (prev)
        s = xstrdup(prev + 1);
    else
        s = xstrdup(last ? last + 1 : p);
    /* Replace characters a Hub id cannot hold. */
    for (char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-' ||
              *c == '/'))
            *c = '_';
    while (strstr(s, ".."))
        strstr(s, "..")[0] = '_';
    if (s[0] == '.' || s[0] == '-')
        s[0] = '_';
    if (strchr(s, '/') &&
        (strchr(s, '/')[1] == '.' || strchr(s, '/')[1] == '-'))
        strchr(s, '/')[1] = '_';
    m->id = s;
    free(p);
}

/* The Hugging Face cache folder (".../models--org--name") of a path in
 * one of its snapshots (".../snapshots/<rev>[/...]"), owned, or NULL. */
static char *cache_folder(const char *path)
{
    const char *hub = strstr(path, "/models--"), *end, *snap;

    if (!hub)
        return NULL;
    end = strchr(hub + 9, '/');
    snap = end ? strstr(end, "/snapshots/") : NULL;
    if (!end || snap != end)
        return NULL;
    return xstrndup(path, (size_t)(end - path));
}

/* The commit refs/main of the cache folder `folder` names (whitespace
 * stripped), owned, or NULL when there is none. */
static char *ref_main(const char *folder)
{
    char *p = zx_path_join(folder, "refs/main"), *data = NULL, *c;
    size_t len = 0;

    if (zx_read_file(p, 256, &data, &len, NULL) != 0) {
        free(p);
        free(data);
        return NULL;
    }
    free(p);
    for (c = data; *c && !strchr(" \t\r\n", *c); c++)
        ;
    *c = '\0';
    if (!data[0] || strchr(data, '/') || !strcmp(data, ".") ||
        !strcmp(data, "..")) {
        free(data);
        return NULL;
    }
    return data;
}

int zx_model_older_snapshot(const struct zx_model_src *src,
                            struct zx_error *note)
{
    char *folder, *cur, *snap;
    struct stat st;
    int older = 0;

    if (!src->revision || !(folder = cache_folder(src->path)))
        return 0;
    cur = ref_main(folder);
    if (cur && strcmp(cur, src->revision)) {
        snap = xasprintf("%s/snapshots/%s", folder, cur);
        older = stat(snap, &st) == 0 && S_ISDIR(st.st_mode);
        free(snap);
    }
    if (older)
        zx_fail(note, ZX_EUSAGE,
                "'%s' is an older snapshot of %s: %s/refs/main names %s; "
                "skipped (--id gives it an id of its own)",
                src->path, src->id, folder, cur);
    free(cur);
    free(folder);
    return older;
}

int zx_model_id_taken(const struct zx_model_src *src, const char *held_source,
                      const char *held_weights, const char *held_rev, int *copy,
                      struct zx_error *err)
{
    const char *w = src->weights_shown ? src->weights_shown : src->weights;
    const char *bang;
    char *held_path, *folder, *cur;
    struct stat st;
    int newer;

    *copy = 0;
    if (!held_source || !strcmp(held_source, src->path) ||
        (held_weights && w && !strcmp(held_weights, w)))
        return ZX_OK; /* the same model */
    if (!strncmp(held_source, "hub:", 4))
        return ZX_OK; /* a record from the Hub: the ingest completes it */
    /* An archive's model ("<archive>!/<folder>") lives while its archive
     * does. */
    bang = strstr(held_source, "!/");
    held_path = bang ? xstrndup(held_source, (size_t)(bang - held_source))
                     : xstrdup(held_source);
    if (lstat(held_path, &st) != 0) {
        int e = errno;

        free(held_path);
        if (e == ENOENT || e == ENOTDIR)
            return ZX_OK; /* moved or renamed: this is its new place */
        return zx_fail(err, ZX_EIO,
                       "'%s' gets the id '%s', which '%s' has, and whether "
                       "that is still there cannot be told: %s; refused",
                       src->path, src->id, held_source, strerror(e));
    }
    free(held_path);
    if (src->revision && held_rev && !strcmp(src->revision, held_rev)) {
        *copy = 1; /* another copy of the same Hub revision */
        return ZX_OK;
    }
    /* A revision that the held snapshot's own cache now names as main. */
    newer = 0;
    if (src->revision && held_rev && (folder = cache_folder(held_source))) {
        cur = ref_main(folder);
        newer = cur && !strcmp(cur, src->revision);
        free(cur);
        free(folder);
    }
    if (newer)
        return ZX_OK;
    if (src->revision || held_rev)
        return zx_fail(err, ZX_EUSAGE,
                       "'%s' (revision %s) gets the id '%s', which '%s' "
                       "(revision %s) already has; refused (one id, one "
                       "revision: remove the other with zoodex rm, or give "
                       "this one another id with --id)",
                       src->path, src->revision ? src->revision : "none",
                       src->id, held_source, held_rev ? held_rev : "none");
    return zx_fail(err, ZX_EUSAGE,
                   "'%s' gets the id '%s', which '%s' already has; refused "
                   "(ids are unique: rename one, give it another with --id, "
                   "or remove the other with zoodex rm)",
                   src->path, src->id, held_source);
}

/* Fold one file's identity into the change stamp. */
static void stamp_file(struct zx_sha256 *h, const char *path, int content)
{
    struct stat st;
    struct zx_buf b = {0};

    if (stat(path, &st) != 0)
        return;
    zx_buf_printf(&b, "%s\n%lld\n%lld.%09ld\n", path, (long long)st.st_size,
                  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    zx_sha256_update(h, b.data, b.len);
    zx_buf_release(&b);
    if (content) {
        char *data = NULL;
        size_t len = 0;

        if (zx_read_file(path, ZX_MAX_CARD_BYTES, &data, &len, NULL) == 0)
            zx_sha256_update(h, data, len);
        free(data);
    }
}

static int load_json_opt(const char *dir, const char *name, json_t **out,
                         struct zx_error *err)
{
    char *p = zx_path_join(dir, name);
    int rc = zx_json_load_file(p, ZX_MAX_CONFIG_BYTES, out, err);

    if (rc == ZX_ENOTFOUND)
        rc = ZX_OK;
    else if (rc == ZX_OK && !json_is_object(*out))
        rc = zx_fail(err, ZX_EFORMAT, "%s: not a JSON object", p);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    free(p);
    return rc;
}

/* Absolute path of `path` with symbolic links resolved, except a final
 * link to a file: in a Hugging Face cache snapshots/<rev>/model.safetensors
 * links into blobs/, and the snapshot path carries the id and revision. */
static char *abs_path(const char *path)
{
    char real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    struct stat lst, st;
    char *dir;

    if (lstat(path, &lst) != 0 || !S_ISLNK(lst.st_mode) ||
        stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return realpath(path, real) ? xstrdup(real) : NULL;
    dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
                : xstrdup(".");
    if (!realpath(dir, real)) {
        int saved = errno;

        free(dir);
        errno = saved;
        return NULL;
    }
    free(dir);
    return zx_path_join(real, slash ? slash + 1 : path);
}

/* A valid "org/name" that is not a path (one slash, nothing hidden). */
static int org_name(const char *s)
{
    const char *slash = s ? strchr(s, '/') : NULL;

    return slash && slash != s && !strchr(slash + 1, '/') && s[0] != '.' &&
           slash[1] != '.' && slash[1] && zx_valid_model_id(s);
}

/* The org of a derived id: `org` (--org) when given, else the org of the
 * config's or the card's _name_or_path when that is "org/<the derived
 * name>" (a name_or_path naming another model is its parent, not it).
 * Ids from a Hugging Face cache path are the Hub's and stay. */
static int set_org(struct zx_model_src *m, const char *org,
                   struct zx_error *err)
{
    const char *slash = strchr(m->id, '/');
    const char *name = slash ? slash + 1 : m->id;
    json_t *const srcs[] = {m->config, m->card};
    char *id = NULL;
    size_t i;

    if (m->revision)
        return ZX_OK;
    if (org) {
        id = xasprintf("%s/%s", org, name);
        if (!org_name(id)) {
            zx_fail(err, ZX_EUSAGE, "'%s' is not a valid model id", id);
            free(id);
            return ZX_EUSAGE;
        }
    } else {
        for (i = 0; i < 2 && !id; i++) {
            const char *v = zx_json_str(srcs[i], "_name_or_path");

            if (org_name(v) && !strcmp(strchr(v, '/') + 1, name))
                id = xstrdup(v);
        }
    }
    if (id) {
        free(m->id);
        m->id = id;
    }
    return ZX_OK;
}

int zx_model_src_open(const char *path, const char *id,
                      struct zx_model_src **out, struct zx_error *err)
{
    return zx_model_src_open_as(path, id, NULL, out, err);
}

int zx_model_src_open_as(const char *path, const char *id, const char *org,
                         struct zx_model_src **out, struct zx_error *err)
{
    struct zx_model_src *m = xcalloc(1, sizeof(*m));
    struct zx_sha256 *h = NULL;
    char *real;
    char *card = NULL, *cardpath = NULL, *dir = NULL;
    size_t cardlen = 0;
    int rc = ZX_OK, is_file;

    *out = NULL;
    real = abs_path(path);
    if (!real) {
        if (errno == ENOENT)
            rc = zx_fail(err, ZX_ENOTFOUND,
                         "cannot open '%s': No such file "
                         "or directory",
                         path);
        else
            rc = zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
        goto out;
    }
    m->path = real;
    is_file = zx_is_file(real);
    if (is_file) {
        if (!zx_ckpt_is_weights_name(real)) {
            rc = zx_ckpt_refuse(path, err);
            if (!rc)
                rc = zx_fail(err, ZX_EUNSUPPORTED,
                             "'%s' is not a .safetensors "
                             "file, a PyTorch checkpoint (.bin .pt .pth .ckpt) "
                             "or a model folder",
                             path);
            goto out;
        }
        m->weights = xstrdup(real);
        /* A weights file directly inside a model folder takes its
         * metadata. */
        dir = xstrdup(real);
        *strrchr(dir, '/') = '\0';
        if (!folder_weights_name(strrchr(real, '/') + 1)) {
            free(dir);
            dir = NULL;
        }
    } else if (zx_is_dir(real)) {
        rc = zx_model_weights(path, &m->weights, err);
        if (rc) {
            if (rc == ZX_ENOTFOUND) /* gone since realpath() */
                rc = ZX_EIO;
            goto out;
        }
        {
            /* the same file under the resolved folder */
            char *w = zx_path_join(real, strrchr(m->weights, '/') + 1);

            free(m->weights);
            m->weights = w;
        }
        dir = xstrdup(real);
    } else {
        rc = zx_fail(err, ZX_EUNSUPPORTED,
                     "'%s' is neither a file nor a "
                     "folder",
                     path);
        goto out;
    }
    h = zx_sha256_new();
    stamp_file(h, m->weights, 0);
    if (has_suffix(m->weights, ".index.json")) {
        /* Shards: fold in every file of the folder that looks like one. */
        char *wdir = xstrdup(m->weights);
        DIR *d;
        struct dirent *de;

        *strrchr(wdir, '/') = '\0';
        stamp_file(h, m->weights, 1);
        d = opendir(wdir);
        while (d && (de = readdir(d))) {
            if (has_suffix(de->d_name, ".safetensors") ||
                has_suffix(de->d_name, ".bin")) {
                char *p = zx_path_join(wdir, de->d_name);

                stamp_file(h, p, 0);
                free(p);
            }
        }
        if (d)
            closedir(d);
        free(wdir);
    }
    if (dir) {
        rc = load_json_opt(dir, "config.json", &m->config, err);
        if (!rc)
            rc = load_json_opt(dir, "adapter_config.json", &m->adapter, err);
        if (rc)
            goto out;
        cardpath = zx_path_join(dir, "README.md");
        rc = zx_read_file(cardpath, ZX_MAX_CARD_BYTES, &card, &cardlen, err);
        if (rc == ZX_ENOTFOUND) {
            rc = ZX_OK;
        } else if (rc == ZX_OK) {
            rc = zx_card_parse(card, cardlen, cardpath, &m->card, err);
        }
        if (rc)
            goto out;
        {
            static const char *const meta[] = {"config.json", "README.md",
                                               "adapter_config.json"};
            size_t i;

            for (i = 0; i < 3; i++) {
                char *p = zx_path_join(dir, meta[i]);

                stamp_file(h, p, 1);
                free(p);
            }
        }
    }
    if (id) {
        if (!zx_valid_model_id(id)) {
            rc = zx_fail(err, ZX_EUSAGE, "'%s' is not a valid model id", id);
            goto out;
        }
        m->id = xstrdup(id);
    } else {
        derive_id(m, is_file);
        rc = set_org(m, org, err);
        if (rc)
            goto out;
    }
    zx_sha256_update(h, m->id, strlen(m->id) + 1);
    zx_sha256_final_hex(h, m->stamp);
    *out = m;
    m = NULL;
out:
    zx_sha256_free(h);
    free(card);
    free(cardpath);
    free(dir);
    zx_model_src_free(m);
    return rc;
}

/* ===== Scanning ===== */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when `dir` is a model folder, or holds weights only in formats not
 * read yet (reported, so that ingest says why it skips it). */
static int scan_target(const char *dir)
{
    int several = 0;
    char *w = find_weights(dir, &several);

    if (!w && !several)
        w = find_unsupported(dir);
    free(w);
    return w != NULL;
}

/* The folders from the root of a scan down to the one being read: a
 * folder that is its own ancestor (a bind mount) is not read again. */
struct scan_up {
    const struct scan_up *up;
    dev_t dev;
    ino_t ino;
};

static int scan(const char *dir, const struct scan_up *up,
                int (*cb)(const char *path, void *arg), void *arg,
                struct zx_error *err)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;
    struct scan_up me = {up, 0, 0};
    struct stat st;
    const struct scan_up *a;

    if (scan_target(dir))
        return cb(dir, arg);
    if (stat(dir, &st) == 0) {
        me.dev = st.st_dev;
        me.ino = st.st_ino;
        for (a = up; a; a = a->up)
            if (a->dev == me.dev && a->ino == me.ino)
                return 0;
    }
    d = opendir(dir);
    if (!d)
        return zx_fail_errno(err, ZX_EIO, "cannot read folder '%s'", dir);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        ZX_GROW(n + 1, cap, names);
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n) /* names is NULL in an empty folder */
        qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n && !rc; i++) {
        char *p = zx_path_join(dir, names[i]);

        if (lstat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = scan(p, &me, cb, arg, err);
            else if (S_ISREG(st.st_mode) &&
                     (has_suffix(p, ".safetensors") || has_suffix(p, ".pth")))
                rc = cb(p, arg);
        }
        free(p);
    }
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int zx_model_scan(const char *root, int (*cb)(const char *path, void *arg),
                  void *arg, struct zx_error *err)
{
    if (zx_is_file(root))
        return cb(root, arg);
    if (!zx_is_dir(root))
        return zx_fail(err, ZX_ENOTFOUND,
                       "cannot open '%s': No such file "
                       "or directory",
                       root);
    return scan(root, NULL, cb, arg, err);
}

/* ===== Metadata ===== */

static void copy_if(json_t *dst, const char *dk, json_t *src, const char *sk)
{
    json_t *v = src ? json_object_get(src, sk) : NULL;

    if (v && !json_is_null(v))
        json_object_set(dst, dk, v);
}

/* A card field that may be a string or a list, as an array of strings. */
static json_t *str_list(json_t *v)
{
    json_t *a = json_array(), *x;
    size_t i;

    if (json_is_string(v)) {
        json_array_append(a, v);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if (json_is_string(x))
                json_array_append(a, x);
        }
    }
    return a;
}

json_t *zx_model_meta(const struct zx_model_src *m)
{
    json_t *o = json_object(), *labels, *v;

    copy_if(o, "architectures", m->config, "architectures");
    copy_if(o, "model_type", m->config, "model_type");
    copy_if(o, "torch_dtype", m->config, "torch_dtype");
    copy_if(o, "name_or_path", m->config, "_name_or_path");
    labels = m->config ? json_object_get(m->config, "id2label") : NULL;
    if (json_is_object(labels) && json_object_size(labels) <= MAX_LABELS) {
        json_object_set(o, "id2label", labels);
        json_object_set_new(o, "num_labels",
                            json_integer((json_int_t)json_object_size(labels)));
    } else if (m->config &&
               json_is_integer(v = json_object_get(m->config, "num_labels"))) {
        json_object_set(o, "num_labels", v);
    }
    copy_if(o, "license", m->card, "license");
    copy_if(o, "pipeline_tag", m->card, "pipeline_tag");
    copy_if(o, "library_name", m->card, "library_name");
    if (m->card && json_object_get(m->card, "tags"))
        json_object_set_new(o, "tags",
                            str_list(json_object_get(m->card, "tags")));
    if (m->card && json_object_get(m->card, "datasets"))
        json_object_set_new(o, "datasets",
                            str_list(json_object_get(m->card, "datasets")));
    if (m->card && json_object_get(m->card, "base_model"))
        json_object_set_new(o, "base_model",
                            str_list(json_object_get(m->card, "base_model")));
    copy_if(o, "base_model_relation", m->card, "base_model_relation");
    if (m->adapter) {
        json_t *a = json_object();

        copy_if(a, "base_model_name_or_path", m->adapter,
                "base_model_name_or_path");
        copy_if(a, "peft_type", m->adapter, "peft_type");
        copy_if(a, "r", m->adapter, "r");
        copy_if(a, "lora_alpha", m->adapter, "lora_alpha");
        copy_if(a, "target_modules", m->adapter, "target_modules");
        copy_if(a, "task_type", m->adapter, "task_type");
        json_object_set_new(o, "adapter", a);
    }
    return o;
}

static int known_relation(const char *r)
{
    return r && (!strcmp(r, "finetune") || !strcmp(r, "adapter") ||
                 !strcmp(r, "quantized") || !strcmp(r, "merge"));
}

static void add_parent(json_t *arr, const char *self, const char *parent,
                       const char *rel, const char *source)
{
    json_t *x;
    size_t i;

    if (!parent || !*parent || !strcmp(parent, self))
        return;
    json_array_foreach(arr, i, x)
    {
        if (!strcmp(zx_json_str(x, ZX_EDGE_PARENT), parent))
            return;
    }
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", ZX_EDGE_PARENT,
                                         parent, ZX_EDGE_RELATION, rel,
                                         ZX_EDGE_SOURCE, source));
}

json_t *zx_model_declared_parents(const struct zx_model_src *m)
{
    json_t *arr = json_array(), *bases, *x;
    const char *rel;
    size_t i;

    bases = str_list(m->card ? json_object_get(m->card, "base_model") : NULL);
    rel = m->card ? zx_json_str(m->card, "base_model_relation") : NULL;
    if (!known_relation(rel)) {
        /* The Hub infers the relation when the card does not say. */
        if (m->adapter)
            rel = "adapter";
        else if (json_array_size(bases) > 1)
            rel = "merge";
        else
            rel = "finetune";
    }
    json_array_foreach(bases, i, x)
    {
        add_parent(arr, m->id, json_string_value(x), rel, "card");
    }
    json_decref(bases);
    if (m->adapter)
        add_parent(arr, m->id,
                   zx_json_str(m->adapter, "base_model_name_or_path"),
                   "adapter", "adapter_config");
    return arr;
}
