/*
 * test_sqlguard.c - the raw-SQL guard (compiler/sql_guard.c): which raw expressions
 * (index `where:`, check `expr:`, custom `default_expr`) a definition may hold.
 *
 * Each refused text below is a real attack on `psql -f` or `sqlite3 db < file`: it hides
 * a statement separator, a comment or a client command from a lexer that knows fewer
 * quotings than the database or the client does.  Each accepted text is an expression
 * the examples and the suites use, or a harmless variation of one.
 */
#include <stdio.h>
#include <string.h>

#include "../../compiler/load_util.h"
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

int main(void)
{
    RUN(hostile_refused);
    RUN(fine_accepted);
    DONE();
}
