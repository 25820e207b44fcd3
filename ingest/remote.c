/* remote.c - Range reads of Hub models for light descriptors.
 * SPDX-License-Identifier: MIT */
#include "remote.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card.h"
#include "hfcache.h"
#include "zx_fs.h"
#include "zx_hash.h"
#include "zx_mem.h"
#include "zx_units.h"

#define HEAD_BYTES 100000u
#define MAX_META_BYTES (16u << 20)
#define COALESCE_GAP 4096u
#define MAX_HEADER_BYTES (100u << 20)
#define STREAM_BUDGET ZX_REMOTE_STREAM_BUDGET

/* Per-model scratch between the rounds. */
struct work {
    struct zx_remote *m;
    char *weights; /* the file named in siblings */
    int sharded;
    unsigned char **heads; /* per file */
    size_t *head_lens;
    uint64_t *sizes;
};

struct zx_remote *zx_remote_new(const char *id, json_t *info)
{
    struct zx_remote *m = xcalloc(1, sizeof(*m));
    const char *sha = zx_json_str(info, "sha");

    m->id = xstrdup(id);
    m->hub_id =
        zx_json_str(info, "_id") ? xstrdup(zx_json_str(info, "_id")) : NULL;
    m->rev = xstrdup(sha ? sha : "main");
    m->info = info;
    m->src.id = xstrdup(id);
    m->src.revision = sha ? xstrdup(sha) : NULL;
    m->src.path = xasprintf("hub:%s@%s", id, m->rev);
    return m;
}

void zx_remote_free(struct zx_remote *m)
{
    size_t i;

    if (!m)
        return;
    free(m->id);
    free(m->hub_id);
    free(m->rev);
    json_decref(m->info);
    free(m->src.id);
    free(m->src.revision);
    free(m->src.path);
    free(m->src.weights);
    json_decref(m->src.config);
    json_decref(m->src.card);
    json_decref(m->src.adapter);
    zx_ckpt_close(m->ck);
    for (i = 0; i < m->n_files; i++) {
        free(m->files[i]);
        free(m->file_sha256 ? m->file_sha256[i] : NULL);
    }
    free(m->files);
    free(m->file_sha256);
    free(m->norange);
    free(m->values);
    free(m);
}

static int has_sibling(json_t *info, const char *name)
{
    json_t *s, *x;
    size_t i;

    s = json_object_get(info, "siblings");
    json_array_foreach(s, i, x)
    {
        const char *r = zx_json_str(x, "rfilename");

        if (r && !strcmp(r, name))
            return 1;
    }
    return 0;
}

char *zx_remote_weights_file(json_t *info, int *sharded)
{
    static const char *const pref[] = {"model.safetensors.index.json",
                                       "model.safetensors",
                                       "adapter_model.safetensors"};
    json_t *s = json_object_get(info, "siblings"), *x;
    const char *best = NULL;
    size_t i;

    *sharded = 0;
    if (!json_is_array(s))
        return xstrdup("model.safetensors"); /* not listed: try the usual */
    for (i = 0; i < 3; i++) {
        if (has_sibling(info, pref[i])) {
            *sharded = i == 0;
            return xstrdup(pref[i]);
        }
    }
    json_array_foreach(s, i, x)
    {
        const char *r = zx_json_str(x, "rfilename");
        size_t l = r ? strlen(r) : 0;

        if (r && !strchr(r, '/') && l > 12 &&
            !strcmp(r + l - 12, ".safetensors") && !strstr(r, "-of-") &&
            (!best || strcmp(r, best) < 0))
            best = r;
    }
    return best ? xstrdup(best) : NULL;
}

int zx_remote_shard_files(const char *json, size_t len, const char *what,
                          char ***files_out, size_t *n_out,
                          struct zx_error *err)
{
    json_t *idx = NULL, *wm, *v, *seen = json_object();
    char **files = NULL;
    size_t n = 0, cap = 0;
    const char *key;
    int rc;

    *files_out = NULL;
    *n_out = 0;
    rc = zx_json_parse(json, len, MAX_META_BYTES, what, &idx, err);
    if (rc)
        goto out;
    wm = json_object_get(idx, "weight_map");
    if (!json_is_object(wm)) {
        rc = zx_fail(err, ZX_EFORMAT, "%s: index has no weight_map", what);
        goto out;
    }
    json_object_foreach(wm, key, v)
    {
        const char *s = json_string_value(v);

        /* A set of the names taken, so that a huge map stays linear. */
        if (!s || !*s || strstr(s, "..") || s[0] == '/' ||
            json_object_get(seen, s) || n >= ZX_CKPT_MAX_SHARDS)
            continue;
        json_object_set_new(seen, s, json_true());
        ZX_GROW(n + 1, cap, files);
        files[n++] = xstrdup(s);
    }
    if (!n) {
        rc = zx_fail(err, ZX_EFORMAT, "%s: index names no shard", what);
        goto out;
    }
    *files_out = files;
    *n_out = n;
    files = NULL;
    n = 0;
out:
    while (n > 0)
        free(files[--n]);
    free(files);
    json_decref(seen);
    json_decref(idx);
    return rc;
}

static char *resolve_url(const struct zx_remote *m, const char *file)
{
    char *ef = zx_hub_escape(file), *er = zx_hub_escape(m->rev), *u;
    const char *slash = strchr(m->id, '/');
    char *org =
        slash ? xstrndup(m->id, (size_t)(slash - m->id)) : xstrdup(m->id);
    char *eo = zx_hub_escape(org), *en = zx_hub_escape(slash ? slash + 1 : "");

    if (slash)
        u = xasprintf("/%s/%s/resolve/%s/%s", eo, en, er, ef);
    else
        u = xasprintf("/%s/resolve/%s/%s", eo, er, ef);
    free(ef);
    free(er);
    free(org);
    free(eo);
    free(en);
    return u;
}

/* A request answered from the HF cache instead of the network: 1 when so. */
static int from_cache(const struct zx_remote *m, const char *file,
                      struct zx_req *r)
{
    char *p = zx_hfcache_lookup(m->id, m->rev, file);
    int fd, ok = 0;
    off_t size;

    if (!p)
        return 0;
    fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && (size = lseek(fd, 0, SEEK_END)) >= 0) {
        uint64_t off = r->has_range ? r->range_off : 0;
        uint64_t len =
            r->has_range && r->range_len ? r->range_len : (uint64_t)size;

        if (off > (uint64_t)size)
            off = (uint64_t)size;
        if (len > (uint64_t)size - off)
            len = (uint64_t)size - off;
        if (len <= MAX_HEADER_BYTES) {
            zx_buf_reset(&r->body);
            zx_buf_grow(&r->body, (size_t)len);
            if (pread(fd, r->body.data, (size_t)len, (off_t)off) ==
                (ssize_t)len) {
                r->body.len = (size_t)len;
                r->body.data[len] = '\0';
                r->status = r->has_range ? 206 : 200;
                r->total_size = (uint64_t)size;
                ok = 1;
            }
        }
    }
    if (fd >= 0)
        close(fd);
    free(p);
    return ok;
}

/* ===== Rounds ===== */

struct round {
    struct zx_req **reqs;
    struct zx_req **net; /* the ones that go to the network */
    size_t n, n_net, cap;
};

/* What a model may still read of answers that ignore Range (> 0): its
 * budget less what it read and what the requests queued may read. */
static uint64_t stream_left(const struct zx_remote *m)
{
    uint64_t b = m->stream_budget ? m->stream_budget : STREAM_BUDGET;
    uint64_t used = m->streamed + m->stream_queued;

    return b > used ? b - used : 1;
}

/* Note that the file store ignored Range for file f of m. */
static void note_norange(struct zx_remote *m, size_t f, struct zx_req *r)
{
    if (!r->range_ignored || f >= m->n_files)
        return;
    if (!m->norange)
        m->norange = xcalloc(m->n_files, 1);
    m->norange[f] = 1;
}

static struct zx_req *add_req(struct round *rd, struct zx_remote *m,
                              const char *file, int ranged, uint64_t off,
                              uint64_t len, void *user)
{
    struct zx_req *r = xcalloc(1, sizeof(*r));
    char *u = resolve_url(m, file);

    zx_req_init(r, u);
    free(u);
    if (ranged)
        zx_req_range(r, off, len);
    r->max_bytes = ranged && len ? (size_t)len + 1
                                 : (ranged ? MAX_HEADER_BYTES : MAX_META_BYTES);
    /* The budget is taken out as each request is queued: a ranged one may
     * read up to its range's end (the whole file up to there, when the
     * store ignores Range), never more than what the model has left. */
    r->max_stream = stream_left(m);
    if (ranged && len && off + len < r->max_stream)
        r->max_stream = off + len;
    if (ranged) /* only answers to a Range are read as windows */
        m->stream_queued += r->max_stream;
    r->user = user;
    ZX_GROW(rd->n + 1, rd->cap, rd->reqs, rd->net);
    rd->reqs[rd->n++] = r;
    if (!from_cache(m, file, r))
        rd->net[rd->n_net++] = r;
    return r;
}

/* Run a round; then what its requests read is in (judge() counts it in
 * each model's ->streamed), and their reservations are given back. */
static int run_round(struct zx_hub *hub, struct round *rd,
                     struct zx_remote **ms, size_t n, struct zx_error *err)
{
    int rc = rd->n_net ? zx_hub_run(hub, rd->net, rd->n_net, err) : ZX_OK;
    size_t i;

    for (i = 0; i < n; i++)
        ms[i]->stream_queued = 0;
    return rc;
}

static void free_round(struct round *rd)
{
    size_t i;

    for (i = 0; i < rd->n; i++) {
        zx_req_release(rd->reqs[i]);
        free(rd->reqs[i]);
    }
    free(rd->reqs);
    free(rd->net);
    memset(rd, 0, sizeof(*rd));
}

/* Classify a failed answer; 1 when the model is done (skip or error). */
static int judge(struct zx_remote *m, struct zx_req *r, const char *file,
                 int optional)
{
    if (m->skip || m->err[0])
        return 1;
    m->bytes += r->body.len;
    m->streamed += r->streamed + (r->range_ignored ? r->body.len : 0);
    if (r->status == 200 || r->status == 206)
        return 0;
    if (r->limited && r->range_ignored) {
        char a[ZX_SIZE_LEN], b[ZX_SIZE_LEN], l[ZX_SIZE_LEN];
        char c[ZX_SIZE_LEN + 16] = "";
        uint64_t end = r->n_pieces ? r->pieces[r->n_pieces - 1][0] +
                                         r->pieces[r->n_pieces - 1][1]
                                   : r->range_off + r->range_len;
        uint64_t budget = m->stream_budget ? m->stream_budget : STREAM_BUDGET;

        /* What was left of the budget for this request, when the model's
         * other reads had taken some. */
        if (r->max_stream && r->max_stream < budget && r->max_stream < end) {
            snprintf(c, sizeof(c), "%s left of the ",
                     zx_format_size(r->max_stream, l));
        }
        snprintf(m->err, sizeof(m->err),
                 "%s: the file store ignores Range requests (it sends the "
                 "whole file), and the bytes needed end %s into the file, "
                 "beyond the %s%s a model may read that way%s",
                 file, zx_format_size(end, a), c, zx_format_size(budget, b),
                 m->stream_budget ? " (--max-bytes)" : "");
        return 1;
    }
    if (r->error_code && !strcmp(r->error_code, "GatedRepo")) {
        m->skip = "gated";
        return 1;
    }
    if (r->status == 403 && r->reresolved && r->cross) {
        snprintf(m->err, sizeof(m->err),
                 "%s: the file store refused its signed download link "
                 "(HTTP 403%s%s), and a fresh one from the Hub too",
                 file, r->error_msg ? ": " : "",
                 r->error_msg ? r->error_msg : "");
        return 1;
    }
    if (r->error_code && !strcmp(r->error_code, "EntryNotFound") && optional) {
        zx_buf_reset(&r->body);
        return 0;
    }
    if (r->status == 401 ||
        (r->error_code && (!strcmp(r->error_code, "RepoNotFound") ||
                           !strcmp(r->error_code, "RevisionNotFound")))) {
        m->skip = "private-or-missing";
        return 1;
    }
    if (r->status == 404 && !optional) {
        m->skip = "no-safetensors";
        return 1;
    }
    if (r->status == 404)
        return 0;
    if (r->status == 0)
        snprintf(m->err, sizeof(m->err), "%s: %s", file,
                 r->err[0] ? r->err : "no answer");
    else
        snprintf(m->err, sizeof(m->err), "%s: HTTP %ld%s%s", file, r->status,
                 r->error_msg ? ": " : "", r->error_msg ? r->error_msg : "");
    return 1;
}

static int parse_meta(struct zx_remote *m, struct zx_req *r, const char *name,
                      json_t **out)
{
    struct zx_error e = {0};
    int rc;

    if (!r || r->status != 200 || !r->body.len)
        return 0;
    rc =
        zx_json_parse(r->body.data, r->body.len, MAX_META_BYTES, name, out, &e);
    if (!rc && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = zx_fail(&e, ZX_EFORMAT, "%s: not a JSON object", name);
    }
    if (rc)
        snprintf(m->err, sizeof(m->err), "%s: %.400s", m->id, e.msg);
    return rc;
}

int zx_remote_fetch(struct zx_hub *hub, struct zx_remote **ms, size_t n,
                    struct zx_error *err)
{
    struct work *w = xcalloc(n + 1, sizeof(*w));
    struct round rd = {0};
    struct zx_req **cfg, **card, **adp, **wr;
    size_t i, f;
    int rc = ZX_OK;

    cfg = xcalloc(n + 1, sizeof(*cfg));
    card = xcalloc(n + 1, sizeof(*card));
    adp = xcalloc(n + 1, sizeof(*adp));
    wr = xcalloc(n + 1, sizeof(*wr));
    /* Round 1: metadata and the first bytes of the weights. */
    for (i = 0; i < n; i++) {
        struct zx_remote *m = ms[i];

        w[i].m = m;
        w[i].weights = zx_remote_weights_file(m->info, &w[i].sharded);
        if (!w[i].weights) {
            m->skip = "no-safetensors";
            continue;
        }
        if (!json_is_array(json_object_get(m->info, "siblings")) ||
            has_sibling(m->info, "config.json"))
            cfg[i] = add_req(&rd, m, "config.json", 0, 0, 0, NULL);
        if (!json_is_array(json_object_get(m->info, "siblings")) ||
            has_sibling(m->info, "README.md"))
            card[i] = add_req(&rd, m, "README.md", 0, 0, 0, NULL);
        if (has_sibling(m->info, "adapter_config.json"))
            adp[i] = add_req(&rd, m, "adapter_config.json", 0, 0, 0, NULL);
        wr[i] = w[i].sharded
                    ? add_req(&rd, m, w[i].weights, 0, 0, 0, NULL)
                    : add_req(&rd, m, w[i].weights, 1, 0, HEAD_BYTES, NULL);
    }
    rc = run_round(hub, &rd, ms, n, err);
    if (rc)
        goto out;
    for (i = 0; i < n; i++) {
        struct zx_remote *m = ms[i];

        if (m->skip)
            continue;
        if ((cfg[i] && judge(m, cfg[i], "config.json", 1)) ||
            (card[i] && judge(m, card[i], "README.md", 1)) ||
            (adp[i] && judge(m, adp[i], "adapter_config.json", 1)) ||
            judge(m, wr[i], w[i].weights, 0))
            continue;
        if (parse_meta(m, cfg[i], "config.json", &m->src.config) ||
            parse_meta(m, adp[i], "adapter_config.json", &m->src.adapter))
            continue;
        if (card[i] && card[i]->status == 200 && card[i]->body.len) {
            struct zx_error e = {0};

            if (zx_card_parse(card[i]->body.data, card[i]->body.len,
                              "README.md", &m->src.card, &e)) {
                snprintf(m->err, sizeof(m->err), "%s: %.400s", m->id, e.msg);
                continue;
            }
        }
        if (!w[i].sharded) {
            m->n_files = 1;
            m->files = xcalloc(1, sizeof(char *));
            m->file_sha256 = xcalloc(1, sizeof(char *));
            m->files[0] = xstrdup(w[i].weights);
            m->file_sha256[0] =
                wr[i]->linked_etag ? xstrdup(wr[i]->linked_etag) : NULL;
            w[i].heads = xcalloc(1, sizeof(*w[i].heads));
            w[i].head_lens = xcalloc(1, sizeof(size_t));
            w[i].sizes = xcalloc(1, sizeof(uint64_t));
            w[i].head_lens[0] = wr[i]->body.len;
            w[i].heads[0] = (unsigned char *)zx_buf_detach(&wr[i]->body);
            w[i].sizes[0] =
                wr[i]->total_size ? wr[i]->total_size : wr[i]->linked_size;
            note_norange(m, 0, wr[i]);
        } else {
            /* The shards named by the index, each once. */
            struct zx_error e = {0};

            if (zx_remote_shard_files(wr[i]->body.data, wr[i]->body.len,
                                      w[i].weights, &m->files, &m->n_files,
                                      &e)) {
                snprintf(m->err, sizeof(m->err), "%s: %.400s", m->id, e.msg);
                continue;
            }
            m->file_sha256 = xcalloc(m->n_files, sizeof(char *));
            w[i].heads = xcalloc(m->n_files, sizeof(*w[i].heads));
            w[i].head_lens = xcalloc(m->n_files, sizeof(size_t));
            w[i].sizes = xcalloc(m->n_files, sizeof(uint64_t));
        }
    }
    free_round(&rd);
    /* Round 2: shard heads. */
    for (i = 0; i < n; i++) {
        if (ms[i]->skip || ms[i]->err[0] || !w[i].sharded)
            continue;
        for (f = 0; f < ms[i]->n_files; f++)
            add_req(&rd, ms[i], ms[i]->files[f], 1, 0, HEAD_BYTES,
                    (void *)(uintptr_t)(i * ZX_CKPT_MAX_SHARDS + f));
    }
    rc = run_round(hub, &rd, ms, n, err);
    if (rc)
        goto out;
    for (i = 0; i < rd.n; i++) {
        struct zx_req *r = rd.reqs[i];
        size_t mi = (uintptr_t)r->user / ZX_CKPT_MAX_SHARDS;
        size_t fi = (uintptr_t)r->user % ZX_CKPT_MAX_SHARDS;

        if (judge(ms[mi], r, ms[mi]->files[fi], 0))
            continue;
        ms[mi]->file_sha256[fi] =
            r->linked_etag ? xstrdup(r->linked_etag) : NULL;
        w[mi].head_lens[fi] = r->body.len;
        w[mi].heads[fi] = (unsigned char *)zx_buf_detach(&r->body);
        w[mi].sizes[fi] = r->total_size ? r->total_size : r->linked_size;
        note_norange(ms[mi], fi, r);
    }
    free_round(&rd);
    /* Round 3: the rest of long headers. */
    for (i = 0; i < n; i++) {
        if (ms[i]->skip || ms[i]->err[0])
            continue;
        for (f = 0; f < ms[i]->n_files; f++) {
            uint64_t hl;

            /* Bad or oversized lengths are reported when the table is
             * built from the heads; only a plain short head is extended. */
            if (zx_st_header_len(w[i].heads[f], w[i].head_lens[f], &hl, NULL) ||
                8 + hl <= w[i].head_lens[f])
                continue;
            add_req(&rd, ms[i], ms[i]->files[f], 1, w[i].head_lens[f],
                    8 + hl - w[i].head_lens[f],
                    (void *)(uintptr_t)(i * ZX_CKPT_MAX_SHARDS + f));
        }
    }
    rc = run_round(hub, &rd, ms, n, err);
    if (rc)
        goto out;
    for (i = 0; i < rd.n; i++) {
        struct zx_req *r = rd.reqs[i];
        size_t mi = (uintptr_t)r->user / ZX_CKPT_MAX_SHARDS;
        size_t fi = (uintptr_t)r->user % ZX_CKPT_MAX_SHARDS;
        struct work *wk = &w[mi];

        if (judge(ms[mi], r, ms[mi]->files[fi], 0))
            continue;
        wk->heads[fi] =
            xrealloc(wk->heads[fi], wk->head_lens[fi] + r->body.len + 1);
        memcpy(wk->heads[fi] + wk->head_lens[fi], r->body.data, r->body.len);
        wk->head_lens[fi] += r->body.len;
        note_norange(ms[mi], fi, r);
    }
    free_round(&rd);
    /* Tensor tables from the headers. */
    for (i = 0; i < n; i++) {
        struct zx_remote *m = ms[i];
        struct zx_error e = {0};

        if (m->skip || m->err[0])
            continue;
        for (f = 0; f < m->n_files; f++)
            m->weights_bytes += w[i].sizes[f];
        if (zx_ckpt_from_heads((const char *const *)m->files,
                               (const unsigned char *const *)w[i].heads,
                               w[i].head_lens, w[i].sizes, m->n_files, NULL,
                               &m->ck, &e))
            snprintf(m->err, sizeof(m->err), "%s: %.400s", m->id,
                     e.msg[0] ? e.msg : "safetensors header incomplete");
    }
out:
    free_round(&rd);
    for (i = 0; i < n; i++) {
        size_t k;

        for (k = 0; w[i].heads && k < ms[i]->n_files; k++)
            free(w[i].heads[k]);
        free(w[i].heads);
        free(w[i].head_lens);
        free(w[i].sizes);
        free(w[i].weights);
    }
    free(w);
    free(cfg);
    free(card);
    free(adp);
    free(wr);
    return rc;
}

/* ===== Values at given coordinates ===== */

struct point_ref {
    size_t k; /* index into the caller's points */
    unsigned file;
    uint64_t off;
    unsigned bytes;
    enum zx_dtype dtype;
};

static int cmp_point(const void *a, const void *b)
{
    const struct point_ref *x = a, *y = b;

    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return (x->off > y->off) - (x->off < y->off);
}

/* One request of zx_remote_read_points(): the pieces of one file it
 * reads, in file order; the body holds them one after the other. */
struct pread {
    size_t mi;         /* the model */
    size_t k0;         /* its first point (sorted order) */
    uint64_t (*pc)[2]; /* (offset, length) */
    size_t n;
};

int zx_remote_read_points(struct zx_hub *hub, struct zx_remote **ms, size_t n,
                          const struct zx_remote_point *const *pts, size_t npts,
                          struct zx_error *err)
{
    struct point_ref **refs = xcalloc(n + 1, sizeof(*refs));
    struct round rd = {0};
    struct pread **prs = NULL;
    size_t i, k, n_prs = 0, cap_prs = 0, from = 0, upto;
    int rc = ZX_OK, pass;

    for (i = 0; i < n; i++) {
        struct zx_remote *m = ms[i];
        struct pread *cur = NULL;

        if (!pts[i] || m->skip || m->err[0])
            continue;
        refs[i] = xcalloc(npts, sizeof(**refs));
        for (k = 0; k < npts; k++) {
            refs[i][k].k = k;
            refs[i][k].file = pts[i][k].file;
            refs[i][k].off = pts[i][k].offset;
            refs[i][k].dtype = pts[i][k].dtype;
            refs[i][k].bytes = zx_dtype_bits(pts[i][k].dtype) / 8;
        }
        qsort(refs[i], npts, sizeof(**refs), cmp_point);
        /* Neighbours within COALESCE_GAP bytes share one piece; a piece
         * is a request of its own, except in a file whose store ignores
         * Range, where one request reads every piece from one stream. */
        for (k = 0; k < npts;) {
            size_t e = k;
            unsigned f = refs[i][k].file;
            uint64_t end = refs[i][k].off + refs[i][k].bytes;

            while (e + 1 < npts && refs[i][e + 1].file == f &&
                   refs[i][e + 1].off <= end + COALESCE_GAP) {
                e++;
                if (refs[i][e].off + refs[i][e].bytes > end)
                    end = refs[i][e].off + refs[i][e].bytes;
            }
            if (!cur || refs[i][cur->k0].file != f ||
                !(m->norange && m->norange[f])) {
                cur = xcalloc(1, sizeof(*cur));
                cur->mi = i;
                cur->k0 = k;
                ZX_GROW(n_prs + 1, cap_prs, prs);
                prs[n_prs++] = cur;
            }
            cur->pc = xrealloc(cur->pc, (cur->n + 1) * sizeof(*cur->pc));
            cur->pc[cur->n][0] = refs[i][k].off;
            cur->pc[cur->n][1] = end - refs[i][k].off;
            cur->n++;
            k = e + 1;
        }
        m->values = xcalloc(npts, sizeof(float));
    }
    /* Pass 0 reads every request; pass 1 the pieces of a gathered request
     * that the store answered with a 206 after all (only the first piece
     * came), one by one: the bytes between them are never asked for. */
    for (pass = 0; pass < 2 && !rc && from < n_prs; pass++) {
        upto = n_prs;
        for (i = from; i < upto; i++) {
            struct pread *p = prs[i];
            struct zx_remote *m = ms[p->mi];
            uint64_t a = p->pc[0][0];
            uint64_t b = p->pc[p->n - 1][0] + p->pc[p->n - 1][1];
            unsigned f = refs[p->mi][p->k0].file;
            struct zx_req *r = add_req(&rd, m, m->files[f], 1, a, b - a, p);
            size_t j;

            if (p->n > 1) {
                size_t body = 0;

                for (j = 0; j < p->n; j++)
                    body += (size_t)p->pc[j][1];
                r->pieces = (const uint64_t(*)[2])p->pc;
                r->n_pieces = p->n;
                r->max_bytes = body + 1;
                /* Over the network the Range is the first piece: a store
                 * that ignores it sends them all in one stream (read as
                 * far as the last one, within max_stream), one that
                 * honours it only that piece, and nothing in between. */
                r->range_len = p->pc[0][1];
                if (r->status) { /* answered from the HF cache: gather */
                    struct zx_buf g = {0};

                    for (j = 0; j < p->n; j++)
                        if (p->pc[j][0] - a + p->pc[j][1] <= r->body.len)
                            zx_buf_add(&g, r->body.data + (p->pc[j][0] - a),
                                       (size_t)p->pc[j][1]);
                    zx_buf_release(&r->body);
                    r->body = g;
                    r->n_got = p->n;
                }
            }
        }
        rc = run_round(hub, &rd, ms, n, err);
        for (i = 0; !rc && i < rd.n; i++) {
            struct zx_req *r = rd.reqs[i];
            struct pread *p = r->user;
            struct zx_remote *m = ms[p->mi];
            struct point_ref *pr = refs[p->mi];
            unsigned f = pr[p->k0].file;
            size_t j = 0;
            uint64_t base = 0; /* the body offset of piece j */

            if (judge(m, r, m->files[f], 0))
                continue;
            if (p->n > 1 && r->n_got < p->n) {
                /* The store honoured the Range (the first piece) after
                 * all: one request for each other piece, from its first
                 * point on. */
                for (j = r->n_got, k = p->k0; j < p->n; j++) {
                    struct pread *q = xcalloc(1, sizeof(*q));

                    while (k < npts && pr[k].off < p->pc[j][0])
                        k++;
                    q->mi = p->mi;
                    q->k0 = k;
                    q->pc = xmalloc(sizeof(*q->pc));
                    q->pc[0][0] = p->pc[j][0];
                    q->pc[0][1] = p->pc[j][1];
                    q->n = 1;
                    ZX_GROW(n_prs + 1, cap_prs, prs);
                    prs[n_prs++] = q;
                }
                if (m->norange)
                    m->norange[f] = 0;
                j = 0;
            }
            for (k = p->k0; k < npts && pr[k].file == f; k++) {
                while (j < p->n && pr[k].off >= p->pc[j][0] + p->pc[j][1]) {
                    base += p->pc[j][1];
                    j++;
                }
                if (j == p->n)
                    break;
                if (pr[k].off < p->pc[j][0] ||
                    base + (pr[k].off - p->pc[j][0]) + pr[k].bytes >
                        r->body.len)
                    continue;
                zx_to_float(pr[k].dtype,
                            (const unsigned char *)r->body.data + base +
                                (pr[k].off - p->pc[j][0]),
                            0, 1, &m->values[pr[k].k]);
            }
        }
        free_round(&rd);
        from = upto;
    }
    free_round(&rd);
    for (i = 0; i < n_prs; i++) {
        free(prs[i]->pc);
        free(prs[i]);
    }
    free(prs);
    for (i = 0; i < n; i++)
        free(refs[i]);
    free(refs);
    return rc;
}

/* ===== Hub lineage metadata ===== */

static void add_parent(json_t *arr, const char *self, const char *parent,
                       const char *rel)
{
    json_t *x;
    size_t i;

    if (!parent || !*parent || !strcmp(parent, self) ||
        !zx_valid_model_id(parent))
        return;
    json_array_foreach(arr, i, x)
    {
        if (!strcmp(zx_json_str(x, ZX_EDGE_PARENT), parent))
            return;
    }
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", ZX_EDGE_PARENT,
                                         parent, ZX_EDGE_RELATION, rel,
                                         ZX_EDGE_SOURCE, "hub"));
}

json_t *zx_remote_hub_parents(const char *self, json_t *info)
{
    static const char *const rels[] = {"finetune", "adapter", "quantized",
                                       "merge"};
    json_t *arr = json_array(), *tags = json_object_get(info, "tags"), *x;
    json_t *bm = json_object_get(info, "baseModels");
    size_t i, r;

    json_array_foreach(tags, i, x)
    {
        const char *t = json_string_value(x);

        if (!t || strncmp(t, "base_model:", 11))
            continue;
        t += 11;
        for (r = 0; r < 4; r++) {
            size_t l = strlen(rels[r]);

            if (!strncmp(t, rels[r], l) && t[l] == ':') {
                add_parent(arr, self, t + l + 1, rels[r]);
                break;
            }
        }
    }
    /* A plain base_model:<id> tag after the relation-typed ones. */
    json_array_foreach(tags, i, x)
    {
        const char *t = json_string_value(x);

        if (t && !strncmp(t, "base_model:", 11) && strchr(t + 11, ':') == NULL)
            add_parent(arr, self, t + 11, "finetune");
    }
    if (json_is_object(bm)) {
        const char *rel = zx_json_str(bm, "relation");

        /* Only the four relations the Hub documents are stored; anything
         * else reads as a fine-tune, as an untyped card base_model does. */
        for (r = 0; rel && r < 4 && strcmp(rel, rels[r]); r++)
            ;
        json_array_foreach(json_object_get(bm, "models"), i, x)
        {
            add_parent(arr, self, zx_json_str(x, "id"),
                       rel && r < 4 ? rels[r] : "finetune");
        }
    }
    return arr;
}

/* ===== Full downloads ===== */

static int hex_sha256_file(const char *path, char out[65])
{
    struct zx_sha256 *h = zx_sha256_new();
    unsigned char *buf = xmalloc(1 << 20);
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0)
        rc = -1;
    while (fd >= 0 && (n = read(fd, buf, 1 << 20)) > 0)
        zx_sha256_update(h, buf, (size_t)n);
    if (fd >= 0 && n < 0)
        rc = -1;
    if (fd >= 0)
        close(fd);
    zx_sha256_final_hex(h, out);
    zx_sha256_free(h);
    free(buf);
    return rc;
}

/* A blob name: 40 (git sha1) or 64 (sha256) lowercase hex digits. */
static int is_etag(const char *s)
{
    size_t i;

    for (i = 0; s && s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s && (i == 40 || i == 64);
}

/* The sibling entry for `file` in model info fetched with blobs=true. */
static json_t *sibling(json_t *info, const char *file)
{
    json_t *x;
    size_t i;

    json_array_foreach(json_object_get(info, "siblings"), i, x)
    {
        const char *r = zx_json_str(x, "rfilename");

        if (r && !strcmp(r, file))
            return x;
    }
    return NULL;
}

/* What one download works with. */
struct dl {
    struct zx_hub *hub;
    struct zx_remote *m;
    json_t *info;
    const char *root;   /* the cache */
    const char *repo;   /* <root>/models--org--name */
    const char *commit; /* the snapshot */
    json_t *created;    /* what was written, for `zoodex prune` */
};

static void created_add(struct dl *d, const char *kind, const char *path,
                        json_t *more)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "kind", kind, "path", path,
                          "model", d->m->id, "commit", d->commit);

    if (more)
        json_object_update(o, more);
    json_decref(more);
    json_array_append_new(d->created, o);
}

/* Fetch `file` of the repo into blobs/, resumable and verified, and link
 * it from the snapshot.  An existing snapshot file or blob is reused. */
static int download_file(struct dl *d, const char *file, int optional,
                         struct zx_error *err)
{
    struct zx_remote *m = d->m;
    json_t *sib = sibling(d->info, file), *lfs = json_object_get(sib, "lfs");
    const char *known =
        lfs ? zx_json_str(lfs, "sha256") : zx_json_str(sib, "blobId");
    char *snap = NULL, *part = NULL, *blob = NULL, *lock = NULL, *lockdir;
    char *etag = NULL, *target = NULL;
    struct zx_req r, *rp = &r;
    int fd = -1, lfd = -1, rc = ZX_OK, tries, resumable;
    int64_t want = -1;
    struct stat st;

    memset(&r, 0, sizeof(r));
    if (strstr(file, "..") || file[0] == '/' || strchr(file, '/')) {
        rc = zx_fail(err, ZX_EFORMAT, "'%s': refusing file name '%s'", m->id,
                     file);
        goto out;
    }
    snap = xasprintf("%s/snapshots/%s/%s", d->repo, d->commit, file);
    if (zx_is_file(snap))
        goto out; /* in the cache already (any tool's download) */
    if (!zx_json_int(lfs ? lfs : sib, "size", &want))
        want = -1;
    resumable = is_etag(known);
    if (resumable) {
        etag = xstrdup(known);
        blob = xasprintf("%s/blobs/%s", d->repo, etag);
        if (zx_is_file(blob))
            goto link; /* another revision or tool fetched it */
        part = xasprintf("%s.incomplete", blob);
        /* huggingface_hub's lock for the same blob (flock). */
        lockdir = xasprintf("%s/.locks/%s", d->root, strrchr(d->repo, '/') + 1);
        lock = xasprintf("%s/%s.lock", lockdir, etag);
        rc = zx_mkdirs(lockdir, err);
        free(lockdir);
        if (!rc)
            rc = zx_lock_file(lock, 1, &lfd, err);
        if (rc)
            goto out;
        if (zx_is_file(blob)) /* fetched while we waited */
            goto link;
    } else {
        char hex[65];
        char *dir = xasprintf("%s/blobs", d->repo);

        zx_sha256_hex(file, strlen(file), hex);
        part = xasprintf("%s/%.16s.%ld.incomplete", dir, hex, (long)getpid());
        free(dir);
        unlink(part);
    }
    {
        char *dir = xasprintf("%s/blobs", d->repo);

        rc = zx_mkdirs(dir, err);
        free(dir);
        if (rc)
            goto out;
    }
    for (tries = 0; tries < 5; tries++) {
        char *u = resolve_url(m, file);
        uint64_t have = 0;

        fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) {
            free(u);
            rc = zx_fail_errno(err, ZX_EIO, "cannot create '%s'", part);
            goto out;
        }
        if (fstat(fd, &st) == 0)
            have = (uint64_t)st.st_size;
        zx_req_release(&r);
        zx_req_init(&r, u);
        free(u);
        r.sink_fd = fd;
        r.max_bytes = 1 << 20; /* error bodies only */
        if (have)
            zx_req_range(&r, have, 0);
        rc = zx_hub_run(d->hub, &rp, 1, err);
        close(fd);
        fd = -1;
        if (rc && rc != ZX_ENET)
            goto out;
        if (r.status == 416 && have) { /* already complete */
            rc = ZX_OK;
            break;
        }
        if (r.status == 200 && have) {
            /* The server ignored Range: what we appended is a whole new
             * copy after the old part.  Start over. */
            unlink(part);
            continue;
        }
        if (r.status == 200 || r.status == 206) {
            rc = ZX_OK;
            break;
        }
        if (r.status == 0 && r.write_failed) { /* ours, not the network */
            errno = r.write_failed;
            rc = zx_fail_errno(err, ZX_EIO,
                               "'%s': cannot write the download "
                               "of %s to '%s'",
                               m->id, file, part);
            if (!resumable)
                unlink(part);
            goto out;
        }
        if ((r.status == 0 || rc == ZX_ENET) && resumable) {
            rc = ZX_OK;
            continue; /* broken connection: resume from what we have */
        }
        if (r.status == 0 || rc == ZX_ENET) {
            unlink(part); /* no name to resume under: start over */
            rc = ZX_OK;
            continue;
        }
        unlink(part);
        if (r.status == 404 && optional)
            goto out;
        if (r.error_code && !strcmp(r.error_code, "GatedRepo"))
            rc = zx_fail(err, ZX_EUNSUPPORTED,
                         "'%s' is gated: accept its "
                         "conditions on the Hub and set HF_TOKEN",
                         m->id);
        else if (r.status == 401 || r.status == 404)
            rc = zx_fail(err, ZX_ENOTFOUND,
                         "'%s': %s not found on the Hub "
                         "(HTTP %ld%s%s)",
                         m->id, file, r.status, r.error_code ? ", " : "",
                         r.error_code ? r.error_code : "");
        else
            rc = zx_fail(err, ZX_ENET,
                         "'%s': downloading %s failed: HTTP "
                         "%ld",
                         m->id, file, r.status);
        goto out;
    }
    if (tries == 5) {
        rc = zx_fail(err, ZX_ENET, "'%s': downloading %s kept failing: %s",
                     m->id, file, r.err);
        goto out;
    }
    if (!etag) { /* named by the answer: the LFS sha256, else the ETag */
        const char *e = r.linked_etag ? r.linked_etag : r.etag;

        if (!is_etag(e)) {
            unlink(part);
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': the Hub named no usable ETag for %s", m->id,
                         file);
            goto out;
        }
        etag = xstrdup(e);
        blob = xasprintf("%s/blobs/%s", d->repo, etag);
    }
    if (want >= 0 && stat(part, &st) == 0 && st.st_size != want) {
        unlink(part);
        rc = zx_fail(err, ZX_EFORMAT,
                     "'%s': %s has %lld bytes, the Hub says %lld; deleted",
                     m->id, file, (long long)st.st_size, (long long)want);
        goto out;
    }
    if (strlen(etag) == 64) { /* an LFS file: its name is its sha256 */
        char got[65];

        if (hex_sha256_file(part, got) || strcmp(got, etag)) {
            unlink(part);
            rc = zx_fail(err, ZX_EFORMAT,
                         "'%s': %s has sha256 %.16s..., the "
                         "Hub says %.16s...; deleted",
                         m->id, file, got, etag);
            goto out;
        }
    }
    if (zx_is_file(blob)) { /* the same bytes came in meanwhile */
        unlink(part);
        goto link;
    }
    if (rename(part, blob) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot rename '%s'", part);
        goto out;
    }
    if (stat(blob, &st) != 0)
        st.st_size = 0;
    created_add(
        d, "blob", blob,
        json_pack("{s:s,s:I}", "etag", etag, "size", (json_int_t)st.st_size));
link:
    rc = zx_hfcache_link(d->repo, d->commit, file, etag, &target, err);
    if (!rc && target)
        created_add(d, "link", snap,
                    json_pack("{s:s,s:s}", "target", target, "file", file));
out:
    if (fd >= 0)
        close(fd);
    zx_unlock_file(lfd);
    zx_req_release(&r);
    free(part);
    free(blob);
    free(lock);
    free(etag);
    free(target);
    free(snap);
    return rc;
}

/* The weight files of a snapshot folder, as the download picks them. */
static int snapshot_weights(const char *dir, json_t *info, char ***files,
                            size_t *n, char **missing, struct zx_error *err)
{
    int sharded = 0, rc = ZX_OK;
    char *w = zx_remote_weights_file(info, &sharded), *p;

    *files = NULL;
    *n = 0;
    *missing = NULL;
    if (!w)
        return zx_fail(err, ZX_EUNSUPPORTED, "no safetensors weights");
    p = zx_path_join(dir, w);
    if (!zx_is_file(p)) {
        *missing = w;
        free(p);
        return ZX_OK;
    }
    if (sharded) {
        char *data = NULL;
        size_t len = 0, i;

        rc = zx_read_file(p, MAX_META_BYTES, &data, &len, err);
        if (!rc)
            rc = zx_remote_shard_files(data, len, w, files, n, err);
        free(data);
        for (i = 0; !rc && i < *n && !*missing; i++) {
            char *s = zx_path_join(dir, (*files)[i]);

            if (!zx_is_file(s))
                *missing = xstrdup((*files)[i]);
            free(s);
        }
    }
    free(p);
    free(w);
    return rc;
}

int zx_remote_from_cache(const char *id, const char *rev, char **dir_out,
                         char **commit_out, struct zx_error *err)
{
    char *root = zx_hfcache_root(), *repo = NULL, *commit = NULL;
    char *dir = NULL, *missing = NULL, **files = NULL;
    json_t *info = json_object(), *sibs = json_array();
    size_t n = 0, i;
    int rc = ZX_OK;
    DIR *dh;
    struct dirent *e;

    *dir_out = NULL;
    *commit_out = NULL;
    if (!rev)
        rev = "main";
    if (!root || !zx_is_dir(root)) {
        rc = zx_fail(err, ZX_EOFFLINE,
                     "offline (HF_HUB_OFFLINE): %s@%s is not cached: no "
                     "Hugging Face cache at %s",
                     id, rev, root ? root : "$HF_HOME/hub");
        goto out;
    }
    repo = zx_hfcache_repo(root, id);
    if (!zx_is_dir(repo)) {
        rc = zx_fail(err, ZX_EOFFLINE,
                     "offline (HF_HUB_OFFLINE): %s is not in the Hugging "
                     "Face cache (no %s)",
                     id, repo);
        goto out;
    }
    commit = zx_hfcache_is_commit(rev) ? xstrdup(rev)
                                       : zx_hfcache_read_ref(repo, rev);
    if (!commit) {
        rc = zx_fail(err, ZX_EOFFLINE,
                     "offline (HF_HUB_OFFLINE): %s@%s is not cached: no "
                     "refs/%s in %s (a revision other than a full commit "
                     "hash needs one)",
                     id, rev, rev, repo);
        goto out;
    }
    dir = xasprintf("%s/snapshots/%s", repo, commit);
    if (!zx_is_dir(dir)) {
        rc = zx_fail(err, ZX_EOFFLINE,
                     "offline (HF_HUB_OFFLINE): %s@%s is not cached: no "
                     "snapshot %s",
                     id, rev, dir);
        goto out;
    }
    /* The snapshot's top-level files stand in for the Hub's siblings. */
    dh = opendir(dir);
    while (dh && (e = readdir(dh)))
        if (e->d_name[0] != '.')
            json_array_append_new(sibs,
                                  json_pack("{s:s}", "rfilename", e->d_name));
    if (dh)
        closedir(dh);
    json_object_set_new(info, "siblings", sibs);
    sibs = NULL;
    rc = snapshot_weights(dir, info, &files, &n, &missing, err);
    if (rc == ZX_EUNSUPPORTED) {
        rc = zx_fail(err, ZX_EOFFLINE,
                     "offline (HF_HUB_OFFLINE): %s@%s is not cached: "
                     "snapshot %s holds no safetensors weights",
                     id, rev, dir);
        goto out;
    }
    if (rc)
        goto out;
    if (missing) {
        rc = zx_fail(err, ZX_EOFFLINE,
                     "offline (HF_HUB_OFFLINE): %s@%s is not cached whole: "
                     "%s/%s is missing",
                     id, rev, dir, missing);
        goto out;
    }
    *dir_out = dir;
    *commit_out = commit;
    dir = commit = NULL;
out:
    for (i = 0; i < n; i++)
        free(files[i]);
    free(files);
    free(missing);
    free(root);
    free(repo);
    free(commit);
    free(dir);
    json_decref(sibs);
    json_decref(info);
    return rc;
}

int zx_remote_download(struct zx_hub *hub, const char *id, const char *rev,
                       char **dir_out, json_t **info, json_t **created,
                       struct zx_error *err)
{
    struct dl d;
    struct zx_req r, *rp = &r;
    json_t *inf = NULL;
    char *url, *er = zx_hub_escape(rev ? rev : "main"), *weights = NULL;
    char *root = zx_hfcache_root(), *repo = NULL, **shards = NULL;
    const char *slash = strchr(id, '/'), *sha;
    int rc, sharded = 0, written = 0;
    size_t i, n_shards = 0;

    memset(&d, 0, sizeof(d));
    *info = NULL;
    *dir_out = NULL;
    *created = d.created = json_array();
    memset(&r, 0, sizeof(r));
    if (!root) {
        free(er);
        return zx_fail(err, ZX_EIO,
                       "no Hugging Face cache folder: set HF_HUB_CACHE, "
                       "HF_HOME or HOME");
    }
    /* blobs=true: each sibling's blob name (blobId, lfs.sha256) and size,
     * so that blobs already in the cache are reused without a request. */
    if (slash)
        url = xasprintf("/api/models/%.*s/%s/revision/%s?blobs=true",
                        (int)(slash - id), id, slash + 1, er);
    else
        url = xasprintf("/api/models/%s/revision/%s?blobs=true", id, er);
    zx_req_init(&r, url);
    free(url);
    free(er);
    rc = zx_hub_run(hub, &rp, 1, err);
    if (rc)
        goto out;
    if (r.status != 200) {
        if (r.error_code && !strcmp(r.error_code, "GatedRepo"))
            rc = zx_fail(err, ZX_EUNSUPPORTED, "'%s' is gated", id);
        else if (r.status == 404 && r.error_code &&
                 !strcmp(r.error_code, "RevisionNotFound"))
            rc = zx_fail(err, ZX_ENOTFOUND, "revision '%s' not found in %s",
                         rev ? rev : "main", id);
        else if (r.status == 401 || r.status == 404)
            rc = zx_fail(err, ZX_ENOTFOUND,
                         "no model '%s' on the Hub (or it is private)", id);
        else
            rc = zx_fail(err, ZX_ENET, "model info for '%s': HTTP %ld", id,
                         r.status);
        goto out;
    }
    if (zx_json_parse(r.body.data, r.body.len, MAX_META_BYTES, "model info",
                      &inf, err) ||
        !json_is_object(inf) || !zx_json_str(inf, "sha")) {
        rc = zx_fail(err, ZX_ENET, "the Hub sent bad model info for '%s'", id);
        goto out;
    }
    sha = zx_json_str(inf, "sha");
    if (!zx_hfcache_is_commit(sha)) {
        rc = zx_fail(err, ZX_ENET, "the Hub sent a bad sha for '%s'", id);
        goto out;
    }
    d.m = zx_remote_new(zx_json_str(inf, "id") ? zx_json_str(inf, "id") : id,
                        json_incref(inf));
    weights = zx_remote_weights_file(inf, &sharded);
    if (!weights) {
        rc = zx_fail(err, ZX_EUNSUPPORTED, "'%s' has no safetensors weights",
                     id);
        goto out;
    }
    /* The folder of the name asked for, as huggingface_hub names it. */
    repo = zx_hfcache_repo(root, id);
    d.hub = hub;
    d.info = inf;
    d.root = root;
    d.repo = repo;
    d.commit = sha;
    {
        static const char *const meta[] = {"config.json", "README.md",
                                           "adapter_config.json"};

        for (i = 0; i < 3 && !rc; i++)
            if (has_sibling(inf, meta[i]))
                rc = download_file(&d, meta[i], 1, err);
    }
    if (!rc)
        rc = download_file(&d, weights, 0, err);
    if (!rc && sharded) {
        char *p = xasprintf("%s/snapshots/%s/%s", repo, sha, weights);
        char *data = NULL;
        size_t len = 0;

        rc = zx_read_file(p, MAX_META_BYTES, &data, &len, err);
        free(p);
        if (!rc)
            rc = zx_remote_shard_files(data, len, weights, &shards, &n_shards,
                                       err);
        free(data);
        for (i = 0; !rc && i < n_shards; i++)
            rc = download_file(&d, shards[i], 0, err);
    }
    /* refs/<revision> -> commit, for lookups by name (offline too). */
    if (!rc && !(rev && zx_hfcache_is_commit(rev))) {
        char *ref = xasprintf("%s/refs/%s", repo, rev ? rev : "main");

        rc = zx_hfcache_write_ref(repo, rev ? rev : "main", sha, &written, err);
        if (!rc && written)
            created_add(&d, "ref", ref, NULL);
        free(ref);
    }
    if (!rc) {
        *info = inf;
        inf = NULL;
        *dir_out = xasprintf("%s/snapshots/%s", repo, sha);
    }
out:
    for (i = 0; i < n_shards; i++)
        free(shards[i]);
    free(shards);
    zx_req_release(&r);
    zx_remote_free(d.m);
    json_decref(inf);
    free(weights);
    free(repo);
    free(root);
    return rc;
}
