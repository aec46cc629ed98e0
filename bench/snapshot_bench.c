/*
 * snapshot_bench.c - in-process latencies of libmdc on a snapshot (bench/run.sh):
 *
 *   snapshot_bench SNAPSHOT MODEL [ROUNDS]
 *
 * Prints markdown rows: open + find one model (with its fields) + close, open + load every
 * model with its fields, and open with full verification.  Times are per round, best and
 * mean over ROUNDS (default 20), measured with CLOCK_MONOTONIC around the calls only, so
 * process start-up (which is what an app pays once anyway) is not counted.
 *
 * Built by bench/run.sh against the libmdc of the build tree.
 */
#include <mdc/registry.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int count_model(const mdc_model_info *m, void *payload)
{
    size_t *n = payload;
    *n += 1 + mdc_model_info_field_count(m);
    return 0;
}

static int open_find(const char *path, const char *model)
{
    mdc_snapshot *s = NULL;
    mdc_model_info *m = NULL;
    int rc = mdc_snapshot_open(&s, path, 0);
    if (rc == 0) rc = mdc_model_info_lookup(&m, s, model);
    if (rc == 0 && mdc_model_info_field_count(m) == 0) rc = -1;
    if (rc) fprintf(stderr, "snapshot_bench: %s\n", mdc_snapshot_errmsg(s));
    mdc_model_info_free(m);
    mdc_snapshot_close(s);
    return rc;
}

static int open_all(const char *path, size_t *items)
{
    mdc_snapshot *s = NULL;
    *items = 0;
    int rc = mdc_snapshot_open(&s, path, 0);
    if (rc == 0) rc = mdc_snapshot_foreach_model(s, count_model, items);
    if (rc) fprintf(stderr, "snapshot_bench: %s\n", mdc_snapshot_errmsg(s));
    mdc_snapshot_close(s);
    return rc;
}

static int open_verify(const char *path)
{
    mdc_snapshot *s = NULL;
    int rc = mdc_snapshot_open(&s, path, MDC_OPEN_VERIFY);
    if (rc) fprintf(stderr, "snapshot_bench: %s\n", mdc_snapshot_errmsg(s));
    mdc_snapshot_close(s);
    return rc;
}

static void row(const char *label, double best, double sum, int rounds)
{
    printf("| %s | %.3f | %.3f |\n", label, best, sum / rounds);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: snapshot_bench SNAPSHOT MODEL [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 20;
    if (rounds < 1) rounds = 1;
    double best[3] = {1e30, 1e30, 1e30}, sum[3] = {0, 0, 0};
    size_t items = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ms();
        if (open_find(argv[1], argv[2])) return 1;
        double t1 = now_ms();
        if (open_all(argv[1], &items)) return 1;
        double t2 = now_ms();
        if (r < 3 && open_verify(argv[1])) return 1;
        double t3 = now_ms();
        double d[3] = {t1 - t0, t2 - t1, t3 - t2};
        for (int k = 0; k < 3; k++) {
            if (k == 2 && r >= 3) continue;
            sum[k] += d[k];
            if (d[k] < best[k]) best[k] = d[k];
        }
    }
    printf("| operation | best ms | mean ms |\n|---|---:|---:|\n");
    row("open + find one model with its fields + close", best[0], sum[0], rounds);
    char label[128];
    snprintf(label, sizeof label, "open + load every model with its fields (%zu rows)", items);
    row(label, best[1], sum[1], rounds);
    row("open with full verification (MDC_OPEN_VERIFY)", best[2], sum[2], rounds < 3 ? rounds : 3);
    return 0;
}
