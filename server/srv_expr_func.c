/*
 * srv_expr_func.c: the functions ingestion expressions may call, named and
 * behaving as Pinot's scalar functions do (names are matched ignoring case
 * and underscores): arithmetic, epoch conversions, strings, JSON paths.
 * A function returns NULL for a NULL argument (Pinot skips the transform).
 */
#include "srv_expr_int.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool any_null(const srv_val *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i].kind == SV_NULL)
            return true;
    return false;
}

static int need_long(const srv_val *v, int64_t *out, char *err)
{
    bool is_int;
    double d;
    if (srv_val_number(v, &is_int, out, &d))
        return tn_err(err, TN_EINVAL, "expected a number");
    if (!is_int) {
        if (!(d >= -9.2e18 && d <= 9.2e18))
            return tn_err(err, TN_EINVAL, "number out of range");
        *out = (int64_t)d;
    }
    return TN_OK;
}

static int need_double(const srv_val *v, double *out, char *err)
{
    bool is_int;
    int64_t i;
    if (srv_val_number(v, &is_int, &i, out))
        return tn_err(err, TN_EINVAL, "expected a number");
    return TN_OK;
}

/* ---- arithmetic ----------------------------------------------------- */

#define ARITH_FN(fname, op)                                                        \
    static int fname(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out,    \
                     char *err)                                                    \
    {                                                                              \
        (void)n;                                                                   \
        (void)ar;                                                                  \
        return srv_val_arith(op, &a[0], &a[1], out, err);                          \
    }
ARITH_FN(fn_plus, '+')
ARITH_FN(fn_minus, '-')
ARITH_FN(fn_times, '*')
ARITH_FN(fn_divide, '/')
ARITH_FN(fn_mod, '%')

static int fn_unary_math(const srv_val *a, srv_val *out, int which, char *err)
{
    if (any_null(a, 1)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    if (a[0].kind == SV_LONG && which != 0) { /* ceil/floor of an integer */
        *out = a[0];
        return TN_OK;
    }
    double d;
    if (a[0].kind == SV_LONG) {
        *out = srv_long(a[0].i < 0 ? -a[0].i : a[0].i);
        return TN_OK;
    }
    int rc = need_double(&a[0], &d, err);
    if (rc)
        return rc;
    *out = srv_double(which == 0 ? fabs(d) : which == 1 ? ceil(d) : floor(d));
    return TN_OK;
}

static int fn_abs(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n, (void)ar;
    return fn_unary_math(a, out, 0, err);
}
static int fn_ceil(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n, (void)ar;
    return fn_unary_math(a, out, 1, err);
}
static int fn_floor(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n, (void)ar;
    return fn_unary_math(a, out, 2, err);
}

/* ---- epoch conversions ---------------------------------------------- */

/* toEpoch<Unit>(ms), toEpoch<Unit>Rounded(ms, r), toEpoch<Unit>Bucket(ms, b) */
static int to_epoch(const srv_val *a, uint32_t n, int64_t unit, int mode, srv_val *out,
                    char *err)
{
    int64_t ms, k = 1;
    if (any_null(a, n)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    int rc = need_long(&a[0], &ms, err);
    if (!rc && n > 1)
        rc = need_long(&a[1], &k, err);
    if (rc)
        return rc;
    if (k <= 0)
        return tn_err(err, TN_EINVAL, "the bucket size must be positive");
    int64_t v = ms / unit;
    *out = srv_long(mode == 1 ? v / k * k : mode == 2 ? v / k : v);
    return TN_OK;
}

/* fromEpoch<Unit>(v), fromEpoch<Unit>Bucket(v, b): epoch milliseconds */
static int from_epoch(const srv_val *a, uint32_t n, int64_t unit, srv_val *out, char *err)
{
    int64_t v, k = 1, ms;
    if (any_null(a, n)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    int rc = need_long(&a[0], &v, err);
    if (!rc && n > 1)
        rc = need_long(&a[1], &k, err);
    if (rc)
        return rc;
    if (__builtin_mul_overflow(v, k, &v) || __builtin_mul_overflow(v, unit, &ms))
        return tn_err(err, TN_EINVAL, "epoch value out of range");
    *out = srv_long(ms);
    return TN_OK;
}

#define EPOCH_FNS(U, unit)                                                                 \
    static int fn_to_##U(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *o, char *e) \
    {                                                                                      \
        (void)ar;                                                                          \
        return to_epoch(a, n, unit, 0, o, e);                                              \
    }                                                                                      \
    static int fn_to_##U##_r(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *o,      \
                             char *e)                                                      \
    {                                                                                      \
        (void)ar;                                                                          \
        return to_epoch(a, n, unit, 1, o, e);                                              \
    }                                                                                      \
    static int fn_to_##U##_b(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *o,      \
                             char *e)                                                      \
    {                                                                                      \
        (void)ar;                                                                          \
        return to_epoch(a, n, unit, 2, o, e);                                              \
    }                                                                                      \
    static int fn_from_##U(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *o,        \
                           char *e)                                                        \
    {                                                                                      \
        (void)ar;                                                                          \
        return from_epoch(a, n, unit, o, e);                                               \
    }
EPOCH_FNS(sec, 1000LL)
EPOCH_FNS(min, 60000LL)
EPOCH_FNS(hour, 3600000LL)
EPOCH_FNS(day, 86400000LL)

static int fn_now(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)a, (void)n, (void)ar, (void)err;
    *out = srv_long(tn_now_ms());
    return TN_OK;
}

/* ---- strings -------------------------------------------------------- */

static int text_arg(const srv_val *v, srv_arena *ar, const char **s, uint32_t *len,
                    char *err)
{
    if (srv_val_text(v, ar, s, len))
        return tn_err(err, TN_EINVAL, "expected a string");
    return TN_OK;
}

static int change_case(const srv_val *a, srv_arena *ar, srv_val *out, bool up, char *err)
{
    const char *s;
    uint32_t len;
    if (any_null(a, 1)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    int rc = text_arg(&a[0], ar, &s, &len, err);
    if (rc)
        return rc;
    char *d = srv_arena_alloc(ar, len + 1);
    for (uint32_t i = 0; i < len; i++)
        d[i] = (char)(up ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
    *out = srv_string(d, len);
    return TN_OK;
}

static int fn_upper(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n;
    return change_case(a, ar, out, true, err);
}
static int fn_lower(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n;
    return change_case(a, ar, out, false, err);
}

static int trim_side(const srv_val *a, srv_arena *ar, srv_val *out, bool left, bool right,
                     char *err)
{
    const char *s;
    uint32_t len;
    if (any_null(a, 1)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    int rc = text_arg(&a[0], ar, &s, &len, err);
    if (rc)
        return rc;
    while (left && len && isspace((unsigned char)*s))
        s++, len--;
    while (right && len && isspace((unsigned char)s[len - 1]))
        len--;
    *out = srv_string(s, len);
    return TN_OK;
}

static int fn_trim(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n;
    return trim_side(a, ar, out, true, true, err);
}
static int fn_ltrim(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n;
    return trim_side(a, ar, out, true, false, err);
}
static int fn_rtrim(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n;
    return trim_side(a, ar, out, false, true, err);
}

static int fn_length(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    (void)n;
    const char *s;
    uint32_t len;
    if (any_null(a, 1)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    int rc = text_arg(&a[0], ar, &s, &len, err);
    *out = srv_long(len);
    return rc;
}

/* concat(a, b[, separator]) */
static int fn_concat(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    const char *s[3] = {"", "", ""};
    uint32_t len[3] = {0, 0, 0};
    if (any_null(a, n)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        int rc = text_arg(&a[i], ar, &s[i], &len[i], err);
        if (rc)
            return rc;
    }
    uint32_t total = len[0] + len[1] + len[2];
    char *d = srv_arena_alloc(ar, total + 1);
    memcpy(d, s[0], len[0]);
    memcpy(d + len[0], s[2], len[2]);
    memcpy(d + len[0] + len[2], s[1], len[1]);
    *out = srv_string(d, total);
    return TN_OK;
}

/* substr(s, begin[, end]): 0-based, end exclusive, -1 = to the end (Pinot) */
static int fn_substr(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    const char *s;
    uint32_t len;
    int64_t b, e = -1;
    if (any_null(a, n)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    int rc = text_arg(&a[0], ar, &s, &len, err);
    if (!rc)
        rc = need_long(&a[1], &b, err);
    if (!rc && n > 2)
        rc = need_long(&a[2], &e, err);
    if (rc)
        return rc;
    if (e < 0 || e > len)
        e = len;
    if (b < 0 || b > e)
        return tn_err(err, TN_EINVAL, "begin %lld is outside the string (length %u)",
                      (long long)b, len);
    *out = srv_string(s + b, (uint32_t)(e - b));
    return TN_OK;
}

/* replace(s, find, substitute) */
static int fn_replace(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, char *err)
{
    const char *s[3];
    uint32_t len[3];
    if (any_null(a, n)) {
        *out = (srv_val){0};
        return TN_OK;
    }
    for (uint32_t i = 0; i < 3; i++) {
        int rc = text_arg(&a[i], ar, &s[i], &len[i], err);
        if (rc)
            return rc;
    }
    tn_buf b = {0};
    for (uint32_t i = 0; i < len[0];) {
        if (len[1] && i + len[1] <= len[0] && !memcmp(s[0] + i, s[1], len[1])) {
            tn_buf_append(&b, s[2], len[2]);
            i += len[1];
        } else {
            tn_buf_append(&b, s[0] + i++, 1);
        }
    }
    char *d = srv_arena_strndup(ar, b.len ? (const char *)b.data : "", b.len);
    *out = srv_string(d, (uint32_t)b.len);
    tn_buf_free(&b);
    return TN_OK;
}

/* ---- JSON ----------------------------------------------------------- */

/* The JSON tree of an argument: a source object/array, or JSON text. */
static const cJSON *json_arg(const srv_val *v, srv_arena *ar)
{
    if (v->kind == SV_JSON)
        return v->json;
    if (v->kind != SV_STRING)
        return NULL;
    cJSON *j = cJSON_ParseWithLength(v->s, v->len);
    if (j)
        srv_arena_keep_json(ar, j);
    return j;
}

/* Follows a JSON path: $, .name, ['name'], [index]. NULL when a step is
 * missing; TN_EINVAL for a path outside this subset. */
static int json_path(const cJSON *j, const char *path, uint32_t plen, const cJSON **out,
                     char *err)
{
    const char *p = path, *end = path + plen;
    if (p == end || *p != '$')
        return tn_err(err, TN_EINVAL, "a JSON path starts with '$'");
    p++;
    while (p < end && j) {
        char key[256];
        size_t kl = 0;
        if (*p == '.') {
            p++;
            while (p < end && *p != '.' && *p != '[' && kl < sizeof key - 1)
                key[kl++] = *p++;
            key[kl] = 0;
            j = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, key) : NULL;
        } else if (*p == '[' && p + 1 < end && p[1] == '\'') {
            p += 2;
            while (p < end && *p != '\'' && kl < sizeof key - 1)
                key[kl++] = *p++;
            key[kl] = 0;
            if (p + 1 >= end || p[1] != ']')
                return tn_err(err, TN_EINVAL, "unterminated ['name'] in the JSON path");
            p += 2;
            j = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, key) : NULL;
        } else if (*p == '[') {
            char *e;
            long idx = strtol(p + 1, &e, 10);
            if (e == p + 1 || e >= end || *e != ']' || idx < 0)
                return tn_err(err, TN_EINVAL,
                              "JSON path: only .name, ['name'] and [index] steps are supported");
            p = e + 1;
            j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, (int)idx) : NULL;
        } else {
            return tn_err(err, TN_EINVAL, "JSON path: unexpected '%c'", *p);
        }
    }
    *out = j;
    return TN_OK;
}

/* kind: 0 string, 1 long, 2 double */
static int json_path_fn(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out, int kind,
                        char *err)
{
    *out = (srv_val){0};
    if (a[1].kind != SV_STRING)
        return tn_err(err, TN_EINVAL, "the JSON path must be a string");
    const cJSON *root = json_arg(&a[0], ar), *j = NULL;
    int rc = root ? json_path(root, a[1].s, a[1].len, &j, err) : TN_OK;
    if (rc)
        return rc;
    srv_val v = j ? srv_val_from_json(j) : (srv_val){0};
    if (v.kind == SV_NULL) {
        *out = n > 2 ? a[2] : v;
        return TN_OK;
    }
    if (kind == 0) {
        const char *s;
        uint32_t len;
        srv_val_text(&v, ar, &s, &len);
        *out = srv_string(s, len);
        return TN_OK;
    }
    bool is_int;
    int64_t i;
    double d;
    if (srv_val_number(&v, &is_int, &i, &d)) {
        if (n > 2) {
            *out = a[2];
            return TN_OK;
        }
        return tn_err(err, TN_EINVAL, "the value at %.*s is not a number", (int)a[1].len,
                      a[1].s);
    }
    *out = kind == 1 ? srv_long(is_int ? i : (int64_t)d) : srv_double(d);
    return TN_OK;
}

static int fn_jp_string(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *o, char *e)
{
    return json_path_fn(a, n, ar, o, 0, e);
}
static int fn_jp_long(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *o, char *e)
{
    return json_path_fn(a, n, ar, o, 1, e);
}
static int fn_jp_double(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *o, char *e)
{
    return json_path_fn(a, n, ar, o, 2, e);
}

/* jsonFormat(object): the JSON text of a value */
static int fn_json_format(const srv_val *a, uint32_t n, srv_arena *ar, srv_val *out,
                          char *err)
{
    (void)n, (void)err;
    if (a[0].kind == SV_NULL) {
        *out = a[0];
        return TN_OK;
    }
    const char *s;
    uint32_t len;
    if (a[0].kind == SV_STRING) { /* a string is quoted as JSON */
        cJSON *j = cJSON_CreateString(srv_arena_strndup(ar, a[0].s, a[0].len));
        srv_val v = {.kind = SV_JSON, .json = j};
        srv_val_text(&v, ar, &s, &len);
        cJSON_Delete(j);
    } else {
        srv_val_text(&a[0], ar, &s, &len);
    }
    *out = srv_string(s, len);
    return TN_OK;
}

/* ---- the table ------------------------------------------------------ */

static const srv_func funcs[] = {
    {"plus", 2, 2, fn_plus}, {"add", 2, 2, fn_plus},
    {"minus", 2, 2, fn_minus}, {"sub", 2, 2, fn_minus}, {"subtract", 2, 2, fn_minus},
    {"times", 2, 2, fn_times}, {"mult", 2, 2, fn_times}, {"multiply", 2, 2, fn_times},
    {"divide", 2, 2, fn_divide}, {"div", 2, 2, fn_divide},
    {"mod", 2, 2, fn_mod}, {"abs", 1, 1, fn_abs}, {"ceil", 1, 1, fn_ceil},
    {"floor", 1, 1, fn_floor},
    {"toepochseconds", 1, 1, fn_to_sec}, {"toepochsecondsrounded", 2, 2, fn_to_sec_r},
    {"toepochsecondsbucket", 2, 2, fn_to_sec_b}, {"fromepochseconds", 1, 1, fn_from_sec},
    {"fromepochsecondsbucket", 2, 2, fn_from_sec},
    {"toepochminutes", 1, 1, fn_to_min}, {"toepochminutesrounded", 2, 2, fn_to_min_r},
    {"toepochminutesbucket", 2, 2, fn_to_min_b}, {"fromepochminutes", 1, 1, fn_from_min},
    {"fromepochminutesbucket", 2, 2, fn_from_min},
    {"toepochhours", 1, 1, fn_to_hour}, {"toepochhoursrounded", 2, 2, fn_to_hour_r},
    {"toepochhoursbucket", 2, 2, fn_to_hour_b}, {"fromepochhours", 1, 1, fn_from_hour},
    {"fromepochhoursbucket", 2, 2, fn_from_hour},
    {"toepochdays", 1, 1, fn_to_day}, {"toepochdaysrounded", 2, 2, fn_to_day_r},
    {"toepochdaysbucket", 2, 2, fn_to_day_b}, {"fromepochdays", 1, 1, fn_from_day},
    {"fromepochdaysbucket", 2, 2, fn_from_day},
    {"now", 0, 0, fn_now},
    {"upper", 1, 1, fn_upper}, {"lower", 1, 1, fn_lower}, {"trim", 1, 1, fn_trim},
    {"ltrim", 1, 1, fn_ltrim}, {"rtrim", 1, 1, fn_rtrim}, {"length", 1, 1, fn_length},
    {"concat", 2, 3, fn_concat}, {"substr", 2, 3, fn_substr}, {"replace", 3, 3, fn_replace},
    {"jsonpathstring", 2, 3, fn_jp_string}, {"jsonpathlong", 2, 3, fn_jp_long},
    {"jsonpathdouble", 2, 3, fn_jp_double}, {"jsonformat", 1, 1, fn_json_format},
};

const srv_func *srv_func_find(const char *name)
{
    char canon[64];
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if (*p == '_')
            continue;
        if (n + 1 >= sizeof canon)
            return NULL;
        canon[n++] = (char)tolower((unsigned char)*p);
    }
    canon[n] = 0;
    for (size_t i = 0; i < TN_ARRAY_LEN(funcs); i++)
        if (!strcmp(funcs[i].name, canon))
            return &funcs[i];
    return NULL;
}
