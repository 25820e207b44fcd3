/* fuzz_index_json.c - libFuzzer target for model.safetensors.index.json
 * (the sharded-checkpoint map), parsed from memory: no crash, no leak, and
 * an accepted index names only shards inside its folder, each once, with
 * every tensor pointing at one of them.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_st_index *ix = NULL;
    size_t i;

    if (zx_st_parse_index((const char *)data, size, "fuzz", &ix, NULL))
        return 0;
    for (i = 0; i < ix->n_shards; i++) {
        const char *s = ix->shards[i];

        if (s[0] == '/' || strstr(s, "..") ||
            (i > 0 && strcmp(ix->shards[i - 1], s) >= 0))
            abort();
    }
    for (i = 0; i < ix->n_tensors; i++) {
        if (ix->shard_of[i] >= ix->n_shards ||
            (i > 0 && strcmp(ix->tensors[i - 1], ix->tensors[i]) >= 0))
            abort();
    }
    zx_st_index_free(ix);
    return 0;
}
