/*
 * test_libmdc.c - libmdc (registry/include/mdc/registry.h) against snapshots written by the
 * real writer (emit/snapshot.c) from registries built here as structs.
 *
 *   - the writer: tables, rows, byte-identical output, atomic replacement, no temp files;
 *   - the library: open, meta, model lookup, fields, iteration, the seed-002 calls, verify;
 *   - hostile files: truncated at every eighth, empty, random bytes, a valid header on
 *     random pages, a plain SQLite file, wrong application_id / user_version, tampered
 *     definitions (verify catches them, a plain open still works), NULL where text is
 *     expected, a missing table, a view posing as a table;
 *   - concurrency: readers loop (own handles and one shared handle) while new snapshots
 *     are renamed into place;
 *   - numbers: write time of a big registry, open and lookup latency (printed).
 */
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compiler/canon.h"
#include "emit/snapshot.h"
#include "mdc/registry.h"
#include "model/types.h"

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ registries as structs */

static mdc_field field(mdc_arena *a, const char *name, const char *type, uint32_t pos)
{
    mdc_field f;
    memset(&f, 0, sizeof f);
    f.name = name;
    f.position = pos;
    const char *msg = NULL, *suggest = NULL;
    bool nullable = false;
    if (mdc_type_parse(a, type, true, &f.type, &nullable, &msg, &suggest) != MDC_TYPE_OK)
        fprintf(stderr, "bad type %s: %s\n", type, msg);
    f.nullable = nullable;
    return f;
}

static mdc_value *val_str(mdc_arena *a, const char *s)
{
    mdc_value *v = mdc_new(a, mdc_value);
    v->kind = MDC_V_STRING;
    v->s = s;
    v->len = strlen(s);
    return v;
}

static mdc_value *val_bool(mdc_arena *a, bool b)
{
    mdc_value *v = mdc_new(a, mdc_value);
    v->kind = MDC_V_BOOL;
    v->b = b;
    return v;
}

static mdc_doc *new_doc(mdc_arena *a, mdc_kind kind, const char *name, const char *path, void *body)
{
    mdc_doc *d = mdc_new(a, mdc_doc);
    d->kind = kind;
    d->name = name;
    d->path = path;
    d->blob_oid = "0123456789abcdef0123456789abcdef01234567";
    d->body = body;
    return d;
}

static const char **strs(mdc_arena *a, size_t n, ...)
{
    const char **v = mdc_new_array(a, const char *, n ? n : 1);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        v[i] = va_arg(ap, const char *);
    va_end(ap);
    return v;
}

static mdc_doc *user_model(mdc_arena *a, const char *description)
{
    mdc_model *m = mdc_new(a, mdc_model);
    m->table = "users";
    m->schema = "public";
    m->nfields = 6;
    m->fields = mdc_new_array(a, mdc_field, m->nfields);
    m->fields[0] = field(a, "id", "uuid", 0);
    m->fields[0].primary_key = true;
    m->fields[0].default_expr = MDC_DX_UUID;
    m->fields[1] = field(a, "email", "varchar(320)", 1);
    m->fields[1].unique = true;
    m->fields[1].description = "Login address";
    m->fields[2] = field(a, "name", "string", 2);
    m->fields[3] = field(a, "active", "bool", 3);
    m->fields[3].default_value = val_bool(a, true);
    m->fields[4] = field(a, "manager_id", "uuid?", 4);
    m->fields[4].ref_model = "User";
    m->fields[4].ref_field = "id";
    m->fields[4].on_delete = MDC_FK_SET_NULL;
    m->fields[5] = field(a, "created_at", "timestamptz", 5);
    m->fields[5].default_expr = MDC_DX_NOW;
    m->primary_key = strs(a, 1, "id");
    m->npk = 1;
    m->nindexes = 1;
    m->indexes = mdc_new_array(a, mdc_index, 1);
    m->indexes[0].ncols = 1;
    m->indexes[0].cols = mdc_new_array(a, mdc_index_col, 1);
    m->indexes[0].cols[0].field = "created_at";
    m->indexes[0].cols[0].desc = true;
    m->nchecks = 1;
    m->checks = mdc_new_array(a, mdc_check, 1);
    m->checks[0].name = "email_has_at";
    m->checks[0].expr = "email LIKE '%@%'";
    mdc_doc *d = new_doc(a, MDC_KIND_MODEL, "User", "models/user.yaml", m);
    d->description = description;
    m->doc = d;
    return d;
}

static mdc_doc *order_model(mdc_arena *a)
{
    mdc_model *m = mdc_new(a, mdc_model);
    m->table = "orders";
    m->schema = "sales";
    m->nfields = 4;
    m->fields = mdc_new_array(a, mdc_field, m->nfields);
    m->fields[0] = field(a, "id", "int64", 0);
    m->fields[0].primary_key = true;
    m->fields[0].identity = true;
    m->fields[1] = field(a, "user_id", "uuid", 1);
    m->fields[1].ref_model = "User";
    m->fields[1].ref_field = "id";
    m->fields[1].on_delete = MDC_FK_CASCADE;
    m->fields[2] = field(a, "total", "decimal(12,2)", 2);
    m->fields[2].default_value = val_str(a, "0");
    m->fields[3] = field(a, "status", "enum(open, paid)", 3);
    m->fields[3].default_value = val_str(a, "open");
    m->primary_key = strs(a, 1, "id");
    m->npk = 1;
    m->nuniques = 1;
    m->uniques = mdc_new_array(a, mdc_unique, 1);
    m->uniques[0].fields = strs(a, 2, "user_id", "status");
    m->uniques[0].nfields = 2;
    mdc_doc *d = new_doc(a, MDC_KIND_MODEL, "Order", "models/order.yaml", m);
    d->version.present = true;
    d->version.major = 2;
    m->doc = d;
    return d;
}

static mdc_doc *filler_model(mdc_arena *a, size_t i)
{
    mdc_model *m = mdc_new(a, mdc_model);
    char *name = mdc_printf(a, "Thing%05zu", i);
    m->table = mdc_printf(a, "things_%05zu", i);
    m->schema = "public";
    m->nfields = 8;
    m->fields = mdc_new_array(a, mdc_field, m->nfields);
    m->fields[0] = field(a, "id", "int64", 0);
    m->fields[0].primary_key = true;
    for (uint32_t k = 1; k < m->nfields; k++)
        m->fields[k] = field(a, mdc_printf(a, "attr_%u", k), k % 2 ? "string?" : "int32", k);
    m->primary_key = strs(a, 1, "id");
    m->npk = 1;
    mdc_doc *d = new_doc(a, MDC_KIND_MODEL, name, mdc_printf(a, "models/things/%s.yaml", name), m);
    m->doc = d;
    return d;
}

static int cmp_doc(const void *x, const void *y)
{
    const mdc_doc *a = *(mdc_doc *const *)x, *b = *(mdc_doc *const *)y;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* The test registry: User, Order, nfiller ThingNNNNN models, a source, an entity and a
 * contract.  `variant` changes User's description (a different checksum). */
static mdc_registry *make_registry(mdc_arena *a, size_t nfiller, int variant)
{
    mdc_project *p = mdc_new(a, mdc_project);
    p->path = "mdc.yaml";
    p->name = "shop";
    p->version.present = true;
    p->version.major = 1;
    p->version.minor = 2;
    p->model_dirs = strs(a, 1, "models");
    p->nmodel_dirs = 1;
    p->dialect_postgres = p->dialect_sqlite = true;
    p->migrations = "migrations";
    p->snapshot = "registry.db";
    p->pg_schema = "public";
    p->max_risk = MDC_RISK_MEDIUM;

    mdc_registry *r = mdc_new(a, mdc_registry);
    r->project = p;
    r->docs = mdc_new_array(a, mdc_doc *, nfiller + 8);
    r->docs[r->ndocs++] = user_model(a, variant ? "People (v2)." : "People who sign in.");
    r->docs[r->ndocs++] = order_model(a);
    for (size_t i = 0; i < nfiller; i++)
        r->docs[r->ndocs++] = filler_model(a, i);

    mdc_source *s = mdc_new(a, mdc_source);
    s->type = "postgres";
    s->uri = "postgresql://crm-db:5432/crm";
    r->docs[r->ndocs++] = s->doc = new_doc(a, MDC_KIND_SOURCE, "crm_postgres", "models/_shared.yaml", s);

    mdc_entity *e = mdc_new(a, mdc_entity);
    e->maps_to = strs(a, 2, "User", "crm_postgres.contacts");
    e->nmaps = 2;
    r->docs[r->ndocs++] = e->doc = new_doc(a, MDC_KIND_ENTITY, "Customer", "models/_shared.yaml", e);

    mdc_contract *c = mdc_new(a, mdc_contract);
    c->consumer = "billing-service";
    c->model = "User";
    c->compatibility = MDC_COMPAT_BACKWARD;
    c->nfields = 2;
    c->fields = mdc_new_array(a, mdc_contract_field, 2);
    c->fields[0].name = "email";
    c->fields[1].name = "id";
    r->docs[r->ndocs++] = c->doc =
        new_doc(a, MDC_KIND_CONTRACT, "billing-reads-users", "models/_shared.yaml", c);

    qsort(r->docs, r->ndocs, sizeof *r->docs, cmp_doc);
    mdc_canon_registry(a, r);
    return r;
}

static const mdc_snapshot_info test_info = {
    "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222",
    1704067200, "test", NULL};

/* A small history: User appears, then changes once. */
static mdc_history *make_history(mdc_arena *a)
{
    mdc_history *h = mdc_new(a, mdc_history);
    h->n = 2;
    h->entries = mdc_new_array(a, mdc_history_entry, 2);
    for (int i = 0; i < 2; i++) {
        mdc_history_entry *e = &h->entries[i];
        e->kind = MDC_KIND_MODEL;
        e->name = "User";
        e->version = i ? "1.1.0" : "1.0.0";
        memset(e->checksum, 'a' + i, 32);
        memset(e->commit, '0' + i, 40);
        e->committed_at = 1704067200 + i * 3600;
        e->bump = i ? MDC_BUMP_MINOR : MDC_BUMP_NONE;
        e->rules_json = i ? "[\"FIELD_ADDED_NULLABLE\"]" : "[\"MODEL_ADDED\"]";
    }
    h->ncommits = 2;
    return h;
}

static mdc_arena *A;
static mdc_registry *REG;

static int write_snapshot(const char *path, const mdc_registry *r, const mdc_history *h)
{
    mdc_error err = {{0}};
    int rc = mdc_snapshot_write(path, r, h, &test_info, &err);
    if (rc) fprintf(stderr, "write %s: %s\n", path, err.msg);
    return rc;
}

/* ------------------------------------------------------------------ file helpers */

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)len + 1);
    *n = fread(p, 1, (size_t)len, f);
    fclose(f);
    return p;
}

static void write_all(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(p, 1, n, f);
    fclose(f);
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    unsigned char *p = read_all(from, &n);
    if (p) write_all(to, p, n);
    free(p);
}

/* Runs SQL on a copy of the snapshot (writable, outside libmdc). */
static int tamper(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) fprintf(stderr, "tamper: %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc;
}

static int open_rc(const char *path, unsigned flags, char *msg, size_t msglen)
{
    mdc_snapshot *s = NULL;
    int rc = mdc_snapshot_open(&s, path, flags);
    if (msg) snprintf(msg, msglen, "%s", mdc_snapshot_errmsg(s));
    if (rc == 0) {
        /* A successful open must survive touching everything. */
        mdc_strarray names = {0};
        if (mdc_snapshot_list_models(&names, s) == 0)
            for (size_t i = 0; i < names.count; i++) {
                mdc_model_info *m = NULL;
                if (mdc_model_info_lookup(&m, s, names.strings[i]) == 0) mdc_model_info_free(m);
            }
        mdc_strarray_free(&names);
    }
    mdc_snapshot_close(s);
    return rc;
}

/* ------------------------------------------------------------------ writer */

TEST(writer_tables_and_determinism)
{
    mdc_arena *a = mdc_arena_new();
    mdc_history *h = make_history(a);
    const char *p1 = tmp_path("w1.db"), *p2 = tmp_path("w2.db");
    CHECK_INT(write_snapshot(p1, REG, h), 0);
    CHECK_INT(write_snapshot(p2, REG, h), 0);
    size_t n1 = 0, n2 = 0;
    unsigned char *b1 = read_all(p1, &n1), *b2 = read_all(p2, &n2);
    CHECK(b1 && b2 && n1 == n2 && n1 > 0 && memcmp(b1, b2, n1) == 0);
    free(b1);
    free(b2);

    /* Over an existing file: replaced; no temporary left in the directory. */
    CHECK_INT(write_snapshot(p1, REG, NULL), 0);
    DIR *dir = opendir(tmpdir);
    int temps = 0;
    for (struct dirent *e; dir && (e = readdir(dir));)
        if (strstr(e->d_name, ".tmp-")) temps++;
    if (dir) closedir(dir);
    CHECK_INT(temps, 0);

    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(p2, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    struct {
        const char *sql, *want;
    } q[] = {
        {"PRAGMA application_id", "1296319314"},
        {"PRAGMA user_version", "1"},
        {"PRAGMA page_size", "4096"},
        {"PRAGMA journal_mode", "delete"},
        {"SELECT value FROM registry_meta WHERE key = 'compiled_at'", "2024-01-01T00:00:00Z"},
        {"SELECT value FROM registry_meta WHERE key = 'registry_version'", "1.2.0"},
        {"SELECT value FROM registry_meta WHERE key = 'checksum_algorithm'", "xxh3-128"},
        {"SELECT group_concat(id || '|' || type || '|' || uri || '|' || version || '|' || updated_at, ';') FROM data_sources",
         "crm_postgres|postgres|postgresql://crm-db:5432/crm|1.0.0|1704067200000;shop|postgres|project:shop|1.2.0|1704067200000"},
        {"SELECT group_concat(source_id || '.' || table_name || '@' || version, ';') FROM table_meta",
         "shop.orders@2.0.0;shop.users@1.1.0"},
        {"SELECT source_tables FROM ontology_mapping WHERE entity_name = 'Customer'",
         "[\"crm_postgres.contacts\",\"shop.users\"]"},
        {"SELECT group_concat(name || ':' || type || ':' || pg_type || ':' || nullable || ':' || ifnull(default_json, '-') || ':' || ifnull(default_expr, '-'), ';') FROM (SELECT * FROM fields WHERE model = 'User' ORDER BY position)",
         "id:uuid:UUID:0:-:uuid;email:string(320):VARCHAR(320):0:-:-;name:string:TEXT:0:-:-;"
         "active:bool:BOOLEAN:0:true:-;manager_id:uuid:UUID:1:-:-;created_at:timestamptz:TIMESTAMPTZ:0:-:now"},
        {"SELECT group_concat(field || '>' || references_model || '.' || references_field || ':' || on_delete, ';') FROM foreign_keys",
         "user_id>User.id:cascade;manager_id>User.id:set_null"},
        {"SELECT fields_json FROM indexes WHERE model = 'User'", "[{\"name\":\"created_at\",\"order\":\"desc\"}]"},
        {"SELECT fields_json FROM unique_constraints WHERE model = 'Order'", "[\"user_id\",\"status\"]"},
        {"SELECT group_concat(field || ':' || ifnull(type, 'any'), ';') FROM contract_fields", "email:any;id:any"},
        {"SELECT group_concat(name || '@' || version || '#' || seq || ':' || bump || ':' || committed_at, ';') FROM model_versions",
         "User@1.0.0#0:none:2024-01-01T00:00:00Z;User@1.1.0#1:minor:2024-01-01T01:00:00Z"},
        {"SELECT application_id || '|' || model_checksum || '|' || schema_version || '|' || registered_at FROM dataflow_model_registry",
         NULL},
        {"SELECT status || '|' || model_registry_sync || '|' || name || '|' || operations FROM dataflow_migrations",
         "applied|1|snapshot|[]"},
        {"SELECT created_at FROM dataflow_migrations", "2024-01-01T00:00:00Z"},
        {"SELECT count(*) FROM documents", "5"},
    };
    char view_want[128];
    snprintf(view_want, sizeof view_want, "shop|%s|1.2.0|2024-01-01T00:00:00Z", REG->checksum);
    for (size_t i = 0; db && i < sizeof q / sizeof q[0]; i++) {
        if (!q[i].want) q[i].want = view_want;
        sqlite3_stmt *st = NULL;
        const char *got = NULL;
        if (sqlite3_prepare_v2(db, q[i].sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            got = (const char *)sqlite3_column_text(st, 0);
        if (!got || strcmp(got, q[i].want) != 0) fprintf(stderr, "query: %s\n", q[i].sql);
        CHECK_STR(got, q[i].want);
        sqlite3_finalize(st);
    }
    /* model_definitions = {"Order": ..., "User": ...} */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT model_definitions FROM dataflow_migrations", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *defs = (const char *)sqlite3_column_text(st, 0);
        const mdc_doc *u = mdc_registry_find(REG, MDC_KIND_MODEL, "User");
        CHECK(defs && strncmp(defs, "{\"Order\":{", 10) == 0);
        CHECK(defs && u && strstr(defs, u->canonical_json));
    } else {
        CHECK(0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    mdc_arena_free(a);
}

TEST(writer_failure_leaves_nothing)
{
    mdc_error err = {{0}};
    CHECK(mdc_snapshot_write("/nonexistent-dir/x.db", REG, NULL, &test_info, &err) < 0);
    CHECK(err.msg[0] != '\0');
    /* A registry whose two models claim one table fails cleanly. */
    mdc_arena *a = mdc_arena_new();
    mdc_registry *r = make_registry(a, 0, 0);
    mdc_model *order = mdc_registry_find(r, MDC_KIND_MODEL, "Order")->body;
    order->table = "users";
    order->schema = "public";
    const char *p = tmp_path("dup.db");
    CHECK(mdc_snapshot_write(p, r, NULL, &test_info, &err) < 0);
    CHECK(strstr(err.msg, "users") != NULL);
    CHECK(access(p, F_OK) != 0);
    /* Same table name in two schemas: both qualified (and verified: canonical JSON again). */
    order->schema = "sales";
    mdc_registry_find(r, MDC_KIND_MODEL, "Order")->canonical_json = NULL;
    mdc_canon_registry(a, r);
    CHECK_INT(write_snapshot(p, r, NULL), 0);
    mdc_snapshot *s = NULL;
    CHECK_INT(mdc_snapshot_open(&s, p, MDC_OPEN_VERIFY), 0);
    if (!s || mdc_snapshot_verify(s)) fprintf(stderr, "two schemas: %s\n", mdc_snapshot_errmsg(s));
    mdc_strarray t = {0};
    CHECK_INT(mdc_snapshot_list_tables(&t, s, "shop"), 0);
    CHECK_INT(t.count, 2);
    if (t.count == 2) {
        CHECK_STR(t.strings[0], "public.users");
        CHECK_STR(t.strings[1], "sales.users");
    }
    mdc_strarray_free(&t);
    mdc_strarray e = {0};
    CHECK_INT(mdc_snapshot_resolve_entity(&e, s, "Customer"), 0);
    CHECK(e.count == 2 && strcmp(e.strings[1], "shop.public.users") == 0);
    mdc_strarray_free(&e);
    mdc_snapshot_close(s);
    mdc_arena_free(a);
}

/* ------------------------------------------------------------------ library */

static int count_cb(const mdc_model_info *m, void *payload)
{
    (*(int *)payload)++;
    return mdc_model_info_field_count(m) > 0 ? 0 : -100;
}

static int stop_cb(const mdc_model_info *m, void *payload)
{
    (void)m;
    (*(int *)payload)++;
    return 42;
}

TEST(library_reads)
{
    const char *p = tmp_path("lib.db");
    CHECK_INT(write_snapshot(p, REG, NULL), 0);
    mdc_snapshot *s = NULL;
    int rc = mdc_snapshot_open(&s, p, MDC_OPEN_VERIFY);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "open: %s\n", mdc_snapshot_errmsg(s));
        mdc_snapshot_close(s);
        return;
    }
    CHECK_STR(mdc_libversion(), "0.1.0");
    const char *v = NULL;
    CHECK_INT(mdc_snapshot_meta(&v, s, "registry_checksum"), 0);
    CHECK_STR(v, REG->checksum);
    CHECK_INT(mdc_snapshot_meta(&v, s, "project"), 0);
    CHECK_STR(v, "shop");
    CHECK_INT(mdc_snapshot_meta(&v, s, "no_such_key"), MDC_ENOTFOUND);
    CHECK(v == NULL);
    CHECK(strstr(mdc_snapshot_errmsg(s), "no_such_key") != NULL);
    CHECK(mdc_snapshot_meta_count(s) >= 9);
    const char *k0 = NULL, *v0 = NULL;
    CHECK_INT(mdc_snapshot_meta_byindex(&k0, &v0, s, 0), 0);
    CHECK_STR(k0, "checksum_algorithm");
    CHECK_INT(mdc_snapshot_meta_byindex(&k0, &v0, s, 1000), MDC_ENOTFOUND);
    CHECK_INT(mdc_snapshot_verify(s), 0);

    mdc_model_info *u = NULL;
    CHECK_INT(mdc_model_info_lookup(&u, s, "User"), 0);
    const mdc_doc *ud = mdc_registry_find(REG, MDC_KIND_MODEL, "User");
    CHECK_STR(mdc_model_info_name(u), "User");
    CHECK_STR(mdc_model_info_table(u), "users");
    CHECK_STR(mdc_model_info_schema(u), "public");
    CHECK_STR(mdc_model_info_source(u), "shop");
    CHECK_STR(mdc_model_info_version(u), "1.0.0");
    CHECK_STR(mdc_model_info_checksum(u), ud->checksum);
    CHECK_STR(mdc_model_info_structure_checksum(u), ud->structure_checksum);
    CHECK_STR(mdc_model_info_definition_json(u), ud->canonical_json);
    CHECK_STR(mdc_model_info_path(u), "models/user.yaml");
    CHECK_STR(mdc_model_info_description(u), "People who sign in.");
    CHECK_INT(mdc_model_info_field_count(u), 6);
    const mdc_field_info *f0 = mdc_model_info_field_byindex(u, 0);
    CHECK_STR(mdc_field_info_name(f0), "id");
    CHECK_INT(mdc_field_info_primary_key(f0), 1);
    CHECK_STR(mdc_field_info_default_expr(f0), "uuid");
    CHECK(mdc_model_info_field_byindex(u, 6) == NULL);
    const mdc_field_info *em = mdc_model_info_field_byname(u, "email");
    CHECK_STR(mdc_field_info_type(em), "string(320)");
    CHECK_STR(mdc_field_info_pg_type(em), "VARCHAR(320)");
    CHECK_STR(mdc_field_info_sqlite_type(em), "TEXT");
    CHECK_INT(mdc_field_info_unique(em), 1);
    CHECK_INT(mdc_field_info_nullable(em), 0);
    CHECK_INT(mdc_field_info_position(em), 1);
    CHECK_STR(mdc_field_info_description(em), "Login address");
    CHECK(mdc_field_info_references_model(em) == NULL);
    const mdc_field_info *mg = mdc_model_info_field_byname(u, "manager_id");
    CHECK_INT(mdc_field_info_nullable(mg), 1);
    CHECK_STR(mdc_field_info_references_model(mg), "User");
    CHECK_STR(mdc_field_info_references_field(mg), "id");
    CHECK_STR(mdc_field_info_on_delete(mg), "set_null");
    CHECK_STR(mdc_field_info_on_update(mg), "no_action");
    CHECK_STR(mdc_field_info_default_json(mdc_model_info_field_byname(u, "active")), "true");
    CHECK(mdc_model_info_field_byname(u, "nope") == NULL);
    mdc_model_info_free(u);

    mdc_model_info *o = NULL;
    CHECK_INT(mdc_model_info_lookup(&o, s, "Order"), 0);
    CHECK_STR(mdc_model_info_version(o), "2.0.0");
    CHECK_STR(mdc_field_info_default_json(mdc_model_info_field_byname(o, "total")), "\"0\"");
    CHECK_INT(mdc_field_info_identity(mdc_model_info_field_byname(o, "id")), 1);
    mdc_model_info_free(o);

    mdc_model_info *none = (mdc_model_info *)1;
    CHECK_INT(mdc_model_info_lookup(&none, s, "Nope"), MDC_ENOTFOUND);
    CHECK(none == NULL);
    CHECK(strstr(mdc_snapshot_errmsg(s), "Nope") != NULL);
    CHECK_INT(mdc_model_info_lookup(&none, s, NULL), MDC_EINVALID);

    mdc_strarray names = {0};
    CHECK_INT(mdc_snapshot_list_models(&names, s), 0);
    CHECK_INT(names.count, 2);
    if (names.count == 2) {
        CHECK_STR(names.strings[0], "Order");
        CHECK_STR(names.strings[1], "User");
    }
    mdc_strarray_free(&names);
    CHECK(names.strings == NULL && names.count == 0);
    int count = 0;
    CHECK_INT(mdc_snapshot_foreach_model(s, count_cb, &count), 0);
    CHECK_INT(count, 2);
    count = 0;
    CHECK_INT(mdc_snapshot_foreach_model(s, stop_cb, &count), 42);
    CHECK_INT(count, 1);

    /* seed 002 */
    mdc_strarray src = {0};
    CHECK_INT(mdc_snapshot_list_sources(&src, s), 0);
    CHECK(src.count == 2 && strcmp(src.strings[0], "crm_postgres") == 0 &&
          strcmp(src.strings[1], "shop") == 0);
    mdc_strarray_free(&src);
    mdc_strarray tabs = {0};
    CHECK_INT(mdc_snapshot_list_tables(&tabs, s, "shop"), 0);
    CHECK(tabs.count == 2 && strcmp(tabs.strings[0], "orders") == 0 &&
          strcmp(tabs.strings[1], "users") == 0);
    mdc_strarray_free(&tabs);
    CHECK_INT(mdc_snapshot_list_tables(&tabs, s, "crm_postgres"), 0);
    CHECK_INT(tabs.count, 0);
    mdc_strarray_free(&tabs);
    CHECK_INT(mdc_snapshot_list_tables(&tabs, s, "nope"), MDC_ENOTFOUND);
    char *json = NULL;
    CHECK_INT(mdc_snapshot_table_schema(&json, s, "shop", "users"), 0);
    CHECK_STR(json, ud->canonical_json);
    mdc_free(json);
    CHECK_INT(mdc_snapshot_table_schema(&json, s, "shop", "nope"), MDC_ENOTFOUND);
    CHECK(json == NULL);
    mdc_strarray ent = {0};
    CHECK_INT(mdc_snapshot_resolve_entity(&ent, s, "Customer"), 0);
    CHECK(ent.count == 2 && strcmp(ent.strings[0], "crm_postgres.contacts") == 0 &&
          strcmp(ent.strings[1], "shop.users") == 0);
    mdc_strarray_free(&ent);
    CHECK_INT(mdc_snapshot_resolve_entity(&ent, s, "Nobody"), MDC_ENOTFOUND);

    mdc_strarray docs = {0};
    CHECK_INT(mdc_snapshot_list_documents(&docs, s), 0);
    CHECK_INT(docs.count, 5);
    if (docs.count == 5) {
        CHECK_STR(docs.strings[0], "contract/billing-reads-users");
        CHECK_STR(docs.strings[4], "source/crm_postgres");
    }
    mdc_strarray_free(&docs);
    char *cj = NULL, *cs = NULL, *cv = NULL;
    CHECK_INT(mdc_snapshot_document(&cj, &cs, &cv, NULL, s, "entity", "Customer"), 0);
    const mdc_doc *cd = mdc_registry_find(REG, MDC_KIND_ENTITY, "Customer");
    CHECK_STR(cj, cd->canonical_json);
    CHECK_STR(cs, cd->checksum);
    CHECK_STR(cv, "1.0.0");
    mdc_free(cj);
    mdc_free(cs);
    mdc_free(cv);
    CHECK_INT(mdc_snapshot_document(&cj, NULL, NULL, NULL, s, "model", "Nope"), MDC_ENOTFOUND);
    CHECK(cj == NULL);
    mdc_snapshot_close(s);

    /* NULL handling */
    mdc_snapshot_close(NULL);
    mdc_model_info_free(NULL);
    mdc_strarray_free(NULL);
    mdc_free(NULL);
    CHECK(mdc_snapshot_errmsg(NULL) != NULL);
    CHECK_INT(mdc_snapshot_open(NULL, p, 0), MDC_EINVALID);
    CHECK_INT(mdc_snapshot_verify(NULL), MDC_EINVALID);
    CHECK(mdc_model_info_name(NULL) == NULL);
}

TEST(json_escapes_in_entities)
{
    /* ontology targets with characters that need escaping survive the round trip */
    mdc_arena *a = mdc_arena_new();
    mdc_registry *r = make_registry(a, 0, 0);
    mdc_entity *e = mdc_registry_find(r, MDC_KIND_ENTITY, "Customer")->body;
    e->maps_to = strs(a, 3, "User", "crm_postgres.\"quoted\"\\x", "src.t\xc3\xa9\t");
    e->nmaps = 3;
    mdc_registry_find(r, MDC_KIND_ENTITY, "Customer")->canonical_json = NULL; /* canonicalised again */
    mdc_canon_registry(a, r);
    const char *p = tmp_path("esc.db");
    CHECK_INT(write_snapshot(p, r, NULL), 0);
    mdc_snapshot *s = NULL;
    CHECK_INT(mdc_snapshot_open(&s, p, MDC_OPEN_VERIFY), 0);
    if (!s || mdc_snapshot_verify(s)) fprintf(stderr, "escapes: %s\n", mdc_snapshot_errmsg(s));
    mdc_strarray ent = {0};
    CHECK_INT(mdc_snapshot_resolve_entity(&ent, s, "Customer"), 0);
    CHECK_INT(ent.count, 3);
    if (ent.count == 3) {
        CHECK_STR(ent.strings[0], "crm_postgres.\"quoted\"\\x");
        CHECK_STR(ent.strings[1], "shop.users");
        CHECK_STR(ent.strings[2], "src.t\xc3\xa9\t");
    }
    mdc_strarray_free(&ent);
    mdc_snapshot_close(s);
    mdc_arena_free(a);
}

/* ------------------------------------------------------------------ hostile files */

TEST(hostile_truncated)
{
    const char *p = tmp_path("good.db"), *t = tmp_path("trunc.db");
    CHECK_INT(write_snapshot(p, REG, NULL), 0);
    size_t n = 0;
    unsigned char *b = read_all(p, &n);
    CHECK(b && n > 4096);
    for (int k = 0; b && k < 8; k++) {
        size_t len = n * (size_t)k / 8;
        write_all(t, b, len);
        char msg[600];
        int rc = open_rc(t, MDC_OPEN_VERIFY, msg, sizeof msg);
        if (rc == 0) fprintf(stderr, "truncated at %zu/%zu opened\n", len, n);
        CHECK(rc == MDC_EFORMAT || rc == MDC_ECORRUPT);
        CHECK(msg[0] != '\0');
        rc = open_rc(t, 0, NULL, 0);
        CHECK(rc == MDC_EFORMAT || rc == MDC_ECORRUPT);
    }
    /* Odd sizes: 50 bytes, one page minus one. */
    if (b) {
        write_all(t, b, 50);
        CHECK_INT(open_rc(t, 0, NULL, 0), MDC_ECORRUPT);
        write_all(t, b, 4095);
        CHECK_INT(open_rc(t, 0, NULL, 0), MDC_ECORRUPT);
    }
    free(b);
    CHECK_INT(open_rc(tmp_path("does-not-exist.db"), 0, NULL, 0), MDC_ENOTFOUND);
    CHECK_INT(open_rc(tmpdir, 0, NULL, 0), MDC_EFORMAT);
}

TEST(hostile_random_and_foreign)
{
    const char *t = tmp_path("random.db");
    unsigned char junk[16384];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    write_all(t, junk, sizeof junk);
    char msg[600];
    CHECK_INT(open_rc(t, MDC_OPEN_VERIFY, msg, sizeof msg), MDC_EFORMAT);
    CHECK(strstr(msg, "not an mdc snapshot") != NULL);

    /* A valid first page followed by random pages. */
    const char *p = tmp_path("good2.db");
    CHECK_INT(write_snapshot(p, REG, NULL), 0);
    size_t n = 0;
    unsigned char *b = read_all(p, &n);
    for (int seed = 0; b && seed < 20; seed++) {
        unsigned char *m = malloc(n);
        memcpy(m, b, n);
        for (size_t i = 4096; i < n; i++) {
            x = x * 1103515245u + 12345u + (uint32_t)seed;
            if (seed < 10 || (x >> 28) == 0) m[i] = (unsigned char)(x >> 16);
        }
        write_all(t, m, n);
        int rc = open_rc(t, MDC_OPEN_VERIFY, NULL, 0);
        CHECK(rc != 0);
        (void)open_rc(t, 0, NULL, 0); /* must not crash; may or may not open */
        free(m);
    }
    /* Bit flips anywhere in the first page. */
    for (size_t i = 0; b && i < 4096; i += 7) {
        unsigned char *m = malloc(n);
        memcpy(m, b, n);
        m[i] ^= (unsigned char)(1u << (i % 8));
        write_all(t, m, n);
        (void)open_rc(t, MDC_OPEN_VERIFY, NULL, 0);
        (void)open_rc(t, 0, NULL, 0);
        free(m);
    }
    free(b);

    /* A plain SQLite database of another application. */
    const char *f = tmp_path("foreign.db");
    unlink(f);
    CHECK_INT(tamper(f, "CREATE TABLE t(x); INSERT INTO t VALUES (1);"), SQLITE_OK);
    CHECK_INT(open_rc(f, 0, msg, sizeof msg), MDC_EFORMAT);
    CHECK(strstr(msg, "application_id") != NULL);
    /* ... even one that claims our application_id but has no registry tables. */
    CHECK_INT(tamper(f, "PRAGMA application_id = 1296319314; PRAGMA user_version = 1;"), SQLITE_OK);
    CHECK_INT(open_rc(f, 0, msg, sizeof msg), MDC_EFORMAT);
    CHECK(strstr(msg, "no table") != NULL);
}

TEST(hostile_tampered)
{
    const char *p = tmp_path("good3.db"), *t = tmp_path("tampered.db");
    CHECK_INT(write_snapshot(p, REG, NULL), 0);
    char msg[600];
    struct {
        const char *sql;
        int plain, verify; /* expected codes without and with MDC_OPEN_VERIFY */
        const char *msg_has;
    } cases[] = {
        {"PRAGMA application_id = 7", MDC_EFORMAT, MDC_EFORMAT, "application_id"},
        {"PRAGMA user_version = 2", MDC_EFORMAT, MDC_EFORMAT, "format version 2"},
        {"PRAGMA user_version = 0", MDC_EFORMAT, MDC_EFORMAT, "format version 0"},
        {"UPDATE models SET definition_json = replace(definition_json, 'users', 'u2') WHERE name = 'User'",
         0, MDC_ECORRUPT, "model/User"},
        {"UPDATE documents SET checksum = '00000000000000000000000000000000' WHERE name = 'User'",
         0, MDC_ECORRUPT, "model/User"},
        {"UPDATE registry_meta SET value = '0' || value WHERE key = 'registry_checksum'",
         0, MDC_ECORRUPT, "registry checksum"},
        {"UPDATE registry_meta SET value = replace(value, 'shop', 'shoq') WHERE key = 'project_json'",
         0, MDC_ECORRUPT, "registry checksum"},
        {"UPDATE table_meta SET schema_json = '{}' WHERE table_name = 'users'", 0, MDC_ECORRUPT, "table_meta"},
        {"UPDATE dataflow_migrations SET model_definitions = '{}'", 0, MDC_ECORRUPT, "model_definitions"},
        {"DELETE FROM models WHERE name = 'Order'", 0, MDC_ECORRUPT, "model/Order"},
        {"UPDATE registry_meta SET value = NULL WHERE key = 'project'", MDC_ECORRUPT, MDC_ECORRUPT, "NULL"},
        {"UPDATE registry_meta SET value = x'32' WHERE key = 'format_version'", MDC_ECORRUPT, MDC_ECORRUPT, "not text"},
        {"UPDATE registry_meta SET value = '9' WHERE key = 'format_version'", MDC_EFORMAT, MDC_EFORMAT, "format_version"},
        {"DELETE FROM registry_meta WHERE key = 'project'", MDC_EFORMAT, MDC_EFORMAT, "project"},
        {"DROP TABLE fields", MDC_EFORMAT, MDC_EFORMAT, "no table fields"},
        {"DROP TABLE models; CREATE VIEW models AS SELECT 1 AS name", MDC_EFORMAT, MDC_EFORMAT, "not a table"},
        {"ALTER TABLE models DROP COLUMN path", MDC_EFORMAT, MDC_EFORMAT, "path"},
        /* Derived rows: a plain open reads them lazily; verification derives them again
         * (tests/sh/test_harden_snapshot.sh has one tampering per table and column). */
        {"UPDATE fields SET type = x'41' WHERE model = 'User' AND name = 'email'", 0, MDC_ECORRUPT, "fields of model User"},
        {"UPDATE fields SET nullable = 'x' WHERE model = 'User'", 0, MDC_ECORRUPT, "fields of model User"},
        {"UPDATE ontology_mapping SET source_tables = '[\"a\",'", 0, MDC_ECORRUPT, "ontology_mapping"},
        {"UPDATE fields SET references_model = 'Nope' WHERE references_model IS NOT NULL", 0, MDC_ECORRUPT, "fields of model"},
        {"INSERT INTO checks VALUES ('Ghost', 'c', 'true', 0)", 0, MDC_ECORRUPT, "not in the snapshot"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        copy_file(p, t);
        if (tamper(t, cases[i].sql) != SQLITE_OK) {
            CHECK(0);
            continue;
        }
        int rc = open_rc(t, 0, msg, sizeof msg);
        if (rc != cases[i].plain) fprintf(stderr, "case %zu (%s): plain %d: %s\n", i, cases[i].sql, rc, msg);
        CHECK_INT(rc, cases[i].plain);
        rc = open_rc(t, MDC_OPEN_VERIFY, msg, sizeof msg);
        if (rc != cases[i].verify) fprintf(stderr, "case %zu (%s): verify %d: %s\n", i, cases[i].sql, rc, msg);
        CHECK_INT(rc, cases[i].verify);
        if (cases[i].msg_has && !strstr(msg, cases[i].msg_has)) {
            fprintf(stderr, "case %zu: message \"%s\" lacks \"%s\"\n", i, msg, cases[i].msg_has);
            CHECK(0);
        }
    }
    /* Bad values in derived rows: corruption at the call that reads them, not a crash. */
    copy_file(p, t);
    CHECK_INT(tamper(t, "UPDATE fields SET type = x'41' WHERE model = 'User' AND name = 'email';"
                        "UPDATE ontology_mapping SET source_tables = '[\"a\",';"
                        "UPDATE fields SET nullable = 7 WHERE model = 'Order'"),
              SQLITE_OK);
    mdc_snapshot *s = NULL;
    CHECK_INT(mdc_snapshot_open(&s, t, 0), 0);
    mdc_model_info *m = NULL;
    CHECK_INT(mdc_model_info_lookup(&m, s, "User"), MDC_ECORRUPT);
    CHECK(m == NULL);
    CHECK(strstr(mdc_snapshot_errmsg(s), "fields.type") != NULL);
    CHECK_INT(mdc_model_info_lookup(&m, s, "Order"), MDC_ECORRUPT);
    mdc_strarray e = {0};
    CHECK_INT(mdc_snapshot_resolve_entity(&e, s, "Customer"), MDC_ECORRUPT);
    CHECK(e.count == 0 && e.strings == NULL);
    mdc_snapshot_close(s);
}

/* ------------------------------------------------------------------ concurrency */

typedef struct reader_ctx {
    const char *path;
    mdc_snapshot *shared;
    atomic_int *stop;
    int errors, reads;
} reader_ctx;

static void *reader(void *arg)
{
    reader_ctx *c = arg;
    while (!atomic_load(c->stop)) {
        mdc_snapshot *s = c->shared;
        if (!s && mdc_snapshot_open(&s, c->path, 0) != 0) {
            fprintf(stderr, "reader open: %s\n", mdc_snapshot_errmsg(s));
            mdc_snapshot_close(s);
            c->errors++;
            continue;
        }
        mdc_model_info *m = NULL;
        if (mdc_model_info_lookup(&m, s, "User") != 0 || mdc_model_info_field_count(m) != 6) {
            fprintf(stderr, "reader lookup: %s\n", mdc_snapshot_errmsg(s));
            c->errors++;
        }
        mdc_model_info_free(m);
        mdc_strarray t = {0};
        if (mdc_snapshot_list_tables(&t, s, "shop") != 0 || t.count < 2) c->errors++;
        mdc_strarray_free(&t);
        if (!c->shared) mdc_snapshot_close(s);
        c->reads++;
    }
    return NULL;
}

TEST(readers_during_rename)
{
    mdc_arena *a = mdc_arena_new();
    mdc_registry *r2 = make_registry(a, 50, 1);
    const char *p = tmp_path("live.db");
    CHECK_INT(write_snapshot(p, REG, NULL), 0);
    mdc_snapshot *shared = NULL;
    CHECK_INT(mdc_snapshot_open(&shared, p, 0), 0);
    atomic_int stop = 0;
    enum { N = 6 };
    pthread_t th[N];
    reader_ctx ctx[N];
    for (int i = 0; i < N; i++) {
        ctx[i] = (reader_ctx){p, i < 2 ? shared : NULL, &stop, 0, 0};
        pthread_create(&th[i], NULL, reader, &ctx[i]);
    }
    for (int k = 0; k < 30; k++)
        CHECK_INT(write_snapshot(p, k % 2 ? REG : r2, NULL), 0);
    atomic_store(&stop, 1);
    int errors = 0, reads = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        errors += ctx[i].errors;
        reads += ctx[i].reads;
    }
    CHECK_INT(errors, 0);
    CHECK(reads > 0);
    printf("readers_during_rename: %d reads by %d threads during 30 rewrites, %d errors\n", reads, N, errors);
    mdc_snapshot_close(shared);
    mdc_arena_free(a);
}

/* ------------------------------------------------------------------ numbers */

TEST(big_registry_numbers)
{
    size_t n = 5000;
    const char *env = getenv("MDC_TEST_BIG");
    if (env && atol(env) > 0) n = (size_t)atol(env);
    mdc_arena *a = mdc_arena_new();
    double t0 = now_s();
    mdc_registry *r = make_registry(a, n, 0);
    double t1 = now_s();
    const char *p = tmp_path("big.db");
    CHECK_INT(write_snapshot(p, r, NULL), 0);
    double t2 = now_s();
    struct stat sb;
    stat(p, &sb);

    mdc_snapshot *s = NULL;
    double t3 = now_s();
    CHECK_INT(mdc_snapshot_open(&s, p, 0), 0);
    double t4 = now_s();
    CHECK_INT(mdc_snapshot_verify(s), 0);
    double t5 = now_s();
    int lookups = 20000, bad = 0;
    for (int i = 0; i < lookups; i++) {
        char name[32];
        snprintf(name, sizeof name, "Thing%05d", (int)((size_t)i * 7919 % n));
        mdc_model_info *m = NULL;
        if (mdc_model_info_lookup(&m, s, name) != 0 || mdc_model_info_field_count(m) != 8) bad++;
        mdc_model_info_free(m);
    }
    double t6 = now_s();
    CHECK_INT(bad, 0);
    mdc_snapshot_close(s);
    printf("big registry: %zu models (%zu documents): canonicalise %.0f ms, write %.0f ms, %lld KiB; "
           "open %.2f ms, verify %.0f ms, lookup (model + 8 fields) %.1f us\n",
           n + 2, r->ndocs, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (long long)sb.st_size / 1024,
           (t4 - t3) * 1e3, (t5 - t4) * 1e3, (t6 - t5) * 1e6 / lookups);
    mdc_arena_free(a);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/mdc-test-libmdc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    A = mdc_arena_new();
    REG = make_registry(A, 0, 0);
    RUN(writer_tables_and_determinism);
    RUN(writer_failure_leaves_nothing);
    RUN(library_reads);
    RUN(json_escapes_in_entities);
    RUN(hostile_truncated);
    RUN(hostile_random_and_foreign);
    RUN(hostile_tampered);
    RUN(readers_during_rename);
    RUN(big_registry_numbers);
    mdc_arena_free(A);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    DONE();
}
