/*
 * load.h - from YAML trees to definitions (SPEC 3), with every per-document check of
 * SPEC 3.4 reported at the position of the offending node.
 *
 *   mdc_load_project():  the mdc.yaml document -> mdc_project (defaults made explicit)
 *   mdc_load_document(): one `kind: ...` document -> mdc_doc (model, source, entity,
 *                        contract); NULL when the document is unusable (no/unknown kind)
 *   mdc_validate():      cross-document checks on the whole registry: DUPLICATE_MODEL,
 *                        DUPLICATE_TABLE, UNKNOWN_REFERENCE, REFERENCE_TYPE_MISMATCH,
 *                        REFERENCE_NOT_UNIQUE, contract and entity targets,
 *                        CONTRACT_TYPE_MISMATCH, RENAME_CONFLICT,
 *                        DUPLICATE_OBJECT_NAME; also resolves references
 *                        (ref_target, ref_target_field, default ref_field).
 *
 * Loading never stops at the first problem: a document with errors still yields as much
 * of its definition as could be read, so that later checks can run on it.
 */
#ifndef MDC_LOAD_H
#define MDC_LOAD_H

#include "../model/defs.h"
#include "../model/diag.h"
#include "yaml.h"

/* root may be NULL (an empty or unparsable mdc.yaml): the project then has the defaults and
 * nothing is reported (the caller reports why there is no root).  Always returns a project. */
mdc_project *mdc_load_project(mdc_arena *a, const char *path, const mdc_ynode *root,
                              mdc_diags *d);

mdc_doc *mdc_load_document(mdc_arena *a, const mdc_project *p, const char *path,
                           const mdc_ydoc *yd, mdc_diags *d);

/* reg->docs must be sorted by (kind, name); duplicates are adjacent and reported here
 * (the later one by path/position is the duplicate, with a "first defined here" note). */
void mdc_validate(mdc_arena *a, mdc_registry *reg, mdc_diags *d);

/*
 * The cross-document checks of a registry that differs from one without errors only in
 * the models of `check` (new, changed, or referring to one that changed), with no
 * duplicate name, no table that may collide and no source changed (the caller knows):
 * checks those models and every entity and contract.  True when reg then has no
 * cross-document error; false when one was found (nothing is reported: the caller runs
 * mdc_validate for the diagnostics).  Costs the checked documents, not the registry.
 */
bool mdc_validate_step(mdc_arena *a, mdc_registry *reg, mdc_doc *const *check, size_t ncheck);

/* Default table name: snake_case(name) with the last word pluralised (SPEC 3.1):
 * User->users, ProjectFile->project_files, Category->categories, Address->addresses,
 * Person->people.  Names longer than 63 bytes are fitted as DataFlow does. */
const char *mdc_default_table(mdc_arena *a, const char *model_name);

/* Parses "1.4.0" / "0.3.1-rc.1"; false when not semver. */
bool mdc_semver_parse(mdc_arena *a, const char *s, mdc_semver *out);

#endif
