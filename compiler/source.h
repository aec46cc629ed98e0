/*
 * source.h - "a set of files at a state": the working tree, the index, or a revision.
 *
 * mdc_repo_open() finds the git repository upward from a directory, and the project
 * root (the folder holding mdc.yaml) upward from the same directory, but not above the
 * repository's work tree.  Every later path is relative to the project root and uses '/'.
 * A bare repository has no work tree: its project is at the root of each revision's tree
 * (mdc.yaml at the top), and only revision states can be opened.
 *
 * A state lists the files under the project's model folders (sorted bytewise by path),
 * each with its blob OID and mode; symlinks, submodules and non-YAML files are listed
 * with their mode/kind so the driver can warn and skip them (they are never followed).
 * A path that is not valid UTF-8 is listed escaped, as MDC_FILE_BAD_NAME, and never read:
 * paths are stored and printed as UTF-8 text.  A revision whose trees hold an entry name
 * git itself refuses ("", ".", "..", ".git" in any spelling, a name with '/') cannot be
 * listed: mdc_state_list and mdc_state_list_changes fail naming the commit and the entry.
 * Content is read through an mdc_reader; each worker thread opens its own reader.
 *
 * Inside a git hook the index is the file named by GIT_INDEX_FILE (git sets it to
 * .git/index.lock or .git/next-index-*.lock during a commit); it is opened directly.
 */
#ifndef MDC_SOURCE_H
#define MDC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/buf.h"
#include "../model/diag.h"
#include "../model/error.h"

typedef struct mdc_repo mdc_repo;
struct git_commit;
struct git_oid;

typedef enum mdc_state_kind { MDC_STATE_WORKTREE, MDC_STATE_INDEX, MDC_STATE_REV } mdc_state_kind;

typedef enum mdc_file_kind {
    MDC_FILE_YAML,      /* regular file ending in .yaml or .yml */
    MDC_FILE_OTHER,     /* regular file with another extension: skipped with a warning */
    MDC_FILE_SYMLINK,   /* skipped with a warning, never followed */
    MDC_FILE_SUBMODULE, /* skipped with a warning */
    MDC_FILE_BAD_NAME   /* a path that is not UTF-8: never read, an error; path holds it
                           escaped (\xNN for each byte that is not UTF-8, \\ for '\\') */
} mdc_file_kind;

typedef struct mdc_file {
    const char *path; /* relative to the project root */
    char oid[41];     /* blob id; for the working tree filled in by mdc_reader_read() */
    mdc_file_kind kind;
} mdc_file;

typedef struct mdc_state {
    mdc_state_kind kind;
    const char *label;  /* "working tree", "index", or the revision as given */
    char commit[41];    /* MDC_STATE_REV: the commit id; else "" */
    char tree[41];      /* MDC_STATE_REV: the commit's tree id; else "" */
    int64_t commit_time; /* MDC_STATE_REV: committer time, seconds since the epoch; else 0 */
    mdc_file *files;
    size_t nfiles;
    /* private */
    struct mdc_state_impl *impl;
} mdc_state;

typedef struct mdc_reader mdc_reader;

/*
 * Opens the repository containing start_dir (NULL = current directory) and finds the
 * project root.  Fails (-1, message in err) when start_dir is not inside a git work tree
 * or a bare repository, the repository is owned by another user (the message gives the
 * safe.directory fix), or (not bare) no mdc.yaml is found.  In a bare repository the root
 * is the repository's folder and the prefix "".
 */
int mdc_repo_open(mdc_repo **out, const char *start_dir, mdc_error *err);
void mdc_repo_free(mdc_repo *repo);
/* A second handle on src's repository and project, for use from another thread (a libgit2
 * repository handle must not be used by two threads at once). */
int mdc_repo_reopen(mdc_repo **out, const mdc_repo *src, mdc_error *err);

const char *mdc_repo_root(const mdc_repo *repo);   /* absolute project root, no trailing '/' */
const char *mdc_repo_prefix(const mdc_repo *repo); /* project root relative to the work tree:
                                                      "" or "sub/dir/" */
const char *mdc_repo_workdir(const mdc_repo *repo); /* absolute work tree, with trailing '/' */
struct git_repository *mdc_repo_git(const mdc_repo *repo);
bool mdc_repo_is_bare(const mdc_repo *repo); /* no work tree: revisions only */

/*
 * Resolves rev ("HEAD", "main~2", a sha, a tag) to a commit, which the caller frees with
 * git_commit_free.  Fails (-1) with a message that says what is wrong: "no commits yet" in
 * a repository without commits, how to fetch a revision missing from a shallow clone, an
 * ambiguous or unknown revision, one that is not a commit.
 */
int mdc_repo_commit(struct git_commit **out, mdc_repo *repo, const char *rev, mdc_error *err);

/*
 * The first-parent chain from rev back to the root commit, oldest first, into *out (the
 * caller frees it) and *n.  A chain cut short -- a shallow clone's boundary, or a parent
 * that cannot be read -- fails (-1) rather than passing the oldest commit read for the
 * first one: versions derived from a cut history would be wrong.  The shallow case names
 * `git fetch --unshallow`.
 */
int mdc_repo_first_parents(struct git_oid **out, size_t *n, mdc_repo *repo, const char *rev,
                           mdc_error *err);

/*
 * Opens a state.  rev is used for MDC_STATE_REV only ("HEAD", "main~2", a sha, a tag).
 * A revision that does not exist, or that is missing from a shallow clone, fails with a
 * message saying how to fetch it.  In a bare repository the working tree and the index
 * fail with a message that asks for a revision.
 */
int mdc_state_open(mdc_state **out, mdc_repo *repo, mdc_state_kind kind, const char *rev,
                   mdc_error *err);
void mdc_state_free(mdc_state *st);

/*
 * Reads one file at the state that is not under the model folders, e.g. "mdc.yaml".
 * Returns 1 and fills out when the file exists, 0 when it does not, -1 on error.
 */
int mdc_state_read_path(mdc_state *st, const char *path, mdc_buf *out, mdc_error *err);

/*
 * Lists the files under the given folders (relative to the project root) into st->files,
 * sorted bytewise by path, without duplicates.  In the working tree, files ignored by
 * .gitignore are left out.  A folder that does not exist lists nothing.
 */
int mdc_state_list(mdc_state *st, const char *const *dirs, size_t ndirs, mdc_error *err);

/*
 * Lists only what changed under the given folders between base and st, two revisions of
 * the same repository (MDC_STATE_REV both): st->files gets the files that are new or
 * different at st (sorted, as mdc_state_list would list them), *gone (when ngone is not
 * NULL) the sorted paths listed at base but not at st; both live as long as st.  Costs the
 * trees that differ, not the files.  Returns 1; 0 when the folders cannot be compared this
 * way (folders that overlap, a folder that is a file on one side), and the caller lists st
 * in full; -1 on error.
 */
int mdc_state_list_changes(mdc_state *st, const mdc_state *base, const char *const *dirs,
                           size_t ndirs, const char ***gone, size_t *ngone, mdc_error *err);

/* The blob id of path (relative to the project root) at a revision state, in out[41];
 * "" when there is no such file.  Returns 0, or -1 when st is not a revision. */
int mdc_state_path_oid(mdc_state *st, const char *path, char out[41]);

/* A reader of file contents; one per thread.  Readers of one state may run concurrently. */
int mdc_reader_open(mdc_reader **out, mdc_state *st, mdc_error *err);
void mdc_reader_free(mdc_reader *r);

/*
 * Reads f's content into out (replacing what it held).  For the working tree, also
 * computes f->oid from the bytes read.  Fails (-1) on an unreadable file or object.
 */
int mdc_reader_read(mdc_reader *r, mdc_file *f, mdc_buf *out, mdc_error *err);

#endif
