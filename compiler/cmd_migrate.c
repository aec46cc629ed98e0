/*
 * cmd_migrate.c - `mdc migrate`; see cmd_migrate.h.
 *
 * Per dialect of mdc.yaml (or --dialect):
 *
 *   migrations/<dialect>/NNNN_*.sql (working tree) -> newest file -> its `-- mdc:state` line
 *     -> registry (compiler/canon_read.h, checksums verified) = from-state
 *   working tree or --to REV -> compile = to-state
 *   diff -> risk gate -> SQL (emit/sql.h) -> stdout, or a new file + mdc.sum (--write)
 *
 * mdc.sum: one line per migration file in number order, `NAME HASH`, where HASH is
 * XXH3-128 of (the previous line's HASH as 32 hex digits + the file's bytes); the first
 * file chains from the empty string.  An edited old file changes every later hash, and two
 * branches that add the same number conflict on the same line in git.
 *
 * Files are written atomically: the text goes to a temporary file in the same folder,
 * which is then hard-linked to its final name (failing if that name exists: a migration
 * file is never overwritten) or, for mdc.sum, renamed over it.
 */
#define _GNU_SOURCE /* asprintf */
#include "cmd_migrate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../emit/report.h"
#include "../emit/sql.h"
#include "../model/buf.h"
#include "canon.h"
#include "canon_read.h"
#include "compile.h"
#include "diff.h"

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

/* ------------------------------------------------------------------ files */

static int read_file(const char *path, mdc_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[65536];
    ssize_t n;
    mdc_buf_clear(out);
    while ((n = read(fd, buf, sizeof buf)) > 0) mdc_buf_put(out, buf, (size_t)n);
    close(fd);
    if (!out->ptr) mdc_buf_put(out, "", 0);
    return n < 0 ? -1 : 0;
}

static bool is_migration_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 10 || strcmp(s + n - 4, ".sql") != 0) return false;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return s[4] == '_';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The migration files of a folder, sorted; *n = 0 when the folder does not exist. */
static char **list_migrations(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char **v = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_migration_name(e->d_name)) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n > 1) qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* The mdc.sum text the files of dir chain to. */
static int sum_text(const char *dir, char **files, size_t n, mdc_buf *out)
{
    char prev[33] = "";
    mdc_buf content = MDC_BUF_INIT, data = MDC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, files[i]) < 0) return -1;
        int rc = read_file(path, &content);
        free(path);
        if (rc < 0) {
            mdc_buf_free(&content);
            mdc_buf_free(&data);
            return -1;
        }
        mdc_buf_clear(&data);
        mdc_buf_puts(&data, prev);
        mdc_buf_put(&data, content.ptr, content.len);
        mdc_xxh128_hex(data.ptr, data.len, prev);
        mdc_buf_printf(out, "%s %s\n", files[i], prev);
    }
    mdc_buf_free(&content);
    mdc_buf_free(&data);
    if (!out->ptr) mdc_buf_put(out, "", 0);
    return 0;
}

/* Writes text to dir/name atomically; never replaces an existing file unless replace. */
static int write_atomic(const char *dir, const char *name, const char *text, size_t len, bool replace)
{
    char *tmp = NULL, *final = NULL;
    int rc = -1, fd = -1;
    if (asprintf(&tmp, "%s/.%s.tmp-XXXXXX", dir, name) < 0) return -1;
    if (asprintf(&final, "%s/%s", dir, name) < 0) goto done;
    fd = mkstemp(tmp);
    if (fd < 0) goto done;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w <= 0) goto done;
        off += (size_t)w;
    }
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) < 0 || fsync(fd) < 0) goto done;
    if (close(fd) < 0) {
        fd = -1;
        goto done;
    }
    fd = -1;
    if (replace) {
        if (rename(tmp, final) < 0) goto done;
    } else {
        if (link(tmp, final) < 0) goto done; /* EEXIST: never overwrite a migration */
        unlink(tmp);
    }
    rc = 0;
done:
    if (fd >= 0) close(fd);
    if (rc < 0 && tmp) {
        int e = errno;
        unlink(tmp);
        errno = e;
    }
    free(tmp);
    free(final);
    return rc;
}

static int mkdirs(const char *path)
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
    char *dir;            /* absolute folder */
    const char *rel_dir;  /* for messages: migrations/postgres */
    char **files;
    size_t nfiles;
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

/* Reads the state recorded by r's newest file.  The dialect folders usually record the same
 * state: when `other` (an earlier run, or NULL) read the same text, its registry is reused
 * instead of parsing and checksumming the whole registry once more. */
static int load_base(mdc_arena *a, dialect_run *r, const dialect_run *other, mdc_error *err)
{
    r->base = mdc_new(a, mdc_registry);
    if (!r->nfiles) return 0;
    const char *newest = r->files[r->nfiles - 1];
    char *path = NULL;
    if (asprintf(&path, "%s/%s", r->dir, newest) < 0) return mdc_error_set(err, "out of memory");
    mdc_buf text = MDC_BUF_INIT;
    int rc = read_file(path, &text);
    free(path);
    if (rc < 0) {
        mdc_buf_free(&text);
        return mdc_error_set(err, "cannot read %s/%s: %s", r->rel_dir, newest, strerror(errno));
    }
    char *json = NULL;
    size_t jlen = 0;
    int found = mdc_sql_find_state(text.ptr, text.len, &json, &jlen);
    r->prev_version = recorded_version(a, text.ptr);
    mdc_buf_free(&text);
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

static int check_sum(dialect_run *r, bool *ok, mdc_error *err)
{
    mdc_buf want = MDC_BUF_INIT, have = MDC_BUF_INIT;
    if (sum_text(r->dir, r->files, r->nfiles, &want) < 0) {
        mdc_buf_free(&want);
        return mdc_error_set(err, "cannot read the migrations of %s", r->rel_dir);
    }
    char *path = NULL;
    if (asprintf(&path, "%s/mdc.sum", r->dir) < 0) return -1;
    bool exists = read_file(path, &have) == 0;
    free(path);
    *ok = exists ? have.len == want.len && memcmp(have.ptr, want.ptr, want.len) == 0 : r->nfiles == 0;
    mdc_buf_free(&want);
    mdc_buf_free(&have);
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
    memset(runs, 0, sizeof runs);

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

    for (int d = 0; d < 2; d++) {
        mdc_dialect dl = d == 0 ? MDC_DIALECT_POSTGRES : MDC_DIALECT_SQLITE;
        bool on = dl == MDC_DIALECT_POSTGRES ? proj->dialect_postgres : proj->dialect_sqlite;
        if (o.dialect) on = strcmp(o.dialect, mdc_dialect_name(dl)) == 0;
        if (!on) continue;
        dialect_run *r = &runs[nruns++];
        r->d = dl;
        r->rel_dir = mdc_printf(a, "%s/%s", proj->migrations ? proj->migrations : "migrations", mdc_dialect_name(dl));
        if (asprintf(&r->dir, "%s/%s", mdc_repo_root(repo), r->rel_dir) < 0) goto done;
        r->files = list_migrations(r->dir, &r->nfiles);
        if (load_base(a, r, nruns > 1 ? &runs[0] : NULL, &err) < 0) {
            fprintf(stderr, "mdc: %s\n", err.msg);
            rc = 1;
            goto done;
        }
    }

    mdc_phase("from-state", &t0);
    rc = 0;
    for (size_t i = 0; i < nruns; i++) {
        dialect_run *r = &runs[i];
        const char *dname = mdc_dialect_name(r->d);
        if (o.check) {
            bool ok = false;
            if (check_sum(r, &ok, &err) < 0) {
                rc = mdc_fail("%s", err.msg);
                goto done;
            }
            if (!ok) {
                fprintf(stderr, "mdc: %s/mdc.sum does not match the migration files (a migration was edited, or two "
                                "branches added the same number)\n", r->rel_dir);
                rc = 1;
            }
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
                    r->nfiles ? r->files[r->nfiles - 1] : "the empty registry");
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
        if (r->nfiles) next = (unsigned)atoi(r->files[r->nfiles - 1]) + 1;
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
        if (mkdirs(r->dir) < 0 || write_atomic(r->dir, fname, sql.ptr, sql.len, false) < 0) {
            int e = errno;
            mdc_buf_free(&sql);
            rc = mdc_fail("cannot write %s/%s: %s", r->rel_dir, fname,
                          e == EEXIST ? "the file exists (a migration is never overwritten)" : strerror(e));
            goto done;
        }
        mdc_buf_free(&sql);
        /* mdc.sum over every file, the new one included */
        char **nv = realloc(r->files, (r->nfiles + 1) * sizeof *nv);
        if (!nv) goto done;
        r->files = nv;
        r->files[r->nfiles++] = strdup(fname);
        mdc_buf sum = MDC_BUF_INIT;
        if (sum_text(r->dir, r->files, r->nfiles, &sum) < 0 ||
            write_atomic(r->dir, "mdc.sum", sum.ptr, sum.len, true) < 0) {
            mdc_buf_free(&sum);
            rc = mdc_fail("cannot write %s/mdc.sum: %s", r->rel_dir, strerror(errno));
            goto done;
        }
        mdc_buf_free(&sum);
        printf("wrote %s/%s\n", r->rel_dir, fname);
    }
    if (out.len) fwrite(out.ptr, 1, out.len, stdout);

done:
    for (size_t i = 0; i < nruns; i++) {
        free(runs[i].dir);
        free(runs[i].state_json);
        free_list(runs[i].files, runs[i].nfiles);
    }
    mdc_buf_free(&out);
    mdc_compilation_free(head);
    mdc_repo_free(repo);
    mdc_arena_free(a);
    return rc;
}
