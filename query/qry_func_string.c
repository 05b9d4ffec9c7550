/*
 * qry_func_string.c: string functions with the semantics of Pinot's
 * StringFunctions (Java String and commons-lang StringUtils). Positions and
 * lengths count UTF-16 code units as Java does; strings are UTF-8 here, so
 * an ASCII string (the common case) skips the translation. Arguments that
 * are numbers arrive rendered as Java renders them. Results that are parts
 * of an input point into the input; new strings go into the batch arena.
 */
#include <string.h>
#include <unicode/ucasemap.h>

#include "qry_func_int.h"

/* Longest string a function may build (repeat, lpad): beyond it a query is
 * more likely a mistake than a report. */
#define STR_MAX_BUILD (16u << 20)

/* ---- UTF-8 positions as Java's UTF-16 indexes ---------------------------- */

static bool str_ascii(const char *s, size_t n)
{
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= (uint8_t)s[i];
    return any < 0x80;
}

/* Bytes of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static inline size_t str_seq(uint8_t c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Byte offset of the code point at s[i]'s successor, within n. */
static inline size_t str_next(const char *s, size_t n, size_t i)
{
    size_t k = i + str_seq((uint8_t)s[i]);
    return k < n ? k : n;
}

static int64_t str_u16len(const char *s, size_t n)
{
    int64_t len = 0;
    for (size_t i = 0; i < n; i = str_next(s, n, i))
        len += str_seq((uint8_t)s[i]) == 4 ? 2 : 1;
    return len;
}

/* Byte offset of UTF-16 index idx (clamped to [0, n]); an index inside a
 * surrogate pair moves past the pair. */
static size_t str_byte_at(const char *s, size_t n, int64_t idx)
{
    if (idx <= 0)
        return 0;
    int64_t u = 0;
    size_t i = 0;
    while (i < n && u < idx) {
        u += str_seq((uint8_t)s[i]) == 4 ? 2 : 1;
        i = str_next(s, n, i);
    }
    return i;
}

/* UTF-16 index of byte offset b. */
static int64_t str_u16_at(const char *s, size_t b)
{
    return str_u16len(s, b);
}

/* Code point at s[i] (stray bytes as themselves). */
static uint32_t str_decode(const char *s, size_t n, size_t i)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t k = str_seq(u[i]);
    if (k == 1 || i + k > n)
        return u[i];
    uint32_t cp = u[i] & (0x7F >> k);
    for (size_t j = 1; j < k; j++)
        cp = cp << 6 | (u[i + j] & 0x3F);
    return cp;
}

static size_t str_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- shared plumbing ----------------------------------------------------- */

static inline bool str_null(const uint8_t *nulls, uint32_t r)
{
    return nulls && nulls[r];
}

static inline void str_set(seg_value *v, const char *p, size_t len)
{
    v->s.p = p;
    v->s.len = (uint32_t)len;
}

/* Text of every argument in t[], ints of those in ints (a bitmask of
 * argument positions) in l[], and the result vector with the union of the
 * arguments' NULL rows. */
static int str_inputs(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, unsigned ints, const seg_value **t,
                      const int64_t **l, qry_vec **out, qry_err *err)
{
    uint8_t *nulls = qry_fn_nulls(cx->arena, args, e->nargs, n);
    for (uint32_t k = 0; k < e->nargs; k++) {
        if (ints >> k & 1) {
            if (qry_fn_longs(e, args[k], nulls, cx->arena, &l[k], err))
                return -1;
        } else {
            qry_fn_texts(args[k], cx->arena, &t[k]);
        }
    }
    *out = qry_fn_result(e, cx, n, nulls);
    return 0;
}

static int str_too_long(const qry_expr *e, qry_err *err)
{
    return qry_fail(err, QRY_ERR_EXEC, e->position,
                    "%s: result longer than %u bytes", qry_fn_name(e),
                    STR_MAX_BUILD);
}

/* Java's int parameter from a long argument. */
static inline int64_t str_int(int64_t v)
{
    return (int32_t)(uint32_t)(uint64_t)v;
}

/* ---- case mapping -------------------------------------------------------- */

static int str_case(const qry_expr *e, qry_vec *const *args, uint32_t n,
                    qry_eval_ctx *cx, qry_vec **out, qry_err *err, bool upper)
{
    const seg_value *t[1];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    UCaseMap *map = NULL;
    UErrorCode st = U_ZERO_ERROR;
    for (uint32_t r = 0; r < n && U_SUCCESS(st); r++) {
        if (str_null(v->nulls, r))
            continue;
        const char *s = t[0][r].s.p;
        size_t len = t[0][r].s.len;
        if (str_ascii(s, len)) {
            char *p = qry_fn_room(&o, len);
            for (size_t i = 0; i < len; i++) {
                char c = s[i];
                p[i] = upper ? (c >= 'a' && c <= 'z' ? c - 32 : c)
                             : (c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            str_set(&v->s[r], p, len);
            qry_fn_keep(&o, len);
            continue;
        }
        /* Unicode case mapping (full: "ß" upper-cases to "SS"), as Java's
         * toUpperCase in a root-like locale */
        if (!map)
            map = ucasemap_open("", 0, &st);
        size_t cap = len * 3 + 4;
        char *p = qry_fn_room(&o, cap);
        int32_t c = (int32_t)cap, l = (int32_t)len;
        int32_t m = upper ? ucasemap_utf8ToUpper(map, p, c, s, l, &st)
                          : ucasemap_utf8ToLower(map, p, c, s, l, &st);
        if (U_SUCCESS(st)) {
            str_set(&v->s[r], p, (size_t)m);
            qry_fn_keep(&o, (size_t)m);
        }
    }
    ucasemap_close(map);
    if (U_FAILURE(st))
        return qry_fail(err, QRY_ERR_EXEC, e->position, "%s: %s", qry_fn_name(e),
                        u_errorName(st));
    return 0;
}

static int eval_upper(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_case(e, args, n, cx, out, err, true);
}

static int eval_lower(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_case(e, args, n, cx, out, err, false);
}

/* ---- reverse, trims ------------------------------------------------------ */

static int eval_reverse(const qry_expr *e, qry_vec *const *args, uint32_t n,
                        qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[1];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const char *s = t[0][r].s.p;
        size_t len = t[0][r].s.len;
        char *p = qry_fn_room(&o, len);
        /* code points keep their byte order, in reverse sequence */
        for (size_t i = 0; i < len;) {
            size_t k = str_next(s, len, i);
            memcpy(p + len - k, s + i, k - i);
            i = k;
        }
        str_set(&v->s[r], p, len);
        qry_fn_keep(&o, len);
    }
    return 0;
}

/* Java's String.trim cuts every char <= ' '; ltrim/rtrim use the regex \s,
 * which is [ \t\n\x0B\f\r]. */
static inline bool str_ctl(char c)
{
    return (uint8_t)c <= ' ';
}

static inline bool str_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int str_trim(const qry_expr *e, qry_vec *const *args, uint32_t n,
                    qry_eval_ctx *cx, qry_vec **out, qry_err *err, int which)
{
    const seg_value *t[1];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const char *s = t[0][r].s.p;
        size_t b = 0, len = t[0][r].s.len;
        if (which == 0) {
            while (b < len && str_ctl(s[b]))
                b++;
            while (len > b && str_ctl(s[len - 1]))
                len--;
        } else if (which < 0) {
            while (b < len && str_space(s[b]))
                b++;
        } else {
            while (len > 0 && str_space(s[len - 1]))
                len--;
        }
        str_set(&v->s[r], s ? s + b : s, len - b);
    }
    return 0;
}

static int eval_trim(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_trim(e, args, n, cx, out, err, 0);
}

static int eval_ltrim(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_trim(e, args, n, cx, out, err, -1);
}

static int eval_rtrim(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_trim(e, args, n, cx, out, err, 1);
}

/* ---- substrings ---------------------------------------------------------- */

/* StringUtils.substring(s, begin, end): negative positions count from the
 * end, then both are clamped to [0, length]; begin > end gives "". */
static void str_substring(const seg_value *in, int64_t begin, int64_t end,
                          bool to_end, seg_value *out)
{
    const char *s = in->s.p;
    size_t len = in->s.len;
    bool ascii = str_ascii(s, len);
    int64_t ulen = ascii ? (int64_t)len : str_u16len(s, len);
    if (to_end)
        end = ulen;
    if (end < 0)
        end += ulen;
    if (begin < 0)
        begin += ulen;
    end = end > ulen ? ulen : end;
    begin = begin < 0 ? 0 : begin;
    if (begin >= end) {
        str_set(out, s, 0);
        return;
    }
    size_t b = ascii ? (size_t)begin : str_byte_at(s, len, begin);
    size_t x = ascii ? (size_t)end : str_byte_at(s, len, end);
    str_set(out, s + b, x - b);
}

/* substr(s, begin[, end]): 0-based, end exclusive, end -1 = to the end. */
static int eval_substr(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[3];
    const int64_t *l[3];
    if (str_inputs(e, args, n, cx, 6, t, l, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        int64_t end = e->nargs > 2 ? str_int(l[2][r]) : -1;
        str_substring(&t[0][r], str_int(l[1][r]), end, end == -1, &v->s[r]);
    }
    return 0;
}

/* leftSubStr(s, n) / rightSubStr(s, n): StringUtils.left / right. */
static int str_side(const qry_expr *e, qry_vec *const *args, uint32_t n,
                    qry_eval_ctx *cx, qry_vec **out, qry_err *err, bool left)
{
    const seg_value *t[2];
    const int64_t *l[2];
    if (str_inputs(e, args, n, cx, 2, t, l, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        int64_t k = str_int(l[1][r]);
        const seg_value *in = &t[0][r];
        if (k < 0)
            str_set(&v->s[r], in->s.p, 0);
        else if (left)
            str_substring(in, 0, k, false, &v->s[r]);
        else
            str_substring(in, -k, 0, true, &v->s[r]);
    }
    return 0;
}

static int eval_leftsubstr(const qry_expr *e, qry_vec *const *args, uint32_t n,
                           qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_side(e, args, n, cx, out, err, true);
}

static int eval_rightsubstr(const qry_expr *e, qry_vec *const *args, uint32_t n,
                            qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_side(e, args, n, cx, out, err, false);
}

/* ---- concat, replace, remove, repeat, pads ------------------------------- */

/* concat(a, b[, separator]) = a + separator + b. */
static int eval_concat(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[3];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const seg_value *a = &t[0][r], *b = &t[1][r];
        const seg_value *sep = e->nargs > 2 ? &t[2][r] : NULL;
        size_t la = a->s.len, lb = b->s.len, ls = sep ? sep->s.len : 0;
        char *p = qry_fn_room(&o, la + ls + lb);
        memcpy(p, a->s.p, la);
        if (ls)
            memcpy(p + la, sep->s.p, ls);
        memcpy(p + la + ls, b->s.p, lb);
        str_set(&v->s[r], p, la + ls + lb);
        qry_fn_keep(&o, la + ls + lb);
    }
    return 0;
}

static const char *str_find(const char *s, size_t n, const char *f, size_t fn)
{
    if (fn == 0)
        return s;
    return fn <= n ? memmem(s, n, f, fn) : NULL;
}

/* Every non-overlapping find in s, left to right, replaced with with. */
static int str_replace_row(qry_fn_out *o, const seg_value *s, const seg_value *f,
                           const seg_value *with, seg_value *res)
{
    size_t n = s->s.len, fn = f->s.len, wn = with ? with->s.len : 0;
    if (fn == 0) {
        *res = *s;
        return 0;
    }
    size_t count = 0;
    const char *end = s->s.p + n;
    for (const char *p = s->s.p; (p = str_find(p, (size_t)(end - p), f->s.p, fn));
         p += fn)
        count++;
    size_t total = n - count * fn + count * wn;
    if (total > STR_MAX_BUILD)
        return -1;
    char *dst = qry_fn_room(o, total), *q = dst;
    const char *p = s->s.p, *hit;
    while ((hit = str_find(p, (size_t)(end - p), f->s.p, fn))) {
        memcpy(q, p, (size_t)(hit - p));
        q += hit - p;
        if (wn)
            memcpy(q, with->s.p, wn);
        q += wn;
        p = hit + fn;
    }
    memcpy(q, p, (size_t)(end - p));
    str_set(res, dst, total);
    qry_fn_keep(o, total);
    return 0;
}

static int eval_replace(const qry_expr *e, qry_vec *const *args, uint32_t n,
                        qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[3];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    for (uint32_t r = 0; r < n; r++) {
        if (!str_null(v->nulls, r) &&
            str_replace_row(&o, &t[0][r], &t[1][r], e->nargs > 2 ? &t[2][r] : NULL,
                            &v->s[r]))
            return str_too_long(e, err);
    }
    return 0;
}

/* repeat(s, times) and repeat(s, separator, times). */
static int eval_repeat(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[3];
    const int64_t *l[3];
    uint32_t ti = e->nargs - 1;
    if (str_inputs(e, args, n, cx, 1u << ti, t, l, out, err))
        return -1;
    qry_vec *v = *out;
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        int64_t times = str_int(l[ti][r]);
        const seg_value *s = &t[0][r], *sep = ti == 2 ? &t[1][r] : NULL;
        size_t ls = s->s.len, lsep = sep ? sep->s.len : 0;
        if (times <= 0) {
            str_set(&v->s[r], s->s.p, 0);
            continue;
        }
        uint64_t total = (uint64_t)times * ls + (uint64_t)(times - 1) * lsep;
        if (total > STR_MAX_BUILD)
            return str_too_long(e, err);
        char *p = qry_fn_room(&o, total), *q = p;
        for (int64_t k = 0; k < times; k++) {
            if (k && lsep) {
                memcpy(q, sep->s.p, lsep);
                q += lsep;
            }
            memcpy(q, s->s.p, ls);
            q += ls;
        }
        str_set(&v->s[r], p, total);
        qry_fn_keep(&o, total);
    }
    return 0;
}

/* The first `units` UTF-16 units of pad repeated (StringUtils' padding). */
static size_t str_pad_fill(const seg_value *pad, int64_t units, char *dst)
{
    const char *p = pad->s.len ? pad->s.p : " ";
    size_t pn = pad->s.len ? pad->s.len : 1, q = 0, i = 0;
    for (int64_t u = 0; u < units;) {
        size_t k = str_next(p, pn, i);
        memcpy(dst + q, p + i, k - i);
        q += k - i;
        u += k - i == 4 ? 2 : 1;
        i = k < pn ? k : 0;
    }
    return q;
}

/* lpad(s, size, pad) / rpad: StringUtils.leftPad / rightPad. */
static int str_pad(const qry_expr *e, qry_vec *const *args, uint32_t n,
                   qry_eval_ctx *cx, qry_vec **out, qry_err *err, bool left)
{
    const seg_value *t[3];
    const int64_t *l[3];
    if (str_inputs(e, args, n, cx, 2, t, l, out, err))
        return -1;
    qry_vec *v = *out;
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const seg_value *s = &t[0][r];
        int64_t units = str_int(l[1][r]) - str_u16len(s->s.p, s->s.len);
        if (units <= 0) {
            v->s[r] = *s;
            continue;
        }
        if ((uint64_t)units * 4 + s->s.len > STR_MAX_BUILD)
            return str_too_long(e, err);
        char *p = qry_fn_room(&o, (size_t)units * 4 + s->s.len);
        size_t len;
        if (left) {
            len = str_pad_fill(&t[2][r], units, p);
            memcpy(p + len, s->s.p, s->s.len);
            len += s->s.len;
        } else {
            memcpy(p, s->s.p, s->s.len);
            len = s->s.len + str_pad_fill(&t[2][r], units, p + s->s.len);
        }
        str_set(&v->s[r], p, len);
        qry_fn_keep(&o, len);
    }
    return 0;
}

static int eval_lpad(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_pad(e, args, n, cx, out, err, true);
}

static int eval_rpad(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_pad(e, args, n, cx, out, err, false);
}

/* ---- numbers and booleans about strings ---------------------------------- */

static int eval_length(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[1];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (!str_null(v->nulls, r))
            v->i[r] = str_u16len(t[0][r].s.p, t[0][r].s.len);
    }
    return 0;
}

/* StringUtils.ordinalIndexOf: the instance-th match (overlapping matches
 * count), -1 when there is none or instance < 1. */
static int64_t str_ordinal(const seg_value *s, const seg_value *f, int64_t instance)
{
    if (instance <= 0)
        return -1;
    if (f->s.len == 0)
        return 0;
    const char *base = s->s.p, *hit = NULL;
    size_t from = 0, len = s->s.len;
    for (int64_t k = 0; k < instance; k++) {
        hit = from <= len ? str_find(base + from, len - from, f->s.p, f->s.len) : NULL;
        if (!hit)
            return -1;
        from = (size_t)(hit - base) + 1;
    }
    return str_u16_at(base, (size_t)(hit - base));
}

/* strpos(s, find[, instance]): 0-based index of a match, -1 if none. */
static int eval_strpos(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[3];
    const int64_t *l[3];
    if (str_inputs(e, args, n, cx, 4, t, l, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (!str_null(v->nulls, r))
            v->i[r] = str_ordinal(&t[0][r], &t[1][r],
                                  e->nargs > 2 ? str_int(l[2][r]) : 1);
    }
    return 0;
}

/* strrpos(s, find): index of the last match; an empty find is at the end. */
static int eval_strrpos(const qry_expr *e, qry_vec *const *args, uint32_t n,
                        qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[2];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const seg_value *s = &t[0][r], *f = &t[1][r];
        int64_t at = -1;
        for (const char *p = s->s.p, *end = p + s->s.len, *hit;
             p <= end && (hit = str_find(p, (size_t)(end - p), f->s.p, f->s.len));
             p = hit + 1)
            at = hit - s->s.p;
        v->i[r] = at < 0 ? -1 : str_u16_at(s->s.p, (size_t)at);
    }
    return 0;
}

typedef enum str_test { T_STARTS, T_ENDS, T_CONTAINS } str_test;

static int str_match(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err, str_test test)
{
    const seg_value *t[2];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const seg_value *s = &t[0][r], *f = &t[1][r];
        size_t sn = s->s.len, fn = f->s.len;
        bool ok = fn <= sn;
        if (ok && test == T_STARTS)
            ok = memcmp(s->s.p, f->s.p, fn) == 0;
        else if (ok && test == T_ENDS)
            ok = memcmp(s->s.p + sn - fn, f->s.p, fn) == 0;
        else if (ok)
            ok = str_find(s->s.p, sn, f->s.p, fn) != NULL;
        v->i[r] = ok;
    }
    return 0;
}

static int eval_startswith(const qry_expr *e, qry_vec *const *args, uint32_t n,
                           qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_match(e, args, n, cx, out, err, T_STARTS);
}

static int eval_endswith(const qry_expr *e, qry_vec *const *args, uint32_t n,
                         qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_match(e, args, n, cx, out, err, T_ENDS);
}

static int eval_contains(const qry_expr *e, qry_vec *const *args, uint32_t n,
                         qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return str_match(e, args, n, cx, out, err, T_CONTAINS);
}

/* strcmp(a, b): String.compareTo, the difference of the first differing
 * characters, else of the lengths. */
static int eval_strcmp(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[2];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const char *a = t[0][r].s.p, *b = t[1][r].s.p;
        size_t an = t[0][r].s.len, bn = t[1][r].s.len, i = 0, j = 0;
        int64_t res = 0;
        for (; i < an && j < bn && !res; i = str_next(a, an, i), j = str_next(b, bn, j))
            res = (int64_t)str_decode(a, an, i) - (int64_t)str_decode(b, bn, j);
        if (!res)
            res = str_u16len(a + i, an - i) - str_u16len(b + j, bn - j);
        v->i[r] = res;
    }
    return 0;
}

/* codepoint(s): the first code point; Java fails on "". */
static int eval_codepoint(const qry_expr *e, qry_vec *const *args, uint32_t n,
                          qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[1];
    if (str_inputs(e, args, n, cx, 0, t, NULL, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        if (t[0][r].s.len == 0)
            return qry_fail(err, QRY_ERR_EXEC, e->position,
                            "codepoint: the string is empty");
        v->i[r] = str_decode(t[0][r].s.p, t[0][r].s.len, 0);
    }
    return 0;
}

/* chr(codepoint): the character, as Character.toChars. */
static int eval_chr(const qry_expr *e, qry_vec *const *args, uint32_t n,
                    qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const int64_t *l[1];
    if (str_inputs(e, args, n, cx, 1, NULL, l, out, err))
        return -1;
    qry_vec *v = *out;
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        int64_t cp = l[0][r];
        if (cp < 0 || cp > 0x10FFFF)
            return qry_fail(err, QRY_ERR_EXEC, e->position,
                            "chr: %lld is not a Unicode code point", (long long)cp);
        char *p = qry_fn_room(&o, 4);
        size_t k = str_encode((uint32_t)cp, p);
        str_set(&v->s[r], p, k);
        qry_fn_keep(&o, k);
    }
    return 0;
}

/* splitPart(s, delimiters, index): StringUtils.split splits at any of the
 * delimiter characters and drops empty tokens; past the end is "null". */
static int eval_splitpart(const qry_expr *e, qry_vec *const *args, uint32_t n,
                          qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t[3];
    const int64_t *l[3];
    if (str_inputs(e, args, n, cx, 4, t, l, out, err))
        return -1;
    qry_vec *v = *out;
    for (uint32_t r = 0; r < n; r++) {
        if (str_null(v->nulls, r))
            continue;
        const char *s = t[0][r].s.p, *d = t[1][r].s.p;
        size_t len = t[0][r].s.len, dn = t[1][r].s.len, i = 0;
        int64_t want = str_int(l[2][r]), k = 0;
        str_set(&v->s[r], "null", 4);
        while (want >= 0 && i < len) {
            while (i < len && dn && memchr(d, s[i], dn))
                i++;
            size_t b = i;
            while (i < len && !(dn && memchr(d, s[i], dn)))
                i++;
            if (i > b && k++ == want) {
                str_set(&v->s[r], s + b, i - b);
                break;
            }
        }
    }
    return 0;
}

static const qry_func string_funcs[] = {
    {"upper", 1, 1, qry_fn_bind_string, eval_upper},
    {"lower", 1, 1, qry_fn_bind_string, eval_lower},
    {"reverse", 1, 1, qry_fn_bind_string, eval_reverse},
    {"substr", 2, 3, qry_fn_bind_string, eval_substr},
    {"leftsubstr", 2, 2, qry_fn_bind_string, eval_leftsubstr},
    {"rightsubstr", 2, 2, qry_fn_bind_string, eval_rightsubstr},
    {"concat", 2, 3, qry_fn_bind_string, eval_concat},
    {"trim", 1, 1, qry_fn_bind_string, eval_trim},
    {"ltrim", 1, 1, qry_fn_bind_string, eval_ltrim},
    {"rtrim", 1, 1, qry_fn_bind_string, eval_rtrim},
    {"replace", 3, 3, qry_fn_bind_string, eval_replace},
    {"remove", 2, 2, qry_fn_bind_string, eval_replace},
    {"repeat", 2, 3, qry_fn_bind_string, eval_repeat},
    {"lpad", 3, 3, qry_fn_bind_string, eval_lpad},
    {"rpad", 3, 3, qry_fn_bind_string, eval_rpad},
    {"chr", 1, 1, qry_fn_bind_string, eval_chr},
    {"splitpart", 3, 3, qry_fn_bind_string, eval_splitpart},
    {"length", 1, 1, qry_fn_bind_int, eval_length},
    {"strpos", 2, 3, qry_fn_bind_int, eval_strpos},
    {"strrpos", 2, 2, qry_fn_bind_int, eval_strrpos},
    {"strcmp", 2, 2, qry_fn_bind_int, eval_strcmp},
    {"codepoint", 1, 1, qry_fn_bind_int, eval_codepoint},
    {"startswith", 2, 2, qry_fn_bind_boolean, eval_startswith},
    {"endswith", 2, 2, qry_fn_bind_boolean, eval_endswith},
    {"contains", 2, 2, qry_fn_bind_boolean, eval_contains},
};

const qry_func_table qry_func_string_table = {string_funcs,
                                              TN_ARRAY_LEN(string_funcs)};
