/*
 * brk_pg_proto.c: PostgreSQL v3 message bytes, value rendering and safe
 * parameter substitution (see brk_pg_proto.h).
 */
#include "brk_pg_proto.h"
#include "brk_pg_bin.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- reading ----------------------------------------------------------- */

void brk_pg_rd_init(brk_pg_rd *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->bad = false;
}

const uint8_t *brk_pg_get_bytes(brk_pg_rd *r, size_t n)
{
    if (r->bad || n > r->len - r->off) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t brk_pg_get_u8(brk_pg_rd *r)
{
    const uint8_t *p = brk_pg_get_bytes(r, 1);
    return p ? p[0] : 0;
}

int16_t brk_pg_get_i16(brk_pg_rd *r)
{
    const uint8_t *p = brk_pg_get_bytes(r, 2);
    return p ? (int16_t)(uint16_t)((p[0] << 8) | p[1]) : 0;
}

int32_t brk_pg_get_i32(brk_pg_rd *r)
{
    const uint8_t *p = brk_pg_get_bytes(r, 4);
    return p ? (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
             : 0;
}

const char *brk_pg_get_cstr(brk_pg_rd *r)
{
    if (r->bad)
        return "";
    const uint8_t *nul = memchr(r->p + r->off, 0, r->len - r->off);
    if (!nul) {
        r->bad = true;
        return "";
    }
    const char *s = (const char *)r->p + r->off;
    r->off = (size_t)(nul - r->p) + 1;
    return s;
}

/* ---- writing ----------------------------------------------------------- */

size_t brk_pg_begin(tn_buf *b, char t)
{
    if (t)
        tn_buf_append(b, &t, 1);
    size_t at = b->len;
    brk_pg_put_i32(b, 0);
    return at;
}

void brk_pg_end(tn_buf *b, size_t at)
{
    uint32_t n = (uint32_t)(b->len - at);
    uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(b->data + at, be, 4);
}

void brk_pg_put_i16(tn_buf *b, int16_t v)
{
    uint16_t u = (uint16_t)v;
    uint8_t be[2] = {(uint8_t)(u >> 8), (uint8_t)u};
    tn_buf_append(b, be, 2);
}

void brk_pg_put_i32(tn_buf *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t be[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    tn_buf_append(b, be, 4);
}

void brk_pg_put_i64(tn_buf *b, int64_t v)
{
    brk_pg_put_i32(b, (int32_t)((uint64_t)v >> 32));
    brk_pg_put_i32(b, (int32_t)(uint32_t)v);
}

void brk_pg_put_cstr(tn_buf *b, const char *s)
{
    tn_buf_append(b, s, strlen(s) + 1);
}

void brk_pg_ready(tn_buf *b, char status)
{
    size_t at = brk_pg_begin(b, 'Z');
    tn_buf_append(b, &status, 1);
    brk_pg_end(b, at);
}

void brk_pg_param_status(tn_buf *b, const char *name, const char *value)
{
    size_t at = brk_pg_begin(b, 'S');
    brk_pg_put_cstr(b, name);
    brk_pg_put_cstr(b, value);
    brk_pg_end(b, at);
}

void brk_pg_complete(tn_buf *b, const char *tag)
{
    size_t at = brk_pg_begin(b, 'C');
    brk_pg_put_cstr(b, tag);
    brk_pg_end(b, at);
}

/* A field of an ErrorResponse; NUL bytes in msg would end it early, so the
 * text stops there (messages are C strings anyway). */
static void put_field(tn_buf *b, char code, const char *s)
{
    tn_buf_append(b, &code, 1);
    brk_pg_put_cstr(b, s);
}

void brk_pg_error(tn_buf *b, const char *severity, const char *sqlstate, const char *msg,
                  int position)
{
    size_t at = brk_pg_begin(b, 'E');
    put_field(b, 'S', severity);
    put_field(b, 'V', severity);
    put_field(b, 'C', sqlstate);
    put_field(b, 'M', msg);
    if (position > 0) {
        char pos[16];
        snprintf(pos, sizeof pos, "%d", position);
        put_field(b, 'P', pos);
    }
    tn_buf_append(b, "", 1);
    brk_pg_end(b, at);
}

const char *brk_pg_sqlstate(int code)
{
    switch (code) {
    case 150: return "42601";          /* SQL parsing */
    case 190: return "42P01";          /* table does not exist */
    case 710: return "42703";          /* unknown column */
    case 700: return "42804";          /* validation (types) */
    case 250: case 400: case 503: return "57014"; /* timeout, cancelled */
    case 180: return "42501";          /* insufficient_privilege: the user may not read it */
    case 429: return "53400";          /* configuration_limit_exceeded: a quota or the queue */
    case 410: case 427: return "08006"; /* servers unreachable */
    default: return "XX000";
    }
}

/* ---- values ------------------------------------------------------------ */

int32_t brk_pg_type_oid(const char *t)
{
    if (!strncmp(t, "pg:", 3)) /* a PostgreSQL type by OID (the catalog's results) */
        return (int32_t)strtol(t + 3, NULL, 10);
    if (strstr(t, "_ARRAY"))
        return BRK_PG_TEXT;
    if (!strcmp(t, "LONG")) return BRK_PG_INT8;
    if (!strcmp(t, "INT")) return BRK_PG_INT4;
    if (!strcmp(t, "DOUBLE")) return BRK_PG_FLOAT8;
    if (!strcmp(t, "FLOAT")) return BRK_PG_FLOAT4;
    if (!strcmp(t, "BOOLEAN")) return BRK_PG_BOOL;
    if (!strcmp(t, "TIMESTAMP")) return BRK_PG_TIMESTAMP;
    if (!strcmp(t, "BYTES")) return BRK_PG_BYTEA;
    return BRK_PG_TEXT;
}

int16_t brk_pg_type_len(int32_t oid)
{
    switch (oid) {
    case BRK_PG_BOOL: return 1;
    case BRK_PG_INT2: return 2;
    case BRK_PG_INT4: case BRK_PG_FLOAT4: case BRK_PG_DATE: return 4;
    case BRK_PG_INT8: case BRK_PG_FLOAT8: case BRK_PG_TIMESTAMP: case BRK_PG_TIMESTAMPTZ: return 8;
    default: return -1;
    }
}

static void put_text(tn_buf *b, const char *s)
{
    tn_buf_append(b, s, strlen(s));
}

/* Shortest text that reads back as the same double (PostgreSQL 12+). */
static void put_double(tn_buf *b, double d, bool single)
{
    if (isnan(d)) {
        put_text(b, "NaN");
        return;
    }
    if (isinf(d)) {
        put_text(b, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char tmp[40];
    for (int prec = single ? 6 : 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (single ? (float)strtod(tmp, NULL) == (float)d : strtod(tmp, NULL) == d)
            break;
    }
    put_text(b, tmp);
}

static void put_timestamp(tn_buf *b, int64_t ms)
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    int frac = (int)(ms - (int64_t)secs * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (frac)
        snprintf(tmp + n, sizeof tmp - (size_t)n, ".%03d", frac);
    put_text(b, tmp);
}

static void put_scalar(tn_buf *b, const qry_val *v, seg_type type)
{
    char tmp[32];
    switch (v->kind) {
    case QV_NULL: put_text(b, "NULL"); break;
    case QV_LONG:
        if (type == SEG_BOOLEAN)
            put_text(b, v->i ? "t" : "f");
        else if (type == SEG_TIMESTAMP)
            put_timestamp(b, v->i);
        else if (type == SEG_FLOAT || type == SEG_DOUBLE)
            put_double(b, (double)v->i, type == SEG_FLOAT);
        else {
            snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
            put_text(b, tmp);
        }
        break;
    case QV_DOUBLE:
        if (type == SEG_INT || type == SEG_LONG) {
            snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)v->d);
            put_text(b, tmp);
        } else {
            put_double(b, v->d, type == SEG_FLOAT);
        }
        break;
    case QV_STRING:
        if (type == SEG_BYTES) {
            put_text(b, "\\x");
            for (uint32_t i = 0; i < v->len; i++) {
                snprintf(tmp, sizeof tmp, "%02x", (unsigned char)v->s[i]);
                tn_buf_append(b, tmp, 2);
            }
        } else {
            tn_buf_append(b, v->s, v->len);
        }
        break;
    case QV_ARRAY: break;
    }
}

/* An array as PostgreSQL's array literal {a,"b c"}: every string element
 * quoted, so commas and braces inside stay data. */
static void put_array(tn_buf *b, const qry_val *v)
{
    tn_buf_append(b, "{", 1);
    for (uint32_t i = 0; i < v->len; i++) {
        if (i)
            tn_buf_append(b, ",", 1);
        const qry_val *e = &v->arr[i];
        if (e->kind != QV_STRING || v->type == SEG_BYTES) {
            put_scalar(b, e, v->type);
            continue;
        }
        tn_buf_append(b, "\"", 1);
        for (uint32_t k = 0; k < e->len; k++) {
            if (e->s[k] == '"' || e->s[k] == '\\')
                tn_buf_append(b, "\\", 1);
            tn_buf_append(b, &e->s[k], 1);
        }
        tn_buf_append(b, "\"", 1);
    }
    tn_buf_append(b, "}", 1);
}

void brk_pg_text_value(tn_buf *b, const qry_val *v)
{
    if (v->kind == QV_ARRAY)
        put_array(b, v);
    else
        put_scalar(b, v, v->type);
}

bool brk_pg_binary_ok(int32_t oid)
{
    return oid == BRK_PG_INT4 || oid == BRK_PG_INT8 || oid == BRK_PG_FLOAT4 ||
           oid == BRK_PG_FLOAT8 || oid == BRK_PG_BOOL || oid == BRK_PG_TEXT ||
           oid == BRK_PG_VARCHAR || brk_pg_bin_has(oid);
}

void brk_pg_binary_value(tn_buf *b, const qry_val *v, int32_t oid)
{
    if (oid == BRK_PG_TEXT || oid == BRK_PG_VARCHAR) {
        brk_pg_text_value(b, v); /* text's binary form is its characters */
        return;
    }
    if (brk_pg_bin_has(oid)) { /* numeric, date, timestamp[tz]: from the text form */
        char err[TN_ERRLEN];
        size_t at = b->len;
        if (brk_pg_bin_value(b, v, oid, err)) /* callers check with brk_pg_bin_check_column */
            b->len = at;
        return;
    }
    int64_t i = v->kind == QV_DOUBLE ? (int64_t)v->d : v->i;
    double d = v->kind == QV_DOUBLE ? v->d : (double)v->i;
    switch (oid) {
    case BRK_PG_INT4: brk_pg_put_i32(b, (int32_t)i); break;
    case BRK_PG_INT8: brk_pg_put_i64(b, i); break;
    case BRK_PG_BOOL: tn_buf_append(b, i ? "\1" : "\0", 1); break;
    case BRK_PG_FLOAT4: {
        float f = (float)d;
        uint32_t u;
        memcpy(&u, &f, 4);
        brk_pg_put_i32(b, (int32_t)u);
        break;
    }
    default: {
        uint64_t u;
        memcpy(&u, &d, 8);
        brk_pg_put_i64(b, (int64_t)u);
        break;
    }
    }
}

/* ---- parameters -------------------------------------------------------- */

static bool is_numeric_oid(int32_t oid)
{
    return oid == BRK_PG_INT2 || oid == BRK_PG_INT4 || oid == BRK_PG_INT8 ||
           oid == BRK_PG_FLOAT4 || oid == BRK_PG_FLOAT8 || oid == BRK_PG_NUMERIC;
}

/* [+-]digits[.digits][e[+-]digits], nothing else: safe to paste as is. */
static bool plain_number(const uint8_t *p, uint32_t n)
{
    uint32_t i = 0, digits = 0;
    if (i < n && (p[i] == '-' || p[i] == '+'))
        i++;
    for (; i < n && isdigit(p[i]); i++)
        digits++;
    if (i < n && p[i] == '.')
        for (i++; i < n && isdigit(p[i]); i++)
            digits++;
    if (!digits)
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '-' || p[i] == '+'))
            i++;
        uint32_t e = 0;
        for (; i < n && isdigit(p[i]); i++)
            e++;
        if (!e)
            return false;
    }
    return i == n;
}

/* A signed number goes in parentheses: after a minus in the query text
 * ("a-$1" with -1) it would otherwise start a "--" comment. */
static void put_number(tn_buf *out, const uint8_t *p, uint32_t n)
{
    bool sign = n && (p[0] == '-' || p[0] == '+');
    if (sign)
        tn_buf_append(out, "(", 1);
    tn_buf_append(out, p, n);
    if (sign)
        tn_buf_append(out, ")", 1);
}

static void put_quoted(tn_buf *out, const uint8_t *p, uint32_t n)
{
    tn_buf_append(out, "'", 1);
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] == '\'')
            tn_buf_append(out, "'", 1);
        tn_buf_append(out, &p[i], 1);
    }
    tn_buf_append(out, "'", 1);
}

static int put_binary_param(const brk_pg_param *pa, uint32_t k, tn_buf *out, bool *unsupported,
                            char *err)
{
    brk_pg_rd r;
    brk_pg_rd_init(&r, pa->p, pa->len);
    char tmp[48];
    switch (pa->oid) {
    case BRK_PG_TEXT: case BRK_PG_VARCHAR:
        put_quoted(out, pa->p, pa->len);
        return TN_OK;
    case BRK_PG_INT4:
        if (pa->len != 4)
            break;
        snprintf(tmp, sizeof tmp, "%" PRId32, brk_pg_get_i32(&r));
        put_number(out, (const uint8_t *)tmp, (uint32_t)strlen(tmp));
        return TN_OK;
    case BRK_PG_INT8:
    case BRK_PG_FLOAT8: {
        if (pa->len != 8)
            break;
        uint64_t u = (uint64_t)(uint32_t)brk_pg_get_i32(&r) << 32;
        u |= (uint32_t)brk_pg_get_i32(&r);
        if (pa->oid == BRK_PG_INT8) {
            snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)u);
        } else {
            double d;
            memcpy(&d, &u, 8);
            if (!isfinite(d))
                return tn_err(err, TN_EINVAL, "parameter $%u: float8 %g is not finite", k + 1, d);
            snprintf(tmp, sizeof tmp, "%.17g", d);
        }
        put_number(out, (const uint8_t *)tmp, (uint32_t)strlen(tmp));
        return TN_OK;
    }
    case BRK_PG_NUMERIC: case BRK_PG_DATE: case BRK_PG_TIMESTAMP: case BRK_PG_TIMESTAMPTZ: {
        tn_buf text = {0};
        char why[TN_ERRLEN];
        int rc = brk_pg_bin_to_text(pa->oid, pa->p, pa->len, &text, why);
        if (rc == TN_OK && pa->oid == BRK_PG_NUMERIC && plain_number(text.data, (uint32_t)text.len))
            put_number(out, text.data, (uint32_t)text.len);
        else if (rc == TN_OK) /* dates, timestamps, 'NaN', 'Infinity' */
            put_quoted(out, text.data, (uint32_t)text.len);
        tn_buf_free(&text);
        if (rc)
            return tn_err(err, TN_EINVAL, "parameter $%u: %s", k + 1, why);
        return TN_OK;
    }
    default:
        *unsupported = true;
        return tn_err(err, TN_EINVAL, "parameter $%u: binary format for type %" PRId32
                      " is not supported", k + 1, pa->oid);
    }
    return tn_err(err, TN_EINVAL, "parameter $%u: binary value of %u bytes is invalid for type %"
                  PRId32, k + 1, pa->len, pa->oid);
}

static int put_param(const brk_pg_param *pa, uint32_t k, tn_buf *out, bool *unsupported,
                     char *err)
{
    if (!pa->p) {
        put_text(out, "NULL");
        return TN_OK;
    }
    bool text = pa->format == 0 || pa->oid == BRK_PG_TEXT || pa->oid == BRK_PG_VARCHAR;
    if (text && memchr(pa->p, 0, pa->len))
        return tn_err(err, TN_EINVAL, "parameter $%u contains a NUL byte", k + 1);
    if (pa->format == 1)
        return put_binary_param(pa, k, out, unsupported, err);
    if (pa->format != 0)
        return tn_err(err, TN_EINVAL, "parameter $%u: format code %d", k + 1, pa->format);
    if (is_numeric_oid(pa->oid)) {
        if (!plain_number(pa->p, pa->len))
            return tn_err(err, TN_EINVAL, "invalid input syntax for type %s: \"%.*s\"",
                          pa->oid == BRK_PG_INT8 ? "bigint" : pa->oid == BRK_PG_INT4 ? "integer"
                          : "numeric", (int)TN_MIN(pa->len, 64u), (const char *)pa->p);
        put_number(out, pa->p, pa->len);
    } else if (pa->oid == BRK_PG_BOOL) {
        bool t = pa->len && strchr("tTyY1", pa->p[0]) != NULL;
        put_text(out, t ? "true" : "false");
    } else if (pa->oid == 0 && plain_number(pa->p, pa->len)) {
        /* unspecified type: a number stays a number, like PostgreSQL's
         * "unknown" literal resolving against a numeric column */
        put_number(out, pa->p, pa->len);
    } else {
        put_quoted(out, pa->p, pa->len);
    }
    return TN_OK;
}

/* Length of the quoted/commented span at sql[i] (0 if none starts there). */
static size_t skip_span(const char *sql, size_t i)
{
    char c = sql[i];
    size_t j = i + 1;
    if (c == '\'' || c == '"') {
        for (; sql[j]; j++)
            if (sql[j] == c) {
                if (sql[j + 1] != c)
                    return j + 1 - i;
                j++;
            }
        return j - i;
    }
    if (c == '-' && sql[j] == '-') {
        while (sql[j] && sql[j] != '\n')
            j++;
        return j - i;
    }
    if (c == '/' && sql[j] == '*') {
        const char *end = strstr(sql + j + 1, "*/");
        return end ? (size_t)(end + 2 - sql) - i : strlen(sql + i);
    }
    return 0;
}

int brk_pg_substitute(const char *sql, const brk_pg_param *params, uint32_t n, tn_buf *out,
                      bool *unsupported, char *err)
{
    *unsupported = false;
    tn_buf_reset(out);
    for (size_t i = 0; sql[i];) {
        size_t span = skip_span(sql, i);
        if (span) {
            tn_buf_append(out, sql + i, span);
            i += span;
            continue;
        }
        if (sql[i] != '$' || !isdigit((unsigned char)sql[i + 1])) {
            tn_buf_append(out, sql + i, 1);
            i++;
            continue;
        }
        char *end;
        unsigned long k = strtoul(sql + i + 1, &end, 10);
        if (k < 1 || k > n)
            return tn_err(err, TN_EINVAL, "there is no parameter $%lu", k);
        if (put_param(&params[k - 1], (uint32_t)(k - 1), out, unsupported, err))
            return -1;
        i = (size_t)(end - sql);
    }
    tn_buf_append(out, "", 1);
    return TN_OK;
}
