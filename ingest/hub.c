/* hub.c - the Hub client on libcurl's multi interface.
 *
 * One loop drives every transfer: requests wait in the run's array with a
 * ready time; while fewer than max_parallel are active and the rate limit
 * allows, ready ones start; finished ones are either done, redirected
 * (requeued at once with the new URL) or retried (requeued after a
 * backoff).  Redirects are followed here, not by libcurl, so that headers
 * of the 302 itself (X-Linked-Etag, X-Linked-Size, X-Repo-Commit) are kept
 * and the Bearer token goes to the endpoint's host only.
 * SPDX-License-Identifier: MIT */
#include "hub.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

#include "hfcache.h"
#include "zx_fs.h"
#include "zx_log.h"
#include "zx_mem.h"

#define DEFAULT_MAX_BODY (64u << 20)
#define MAX_REDIRECTS 10
#define MAX_HINT 600.0
#define ERROR_BODY (64u << 10) /* kept of an error's body at least */

#ifndef ZX_VERSION
#define ZX_VERSION "0.1.0"
#endif

struct zx_hub {
    struct zx_hub_opts o;
    CURLM *multi;
    char *host; /* the endpoint's host[:port], for the token */
    char *ua;
    struct zx_hub_stats st;
    struct zx_hub_watch watch;
    double next_start; /* rate limit */
    unsigned rng;
};

/* One active transfer. */
struct xfer {
    CURL *easy;
    struct zx_hub *h;
    struct zx_req *r;
    struct curl_slist *hdrs;
    double hint; /* Retry-After / RateLimit seconds, -1 if none */
    char *location;
    uint64_t clen;
    int have_clen;
    uint64_t got;    /* body bytes received by this exchange */
    double t0;       /* when it started */
    double retry_in; /* set by after() when the request is retried */
    /* The body of an answer to a Range request, seen as a window on the
     * file (see struct zx_req's max_stream and pieces). */
    int mode;             /* 0 undecided, 1 kept as it comes, 2 a window */
    uint64_t pos;         /* window: the file offset of the next byte */
    uint64_t need_end;    /* window: the offset after the last byte wanted */
    size_t piece;         /* window: the next piece */
    int whole;            /* window: a 200 without Content-Range (the whole
                             file, Range ignored) */
    int stopped;          /* ended on purpose: what was asked for is in */
    int limited;          /* ended by a limit of ours; r->err says which */
    int64_t crange_start; /* Content-Range's first byte, -1 if none */
    int encoded;          /* a Content-Encoding other than identity */
    int cross;            /* the URL is on another host than the endpoint */
};

/* ===== Options ===== */

static char *env_dup(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? xstrdup(v) : NULL;
}

static int truthy(const char *v)
{
    return v && (!strcmp(v, "1") || !strcasecmp(v, "true") ||
                 !strcasecmp(v, "yes") || !strcasecmp(v, "on"));
}

/* A token as an HTTP header can carry it: printable ASCII, no spaces. */
static char *clean_token(char *t)
{
    size_t a = 0, b = t ? strlen(t) : 0, i;

    if (!t)
        return NULL;
    while (a < b && isspace((unsigned char)t[a]))
        a++;
    while (b > a && isspace((unsigned char)t[b - 1]))
        b--;
    for (i = a; i < b; i++)
        if (t[i] <= ' ' || t[i] >= 127)
            break;
    if (a == b || i < b) { /* empty, or not usable in a header */
        free(t);
        return NULL;
    }
    memmove(t, t + a, b - a);
    t[b - a] = '\0';
    return t;
}

static int blank(const char *s)
{
    while (s && isspace((unsigned char)*s))
        s++;
    return !s || !*s;
}

char *zx_hub_token(void)
{
    char *t, *path, *data = NULL, *home;
    size_t len = 0;

    if (truthy(getenv("HF_HUB_DISABLE_IMPLICIT_TOKEN")))
        return NULL;
    /* The first source that is set and not blank decides, as in
     * huggingface_hub; an unusable value there means no token. */
    if (!blank(getenv("HF_TOKEN")))
        return clean_token(xstrdup(getenv("HF_TOKEN")));
    if (!blank(getenv("HUGGING_FACE_HUB_TOKEN")))
        return clean_token(xstrdup(getenv("HUGGING_FACE_HUB_TOKEN")));
    t = NULL;
    path = env_dup("HF_TOKEN_PATH");
    if (!path && (home = zx_hf_home())) {
        path = zx_path_join(home, "token");
        free(home);
    }
    /* `hf auth login` writes the token alone: a few hundred bytes at
     * most.  Anything unreadable or larger is no token. */
    if (path && zx_read_file(path, 4096, &data, &len, NULL) == ZX_OK &&
        strlen(data) == len)
        t = clean_token(data);
    else
        free(data);
    free(path);
    return t;
}

void zx_hub_default_opts(struct zx_hub_opts *o)
{
    char *ep = env_dup("HF_ENDPOINT");
    const char *off = getenv("HF_HUB_OFFLINE");
    size_t n;

    memset(o, 0, sizeof(*o));
    o->endpoint = ep ? ep : xstrdup("https://huggingface.co");
    n = strlen(o->endpoint);
    while (n > 0 && o->endpoint[n - 1] == '/')
        o->endpoint[--n] = '\0';
    o->token = zx_hub_token();
    o->offline = truthy(off);
    o->max_parallel = 8;
    o->max_rps = 0;
    o->max_retries = 6;
    o->backoff_base = 0.25;
    o->backoff_max = 30;
    o->timeout = 120;
    o->connect_timeout = 15;
}

void zx_hub_opts_release(struct zx_hub_opts *o)
{
    if (!o)
        return;
    free(o->endpoint);
    free(o->token);
    o->endpoint = o->token = NULL;
}

/* ===== Requests ===== */

void zx_req_init(struct zx_req *r, const char *url)
{
    memset(r, 0, sizeof(*r));
    r->url = xstrdup(url);
}

void zx_req_range(struct zx_req *r, uint64_t off, uint64_t len)
{
    r->has_range = 1;
    r->range_off = off;
    r->range_len = len;
}

static void clear_results(struct zx_req *r)
{
    r->status = 0;
    zx_buf_reset(&r->body);
    free(r->link_next);
    free(r->error_code);
    free(r->error_msg);
    r->link_next = r->error_code = r->error_msg = NULL;
    r->total_size = 0;
    r->range_ignored = 0;
    r->streamed = 0;
    r->limited = 0;
    r->write_failed = 0;
    r->n_got = 0;
    r->cross = 0;
    r->err[0] = '\0';
}

void zx_req_release(struct zx_req *r)
{
    if (!r)
        return;
    clear_results(r);
    zx_buf_release(&r->body);
    free(r->url);
    free(r->final_url);
    free(r->repo_commit);
    free(r->linked_etag);
    free(r->etag);
    r->url = r->final_url = r->repo_commit = r->linked_etag = NULL;
    r->etag = NULL;
}

/* ===== Helpers ===== */

char *zx_hub_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct zx_buf b = {0};

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            zx_buf_addc(&b, (char)c);
        } else {
            zx_buf_addc(&b, '%');
            zx_buf_addc(&b, hex[c >> 4]);
            zx_buf_addc(&b, hex[c & 15]);
        }
    }
    return zx_buf_detach(&b);
}

char *zx_hub_parse_link(const char *v)
{
    /* Link: <url>; rel="next", <url2>; rel="prev" */
    while (v && *v) {
        const char *lt = strchr(v, '<'), *gt, *end, *rel;
        size_t n;

        if (!lt)
            return NULL;
        gt = strchr(lt, '>');
        if (!gt)
            return NULL;
        end = strchr(gt, ',');
        n = end ? (size_t)(end - gt) : strlen(gt);
        rel = NULL;
        {
            const char *p = gt;

            /* A parameter named rel, not "xrel=" or a value's "rel=". */
            while (p < gt + n) {
                const char *r = strstr(p, "rel=");

                if (!r || r >= gt + n)
                    break;
                if (r[-1] == ';' || r[-1] == ' ' || r[-1] == '\t') {
                    rel = r + 4;
                    break;
                }
                p = r + 4;
            }
        }
        if (rel && (!strncmp(rel, "\"next\"", 6) ||
                    (!strncmp(rel, "next", 4) &&
                     (rel[4] == '\0' || rel[4] == ';' || rel[4] == ',' ||
                      isspace((unsigned char)rel[4]))))) {
            size_t ul = (size_t)(gt - lt - 1);

            if ((ul > 7 && !strncmp(lt + 1, "http://", 7)) ||
                (ul > 8 && !strncmp(lt + 1, "https://", 8)))
                return xstrndup(lt + 1, ul);
            return NULL;
        }
        v = end ? end + 1 : NULL;
    }
    return NULL;
}

double zx_hub_backoff(const struct zx_hub_opts *o, int a, double hint)
{
    double d = o->backoff_base * pow(2.0, a);
    double jitter = 0.5 + 0.5 * ((double)rand() / RAND_MAX);

    if (d > o->backoff_max)
        d = o->backoff_max;
    d *= jitter;
    if (hint > 0) {
        if (hint > MAX_HINT)
            hint = MAX_HINT;
        if (d < hint)
            d = hint;
    }
    return d;
}

/* host[:port] of a URL (owned), or NULL. */
static char *url_host(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *res = NULL;

    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
            res = xasprintf("%s:%s", host, port);
        else
            res = xstrdup(host);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return res;
}

/* Resolve `loc` against `base` (owned), or NULL. */
static char *url_join(const char *base, const char *loc)
{
    CURLU *u = curl_url();
    char *out = NULL, *res = NULL;

    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
        res = xstrdup(out);
    curl_free(out);
    curl_url_cleanup(u);
    return res;
}

/* ===== The hub ===== */

int zx_hub_new(const struct zx_hub_opts *o, struct zx_hub **out,
               struct zx_error *err)
{
    static int inited;
    struct zx_hub *h;

    *out = NULL;
    if (!inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return zx_fail(err, ZX_ENET, "cannot initialise libcurl");
        inited = 1;
    }
    h = xcalloc(1, sizeof(*h));
    h->o = *o;
    h->o.endpoint = xstrdup(o->endpoint);
    h->o.token = o->token ? xstrdup(o->token) : NULL;
    if (h->o.max_parallel < 1)
        h->o.max_parallel = 1;
    h->host = url_host(h->o.endpoint);
    if (!h->host) {
        zx_hub_free(h);
        return zx_fail(err, ZX_EUSAGE, "'%s' is not a valid Hub endpoint",
                       o->endpoint);
    }
    h->multi = curl_multi_init();
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)h->o.max_parallel);
    h->ua = xasprintf("zoodex/%s; %s", ZX_VERSION, curl_version());
    h->rng = (unsigned)time(NULL);
    srand(h->rng);
    *out = h;
    return ZX_OK;
}

void zx_hub_free(struct zx_hub *h)
{
    if (!h)
        return;
    if (h->multi)
        curl_multi_cleanup(h->multi);
    zx_hub_opts_release(&h->o);
    free(h->host);
    free(h->ua);
    free(h);
}

const struct zx_hub_stats *zx_hub_stats(const struct zx_hub *h)
{
    return &h->st;
}

const char *zx_hub_endpoint(const struct zx_hub *h)
{
    return h->o.endpoint;
}

void zx_hub_set_watch(struct zx_hub *h, const struct zx_hub_watch *w)
{
    if (w)
        h->watch = *w;
    else
        memset(&h->watch, 0, sizeof(h->watch));
}

/* A URL as a log may show it (owned): without user:password and fragment,
 * and without the query on another host than the endpoint's, where it is
 * a signature (the CDN's presigned URLs). */
static char *shown_url(const struct zx_hub *h, const char *url)
{
    CURLU *u = curl_url();
    char *out = NULL, *host = url_host(url), *res;
    int other = !host || strcmp(host, h->host) != 0, had_query = 0;

    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        char *q = NULL;

        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
        if (other && curl_url_get(u, CURLUPART_QUERY, &q, 0) == CURLUE_OK) {
            had_query = 1;
            curl_url_set(u, CURLUPART_QUERY, NULL, 0);
        }
        curl_free(q);
        curl_url_get(u, CURLUPART_URL, &out, 0);
    }
    res = out ? xasprintf("%s%s", out, had_query ? "?..." : "")
              : xstrdup("(a URL that cannot be parsed)");
    curl_free(out);
    curl_url_cleanup(u);
    free(host);
    return res;
}

int zx_hub_offline(const struct zx_hub *h)
{
    return h->o.offline;
}

/* ===== Callbacks ===== */

static void set_limit_error(struct xfer *x, uint64_t cap)
{
    char lim[ZX_SIZE_LEN];

    snprintf(x->r->err, sizeof(x->r->err),
             "response body exceeds the limit of %s", zx_format_size(cap, lim));
    x->limited = 1;
}

/* How the body of this answer is kept, decided at its first byte: 2 (a
 * window on the file) for a 200 or 206 to a Range request, else 1. */
static int window_start(struct xfer *x, long code)
{
    struct zx_req *r = x->r;
    uint64_t max = r->max_stream ? r->max_stream : DEFAULT_MAX_BODY;
    uint64_t last = r->n_pieces ? r->pieces[r->n_pieces - 1][0] +
                                      r->pieces[r->n_pieces - 1][1]
                                : 0;

    if (!r->has_range || r->head || (code != 200 && code != 206))
        return 1;
    x->need_end = r->range_len ? r->range_off + r->range_len : UINT64_MAX;
    if (r->n_pieces && last < x->need_end)
        x->need_end = last;
    if (x->crange_start >= 0 || code == 206) {
        /* A 206, or a 200 that says where it starts: the range only. */
        uint64_t want = r->range_off;

        x->pos =
            x->crange_start >= 0 ? (uint64_t)x->crange_start : r->range_off;
        if (x->pos > want) { /* the body would be read at the wrong place */
            snprintf(r->err, sizeof(r->err),
                     "the file store answered a Range that starts at byte "
                     "%llu with bytes from %llu on",
                     (unsigned long long)want, (unsigned long long)x->pos);
            x->limited = 1;
            return 2;
        }
    } else {
        char a[ZX_SIZE_LEN], b[ZX_SIZE_LEN];

        /* The whole file: read up to the range's end, if that is not too
         * far. */
        x->pos = 0;
        x->whole = 1;
        r->range_ignored = 1;
        if (r->n_pieces)
            x->need_end = last; /* every piece, past the range too */
        if (x->need_end != UINT64_MAX && x->need_end > max) {
            snprintf(r->err, sizeof(r->err),
                     "the file store ignored Range and sent the whole file; "
                     "the %s asked for end %s into it, past the %s a "
                     "request may read that way",
                     x->need_end - r->range_off == 1 ? "byte" : "bytes",
                     zx_format_size(x->need_end, a), zx_format_size(max, b));
            x->limited = 1;
        }
    }
    return 2;
}

/* Keep the part of p[0, len) (file offsets pos...) that is asked for;
 * stop the transfer once everything asked for is in.  Returning less
 * than len ends the transfer (CURLE_WRITE_ERROR): x->stopped or
 * x->limited tell after() why. */
static size_t window_add(struct xfer *x, const char *p, size_t len, size_t cap)
{
    struct zx_req *r = x->r;
    uint64_t a = x->pos, b = x->pos + len, kept = 0;
    uint64_t max = r->max_stream ? r->max_stream : DEFAULT_MAX_BODY;

    if (x->limited)
        return 0;
    if (r->n_pieces) {
        while (x->piece < r->n_pieces) {
            uint64_t s = r->pieces[x->piece][0];
            uint64_t e = s + r->pieces[x->piece][1];
            uint64_t lo = s > a ? s : a, hi = e < b ? e : b;

            if (s >= b)
                break;
            if (lo < hi) {
                if (r->body.len + (hi - lo) > cap) {
                    set_limit_error(x, cap);
                    return 0;
                }
                zx_buf_add(&r->body, p + (lo - a), (size_t)(hi - lo));
                kept += hi - lo;
            }
            if (e > b)
                break;
            x->piece++;
        }
    } else {
        uint64_t lo = r->range_off > a ? r->range_off : a;
        uint64_t hi = x->need_end < b ? x->need_end : b;

        if (lo < hi) {
            if (r->body.len + (hi - lo) > cap) {
                set_limit_error(x, cap);
                return 0;
            }
            zx_buf_add(&r->body, p + (lo - a), (size_t)(hi - lo));
            kept = hi - lo;
        }
    }
    r->streamed += len - kept; /* not asked for: dropped, but counted */
    x->pos = b;
    if (x->whole
            ? x->pos >= x->need_end || (r->n_pieces && x->piece >= r->n_pieces)
            : x->pos > x->need_end) {
        /* All in: the rest of the file (or of a 206 longer than the range)
         * is not needed.  A 206 that ends where the range ends is let
         * end by itself. */
        x->stopped = 1;
        return 0;
    }
    if (!x->whole && r->streamed > max) { /* starts far before the range */
        char m[ZX_SIZE_LEN];

        snprintf(r->err, sizeof(r->err),
                 "the file store's answer to a Range holds more than the %s "
                 "of bytes not asked for a request may read",
                 zx_format_size(max, m));
        x->limited = 1;
        return 0;
    }
    if (x->whole && x->pos > max) { /* open-ended: too far */
        char m[ZX_SIZE_LEN];

        snprintf(r->err, sizeof(r->err),
                 "the file store ignored Range and sent the whole file; "
                 "stopped after the %s a request may read that way",
                 zx_format_size(max, m));
        x->limited = 1;
        return 0;
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n,
           cap = x->r->max_bytes ? x->r->max_bytes : DEFAULT_MAX_BODY;
    long code = 0;

    x->got += len;
    if (x->location)
        return len; /* a redirect's body: ignore */
    x->h->st.received += len;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (x->r->sink_fd > 0 && (code == 200 || code == 206)) {
        size_t done = 0;

        while (done < len) {
            ssize_t w = write(x->r->sink_fd, p + done, len - done);

            if (w < 0) {
                x->r->write_failed = errno ? errno : EIO;
                snprintf(x->r->err, sizeof(x->r->err),
                         "cannot write the "
                         "download: %s",
                         strerror(x->r->write_failed));
                x->limited = 1; /* not the network: no retry */
                return 0;
            }
            done += (size_t)w;
        }
        x->r->sink_bytes += len;
        return len;
    }
    if (!x->mode)
        x->mode = window_start(x, code);
    if (x->mode == 2)
        return window_add(x, p, len, cap);
    if (code >= 400 && x->r->body.len + len > cap) {
        /* An error's text matters, not its length: keep its first 64 KiB
         * even when the body asked for was smaller (a 403 to a 4-byte
         * Range must still say "expired"), and stop there. */
        size_t room = cap > ERROR_BODY ? cap : ERROR_BODY;
        size_t take = x->r->body.len < room ? room - x->r->body.len : 0;

        if (take > len)
            take = len;
        zx_buf_add(&x->r->body, p, take);
        if (take == len)
            return len;
        x->stopped = 1; /* the rest is not needed */
        return 0;
    }
    if (x->r->body.len + len > cap) {
        set_limit_error(x, cap);
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    zx_buf_add(&x->r->body, p, len);
    return len;
}

static char *hdr_value(const char *line, size_t len, const char *name)
{
    size_t nl = strlen(name);
    const char *v, *e;

    if (len <= nl + 1 || strncasecmp(line, name, nl) || line[nl] != ':')
        return NULL;
    v = line + nl + 1;
    e = line + len;
    while (v < e && isspace((unsigned char)*v))
        v++;
    while (e > v && isspace((unsigned char)e[-1]))
        e--;
    return xstrndup(v, (size_t)(e - v));
}

static void set_str(char **dst, char *v)
{
    if (!v)
        return;
    free(*dst);
    *dst = v;
}

double zx_hub_parse_hint(const char *name, const char *v)
{
    char *end;
    double d;

    if (!strcasecmp(name, "retry-after")) {
        d = strtod(v, &end);
        return end != v && d >= 0 ? d : -1;
    }
    /* RateLimit: "api";r=0;t=53  (IETF draft): t is seconds to reset,
     * and only matters when nothing remains (r=0). */
    {
        const char *r = strstr(v, "r="), *t = strstr(v, "t=");

        if (!t)
            return -1;
        if (r && strtol(r + 2, NULL, 10) > 0)
            return -1;
        d = strtod(t + 2, &end);
        return end != t + 2 && d >= 0 ? d : -1;
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    struct zx_req *r = x->r;
    size_t len = size * n;
    char *v;

    if ((len == 2 && p[0] == '\r') || (len == 1 && p[0] == '\n')) {
        long code = 0;

        /* The end of the headers: an answer to a Range that cannot be
         * used (see window_start()) is dropped before its body comes. */
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        if (!x->mode && !x->location && r->sink_fd <= 0 &&
            (code == 200 || code == 206)) {
            x->mode = window_start(x, code);
            if (x->limited)
                return 0; /* aborts the transfer: after() sees ->limited */
        }
        return len;
    }
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
        /* a new response (after 100-continue): reset what we collected */
        free(x->location);
        x->location = NULL;
        x->hint = -1;
        x->have_clen = 0;
        x->crange_start = -1;
        x->encoded = 0;
        return len;
    }
    if ((v = hdr_value(p, len, "location")))
        set_str(&x->location, v);
    else if ((v = hdr_value(p, len, "link"))) {
        set_str(&r->link_next, zx_hub_parse_link(v));
        free(v);
    } else if ((v = hdr_value(p, len, "x-repo-commit")))
        set_str(&r->repo_commit, v);
    else if ((v = hdr_value(p, len, "x-linked-etag"))) {
        size_t l = strlen(v);

        if (l >= 2 && v[0] == '"' && v[l - 1] == '"') {
            memmove(v, v + 1, l - 2);
            v[l - 2] = '\0';
        }
        set_str(&r->linked_etag, v);
    } else if ((v = hdr_value(p, len, "etag"))) {
        size_t l = strlen(v), o = 0;

        if (l >= 2 && (v[0] == 'W' || v[0] == 'w') && v[1] == '/')
            o = 2;
        if (l >= o + 2 && v[o] == '"' && v[l - 1] == '"') {
            o++;
            l--;
        }
        memmove(v, v + o, l - o);
        v[l - o] = '\0';
        set_str(&r->etag, v);
    } else if ((v = hdr_value(p, len, "x-linked-size"))) {
        r->linked_size = strtoull(v, NULL, 10);
        free(v);
    } else if ((v = hdr_value(p, len, "x-error-code")))
        set_str(&r->error_code, v);
    else if ((v = hdr_value(p, len, "x-error-message")))
        set_str(&r->error_msg, v);
    else if ((v = hdr_value(p, len, "content-range"))) {
        const char *slash = strrchr(v, '/');

        if (slash && slash[1] != '*')
            r->total_size = strtoull(slash + 1, NULL, 10);
        if (!strncasecmp(v, "bytes ", 6) && v[6] >= '0' && v[6] <= '9')
            x->crange_start = (int64_t)strtoull(v + 6, NULL, 10);
        free(v);
    } else if ((v = hdr_value(p, len, "content-encoding"))) {
        x->encoded = *v && strcasecmp(v, "identity") != 0;
        free(v);
    } else if ((v = hdr_value(p, len, "content-length"))) {
        x->clen = strtoull(v, NULL, 10);
        x->have_clen = 1;
        free(v);
    } else if ((v = hdr_value(p, len, "retry-after"))) {
        double d = zx_hub_parse_hint("retry-after", v);

        if (d > x->hint)
            x->hint = d;
        free(v);
    } else if ((v = hdr_value(p, len, "ratelimit"))) {
        double d = zx_hub_parse_hint("ratelimit", v);

        if (d > x->hint)
            x->hint = d;
        free(v);
    }
    return len;
}

/* ===== The loop ===== */

static int retryable_status(long s)
{
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static int retryable_curl(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
        return 1;
    default:
        return 0;
    }
}

static struct xfer *start(struct zx_hub *h, struct zx_req *r)
{
    struct xfer *x = xcalloc(1, sizeof(*x));
    const char *url = r->final_url ? r->final_url : r->url;
    char *full = NULL, *host;

    if (url[0] == '/')
        url = full = xasprintf("%s%s", h->o.endpoint, url);
    if (!r->final_url)
        r->final_url = xstrdup(url);
    x->h = h;
    x->r = r;
    x->hint = -1;
    x->retry_in = -1;
    x->crange_start = -1;
    x->t0 = zx_now();
    clear_results(r);
    r->attempts++;
    x->easy = curl_easy_init();
    curl_easy_setopt(x->easy, CURLOPT_URL, url);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_USERAGENT, h->ua);
    curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT, h->o.timeout);
    curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout);
    curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Compressed answers for whole bodies; none for a Range (hub.md 2.3:
     * a CDN that compresses ignores Range and sends the whole file). */
    curl_easy_setopt(x->easy, CURLOPT_ACCEPT_ENCODING,
                     r->has_range ? "identity" : "");
    if (r->head)
        curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
    if (r->has_range) {
        char range[64];

        if (r->range_len)
            snprintf(range, sizeof(range), "%llu-%llu",
                     (unsigned long long)r->range_off,
                     (unsigned long long)(r->range_off + r->range_len - 1));
        else
            snprintf(range, sizeof(range), "%llu-",
                     (unsigned long long)r->range_off);
        curl_easy_setopt(x->easy, CURLOPT_RANGE, range);
    }
    /* The token goes to the endpoint's host only, never after a redirect
     * to another host (the CDN). */
    host = url_host(url);
    x->cross = !host || strcmp(host, h->host) != 0;
    if (h->o.token && host && !strcmp(host, h->host)) {
        curl_easy_setopt(x->easy, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(x->easy, CURLOPT_XOAUTH2_BEARER, h->o.token);
    }
    free(host);
    free(full);
    curl_multi_add_handle(h->multi, x->easy);
    h->st.requests++;
    return x;
}

static void finish_xfer(struct zx_hub *h, struct xfer *x)
{
    curl_multi_remove_handle(h->multi, x->easy);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->hdrs);
    free(x->location);
    free(x);
}

/* The text between <tag> and </tag> in s[0, len) (owned), or NULL. */
static char *xml_text(const char *s, size_t len, const char *tag)
{
    char open[32], close[32];
    const char *a, *b, *end = s + len;
    size_t ol;

    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    ol = strlen(open);
    for (a = s; a + ol <= end && memcmp(a, open, ol); a++)
        ;
    if (a + ol > end)
        return NULL;
    a += ol;
    for (b = a; b + strlen(close) <= end && memcmp(b, close, strlen(close));
         b++)
        ;
    if (b + strlen(close) > end || b - a > 200)
        return NULL;
    return xstrndup(a, (size_t)(b - a));
}

/* An S3-style error body (<Error><Code>..</Code><Message>..</Message>),
 * as the file store sends, fills error_code and error_msg when the
 * answer has no X-Error-Code / X-Error-Message. */
static void s3_error(struct zx_req *r)
{
    const char *d = r->body.data;
    size_t n = r->body.len < 4096 ? r->body.len : 4096;

    if (!d || !n || !memmem(d, n, "<Error>", 7))
        return;
    if (!r->error_code)
        r->error_code = xml_text(d, n, "Code");
    if (!r->error_msg)
        r->error_msg = xml_text(d, n, "Message");
}

/* Decide what happens after a transfer ended: 0 done, 1 requeue. */
static int after(struct zx_hub *h, struct xfer *x, CURLcode cc, double now)
{
    struct zx_req *r = x->r;
    long status = 0;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r->cross = x->cross;
    if (cc == CURLE_WRITE_ERROR && x->stopped)
        cc = CURLE_OK; /* stopped on purpose: the range is in */
    if (cc == CURLE_OK || x->limited)
        h->st.bytes += r->body.len + r->streamed;
    h->st.bytes += r->sink_bytes;
    if (x->limited) { /* our limit, not the network: no retry */
        r->status = 0;
        r->limited = 1;
        zx_buf_reset(&r->body);
        return 0;
    }
    if (cc != CURLE_OK) {
        if (!r->err[0])
            snprintf(r->err, sizeof(r->err), "%s", curl_easy_strerror(cc));
        r->status = 0;
        if (retryable_curl(cc) && r->attempts <= h->o.max_retries &&
            !(r->sink_fd > 0 && r->sink_bytes > 0)) {
            r->ready_at = now + zx_hub_backoff(&h->o, r->attempts - 1, -1);
            x->retry_in = r->ready_at - now;
            h->st.retries++;
            return 1;
        }
        return 0;
    }
    r->status = status;
    if (r->sink_fd > 0 && retryable_status(status) && r->sink_bytes == 0 &&
        r->attempts <= h->o.max_retries) {
        r->ready_at = now + zx_hub_backoff(&h->o, r->attempts - 1, x->hint);
        x->retry_in = r->ready_at - now;
        h->st.retries++;
        return 1;
    }
    if ((status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308) &&
        x->location) {
        char *next = url_join(r->final_url, x->location);

        if (!next || ++r->redirects > MAX_REDIRECTS) {
            free(next);
            snprintf(r->err, sizeof(r->err), "%s",
                     next ? "too many redirects" : "bad redirect location");
            r->status = 0;
            r->limited = 1; /* the answers, not the network */
            return 0;
        }
        free(r->final_url);
        r->final_url = next;
        r->ready_at = now;
        h->st.redirects++;
        r->attempts--; /* a redirect is not a retry */
        return 1;
    }
    if (status == 403 && x->cross && !r->reresolved &&
        strcmp(r->final_url, r->url) != 0) {
        /* The file store refused the signed URL the Hub redirected to
         * (expired): ask the Hub for a fresh one, once. */
        free(r->final_url);
        r->final_url = NULL;
        r->reresolved = 1;
        r->ready_at = now;
        h->st.redirects++;
        r->attempts--; /* not a retry either */
        return 1;
    }
    if (retryable_status(status) && r->attempts <= h->o.max_retries) {
        r->ready_at = now + zx_hub_backoff(&h->o, r->attempts - 1, x->hint);
        x->retry_in = r->ready_at - now;
        h->st.retries++;
        return 1;
    }
    if (status >= 400)
        s3_error(r);
    if (x->mode == 2)
        r->n_got = x->piece;
    if (x->mode == 2 && x->whole) {
        /* The server ignored Range: the body holds the range all the
         * same, as a 206 would.  A stream read to its end gives the
         * file's size; else Content-Length does, unless encoded. */
        if (!x->stopped)
            r->total_size = x->pos;
        else if (x->have_clen && !x->encoded)
            r->total_size = x->clen;
        r->status = !r->body.len && r->range_off && !x->stopped &&
                            r->range_off >= x->pos
                        ? 416
                        : 206;
    } else if (!r->has_range || status != 206) {
        r->total_size = r->total_size
                            ? r->total_size
                            : (x->have_clen && !x->encoded ? x->clen : 0);
        if (x->mode == 2 && status == 200)
            r->status = 206; /* a 200 with a Content-Range */
    }
    return 0;
}

/* Tell the watcher how an exchange ended. */
static void report(struct zx_hub *h, struct xfer *x, CURLcode cc,
                   const char *shown)
{
    struct zx_hub_exchange ex;
    long status = 0;

    if (cc == CURLE_WRITE_ERROR && x->stopped)
        cc = CURLE_OK; /* stopped on purpose (see after()) */
    if (cc == CURLE_OK)
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    ex.method = x->r->head ? "HEAD" : "GET";
    ex.url = shown;
    ex.status = status;
    ex.error = cc == CURLE_OK ? NULL
               : x->r->err[0] ? x->r->err
                              : curl_easy_strerror(cc);
    ex.bytes = x->got;
    ex.seconds = zx_now() - x->t0;
    ex.retry_in = x->retry_in;
    h->watch.exchange(h->watch.arg, &ex);
}

/* Live counters for the watcher: the transfers in flight. */
static void tick(struct zx_hub *h, struct xfer **active)
{
    int j;

    h->st.inflight_done = h->st.inflight_total = 0;
    for (j = 0; j < h->o.max_parallel; j++) {
        if (active[j] && active[j]->have_clen && !active[j]->location) {
            h->st.inflight_done += active[j]->got;
            h->st.inflight_total += active[j]->clen;
        }
    }
    h->watch.tick(h->watch.arg, &h->st);
}

int zx_hub_run(struct zx_hub *h, struct zx_req **reqs, size_t n,
               struct zx_error *err)
{
    struct xfer **active = xcalloc((size_t)h->o.max_parallel, sizeof(*active));
    char *queued = xcalloc(n + 1, 1);
    size_t i, left = n, transport_fail = 0;
    int n_active = 0, j;

    if (h->o.offline) {
        free(active);
        free(queued);
        return zx_fail(err, ZX_EOFFLINE,
                       "the Hub is offline (HF_HUB_OFFLINE "
                       "is set)");
    }
    for (i = 0; i < n; i++) {
        queued[i] = 1;
        reqs[i]->ready_at = 0;
        reqs[i]->attempts = 0;
        reqs[i]->redirects = 0;
        reqs[i]->reresolved = 0;
        free(reqs[i]->final_url);
        reqs[i]->final_url = NULL;
    }
    while (left > 0) {
        double now = zx_now(), wait = 0.2;
        int still = 0, msgs = 0;
        CURLMsg *m;

        /* Start what is ready. */
        for (i = 0; i < n && n_active < h->o.max_parallel; i++) {
            if (!queued[i])
                continue;
            if (reqs[i]->ready_at > now) {
                if (reqs[i]->ready_at - now < wait)
                    wait = reqs[i]->ready_at - now;
                continue;
            }
            if (h->o.max_rps > 0 && now < h->next_start) {
                if (h->next_start - now < wait)
                    wait = h->next_start - now;
                break;
            }
            if (h->o.max_rps > 0)
                h->next_start = (h->next_start > now ? h->next_start : now) +
                                1.0 / h->o.max_rps;
            for (j = 0; j < h->o.max_parallel; j++)
                if (!active[j])
                    break;
            active[j] = start(h, reqs[i]);
            queued[i] = 0;
            n_active++;
        }
        curl_multi_perform(h->multi, &still);
        while ((m = curl_multi_info_read(h->multi, &msgs))) {
            struct xfer *x = NULL;
            char *shown = NULL;
            int requeue;

            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            for (j = 0; j < h->o.max_parallel; j++)
                if (active[j] == x)
                    break;
            if (h->watch.exchange)
                shown = shown_url(h, x->r->final_url);
            requeue = after(h, x, m->data.result, zx_now());
            if (shown) {
                report(h, x, m->data.result, shown);
                free(shown);
                shown = NULL;
            }
            if (requeue) {
                for (i = 0; i < n; i++)
                    if (reqs[i] == x->r)
                        queued[i] = 1;
            } else {
                if (x->r->status == 0 && !x->r->limited)
                    transport_fail++;
                left--;
            }
            if (j < h->o.max_parallel)
                active[j] = NULL;
            n_active--;
            finish_xfer(h, x);
        }
        if (h->watch.tick)
            tick(h, active);
        if (left > 0) {
            int ms;

            /* Requeued requests (redirects, retries) may be ready now. */
            now = zx_now();
            for (i = 0; i < n; i++) {
                if (!queued[i])
                    continue;
                if (reqs[i]->ready_at <= now && n_active < h->o.max_parallel &&
                    !(h->o.max_rps > 0 && now < h->next_start)) {
                    wait = 0;
                    break;
                }
                if (reqs[i]->ready_at - now < wait)
                    wait = reqs[i]->ready_at - now;
            }
            if (wait <= 0)
                continue;
            ms = (int)(wait * 1000);
            if (ms < 1)
                ms = 1;
            if (n_active == 0) {
                struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

                nanosleep(&ts, NULL);
            } else {
                curl_multi_poll(h->multi, NULL, 0, ms, NULL);
            }
        }
    }
    free(active);
    free(queued);
    if (n && transport_fail == n)
        return zx_fail(err, ZX_ENET, "the Hub at %s is unreachable: %s",
                       h->o.endpoint, reqs[0]->err);
    return ZX_OK;
}
