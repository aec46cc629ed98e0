/*
 * load_util.h - helpers shared by the loaders (load_project.c, load_doc.c, load_model.c,
 * load_meta.c): the small vocabulary in which every per-document check of SPEC 3.4 is
 * written.
 *
 *   shape:    expect a mapping / sequence / string / boolean / one-of-a-list; a wrong
 *             shape is BAD_VALUE at the node ("`nullable` must be a boolean (true or
 *             false), got a string")
 *   keys:     allowed keys (UNKNOWN_KEY at the key, "did you mean" note) and required
 *             keys (MISSING_KEY at the mapping)
 *   names:    the name rules of SPEC 2/3 (BAD_NAME on a pattern mismatch, NAME_TOO_LONG
 *             over 63 bytes)
 *   version:  a `version:` scalar -> mdc_semver, its position and the byte span that
 *             `mdc bump` replaces
 *   values:   a YAML node -> mdc_value by the YAML 1.2 core schema (maps sorted by key in
 *             RFC 8785 order)
 *   raw SQL:  the guard of sql_guard.h applied to a node (one SQL expression only, for
 *             every reader it is meant for), and a scanner for the column names an
 *             expression uses (UNKNOWN_FIELD in checks and index predicates)
 *   rules:    the rule catalog of SPEC 5.2 by name (for `rules:` in mdc.yaml)
 *
 * Every helper tolerates NULL nodes and wrong node kinds: loading never crashes and never
 * stops at the first problem.  Nothing here keeps state between calls (no globals except
 * const tables), so loaders run in parallel worker threads, each with its own arena.
 *
 * Internal to compiler/; the public entry points are in load.h.
 */
#ifndef MDC_LOAD_UTIL_H
#define MDC_LOAD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/defs.h"
#include "../model/diag.h"
#include "sql_guard.h"
#include "yaml.h"

/* What every loader function carries: where to allocate, where to report, which file. */
typedef struct mdc_lctx {
    mdc_arena *a;
    mdc_diags *d;
    const char *path;           /* repository-relative path of the file (borrowed) */
    const mdc_project *project; /* may be NULL (defaults then apply) */
} mdc_lctx;

/* ------------------------------------------------------------------ reporting */

/* The position of a node; for NULL the start of the file (1:1). */
mdc_loc mdc_lloc(const mdc_lctx *c, const mdc_ynode *n);

/* An error / a warning at node n (NULL: 1:1). */
mdc_diag *mdc_lerr(const mdc_lctx *c, const char *code, const mdc_ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
mdc_diag *mdc_lwarn(const mdc_lctx *c, const char *code, const mdc_ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
mdc_diag *mdc_lerr_at(const mdc_lctx *c, const char *code, mdc_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
mdc_diag *mdc_lwarn_at(const mdc_lctx *c, const char *code, mdc_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds "did you mean `x`?" to dg when word is close to one of the candidates. */
void mdc_lsuggest(const mdc_lctx *c, mdc_diag *dg, const char *word, const char *const *candidates,
                  size_t n);

/* ------------------------------------------------------------------ shape */

/* In the helpers below, `what` names the value in messages, with its backquotes, e.g.
 * "`nullable`" or "`type` of field `email`". */

bool mdc_lexpect_map(const mdc_lctx *c, const mdc_ynode *n, const char *what);
bool mdc_lexpect_seq(const mdc_lctx *c, const mdc_ynode *n, const char *what);

/* A core-schema string (quoted, block, or a plain scalar that is not null/bool/number) of
 * one line: its text, or NULL after BAD_VALUE.  Names, titles, URIs, owners, tags, types,
 * every single-line field: no control character (model/text.h: C0 -- newline and tab
 * included --, DEL, C1, bidi controls, and no NUL from a "\0" escape). */
const char *mdc_lstring(const mdc_lctx *c, const mdc_ynode *n, const char *what);

/* The same for multi-line text (descriptions, raw SQL): newlines and tabs are allowed, the
 * other control characters are not. */
const char *mdc_ltext(const mdc_lctx *c, const mdc_ynode *n, const char *what);

/* A core-schema boolean; false after BAD_VALUE (then *out is left alone). */
bool mdc_lbool(const mdc_lctx *c, const mdc_ynode *n, const char *what, bool *out);

/* One of names[0..count) (exact match): its index, or -1 after BAD_VALUE with a
 * "did you mean" note. */
int mdc_lenum(const mdc_lctx *c, const mdc_ynode *n, const char *what, const char *const *names,
              size_t count);

/* A list of strings.  Returns the strings (arena) and, when nodes is not NULL, the
 * node of each; entries that are not strings are reported and left out.  A single
 * string is NOT accepted as a one-element list (BAD_VALUE).  *count = 0 after errors. */
const char **mdc_lstring_list(const mdc_lctx *c, const mdc_ynode *n, const char *what,
                              size_t *count, const mdc_ynode ***nodes);

/* ------------------------------------------------------------------ keys */

/* Mapping lookup that is safe on NULL and non-mappings. */
const mdc_ynode *mdc_lget(const mdc_ynode *map, const char *key, const mdc_ynode **key_out);

/* UNKNOWN_KEY at every key of map that is not in allowed[0..n), e.g. "unknown key
 * `nulable` in field `email`" + "did you mean `nullable`?".  `where` is the owner as
 * it should read after "in " ("field `email`", "model `User`", "mdc.yaml"). */
void mdc_lcheck_keys(const mdc_lctx *c, const mdc_ynode *map, const char *where,
                     const char *const *allowed, size_t n);

/* The value of a required key, or NULL after MISSING_KEY at the mapping. */
const mdc_ynode *mdc_lrequire(const mdc_lctx *c, const mdc_ynode *map, const char *key,
                              const char *where);

/* ------------------------------------------------------------------ names */

typedef enum mdc_name_rule {
    MDC_NAME_MODEL,   /* ^[A-Z][A-Za-z0-9]{0,62}$   models, entities */
    MDC_NAME_PROJECT, /* ^[a-z][a-z0-9_-]{0,62}$    project, contracts */
    MDC_NAME_SOURCE,  /* ^[a-z][a-z0-9_]{0,62}$     sources */
    MDC_NAME_FIELD,   /* ^[A-Za-z_][A-Za-z0-9_]{0,62}$  fields */
    MDC_NAME_IDENT,   /* ^[A-Za-z_][A-Za-z0-9_]*$, at most 63 bytes: table, schema,
                         index names */
    MDC_NAME_CHECK    /* ^[a-z_][a-z0-9_]*$, at most 63 bytes: check names */
} mdc_name_rule;

#define MDC_NAME_MAX 63

/* The pattern part of a rule (length not checked). */
bool mdc_name_chars_ok(mdc_name_rule r, const char *s);
/* The whole rule: pattern and length. */
bool mdc_name_ok(mdc_name_rule r, const char *s);
/* The rule as a regular expression, for messages. */
const char *mdc_name_regex(mdc_name_rule r);

/* Checks s (the text of node n) against rule r: BAD_NAME when the characters do not
 * match, NAME_TOO_LONG when it has more than 63 bytes (both may be reported).  Returns
 * true when the name is fine. */
bool mdc_lcheck_name(const mdc_lctx *c, const mdc_ynode *n, const char *s, mdc_name_rule r,
                     const char *what);

/* mdc_lstring + mdc_lcheck_name.  Returns the string even when the name is bad (so the
 * definition can still be used), NULL only when n is not a string. */
const char *mdc_lname(const mdc_lctx *c, const mdc_ynode *n, mdc_name_rule r, const char *what);

/* ------------------------------------------------------------------ version */

/*
 * version := SEMVER        (MAJOR.MINOR.PATCH[-prerelease][+build], a string)
 *
 * Fills *v (v->present = true on success; BAD_VALUE otherwise), *loc = the scalar's
 * position, and [*off, *off + *len) = the bytes `mdc bump` must replace to write a new
 * version: for a plain scalar the whole scalar, for a quoted scalar the text between the
 * quotes (so the quotes stay).  A block scalar, or a quoted one with escapes, gets the
 * whole node (writing a plain version there is still valid YAML).
 */
void mdc_lversion(const mdc_lctx *c, const mdc_ynode *n, mdc_semver *v, mdc_loc *loc, uint32_t *off,
                  uint32_t *len);

/* ------------------------------------------------------------------ values */

/* n by the YAML 1.2 core schema (NULL node -> MDC_V_NULL).  Maps are sorted by key with
 * mdc_json_keycmp (RFC 8785 order). */
mdc_value *mdc_lvalue(mdc_arena *a, const mdc_ynode *n);

/* ------------------------------------------------------------------ raw SQL */

/*
 * sql-expression := one expression for every reader it is meant for: the guard of
 *                   sql_guard.h (mdc_sql_guard_for, mdc_sql_guard: both dialects).
 *
 * mdc_lstring + mdc_sql_guard_for: the SQL text, or NULL after BAD_VALUE ("`expr` of check
 * `x` must be a single SQL expression: it contains `;`").  mdc_lsql checks for both
 * dialects (checks, index predicates); mdc_lsql_for for the given readers (the one-dialect
 * texts of a custom default).
 */
const char *mdc_lsql(const mdc_lctx *c, const mdc_ynode *n, const char *what);
const char *mdc_lsql_for(const mdc_lctx *c, const mdc_ynode *n, const char *what, unsigned readers);

/*
 * The column names an expression uses, best effort: bare identifiers that are not SQL
 * keywords, not function names (followed by `(`), not qualified (`t.col`), not type names
 * (after `AS` or `::`), not collation names (after COLLATE), and not inside '...' or
 * "..." quotes.  Unique, in order of first appearance; *out in the arena.
 */
size_t mdc_sql_idents(mdc_arena *a, const char *sql, const char ***out);

/* ------------------------------------------------------------------ misc */

/* The rule names of the catalog in SPEC 5.2, in the table's order. */
const char *const *mdc_rule_names(size_t *n);

/* Sorts v bytewise (strcmp) and removes duplicates; returns the new count.  When locs is
 * not NULL it is permuted alongside (the first location of a duplicate is kept). */
size_t mdc_sort_unique(const char **v, mdc_loc *locs, size_t n);

/* ASCII case-insensitive equality (SQLite column names are case-insensitive). */
bool mdc_lsame_ci(const char *a, const char *b);

/* The keys the loader accepts in one kind of object, for tests that must cover every key
 * (a key added to the loader fails them until it has a case): object "model", "field",
 * "index", "check", "default_expr" (load_model.c); "source", "entity", "contract"
 * (load_meta.c); the project file's top level (load_project.c).  NULL for another name. */
const char *const *mdc_load_model_keys(const char *object, size_t *n);
const char *const *mdc_load_meta_keys(const char *object, size_t *n);
const char *const *mdc_load_project_keys(size_t *n);

/* ------------------------------------------------------------------ kind loaders */

/* The body of each kind (load_model.c, load_meta.c): reads every key of root except the
 * common ones load_doc.c has already read (kind, name, version, description), and checks
 * root's keys against the kind's full list. */
void mdc_load_model_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root);
void mdc_load_source_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root);
void mdc_load_entity_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root);
void mdc_load_contract_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root);

#endif
