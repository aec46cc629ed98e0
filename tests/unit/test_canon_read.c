/*
 * test_canon_read.c - reading canonical JSON back (compiler/canon_read.c).
 *
 * Registries are compiled from YAML text in memory (parser, loader, validation, canonical
 * form: the same stages as a real compilation), written as the registry state JSON that
 * migrations record, read back, and must give the same checksums document by document and
 * for the registry; the read-back registry diffs as "no change" against the original.
 * Edited, truncated, incomplete and hostile states are rejected with a message.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/canon.h"
#include "compiler/canon_read.h"
#include "compiler/diff.h"
#include "compiler/load.h"
#include "compiler/yaml.h"
#include "model/buf.h"

static mdc_arena *A;

static int cmp_doc(const void *pa, const void *pb)
{
    const mdc_doc *a = *(const mdc_doc *const *)pa, *b = *(const mdc_doc *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* mdc.yaml text + one models file -> a canonical registry (NULL on any error). */
static mdc_registry *compile(const char *project_yaml, const char *models_yaml)
{
    mdc_diags d;
    mdc_diags_init(&d, A);
    mdc_yfile pf, mf;
    mdc_yaml_parse(A, "mdc.yaml", project_yaml, strlen(project_yaml), &d, &pf);
    mdc_registry *reg = mdc_new(A, mdc_registry);
    reg->project = mdc_load_project(A, "mdc.yaml", pf.ndocs ? pf.docs[0].root : NULL, &d);
    mdc_yaml_parse(A, "models/m.yaml", models_yaml, strlen(models_yaml), &d, &mf);
    reg->docs = mdc_new_array(A, mdc_doc *, mf.ndocs + 1);
    for (size_t i = 0; i < mf.ndocs; i++) {
        mdc_doc *doc = mdc_load_document(A, reg->project, "models/m.yaml", &mf.docs[i], &d);
        if (doc) reg->docs[reg->ndocs++] = doc;
    }
    qsort(reg->docs, reg->ndocs, sizeof *reg->docs, cmp_doc);
    mdc_validate(A, reg, &d);
    if (d.errors) {
        for (size_t i = 0; i < d.n; i++)
            fprintf(stderr, "  %s:%u: %s\n", d.v[i]->code, d.v[i]->line, d.v[i]->message);
        mdc_diags_release(&d);
        return NULL;
    }
    mdc_diags_release(&d);
    mdc_canon_registry(A, reg);
    return reg;
}

static const char PROJECT[] =
    "project: shop\nversion: 1.2.0\nreserved_models: [Legacy]\nmax_risk: HIGH\n"
    "rules:\n  INDEX_ADDED: {bump: minor}\n  DOC_CHANGED: {risk: MEDIUM}\n";

static const char MODELS[] =
    "kind: model\n"
    "name: User\n"
    "version: 1.4.0-rc.1\n"
    "description: People who can sign in.\n"
    "owner: identity\n"
    "tags: [pii, core]\n"
    "meta: {retention_days: 30, ratio: 0.5, nested: {a: [1, \"x\"]}}\n"
    "fields:\n"
    "  id:         {type: uuid, primary_key: true, default_expr: uuid}\n"
    "  name:       string\n"
    "  email:      {type: string(320), unique: true, description: \"Login \\\"address\\\"\\n\"}\n"
    "  nickname:   string?\n"
    "  active:     {type: bool, default: true}\n"
    "  ratio:      {type: float64, default: 1}\n"
    "  price:      {type: \"decimal(12,2)\", default: 12.50}\n"
    "  created_at: {type: timestamptz, default_expr: now}\n"
    "  day:        {type: date, default: 2024-02-29}\n"
    "  manager_id: {type: uuid, nullable: true, references: User.id, on_delete: set_null}\n"
    "  status:     {type: \"enum(active, archived)\", default: active}\n"
    "  labels:     {type: \"string[]\", nullable: true, default: [a, b]}\n"
    "  weights:    {type: \"float32[]\", nullable: true, default: [1, 2.5]}\n"
    "  doc:        {type: json, nullable: true, meta: {pii: true}}\n"
    "  seq:        {type: int64, default_expr: {postgres: \"nextval('s')\", sqlite: \"(random())\"}}\n"
    "reserved: [legacy_flag]\n"
    "unique: [[name, email]]\n"
    "indexes:\n"
    "  - {fields: [created_at], order: desc}\n"
    "  - {fields: [manager_id, created_at desc], name: users_mgr}\n"
    "  - {fields: [email], unique: true, where: \"active\"}\n"
    "checks:\n"
    "  - {name: email_has_at, expr: \"email LIKE '%@%'\"}\n"
    "---\n"
    "kind: model\n"
    "name: Post\n"
    "schema: blog\n"
    "table: blog_posts\n"
    "source: primary_db\n"
    "primary_key: [author_id, id]\n"
    "fields:\n"
    "  id: {type: int64, identity: true}\n"
    "  author_id: {type: uuid, references: User, on_delete: cascade, on_update: restrict}\n"
    "  title: string\n"
    "---\n"
    "kind: source\nname: primary_db\ntype: postgres\nuri: postgresql://db:5432/app\nversion: 2.0.0\n"
    "description: main\n"
    "---\n"
    "kind: entity\nname: Customer\nmaps_to: [User, primary_db.contacts]\n"
    "---\n"
    "kind: contract\nname: billing-reads-users\nconsumer: billing\nmodel: User\ncompatibility: full\n"
    "fields: {id: uuid, email: string(320)}\n"
    "---\n"
    "kind: contract\nname: crm\nconsumer: crm\nmodel: User\nfields: [id]\n";

static char *state_of(const mdc_registry *r)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_canon_state_json(&b, r);
    return mdc_buf_detach(&b);
}

TEST(round_trip_keeps_every_checksum)
{
    mdc_registry *r = compile(PROJECT, MODELS);
    CHECK(r != NULL);
    if (!r) return;
    char *s = state_of(r);
    mdc_registry *back = NULL;
    mdc_error err = {{0}};
    int rc = mdc_canon_read_state(&back, A, s, strlen(s), "migrations/postgres/0001_x.sql", &err);
    if (rc) fprintf(stderr, "  %s\n", err.msg);
    CHECK_INT(rc, 0);
    if (rc) return;
    CHECK_STR(back->checksum, r->checksum);
    CHECK_INT(back->ndocs, r->ndocs);
    for (size_t i = 0; i < r->ndocs && i < back->ndocs; i++) {
        CHECK_STR(back->docs[i]->checksum, r->docs[i]->checksum);
        CHECK_STR(back->docs[i]->structure_checksum, r->docs[i]->structure_checksum);
        CHECK_STR(back->docs[i]->canonical_json, r->docs[i]->canonical_json);
    }
    CHECK_STR(back->project->canonical_json, r->project->canonical_json);
    /* the state text is itself a fixed point */
    char *s2 = state_of(back);
    CHECK_STR(s2, s);
    /* resolved references and keys */
    const mdc_model *post = mdc_registry_model(back, "Post");
    CHECK(post && post->npk == 2);
    const mdc_field *a = post ? mdc_model_field(post, "author_id") : NULL;
    CHECK(a && a->primary_key && a->ref_target == mdc_registry_model(back, "User"));
    CHECK(a && a->ref_target_field && strcmp(a->ref_target_field->name, "id") == 0);
    const mdc_field *ratio = mdc_model_field(mdc_registry_model(back, "User"), "ratio");
    CHECK(ratio && ratio->default_value && ratio->default_value->kind == MDC_V_FLOAT);
    free(s);
    free(s2);
}

TEST(read_back_diffs_as_no_change)
{
    mdc_registry *r = compile(PROJECT, MODELS);
    if (!r) return;
    char *s = state_of(r);
    mdc_registry *back = NULL;
    mdc_error err = {{0}};
    CHECK_INT(mdc_canon_read_state(&back, A, s, strlen(s), "x", &err), 0);
    mdc_diags d;
    mdc_diags_init(&d, A);
    mdc_diff *df = back ? mdc_diff_registries(A, back, r, &d) : NULL;
    CHECK(df && df->ndocs == 0 && d.errors == 0);
    mdc_diags_release(&d);
    free(s);
}

static int read_text(const char *s, mdc_error *err)
{
    mdc_registry *r = NULL;
    return mdc_canon_read_state(&r, A, s, strlen(s), "f.sql", err);
}

/* Replaces the first occurrence of from by to in s (a new heap string). */
static char *edit(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    if (!p) return strdup(s);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *r = malloc(n + 1);
    memcpy(r, s, (size_t)(p - s));
    strcpy(r + (p - s), to);
    strcat(r, p + strlen(from));
    return r;
}

TEST(edited_states_are_rejected)
{
    mdc_registry *r = compile(PROJECT, MODELS);
    if (!r) return;
    char *s = state_of(r);
    mdc_error err = {{0}};
    struct {
        const char *from, *to, *want;
    } cases[] = {
        {"\"nullable\":true", "\"nullable\":false", "checksum mismatch"},
        {"\"format\":1", "\"format\":2", "format"},
        {"\"owner\":\"identity\"", "\"owner\":\"identity\",\"extra\":1", "unknown key"},
        {"\"title\":{", "\"title \":{", "checksum mismatch"},
        {"\"type\":\"uuid\"", "\"type\":\"uuid(3)\"", "type"},
        {"\"expr\":\"email LIKE '%@%'\"", "\"expr\":\"1); DROP TABLE users; --\"", "single SQL expression"},
        {"\"on_delete\":\"cascade\"", "\"on_delete\":\"explode\"", "on_delete"},
        {"\"primary_key\":[\"id\"]", "\"primary_key\":[\"nope\"]", "primary key"},
        {"\"version\":\"2.0.0\"", "\"version\":\"2.0\"", "semantic version"},
        {"{\"checksum\":", "{\"checksum\":1,\"x\":", "unknown key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = edit(s, cases[i].from, cases[i].to);
        CHECK(strcmp(t, s) != 0);
        err.msg[0] = '\0';
        int rc = read_text(t, &err);
        CHECK_INT(rc, -1);
        if (!strstr(err.msg, cases[i].want)) fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        CHECK(strstr(err.msg, cases[i].want) != NULL);
        free(t);
    }
    /* every truncation fails cleanly */
    size_t n = strlen(s);
    for (size_t k = 0; k < n; k += 97) {
        char *t = strndup(s, k);
        CHECK_INT(read_text(t, &err), -1);
        free(t);
    }
    CHECK_INT(read_text("[]", &err), -1);
    CHECK_INT(read_text("{\"checksum\":\"00\",\"documents\":[],\"format\":1,\"project\":null}", &err), -1);
    free(s);
}

int main(void)
{
    A = mdc_arena_new();
    RUN(round_trip_keeps_every_checksum);
    RUN(read_back_diffs_as_no_change);
    RUN(edited_states_are_rejected);
    mdc_arena_free(A);
    DONE();
}
