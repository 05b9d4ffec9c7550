/*
 * fuzz_sql.c: libFuzzer target for the SQL front end: any bytes go through
 * parse, bind (against the airline-shaped schema below) and prepare; the
 * only acceptable outcomes are a query or an error, never a crash or leak.
 *
 *   tools/fuzz/run.sh [SECONDS]   builds with clang -fsanitize=fuzzer,address
 *                                 and runs, growing tests/fuzz/sql/
 * The corpus it keeps is replayed by tests/unit/test_qry_fuzz_corpus.c in
 * every test run.
 */
#include <stdint.h>
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

static seg_schema *schema;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!schema && seg_schema_parse(schema_json, strlen(schema_json), &schema, NULL))
        abort();
    char *sql = malloc(size + 1);
    memcpy(sql, data, size);
    sql[size] = '\0'; /* SQL text arrives NUL-terminated from every endpoint */
    qry_err err;
    qry_query *q = NULL;
    for (int flavour = 0; flavour < 2; flavour++)
        if (qry_compile(sql, flavour ? QRY_PGWIRE : QRY_HTTP, NULL, schema, &q, &err) == 0)
            qry_query_free(q);
    free(sql);
    return 0;
}
