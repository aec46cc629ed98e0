/*
 * cmd.h - the subcommands of mdc (SPEC 9).  Each takes the global options and its own
 * arguments (argv[0] is the subcommand's name) and returns the exit status:
 * 0 clean, 1 findings, 2 usage error or cannot run.
 */
#ifndef MDC_CMD_H
#define MDC_CMD_H

#include <stdbool.h>

typedef struct mdc_global {
    const char *dir; /* -C DIR, or NULL for the current directory */
    bool color;      /* stdout is a terminal and NO_COLOR is not set */
} mdc_global;

int mdc_cmd_check(const mdc_global *g, int argc, char **argv);
int mdc_cmd_hash(const mdc_global *g, int argc, char **argv);
int mdc_cmd_init(const mdc_global *g, int argc, char **argv);
int mdc_cmd_hook(const mdc_global *g, int argc, char **argv);
int mdc_cmd_diff(const mdc_global *g, int argc, char **argv);
int mdc_cmd_log(const mdc_global *g, int argc, char **argv);
int mdc_cmd_bump(const mdc_global *g, int argc, char **argv);

/*
 * Matches the option `name` at argv[*i], written `--name VALUE` or `--name=VALUE`.
 * Returns 0 when argv[*i] is something else; 1 with *value set (and *i moved past a
 * separate value); -1 after printing "mdc: --name needs a value" when the value is missing.
 */
int mdc_opt_value(int argc, char **argv, int *i, const char *name, const char **value);

/* Prints "mdc: <message>" to stderr, its control characters escaped (emit/escape.h),
 * and returns 2. */
int mdc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "mdc: warning: <message>" to stderr, escaped the same way; changes no status. */
void mdc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
