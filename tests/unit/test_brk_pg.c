/*
 * test_brk_pg.c: the PostgreSQL wire endpoint without sockets: message
 * reading and writing, result values as PostgreSQL text and binary,
 * parameter substitution (quoting, numbers, injection attempts stay
 * literals, binary parameters), and whole conversations through
 * brk_pg_sess with a fake query executor: startup, simple and extended
 * protocol, row limits, transaction status, and truncated or garbage
 * input (an error or a wait for more bytes, never a read out of bounds).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_pg_proto.h"
#include "brk_pg_sess.h"

/* ---- helpers ------------------------------------------------------------ */

static void put_be32(tn_buf *b, int32_t v) { brk_pg_put_i32(b, v); }

static void msg(tn_buf *b, char type, const void *body, size_t n)
{
    size_t at = brk_pg_begin(b, type);
    tn_buf_append(b, body, n);
    brk_pg_end(b, at);
}

static void startup_bytes(tn_buf *b)
{
    static const char params[] = "user\0alice\0database\0db1\0application_name\0t\0";
    size_t at = brk_pg_begin(b, 0);
    put_be32(b, BRK_PG_PROTO_3);
    tn_buf_append(b, params, sizeof params); /* includes the final NUL */
    brk_pg_end(b, at);
}

/* The message types in out, e.g. "RSSSZ"; -1 when the framing is broken. */
static int types_of(const tn_buf *out, size_t from, char *types, size_t cap)
{
    size_t n = 0;
    for (size_t i = from; i < out->len;) {
        if (out->len - i < 5 || n + 1 >= cap)
            return -1;
        brk_pg_rd r;
        brk_pg_rd_init(&r, out->data + i + 1, 4);
        int32_t len = brk_pg_get_i32(&r);
        if (len < 4 || (size_t)len > out->len - i - 1)
            return -1;
        types[n++] = (char)out->data[i];
        i += 1 + (size_t)len;
    }
    types[n] = 0;
    return (int)n;
}

/* Fake executor: "... FROM t3" gives three rows (LONG, STRING with a NULL),
 * "... FROM bad" fails with Pinot code 710 at position 7. */
static int fake_exec(void *arg, struct brk_user *user, const char *sql, qry_result *res,
                     qry_err *errs, uint32_t *nerrs)
{
    ck_assert_ptr_null(user); /* no auth: unrestricted */
    (*(int *)arg)++;
    *nerrs = 0;
    if (strstr(sql, "FROM bad")) {
        errs[0] = (qry_err){.code = 710, .position = 7};
        snprintf(errs[0].msg, sizeof errs[0].msg, "Unknown columnName 'x'");
        *nerrs = 1;
        return -1;
    }
    memset(res, 0, sizeof *res);
    res->ncols = 2;
    res->nrows = 3;
    res->names = qry_alloc(&res->arena, 2 * sizeof *res->names);
    res->types = qry_alloc(&res->arena, 2 * sizeof *res->types);
    res->cells = qry_alloc(&res->arena, 6 * sizeof *res->cells);
    res->names[0] = "n";
    res->names[1] = "s";
    res->types[0] = "LONG";
    res->types[1] = "STRING";
    for (int i = 0; i < 3; i++) {
        res->cells[i * 2] = (qry_val){.kind = QV_LONG, .type = SEG_LONG, .i = 10 + i};
        res->cells[i * 2 + 1] = i == 1 ? (qry_val){.kind = QV_NULL}
                                       : (qry_val){.kind = QV_STRING, .type = SEG_STRING,
                                                   .s = "ab", .len = 2};
    }
    return TN_OK;
}

typedef struct conv {
    brk_pg_sess *s;
    int calls;
    tn_buf out;
    bool close;
} conv;

/* A session without auth (logins: test_brk_pg_auth.c). */
static void conv_open(conv *c)
{
    memset(c, 0, sizeof *c);
    brk_pg_sess_opts o = {.pid = 7, .secret = 9, .exec = fake_exec,
                          .exec_arg = &c->calls, .max_message = 1 << 20};
    c->s = brk_pg_sess_new(&o);
}

static void conv_close(conv *c)
{
    brk_pg_sess_free(c->s);
    tn_buf_free(&c->out);
}

/* Feeds all of in; returns the types of the answers. */
static const char *feed(conv *c, const tn_buf *in)
{
    static char types[256];
    size_t from = c->out.len;
    size_t used = brk_pg_sess_feed(c->s, in->data, in->len, &c->out, &c->close);
    ck_assert_uint_eq(used, in->len);
    ck_assert_int_ge(types_of(&c->out, from, types, sizeof types), 0);
    return types;
}

static void login(conv *c)
{
    tn_buf in = {0};
    startup_bytes(&in);
    ck_assert_str_eq(feed(c, &in), "RSSSSSSSSSSSKZ");
    tn_buf_free(&in);
}

static const char *simple(conv *c, const char *sql)
{
    tn_buf in = {0};
    msg(&in, 'Q', sql, strlen(sql) + 1);
    const char *t = feed(c, &in);
    tn_buf_free(&in);
    return t;
}

static char last_status(const conv *c)
{
    return (char)c->out.data[c->out.len - 1];
}

/* ---- reader / writer ---------------------------------------------------- */

START_TEST(rd_bounds)
{
    tn_buf b = {0};
    size_t at = brk_pg_begin(&b, 'X');
    brk_pg_put_i16(&b, -2);
    brk_pg_put_i32(&b, 123456);
    brk_pg_put_cstr(&b, "hi");
    brk_pg_end(&b, at);
    ck_assert_uint_eq(b.len, 1 + 4 + 2 + 4 + 3);
    brk_pg_rd r;
    brk_pg_rd_init(&r, b.data + 1, b.len - 1);
    ck_assert_int_eq(brk_pg_get_i32(&r), (int32_t)b.len - 1);
    ck_assert_int_eq(brk_pg_get_i16(&r), -2);
    ck_assert_int_eq(brk_pg_get_i32(&r), 123456);
    ck_assert_str_eq(brk_pg_get_cstr(&r), "hi");
    ck_assert(!r.bad);
    ck_assert_int_eq(brk_pg_get_u8(&r), 0);
    ck_assert(r.bad);
    /* a string without its NUL and a short integer fail, later reads too */
    brk_pg_rd_init(&r, "abc", 3);
    ck_assert_str_eq(brk_pg_get_cstr(&r), "");
    ck_assert(r.bad);
    brk_pg_rd_init(&r, "abc", 3);
    ck_assert_int_eq(brk_pg_get_i32(&r), 0);
    ck_assert(r.bad);
    ck_assert_ptr_null(brk_pg_get_bytes(&r, 1));
    brk_pg_rd_init(&r, "abc", 3);
    ck_assert_ptr_null(brk_pg_get_bytes(&r, (size_t)-1));
    tn_buf_free(&b);
}
END_TEST

START_TEST(values_text)
{
    tn_buf b = {0};
    struct { qry_val v; const char *want; } cases[] = {
        {{.kind = QV_LONG, .type = SEG_LONG, .i = -42}, "-42"},
        {{.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = 0.1}, "0.1"},
        {{.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = 1.0 / 3}, "0.3333333333333333"},
        {{.kind = QV_DOUBLE, .type = SEG_FLOAT, .d = (float)0.1}, "0.1"},
        {{.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = 1.0 / 0.0}, "Infinity"},
        {{.kind = QV_LONG, .type = SEG_BOOLEAN, .i = 1}, "t"},
        {{.kind = QV_LONG, .type = SEG_TIMESTAMP, .i = 1500000000123}, "2017-07-14 02:40:00.123"},
        {{.kind = QV_LONG, .type = SEG_TIMESTAMP, .i = 0}, "1970-01-01 00:00:00"},
        {{.kind = QV_STRING, .type = SEG_BYTES, .s = "\x01\xff", .len = 2}, "\\x01ff"},
        {{.kind = QV_STRING, .type = SEG_STRING, .s = "a,b", .len = 3}, "a,b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tn_buf_reset(&b);
        brk_pg_text_value(&b, &cases[i].v);
        tn_buf_append(&b, "", 1);
        ck_assert_str_eq((char *)b.data, cases[i].want);
    }
    qry_val el[2] = {{.kind = QV_STRING, .s = "x\"y", .len = 3},
                     {.kind = QV_STRING, .s = "", .len = 0}};
    qry_val arr = {.kind = QV_ARRAY, .type = SEG_STRING, .arr = el, .len = 2};
    tn_buf_reset(&b);
    brk_pg_text_value(&b, &arr);
    tn_buf_append(&b, "", 1);
    ck_assert_str_eq((char *)b.data, "{\"x\\\"y\",\"\"}");
    ck_assert_int_eq(brk_pg_type_oid("LONG"), 20);
    ck_assert_int_eq(brk_pg_type_oid("INT"), 23);
    ck_assert_int_eq(brk_pg_type_oid("DOUBLE"), 701);
    ck_assert_int_eq(brk_pg_type_oid("FLOAT"), 700);
    ck_assert_int_eq(brk_pg_type_oid("BOOLEAN"), 16);
    ck_assert_int_eq(brk_pg_type_oid("TIMESTAMP"), 1114);
    ck_assert_int_eq(brk_pg_type_oid("BYTES"), 17);
    ck_assert_int_eq(brk_pg_type_oid("INT_ARRAY"), 25);
    ck_assert_str_eq(brk_pg_sqlstate(150), "42601");
    ck_assert_str_eq(brk_pg_sqlstate(190), "42P01");
    ck_assert_str_eq(brk_pg_sqlstate(710), "42703");
    ck_assert_str_eq(brk_pg_sqlstate(250), "57014");
    tn_buf_free(&b);
}
END_TEST

/* ---- parameters --------------------------------------------------------- */

static const char *subst(const char *sql, const brk_pg_param *p, uint32_t n, int *rc,
                         bool *unsupported)
{
    static tn_buf out;
    char err[TN_ERRLEN];
    *rc = brk_pg_substitute(sql, p, n, &out, unsupported, err);
    return *rc ? err[0] ? "ERR" : "ERR?" : (const char *)out.data;
}

#define TXT(s, o) {.p = (const uint8_t *)(s), .len = sizeof(s) - 1, .oid = (o)}

START_TEST(params_text)
{
    int rc;
    bool un;
    brk_pg_param p[] = {TXT("O'Hare", 25), TXT("42", 0), TXT("x", 0), {.p = NULL}};
    ck_assert_str_eq(subst("SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3 AND d = $4",
                           p, 4, &rc, &un),
                     "SELECT * FROM t WHERE a = 'O''Hare' AND b = 42 AND c = 'x' AND d = NULL");
    /* $n inside quotes and comments is text, not a parameter */
    ck_assert_str_eq(subst("SELECT '$1', \"$1\" -- $1\n, $1 /* $2 */", p, 1, &rc, &un),
                     "SELECT '$1', \"$1\" -- $1\n, 'O''Hare' /* $2 */");
    /* injection attempts stay one literal */
    brk_pg_param inj[] = {TXT("' OR 1=1 --", 25), TXT("1 OR 1=1", 23), TXT("1; DROP t", 0),
                          TXT("\\' OR 'a'='a", 0)};
    ck_assert_str_eq(subst("a = $1", inj, 1, &rc, &un), "a = ''' OR 1=1 --'");
    subst("a = $1", inj + 1, 1, &rc, &un);
    ck_assert_int_ne(rc, 0);
    ck_assert(!un);
    ck_assert_str_eq(subst("a = $1", inj + 2, 1, &rc, &un), "a = '1; DROP t'");
    ck_assert_str_eq(subst("a = $1", inj + 3, 1, &rc, &un), "a = '\\'' OR ''a''=''a'");
    /* numbers typed as numbers are validated */
    brk_pg_param nums[] = {TXT("-1.5e3", 701), TXT("12", 20), TXT("1e", 701), TXT("", 23)};
    ck_assert_str_eq(subst("$1 + $2", nums, 2, &rc, &un), "(-1.5e3) + 12");
    /* a signed value after a minus cannot turn into a "--" comment */
    brk_pg_param neg[] = {TXT("-1", 0)};
    ck_assert_str_eq(subst("SELECT a-$1 FROM t", neg, 1, &rc, &un), "SELECT a-(-1) FROM t");
    subst("$1", nums + 2, 1, &rc, &un);
    ck_assert_int_ne(rc, 0);
    subst("$1", nums + 3, 1, &rc, &un);
    ck_assert_int_ne(rc, 0);
    /* a missing parameter, $0, and a NUL inside a value */
    subst("$3", p, 2, &rc, &un);
    ck_assert_int_ne(rc, 0);
    subst("$0", p, 2, &rc, &un);
    ck_assert_int_ne(rc, 0);
    brk_pg_param nul[] = {{.p = (const uint8_t *)"a\0b", .len = 3, .oid = 25}};
    subst("$1", nul, 1, &rc, &un);
    ck_assert_int_ne(rc, 0);
    /* $10 is the tenth parameter, not $1 followed by 0 */
    brk_pg_param ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = (brk_pg_param)TXT("7", 23);
    ten[9] = (brk_pg_param)TXT("99", 23);
    ck_assert_str_eq(subst("$10,$1", ten, 10, &rc, &un), "99,7");
}
END_TEST

START_TEST(params_binary)
{
    int rc;
    bool un;
    uint8_t i4[4] = {0xff, 0xff, 0xff, 0xfe}, i8[8] = {0, 0, 0, 1, 0, 0, 0, 0};
    uint8_t f8[8] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0}; /* 1.5 */
    brk_pg_param p[] = {{.p = i4, .len = 4, .oid = 23, .format = 1},
                        {.p = i8, .len = 8, .oid = 20, .format = 1},
                        {.p = f8, .len = 8, .oid = 701, .format = 1},
                        {.p = (const uint8_t *)"it's", .len = 4, .oid = 25, .format = 1}};
    ck_assert_str_eq(subst("$1 $2 $3 $4", p, 4, &rc, &un), "(-2) 4294967296 1.5 'it''s'");
    brk_pg_param shortp = {.p = i4, .len = 3, .oid = 23, .format = 1};
    subst("$1", &shortp, 1, &rc, &un);
    ck_assert_int_ne(rc, 0);
    ck_assert(!un);
    /* date, timestamp[tz] and numeric decode (brk_pg_bin); time does not */
    brk_pg_param date = {.p = i4, .len = 4, .oid = 1082, .format = 1};
    ck_assert_str_eq(subst("$1", &date, 1, &rc, &un), "'1999-12-30'");
    brk_pg_param time = {.p = i8, .len = 8, .oid = 1083, .format = 1};
    subst("$1", &time, 1, &rc, &un);
    ck_assert_int_ne(rc, 0);
    ck_assert(un);
}
END_TEST

/* ---- conversations ------------------------------------------------------ */

START_TEST(startup_and_simple)
{
    conv c;
    conv_open(&c);
    tn_buf in = {0};
    put_be32(&in, 8);
    put_be32(&in, BRK_PG_SSL_REQUEST);
    ck_assert_uint_eq(brk_pg_sess_feed(c.s, in.data, in.len, &c.out, &c.close), 8);
    ck_assert_uint_eq(c.out.len, 1);
    ck_assert_int_eq(c.out.data[0], 'N');
    tn_buf_reset(&c.out);
    login(&c);
    ck_assert_int_eq(last_status(&c), 'I');
    ck_assert_str_eq(simple(&c, "SELECT n, s FROM t3"), "TDDDCZ");
    ck_assert_int_eq(c.calls, 1);
    ck_assert_str_eq(simple(&c, ""), "IZ");
    ck_assert_str_eq(simple(&c, "BEGIN; SELECT 1; SHOW TimeZone"), "CTDCTDCZ");
    ck_assert_int_eq(last_status(&c), 'T');
    ck_assert_str_eq(simple(&c, "SELECT x FROM bad; SELECT 1"), "EZ");
    ck_assert_int_eq(last_status(&c), 'E');
    ck_assert_str_eq(simple(&c, "SELECT 1"), "EZ");
    ck_assert_str_eq(simple(&c, "ROLLBACK"), "CZ");
    ck_assert_int_eq(last_status(&c), 'I');
    ck_assert_str_eq(simple(&c, "DELETE FROM t3"), "EZ");
    ck_assert(strstr((char *)c.out.data + c.out.len - 80, "25006") != NULL ||
              memmem(c.out.data, c.out.len, "25006", 5) != NULL);
    ck_assert_str_eq(simple(&c, "SET x = 'y'; SELECT 'a''b' AS q, version()"), "CTDCZ");
    ck_assert_int_eq(c.calls, 2);
    tn_buf_reset(&in);
    msg(&in, 'X', NULL, 0);
    feed(&c, &in);
    ck_assert(c.close);
    tn_buf_free(&in);
    conv_close(&c);
}
END_TEST

static bool out_has(const conv *c, const char *text)
{
    return memmem(c->out.data, c->out.len, text, strlen(text)) != NULL;
}

START_TEST(cursors)
{
    conv c;
    conv_open(&c);
    login(&c);
    ck_assert_str_eq(simple(&c, "DECLARE c CURSOR FOR SELECT n, s FROM t3"), "EZ");
    ck_assert(out_has(&c, "25P01"));
    ck_assert_str_eq(simple(&c, "BEGIN; DECLARE c NO SCROLL CURSOR FOR SELECT n, s FROM t3"),
                     "CCZ");
    ck_assert(out_has(&c, "DECLARE CURSOR"));
    ck_assert_str_eq(simple(&c, "FETCH 2 FROM c"), "TDDCZ");
    ck_assert(out_has(&c, "FETCH 2"));
    ck_assert_str_eq(simple(&c, "FETCH FORWARD ALL IN c; FETCH NEXT c"), "TDCTCZ");
    ck_assert(out_has(&c, "FETCH 0"));
    ck_assert_str_eq(simple(&c, "MOVE 5 c"), "CZ");
    ck_assert(out_has(&c, "MOVE 0"));
    ck_assert_str_eq(simple(&c, "CLOSE c; FETCH c"), "CEZ");
    ck_assert(out_has(&c, "CLOSE CURSOR") && out_has(&c, "34000"));
    ck_assert_str_eq(simple(&c, "ROLLBACK"), "CZ");
    tn_buf_reset(&c.out);
    /* a cursor without hold ends with its block; WITH HOLD outlives it */
    ck_assert_str_eq(simple(&c, "BEGIN; DECLARE a CURSOR FOR SELECT n FROM t3; "
                                "DECLARE \"H\" CURSOR WITH HOLD FOR SELECT n FROM t3; COMMIT"),
                     "CCCCZ");
    ck_assert_str_eq(simple(&c, "FETCH 1 FROM a"), "EZ");
    ck_assert_str_eq(simple(&c, "FETCH 1 FROM \"H\"; MOVE ALL IN \"H\""), "TDCCZ");
    ck_assert(out_has(&c, "MOVE 2"));
    ck_assert_str_eq(simple(&c, "DECLARE \"H\" CURSOR WITH HOLD FOR SELECT 1"), "EZ");
    ck_assert(out_has(&c, "42P03"));
    ck_assert_str_eq(simple(&c, "FETCH BACKWARD 1 FROM \"H\""), "EZ");
    ck_assert_str_eq(simple(&c, "DECLARE x CURSOR WITH HOLD FOR SHOW TimeZone"), "EZ");
    ck_assert_str_eq(simple(&c, "DECLARE y CURSOR WITH HOLD FOR SELECT x FROM bad"), "EZ");
    ck_assert_str_eq(simple(&c, "DECLARE b BINARY CURSOR WITH HOLD FOR SELECT n, s FROM t3"), "CZ");
    ck_assert_str_eq(simple(&c, "FETCH 1 FROM b"), "TDCZ");
    ck_assert_str_eq(simple(&c, "CLOSE ALL; FETCH b"), "CEZ");
    ck_assert_str_eq(simple(&c, "DECLARE left_open CURSOR WITH HOLD FOR SELECT n FROM t3"), "CZ");
    conv_close(&c); /* frees the open cursor */
}
END_TEST

static void parse_msg(tn_buf *in, const char *sql)
{
    tn_buf body = {0};
    tn_buf_append(&body, "", 1);
    brk_pg_put_cstr(&body, sql);
    brk_pg_put_i16(&body, 0);
    msg(in, 'P', body.data, body.len);
    tn_buf_free(&body);
}

/* Result formats: column 0 f0, column 1 f1. */
static void bind_msg(tn_buf *in, const char *param, int16_t f0, int16_t f1)
{
    tn_buf body = {0};
    tn_buf_append(&body, "\0", 2);     /* portal "", statement "" */
    brk_pg_put_i16(&body, 0);
    brk_pg_put_i16(&body, param ? 1 : 0);
    if (param) {
        brk_pg_put_i32(&body, (int32_t)strlen(param));
        tn_buf_append(&body, param, strlen(param));
    }
    brk_pg_put_i16(&body, 2);
    brk_pg_put_i16(&body, f0);
    brk_pg_put_i16(&body, f1);
    msg(in, 'B', body.data, body.len);
    tn_buf_free(&body);
}

static void exec_msg(tn_buf *in, int32_t limit)
{
    tn_buf body = {0};
    tn_buf_append(&body, "", 1);
    brk_pg_put_i32(&body, limit);
    msg(in, 'E', body.data, body.len);
    tn_buf_free(&body);
}

START_TEST(sqlstates)
{
    ck_assert_str_eq(brk_pg_sqlstate(180), "42501"); /* access denied */
    ck_assert_str_eq(brk_pg_sqlstate(429), "53400"); /* quota */
    ck_assert_str_eq(brk_pg_sqlstate(710), "42703");
    ck_assert_str_eq(brk_pg_sqlstate(190), "42P01");
    ck_assert_str_eq(brk_pg_sqlstate(12345), "XX000");
}
END_TEST

START_TEST(cancel_key)
{
    tn_buf in = {0};
    int32_t pid = 0, secret = 0;
    put_be32(&in, 16);
    put_be32(&in, BRK_PG_CANCEL_REQUEST);
    put_be32(&in, 7);
    ck_assert(!brk_pg_cancel_key(in.data, in.len, &pid, &secret)); /* not whole yet */
    put_be32(&in, -123456789);
    ck_assert(brk_pg_cancel_key(in.data, in.len, &pid, &secret));
    ck_assert_int_eq(pid, 7);
    ck_assert_int_eq(secret, -123456789);
    in.data[3] = 20; /* a wrong length is not a CancelRequest */
    ck_assert(!brk_pg_cancel_key(in.data, in.len, &pid, &secret));
    tn_buf_free(&in);
    conv c;
    conv_open(&c);
    ck_assert(brk_pg_sess_starting(c.s));
    login(&c);
    ck_assert(!brk_pg_sess_starting(c.s));
    conv_close(&c);
}
END_TEST

START_TEST(extended)
{
    conv c;
    conv_open(&c);
    login(&c);
    tn_buf in = {0};
    parse_msg(&in, "SELECT n, s FROM t3 WHERE s = $1");
    msg(&in, 'D', "S", 2);
    bind_msg(&in, "x'y", 0, 0);
    msg(&in, 'D', "P", 2);
    exec_msg(&in, 2);
    exec_msg(&in, 2);
    msg(&in, 'S', NULL, 0);
    ck_assert_str_eq(feed(&c, &in), "1tn2TDDsDCZ");
    ck_assert_int_eq(c.calls, 1); /* Describe and two Executes: one run */
    /* binary results for int8; an error skips to Sync */
    tn_buf_reset(&in);
    parse_msg(&in, "SELECT x FROM bad");
    bind_msg(&in, NULL, 0, 0);
    exec_msg(&in, 0);
    parse_msg(&in, "SELECT 1");
    msg(&in, 'S', NULL, 0);
    ck_assert_str_eq(feed(&c, &in), "12EZ");
    ck_assert(memmem(c.out.data, c.out.len, "42703", 5) != NULL);
    tn_buf_reset(&in);
    parse_msg(&in, "SELECT n FROM t3");
    bind_msg(&in, NULL, 1, 0);
    exec_msg(&in, 0);
    msg(&in, 'S', NULL, 0);
    size_t from = c.out.len;
    ck_assert_str_eq(feed(&c, &in), "12DDDCZ");
    /* the first DataRow: 2 columns, length 8, big-endian 10, then "ab" */
    static const uint8_t row[] = {'D', 0, 0, 0, 24, 0, 2, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 10,
                                  0, 0, 0, 2, 'a', 'b'};
    ck_assert(memcmp(c.out.data + from + 2 * 5, row, sizeof row) == 0);
    /* binary text column: its characters (text's binary form) */
    tn_buf_reset(&in);
    parse_msg(&in, "SELECT n, s FROM t3");
    bind_msg(&in, NULL, 0, 1);
    exec_msg(&in, 0);
    msg(&in, 'S', NULL, 0);
    from = c.out.len;
    ck_assert_str_eq(feed(&c, &in), "12DDDCZ");
    static const uint8_t trow[] = {'D', 0, 0, 0, 18, 0, 2, 0, 0, 0, 2, '1', '0', 0, 0, 0, 2,
                                   'a', 'b'};
    ck_assert(memcmp(c.out.data + from + 2 * 5, trow, sizeof trow) == 0);
    tn_buf_free(&in);
    conv_close(&c);
}
END_TEST

/* A FETCH portal keeps its rows after the cursor is closed under it. */
START_TEST(cursor_portal)
{
    conv c;
    conv_open(&c);
    login(&c);
    ck_assert_str_eq(simple(&c, "DECLARE w CURSOR WITH HOLD FOR SELECT n, s FROM t3"), "CZ");
    tn_buf in = {0};
    parse_msg(&in, "FETCH 3 FROM w");
    bind_msg(&in, NULL, 1, 0);
    exec_msg(&in, 1);
    msg(&in, 'H', NULL, 0); /* Flush, not Sync: the unnamed portal stays */
    ck_assert_str_eq(feed(&c, &in), "12Ds");
    ck_assert_str_eq(simple(&c, "CLOSE w"), "CZ");
    tn_buf_reset(&in);
    exec_msg(&in, 0);
    msg(&in, 'S', NULL, 0);
    ck_assert_str_eq(feed(&c, &in), "DDCZ");
    ck_assert(memmem(c.out.data, c.out.len, "FETCH 2", 7) != NULL);
    tn_buf_free(&in);
    conv_close(&c);
}
END_TEST

/* Every prefix of a valid conversation is either consumed whole messages
 * or waits: never an answer to half a message, never a read past it. */
START_TEST(truncated_prefixes)
{
    tn_buf all = {0};
    startup_bytes(&all);
    parse_msg(&all, "SELECT n FROM t3 WHERE s = $1");
    bind_msg(&all, "v", 0, 0);
    exec_msg(&all, 1);
    msg(&all, 'S', NULL, 0);
    msg(&all, 'Q', "SELECT 1", 9);
    for (size_t cut = 0; cut <= all.len; cut++) {
        conv c;
        conv_open(&c);
        uint8_t *copy = tn_malloc(cut + 1); /* exact size: ASan sees any overrun */
        memcpy(copy, all.data, cut);
        size_t used = brk_pg_sess_feed(c.s, copy, cut, &c.out, &c.close);
        ck_assert_uint_le(used, cut);
        ck_assert(!c.close);
        char types[64];
        ck_assert_int_ge(types_of(&c.out, 0, types, sizeof types), 0);
        free(copy);
        conv_close(&c);
    }
    tn_buf_free(&all);
}
END_TEST

START_TEST(garbage)
{
    /* absurd and negative lengths, unknown types, malformed bodies */
    struct { const char *bytes; size_t n; bool startup; } cases[] = {
        {"\xde\xad\xbe\xef\xde\xad\xbe\xef", 8, true},
        {"\0\0\0\3", 4, true},
        {"Q\x7f\xff\xff\xff", 5, false},
        {"Q\xff\xff\xff\xff", 5, false},
        {"Q\0\0\0\2", 5, false},
        {"!\0\0\0\4", 5, false},
        {"Q\0\0\0\7abc", 8, false},                 /* no NUL in the query */
        {"B\0\0\0\x0e\0\0\xff\xff\0\0\0\0\0", 15, false}, /* negative format count */
        {"P\0\0\0\x06\0\0", 7, false},                 /* no parameter count */
        {"B\0\0\0\x10\0\0\0\0\0\1\x7f\xff\xff\xff\0\0", 17, false}, /* value past the end */
        {"D\0\0\0\x06X\0", 7, false},
        {"E\0\0\0\x05\0", 6, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        conv c;
        conv_open(&c);
        if (!cases[i].startup)
            login(&c);
        size_t from = c.out.len;
        uint8_t *copy = tn_malloc(cases[i].n);
        memcpy(copy, cases[i].bytes, cases[i].n);
        brk_pg_sess_feed(c.s, copy, cases[i].n, &c.out, &c.close);
        free(copy);
        char types[64];
        ck_assert_int_ge(types_of(&c.out, from, types, sizeof types), 0);
        ck_assert_msg(types[0] == 'E', "case %zu: %s", i, types);
        conv_close(&c);
    }
    /* random bytes after login: always well-framed answers or a wait */
    srand(12345);
    for (int round = 0; round < 300; round++) {
        conv c;
        conv_open(&c);
        login(&c);
        size_t n = (size_t)(rand() % 64);
        uint8_t *junk = tn_malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            junk[k] = (uint8_t)rand();
        if (n > 5 && round % 2) { /* a plausible type and a small length */
            junk[0] = (uint8_t)"QPBDECSHX"[rand() % 9];
            junk[1] = junk[2] = 0;
            junk[3] = 0;
            junk[4] = (uint8_t)(4 + rand() % (int)(n - 4));
        }
        size_t from = c.out.len;
        brk_pg_sess_feed(c.s, junk, n, &c.out, &c.close);
        char types[256];
        ck_assert_int_ge(types_of(&c.out, from, types, sizeof types), 0);
        free(junk);
        conv_close(&c);
    }
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_pg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rd_bounds);
    tcase_add_test(tc, values_text);
    tcase_add_test(tc, params_text);
    tcase_add_test(tc, params_binary);
    tcase_add_test(tc, startup_and_simple);
    tcase_add_test(tc, sqlstates);
    tcase_add_test(tc, cancel_key);
    tcase_add_test(tc, cursors);
    tcase_add_test(tc, extended);
    tcase_add_test(tc, cursor_portal);
    tcase_add_test(tc, truncated_prefixes);
    tcase_add_test(tc, garbage);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
