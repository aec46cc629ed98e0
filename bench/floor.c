/*
 * floor.c - the performance floor for `mdc check --rev HEAD`.
 *
 * mdc check has to (1) find and read every definition file of a revision and (2) tokenise it
 * with libyaml before it can do any work of its own.  This program does exactly those two
 * things and nothing else: it reads `mdc.yaml` and every *.yaml / *.yml blob under `models/`
 * at a revision through libgit2 (the same bytes mdc reads), and runs libyaml's event parser
 * over each (yaml_parser_parse in a loop, deleting every event).  No line tables, no UTF-8
 * checks, no definitions, no checksums.  Whatever mdc spends beyond this time is its own.
 *
 * With --worktree it reads the same files from the working tree with plain read(2) instead,
 * which is the floor for `mdc check` without --rev.
 *
 *   cc -O2 bench/floor.c $(pkg-config --cflags --libs yaml-0.1 libgit2) -o floor
 *   floor [--worktree] [--rev REV] [--models DIR] [--no-hash-verify] PROJECT_DIR
 *
 * PROJECT_DIR may be a sub-folder of the repository (a project inside a monorepo); the tree
 * paths are then taken relative to it.  Prints one line:
 *
 *   floor: mode=git files=N bytes=N events=N ms=N.N maxrss_kb=N
 *
 * Exit status: 0 on success, 1 when a file fails to parse as YAML (the corpus is expected to
 * be valid), 2 on usage or I/O errors.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <yaml.h>

/* What a run counts; printed at the end. */
typedef struct floor_stats {
    size_t files;
    size_t bytes;
    size_t events;
    size_t parse_errors;
} floor_stats;

static bool is_yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Run libyaml's event parser over one file's bytes; count events; nothing is kept. */
static void parse_yaml(const char *label, const unsigned char *data, size_t len, floor_stats *st)
{
    yaml_parser_t parser;
    yaml_event_t event;
    bool done = false;

    st->files++;
    st->bytes += len;
    if (!yaml_parser_initialize(&parser)) {
        fprintf(stderr, "floor: out of memory\n");
        exit(2);
    }
    yaml_parser_set_input_string(&parser, data, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "floor: %s: YAML error: %s\n", label,
                    parser.problem ? parser.problem : "unknown");
            st->parse_errors++;
            break;
        }
        st->events++;
        done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
}

/* ------------------------------------------------------------------ git mode */

static int git_fail(const char *what)
{
    const git_error *e = git_error_last();
    fprintf(stderr, "floor: %s: %s\n", what, e && e->message ? e->message : "failed");
    return 2;
}

typedef struct walk_ctx {
    git_repository *repo;
    const char *root; /* tree path of the models folder, for messages */
    floor_stats *st;
    int error;
} walk_ctx;

static int parse_blob(git_repository *repo, const git_oid *id, const char *label, floor_stats *st)
{
    git_blob *blob = NULL;
    if (git_blob_lookup(&blob, repo, id) < 0)
        return git_fail(label);
    parse_yaml(label, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), st);
    git_blob_free(blob);
    return 0;
}

static int walk_cb(const char *dir, const git_tree_entry *entry, void *payload)
{
    walk_ctx *ctx = payload;
    const char *name = git_tree_entry_name(entry);
    char label[PATH_MAX];

    /* Regular blobs only: symlinks (0120000) and submodules (commits) are skipped, as mdc does. */
    if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
        git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK || !is_yaml_name(name))
        return 0;
    snprintf(label, sizeof label, "%s/%s%s", ctx->root, dir, name);
    ctx->error = parse_blob(ctx->repo, git_tree_entry_id(entry), label, ctx->st);
    return ctx->error ? -1 : 0;
}

/* The project folder's path inside the repository ("" or "sub/dir/"). */
static int repo_prefix(git_repository *repo, const char *project_dir, char *out, size_t outsz)
{
    char proj[PATH_MAX], work[PATH_MAX];
    const char *wd = git_repository_workdir(repo);
    size_t n;

    out[0] = '\0';
    if (!wd || !realpath(project_dir, proj) || !realpath(wd, work))
        return 0; /* bare repository or unresolvable: treat the project as the repo root */
    n = strlen(work);
    if (strncmp(proj, work, n) != 0 || (proj[n] != '\0' && proj[n] != '/'))
        return 0;
    if (proj[n] == '/')
        snprintf(out, outsz, "%s/", proj + n + 1);
    return 0;
}

static int run_git(const char *dir, const char *rev, const char *models, floor_stats *st)
{
    git_repository *repo = NULL;
    git_object *obj = NULL;
    git_tree *tree = NULL, *sub = NULL;
    git_tree_entry *entry = NULL;
    char prefix[PATH_MAX], path[PATH_MAX];
    walk_ctx ctx = {0};
    int rc = 0, err;

    err = git_repository_open_ext(&repo, dir, 0, NULL);
    if (err == GIT_EOWNER) {
        fprintf(stderr, "floor: %s is owned by another user; run "
                        "`git config --global --add safe.directory %s`\n", dir, dir);
        rc = 2;
        goto done;
    }
    if (err < 0) {
        rc = git_fail(dir);
        goto done;
    }
    repo_prefix(repo, dir, prefix, sizeof prefix);
    if (git_revparse_single(&obj, repo, rev) < 0 ||
        git_object_peel((git_object **)&tree, obj, GIT_OBJECT_TREE) < 0) {
        rc = git_fail(rev);
        goto done;
    }

    /* mdc.yaml: mdc reads it first; it is part of the floor too. */
    snprintf(path, sizeof path, "%smdc.yaml", prefix);
    if (git_tree_entry_bypath(&entry, tree, path) == 0) {
        if ((rc = parse_blob(repo, git_tree_entry_id(entry), path, st)) != 0)
            goto done;
        git_tree_entry_free(entry);
        entry = NULL;
    }

    snprintf(path, sizeof path, "%s%s", prefix, models);
    if (git_tree_entry_bypath(&entry, tree, path) < 0 ||
        git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
        fprintf(stderr, "floor: %s: no folder %s\n", rev, path);
        rc = 2;
        goto done;
    }
    if (git_tree_lookup(&sub, repo, git_tree_entry_id(entry)) < 0) {
        rc = git_fail(path);
        goto done;
    }
    ctx.repo = repo;
    ctx.root = path;
    ctx.st = st;
    if (git_tree_walk(sub, GIT_TREEWALK_PRE, walk_cb, &ctx) < 0)
        rc = ctx.error ? ctx.error : git_fail(path);

done:
    git_tree_entry_free(entry);
    git_tree_free(sub);
    git_tree_free(tree);
    git_object_free(obj);
    git_repository_free(repo);
    return rc;
}

/* ------------------------------------------------------------------ worktree mode */

/* Read a whole regular file; NULL on error (errno set). */
static unsigned char *read_file(const char *path, size_t *len)
{
    unsigned char *buf = NULL;
    struct stat sb;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) < 0)
        goto fail;
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf)
        goto fail;
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto fail;
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

static int parse_path(const char *path, floor_stats *st)
{
    size_t len;
    unsigned char *data = read_file(path, &len);
    if (!data) {
        fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
        return 2;
    }
    parse_yaml(path, data, len, st);
    free(data);
    return 0;
}

/* Recurse through a folder; regular *.yaml / *.yml files only, symlinks never followed. */
static int walk_dir(const char *dir, floor_stats *st)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[PATH_MAX];
    int rc = 0;

    if (!d) {
        fprintf(stderr, "floor: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        struct stat sb;
        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
                                     (de->d_name[1] == '.' && de->d_name[2] == '\0')))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (lstat(path, &sb) < 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            rc = walk_dir(path, st);
        else if (S_ISREG(sb.st_mode) && is_yaml_name(de->d_name))
            rc = parse_path(path, st);
    }
    closedir(d);
    return rc;
}

static int run_worktree(const char *dir, const char *models, floor_stats *st)
{
    char path[PATH_MAX];
    int rc;

    snprintf(path, sizeof path, "%s/mdc.yaml", dir);
    if (access(path, F_OK) == 0 && (rc = parse_path(path, st)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/%s", dir, models);
    return walk_dir(path, st);
}

/* ------------------------------------------------------------------ main */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int usage(void)
{
    fprintf(stderr, "usage: floor [--worktree] [--rev REV] [--models DIR] [--no-hash-verify] "
                    "PROJECT_DIR\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *rev = "HEAD", *models = "models";
    bool worktree = false, hash_verify = true;
    floor_stats st = {0};
    struct rusage ru;
    double t0, t1;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--worktree") == 0)
            worktree = true;
        else if (strcmp(argv[i], "--no-hash-verify") == 0)
            hash_verify = false;
        else if (strcmp(argv[i], "--rev") == 0 && i + 1 < argc)
            rev = argv[++i];
        else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            models = argv[++i];
        else if (argv[i][0] == '-' || dir)
            return usage();
        else
            dir = argv[i];
    }
    if (!dir)
        return usage();

    t0 = now_ms();
    if (worktree) {
        rc = run_worktree(dir, models, &st);
    } else {
        git_libgit2_init();
        /* libgit2 re-hashes every object it reads by default; --no-hash-verify shows the cost. */
        git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, hash_verify ? 1 : 0);
        rc = run_git(dir, rev, models, &st);
        git_libgit2_shutdown();
    }
    t1 = now_ms();
    if (rc != 0)
        return rc;

    getrusage(RUSAGE_SELF, &ru);
    printf("floor: mode=%s files=%zu bytes=%zu events=%zu ms=%.1f maxrss_kb=%ld\n",
           worktree ? "worktree" : "git", st.files, st.bytes, st.events, t1 - t0,
           (long)ru.ru_maxrss);
    return st.parse_errors ? 1 : 0;
}
