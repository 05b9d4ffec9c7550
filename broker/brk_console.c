/*
 * brk_console.c: the web console's static files on the admin port: name
 * checks, content types, the "not built" page.
 */
#include "brk_console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
