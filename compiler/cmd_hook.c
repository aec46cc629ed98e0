/*
 * cmd_hook.c - `mdc hook install [--force]` and `mdc hook uninstall`: the git pre-commit
 * hook that runs `mdc check --staged`.
 *
 * The hook goes where git looks for it: core.hooksPath when set (a relative value is
 * relative to the work tree, where git runs hooks), else the hooks folder of the common
 * git dir (so a linked worktree shares the main repository's hook).  The script calls the
 * mdc binary that installed it by absolute path, falling back to `mdc` on PATH when that
 * binary is gone, with -C set to the project root relative to the work tree.
 *
 * A hook we did not write is never replaced silently: our hooks carry a marker line, and
 * a foreign hook is only replaced with --force, which first moves it to
 * pre-commit.mdc-backup (and `uninstall` puts it back).  Writes are atomic (temporary
 * file + rename).
 */
#include "cmd.h"
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#define HOOK_MARKER "# installed by mdc hook install"

static const char hook_usage[] =
    "usage: mdc hook install [--force]\n"
    "       mdc hook uninstall\n"
    "\n"
    "install    writes the git pre-commit hook running `mdc check --staged`.  An existing\n"
    "           hook not written by mdc is kept unless --force is given; then it is moved\n"
    "           to pre-commit.mdc-backup.\n"
    "uninstall  removes the hook written by mdc (and restores pre-commit.mdc-backup).\n";

/* Appends s to b quoted for sh: '...' with each ' written as '\''. */
static void put_sh_quoted(mdc_buf *b, const char *s)
{
    mdc_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'') mdc_buf_puts(b, "'\\''");
        else mdc_buf_putc(b, *s);
    }
    mdc_buf_putc(b, '\'');
}

/* The hooks folder git uses for this repository, into out (no trailing '/'). */
static int hooks_dir(mdc_repo *repo, mdc_buf *out)
{
    git_repository *git = mdc_repo_git(repo);
    git_config *cfg = NULL;
    git_buf val = {0};
    int found = 0;
    if (git_repository_config_snapshot(&cfg, git) == 0 &&
        git_config_get_path(&val, cfg, "core.hooksPath") == 0 && val.ptr && *val.ptr) {
        if (val.ptr[0] != '/') mdc_buf_puts(out, mdc_repo_workdir(repo));
        mdc_buf_puts(out, val.ptr);
        found = 1;
    }
    git_buf_dispose(&val);
    git_config_free(cfg);
    if (!found) {
        mdc_buf_puts(out, git_repository_commondir(git));
        if (out->len && out->ptr[out->len - 1] != '/') mdc_buf_putc(out, '/');
        mdc_buf_puts(out, "hooks");
    }
    while (out->len > 1 && out->ptr[out->len - 1] == '/') out->ptr[--out->len] = '\0';
    return 0;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p) return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0777) < 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

/* 1 when path exists (as anything, even a dangling symlink), else 0. */
static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* 1 when the file at path is a hook we wrote, 0 when not (or unreadable). */
static int is_our_hook(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char line[512];
    int ours = 0;
    while (!ours && fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        ours = strcmp(line, HOOK_MARKER) == 0;
    }
    fclose(f);
    return ours;
}

static void hook_script(mdc_repo *repo, mdc_buf *out)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) exe[n] = '\0';
    else snprintf(exe, sizeof exe, "mdc");

    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", mdc_repo_prefix(repo));
    size_t dl = strlen(dir);
    if (dl > 0 && dir[dl - 1] == '/') dir[--dl] = '\0';
    if (dl == 0) snprintf(dir, sizeof dir, ".");

    mdc_buf_puts(out, "#!/bin/sh\n" HOOK_MARKER "\n"
                      "# Checks the staged model definitions before each commit.\n"
                      "# Skip once with `git commit --no-verify`; remove with "
                      "`mdc hook uninstall`.\n"
                      "mdc=");
    put_sh_quoted(out, exe);
    mdc_buf_puts(out, "\n"
                      "if [ ! -x \"$mdc\" ]; then\n"
                      "    if command -v mdc >/dev/null 2>&1; then\n"
                      "        mdc=mdc\n"
                      "    else\n"
                      "        echo \"pre-commit: mdc not found ($mdc is gone and mdc is not on "
                      "PATH)\" >&2\n"
                      "        exit 1\n"
                      "    fi\n"
                      "fi\n"
                      "exec \"$mdc\" -C ");
    put_sh_quoted(out, dir);
    mdc_buf_puts(out, " check --staged\n");
}

/* Writes content to path atomically with mode 0755. */
static int write_hook(const char *path, const mdc_buf *content)
{
    mdc_buf tmp = MDC_BUF_INIT;
    mdc_buf_printf(&tmp, "%s.mdc-tmp-XXXXXX", path);
    int fd = mkstemp(tmp.ptr);
    int rc = -1;
    if (fd < 0) {
        fprintf(stderr, "mdc: cannot create %s: %s\n", path, strerror(errno));
        mdc_buf_free(&tmp);
        return -1;
    }
    size_t off = 0;
    while (off < content->len) {
        ssize_t w = write(fd, content->ptr + off, content->len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            goto fail;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, 0755) < 0 || fsync(fd) < 0) goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp.ptr, path) < 0) goto fail;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "mdc: cannot write %s: %s\n", path, strerror(errno));
    if (fd >= 0) close(fd);
    unlink(tmp.ptr);
done:
    mdc_buf_free(&tmp);
    return rc;
}

static int hook_install(mdc_repo *repo, const char *hook, const char *backup, int force)
{
    mdc_buf script = MDC_BUF_INIT;
    int rc = 2;
    const char *did = "installed";

    if (exists(hook)) {
        if (is_our_hook(hook)) {
            did = "updated";
        } else if (!force) {
            fprintf(stderr,
                    "mdc: a pre-commit hook not written by mdc already exists at %s; it was "
                    "left alone.\n"
                    "  To replace it, run `mdc hook install --force` (the old hook is kept as "
                    "%s),\n"
                    "  or call `mdc check --staged` from your own hook.\n",
                    hook, backup);
            rc = 1;
            goto done;
        } else if (exists(backup)) {
            fprintf(stderr,
                    "mdc: %s already exists; move it away first so the current hook can be "
                    "backed up there\n",
                    backup);
            rc = 1;
            goto done;
        } else {
            if (rename(hook, backup) < 0) {
                fprintf(stderr, "mdc: cannot move %s to %s: %s\n", hook, backup,
                        strerror(errno));
                goto done;
            }
            printf("moved the existing pre-commit hook to %s\n", backup);
        }
    }

    hook_script(repo, &script);
    if (write_hook(hook, &script) < 0) goto done;
    printf("%s %s (runs `mdc check --staged` before each commit)\n", did, hook);
    rc = 0;
done:
    mdc_buf_free(&script);
    return rc;
}

static int hook_uninstall(const char *hook, const char *backup)
{
    if (!exists(hook)) {
        printf("no pre-commit hook at %s; nothing to do\n", hook);
        return 0;
    }
    if (!is_our_hook(hook)) {
        fprintf(stderr, "mdc: the pre-commit hook at %s was not written by mdc; left alone\n",
                hook);
        return 1;
    }
    if (unlink(hook) < 0) {
        fprintf(stderr, "mdc: cannot remove %s: %s\n", hook, strerror(errno));
        return 2;
    }
    printf("removed %s\n", hook);
    if (exists(backup)) {
        if (rename(backup, hook) < 0) {
            fprintf(stderr, "mdc: cannot restore %s: %s\n", backup, strerror(errno));
            return 2;
        }
        printf("restored the previous hook from %s\n", backup);
    }
    return 0;
}

int mdc_cmd_hook(const mdc_global *g, int argc, char **argv)
{
    const char *action = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(hook_usage, stdout);
            return 0;
        }
        if (strcmp(a, "--force") == 0 || strcmp(a, "-f") == 0) force = 1;
        else if (!action && a[0] != '-') action = a;
        else {
            fprintf(stderr, "mdc: hook: unexpected argument '%s'\n%s", a, hook_usage);
            return 2;
        }
    }
    if (!action) {
        fprintf(stderr, "mdc: hook: say `install` or `uninstall`\n%s", hook_usage);
        return 2;
    }
    int install = strcmp(action, "install") == 0;
    if (!install && strcmp(action, "uninstall") != 0) {
        fprintf(stderr, "mdc: hook: unknown action '%s'\n%s", action, hook_usage);
        return 2;
    }
    if (!install && force) {
        fprintf(stderr, "mdc: hook: --force is for `install` only\n");
        return 2;
    }

    mdc_repo *repo = NULL;
    mdc_error err = {{0}};
    if (mdc_repo_open(&repo, g ? g->dir : NULL, &err) < 0) {
        fprintf(stderr, "mdc: %s\n", err.msg);
        return 2;
    }

    mdc_buf dir = MDC_BUF_INIT, hook = MDC_BUF_INIT, backup = MDC_BUF_INIT;
    int rc = 2;
    hooks_dir(repo, &dir);
    mdc_buf_printf(&hook, "%s/pre-commit", dir.ptr);
    mdc_buf_printf(&backup, "%s/pre-commit.mdc-backup", dir.ptr);
    if (install) {
        if (make_dirs(dir.ptr) < 0) {
            fprintf(stderr, "mdc: cannot create %s: %s\n", dir.ptr, strerror(errno));
            goto done;
        }
        rc = hook_install(repo, hook.ptr, backup.ptr, force);
    } else {
        rc = hook_uninstall(hook.ptr, backup.ptr);
    }
done:
    mdc_buf_free(&dir);
    mdc_buf_free(&hook);
    mdc_buf_free(&backup);
    mdc_repo_free(repo);
    return rc;
}
