/*
 * cmd_migrate.c - `mdc migrate`; see cmd_migrate.h.
 *
 * Per dialect of mdc.yaml (or --dialect):
 *
 *   lock the migrations folder (shared; exclusive with --write)
 *   migrations/<dialect>/ -> its chain verified (migrations_dir.h: NNNN_*.sql + mdc.sum)
 *     -> newest file -> its `-- mdc:state` line
 *     -> registry (compiler/canon_read.h, checksums verified) = from-state
 *   working tree or --to REV -> compile = to-state
 *   diff -> risk gate -> SQL (emit/sql.h) -> stdout, or a new file appended to the chain
 *     (--write), whose recorded state must read back as the to-state before it is published
 *
 * A chain that does not verify (an edited file, two files with one number, a gap, a file
 * without its mdc.sum line, ...) is reported file by file; --check then fails (exit 1), and
 * --write and printing refuse (exit 1): a migration is never written on top of it, and
 * mdc.sum is never rewritten, only appended to.
 */
#define _GNU_SOURCE /* asprintf */
#include "cmd_migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../emit/report.h"
#include "../emit/sql.h"
#include "../model/buf.h"
#include "canon.h"
#include "canon_read.h"
#include "compile.h"
#include "diff.h"
#include "migrations_dir.h"

static const char usage[] =
    "usage: mdc migrate [--dialect postgres|sqlite] [--to REV] [--write | --check]\n"
    "                   [--max-risk LOW|MEDIUM|HIGH|CRITICAL] [--down]\n"
    "  (default)   print the SQL migrating the newest recorded state to the working tree\n"
    "  --to REV    migrate to a revision instead of the working tree\n"
    "  --write     write migrations/<dialect>/NNNN_<slug>.sql and update mdc.sum\n"
    "  --check     exit 1 when the models are ahead of the migrations or mdc.sum does not match\n"
    "  --max-risk  allow operations up to this risk (default: max_risk of mdc.yaml)\n"
    "  --down      print the reverse migration\n";

typedef struct opts {
    const char *dialect; /* NULL: every dialect of mdc.yaml */
    const char *to;
    bool write, check, down;
    int max_risk; /* -1: mdc.yaml's */
} opts;

/* ------------------------------------------------------------------ slugs */

/* ProjectFile -> project-file, created_at -> created-at; [a-z0-9-] only. */
static void kebab(mdc_buf *b, const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') {
            if (i && b->len && b->ptr[b->len - 1] != '-') mdc_buf_putc(b, '-');
            mdc_buf_putc(b, (char)(c - 'A' + 'a'));
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            mdc_buf_putc(b, (char)c);
        } else if (b->len && b->ptr[b->len - 1] != '-') {
            mdc_buf_putc(b, '-');
        }
    }
}

static const char *verb_of(const char *rule)
{
    static const struct {
        const char *prefix, *verb;
    } v[] = {{"FIELD_ADDED", "add"},         {"FIELD_REMOVED", "drop"},       {"FIELD_RENAMED", "rename"},
             {"FIELD_TYPE", "change-type"},  {"FIELD_MADE_NULLABLE", "make-nullable"},
             {"FIELD_MADE_REQUIRED", "make-required"}, {"FIELD_DEFAULT", "default"}, {"ENUM_VALUE", "enum"},
             {"UNIQUE", "unique"},           {"CHECK", "check"},              {"FOREIGN_KEY", "fk"},
             {"INDEX", "index"},             {"DOC_CHANGED", "docs"},         {"MODEL_ADDED", "add"},
             {"MODEL_REMOVED", "drop"},      {"MODEL_RENAMED", "rename"},     {"TABLE_RENAMED", "rename-table"},
             {"SCHEMA_CHANGED", "move"},     {"PRIMARY_KEY", "primary-key"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strncmp(rule, v[i].prefix, strlen(v[i].prefix)) == 0) return v[i].verb;
    return "update";
}

static char *make_slug(const mdc_diff *df, bool first)
{
    mdc_buf b = MDC_BUF_INIT;
    if (first) {
        mdc_buf_puts(&b, "baseline");
    } else if (df->ndocs == 1 && df->docs[0]->nchanges == 1) {
        const mdc_doc_diff *dd = df->docs[0];
        const mdc_change *ch = dd->changes[0];
        kebab(&b, dd->name);
        mdc_buf_printf(&b, "-%s", verb_of(ch->rule));
        if (ch->field) {
            mdc_buf_putc(&b, '-');
            kebab(&b, ch->field);
        }
    } else if (df->ndocs >= 1) {
        for (size_t i = 0; i < df->ndocs && b.len < 40; i++) {
            if (b.len) mdc_buf_putc(&b, '-');
            kebab(&b, df->docs[i]->name);
        }
        mdc_buf_puts(&b, "-update");
    } else {
        mdc_buf_puts(&b, "project-settings");
    }
    /* trim to 50 bytes at a '-' boundary, no leading/trailing or doubled '-' */
    char *s = b.ptr ? b.ptr : strdup("update");
    size_t n = strlen(s);
    if (n > 50) {
        n = 50;
        while (n > 10 && s[n] != '-') n--;
        s[n] = '\0';
    }
    while (n && s[n - 1] == '-') s[--n] = '\0';
    size_t k = 0;
    for (size_t i = 0; s[i]; i++)
        if (!(s[i] == '-' && (k == 0 || s[k - 1] == '-'))) s[k++] = s[i];
    s[k] = '\0';
    if (!k) {
        free(s);
        s = strdup("update");
    }
    return s;
}

/* ------------------------------------------------------------------ per dialect */

typedef struct dialect_run {
    mdc_dialect d;
    const char *rel_dir;  /* for messages: migrations/postgres */
    mdc_chain chain;      /* the folder's files and mdc.sum, verified */
    mdc_registry *base;   /* recorded state of the newest file (or an empty registry) */
    const char *prev_version; /* registry version recorded by the newest file, or NULL */
    char *state_json;     /* the recorded state's JSON text (malloc), or NULL */
    size_t state_len;
} dialect_run;

/* "(registry version X)" in the header of a migration file. */
static const char *recorded_version(mdc_arena *a, const char *text)
{
    const char *p = strstr(text, "(registry version ");
    if (!p) return NULL;
    p += strlen("(registry version ");
    const char *e = strchr(p, ')');
    if (!e || e - p > 64) return NULL;
    return mdc_strndup(a, p, (size_t)(e - p));
}

/* Reads the state recorded by the newest file of r's verified chain.  The dialect folders
 * usually record the same state: when `other` (an earlier run, or NULL) read the same text,
 * its registry is reused instead of parsing and checksumming the whole registry once more. */
static int load_base(mdc_arena *a, dialect_run *r, const dialect_run *other, mdc_error *err)
{
    r->base = mdc_new(a, mdc_registry);
    const mdc_chain *c = &r->chain;
    if (!c->nfiles) return 0;
    const char *newest = c->files[c->nfiles - 1];
    char *json = NULL;
    size_t jlen = 0;
    int found = mdc_sql_find_state(c->newest_text, c->newest_len, &json, &jlen);
    r->prev_version = recorded_version(a, c->newest_text);
    if (found <= 0) {
        free(json);
        return mdc_error_set(err, "%s/%s: no recorded registry state (the `-- mdc:state` line) %s", r->rel_dir,
                             newest, found < 0 ? "is malformed" : "was found: was it written by mdc?");
    }
    r->state_json = json;
    r->state_len = jlen;
    if (other && other->state_json && other->state_len == jlen && memcmp(other->state_json, json, jlen) == 0) {
        r->base = other->base;
        return 0;
    }
    const char *rel = mdc_printf(a, "%s/%s", r->rel_dir, newest);
    return mdc_canon_read_state(&r->base, a, json, jlen, rel, err);
}

/* What a new migration must read back as before --write publishes it (finding: a state the
 * reader refuses would end the chain).  The dialects record the same state: the JSON that
 * read back last is kept, so the second dialect's is compared, not parsed again. */
typedef struct readback {
    mdc_arena *a;
    const char *path;     /* migrations/postgres/0002_x.sql, for the reader's messages */
    const char *checksum; /* the to-state's registry checksum */
    char *json;           /* the last state JSON that read back (malloc), or NULL */
    size_t len;
} readback;

static int reads_back(void *ctx, const char *text, size_t len, mdc_error *err)
{
    readback *rb = ctx;
    char *json = NULL;
    size_t jlen = 0;
    int found = mdc_sql_find_state(text, len, &json, &jlen);
    if (found <= 0) {
        free(json);
        return mdc_error_set(err, "%s: no recorded registry state (the `-- mdc:state` line) %s", rb->path,
                             found < 0 ? "is malformed" : "was found");
    }
    if (rb->json && rb->len == jlen && memcmp(rb->json, json, jlen) == 0) {
        free(json);
        return 0;
    }
    mdc_registry *reg = NULL;
    if (mdc_canon_read_state(&reg, rb->a, json, jlen, rb->path, err) < 0) {
        free(json);
        return -1;
    }
    if (strcmp(reg->checksum, rb->checksum) != 0) {
        free(json);
        return mdc_error_set(err, "%s: the recorded state reads back as registry %s, not %s", rb->path,
                             reg->checksum, rb->checksum);
    }
    free(rb->json);
    rb->json = json;
    rb->len = jlen;
    return 0;
}

static int parse_risk(const char *s)
{
    static const char *const n[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, n[i]) == 0) return i;
    return -1;
}

static void print_diags(const mdc_diags *d, const mdc_repo *repo)
{
    mdc_buf out = MDC_BUF_INIT;
    mdc_report_opts ro = {false, mdc_repo_prefix(repo), MDC_VERSION};
    mdc_report_diags(&out, MDC_FORMAT_TEXT, d, &ro);
    if (out.len) fwrite(out.ptr, 1, out.len, stderr);
    mdc_buf_free(&out);
}

int mdc_cmd_migrate(const mdc_global *g, int argc, char **argv)
{
    opts o = {NULL, NULL, false, false, false, -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--write") == 0) {
            o.write = true;
        } else if (strcmp(a, "--check") == 0) {
            o.check = true;
        } else if (strcmp(a, "--down") == 0) {
            o.down = true;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--dialect", &v)) != 0) {
            if (m < 0) return 2;
            if (strcmp(v, "postgres") != 0 && strcmp(v, "sqlite") != 0)
                return mdc_fail("--dialect takes postgres or sqlite");
            o.dialect = v;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--to", &v)) != 0) {
            if (m < 0) return 2;
            if (!*v) return mdc_fail("--to needs a revision");
            o.to = v;
        } else if ((m = mdc_opt_value(argc, argv, &i, "--max-risk", &v)) != 0) {
            if (m < 0) return 2;
            if ((o.max_risk = parse_risk(v)) < 0)
                return mdc_fail("--max-risk takes LOW, MEDIUM, HIGH or CRITICAL");
        } else {
            fprintf(stderr, "mdc: unknown argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    if (o.write && o.check) return mdc_fail("--write and --check exclude each other");
    if (o.down && (o.write || o.check)) return mdc_fail("--down prints the reverse migration; it takes no --write or --check");

    int rc = 2;
    mdc_error err = {{0}};
    mdc_repo *repo = NULL;
    mdc_compilation *head = NULL;
    mdc_arena *a = mdc_arena_new();
    mdc_buf out = MDC_BUF_INIT;
    dialect_run runs[2];
    size_t nruns = 0;
    int lockfd = -1;
    readback rb = {a, NULL, NULL, NULL, 0};
    memset(runs, 0, sizeof runs);
    runs[0].chain.fd = runs[1].chain.fd = -1;

    if (mdc_repo_open(&repo, g->dir, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    mdc_compile_opts co = {o.to ? MDC_STATE_REV : MDC_STATE_WORKTREE, o.to, 0, NULL};
    if (mdc_compile(&head, repo, &co, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    if (!head->has_project) {
        rc = mdc_fail("no mdc.yaml at %s", o.to ? o.to : "the working tree");
        goto done;
    }
    if (head->diags.errors) {
        print_diags(&head->diags, repo);
        fprintf(stderr, "mdc: the models have errors; no migration\n");
        rc = 1;
        goto done;
    }
    const mdc_registry *hreg = head->reg;
    const mdc_project *proj = hreg->project;
    mdc_risk max_risk = o.max_risk >= 0 ? (mdc_risk)o.max_risk : proj->max_risk;
    double t0 = mdc_now_ms(); /* MDC_TIMING: reading the recorded states, then each dialect's SQL */

    /* the chains: locked, read and verified before anything is read from them */
    const char *mig_root = proj->migrations ? proj->migrations : "migrations";
    if (mdc_migrations_lock(&lockfd, mdc_repo_root(repo), mig_root, o.write, &err) < 0) {
        rc = mdc_fail("%s", err.msg);
        goto done;
    }
    for (int d = 0; d < 2; d++) {
        mdc_dialect dl = d == 0 ? MDC_DIALECT_POSTGRES : MDC_DIALECT_SQLITE;
        bool on = dl == MDC_DIALECT_POSTGRES ? proj->dialect_postgres : proj->dialect_sqlite;
        if (o.dialect) on = strcmp(o.dialect, mdc_dialect_name(dl)) == 0;
        if (!on) continue;
        dialect_run *r = &runs[nruns++];
        r->d = dl;
        r->rel_dir = mdc_printf(a, "%s/%s", mig_root, mdc_dialect_name(dl));
        if (mdc_chain_read(&r->chain, lockfd, mdc_dialect_name(dl), r->rel_dir, o.write, &err) < 0) {
            rc = mdc_fail("%s", err.msg);
            goto done;
        }
    }
    bool broken = false;
    for (size_t i = 0; i < nruns; i++) {
        const dialect_run *r = &runs[i];
        if (!r->chain.nproblems) continue;
        fwrite(r->chain.problems.ptr, 1, r->chain.problems.len, stderr);
        if (!o.check)
            fprintf(stderr, "mdc: %s: the migration chain does not verify; %s\n", r->rel_dir,
                    o.write ? "nothing written" : "no migration");
        broken = true;
    }
    if (broken && !o.check) {
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < nruns; i++) {
        dialect_run *r = &runs[i];
        if (r->chain.nproblems) continue; /* --check: reported above; its newest state is not trusted */
        if (load_base(a, r, i ? &runs[0] : NULL, &err) < 0) {
            fprintf(stderr, "mdc: %s\n", err.msg);
            rc = 1;
            goto done;
        }
    }

    mdc_phase("from-state", &t0);
    rc = broken ? 1 : 0;
    for (size_t i = 0; i < nruns; i++) {
        dialect_run *r = &runs[i];
        const char *dname = mdc_dialect_name(r->d);
        if (o.check) {
            if (r->chain.nproblems) continue;
            const char *have = r->base->project ? r->base->checksum : "";
            if (strcmp(have, hreg->checksum) != 0) {
                fprintf(stderr, "mdc: %s: models are ahead of migrations: run mdc migrate --write\n", r->rel_dir);
                rc = 1;
            }
            continue;
        }
        const char *have = r->base->project ? r->base->checksum : "";
        if (strcmp(have, hreg->checksum) == 0) {
            fprintf(stderr, "mdc: %s: nothing to migrate\n", r->rel_dir);
            continue;
        }
        mdc_diags dd;
        mdc_diags_init(&dd, a);
        mdc_diff *df = mdc_diff_registries(a, r->base, hreg, &dd);
        mdc_diags_sort(&dd);
        if (dd.errors) {
            print_diags(&dd, repo);
            fprintf(stderr, "mdc: %s: the changes since %s have errors; no migration\n", r->rel_dir,
                    r->chain.nfiles ? r->chain.files[r->chain.nfiles - 1] : "the empty registry");
            mdc_diags_release(&dd);
            rc = 1;
            continue;
        }
        if (dd.warnings) print_diags(&dd, repo);
        mdc_diags_release(&dd);

        if (!o.down) {
            mdc_sql_refusal *ref;
            size_t nref = mdc_sql_gate(a, df, hreg, max_risk, &ref);
            if (nref) {
                size_t nrisk = 0;
                for (size_t k = 0; k < nref; k++) {
                    if (ref[k].why) { /* a type change the two dialects cannot convert alike */
                        fprintf(stderr, "mdc: %s: refused: %s %s: %s%s%s: %s: %s\n", r->rel_dir,
                                mdc_kind_name(ref[k].doc->kind), ref[k].doc->name, ref[k].change->rule,
                                ref[k].change->field ? " on " : "", ref[k].change->field ? ref[k].change->field : "",
                                ref[k].change->message, ref[k].why);
                        continue;
                    }
                    nrisk++;
                    fprintf(stderr, "mdc: %s: refused: %s %s: %s%s%s (risk %s > max %s): %s\n", r->rel_dir,
                            mdc_kind_name(ref[k].doc->kind), ref[k].doc->name, ref[k].change->rule,
                            ref[k].change->field ? " on " : "", ref[k].change->field ? ref[k].change->field : "",
                            mdc_risk_name(ref[k].change->risk), mdc_risk_name(max_risk), ref[k].change->message);
                }
                if (nrisk)
                    fprintf(stderr, "mdc: %zu operation(s) above max_risk %s; raise it with --max-risk if intended\n",
                            nrisk, mdc_risk_name(max_risk));
                rc = 1;
                continue;
            }
        }

        unsigned next = 1;
        if (r->chain.nfiles) next = (unsigned)atoi(r->chain.files[r->chain.nfiles - 1]) + 1;
        if (next > 9999) {
            rc = mdc_fail("%s: no migration numbers left", r->rel_dir);
            goto done;
        }
        char *slug = make_slug(df, !r->base->project);
        const char *stem = mdc_printf(a, "%04u_%s", next, slug);
        free(slug);
        const char *version;
        if (proj->version.present) {
            version = mdc_semver_str(a, &proj->version);
        } else if (r->base->project && r->prev_version) {
            mdc_semver pv = {0};
            unsigned ma, mi, pa;
            if (sscanf(r->prev_version, "%u.%u.%u", &ma, &mi, &pa) == 3) {
                pv.present = true, pv.major = ma, pv.minor = mi, pv.patch = pa;
                mdc_semver nv = mdc_semver_next(pv, df->bump > MDC_BUMP_PATCH ? df->bump : MDC_BUMP_PATCH);
                version = mdc_semver_str(a, &nv);
            } else {
                version = "1.0.0";
            }
        } else {
            version = "1.0.0";
        }

        mdc_sql_opts so = MDC_SQL_OPTS_INIT;
        so.dialect = r->d;
        so.name = o.down ? mdc_printf(a, "%s.down", stem) : stem;
        so.forward_name = stem;
        so.to_version = version;
        so.down = o.down;
        mdc_buf sql = MDC_BUF_INIT;
        if (mdc_sql_migration(&sql, a, r->base, hreg, df, &so, &err) < 0) {
            mdc_buf_free(&sql);
            rc = mdc_fail("%s", err.msg);
            goto done;
        }
        mdc_phase(mdc_printf(a, "sql %s", dname), &t0);
        const char *fname = mdc_printf(a, "%s.sql", stem);
        if (!o.write) {
            mdc_buf_printf(&out, "-- ==> %s/%s%s\n", r->rel_dir, o.down ? "(down) " : "", fname);
            mdc_buf_put(&out, sql.ptr, sql.len);
            mdc_buf_free(&sql);
            continue;
        }
        rb.path = mdc_printf(a, "%s/%s", r->rel_dir, fname);
        rb.checksum = hreg->checksum;
        int added = mdc_chain_add(&r->chain, lockfd, dname, fname, sql.ptr, sql.len, reads_back, &rb, &err);
        mdc_buf_free(&sql);
        if (added > 0) {
            fprintf(stderr, "mdc: %s\nmdc: %s would not read back (above); nothing written\n", err.msg, rb.path);
            rc = 1;
            continue;
        }
        if (added < 0) {
            rc = mdc_fail("%s", err.msg);
            goto done;
        }
        printf("wrote %s/%s\n", r->rel_dir, fname);
    }
    if (out.len) fwrite(out.ptr, 1, out.len, stdout);

done:
    for (size_t i = 0; i < nruns; i++) {
        free(runs[i].state_json);
        mdc_chain_free(&runs[i].chain);
    }
    free(rb.json);
    if (lockfd >= 0) close(lockfd); /* unlocks */
    mdc_buf_free(&out);
    mdc_compilation_free(head);
    mdc_repo_free(repo);
    mdc_arena_free(a);
    return rc;
}
