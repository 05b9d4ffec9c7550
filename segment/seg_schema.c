/*
 * seg_schema.c: Pinot schema JSON to seg_schema and back, type facts,
 * Pinot's default null values, value comparison, and the text-to-value
 * conversions that schema defaults and JSON rows share.
 */
#include "seg_schema.h"

#include <cjson/cJSON.h>
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

static bool seg_type_numeric(seg_type t)
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

static seg_value seg_value_str(const char *p, uint32_t len)
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

static bool seg_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static void seg_trim(const char **s, size_t *len)
{
    while (*len && seg_is_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && seg_is_space((*s)[*len - 1]))
        (*len)--;
}

static bool seg_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Decimal integer with optional sign, the whole text, no overflow. */
static bool seg_parse_i64(const char *s, size_t len, int64_t *out)
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

/* ---- JSON helpers --------------------------------------------------- */

static const char *seg_json_kind(const cJSON *j)
{
    if (cJSON_IsObject(j))
        return "object";
    if (cJSON_IsArray(j))
        return "array";
    if (cJSON_IsString(j))
        return "string";
    if (cJSON_IsNumber(j))
        return "number";
    if (cJSON_IsBool(j))
        return "boolean";
    return "null";
}

int seg_json_parse_object(const char *text, size_t len, void **out, char *err)
{
    const char *s = text;
    size_t n = len;
    seg_trim(&s, &n);
    if (n == 0)
        return tn_err(err, TN_EINVAL, "empty JSON input");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    /* cJSON's position is where it gave up: at the offending byte or, for
     * a bad key, just past it */
    if (!root)
        return tn_err(err, TN_EINVAL, "malformed JSON at byte %zu",
                      end ? (size_t)(end - text) : (size_t)0);
    size_t off = (size_t)(end - text);
    while (off < len && seg_is_space(text[off]))
        off++;
    if (off < len) {
        cJSON_Delete(root);
        return tn_err(err, TN_EINVAL, "unexpected data after JSON value at byte %zu",
                      off);
    }
    if (!cJSON_IsObject(root)) {
        int rc = tn_err(err, TN_EINVAL, "expected a JSON object, got %s",
                        seg_json_kind(root));
        cJSON_Delete(root);
        return rc;
    }
    *out = root;
    return TN_OK;
}

/* A short rendering of a JSON value for error messages. */
const char *seg_json_brief(const void *json, char *buf, size_t n)
{
    const cJSON *j = json;
    char *text = cJSON_PrintUnformatted(j);
    snprintf(buf, n, "%s", text ? text : "?");
    if (text && strlen(text) >= n)
        memcpy(buf + n - 4, "...", 4);
    cJSON_free(text);
    return buf;
}

/* ---- fields --------------------------------------------------------- */

static void seg_field_clear(seg_field *f)
{
    free(f->name);
    if (seg_type_phys(f->type) == SEG_PHYS_STR)
        free((char *)f->default_null.s.p);
    free(f->format);
    free(f->granularity);
    free(f->time.pattern);
    memset(f, 0, sizeof *f);
}

/* The field keeps its own NUL-terminated copy of string defaults, so
 * schemas can be freed independently and defaults print as C strings. */
static void seg_field_own_default(seg_field *f, seg_value v)
{
    if (seg_type_phys(f->type) == SEG_PHYS_STR) {
        char *p = tn_malloc((size_t)v.s.len + 1);
        if (v.s.len)
            memcpy(p, v.s.p, v.s.len);
        p[v.s.len] = '\0';
        v.s.p = p;
    }
    f->default_null = v;
}

static char *seg_strdup_or_null(const char *s) { return s ? tn_strdup(s) : NULL; }

static void seg_field_copy(seg_field *dst, const seg_field *src)
{
    *dst = *src;
    dst->name = tn_strdup(src->name);
    dst->format = seg_strdup_or_null(src->format);
    dst->granularity = seg_strdup_or_null(src->granularity);
    dst->time.pattern = seg_strdup_or_null(src->time.pattern);
    seg_field_own_default(dst, src->default_null);
}

static const struct {
    const char *name;
    int64_t ms;
} seg_time_units[] = {
    {"MILLISECONDS", 1},       {"SECONDS", 1000},  {"MINUTES", 60000},
    {"HOURS", 3600000},        {"DAYS", 86400000},
};

static int64_t seg_time_unit_ms(const char *name)
{
    for (size_t i = 0; i < TN_ARRAY_LEN(seg_time_units); i++)
        if (strcasecmp(name, seg_time_units[i].name) == 0)
            return seg_time_units[i].ms;
    return 0;
}

/* Fills tf from a format's parts; size and unit may be NULL (1 and
 * MILLISECONDS, as Pinot's pipe form defaults them). */
static int seg_time_build(const seg_field *f, const char *type, const char *size,
                          const char *unit, const char *pattern,
                          seg_time_format *tf, char *err)
{
    if (strcasecmp(type, "SIMPLE_DATE_FORMAT") == 0) {
        if (!pattern || !*pattern)
            return tn_err(err, TN_EINVAL, "field '%s': format '%s' needs a pattern",
                          f->name, f->format);
        tf->pattern = tn_strdup(pattern);
        return TN_OK;
    }
    if (strcasecmp(type, "TIMESTAMP") == 0) {
        tf->unit_ms = 1; /* Pinot's TIMESTAMP format is always epoch ms */
        return TN_OK;
    }
    if (strcasecmp(type, "EPOCH") != 0)
        return tn_err(err, TN_EINVAL, "field '%s': format '%s': unknown time format '%s'",
                      f->name, f->format, type);
    int64_t n = 1, ms = unit ? seg_time_unit_ms(unit) : 1;
    if (ms == 0)
        return tn_err(err, TN_EINVAL,
                      "field '%s': format '%s': unsupported time unit '%s'", f->name,
                      f->format, unit);
    if (size && (!seg_parse_i64(size, strlen(size), &n) || n <= 0 || n > INT32_MAX))
        return tn_err(err, TN_EINVAL, "field '%s': format '%s': bad size '%s'",
                      f->name, f->format, size);
    tf->unit_ms = n * ms;
    return TN_OK;
}

/* Splits text at sep into at most max parts, the last taking the rest (a
 * SIMPLE_DATE_FORMAT pattern may itself contain ':'). Parts point into
 * text, which is modified. */
static int seg_split(char *text, char sep, char **parts, int max)
{
    int n = 0;
    parts[n++] = text;
    for (char *p = text; *p && n < max; p++) {
        if (*p == sep) {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    return n;
}

/* Pinot's two datetime format spellings: "size:UNIT:TYPE[:pattern]" and
 * "TYPE|UNIT|size" / "SIMPLE_DATE_FORMAT|pattern[|zone]". */
static int seg_time_parse(const seg_field *f, seg_time_format *tf, char *err)
{
    char *copy = tn_strdup(f->format), *parts[4] = {0};
    int rc;
    if (seg_is_digit(copy[0])) {
        int n = seg_split(copy, ':', parts, 4);
        if (n < 3)
            rc = tn_err(err, TN_EINVAL,
                        "field '%s': format '%s' is not size:unit:type[:pattern]",
                        f->name, f->format);
        else
            rc = seg_time_build(f, parts[2], parts[0], parts[1], parts[3], tf, err);
    } else {
        int n = seg_split(copy, '|', parts, 3);
        if (strcasecmp(parts[0], "SIMPLE_DATE_FORMAT") == 0)
            rc = seg_time_build(f, parts[0], NULL, NULL, parts[1], tf, err);
        else
            rc = seg_time_build(f, parts[0], n > 2 ? parts[2] : NULL,
                                n > 1 ? parts[1] : NULL, NULL, tf, err);
    }
    free(copy);
    return rc;
}

/* Checks a field that has its name, type, role and format set, and derives
 * its parsed time format. */
static int seg_field_finish(seg_field *f, char *err)
{
    if (!f->name || !*f->name)
        return tn_err(err, TN_EINVAL, "a field has an empty name");
    if ((unsigned)f->type >= SEG_TYPE_COUNT || (unsigned)f->role > SEG_DATETIME)
        return tn_err(err, TN_EINVAL, "field '%s': bad type or role", f->name);
    if (f->role == SEG_METRIC && !seg_type_numeric(f->type))
        return tn_err(err, TN_EINVAL, "metric '%s' must be numeric, not %s", f->name,
                      seg_type_name(f->type));
    if (f->role == SEG_METRIC && !f->single_value)
        return tn_err(err, TN_EINVAL, "metric '%s' must be single-value", f->name);
    if (f->role == SEG_DATETIME && !f->format)
        return tn_err(err, TN_EINVAL, "dateTime field '%s' needs a format", f->name);
    free(f->time.pattern);
    memset(&f->time, 0, sizeof f->time);
    if (f->format)
        return seg_time_parse(f, &f->time, err);
    if (f->type == SEG_TIMESTAMP)
        f->time.unit_ms = 1;
    return TN_OK;
}

/* ---- schema JSON to fields ------------------------------------------ */

static int seg_opt_string(const cJSON *obj, const char *key, const char *field,
                          char **out, char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j || cJSON_IsNull(j))
        return TN_OK;
    if (!cJSON_IsString(j))
        return tn_err(err, TN_EINVAL, "field '%s': %s must be a string", field, key);
    *out = tn_strdup(j->valuestring);
    return TN_OK;
}

/* A JSON number as an integral value of type t, as Pinot's parse of the
 * number's text would accept it. */
static bool seg_number_integral(seg_type t, double d, int64_t *out)
{
    if (d != trunc(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return false;
    *out = (int64_t)d;
    if (t == SEG_INT)
        return *out >= INT32_MIN && *out <= INT32_MAX;
    if (t == SEG_BOOLEAN)
        return *out == 0 || *out == 1;
    return true;
}

static int seg_default_value(const seg_field *f, const cJSON *j, seg_value *v,
                             uint8_t **bytes)
{
    seg_phys p = seg_type_phys(f->type);
    if (p == SEG_PHYS_STR) {
        if (!cJSON_IsString(j))
            return TN_EINVAL;
        const char *s = j->valuestring;
        size_t len = strlen(s);
        if (f->type == SEG_STRING) {
            *v = seg_value_str(s, (uint32_t)len);
            return TN_OK;
        }
        *bytes = tn_malloc(len / 2 + 1);
        *v = seg_value_str((const char *)*bytes, (uint32_t)(len / 2));
        return seg_hex_decode(s, len, *bytes);
    }
    if (cJSON_IsString(j))
        return seg_value_parse(f->type, j->valuestring, strlen(j->valuestring), v);
    if (cJSON_IsBool(j) && f->type == SEG_BOOLEAN) {
        v->i = cJSON_IsTrue(j);
        return TN_OK;
    }
    if (!cJSON_IsNumber(j))
        return TN_EINVAL;
    if (p == SEG_PHYS_F32 || p == SEG_PHYS_F64) {
        v->d = p == SEG_PHYS_F32 ? (float)j->valuedouble : j->valuedouble;
        return TN_OK;
    }
    return seg_number_integral(f->type, j->valuedouble, &v->i) ? TN_OK : TN_EINVAL;
}

static int seg_field_default(seg_field *f, const cJSON *obj, char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "defaultNullValue");
    seg_value v = seg_default_null(f->type, f->role);
    uint8_t *bytes = NULL;
    if (j && !cJSON_IsNull(j) && seg_default_value(f, j, &v, &bytes) != TN_OK) {
        char brief[48];
        free(bytes);
        return tn_err(err, TN_EINVAL, "field '%s': bad defaultNullValue %s for %s",
                      f->name, seg_json_brief(j, brief, sizeof brief),
                      seg_type_name(f->type));
    }
    seg_field_own_default(f, v);
    free(bytes);
    return TN_OK;
}

static int seg_field_type(seg_field *f, const cJSON *obj, char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "dataType");
    if (!cJSON_IsString(j))
        return tn_err(err, TN_EINVAL, "field '%s': missing dataType", f->name);
    if (seg_type_parse(j->valuestring, &f->type) != TN_OK)
        return tn_err(err, TN_EINVAL, "field '%s': unknown dataType '%s'", f->name,
                      j->valuestring);
    j = cJSON_GetObjectItemCaseSensitive(obj, "singleValueField");
    if (j && !cJSON_IsBool(j))
        return tn_err(err, TN_EINVAL,
                      "field '%s': singleValueField must be true or false", f->name);
    f->single_value = !j || cJSON_IsTrue(j);
    return TN_OK;
}

static int seg_field_parse(const cJSON *obj, seg_role role, const char *group,
                           int idx, seg_field *f, char *err)
{
    memset(f, 0, sizeof *f);
    f->role = role;
    /* until the type is known the default is not a string to free */
    f->type = SEG_INT;
    if (!cJSON_IsObject(obj))
        return tn_err(err, TN_EINVAL, "%s[%d]: expected an object", group, idx);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!cJSON_IsString(name) || !*name->valuestring)
        return tn_err(err, TN_EINVAL, "%s[%d]: missing name", group, idx);
    f->name = tn_strdup(name->valuestring);
    int rc = seg_field_type(f, obj, err);
    if (!rc)
        rc = seg_opt_string(obj, "format", f->name, &f->format, err);
    if (!rc)
        rc = seg_opt_string(obj, "granularity", f->name, &f->granularity, err);
    if (!rc)
        rc = seg_field_default(f, obj, err);
    if (!rc)
        rc = seg_field_finish(f, err);
    return rc;
}

static int seg_schema_append(seg_schema *s, seg_field *f, char *err)
{
    if (seg_schema_find(s, f->name) >= 0)
        return tn_err(err, TN_EINVAL,
                      "duplicate column '%s' (column names are case-insensitive)",
                      f->name);
    s->fields[s->nfields++] = *f;
    memset(f, 0, sizeof *f);
    return TN_OK;
}

static int seg_schema_group(seg_schema *s, const cJSON *arr, seg_role role,
                            char *err)
{
    if (!cJSON_IsArray(arr))
        return tn_err(err, TN_EINVAL, "%s must be an array", arr->string);
    int idx = 0;
    for (const cJSON *j = arr->child; j; j = j->next, idx++) {
        seg_field f;
        int rc = seg_field_parse(j, role, arr->string, idx, &f, err);
        if (!rc)
            rc = seg_schema_append(s, &f, err);
        seg_field_clear(&f);
        if (rc)
            return rc;
    }
    return TN_OK;
}

/* The pre-0.7 timeFieldSpec becomes the dateTime field Pinot converts it
 * to: the outgoing spec (the stored column) when present, else incoming. */
static int seg_schema_time_spec(seg_schema *s, const cJSON *spec, char *err)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(spec, "outgoingGranularitySpec");
    if (!g)
        g = cJSON_GetObjectItemCaseSensitive(spec, "incomingGranularitySpec");
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(g, "timeType");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(g, "timeUnitSize");
    const cJSON *tfmt = cJSON_GetObjectItemCaseSensitive(g, "timeFormat");
    if (!cJSON_IsObject(g) || !cJSON_IsString(unit))
        return tn_err(err, TN_EINVAL,
                      "timeFieldSpec needs a granularity spec with a timeType");
    if (size && !(cJSON_IsNumber(size) && size->valuedouble >= 1 &&
                  size->valuedouble <= INT32_MAX))
        return tn_err(err, TN_EINVAL, "timeFieldSpec: bad timeUnitSize");
    int n = size ? (int)size->valuedouble : 1;
    char format[256], gran[64];
    snprintf(gran, sizeof gran, "%d:%.40s", n, unit->valuestring);
    snprintf(format, sizeof format, "%s:%.150s", gran,
             cJSON_IsString(tfmt) ? tfmt->valuestring : "EPOCH");
    cJSON *obj = cJSON_Duplicate(g, 1);
    cJSON *dflt = cJSON_GetObjectItemCaseSensitive(spec, "defaultNullValue");
    if (dflt && !cJSON_HasObjectItem(obj, "defaultNullValue"))
        cJSON_AddItemToObject(obj, "defaultNullValue", cJSON_Duplicate(dflt, 1));
    cJSON_AddStringToObject(obj, "format", format);
    cJSON_AddStringToObject(obj, "granularity", gran);
    seg_field f;
    int rc = seg_field_parse(obj, SEG_DATETIME, "timeFieldSpec", 0, &f, err);
    if (!rc)
        rc = seg_schema_append(s, &f, err);
    seg_field_clear(&f);
    cJSON_Delete(obj);
    return rc;
}

static const struct {
    const char *key;
    seg_role role;
} seg_groups[] = {
    {"dimensionFieldSpecs", SEG_DIMENSION},
    {"metricFieldSpecs", SEG_METRIC},
    {"dateTimeFieldSpecs", SEG_DATETIME},
};

static int seg_group_role(const char *key)
{
    for (size_t i = 0; i < TN_ARRAY_LEN(seg_groups); i++)
        if (strcmp(key, seg_groups[i].key) == 0)
            return (int)seg_groups[i].role;
    return -1;
}

static int seg_schema_from_json(seg_schema *s, const cJSON *root, char *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "schemaName");
    if (!cJSON_IsString(name) || !*name->valuestring)
        return tn_err(err, TN_EINVAL, "schema has no schemaName");
    s->name = tn_strdup(name->valuestring);
    /* JSON may repeat a key, and cJSON keeps every copy */
    uint32_t cap = 0;
    for (const cJSON *j = root->child; j; j = j->next) {
        if (seg_group_role(j->string) >= 0 && cJSON_IsArray(j))
            cap += (uint32_t)cJSON_GetArraySize(j);
        else if (strcmp(j->string, "timeFieldSpec") == 0)
            cap++;
    }
    s->fields = tn_calloc(cap, sizeof *s->fields);
    /* groups in document order, so rendering and re-parsing keeps columns
     * in place */
    for (const cJSON *j = root->child; j; j = j->next) {
        int role = seg_group_role(j->string), rc = TN_OK;
        if (cJSON_IsNull(j))
            continue;
        if (role >= 0)
            rc = seg_schema_group(s, j, (seg_role)role, err);
        else if (strcmp(j->string, "timeFieldSpec") == 0)
            rc = seg_schema_time_spec(s, j, err);
        if (rc)
            return rc;
    }
    return TN_OK;
}

int seg_schema_parse(const char *json, size_t len, seg_schema **out, char *err)
{
    void *root;
    int rc = seg_json_parse_object(json, len, &root, err);
    if (rc)
        return rc;
    seg_schema *s = tn_calloc(1, sizeof *s);
    rc = seg_schema_from_json(s, root, err);
    cJSON_Delete(root);
    if (rc) {
        seg_schema_free(s);
        return rc;
    }
    *out = s;
    return TN_OK;
}

int seg_schema_load_file(const char *path, seg_schema **out, char *err)
{
    char *text, why[TN_ERRLEN];
    size_t len;
    int rc = tn_read_file(path, &text, &len, err);
    if (rc)
        return rc;
    rc = seg_schema_parse(text, len, out, why);
    free(text);
    return rc ? tn_err(err, rc, "%s: %s", path, why) : TN_OK;
}

/* ---- fields to schema JSON ------------------------------------------ */

/* Integers beyond 2^53 would lose digits as JSON numbers (cJSON keeps a
 * double), and NaN/Infinity have no JSON number: both go as strings, which
 * Pinot and seg_schema_parse accept. */
static cJSON *seg_default_json(const seg_field *f)
{
    seg_value v = f->default_null;
    char buf[32];
    switch (seg_type_phys(f->type)) {
    case SEG_PHYS_I32:
    case SEG_PHYS_I64:
        if (v.i >= -(INT64_C(1) << 53) && v.i <= (INT64_C(1) << 53))
            return cJSON_CreateNumber((double)v.i);
        snprintf(buf, sizeof buf, "%lld", (long long)v.i);
        return cJSON_CreateString(buf);
    case SEG_PHYS_F32:
    case SEG_PHYS_F64:
        if (isfinite(v.d))
            return cJSON_CreateNumber(v.d);
        return cJSON_CreateString(isnan(v.d)  ? "NaN"
                                  : v.d > 0   ? "Infinity"
                                              : "-Infinity");
    default:
        break;
    }
    if (f->type == SEG_STRING)
        return cJSON_CreateString(v.s.p);
    char *hex = tn_malloc((size_t)v.s.len * 2 + 1);
    for (uint32_t i = 0; i < v.s.len; i++)
        snprintf(hex + 2 * i, 3, "%02x", (uint8_t)v.s.p[i]);
    hex[2 * v.s.len] = '\0';
    cJSON *j = cJSON_CreateString(hex);
    free(hex);
    return j;
}

static cJSON *seg_field_json(const seg_field *f)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", f->name);
    cJSON_AddStringToObject(j, "dataType", seg_type_name(f->type));
    cJSON_AddBoolToObject(j, "singleValueField", f->single_value);
    /* like Pinot, only a default that differs from the type's is written */
    seg_value dflt = seg_default_null(f->type, f->role);
    if (seg_value_cmp(f->type, f->default_null, dflt) != 0)
        cJSON_AddItemToObject(j, "defaultNullValue", seg_default_json(f));
    if (f->format)
        cJSON_AddStringToObject(j, "format", f->format);
    if (f->granularity)
        cJSON_AddStringToObject(j, "granularity", f->granularity);
    return j;
}

char *seg_schema_to_json(const seg_schema *s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *groups[TN_ARRAY_LEN(seg_groups)] = {0};
    cJSON_AddStringToObject(root, "schemaName", s->name);
    /* groups in order of their first column, so parsing the text back
     * gives the same column order when each role's columns are contiguous */
    for (uint32_t i = 0; i < s->nfields; i++) {
        seg_role r = s->fields[i].role;
        if (!groups[r])
            groups[r] = cJSON_AddArrayToObject(root, seg_groups[r].key);
        cJSON_AddItemToArray(groups[r], seg_field_json(&s->fields[i]));
    }
    for (size_t r = 0; r < TN_ARRAY_LEN(seg_groups); r++)
        if (!groups[r])
            cJSON_AddArrayToObject(root, seg_groups[r].key);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    /* copied so the caller frees with free() whatever cJSON's hooks are */
    char *out = tn_strdup(text);
    cJSON_free(text);
    return out;
}

/* ---- whole schemas -------------------------------------------------- */

seg_schema *seg_schema_copy(const seg_schema *s)
{
    seg_schema *c = tn_calloc(1, sizeof *c);
    c->name = tn_strdup(s->name);
    c->fields = tn_calloc(s->nfields + 1, sizeof *c->fields);
    for (uint32_t i = 0; i < s->nfields; i++)
        seg_field_copy(&c->fields[i], &s->fields[i]);
    c->nfields = s->nfields;
    return c;
}

int seg_schema_add_field(const seg_schema *s, const seg_field *f,
                         seg_schema **out, char *err)
{
    if (!f->name || !*f->name)
        return tn_err(err, TN_EINVAL, "a field has an empty name");
    if (seg_schema_find(s, f->name) >= 0)
        return tn_err(err, TN_EEXIST, "column '%s' already exists in schema '%s'",
                      f->name, s->name);
    seg_field nf;
    seg_field_copy(&nf, f);
    int rc = seg_field_finish(&nf, err);
    if (rc) {
        seg_field_clear(&nf);
        return rc;
    }
    /* copy allocates one spare slot, which the new column takes */
    seg_schema *c = seg_schema_copy(s);
    c->fields[c->nfields++] = nf;
    *out = c;
    return TN_OK;
}

void seg_schema_free(seg_schema *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nfields; i++)
        seg_field_clear(&s->fields[i]);
    free(s->fields);
    free(s->name);
    free(s);
}

int seg_schema_find(const seg_schema *s, const char *name)
{
    for (uint32_t i = 0; i < s->nfields; i++)
        if (strcasecmp(s->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}
