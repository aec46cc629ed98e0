/*
 * json_read.h - a strict JSON reader (RFC 8259) into mdc_value trees (model/defs.h).
 *
 * Used for the registry states that migration files record (compiler/canon_read.h): text
 * that comes from a file anyone can edit, so it is treated as untrusted.  Strict means:
 * exactly one value with optional whitespace around it, no comments, no trailing commas,
 * no NaN/Infinity, no leading zeros, valid UTF-8 only (no overlongs, no surrogates, nothing
 * above U+10FFFF), escapes as RFC 8259 lists them with surrogate pairs combined (a lone
 * surrogate escape is an error), duplicate object keys rejected.
 *
 * Result values:
 *   null, true/false      MDC_V_NULL, MDC_V_BOOL
 *   numbers               MDC_V_INT when written without fraction or exponent and within
 *                         int64; otherwise MDC_V_FLOAT (an error when it overflows a double)
 *   strings               MDC_V_STRING, s NUL-terminated, len bytes (may hold U+0000)
 *   arrays                MDC_V_SEQ
 *   objects               MDC_V_MAP, members sorted by key in RFC 8785 order
 *                         (mdc_json_keycmp); keys holding U+0000 are rejected
 *
 * Everything is allocated in the given arena.  The reader never reads outside
 * [text, text + len) and needs no NUL terminator; recursion is bounded by max_depth.
 */
#ifndef MDC_JSON_READ_H
#define MDC_JSON_READ_H

#include <stddef.h>

#include "../model/arena.h"
#include "../model/defs.h"

#define MDC_JSON_READ_OPTS_VERSION 1

typedef struct mdc_json_read_opts {
    unsigned version;  /* MDC_JSON_READ_OPTS_VERSION */
    size_t max_depth;  /* nesting of arrays and objects; 0 = 128 */
    size_t max_bytes;  /* input size; 0 = 256 MiB */
    size_t max_values; /* values in the whole text; 0 = 16 Mi */
} mdc_json_read_opts;

#define MDC_JSON_READ_OPTS_INIT {MDC_JSON_READ_OPTS_VERSION, 0, 0, 0}

typedef struct mdc_json_read_error {
    size_t offset; /* byte offset of the problem in the input */
    char msg[160];
} mdc_json_read_error;

/*
 * Parses text[0, len) as one JSON value.  Returns the value (arena-owned), or NULL with
 * err->offset and err->msg set.  opts may be NULL (defaults); err may be NULL.
 */
mdc_value *mdc_json_parse(mdc_arena *a, const char *text, size_t len,
                          const mdc_json_read_opts *opts, mdc_json_read_error *err);

/* Lookups on a parsed MAP (binary search; NULL when absent or v is not a MAP). */
const mdc_value *mdc_json_get(const mdc_value *map, const char *key);

#endif
