/*
 * srv_offline.h: building OFFLINE segments from an uploaded file, as
 * Pinot's /ingestFromFile does: JSON (one object per line, or one array of
 * objects) or CSV (a header line names the columns; the delimiter comes
 * from recordReader.prop.delimiter, default ','; a multi-value cell is
 * split on ';', or recordReader.prop.multiValueDelimiter).
 *
 * Rows go through the table's transforms and filter. A row that does not
 * parse or convert is skipped and counted; a file where no row can be
 * ingested is an error naming its first bad line. Every 1,000,000 rows
 * make a segment, named <table>_<minTime>_<maxTime>_<seq> (the time
 * column's min and max in its own unit) or <table>_<seq> when the table has
 * no time column or the rows have no time; seq continues from the table's
 * stored segments.
 */
#ifndef SRV_OFFLINE_H
#define SRV_OFFLINE_H

#include "seg_store.h"
#include "srv_table.h"

#define SRV_OFFLINE_SEGMENT_ROWS 1000000u

/* *result_json: {"segments":[names],"rows":N,"skipped":K} (heap, caller
 * frees). */
int srv_offline_ingest(srv_table *t, seg_store *st, const char *batch_config_json,
                       const char *data, size_t len, char **result_json, char *err);

#endif
