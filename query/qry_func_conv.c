/*
 * qry_func_conv.c: numbers to text and text to numbers exactly as Java
 * spells them, since Pinot's results and conversions are Java's:
 * Double.toString ("1.0", "1.5E10"), Float.toString, Long.toString,
 * java.sql.Timestamp.toString, Double.parseDouble, BigDecimal.longValue.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qry_func_int.h"

size_t qry_text_long(int64_t v, char *buf)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

/* Shortest significant digits of x (|x| finite, non-zero) that read back as
 * the same value: digits without the point, and the decimal exponent of
 * the first digit. sig tries the precisions first..last. */
static int conv_digits(double x, bool is_float, char *digits, int *exp10)
{
    char buf[48];
    int first = is_float ? 6 : 15, last = is_float ? 9 : 17;
    for (int prec = first; prec <= last; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        bool same = is_float ? strtof(buf, NULL) == (float)x
                             : strtod(buf, NULL) == x;
        if (same || prec == last)
            break;
    }
    /* buf is "d.ddddde[+-]xx" */
    int n = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    }
    *exp10 = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

/* Java's layout of digits: plain for 1e-3 <= |x| < 1e7, otherwise
 * computerized scientific notation, always with a fraction digit. */
static size_t conv_layout(bool neg, const char *digits, int n, int e, char *buf)
{
    size_t len = 0;
    if (neg)
        buf[len++] = '-';
    if (e >= -3 && e < 7) {
        if (e < 0) {
            buf[len++] = '0';
            buf[len++] = '.';
            for (int i = -1; i > e; i--)
                buf[len++] = '0';
            for (int i = 0; i < n; i++)
                buf[len++] = digits[i];
        } else {
            for (int i = 0; i <= e; i++)
                buf[len++] = i < n ? digits[i] : '0';
            buf[len++] = '.';
            if (n <= e + 1)
                buf[len++] = '0';
            for (int i = e + 1; i < n; i++)
                buf[len++] = digits[i];
        }
    } else {
        buf[len++] = digits[0];
        buf[len++] = '.';
        if (n == 1)
            buf[len++] = '0';
        for (int i = 1; i < n; i++)
            buf[len++] = digits[i];
        buf[len++] = 'E';
        len += qry_text_long(e, buf + len);
    }
    buf[len] = '\0';
    return len;
}

static size_t conv_special(double d, char *buf)
{
    const char *s = isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
    if (d == 0)
        s = signbit(d) ? "-0.0" : "0.0";
    strcpy(buf, s);
    return strlen(s);
}

size_t qry_text_double(double d, char *buf)
{
    if (!isfinite(d) || d == 0)
        return conv_special(d, buf);
    char digits[24];
    int e, n = conv_digits(fabs(d), false, digits, &e);
    return conv_layout(d < 0, digits, n, e, buf);
}

size_t qry_text_float(float f, char *buf)
{
    if (!isfinite(f) || f == 0)
        return conv_special(f, buf);
    char digits[24];
    int e, n = conv_digits(fabs((double)f), true, digits, &e);
    return conv_layout(f < 0, digits, n, e, buf);
}

static size_t conv_pad(int64_t v, int width, char *buf)
{
    char tmp[24];
    size_t n = qry_text_long(v < 0 ? -v : v, tmp), len = 0;
    if (v < 0)
        buf[len++] = '-';
    for (size_t i = n; i < (size_t)width; i++)
        buf[len++] = '0';
    memcpy(buf + len, tmp, n + 1);
    return len + n;
}

size_t qry_text_timestamp(int64_t ms, char *buf)
{
    qry_tm t;
    qry_tm_of(ms, &t);
    size_t len = conv_pad(t.year, 4, buf);
    len += (size_t)sprintf(buf + len, "-%02d-%02d %02d:%02d:%02d.", t.month,
                           t.day, t.hour, t.minute, t.second);
    /* nanoseconds with the trailing zeros cut, but at least one digit */
    if (t.milli == 0) {
        buf[len++] = '0';
    } else {
        int v = t.milli, w = 3;
        while (v % 10 == 0) {
            v /= 10;
            w--;
        }
        len += conv_pad(v, w, buf + len);
    }
    buf[len] = '\0';
    return len;
}

size_t qry_text_of(const qry_vec *v, uint32_t r, char *buf, const char **p)
{
    *p = buf;
    switch (v->kind) {
    case QV_STRING:
        *p = v->s[r].s.p ? v->s[r].s.p : "";
        return v->s[r].s.len;
    case QV_DOUBLE:
        if (v->type == SEG_FLOAT)
            return qry_text_float((float)v->d[r], buf);
        return qry_text_double(v->d[r], buf);
    case QV_LONG:
        if (v->type == SEG_BOOLEAN) {
            *p = v->i[r] ? "true" : "false";
            return strlen(*p);
        }
        if (v->type == SEG_TIMESTAMP)
            return qry_text_timestamp(v->i[r], buf);
        return qry_text_long(v->i[r], buf);
    default:
        *p = "";
        return 0;
    }
}

/* ---- text to numbers ----------------------------------------------------- */

int64_t qry_java_d2l(double d)
{
    if (isnan(d))
        return 0;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

int32_t qry_java_d2i(double d)
{
    if (isnan(d))
        return 0;
    if (d >= 2147483647.0)
        return INT32_MAX;
    if (d <= -2147483648.0)
        return INT32_MIN;
    return (int32_t)d;
}

static bool conv_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A decimal: [+-]digits[.digits][(e|E)[+-]digits], with at least one digit
 * in the mantissa. Returns the length matched, 0 if not one. */
static size_t conv_decimal(const char *s, size_t len)
{
    size_t i = 0, mant = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < len && conv_digit(s[i]); i++)
        mant++;
    if (i < len && s[i] == '.') {
        for (i++; i < len && conv_digit(s[i]); i++)
            mant++;
    }
    if (!mant)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1, exp = 0;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        for (; j < len && conv_digit(s[j]); j++)
            exp++;
        if (!exp)
            return 0;
        i = j;
    }
    return i;
}

bool qry_parse_java_double(const char *s, size_t len, double *out)
{
    /* String.trim(): every char <= ' ' */
    while (len && (unsigned char)*s <= ' ') {
        s++;
        len--;
    }
    while (len && (unsigned char)s[len - 1] <= ' ')
        len--;
    size_t body = len;
    if (body && strchr("fFdD", s[body - 1]))
        body--;
    size_t sign = body && (s[0] == '+' || s[0] == '-');
    if (body - sign == 3 && memcmp(s + sign, "NaN", 3) == 0 && body == len) {
        *out = NAN;
        return true;
    }
    if (body - sign == 8 && memcmp(s + sign, "Infinity", 8) == 0 && body == len) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    char buf[128];
    if (body == 0 || body >= sizeof buf || conv_decimal(s, body) != body)
        return false;
    memcpy(buf, s, body);
    buf[body] = '\0';
    *out = strtod(buf, NULL);
    return true;
}

bool qry_parse_java_long(const char *s, size_t len, int64_t *out)
{
    if (!s || conv_decimal(s, len) != len)
        return false;
    /* BigDecimal's integer part, truncated toward zero, kept modulo 2^64
     * as longValue() keeps its low 64 bits */
    size_t i = 0;
    bool neg = s[0] == '-';
    if (s[0] == '+' || s[0] == '-')
        i++;
    char digits[64];
    size_t nd = 0, frac = 0;
    bool seen_point = false, dropped = false;
    for (; i < len && (conv_digit(s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            seen_point = true;
            continue;
        }
        if (nd == 0 && s[i] == '0' && !seen_point)
            continue;
        if (nd < sizeof digits) {
            digits[nd++] = s[i];
            frac += seen_point;
        } else if (!seen_point) {
            /* an integer part of 64+ digits: only the low digits matter
             * modulo 2^64 after scaling, but keep it simple and refuse */
            dropped = true;
        }
    }
    if (dropped)
        return false;
    long exp = 0;
    if (i < len) {
        /* the exponent, within len (s need not be NUL-terminated) */
        size_t j = i + 1;
        bool eneg = s[j] == '-';
        j += s[j] == '+' || s[j] == '-';
        for (; j < len; j++)
            exp = exp < 100000 ? exp * 10 + (s[j] - '0') : exp;
        exp = eneg ? -exp : exp;
    }
    long shift = exp - (long)frac;
    uint64_t v = 0;
    long keep = (long)nd + (shift < 0 ? shift : 0);
    for (long k = 0; k < keep; k++)
        v = v * 10 + (uint64_t)(digits[k] - '0');
    /* 10^64 is a multiple of 2^64, so more zeros change nothing */
    for (long k = 0; k < shift && k < 64; k++)
        v *= 10;
    if (shift >= 64 && nd)
        v = 0;
    *out = (int64_t)(neg ? 0 - v : v);
    return true;
}

double qry_decimal_round(double a, int64_t scale, bool half_up)
{
    if (!isfinite(a) || a == 0)
        return a;
    /* BigDecimal.valueOf(a) is the decimal of Double.toString(a): round
     * those digits, not the binary value (2.675 -> 2.68 HALF_UP) */
    char digits[24];
    int e, n = conv_digits(fabs(a), false, digits, &e);
    if (scale > 400 || e + scale + 1 >= n)
        return a;
    int64_t keep = e + scale + 1;
    uint64_t m = 0;
    for (int64_t i = 0; i < keep; i++)
        m = m * 10 + (uint64_t)(digits[i] - '0');
    if (half_up && keep >= 0 && digits[keep] >= '5')
        m++;
    if (m == 0)
        return 0.0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s%llue%lld", a < 0 ? "-" : "",
             (unsigned long long)m, (long long)-scale);
    return strtod(buf, NULL);
}
