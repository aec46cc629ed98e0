/*
 * cmd_check.c - `mdc check` and `mdc hash`: compile one state and report.
 *
 *   mdc check [--staged | --rev REV] [--format text|json|github|sarif]
 *   mdc hash  [--staged | --rev REV] [--format text|json]
 *
 * Results (diagnostics for check, checksums for hash) go to stdout; "cannot run" errors
 * to stderr with exit status 2.
 */
#include <stdio.h>
#include <string.h>

#include "../emit/report.h"
#include "cmd.h"
#include "compile.h"

typedef struct state_args {
    mdc_state_kind kind;
    const char *rev;
    mdc_format format;
} state_args;

/* Parses the options shared by check and hash.  Returns 0, or 2 after a usage message. */
static int parse_args(int argc, char **argv, state_args *sa, const char *usage, bool allow_sarif)
{
    sa->kind = MDC_STATE_WORKTREE;
    sa->rev = NULL;
    sa->format = MDC_FORMAT_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        } else if (strcmp(a, "--staged") == 0 || strcmp(a, "--cached") == 0) {
            if (sa->kind == MDC_STATE_REV) return mdc_fail("--staged and --rev exclude each other");
            sa->kind = MDC_STATE_INDEX;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--rev", &val)) != 0) {
            if (m < 0) return 2;
            if (sa->kind == MDC_STATE_INDEX) return mdc_fail("--staged and --rev exclude each other");
            sa->kind = MDC_STATE_REV;
            sa->rev = val;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--format", &val)) != 0) {
            if (m < 0) return 2;
            if (mdc_format_parse(val, &sa->format) < 0 ||
                (!allow_sarif && (sa->format == MDC_FORMAT_SARIF || sa->format == MDC_FORMAT_GITHUB)))
                return mdc_fail("unknown format '%s'", val);
        } else {
            fprintf(stderr, "mdc: unknown argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    return 0;
}

/* Opens the repository and compiles the requested state. */
static int compile_state(const mdc_global *g, const state_args *sa, mdc_repo **repo,
                         mdc_compilation **c)
{
    mdc_error err = {{0}};
    if (mdc_repo_open(repo, g->dir, &err) < 0) return mdc_fail("%s", err.msg);
    mdc_compile_opts o = {sa->kind, sa->rev, 0};
    if (mdc_compile(c, *repo, &o, &err) < 0) {
        mdc_repo_free(*repo);
        *repo = NULL;
        return mdc_fail("%s", err.msg);
    }
    return 0;
}

static void write_out(mdc_buf *b)
{
    if (b->len) fwrite(b->ptr, 1, b->len, stdout);
    mdc_buf_free(b);
}

int mdc_cmd_check(const mdc_global *g, int argc, char **argv)
{
    static const char usage[] =
        "usage: mdc check [--staged | --rev REV] [--format text|json|github|sarif]\n";
    state_args sa;
    int rc = parse_args(argc, argv, &sa, usage, true);
    if (rc) return rc < 0 ? 0 : rc;

    mdc_repo *repo = NULL;
    mdc_compilation *c = NULL;
    if ((rc = compile_state(g, &sa, &repo, &c)) != 0) return rc;

    mdc_report_opts ro = {g->color, mdc_repo_prefix(repo), MDC_VERSION};
    mdc_buf out = MDC_BUF_INIT;
    mdc_report_diags(&out, sa.format, &c->diags, &ro);
    write_out(&out);
    rc = c->diags.errors ? 1 : 0;
    mdc_compilation_free(c);
    mdc_repo_free(repo);
    return rc;
}

int mdc_cmd_hash(const mdc_global *g, int argc, char **argv)
{
    static const char usage[] = "usage: mdc hash [--staged | --rev REV] [--format text|json]\n";
    state_args sa;
    int rc = parse_args(argc, argv, &sa, usage, false);
    if (rc) return rc < 0 ? 0 : rc;

    mdc_repo *repo = NULL;
    mdc_compilation *c = NULL;
    if ((rc = compile_state(g, &sa, &repo, &c)) != 0) return rc;

    mdc_buf out = MDC_BUF_INIT;
    if (c->diags.errors) {
        /* No checksum for an invalid state: say why, on stderr. */
        mdc_report_opts ro = {false, mdc_repo_prefix(repo), MDC_VERSION};
        mdc_report_diags(&out, MDC_FORMAT_TEXT, &c->diags, &ro);
        fwrite(out.ptr, 1, out.len, stderr);
        mdc_buf_free(&out);
        fprintf(stderr, "mdc: no checksums: the definitions have errors\n");
        rc = 1;
    } else {
        mdc_report_hash(&out, sa.format, c->reg);
        write_out(&out);
        rc = 0;
    }
    mdc_compilation_free(c);
    mdc_repo_free(repo);
    return rc;
}
