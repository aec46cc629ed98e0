/*
 * sql_sqlite.c - the SQLite migration writer (SPEC 6.1, 6.2); see sql.h.
 *
 * SQLite changes a table in place only by ADD COLUMN, RENAME COLUMN, DROP COLUMN and
 * RENAME TO; everything else (types, nullability, defaults, keys, constraints) goes through
 * the rebuild of https://www.sqlite.org/lang_altertable.html#otheralter: create the new
 * table, copy the rows (CAST where the type changes), drop the old one, rename the new one,
 * recreate the indexes, check the foreign keys.  `PRAGMA foreign_keys=OFF` comes before
 * BEGIN (SQLite ignores it inside a transaction), so that dropping a parent table does not
 * cascade into its children.
 *
 * Stopping a script.  Run as `sqlite3 db < file.sql`, the shell does not stop at an error
 * (without -bail): it reports it and goes on with the next statement, and an error inside
 * a transaction undoes only that statement.  So nothing in the middle of the file may
 * depend on stopping, and the file does not rely on it:
 *
 *   - every step that must have worked leaves a row in temp."mdc_check" with ok = 1 (the
 *     guard, the catalog check of dataflow_migrations, the columns of every table it
 *     touches, every index it creates or drops, the row counts of every rebuilt table,
 *     the foreign key check, the recorded row).  A step that failed leaves no row, or
 *     ok = 0;
 *   - the last statement before COMMIT inserts the 'gate' row; a trigger on it counts the
 *     ok rows and, unless all N are there, runs RAISE(ROLLBACK), which undoes the whole
 *     transaction.  After it only COMMIT (then an error: no transaction is active) and
 *     PRAGMAs follow, so nothing runs outside the transaction;
 *   - the guard and the catalog check also RAISE(ABORT) at once: sqlite3_exec() stops at
 *     the first error, leaving the transaction open for the caller to roll back.
 *
 * The gate itself reads only temp."mdc_check", which the file creates before anything
 * else, so it cannot fail to compile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/types.h"
#include "sql.h"

typedef struct lite {
    mdc_buf *b;
    const mdc_sql_plan *p;
    mdc_arena *a;
    size_t nchecks; /* rows with ok = 1 the gate expects */
} lite;

#define OUT(w, ...) mdc_sql_appendf((w)->b, MDC_DIALECT_SQLITE, __VA_ARGS__)


static void check_rowv(lite *w, const char *key, const char *cond)
{
    OUT(w, "INSERT INTO temp.\"mdc_check\" (\"k\", \"ok\") SELECT %L, %s;\n", key, cond);
    w->nchecks++;
}

/* ------------------------------------------------------------------ definitions */

static const char *lite_type(const mdc_field *f)
{
    return mdc_type_sqlite(&f->type);
}

static bool pk_member(const mdc_model *m, const char *name, size_t *pos)
{
    for (size_t i = 0; i < m->npk; i++)
        if (strcmp(m->primary_key[i], name) == 0) {
            if (pos) *pos = i + 1;
            return true;
        }
    return false;
}

static void column_def(lite *w, const mdc_field *f)
{
    OUT(w, "%I %s", f->name, lite_type(f));
    if (!f->nullable || f->identity) OUT(w, " NOT NULL");
    mdc_buf d = MDC_BUF_INIT;
    if (mdc_sql_default(&d, w->a, f, MDC_DIALECT_SQLITE)) OUT(w, " DEFAULT %s", d.ptr);
    mdc_buf_free(&d);
}

static void enum_check(lite *w, const mdc_field *f)
{
    OUT(w, "CHECK (%I IN (", f->name);
    for (size_t i = 0; i < f->type.nvalues; i++) OUT(w, "%s%L", i ? ", " : "", f->type.values[i]);
    OUT(w, "))");
}

static void fk_clause(lite *w, const mdc_model *m, const mdc_field *f)
{
    const mdc_model *t = mdc_sql_ref_model(w->p->to, f);
    const char *col = mdc_sql_ref_column(w->p->to, f);
    static const char *const actions[] = {"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"};
    OUT(w, "CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %I", mdc_sql_fkey_name(w->a, m, f), f->name,
        t ? t->table : f->ref_model);
    if (col) OUT(w, " (%I)", col);
    if (f->on_delete != MDC_FK_NO_ACTION) OUT(w, " ON DELETE %s", actions[f->on_delete]);
    if (f->on_update != MDC_FK_NO_ACTION) OUT(w, " ON UPDATE %s", actions[f->on_update]);
}

/* CREATE TABLE "name" (...) for model m (name may differ from m->table: a rebuild). */
static void create_table_as(lite *w, const mdc_model *m, const char *name)
{
    OUT(w, "CREATE TABLE %I (\n", name);
    for (size_t i = 0; i < m->nfields; i++) {
        OUT(w, "    ");
        column_def(w, &m->fields[i]);
        OUT(w, ",\n");
    }
    if (m->npk) {
        OUT(w, "    CONSTRAINT %I PRIMARY KEY (", mdc_sql_pkey_name(w->a, m));
        for (size_t i = 0; i < m->npk; i++) OUT(w, "%s%I", i ? ", " : "", m->primary_key[i]);
        OUT(w, "),\n");
    }
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = &m->fields[i];
        if (mdc_sql_field_unique_constraint(m, f))
            OUT(w, "    CONSTRAINT %I UNIQUE (%I),\n", mdc_sql_unique_name(w->a, m, &f->name, 1), f->name);
    }
    for (size_t i = 0; i < m->nuniques; i++) {
        const mdc_unique *u = &m->uniques[i];
        OUT(w, "    CONSTRAINT %I UNIQUE (", mdc_sql_unique_name(w->a, m, u->fields, u->nfields));
        for (size_t k = 0; k < u->nfields; k++) OUT(w, "%s%I", k ? ", " : "", u->fields[k]);
        OUT(w, "),\n");
    }
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = &m->fields[i];
        if (f->type.base != MDC_T_ENUM || f->type.array) continue; /* arrays: JSON text */
        OUT(w, "    CONSTRAINT %I ", mdc_sql_enum_check_name(w->a, m, f));
        enum_check(w, f);
        OUT(w, ",\n");
    }
    for (size_t i = 0; i < m->nchecks; i++)
        OUT(w, "    CONSTRAINT %I CHECK %E,\n", mdc_sql_check_name(w->a, m, &m->checks[i]), m->checks[i].expr);
    for (size_t i = 0; i < m->nfields; i++) {
        if (!m->fields[i].ref_model) continue;
        OUT(w, "    ");
        fk_clause(w, m, &m->fields[i]);
        OUT(w, ",\n");
    }
    w->b->len -= 2;
    OUT(w, "\n);\n");
}

static void create_index(lite *w, const mdc_model *m, const mdc_index *ix)
{
    const char *name = mdc_sql_index_name(w->a, m, ix);
    OUT(w, "CREATE %sINDEX %I ON %I (", ix->unique ? "UNIQUE " : "", name, m->table);
    for (size_t i = 0; i < ix->ncols; i++)
        OUT(w, "%s%I%s", i ? ", " : "", ix->cols[i].field, ix->cols[i].desc ? " DESC" : "");
    OUT(w, ")");
    if (ix->where) OUT(w, " WHERE %E", ix->where);
    OUT(w, ";\n");
    mdc_buf c = MDC_BUF_INIT;
    mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %L AND tbl_name = %L)",
                    name, m->table);
    check_rowv(w, mdc_printf(w->a, "index:%s", name), c.ptr);
    mdc_buf_free(&c);
}

static void drop_index(lite *w, const char *name)
{
    OUT(w, "DROP INDEX %I;\n", name);
    mdc_buf c = MDC_BUF_INIT;
    mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %L)", name);
    check_rowv(w, mdc_printf(w->a, "dropped-index:%s", name), c.ptr);
    mdc_buf_free(&c);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Verifies the columns of table m->table: name, declared type, NOT NULL and key position,
 * compared as one text over the columns sorted by name. */
static void check_columns(lite *w, const mdc_model *m)
{
    const char **sig = mdc_new_array(w->a, const char *, m->nfields + 1);
    for (size_t i = 0; i < m->nfields; i++) {
        const mdc_field *f = &m->fields[i];
        size_t pos = 0;
        pk_member(m, f->name, &pos);
        sig[i] = mdc_printf(w->a, "%s %s %d %zu", f->name, lite_type(f), !f->nullable || f->identity, pos);
    }
    qsort(sig, m->nfields, sizeof *sig, cmp_str);
    mdc_buf want = MDC_BUF_INIT, c = MDC_BUF_INIT;
    for (size_t i = 0; i < m->nfields; i++) {
        if (i) mdc_buf_putc(&want, '|');
        mdc_buf_puts(&want, sig[i]);
    }
    mdc_sql_appendf(&c, MDC_DIALECT_SQLITE,
                    "(SELECT group_concat(sig, '|') FROM (SELECT name || ' ' || type || ' ' || \"notnull\" || "
                    "' ' || pk AS sig FROM pragma_table_info(%L) ORDER BY name)) IS %L",
                    m->table, want.ptr ? want.ptr : "");
    check_rowv(w, mdc_printf(w->a, "columns:%s", m->table), c.ptr);
    mdc_buf_free(&want);
    mdc_buf_free(&c);
}

static void check_foreign_keys(lite *w, const char *table)
{
    mdc_buf c = MDC_BUF_INIT;
    mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "NOT EXISTS (SELECT 1 FROM pragma_foreign_key_check(%L))", table);
    check_rowv(w, mdc_printf(w->a, "foreign-keys:%s", table), c.ptr);
    mdc_buf_free(&c);
}

/* ------------------------------------------------------------------ comparing */

static bool default_differs(lite *w, const mdc_field *of, const mdc_field *nf)
{
    mdc_buf a = MDC_BUF_INIT, b = MDC_BUF_INIT;
    bool ha = mdc_sql_default(&a, w->a, of, MDC_DIALECT_SQLITE);
    bool hb = mdc_sql_default(&b, w->a, nf, MDC_DIALECT_SQLITE);
    bool differ = ha != hb || (ha && strcmp(a.ptr, b.ptr) != 0);
    mdc_buf_free(&a);
    mdc_buf_free(&b);
    return differ;
}

static bool enum_values_equal(const mdc_field *a, const mdc_field *b)
{
    bool ae = a->type.base == MDC_T_ENUM && !a->type.array, be = b->type.base == MDC_T_ENUM && !b->type.array;
    if (ae != be) return false;
    if (!ae) return true;
    if (a->type.nvalues != b->type.nvalues) return false;
    for (size_t i = 0; i < a->type.nvalues; i++)
        if (strcmp(a->type.values[i], b->type.values[i]) != 0) return false;
    return true;
}

static bool fk_equal(lite *w, const mdc_field *of, const mdc_field *nf)
{
    const mdc_sql_plan *p = w->p;
    if (!of->ref_model && !nf->ref_model) return true;
    if (!of->ref_model || !nf->ref_model) return false;
    const mdc_model *ot = mdc_sql_ref_model(p->from, of), *nt = mdc_sql_ref_model(p->to, nf);
    if (!ot || !nt || mdc_sql_paired(p, ot) != nt) return false;
    const char *oc = mdc_sql_paired_column(p, ot, mdc_sql_ref_column(p->from, of));
    const char *nc = mdc_sql_ref_column(p->to, nf);
    return oc && nc && strcmp(oc, nc) == 0 && of->on_delete == nf->on_delete && of->on_update == nf->on_update;
}

static bool cols_same(const mdc_sql_plan *p, const mdc_model *om, const char *const *oc, size_t on,
                      const char *const *nc, size_t nn)
{
    if (on != nn) return false;
    for (size_t i = 0; i < on; i++) {
        const char *c = mdc_sql_paired_column(p, om, oc[i]);
        if (!c || strcmp(c, nc[i]) != 0) return false;
    }
    return true;
}

static bool field_in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

/* Can this added field be an ALTER TABLE ADD COLUMN?  (SQLite: no PRIMARY KEY or UNIQUE,
 * NOT NULL only with a constant default, no expression default, no check or reference here
 * to keep the verification simple.) */
static bool addable(lite *w, const mdc_model *m, const mdc_field *f)
{
    if (f->identity || f->unique || f->primary_key || f->ref_model || f->type.base == MDC_T_ENUM) return false;
    if (f->default_expr != MDC_DX_NONE) return false;
    bool has_default = f->default_value && f->default_value->kind != MDC_V_NULL;
    if (!f->nullable && !has_default) return false;
    for (size_t i = 0; i < m->nuniques; i++)
        if (field_in_list(f->name, m->uniques[i].fields, m->uniques[i].nfields)) return false;
    (void)w;
    return true;
}

/* Can this removed field go with ALTER TABLE DROP COLUMN? */
static bool droppable(const mdc_model *om, const mdc_field *f)
{
    if (f->primary_key || f->unique || f->ref_model || f->type.base == MDC_T_ENUM || om->nchecks) return false;
    for (size_t i = 0; i < om->nuniques; i++)
        if (field_in_list(f->name, om->uniques[i].fields, om->uniques[i].nfields)) return false;
    for (size_t i = 0; i < om->nindexes; i++) {
        if (om->indexes[i].where) return false;
        for (size_t k = 0; k < om->indexes[i].ncols; k++)
            if (strcmp(om->indexes[i].cols[k].field, f->name) == 0) return false;
    }
    return true;
}

/* A type change that keeps the SQLite column type but still converts or checks the values
 * (int64 -> int32, string -> string(n), decimal(12,2) -> decimal(5,2), bool -> string(5)...):
 * only a rebuild copies the rows through mdc_sql_convert after the mdc_sql_misfit checks. */
static bool type_change_converts(const mdc_field *of, const mdc_field *nf)
{
    if (mdc_type_equal(&of->type, &nf->type)) return false;
    mdc_buf b = MDC_BUF_INIT;
    bool checks = mdc_sql_misfit(&b, of->name, of, nf, MDC_DIALECT_SQLITE);
    mdc_buf_clear(&b);
    mdc_sql_appendf(&b, MDC_DIALECT_SQLITE, "%I", of->name);
    size_t plain = b.len;
    mdc_sql_convert(&b, NULL, of->name, of, nf, MDC_DIALECT_SQLITE);
    bool converts = b.len != 2 * plain || memcmp(b.ptr, b.ptr + plain, plain) != 0;
    mdc_buf_free(&b);
    return checks || converts;
}

static bool needs_rebuild(lite *w, const mdc_sql_table *t)
{
    const mdc_sql_plan *p = w->p;
    const mdc_model *om = t->old, *nm = t->new_;
    for (size_t i = 0; i < t->nfields; i++) {
        const mdc_field *of = t->fields[i].old, *nf = t->fields[i].new_;
        if (!of) {
            if (!addable(w, nm, nf)) return true;
            continue;
        }
        if (!nf) {
            if (!droppable(om, of)) return true;
            continue;
        }
        if (strcmp(lite_type(of), lite_type(nf)) != 0 || type_change_converts(of, nf) || of->nullable != nf->nullable ||
            of->identity != nf->identity || of->unique != nf->unique || !enum_values_equal(of, nf) ||
            default_differs(w, of, nf) || !fk_equal(w, of, nf))
            return true;
    }
    if (!cols_same(p, om, om->primary_key, om->npk, nm->primary_key, nm->npk)) return true;
    if (om->nuniques != nm->nuniques || om->nchecks != nm->nchecks) return true;
    for (size_t j = 0; j < nm->nuniques; j++) {
        bool kept = false;
        for (size_t i = 0; i < om->nuniques && !kept; i++)
            kept = cols_same(p, om, om->uniques[i].fields, om->uniques[i].nfields, nm->uniques[j].fields,
                             nm->uniques[j].nfields);
        if (!kept) return true;
    }
    for (size_t j = 0; j < nm->nchecks; j++) {
        bool kept = false;
        for (size_t i = 0; i < om->nchecks && !kept; i++)
            kept = strcmp(om->checks[i].expr, nm->checks[j].expr) == 0 &&
                   (om->checks[i].name ? nm->checks[j].name && strcmp(om->checks[i].name, nm->checks[j].name) == 0
                                       : !nm->checks[j].name);
        if (!kept) return true;
    }
    /* constraint names derived from the table or a renamed column: only a rebuild renames them */
    if (strcmp(om->table, nm->table) != 0 && (om->npk || om->nuniques || om->nchecks)) return true;
    for (size_t i = 0; i < t->nfields; i++) {
        const mdc_field *of = t->fields[i].old, *nf = t->fields[i].new_;
        if (of && nf && (strcmp(of->name, nf->name) != 0 || strcmp(om->table, nm->table) != 0) &&
            (of->unique || of->ref_model || of->type.base == MDC_T_ENUM))
            return true;
    }
    return false;
}

static bool index_same(const mdc_sql_plan *p, const mdc_model *om, const mdc_index *a, const mdc_model *nm,
                       const mdc_index *b, mdc_arena *ar)
{
    if (a->ncols != b->ncols || a->unique != b->unique) return false;
    if ((a->where || b->where) && (!a->where || !b->where || strcmp(a->where, b->where) != 0)) return false;
    for (size_t i = 0; i < a->ncols; i++) {
        const char *c = mdc_sql_paired_column(p, om, a->cols[i].field);
        if (!c || strcmp(c, b->cols[i].field) != 0 || a->cols[i].desc != b->cols[i].desc) return false;
    }
    /* SQLite cannot rename an index: a new name is a new index */
    return strcmp(mdc_sql_index_name(ar, om, a), mdc_sql_index_name(ar, nm, b)) == 0;
}

/* ------------------------------------------------------------------ per table */

static void rename_table(lite *w, const mdc_sql_table *t)
{
    if (strcmp(t->old->table, t->new_->table) == 0) return;
    OUT(w, "ALTER TABLE %I RENAME TO %I;\n", t->old->table, t->new_->table);
}

static void in_place(lite *w, const mdc_sql_table *t)
{
    const mdc_model *om = t->old, *nm = t->new_;
    bool *kept = mdc_new_array(w->a, bool, nm->nindexes + 1);
    for (size_t i = 0; i < om->nindexes; i++) {
        bool same = false;
        for (size_t j = 0; j < nm->nindexes && !same; j++)
            if (!kept[j] && index_same(w->p, om, &om->indexes[i], nm, &nm->indexes[j], w->a)) same = kept[j] = true;
        if (!same) drop_index(w, mdc_sql_index_name(w->a, om, &om->indexes[i]));
    }
    bool changed = false;
    for (size_t i = 0; i < t->nfields; i++) {
        const mdc_field *of = t->fields[i].old, *nf = t->fields[i].new_;
        if (of && nf && strcmp(of->name, nf->name) != 0) {
            OUT(w, "ALTER TABLE %I RENAME COLUMN %I TO %I;\n", nm->table, of->name, nf->name);
            changed = true;
        }
    }
    for (size_t i = 0; i < t->nfields; i++) {
        const mdc_field *of = t->fields[i].old, *nf = t->fields[i].new_;
        if (of || !nf) continue;
        OUT(w, "ALTER TABLE %I ADD COLUMN ", nm->table);
        column_def(w, nf);
        OUT(w, ";\n");
        changed = true;
    }
    for (size_t i = 0; i < t->nfields; i++) {
        const mdc_field *of = t->fields[i].old, *nf = t->fields[i].new_;
        if (!of || nf) continue;
        if (w->p->o->down)
            OUT(w, "-- irreversible: drops column %I and its data (added by the forward migration)\n", of->name);
        else
            OUT(w, "-- reserved removal: column %I and its data are dropped\n", of->name);
        OUT(w, "ALTER TABLE %I DROP COLUMN %I;\n", nm->table, of->name);
        changed = true;
    }
    if (changed || strcmp(om->table, nm->table) != 0) check_columns(w, nm);
    for (size_t j = 0; j < nm->nindexes; j++)
        if (!kept[j]) create_index(w, nm, &nm->indexes[j]);
}

static void rebuild(lite *w, const mdc_sql_table *t)
{
    const mdc_model *nm = t->new_;
    const char *tmp = mdc_sql_rebuild_name(w->a, nm);
    OUT(w, "-- rebuild of %I (SQLite cannot change it in place)\n", nm->table);
    OUT(w, "INSERT INTO temp.\"mdc_check\" (\"k\", \"n\", \"ok\") SELECT %L, count(*), 1 FROM %I;\n",
        mdc_printf(w->a, "rows:%s", nm->table), nm->table);
    w->nchecks++;
    /* Values that a type change would truncate, round or mangle stop the migration
     * (SPEC 6.3): one check row per changed column, before anything is copied. */
    for (size_t i = 0; i < t->nfields; i++) {
        const mdc_field *of = t->fields[i].old, *nf = t->fields[i].new_;
        mdc_buf mis = MDC_BUF_INIT, cond = MDC_BUF_INIT;
        if (of && nf && mdc_sql_misfit(&mis, of->name, of, nf, MDC_DIALECT_SQLITE)) {
            mdc_sql_appendf(&cond, MDC_DIALECT_SQLITE, "NOT EXISTS (SELECT 1 FROM %I WHERE %I IS NOT NULL AND %s)", nm->table,
                            of->name, mis.ptr);
            check_rowv(w, mdc_printf(w->a, "fits:%s.%s", nm->table, nf->name), cond.ptr);
        }
        mdc_buf_free(&mis);
        mdc_buf_free(&cond);
    }
    create_table_as(w, nm, tmp);
    /* copy: kept fields by their old names, CAST where the column type changes */
    mdc_buf cols = MDC_BUF_INIT, vals = MDC_BUF_INIT;
    for (size_t i = 0; i < t->nfields; i++) {
        const mdc_field *of = t->fields[i].old, *nf = t->fields[i].new_;
        if (!of || !nf) continue;
        mdc_sql_appendf(&cols, MDC_DIALECT_SQLITE, "%s%I", cols.len ? ", " : "", nf->name);
        if (vals.len) mdc_buf_puts(&vals, ", ");
        mdc_sql_convert(&vals, w->a, of->name, of, nf, MDC_DIALECT_SQLITE);
    }
    if (cols.len)
        OUT(w, "INSERT INTO %I (%s) SELECT %s FROM %I;\n", tmp, cols.ptr, vals.ptr, nm->table);
    else
        OUT(w, "INSERT INTO %I DEFAULT VALUES;\n", tmp); /* unreachable in practice: no kept column */
    mdc_buf_free(&cols);
    mdc_buf_free(&vals);
    mdc_buf c = MDC_BUF_INIT;
    mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "(SELECT count(*) FROM %I) IS (SELECT \"n\" FROM temp.\"mdc_check\" WHERE \"k\" = %L)", tmp,
                    mdc_printf(w->a, "rows:%s", nm->table));
    check_rowv(w, mdc_printf(w->a, "copied:%s", nm->table), c.ptr);
    mdc_buf_free(&c);
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].old && !t->fields[i].new_)
            OUT(w, "-- %s: column %I is not copied: its data is dropped\n",
                w->p->o->down ? "irreversible" : "reserved removal", t->fields[i].old->name);
    OUT(w, "DROP TABLE %I;\n", nm->table);
    OUT(w, "ALTER TABLE %I RENAME TO %I;\n", tmp, nm->table);
    check_columns(w, nm);
    for (size_t j = 0; j < nm->nindexes; j++) create_index(w, nm, &nm->indexes[j]);
}

/* ------------------------------------------------------------------ the file */

/* The dataflow_model_registry this file is written for: DataFlow 0.4+'s table, or the view. */
static bool registry_table(const mdc_sql_plan *p)
{
    return p->to->project && p->to->project->sqlite_registry_table;
}

/* A check that stops the file at once: inserting its row into temp."mdc_check" with ok not 1
 * raises RAISE(ABORT, message) (see the file comment: sqlite3_exec() stops there). */
static void abort_trigger(lite *w, const char *key, const char *message)
{
    OUT(w, "CREATE TEMP TRIGGER %I BEFORE INSERT ON \"mdc_check\" WHEN NEW.\"k\" = %L AND NEW.\"ok\" IS NOT 1 "
           "BEGIN SELECT RAISE(ABORT, %L); END;\n",
        mdc_printf(w->a, "mdc_check_%s", key), key, message);
}

static void preamble(lite *w)
{
    const mdc_sql_plan *p = w->p;
    OUT(w, "CREATE TABLE IF NOT EXISTS \"dataflow_migrations\" (\"version\" TEXT PRIMARY KEY, \"name\" TEXT NOT NULL, "
           "\"checksum\" TEXT NOT NULL, \"applied_at\" TEXT, \"status\" TEXT NOT NULL DEFAULT 'pending' CHECK "
           "(\"status\" IN ('pending','applied','failed','rolled_back')), \"operations\" TEXT, \"created_at\" TEXT "
           "DEFAULT CURRENT_TIMESTAMP, \"model_definitions\" TEXT, \"application_id\" TEXT, \"model_registry_sync\" "
           "INTEGER DEFAULT 0);\n");
    OUT(w, "DROP TABLE IF EXISTS temp.\"mdc_check\";\n"
           "CREATE TEMP TABLE \"mdc_check\" (\"k\" TEXT PRIMARY KEY, \"n\" INTEGER, \"ok\" INTEGER);\n");
    /* SQLite has no ADD COLUMN IF NOT EXISTS and no conditional DDL: a table DataFlow made
     * without the seed-000 columns cannot be extended by a script that must also run where
     * they exist, and rebuilding a table mdc does not own could lose what it does not know.
     * So the file stops and says exactly what to run. */
    abort_trigger(w, "columns",
        "mdc: dataflow_migrations lacks the registry columns of DataFlow seed 000: run ALTER TABLE "
        "dataflow_migrations ADD COLUMN model_definitions TEXT; ALTER TABLE dataflow_migrations ADD COLUMN "
        "application_id TEXT; ALTER TABLE dataflow_migrations ADD COLUMN model_registry_sync INTEGER DEFAULT 0; "
        "(only those missing), then apply this file again; nothing was changed");
    abort_trigger(w, "registry",
        registry_table(p) ? "mdc: this file was written for a dataflow_model_registry table (mdc.yaml sqlite: "
                            "{dataflow_registry: table}), but this database has a view of that name; nothing was changed"
                          : "mdc: dataflow_model_registry is a table in this database (DataFlow 0.4+): set `sqlite: "
                            "{dataflow_registry: table}` in mdc.yaml, so that migrations fill it, and write the "
                            "migration again; nothing was changed");
    abort_trigger(w, "guard",
        mdc_printf(w->a,
                   "mdc: refusing to apply %s: the newest recorded migration of application %s is not the one this "
                   "file follows (%s); wrong order, a skipped file or a second application; nothing was changed",
                   p->o->name ? p->o->name : "?", p->project, *p->from_checksum ? p->from_checksum : "none"));
    check_rowv(w, "columns",
               "(SELECT count(*) FROM pragma_table_info('dataflow_migrations') WHERE name IN ('model_definitions', "
               "'application_id', 'model_registry_sync')) = 3");
    if (registry_table(p)) {
        /* switching from the view: it was mdc's (the earlier files made sure it was no table) */
        if (*p->from_checksum && p->from->project && !p->from->project->sqlite_registry_table)
            OUT(w, "DROP VIEW IF EXISTS \"dataflow_model_registry\";\n");
        /* DataFlow 0.4+'s table (dataflow/core/model_registry.py), when DataFlow has not made it yet */
        OUT(w, "CREATE TABLE IF NOT EXISTS \"dataflow_model_registry\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, "
               "\"model_name\" TEXT NOT NULL, \"model_checksum\" TEXT NOT NULL, \"model_definitions\" TEXT NOT NULL, "
               "\"application_id\" TEXT, \"registered_at\" TEXT DEFAULT CURRENT_TIMESTAMP, \"updated_at\" TEXT "
               "DEFAULT CURRENT_TIMESTAMP, \"status\" TEXT DEFAULT 'active', \"version\" INTEGER DEFAULT 1, "
               "\"metadata\" TEXT, UNIQUE (\"model_name\", \"application_id\"));\n");
        check_rowv(w, "registry", "(SELECT \"type\" FROM sqlite_master WHERE \"name\" = 'dataflow_model_registry') IS 'table'");
    } else {
        check_rowv(w, "registry", "(SELECT \"type\" FROM sqlite_master WHERE \"name\" = 'dataflow_model_registry') IS NOT 'table'");
    }
    mdc_buf c = MDC_BUF_INIT;
    if (*p->from_checksum)
        mdc_sql_appendf(&c, MDC_DIALECT_SQLITE,
                        "(SELECT \"checksum\" FROM \"dataflow_migrations\" WHERE \"application_id\" = %L AND \"status\" = "
                        "'applied' ORDER BY \"applied_at\" DESC, rowid DESC LIMIT 1) IS %L",
                        p->project, p->from_checksum);
    else
        mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "NOT EXISTS (SELECT 1 FROM \"dataflow_migrations\" WHERE \"application_id\" = %L)",
                        p->project);
    check_rowv(w, "guard", c.ptr);
    mdc_buf_free(&c);
}

static void record(lite *w)
{
    const mdc_sql_plan *p = w->p;
    mdc_buf c = MDC_BUF_INIT;
    if (p->o->down) {
        const char *fw = p->o->forward_name ? p->o->forward_name : "";
        OUT(w, "DELETE FROM \"dataflow_migrations\" WHERE \"application_id\" = %L AND \"name\" = %L AND \"checksum\" = %L;\n",
            p->project, fw, p->from_checksum);
        mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "NOT EXISTS (SELECT 1 FROM \"dataflow_migrations\" WHERE \"application_id\" = %L AND \"name\" = %L)",
                        p->project, fw);
        check_rowv(w, "recorded", c.ptr);
        mdc_buf_free(&c);
        return;
    }
    mdc_buf rv = MDC_BUF_INIT;
    OUT(w, "INSERT INTO \"dataflow_migrations\" (\"version\", \"name\", \"checksum\", \"applied_at\", \"status\", "
           "\"operations\", \"model_definitions\", \"application_id\", \"model_registry_sync\") VALUES (%L, %L, %L, "
           "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now'), 'applied', %L,\n",
        mdc_sql_record_version(&rv, p->o->to_version, p->project), p->o->name ? p->o->name : "", p->to_checksum,
        p->operations_json);
    mdc_buf_free(&rv);
    OUT(w, "%L -- mdc:state\n, %L, 1);\n", p->state_json ? p->state_json : "{}", p->project);
    mdc_sql_appendf(&c, MDC_DIALECT_SQLITE,
                    "EXISTS (SELECT 1 FROM \"dataflow_migrations\" WHERE \"application_id\" = %L AND \"name\" = %L AND "
                    "\"checksum\" = %L AND \"status\" = 'applied')",
                    p->project, p->o->name ? p->o->name : "", p->to_checksum);
    check_rowv(w, "recorded", c.ptr);
    mdc_buf_free(&c);
}

/* DataFlow discovers models through dataflow_model_registry: the seed-000 view over
 * dataflow_migrations, or DataFlow 0.4+'s table, which gets this application's rows
 * replaced by one per model of the state the file leads to. */
static void registry_sync(lite *w)
{
    const mdc_sql_plan *p = w->p;
    if (!registry_table(p)) {
        OUT(w, "CREATE VIEW IF NOT EXISTS \"dataflow_model_registry\" AS SELECT application_id, model_definitions, "
               "checksum AS model_checksum, applied_at AS registered_at, version AS schema_version FROM "
               "dataflow_migrations WHERE model_registry_sync = 1 AND status = 'applied' ORDER BY applied_at DESC;\n");
        return;
    }
    OUT(w, "DELETE FROM \"dataflow_model_registry\" WHERE \"application_id\" = %L;\n", p->project);
    size_t n = 0;
    for (size_t i = 0; i < p->to->ndocs; i++) {
        const mdc_doc *d = p->to->docs[i];
        if (d->kind != MDC_KIND_MODEL) continue;
        OUT(w, "%s(%L, %L, %L, %L)",
            n++ ? ",\n    "
                : "INSERT INTO \"dataflow_model_registry\" (\"model_name\", \"model_checksum\", \"model_definitions\", "
                  "\"application_id\") VALUES\n    ",
            d->name, d->checksum, d->canonical_json ? d->canonical_json : "{}", p->project);
    }
    if (n) OUT(w, ";\n");
    mdc_buf c = MDC_BUF_INIT;
    mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "(SELECT count(*) FROM \"dataflow_model_registry\" WHERE \"application_id\" = %L) = %z",
                    p->project, n);
    check_rowv(w, "registry rows", c.ptr);
    mdc_buf_free(&c);
}

int mdc_sql_emit_sqlite(mdc_buf *out, const mdc_sql_plan *p, mdc_error *err)
{
    (void)err;
    lite w;
    memset(&w, 0, sizeof w);
    w.b = out;
    w.p = p;
    w.a = p->a;

    bool *rebuilt = mdc_new_array(w.a, bool, p->ntables + 1);
    bool fk_off = false;
    for (size_t i = 0; i < p->ntables; i++) {
        const mdc_sql_table *t = &p->tables[i];
        if (t->old && t->new_) rebuilt[i] = needs_rebuild(&w, t);
        if (rebuilt[i] || !t->new_) fk_off = true;
    }

    mdc_sql_header(out, p);
    OUT(&w, "-- SQLite: apply with `sqlite3 DB < FILE` or sqlite3_exec() (then ROLLBACK on error).\n"
            "-- If any step fails, the last statement before COMMIT rolls the whole file back.\n\n");
    if (fk_off) OUT(&w, "PRAGMA foreign_keys=OFF;\n");
    OUT(&w, "BEGIN;\n");
    preamble(&w);
    OUT(&w, "\n");

    /* table renames first: children's references follow the parent's new name */
    for (size_t i = 0; i < p->ntables; i++)
        if (p->tables[i].old && p->tables[i].new_) rename_table(&w, &p->tables[i]);
    for (size_t i = 0; i < p->ntables; i++)
        if (p->tables[i].old && p->tables[i].new_ && !rebuilt[i]) in_place(&w, &p->tables[i]);
    for (size_t i = 0; i < p->ntables; i++)
        if (p->tables[i].old && p->tables[i].new_ && rebuilt[i]) rebuild(&w, &p->tables[i]);
    for (size_t i = 0; i < p->ntables; i++) {
        const mdc_sql_table *t = &p->tables[i];
        if (t->old) continue;
        if (p->o->down) OUT(&w, "-- irreversible: the data this table held before the forward migration is not restored\n");
        create_table_as(&w, t->new_, t->new_->table);
        check_columns(&w, t->new_);
        for (size_t j = 0; j < t->new_->nindexes; j++) create_index(&w, t->new_, &t->new_->indexes[j]);
    }
    for (size_t i = 0; i < p->ntables; i++) {
        const mdc_sql_table *t = &p->tables[i];
        if (t->new_) continue;
        OUT(&w, "%s", p->o->down ? "-- irreversible: drops the table and its data (created by the forward migration)\n"
                                 : "-- reserved removal (reserved_models): the table and its data are dropped\n");
        OUT(&w, "DROP TABLE %I;\n", t->old->table);
        mdc_buf c = MDC_BUF_INIT;
        mdc_sql_appendf(&c, MDC_DIALECT_SQLITE, "NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %L)", t->old->table);
        check_rowv(&w, mdc_printf(w.a, "dropped:%s", t->old->table), c.ptr);
        mdc_buf_free(&c);
    }
    for (size_t i = 0; p->o->down && i < p->ntables; i++) {
        const mdc_sql_table *t = &p->tables[i];
        for (size_t k = 0; t->old && t->new_ && k < t->nfields; k++)
            if (!t->fields[k].old)
                OUT(&w, "-- irreversible: column %I of %I comes back empty (its data was dropped going forward)\n",
                    t->fields[k].new_->name, t->new_->table);
    }

    /* foreign keys of every table created or rebuilt, and of the tables referencing them */
    if (fk_off) {
        OUT(&w, "PRAGMA foreign_key_check;\n");
        const char **seen = mdc_new_array(w.a, const char *, p->to->ndocs + p->ntables + 1);
        size_t nseen = 0;
        for (size_t i = 0; i < p->to->ndocs; i++) {
            const mdc_doc *d = p->to->docs[i];
            if (d->kind != MDC_KIND_MODEL) continue;
            const mdc_model *m = d->body;
            bool touched = false;
            for (size_t k = 0; k < p->ntables && !touched; k++)
                touched = p->tables[k].new_ == m && (rebuilt[k] || !p->tables[k].old);
            for (size_t f = 0; f < m->nfields && !touched; f++) {
                const mdc_model *t = mdc_sql_ref_model(p->to, &m->fields[f]);
                for (size_t k = 0; t && k < p->ntables && !touched; k++)
                    touched = p->tables[k].new_ == t && (rebuilt[k] || !p->tables[k].old);
            }
            if (touched) seen[nseen++] = m->table;
        }
        for (size_t i = 0; i < nseen; i++) check_foreign_keys(&w, seen[i]);
    }

    OUT(&w, "\n");
    record(&w);
    registry_sync(&w);

    OUT(&w, "\n-- The gate: every check above must have passed, or the whole file is rolled back.\n");
    OUT(&w, "CREATE TEMP TRIGGER \"mdc_gate\" BEFORE INSERT ON \"mdc_check\" WHEN NEW.\"k\" = 'gate' AND "
            "(SELECT count(*) FROM temp.\"mdc_check\" WHERE \"ok\" IS 1) IS NOT %z BEGIN SELECT RAISE(ROLLBACK, %L); END;\n",
        w.nchecks,
        mdc_printf(w.a, "mdc: migration %s failed (see the first error above); every change of this file was rolled back",
                   p->o->name ? p->o->name : "?"));
    OUT(&w, "INSERT INTO temp.\"mdc_check\" (\"k\", \"ok\") VALUES ('gate', 1);\n");
    OUT(&w, "COMMIT;\n");
    if (fk_off) OUT(&w, "PRAGMA foreign_keys=ON;\n");
    OUT(&w, "DROP TABLE IF EXISTS temp.\"mdc_check\";\n");
    return 0;
}
