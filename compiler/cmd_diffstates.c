/*
 * diffstates.c - compile two states and diff them; see diffstates.h.
 */
#include "diffstates.h"

#include <stdio.h>
#include <string.h>

#include "../emit/report.h"
#include "cmd.h"

const char *mdc_state_side_label(const mdc_state_side *s)
{
    switch (s->kind) {
    case MDC_STATE_WORKTREE:
        return "working tree";
    case MDC_STATE_INDEX:
        return "index";
    case MDC_STATE_REV:
        return s->rev;
    }
    return "?";
}

static int compile_side(mdc_diff_states *ds, const mdc_state_side *s, const mdc_compilation *share,
                        mdc_compilation **out)
{
    mdc_error err = {{0}};
    mdc_compile_opts o = {s->kind, s->rev, 0, share};
    if (mdc_compile(out, ds->repo, &o, &err) < 0) return mdc_fail("%s", err.msg);
    return 0;
}

static int open_states(mdc_diff_states *ds, const char *dir, const mdc_state_side *base,
                       const mdc_state_side *head)
{
    memset(ds, 0, sizeof *ds);
    mdc_error err = {{0}};
    if (mdc_repo_open(&ds->repo, dir, &err) < 0) return mdc_fail("%s", err.msg);
    ds->arena = mdc_arena_new();
    mdc_diags_init(&ds->diags, ds->arena);
    ds->base_label = mdc_state_side_label(base);
    ds->head_label = mdc_state_side_label(head);

    int rc = compile_side(ds, base, NULL, &ds->base);
    if (rc) return rc;
    if (!ds->base->has_project) {
        ds->base_reg = mdc_new(ds->arena, mdc_registry); /* before mdc: nothing */
    } else if (ds->base->diags.errors) {
        mdc_buf out = MDC_BUF_INIT;
        mdc_report_opts ro = {false, mdc_repo_prefix(ds->repo), MDC_VERSION};
        mdc_report_diags(&out, MDC_FORMAT_TEXT, &ds->base->diags, &ro);
        fprintf(stderr, "mdc: the base (%s) does not compile; compare against another revision\n%s",
                ds->base_label, out.ptr ? out.ptr : "");
        mdc_buf_free(&out);
        return 2;
    } else {
        ds->base_reg = ds->base->reg;
    }

    rc = compile_side(ds, head, ds->base, &ds->head);
    if (rc) return rc;
    if (ds->head->diags.errors == 0)
        ds->diff = mdc_diff_registries(ds->arena, ds->base_reg, ds->head->reg, &ds->diags);
    mdc_diags_sort(&ds->diags);
    return 0;
}

/* On failure everything opened so far is released: the caller has nothing to close. */
int mdc_diff_states_open(mdc_diff_states *ds, const char *dir, const mdc_state_side *base,
                         const mdc_state_side *head)
{
    int rc = open_states(ds, dir, base, head);
    if (rc) mdc_diff_states_close(ds);
    return rc;
}

void mdc_diff_states_close(mdc_diff_states *ds)
{
    /* head shares documents of base: free head first */
    mdc_compilation_free(ds->head);
    mdc_compilation_free(ds->base);
    mdc_diags_release(&ds->diags);
    mdc_arena_free(ds->arena);
    mdc_repo_free(ds->repo);
    memset(ds, 0, sizeof *ds);
}
