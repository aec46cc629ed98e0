/*
 * yaml.h - the YAML front end: bytes -> a tree of nodes with exact positions.
 *
 * Built on libyaml's event API, with a faster reader of the common subset in front of it
 * (yaml_fast.c) that builds the same trees and leaves every other file to libyaml.  On top
 * of libyaml it enforces SPEC 10: UTF-8 only
 * (NOT_UTF8, also for NUL bytes), at most MDC_MAX_FILE bytes (FILE_TOO_LARGE), nesting
 * at most MDC_MAX_DEPTH (YAML_TOO_DEEP), at most MDC_MAX_DOCS documents per file,
 * no anchors or aliases (YAML_ALIAS), no tags (YAML_TAG), no duplicate keys
 * (YAML_DUPLICATE_KEY, with a note pointing at the first one), scalar keys only.
 * libyaml's own errors become YAML_SYNTAX at libyaml's problem position.
 *
 * Positions: libyaml marks count code points; this module maps them to byte offsets
 * and reports 1-based line and 1-based *byte* column (what compilers print).  A UTF-8
 * BOM is skipped.  CRLF counts as one line break.
 *
 * Scalars are untyped text plus their style; the core-schema helpers below give them
 * a type (YAML 1.2 core: only true/false are booleans; yes/on/no are strings; a quoted
 * scalar is always a string).
 */
#ifndef MDC_YAML_H
#define MDC_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/arena.h"
#include "../model/defs.h"
#include "../model/diag.h"

#define MDC_MAX_FILE (16u * 1024 * 1024)
#define MDC_MAX_DEPTH 64
#define MDC_MAX_DOCS 100000

typedef enum mdc_ynode_kind { MDC_Y_SCALAR, MDC_Y_SEQ, MDC_Y_MAP } mdc_ynode_kind;

typedef struct mdc_ynode {
    mdc_ynode_kind kind;
    mdc_loc loc;         /* start of the node (for a scalar: its first character,
                            including the opening quote) */
    uint32_t off, end;   /* byte span [off, end) of the node in the file */
    /* scalar */
    const char *str;     /* decoded value, NUL-terminated */
    size_t len;          /* bytes in str (NUL bytes inside are impossible: rejected) */
    bool plain;          /* plain (unquoted, not block) style: subject to core-schema typing */
    /* sequence / mapping */
    bool flow;
    struct mdc_ynode **items; /* SEQ: n items; MAP: keys at 2i, values at 2i+1 */
    size_t n;                 /* SEQ: items; MAP: pairs */
} mdc_ynode;

typedef struct mdc_ydoc {
    mdc_ynode *root; /* NULL for an empty document */
    mdc_loc loc;     /* the document start */
} mdc_ydoc;

typedef struct mdc_yfile {
    const char *path;
    mdc_ydoc *docs;
    size_t ndocs;
} mdc_yfile;

/*
 * Parses a whole file.  Problems are appended to diags; returns the number of errors
 * added.  Documents parsed before a syntax error are kept (the caller may still check
 * them); the document holding the error is dropped.  Never reads past data[len].
 */
size_t mdc_yaml_parse(mdc_arena *a, const char *path, const char *data, size_t len,
                      mdc_diags *diags, mdc_yfile *out);

/* The same, with the tree (nodes, arrays) in `tree` and the scalar strings and the path in
 * `strings`: loaders keep pointers to strings but not to nodes, so `tree` can be reset as
 * soon as a file's documents are loaded. */
size_t mdc_yaml_parse2(mdc_arena *strings, mdc_arena *tree, const char *path, const char *data,
                       size_t len, mdc_diags *diags, mdc_yfile *out);

/* Which reader parses: AUTO tries the fast reader of the common subset first (yaml_fast.c)
 * and falls back to libyaml for anything else; LIBYAML always uses libyaml.  Both give the
 * same result for every input the fast reader accepts; tests compare them.  used_fast
 * (optional) says whether the fast reader's result was kept. */
typedef enum mdc_yaml_reader { MDC_YAML_AUTO, MDC_YAML_LIBYAML } mdc_yaml_reader;
size_t mdc_yaml_parse_with(mdc_arena *strings, mdc_arena *tree, const char *path, const char *data,
                           size_t len, mdc_diags *diags, mdc_yfile *out, mdc_yaml_reader reader,
                           bool *used_fast);

/* Mapping lookup: the value for key, or NULL.  *key_out (optional) receives the key node. */
const mdc_ynode *mdc_ymap_get(const mdc_ynode *map, const char *key, const mdc_ynode **key_out);

/* ---- YAML 1.2 core schema on scalars ---- */
bool mdc_yscalar_is_null(const mdc_ynode *n);                    /* plain ~, null, Null, NULL, "" */
bool mdc_yscalar_bool(const mdc_ynode *n, bool *out);            /* plain true/True/TRUE/false/.. */
bool mdc_yscalar_int(const mdc_ynode *n, int64_t *out);          /* plain [-+]?[0-9]+, 0o, 0x; in range */
bool mdc_yscalar_float(const mdc_ynode *n, double *out);         /* plain core float or int; finite only */
bool mdc_yscalar_is_number(const mdc_ynode *n);                  /* plain int or float form (any range) */
/* A string in the core schema: quoted or block scalars, or plain ones that are not
 * null, bool, int or float. */
bool mdc_yscalar_is_string(const mdc_ynode *n);

/* Name of a node's kind for messages: "a mapping", "a sequence", "a string", "a number",
 * "a boolean", "null". */
const char *mdc_ynode_describe(const mdc_ynode *n);

#endif
