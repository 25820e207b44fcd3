/* batch.h - ingest a batch of inputs: model folders, files and trees, Hub
 * models and zoo archives, as `zoodex ingest` takes them.
 *
 * Two steps.  zx_batch_new() sorts the inputs into Hub models (not on
 * disk and shaped like org/name[@rev]), zoo archives (checked whole now,
 * through ingest/zoo.h, before any index is opened, so that a refused
 * archive leaves the index as it was) and folders or files (scanned with
 * zx_model_scan()), checks --id against them and connects to the Hub when
 * one is a Hub model.  zx_batch_run() then opens the index for writing and
 * indexes every model in its own store transaction, rewriting the vector
 * files every ZX_BATCH_FLUSH_EVERY changed models and at the end (also
 * after a stop).  A model whose files are bad is reported through the
 * event callback and skipped; an error of the index stops the run.
 * Nothing here prints: every model's outcome and all progress go to the
 * caller's event callback.
 * Ownership: no function takes ownership of its arguments; a struct
 * zx_batch is owned by its caller (zx_batch_free).  Event data is borrowed
 * for the duration of the callback.
 * Threads: one struct zx_batch per thread.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_BATCH_H
#define ZX_BATCH_H
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "unpack.h"
#include "zx_err.h"

/* Changed models between two rewrites of the vector files. */
#define ZX_BATCH_FLUSH_EVERY 500

enum zx_batch_event_type {
    ZX_BATCH_CHECK_BEGIN, /* an archive's check (pass 1) starts; name: the
                             archive as given.  Long work follows: the
                             caller may start watching for signals. */
    ZX_BATCH_CHECK_ENTRY, /* an archive entry was checked; n: entries so
                             far, name: the entry's path */
    ZX_BATCH_CHECK_END,   /* the check ended; rc: its result */
    ZX_BATCH_RUN_BEGIN,   /* the index is open; n: the models to index */
    ZX_BATCH_MODEL,       /* a model is next; n: models done so far, name:
                             the model as shown to the user */
    ZX_BATCH_RESULT,      /* a model is done; name as for ZX_BATCH_MODEL;
                             rc == ZX_OK: res says what happened; otherwise
                             the model was skipped for the reason in err */
    ZX_BATCH_RUN_END,     /* the models are done (or the run stops on an
                             error); the vector files are flushed next */
};

struct zx_batch_event {
    enum zx_batch_event_type type;
    uint64_t n;
    const char *name;
    int rc;
    enum zx_add_result res;     /* ZX_BATCH_RESULT with rc == ZX_OK */
    const struct zx_error *err; /* ZX_BATCH_RESULT with rc != ZX_OK, or
                                   with skipped: why */
    int skipped; /* ZX_BATCH_RESULT, rc == ZX_OK: the model was skipped,
                    not indexed: an older snapshot of a Hugging Face cache
                    (model.h's zx_model_older_snapshot()) */
};

struct zx_batch_opts {
    const char *id;              /* the one model's id, or NULL */
    const char *org;             /* the org of ids derived from folders
                                    (zx_model_src_open_as), or NULL */
    int force;                   /* re-index unchanged models too */
    struct zx_unpack_limits lim; /* zoo archives' limits */
    volatile int *stop;          /* non-zero (from a signal): stop soon;
                                    may be NULL */
    /* Progress and per-model outcomes (may be NULL). */
    void (*event)(void *arg, const struct zx_batch_event *ev);
    void *arg;
};

/* The outcome of zx_batch_run(). */
struct zx_batch_report {
    size_t found; /* models in the batch */
    size_t done;  /* models tried */
    size_t n_new, n_updated, n_unchanged, n_failed;
    size_t n_skipped; /* older snapshots of a Hugging Face cache */
    int interrupted;  /* *stop was set: the rest was not tried */
    int unreachable;  /* the only input was a Hub model, and the Hub could
                         not be reached (zx_batch_run returned ZX_ENET) or,
                         offline, the model is not in the cache
                         (ZX_EOFFLINE) */
};

/* No id, no force, the zoo archives' default limits, no stop flag and no
 * callback. */
void zx_batch_default_opts(struct zx_batch_opts *o);

struct zx_batch;
struct zx_hub;

/* Sort and check the n inputs args[] (see the top of this file); the
 * options are copied (the strings they point to must outlive the batch).
 * Returns ZX_OK; ZX_EIO for an input that does not exist (a missing input
 * is an error, not "model not indexed") or that cannot be read; the
 * archive check's ZX_EIO (also "interrupted" through o->stop), ZX_EFORMAT
 * or ZX_ETOOBIG; ZX_EUSAGE (with a message) when o->id is given and the
 * inputs hold other than one model, or a Hub model; ZX_EOFFLINE when
 * HF_HUB_OFFLINE is set and the only input, a Hub model, is not complete
 * in the Hugging Face cache; or the Hub client's errors.  *out is NULL on
 * failure. */
int zx_batch_new(char *const *args, size_t n, const struct zx_batch_opts *o,
                 struct zx_batch **out, struct zx_error *err);
void zx_batch_free(struct zx_batch *b); /* NULL-safe */

/* The Hub client the batch connected with, or NULL when no input is a
 * Hub model (borrowed: it lives as long as the batch). */
struct zx_hub *zx_batch_hub(struct zx_batch *b);

/* The models found (folders, files, Hub models and archives' models). */
size_t zx_batch_total(const struct zx_batch *b);

/* Open the index in `db` for writing (created when missing) and index
 * every model of the batch; rep is filled also on failure.  Returns ZX_OK
 * (read rep for the counts: failed models do not fail the run),
 * zx_index_open()'s errors, ZX_ENET or ZX_EOFFLINE when rep->unreachable, an
 * archive's pass-2 errors, or an index error that stopped the run.  Call it
 * once: an archive's staging folder is removed as soon as its models are done.
 * ZX_ENOSPACE (no space left on device, for the store, a vector file or a
 * model's staging) stops the run like an index error: rep then counts the
 * models committed before it (n_new, n_updated, n_unchanged) and those that
 * failed; the model being written is in none of them.  The store is as the
 * last commit left it, and the vector files are not rewritten (searches
 * read the store until a later run brings them up to date).
 */
int zx_batch_run(struct zx_batch *b, const char *db,
                 struct zx_batch_report *rep, struct zx_error *err);

#endif
