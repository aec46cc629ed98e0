/*
 * test_validate.c - the cross-document checks of compiler/validate.c (mdc_validate).
 *
 * Registries are built directly in C (arena-allocated definitions, no YAML), sorted the way
 * the driver sorts them, and each rule is asserted by code, position, message and notes,
 * together with the references it resolves.
 */
#include "harness.h"

#include <stdlib.h>
#include <time.h>

#include "compiler/load.h"
#include "model/types.h"

static mdc_arena *A;
static mdc_ptrvec all_diags; /* released at the end (their arrays are malloc'ed) */

static mdc_diags *new_diags(void)
{
    mdc_diags *d = mdc_new(A, mdc_diags);
    mdc_diags_init(d, A);
    mdc_ptrvec_push(A, &all_diags, d);
    return d;
}

/* ------------------------------------------------------------------ building registries */

typedef struct builder {
    mdc_registry *reg;
    mdc_ptrvec docs;
} builder;

static builder *new_builder(void)
{
    builder *b = mdc_new(A, builder);
    b->reg = mdc_new(A, mdc_registry);
    mdc_project *p = mdc_new(A, mdc_project);
    p->path = "mdc.yaml";
    p->pg_schema = "public";
    p->dialect_postgres = true;
    b->reg->project = p;
    return b;
}

static mdc_loc L(const char *path, uint32_t line, uint32_t col)
{
    return (mdc_loc){path, line, col};
}

/* A document at path, `kind:` on line `line`, `name:` value on line+1 col 7. */
static mdc_doc *add_doc(builder *b, mdc_kind kind, const char *name, const char *path,
                        uint32_t line, void *body)
{
    mdc_doc *d = mdc_new(A, mdc_doc);
    d->kind = kind;
    d->name = name;
    d->path = path;
    d->loc = L(path, line, 1);
    d->name_loc = L(path, line + 1, 7);
    d->body = body;
    mdc_ptrvec_push(A, &b->docs, d);
    return d;
}

/* A model with the default table (lowercase name + "s") in schema public. */
static mdc_model *add_model(builder *b, const char *name, const char *path, uint32_t line)
{
    mdc_model *m = mdc_new(A, mdc_model);
    m->doc = add_doc(b, MDC_KIND_MODEL, name, path, line, m);
    char *t = mdc_printf(A, "%ss", name);
    for (char *p = t; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    m->table = t;
    m->schema = "public";
    m->fields = mdc_new_array(A, mdc_field, 16); /* enough for every test */
    return m;
}

static mdc_type type_of(const char *text)
{
    mdc_type t;
    const char *msg = NULL;
    if (mdc_type_parse(A, text, false, &t, NULL, &msg, NULL) != MDC_TYPE_OK) {
        fprintf(stderr, "bad test type %s: %s\n", text, msg);
        abort();
    }
    return t;
}

/* A field on line `line` (key at col 3, type at col 15). */
static mdc_field *add_field(mdc_model *m, const char *name, const char *type, uint32_t line)
{
    if (m->nfields == 16) abort();
    mdc_field *f = &m->fields[m->nfields];
    f->name = name;
    f->position = (uint32_t)m->nfields++;
    f->loc = L(m->doc->path, line, 3);
    f->type_loc = L(m->doc->path, line, 15);
    f->type = type_of(type);
    return f;
}

/* Makes `f` the single-column primary key of m. */
static void set_pk(mdc_model *m, mdc_field *f)
{
    f->primary_key = true;
    const char **pk = mdc_new_array(A, const char *, 1);
    pk[0] = f->name;
    m->primary_key = pk;
    m->npk = 1;
    m->pk_loc = f->loc;
}

/* references: model[.field], written at col 40 of the field's line */
static void set_ref(mdc_field *f, const char *model, const char *field)
{
    f->ref_model = model;
    f->ref_field = field;
    f->ref_loc = L(f->loc.path, f->loc.line, 40);
}

/* A model `name` with `id: <idtype>` as primary key. */
static mdc_model *keyed_model(builder *b, const char *name, const char *idtype)
{
    mdc_model *m = add_model(b, name, mdc_printf(A, "models/%s.yaml", name), 1);
    set_pk(m, add_field(m, "id", idtype, 4));
    return m;
}

static mdc_source *add_source(builder *b, const char *name, const char *path, uint32_t line)
{
    mdc_source *s = mdc_new(A, mdc_source);
    s->doc = add_doc(b, MDC_KIND_SOURCE, name, path, line, s);
    s->type = "postgres";
    return s;
}

static int cmp_doc(const void *pa, const void *pb)
{
    const mdc_doc *a = *(const mdc_doc *const *)pa;
    const mdc_doc *b = *(const mdc_doc *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    if (c) return c;
    c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
    if (c) return c;
    return a->loc.line < b->loc.line ? -1 : a->loc.line > b->loc.line;
}

/* Sorts the documents as the driver does, runs mdc_validate, sorts the diagnostics. */
static mdc_diags *validate(builder *b)
{
    b->reg->docs = (mdc_doc **)b->docs.v;
    b->reg->ndocs = b->docs.n;
    if (b->reg->ndocs) qsort(b->reg->docs, b->reg->ndocs, sizeof *b->reg->docs, cmp_doc);
    mdc_diags *d = new_diags();
    mdc_validate(A, b->reg, d);
    mdc_diags_sort(d);
    return d;
}

/* "path:line:col CODE message" of diagnostic i, notes appended as " | note". */
static const char *diag_text(const mdc_diags *d, size_t i)
{
    if (i >= d->n) return "(no such diagnostic)";
    const mdc_diag *g = d->v[i];
    const char *s = mdc_printf(A, "%s:%u:%u %s %s", g->path, (unsigned)g->line, (unsigned)g->col,
                               g->code, g->message);
    for (size_t k = 0; k < g->nnotes; k++)
        s = mdc_printf(A, "%s | %s", s, g->notes[k]);
    return s;
}

static void dump(const mdc_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "  [%zu] %s\n", i, diag_text(d, i));
}

#define CHECK_NDIAGS(d, want)                                                                      \
    do {                                                                                           \
        CHECK_INT((d)->n, want);                                                                   \
        if ((d)->n != (size_t)(want)) dump(d);                                                     \
    } while (0)

/* ------------------------------------------------------------------ duplicates */

TEST(duplicate_models_and_names)
{
    builder *b = new_builder();
    mdc_model *u1 = add_model(b, "User", "models/a.yaml", 1);
    set_pk(u1, add_field(u1, "id", "uuid", 4));
    mdc_model *u2 = add_model(b, "User", "models/b.yaml", 10);
    u2->table = "people"; /* no DUPLICATE_TABLE noise */
    mdc_model *u3 = add_model(b, "User", "models/a.yaml", 20);
    u3->table = "persons";
    add_source(b, "crm", "models/s.yaml", 1);
    add_source(b, "crm", "models/s.yaml", 5);
    add_source(b, "erp", "models/s.yaml", 9);
    /* a reference to User resolves to the first one */
    mdc_model *o = keyed_model(b, "Order", "int64");
    mdc_field *f = add_field(o, "user_id", "uuid", 5);
    set_ref(f, "User", NULL);

    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 3);
    CHECK_STR(diag_text(d, 0), "models/a.yaml:21:7 DUPLICATE_MODEL duplicate model `User` | "
                               "first defined here: models/a.yaml:2:7");
    CHECK_STR(diag_text(d, 1), "models/b.yaml:11:7 DUPLICATE_MODEL duplicate model `User` | "
                               "first defined here: models/a.yaml:2:7");
    CHECK_STR(diag_text(d, 2), "models/s.yaml:6:7 DUPLICATE_NAME duplicate source `crm` | "
                               "first defined here: models/s.yaml:2:7");
    /* only the first of each stays */
    CHECK_INT(b->reg->ndocs, 4);
    CHECK(mdc_registry_model(b->reg, "User") == u1);
    CHECK(f->ref_target == u1);
    for (size_t i = 0; i < b->reg->ndocs; i++)
        CHECK(b->reg->docs[i]->body != u2 && b->reg->docs[i]->body != u3);
    CHECK_STR(f->ref_field, "id");
}

TEST(duplicate_contracts_and_entities)
{
    builder *b = new_builder();
    mdc_entity *e = mdc_new(A, mdc_entity);
    add_doc(b, MDC_KIND_ENTITY, "Customer", "models/e.yaml", 1, e);
    add_doc(b, MDC_KIND_ENTITY, "Customer", "models/e2.yaml", 1, mdc_new(A, mdc_entity));
    mdc_contract *c = mdc_new(A, mdc_contract);
    add_doc(b, MDC_KIND_CONTRACT, "reads", "models/c.yaml", 1, c);
    add_doc(b, MDC_KIND_CONTRACT, "reads", "models/c.yaml", 3, mdc_new(A, mdc_contract));
    /* same name, different kinds: no duplicate */
    add_doc(b, MDC_KIND_SOURCE, "reads", "models/s.yaml", 1, mdc_new(A, mdc_source));
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 2);
    CHECK_STR(diag_text(d, 0), "models/c.yaml:4:7 DUPLICATE_NAME duplicate contract `reads` | "
                               "first defined here: models/c.yaml:2:7");
    CHECK_STR(diag_text(d, 1), "models/e2.yaml:2:7 DUPLICATE_NAME duplicate entity `Customer` | "
                               "first defined here: models/e.yaml:2:7");
    CHECK_INT(b->reg->ndocs, 3);
}

/* ------------------------------------------------------------------ reserved names */

TEST(reserved_model_name)
{
    builder *b = new_builder();
    static const char *reserved[] = {"Archive", "Legacy", "Old"};
    b->reg->project->reserved_models = reserved;
    b->reg->project->nreserved_models = 3;
    add_model(b, "Legacy", "models/l.yaml", 1)->table = "legacy";
    add_model(b, "Legacy2", "models/l2.yaml", 1);
    add_model(b, "Old", "models/o.yaml", 3);
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 2);
    CHECK_STR(diag_text(d, 0),
              "models/l.yaml:2:7 RESERVED_NAME_USED model name `Legacy` is reserved: it is "
              "listed in reserved_models of mdc.yaml | the name of a removed model may not be "
              "reused; pick another name");
    CHECK_STR(d->v[1]->code, "RESERVED_NAME_USED");
    CHECK_INT(d->v[1]->line, 4);
}

/* ------------------------------------------------------------------ tables */

TEST(duplicate_tables)
{
    builder *b = new_builder();
    mdc_model *a = add_model(b, "Account", "models/a.yaml", 1);
    a->table = "Users";
    a->schema = "Public";
    mdc_model *u = add_model(b, "User", "models/u.yaml", 1); /* users in public */
    mdc_model *w = add_model(b, "WebUser", "models/w.yaml", 1);
    w->table = "users";
    mdc_model *m = add_model(b, "MetaUser", "models/m.yaml", 1);
    m->table = "users";
    m->schema = "meta"; /* another schema: fine in PostgreSQL */
    mdc_model *x = add_model(b, "CrmUser", "models/x.yaml", 1);
    x->table = "users";
    x->source = "crm"; /* another database */
    x->source_loc = L("models/x.yaml", 5, 9);
    add_source(b, "crm", "models/s.yaml", 1);
    (void)u;

    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 2);
    CHECK_STR(diag_text(d, 0), "models/u.yaml:2:7 DUPLICATE_TABLE model `User` maps to table "
                               "`public.users`, which model `Account` already uses | model "
                               "`Account` is defined here: models/a.yaml:2:7");
    CHECK_STR(diag_text(d, 1), "models/w.yaml:2:7 DUPLICATE_TABLE model `WebUser` maps to "
                               "table `public.users`, which model `Account` already uses | "
                               "model `Account` is defined here: models/a.yaml:2:7");

    /* with SQLite, meta.users collides with public.users too */
    builder *b2 = new_builder();
    b2->reg->project->dialect_sqlite = true;
    mdc_model *p = add_model(b2, "User", "models/u.yaml", 1);
    mdc_model *q = add_model(b2, "MetaUser", "models/m.yaml", 1);
    q->table = "users";
    q->schema = "meta";
    mdc_model *r = add_model(b2, "ZUser", "models/z.yaml", 1);
    r->table = "USERS";
    r->schema = "Meta";
    (void)p;
    d = validate(b2);
    CHECK_NDIAGS(d, 2);
    CHECK_STR(diag_text(d, 0), "models/u.yaml:2:7 DUPLICATE_TABLE model `User` maps to table "
                               "`public.users`, which in SQLite is the same table as "
                               "`meta.users` of model `MetaUser` (SQLite has no schemas) | "
                               "model `MetaUser` is defined here: models/m.yaml:2:7");
    CHECK_STR(diag_text(d, 1), "models/z.yaml:2:7 DUPLICATE_TABLE model `ZUser` maps to table "
                               "`Meta.USERS`, which model `MetaUser` already uses | model "
                               "`MetaUser` is defined here: models/m.yaml:2:7");
}

/* ------------------------------------------------------------------ references */

TEST(reference_resolves_to_primary_key)
{
    builder *b = new_builder();
    mdc_model *u = keyed_model(b, "User", "uuid");
    mdc_field *email = add_field(u, "email", "string(320)", 5);
    email->unique = true;
    mdc_field *mgr = add_field(u, "manager_id", "uuid", 6); /* self reference */
    set_ref(mgr, "User", NULL);
    mdc_model *o = keyed_model(b, "Order", "int64");
    mdc_field *by = add_field(o, "user_id", "uuid", 5);
    set_ref(by, "User", NULL);
    mdc_field *mail = add_field(o, "user_email", "varchar(320)", 6);
    set_ref(mail, "User", "email");
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 0);
    CHECK(mgr->ref_target == u);
    CHECK(mgr->ref_target_field == &u->fields[0]);
    CHECK_STR(mgr->ref_field, "id");
    CHECK(by->ref_target == u && by->ref_target_field == &u->fields[0]);
    CHECK_STR(by->ref_field, "id");
    CHECK(mail->ref_target == u && mail->ref_target_field == email);
    CHECK_STR(mail->ref_field, "email");
}

TEST(reference_unknown_model_and_field)
{
    builder *b = new_builder();
    mdc_model *u = keyed_model(b, "User", "uuid");
    add_field(u, "email", "string", 5)->unique = true;
    mdc_model *o = keyed_model(b, "Order", "int64");
    mdc_field *f1 = add_field(o, "user_id", "uuid", 5);
    set_ref(f1, "Usr", NULL);
    mdc_field *f2 = add_field(o, "mail", "string", 6);
    set_ref(f2, "User", "emial");
    mdc_field *f3 = add_field(o, "thing_id", "uuid", 7);
    set_ref(f3, "Zzzzzzzz", NULL);
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 3);
    CHECK_STR(diag_text(d, 0), "models/Order.yaml:5:40 UNKNOWN_REFERENCE field `user_id` of "
                               "model `Order` references unknown model `Usr` | did you mean "
                               "`User`?");
    CHECK_STR(diag_text(d, 1), "models/Order.yaml:6:40 UNKNOWN_REFERENCE field `mail` "
                               "references `User.emial`, but model `User` has no field `emial` "
                               "| did you mean `email`?");
    CHECK_STR(diag_text(d, 2), "models/Order.yaml:7:40 UNKNOWN_REFERENCE field `thing_id` of "
                               "model `Order` references unknown model `Zzzzzzzz`");
    CHECK(f1->ref_target == NULL && f1->ref_target_field == NULL && f1->ref_field == NULL);
    CHECK(f2->ref_target == u && f2->ref_target_field == NULL);
}

TEST(reference_not_unique)
{
    builder *b = new_builder();
    /* composite key */
    mdc_model *line = add_model(b, "Line", "models/line.yaml", 1);
    add_field(line, "order_id", "int64", 4)->primary_key = true;
    add_field(line, "n", "int32", 5)->primary_key = true;
    static const char *pk[] = {"order_id", "n"};
    line->primary_key = pk;
    line->npk = 2;
    line->pk_loc = L("models/line.yaml", 7, 14);
    /* no key at all */
    mdc_model *log = add_model(b, "Log", "models/log.yaml", 1);
    add_field(log, "msg", "string", 4);
    /* keys by index */
    mdc_model *u = keyed_model(b, "User", "uuid");
    add_field(u, "name", "string", 5);
    add_field(u, "handle", "string", 6);
    add_field(u, "email", "string", 7);
    add_field(u, "code", "string", 8);
    u->indexes = mdc_new_array(A, mdc_index, 3);
    mdc_index_col *c1 = mdc_new(A, mdc_index_col), *c2 = mdc_new(A, mdc_index_col),
                  *c3 = mdc_new_array(A, mdc_index_col, 2);
    c1->field = "handle";
    c2->field = "email";
    c3[0].field = "code";
    c3[1].field = "name";
    u->indexes[0] = (mdc_index){NULL, c1, 1, true, NULL, L("models/User.yaml", 12, 5)};
    u->indexes[1] = (mdc_index){NULL, c2, 1, true, "active", L("models/User.yaml", 13, 5)};
    u->indexes[2] = (mdc_index){NULL, c3, 2, true, NULL, L("models/User.yaml", 14, 5)};
    u->nindexes = 3;

    mdc_model *o = keyed_model(b, "Order", "int64");
    mdc_field *f1 = add_field(o, "line_id", "int64", 5);
    set_ref(f1, "Line", NULL);
    mdc_field *f2 = add_field(o, "log_id", "string", 6);
    set_ref(f2, "Log", NULL);
    mdc_field *f3 = add_field(o, "user_name", "string", 7);
    set_ref(f3, "User", "name");
    mdc_field *f4 = add_field(o, "user_handle", "string", 8); /* unique index: fine */
    set_ref(f4, "User", "handle");
    mdc_field *f5 = add_field(o, "user_email", "string", 9); /* partial index: no */
    set_ref(f5, "User", "email");
    mdc_field *f6 = add_field(o, "user_code", "string", 10); /* two-column index: no */
    set_ref(f6, "User", "code");
    mdc_field *f7 = add_field(o, "line_n", "int32", 11); /* one column of a composite key */
    set_ref(f7, "Line", "n");

    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 6);
    CHECK_STR(diag_text(d, 0), "models/Order.yaml:5:40 REFERENCE_NOT_UNIQUE field `line_id` "
                               "references model `Line`, which has no single-column primary "
                               "key; name the field: Line.field | the composite key of `Line` "
                               "is defined here: models/line.yaml:7:14");
    CHECK_STR(diag_text(d, 1), "models/Order.yaml:6:40 REFERENCE_NOT_UNIQUE field `log_id` "
                               "references model `Log`, which has no single-column primary "
                               "key; name the field: Log.field");
    CHECK_STR(diag_text(d, 2), "models/Order.yaml:7:40 REFERENCE_NOT_UNIQUE field `user_name` "
                               "references `User.name`, which is neither the primary key nor "
                               "unique | a reference must target a single-column primary key "
                               "or a unique field; add `unique: true` to `User.name`");
    CHECK_STR(d->v[3]->code, "REFERENCE_NOT_UNIQUE");
    CHECK_INT(d->v[3]->line, 9);
    CHECK_STR(d->v[4]->code, "REFERENCE_NOT_UNIQUE");
    CHECK_INT(d->v[4]->line, 10);
    CHECK_STR(d->v[5]->code, "REFERENCE_NOT_UNIQUE");
    CHECK_INT(d->v[5]->line, 11);
    CHECK(f1->ref_target == line && f1->ref_target_field == NULL && f1->ref_field == NULL);
    CHECK(f4->ref_target == u && f4->ref_target_field == &u->fields[2]);
    CHECK(f3->ref_target_field == &u->fields[1]); /* resolved even though not a key */
}

TEST(reference_type_mismatch)
{
    builder *b = new_builder();
    mdc_model *u = keyed_model(b, "User", "uuid");
    mdc_field *tags = add_field(u, "tags", "string[]", 5);
    tags->unique = true;
    mdc_model *n = keyed_model(b, "Num", "int32");
    (void)n;
    mdc_model *o = keyed_model(b, "Order", "int64");
    set_ref(add_field(o, "user_id", "int32", 5), "User", NULL);
    set_ref(add_field(o, "user_ids", "uuid[]", 6), "User", "id");
    set_ref(add_field(o, "tag", "string", 7), "User", "tags");
    set_ref(add_field(o, "num_id", "int", 8), "Num", NULL);    /* alias: same type */
    set_ref(add_field(o, "num2_id", "int64", 9), "Num", NULL); /* wider: still a mismatch */
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 4);
    CHECK_STR(diag_text(d, 0), "models/Order.yaml:5:40 REFERENCE_TYPE_MISMATCH field `user_id` "
                               "is int32 but references `User.id`, which is uuid; a reference "
                               "must have the type of its target | `User.id` is defined here: "
                               "models/User.yaml:4:3");
    CHECK_STR(diag_text(d, 1), "models/Order.yaml:6:40 REFERENCE_TYPE_MISMATCH field `user_ids` "
                               "is an array (uuid[]); a reference holds one value of the type "
                               "of `User.id` (uuid) | `User.id` is defined here: "
                               "models/User.yaml:4:3");
    CHECK_STR(diag_text(d, 2), "models/Order.yaml:7:40 REFERENCE_TYPE_MISMATCH field `tag` "
                               "references `User.tags`, which is an array (string[]); arrays "
                               "cannot be referenced | `User.tags` is defined here: "
                               "models/User.yaml:5:3");
    CHECK_STR(diag_text(d, 3), "models/Order.yaml:9:40 REFERENCE_TYPE_MISMATCH field `num2_id` "
                               "is int64 but references `Num.id`, which is int32; a reference "
                               "must have the type of its target | `Num.id` is defined here: "
                               "models/Num.yaml:4:3");
}

TEST(model_source)
{
    builder *b = new_builder();
    add_source(b, "crm_postgres", "models/s.yaml", 1);
    mdc_model *c = add_model(b, "Contact", "models/c.yaml", 1);
    c->source = "crm_postgre";
    c->source_loc = L("models/c.yaml", 4, 9);
    mdc_model *k = add_model(b, "Known", "models/k.yaml", 1);
    k->source = "crm_postgres";
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 1);
    CHECK_STR(diag_text(d, 0), "models/c.yaml:4:9 UNKNOWN_REFERENCE model `Contact` names "
                               "unknown source `crm_postgre` (no kind: source has this name) | "
                               "did you mean `crm_postgres`?");
}

/* ------------------------------------------------------------------ entities, contracts */

TEST(entities)
{
    builder *b = new_builder();
    keyed_model(b, "User", "uuid");
    add_source(b, "crm", "models/s.yaml", 1);
    mdc_entity *e = mdc_new(A, mdc_entity);
    static const char *maps[] = {"Usr", "User", "crm.contacts", "crn.contacts", "", "Zzzzzz"};
    e->maps_to = maps;
    e->nmaps = 6;
    e->maps_to_locs = mdc_new_array(A, mdc_loc, 6);
    for (uint32_t i = 0; i < 6; i++)
        e->maps_to_locs[i] = L("models/e.yaml", 4, 11 + 6 * i);
    e->doc = add_doc(b, MDC_KIND_ENTITY, "Customer", "models/e.yaml", 1, e);
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 3);
    CHECK_STR(diag_text(d, 0), "models/e.yaml:4:11 UNKNOWN_REFERENCE entity `Customer` maps to "
                               "unknown model `Usr` | did you mean `User`? | maps_to items are "
                               "`Model` or `source.table`");
    CHECK_STR(diag_text(d, 1), "models/e.yaml:4:29 UNKNOWN_REFERENCE entity `Customer` maps to "
                               "`crn.contacts`, but there is no source `crn` | did you mean "
                               "`crm`?");
    CHECK_STR(diag_text(d, 2), "models/e.yaml:4:41 UNKNOWN_REFERENCE entity `Customer` maps to "
                               "unknown model `Zzzzzz` | maps_to items are `Model` or "
                               "`source.table`");
}

TEST(contracts)
{
    builder *b = new_builder();
    mdc_model *u = keyed_model(b, "User", "uuid");
    add_field(u, "email", "string", 5);
    add_field(u, "active", "bool", 6);
    add_field(u, "age", "int", 7);

    mdc_contract *c = mdc_new(A, mdc_contract);
    c->model = "User";
    c->model_loc = L("models/c.yaml", 4, 8);
    c->nfields = 5;
    c->fields = mdc_new_array(A, mdc_contract_field, 5);
    mdc_type *t320 = mdc_new(A, mdc_type), *tint = mdc_new(A, mdc_type);
    *t320 = type_of("string(320)");
    *tint = type_of("int32");
    c->fields[0] = (mdc_contract_field){"active", NULL, L("models/c.yaml", 6, 5)};
    c->fields[1] = (mdc_contract_field){"age", tint, L("models/c.yaml", 7, 5)};
    c->fields[2] = (mdc_contract_field){"email", t320, L("models/c.yaml", 8, 5)};
    c->fields[3] = (mdc_contract_field){"emial", NULL, L("models/c.yaml", 9, 5)};
    c->fields[4] = (mdc_contract_field){"id", NULL, L("models/c.yaml", 10, 5)};
    c->doc = add_doc(b, MDC_KIND_CONTRACT, "billing-reads-users", "models/c.yaml", 1, c);

    mdc_contract *c2 = mdc_new(A, mdc_contract);
    c2->model = "Usr";
    c2->model_loc = L("models/c2.yaml", 4, 8);
    c2->doc = add_doc(b, MDC_KIND_CONTRACT, "other", "models/c2.yaml", 1, c2);

    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 3);
    CHECK_STR(diag_text(d, 0), "models/c.yaml:8:5 CONTRACT_TYPE_MISMATCH contract "
                               "`billing-reads-users` expects `email` to be string(320), model "
                               "User has string | `User.email` is defined here: "
                               "models/User.yaml:5:3");
    CHECK_STR(diag_text(d, 1), "models/c.yaml:9:5 UNKNOWN_FIELD contract `billing-reads-users` "
                               "pins field `emial`, which model `User` does not have | did you "
                               "mean `email`?");
    CHECK_STR(diag_text(d, 2), "models/c2.yaml:4:8 UNKNOWN_REFERENCE contract `other` names "
                               "unknown model `Usr` | did you mean `User`?");
}

/* ------------------------------------------------------------------ robustness */

TEST(partial_documents_do_not_crash)
{
    builder *b = new_builder();
    add_doc(b, MDC_KIND_MODEL, NULL, "models/x.yaml", 1, NULL); /* no name, no body */
    add_doc(b, MDC_KIND_MODEL, NULL, "models/y.yaml", 1, mdc_new(A, mdc_model));
    add_doc(b, MDC_KIND_MODEL, "Broken", "models/b.yaml", 1, NULL); /* no body */
    add_doc(b, MDC_KIND_SOURCE, NULL, "models/s.yaml", 1, NULL);
    add_doc(b, MDC_KIND_ENTITY, "E", "models/e.yaml", 1, mdc_new(A, mdc_entity));
    add_doc(b, MDC_KIND_CONTRACT, "c", "models/c.yaml", 1, mdc_new(A, mdc_contract));
    add_doc(b, MDC_KIND_CONTRACT, NULL, "models/c.yaml", 5, NULL);
    mdc_model *m = add_model(b, "M", "models/m.yaml", 1);
    m->table = NULL;
    m->schema = NULL;
    add_field(m, "a", "int", 3)->name = NULL;
    mdc_field *f = add_field(m, "b", "int", 4);
    set_ref(f, "Broken", NULL); /* target without a body: silently skipped */
    f->ref_loc.line = 0;
    mdc_model *n = add_model(b, "N", "models/n.yaml", 1);
    n->schema = NULL;
    n->fields = NULL;
    n->nfields = 0;
    n->npk = 1; /* primary key names a field that does not exist */
    mdc_field *g = add_field(m, "n_id", "int", 5);
    set_ref(g, "N", NULL);
    mdc_contract *c = mdc_new(A, mdc_contract);
    c->model = "Broken";
    add_doc(b, MDC_KIND_CONTRACT, "d", "models/d.yaml", 1, c);
    mdc_diags *d = validate(b);
    CHECK_NDIAGS(d, 0);
    CHECK(f->ref_target == NULL);
    CHECK(g->ref_target == n && g->ref_target_field == NULL);

    /* an empty registry and a registry without docs */
    builder *e = new_builder();
    d = validate(e);
    CHECK_NDIAGS(d, 0);
    mdc_registry empty = {0};
    mdc_validate(A, &empty, d);
    CHECK_NDIAGS(d, 0);
}

TEST(deterministic)
{
    const char *first = NULL;
    for (int run = 0; run < 2; run++) {
        builder *b = new_builder();
        b->reg->project->dialect_sqlite = true;
        for (int i = 0; i < 30; i++) {
            mdc_model *m =
                add_model(b, mdc_printf(A, "M%02d", i), "models/all.yaml", (uint32_t)(100 * i + 1));
            m->table = (i % 3) ? "shared" : "other";
            m->schema = (i % 2) ? "a" : "b";
            set_ref(add_field(m, "x", "int", (uint32_t)(100 * i + 5)), "Nope", NULL);
        }
        mdc_diags *d = validate(b);
        const char *all = "";
        for (size_t i = 0; i < d->n; i++)
            all = mdc_printf(A, "%s\n%s", all, diag_text(d, i));
        if (!first)
            first = all;
        else
            CHECK_STR(all, first);
    }
}

/* 10,000 models of 15 fields, each referencing the previous two (20,000 references). */
TEST(ten_thousand_models_are_fast)
{
    builder *b = new_builder();
    b->reg->project->dialect_sqlite = true;
    enum { N = 10000 };
    const char **names = mdc_new_array(A, const char *, N);
    mdc_field **refs = mdc_new_array(A, mdc_field *, 2 * N);
    size_t nrefs = 0;
    for (int i = 0; i < N; i++)
        names[i] = mdc_printf(A, "Model%05d", i);
    for (int i = 0; i < N; i++) {
        mdc_model *m = add_model(b, names[i], mdc_printf(A, "models/m%05d.yaml", i), 1);
        set_pk(m, add_field(m, "id", "int64", 4));
        for (int k = 1; k < 13; k++)
            add_field(m, mdc_printf(A, "f%02d", k), k % 2 ? "string(100)" : "int32",
                      (uint32_t)(4 + k));
        mdc_field *a = add_field(m, "prev_id", "int64", 17);
        mdc_field *c = add_field(m, "prev2_id", "int64", 18);
        set_ref(a, names[(i + N - 1) % N], NULL);
        set_ref(c, names[(i + N - 2) % N], "id");
        refs[nrefs++] = a;
        refs[nrefs++] = c;
    }
    b->reg->docs = (mdc_doc **)b->docs.v;
    b->reg->ndocs = b->docs.n;
    qsort(b->reg->docs, b->reg->ndocs, sizeof *b->reg->docs, cmp_doc);
    mdc_diags *d = new_diags();
    struct timespec t0, t1;
    /* CPU time of this process: the machine may run other work (the check is about what
     * validation costs, not about the scheduler) */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    mdc_validate(A, b->reg, d);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("validate: %d models, %zu references: %.2f ms\n", N, nrefs, ms);
    CHECK_NDIAGS(d, 0);
    for (size_t i = 0; i < nrefs; i++)
        CHECK(refs[i]->ref_target_field != NULL);
    CHECK(ms < 250.0); /* generous for sanitizer builds; a few ms in Release */
}

int main(void)
{
    A = mdc_arena_new();
    RUN(duplicate_models_and_names);
    RUN(duplicate_contracts_and_entities);
    RUN(reserved_model_name);
    RUN(duplicate_tables);
    RUN(reference_resolves_to_primary_key);
    RUN(reference_unknown_model_and_field);
    RUN(reference_not_unique);
    RUN(reference_type_mismatch);
    RUN(model_source);
    RUN(entities);
    RUN(contracts);
    RUN(partial_documents_do_not_crash);
    RUN(deterministic);
    RUN(ten_thousand_models_are_fast);
    for (size_t i = 0; i < all_diags.n; i++)
        mdc_diags_release(all_diags.v[i]);
    mdc_arena_free(A);
    DONE();
}
