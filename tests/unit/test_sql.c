/*
 * test_sql.c - the migration writers (emit/sql_*.c).
 *
 * Base and head registries are compiled from YAML text in memory, diffed, and written as
 * migrations.  Checked: the exact DDL of small diffs in both dialects; that every SQLite
 * migration really runs on SQLite (sqlite3_exec on an in-memory database), refuses a second
 * application and a wrong order without changing anything, and keeps child rows of a
 * rebuilt parent; that hostile text in descriptions, defaults and enum values never leaves
 * its quotes; the recorded state line reads back; derived names fit 63 bytes.
 */
#include "harness.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/canon.h"
#include "compiler/canon_read.h"
#include "compiler/diff.h"
#include "compiler/load.h"
#include "compiler/yaml.h"
#include "emit/sql.h"
#include "model/buf.h"

static mdc_arena *A;

static int cmp_doc(const void *pa, const void *pb)
{
    const mdc_doc *a = *(const mdc_doc *const *)pa, *b = *(const mdc_doc *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->name, b->name);
}

static mdc_registry *compile(const char *models_yaml)
{
    static const char project[] = "project: shop\nmax_risk: CRITICAL\nreserved_models: [Gone]\n";
    mdc_diags d;
    mdc_diags_init(&d, A);
    mdc_yfile pf, mf;
    mdc_yaml_parse(A, "mdc.yaml", project, strlen(project), &d, &pf);
    mdc_registry *reg = mdc_new(A, mdc_registry);
    reg->project = mdc_load_project(A, "mdc.yaml", pf.docs[0].root, &d);
    mdc_yaml_parse(A, "models/m.yaml", models_yaml, strlen(models_yaml), &d, &mf);
    reg->docs = mdc_new_array(A, mdc_doc *, mf.ndocs + 1);
    for (size_t i = 0; i < mf.ndocs; i++) {
        mdc_doc *doc = mdc_load_document(A, reg->project, "models/m.yaml", &mf.docs[i], &d);
        if (doc) reg->docs[reg->ndocs++] = doc;
    }
    qsort(reg->docs, reg->ndocs, sizeof *reg->docs, cmp_doc);
    mdc_validate(A, reg, &d);
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i]->severity == MDC_ERROR) fprintf(stderr, "  %s:%u: %s\n", d.v[i]->code, d.v[i]->line, d.v[i]->message);
    size_t errors = d.errors;
    mdc_diags_release(&d);
    if (errors) return NULL;
    mdc_canon_registry(A, reg);
    return reg;
}

static mdc_registry *empty(void)
{
    return mdc_new(A, mdc_registry);
}

/* The migration base -> head in a dialect (heap string). */
static char *migration(const mdc_registry *base, const mdc_registry *head, mdc_dialect d, const char *name,
                       bool down)
{
    mdc_diags dg;
    mdc_diags_init(&dg, A);
    mdc_diff *df = mdc_diff_registries(A, base, head, &dg);
    mdc_sql_opts o = MDC_SQL_OPTS_INIT;
    o.dialect = d;
    o.name = name;
    o.forward_name = name;
    o.to_version = name;
    o.down = down;
    o.tool_version = "test";
    mdc_buf b = MDC_BUF_INIT;
    mdc_error err = {{0}};
    if (mdc_sql_migration(&b, A, base, head, df, &o, &err) < 0) fprintf(stderr, "  %s\n", err.msg);
    mdc_diags_release(&dg);
    return mdc_buf_detach(&b);
}

#define CHECK_HAS(text, needle)                                                               \
    do {                                                                                      \
        if (!strstr((text), (needle))) {                                                      \
            fprintf(stderr, "%s:%d: missing:\n  %s\n", __FILE__, __LINE__, (needle));         \
            t_checks_failed++;                                                                \
            t_cur_failed = 1;                                                                 \
        }                                                                                     \
    } while (0)

static int exec(sqlite3 *db, const char *sql, char **msg)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, msg);
    if (rc != SQLITE_OK && sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static long long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *text1(sqlite3 *db, const char *sql)
{
    static char out[4096];
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static const char V1[] =
    "kind: model\nname: User\nfields:\n"
    "  id: {type: int64, primary_key: true, identity: true}\n"
    "  email: {type: string(320), unique: true}\n"
    "  status: {type: \"enum(active, archived)\", default: active}\n"
    "---\n"
    "kind: model\nname: Post\nfields:\n"
    "  id: {type: int64, primary_key: true, identity: true}\n"
    "  author_id: {type: int64, references: User, on_delete: cascade}\n"
    "  title: string\n";

/* V2: nickname added (in place), enum value added (SQLite rebuild), index added. */
static const char V2[] =
    "kind: model\nname: User\nfields:\n"
    "  id: {type: int64, primary_key: true, identity: true}\n"
    "  email: {type: string(320), unique: true}\n"
    "  status: {type: \"enum(active, archived, banned)\", default: active}\n"
    "  nickname: string?\n"
    "indexes:\n  - {fields: [nickname]}\n"
    "---\n"
    "kind: model\nname: Post\nfields:\n"
    "  id: {type: int64, primary_key: true, identity: true}\n"
    "  author_id: {type: int64, references: User, on_delete: cascade}\n"
    "  title: string\n";

TEST(postgres_baseline_ddl)
{
    mdc_registry *v1 = compile(V1);
    if (!v1) return;
    char *s = migration(empty(), v1, MDC_DIALECT_POSTGRES, "0001_baseline", false);
    CHECK_HAS(s, "BEGIN;\nSET LOCAL standard_conforming_strings = on;\n");
    CHECK_HAS(s, "SELECT pg_advisory_xact_lock(314159265);\n");
    CHECK_HAS(s, "CREATE TABLE \"public\".\"users\" (\n"
                 "    \"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n"
                 "    \"email\" VARCHAR(320) NOT NULL,\n"
                 "    \"status\" TEXT NOT NULL DEFAULT 'active',\n"
                 "    CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\"),\n"
                 "    CONSTRAINT \"users_email_key\" UNIQUE (\"email\"),\n"
                 "    CONSTRAINT \"users_status_check\" CHECK (\"status\" IN ('active', 'archived'))\n"
                 ");\n");
    CHECK_HAS(s, "    CONSTRAINT \"posts_author_id_fkey\" FOREIGN KEY (\"author_id\") REFERENCES \"public\".\"users\" "
                 "(\"id\") ON DELETE CASCADE\n);\n");
    CHECK(strstr(s, "CREATE TABLE \"public\".\"users\"") < strstr(s, "CREATE TABLE \"public\".\"posts\""));
    CHECK_HAS(s, "ADD COLUMN IF NOT EXISTS model_definitions JSONB;");
    CHECK_HAS(s, "' -- mdc:state\n, 'shop', TRUE);\n");
    CHECK_HAS(s, "COMMIT;\n");
    free(s);
}

TEST(postgres_changes_ddl)
{
    mdc_registry *v1 = compile(V1), *v2 = compile(V2);
    if (!v1 || !v2) return;
    char *s = migration(v1, v2, MDC_DIALECT_POSTGRES, "0002_user-update", false);
    CHECK_HAS(s, "ALTER TABLE \"public\".\"users\" DROP CONSTRAINT \"users_status_check\";\n");
    CHECK_HAS(s, "ALTER TABLE \"public\".\"users\" ADD COLUMN \"nickname\" TEXT;\n");
    CHECK_HAS(s, "ALTER TABLE \"public\".\"users\" ADD CONSTRAINT \"users_status_check\" CHECK (\"status\" IN ('active', "
                 "'archived', 'banned'));\n");
    CHECK_HAS(s, "CREATE INDEX \"users_nickname_idx\" ON \"public\".\"users\" (\"nickname\");\n");
    CHECK_HAS(s, "SET LOCAL mdc.from_checksum = '");
    CHECK(strstr(s, "CREATE TABLE \"public\"") == NULL);
    free(s);
    /* going down: the reverse */
    s = migration(v1, v2, MDC_DIALECT_POSTGRES, "0002_user-update", true);
    CHECK_HAS(s, "-- irreversible: drops column \"nickname\"");
    CHECK_HAS(s, "ALTER TABLE \"public\".\"users\" DROP COLUMN \"nickname\";\n");
    CHECK_HAS(s, "DROP INDEX \"public\".\"users_nickname_idx\";\n");
    CHECK_HAS(s, "DELETE FROM dataflow_migrations WHERE application_id = 'shop' AND name = '0002_user-update'");
    free(s);
}

TEST(postgres_type_change_and_rename)
{
    mdc_registry *a = compile("kind: model\nname: T\nfields:\n  id: {type: int32, primary_key: true}\n"
                              "  n: {type: int32, default: 1}\n  old_name: string?\n");
    mdc_registry *b = compile("kind: model\nname: T\nfields:\n  id: {type: int32, primary_key: true}\n"
                              "  n: {type: string, nullable: true}\n  new_name: {type: string?, renamed_from: old_name}\n");
    if (!a || !b) return;
    char *s = migration(a, b, MDC_DIALECT_POSTGRES, "0002_t", false);
    CHECK_HAS(s, "ALTER TABLE \"public\".\"ts\" RENAME COLUMN \"old_name\" TO \"new_name\";\n");
    CHECK_HAS(s, "ALTER TABLE \"public\".\"ts\" ALTER COLUMN \"n\" DROP DEFAULT;\n"
                 "ALTER TABLE \"public\".\"ts\" ALTER COLUMN \"n\" TYPE TEXT USING \"n\"::TEXT;\n"
                 "ALTER TABLE \"public\".\"ts\" ALTER COLUMN \"n\" DROP NOT NULL;\n");
    free(s);
}

/* Applies the SQLite migrations in order on one database; returns the failing index or -1. */
TEST(sqlite_runs_refuses_and_keeps_child_rows)
{
    mdc_registry *v1 = compile(V1), *v2 = compile(V2);
    if (!v1 || !v2) return;
    char *m1 = migration(empty(), v1, MDC_DIALECT_SQLITE, "0001_baseline", false);
    char *m2 = migration(v1, v2, MDC_DIALECT_SQLITE, "0002_user-update", false);
    CHECK_HAS(m2, "PRAGMA foreign_keys=OFF;\nBEGIN;\n");
    CHECK_HAS(m2, "CREATE TABLE \"mdc_new_users\" (");
    CHECK_HAS(m2, "PRAGMA foreign_key_check;\n");
    CHECK_HAS(m2, "COMMIT;\nPRAGMA foreign_keys=ON;\n");
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    char *msg = NULL;
    /* wrong order: the second before the first changes nothing */
    CHECK(exec(db, m2, &msg) != SQLITE_OK);
    CHECK(msg && strstr(msg, "refusing to apply 0002_user-update"));
    sqlite3_free(msg);
    CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'posts')"), 0);
    CHECK_INT(exec(db, m1, &msg), SQLITE_OK);
    CHECK_INT(exec(db, "PRAGMA foreign_keys=ON; INSERT INTO users (email) VALUES ('a@x'), ('b@x');"
                       "INSERT INTO posts (author_id, title) VALUES (1, 'p1'), (2, 'p2'), (2, 'p3');",
                   NULL),
              SQLITE_OK);
    /* twice: refused */
    msg = NULL;
    CHECK(exec(db, m1, &msg) != SQLITE_OK);
    sqlite3_free(msg);
    CHECK_INT(scalar(db, "SELECT count(*) FROM dataflow_migrations"), 1);
    /* the rebuild of users keeps the posts behind ON DELETE CASCADE */
    CHECK_INT(exec(db, "PRAGMA foreign_keys=ON;", NULL), SQLITE_OK);
    msg = NULL;
    CHECK_INT(exec(db, m2, &msg), SQLITE_OK);
    if (msg) fprintf(stderr, "  %s\n", msg);
    sqlite3_free(msg);
    CHECK_INT(scalar(db, "SELECT count(*) FROM posts"), 3);
    CHECK_INT(scalar(db, "SELECT count(*) FROM users"), 2);
    CHECK_INT(scalar(db, "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'nickname'"), 1);
    CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'users_nickname_idx'"), 1);
    CHECK_INT(exec(db, "INSERT INTO users (email, status) VALUES ('c@x', 'banned')", NULL), SQLITE_OK);
    CHECK(exec(db, "INSERT INTO users (email, status) VALUES ('d@x', 'nope')", NULL) != SQLITE_OK);
    CHECK_INT(scalar(db, "SELECT count(*) FROM dataflow_migrations WHERE application_id = 'shop'"), 2);
    /* the recorded state reads back to v2 */
    const char *st = text1(db, "SELECT checksum FROM dataflow_migrations ORDER BY rowid DESC LIMIT 1");
    CHECK_STR(st, v2->checksum);
    char *json = NULL;
    size_t jlen = 0;
    CHECK_INT(mdc_sql_find_state(m2, strlen(m2), &json, &jlen), 1);
    mdc_registry *back = NULL;
    mdc_error err = {{0}};
    CHECK_INT(json ? mdc_canon_read_state(&back, A, json, jlen, "m2", &err) : -1, 0);
    CHECK(back && strcmp(back->checksum, v2->checksum) == 0);
    free(json);
    /* a failing step in the middle rolls everything back: a duplicate breaks the rebuild */
    char *m3 = migration(v2, compile(V1), MDC_DIALECT_SQLITE, "0003_down", true);
    free(m3);
    sqlite3_close(db);
    free(m1);
    free(m2);
}

TEST(sqlite_failed_step_rolls_back_everything)
{
    mdc_registry *a = compile("kind: model\nname: T\nfields:\n  id: {type: int32, primary_key: true}\n  v: string\n");
    mdc_registry *b = compile("kind: model\nname: T\nfields:\n  id: {type: int32, primary_key: true}\n"
                              "  v: {type: string, unique: true}\n  w: string?\n");
    if (!a || !b) return;
    char *m1 = migration(empty(), a, MDC_DIALECT_SQLITE, "0001_baseline", false);
    char *m2 = migration(a, b, MDC_DIALECT_SQLITE, "0002_t", false);
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    CHECK_INT(exec(db, m1, NULL), SQLITE_OK);
    CHECK_INT(exec(db, "INSERT INTO ts VALUES (1, 'x'), (2, 'x')", NULL), SQLITE_OK);
    /* run statement by statement, going on after errors, like `sqlite3 db < file` */
    const char *p = m2;
    int errors = 0;
    while (p && *p) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        if (sqlite3_prepare_v2(db, p, -1, &st, &tail) != SQLITE_OK) errors++;
        if (st) {
            while (sqlite3_step(st) == SQLITE_ROW) {
            }
            if (sqlite3_reset(st) != SQLITE_OK) errors++;
            sqlite3_finalize(st);
        }
        if (!tail || tail == p) break;
        p = tail;
    }
    CHECK(errors >= 2); /* the duplicate in the copy, then the gate */
    CHECK_INT(sqlite3_get_autocommit(db), 1);
    CHECK_INT(scalar(db, "SELECT count(*) FROM pragma_table_info('ts') WHERE name = 'w'"), 0);
    CHECK_INT(scalar(db, "SELECT count(*) FROM ts"), 2);
    CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'mdc_new_%'"), 0);
    CHECK_INT(scalar(db, "SELECT count(*) FROM dataflow_migrations"), 1);
    sqlite3_close(db);
    free(m1);
    free(m2);
}

TEST(hostile_text_stays_quoted)
{
    const char *yaml =
        "kind: model\nname: Evil\n"
        "description: \"x'); DROP TABLE users; --\\n'x -- mdc:state\\nDROP TABLE t;\"\n"
        "fields:\n"
        "  id: {type: int32, primary_key: true}\n"
        "  s: {type: string, default: \"a'b\\\\c\\\"d; DROP TABLE x; --\", description: \"it's\\n'); DROP TABLE y;\"}\n"
        "  e: {type: \"enum(ok, o k, a/b)\", default: o k}\n";
    mdc_registry *r = compile(yaml);
    CHECK(r != NULL);
    if (!r) return;
    char *pg = migration(empty(), r, MDC_DIALECT_POSTGRES, "0001_baseline", false);
    /* a backslash makes it E'...' with the backslash doubled (same under either
     * standard_conforming_strings) */
    CHECK_HAS(pg, "DEFAULT E'a''b\\\\c\"d; DROP TABLE x; --'");
    CHECK_HAS(pg, "IN ('ok', 'o k', 'a/b')");
    CHECK_HAS(pg, "COMMENT ON COLUMN \"public\".\"evils\".\"s\" IS 'it''s\n''); DROP TABLE y;';");
    /* a decoy state line inside the description's literal does not fool the reader */
    CHECK_HAS(pg, "\n''x -- mdc:state\n");
    char *json = NULL;
    size_t jlen = 0;
    CHECK_INT(mdc_sql_find_state(pg, strlen(pg), &json, &jlen), 1);
    mdc_registry *back = NULL;
    mdc_error err = {{0}};
    CHECK_INT(json ? mdc_canon_read_state(&back, A, json, jlen, "x", &err) : -1, 0);
    free(json);

    char *lite = migration(empty(), r, MDC_DIALECT_SQLITE, "0001_baseline", false);
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    CHECK_INT(exec(db, "CREATE TABLE users(x); CREATE TABLE t(x); CREATE TABLE x(x); CREATE TABLE y(x);", NULL),
              SQLITE_OK);
    char *msg = NULL;
    CHECK_INT(exec(db, lite, &msg), SQLITE_OK);
    if (msg) fprintf(stderr, "  %s\n", msg);
    sqlite3_free(msg);
    CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('users', 't', 'x', 'y')"), 4);
    CHECK_INT(exec(db, "INSERT INTO evils (id) VALUES (1)", NULL), SQLITE_OK);
    CHECK_STR(text1(db, "SELECT s FROM evils"), "a'b\\c\"d; DROP TABLE x; --");
    CHECK_STR(text1(db, "SELECT e FROM evils"), "o k");
    CHECK_INT(exec(db, "INSERT INTO evils (id, e) VALUES (2, 'a/b')", NULL), SQLITE_OK);
    sqlite3_close(db);
    free(pg);
    free(lite);
}

TEST(identifiers_are_escaped_and_names_fit)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_sql_appendf(&b, MDC_DIALECT_POSTGRES, "%I.%I %L %E %s %d %z %%", "a\"b", "", "it's", "x > 1", "RAW", -3, (size_t)7);
    CHECK_STR(b.ptr, "\"a\"\"b\".\"\" 'it''s' (x > 1) RAW -3 7 %");
    mdc_buf_clear(&b);
    mdc_sql_comment(&b, "a\nb\r\tc\x7f");
    CHECK_STR(b.ptr, "a b  c ");
    mdc_buf_free(&b);
    char longname[200];
    memset(longname, 'n', 150);
    longname[150] = '\0';
    const char *n1 = mdc_sql_name(A, longname, "fkey");
    CHECK(strlen(n1) <= 63);
    CHECK(strcmp(n1 + strlen(n1) - 5, "_fkey") == 0);
    CHECK_STR(mdc_sql_name(A, longname, "fkey"), n1); /* deterministic */
    longname[149] = 'm';
    CHECK(strcmp(mdc_sql_name(A, longname, "fkey"), n1) != 0);
    /* a multi-byte character is never cut in half */
    char u[200] = "";
    for (int i = 0; i < 40; i++) strcat(u, "\xc3\xa9");
    const char *n2 = mdc_sql_name(A, u, "key");
    CHECK(strlen(n2) <= 63);
    size_t cut = strlen(n2) - strlen("_12345678_key");
    CHECK(((unsigned char)n2[cut] & 0xC0) != 0x80);
    CHECK_STR(mdc_sql_name(A, "users_email", "key"), "users_email_key");
}

TEST(find_state_rejects_malformed_lines)
{
    char *j = NULL;
    size_t n;
    CHECK_INT(mdc_sql_find_state("x\n'a''b' -- mdc:state\n", 22, &j, &n), 1);
    CHECK_STR(j, "a'b");
    free(j);
    CHECK_INT(mdc_sql_find_state("'a'b' -- mdc:state\n", 19, &j, &n), -1);
    CHECK_INT(mdc_sql_find_state("'a'b' -- mdc:state\n'c' -- mdc:state\n", 37, &j, &n), 1);
    CHECK_STR(j, "c");
    free(j);
    CHECK_INT(mdc_sql_find_state("-- 'a' -- mdc:state\n", 20, &j, &n), 0);
    CHECK_INT(mdc_sql_find_state("", 0, &j, &n), 0);
}

int main(void)
{
    A = mdc_arena_new();
    RUN(postgres_baseline_ddl);
    RUN(postgres_changes_ddl);
    RUN(postgres_type_change_and_rename);
    RUN(sqlite_runs_refuses_and_keeps_child_rows);
    RUN(sqlite_failed_step_rolls_back_everything);
    RUN(hostile_text_stays_quoted);
    RUN(identifiers_are_escaped_and_names_fit);
    RUN(find_state_rejects_malformed_lines);
    mdc_arena_free(A);
    DONE();
}
