/*
 * brk_pg_cursor.c: SQL-level cursors on the PostgreSQL endpoint, as
 * psycopg2's named cursors and JDBC/ODBC drivers use them: DECLARE name
 * [BINARY] [NO SCROLL] CURSOR [WITH|WITHOUT HOLD] FOR select, FETCH and
 * MOVE forward (n, ALL, NEXT, FORWARD [n|ALL]) [FROM|IN] name, CLOSE
 * name|ALL. The result is materialized at DECLARE (Tannin's queries end
 * in one merged result anyway) and handed out in FETCH windows that share
 * it by reference, so a cursor costs its result's memory until CLOSE or
 * the end of its transaction.
 */
#include "brk_pg_int.h"
#include "brk_pg_bin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_ALL UINT32_MAX
#define MAX_NAME 64

void pg_rows_unref(pg_rows *r)
{
    if (r && --r->refs == 0) {
        qry_result_free(&r->res);
        free(r);
    }
}

static void cursor_free(pg_cursor *c)
{
    pg_rows_unref(c->rows);
    free(c->name);
    free(c);
}

void pg_cursor_free_all(brk_pg_sess *s)
{
    while (s->cursors) {
        pg_cursor *n = s->cursors->next;
        cursor_free(s->cursors);
        s->cursors = n;
    }
}

void pg_cursor_txn_end(brk_pg_sess *s, bool commit)
{
    for (pg_cursor **pp = &s->cursors; *pp;) {
        pg_cursor *c = *pp;
        if (!c->hold || (!commit && c->new_in_txn)) {
            *pp = c->next;
            cursor_free(c);
        } else {
            c->new_in_txn = false;
            pp = &c->next;
        }
    }
}

static pg_cursor **find_cursor(brk_pg_sess *s, const char *name)
{
    pg_cursor **pp = &s->cursors;
    while (*pp && strcmp((*pp)->name, name))
        pp = &(*pp)->next;
    return pp;
}

/* ---- lexing ------------------------------------------------------------ */

/* A cursor name: "quoted" (kept as is, "" for a quote) or a plain word
 * (lowercased, PostgreSQL's folding). Empty when there is none. */
static const char *ident(const char *p, char *name, size_t cap)
{
    p = pg_skip_ws(p);
    if (*p != '"')
        return pg_word(p, name, cap);
    size_t n = 0;
    for (p++; *p; p++) {
        if (*p == '"' && p[1] != '"')
            break;
        if (*p == '"')
            p++;
        if (n + 1 < cap)
            name[n++] = *p;
    }
    name[n] = 0;
    return *p == '"' ? p + 1 : p;
}

/* Nothing but blanks, comments and one ';' left. */
static bool at_end(const char *p)
{
    p = pg_skip_ws(p);
    if (*p == ';')
        p = pg_skip_ws(p + 1);
    return !*p;
}

/* A count: digits, optionally signed. false when p has none. */
static bool count_at(const char *p, const char **end, long long *v)
{
    p = pg_skip_ws(p);
    if (!(*p >= '0' && *p <= '9') && !((*p == '-' || *p == '+') && p[1] >= '0' && p[1] <= '9'))
        return false;
    char *e;
    errno = 0;
    *v = strtoll(p, &e, 10);
    if (errno)
        *v = *p == '-' ? LLONG_MIN : LLONG_MAX;
    *end = e;
    return true;
}

/* ---- DECLARE ----------------------------------------------------------- */

typedef struct declare_opts {
    char name[MAX_NAME];
    bool binary, hold;
    const char *query;
} declare_opts;

/* Parses what follows DECLARE up to the query; false with o an error. */
static bool parse_declare(const char *p, declare_opts *d, pg_outcome *o)
{
    p = ident(p, d->name, sizeof d->name);
    char w[32];
    for (;;) {
        p = pg_word(p, w, sizeof w);
        if (!strcmp(w, "no")) /* NO SCROLL: forward only is all there is */
            p = pg_word(p, w, sizeof w);
        else if (!strcmp(w, "binary"))
            d->binary = true;
        else if (!strcmp(w, "scroll")) {
            pg_outcome_error(o, "0A000", -1, "SCROLL cursors are not supported: cursors "
                             "move forward only");
            return false;
        } else if (strcmp(w, "insensitive") && strcmp(w, "asensitive"))
            break;
    }
    if (!d->name[0] || strcmp(w, "cursor")) {
        pg_outcome_error(o, "42601", -1, "syntax error in DECLARE: expected DECLARE name "
                         "[BINARY] [NO SCROLL] CURSOR [WITH[OUT] HOLD] FOR query");
        return false;
    }
    p = pg_word(p, w, sizeof w);
    if (!strcmp(w, "with") || !strcmp(w, "without")) {
        d->hold = !strcmp(w, "with");
        p = pg_word(p, w, sizeof w);
        if (strcmp(w, "hold")) {
            pg_outcome_error(o, "42601", -1, "syntax error in DECLARE: expected HOLD");
            return false;
        }
        p = pg_word(p, w, sizeof w);
    }
    if (strcmp(w, "for")) {
        pg_outcome_error(o, "42601", -1, "syntax error in DECLARE: expected FOR query");
        return false;
    }
    d->query = pg_skip_ws(p);
    return true;
}

/* A BINARY cursor needs a binary form for every column. */
static bool binary_checked(const qry_result *r, pg_outcome *o)
{
    for (uint32_t c = 0; c < r->ncols; c++) {
        int32_t oid = brk_pg_type_oid(r->types[c]);
        if (!brk_pg_binary_ok(oid)) {
            pg_outcome_error(o, "0A000", -1, "binary format for column \"%s\" (type %d) is not "
                             "supported", r->names[c], oid);
            return false;
        }
        char err[TN_ERRLEN];
        int rc = brk_pg_bin_has(oid) ? brk_pg_bin_check_column(r, c, oid, err) : 0;
        if (rc) {
            pg_outcome_error(o, brk_pg_bin_sqlstate(oid, rc, true), -1, "%s", err);
            return false;
        }
    }
    return true;
}

/* Runs the query and keeps its rows; o gets the tag or an error. */
static void run_declare(brk_pg_sess *s, const char *p, pg_outcome *o)
{
    declare_opts d = {0};
    if (!parse_declare(p, &d, o))
        return;
    if (*find_cursor(s, d.name)) {
        pg_outcome_error(o, "42P03", -1, "cursor \"%s\" already exists", d.name);
        return;
    }
    if (!d.hold && s->txn == 'I') {
        pg_outcome_error(o, "25P01", -1, "DECLARE CURSOR can only be used in transaction blocks");
        return;
    }
    char w[16];
    pg_word(d.query, w, sizeof w);
    if (strcmp(w, "select") && strcmp(w, "with")) {
        pg_outcome_error(o, "42601", -1, "DECLARE CURSOR needs a SELECT, not \"%s\"", w);
        return;
    }
    pg_outcome q;
    brk_pg_run_stmt(s, d.query, &q);
    if (q.kind == PG_OUT_ERROR) {
        *o = q; /* the query's own error */
        o->position = -1;
        return;
    }
    if (q.kind != PG_OUT_ROWS || q.is_show || (d.binary && !binary_checked(&q.res, o))) {
        if (o->kind != PG_OUT_ERROR)
            pg_outcome_error(o, "42601", -1, "DECLARE CURSOR needs a query that returns rows");
        pg_outcome_free(&q);
        return;
    }
    pg_cursor *c = tn_calloc(1, sizeof *c);
    c->name = tn_strdup(d.name);
    c->rows = tn_calloc(1, sizeof *c->rows);
    c->rows->refs = 1;
    c->rows->res = q.res; /* taken over from q */
    c->hold = d.hold;
    c->binary = d.binary;
    c->new_in_txn = s->txn == 'T';
    c->next = s->cursors;
    s->cursors = c;
    o->kind = PG_OUT_TAG;
    snprintf(o->tag, sizeof o->tag, "DECLARE CURSOR");
}

/* ---- FETCH / MOVE ------------------------------------------------------ */

/* [NEXT | ALL | n | FORWARD [n | ALL]] [FROM | IN] name. Backward and
 * absolute moves answer 0A000. */
static bool parse_fetch(const char *p, uint32_t *count, char *name, pg_outcome *o)
{
    char w[32];
    long long n = 1;
    const char *after = pg_word(p, w, sizeof w);
    if (!strcmp(w, "forward")) {
        p = after;
        after = pg_word(p, w, sizeof w);
    }
    if (!strcmp(w, "next")) {
        p = after;
    } else if (!strcmp(w, "all")) {
        n = FETCH_ALL;
        p = after;
    } else if (count_at(p, &after, &n)) {
        p = after;
    } else if (!strcmp(w, "prior") || !strcmp(w, "first") || !strcmp(w, "last") ||
               !strcmp(w, "absolute") || !strcmp(w, "relative") || !strcmp(w, "backward")) {
        pg_outcome_error(o, "0A000", -1, "FETCH %s is not supported: cursors move forward only",
                         w);
        return false;
    }
    if (n < 0) {
        pg_outcome_error(o, "0A000", -1, "a negative count is not supported: cursors move "
                         "forward only");
        return false;
    }
    *count = n >= FETCH_ALL ? FETCH_ALL : (uint32_t)n;
    after = pg_word(p, w, sizeof w);
    if (!strcmp(w, "from") || !strcmp(w, "in"))
        p = after;
    p = ident(p, name, MAX_NAME);
    if (!name[0] || !at_end(p)) {
        pg_outcome_error(o, "42601", -1, "syntax error in FETCH: expected [FORWARD] [n | ALL] "
                         "[FROM | IN] name");
        return false;
    }
    return true;
}

/* The rows FETCH hands out: a window of the cursor's result, which it
 * keeps alive by a reference. */
static void fetch_window(pg_cursor *c, uint32_t first, uint32_t n, pg_outcome *o)
{
    o->kind = PG_OUT_ROWS;
    o->is_fetch = true;
    o->binary = c->binary;
    o->borrow = c->rows;
    c->rows->refs++;
    o->res = c->rows->res;
    memset(&o->res.arena, 0, sizeof o->res.arena);
    o->res.cells = c->rows->res.cells ? c->rows->res.cells + (size_t)first * o->res.ncols : NULL;
    o->res.nrows = n;
}

static void run_fetch(brk_pg_sess *s, const char *p, bool move, pg_outcome *o)
{
    uint32_t count;
    char name[MAX_NAME];
    if (!parse_fetch(p, &count, name, o))
        return;
    pg_cursor *c = *find_cursor(s, name);
    if (!c) {
        pg_outcome_error(o, "34000", -1, "cursor \"%s\" does not exist", name);
        return;
    }
    uint32_t total = c->rows->res.nrows;
    uint32_t first = c->pos, n = total - first < count ? total - first : count;
    c->pos += n;
    if (!move) {
        fetch_window(c, first, n, o);
        return;
    }
    o->kind = PG_OUT_TAG;
    snprintf(o->tag, sizeof o->tag, "MOVE %u", n);
}

/* ---- CLOSE ------------------------------------------------------------- */

static void run_close(brk_pg_sess *s, const char *p, pg_outcome *o)
{
    char name[MAX_NAME], w[8];
    const char *after = pg_word(p, w, sizeof w);
    if (!strcmp(w, "all") && at_end(after)) {
        pg_cursor_free_all(s);
        o->kind = PG_OUT_TAG;
        snprintf(o->tag, sizeof o->tag, "CLOSE CURSOR ALL");
        return;
    }
    p = ident(p, name, sizeof name);
    if (!name[0] || !at_end(p)) {
        pg_outcome_error(o, "42601", -1, "syntax error in CLOSE: expected a cursor name or ALL");
        return;
    }
    pg_cursor **pp = find_cursor(s, name);
    if (!*pp) {
        pg_outcome_error(o, "34000", -1, "cursor \"%s\" does not exist", name);
        return;
    }
    pg_cursor *c = *pp;
    *pp = c->next;
    cursor_free(c);
    o->kind = PG_OUT_TAG;
    snprintf(o->tag, sizeof o->tag, "CLOSE CURSOR");
}

bool pg_cursor_stmt(brk_pg_sess *s, const char *w, const char *rest, pg_outcome *o)
{
    if (!strcmp(w, "declare"))
        run_declare(s, rest, o);
    else if (!strcmp(w, "fetch") || !strcmp(w, "move"))
        run_fetch(s, rest, w[0] == 'm', o);
    else if (!strcmp(w, "close"))
        run_close(s, rest, o);
    else
        return false;
    return true;
}
