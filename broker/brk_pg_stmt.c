/*
 * brk_pg_stmt.c: what one SQL statement from a PostgreSQL client means:
 * transaction control and SET as no-ops with the right tags, SHOW from
 * the session's settings, writes refused (read-only; Tableau's
 * temporary-table probes get the errors it expects), SELECT without FROM
 * over a few constants and session functions, Tableau's top-N join
 * (brk_pg_topn.c), and everything else sent to Tannin's query path
 * through the exec callback (date columns rendered as dates after).
 */
#include "brk_pg_int.h"
#include "brk_pg_topn.h"
#include "brk_pgcat.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PG_VERSION "15.0"
#define PG_VERSION_TEXT "PostgreSQL 15.0 (Tannin)"

void pg_outcome_free(pg_outcome *o)
{
    if (o->kind == PG_OUT_ROWS && o->borrow)
        pg_rows_unref(o->borrow); /* res is a window of the cursor's rows */
    else if (o->kind == PG_OUT_ROWS)
        qry_result_free(&o->res);
    o->borrow = NULL;
    o->kind = PG_OUT_EMPTY;
}

void pg_rows_tag(const pg_outcome *o, uint32_t n, char *tag, size_t cap)
{
    if (o->is_show)
        snprintf(tag, cap, "SHOW");
    else
        snprintf(tag, cap, "%s %u", o->is_fetch ? "FETCH" : "SELECT", n);
}

void pg_outcome_error(pg_outcome *o, const char *sqlstate, int position, const char *fmt, ...)
{
    pg_outcome_free(o);
    o->kind = PG_OUT_ERROR;
    snprintf(o->sqlstate, sizeof o->sqlstate, "%s", sqlstate);
    o->position = position;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->msg, sizeof o->msg, fmt, ap);
    va_end(ap);
}

static void set_tag(pg_outcome *o, const char *tag)
{
    o->kind = PG_OUT_TAG;
    snprintf(o->tag, sizeof o->tag, "%s", tag);
}

/* ---- lexing ------------------------------------------------------------ */

/* Skips blanks and comments. */
static const char *skip_ws(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

/* The next word (letters, digits, _) lowercased into w; returns past it. */
static const char *word(const char *p, char *w, size_t cap)
{
    p = skip_ws(p);
    size_t n = 0;
    while (isalnum((unsigned char)*p) || *p == '_') {
        if (n + 1 < cap)
            w[n++] = (char)tolower((unsigned char)*p);
        p++;
    }
    w[n] = 0;
    return p;
}

/* Whether the keyword kw appears outside quotes and parentheses. */
static bool has_top_keyword(const char *p, const char *kw)
{
    int depth = 0;
    size_t kl = strlen(kw);
    for (const char *q = p; *q; q++) {
        if (*q == '\'' || *q == '"') {
            char c = *q;
            for (q++; *q && *q != c; q++) {}
            if (!*q)
                return false;
        } else if (*q == '(') {
            depth++;
        } else if (*q == ')') {
            depth--;
        } else if (!depth && !strncasecmp(q, kw, kl) && (q == p || !isalnum((unsigned char)q[-1]))
                   && !isalnum((unsigned char)q[kl]) && q[kl] != '_') {
            return true;
        }
    }
    return false;
}

const char *pg_skip_ws(const char *p)
{
    return skip_ws(p);
}

const char *pg_word(const char *p, char *w, size_t cap)
{
    return word(p, w, cap);
}

/* ---- settings (SET / SHOW) --------------------------------------------- */

static const char *setting(const brk_pg_sess *s, const char *name)
{
    for (uint32_t i = 0; i < s->nset; i++)
        if (!strcasecmp(s->set_name[i], name))
            return s->set_value[i];
    static const char *const defaults[][2] = {
        {"server_version", PG_VERSION}, {"server_version_num", "150000"},
        {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
        {"datestyle", "ISO, MDY"}, {"timezone", "UTC"}, {"integer_datetimes", "on"},
        {"standard_conforming_strings", "on"}, {"transaction_isolation", "read committed"},
        {"default_transaction_isolation", "read committed"},
        {"transaction_read_only", "on"}, {"is_superuser", "off"},
        {"intervalstyle", "postgres"}, {"search_path", "\"$user\", public"},
        {"extra_float_digits", "1"}, {"max_identifier_length", "63"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (!strcasecmp(defaults[i][0], name))
            return defaults[i][1];
    if (!strcasecmp(name, "application_name"))
        return s->app;
    return NULL;
}

static void remember(brk_pg_sess *s, const char *name, const char *value)
{
    for (uint32_t i = 0; i < s->nset; i++)
        if (!strcasecmp(s->set_name[i], name)) {
            free(s->set_value[i]);
            s->set_value[i] = tn_strdup(value);
            return;
        }
    if (s->nset == PG_MAX_SETTINGS)
        return; /* SET still succeeds: settings are advisory here */
    s->set_name[s->nset] = tn_strdup(name);
    s->set_value[s->nset++] = tn_strdup(value);
}

/* SET [SESSION|LOCAL] name {=|TO} value: the value kept verbatim minus
 * quotes, for SHOW. */
static void run_set(brk_pg_sess *s, const char *p, pg_outcome *o)
{
    char name[64];
    p = word(p, name, sizeof name);
    if (!strcmp(name, "session") || !strcmp(name, "local"))
        p = word(p, name, sizeof name);
    p = skip_ws(p);
    if (*p == '=')
        p++;
    else if (!strncasecmp(p, "to", 2))
        p += 2;
    p = skip_ws(p);
    char value[256];
    size_t n = 0;
    for (; *p && *p != ';' && n + 1 < sizeof value; p++)
        if (*p != '\'')
            value[n++] = *p;
    while (n && isspace((unsigned char)value[n - 1]))
        n--;
    value[n] = 0;
    if (name[0])
        remember(s, name, value);
    set_tag(o, "SET");
}

/* A one-row result of text columns. */
static void text_row(pg_outcome *o, uint32_t n, const char *const *names, const char *const *vals)
{
    qry_result *r = &o->res;
    memset(r, 0, sizeof *r);
    r->ncols = n;
    r->nrows = 1;
    r->names = qry_alloc(&r->arena, n * sizeof *r->names);
    r->types = qry_alloc(&r->arena, n * sizeof *r->types);
    r->cells = qry_alloc(&r->arena, n * sizeof *r->cells);
    for (uint32_t c = 0; c < n; c++) {
        r->names[c] = qry_strndup(&r->arena, names[c], strlen(names[c]));
        r->types[c] = "STRING";
        r->cells[c].kind = QV_STRING;
        r->cells[c].type = SEG_STRING;
        r->cells[c].s = qry_strndup(&r->arena, vals[c], strlen(vals[c]));
        r->cells[c].len = (uint32_t)strlen(vals[c]);
    }
    o->kind = PG_OUT_ROWS;
    o->is_show = true;
}

static void run_show(brk_pg_sess *s, const char *p, pg_outcome *o)
{
    char name[96], w2[64];
    p = word(p, name, 64);
    if (!strcmp(name, "transaction")) {
        p = word(p, w2, sizeof w2);
        snprintf(name, sizeof name, "transaction_%s", w2);
    }
    const char *v = setting(s, name);
    if (!v) {
        pg_outcome_error(o, "42704", -1, "unrecognized configuration parameter \"%s\"", name);
        return;
    }
    const char *names[] = {name};
    const char *vals[] = {v};
    text_row(o, 1, names, vals);
}

/* ---- SELECT without FROM ----------------------------------------------- */

typedef struct pg_const {
    const char *type;         /* Pinot type name */
    qry_val v;
    char name[64];
} pg_const;

static bool eval_literal(const char *e, size_t n, pg_const *c, qry_arena *a)
{
    if (n >= 2 && e[0] == '\'' && e[n - 1] == '\'') {
        char *s = qry_alloc(a, n);
        size_t k = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            if (e[i] == '\'' && e[i + 1] == '\'')
                i++;
            else if (e[i] == '\'')
                return false; /* two literals side by side */
            s[k++] = e[i];
        }
        c->type = "STRING";
        c->v = (qry_val){.kind = QV_STRING, .type = SEG_STRING, .s = s, .len = (uint32_t)k};
        return true;
    }
    char *end;
    bool integral = !memchr(e, '.', n) && !memchr(e, 'e', n) && !memchr(e, 'E', n);
    if (n && (isdigit((unsigned char)e[0]) || e[0] == '-' || e[0] == '+')) {
        if (integral) {
            long long v = strtoll(e, &end, 10);
            if (end != e + n)
                return false;
            bool small = v >= INT32_MIN && v <= INT32_MAX;
            c->type = small ? "INT" : "LONG";
            c->v = (qry_val){.kind = QV_LONG, .type = small ? SEG_INT : SEG_LONG, .i = v};
        } else {
            double d = strtod(e, &end);
            if (end != e + n)
                return false;
            c->type = "DOUBLE";
            c->v = (qry_val){.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = d};
        }
        return true;
    }
    return false;
}

static bool eval_const(const brk_pg_sess *s, const char *e, size_t n, pg_const *c, qry_arena *a)
{
    snprintf(c->name, sizeof c->name, "?column?");
    if (eval_literal(e, n, c, a))
        return true;
    char w[64];
    const char *after = word(e, w, sizeof w);
    const char *rest = skip_ws(after);
    bool call = rest[0] == '(' && skip_ws(rest + 1)[0] == ')';
    size_t used = call ? (size_t)(strchr(rest, ')') + 1 - e) : (size_t)(after - e);
    if (used != n)
        return false;
    const char *text = NULL;
    if (!strcmp(w, "true") || !strcmp(w, "false")) {
        c->type = "BOOLEAN";
        c->v = (qry_val){.kind = QV_LONG, .type = SEG_BOOLEAN, .i = w[0] == 't'};
        snprintf(c->name, sizeof c->name, "bool");
        return true;
    }
    if (!strcmp(w, "null")) {
        c->type = "STRING";
        c->v = (qry_val){.kind = QV_NULL, .type = SEG_STRING};
        return true;
    }
    if (call && !strcmp(w, "version"))
        text = PG_VERSION_TEXT;
    else if (!strcmp(w, "current_database") || !strcmp(w, "current_catalog"))
        text = s->database;
    else if (!strcmp(w, "current_schema"))
        text = "public";
    else if (!strcmp(w, "current_user") || !strcmp(w, "session_user") || !strcmp(w, "user"))
        text = s->user;
    if (!text)
        return false;
    snprintf(c->name, sizeof c->name, "%s", w);
    c->type = "STRING";
    c->v = (qry_val){.kind = QV_STRING, .type = SEG_STRING, .s = qry_strndup(a, text, strlen(text)),
                     .len = (uint32_t)strlen(text)};
    return true;
}

/* Splits at top-level commas; item [b, e) of the list. */
static const char *next_item(const char *p, const char **end)
{
    int depth = 0;
    const char *q = p;
    for (; *q && *q != ';'; q++) {
        if (*q == '\'') {
            for (q++; *q && !(*q == '\'' && q[1] != '\''); q++)
                if (*q == '\'')
                    q++;
            if (!*q)
                break;
        } else if (*q == '(') {
            depth++;
        } else if (*q == ')') {
            depth--;
        } else if (*q == ',' && !depth) {
            break;
        }
    }
    *end = q;
    return p;
}

/* One item "expr [AS alias]" into column c of r. */
static bool const_item(const brk_pg_sess *s, const char *b, const char *e, qry_result *r,
                       uint32_t c)
{
    b = skip_ws(b);
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    const char *alias = NULL;
    for (const char *q = b; q + 4 <= e; q++)
        if (isspace((unsigned char)q[0]) && !strncasecmp(q + 1, "as", 2) &&
            isspace((unsigned char)q[3]) && q[0] != '\'')
            alias = q;
    pg_const k;
    if (!eval_const(s, b, (size_t)((alias ? alias : e) - b), &k, &r->arena))
        return false;
    r->types[c] = k.type;
    r->cells[c] = k.v;
    const char *name = k.name;
    size_t nl = strlen(name);
    if (alias) {
        name = skip_ws(alias + 3);
        nl = (size_t)(e - name);
        if (nl >= 2 && name[0] == '"' && name[nl - 1] == '"') {
            name++;
            nl -= 2;
        }
    }
    r->names[c] = qry_strndup(&r->arena, name, nl);
    return true;
}

static void run_const_select(const brk_pg_sess *s, const char *p, pg_outcome *o)
{
    uint32_t n = 1;
    const char *end;
    for (next_item(p, &end); *end == ','; next_item(end + 1, &end))
        n++;
    qry_result *r = &o->res;
    memset(r, 0, sizeof *r);
    r->ncols = n;
    r->nrows = 1;
    r->names = qry_alloc(&r->arena, n * sizeof *r->names);
    r->types = qry_alloc(&r->arena, n * sizeof *r->types);
    r->cells = qry_alloc(&r->arena, n * sizeof *r->cells);
    o->kind = PG_OUT_ROWS;
    const char *q = p;
    for (uint32_t c = 0; c < n; c++, q = end + 1) {
        next_item(q, &end);
        if (!const_item(s, q, end, r, c)) {
            pg_outcome_error(o, "0A000", (int)(skip_ws(q) - p) + 1,
                             "only constants, version(), current_database(), current_schema() "
                             "and current_user are supported in a SELECT without FROM");
            return;
        }
    }
}

/* ---- the catalog (brk_pgcat.h) ----------------------------------------- */

static const char *setting_of(const void *arg, const char *name)
{
    return setting(arg, name);
}

/* A catalog query; *o is overwritten only when quiet is false or it
 * succeeded (quiet: a fallback whose failure keeps the first error). */
static void run_catalog(brk_pg_sess *s, const char *sql, pg_outcome *o, bool quiet)
{
    brk_pgcat_tables ts;
    brk_pgcat_tables_load(s->o.catalog, s->who, &ts);
    brk_pgcat_env env = {.user = s->user, .database = s->database, .tables = &ts,
                         .setting = setting_of, .setting_arg = s};
    qry_result res;
    char state[6], msg[TN_ERRLEN];
    int pos;
    if (brk_pgcat_run(&env, sql, &res, state, msg, sizeof msg, &pos) == TN_OK) {
        pg_outcome_free(o);
        memset(o, 0, sizeof *o);
        o->kind = PG_OUT_ROWS;
        o->res = res;
    } else if (!quiet) {
        pg_outcome_error(o, state, pos, "%s", msg);
    }
    brk_pgcat_tables_free(&ts);
}

/* ---- dispatch ---------------------------------------------------------- */

/* Columns typed date (pg:1082, CAST(x AS DATE)) hold the millisecond of
 * a midnight; PostgreSQL's text of a date is its day alone. */
static void dates_as_text(qry_result *r)
{
    for (uint32_t c = 0; c < r->ncols; c++) {
        if (strcmp(r->types[c], "pg:1082") != 0)
            continue;
        for (uint32_t i = 0; i < r->nrows; i++) {
            qry_val *v = &r->cells[(size_t)i * r->ncols + c];
            if (v->kind != QV_LONG)
                continue;
            int64_t ms = v->i, days = ms / 86400000 - (ms % 86400000 < 0);
            time_t secs = (time_t)(days * 86400);
            struct tm tm;
            gmtime_r(&secs, &tm);
            char tmp[32];
            int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", tm.tm_year + 1900,
                             tm.tm_mon + 1, tm.tm_mday);
            *v = (qry_val){.kind = QV_STRING, .type = SEG_STRING,
                           .s = qry_strndup(&r->arena, tmp, (size_t)n), .len = (uint32_t)n};
        }
    }
}

static void run_select(brk_pg_sess *s, const char *sql, const char *after_select, pg_outcome *o)
{
    if (!has_top_keyword(after_select, "from")) {
        run_const_select(s, after_select, o);
        if (o->kind == PG_OUT_ERROR && o->position > 0)
            o->position += (int)(after_select - sql);
        /* catalog functions (format_type(25, -1), current_schemas(true)) */
        if (o->kind == PG_OUT_ERROR && !strcmp(o->sqlstate, "0A000"))
            run_catalog(s, sql, o, true);
        return;
    }
    if (brk_pgcat_wants(sql)) {
        run_catalog(s, sql, o, false);
        return;
    }
    int topn = pg_topn_run(s, sql, o);
    if (topn <= 0) {
        if (topn == 0)
            dates_as_text(&o->res);
        return;
    }
    qry_err errs[16];
    uint32_t nerrs = 0;
    memset(&o->res, 0, sizeof o->res);
    if (s->o.exec(s->o.exec_arg, s->who, sql, &o->res, errs, &nerrs) == TN_OK && !nerrs) {
        o->kind = PG_OUT_ROWS;
        dates_as_text(&o->res);
        return;
    }
    if (nerrs == 0) {
        pg_outcome_error(o, "XX000", -1, "the query failed without a reason");
        return;
    }
    /* a partial answer (a server missing) is an error, not silently fewer rows */
    if (o->res.arena.blocks || o->res.ncols)
        qry_result_free(&o->res);
    pg_outcome_error(o, pg_query_sqlstate(&errs[0]),
                     errs[0].position >= 0 ? errs[0].position + 1 : -1, "%s", errs[0].msg);
}

static bool is_write(const char *w)
{
    static const char *const writes[] = {"insert", "update", "delete", "create", "drop", "alter",
                                         "truncate", "grant", "revoke", "copy", "merge", "upsert",
                                         "vacuum", "comment"};
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
        if (!strcmp(w, writes[i]))
            return true;
    return false;
}

/* Whether the statement after its first word names a temporary table:
 * CREATE [LOCAL|GLOBAL] TEMP[ORARY] TABLE, or Tableau's "#Tableau_..."
 * names (DROP TABLE, INSERT INTO). */
static bool names_temp_table(const char *p, bool create)
{
    char w[32];
    const char *q = word(p, w, sizeof w);
    if (create && (!strcmp(w, "local") || !strcmp(w, "global")))
        q = word(q, w, sizeof w);
    if (create && (!strcmp(w, "temp") || !strcmp(w, "temporary")))
        return true;
    for (int i = 0; i < 4 && *q; i++) {   /* TABLE [IF EXISTS] / INTO */
        q = skip_ws(q);
        if (*q == '"')
            return !strncmp(q + 1, "#Tableau", 8);
        q = word(q, w, sizeof w);
    }
    return false;
}

/* Writes are refused as a read-only server does (25006), except the
 * temporary-table probes Tableau sends before an extract: CREATE TEMP
 * TABLE is not supported (0A000, which Tableau takes as "no temporary
 * tables"), and the table it would have made does not exist (42P01). */
static void refuse_write(const char *sql, const char *w, const char *p, pg_outcome *o)
{
    int pos = (int)(skip_ws(sql) - sql) + 1;
    if (!strcmp(w, "create") && names_temp_table(p, true)) {
        pg_outcome_error(o, "0A000", pos, "temporary tables are not supported "
                         "(Tannin is read-only)");
        return;
    }
    if ((!strcmp(w, "drop") || !strcmp(w, "insert") || !strcmp(w, "delete") ||
         !strcmp(w, "truncate")) && names_temp_table(p, false)) {
        if (!strcmp(w, "drop") && has_top_keyword(p, "exists")) {
            set_tag(o, "DROP TABLE");   /* IF EXISTS: nothing to drop */
            return;
        }
        const char *q = strchr(p, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        pg_outcome_error(o, "42P01", q ? (int)(q - sql) + 1 : pos,
                         "relation \"%.*s\" does not exist",
                         e ? (int)(e - q - 1) : 0, q ? q + 1 : "");
        return;
    }
    pg_outcome_error(o, "25006", -1, "cannot execute %s in a read-only transaction", w);
}

static void run_txn(brk_pg_sess *s, const char *w, pg_outcome *o)
{
    if (!strcmp(w, "begin") || !strcmp(w, "start")) {
        if (s->txn == 'I')
            s->txn = 'T';
        set_tag(o, w[0] == 'b' ? "BEGIN" : "START TRANSACTION");
    } else if (!strcmp(w, "commit") || !strcmp(w, "end")) {
        /* committing a failed block rolls it back, as PostgreSQL does */
        set_tag(o, s->txn == 'E' ? "ROLLBACK" : "COMMIT");
        pg_cursor_txn_end(s, s->txn != 'E');
        s->txn = 'I';
    } else {
        set_tag(o, "ROLLBACK");
        pg_cursor_txn_end(s, false);
        s->txn = 'I';
    }
}

/* Any statement but transaction control and cursors; p follows word w. */
static void run_plain(brk_pg_sess *s, const char *sql, const char *w, const char *p,
                      pg_outcome *o)
{
    if (!strcmp(w, "set"))
        run_set(s, p, o);
    else if (!strcmp(w, "reset") || !strcmp(w, "discard") || !strcmp(w, "deallocate"))
        set_tag(o, !strcmp(w, "reset") ? "RESET" : !strcmp(w, "discard") ? "DISCARD ALL"
                                                                           : "DEALLOCATE");
    else if (!strcmp(w, "show"))
        run_show(s, p, o);
    else if (!strcmp(w, "select") || !strcmp(w, "with"))
        run_select(s, sql, p, o);
    else if (!strcmp(w, "values")) /* VALUES (1, 'a'), ...: the catalog evaluator's */
        run_catalog(s, sql, o, false);
    else if (is_write(w))
        refuse_write(sql, w, p, o);
    else
        pg_outcome_error(o, w[0] ? "0A000" : "42601", (int)(skip_ws(sql) - sql) + 1,
                         "statement \"%s\" is not supported", w);
}

void brk_pg_run_stmt(brk_pg_sess *s, const char *sql, pg_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->position = -1;
    char w[32];
    const char *p = word(sql, w, sizeof w);
    if (!w[0] && !*skip_ws(sql)) {
        o->kind = PG_OUT_EMPTY;
        return;
    }
    bool txn = !strcmp(w, "begin") || !strcmp(w, "start") || !strcmp(w, "commit") ||
               !strcmp(w, "end") || !strcmp(w, "rollback") || !strcmp(w, "abort");
    if (txn) {
        run_txn(s, w, o);
        return;
    }
    if (s->txn == 'E') {
        pg_outcome_error(o, "25P02", -1, "current transaction is aborted, commands ignored until "
                         "end of transaction block");
        return;
    }
    if (!pg_cursor_stmt(s, w, p, o))
        run_plain(s, sql, w, p, o);
    if (o->kind == PG_OUT_ERROR && s->txn == 'T')
        s->txn = 'E';
}
