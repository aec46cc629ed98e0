/*
 * cmd_migrate.h - `mdc migrate` (SPEC 6.1, 9):
 *
 *   mdc migrate [--dialect postgres|sqlite] [--to REV] [--write | --check]
 *               [--max-risk LEVEL] [--down]
 *
 * From-state: the registry state recorded by the newest migration file of
 * migrations/<dialect>/ in the working tree (empty when there is none); to-state: the
 * working tree, or REV.  Prints the SQL of every dialect of mdc.yaml, or with --write adds
 * NNNN_<slug>.sql to each dialect folder and appends its line to mdc.sum (migrations_dir.h:
 * the chain, the lock, the write-ahead order).  --check exits 1 when the models are ahead of
 * the migrations or the chain does not verify; --write and printing refuse such a chain.
 */
#ifndef MDC_CMD_MIGRATE_H
#define MDC_CMD_MIGRATE_H

#include "cmd.h"

int mdc_cmd_migrate(const mdc_global *g, int argc, char **argv);

#endif
