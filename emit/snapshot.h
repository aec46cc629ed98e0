/*
 * snapshot.h - the registry snapshot writer (SPEC 7).
 *
 * A snapshot is a SQLite database holding one compiled registry: the seed-002 tables
 * (data_sources, table_meta, ontology_mapping), mdc's own tables (models, fields,
 * indexes, ..., documents, model_versions), the seed-000 dataflow_migrations table with
 * one row and the dataflow_model_registry view.  The table layout is documented in
 * registry/README.md ("Snapshot format"); applications read it through libmdc
 * (registry/include/mdc/registry.h) or as plain SQLite.
 *
 * The same input gives a byte-identical file: a page size that depends on the content
 * only (4096, or 65536 from MDC_SNAPSHOT_LARGE_BYTES of canonical JSON on), fixed DDL
 * text, rows in sorted order, one transaction into a fresh file (no free pages), no wall
 * clock (compiled_at is the commit time).  The file is built next to the target and
 * renamed over it, so a reader never sees half a snapshot.
 */
#ifndef MDC_SNAPSHOT_H
#define MDC_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../compiler/history.h"
#include "../model/defs.h"
#include "../model/error.h"

/* PRAGMA application_id of every snapshot: 'MDCR'. */
#define MDC_SNAPSHOT_APPLICATION_ID 0x4D444352
/* PRAGMA user_version: the snapshot format version written by this code. */
#define MDC_SNAPSHOT_FORMAT_VERSION 1
/* From this many bytes of canonical JSON on, snapshots use 64 KiB pages (emit/snapshot.c). */
#define MDC_SNAPSHOT_LARGE_BYTES (1u << 20)

/* What the registry itself does not know: where and when it was compiled.  Every
 * string is borrowed; NULL strings are written as "". */
typedef struct mdc_snapshot_info {
    const char *git_commit;       /* 40 hex, or "" (working tree without commits) */
    const char *git_tree;         /* 40 hex, or "" */
    int64_t compiled_at;          /* commit time, seconds since the epoch (never "now") */
    const char *compiler_version; /* e.g. MDC_VERSION */
    const char *registry_version; /* declared mdc.yaml version, else derived; NULL = the
                                     declared one, else "1.0.0" */
} mdc_snapshot_info;

/*
 * Writes reg (canonicalised: every document has canonical_json and checksums) as a
 * snapshot at path, replacing any file there atomically.  hist may be NULL (--no-history):
 * derived versions then fall back to "1.0.0" and model_versions is empty.
 * Returns 0, or -1 with a message in err; on failure no temporary file is left behind and
 * the file at path is untouched.
 */
int mdc_snapshot_write(const char *path, const mdc_registry *reg, const mdc_history *hist,
                       const mdc_snapshot_info *info, mdc_error *err);

/*
 * mdc_snapshot_write in two steps, so that the work that needs neither history nor info
 * (the fields table, a good third of it) runs while the caller computes the history:
 * begin creates the temporary files and starts writing those tables in a thread of its
 * own; finish writes the rest, waits for that thread, and fsyncs and renames the file
 * into place.  Between the two, reg must not change (the thread reads it; reading it
 * elsewhere is fine).  finish and abort free w; abort (on the caller's own failure)
 * waits for the thread and removes the temporary files.  finish returns 0, or -1 with a
 * message in err, like mdc_snapshot_write.
 */
typedef struct mdc_snapshot_writer mdc_snapshot_writer;
int mdc_snapshot_begin(mdc_snapshot_writer **w, const char *path, const mdc_registry *reg,
                       mdc_error *err);
int mdc_snapshot_finish(mdc_snapshot_writer *w, const mdc_history *hist,
                        const mdc_snapshot_info *info, mdc_error *err);
void mdc_snapshot_abort(mdc_snapshot_writer *w);

/* ------------------------------------------------------------------ the rows, for other sinks
 *
 * The writer is one row generator and one sink (SQLite).  `mdc build --format postgres-sql`
 * uses the same generator with a SQL-text sink, so both outputs hold the same rows. */

typedef enum mdc_snapshot_vtype { MDC_SV_NULL, MDC_SV_TEXT, MDC_SV_INT, MDC_SV_BOOL } mdc_snapshot_vtype;

typedef struct mdc_snapshot_value {
    mdc_snapshot_vtype type;
    const char *s; /* TEXT */
    int64_t i;     /* INT; BOOL: 0 or 1 */
} mdc_snapshot_value;

typedef struct mdc_snapshot_column {
    const char *name;
    const char *sqlite_decl; /* type and column constraints in the snapshot */
    const char *pg_decl;     /* the same for PostgreSQL */
} mdc_snapshot_column;

typedef struct mdc_snapshot_table {
    const char *name;
    const mdc_snapshot_column *columns;
    size_t ncolumns;
    const char *key;        /* primary key columns ("model, name"), or NULL */
    /* Seed tables (002, 000) have fixed DDL text per dialect; mdc's own tables have NULL
     * here and their DDL is generated from the columns.  pg_ddl NULL with sqlite_ddl set:
     * the table is not part of the PostgreSQL output (dataflow_migrations belongs to
     * `mdc migrate` there). */
    const char *sqlite_ddl;
    const char *pg_ddl;
    /* SQLite: a WITHOUT ROWID table (one b-tree keyed by `key` instead of a rowid table
     * plus an index): mdc's own tables of many small rows whose key is their leading
     * columns.  (SQLite 3.40's integrity_check wrongly reports NULLs in a WITHOUT ROWID
     * table whose key column follows a NOT NULL column, so checks, indexes and
     * model_versions stay rowid tables.) */
    bool without_rowid;
} mdc_snapshot_table;

/* Every table, in creation order. */
const mdc_snapshot_table *mdc_snapshot_tables(size_t *n);

/* The seed-000 view, as SQL text (same for both dialects). */
extern const char mdc_snapshot_view_sql[];

/* Called once per row, tables in mdc_snapshot_tables() order, rows in sorted order;
 * values has t->ncolumns entries (borrowed, valid during the call).  Non-zero stops. */
typedef int (*mdc_snapshot_row_cb)(void *ctx, const mdc_snapshot_table *t,
                                   const mdc_snapshot_value *values);

/* Generates every row of the snapshot.  Returns 0, the callback's non-zero value, or -1
 * with a message in err (e.g. two models claim the same table). */
int mdc_snapshot_rows(const mdc_registry *reg, const mdc_history *hist,
                      const mdc_snapshot_info *info, mdc_snapshot_row_cb cb, void *ctx,
                      mdc_error *err);

/* The same for some tables only: bit i of tables_mask selects mdc_snapshot_tables()[i].
 * Safe to run in several threads at once over one registry and history (they are only
 * read; each call allocates its own memory). */
int mdc_snapshot_rows_of(const mdc_registry *reg, const mdc_history *hist,
                         const mdc_snapshot_info *info, uint32_t tables_mask,
                         mdc_snapshot_row_cb cb, void *ctx, mdc_error *err);

/* "2024-01-01T00:00:00Z" for a time in seconds since the epoch. */
void mdc_snapshot_iso8601(int64_t t, char out[32]);

/*
 * The version recorded for a document: its declared version, else the newest version in
 * hist, else "1.0.0".  The result is allocated in a.
 */
const char *mdc_snapshot_doc_version(mdc_arena *a, const mdc_doc *d, const mdc_history *hist);

/*
 * The id of the project's own database in data_sources (models without `source:`): the
 * project name.  If a kind: source has the same name, that source describes the project's
 * database and no separate row is written.
 */
const char *mdc_snapshot_model_source(const mdc_registry *reg, const mdc_model *m);

#endif
