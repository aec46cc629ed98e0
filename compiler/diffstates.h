/*
 * diffstates.h - "compile two states and diff them", shared by the commands that compare
 * (diff, bump, migrate --check).  The head compilation shares the base's documents from
 * identical blobs.
 */
#ifndef MDC_DIFFSTATES_H
#define MDC_DIFFSTATES_H

#include "compile.h"
#include "diff.h"

typedef struct mdc_state_side {
    mdc_state_kind kind;
    const char *rev; /* MDC_STATE_REV */
} mdc_state_side;

typedef struct mdc_diff_states {
    mdc_repo *repo;
    mdc_compilation *base, *head;
    const mdc_registry *base_reg; /* base->reg, or an empty registry when the base has no mdc.yaml */
    mdc_arena *arena;
    mdc_diags diags; /* diff diagnostics (REMOVAL_NOT_RESERVED, VERSION_*, ...) */
    mdc_diff *diff;  /* NULL when the head has errors */
    const char *base_label, *head_label;
} mdc_diff_states;

/*
 * Opens the repository (dir: -C, or NULL), compiles both sides and diffs them.  Returns 0,
 * or an exit status (2) after printing why it cannot run: bad revision, or a base that does
 * not compile.  Head errors are not a failure here: ds->head->diags has them, ds->diff is NULL.
 * On failure everything is released (there is nothing to close).
 */
int mdc_diff_states_open(mdc_diff_states *ds, const char *dir, const mdc_state_side *base,
                         const mdc_state_side *head);
void mdc_diff_states_close(mdc_diff_states *ds);

const char *mdc_state_side_label(const mdc_state_side *s);

#endif
