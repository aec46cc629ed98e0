/*
 * harness.h - a tiny unit-test harness.  A test file defines test functions with TEST(name),
 * lists them in main() with RUN(name), and ends with DONE().  CHECK records a failure and
 * goes on; the process exits 1 when anything failed.  Prints "N passed, N failed".
 */
#ifndef MDC_TEST_HARNESS_H
#define MDC_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int t_checks_failed, t_tests_passed, t_tests_failed, t_cur_failed;

#define TEST(name) static void name(void)
#define RUN(name)                                                                             \
    do {                                                                                      \
        t_cur_failed = 0;                                                                     \
        name();                                                                               \
        if (t_cur_failed)                                                                     \
            t_tests_failed++;                                                                 \
        else                                                                                  \
            t_tests_passed++;                                                                 \
    } while (0)
#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);          \
            t_checks_failed++;                                                                \
            t_cur_failed = 1;                                                                 \
        }                                                                                     \
    } while (0)
#define CHECK_STR(a, b)                                                                       \
    do {                                                                                      \
        const char *a_ = (a), *b_ = (b);                                                      \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                              \
            fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n  want: %s\n", __FILE__,   \
                    __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                        \
            t_checks_failed++;                                                                \
            t_cur_failed = 1;                                                                 \
        }                                                                                     \
    } while (0)
#define CHECK_INT(a, b)                                                                       \
    do {                                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                                   \
        if (a_ != b_) {                                                                       \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s = %lld, want %lld\n", __FILE__,      \
                    __LINE__, #a, a_, b_);                                                    \
            t_checks_failed++;                                                                \
            t_cur_failed = 1;                                                                 \
        }                                                                                     \
    } while (0)
#define DONE()                                                                                \
    do {                                                                                      \
        printf("%d passed, %d failed\n", t_tests_passed, t_tests_failed);                     \
        return t_tests_failed ? 1 : 0;                                                        \
    } while (0)

#endif
