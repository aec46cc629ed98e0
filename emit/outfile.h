/*
 * outfile.h - the files mdc writes: which paths it may write to, and the temporary files
 * next to them that a rename turns into the output.
 *
 * An output path must not exist or be a regular file.  A directory, FIFO, device node,
 * socket or symbolic link (dangling or not) at the path is refused and left untouched:
 * mdc never opens such a path (opening a FIFO would block), never writes through a link,
 * and never replaces a device node with a file.  The check is made before the work starts
 * and again just before the rename.
 *
 * A temporary file is "DIR/.BASE.tmp-XXXXXX" next to the output DIR/BASE, created by
 * mkstemp and held with an exclusive flock(2) for as long as it exists.  A killed process
 * (kill -9, a crash, a power cut) leaves its temporary file behind with the lock gone; the
 * next mdc_tempfile_create for the same output removes every such stale file (and its
 * SQLite "-journal"), and leaves alone the ones whose lock is held: a build that is still
 * running.  Only names of exactly that shape are touched.
 *
 * Errors: -1 with err set to a message that names the path.
 */
#ifndef MDC_OUTFILE_H
#define MDC_OUTFILE_H

#include "../model/error.h"

/* 0 when path may receive an output (it does not exist, or it is a regular file);
 * -1 with err ("cannot write P: it is a FIFO, not a regular file") otherwise. */
int mdc_outfile_check(const char *path, mdc_error *err);

typedef struct mdc_tempfile {
    char *path; /* DIR/.BASE.tmp-XXXXXX (owned) */
    int fd;     /* open and flock'ed while the file is ours; -1 when closed */
} mdc_tempfile;

#define MDC_TEMPFILE_INIT {NULL, -1}

/* Removes the stale temporary files of `target`, then creates an empty temporary file
 * next to it (mode 0666 & ~umask), locked.  t must be MDC_TEMPFILE_INIT or discarded. */
int mdc_tempfile_create(mdc_tempfile *t, const char *target, mdc_error *err);

/* Makes the temporary file the output: fsync, the target checked again, rename over
 * target, fsync of the directory.  The file is closed (and its lock released) in every
 * case; on failure it is removed. */
int mdc_tempfile_commit(mdc_tempfile *t, const char *target, mdc_error *err);

/* Removes the temporary file (and its "-journal") and closes it; a no-op on
 * MDC_TEMPFILE_INIT. */
void mdc_tempfile_discard(mdc_tempfile *t);

#endif
