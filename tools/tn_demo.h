/*
 * tn_demo.h: the demo's Pinot schemas and REALTIME table configs
 * (the JSON files in tools/demo/), embedded in the executable at build time so that
 * `tannin` needs no files beside it and the JSON files stay the one source
 * of truth for the generators, the quickstart and the docs.
 */
#ifndef TN_DEMO_H
#define TN_DEMO_H

#include <stddef.h>

/* One embedded file; the generated tn_demo_files.c defines the table. */
typedef struct tn_demo_entry {
    const char *name;  /* file name, e.g. "ad_events_schema.json" */
    const char *data;  /* the bytes, NUL-terminated */
    size_t len;        /* without the NUL */
} tn_demo_entry;

extern const tn_demo_entry tn_demo_entries[];
extern const size_t tn_demo_nentries;

/* The contents of the named file (NUL-terminated; *len, when len is not
 * NULL, gets its length), or NULL when no such file is embedded. */
const char *tn_demo_file(const char *name, size_t *len);

#endif
