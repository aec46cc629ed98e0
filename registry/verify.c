/*
 * verify.c - libmdc: full verification of a snapshot (MDC_OPEN_VERIFY, mdc_snapshot_verify).
 *
 * What is checked, in order (the first failure is reported):
 *   1. PRAGMA quick_check: the file's pages and b-trees are sound.
 *   2. documents: checksum = XXH3-128 of the document's canonical JSON (the definition_json
 *      of its kind's table), as 32 lowercase hex digits of the canonical big-endian form
 *      (SPEC 4), for every row.
 *   3. registry checksum: XXH3-128 over the rows' "KIND/NAME CHECKSUM\n" lines sorted
 *      bytewise, then "mdc.yaml " + registry_meta.project_json + "\n" (compiler/canon.c)
 *      equals registry_meta.registry_checksum.
 *   4. every kind row agrees with its document row: models, contracts, entities, sources
 *      (checksum, one row per document and no more),
 *      table_meta.schema_json, and dataflow_migrations.model_definitions (rebuilt from the
 *      models' canonical JSON, keys sorted), with its checksum and application_id.
 *   5. every derived table derived again from the canonical JSON and compared row for row
 *      (verify_rows.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "buf.h"
#include "internal.h"

static void xxh128_hex(const void *data, size_t len, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(data, len));
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[c.digest[i] >> 4];
        out[2 * i + 1] = hex[c.digest[i] & 15];
    }
    out[32] = '\0';
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int quick_check(mdc_snapshot *snap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(snap->db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "quick_check");
    rc = sqlite3_step(st);
    int out = 0;
    if (rc != SQLITE_ROW) {
        out = mdcr_sqlite_fail(snap, rc, "quick_check");
    } else {
        const unsigned char *r = sqlite3_column_text(st, 0);
        if (!r || strcmp((const char *)r, "ok") != 0)
            out = mdcr_fail(snap, MDC_ECORRUPT, "corrupt snapshot: quick_check: %s",
                            r ? (const char *)r : "(no result)");
    }
    sqlite3_finalize(st);
    return out;
}

/* Steps 2 and 3. */
static int verify_documents(mdc_snapshot *snap)
{
    sqlite3_stmt *st = NULL;
    /* One primary-key search per document and kind table (a join with the UNION of
     * MDCR_DEFINITIONS would copy every definition into a temporary index first). */
    int rc = sqlite3_prepare_v2(snap->db,
                                "SELECT d.kind, d.name, d.checksum, CASE d.kind "
                                "WHEN 'model' THEN m.definition_json WHEN 'source' THEN s.definition_json "
                                "WHEN 'entity' THEN e.definition_json WHEN 'contract' THEN c.definition_json "
                                "END FROM documents d "
                                "LEFT JOIN models m ON d.kind = 'model' AND m.name = d.name "
                                "LEFT JOIN sources s ON d.kind = 'source' AND s.name = d.name "
                                "LEFT JOIN entities e ON d.kind = 'entity' AND e.name = d.name "
                                "LEFT JOIN contracts c ON d.kind = 'contract' AND c.name = d.name",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "reading documents");
    char **lines = NULL;
    size_t n = 0, cap = 0;
    int out = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind, *name, *sum, *json;
        if ((out = mdcr_col_text(snap, st, 0, false, &kind, "documents.kind")) ||
            (out = mdcr_col_text(snap, st, 1, false, &name, "documents.name")) ||
            (out = mdcr_col_text(snap, st, 2, false, &sum, "documents.checksum")) ||
            (out = mdcr_col_text(snap, st, 3, true, &json, "definition_json")))
            break;
        if (!json) {
            out = mdcr_fail(snap, MDC_ECORRUPT,
                            "verification failed: %s/%s has no definition: its row of the kind's "
                            "table is missing", kind, name);
            break;
        }
        char hex[33];
        xxh128_hex(json, strlen(json), hex);
        if (strcmp(hex, sum) != 0) {
            out = mdcr_fail(snap, MDC_ECORRUPT,
                            "verification failed: %s/%s: stored checksum %.40s, its canonical JSON hashes to %s",
                            kind, name, sum, hex);
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nl = realloc(lines, ncap * sizeof *nl);
            if (!nl) {
                out = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
                break;
            }
            lines = nl;
            cap = ncap;
        }
        size_t len = strlen(kind) + strlen(name) + 32 + 3;
        if (!(lines[n] = malloc(len + 1))) {
            out = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
            break;
        }
        snprintf(lines[n], len + 1, "%s/%s %s\n", kind, name, sum);
        n++;
    }
    if (out == 0 && rc != SQLITE_DONE) out = mdcr_sqlite_fail(snap, rc, "reading documents");
    sqlite3_finalize(st);

    if (out == 0) {
        if (n > 1) qsort(lines, n, sizeof *lines, cmp_cstr);
        mdcr_buf b = {0};
        for (size_t i = 0; i < n; i++)
            mdcr_buf_puts(&b, lines[i]);
        const char *pj = mdcr_meta_get(snap, "project_json");
        if (pj) {
            mdcr_buf_puts(&b, "mdc.yaml ");
            mdcr_buf_puts(&b, pj);
            mdcr_buf_puts(&b, "\n");
        }
        if (b.oom) {
            out = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
        } else {
            char hex[33];
            xxh128_hex(b.p ? b.p : "", b.len, hex);
            const char *want = mdcr_meta_get(snap, "registry_checksum");
            if (!pj)
                out = mdcr_fail(snap, MDC_ECORRUPT, "verification failed: registry_meta has no project_json");
            else if (!want || strcmp(hex, want) != 0)
                out = mdcr_fail(snap, MDC_ECORRUPT,
                                "verification failed: registry checksum is %.40s, the documents hash to %s",
                                want ? want : "(none)", hex);
        }
        free(b.p);
    }
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    return out;
}

/* Runs a query that returns a row describing the first mismatch (or no row). */
static int expect_no_row(mdc_snapshot *snap, const char *sql, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(snap->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, what);
    rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        out = mdcr_fail(snap, MDC_ECORRUPT, "verification failed: %s: %.200s differs from its checksummed definition",
                        what, name ? (const char *)name : "(NULL)");
    } else if (rc != SQLITE_DONE) {
        out = mdcr_sqlite_fail(snap, rc, what);
    }
    sqlite3_finalize(st);
    return out;
}

/* Step 4: the copies of the definitions.  `IS NOT` also catches NULLs and type changes. */
static const struct {
    const char *what, *sql;
} copies[] = {
    {"models",
     "SELECT m.name FROM models m LEFT JOIN documents d ON d.kind = 'model' AND d.name = m.name "
     "WHERE d.name IS NULL OR d.checksum IS NOT m.checksum "
     "OR d.structure_checksum IS NOT m.structure_checksum OR d.version IS NOT m.version "
     "UNION ALL SELECT d.name FROM documents d WHERE d.kind = 'model' AND "
     "NOT EXISTS (SELECT 1 FROM models m WHERE m.name = d.name) LIMIT 1"},
    {"contracts",
     "SELECT c.name FROM contracts c LEFT JOIN documents d ON d.kind = 'contract' AND d.name = c.name "
     "WHERE d.name IS NULL OR d.checksum IS NOT c.checksum "
     "UNION ALL SELECT d.name FROM documents d WHERE d.kind = 'contract' AND "
     "NOT EXISTS (SELECT 1 FROM contracts c WHERE c.name = d.name) LIMIT 1"},
    {"entities",
     "SELECT e.name FROM entities e LEFT JOIN documents d ON d.kind = 'entity' AND d.name = e.name "
     "WHERE d.name IS NULL OR d.checksum IS NOT e.checksum "
     "UNION ALL SELECT d.name FROM documents d WHERE d.kind = 'entity' AND "
     "NOT EXISTS (SELECT 1 FROM entities e WHERE e.name = d.name) LIMIT 1"},
    {"sources",
     "SELECT s.name FROM sources s LEFT JOIN documents d ON d.kind = 'source' AND d.name = s.name "
     "WHERE d.name IS NULL OR d.checksum IS NOT s.checksum "
     "UNION ALL SELECT d.name FROM documents d WHERE d.kind = 'source' AND "
     "NOT EXISTS (SELECT 1 FROM sources s WHERE s.name = d.name) LIMIT 1"},
    {"table_meta",
     "SELECT t.source_id || '.' || t.table_name FROM table_meta t LEFT JOIN models m "
     "ON m.source_id = t.source_id AND m.table_key = t.table_name "
     "WHERE m.name IS NULL OR t.schema_json IS NOT m.definition_json "
     "UNION ALL SELECT m.name FROM models m WHERE NOT EXISTS (SELECT 1 FROM table_meta t "
     "WHERE t.source_id = m.source_id AND t.table_name = m.table_key) LIMIT 1"},
};

/* Advances *at over `s` when defs continues with it. */
static bool match(const char *defs, size_t len, size_t *at, const char *s, size_t n)
{
    if (len - *at < n || memcmp(defs + *at, s, n) != 0) return false;
    *at += n;
    return true;
}

/*
 * dataflow_migrations: one row, whose model_definitions is {"Model": canonical JSON, ...}
 * over the models in name order (model names are ASCII, SPEC 3.1, where bytewise and
 * RFC 8785 order agree), compared as it is read: nothing is copied.
 */
static int verify_migration_row(mdc_snapshot *snap)
{
    sqlite3_stmt *st = NULL, *mig = NULL;
    const char *defs = NULL; /* borrowed from mig, which stays on its row */
    size_t len = 0, at = 0;
    long long rows = 0;
    int out = 0;
    int rc = sqlite3_prepare_v2(snap->db, "SELECT count(*) FROM dataflow_migrations", -1, &st, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "reading dataflow_migrations");
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) out = mdcr_sqlite_fail(snap, rc, "reading dataflow_migrations");
    else rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (out == 0 && rows != 1)
        out = mdcr_fail(snap, MDC_ECORRUPT, "verification failed: dataflow_migrations has %lld rows, not 1", rows);
    if (out) return out;
    rc = sqlite3_prepare_v2(snap->db,
                            "SELECT model_definitions, checksum, application_id FROM dataflow_migrations",
                            -1, &mig, NULL);
    if (rc != SQLITE_OK) return mdcr_sqlite_fail(snap, rc, "reading dataflow_migrations");
    if ((rc = sqlite3_step(mig)) != SQLITE_ROW) {
        out = rc == SQLITE_DONE ? mdcr_fail(snap, MDC_ECORRUPT, "verification failed: dataflow_migrations is empty")
                                : mdcr_sqlite_fail(snap, rc, "reading dataflow_migrations");
        goto done;
    }
    const char *sum, *app;
    if ((out = mdcr_col_text(snap, mig, 0, false, &defs, "dataflow_migrations.model_definitions")) ||
        (out = mdcr_col_text(snap, mig, 1, false, &sum, "dataflow_migrations.checksum")) ||
        (out = mdcr_col_text(snap, mig, 2, false, &app, "dataflow_migrations.application_id")))
        goto done;
    len = strlen(defs);
    const char *want_sum = mdcr_meta_get(snap, "registry_checksum");
    const char *want_app = mdcr_meta_get(snap, "project");
    if (!want_sum || strcmp(sum, want_sum) != 0 || !want_app || strcmp(app, want_app) != 0) {
        out = mdcr_fail(snap, MDC_ECORRUPT, "verification failed: dataflow_migrations row does not match registry_meta");
        goto done;
    }

    rc = sqlite3_prepare_v2(snap->db, "SELECT name, definition_json FROM models ORDER BY name", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        out = mdcr_sqlite_fail(snap, rc, "reading models");
        goto done;
    }
    bool same = match(defs, len, &at, "{", 1);
    mdcr_buf key = {0};
    for (size_t i = 0; same && (rc = sqlite3_step(st)) == SQLITE_ROW; i++) {
        const char *name, *json;
        if ((out = mdcr_col_text(snap, st, 0, false, &name, "models.name")) ||
            (out = mdcr_col_text(snap, st, 1, false, &json, "models.definition_json")))
            break;
        key.len = 0;
        if (i) mdcr_buf_put(&key, ",", 1);
        mdcr_buf_json_str(&key, name);
        mdcr_buf_put(&key, ":", 1);
        if (key.oom) {
            out = mdcr_fail(snap, MDC_ENOMEM, "out of memory");
            break;
        }
        same = match(defs, len, &at, key.p, key.len) && match(defs, len, &at, json, strlen(json));
    }
    free(key.p);
    if (out == 0 && same && rc != SQLITE_DONE) out = mdcr_sqlite_fail(snap, rc, "reading models");
    if (out == 0 && !(same && match(defs, len, &at, "}", 1) && at == len))
        out = mdcr_fail(snap, MDC_ECORRUPT,
                        "verification failed: dataflow_migrations.model_definitions differs from the models");
done:
    sqlite3_finalize(st);
    sqlite3_finalize(mig);
    return out;
}

int mdcr_verify_locked(mdc_snapshot *snap)
{
    int rc = quick_check(snap);
    if (rc == 0) rc = verify_documents(snap);
    for (size_t i = 0; rc == 0 && i < sizeof copies / sizeof copies[0]; i++)
        rc = expect_no_row(snap, copies[i].sql, copies[i].what);
    if (rc == 0) rc = verify_migration_row(snap);
    if (rc == 0) rc = mdcr_verify_rows(snap);
    return rc;
}
