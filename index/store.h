/* store.h - the metadata store, LMDB's only user and zoodex's source of
 * truth.  Layout (see zoodex-store(5)):
 *   meta      "schema" -> "1", "next_vid" -> u64 (little-endian)
 *   models    model id -> JSON record
 *   vectors   arch (16 hex) + vid (u64 big-endian) -> fingerprint record
 *   groups    architecture signature -> JSON {gen, n_models, ...}
 *   edges     "child\0parent" -> JSON {relation, source, provenance}
 *   redges    "parent\0child" -> "" (children lookups)
 *   state     free-form keys for later stages (crawl marks); each key
 *             prefix is a ZX_STATE_* macro in the header of the module that
 *             writes it (index.h, crawl.h, lineage.h)
 *   lineage   model id -> lineage descriptor ("ZXL1", version, dim, floats)
 * Ownership: no function takes ownership of its arguments.  json_t results
 * are owned by the caller; struct zx_vec data points into the LMDB map and
 * is valid until the transaction ends.
 * Threads: one struct zx_store per process; one zx_txn per thread; read
 * transactions never block the writer and see a consistent snapshot.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_STORE_H
#define ZX_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "zx_json.h"

#define ZX_STORE_SCHEMA 1

struct zx_store;
struct zx_txn;

enum zx_store_flags {
    ZX_STORE_RDONLY = 1,  /* never create or write */
    ZX_STORE_PRIVATE = 2, /* no lock file: only for a copy that no other
                             process can know about yet */
};

/* The end of every ZX_EDAMAGED message, which reads "index 'DIR' is
 * damaged: WHAT; " ZX_STORE_RECOVERY. */
#define ZX_STORE_RECOVERY                                                      \
    "to recover, restore a backup (see zoodex-backup(1)) or move the "         \
    "folder away and ingest or crawl again"

/* Open (creating if needed, unless ZX_STORE_RDONLY) the store in `dir`.
 * A reader needs read access to data.mdb and read-write access to
 * lock.mdb (LMDB's table of readers); an opener that owns lock.mdb gives
 * it the read bits of data.mdb with the matching write bits, so whoever
 * may read the store may register as its reader (zoodex-store(5)).
 * Before anything is read through the map, data.mdb is checked: missing
 * where an index was, empty, or shorter than its last page in use is
 * ZX_EDAMAGED, never a SIGBUS.
 * Returns ZX_OK, ZX_ENOTFOUND (RDONLY and no store), ZX_EIO (no access),
 * ZX_EDAMAGED or ZX_ESTORE (wrong schema, not a zoodex index).  Every call
 * below returns ZX_EDAMAGED, with what is damaged, when LMDB finds a page
 * or a record malformed.
 * A full file system: the open, and every call that writes (puts, deletes
 * and zx_txn_commit), return ZX_ENOSPACE, "cannot write 'DIR/data.mdb': No
 * space left on device" (or lock.mdb, which every opener but a
 * ZX_STORE_PRIVATE one writes: a reader's open fails so too when the
 * file is missing or has holes); LMDB's EIO for a short write counts
 * when less than 1 MiB is left free in `dir`.  The failed transaction is not
 * committed; a store created by this open is removed again.  A store that
 * reached its map size (ZOODEX_MAP_SIZE) is ZX_ENOSPACE as well, with
 * err->map_full set: "index 'DIR' is full: its store 'data.mdb' reached
 * its map size of N bytes (set ZOODEX_MAP_SIZE to more)". */
int zx_store_open(const char *dir, unsigned flags, struct zx_store **out,
                  struct zx_error *err);
void zx_store_close(struct zx_store *st); /* NULL-safe */

int zx_txn_begin(struct zx_store *st, int writable, struct zx_txn **out,
                 struct zx_error *err);
int zx_txn_commit(struct zx_txn *txn, struct zx_error *err); /* frees */
void zx_txn_abort(struct zx_txn *txn);                       /* NULL-safe */

/* Models.  get: ZX_ENOTFOUND (no message) when absent. */
int zx_store_get_model(struct zx_txn *txn, const char *id, json_t **rec,
                       struct zx_error *err);
int zx_store_put_model(struct zx_txn *txn, const char *id, const json_t *rec,
                       struct zx_error *err);
int zx_store_del_model(struct zx_txn *txn, const char *id,
                       struct zx_error *err);
/* Call cb for each model in id order; a non-zero return stops the walk
 * and is returned.  `rec` is borrowed for the call. */
int zx_store_each_model(struct zx_txn *txn,
                        int (*cb)(const char *id, json_t *rec, void *arg),
                        void *arg, struct zx_error *err);

/* Allocate the next stable 64-bit vector id. */
int zx_store_next_vid(struct zx_txn *txn, uint64_t *vid, struct zx_error *err);

/* Fingerprint vectors. */
struct zx_vec {
    uint64_t vid;
    char arch[17];
    const char *model; /* borrowed, NUL-terminated */
    uint32_t dim;
    const void *data; /* dim floats, maybe unaligned: memcpy them */
};
int zx_store_put_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     const char *model, const float *v, uint32_t dim,
                     struct zx_error *err);
int zx_store_get_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     struct zx_vec *out, struct zx_error *err);
int zx_store_del_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     struct zx_error *err);
/* Walk the vectors of one group (arch) or of all groups (arch NULL). */
int zx_store_each_vec(struct zx_txn *txn, const char *arch,
                      int (*cb)(const struct zx_vec *v, void *arg), void *arg,
                      struct zx_error *err);

/* Lineage descriptors (desc.h ZX_LFP_DIM): *v points into the map, valid
 * until the transaction ends (floats, maybe unaligned: memcpy them).
 * get/del: ZX_ENOTFOUND (no message) when absent. */
int zx_store_put_lfp(struct zx_txn *txn, const char *model, uint32_t version,
                     const float *v, uint32_t dim, struct zx_error *err);
int zx_store_get_lfp(struct zx_txn *txn, const char *model, uint32_t *version,
                     const void **v, uint32_t *dim, struct zx_error *err);
int zx_store_del_lfp(struct zx_txn *txn, const char *model,
                     struct zx_error *err);

/* Architecture groups. */
int zx_store_get_group(struct zx_txn *txn, const char *arch, json_t **rec,
                       struct zx_error *err);
int zx_store_put_group(struct zx_txn *txn, const char *arch, const json_t *rec,
                       struct zx_error *err);
int zx_store_each_group(struct zx_txn *txn,
                        int (*cb)(const char *arch, json_t *rec, void *arg),
                        void *arg, struct zx_error *err);

/* Lineage edges child -> parent. */
int zx_store_put_edge(struct zx_txn *txn, const char *child, const char *parent,
                      const json_t *info, struct zx_error *err);
/* Delete one edge (ZX_ENOTFOUND, no message, when absent). */
int zx_store_del_edge(struct zx_txn *txn, const char *child, const char *parent,
                      struct zx_error *err);
int zx_store_del_edges_of(struct zx_txn *txn, const char *child,
                          struct zx_error *err);
/* parents: [{"parent":..., ...info}], children: [{"child":..., ...}] */
int zx_store_parents(struct zx_txn *txn, const char *child, json_t **out,
                     struct zx_error *err);
int zx_store_children(struct zx_txn *txn, const char *parent, json_t **out,
                      struct zx_error *err);
int zx_store_each_edge(struct zx_txn *txn,
                       int (*cb)(const char *child, const char *parent,
                                 json_t *info, void *arg),
                       void *arg, struct zx_error *err);

/* Free-form state strings. */
int zx_store_get_state(struct zx_txn *txn, const char *key, char **val,
                       struct zx_error *err);
int zx_store_put_state(struct zx_txn *txn, const char *key, const char *val,
                       struct zx_error *err);

/* ZX_ENOTFOUND (no message) when absent. */
int zx_store_del_state(struct zx_txn *txn, const char *key,
                       struct zx_error *err);
/* Call cb for each state key starting with `prefix`, in key order; keys
 * and values are borrowed for the call; a non-zero return stops the walk.
 * Do not write the state table from cb. */
int zx_store_each_state(struct zx_txn *txn, const char *prefix,
                        int (*cb)(const char *key, const char *val, void *arg),
                        void *arg, struct zx_error *err);

/* For a SIGSEGV or SIGBUS handler: the damage message ("index 'DIR' is
 * damaged: ...") of the open store whose pages the fault came from (a call
 * into LMDB was running, or `addr` lies in a store's map), or NULL when
 * the fault is not the store's; while LMDB opens the store, the message
 * of zx_store_fault_nospace.  Async-signal-safe. */
const char *zx_store_fault_message(const void *addr);
/* For the same handler, after zx_store_fault_message: 1 when the fault
 * came while LMDB opened the store, writing lock.mdb through its map (the
 * file system had no block for a page of it; the message says "cannot
 * write 'DIR/lock.mdb': No space left on device"), else 0.
 * Async-signal-safe. */
int zx_store_fault_nospace(void);

/* Entries per table and the map's size in bytes, for `stats`. */
int zx_store_counts(struct zx_txn *txn, json_t **out, struct zx_error *err);

/* Read every page of the store: first walk the B-tree of each table, of
 * the table of table names and of LMDB's list of free pages without LMDB,
 * checking each page's header and that each record lies inside its page
 * (LMDB trusts them and would fault); then, if that found nothing, read
 * each table through LMDB, each in a read transaction of its own.
 * *problems: owned array of strings, one per damaged table (empty when
 * the store reads back in full).  Returns ZX_OK when it could look, or an
 * error other than damage. */
int zx_store_check(struct zx_store *st, json_t **problems,
                   struct zx_error *err);

/* Copy the store, compacted, as of one read snapshot (so writers and
 * readers go on), into the new folder `dest` (which must not exist or be
 * an empty folder): written as dest.tmp.PID, synced, read back in full,
 * then renamed to `dest`, so a failed backup leaves no `dest`.  The copy
 * holds data.mdb only.  *info: owned {"backup", "bytes", "models",
 * "vectors", "groups", "edges"} of the copy.  Returns ZX_OK, ZX_EUSAGE
 * (dest exists and is not empty), ZX_EIO, ZX_ENOSPACE or ZX_EDAMAGED. */
int zx_store_backup(struct zx_store *st, const char *dest, json_t **info,
                    struct zx_error *err);

#endif
