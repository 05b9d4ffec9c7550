/*
 * brk_pg_bin.c: numeric, date, timestamp and timestamptz between their
 * PostgreSQL text and binary (send/recv) forms. numeric is converted digit
 * by digit (base-10000 groups, weight, sign, dscale), never through a
 * double, so every value a client sends or receives is exact. Dates are
 * days and timestamps microseconds since 2000-01-01, proleptic Gregorian,
 * with PostgreSQL's ranges and its infinity encodings.
 */
#include "brk_pg_bin.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "brk_pg_proto.h"

/* numeric's sign word (numeric.c) */
#define NUM_POS 0x0000
#define NUM_NEG 0x4000
#define NUM_NAN 0xC000
#define NUM_PINF 0xD000
#define NUM_NINF 0xF000
#define NUM_DSCALE_MAX 0x3FFF
#define NUM_MAX_EXPONENT 1000  /* PostgreSQL 15's bound on an input exponent */

/* Ranges (datatype/timestamp.h): Julian day 0 (4714-11-24 BC) up to
 * 5874897-12-31 for dates, before 294277-01-01 for timestamps. */
#define DATE_MIN_DAYS (-2451545LL)
#define DATE_END_DAYS 2145031949LL
#define USECS_PER_DAY 86400000000LL
#define TS_MIN (-211813488000000000LL)
#define TS_END 9223371331200000000LL

bool brk_pg_bin_has(int32_t oid)
{
    return oid == BRK_PG_NUMERIC || oid == BRK_PG_DATE || oid == BRK_PG_TIMESTAMP ||
           oid == BRK_PG_TIMESTAMPTZ;
}

static void put_u16(tn_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    tn_buf_append(b, x, 2);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void put_str(tn_buf *b, const char *s)
{
    tn_buf_append(b, s, strlen(s));
}

/* s[0..n) equals word, ignoring case. */
static bool is_word(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && !strncasecmp(s, word, n);
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* ---- numeric --------------------------------------------------------------- */

static void numeric_special(tn_buf *out, uint16_t sign)
{
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, sign);
    put_u16(out, 0);
}

static int64_t floor_div4(int64_t w)
{
    return w >= 0 ? w / 4 : -((-w + 3) / 4);
}

static int numeric_from_text(const char *s, size_t n, tn_buf *out, char *err)
{
    const char *s0 = s;
    size_t n0 = n;
    trim(&s, &n);
    if (is_word(s, n, "NaN")) {
        numeric_special(out, NUM_NAN);
        return TN_OK;
    }
    if (is_word(s, n, "Infinity") || is_word(s, n, "+Infinity") || is_word(s, n, "inf") ||
        is_word(s, n, "+inf")) {
        numeric_special(out, NUM_PINF);
        return TN_OK;
    }
    if (is_word(s, n, "-Infinity") || is_word(s, n, "-inf")) {
        numeric_special(out, NUM_NINF);
        return TN_OK;
    }
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    /* the digits, without the point: [dstart, i) minus the point */
    size_t dstart = i, ndig = 0, nint = 0, nfrac = 0;
    bool point = false;
    for (; i < n; i++) {
        if (isdigit((unsigned char)s[i])) {
            ndig++;
            if (point)
                nfrac++;
            else
                nint++;
        } else if (s[i] == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    size_t dend = i;
    int64_t exp = 0;
    if (ndig && i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        size_t estart = i;
        for (; i < n && isdigit((unsigned char)s[i]); i++) {
            exp = exp * 10 + (s[i] - '0');
            if (exp > NUM_MAX_EXPONENT)
                return tn_err(err, TN_EINVAL, "invalid input syntax for type numeric: \"%.*s\" "
                              "(exponent out of range)", (int)TN_MIN(n0, 64u), s0);
        }
        if (i == estart)
            ndig = 0; /* "1e" */
        if (eneg)
            exp = -exp;
    }
    if (!ndig || i != n)
        return tn_err(err, TN_EINVAL, "invalid input syntax for type numeric: \"%.*s\"%s",
                      (int)TN_MIN(n0, 64u), s0, ndig ? " (unexpected character)" : "");
    int64_t dscale = (int64_t)nfrac - exp;
    if (dscale < 0)
        dscale = 0;
    if (dscale > NUM_DSCALE_MAX)
        return tn_err(err, TN_EFULL, "value overflows numeric format (scale %" PRId64
                      " above %d)", dscale, NUM_DSCALE_MAX);
    /* digit k (0-based over the digits) has decimal weight nint + exp - 1 - k */
    int64_t top = (int64_t)nint + exp - 1;
    int64_t first = -1, last = -1, k = 0;
    for (size_t j = dstart; j < dend; j++) {
        if (s[j] == '.')
            continue;
        if (s[j] != '0') {
            if (first < 0)
                first = k;
            last = k;
        }
        k++;
    }
    if (first < 0) { /* zero: no digits, positive, the scale kept */
        put_u16(out, 0);
        put_u16(out, 0);
        put_u16(out, NUM_POS);
        put_u16(out, (uint16_t)dscale);
        return TN_OK;
    }
    int64_t gw_hi = floor_div4(top - first), gw_lo = floor_div4(top - last);
    int64_t ngroups = gw_hi - gw_lo + 1;
    if (gw_hi > INT16_MAX || ngroups > INT16_MAX)
        return tn_err(err, TN_EFULL, "value overflows numeric format (%" PRId64
                      " digits before the decimal point)", top - first + 1);
    put_u16(out, (uint16_t)ngroups);
    put_u16(out, (uint16_t)(int16_t)gw_hi);
    put_u16(out, neg ? NUM_NEG : NUM_POS);
    put_u16(out, (uint16_t)dscale);
    tn_buf_reserve(out, (size_t)ngroups * 2);
    size_t gat = out->len;
    for (int64_t g = 0; g < ngroups; g++)
        put_u16(out, 0);
    k = 0;
    for (size_t j = dstart; j < dend; j++) {
        if (s[j] == '.')
            continue;
        if (k >= first && k <= last && s[j] != '0') {
            int64_t w = top - k, gw = floor_div4(w);
            int64_t pos = w - 4 * gw; /* 0..3 within the group */
            static const uint16_t pow10[4] = {1, 10, 100, 1000};
            uint8_t *g = out->data + gat + (size_t)(gw_hi - gw) * 2;
            uint16_t v = (uint16_t)(get_u16(g) + (s[j] - '0') * pow10[pos]);
            g[0] = (uint8_t)(v >> 8);
            g[1] = (uint8_t)v;
        }
        k++;
    }
    return TN_OK;
}

/* One base-10000 group as 4 digits (lead: without leading zeros). */
static void put_group(tn_buf *b, uint16_t g, bool lead)
{
    char tmp[8];
    snprintf(tmp, sizeof tmp, lead ? "%u" : "%04u", (unsigned)g);
    put_str(b, tmp);
}

static int numeric_to_text(const uint8_t *p, size_t n, tn_buf *out, char *err)
{
    if (n < 8)
        return tn_err(err, TN_EINVAL, "numeric value of %zu bytes is too short (8 at least)", n);
    int16_t ndigits = (int16_t)get_u16(p), weight = (int16_t)get_u16(p + 2);
    uint16_t sign = get_u16(p + 4), dscale = get_u16(p + 6);
    if (ndigits < 0 || n != 8 + (size_t)ndigits * 2)
        return tn_err(err, TN_EINVAL, "numeric value of %zu bytes does not hold %d digits", n,
                      (int)ndigits);
    if (sign != NUM_POS && sign != NUM_NEG && sign != NUM_NAN && sign != NUM_PINF &&
        sign != NUM_NINF)
        return tn_err(err, TN_EINVAL, "invalid sign in external numeric value (0x%04x)", sign);
    if ((dscale & NUM_DSCALE_MAX) != dscale)
        return tn_err(err, TN_EINVAL, "invalid scale in external numeric value (%u)", dscale);
    const uint8_t *d = p + 8;
    for (int i = 0; i < ndigits; i++)
        if (get_u16(d + 2 * i) > 9999)
            return tn_err(err, TN_EINVAL, "invalid digit in external numeric value (%u at %d)",
                          get_u16(d + 2 * i), i);
    if (sign == NUM_NAN || sign == NUM_PINF || sign == NUM_NINF) {
        put_str(out, sign == NUM_NAN ? "NaN" : sign == NUM_PINF ? "Infinity" : "-Infinity");
        return TN_OK;
    }
    /* digits below the scale are cut off, as numeric_recv's trunc_var does;
     * the last group kept may hold some of them, which printing to dscale
     * drops */
    int64_t keep = (int64_t)weight + 1 + (dscale + 3) / 4;
    int64_t nd = keep < 0 ? 0 : keep < ndigits ? keep : ndigits;
    bool zero = true;
    for (int64_t i = 0; i < nd && zero; i++) {
        uint16_t g = get_u16(d + 2 * i);
        if (i == keep - 1 && dscale % 4) {
            static const uint16_t cut[4] = {1, 1000, 100, 10};
            g = (uint16_t)(g / cut[dscale % 4] * cut[dscale % 4]);
        }
        zero = g == 0;
    }
    if (sign == NUM_NEG && !zero)
        put_str(out, "-");
    if (weight < 0) {
        put_str(out, "0");
    } else {
        for (int64_t w = weight, i = 0; w >= 0; w--, i++)
            put_group(out, i < nd ? get_u16(d + 2 * i) : 0, w == weight);
    }
    if (dscale) {
        put_str(out, ".");
        size_t fstart = out->len;
        for (int64_t w = -1; (int64_t)(out->len - fstart) < dscale; w--) {
            int64_t i = weight - w;
            put_group(out, i >= 0 && i < nd ? get_u16(d + 2 * i) : 0, false);
        }
        out->len = fstart + dscale;
    }
    return TN_OK;
}

/* ---- calendar ---------------------------------------------------------------- */

/* Days since 1970-01-01 of proleptic Gregorian y-m-d (astronomical year). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

#define EPOCH_2000_DAYS 10957 /* 2000-01-01 in days since 1970-01-01 */

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : md[m - 1];
}

/* ---- datetime text ------------------------------------------------------------ */

typedef struct dt_parse {
    const char *s;
    size_t n, i;
} dt_parse;

static bool at_end(const dt_parse *p)
{
    return p->i >= p->n;
}

/* Exactly want digits (want 0: at least 1, at most 9). */
static bool digits(dt_parse *p, int want, int64_t *out)
{
    int got = 0;
    *out = 0;
    while (p->i < p->n && isdigit((unsigned char)p->s[p->i]) && (want ? got < want : got < 9)) {
        *out = *out * 10 + (p->s[p->i++] - '0');
        got++;
    }
    return want ? got == want : got > 0;
}

static bool expect(dt_parse *p, char c)
{
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return true;
    }
    return false;
}

/* " BC" / " AD" at the end; *bc set. */
static void era_suffix(dt_parse *p, bool *bc)
{
    *bc = false;
    size_t j = p->n;
    if (j >= 3 && (p->s[j - 3] == ' ' || p->s[j - 3] == '\t')) {
        if (!strncasecmp(p->s + j - 2, "BC", 2)) {
            *bc = true;
            p->n -= 3;
        } else if (!strncasecmp(p->s + j - 2, "AD", 2)) {
            p->n -= 3;
        }
    }
}

/* YYYY-MM-DD (year of 4+ digits) into days since 1970. */
static int parse_date(dt_parse *p, bool bc, int64_t *days, const char *what, char *err)
{
    int64_t y, m, d;
    size_t ystart = p->i;
    if (!digits(p, 0, &y) || p->i - ystart < 4 || !expect(p, '-') || !digits(p, 2, &m) ||
        !expect(p, '-') || !digits(p, 2, &d))
        return tn_err(err, TN_EINVAL, "invalid input syntax for type %s: \"%.*s\" (expected "
                      "YYYY-MM-DD)", what, (int)TN_MIN(p->n, 64u), p->s);
    if (y == 0 || m < 1 || m > 12 || d < 1)
        return tn_err(err, TN_EFULL, "date/time field value out of range: \"%.*s\"",
                      (int)TN_MIN(p->n, 64u), p->s);
    if (bc)
        y = 1 - y;
    if (d > month_days(y, (int)m))
        return tn_err(err, TN_EFULL, "date/time field value out of range: \"%.*s\"",
                      (int)TN_MIN(p->n, 64u), p->s);
    *days = days_from_civil(y, (int)m, (int)d);
    return TN_OK;
}

/* HH:MM[:SS[.fraction]] into microseconds of the day (24:00:00 allowed,
 * a 60th second as PostgreSQL does: both roll into the next minute/day);
 * the fraction rounds to microseconds, ties to even. */
static int parse_clock(dt_parse *p, int64_t *us, const char *what, char *err)
{
    int64_t h, mi, sec = 0, frac = 0;
    if (!digits(p, 2, &h) || !expect(p, ':') || !digits(p, 2, &mi))
        return tn_err(err, TN_EINVAL, "invalid input syntax for type %s: \"%.*s\" (expected "
                      "HH:MM:SS)", what, (int)TN_MIN(p->n, 64u), p->s);
    if (expect(p, ':')) {
        if (!digits(p, 2, &sec))
            return tn_err(err, TN_EINVAL, "invalid input syntax for type %s: \"%.*s\" (bad "
                          "seconds)", what, (int)TN_MIN(p->n, 64u), p->s);
        if (expect(p, '.')) {
            int nd = 0;
            int round = 0; /* 0 none, 1 below half, 2 exactly half, 3 above */
            size_t start = p->i;
            for (; p->i < p->n && isdigit((unsigned char)p->s[p->i]); p->i++, nd++) {
                int dg = p->s[p->i] - '0';
                if (nd < 6)
                    frac = frac * 10 + dg;
                else if (nd == 6)
                    round = dg > 5 ? 3 : dg == 5 ? 2 : dg ? 1 : 0;
                else if (dg && round == 2)
                    round = 3;
                else if (dg && round == 0)
                    round = 1;
            }
            if (p->i == start)
                return tn_err(err, TN_EINVAL, "invalid input syntax for type %s: \"%.*s\" "
                              "(empty fraction)", what, (int)TN_MIN(p->n, 64u), p->s);
            for (int k = nd; k < 6; k++)
                frac *= 10;
            if (round == 3 || (round == 2 && frac % 2))
                frac++;
        }
    }
    if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec || frac)))
        return tn_err(err, TN_EFULL, "date/time field value out of range: \"%.*s\"",
                      (int)TN_MIN(p->n, 64u), p->s);
    *us = ((h * 60 + mi) * 60 + sec) * 1000000 + frac;
    return TN_OK;
}

/* Z, UTC, +HH, +HH:MM, +HHMM, +HH:MM:SS into seconds east of UTC. */
static int parse_zone(dt_parse *p, int64_t *east, const char *what, char *err)
{
    *east = 0;
    while (p->i < p->n && p->s[p->i] == ' ')
        p->i++;
    if (at_end(p))
        return TN_OK;
    if (is_word(p->s + p->i, p->n - p->i, "Z") || is_word(p->s + p->i, p->n - p->i, "UTC") ||
        is_word(p->s + p->i, p->n - p->i, "GMT")) {
        p->i = p->n;
        return TN_OK;
    }
    char c = p->s[p->i];
    int64_t h = 0, m = 0, sec = 0;
    if (c == '+' || c == '-') {
        p->i++;
        if (digits(p, 2, &h)) {
            if (expect(p, ':')) {
                if (!digits(p, 2, &m) || (expect(p, ':') && !digits(p, 2, &sec)))
                    goto bad;
            } else if (!at_end(p) && !digits(p, 2, &m)) {
                goto bad;
            }
            if (at_end(p) && h <= 15 && m < 60 && sec < 60) {
                *east = (c == '-' ? -1 : 1) * (h * 3600 + m * 60 + sec);
                return TN_OK;
            }
        }
    }
bad:
    return tn_err(err, TN_EINVAL, "invalid input syntax for type %s: \"%.*s\" (time zone: "
                  "only Z, UTC or a numeric offset)", what, (int)TN_MIN(p->n, 64u), p->s);
}

static const char *type_word(int32_t oid)
{
    return oid == BRK_PG_DATE ? "date"
           : oid == BRK_PG_TIMESTAMP ? "timestamp"
                                     : "timestamp with time zone";
}

/* A date or timestamp text into days (date) or microseconds since 2000. */
static int datetime_from_text(int32_t oid, const char *s, size_t n, int64_t *out, char *err)
{
    const char *what = type_word(oid);
    bool is_date = oid == BRK_PG_DATE;
    trim(&s, &n);
    int64_t hi = is_date ? INT32_MAX : INT64_MAX, lo = is_date ? INT32_MIN : INT64_MIN;
    if (is_word(s, n, "infinity") || is_word(s, n, "+infinity")) {
        *out = hi;
        return TN_OK;
    }
    if (is_word(s, n, "-infinity")) {
        *out = lo;
        return TN_OK;
    }
    if (is_word(s, n, "epoch")) {
        *out = is_date ? -EPOCH_2000_DAYS : -EPOCH_2000_DAYS * USECS_PER_DAY;
        return TN_OK;
    }
    dt_parse p = {.s = s, .n = n};
    bool bc;
    era_suffix(&p, &bc);
    int64_t days = 0, us = 0, east = 0;
    int rc = parse_date(&p, bc, &days, what, err);
    if (rc)
        return rc;
    if (!at_end(&p)) {
        if (!expect(&p, ' ') && !expect(&p, 'T'))
            return tn_err(err, TN_EINVAL, "invalid input syntax for type %s: \"%.*s\" "
                          "(unexpected text after the date)", what, (int)TN_MIN(n, 64u), s);
        if ((rc = parse_clock(&p, &us, what, err)))
            return rc;
        if ((rc = parse_zone(&p, &east, what, err)))
            return rc;
    }
    days -= EPOCH_2000_DAYS;
    if (is_date) {
        if (days < DATE_MIN_DAYS || days >= DATE_END_DAYS)
            return tn_err(err, TN_EFULL, "date out of range: \"%.*s\"", (int)TN_MIN(n, 64u), s);
        *out = days;
        return TN_OK;
    }
    /* timestamp ignores a zone, as PostgreSQL's timestamp input does */
    if (oid == BRK_PG_TIMESTAMP)
        east = 0;
    if (days < DATE_MIN_DAYS - 1 || days > TS_END / USECS_PER_DAY + 1)
        return tn_err(err, TN_EFULL, "timestamp out of range: \"%.*s\"", (int)TN_MIN(n, 64u), s);
    int64_t t = days * USECS_PER_DAY + us - east * 1000000;
    if (t < TS_MIN || t >= TS_END)
        return tn_err(err, TN_EFULL, "timestamp out of range: \"%.*s\"", (int)TN_MIN(n, 64u), s);
    *out = t;
    return TN_OK;
}

static void put_date(tn_buf *b, int64_t days2000, bool *bc)
{
    int64_t y;
    int m, d;
    civil_from_days(days2000 + EPOCH_2000_DAYS, &y, &m, &d);
    *bc = y <= 0;
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02d-%02d", *bc ? 1 - y : y, m, d);
    put_str(b, tmp);
}

static int datetime_to_text(int32_t oid, int64_t v, tn_buf *out, char *err)
{
    bool is_date = oid == BRK_PG_DATE;
    if (v == (is_date ? INT32_MAX : INT64_MAX) || v == (is_date ? INT32_MIN : INT64_MIN)) {
        put_str(out, v > 0 ? "infinity" : "-infinity");
        return TN_OK;
    }
    bool bc;
    if (is_date) {
        if (v < DATE_MIN_DAYS || v >= DATE_END_DAYS)
            return tn_err(err, TN_EFULL, "date out of range (%" PRId64 " days from 2000-01-01)",
                          v);
        put_date(out, v, &bc);
    } else {
        if (v < TS_MIN || v >= TS_END)
            return tn_err(err, TN_EFULL, "timestamp out of range (%" PRId64 " microseconds from "
                          "2000-01-01)", v);
        int64_t days = v >= 0 ? v / USECS_PER_DAY : -((-v + USECS_PER_DAY - 1) / USECS_PER_DAY);
        int64_t us = v - days * USECS_PER_DAY;
        put_date(out, days, &bc);
        char tmp[48];
        int len = snprintf(tmp, sizeof tmp, " %02d:%02d:%02d", (int)(us / 3600000000),
                           (int)(us / 60000000 % 60), (int)(us / 1000000 % 60));
        int frac = (int)(us % 1000000);
        if (frac) {
            len += snprintf(tmp + len, sizeof tmp - (size_t)len, ".%06d", frac);
            while (tmp[len - 1] == '0')
                tmp[--len] = 0;
        }
        put_str(out, tmp);
        if (oid == BRK_PG_TIMESTAMPTZ)
            put_str(out, "+00");
    }
    if (bc)
        put_str(out, " BC");
    return TN_OK;
}

/* ---- entry points ------------------------------------------------------------- */

int brk_pg_bin_from_text(int32_t oid, const char *s, size_t n, tn_buf *out, char *err)
{
    if (oid == BRK_PG_NUMERIC) {
        size_t at = out->len;
        int rc = numeric_from_text(s, n, out, err);
        if (rc)
            out->len = at;
        return rc;
    }
    if (!brk_pg_bin_has(oid))
        return tn_err(err, TN_EINVAL, "type %" PRId32 " has no binary codec here", oid);
    int64_t v = 0;
    int rc = datetime_from_text(oid, s, n, &v, err);
    if (rc)
        return rc;
    if (oid == BRK_PG_DATE)
        brk_pg_put_i32(out, (int32_t)v);
    else
        brk_pg_put_i64(out, v);
    return TN_OK;
}

int brk_pg_bin_to_text(int32_t oid, const uint8_t *p, size_t n, tn_buf *out, char *err)
{
    size_t at = out->len;
    int rc;
    if (oid == BRK_PG_NUMERIC) {
        rc = numeric_to_text(p, n, out, err);
    } else if (oid == BRK_PG_DATE) {
        if (n != 4)
            return tn_err(err, TN_EINVAL, "date value of %zu bytes (4 expected)", n);
        rc = datetime_to_text(oid, (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                                             (uint32_t)p[2] << 8 | p[3]),
                              out, err);
    } else if (oid == BRK_PG_TIMESTAMP || oid == BRK_PG_TIMESTAMPTZ) {
        if (n != 8)
            return tn_err(err, TN_EINVAL, "%s value of %zu bytes (8 expected)", type_word(oid),
                          n);
        rc = datetime_to_text(oid, (int64_t)get_u64(p), out, err);
    } else {
        return tn_err(err, TN_EINVAL, "type %" PRId32 " has no binary codec here", oid);
    }
    if (rc)
        out->len = at;
    return rc;
}

const char *brk_pg_bin_sqlstate(int32_t oid, int rc, bool from_text)
{
    if (rc == TN_EFULL)
        return oid == BRK_PG_NUMERIC ? "22003" : "22008";
    return from_text ? "22P02" : "22P03";
}

int brk_pg_bin_value(tn_buf *b, const qry_val *v, int32_t oid, char *err)
{
    tn_buf text = {0};
    brk_pg_text_value(&text, v);
    int rc = brk_pg_bin_from_text(oid, text.data ? (const char *)text.data : "", text.len, b,
                                  err);
    tn_buf_free(&text);
    return rc;
}

int brk_pg_bin_check_column(const qry_result *r, uint32_t col, int32_t oid, char *err)
{
    tn_buf scratch = {0};
    int rc = TN_OK;
    for (uint32_t i = 0; i < r->nrows && rc == TN_OK; i++) {
        const qry_val *v = &r->cells[(size_t)i * r->ncols + col];
        if (v->kind == QV_NULL)
            continue;
        char why[TN_ERRLEN];
        tn_buf_reset(&scratch);
        rc = brk_pg_bin_value(&scratch, v, oid, why);
        if (rc)
            tn_err(err, rc, "binary format for column \"%s\", row %u: %s", r->names[col], i + 1,
                   why);
    }
    tn_buf_free(&scratch);
    return rc;
}
