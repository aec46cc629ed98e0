/*
 * internal.h - what the files of libmdc share: the handle, error helpers, column readers.
 *
 * Every non-static name here starts with mdcr_ so that the library can be linked into the
 * same program as the compiler's own mdc_* code (the mdc executable does).
 */
#ifndef MDCR_INTERNAL_H
#define MDCR_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "mdc/registry.h"

#define MDCR_APPLICATION_ID 0x4D444352

typedef struct mdcr_meta {
    char *key, *value;
} mdcr_meta;

struct mdc_snapshot {
    sqlite3 *db;         /* NULL in a failed handle */
    pthread_mutex_t lock; /* serialises every use of db and errmsg */
    bool lock_ok;
    char *path;
    mdcr_meta *meta;     /* sorted by key */
    size_t nmeta;
    sqlite3_stmt *st_model;  /* cached: models WHERE name = ? */
    sqlite3_stmt *st_fields; /* cached: fields WHERE model = ? ORDER BY position */
    char errmsg[512];
};

/* Sets snap->errmsg and returns code. */
int mdcr_fail(mdc_snapshot *snap, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Maps a failed sqlite call to a code and message ("what: sqlite message"). */
int mdcr_sqlite_fail(mdc_snapshot *snap, int sqlite_rc, const char *what);

/*
 * Reads column i of the current row as text.  Returns 0 and sets *out (borrowed from the
 * statement, valid until the next step) or MDC_ECORRUPT when the value is not TEXT (or
 * NULL when nullable is set, giving *out = NULL), or contains a NUL byte.
 */
int mdcr_col_text(mdc_snapshot *snap, sqlite3_stmt *st, int i, bool nullable, const char **out,
                  const char *what);
int mdcr_col_int(mdc_snapshot *snap, sqlite3_stmt *st, int i, long long *out, const char *what);

/* Full verification (verify.c); called with the lock held. */
int mdcr_verify_locked(mdc_snapshot *snap);

/* Its last step: every derived table against the canonical JSON (verify_rows.c). */
int mdcr_verify_rows(mdc_snapshot *snap);

/* registry_meta lookup (no lock needed: immutable after open). */
const char *mdcr_meta_get(const mdc_snapshot *snap, const char *key);

/* (kind, name, json): the canonical JSON of every document, from its kind's table. */
#define MDCR_DEFINITIONS                                                                    \
    "(SELECT 'model' AS kind, name, definition_json AS json FROM models "                   \
    "UNION ALL SELECT 'source', name, definition_json FROM sources "                        \
    "UNION ALL SELECT 'entity', name, definition_json FROM entities "                       \
    "UNION ALL SELECT 'contract', name, definition_json FROM contracts)"

#endif
