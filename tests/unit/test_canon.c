/*
 * test_canon.c - the canonical form and checksums (compiler/canon.c, SPEC 4).
 *
 * Definitions are built directly as arena structs (no YAML loader involved), then:
 *   - the exact canonical JSON of each document kind and of the project is asserted
 *     (these strings ARE the stored format: docs/canonical-form.md);
 *   - XXH3-128 is checked against the `xxhsum -H2` command run at test time;
 *   - everything that does not change meaning (field, tag, index, unique, check, meta key
 *     order; type alias spelling; primary key spelling; rename hints; positions) leaves
 *     both checksums alone, and every change of meaning moves the checksum, and moves the
 *     structure checksum exactly when it reaches the database;
 *   - the registry checksum is the hash of the documented line list.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compiler/canon.h"
#include "model/buf.h"
#include "model/types.h"

/* ------------------------------------------------------------------ xxhsum */

/* XXH3-128 of data as printed by `xxhsum -H2`, or "" when the command failed. */
static void xxhsum_of(const void *data, size_t len, char out[33])
{
    out[0] = '\0';
    char path[] = "/tmp/mdc_test_canon_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "test_canon: cannot create a temporary file in /tmp\n");
        return;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n <= 0) break;
        p += n;
        left -= (size_t)n;
    }
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "xxhsum -H2 '%s' 2>/dev/null", path);
    FILE *f = popen(cmd, "r");
    char line[256] = "";
    if (f) {
        if (!fgets(line, sizeof line, f)) line[0] = '\0';
        int rc = pclose(f);
        if (rc != 0) line[0] = '\0';
    }
    unlink(path);
    size_t n = strspn(line, "0123456789abcdef");
    if (n != 32) {
        fprintf(stderr, "test_canon: `xxhsum -H2` did not run (is the xxhash package "
                        "installed?); it is needed to check XXH3-128 independently\n");
        return;
    }
    memcpy(out, line, 32);
    out[32] = '\0';
}

static const char *hex_of(const void *data, size_t len)
{
    static char h[33];
    mdc_xxh128_hex(data, len, h);
    return h;
}

TEST(xxh128_known_vectors)
{
    CHECK_STR(hex_of("", 0), "99aa06d3014798d86001c324468d497f");
    char want[33];
    xxhsum_of("", 0, want);
    CHECK_STR(hex_of("", 0), want);
    xxhsum_of("abc", 3, want);
    CHECK_STR(hex_of("abc", 3), want);
}

TEST(xxh128_one_megabyte_matches_xxhsum)
{
    size_t n = 1 << 20;
    unsigned char *buf = malloc(n);
    uint64_t s = 0x243F6A8885A308D3u;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        buf[i] = (unsigned char)(s >> 56);
    }
    char want[33];
    xxhsum_of(buf, n, want);
    CHECK_STR(hex_of(buf, n), want);
    /* One flipped bit gives another hash. */
    buf[n / 2] ^= 1;
    CHECK(strcmp(hex_of(buf, n), want) != 0);
    free(buf);
}

/* ------------------------------------------------------------------ building definitions */

static mdc_arena *A;

static mdc_value *v_new(mdc_value_kind k)
{
    mdc_value *v = mdc_new(A, mdc_value);
    v->kind = k;
    return v;
}

static mdc_value *v_str(const char *s)
{
    mdc_value *v = v_new(MDC_V_STRING);
    v->s = s;
    v->len = strlen(s);
    return v;
}

static mdc_value *v_bool(bool b)
{
    mdc_value *v = v_new(MDC_V_BOOL);
    v->b = b;
    return v;
}

static mdc_value *v_int(int64_t i)
{
    mdc_value *v = v_new(MDC_V_INT);
    v->i = i;
    return v;
}

static mdc_value *v_float(double f)
{
    mdc_value *v = v_new(MDC_V_FLOAT);
    v->f = f;
    return v;
}

/* A map of n pairs: key, value, key, value, ... */
static mdc_value *v_map(size_t n, ...)
{
    mdc_value *v = v_new(MDC_V_MAP);
    v->n = n;
    v->items = mdc_new_array(A, mdc_value *, 2 * n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < 2 * n; i += 2) {
        v->items[i] = v_str(va_arg(ap, const char *));
        v->items[i + 1] = va_arg(ap, mdc_value *);
    }
    va_end(ap);
    return v;
}

static mdc_type ty(mdc_base_type base)
{
    mdc_type t = {.base = base};
    return t;
}

static mdc_type ty_string(int32_t n)
{
    mdc_type t = {.base = MDC_T_STRING, .length = n};
    return t;
}

static const char **names(size_t n, ...)
{
    const char **v = mdc_new_array(A, const char *, n ? n : 1);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        v[i] = va_arg(ap, const char *);
    va_end(ap);
    return v;
}

static mdc_doc *new_doc(mdc_kind kind, const char *name, void *body)
{
    mdc_doc *d = mdc_new(A, mdc_doc);
    d->kind = kind;
    d->name = name;
    d->path = "models/x.yaml";
    d->blob_oid = "";
    d->body = body;
    return d;
}

static void reverse(void *base, size_t n, size_t size)
{
    char tmp[512];
    char *p = base;
    if (size > sizeof tmp) abort();
    for (size_t i = 0; i < n / 2; i++) {
        memcpy(tmp, p + i * size, size);
        memcpy(p + i * size, p + (n - 1 - i) * size, size);
        memcpy(p + (n - 1 - i) * size, tmp, size);
    }
}

/* What to vary in the User model of SPEC 3.1. */
typedef enum change {
    SAME,
    /* no meaning: neither checksum moves */
    FIELD_ORDER,
    TAG_ORDER,
    INDEX_ORDER,
    UNIQUE_ORDER,
    CHECK_ORDER,
    META_ORDER,
    UNIQUE_DUPLICATE,
    RENAME_HINTS,
    PK_SPELLED_ON_MODEL,
    /* metadata: checksum moves, structure checksum does not */
    MODEL_DESCRIPTION,
    FIELD_DESCRIPTION,
    OWNER,
    TAG_ADDED,
    MODEL_META,
    FIELD_META,
    VERSION,
    VERSION_PRERELEASE,
    /* structure: both move */
    TYPE,
    TYPE_LENGTH,
    NULLABLE,
    DEFAULT,
    DEFAULT_FLOAT,
    DEFAULT_EXPR,
    REF_ON_DELETE,
    REF_ON_UPDATE,
    REF_FIELD,
    INDEX_DESC,
    INDEX_WHERE,
    INDEX_UNIQUE,
    INDEX_NAME,
    UNIQUE_FLAG,
    UNIQUE_COLUMNS,
    PRIMARY_KEY,
    CHECK_EXPR,
    CHECK_NAME,
    TABLE,
    SCHEMA,
    SOURCE,
    RESERVED,
    IDENTITY,
    ENUM_VALUE,
    N_CHANGES
} change;

#define FIRST_META MODEL_DESCRIPTION
#define FIRST_STRUCTURE TYPE

/*
 * The User model of SPEC 3.1 (plus a few fields that cover every kind of default):
 * written order id, name, email, nickname, active, created_at, manager_id, status,
 * labels, price, ratio, seq, slug.
 */
static mdc_doc *user_model(change ch)
{
    mdc_model *m = mdc_new(A, mdc_model);
    mdc_doc *d = new_doc(MDC_KIND_MODEL, "User", m);
    m->doc = d;
    d->version = (mdc_semver){.present = true, .major = 1, .minor = 4, .patch = 0};
    d->description = "People who can sign in.";
    m->table = "users";
    m->schema = "public";
    m->owner = "identity-team";
    m->tags = names(1, "pii");
    m->ntags = 1;
    m->meta = v_map(2, "retention_days", v_int(30), "classification", v_str("internal"));

    enum { NF = 13 };
    mdc_field *f = mdc_new_array(A, mdc_field, NF);
    f[0] = (mdc_field){
        .name = "id", .type = ty(MDC_T_UUID), .primary_key = true, .default_expr = MDC_DX_UUID};
    f[1] = (mdc_field){.name = "name", .type = ty(MDC_T_STRING)};
    f[2] = (mdc_field){.name = "email",
                       .type = ty_string(320),
                       .unique = true,
                       .description = "Login address",
                       .meta = v_map(1, "pii", v_bool(true))};
    f[3] = (mdc_field){.name = "nickname", .type = ty(MDC_T_STRING), .nullable = true};
    f[4] = (mdc_field){.name = "active", .type = ty(MDC_T_BOOL), .default_value = v_bool(true)};
    f[5] = (mdc_field){
        .name = "created_at", .type = ty(MDC_T_TIMESTAMPTZ), .default_expr = MDC_DX_NOW};
    f[6] = (mdc_field){.name = "manager_id",
                       .type = ty(MDC_T_UUID),
                       .nullable = true,
                       .ref_model = "User",
                       .ref_field = "id",
                       .on_delete = MDC_FK_SET_NULL};
    mdc_type st = {.base = MDC_T_ENUM, .values = names(2, "active", "archived"), .nvalues = 2};
    f[7] = (mdc_field){.name = "status", .type = st, .default_value = v_str("active")};
    mdc_type lt = {.base = MDC_T_STRING, .array = true};
    f[8] = (mdc_field){.name = "labels", .type = lt, .nullable = true};
    mdc_type dt = {.base = MDC_T_DECIMAL, .precision = 12, .scale = 2};
    f[9] = (mdc_field){.name = "price", .type = dt, .default_value = v_str("12.5")};
    f[10] = (mdc_field){.name = "ratio", .type = ty(MDC_T_FLOAT64), .default_value = v_float(0.5)};
    f[11] = (mdc_field){.name = "seq", .type = ty(MDC_T_INT64), .identity = true};
    f[12] = (mdc_field){.name = "slug",
                        .type = ty(MDC_T_STRING),
                        .default_expr = MDC_DX_CUSTOM,
                        .default_pg = "gen_slug()",
                        .default_sqlite = "lower(hex(randomblob(4)))"};
    m->fields = f;
    m->nfields = NF;
    m->primary_key = names(1, "id");
    m->npk = 1;

    m->uniques = mdc_new_array(A, mdc_unique, 3);
    m->uniques[0] = (mdc_unique){.fields = names(2, "name", "email"), .nfields = 2};
    m->uniques[1] = (mdc_unique){.fields = names(2, "nickname", "created_at"), .nfields = 2};
    m->nuniques = 2;

    mdc_index_col *c1 = mdc_new_array(A, mdc_index_col, 1);
    c1[0] = (mdc_index_col){.field = "created_at", .desc = true};
    mdc_index_col *c2 = mdc_new_array(A, mdc_index_col, 2);
    c2[0] = (mdc_index_col){.field = "manager_id"};
    c2[1] = (mdc_index_col){.field = "created_at", .desc = true};
    mdc_index_col *c3 = mdc_new_array(A, mdc_index_col, 1);
    c3[0] = (mdc_index_col){.field = "email"};
    m->indexes = mdc_new_array(A, mdc_index, 3);
    m->indexes[0] = (mdc_index){.cols = c1, .ncols = 1};
    m->indexes[1] = (mdc_index){.cols = c2, .ncols = 2};
    m->indexes[2] = (mdc_index){.cols = c3, .ncols = 1, .unique = true, .where = "active"};
    m->nindexes = 3;

    m->checks = mdc_new_array(A, mdc_check, 2);
    m->checks[0] = (mdc_check){.name = "email_has_at", .expr = "email LIKE '%@%'"};
    m->checks[1] = (mdc_check){.name = "active_known", .expr = "active IS NOT NULL"};
    m->nchecks = 2;

    m->reserved = names(1, "legacy_flag");
    m->nreserved = 1;

    switch (ch) {
    case SAME:
        break;
    case FIELD_ORDER:
        reverse(m->fields, m->nfields, sizeof *m->fields);
        break;
    case TAG_ORDER:
        m->tags = names(2, "pii", "core");
        m->ntags = 2;
        break;
    case INDEX_ORDER:
        reverse(m->indexes, m->nindexes, sizeof *m->indexes);
        break;
    case UNIQUE_ORDER:
        reverse(m->uniques, m->nuniques, sizeof *m->uniques);
        break;
    case CHECK_ORDER:
        reverse(m->checks, m->nchecks, sizeof *m->checks);
        break;
    case META_ORDER:
        m->meta = v_map(2, "classification", v_str("internal"), "retention_days", v_int(30));
        break;
    case UNIQUE_DUPLICATE:
        m->uniques[2] = m->uniques[0];
        m->nuniques = 3;
        break;
    case RENAME_HINTS:
        m->renamed_from = "Person";
        f[1].renamed_from = "full_name";
        for (size_t i = 0; i < m->nfields; i++)
            f[i].position = (uint32_t)(100 - i);
        break;
    case PK_SPELLED_ON_MODEL:
        f[0].primary_key = false;
        break; /* the list alone says it */
    case MODEL_DESCRIPTION:
        d->description = "People who may sign in.";
        break;
    case FIELD_DESCRIPTION:
        f[1].description = "Display name";
        break;
    case OWNER:
        m->owner = "platform-team";
        break;
    case TAG_ADDED:
        m->tags = names(2, "gdpr", "pii");
        m->ntags = 2;
        break;
    case MODEL_META:
        m->meta = v_map(1, "retention_days", v_int(31));
        break;
    case FIELD_META:
        f[2].meta = NULL;
        break;
    case VERSION:
        d->version.minor = 5;
        break;
    case VERSION_PRERELEASE:
        d->version.prerelease = "rc.1";
        break;
    case TYPE:
        f[1].type = ty(MDC_T_BYTES);
        break;
    case TYPE_LENGTH:
        f[2].type = ty_string(254);
        break;
    case NULLABLE:
        f[1].nullable = true;
        break;
    case DEFAULT:
        f[4].default_value = v_bool(false);
        break;
    case DEFAULT_FLOAT:
        f[10].default_value = v_float(0.25);
        break;
    case DEFAULT_EXPR:
        f[5].default_expr = MDC_DX_CURRENT_DATE;
        break;
    case REF_ON_DELETE:
        f[6].on_delete = MDC_FK_CASCADE;
        break;
    case REF_ON_UPDATE:
        f[6].on_update = MDC_FK_RESTRICT;
        break;
    case REF_FIELD:
        f[6].ref_field = "seq";
        break;
    case INDEX_DESC:
        c2[0].desc = true;
        break;
    case INDEX_WHERE:
        m->indexes[2].where = "NOT active";
        break;
    case INDEX_UNIQUE:
        m->indexes[0].unique = true;
        break;
    case INDEX_NAME:
        m->indexes[0].name = "users_recent";
        break;
    case UNIQUE_FLAG:
        f[3].unique = true;
        break;
    case UNIQUE_COLUMNS:
        m->uniques[1].fields = names(2, "created_at", "nickname");
        break;
    case PRIMARY_KEY:
        m->primary_key = names(2, "id", "seq");
        m->npk = 2;
        break;
    case CHECK_EXPR:
        m->checks[0].expr = "email LIKE '%_@_%'";
        break;
    case CHECK_NAME:
        m->checks[0].name = "email_valid";
        break;
    case TABLE:
        m->table = "people";
        break;
    case SCHEMA:
        m->schema = "identity";
        break;
    case SOURCE:
        m->source = "primary_db";
        break;
    case RESERVED:
        m->reserved = names(2, "legacy_flag", "old_email");
        m->nreserved = 2;
        break;
    case IDENTITY:
        f[11].identity = false;
        break;
    case ENUM_VALUE:
        f[7].type.values = names(3, "active", "archived", "banned");
        f[7].type.nvalues = 3;
        break;
    case N_CHANGES:
        break;
    }
    return d;
}

/* ------------------------------------------------------------------ golden texts */

#define F_PLAIN(type, nullable)                                                                    \
    "{\"default\":null,\"default_expr\":null,\"description\":null,\"identity\":false,"             \
    "\"meta\":{},\"nullable\":" nullable ",\"references\":null,\"type\":\"" type "\","             \
    "\"unique\":false}"

static const char USER_JSON[] =
    "{\"checks\":[{\"expr\":\"active IS NOT NULL\",\"name\":\"active_known\"},"
    "{\"expr\":\"email LIKE '%@%'\",\"name\":\"email_has_at\"}],"
    "\"description\":\"People who can sign in.\","
    "\"fields\":{"
    "\"active\":{\"default\":true,\"default_expr\":null,\"description\":null,"
    "\"identity\":false,\"meta\":{},\"nullable\":false,\"references\":null,\"type\":\"bool\","
    "\"unique\":false},"
    "\"created_at\":{\"default\":null,\"default_expr\":\"now\",\"description\":null,"
    "\"identity\":false,\"meta\":{},\"nullable\":false,\"references\":null,"
    "\"type\":\"timestamptz\",\"unique\":false},"
    "\"email\":{\"default\":null,\"default_expr\":null,\"description\":\"Login address\","
    "\"identity\":false,\"meta\":{\"pii\":true},\"nullable\":false,\"references\":null,"
    "\"type\":\"string(320)\",\"unique\":true},"
    "\"id\":{\"default\":null,\"default_expr\":\"uuid\",\"description\":null,"
    "\"identity\":false,\"meta\":{},\"nullable\":false,\"references\":null,\"type\":\"uuid\","
    "\"unique\":false},"
    "\"labels\":" F_PLAIN(
        "string[]",
        "true") ","
                "\"manager_id\":{\"default\":null,\"default_expr\":null,\"description\":null,"
                "\"identity\":false,\"meta\":{},\"nullable\":true,\"references\":{\"field\":\"id\","
                "\"model\":\"User\",\"on_delete\":\"set_null\",\"on_update\":\"no_action\"},"
                "\"type\":\"uuid\",\"unique\":false},"
                "\"name\":" F_PLAIN(
                    "string",
                    "false") ","
                             "\"nickname\":" F_PLAIN(
                                 "string",
                                 "true") ","
                                         "\"price\":{\"default\":\"12.5\",\"default_expr\":null,"
                                         "\"description\":null,"
                                         "\"identity\":false,\"meta\":{},\"nullable\":false,"
                                         "\"references\":null,"
                                         "\"type\":\"decimal(12,2)\",\"unique\":false},"
                                         "\"ratio\":{\"default\":0.5,\"default_expr\":null,"
                                         "\"description\":null,"
                                         "\"identity\":false,\"meta\":{},\"nullable\":false,"
                                         "\"references\":null,"
                                         "\"type\":\"float64\",\"unique\":false},"
                                         "\"seq\":{\"default\":null,\"default_expr\":null,"
                                         "\"description\":null,"
                                         "\"identity\":true,\"meta\":{},\"nullable\":false,"
                                         "\"references\":null,"
                                         "\"type\":\"int64\",\"unique\":false},"
                                         "\"slug\":{\"default\":null,\"default_expr\":{"
                                         "\"postgres\":\"gen_slug()\","
                                         "\"sqlite\":\"lower(hex(randomblob(4)))\"},"
                                         "\"description\":null,\"identity\":false,"
                                         "\"meta\":{},\"nullable\":false,\"references\":null,"
                                         "\"type\":\"string\","
                                         "\"unique\":false},"
                                         "\"status\":{\"default\":\"active\",\"default_expr\":null,"
                                         "\"description\":null,"
                                         "\"identity\":false,\"meta\":{},\"nullable\":false,"
                                         "\"references\":null,"
                                         "\"type\":\"enum(active,archived)\",\"unique\":false}"
                                         "},"
                                         "\"indexes\":["
                                         "{\"fields\":[{\"name\":\"created_at\",\"order\":\"desc\"}"
                                         "],\"name\":null,"
                                         "\"unique\":false,\"where\":null},"
                                         "{\"fields\":[{\"name\":\"email\",\"order\":\"asc\"}],"
                                         "\"name\":null,\"unique\":true,"
                                         "\"where\":\"active\"},"
                                         "{\"fields\":[{\"name\":\"manager_id\",\"order\":\"asc\"},"
                                         "{\"name\":\"created_at\","
                                         "\"order\":\"desc\"}],\"name\":null,\"unique\":false,"
                                         "\"where\":null}"
                                         "],"
                                         "\"kind\":\"model\","
                                         "\"meta\":{\"classification\":\"internal\",\"retention_"
                                         "days\":30},"
                                         "\"name\":\"User\","
                                         "\"owner\":\"identity-team\","
                                         "\"primary_key\":[\"id\"],"
                                         "\"reserved\":[\"legacy_flag\"],"
                                         "\"schema\":\"public\","
                                         "\"source\":null,"
                                         "\"table\":\"users\","
                                         "\"tags\":[\"pii\"],"
                                         "\"unique\":[[\"name\",\"email\"],[\"nickname\",\"created_"
                                         "at\"]],"
                                         "\"version\":\"1.4.0\"}";

#define S_PLAIN(type, nullable)                                                                    \
    "{\"default\":null,\"default_expr\":null,\"identity\":false,\"nullable\":" nullable            \
    ",\"references\":null,\"type\":\"" type "\",\"unique\":false}"

static const char USER_STRUCTURE_JSON[] =
    "{\"checks\":[{\"expr\":\"active IS NOT NULL\",\"name\":\"active_known\"},"
    "{\"expr\":\"email LIKE '%@%'\",\"name\":\"email_has_at\"}],"
    "\"fields\":{"
    "\"active\":{\"default\":true,\"default_expr\":null,\"identity\":false,"
    "\"nullable\":false,\"references\":null,\"type\":\"bool\",\"unique\":false},"
    "\"created_at\":{\"default\":null,\"default_expr\":\"now\",\"identity\":false,"
    "\"nullable\":false,\"references\":null,\"type\":\"timestamptz\",\"unique\":false},"
    "\"email\":{\"default\":null,\"default_expr\":null,\"identity\":false,"
    "\"nullable\":false,\"references\":null,\"type\":\"string(320)\",\"unique\":true},"
    "\"id\":{\"default\":null,\"default_expr\":\"uuid\",\"identity\":false,"
    "\"nullable\":false,\"references\":null,\"type\":\"uuid\",\"unique\":false},"
    "\"labels\":" S_PLAIN(
        "string[]",
        "true") ","
                "\"manager_id\":{\"default\":null,\"default_expr\":null,\"identity\":false,"
                "\"nullable\":true,\"references\":{\"field\":\"id\",\"model\":\"User\","
                "\"on_delete\":\"set_null\",\"on_update\":\"no_action\"},\"type\":\"uuid\","
                "\"unique\":false},"
                "\"name\":" S_PLAIN(
                    "string", "false") ","
                                       "\"nickname\":" S_PLAIN(
                                           "string",
                                           "true") ","
                                                   "\"price\":{\"default\":\"12.5\",\"default_"
                                                   "expr\":null,\"identity\":false,"
                                                   "\"nullable\":false,\"references\":null,"
                                                   "\"type\":\"decimal(12,2)\",\"unique\":false},"
                                                   "\"ratio\":{\"default\":0.5,\"default_expr\":"
                                                   "null,\"identity\":false,"
                                                   "\"nullable\":false,\"references\":null,"
                                                   "\"type\":\"float64\",\"unique\":false},"
                                                   "\"seq\":{\"default\":null,\"default_expr\":"
                                                   "null,\"identity\":true,"
                                                   "\"nullable\":false,\"references\":null,"
                                                   "\"type\":\"int64\",\"unique\":false},"
                                                   "\"slug\":{\"default\":null,\"default_expr\":{"
                                                   "\"postgres\":\"gen_slug()\","
                                                   "\"sqlite\":\"lower(hex(randomblob(4)))\"},"
                                                   "\"identity\":false,\"nullable\":false,"
                                                   "\"references\":null,\"type\":\"string\","
                                                   "\"unique\":false},"
                                                   "\"status\":{\"default\":\"active\",\"default_"
                                                   "expr\":null,\"identity\":false,"
                                                   "\"nullable\":false,\"references\":null,"
                                                   "\"type\":\"enum(active,archived)\","
                                                   "\"unique\":false}"
                                                   "},"
                                                   "\"indexes\":["
                                                   "{\"fields\":[{\"name\":\"created_at\","
                                                   "\"order\":\"desc\"}],\"name\":null,"
                                                   "\"unique\":false,\"where\":null},"
                                                   "{\"fields\":[{\"name\":\"email\",\"order\":"
                                                   "\"asc\"}],\"name\":null,\"unique\":true,"
                                                   "\"where\":\"active\"},"
                                                   "{\"fields\":[{\"name\":\"manager_id\","
                                                   "\"order\":\"asc\"},{\"name\":\"created_at\","
                                                   "\"order\":\"desc\"}],\"name\":null,\"unique\":"
                                                   "false,\"where\":null}"
                                                   "],"
                                                   "\"kind\":\"model\","
                                                   "\"name\":\"User\","
                                                   "\"primary_key\":[\"id\"],"
                                                   "\"reserved\":[\"legacy_flag\"],"
                                                   "\"schema\":\"public\","
                                                   "\"source\":null,"
                                                   "\"table\":\"users\","
                                                   "\"unique\":[[\"name\",\"email\"],[\"nickname\","
                                                   "\"created_at\"]]}";

TEST(model_canonical_json_golden)
{
    mdc_doc *d = user_model(SAME);
    mdc_canon_doc(A, d);
    CHECK_STR(d->canonical_json, USER_JSON);
    CHECK_STR(d->structure_json, USER_STRUCTURE_JSON);
    /* The checksums are the hashes of exactly those bytes, as xxhsum prints them. */
    char want[33];
    xxhsum_of(USER_JSON, strlen(USER_JSON), want);
    CHECK_STR(d->checksum, want);
    xxhsum_of(USER_STRUCTURE_JSON, strlen(USER_STRUCTURE_JSON), want);
    CHECK_STR(d->structure_checksum, want);
    CHECK_INT(strlen(d->checksum), 32);
}

TEST(model_empty_golden)
{
    mdc_model *m = mdc_new(A, mdc_model);
    mdc_doc *d = new_doc(MDC_KIND_MODEL, "Empty", m);
    m->doc = d;
    m->table = "empties";
    m->schema = "public";
    mdc_canon_doc(A, d);
    CHECK_STR(d->canonical_json,
              "{\"checks\":[],\"description\":null,\"fields\":{},\"indexes\":[],"
              "\"kind\":\"model\",\"meta\":{},\"name\":\"Empty\",\"owner\":null,"
              "\"primary_key\":[],\"reserved\":[],\"schema\":\"public\",\"source\":null,"
              "\"table\":\"empties\",\"tags\":[],\"unique\":[],\"version\":null}");
    CHECK_STR(d->structure_json,
              "{\"checks\":[],\"fields\":{},\"indexes\":[],\"kind\":\"model\","
              "\"name\":\"Empty\",\"primary_key\":[],\"reserved\":[],\"schema\":\"public\","
              "\"source\":null,\"table\":\"empties\",\"unique\":[]}");
}

TEST(model_strings_are_escaped_and_keys_sorted_by_utf16)
{
    /* Field names are identifiers after validation, but the writer must not depend on it. */
    mdc_model *m = mdc_new(A, mdc_model);
    mdc_doc *d = new_doc(MDC_KIND_MODEL, "Odd", m);
    m->doc = d;
    m->table = "odd";
    m->schema = "public";
    d->description = "line1\nline2 \"quoted\" \\ tab\t";
    m->fields = mdc_new_array(A, mdc_field, 2);
    m->fields[0] = (mdc_field){.name = "\xef\xac\xb3", .type = ty(MDC_T_INT32)};
    m->fields[1] = (mdc_field){.name = "\xf0\x9f\x98\x80", .type = ty(MDC_T_INT32)};
    m->nfields = 2;
    mdc_canon_doc(A, d);
    const char *j = d->canonical_json;
    CHECK(strstr(j, "\"description\":\"line1\\nline2 \\\"quoted\\\" \\\\ tab\\t\"") != NULL);
    const char *emoji = strstr(j, "\"\xf0\x9f\x98\x80\":");
    const char *dalet = strstr(j, "\"\xef\xac\xb3\":");
    CHECK(emoji && dalet && emoji < dalet);
}

TEST(model_prerelease_version)
{
    mdc_doc *d = user_model(VERSION_PRERELEASE);
    mdc_canon_doc(A, d);
    CHECK(strstr(d->canonical_json, ",\"version\":\"1.4.0-rc.1\"}") != NULL);
}

/* ------------------------------------------------------------------ invariance */

typedef struct sums {
    char c[33], s[33];
} sums;

static sums sums_of(mdc_doc *d)
{
    mdc_canon_doc(A, d);
    sums r;
    memcpy(r.c, d->checksum, 33);
    memcpy(r.s, d->structure_checksum, 33);
    return r;
}

static const char *const change_names[N_CHANGES] = {
    "SAME",
    "FIELD_ORDER",
    "TAG_ORDER",
    "INDEX_ORDER",
    "UNIQUE_ORDER",
    "CHECK_ORDER",
    "META_ORDER",
    "UNIQUE_DUPLICATE",
    "RENAME_HINTS",
    "PK_SPELLED_ON_MODEL",
    "MODEL_DESCRIPTION",
    "FIELD_DESCRIPTION",
    "OWNER",
    "TAG_ADDED",
    "MODEL_META",
    "FIELD_META",
    "VERSION",
    "VERSION_PRERELEASE",
    "TYPE",
    "TYPE_LENGTH",
    "NULLABLE",
    "DEFAULT",
    "DEFAULT_FLOAT",
    "DEFAULT_EXPR",
    "REF_ON_DELETE",
    "REF_ON_UPDATE",
    "REF_FIELD",
    "INDEX_DESC",
    "INDEX_WHERE",
    "INDEX_UNIQUE",
    "INDEX_NAME",
    "UNIQUE_FLAG",
    "UNIQUE_COLUMNS",
    "PRIMARY_KEY",
    "CHECK_EXPR",
    "CHECK_NAME",
    "TABLE",
    "SCHEMA",
    "SOURCE",
    "RESERVED",
    "IDENTITY",
    "ENUM_VALUE",
};

TEST(order_and_spelling_do_not_change_checksums)
{
    sums base = sums_of(user_model(SAME));
    for (int ch = FIELD_ORDER; ch < FIRST_META; ch++) {
        if (ch == TAG_ORDER) continue; /* a different tag set: compared below */
        sums s = sums_of(user_model((change)ch));
        if (strcmp(s.c, base.c) != 0 || strcmp(s.s, base.s) != 0)
            fprintf(stderr, "  %s changed a checksum\n", change_names[ch]);
        CHECK_STR(s.c, base.c);
        CHECK_STR(s.s, base.s);
    }
    /* Tags in either order. */
    mdc_doc *a = user_model(TAG_ORDER);
    sums s1 = sums_of(a);
    ((mdc_model *)a->body)->tags = names(2, "core", "pii");
    sums s2 = sums_of(a);
    CHECK_STR(s1.c, s2.c);
    CHECK(strstr(a->canonical_json, "\"tags\":[\"core\",\"pii\"]") != NULL);
    /* The rename hints never reach the text. */
    mdc_doc *r = user_model(RENAME_HINTS);
    mdc_canon_doc(A, r);
    CHECK(strstr(r->canonical_json, "full_name") == NULL);
    CHECK(strstr(r->canonical_json, "Person") == NULL);
    CHECK(strstr(r->canonical_json, "position") == NULL);
    /* A duplicated unique constraint is listed once. */
    mdc_doc *u = user_model(UNIQUE_DUPLICATE);
    mdc_canon_doc(A, u);
    CHECK(strstr(u->canonical_json,
                 "\"unique\":[[\"name\",\"email\"],[\"nickname\",\"created_at\"]]") != NULL);
}

TEST(metadata_changes_move_only_the_checksum)
{
    sums base = sums_of(user_model(SAME));
    for (int ch = FIRST_META; ch < FIRST_STRUCTURE; ch++) {
        sums s = sums_of(user_model((change)ch));
        if (strcmp(s.c, base.c) == 0 || strcmp(s.s, base.s) != 0)
            fprintf(stderr, "  %s: checksum moved %d, structure moved %d\n", change_names[ch],
                    strcmp(s.c, base.c) != 0, strcmp(s.s, base.s) != 0);
        CHECK(strcmp(s.c, base.c) != 0);
        CHECK_STR(s.s, base.s);
    }
}

TEST(structural_changes_move_both_checksums)
{
    sums base = sums_of(user_model(SAME));
    char seen[N_CHANGES][33];
    for (int ch = FIRST_STRUCTURE; ch < N_CHANGES; ch++) {
        sums s = sums_of(user_model((change)ch));
        if (strcmp(s.c, base.c) == 0 || strcmp(s.s, base.s) == 0)
            fprintf(stderr, "  %s: checksum moved %d, structure moved %d\n", change_names[ch],
                    strcmp(s.c, base.c) != 0, strcmp(s.s, base.s) != 0);
        CHECK(strcmp(s.c, base.c) != 0);
        CHECK(strcmp(s.s, base.s) != 0);
        /* ... and each change gives a structure of its own. */
        memcpy(seen[ch], s.s, 33);
        for (int k = FIRST_STRUCTURE; k < ch; k++)
            CHECK(strcmp(seen[k], s.s) != 0);
    }
}

/* A one-field model whose field type is parsed from `spelling`. */
static sums sums_of_typed(const char *spelling)
{
    mdc_model *m = mdc_new(A, mdc_model);
    mdc_doc *d = new_doc(MDC_KIND_MODEL, "Counter", m);
    m->doc = d;
    m->table = "counters";
    m->schema = "public";
    m->fields = mdc_new_array(A, mdc_field, 1);
    m->fields[0].name = "n";
    bool nullable = false;
    const char *msg = NULL, *suggest = NULL;
    CHECK_INT(mdc_type_parse(A, spelling, true, &m->fields[0].type, &nullable, &msg, &suggest),
              MDC_TYPE_OK);
    m->fields[0].nullable = nullable;
    m->nfields = 1;
    return sums_of(d);
}

TEST(type_aliases_give_identical_checksums)
{
    static const char *const same[][4] = {
        {"int32", "int", "integer", NULL},
        {"bool", "boolean", NULL},
        {"string(20)", "varchar(20)", "string( 20 )", NULL},
        {"decimal(12,2)", "numeric(12, 2)", NULL},
        {"json", "jsonb", "dict", NULL},
        {"int64?", "bigint?", NULL},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        sums first = sums_of_typed(same[i][0]);
        for (size_t j = 1; j < 4 && same[i][j]; j++) {
            sums s = sums_of_typed(same[i][j]);
            if (strcmp(s.c, first.c) != 0)
                fprintf(stderr, "  %s and %s differ\n", same[i][0], same[i][j]);
            CHECK_STR(s.c, first.c);
        }
    }
    CHECK(strcmp(sums_of_typed("int32").c, sums_of_typed("int64").c) != 0);
    CHECK(strcmp(sums_of_typed("int32").c, sums_of_typed("int32?").c) != 0);
}

/* ------------------------------------------------------------------ other kinds */

static mdc_doc *crm_source(void)
{
    mdc_source *s = mdc_new(A, mdc_source);
    mdc_doc *d = new_doc(MDC_KIND_SOURCE, "crm_postgres", s);
    s->doc = d;
    s->type = "postgres";
    s->uri = "postgresql://crm-db:5432/crm";
    d->version = (mdc_semver){.present = true, .major = 1};
    return d;
}

static mdc_doc *customer_entity(void)
{
    mdc_entity *e = mdc_new(A, mdc_entity);
    mdc_doc *d = new_doc(MDC_KIND_ENTITY, "Customer", e);
    e->doc = d;
    d->description = "A paying organisation.";
    e->maps_to = names(2, "crm_postgres.contacts", "User");
    e->nmaps = 2;
    return d;
}

static mdc_doc *billing_contract(bool typed)
{
    mdc_contract *k = mdc_new(A, mdc_contract);
    mdc_doc *d = new_doc(MDC_KIND_CONTRACT, "billing-reads-users", k);
    k->doc = d;
    k->consumer = "billing-service";
    k->model = "User";
    k->compatibility = MDC_COMPAT_BACKWARD;
    k->fields = mdc_new_array(A, mdc_contract_field, 3);
    k->fields[0].name = "id";
    k->fields[1].name = "email";
    k->fields[2].name = "active";
    if (typed) {
        mdc_type *t = mdc_new_array(A, mdc_type, 3);
        t[0] = ty(MDC_T_UUID);
        t[1] = ty_string(320);
        t[2] = ty(MDC_T_BOOL);
        for (int i = 0; i < 3; i++)
            k->fields[i].type = &t[i];
    }
    k->nfields = 3;
    return d;
}

TEST(source_golden)
{
    mdc_doc *d = crm_source();
    mdc_canon_doc(A, d);
    CHECK_STR(d->canonical_json,
              "{\"description\":null,\"kind\":\"source\",\"name\":\"crm_postgres\","
              "\"type\":\"postgres\",\"uri\":\"postgresql://crm-db:5432/crm\","
              "\"version\":\"1.0.0\"}");
    CHECK_STR(d->structure_json, "{\"kind\":\"source\",\"name\":\"crm_postgres\","
                                 "\"type\":\"postgres\",\"uri\":\"postgresql://crm-db:5432/crm\"}");
    CHECK_STR(d->checksum, hex_of(d->canonical_json, strlen(d->canonical_json)));
    CHECK_STR(d->structure_checksum, hex_of(d->structure_json, strlen(d->structure_json)));
}

TEST(entity_golden)
{
    mdc_doc *d = customer_entity();
    mdc_canon_doc(A, d);
    CHECK_STR(d->canonical_json,
              "{\"description\":\"A paying organisation.\",\"kind\":\"entity\","
              "\"maps_to\":[\"User\",\"crm_postgres.contacts\"],\"name\":\"Customer\","
              "\"version\":null}");
    CHECK_STR(d->structure_json, "{\"kind\":\"entity\",\"maps_to\":[\"User\","
                                 "\"crm_postgres.contacts\"],\"name\":\"Customer\"}");
    sums before = {{0}, {0}};
    memcpy(before.c, d->checksum, 33);
    memcpy(before.s, d->structure_checksum, 33);
    d->description = "Someone who pays.";
    mdc_canon_doc(A, d);
    CHECK(strcmp(before.c, d->checksum) != 0);
    CHECK_STR(before.s, d->structure_checksum);
}

TEST(contract_golden)
{
    mdc_doc *d = billing_contract(false);
    mdc_canon_doc(A, d);
    CHECK_STR(d->canonical_json,
              "{\"compatibility\":\"backward\",\"consumer\":\"billing-service\","
              "\"description\":null,\"fields\":{\"active\":null,\"email\":null,\"id\":null},"
              "\"kind\":\"contract\",\"model\":\"User\",\"name\":\"billing-reads-users\","
              "\"version\":null}");
    CHECK_STR(d->structure_json,
              "{\"compatibility\":\"backward\",\"consumer\":\"billing-service\","
              "\"fields\":{\"active\":null,\"email\":null,\"id\":null},"
              "\"kind\":\"contract\",\"model\":\"User\",\"name\":\"billing-reads-users\"}");
    mdc_doc *t = billing_contract(true);
    mdc_canon_doc(A, t);
    CHECK_STR(t->canonical_json,
              "{\"compatibility\":\"backward\",\"consumer\":\"billing-service\","
              "\"description\":null,\"fields\":{\"active\":\"bool\",\"email\":\"string(320)\","
              "\"id\":\"uuid\"},\"kind\":\"contract\",\"model\":\"User\","
              "\"name\":\"billing-reads-users\",\"version\":null}");
    CHECK(strcmp(d->structure_checksum, t->structure_checksum) != 0);
}

/* ------------------------------------------------------------------ project and registry */

static mdc_project *shop_project(void)
{
    mdc_project *p = mdc_new(A, mdc_project);
    p->path = "mdc.yaml";
    p->name = "shop";
    p->version = (mdc_semver){.present = true, .major = 1, .minor = 3};
    p->model_dirs = names(2, "shared/models", "models");
    p->nmodel_dirs = 2;
    p->dialect_postgres = p->dialect_sqlite = true;
    p->migrations = "migrations";
    p->snapshot = "registry.db";
    p->pg_schema = "public";
    p->max_risk = MDC_RISK_MEDIUM;
    p->reserved_models = names(1, "Legacy");
    p->nreserved_models = 1;
    p->rules = mdc_new_array(A, mdc_rule_override, 4);
    p->rules[0] = (mdc_rule_override){.rule = "INDEX_ADDED", .bump = MDC_BUMP_MINOR, .risk = -1};
    p->rules[1] =
        (mdc_rule_override){.rule = "FIELD_MADE_NULLABLE", .bump = MDC_BUMP_MAJOR, .risk = -1};
    p->rules[2] = (mdc_rule_override){.rule = "MODEL_ADDED", .bump = -1, .risk = MDC_RISK_HIGH};
    p->rules[3] = (mdc_rule_override){.rule = "DOC_CHANGED", .bump = -1, .risk = -1};
    p->nrules = 4;
    return p;
}

static const char SHOP_JSON[] =
    "{\"dialects\":[\"postgres\",\"sqlite\"],\"max_risk\":\"MEDIUM\","
    "\"migrations\":\"migrations\",\"models\":[\"models\",\"shared/models\"],"
    "\"postgres\":{\"schema\":\"public\"},\"project\":\"shop\","
    "\"reserved_models\":[\"Legacy\"],"
    "\"rules\":{\"FIELD_MADE_NULLABLE\":{\"bump\":\"major\"},\"INDEX_ADDED\":{\"bump\":"
    "\"minor\"},\"MODEL_ADDED\":{\"risk\":\"HIGH\"}},"
    "\"snapshot\":\"registry.db\",\"version\":\"1.3.0\"}";

TEST(project_golden)
{
    mdc_project *p = shop_project();
    mdc_canon_project(A, p);
    CHECK_STR(p->canonical_json, SHOP_JSON);

    p->dialect_postgres = false;
    p->version.present = false;
    p->nrules = 0;
    mdc_canon_project(A, p);
    CHECK_STR(p->canonical_json,
              "{\"dialects\":[\"sqlite\"],\"max_risk\":\"MEDIUM\","
              "\"migrations\":\"migrations\",\"models\":[\"models\",\"shared/models\"],"
              "\"postgres\":{\"schema\":\"public\"},\"project\":\"shop\","
              "\"reserved_models\":[\"Legacy\"],\"rules\":{},"
              "\"snapshot\":\"registry.db\",\"version\":null}");
}

static mdc_registry *shop_registry(bool reversed)
{
    mdc_registry *r = mdc_new(A, mdc_registry);
    r->project = shop_project();
    r->ndocs = 5;
    r->docs = mdc_new_array(A, mdc_doc *, r->ndocs);
    /* sorted by (kind, name), as the compiler hands them over */
    r->docs[0] = billing_contract(false);
    r->docs[1] = customer_entity();
    r->docs[2] = new_doc(MDC_KIND_MODEL, "Tag", NULL);
    r->docs[3] = user_model(SAME);
    r->docs[4] = crm_source();
    mdc_model *tag = mdc_new(A, mdc_model);
    tag->doc = r->docs[2];
    tag->table = "tags";
    tag->schema = "public";
    r->docs[2]->body = tag;
    if (reversed) reverse(r->docs, r->ndocs, sizeof *r->docs);
    return r;
}

TEST(registry_checksum_is_the_hash_of_the_documented_lines)
{
    mdc_registry *r = shop_registry(false);
    mdc_canon_registry(A, r);
    CHECK_STR(r->project->canonical_json, SHOP_JSON);

    mdc_buf want = MDC_BUF_INIT;
    mdc_buf_printf(&want, "contract/billing-reads-users %s\n", r->docs[0]->checksum);
    mdc_buf_printf(&want, "entity/Customer %s\n", r->docs[1]->checksum);
    mdc_buf_printf(&want, "model/Tag %s\n", r->docs[2]->checksum);
    mdc_buf_printf(&want, "model/User %s\n", r->docs[3]->checksum);
    mdc_buf_printf(&want, "source/crm_postgres %s\n", r->docs[4]->checksum);
    mdc_buf_printf(&want, "mdc.yaml %s\n", SHOP_JSON);
    char hex[33];
    xxhsum_of(want.ptr, want.len, hex);
    CHECK_STR(r->checksum, hex);
    mdc_buf_free(&want);

    /* Every document was canonicalised, exactly as mdc_canon_doc does it. */
    CHECK_STR(r->docs[3]->canonical_json, USER_JSON);
    mdc_doc *alone = user_model(SAME);
    mdc_canon_doc(A, alone);
    CHECK_STR(r->docs[3]->checksum, alone->checksum);
    CHECK_STR(r->docs[3]->structure_checksum, alone->structure_checksum);
}

TEST(registry_checksum_invariance_and_sensitivity)
{
    mdc_registry *r1 = shop_registry(false);
    mdc_canon_registry(A, r1);
    mdc_registry *r2 = shop_registry(true);
    mdc_canon_registry(A, r2);
    CHECK_STR(r1->checksum, r2->checksum);

    /* A document's change moves it... */
    mdc_registry *r3 = shop_registry(false);
    r3->docs[3] = user_model(OWNER);
    mdc_canon_registry(A, r3);
    CHECK(strcmp(r1->checksum, r3->checksum) != 0);

    /* ... and so does the project file's. */
    mdc_registry *r4 = shop_registry(false);
    r4->project->snapshot = "build/registry.db";
    mdc_canon_registry(A, r4);
    CHECK(strcmp(r1->checksum, r4->checksum) != 0);

    /* An empty registry still has a checksum: the hash of the project line alone. */
    mdc_registry *r5 = mdc_new(A, mdc_registry);
    r5->project = shop_project();
    mdc_canon_registry(A, r5);
    mdc_buf want = MDC_BUF_INIT;
    mdc_buf_printf(&want, "mdc.yaml %s\n", SHOP_JSON);
    CHECK_STR(r5->checksum, hex_of(want.ptr, want.len));
    mdc_buf_free(&want);
}

/* ------------------------------------------------------------------ speed */

TEST(ten_thousand_models_are_fast)
{
    enum { N = 10000 };
    mdc_registry *r = mdc_new(A, mdc_registry);
    r->project = shop_project();
    r->ndocs = N;
    r->docs = mdc_new_array(A, mdc_doc *, N);
    for (int i = 0; i < N; i++) {
        mdc_doc *d = user_model(SAME);
        d->name = mdc_printf(A, "M%05d", i);
        r->docs[i] = d;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mdc_canon_registry(A, r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    fprintf(stderr, "  canonicalised %d models (13 fields each) in %.1f ms\n", N, ms);
    /* Generous for Debug and sanitizer builds; a release build takes a fraction of it. */
    CHECK(ms < 2000);
    CHECK_INT(strlen(r->checksum), 32);
}

int main(void)
{
    A = mdc_arena_new();
    RUN(xxh128_known_vectors);
    RUN(xxh128_one_megabyte_matches_xxhsum);
    RUN(model_canonical_json_golden);
    RUN(model_empty_golden);
    RUN(model_strings_are_escaped_and_keys_sorted_by_utf16);
    RUN(model_prerelease_version);
    RUN(order_and_spelling_do_not_change_checksums);
    RUN(metadata_changes_move_only_the_checksum);
    RUN(structural_changes_move_both_checksums);
    RUN(type_aliases_give_identical_checksums);
    RUN(source_golden);
    RUN(entity_golden);
    RUN(contract_golden);
    RUN(project_golden);
    RUN(registry_checksum_is_the_hash_of_the_documented_lines);
    RUN(registry_checksum_invariance_and_sensitivity);
    RUN(ten_thousand_models_are_fast);
    mdc_arena_free(A);
    DONE();
}
