/*
 * json.h - libmdc's small JSON reader, for full verification (verify.c) of the canonical
 * JSON stored in a snapshot.  The input is hostile: it is bounded (MDCR_JSON_MAX_DEPTH
 * levels, MDCR_JSON_MAX_BYTES bytes), never recursive beyond that depth, and every
 * failure is a return code, never a crash.
 *
 * The result is a flat array of nodes in document order.  Each node knows its byte range
 * in the input (so a value's exact canonical text can be compared without writing JSON
 * again), its first child and next sibling, and for an object member its decoded key.
 * Strings are decoded (escapes to UTF-8); a decoded string never holds a NUL byte
 * (\u0000 is refused), so it can be used as a C string.
 */
#ifndef MDCR_JSON_H
#define MDCR_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define MDCR_JSON_MAX_DEPTH 256
#define MDCR_JSON_MAX_BYTES ((size_t)1 << 30)

typedef enum mdcr_jtype {
    MDCR_J_NULL,
    MDCR_J_FALSE,
    MDCR_J_TRUE,
    MDCR_J_NUMBER,
    MDCR_J_STRING,
    MDCR_J_ARRAY,
    MDCR_J_OBJECT
} mdcr_jtype;

typedef struct mdcr_jnode {
    mdcr_jtype type;
    size_t start, end;  /* the value's bytes: input[start, end) */
    size_t key_start;   /* object member: the offset of its key's opening quote */
    size_t child, next; /* first child / next sibling: node index, 0 = none */
    size_t nchildren;
    size_t key;         /* object member: offset of its decoded key in strings, else SIZE_MAX */
    size_t str;         /* string: offset of the decoded text in strings, else SIZE_MAX */
} mdcr_jnode;

/* A parsed document; reuse one across calls to keep its buffers. */
typedef struct mdcr_json {
    const char *text;
    size_t len;
    mdcr_jnode *nodes; /* nodes[0] is the root */
    size_t nnodes, cap;
    char *strings; /* NUL-terminated decoded strings */
    size_t slen, scap;
    size_t depth;
    const char *error; /* static text of the first failure */
    size_t error_at;
} mdcr_json;

/*
 * Parses text[0, len) (one value, nothing but whitespace around it).  Returns 0, or -1 with
 * j->error / j->error_at set (MDCR_JSON_NOMEM as the error when memory ran out).
 */
int mdcr_json_parse(mdcr_json *j, const char *text, size_t len);
void mdcr_json_free(mdcr_json *j);

extern const char MDCR_JSON_NOMEM[];

/* The member `key` of object node `obj`, or NULL (also when obj is not an object). */
const mdcr_jnode *mdcr_json_get(const mdcr_json *j, const mdcr_jnode *obj, const char *key);
/* The first child / the next sibling, or NULL. */
const mdcr_jnode *mdcr_json_child(const mdcr_json *j, const mdcr_jnode *n);
const mdcr_jnode *mdcr_json_next(const mdcr_json *j, const mdcr_jnode *n);
/* The decoded string of a string node (NULL for any other type). */
const char *mdcr_json_str(const mdcr_json *j, const mdcr_jnode *n);
/* The decoded key of an object member. */
const char *mdcr_json_key(const mdcr_json *j, const mdcr_jnode *n);

#endif
