/*
 * qry_func_tz.c: time zone resolution and UTC offsets from ICU's time zone
 * rules (see docs/DEPENDENCIES.md), with a span cache so that evaluation
 * touches ICU once per transition period rather than once per row.
 */
#include "qry_func_tz.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/uenum.h>
#include <unicode/ustring.h>

#include "qry_func_int.h"

/* ICU calendars refuse instants beyond about +-5.8 million years; instants
 * past this bound take the offset at the bound. */
#define TZ_ICU_LIMIT 100000000000000000LL
/* No zone is more than 14 hours (+- a margin) away from UTC. */
#define TZ_MAX_OFFSET (15 * QRY_MS_HOUR)

void qry_tz_set_utc(qry_tz *out)
{
    memset(out, 0, sizeof *out);
    out->fixed = true;
    out->utc = true;
    strcpy(out->name, "UTC");
}

static void tz_set_fixed(qry_tz *out, int32_t off)
{
    if (off == 0) {
        qry_tz_set_utc(out);
        return;
    }
    memset(out, 0, sizeof *out);
    out->fixed = true;
    out->offset_ms = off;
    int m = (off < 0 ? -off : off) / 60000;
    snprintf(out->name, sizeof out->name, "%c%02d:%02d", off < 0 ? '-' : '+',
             m / 60, m % 60);
}

static bool tz_digits(const char *s, size_t n, int *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return n > 0;
}

/* "+05:30", "-0800", "+5", optionally after "UTC"/"GMT": a fixed offset. */
static bool tz_parse_offset(const char *s, size_t len, int32_t *off)
{
    if (len > 3 && (qry_fn_ieq(s, 3, "UTC") || qry_fn_ieq(s, 3, "GMT"))) {
        s += 3;
        len -= 3;
    }
    if (len < 2 || (s[0] != '+' && s[0] != '-'))
        return false;
    int sign = s[0] == '-' ? -1 : 1, h, m = 0;
    s++;
    len--;
    const char *colon = memchr(s, ':', len);
    if (colon) {
        if (!tz_digits(s, (size_t)(colon - s), &h) ||
            !tz_digits(colon + 1, len - (size_t)(colon - s) - 1, &m))
            return false;
    } else if (len <= 2) {
        if (!tz_digits(s, len, &h))
            return false;
    } else if (len == 4) {
        if (!tz_digits(s, 2, &h) || !tz_digits(s + 2, 2, &m))
            return false;
    } else {
        return false;
    }
    if (h > 18 || m > 59)
        return false;
    *off = sign * (h * 3600000 + m * 60000);
    return true;
}

static bool tz_is_utc_name(const char *s, size_t len)
{
    static const char *names[] = {"UTC", "GMT", "Z", "UT", "Etc/UTC",
                                  "Etc/GMT", "Etc/UCT", "UCT", "Etc/Universal",
                                  "Etc/Zulu", "Universal", "Zulu", "GMT0",
                                  "Etc/GMT0", "Greenwich"};
    for (size_t i = 0; i < TN_ARRAY_LEN(names); i++) {
        if (qry_fn_ieq(s, len, names[i]))
            return true;
    }
    return false;
}

/* ICU's zone ids are case-sensitive and Pinot's are not: finds the id that
 * matches name ignoring case. */
static bool tz_find_icase(const char *name, char *out, size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    UEnumeration *all = ucal_openTimeZones(&st);
    if (U_FAILURE(st))
        return false;
    bool found = false;
    int32_t n;
    const char *id;
    while (!found && (id = uenum_next(all, &n, &st)) && U_SUCCESS(st)) {
        if (strcasecmp(id, name) == 0 && (size_t)n < cap) {
            memcpy(out, id, (size_t)n + 1);
            found = true;
        }
    }
    uenum_close(all);
    return found;
}

static UCalendar *tz_open(const char *id)
{
    UChar uid[QRY_TZ_NAME];
    u_uastrncpy(uid, id, QRY_TZ_NAME);
    UErrorCode st = U_ZERO_ERROR;
    UCalendar *cal = ucal_open(uid, -1, "en_US", UCAL_GREGORIAN, &st);
    if (U_FAILURE(st)) {
        ucal_close(cal);
        return NULL;
    }
    return cal;
}

static bool tz_icu_known(const char *id)
{
    UChar uid[QRY_TZ_NAME], canon[QRY_TZ_NAME];
    u_uastrncpy(uid, id, QRY_TZ_NAME);
    UErrorCode st = U_ZERO_ERROR;
    UBool system;
    ucal_getCanonicalTimeZoneID(uid, -1, canon, QRY_TZ_NAME, &system, &st);
    return U_SUCCESS(st);
}

/* Fills out for an id ICU knows: fixed when the zone has no transition. */
static bool tz_from_icu(const char *id, qry_tz *out)
{
    UCalendar *cal = tz_open(id);
    if (!cal)
        return false;
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)-TZ_ICU_LIMIT, &st);
    UDate next;
    bool changes = ucal_getTimeZoneTransitionDate(cal, UCAL_TZ_TRANSITION_NEXT,
                                                  &next, &st);
    int32_t off = ucal_get(cal, UCAL_ZONE_OFFSET, &st) +
                  ucal_get(cal, UCAL_DST_OFFSET, &st);
    ucal_close(cal);
    if (U_FAILURE(st))
        return false;
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", id);
    if (!changes) {
        out->fixed = true;
        out->offset_ms = off;
    }
    return true;
}

bool qry_tz_resolve(const char *name, size_t len, qry_tz *out)
{
    int32_t off;
    if (tz_is_utc_name(name, len)) {
        qry_tz_set_utc(out);
        return true;
    }
    if (tz_parse_offset(name, len, &off)) {
        tz_set_fixed(out, off);
        return true;
    }
    char id[QRY_TZ_NAME];
    if (len == 0 || len >= sizeof id)
        return false;
    memcpy(id, name, len);
    id[len] = '\0';
    if (!tz_icu_known(id) && !tz_find_icase(id, id, sizeof id))
        return false;
    return tz_from_icu(id, out);
}

void qry_tz_cur_init(qry_tz_cur *c, const qry_tz *tz)
{
    memset(c, 0, sizeof *c);
    c->tz = tz;
    for (int i = 0; i < QRY_TZ_SPANS; i++) {
        c->span[i].lo = 1;      /* empty */
        c->span[i].hi = 0;
    }
    if (tz->fixed) {
        c->span[0].lo = INT64_MIN;
        c->span[0].hi = INT64_MAX;
        c->span[0].off = tz->offset_ms;
    }
}

void qry_tz_cur_done(qry_tz_cur *c)
{
    if (c->cal)
        ucal_close(c->cal);
    if (c->names)
        udat_close(c->names);
    c->cal = NULL;
    c->names = NULL;
}

/* The span around ms from ICU: its offset and the transitions either side. */
static bool tz_span_icu(UCalendar *cal, int64_t ms, qry_tz_span *s)
{
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)ms, &st);
    s->off = ucal_get(cal, UCAL_ZONE_OFFSET, &st) +
             ucal_get(cal, UCAL_DST_OFFSET, &st);
    UDate t;
    s->lo = ucal_getTimeZoneTransitionDate(
                cal, UCAL_TZ_TRANSITION_PREVIOUS_INCLUSIVE, &t, &st)
                ? (int64_t)t : INT64_MIN;
    s->hi = ucal_getTimeZoneTransitionDate(cal, UCAL_TZ_TRANSITION_NEXT, &t, &st)
                ? (int64_t)t : INT64_MAX;
    return U_SUCCESS(st) && s->lo <= ms && ms < s->hi;
}

int32_t qry_tz_miss(qry_tz_cur *c, int64_t ms)
{
    int64_t at = ms < -TZ_ICU_LIMIT ? -TZ_ICU_LIMIT
               : ms > TZ_ICU_LIMIT ? TZ_ICU_LIMIT : ms;
    if (!c->cal)
        c->cal = tz_open(c->tz->name);
    qry_tz_span s;
    if (!c->cal || !tz_span_icu(c->cal, at, &s)) {
        c->failed = true;
        return 0;
    }
    /* beyond ICU's range the offset at the bound holds */
    if (at == -TZ_ICU_LIMIT)
        s.lo = INT64_MIN;
    if (at == TZ_ICU_LIMIT)
        s.hi = INT64_MAX;
    c->span[c->victim] = s;
    c->victim = (c->victim + 1) % QRY_TZ_SPANS;
    return s.off;
}

/* The offsets valid for local around a transition: p before, q after. */
static void tz_candidates(qry_tz_cur *c, int64_t local, int32_t *p, int32_t *q,
                          bool *vp, bool *vq)
{
    *p = qry_tz_offset(c, qry_wadd(local, -TZ_MAX_OFFSET));
    *q = qry_tz_offset(c, qry_wadd(local, TZ_MAX_OFFSET));
    *vp = qry_tz_offset(c, qry_wadd(local, -*p)) == *p;
    *vq = qry_tz_offset(c, qry_wadd(local, -*q)) == *q;
}

int64_t qry_tz_to_utc(qry_tz_cur *c, int64_t local, int64_t hint)
{
    int32_t h = qry_tz_offset(c, hint);
    int64_t u = qry_wadd(local, -h);
    if (qry_tz_offset(c, u) == h)
        return u;
    int32_t p, q;
    bool vp, vq;
    tz_candidates(c, local, &p, &q, &vp, &vq);
    if (vp && vq)
        return qry_wadd(local, -(p > q ? p : q));
    if (vq)
        return qry_wadd(local, -q);
    /* valid before the transition, or a gap: the pre-gap offset carries
     * the time forward past the gap, as Joda does */
    return qry_wadd(local, -p);
}

bool qry_tz_to_utc_strict(qry_tz_cur *c, int64_t local, int64_t *utc)
{
    int32_t p, q;
    bool vp, vq;
    tz_candidates(c, local, &p, &q, &vp, &vq);
    if (!vp && !vq)
        return false;
    int32_t off = vp && vq ? (p > q ? p : q) : vp ? p : q;
    *utc = qry_wadd(local, -off);
    return true;
}

static size_t tz_copy(const char *s, char *buf, size_t cap)
{
    size_t n = strlen(s);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return n;
}

/* The name ICU gives the zone at ms, formatted with pattern "z"/"zzzz". */
static bool tz_icu_name(qry_tz_cur *c, int64_t ms, bool long_form, char *buf,
                        size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar uid[QRY_TZ_NAME], pat[8], out[QRY_TZ_NAME];
    if (!c->names) {
        u_uastrncpy(uid, c->tz->name, QRY_TZ_NAME);
        u_uastrcpy(pat, "z");
        c->names = udat_open(UDAT_PATTERN, UDAT_PATTERN, "en", uid, -1, pat, -1, &st);
        if (U_FAILURE(st)) {
            udat_close(c->names);
            c->names = NULL;
            return false;
        }
    }
    u_uastrcpy(pat, long_form ? "zzzz" : "z");
    udat_applyPattern(c->names, false, pat, -1);
    int32_t n = udat_format(c->names, (UDate)ms, out, QRY_TZ_NAME, NULL, &st);
    if (U_FAILURE(st) || n >= QRY_TZ_NAME)
        return false;
    u_strToUTF8(buf, (int32_t)cap, NULL, out, n, &st);
    return U_SUCCESS(st) && st != U_STRING_NOT_TERMINATED_WARNING;
}

size_t qry_tz_display(qry_tz_cur *c, int64_t ms, bool long_form, char *buf,
                      size_t cap)
{
    if (c->tz->utc)
        return tz_copy(long_form ? "Coordinated Universal Time" : "UTC", buf, cap);
    if (c->tz->fixed)
        return tz_copy(c->tz->name, buf, cap);
    /* names follow the offset (standard or daylight), so a few cached
     * renderings serve a whole batch */
    int32_t off = qry_tz_offset(c, ms);
    int form = long_form ? 2 : 1;
    for (int i = 0; i < QRY_TZ_NAMES; i++) {
        if (c->label[i].form == form && c->label[i].off == off)
            return tz_copy(c->label[i].text, buf, cap);
    }
    qry_tz_label *l = &c->label[c->label_victim];
    if (!tz_icu_name(c, ms, long_form, l->text, sizeof l->text)) {
        c->failed = true;
        return tz_copy(c->tz->name, buf, cap);
    }
    l->off = off;
    l->form = form;
    c->label_victim = (c->label_victim + 1) % QRY_TZ_NAMES;
    return tz_copy(l->text, buf, cap);
}
