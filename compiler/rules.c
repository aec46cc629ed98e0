/*
 * rules.c - the rule catalog of SPEC 5.2 (defaults before `rules:` overrides) and semver
 * arithmetic (SPEC 5.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

/* Sorted by rule name (bsearch). */
static const mdc_rule_info catalog[] = {
    {"CHECK_ADDED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, true,
     "a check constraint was added; existing rows may violate it"},
    {"CHECK_CHANGED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, true,
     "a check constraint's expression changed; existing rows may violate it"},
    {"CHECK_REMOVED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a check constraint was removed"},
    {"CONTRACT_ADDED", MDC_BUMP_PATCH, MDC_RISK_LOW, false, false, "a contract was added"},
    {"CONTRACT_CHANGED", MDC_BUMP_PATCH, MDC_RISK_LOW, false, false, "a contract was changed"},
    {"CONTRACT_REMOVED", MDC_BUMP_PATCH, MDC_RISK_LOW, false, false, "a contract was removed"},
    {"DOC_CHANGED", MDC_BUMP_PATCH, MDC_RISK_LOW, false, false,
     "documentation changed: description, owner, tags or meta"},
    {"ENTITY_ADDED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "an ontology entity was added"},
    {"ENTITY_MAPPING_CHANGED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false,
     "an entity maps to other tables (major when a target was dropped)"},
    {"ENTITY_REMOVED", MDC_BUMP_MAJOR, MDC_RISK_LOW, false, false, "an ontology entity was removed"},
    {"ENUM_VALUE_ADDED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "an enum gained a value"},
    {"ENUM_VALUE_REMOVED", MDC_BUMP_MAJOR, MDC_RISK_HIGH, false, true,
     "an enum lost a value; rows holding it fail the new check"},
    {"FIELD_ADDED_NULLABLE", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a nullable field was added"},
    {"FIELD_ADDED_REQUIRED", MDC_BUMP_MAJOR, MDC_RISK_HIGH, false, true,
     "a NOT NULL field without a default was added: fails on a non-empty table"},
    {"FIELD_ADDED_WITH_DEFAULT", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false,
     "a field with a default was added (MEDIUM for volatile defaults: table rewrite)"},
    {"FIELD_DEFAULT_ADDED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a field got a default"},
    {"FIELD_DEFAULT_CHANGED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a field's default changed"},
    {"FIELD_DEFAULT_REMOVED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false,
     "a field lost its default (major when the field is NOT NULL)"},
    {"FIELD_MADE_NULLABLE", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a field became nullable"},
    {"FIELD_MADE_REQUIRED", MDC_BUMP_MAJOR, MDC_RISK_HIGH, false, true,
     "a field became NOT NULL; existing NULLs make the migration fail"},
    {"FIELD_REMOVED", MDC_BUMP_MAJOR, MDC_RISK_CRITICAL, true, false,
     "a field was removed: its data is lost"},
    {"FIELD_RENAMED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, false,
     "a field was renamed (renamed_from): data is kept"},
    {"FIELD_TYPE_CHANGED", MDC_BUMP_MAJOR, MDC_RISK_HIGH, false, true,
     "a field's type changed incompatibly: needs a cast that may fail"},
    {"FIELD_TYPE_NARROWED", MDC_BUMP_MAJOR, MDC_RISK_HIGH, false, true,
     "a field's type was narrowed: values that do not fit make the migration fail"},
    {"FIELD_TYPE_WIDENED", MDC_BUMP_MINOR, MDC_RISK_MEDIUM, false, false,
     "a field's type was widened (SPEC 3.2)"},
    {"FOREIGN_KEY_ACTION_CHANGED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, false,
     "on_delete / on_update changed (HIGH when it becomes cascade)"},
    {"FOREIGN_KEY_ADDED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, true,
     "a foreign key was added; existing rows may violate it"},
    {"FOREIGN_KEY_REMOVED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a foreign key was removed"},
    {"INDEX_ADDED", MDC_BUMP_PATCH, MDC_RISK_MEDIUM, false, false,
     "an index was added; building it locks the table"},
    {"INDEX_CHANGED", MDC_BUMP_PATCH, MDC_RISK_MEDIUM, false, false,
     "an index changed; rebuilding it locks the table"},
    {"INDEX_REMOVED", MDC_BUMP_PATCH, MDC_RISK_LOW, false, false, "an index was removed"},
    {"MODEL_ADDED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a model was added"},
    {"MODEL_REMOVED", MDC_BUMP_MAJOR, MDC_RISK_CRITICAL, true, false,
     "a model was removed: its table and data are dropped"},
    {"MODEL_RENAMED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, false,
     "a model was renamed (renamed_from): data is kept"},
    {"PRIMARY_KEY_CHANGED", MDC_BUMP_MAJOR, MDC_RISK_CRITICAL, false, true,
     "the primary key changed"},
    {"SCHEMA_CHANGED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, false,
     "a model moved to another schema or source"},
    {"SOURCE_ADDED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a data source was added"},
    {"SOURCE_CHANGED", MDC_BUMP_PATCH, MDC_RISK_LOW, false, false, "a data source changed"},
    {"SOURCE_REMOVED", MDC_BUMP_MAJOR, MDC_RISK_LOW, false, false, "a data source was removed"},
    {"TABLE_RENAMED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, false, "a model's table was renamed"},
    {"UNIQUE_ADDED", MDC_BUMP_MAJOR, MDC_RISK_MEDIUM, false, true,
     "a unique constraint was added; existing duplicates make the migration fail"},
    {"UNIQUE_REMOVED", MDC_BUMP_MINOR, MDC_RISK_LOW, false, false, "a unique constraint was removed"},
};

static int cmp_rule(const void *key, const void *elem)
{
    return strcmp(key, ((const mdc_rule_info *)elem)->rule);
}

const mdc_rule_info *mdc_rule_lookup(const char *rule)
{
    return bsearch(rule, catalog, sizeof catalog / sizeof catalog[0], sizeof catalog[0], cmp_rule);
}

const mdc_rule_info *mdc_rules(size_t *n)
{
    *n = sizeof catalog / sizeof catalog[0];
    return catalog;
}

/*
 * Below 1.0.0 the Cargo convention holds: a breaking change moves the minor digit, anything
 * else the patch digit.  From a prerelease, releasing it is enough when the digits below the
 * bumped one are zero (npm's rule: 1.0.0-rc.1 + major -> 1.0.0, 1.2.0-b + minor -> 1.2.0,
 * 1.2.3-b + patch -> 1.2.3), because the release has not shipped yet.
 */
mdc_semver mdc_semver_next(mdc_semver from, mdc_bump bump)
{
    mdc_semver v = from;
    v.present = true;
    v.prerelease = NULL;
    if (bump == MDC_BUMP_NONE) return from;
    bool pre = from.prerelease != NULL;
    /* The digit this bump moves: 0 major, 1 minor, 2 patch. */
    int digit = bump == MDC_BUMP_MAJOR ? 0 : bump == MDC_BUMP_MINOR ? 1 : 2;
    if (from.major == 0) digit = digit == 0 ? 1 : 2;
    if (digit == 0) {
        if (!(pre && v.minor == 0 && v.patch == 0)) v.major++;
        v.minor = v.patch = 0;
    } else if (digit == 1) {
        if (!(pre && v.patch == 0)) v.minor++;
        v.patch = 0;
    } else if (!pre) {
        v.patch++;
    }
    return v;
}

/* Compares dot-separated prerelease identifiers per semver 2.0.0 section 11. */
static int cmp_prerelease(const char *a, const char *b)
{
    if (!a && !b) return 0;
    if (!a) return 1; /* a release is above any prerelease */
    if (!b) return -1;
    while (*a && *b) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        bool na = la > 0 && strspn(a, "0123456789") >= la;
        bool nb = lb > 0 && strspn(b, "0123456789") >= lb;
        int c;
        if (na && nb)
            c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
        else if (na != nb)
            c = na ? -1 : 1;
        else {
            c = strncmp(a, b, la < lb ? la : lb);
            if (c == 0 && la != lb) c = la < lb ? -1 : 1;
        }
        if (c) return c;
        a += la;
        b += lb;
        if (*a == '.') a++;
        if (*b == '.') b++;
    }
    if (*a) return 1;
    if (*b) return -1;
    return 0;
}

int mdc_semver_cmp(const mdc_semver *a, const mdc_semver *b)
{
    if (a->major != b->major) return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor) return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch) return a->patch < b->patch ? -1 : 1;
    return cmp_prerelease(a->prerelease, b->prerelease);
}

const char *mdc_semver_str(mdc_arena *a, const mdc_semver *v)
{
    if (!v->present) return NULL;
    if (v->prerelease) return mdc_printf(a, "%u.%u.%u-%s", v->major, v->minor, v->patch, v->prerelease);
    return mdc_printf(a, "%u.%u.%u", v->major, v->minor, v->patch);
}
