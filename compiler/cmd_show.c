/*
 * cmd_show.c - `mdc show`: one document, or the list of all documents.
 *
 *   mdc show [NAME] [--snapshot FILE] [--format text|json]
 *
 *   --snapshot FILE   read a snapshot through libmdc (opened with full verification);
 *                     otherwise the working tree is compiled and shown from memory.
 *   NAME              a document name ("User", "crm_postgres") or "kind/name"; a name
 *                     shared by several kinds picks the model, then contract, entity, source.
 *   text              a model's table, version, checksums and a field table (name, type,
 *                     nullable, key, default, references); other kinds print their
 *                     canonical JSON.  Without NAME: one line per document.
 *   json              with NAME: the canonical definition (SPEC 4) as stored;
 *                     without NAME: {"registry", "documents": [{"kind", "name", "version",
 *                     "checksum", "path"}]}.
 *
 * Versions from the working tree are the declared ones; derived versions need the history
 * (`mdc build` records them, `mdc log` prints them), so they show as "-".
 *
 * Both sources are turned into the same show_doc records, so the output cannot depend on
 * where the definitions came from.  Text output escapes the control characters of every
 * string (emit/escape.h), JSON output the ones JSON allows raw (mdc_json_safe): the
 * strings may come from hostile file names or a tampered snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emit/escape.h"
#include "../emit/report.h"
#include "../emit/snapshot.h"
#include "../model/json.h"
#include "../model/types.h"
#include "cmd_registry.h"
#include "compile.h"
#include "diff.h"
#include "mdc/registry.h"

typedef struct show_field {
    const char *name, *type, *dflt, *ref;
    bool nullable, pk, unique;
} show_field;

typedef struct show_doc {
    const char *kind, *name, *path, *version, *checksum, *structure_checksum, *json;
    const char *table, *schema, *source, *description; /* models */
    show_field *fields;
    size_t nfields;
} show_doc;

typedef struct show_args {
    const char *name;
    const char *snapshot;
    bool json;
} show_args;

static const char show_usage[] = "usage: mdc show [NAME] [--snapshot FILE] [--format text|json]\n";

static int parse_show_args(int argc, char **argv, show_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *val = NULL;
        int m;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            fputs(show_usage, stdout);
            return -1;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--snapshot", &val)) != 0) {
            if (m < 0) return 2;
            a->snapshot = val;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--format", &val)) != 0) {
            if (m < 0) return 2;
            if (strcmp(val, "json") == 0)
                a->json = true;
            else if (strcmp(val, "text") == 0)
                a->json = false;
            else
                return mdc_fail("unknown format '%s' (text or json)", val);
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "mdc: unknown argument '%s'\n%s", s, show_usage);
            return 2;
        } else if (!a->name) {
            a->name = s;
        } else {
            fprintf(stderr, "mdc: unexpected argument '%s'\n%s", s, show_usage);
            return 2;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ output */

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* s for one line of text output, its controls escaped (emit/escape.h); in the arena. */
static const char *esc(mdc_arena *a, const char *s)
{
    mdc_buf t = MDC_BUF_INIT;
    mdc_text_line(&t, s);
    const char *r = mdc_strndup(a, t.ptr ? t.ptr : "", t.len);
    mdc_buf_free(&t);
    return r;
}

/* The record with every string escaped for text output (a snapshot's strings included:
 * a tampered file must not drive the terminal either). */
static show_doc esc_doc(mdc_arena *a, const show_doc *d)
{
    show_doc e = *d;
    const char **s[] = {&e.kind, &e.name, &e.path, &e.version, &e.checksum, &e.structure_checksum,
                        &e.json, &e.table, &e.schema, &e.source};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (*s[i]) *s[i] = esc(a, *s[i]);
    if (e.description) {
        mdc_buf t = MDC_BUF_INIT;
        mdc_text_put(&t, e.description, "             ");
        e.description = mdc_strndup(a, t.ptr ? t.ptr : "", t.len);
        mdc_buf_free(&t);
    }
    e.fields = mdc_new_array(a, show_field, d->nfields ? d->nfields : 1);
    for (size_t i = 0; i < d->nfields; i++) {
        show_field *f = &e.fields[i];
        *f = d->fields[i];
        const char **fs[] = {&f->name, &f->type, &f->dflt, &f->ref};
        for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++)
            if (*fs[k]) *fs[k] = esc(a, *fs[k]);
    }
    return e;
}

static void print_list(mdc_buf *b, mdc_arena *a, bool json, const char *registry,
                       const show_doc *docs, size_t n)
{
    if (json) {
        size_t start = b->len;
        mdc_buf_puts(b, "{\"registry\":");
        mdc_json_str(b, registry);
        mdc_buf_puts(b, ",\"documents\":[");
        for (size_t i = 0; i < n; i++) {
            mdc_buf_puts(b, i ? ",{\"kind\":" : "{\"kind\":");
            mdc_json_str(b, docs[i].kind);
            mdc_buf_puts(b, ",\"name\":");
            mdc_json_str(b, docs[i].name);
            mdc_buf_puts(b, ",\"version\":");
            if (docs[i].version)
                mdc_json_str(b, docs[i].version);
            else
                mdc_buf_puts(b, "null");
            mdc_buf_puts(b, ",\"checksum\":");
            mdc_json_str(b, docs[i].checksum);
            mdc_buf_puts(b, ",\"path\":");
            mdc_json_str(b, docs[i].path);
            mdc_buf_putc(b, '}');
        }
        mdc_buf_puts(b, "]}\n");
        mdc_json_safe(b, start);
        return;
    }
    show_doc *v = mdc_new_array(a, show_doc, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        v[i] = esc_doc(a, &docs[i]);
    docs = v;
    registry = esc(a, registry);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(docs[i].kind) + 1 + strlen(docs[i].name);
        if (len > w) w = len;
    }
    for (size_t i = 0; i < n; i++) {
        int pad = (int)(w - strlen(docs[i].kind) - 1 - strlen(docs[i].name));
        mdc_buf_printf(b, "%s/%s%*s  %-10s %s  %s\n", docs[i].kind, docs[i].name, pad, "",
                       or_dash(docs[i].version), docs[i].checksum, docs[i].path);
    }
    mdc_buf_printf(b, "registry %s (%zu documents)\n", registry, n);
}

static void print_doc(mdc_buf *b, mdc_arena *a, bool json, const show_doc *raw)
{
    if (json) {
        size_t start = b->len;
        mdc_buf_puts(b, raw->json);
        mdc_buf_putc(b, '\n');
        mdc_json_safe(b, start);
        return;
    }
    show_doc escaped = esc_doc(a, raw);
    const show_doc *d = &escaped;
    mdc_buf_printf(b, "%s %s  (%s)\n", d->kind, d->name, d->path);
    mdc_buf_printf(b, "  version    %s\n", or_dash(d->version));
    mdc_buf_printf(b, "  checksum   %s", d->checksum);
    if (d->structure_checksum) mdc_buf_printf(b, "  structure %s", d->structure_checksum);
    mdc_buf_putc(b, '\n');
    if (strcmp(d->kind, "model") != 0) {
        mdc_buf_printf(b, "  definition %s\n", d->json);
        return;
    }
    mdc_buf_printf(b, "  table      %s.%s  (data source %s)\n", d->schema, d->table, d->source);
    if (d->description) mdc_buf_printf(b, "  about      %s\n", d->description);
    static const char *const head[6] = {"FIELD", "TYPE", "NULL", "KEY", "DEFAULT", "REFERENCES"};
    size_t w[5] = {strlen(head[0]), strlen(head[1]), strlen(head[2]), strlen(head[3]), strlen(head[4])};
    for (size_t i = 0; i < d->nfields; i++) {
        const show_field *f = &d->fields[i];
        if (strlen(f->name) > w[0]) w[0] = strlen(f->name);
        if (strlen(f->type) > w[1]) w[1] = strlen(f->type);
        if (strlen(or_dash(f->dflt)) > w[4]) w[4] = strlen(or_dash(f->dflt));
    }
    mdc_buf_printf(b, "  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)w[0], head[0], (int)w[1], head[1],
                   (int)w[2], head[2], (int)w[3], head[3], (int)w[4], head[4], head[5]);
    for (size_t i = 0; i < d->nfields; i++) {
        const show_field *f = &d->fields[i];
        const char *key = f->pk ? "PK" : f->unique ? "UQ" : "-";
        mdc_buf_printf(b, "  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)w[0], f->name, (int)w[1],
                       f->type, (int)w[2], f->nullable ? "yes" : "no", (int)w[3], key, (int)w[4],
                       or_dash(f->dflt), or_dash(f->ref));
    }
}

/* ------------------------------------------------------------------ from memory */

static void doc_from_memory(mdc_arena *a, const mdc_registry *r, const mdc_doc *d, show_doc *out)
{
    memset(out, 0, sizeof *out);
    out->kind = mdc_kind_name(d->kind);
    out->name = d->name;
    out->path = d->path ? d->path : "";
    out->version = d->version.present ? mdc_semver_str(a, &d->version) : NULL;
    out->checksum = d->checksum;
    out->structure_checksum = d->structure_checksum;
    out->json = d->canonical_json;
    if (d->kind != MDC_KIND_MODEL || !d->body) return;
    const mdc_model *m = d->body;
    out->table = m->table;
    out->schema = m->schema ? m->schema : "";
    out->source = mdc_snapshot_model_source(r, m);
    out->description = d->description;
    out->nfields = m->nfields;
    out->fields = mdc_new_array(a, show_field, m->nfields ? m->nfields : 1);
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = &m->fields[i];
        show_field *sf = &out->fields[i];
        sf->name = f->name;
        sf->type = mdc_type_canonical(a, &f->type);
        sf->nullable = f->nullable;
        sf->pk = f->primary_key;
        sf->unique = f->unique;
        if (f->default_value) {
            mdc_buf t = MDC_BUF_INIT;
            mdc_json_value(&t, f->default_value);
            sf->dflt = mdc_strdup(a, t.ptr);
            mdc_buf_free(&t);
        } else if (f->default_expr == MDC_DX_CUSTOM) {
            sf->dflt = mdc_printf(a, "%s()", "custom");
        } else if (f->default_expr != MDC_DX_NONE) {
            sf->dflt = mdc_printf(a, "%s()", mdc_default_expr_name(f->default_expr));
        }
        if (f->ref_model)
            sf->ref = mdc_printf(a, "%s.%s (on delete %s)", f->ref_model, f->ref_field ? f->ref_field : "?",
                                 mdc_fk_action_name(f->on_delete));
    }
}

/* kind/name or a bare name: the first kind in show order that has it. */
static const mdc_doc *find_in_memory(const mdc_registry *r, const char *name)
{
    static const mdc_kind order[] = {MDC_KIND_MODEL, MDC_KIND_CONTRACT, MDC_KIND_ENTITY, MDC_KIND_SOURCE};
    const char *slash = strchr(name, '/');
    for (size_t i = 0; i < 4; i++) {
        const char *kn = mdc_kind_name(order[i]);
        if (slash) {
            if (strlen(kn) != (size_t)(slash - name) || strncmp(kn, name, (size_t)(slash - name)) != 0) continue;
            return mdc_registry_find(r, order[i], slash + 1);
        }
        const mdc_doc *d = mdc_registry_find(r, order[i], name);
        if (d) return d;
    }
    return NULL;
}

static int show_from_worktree(const mdc_global *g, const show_args *sa)
{
    mdc_error err = {{0}};
    mdc_repo *repo = NULL;
    mdc_compilation *c = NULL;
    mdc_arena *a = mdc_arena_new();
    mdc_buf out = MDC_BUF_INIT;
    int rc;
    if (mdc_repo_open(&repo, g->dir, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    mdc_compile_opts o = {MDC_STATE_WORKTREE, NULL, 0, NULL};
    if (mdc_compile(&c, repo, &o, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    if (c->diags.errors || !c->canonical) {
        mdc_report_opts ro = {false, mdc_repo_prefix(repo), MDC_VERSION};
        mdc_report_diags(&out, MDC_FORMAT_TEXT, &c->diags, &ro);
        fwrite(out.ptr, 1, out.len, stderr);
        fprintf(stderr, "mdc: nothing to show: the definitions have errors (mdc check)\n");
        rc = 1;
        goto done;
    }
    if (sa->name) {
        const mdc_doc *d = find_in_memory(c->reg, sa->name);
        if (!d) {
            rc = mdc_fail("no document named '%s'", sa->name);
            goto done;
        }
        show_doc sd;
        doc_from_memory(a, c->reg, d, &sd);
        print_doc(&out, a, sa->json, &sd);
    } else {
        show_doc *docs = mdc_new_array(a, show_doc, c->reg->ndocs + 1);
        for (size_t i = 0; i < c->reg->ndocs; i++)
            doc_from_memory(a, c->reg, c->reg->docs[i], &docs[i]);
        print_list(&out, a, sa->json, c->reg->checksum, docs, c->reg->ndocs);
    }
    fwrite(out.ptr, 1, out.len, stdout);
    rc = 0;
done:
    mdc_buf_free(&out);
    mdc_compilation_free(c);
    mdc_repo_free(repo);
    mdc_arena_free(a);
    return rc;
}

/* ------------------------------------------------------------------ from a snapshot */

/* Copies an owned libmdc string into the arena and frees it. */
static const char *keep(mdc_arena *a, char *s)
{
    const char *k = mdc_strdup(a, s);
    mdc_free(s);
    return k;
}

static int doc_from_snapshot(mdc_arena *a, mdc_snapshot *s, const char *kind, const char *name,
                             show_doc *out)
{
    memset(out, 0, sizeof *out);
    char *json = NULL, *sum = NULL, *ver = NULL, *path = NULL;
    int rc = mdc_snapshot_document(&json, &sum, &ver, &path, s, kind, name);
    if (rc) return rc;
    out->kind = mdc_strdup(a, kind);
    out->name = mdc_strdup(a, name);
    out->json = keep(a, json);
    out->checksum = keep(a, sum);
    out->version = keep(a, ver);
    out->path = keep(a, path);
    if (strcmp(kind, "model") != 0) return 0;
    mdc_model_info *m = NULL;
    if ((rc = mdc_model_info_lookup(&m, s, name)) != 0) return rc;
    out->structure_checksum = mdc_strdup(a, mdc_model_info_structure_checksum(m));
    out->table = mdc_strdup(a, mdc_model_info_table(m));
    out->schema = mdc_strdup(a, mdc_model_info_schema(m));
    out->source = mdc_strdup(a, mdc_model_info_source(m));
    out->description = mdc_strdup(a, mdc_model_info_description(m));
    out->nfields = mdc_model_info_field_count(m);
    out->fields = mdc_new_array(a, show_field, out->nfields ? out->nfields : 1);
    for (size_t i = 0; i < out->nfields; i++) {
        const mdc_field_info *f = mdc_model_info_field_byindex(m, i);
        show_field *sf = &out->fields[i];
        sf->name = mdc_strdup(a, mdc_field_info_name(f));
        sf->type = mdc_strdup(a, mdc_field_info_type(f));
        sf->nullable = mdc_field_info_nullable(f);
        sf->pk = mdc_field_info_primary_key(f);
        sf->unique = mdc_field_info_unique(f);
        const char *dj = mdc_field_info_default_json(f), *dx = mdc_field_info_default_expr(f);
        if (dj)
            sf->dflt = mdc_strdup(a, dj);
        else if (dx)
            sf->dflt = dx[0] == '{' ? "custom()" : mdc_printf(a, "%s()", dx);
        if (mdc_field_info_references_model(f))
            sf->ref = mdc_printf(a, "%s.%s (on delete %s)", mdc_field_info_references_model(f),
                                 or_dash(mdc_field_info_references_field(f)),
                                 or_dash(mdc_field_info_on_delete(f)));
    }
    mdc_model_info_free(m);
    return 0;
}

static int show_from_snapshot(const show_args *sa)
{
    mdc_snapshot *s = NULL;
    mdc_arena *a = mdc_arena_new();
    mdc_buf out = MDC_BUF_INIT;
    mdc_strarray docs = {NULL, 0};
    int rc = mdc_snapshot_open(&s, sa->snapshot, MDC_OPEN_VERIFY);
    if (rc) {
        rc = mdc_fail("%s", mdc_snapshot_errmsg(s));
        goto done;
    }
    if ((rc = mdc_snapshot_list_documents(&docs, s)) != 0) {
        rc = mdc_fail("%s", mdc_snapshot_errmsg(s));
        goto done;
    }
    if (sa->name) {
        /* Same resolution as in memory: kind/name, or the first kind that has the name. */
        static const char *const order[] = {"model", "contract", "entity", "source"};
        const char *kind = NULL, *name = sa->name;
        const char *slash = strchr(sa->name, '/');
        for (size_t k = 0; !kind && k < 4; k++) {
            if (slash && (strlen(order[k]) != (size_t)(slash - sa->name) ||
                          strncmp(order[k], sa->name, (size_t)(slash - sa->name)) != 0))
                continue;
            const char *want = slash ? slash + 1 : sa->name;
            char *key = mdc_printf(a, "%s/%s", order[k], want);
            for (size_t i = 0; i < docs.count; i++)
                if (strcmp(docs.strings[i], key) == 0) {
                    kind = order[k];
                    name = want;
                    break;
                }
        }
        if (!kind) {
            rc = mdc_fail("no document named '%s' in %s", sa->name, sa->snapshot);
            goto done;
        }
        show_doc sd;
        if (doc_from_snapshot(a, s, kind, name, &sd) != 0) {
            rc = mdc_fail("%s", mdc_snapshot_errmsg(s));
            goto done;
        }
        print_doc(&out, a, sa->json, &sd);
    } else {
        show_doc *v = mdc_new_array(a, show_doc, docs.count + 1);
        for (size_t i = 0; i < docs.count; i++) {
            char *kn = docs.strings[i], *slash = strchr(kn, '/');
            if (!slash) continue;
            *slash = '\0';
            if (doc_from_snapshot(a, s, kn, slash + 1, &v[i]) != 0) {
                rc = mdc_fail("%s", mdc_snapshot_errmsg(s));
                goto done;
            }
            *slash = '/';
        }
        const char *reg = NULL;
        mdc_snapshot_meta(&reg, s, "registry_checksum");
        print_list(&out, a, sa->json, reg ? reg : "", v, docs.count);
    }
    fwrite(out.ptr, 1, out.len, stdout);
    rc = 0;
done:
    mdc_strarray_free(&docs);
    mdc_snapshot_close(s);
    mdc_buf_free(&out);
    mdc_arena_free(a);
    return rc;
}

int mdc_cmd_show(const mdc_global *g, int argc, char **argv)
{
    show_args sa;
    int rc = parse_show_args(argc, argv, &sa);
    if (rc) return rc < 0 ? 0 : rc;
    if (!sa.snapshot) return show_from_worktree(g, &sa);
    /* -C DIR: a relative FILE is relative to DIR, as if mdc had started there. */
    char *joined = NULL;
    if (g->dir && sa.snapshot[0] != '/') {
        size_t n = strlen(g->dir) + strlen(sa.snapshot) + 2;
        if (!(joined = malloc(n))) return mdc_fail("out of memory");
        snprintf(joined, n, "%s/%s", g->dir, sa.snapshot);
        sa.snapshot = joined;
    }
    rc = show_from_snapshot(&sa);
    free(joined);
    return rc;
}
