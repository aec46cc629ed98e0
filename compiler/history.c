/*
 * history.c - derived versions from first-parent history; see history.h.
 *
 * Cost: every commit is compiled sharing the previous commit's documents, so a commit
 * costs its tree listing plus the files it changed; all compilations stay alive until the
 * end because shared documents live in the arena of the commit that first parsed them.
 *
 * The chain is cut into stretches, one per core (compile_stretch), compiled at the same
 * time: a stretch's first commit shares the caller's compilation (of HEAD or the working
 * tree) instead of its predecessor's, each later one its predecessor's, and diffs are taken
 * inside the stretch.  The commits are then applied in chain order in one thread; only the
 * first good commit of each stretch is diffed again, with the previous stretch's last good
 * one.  The result does not depend on where the cuts fall (test_build.sh G).
 */
#include "history.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../model/buf.h"
#include "compile.h"
#include "compile_priv.h"
#include "diff.h"

/* Last known state of one document while walking. */
typedef struct track {
    mdc_kind kind;
    const char *name;
    mdc_semver version;
    bool live;
} track;

typedef struct walker {
    mdc_history *h;
    mdc_ptrvec entries; /* mdc_history_entry* */
    track *tracks;
    size_t ntracks, cap;
} walker;

static int cmp_track_key(mdc_kind k, const char *name, const track *t)
{
    if (k != t->kind) return k < t->kind ? -1 : 1;
    return strcmp(name, t->name);
}

/* Finds or inserts (kind, name), keeping tracks sorted. */
static track *get_track(walker *w, mdc_kind kind, const char *name, bool *fresh)
{
    size_t lo = 0, hi = w->ntracks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_track_key(kind, name, &w->tracks[mid]);
        if (c == 0) {
            *fresh = false;
            return &w->tracks[mid];
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (w->ntracks == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        track *t = realloc(w->tracks, w->cap * sizeof *t);
        if (!t) abort();
        w->tracks = t;
    }
    memmove(&w->tracks[lo + 1], &w->tracks[lo], (w->ntracks - lo) * sizeof *w->tracks);
    w->ntracks++;
    track *t = &w->tracks[lo];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->name = mdc_strdup(w->h->arena, name);
    *fresh = true;
    return t;
}

static const char *rules_json(mdc_arena *a, const mdc_doc_diff *dd)
{
    mdc_buf b = MDC_BUF_INIT;
    mdc_buf_putc(&b, '[');
    const char *prev = NULL;
    size_t n = 0;
    /* changes are sorted by rule: print each rule once */
    for (size_t i = 0; dd && i < dd->nchanges; i++) {
        const char *r = dd->changes[i]->rule;
        if (prev && strcmp(prev, r) == 0) continue;
        mdc_buf_printf(&b, "%s\"%s\"", n++ ? "," : "", r);
        prev = r;
    }
    mdc_buf_putc(&b, ']');
    const char *s = mdc_strdup(a, b.ptr);
    mdc_buf_free(&b);
    return s;
}

static void record(walker *w, const mdc_doc *d, mdc_kind kind, const char *name, const track *t,
                   const git_oid *commit, int64_t when, mdc_bump bump, const mdc_doc_diff *dd,
                   bool removed)
{
    mdc_history_entry *e = mdc_new(w->h->arena, mdc_history_entry);
    e->kind = kind;
    e->name = t->name;
    (void)name;
    e->version = mdc_semver_str(w->h->arena, &t->version);
    if (d) memcpy(e->checksum, d->checksum, sizeof e->checksum);
    git_oid_tostr(e->commit, sizeof e->commit, commit);
    e->committed_at = when;
    e->bump = bump;
    e->rules_json = rules_json(w->h->arena, dd);
    e->removed = removed;
    e->order = w->entries.n;
    mdc_ptrvec_push(w->h->arena, &w->entries, e);
}

/* Applies one commit's diff against the previous good state to the tracks. */
static void apply_commit(walker *w, const mdc_registry *prev, const mdc_compilation *comp,
                         bool shared_prev, const mdc_diff *df, const git_oid *commit, int64_t when)
{
    mdc_semver one = {true, 1, 0, 0, NULL};
    /* Documents that changed (or appeared / disappeared). */
    for (size_t i = 0; i < df->ndocs; i++) {
        const mdc_doc_diff *dd = df->docs[i];
        bool fresh;
        if (!dd->head) {
            track *t = get_track(w, dd->kind, dd->name, &fresh);
            t->live = false;
            record(w, NULL, dd->kind, dd->name, t, commit, when, dd->bump, dd, true);
            continue;
        }
        /* A renamed model continues the history of its old name under the new one. */
        const char *tname = dd->head->name;
        mdc_semver inherited = {0};
        if (dd->base && strcmp(dd->base->name, tname) != 0) {
            track *old = get_track(w, dd->kind, dd->base->name, &fresh);
            if (!fresh && old->live) inherited = old->version;
            old->live = false;
        }
        track *t = get_track(w, dd->kind, tname, &fresh);
        if (inherited.present) {
            t->version = inherited;
            t->live = true;
            fresh = false;
        }
        if (dd->head->version.present)
            t->version = dd->head->version;
        else if (!dd->base || fresh || !t->live)
            t->version = one;
        else
            t->version = mdc_semver_next(t->version, dd->bump);
        t->live = true;
        record(w, dd->head, dd->kind, tname, t, commit, when, dd->base ? dd->bump : MDC_BUMP_NONE,
               dd, false);
    }
    /* Declared versions that moved without any rule hit still make a timeline entry.  When
     * comp shared prev's documents (shared_prev), only documents loaded afresh at this commit
     * can have moved; when it shared another compilation's, any of them can. */
    const mdc_registry *cur = comp->reg;
    size_t n = shared_prev && comp->own ? comp->nown : cur->ndocs;
    for (size_t i = 0; i < n; i++) {
        const mdc_doc *d = shared_prev && comp->own ? comp->own[i] : cur->docs[i];
        if (!d->version.present || (shared_prev && d->owner != comp)) continue;
        const mdc_doc *b = prev ? mdc_registry_find(prev, d->kind, d->name) : NULL;
        if (!b || !b->version.present || mdc_semver_cmp(&b->version, &d->version) == 0) continue;
        bool changed = false;
        for (size_t k = 0; k < df->ndocs && !changed; k++)
            changed = df->docs[k]->head == d;
        if (changed) continue;
        bool fresh;
        track *t = get_track(w, d->kind, d->name, &fresh);
        t->version = d->version;
        t->live = true;
        record(w, d, d->kind, d->name, t, commit, when, MDC_BUMP_NONE, NULL, false);
    }
}

static int cmp_entry(const void *pa, const void *pb)
{
    const mdc_history_entry *a = *(const mdc_history_entry *const *)pa;
    const mdc_history_entry *b = *(const mdc_history_entry *const *)pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    /* commit order (not the entries' addresses: arena blocks are not in address order) */
    return a->order < b->order ? -1 : a->order > b->order;
}

/*
 * What a commit's definitions are made of: the ids of mdc.yaml and of each model folder
 * (p's, relative to the project root at prefix) in the commit's tree, one line each.  Two
 * commits with the same signature compile to the same registry, so the later one needs no
 * compilation (most commits of a real repository do not touch the models).  Returns false
 * when the commit cannot be read (the caller then compiles it).
 */
static bool signature(git_repository *git, const git_oid *commit, const char *prefix, const mdc_project *p,
                      mdc_buf *sig)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    bool ok = false;
    mdc_buf_clear(sig);
    if (git_commit_lookup(&c, git, commit) < 0 || git_commit_tree(&tree, c) < 0) goto done;
    for (size_t i = 0; i <= p->nmodel_dirs; i++) {
        const char *rel = i < p->nmodel_dirs ? p->model_dirs[i] : "mdc.yaml";
        bool root = strcmp(rel, ".") == 0 || !*rel;
        char path[4096];
        int n = snprintf(path, sizeof path, "%s%s", prefix, root ? "" : rel);
        if (n < 0 || (size_t)n >= sizeof path) goto done;
        while (n > 0 && path[n - 1] == '/') path[--n] = '\0';
        char hex[41] = "-";
        git_tree_entry *e = NULL;
        if (!*path)
            git_oid_tostr(hex, sizeof hex, git_tree_id(tree));
        else if (git_tree_entry_bypath(&e, tree, path) == 0)
            git_oid_tostr(hex, sizeof hex, git_tree_entry_id(e));
        git_tree_entry_free(e);
        mdc_buf_printf(sig, "%s %s\n", rel, hex);
    }
    ok = true;
done:
    git_tree_free(tree);
    git_commit_free(c);
    return ok;
}

/*
 * One stretch of the chain, compiled by one thread.  Its first compiled commit shares the
 * caller's compilation (`share`); every later one shares the stretch's last good commit,
 * and is diffed with it right away.  Slots [from, to) of the shared arrays are this
 * stretch's only: no locking.
 */
typedef struct stretch {
    mdc_repo *repo;                   /* this thread's handle */
    const git_oid *chain;
    size_t from, to;
    const mdc_compilation *share;
    unsigned threads;                 /* per compilation */
    bool steps;                       /* mdc_compile_step (MDC_STEPS=0: mdc_compile) */
    mdc_compilation **comp;           /* [nchain]: NULL = not compiled (same signature) */
    const mdc_compilation **base;     /* [nchain]: the compilation it shared and was diffed with */
    mdc_diff **diff;                  /* [nchain]: its diff with base, or NULL */
    mdc_arena *arena;                 /* the diffs */
    int rc;
    mdc_error err;
} stretch;

static void *compile_stretch(void *arg)
{
    stretch *s = arg;
    mdc_buf sig = MDC_BUF_INIT, last_sig = MDC_BUF_INIT; /* of the last compiled commit */
    const mdc_project *last_project = NULL;
    const mdc_compilation *good = NULL; /* the last commit that compiled without errors */
    for (size_t i = s->from; i < s->to; i++) {
        git_repository *git = mdc_repo_git(s->repo);
        if (last_project && signature(git, &s->chain[i], mdc_repo_prefix(s->repo), last_project, &sig) &&
            sig.len == last_sig.len && memcmp(sig.ptr, last_sig.ptr, sig.len) == 0)
            continue; /* the same definitions as the last compiled commit: nothing changed */
        char hex[41];
        git_oid_tostr(hex, sizeof hex, &s->chain[i]);
        mdc_compilation *c = NULL;
        const mdc_compilation *from = good ? good : s->share;
        mdc_compile_opts o = {MDC_STATE_REV, hex, s->threads, from};
        if ((s->steps ? mdc_compile_step(&c, s->repo, hex, from, s->threads, &s->err)
                      : mdc_compile(&c, s->repo, &o, &s->err)) < 0) {
            s->rc = -1;
            break;
        }
        s->comp[i] = c;
        s->base[i] = from;
        last_project = c->has_project ? c->reg->project : NULL;
        if (last_project && !signature(git, &s->chain[i], mdc_repo_prefix(s->repo), last_project, &last_sig))
            last_project = NULL;
        if (!c->has_project || c->diags.errors) { /* before mdc, or a broken commit */
            mdc_compilation_drop_index(c); /* never a base */
            continue;
        }
        if (good) {
            mdc_diags dd;
            mdc_diags_init(&dd, s->arena);
            s->diff[i] = mdc_diff_registries(s->arena, good->reg, c->reg, &dd);
            mdc_diags_release(&dd);
        }
        /* The last good commit is the next one's base; the one before is done with (its
         * registry stays, for the diffs in chain order). */
        if (good && good != s->share) mdc_compilation_drop_index((mdc_compilation *)good);
        good = c;
    }
    mdc_buf_free(&sig);
    mdc_buf_free(&last_sig);
    return NULL;
}

/* How many stretches: one per core (ncpu; MDC_THREADS overrides), at most 8, each of at
 * least 4 commits (a stretch's first commit parses every file that differs from `share`). */
static unsigned pick_stretches(size_t nchain, long ncpu)
{
    long n = ncpu;
    const char *env = getenv("MDC_THREADS");
    if (env && *env) n = atol(env);
    if (n < 1) n = 1;
    if (n > 8) n = 8;
    while (n > 1 && nchain / (size_t)n < 4) n--;
    return (unsigned)n;
}

int mdc_history_compute(mdc_history **out, mdc_repo *repo, const char *rev,
                        const mdc_compilation *share, mdc_error *err)
{
    *out = NULL;
    git_oid *chain = NULL;
    size_t nchain = 0;
    if (mdc_repo_first_parents(&chain, &nchain, repo, rev ? rev : "HEAD", err) < 0) return -1;

    /* Stretches need a compilation to share (else each first commit would parse every
     * file); without one, or with one core, a single stretch walks the whole chain. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    /* MDC_STEPS=0 compiles every commit in full (sharing files): the reference the steps
     * are tested against (test_build.sh H) */
    const char *se = getenv("MDC_STEPS");
    bool steps = !(se && strcmp(se, "0") == 0);
    unsigned ns = share ? pick_stretches(nchain, ncpu) : 1;
    unsigned inner = ns > 1 ? (unsigned)(ncpu > (long)ns ? ncpu / (long)ns : 1) : 0;
    mdc_compilation **comp = calloc(nchain + 1, sizeof *comp);
    const mdc_compilation **base = calloc(nchain + 1, sizeof *base);
    mdc_diff **diffs = calloc(nchain + 1, sizeof *diffs);
    stretch *st = calloc(ns, sizeof *st);
    pthread_t *tid = calloc(ns, sizeof *tid);
    bool *started = calloc(ns, sizeof *started);
    if (!comp || !base || !diffs || !st || !tid || !started) abort();
    for (unsigned k = 0; k < ns; k++) {
        stretch *s = &st[k];
        s->repo = repo;
        s->chain = chain;
        s->from = nchain * k / ns;
        s->to = nchain * (k + 1) / ns;
        s->share = share;
        s->threads = inner;
        s->steps = steps;
        s->comp = comp;
        s->base = base;
        s->diff = diffs;
        s->arena = mdc_arena_new();
        if (k > 0 && mdc_repo_reopen(&s->repo, repo, &s->err) < 0) {
            s->repo = NULL;
            s->rc = -1;
            continue;
        }
        if (k > 0) started[k] = pthread_create(&tid[k], NULL, compile_stretch, s) == 0;
        if (k > 0 && !started[k]) compile_stretch(s); /* no thread: run it here */
    }
    compile_stretch(&st[0]);
    int rc = 0;
    for (unsigned k = 0; k < ns; k++) {
        if (started[k]) pthread_join(tid[k], NULL);
        if (st[k].rc < 0 && rc == 0) {
            *err = st[k].err; /* the earliest failure in chain order */
            rc = -1;
        }
    }

    /* Apply the commits in chain order.  A diff computed in a stretch is kept when its base
     * is the last good commit here too; the first good commit of a stretch is diffed again
     * with the previous stretch's last good one. */
    mdc_history *h = calloc(1, sizeof *h);
    h->arena = mdc_arena_new();
    walker w;
    memset(&w, 0, sizeof w);
    w.h = h;
    mdc_registry empty;
    memset(&empty, 0, sizeof empty);
    const mdc_compilation *prev = NULL;
    for (size_t i = 0; rc == 0 && i < nchain; i++) {
        h->ncommits++;
        const mdc_compilation *c = comp[i];
        if (!c || !c->has_project || c->diags.errors) continue;
        mdc_diff *df = diffs[i];
        if (!df || base[i] != prev) {
            mdc_diags dd;
            mdc_diags_init(&dd, h->arena);
            df = mdc_diff_registries(h->arena, prev ? prev->reg : &empty, c->reg, &dd);
            mdc_diags_release(&dd);
        }
        apply_commit(&w, prev ? prev->reg : NULL, c, base[i] == prev, df, &chain[i],
                     c->state->commit_time);
        prev = c;
    }
    /* Compilations are no longer needed: entries copied what they keep.  Later ones share
     * documents of earlier ones: free newest first. */
    for (size_t i = nchain; i-- > 0;) mdc_compilation_free(comp[i]);
    for (unsigned k = 0; k < ns; k++) {
        mdc_arena_free(st[k].arena);
        if (k > 0) mdc_repo_free(st[k].repo);
    }
    free(comp);
    free(base);
    free(diffs);
    free(st);
    free(tid);
    free(started);
    free(chain);
    free(w.tracks);
    if (rc < 0) {
        mdc_history_free(h);
        return -1;
    }
    h->n = w.entries.n;
    h->entries = mdc_new_array(h->arena, mdc_history_entry, h->n + 1);
    if (w.entries.n) qsort(w.entries.v, w.entries.n, sizeof *w.entries.v, cmp_entry); /* v is NULL when empty */
    for (size_t i = 0; i < h->n; i++) h->entries[i] = *(mdc_history_entry *)w.entries.v[i];
    *out = h;
    return 0;
}

void mdc_history_free(mdc_history *h)
{
    if (!h) return;
    mdc_arena_free(h->arena);
    free(h);
}

const mdc_history_entry *mdc_history_latest(const mdc_history *h, mdc_kind kind, const char *name)
{
    /* entries are sorted by (kind, name, commit order): find the last of the run */
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const mdc_history_entry *e = &h->entries[mid];
        int c = e->kind != kind ? (kind < e->kind ? -1 : 1) : strcmp(name, e->name);
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1; /* c >= 0: the run's end is to the right */
    }
    if (lo == 0) return NULL;
    const mdc_history_entry *e = &h->entries[lo - 1];
    return e->kind == kind && strcmp(e->name, name) == 0 ? e : NULL;
}
