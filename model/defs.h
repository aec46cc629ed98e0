/*
 * defs.h - the definitions a compilation produces (SPEC 3): the project file, models and
 * their fields, sources, entities and contracts, and the registry that holds them.
 *
 * These are the shared data types of the pipeline.  The front end (compiler/load_*.c)
 * builds them from YAML, validation fills in the resolved parts, the canonical form
 * (compiler/canon.c) serialises them, and diff, SQL and snapshot writers read them.
 *
 * Everything here lives in the compilation's arena; strings are NUL-terminated UTF-8.
 * After loading, every optional value is made explicit (e.g. table and schema names are
 * filled in), so later stages never re-derive defaults.
 */
#ifndef MDC_DEFS_H
#define MDC_DEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* ------------------------------------------------------------------ positions */

/* Where a node was written: repository-relative path, 1-based line and byte column. */
typedef struct mdc_loc {
    const char *path;
    uint32_t line, col;
} mdc_loc;

/* ------------------------------------------------------------------ values */

/* A YAML value resolved by the 1.2 core schema; used for `default:` literals and `meta:`. */
typedef enum mdc_value_kind {
    MDC_V_NULL,
    MDC_V_BOOL,
    MDC_V_INT,    /* integer that fits int64 */
    MDC_V_FLOAT,  /* finite double */
    MDC_V_STRING, /* also decimal defaults, as normalised exact text ("12.50" -> "12.5") */
    MDC_V_SEQ,
    MDC_V_MAP /* keys in items[2i] (strings), values in items[2i+1]; sorted by key */
} mdc_value_kind;

typedef struct mdc_value {
    mdc_value_kind kind;
    bool b;
    int64_t i;
    double f;
    const char *s; /* STRING */
    size_t len;    /* bytes of s */
    struct mdc_value **items;
    size_t n; /* SEQ: n items; MAP: n pairs (2n entries in items) */
} mdc_value;

/* ------------------------------------------------------------------ types (SPEC 3.2) */

typedef enum mdc_base_type {
    MDC_T_BOOL,
    MDC_T_INT16,
    MDC_T_INT32,
    MDC_T_INT64,
    MDC_T_FLOAT32,
    MDC_T_FLOAT64,
    MDC_T_DECIMAL,
    MDC_T_STRING,
    MDC_T_BYTES,
    MDC_T_UUID,
    MDC_T_DATE,
    MDC_T_TIME,
    MDC_T_INTERVAL,
    MDC_T_TIMESTAMP,
    MDC_T_TIMESTAMPTZ,
    MDC_T_JSON,
    MDC_T_ENUM,
    MDC_T__COUNT
} mdc_base_type;

typedef struct mdc_type {
    mdc_base_type base;
    bool array;         /* T[] */
    int32_t length;     /* string(n): n; 0 = unbounded TEXT */
    int32_t precision;  /* decimal(p,s): p; 0 = unconstrained NUMERIC */
    int32_t scale;      /* decimal(p,s): s */
    const char **values; /* enum values in declared order */
    size_t nvalues;
} mdc_type;

/* ------------------------------------------------------------------ models (SPEC 3.1) */

typedef enum mdc_fk_action {
    MDC_FK_NO_ACTION = 0, /* the default when not written */
    MDC_FK_RESTRICT,
    MDC_FK_CASCADE,
    MDC_FK_SET_NULL,
    MDC_FK_SET_DEFAULT
} mdc_fk_action;

typedef enum mdc_default_expr {
    MDC_DX_NONE = 0,
    MDC_DX_NOW,
    MDC_DX_CURRENT_DATE,
    MDC_DX_UUID,
    MDC_DX_CUSTOM /* {postgres: SQL, sqlite: SQL} */
} mdc_default_expr;

typedef struct mdc_model mdc_model;

typedef struct mdc_field {
    const char *name;
    mdc_loc loc;      /* the field's key */
    mdc_loc type_loc; /* the type scalar */
    uint32_t position; /* 0-based column order as written */
    mdc_type type;
    bool nullable;
    bool primary_key; /* member of the model's primary key (either spelling) */
    bool identity;
    bool unique;      /* single-column unique (field flag or a one-column `unique:` entry) */
    const mdc_value *default_value;  /* NULL: none */
    mdc_default_expr default_expr;
    const char *default_pg, *default_sqlite; /* MDC_DX_CUSTOM only */
    /* references: Model or Model.field; ref_field is filled in with the target's primary
     * key during validation when not written.  ref_target/ref_target_field are resolved. */
    const char *ref_model, *ref_field;
    bool ref_implicit; /* written as `references: Model`: ref_field is the target's key,
                          resolved again by every validation */
    mdc_loc ref_loc;
    const mdc_model *ref_target;
    const struct mdc_field *ref_target_field;
    mdc_fk_action on_delete, on_update;
    const char *description;
    const char *renamed_from; /* hint only: never in a checksum */
    mdc_loc renamed_from_loc; /* its value (line 0 when not written) */
    const mdc_value *meta;    /* MAP or NULL */
} mdc_field;

typedef struct mdc_index_col {
    const char *field;
    bool desc;
    mdc_loc loc;
} mdc_index_col;

typedef struct mdc_index {
    const char *name; /* optional `name:`; NULL = derived by the SQL emitter */
    mdc_index_col *cols;
    size_t ncols;
    bool unique;
    const char *where; /* raw SQL predicate or NULL */
    mdc_loc loc;
} mdc_index;

typedef struct mdc_unique {
    const char **fields;
    mdc_loc *locs;
    size_t nfields;
    mdc_loc loc;
} mdc_unique;

typedef struct mdc_check {
    const char *name;
    const char *expr;
    mdc_loc loc;
} mdc_check;

/* Common to every document kind.  The enum order is the alphabetical order of the kind
 * names, so "sorted by kind, then name" means the same in memory and in every output. */
typedef enum mdc_kind { MDC_KIND_CONTRACT, MDC_KIND_ENTITY, MDC_KIND_MODEL, MDC_KIND_SOURCE } mdc_kind;

typedef struct mdc_semver {
    bool present;
    uint32_t major, minor, patch;
    const char *prerelease; /* after '-', or NULL (build metadata after '+' is dropped) */
} mdc_semver;

typedef struct mdc_doc {
    mdc_kind kind;
    const char *name;
    mdc_loc loc;      /* the document's first node (`kind:` key line) */
    mdc_loc name_loc; /* the `name:` value */
    const char *path;
    const char *blob_oid; /* 40 hex of the file's blob, or "" */
    mdc_semver version;
    mdc_loc version_loc;          /* the `version:` value */
    uint32_t version_off, version_len; /* byte span of that scalar in the file (mdc bump) */
    const char *description;
    /* Filled in by compiler/canon.c. */
    const char *canonical_json;  /* RFC 8785 */
    const char *structure_json;  /* canonical JSON of the structural part */
    char checksum[33];
    char structure_checksum[33];
    void *body; /* mdc_model*, mdc_source*, mdc_entity* or mdc_contract* by kind */
    const void *owner; /* private: the compilation that loaded it (documents are shared
                          between compilations of the same repository) */
} mdc_doc;

struct mdc_model {
    mdc_doc *doc;
    const char *table;  /* explicit or pluralised snake_case (SPEC 3.1) */
    bool table_explicit;
    const char *schema; /* explicit or the project default */
    const char *source; /* kind: source name or NULL (the project's own database) */
    mdc_loc source_loc;
    const char *owner;
    const char **tags; /* sorted, unique */
    size_t ntags;
    const mdc_value *meta;
    mdc_field *fields; /* in written order */
    size_t nfields;
    uint32_t *ref_fields; /* indexes of the fields with `references` (validation walks these) */
    size_t nref_fields;
    const char **primary_key; /* column names in key order */
    size_t npk;
    mdc_loc pk_loc;
    mdc_unique *uniques; /* multi-column unique constraints only */
    size_t nuniques;
    mdc_index *indexes;
    size_t nindexes;
    mdc_check *checks;
    size_t nchecks;
    const char **reserved; /* sorted */
    size_t nreserved;
    const char *renamed_from; /* hint only */
    mdc_loc renamed_from_loc; /* its value (line 0 when not written) */
};

/* ------------------------------------------------------------------ other kinds (SPEC 3.3) */

typedef struct mdc_source {
    mdc_doc *doc;
    const char *type; /* postgres | sqlite | mysql | mongo | qdrant | kafka | s3 | api | other */
    const char *uri;
} mdc_source;

typedef struct mdc_entity {
    mdc_doc *doc;
    const char **maps_to; /* "Model" or "source.table", sorted, unique */
    mdc_loc *maps_to_locs;
    size_t nmaps;
} mdc_entity;

typedef enum mdc_compat { MDC_COMPAT_BACKWARD, MDC_COMPAT_FORWARD, MDC_COMPAT_FULL, MDC_COMPAT_NONE } mdc_compat;

typedef struct mdc_contract_field {
    const char *name;
    const mdc_type *type; /* NULL when the list form was used (presence only) */
    mdc_loc loc;
} mdc_contract_field;

typedef struct mdc_contract {
    mdc_doc *doc;
    const char *consumer;
    const char *model;
    mdc_loc model_loc;
    mdc_compat compatibility;
    mdc_contract_field *fields; /* sorted by name */
    size_t nfields;
} mdc_contract;

/* ------------------------------------------------------------------ project (SPEC 2) */

typedef enum mdc_risk { MDC_RISK_LOW, MDC_RISK_MEDIUM, MDC_RISK_HIGH, MDC_RISK_CRITICAL } mdc_risk;
typedef enum mdc_bump { MDC_BUMP_NONE, MDC_BUMP_PATCH, MDC_BUMP_MINOR, MDC_BUMP_MAJOR } mdc_bump;

typedef struct mdc_rule_override {
    const char *rule;
    int bump; /* mdc_bump, or -1 when not overridden */
    int risk; /* mdc_risk, or -1 when not overridden */
    mdc_loc loc;
} mdc_rule_override;

typedef struct mdc_project {
    const char *path; /* "mdc.yaml" relative to the project root */
    const char *name; /* project: */
    mdc_semver version;
    mdc_loc version_loc;
    uint32_t version_off, version_len;
    const char **model_dirs; /* relative to the project root; default {"models"} */
    size_t nmodel_dirs;
    bool dialect_postgres, dialect_sqlite;
    const char *migrations; /* default "migrations" */
    const char *snapshot;   /* default "registry.db" */
    const char *pg_schema;  /* default "public" */
    bool sqlite_registry_table; /* sqlite.dataflow_registry: table (DataFlow 0.4+); default view */
    mdc_risk max_risk;      /* default MEDIUM */
    const char **reserved_models; /* sorted */
    size_t nreserved_models;
    mdc_loc reserved_models_loc; /* the `reserved_models:` key (line 0 when absent) */
    mdc_rule_override *rules;
    size_t nrules;
    const char *canonical_json; /* filled in by canon.c */
} mdc_project;

/* ------------------------------------------------------------------ the registry */

/* A compiled state: the project and every document, sorted by (kind, name). */
typedef struct mdc_registry {
    mdc_project *project;
    mdc_doc **docs;
    size_t ndocs;
    char checksum[33]; /* registry checksum (SPEC 4) */
    const void *owner; /* private: the compilation that built it (see mdc_doc.owner) */
    bool unique_sorted; /* private: docs known to be in strict (kind, name) order */
} mdc_registry;

/* Names of the enums as written in YAML and JSON ("cascade", "backward", "MEDIUM", ...). */
const char *mdc_kind_name(mdc_kind k);
const char *mdc_fk_action_name(mdc_fk_action a);
const char *mdc_compat_name(mdc_compat c);
const char *mdc_risk_name(mdc_risk r);
const char *mdc_bump_name(mdc_bump b);
const char *mdc_default_expr_name(mdc_default_expr e); /* "now", "current_date", "uuid" */

/* Lookups on a compiled registry (binary search; docs are sorted). NULL when absent. */
mdc_doc *mdc_registry_find(const mdc_registry *r, mdc_kind kind, const char *name);
const mdc_model *mdc_registry_model(const mdc_registry *r, const char *name);
const mdc_field *mdc_model_field(const mdc_model *m, const char *name);

#endif
