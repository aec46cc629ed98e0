/*
 * source_loose.h - a reader of loose git objects that refuses damaged ones, put in front of
 * libgit2's own (source.c installs it on every repository handle it opens).
 *
 * libgit2 1.5.1 loops forever inflating a loose object whose zlib stream is cut short (a
 * truncated file: inflate() reports Z_BUF_ERROR and its loop makes no progress; fixed
 * upstream much later).  So mdc reads loose objects itself: the file is inflated with
 * zlib, its "type size\0" header parsed, and the data must be exactly `size` bytes
 * followed by the stream's end.  A damaged object fails at once with a message naming it;
 * a good one is handed to libgit2, which then checks its hash as usual.  Objects in packs
 * are left to libgit2.  Objects in alternates' loose folders are not covered.
 */
#ifndef MDC_SOURCE_LOOSE_H
#define MDC_SOURCE_LOOSE_H

struct git_repository;

/* Adds the loose-object reader to repo's object database, before libgit2's loose backend.
 * Returns 0, or -1 with libgit2's error set. */
int mdc_loose_guard_install(struct git_repository *repo);

#endif
