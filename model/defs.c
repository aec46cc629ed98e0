/*
 * defs.c - names of the definition enums, and lookups on a compiled registry.
 */
#include "defs.h"

#include <string.h>

const char *mdc_kind_name(mdc_kind k)
{
    static const char *const n[] = {"contract", "entity", "model", "source"};
    return (unsigned)k < 4 ? n[k] : "?";
}

const char *mdc_fk_action_name(mdc_fk_action a)
{
    static const char *const n[] = {"no_action", "restrict", "cascade", "set_null", "set_default"};
    return (unsigned)a < 5 ? n[a] : "?";
}

const char *mdc_compat_name(mdc_compat c)
{
    static const char *const n[] = {"backward", "forward", "full", "none"};
    return (unsigned)c < 4 ? n[c] : "?";
}

const char *mdc_risk_name(mdc_risk r)
{
    static const char *const n[] = {"LOW", "MEDIUM", "HIGH", "CRITICAL"};
    return (unsigned)r < 4 ? n[r] : "?";
}

const char *mdc_bump_name(mdc_bump b)
{
    static const char *const n[] = {"none", "patch", "minor", "major"};
    return (unsigned)b < 4 ? n[b] : "?";
}

const char *mdc_default_expr_name(mdc_default_expr e)
{
    static const char *const n[] = {"", "now", "current_date", "uuid", "custom"};
    return (unsigned)e < 5 ? n[e] : "?";
}

/* A partly loaded document may have no name: it sorts as "". */
static const char *name_or_empty(const char *s)
{
    return s ? s : "";
}

static int cmp_key(mdc_kind k, const char *name, const mdc_doc *d)
{
    if (k != d->kind) return k < d->kind ? -1 : 1;
    return strcmp(name_or_empty(name), name_or_empty(d->name));
}

mdc_doc *mdc_registry_find(const mdc_registry *r, mdc_kind kind, const char *name)
{
    size_t lo = 0, hi = r->ndocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(kind, name, r->docs[mid]);
        if (c == 0) return r->docs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const mdc_model *mdc_registry_model(const mdc_registry *r, const char *name)
{
    mdc_doc *d = mdc_registry_find(r, MDC_KIND_MODEL, name);
    return d ? d->body : NULL;
}

const mdc_field *mdc_model_field(const mdc_model *m, const char *name)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].name && name && strcmp(m->fields[i].name, name) == 0) return &m->fields[i];
    return NULL;
}
