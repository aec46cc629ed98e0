/*
 * migrations_dir.h - the migrations folder as a chain: each dialect folder's
 * NNNN_<slug>.sql files and mdc.sum, the lock, and the one way a migration is added.
 *
 * The chain of one folder (e.g. migrations/postgres):
 *
 *   0001_baseline.sql, 0002_<slug>.sql, ...   numbered from 0001, no gap, no number twice
 *   mdc.sum                                   `NAME HASH\n` per file, in number order;
 *                                             HASH = XXH3-128 of (the previous line's HASH as
 *                                             32 hex digits, "" for line 1) + the file's bytes
 *
 * It verifies when line i names file i and every HASH matches.  Each line is checked against
 * the HASH recorded on the line before it, so an edited file is named alone (the lines after
 * it still verify).  Two branches that add the same number conflict on the same mdc.sum line
 * in git.  mdc.sum is only ever appended to: `mdc migrate --write` refuses to extend a chain
 * that does not verify.
 *
 * Nothing is followed through a symlink: every folder on the way from the repository root,
 * mdc.sum, and every entry named like a migration must be a real folder or regular file, or
 * the command stops (exit 2), as a symlinked mdc.yaml stops every command.  Every file is
 * opened relative to the folder's descriptor, so a link swapped in meanwhile is not followed
 * either.
 *
 * The lock: flock(2) on the migrations root folder itself -- exclusive to add migrations,
 * shared to read them -- so two writers serialise and a reader never sees half a write.  The
 * folder is the lock, so no lock file is left behind for git to see; the kernel drops the
 * lock when a process dies.  The wait is bounded: MDC_MIGRATE_LOCK_WAIT seconds (default 30).
 *
 * Adding NAME (write-ahead; every step survives kill -9 or a full disk):
 *
 *   1. NAME's text -> .mdc-tmp.NAME, fsync; read back and checked by the caller
 *   2. the old mdc.sum bytes + NAME's line -> .mdc-tmp.mdc.sum, fsync
 *   3. rename .mdc-tmp.mdc.sum -> mdc.sum, fsync the folder          <- the commit point
 *   4. link .mdc-tmp.NAME -> NAME (never replacing a file), unlink the temp, fsync the folder
 *
 * A crash before 3 leaves the old chain and temp files.  A crash between 3 and 4 leaves
 * mdc.sum's last line naming a file that exists only as .mdc-tmp.NAME, whose bytes match
 * that line's HASH: the write is "pending".  The next --write finishes it (step 4) and removes
 * every temp file (`.mdc-tmp.*`, and older mdc's `.NAME.tmp-XXXXXX`); read-only runs report
 * it and change nothing.  After 4 the chain is the new one.
 *
 * Fault injection for the tests: MDC_MIGRATE_FAULT=temp|read-back|sum-temp|sum|link|done
 * makes the first add stop with _exit(86) right after that step; short-write cuts the temp
 * file to half its length before it is read back (a full disk).  Read only by
 * mdc_chain_add.
 */
#ifndef MDC_MIGRATIONS_DIR_H
#define MDC_MIGRATIONS_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "../model/buf.h"
#include "../model/error.h"

/* One dialect folder, read and verified. */
typedef struct mdc_chain {
    const char *rel; /* "migrations/postgres", for messages (the caller's string) */
    int fd;          /* the folder; -1 when it does not exist */
    char **files;    /* the entries named NNNN_*.sql, sorted bytewise (= by number) */
    size_t nfiles;
    bool has_sum;            /* mdc.sum exists */
    mdc_buf sum;             /* its bytes */
    size_t nlines;           /* its lines */
    char last_hash[33];      /* the HASH of its last line ("" when none) */
    char *pending;           /* the file of an interrupted write (see above), or NULL */
    mdc_buf newest;          /* holds the bytes of files[nfiles - 1] when the chain verifies: */
    const char *newest_text; /* they start here */
    size_t newest_len;
    mdc_buf problems; /* one "mdc: ...\n" line per reason the chain does not verify */
    size_t nproblems;
} mdc_chain;

/*
 * Opens the migrations root folder rel (relative to the repository root, e.g. "migrations")
 * without following links and locks it: exclusive when write (making the folders when
 * missing), shared otherwise (*lockfd = -1 when the folder does not exist: nothing to read).
 * Returns 0, or -1 with err (exit 2): a symlink or a file on the way, an I/O error, or the
 * lock still held by another process after MDC_MIGRATE_LOCK_WAIT seconds.  Close *lockfd to
 * unlock.
 */
int mdc_migrations_lock(int *lockfd, const char *root, const char *rel, bool write, mdc_error *err);

/*
 * Reads the folder `dialect` of the locked root (rootfd from mdc_migrations_lock, -1 when
 * it does not exist; rel names the folder in messages) and verifies its chain into c: the
 * problems go to c->problems, a pending write to c->pending (a problem too, for readers).
 * with_repair (--write only, under the exclusive lock) first finishes a pending write and
 * removes temp files, noting on stderr what it finished.  Returns 0, or -1 with err (exit 2):
 * a symlink or a non-regular file, an I/O error.  Free c with mdc_chain_free either way.
 */
int mdc_chain_read(mdc_chain *c, int rootfd, const char *dialect, const char *rel, bool with_repair,
                   mdc_error *err);

/* Decides whether the bytes read back from the temp file may be published: 0 yes, -1 no
 * with the reason in err. */
typedef int (*mdc_chain_check)(void *ctx, const char *text, size_t len, mdc_error *err);

/*
 * Adds the migration NAME with text to a verified chain (c->nproblems == 0), in the
 * write-ahead order above; rootfd is the locked root (the dialect folder is made when
 * missing).  check sees the bytes as read back from the temp file.  Returns 0 when
 * published (c is then the new chain), 1 when check refused them (err says why; nothing
 * changed, the temp file removed), -1 with err on an I/O error (exit 2; the chain is the old
 * one or the new one, as above).
 */
int mdc_chain_add(mdc_chain *c, int rootfd, const char *dialect, const char *name, const char *text,
                  size_t len, mdc_chain_check check, void *ctx, mdc_error *err);

void mdc_chain_free(mdc_chain *c);

/* 1 when s is a migration file name: NNNN_<something>.sql. */
bool mdc_is_migration_name(const char *s);

#endif
