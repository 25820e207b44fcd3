/* fuzz_card.c - libFuzzer target for model card (README.md) front matter:
 * libyaml to JSON, then the index's metadata and declared parents, as
 * `ingest` takes a card: no crash, no leak, an accepted card is a JSON
 * object, and every declared parent is a non-empty name other than the
 * model's, with a known relation and source "card".
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SELF "fuzz/card"

static void check_meta(json_t *front)
{
    struct zx_model_src src = {0};
    json_t *meta, *parents, *p;
    size_t i;
    char *s;

    src.id = (char *)SELF;
    src.card = front;
    meta = zx_model_meta(&src);
    s = zx_json_dump(meta);
    free(s);
    parents = zx_model_declared_parents(&src);
    json_array_foreach(parents, i, p)
    {
        const char *par = zx_json_str(p, "parent");
        const char *rel = zx_json_str(p, "relation");

        if (!par || !*par || !strcmp(par, SELF) || !rel ||
            (strcmp(rel, "finetune") && strcmp(rel, "adapter") &&
             strcmp(rel, "quantized") && strcmp(rel, "merge")) ||
            !zx_json_str(p, "source") ||
            strcmp(zx_json_str(p, "source"), "card"))
            abort();
    }
    json_decref(parents);
    json_decref(meta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zx_error err = {0};
    json_t *front = NULL;
    int rc = zx_card_parse((const char *)data, size, "README.md", &front, &err);

    if (rc == ZX_OK && front) {
        char *s;

        if (!json_is_object(front))
            abort();
        s = zx_json_dump(front);
        free(s);
        check_meta(front);
    } else if (rc != ZX_OK && (front || !err.msg[0])) {
        abort(); /* failures leave *front NULL and say why */
    }
    json_decref(front);
    return 0;
}
