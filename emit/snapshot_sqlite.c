/*
 * snapshot_sqlite.c - the SQLite file of mdc_snapshot_write (snapshot.h).
 *
 * Two connections fill two files at once.  A second thread writes the table of many small
 * rows (SIDE_TABLES: fields) into a side file while the calling thread writes every other
 * table, the big definitions among them, into the snapshot.  The side tables need neither
 * history nor info, so the thread starts in mdc_snapshot_begin, before the caller has
 * computed the history; mdc_snapshot_finish writes the rest.  Then the
 * side tables are copied over with `INSERT INTO t SELECT * FROM side.t`: into an empty
 * table of the same definition SQLite transfers whole b-tree cells (no decoding and no
 * per-row statement work), and the side file is removed.
 *
 * The bytes depend on the content only: both files get the same page size (page_size_for),
 * the statements run in a fixed order, and a fresh file written without deletions has no
 * free pages.  Both files are built next to the target as temporary files of
 * emit/outfile.h (".NAME.tmp-XXXXXX", locked while this process runs, so that the next
 * build removes them if this one is killed) with no journal and no fsync; the snapshot's
 * write-back is started as soon as its own tables are in (sync_file_range), and once the
 * side tables are copied it is fsynced, renamed over the target (which must not exist or
 * be a regular file), and the directory fsynced.  Every failure path removes both
 * temporary files.
 */
#define _GNU_SOURCE /* sync_file_range */
#include "snapshot.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Written by the second thread: about half of the SQLite work of a large registry (10k
 * models: 109k field rows, against 10k rows of definitions three times over for the rest). */
static const char *const SIDE_TABLES[] = {"fields"};

#define MAX_TABLES 32

typedef struct sink {
    sqlite3 *db;
    const mdc_snapshot_table *tables; /* mdc_snapshot_tables() */
    size_t ntables;
    sqlite3_stmt *ins[MAX_TABLES];
    mdc_error *err;
} sink;

static int db_fail(sink *s, const char *what)
{
    return mdc_error_set(s->err, "snapshot: %s: %s", what, s->db ? sqlite3_errmsg(s->db) : "out of memory");
}

static int exec(sink *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mdc_error_set(s->err, "snapshot: %s: %s", sql, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The mask of SIDE_TABLES in mdc_snapshot_tables() order. */
static uint32_t side_mask(const mdc_snapshot_table *tables, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof SIDE_TABLES / sizeof SIDE_TABLES[0]; k++)
            if (strcmp(tables[i].name, SIDE_TABLES[k]) == 0) m |= UINT32_C(1) << i;
    return m;
}

/* The CREATE TABLE text of one of mdc's own tables (fixed: derived from constants). */
static char *own_ddl(const mdc_snapshot_table *t)
{
    sqlite3_str *q = sqlite3_str_new(NULL);
    sqlite3_str_appendf(q, "CREATE TABLE %s (", t->name);
    for (size_t c = 0; c < t->ncolumns; c++)
        sqlite3_str_appendf(q, "%s%s %s", c ? ", " : "", t->columns[c].name, t->columns[c].sqlite_decl);
    if (t->key) sqlite3_str_appendf(q, ", PRIMARY KEY (%s)", t->key);
    sqlite3_str_appendall(q, t->without_rowid ? ") WITHOUT ROWID" : ")");
    return sqlite3_str_finish(q);
}

static int prepare_insert(sink *s, size_t i)
{
    const mdc_snapshot_table *t = &s->tables[i];
    sqlite3_str *q = sqlite3_str_new(NULL);
    sqlite3_str_appendf(q, "INSERT INTO %s (", t->name);
    for (size_t c = 0; c < t->ncolumns; c++)
        sqlite3_str_appendf(q, "%s%s", c ? ", " : "", t->columns[c].name);
    sqlite3_str_appendall(q, ") VALUES (");
    for (size_t c = 0; c < t->ncolumns; c++)
        sqlite3_str_appendall(q, c ? ", ?" : "?");
    sqlite3_str_appendall(q, ")");
    char *sql = sqlite3_str_finish(q);
    if (!sql) return mdc_error_set(s->err, "snapshot: out of memory");
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &s->ins[i], NULL);
    sqlite3_free(sql);
    return rc == SQLITE_OK ? 0 : db_fail(s, "prepare");
}

/* Creates the tables of create_mask (in table order) and prepares the inserts of
 * insert_mask; with the view when `view`. */
static int create_schema(sink *s, uint32_t create_mask, uint32_t insert_mask, bool view)
{
    for (size_t i = 0; i < s->ntables; i++) {
        if (!(create_mask & (UINT32_C(1) << i))) continue;
        const mdc_snapshot_table *t = &s->tables[i];
        char *ddl = t->sqlite_ddl ? sqlite3_mprintf("%s", t->sqlite_ddl) : own_ddl(t);
        if (!ddl) return mdc_error_set(s->err, "snapshot: out of memory");
        int rc = exec(s, ddl);
        sqlite3_free(ddl);
        if (rc) return rc;
        if ((insert_mask & (UINT32_C(1) << i)) && prepare_insert(s, i)) return -1;
    }
    return view ? exec(s, mdc_snapshot_view_sql) : 0;
}

static int sink_row(void *ctx, const mdc_snapshot_table *t, const mdc_snapshot_value *v)
{
    sink *s = ctx;
    sqlite3_stmt *st = s->ins[t - s->tables];
    if (!st) return mdc_error_set(s->err, "snapshot: internal: no statement for %s", t->name);
    for (size_t c = 0; c < t->ncolumns; c++) {
        int rc;
        int col = (int)c + 1;
        switch (v[c].type) {
        case MDC_SV_TEXT: rc = sqlite3_bind_text(st, col, v[c].s, -1, SQLITE_STATIC); break;
        case MDC_SV_INT:
        case MDC_SV_BOOL: rc = sqlite3_bind_int64(st, col, v[c].i); break;
        default: rc = sqlite3_bind_null(st, col); break;
        }
        if (rc != SQLITE_OK) return db_fail(s, "bind");
    }
    int rc = sqlite3_step(st); /* every column is bound for every row: no clear_bindings */
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        mdc_error_set(s->err, "snapshot: insert into %s: %s", t->name, sqlite3_errmsg(s->db));
        return -1;
    }
    return 0;
}

/*
 * The page size, a function of the content only (so the bytes stay reproducible): 4096 for
 * a registry whose canonical JSON is under MDC_SNAPSHOT_LARGE_BYTES, else 65536.
 * Definitions are stored three times (models, table_meta, dataflow_migrations) and most
 * are larger than a 4 KiB page: with 64 KiB pages far fewer overflow pages are written
 * (10k models: 116 -> 99 MB, and the SQLite part of the build about halves), while a
 * small project keeps a small file.
 */
static int page_size_for(const mdc_registry *reg)
{
    size_t bytes = 0;
    for (size_t i = 0; i < reg->ndocs && bytes < MDC_SNAPSHOT_LARGE_BYTES; i++)
        if (reg->docs[i]->canonical_json) bytes += strlen(reg->docs[i]->canonical_json);
    return bytes < MDC_SNAPSHOT_LARGE_BYTES ? 4096 : 65536;
}

typedef struct job {
    const char *path;
    const mdc_registry *reg;
    const mdc_history *hist;
    const mdc_snapshot_info *info;
    int page_size;
    uint32_t mask; /* the tables this connection fills */
    bool side;     /* the side file: its tables only, no pragmas of the snapshot */
    sink s;
    mdc_error err;
    int rc;
} job;

static void close_sink(sink *s, int *rc)
{
    for (size_t i = 0; i < MAX_TABLES; i++) {
        sqlite3_finalize(s->ins[i]);
        s->ins[i] = NULL;
    }
    if (s->db && sqlite3_close(s->db) != SQLITE_OK && *rc == 0)
        *rc = mdc_error_set(s->err, "snapshot: close: %s", sqlite3_errmsg(s->db));
    s->db = NULL;
}

/* Opens j->path (an empty file), creates its tables and fills j->mask's tables in one
 * transaction.  The snapshot's connection stays open (for the copy); the side's closes. */
static int fill(job *j)
{
    sink *s = &j->s;
    s->err = &j->err;
    s->tables = mdc_snapshot_tables(&s->ntables);
    if (s->ntables > MAX_TABLES) return mdc_error_set(s->err, "snapshot: internal: too many tables");
    if (sqlite3_open_v2(j->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return db_fail(s, "open");
    char pragmas[256];
    if (j->side)
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA page_size=%d; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", j->page_size);
    else
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA page_size=%d; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
                 "PRAGMA foreign_keys=ON; PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 j->page_size, MDC_SNAPSHOT_APPLICATION_ID, MDC_SNAPSHOT_FORMAT_VERSION);
    uint32_t all = s->ntables == 32 ? UINT32_MAX : (UINT32_C(1) << s->ntables) - 1;
    if (exec(s, pragmas) || exec(s, "BEGIN") ||
        create_schema(s, j->side ? j->mask : all, j->mask, !j->side))
        return -1;
    int rc = mdc_snapshot_rows_of(j->reg, j->hist, j->info, j->mask, sink_row, s, s->err);
    if (rc) return -1;
    return exec(s, "COMMIT");
}

static void *side_main(void *arg)
{
    job *j = arg;
    j->rc = fill(j);
    close_sink(&j->s, &j->rc);
    return NULL;
}

/* Copies the side file's tables into the snapshot (transfers into empty tables). */
static int copy_side(sink *s, const char *side_path, uint32_t mask)
{
    char *sql = sqlite3_mprintf("ATTACH %Q AS side", side_path);
    if (!sql) return mdc_error_set(s->err, "snapshot: out of memory");
    int rc = exec(s, sql);
    sqlite3_free(sql);
    if (rc || exec(s, "BEGIN")) return -1;
    for (size_t i = 0; i < s->ntables; i++) {
        if (!(mask & (UINT32_C(1) << i))) continue;
        sql = sqlite3_mprintf("INSERT INTO main.%s SELECT * FROM side.%s", s->tables[i].name,
                              s->tables[i].name);
        if (!sql) return mdc_error_set(s->err, "snapshot: out of memory");
        rc = exec(s, sql);
        sqlite3_free(sql);
        if (rc) return -1;
    }
    return exec(s, "COMMIT") || exec(s, "DETACH side") ? -1 : 0;
}

/* ------------------------------------------------------------------ files */

/* ------------------------------------------------------------------ the writer */

struct mdc_snapshot_writer {
    char *path;
    mdc_tempfile build_file, side_file; /* emit/outfile.h: locked while they exist */
    const mdc_registry *reg;
    uint32_t side;       /* the side tables' mask */
    int page_size;
    mdc_snapshot_info side_info; /* the side tables depend on neither history nor info */
    job side_job;
    pthread_t thread;
    bool threaded;
};

static void writer_free(mdc_snapshot_writer *w)
{
    if (w->threaded) pthread_join(w->thread, NULL);
    mdc_tempfile_discard(&w->build_file);
    mdc_tempfile_discard(&w->side_file);
    free(w->path);
    free(w);
}

int mdc_snapshot_begin(mdc_snapshot_writer **out, const char *path, const mdc_registry *reg,
                       mdc_error *err)
{
    *out = NULL;
    if (mdc_outfile_check(path, err) < 0) return -1;
    mdc_snapshot_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return mdc_error_set(err, "snapshot: out of memory");
    }
    w->build_file = w->side_file = (mdc_tempfile)MDC_TEMPFILE_INIT;
    if (mdc_tempfile_create(&w->build_file, path, err) < 0 ||
        mdc_tempfile_create(&w->side_file, path, err) < 0) {
        writer_free(w);
        return -1;
    }
    size_t ntables;
    const mdc_snapshot_table *tables = mdc_snapshot_tables(&ntables);
    w->reg = reg;
    w->side = side_mask(tables, ntables);
    w->page_size = page_size_for(reg);
    job side_job = {w->side_file.path, reg, NULL, &w->side_info, w->page_size, w->side, true, {0}, {{0}}, 0};
    w->side_job = side_job;
    w->threaded = pthread_create(&w->thread, NULL, side_main, &w->side_job) == 0;
    if (!w->threaded) side_main(&w->side_job); /* no thread to be had: now, in this one */
    *out = w;
    return 0;
}

void mdc_snapshot_abort(mdc_snapshot_writer *w)
{
    if (w) writer_free(w);
}

/* Asks the kernel to start writing the file back now, so that the fsync at the end
 * waits for less (Linux; elsewhere the fsync does it all). */
static void start_writeback(const char *path)
{
#ifdef SYNC_FILE_RANGE_WRITE
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    close(fd);
#else
    (void)path;
#endif
}

/* Fills the snapshot's own tables, waits for the side file and copies it in. */
static int build(mdc_snapshot_writer *w, const mdc_history *hist, const mdc_snapshot_info *info,
                 mdc_error *err)
{
    job main_job = {w->build_file.path, w->reg, hist, info, w->page_size, ~w->side, false, {0}, {{0}}, 0};
    main_job.rc = fill(&main_job);
    if (main_job.rc == 0) start_writeback(w->build_file.path);
    if (w->threaded) pthread_join(w->thread, NULL);
    w->threaded = false;

    int rc = main_job.rc ? main_job.rc : w->side_job.rc;
    if (rc == 0) rc = copy_side(&main_job.s, w->side_file.path, w->side);
    close_sink(&main_job.s, &rc);
    if (rc) {
        const mdc_error *e = main_job.err.msg[0] ? &main_job.err : &w->side_job.err;
        mdc_error_set(err, "%s", e->msg[0] ? e->msg : "snapshot: failed");
        return -1;
    }
    return 0;
}

int mdc_snapshot_finish(mdc_snapshot_writer *w, const mdc_history *hist,
                        const mdc_snapshot_info *info, mdc_error *err)
{
    int rc = -1;
    if (build(w, hist, info, err)) goto done;
    mdc_tempfile_discard(&w->side_file);
    if (mdc_tempfile_commit(&w->build_file, w->path, err)) goto done;
    rc = 0;
done:
    writer_free(w);
    return rc;
}

int mdc_snapshot_write(const char *path, const mdc_registry *reg, const mdc_history *hist,
                       const mdc_snapshot_info *info, mdc_error *err)
{
    mdc_snapshot_writer *w;
    if (mdc_snapshot_begin(&w, path, reg, err) < 0) return -1;
    return mdc_snapshot_finish(w, hist, info, err);
}
