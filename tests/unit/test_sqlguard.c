/*
 * test_sqlguard.c - the raw-SQL guard (compiler/sql_guard.c): which raw expressions
 * (index `where:`, check `expr:`, custom `default_expr`) a definition may hold.
 *
 * Each refused text below is a real attack on `psql -f` or `sqlite3 db < file`: it hides
 * a statement separator, a comment or a client command from a lexer that knows fewer
 * quotings than the database or the client does.  Each accepted text is an expression
 * the examples and the suites use, or a harmless variation of one.  Then: texts meant for
 * one dialect (a custom default), the reasons given, how %E lays an expression out, and
 * how literals holding a backslash are written and read back (mdc_sql_str, find_state).
 */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "../../compiler/load_util.h"
#include "../../compiler/sql_guard.h"
#include "../../emit/sql.h"
#include "harness.h"

/* ------------------------------------------------------------------ refused */

/* Texts that must be refused under the rules of both dialects. */
static const char *const hostile[] = {
    /* the example: a dollar quote hides a quote from a '...'-only lexer */
    "$$'$$ IS NOT NULL); DROP TABLE victim; SELECT ($$'$$ IS NOT NULL",
    "$x$'$x$ IS NOT NULL); DROP TABLE victim; SELECT ($x$'$x$ IS NOT NULL",
    "$_1$'$_1$ IS NOT NULL",
    "n > $$x$$",
    "n > $q$;$q$",
    /* escape strings: E'\'' is one quote for PostgreSQL */
    "E'\\'' IS NOT NULL); DROP TABLE victim; SELECT (E'\\'' IS NOT NULL",
    "e'\\'' IS NOT NULL); DROP TABLE victim; SELECT (e'\\'' IS NOT NULL",
    "n <> E'a\\'b'",
    /* a standard string ending in a backslash: with standard_conforming_strings off it
     * does not end there */
    "n <> 'a\\' OR n <> '); DROP TABLE victim; SELECT ('",
    "n <> 'a\\'",
    /* SQLite's [...] and `...` identifiers hide a quote from PostgreSQL's rules */
    "[a'] IS NOT NULL); DROP TABLE victim; SELECT ([a'] IS NOT NULL",
    "`a'` IS NOT NULL); DROP TABLE victim; SELECT (`a'` IS NOT NULL",
    "[n] > 0",
    "`n` > 0",
    "n > 0 OR [x;y] IS NULL",
    "\"a\" <> [\"] OR 1=1; DROP TABLE victim; --]",
    /* SQLite's Tcl-style parameters swallow up to `)` */
    "@a(');DROP TABLE victim;') IS NULL",
    "n = @a(x;y)",
    /* statement separators and comments in the plain */
    "n > 0; DROP TABLE victim",
    "n > 0 -- trailing comment",
    "n > 0 /* comment */",
    "n > 0 /* /* nested */ */",
    "n >-- x\n0",
    "n > 0 \\; DROP TABLE victim",
    /* parentheses */
    "n > 0) OR (1 = 1",
    "(n > 0",
    "n > 0)",
    ") (",
    /* unclosed quotings */
    "'unterminated",
    "\"unterminated",
    "E'unterminated",
    "U&'unterminated",
    /* psql meta-commands: a backslash outside a literal */
    "email IS NOT NULL \\! touch pwned",
    "email IS NOT NULL \\\\! touch pwned",
    "n > 0 \\g",
    "n > 0 \\gexec",
    "n > 0\\o /tmp/x",
    "\\i /etc/passwd",
    /* psql variables */
    "email <> :'DBNAME'",
    "email <> :DBNAME",
    "email <> :\"DBNAME\"",
    "email <> :{?DBNAME}",
    "n:::x > 0",
    "n > :1",
    /* client commands at the start of a line */
    "n > 0\n.system touch pwned",
    "n > 0\n.shell touch pwned",
    "n > 0\n  .system touch pwned",
    "n > 0\n\\! touch pwned",
    "n <> 'a\n.system touch pwned\n'",
    /* control characters other than tab and newline */
    "n > 0\r\n.system touch pwned",
    "n > 0\r",
    "n <> 'a\x1b]0;title\x07'",
    "n > 0\x0b",
    "n > 0\x7f",
    /* `$` outside a name */
    "n > $1",
    "n > 1$$x$$",
    /* empty */
    "",
    "  \n\t",
};

TEST(hostile_refused)
{
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        const char *why = mdc_sql_guard(hostile[i]);
        if (!why) fprintf(stderr, "  accepted: [%s]\n", hostile[i]);
        CHECK(why != NULL);
    }
}

/* ------------------------------------------------------------------ accepted */

/* Expressions in use (examples/, tests/) and harmless variations: still accepted. */
static const char *const fine[] = {
    "email LIKE '%@%'",
    "email LIKE '%_@_%'",
    "code = upper(code)",
    "active",
    "not active",
    "NOT completed",
    "age IS NOT NULL",
    "deleted IS NULL",
    "status <> 'archived'",
    "status = 'pending'",
    "is_valid = TRUE",
    "budget >= 0",
    "age > 0",
    "length(emails) > 0",
    "title <> ''",
    "\"limit\" >= 0",
    "\"from\" <> 'bad''; DROP TABLE canary; -- $$'",
    "\"user\" <> 'x''; DROP TABLE canary; --'",
    "n > 0 AND 'a;b' <> 'c--d'",
    "n <> ';'",
    "a = 'x;y' AND \"b--\" > 0",
    "(a > 0) AND (b < 1)",
    "a = 'it''s'",
    "a$b > 0",
    "n <> '\\\\'",
    "n <> 'a\\\\b'",
    "n <> 'a:b' AND n <> ':x' AND n <> '$$'",
    "\"a;b\" > 0",
    "\"a\"\"b\" > 0",
    "n::text <> ''",
    "n > 0\nAND n < 10",
    "n > 0\tAND n < 10",
    "n <> 'two\nlines'",
    "n IN (1, 2, 3)",
    "CASE WHEN n > 0 THEN 1 ELSE 0 END = 1",
    "n - -1 > 0",
    "n / 2 > 0",
    "x'ff' <> n",
    "n <> 'ünïcødé ☃'",
};

TEST(fine_accepted)
{
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++) {
        const char *why = mdc_sql_guard(fine[i]);
        if (why) fprintf(stderr, "  refused: [%s]: %s\n", fine[i], why);
        CHECK(why == NULL);
    }
}

/* ------------------------------------------------------------------ one dialect */

TEST(one_dialect_texts)
{
    /* PostgreSQL-only text: SQLite's rules do not apply, PostgreSQL's do */
    CHECK(mdc_sql_guard_for("'{}'::text[]", MDC_SQL_FOR_POSTGRES, NULL) == NULL);
    CHECK(mdc_sql_guard_for("'{}'::text[]", MDC_SQL_FOR_BOTH, NULL) != NULL);
    CHECK(mdc_sql_guard_for("E'it\\'s'", MDC_SQL_FOR_POSTGRES, NULL) == NULL);
    CHECK(mdc_sql_guard_for("E'it\\'s'", MDC_SQL_FOR_SQLITE, NULL) != NULL);
    CHECK(mdc_sql_guard_for("$$x$$", MDC_SQL_FOR_POSTGRES, NULL) != NULL);
    CHECK(mdc_sql_guard_for("'a\\'", MDC_SQL_FOR_POSTGRES, NULL) != NULL);
    CHECK(mdc_sql_guard_for("'a\\'", MDC_SQL_FOR_SQLITE, NULL) == NULL);
    CHECK(mdc_sql_guard_for("n > 0 \\! touch x", MDC_SQL_FOR_POSTGRES, NULL) != NULL);
    /* SQLite-only text */
    CHECK(mdc_sql_guard_for("[n] > 0", MDC_SQL_FOR_SQLITE, NULL) == NULL);
    CHECK(mdc_sql_guard_for("[a;b] > 0", MDC_SQL_FOR_SQLITE, NULL) == NULL);
    CHECK(mdc_sql_guard_for("[a;b] > 0", MDC_SQL_FOR_POSTGRES, NULL) != NULL);
    CHECK(mdc_sql_guard_for("[a'] IS NULL); DROP TABLE v; SELECT ([a'] IS NULL", MDC_SQL_FOR_SQLITE, NULL) != NULL);
    CHECK(mdc_sql_guard_for("@a(');DROP TABLE v;')", MDC_SQL_FOR_SQLITE, NULL) != NULL);
    CHECK(mdc_sql_guard_for("n > 0\n.system touch x", MDC_SQL_FOR_SQLITE, NULL) != NULL);
    CHECK(mdc_sql_guard_for("n > 0\n.system touch x", MDC_SQL_FOR_POSTGRES, NULL) != NULL);
}

/* ------------------------------------------------------------------ reasons */

static void check_why(const char *sql, unsigned readers, const char *want, size_t want_at)
{
    size_t at = 99999;
    const char *why = mdc_sql_guard_for(sql, readers, &at);
    if (want)
        CHECK_STR(why, want);
    else
        CHECK(why == NULL);
    CHECK_INT(at, want_at);
}

TEST(reasons_name_the_problem)
{
    check_why("$$'$$ IS NOT NULL); DROP TABLE victim; SELECT ($$'$$ IS NOT NULL", MDC_SQL_FOR_BOTH,
              "it contains a dollar-quoted string", 0);
    check_why("n > $1", MDC_SQL_FOR_BOTH, "it contains `$` outside a name", 4);
    check_why("n > 0; x", MDC_SQL_FOR_BOTH, "it contains `;`", 5);
    check_why("n > 0 -- x", MDC_SQL_FOR_BOTH, "it contains a `--` comment", 6);
    check_why("n /* x */", MDC_SQL_FOR_BOTH, "it contains a `/*` comment", 2);
    check_why("n \\! ls", MDC_SQL_FOR_BOTH,
              "it contains a backslash outside a quoted string (psql would run it as a command)", 2);
    check_why("n <> :'DBNAME'", MDC_SQL_FOR_BOTH,
              "it contains `:` before a name (psql would substitute a variable)", 5);
    check_why("n > 0\n.shell ls", MDC_SQL_FOR_BOTH,
              "a line of it starts with `.` (the sqlite3 shell would run it as a command)", 6);
    check_why("n > 0\r", MDC_SQL_FOR_BOTH, "it contains a control character (only tab and line feed may appear)", 5);
    check_why("[n] > 0", MDC_SQL_FOR_BOTH, "it contains a [...] name, which only SQLite reads as a name", 0);
    check_why("`n` > 0", MDC_SQL_FOR_BOTH, "it contains a `...` name, which only SQLite reads as a name", 0);
    check_why("n <> 'a\\' OR n <> 'b'", MDC_SQL_FOR_BOTH,
              "a '...' string holds a backslash before a quote (PostgreSQL reads it differently when "
              "standard_conforming_strings is off)",
              5);
    check_why("(n > 0", MDC_SQL_FOR_BOTH, "a `(` is not closed", 6);
    check_why("n > 0)", MDC_SQL_FOR_BOTH, "a `)` has no matching `(`", 5);
    check_why(" \n ", MDC_SQL_FOR_BOTH, "it is empty", 0);
    check_why("n > 0", MDC_SQL_FOR_BOTH, NULL, 0);
}

/* ------------------------------------------------------------------ layout */

static void check_layout(const char *sql, unsigned reader, const char *want)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_sql_expr_write(&b, sql, reader);
    CHECK_STR(b.ptr, want);
    mdc_buf_free(&b);
}

TEST(expressions_are_laid_out_on_one_line)
{
    check_layout("n > 0", MDC_SQL_FOR_POSTGRES, "(n > 0)");
    check_layout("n > 0\nAND\ngo\n", MDC_SQL_FOR_SQLITE, "(n > 0 AND go )");
    check_layout("n\n/\n2 > 0", MDC_SQL_FOR_SQLITE, "(n / 2 > 0)");
    check_layout("n <> 'a\nb'\nAND \"x\ny\" > 0", MDC_SQL_FOR_POSTGRES, "(n <> 'a\nb' AND \"x\ny\" > 0)");
    check_layout("n <> E'a\\'\n'\nOR 1", MDC_SQL_FOR_POSTGRES, "(n <> E'a\\'\n' OR 1)");
    check_layout("[a\nb]\n> 0", MDC_SQL_FOR_SQLITE, "([a\nb] > 0)");
    check_layout("\t n > 0\t", MDC_SQL_FOR_SQLITE, "(\t n > 0\t)");
    /* through %E, per dialect */
    mdc_buf b = MDC_BUF_INIT;
    mdc_sql_appendf(&b, MDC_DIALECT_SQLITE, "CHECK %E", "n > 0\n.x");
    CHECK_STR(b.ptr, "CHECK (n > 0 .x)");
    mdc_buf_free(&b);
}

/* ------------------------------------------------------------------ literals */

static char *lit(mdc_dialect d, const char *s)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_sql_appendf(&b, d, "%L", s);
    return b.ptr;
}

TEST(literals_with_a_backslash_mean_the_same_under_both_settings)
{
    char *p;
    CHECK_STR(p = lit(MDC_DIALECT_POSTGRES, "it's plain"), "'it''s plain'");
    free(p);
    CHECK_STR(p = lit(MDC_DIALECT_POSTGRES, "ends in \\"), "E'ends in \\\\'");
    free(p);
    CHECK_STR(p = lit(MDC_DIALECT_POSTGRES, "a\\'b\\\\n"), "E'a\\\\''b\\\\\\\\n'");
    free(p);
    CHECK_STR(p = lit(MDC_DIALECT_SQLITE, "ends in \\"), "'ends in \\'");
    free(p);
    CHECK_STR(p = lit(MDC_DIALECT_SQLITE, "a\\'b"), "'a\\''b'");
    free(p);
    CHECK_STR(p = lit(MDC_DIALECT_POSTGRES, ""), "''");
    free(p);
    CHECK_STR(p = lit(MDC_DIALECT_POSTGRES, NULL), "''");
    free(p);
}

static void check_state(const char *text, int want, const char *want_json)
{
    char *json = NULL;
    size_t n = 0;
    CHECK_INT(mdc_sql_find_state(text, strlen(text), &json, &n), want);
    if (want_json) {
        CHECK_STR(json, want_json);
        CHECK_INT(n, strlen(want_json));
    }
    free(json);
}

TEST(recorded_state_in_both_literal_forms)
{
    /* what mdc_sql_str writes, read back */
    const char *state = "{\"d\":\"a \\\"q\\\" \\\\ it's\"}";
    mdc_buf b = MDC_BUF_INIT;
    mdc_sql_appendf(&b, MDC_DIALECT_POSTGRES, "INSERT\n%L -- mdc:state\n, 'p');\n", state);
    CHECK(strncmp(b.ptr, "INSERT\nE'", 9) == 0);
    check_state(b.ptr, 1, state);
    mdc_buf_clear(&b);
    mdc_sql_appendf(&b, MDC_DIALECT_SQLITE, "INSERT\n%L -- mdc:state\n, 'p');\n", state);
    check_state(b.ptr, 1, state);
    mdc_buf_free(&b);
    /* files written before E'...': '...' holding backslashes as they are */
    check_state("'{\"a\":\"\\\\\"}' -- mdc:state\n", 1, "{\"a\":\"\\\\\"}");
    check_state("E'a\\\\b\\'c''d' -- mdc:state\n", 1, "a\\b'c'd");
    /* malformed escape literals */
    check_state("E'a\\nb' -- mdc:state\n", -1, NULL);
    check_state("E'a\\' -- mdc:state\n", -1, NULL);
    check_state("E'a'b' -- mdc:state\n", -1, NULL);
    check_state("E -- mdc:state\n", 0, NULL);
}

int main(void)
{
    RUN(hostile_refused);
    RUN(fine_accepted);
    RUN(one_dialect_texts);
    RUN(reasons_name_the_problem);
    RUN(expressions_are_laid_out_on_one_line);
    RUN(literals_with_a_backslash_mean_the_same_under_both_settings);
    RUN(recorded_state_in_both_literal_forms);
    DONE();
}
