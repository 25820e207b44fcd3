/* vindex.h - vector indexes, FAISS's only user.
 *
 * One L2 index per architecture group, keyed by the store's 64-bit vector
 * ids (an IndexIDMap2): exact (IndexFlatL2) below ZX_VINDEX_IVF_MIN
 * vectors, an inverted file (IndexIVFFlat, sqrt(n) k-means cells, searching
 * the ZX_VINDEX_NPROBE nearest) from there on, where an exact scan of every
 * vector costs more than the latency budget.  Files are derived data: they are
 * written atomically (temp file, fsync, rename) and can always be rebuilt
 * from the store.  A loaded file is mapped, not read: opening it costs no
 * copy, and a search reads only the cells it probes (the same cells and
 * vectors FAISS's search of that file would).  Distances returned are
 * Euclidean (not squared).
 * Ownership: zx_vindex_* objects are owned by the caller.
 * Threads: a loaded index may be searched from several threads.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_VINDEX_H
#define ZX_VINDEX_H
#include <stddef.h>
#include <stdint.h>

#include "zx_err.h"

#define ZX_VINDEX_IVF_MIN 20000
#define ZX_VINDEX_NPROBE 8

struct zx_vindex;

/* Build an index of n vectors of `dim` floats (row-major n x dim). */
int zx_vindex_build(int dim, const float *x, const int64_t *ids, size_t n,
                    struct zx_vindex **out, struct zx_error *err);
/* Write atomically to path.  Returns ZX_OK, ZX_EIO or ZX_EINDEX. */
int zx_vindex_save(const struct zx_vindex *vi, const char *path,
                   struct zx_error *err);
/* Map a file zx_vindex_save() wrote.  ZX_ENOTFOUND when the file does
 * not exist, ZX_EINDEX when it is not one or is damaged. */
int zx_vindex_load(const char *path, struct zx_vindex **out,
                   struct zx_error *err);
void zx_vindex_free(struct zx_vindex *vi); /* NULL-safe */
/* Copy a mapped file into memory of the process's own (large pages where
 * the system gives them), for a process that searches it again and
 * again: faster searches, for a one-time copy.  0, or -1 (out of memory:
 * vi stays mapped and usable). */
int zx_vindex_make_resident(struct zx_vindex *vi);

/* The checksum of the file's bytes, as zoodex-store(5) records it: XXH3-128
 * over all zx_vindex_bytes() of them (those zx_vindex_save() writes, or
 * those zx_vindex_load() mapped), 32 hex digits.  Reads every byte. */
void zx_vindex_digest(const struct zx_vindex *vi, char hex[33]);
size_t zx_vindex_bytes(const struct zx_vindex *vi);

int zx_vindex_dim(const struct zx_vindex *vi);
size_t zx_vindex_size(const struct zx_vindex *vi);
/* Copy the zx_vindex_size() ids held, in insertion order, into out. */
void zx_vindex_ids(const struct zx_vindex *vi, int64_t *out);
/* Copy the ids (as zx_vindex_ids) and, row for row, the vectors held
 * (zx_vindex_size() x zx_vindex_dim() floats, bit for bit) into x. */
void zx_vindex_vectors(const struct zx_vindex *vi, int64_t *ids, float *x);

/* k nearest of one query: fills dist[k], ids[k]; missing slots get id -1.
 * *n_found receives how many were filled. */
int zx_vindex_search(const struct zx_vindex *vi, const float *q, int k,
                     float *dist, int64_t *ids, int *n_found,
                     struct zx_error *err);

#endif
