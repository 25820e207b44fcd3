/* store.c - LMDB behind one file.
 *
 * Every write happens in one LMDB transaction, so a crash at any point
 * leaves either the old or the new state.  Values are compact JSON except
 * vectors, which use this binary layout (host byte order; zoodex indexes
 * are not moved between machines of different endianness):
 *   1. 4 bytes  magic "ZXV1"
 *   2. u32      dim
 *   3. 16 bytes architecture signature (hex, no NUL)
 *   4. u16      model id length L
 *   5. L bytes  model id, then one NUL
 *   6. dim f32  the fingerprint
 * SPDX-License-Identifier: MIT */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "model.h"
#include "zx_fs.h"
#include "zx_mem.h"

#define DEFAULT_MAP_SIZE (64ull << 30) /* sparse; grows as written */

enum {
    DB_META,
    DB_MODELS,
    DB_VECTORS,
    DB_GROUPS,
    DB_EDGES,
    DB_REDGES,
    DB_STATE,
    DB_LINEAGE,
    N_DBS
};
static const char *const db_names[N_DBS] = {"meta",   "models", "vectors",
                                            "groups", "edges",  "redges",
                                            "state",  "lineage"};

struct zx_store {
    MDB_env *env;
    MDB_dbi dbi[N_DBS];
    int walked;      /* a writer walked the pages before its first write */
    int has_lineage; /* 0: an index written before the table existed,
                        opened read-only */
    char *dir;
    const char *map;     /* LMDB's map of data.mdb ... */
    size_t map_size;     /* ... and its length (the map size, not the file's) */
    size_t file_size;    /* data.mdb's size when last looked at */
    unsigned psize;      /* LMDB's page size */
    char fault_msg[640]; /* zx_store_fault_message() */
    char lock_fault_msg[600];      /* the same, while LMDB opens the store */
    volatile sig_atomic_t opening; /* mdb_env_open is running */
};

struct zx_txn {
    struct zx_store *st;
    MDB_txn *txn;
};

/* ===== Errors and damage ===== */

/* LMDB trusts the pages it reads: a damaged node offset or length makes it
 * read, or copy, outside the page, and the process faults.  So that a
 * SIGSEGV or SIGBUS there is reported as damage, not as a crash, the open
 * stores are listed here and calls into LMDB are marked, per thread (a
 * SIGSEGV or SIGBUS from a bad read is delivered to the thread that made
 * it, so the handler sees that thread's mark). */
#define MAX_OPEN 4
static struct zx_store *volatile open_stores[MAX_OPEN];
static _Thread_local struct zx_store *volatile lmdb_store;
static _Thread_local volatile sig_atomic_t in_lmdb;

static void enter_lmdb(struct zx_store *st)
{
    lmdb_store = st;
    in_lmdb++;
}

static int leave_lmdb(int rc)
{
    in_lmdb--;
    return rc;
}

/* LMDB(st, call): call, marked as running inside LMDB for `st`. */
#define LMDB(st, call) (enter_lmdb(st), leave_lmdb(call))

static void register_store(struct zx_store *st, int on)
{
    int i;

    for (i = 0; i < MAX_OPEN; i++) {
        if (on && !open_stores[i]) {
            open_stores[i] = st;
            return;
        }
        if (!on && open_stores[i] == st)
            open_stores[i] = NULL;
    }
}

int zx_store_fault_nospace(void)
{
    return in_lmdb > 0 && lmdb_store && lmdb_store->opening;
}

const char *zx_store_fault_message(const void *addr)
{
    const char *a = addr;
    int i;

    if (in_lmdb > 0 && lmdb_store && lmdb_store->opening)
        return lmdb_store->lock_fault_msg;
    if (in_lmdb > 0 && lmdb_store)
        return lmdb_store->fault_msg;
    for (i = 0; i < MAX_OPEN; i++) {
        struct zx_store *st = open_stores[i];

        if (st && st->map && a >= st->map && a < st->map + st->map_size)
            return st->fault_msg;
    }
    return NULL;
}

/* LMDB does not say where it mapped data.mdb.  A record read in a read
 * transaction points into the map, so the mapping that holds that address
 * in /proc/self/maps is LMDB's (it maps the file from offset 0).  The
 * result is accepted only if page 0 there is a meta page (page number 0,
 * the P_META flag 0x08, LMDB's magic 0xBEEFC0DE after the 16-byte
 * header); otherwise st->map stays NULL and in_file() checks nothing.
 * Nothing read from the file decides where to look, so a damaged page
 * cannot send this read astray. */
static void find_map(struct zx_store *st, const MDB_val *v)
{
    uintptr_t addr = (uintptr_t)v->mv_data, base = 0;
    unsigned long long lo, hi, off, ino;
    char line[512];
    uint64_t zero;
    uint32_t magic;
    uint16_t flags;
    FILE *f;

    if (!st->psize || !v->mv_size || st->file_size < 2 * (size_t)st->psize)
        return;
    f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%llx-%llx %*s %llx %*s %llu", &lo, &hi, &off, &ino) ==
                4 &&
            addr >= lo && addr < hi) {
            if (off == 0 && ino != 0)
                base = (uintptr_t)lo;
            break;
        }
    }
    fclose(f);
    if (!base)
        return;
    enter_lmdb(st); /* page 0 is in the file (its size was checked) */
    memcpy(&zero, (const void *)base, 8);
    memcpy(&flags, (const void *)(base + 10), 2);
    memcpy(&magic, (const void *)(base + 16), 4);
    leave_lmdb(0);
    if (zero == 0 && (flags & 0x08) && magic == 0xBEEFC0DEu)
        st->map = (const char *)base;
}

/* LMDB codes that mean the file's bytes are not what LMDB wrote. */
static int is_damage(int rc)
{
    return rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
           rc == MDB_INVALID || rc == MDB_INCOMPATIBLE;
}

/* "index 'DIR' is damaged: WHAT; " ZX_STORE_RECOVERY, as ZX_EDAMAGED. */
static int damaged(const char *dir, struct zx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int damaged(const char *dir, struct zx_error *err, const char *fmt, ...)
{
    char what[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return zx_fail(err, ZX_EDAMAGED, "index '%s' is damaged: %s; %s", dir, what,
                   ZX_STORE_RECOVERY);
}

/* Bytes that may still be written on the file system holding `dir`, or
 * UINT64_MAX when statvfs(3) cannot tell. */
static uint64_t free_bytes(const char *dir)
{
    struct statvfs vfs;

    if (statvfs(dir, &vfs) != 0)
        return UINT64_MAX;
    return (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
}

/* Less than this free after a failed write: the file system is full. */
#define FULL_MARGIN ((uint64_t)1 << 20)

/* "cannot write 'DIR/data.mdb': No space left on device", as ZX_ENOSPACE. */
static int no_space(const struct zx_store *st, struct zx_error *err, int code)
{
    return zx_fail(err, ZX_ENOSPACE, "cannot write '%s/data.mdb': %s", st->dir,
                   strerror(code));
}

/* `table` names the table being read, or is NULL for the environment. */
static int lmdb_fail(const struct zx_store *st, struct zx_error *err, int rc,
                     const char *table)
{
    if (rc == ENOSPC || rc == EDQUOT)
        return no_space(st, err, rc);
    if (rc == MDB_MAP_FULL && free_bytes(st->dir) < FULL_MARGIN)
        return no_space(st, err, ENOSPC);
    if (rc == MDB_MAP_FULL) {
        MDB_envinfo info;

        mdb_env_info(st->env, &info);
        zx_fail(err, ZX_ENOSPACE,
                "index '%s' is full: its store 'data.mdb' reached its map "
                "size of %zu bytes (set ZOODEX_MAP_SIZE to more)",
                st->dir, info.me_mapsize);
        if (err)
            err->map_full = 1;
        return ZX_ENOSPACE;
    }
    if (is_damage(rc) && table)
        return damaged(st->dir, err, "table '%s': %s", table, mdb_strerror(rc));
    if (is_damage(rc))
        return damaged(st->dir, err, "'data.mdb': %s", mdb_strerror(rc));
    if (table)
        return zx_fail(err, ZX_ESTORE, "index '%s', table '%s': %s", st->dir,
                       table, mdb_strerror(rc));
    return zx_fail(err, ZX_ESTORE, "index '%s': %s", st->dir, mdb_strerror(rc));
}

/* A write into the store failed (mdb_put, mdb_del, mdb_txn_commit: any of
 * them writes pages to data.mdb).  LMDB reports a write that failed
 * outright with its errno, but a short one, which is what a file system
 * that fills up during the write gives, as EIO: the errno is lost.  So an
 * EIO with (almost) nothing left free where the store lives is a full
 * file system; the short write took what was left. */
static int lmdb_write_fail(const struct zx_store *st, struct zx_error *err,
                           int rc, const char *table)
{
    if (rc == EIO && free_bytes(st->dir) < FULL_MARGIN)
        return no_space(st, err, ENOSPC);
    return lmdb_fail(st, err, rc, table);
}

/* A value or key that LMDB hands out must lie inside data.mdb: a damaged
 * node can claim a length that runs past the end of the file, and reading
 * that part of the map would raise SIGBUS.  Pointers outside the map (the
 * dirty pages of a write transaction) are the writer's own memory. */
static int in_file(struct zx_store *st, const MDB_val *v)
{
    const char *p = v->mv_data;
    struct stat sb;
    int fd;

    if (!st->map || p < st->map || p >= st->map + st->map_size)
        return 1;
    if ((size_t)(p - st->map) + v->mv_size <= st->file_size)
        return 1;
    /* A writer may have grown the file since: look again. */
    if (mdb_env_get_fd(st->env, &fd) == 0 && fstat(fd, &sb) == 0)
        st->file_size = (size_t)sb.st_size;
    return (size_t)(p - st->map) + v->mv_size <= st->file_size;
}

static int out_of_file(struct zx_store *st, struct zx_error *err,
                       const char *table)
{
    return damaged(st->dir, err,
                   "table '%s': a record runs past the end of 'data.mdb'",
                   table);
}

void zx_store_close(struct zx_store *st)
{
    if (!st)
        return;
    register_store(st, 0);
    if (st->env)
        mdb_env_close(st->env);
    free(st->dir);
    free(st);
}

/* 1 when zoodex wrote in `dir`: its writer lock or its vectors folder. */
static int zoodex_traces(const char *dir)
{
    char *lock = zx_path_join(dir, "zoodex.lock");
    char *vec = zx_path_join(dir, "vectors");
    int found = zx_is_file(lock) || zx_is_dir(vec);

    free(lock);
    free(vec);
    return found;
}

/* A table or the schema entry is missing from a store that holds others:
 * damage where zoodex wrote, else a foreign LMDB environment. */
static int not_ours(struct zx_store *st, struct zx_error *err, const char *what)
{
    if (zoodex_traces(st->dir))
        return damaged(st->dir, err, "%s", what);
    return zx_fail(err, ZX_ESTORE, "'%s' is not a zoodex index", st->dir);
}

static int check_schema(struct zx_store *st, int writable, struct zx_error *err)
{
    MDB_txn *t = NULL;
    MDB_val k = {6, (void *)"schema"}, v;
    MDB_dbi main_db;
    MDB_stat ms;
    char want[16], what[64];
    int rc, i, fresh;

    rc = mdb_txn_begin(st->env, NULL, writable ? 0 : MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(st, err, rc, NULL);
    /* Tables are created in a new store only: a writer must not make
     * fresh empty tables in a store whose list of tables is damaged. */
    rc = mdb_dbi_open(t, NULL, 0, &main_db);
    if (!rc)
        rc = mdb_stat(t, main_db, &ms);
    if (rc) {
        mdb_txn_abort(t);
        return lmdb_fail(st, err, rc, NULL);
    }
    fresh = ms.ms_entries == 0;
    for (i = 0; i < N_DBS; i++) {
        rc = LMDB(st, mdb_dbi_open(t, db_names[i],
                                   writable && fresh ? MDB_CREATE : 0,
                                   &st->dbi[i]));
        if (rc == MDB_NOTFOUND && i == DB_LINEAGE) {
            if (!writable)
                continue; /* added later: absent means empty */
            rc =
                LMDB(st, mdb_dbi_open(t, db_names[i], MDB_CREATE, &st->dbi[i]));
        }
        if (i == DB_LINEAGE && rc == 0)
            st->has_lineage = 1;
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(t);
            if (fresh) /* a first ingest died before its first commit */
                return zx_fail(err, ZX_ENOTFOUND,
                               "no index at '%s' yet (it "
                               "is empty)",
                               st->dir);
            snprintf(what, sizeof(what), "its list of tables lacks '%s'",
                     db_names[i]);
            return not_ours(st, err, what);
        }
        if (rc && is_damage(rc)) { /* read from the main table */
            mdb_txn_abort(t);
            return damaged(st->dir, err, "its list of tables: %s",
                           mdb_strerror(rc));
        }
        if (rc) {
            mdb_txn_abort(t);
            return lmdb_fail(st, err, rc, db_names[i]);
        }
    }
    snprintf(want, sizeof(want), "%d", ZX_STORE_SCHEMA);
    rc = LMDB(st, mdb_get(t, st->dbi[DB_META], &k, &v));
    if (rc == 0 && !in_file(st, &v)) {
        mdb_txn_abort(t);
        return out_of_file(st, err, "meta");
    }
    if (rc == MDB_NOTFOUND && writable && fresh) {
        v.mv_data = want;
        v.mv_size = strlen(want);
        rc = mdb_put(t, st->dbi[DB_META], &k, &v, 0);
    } else if (rc == 0 && (v.mv_size != strlen(want) ||
                           memcmp(v.mv_data, want, v.mv_size))) {
        mdb_txn_abort(t);
        return zx_fail(err, ZX_ESTORE,
                       "'%s' has schema version %.*s; this "
                       "zoodex reads version %s",
                       st->dir, v.mv_size > 16 ? 16 : (int)v.mv_size,
                       (const char *)v.mv_data, want);
    } else if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(t);
        return not_ours(st, err, "table 'meta' lacks the schema version");
    }
    if (rc) {
        mdb_txn_abort(t);
        return lmdb_write_fail(st, err, rc, "meta");
    }
    rc = mdb_txn_commit(t);
    if (rc)
        return lmdb_write_fail(st, err, rc, NULL);
    /* Where the map is, from a record read through it. */
    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(st, err, rc, NULL);
    if (mdb_get(t, st->dbi[DB_META], &k, &v) == 0)
        find_map(st, &v);
    mdb_txn_abort(t);
    return ZX_OK;
}

/* 1 when `dir` shows that an index with data lived there: a vector file,
 * written only after a commit.  (A writer creates zoodex.lock and an
 * empty vectors/ before the store, and LMDB creates lock.mdb, then an
 * empty data.mdb, then its first pages: a first ingest killed in between
 * leaves those, and no data was lost.) */
static int has_index_traces(const char *dir)
{
    char *vec = zx_path_join(dir, "vectors");
    DIR *d = opendir(vec);
    struct dirent *de;
    int found = 0;

    while (!found && d && (de = readdir(d)))
        found = strstr(de->d_name, ".faiss") != NULL;
    if (d)
        closedir(d);
    free(vec);
    return found;
}

/* Before LMDB sees data.mdb: a missing or empty file where an index with
 * data was is damage (LMDB would silently start a new store). */
static int check_data_file(const char *dir, const char *data, int writable,
                           struct zx_error *err)
{
    struct stat sb;

    if (stat(data, &sb) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return zx_fail_errno(err, ZX_EIO, "cannot open index '%s'", dir);
        if (has_index_traces(dir))
            return damaged(dir, err, "its store 'data.mdb' is missing");
        if (writable)
            return ZX_OK; /* a new index */
        return zx_fail(err, ZX_ENOTFOUND,
                       "no index at '%s' (run 'zoodex ingest' first)", dir);
    }
    if (!S_ISREG(sb.st_mode))
        return damaged(dir, err, "'data.mdb' is not a regular file");
    if (sb.st_size == 0 && has_index_traces(dir))
        return damaged(dir, err, "its store 'data.mdb' is empty (0 bytes)");
    if (sb.st_size == 0 && !writable)
        return zx_fail(err, ZX_ENOTFOUND, "no index at '%s' yet (it is empty)",
                       dir);
    if (!writable && access(data, R_OK) != 0)
        return zx_fail_errno(err, ZX_EIO, "cannot read index '%s'", dir);
    return ZX_OK;
}

/* After LMDB read the meta pages (with read(2), not through the map):
 * every page up to the last one in use must be in the file, or touching
 * it through the map raises SIGBUS. */
static int check_file_size(struct zx_store *st, struct zx_error *err)
{
    MDB_envinfo info;
    MDB_stat ms;
    struct stat sb;
    int fd;
    unsigned long long need;

    if (mdb_env_info(st->env, &info) || mdb_env_stat(st->env, &ms) ||
        mdb_env_get_fd(st->env, &fd) || fstat(fd, &sb))
        return zx_fail_errno(err, ZX_EIO, "cannot stat index '%s'", st->dir);
    st->map_size = info.me_mapsize;
    st->file_size = (size_t)sb.st_size;
    st->psize = ms.ms_psize;
    need = ((unsigned long long)info.me_last_pgno + 1) * ms.ms_psize;
    if ((unsigned long long)sb.st_size < need)
        return damaged(st->dir, err,
                       "'data.mdb' is truncated: it holds %lld bytes, its "
                       "last page in use ends at byte %llu",
                       (long long)sb.st_size, need);
    return ZX_OK;
}

/* The lock file is LMDB's table of readers: a reader writes its slot in
 * it, so whoever may read data.mdb must be able to write lock.mdb.  Give
 * it the read bits of data.mdb, each with the write bit next to it (0644
 * -> 0666, 0640 -> 0660, 0600 -> 0600).  Only the owner can change it;
 * others leave it as it is. */
static void fix_lock_mode(const char *dir)
{
    char *data = zx_path_join(dir, "data.mdb");
    char *lock = zx_path_join(dir, "lock.mdb");
    struct stat ds, ls;

    if (stat(data, &ds) == 0 && stat(lock, &ls) == 0 &&
        ls.st_uid == geteuid()) {
        mode_t want = (ds.st_mode & 0444) | ((ds.st_mode & 0444) >> 1);

        if ((ls.st_mode & 07777) != want)
            chmod(lock, want); /* best effort: readers say why they fail */
    }
    free(data);
    free(lock);
}

/* mdb_env_open failed with EACCES on an index: say which file and why. */
static int access_fail(const char *dir, int writable, struct zx_error *err)
{
    char *lock = zx_path_join(dir, "lock.mdb");
    char *data = zx_path_join(dir, "data.mdb");
    int rc;

    if (writable && zx_is_file(data) && access(data, W_OK) != 0)
        rc = zx_fail(err, ZX_EIO,
                     "cannot write index '%s': 'data.mdb' is not writable "
                     "by you (reading needs no write access, see "
                     "zoodex-store(5))",
                     dir);
    else if (zx_is_file(lock) && access(lock, W_OK) != 0)
        rc = zx_fail(err, ZX_EIO,
                     "cannot open index '%s': its lock file 'lock.mdb' is "
                     "not writable by you (readers register in it); its "
                     "owner makes it so by running any zoodex command on "
                     "the index, see zoodex-store(5)",
                     dir);
    else if (!zx_is_file(lock))
        rc = zx_fail(err, ZX_EIO,
                     "cannot open index '%s': its lock file 'lock.mdb' is "
                     "missing and the folder is not writable by you; its "
                     "owner recreates it by running any zoodex command on "
                     "the index",
                     dir);
    else
        rc = zx_fail(err, ZX_EIO, "cannot open index '%s': %s", dir,
                     strerror(EACCES));
    free(lock);
    free(data);
    return rc;
}

/* Bytes of lock.mdb to allocate: LMDB 0.9's lock file for 256 readers is
 * 16,512 bytes. */
#define LOCK_RESERVE 20480

/* 1 when lock.mdb in `dir` may have pages without blocks: it is missing,
 * empty, or has fewer blocks allocated than its size or LMDB's size. */
static int lock_has_holes(const char *dir)
{
    char *lock = zx_path_join(dir, "lock.mdb");
    struct stat sb;
    int holes = 1;

    if (stat(lock, &sb) == 0) {
        off_t want = sb.st_size > 16512 ? sb.st_size : 16512;

        holes = (off_t)sb.st_blocks * 512 < want;
    }
    free(lock);
    return holes;
}

/* LMDB writes lock.mdb's header and reader slots through a shared map of
 * it, and a write to a page the file system has no block for (a new
 * file's, on a full file system) raises SIGBUS.  So the file's blocks are
 * allocated first (its size unchanged: LMDB sizes it), and a full file
 * system is an error here, not a signal later.  A writer always does it;
 * a reader when the file is missing or has holes (a restored backup holds
 * only data.mdb; a writer that found no room left an empty one).  A
 * reader that may not create or write the file goes on: LMDB's open says
 * why it fails.  Where fallocate is not supported nothing changes. */
static int reserve_lock(const char *dir, struct zx_error *err)
{
    char *lock = zx_path_join(dir, "lock.mdb");
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644), rc = ZX_OK;
    struct stat sb;
    off_t len = LOCK_RESERVE;

    if (fd >= 0) { /* else LMDB's open says why */
        if (fstat(fd, &sb) == 0 && sb.st_size > len)
            len = sb.st_size;
        if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, len) != 0 &&
            (errno == ENOSPC || errno == EDQUOT))
            rc = zx_fail(err, ZX_ENOSPACE, "cannot write '%s': %s", lock,
                         strerror(errno));
        close(fd);
    }
    free(lock);
    return rc;
}

static int open_env(struct zx_store *st, unsigned flags, struct zx_error *err)
{
    int writable = !(flags & ZX_STORE_RDONLY);
    const char *env = getenv("ZOODEX_MAP_SIZE");
    size_t mapsize = DEFAULT_MAP_SIZE;
    unsigned mflags = MDB_NOTLS | MDB_NORDAHEAD;
    int rc;

    if (env && *env) {
        char *end;
        unsigned long long v = strtoull(env, &end, 10);

        if (*end == '\0' && v >= (1u << 20))
            mapsize = (size_t)v;
    }
    rc = mdb_env_create(&st->env);
    if (!rc)
        rc = mdb_env_set_maxdbs(st->env, N_DBS + 2);
    if (!rc)
        rc = mdb_env_set_mapsize(st->env, mapsize);
    if (!rc)
        rc = mdb_env_set_maxreaders(st->env, 256);
    if (rc)
        return lmdb_fail(st, err, rc, NULL);
    /* MDB_NOTLS: transactions are not tied to threads (serve uses a pool).
     * Without MDB_NOSYNC every commit is durable. */
    /* MDB_NORDAHEAD: random reads of records should not pull neighbouring
     * pages into memory (keeps a long crawl's resident set small). */
    if (!writable)
        mflags |= MDB_RDONLY;
    if (flags & ZX_STORE_PRIVATE)
        mflags |= MDB_NOLOCK;
    else if ((writable || lock_has_holes(st->dir)) &&
             (rc = reserve_lock(st->dir, err)) != ZX_OK)
        return rc;
    /* A fault in here is a write through the map of lock.mdb (LMDB reads
     * data.mdb's header with read(2)): the handler names that file. */
    st->opening = 1;
    rc = LMDB(st, mdb_env_open(st->env, st->dir, mflags, 0644));
    st->opening = 0;
    if (rc == EACCES)
        return access_fail(st->dir, writable, err);
    if (rc == ENOENT || rc == EROFS || rc == EPERM)
        return zx_fail(err, ZX_EIO, "cannot open index '%s': %s", st->dir,
                       mdb_strerror(rc));
    if (rc == MDB_INVALID)
        return damaged(st->dir, err,
                       "the header of 'data.mdb' is not an LMDB "
                       "environment's");
    if (rc)
        return lmdb_fail(st, err, rc, NULL);
    if (!(flags & ZX_STORE_PRIVATE))
        fix_lock_mode(st->dir);
    rc = check_file_size(st, err);
    if (!rc && writable && !(flags & ZX_STORE_PRIVATE)) {
        int dead = 0;

        /* Slots of readers that were killed pin old pages: free them. */
        mdb_reader_check(st->env, &dead);
    }
    return rc;
}

int zx_store_open(const char *dir, unsigned flags, struct zx_store **out,
                  struct zx_error *err)
{
    struct zx_store *st = xcalloc(1, sizeof(*st));
    int writable = !(flags & ZX_STORE_RDONLY);
    char *data = zx_path_join(dir, "data.mdb");
    int rc, fresh = 0;

    *out = NULL;
    st->dir = xstrdup(dir);
    snprintf(st->fault_msg, sizeof(st->fault_msg),
             "index '%s' is damaged: a page of 'data.mdb' points outside "
             "itself (reading it faulted); %s",
             dir, ZX_STORE_RECOVERY);
    snprintf(st->lock_fault_msg, sizeof(st->lock_fault_msg),
             "cannot write '%s/lock.mdb': No space left on device (a write "
             "through its map faulted)",
             dir);
    register_store(st, 1);
    if (writable) {
        rc = zx_mkdirs(dir, err);
        if (rc)
            goto out;
    }
    rc = check_data_file(dir, data, writable, err);
    if (!rc) {
        struct stat sb;

        fresh = writable && (stat(data, &sb) != 0 || sb.st_size == 0);
        rc = open_env(st, flags, err);
    }
    if (!rc)
        rc = check_schema(st, writable, err);
    /* A new store that the file system had no room for: its first pages
     * may be part written (LMDB would call that damage), and it holds
     * nothing yet.  Remove it, so that a run with room starts afresh. */
    if (rc == ZX_ENOSPACE && fresh)
        unlink(data);
    if (rc)
        goto out;
    *out = st;
    st = NULL;
out:
    free(data);
    zx_store_close(st);
    return rc;
}

static int walk_tables(struct zx_store *st, json_t *problems,
                       struct zx_error *err);

int zx_txn_begin(struct zx_store *st, int writable, struct zx_txn **out,
                 struct zx_error *err)
{
    struct zx_txn *t = xcalloc(1, sizeof(*t));
    int rc;

    *out = NULL;
    t->st = st;
    /* LMDB follows a damaged page's node offsets in the copy a write
     * transaction makes of it, reading outside that heap copy (ASan finds
     * it; a page walk of t3310's garbled tables).  So a process checks the
     * pages once before it first writes, as verify does. */
    if (writable && !st->walked) {
        json_t *p = json_array();

        st->walked = 1;
        rc = walk_tables(st, p, err);
        if (!rc && json_array_size(p))
            rc = damaged(st->dir, err, "%s",
                         json_string_value(json_array_get(p, 0)));
        json_decref(p);
        if (rc) {
            free(t);
            return rc;
        }
    }
    rc = mdb_txn_begin(st->env, NULL, writable ? 0 : MDB_RDONLY, &t->txn);
    if (rc) {
        free(t);
        if (rc == EACCES)
            return zx_fail(err, ZX_EIO, "index '%s' is read-only: %s", st->dir,
                           mdb_strerror(rc));
        return lmdb_fail(st, err, rc, NULL);
    }
    *out = t;
    return ZX_OK;
}

int zx_txn_commit(struct zx_txn *txn, struct zx_error *err)
{
    int rc = LMDB(txn->st, mdb_txn_commit(txn->txn));
    struct zx_store *st = txn->st;

    free(txn);
    if (rc)
        return lmdb_write_fail(st, err, rc, NULL);
    return ZX_OK;
}

void zx_txn_abort(struct zx_txn *txn)
{
    if (!txn)
        return;
    mdb_txn_abort(txn->txn);
    free(txn);
}

/* ===== Generic helpers ===== */

static int get_raw(struct zx_txn *t, int db, const void *key, size_t klen,
                   MDB_val *v, struct zx_error *err)
{
    MDB_val k = {klen, (void *)key};
    int rc = LMDB(t->st, mdb_get(t->txn, t->st->dbi[db], &k, v));

    if (rc == MDB_NOTFOUND)
        return ZX_ENOTFOUND;
    if (rc)
        return lmdb_fail(t->st, err, rc, db_names[db]);
    if (!in_file(t->st, v))
        return out_of_file(t->st, err, db_names[db]);
    return ZX_OK;
}

static int put_raw(struct zx_txn *t, int db, const void *key, size_t klen,
                   const void *val, size_t vlen, struct zx_error *err)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc;

    if (klen == 0 || klen > 511)
        return zx_fail(err, ZX_EUSAGE, "key of %zu bytes cannot be stored",
                       klen);
    rc = LMDB(t->st, mdb_put(t->txn, t->st->dbi[db], &k, &v, 0));
    if (rc)
        return lmdb_write_fail(t->st, err, rc, db_names[db]);
    return ZX_OK;
}

static int del_raw(struct zx_txn *t, int db, const void *key, size_t klen,
                   struct zx_error *err)
{
    MDB_val k = {klen, (void *)key};
    int rc = LMDB(t->st, mdb_del(t->txn, t->st->dbi[db], &k, NULL));

    if (rc == MDB_NOTFOUND)
        return ZX_ENOTFOUND;
    if (rc)
        return lmdb_write_fail(t->st, err, rc, db_names[db]);
    return ZX_OK;
}

static int get_json(struct zx_txn *t, int db, const char *key, json_t **out,
                    struct zx_error *err)
{
    MDB_val v;
    int rc;

    *out = NULL;
    rc = get_raw(t, db, key, strlen(key), &v, err);
    if (rc)
        return rc;
    rc =
        zx_json_parse(v.mv_data, v.mv_size, (size_t)-1, db_names[db], out, err);
    if (rc)
        return damaged(t->st->dir, err, "table '%s': record '%s' is not JSON",
                       db_names[db], key);
    return ZX_OK;
}

static int put_json(struct zx_txn *t, int db, const char *key,
                    const json_t *rec, struct zx_error *err)
{
    char *s = zx_json_dump(rec);
    int rc = put_raw(t, db, key, strlen(key), s, strlen(s), err);

    free(s);
    return rc;
}

/* Walk a table, optionally only keys starting with prefix. */
static int each(struct zx_txn *t, int db, const void *prefix, size_t plen,
                int (*cb)(MDB_val *k, MDB_val *v, void *arg), void *arg,
                struct zx_error *err)
{
    MDB_cursor *c = NULL;
    MDB_val k = {plen, (void *)prefix}, v;
    int rc, op = plen ? MDB_SET_RANGE : MDB_FIRST;

    rc = mdb_cursor_open(t->txn, t->st->dbi[db], &c);
    if (rc)
        return lmdb_fail(t->st, err, rc, db_names[db]);
    for (;;) {
        rc = LMDB(t->st, mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op));
        op = MDB_NEXT;
        if (rc == MDB_NOTFOUND) {
            rc = 0;
            break;
        }
        if (rc) {
            rc = lmdb_fail(t->st, err, rc, db_names[db]);
            break;
        }
        if (!in_file(t->st, &k) || !in_file(t->st, &v)) {
            rc = out_of_file(t->st, err, db_names[db]);
            break;
        }
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen)))
            break;
        rc = cb(&k, &v, arg);
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    return rc;
}

/* ===== Models ===== */

int zx_store_get_model(struct zx_txn *txn, const char *id, json_t **rec,
                       struct zx_error *err)
{
    return get_json(txn, DB_MODELS, id, rec, err);
}

int zx_store_put_model(struct zx_txn *txn, const char *id, const json_t *rec,
                       struct zx_error *err)
{
    return put_json(txn, DB_MODELS, id, rec, err);
}

int zx_store_del_model(struct zx_txn *txn, const char *id, struct zx_error *err)
{
    return del_raw(txn, DB_MODELS, id, strlen(id), err);
}

struct json_walk {
    int (*cb)(const char *key, json_t *rec, void *arg);
    void *arg;
    struct zx_error *err;
    const char *table;
    const char *dir;
};

static int json_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct json_walk *w = arg;
    char *key = xstrndup(k->mv_data, k->mv_size);
    json_t *rec = NULL;
    int rc;

    if (zx_json_parse(v->mv_data, v->mv_size, (size_t)-1, w->table, &rec,
                      w->err)) {
        rc = damaged(w->dir, w->err, "table '%s': record '%s' is not JSON",
                     w->table, key);
    } else {
        rc = w->cb(key, rec, w->arg);
    }
    json_decref(rec);
    free(key);
    return rc;
}

int zx_store_each_model(struct zx_txn *txn,
                        int (*cb)(const char *id, json_t *rec, void *arg),
                        void *arg, struct zx_error *err)
{
    struct json_walk w = {cb, arg, err, "models", txn->st->dir};

    return each(txn, DB_MODELS, NULL, 0, json_walk_cb, &w, err);
}

int zx_store_next_vid(struct zx_txn *txn, uint64_t *vid, struct zx_error *err)
{
    MDB_val v;
    unsigned char b[8];
    uint64_t n = 1;
    int rc, i;

    rc = get_raw(txn, DB_META, "next_vid", 8, &v, err);
    if (rc == ZX_OK && v.mv_size == 8) {
        n = 0;
        for (i = 7; i >= 0; i--)
            n = (n << 8) | ((const unsigned char *)v.mv_data)[i];
    } else if (rc != ZX_ENOTFOUND && rc != ZX_OK) {
        return rc;
    }
    *vid = n;
    n++;
    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(n >> (8 * i));
    return put_raw(txn, DB_META, "next_vid", 8, b, 8, err);
}

/* ===== Vectors ===== */

static void vec_key(const char *arch, uint64_t vid, unsigned char k[24])
{
    int i;

    ZX_ASSERT(strlen(arch) == 16);
    memcpy(k, arch, 16);
    for (i = 0; i < 8; i++)
        k[16 + i] = (unsigned char)(vid >> (56 - 8 * i));
}

/* ===== Lineage descriptors ===== */

int zx_store_put_lfp(struct zx_txn *txn, const char *model, uint32_t version,
                     const float *v, uint32_t dim, struct zx_error *err)
{
    size_t n = 12 + 4 * (size_t)dim;
    unsigned char *b = xmalloc(n);
    int rc;

    memcpy(b, "ZXL1", 4);
    memcpy(b + 4, &version, 4);
    memcpy(b + 8, &dim, 4);
    memcpy(b + 12, v, 4 * (size_t)dim);
    rc = put_raw(txn, DB_LINEAGE, model, strlen(model), b, n, err);
    free(b);
    return rc;
}

int zx_store_get_lfp(struct zx_txn *txn, const char *model, uint32_t *version,
                     const void **v, uint32_t *dim, struct zx_error *err)
{
    MDB_val val;
    int rc;

    if (!txn->st->has_lineage)
        return ZX_ENOTFOUND;
    rc = get_raw(txn, DB_LINEAGE, model, strlen(model), &val, err);
    if (rc)
        return rc;
    if (val.mv_size < 12 || memcmp(val.mv_data, "ZXL1", 4))
        return damaged(txn->st->dir, err,
                       "table 'lineage': record '%s' is malformed", model);
    memcpy(version, (const char *)val.mv_data + 4, 4);
    memcpy(dim, (const char *)val.mv_data + 8, 4);
    if (val.mv_size != 12 + 4 * (size_t)*dim)
        return damaged(txn->st->dir, err,
                       "table 'lineage': record '%s' is malformed", model);
    *v = (const char *)val.mv_data + 12;
    return ZX_OK;
}

int zx_store_del_lfp(struct zx_txn *txn, const char *model,
                     struct zx_error *err)
{
    if (!txn->st->has_lineage)
        return ZX_ENOTFOUND;
    return del_raw(txn, DB_LINEAGE, model, strlen(model), err);
}

int zx_store_put_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     const char *model, const float *v, uint32_t dim,
                     struct zx_error *err)
{
    size_t ml = strlen(model), n = 4 + 4 + 16 + 2 + ml + 1 + 4 * (size_t)dim;
    unsigned char *b = xmalloc(n), k[24];
    int rc;

    ZX_ASSERT(ml < 65535);
    memcpy(b, "ZXV1", 4);
    memcpy(b + 4, &dim, 4);
    memcpy(b + 8, arch, 16);
    b[24] = (unsigned char)(ml & 0xff);
    b[25] = (unsigned char)(ml >> 8);
    memcpy(b + 26, model, ml + 1);
    memcpy(b + 26 + ml + 1, v, 4 * (size_t)dim);
    vec_key(arch, vid, k);
    rc = put_raw(txn, DB_VECTORS, k, 24, b, n, err);
    free(b);
    return rc;
}

static int decode_vec(const MDB_val *k, const MDB_val *v, struct zx_vec *out)
{
    const unsigned char *b = v->mv_data, *kb = k->mv_data;
    size_t ml;
    int i;

    if (k->mv_size != 24 || v->mv_size < 27 || memcmp(b, "ZXV1", 4) ||
        memcmp(kb, b + 8, 16))
        return -1;
    memcpy(&out->dim, b + 4, 4);
    memcpy(out->arch, b + 8, 16);
    out->arch[16] = '\0';
    ml = (size_t)b[24] | ((size_t)b[25] << 8);
    if (out->dim > (1u << 20) ||
        v->mv_size != 26 + ml + 1 + 4 * (size_t)out->dim || b[26 + ml])
        return -1;
    out->model = (const char *)b + 26;
    out->data = b + 26 + ml + 1;
    out->vid = 0;
    for (i = 0; i < 8; i++)
        out->vid = (out->vid << 8) | kb[16 + i];
    return 0;
}

int zx_store_get_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     struct zx_vec *out, struct zx_error *err)
{
    unsigned char k[24];
    MDB_val kv = {24, k}, v;
    int rc;

    vec_key(arch, vid, k);
    rc = get_raw(txn, DB_VECTORS, k, 24, &v, err);
    if (rc)
        return rc;
    if (decode_vec(&kv, &v, out))
        return damaged(txn->st->dir, err,
                       "table 'vectors': record %s/%llu is malformed", arch,
                       (unsigned long long)vid);
    return ZX_OK;
}

int zx_store_del_vec(struct zx_txn *txn, const char *arch, uint64_t vid,
                     struct zx_error *err)
{
    unsigned char k[24];

    vec_key(arch, vid, k);
    return del_raw(txn, DB_VECTORS, k, 24, err);
}

struct vec_walk {
    int (*cb)(const struct zx_vec *v, void *arg);
    void *arg;
    struct zx_error *err;
    const char *dir;
};

static int vec_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct vec_walk *w = arg;
    struct zx_vec vec;

    if (decode_vec(k, v, &vec))
        return damaged(w->dir, w->err,
                       "table 'vectors': a record is malformed");
    return w->cb(&vec, w->arg);
}

int zx_store_each_vec(struct zx_txn *txn, const char *arch,
                      int (*cb)(const struct zx_vec *v, void *arg), void *arg,
                      struct zx_error *err)
{
    struct vec_walk w = {cb, arg, err, txn->st->dir};

    return each(txn, DB_VECTORS, arch, arch ? strlen(arch) : 0, vec_walk_cb, &w,
                err);
}

/* ===== Groups ===== */

int zx_store_get_group(struct zx_txn *txn, const char *arch, json_t **rec,
                       struct zx_error *err)
{
    return get_json(txn, DB_GROUPS, arch, rec, err);
}

int zx_store_put_group(struct zx_txn *txn, const char *arch, const json_t *rec,
                       struct zx_error *err)
{
    return put_json(txn, DB_GROUPS, arch, rec, err);
}

int zx_store_each_group(struct zx_txn *txn,
                        int (*cb)(const char *arch, json_t *rec, void *arg),
                        void *arg, struct zx_error *err)
{
    struct json_walk w = {cb, arg, err, "groups", txn->st->dir};

    return each(txn, DB_GROUPS, NULL, 0, json_walk_cb, &w, err);
}

/* ===== Edges ===== */

static char *pair_key(const char *a, const char *b, size_t *len)
{
    size_t la = strlen(a), lb = strlen(b);
    char *k = xmalloc(la + lb + 2);

    memcpy(k, a, la + 1);
    memcpy(k + la + 1, b, lb + 1);
    *len = la + 1 + lb;
    return k;
}

int zx_store_put_edge(struct zx_txn *txn, const char *child, const char *parent,
                      const json_t *info, struct zx_error *err)
{
    size_t kl;
    char *k = pair_key(child, parent, &kl), *v = zx_json_dump(info);
    int rc = put_raw(txn, DB_EDGES, k, kl, v, strlen(v), err);

    free(k);
    free(v);
    if (rc)
        return rc;
    k = pair_key(parent, child, &kl);
    rc = put_raw(txn, DB_REDGES, k, kl, "", 0, err);
    free(k);
    return rc;
}

struct edge_list {
    json_t *arr;
    const char *field;
    struct zx_txn *txn;
    struct zx_error *err;
    size_t plen;
    int reverse;
};

static int edge_list_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct edge_list *l = arg;
    char *other =
        xstrndup((const char *)k->mv_data + l->plen, k->mv_size - l->plen);
    json_t *info = NULL;
    int rc = ZX_OK;

    if (l->reverse) {
        /* redges holds no info: read the forward edge. */
        char *child = other;
        const char *parent = k->mv_data;
        size_t kl;
        char *fk = pair_key(child, parent, &kl);
        MDB_val fv;

        rc = get_raw(l->txn, DB_EDGES, fk, kl, &fv, l->err);
        free(fk);
        if (rc == ZX_OK)
            rc = zx_json_parse(fv.mv_data, fv.mv_size, (size_t)-1, "edges",
                               &info, l->err);
        if (rc == ZX_ENOTFOUND) { /* dangling reverse entry: ignore */
            free(other);
            return ZX_OK;
        }
    } else {
        rc = zx_json_parse(v->mv_data, v->mv_size, (size_t)-1, "edges", &info,
                           l->err);
    }
    if (rc) {
        free(other);
        return damaged(l->txn->st->dir, l->err,
                       "table 'edges': a record is not JSON");
    }
    json_object_set_new(info, l->field, json_string(other));
    json_array_append_new(l->arr, info);
    free(other);
    return ZX_OK;
}

static int list_edges(struct zx_txn *txn, int db, const char *id,
                      const char *field, json_t **out, struct zx_error *err)
{
    size_t plen = strlen(id) + 1;
    struct edge_list l = {json_array(), field, txn, err, plen, db == DB_REDGES};
    int rc = each(txn, db, id, plen, edge_list_cb, &l, err);

    if (rc) {
        json_decref(l.arr);
        *out = NULL;
        return rc;
    }
    *out = l.arr;
    return ZX_OK;
}

int zx_store_parents(struct zx_txn *txn, const char *child, json_t **out,
                     struct zx_error *err)
{
    return list_edges(txn, DB_EDGES, child, ZX_EDGE_PARENT, out, err);
}

int zx_store_children(struct zx_txn *txn, const char *parent, json_t **out,
                      struct zx_error *err)
{
    return list_edges(txn, DB_REDGES, parent, ZX_EDGE_CHILD, out, err);
}

int zx_store_del_edges_of(struct zx_txn *txn, const char *child,
                          struct zx_error *err)
{
    json_t *parents = NULL, *p;
    size_t i, kl;
    int rc = zx_store_parents(txn, child, &parents, err);

    if (rc)
        return rc;
    json_array_foreach(parents, i, p)
    {
        const char *parent = zx_json_str(p, ZX_EDGE_PARENT);
        char *k = pair_key(child, parent, &kl);

        rc = del_raw(txn, DB_EDGES, k, kl, err);
        free(k);
        if (rc && rc != ZX_ENOTFOUND)
            break;
        k = pair_key(parent, child, &kl);
        rc = del_raw(txn, DB_REDGES, k, kl, err);
        free(k);
        if (rc == ZX_ENOTFOUND)
            rc = ZX_OK;
        if (rc)
            break;
    }
    json_decref(parents);
    return rc;
}

int zx_store_del_edge(struct zx_txn *txn, const char *child, const char *parent,
                      struct zx_error *err)
{
    size_t kl;
    char *k = pair_key(child, parent, &kl);
    int rc = del_raw(txn, DB_EDGES, k, kl, err);

    free(k);
    if (rc)
        return rc;
    k = pair_key(parent, child, &kl);
    rc = del_raw(txn, DB_REDGES, k, kl, err);
    free(k);
    return rc == ZX_ENOTFOUND ? ZX_OK : rc;
}

struct edge_walk {
    int (*cb)(const char *child, const char *parent, json_t *info, void *arg);
    void *arg;
    struct zx_error *err;
    const char *dir;
};

static int edge_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct edge_walk *w = arg;
    const char *child = k->mv_data;
    size_t cl = strnlen(child, k->mv_size);
    char *c, *p;
    json_t *info = NULL;
    int rc;

    if (cl >= k->mv_size)
        return damaged(w->dir, w->err, "table 'edges': a key is malformed");
    c = xstrndup(child, cl);
    p = xstrndup(child + cl + 1, k->mv_size - cl - 1);
    rc = zx_json_parse(v->mv_data, v->mv_size, (size_t)-1, "edges", &info,
                       w->err);
    if (rc)
        rc = damaged(w->dir, w->err, "table 'edges': a record is not JSON");
    else
        rc = w->cb(c, p, info, w->arg);
    json_decref(info);
    free(c);
    free(p);
    return rc;
}

int zx_store_each_edge(struct zx_txn *txn,
                       int (*cb)(const char *child, const char *parent,
                                 json_t *info, void *arg),
                       void *arg, struct zx_error *err)
{
    struct edge_walk w = {cb, arg, err, txn->st->dir};

    return each(txn, DB_EDGES, NULL, 0, edge_walk_cb, &w, err);
}

/* ===== State ===== */

int zx_store_get_state(struct zx_txn *txn, const char *key, char **val,
                       struct zx_error *err)
{
    MDB_val v;
    int rc = get_raw(txn, DB_STATE, key, strlen(key), &v, err);

    *val = NULL;
    if (rc)
        return rc;
    *val = xstrndup(v.mv_data, v.mv_size);
    return ZX_OK;
}

int zx_store_put_state(struct zx_txn *txn, const char *key, const char *val,
                       struct zx_error *err)
{
    return put_raw(txn, DB_STATE, key, strlen(key), val, strlen(val), err);
}

int zx_store_del_state(struct zx_txn *txn, const char *key,
                       struct zx_error *err)
{
    return del_raw(txn, DB_STATE, key, strlen(key), err);
}

struct state_walk {
    int (*cb)(const char *key, const char *val, void *arg);
    void *arg;
};

static int state_walk_cb(MDB_val *k, MDB_val *v, void *arg)
{
    struct state_walk *w = arg;
    char *key = xstrndup(k->mv_data, k->mv_size);
    char *val = xstrndup(v->mv_data, v->mv_size);
    int rc = w->cb(key, val, w->arg);

    free(key);
    free(val);
    return rc;
}

int zx_store_each_state(struct zx_txn *txn, const char *prefix,
                        int (*cb)(const char *key, const char *val, void *arg),
                        void *arg, struct zx_error *err)
{
    struct state_walk w = {cb, arg};

    return each(txn, DB_STATE, prefix, strlen(prefix), state_walk_cb, &w, err);
}

int zx_store_counts(struct zx_txn *txn, json_t **out, struct zx_error *err)
{
    json_t *o = json_object();
    MDB_envinfo info;
    MDB_stat st;
    int i, rc;

    *out = NULL;
    for (i = 1; i < N_DBS; i++) {
        if (i == DB_LINEAGE && !txn->st->has_lineage)
            continue;
        rc = LMDB(txn->st, mdb_stat(txn->txn, txn->st->dbi[i], &st));
        if (rc) {
            json_decref(o);
            return lmdb_fail(txn->st, err, rc, db_names[i]);
        }
        json_object_set_new(o, db_names[i],
                            json_integer((json_int_t)st.ms_entries));
    }
    mdb_env_info(txn->st->env, &info);
    mdb_env_stat(txn->st->env, &st);
    json_object_set_new(o, "bytes_used",
                        json_integer((json_int_t)((info.me_last_pgno + 1) *
                                                  (size_t)st.ms_psize)));
    *out = o;
    return ZX_OK;
}

/* ===== Checking and copying the whole store ===== */

/* Read every byte of a key or value, so a page LMDB reaches only through
 * it (an overflow page) is read too. */
static unsigned touch(const MDB_val *v)
{
    const unsigned char *p = v->mv_data;
    unsigned sum = 0;
    size_t i;

    for (i = 0; i < v->mv_size; i += 512)
        sum += p[i];
    if (v->mv_size)
        sum += p[v->mv_size - 1];
    return sum;
}

/* Walk table `dbi` in a transaction of its own (an LMDB error leaves a
 * transaction unusable, and every table should be looked at).  Damage is
 * appended to `problems`; other failures are returned. */
static int check_table(struct zx_store *st, const char *what, int which,
                       json_t *problems, struct zx_error *err)
{
    MDB_txn *t = NULL;
    MDB_cursor *c = NULL;
    MDB_dbi dbi = 0;
    MDB_val k, v;
    volatile unsigned sink = 0;
    size_t last_pgno = 0;
    int rc, op = MDB_FIRST;
    char buf[400];

    buf[0] = '\0';
    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(st, err, rc, NULL);
    if (which >= 0) {
        dbi = st->dbi[which];
    } else if (which == -1) { /* the main table: names of the others */
        rc = mdb_dbi_open(t, NULL, 0, &dbi);
    } else { /* -2: LMDB's list of free pages */
        MDB_envinfo info;

        mdb_env_info(st->env, &info);
        last_pgno = info.me_last_pgno;
        dbi = 0;
    }
    if (!rc)
        rc = mdb_cursor_open(t, dbi, &c);
    while (!rc) {
        rc = LMDB(st, mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op));
        op = MDB_NEXT;
        if (rc)
            break;
        if (!in_file(st, &k) || !in_file(st, &v)) {
            snprintf(buf, sizeof(buf),
                     "%s: a record runs past the end of 'data.mdb'", what);
            break;
        }
        sink += touch(&k) + touch(&v);
        if (which == -2) { /* key: txn id; value: count, then page numbers */
            size_t n, i;
            uint64_t pg;

            memcpy(&pg, v.mv_data, v.mv_size >= 8 ? 8 : 0);
            n = v.mv_size >= 8 ? (size_t)pg : 0;
            if (k.mv_size != 8 || v.mv_size < 8 || n != v.mv_size / 8 - 1 ||
                v.mv_size % 8) {
                snprintf(buf, sizeof(buf),
                         "the list of free pages is "
                         "malformed");
                break;
            }
            for (i = 1; i <= n; i++) {
                memcpy(&pg, (const char *)v.mv_data + 8 * i, 8);
                if (pg < 2 || pg > last_pgno)
                    break;
            }
            if (i <= n) {
                snprintf(buf, sizeof(buf),
                         "the list of free pages names page %llu, outside "
                         "the store",
                         (unsigned long long)pg);
                break;
            }
        }
    }
    (void)sink;
    mdb_cursor_close(c);
    mdb_txn_abort(t);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc && is_damage(rc)) {
        snprintf(buf, sizeof(buf), "%s: %s", what, mdb_strerror(rc));
        rc = 0;
    }
    if (rc)
        return lmdb_fail(st, err, rc, NULL);
    if (buf[0])
        json_array_append_new(problems, json_string(buf));
    return ZX_OK;
}

/* ===== Walking the pages ourselves =====
 *
 * LMDB trusts its pages: a node offset or length that points outside the
 * page makes it read elsewhere, and fault.  Before LMDB walks a table,
 * zx_store_check() walks its B-tree itself and checks every page it
 * reaches, with LMDB's page layout (mdb.c, format version 1):
 *   1. page header, 16 bytes: u64 pgno (its own number), u16 pad,
 *      u16 flags (1 branch, 2 leaf, 4 overflow, 8 meta), then for branch
 *      and leaf pages u16 lower, u16 upper (the free gap), for overflow
 *      pages u32 the number of pages;
 *   2. at byte 16, (lower - 16) / 2 u16 offsets of the nodes, each at or
 *      after upper;
 *   3. a node: u16 lo, u16 hi, u16 flags, u16 key size, the key, then in a
 *      leaf the value, lo | hi << 16 bytes (or, with flag 1, the u64
 *      number of its first overflow page; flag 2 marks a named table's
 *      record, 48 bytes); in a branch page lo | hi << 16 | flags << 32 is
 *      the child's page number.
 * A meta page (pages 0 and 1) holds after its header: u32 magic, u32
 * version, u64 address, u64 map size, the free-page table and the main
 * table (48 bytes each: u32 pad, u16 flags, u16 depth, four u64 counts,
 * u64 root; no root is ~0), u64 last page, u64 transaction id. */

#define PG_BRANCH 0x01
#define PG_LEAF 0x02
#define PG_OVERFLOW 0x04
#define NODE_BIG 0x01
#define NODE_TABLE 0x02
#define NO_PAGE ((uint64_t)-1)

struct walk {
    struct zx_store *st;
    uint64_t last;       /* last page in use in the snapshot */
    unsigned char *seen; /* a bit per page: walked already */
    char msg[300];       /* the first fault found */
    uint64_t roots[N_DBS];
};

static uint16_t rd16(const unsigned char *p)
{
    uint16_t v;

    memcpy(&v, p, 2);
    return v;
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

static const unsigned char *page_at(const struct walk *w, uint64_t pgno)
{
    return (const unsigned char *)w->st->map + pgno * w->st->psize;
}

/* Check page `pgno` and the pages below it; 0, or -1 with w->msg set.
 * `main_table`: the names of the tables are in it; note their roots. */
static int walk_page(struct walk *w, uint64_t pgno, int depth, int main_table)
{
    const unsigned char *pg, *n;
    unsigned ps = w->st->psize;
    uint16_t flags, lower, upper, nkeys, i;

    if (pgno < 2 || pgno > w->last || depth > 32) {
        snprintf(w->msg, sizeof(w->msg),
                 "a pointer to page %llu, outside "
                 "the store",
                 (unsigned long long)pgno);
        return -1;
    }
    /* In a sound tree every page has one parent: a page reached twice
     * means a loop or shared subtrees, which would make the walk slow. */
    if (w->seen[pgno / 8] & (1u << (pgno % 8))) {
        snprintf(w->msg, sizeof(w->msg), "page %llu is reached twice",
                 (unsigned long long)pgno);
        return -1;
    }
    w->seen[pgno / 8] |= (unsigned char)(1u << (pgno % 8));
    pg = page_at(w, pgno);
    flags = rd16(pg + 10);
    lower = rd16(pg + 12);
    upper = rd16(pg + 14);
    if (rd64(pg) != pgno || !(flags & (PG_BRANCH | PG_LEAF)) ||
        (flags & PG_BRANCH && flags & PG_LEAF) || lower < 16 || lower > upper ||
        upper > ps || (lower - 16) % 2) {
        snprintf(w->msg, sizeof(w->msg), "page %llu: its header is wrong",
                 (unsigned long long)pgno);
        return -1;
    }
    nkeys = (uint16_t)((lower - 16) / 2);
    for (i = 0; i < nkeys; i++) {
        uint16_t off = rd16(pg + 16 + 2 * i), nf, ks;
        uint64_t lo;

        if (off < upper || (size_t)off + 8 > ps)
            goto bad_node;
        n = pg + off;
        lo = (uint64_t)rd16(n) | (uint64_t)rd16(n + 2) << 16;
        nf = rd16(n + 4);
        ks = rd16(n + 6);
        if ((size_t)off + 8 + ks > ps)
            goto bad_node;
        if (flags & PG_BRANCH) {
            if (walk_page(w, lo | (uint64_t)nf << 32, depth + 1, main_table))
                return -1;
            continue;
        }
        if (nf & NODE_BIG) {
            const unsigned char *ov;
            uint64_t first;
            uint32_t npages;

            if ((size_t)off + 8 + ks + 8 > ps)
                goto bad_node;
            first = rd64(n + 8 + ks);
            if (first < 2 || first > w->last)
                goto bad_node;
            ov = page_at(w, first);
            memcpy(&npages, ov + 12, 4);
            if (rd64(ov) != first || !(rd16(ov + 10) & PG_OVERFLOW) ||
                !npages || first + npages - 1 > w->last ||
                lo > (uint64_t)npages * ps - 16)
                goto bad_node;
        } else if ((size_t)off + 8 + ks + lo > ps) {
            goto bad_node;
        }
        if (main_table && (nf & NODE_TABLE)) {
            int t;

            /* a table's record is 48 bytes in the page, never on its own
             * overflow pages (checked above to fit in the page) */
            if (lo != 48 || (nf & NODE_BIG))
                goto bad_node;
            for (t = 0; t < N_DBS; t++)
                if (strlen(db_names[t]) == ks &&
                    !memcmp(n + 8, db_names[t], ks))
                    w->roots[t] = rd64(n + 8 + ks + 40);
        }
    }
    return 0;
bad_node:
    snprintf(w->msg, sizeof(w->msg),
             "page %llu: record %u lies outside the page",
             (unsigned long long)pgno, (unsigned)i);
    return -1;
}

/* Walk every table of the snapshot of a read transaction; damage goes to
 * `problems`.  Without the map's address (find_map) it checks nothing. */
static int walk_tables(struct zx_store *st, json_t *problems,
                       struct zx_error *err)
{
    struct walk w;
    MDB_txn *t = NULL;
    MDB_envinfo info;
    const unsigned char *meta = NULL;
    unsigned char meta_copy[16 + 24 + 96 + 16];
    uint64_t id;
    int rc, i, m;
    char buf[400];

    if (!st->map)
        return ZX_OK;
    memset(&w, 0, sizeof(w));
    w.st = st;
    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(st, err, rc, NULL);
    /* The meta page of this snapshot, copied: a writer rewrites the other
     * one, and after two more commits this one, so the copy counts only if
     * it still names this snapshot's transaction once copied. */
    id = (uint64_t)mdb_txn_id(t);
    for (m = 0; m < 2 && !meta; m++) {
        const unsigned char *mp = page_at(&w, (uint64_t)m);

        if (rd64(mp + 16 + 24 + 96 + 8) != id)
            continue;
        memcpy(meta_copy, mp, sizeof(meta_copy));
        if (rd64(meta_copy + 16 + 24 + 96 + 8) == id &&
            rd64(mp + 16 + 24 + 96 + 8) == id)
            meta = meta_copy;
    }
    mdb_env_info(st->env, &info);
    {
        struct stat sb;
        int fd;

        if (mdb_env_get_fd(st->env, &fd) == 0 && fstat(fd, &sb) == 0)
            st->file_size = (size_t)sb.st_size; /* a writer grows it */
    }
    if (meta) {
        w.last = rd64(meta + 16 + 24 + 96);
        if (w.last > info.me_last_pgno ||
            w.last + 1 > st->file_size / st->psize)
            meta = NULL; /* not this snapshot's any more */
    }
    for (i = 0; i < N_DBS; i++)
        w.roots[i] = NO_PAGE;
    if (meta) {
        w.seen = calloc((size_t)(w.last / 8 + 1), 1);
        if (!w.seen) {
            mdb_txn_abort(t);
            return zx_fail(err, ZX_ENOMEM, "out of memory");
        }
    }
    if (meta) {
        uint64_t free_root = rd64(meta + 16 + 24 + 40);
        uint64_t main_root = rd64(meta + 16 + 24 + 48 + 40);

        if (free_root != NO_PAGE && walk_page(&w, free_root, 0, 0)) {
            snprintf(buf, sizeof(buf), "the list of free pages: %s", w.msg);
            json_array_append_new(problems, json_string(buf));
        }
        if (main_root != NO_PAGE && walk_page(&w, main_root, 0, 1)) {
            snprintf(buf, sizeof(buf), "the list of tables: %s", w.msg);
            json_array_append_new(problems, json_string(buf));
        }
        for (i = 0; i < N_DBS && !json_array_size(problems); i++) {
            if (w.roots[i] != NO_PAGE && walk_page(&w, w.roots[i], 0, 0)) {
                snprintf(buf, sizeof(buf), "table '%s': %s", db_names[i],
                         w.msg);
                json_array_append_new(problems, json_string(buf));
            }
        }
    }
    free(w.seen);
    mdb_txn_abort(t);
    return ZX_OK;
}

int zx_store_check(struct zx_store *st, json_t **problems, struct zx_error *err)
{
    json_t *p = json_array();
    int rc = walk_tables(st, p, err), i;

    /* Damaged pages found: LMDB would fault on them, so stop here. */
    if (!rc && json_array_size(p)) {
        *problems = p;
        return ZX_OK;
    }
    if (!rc)
        rc = check_table(st, "the list of free pages", -2, p, err);
    if (!rc)
        rc = check_table(st, "the list of tables", -1, p, err);
    for (i = 0; i < N_DBS && !rc; i++) {
        char what[32];

        snprintf(what, sizeof(what), "table '%s'", db_names[i]);
        if (i != DB_LINEAGE || st->has_lineage)
            rc = check_table(st, what, i, p, err);
    }
    if (rc) {
        json_decref(p);
        p = NULL;
    }
    *problems = p;
    return rc;
}

/* Remove what a failed backup left in its temporary folder. */
static void remove_tmp(const char *tmp)
{
    static const char *const names[] = {"data.mdb", "lock.mdb"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *p = zx_path_join(tmp, names[i]);

        unlink(p);
        free(p);
    }
    rmdir(tmp);
}

static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int empty = d != NULL;

    while (empty && (de = readdir(d)))
        empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
    if (d)
        closedir(d);
    return empty;
}

int zx_store_backup(struct zx_store *st, const char *dest, json_t **info,
                    struct zx_error *err)
{
    struct zx_store *cp = NULL;
    struct zx_txn *txn = NULL;
    json_t *problems = NULL, *counts = NULL;
    char *dst = xstrdup(dest), *tmp = NULL, *data = NULL, *parent = NULL;
    size_t n = strlen(dst);
    struct stat sb;
    int rc, fd, made = 0;

    *info = NULL;
    while (n > 1 && dst[n - 1] == '/')
        dst[--n] = '\0';
    if (!n) {
        rc = zx_fail(err, ZX_EUSAGE, "the backup folder name is empty");
        goto out;
    }
    if (stat(dst, &sb) == 0 && (!S_ISDIR(sb.st_mode) || !dir_is_empty(dst))) {
        rc = zx_fail(err, ZX_EUSAGE,
                     "'%s' exists and is not an empty folder: back up into "
                     "a new folder",
                     dst);
        goto out;
    }
    /* A compacting copy follows the pages as they are: damage would be
     * copied, or stop the copy with LMDB's words.  Look first. */
    rc = zx_store_check(st, &problems, err);
    if (!rc && json_array_size(problems))
        rc = damaged(st->dir, err, "%s",
                     json_string_value(json_array_get(problems, 0)));
    json_decref(problems);
    problems = NULL;
    if (rc)
        goto out;
    tmp = xasprintf("%s.tmp.%ld", dst, (long)getpid());
    data = zx_path_join(tmp, "data.mdb");
    /* private until it is whole; then the source's modes (below) */
    if (mkdir(tmp, 0700) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot create '%s'", tmp);
        goto out;
    }
    made = 1;
    /* A compacting copy walks the tables in one read transaction: a
     * consistent snapshot, taken while writers go on, without free pages. */
    rc = LMDB(st, mdb_env_copy2(st->env, tmp, MDB_CP_COMPACT));
    if (rc) {
        if (is_damage(rc))
            rc = damaged(st->dir, err, "cannot copy the store: %s",
                         mdb_strerror(rc));
        else if (rc == ENOSPC || rc == EDQUOT)
            rc = zx_fail(err, ZX_ENOSPACE, "cannot write '%s': %s", data,
                         strerror(rc));
        else
            rc = zx_fail(err, ZX_EIO, "cannot back up '%s' into '%s': %s",
                         st->dir, tmp, mdb_strerror(rc));
        goto out;
    }
    fd = open(data, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0 || fstat(fd, &sb) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot sync '%s'", data);
        if (fd >= 0)
            close(fd);
        goto out;
    }
    close(fd);
    /* Read the copy back before it gets its name. */
    rc = zx_store_open(tmp, ZX_STORE_RDONLY | ZX_STORE_PRIVATE, &cp, err);
    if (rc && rc != ZX_EIO) /* the source changed under the copy */
        rc = damaged(st->dir, err, "its copy does not read back: %s",
                     err ? err->msg : "");
    if (!rc)
        rc = zx_store_check(cp, &problems, err);
    if (!rc && json_array_size(problems))
        rc = damaged(st->dir, err, "its copy does not read back: %s",
                     json_string_value(json_array_get(problems, 0)));
    if (!rc)
        rc = zx_txn_begin(cp, 0, &txn, err);
    if (!rc)
        rc = zx_store_counts(txn, &counts, err);
    zx_txn_abort(txn);
    zx_store_close(cp);
    if (rc)
        goto out;
    {
        /* The copy may be read by whom the source may be: its modes. */
        char *src = zx_path_join(st->dir, "data.mdb");
        struct stat ss;

        if (stat(src, &ss) == 0)
            (void)chmod(data, ss.st_mode & 07777);
        if (stat(st->dir, &ss) == 0)
            (void)chmod(tmp, ss.st_mode & 07777);
        free(src);
    }
    if (rename(tmp, dst) != 0) {
        rc = zx_fail_errno(err, ZX_EIO, "cannot rename '%s' to '%s'", tmp, dst);
        goto out;
    }
    made = 0;
    parent = xstrdup(dst);
    if (strrchr(parent, '/'))
        *strrchr(parent, '/') = '\0';
    else
        snprintf(parent, n + 1, ".");
    zx_fsync_dir(*parent ? parent : "/", NULL);
    *info = json_pack("{s:s,s:I,s:O,s:O,s:O,s:O}", "backup", dst, "bytes",
                      (json_int_t)sb.st_size, "models",
                      json_object_get(counts, "models"), "vectors",
                      json_object_get(counts, "vectors"), "groups",
                      json_object_get(counts, "groups"), "edges",
                      json_object_get(counts, "edges"));
out:
    if (made)
        remove_tmp(tmp);
    json_decref(problems);
    json_decref(counts);
    free(dst);
    free(tmp);
    free(data);
    free(parent);
    return rc;
}
