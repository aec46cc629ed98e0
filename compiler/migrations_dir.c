/*
 * migrations_dir.c - the migrations folder as a chain; see migrations_dir.h for the format,
 * the lock and the write-ahead order of an add.
 *
 * Reading a dialect folder: open it relative to the locked root without following links,
 * list the entries named like migrations (a link or a non-regular file stops the command),
 * read mdc.sum, then verify: numbers from 0001 without gap or repeat, one well-formed line
 * per file in number order, and every line's HASH against the line before it.  Every way
 * the chain fails is one message naming the file (and the mdc.sum line); the caller decides
 * what a failing chain means (--check: exit 1; --write and printing: refuse).
 */
#define _GNU_SOURCE /* O_CLOEXEC, O_NOFOLLOW, O_DIRECTORY on every libc */
#include "migrations_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "canon.h" /* mdc_xxh128_hex */

#define TMP_PREFIX ".mdc-tmp."
#define SUM_NAME "mdc.sum"
#define HASH_HEX 32
#define FAULT_EXIT 86

static const char link_why[] =
    "mdc does not follow links out of the repository (a symlinked mdc.yaml is "
    "refused the same way)";

/* ------------------------------------------------------------------ names */

bool mdc_is_migration_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 10 || strcmp(s + n - 4, ".sql") != 0 || strchr(s, '/')) return false;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return s[4] == '_';
}

static unsigned number_of(const char *name)
{
    return (unsigned)((name[0] - '0') * 1000 + (name[1] - '0') * 100 + (name[2] - '0') * 10 +
                      (name[3] - '0'));
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
    return false;
}

/* ".mdc-tmp.*", or an older mdc's ".<migration or mdc.sum>.tmp-XXXXXX" (mkstemp). */
static bool is_temp_name(const char *s)
{
    if (strncmp(s, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) return s[strlen(TMP_PREFIX)] != '\0';
    size_t n = strlen(s);
    if (s[0] != '.' || n < 1 + 5 + 6 || strncmp(s + n - 11, ".tmp-", 5) != 0) return false;
    for (size_t i = n - 6; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
            return false;
    }
    char *inner = strndup(s + 1, n - 12);
    bool ok = inner && (strcmp(inner, SUM_NAME) == 0 || mdc_is_migration_name(inner));
    free(inner);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ------------------------------------------------------------------ files */

/* Reads the regular file `name` of folder fd, never through a link, appending to out. */
static int read_at(int fd, const char *name, mdc_buf *out)
{
    int f = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) return -1;
    char buf[65536];
    ssize_t n;
    while ((n = read(f, buf, sizeof buf)) > 0)
        mdc_buf_put(out, buf, (size_t)n);
    int e = errno;
    close(f);
    if (!out->ptr) mdc_buf_put(out, "", 0);
    errno = e;
    return n < 0 ? -1 : 0;
}

/* The chain HASH of a file: XXH3-128 of prev (32 hex digits, or "") + its bytes.  The bytes
 * are appended to scratch after prev; *text points at them there. */
static int chain_hash(int fd, const char *name, const char *prev, mdc_buf *scratch, char out[33],
                      const char **text, size_t *len)
{
    mdc_buf_clear(scratch);
    mdc_buf_puts(scratch, prev);
    size_t off = scratch->len;
    if (read_at(fd, name, scratch) < 0) return -1;
    mdc_xxh128_hex(scratch->ptr, scratch->len, out);
    if (text) *text = scratch->ptr + off;
    if (len) *len = scratch->len - off;
    return 0;
}

/* Writes text to a new file `name` of folder fd (replacing a stale one) and fsyncs it. */
static int write_new_at(int fd, const char *name, const char *text, size_t len)
{
    if (unlinkat(fd, name, 0) < 0 && errno != ENOENT) return -1;
    int f = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (f < 0) return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(f, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            close(f);
            errno = e;
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(f) < 0) {
        int e = errno;
        close(f);
        errno = e;
        return -1;
    }
    return close(f);
}

/* Cuts the file `name` of folder fd to len bytes (the short-write fault). */
static int truncate_at(int fd, const char *name, size_t len)
{
    int f = openat(fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) return -1;
    int rc = ftruncate(f, (off_t)len);
    close(f);
    return rc;
}

/* ------------------------------------------------------------------ folders */

/*
 * Opens path (one or more '/'-separated components) below folder `at`, never following a
 * link; shown[0..shown_len) names `at` in messages ("" for the repository root).  With
 * create, missing folders are made; otherwise a missing one gives *out = -1 and 0.
 */
static int open_below(int at, const char *shown, size_t shown_len, const char *path, bool create,
                      int *out, mdc_error *err)
{
    *out = -1;
    int cur = at, rc = -1;
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        char *comp = strndup(p, len);
        size_t upto = (size_t)(p - path) + len;
        if (!comp) {
            mdc_error_set(err, "out of memory");
            goto done;
        }
        struct stat sb;
        int st = fstatat(cur, comp, &sb, AT_SYMLINK_NOFOLLOW);
        if (st < 0 && errno == ENOENT && create) {
            if (mkdirat(cur, comp, 0777) < 0 && errno != EEXIST) {
                mdc_error_set(err, "cannot make %.*s%s%.*s: %s", (int)shown_len, shown,
                              shown_len ? "/" : "", (int)upto, path, strerror(errno));
                free(comp);
                goto done;
            }
            fsync(cur); /* the new folder's entry is durable before anything is put in it */
            st = fstatat(cur, comp, &sb, AT_SYMLINK_NOFOLLOW);
        }
        if (st < 0 && errno == ENOENT) {
            free(comp);
            rc = 0; /* *out stays -1 */
            goto done;
        }
        int fd = -1;
        if (st == 0 && S_ISDIR(sb.st_mode))
            fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        free(comp);
        if (fd < 0) {
            int e = errno;
            const char *what = st < 0                              ? strerror(e)
                               : S_ISLNK(sb.st_mode) || e == ELOOP ? NULL
                               : !S_ISDIR(sb.st_mode)              ? "it is not a folder"
                                                                   : strerror(e);
            if (!what)
                mdc_error_set(err, "%.*s%s%.*s is a symlink: %s; make it a folder", (int)shown_len,
                              shown, shown_len ? "/" : "", (int)upto, path, link_why);
            else
                mdc_error_set(err, "cannot open %.*s%s%.*s: %s", (int)shown_len, shown,
                              shown_len ? "/" : "", (int)upto, path, what);
            goto done;
        }
        if (cur != at) close(cur);
        cur = fd;
        p += len + (slash ? 1 : 0);
    }
    *out = cur;
    cur = at;
    rc = 0;
done:
    if (cur != at) close(cur);
    return rc;
}

static int lock_wait_seconds(void)
{
    const char *s = getenv("MDC_MIGRATE_LOCK_WAIT");
    if (!s || !*s) return 30;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v < 0 || v > 86400 ? 30 : (int)v;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mdc_migrations_lock(int *lockfd, const char *root, const char *rel, bool write, mdc_error *err)
{
    *lockfd = -1;
    int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0) return mdc_error_set(err, "cannot open %s: %s", root, strerror(errno));
    int fd;
    int rc = open_below(rfd, "", 0, rel, write, &fd, err);
    close(rfd);
    if (rc < 0 || fd < 0) return rc;

    int wait = lock_wait_seconds();
    double t0 = now_s();
    bool told = false;
    while (flock(fd, (write ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
        int e = errno;
        if (e == EINTR) continue;
        if (e != EWOULDBLOCK) {
            close(fd);
            return mdc_error_set(err, "cannot lock %s: %s", rel, strerror(e));
        }
        if (now_s() - t0 >= wait) {
            close(fd);
            return mdc_error_set(
                err,
                "%s is locked by another mdc migrate (waited %d s; MDC_MIGRATE_LOCK_WAIT sets "
                "how long): try again when it has finished",
                rel, wait);
        }
        if (!told)
            fprintf(stderr, "mdc: waiting for %s: another mdc migrate holds its lock\n", rel);
        told = true;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    *lockfd = fd;
    return 0;
}

/* ------------------------------------------------------------------ reading */

static void problem(mdc_chain *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(mdc_chain *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mdc_buf_puts(&c->problems, "mdc: ");
    mdc_buf_vprintf(&c->problems, fmt, ap);
    mdc_buf_putc(&c->problems, '\n');
    va_end(ap);
    c->nproblems++;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int push_name(char ***v, size_t *n, size_t *cap, const char *s)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        char **nv = realloc(*v, nc * sizeof *nv);
        if (!nv) return -1;
        *v = nv, *cap = nc;
    }
    if (!((*v)[*n] = strdup(s))) return -1;
    (*n)++;
    return 0;
}

/* Clears what a scan filled in (the folder descriptor stays). */
static void reset(mdc_chain *c)
{
    free_names(c->files, c->nfiles);
    c->files = NULL, c->nfiles = 0;
    c->has_sum = false;
    mdc_buf_clear(&c->sum);
    c->nlines = 0;
    c->last_hash[0] = '\0';
    free(c->pending);
    c->pending = NULL;
    mdc_buf_clear(&c->newest);
    c->newest_text = NULL, c->newest_len = 0;
    mdc_buf_clear(&c->problems);
    c->nproblems = 0;
}

/* Lists the migration files (sorted) and the temp files of the folder, reads mdc.sum. */
static int list_folder(mdc_chain *c, char ***temps, size_t *ntemps, mdc_error *err)
{
    int dfd = dup(c->fd);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (!d) {
        if (dfd >= 0) close(dfd);
        return mdc_error_set(err, "cannot list %s: %s", c->rel, strerror(errno));
    }
    rewinddir(d);
    int rc = -1;
    size_t cap = 0, tcap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        if (is_temp_name(name)) {
            if (push_name(temps, ntemps, &tcap, name) < 0) goto oom;
            continue;
        }
        bool is_sum = strcmp(name, SUM_NAME) == 0;
        if (!is_sum && !mdc_is_migration_name(name)) continue;
        if (has_control(name)) {
            mdc_error_set(err,
                          "%s/%.4s...: a migration file name with a control character: rename it",
                          c->rel, name);
            goto done;
        }
        struct stat sb;
        if (fstatat(c->fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) continue; /* removed meanwhile (not by an mdc: we hold the lock) */
            mdc_error_set(err, "cannot read %s/%s: %s", c->rel, name, strerror(errno));
            goto done;
        }
        if (S_ISLNK(sb.st_mode)) {
            mdc_error_set(err, "%s/%s is a symlink: %s; make it a regular file", c->rel, name,
                          link_why);
            goto done;
        }
        if (!S_ISREG(sb.st_mode)) {
            mdc_error_set(err, "%s/%s is not a regular file", c->rel, name);
            goto done;
        }
        if (is_sum) {
            c->has_sum = true;
            if (read_at(c->fd, SUM_NAME, &c->sum) < 0) {
                mdc_error_set(err, "cannot read %s/%s: %s", c->rel, SUM_NAME, strerror(errno));
                goto done;
            }
        } else if (push_name(&c->files, &c->nfiles, &cap, name) < 0) {
            goto oom;
        }
    }
    if (c->nfiles > 1) qsort(c->files, c->nfiles, sizeof *c->files, cmp_str);
    rc = 0;
    goto done;
oom:
    mdc_error_set(err, "out of memory");
done:
    closedir(d);
    return rc;
}

/* One line of mdc.sum. */
typedef struct sum_line {
    char name[256];
    char hash[HASH_HEX + 1];
    bool ok; /* well-formed */
} sum_line;

static sum_line *parse_sum(mdc_chain *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->sum.len; i++)
        if (c->sum.ptr[i] == '\n' || i + 1 == c->sum.len) n++;
    sum_line *v = calloc(n ? n : 1, sizeof *v);
    if (!v) return NULL;
    const char *p = c->sum.ptr, *end = c->sum.ptr + c->sum.len;
    for (size_t k = 0; k < n; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *sp = memchr(p, ' ', (size_t)(le - p));
        size_t nlen = sp ? (size_t)(sp - p) : 0;
        bool ok = sp && nlen < sizeof v[k].name && le - sp - 1 == HASH_HEX;
        if (ok) {
            memcpy(v[k].name, p, nlen);
            for (size_t i = 0; i < nlen; i++)
                if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f) ok = false;
            for (int i = 0; i < HASH_HEX && ok; i++) {
                char h = sp[1 + i];
                ok = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f');
            }
            ok = ok && mdc_is_migration_name(v[k].name);
            if (ok) memcpy(v[k].hash, sp + 1, HASH_HEX);
        }
        v[k].ok = ok;
        if (!ok)
            problem(c,
                    "%s/%s:%zu: not a line of %s (want `NAME HASH`: a migration file name, one "
                    "space, 32 hex "
                    "digits)",
                    c->rel, SUM_NAME, k + 1, SUM_NAME);
        p = le + 1;
    }
    c->nlines = n;
    return v;
}

static ssize_t find_file(const mdc_chain *c, const char *name)
{
    const char *key = name;
    char **hit = c->nfiles ? bsearch(&key, c->files, c->nfiles, sizeof *c->files, cmp_str) : NULL;
    return hit ? hit - c->files : -1;
}

/* Verifies the chain read into c; fills c->problems, c->pending, c->last_hash, c->newest. */
static int verify(mdc_chain *c, mdc_error *err)
{
    size_t n = c->nfiles;
    int rc = -1;
    bool *dup = calloc(n ? n : 1, sizeof *dup), *listed = calloc(n ? n : 1, sizeof *listed);
    sum_line *lines = NULL;
    mdc_buf scratch = MDC_BUF_INIT;
    if (!dup || !listed) goto oom;

    if (!c->has_sum && n)
        problem(c,
                "%s/%s: missing, but the folder has %zu migration file%s (mdc migrate --write "
                "writes it: "
                "restore it from git)",
                c->rel, SUM_NAME, n, n == 1 ? "" : "s");

    /* numbers: 0001, 0002, ... without a gap or a repeat */
    unsigned expect = 1;
    const char *before = NULL; /* the last file with a usable number */
    for (size_t i = 0; i < n; i++) {
        unsigned num = number_of(c->files[i]);
        if (num == 0) {
            problem(c, "%s/%s: migration numbers start at 0001", c->rel, c->files[i]);
            continue;
        }
        if (before && num == number_of(before)) {
            dup[i] = true;
            dup[i - 1] = true;
            problem(c,
                    "%s: %s and %s have the same number (two branches each added a migration?): "
                    "keep one; "
                    "the other's changes go into a new migration",
                    c->rel, before, c->files[i]);
            continue;
        }
        if (num > expect) {
            mdc_buf ctx = MDC_BUF_INIT;
            if (before)
                mdc_buf_printf(&ctx, "%s is followed by %s", before, c->files[i]);
            else
                mdc_buf_printf(&ctx, "the first file is %s", c->files[i]);
            if (num == expect + 1)
                problem(c, "%s: no migration numbered %04u (%s)", c->rel, expect, ctx.ptr);
            else
                problem(c, "%s: no migrations numbered %04u to %04u (%s)", c->rel, expect, num - 1,
                        ctx.ptr);
            mdc_buf_free(&ctx);
        }
        expect = num + 1;
        before = c->files[i];
    }

    /* mdc.sum: one line per file, in number order, each HASH chained to the line before */
    if (c->has_sum && !(lines = parse_sum(c))) goto oom;
    const char *prev_name = NULL;
    for (size_t k = 0; k < c->nlines; k++) {
        const sum_line *l = &lines[k];
        if (!l->ok) {
            prev_name = NULL;
            continue;
        }
        size_t first = k;
        for (size_t q = 0; q < k && first == k; q++)
            if (lines[q].ok && strcmp(lines[q].name, l->name) == 0) first = q;
        if (first != k) {
            problem(c, "%s/%s:%zu: lists %s a second time (first on line %zu)", c->rel, SUM_NAME,
                    k + 1, l->name, first + 1);
            continue;
        }
        if (prev_name && strcmp(l->name, prev_name) < 0)
            problem(c, "%s/%s:%zu: lists %s after %s: the lines are out of number order", c->rel,
                    SUM_NAME, k + 1, l->name, prev_name);
        prev_name = l->name;
        const char *prev_hash = k == 0 ? "" : lines[k - 1].ok ? lines[k - 1].hash : NULL;
        ssize_t j = find_file(c, l->name);
        if (j < 0) {
            /* the last line of an interrupted write: its text waits in the temp file */
            char tmp[sizeof TMP_PREFIX + sizeof l->name], h[33];
            snprintf(tmp, sizeof tmp, "%s%s", TMP_PREFIX, l->name);
            struct stat sb;
            if (k + 1 == c->nlines && prev_hash &&
                fstatat(c->fd, tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
                chain_hash(c->fd, tmp, prev_hash, &scratch, h, NULL, NULL) == 0 &&
                strcmp(h, l->hash) == 0) {
                if (!(c->pending = strdup(l->name))) goto oom;
                problem(c,
                        "%s/%s: an interrupted mdc migrate --write left it unfinished (line %zu of "
                        "%s lists it; "
                        "its text is in %s): run mdc migrate --write to finish it",
                        c->rel, l->name, k + 1, SUM_NAME, tmp);
            } else {
                problem(c, "%s/%s:%zu: lists %s, which does not exist (restore it from git)",
                        c->rel, SUM_NAME, k + 1, l->name);
            }
            continue;
        }
        listed[j] = true;
        /* line k verifies file k; a file out of place is reported above, not as edited */
        if (!prev_hash || dup[j] || number_of(l->name) != k + 1) continue;
        char h[33];
        const char *text;
        size_t len;
        if (chain_hash(c->fd, l->name, prev_hash, &scratch, h, &text, &len) < 0) {
            mdc_error_set(err, "cannot read %s/%s: %s", c->rel, l->name, strerror(errno));
            goto done;
        }
        if (strcmp(h, l->hash) != 0)
            problem(c,
                    "%s/%s: edited after it was recorded (its hash does not match line %zu of %s): "
                    "restore it "
                    "from git; a change goes into a new migration",
                    c->rel, l->name, k + 1, SUM_NAME);
        if ((size_t)j + 1 == n) { /* keep the newest file's bytes for the caller */
            mdc_buf tmpb = c->newest;
            c->newest = scratch;
            scratch = tmpb;
            c->newest_text = text;
            c->newest_len = len;
        }
    }
    if (c->nlines && lines[c->nlines - 1].ok)
        memcpy(c->last_hash, lines[c->nlines - 1].hash, HASH_HEX + 1);
    if (c->has_sum)
        for (size_t i = 0; i < n; i++)
            if (!listed[i])
                problem(c,
                        "%s/%s: no line in %s (only mdc migrate --write adds migrations: restore "
                        "%s from git, "
                        "or remove the file)",
                        c->rel, c->files[i], SUM_NAME, SUM_NAME);
    rc = 0;
    goto done;
oom:
    mdc_error_set(err, "out of memory");
done:
    free(dup);
    free(listed);
    free(lines);
    mdc_buf_free(&scratch);
    return rc;
}

/* Lists, reads and verifies the folder; temp files go to *temps. */
static int scan(mdc_chain *c, char ***temps, size_t *ntemps, mdc_error *err)
{
    reset(c);
    if (list_folder(c, temps, ntemps, err) < 0) return -1;
    return verify(c, err);
}

/* --write: finishes a pending write (its bytes verified by scan), removes temp files. */
static int repair(mdc_chain *c, char **temps, size_t ntemps, bool *changed, mdc_error *err)
{
    *changed = false;
    if (c->pending) {
        char tmp[sizeof TMP_PREFIX + 256];
        snprintf(tmp, sizeof tmp, "%s%s", TMP_PREFIX, c->pending);
        if (linkat(c->fd, tmp, c->fd, c->pending, 0) < 0 || fsync(c->fd) < 0)
            return mdc_error_set(err, "cannot finish %s/%s from %s: %s", c->rel, c->pending, tmp,
                                 strerror(errno));
        fprintf(stderr, "mdc: %s/%s: finished what an interrupted mdc migrate --write left\n",
                c->rel, c->pending);
        *changed = true;
    }
    for (size_t i = 0; i < ntemps; i++) {
        struct stat sb;
        if (fstatat(c->fd, temps[i], &sb, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(sb.st_mode)) continue;
        if (unlinkat(c->fd, temps[i], 0) < 0 && errno != ENOENT)
            return mdc_error_set(err, "cannot remove %s/%s: %s", c->rel, temps[i], strerror(errno));
        *changed = true;
    }
    if (*changed && fsync(c->fd) < 0)
        return mdc_error_set(err, "cannot sync %s: %s", c->rel, strerror(errno));
    return 0;
}

int mdc_chain_read(mdc_chain *c, int rootfd, const char *dialect, const char *rel, bool with_repair,
                   mdc_error *err)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->rel = rel;
    if (rootfd < 0) return 0; /* no migrations folder: the empty chain */
    size_t root_len = strlen(rel) - strlen(dialect) - 1;
    if (open_below(rootfd, rel, root_len, dialect, false, &c->fd, err) < 0) return -1;
    if (c->fd < 0) return 0;
    char **temps = NULL;
    size_t ntemps = 0;
    int rc = scan(c, &temps, &ntemps, err);
    if (rc == 0 && with_repair) {
        bool changed;
        rc = repair(c, temps, ntemps, &changed, err);
        free_names(temps, ntemps);
        temps = NULL, ntemps = 0;
        if (rc == 0 && changed) rc = scan(c, &temps, &ntemps, err);
    }
    free_names(temps, ntemps);
    return rc;
}

/* ------------------------------------------------------------------ adding */

/* MDC_MIGRATE_FAULT: stops the process right after `step` (tests only). */
static void fault_point(const char *step)
{
    const char *f = getenv("MDC_MIGRATE_FAULT");
    if (f && strcmp(f, step) == 0) _exit(FAULT_EXIT);
}

int mdc_chain_add(mdc_chain *c, int rootfd, const char *dialect, const char *name, const char *text,
                  size_t len, mdc_chain_check check, void *ctx, mdc_error *err)
{
    int rc = -1;
    char tmp[sizeof TMP_PREFIX + 256], sum_tmp[] = TMP_PREFIX SUM_NAME, h[33];
    mdc_buf back = MDC_BUF_INIT, sum = MDC_BUF_INIT;
    bool tmp_made = false, made_folder = c->fd < 0;
    if (strlen(name) >= 256 || !mdc_is_migration_name(name))
        return mdc_error_set(err, "%s: `%s` is not a migration file name", c->rel, name);
    snprintf(tmp, sizeof tmp, "%s%s", TMP_PREFIX, name);
    if (c->fd < 0) {
        size_t root_len = strlen(c->rel) - strlen(dialect) - 1;
        if (open_below(rootfd, c->rel, root_len, dialect, true, &c->fd, err) < 0) return -1;
    }

    /* 1. the text, under its temp name, read back and checked */
    tmp_made = true;
    if (write_new_at(c->fd, tmp, text, len) < 0) {
        mdc_error_set(err, "cannot write %s/%s: %s", c->rel, tmp, strerror(errno));
        goto done;
    }
    fault_point("temp");
    const char *f = getenv("MDC_MIGRATE_FAULT");
    if (f && strcmp(f, "short-write") == 0 && truncate_at(c->fd, tmp, len / 2) < 0) goto io;
    if (chain_hash(c->fd, tmp, c->last_hash, &back, h, NULL, NULL) < 0) goto io;
    size_t plen = strlen(c->last_hash);
    if (check(ctx, back.ptr + plen, back.len - plen, err) < 0) {
        rc = 1;
        goto done;
    }
    fault_point("read-back");

    /* 2. the old mdc.sum + the new line, under its temp name */
    mdc_buf_put(&sum, c->sum.ptr ? c->sum.ptr : "", c->sum.len);
    if (sum.len && sum.ptr[sum.len - 1] != '\n') mdc_buf_putc(&sum, '\n');
    mdc_buf_printf(&sum, "%s %s\n", name, h);
    if (write_new_at(c->fd, sum_tmp, sum.ptr, sum.len) < 0) {
        mdc_error_set(err, "cannot write %s/%s: %s", c->rel, sum_tmp, strerror(errno));
        goto done;
    }
    fault_point("sum-temp");

    /* 3. the commit point */
    if (renameat(c->fd, sum_tmp, c->fd, SUM_NAME) < 0 || fsync(c->fd) < 0) {
        mdc_error_set(err, "cannot write %s/%s: %s", c->rel, SUM_NAME, strerror(errno));
        unlinkat(c->fd, sum_tmp, 0);
        goto done;
    }
    tmp_made = false; /* from here on the temp file is the pending migration: never removed */
    fault_point("sum");

    /* 4. the file under its name */
    if (linkat(c->fd, tmp, c->fd, name, 0) < 0) {
        mdc_error_set(
            err,
            "cannot write %s/%s: %s (mdc.sum lists it: the next mdc migrate --write finishes it)",
            c->rel, name,
            errno == EEXIST ? "the file exists (a migration is never overwritten)"
                            : strerror(errno));
        goto done;
    }
    fault_point("link");
    /* no fsync of the folder needed: lost by a power cut, the link or the unlink leave a
     * pending write or a stray temp file, both cleared by the next --write */
    if (unlinkat(c->fd, tmp, 0) < 0) {
        mdc_error_set(err, "cannot finish %s/%s: %s", c->rel, name, strerror(errno));
        goto done;
    }
    fault_point("done");

    /* c is now the new chain */
    char **nv = realloc(c->files, (c->nfiles + 1) * sizeof *nv);
    if (!nv || !(nv[c->nfiles] = strdup(name))) {
        if (nv) c->files = nv;
        mdc_error_set(err, "out of memory");
        goto done;
    }
    c->files = nv;
    c->nfiles++;
    c->has_sum = true;
    mdc_buf tb = c->sum;
    c->sum = sum;
    sum = tb;
    c->nlines++;
    memcpy(c->last_hash, h, sizeof h);
    rc = 0;
    goto done;
io:
    mdc_error_set(err, "cannot read back %s/%s: %s", c->rel, tmp, strerror(errno));
done:
    if (rc != 0 && tmp_made) unlinkat(c->fd, tmp, 0);
    if (rc != 0 && made_folder && c->fd >= 0 && unlinkat(rootfd, dialect, AT_REMOVEDIR) == 0) {
        close(c->fd); /* nothing was published: the folder this add made goes again */
        c->fd = -1;
    }
    mdc_buf_free(&back);
    mdc_buf_free(&sum);
    return rc;
}

void mdc_chain_free(mdc_chain *c)
{
    reset(c);
    mdc_buf_free(&c->sum);
    mdc_buf_free(&c->newest);
    mdc_buf_free(&c->problems);
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}
