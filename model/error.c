/*
 * error.c - see error.h.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int mdc_error_set(mdc_error *err, const char *fmt, ...)
{
    if (!err) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}
