/*
 * main.c - the mdc command line: global options, then one subcommand (SPEC 9).
 *
 *   mdc [-C DIR] [--version] [--help] COMMAND [ARGS]
 *
 * Exit status: 0 clean (warnings allowed), 1 findings, 2 usage error or cannot run.
 */
#include <git2.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_migrate.h"
#include "cmd_registry.h"
#include "../emit/escape.h"
#include "../emit/sqlite_mem.h"

static const char usage[] =
    "usage: mdc [-C DIR] COMMAND [ARGS]\n"
    "\n"
    "The model definition compiler: checks, versions and compiles YAML data models kept in git.\n"
    "\n"
    "commands:\n"
    "  check [--staged | --rev REV] [--format text|json|github|sarif]\n"
    "                      validate the definitions (working tree by default)\n"
    "  hash [--staged | --rev REV] [--format text|json]\n"
    "                      checksums per document and for the registry\n"
    "  diff [BASE [HEAD]] [--staged] [--format text|json|github|sarif]\n"
    "                      changes, rule hits and semver bumps between two states\n"
    "  bump [BASE]         rewrite declared versions to what the changes since BASE need\n"
    "  log [NAME] [--rev REV] [--format text|json]\n"
    "                      derived versions from first-parent history\n"
    "  migrate [--dialect D] [--to REV] [--write | --check] [--max-risk LEVEL] [--down]\n"
    "                      SQL migrations for PostgreSQL and SQLite\n"
    "  build [REV] [-o FILE] [--no-history] [--format sqlite|postgres-sql]\n"
    "                      compile the registry snapshot applications load\n"
    "  show [NAME] [--snapshot FILE] [--format text|json]\n"
    "                      print a snapshot (or the working tree) and one model\n"
    "  init                write a starter mdc.yaml and models/ folder\n"
    "  hook install [--force] | hook uninstall\n"
    "                      a git pre-commit hook running `mdc check --staged`\n"
    "\n"
    "options:\n"
    "  -C DIR              run as if mdc was started in DIR\n"
    "  --version           print the version\n"
    "  --help              print this help\n"
    "\n"
    "exit status: 0 clean (warnings allowed), 1 findings, 2 usage error or cannot run\n"
    "environment: NO_COLOR disables colour; MDC_THREADS sets the number of parser threads\n";

/* "mdc: " + prefix + the message, its controls escaped (the message often holds
 * user-written parts: names, paths, libgit2's and SQLite's messages quoting them). */
static void print_message(const char *prefix, const char *fmt, va_list ap)
{
    mdc_buf msg = MDC_BUF_INIT, line = MDC_BUF_INIT;
    mdc_buf_vprintf(&msg, fmt, ap);
    mdc_buf_puts(&line, "mdc: ");
    mdc_buf_puts(&line, prefix);
    mdc_text_put(&line, msg.ptr, "    ");
    mdc_buf_putc(&line, '\n');
    fwrite(line.ptr, 1, line.len, stderr);
    mdc_buf_free(&msg);
    mdc_buf_free(&line);
}

int mdc_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message("", fmt, ap);
    va_end(ap);
    return 2;
}

void mdc_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message("warning: ", fmt, ap);
    va_end(ap);
}

int mdc_opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) {
        mdc_fail("%s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

typedef struct command {
    const char *name;
    int (*run)(const mdc_global *g, int argc, char **argv);
} command;

static const command commands[] = {
    {"check", mdc_cmd_check},
    {"hash", mdc_cmd_hash},
    {"init", mdc_cmd_init},
    {"hook", mdc_cmd_hook},
    {"diff", mdc_cmd_diff},
    {"log", mdc_cmd_log},
    {"bump", mdc_cmd_bump},
    {"build", mdc_cmd_build},
    {"show", mdc_cmd_show},
    {"migrate", mdc_cmd_migrate},
};


int main(int argc, char **argv)
{
    mdc_global g = {NULL, false};
    const char *nc = getenv("NO_COLOR");
    g.color = isatty(STDOUT_FILENO) && !(nc && *nc);

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-C") == 0) {
            if (i + 1 >= argc) return mdc_fail("-C needs a directory");
            g.dir = argv[++i];
        } else if (strncmp(a, "-C", 2) == 0) {
            g.dir = a + 2;
        } else if (strcmp(a, "--version") == 0) {
            printf("mdc %s\n", MDC_VERSION);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "mdc: unknown option '%s'\n\n%s", a, usage);
            return 2;
        }
    }
    if (i >= argc) {
        fputs(usage, stderr);
        return 2;
    }

    const char *name = argv[i];
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(name, commands[k].name) != 0) continue;
        git_libgit2_init();
        /* No memory statistics: with them every SQLite allocation takes one global mutex,
         * which the snapshot's two writer threads then fight over (10k models: the write
         * 520 -> 340 ms).  mdc never reads them. */
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        (void)mdc_sqlite_use_huge_pages(); /* the snapshot's 24 MB row (sqlite_mem.h) */
        /* Keep big trees (a folder of 10,000 models) in a repository's object cache: a
         * history walk reads each commit's tree twice (libgit2's default keeps only
         * trees under 4 KiB). */
        git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)64 << 20);
        int rc = commands[k].run(&g, argc - i, argv + i);
        fflush(stdout);
        git_libgit2_shutdown();
        return rc;
    }
    fprintf(stderr, "mdc: unknown command '%s'\n\n%s", name, usage);
    return 2;
}
