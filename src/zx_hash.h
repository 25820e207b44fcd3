/* zx_hash.h - hashing behind one file: SHA-256 (libcrypto) for content
 * identity that other tools can reproduce, XXH3 (libxxhash) for fast
 * per-tensor digests and seeded sampling.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_HASH_H
#define ZX_HASH_H
#include <stddef.h>
#include <stdint.h>

/* Streaming SHA-256. */
struct zx_sha256;
struct zx_sha256 *zx_sha256_new(void);
void zx_sha256_update(struct zx_sha256 *h, const void *p, size_t n);
/* Write 64 lowercase hex digits + NUL to hex[65] and free h. */
void zx_sha256_final_hex(struct zx_sha256 *h, char hex[65]);
void zx_sha256_hex(const void *p, size_t n, char hex[65]);

/* Streaming XXH3-128, printed as 32 hex digits. */
struct zx_xxh;
struct zx_xxh *zx_xxh_new(void);
void zx_xxh_update(struct zx_xxh *h, const void *p, size_t n);
void zx_xxh_final_hex(struct zx_xxh *h, char hex[33]); /* frees h */

uint64_t zx_hash64(const void *p, size_t n, uint64_t seed);

#endif
