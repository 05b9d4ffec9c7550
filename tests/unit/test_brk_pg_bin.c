/*
 * test_brk_pg_bin.c: PostgreSQL's binary numeric/date/timestamp/
 * timestamptz codecs: exact byte layouts of known values (worked out from
 * PostgreSQL's numeric_send/date_send/timestamp_send rules and Python's
 * datetime), round trips, range limits, infinities, rounding of
 * fractional seconds, and clear errors on bad text and bad binary.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_pg_bin.h"
#include "brk_pg_proto.h"

/* text -> hex of the binary form, or "E<code>: message". */
static char got[70000];

static const char *enc(int32_t oid, const char *text)
{
    tn_buf b = {0};
    char err[TN_ERRLEN] = "";
    int rc = brk_pg_bin_from_text(oid, text, strlen(text), &b, err);
    if (rc) {
        ck_assert_msg(b.len == 0, "output left behind on failure");
        snprintf(got, sizeof got, "E%d: %s", rc, err);
    } else {
        size_t k = 0;
        for (size_t i = 0; i < b.len && k + 3 < sizeof got; i++)
            k += (size_t)snprintf(got + k, sizeof got - k, "%02x", b.data[i]);
        got[k] = 0;
    }
    tn_buf_free(&b);
    return got;
}

/* hex -> text, or "E<code>: message". */
static const char *dec(int32_t oid, const char *hex)
{
    static uint8_t bin[35000];
    size_t n = strlen(hex) / 2;
    ck_assert(n <= sizeof bin);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        bin[i] = (uint8_t)v;
    }
    tn_buf b = {0};
    char err[TN_ERRLEN] = "";
    int rc = brk_pg_bin_to_text(oid, bin, n, &b, err);
    if (rc)
        snprintf(got, sizeof got, "E%d: %s", rc, err);
    else
        snprintf(got, sizeof got, "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
    tn_buf_free(&b);
    return got;
}

/* text -> binary -> text. */
static const char *round_trip(int32_t oid, const char *text)
{
    static char hex[70000];
    snprintf(hex, sizeof hex, "%s", enc(oid, text));
    ck_assert_msg(hex[0] != 'E', "%.40s: %.200s", text, hex);
    return dec(oid, hex);
}

#define ENC(oid, text, want) ck_assert_str_eq(enc(oid, text), want)
#define DEC(oid, hex, want) ck_assert_str_eq(dec(oid, hex), want)
#define RT(oid, text, want) ck_assert_str_eq(round_trip(oid, text), want)
#define ERR(oid, text, code, part)                                                           \
    do {                                                                                     \
        const char *g_ = enc(oid, text);                                                     \
        char p_[16];                                                                         \
        snprintf(p_, sizeof p_, "E%d: ", code);                                              \
        ck_assert_msg(!strncmp(g_, p_, strlen(p_)) && strstr(g_, part), "%s -> %s", text, g_); \
    } while (0)
#define DERR(oid, hex, code, part)                                                           \
    do {                                                                                     \
        const char *g_ = dec(oid, hex);                                                      \
        char p_[16];                                                                         \
        snprintf(p_, sizeof p_, "E%d: ", code);                                              \
        ck_assert_msg(!strncmp(g_, p_, strlen(p_)) && strstr(g_, part), "%s -> %s", hex, g_); \
    } while (0)

#define NUM BRK_PG_NUMERIC
#define DATE BRK_PG_DATE
#define TS BRK_PG_TIMESTAMP
#define TSTZ BRK_PG_TIMESTAMPTZ

START_TEST(numeric_layout)
{
    /* ndigits, weight, sign, dscale, digits (base 10000) */
    ENC(NUM, "0", "0000000000000000");
    ENC(NUM, "0.00", "0000000000000002");
    ENC(NUM, "-0", "0000000000000000");
    ENC(NUM, "1", "00010000000000000001");
    ENC(NUM, "1.5", "000200000000000100011388");
    ENC(NUM, "-12345.678", "0003000140000003000109291a7c");
    ENC(NUM, "0.001", "0001ffff00000003000a");
    ENC(NUM, "10000", "00010001000000000001");
    ENC(NUM, "100000000.0", "00010002000000010001");
    ENC(NUM, "1e-3", "0001ffff00000003000a");
    ENC(NUM, "1.5e1", "0001000000000000000f");
    ENC(NUM, "15E+2", "000100000000000005dc");
    ENC(NUM, "  +7  ", "00010000000000000007");
    ENC(NUM, ".5", "0001ffff000000011388");
    ENC(NUM, "1.", "00010000000000000001");
    ENC(NUM, "00012.3400", "0002000000000004000c0d48");
    ENC(NUM, "20000.0002", "0003000100000004000200000002");
    ENC(NUM, "NaN", "00000000c0000000");
    ENC(NUM, "nan", "00000000c0000000");
    ENC(NUM, "Infinity", "00000000d0000000");
    ENC(NUM, "inf", "00000000d0000000");
    ENC(NUM, "-Infinity", "00000000f0000000");
    /* 1 at the 101st decimal: weight -26, the digit 1000, dscale 101 */
    char tiny[128] = "0.";
    memset(tiny + 2, '0', 100);
    strcpy(tiny + 102, "1");
    ENC(NUM, tiny, "0001ffe60000006503e8");
}
END_TEST

START_TEST(numeric_round_trip)
{
    const char *same[] = {"0", "0.00", "1", "-1", "1.5", "-12345.678", "0.001", "10000",
                          "9999", "99999999.99999999", "123456789012345678901234567890."
                          "123456789012345678901234567890", "-0.000000001", "3.14159",
                          "1000000000000000000000000", "0.1000", "NaN", "Infinity",
                          "-Infinity", "2147483648", "-9223372036854775809"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        RT(NUM, same[i], same[i]);
    RT(NUM, "-0.00", "0.00");
    RT(NUM, "1e20", "100000000000000000000");
    RT(NUM, "1.25e-5", "0.0000125");
    RT(NUM, "+00042", "42");
    RT(NUM, "inf", "Infinity");
    /* a scale at the limit goes through; digit by digit, nothing lost */
    static char big[20000], back[sizeof got];
    strcpy(big, "7.");
    memset(big + 2, '3', 16383);
    big[16385] = 0;
    snprintf(back, sizeof back, "%s", round_trip(NUM, big));
    ck_assert_msg(!strcmp(back, big), "16383 decimals did not come back (%zu chars)",
                  strlen(back));
    static char wide[1200];
    memset(wide, '9', 1100);
    wide[1100] = 0;
    RT(NUM, wide, wide);
}
END_TEST

START_TEST(numeric_errors)
{
    ERR(NUM, "", TN_EINVAL, "invalid input syntax for type numeric");
    ERR(NUM, "abc", TN_EINVAL, "\"abc\"");
    ERR(NUM, "1.2.3", TN_EINVAL, "unexpected character");
    ERR(NUM, "1e", TN_EINVAL, "numeric");
    ERR(NUM, "--1", TN_EINVAL, "numeric");
    ERR(NUM, "1 2", TN_EINVAL, "numeric");
    ERR(NUM, ".", TN_EINVAL, "numeric");
    ERR(NUM, "e5", TN_EINVAL, "numeric");
    ERR(NUM, "1e1001", TN_EINVAL, "exponent out of range");
    ERR(NUM, "1e-99999999999999999999", TN_EINVAL, "exponent out of range");
    static char over[20000];
    strcpy(over, "0.");
    memset(over + 2, '0', 16384);
    over[16386] = 0;
    ERR(NUM, over, TN_EFULL, "scale 16384");
    ck_assert_str_eq(brk_pg_bin_sqlstate(NUM, TN_EFULL, true), "22003");
    ck_assert_str_eq(brk_pg_bin_sqlstate(NUM, TN_EINVAL, true), "22P02");
    ck_assert_str_eq(brk_pg_bin_sqlstate(NUM, TN_EINVAL, false), "22P03");
    /* binary side */
    DERR(NUM, "000000", TN_EINVAL, "too short");
    DERR(NUM, "00020000000000000001", TN_EINVAL, "does not hold 2 digits");
    DERR(NUM, "ffff000000000000", TN_EINVAL, "does not hold -1 digits");
    DERR(NUM, "0000000080000000", TN_EINVAL, "invalid sign");
    DERR(NUM, "0000000000004000", TN_EINVAL, "invalid scale");
    DERR(NUM, "00010000000000002710", TN_EINVAL, "invalid digit");
}
END_TEST

START_TEST(numeric_decode)
{
    DEC(NUM, "0000000040000002", "0.00");  /* a negative zero prints as zero */
    DEC(NUM, "00010002000000000001", "100000000");
    DEC(NUM, "000200000000000000011388", "1"); /* digits below dscale are cut */
    DEC(NUM, "00020000400000020001092d", "-1.23"); /* 1.2345 at scale 2 */
    DEC(NUM, "0001ffff00000002000a", "0.00");
    DEC(NUM, "0001fffe000000050003", "0.00000");
    DEC(NUM, "0001fffe000000080003", "0.00000003");
    DEC(NUM, "00000000d0000000", "Infinity");
    DEC(NUM, "00000000f0000000", "-Infinity");
    DEC(NUM, "00000000c0000000", "NaN");
    DEC(NUM, "0000000000000003", "0.000");
}
END_TEST

START_TEST(date_codec)
{
    ENC(DATE, "2000-01-01", "00000000");
    ENC(DATE, "1970-01-01", "ffffd533");
    ENC(DATE, "epoch", "ffffd533");
    ENC(DATE, "2000-01-02", "00000001");
    ENC(DATE, "1999-12-31", "ffffffff");
    ENC(DATE, "0001-01-01", "fff4dbf9"); /* -730119 */
    ENC(DATE, "infinity", "7fffffff");
    ENC(DATE, "-infinity", "80000000");
    ENC(DATE, "4714-11-24 BC", "ffda97a7"); /* -2451545, Julian day 0 */
    ENC(DATE, "2024-02-29 13:14:15", "00002279"); /* 8825; the time is ignored */
    RT(DATE, "2262-04-11", "2262-04-11");
    RT(DATE, "2024-02-29", "2024-02-29");
    RT(DATE, "2000-02-29", "2000-02-29");
    RT(DATE, "9999-12-31", "9999-12-31");
    RT(DATE, "10000-01-01", "10000-01-01");
    RT(DATE, "5874897-12-31", "5874897-12-31");
    RT(DATE, "0001-12-31 BC", "0001-12-31 BC");
    RT(DATE, "0044-03-15 BC", "0044-03-15 BC");
    RT(DATE, "1582-10-10", "1582-10-10"); /* proleptic Gregorian, no gap */
    RT(DATE, "+infinity", "infinity");
    DEC(DATE, "00017632", "2262-04-11"); /* 95794 */
    DEC(DATE, "fff4dbf9", "0001-01-01");
    DEC(DATE, "fff4dbf8", "0001-12-31 BC");
    ERR(DATE, "2023-02-29", TN_EFULL, "out of range");
    ERR(DATE, "1900-02-29", TN_EFULL, "out of range");
    ERR(DATE, "2024-13-01", TN_EFULL, "out of range");
    ERR(DATE, "2024-00-10", TN_EFULL, "out of range");
    ERR(DATE, "0000-01-01", TN_EFULL, "out of range");
    ERR(DATE, "4714-11-23 BC", TN_EFULL, "date out of range");
    ERR(DATE, "5874898-01-01", TN_EFULL, "date out of range");
    ERR(DATE, "2024-1-1", TN_EINVAL, "YYYY-MM-DD");
    ERR(DATE, "24-01-01", TN_EINVAL, "YYYY-MM-DD");
    ERR(DATE, "yesterday", TN_EINVAL, "invalid input syntax for type date");
    ERR(DATE, "2024-01-01x", TN_EINVAL, "unexpected text");
    DERR(DATE, "000000", TN_EINVAL, "3 bytes");
    DERR(DATE, "7ffffffe", TN_EFULL, "date out of range");
    DERR(DATE, "ffda97a6", TN_EFULL, "date out of range");
    ck_assert_str_eq(brk_pg_bin_sqlstate(DATE, TN_EFULL, true), "22008");
}
END_TEST

START_TEST(timestamp_codec)
{
    ENC(TS, "2000-01-01 00:00:00", "0000000000000000");
    ENC(TS, "2000-01-01", "0000000000000000");
    ENC(TS, "1970-01-01 00:00:00", "fffca2fec4c82000");
    ENC(TS, "1969-12-31 23:59:59.999999", "fffca2fec4c81fff");
    ENC(TS, "2262-04-11 23:47:16.854775", "001d679a6aab73f7");
    ENC(TS, "2262-04-12 00:00:00", "001d679a98282000");
    ENC(TS, "2024-01-01 00:00:00", "0002b0d5d4e94000");
    ENC(TS, "2024-01-01T00:00:00", "0002b0d5d4e94000");
    ENC(TS, "2024-01-01 24:00:00", "0002b0e9f2c0a000"); /* = 2024-01-02 */
    ENC(TS, "2024-01-01 23:59:60", "0002b0e9f2c0a000");
    ENC(TS, "0001-01-01 00:00:00", "ff1fe2ffc59c6000");
    ENC(TS, "9999-12-31 23:59:59.999999", "0380e70b913b7fff");
    ENC(TS, "2024-02-29 12:34:56.5", "0002b583416e1d20");
    ENC(TS, "infinity", "7fffffffffffffff");
    ENC(TS, "-infinity", "8000000000000000");
    ENC(TS, "4714-11-24 00:00:00 BC", "fd0f7cc1411fa000"); /* the first representable */
    /* timestamp ignores a zone; timestamptz moves to UTC */
    ENC(TS, "2024-01-01 05:30:00+05:30", "0002b0da71154600");
    ENC(TSTZ, "2024-01-01 05:30:00+05:30", "0002b0d5d4e94000");
    ENC(TSTZ, "2024-01-01 05:30:00+0530", "0002b0d5d4e94000");
    ENC(TSTZ, "2023-12-31 19:00:00-05", "0002b0d5d4e94000");
    ENC(TSTZ, "2024-01-01T00:00:00Z", "0002b0d5d4e94000");
    ENC(TSTZ, "2024-01-01 00:00:00 UTC", "0002b0d5d4e94000");
    ENC(TSTZ, "2024-01-01 00:00:00+00", "0002b0d5d4e94000");
    RT(TS, "2024-02-29 12:34:56.5", "2024-02-29 12:34:56.5");
    RT(TS, "2024-02-29 12:34:56.000001", "2024-02-29 12:34:56.000001");
    RT(TS, "2024-02-29 12:34:56.120000", "2024-02-29 12:34:56.12");
    RT(TS, "1970-01-01 00:00:00", "1970-01-01 00:00:00");
    RT(TS, "1969-12-31 23:59:59.999999", "1969-12-31 23:59:59.999999");
    RT(TS, "0001-01-01 00:00:00", "0001-01-01 00:00:00");
    RT(TS, "0001-12-31 23:59:59 BC", "0001-12-31 23:59:59 BC");
    RT(TS, "294276-12-31 23:59:59.999999", "294276-12-31 23:59:59.999999");
    RT(TS, "4714-11-24 00:00:00 BC", "4714-11-24 00:00:00 BC");
    RT(TS, "2024-07-01", "2024-07-01 00:00:00");
    RT(TSTZ, "2024-07-01 12:00:00.25+02", "2024-07-01 10:00:00.25+00");
    RT(TSTZ, "0001-01-01 00:30:00+01 BC", "0002-12-31 23:30:00+00 BC");
    RT(TSTZ, "-infinity", "-infinity");
    /* more than 6 fractional digits round to microseconds, ties to even */
    RT(TS, "2024-01-01 00:00:00.1234564", "2024-01-01 00:00:00.123456");
    RT(TS, "2024-01-01 00:00:00.1234565", "2024-01-01 00:00:00.123456");
    RT(TS, "2024-01-01 00:00:00.1234575", "2024-01-01 00:00:00.123458");
    RT(TS, "2024-01-01 00:00:00.12345651", "2024-01-01 00:00:00.123457");
    RT(TS, "2024-01-01 23:59:59.9999995", "2024-01-02 00:00:00");
    DEC(TS, "7fffffffffffffff", "infinity");
    DEC(TSTZ, "8000000000000000", "-infinity");
    DEC(TSTZ, "0000000000000000", "2000-01-01 00:00:00+00");
    DEC(TS, "ffffffffffffffff", "1999-12-31 23:59:59.999999");
    ERR(TS, "294277-01-01 00:00:00", TN_EFULL, "timestamp out of range");
    ERR(TS, "4714-11-23 23:59:59 BC", TN_EFULL, "timestamp out of range");
    ERR(TSTZ, "4714-11-24 00:00:00+01 BC", TN_EFULL, "timestamp out of range");
    ERR(TS, "2024-01-01 25:00:00", TN_EFULL, "out of range");
    ERR(TS, "2024-01-01 24:00:01", TN_EFULL, "out of range");
    ERR(TS, "2024-01-01 10:60:00", TN_EFULL, "out of range");
    ERR(TS, "2024-01-01 10:00:61", TN_EFULL, "out of range");
    ERR(TS, "2024-01-01 10", TN_EINVAL, "HH:MM:SS");
    ERR(TS, "2024-01-01 10:00:00.", TN_EINVAL, "empty fraction");
    ERR(TS, "2024-01-01 10:00:00 EST", TN_EINVAL, "time zone");
    ERR(TSTZ, "2024-01-01 10:00:00+5", TN_EINVAL, "time zone");
    ERR(TSTZ, "2024-01-01 10:00:00+99", TN_EINVAL, "time zone");
    ERR(TS, "2024-01-01 10:00:00 junk", TN_EINVAL, "timestamp");
    ERR(TS, "", TN_EINVAL, "YYYY-MM-DD");
    DERR(TS, "00000000", TN_EINVAL, "4 bytes (8 expected)");
    DERR(TSTZ, "7fffff5bb3b2a000", TN_EFULL, "timestamp out of range"); /* 294277-01-01 */
    DERR(TS, "fd0f7cc1411f9fff", TN_EFULL, "timestamp out of range");
    ERR(BRK_PG_INT4, "1", TN_EINVAL, "no binary codec");
    DERR(BRK_PG_TEXT, "00", TN_EINVAL, "no binary codec");
}
END_TEST

/* Result cells: rendered as text, then encoded. */
START_TEST(result_values)
{
    tn_buf b = {0};
    char err[TN_ERRLEN];
    qry_val d = {.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = 1.5};
    ck_assert_int_eq(brk_pg_bin_value(&b, &d, NUM, err), TN_OK);
    ck_assert_uint_eq(b.len, 12);
    ck_assert(!memcmp(b.data, "\0\2\0\0\0\0\0\1\0\1\x13\x88", 12));
    tn_buf_reset(&b);
    qry_val ts = {.kind = QV_LONG, .type = SEG_TIMESTAMP, .i = 1500}; /* 1970-01-01 00:00:01.5 */
    ck_assert_int_eq(brk_pg_bin_value(&b, &ts, TS, err), TN_OK);
    ck_assert(!memcmp(b.data, "\xff\xfc\xa2\xfe\xc4\xdf\x03\x60", 8));
    tn_buf_reset(&b);
    qry_val s = {.kind = QV_STRING, .type = SEG_STRING, .s = "2024-02-29", .len = 10};
    ck_assert_int_eq(brk_pg_bin_value(&b, &s, DATE, err), TN_OK);
    ck_assert(!memcmp(b.data, "\0\0\x22\x79", 4));
    tn_buf_reset(&b);
    qry_val bad = {.kind = QV_STRING, .type = SEG_STRING, .s = "soon", .len = 4};
    ck_assert_int_eq(brk_pg_bin_value(&b, &bad, DATE, err), TN_EINVAL);
    ck_assert_uint_eq(b.len, 0);
    ck_assert(strstr(err, "\"soon\""));
    tn_buf_free(&b);
}
END_TEST

/* Binary Bind parameters become the literals the query path substitutes. */
START_TEST(bind_params)
{
    static const uint8_t num[] = {0, 2, 0, 0, 0, 0, 0, 1, 0, 1, 0x13, 0x88};  /* 1.5 */
    static const uint8_t neg[] = {0, 3, 0, 1, 0x40, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c};
    static const uint8_t nan[] = {0, 0, 0, 0, 0xc0, 0, 0, 0};
    static const uint8_t ts[] = {0, 2, 0xb0, 0xd5, 0xd4, 0xe9, 0x40, 0};  /* 2024-01-01 */
    static const uint8_t day[] = {0, 0, 0x22, 0x79};  /* 8825: 2024-02-29 */
    static const uint8_t badsign[] = {0, 0, 0, 0, 0x80, 0, 0, 0};
    static const uint8_t tooshort[] = {0, 0, 1};
    brk_pg_param p[] = {{.p = num, .len = sizeof num, .oid = NUM, .format = 1},
                        {.p = neg, .len = sizeof neg, .oid = NUM, .format = 1},
                        {.p = nan, .len = sizeof nan, .oid = NUM, .format = 1},
                        {.p = ts, .len = sizeof ts, .oid = TS, .format = 1},
                        {.p = ts, .len = sizeof ts, .oid = TSTZ, .format = 1},
                        {.p = day, .len = 4, .oid = DATE, .format = 1}};
    tn_buf out = {0};
    char err[TN_ERRLEN];
    bool un;
    ck_assert_int_eq(brk_pg_substitute("SELECT $1, 1-$2, $3, $4, $5, $6", p, 6, &out, &un, err),
                     TN_OK);
    ck_assert_str_eq((const char *)out.data, "SELECT 1.5, 1-(-12345.678), 'NaN', "
                     "'2024-01-01 00:00:00', '2024-01-01 00:00:00+00', '2024-02-29'");
    brk_pg_param bad = {.p = badsign, .len = sizeof badsign, .oid = NUM, .format = 1};
    ck_assert_int_ne(brk_pg_substitute("SELECT $1", &bad, 1, &out, &un, err), TN_OK);
    ck_assert(!un);
    ck_assert_msg(strstr(err, "parameter $1: invalid sign in external numeric value"), "%s", err);
    bad = (brk_pg_param){.p = tooshort, .len = sizeof tooshort, .oid = TS, .format = 1};
    ck_assert_int_ne(brk_pg_substitute("SELECT $1", &bad, 1, &out, &un, err), TN_OK);
    ck_assert_msg(strstr(err, "3 bytes (8 expected)"), "%s", err);
    /* results: these types now have binary forms, with their lengths */
    ck_assert(brk_pg_binary_ok(NUM) && brk_pg_binary_ok(DATE) && brk_pg_binary_ok(TS) &&
              brk_pg_binary_ok(TSTZ));
    ck_assert_int_eq(brk_pg_type_len(DATE), 4);
    ck_assert_int_eq(brk_pg_type_len(TSTZ), 8);
    ck_assert_int_eq(brk_pg_type_len(NUM), -1);
    tn_buf_reset(&out);
    qry_val v = {.kind = QV_STRING, .type = SEG_STRING, .s = "-12345.678", .len = 10};
    brk_pg_binary_value(&out, &v, NUM);
    ck_assert_uint_eq(out.len, sizeof neg);
    ck_assert(!memcmp(out.data, neg, sizeof neg));
    tn_buf_free(&out);
}
END_TEST

/* Every day from 4714 BC to 5874897 in steps, and around the year 0. */
START_TEST(date_sweep)
{
    for (int64_t d = -2451545; d < 2145031949; d += 9973) {
        char hex[16];
        snprintf(hex, sizeof hex, "%08x", (uint32_t)(int32_t)d);
        char text[64];
        snprintf(text, sizeof text, "%s", dec(DATE, hex));
        ck_assert_msg(text[0] != 'E', "%s", text);
        ck_assert_str_eq(enc(DATE, text), hex);
    }
    for (int64_t d = -731000; d < -729000; d++) {
        char hex[16];
        snprintf(hex, sizeof hex, "%08x", (uint32_t)(int32_t)d);
        char text[64];
        snprintf(text, sizeof text, "%s", dec(DATE, hex));
        ck_assert_str_eq(enc(DATE, text), hex);
    }
    for (int64_t t = -211813488000000000LL; t < 9223371331200000000LL - 1234567890123457LL;
         t += 1234567890123457LL) {
        char hex[24];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)t);
        char text[64];
        snprintf(text, sizeof text, "%s", dec(TSTZ, hex));
        ck_assert_msg(text[0] != 'E', "%s", text);
        ck_assert_str_eq(enc(TSTZ, text), hex);
    }
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_pg_bin");
    TCase *tc = tcase_create("codecs");
    tcase_add_test(tc, numeric_layout);
    tcase_add_test(tc, numeric_round_trip);
    tcase_add_test(tc, numeric_errors);
    tcase_add_test(tc, numeric_decode);
    tcase_add_test(tc, date_codec);
    tcase_add_test(tc, timestamp_codec);
    tcase_add_test(tc, result_values);
    tcase_add_test(tc, bind_params);
    tcase_add_test(tc, date_sweep);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
