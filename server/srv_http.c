/*
 * srv_http.c: the server's admin HTTP (srv_http.h). evhttp runs on its own
 * event thread and answers the cheap endpoints there; queries and
 * consumption changes go to two worker threads, and their replies come
 * back through a list and a user event, because evhttp may only be used
 * from its own thread.
 */
#include "srv_http.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include "srv_local.h"

#define HTTP_WORKERS 2
#define HTTP_MAX_JOBS 256               /* queued + running; past it: 503 */
#define HTTP_MAX_BODY (1u << 20)        /* a SQL request body */
#define HTTP_MAX_UPLOAD (256u << 20)    /* an /ingestFromFile body */

typedef enum { JOB_QUERY, JOB_PAUSE, JOB_RESUME, JOB_COMMIT, JOB_INGEST } job_kind;

typedef struct http_job {
    struct http_job *next;
    struct evhttp_request *req;
    job_kind kind;
    char *arg, *options;                /* sql or table; queryOptions or batch config */
    char *data;                         /* an upload */
    size_t len;
    int status;
    char *body;
    const char *ctype;
} http_job;

struct srv_http {
    srv_node *node;
    int port;
    struct event_base *base;
    struct evhttp *http;
    struct event *done_ev;
    pthread_t loop_tid;
    bool loop_started;
    atomic_bool loop_stop;
    _Atomic(const srv_service *) svc;
    atomic_bool cancel;                 /* stops running queries at shutdown */

    pthread_mutex_t mu;                 /* jobs for the workers */
    pthread_cond_t cv;
    http_job *queue, *queue_tail;
    uint32_t jobs;                      /* queued or running */
    bool stopping;
    pthread_mutex_t done_mu;            /* finished jobs for the event thread */
    http_job *done;

    pthread_t workers[HTTP_WORKERS];
    uint32_t nworkers;
    srv_stats stats;
};

/* ---- replies (event thread) ---------------------------------------------------- */

static const char *reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

static void reply(struct evhttp_request *req, int code, const char *ctype, const char *body)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, body, strlen(body));
    evhttp_send_reply(req, code, reason(code), b);
    evbuffer_free(b);
}

/* Pinot controller's error shape: {"code": status, "error": message}. */
static char *error_json(int code, const char *fmt, va_list ap)
{
    char msg[TN_ERRLEN + 64];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "code", code);
    cJSON_AddStringToObject(o, "error", msg);
    char *js = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return js;
}

static void reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *js = error_json(code, fmt, ap);
    va_end(ap);
    reply(req, code, "application/json", js);
    free(js);
}

static void reply_json(struct evhttp_request *req, cJSON *o)
{
    char *js = cJSON_PrintUnformatted(o);
    reply(req, 200, "application/json", js);
    free(js);
    cJSON_Delete(o);
}

/* ---- the node's status -------------------------------------------------------- */

/* The status' "tables" array (in *root, which the caller deletes). Call
 * it once, outside cJSON_ArrayForEach, whose macro evaluates its array
 * twice. */
static cJSON *status_tables(srv_node *n, cJSON **root)
{
    char *js = srv_node_status_json(n, NULL);
    *root = js ? cJSON_Parse(js) : NULL;
    free(js);
    return cJSON_GetObjectItemCaseSensitive(*root, "tables");
}

static const char *item_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Does a table named name (with type) answer to t (with or without)? */
static bool table_matches(const char *name, const char *t)
{
    size_t n = strlen(t);
    return !strcmp(name, t) || (!strncmp(name, t, n) && (!strcmp(name + n, "_OFFLINE") ||
                                                         !strcmp(name + n, "_REALTIME")));
}

static void get_tables(srv_http *h, struct evhttp_request *req)
{
    cJSON *root, *out = cJSON_CreateObject(), *names = cJSON_AddArrayToObject(out, "tables");
    const cJSON *t, *tables = status_tables(h->node, &root);
    cJSON_ArrayForEach(t, tables)
        cJSON_AddItemToArray(names, cJSON_CreateString(item_str(t, "name")));
    cJSON_Delete(root);
    reply_json(req, out);
}

static void get_segments(srv_http *h, struct evhttp_request *req, const char *table)
{
    cJSON *root, *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "tables");
    const cJSON *t, *tables = status_tables(h->node, &root);
    cJSON_ArrayForEach(t, tables) {
        if (!table_matches(item_str(t, "name"), table))
            continue;
        cJSON *o = cJSON_CreateObject();
        static const char *const keys[] = {"name", "type", "segments", "partitions"};
        for (size_t i = 0; i < TN_ARRAY_LEN(keys); i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, keys[i]);
            cJSON_AddItemToObject(o, keys[i], v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
        }
        cJSON_AddItemToArray(list, o);
    }
    cJSON_Delete(root);
    if (cJSON_GetArraySize(list) == 0) {
        cJSON_Delete(out);
        reply_error(req, 404, "Table %s does not exist on this server", table);
        return;
    }
    reply_json(req, out);
}

static void get_health(srv_http *h, struct evhttp_request *req)
{
    char why[512];
    if (srv_node_ready(h->node, why, sizeof why))
        reply(req, 200, "text/plain", "OK");
    else
        reply(req, 503, "text/plain", why);
}

static void get_metrics(srv_http *h, struct evhttp_request *req)
{
    char *node = srv_node_metrics_text(h->node);
    tn_buf b = {0};
    if (node)
        tn_buf_append(&b, node, strlen(node));
    free(node);
    const srv_service *svc = atomic_load(&h->svc);
    const srv_stats *stats[2] = {&h->stats, svc ? srv_service_stats(svc) : NULL};
    const char *names[2] = {"http", "binary"};
    srv_stats_render(stats, names, svc ? 2 : 1, &b);
    tn_buf_append(&b, "", 1);
    reply(req, 200, "text/plain; version=0.0.4", (const char *)b.data);
    tn_buf_free(&b);
}

/* ---- jobs ---------------------------------------------------------------------- */

static void job_free(http_job *j)
{
    free(j->data);
    free(j->arg);
    free(j->options);
    free(j->body);
    free(j);
}

/* Hands a job to the workers, or answers 503 when too many are in progress. */
static void submit_data(srv_http *h, struct evhttp_request *req, job_kind kind,
                        const char *arg, const char *options, char *data, size_t len)
{
    pthread_mutex_lock(&h->mu);
    bool full = h->jobs >= HTTP_MAX_JOBS;
    if (!full) {
        http_job *j = tn_calloc(1, sizeof *j);
        *j = (http_job){.req = req, .kind = kind, .arg = tn_strdup(arg),
                        .options = options ? tn_strdup(options) : NULL, .data = data,
                        .len = len};
        data = NULL;
        if (h->queue_tail)
            h->queue_tail->next = j;
        else
            h->queue = j;
        h->queue_tail = j;
        h->jobs++;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    free(data);
    if (full)
        reply_error(req, 503, "too many requests in progress on the admin port");
}

static void submit(srv_http *h, struct evhttp_request *req, job_kind kind, const char *arg,
                   const char *options)
{
    submit_data(h, req, kind, arg, options, NULL, 0);
}

static int node_status(int rc)
{
    return rc == TN_ENOTFOUND ? 404 : rc == TN_EINVAL ? 400 : 500;
}

static char *job_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *job_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *js = error_json(code, fmt, ap);
    va_end(ap);
    return js;
}

/* Pinot's PauseStatusDetails / force-commit answer for table t. */
static char *consumption_json(srv_node *n, const char *t, job_kind kind)
{
    cJSON *o = cJSON_CreateObject();
    if (kind == JOB_COMMIT) {
        char id[64];
        snprintf(id, sizeof id, "%lld", (long long)tn_now_ms());
        cJSON_AddStringToObject(o, "forceCommitStatus", "SUCCESS");
        cJSON_AddStringToObject(o, "forceCommitJobId", id);
    } else {
        cJSON_AddBoolToObject(o, "pauseFlag", kind == JOB_PAUSE);
        cJSON *segs = cJSON_AddArrayToObject(o, "consumingSegments"), *root;
        const cJSON *tb, *s, *tables = status_tables(n, &root);
        cJSON_ArrayForEach(tb, tables) {
            if (!table_matches(item_str(tb, "name"), t))
                continue;
            const cJSON *segments = cJSON_GetObjectItemCaseSensitive(tb, "segments");
            cJSON_ArrayForEach(s, segments)
                if (!strcmp(item_str(s, "status"), "IN_PROGRESS"))
                    cJSON_AddItemToArray(segs, cJSON_CreateString(item_str(s, "name")));
        }
        cJSON_Delete(root);
        cJSON_AddStringToObject(o, "reasonCode", "ADMINISTRATIVE");
        cJSON_AddStringToObject(o, "comment", kind == JOB_PAUSE ? "Pause flag is set."
                                                                : "Pause flag is cleared.");
        char ts[32];
        snprintf(ts, sizeof ts, "%lld", (long long)tn_now_ms());
        cJSON_AddStringToObject(o, "timestamp", ts);
    }
    char *js = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return js;
}

/* Pinot's answer to /ingestFromFile, with the rows counted. */
static char *ingest_json(const char *table, const char *result)
{
    cJSON *r = cJSON_Parse(result), *o = cJSON_CreateObject();
    tn_buf names = {0};
    const cJSON *s, *segs = cJSON_GetObjectItemCaseSensitive(r, "segments");
    cJSON_ArrayForEach(s, segs) {
        if (names.len)
            tn_buf_append(&names, ", ", 2);
        if (cJSON_IsString(s))
            tn_buf_append(&names, s->valuestring, strlen(s->valuestring));
    }
    tn_buf_append(&names, "", 1);
    char status[1024];
    snprintf(status, sizeof status, "Successfully ingested file into table: %s as segment: %s",
             table, (const char *)names.data);
    cJSON_AddStringToObject(o, "status", status);
    static const char *const keys[] = {"rows", "skipped"};
    for (size_t i = 0; i < TN_ARRAY_LEN(keys); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, keys[i]);
        if (v)
            cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(v, true));
    }
    char *js = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    cJSON_Delete(r);
    tn_buf_free(&names);
    return js;
}

static void run_ingest(srv_http *h, http_job *j)
{
    char err[TN_ERRLEN], *result = NULL;
    int rc = srv_node_ingest(h->node, j->arg, j->options, j->data ? j->data : "", j->len,
                             &result, err);
    if (rc) {
        j->status = node_status(rc);
        j->body = job_error(j->status, "%s", err);
    } else {
        j->body = ingest_json(j->arg, result);
    }
    free(result);
}

static void run_job(srv_http *h, http_job *j)
{
    j->ctype = "application/json";
    j->status = 200;
    if (j->kind == JOB_QUERY) {
        uint64_t t0 = tn_mono_ns();
        bool failed;
        j->body = srv_local_query(h->node, j->arg, j->options, &h->cancel, &failed);
        srv_stats_record(&h->stats, tn_mono_ns() - t0, failed);
        return;
    }
    if (j->kind == JOB_INGEST) {
        run_ingest(h, j);
        return;
    }
    char err[TN_ERRLEN];
    srv_consume_from from = SRV_FROM_LAST;
    int rc = 0;
    if (j->kind == JOB_RESUME && srv_consume_from_parse(j->options, &from))
        rc = tn_err(err, TN_EINVAL,
                    "consumeFrom must be lastConsumed, smallest or largest, got '%s'",
                    j->options);
    else if (j->kind == JOB_COMMIT)
        rc = srv_node_force_commit(h->node, j->arg, err);
    else
        rc = srv_node_pause(h->node, j->arg, j->kind == JOB_PAUSE, from, err);
    if (rc) {
        j->status = node_status(rc);
        j->body = job_error(j->status, "%s", err);
    } else {
        j->body = consumption_json(h->node, j->arg, j->kind);
    }
}

static void *worker_main(void *arg)
{
    srv_http *h = arg;
    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (!h->queue && !h->stopping)
            pthread_cond_wait(&h->cv, &h->mu);
        http_job *j = h->stopping ? NULL : h->queue;
        if (j && !(h->queue = j->next))
            h->queue_tail = NULL;
        pthread_mutex_unlock(&h->mu);
        if (!j)
            return NULL;
        run_job(h, j);
        pthread_mutex_lock(&h->done_mu);
        j->next = h->done;
        h->done = j;
        pthread_mutex_unlock(&h->done_mu);
        event_active(h->done_ev, EV_READ, 0);
    }
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    srv_http *h = arg;
    pthread_mutex_lock(&h->done_mu);
    http_job *list = h->done;
    h->done = NULL;
    pthread_mutex_unlock(&h->done_mu);
    uint32_t n = 0;
    while (list) {
        http_job *j = list;
        list = j->next;
        reply(j->req, j->status, j->ctype, j->body);
        job_free(j);
        n++;
    }
    pthread_mutex_lock(&h->mu);
    h->jobs -= n;
    pthread_mutex_unlock(&h->mu);
}

/* ---- /query/sql ----------------------------------------------------------------- */

static void post_query(srv_http *h, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len > HTTP_MAX_BODY) {
        reply_error(req, 413, "a query body of %zu bytes is over the limit of %u", len,
                    HTTP_MAX_BODY);
        return;
    }
    const char *text = (const char *)evbuffer_pullup(in, -1);
    cJSON *body = cJSON_ParseWithLength(text ? text : "", len);
    if (!body) {
        const char *at = cJSON_GetErrorPtr();
        long pos = at && text && at >= text && at <= text + len ? (long)(at - text) : 0;
        reply_error(req, 400, "Invalid JSON: malformed at byte %ld of the request body", pos);
        return;
    }
    const cJSON *sql = cJSON_GetObjectItemCaseSensitive(body, "sql");
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(body, "queryOptions");
    if (!cJSON_IsString(sql))
        reply_error(req, 400, "Payload is missing the query string field 'sql'");
    else if (opts && !cJSON_IsString(opts) && !cJSON_IsNull(opts))
        reply_error(req, 400, "Invalid JSON: 'queryOptions' must be a string like "
                              "\"timeoutMs=1000;enableNullHandling=true\"");
    else
        submit(h, req, JOB_QUERY, sql->valuestring, cJSON_IsString(opts) ? opts->valuestring : NULL);
    cJSON_Delete(body);
}

static void get_query(srv_http *h, struct evhttp_request *req)
{
    struct evkeyvalq params;
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    if (!q || evhttp_parse_query_str(q, &params) != 0) {
        reply_error(req, 400, "Query string parameter 'sql' is missing");
        return;
    }
    const char *sql = evhttp_find_header(&params, "sql");
    if (sql)
        submit(h, req, JOB_QUERY, sql, evhttp_find_header(&params, "queryOptions"));
    else
        reply_error(req, 400, "Query string parameter 'sql' is missing");
    evhttp_clear_headers(&params);
}

/* ---- /ingestFromFile ------------------------------------------------------------- */

/* Pinot's controller upload, for single-node use: the file is the raw body
 * (curl --data-binary @rows.json), not multipart. */
static void post_ingest(srv_http *h, struct evhttp_request *req)
{
    struct evkeyvalq params = {0};
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const char *table = NULL, *cfg = NULL;
    if (q && evhttp_parse_query_str(q, &params) == 0) {
        table = evhttp_find_header(&params, "tableNameWithType");
        cfg = evhttp_find_header(&params, "batchConfigMapStr");
    }
    const char *ctype = evhttp_find_header(evhttp_request_get_input_headers(req),
                                           "Content-Type");
    if (!table) {
        reply_error(req, 400, "tableNameWithType is missing (e.g. ?tableNameWithType=t_OFFLINE)");
    } else if (ctype && !strncmp(ctype, "multipart/", 10)) {
        reply_error(req, 400, "this server takes the file as the raw request body "
                              "(curl --data-binary @FILE), not multipart; the broker takes both");
    } else {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        char *data = tn_malloc(len + 1);
        evbuffer_remove(in, data, len);
        data[len] = 0;
        submit_data(h, req, JOB_INGEST, table, cfg ? cfg : "{\"inputFormat\":\"json\"}", data,
                    len);
    }
    evhttp_clear_headers(&params);
}

/* ---- routing ---------------------------------------------------------------------- */

/* Splits /tables/{t}/{action}: t decoded into a heap string. */
static char *table_path(const char *path, const char **action)
{
    if (strncmp(path, "/tables/", 8) != 0)
        return NULL;
    const char *t = path + 8, *slash = strchr(t, '/');
    if (!slash || slash == t || strchr(slash + 1, '/'))
        return NULL;
    *action = slash + 1;
    char *raw = tn_strndup(t, (size_t)(slash - t));
    char *dec = evhttp_uridecode(raw, 0, NULL);
    free(raw);
    return dec;
}

/* A consumption control job; a resume carries its consumeFrom parameter. */
static void submit_control(srv_http *h, struct evhttp_request *req, job_kind kind,
                           const char *table)
{
    struct evkeyvalq params;
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    if (!q || evhttp_parse_query_str(q, &params) != 0) {
        submit(h, req, kind, table, NULL);
        return;
    }
    const char *from = evhttp_find_header(&params, "consumeFrom");
    submit(h, req, kind, table, kind == JOB_RESUME ? from : NULL);
    evhttp_clear_headers(&params);
}

static void route_tables(srv_http *h, struct evhttp_request *req, const char *path, bool get)
{
    const char *action;
    char *t = table_path(path, &action);
    if (!t) {
        reply_error(req, 404, "no such endpoint: %s", path);
        return;
    }
    static const struct { const char *name; job_kind kind; } posts[] = {
        {"pauseConsumption", JOB_PAUSE}, {"resumeConsumption", JOB_RESUME},
        {"forceCommit", JOB_COMMIT}};
    bool found = false;
    if (!strcmp(action, "segments")) {
        found = true;
        if (get)
            get_segments(h, req, t);
        else
            reply_error(req, 405, "%s takes GET", path);
    }
    for (size_t i = 0; i < TN_ARRAY_LEN(posts) && !found; i++) {
        if (strcmp(action, posts[i].name))
            continue;
        found = true;
        if (get)
            reply_error(req, 405, "%s takes POST", path);
        else
            submit_control(h, req, posts[i].kind, t);
    }
    if (!found)
        reply_error(req, 404, "no such endpoint: %s", path);
    free(t);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    srv_http *h = arg;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    bool get = cmd == EVHTTP_REQ_GET, post = cmd == EVHTTP_REQ_POST;
    if (!path || (!get && !post)) {
        reply_error(req, 405, "only GET and POST are served here");
    } else if (!strcmp(path, "/query/sql")) {
        if (get)
            get_query(h, req);
        else
            post_query(h, req);
    } else if (!strncmp(path, "/tables/", 8)) {
        route_tables(h, req, path, get);
    } else if (!strcmp(path, "/ingestFromFile")) {
        if (post)
            post_ingest(h, req);
        else
            reply_error(req, 405, "%s takes POST", path);
    } else if (!get) {
        reply_error(req, strcmp(path, "/health") && strcmp(path, "/tables") &&
                    strcmp(path, "/metrics") ? 404 : 405, "no such endpoint: POST %s", path);
    } else if (!strcmp(path, "/health")) {
        get_health(h, req);
    } else if (!strcmp(path, "/tables")) {
        get_tables(h, req);
    } else if (!strcmp(path, "/metrics")) {
        get_metrics(h, req);
    } else {
        reply_error(req, 404, "no such endpoint: %s", path);
    }
}

/* ---- start / stop ----------------------------------------------------------------- */

/* Not event_base_dispatch + loopbreak: a break requested before the loop
 * starts is forgotten when it starts, and the stop would wait forever. */
static void *loop_main(void *arg)
{
    srv_http *h = arg;
    while (!atomic_load(&h->loop_stop))
        event_base_loop(h->base, EVLOOP_ONCE);
    return NULL;
}

static int bind_http(srv_http *h, const char *host, int port, char *err)
{
    evhttp_set_gencb(h->http, on_request, h);
    evhttp_set_max_body_size(h->http, HTTP_MAX_UPLOAD);
    evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(h->http, host,
                                                                    (uint16_t)port);
    if (!bs)
        return tn_err(err, TN_EIO, "cannot listen for HTTP on %s:%d", host, port);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl);
    h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

int srv_http_start(srv_node *n, const char *host, int port, srv_http **out, char *err)
{
    evthread_use_pthreads();
    srv_http *h = tn_calloc(1, sizeof *h);
    h->node = n;
    atomic_init(&h->svc, NULL);
    atomic_init(&h->cancel, false);
    atomic_init(&h->loop_stop, false);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    pthread_mutex_init(&h->done_mu, NULL);
    int rc = 0;
    if (!(h->base = event_base_new()) || !(h->http = evhttp_new(h->base)) ||
        !(h->done_ev = event_new(h->base, -1, EV_PERSIST | EV_READ, on_done, h)))
        rc = tn_err(err, TN_ENOMEM, "cannot create the admin HTTP's event loop");
    if (!rc)
        rc = bind_http(h, host ? host : "127.0.0.1", port, err);
    for (uint32_t i = 0; i < HTTP_WORKERS && !rc; i++, h->nworkers++)
        if (pthread_create(&h->workers[i], NULL, worker_main, h))
            rc = tn_err(err, TN_ENOMEM, "cannot start an admin HTTP worker");
    if (!rc && pthread_create(&h->loop_tid, NULL, loop_main, h))
        rc = tn_err(err, TN_ENOMEM, "cannot start the admin HTTP's event thread");
    h->loop_started = rc == 0;
    if (rc) {
        srv_http_stop(h);
        return rc;
    }
    *out = h;
    return 0;
}

int srv_http_port(const srv_http *h) { return h->port; }

void srv_http_set_service(srv_http *h, const srv_service *s) { atomic_store(&h->svc, s); }

/* Requests still waiting for an answer get a 503 before evhttp goes. */
static void drop_jobs(http_job *list)
{
    while (list) {
        http_job *j = list;
        list = j->next;
        evhttp_send_error(j->req, 503, "shutting down");
        job_free(j);
    }
}

void srv_http_stop(srv_http *h)
{
    if (!h)
        return;
    atomic_store(&h->cancel, true);
    if (h->loop_started) {
        atomic_store(&h->loop_stop, true);
        event_active(h->done_ev, EV_READ, 0); /* wakes the loop */
        pthread_join(h->loop_tid, NULL);
    }
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    for (uint32_t i = 0; i < h->nworkers; i++)
        pthread_join(h->workers[i], NULL);
    /* the loop and the workers are gone: this thread owns everything */
    drop_jobs(h->queue);
    drop_jobs(h->done);
    if (h->http)
        evhttp_free(h->http);
    if (h->done_ev)
        event_free(h->done_ev);
    if (h->base)
        event_base_free(h->base);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->done_mu);
    free(h);
}
