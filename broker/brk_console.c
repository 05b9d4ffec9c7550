/*
 * brk_console.c: the web console's static files on the admin port: name
 * checks, content types, the "not built" page; and its sign-in endpoints
 * (/auth/login, /auth/info, /auth/whoami).
 */
#include "brk_console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#define MAX_NAME 128

typedef struct console_type {
    const char *ext;
    const char *content_type;
    const char *cache_control;
} console_type;

/* Our own pages and scripts change with every build and their names carry
 * no version, so browsers revalidate them (a loopback fetch is cheap);
 * images may stay a day. */
static const console_type types[] = {
    {".html", "text/html; charset=utf-8", "no-cache"},
    {".js", "text/javascript; charset=utf-8", "no-cache"},
    {".mjs", "text/javascript; charset=utf-8", "no-cache"},
    {".css", "text/css; charset=utf-8", "no-cache"},
    {".json", "application/json", "no-cache"},
    {".png", "image/png", "public, max-age=86400"},
    {".svg", "image/svg+xml", "public, max-age=86400"},
    {".ico", "image/x-icon", "public, max-age=86400"},
};

int brk_console_default_dir(char *buf, size_t cap, char *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return tn_err(err, TN_EIO, "cannot read /proc/self/exe: %s", strerror(errno));
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    if ((size_t)snprintf(buf, cap, "%s/console", exe) >= cap)
        return tn_err(err, TN_EINVAL, "console directory path too long: %s/console", exe);
    return TN_OK;
}

bool brk_console_built(const char *dir)
{
    char path[PATH_MAX];
    struct stat st;
    if ((size_t)snprintf(path, sizeof path, "%s/index.html", dir) >= sizeof path)
        return false;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The type of a plain file name of ours, or NULL. The path is still
 * URL-encoded: allowing only [A-Za-z0-9._-] (no '%', no '/') refuses
 * traversal in every spelling, encoded or not, and NUL with it. */
static const console_type *type_of(const char *name)
{
    size_t len = strlen(name);
    if (!len || len > MAX_NAME || name[0] == '.' || strstr(name, ".."))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!plain)
            return NULL;
    }
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < TN_ARRAY_LEN(types); i++)
        if (!strcmp(dot, types[i].ext))
            return &types[i];
    return NULL;
}

static void append_html(tn_buf *b, const char *s)
{
    for (; *s; s++) {
        const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                      : *s == '"' ? "&quot;" : NULL;
        if (e)
            tn_buf_append(b, e, strlen(e));
        else
            tn_buf_append(b, s, 1);
    }
}

static void append_str(tn_buf *b, const char *s) { tn_buf_append(b, s, strlen(s)); }

/* 404 with a page that says how to build the console: the broker itself
 * runs fine without it. */
static void not_built(const char *dir, brk_response *out)
{
    tn_buf b = {0};
    append_str(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<title>Tannin console not built</title></head>\n<body style=\"font-family:"
                   "sans-serif;max-width:46em;margin:3em auto;line-height:1.5\">\n"
                   "<h1>The Tannin console is not built</h1>\n<p>The broker looked for it in "
                   "<code>");
    append_html(&b, dir);
    append_str(&b, "</code> and found no <code>index.html</code>.</p>\n<p>Build it with "
                   "<code>cmake --build build</code> (the <code>console</code> target runs "
                   "<code>broker/console/build.sh</code>; Chart.js comes from npm), or run "
                   "<code>broker/console/build.sh DIR</code> and start the broker with "
                   "<code>--console-dir DIR</code>.</p>\n<p>The SQL API works without it: "
                   "<code>POST /sql</code> on this port, <code>POST /query/sql</code> on the "
                   "query port.</p>\n</body></html>\n");
    tn_buf_append(&b, "", 1);
    brk_response_set(out, 404, "text/html; charset=utf-8", (char *)b.data);
}

static void not_found(const char *name, brk_response *out)
{
    brk_response_error(out, 404, "No such console file: %.*s", MAX_NAME, name);
}

/* Reads dir/name (a regular file, no symlink, at most the size cap) into
 * out; false with out set to the error otherwise. */
static bool read_console_file(const char *dir, const char *name, const console_type *t,
                      brk_response *out)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        not_found(name, out);
        return false;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        not_found(name, out);
        return false;
    }
    if ((uint64_t)st.st_size > BRK_CONSOLE_MAX_FILE) {
        close(fd);
        brk_response_error(out, 500, "Console file %s is larger than %u bytes", name,
                           BRK_CONSOLE_MAX_FILE);
        return false;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *data = tn_malloc(size + 1);
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    data[got] = 0;
    free(out->body);
    out->status = 200;
    out->content_type = t->content_type;
    out->body = data;
    out->len = got;
    return true;
}

/* The file a console path names ("index.html" for the index), or NULL
 * when path is not the console's. */
static const char *console_name(const char *path)
{
    if (!strcmp(path, "/") || !strcmp(path, "/console") || !strcmp(path, "/console/"))
        return "index.html";
    if (!strncmp(path, "/console/", 9))
        return path + 9;
    return NULL;
}

bool brk_console_handle(const char *dir, const brk_request *req, brk_response *out,
                        const char **cache_control)
{
    if (req->method != BRK_GET && req->method != BRK_HEAD)
        return false;
    const char *name = console_name(req->path);
    if (!name)
        return false;
    out->pinot_error = BRK_NO_ERROR_HEADER;
    *cache_control = "no-store";
    if (!dir || !brk_console_built(dir)) {
        not_built(dir ? dir : "(none)", out);
        return true;
    }
    const console_type *t = type_of(name);
    if (!t)
        not_found(name, out);
    else if (read_console_file(dir, name, t, out))
        *cache_control = t->cache_control;
    return true;
}

/* ---- sign-in ------------------------------------------------------------ */

static void json_reply(brk_response *out, cJSON *js)
{
    char *text = cJSON_PrintUnformatted(js);
    cJSON_Delete(js);
    brk_response_set(out, 200, "application/json", tn_strdup(text ? text : "{}"));
    out->pinot_error = BRK_NO_ERROR_HEADER;
    free(text);
}

/* Copies a JSON string member into buf; false when absent, not a string
 * or too long. */
static bool member(const cJSON *o, const char *key, char *buf, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
        return false;
    snprintf(buf, cap, "%s", v->valuestring);
    return true;
}

/* Wipes the strings of a parsed login body (the password) before it is
 * freed. */
static void wipe_json(cJSON *js)
{
    for (cJSON *v = js ? js->child : NULL; v; v = v->next)
        if (cJSON_IsString(v))
            explicit_bzero(v->valuestring, strlen(v->valuestring));
}

/* Whether the body is empty or blank (the credentials are then in the
 * Basic header). */
static bool blank(const brk_request *req)
{
    for (size_t i = 0; i < req->len; i++)
        if (!strchr(" \t\r\n", req->body[i]))
            return false;
    return true;
}

/* The user name and password of a login request; false with out set to
 * a 400 otherwise. */
static bool login_credentials(const brk_request *req, const char *authorization, char *user,
                              char *pw, brk_response *out)
{
    bool ok;
    if (blank(req)) {
        ok = brk_auth_basic_split(authorization, user, BRK_AUTH_MAX_USER + 1, pw,
                                  BRK_AUTH_MAX_PASSWORD + 1);
    } else {
        cJSON *js = cJSON_ParseWithLength((const char *)req->body, req->len);
        ok = cJSON_IsObject(js) && member(js, "username", user, BRK_AUTH_MAX_USER + 1) &&
             member(js, "password", pw, BRK_AUTH_MAX_PASSWORD + 1);
        wipe_json(js);
        cJSON_Delete(js);
    }
    if (!ok)
        brk_response_error(out, 400, "POST /auth/login takes a JSON body {\"username\": \"...\", "
                           "\"password\": \"...\"} (a name of at most %d bytes, a password of at "
                           "most %d) or a Basic Authorization header", BRK_AUTH_MAX_USER,
                           BRK_AUTH_MAX_PASSWORD);
    return ok;
}

static const char *role_name(const brk_user *u)
{
    return brk_user_is_admin(u) ? "ADMIN" : "USER";
}

static void login(brk_broker *b, brk_request *req, const char *authorization, brk_response *out,
                  char *detail, size_t cap)
{
    char user[BRK_AUTH_MAX_USER + 1], pw[BRK_AUTH_MAX_PASSWORD + 1];
    if (!brk_auth_enabled(b->auth)) {
        brk_response_error(out, 400, "Authentication is off on this broker: requests need no "
                           "credentials and there is no login");
        return;
    }
    bool ok = login_credentials(req, authorization, user, pw, out);
    explicit_bzero(req->body, req->len);
    if (!ok)
        return;
    char *token = NULL;
    int rc = brk_auth_login(b->auth, user, pw, &token, &req->user);
    explicit_bzero(pw, sizeof pw);
    if (rc != BRK_AUTH_OK) {
        req->user = NULL;
        brk_response_error(out, rc == BRK_AUTH_TOO_MANY ? 429 : 401, "%s",
                           rc == BRK_AUTH_TOO_MANY ? "Too many connections for this user"
                                                   : "Invalid user name or password");
        snprintf(detail, cap, "login failed for user \"%.64s\"", user);
        return;
    }
    int64_t ttl = b->opts.auth.token_ttl_s > 0 ? b->opts.auth.token_ttl_s : 12 * 3600;
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "token", token);
    cJSON_AddStringToObject(js, "tokenType", "Bearer");
    cJSON_AddStringToObject(js, "username", brk_user_name(req->user));
    cJSON_AddStringToObject(js, "role", role_name(req->user));
    cJSON_AddNumberToObject(js, "expiresIn", (double)ttl);
    explicit_bzero(token, strlen(token));
    free(token);
    json_reply(out, js);
}

bool brk_console_auth_public(brk_broker *b, brk_request *req, const char *authorization,
                             brk_response *out, char *detail, size_t cap)
{
    bool is_login = !strcmp(req->path, "/auth/login");
    if (!is_login && strcmp(req->path, "/auth/info"))
        return false;
    out->pinot_error = BRK_NO_ERROR_HEADER;
    if (is_login && req->method != BRK_POST) {
        brk_response_error(out, 405, "/auth/login takes POST");
    } else if (is_login) {
        login(b, req, authorization, out, detail, cap);
    } else if (req->method != BRK_GET && req->method != BRK_HEAD) {
        brk_response_error(out, 405, "/auth/info takes GET");
    } else {
        cJSON *js = cJSON_CreateObject();
        cJSON_AddBoolToObject(js, "authEnabled", brk_auth_enabled(b->auth));
        json_reply(out, js);
    }
    return true;
}

bool brk_console_auth_whoami(brk_broker *b, const brk_request *req, brk_response *out)
{
    if (strcmp(req->path, "/auth/whoami"))
        return false;
    out->pinot_error = BRK_NO_ERROR_HEADER;
    if (req->method != BRK_GET && req->method != BRK_HEAD) {
        brk_response_error(out, 405, "/auth/whoami takes GET");
        return true;
    }
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "username", brk_user_name(req->user));
    cJSON_AddStringToObject(js, "role", role_name(req->user));
    cJSON_AddBoolToObject(js, "authEnabled", brk_auth_enabled(b->auth));
    json_reply(out, js);
    return true;
}
