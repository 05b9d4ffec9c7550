/*
 * test_brk_auth.c: the broker's users and credentials: Pinot user JSON in
 * and out (no secrets out), SCRAM verifiers (RFC 7677's vector, the text
 * form), password and Basic/Bearer checks (unknown users fail like wrong
 * passwords), PUT keeping the password, persistence across reopen,
 * table permissions and views, quotas, connection caps, audit rotation.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "brk_auth_int.h"

static char dir[64];
static brk_auth *auth;

static void open_auth(bool enabled, const char *boot_pw)
{
    char audit[128], err[TN_ERRLEN];
    snprintf(audit, sizeof audit, "%s/audit.log", dir);
    brk_auth_opts o = {.enabled = enabled, .data_dir = dir, .no_sync = true,
                       .bootstrap_user = boot_pw ? "root" : NULL, .bootstrap_password = boot_pw,
                       .audit_path = audit, .audit_max_bytes = 600, .audit_keep = 2,
                       .max_conns_per_user = 2};
    ck_assert_msg(brk_auth_open(&o, &auth, err) == 0, "%s", err);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tn_auth_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    open_auth(true, "rootpw");
}

static void teardown(void)
{
    brk_auth_close(auth);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static int put(const char *json, bool replace)
{
    char err[TN_ERRLEN];
    return brk_auth_put_user(auth, json, strlen(json), replace, NULL, 0, err);
}

static const char ana[] =
    "{\"username\":\"ana\",\"password\":\"pw1\",\"component\":\"BROKER\",\"role\":\"USER\","
    "\"tables\":[\"ads\"],\"permissions\":[\"READ\"],"
    "\"rlsFilters\":{\"ads\":[\"aggregator = 'adnexa'\",\"region <> 'x'\"]},"
    "\"visibleColumns\":{\"ads\":[\"aggregator\",\"ts\"]}}";

static char *basic(const char *user_pw)
{
    static char h[256];
    char b64[200];
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)user_pw, (int)strlen(user_pw));
    snprintf(h, sizeof h, "Basic %s", b64);
    return h;
}

START_TEST(off_means_open_admin)
{
    brk_auth_close(auth);
    open_auth(false, NULL);
    brk_user *u;
    ck_assert_int_eq(brk_auth_http(auth, NULL, &u), BRK_AUTH_OK);
    ck_assert(brk_user_is_admin(u));
    ck_assert(brk_user_can_read(u, "anything"));
    ck_assert_ptr_null(brk_user_access(u, "anything"));
    brk_user_unref(u);
}
END_TEST

START_TEST(on_without_users_refuses_to_start)
{
    brk_auth_close(auth);
    auth = NULL;
    char err[TN_ERRLEN], sub[128];
    snprintf(sub, sizeof sub, "%s/empty", dir);
    mkdir(sub, 0700);
    brk_auth_opts o = {.enabled = true, .data_dir = sub, .no_sync = true};
    ck_assert_int_eq(brk_auth_open(&o, &auth, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "--admin-password-file"), "%s", err);
    open_auth(true, "rootpw");
}
END_TEST

START_TEST(users_json_in_and_out)
{
    ck_assert_int_eq(put(ana, false), 0);
    ck_assert_int_eq(put(ana, false), TN_EEXIST);
    ck_assert_int_eq(put("{\"username\":\"nobody\",\"role\":\"USER\"}", true), TN_ENOTFOUND);
    ck_assert_int_eq(put("{\"username\":\"x\"}", false), TN_EINVAL); /* no password */
    ck_assert_int_eq(put("{\"username\":\"x y\",\"password\":\"p\"}", false), TN_EINVAL);
    ck_assert_int_eq(put("{\"username\":\"x\",\"password\":\"p\",\"role\":\"ROOT\"}", false),
                     TN_EINVAL);
    ck_assert_int_eq(put("{\"username\":\"x\",\"password\":\"p\","
                         "\"rlsFilters\":{\"t\":\"a = 1 GROUP BY a\"}}", false), TN_EINVAL);
    ck_assert_int_eq(put("{\"username\":\"x\",\"password\":\"p\","
                         "\"permissions\":[\"FLY\"]}", false), TN_EINVAL);
    ck_assert_int_eq(put("[1]", false), TN_EINVAL);
    char err[TN_ERRLEN];
    static const char bad[] = "{\"username\":\"x\",\"password\":\"p\","
                              "\"rlsFilters\":{\"t\":\"region = \"}}";
    ck_assert_int_eq(brk_auth_put_user(auth, bad, strlen(bad), false, NULL, 0, err), TN_EINVAL);
    /* the position counts in the filter's own text */
    ck_assert_msg(strstr(err, "row filter for table t") && strstr(err, "at position 9"), "%s",
                  err);
    char *all = brk_auth_users_json(auth);
    ck_assert_msg(strstr(all, "\"ana_BROKER\"") && strstr(all, "\"root_BROKER\""), "%s", all);
    ck_assert_msg(!strstr(all, "pw1") && !strstr(all, "SCRAM") && !strstr(all, "password"),
                  "%s", all);
    free(all);
    char *one = brk_auth_user_json(auth, "ana");
    ck_assert_msg(strstr(one, "\"usernameWithComponent\":\"ana_BROKER\""), "%s", one);
    free(one);
    ck_assert_ptr_null(brk_auth_user_json(auth, "nobody"));
}
END_TEST

START_TEST(scram_vector_and_text_form)
{
    /* RFC 7677: user "user", password "pencil" */
    brk_scram_verifier v = {.salt_len = 16, .iterations = 4096};
    static const char salt64[] = "W22ZaJ0SNY7soEsUEjb6gQ==";
    char text[256];
    snprintf(text, sizeof text, "SCRAM-SHA-256$4096:%s$%s:%s", salt64,
             "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=",
             "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
    ck_assert(brk_scram_parse(text, &v));
    ck_assert_uint_eq(v.iterations, 4096);
    char *back = brk_scram_format(&v);
    ck_assert_str_eq(back, text);
    free(back);
    brk_scram_verifier made;
    char err[TN_ERRLEN];
    ck_assert_int_eq(brk_scram_make("pencil", 4096, &made, err), 0);
    /* a stored verifier written by PostgreSQL's rules checks "pencil" */
    char doc[512];
    snprintf(doc, sizeof doc, "{\"username\":\"user\",\"role\":\"USER\",\"scram\":\"%s\"}",
             text);
    ck_assert_int_eq(seg_store_put_doc(auth->store, "user/user", doc, strlen(doc), err), 0);
    brk_auth_close(auth);
    open_auth(true, NULL);
    brk_user *u;
    ck_assert_int_eq(brk_auth_password(auth, "user", "pencil", &u), BRK_AUTH_OK);
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_password(auth, "user", "pencil2", &u), BRK_AUTH_DENIED);
    ck_assert(!brk_scram_parse("SCRAM-SHA-256$0:AA==$x:y", &made));
    ck_assert(!brk_scram_parse("md5abc", &made));
    ck_assert(!brk_scram_parse("SCRAM-SHA-256$4096:!!!!$AAAA:AAAA", &made));
}
END_TEST

START_TEST(passwords_basic_and_tokens)
{
    ck_assert_int_eq(put(ana, false), 0);
    brk_user *u;
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_OK);
    ck_assert_str_eq(brk_user_name(u), "ana");
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_OK); /* cached */
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw2", &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_password(auth, "ghost", "pw1", &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_http(auth, NULL, &u), BRK_AUTH_MISSING);
    ck_assert_int_eq(brk_auth_http(auth, basic("ana:pw1"), &u), BRK_AUTH_OK);
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_http(auth, basic("ana:pw1x"), &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_http(auth, basic("anapw1"), &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_http(auth, "Basic !!!", &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_http(auth, "Digest abc", &u), BRK_AUTH_DENIED);
    /* passwords may hold ':' (only the first one splits) */
    ck_assert_int_eq(put("{\"username\":\"colon\",\"password\":\"a:b\"}", false), 0);
    ck_assert_int_eq(brk_auth_http(auth, basic("colon:a:b"), &u), BRK_AUTH_OK);
    brk_user_unref(u);
    char *tok;
    ck_assert_int_eq(brk_auth_login(auth, "ana", "pw1", &tok, &u), BRK_AUTH_OK);
    brk_user_unref(u);
    ck_assert_uint_eq(strlen(tok), 43);
    char h[128];
    snprintf(h, sizeof h, "Bearer %s", tok);
    ck_assert_int_eq(brk_auth_http(auth, h, &u), BRK_AUTH_OK);
    ck_assert_str_eq(brk_user_name(u), "ana");
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_http(auth, "Bearer AAAA", &u), BRK_AUTH_DENIED);
    /* a changed user loses its tokens and its cached password */
    ck_assert_int_eq(put("{\"username\":\"ana\",\"password\":\"pw2\",\"role\":\"USER\"}", true), 0);
    ck_assert_int_eq(brk_auth_http(auth, h, &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw2", &u), BRK_AUTH_OK);
    brk_user_unref(u);
    free(tok);
}
END_TEST

START_TEST(guessing_backs_off)
{
    ck_assert_int_eq(put(ana, false), 0);
    brk_user *u;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(brk_auth_password(auth, "ana", "guess", &u), BRK_AUTH_DENIED);
    /* the right password is not even checked for a second */
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_DENIED);
    usleep(1100 * 1000);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_OK);
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "guess", &u), BRK_AUTH_DENIED);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_OK); /* reset */
    brk_user_unref(u);
}
END_TEST

START_TEST(put_keeps_password_and_reopen_keeps_users)
{
    ck_assert_int_eq(put(ana, false), 0);
    ck_assert_int_eq(put("{\"username\":\"ana\",\"role\":\"ADMIN\"}", true), 0);
    brk_user *u;
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_OK);
    ck_assert(brk_user_is_admin(u));
    brk_user_unref(u);
    brk_auth_close(auth);
    open_auth(true, NULL);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_OK);
    ck_assert(brk_user_is_admin(u));
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_password(auth, "root", "rootpw", &u), BRK_AUTH_OK);
    brk_user_unref(u);
    char err[TN_ERRLEN];
    ck_assert_int_eq(brk_auth_delete_user(auth, "ana", err), 0);
    ck_assert_int_eq(brk_auth_delete_user(auth, "ana", err), TN_ENOTFOUND);
    ck_assert_int_eq(brk_auth_password(auth, "ana", "pw1", &u), BRK_AUTH_DENIED);
}
END_TEST

START_TEST(table_permissions_and_views)
{
    ck_assert_int_eq(put(ana, false), 0);
    brk_user *u;
    ck_assert_int_eq(brk_auth_user(auth, "ana", &u), BRK_AUTH_OK);
    ck_assert(!brk_user_is_admin(u));
    ck_assert(brk_user_can_read(u, "ads"));
    ck_assert(brk_user_can_read(u, "ADS"));
    ck_assert(brk_user_can_read(u, "ads_REALTIME"));
    ck_assert(!brk_user_can_read(u, "other"));
    const qry_access *a = brk_user_access(u, "Ads_OFFLINE");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->row_filter, "(aggregator = 'adnexa') AND (region <> 'x')");
    ck_assert_uint_eq(a->ncolumns, 2);
    ck_assert(brk_user_column_visible(u, "ads", "TS"));
    ck_assert(!brk_user_column_visible(u, "ads", "revenue"));
    ck_assert_ptr_null(brk_user_access(u, "other"));
    brk_user_unref(u);
    ck_assert_int_eq(put("{\"username\":\"w\",\"password\":\"p\",\"permissions\":[]}", false), 0);
    ck_assert_int_eq(brk_auth_user(auth, "w", &u), BRK_AUTH_OK);
    ck_assert(!brk_user_can_read(u, "ads")); /* no READ */
    brk_user_unref(u);
    ck_assert_int_eq(brk_auth_user(auth, "root", &u), BRK_AUTH_OK);
    ck_assert(brk_user_can_read(u, "ads") && !brk_user_access(u, "ads"));
    brk_user_unref(u);
}
END_TEST

START_TEST(quotas_and_connections)
{
    ck_assert_int_eq(put("{\"username\":\"q\",\"password\":\"p\",\"maxQueriesPerSecond\":3}",
                         false), 0);
    brk_user *u;
    ck_assert_int_eq(brk_auth_user(auth, "q", &u), BRK_AUTH_OK);
    char err[256];
    int ok = 0;
    for (int i = 0; i < 10; i++)
        ok += brk_auth_admit(auth, u, "ads", err, sizeof err);
    ck_assert_int_eq(ok, 3);
    ck_assert_msg(strstr(err, "3 queries per second"), "%s", err);
    usleep(400 * 1000); /* ~1.2 tokens back */
    ck_assert(brk_auth_admit(auth, u, "ads", err, sizeof err));
    brk_auth_set_table_quota(auth, "ADS", 2);
    brk_user *r;
    ck_assert_int_eq(brk_auth_user(auth, "root", &r), BRK_AUTH_OK);
    ok = 0;
    for (int i = 0; i < 5; i++)
        ok += brk_auth_admit(auth, r, "ads", err, sizeof err);
    ck_assert_int_eq(ok, 2);
    ck_assert_msg(strstr(err, "quota.maxQueriesPerSecond"), "%s", err);
    brk_auth_set_table_quota(auth, "ads", 0);
    ck_assert(brk_auth_admit(auth, r, "ads", err, sizeof err));
    ck_assert(brk_auth_conn_acquire(auth, u));
    ck_assert(brk_auth_conn_acquire(auth, u));
    ck_assert(!brk_auth_conn_acquire(auth, u)); /* max_conns_per_user = 2 */
    brk_auth_conn_release(auth, u);
    ck_assert(brk_auth_conn_acquire(auth, u));
    brk_user_unref(u);
    brk_user_unref(r);
}
END_TEST

START_TEST(audit_lines_rotate)
{
    char path[128], rot[140];
    snprintf(path, sizeof path, "%s/audit.log", dir);
    for (int i = 0; i < 20; i++) {
        brk_audit_rec r = {.user = "ana", .endpoint = "http", .action = "query", .table = "ads",
                           .status = 0, .sql = "SELECT \"x\"\n", .ms = i};
        brk_audit(auth, &r);
    }
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_le(st.st_size, 600);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    snprintf(rot, sizeof rot, "%s.1", path);
    ck_assert_int_eq(stat(rot, &st), 0);
    snprintf(rot, sizeof rot, "%s.3", path);
    ck_assert_int_ne(stat(rot, &st), 0); /* keep = 2 */
    char *text;
    size_t n;
    char err[TN_ERRLEN];
    ck_assert_int_eq(tn_read_file(path, &text, &n, err), 0);
    ck_assert_msg(strstr(text, "\"user\":\"ana\"") && strstr(text, "\\\"x\\\"\\n"), "%s", text);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("brk_auth");
    TCase *tc = tcase_create("auth");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, off_means_open_admin);
    tcase_add_test(tc, on_without_users_refuses_to_start);
    tcase_add_test(tc, users_json_in_and_out);
    tcase_add_test(tc, scram_vector_and_text_form);
    tcase_add_test(tc, passwords_basic_and_tokens);
    tcase_add_test(tc, guessing_backs_off);
    tcase_add_test(tc, put_keeps_password_and_reopen_keeps_users);
    tcase_add_test(tc, table_permissions_and_views);
    tcase_add_test(tc, quotas_and_connections);
    tcase_add_test(tc, audit_lines_rotate);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
