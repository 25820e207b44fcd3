/* zx_hash.h - hashing behind one file: SHA-256 (libcrypto) for content
 * identity that other tools can reproduce, XXH3 (libxxhash) for fast
 * per-tensor digests and seeded sampling.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_HASH_H
#define ZX_HASH_H
#include <stddef.h>
#include <stdint.h>

/* Streaming hashes: _new() returns an owned context (it dies on
 * out-of-memory, so it never fails), _update() adds bytes, _final_hex()
 * writes the digest, after which the context may only be freed, and
 * _free() releases it (NULL-safe), on every path: also when the hash is
 * abandoned on an error path before _final_hex(). */

/* Streaming SHA-256. */
struct zx_sha256;
struct zx_sha256 *zx_sha256_new(void);
void zx_sha256_update(struct zx_sha256 *h, const void *p, size_t n);
/* Write 64 lowercase hex digits + NUL to hex[65]. */
void zx_sha256_final_hex(struct zx_sha256 *h, char hex[65]);
void zx_sha256_free(struct zx_sha256 *h);
/* One-shot SHA-256 of p[0..n). */
void zx_sha256_hex(const void *p, size_t n, char hex[65]);

/* Streaming XXH3-128, printed as 32 hex digits. */
struct zx_xxh;
struct zx_xxh *zx_xxh_new(void);
void zx_xxh_update(struct zx_xxh *h, const void *p, size_t n);
void zx_xxh_final_hex(struct zx_xxh *h, char hex[33]);
void zx_xxh_free(struct zx_xxh *h);

uint64_t zx_hash64(const void *p, size_t n, uint64_t seed);

#endif
