/*
 * load_project.c - the project file, mdc.yaml (SPEC 2) -> mdc_project with every default
 * made explicit.
 *
 * Paths in mdc.yaml name places inside the repository; one that could point outside
 * (absolute, `~`, a `..` segment) or names nothing (empty, `.`) is PATH_OUTSIDE_REPO.
 * Accepted paths are normalised: `./models/` -> `models`.
 */
#include <stdlib.h>
#include <string.h>

#include "../model/buf.h"
#include "load.h"
#include "load_util.h"

static const char *const project_keys[] = {
    "project",  "version",  "models",   "dialects",        "migrations",
    "snapshot", "postgres", "sqlite",   "max_risk",        "reserved_models",
    "rules",
};

static const char *const dialect_names[] = {"postgres", "sqlite"};
static const char *const risk_names[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};
/* Values of `bump:` in rule overrides, and their mdc_bump. */
static const char *const bump_names[] = {"patch", "minor", "major"};
static const mdc_bump bump_values[] = {MDC_BUMP_PATCH, MDC_BUMP_MINOR, MDC_BUMP_MAJOR};

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* ------------------------------------------------------------------ paths */

/*
 * repo-path := a relative path whose segments are not `..`; `.` and empty segments are
 *              dropped; at least one segment must remain.
 * Returns the normalised path, or NULL after PATH_OUTSIDE_REPO / BAD_VALUE.
 */
static const char *repo_path(const mdc_lctx *c, const mdc_ynode *n, const char *what)
{
    const char *s = mdc_lstring(c, n, what);
    if (!s) return NULL;
    if (s[0] == '/' || s[0] == '~') {
        mdc_lerr(c, "PATH_OUTSIDE_REPO", n,
                 "%s must be a path relative to the project root, got `%s`", what, s);
        return NULL;
    }
    mdc_buf b = MDC_BUF_INIT;
    const char *p = s;
    bool escapes = false;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') escapes = true;
        if (len && !(len == 1 && p[0] == '.')) {
            if (b.len) mdc_buf_putc(&b, '/');
            mdc_buf_put(&b, p, len);
        }
        p += len + (slash ? 1 : 0);
    }
    const char *out = b.len ? mdc_strdup(c->a, b.ptr) : NULL;
    mdc_buf_free(&b);
    if (escapes) {
        mdc_lerr(c, "PATH_OUTSIDE_REPO", n,
                 "%s must stay inside the repository: `%s` has a `..` segment", what, s);
        return NULL;
    }
    if (!out) {
        mdc_lerr(c, "PATH_OUTSIDE_REPO", n, "%s must name a path inside the repository, got `%s`",
                 what, s);
        return NULL;
    }
    return out;
}

/* models := repo-path | [repo-path, ...]        (default [models]) */
static void read_models(const mdc_lctx *c, mdc_project *p, const mdc_ynode *n)
{
    if (n && n->kind == MDC_Y_SCALAR) {
        const char *dir = repo_path(c, n, "`models`");
        if (dir) {
            p->model_dirs[0] = dir;
            p->nmodel_dirs = 1;
        }
        return;
    }
    if (!mdc_lexpect_seq(c, n, "`models`")) return;
    if (n->n == 0) {
        mdc_lerr(c, "BAD_VALUE", n, "`models` must list at least one folder");
        return;
    }
    const char **dirs = mdc_new_array(c->a, const char *, n->n);
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *dir = repo_path(c, n->items[i], "each entry of `models`");
        if (dir) dirs[k++] = dir;
    }
    if (!k) return;
    p->model_dirs = dirs;
    p->nmodel_dirs = mdc_sort_unique(dirs, NULL, k);
}

/* dialects := DIALECT | [DIALECT, ...];  DIALECT := postgres | sqlite   (default both) */
static void read_dialects(const mdc_lctx *c, mdc_project *p, const mdc_ynode *n)
{
    const mdc_ynode *single[1] = {n};
    const mdc_ynode *const *items = single;
    size_t count = 1;
    if (n && n->kind == MDC_Y_SEQ) {
        items = (const mdc_ynode *const *)n->items;
        count = n->n;
        if (!count) {
            mdc_lerr(c, "BAD_VALUE", n, "`dialects` must name at least one of postgres, sqlite");
            return;
        }
    } else if (!n || n->kind != MDC_Y_SCALAR) {
        mdc_lexpect_seq(c, n, "`dialects`");
        return;
    }
    bool pg = false, lite = false, ok = true;
    for (size_t i = 0; i < count; i++) {
        int d = mdc_lenum(c, items[i], "each entry of `dialects`", dialect_names, 2);
        if (d == 0) pg = true;
        if (d == 1) lite = true;
        if (d < 0) ok = false;
    }
    if (!ok || (!pg && !lite)) return;
    p->dialect_postgres = pg;
    p->dialect_sqlite = lite;
}

/* postgres := { schema: IDENT }          (default {schema: public}) */
static void read_postgres(const mdc_lctx *c, mdc_project *p, const mdc_ynode *n)
{
    if (!mdc_lexpect_map(c, n, "`postgres`")) return;
    static const char *const keys[] = {"schema"};
    mdc_lcheck_keys(c, n, "`postgres`", keys, 1);
    const mdc_ynode *s = mdc_lget(n, "schema", NULL);
    if (!s) return;
    const char *schema = mdc_lname(c, s, MDC_NAME_IDENT, "`postgres.schema`");
    if (schema) p->pg_schema = schema;
}

/*
 * sqlite := { dataflow_registry: view | table }     (default view)
 *
 * What an SQLite database holds under the name dataflow_model_registry: the seed-000 view
 * (created by the first migration when absent) or DataFlow 0.4+'s table, which the SQLite
 * migrations fill with one row per model.  PostgreSQL finds out by itself; SQLite has no
 * conditional statements, so its migration files must be written for one or the other (and
 * refuse to run on the wrong one).
 */
static void read_sqlite(const mdc_lctx *c, mdc_project *p, const mdc_ynode *n)
{
    if (!mdc_lexpect_map(c, n, "`sqlite`")) return;
    static const char *const keys[] = {"dataflow_registry"};
    mdc_lcheck_keys(c, n, "`sqlite`", keys, 1);
    const mdc_ynode *r = mdc_lget(n, "dataflow_registry", NULL);
    if (!r) return;
    static const char *const kinds[] = {"view", "table"};
    int k = mdc_lenum(c, r, "`sqlite.dataflow_registry`", kinds, 2);
    if (k >= 0) p->sqlite_registry_table = k == 1;
}

/* reserved_models := [MODEL_NAME, ...]   (sorted, unique) */
static void read_reserved_models(const mdc_lctx *c, mdc_project *p, const mdc_ynode *n)
{
    const mdc_ynode **nodes;
    size_t count;
    const char **names = mdc_lstring_list(c, n, "`reserved_models`", &count, &nodes);
    for (size_t i = 0; i < count; i++)
        mdc_lcheck_name(c, nodes[i], names[i], MDC_NAME_MODEL, "reserved model name");
    p->reserved_models = names;
    p->nreserved_models = mdc_sort_unique(names, NULL, count);
}

/* override := { bump: patch | minor | major, risk: LOW | MEDIUM | HIGH | CRITICAL } */
static void read_override(const mdc_lctx *c, mdc_rule_override *o, const mdc_ynode *n)
{
    const char *where = mdc_printf(c->a, "rule `%s`", o->rule);
    if (!mdc_lexpect_map(c, n, mdc_printf(c->a, "the override of %s", where))) return;
    static const char *const keys[] = {"bump", "risk"};
    mdc_lcheck_keys(c, n, where, keys, 2);
    const mdc_ynode *b = mdc_lget(n, "bump", NULL), *r = mdc_lget(n, "risk", NULL);
    if (b) {
        int i = mdc_lenum(c, b, mdc_printf(c->a, "`bump` of %s", where), bump_names, 3);
        if (i >= 0) o->bump = (int)bump_values[i];
    }
    if (r) o->risk = mdc_lenum(c, r, mdc_printf(c->a, "`risk` of %s", where), risk_names, 4);
    if (!b && !r)
        mdc_lerr(c, "BAD_VALUE", n, "the override of %s sets neither `bump` nor `risk`", where);
}

static int cmp_override(const void *pa, const void *pb)
{
    const mdc_rule_override *a = pa, *b = pb;
    return strcmp(a->rule, b->rule);
}

/* rules := { RULE_NAME: override, ... }   (RULE_NAME from the catalog of SPEC 5.2) */
static void read_rules(const mdc_lctx *c, mdc_project *p, const mdc_ynode *n)
{
    if (!mdc_lexpect_map(c, n, "`rules`")) return;
    size_t nrules;
    const char *const *rules = mdc_rule_names(&nrules);
    mdc_lcheck_keys(c, n, "`rules` (rule names are those of the rule catalog)", rules, nrules);
    p->rules = mdc_new_array(c->a, mdc_rule_override, n->n + 1);
    for (size_t i = 0; i < n->n; i++) {
        const mdc_ynode *k = n->items[2 * i];
        bool known = false;
        for (size_t j = 0; k && k->str && j < nrules; j++)
            if (strcmp(k->str, rules[j]) == 0) known = true;
        if (!known) continue;
        mdc_rule_override *o = &p->rules[p->nrules++];
        o->rule = k->str;
        o->bump = o->risk = -1;
        o->loc = mdc_lloc(c, k);
        read_override(c, o, n->items[2 * i + 1]);
    }
    qsort(p->rules, p->nrules, sizeof *p->rules, cmp_override);
}

/* ------------------------------------------------------------------ the project */

static void set_defaults(mdc_arena *a, mdc_project *p, const char *path)
{
    p->path = path ? path : "mdc.yaml";
    p->name = "";
    p->model_dirs = mdc_new_array(a, const char *, 1);
    p->model_dirs[0] = "models";
    p->nmodel_dirs = 1;
    p->dialect_postgres = p->dialect_sqlite = true;
    p->migrations = "migrations";
    p->snapshot = "registry.db";
    p->pg_schema = "public";
    p->max_risk = MDC_RISK_MEDIUM;
}

/*
 * project := { project: PROJECT_NAME, version: SEMVER, models: ..., dialects: ...,
 *              migrations: repo-path, snapshot: repo-path, postgres: ..., sqlite: ...,
 *              max_risk: RISK,
 *              reserved_models: ..., rules: ... }
 */
mdc_project *mdc_load_project(mdc_arena *a, const char *path, const mdc_ynode *root, mdc_diags *d)
{
    mdc_project *p = mdc_new(a, mdc_project);
    set_defaults(a, p, path);
    mdc_lctx c = {a, d, p->path, NULL};
    if (!root) return p; /* unreadable or empty: the driver says which */
    if (!mdc_lexpect_map(&c, root, "mdc.yaml")) return p;
    mdc_lcheck_keys(&c, root, "mdc.yaml", project_keys, COUNT(project_keys));

    const mdc_ynode *n = mdc_lrequire(&c, root, "project", "mdc.yaml");
    if (n) {
        const char *name = mdc_lname(&c, n, MDC_NAME_PROJECT, "project name");
        if (name) p->name = name;
    }
    if ((n = mdc_lget(root, "version", NULL)))
        mdc_lversion(&c, n, &p->version, &p->version_loc, &p->version_off, &p->version_len);
    if ((n = mdc_lget(root, "models", NULL))) read_models(&c, p, n);
    if ((n = mdc_lget(root, "dialects", NULL))) read_dialects(&c, p, n);
    const char *s;
    if ((n = mdc_lget(root, "migrations", NULL)) && (s = repo_path(&c, n, "`migrations`")))
        p->migrations = s;
    if ((n = mdc_lget(root, "snapshot", NULL)) && (s = repo_path(&c, n, "`snapshot`")))
        p->snapshot = s;
    if ((n = mdc_lget(root, "postgres", NULL))) read_postgres(&c, p, n);
    if ((n = mdc_lget(root, "sqlite", NULL))) read_sqlite(&c, p, n);
    if ((n = mdc_lget(root, "max_risk", NULL))) {
        int r = mdc_lenum(&c, n, "`max_risk`", risk_names, 4);
        if (r >= 0) p->max_risk = (mdc_risk)r;
    }
    const mdc_ynode *rk = NULL;
    if ((n = mdc_lget(root, "reserved_models", &rk))) {
        read_reserved_models(&c, p, n);
        if (rk) p->reserved_models_loc = rk->loc;
    }
    if ((n = mdc_lget(root, "rules", NULL))) read_rules(&c, p, n);
    return p;
}

const char *const *mdc_load_project_keys(size_t *n)
{
    *n = COUNT(project_keys);
    return project_keys;
}
