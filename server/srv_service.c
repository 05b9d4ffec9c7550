/*
 * srv_service.c: the binary protocol's network side (srv_service.h). The
 * event thread owns every connection: it reads frames, queues them as jobs
 * and writes the answers. Worker threads only run jobs (srv_request_run)
 * and hand the answer frames back through a list and a user event, so no
 * bufferevent is ever touched off the event thread. A connection lives
 * until it is closed and no job of it is left (a count the event thread
 * keeps). Each job has its own stop flag, set when its connection closes
 * or a CANCEL frame names it; workers read nothing else of the connection.
 */
#include "srv_service.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "srv_request.h"
#include "tn_wire.h"

/* Requests waiting for a worker, over all connections; past it a request
 * is refused with ERROR 211 instead of growing memory without bound. */
#define SVC_MAX_QUEUE 10000u
/* A client that sends requests but does not read answers: stop reading its
 * requests while this much output waits, resume below half of it. */
#define SVC_OUT_HIGH (64u << 20)

typedef struct svc_job svc_job;

typedef struct svc_conn {
    srv_service *svc;
    struct bufferevent *bev;      /* NULL once closed */
    atomic_bool closed;
    svc_job *jobs;                /* queued or running, not yet answered (event thread) */
    uint32_t refs;                /* the open connection + its jobs (event thread) */
    bool closing;                 /* last answer written, then close */
    bool throttled;               /* reading paused for a full output buffer */
    struct svc_conn *prev, *next;
} svc_conn;

struct svc_job {
    svc_job *next;                /* in the queue or the done list */
    svc_job *cprev, *cnext;       /* in conn->jobs (event thread) */
    svc_conn *conn;
    atomic_bool stop;             /* cancelled, or the connection is gone */
    srv_request req;
    uint8_t *payload;
    tn_buf answer;
};

typedef struct svc_list {
    svc_job *head, *tail;
} svc_list;

struct srv_service {
    srv_node *node;
    int port;
    struct event_base *base;
    struct evconnlistener *lis;
    struct event *done_ev;        /* workers -> event thread: answers ready */
    pthread_t loop_tid;
    bool loop_started;
    atomic_bool loop_stop;
    svc_conn *conns;              /* open connections (event thread) */

    pthread_mutex_t mu;           /* the queue of jobs */
    pthread_cond_t cv;
    svc_list queue;
    uint32_t queued;
    bool stopping;

    pthread_mutex_t done_mu;      /* finished jobs for the event thread */
    svc_list done;

    pthread_t *workers;
    uint32_t nworkers;
    srv_stats stats;
};

static void list_push(svc_list *l, svc_job *j)
{
    j->next = NULL;
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
}

static svc_job *list_pop(svc_list *l)
{
    svc_job *j = l->head;
    if (j && !(l->head = j->next))
        l->tail = NULL;
    return j;
}

static void job_free(svc_job *j)
{
    free(j->payload);
    tn_buf_free(&j->answer);
    free(j);
}

/* ---- connections (event thread) ---------------------------------------------- */

static void conn_add_job(svc_conn *c, svc_job *j)
{
    j->cnext = c->jobs;
    if (c->jobs)
        c->jobs->cprev = j;
    c->jobs = j;
}

static void conn_remove_job(svc_conn *c, svc_job *j)
{
    if (j->cprev)
        j->cprev->cnext = j->cnext;
    else if (c->jobs == j)
        c->jobs = j->cnext;
    if (j->cnext)
        j->cnext->cprev = j->cprev;
    j->cprev = j->cnext = NULL;
}

/* A CANCEL frame: the request it names stops wherever it is. A linear
 * search: a query has one request per server in flight, so the list is
 * short; a burst of cancels over a full queue (10,000 jobs) would cost the
 * event thread on the order of 0.1 s, which a map by id would avoid. */
static void conn_cancel_job(svc_conn *c, uint32_t id)
{
    for (svc_job *j = c->jobs; j; j = j->cnext)
        if (j->req.id == id)
            atomic_store(&j->stop, true);
}

static void conn_release(svc_conn *c)
{
    if (--c->refs == 0)
        free(c);
}

static void conn_close(svc_conn *c)
{
    if (!c->bev)
        return;
    atomic_store(&c->closed, true);
    for (svc_job *j = c->jobs; j; j = j->cnext)
        atomic_store(&j->stop, true);
    bufferevent_free(c->bev);
    c->bev = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->svc->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    conn_release(c);
}

/* Writes one answer; pauses reading when the client lags far behind. */
static void conn_write(svc_conn *c, const tn_buf *frame)
{
    if (!c->bev || !frame->len)
        return;
    bufferevent_write(c->bev, frame->data, frame->len);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (!c->closing && !c->throttled && evbuffer_get_length(out) > SVC_OUT_HIGH) {
        c->throttled = true;
        bufferevent_disable(c->bev, EV_READ);
        bufferevent_setwatermark(c->bev, EV_WRITE, SVC_OUT_HIGH / 2, 0);
    }
}

/* The stream cannot be trusted any more: answer why, then close once the
 * answer is out. */
static void conn_fail(svc_conn *c, uint32_t id, const char *why)
{
    tn_buf b = {0};
    srv_request_error(&b, id, 100, "%s; closing the connection", why);
    conn_write(c, &b);
    tn_buf_free(&b);
    c->closing = true;
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        conn_close(c);
}

static void conn_answer_now(svc_conn *c, uint32_t id, int code, const char *why)
{
    tn_buf b = {0};
    srv_request_error(&b, id, code, "%s", why);
    conn_write(c, &b);
    tn_buf_free(&b);
}

/* Queues one request for the workers (the payload is the job's now). */
static void conn_dispatch(svc_conn *c, uint8_t type, uint32_t id, uint8_t *payload, size_t len)
{
    srv_service *s = c->svc;
    if (type == TN_MSG_CANCEL) {
        conn_cancel_job(c, id);
        free(payload);
        return;
    }
    if (type != TN_MSG_QUERY && type != TN_MSG_ADMIN && type != TN_MSG_INGEST) {
        char why[64];
        snprintf(why, sizeof why, "unexpected message type %u", type);
        conn_answer_now(c, id, 100, why);
        free(payload);
        return;
    }
    svc_job *j = tn_calloc(1, sizeof *j);
    j->conn = c;
    j->payload = payload;
    atomic_init(&j->stop, false);
    j->req = (srv_request){.type = type, .id = id, .payload = payload, .len = len,
                           .queued_ns = tn_mono_ns(), .cancel = &j->stop};
    pthread_mutex_lock(&s->mu);
    bool full = s->queued >= SVC_MAX_QUEUE;
    if (!full) {
        conn_add_job(c, j);
        list_push(&s->queue, j);
        s->queued++;
        c->refs++;
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (full) {
        conn_answer_now(c, id, 211, "too many requests queued on the server");
        job_free(j);
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A frame header whose length is impossible: the stream is lost. */
static void fail_bad_length(svc_conn *c, const uint8_t *hdr)
{
    char why[96];
    snprintf(why, sizeof why, "frame length %u is out of bounds (5..%u)", le32(hdr),
             TN_WIRE_MAX_FRAME);
    conn_fail(c, le32(hdr + 5), why);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    svc_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (c->bev && !c->closing && !c->throttled) {
        uint8_t hdr[TN_WIRE_HEADER], type;
        uint32_t id;
        size_t total, avail = evbuffer_get_length(in);
        if (avail < TN_WIRE_HEADER)
            return;
        evbuffer_copyout(in, hdr, sizeof hdr);
        if (tn_wire_peek(hdr, sizeof hdr, &type, &id, &total) < 0) {
            fail_bad_length(c, hdr); /* may free c */
            return;
        }
        if (avail < total)
            return;
        size_t len = total - TN_WIRE_HEADER;
        uint8_t *payload = tn_malloc(len ? len : 1);
        evbuffer_drain(in, TN_WIRE_HEADER);
        evbuffer_remove(in, payload, len);
        conn_dispatch(c, type, id, payload, len);
    }
}

static void on_write(struct bufferevent *bev, void *arg)
{
    svc_conn *c = arg;
    if (c->closing) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
            conn_close(c);
    } else if (c->throttled) {
        c->throttled = false;
        bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
        bufferevent_enable(bev, EV_READ);
        on_read(bev, c); /* requests that arrived while paused */
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        conn_close(arg);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    (void)lis, (void)sa, (void)salen;
    srv_service *s = arg;
    int one = 1;
    /* answers are single small writes: do not let Nagle hold them back */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct bufferevent *bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        close(fd);
        return;
    }
    svc_conn *c = tn_calloc(1, sizeof *c);
    c->svc = s;
    c->bev = bev;
    c->refs = 1;
    atomic_init(&c->closed, false);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    /* libevent reads 16 KiB at a time by default: an upload of many MiB
     * would take thousands of callbacks */
    bufferevent_set_max_single_read(bev, 1 << 20);
    bufferevent_enable(bev, EV_READ);
}

/* Workers' answers: write them, drop their hold on the connection. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    srv_service *s = arg;
    pthread_mutex_lock(&s->done_mu);
    svc_list l = s->done;
    s->done = (svc_list){0};
    pthread_mutex_unlock(&s->done_mu);
    svc_job *j;
    while ((j = list_pop(&l))) {
        conn_remove_job(j->conn, j);
        if (!j->conn->closing)
            conn_write(j->conn, &j->answer);
        conn_release(j->conn);
        job_free(j);
    }
}

/* ---- workers ------------------------------------------------------------------ */

static void *worker_main(void *arg)
{
    srv_service *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->queue.head && !s->stopping)
            pthread_cond_wait(&s->cv, &s->mu);
        svc_job *j = s->stopping ? NULL : list_pop(&s->queue);
        if (j)
            s->queued--;
        pthread_mutex_unlock(&s->mu);
        if (!j)
            return NULL;
        /* a closed connection's queued request is dropped unanswered; a
         * cancelled one answers that it never ran */
        bool gone = atomic_load(&j->conn->closed);
        if (!gone && atomic_load(&j->stop)) {
            srv_request_error(&j->answer, j->req.id, 503, "cancelled before it ran");
        } else if (!gone) {
            uint64_t t0 = tn_mono_ns();
            bool failed = srv_request_run(s->node, &j->req, &j->answer);
            if (j->req.type == TN_MSG_QUERY)
                srv_stats_record(&s->stats, tn_mono_ns() - t0, failed);
        }
        pthread_mutex_lock(&s->done_mu);
        list_push(&s->done, j);
        pthread_mutex_unlock(&s->done_mu);
        event_active(s->done_ev, EV_READ, 0);
    }
}

/* ---- start / stop ------------------------------------------------------------- */

/* Not event_base_dispatch + loopbreak: a break requested before the loop
 * starts is forgotten when it starts, and the stop would wait forever. */
static void *loop_main(void *arg)
{
    srv_service *s = arg;
    while (!atomic_load(&s->loop_stop))
        event_base_loop(s->base, EVLOOP_ONCE);
    return NULL;
}

static int bind_listener(srv_service *s, const char *host, int port, char *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int gai = getaddrinfo(host, ps, &hints, &ai);
    if (gai)
        return tn_err(err, TN_EINVAL, "cannot resolve %s: %s", host, gai_strerror(gai));
    s->lis = evconnlistener_new_bind(s->base, on_accept, s,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
                                     ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (!s->lis)
        return tn_err(err, TN_EIO, "cannot listen on %s:%d: %s", host, port,
                      evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(evconnlistener_get_fd(s->lis), (struct sockaddr *)&ss, &sl);
    s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

static uint32_t default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

int srv_service_start(srv_node *n, const char *host, int port, uint32_t query_threads,
                      srv_service **out, char *err)
{
    evthread_use_pthreads();
    srv_service *s = tn_calloc(1, sizeof *s);
    s->node = n;
    atomic_init(&s->loop_stop, false);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->done_mu, NULL);
    int rc = 0;
    if (!(s->base = event_base_new()) ||
        !(s->done_ev = event_new(s->base, -1, EV_PERSIST | EV_READ, on_done, s)))
        rc = tn_err(err, TN_ENOMEM, "cannot create the service's event loop");
    if (!rc)
        rc = bind_listener(s, host ? host : "127.0.0.1", port, err);
    if (!rc) {
        s->nworkers = query_threads ? query_threads : default_threads();
        s->workers = tn_calloc(s->nworkers, sizeof *s->workers);
        for (uint32_t i = 0; i < s->nworkers && !rc; i++)
            if (pthread_create(&s->workers[i], NULL, worker_main, s)) {
                s->nworkers = i;
                rc = tn_err(err, TN_ENOMEM, "cannot start query worker %u", i);
            }
    }
    if (!rc && pthread_create(&s->loop_tid, NULL, loop_main, s))
        rc = tn_err(err, TN_ENOMEM, "cannot start the service's event thread");
    s->loop_started = rc == 0;
    if (rc) {
        srv_service_stop(s);
        return rc;
    }
    *out = s;
    return 0;
}

int srv_service_port(const srv_service *s) { return s->port; }

const srv_stats *srv_service_stats(const srv_service *s) { return &s->stats; }

static void free_list(svc_list *l)
{
    svc_job *j;
    while ((j = list_pop(l))) {
        conn_remove_job(j->conn, j);
        conn_release(j->conn);
        job_free(j);
    }
}

void srv_service_stop(srv_service *s)
{
    if (!s)
        return;
    if (s->loop_started) {
        atomic_store(&s->loop_stop, true);
        event_active(s->done_ev, EV_READ, 0); /* wakes the loop */
        pthread_join(s->loop_tid, NULL);
    }
    /* the loop is gone: this thread owns the connections now. Closing them
     * first lets clients see the end at once and cancels running queries. */
    if (s->lis)
        evconnlistener_free(s->lis);
    while (s->conns)
        conn_close(s->conns);
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (uint32_t i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i], NULL);
    free_list(&s->queue);
    free_list(&s->done);
    free(s->workers);
    if (s->done_ev)
        event_free(s->done_ev);
    if (s->base)
        event_base_free(s->base);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->done_mu);
    free(s);
}
