/*
 * snapshot.c - the registry snapshot writer (SPEC 7); see snapshot.h.
 *
 * The tables, and the rows: registry + history + info -> one callback per row, table by
 * table, each table's rows in sorted order (mdc_snapshot_rows).  Every derived value (the
 * data_sources id of a model, the table_meta name, the ontology targets, versions) is
 * computed here and nowhere else, so the SQLite file (snapshot_sqlite.c) and the
 * PostgreSQL text of `mdc build --format postgres-sql` cannot disagree.
 *
 * Layout decisions (documented for users in registry/README.md):
 *   - The project's own database is the data_sources row with id = project name,
 *     uri = "project:<name>", type = the first dialect of mdc.yaml (postgres before sqlite).
 *     A kind: source with the project's name replaces that row.
 *   - table_meta.table_name is the model's table; when two models of one source use the
 *     same table name in different schemas, both are written "schema.table".
 *   - ontology_mapping.source_tables: a JSON array, sorted bytewise, of
 *     "source_id.table_name"; a model name resolves through table_meta's naming above,
 *     "source.table" stays as written.
 */
#include "snapshot.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../compiler/diff.h"
#include "../model/buf.h"
#include "../model/json.h"
#include "../model/types.h"

/* ------------------------------------------------------------------ the tables */

#define COLS(a) a, sizeof a / sizeof a[0]

static const mdc_snapshot_column registry_meta_cols[] = {
    {"key", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"value", "TEXT", "TEXT"},
};
static const mdc_snapshot_column data_sources_cols[] = {
    {"id", NULL, NULL}, {"uri", NULL, NULL}, {"type", NULL, NULL},
    {"version", NULL, NULL}, {"updated_at", NULL, NULL},
};
static const mdc_snapshot_column table_meta_cols[] = {
    {"source_id", NULL, NULL}, {"table_name", NULL, NULL}, {"schema_json", NULL, NULL},
    {"version", NULL, NULL}, {"updated_at", NULL, NULL},
};
static const mdc_snapshot_column ontology_cols[] = {
    {"entity_name", NULL, NULL}, {"source_tables", NULL, NULL},
};
static const mdc_snapshot_column models_cols[] = {
    {"name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"table_name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"schema_name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"source_id", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"version", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"structure_checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"definition_json", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"path", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"blob_oid", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"description", "TEXT", "TEXT"},
    {"table_key", "TEXT NOT NULL", "TEXT NOT NULL"}, /* its table_meta.table_name */
};
static const mdc_snapshot_column fields_cols[] = {
    {"model", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"position", "INTEGER NOT NULL", "INTEGER NOT NULL"},
    {"type", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"pg_type", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"sqlite_type", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"nullable", "INTEGER NOT NULL", "BOOLEAN NOT NULL"},
    {"default_json", "TEXT", "TEXT"},
    {"default_expr", "TEXT", "TEXT"},
    {"primary_key", "INTEGER NOT NULL", "BOOLEAN NOT NULL"},
    {"is_unique", "INTEGER NOT NULL", "BOOLEAN NOT NULL"},
    {"references_model", "TEXT", "TEXT"},
    {"references_field", "TEXT", "TEXT"},
    {"on_delete", "TEXT", "TEXT"},
    {"on_update", "TEXT", "TEXT"},
    {"description", "TEXT", "TEXT"},
    {"identity", "INTEGER NOT NULL", "BOOLEAN NOT NULL"},
};
static const mdc_snapshot_column indexes_cols[] = {
    {"model", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"name", "TEXT", "TEXT"},
    {"position", "INTEGER NOT NULL", "INTEGER NOT NULL"},
    {"fields_json", "TEXT NOT NULL", "JSONB NOT NULL"},
    {"is_unique", "INTEGER NOT NULL", "BOOLEAN NOT NULL"},
    {"where_sql", "TEXT", "TEXT"},
};
static const mdc_snapshot_column uniques_cols[] = {
    {"model", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"position", "INTEGER NOT NULL", "INTEGER NOT NULL"},
    {"fields_json", "TEXT NOT NULL", "JSONB NOT NULL"},
};
static const mdc_snapshot_column fks_cols[] = {
    {"model", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"field", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"references_model", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"references_field", "TEXT", "TEXT"},
    {"on_delete", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"on_update", "TEXT NOT NULL", "TEXT NOT NULL"},
};
static const mdc_snapshot_column checks_cols[] = {
    {"model", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"name", "TEXT", "TEXT"},
    {"expr", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"position", "INTEGER NOT NULL", "INTEGER NOT NULL"},
};
static const mdc_snapshot_column contracts_cols[] = {
    {"name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"consumer", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"model", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"compatibility", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"version", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"definition_json", "TEXT NOT NULL", "TEXT NOT NULL"},
};
static const mdc_snapshot_column contract_fields_cols[] = {
    {"contract", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"field", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"type", "TEXT", "TEXT"}, /* NULL: presence only */
};
static const mdc_snapshot_column entities_cols[] = {
    {"name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"description", "TEXT", "TEXT"},
    {"version", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"definition_json", "TEXT NOT NULL", "TEXT NOT NULL"},
};
static const mdc_snapshot_column sources_cols[] = {
    {"name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"type", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"uri", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"version", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"definition_json", "TEXT NOT NULL", "TEXT NOT NULL"},
};
/* Every document, with its checksums.  The canonical JSON itself is stored once, in the
 * definition_json of its kind's table (models, sources, entities, contracts): the exact
 * bytes the checksum covers. */
static const mdc_snapshot_column documents_cols[] = {
    {"kind", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"path", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"blob_oid", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"structure_checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"version", "TEXT NOT NULL", "TEXT NOT NULL"},
};
static const mdc_snapshot_column versions_cols[] = {
    {"kind", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"name", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"version", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"checksum", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"git_commit", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"committed_at", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"bump", "TEXT NOT NULL", "TEXT NOT NULL"},
    {"rules_json", "TEXT NOT NULL", "JSONB NOT NULL"},
    {"seq", "INTEGER NOT NULL", "INTEGER NOT NULL"}, /* 0-based, oldest first */
    {"removed", "INTEGER NOT NULL", "BOOLEAN NOT NULL"},
};
static const mdc_snapshot_column migrations_cols[] = {
    {"version", NULL, NULL}, {"name", NULL, NULL}, {"checksum", NULL, NULL},
    {"applied_at", NULL, NULL}, {"status", NULL, NULL}, {"operations", NULL, NULL},
    {"created_at", NULL, NULL}, {"model_definitions", NULL, NULL},
    {"application_id", NULL, NULL}, {"model_registry_sync", NULL, NULL},
};

enum {
    T_REGISTRY_META,
    T_DATA_SOURCES,
    T_TABLE_META,
    T_ONTOLOGY,
    T_MODELS,
    T_FIELDS,
    T_INDEXES,
    T_UNIQUES,
    T_FKS,
    T_CHECKS,
    T_CONTRACTS,
    T_CONTRACT_FIELDS,
    T_ENTITIES,
    T_SOURCES,
    T_DOCUMENTS,
    T_VERSIONS,
    T_MIGRATIONS,
    T__COUNT
};

/* Seed 002, column for column; PostgreSQL gets BIGINT for epoch milliseconds. */
static const mdc_snapshot_table tables[T__COUNT] = {
    {"registry_meta", COLS(registry_meta_cols), "key", NULL, NULL},
    {"data_sources", COLS(data_sources_cols), "id",
     "CREATE TABLE IF NOT EXISTS data_sources (id TEXT PRIMARY KEY, uri TEXT NOT NULL, "
     "type TEXT NOT NULL, version TEXT NOT NULL, updated_at INTEGER NOT NULL)",
     "CREATE TABLE IF NOT EXISTS data_sources (id TEXT PRIMARY KEY, uri TEXT NOT NULL, "
     "type TEXT NOT NULL, version TEXT NOT NULL, updated_at BIGINT NOT NULL)"},
    {"table_meta", COLS(table_meta_cols), "source_id, table_name",
     "CREATE TABLE IF NOT EXISTS table_meta (source_id TEXT NOT NULL, table_name TEXT NOT NULL, "
     "schema_json TEXT NOT NULL, version TEXT NOT NULL, updated_at INTEGER NOT NULL, "
     "PRIMARY KEY (source_id, table_name), "
     "FOREIGN KEY (source_id) REFERENCES data_sources(id) ON DELETE CASCADE)",
     "CREATE TABLE IF NOT EXISTS table_meta (source_id TEXT NOT NULL, table_name TEXT NOT NULL, "
     "schema_json TEXT NOT NULL, version TEXT NOT NULL, updated_at BIGINT NOT NULL, "
     "PRIMARY KEY (source_id, table_name), "
     "FOREIGN KEY (source_id) REFERENCES data_sources(id) ON DELETE CASCADE)"},
    {"ontology_mapping", COLS(ontology_cols), "entity_name",
     "CREATE TABLE IF NOT EXISTS ontology_mapping (entity_name TEXT PRIMARY KEY, "
     "source_tables TEXT NOT NULL)",
     "CREATE TABLE IF NOT EXISTS ontology_mapping (entity_name TEXT PRIMARY KEY, "
     "source_tables TEXT NOT NULL)"},
    {"models", COLS(models_cols), "name", NULL, NULL},
    {"fields", COLS(fields_cols), "model, name", NULL, NULL, true},
    {"indexes", COLS(indexes_cols), "model, position", NULL, NULL},
    {"unique_constraints", COLS(uniques_cols), "model, position", NULL, NULL, true},
    {"foreign_keys", COLS(fks_cols), "model, field", NULL, NULL, true},
    {"checks", COLS(checks_cols), "model, position", NULL, NULL},
    {"contracts", COLS(contracts_cols), "name", NULL, NULL},
    {"contract_fields", COLS(contract_fields_cols), "contract, field", NULL, NULL, true},
    {"entities", COLS(entities_cols), "name", NULL, NULL},
    {"sources", COLS(sources_cols), "name", NULL, NULL},
    {"documents", COLS(documents_cols), "kind, name", NULL, NULL, true},
    {"model_versions", COLS(versions_cols), "kind, name, seq", NULL, NULL},
    /* Seed 000 (and SPEC 6.1): the table DataFlow's migrator creates, with the three
     * registry columns; snapshot only (see the pg_ddl note in snapshot.h). */
    {"dataflow_migrations", COLS(migrations_cols), "version",
     "CREATE TABLE IF NOT EXISTS dataflow_migrations (version VARCHAR(255) PRIMARY KEY, "
     "name VARCHAR(255) NOT NULL, checksum VARCHAR(32) NOT NULL, applied_at TIMESTAMPTZ, "
     "status VARCHAR(50) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','applied',"
     "'failed','rolled_back')), operations JSONB, created_at TIMESTAMPTZ DEFAULT "
     "CURRENT_TIMESTAMP, model_definitions JSONB, application_id VARCHAR(255), "
     "model_registry_sync BOOLEAN DEFAULT FALSE)",
     NULL},
};

const char mdc_snapshot_view_sql[] =
    "CREATE VIEW dataflow_model_registry AS\n"
    "SELECT\n"
    "    application_id,\n"
    "    model_definitions,\n"
    "    checksum as model_checksum,\n"
    "    applied_at as registered_at,\n"
    "    version as schema_version\n"
    "FROM dataflow_migrations\n"
    "WHERE model_registry_sync = TRUE\n"
    "AND status = 'applied'\n"
    "ORDER BY applied_at DESC";

const mdc_snapshot_table *mdc_snapshot_tables(size_t *n)
{
    *n = T__COUNT;
    return tables;
}

/* ------------------------------------------------------------------ small helpers */

void mdc_snapshot_iso8601(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if ((int64_t)tt != t || !gmtime_r(&tt, &tm)) {
        snprintf(out, 32, "1970-01-01T00:00:00Z");
        return;
    }
    if (strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) snprintf(out, 32, "1970-01-01T00:00:00Z");
}

const char *mdc_snapshot_doc_version(mdc_arena *a, const mdc_doc *d, const mdc_history *hist)
{
    if (d->version.present) return mdc_semver_str(a, &d->version);
    if (hist) {
        const mdc_history_entry *e = mdc_history_latest(hist, d->kind, d->name);
        if (e && e->version) return e->version;
    }
    return "1.0.0";
}

/* The project's own data_sources id. */
static const char *project_source_id(const mdc_registry *reg)
{
    return reg->project && reg->project->name ? reg->project->name : "";
}

const char *mdc_snapshot_model_source(const mdc_registry *reg, const mdc_model *m)
{
    return m->source ? m->source : project_source_id(reg);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static inline mdc_snapshot_value v_text(const char *s)
{
    mdc_snapshot_value v = {s ? MDC_SV_TEXT : MDC_SV_NULL, s, 0};
    return v;
}
static inline mdc_snapshot_value v_int(int64_t i)
{
    mdc_snapshot_value v = {MDC_SV_INT, NULL, i};
    return v;
}
static inline mdc_snapshot_value v_bool(bool b)
{
    mdc_snapshot_value v = {MDC_SV_BOOL, NULL, b ? 1 : 0};
    return v;
}

/* ------------------------------------------------------------------ the row generator */

/* One model with what the snapshot derives for it. */
typedef struct model_row {
    const mdc_doc *doc;
    const mdc_model *m;
    const char *source_id;
    const char *table_key; /* table_meta.table_name: "table" or "schema.table" */
    const char *version;
} model_row;

typedef struct gen {
    mdc_arena *a;
    const mdc_registry *reg;
    const mdc_history *hist;
    const mdc_snapshot_info *info;
    mdc_snapshot_row_cb cb;
    void *ctx;
    mdc_error *err;
    model_row *models; /* sorted by name */
    size_t nmodels;
    const char *registry_version;
    char compiled_at[32];
    int64_t updated_ms;
    mdc_buf tmp;
} gen;

#define EMIT(g, t, ...)                                                                   \
    do {                                                                                  \
        mdc_snapshot_value row_[] = {__VA_ARGS__};                                        \
        _Static_assert(sizeof row_ / sizeof row_[0] > 0, "row");                          \
        if (sizeof row_ / sizeof row_[0] != tables[t].ncolumns)                           \
            return mdc_error_set((g)->err, "snapshot: internal: row size of %s",          \
                                 tables[t].name);                                         \
        int rc_ = (g)->cb((g)->ctx, &tables[t], row_);                                    \
        if (rc_) return rc_;                                                              \
    } while (0)

static int cmp_model_row_name(const void *a, const void *b)
{
    return strcmp(((const model_row *)a)->doc->name, ((const model_row *)b)->doc->name);
}

static int cmp_model_row_table(const void *a, const void *b)
{
    const model_row *x = *(const model_row *const *)a, *y = *(const model_row *const *)b;
    int c = strcmp(x->source_id, y->source_id);
    if (c) return c;
    c = strcmp(x->m->table, y->m->table);
    if (c) return c;
    c = strcmp(x->m->schema ? x->m->schema : "", y->m->schema ? y->m->schema : "");
    if (c) return c;
    return strcmp(x->doc->name, y->doc->name);
}

/* Collects the models, their source ids, table_meta names and versions. */
static int collect_models(gen *g)
{
    const mdc_registry *reg = g->reg;
    size_t n = 0;
    for (size_t i = 0; i < reg->ndocs; i++)
        if (reg->docs[i]->kind == MDC_KIND_MODEL) n++;
    g->models = mdc_new_array(g->a, model_row, n ? n : 1);
    for (size_t i = 0; i < reg->ndocs; i++) {
        const mdc_doc *d = reg->docs[i];
        if (d->kind != MDC_KIND_MODEL) continue;
        model_row *r = &g->models[g->nmodels++];
        r->doc = d;
        r->m = d->body;
        if (!r->m || !r->m->table)
            return mdc_error_set(g->err, "snapshot: model %s has no table", d->name);
        r->source_id = mdc_snapshot_model_source(reg, r->m);
        r->table_key = r->m->table;
        r->version = mdc_snapshot_doc_version(g->a, d, g->hist);
    }
    qsort(g->models, g->nmodels, sizeof *g->models, cmp_model_row_name);

    /* Qualify table names that collide within one source. */
    model_row **by_table = mdc_new_array(g->a, model_row *, g->nmodels ? g->nmodels : 1);
    for (size_t i = 0; i < g->nmodels; i++)
        by_table[i] = &g->models[i];
    qsort(by_table, g->nmodels, sizeof *by_table, cmp_model_row_table);
    for (size_t i = 0; i < g->nmodels;) {
        size_t j = i + 1;
        while (j < g->nmodels && strcmp(by_table[j]->source_id, by_table[i]->source_id) == 0 &&
               strcmp(by_table[j]->m->table, by_table[i]->m->table) == 0)
            j++;
        if (j - i > 1)
            for (size_t k = i; k < j; k++) {
                const char *schema = by_table[k]->m->schema ? by_table[k]->m->schema : "";
                if (k > i && strcmp(schema, by_table[k - 1]->m->schema ? by_table[k - 1]->m->schema : "") == 0)
                    return mdc_error_set(g->err,
                                         "snapshot: models %s and %s both use table %s.%s of source %s",
                                         by_table[k - 1]->doc->name, by_table[k]->doc->name,
                                         schema, by_table[k]->m->table, by_table[k]->source_id);
                by_table[k]->table_key = mdc_printf(g->a, "%s.%s", schema, by_table[k]->m->table);
            }
        i = j;
    }
    return 0;
}

static const model_row *find_model(const gen *g, const char *name)
{
    size_t lo = 0, hi = g->nmodels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, g->models[mid].doc->name);
        if (c == 0) return &g->models[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const char *docs_version(gen *g, const mdc_doc *d)
{
    return mdc_snapshot_doc_version(g->a, d, g->hist);
}

static int rows_registry_meta(gen *g)
{
    const mdc_project *p = g->reg->project;
    char fmt[16];
    snprintf(fmt, sizeof fmt, "%d", MDC_SNAPSHOT_FORMAT_VERSION);
    /* Sorted by key. */
    struct {
        const char *k, *v;
    } kv[] = {
        {"checksum_algorithm", "xxh3-128"},
        {"compiled_at", g->compiled_at},
        {"compiler_version", g->info->compiler_version ? g->info->compiler_version : ""},
        {"format_version", fmt},
        {"git_commit", g->info->git_commit ? g->info->git_commit : ""},
        {"git_tree", g->info->git_tree ? g->info->git_tree : ""},
        {"history", g->hist ? "on" : "off"},
        {"project", p->name ? p->name : ""},
        {"project_json", p->canonical_json ? p->canonical_json : ""},
        {"registry_checksum", g->reg->checksum},
        {"registry_version", g->registry_version},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        EMIT(g, T_REGISTRY_META, v_text(kv[i].k), v_text(kv[i].v));
    return 0;
}

typedef struct source_row {
    const char *id, *uri, *type, *version;
} source_row;

static int cmp_source_row(const void *a, const void *b)
{
    return strcmp(((const source_row *)a)->id, ((const source_row *)b)->id);
}

static int rows_data_sources(gen *g)
{
    const mdc_registry *reg = g->reg;
    const mdc_project *p = reg->project;
    source_row *rows = mdc_new_array(g->a, source_row, reg->ndocs + 1);
    size_t n = 0;
    bool project_is_source = false;
    for (size_t i = 0; i < reg->ndocs; i++) {
        const mdc_doc *d = reg->docs[i];
        if (d->kind != MDC_KIND_SOURCE) continue;
        const mdc_source *s = d->body;
        rows[n].id = d->name;
        rows[n].uri = s && s->uri ? s->uri : "";
        rows[n].type = s && s->type ? s->type : "other";
        rows[n].version = docs_version(g, d);
        if (strcmp(d->name, project_source_id(reg)) == 0) project_is_source = true;
        n++;
    }
    if (!project_is_source) {
        rows[n].id = project_source_id(reg);
        rows[n].uri = mdc_printf(g->a, "project:%s", rows[n].id);
        rows[n].type = p->dialect_postgres || !p->dialect_sqlite ? "postgres" : "sqlite";
        rows[n].version = g->registry_version;
        n++;
    }
    qsort(rows, n, sizeof *rows, cmp_source_row);
    for (size_t i = 0; i < n; i++)
        EMIT(g, T_DATA_SOURCES, v_text(rows[i].id), v_text(rows[i].uri), v_text(rows[i].type),
             v_text(rows[i].version), v_int(g->updated_ms));
    return 0;
}

static int cmp_row_key(const void *a, const void *b)
{
    const model_row *x = *(const model_row *const *)a, *y = *(const model_row *const *)b;
    int c = strcmp(x->source_id, y->source_id);
    return c ? c : strcmp(x->table_key, y->table_key);
}

static int rows_table_meta(gen *g)
{
    model_row **v = mdc_new_array(g->a, model_row *, g->nmodels ? g->nmodels : 1);
    for (size_t i = 0; i < g->nmodels; i++)
        v[i] = &g->models[i];
    qsort(v, g->nmodels, sizeof *v, cmp_row_key);
    for (size_t i = 0; i < g->nmodels; i++) {
        if (i && cmp_row_key(&v[i - 1], &v[i]) == 0)
            return mdc_error_set(g->err, "snapshot: models %s and %s both use table %s of source %s",
                                 v[i - 1]->doc->name, v[i]->doc->name, v[i]->table_key,
                                 v[i]->source_id);
        EMIT(g, T_TABLE_META, v_text(v[i]->source_id), v_text(v[i]->table_key),
             v_text(v[i]->doc->canonical_json), v_text(v[i]->version), v_int(g->updated_ms));
    }
    return 0;
}

static int rows_ontology(gen *g)
{
    for (size_t i = 0; i < g->reg->ndocs; i++) {
        const mdc_doc *d = g->reg->docs[i];
        if (d->kind != MDC_KIND_ENTITY) continue;
        const mdc_entity *e = d->body;
        size_t n = e ? e->nmaps : 0;
        const char **targets = mdc_new_array(g->a, const char *, n ? n : 1);
        for (size_t k = 0; k < n; k++) {
            const char *t = e->maps_to[k];
            const model_row *r = strchr(t, '.') ? NULL : find_model(g, t);
            targets[k] = r ? mdc_printf(g->a, "%s.%s", r->source_id, r->table_key) : t;
        }
        qsort(targets, n, sizeof *targets, cmp_str);
        mdc_buf_clear(&g->tmp);
        mdc_buf_putc(&g->tmp, '[');
        for (size_t k = 0, out = 0; k < n; k++) {
            if (k && strcmp(targets[k], targets[k - 1]) == 0) continue;
            if (out++) mdc_buf_putc(&g->tmp, ',');
            mdc_json_str(&g->tmp, targets[k]);
        }
        mdc_buf_putc(&g->tmp, ']');
        EMIT(g, T_ONTOLOGY, v_text(d->name), v_text(g->tmp.ptr));
    }
    return 0;
}

static const char *fk_action(const mdc_field *f, mdc_fk_action a)
{
    return f->ref_model ? mdc_fk_action_name(a) : NULL;
}

static int rows_models(gen *g)
{
    for (size_t i = 0; i < g->nmodels; i++) {
        const model_row *r = &g->models[i];
        EMIT(g, T_MODELS, v_text(r->doc->name), v_text(r->m->table),
             v_text(r->m->schema ? r->m->schema : ""), v_text(r->source_id), v_text(r->version),
             v_text(r->doc->checksum), v_text(r->doc->structure_checksum),
             v_text(r->doc->canonical_json), v_text(r->doc->path ? r->doc->path : ""),
             v_text(r->doc->blob_oid ? r->doc->blob_oid : ""), v_text(r->doc->description),
             v_text(r->table_key));
    }
    return 0;
}

/* default_expr column: "now" | "current_date" | "uuid" | {"postgres":..,"sqlite":..} | NULL */
static const char *default_expr_text(gen *g, const mdc_field *f)
{
    if (f->default_expr == MDC_DX_NONE) return NULL;
    if (f->default_expr != MDC_DX_CUSTOM) return mdc_default_expr_name(f->default_expr);
    mdc_buf_clear(&g->tmp);
    mdc_buf_puts(&g->tmp, "{\"postgres\":");
    mdc_json_str(&g->tmp, f->default_pg ? f->default_pg : "");
    mdc_buf_puts(&g->tmp, ",\"sqlite\":");
    mdc_json_str(&g->tmp, f->default_sqlite ? f->default_sqlite : "");
    mdc_buf_putc(&g->tmp, '}');
    return mdc_strndup(g->a, g->tmp.ptr, g->tmp.len);
}

static int rows_fields(gen *g)
{
    for (size_t i = 0; i < g->nmodels; i++) {
        const model_row *r = &g->models[i];
        for (size_t k = 0; k < r->m->nfields; k++) {
            const mdc_field *f = &r->m->fields[k];
            const char *dflt = NULL;
            if (f->default_value) {
                mdc_buf_clear(&g->tmp);
                mdc_json_value(&g->tmp, f->default_value);
                dflt = mdc_strndup(g->a, g->tmp.ptr, g->tmp.len);
            }
            EMIT(g, T_FIELDS, v_text(r->doc->name), v_text(f->name), v_int(f->position),
                 v_text(mdc_type_canonical(g->a, &f->type)), v_text(mdc_type_pg(g->a, &f->type)),
                 v_text(mdc_type_sqlite(&f->type)), v_bool(f->nullable), v_text(dflt),
                 v_text(default_expr_text(g, f)), v_bool(f->primary_key), v_bool(f->unique),
                 v_text(f->ref_model), v_text(f->ref_model ? f->ref_field : NULL),
                 v_text(fk_action(f, f->on_delete)), v_text(fk_action(f, f->on_update)),
                 v_text(f->description), v_bool(f->identity));
        }
    }
    return 0;
}

static int rows_indexes(gen *g)
{
    for (size_t i = 0; i < g->nmodels; i++) {
        const model_row *r = &g->models[i];
        for (size_t k = 0; k < r->m->nindexes; k++) {
            const mdc_index *x = &r->m->indexes[k];
            mdc_buf_clear(&g->tmp);
            mdc_buf_putc(&g->tmp, '[');
            for (size_t c = 0; c < x->ncols; c++) {
                if (c) mdc_buf_putc(&g->tmp, ',');
                mdc_buf_puts(&g->tmp, "{\"name\":");
                mdc_json_str(&g->tmp, x->cols[c].field ? x->cols[c].field : "");
                mdc_buf_puts(&g->tmp, x->cols[c].desc ? ",\"order\":\"desc\"}" : ",\"order\":\"asc\"}");
            }
            mdc_buf_putc(&g->tmp, ']');
            EMIT(g, T_INDEXES, v_text(r->doc->name), v_text(x->name), v_int((int64_t)k),
                 v_text(g->tmp.ptr), v_bool(x->unique), v_text(x->where));
        }
    }
    return 0;
}

static int rows_uniques(gen *g)
{
    for (size_t i = 0; i < g->nmodels; i++) {
        const model_row *r = &g->models[i];
        for (size_t k = 0; k < r->m->nuniques; k++) {
            const mdc_unique *u = &r->m->uniques[k];
            mdc_buf_clear(&g->tmp);
            mdc_buf_putc(&g->tmp, '[');
            for (size_t c = 0; c < u->nfields; c++) {
                if (c) mdc_buf_putc(&g->tmp, ',');
                mdc_json_str(&g->tmp, u->fields[c] ? u->fields[c] : "");
            }
            mdc_buf_putc(&g->tmp, ']');
            EMIT(g, T_UNIQUES, v_text(r->doc->name), v_int((int64_t)k), v_text(g->tmp.ptr));
        }
    }
    return 0;
}

static int rows_foreign_keys(gen *g)
{
    for (size_t i = 0; i < g->nmodels; i++) {
        const model_row *r = &g->models[i];
        /* Primary key (model, field): emit in field-name order. */
        size_t n = r->m->nfields;
        const char **names = mdc_new_array(g->a, const char *, n ? n : 1);
        size_t nn = 0;
        for (size_t k = 0; k < n; k++)
            if (r->m->fields[k].ref_model) names[nn++] = r->m->fields[k].name;
        qsort(names, nn, sizeof *names, cmp_str);
        for (size_t k = 0; k < nn; k++) {
            const mdc_field *f = mdc_model_field(r->m, names[k]);
            if (!f) continue;
            EMIT(g, T_FKS, v_text(r->doc->name), v_text(f->name), v_text(f->ref_model),
                 v_text(f->ref_field), v_text(mdc_fk_action_name(f->on_delete)),
                 v_text(mdc_fk_action_name(f->on_update)));
        }
    }
    return 0;
}

static int rows_checks(gen *g)
{
    for (size_t i = 0; i < g->nmodels; i++) {
        const model_row *r = &g->models[i];
        for (size_t k = 0; k < r->m->nchecks; k++)
            EMIT(g, T_CHECKS, v_text(r->doc->name), v_text(r->m->checks[k].name),
                 v_text(r->m->checks[k].expr ? r->m->checks[k].expr : ""), v_int((int64_t)k));
    }
    return 0;
}

static int rows_contracts(gen *g)
{
    for (size_t i = 0; i < g->reg->ndocs; i++) {
        const mdc_doc *d = g->reg->docs[i];
        if (d->kind != MDC_KIND_CONTRACT) continue;
        const mdc_contract *c = d->body;
        EMIT(g, T_CONTRACTS, v_text(d->name), v_text(c && c->consumer ? c->consumer : ""),
             v_text(c && c->model ? c->model : ""),
             v_text(mdc_compat_name(c ? c->compatibility : MDC_COMPAT_BACKWARD)),
             v_text(docs_version(g, d)), v_text(d->checksum), v_text(d->canonical_json));
    }
    for (size_t i = 0; i < g->reg->ndocs; i++) {
        const mdc_doc *d = g->reg->docs[i];
        if (d->kind != MDC_KIND_CONTRACT || !d->body) continue;
        const mdc_contract *c = d->body;
        for (size_t k = 0; k < c->nfields; k++) /* sorted by name */
            EMIT(g, T_CONTRACT_FIELDS, v_text(d->name), v_text(c->fields[k].name),
                 v_text(c->fields[k].type ? mdc_type_canonical(g->a, c->fields[k].type) : NULL));
    }
    return 0;
}

static int rows_entities_sources(gen *g)
{
    for (size_t i = 0; i < g->reg->ndocs; i++) {
        const mdc_doc *d = g->reg->docs[i];
        if (d->kind != MDC_KIND_ENTITY) continue;
        EMIT(g, T_ENTITIES, v_text(d->name), v_text(d->description), v_text(docs_version(g, d)),
             v_text(d->checksum), v_text(d->canonical_json));
    }
    for (size_t i = 0; i < g->reg->ndocs; i++) {
        const mdc_doc *d = g->reg->docs[i];
        if (d->kind != MDC_KIND_SOURCE) continue;
        const mdc_source *s = d->body;
        EMIT(g, T_SOURCES, v_text(d->name), v_text(s && s->type ? s->type : "other"),
             v_text(s && s->uri ? s->uri : ""), v_text(docs_version(g, d)), v_text(d->checksum),
             v_text(d->canonical_json));
    }
    return 0;
}

static int rows_documents(gen *g)
{
    for (size_t i = 0; i < g->reg->ndocs; i++) { /* sorted by kind, then name */
        const mdc_doc *d = g->reg->docs[i];
        EMIT(g, T_DOCUMENTS, v_text(mdc_kind_name(d->kind)), v_text(d->name),
             v_text(d->path ? d->path : ""), v_text(d->blob_oid ? d->blob_oid : ""),
             v_text(d->checksum), v_text(d->structure_checksum), v_text(docs_version(g, d)));
    }
    return 0;
}

static int rows_versions(gen *g)
{
    if (!g->hist) return 0;
    int64_t seq = 0;
    for (size_t i = 0; i < g->hist->n; i++) { /* sorted by kind, name, commit order */
        const mdc_history_entry *e = &g->hist->entries[i];
        if (i && (e->kind != e[-1].kind || strcmp(e->name, e[-1].name) != 0)) seq = 0;
        char at[32];
        mdc_snapshot_iso8601(e->committed_at, at);
        EMIT(g, T_VERSIONS, v_text(mdc_kind_name(e->kind)), v_text(e->name),
             v_text(e->version ? e->version : ""), v_text(e->checksum), v_text(e->commit),
             v_text(at), v_text(mdc_bump_name(e->bump)),
             v_text(e->rules_json ? e->rules_json : "[]"), v_int(seq), v_bool(e->removed));
        seq++;
    }
    return 0;
}

static int rows_migrations(gen *g)
{
    /* {"Model": canonical JSON, ...}, keys in RFC 8785 order. */
    model_row **v = mdc_new_array(g->a, model_row *, g->nmodels ? g->nmodels : 1);
    for (size_t i = 0; i < g->nmodels; i++)
        v[i] = &g->models[i];
    for (size_t i = 1; i < g->nmodels; i++) /* insertion sort: already sorted bytewise */
        for (size_t k = i; k > 0 && mdc_json_keycmp(v[k - 1]->doc->name, v[k]->doc->name) > 0; k--) {
            model_row *t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    /* Every definition once more (10k models: 24 MB): measured first and written into one
     * arena block, which is mapped on its own with huge pages (arena.c), rather than grown
     * by doubling on the heap. */
    size_t *lens = mdc_new_array(g->a, size_t, g->nmodels ? g->nmodels : 1);
    size_t total = 2;
    for (size_t i = 0; i < g->nmodels; i++) {
        mdc_buf_clear(&g->tmp);
        mdc_json_str(&g->tmp, v[i]->doc->name);
        lens[i] = strlen(v[i]->doc->canonical_json);
        total += (i > 0) + g->tmp.len + 1 + lens[i];
    }
    char *defs = mdc_alloc(g->a, total + 1), *o = defs;
    *o++ = '{';
    for (size_t i = 0; i < g->nmodels; i++) {
        if (i) *o++ = ',';
        mdc_buf_clear(&g->tmp);
        mdc_json_str(&g->tmp, v[i]->doc->name);
        memcpy(o, g->tmp.ptr, g->tmp.len);
        o += g->tmp.len;
        *o++ = ':';
        memcpy(o, v[i]->doc->canonical_json, lens[i]);
        o += lens[i];
    }
    *o++ = '}';
    *o = '\0';
    if ((size_t)(o - defs) != total) return mdc_error_set(g->err, "snapshot: internal: definitions size");
    mdc_snapshot_value row[] = {
        v_text(g->registry_version), v_text("snapshot"), v_text(g->reg->checksum),
        v_text(g->compiled_at), v_text("applied"), v_text("[]"), v_text(g->compiled_at),
        v_text(defs), v_text(project_source_id(g->reg)), v_bool(true),
    };
    return g->cb(g->ctx, &tables[T_MIGRATIONS], row);
}

static bool registry_complete(const mdc_registry *reg, mdc_error *err)
{
    if (!reg->project || !reg->project->name) {
        mdc_error_set(err, "snapshot: the registry has no project");
        return false;
    }
    for (size_t i = 0; i < reg->ndocs; i++)
        if (!reg->docs[i]->canonical_json || !reg->docs[i]->name) {
            mdc_error_set(err, "snapshot: document %s has no canonical form (errors?)",
                          reg->docs[i]->name ? reg->docs[i]->name : "?");
            return false;
        }
    return true;
}

int mdc_snapshot_rows(const mdc_registry *reg, const mdc_history *hist,
                      const mdc_snapshot_info *info, mdc_snapshot_row_cb cb, void *ctx,
                      mdc_error *err)
{
    return mdc_snapshot_rows_of(reg, hist, info, UINT32_MAX, cb, ctx, err);
}

int mdc_snapshot_rows_of(const mdc_registry *reg, const mdc_history *hist,
                         const mdc_snapshot_info *info, uint32_t tables_mask,
                         mdc_snapshot_row_cb cb, void *ctx, mdc_error *err)
{
    if (!registry_complete(reg, err)) return -1;
    gen g = {0};
    g.a = mdc_arena_new();
    g.reg = reg;
    g.hist = hist;
    g.info = info;
    g.cb = cb;
    g.ctx = ctx;
    g.err = err;
    g.registry_version = info->registry_version ? info->registry_version
                         : reg->project->version.present
                             ? mdc_semver_str(g.a, &reg->project->version)
                             : "1.0.0";
    mdc_snapshot_iso8601(info->compiled_at, g.compiled_at);
    g.updated_ms = info->compiled_at * 1000;

#define BIT(t) (UINT32_C(1) << (t))
    static const struct {
        int (*fn)(gen *);
        uint32_t tables; /* the tables the step writes */
    } steps[] = {
        {rows_registry_meta, BIT(T_REGISTRY_META)},
        {rows_data_sources, BIT(T_DATA_SOURCES)},
        {rows_table_meta, BIT(T_TABLE_META)},
        {rows_ontology, BIT(T_ONTOLOGY)},
        {rows_models, BIT(T_MODELS)},
        {rows_fields, BIT(T_FIELDS)},
        {rows_indexes, BIT(T_INDEXES)},
        {rows_uniques, BIT(T_UNIQUES)},
        {rows_foreign_keys, BIT(T_FKS)},
        {rows_checks, BIT(T_CHECKS)},
        {rows_contracts, BIT(T_CONTRACTS) | BIT(T_CONTRACT_FIELDS)},
        {rows_entities_sources, BIT(T_ENTITIES) | BIT(T_SOURCES)},
        {rows_documents, BIT(T_DOCUMENTS)},
        {rows_versions, BIT(T_VERSIONS)},
        {rows_migrations, BIT(T_MIGRATIONS)},
    };
#undef BIT
    _Static_assert(T__COUNT <= 32, "a table mask is 32 bits");
    int rc = collect_models(&g);
    for (size_t i = 0; rc == 0 && i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i].tables & tables_mask) rc = steps[i].fn(&g);
    mdc_buf_free(&g.tmp);
    mdc_arena_free(g.a);
    return rc;
}

