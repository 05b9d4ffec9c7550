/*
 * seg_value.c: type facts, Pinot's default null values, value comparison,
 * epoch conversion of datetime fields, and the text-to-value conversions that
 * schema defaults and JSON rows share (numbers, booleans, ISO timestamps,
 * hex bytes).
 */
#include "seg_schema.h"
#include "seg_schema_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- types ---------------------------------------------------------- */

static const char *const seg_type_names[SEG_TYPE_COUNT] = {
    "INT", "LONG", "FLOAT", "DOUBLE", "BOOLEAN", "TIMESTAMP", "STRING", "BYTES",
};

/* Pinot types with no storage class of their own map onto the nearest one:
 * a JSON column keeps the document's text (STRING), and BIG_DECIMAL becomes
 * DOUBLE, losing digits beyond the 17th. Rendering the schema back writes
 * the mapped name. */
static const struct {
    const char *name;
    seg_type type;
} seg_type_aliases[] = {
    {"JSON", SEG_STRING},
    {"BIG_DECIMAL", SEG_DOUBLE},
};

const char *seg_type_name(seg_type t)
{
    return (unsigned)t < SEG_TYPE_COUNT ? seg_type_names[t] : "UNKNOWN";
}

int seg_type_parse(const char *name, seg_type *out)
{
    for (int t = 0; t < SEG_TYPE_COUNT; t++) {
        if (strcasecmp(name, seg_type_names[t]) == 0) {
            *out = (seg_type)t;
            return TN_OK;
        }
    }
    for (size_t i = 0; i < TN_ARRAY_LEN(seg_type_aliases); i++) {
        if (strcasecmp(name, seg_type_aliases[i].name) == 0) {
            *out = seg_type_aliases[i].type;
            return TN_OK;
        }
    }
    return TN_EINVAL;
}

seg_phys seg_type_phys(seg_type t)
{
    switch (t) {
    case SEG_INT:
    case SEG_BOOLEAN:
        return SEG_PHYS_I32;
    case SEG_LONG:
    case SEG_TIMESTAMP:
        return SEG_PHYS_I64;
    case SEG_FLOAT:
        return SEG_PHYS_F32;
    case SEG_DOUBLE:
        return SEG_PHYS_F64;
    default:
        return SEG_PHYS_STR;
    }
}

uint32_t seg_type_width(seg_type t)
{
    switch (seg_type_phys(t)) {
    case SEG_PHYS_I32:
    case SEG_PHYS_F32:
        return 4;
    case SEG_PHYS_I64:
    case SEG_PHYS_F64:
        return 8;
    default:
        return 0;
    }
}

bool seg_type_numeric(seg_type t)
{
    return t == SEG_INT || t == SEG_LONG || t == SEG_FLOAT || t == SEG_DOUBLE;
}

/* ---- values --------------------------------------------------------- */

/* A union initialiser sets only its first member, which would leave s.len
 * undefined; values are zeroed whole instead. */
static seg_value seg_value_zero(void)
{
    seg_value v;
    memset(&v, 0, sizeof v);
    return v;
}

seg_value seg_value_str(const char *p, uint32_t len)
{
    seg_value v = seg_value_zero();
    v.s.p = p;
    v.s.len = len;
    return v;
}

seg_value seg_default_null(seg_type t, seg_role role)
{
    seg_value v = seg_value_zero();
    if (t == SEG_STRING)
        return seg_value_str("null", 4);
    if (t == SEG_BYTES)
        return seg_value_str("", 0);
    if (role == SEG_METRIC)
        return v;
    if (t == SEG_INT)
        v.i = INT32_MIN;
    else if (t == SEG_LONG)
        v.i = INT64_MIN;
    else if (t == SEG_FLOAT || t == SEG_DOUBLE)
        v.d = -INFINITY;
    return v;
}

static int seg_cmp_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

int seg_value_cmp(seg_type t, seg_value a, seg_value b)
{
    switch (seg_type_phys(t)) {
    case SEG_PHYS_I32:
    case SEG_PHYS_I64:
        return (a.i > b.i) - (a.i < b.i);
    case SEG_PHYS_F32:
    case SEG_PHYS_F64:
        return seg_cmp_double(a.d, b.d);
    default:
        break;
    }
    uint32_t n = TN_MIN(a.s.len, b.s.len);
    int c = n ? memcmp(a.s.p, b.s.p, n) : 0;
    if (c)
        return c;
    return (a.s.len > b.s.len) - (a.s.len < b.s.len);
}

bool seg_field_time_ms(const seg_field *f, seg_value v, int64_t *ms)
{
    int64_t unit = f->time.unit_ms;
    if (unit <= 0)
        return false;
    seg_phys p = seg_type_phys(f->type);
    if (p == SEG_PHYS_STR)
        return false;
    if (p == SEG_PHYS_F32 || p == SEG_PHYS_F64) {
        double d = v.d * (double)unit;
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return false;
        *ms = (int64_t)d;
        return true;
    }
    return !__builtin_mul_overflow(v.i, unit, ms);
}

/* ---- text to value -------------------------------------------------- */

bool seg_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

void seg_trim(const char **s, size_t *len)
{
    while (*len && seg_is_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && seg_is_space((*s)[*len - 1]))
        (*len)--;
}

bool seg_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Decimal integer with optional sign, the whole text, no overflow. */
bool seg_parse_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == len)
        return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (!seg_is_digit(s[i]))
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Java's Double.parseDouble spellings of the non-finite values. */
static bool seg_parse_special(const char *s, size_t len, double *out)
{
    static const struct {
        const char *text;
        double v;
    } words[] = {{"NaN", NAN}, {"Infinity", INFINITY},
                 {"+Infinity", INFINITY}, {"-Infinity", -INFINITY}};
    for (size_t i = 0; i < TN_ARRAY_LEN(words); i++) {
        if (strlen(words[i].text) == len && memcmp(s, words[i].text, len) == 0) {
            *out = words[i].v;
            return true;
        }
    }
    return false;
}

static bool seg_parse_double(const char *s, size_t len, double *out)
{
    if (seg_parse_special(s, len, out))
        return true;
    /* strtod also takes "inf", "nan" and hex; Java does not, so only a
     * plain decimal with an optional exponent reaches it. */
    char buf[128];
    if (len == 0 || len >= sizeof buf)
        return false;
    bool digit = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        digit |= seg_is_digit(c);
        if (!seg_is_digit(c) && !strchr("+-.eE", c))
            return false;
    }
    if (!digit)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return end == buf + len;
}

/* Reads exactly n digits at *p. */
static bool seg_digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (*p >= end || !seg_is_digit(**p))
            return false;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return true;
}

static bool seg_expect(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t seg_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int seg_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

static bool seg_parse_date(const char **p, const char *end, int64_t *days)
{
    int y, m, d;
    if (!seg_digits(p, end, 4, &y) || !seg_expect(p, end, '-') ||
        !seg_digits(p, end, 2, &m) || !seg_expect(p, end, '-') ||
        !seg_digits(p, end, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > seg_days_in_month(y, m))
        return false;
    *days = seg_days_from_civil(y, m, d);
    return true;
}

/* HH:MM[:SS[.fraction]] into ms since midnight. */
static bool seg_parse_clock(const char **p, const char *end, int64_t *ms)
{
    int h, mi, s = 0, frac = 0;
    if (!seg_digits(p, end, 2, &h) || !seg_expect(p, end, ':') ||
        !seg_digits(p, end, 2, &mi))
        return false;
    if (*p < end && **p == ':') {
        (*p)++;
        if (!seg_digits(p, end, 2, &s))
            return false;
        if (*p < end && **p == '.') {
            (*p)++;
            int nd = 0;
            for (; *p < end && seg_is_digit(**p); (*p)++, nd++) {
                if (nd < 3)
                    frac = frac * 10 + (**p - '0');
            }
            if (nd == 0 || nd > 9)
                return false;
            for (; nd < 3; nd++)
                frac *= 10;
        }
    }
    if (h > 23 || mi > 59 || s > 59)
        return false;
    *ms = ((int64_t)h * 3600 + mi * 60 + s) * 1000 + frac;
    return true;
}

/* Z, +HH, +HH:MM or +HHMM (and '-') into ms east of UTC; none is UTC. */
static bool seg_parse_zone(const char **p, const char *end, int64_t *ms)
{
    *ms = 0;
    if (*p == end)
        return true;
    if (**p == 'Z') {
        (*p)++;
        return true;
    }
    if (**p != '+' && **p != '-')
        return false;
    int sign = *(*p)++ == '-' ? -1 : 1;
    int h, m = 0;
    if (!seg_digits(p, end, 2, &h))
        return false;
    if (*p < end) {
        seg_expect(p, end, ':');
        if (!seg_digits(p, end, 2, &m))
            return false;
    }
    if (h > 18 || m > 59)
        return false;
    *ms = sign * ((int64_t)h * 3600 + m * 60) * 1000;
    return true;
}

/* ISO-8601 ("2014-01-01T00:00:00Z") or SQL ("2014-01-01 00:00:00.123")
 * timestamps, UTC unless a zone is given, as Pinot's TimestampUtils reads
 * them; a bare date is midnight. */
static bool seg_parse_iso(const char *s, size_t len, int64_t *out)
{
    const char *p = s, *end = s + len;
    int64_t days, clock = 0, zone = 0;
    if (!seg_parse_date(&p, end, &days))
        return false;
    if (p < end) {
        if (*p != 'T' && *p != ' ')
            return false;
        p++;
        if (!seg_parse_clock(&p, end, &clock) || !seg_parse_zone(&p, end, &zone))
            return false;
    }
    if (p != end)
        return false;
    *out = days * 86400000 + clock - zone;
    return true;
}

static bool seg_parse_bool(const char *s, size_t len, int64_t *out)
{
    if ((len == 4 && strncasecmp(s, "true", 4) == 0) || (len == 1 && *s == '1'))
        *out = 1;
    else if ((len == 5 && strncasecmp(s, "false", 5) == 0) ||
             (len == 1 && *s == '0'))
        *out = 0;
    else
        return false;
    return true;
}

int seg_value_parse(seg_type t, const char *s, size_t len, seg_value *out)
{
    seg_value v = seg_value_zero();
    bool ok = false;
    seg_trim(&s, &len);
    switch (t) {
    case SEG_INT:
        ok = seg_parse_i64(s, len, &v.i) && v.i >= INT32_MIN && v.i <= INT32_MAX;
        break;
    case SEG_LONG:
        ok = seg_parse_i64(s, len, &v.i);
        break;
    case SEG_FLOAT:
        ok = seg_parse_double(s, len, &v.d);
        v.d = (float)v.d;
        break;
    case SEG_DOUBLE:
        ok = seg_parse_double(s, len, &v.d);
        break;
    case SEG_BOOLEAN:
        ok = seg_parse_bool(s, len, &v.i);
        break;
    case SEG_TIMESTAMP:
        ok = seg_parse_i64(s, len, &v.i) || seg_parse_iso(s, len, &v.i);
        break;
    default:
        break;
    }
    if (!ok)
        return TN_EINVAL;
    *out = v;
    return TN_OK;
}

static int seg_hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int seg_hex_decode(const char *s, size_t len, uint8_t *out)
{
    if (len % 2)
        return TN_EINVAL;
    for (size_t i = 0; i < len; i += 2) {
        int hi = seg_hex_nibble(s[i]), lo = seg_hex_nibble(s[i + 1]);
        if (hi < 0 || lo < 0)
            return TN_EINVAL;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return TN_OK;
}
