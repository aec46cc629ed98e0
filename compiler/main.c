/*
 * main.c - the mdc command line: global options, then one subcommand (SPEC 9).
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("mdc %s\n", MDC_VERSION);
        return 0;
    }
    fprintf(stderr, "mdc: not implemented yet\n");
    return 2;
}
