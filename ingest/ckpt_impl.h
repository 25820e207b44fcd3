/* ckpt_impl.h - what the checkpoint format readers share with ckpt.c.
 * Not for callers outside ingest/ckpt*.c: they use ckpt.h.
 *
 * A checkpoint is a list of file slots and a table of tensors.  Slot f is
 * one file the checkpoint was read from (its path and size, for reports)
 * and the read-only map its tensors' bytes live in: the file itself
 * (safetensors, legacy torch) or a private spill file holding the storages
 * copied out of an archive (torch zip).  A tensor's `file` is its slot and
 * its `offset` is an offset into that slot's map.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_CKPT_IMPL_H
#define ZX_CKPT_IMPL_H
#include "ckpt.h"
#include "zx_fs.h"

struct zx_ckpt {
    struct zx_tensor *tensors;
    size_t n_tensors, cap_tensors;
    struct zx_map *maps; /* maps[f]: where slot f's tensor bytes are */
    char **paths;        /* paths[f]: the file slot f was read from */
    uint64_t *sizes;     /* sizes[f]: that file's size */
    size_t n_files, cap_files;
};

/* Append a slot for `path` of `size` bytes whose tensors point into *m
 * (moved into ck: *m is zeroed; may be NULL for no data).  Returns the
 * slot's index. */
unsigned zx_ckpt_add_slot(struct zx_ckpt *ck, const char *path, uint64_t size,
                          struct zx_map *m);

/* Append a tensor (its name moves into ck).  ZX_ETOOBIG beyond
 * ZX_CKPT_MAX_TENSORS, naming `what`. */
int zx_ckpt_add_tensor(struct zx_ckpt *ck, struct zx_tensor *t,
                       const char *what, struct zx_error *err);

/* Sort the table by name; a name seen twice is ZX_EFORMAT. */
int zx_ckpt_sort(struct zx_ckpt *ck, const char *what, struct zx_error *err);

/* The readers: append one file's slot and tensors to ck.  Return ZX_OK,
 * ZX_ENOTFOUND, ZX_EIO, ZX_EFORMAT, ZX_ETOOBIG or ZX_EUNSUPPORTED. */
int zx_ckpt_add_safetensors(struct zx_ckpt *ck, const char *path,
                            struct zx_error *err);
int zx_ckpt_add_torch(struct zx_ckpt *ck, const char *path,
                      struct zx_error *err);

/* Parse a weight-map index whose shard names must end in `suffix`
 * (".safetensors" or ".bin"); zx_st_parse_index() is the .safetensors
 * case. */
int zx_ckpt_parse_index(const char *json, size_t len, const char *what,
                        const char *suffix, struct zx_st_index **out,
                        struct zx_error *err);

#endif
