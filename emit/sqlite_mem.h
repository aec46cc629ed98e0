/*
 * sqlite_mem.h - SQLite's allocator for the mdc command: big blocks with huge pages.
 *
 * The snapshot's dataflow_migrations row holds every definition (10k models: 24 MB) and
 * SQLite builds that record in one block of its own; from glibc it comes as a fresh
 * mapping with 4 KiB pages, about 6,000 page faults on the writer's critical path.  With
 * this allocator, blocks of 2 MiB and more are mapped with huge pages (hugemem.h) and the
 * rest go to malloc.  Process-wide (sqlite3_config), so only for a program that owns its
 * process, called before SQLite is first used: the mdc command does, libmdc does not.
 */
#ifndef MDC_SQLITE_MEM_H
#define MDC_SQLITE_MEM_H

/* 0, or SQLite's error code (SQLITE_MISUSE once SQLite is in use). */
int mdc_sqlite_use_huge_pages(void);

#endif
