/*
 * tn_quickstart.c: `tannin quickstart`. Until the server and broker exist
 * (issues 4, 5 and 7), it runs what the segment store can show on its own:
 * it generates drop-off events into a mutable segment, seals them into an
 * LMDB store under --data-dir and prints the segment's statistics.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tn_tools.h"
#include "tn_gen.h"
#include "seg_mutable.h"
#include "seg_store.h"

int tn_cmd_quickstart(int argc, char **argv)
{
    const char *dir = "tannin-data";
    long rows = 100000;
    static const struct option opts[] = {{"data-dir", required_argument, 0, 'd'},
                                         {"rows", required_argument, 0, 'r'},
                                         {"for", required_argument, 0, 'f'},
                                         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd')
            dir = optarg;
        else if (ch == 'r')
            rows = atol(optarg);
        else if (ch != 'f') {
            fprintf(stderr, "usage: tannin quickstart [--data-dir DIR] [--rows N]\n");
            return 2;
        }
    }
    printf("Tannin quickstart: the segment store on its own (the Kafka, server and\n"
           "broker demo comes with those modules).\n");
    char err[TN_ERRLEN];
    seg_schema *schema;
    if (tn_gen_pageview_schema(&schema, err)) {
        fprintf(stderr, "quickstart: %s\n", err);
        return 1;
    }
    seg_mutable *m;
    seg_mutable_opts mo = {.name = NULL, .table = "pageviews", .partition = 0,
                           .start_offset = 0, .time_column = "ts"};
    char name[128];
    snprintf(name, sizeof name, "pageviews__0__0__%lld", (long long)tn_now_ms());
    mo.name = name;
    int rc = seg_mutable_create(schema, &mo, &m, err);
    tn_gen *g = tn_gen_new(42, tn_now_ms() - 3600 * 1000);
    seg_row row;
    seg_row_init(&row, schema);
    for (long i = 0; i < rows && !rc; i++) {
        tn_gen_pageview(g, &row);
        rc = seg_mutable_append(m, &row, i, err);
    }
    seg_image *img = NULL;
    seg_store *st = NULL;
    if (!rc)
        rc = seg_seal(seg_mutable_base(m), seg_segment_ndocs(seg_mutable_base(m)),
                      &(seg_seal_opts){.sorted_column = "country"}, &img, err);
    if (!rc)
        rc = seg_store_open(dir, NULL, &st, err);
    if (!rc)
        rc = seg_store_write(st, img, "pageviews/0", rows, err);
    if (!rc)
        printf("sealed %ld events into segment %s in store %s\n"
               "see it with: tannin segment show --store %s %s\n",
               rows, name, dir, dir, name);
    else
        fprintf(stderr, "quickstart: %s\n", err);
    seg_image_free(img);
    seg_store_close(st);
    seg_row_free(&row);
    seg_segment_release(seg_mutable_base(m));
    tn_gen_free(g);
    seg_schema_free(schema);
    return rc ? 1 : 0;
}
