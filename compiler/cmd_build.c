/*
 * cmd_build.c - `mdc build`: compile a state and write the registry snapshot (SPEC 7).
 *
 *   mdc build [REV] [-o FILE] [--no-history] [--format sqlite|postgres-sql]
 *
 *   REV omitted   the working tree (like `mdc check`).  History, derived versions,
 *                 git_commit and compiled_at come from HEAD: a document changed in the
 *                 working tree keeps HEAD's derived version until it is committed.
 *                 git_tree is "" (the working tree has no tree id).  Without any commit:
 *                 no history, compiled_at = 0.
 *   REV given     that commit: history up to it, its commit and tree, its commit time.
 *   -o FILE       output path (relative to the current directory, or to -C DIR); default: mdc.yaml's
 *                 `snapshot:` relative to the project root.  With postgres-sql the
 *                 default is stdout, and `-o -` says so; the sqlite format refuses `-o -`
 *                 (it needs a file).  The path must not exist or be a regular file
 *                 (emit/outfile.h): a directory, FIFO, device or symlink is refused, exit 2.
 *   --no-history  no model_versions rows; documents without a declared version get 1.0.0.
 *   --format postgres-sql
 *                 the same rows as PostgreSQL SQL (registry/README.md "PostgreSQL"):
 *                 one transaction that replaces this project's rows.
 *
 * registry_version: the declared mdc.yaml `version:`, else derived the way document
 * versions are (SPEC 5.3): 1.0.0 at the first commit with documents, then each
 * first-parent commit bumps it by the largest bump among its history entries (a document
 * that appears counts as minor, one removed as major).
 *
 * Definitions with errors are refused: the diagnostics go to stderr, exit status 1.
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../emit/outfile.h"
#include "../emit/report.h"
#include "../emit/snapshot.h"
#include "cmd_registry.h"
#include "compile.h"
#include "diff.h"
#include "history.h"

typedef struct build_args {
    const char *rev;
    const char *out;
    bool history;
    bool pg;
} build_args;

static const char build_usage[] =
    "usage: mdc build [REV] [-o FILE] [--no-history] [--format sqlite|postgres-sql]\n";

static int parse_build_args(int argc, char **argv, build_args *a)
{
    memset(a, 0, sizeof *a);
    a->history = true;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *val = NULL;
        int m;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            fputs(build_usage, stdout);
            return -1;
        } else if (strcmp(s, "--no-history") == 0) {
            a->history = false;
        } else if (strcmp(s, "--history") == 0) {
            a->history = true;
        } else if ((m = mdc_opt_value(argc, argv, &i, "-o", &val)) != 0 ||
                   (m = mdc_opt_value(argc, argv, &i, "--output", &val)) != 0) {
            if (m < 0) return 2;
            a->out = val;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--format", &val)) != 0) {
            if (m < 0) return 2;
            if (strcmp(val, "sqlite") == 0)
                a->pg = false;
            else if (strcmp(val, "postgres-sql") == 0)
                a->pg = true;
            else
                return mdc_fail("unknown format '%s' (sqlite or postgres-sql)", val);
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "mdc: unknown argument '%s'\n%s", s, build_usage);
            return 2;
        } else if (!a->rev) {
            a->rev = s;
        } else {
            fprintf(stderr, "mdc: unexpected argument '%s'\n%s", s, build_usage);
            return 2;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ the derived registry version */

typedef struct commit_ix {
    char hex[41];
    size_t ix;
} commit_ix;

static int cmp_commit_ix(const void *a, const void *b)
{
    return strcmp(((const commit_ix *)a)->hex, ((const commit_ix *)b)->hex);
}

/* The first-parent chain ending at rev as hex ids, each with its position (oldest = 0);
 * the caller frees it.  source.h's walk: a chain cut by a shallow clone fails. */
static int first_parent_chain(mdc_repo *repo, const char *rev, commit_ix **out, size_t *n)
{
    git_oid *ids = NULL;
    mdc_error err = {{0}};
    *out = NULL;
    if (mdc_repo_first_parents(&ids, n, repo, rev, &err) < 0) return -1;
    commit_ix *v = malloc((*n ? *n : 1) * sizeof *v);
    for (size_t i = 0; v && i < *n; i++) {
        git_oid_tostr(v[i].hex, sizeof v[i].hex, &ids[i]);
        v[i].ix = i;
    }
    free(ids);
    *out = v;
    return v ? 0 : -1;
}

static const char *derived_registry_version(mdc_arena *a, mdc_repo *repo, const char *rev,
                                            const mdc_history *h)
{
    commit_ix *chain = NULL;
    size_t n = 0;
    if (!h || h->n == 0 || first_parent_chain(repo, rev, &chain, &n) < 0 || n == 0) {
        free(chain);
        return "1.0.0";
    }
    qsort(chain, n, sizeof *chain, cmp_commit_ix);
    int *bump = calloc(n, sizeof *bump); /* -1: no entry at that commit */
    for (size_t i = 0; bump && i < n; i++)
        bump[i] = -1;
    for (size_t i = 0; bump && i < h->n; i++) {
        const mdc_history_entry *e = &h->entries[i];
        commit_ix key;
        memcpy(key.hex, e->commit, sizeof key.hex);
        key.hex[40] = '\0';
        const commit_ix *hit = bsearch(&key, chain, n, sizeof *chain, cmp_commit_ix);
        if (!hit) continue;
        bool first = i == 0 || e[-1].kind != e->kind || strcmp(e[-1].name, e->name) != 0;
        int b = (int)e->bump;
        if (e->removed) b = MDC_BUMP_MAJOR;
        else if (first && b < MDC_BUMP_MINOR) b = MDC_BUMP_MINOR;
        if (b > bump[hit->ix]) bump[hit->ix] = b;
    }
    mdc_semver v = {false, 1, 0, 0, NULL};
    for (size_t c = 0; bump && c < n; c++) {
        if (bump[c] < 0) continue;
        if (!v.present)
            v.present = true; /* 1.0.0 at the registry's first commit */
        else if (bump[c] > MDC_BUMP_NONE)
            v = mdc_semver_next(v, (mdc_bump)bump[c]);
    }
    free(bump);
    free(chain);
    v.present = true;
    return mdc_semver_str(a, &v);
}

/* ------------------------------------------------------------------ PostgreSQL text */

/* The schema that holds mdc's own tables in PostgreSQL (the seed tables stay unqualified). */
#define PG_SCHEMA "mdc_registry"

typedef struct pg_out {
    mdc_buf *b;
    const mdc_snapshot_table *last;
    const char *project;
} pg_out;

/* A string literal: single quotes doubled.  Standard-conforming strings (the default since
 * PostgreSQL 9.1) take backslashes literally; NUL cannot occur in the registry. */
static void pg_literal(mdc_buf *b, const char *s)
{
    mdc_buf_putc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'') mdc_buf_putc(b, '\'');
        mdc_buf_putc(b, *p);
    }
    mdc_buf_putc(b, '\'');
}

static void pg_ident(mdc_buf *b, const char *s)
{
    mdc_buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"') mdc_buf_putc(b, '"');
        mdc_buf_putc(b, *p);
    }
    mdc_buf_putc(b, '"');
}

static void pg_table_name(mdc_buf *b, const mdc_snapshot_table *t)
{
    if (!t->sqlite_ddl) {
        pg_ident(b, PG_SCHEMA);
        mdc_buf_putc(b, '.');
    }
    pg_ident(b, t->name);
}

static bool pg_included(const mdc_snapshot_table *t)
{
    return !t->sqlite_ddl || t->pg_ddl;
}

static int pg_row(void *ctx, const mdc_snapshot_table *t, const mdc_snapshot_value *v)
{
    pg_out *o = ctx;
    mdc_buf *b = o->b;
    if (!pg_included(t)) return 0;
    if (t != o->last) {
        mdc_buf_printf(b, "\n-- %s\n", t->name);
        o->last = t;
    }
    mdc_buf_puts(b, "INSERT INTO ");
    pg_table_name(b, t);
    mdc_buf_puts(b, " (");
    if (!t->sqlite_ddl) mdc_buf_puts(b, "\"application_id\", ");
    for (size_t c = 0; c < t->ncolumns; c++) {
        if (c) mdc_buf_puts(b, ", ");
        pg_ident(b, t->columns[c].name);
    }
    if (t->sqlite_ddl) mdc_buf_puts(b, ", \"application_id\"");
    mdc_buf_puts(b, ") VALUES (");
    if (!t->sqlite_ddl) {
        pg_literal(b, o->project);
        mdc_buf_puts(b, ", ");
    }
    for (size_t c = 0; c < t->ncolumns; c++) {
        if (c) mdc_buf_puts(b, ", ");
        switch (v[c].type) {
        case MDC_SV_TEXT: pg_literal(b, v[c].s); break;
        case MDC_SV_INT: mdc_buf_printf(b, "%lld", (long long)v[c].i); break;
        case MDC_SV_BOOL: mdc_buf_puts(b, v[c].i ? "TRUE" : "FALSE"); break;
        default: mdc_buf_puts(b, "NULL"); break;
        }
    }
    if (t->sqlite_ddl) {
        mdc_buf_puts(b, ", ");
        pg_literal(b, o->project);
    }
    mdc_buf_putc(b, ')');
    if (t->sqlite_ddl && t->key) {
        /* Seed tables are keyed without the project: the newest build that names a source
         * or table owns its row. */
        mdc_buf_printf(b, " ON CONFLICT (%s) DO UPDATE SET ", t->key);
        for (size_t c = 0; c < t->ncolumns; c++)
            mdc_buf_printf(b, "\"%s\" = EXCLUDED.\"%s\", ", t->columns[c].name, t->columns[c].name);
        mdc_buf_puts(b, "\"application_id\" = EXCLUDED.\"application_id\"");
    }
    mdc_buf_puts(b, ";\n");
    return 0;
}

static int pg_sql(mdc_buf *b, const mdc_registry *reg, const mdc_history *hist,
                  const mdc_snapshot_info *info, mdc_error *err)
{
    size_t nt;
    const mdc_snapshot_table *t = mdc_snapshot_tables(&nt);
    const char *project = reg->project && reg->project->name ? reg->project->name : "";
    mdc_buf_printf(b, "-- mdc build --format postgres-sql (mdc %s)\n", MDC_VERSION);
    mdc_buf_printf(b, "-- project %s, registry %s, version %s\n", project, reg->checksum,
                   info->registry_version ? info->registry_version : "");
    mdc_buf_puts(b, "-- Replaces this project's registry rows; see registry/README.md.\n");
    mdc_buf_puts(b, "BEGIN;\nSELECT pg_advisory_xact_lock(314159265);\n");
    mdc_buf_puts(b, "CREATE SCHEMA IF NOT EXISTS \"" PG_SCHEMA "\";\n");
    for (size_t i = 0; i < nt; i++) {
        if (!pg_included(&t[i])) continue;
        if (t[i].pg_ddl) {
            mdc_buf_printf(b, "%s;\n", t[i].pg_ddl);
            mdc_buf_puts(b, "ALTER TABLE ");
            pg_ident(b, t[i].name);
            mdc_buf_puts(b, " ADD COLUMN IF NOT EXISTS \"application_id\" VARCHAR(255);\n");
            continue;
        }
        mdc_buf_puts(b, "CREATE TABLE IF NOT EXISTS ");
        pg_table_name(b, &t[i]);
        mdc_buf_puts(b, " (\"application_id\" VARCHAR(255) NOT NULL");
        for (size_t c = 0; c < t[i].ncolumns; c++) {
            mdc_buf_puts(b, ", ");
            pg_ident(b, t[i].columns[c].name);
            mdc_buf_printf(b, " %s", t[i].columns[c].pg_decl);
        }
        if (t[i].key) {
            mdc_buf_puts(b, ", PRIMARY KEY (\"application_id\"");
            /* key is a constant list of our own column names */
            const char *k = t[i].key;
            while (*k) {
                size_t len = strcspn(k, ", ");
                if (len) mdc_buf_printf(b, ", \"%.*s\"", (int)len, k);
                k += len;
                k += strspn(k, ", ");
            }
            mdc_buf_putc(b, ')');
        }
        mdc_buf_puts(b, ");\n");
    }
    /* Delete in reverse creation order (table_meta before data_sources). */
    for (size_t i = nt; i-- > 0;) {
        if (!pg_included(&t[i])) continue;
        mdc_buf_puts(b, "DELETE FROM ");
        pg_table_name(b, &t[i]);
        mdc_buf_puts(b, " WHERE \"application_id\" = ");
        pg_literal(b, project);
        mdc_buf_puts(b, ";\n");
    }
    pg_out o = {b, NULL, project};
    if (mdc_snapshot_rows(reg, hist, info, pg_row, &o, err) != 0) return -1;
    mdc_buf_puts(b, "\nCOMMIT;\n");
    return 0;
}

/* Writes bytes to path atomically: a temporary file next to it (emit/outfile.h), then a
 * rename.  Returns the exit status. */
static int write_file_atomic(const char *path, const mdc_buf *b)
{
    mdc_error err = {{0}};
    mdc_tempfile t = MDC_TEMPFILE_INIT;
    if (mdc_tempfile_create(&t, path, &err) < 0) return mdc_fail("%s", err.msg);
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(t.fd, b->ptr + off, b->len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (off != b->len) {
        mdc_tempfile_discard(&t);
        return mdc_fail("cannot write %s", path);
    }
    if (mdc_tempfile_commit(&t, path, &err) < 0) return mdc_fail("%s", err.msg);
    return 0;
}

/* ------------------------------------------------------------------ the command */

/* HEAD's commit (for a working-tree build): id, tree and time; zeros without commits. */
static void head_commit(mdc_repo *repo, char commit[41], char tree[41], int64_t *time)
{
    commit[0] = tree[0] = '\0';
    *time = 0;
    git_object *obj = NULL;
    if (git_revparse_single(&obj, mdc_repo_git(repo), "HEAD^{commit}") < 0) return;
    const git_commit *c = (const git_commit *)obj;
    git_oid_tostr(commit, 41, git_commit_id(c));
    git_oid_tostr(tree, 41, git_commit_tree_id(c));
    *time = (int64_t)git_commit_time(c);
    git_object_free(obj);
}

int mdc_cmd_build(const mdc_global *g, int argc, char **argv)
{
    build_args a;
    int rc = parse_build_args(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;

    mdc_error err = {{0}};
    mdc_repo *repo = NULL;
    mdc_compilation *c = NULL;
    mdc_history *hist = NULL;
    mdc_snapshot_writer *writer = NULL;
    mdc_arena *arena = mdc_arena_new();
    mdc_buf out = MDC_BUF_INIT;
    char *path = NULL;

    /* An output path that mdc must not write is refused before the work starts. */
    if (a.out && strcmp(a.out, "-") == 0 && !a.pg) {
        rc = mdc_fail("-o -: the sqlite format needs a file (stdout works with --format "
                      "postgres-sql); give a path, or ./- for a file named -");
        goto done;
    }
    if (a.out && strcmp(a.out, "-") != 0) {
        const char *early = g->dir && a.out[0] != '/' ? mdc_printf(arena, "%s/%s", g->dir, a.out) : a.out;
        if (mdc_outfile_check(early, &err) < 0) {
            rc = mdc_fail("%s", err.msg);
            goto done;
        }
    }
    if (mdc_repo_open(&repo, g->dir, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    if (mdc_repo_is_bare(repo) && a.rev && !a.out && !a.pg) {
        rc = mdc_fail("the repository at %s is bare: give the snapshot's path with -o FILE",
                      mdc_repo_root(repo));
        goto done;
    }
    mdc_compile_opts o = {a.rev ? MDC_STATE_REV : MDC_STATE_WORKTREE, a.rev, 0, NULL};
    if (mdc_compile(&c, repo, &o, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    if (!c->has_project) {
        rc = mdc_fail("no mdc.yaml at %s", c->state->label);
        goto done;
    }
    if (c->diags.errors || !c->canonical) {
        mdc_report_opts ro = {false, mdc_repo_prefix(repo), MDC_VERSION};
        mdc_report_diags(&out, MDC_FORMAT_TEXT, &c->diags, &ro);
        fwrite(out.ptr, 1, out.len, stderr);
        fprintf(stderr, "mdc: no snapshot: the definitions have errors\n");
        rc = 1;
        goto done;
    }

    char commit[41], tree[41];
    int64_t when;
    if (a.rev) {
        memcpy(commit, c->state->commit, sizeof commit);
        memcpy(tree, c->state->tree, sizeof tree);
        when = c->state->commit_time;
    } else {
        head_commit(repo, commit, tree, &when);
        tree[0] = '\0'; /* the working tree is not HEAD's tree */
    }
    const mdc_project *p = c->reg->project;
    if (a.out && strcmp(a.out, "-") == 0) /* stdout (postgres-sql only: checked above) */
        path = NULL;
    else if (a.out && g->dir && a.out[0] != '/') /* -C DIR: relative to DIR */
        path = strdup(mdc_printf(arena, "%s/%s", g->dir, a.out));
    else if (a.out)
        path = strdup(a.out);
    else if (!a.pg)
        path = strdup(mdc_printf(arena, "%s/%s", mdc_repo_root(repo),
                                 p->snapshot ? p->snapshot : "registry.db"));
    /* The snapshot's tables that need no history are written while it is computed. */
    if (!a.pg && mdc_snapshot_begin(&writer, path, c->reg, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }

    const char *hist_rev = a.rev ? a.rev : "HEAD";
    double t0 = mdc_now_ms();
    if (a.history && commit[0] && mdc_history_compute(&hist, repo, hist_rev, c, &err) < 0) {
        rc = mdc_fail("history: %s", err.msg);
        goto done;
    }
    mdc_phase("history", &t0);

    mdc_snapshot_info info;
    info.git_commit = commit;
    info.git_tree = tree;
    info.compiled_at = when;
    info.compiler_version = MDC_VERSION;
    info.registry_version = p->version.present ? mdc_semver_str(arena, &p->version)
                            : hist ? derived_registry_version(arena, repo, hist_rev, hist)
                                   : "1.0.0";

    if (a.pg) {
        if (pg_sql(&out, c->reg, hist, &info, &err) < 0) {
            rc = mdc_fail("%s", err.msg);
            goto done;
        }
        if (path) {
            rc = write_file_atomic(path, &out);
        } else {
            fwrite(out.ptr, 1, out.len, stdout);
            rc = 0;
        }
        goto done;
    }
    rc = mdc_snapshot_finish(writer, hist, &info, &err);
    writer = NULL;
    if (rc < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    mdc_phase("write", &t0);
    fprintf(stderr, "mdc: wrote %s (%zu documents, registry %s, version %s)\n", path,
            c->reg->ndocs, c->reg->checksum, info.registry_version);
    rc = 0;
done:
    mdc_snapshot_abort(writer);
    free(path);
    mdc_buf_free(&out);
    mdc_history_free(hist);
    mdc_compilation_free(c);
    mdc_repo_free(repo);
    mdc_arena_free(arena);
    return rc;
}
