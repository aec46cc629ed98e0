/*
 * cmd_bump.c - `mdc bump [BASE]`: rewrites declared `version:` scalars in the working tree
 * to the smallest versions that satisfy the changes since BASE (default HEAD), SPEC 5.3.
 *
 * Only the bytes of each version scalar change (the loader records their span; quotes,
 * comments and layout stay byte for byte).  A file is rewritten atomically (temporary file
 * + rename, same mode), and only after checking that the span still holds the version the
 * compiler read.  A version that went down (VERSION_DECREASED) is left alone and reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../emit/report.h"
#include "cmd.h"
#include "diffstates.h"
#include "load.h"

typedef struct edit {
    const char *path; /* relative to the project root */
    uint32_t off, len;
    const char *what;
    mdc_semver from, to;
} edit;

static int cmp_edit(const void *pa, const void *pb)
{
    const edit *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    if (c) return c;
    return a->off < b->off ? -1 : a->off > b->off;
}

static int read_file(const char *path, mdc_buf *out, mode_t *mode)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    *mode = st.st_mode & 07777;
    char tmp[65536];
    ssize_t n;
    while ((n = read(fd, tmp, sizeof tmp)) > 0) mdc_buf_put(out, tmp, (size_t)n);
    close(fd);
    return n < 0 ? -1 : 0;
}

static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    snprintf(tmp, pl + 16, "%s.mdc-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    int ok = fchmod(fd, mode) == 0;
    size_t done = 0;
    while (ok && done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w <= 0) ok = 0;
        else done += (size_t)w;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) unlink(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

/* Applies the edits of one file (sorted by offset).  Returns 0 or an exit status. */
static int apply_file(const char *root, const edit *e, size_t n, mdc_arena *a)
{
    char *full = mdc_printf(a, "%s/%s", root, e[0].path);
    mdc_buf in = MDC_BUF_INIT, out = MDC_BUF_INIT;
    mode_t mode = 0644;
    int rc = 0;
    if (read_file(full, &in, &mode) < 0) {
        rc = mdc_fail("cannot read %s: %s", e[0].path, strerror(errno));
        goto done;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        /* The span must still hold the version the compiler read. */
        mdc_semver now;
        if ((size_t)e[i].off + e[i].len > in.len || e[i].off < at ||
            !mdc_semver_parse(a, mdc_strndup(a, in.ptr + e[i].off, e[i].len), &now) ||
            mdc_semver_cmp(&now, &e[i].from) != 0) {
            rc = mdc_fail("%s changed while mdc was reading it; run mdc bump again", e[i].path);
            goto done;
        }
        mdc_buf_put(&out, in.ptr + at, e[i].off - at);
        mdc_buf_puts(&out, mdc_semver_str(a, &e[i].to));
        at = e[i].off + e[i].len;
    }
    mdc_buf_put(&out, in.ptr + at, in.len - at);
    if (write_atomic(full, out.ptr, out.len, mode) < 0)
        rc = mdc_fail("cannot write %s: %s", e[0].path, strerror(errno));
done:
    mdc_buf_free(&in);
    mdc_buf_free(&out);
    return rc;
}

int mdc_cmd_bump(const mdc_global *g, int argc, char **argv)
{
    static const char usage[] =
        "usage: mdc bump [BASE]\n"
        "  rewrites declared versions in the working tree to the smallest versions that the\n"
        "  changes since BASE (default HEAD) require; nothing else in the files changes\n";
    const char *base_rev = "HEAD";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (argv[i][0] == '-' || i > 1) {
            fprintf(stderr, "mdc: unexpected argument '%s'\n%s", argv[i], usage);
            return 2;
        }
        base_rev = argv[i];
    }

    mdc_state_side base = {MDC_STATE_REV, base_rev}, head = {MDC_STATE_WORKTREE, NULL};
    mdc_diff_states ds;
    int rc = mdc_diff_states_open(&ds, g->dir, &base, &head);
    if (rc) return rc;
    if (!ds.diff) {
        mdc_buf out = MDC_BUF_INIT;
        mdc_report_opts ro = {g->color, mdc_repo_prefix(ds.repo), MDC_VERSION};
        mdc_report_diags(&out, MDC_FORMAT_TEXT, &ds.head->diags, &ro);
        fwrite(out.ptr, 1, out.len, stdout);
        mdc_buf_free(&out);
        fprintf(stderr, "mdc: fix the errors before bumping versions\n");
        mdc_diff_states_close(&ds);
        return 1;
    }

    edit *edits = mdc_new_array(ds.arena, edit, ds.diff->ndocs + 2);
    size_t n = 0;
    size_t decreased = 0;
    for (size_t i = 0; i < ds.diff->ndocs; i++) {
        const mdc_doc_diff *dd = ds.diff->docs[i];
        if (!dd->head || !dd->base || !dd->to.present || !dd->from.present || !dd->required.present) continue;
        if (mdc_semver_cmp(&dd->to, &dd->from) < 0) {
            decreased++;
            continue;
        }
        if (mdc_semver_cmp(&dd->to, &dd->required) >= 0 || dd->head->version_len == 0) continue;
        edits[n++] = (edit){dd->head->path, dd->head->version_off, dd->head->version_len,
                            mdc_printf(ds.arena, "%s %s", mdc_kind_name(dd->kind), dd->name), dd->to,
                            dd->required};
    }
    const mdc_project *p = ds.head->reg->project;
    const mdc_diff *df = ds.diff;
    if (p && p->version.present && df->registry_from.present && df->registry_required.present &&
        mdc_semver_cmp(&df->registry_to, &df->registry_from) >= 0 &&
        mdc_semver_cmp(&df->registry_to, &df->registry_required) < 0 && p->version_len)
        edits[n++] = (edit){"mdc.yaml", p->version_off, p->version_len, "registry", df->registry_to,
                            df->registry_required};

    qsort(edits, n, sizeof *edits, cmp_edit);
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        while (j < n && strcmp(edits[j].path, edits[i].path) == 0) j++;
        rc = apply_file(mdc_repo_root(ds.repo), &edits[i], j - i, ds.arena);
        for (size_t k = i; rc == 0 && k < j; k++)
            printf("%s: %s %s -> %s\n", edits[k].path, edits[k].what, mdc_semver_str(ds.arena, &edits[k].from),
                   mdc_semver_str(ds.arena, &edits[k].to));
        i = j;
    }
    if (rc == 0 && n == 0) printf("every declared version already satisfies the changes since %s\n", base_rev);
    if (decreased)
        fprintf(stderr, "mdc: %zu version(s) went down since %s; fix them by hand (see mdc diff)\n",
                decreased, base_rev);
    mdc_diff_states_close(&ds);
    return rc ? rc : (decreased ? 1 : 0);
}
