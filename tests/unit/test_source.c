/*
 * test_source.c - the states of a repository (compiler/source.c), `mdc init` and
 * `mdc hook` (compiler/cmd_init.c, compiler/cmd_hook.c).
 *
 * Every test builds real repositories with the git CLI in a temporary folder, with a
 * private HOME and no system config, then checks what mdc sees against what git says
 * (`git hash-object`, `git ls-files -s`, `git rev-parse`).
 *
 * The cmd_*.c files are not part of libmdccore (they belong to the mdc binary), so they are
 * compiled into this test directly.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "compiler/cmd.h"
#include "compiler/source.h"
#include "harness.h"

#include "../../compiler/cmd_hook.c"
#include "../../compiler/cmd_init.c"

static char tmp_root[PATH_MAX - 256]; /* realpath of the scratch folder */

/* ---------------------------------------------------------------- helpers */

/* Runs a shell command in dir (relative to tmp_root); returns its exit status. */
static int sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(const char *dir, const char *fmt, ...)
{
    char cmd[8192];
    int n = snprintf(cmd, sizeof cmd, "cd '%s/%s' && { ", tmp_root, dir);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    snprintf(cmd + n, sizeof cmd - (size_t)n, "; } >/dev/null 2>&1");
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs a shell command in dir and returns its first line of output (static buffer). */
static const char *sh_out(const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *sh_out(const char *dir, const char *fmt, ...)
{
    static char line[4096];
    char cmd[8192];
    int n = snprintf(cmd, sizeof cmd, "cd '%s/%s' && ", tmp_root, dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    line[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p) return line;
    if (!fgets(line, sizeof line, p)) line[0] = '\0';
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    return line;
}

static void write_file(const char *path, const char *content)
{
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/%s", tmp_root, path);
    for (char *s = full + strlen(tmp_root) + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        mkdir(full, 0777);
        *s = '/';
    }
    FILE *f = fopen(full, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s: %s\n", full, strerror(errno));
        return;
    }
    fputs(content, f);
    fclose(f);
}

static char *abs_path(const char *rel)
{
    static char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s/%s", tmp_root, rel);
    return buf;
}

/* A fresh repository with one commit holding mdc.yaml and models/a.yaml. */
static void make_repo(const char *name)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/mdc.yaml", name);
    sh(".", "rm -rf '%s' && git init -q -b main '%s'", name, name);
    write_file(dir, "project: t\n");
    snprintf(dir, sizeof dir, "%s/models/a.yaml", name);
    write_file(dir, "kind: model\nname: A\n");
    sh(name, "git add -A && git commit -q -m one");
}

static const mdc_file *find_file(const mdc_state *st, const char *path)
{
    for (size_t i = 0; i < st->nfiles; i++)
        if (strcmp(st->files[i].path, path) == 0) return &st->files[i];
    return NULL;
}

/* Reads path through a reader of st into a static buffer ("" on failure). */
static const char *read_via_reader(mdc_state *st, const char *path, char oid_out[41])
{
    static char text[4096];
    text[0] = '\0';
    mdc_file *f = NULL;
    for (size_t i = 0; i < st->nfiles; i++)
        if (strcmp(st->files[i].path, path) == 0) f = &st->files[i];
    if (!f) return text;
    mdc_reader *r = NULL;
    mdc_error err = {{0}};
    mdc_buf b = MDC_BUF_INIT;
    if (mdc_reader_open(&r, st, &err) == 0 && mdc_reader_read(r, f, &b, &err) == 0)
        snprintf(text, sizeof text, "%.*s", (int)b.len, b.ptr);
    else
        fprintf(stderr, "read %s: %s\n", path, err.msg);
    if (oid_out) memcpy(oid_out, f->oid, 41);
    mdc_buf_free(&b);
    mdc_reader_free(r);
    return text;
}

static const char *const models_dir[] = {"models"};

/* ---------------------------------------------------------------- discovery */

TEST(open_finds_root_from_subdir)
{
    make_repo("r1");
    sh("r1", "mkdir -p models/deep/er");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r1/models/deep/er"), &err), 0);
    if (!repo) return;
    char want[PATH_MAX];
    CHECK_STR(mdc_repo_root(repo), abs_path("r1"));
    CHECK_STR(mdc_repo_prefix(repo), "");
    snprintf(want, sizeof want, "%s/r1/", tmp_root);
    CHECK_STR(mdc_repo_workdir(repo), want);
    CHECK(mdc_repo_git(repo) != NULL);
    mdc_repo_free(repo);
    mdc_repo_free(NULL);
}

TEST(open_prefix_when_project_in_subfolder)
{
    sh(".", "rm -rf r2 && git init -q -b main r2 && mkdir -p r2/sub/proj/models/x");
    write_file("r2/sub/proj/mdc.yaml", "project: t\n");
    write_file("r2/sub/proj/models/m.yaml", "kind: model\n");
    sh("r2", "git add -A && git commit -q -m one");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r2/sub/proj/models/x"), &err), 0);
    if (!repo) return;
    CHECK_STR(mdc_repo_root(repo), abs_path("r2/sub/proj"));
    CHECK_STR(mdc_repo_prefix(repo), "sub/proj/");

    /* listing and reading use project-relative paths in every state */
    for (int k = 0; k < 3; k++) {
        mdc_state *st = NULL;
        CHECK_INT(mdc_state_open(&st, repo, (mdc_state_kind)k, "HEAD", &err), 0);
        if (!st) continue;
        CHECK_INT(mdc_state_list(st, models_dir, 1, &err), 0);
        CHECK_INT(st->nfiles, 1);
        if (st->nfiles == 1) CHECK_STR(st->files[0].path, "models/m.yaml");
        mdc_buf b = MDC_BUF_INIT;
        CHECK_INT(mdc_state_read_path(st, "mdc.yaml", &b, &err), 1);
        CHECK_STR(b.ptr, "project: t\n");
        CHECK_STR(read_via_reader(st, "models/m.yaml", NULL), "kind: model\n");
        mdc_buf_free(&b);
        mdc_state_free(st);
    }
    mdc_repo_free(repo);

    /* from above the project (the work tree root) there is no mdc.yaml */
    CHECK_INT(mdc_repo_open(&repo, abs_path("r2/sub"), &err), -1);
    CHECK(repo == NULL);
}

TEST(open_not_a_repository)
{
    sh(".", "mkdir -p plain/dir");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("plain/dir"), &err), -1);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "not a git repository (or any parent up to /): %s",
             abs_path("plain/dir"));
    CHECK_STR(err.msg, want);

    CHECK_INT(mdc_repo_open(&repo, abs_path("does/not/exist"), &err), -1);
    CHECK(strstr(err.msg, "does/not/exist") != NULL);
}

TEST(open_without_mdc_yaml)
{
    sh(".", "rm -rf r3 && git init -q r3 && mkdir -p r3/a");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r3/a"), &err), -1);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want,
             "no mdc.yaml found in %s or any parent folder up to the repository root "
             "(run `mdc init` to create one)",
             abs_path("r3/a"));
    CHECK_STR(err.msg, want);

    /* an mdc.yaml above the work tree does not count */
    write_file("outer/mdc.yaml", "project: outer\n");
    sh("outer", "git init -q inner");
    CHECK_INT(mdc_repo_open(&repo, abs_path("outer/inner"), &err), -1);
    CHECK(strstr(err.msg, "no mdc.yaml found") != NULL);
}

/* A bare repository opens (it has revisions), but only revision states: the working tree
 * and the index fail saying it is bare; without commits a revision is "no commits yet". */
TEST(open_bare_repository_revisions_only)
{
    sh(".", "rm -rf bare.git && git init -q --bare bare.git");
    mdc_repo *repo = NULL;
    mdc_state *st = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("bare.git"), &err), 0);
    if (!repo) return;
    CHECK(mdc_repo_is_bare(repo));
    CHECK_STR(mdc_repo_prefix(repo), "");
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_WORKTREE, NULL, &err), -1);
    CHECK(strstr(err.msg, "bare") != NULL);
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_INDEX, NULL, &err), -1);
    CHECK(strstr(err.msg, "bare") != NULL);
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_REV, "HEAD", &err), -1);
    CHECK(strstr(err.msg, "no commits yet") != NULL);
    mdc_repo_free(repo);
}

TEST(open_repository_of_another_user)
{
    if (geteuid() != 0) return; /* needs root to hand the folder to another user */
    make_repo("owned");
    sh(".", "chown -R 65534:65534 owned");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("owned/models"), &err), -1);
    char want[2 * PATH_MAX + 160];
    snprintf(want, sizeof want,
             "repository at %s is owned by another user; to trust it run: "
             "git config --global --add safe.directory %s",
             abs_path("owned"), abs_path("owned"));
    CHECK_STR(err.msg, want);
    sh(".", "chown -R 0:0 owned");
}

/* ---------------------------------------------------------------- states */

TEST(states_see_worktree_index_and_commit)
{
    make_repo("r4");
    const char *head = sh_out("r4", "git rev-parse HEAD");
    char head_sha[41];
    snprintf(head_sha, sizeof head_sha, "%s", head);
    char tree_sha[41];
    snprintf(tree_sha, sizeof tree_sha, "%s", sh_out("r4", "git rev-parse 'HEAD^{tree}'"));
    long long ctime = atoll(sh_out("r4", "git log -1 --format=%%ct"));

    write_file("r4/models/a.yaml", "staged\n");
    sh("r4", "git add models/a.yaml");
    write_file("r4/models/a.yaml", "on disk\n");
    write_file("r4/models/new.yaml", "untracked\n");

    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r4"), &err), 0);
    if (!repo) return;

    mdc_state *wt = NULL, *ix = NULL, *rev = NULL;
    CHECK_INT(mdc_state_open(&wt, repo, MDC_STATE_WORKTREE, NULL, &err), 0);
    CHECK_INT(mdc_state_open(&ix, repo, MDC_STATE_INDEX, NULL, &err), 0);
    CHECK_INT(mdc_state_open(&rev, repo, MDC_STATE_REV, "HEAD", &err), 0);
    if (!wt || !ix || !rev) goto done;

    CHECK_STR(wt->label, "working tree");
    CHECK_STR(ix->label, "index");
    CHECK_STR(rev->label, "HEAD");
    CHECK_STR(wt->commit, "");
    CHECK_STR(rev->commit, head_sha);
    CHECK_STR(rev->tree, tree_sha);
    CHECK_INT(rev->commit_time, ctime);
    CHECK_INT(wt->commit_time, 0);

    CHECK_INT(mdc_state_list(wt, models_dir, 1, &err), 0);
    CHECK_INT(mdc_state_list(ix, models_dir, 1, &err), 0);
    CHECK_INT(mdc_state_list(rev, models_dir, 1, &err), 0);
    CHECK_INT(wt->nfiles, 2);
    CHECK_INT(ix->nfiles, 1);
    CHECK_INT(rev->nfiles, 1);

    /* the index and the revision know the oids up front, as git does */
    const mdc_file *f = find_file(ix, "models/a.yaml");
    CHECK(f != NULL);
    if (f) CHECK_STR(f->oid, sh_out("r4", "git ls-files -s models/a.yaml | cut -c8-47"));
    f = find_file(rev, "models/a.yaml");
    CHECK(f != NULL);
    if (f) CHECK_STR(f->oid, sh_out("r4", "git rev-parse HEAD:models/a.yaml"));
    f = find_file(wt, "models/a.yaml");
    CHECK(f != NULL);
    if (f) CHECK_STR(f->oid, ""); /* not read yet */

    char oid[41];
    CHECK_STR(read_via_reader(wt, "models/a.yaml", oid), "on disk\n");
    CHECK_STR(oid, sh_out("r4", "git hash-object models/a.yaml"));
    CHECK_STR(read_via_reader(wt, "models/new.yaml", oid), "untracked\n");
    CHECK_STR(oid, sh_out("r4", "git hash-object models/new.yaml"));
    CHECK_STR(read_via_reader(ix, "models/a.yaml", NULL), "staged\n");
    CHECK_STR(read_via_reader(rev, "models/a.yaml", NULL), "kind: model\nname: A\n");

    /* an abbreviated sha and a relative revision resolve to the same commit */
    mdc_state *rev2 = NULL;
    char abbrev[8];
    snprintf(abbrev, sizeof abbrev, "%.7s", head_sha);
    CHECK_INT(mdc_state_open(&rev2, repo, MDC_STATE_REV, abbrev, &err), 0);
    if (rev2) {
        CHECK_STR(rev2->label, abbrev);
        CHECK_STR(rev2->commit, head_sha);
    }
    mdc_state_free(rev2);

done:
    mdc_state_free(wt);
    mdc_state_free(ix);
    mdc_state_free(rev);
    mdc_state_free(NULL);
    mdc_repo_free(repo);
}

TEST(index_honours_git_index_file)
{
    make_repo("r5");
    /* an alternative index, as git sets up for `git commit -a` / `git commit <path>` */
    write_file("r5/models/a.yaml", "in the other index\n");
    sh("r5", "cp .git/index .git/other-index && GIT_INDEX_FILE=.git/other-index git add "
             "models/a.yaml && git checkout -q models/a.yaml");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r5/models"), &err), 0);
    if (!repo) return;

    /* relative to the work tree, even when the process runs elsewhere */
    setenv("GIT_INDEX_FILE", ".git/other-index", 1);
    mdc_state *ix = NULL;
    CHECK_INT(mdc_state_open(&ix, repo, MDC_STATE_INDEX, NULL, &err), 0);
    if (ix) {
        CHECK_INT(mdc_state_list(ix, models_dir, 1, &err), 0);
        CHECK_STR(read_via_reader(ix, "models/a.yaml", NULL), "in the other index\n");
        mdc_buf b = MDC_BUF_INIT;
        CHECK_INT(mdc_state_read_path(ix, "mdc.yaml", &b, &err), 1);
        mdc_buf_free(&b);
    }
    mdc_state_free(ix);

    /* absolute works too */
    char abs[PATH_MAX];
    snprintf(abs, sizeof abs, "%s/r5/.git/other-index", tmp_root);
    setenv("GIT_INDEX_FILE", abs, 1);
    ix = NULL;
    CHECK_INT(mdc_state_open(&ix, repo, MDC_STATE_INDEX, NULL, &err), 0);
    if (ix) {
        CHECK_INT(mdc_state_list(ix, models_dir, 1, &err), 0);
        CHECK_STR(read_via_reader(ix, "models/a.yaml", NULL), "in the other index\n");
    }
    mdc_state_free(ix);
    unsetenv("GIT_INDEX_FILE");

    /* without it, the repository's index */
    ix = NULL;
    CHECK_INT(mdc_state_open(&ix, repo, MDC_STATE_INDEX, NULL, &err), 0);
    if (ix) {
        CHECK_INT(mdc_state_list(ix, models_dir, 1, &err), 0);
        CHECK_STR(read_via_reader(ix, "models/a.yaml", NULL), "kind: model\nname: A\n");
    }
    mdc_state_free(ix);
    mdc_repo_free(repo);
}

TEST(index_in_a_real_pre_commit_hook)
{
    /* `git commit -a` runs the hook with GIT_INDEX_FILE=.git/index.lock; the hook below
     * records what the index state sees there by way of a tiny program: this test binary
     * itself, with MDC_TEST_HOOK_DUMP set. */
    make_repo("r6");
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return;
    self[n] = '\0';
    char hook[PATH_MAX + 64];
    snprintf(hook, sizeof hook, "#!/bin/sh\nMDC_TEST_HOOK_DUMP=1 exec '%s' > .git/dump.txt\n",
             self);
    write_file("r6/.git/hooks/pre-commit", hook);
    sh("r6", "chmod +x .git/hooks/pre-commit");
    write_file("r6/models/a.yaml", "committed with -a\n");
    CHECK_INT(sh("r6", "git commit -q -a -m two"), 0);
    CHECK_STR(sh_out("r6", "cat .git/dump.txt"), "models/a.yaml=committed with -a");
}

/* Run as a hook (see above): prints "path=first line" for each file of the index. */
static int hook_dump(void)
{
    mdc_repo *repo = NULL;
    mdc_state *st = NULL;
    mdc_error err = {{0}};
    if (mdc_repo_open(&repo, NULL, &err) < 0 ||
        mdc_state_open(&st, repo, MDC_STATE_INDEX, NULL, &err) < 0 ||
        mdc_state_list(st, models_dir, 1, &err) < 0) {
        printf("error: %s\n", err.msg);
        return 0;
    }
    for (size_t i = 0; i < st->nfiles; i++) {
        const char *text = read_via_reader(st, st->files[i].path, NULL);
        printf("%s=%.*s\n", st->files[i].path, (int)strcspn(text, "\n"), text);
    }
    mdc_state_free(st);
    mdc_repo_free(repo);
    return 0;
}

TEST(kinds_symlink_submodule_other)
{
    make_repo("sm");
    make_repo("r7");
    write_file("r7/models/notes.txt", "not yaml\n");
    write_file("r7/models/b.yml", "kind: model\n");
    sh("r7", "ln -s a.yaml models/link.yaml && ln -s ../outside models/dirlink");
    CHECK_INT(sh("r7", "git -c protocol.file.allow=always submodule add -q '%s/sm' models/sub",
                 tmp_root),
              0);
    sh("r7", "git add -A && git commit -q -m kinds");

    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r7"), &err), 0);
    if (!repo) return;
    for (int k = 0; k < 3; k++) {
        mdc_state *st = NULL;
        CHECK_INT(mdc_state_open(&st, repo, (mdc_state_kind)k, "HEAD", &err), 0);
        if (!st) continue;
        CHECK_INT(mdc_state_list(st, models_dir, 1, &err), 0);
        static const struct {
            const char *path;
            mdc_file_kind kind;
        } want[] = {
            {"models/a.yaml", MDC_FILE_YAML},      {"models/b.yml", MDC_FILE_YAML},
            {"models/dirlink", MDC_FILE_SYMLINK},  {"models/link.yaml", MDC_FILE_SYMLINK},
            {"models/notes.txt", MDC_FILE_OTHER},  {"models/sub", MDC_FILE_SUBMODULE},
        };
        CHECK_INT(st->nfiles, sizeof want / sizeof want[0]);
        for (size_t i = 0; i < st->nfiles && i < sizeof want / sizeof want[0]; i++) {
            CHECK_STR(st->files[i].path, want[i].path);
            CHECK_INT(st->files[i].kind, want[i].kind);
        }
        /* a symlink is never followed by the reader */
        if (k == MDC_STATE_WORKTREE) {
            mdc_reader *r = NULL;
            mdc_buf b = MDC_BUF_INIT;
            const mdc_file *lf = find_file(st, "models/link.yaml");
            CHECK_INT(mdc_reader_open(&r, st, &err), 0);
            if (r && lf) {
                CHECK_INT(mdc_reader_read(r, (mdc_file *)lf, &b, &err), -1);
                CHECK(strstr(err.msg, "models/link.yaml") != NULL);
            }
            mdc_reader_free(r);
            mdc_buf_free(&b);
        }
        mdc_state_free(st);
    }
    mdc_repo_free(repo);
}

TEST(worktree_skips_ignored_files)
{
    make_repo("r8");
    write_file("r8/.gitignore", "*.tmp.yaml\nbuild/\n");
    write_file("r8/models/tracked.tmp.yaml", "tracked although ignored\n");
    sh("r8", "git add -A && git add -f models/tracked.tmp.yaml && git commit -q -m ign");
    write_file("r8/models/scratch.tmp.yaml", "ignored\n");
    write_file("r8/models/build/out.yaml", "ignored folder\n");
    write_file("r8/models/keep.yaml", "kept\n");

    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r8"), &err), 0);
    if (!repo) return;
    mdc_state *st = NULL;
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_WORKTREE, NULL, &err), 0);
    if (st) {
        CHECK_INT(mdc_state_list(st, models_dir, 1, &err), 0);
        CHECK_INT(st->nfiles, 3);
        if (st->nfiles == 3) {
            CHECK_STR(st->files[0].path, "models/a.yaml");
            CHECK_STR(st->files[1].path, "models/keep.yaml");
            CHECK_STR(st->files[2].path, "models/tracked.tmp.yaml");
        }
    }
    mdc_state_free(st);
    mdc_repo_free(repo);
}

TEST(listing_is_sorted_bytewise_and_deduplicated)
{
    make_repo("r9");
    write_file("r9/models/a-b.yaml", "1\n");
    write_file("r9/models/a/b.yaml", "2\n");
    write_file("r9/models/a.yaml", "3\n");
    write_file("r9/models/A.yaml", "4\n");
    write_file("r9/models/a0/z.yaml", "5\n");
    write_file("r9/models/sub/x.yaml", "6\n");
    write_file("r9/more/m.yaml", "7\n");
    sh("r9", "git add -A && git commit -q -m sort");

    static const char *const dirs[] = {"models/sub", "./models/", "more", "missing",
                                       "models//a"};
    static const char *const want[] = {"models/A.yaml", "models/a-b.yaml", "models/a.yaml",
                                       "models/a/b.yaml", "models/a0/z.yaml",
                                       "models/sub/x.yaml", "more/m.yaml"};
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r9"), &err), 0);
    if (!repo) return;
    for (int k = 0; k < 3; k++) {
        mdc_state *st = NULL;
        CHECK_INT(mdc_state_open(&st, repo, (mdc_state_kind)k, "HEAD", &err), 0);
        if (!st) continue;
        CHECK_INT(mdc_state_list(st, dirs, sizeof dirs / sizeof dirs[0], &err), 0);
        CHECK_INT(st->nfiles, sizeof want / sizeof want[0]);
        for (size_t i = 0; i < st->nfiles && i < sizeof want / sizeof want[0]; i++)
            CHECK_STR(st->files[i].path, want[i]);

        /* listing again replaces the previous list; the project root lists everything */
        static const char *const root[] = {""};
        CHECK_INT(mdc_state_list(st, root, 1, &err), 0);
        CHECK_INT(st->nfiles, sizeof want / sizeof want[0] + 1); /* + mdc.yaml */
        if (st->nfiles > 0) CHECK_STR(st->files[0].path, "mdc.yaml");
        if (st->nfiles > 0) CHECK_STR(st->files[st->nfiles - 1].path, "more/m.yaml");

        /* a folder that does not exist lists nothing */
        static const char *const none[] = {"nope"};
        CHECK_INT(mdc_state_list(st, none, 1, &err), 0);
        CHECK_INT(st->nfiles, 0);
        mdc_state_free(st);
    }
    mdc_repo_free(repo);
}

TEST(unknown_and_shallow_revisions)
{
    make_repo("r10");
    write_file("r10/models/a.yaml", "two\n");
    sh("r10", "git commit -q -a -m two");
    char first[41];
    snprintf(first, sizeof first, "%s", sh_out("r10", "git rev-parse HEAD~1"));

    mdc_repo *repo = NULL;
    mdc_state *st = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r10"), &err), 0);
    if (!repo) return;
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_REV, "nope", &err), -1);
    CHECK_STR(err.msg, "unknown revision 'nope'");
    CHECK(st == NULL);
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_REV, "HEAD~5", &err), -1);
    CHECK_STR(err.msg, "unknown revision 'HEAD~5'");
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_REV, "HEAD:models", &err), -1);
    CHECK(strstr(err.msg, "not a commit") != NULL);
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_REV, "HEAD~1", &err), 0);
    if (st) CHECK_STR(st->commit, first);
    mdc_state_free(st);
    st = NULL;
    mdc_repo_free(repo);

    sh(".", "rm -rf shallow && git clone -q --depth 1 'file://%s/r10' shallow", tmp_root);
    write_file("shallow/mdc.yaml", "project: t\n");
    CHECK_INT(mdc_repo_open(&repo, abs_path("shallow"), &err), 0);
    if (!repo) return;
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_REV, first, &err), -1);
    char want[1024];
    snprintf(want, sizeof want,
             "revision '%s' is not in this clone (it is shallow); fetch it, e.g. `git fetch "
             "--deepen=50 origin` or `git fetch origin %s`, or in GitHub Actions set "
             "`fetch-depth: 0` on actions/checkout",
             first, first);
    CHECK_STR(err.msg, want);
    CHECK_INT(mdc_state_open(&st, repo, MDC_STATE_REV, "HEAD", &err), 0);
    mdc_state_free(st);
    mdc_repo_free(repo);
}

TEST(read_path_existing_and_missing)
{
    make_repo("r11");
    write_file("r11/mdc.yaml", "project: changed\n");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r11"), &err), 0);
    if (!repo) return;
    static const char *const want[] = {"project: changed\n", "project: t\n", "project: t\n"};
    for (int k = 0; k < 3; k++) {
        mdc_state *st = NULL;
        mdc_buf b = MDC_BUF_INIT;
        CHECK_INT(mdc_state_open(&st, repo, (mdc_state_kind)k, "HEAD", &err), 0);
        if (!st) continue;
        mdc_buf_puts(&b, "old content is replaced");
        CHECK_INT(mdc_state_read_path(st, "mdc.yaml", &b, &err), 1);
        CHECK_STR(b.ptr, want[k]);
        CHECK_INT(b.len, strlen(want[k]));
        CHECK_INT(mdc_state_read_path(st, "missing.yaml", &b, &err), 0);
        CHECK_INT(mdc_state_read_path(st, "models/a.yaml/x", &b, &err), 0);
        CHECK_INT(mdc_state_read_path(st, "nodir/x.yaml", &b, &err), 0);
        mdc_buf_free(&b);
        mdc_state_free(st);
    }
    mdc_repo_free(repo);
}

/* ---------------------------------------------------------------- concurrent readers */

typedef struct reader_job {
    mdc_state *st;
    size_t start, step;
    int failures;
} reader_job;

static void *reader_thread(void *arg)
{
    reader_job *job = arg;
    mdc_reader *r = NULL;
    mdc_error err = {{0}};
    mdc_buf b = MDC_BUF_INIT;
    if (mdc_reader_open(&r, job->st, &err) < 0) {
        job->failures++;
        return NULL;
    }
    for (size_t i = job->start; i < job->st->nfiles; i += job->step) {
        mdc_file *f = &job->st->files[i];
        char want[64]; /* models/p/m<N>.yaml holds "name: M<N>" */
        snprintf(want, sizeof want, "kind: model\nname: M%d\n", atoi(strrchr(f->path, '/') + 2));
        if (mdc_reader_read(r, f, &b, &err) < 0 || strcmp(b.ptr, want) != 0) job->failures++;
    }
    mdc_buf_free(&b);
    mdc_reader_free(r);
    return NULL;
}

TEST(readers_run_concurrently)
{
    make_repo("r12");
    sh("r12", "rm models/a.yaml && mkdir -p models/p && i=0; while [ $i -lt 400 ]; do "
              "printf 'kind: model\\nname: M%%d\\n' $i > models/p/m$i.yaml; i=$((i+1)); done; "
              "git add -A && git commit -q -m many && git gc -q");
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r12"), &err), 0);
    if (!repo) return;
    for (int k = 0; k < 3; k++) {
        mdc_state *st = NULL;
        CHECK_INT(mdc_state_open(&st, repo, (mdc_state_kind)k, "HEAD", &err), 0);
        if (!st) continue;
        CHECK_INT(mdc_state_list(st, models_dir, 1, &err), 0);
        CHECK_INT(st->nfiles, 400);
        reader_job jobs[4];
        pthread_t th[4];
        for (size_t t = 0; t < 4; t++) {
            jobs[t] = (reader_job){st, t, 4, 0};
            pthread_create(&th[t], NULL, reader_thread, &jobs[t]);
        }
        for (size_t t = 0; t < 4; t++) {
            pthread_join(th[t], NULL);
            CHECK_INT(jobs[t].failures, 0);
        }
        if (k == MDC_STATE_WORKTREE && st->nfiles > 0)
            CHECK_STR(st->files[0].oid, sh_out("r12", "git hash-object %s", st->files[0].path));
        mdc_state_free(st);
    }
    mdc_repo_free(repo);
}

/* ---------------------------------------------------------------- mdc init, mdc hook */

TEST(init_creates_starter_and_refuses_twice)
{
    sh(".", "rm -rf 'My Shop.2' && mkdir 'My Shop.2'");
    mdc_global g = {abs_path("My Shop.2"), false};
    char *argv[] = {"init", NULL};
    fflush(stdout);
    CHECK_INT(mdc_cmd_init(&g, 1, argv), 0);
    CHECK_STR(sh_out("My Shop.2", "grep '^project:' mdc.yaml"), "project: my-shop-2");
    CHECK_STR(sh_out("My Shop.2", "grep -c '^# version: ' mdc.yaml"), "1");
    CHECK_STR(sh_out("My Shop.2", "grep -c '^# rules:' mdc.yaml"), "1");
    CHECK_STR(sh_out("My Shop.2", "grep '^kind:' models/example.yaml"), "kind: model");
    CHECK_STR(sh_out("My Shop.2", "ls -a | grep -c tmp"), "0");

    /* a second run changes nothing */
    write_file("My Shop.2/mdc.yaml", "project: mine\n");
    CHECK_INT(mdc_cmd_init(&g, 1, argv), 2);
    CHECK_STR(sh_out("My Shop.2", "cat mdc.yaml"), "project: mine");

    /* a folder name with no letters gives "app"; an existing models/ is left alone */
    sh(".", "rm -rf 123 && mkdir -p 123/models && touch 123/models/mine.yaml");
    g.dir = abs_path("123");
    CHECK_INT(mdc_cmd_init(&g, 1, argv), 0);
    CHECK_STR(sh_out("123", "grep '^project:' mdc.yaml"), "project: app");
    CHECK_INT(sh("123", "test -e models/example.yaml"), 1);

    char *bad[] = {"init", "--bogus", NULL};
    CHECK_INT(mdc_cmd_init(&g, 2, bad), 2);
    char *help[] = {"init", "--help", NULL};
    CHECK_INT(mdc_cmd_init(&g, 2, help), 0);
}

TEST(hook_install_refuse_force_uninstall)
{
    sh(".", "rm -rf hk && git init -q hk && mkdir -p hk/app/models");
    write_file("hk/app/mdc.yaml", "project: t\n");
    mdc_global g = {abs_path("hk/app/models"), false};
    char *install[] = {"hook", "install", NULL};
    char *force[] = {"hook", "install", "--force", NULL};
    char *uninstall[] = {"hook", "uninstall", NULL};
    fflush(stdout);

    CHECK_INT(mdc_cmd_hook(&g, 2, install), 0);
    CHECK_INT(sh("hk", "test -x .git/hooks/pre-commit"), 0);
    CHECK_INT(sh("hk", "grep -qx '# installed by mdc hook install' .git/hooks/pre-commit"), 0);
    CHECK_INT(sh("hk", "grep -q \"exec \\\"\\$mdc\\\" -C 'app' check --staged\" "
                       ".git/hooks/pre-commit"),
              0);
    CHECK_INT(sh("hk", "sh -n .git/hooks/pre-commit"), 0);
    /* ours: installing again rewrites it */
    CHECK_INT(mdc_cmd_hook(&g, 2, install), 0);
    CHECK_INT(sh("hk", "test -e .git/hooks/pre-commit.mdc-backup"), 1);

    /* a foreign hook is not clobbered */
    write_file("hk/.git/hooks/pre-commit", "#!/bin/sh\necho mine\n");
    CHECK_INT(mdc_cmd_hook(&g, 2, install), 1);
    CHECK_STR(sh_out("hk", "sed -n 2p .git/hooks/pre-commit"), "echo mine");
    /* --force keeps a backup */
    CHECK_INT(mdc_cmd_hook(&g, 3, force), 0);
    CHECK_STR(sh_out("hk", "sed -n 2p .git/hooks/pre-commit.mdc-backup"), "echo mine");
    CHECK_INT(sh("hk", "grep -q 'installed by mdc' .git/hooks/pre-commit"), 0);
    /* uninstall removes ours and restores the backup */
    CHECK_INT(mdc_cmd_hook(&g, 2, uninstall), 0);
    CHECK_STR(sh_out("hk", "sed -n 2p .git/hooks/pre-commit"), "echo mine");
    CHECK_INT(sh("hk", "test -e .git/hooks/pre-commit.mdc-backup"), 1);
    /* uninstall leaves a foreign hook alone */
    CHECK_INT(mdc_cmd_hook(&g, 2, uninstall), 1);
    CHECK_STR(sh_out("hk", "sed -n 2p .git/hooks/pre-commit"), "echo mine");

    /* core.hooksPath is respected (relative to the work tree) */
    sh("hk", "git config core.hooksPath .githooks");
    CHECK_INT(mdc_cmd_hook(&g, 2, install), 0);
    CHECK_INT(sh("hk", "test -x .githooks/pre-commit"), 0);
    CHECK_INT(mdc_cmd_hook(&g, 2, uninstall), 0);
    CHECK_INT(sh("hk", "test -e .githooks/pre-commit"), 1);

    char *bad[] = {"hook", "frobnicate", NULL};
    CHECK_INT(mdc_cmd_hook(&g, 2, bad), 2);
    char *none[] = {"hook", NULL};
    CHECK_INT(mdc_cmd_hook(&g, 1, none), 2);
}

TEST(hook_in_linked_worktree_goes_to_common_dir)
{
    make_repo("r13");
    sh("r13", "git worktree add -q ../r13-wt");
    mdc_global g = {abs_path("r13-wt"), false};
    char *install[] = {"hook", "install", NULL};
    fflush(stdout);
    CHECK_INT(mdc_cmd_hook(&g, 2, install), 0);
    CHECK_INT(sh("r13", "test -x .git/hooks/pre-commit"), 0);
    CHECK_INT(sh("r13", "grep -q \"\\-C '.' check --staged\" .git/hooks/pre-commit"), 0);

    /* and the linked worktree's states work (objects live in the common dir) */
    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_repo_open(&repo, abs_path("r13-wt/models"), &err), 0);
    if (!repo) return;
    CHECK_STR(mdc_repo_root(repo), abs_path("r13-wt"));
    for (int k = 0; k < 3; k++) {
        mdc_state *st = NULL;
        CHECK_INT(mdc_state_open(&st, repo, (mdc_state_kind)k, "HEAD", &err), 0);
        if (!st) continue;
        CHECK_INT(mdc_state_list(st, models_dir, 1, &err), 0);
        CHECK_STR(read_via_reader(st, "models/a.yaml", NULL), "kind: model\nname: A\n");
        mdc_state_free(st);
    }
    mdc_repo_free(repo);
}

int main(void)
{
    if (getenv("MDC_TEST_HOOK_DUMP")) {
        git_libgit2_init();
        return hook_dump();
    }

    char tmpl[] = "/tmp/mdc-test-source-XXXXXX";
    if (!mkdtemp(tmpl) || !realpath(tmpl, tmp_root)) {
        perror("mkdtemp");
        return 2;
    }
    char home[PATH_MAX + 8];
    snprintf(home, sizeof home, "%s/home", tmp_root);
    mkdir(home, 0700);
    /* a private, predictable git: no system or user config, fixed identity and dates */
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", home, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_AUTHOR_NAME", "Test", 1);
    setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
    setenv("GIT_COMMITTER_NAME", "Test", 1);
    setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
    setenv("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z", 1);
    setenv("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z", 1);
    unsetenv("GIT_INDEX_FILE");
    unsetenv("GIT_DIR");
    unsetenv("GIT_WORK_TREE");
    git_libgit2_init();

    RUN(open_finds_root_from_subdir);
    RUN(open_prefix_when_project_in_subfolder);
    RUN(open_not_a_repository);
    RUN(open_without_mdc_yaml);
    RUN(open_bare_repository_revisions_only);
    RUN(open_repository_of_another_user);
    RUN(states_see_worktree_index_and_commit);
    RUN(index_honours_git_index_file);
    RUN(index_in_a_real_pre_commit_hook);
    RUN(kinds_symlink_submodule_other);
    RUN(worktree_skips_ignored_files);
    RUN(listing_is_sorted_bytewise_and_deduplicated);
    RUN(unknown_and_shallow_revisions);
    RUN(read_path_existing_and_missing);
    RUN(readers_run_concurrently);
    RUN(init_creates_starter_and_refuses_twice);
    RUN(hook_install_refuse_force_uninstall);
    RUN(hook_in_linked_worktree_goes_to_common_dir);

    git_libgit2_shutdown();
    if (!getenv("MDC_TEST_KEEP")) sh(".", "cd / && rm -rf '%s'", tmp_root);
    DONE();
}
