/*
 * sql_guard.h - the raw-SQL guard: which raw SQL a definition may hold (check `expr:`,
 * index `where:`, the two texts of a custom `default_expr`), and how a migration writes it.
 *
 * Raw SQL is the one place where text from a definition reaches a migration unquoted, and
 * migrations are applied by clients that read more than SQL: `psql -f` runs `\` commands
 * and substitutes `:name` variables; the sqlite3 shell runs `.` commands at the start of a
 * line and takes a line holding only `go` or `/` for a `;`.  So a text is lexed with each
 * reader's real token rules and accepted only when it is one expression for all of them:
 *
 *   PostgreSQL (server and psql), twice: with standard_conforming_strings on (what the file
 *     sets) and off (what a server may default to, and what a driver sending the whole file
 *     at once parses with):  '...' (backslash escapes when off), E'...' (backslash escapes),
 *     U&'...', B'...', X'...', "..." and U&"...", $$...$$ and $tag$...$tag$, -- and nested
 *     / * * / comments, `\` commands and :name :'name' :"name" :{?name} variables (psql)
 *   SQLite (library and the sqlite3 shell):  '...', "...", `...`, [...], X'...', -- and
 *     / * * / comments, ?N :name @name $name #name parameters (with Tcl's name(...) form)
 *
 * A text is accepted when, under every reader it is meant for:
 *   - it is not empty, and holds no control character but tab and line feed;
 *   - no line of it starts (after blanks) with `.` or `\`;
 *   - every quoted token is closed; no `;`, no comment, no dollar quote, no `$` outside a
 *     name, no backslash and no psql variable outside a quoted token, no Tcl parameter;
 *   - parentheses outside quoted tokens balance (a `)` never closes more than it opened);
 *   - all readers find the same quoted tokens at the same places (so a `[..]` or `` `..` ``
 *     name, or a backslash before a quote, which readers end at different places, is
 *     refused where the text goes to both dialects).
 *
 * Check expressions and index predicates go to both dialects' files and must pass both
 * readers; the `postgres:` / `sqlite:` text of a custom default goes to one dialect only and
 * is checked for that one.  Migration writers place an accepted text as "(" text ")" with
 * every line break outside a quoted token written as a space: no line a client reads can
 * begin inside the text, except inside a quoted token, where no client looks for commands.
 *
 * Pure functions: no state, safe from any thread.
 */
#ifndef MDC_SQL_GUARD_H
#define MDC_SQL_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "../model/buf.h"

/* The readers a text is meant for (a bit set). */
enum {
    MDC_SQL_FOR_POSTGRES = 1, /* PostgreSQL server and psql */
    MDC_SQL_FOR_SQLITE = 2,   /* SQLite library and the sqlite3 shell */
    MDC_SQL_FOR_BOTH = 3
};

/*
 * Checks sql (NUL-terminated, may be NULL) for the readers in `readers`.  Returns NULL when
 * it is accepted, else the reason as it should read after "must be a single SQL
 * expression: " ("it contains `;`", "it contains a dollar-quoted string").  When at is
 * not NULL it gets the byte offset the reason is about (0 for an empty text).
 */
const char *mdc_sql_guard_for(const char *sql, unsigned readers, size_t *at);

/* mdc_sql_guard_for(sql, MDC_SQL_FOR_BOTH, NULL). */
const char *mdc_sql_guard(const char *sql);

/*
 * Writes an accepted expression for a file read by `reader` (one of MDC_SQL_FOR_POSTGRES,
 * MDC_SQL_FOR_SQLITE): "(" sql ")", with every line feed outside a quoted token written as
 * a space.  A text the guard would refuse still comes out with its line breaks outside the
 * tokens read so far replaced, and every one after the first problem.
 */
void mdc_sql_expr_write(mdc_buf *b, const char *sql, unsigned reader);

#endif
