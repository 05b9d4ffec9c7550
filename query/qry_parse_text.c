/*
 * qry_parse_text.c: reading the original SQL text where PostgreSQL's parse
 * tree loses what Pinot needs: identifiers as written (PostgreSQL folds
 * unquoted ones to lower case), zero and negative integer constants
 * (libpg_query 15-4.0.0 prints them as "ival": {}), type names as written,
 * and the trailing OPTION(...) clause that is not SQL at all.
 *
 * The lexer knows just enough of PostgreSQL's (scan.l) to step over
 * comments, strings and quoted identifiers without being misled by them.
 */
#include "qry_parse_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum qp_tok_kind { TK_END, TK_IDENT, TK_QIDENT, TK_OTHER } qp_tok_kind;

typedef struct qp_tok {
    qp_tok_kind kind;
    size_t start, end;   /* [start, end) in the text */
} qp_tok;

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' ||
           ch == '\v';
}

static bool ident_start(char ch)
{
    unsigned char u = (unsigned char)ch;
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

static bool ident_cont(char ch)
{
    return ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '$';
}

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static char ascii_upper(char ch)
{
    return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

/* Skips white space and both comment forms (block comments nest). */
static size_t skip_blank(const char *s, size_t len, size_t i)
{
    for (;;) {
        while (i < len && is_space(s[i]))
            i++;
        if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
            int depth = 0;
            while (i < len) {
                if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (i + 1 < len && s[i] == '*' && s[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    i++;
                }
            }
        } else {
            return i;
        }
    }
}

/* End of a quoted run starting at the quote s[i]; a doubled quote is part of
 * it, and so is a backslash escape when backslash is set (E'...'). */
static size_t skip_quoted(const char *s, size_t len, size_t i, bool backslash)
{
    char q = s[i++];
    while (i < len) {
        if (backslash && s[i] == '\\' && i + 1 < len) {
            i += 2;
        } else if (s[i] == q) {
            if (i + 1 < len && s[i + 1] == q)
                i += 2;
            else
                return i + 1;
        } else {
            i++;
        }
    }
    return len;
}

/* $tag$ ... $tag$ starting at s[i] == '$', or 0 when it is not one. */
static size_t skip_dollar(const char *s, size_t len, size_t i)
{
    size_t t = i + 1;
    while (t < len && ident_cont(s[t]) && s[t] != '$')
        t++;
    if (t >= len || s[t] != '$' || (t > i + 1 && !ident_start(s[i + 1])))
        return 0;
    size_t taglen = t + 1 - i;
    for (size_t k = t + 1; k + taglen <= len; k++)
        if (memcmp(s + k, s + i, taglen) == 0)
            return k + taglen;
    return len;
}

static void next_tok(const char *s, size_t len, size_t i, qp_tok *t)
{
    i = skip_blank(s, len, i);
    t->start = i;
    if (i >= len) {
        t->kind = TK_END;
        t->end = len;
        return;
    }
    char ch = s[i];
    if ((ch == 'E' || ch == 'e') && i + 1 < len && s[i + 1] == '\'') {
        t->kind = TK_OTHER;
        t->end = skip_quoted(s, len, i + 1, true);
    } else if (ident_start(ch)) {
        size_t k = i + 1;
        while (k < len && ident_cont(s[k]))
            k++;
        t->kind = TK_IDENT;
        t->end = k;
    } else if (ch == '"') {
        t->kind = TK_QIDENT;
        t->end = skip_quoted(s, len, i, false);
    } else if (ch == '\'') {
        t->kind = TK_OTHER;
        t->end = skip_quoted(s, len, i, false);
    } else if (ch == '$' && skip_dollar(s, len, i)) {
        t->kind = TK_OTHER;
        t->end = skip_dollar(s, len, i);
    } else if (ch >= '0' && ch <= '9') {
        size_t k = i + 1;
        while (k < len && (ident_cont(s[k]) || s[k] == '.' ||
                           ((s[k] == '+' || s[k] == '-') &&
                            (s[k - 1] == 'e' || s[k - 1] == 'E'))))
            k++;
        t->kind = TK_OTHER;
        t->end = k;
    } else {
        t->kind = TK_OTHER;
        t->end = i + 1;
    }
}

/* The identifier's text: quotes removed and doubled quotes undone. */
static char *tok_text(qp_ctx *c, const qp_tok *t)
{
    if (t->kind != TK_QIDENT)
        return qry_strndup(&c->q->arena, c->sql + t->start, t->end - t->start);
    size_t n = t->end - t->start;
    char *out = qry_alloc(&c->q->arena, n + 1);
    size_t o = 0;
    /* an unterminated quoted identifier cannot reach here: PostgreSQL
     * rejects it first; still, stay inside [start + 1, end - 1) */
    for (size_t i = t->start + 1; i + 1 < t->end; i++) {
        out[o++] = c->sql[i];
        if (c->sql[i] == '"' && c->sql[i + 1] == '"')
            i++;
    }
    out[o] = '\0';
    return out;
}

/* Whether the token spells the parse tree's sval: quoted ones exactly,
 * unquoted ones after PostgreSQL's folding (ASCII only). PostgreSQL cuts
 * names to 63 bytes, so a long sval may be a prefix of what was written. */
static bool tok_matches(const qp_tok *t, const char *text, const char *sval)
{
    size_t n = strlen(text), m = strlen(sval);
    if (m > n || (m < n && m < 60))
        return false;
    for (size_t i = 0; i < m; i++) {
        char a = t->kind == TK_QIDENT ? text[i] : ascii_lower(text[i]);
        if (a != sval[i])
            return false;
    }
    return true;
}

int qp_skip_blank(qp_ctx *c, int pos)
{
    return pos < 0 ? pos : (int)skip_blank(c->sql, c->len, (size_t)pos);
}

char *qp_written_ident(qp_ctx *c, int loc, const char *const *svals, int nparts)
{
    char *fallback = qry_strndup(&c->q->arena, svals[nparts - 1],
                                 strlen(svals[nparts - 1]));
    if (loc < 0 || (size_t)loc >= c->len)
        return fallback;
    size_t i = (size_t)loc;
    char *text = NULL;
    for (int k = 0; k < nparts; k++) {
        qp_tok t;
        next_tok(c->sql, c->len, i, &t);
        if (t.kind != TK_IDENT && t.kind != TK_QIDENT)
            return fallback;
        text = tok_text(c, &t);
        if (!tok_matches(&t, text, svals[k]))
            return fallback;
        i = skip_blank(c->sql, c->len, t.end);
        if (k + 1 < nparts) {
            if (i >= c->len || c->sql[i] != '.')
                return fallback;
            i++;
        }
    }
    return text;
}

char *qp_written_alias(qp_ctx *c, int from, int to, const char *sval)
{
    size_t end = to < 0 || (size_t)to > c->len ? c->len : (size_t)to;
    size_t i = from < 0 ? 0 : (size_t)from;
    char *found = NULL;
    int depth = 0;
    while (i < end) {
        qp_tok t;
        next_tok(c->sql, c->len, i, &t);
        if (t.kind == TK_END || t.start >= end)
            break;
        size_t n = t.end - t.start;
        const char *p = c->sql + t.start;
        if (t.kind == TK_OTHER && n == 1 && (*p == '(' || *p == '['))
            depth++;
        else if (t.kind == TK_OTHER && n == 1 && (*p == ')' || *p == ']'))
            depth--;
        else if (depth == 0 && t.kind == TK_OTHER && n == 1 && *p == ',')
            break;
        else if (depth == 0 && t.kind == TK_IDENT && n == 4 &&
                 ascii_lower(p[0]) == 'f' && ascii_lower(p[1]) == 'r' &&
                 ascii_lower(p[2]) == 'o' && ascii_lower(p[3]) == 'm')
            break;
        if (t.kind == TK_IDENT || t.kind == TK_QIDENT) {
            char *text = tok_text(c, &t);
            if (tok_matches(&t, text, sval))
                found = text;
        }
        i = t.end;
    }
    return found ? found : qry_strndup(&c->q->arena, sval, strlen(sval));
}

bool qp_text_int(qp_ctx *c, int loc, int64_t *out)
{
    if (loc < 0 || (size_t)loc >= c->len)
        return false;
    const char *s = c->sql;
    size_t i = (size_t)loc;
    bool neg = false, sign_seen = false;
    for (;;) {
        i = skip_blank(s, c->len, i);
        if (i < c->len && s[i] == '-') {
            neg = !neg;
            sign_seen = true;
        } else if (i >= c->len || (s[i] != '+' && s[i] != '(')) {
            break;
        }
        i++;
    }
    if (i >= c->len || s[i] < '0' || s[i] > '9')
        return false;
    /* SET x = -5 puts the location on the digit, after the sign */
    if (!sign_seen) {
        size_t b = (size_t)loc;
        while (b > 0 && is_space(s[b - 1]))
            b--;
        neg = b > 0 && s[b - 1] == '-';
    }
    uint64_t v = 0;
    for (; i < c->len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

char *qp_written_type(qp_ctx *c, int loc, const char *fallback)
{
    qp_tok t = { TK_END, 0, 0 };
    if (loc >= 0 && (size_t)loc < c->len)
        next_tok(c->sql, c->len, (size_t)loc, &t);
    const char *src = fallback;
    size_t n = strlen(fallback);
    if (t.kind == TK_QIDENT)
        return tok_text(c, &t);
    if (t.kind == TK_IDENT) {
        src = c->sql + t.start;
        n = t.end - t.start;
    }
    char *out = qry_strndup(&c->q->arena, src, n);
    for (char *p = out; *p; p++)
        *p = ascii_upper(*p);
    return out;
}

size_t qp_strip_option(const char *sql, size_t len, size_t *opt, size_t *optlen)
{
    *opt = *optlen = 0;
    size_t e = len;
    while (e > 0 && is_space(sql[e - 1]))
        e--;
    if (e > 0 && sql[e - 1] == ';')
        e--;
    while (e > 0 && is_space(sql[e - 1]))
        e--;
    if (e == 0 || sql[e - 1] != ')')
        return len;
    size_t close = e - 1, lo = close;
    while (lo > 0 && sql[lo - 1] != ')')
        lo--;
    /* the leftmost '(' after the last other ')' that follows "option\s*"
     * and has something inside: what Pinot's regex matches */
    for (size_t p = lo; p + 1 < close; p++) {
        if (sql[p] != '(')
            continue;
        size_t k = p;
        while (k > 0 && is_space(sql[k - 1]))
            k--;
        if (k < 6 || strncasecmp(sql + k - 6, "option", 6) != 0)
            continue;
        size_t start = k - 6;
        while (start > 0 && is_space(sql[start - 1]))
            start--;
        *opt = p + 1;
        *optlen = close - p - 1;
        return start;
    }
    return len;
}
