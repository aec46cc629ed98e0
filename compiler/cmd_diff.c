/*
 * cmd_diff.c - `mdc diff [BASE [HEAD]] [--staged] [--format text|json|github|sarif]`.
 *
 * BASE defaults to HEAD, HEAD to the working tree (--staged: the index).  The head state
 * is compiled sharing the base's documents from identical blobs, so only files that differ
 * are parsed twice.  A base without mdc.yaml (the commit before a project adopted mdc)
 * counts as an empty registry.  When GITHUB_STEP_SUMMARY is set, a markdown summary is
 * appended to that file (a warning on stderr if it cannot be; the exit status stays).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/diff_report.h"
#include "../emit/report.h"
#include "cmd.h"
#include "compile.h"
#include "diff.h"
#include "diffstates.h"

static const char usage[] =
    "usage: mdc diff [BASE [HEAD]] [--staged] [--format text|json|github|sarif]\n"
    "  BASE  a revision (default HEAD)\n"
    "  HEAD  a revision (default: the working tree; --staged: the index)\n";

static void append_step_summary(const mdc_diff *df, const mdc_diags *d, const char *bl, const char *hl)
{
    const char *path = getenv("GITHUB_STEP_SUMMARY");
    if (!path || !*path) return;
    /* A summary that cannot be written is worth a warning, not a different verdict: the
     * exit status stays the diff's. */
    FILE *f = fopen(path, "a");
    if (!f) {
        mdc_warn("cannot write GITHUB_STEP_SUMMARY %s: %s", path, strerror(errno));
        return;
    }
    mdc_buf md = MDC_BUF_INIT;
    mdc_report_diff_markdown(&md, df, d, bl, hl);
    size_t w = fwrite(md.ptr, 1, md.len, f);
    int e = errno;
    if (fclose(f) != 0 || w != md.len)
        mdc_warn("cannot write GITHUB_STEP_SUMMARY %s: %s", path, strerror(errno ? errno : e));
    mdc_buf_free(&md);
}

int mdc_cmd_diff(const mdc_global *g, int argc, char **argv)
{
    const char *revs[2] = {NULL, NULL};
    size_t nrevs = 0;
    bool staged = false;
    mdc_format fmt = MDC_FORMAT_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--staged") == 0 || strcmp(a, "--cached") == 0) {
            staged = true;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0) return 2;
            if (mdc_format_parse(v, &fmt) < 0) return mdc_fail("unknown format '%s'", v);
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "mdc: unknown option '%s'\n%s", a, usage);
            return 2;
        } else if (nrevs < 2) {
            revs[nrevs++] = a;
        } else {
            fprintf(stderr, "mdc: too many revisions\n%s", usage);
            return 2;
        }
    }
    if (staged && nrevs == 2) return mdc_fail("--staged compares BASE with the index; give one revision");

    mdc_state_side base = {MDC_STATE_REV, revs[0] ? revs[0] : "HEAD"};
    mdc_state_side head = {staged ? MDC_STATE_INDEX : MDC_STATE_WORKTREE, NULL};
    if (nrevs == 2) head = (mdc_state_side){MDC_STATE_REV, revs[1]};

    mdc_diff_states ds;
    int rc = mdc_diff_states_open(&ds, g->dir, &base, &head);
    if (rc) return rc;

    mdc_report_opts ro = {g->color, mdc_repo_prefix(ds.repo), MDC_VERSION};
    mdc_buf out = MDC_BUF_INIT;
    if (ds.head->diags.errors) {
        /* The head does not compile: that is the finding, in the diff's own structure
         * (no documents) so that tools reading the output see one shape. */
        mdc_report_diff(&out, fmt, NULL, &ds.head->diags, ds.base_label, ds.head_label, &ro);
        append_step_summary(NULL, &ds.head->diags, ds.base_label, ds.head_label);
        rc = 1;
    } else {
        mdc_report_diff(&out, fmt, ds.diff, &ds.diags, ds.base_label, ds.head_label, &ro);
        append_step_summary(ds.diff, &ds.diags, ds.base_label, ds.head_label);
        rc = ds.diags.errors ? 1 : 0;
    }
    if (out.len) fwrite(out.ptr, 1, out.len, stdout);
    mdc_buf_free(&out);
    mdc_diff_states_close(&ds);
    return rc;
}
