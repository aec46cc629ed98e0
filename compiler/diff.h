/*
 * diff.h - comparing two registries: rule hits, semver bumps, versions, contracts (SPEC 5).
 *
 *   base registry + head registry
 *     -> match documents by (kind, name); models also through `renamed_from`
 *     -> per matched pair: rule hits of the catalog (SPEC 5.2), with bump and risk after
 *        the project's `rules:` overrides
 *     -> per document: required bump, declared-version check (SPEC 5.3)
 *     -> removals must be reserved (SPEC 5.4); contracts (SPEC 5.5)
 *
 * A change record keeps pointers to the definitions on both sides so that the SQL
 * emitters can turn it into DDL without diffing again.
 */
#ifndef MDC_DIFF_H
#define MDC_DIFF_H

#include "../model/defs.h"
#include "../model/diag.h"

/* One entry of the rule catalog of SPEC 5.2 (defaults, before overrides). */
typedef struct mdc_rule_info {
    const char *rule;
    mdc_bump bump;
    mdc_risk risk;
    bool data_loss;
    bool data_dependent;
    const char *summary; /* one line, for SARIF rule metadata and --help */
} mdc_rule_info;

const mdc_rule_info *mdc_rule_lookup(const char *rule);
const mdc_rule_info *mdc_rules(size_t *n); /* sorted by rule name */

typedef struct mdc_change {
    const char *rule;
    const char *field; /* head-side field name (old name for removals); NULL: document level */
    mdc_bump bump;
    mdc_risk risk;
    bool data_loss, data_dependent;
    const char *message;
    mdc_loc loc; /* the YAML node on the head side (base side for removals) */
    const char **consumers; /* consumers of contracts pinning this field (sorted, unique) */
    size_t nconsumers;
    /* what changed, for the SQL emitters (any may be NULL) */
    const mdc_field *old_field, *new_field;
    const mdc_index *old_index, *new_index;
    const mdc_check *old_check, *new_check;
    const mdc_unique *old_unique, *new_unique;
} mdc_change;

typedef struct mdc_doc_diff {
    mdc_kind kind;
    const char *name;      /* head-side name (base-side name for removals) */
    const mdc_doc *base;   /* NULL: added */
    const mdc_doc *head;   /* NULL: removed */
    mdc_bump bump;         /* required: largest bump among the changes */
    mdc_semver from, to;   /* declared versions on both sides (present=false when none) */
    mdc_semver required;   /* smallest sufficient version (present when from is present
                              and bump != NONE) */
    mdc_change **changes;  /* sorted by rule, then field */
    size_t nchanges;
} mdc_doc_diff;

typedef struct mdc_diff {
    mdc_doc_diff **docs; /* only documents with changes; sorted by kind, then name */
    size_t ndocs;
    mdc_bump bump;       /* the registry's required bump */
    mdc_semver registry_from, registry_to, registry_required;
} mdc_diff;

/*
 * Compares two compiled registries (both canonicalised).  Diff errors (REMOVAL_NOT_RESERVED,
 * CONTRACT_BROKEN, VERSION_*) and LOOKS_LIKE_RENAME warnings are added to diags at head-side
 * positions.  base may be an empty registry (no project) for a first commit.
 */
mdc_diff *mdc_diff_registries(mdc_arena *a, const mdc_registry *base, const mdc_registry *head,
                              mdc_diags *diags);

/* The smallest version that moves `from` by `bump` (Cargo convention below 1.0.0:
 * a breaking change moves the minor digit, anything else the patch digit). */
mdc_semver mdc_semver_next(mdc_semver from, mdc_bump bump);
int mdc_semver_cmp(const mdc_semver *a, const mdc_semver *b); /* semver precedence */
const char *mdc_semver_str(mdc_arena *a, const mdc_semver *v); /* "1.4.0", "0.3.0-rc.1" */

#endif
