/*
 * tn_gen.h: deterministic synthetic events for the demo and benchmarks:
 * home-page drop-off page views, and the ad events of 300,000 set-top boxes
 * (request -> impression -> click / complete / skip, by aggregator), both
 * with skewed (Zipf-like) dimensions. Their Pinot schemas are the embedded
 * tools/demo/ schema files (tn_demo.h).
 *
 * Same seed and same start time give byte-identical events.
 */
#ifndef TN_GEN_H
#define TN_GEN_H

#include "seg_row.h"

typedef struct tn_gen tn_gen;

typedef enum { TN_GEN_PAGEVIEWS, TN_GEN_AD_EVENTS } tn_gen_kind;

/* The page-view schema (15 columns, Pinot format). */
int tn_gen_pageview_schema(seg_schema **out, char *err);
/* The ad-event schema (11 columns, Pinot format). */
int tn_gen_adevent_schema(seg_schema **out, char *err);

/* "pageviews" or "ad-events" (also "ad_events"); TN_EINVAL otherwise. */
int tn_gen_kind_parse(const char *name, tn_gen_kind *out);
/* The demo table (and topic) of a kind: "pageviews", "ad_events". */
const char *tn_gen_kind_table(tn_gen_kind k);
int tn_gen_schema(tn_gen_kind k, seg_schema **out, char *err);

/* A generator whose clock starts at start_ms; events advance it by 0-2 ms
 * each (about 1,000 page views or ad requests per generated second). */
tn_gen *tn_gen_new(uint64_t seed, int64_t start_ms);
void tn_gen_free(tn_gen *g);
/* Sets the generator's clock, e.g. to the wall clock when pacing events
 * in real time: pending ad follow-ups come out once the clock passes their
 * time, and new events take the clock's time. */
void tn_gen_set_clock(tn_gen *g, int64_t now_ms);

/* Fill row (of the page-view / ad-event schema; columns are matched by
 * name) with the next event; strings point into the generator, valid while
 * it lives. */
void tn_gen_pageview(tn_gen *g, seg_row *row);
void tn_gen_adevent(tn_gen *g, seg_row *row);
void tn_gen_next(tn_gen *g, tn_gen_kind k, seg_row *row);

/* The entity whose events must stay in order (one Kafka partition):
 * session_id of a page view, box_id of an ad event; 0 if the row lacks it. */
int64_t tn_gen_row_key(const seg_row *row, tn_gen_kind k);

/* Renders the row as one JSON object (as a producer would send it, no
 * newline) into buf; returns its length, or 0 when it does not fit in cap. */
size_t tn_gen_row_json(const seg_row *row, char *buf, size_t cap);

#endif
