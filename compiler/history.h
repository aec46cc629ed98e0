/*
 * history.h - derived versions from first-parent history (SPEC 5.3).
 *
 * Walking the first-parent chain from a revision back to the root, every commit's state
 * is compiled (documents from blobs already seen are shared, so each commit costs only its
 * changed files) and diffed with its first parent.  A document without a declared
 * `version:` gets 1.0.0 at the first commit that has it, then each commit that changes it
 * bumps it by its required bump.  A document with a declared version records the declared
 * one.  Merge commits count as one change against their first parent (the merged branch's
 * commits are not walked), like `git log --first-parent`.  Commits whose state does not
 * compile (errors) are skipped: the next good commit is diffed against the last good one.
 */
#ifndef MDC_HISTORY_H
#define MDC_HISTORY_H

#include "../model/defs.h"
#include "../model/error.h"
#include "source.h"

struct mdc_compilation; /* compile.h */

typedef struct mdc_history_entry {
    mdc_kind kind;
    const char *name;
    const char *version;   /* "1.2.0" */
    char checksum[33];
    char commit[41];
    int64_t committed_at;  /* committer time, seconds since the epoch */
    mdc_bump bump;         /* NONE for the first appearance */
    const char *rules_json; /* JSON array of the rules hit, sorted, e.g. ["FIELD_ADDED_NULLABLE"] */
    bool removed;          /* the document was removed at this commit */
    size_t order;          /* private: recording order (commit order) */
} mdc_history_entry;

typedef struct mdc_history {
    mdc_arena *arena;
    mdc_history_entry *entries; /* sorted by kind, name, then commit order (oldest first) */
    size_t n;
    size_t ncommits;            /* commits walked */
} mdc_history;

/*
 * Computes the history of every document up to rev (a revision; NULL = HEAD).  share
 * (optional): a compilation of the same repository, typically of rev itself or of the
 * working tree, whose documents the first compiled commit reuses instead of parsing its
 * files again (most of a repository's files are the same at every commit); it must outlive
 * the call.  With share, the chain is compiled in stretches on every core (MDC_THREADS sets
 * how many); the result is the same for any count.  Fails (-1) when rev cannot be resolved,
 * a commit cannot be read, or the first-parent chain is cut short (a shallow clone: the
 * message names `git fetch --unshallow`), never deriving versions from part of the history.
 */
int mdc_history_compute(mdc_history **out, mdc_repo *repo, const char *rev,
                        const struct mdc_compilation *share, mdc_error *err);
void mdc_history_free(mdc_history *h);

/* The newest entry of (kind, name), or NULL when the document never existed. */
const mdc_history_entry *mdc_history_latest(const mdc_history *h, mdc_kind kind, const char *name);

#endif
