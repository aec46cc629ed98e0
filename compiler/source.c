/*
 * source.c - the three states a compilation can read: the working tree, the index, and a
 * revision (see source.h for the contract).
 *
 * mdc_repo_open() discovers the repository and the project root.  A state is opened once
 * (the index is loaded, or the revision is resolved to a commit and its tree), then
 * mdc_state_list() walks the model folders and records each file's path (relative to the
 * project root), kind and -- where git already knows it -- blob OID.  Reading content is
 * separate: every worker thread opens an mdc_reader with its own git_repository, because a
 * libgit2 repository object must not be shared between threads without locking.
 *
 * Listing walks each tree once (index: one prefix search then a linear scan; revision:
 * recursive iteration of tree entries; working tree: readdir), and sorts the result
 * itself, because neither git's tree order nor readdir order is bytewise.
 */
#include "source.h"
#include "source_loose.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <unistd.h>

#include <git2.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

struct mdc_repo {
    git_repository *git;
    char *root;    /* absolute project root, no trailing '/' */
    char *prefix;  /* project root relative to the work tree: "" or "a/b/" */
    char *workdir; /* absolute work tree with trailing '/' (bare: the repository folder) */
    bool bare;     /* no work tree: only revisions, the project at the root of their trees */
};

/* One listed file before the paths are fixed up: the path is an offset into a buffer
 * that may move while it grows. */
typedef struct pending_file {
    size_t path_off;
    char oid[41];
    mdc_file_kind kind;
} pending_file;

struct mdc_state_impl {
    mdc_repo *repo;      /* borrowed */
    git_index *index;    /* MDC_STATE_INDEX */
    git_commit *commit;  /* MDC_STATE_REV */
    git_tree *tree;      /* MDC_STATE_REV */
    char *label;         /* owned copy of the revision as given */
    char *paths;         /* NUL-separated paths of st->files (and of gone) */
    const char **gone;   /* mdc_state_list_changes: paths only at the base */
    char *gone_paths;    /* their text, when not in paths */
};

struct mdc_reader {
    mdc_state *st;       /* borrowed */
    git_repository *git; /* INDEX and REV: this reader's own repository */
    git_odb *odb;
    int rootfd;          /* WORKTREE: the root folder (files are opened relative to it), or -1 */
};

/* ---------------------------------------------------------------- small helpers */

static const char *git_msg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown error";
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) {
        fputs("mdc: out of memory\n", stderr);
        abort();
    }
    return p;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static mdc_file_kind kind_of_regular(const char *path)
{
    return ends_with(path, ".yaml") || ends_with(path, ".yml") ? MDC_FILE_YAML : MDC_FILE_OTHER;
}

/* The kind of an index or tree entry, or -1 for one that is not a file (a tree). */
static int kind_of_mode(unsigned mode, const char *path)
{
    switch (mode) {
    case GIT_FILEMODE_LINK: return MDC_FILE_SYMLINK;
    case GIT_FILEMODE_COMMIT: return MDC_FILE_SUBMODULE;
    case GIT_FILEMODE_BLOB:
    case GIT_FILEMODE_BLOB_EXECUTABLE: return (int)kind_of_regular(path);
    default: return -1;
    }
}

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ---------------------------------------------------------------- the repository */

/* The work tree of the repository found upward from dir (without trailing '/'), by
 * discovery alone, which does not check ownership.  Returns false when there is none. */
static bool discover_worktree(const char *dir, mdc_buf *out)
{
    git_buf gitdir = {0};
    bool ok = git_repository_discover(&gitdir, dir, 0, NULL) == 0 && gitdir.ptr;
    if (ok) {
        size_t n = strlen(gitdir.ptr);
        if (n > 0 && gitdir.ptr[n - 1] == '/') n--;
        if (n >= 5 && memcmp(gitdir.ptr + n - 5, "/.git", 5) == 0) n -= 5;
        mdc_buf_put(out, gitdir.ptr, n);
    }
    git_buf_dispose(&gitdir);
    return ok;
}

/* libgit2 1.5.1 reports a repository owned by another user as GIT_EOWNER only when some
 * safe.directory is configured; with none at all it fails with GIT_ENOTFOUND ("config
 * value 'safe.directory' was not found").  So on GIT_ENOTFOUND we discover the repository
 * without the ownership check and compare owners ourselves.  Returns true (and the path to
 * name in the hint) when ownership is the problem. */
static bool owned_by_another_user(const char *dir, int e, mdc_buf *path)
{
    if (e != GIT_EOWNER && e != GIT_ENOTFOUND) return false;
    if (!discover_worktree(dir, path)) {
        if (e != GIT_EOWNER) return false;
        mdc_buf_puts(path, dir);
        return true;
    }
    if (e == GIT_EOWNER) return true;
    struct stat sb;
    return stat(path->ptr, &sb) == 0 && sb.st_uid != geteuid();
}

int mdc_repo_open(mdc_repo **out, const char *start_dir, mdc_error *err)
{
    char real[PATH_MAX];
    mdc_repo *repo = NULL;
    git_repository *git = NULL;
    mdc_buf dir = MDC_BUF_INIT;
    int rc = -1;

    *out = NULL;
    if (!start_dir) start_dir = ".";
    if (!realpath(start_dir, real)) {
        mdc_error_set(err, "cannot open directory %s: %s", start_dir, strerror(errno));
        goto done;
    }

    int e = git_repository_open_ext(&git, real, 0, NULL);
    char gitmsg[512];
    snprintf(gitmsg, sizeof gitmsg, "%s", git_msg());
    mdc_buf path = MDC_BUF_INIT;
    if (e < 0 && owned_by_another_user(real, e, &path)) {
        mdc_error_set(err,
                      "repository at %s is owned by another user; to trust it run: "
                      "git config --global --add safe.directory %s",
                      path.ptr, path.ptr);
        mdc_buf_free(&path);
        goto done;
    }
    if (e == GIT_ENOTFOUND && path.len == 0) {
        mdc_error_set(err, "not a git repository (or any parent up to /): %s", real);
        mdc_buf_free(&path);
        goto done;
    }
    if (e < 0) {
        mdc_error_set(err, "cannot open the git repository at %s: %s",
                      path.len ? path.ptr : real, gitmsg);
        mdc_buf_free(&path);
        goto done;
    }
    mdc_buf_free(&path);
    if (mdc_loose_guard_install(git) < 0) {
        mdc_error_set(err, "cannot open the object database of %s: %s", real, git_msg());
        goto done;
    }
    if (git_repository_is_bare(git) || !git_repository_workdir(git)) {
        /* No work tree, but revisions: the project is at the root of a revision's tree,
         * and the "root" folder is the repository's own (reopened by that path). */
        char gd[PATH_MAX];
        if (!realpath(git_repository_path(git), gd)) {
            mdc_error_set(err, "cannot open the repository %s: %s", git_repository_path(git),
                          strerror(errno));
            goto done;
        }
        repo = calloc(1, sizeof *repo);
        if (!repo) {
            mdc_error_set(err, "out of memory");
            goto done;
        }
        repo->git = git;
        git = NULL;
        repo->bare = true;
        repo->root = xstrdup(gd);
        mdc_buf_printf(&dir, "%s/", strcmp(gd, "/") == 0 ? "" : gd);
        repo->workdir = mdc_buf_detach(&dir);
        repo->prefix = xstrdup("");
        *out = repo;
        repo = NULL;
        rc = 0;
        goto done;
    }

    char wd[PATH_MAX];
    if (!realpath(git_repository_workdir(git), wd)) {
        mdc_error_set(err, "cannot open the work tree %s: %s", git_repository_workdir(git),
                      strerror(errno));
        goto done;
    }
    size_t wdlen = strlen(wd);
    if (wdlen == 1) wdlen = 0; /* the work tree is "/" */

    /* Find mdc.yaml upward from the start directory, but not above the work tree. */
    size_t rootlen = 0;
    bool found = false;
    bool inside = strncmp(real, wd, wdlen) == 0 && (real[wdlen] == '\0' || real[wdlen] == '/');
    if (inside) {
        mdc_buf_puts(&dir, real);
        for (;;) {
            size_t n = dir.len;
            mdc_buf_puts(&dir, "/mdc.yaml");
            bool hit = is_file(dir.ptr);
            dir.len = n;
            dir.ptr[n] = '\0';
            if (hit) {
                found = true;
                rootlen = n;
                break;
            }
            if (n <= wdlen) break;
            char *slash = strrchr(dir.ptr, '/');
            if (!slash || (size_t)(slash - dir.ptr) < wdlen) break;
            dir.len = (size_t)(slash - dir.ptr);
            dir.ptr[dir.len] = '\0';
        }
    }
    if (!found) {
        mdc_error_set(err,
                      "no mdc.yaml found in %s or any parent folder up to the repository root "
                      "(run `mdc init` to create one)",
                      real);
        goto done;
    }

    repo = calloc(1, sizeof *repo);
    if (!repo) {
        mdc_error_set(err, "out of memory");
        goto done;
    }
    repo->git = git;
    git = NULL;
    repo->root = xstrdup(rootlen ? dir.ptr : "/");
    if (rootlen) repo->root[rootlen] = '\0';

    mdc_buf tmp = MDC_BUF_INIT;
    mdc_buf_put(&tmp, wd, wdlen);
    mdc_buf_putc(&tmp, '/');
    repo->workdir = mdc_buf_detach(&tmp);

    if (rootlen > wdlen) {
        mdc_buf_put(&tmp, dir.ptr + wdlen + 1, rootlen - wdlen - 1);
        mdc_buf_putc(&tmp, '/');
        repo->prefix = mdc_buf_detach(&tmp);
    } else {
        repo->prefix = xstrdup("");
    }

    *out = repo;
    repo = NULL;
    rc = 0;
done:
    mdc_buf_free(&dir);
    mdc_repo_free(repo);
    git_repository_free(git);
    return rc;
}

void mdc_repo_free(mdc_repo *repo)
{
    if (!repo) return;
    git_repository_free(repo->git);
    free(repo->root);
    free(repo->prefix);
    free(repo->workdir);
    free(repo);
}

int mdc_repo_reopen(mdc_repo **out, const mdc_repo *src, mdc_error *err)
{
    *out = NULL;
    git_repository *git = NULL;
    if (git_repository_open_ext(&git, src->workdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
        mdc_loose_guard_install(git) < 0) {
        git_repository_free(git);
        return mdc_error_set(err, "cannot open the repository at %s: %s", src->workdir, git_msg());
    }
    mdc_repo *r = calloc(1, sizeof *r);
    if (!r) {
        git_repository_free(git);
        return mdc_error_set(err, "out of memory");
    }
    r->git = git;
    r->root = xstrdup(src->root);
    r->prefix = xstrdup(src->prefix);
    r->workdir = xstrdup(src->workdir);
    r->bare = src->bare;
    *out = r;
    return 0;
}

const char *mdc_repo_root(const mdc_repo *repo) { return repo->root; }
const char *mdc_repo_prefix(const mdc_repo *repo) { return repo->prefix; }
const char *mdc_repo_workdir(const mdc_repo *repo) { return repo->workdir; }
bool mdc_repo_is_bare(const mdc_repo *repo) { return repo->bare; }
struct git_repository *mdc_repo_git(const mdc_repo *repo) { return repo->git; }

/* ---------------------------------------------------------------- states */

/* The index a commit hook must see: GIT_INDEX_FILE when git set it (relative paths are
 * relative to the work tree, where git runs hooks), else the repository's own index. */
static int open_index(git_index **out, mdc_repo *repo, mdc_error *err)
{
    const char *env = getenv("GIT_INDEX_FILE");
    if (env && *env) {
        mdc_buf path = MDC_BUF_INIT;
        if (env[0] != '/') mdc_buf_puts(&path, repo->workdir);
        mdc_buf_puts(&path, env);
        int e = git_index_open(out, path.ptr);
        if (e < 0) mdc_error_set(err, "cannot read the index %s (GIT_INDEX_FILE): %s", path.ptr,
                                 git_msg());
        mdc_buf_free(&path);
        return e < 0 ? -1 : 0;
    }
    if (git_repository_index(out, repo->git) < 0)
        return mdc_error_set(err, "cannot open the index: %s", git_msg());
    /* The repository object may be older than the index file: reload if it changed. */
    if (git_index_read(*out, 0) < 0) {
        git_index_free(*out);
        *out = NULL;
        return mdc_error_set(err, "cannot read the index: %s", git_msg());
    }
    return 0;
}

/* True when the repository has no commit at all: HEAD is unborn and no reference exists
 * (git_repository_is_empty() in libgit2 1.5 knows only a HEAD on "master"). */
static bool no_commits(git_repository *git)
{
    if (git_repository_head_unborn(git) != 1) return false;
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    if (git_reference_iterator_new(&it, git) < 0) return false;
    bool none = git_reference_next(&ref, it) == GIT_ITEROVER;
    git_reference_free(ref);
    git_reference_iterator_free(it);
    return none;
}

/* The message for a revision that does not resolve (e: libgit2's code). */
static int rev_error(git_repository *git, const char *rev, int e, mdc_error *err)
{
    char why[512]; /* libgit2's message, before the calls below replace it */
    snprintf(why, sizeof why, "%s", git_msg());
    if (e == GIT_EAMBIGUOUS)
        return mdc_error_set(err, "ambiguous revision '%s'; use more characters of the id", rev);
    if (no_commits(git))
        return mdc_error_set(err,
                             "no commits yet: revision '%s' does not exist in a repository "
                             "without commits (commit the definitions first; `mdc check` "
                             "reads the working tree)",
                             rev);
    if (git_repository_head_unborn(git) == 1 &&
        (strncmp(rev, "HEAD", 4) == 0 || rev[0] == '@'))
        return mdc_error_set(err, "no commits yet on the current branch: revision '%s' does "
                                  "not exist", rev);
    if (git_repository_is_shallow(git) == 1) {
        /* Name a fetch that works: `origin/main` is fetched as `origin main`; a relative
         * revision (HEAD~3, x^) only by deepening. */
        char fetch[300] = "";
        const char *slash = strchr(rev, '/');
        if (strpbrk(rev, "~^@:") == NULL) {
            if (slash && slash != rev && slash[1])
                snprintf(fetch, sizeof fetch, " or `git fetch %.*s %s`", (int)(slash - rev), rev,
                         slash + 1);
            else
                snprintf(fetch, sizeof fetch, " or `git fetch origin %s`", rev);
        }
        return mdc_error_set(err,
                             "revision '%s' is not in this clone (it is shallow); fetch it, e.g. "
                             "`git fetch --deepen=50 origin`%s, or in GitHub Actions set "
                             "`fetch-depth: 0` on actions/checkout",
                             rev, fetch);
    }
    if (e == GIT_ENOTFOUND || e == GIT_EINVALIDSPEC)
        return mdc_error_set(err, "unknown revision '%s'", rev);
    return mdc_error_set(err, "cannot resolve revision '%s': %s", rev, why);
}

/* libgit2 1.5.1 leaks in git_revparse_single when the object a reference points to is
 * damaged.  So the reference a revision starts from (HEAD in HEAD~2, main in main^) is
 * resolved and its object read first: -1 (message in err) when that fails, else 0. */
static int check_start_ref(git_repository *git, const char *rev, mdc_error *err)
{
    size_t n = strcspn(rev, "~^:");
    const char *brace = strstr(rev, "@{");
    if (brace && (size_t)(brace - rev) < n) n = (size_t)(brace - rev);
    char name[256];
    if (n >= sizeof name) return 0;
    memcpy(name, rev, n);
    name[n] = '\0';
    if (n == 0 || strcmp(name, "@") == 0) snprintf(name, sizeof name, "HEAD");
    git_reference *ref = NULL, *res = NULL;
    git_object *obj = NULL;
    int rc = 0;
    if (git_reference_dwim(&ref, git, name) == 0 && git_reference_resolve(&res, ref) == 0 &&
        git_object_lookup(&obj, git, git_reference_target(res), GIT_OBJECT_ANY) < 0)
        rc = mdc_error_set(err, "cannot resolve revision '%s': %s", rev, git_msg());
    git_object_free(obj);
    git_reference_free(res);
    git_reference_free(ref);
    return rc;
}

int mdc_repo_commit(struct git_commit **out, mdc_repo *repo, const char *rev, mdc_error *err)
{
    git_object *obj = NULL;
    *out = NULL;
    if (!rev || !*rev) return mdc_error_set(err, "no revision given");
    if (check_start_ref(repo->git, rev, err) < 0) return -1;
    int e = git_revparse_single(&obj, repo->git, rev);
    if (e < 0) return rev_error(repo->git, rev, e, err);
    e = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (e < 0) {
        *out = NULL;
        return mdc_error_set(err, "revision '%s' is not a commit", rev);
    }
    return 0;
}

int mdc_repo_first_parents(struct git_oid **out, size_t *n, mdc_repo *repo, const char *rev,
                           mdc_error *err)
{
    git_commit *c = NULL;
    git_oid *v = NULL;
    size_t cap = 64;
    int rc = -1;
    *out = NULL;
    *n = 0;
    if (mdc_repo_commit(&c, repo, rev, err) < 0) goto done;
    v = malloc(cap * sizeof *v);
    if (!v) abort();
    while (c) {
        if (*n == cap) {
            cap *= 2;
            git_oid *nv = realloc(v, cap * sizeof *v);
            if (!nv) abort();
            v = nv;
        }
        git_oid_cpy(&v[(*n)++], git_commit_id(c));
        git_commit *parent = NULL;
        if (git_commit_parentcount(c) > 0 && git_commit_parent(&parent, c, 0) < 0) {
            char id[41], pid[41];
            git_oid_tostr(id, sizeof id, git_commit_id(c));
            git_oid_tostr(pid, sizeof pid, git_commit_parent_id(c, 0));
            if (git_repository_is_shallow(repo->git) == 1)
                mdc_error_set(err,
                              "the history of '%s' is cut at commit %.12s: this clone is "
                              "shallow, and derived versions need the whole first-parent "
                              "history; run `git fetch --unshallow` (in GitHub Actions set "
                              "`fetch-depth: 0` on actions/checkout), or build with "
                              "--no-history",
                              rev, id);
            else
                mdc_error_set(err, "cannot read commit %s (the first parent of %.12s): %s", pid,
                              id, git_msg());
            goto done;
        }
        git_commit_free(c);
        c = parent;
    }
    for (size_t i = 0; i < *n / 2; i++) {
        git_oid t = v[i];
        v[i] = v[*n - 1 - i];
        v[*n - 1 - i] = t;
    }
    *out = v;
    v = NULL;
    rc = 0;
done:
    if (rc < 0) *n = 0;
    git_commit_free(c);
    free(v);
    return rc;
}

static int resolve_rev(mdc_state *st, const char *rev, mdc_error *err)
{
    struct mdc_state_impl *im = st->impl;
    if (mdc_repo_commit(&im->commit, im->repo, rev, err) < 0) return -1;
    if (git_commit_tree(&im->tree, im->commit) < 0)
        return mdc_error_set(err, "cannot read the tree of revision '%s': %s", rev, git_msg());
    git_oid_tostr(st->commit, sizeof st->commit, git_commit_id(im->commit));
    git_oid_tostr(st->tree, sizeof st->tree, git_tree_id(im->tree));
    st->commit_time = (int64_t)git_commit_time(im->commit);
    return 0;
}

int mdc_state_open(mdc_state **out, mdc_repo *repo, mdc_state_kind kind, const char *rev,
                   mdc_error *err)
{
    *out = NULL;
    mdc_state *st = calloc(1, sizeof *st);
    struct mdc_state_impl *im = calloc(1, sizeof *im);
    if (!st || !im) {
        free(st);
        free(im);
        return mdc_error_set(err, "out of memory");
    }
    st->kind = kind;
    st->impl = im;
    im->repo = repo;
    if (repo->bare && kind != MDC_STATE_REV) {
        mdc_error_set(err,
                      "the repository at %s is bare: it has no work tree or index to read; give "
                      "a revision (e.g. --rev HEAD, `mdc diff A B`, `mdc build REV -o FILE`)",
                      repo->root);
        goto fail;
    }

    switch (kind) {
    case MDC_STATE_WORKTREE: st->label = "working tree"; break;
    case MDC_STATE_INDEX:
        st->label = "index";
        if (open_index(&im->index, repo, err) < 0) goto fail;
        break;
    case MDC_STATE_REV:
        if (resolve_rev(st, rev, err) < 0) goto fail;
        im->label = xstrdup(rev);
        st->label = im->label;
        break;
    default: mdc_error_set(err, "unknown state kind %d", (int)kind); goto fail;
    }
    *out = st;
    return 0;
fail:
    mdc_state_free(st);
    return -1;
}

void mdc_state_free(mdc_state *st)
{
    if (!st) return;
    struct mdc_state_impl *im = st->impl;
    if (im) {
        git_index_free(im->index);
        git_tree_free(im->tree);
        git_commit_free(im->commit);
        free(im->label);
        free(im->paths);
        free(im->gone);
        free(im->gone_paths);
        free(im);
    }
    free(st->files);
    free(st);
}

/* ---------------------------------------------------------------- reading one path */

/* Reads a whole open file descriptor into out (replacing its content); known is its
 * fstat, or NULL to ask for it here. */
static int read_fd(int fd, mdc_buf *out, const struct stat *known)
{
    struct stat sb;
    mdc_buf_clear(out);
    /* One allocation when the size is known (plus one byte so that EOF is seen without
     * growing); buffers are reused across files, so this rarely allocates at all. */
    if (!known && fstat(fd, &sb) == 0) known = &sb;
    if (known && S_ISREG(known->st_mode) && known->st_size > 0)
        mdc_buf_grow(out, (size_t)known->st_size + 1);
    for (;;) {
        if (out->cap == 0 || out->cap - out->len - 1 == 0) mdc_buf_grow(out, 4096);
        ssize_t n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) break;
        out->len += (size_t)n;
    }
    out->ptr[out->len] = '\0';
    return 0;
}

static int copy_blob(git_repository *git, const git_oid *id, const char *path, mdc_buf *out,
                     mdc_error *err)
{
    git_blob *blob = NULL;
    if (git_blob_lookup(&blob, git, id) < 0)
        return mdc_error_set(err, "cannot read %s: %s", path, git_msg());
    mdc_buf_clear(out);
    mdc_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
    git_blob_free(blob);
    return 0;
}

static const char *kind_noun(int kind)
{
    return kind == MDC_FILE_SYMLINK ? "a symlink" : kind == MDC_FILE_SUBMODULE ? "a submodule"
                                                                                 : "not a file";
}

int mdc_state_read_path(mdc_state *st, const char *path, mdc_buf *out, mdc_error *err)
{
    struct mdc_state_impl *im = st->impl;
    mdc_repo *repo = im->repo;
    mdc_buf full = MDC_BUF_INIT;
    int rc = -1;

    if (st->kind == MDC_STATE_WORKTREE) {
        struct stat sb;
        mdc_buf_printf(&full, "%s/%s", repo->root, path);
        if (lstat(full.ptr, &sb) < 0) {
            if (errno == ENOENT || errno == ENOTDIR) rc = 0;
            else mdc_error_set(err, "cannot read %s: %s", path, strerror(errno));
            goto done;
        }
        if (S_ISLNK(sb.st_mode) || !S_ISREG(sb.st_mode)) {
            mdc_error_set(err, "cannot read %s: it is %s", path,
                          S_ISLNK(sb.st_mode) ? "a symlink" : "not a regular file");
            goto done;
        }
        int fd = open(full.ptr, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || read_fd(fd, out, NULL) < 0) {
            mdc_error_set(err, "cannot read %s: %s", path, strerror(errno));
            if (fd >= 0) close(fd);
            goto done;
        }
        close(fd);
        rc = 1;
        goto done;
    }

    mdc_buf_printf(&full, "%s%s", repo->prefix, path);
    if (st->kind == MDC_STATE_INDEX) {
        const git_index_entry *ie = git_index_get_bypath(im->index, full.ptr, 0);
        if (!ie) {
            rc = 0;
            goto done;
        }
        int kind = kind_of_mode(ie->mode, path);
        if (kind != MDC_FILE_YAML && kind != MDC_FILE_OTHER) {
            mdc_error_set(err, "cannot read %s from the index: it is %s", path, kind_noun(kind));
            goto done;
        }
        if (copy_blob(repo->git, &ie->id, path, out, err) < 0) goto done;
        rc = 1;
    } else {
        git_tree_entry *te = NULL;
        int e = git_tree_entry_bypath(&te, im->tree, full.ptr);
        if (e == GIT_ENOTFOUND) {
            rc = 0;
            goto done;
        }
        if (e < 0) {
            mdc_error_set(err, "cannot read %s at %s: %s", path, st->label, git_msg());
            goto done;
        }
        int kind = kind_of_mode(git_tree_entry_filemode(te), path);
        if (kind != MDC_FILE_YAML && kind != MDC_FILE_OTHER) {
            mdc_error_set(err, "cannot read %s at %s: it is %s", path, st->label,
                          kind_noun(kind));
            git_tree_entry_free(te);
            goto done;
        }
        e = copy_blob(repo->git, git_tree_entry_id(te), path, out, err);
        git_tree_entry_free(te);
        if (e < 0) goto done;
        rc = 1;
    }
done:
    mdc_buf_free(&full);
    return rc;
}

/* ---------------------------------------------------------------- names */

/* The length of the valid UTF-8 sequence at s[0..n) (no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 when there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80) return 1;
    size_t len = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (s[0] == 0xe0 && s[1] < 0xa0) return 0; /* overlong */
    if (s[0] == 0xed && s[1] >= 0xa0) return 0; /* surrogate */
    if (s[0] == 0xf0 && s[1] < 0x90) return 0; /* overlong */
    if (s[0] == 0xf4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
    return len;
}

static bool is_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(p + i, n - i);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

/* s[0..n) as UTF-8 text that can be shown and stored: valid sequences stay, every other
 * byte, C0 controls and DEL become \xNN, a backslash \\; with slash, '/' too (an entry
 * name containing '/' must not read as a path). */
static void put_escaped(mdc_buf *out, const char *s, size_t n, bool slash)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_len(p + i, n - i);
        if (k == 1 && p[i] == '\\') {
            mdc_buf_puts(out, "\\\\");
        } else if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f || (slash && p[i] == '/')))) {
            mdc_buf_printf(out, "\\x%02X", p[i]);
            k = 1;
        } else {
            mdc_buf_put(out, s + i, k);
        }
        i += k;
    }
    mdc_buf_grow(out, 0);
    out->ptr[out->len] = '\0';
}

/* True when name is ".git" as a file system may read it: in any case, with trailing dots
 * or spaces (NTFS), as its short name GIT~1 (NTFS), or with code points HFS+ ignores
 * (U+200C..U+200F, U+202A..U+202E, U+206A..U+206F, U+FEFF) anywhere in it. */
static bool is_dotgit(const char *name)
{
    char plain[16];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)name;
    while (*p) {
        if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8c && p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae))) {
            p += 3;
            continue;
        }
        if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xaa && p[2] <= 0xaf) {
            p += 3;
            continue;
        }
        if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
            p += 3;
            continue;
        }
        if (n == sizeof plain - 1) return false;
        char c = (char)*p++;
        plain[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    while (n > 4 && (plain[n - 1] == '.' || plain[n - 1] == ' ')) n--;
    plain[n] = '\0';
    return strcmp(plain, ".git") == 0 || strcmp(plain, "git~1") == 0;
}

/* Why git refuses the tree entry name (git fsck reports it; git never checks it out), or
 * NULL when it is a name git accepts. */
static const char *bad_entry_name(const char *name)
{
    if (!*name) return "an empty name";
    if (strchr(name, '/')) return "a name containing '/'";
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return "a '.' or '..' entry";
    if (is_dotgit(name)) return "a '.git' entry";
    return NULL;
}

/* Fails (-1, message in err) for a tree entry whose name git refuses, naming the commit
 * and the folder, the name escaped; 0 otherwise.  rel: the folder's path, relative to the
 * project root. */
static int check_entry(const git_tree_entry *te, const mdc_state *st, const char *rel,
                       mdc_error *err)
{
    const char *name = git_tree_entry_name(te);
    const char *why = bad_entry_name(name);
    if (!why) return 0;
    mdc_buf esc = MDC_BUF_INIT;
    put_escaped(&esc, name, strlen(name), true);
    mdc_error_set(err,
                  "commit %.12s: the folder '%s' has a tree entry \"%s\", %s, which git refuses "
                  "(git fsck reports it); mdc does not read this revision",
                  st->commit, *rel ? rel : ".", esc.ptr, why);
    mdc_buf_free(&esc);
    return -1;
}

/* ---------------------------------------------------------------- listing */

typedef struct lister {
    mdc_state *st;
    mdc_repo *repo;
    pending_file *v;
    size_t n, cap;
    mdc_buf paths;      /* NUL-separated, relative to the project root */
    git_index *repo_index; /* WORKTREE: to keep tracked files that match .gitignore */
    mdc_buf scratch;
    mdc_error *err;
} lister;

/* Records a file; rel is relative to the project root.  A path that is not UTF-8 is
 * recorded escaped, as MDC_FILE_BAD_NAME. */
static void add_file(lister *l, const char *rel, size_t rellen, const git_oid *id,
                     mdc_file_kind kind)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        pending_file *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            fputs("mdc: out of memory\n", stderr);
            abort();
        }
        l->v = v;
        l->cap = cap;
    }
    pending_file *f = &l->v[l->n++];
    f->path_off = l->paths.len;
    f->kind = kind;
    if (id) git_oid_tostr(f->oid, sizeof f->oid, id);
    else f->oid[0] = '\0';
    if (is_utf8(rel, rellen)) {
        mdc_buf_put(&l->paths, rel, rellen);
    } else {
        /* never read: listed under its escaped name for the driver to report */
        f->kind = MDC_FILE_BAD_NAME;
        f->oid[0] = '\0';
        put_escaped(&l->paths, rel, rellen, false);
    }
    mdc_buf_putc(&l->paths, '\0');
}

/* -- the index: entries are sorted by path, so one prefix search finds a folder's run. */

static void list_index(lister *l, const char *full)
{
    git_index *idx = l->st->impl->index;
    size_t plen = strlen(l->repo->prefix);
    size_t flen = strlen(full);
    size_t count = git_index_entrycount(idx);
    size_t pos = 0;

    /* full itself may be a file, a symlink or a submodule (only when a folder was named:
     * otherwise full is the project root, which is a folder) */
    if (flen > plen) {
        const git_index_entry *ie = git_index_get_bypath(idx, full, 0);
        if (!ie) ie = git_index_get_bypath(idx, full, 2);
        if (ie && !(ie->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD)) {
            int kind = kind_of_mode(ie->mode, ie->path);
            if (kind >= 0) add_file(l, ie->path + plen, strlen(ie->path) - plen, &ie->id, kind);
            return;
        }
    }

    mdc_buf dirp = MDC_BUF_INIT;
    mdc_buf_puts(&dirp, full);
    if (flen > 0) mdc_buf_putc(&dirp, '/');
    if (git_index_find_prefix(&pos, idx, dirp.ptr) < 0) pos = count;
    for (; pos < count; pos++) {
        const git_index_entry *ie = git_index_get_byindex(idx, pos);
        if (strncmp(ie->path, dirp.ptr, dirp.len) != 0) break;
        int stage = GIT_INDEX_ENTRY_STAGE(ie);
        if (stage != 0 && stage != 2) continue; /* in a conflict: take "ours" */
        if (ie->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD) continue; /* not staged */
        int kind = kind_of_mode(ie->mode, ie->path);
        if (kind < 0) continue;
        add_file(l, ie->path + plen, strlen(ie->path) - plen, &ie->id, kind);
    }
    mdc_buf_free(&dirp);
}

/* -- a revision: recursive iteration of tree entries, building the path as we go. */

static int walk_tree(lister *l, const git_tree *tree, mdc_buf *rel)
{
    git_repository *git = l->repo->git;
    size_t n = git_tree_entrycount(tree);
    size_t base = rel->len;
    for (size_t i = 0; i < n; i++) {
        const git_tree_entry *te = git_tree_entry_byindex(tree, i);
        const char *name = git_tree_entry_name(te);
        rel->len = base;
        if (rel->ptr) rel->ptr[base] = '\0';
        if (check_entry(te, l->st, rel->ptr ? rel->ptr : "", l->err) < 0) return -1;
        if (base > 0) mdc_buf_putc(rel, '/');
        mdc_buf_puts(rel, name);
        git_filemode_t mode = git_tree_entry_filemode(te);
        if (mode == GIT_FILEMODE_TREE) {
            git_tree *sub = NULL;
            if (git_tree_lookup(&sub, git, git_tree_entry_id(te)) < 0)
                return mdc_error_set(l->err, "cannot read folder %s at %s: %s", rel->ptr,
                                     l->st->label, git_msg());
            int rc = walk_tree(l, sub, rel);
            git_tree_free(sub);
            if (rc < 0) return rc;
            continue;
        }
        int kind = kind_of_mode(mode, name);
        if (kind >= 0) add_file(l, rel->ptr, rel->len, git_tree_entry_id(te), kind);
    }
    rel->len = base;
    if (rel->ptr) rel->ptr[base] = '\0';
    return 0;
}

static int list_rev(lister *l, const char *full, const char *dir)
{
    git_tree *root = l->st->impl->tree;
    mdc_buf rel = MDC_BUF_INIT;
    int rc = 0;

    mdc_buf_puts(&rel, dir);
    if (*full == '\0') {
        rc = walk_tree(l, root, &rel);
        goto done;
    }
    git_tree_entry *te = NULL;
    int e = git_tree_entry_bypath(&te, root, full);
    if (e == GIT_ENOTFOUND) goto done;
    if (e < 0) {
        rc = mdc_error_set(l->err, "cannot read folder %s at %s: %s", dir, l->st->label,
                           git_msg());
        goto done;
    }
    git_filemode_t mode = git_tree_entry_filemode(te);
    if (mode == GIT_FILEMODE_TREE) {
        git_tree *sub = NULL;
        if (git_tree_lookup(&sub, l->repo->git, git_tree_entry_id(te)) < 0) {
            rc = mdc_error_set(l->err, "cannot read folder %s at %s: %s", dir, l->st->label,
                               git_msg());
        } else {
            rc = walk_tree(l, sub, &rel);
            git_tree_free(sub);
        }
    } else {
        int kind = kind_of_mode(mode, dir);
        if (kind >= 0) add_file(l, dir, strlen(dir), git_tree_entry_id(te), kind);
    }
    git_tree_entry_free(te);
done:
    mdc_buf_free(&rel);
    return rc;
}

/* -- the working tree: readdir, never following symlinks, pruning ignored folders. */

/* True when wtpath (relative to the work tree) is ignored and untracked.  A tracked file
 * stays listed even if it matches .gitignore, as in `git status`.  The tracked test comes
 * first: it is a binary search in the index, much cheaper than evaluating ignore rules,
 * and in a typical repository every model file is tracked. */
static bool ignored(lister *l, const char *wtpath, bool is_dir)
{
    if (l->repo_index) {
        if (!is_dir) {
            if (git_index_get_bypath(l->repo_index, wtpath, 0) != NULL) return false;
        } else {
            mdc_buf_clear(&l->scratch);
            mdc_buf_printf(&l->scratch, "%s/", wtpath);
            size_t pos;
            if (git_index_find_prefix(&pos, l->repo_index, l->scratch.ptr) == 0) return false;
        }
    }
    int ign = 0;
    return git_ignore_path_is_ignored(&ign, l->repo->git, wtpath) == 0 && ign;
}

/* abs: absolute path of the directory; wtoff: where the work-tree-relative part starts in
 * abs; rootoff: where the project-relative part starts. */
static int walk_dir(lister *l, mdc_buf *abs, size_t wtoff, size_t rootoff)
{
    DIR *d = opendir(abs->ptr);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) return 0;
        return mdc_error_set(l->err, "cannot list folder %s: %s", abs->ptr, strerror(errno));
    }
    size_t base = abs->len;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, ".git") == 0)
            continue;
        abs->len = base;
        mdc_buf_putc(abs, '/');
        mdc_buf_puts(abs, name);
        /* d_type saves an lstat per entry where the file system provides it */
        struct stat sb;
        switch (de->d_type) {
        case DT_REG: sb.st_mode = S_IFREG; break;
        case DT_DIR: sb.st_mode = S_IFDIR; break;
        case DT_LNK: sb.st_mode = S_IFLNK; break;
        default:
            if (lstat(abs->ptr, &sb) < 0) continue; /* vanished meanwhile */
        }
        const char *wt = abs->ptr + wtoff;
        const char *rel = abs->ptr + rootoff;
        size_t rellen = abs->len - rootoff;
        if (S_ISLNK(sb.st_mode)) {
            if (!ignored(l, wt, false)) add_file(l, rel, rellen, NULL, MDC_FILE_SYMLINK);
        } else if (S_ISREG(sb.st_mode)) {
            if (!ignored(l, wt, false)) add_file(l, rel, rellen, NULL, kind_of_regular(name));
        } else if (S_ISDIR(sb.st_mode)) {
            if (ignored(l, wt, true)) continue;
            size_t n = abs->len;
            mdc_buf_puts(abs, "/.git");
            struct stat gs;
            bool submodule = lstat(abs->ptr, &gs) == 0;
            abs->len = n;
            abs->ptr[n] = '\0';
            if (submodule) {
                add_file(l, rel, rellen, NULL, MDC_FILE_SUBMODULE);
            } else {
                rc = walk_dir(l, abs, wtoff, rootoff);
                if (rc < 0) break;
            }
        }
        /* fifos, sockets and devices are not files git would track: left out */
    }
    closedir(d);
    abs->len = base;
    abs->ptr[base] = '\0';
    return rc;
}

static int list_worktree(lister *l, const char *dir)
{
    mdc_repo *repo = l->repo;
    mdc_buf abs = MDC_BUF_INIT;
    size_t wtoff = strlen(repo->workdir);
    size_t rootoff = strlen(repo->root) + 1;
    int rc = 0;

    /* Walk down component by component so that a symlink on the way is never followed
     * (git would store it as a symlink, not a folder). */
    mdc_buf_puts(&abs, repo->root);
    const char *p = dir;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        mdc_buf_putc(&abs, '/');
        mdc_buf_put(&abs, p, n);
        p += n;
        if (*p == '/') p++;
        struct stat sb;
        if (lstat(abs.ptr, &sb) < 0) goto done; /* does not exist: nothing to list */
        const char *wt = abs.ptr + wtoff;
        bool last = *p == '\0';
        if (S_ISDIR(sb.st_mode)) {
            if (ignored(l, wt, true)) goto done;
            size_t len = abs.len;
            mdc_buf_puts(&abs, "/.git");
            struct stat gs;
            bool submodule = lstat(abs.ptr, &gs) == 0;
            abs.len = len;
            abs.ptr[len] = '\0';
            if (submodule) {
                /* git sees only the gitlink, never the files inside */
                if (last)
                    add_file(l, abs.ptr + rootoff, abs.len - rootoff, NULL, MDC_FILE_SUBMODULE);
                goto done;
            }
            if (!last) continue;
            rc = walk_dir(l, &abs, wtoff, rootoff);
            goto done;
        }
        if (!last) goto done; /* a file or symlink in the middle of the path */
        if (ignored(l, wt, false)) goto done;
        if (S_ISLNK(sb.st_mode))
            add_file(l, abs.ptr + rootoff, abs.len - rootoff, NULL, MDC_FILE_SYMLINK);
        else if (S_ISREG(sb.st_mode))
            add_file(l, abs.ptr + rootoff, abs.len - rootoff, NULL, kind_of_regular(dir));
        goto done;
    }
    /* dir is the project root itself */
    rc = walk_dir(l, &abs, wtoff, rootoff);
done:
    mdc_buf_free(&abs);
    return rc;
}

/* Normalises a folder given relative to the project root: no "./", no trailing or
 * doubled '/'; "" for the root itself. */
static void normalise_dir(const char *dir, mdc_buf *out)
{
    mdc_buf_clear(out);
    const char *p = dir;
    while (*p) {
        while (*p == '/') p++;
        const char *e = p;
        while (*e && *e != '/') e++;
        size_t n = (size_t)(e - p);
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (out->len) mdc_buf_putc(out, '/');
            mdc_buf_put(out, p, n);
        }
        p = e;
    }
    mdc_buf_grow(out, 0);
    out->ptr[out->len] = '\0';
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const mdc_file *)a)->path, ((const mdc_file *)b)->path);
}

/* The lister's files, their paths fixed up into `paths` (its buffer, detached: it no longer
 * moves), sorted by path; NULL when out of memory. */
static mdc_file *listed_files(const lister *l, char *paths)
{
    mdc_file *files = malloc((l->n ? l->n : 1) * sizeof *files);
    if (!files) return NULL;
    for (size_t i = 0; i < l->n; i++) {
        files[i].path = paths + l->v[i].path_off;
        memcpy(files[i].oid, l->v[i].oid, sizeof files[i].oid);
        files[i].kind = l->v[i].kind;
    }
    if (l->n > 1) qsort(files, l->n, sizeof *files, cmp_files);
    return files;
}

/* full = the project prefix + dir (normalised), relative to the work tree, without a
 * trailing '/' ("" for the root of the work tree). */
static void full_dir(const mdc_repo *repo, const char *dir, mdc_buf *full)
{
    mdc_buf_clear(full);
    mdc_buf_puts(full, repo->prefix);
    if (*dir) mdc_buf_puts(full, dir);
    else if (full->len) full->ptr[--full->len] = '\0'; /* drop the prefix's trailing '/' */
    mdc_buf_grow(full, 0); /* never NULL, always terminated */
    full->ptr[full->len] = '\0';
}

int mdc_state_list(mdc_state *st, const char *const *dirs, size_t ndirs, mdc_error *err)
{
    struct mdc_state_impl *im = st->impl;
    lister l = {.st = st, .repo = im->repo, .err = err};
    mdc_buf dir = MDC_BUF_INIT, full = MDC_BUF_INIT;
    int rc = -1;

    if (st->kind == MDC_STATE_WORKTREE) {
        /* Only to tell tracked from untracked ignored files; a missing index is fine. */
        if (git_repository_index(&l.repo_index, im->repo->git) == 0)
            git_index_read(l.repo_index, 0);
        else
            l.repo_index = NULL;
    }

    for (size_t i = 0; i < ndirs; i++) {
        normalise_dir(dirs[i], &dir);
        full_dir(im->repo, dir.ptr, &full);
        int e = 0;
        switch (st->kind) {
        case MDC_STATE_WORKTREE: e = list_worktree(&l, dir.ptr); break;
        case MDC_STATE_INDEX: list_index(&l, full.ptr); break;
        case MDC_STATE_REV: e = list_rev(&l, full.ptr, dir.ptr); break;
        }
        if (e < 0) goto done;
    }

    /* Fix up the paths now that the buffer no longer moves, sort, drop duplicates. */
    char *paths = mdc_buf_detach(&l.paths);
    mdc_file *files = listed_files(&l, paths);
    if (!files) {
        free(paths);
        mdc_error_set(err, "out of memory");
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++)
        if (n == 0 || strcmp(files[n - 1].path, files[i].path) != 0) files[n++] = files[i];

    free(st->files);
    free(im->paths);
    st->files = files;
    st->nfiles = n;
    im->paths = paths;
    rc = 0;
done:
    free(l.v);
    mdc_buf_free(&l.paths);
    mdc_buf_free(&l.scratch);
    git_index_free(l.repo_index);
    mdc_buf_free(&dir);
    mdc_buf_free(&full);
    return rc;
}

/* ---------------------------------------------------------------- changes */

/* The tree at full (relative to the work tree; "" = the root) in root: 1 and *out, 0 when
 * there is nothing at full, -1 when full is not a folder (or cannot be read). */
static int subtree(git_repository *git, git_tree *root, const char *full, git_tree **out)
{
    *out = NULL;
    if (!*full) return git_tree_dup(out, root) == 0 ? 1 : -1;
    git_tree_entry *te = NULL;
    int e = git_tree_entry_bypath(&te, root, full);
    if (e == GIT_ENOTFOUND) return 0;
    if (e < 0) return -1;
    int rc = -1;
    if (git_tree_entry_filemode(te) == GIT_FILEMODE_TREE)
        rc = git_tree_lookup(out, git, git_tree_entry_id(te)) == 0 ? 1 : -1;
    git_tree_entry_free(te);
    return rc;
}

/* True when folder a (normalised) is b or holds it. */
static bool dir_covers(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == 0 || (strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/'));
}

static int cmp_path_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Where mdc_state_list_changes collects: files present at the state go to the lister,
 * paths only at the base to gone. */
typedef struct changes {
    lister *l;
    mdc_buf gone;     /* NUL-separated paths */
    size_t *gone_off; /* each one's offset in gone */
    size_t ng, gcap;
    const mdc_state *base; /* for the messages */
    bool refused;          /* a tree entry git refuses was met: the message is in l->err */
} changes;

static void add_gone(changes *ch, const char *rel, size_t len)
{
    if (ch->ng == ch->gcap) {
        ch->gcap = ch->gcap ? 2 * ch->gcap : 16;
        size_t *v = realloc(ch->gone_off, ch->gcap * sizeof *v);
        if (!v) abort();
        ch->gone_off = v;
    }
    ch->gone_off[ch->ng++] = ch->gone.len;
    if (is_utf8(rel, len)) mdc_buf_put(&ch->gone, rel, len);
    else put_escaped(&ch->gone, rel, len, false); /* as add_file lists it */
    mdc_buf_putc(&ch->gone, '\0');
}

/* git orders tree entries by name, a folder's name compared as if it ended in '/'. */
static int entry_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
    const unsigned char *x = (const unsigned char *)git_tree_entry_name(a);
    const unsigned char *y = (const unsigned char *)git_tree_entry_name(b);
    while (*x && *x == *y) x++, y++;
    int cx = *x ? *x : git_tree_entry_filemode(a) == GIT_FILEMODE_TREE ? '/' : 0;
    int cy = *y ? *y : git_tree_entry_filemode(b) == GIT_FILEMODE_TREE ? '/' : 0;
    return cx - cy;
}

static int compare_trees(changes *ch, git_repository *git, const git_tree *a, const git_tree *b,
                         mdc_buf *rel);

/* Entry e (of the base when `gone`, else of the state) at rel + name: every file it holds
 * is gone or present. */
static int whole_entry(changes *ch, git_repository *git, const git_tree_entry *e, bool gone,
                       mdc_buf *rel)
{
    size_t base = rel->len;
    if (base) mdc_buf_putc(rel, '/');
    const char *name = git_tree_entry_name(e);
    mdc_buf_puts(rel, name);
    git_filemode_t mode = git_tree_entry_filemode(e);
    int rc = 0;
    if (mode == GIT_FILEMODE_TREE) {
        git_tree *t = NULL;
        if (git_tree_lookup(&t, git, git_tree_entry_id(e)) < 0) rc = -1;
        else rc = compare_trees(ch, git, gone ? t : NULL, gone ? NULL : t, rel);
        git_tree_free(t);
    } else {
        int kind = kind_of_mode(mode, name);
        if (kind >= 0 && gone) add_gone(ch, rel->ptr, rel->len);
        else if (kind >= 0) add_file(ch->l, rel->ptr, rel->len, git_tree_entry_id(e), (mdc_file_kind)kind);
    }
    rel->len = base;
    if (rel->ptr) rel->ptr[base] = '\0';
    return rc;
}

/* One merge pass over the entries of a (the base's; NULL = none) and b (the state's):
 * equal entries are skipped, folders that differ compared in turn.  rel: the folder,
 * relative to the project root. */
static int compare_trees(changes *ch, git_repository *git, const git_tree *a, const git_tree *b,
                         mdc_buf *rel)
{
    size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
        const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
        if ((ea && check_entry(ea, ch->base, rel->ptr ? rel->ptr : "", ch->l->err) < 0) ||
            (eb && check_entry(eb, ch->l->st, rel->ptr ? rel->ptr : "", ch->l->err) < 0)) {
            ch->refused = true;
            return -1;
        }
        int c = !ea ? 1 : !eb ? -1 : entry_cmp(ea, eb);
        if (c == 0) {
            i++, j++;
            git_filemode_t ma = git_tree_entry_filemode(ea), mb = git_tree_entry_filemode(eb);
            if (ma == mb && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb))) continue;
            if (ma == GIT_FILEMODE_TREE && mb == GIT_FILEMODE_TREE) {
                git_tree *ta = NULL, *tb = NULL;
                size_t base = rel->len;
                if (base) mdc_buf_putc(rel, '/');
                mdc_buf_puts(rel, git_tree_entry_name(ea));
                int rc = -1;
                if (git_tree_lookup(&ta, git, git_tree_entry_id(ea)) == 0 &&
                    git_tree_lookup(&tb, git, git_tree_entry_id(eb)) == 0)
                    rc = compare_trees(ch, git, ta, tb, rel);
                git_tree_free(ta);
                git_tree_free(tb);
                rel->len = base;
                if (rel->ptr) rel->ptr[base] = '\0';
                if (rc < 0) return -1;
                continue;
            }
            /* one path, other content or another type */
            if (whole_entry(ch, git, ea, true, rel) < 0 || whole_entry(ch, git, eb, false, rel) < 0)
                return -1;
        } else if (c < 0) {
            i++;
            if (whole_entry(ch, git, ea, true, rel) < 0) return -1;
        } else {
            j++;
            if (whole_entry(ch, git, eb, false, rel) < 0) return -1;
        }
    }
    return 0;
}

/* mdc_state_list_changes against a base that has no tree (the working tree, the index):
 * st is listed in full and compared with the base's list, path by path.  A file the base
 * listed without a blob id (one it skipped) counts as changed. */
static int changes_by_listing(mdc_state *st, const mdc_state *base, const char *const *dirs,
                              size_t ndirs, const char ***gone, size_t *ngone, mdc_error *err)
{
    if (mdc_state_list(st, dirs, ndirs, err) < 0) return -1;
    struct mdc_state_impl *im = st->impl;
    const char **gv = malloc((base->nfiles + 1) * sizeof *gv);
    if (!gv) abort();
    size_t n = 0, ng = 0, i = 0, j = 0;
    while (i < st->nfiles || j < base->nfiles) {
        const mdc_file *f = i < st->nfiles ? &st->files[i] : NULL;
        const mdc_file *b = j < base->nfiles ? &base->files[j] : NULL;
        int c = !f ? 1 : !b ? -1 : strcmp(f->path, b->path);
        if (c > 0) {
            gv[ng++] = b->path; /* the base's text: copied below into a block st owns */
            j++;
            continue;
        }
        if (c == 0) j++;
        i++;
        if (c == 0 && f->kind == b->kind && b->oid[0] && strcmp(f->oid, b->oid) == 0) continue;
        st->files[n++] = *f;
    }
    st->nfiles = n;
    /* the gone paths belong to the base: copy them into one block st owns */
    size_t len = 0;
    for (size_t k = 0; k < ng; k++) len += strlen(gv[k]) + 1;
    char *block = malloc(len + 1), *p = block;
    if (!block) abort();
    for (size_t k = 0; k < ng; k++) {
        size_t l = strlen(gv[k]) + 1;
        memcpy(p, gv[k], l);
        gv[k] = p;
        p += l;
    }
    free(im->gone);
    free(im->gone_paths);
    im->gone = gv;
    im->gone_paths = block;
    if (gone) *gone = gv;
    if (ngone) *ngone = ng;
    return 1;
}

int mdc_state_list_changes(mdc_state *st, const mdc_state *base, const char *const *dirs,
                           size_t ndirs, const char ***gone, size_t *ngone, mdc_error *err)
{
    struct mdc_state_impl *im = st->impl;
    git_repository *git = im->repo->git;
    if (st->kind != MDC_STATE_REV || !im->tree) return 0;
    if (base->kind != MDC_STATE_REV) return changes_by_listing(st, base, dirs, ndirs, gone, ngone, err);
    git_oid base_id;
    if (git_oid_fromstr(&base_id, base->tree) < 0) return 0;

    mdc_buf *norm = calloc(ndirs ? ndirs : 1, sizeof *norm);
    if (!norm) return mdc_error_set(err, "out of memory");
    for (size_t i = 0; i < ndirs; i++) normalise_dir(dirs[i], &norm[i]);
    int rc = 1;
    for (size_t i = 0; i < ndirs && rc == 1; i++)
        for (size_t k = 0; k < ndirs && rc == 1; k++)
            if (i != k && dir_covers(norm[i].ptr, norm[k].ptr)) rc = 0; /* overlapping folders */

    lister l = {.st = st, .repo = im->repo, .err = err};
    changes ch = {&l, MDC_BUF_INIT, NULL, 0, 0, base, false};
    mdc_buf full = MDC_BUF_INIT, rel = MDC_BUF_INIT;
    git_tree *old_root = NULL;
    if (rc == 1 && git_tree_lookup(&old_root, git, &base_id) < 0)
        rc = mdc_error_set(err, "cannot read the tree of %s: %s", base->label, git_msg());
    for (size_t i = 0; i < ndirs && rc == 1; i++) {
        const char *dir = norm[i].ptr;
        full_dir(im->repo, dir, &full);
        git_tree *a = NULL, *b = NULL;
        int ea = subtree(git, old_root, full.ptr, &a), eb = subtree(git, im->tree, full.ptr, &b);
        if (ea < 0 || eb < 0) {
            rc = 0; /* a file, not a folder, on one side: list in full */
        } else if ((a || b) && !(a && b && git_oid_equal(git_tree_id(a), git_tree_id(b)))) {
            mdc_buf_clear(&rel);
            mdc_buf_puts(&rel, dir);
            if (compare_trees(&ch, git, a, b, &rel) < 0)
                rc = ch.refused ? -1
                                : mdc_error_set(err, "cannot compare %s with %s: %s", base->label,
                                                st->label, git_msg());
        }
        git_tree_free(a);
        git_tree_free(b);
    }

    if (rc == 1) {
        /* One buffer for both lists: the files' paths, then the gone ones. */
        size_t flen = l.paths.len;
        mdc_buf_put(&l.paths, ch.gone.ptr ? ch.gone.ptr : "", ch.gone.len);
        mdc_buf_putc(&l.paths, '\0');
        char *paths = mdc_buf_detach(&l.paths);
        mdc_file *files = listed_files(&l, paths);
        const char **gv = malloc((ch.ng ? ch.ng : 1) * sizeof *gv);
        if (!files || !gv) abort();
        /* A path deleted as one thing and added as another (a type change) is present. */
        size_t n = 0;
        for (size_t i = 0; i < ch.ng; i++) {
            const char *g = paths + flen + ch.gone_off[i];
            mdc_file key = {g, "", MDC_FILE_YAML};
            if (!l.n || !bsearch(&key, files, l.n, sizeof *files, cmp_files)) gv[n++] = g;
        }
        if (n > 1) qsort(gv, n, sizeof *gv, cmp_path_ptr);
        free(st->files);
        free(im->paths);
        free(im->gone);
        free(im->gone_paths);
        st->files = files;
        st->nfiles = l.n;
        im->paths = paths;
        im->gone = gv;
        im->gone_paths = NULL; /* the gone paths are in paths */
        if (gone) *gone = gv;
        if (ngone) *ngone = n;
    }
    git_tree_free(old_root);
    for (size_t i = 0; i < ndirs; i++) mdc_buf_free(&norm[i]);
    free(norm);
    free(l.v);
    free(ch.gone_off);
    mdc_buf_free(&l.paths);
    mdc_buf_free(&ch.gone);
    mdc_buf_free(&full);
    mdc_buf_free(&rel);
    return rc;
}

int mdc_state_path_oid(mdc_state *st, const char *path, char out[41])
{
    out[0] = '\0';
    if (st->kind != MDC_STATE_REV || !st->impl->tree) return -1;
    mdc_buf full = MDC_BUF_INIT;
    mdc_buf_puts(&full, st->impl->repo->prefix);
    mdc_buf_puts(&full, path);
    git_tree_entry *te = NULL;
    if (git_tree_entry_bypath(&te, st->impl->tree, full.ptr) == 0) {
        if (git_tree_entry_type(te) == GIT_OBJECT_BLOB)
            git_oid_tostr(out, 41, git_tree_entry_id(te));
        git_tree_entry_free(te);
    }
    mdc_buf_free(&full);
    return 0;
}

/* ---------------------------------------------------------------- readers */

int mdc_reader_open(mdc_reader **out, mdc_state *st, mdc_error *err)
{
    *out = NULL;
    mdc_reader *r = calloc(1, sizeof *r);
    if (!r) return mdc_error_set(err, "out of memory");
    r->st = st;
    r->rootfd = -1;
    if (st->kind == MDC_STATE_WORKTREE) {
        /* Opening each file relative to the root saves the kernel walking the root's own
         * path ten thousand times. */
        r->rootfd = open(st->impl->repo->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r->rootfd < 0) {
            mdc_error_set(err, "cannot open %s: %s", st->impl->repo->root, strerror(errno));
            mdc_reader_free(r);
            return -1;
        }
    } else {
        const char *wd = st->impl->repo->workdir;
        if (git_repository_open_ext(&r->git, wd, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
            mdc_loose_guard_install(r->git) < 0 || git_repository_odb(&r->odb, r->git) < 0) {
            mdc_error_set(err, "cannot open the repository at %s: %s", wd, git_msg());
            mdc_reader_free(r);
            return -1;
        }
    }
    *out = r;
    return 0;
}

void mdc_reader_free(mdc_reader *r)
{
    if (!r) return;
    git_odb_free(r->odb);
    git_repository_free(r->git);
    if (r->rootfd >= 0) close(r->rootfd);
    free(r);
}

int mdc_reader_read(mdc_reader *r, mdc_file *f, mdc_buf *out, mdc_error *err)
{
    if (r->st->kind == MDC_STATE_WORKTREE) {
        int fd = openat(r->rootfd, f->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ELOOP) return mdc_error_set(err, "cannot read %s: it is a symlink",
                                                     f->path);
            return mdc_error_set(err, "cannot read %s: %s", f->path, strerror(errno));
        }
        struct stat sb;
        if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
            close(fd);
            return mdc_error_set(err, "cannot read %s: not a regular file", f->path);
        }
        if (read_fd(fd, out, &sb) < 0) {
            int e = errno;
            close(fd);
            return mdc_error_set(err, "cannot read %s: %s", f->path, strerror(e));
        }
        close(fd);
        git_oid id;
        if (git_odb_hash(&id, out->ptr, out->len, GIT_OBJECT_BLOB) < 0)
            return mdc_error_set(err, "cannot hash %s: %s", f->path, git_msg());
        git_oid_tostr(f->oid, sizeof f->oid, &id);
        return 0;
    }

    git_oid id;
    git_odb_object *obj = NULL;
    if (git_oid_fromstrn(&id, f->oid, strlen(f->oid)) < 0 || strlen(f->oid) != 40)
        return mdc_error_set(err, "cannot read %s: no object id", f->path);
    if (git_odb_read(&obj, r->odb, &id) < 0)
        return mdc_error_set(err, "cannot read %s (blob %s) at %s: %s", f->path, f->oid,
                             r->st->label, git_msg());
    if (git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
        git_odb_object_free(obj);
        return mdc_error_set(err, "cannot read %s at %s: object %s is not a file", f->path,
                             r->st->label, f->oid);
    }
    mdc_buf_clear(out);
    mdc_buf_put(out, git_odb_object_data(obj), git_odb_object_size(obj));
    git_odb_object_free(obj);
    return 0;
}
