/*
 * tn_sqlc.c: the load-test tools' SQL client (tn_sqlc.h).
 *
 * Answers are checked without parsing whole result tables: the client finds
 * the top-level "exceptions" key and parses only its value. That is safe on
 * JSON text: a quote inside a string is escaped, so the byte sequence
 * "exceptions" followed by a colon can only be an object key, and the
 * broker writes the top-level one before any nested object could hold one.
 */
#include "tn_sqlc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tn_httpc.h"

const char *const tn_sqlc_kind_names[TN_SQLC_NKINDS] = {"ok", "transport", "http",
                                                        "exceptions"};

int tn_sqlc_parse_url(const char *url, char *host, size_t cap, int *port, char *err)
{
    const char *p = strncmp(url, "http://", 7) == 0 ? url + 7 : url;
    const char *colon = strrchr(p, ':');
    if (!colon || colon == p || (size_t)(colon - p) >= cap)
        return tn_err(err, TN_EINVAL, "'%s' is not http://HOST:PORT", url);
    char *end;
    long v = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || (*end && strcmp(end, "/")) || v < 1 || v > 65535)
        return tn_err(err, TN_EINVAL, "'%s' is not http://HOST:PORT", url);
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = 0;
    *port = (int)v;
    return TN_OK;
}

void tn_sqlc_init(tn_sqlc *c, const char *host, int port)
{
    memset(c, 0, sizeof *c);
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = port;
    c->fd = -1;
}

void tn_sqlc_close(tn_sqlc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    tn_buf_free(&c->resp);
}

char *tn_sqlc_build(const char *host, int port, const char *sql, size_t *len)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "sql", sql);
    char *body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    size_t blen = strlen(body);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /query/sql HTTP/1.1\r\nHost: %s:%d\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     host, port, blen);
    char *req = tn_malloc((size_t)n + blen + 1);
    memcpy(req, head, (size_t)n);
    memcpy(req + n, body, blen + 1);
    free(body);
    *len = (size_t)n + blen;
    return req;
}

/* The value of the first "exceptions" key, parsed; NULL when absent. */
static cJSON *find_exceptions(const char *body, size_t len)
{
    static const char key[] = "\"exceptions\"";
    const char *p = body, *end = body + len;
    while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
        p += sizeof key - 1;
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        if (p < end && *p == ':')
            return cJSON_ParseWithLengthOpts(p + 1, (size_t)(end - p - 1), NULL, 0);
    }
    return NULL;
}

/* Classifies a 200 answer by its exceptions list. */
static tn_sqlc_kind check_exceptions(const char *body, size_t len, char *msg, size_t cap)
{
    cJSON *ex = find_exceptions(body, len);
    tn_sqlc_kind k = TN_SQLC_OK;
    if (!cJSON_IsArray(ex)) {
        snprintf(msg, cap, "answer has no exceptions list: %.120s", body);
        k = TN_SQLC_EXCEPTION;
    } else if (cJSON_GetArraySize(ex) > 0) {
        const cJSON *first = cJSON_GetArrayItem(ex, 0);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(first, "message");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(first, "errorCode");
        snprintf(msg, cap, "errorCode %d: %s", cJSON_IsNumber(code) ? code->valueint : 0,
                 cJSON_IsString(m) ? m->valuestring : "(no message)");
        k = TN_SQLC_EXCEPTION;
    }
    cJSON_Delete(ex);
    return k;
}

tn_sqlc_kind tn_sqlc_send(tn_sqlc *c, const char *req, size_t len, const char **body,
                          size_t *blen, char *msg, size_t cap)
{
    *body = NULL;
    *blen = 0;
    if (c->fd < 0 && (c->fd = tn_httpc_connect(c->host, c->port)) < 0) {
        snprintf(msg, cap, "cannot connect to %s:%d", c->host, c->port);
        return TN_SQLC_TRANSPORT;
    }
    int st = tn_httpc_request(c->fd, req, len, NULL, 0, &c->resp, body, blen);
    if (st < 0) {
        snprintf(msg, cap, "connection to %s:%d lost or answer not understood", c->host,
                 c->port);
        close(c->fd);
        c->fd = -1;
        return TN_SQLC_TRANSPORT;
    }
    if (st != 200) {
        snprintf(msg, cap, "HTTP %d: %.*s", st, (int)TN_MIN(*blen, 150), *body);
        return TN_SQLC_HTTP;
    }
    return check_exceptions(*body, *blen, msg, cap);
}

tn_sqlc_kind tn_sqlc_query(tn_sqlc *c, const char *sql, cJSON **out, char *msg, size_t cap)
{
    *out = NULL;
    size_t len, blen;
    const char *body;
    char *req = tn_sqlc_build(c->host, c->port, sql, &len);
    tn_sqlc_kind k = tn_sqlc_send(c, req, len, &body, &blen, msg, cap);
    if (k == TN_SQLC_TRANSPORT)
        k = tn_sqlc_send(c, req, len, &body, &blen, msg, cap);
    free(req);
    if (k == TN_SQLC_OK && !(*out = cJSON_ParseWithLength(body, blen))) {
        snprintf(msg, cap, "answer is not JSON: %.120s", body);
        k = TN_SQLC_EXCEPTION;
    }
    return k;
}

double tn_sqlc_first_number(const cJSON *answer)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(answer, "resultTable");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(rt, "rows");
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 0);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}
