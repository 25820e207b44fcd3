/* fuzz_card.c - libFuzzer target for model card front matter (libyaml to
 * JSON): no crash, no leak, and an accepted card is a JSON object.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>

#include "card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    } else if (rc != ZX_OK && (front || !err.msg[0])) {
        abort(); /* failures leave *front NULL and say why */
    }
    json_decref(front);
    return 0;
}
