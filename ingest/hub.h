/* hub.h - the Hugging Face Hub client, libcurl's only user.
 *
 * Data flow: callers fill an array of struct zx_req (a URL or a path on the
 * endpoint, optionally a byte range) and hand it to zx_hub_run(), which
 * runs them concurrently (curl multi, at most opts.max_parallel in flight,
 * at most opts.max_rps started per second), follows redirects itself (so
 * that the headers of the redirect, X-Linked-Etag and X-Repo-Commit, are
 * kept and the token is never sent to another host), retries 408, 429,
 * 5xx and transport errors with bounded, jittered exponential backoff that
 * honours Retry-After and RateLimit, and caps every body.  A finished
 * request carries its final status and body; HTTP errors are results for
 * the caller to interpret, not failures of zx_hub_run().  A watch
 * (zx_hub_set_watch) sees every exchange and the live byte counts, for
 * the CLI's -v log and progress line; hub.c itself never prints.
 *
 * Environment (zx_hub_default_opts): HF_ENDPOINT (default
 * https://huggingface.co), the token (zx_hub_token; sent as a Bearer
 * token to the endpoint's host only, never logged), HF_HUB_OFFLINE=1 (no
 * request is made: ZX_EOFFLINE at once).
 * Ownership: requests belong to the caller; zx_req_release() frees what a
 * run stored in them.  Threads: one struct zx_hub per thread.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_HUB_H
#define ZX_HUB_H
#include <stddef.h>
#include <stdint.h>

#include "zx_buf.h"
#include "zx_err.h"

struct zx_hub_opts {
    char *endpoint; /* no trailing slash */
    char *token;    /* NULL: anonymous */
    int offline;
    int max_parallel;     /* transfers in flight (8) */
    double max_rps;       /* requests started per second, 0 = no limit */
    int max_retries;      /* per request (6) */
    double backoff_base;  /* seconds (0.25) */
    double backoff_max;   /* seconds (30) */
    long timeout;         /* seconds per attempt (120) */
    long connect_timeout; /* seconds (15) */
};

/* Defaults, then the environment.  Strings are owned by opts: release
 * them with zx_hub_opts_release(). */
void zx_hub_default_opts(struct zx_hub_opts *o);
void zx_hub_opts_release(struct zx_hub_opts *o);

/* The token huggingface_hub would send (owned), or NULL: HF_TOKEN, else
 * HUGGING_FACE_HUB_TOKEN, else the file HF_TOKEN_PATH, else
 * $HF_HOME/token (what `hf auth login` writes; HF_HOME defaults to
 * ${XDG_CACHE_HOME:-~/.cache}/huggingface), whitespace stripped.  The
 * first source that is set and not blank decides: a value with inner
 * spaces or control characters there, or a file over 4 KiB, is no token.
 * HF_HUB_DISABLE_IMPLICIT_TOKEN=1 turns every source off. */
char *zx_hub_token(void);

struct zx_hub_stats {
    uint64_t requests; /* HTTP requests sent, redirects and retries too */
    uint64_t retries;
    uint64_t redirects;
    uint64_t bytes; /* body bytes of the answers received */
    /* live, for progress displays (see struct zx_hub_watch) */
    uint64_t received;       /* body bytes so far, in flight too (not of
                                redirects) */
    uint64_t inflight_done;  /* of the transfers in flight whose size is */
    uint64_t inflight_total; /* known: bytes received and bytes expected */
};

/* One finished HTTP exchange (one attempt: a redirect, a retried 503 and
 * a transport failure are exchanges too), for a request log. */
struct zx_hub_exchange {
    const char *method; /* "GET" or "HEAD" */
    const char *url;    /* safe to show: no user:password, and on hosts
                           other than the endpoint's (the CDN's signed
                           URLs) no query, shown as "?..."; the token is
                           never in a URL */
    long status;        /* HTTP status, 0 after a transport error */
    const char *error;  /* the transport error, or NULL */
    uint64_t bytes;     /* body bytes received */
    double seconds;     /* from the start of the exchange to its end */
    double retry_in;    /* >= 0: tried again after this many seconds */
};

/* What a run reports as it goes; hub.c never prints.  exchange() is
 * called after each exchange, tick() on every turn of the transfer loop
 * (at least 5 times a second while requests are in flight), both from
 * the thread that called zx_hub_run().  Either may be NULL. */
struct zx_hub_watch {
    void (*exchange)(void *arg, const struct zx_hub_exchange *ex);
    void (*tick)(void *arg, const struct zx_hub_stats *st);
    void *arg;
};

struct zx_req {
    /* in */
    char *url; /* absolute, or a path on the endpoint */
    int head;  /* HEAD instead of GET */
    int has_range;
    uint64_t range_off, range_len;
    size_t max_bytes;    /* body cap (default 64 MiB) */
    void *user;          /* for the caller */
    int sink_fd;         /* > 0: write a 200/206 body to this file
                            instead of memory; not retried after a
                            transport error (the caller resumes) */
    uint64_t sink_bytes; /* bytes written to sink_fd */
    /* A file store may ignore Range and answer 200 with the whole file
     * (CloudFront does when it compresses).  The body then still gets
     * only the bytes asked for: the stream is read from its start, the
     * bytes before the range are dropped, and the transfer stops once the
     * range is in.  max_stream bounds how far into such a stream a
     * request may read (0: 64 MiB); a range that ends beyond it is not
     * read at all (status 0, ->limited, a message in ->err).  The bytes
     * of any answer to a Range that are not asked for (before the range,
     * between pieces) are counted in ->streamed and bounded by it too; a
     * 206 is read only up to the range's end, and one that starts after
     * the first byte asked for is refused (status 0, ->limited). */
    uint64_t max_stream;
    /* With a range: only these pieces, n_pieces (offset, length) pairs,
     * sorted and not overlapping, the first at the range's start, go to
     * the body, one after the other.  Pieces may lie past the range's
     * end: a store that ignores Range (200, the whole file) then serves
     * them all from one stream, and one request gathers many small reads
     * of a file; a 206 serves only the range.  ->n_got says how many
     * pieces the body holds whole; ask for the others again.  Not with
     * sink_fd. */
    const uint64_t (*pieces)[2];
    size_t n_pieces;
    /* out */
    long status; /* final HTTP status, 0 after a transport error */
    struct zx_buf body;
    char *final_url;
    char *link_next;      /* Link: <...>; rel="next" */
    char *repo_commit;    /* X-Repo-Commit (also from a redirect) */
    char *linked_etag;    /* X-Linked-Etag, unquoted (the LFS sha256) */
    char *etag;           /* ETag of the last response, unquoted, no W/ */
    uint64_t linked_size; /* X-Linked-Size */
    uint64_t total_size;  /* Content-Range's total, else Content-Length */
    char *error_code;     /* X-Error-Code */
    char *error_msg;      /* X-Error-Message */
    int attempts;
    int range_ignored; /* a Range was answered with the whole file (200):
                          the body was cut to the range and the status
                          set to 206 */
    uint64_t streamed; /* bytes of answers to a Range read and dropped
                          (not asked for); counted in the hub's bytes */
    int limited;       /* status 0 for a reason other than the network: a
                          limit of ours (max_bytes, max_stream), an answer
                          that cannot be used (a Content-Range after the
                          range, bad or too many redirects) or a failed
                          write to sink_fd: ->err says which */
    int write_failed;  /* the errno of a failed write to sink_fd, or 0 */
    size_t n_got;      /* see pieces: how many are in the body */
    int cross;         /* the final answer came from another host than the
                          endpoint's (the file store) */
    int reresolved;    /* the file store refused a signed URL (403) and
                          the Hub was asked for a fresh one */
    char err[256];     /* transport error text, "" if none */
    /* private to hub.c */
    int redirects;
    double ready_at;
};

struct zx_hub;

int zx_hub_new(const struct zx_hub_opts *o, struct zx_hub **out,
               struct zx_error *err);
void zx_hub_free(struct zx_hub *h); /* NULL-safe */
const struct zx_hub_stats *zx_hub_stats(const struct zx_hub *h);
/* Report this hub's traffic to w (copied; NULL stops reporting). */
void zx_hub_set_watch(struct zx_hub *h, const struct zx_hub_watch *w);
const char *zx_hub_endpoint(const struct zx_hub *h);
/* 1 when HF_HUB_OFFLINE was set: every run fails with ZX_EOFFLINE. */
int zx_hub_offline(const struct zx_hub *h);

/* Run n requests to completion.  Returns ZX_OK when every request got an
 * HTTP answer (look at ->status), ZX_ENET when the Hub is offline or every
 * request failed at the transport level after its retries (the Hub is
 * unreachable), ZX_EOFFLINE when HF_HUB_OFFLINE is set (nothing is sent),
 * ZX_ENOMEM/ZX_EUSAGE otherwise.  A request that failed
 * alone has status 0 and a message in ->err; one stopped by a limit of
 * ours (->limited) never counts as the Hub being unreachable.
 * A 403 from another host than the endpoint's, reached by a redirect
 * (the file store refusing an expired signed URL), makes the request go
 * back to its own URL once for a fresh redirect (->reresolved); a second
 * 403 is the answer.  The body of an S3-style XML error (<Code>,
 * <Message>) fills ->error_code and ->error_msg when the answer has no
 * X-Error-Code / X-Error-Message. */
int zx_hub_run(struct zx_hub *h, struct zx_req **reqs, size_t n,
               struct zx_error *err);

/* Set a request's URL (copied) and clear its results. */
void zx_req_init(struct zx_req *r, const char *url);
void zx_req_range(struct zx_req *r, uint64_t off, uint64_t len);
void zx_req_release(struct zx_req *r); /* NULL-safe */

/* The next-page URL of an RFC 8288 Link header value, or NULL (owned).
 * Only absolute http(s) URLs with rel="next" count. */
char *zx_hub_parse_link(const char *value);

/* Seconds to wait from a Retry-After value (a number of seconds; an
 * HTTP date is not understood) when `name` is "retry-after", else from a
 * RateLimit value ("api";r=0;t=53: t when nothing remains, r=0).  -1 when
 * the value gives no wait. */
double zx_hub_parse_hint(const char *name, const char *value);
/* Percent-encode one path or query component (owned). */
char *zx_hub_escape(const char *s);

/* Exponential backoff with jitter for attempt a (0-based), in seconds,
 * never above max; `hint` (Retry-After / RateLimit t) raises the floor. */
double zx_hub_backoff(const struct zx_hub_opts *o, int a, double hint);

#endif
