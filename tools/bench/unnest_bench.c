/*
 * unnest_bench.c: the per-row decode cost of a message through
 * complexTypeConfig next to a flat message with the same values, and the
 * bytes of a consuming segment next to the same rows sealed (what the
 * memory bound of an autotuned segment is derived from).
 *
 * Built as build/unnest_bench with the rest (Release): build/unnest_bench 200000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include "seg_mutable.h"
#include "seg_seal.h"
#include "srv_unnest.h"

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static const char schema_json[] =
    "{\"schemaName\":\"o\",\"dimensionFieldSpecs\":[{\"name\":\"id\",\"dataType\":\"LONG\"},"
    "{\"name\":\"country\",\"dataType\":\"STRING\"},{\"name\":\"items.sku\",\"dataType\":\"STRING\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"items.qty\",\"dataType\":\"INT\"}]}";
int main(int argc, char **argv)
{
    int N = argc > 1 ? atoi(argv[1]) : 200000;
    char err[TN_ERRLEN];
    seg_schema *s; seg_schema_parse(schema_json, strlen(schema_json), &s, err);
    const char *cj = "{\"tableName\":\"o\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{\"complexTypeConfig\":{\"fieldsToUnnest\":[\"items\"]}}}";
    srv_table_config *c; if (srv_table_config_parse(cj, strlen(cj), &c, err)) { puts(err); return 1; }
    srv_unnest *u = srv_unnest_create(&c->complex, s);
    seg_row row; seg_row_init(&row, s);
    char buf[512];
    /* the modes alternate, five rounds, best of each: the machine is noisy */
    double best[3] = {1e30, 1e30, 1e30};
    for (int round = 0; round < 5; round++) {
        double t0 = now();
        for (int i = 0; i < N; i++) { /* flat: the same values as columns */
            int n = snprintf(buf, sizeof buf, "{\"id\":%d,\"country\":\"c%d\",\"items.sku\":\"s%d\",\"items.qty\":%d}", i, i % 50, i % 1000, i % 7);
            if (seg_row_parse_json(&row, buf, n, err)) { puts(err); return 1; }
        }
        best[0] = fmin(best[0], (now() - t0) / N * 1e9);
        for (int m = 1; m <= 2; m++) {
            int k = m == 1 ? 1 : 4;
            long rows = 0;
            t0 = now();
            for (int i = 0; i < N / k; i++) {
                int n = snprintf(buf, sizeof buf, "{\"id\":%d,\"country\":\"c%d\",\"items\":[", i, i % 50);
                for (int j = 0; j < k; j++)
                    n += snprintf(buf + n, sizeof buf - n, "%s{\"sku\":\"s%d\",\"qty\":%d}", j ? "," : "", (i + j) % 1000, j);
                n += snprintf(buf + n, sizeof buf - n, "]}");
                uint32_t nr, nf;
                if (srv_unnest_message(u, NULL, buf, n, &nr, &nf, err)) { puts(err); return 1; }
                rows += nr;
            }
            best[m] = fmin(best[m], (now() - t0) / rows * 1e9);
        }
    }
    printf("decode, best of 5 alternating rounds: flat %.0f ns/row; unnest 1 item/message %.0f "
           "ns/row (%.2fx); 4 items/message %.0f ns/row (%.2fx)\n", best[0], best[1],
           best[1] / best[0], best[2], best[2] / best[0]);
    /* consuming vs sealed bytes */
    for (int n = 10000; n <= 1000000; n *= 10) {
        seg_mutable_opts o = {.name = "b__0__0__x", .table = "o", .partition = 0, .start_offset = 0};
        seg_mutable *m; seg_mutable_create(s, &o, &m, err);
        for (int i = 0; i < n; i++) {
            int len = snprintf(buf, sizeof buf, "{\"id\":%d,\"country\":\"c%d\",\"items.sku\":\"s%d\",\"items.qty\":%d}", i, i % 50, i % 1000, i % 7);
            seg_row_parse_json(&row, buf, len, err);
            seg_mutable_append(m, &row, i, err);
        }
        seg_image *img; seg_seal_opts so = {0};
        seg_seal(seg_mutable_base(m), n, &so, &img, err);
        size_t sealed = 0;
        for (uint32_t i = 0; i < img->ncols; i++) sealed += img->cols[i].len;
        printf("%d rows: consuming %zu bytes, sealed %zu bytes, ratio %.1f\n", n, seg_mutable_bytes(m), sealed, (double)seg_mutable_bytes(m) / sealed);
        seg_image_free(img);
        seg_segment_release(seg_mutable_base(m));
    }
    return 0;
}
