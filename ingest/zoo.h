/* zoo.h - a model zoo inside an archive (tar, compressed tar, zip):
 * find its model folders, then stage them for ingest one at a time.
 *
 * Two passes over the archive, both through ingest/unpack.h:
 *
 *  1. zx_zoo_open() reads the whole archive once and validates every
 *     entry (paths, links, entry types, the entry and byte limits), so that
 *     a bomb or an escaping path fails before anything is indexed.  It
 *     builds a *skeleton* of the archive in a private temporary folder
 *     (mode 0700): the folders, every file empty, the links (symbolic
 *     links as absolute links to their resolved target inside the
 *     skeleton, hard links as hard links).  zx_model_scan() then finds
 *     the model folders in the skeleton by the very rules a folder on disk
 *     follows, and each model's needed files (every file under its folder,
 *     links followed) are mapped back to archive entries.
 *  2. zx_zoo_ingest() reads the archive again and writes the data of
 *     the needed files only.  As soon as the last file a model needs has
 *     been written, the model is opened with zx_model_src_open(), handed
 *     to the caller, and its files are truncated again: only the models
 *     whose files are interleaved in the archive are ever staged at once,
 *     and never the whole archive.
 *
 * Ids come from the paths inside the archive as if the archive had been
 * unpacked next to itself into a folder named after it (its name without
 * the suffix): /x/zoo.tar holding org/name/ gives org/name, and a model at
 * the archive's root gives x/zoo, as the folder /x/zoo would.  A model's
 * source is "<absolute archive path>!/<path inside>"; its change stamp covers
 * the archive path, the entries' paths, sizes and times and the bytes of its
 * .json and .md files, so an unchanged archive ingests as unchanged.
 *
 * The staging folder is under $TMPDIR (else /tmp) unless opts say
 * otherwise, and zx_zoo_close() removes it; the caller closes on every
 * path, after a signal too (opts.stop).
 * Ownership: no function takes ownership of its arguments; the model
 * source handed to the callback is freed when the callback returns.
 * Threads: one struct zx_zoo per thread.
 * SPDX-License-Identifier: MIT */
#ifndef ZX_ZOO_H
#define ZX_ZOO_H
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "unpack.h"
#include "zx_err.h"

struct zx_zoo_opts {
    struct zx_unpack_limits lim; /* checked in both passes */
    const char *tmpdir;          /* NULL: $TMPDIR, else /tmp */
    volatile int *stop;          /* non-zero (from a signal): stop soon;
                                    may be NULL */
    /* Called after each entry of pass 1 only, from zx_zoo_open() (may be
     * NULL): entries and decompressed bytes so far, and the entry's path.
     * Pass 2 reports through its per-model callback. */
    void (*progress)(void *arg, uint64_t entries, uint64_t bytes,
                     const char *entry);
    void *arg;
};
/* Default limits, no tmpdir, no stop flag, no progress. */
void zx_zoo_default_opts(struct zx_zoo_opts *o);

/* 1 when the file name says zoo archive: .tar, .tar.gz, .tgz, .tar.zst,
 * .tzst, .tar.xz, .txz, .tar.bz2, .tbz2 or .zip (any case).  A torch
 * checkpoint (.pt, .pth, .bin) is a zip too, but not a zoo. */
int zx_zoo_is_archive_name(const char *path);

struct zx_zoo;

/* Pass 1.  Returns ZX_OK, ZX_ENOTFOUND (no such file), ZX_EIO (staging
 * failed, or interrupted through opts.stop: "interrupted"), ZX_EFORMAT (not
 * an archive, damaged, or a refused entry: the message names it) or
 * ZX_ETOOBIG (a limit).  On failure nothing is left on disk. */
int zx_zoo_open(const char *path, const struct zx_zoo_opts *o,
                struct zx_zoo **out, struct zx_error *err);
/* Removes the staging folder; NULL-safe. */
void zx_zoo_close(struct zx_zoo *za);

/* The model folders (or stray weights files) found, in sorted order: the
 * path inside the archive ("" for the archive's root).  Borrowed. */
size_t zx_zoo_n_models(const struct zx_zoo *za);
const char *zx_zoo_model(const struct zx_zoo *za, size_t i);

/* Pass 2.  For every model, in the order their last file appears in the
 * archive, calls cb(arg, i, src, merr): src is the opened model (its
 * weights staged, id from `id` when not NULL), or NULL when
 * zx_model_src_open() failed, with the reason in *merr.  A non-zero return
 * of cb stops the pass and is returned as is (cb fills the caller's error
 * itself).  Returns ZX_OK (also when stopped early through opts.stop:
 * check the flag), ZX_EIO (staging: no space, ...), ZX_EFORMAT or
 * ZX_ETOOBIG (the archive changed since pass 1). */
int zx_zoo_ingest(struct zx_zoo *za, const char *id,
                  int (*cb)(void *arg, size_t i, struct zx_model_src *src,
                            const struct zx_error *merr),
                  void *arg, struct zx_error *err);

/* Rewrite the staging paths in err->msg (from zx_model_src_open() or the
 * checkpoint readers) as "<archive>!/<path inside>", so that messages name
 * what the user gave.  NULL-safe on err. */
void zx_zoo_explain(const struct zx_zoo *za, struct zx_error *err);

#endif
