/*
 * canon.h - canonical form and checksums (SPEC 4).
 *
 * The canonical form of a document is its normalised definition as RFC 8785 JSON.
 * checksum = XXH3-128 of those bytes as 32 lowercase hex digits (big-endian, as
 * `xxhsum -H2` prints).  structure_checksum covers only what reaches the database.
 * The registry checksum covers the sorted "kind/name checksum" lines and the canonical
 * mdc.yaml.  The exact JSON layout is documented in README.md ("Canonical form").
 */
#ifndef MDC_CANON_H
#define MDC_CANON_H

#include <stddef.h>

#include "../model/arena.h"
#include "../model/defs.h"

void mdc_xxh128_hex(const void *data, size_t len, char out[33]);

/* Fills d->canonical_json, d->structure_json, d->checksum, d->structure_checksum. */
void mdc_canon_doc(mdc_arena *a, mdc_doc *d);

/* Fills p->canonical_json. */
void mdc_canon_project(mdc_arena *a, mdc_project *p);

/* Canonicalises the project and every document, then fills reg->checksum. */
void mdc_canon_registry(mdc_arena *a, mdc_registry *reg);

/* The same in two steps, for a registry made mostly of documents canonical already:
 * mdc_canon_project and mdc_canon_doc for the project and the documents that are not;
 * then mdc_registry_checksum_lines fills reg->checksum from every document's line
 * (mdc_registry_line: "KIND/NAME CHECKSUM\n"), given in registry order.  It returns
 * false, writing nothing, when that order is not the bytewise order of the lines (then
 * call mdc_canon_registry). */
typedef struct mdc_reg_line {
    const char *text;
    uint32_t len;
} mdc_reg_line;
mdc_reg_line mdc_registry_line(mdc_arena *a, const mdc_doc *d);
bool mdc_registry_checksum_lines(mdc_registry *reg, const mdc_reg_line *lines);

#endif
