/* zoo.c - a model zoo inside an archive: validate it, find its model
 * folders on a skeleton, stage each model's files for ingest.
 *
 * The two passes and the skeleton are described in zoo.h.  The
 * skeleton is safe to build because ingest/unpack.c has already refused
 * every path with a ".." component or an absolute name, and every path that
 * goes through an earlier link or file: each skeleton path is the staging
 * root plus a normalised relative path whose folders are real folders.
 * Symbolic links are created with absolute targets that unpack.c resolved
 * inside the archive, never with the archive's own text, so no chain of
 * links can lead out of the staging folder.  Data is only ever written to
 * the skeleton files of regular entries, opened with O_NOFOLLOW.
 * SPDX-License-Identifier: MIT */
#include "zoo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zx_buf.h"
#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_mem.h"

#define STAGE_CHUNK (256u << 10)
#define WALK_DEPTH 32
#define STAMP_CONTENT_MAX (16u << 20)

struct ent {
    char *path; /* normalised path inside the archive */
    enum zx_unpack_type type;
    uint64_t bytes; /* bytes produced in pass 1 */
    int64_t mtime;
    long mtime_nsec;
    ino_t ino;     /* skeleton inode of a regular file */
    uint32_t refs; /* models still needing its data */
};

struct model {
    char *member;  /* path inside the archive, "" for the root */
    char *disk;    /* its skeleton path */
    size_t *needs; /* entry indices, ascending */
    size_t n_needs;
    size_t ready; /* the last needed entry; SIZE_MAX: none */
};

struct zx_zoo {
    char *path; /* absolute path of the archive */
    char *tmp;  /* the mkdtemp folder, removed on close */
    char *root; /* skeleton root: tmp/<parent>/<stem> */
    struct zx_zoo_opts o;
    struct ent *e;
    size_t n, cap;
    struct model *m;
    size_t nm, mcap;
};

/* ===== Names ===== */

static const char *const suffixes[] = {
    ".tar.gz", ".tar.zst", ".tar.xz", ".tar.bz2", ".tgz",
    ".tzst",   ".txz",     ".tbz2",   ".tar",     ".zip",
};

static size_t suffix_len(const char *name)
{
    size_t n = strlen(name), i;

    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t k = strlen(suffixes[i]);

        if (n > k && !strcasecmp(name + n - k, suffixes[i]))
            return k;
    }
    return 0;
}

int zx_zoo_is_archive_name(const char *path)
{
    const char *base = strrchr(path, '/');

    return suffix_len(base ? base + 1 : path) != 0;
}

void zx_zoo_default_opts(struct zx_zoo_opts *o)
{
    memset(o, 0, sizeof(*o));
    zx_unpack_default_limits(&o->lim);
}

/* "<parent>/<stem>" for an absolute archive path: the folder the archive
 * would unpack into, relative to its parent's parent.  Components that
 * would not make a folder name become "archive". */
static char *skeleton_rel(const char *abs)
{
    const char *base = strrchr(abs, '/') + 1, *pend = base - 1, *parent;
    size_t k = suffix_len(base), blen = strlen(base) - k;
    char *stem = xstrndup(base, blen), *par, *r;

    parent = pend;
    while (parent > abs && parent[-1] != '/')
        parent--;
    par = xstrndup(parent, (size_t)(pend - parent));
    if (!*stem || !strcmp(stem, ".") || !strcmp(stem, "..")) {
        free(stem);
        stem = xstrdup("archive");
    }
    if (!*par) {
        free(par);
        par = xstrdup("archive");
    }
    r = xasprintf("%s/%s", par, stem);
    free(par);
    free(stem);
    return r;
}

/* ===== Removal ===== */

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void zx_zoo_close(struct zx_zoo *za)
{
    size_t i;

    if (!za)
        return;
    if (za->tmp)
        rm_rf(za->tmp);
    for (i = 0; i < za->n; i++)
        free(za->e[i].path);
    for (i = 0; i < za->nm; i++) {
        free(za->m[i].member);
        free(za->m[i].disk);
        free(za->m[i].needs);
    }
    free(za->e);
    free(za->m);
    free(za->path);
    free(za->tmp);
    free(za->root);
    free(za);
}

size_t zx_zoo_n_models(const struct zx_zoo *za)
{
    return za->nm;
}

const char *zx_zoo_model(const struct zx_zoo *za, size_t i)
{
    return i < za->nm ? za->m[i].member : NULL;
}

/* ===== Pass 1: the skeleton ===== */

static int stopped(const struct zx_zoo *za)
{
    return za->o.stop && *za->o.stop;
}

static char *disk_path(const struct zx_zoo *za, const char *rel)
{
    return *rel ? zx_path_join(za->root, rel) : xstrdup(za->root);
}

/* mkdir -p of the folder that holds `p` (a skeleton path). */
static int make_parent(const char *p, struct zx_error *err)
{
    char *dir = xstrdup(p);
    int rc;

    *strrchr(dir, '/') = '\0';
    rc = zx_mkdirs(dir, err);
    free(dir);
    return rc;
}

static int skeleton_add(struct zx_zoo *za, const struct zx_unpack_entry *e,
                        struct ent *me, struct zx_error *err)
{
    char *p = disk_path(za, e->path), *target = NULL;
    struct stat st;
    int rc = ZX_OK, fd = -1;

    if (e->type != ZX_UNPACK_DIR) {
        rc = make_parent(p, err);
        if (rc)
            goto out;
    }
    switch (e->type) {
    case ZX_UNPACK_DIR:
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            break;
        rc = zx_mkdirs(p, err);
        break;
    case ZX_UNPACK_FILE:
        fd =
            open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 || fstat(fd, &st) != 0) {
            rc = zx_fail_errno(err, ZX_EIO, "cannot stage '%s'", e->path);
            break;
        }
        me->ino = st.st_ino;
        break;
    case ZX_UNPACK_SYMLINK:
        target = zx_path_join(za->root, e->link);
        if (symlink(target, p) != 0)
            rc = zx_fail_errno(err, ZX_EIO, "cannot stage link '%s'", e->path);
        break;
    case ZX_UNPACK_HARDLINK:
        target = zx_path_join(za->root, e->link);
        if (link(target, p) != 0)
            rc = zx_fail_errno(err, ZX_EIO, "cannot stage link '%s'", e->path);
        break;
    }
out:
    if (fd >= 0)
        close(fd);
    free(target);
    free(p);
    return rc;
}

/* Read and count the current entry's data without keeping it. */
static int skip_data(struct zx_zoo *za, struct zx_unpack *u, unsigned char *buf,
                     uint64_t *bytes, struct zx_error *err)
{
    size_t got;
    int rc;

    *bytes = 0;
    do {
        if (stopped(za))
            return zx_fail(err, ZX_EIO, "interrupted");
        rc = zx_unpack_read(u, buf, STAGE_CHUNK, &got, err);
        *bytes += got;
    } while (!rc && got);
    return rc;
}

static int collect_cb(const char *path, void *arg)
{
    struct zx_zoo *za = arg;
    size_t rl = strlen(za->root);
    struct model *m;

    ZX_GROW(za->nm + 1, za->mcap, za->m);
    m = &za->m[za->nm++];
    memset(m, 0, sizeof(*m));
    m->disk = xstrdup(path);
    /* zx_model_scan() joins names onto the root it was given. */
    if (!strncmp(path, za->root, rl) && path[rl] == '/')
        m->member = xstrdup(path + rl + 1);
    else
        m->member = xstrdup("");
    m->ready = SIZE_MAX;
    return 0;
}

/* ===== Needed entries: walk a model's skeleton, links followed ===== */

struct ino_idx {
    ino_t ino;
    size_t idx;
};

static int cmp_ino(const void *a, const void *b)
{
    const struct ino_idx *x = a, *y = b;

    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* A set of folder identities, so that links to folders cannot loop. */
struct dirset {
    uint64_t *k; /* 0: empty */
    size_t cap, n;
};

static int dirset_add(struct dirset *s, dev_t dev, ino_t ino)
{
    uint64_t key = ((uint64_t)ino * 0x9e3779b97f4a7c15u) ^ (uint64_t)dev;
    size_t i;

    if (!key)
        key = 1;
    if (2 * (s->n + 1) > s->cap) {
        struct dirset old = *s;

        s->cap = old.cap ? 2 * old.cap : 64;
        s->k = xcalloc(s->cap, sizeof(*s->k));
        s->n = 0;
        for (i = 0; i < old.cap; i++) {
            if (old.k[i]) {
                size_t j = (size_t)(old.k[i] % s->cap);

                while (s->k[j])
                    j = (j + 1) % s->cap;
                s->k[j] = old.k[i];
                s->n++;
            }
        }
        free(old.k);
    }
    for (i = (size_t)(key % s->cap); s->k[i]; i = (i + 1) % s->cap)
        if (s->k[i] == key)
            return 0;
    s->k[i] = key;
    s->n++;
    return 1;
}

struct walk {
    struct zx_zoo *za;
    const struct ino_idx *map;
    size_t n_map;
    dev_t dev;
    struct dirset dirs;
    size_t *mark; /* per entry: model number + 1 when already needed */
    size_t model; /* model number */
    struct model *m;
    size_t need_cap;
};

static void need_file(struct walk *w, const struct stat *st)
{
    struct ino_idx key = {st->st_ino, 0}, *hit;

    if (st->st_dev != w->dev)
        return;
    hit = bsearch(&key, w->map, w->n_map, sizeof(*w->map), cmp_ino);
    if (!hit || w->mark[hit->idx] == w->model + 1)
        return;
    w->mark[hit->idx] = w->model + 1;
    ZX_GROW(w->m->n_needs + 1, w->need_cap, w->m->needs);
    w->m->needs[w->m->n_needs++] = hit->idx;
}

static void walk_dir(struct walk *w, const char *dir, int depth)
{
    struct zx_buf p = {0};
    DIR *d;
    struct dirent *de;

    if (depth > WALK_DEPTH)
        return;
    d = opendir(dir);
    if (!d)
        return;
    while ((de = readdir(d))) {
        struct stat st;

        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        zx_buf_reset(&p);
        zx_buf_printf(&p, "%s/%s", dir, de->d_name);
        if (stat(p.data, &st) != 0) /* follows links; dangling ones fail */
            continue;
        if (S_ISREG(st.st_mode))
            need_file(w, &st);
        else if (S_ISDIR(st.st_mode) &&
                 dirset_add(&w->dirs, st.st_dev, st.st_ino))
            walk_dir(w, p.data, depth + 1);
    }
    closedir(d);
    zx_buf_release(&p);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

static void find_needs(struct zx_zoo *za)
{
    struct walk w = {0};
    struct ino_idx *map = xcalloc(za->n ? za->n : 1, sizeof(*map));
    struct stat st;
    size_t i, n = 0, j;

    for (i = 0; i < za->n; i++)
        if (za->e[i].type == ZX_UNPACK_FILE)
            map[n++] = (struct ino_idx){za->e[i].ino, i};
    qsort(map, n, sizeof(*map), cmp_ino);
    w.za = za;
    w.map = map;
    w.n_map = n;
    w.mark = xcalloc(za->n ? za->n : 1, sizeof(*w.mark));
    w.dev = stat(za->root, &st) == 0 ? st.st_dev : 0;
    for (i = 0; i < za->nm; i++) {
        struct model *m = &za->m[i];

        w.model = i;
        w.m = m;
        w.need_cap = 0;
        w.dirs.n = 0;
        if (w.dirs.k)
            memset(w.dirs.k, 0, w.dirs.cap * sizeof(*w.dirs.k));
        if (stat(m->disk, &st) != 0)
            continue;
        if (S_ISREG(st.st_mode)) {
            need_file(&w, &st);
        } else if (S_ISDIR(st.st_mode)) {
            dirset_add(&w.dirs, st.st_dev, st.st_ino);
            walk_dir(&w, m->disk, 0);
        }
        if (m->n_needs)
            qsort(m->needs, m->n_needs, sizeof(*m->needs), cmp_size);
        for (j = 0; j < m->n_needs; j++)
            za->e[m->needs[j]].refs++;
        m->ready = m->n_needs ? m->needs[m->n_needs - 1] : SIZE_MAX;
    }
    free(w.dirs.k);
    free(w.mark);
    free(map);
}

static int make_tmp(struct zx_zoo *za, struct zx_error *err)
{
    const char *base = za->o.tmpdir;
    char *tmpl, *rel;
    int rc = ZX_OK;

    if (!base || !*base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    tmpl = xasprintf("%s/zoodex-ingest-XXXXXX", base);
    if (!mkdtemp(tmpl)) { /* mode 0700 */
        rc = zx_fail_errno(err, ZX_EIO,
                           "cannot make a staging folder in "
                           "'%s'",
                           base);
        free(tmpl);
        return rc;
    }
    za->tmp = tmpl;
    rel = skeleton_rel(za->path);
    za->root = zx_path_join(za->tmp, rel);
    free(rel);
    return zx_mkdirs(za->root, err);
}

static int add_entry(struct zx_zoo *za, const struct zx_unpack_entry *e)
{
    struct ent *me;

    ZX_GROW(za->n + 1, za->cap, za->e);
    me = &za->e[za->n++];
    memset(me, 0, sizeof(*me));
    me->path = xstrdup(e->path);
    me->type = e->type;
    me->mtime = e->mtime;
    me->mtime_nsec = e->mtime_nsec;
    return ZX_OK;
}

int zx_zoo_open(const char *path, const struct zx_zoo_opts *o,
                struct zx_zoo **out, struct zx_error *err)
{
    struct zx_zoo *za = xcalloc(1, sizeof(*za));
    struct zx_unpack *u = NULL;
    struct zx_unpack_entry e;
    unsigned char *buf = NULL;
    char real[PATH_MAX];
    int rc;

    *out = NULL;
    if (o)
        za->o = *o;
    else
        zx_zoo_default_opts(&za->o);
    rc = zx_unpack_open(path, &za->o.lim, &u, err);
    if (rc)
        goto out;
    if (!realpath(path, real)) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot open '%s'", path);
        goto out;
    }
    za->path = xstrdup(real);
    rc = make_tmp(za, err);
    if (rc)
        goto out;
    buf = xmalloc(STAGE_CHUNK);
    while ((rc = zx_unpack_next(u, &e, err)) == ZX_OK) {
        struct ent *me;

        if (stopped(za)) {
            rc = zx_fail(err, ZX_EIO, "interrupted");
            goto out;
        }
        add_entry(za, &e);
        me = &za->e[za->n - 1];
        rc = skeleton_add(za, &e, me, err);
        if (!rc)
            rc = skip_data(za, u, buf, &me->bytes, err);
        if (rc)
            goto out;
        if (za->o.progress)
            za->o.progress(za->o.arg, zx_unpack_entries(u), zx_unpack_bytes(u),
                           e.path);
    }
    if (rc != ZX_ENOTFOUND)
        goto out;
    rc = zx_model_scan(za->root, collect_cb, za, err);
    if (rc)
        goto out;
    find_needs(za);
    za->o.progress = NULL; /* its argument need not outlive this call */
    za->o.arg = NULL;
    *out = za;
    za = NULL;
out:
    free(buf);
    zx_unpack_close(u);
    zx_zoo_close(za);
    return rc;
}

/* ===== Pass 2: staging and handing models over ===== */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);

    return n >= k && !strcmp(s + n - k, suf);
}

/* The change stamp of an archived model (see zoo.h). */
static void stamp(struct zx_zoo *za, const struct model *m, const char *id,
                  char hex[65])
{
    struct zx_sha256 *h = zx_sha256_new();
    struct zx_buf b = {0};
    size_t i;

    zx_buf_printf(&b, "zoodex archive 1\n%s\n%s\n%s\n", za->path, m->member,
                  id);
    zx_sha256_update(h, b.data, b.len + 1);
    for (i = 0; i < m->n_needs; i++) {
        const struct ent *e = &za->e[m->needs[i]];

        zx_buf_reset(&b);
        zx_buf_printf(&b, "%s\n%llu\n%lld.%09ld\n", e->path,
                      (unsigned long long)e->bytes, (long long)e->mtime,
                      e->mtime_nsec);
        zx_sha256_update(h, b.data, b.len);
        if (has_suffix(e->path, ".json") || has_suffix(e->path, ".md")) {
            char *p = disk_path(za, e->path), *data = NULL;
            size_t len = 0;

            if (zx_read_file(p, STAMP_CONTENT_MAX, &data, &len, NULL) == 0)
                zx_sha256_update(h, data, len);
            free(data);
            free(p);
        }
    }
    zx_sha256_final_hex(h, hex);
    zx_sha256_free(h);
    zx_buf_release(&b);
}

/* Write the current entry's data into its skeleton file. */
static int stage_file(struct zx_zoo *za, struct zx_unpack *u,
                      const struct ent *me, unsigned char *buf,
                      struct zx_error *err)
{
    char *p = disk_path(za, me->path);
    int fd = open(p, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    int rc = ZX_OK;
    size_t got;

    if (fd < 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot stage '%s'", me->path);
        goto out;
    }
    for (;;) {
        size_t off = 0;

        if (stopped(za))
            break;
        rc = zx_unpack_read(u, buf, STAGE_CHUNK, &got, err);
        if (rc || !got)
            break;
        while (off < got) {
            ssize_t w = write(fd, buf + off, got - off);

            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = zx_fail_errno(err, ZX_EIO, "cannot stage '%s' in '%s'",
                                   me->path, za->tmp);
                goto out;
            }
            off += (size_t)w;
        }
    }
out:
    if (fd >= 0 && close(fd) != 0 && !rc)
        rc = zx_fail_errno(err, ZX_EIO, "cannot stage '%s' in '%s'", me->path,
                           za->tmp);
    free(p);
    return rc;
}

void zx_zoo_explain(const struct zx_zoo *za, struct zx_error *err)
{
    struct zx_buf b = {0};
    const char *rest, *at;

    if (!err || !za->root)
        return;
    rest = err->msg;
    while ((at = strstr(rest, za->root))) {
        zx_buf_add(&b, rest, (size_t)(at - rest));
        zx_buf_printf(&b, "%s!", za->path);
        rest = at + strlen(za->root);
    }
    if (rest == err->msg)
        return;
    zx_buf_adds(&b, rest);
    snprintf(err->msg, sizeof(err->msg), "%s", b.data);
    zx_buf_release(&b);
}

/* Open model m from the skeleton, hand it over, release its files. */
static int hand_over(struct zx_zoo *za, size_t i, const char *id,
                     int (*cb)(void *, size_t, struct zx_model_src *,
                               const struct zx_error *),
                     void *arg)
{
    struct model *m = &za->m[i];
    struct zx_model_src *src = NULL;
    struct zx_error merr = {0};
    size_t j;
    int rc = zx_model_src_open(m->disk, id, &src, &merr);

    if (rc == ZX_OK) {
        size_t dl = strlen(m->disk);

        free(src->path);
        src->path = xasprintf("%s!/%s", za->path, m->member);
        if (src->weights && !strncmp(src->weights, m->disk, dl) &&
            src->weights[dl] == '/')
            src->weights_shown =
                xasprintf("%s!%s%s%s", za->path, *m->member ? "/" : "",
                          m->member, src->weights + dl);
        stamp(za, m, src->id, src->stamp);
    } else {
        zx_zoo_explain(za, &merr);
    }
    rc = cb(arg, i, src, &merr);
    zx_model_src_free(src);
    for (j = 0; j < m->n_needs; j++) {
        struct ent *e = &za->e[m->needs[j]];

        if (e->refs && --e->refs == 0) {
            char *p = disk_path(za, e->path);

            if (truncate(p, 0) != 0) {
                /* Only disk space is at stake; nothing to report. */
            }
            free(p);
        }
    }
    return rc;
}

struct rank {
    size_t ready, i;
};

static int cmp_rank(const void *a, const void *b)
{
    const struct rank *x = a, *y = b;

    if (x->ready != y->ready)
        return x->ready < y->ready ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int zx_zoo_ingest(struct zx_zoo *za, const char *id,
                  int (*cb)(void *arg, size_t i, struct zx_model_src *src,
                            const struct zx_error *merr),
                  void *arg, struct zx_error *err)
{
    struct zx_unpack *u = NULL;
    struct zx_unpack_entry e;
    unsigned char *buf = xmalloc(STAGE_CHUNK);
    size_t *order = xcalloc(za->nm ? za->nm : 1, sizeof(*order));
    size_t idx = 0, next = 0, i;
    int rc;

    /* Models in the order their last needed entry comes; ties sorted. */
    {
        struct rank *r = xcalloc(za->nm ? za->nm : 1, sizeof(*r));

        for (i = 0; i < za->nm; i++)
            r[i] = (struct rank){za->m[i].ready, i};
        if (za->nm)
            qsort(r, za->nm, sizeof(*r), cmp_rank);
        for (i = 0; i < za->nm; i++)
            order[i] = r[i].i;
        free(r);
    }
    rc = zx_unpack_open(za->path, &za->o.lim, &u, err);
    if (rc)
        goto out;
    while (!stopped(za) && (rc = zx_unpack_next(u, &e, err)) == ZX_OK) {
        const struct ent *me = idx < za->n ? &za->e[idx] : NULL;

        if (!me || strcmp(me->path, e.path) || me->type != e.type) {
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s' changed while it was read "
                         "(at entry '%s')",
                         za->path, e.path);
            goto out;
        }
        if (me->type == ZX_UNPACK_FILE && me->refs) {
            rc = stage_file(za, u, me, buf, err);
            if (rc)
                goto out;
        }
        while (!stopped(za) && next < za->nm &&
               za->m[order[next]].ready == idx) {
            rc = hand_over(za, order[next++], id, cb, arg);
            if (rc)
                goto out;
        }
        idx++;
    }
    if (stopped(za)) {
        rc = ZX_OK;
        goto out;
    }
    if (rc != ZX_ENOTFOUND)
        goto out;
    rc = ZX_OK;
    if (idx != za->n) {
        rc = zx_fail(err, ZX_EFORMAT,
                     "'%s' changed while it was read (%zu "
                     "entries, %zu before)",
                     za->path, idx, za->n);
        goto out;
    }
    /* Models that need no data at all (none in practice). */
    while (next < za->nm) {
        rc = hand_over(za, order[next++], id, cb, arg);
        if (rc)
            goto out;
    }
out:
    zx_unpack_close(u);
    free(order);
    free(buf);
    return rc;
}
