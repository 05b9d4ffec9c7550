/*
 * brk_http.c: evhttp listeners (HTTPS when a TLS context is given), the
 * request queue and its workers, authentication of each request on its
 * worker, the admin port's audit lines, and the hand-back of responses to
 * the event thread.
 */
#include "brk_http.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "brk_admin.h"
#include "brk_console.h"
#include "brk_query.h"
#include "brk_tls.h"

#define LISTEN_BACKLOG 1024
#define REALM "realm=\"tannin\""

typedef struct brk_task {
    struct brk_task *next;
    struct evhttp_request *req;  /* touched on the event thread only */
    bool admin;
    brk_request r;
    brk_response resp;
    const char *cache_control;   /* console files and sign-in answers */
    char *authorization;         /* the Authorization header, checked on the worker */
    bool script;                 /* X-Requested-With: XMLHttpRequest (the console) */
    const char *challenge;       /* WWW-Authenticate of a 401 */
    bool audit;                  /* the worker writes an audit line for it */
    char detail[160];            /* the audit line's note, when the body is not it */
} brk_task;

typedef struct brk_tq {
    brk_task *head, *tail;
    uint32_t n;
} brk_tq;

typedef struct brk_port {
    brk_http *h;
    bool admin;
    struct evhttp *http;
    uint16_t port;
} brk_port;

struct brk_http {
    brk_broker *b;
    brk_http_opts o;
    struct event_base *base;
    brk_port ports[2];            /* [0] query, [1] admin */
    struct event *done_ev;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    brk_tq waiting, done;
    bool stop;
    pthread_t *workers;
    uint32_t nworkers;
    char console_dir[PATH_MAX];   /* "" when unknown */
};

static void tq_push(brk_tq *q, brk_task *t)
{
    t->next = NULL;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    q->n++;
}

static brk_task *tq_pop(brk_tq *q)
{
    brk_task *t = q->head;
    if (t) {
        q->head = t->next;
        if (!q->head)
            q->tail = NULL;
        q->n--;
    }
    return t;
}

static void task_free(brk_task *t)
{
    if (t->authorization) {
        /* it may hold a password */
        explicit_bzero(t->authorization, strlen(t->authorization));
        free(t->authorization);
    }
    if (t->r.user)
        brk_user_unref(t->r.user);
    for (uint32_t i = 0; i < t->r.nparams; i++) {
        free(t->r.params[i].key);
        free(t->r.params[i].value);
    }
    free(t->r.params);
    free(t->r.path);
    free(t->r.content_type);
    free(t->r.body);
    brk_response_free(&t->resp);
    free(t);
}

/* ---- sending (event thread) -------------------------------------------- */

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void cors(struct evkeyvalq *hdr)
{
    evhttp_add_header(hdr, "Access-Control-Allow-Origin", "*");
}

static void free_body(const void *data, size_t len, void *arg)
{
    (void)len, (void)arg;
    free((void *)data);
}

/* Sends resp on req and takes its body. */
static void send_response(struct evhttp_request *req, brk_response *resp)
{
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
    cors(hdr);
    evhttp_add_header(hdr, "Content-Type", resp->content_type ? resp->content_type
                                                               : "application/json");
    if (resp->pinot_error != BRK_NO_ERROR_HEADER) {
        char code[16];
        snprintf(code, sizeof code, "%d", resp->pinot_error);
        evhttp_add_header(hdr, "X-Pinot-Error-Code", code);
    }
    struct evbuffer *buf = evbuffer_new();
    if (resp->body && resp->len) {
        evbuffer_add_reference(buf, resp->body, resp->len, free_body, NULL);
        resp->body = NULL;
        resp->len = 0;
    }
    evhttp_send_reply(req, resp->status ? resp->status : 500, reason(resp->status), buf);
    evbuffer_free(buf);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    brk_http *h = arg;
    pthread_mutex_lock(&h->lock);
    brk_task *list = h->done.head;
    h->done.head = h->done.tail = NULL;
    h->done.n = 0;
    pthread_mutex_unlock(&h->lock);
    while (list) {
        brk_task *t = list;
        list = t->next;
        struct evkeyvalq *hdr = evhttp_request_get_output_headers(t->req);
        if (t->cache_control) {
            evhttp_add_header(hdr, "Cache-Control", t->cache_control);
            evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
        }
        if (t->challenge)
            evhttp_add_header(hdr, "WWW-Authenticate", t->challenge);
        send_response(t->req, &t->resp);
        atomic_fetch_sub_explicit(&h->b->metrics.queue_depth, 1, memory_order_relaxed);
        task_free(t);
    }
}

/* ---- workers ----------------------------------------------------------- */

static bool is_query_path(const char *path)
{
    return !strcmp(path, "/query/sql") || !strcmp(path, "/query") ||
           !strcmp(path, "/query/sql/") || !strcmp(path, "/query/");
}

/* /sql on the admin port: Pinot's controller runs queries for its UI, and
 * so the console's queries stay same-origin. As on the query port,
 * including its body limit. Queries are audited by brk_query; a request
 * refused before it is one is audited here (t->audit). */
static void admin_sql(brk_http *h, brk_task *t)
{
    t->audit = true;
    if (t->r.method != BRK_GET && t->r.method != BRK_POST) {
        brk_response_error(&t->resp, 405, "/sql takes GET or POST");
    } else if (t->r.len > h->o.max_query_body) {
        brk_response_error(&t->resp, 413, "The request body (%zu bytes) is over the %zu-byte "
                           "limit of queries", t->r.len, h->o.max_query_body);
    } else {
        t->audit = false;
        brk_query_handle_at(h->b, &t->r, "admin", &t->resp);
    }
}

/* Resolves t's credentials to t->r.user; false with a 401 (and its
 * challenge) otherwise. A browser shows its own password dialog on a
 * Basic challenge, so the console's scripts (and anyone who sent a
 * token) are challenged to Bearer instead, which no browser prompts for. */
static bool authenticate(brk_http *h, brk_task *t)
{
    int rc = brk_auth_http(h->b->auth, t->authorization, &t->r.user);
    if (rc == BRK_AUTH_OK)
        return true;
    t->r.user = NULL;
    t->audit = true;
    if (rc == BRK_AUTH_TOO_MANY) {
        brk_response_error(&t->resp, 429, "Too many connections for this user");
        t->resp.pinot_error = BRK_NO_ERROR_HEADER;
        return false;
    }
    bool bearer = t->authorization && !strncasecmp(t->authorization, "Bearer ", 7);
    bool missing = rc == BRK_AUTH_MISSING;
    if (bearer)
        t->challenge = "Bearer " REALM ", error=\"invalid_token\"";
    else
        t->challenge = t->script ? "Bearer " REALM : "Basic " REALM;
    brk_response_error(&t->resp, 401, "%s", missing
                       ? "Authentication required: send an Authorization header (Basic, or "
                         "Bearer with a token from POST /auth/login on the admin port)"
                       : "Invalid credentials");
    t->resp.pinot_error = BRK_NO_ERROR_HEADER;
    snprintf(t->detail, sizeof t->detail, "%s", missing ? "no credentials"
             : bearer ? "invalid or expired token" : "invalid credentials");
    return false;
}

/* The handlers once the user is known. Queries (the query port's and the
 * admin port's /sql) are audited by brk_query; everything else here. */
static void dispatch(brk_http *h, brk_task *t)
{
    t->audit = true;
    if (t->admin && (!strcmp(t->r.path, "/sql") || !strcmp(t->r.path, "/sql/"))) {
        admin_sql(h, t);
    } else if (t->admin && brk_console_auth_whoami(h->b, &t->r, &t->resp)) {
        t->cache_control = "no-store";
    } else if (t->admin) {
        brk_admin_handle(h->b, &t->r, &t->resp);
    } else if (brk_query_is_manage_path(t->r.method, t->r.path)) {
        brk_query_manage(h->b, &t->r, &t->resp);
    } else if (is_query_path(t->r.path)) {
        t->audit = false;
        brk_query_handle(h->b, &t->r, &t->resp);
    } else if (!brk_admin_common(h->b, &t->r, &t->resp)) {
        brk_response_error(&t->resp, 404, "No such endpoint on the query port: %s", t->r.path);
    }
}

/* The audit line's detail: our own note, else an error's JSON body
 * ({"code", "error"}: short, and brk_audit truncates it anyway). */
static const char *audit_detail(const brk_task *t)
{
    if (t->detail[0])
        return t->detail;
    if (t->resp.status >= 400 && t->resp.body && t->resp.content_type &&
        !strcmp(t->resp.content_type, "application/json"))
        return t->resp.body;
    return NULL;
}

static void audit(brk_http *h, const brk_task *t)
{
    const char *m[] = {"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "OTHER"};
    char action[300];
    snprintf(action, sizeof action, "%s %.280s", m[t->r.method], t->r.path);
    brk_audit_rec rec = {
        .user = t->r.user ? brk_user_name(t->r.user) : NULL,
        .endpoint = t->admin ? "admin" : "http",
        .client = t->r.client,
        .action = action,
        .status = t->resp.status,
        .detail = audit_detail(t),
        .ms = (int64_t)((tn_mono_ns() - t->r.received_ns) / 1000000),
    };
    brk_audit(h->b->auth, &rec);
}

static void run_task(brk_http *h, brk_task *t)
{
    t->resp.pinot_error = BRK_NO_ERROR_HEADER;
    const char *console = h->console_dir[0] ? h->console_dir : NULL;
    /* public: the console's files and its sign-in; everything else needs a user */
    if (t->admin && brk_console_handle(console, &t->r, &t->resp, &t->cache_control))
        return;
    if (t->admin && brk_console_auth_public(h->b, &t->r, t->authorization, &t->resp, t->detail,
                                            sizeof t->detail)) {
        t->cache_control = "no-store";
        t->audit = !strcmp(t->r.path, "/auth/login");
    } else if (authenticate(h, t)) {
        dispatch(h, t);
    }
    if (t->audit)
        audit(h, t);
}

static void *worker(void *arg)
{
    brk_http *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (!h->stop && !h->waiting.head)
            pthread_cond_wait(&h->cond, &h->lock);
        if (h->stop)
            break;
        brk_task *t = tq_pop(&h->waiting);
        pthread_mutex_unlock(&h->lock);
        run_task(h, t);
        pthread_mutex_lock(&h->lock);
        tq_push(&h->done, t);
        event_active(h->done_ev, EV_READ, 0);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* ---- receiving (event thread) ------------------------------------------ */

static brk_method method_of(struct evhttp_request *req)
{
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET: return BRK_GET;
    case EVHTTP_REQ_POST: return BRK_POST;
    case EVHTTP_REQ_PUT: return BRK_PUT;
    case EVHTTP_REQ_DELETE: return BRK_DELETE;
    case EVHTTP_REQ_OPTIONS: return BRK_OPTIONS;
    case EVHTTP_REQ_HEAD: return BRK_HEAD;
    default: return BRK_OTHER;
    }
}

static void preflight(struct evhttp_request *req)
{
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
    cors(hdr);
    evhttp_add_header(hdr, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
    evhttp_add_header(hdr, "Access-Control-Allow-Headers",
                      "Content-Type, Authorization, Pinot-Use-Http-Status-For-Errors, database, "
                      "X-Requested-With");
    evhttp_add_header(hdr, "Access-Control-Max-Age", "86400");
    evhttp_send_reply(req, 200, "OK", NULL);
}

/* Copies the query parameters; false when they are not valid URL
 * encoding. */
static bool copy_params(const struct evhttp_uri *uri, brk_request *r)
{
    const char *q = evhttp_uri_get_query(uri);
    if (!q || !*q)
        return true;
    struct evkeyvalq kv;
    TAILQ_INIT(&kv);
    if (evhttp_parse_query_str(q, &kv) != 0) {
        evhttp_clear_headers(&kv);
        return false;
    }
    uint32_t n = 0;
    struct evkeyval *e;
    TAILQ_FOREACH(e, &kv, next)
        n++;
    r->params = tn_calloc(n + 1, sizeof *r->params);
    TAILQ_FOREACH(e, &kv, next) {
        r->params[r->nparams].key = tn_strdup(e->key);
        r->params[r->nparams].value = tn_strdup(e->value);
        r->nparams++;
    }
    evhttp_clear_headers(&kv);
    return true;
}

/* The peer's "host:port", for the audit log. */
static void copy_peer(struct evhttp_request *req, brk_request *r)
{
    struct evhttp_connection *c = evhttp_request_get_connection(req);
    char *host = NULL;
    ev_uint16_t port = 0;
    if (c)
        evhttp_connection_get_peer(c, &host, &port);
    snprintf(r->client, sizeof r->client, "%s:%u", host ? host : "?", (unsigned)port);
}

/* Fills t->r from req; false (with t->resp set) when the request is bad. */
static bool copy_request(struct evhttp_request *req, brk_task *t)
{
    brk_request *r = &t->r;
    r->received_ns = tn_mono_ns();
    r->method = method_of(req);
    copy_peer(req, r);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    r->path = tn_strdup(path && *path ? path : "/");
    if (!uri || !copy_params(uri, r)) {
        brk_response_error(&t->resp, 400, "Malformed query string in %s",
                           evhttp_request_get_uri(req));
        t->resp.pinot_error = BRK_NO_ERROR_HEADER;
        return false;
    }
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *auth = evhttp_find_header(in, "Authorization");
    t->authorization = auth ? tn_strdup(auth) : NULL;
    const char *xrw = evhttp_find_header(in, "X-Requested-With");
    t->script = xrw && !strcasecmp(xrw, "XMLHttpRequest");
    const char *ct = evhttp_find_header(in, "Content-Type");
    r->content_type = ct ? tn_strdup(ct) : NULL;
    const char *hs = evhttp_find_header(in, "Pinot-Use-Http-Status-For-Errors");
    r->http_status_errors = hs && !strcasecmp(hs, "true");
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    r->len = evbuffer_get_length(body);
    r->body = tn_malloc(r->len + 1);
    evbuffer_remove(body, r->body, r->len);
    r->body[r->len] = 0;
    return true;
}

/* A queue-full refusal, in the port's own error shape. */
static void refuse(brk_http *h, brk_task *t, uint32_t queued)
{
    char msg[200];
    snprintf(msg, sizeof msg, "Too many requests: %u are already waiting for the broker's %u "
             "workers (--max-queue %u); retry later", queued, h->nworkers, h->o.max_queue);
    atomic_fetch_add_explicit(&h->b->metrics.rejected, 1, memory_order_relaxed);
    if (t->admin) {
        brk_response_error(&t->resp, 503, "%s", msg);
        t->resp.pinot_error = BRK_NO_ERROR_HEADER;
    } else {
        brk_query_error(BRK_ERR_TOO_MANY_REQUESTS, msg, 200, t->r.http_status_errors, &t->resp);
    }
}

/* Answers on the event thread what needs no worker: bad requests, health
 * (so a busy broker still says it is alive), unknown query-port paths. */
static bool answer_inline(brk_task *t, bool parsed)
{
    if (!parsed)
        return true;
    if (t->r.method == BRK_GET && !strcmp(t->r.path, "/health")) {
        brk_response_set(&t->resp, 200, "text/plain", tn_strdup("OK"));
        t->resp.pinot_error = BRK_NO_ERROR_HEADER;
        return true;
    }
    bool manage = brk_query_is_manage_path(t->r.method, t->r.path);
    if (!t->admin && !manage && !is_query_path(t->r.path) && strcmp(t->r.path, "/metrics") &&
        strncmp(t->r.path, "/debug/", 7)) {
        brk_response_error(&t->resp, 404, "No such endpoint on the query port: %s",
                           t->r.path);
        t->resp.pinot_error = BRK_NO_ERROR_HEADER;
        return true;
    }
    if (!t->admin && !manage && is_query_path(t->r.path) && t->r.method != BRK_GET &&
        t->r.method != BRK_POST) {
        brk_response_error(&t->resp, 405, "%s takes GET or POST", t->r.path);
        t->resp.pinot_error = BRK_NO_ERROR_HEADER;
        return true;
    }
    return false;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    brk_port *port = arg;
    brk_http *h = port->h;
    atomic_fetch_add_explicit(&h->b->metrics.http_requests, 1, memory_order_relaxed);
    if (evhttp_request_get_command(req) == EVHTTP_REQ_OPTIONS) {
        preflight(req);
        return;
    }
    brk_task *t = tn_calloc(1, sizeof *t);
    t->req = req;
    t->admin = port->admin;
    bool parsed = copy_request(req, t);
    bool refused = false;
    if (!answer_inline(t, parsed)) {
        pthread_mutex_lock(&h->lock);
        if (h->waiting.n >= h->o.max_queue) {
            refused = true;
        } else {
            atomic_fetch_add_explicit(&h->b->metrics.queue_depth, 1, memory_order_relaxed);
            tq_push(&h->waiting, t);
            pthread_cond_signal(&h->cond);
        }
        uint32_t queued = h->waiting.n;
        pthread_mutex_unlock(&h->lock);
        if (!refused)
            return;
        refuse(h, t, queued);
    }
    send_response(req, &t->resp);
    task_free(t);
}

/* ---- setup ------------------------------------------------------------- */

/* Each connection of an HTTPS port: OpenSSL over the accepted socket
 * (evhttp sets the fd), so nothing but TLS is spoken on it; a client
 * speaking plain HTTP fails the handshake and is closed. Returning NULL
 * would make evhttp fall back to a plain socket, so a failed SSL_new
 * (out of memory) ends the process as any failed allocation does. */
static struct bufferevent *tls_bufferevent(struct event_base *base, void *arg)
{
    brk_http *h = arg;
    struct ssl_st *ssl = brk_tls_new_ssl(h->o.tls);
    struct bufferevent *bev = ssl ? bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE) : NULL;
    if (!bev) {
        fprintf(stderr, "tannin broker: cannot set up a TLS connection (out of memory)\n");
        abort();
    }
    /* clients that close without close_notify (curl, browsers) are normal */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

static int listen_port(brk_http *h, brk_port *p, uint16_t port, size_t max_body, char *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, h->o.host, &sa.sin_addr) != 1)
        return tn_err(err, TN_EINVAL, "--host %s is not an IPv4 address", h->o.host);
    /* our own listener for a deep backlog: hundreds of clients connect at once */
    struct evconnlistener *l = evconnlistener_new_bind(
        h->base, NULL, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        LISTEN_BACKLOG, (struct sockaddr *)&sa, sizeof sa);
    if (!l)
        return tn_err(err, TN_EIO, "cannot listen on %s:%u", h->o.host, port);
    p->h = h;
    p->http = evhttp_new(h->base);
    evhttp_set_allowed_methods(p->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                            EVHTTP_REQ_HEAD);
    evhttp_set_max_body_size(p->http, (ev_ssize_t)max_body);
    /* bounds the request line too: a GET ?sql= is no longer than this */
    evhttp_set_max_headers_size(p->http, (ev_ssize_t)h->o.max_header_bytes);
    if (h->o.tls)
        evhttp_set_bevcb(p->http, tls_bufferevent, h);
    evhttp_set_timeout(p->http, h->o.idle_timeout_s);
    evhttp_set_gencb(p->http, on_request, p);
    if (!evhttp_bind_listener(p->http, l)) {
        evconnlistener_free(l);
        return tn_err(err, TN_EIO, "cannot serve HTTP on %s:%u", h->o.host, port);
    }
    struct sockaddr_in bound;
    socklen_t len = sizeof bound;
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&bound, &len);
    p->port = ntohs(bound.sin_port);
    return TN_OK;
}

static void defaults(brk_http_opts *o)
{
    if (!o->host)
        o->host = "127.0.0.1";
    if (!o->threads)
        o->threads = 8;
    if (!o->max_queue)
        o->max_queue = 1024;
    if (!o->max_query_body)
        o->max_query_body = 1u << 20;
    if (!o->max_admin_body)
        o->max_admin_body = 1u << 30;
    if (!o->idle_timeout_s)
        o->idle_timeout_s = 120;
    if (!o->max_header_bytes)
        o->max_header_bytes = 16 << 10;
}

int brk_http_start(brk_broker *b, struct event_base *base, const brk_http_opts *o,
                   brk_http **out, char *err)
{
    brk_http *h = tn_calloc(1, sizeof *h);
    h->b = b;
    h->o = *o;
    defaults(&h->o);
    h->base = base;
    if (o->console_dir)
        snprintf(h->console_dir, sizeof h->console_dir, "%s", o->console_dir);
    else if (brk_console_default_dir(h->console_dir, sizeof h->console_dir, NULL))
        h->console_dir[0] = 0;   /* the console then says it is not built */
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    h->done_ev = event_new(base, -1, 0, on_done, h);
    h->ports[1].admin = true;
    int rc = listen_port(h, &h->ports[0], o->http_port, h->o.max_query_body, err);
    if (!rc)
        rc = listen_port(h, &h->ports[1], o->admin_port, h->o.max_admin_body, err);
    h->workers = tn_calloc(h->o.threads, sizeof *h->workers);
    for (uint32_t i = 0; !rc && i < h->o.threads; i++) {
        if (pthread_create(&h->workers[i], NULL, worker, h))
            rc = tn_err(err, TN_EIO, "cannot start worker thread %u", i);
        else
            h->nworkers++;
    }
    if (rc) {
        brk_http_stop(h);
        return rc;
    }
    *out = h;
    return TN_OK;
}

void brk_http_ports(const brk_http *h, uint16_t *http_port, uint16_t *admin_port)
{
    *http_port = h->ports[0].port;
    *admin_port = h->ports[1].port;
}

void brk_http_stop(brk_http *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stop = true;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    for (uint32_t i = 0; i < h->nworkers; i++)
        pthread_join(h->workers[i], NULL);
    free(h->workers);
    on_done(-1, 0, h);
    /* what never reached a worker is answered (and its request freed by
     * evhttp, even when the client has gone) */
    brk_task *t;
    while ((t = tq_pop(&h->waiting))) {
        brk_response_error(&t->resp, 503, "the broker is shutting down");
        t->resp.pinot_error = BRK_NO_ERROR_HEADER;
        send_response(t->req, &t->resp);
        task_free(t);
    }
    for (int i = 0; i < 2; i++)
        if (h->ports[i].http)
            evhttp_free(h->ports[i].http);
    if (h->done_ev)
        event_free(h->done_ev);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
