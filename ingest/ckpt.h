/* ckpt.h - format-neutral view of a checkpoint: a name-sorted table of
 * tensors whose bytes stay in read-only file maps.
 *
 * Formats: safetensors (a .safetensors file, or the shards named by a
 * *.safetensors.index.json) and torch.save files (pytorch_model.bin, .pt,
 * .pth: the zip format of torch >= 1.6 and the legacy format before it, or
 * the shards named by a *.bin.index.json).  Torch pickles are run by the
 * restricted unpickler of pickle.h, never by Python: see ckpt_torch.c for
 * how tensors are named and which files are refused.
 *
 * Data flow: zx_ckpt_open() maps one or more files, validates every
 * header and builds the table; callers walk the table with
 * zx_ckpt_tensor(), read values through zx_tensor_to_float() in blocks, and
 * call zx_ckpt_drop() when done with a tensor so resident memory stays
 * bounded by the tensors in use, not the checkpoint.  (The storages of a
 * torch zip are first copied, uncompressed, into an unlinked temporary
 * file under $TMPDIR, which is mapped the same way.)
 *
 * Ownership: no function takes ownership of its arguments.  Tensor records
 * and their data pointers are owned by the struct zx_ckpt and valid until
 * zx_ckpt_close().  Threads: a zx_ckpt may be read from several threads.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_CKPT_H
#define ZX_CKPT_H
#include <stddef.h>
#include <stdint.h>

#include "zx_err.h"

#define ZX_CKPT_MAX_HEADER 100000000u /* safetensors spec MAX_HEADER_SIZE */
#define ZX_CKPT_MAX_DIMS 16
#define ZX_CKPT_MAX_TENSORS 1000000u
#define ZX_CKPT_MAX_SHARDS 4096u

enum zx_dtype {
    ZX_DTYPE_UNKNOWN = 0,
    ZX_DTYPE_BOOL,
    ZX_DTYPE_U8,
    ZX_DTYPE_I8,
    ZX_DTYPE_I16,
    ZX_DTYPE_U16,
    ZX_DTYPE_I32,
    ZX_DTYPE_U32,
    ZX_DTYPE_I64,
    ZX_DTYPE_U64,
    ZX_DTYPE_F16,
    ZX_DTYPE_BF16,
    ZX_DTYPE_F32,
    ZX_DTYPE_F64,
    ZX_DTYPE_F8_E4M3,
    ZX_DTYPE_F8_E5M2,
    ZX_DTYPE_F8_E8M0,
    ZX_DTYPE_F8_E4M3FNUZ,
    ZX_DTYPE_F8_E5M2FNUZ,
    ZX_DTYPE_F6_E2M3,
    ZX_DTYPE_F6_E3M2,
    ZX_DTYPE_F4,
    ZX_DTYPE_C64,
    ZX_DTYPE_COUNT
};

/* Parse a safetensors dtype string; ZX_DTYPE_UNKNOWN when not known. */
enum zx_dtype zx_dtype_parse(const char *s);
const char *zx_dtype_name(enum zx_dtype dt); /* "F32" */
unsigned zx_dtype_bits(enum zx_dtype dt);    /* 0 for UNKNOWN */
/* 1 when values convert to float (every dtype but C64, F4, F6_*). */
int zx_dtype_is_numeric(enum zx_dtype dt);
/* 1 for floating dtypes (F64 F32 F16 BF16 F8_*). */
int zx_dtype_is_float(enum zx_dtype dt);

struct zx_tensor {
    char *name;
    enum zx_dtype dtype;
    int ndim;
    uint64_t shape[ZX_CKPT_MAX_DIMS];
    uint64_t n_elems;
    uint64_t n_bytes;
    uint64_t offset; /* absolute offset in its file (for a torch zip: in
                        the temporary copy of its storages) */
    unsigned file;   /* index into the checkpoint's files */
};

/* A parsed safetensors header (no file attached): what the Hub client
 * gets from a Range request and what the fuzzer exercises. */
struct zx_st_header {
    uint64_t header_len; /* N */
    uint64_t data_len;   /* bytes of tensor data the header describes */
    struct zx_tensor *tensors;
    size_t n_tensors;    /* sorted by name */
    char *metadata_json; /* __metadata__ as compact JSON, or NULL */
};

/* Read the 8-byte length prefix.  ZX_EFORMAT when fewer than 8 bytes,
 * ZX_ETOOBIG when N exceeds ZX_CKPT_MAX_HEADER. */
int zx_st_header_len(const unsigned char *buf, size_t len, uint64_t *n,
                     struct zx_error *err);

/* Validate and parse a header.  `json`/`json_len` are the N header bytes;
 * `file_size` is the whole file's size (validation rule 7: the data must
 * end exactly at the end of the file), or 0 to skip that check.  Enforces
 * every rule of the reference parser.  *out is owned (zx_st_header_free). */
int zx_st_parse_header(const char *json, size_t json_len, uint64_t file_size,
                       const char *what, struct zx_st_header **out,
                       struct zx_error *err);
/* Parse a whole safetensors file held in memory. */
int zx_st_parse(const unsigned char *buf, size_t len, const char *what,
                struct zx_st_header **out, struct zx_error *err);
void zx_st_header_free(struct zx_st_header *h); /* NULL-safe */

/* A parsed *.safetensors.index.json: the shard files its weight_map names
 * (sorted, each once, relative to the index's folder) and, for each tensor,
 * the shard that holds it. */
struct zx_st_index {
    char **shards; /* sorted, unique */
    size_t n_shards;
    char **tensors;   /* sorted by name */
    size_t *shard_of; /* tensors[i] lives in shards[shard_of[i]] */
    size_t n_tensors;
};

/* Validate and parse an index held in memory (`what` names it in
 * messages).  Refuses a missing or empty weight_map, non-string values and
 * shard names that are absolute, contain "..", or do not end in
 * .safetensors.  Returns ZX_OK, ZX_EFORMAT or ZX_ETOOBIG; *out is owned
 * (zx_st_index_free). */
int zx_st_parse_index(const char *json, size_t len, const char *what,
                      struct zx_st_index **out, struct zx_error *err);
void zx_st_index_free(struct zx_st_index *ix); /* NULL-safe */

struct zx_ckpt;

/* Open a checkpoint: a .safetensors file, a torch file (.bin, .pt, .pth,
 * .ckpt; another name is recognised by its first bytes), or a
 * *.safetensors.index.json or *.bin.index.json whose shards sit next to
 * it.  Returns ZX_OK, ZX_ENOTFOUND, ZX_EIO, ZX_EFORMAT, ZX_ETOOBIG, or
 * ZX_EUNSUPPORTED (a pickle that needs a refused global, a non-contiguous
 * or big-endian tensor: the message names the global or tensor and the
 * file); *out is NULL on failure. */
int zx_ckpt_open(const char *path, struct zx_ckpt **out, struct zx_error *err);
void zx_ckpt_close(struct zx_ckpt *ck); /* NULL-safe */

/* Formats recognised by their first bytes but not read yet: GGUF, ONNX,
 * Keras (.keras archives), TensorFlow and Keras HDF5 (tf_model.h5, .h5),
 * Flax msgpack, and plain text.  zx_ckpt_open() refuses such a file with
 * ZX_EUNSUPPORTED and a message saying what it is, whatever its name. */
/* The format `path` starts like ("safetensors", "torch", "GGUF", "ONNX",
 * "Keras", "TensorFlow", "HDF5", "Flax", "text"), or NULL. */
const char *zx_ckpt_sniff(const char *path);
/* The format a file name ends like when it is one not read yet (".gguf",
 * ".onnx", ".keras", ".h5", ".msgpack"), or NULL. */
const char *zx_ckpt_unsupported_name(const char *name);
/* ZX_EUNSUPPORTED with "'path' is a GGUF file (llama.cpp): the GGUF
 * format is not supported yet ..." when the file's bytes are those of a
 * format not read yet; ZX_OK otherwise. */
int zx_ckpt_refuse(const char *path, struct zx_error *err);

/* 1 when a file name ends like a checkpoint zx_ckpt_open() reads
 * (.safetensors, .bin, .pt, .pth, .ckpt or one of the index names). */
int zx_ckpt_is_weights_name(const char *name);

/* A checkpoint known only by its headers (files on the Hub, read by
 * Range): n files named names[i], whose first bytes are heads[i] (at least
 * the 8-byte length and the whole JSON header) and whose sizes are
 * sizes[i].  zx_ckpt_data() returns NULL for its tensors.  Returns ZX_OK,
 * ZX_EFORMAT, ZX_ETOOBIG, or ZX_EINCOMPAT when a head is shorter than its
 * header (*need gets the bytes needed, may be NULL). */
int zx_ckpt_from_heads(const char *const *names,
                       const unsigned char *const *heads,
                       const size_t *head_lens, const uint64_t *sizes, size_t n,
                       uint64_t *need, struct zx_ckpt **out,
                       struct zx_error *err);

size_t zx_ckpt_n_tensors(const struct zx_ckpt *ck);
const struct zx_tensor *zx_ckpt_tensor(const struct zx_ckpt *ck, size_t i);
/* Index of the tensor called `name`, or -1. */
long zx_ckpt_find(const struct zx_ckpt *ck, const char *name);
/* Raw bytes of tensor i (borrowed, read-only, may be NULL when empty). */
const unsigned char *zx_ckpt_data(const struct zx_ckpt *ck, size_t i);
/* Tensor i's checksums, as `zoodex inspect` prints them and an
 * independent reader computes them (fixtures/expected/tensors): the
 * SHA-256 of its raw bytes, and the sum and the sum of absolute values of
 * its values as doubles (Neumaier's compensated summation; 64-bit
 * integers summed without going through float).  Non-numeric dtypes and
 * tensors without data get sums of 0.  Never fails. */
struct zx_tensor_sums {
    char sha256[65]; /* 64 lowercase hex digits */
    double sum, sumabs;
};
void zx_ckpt_sums(const struct zx_ckpt *ck, size_t i,
                  struct zx_tensor_sums *out);
/* Release the pages of tensor i from this process's resident memory. */
void zx_ckpt_drop(const struct zx_ckpt *ck, size_t i);
/* Files the checkpoint reads (1 + shards), in order. */
size_t zx_ckpt_n_files(const struct zx_ckpt *ck);
const char *zx_ckpt_file(const struct zx_ckpt *ck, size_t i);
uint64_t zx_ckpt_file_size(const struct zx_ckpt *ck, size_t i);

/* Convert n elements of dtype dt starting at element `first` of `src` to
 * float.  Returns 0, or -1 when dt is not numeric. */
int zx_to_float(enum zx_dtype dt, const unsigned char *src, uint64_t first,
                size_t n, float *dst);

#endif
