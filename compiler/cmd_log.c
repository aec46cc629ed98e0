/*
 * cmd_log.c - `mdc log [NAME] [--rev REV] [--format text|json]`: the derived-version
 * timeline of SPEC 5.3 (commit, date, version, bump, rules hit), walked on the first-parent
 * chain (a merge counts as one change against its first parent).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../emit/escape.h"
#include "../emit/report.h"
#include "../model/json.h"
#include "cmd.h"
#include "history.h"

static void iso_date(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void log_text(mdc_buf *b, const mdc_history *h, const char *name, bool color)
{
    const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    const mdc_history_entry *prev = NULL;
    for (size_t i = 0; i < h->n; i++) {
        const mdc_history_entry *e = &h->entries[i];
        if (name && strcmp(e->name, name) != 0) continue;
        if (!prev || prev->kind != e->kind || strcmp(prev->name, e->name) != 0) {
            mdc_buf_printf(b, "%s%s%s ", prev ? "\n" : "", bold, mdc_kind_name(e->kind));
            mdc_text_line(b, e->name);
            mdc_buf_printf(b, "%s\n", off);
        }
        char date[32];
        iso_date(e->committed_at, date);
        mdc_buf_printf(b, "  %.12s  %s  %-10s %-6s %s\n", e->commit, date,
                       e->removed ? "removed" : (e->version ? e->version : "-"),
                       e->bump == MDC_BUMP_NONE ? (i && prev && prev->name == e->name ? "-" : "new") : mdc_bump_name(e->bump),
                       e->rules_json);
        prev = e;
    }
}

static void log_json(mdc_buf *b, const mdc_history *h, const char *name)
{
    size_t start = b->len;
    mdc_buf_puts(b, "{\"entries\":[");
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++) {
        const mdc_history_entry *e = &h->entries[i];
        if (name && strcmp(e->name, name) != 0) continue;
        char date[32];
        iso_date(e->committed_at, date);
        mdc_buf_puts(b, n++ ? ",{\"kind\":" : "{\"kind\":");
        mdc_json_str(b, mdc_kind_name(e->kind));
        mdc_buf_puts(b, ",\"name\":");
        mdc_json_str(b, e->name);
        mdc_buf_printf(b, ",\"commit\":\"%s\",\"date\":\"%s\",\"version\":", e->commit, date);
        if (e->version)
            mdc_json_str(b, e->version);
        else
            mdc_buf_puts(b, "null");
        mdc_buf_printf(b, ",\"bump\":\"%s\",\"removed\":%s,\"rules\":%s}", mdc_bump_name(e->bump),
                       e->removed ? "true" : "false", e->rules_json);
    }
    mdc_buf_printf(b, "],\"commits\":%zu}\n", h->ncommits);
    mdc_json_safe(b, start);
}

int mdc_cmd_log(const mdc_global *g, int argc, char **argv)
{
    static const char usage[] = "usage: mdc log [NAME] [--rev REV] [--format text|json]\n";
    const char *name = NULL, *rev = "HEAD";
    mdc_format fmt = MDC_FORMAT_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--rev", &v)) != 0) {
            if (m < 0) return 2;
            rev = v;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0) return 2;
            if (mdc_format_parse(v, &fmt) < 0 || (fmt != MDC_FORMAT_TEXT && fmt != MDC_FORMAT_JSON))
                return mdc_fail("unknown format '%s'", v);
        } else if (a[0] != '-' && !name) {
            name = a;
        } else {
            fprintf(stderr, "mdc: unknown argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    mdc_error err = {{0}};
    mdc_repo *repo = NULL;
    if (mdc_repo_open(&repo, g->dir, &err) < 0) return mdc_fail("%s", err.msg);
    mdc_history *h = NULL;
    if (mdc_history_compute(&h, repo, rev, NULL, &err) < 0) {
        mdc_repo_free(repo);
        return mdc_fail("%s", err.msg);
    }
    int rc = 0;
    bool found = !name;
    for (size_t i = 0; name && i < h->n && !found; i++) found = strcmp(h->entries[i].name, name) == 0;
    mdc_buf out = MDC_BUF_INIT;
    if (!found) {
        rc = mdc_fail("no document named '%s' in the history of %s", name, rev);
    } else if (fmt == MDC_FORMAT_JSON) {
        log_json(&out, h, name);
    } else {
        log_text(&out, h, name, g->color);
    }
    if (out.len) fwrite(out.ptr, 1, out.len, stdout);
    mdc_buf_free(&out);
    mdc_history_free(h);
    mdc_repo_free(repo);
    return rc;
}
