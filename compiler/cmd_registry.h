/*
 * cmd_registry.h - the registry commands of SPEC 9:
 *
 *   mdc build [REV] [-o FILE] [--no-history] [--format sqlite|postgres-sql]
 *   mdc show  [NAME] [--snapshot FILE] [--format text|json]
 *
 * Same calling convention as cmd.h: argv[0] is the subcommand's name; the return value is
 * the exit status (0 clean, 1 findings, 2 usage error or cannot run).
 */
#ifndef MDC_CMD_REGISTRY_H
#define MDC_CMD_REGISTRY_H

#include "cmd.h"

int mdc_cmd_build(const mdc_global *g, int argc, char **argv);
int mdc_cmd_show(const mdc_global *g, int argc, char **argv);

#endif
