/*
 * test_mem.c - big blocks: the arena's huge-page chunks (model/arena.c, model/hugemem.c)
 * and SQLite's allocator of the mdc command (emit/sqlite_mem.c).  Blocks are zeroed,
 * aligned, do not overlap, keep their content across realloc in every direction (small to
 * big, big to bigger, big to small), and SQLite computes the same results on them.
 */
#include "harness.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>

#include "emit/sqlite_mem.h"
#include "model/arena.h"
#include "model/hugemem.h"

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

TEST(huge_map_is_aligned_and_zeroed)
{
    size_t len = MDC_HUGE_PAGE + 1;
    unsigned char *p = mdc_huge_map(&len);
    if (!p) return; /* no madvise here (or the sanitizer build): the callers use malloc */
    CHECK_INT(len, 2 * MDC_HUGE_PAGE);
    CHECK_INT((uintptr_t)p % MDC_HUGE_PAGE, 0);
    CHECK(all_zero(p, len));
    memset(p, 0xab, len); /* all of it is ours */
    mdc_huge_unmap(p, len);
}

TEST(arena_big_and_small_blocks)
{
    mdc_arena *a = mdc_arena_new();
    static const size_t sizes[] = {10, 3u << 20, 100, 20u << 20, 1, (2u << 20) - 40, 64 * 1024};
    enum { N = sizeof sizes / sizeof sizes[0] };
    unsigned char *p[N];
    for (size_t round = 0; round < 2; round++) {
        for (size_t i = 0; i < N; i++) {
            p[i] = mdc_alloc(a, sizes[i]);
            CHECK_INT((uintptr_t)p[i] % 16, 0);
            CHECK(all_zero(p[i], sizes[i]));
            memset(p[i], (int)(i + 1), sizes[i]);
        }
        for (size_t i = 0; i < N; i++) { /* no block overwrote another */
            size_t bad = 0;
            for (size_t k = 0; k < sizes[i]; k++) bad += p[i][k] != (unsigned char)(i + 1);
            CHECK_INT(bad, 0);
        }
        mdc_arena_reset(a); /* keeps the newest chunk, zeroed, for round two */
    }
    mdc_arena_free(a);
}

TEST(sqlite_blocks_keep_their_content)
{
    /* small -> big -> bigger -> small, with a pattern that shows any lost byte */
    unsigned char *p = sqlite3_malloc64(100);
    CHECK(p != NULL);
    for (size_t i = 0; i < 100; i++) p[i] = (unsigned char)(i * 7);
    p = sqlite3_realloc64(p, 3u << 20);
    CHECK(p != NULL && sqlite3_msize(p) == (3u << 20));
    for (size_t i = 100; i < (3u << 20); i++) p[i] = (unsigned char)(i * 7);
    p = sqlite3_realloc64(p, 7u << 20);
    CHECK(p != NULL && sqlite3_msize(p) == (7u << 20));
    size_t bad = 0;
    for (size_t i = 0; i < (3u << 20); i++) bad += p[i] != (unsigned char)(i * 7);
    CHECK_INT(bad, 0);
    p = sqlite3_realloc64(p, 50);
    CHECK(p != NULL && sqlite3_msize(p) >= 50); /* SQLite rounds up (xRoundup) */
    for (size_t i = 0; i < 50; i++) bad += p[i] != (unsigned char)(i * 7);
    CHECK_INT(bad, 0);
    sqlite3_free(p);
}

TEST(sqlite_works_on_big_values)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    /* a 5 MB value built at once, and a 3 MB one grown by concatenation (realloc) */
    CHECK(sqlite3_prepare_v2(db,
                             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                             "WHERE i < 300000) "
                             "SELECT length(printf('%.*c', 5000000, 'x')), "
                             "(SELECT length(group_concat(printf('%09d', i), '')) FROM n), "
                             "(SELECT substr(group_concat(printf('%09d', i), ''), 2699992, 9) FROM n)",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int64(st, 0), 5000000);
    CHECK_INT(sqlite3_column_int64(st, 1), 2700000);
    CHECK_STR((const char *)sqlite3_column_text(st, 2), "000300000");
    sqlite3_finalize(st);
    /* a 4 MB row written and read back byte for byte */
    size_t n = 4u << 20;
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++) text[i] = (char)('a' + i % 26);
    text[n] = '\0';
    CHECK(sqlite3_exec(db, "CREATE TABLE t (v TEXT)", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?)", -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, text, (int)n, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    CHECK(sqlite3_prepare_v2(db, "SELECT v FROM t", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_bytes(st, 0), n);
    CHECK(memcmp(sqlite3_column_text(st, 0), text, n) == 0);
    sqlite3_finalize(st);
    free(text);
    CHECK(sqlite3_close(db) == SQLITE_OK);
}

/* Before SQLite is first used, as the mdc command does it; afterwards SQLite refuses. */
TEST(install_before_first_use)
{
    CHECK_INT(mdc_sqlite_use_huge_pages(), 0);
}

TEST(refused_once_in_use)
{
    CHECK(sqlite3_initialize() == SQLITE_OK);
    CHECK(mdc_sqlite_use_huge_pages() != 0);
}

int main(void)
{
    RUN(install_before_first_use);
    RUN(huge_map_is_aligned_and_zeroed);
    RUN(arena_big_and_small_blocks);
    RUN(sqlite_blocks_keep_their_content);
    RUN(sqlite_works_on_big_values);
    RUN(refused_once_in_use);
    DONE();
}
