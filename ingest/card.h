/* card.h - model card (README.md) YAML front matter, through libyaml.
 *
 * The front matter is the block between a first line "---" and the next
 * line "---" (or "..."); it becomes a JSON object (mappings -> objects,
 * sequences -> arrays, scalars -> strings, with plain true/false/null and
 * numbers typed).  Bounded: ZX_CARD_MAX_BYTES of YAML, nesting depth 64,
 * aliases refused (no billion-laughs expansion).
 * SPDX-License-Identifier: MIT */
#ifndef ZX_CARD_H
#define ZX_CARD_H
#include <stddef.h>

#include "zx_json.h"

#define ZX_CARD_MAX_BYTES (1u << 20)

/* *front: owned object, or NULL when the card has no front matter.
 * Returns ZX_OK, ZX_EFORMAT (message has line:column) or ZX_ETOOBIG. */
int zx_card_parse(const char *text, size_t len, const char *what,
                  json_t **front, struct zx_error *err);

#endif
