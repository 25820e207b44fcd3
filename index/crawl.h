/* crawl.h - keep the index current with the Hugging Face Hub.
 *
 * A crawl lists models newest-modified first (sort=lastModified), stops at
 * the mark the last complete run left for the same query (or at --since),
 * and indexes only new or changed revisions (the listing's sha against the
 * stored revision).  Models are keyed by the Hub's _id.  Gated, private
 * and missing models are recorded with their reason and revision, and not
 * tried again until their sha changes.  The mark moves only when a run
 * lists everything down to it, so an interrupted run (SIGINT, SIGTERM,
 * kill -9) is simply resumed by the next one: what it had committed is
 * skipped as unchanged.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_CRAWL_H
#define ZX_CRAWL_H
#include <stdint.h>

#include "hub.h"
#include "index.h"

/* State keys (store.h's state table, zoodex-store(5)): "skip:" then a
 * Hub _id holds {"model","reason","sha"} of a model recorded as skipped
 * (and "held", the weights digest of the local record that made it
 * ZX_CRAWL_HELD: the skip stands while that record does);
 * "crawl.mark:" then 16 hex digits of the query's SHA-256 holds the
 * newest lastModified that the query's last complete run listed. */
#define ZX_STATE_SKIP "skip:"
#define ZX_STATE_CRAWL_MARK "crawl.mark:"
/* The reason of a model skipped because its id holds a full record of
 * other weights whose local source still exists (the skip's "path"). */
#define ZX_CRAWL_HELD "held-by-local-model"

struct zx_crawl_report;

struct zx_crawl_opts {
    const char *author;
    const char **filters; /* ANDed tags */
    size_t n_filters;
    const char *search;
    const char *since;  /* ISO date; overrides the stored mark */
    long max_models;    /* models to index (new or changed), 0 = all */
    uint64_t max_bytes; /* stop after fetching this much, 0 = no cap */
    int dry_run;
    int page_size; /* listing page size (1000) */
    int batch;     /* models fetched together (4 x parallel) */
    /* Called after each listing page and each batch (NULL: not called):
     * the report's counts so far, `listed` the models of the pages read
     * so far, and `final` 1 once no more pages will be read, so that
     * `listed` is the number of models this run looks at. */
    void (*progress)(void *arg, const struct zx_crawl_report *rep,
                     uint64_t listed, int final);
    void *progress_arg;
};

struct zx_crawl_report {
    uint64_t seen, indexed_new, updated, unchanged, skipped, failed;
    uint64_t merged; /* of the unchanged: fetched, found to be the weights
                        of a full record, whose record then took the
                        Hub's metadata (zx_index_put, ZX_ADD_MERGED) */
    uint64_t bytes, requests, retries, pages;
    double elapsed;
    uint64_t max_anon_kb; /* largest anonymous resident set seen between
                             batches (Linux; 0 elsewhere): the crawl's own
                             memory, without the store's mapped pages */
    int reached_mark;     /* listing stopped at the previous run's mark */
    int complete;         /* listed everything asked for: mark advanced */
    int interrupted;
    int limited;      /* --max-models or --max-bytes stopped it */
    json_t *failures; /* [{"model","error"}] */
    json_t *skips;    /* [{"model","reason"[,"path"]}] */
};

void zx_crawl_default_opts(struct zx_crawl_opts *o);

/* `zoodex ingest org/name[@rev]`: download the model in full into the
 * Hugging Face cache (see zx_remote_download; what the download created
 * is recorded in the state table under ZX_CRAWL_DL_PREFIX + its path),
 * compute its full descriptors and store it keyed by its Hub _id.  With
 * HF_HUB_OFFLINE the model comes from the cache alone
 * (zx_remote_from_cache), with the Hub summary the index had.  Returns
 * ZX_OK, ZX_EUSAGE (bad spec), the download's errors, ZX_EOFFLINE, or a
 * store error (*bad_input = 0). */
int zx_crawl_ingest_one(struct zx_index *ix, struct zx_hub *hub,
                        const char *spec, int force, enum zx_add_result *res,
                        int *bad_input, struct zx_error *err);

/* State key prefix of the records of cache files zoodex downloaded:
 * "dl:<absolute path>" -> {"kind", "path", "model", "commit", ...}. */
#define ZX_CRAWL_DL_PREFIX "dl:"

/* Remove the cache files zoodex downloaded (those of `models` only, when
 * n_models > 0), as zx_hfcache_prune allows, and forget their records;
 * without models also <index>/downloads/, where older versions downloaded
 * (kind "legacy"; symbolic links in it are removed, not followed);
 * dry_run changes nothing.  *report (owned): {"dry_run", "removed":
 * [{path, kind, model}], "kept": [{path, kind, model, reason}], "bytes"}.
 * Returns ZX_OK or a store error. */
int zx_crawl_prune(struct zx_index *ix, const char *const *models,
                   size_t n_models, int dry_run, json_t **report,
                   struct zx_error *err);

/* 1 when s looks like "org/name" or "org/name@rev". */
int zx_crawl_is_hub_spec(const char *s);

/* Run one crawl.  *stop is polled between batches (signals).  Returns
 * ZX_OK (read the report), ZX_ENET when the Hub could not be reached,
 * ZX_EREFUSED when it refused the listing (HTTP 400, 401 or 403: the
 * request or the token is wrong), or a store error.  The report's JSON
 * members are owned by the caller (zx_crawl_report_release). */
int zx_crawl(struct zx_index *ix, struct zx_hub *hub,
             const struct zx_crawl_opts *o, volatile int *stop,
             struct zx_crawl_report *rep, struct zx_error *err);
void zx_crawl_report_release(struct zx_crawl_report *rep);

#endif
