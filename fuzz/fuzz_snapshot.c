/*
 * fuzz_snapshot.c - libFuzzer target for libmdc's snapshot reader (SPEC 8, 10: a corrupt,
 * truncated, foreign or hostile snapshot gives an error, never a crash).
 *
 * The input bytes are written to a temporary file, opened with MDC_OPEN_VERIFY (and,
 * when that fails, without it, so that the plain read paths see damaged data too), and
 * every call of the public API is exercised: meta, models and fields, documents, the
 * seed-002 calls.  Seed corpus: fuzz/corpus/snapshot/ (small valid snapshots written by
 * `mdc build`, and mutations of them).
 *
 * An input that starts with "mdc-yaml\n" is instead a models/ YAML file (as fuzz_front.c
 * takes it): when it compiles without errors, its snapshot is written by the real writer
 * and full verification must accept it (the verifier derives every table again from the
 * canonical JSON, so writer and verifier must agree on every definition the language
 * allows); then each of TAMPERINGS that changes at least one row is applied to a copy,
 * and verification must refuse it with MDC_ECORRUPT.  Seeds: fuzz/corpus/snapshot/yaml-*.
 *
 *   cmake -B build-fuzz -DMDC_FUZZ=ON -DCMAKE_C_COMPILER=clang && cmake --build build-fuzz
 *   build-fuzz/fuzz_snapshot -max_len=262144 fuzz/corpus/snapshot
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "compiler/canon.h"
#include "compiler/load.h"
#include "compiler/yaml.h"
#include "emit/snapshot.h"
#include "mdc/registry.h"

static void touch_model(const mdc_model_info *m)
{
    volatile size_t sink = 0;
    const char *s[] = {mdc_model_info_name(m), mdc_model_info_table(m), mdc_model_info_schema(m),
                       mdc_model_info_source(m), mdc_model_info_version(m),
                       mdc_model_info_checksum(m), mdc_model_info_definition_json(m),
                       mdc_model_info_description(m)};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i]) sink += strlen(s[i]);
    for (size_t i = 0; i < mdc_model_info_field_count(m); i++) {
        const mdc_field_info *f = mdc_model_info_field_byindex(m, i);
        const char *fs[] = {mdc_field_info_name(f), mdc_field_info_type(f), mdc_field_info_pg_type(f),
                            mdc_field_info_default_json(f), mdc_field_info_references_model(f)};
        for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++)
            if (fs[k]) sink += strlen(fs[k]);
        sink += (size_t)mdc_field_info_nullable(f) + mdc_field_info_position(f);
        /* A damaged file may hold one name twice: byname finds a field of that name. */
        const mdc_field_info *g = mdc_model_info_field_byname(m, mdc_field_info_name(f));
        if (!g || strcmp(mdc_field_info_name(g), mdc_field_info_name(f)) != 0) abort();
    }
    (void)sink;
}

static int model_cb(const mdc_model_info *m, void *payload)
{
    (void)payload;
    touch_model(m);
    return 0;
}

static void exercise(mdc_snapshot *s)
{
    const char *v = NULL, *k = NULL;
    mdc_snapshot_meta(&v, s, "registry_checksum");
    for (size_t i = 0; i < mdc_snapshot_meta_count(s); i++)
        mdc_snapshot_meta_byindex(&k, &v, s, i);
    mdc_snapshot_foreach_model(s, model_cb, NULL);

    mdc_strarray docs = {0};
    if (mdc_snapshot_list_documents(&docs, s) == 0)
        for (size_t i = 0; i < docs.count && i < 64; i++) {
            char *slash = strchr(docs.strings[i], '/');
            if (!slash) continue;
            *slash = '\0';
            char *json = NULL;
            if (mdc_snapshot_document(&json, NULL, NULL, NULL, s, docs.strings[i], slash + 1) == 0)
                mdc_free(json);
        }
    mdc_strarray_free(&docs);

    mdc_strarray src = {0};
    if (mdc_snapshot_list_sources(&src, s) == 0)
        for (size_t i = 0; i < src.count && i < 16; i++) {
            mdc_strarray t = {0};
            if (mdc_snapshot_list_tables(&t, s, src.strings[i]) == 0)
                for (size_t j = 0; j < t.count && j < 16; j++) {
                    char *json = NULL;
                    if (mdc_snapshot_table_schema(&json, s, src.strings[i], t.strings[j]) == 0) mdc_free(json);
                }
            mdc_strarray_free(&t);
        }
    mdc_strarray_free(&src);

    /* Entities: every ontology_mapping row is reachable through a document name. */
    const char *names[] = {"Customer", "User", ""};
    for (size_t i = 0; i < 3; i++) {
        mdc_strarray e = {0};
        mdc_snapshot_resolve_entity(&e, s, names[i]);
        mdc_strarray_free(&e);
    }
}

/* ------------------------------------------------------------------ YAML mode */

#define FUZZ_ASSERT(c)                                                                        \
    do {                                                                                      \
        if (!(c)) abort();                                                                    \
    } while (0)

static const char YAML_MAGIC[] = "mdc-yaml\n";

/* Each changes a value of one derived table that the canonical JSON determines. */
static const char *const TAMPERINGS[] = {
    "UPDATE fields SET type = type || 'x' WHERE name = (SELECT min(name) FROM fields)",
    "UPDATE fields SET pg_type = pg_type || 'x' WHERE name = (SELECT max(name) FROM fields)",
    "UPDATE fields SET nullable = 1 - nullable WHERE name = (SELECT min(name) FROM fields)",
    "UPDATE fields SET primary_key = 1 - primary_key WHERE name = (SELECT max(name) FROM fields)",
    "UPDATE fields SET default_json = coalesce(default_json || ' ', '0') WHERE name = (SELECT min(name) FROM fields)",
    "UPDATE fields SET default_expr = coalesce(default_expr || 'x', 'now') WHERE name = (SELECT min(name) FROM fields)",
    "UPDATE fields SET references_model = coalesce(references_model || 'x', 'Nope') WHERE name = (SELECT min(name) FROM fields)",
    "UPDATE fields SET position = position + 1000 WHERE name = (SELECT min(name) FROM fields)",
    "DELETE FROM fields WHERE name = (SELECT max(name) FROM fields)",
    "INSERT INTO fields SELECT model, name || '_copy', position + 1000, type, pg_type, sqlite_type, nullable, "
    "default_json, default_expr, primary_key, is_unique, references_model, references_field, on_delete, "
    "on_update, description, identity FROM fields WHERE name = (SELECT min(name) FROM fields)",
    "INSERT INTO fields VALUES ('~orphan', 'x', 0, 'int32', 'INTEGER', 'INTEGER', 0, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, 0)",
    "UPDATE indexes SET fields_json = fields_json || ' '",
    "UPDATE indexes SET is_unique = 1 - is_unique",
    "INSERT INTO indexes SELECT model, name, position + 1, fields_json, is_unique, where_sql FROM indexes WHERE position = (SELECT max(position) FROM indexes)",
    "UPDATE unique_constraints SET fields_json = '[]'",
    "UPDATE foreign_keys SET on_delete = on_delete || 'x'",
    "INSERT INTO foreign_keys SELECT '~orphan', field, references_model, references_field, on_delete, on_update FROM foreign_keys",
    "UPDATE checks SET expr = expr || ' '",
    "DELETE FROM checks",
    "UPDATE contract_fields SET type = coalesce(type || 'x', 'int32')",
    "UPDATE contracts SET consumer = consumer || 'x'",
    "UPDATE ontology_mapping SET source_tables = source_tables || ' '",
    "UPDATE entities SET description = coalesce(description || 'x', 'x')",
    "UPDATE sources SET uri = uri || 'x'",
    "UPDATE data_sources SET uri = uri || 'x'",
    "UPDATE documents SET structure_checksum = '00000000000000000000000000000000'",
    "UPDATE documents SET version = version || 'x'",
    "UPDATE models SET table_key = table_key || 'x'",
    "UPDATE table_meta SET version = version || 'x'",
    "UPDATE registry_meta SET value = value || 'x' WHERE key = 'compiled_at'",
};

static void copy_path(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char b[65536];
    size_t n;
    while (in && out && (n = fread(b, 1, sizeof b, in)) > 0)
        FUZZ_ASSERT(fwrite(b, 1, n, out) == n);
    if (in) fclose(in);
    if (out) fclose(out);
}

/* Compiles one models/ file; returns the snapshot's path in `path` or false. */
static bool write_yaml_snapshot(const uint8_t *data, size_t size, const char *path)
{
    static const char PROJECT_YAML[] = "project: fuzz\n";
    mdc_arena *a = mdc_arena_new();
    mdc_diags diags;
    mdc_diags_init(&diags, a);
    mdc_yfile pf, yf;
    mdc_yaml_parse(a, "mdc.yaml", PROJECT_YAML, sizeof PROJECT_YAML - 1, &diags, &pf);
    FUZZ_ASSERT(pf.ndocs == 1);
    mdc_project *project = mdc_load_project(a, "mdc.yaml", pf.docs[0].root, &diags);
    FUZZ_ASSERT(project && diags.n == 0);
    mdc_yaml_parse(a, "models/fuzz.yaml", (const char *)data, size, &diags, &yf);
    mdc_doc **docs = malloc((yf.ndocs ? yf.ndocs : 1) * sizeof *docs);
    FUZZ_ASSERT(docs);
    size_t ndocs = 0;
    for (size_t k = 0; k < yf.ndocs; k++) {
        if (!yf.docs[k].root) continue;
        mdc_doc *d = mdc_load_document(a, project, "models/fuzz.yaml", &yf.docs[k], &diags);
        if (!d) continue;
        d->blob_oid = "";
        docs[ndocs++] = d;
    }
    bool ok = false;
    if (diags.errors == 0) {
        /* Registry order: kind, then name (duplicates are errors below). */
        for (size_t i = 1; i < ndocs; i++)
            for (size_t k = i; k > 0; k--) {
                const mdc_doc *x = docs[k - 1], *y = docs[k];
                int c = x->kind != y->kind ? (x->kind < y->kind ? -1 : 1)
                                           : strcmp(x->name ? x->name : "", y->name ? y->name : "");
                if (c <= 0) break;
                mdc_doc *t = docs[k];
                docs[k] = docs[k - 1];
                docs[k - 1] = t;
            }
        mdc_registry reg;
        memset(&reg, 0, sizeof reg);
        reg.project = project;
        reg.docs = docs;
        reg.ndocs = ndocs;
        mdc_validate(a, &reg, &diags);
        if (diags.errors == 0) {
            mdc_canon_registry(a, &reg);
            mdc_snapshot_info info = {"", "", 1700000000, "fuzz", NULL};
            mdc_error err = {{0}};
            ok = mdc_snapshot_write(path, &reg, NULL, &info, &err) == 0;
        }
    }
    free(docs);
    mdc_diags_release(&diags);
    mdc_arena_free(a);
    return ok;
}

static void yaml_mode(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mdc-fuzz-yaml-XXXXXX", copy[] = "/tmp/mdc-fuzz-yaml-t-XXXXXX";
    int fd = mkstemp(path), fd2 = mkstemp(copy);
    if (fd >= 0) close(fd);
    if (fd2 >= 0) close(fd2);
    if (fd < 0 || fd2 < 0 || !write_yaml_snapshot(data, size, path)) goto done;
    mdc_snapshot *s = NULL;
    int rc = mdc_snapshot_open(&s, path, MDC_OPEN_VERIFY);
    if (rc != 0) {
        fprintf(stderr, "fuzz_snapshot: a snapshot the writer wrote is refused: %s\n", mdc_snapshot_errmsg(s));
        abort();
    }
    exercise(s);
    mdc_snapshot_close(s);
    for (size_t i = 0; i < sizeof TAMPERINGS / sizeof TAMPERINGS[0]; i++) {
        copy_path(path, copy);
        sqlite3 *db = NULL;
        int changes = 0;
        if (sqlite3_open(copy, &db) == SQLITE_OK && sqlite3_exec(db, TAMPERINGS[i], NULL, NULL, NULL) == SQLITE_OK)
            changes = sqlite3_changes(db);
        sqlite3_close(db);
        if (changes == 0) continue;
        s = NULL;
        rc = mdc_snapshot_open(&s, copy, MDC_OPEN_VERIFY);
        if (rc != MDC_ECORRUPT) {
            fprintf(stderr, "fuzz_snapshot: tampering accepted (%d): %s\n", rc, TAMPERINGS[i]);
            abort();
        }
        mdc_snapshot_close(s);
    }
done:
    if (fd >= 0) unlink(path);
    if (fd2 >= 0) unlink(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= sizeof YAML_MAGIC - 1 && memcmp(data, YAML_MAGIC, sizeof YAML_MAGIC - 1) == 0) {
        yaml_mode(data + sizeof YAML_MAGIC - 1, size - (sizeof YAML_MAGIC - 1));
        return 0;
    }
    char path[] = "/tmp/mdc-fuzz-snapshot-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);

    mdc_snapshot *s = NULL;
    int rc = mdc_snapshot_open(&s, path, MDC_OPEN_VERIFY);
    if (mdc_snapshot_errmsg(s) == NULL) abort();
    if (rc == 0) exercise(s);
    mdc_snapshot_close(s);
    if (rc != 0) {
        s = NULL;
        if (mdc_snapshot_open(&s, path, 0) == 0) exercise(s);
        mdc_snapshot_close(s);
    }
    unlink(path);
    return 0;
}
