/*
 * load_meta.c - the bodies of the documents that describe the world around the models
 * (SPEC 3.3): `kind: source` (a data source, never with credentials in its URI),
 * `kind: entity` (a business concept mapped to models or source tables) and
 * `kind: contract` (a consumer pinning fields of a model).
 *
 * Only the syntax is checked here; whether a contract's model and fields, or an entity's
 * targets, exist is checked across documents by validate.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../model/types.h"
#include "load.h"
#include "load_util.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const char *const source_keys[] = {"kind", "name", "version", "description", "type", "uri"};
static const char *const source_types[] = {"postgres", "sqlite", "mysql", "mongo", "qdrant",
                                           "kafka",    "s3",     "api",   "other"};
static const char *const entity_keys[] = {"kind", "name", "version", "description", "maps_to"};
static const char *const contract_keys[] = {"kind",     "name",  "version",       "description",
                                            "consumer", "model", "compatibility", "fields"};
/* In the order of mdc_compat. */
static const char *const compat_names[] = {"backward", "forward", "full", "none"};

/* ------------------------------------------------------------------ kind: source */

/* Query parameters that hold secrets (compared case-insensitively). */
static const char *const secret_params[] = {"password", "pass", "pwd", "secret", "token"};

/* True when the userinfo of uri (scheme://user:password@host) has a non-empty password. */
static bool uri_has_password(const char *uri)
{
    const char *auth = strstr(uri, "://");
    if (!auth) return false;
    auth += 3;
    size_t len = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < len; i++)
        if (auth[i] == '@') at = auth + i;
    if (!at) return false;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    return colon && colon + 1 < at;
}

/* The name of the first query parameter of uri that holds a secret, or NULL. */
static const char *uri_secret_param(const char *uri)
{
    const char *q = strchr(uri, '?');
    if (!q) return NULL;
    size_t qlen = strcspn(q + 1, "#");
    for (const char *p = q + 1; p < q + 1 + qlen;) {
        size_t plen = strcspn(p, "&;#");
        if (p + plen > q + 1 + qlen) plen = (size_t)(q + 1 + qlen - p);
        size_t nlen = strcspn(p, "=&;#");
        if (nlen > plen) nlen = plen;
        for (size_t i = 0; i < COUNT(secret_params); i++)
            if (strlen(secret_params[i]) == nlen && strncasecmp(p, secret_params[i], nlen) == 0)
                return secret_params[i];
        p += plen + 1;
    }
    return NULL;
}

/* uri := a URI without credentials: no `user:password@`, no password/token parameter */
static void load_uri(const mdc_lctx *c, mdc_source *s, const mdc_ynode *n)
{
    s->uri = mdc_lstring(c, n, "`uri`");
    if (!s->uri) return;
    if (uri_has_password(s->uri))
        mdc_lerr(c, "CREDENTIALS_IN_URI", n,
                 "`uri` of source `%s` contains a password (`user:password@`); keep "
                 "credentials out of the repository",
                 s->doc->name);
    const char *param = uri_secret_param(s->uri);
    if (param)
        mdc_lerr(c, "CREDENTIALS_IN_URI", n,
                 "`uri` of source `%s` has a `%s` parameter; keep credentials out of the "
                 "repository",
                 s->doc->name, param);
}

/* source := { kind: source, name: SOURCE_NAME, type: SOURCE_TYPE, uri: uri,
 *             version: SEMVER, description: STRING } */
void mdc_load_source_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root)
{
    mdc_source *s = mdc_new(c->a, mdc_source);
    s->doc = doc;
    doc->body = s;
    const char *where = mdc_printf(c->a, "source `%s`", doc->name);
    mdc_lcheck_keys(c, root, where, source_keys, COUNT(source_keys));
    const mdc_ynode *n = mdc_lrequire(c, root, "type", where);
    if (n) {
        int t = mdc_lenum(c, n, "`type` of a source", source_types, COUNT(source_types));
        if (t >= 0) s->type = source_types[t];
    }
    if ((n = mdc_lrequire(c, root, "uri", where))) load_uri(c, s, n);
}

/* ------------------------------------------------------------------ kind: entity */

/* target := MODEL_NAME | SOURCE_NAME '.' IDENT */
static bool target_ok(mdc_arena *a, const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot) return mdc_name_ok(MDC_NAME_MODEL, s);
    const char *src = mdc_strndup(a, s, (size_t)(dot - s));
    return mdc_name_ok(MDC_NAME_SOURCE, src) && mdc_name_ok(MDC_NAME_IDENT, dot + 1);
}

/* entity := { kind: entity, name: MODEL_NAME, description: STRING, version: SEMVER,
 *             maps_to: [target, ...] }     (sorted, unique) */
void mdc_load_entity_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root)
{
    mdc_entity *e = mdc_new(c->a, mdc_entity);
    e->doc = doc;
    doc->body = e;
    const char *where = mdc_printf(c->a, "entity `%s`", doc->name);
    mdc_lcheck_keys(c, root, where, entity_keys, COUNT(entity_keys));
    const mdc_ynode *n = mdc_lrequire(c, root, "maps_to", where);
    if (!n) return;
    const mdc_ynode **nodes;
    size_t k;
    const char **targets = mdc_lstring_list(c, n, "`maps_to`", &k, &nodes);
    mdc_loc *locs = mdc_new_array(c->a, mdc_loc, k + 1);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (!target_ok(c->a, targets[i])) {
            mdc_lerr(c, "BAD_VALUE", nodes[i],
                     "each entry of `maps_to` must be `Model` or `source.table`, got `%s`",
                     targets[i]);
            continue;
        }
        locs[m] = mdc_lloc(c, nodes[i]);
        targets[m++] = targets[i];
    }
    e->maps_to = targets;
    e->maps_to_locs = locs;
    e->nmaps = mdc_sort_unique(targets, locs, m);
}

/* ------------------------------------------------------------------ kind: contract */

static int cmp_contract_field(const void *pa, const void *pb)
{
    const mdc_contract_field *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

/* A pinned field's expected type (mapping form): a type of SPEC 3.2 without `?`. */
static const mdc_type *contract_type(const mdc_lctx *c, const char *fname, const mdc_ynode *n)
{
    const char *text = mdc_lstring(c, n, mdc_printf(c->a, "the type of pinned field `%s`", fname));
    if (!text) return NULL;
    mdc_type *t = mdc_new(c->a, mdc_type);
    const char *msg = NULL, *suggest = NULL;
    mdc_type_error e = mdc_type_parse(c->a, text, false, t, NULL, &msg, &suggest);
    if (e == MDC_TYPE_OK) return t;
    if (e == MDC_TYPE_UNKNOWN) {
        mdc_diag *dg = mdc_lerr(c, "UNKNOWN_TYPE", n, "pinned field `%s`: %s", fname,
                                msg ? msg : "unknown type");
        if (suggest) mdc_diag_note(c->d, dg, "did you mean `%s`?", suggest);
    } else {
        mdc_lerr(c, "BAD_TYPE_ARGS", n, "pinned field `%s`: %s", fname,
                 msg ? msg : "bad type arguments");
    }
    return NULL;
}

/* Adds one pinned field unless its name is bad or already pinned. */
static void add_pinned(const mdc_lctx *c, mdc_contract *k, const mdc_ynode *at, const char *name,
                       const mdc_type *t)
{
    mdc_lcheck_name(c, at, name, MDC_NAME_FIELD, "pinned field name");
    for (size_t i = 0; i < k->nfields; i++)
        if (strcmp(k->fields[i].name, name) == 0) {
            mdc_lerr(c, "BAD_VALUE", at, "`fields` names `%s` twice", name);
            return;
        }
    mdc_contract_field *f = &k->fields[k->nfields++];
    f->name = name;
    f->type = t;
    f->loc = mdc_lloc(c, at);
}

/* fields := [FIELD_NAME, ...] | { FIELD_NAME: TYPE, ... }     (sorted by name) */
static void load_pinned(const mdc_lctx *c, mdc_contract *k, const mdc_ynode *n)
{
    if (n && n->kind == MDC_Y_MAP) {
        k->fields = mdc_new_array(c->a, mdc_contract_field, n->n + 1);
        for (size_t i = 0; i < n->n; i++) {
            const mdc_ynode *key = n->items[2 * i];
            const char *name = key && key->str ? key->str : "";
            const mdc_type *t = contract_type(c, name, n->items[2 * i + 1]);
            add_pinned(c, k, key, name, t);
        }
    } else if (n && n->kind == MDC_Y_SEQ) {
        k->fields = mdc_new_array(c->a, mdc_contract_field, n->n + 1);
        for (size_t i = 0; i < n->n; i++) {
            const char *name = mdc_lstring(c, n->items[i], "each entry of `fields`");
            if (name) add_pinned(c, k, n->items[i], name, NULL);
        }
    } else {
        mdc_lerr(c, "BAD_VALUE", n,
                 "`fields` of a contract must be a list of field names or a mapping from "
                 "field name to type, got %s",
                 n ? mdc_ynode_describe(n) : "nothing");
        return;
    }
    qsort(k->fields, k->nfields, sizeof *k->fields, cmp_contract_field);
}

/* contract := { kind: contract, name: CONTRACT_NAME, consumer: STRING, model: MODEL_NAME,
 *               compatibility: backward | forward | full | none, fields: fields,
 *               version: SEMVER, description: STRING } */
void mdc_load_contract_body(const mdc_lctx *c, mdc_doc *doc, const mdc_ynode *root)
{
    mdc_contract *k = mdc_new(c->a, mdc_contract);
    k->doc = doc;
    k->compatibility = MDC_COMPAT_BACKWARD;
    doc->body = k;
    const char *where = mdc_printf(c->a, "contract `%s`", doc->name);
    mdc_lcheck_keys(c, root, where, contract_keys, COUNT(contract_keys));
    const mdc_ynode *n;
    if ((n = mdc_lrequire(c, root, "consumer", where)))
        k->consumer = mdc_lstring(c, n, "`consumer`");
    if ((n = mdc_lrequire(c, root, "model", where))) {
        k->model = mdc_lname(c, n, MDC_NAME_MODEL, "`model`");
        k->model_loc = mdc_lloc(c, n);
    }
    if ((n = mdc_lget(root, "compatibility", NULL))) {
        int i = mdc_lenum(c, n, "`compatibility`", compat_names, COUNT(compat_names));
        if (i >= 0) k->compatibility = (mdc_compat)i;
    }
    if ((n = mdc_lrequire(c, root, "fields", where))) load_pinned(c, k, n);
    if (!k->consumer) k->consumer = "";
    if (!k->model) k->model = "";
}

const char *const *mdc_load_meta_keys(const char *object, size_t *n)
{
    *n = 0;
    if (strcmp(object, "source") == 0) return *n = COUNT(source_keys), source_keys;
    if (strcmp(object, "entity") == 0) return *n = COUNT(entity_keys), entity_keys;
    if (strcmp(object, "contract") == 0) return *n = COUNT(contract_keys), contract_keys;
    return NULL;
}
