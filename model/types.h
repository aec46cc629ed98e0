/*
 * types.h - the type system of SPEC 3.2: parsing a written type ("varchar(320)",
 * "decimal(12, 2)", "enum(a, b)", "int[]", "string?"), its canonical spelling, the
 * PostgreSQL and SQLite column types, and the widening relation used by the diff.
 */
#ifndef MDC_TYPES_H
#define MDC_TYPES_H

#include <stdbool.h>

#include "arena.h"
#include "defs.h"

typedef enum mdc_type_error {
    MDC_TYPE_OK = 0,
    MDC_TYPE_UNKNOWN,  /* UNKNOWN_TYPE: the name is not a type or alias */
    MDC_TYPE_BAD_ARGS  /* BAD_TYPE_ARGS: wrong arguments for a known type */
} mdc_type_error;

/*
 * Parses the text of a `type:` value (or the shorthand field value).  A trailing '?' is
 * accepted only when allow_nullable_suffix is set, and reported through *nullable.
 * On error, *msg is an arena string explaining the problem and, for UNKNOWN_TYPE,
 * *suggest is the closest known type name (or NULL).
 */
mdc_type_error mdc_type_parse(mdc_arena *a, const char *text, bool allow_nullable_suffix,
                              mdc_type *out, bool *nullable, const char **msg,
                              const char **suggest);

/* Canonical spelling: "int32", "string(320)", "decimal(12,2)", "enum(a,b)", "uuid[]". */
const char *mdc_type_canonical(mdc_arena *a, const mdc_type *t);

/* Column types: "VARCHAR(320)", "NUMERIC(12,2)", "UUID[]" / "TEXT", "INTEGER", ... */
const char *mdc_type_pg(mdc_arena *a, const mdc_type *t);
const char *mdc_type_sqlite(const mdc_type *t);

bool mdc_type_equal(const mdc_type *a, const mdc_type *b);

/* True when every value of `from` is a value of `to` per the widening column of 3.2
 * (and from != to). */
bool mdc_type_widens(const mdc_type *from, const mdc_type *to);

/* True when `to` accepts a strict subset of `from`'s values in the same family
 * (int64->int32, string->string(n), fewer enum values, smaller decimal, float64->float32). */
bool mdc_type_narrows(const mdc_type *from, const mdc_type *to);

bool mdc_type_is_integer(const mdc_type *t); /* int16/32/64, not arrays */

/* Every accepted type name and alias, for "did you mean". */
extern const char *const mdc_type_names[];
extern const size_t mdc_type_names_count;

#endif
