/* fuzz_adapter_config.c - libFuzzer target for adapter_config.json (PEFT).
 *
 * The input is parsed with ingest's cap and turned into the adapter part of
 * the index's metadata and the declared parent, as `ingest` does for an
 * adapter folder: no crash, no leak, at most one parent, named by
 * base_model_name_or_path, never the model itself, with relation
 * "adapter" and source "adapter_config".
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SELF "fuzz/adapter"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_error err = {0};
    struct zx_model_src src = {0};
    json_t *adp = NULL, *meta, *parents, *p;
    const char *base, *par;
    char *s;
    int rc = zx_json_parse((const char *)data, size, ZX_MAX_CONFIG_BYTES,
                           "adapter_config.json", &adp, &err);

    if (rc != ZX_OK) {
        if (adp || !err.msg[0])
            abort();
        return 0;
    }
    if (!json_is_object(adp)) { /* ingest refuses these */
        json_decref(adp);
        return 0;
    }
    src.id = (char *)SELF;
    src.adapter = adp;
    meta = zx_model_meta(&src);
    if (!json_is_object(json_object_get(meta, "adapter")))
        abort();
    s = zx_json_dump(meta);
    free(s);
    parents = zx_model_declared_parents(&src);
    base = zx_json_str(adp, "base_model_name_or_path");
    if (json_array_size(parents) > 1)
        abort();
    if (json_array_size(parents) == 1) {
        p = json_array_get(parents, 0);
        par = zx_json_str(p, "parent");
        if (!par || !base || strcmp(par, base) || !strcmp(par, SELF) || !*par ||
            !zx_json_str(p, "relation") ||
            strcmp(zx_json_str(p, "relation"), "adapter") ||
            !zx_json_str(p, "source") ||
            strcmp(zx_json_str(p, "source"), "adapter_config"))
            abort();
    } else if (base && *base && strcmp(base, SELF)) {
        abort(); /* a usable base was dropped */
    }
    json_decref(parents);
    json_decref(meta);
    json_decref(adp);
    return 0;
}
