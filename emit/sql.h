/*
 * sql.h - SQL migrations (SPEC 6): one diff in, the text of one migration per dialect out.
 *
 *   base registry + head registry + their diff (compiler/diff.h)
 *     -> risk gate (mdc_sql_gate): operations above max_risk are refused, except reserved
 *        removals (SPEC 6.3)
 *     -> plan (sql_common.c): tables paired (renames included), fields paired, tables in
 *        dependency order
 *     -> text (sql_pg.c, sql_sqlite.c): header comment, guard, recording table, DDL, record
 *
 * Every identifier goes through mdc_sql_ident ("..." with " doubled) and every string
 * literal through mdc_sql_str ('...' with ' doubled; in PostgreSQL files a literal holding
 * a backslash is E'...' with backslashes doubled too, so it means the same whatever the
 * server's standard_conforming_strings).  Raw SQL from definitions (check expressions,
 * index predicates, custom defaults) has passed the guard of compiler/sql_guard.h and is
 * always wrapped in parentheses, its line breaks outside quoted strings written as spaces
 * (so no line a client reads starts inside it).  Comment text is
 * written on `--` lines with every control character replaced by a space, so nothing
 * user-written can end a comment early.
 *
 * A migration file records the registry state it leads to on one line of its own:
 *
 *     '<state JSON as a SQL string literal>' -- mdc:state
 *
 * (inside the INSERT INTO dataflow_migrations); mdc_sql_find_state gets it back.
 */
#ifndef MDC_SQL_H
#define MDC_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include "../compiler/diff.h"
#include "../model/arena.h"
#include "../model/buf.h"
#include "../model/defs.h"
#include "../model/error.h"

typedef enum mdc_dialect { MDC_DIALECT_POSTGRES, MDC_DIALECT_SQLITE } mdc_dialect;

const char *mdc_dialect_name(mdc_dialect d); /* "postgres", "sqlite" */

#define MDC_SQL_OPTS_VERSION 1

typedef struct mdc_sql_opts {
    unsigned version;       /* MDC_SQL_OPTS_VERSION */
    mdc_dialect dialect;
    const char *name;       /* the file stem, "0004_user-add-nickname" (dataflow_migrations.name) */
    const char *to_version; /* registry semver the migration leads to ("1.4.0") */
    bool down;              /* the reverse migration: from head back to base */
    const char *forward_name; /* --down: the stem of the migration it reverts */
    const char *tool_version; /* for the header; NULL = MDC_VERSION */
} mdc_sql_opts;

#define MDC_SQL_OPTS_INIT {MDC_SQL_OPTS_VERSION, MDC_DIALECT_POSTGRES, NULL, NULL, false, NULL, NULL}

/*
 * Writes the migration base -> head (o->down: head -> base) in o->dialect to out.
 * base may be an empty registry (no project): the first migration.  head must have a
 * project; both must be canonicalised.  df is mdc_diff_registries(base, head).
 * Returns 0, or -1 with a message in err (an inconsistent input; nothing written is usable).
 */
int mdc_sql_migration(mdc_buf *out, mdc_arena *a, const mdc_registry *base,
                      const mdc_registry *head, const mdc_diff *df, const mdc_sql_opts *o,
                      mdc_error *err);

/* One operation the risk gate refuses. */
typedef struct mdc_sql_refusal {
    const mdc_doc_diff *doc;
    const mdc_change *change;
    const char *why; /* NULL: its risk is above the maximum; else why it is refused at any risk */
} mdc_sql_refusal;

/*
 * The changes of df whose risk is above max (SPEC 6.3), and, when the head project writes
 * migrations for both dialects, the type changes that would leave different values in the
 * two databases (mdc_sql_type_change_refusal; `why` says why), in diff order.  Reserved
 * removals (FIELD_REMOVED of a name in the model's `reserved`, MODEL_REMOVED of a name in
 * `reserved_models`) are never refused.  Returns the number; *out is arena-owned.
 */
size_t mdc_sql_gate(mdc_arena *a, const mdc_diff *df, const mdc_registry *head, mdc_risk max,
                    mdc_sql_refusal **out);

/* Highest risk among the changes of df (LOW when there are none). */
mdc_risk mdc_sql_highest_risk(const mdc_diff *df);

/*
 * Finds the recorded state in the text of a migration file: the line
 * `'...' -- mdc:state`.  Returns 1 and the decoded JSON in *json (malloc'd, caller frees),
 * 0 when the file has no such line, -1 when the line is malformed.
 */
int mdc_sql_find_state(const char *text, size_t len, char **json, size_t *json_len);

/* ------------------------------------------------------------------ escaping */

void mdc_sql_ident(mdc_buf *b, const char *s);                 /* "s" with " doubled */
/* 's' with ' doubled; for PostgreSQL, text holding a backslash is written E's' with ' and \
 * doubled (the same under either standard_conforming_strings); other text is unchanged. */
void mdc_sql_str(mdc_buf *b, mdc_dialect d, const char *s, size_t len);
void mdc_sql_comment(mdc_buf *b, const char *s);               /* controls -> spaces */

/*
 * printf-like SQL builder for dialect d.  Conversions:
 *   %I  identifier (const char *), quoted by mdc_sql_ident
 *   %L  string literal (const char *), quoted by mdc_sql_str for d
 *   %E  raw SQL expression from a definition (const char *), written by mdc_sql_expr_write
 *       (compiler/sql_guard.h) for d: "(expr)", line breaks outside its quoted strings
 *       written as spaces
 *   %s  trusted text written as is (keywords and text built by these functions only)
 *   %d  int   %u  unsigned   %z  size_t   %%  a percent sign
 */
void mdc_sql_appendf(mdc_buf *b, mdc_dialect d, const char *fmt, ...);

/* A derived object name: "<base>_<suffix>" fitted to 63 bytes (cut at a UTF-8 boundary,
 * with 8 hex digits of the full name's hash when cut). */
const char *mdc_sql_name(mdc_arena *a, const char *base, const char *suffix);

/* ------------------------------------------------------------------ for the dialect writers */

/* A field pair: old NULL = added, new NULL = removed. */
typedef struct mdc_sql_fpair {
    const mdc_field *old, *new_;
} mdc_sql_fpair;

/* A table pair: old NULL = created, new NULL = dropped. */
typedef struct mdc_sql_table {
    const mdc_model *old, *new_;
    mdc_sql_fpair *fields; /* new_'s fields in order, then removed ones */
    size_t nfields;
    bool reserved_drop; /* new_ NULL and the model is in reserved_models */
} mdc_sql_table;

typedef struct mdc_sql_plan {
    mdc_arena *a;
    const mdc_registry *from, *to; /* direction of this file (swapped for --down) */
    const mdc_diff *df;
    const mdc_sql_opts *o;
    mdc_sql_table *tables; /* every changed table; created ones in dependency order */
    size_t ntables;
    const char *from_checksum; /* "" for an empty from-state */
    const char *to_checksum;
    const char *project;
    const char *state_json; /* the to-state (for --down: the from-side base state) */
    const char *operations_json;
} mdc_sql_plan;

/* Names of the objects a model's definition makes (both dialects use the same names). */
const char *mdc_sql_pkey_name(mdc_arena *a, const mdc_model *m);
const char *mdc_sql_unique_name(mdc_arena *a, const mdc_model *m, const char *const *cols, size_t n);
const char *mdc_sql_fkey_name(mdc_arena *a, const mdc_model *m, const mdc_field *f);
const char *mdc_sql_enum_check_name(mdc_arena *a, const mdc_model *m, const mdc_field *f);
const char *mdc_sql_check_name(mdc_arena *a, const mdc_model *m, const mdc_check *k);
const char *mdc_sql_index_name(mdc_arena *a, const mdc_model *m, const mdc_index *ix);

/* PostgreSQL only: the sequence PostgreSQL itself names for identity field f of m, the way
 * it chooses it first (makeObjectName: "<table>_<field>_seq", the longer of the two parts
 * shortened until it fits 63 bytes).  mdc does not write this name: the server picks it,
 * and picks "...seq1" instead when the name is taken at that moment. */
const char *mdc_sql_identity_seq_name(mdc_arena *a, const mdc_model *m, const mdc_field *f);

/* SQLite only: the table a rebuild of m copies the rows into before it takes m's name. */
const char *mdc_sql_rebuild_name(mdc_arena *a, const mdc_model *m);

/* True when field f of m gets a single-column UNIQUE constraint of its own (unique, and not
 * the model's whole primary key, which is unique already). */
bool mdc_sql_field_unique_constraint(const mdc_model *m, const mdc_field *f);

/*
 * Every named object the migrations make for model m, with the names above, for the name
 * checks of validation (compiler/validate.c).  What shares which namespace:
 *   PostgreSQL, per schema:  tables, indexes, sequences, and the index that backs each
 *                            primary key and unique constraint (relation == true)
 *   PostgreSQL, per table:   constraint names (constraint == true)
 *   SQLite, per database:    tables and indexes, compared without ASCII case (lite == true)
 * With MDC_SQL_OBJS_KEYS, foreign keys, enum checks and checks are left out.  Their names
 * ("<table>_<field>_fkey", "<table>_<field>_check", a check's) are only in the constraint
 * namespace of their table, where the generated ones cannot meet each other or a key's
 * ("_pkey", "_key"): only a check can clash with them, so a model without checks has no
 * need of them.
 * Fields without a name (not loaded) make nothing.  Writes the objects to out[0..cap) and
 * returns their number; when cap may be too small, writes nothing and returns the room it
 * needs (more than cap: call again with that).  The names are arena-owned.
 */
typedef enum mdc_sql_obj_kind {
    MDC_SQL_OBJ_TABLE,
    MDC_SQL_OBJ_PKEY,
    MDC_SQL_OBJ_UNIQUE,     /* field set: a field's own; else unique */
    MDC_SQL_OBJ_INDEX,
    MDC_SQL_OBJ_SEQUENCE,   /* PostgreSQL's sequence of an identity field */
    MDC_SQL_OBJ_FKEY,
    MDC_SQL_OBJ_ENUM_CHECK,
    MDC_SQL_OBJ_CHECK,
    MDC_SQL_OBJ_REBUILD     /* SQLite's rebuild table */
} mdc_sql_obj_kind;

typedef struct mdc_sql_object {
    mdc_sql_obj_kind kind;
    const char *name;
    bool relation, constraint, lite;
    const mdc_field *field;   /* UNIQUE (single column), SEQUENCE, FKEY, ENUM_CHECK */
    const mdc_unique *unique; /* UNIQUE (multi-column) */
    const mdc_index *index;   /* INDEX */
    const mdc_check *check;   /* CHECK */
} mdc_sql_object;

#define MDC_SQL_OBJS_ALL 0u
#define MDC_SQL_OBJS_KEYS 1u

size_t mdc_sql_model_objects(mdc_arena *a, const mdc_model *m, unsigned what, mdc_sql_object *out, size_t cap);

/* The names of the objects every migration of dialect d makes or uses for mdc itself,
 * whatever the models say (dataflow_migrations, ...); NULL-terminated. */
const char *const *mdc_sql_own_names(mdc_dialect d);

/* The model a field references, in registry r (NULL when unresolved). */
const mdc_model *mdc_sql_ref_model(const mdc_registry *r, const mdc_field *f);
const char *mdc_sql_ref_column(const mdc_registry *r, const mdc_field *f);

/* The header comment lines shared by both dialects. */
void mdc_sql_header(mdc_buf *b, const mdc_sql_plan *p);

/* Builds the plan (sql_common.c); the writers (sql_pg.c, sql_sqlite.c) emit it. */
int mdc_sql_plan_build(mdc_sql_plan *p, mdc_arena *a, const mdc_registry *base,
                       const mdc_registry *head, const mdc_diff *df, const mdc_sql_opts *o,
                       mdc_error *err);
int mdc_sql_emit_pg(mdc_buf *out, const mdc_sql_plan *p, mdc_error *err);
int mdc_sql_emit_sqlite(mdc_buf *out, const mdc_sql_plan *p, mdc_error *err);

/* The DEFAULT expression of a field in a dialect (without the DEFAULT keyword); false when
 * the field has none there (no default, identity, or a custom expression for the other
 * dialect only). */
bool mdc_sql_default(mdc_buf *b, mdc_arena *a, const mdc_field *f, mdc_dialect d);

/* The model `m` of the from-side is called in the to-side (through renames), or NULL. */
const mdc_model *mdc_sql_paired(const mdc_sql_plan *p, const mdc_model *from_model);

/* The to-side name of a from-side column of from_model (through field renames), or NULL. */
const char *mdc_sql_paired_column(const mdc_sql_plan *p, const mdc_model *from_model, const char *col);

/* Literal/default helpers shared by the writers. */
bool mdc_sql_field_equal_shape(const mdc_field *a, const mdc_field *b); /* same column, same constraints */

/*
 * The `version` recorded in dataflow_migrations: the registry semver with the project as
 * semver build metadata ("1.4.0+shop"; characters outside [0-9A-Za-z-] become '-').  The
 * column is the table's primary key and several projects may share one database: build
 * metadata keeps the value unique per project without changing its semver precedence.
 * Returns buf->ptr.
 */
const char *mdc_sql_record_version(mdc_buf *buf, const char *version, const char *project);

/*
 * SPEC 6.3: a narrowing or incompatible type change fails when a stored value does not fit
 * the new type.  Writes an SQL condition that is true for a value of column `col` (the
 * column's name where the condition runs: the new name on PostgreSQL, where renames come
 * first; the old one in an SQLite rebuild, which reads the old table) that would be
 * truncated, rounded or mangled by the conversion from of's type to nf's, and returns true;
 * returns false when the conversion either keeps every value or already fails by itself on
 * the database (e.g. PostgreSQL's 'abc'::int).
 */
bool mdc_sql_misfit(mdc_buf *b, const char *col, const mdc_field *of, const mdc_field *nf, mdc_dialect d);

/*
 * Type changes and the values they leave (issue 16): a migration must leave the same values
 * in a PostgreSQL and an SQLite database.  Returns NULL when the change from `from` to `to`
 * converts every value to the same text or number on both dialects (or makes both refuse
 * the same values), else why it cannot; the risk gate refuses such a change when the
 * project writes migrations for both dialects.  The table of conversions is in
 * sql_common.c above this function.
 */
const char *mdc_sql_type_change_refusal(const mdc_type *from, const mdc_type *to);

/*
 * The expression that converts column `col` (named as for mdc_sql_misfit) from of's type to
 * nf's: PostgreSQL's `ALTER COLUMN ... TYPE T USING <expr>`, the value copied by an SQLite
 * rebuild.  For an unchanged SQLite column type the column itself.  `a` holds the
 * PostgreSQL type's spelling; SQLite needs none (a may be NULL).
 */
void mdc_sql_convert(mdc_buf *b, mdc_arena *a, const char *col, const mdc_field *of, const mdc_field *nf,
                     mdc_dialect d);

#endif
