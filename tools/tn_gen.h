/*
 * tn_gen.h: deterministic synthetic events for the demo and benchmarks:
 * home-page drop-off page views with skewed (Zipf-like) dimensions.
 */
#ifndef TN_GEN_H
#define TN_GEN_H

#include "seg_row.h"

typedef struct tn_gen tn_gen;

/* The page-view schema (15 columns, Pinot format). */
int tn_gen_pageview_schema(seg_schema **out, char *err);

tn_gen *tn_gen_new(uint64_t seed, int64_t start_ms);
void tn_gen_free(tn_gen *g);
/* Fills row (of the page-view schema) with the next event; strings point
 * into the generator, valid while it lives. */
void tn_gen_pageview(tn_gen *g, seg_row *row);
/* Renders the row as one JSON line (as a producer would send it) into buf,
 * returns its length. */
size_t tn_gen_row_json(const seg_row *row, char *buf, size_t cap);

#endif
