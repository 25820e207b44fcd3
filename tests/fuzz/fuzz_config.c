/* fuzz_config.c - libFuzzer target for a model's config.json.
 *
 * The input is parsed with ingest's cap, then normalised into the index's
 * metadata and declared parents exactly as `ingest` does for a folder with
 * only a config.json: no crash, no leak, a failure leaves nothing and says
 * why, the metadata serialises, and a config alone declares no parent.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_error err = {0};
    struct zx_model_src src = {0};
    json_t *cfg = NULL, *meta, *parents, *labels;
    char *s;
    int rc = zx_json_parse((const char *)data, size, ZX_MAX_CONFIG_BYTES,
                           "config.json", &cfg, &err);

    if (rc != ZX_OK) {
        if (cfg || !err.msg[0])
            abort(); /* failures leave *out NULL and say why */
        return 0;
    }
    if (!json_is_object(cfg)) { /* ingest refuses these */
        json_decref(cfg);
        return 0;
    }
    src.id = (char *)"fuzz/model";
    src.config = cfg;
    meta = zx_model_meta(&src);
    if (!json_is_object(meta))
        abort();
    labels = json_object_get(meta, "id2label");
    if (labels && (int64_t)json_object_size(labels) !=
                      json_integer_value(json_object_get(meta, "num_labels")))
        abort(); /* num_labels counts the labels it keeps */
    s = zx_json_dump(meta);
    free(s);
    parents = zx_model_declared_parents(&src);
    if (!json_is_array(parents) || json_array_size(parents) != 0)
        abort();
    json_decref(parents);
    json_decref(meta);
    json_decref(cfg);
    return 0;
}
