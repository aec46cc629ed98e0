/*
 * outfile.c - see outfile.h.
 *
 * The lock protocol of a temporary file, between a creator C and a cleaner K (another mdc
 * run cleaning the same directory):
 *   C: mkstemp, then flock(LOCK_EX) blocking, then checks that the path still names the
 *      file it locked (fstat vs lstat, and a link count above 0).  If K got the lock in
 *      the moment between mkstemp and flock, K has removed the file by the time C gets the
 *      lock, so C sees it unlinked and tries again with a new name.
 *   K: opens a candidate without following links and without blocking, flock(LOCK_EX |
 *      LOCK_NB): held by someone -> in use, left alone; got it -> the owner is gone, and
 *      if the path still names that file it is removed.
 * flock locks belong to the open file description, so SQLite's own POSIX locks on the same
 * file (taken and released through its own descriptors) do not disturb them.
 */
#define _GNU_SOURCE
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_INFIX ".tmp-"
#define TEMP_RANDOM 6 /* mkstemp's XXXXXX */

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link (mdc does not write through links)";
    return "a special file";
}

int mdc_outfile_check(const char *path, mdc_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT) return 0;
        return mdc_error_set(err, "cannot write %s: %s", path, strerror(errno));
    }
    if (S_ISREG(st.st_mode)) return 0;
    return mdc_error_set(err, "cannot write %s: it is %s, not a regular file", path, kind_of(st.st_mode));
}

/* The directory part of target ("DIR/", "" for a bare name) and its base name. */
static void split_path(const char *target, size_t *dirlen, const char **base)
{
    const char *slash = strrchr(target, '/');
    *dirlen = slash ? (size_t)(slash - target) + 1 : 0;
    *base = slash ? slash + 1 : target;
}

/* True when name is ".BASE.tmp-XXXXXX" (6 mkstemp characters), optionally followed by
 * "-journal" (*journal then true). */
static bool is_temp_name(const char *name, const char *base, bool *journal)
{
    size_t bl = strlen(base), il = strlen(TEMP_INFIX);
    if (name[0] != '.' || strncmp(name + 1, base, bl) != 0 || strncmp(name + 1 + bl, TEMP_INFIX, il) != 0)
        return false;
    const char *r = name + 1 + bl + il;
    for (size_t i = 0; i < TEMP_RANDOM; i++)
        if (!((r[i] >= 'A' && r[i] <= 'Z') || (r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9')))
            return false;
    *journal = strcmp(r + TEMP_RANDOM, "-journal") == 0;
    return r[TEMP_RANDOM] == '\0' || *journal;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Removes path when it is a regular file whose lock nobody holds (with its journal). */
static void remove_if_stale(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st, now;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        lstat(path, &now) == 0 && same_file(&st, &now)) {
        unlink(path);
        size_t n = strlen(path) + sizeof "-journal";
        char *j = malloc(n);
        if (j) {
            snprintf(j, n, "%s-journal", path);
            unlink(j);
            free(j);
        }
    }
    close(fd);
}

/* Removes the stale temporary files of target in its directory (see the header). */
static void remove_stale(const char *target)
{
    size_t dirlen;
    const char *base;
    split_path(target, &dirlen, &base);
    char *dir = dirlen ? strndup(target, dirlen) : strdup(".");
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        bool journal = false;
        if (!is_temp_name(e->d_name, base, &journal)) continue;
        size_t n = dirlen + strlen(e->d_name) + 1;
        char *p = malloc(n);
        if (!p) break;
        snprintf(p, n, "%.*s%s", (int)dirlen, target, e->d_name);
        if (!journal) {
            remove_if_stale(p);
        } else {
            /* A journal outlives its file only if the owner died between the two unlinks. */
            struct stat st;
            p[strlen(p) - strlen("-journal")] = '\0';
            bool orphan = lstat(p, &st) < 0 && errno == ENOENT;
            p[strlen(p)] = '-';
            if (orphan) unlink(p);
        }
        free(p);
    }
    if (d) closedir(d);
    free(dir);
}

int mdc_tempfile_create(mdc_tempfile *t, const char *target, mdc_error *err)
{
    t->path = NULL;
    t->fd = -1;
    remove_stale(target);
    size_t dirlen;
    const char *base;
    split_path(target, &dirlen, &base);
    size_t n = dirlen + 1 + strlen(base) + strlen(TEMP_INFIX) + TEMP_RANDOM + 1;
    for (int tries = 0; tries < 16; tries++) {
        char *p = malloc(n);
        if (!p) return mdc_error_set(err, "out of memory");
        snprintf(p, n, "%.*s.%s" TEMP_INFIX "XXXXXX", (int)dirlen, target, base);
        int fd = mkostemp(p, O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            free(p);
            return mdc_error_set(err, "cannot create a temporary file next to %s: %s", target, strerror(e));
        }
        struct stat st, now;
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0 && st.st_nlink > 0 && lstat(p, &now) == 0 &&
            same_file(&st, &now)) {
            /* mkstemp makes 0600; an output is meant to be read by others: 0666 & ~umask. */
            mode_t mask = umask(022);
            umask(mask);
            (void)fchmod(fd, 0666 & ~mask); /* not fatal: the file stays private */
            t->path = p;
            t->fd = fd;
            return 0;
        }
        close(fd); /* removed by a cleaner before we held it: take another name */
        free(p);
    }
    return mdc_error_set(err, "cannot create a temporary file next to %s: it keeps disappearing", target);
}

void mdc_tempfile_discard(mdc_tempfile *t)
{
    if (!t) return;
    if (t->path) {
        unlink(t->path);
        size_t n = strlen(t->path) + sizeof "-journal";
        char *j = malloc(n);
        if (j) {
            snprintf(j, n, "%s-journal", t->path);
            unlink(j);
            free(j);
        }
    }
    if (t->fd >= 0) close(t->fd); /* after the unlink: the lock guards the name until then */
    free(t->path);
    t->path = NULL;
    t->fd = -1;
}

int mdc_tempfile_commit(mdc_tempfile *t, const char *target, mdc_error *err)
{
    char *dir = NULL;
    int rc = -1;
    if (fsync(t->fd) < 0) {
        mdc_error_set(err, "cannot fsync %s: %s", t->path, strerror(errno));
        goto done;
    }
    if (mdc_outfile_check(target, err) < 0) goto done;
    if (rename(t->path, target) < 0) {
        mdc_error_set(err, "cannot rename %s to %s: %s", t->path, target, strerror(errno));
        goto done;
    }
    free(t->path);
    t->path = NULL; /* it is the target now: nothing to remove */
    size_t dirlen;
    const char *base;
    split_path(target, &dirlen, &base);
    dir = dirlen ? strndup(target, dirlen) : strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd < 0) {
        mdc_error_set(err, "cannot open %s: %s", dir ? dir : target, strerror(errno));
        goto done;
    }
    int r = fsync(dfd), e = errno;
    close(dfd);
    if (r < 0 && e != EINVAL && e != EROFS) {
        mdc_error_set(err, "cannot fsync %s: %s", dir, strerror(e));
        goto done;
    }
    rc = 0;
done:
    free(dir);
    mdc_tempfile_discard(t);
    return rc;
}
