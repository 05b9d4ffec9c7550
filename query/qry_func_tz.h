/*
 * qry_func_tz.h: time zones for the date functions. A zone is resolved once,
 * at bind: ICU validates the name and tells whether the zone ever changes
 * its offset. Evaluation asks for UTC offsets through a cursor that caches
 * the spans between transitions, so a batch of nearby instants costs one
 * ICU lookup, and zones with one offset (UTC) never reach ICU at all.
 *
 * A cursor belongs to one evaluation call on one thread: ICU calendars are
 * not thread-safe, so each cursor opens its own and closes it when done.
 * Private to query/qry_func*.c.
 */
#ifndef QRY_FUNC_TZ_H
#define QRY_FUNC_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QRY_TZ_NAME 64

typedef struct qry_tz {
    bool fixed;                /* one offset for every instant */
    bool utc;
    int32_t offset_ms;         /* the offset, when fixed */
    char name[QRY_TZ_NAME];    /* the zone's id, as Joda prints it (ZZZ) */
} qry_tz;

/* Resolves a zone name the way Pinot accepts them: region ids in any case
 * ("America/Los_Angeles"), UTC/GMT/Z, offsets ("+05:30", "GMT-08:00") and
 * the legacy ids ICU knows ("PST"). False when the name is unknown. */
bool qry_tz_resolve(const char *name, size_t len, qry_tz *out);
void qry_tz_set_utc(qry_tz *out);

/* Offsets hold for [lo, hi) (UTC ms). */
typedef struct qry_tz_span {
    int64_t lo, hi;
    int32_t off;
} qry_tz_span;

#define QRY_TZ_SPANS 4
#define QRY_TZ_NAMES 4

/* A zone name as ICU rendered it for one offset. */
typedef struct qry_tz_label {
    int32_t off;
    int form;                  /* 0 none, 1 short, 2 long */
    char text[QRY_TZ_NAME];
} qry_tz_label;

typedef struct qry_tz_cur {
    const qry_tz *tz;
    void *cal;                 /* UCalendar, opened on the first miss */
    void *names;               /* UDateFormat for zone names, opened on use */
    qry_tz_span span[QRY_TZ_SPANS];
    unsigned victim;           /* next span slot to replace */
    qry_tz_label label[QRY_TZ_NAMES];
    unsigned label_victim;
    bool failed;               /* ICU failed: the caller reports error 200 */
} qry_tz_cur;

void qry_tz_cur_init(qry_tz_cur *c, const qry_tz *tz);
void qry_tz_cur_done(qry_tz_cur *c);
int32_t qry_tz_miss(qry_tz_cur *c, int64_t ms);

/* The UTC offset in ms at instant ms. */
static inline int32_t qry_tz_offset(qry_tz_cur *c, int64_t ms)
{
    for (int i = 0; i < QRY_TZ_SPANS; i++) {
        if (ms >= c->span[i].lo && ms < c->span[i].hi)
            return c->span[i].off;
    }
    return qry_tz_miss(c, ms);
}

/* The instant of local time `local` (ms since 1970-01-01T00:00 local), as
 * Joda's non-strict conversion does it: the offset of hint (an instant near
 * it) when valid; in an overlap the earlier instant; in a gap the instant
 * where the gap ends. */
int64_t qry_tz_to_utc(qry_tz_cur *c, int64_t local, int64_t hint);
/* As Joda's parser does it: false for a local time inside a gap. */
bool qry_tz_to_utc_strict(qry_tz_cur *c, int64_t local, int64_t *utc);

/* The zone's English name at instant ms, short ("PST") or long ("Pacific
 * Standard Time"), from ICU. Returns the length written to buf (cap > 0). */
size_t qry_tz_display(qry_tz_cur *c, int64_t ms, bool long_form, char *buf,
                      size_t cap);

#endif
