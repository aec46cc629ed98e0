/*
 * canon_read.h - reading canonical JSON (docs/canonical-form.md) back into definitions.
 *
 * A migration file records the complete registry state it leads to (SPEC 6.1), so that
 * the next `mdc migrate` can diff that state against the working tree without any git
 * history.  The recorded text is the *registry state JSON*, itself canonical (RFC 8785):
 *
 *   {"checksum":  REGISTRY-CHECKSUM,          32 hex (SPEC 4)
 *    "documents": [DOCUMENT, ...],            canonical JSON of each document, sorted by
 *                                             kind, then name (bytewise)
 *    "format":    1,
 *    "project":   PROJECT}                    canonical JSON of mdc.yaml
 *
 * Reading is strict: every key of the canonical layout must be present, no other key may
 * be, and every value must have its documented type; raw SQL (check expressions, index
 * predicates, custom default expressions) must pass the loader's single-expression guard.
 * After reading, the checksums are recomputed from the definitions (mdc_canon_registry)
 * and must equal the recorded registry checksum: a mismatch means the text was edited
 * (or written by an incompatible mdc) and is an error naming the first document whose
 * canonical text does not read back identically.
 *
 * The definitions read back carry no positions (line 0) and no rename hints; field order
 * is the canonical (sorted) order, since positions are not part of the canonical form.
 */
#ifndef MDC_CANON_READ_H
#define MDC_CANON_READ_H

#include <stddef.h>

#include "../model/arena.h"
#include "../model/buf.h"
#include "../model/defs.h"
#include "../model/error.h"

#define MDC_STATE_FORMAT 1

/* Appends the registry state JSON of reg (canonicalised, with a project) to out. */
void mdc_canon_state_json(mdc_buf *out, const mdc_registry *reg);

/*
 * Reads a registry state JSON text.  path names where it came from (e.g.
 * "migrations/postgres/0003_x.sql"); it becomes every document's path.  Returns 0 with
 * *out (arena-owned, canonicalised: checksums filled in and verified), or -1 with a
 * message in err.
 */
int mdc_canon_read_state(mdc_registry **out, mdc_arena *a, const char *text, size_t len,
                         const char *path, mdc_error *err);

/* One document's canonical JSON, already parsed (json_read.h).  The result is not yet
 * canonicalised and its references are not resolved (mdc_canon_read_state does both). */
int mdc_canon_read_doc(mdc_doc **out, mdc_arena *a, const mdc_value *v, const char *path,
                       mdc_error *err);

/* The canonical JSON of mdc.yaml, already parsed. */
int mdc_canon_read_project(mdc_project **out, mdc_arena *a, const mdc_value *v, mdc_error *err);

#endif
