/*
 * test_qry_fuzz_corpus.c: replays every input the SQL fuzzer kept
 * (tests/fuzz/sql, grown by tools/fuzz/run.sh) through the front end:
 * each must give a query or an error, and nothing may crash or leak (the
 * sanitizer build runs this too).
 */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "qry_reduce.h"

static const char schema_json[] =
    "{\"schemaName\":\"t\",\"dimensionFieldSpecs\":["
    "{\"name\":\"Carrier\",\"dataType\":\"STRING\"},{\"name\":\"Origin\",\"dataType\":\"STRING\"},"
    "{\"name\":\"DivAirports\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"FlightNum\",\"dataType\":\"INT\"},{\"name\":\"Delay\",\"dataType\":\"LONG\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"Distance\",\"dataType\":\"DOUBLE\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

START_TEST(corpus_replays_cleanly)
{
    seg_schema *schema;
    ck_assert_int_eq(seg_schema_parse(schema_json, strlen(schema_json), &schema, NULL), 0);
    const char *dir = TN_SOURCE_DIR "/tests/fuzz/sql";
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "no corpus at %s", dir);
    struct dirent *de;
    int files = 0, compiled = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *sql;
        size_t len;
        char err[TN_ERRLEN];
        ck_assert_int_eq(tn_read_file(path, &sql, &len, err), 0);
        for (int flavour = 0; flavour < 2; flavour++) {
            qry_err qe;
            qry_query *q;
            if (qry_compile(sql, flavour ? QRY_PGWIRE : QRY_HTTP, NULL, schema, &q, &qe) == 0) {
                compiled++;
                qry_query_free(q);
            } else {
                ck_assert_msg(qe.code >= 100 && qe.msg[0], "%s: error without code/message",
                              de->d_name);
            }
        }
        free(sql);
        files++;
    }
    closedir(d);
    ck_assert_int_ge(files, 10);
    ck_assert_int_ge(compiled, 10); /* the valid seeds compile */
    seg_schema_free(schema);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qry_fuzz_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, corpus_replays_cleanly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
