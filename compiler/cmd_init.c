/*
 * cmd_init.c - `mdc init`: a starter project in the current folder (or -C DIR).
 *
 * Writes mdc.yaml (the project name is the folder's name made into a valid project name;
 * the optional keys of SPEC 2 are shown as comments) and models/example.yaml (one small
 * valid model).  Nothing is ever overwritten: an existing mdc.yaml stops the command, and
 * the example is only added when the models folder holds nothing yet.  Files are written
 * atomically (a temporary file in the same folder, then link(2), which fails instead of
 * replacing a file that appeared meanwhile).  No git repository is needed.
 */
#include "cmd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char init_usage[] =
    "usage: mdc init\n"
    "\n"
    "Creates a starter mdc.yaml and models/example.yaml in the current folder (or -C DIR).\n"
    "Existing files are never overwritten.\n";

static const char example_model[] =
    "# An example model (SPEC 3.1).  Rename or delete it; every *.yaml under models/ is\n"
    "# compiled.  Check your models with `mdc check`.\n"
    "kind: model\n"
    "name: User\n"
    "description: People who can sign in.\n"
    "fields:\n"
    "  id:         {type: uuid, primary_key: true, default_expr: uuid}\n"
    "  email:      {type: string(320), unique: true, description: Login address}\n"
    "  created_at: {type: timestamptz, default_expr: now}\n";

/* The folder's name made into a project name matching ^[a-z][a-z0-9_-]*$ (at most 63
 * bytes): lower-cased, other characters become '-', leading non-letters dropped.
 * "app" when nothing is left. */
static void project_name(const char *dir, char *out, size_t outsz)
{
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    size_t n = 0;
    for (const char *p = base; *p && n + 1 < outsz && n < 63; p++) {
        unsigned char c = (unsigned char)tolower((unsigned char)*p);
        if (n == 0 && !(c >= 'a' && c <= 'z')) continue;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            c = '-';
        if (c == '-' && n > 0 && out[n - 1] == '-') continue; /* "my  shop" -> "my-shop" */
        out[n++] = (char)c;
    }
    while (n > 0 && out[n - 1] == '-') n--;
    out[n] = '\0';
    if (n == 0) snprintf(out, outsz, "app");
}

/* Writes content to path unless path exists: 0 written, 1 exists, -1 error (printed). */
static int write_new_file(const char *path, const char *content)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) return -1;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "mdc: cannot create %s: %s\n", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t len = strlen(content), off = 0;
    int rc = -1;
    while (off < len) {
        ssize_t w = write(fd, content + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "mdc: cannot write %s: %s\n", path, strerror(errno));
            goto done;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
        fprintf(stderr, "mdc: cannot write %s: %s\n", path, strerror(errno));
        goto done;
    }
    if (link(tmp, path) == 0) {
        rc = 0;
    } else if (errno == EEXIST) {
        rc = 1;
    } else {
        /* a file system without hard links: check, then rename */
        struct stat sb;
        if (lstat(path, &sb) == 0) rc = 1;
        else if (rename(tmp, path) == 0) rc = 0;
        else fprintf(stderr, "mdc: cannot create %s: %s\n", path, strerror(errno));
    }
done:
    close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

/* True when the folder exists and holds anything besides "." and "..". */
static int folder_has_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *de;
    int any = 0;
    while (!any && (de = readdir(d)) != NULL)
        any = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return any;
}

int mdc_cmd_init(const mdc_global *g, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(init_usage, stdout);
            return 0;
        }
        fprintf(stderr, "mdc: init: unexpected argument '%s'\n%s", argv[i], init_usage);
        return 2;
    }

    char dir[PATH_MAX];
    const char *start = g && g->dir ? g->dir : ".";
    if (!realpath(start, dir)) {
        fprintf(stderr, "mdc: cannot open directory %s: %s\n", start, strerror(errno));
        return 2;
    }
    struct stat sb;
    if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "mdc: %s is not a directory\n", dir);
        return 2;
    }

    char name[64];
    project_name(dir, name, sizeof name);

    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/mdc.yaml", dir);
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "# mdc project file (SPEC 2).  Only `project` is required; the commented lines\n"
             "# show the optional keys with their defaults.\n"
             "project: %s\n"
             "# version: 0.1.0              # declared registry version\n"
             "# models: [models]            # folders scanned for *.yaml / *.yml\n"
             "# dialects: [postgres, sqlite]\n"
             "# migrations: migrations\n"
             "# snapshot: registry.db       # output of `mdc build`\n"
             "# postgres: {schema: public}\n"
             "# sqlite: {dataflow_registry: view}  # table: DataFlow 0.4+ keeps its registry table there\n"
             "# max_risk: MEDIUM            # `mdc migrate` refuses riskier operations\n"
             "# reserved_models: []         # models removed on purpose\n"
             "# rules:                      # per-rule overrides of the catalog\n"
             "#   INDEX_ADDED: {bump: minor}\n",
             name);
    int w = write_new_file(path, yaml);
    if (w < 0) return 2;
    if (w == 1) {
        fprintf(stderr, "mdc: mdc.yaml already exists in %s; nothing was changed\n", dir);
        return 2;
    }
    printf("created %s (project: %s)\n", path, name);

    snprintf(path, sizeof path, "%s/models", dir);
    if (folder_has_entries(path)) {
        printf("kept %s as it is (it is not empty)\n", path);
    } else {
        if (mkdir(path, 0777) < 0 && errno != EEXIST) {
            fprintf(stderr, "mdc: cannot create %s: %s\n", path, strerror(errno));
            return 2;
        }
        snprintf(path, sizeof path, "%s/models/example.yaml", dir);
        w = write_new_file(path, example_model);
        if (w < 0) return 2;
        if (w == 0) printf("created %s\n", path);
    }
    printf("next: edit the models, then run `mdc check`; `mdc hook install` adds a pre-commit "
           "check\n");
    return 0;
}
