/*
 * error.h - "cannot run" errors (exit status 2): not a repository, bad revision, an
 * unreadable file.  Unlike diagnostics these stop the command; the message says what
 * happened and, where there is one, how to fix it.
 */
#ifndef MDC_ERROR_H
#define MDC_ERROR_H

typedef struct mdc_error {
    char msg[1024];
} mdc_error;

/* Always returns -1, so callers can write `return mdc_error_set(err, ...);`.  err may be NULL. */
int mdc_error_set(mdc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
