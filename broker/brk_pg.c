/*
 * brk_pg.c: the PostgreSQL listener, its connections and its worker pool
 * (see brk_pg.h).
 */
#include "brk_pg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "brk_auth.h"
#include "brk_pg_proto.h"
#include "brk_pg_sess.h"
#include "brk_query.h"
#include "brk_tls.h"

/* A closing TLS connection waits for its last bytes (a FATAL error, say)
 * to leave the socket bufferevent under the TLS filter, checking every
 * tick, at most this many times. */
#define LINGER_TICK_US 10000
#define LINGER_TICKS 300
/* Answers waiting for a client that does not read: past this, the
 * connection's reading pauses until they have left (PostgreSQL blocks in
 * send() the same way), so a client pipelining queries without reading
 * their results cannot grow the broker's memory without bound. */
#define OUT_HIGH (4u << 20)
/* A connection's timer firing while a worker holds it looks again later. */
#define TIMER_RETRY_MS 100

typedef struct pg_conn {
    struct pg_conn *qnext;        /* job or done queue */
    struct pg_conn *prev, *next;  /* every open connection */
    brk_pg *pg;
    struct bufferevent *bev;
    brk_pg_sess *sess;
    tn_buf in, out;               /* the worker's while busy */
    bool busy, close_after, dead;
    bool start_tls;               /* the worker answered 'S': wrap in TLS after sending */
    bool out_full;                /* reading paused until the answers drain (OUT_HIGH) */
    bool more;                    /* the session left whole messages in `in` */
    struct event *linger;         /* a closing TLS connection's flush check */
    /* Before login the authentication deadline (armed once, at accept);
     * after it the idle timeout, armed while the session waits for the
     * client and disarmed when bytes arrive. */
    struct event *timer;
    bool logged_in;
    uint32_t linger_ticks;
    char client[64];              /* peer "host:port" */
    int32_t pid, secret;          /* BackendKeyData: what a CancelRequest must name */
    atomic_bool running;          /* a Tannin query is in brk_query_result */
    atomic_bool cancel;           /* a CancelRequest arrived while it ran */
} pg_conn;

typedef struct pg_queue {
    pg_conn *head, *tail;
} pg_queue;

struct brk_pg {
    brk_broker *b;
    brk_pg_opts o;
    struct event_base *base;
    struct evconnlistener *listener;
    uint16_t port;
    struct event *done_ev;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pg_queue jobs, done;
    bool stop;
    pthread_t *workers;
    uint32_t nworkers;
    pg_conn *conns;               /* event thread only */
    uint32_t nconns;
    uint32_t next_pid;
};

static void q_push(pg_queue *q, pg_conn *c)
{
    c->qnext = NULL;
    if (q->tail)
        q->tail->qnext = c;
    else
        q->head = c;
    q->tail = c;
}

static pg_conn *q_pop(pg_queue *q)
{
    pg_conn *c = q->head;
    if (c) {
        q->head = c->qnext;
        if (!q->head)
            q->tail = NULL;
    }
    return c;
}

/* A cancel only ever hits the query running when it arrives (PostgreSQL's
 * rule): the flag is cleared as each query starts. */
static int exec_select(void *arg, brk_user *user, const char *sql, qry_result *res,
                       qry_err *errs, uint32_t *nerrs)
{
    pg_conn *c = arg;
    atomic_store(&c->cancel, false);
    atomic_store(&c->running, true);
    brk_query_ctx ctx = {.user = user, .flavour = QRY_PGWIRE, .received_ns = tn_mono_ns(),
                         .cancel = &c->cancel, .endpoint = "pg", .client = c->client};
    int rc = brk_query_result_as(c->pg->b, &ctx, sql, res, errs, nerrs);
    atomic_store(&c->running, false);
    return rc;
}

/* ---- connections (event thread) ---------------------------------------- */

static void conn_free(pg_conn *c)
{
    brk_pg *pg = c->pg;
    if (c->prev)
        c->prev->next = c->next;
    else
        pg->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pg->nconns--;
    if (c->linger)
        event_free(c->linger);
    if (c->timer)
        event_free(c->timer);
    if (c->bev)
        bufferevent_free(c->bev);
    brk_pg_sess_free(c->sess);
    tn_buf_free(&c->in);
    tn_buf_free(&c->out);
    free(c);
}

/* Compares without an early exit, so timing tells nothing of the secret. */
static bool secret_eq(int32_t a, int32_t b)
{
    volatile uint32_t d = (uint32_t)a ^ (uint32_t)b;
    return d == 0;
}

/* A CancelRequest is the first packet of a connection of its own. It is
 * served here on the event thread, not by a worker, so that it works while
 * every worker is blocked in a slow query. A wrong key does nothing, and
 * the connection closes without a reply either way (PostgreSQL's rule:
 * the caller learns nothing). */
static bool conn_cancel_request(pg_conn *c)
{
    int32_t pid, secret;
    if (!brk_pg_sess_starting(c->sess) || !brk_pg_cancel_key(c->in.data, c->in.len, &pid, &secret))
        return false;
    for (pg_conn *t = c->pg->conns; t; t = t->next) {
        if (t == c || t->pid != pid)
            continue;
        if (secret_eq(t->secret, secret) && atomic_load(&t->running))
            atomic_store(&t->cancel, true);
        break;
    }
    return true;
}

/* Moves what arrived to the connection's buffer and hands it to a worker. */
static void conn_schedule(pg_conn *c)
{
    struct evbuffer *input = bufferevent_get_input(c->bev);
    size_t n = evbuffer_get_length(input);
    if (c->busy || c->close_after || (!n && !c->more))
        return;
    tn_buf_reserve(&c->in, n);
    evbuffer_remove(input, c->in.data + c->in.len, n);
    c->in.len += n;
    if (conn_cancel_request(c)) {
        conn_free(c);
        return;
    }
    if (c->logged_in)
        evtimer_del(c->timer); /* no longer idle */
    c->busy = true;
    bufferevent_disable(c->bev, EV_READ);
    brk_pg *pg = c->pg;
    pthread_mutex_lock(&pg->lock);
    q_push(&pg->jobs, c);
    pthread_cond_signal(&pg->cond);
    pthread_mutex_unlock(&pg->lock);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_schedule(arg);
}

/* Bytes c has not yet handed to the kernel: under TLS, also what the
 * filter already encrypted into the socket bufferevent. */
static size_t conn_unsent(pg_conn *c)
{
    size_t n = evbuffer_get_length(bufferevent_get_output(c->bev));
    struct bufferevent *u = bufferevent_get_underlying(c->bev);
    if (u)
        n += evbuffer_get_length(bufferevent_get_output(u));
    return n;
}

static void conn_close_flushed(pg_conn *c);
static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

static void on_linger(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pg_conn *c = arg;
    if (++c->linger_ticks > LINGER_TICKS)
        conn_free(c);
    else
        conn_close_flushed(c);
}

/* Frees a closing connection once its answer has left: at once when
 * nothing is pending; a plain socket's on_drained says when; a TLS
 * filter's drain only means encrypted, so a timer checks beneath it. */
static void conn_close_flushed(pg_conn *c)
{
    if (!conn_unsent(c)) {
        conn_free(c);
        return;
    }
    if (!bufferevent_get_underlying(c->bev))
        return;
    if (!c->linger)
        c->linger = evtimer_new(c->pg->base, on_linger, c);
    struct timeval tick = {0, LINGER_TICK_US};
    evtimer_add(c->linger, &tick);
}

static void conn_resume(pg_conn *c);

static void on_drained(struct bufferevent *bev, void *arg)
{
    (void)bev;
    pg_conn *c = arg;
    if (c->close_after)
        conn_close_flushed(c);
    else if (c->out_full)
        conn_resume(c);
}

/* The client read our 'S' and starts a TLS handshake: the socket's
 * bufferevent goes under an OpenSSL filter. Bytes already received were
 * sent before the 'S' was seen, so they cannot be the handshake: someone
 * injected plaintext, and the connection is dropped. */
static void conn_start_tls(pg_conn *c)
{
    c->start_tls = false;
    struct bufferevent *under = c->bev;
    SSL *ssl = NULL;
    if (c->in.len || evbuffer_get_length(bufferevent_get_input(under)) ||
        !(ssl = brk_tls_new_ssl(c->pg->o.tls))) {
        conn_free(c);
        return;
    }
    c->bev = bufferevent_openssl_filter_new(c->pg->base, under, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                            BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!c->bev) {
        /* only without memory; ssl and the socket's bufferevent now
         * belong to libevent's failed attempt, so they are not freed twice */
        conn_free(c);
        return;
    }
    /* a client that drops the connection without close_notify is just gone */
    bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    bufferevent_setcb(c->bev, on_read, on_drained, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    pg_conn *c = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    if (c->busy)
        c->dead = true; /* the worker still holds it: freed when it hands back */
    else
        conn_free(c);
}

static void arm_ms(struct event *ev, int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    evtimer_add(ev, &tv);
}

/* The authentication deadline or the idle timeout passed: a FATAL error
 * as PostgreSQL 15 words it, then the connection closes. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pg_conn *c = arg;
    if (c->busy) {
        arm_ms(c->timer, TIMER_RETRY_MS); /* the worker's answer decides */
        return;
    }
    if (c->close_after)
        return; /* already closing */
    bool in_txn = false;
    if (c->logged_in)
        brk_pg_sess_idle_ms(c->sess, &in_txn);
    tn_buf msg = {0};
    if (!c->logged_in)
        brk_pg_error(&msg, "FATAL", "57014", "canceling authentication due to timeout", -1);
    else if (in_txn)
        brk_pg_error(&msg, "FATAL", "25P03",
                     "terminating connection due to idle-in-transaction timeout", -1);
    else
        brk_pg_error(&msg, "FATAL", "57P05", "terminating connection due to idle-session timeout",
                     -1);
    bufferevent_write(c->bev, msg.data, msg.len);
    tn_buf_free(&msg);
    c->close_after = true;
    bufferevent_disable(c->bev, EV_READ);
    conn_close_flushed(c);
}

/* After a worker's answer: the login's end stops the authentication
 * deadline; a logged-in session waiting for its client gets its idle
 * timeout (conn_schedule disarms it when bytes come). */
static void conn_arm_idle(pg_conn *c)
{
    if (!brk_pg_sess_ready(c->sess))
        return;
    if (!c->logged_in) {
        c->logged_in = true;
        evtimer_del(c->timer);
    }
    bool in_txn;
    int64_t ms = brk_pg_sess_idle_ms(c->sess, &in_txn);
    if (ms > 0)
        arm_ms(c->timer, ms);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    brk_pg *pg = arg;
    pthread_mutex_lock(&pg->lock);
    pg_queue done = pg->done;
    pg->done.head = pg->done.tail = NULL;
    pthread_mutex_unlock(&pg->lock);
    for (pg_conn *c = q_pop(&done); c; c = q_pop(&done)) {
        c->busy = false;
        if (c->dead) {
            conn_free(c);
            continue;
        }
        bufferevent_write(c->bev, c->out.data, c->out.len);
        tn_buf_reset(&c->out);
        if (c->close_after) {
            conn_close_flushed(c);
            continue;
        }
        if (c->start_tls) {
            conn_start_tls(c);
            continue;
        }
        if (conn_unsent(c) > OUT_HIGH) {
            c->out_full = true; /* on_drained resumes */
            continue;
        }
        conn_resume(c);
    }
}

/* Reads again: the idle timeout runs while the session waits. */
static void conn_resume(pg_conn *c)
{
    c->out_full = false;
    bufferevent_enable(c->bev, EV_READ);
    conn_arm_idle(c);
    conn_schedule(c);
}

static void refuse(evutil_socket_t fd)
{
    tn_buf msg = {0};
    brk_pg_error(&msg, "FATAL", "53300", "sorry, too many clients already", -1);
    ssize_t w = send(fd, msg.data, msg.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)w;
    tn_buf_free(&msg);
    evutil_closesocket(fd);
}

/* The cancel key's secret comes from the kernel's CSPRNG: anyone who can
 * guess it can cancel another client's queries. */
static int random_secret(int32_t *out)
{
    uint32_t v;
    ssize_t n;
    do
        n = getrandom(&v, sizeof v, 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof v)
        return TN_EIO;
    *out = (int32_t)v;
    return TN_OK;
}

static void peer_name(const struct sockaddr *sa, int len, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    if (sa->sa_family == AF_INET && len >= (int)sizeof *in &&
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host))
        snprintf(out, cap, "%s:%u", host, ntohs(in->sin_port));
    else
        snprintf(out, cap, "%s", host);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg)
{
    (void)l;
    brk_pg *pg = arg;
    if (pg->nconns >= pg->o.max_connections) {
        refuse(fd);
        return;
    }
    int32_t secret;
    if (random_secret(&secret)) {
        fprintf(stderr, "pg: no random bytes for a cancel key (%s): connection refused\n",
                strerror(errno));
        evutil_closesocket(fd);
        return;
    }
    pg_conn *c = tn_calloc(1, sizeof *c);
    c->pg = pg;
    c->bev = bufferevent_socket_new(pg->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->pid = (int32_t)(++pg->next_pid & 0x7fffffff);
    c->secret = secret;
    atomic_init(&c->running, false);
    atomic_init(&c->cancel, false);
    peer_name(sa, len, c->client, sizeof c->client);
    brk_pg_sess_opts so = {.auth = pg->b ? pg->b->auth : NULL,
                           .auth_method = pg->o.auth_method, .tls = pg->o.tls != NULL,
                           .client = c->client, .max_message = pg->o.max_message,
                           .pid = c->pid, .secret = c->secret,
                           .exec = exec_select, .exec_arg = c,
                           .catalog = pg->b ? pg->b->catalog : NULL,
                           .idle_session_ms = pg->o.idle_session_ms};
    c->sess = brk_pg_sess_new(&so);
    c->timer = evtimer_new(pg->base, on_timer, c);
    arm_ms(c->timer, pg->o.auth_timeout_ms);
    c->next = pg->conns;
    if (pg->conns)
        pg->conns->prev = c;
    pg->conns = c;
    pg->nconns++;
    bufferevent_setcb(c->bev, on_read, on_drained, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- workers ----------------------------------------------------------- */

static void conn_work(pg_conn *c)
{
    bool close = false;
    size_t used = brk_pg_sess_feed(c->sess, c->in.data, c->in.len, &c->out, &close);
    memmove(c->in.data, c->in.data + used, c->in.len - used);
    c->in.len -= used;
    /* stopped at the output bound (at worst an incomplete message: one
     * round with no progress clears it) */
    c->more = used && c->in.len;
    c->close_after = close;
    c->start_tls = !close && brk_pg_sess_take_tls(c->sess);
}

static void *worker_main(void *arg)
{
    brk_pg *pg = arg;
    pthread_mutex_lock(&pg->lock);
    for (;;) {
        while (!pg->stop && !pg->jobs.head)
            pthread_cond_wait(&pg->cond, &pg->lock);
        if (pg->stop)
            break;
        pg_conn *c = q_pop(&pg->jobs);
        pthread_mutex_unlock(&pg->lock);
        conn_work(c);
        pthread_mutex_lock(&pg->lock);
        q_push(&pg->done, c);
        event_active(pg->done_ev, EV_READ, 0);
    }
    pthread_mutex_unlock(&pg->lock);
    return NULL;
}

/* ---- start and stop ---------------------------------------------------- */

static int listen_on(brk_pg *pg, char *err)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(pg->o.port)};
    const char *host = pg->o.host ? pg->o.host : "127.0.0.1";
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
        return tn_err(err, TN_EINVAL, "pg listen address '%s' is not an IPv4 address", host);
    pg->listener = evconnlistener_new_bind(pg->base, on_accept, pg,
                                           LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
                                           (struct sockaddr *)&sin, sizeof sin);
    if (!pg->listener)
        return tn_err(err, TN_EIO, "cannot listen on %s:%u for PostgreSQL clients", host,
                      pg->o.port);
    struct sockaddr_in bound;
    socklen_t bl = sizeof bound;
    getsockname(evconnlistener_get_fd(pg->listener), (struct sockaddr *)&bound, &bl);
    pg->port = ntohs(bound.sin_port);
    return TN_OK;
}

int brk_pg_start(brk_broker *b, struct event_base *base, const brk_pg_opts *o, brk_pg **out,
                 char *err)
{
    const char *m = o->auth_method;
    if (m && strcmp(m, BRK_PG_AUTH_SCRAM) && strcmp(m, "scram") &&
        strcmp(m, BRK_PG_AUTH_PASSWORD))
        return tn_err(err, TN_EINVAL, "unknown PostgreSQL auth method '%s' (%s, scram or %s)",
                      m, BRK_PG_AUTH_SCRAM, BRK_PG_AUTH_PASSWORD);
    brk_pg *pg = tn_calloc(1, sizeof *pg);
    pg->b = b;
    pg->o = *o;
    pg->base = base;
    if (!pg->o.threads)
        pg->o.threads = 4;
    if (!pg->o.max_connections)
        pg->o.max_connections = 256;
    if (pg->o.auth_timeout_ms <= 0)
        pg->o.auth_timeout_ms = 60000;
    pthread_mutex_init(&pg->lock, NULL);
    pthread_cond_init(&pg->cond, NULL);
    pg->done_ev = event_new(base, -1, EV_PERSIST, on_done, pg);
    int rc = listen_on(pg, err);
    if (rc) {
        brk_pg_stop(pg);
        return rc;
    }
    pg->workers = tn_calloc(pg->o.threads, sizeof *pg->workers);
    for (; pg->nworkers < pg->o.threads; pg->nworkers++)
        if (pthread_create(&pg->workers[pg->nworkers], NULL, worker_main, pg)) {
            brk_pg_stop(pg);
            return tn_err(err, TN_EIO, "cannot start the PostgreSQL workers");
        }
    *out = pg;
    return TN_OK;
}

uint16_t brk_pg_port(const brk_pg *p)
{
    return p->port;
}

void brk_pg_stop(brk_pg *pg)
{
    if (!pg)
        return;
    pthread_mutex_lock(&pg->lock);
    pg->stop = true;
    pthread_cond_broadcast(&pg->cond);
    pthread_mutex_unlock(&pg->lock);
    for (uint32_t i = 0; i < pg->nworkers; i++)
        pthread_join(pg->workers[i], NULL);
    free(pg->workers);
    while (pg->conns)
        conn_free(pg->conns);
    if (pg->listener)
        evconnlistener_free(pg->listener);
    if (pg->done_ev)
        event_free(pg->done_ev);
    pthread_mutex_destroy(&pg->lock);
    pthread_cond_destroy(&pg->cond);
    free(pg);
}
