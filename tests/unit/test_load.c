/*
 * test_load.c - the loaders (compiler/load_*.c): YAML text in, definitions and
 * diagnostics (code, line, column) out.  Each test reads as a small specification of
 * one rule of SPEC 2 / 3.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../compiler/load.h"
#include "../../compiler/load_util.h"
#include "../../compiler/yaml.h"
#include "harness.h"

/* ------------------------------------------------------------------ fixture */

typedef struct fx {
    mdc_arena *a;
    mdc_diags d;
    mdc_project *p;
} fx;

static void fx_init(fx *x)
{
    x->a = mdc_arena_new();
    mdc_diags_init(&x->d, x->a);
    x->p = mdc_load_project(x->a, "mdc.yaml", NULL, &x->d);
    mdc_diags_release(&x->d); /* the empty project's MISSING_KEY is not under test */
    mdc_diags_init(&x->d, x->a);
}

static void fx_free(fx *x)
{
    mdc_diags_release(&x->d);
    mdc_arena_free(x->a);
}

/* Parses text as models/t.yaml and loads document i. */
static mdc_doc *load_doc_n(fx *x, const char *text, size_t i)
{
    mdc_yfile f = {0};
    mdc_yaml_parse(x->a, "models/t.yaml", text, strlen(text), &x->d, &f);
    if (i >= f.ndocs) return NULL;
    return mdc_load_document(x->a, x->p, "models/t.yaml", &f.docs[i], &x->d);
}

static mdc_doc *load_doc(fx *x, const char *text)
{
    return load_doc_n(x, text, 0);
}

static mdc_model *load_model(fx *x, const char *text)
{
    mdc_doc *d = load_doc(x, text);
    return d && d->kind == MDC_KIND_MODEL ? d->body : NULL;
}

static mdc_project *load_project(fx *x, const char *text)
{
    mdc_yfile f = {0};
    mdc_yaml_parse(x->a, "mdc.yaml", text, strlen(text), &x->d, &f);
    return mdc_load_project(x->a, "mdc.yaml", f.ndocs ? f.docs[0].root : NULL, &x->d);
}

static const mdc_diag *find_diag(const fx *x, const char *code, unsigned line, unsigned col)
{
    for (size_t i = 0; i < x->d.n; i++) {
        const mdc_diag *g = x->d.v[i];
        if (strcmp(g->code, code) == 0 && g->line == line && g->col == col) return g;
    }
    return NULL;
}

static bool has_note(const mdc_diag *g, const char *note)
{
    for (size_t i = 0; g && i < g->nnotes; i++)
        if (strcmp(g->notes[i], note) == 0) return true;
    return false;
}

static void dump(const fx *x)
{
    for (size_t i = 0; i < x->d.n; i++) {
        const mdc_diag *g = x->d.v[i];
        fprintf(stderr, "    %s:%u:%u: %s [%s] %s\n", g->path, g->line, g->col,
                g->severity ? "warning" : "error", g->code, g->message);
        for (size_t j = 0; j < g->nnotes; j++)
            fprintf(stderr, "      note: %s\n", g->notes[j]);
    }
}

/* Exactly one diagnostic, with this code and position. */
#define CHECK_ONLY(x, code, line, col)                                                             \
    do {                                                                                           \
        CHECK_INT((x)->d.n, 1);                                                                    \
        CHECK(find_diag((x), (code), (line), (col)) != NULL);                                      \
        if ((x)->d.n != 1 || !find_diag((x), (code), (line), (col))) dump(x);                      \
    } while (0)

#define CHECK_CLEAN(x)                                                                             \
    do {                                                                                           \
        CHECK_INT((x)->d.n, 0);                                                                    \
        if ((x)->d.n) dump(x);                                                                     \
    } while (0)

/* A model around one field definition (line 4 holds the field). */
#define ONE_FIELD(def)                                                                             \
    "kind: model\nname: T\nfields:\n  id: {type: int64, primary_key: true}\n  f: " def "\n"

/* ------------------------------------------------------------------ names and versions */

TEST(default_tables)
{
    static const char *const cases[][2] = {
        {"User", "users"},
        {"ProjectFile", "project_files"},
        {"Category", "categories"},
        {"Address", "addresses"},
        {"Person", "people"},
        {"Status", "statuses"},
        {"Knife", "knives"},
        {"Day", "days"},
        {"HTTPServer", "http_servers"},
        {"APIKey", "api_keys"},
        {"OAuth2Token", "o_auth2_tokens"},
        {"SalesPerson", "sales_people"},
        {"AuthAccount3", "auth_account3s"},
        {"Box", "boxes"},
        {"Buzz", "buzzes"},
        {"Church", "churches"},
        {"Wish", "wishes"},
        {"Leaf", "leafs"},
        {"IOError", "io_errors"},
        {"A", "as"},
        {"Key", "keys"},
        {"Zone9Entry", "zone9_entries"},
        {"MyHTTPRequestLog", "my_http_request_logs"},
        {"XMLParser2Config", "xml_parser2_configs"},
        {"Policy", "policies"},
        {"V2Item", "v2_items"},
        {"Child", "children"},
        {"Woman", "women"},
        {"Mouse", "mice"},
        {"Index", "indexes"},
        {"Datum", "data"},
    };
    mdc_arena *a = mdc_arena_new();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK_STR(mdc_default_table(a, cases[i][0]), cases[i][1]);
    /* Over 63 bytes: 54 bytes, '_', 8 hex digits of XXH3-64. */
    const char *t = mdc_default_table(
        a, "AVeryLongModelNameThatKeepsGoingAndGoingBeyondTheLimitOfPostgresIdentifiers");
    CHECK_INT(strlen(t), 63);
    CHECK(strncmp(t, "a_very_long_model_name_that_keeps_going_and_going_beyo_", 55) == 0);
    mdc_arena_free(a);
}

TEST(semver)
{
    mdc_arena *a = mdc_arena_new();
    mdc_semver v;
    CHECK(mdc_semver_parse(a, "1.4.0", &v));
    CHECK(v.present && v.major == 1 && v.minor == 4 && v.patch == 0 && !v.prerelease);
    CHECK(mdc_semver_parse(a, "0.3.1-rc.1+build.5", &v));
    CHECK_STR(v.prerelease, "rc.1");
    CHECK(mdc_semver_parse(a, "10.20.30-alpha-1", &v));
    static const char *const bad[] = {"1",      "1.2",    "01.2.3",   "1.2.3.4",
                                      "1.2.3-", "1.2.3+", "1.2.3-01", "v1.2.3",
                                      "1.2.x",  "",       "1..2",     "4294967296.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(!mdc_semver_parse(a, bad[i], &v));
    mdc_arena_free(a);
}

TEST(version_spans)
{
    fx x;
    fx_init(&x);
    const char *text = "kind: source\nname: s\ntype: api\nuri: http://x\nversion: \"1.2.3\"\n";
    mdc_doc *d = load_doc(&x, text);
    CHECK_CLEAN(&x);
    CHECK(d && d->version.present && d->version.minor == 2);
    /* the text between the quotes */
    CHECK(d && strncmp(text + d->version_off, "1.2.3", d->version_len) == 0 && d->version_len == 5);
    CHECK(d && d->version_loc.line == 5 && d->version_loc.col == 10);
    text = "kind: source\nname: s\ntype: api\nuri: http://x\nversion: 1.2.3 # c\n";
    d = load_doc(&x, text);
    CHECK(d && d->version_len == 5 && strncmp(text + d->version_off, "1.2.3", 5) == 0);
    d = load_doc(&x, "kind: source\nname: s\ntype: api\nuri: http://x\nversion: 1.2\n");
    CHECK(d && !d->version.present);
    CHECK(find_diag(&x, "BAD_VALUE", 5, 10));
    fx_free(&x);
}

/* ------------------------------------------------------------------ the SPEC 3.1 example */

static const char spec_model[] =
    "kind: model\n"
    "name: User\n"
    "version: 1.4.0\n"
    "description: People who can sign in.\n"
    "owner: identity-team\n"
    "tags: [pii, core, pii]\n"
    "meta: {retention_days: 30, b: [1, x], a: null}\n"
    "fields:\n"
    "  id:         {type: uuid, primary_key: true, default_expr: uuid}\n"
    "  name:       string\n"
    "  email:      {type: string(320), unique: true, description: Login address}\n"
    "  nickname:   string?\n"
    "  active:     {type: bool, default: true}\n"
    "  created_at: {type: timestamptz, default_expr: now}\n"
    "  manager_id: {type: uuid, nullable: true, references: User.id, on_delete: set_null}\n"
    "  status:     {type: \"enum(active, archived)\", default: active}\n"
    "  labels:     string[]?\n"
    "  old_email:  {type: string, renamed_from: email_address}\n"
    "reserved: [legacy_flag, a_flag]\n"
    "unique: [[name, email], [nickname]]\n"
    "indexes:\n"
    "  - {fields: [created_at], order: desc}\n"
    "  - {fields: [manager_id, created_at desc]}\n"
    "  - {fields: [email], unique: true, where: \"active\"}\n"
    "checks:\n"
    "  - {name: email_has_at, expr: \"email LIKE '%@%'\"}\n"
    "renamed_from: Person\n";

TEST(spec_example)
{
    fx x;
    fx_init(&x);
    mdc_model *m = load_model(&x, spec_model);
    CHECK_CLEAN(&x);
    CHECK(m != NULL);
    if (!m) goto done;
    mdc_doc *d = m->doc;
    CHECK_STR(d->name, "User");
    CHECK(d->name_loc.line == 2 && d->name_loc.col == 7);
    CHECK(d->loc.line == 1 && d->loc.col == 1);
    CHECK_STR(d->description, "People who can sign in.");
    CHECK(d->version.present && d->version.major == 1 && d->version.minor == 4);
    CHECK_STR(m->table, "users");
    CHECK(!m->table_explicit);
    CHECK_STR(m->schema, "public");
    CHECK(m->source == NULL);
    CHECK_STR(m->owner, "identity-team");
    CHECK_INT(m->ntags, 2);
    CHECK_STR(m->tags[0], "core");
    CHECK_STR(m->tags[1], "pii");
    CHECK(m->meta && m->meta->kind == MDC_V_MAP && m->meta->n == 3);
    CHECK_STR(m->meta->items[0]->s, "a"); /* sorted by key */
    CHECK_INT(m->meta->items[1]->kind, MDC_V_NULL);
    CHECK_STR(m->meta->items[4]->s, "retention_days");
    CHECK_INT(m->meta->items[5]->i, 30);
    CHECK_INT(m->nfields, 10);
    for (size_t i = 0; i < m->nfields; i++)
        CHECK_INT(m->fields[i].position, i);

    const mdc_field *f = &m->fields[0];
    CHECK_STR(f->name, "id");
    CHECK(f->primary_key && !f->nullable && f->default_expr == MDC_DX_UUID);
    CHECK(f->loc.line == 9 && f->loc.col == 3);
    CHECK(f->type_loc.line == 9 && f->type_loc.col == 22);
    CHECK_INT(f->type.base, MDC_T_UUID);
    f = &m->fields[1];
    CHECK(f->type.base == MDC_T_STRING && !f->nullable && !f->default_value);
    f = &m->fields[2];
    CHECK(f->type.length == 320 && f->unique);
    CHECK_STR(f->description, "Login address");
    f = &m->fields[3];
    CHECK(f->nullable && f->unique); /* one-column `unique:` entry */
    f = &m->fields[4];
    CHECK(f->default_value && f->default_value->kind == MDC_V_BOOL && f->default_value->b);
    f = &m->fields[5];
    CHECK_INT(f->default_expr, MDC_DX_NOW);
    f = &m->fields[6];
    CHECK(f->nullable && f->on_delete == MDC_FK_SET_NULL && f->on_update == MDC_FK_NO_ACTION);
    CHECK_STR(f->ref_model, "User");
    CHECK_STR(f->ref_field, "id");
    CHECK(f->ref_loc.line == 15 && f->ref_loc.col == 56);
    f = &m->fields[7];
    CHECK(f->type.base == MDC_T_ENUM && f->type.nvalues == 2);
    CHECK(f->default_value && f->default_value->kind == MDC_V_STRING);
    CHECK_STR(f->default_value->s, "active");
    f = &m->fields[8];
    CHECK(f->type.array && f->nullable);
    CHECK_STR(m->fields[9].renamed_from, "email_address");

    CHECK_INT(m->npk, 1);
    CHECK_STR(m->primary_key[0], "id");
    CHECK_INT(m->nreserved, 2);
    CHECK_STR(m->reserved[0], "a_flag");
    CHECK_INT(m->nuniques, 1);
    CHECK_INT(m->uniques[0].nfields, 2);
    CHECK_STR(m->uniques[0].fields[1], "email");
    CHECK_INT(m->nindexes, 3);
    CHECK(m->indexes[0].ncols == 1 && m->indexes[0].cols[0].desc);
    CHECK(m->indexes[1].ncols == 2 && !m->indexes[1].cols[0].desc && m->indexes[1].cols[1].desc);
    CHECK_STR(m->indexes[1].cols[1].field, "created_at");
    CHECK(m->indexes[2].unique);
    CHECK_STR(m->indexes[2].where, "active");
    CHECK_INT(m->nchecks, 1);
    CHECK_STR(m->checks[0].name, "email_has_at");
    CHECK_STR(m->checks[0].expr, "email LIKE '%@%'");
    CHECK_STR(m->renamed_from, "Person");
done:
    fx_free(&x);
}

TEST(model_level_keys)
{
    fx x;
    fx_init(&x);
    mdc_model *m = load_model(&x, "kind: model\nname: OrderLine\ntable: lines\nschema: sales\n"
                                  "source: crm_db\nfields:\n  a: int32\n  b: int64\n"
                                  "primary_key: [b, a]\n");
    CHECK_CLEAN(&x);
    CHECK(m && m->table_explicit);
    CHECK_STR(m ? m->table : NULL, "lines");
    CHECK_STR(m ? m->schema : NULL, "sales");
    CHECK_STR(m ? m->source : NULL, "crm_db");
    CHECK(m && m->npk == 2 && strcmp(m->primary_key[0], "b") == 0);
    CHECK(m && m->fields[0].primary_key && m->fields[1].primary_key);
    CHECK(m && m->pk_loc.line == 9 && m->pk_loc.col == 14);
    fx_free(&x);
}

TEST(project_schema_default)
{
    fx x;
    fx_init(&x);
    x.p = load_project(&x, "project: shop\npostgres: {schema: meta}\n");
    mdc_model *m = load_model(&x, "kind: model\nname: Category\nfields: {id: {type: int, "
                                  "primary_key: true, identity: true}}\n");
    CHECK_CLEAN(&x);
    CHECK_STR(m ? m->schema : NULL, "meta");
    CHECK_STR(m ? m->table : NULL, "categories");
    CHECK(m && m->fields[0].identity && m->fields[0].type.base == MDC_T_INT32);
    fx_free(&x);
}

/* ------------------------------------------------------------------ document problems */

TEST(document_kind)
{
    fx x;
    fx_init(&x);
    CHECK(load_doc(&x, "kind: modle\nname: User\n") == NULL);
    const mdc_diag *g = find_diag(&x, "UNKNOWN_KIND", 1, 7);
    CHECK(g && has_note(g, "did you mean `model`?"));
    CHECK_INT(x.d.n, 1);
    fx_free(&x);

    fx_init(&x);
    CHECK(load_doc(&x, "name: User\nfields: {}\n") == NULL);
    CHECK_ONLY(&x, "MISSING_KEY", 1, 1);
    fx_free(&x);

    fx_init(&x);
    CHECK(load_doc(&x, "- kind: model\n") == NULL);
    CHECK_ONLY(&x, "BAD_VALUE", 1, 1);
    fx_free(&x);

    fx_init(&x);
    CHECK(load_doc(&x, "# nothing\n") == NULL);
    CHECK_CLEAN(&x);
    fx_free(&x);

    fx_init(&x);
    CHECK(load_doc(&x, "kind: [model]\n") == NULL);
    CHECK_ONLY(&x, "BAD_VALUE", 1, 7);
    fx_free(&x);
}

TEST(model_keys)
{
    fx x;
    fx_init(&x);
    mdc_model *m = load_model(&x, "kind: model\nname: User\ndescripton: x\nfields:\n"
                                  "  id: {type: int64, primary_key: true, nulable: false}\n");
    CHECK(m != NULL);
    CHECK_INT(x.d.n, 2);
    CHECK(has_note(find_diag(&x, "UNKNOWN_KEY", 3, 1), "did you mean `description`?"));
    CHECK(has_note(find_diag(&x, "UNKNOWN_KEY", 5, 40), "did you mean `nullable`?"));
    fx_free(&x);

    fx_init(&x);
    m = load_model(&x, "kind: model\nname: User\n");
    CHECK(m && m->nfields == 0);
    CHECK_ONLY(&x, "MISSING_KEY", 1, 1);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, "kind: model\nname: User\nfields: {}\n");
    CHECK_ONLY(&x, "BAD_VALUE", 3, 9);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, "kind: model\nname: User\nfields: [id]\n");
    CHECK_ONLY(&x, "BAD_VALUE", 3, 9);
    fx_free(&x);

    fx_init(&x);
    CHECK(load_doc(&x, "kind: model\nfields:\n  id: {type: int64, primary_key: true}\n") == NULL);
    CHECK_ONLY(&x, "MISSING_KEY", 1, 1);
    fx_free(&x);
}

TEST(names)
{
    fx x;
    fx_init(&x);
    mdc_model *m = load_model(&x, "kind: model\nname: user_account\nfields:\n"
                                  "  id: {type: int64, primary_key: true}\n");
    CHECK(m != NULL); /* still usable */
    CHECK_ONLY(&x, "BAD_NAME", 2, 7);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, "kind: model\nname: "
                   "ThisModelNameIsWayTooLongForPostgresBecauseItHasMoreThanSixtyThreeBytes\n"
                   "fields:\n  id: {type: int64, primary_key: true}\n");
    CHECK(find_diag(&x, "NAME_TOO_LONG", 2, 7) != NULL);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, "kind: model\nname: T\ntable: 2bad\nschema: a-b\nfields:\n"
                   "  id: {type: int64, primary_key: true}\n  Bad-Name: string\n"
                   "  _ok: string\n");
    CHECK_INT(x.d.n, 3);
    CHECK(find_diag(&x, "BAD_NAME", 3, 8));
    CHECK(find_diag(&x, "BAD_NAME", 4, 9));
    CHECK(find_diag(&x, "BAD_NAME", 7, 3));
    fx_free(&x);
}

/* ------------------------------------------------------------------ fields */

TEST(duplicate_and_reserved_fields)
{
    fx x;
    fx_init(&x);
    mdc_model *m = load_model(&x, "kind: model\nname: T\nreserved: [legacy]\nfields:\n"
                                  "  id: {type: int64, primary_key: true}\n  email: string\n"
                                  "  Email: string\n  legacy: int32\n");
    CHECK_INT(x.d.n, 2);
    const mdc_diag *g = find_diag(&x, "DUPLICATE_FIELD", 7, 3);
    CHECK(has_note(g, "first defined here: models/t.yaml:6:3"));
    CHECK(find_diag(&x, "RESERVED_NAME_USED", 8, 3));
    CHECK(m && m->nfields == 3); /* the duplicate is left out */
    fx_free(&x);
}

TEST(field_types)
{
    fx x;
    fx_init(&x);
    load_model(&x, ONE_FIELD("timestamptzz"));
    const mdc_diag *g = find_diag(&x, "UNKNOWN_TYPE", 5, 6);
    CHECK(g && has_note(g, "did you mean `timestamptz`?"));
    CHECK_INT(x.d.n, 1);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: \"decimal(2,5)\"}"));
    CHECK_ONLY(&x, "BAD_TYPE_ARGS", 5, 13);
    fx_free(&x);

    fx_init(&x);
    mdc_model *m = load_model(&x, ONE_FIELD("{type: string?}"));
    CHECK_CLEAN(&x);
    CHECK(m && m->nfields == 2 && m->fields[1].nullable);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: string?, nullable: false}"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 32);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{nullable: true}"));
    CHECK_ONLY(&x, "MISSING_KEY", 5, 6);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: string, nullable: yes}"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 31);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("42"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 6);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD(""));
    CHECK_INT(x.d.n, 1);
    CHECK_INT(x.d.errors, 1);
    fx_free(&x);
}

/* Loads ONE_FIELD(def) and returns field f's default, expecting no diagnostics. */
static const mdc_value *good_default(fx *x, const char *def)
{
    char text[512];
    snprintf(text, sizeof text, ONE_FIELD("%s"), def);
    mdc_model *m = load_model(x, text);
    if (x->d.n) {
        fprintf(stderr, "  unexpected diagnostics for %s\n", def);
        dump(x);
    }
    CHECK_INT(x->d.n, 0);
    return m && m->nfields == 2 ? m->fields[1].default_value : NULL;
}

/* Expects exactly one BAD_DEFAULT at 5:col for ONE_FIELD(def). */
static void bad_default(const char *def, unsigned col)
{
    fx x;
    fx_init(&x);
    char text[512];
    snprintf(text, sizeof text, ONE_FIELD("%s"), def);
    load_model(&x, text);
    if (x.d.n != 1 || !find_diag(&x, "BAD_DEFAULT", 5, col)) {
        fprintf(stderr, "  for %s:\n", def);
        dump(&x);
    }
    CHECK_INT(x.d.n, 1);
    CHECK(find_diag(&x, "BAD_DEFAULT", 5, col) != NULL);
    fx_free(&x);
}

TEST(literal_defaults)
{
    fx x;
    fx_init(&x);
    const mdc_value *v;
    v = good_default(&x, "{type: \"decimal(5,2)\", default: 12.50}");
    CHECK(v && v->kind == MDC_V_STRING && strcmp(v->s, "12.5") == 0);
    v = good_default(&x, "{type: \"decimal(5,2)\", default: \"0.0\"}");
    CHECK_STR(v ? v->s : NULL, "0");
    v = good_default(&x, "{type: \"decimal(10,2)\", default: 0}");
    CHECK_STR(v ? v->s : NULL, "0");
    v = good_default(&x, "{type: \"decimal(6,2)\", default: -0012.30}");
    CHECK_STR(v ? v->s : NULL, "-12.3");
    v = good_default(&x, "{type: decimal, default: 1.5e3}");
    CHECK_STR(v ? v->s : NULL, "1500");
    v = good_default(&x, "{type: decimal, default: \"-0.00\"}");
    CHECK_STR(v ? v->s : NULL, "0");
    v = good_default(&x, "{type: int16, default: -32768}");
    CHECK(v && v->kind == MDC_V_INT && v->i == -32768);
    v = good_default(&x, "{type: float32, default: 1}");
    CHECK(v && v->kind == MDC_V_FLOAT && v->f == 1.0);
    v = good_default(&x, "{type: uuid, default: 123E4567-E89B-12D3-A456-426614174000}");
    CHECK_STR(v ? v->s : NULL, "123e4567-e89b-12d3-a456-426614174000");
    v = good_default(&x, "{type: string(3), default: \"äöü\"}");
    CHECK_STR(v ? v->s : NULL, "äöü");
    v = good_default(&x, "{type: string, default: yes}");
    CHECK_STR(v ? v->s : NULL, "yes");
    v = good_default(&x, "{type: date, default: 2024-02-29}");
    CHECK_STR(v ? v->s : NULL, "2024-02-29");
    v = good_default(&x, "{type: time, default: \"23:59:59.123\"}");
    CHECK(v != NULL);
    v = good_default(&x, "{type: timestamptz, default: \"2024-01-01T00:00:00+02:00\"}");
    CHECK(v != NULL);
    v = good_default(&x, "{type: timestamp, default: \"2024-01-01 12:00:00\"}");
    CHECK(v != NULL);
    v = good_default(&x, "{type: interval, default: 1 day}");
    CHECK(v != NULL);
    v = good_default(&x, "{type: json, default: {b: 1, a: [true]}}");
    CHECK(v && v->kind == MDC_V_MAP && strcmp(v->items[0]->s, "a") == 0);
    v = good_default(&x, "{type: \"int32[]\", default: [1, 2]}");
    CHECK(v && v->kind == MDC_V_SEQ && v->n == 2 && v->items[1]->i == 2);
    v = good_default(&x, "{type: string, default: null}");
    CHECK(v == NULL);
    fx_free(&x);

    bad_default("{type: bool, default: yes}", 28);
    bad_default("{type: int16, default: 40000}", 29);
    bad_default("{type: int32, default: 1.5}", 29);
    bad_default("{type: int32, default: \"5\"}", 29);
    bad_default("{type: float64, default: abc}", 31);
    bad_default("{type: \"decimal(5,2)\", default: 1234.5}", 38);
    bad_default("{type: \"decimal(5,2)\", default: 1.234}", 38);
    bad_default("{type: \"decimal(5,2)\", default: \"12x\"}", 38);
    bad_default("{type: string(3), default: abcd}", 33);
    bad_default("{type: string, default: 5}", 30);
    bad_default("{type: uuid, default: 123}", 28);
    bad_default("{type: date, default: 2023-02-29}", 28);
    bad_default("{type: time, default: \"25:00:00\"}", 28);
    bad_default("{type: timestamp, default: \"2024-01-01T00:00:00Z\"}", 33);
    bad_default("{type: \"enum(a, b)\", default: c}", 36);
    bad_default("{type: \"int32[]\", default: [1, x]}", 37);
    bad_default("{type: \"int32[]\", default: 1}", 33);
    bad_default("{type: bytes, default: abc}", 29);
}

TEST(default_exprs)
{
    fx x;
    fx_init(&x);
    mdc_model *m =
        load_model(&x, ONE_FIELD("{type: timestamptz, default_expr: {postgres: \"now() + "
                                 "interval '1 day'\", sqlite: \"datetime('now')\"}}"));
    CHECK_CLEAN(&x);
    CHECK(m && m->fields[1].default_expr == MDC_DX_CUSTOM);
    CHECK_STR(m ? m->fields[1].default_sqlite : NULL, "datetime('now')");
    fx_free(&x);

    fx_init(&x);
    m = load_model(&x, ONE_FIELD("{type: date, default_expr: current_date}"));
    CHECK_CLEAN(&x);
    fx_free(&x);

    bad_default("{type: date, default_expr: now}", 33);
    bad_default("{type: string, default_expr: uuid}", 35);
    bad_default("{type: \"uuid[]\", default_expr: uuid}", 37);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: uuid, default_expr: uuidd}"));
    CHECK(has_note(find_diag(&x, "BAD_VALUE", 5, 33), "did you mean `uuid`?"));
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: int32, default: 1, default_expr: now}"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 46);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: int32, default_expr: {postgres: \"1; DROP TABLE x\"}}"));
    CHECK_INT(x.d.n, 2);
    CHECK(find_diag(&x, "MISSING_KEY", 5, 34)); /* sqlite */
    CHECK(find_diag(&x, "BAD_VALUE", 5, 45));   /* the ; */
    fx_free(&x);
}

TEST(keys_and_references)
{
    fx x;
    fx_init(&x);
    load_model(&x, "kind: model\nname: T\nfields:\n  id: {type: string, identity: true, "
                   "primary_key: true}\n  n: {type: int32?, primary_key: true}\n");
    CHECK_INT(x.d.n, 2);
    CHECK(find_diag(&x, "BAD_VALUE", 4, 32)); /* identity on a string */
    CHECK(find_diag(&x, "BAD_VALUE", 5, 34)); /* nullable key field */
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: int32, identity: true, default: 1}"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 30);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: int64, references: User.id, on_delete: set_null}"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 52);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: int64?, references: User, on_delete: cascad}"));
    CHECK(has_note(find_diag(&x, "BAD_VALUE", 5, 50), "did you mean `cascade`?"));
    CHECK_INT(x.d.n, 1);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: int64, references: user.id.x}"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 32);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, ONE_FIELD("{type: int64, on_update: cascade}"));
    CHECK_ONLY(&x, "BAD_VALUE", 5, 31);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, "kind: model\nname: T\nfields:\n  id: {type: int64, primary_key: true}\n"
                   "primary_key: [id]\n");
    CHECK_ONLY(&x, "BAD_VALUE", 5, 14);
    fx_free(&x);

    fx_init(&x);
    load_model(&x, "kind: model\nname: T\nfields:\n  id: int64\n");
    CHECK_INT(x.d.n, 1);
    CHECK_INT(x.d.warnings, 1);
    CHECK(find_diag(&x, "NO_PRIMARY_KEY", 2, 7));
    fx_free(&x);
}

TEST(unknown_fields)
{
    fx x;
    fx_init(&x);
    mdc_model *m;
    m = load_model(&x, "kind: model\nname: T\nfields:\n  id: {type: int64}\n  email: string\n"
                       "primary_key: [idd]\n"
                       "unique: [[id, emial]]\n"
                       "indexes:\n"
                       "  - {fields: [emails desc], where: \"deleted_at IS NULL\"}\n"
                       "  - {fields: [email asc, id], order: desc, name: t_ix}\n"
                       "checks:\n"
                       "  - {name: c1, expr: \"length(emal) > 0 AND CAST(id AS text) <> ''\"}\n");
    CHECK(has_note(find_diag(&x, "UNKNOWN_FIELD", 6, 15), "did you mean `id`?"));
    CHECK(has_note(find_diag(&x, "UNKNOWN_FIELD", 7, 15), "did you mean `email`?"));
    CHECK(find_diag(&x, "UNKNOWN_FIELD", 9, 15));
    CHECK(find_diag(&x, "UNKNOWN_FIELD", 9, 36)); /* deleted_at in the where */
    CHECK(has_note(find_diag(&x, "UNKNOWN_FIELD", 12, 22), "did you mean `email`?"));
    CHECK_INT(x.d.n, 5);
    CHECK(m && m->nindexes == 1);
    if (m && m->nindexes == 1) {
        CHECK(!m->indexes[0].cols[0].desc && m->indexes[0].cols[1].desc);
        CHECK_STR(m->indexes[0].name, "t_ix");
    }
    if (x.d.n != 5) dump(&x);
    fx_free(&x);
}

/* ------------------------------------------------------------------ raw SQL */

TEST(sql_guard)
{
    CHECK(mdc_sql_guard("email LIKE '%@%'") == NULL);
    CHECK(mdc_sql_guard("a = 'x;y' AND \"b--\" > 0") == NULL);
    CHECK(mdc_sql_guard("(a > 0) AND (b < 1)") == NULL);
    CHECK(mdc_sql_guard("a = 'it''s'") == NULL);
    CHECK(mdc_sql_guard("a > 0; DROP TABLE x") != NULL);
    CHECK(mdc_sql_guard("a > 0 -- x") != NULL);
    CHECK(mdc_sql_guard("a /* x */ > 0") != NULL);
    CHECK(mdc_sql_guard("(a > 0") != NULL);
    CHECK(mdc_sql_guard("a > 0)") != NULL);
    CHECK(mdc_sql_guard(") (") != NULL);
    CHECK(mdc_sql_guard("a = 'x") != NULL);
    CHECK(mdc_sql_guard("a = \"x") != NULL);
    CHECK(mdc_sql_guard("  ") != NULL);
    CHECK(mdc_sql_guard(NULL) != NULL);
}

TEST(sql_idents)
{
    mdc_arena *a = mdc_arena_new();
    const char **ids;
    size_t n = mdc_sql_idents(
        a,
        "length(name) > 0 AND price::numeric(10,2) >= 0 AND CAST(qty AS integer) > 1 "
        "AND t.col = 1 AND status IN ('a', 'b c') AND \"Quoted\" IS NOT NULL AND x_1 = 1e5 "
        "AND name COLLATE nocase = 'x' AND ts > now() - INTERVAL '1 day' AND E'x' = lbl",
        &ids);
    CHECK_INT(n, 7);
    if (n == 7) {
        CHECK_STR(ids[0], "name");
        CHECK_STR(ids[1], "price");
        CHECK_STR(ids[2], "qty");
        CHECK_STR(ids[3], "status");
        CHECK_STR(ids[4], "x_1");
        CHECK_STR(ids[5], "ts");
        CHECK_STR(ids[6], "lbl");
    }
    n = mdc_sql_idents(a, "finished_at >= started_at", &ids);
    CHECK_INT(n, 2);
    n = mdc_sql_idents(a, "", &ids);
    CHECK_INT(n, 0);
    mdc_arena_free(a);
}

TEST(values)
{
    fx x;
    fx_init(&x);
    mdc_yfile f = {0};
    const char *text = "{b: 1, a: 2.5, \"é\": x, \"z\": [null, true, \"7\", 0x10]}";
    mdc_yaml_parse(x.a, "t.yaml", text, strlen(text), &x.d, &f);
    CHECK(f.ndocs == 1);
    if (f.ndocs != 1) goto done;
    mdc_value *v = mdc_lvalue(x.a, f.docs[0].root);
    CHECK(v->kind == MDC_V_MAP && v->n == 4);
    CHECK_STR(v->items[0]->s, "a");
    CHECK(v->items[1]->kind == MDC_V_FLOAT && v->items[1]->f == 2.5);
    CHECK_STR(v->items[2]->s, "b");
    CHECK_STR(v->items[4]->s, "z");
    CHECK_STR(v->items[6]->s, "é");
    const mdc_value *s = v->items[5];
    CHECK(s->kind == MDC_V_SEQ && s->n == 4);
    CHECK(s->items[0]->kind == MDC_V_NULL && s->items[1]->kind == MDC_V_BOOL);
    CHECK(s->items[2]->kind == MDC_V_STRING && s->items[3]->kind == MDC_V_INT);
    CHECK(mdc_lvalue(x.a, NULL)->kind == MDC_V_NULL);
done:
    fx_free(&x);
}

/* ------------------------------------------------------------------ project */

TEST(project_defaults)
{
    fx x;
    fx_init(&x);
    mdc_project *p = load_project(&x, "project: shop\n");
    CHECK_CLEAN(&x);
    CHECK_STR(p->name, "shop");
    CHECK(p->nmodel_dirs == 1 && strcmp(p->model_dirs[0], "models") == 0);
    CHECK(p->dialect_postgres && p->dialect_sqlite);
    CHECK_STR(p->migrations, "migrations");
    CHECK_STR(p->snapshot, "registry.db");
    CHECK_STR(p->pg_schema, "public");
    CHECK_INT(p->max_risk, MDC_RISK_MEDIUM);
    CHECK(!p->version.present && p->nrules == 0 && p->nreserved_models == 0);
    fx_free(&x);
}

TEST(project_full)
{
    fx x;
    fx_init(&x);
    mdc_project *p = load_project(&x, "project: shop\nversion: 1.3.0\nmodels: [./defs/, models]\n"
                                      "dialects: [sqlite]\nmigrations: db/migrations\n"
                                      "snapshot: out/registry.db\npostgres: {schema: app}\n"
                                      "max_risk: HIGH\nreserved_models: [Zed, Legacy]\n"
                                      "rules:\n  INDEX_ADDED: {bump: minor}\n"
                                      "  FIELD_MADE_NULLABLE: {bump: major, risk: LOW}\n");
    CHECK_CLEAN(&x);
    CHECK(p->version.present && p->version.minor == 3);
    CHECK(p->version_loc.line == 2 && p->version_loc.col == 10);
    CHECK(p->nmodel_dirs == 2);
    CHECK_STR(p->model_dirs[0], "defs");
    CHECK(!p->dialect_postgres && p->dialect_sqlite);
    CHECK_STR(p->migrations, "db/migrations");
    CHECK_STR(p->snapshot, "out/registry.db");
    CHECK_STR(p->pg_schema, "app");
    CHECK_INT(p->max_risk, MDC_RISK_HIGH);
    CHECK(p->nreserved_models == 2 && strcmp(p->reserved_models[0], "Legacy") == 0);
    CHECK_INT(p->nrules, 2);
    if (p->nrules == 2) {
        CHECK_STR(p->rules[0].rule, "FIELD_MADE_NULLABLE");
        CHECK(p->rules[0].bump == MDC_BUMP_MAJOR && p->rules[0].risk == MDC_RISK_LOW);
        CHECK(p->rules[1].bump == MDC_BUMP_MINOR && p->rules[1].risk == -1);
        CHECK(p->rules[1].loc.line == 11 && p->rules[1].loc.col == 3);
    }
    fx_free(&x);
}

TEST(project_problems)
{
    fx x;
    fx_init(&x);
    mdc_project *p = load_project(&x, "project: Shop\nmodels: [../other, /abs, ok, \"\"]\n"
                                      "migrations: a/../../b\nsnapshot: .\n"
                                      "dialects: [postgress]\nmax_risk: medium\n"
                                      "rules:\n  INDEX_ADDD: {bump: minor}\n"
                                      "  INDEX_ADDED: {bump: huge}\nextra: 1\n");
    CHECK(find_diag(&x, "BAD_NAME", 1, 10));
    CHECK(find_diag(&x, "PATH_OUTSIDE_REPO", 2, 10));
    CHECK(find_diag(&x, "PATH_OUTSIDE_REPO", 2, 20));
    CHECK(find_diag(&x, "PATH_OUTSIDE_REPO", 2, 30));
    CHECK(find_diag(&x, "PATH_OUTSIDE_REPO", 3, 13));
    CHECK(find_diag(&x, "PATH_OUTSIDE_REPO", 4, 11));
    CHECK(has_note(find_diag(&x, "BAD_VALUE", 5, 12), "did you mean `postgres`?"));
    CHECK(has_note(find_diag(&x, "BAD_VALUE", 6, 11), "did you mean `MEDIUM`?"));
    CHECK(has_note(find_diag(&x, "UNKNOWN_KEY", 8, 3), "did you mean `INDEX_ADDED`?"));
    CHECK(find_diag(&x, "BAD_VALUE", 9, 23));
    CHECK(find_diag(&x, "UNKNOWN_KEY", 10, 1));
    CHECK_INT(x.d.n, 11);
    if (x.d.n != 11) dump(&x);
    /* defaults survive bad values */
    CHECK(p->nmodel_dirs == 1 && strcmp(p->model_dirs[0], "ok") == 0);
    CHECK_STR(p->migrations, "migrations");
    CHECK(p->dialect_postgres && p->dialect_sqlite);
    fx_free(&x);

    fx_init(&x);
    p = load_project(&x, "[a]\n");
    CHECK_ONLY(&x, "BAD_VALUE", 1, 1);
    fx_free(&x);

    fx_init(&x);
    p = load_project(&x, "version: 1.0.0\n");
    CHECK_ONLY(&x, "MISSING_KEY", 1, 1);
    CHECK_STR(p->name, "");
    fx_free(&x);

    /* An empty mdc.yaml: the loader gives the defaults and reports nothing; the driver
     * says the file is empty (tests/cases/empty-project). */
    fx_init(&x);
    p = load_project(&x, "");
    CHECK_INT(x.d.n, 0);
    CHECK_STR(p->pg_schema, "public");
    fx_free(&x);
}

/* ------------------------------------------------------------------ other kinds */

TEST(sources)
{
    fx x;
    fx_init(&x);
    mdc_doc *d = load_doc(&x, "kind: source\nname: crm_pg\ntype: postgres\n"
                              "uri: postgresql://crm-db:5432/crm\nversion: 1.0.0\n");
    CHECK_CLEAN(&x);
    mdc_source *s = d ? d->body : NULL;
    CHECK(s && strcmp(s->type, "postgres") == 0 &&
          strcmp(s->uri, "postgresql://crm-db:5432/crm") == 0);
    fx_free(&x);

    static const char *const leaks[] = {
        "postgresql://u:secret@db/x",
        "mysql://db/app?sslmode=require&Password=x",
        "https://api/v1?token=abc",
        "kafka://b:9092/t?pwd=1",
    };
    for (size_t i = 0; i < sizeof leaks / sizeof *leaks; i++) {
        fx_init(&x);
        char text[256];
        snprintf(text, sizeof text, "kind: source\nname: s\ntype: api\nuri: %s\n", leaks[i]);
        load_doc(&x, text);
        CHECK_ONLY(&x, "CREDENTIALS_IN_URI", 4, 6);
        fx_free(&x);
    }
    static const char *const fine[] = {"postgresql://user@db/x", "https://api/v1?passport=1",
                                       "file:/var/lib/x.db", "s3://bucket/raw#password=x"};
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        fx_init(&x);
        char text[256];
        snprintf(text, sizeof text, "kind: source\nname: s\ntype: api\nuri: %s\n", fine[i]);
        load_doc(&x, text);
        CHECK_CLEAN(&x);
        fx_free(&x);
    }

    fx_init(&x);
    load_doc(&x, "kind: source\nname: Bad\ntype: postgresql\n");
    CHECK_INT(x.d.n, 3);
    CHECK(find_diag(&x, "BAD_NAME", 2, 7));
    CHECK(has_note(find_diag(&x, "BAD_VALUE", 3, 7), "did you mean `postgres`?"));
    CHECK(find_diag(&x, "MISSING_KEY", 1, 1));
    fx_free(&x);
}

TEST(entities)
{
    fx x;
    fx_init(&x);
    mdc_doc *d = load_doc(&x, "kind: entity\nname: Customer\ndescription: A paying org.\n"
                              "maps_to: [User, crm.contacts, User, bad-target]\n");
    CHECK_ONLY(&x, "BAD_VALUE", 4, 37);
    mdc_entity *e = d ? d->body : NULL;
    CHECK(e && e->nmaps == 2);
    if (e && e->nmaps == 2) {
        CHECK_STR(e->maps_to[0], "User");
        CHECK_STR(e->maps_to[1], "crm.contacts");
        CHECK(e->maps_to_locs[0].col == 11 && e->maps_to_locs[1].col == 17);
    }
    CHECK_STR(d ? d->description : NULL, "A paying org.");
    fx_free(&x);
}

TEST(contracts)
{
    fx x;
    fx_init(&x);
    mdc_doc *d = load_doc(&x, "kind: contract\nname: billing-reads-users\nconsumer: billing\n"
                              "model: User\ncompatibility: full\nfields:\n  id: uuid\n"
                              "  email: varchar(320)\n");
    CHECK_CLEAN(&x);
    mdc_contract *k = d ? d->body : NULL;
    CHECK(k && k->compatibility == MDC_COMPAT_FULL && k->nfields == 2);
    if (k && k->nfields == 2) {
        CHECK_STR(k->fields[0].name, "email");
        CHECK(k->fields[0].type && k->fields[0].type->length == 320);
        CHECK(k->fields[1].loc.line == 7 && k->fields[1].loc.col == 3);
    }
    CHECK(k && k->model_loc.line == 4);
    fx_free(&x);

    fx_init(&x);
    d = load_doc(&x, "kind: contract\nname: c\nconsumer: b\nmodel: User\nfields: [id, b, id]\n");
    k = d ? d->body : NULL;
    CHECK(k && k->compatibility == MDC_COMPAT_BACKWARD && k->nfields == 2 && !k->fields[0].type);
    CHECK_ONLY(&x, "BAD_VALUE", 5, 17);
    fx_free(&x);

    fx_init(&x);
    load_doc(&x, "kind: contract\nname: C\nmodel: user\ncompatibility: backwards\n"
                 "fields: {id: uuidd}\n");
    CHECK(find_diag(&x, "BAD_NAME", 2, 7));
    CHECK(find_diag(&x, "MISSING_KEY", 1, 1));
    CHECK(find_diag(&x, "BAD_NAME", 3, 8));
    CHECK(has_note(find_diag(&x, "BAD_VALUE", 4, 16), "did you mean `backward`?"));
    CHECK(find_diag(&x, "UNKNOWN_TYPE", 5, 14));
    CHECK_INT(x.d.n, 5);
    fx_free(&x);
}

/* ------------------------------------------------------------------ robustness */

/* Every key of every kind given a value of every wrong shape: diagnostics, no crash. */
TEST(wrong_shapes_everywhere)
{
    static const char *const shapes[] = {"[1, 2]", "{a: 1}", "7", "~", "true", "\"\""};
    static const char *const docs[] = {
        "kind: model\nname: T\nfields: {id: {type: int64, primary_key: true}}\n%s: %s\n",
        "kind: model\nname: T\nfields: {id: {type: int64, %s: %s}}\n",
        "kind: model\nname: T\nfields: {id: {type: int64}}\nindexes: [{fields: [id], %s: %s}]\n",
        "kind: model\nname: T\nfields: {id: {type: int64}}\nchecks: [{name: a, %s: %s}]\n",
        "kind: source\nname: s\ntype: api\nuri: x\n%s: %s\n",
        "kind: entity\nname: E\nmaps_to: [A]\n%s: %s\n",
        "kind: contract\nname: c\nconsumer: x\nmodel: M\nfields: [a]\n%s: %s\n",
    };
    static const char *const keys[] = {
        "name",    "table",        "schema",   "source",       "version",       "description",
        "owner",   "tags",         "meta",     "fields",       "reserved",      "primary_key",
        "unique",  "indexes",      "checks",   "renamed_from", "type",          "nullable",
        "default", "default_expr", "identity", "references",   "on_delete",     "on_update",
        "uri",     "maps_to",      "consumer", "model",        "compatibility", "order",
        "where",   "expr",         "kind",
    };
    size_t runs = 0;
    for (size_t d = 0; d < sizeof docs / sizeof *docs; d++)
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
                fx x;
                fx_init(&x);
                char text[512];
                snprintf(text, sizeof text, docs[d], keys[k], shapes[s]);
                load_doc(&x, text);
                x.p = load_project(&x, text);
                runs++;
                fx_free(&x);
            }
    CHECK(runs > 1000);
    /* NULL everywhere */
    fx x;
    fx_init(&x);
    CHECK(mdc_load_document(x.a, NULL, "t.yaml", NULL, &x.d) == NULL);
    mdc_ydoc empty = {0};
    CHECK(mdc_load_document(x.a, NULL, "t.yaml", &empty, &x.d) == NULL);
    mdc_model *m = load_model(&x, "kind: model\nname: T\nfields: {id: {type: int64, "
                                  "primary_key: true}}\n");
    CHECK(m != NULL);
    fx_free(&x);
}

int main(void)
{
    RUN(default_tables);
    RUN(semver);
    RUN(version_spans);
    RUN(spec_example);
    RUN(model_level_keys);
    RUN(project_schema_default);
    RUN(document_kind);
    RUN(model_keys);
    RUN(names);
    RUN(duplicate_and_reserved_fields);
    RUN(field_types);
    RUN(literal_defaults);
    RUN(default_exprs);
    RUN(keys_and_references);
    RUN(unknown_fields);
    RUN(sql_guard);
    RUN(sql_idents);
    RUN(values);
    RUN(project_defaults);
    RUN(project_full);
    RUN(project_problems);
    RUN(sources);
    RUN(entities);
    RUN(contracts);
    RUN(wrong_shapes_everywhere);
    DONE();
}
