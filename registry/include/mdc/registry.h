/*
 * mdc/registry.h - libmdc: read a compiled mdc registry snapshot (SPEC 8).
 *
 * `mdc build` compiles the YAML models of a git repository into one SQLite file, the
 * snapshot.  Applications open it read-only with this library (or as plain SQLite, see
 * the README) instead of registering their models at start-up.
 *
 *     mdc_snapshot *snap = NULL;
 *     if (mdc_snapshot_open(&snap, "registry.db", MDC_OPEN_VERIFY) < 0) {
 *         fprintf(stderr, "%s\n", mdc_snapshot_errmsg(snap));
 *         mdc_snapshot_close(snap);
 *         return 1;
 *     }
 *     mdc_model_info *user = NULL;
 *     if (mdc_model_info_lookup(&user, snap, "User") == 0) {
 *         for (size_t i = 0; i < mdc_model_info_field_count(user); i++) {
 *             const mdc_field_info *f = mdc_model_info_field_byindex(user, i);
 *             printf("%s %s\n", mdc_field_info_name(f), mdc_field_info_type(f));
 *         }
 *         mdc_model_info_free(user);
 *     }
 *     mdc_snapshot_close(snap);
 *
 * Conventions (libgit2's):
 *   - Opaque handles; functions are named mdc_<noun>_<verb>; out-parameters come first.
 *   - Functions that can fail return an int: 0 (MDC_OK) or a negative mdc_error_code, and
 *     mdc_snapshot_errmsg() describes the failure.
 *   - Every *_free / *_close accepts NULL.
 *   - Strings returned as `const char *` are BORROWED: they stay valid until the object
 *     they came from is freed (stated per function).  Strings and arrays returned through
 *     `char **` / mdc_strarray are OWNED by the caller: release them with mdc_free() /
 *     mdc_strarray_free().
 *   - No global state; no initialisation call.  One mdc_snapshot may be used from several
 *     threads at once (calls are serialised by a mutex inside the handle); for parallel
 *     reads open one handle per thread.  mdc_model_info objects are immutable and may be
 *     shared between threads.
 *   - A snapshot is never modified in place: `mdc build` renames a new file over it.  An
 *     open handle keeps reading the file it opened; open again to see a new build.
 */
#ifndef MDC_REGISTRY_H
#define MDC_REGISTRY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MDC_BUILDING_LIBRARY) && defined(__GNUC__)
#define MDC_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define MDC_EXTERN(type) extern type
#endif

/* Library version. */
#define MDC_LIB_VERSION "0.1.0"
#define MDC_LIB_VERSION_MAJOR 0
#define MDC_LIB_VERSION_MINOR 1
#define MDC_LIB_VERSION_PATCH 0

/* The snapshot format versions (PRAGMA user_version) this library reads. */
#define MDC_SNAPSHOT_FORMAT_MIN 1
#define MDC_SNAPSHOT_FORMAT_MAX 1

/* Return codes: 0 on success, a negative value on failure. */
typedef enum mdc_error_code {
    MDC_OK = 0,
    MDC_ENOTFOUND = -1, /* no such file, model, source, table or entity */
    MDC_EFORMAT = -2,   /* not an mdc snapshot: not SQLite, another application's database
                           (application_id), an unsupported format version, missing tables */
    MDC_ECORRUPT = -3,  /* damaged: truncated, unreadable pages, a value of the wrong type,
                           or (MDC_OPEN_VERIFY) a checksum or a derived row that does not
                           match the checksummed definitions */
    MDC_EIO = -4,       /* the file cannot be read */
    MDC_ENOMEM = -5,    /* out of memory */
    MDC_EINVALID = -6   /* invalid argument (NULL where a value is needed, a failed handle) */
} mdc_error_code;

/* "0.1.0": the version of the library actually linked. */
MDC_EXTERN(const char *) mdc_libversion(void);

/* Frees a string returned by this library (e.g. mdc_snapshot_table_schema).  NULL is a no-op. */
MDC_EXTERN(void) mdc_free(void *ptr);

/* A list of strings owned by the caller. */
typedef struct mdc_strarray {
    char **strings;
    size_t count;
} mdc_strarray;

/* Frees the strings and the array, and sets the fields to NULL / 0.  NULL is a no-op. */
MDC_EXTERN(void) mdc_strarray_free(mdc_strarray *array);

/* ------------------------------------------------------------------ snapshots */

typedef struct mdc_snapshot mdc_snapshot;

/* Flags of mdc_snapshot_open. */
#define MDC_OPEN_VERIFY (1u << 0) /* full verification: mdc_snapshot_verify() during open */

/*
 * Opens the snapshot at path, read-only.  Checks the SQLite header, the application_id
 * ('MDCR'), the format version and the tables; with MDC_OPEN_VERIFY also everything
 * mdc_snapshot_verify() checks.
 *
 * Like sqlite3_open, *out is set even on failure (except MDC_ENOMEM, where it may be
 * NULL) so that mdc_snapshot_errmsg() can say what went wrong; a failed handle accepts
 * only mdc_snapshot_errmsg() and mdc_snapshot_close().  Always close *out.
 */
MDC_EXTERN(int) mdc_snapshot_open(mdc_snapshot **out, const char *path, unsigned int flags);

/* Closes the snapshot.  Every mdc_model_info obtained from it stays valid.  NULL is a no-op. */
MDC_EXTERN(void) mdc_snapshot_close(mdc_snapshot *snap);

/*
 * The message of the last failure on this handle ("" when there was none).  Borrowed:
 * valid until the next call on the handle.  snap may be NULL ("out of memory").
 */
MDC_EXTERN(const char *) mdc_snapshot_errmsg(const mdc_snapshot *snap);

/*
 * Full verification: PRAGMA quick_check; every document's checksum recomputed (XXH3-128
 * of its stored canonical JSON); the registry checksum recomputed from the documents and
 * the stored canonical mdc.yaml; every copy of a definition (models, contracts,
 * entities, sources, table_meta, dataflow_migrations) equal to the checksummed one; and
 * every derived table (fields, indexes, unique_constraints, foreign_keys, checks,
 * contract_fields, ontology_mapping, data_sources, documents, registry_meta, ...) derived
 * again from the canonical JSON and compared row for row: no changed value, no missing,
 * extra, duplicated or orphan row (registry/README.md lists what cannot be derived).
 * Returns 0 or MDC_ECORRUPT (message names the first mismatch: "verification failed: ...").
 * It proves the file consistent with its own checksums, not who wrote it: XXH3 is not a
 * MAC, so whoever can write the file can recompute them.
 */
MDC_EXTERN(int) mdc_snapshot_verify(mdc_snapshot *snap);

/*
 * A registry_meta value: format_version, project, registry_version, registry_checksum,
 * checksum_algorithm, git_commit, git_tree, compiled_at, compiler_version, project_json,
 * history.  *value is borrowed (valid until close).  MDC_ENOTFOUND for an unknown key.
 */
MDC_EXTERN(int) mdc_snapshot_meta(const char **value, mdc_snapshot *snap, const char *key);

/* Number of registry_meta entries, and the i-th (sorted by key); both strings borrowed. */
MDC_EXTERN(size_t) mdc_snapshot_meta_count(const mdc_snapshot *snap);
MDC_EXTERN(int) mdc_snapshot_meta_byindex(const char **key, const char **value,
                                          const mdc_snapshot *snap, size_t i);

/* ------------------------------------------------------------------ models */

typedef struct mdc_model_info mdc_model_info;
typedef struct mdc_field_info mdc_field_info;

/*
 * Finds a model by name (primary-key lookup, O(log n)).  *out is owned: free it with
 * mdc_model_info_free().  MDC_ENOTFOUND when there is no such model.
 */
MDC_EXTERN(int) mdc_model_info_lookup(mdc_model_info **out, mdc_snapshot *snap, const char *name);
MDC_EXTERN(void) mdc_model_info_free(mdc_model_info *model);

/* The names of all models, sorted bytewise.  *out is owned (mdc_strarray_free). */
MDC_EXTERN(int) mdc_snapshot_list_models(mdc_strarray *out, mdc_snapshot *snap);

/*
 * Calls cb for every model, sorted by name.  The model passed is borrowed for the call
 * only.  A non-zero return from cb stops the iteration and is returned.  The handle is
 * not locked while cb runs, so cb may call this library.
 */
typedef int (*mdc_model_cb)(const mdc_model_info *model, void *payload);
MDC_EXTERN(int) mdc_snapshot_foreach_model(mdc_snapshot *snap, mdc_model_cb cb, void *payload);

/* Accessors; every string is borrowed from the model (valid until mdc_model_info_free). */
MDC_EXTERN(const char *) mdc_model_info_name(const mdc_model_info *model);
MDC_EXTERN(const char *) mdc_model_info_table(const mdc_model_info *model);
MDC_EXTERN(const char *) mdc_model_info_schema(const mdc_model_info *model);
MDC_EXTERN(const char *) mdc_model_info_source(const mdc_model_info *model); /* data_sources id */
MDC_EXTERN(const char *) mdc_model_info_version(const mdc_model_info *model);
MDC_EXTERN(const char *) mdc_model_info_checksum(const mdc_model_info *model);
MDC_EXTERN(const char *) mdc_model_info_structure_checksum(const mdc_model_info *model);
/* The canonical JSON definition (SPEC 4); the checksum is XXH3-128 of these bytes. */
MDC_EXTERN(const char *) mdc_model_info_definition_json(const mdc_model_info *model);
MDC_EXTERN(const char *) mdc_model_info_path(const mdc_model_info *model);
MDC_EXTERN(const char *) mdc_model_info_description(const mdc_model_info *model); /* or NULL */

/* Fields in column order.  byindex: NULL when i is out of range; byname: NULL when absent.
 * Borrowed from the model. */
MDC_EXTERN(size_t) mdc_model_info_field_count(const mdc_model_info *model);
MDC_EXTERN(const mdc_field_info *) mdc_model_info_field_byindex(const mdc_model_info *model, size_t i);
MDC_EXTERN(const mdc_field_info *) mdc_model_info_field_byname(const mdc_model_info *model,
                                                                const char *name);

MDC_EXTERN(const char *) mdc_field_info_name(const mdc_field_info *field);
MDC_EXTERN(size_t) mdc_field_info_position(const mdc_field_info *field); /* 0-based */
MDC_EXTERN(const char *) mdc_field_info_type(const mdc_field_info *field);    /* "string(320)" */
MDC_EXTERN(const char *) mdc_field_info_pg_type(const mdc_field_info *field); /* "VARCHAR(320)" */
MDC_EXTERN(const char *) mdc_field_info_sqlite_type(const mdc_field_info *field); /* "TEXT" */
MDC_EXTERN(int) mdc_field_info_nullable(const mdc_field_info *field);    /* 1 or 0 */
MDC_EXTERN(int) mdc_field_info_primary_key(const mdc_field_info *field); /* 1 or 0 */
MDC_EXTERN(int) mdc_field_info_unique(const mdc_field_info *field);      /* 1 or 0 */
MDC_EXTERN(int) mdc_field_info_identity(const mdc_field_info *field);    /* 1 or 0 */
/* The default literal as canonical JSON ("true", "\"active\"", "0"), or NULL. */
MDC_EXTERN(const char *) mdc_field_info_default_json(const mdc_field_info *field);
/* "now", "current_date", "uuid", {"postgres":...,"sqlite":...} as JSON text, or NULL. */
MDC_EXTERN(const char *) mdc_field_info_default_expr(const mdc_field_info *field);
/* The referenced model and field, or NULL when the field is not a reference. */
MDC_EXTERN(const char *) mdc_field_info_references_model(const mdc_field_info *field);
MDC_EXTERN(const char *) mdc_field_info_references_field(const mdc_field_info *field);
MDC_EXTERN(const char *) mdc_field_info_on_delete(const mdc_field_info *field); /* or NULL */
MDC_EXTERN(const char *) mdc_field_info_on_update(const mdc_field_info *field); /* or NULL */
MDC_EXTERN(const char *) mdc_field_info_description(const mdc_field_info *field); /* or NULL */

/* ------------------------------------------------------------------ every document */

/* "kind/name" of every document (contract, entity, model, source), sorted.  Owned. */
MDC_EXTERN(int) mdc_snapshot_list_documents(mdc_strarray *out, mdc_snapshot *snap);

/*
 * One document's row of the documents table.  kind is "contract", "entity", "model" or
 * "source".  Every out-parameter may be NULL; each string set is owned (mdc_free).
 * MDC_ENOTFOUND when there is no such document.
 */
MDC_EXTERN(int) mdc_snapshot_document(char **canonical_json, char **checksum, char **version,
                                      char **path, mdc_snapshot *snap, const char *kind,
                                      const char *name);

/* ------------------------------------------------------------------ seed-002 registry calls */

/* data_sources ids, sorted.  Includes the project's own database (id = project name). */
MDC_EXTERN(int) mdc_snapshot_list_sources(mdc_strarray *out, mdc_snapshot *snap);

/* table_meta names of one source, sorted.  MDC_ENOTFOUND when the source does not exist. */
MDC_EXTERN(int) mdc_snapshot_list_tables(mdc_strarray *out, mdc_snapshot *snap,
                                         const char *source_id);

/* The table's schema_json (the model's canonical JSON).  *json is owned (mdc_free).
 * MDC_ENOTFOUND when there is no such table. */
MDC_EXTERN(int) mdc_snapshot_table_schema(char **json, mdc_snapshot *snap, const char *source_id,
                                          const char *table_name);

/* The "source_id.table_name" strings an ontology entity maps to, sorted.  *out is owned.
 * MDC_ENOTFOUND when there is no such entity. */
MDC_EXTERN(int) mdc_snapshot_resolve_entity(mdc_strarray *out, mdc_snapshot *snap,
                                            const char *entity);

#ifdef __cplusplus
}
#endif

#endif
