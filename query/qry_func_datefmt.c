/*
 * qry_func_datefmt.c: date patterns with Joda-Time's letters and rules,
 * which is what Pinot's toDateTime, fromDateTime and SIMPLE_DATE_FORMAT
 * use (DateTimeFormat.forPattern, English locale, ISO chronology).
 *
 * Why not ICU's udat_*: ICU follows CLDR/SimpleDateFormat, which differs
 * from Joda in letters dashboards use (Joda's 'S' prints the fraction,
 * 'Y' is year of era and 'x' the week year, 'ZZ' is "+05:30") and in
 * parsing rules (Joda's fixed widths for "MM", its two-digit year pivot),
 * and formats at about 2 us a value. So patterns are compiled here, the
 * fields come from the calendar arithmetic in qry_func_int.h, offsets from
 * ICU's zone rules (qry_func_tz.c), and ICU still supplies zone names ('z').
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qry_func_time.h"

typedef struct dfmt_tok {
    char letter;            /* pattern letter, or 0 for literal text */
    uint8_t count;          /* letters in the run */
    uint8_t min_digits;     /* parse: a fixed width when min == max */
    uint8_t max_digits;
    bool sign;              /* parse: a leading + or - allowed */
    bool lenient;           /* two-digit year that may take a full year */
    uint32_t off, len;      /* literal text in qry_dfmt.text */
} dfmt_tok;

struct qry_dfmt {
    qry_tz tz;
    dfmt_tok *tok;
    uint32_t ntok;
    char *text;
    size_t max_len;
    bool weeks;             /* uses w or x: print computes ISO weeks */
};

static const char *const month_long[] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"};
static const char *const month_short[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
    "Nov", "Dec"};
static const char *const dow_long[] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
static const char *const dow_short[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const halfday[] = {"AM", "PM"};
static const char *const era[] = {"BC", "AD"};

/* ---- compiling ----------------------------------------------------------- */

static bool dfmt_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Joda's numeric tokens: a following one limits a year to its width. */
static bool dfmt_numeric(char c, int count)
{
    return strchr("cCxyYdhHmsSeDFwWkK", c) || (c == 'M' && count <= 2);
}

/* Scans the token at pat[*i] (Joda's parseToken): a run of one letter, or
 * literal text where '' is a quote and '...' quotes letters. */
static void dfmt_scan(const char *pat, size_t len, size_t *i, dfmt_tok *t,
                      char *text, uint32_t *used)
{
    memset(t, 0, sizeof *t);
    if (dfmt_letter(pat[*i])) {
        t->letter = pat[*i];
        while (*i < len && pat[*i] == t->letter) {
            t->count = t->count < 255 ? t->count + 1 : 255;
            (*i)++;
        }
        return;
    }
    t->off = *used;
    bool quoted = false;
    for (; *i < len; (*i)++) {
        char c = pat[*i];
        if (c == '\'') {
            if (*i + 1 < len && pat[*i + 1] == '\'')
                text[(*used)++] = pat[++*i];
            else
                quoted = !quoted;
        } else if (!quoted && dfmt_letter(c)) {
            break;
        } else {
            text[(*used)++] = c;
        }
    }
    t->len = *used - t->off;
}

/* Parse widths of numeric tokens, as DateTimeFormat.parsePatternTo sets
 * them: (count, 2) for most fields, years up to 9 digits unless another
 * number follows. */
static void dfmt_widths(dfmt_tok *t, const dfmt_tok *next)
{
    bool next_num = next && next->letter && dfmt_numeric(next->letter, next->count);
    int c = t->count, max = 2;
    switch (t->letter) {
    case 'y': case 'Y': case 'x':
        if (c == 2) {
            t->lenient = !next_num;
            max = 2;
        } else {
            max = next_num ? c : 9;
        }
        t->sign = t->letter != 'Y';
        break;
    case 'C':
        max = c;
        break;
    case 'e':
        max = 1;
        break;
    case 'D':
        max = 3;
        break;
    case 'S':
        max = 9;
        break;
    default:
        break;
    }
    t->min_digits = (uint8_t)c;
    t->max_digits = (uint8_t)(max < c ? c : max);
}

static size_t dfmt_tok_len(const dfmt_tok *t)
{
    switch (t->letter) {
    case 0: return t->len;
    case 'E': return t->count >= 4 ? 9 : 3;
    case 'M': return t->count >= 3 ? 9 : (t->count > 2 ? t->count : 2);
    case 'z': case 'Z': return QRY_TZ_NAME;
    case 'S': return t->count > 9 ? t->count : 9;
    default: return (size_t)(t->count > 11 ? t->count : 11) + 1;
    }
}

bool qry_dfmt_compile(const char *pat, size_t len, const qry_tz *tz,
                      bool for_parse, qry_arena *a, qry_dfmt **out, char *why)
{
    qry_dfmt *f = qry_alloc(a, sizeof *f);
    f->tz = *tz;
    f->tok = qry_alloc(a, (len ? len : 1) * sizeof *f->tok);
    f->text = qry_alloc(a, len + 1);
    uint32_t used = 0;
    for (size_t i = 0; i < len;)
        dfmt_scan(pat, len, &i, &f->tok[f->ntok++], f->text, &used);
    if (f->ntok == 0) {
        tn_err(why, TN_EINVAL, "the pattern is empty");
        return false;
    }
    for (uint32_t k = 0; k < f->ntok; k++) {
        dfmt_tok *t = &f->tok[k];
        if (t->letter && !strchr("GCYxweEyDMdaKhHkmsSzZ", t->letter)) {
            tn_err(why, TN_EINVAL, "illegal pattern component '%c'", t->letter);
            return false;
        }
        /* Joda cannot parse zone names, zone ids or centuries either */
        if (for_parse && (t->letter == 'z' || t->letter == 'C' ||
                          (t->letter == 'Z' && t->count > 2))) {
            tn_err(why, TN_EINVAL, "pattern letter '%c' (x%d) cannot be parsed",
                   t->letter, t->count);
            return false;
        }
        dfmt_widths(t, k + 1 < f->ntok ? &f->tok[k + 1] : NULL);
        f->max_len += dfmt_tok_len(t);
        f->weeks |= t->letter == 'w' || t->letter == 'x';
    }
    *out = f;
    return true;
}

size_t qry_dfmt_max_len(const qry_dfmt *f)
{
    return f->max_len;
}

const qry_tz *qry_dfmt_tz(const qry_dfmt *f)
{
    return &f->tz;
}

void qry_dfmt_cur_init(qry_dfmt_cur *c, const qry_dfmt *f, int64_t now_ms)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->now_ms = now_ms;
    qry_tz_cur_init(&c->tz, &f->tz);
}

void qry_dfmt_cur_done(qry_dfmt_cur *c)
{
    qry_tz_cur_done(&c->tz);
}

/* ---- printing ------------------------------------------------------------ */

/* Joda's appendPaddedInteger: a sign, then |v| padded to width digits. */
static size_t dfmt_num(int64_t v, int width, char *buf)
{
    if (v >= 0 && v < 100 && width <= 2) {
        /* most fields: one or two digits */
        if (v < 10 && width < 2) {
            buf[0] = (char)('0' + v);
            return 1;
        }
        buf[0] = (char)('0' + v / 10);
        buf[1] = (char)('0' + v % 10);
        return 2;
    }
    char tmp[24];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0, len = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[len++] = '-';
    for (size_t i = n; i < (size_t)width; i++)
        buf[len++] = '0';
    while (n)
        buf[len++] = tmp[--n];
    return len;
}

static size_t dfmt_str(const char *s, char *buf)
{
    size_t n = strlen(s);
    memcpy(buf, s, n);
    return n;
}

/* Fraction of second with at least count digits, trailing zeros cut down
 * to count (Joda's Fraction printer: 'S' prints "123" for 123 ms). */
static size_t dfmt_fraction(int ms, int count, char *buf)
{
    if (ms == 0) {
        memset(buf, '0', (size_t)count);
        return (size_t)count;
    }
    char digits[10];
    dfmt_num(ms, 3, digits);          /* ms as 3 digits, then 6 zeros */
    memset(digits + 3, '0', 6);
    int n = 9;
    while (n > count && n > 1 && digits[n - 1] == '0')
        n--;
    memcpy(buf, digits, (size_t)n);
    for (; n < count; n++)
        buf[n] = '0';
    return (size_t)n;
}

static size_t dfmt_offset(int32_t off, bool colon, char *buf)
{
    int m = (off < 0 ? -off : off) / 60000;
    size_t len = 0;
    buf[len++] = off < 0 ? '-' : '+';
    len += dfmt_num(m / 60, 2, buf + len);
    if (colon)
        buf[len++] = ':';
    len += dfmt_num(m % 60, 2, buf + len);
    return len;
}

static size_t dfmt_print_tok(qry_dfmt_cur *c, const dfmt_tok *t, const qry_tm *tm,
                             int64_t wy, int w, int64_t ms, int32_t off, char *buf)
{
    int n = t->count;
    int64_t yoe = tm->year > 0 ? tm->year : 1 - tm->year;
    switch (t->letter) {
    case 0:
        memcpy(buf, c->f->text + t->off, t->len);
        return t->len;
    case 'G': return dfmt_str(era[tm->year > 0], buf);
    case 'C': return dfmt_num(yoe / 100, n, buf);
    case 'y': return n == 2 ? dfmt_num(llabs(tm->year) % 100, 2, buf)
                            : dfmt_num(tm->year, n, buf);
    case 'Y': return dfmt_num(n == 2 ? yoe % 100 : yoe, n, buf);
    case 'x': return n == 2 ? dfmt_num(llabs(wy) % 100, 2, buf) : dfmt_num(wy, n, buf);
    case 'w': return dfmt_num(w, n, buf);
    case 'e': return dfmt_num(tm->dow, n, buf);
    case 'E': return dfmt_str((n >= 4 ? dow_long : dow_short)[tm->dow - 1], buf);
    case 'D': return dfmt_num(tm->doy, n, buf);
    case 'M':
        if (n >= 3)
            return dfmt_str((n >= 4 ? month_long : month_short)[tm->month - 1], buf);
        return dfmt_num(tm->month, n, buf);
    case 'd': return dfmt_num(tm->day, n, buf);
    case 'a': return dfmt_str(halfday[tm->hour >= 12], buf);
    case 'K': return dfmt_num(tm->hour % 12, n, buf);
    case 'h': return dfmt_num(tm->hour % 12 ? tm->hour % 12 : 12, n, buf);
    case 'H': return dfmt_num(tm->hour, n, buf);
    case 'k': return dfmt_num(tm->hour ? tm->hour : 24, n, buf);
    case 'm': return dfmt_num(tm->minute, n, buf);
    case 's': return dfmt_num(tm->second, n, buf);
    case 'S': return dfmt_fraction(tm->milli, n, buf);
    case 'z': return qry_tz_display(&c->tz, ms, n >= 4, buf, QRY_TZ_NAME);
    default:  /* 'Z' */
        if (n >= 3)
            return dfmt_str(c->f->tz.name, buf);
        return dfmt_offset(off, n == 2, buf);
    }
}

/* Fields of local time ms; the date part is reused while rows stay on the
 * day of the previous one (they mostly arrive in time order). */
static void dfmt_fields(qry_dfmt_cur *c, int64_t local, qry_tm *tm)
{
    int64_t days = qry_floordiv(local, QRY_MS_DAY);
    if (days != c->day.days || !c->day_set) {
        qry_tm_of(local, &c->day);
        c->day_set = true;
        if (c->f->weeks)
            qry_iso_week(days, &c->weekyear, &c->week);
    }
    *tm = c->day;
    int64_t ms = qry_floormod(local, QRY_MS_DAY);
    tm->hour = (int)(ms / QRY_MS_HOUR);
    tm->minute = (int)(ms / QRY_MS_MINUTE % 60);
    tm->second = (int)(ms / 1000 % 60);
    tm->milli = (int)(ms % 1000);
}

size_t qry_dfmt_print(qry_dfmt_cur *c, int64_t ms, char *buf)
{
    const qry_dfmt *f = c->f;
    int32_t off = qry_tz_offset(&c->tz, ms);
    qry_tm tm;
    dfmt_fields(c, qry_wadd(ms, off), &tm);
    int64_t wy = c->weekyear;
    int w = c->week;
    size_t len = 0;
    for (uint32_t k = 0; k < f->ntok; k++)
        len += dfmt_print_tok(c, &f->tok[k], &tm, wy, w, ms, off, buf + len);
    return len;
}

/* ---- parsing ------------------------------------------------------------- */

/* Fields a parse saw, applied afterwards in Joda's order (largest unit
 * first) to 1970-01-01T00:00 local. */
typedef struct dfmt_parsed {
    int64_t year, yoe, weekyear;
    int era, month, week, doy, day, dow, half;
    int hour_of_day, clock_of_day, hour_of_half, clock_of_half;
    int minute, second, milli;
    int32_t offset;
    unsigned have;          /* bit per HAVE_* */
} dfmt_parsed;

enum {
    HAVE_YEAR = 1 << 0, HAVE_YOE = 1 << 1, HAVE_WEEKYEAR = 1 << 2,
    HAVE_ERA = 1 << 3, HAVE_MONTH = 1 << 4, HAVE_WEEK = 1 << 5,
    HAVE_DOY = 1 << 6, HAVE_DAY = 1 << 7, HAVE_DOW = 1 << 8,
    HAVE_HALF = 1 << 9, HAVE_H = 1 << 10, HAVE_K = 1 << 11,
    HAVE_KH = 1 << 12, HAVE_HH = 1 << 13, HAVE_MIN = 1 << 14,
    HAVE_SEC = 1 << 15, HAVE_MS = 1 << 16, HAVE_OFFSET = 1 << 17,
};

static bool dfmt_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Joda's NumberFormatter: up to max digits (a sign first when allowed),
 * exactly max when the width is fixed. */
static bool dfmt_parse_num(const dfmt_tok *t, const char *s, size_t len,
                           size_t *pos, int64_t *v)
{
    size_t p = *pos, limit = len - p < t->max_digits ? len - p : t->max_digits;
    bool neg = false;
    if (t->sign && limit > 0 && (s[p] == '-' || s[p] == '+') && p + 1 < len &&
        dfmt_digit(s[p + 1])) {
        neg = s[p] == '-';
        p++;
        limit = len - p < t->max_digits ? len - p : t->max_digits;
    }
    size_t n = 0;
    int64_t x = 0;
    while (n < limit && dfmt_digit(s[p + n]))
        x = x * 10 + (s[p + n++] - '0');
    if (n == 0 || (t->min_digits == t->max_digits && n != t->max_digits))
        return false;
    *v = neg ? -x : x;
    *pos = p + n;
    return true;
}

/* Joda's TwoDigitYear: two digits around a pivot 30 years back (so the
 * century is within [now - 80, now + 20)); lenient: other forms whole. */
static bool dfmt_parse_yy(const dfmt_tok *t, const char *s, size_t len,
                          size_t *pos, int64_t now_year, int64_t *year)
{
    size_t p = *pos;
    if (t->lenient) {
        size_t q = p + (p < len && (s[p] == '+' || s[p] == '-'));
        size_t n = 0;
        while (q + n < len && dfmt_digit(s[q + n]) && n < 10)
            n++;
        if (n == 0)
            return false;
        if (q != p || n != 2) {
            dfmt_tok wide = *t;
            wide.max_digits = 10;
            wide.min_digits = 1;
            wide.sign = true;
            return dfmt_parse_num(&wide, s, len, pos, year);
        }
    }
    if (len - p < 2 || !dfmt_digit(s[p]) || !dfmt_digit(s[p + 1]))
        return false;
    int64_t yy = (s[p] - '0') * 10 + (s[p + 1] - '0');
    int64_t low = now_year - 30 - 50;
    int64_t cut = low >= 0 ? low % 100 : 99 + ((low + 1) % 100);
    *year = yy + low + (yy < cut ? 100 : 0) - cut;
    *pos = p + 2;
    return true;
}

/* Longest of the names (as written, lower or upper case) at s[*pos]. */
static int dfmt_parse_text(const char *const *names, int count, const char *s,
                           size_t len, size_t *pos)
{
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < count; i++) {
        size_t n = strlen(names[i]);
        if (n <= best_len || len - *pos < n)
            continue;
        bool exact = true, lower = true, upper = true;
        for (size_t k = 0; k < n; k++) {
            char c = s[*pos + k], x = names[i][k];
            exact &= c == x;
            lower &= c == (x >= 'A' && x <= 'Z' ? x + 32 : x);
            upper &= c == (x >= 'a' && x <= 'z' ? x - 32 : x);
        }
        if (exact || lower || upper) {
            best = i;
            best_len = n;
        }
    }
    if (best >= 0)
        *pos += best_len;
    return best;
}

static int dfmt_parse_names(const dfmt_tok *t, const char *s, size_t len, size_t *pos)
{
    const char *all[24];
    int n = 0;
    /* Joda accepts both the short and the long text of a text field */
    if (t->letter == 'M') {
        for (int i = 0; i < 12; i++) {
            all[n++] = month_short[i];
            all[n++] = month_long[i];
        }
    } else if (t->letter == 'E') {
        for (int i = 0; i < 7; i++) {
            all[n++] = dow_short[i];
            all[n++] = dow_long[i];
        }
    } else {
        const char *const *src = t->letter == 'a' ? halfday : era;
        all[n++] = src[0];
        all[n++] = src[1];
    }
    int i = dfmt_parse_text(all, n, s, len, pos);
    /* months and days list short and long names in pairs */
    return i < 0 || n == 2 ? i : i / 2;
}

/* "Z", or +hh[:mm] / +hhmm (Joda's TimeZoneOffset parser). */
static bool dfmt_parse_offset(const char *s, size_t len, size_t *pos, int32_t *off)
{
    size_t p = *pos;
    if (p < len && (s[p] == 'Z' || s[p] == 'z')) {
        *off = 0;
        *pos = p + 1;
        return true;
    }
    if (p >= len || (s[p] != '+' && s[p] != '-'))
        return false;
    int sign = s[p++] == '-' ? -1 : 1;
    if (len - p < 2 || !dfmt_digit(s[p]) || !dfmt_digit(s[p + 1]))
        return false;
    int h = (s[p] - '0') * 10 + (s[p + 1] - '0'), m = 0;
    p += 2;
    size_t q = p + (p < len && s[p] == ':');
    if (len >= q + 2 && dfmt_digit(s[q]) && dfmt_digit(s[q + 1])) {
        m = (s[q] - '0') * 10 + (s[q + 1] - '0');
        p = q + 2;
    }
    if (h > 23 || m > 59)
        return false;
    *off = sign * (h * 3600000 + m * 60000);
    *pos = p;
    return true;
}

/* Fraction of second: digits scaled to milliseconds, truncated. */
static bool dfmt_parse_fraction(const char *s, size_t len, size_t *pos, int *ms)
{
    size_t p = *pos, n = 0;
    int v = 0, scale = 100;
    while (p + n < len && n < 9 && dfmt_digit(s[p + n])) {
        v += (s[p + n] - '0') * scale;
        scale /= 10;
        n++;
    }
    if (!n)
        return false;
    *ms = v;
    *pos = p + n;
    return true;
}

static bool dfmt_parse_tok(qry_dfmt_cur *c, const dfmt_tok *t, const char *s,
                           size_t len, size_t *pos, dfmt_parsed *f)
{
    int64_t v = 0;
    int i;
    switch (t->letter) {
    case 0:
        if (len - *pos < t->len ||
            strncasecmp(s + *pos, c->f->text + t->off, t->len) != 0)
            return false;
        *pos += t->len;
        return true;
    case 'y': case 'Y': case 'x': {
        int64_t now_year;
        int mo, da;
        qry_civil_from_days(qry_floordiv(c->now_ms, QRY_MS_DAY), &now_year, &mo, &da);
        bool ok = t->count == 2 ? dfmt_parse_yy(t, s, len, pos, now_year, &v)
                                : dfmt_parse_num(t, s, len, pos, &v);
        if (!ok || v < -292275054 || v > 292278993)
            return false;
        unsigned bit = t->letter == 'y' ? HAVE_YEAR : t->letter == 'Y' ? HAVE_YOE
                                                                       : HAVE_WEEKYEAR;
        *(t->letter == 'y' ? &f->year : t->letter == 'Y' ? &f->yoe : &f->weekyear) = v;
        f->have |= bit;
        return true;
    }
    case 'S':
        f->have |= HAVE_MS;
        return dfmt_parse_fraction(s, len, pos, &f->milli);
    case 'Z':
        f->have |= HAVE_OFFSET;
        return dfmt_parse_offset(s, len, pos, &f->offset);
    case 'a': case 'G': case 'E':
        if ((i = dfmt_parse_names(t, s, len, pos)) < 0)
            return false;
        if (t->letter == 'a')
            f->half = i, f->have |= HAVE_HALF;
        else if (t->letter == 'G')
            f->era = i, f->have |= HAVE_ERA;
        else
            f->dow = i + 1, f->have |= HAVE_DOW;
        return true;
    case 'M':
        if (t->count >= 3) {
            if ((i = dfmt_parse_names(t, s, len, pos)) < 0)
                return false;
            f->month = i + 1;
            f->have |= HAVE_MONTH;
            return true;
        }
        break;
    default:
        break;
    }
    if (!dfmt_parse_num(t, s, len, pos, &v) || v < 0 || v > 100000)
        return false;
    int x = (int)v;
    switch (t->letter) {
    case 'M': f->month = x, f->have |= HAVE_MONTH; break;
    case 'w': f->week = x, f->have |= HAVE_WEEK; break;
    case 'e': f->dow = x, f->have |= HAVE_DOW; break;
    case 'D': f->doy = x, f->have |= HAVE_DOY; break;
    case 'd': f->day = x, f->have |= HAVE_DAY; break;
    case 'H': f->hour_of_day = x, f->have |= HAVE_H; break;
    case 'k': f->clock_of_day = x, f->have |= HAVE_K; break;
    case 'K': f->hour_of_half = x, f->have |= HAVE_KH; break;
    case 'h': f->clock_of_half = x, f->have |= HAVE_HH; break;
    case 'm': f->minute = x, f->have |= HAVE_MIN; break;
    default: f->second = x, f->have |= HAVE_SEC; break;
    }
    return true;
}

/* Moves days to ISO week `week` of week-year wy, keeping its weekday. */
static bool dfmt_set_week(int64_t *days, int64_t wy, int week, bool keep_week)
{
    int64_t cur_wy;
    int cur_w;
    qry_iso_week(*days, &cur_wy, &cur_w);
    int dow = qry_iso_dow(*days);
    int weeks = (int)((qry_iso_week1(wy + 1) - qry_iso_week1(wy)) / 7);
    if (keep_week)
        week = cur_w < weeks ? cur_w : weeks;   /* Joda clamps week 53 */
    if (week < 1 || week > weeks)
        return false;
    *days = qry_iso_week1(wy) + (week - 1) * 7 + dow - 1;
    return true;
}

/* The date part, in Joda's order: years, months, weeks, then days of year,
 * month and week. False for a value out of its field's range. */
static bool dfmt_date(const dfmt_parsed *f, int64_t *days_out)
{
    int64_t y = 1970, days;
    int m = 1, d = 1;
    if (f->have & HAVE_YEAR)
        y = f->year;
    else if (f->have & HAVE_YOE)
        y = (f->have & HAVE_ERA) && f->era == 0 ? 1 - f->yoe : f->yoe;
    days = qry_days_from_civil(y, m, d);
    if ((f->have & HAVE_WEEKYEAR) && !dfmt_set_week(&days, f->weekyear, 0, true))
        return false;
    if (f->have & HAVE_MONTH) {
        if (f->month < 1 || f->month > 12)
            return false;
        qry_civil_from_days(days, &y, &m, &d);
        m = f->month;
        d = d < qry_days_in_month(y, m) ? d : qry_days_in_month(y, m);
        days = qry_days_from_civil(y, m, d);
    }
    if (f->have & HAVE_WEEK) {
        int64_t wy;
        int w;
        qry_iso_week(days, &wy, &w);
        if (!dfmt_set_week(&days, wy, f->week, false))
            return false;
    }
    qry_civil_from_days(days, &y, &m, &d);
    if (f->have & HAVE_DOY) {
        if (f->doy < 1 || f->doy > 365 + qry_is_leap(y))
            return false;
        days = qry_days_from_civil(y, 1, 1) + f->doy - 1;
        qry_civil_from_days(days, &y, &m, &d);
    }
    if (f->have & HAVE_DAY) {
        if (f->day < 1 || f->day > qry_days_in_month(y, m))
            return false;
        days = qry_days_from_civil(y, m, f->day);
    }
    if (f->have & HAVE_DOW) {
        if (f->dow < 1 || f->dow > 7)
            return false;
        days += f->dow - qry_iso_dow(days);
    }
    *days_out = days;
    return true;
}

/* The time of day: half day first, then the hour fields, as Joda sets them. */
static bool dfmt_clock(const dfmt_parsed *f, int64_t *ms)
{
    int h = 0;
    if (f->have & HAVE_HALF)
        h = f->half * 12;
    if (f->have & HAVE_H) {
        if (f->hour_of_day > 23)
            return false;
        h = f->hour_of_day;
    }
    if (f->have & HAVE_K) {
        if (f->clock_of_day < 1 || f->clock_of_day > 24)
            return false;
        h = f->clock_of_day % 24;
    }
    if (f->have & HAVE_KH) {
        if (f->hour_of_half > 11)
            return false;
        h = h / 12 * 12 + f->hour_of_half;
    }
    if (f->have & HAVE_HH) {
        if (f->clock_of_half < 1 || f->clock_of_half > 12)
            return false;
        h = h / 12 * 12 + f->clock_of_half % 12;
    }
    if (f->minute > 59 || f->second > 59)
        return false;
    *ms = h * QRY_MS_HOUR + f->minute * QRY_MS_MINUTE + f->second * QRY_MS_SECOND +
          f->milli;
    return true;
}

bool qry_dfmt_parse(qry_dfmt_cur *c, const char *s, size_t len, int64_t *ms)
{
    const qry_dfmt *fmt = c->f;
    dfmt_parsed f;
    memset(&f, 0, sizeof f);
    size_t pos = 0;
    for (uint32_t k = 0; k < fmt->ntok; k++) {
        if (!dfmt_parse_tok(c, &fmt->tok[k], s, len, &pos, &f))
            return false;
    }
    int64_t days, clock;
    if (pos != len || !dfmt_date(&f, &days) || !dfmt_clock(&f, &clock))
        return false;
    int64_t local = qry_wadd(qry_wmul(days, QRY_MS_DAY), clock);
    if (f.have & HAVE_OFFSET) {
        *ms = qry_wadd(local, -f.offset);
        return true;
    }
    /* a local time in a DST gap does not exist: Joda rejects it */
    return qry_tz_to_utc_strict(&c->tz, local, ms);
}
