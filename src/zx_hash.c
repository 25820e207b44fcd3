/* zx_hash.c - SHA-256 via libcrypto's EVP interface and XXH3 via libxxhash.
 * SPDX-License-Identifier: MIT */
#include "zx_hash.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <stdio.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "zx_mem.h"

struct zx_sha256 {
    EVP_MD_CTX *ctx;
};

struct zx_sha256 *zx_sha256_new(void)
{
    struct zx_sha256 *h = xcalloc(1, sizeof(*h));

    h->ctx = EVP_MD_CTX_new();
    ZX_ASSERT(h->ctx);
    ZX_ASSERT(EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) == 1);
    return h;
}

void zx_sha256_update(struct zx_sha256 *h, const void *p, size_t n)
{
    ZX_ASSERT(EVP_DigestUpdate(h->ctx, p, n) == 1);
}

static void to_hex(const unsigned char *d, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * n] = '\0';
}

void zx_sha256_final_hex(struct zx_sha256 *h, char hex[65])
{
    unsigned char d[32];
    unsigned int n = 0;

    ZX_ASSERT(EVP_DigestFinal_ex(h->ctx, d, &n) == 1 && n == 32);
    to_hex(d, 32, hex);
}

void zx_sha256_free(struct zx_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void zx_sha256_hex(const void *p, size_t n, char hex[65])
{
    struct zx_sha256 *h = zx_sha256_new();

    zx_sha256_update(h, p, n);
    zx_sha256_final_hex(h, hex);
    zx_sha256_free(h);
}

struct zx_xxh {
    XXH3_state_t *st;
};

struct zx_xxh *zx_xxh_new(void)
{
    struct zx_xxh *h = xcalloc(1, sizeof(*h));

    h->st = XXH3_createState();
    ZX_ASSERT(h->st);
    XXH3_128bits_reset(h->st);
    return h;
}

void zx_xxh_update(struct zx_xxh *h, const void *p, size_t n)
{
    XXH3_128bits_update(h->st, p, n);
}

void zx_xxh_final_hex(struct zx_xxh *h, char hex[33])
{
    XXH128_hash_t v = XXH3_128bits_digest(h->st);

    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)v.high64,
             (unsigned long long)v.low64);
}

void zx_xxh_free(struct zx_xxh *h)
{
    if (!h)
        return;
    XXH3_freeState(h->st);
    free(h);
}

uint64_t zx_hash64(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}
