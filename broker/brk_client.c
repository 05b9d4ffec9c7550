/*
 * brk_client.c: the broker's connection pool to servers (brk_client.h).
 *
 * Ownership: the event thread owns the connections and every pending
 * request (a brk_pending, which names its caller's batch and index). A
 * caller thread writes only into its own calls, and the event thread
 * writes a call's results only under the batch's mutex while the caller
 * still waits (batch->abandoned false): once the caller has given up, the
 * calls are the caller's again and late answers are dropped. The batch
 * itself is reference counted by the caller and its pendings, so whichever
 * side finishes last frees it.
 */
#include "brk_client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>

#define BRK_BACKOFF_MIN_MS 50u
#define BRK_BACKOFF_MAX_MS 2000u
#define BRK_RETRY_GAP_NS (100u * 1000000u) /* between reconnects a call may trigger */
#define BRK_CONNECT_TIMEOUT_S 3
#define BRK_SWEEP_MS 100
#define BRK_DEFAULT_TIMEOUT_MS 10000
#define CANCEL_POLL_NS (20u * 1000000u) /* how soon a cancelled call notices */

typedef struct brk_batch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint32_t left;            /* calls without a result */
    bool abandoned;           /* the caller returned: touch no call */
    atomic_uint refs;         /* the caller + its pendings */
    brk_call *calls;
    bool *done;
} brk_batch;

typedef struct brk_pending {
    struct brk_pending *next; /* in the submission list or a waiting list */
    brk_batch *batch;
    uint32_t index, id, server;
    uint64_t deadline_ns;
} brk_pending;

/* Requests in flight on one connection, by id: open addressing with
 * backward-shift deletion (ids are never 0). */
typedef struct brk_idmap {
    uint32_t *ids;
    brk_pending **vals;
    uint32_t cap, n;
} brk_idmap;

/* A request whose caller cancelled it: the server is told to stop. */
typedef struct brk_cancel {
    struct brk_cancel *next;
    uint32_t server, id;
} brk_cancel;

typedef enum { SRV_DOWN, SRV_CONNECTING, SRV_UP } brk_state;

typedef struct brk_server {
    brk_pool *pool;
    char *name;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct bufferevent *bev;  /* NULL while down */
    brk_state state;
    atomic_bool up;
    struct event *retry_ev;
    uint32_t backoff_ms;
    uint64_t last_attempt_ns;
    char last_error[160];
    brk_pending *waiting;     /* sent once connected */
    brk_idmap inflight;
} brk_server;

struct brk_pool {
    struct event_base *base;
    struct event *submit_ev, *sweep_ev;
    pthread_t tid;
    bool started;
    atomic_bool stop;
    pthread_mutex_t mu;       /* the submission and cancel lists */
    brk_pending *sub_head, *sub_tail;
    brk_cancel *cancels;
    atomic_uint next_id;
    brk_server *servers;
    uint32_t n;
};

/* ---- id map ----------------------------------------------------------------- */

static uint32_t slot_of(const brk_idmap *m, uint32_t id)
{
    return (uint32_t)tn_mix64(id) & (m->cap - 1);
}

static void idmap_put(brk_idmap *m, uint32_t id, brk_pending *p);

static void idmap_grow(brk_idmap *m)
{
    brk_idmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->n = 0;
    m->ids = tn_calloc(m->cap, sizeof *m->ids);
    m->vals = tn_calloc(m->cap, sizeof *m->vals);
    for (uint32_t i = 0; i < old.cap; i++)
        if (old.ids[i])
            idmap_put(m, old.ids[i], old.vals[i]);
    free(old.ids);
    free(old.vals);
}

static void idmap_put(brk_idmap *m, uint32_t id, brk_pending *p)
{
    if ((m->n + 1) * 2 > m->cap)
        idmap_grow(m);
    uint32_t i = slot_of(m, id);
    while (m->ids[i])
        i = (i + 1) & (m->cap - 1);
    m->ids[i] = id;
    m->vals[i] = p;
    m->n++;
}

/* Removes the entry at slot i, shifting later entries of its probe run back. */
static void idmap_del_slot(brk_idmap *m, uint32_t i)
{
    uint32_t mask = m->cap - 1, j = i;
    m->ids[i] = 0;
    m->n--;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->ids[j])
            return;
        uint32_t home = slot_of(m, m->ids[j]);
        /* the entry at j may move to i when i lies on its probe path */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->ids[i] = m->ids[j];
            m->vals[i] = m->vals[j];
            m->ids[j] = 0;
            i = j;
        }
    }
}

static brk_pending *idmap_take(brk_idmap *m, uint32_t id)
{
    if (!m->n)
        return NULL;
    for (uint32_t i = slot_of(m, id); m->ids[i]; i = (i + 1) & (m->cap - 1)) {
        if (m->ids[i] == id) {
            brk_pending *p = m->vals[i];
            idmap_del_slot(m, i);
            return p;
        }
    }
    return NULL;
}

/* ---- results ------------------------------------------------------------------ */

static void batch_release(brk_batch *b)
{
    if (atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b->done);
    free(b);
}

/* Gives pending p its result (payload becomes the call's or is freed) and
 * frees p. */
static void finish(brk_pending *p, int status, uint8_t type, uint8_t *payload, size_t len,
                   const char *why)
{
    brk_batch *b = p->batch;
    pthread_mutex_lock(&b->mu);
    if (!b->abandoned && !b->done[p->index]) {
        brk_call *c = &b->calls[p->index];
        c->status = status;
        c->type = type;
        c->payload = payload;
        c->len = len;
        payload = NULL;
        if (why)
            snprintf(c->err, sizeof c->err, "%s", why);
        b->done[p->index] = true;
        if (--b->left == 0)
            pthread_cond_signal(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    free(payload);
    batch_release(b);
    free(p);
}

static void fail_pending(brk_server *s, brk_pending *p, int status, const char *what)
{
    char why[TN_ERRLEN];
    snprintf(why, sizeof why, "server %s: %s", s->name, what);
    finish(p, status, 0, NULL, 0, why);
}

/* ---- connections (event thread) --------------------------------------------- */

static void start_connect(brk_server *s);

/* Writes p's frame, unless its caller gave up already. */
static void send_pending(brk_server *s, brk_pending *p)
{
    brk_batch *b = p->batch;
    pthread_mutex_lock(&b->mu);
    bool live = !b->abandoned;
    if (live) {
        const tn_buf *req = &b->calls[p->index].request;
        bufferevent_write(s->bev, req->data, req->len);
    }
    pthread_mutex_unlock(&b->mu);
    if (live)
        idmap_put(&s->inflight, p->id, p);
    else
        finish(p, TN_EFULL, 0, NULL, 0, NULL);
}

static void schedule_retry(brk_server *s)
{
    struct timeval tv = {.tv_sec = s->backoff_ms / 1000,
                         .tv_usec = (s->backoff_ms % 1000) * 1000};
    evtimer_add(s->retry_ev, &tv);
    s->backoff_ms = TN_MIN(s->backoff_ms * 2, BRK_BACKOFF_MAX_MS);
}

/* The connection is gone (or never came): every request on it fails now. */
static void server_down(brk_server *s, const char *why)
{
    snprintf(s->last_error, sizeof s->last_error, "%s", why);
    if (s->bev) {
        bufferevent_free(s->bev);
        s->bev = NULL;
    }
    s->state = SRV_DOWN;
    atomic_store(&s->up, false);
    for (uint32_t i = 0; i < s->inflight.cap; i++) {
        if (s->inflight.ids[i]) {
            fail_pending(s, s->inflight.vals[i], TN_EIO, why);
            s->inflight.ids[i] = 0;
        }
    }
    s->inflight.n = 0;
    brk_pending *p;
    while ((p = s->waiting)) {
        s->waiting = p->next;
        fail_pending(s, p, TN_EIO, why);
    }
    if (!evtimer_pending(s->retry_ev, NULL))
        schedule_retry(s);
}

static void server_up(brk_server *s)
{
    int one = 1;
    setsockopt(bufferevent_getfd(s->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bufferevent_set_timeouts(s->bev, NULL, NULL);
    s->state = SRV_UP;
    s->backoff_ms = BRK_BACKOFF_MIN_MS;
    atomic_store(&s->up, true);
    brk_pending *p;
    while ((p = s->waiting)) {
        s->waiting = p->next;
        send_pending(s, p);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    brk_server *s = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        uint8_t hdr[TN_WIRE_HEADER], type;
        uint32_t id;
        size_t total, avail = evbuffer_get_length(in);
        if (avail < TN_WIRE_HEADER)
            return;
        evbuffer_copyout(in, hdr, sizeof hdr);
        if (tn_wire_peek(hdr, sizeof hdr, &type, &id, &total) < 0) {
            server_down(s, "connection lost: malformed frame from the server");
            return;
        }
        if (avail < total)
            return;
        size_t len = total - TN_WIRE_HEADER;
        evbuffer_drain(in, TN_WIRE_HEADER);
        brk_pending *p = idmap_take(&s->inflight, id);
        if (!p) { /* its caller timed out and the sweep dropped it */
            evbuffer_drain(in, len);
            continue;
        }
        uint8_t *payload = tn_malloc(len ? len : 1);
        evbuffer_remove(in, payload, len);
        finish(p, TN_OK, type, payload, len, NULL);
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    brk_server *s = arg;
    if (what & BEV_EVENT_CONNECTED) {
        server_up(s);
        return;
    }
    char why[160];
    int e = EVUTIL_SOCKET_ERROR();
    if (what & BEV_EVENT_TIMEOUT)
        snprintf(why, sizeof why, "cannot connect: no answer in %d s", BRK_CONNECT_TIMEOUT_S);
    else if (s->state == SRV_CONNECTING)
        snprintf(why, sizeof why, "cannot connect: %s", evutil_socket_error_to_string(e));
    else if (what & BEV_EVENT_EOF)
        snprintf(why, sizeof why, "connection lost: closed by the server");
    else
        snprintf(why, sizeof why, "connection lost: %s", evutil_socket_error_to_string(e));
    server_down(s, why);
}

static void start_connect(brk_server *s)
{
    evtimer_del(s->retry_ev);
    s->last_attempt_ns = tn_mono_ns();
    s->state = SRV_CONNECTING;
    s->bev = bufferevent_socket_new(s->pool->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!s->bev) {
        server_down(s, "cannot connect: out of sockets");
        return;
    }
    bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
    bufferevent_set_max_single_read(s->bev, 1 << 20); /* large partial results */
    struct timeval tv = {.tv_sec = BRK_CONNECT_TIMEOUT_S};
    bufferevent_set_timeouts(s->bev, NULL, &tv); /* bounds the connect */
    bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(s->bev, (struct sockaddr *)&s->addr, (int)s->addrlen) < 0) {
        char why[160];
        snprintf(why, sizeof why, "cannot connect: %s",
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        server_down(s, why);
    }
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    brk_server *s = arg;
    if (s->state == SRV_DOWN)
        start_connect(s);
}

/* A call for server s: send, wait for the connection, or fail fast. */
static void route_pending(brk_server *s, brk_pending *p)
{
    if (s->state == SRV_DOWN && tn_mono_ns() - s->last_attempt_ns >= BRK_RETRY_GAP_NS)
        start_connect(s); /* may fail at once, leaving it down */
    if (s->state == SRV_UP) {
        send_pending(s, p);
    } else if (s->state == SRV_CONNECTING) {
        p->next = s->waiting;
        s->waiting = p;
    } else {
        char why[200];
        snprintf(why, sizeof why, "not connected (%s)", s->last_error);
        fail_pending(s, p, TN_EIO, why);
    }
}

/* Tells the server to stop request id, if it still works on it: the
 * CANCEL frame, and the pending is dropped (its caller is gone). An id not
 * in flight was answered already, or never sent (it waits for a connection
 * and its abandoned batch keeps it from being sent). */
static void send_cancel(brk_server *s, uint32_t id)
{
    brk_pending *q = idmap_take(&s->inflight, id);
    if (!q)
        return;
    if (s->state == SRV_UP) {
        tn_buf f = {0};
        tn_wire_begin(&f, TN_MSG_CANCEL, id);
        tn_wire_end(&f, 0);
        bufferevent_write(s->bev, f.data, f.len);
        tn_buf_free(&f);
    }
    finish(q, TN_EFULL, 0, NULL, 0, NULL);
}

static void on_submit(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    brk_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    brk_pending *list = p->sub_head;
    p->sub_head = p->sub_tail = NULL;
    brk_cancel *cancels = p->cancels;
    p->cancels = NULL;
    pthread_mutex_unlock(&p->mu);
    while (list) {
        brk_pending *next = list->next;
        route_pending(&p->servers[list->server], list);
        list = next;
    }
    while (cancels) {
        brk_cancel *next = cancels->next;
        send_cancel(&p->servers[cancels->server], cancels->id);
        free(cancels);
        cancels = next;
    }
}

/* Drops requests whose caller has given up (its deadline passed), so a
 * server that never answers does not grow the map. */
static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    brk_pool *p = arg;
    uint64_t now = tn_mono_ns();
    for (uint32_t k = 0; k < p->n; k++) {
        brk_server *s = &p->servers[k];
        for (uint32_t i = 0; i < s->inflight.cap;) {
            brk_pending *q = s->inflight.vals[i];
            if (s->inflight.ids[i] && q->deadline_ns < now) {
                idmap_del_slot(&s->inflight, i); /* may shift another entry into i */
                fail_pending(s, q, TN_EFULL, "timed out");
            } else {
                i++;
            }
        }
    }
}

/* ---- the pool ------------------------------------------------------------------ */

/* Not event_base_dispatch + loopbreak: a break requested before the loop
 * starts is forgotten when it starts, and the free would wait forever. */
static void *loop_main(void *arg)
{
    brk_pool *p = arg;
    while (!atomic_load(&p->stop))
        event_base_loop(p->base, EVLOOP_ONCE);
    return NULL;
}

/* "host:port" or "[v6]:port" -> a socket address. */
static int resolve(brk_server *s, const char *addr, char *err)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || !colon[1])
        return tn_err(err, TN_EINVAL, "server address '%s' is not host:port", addr);
    char host[256];
    size_t hl = (size_t)(colon - addr);
    if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
        addr++;
        hl -= 2;
    }
    if (hl >= sizeof host)
        return tn_err(err, TN_EINVAL, "server address '%s' is too long", addr);
    memcpy(host, addr, hl);
    host[hl] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV}, *ai;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai)
        return tn_err(err, TN_EINVAL, "cannot resolve server '%s': %s", s->name,
                      gai_strerror(gai));
    memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
    s->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

int brk_pool_create(const char *const *addrs, uint32_t n, brk_pool **out, char *err)
{
    evthread_use_pthreads();
    brk_pool *p = tn_calloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    atomic_init(&p->next_id, 1);
    atomic_init(&p->stop, false);
    p->servers = tn_calloc(n ? n : 1, sizeof *p->servers);
    int rc = 0;
    struct timeval sweep = {.tv_usec = BRK_SWEEP_MS * 1000};
    if (!(p->base = event_base_new()) ||
        !(p->submit_ev = event_new(p->base, -1, EV_PERSIST | EV_READ, on_submit, p)) ||
        !(p->sweep_ev = event_new(p->base, -1, EV_PERSIST, on_sweep, p)) ||
        event_add(p->sweep_ev, &sweep))
        rc = tn_err(err, TN_ENOMEM, "cannot create the pool's event loop");
    for (uint32_t i = 0; i < n && !rc; i++, p->n++) {
        brk_server *s = &p->servers[i];
        s->pool = p;
        s->name = tn_strdup(addrs[i]);
        s->backoff_ms = BRK_BACKOFF_MIN_MS;
        snprintf(s->last_error, sizeof s->last_error, "not connected yet");
        atomic_init(&s->up, false);
        s->retry_ev = evtimer_new(p->base, on_retry, s);
        rc = resolve(s, addrs[i], err);
        if (!rc) {
            struct timeval now = {0};
            evtimer_add(s->retry_ev, &now); /* connect as soon as the loop runs */
        }
    }
    if (!rc && pthread_create(&p->tid, NULL, loop_main, p))
        rc = tn_err(err, TN_ENOMEM, "cannot start the pool's event thread");
    p->started = rc == 0;
    if (rc) {
        brk_pool_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static void drop_all(brk_pool *p)
{
    for (uint32_t k = 0; k < p->n; k++)
        server_down(&p->servers[k], "the pool is closing");
    brk_pending *q;
    while ((q = p->sub_head)) {
        p->sub_head = q->next;
        fail_pending(&p->servers[q->server], q, TN_EIO, "the pool is closing");
    }
    brk_cancel *x;
    while ((x = p->cancels)) {
        p->cancels = x->next;
        free(x);
    }
}

void brk_pool_free(brk_pool *p)
{
    if (!p)
        return;
    if (p->started) {
        atomic_store(&p->stop, true);
        event_active(p->submit_ev, EV_READ, 0); /* wakes the loop */
        pthread_join(p->tid, NULL);
    }
    /* the loop is gone: this thread owns everything now */
    drop_all(p);
    for (uint32_t k = 0; k < p->n; k++) {
        brk_server *s = &p->servers[k];
        if (s->retry_ev)
            event_free(s->retry_ev);
        free(s->inflight.ids);
        free(s->inflight.vals);
        free(s->name);
    }
    if (p->submit_ev)
        event_free(p->submit_ev);
    if (p->sweep_ev)
        event_free(p->sweep_ev);
    if (p->base)
        event_base_free(p->base);
    pthread_mutex_destroy(&p->mu);
    free(p->servers);
    free(p);
}

uint32_t brk_pool_size(const brk_pool *p) { return p->n; }

const char *brk_pool_name(const brk_pool *p, uint32_t i)
{
    return i < p->n ? p->servers[i].name : NULL;
}

bool brk_pool_connected(const brk_pool *p, uint32_t i)
{
    return i < p->n && atomic_load(&p->servers[i].up);
}

void brk_call_clear(brk_call *c)
{
    tn_buf_free(&c->request);
    free(c->payload);
    c->payload = NULL;
    c->len = 0;
    c->type = 0;
    c->status = TN_OK;
    c->err[0] = 0;
}

/* ---- calls (caller threads) ---------------------------------------------------- */

static brk_batch *batch_new(brk_call *calls, uint32_t n)
{
    brk_batch *b = tn_calloc(1, sizeof *b);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&b->mu, NULL);
    b->calls = calls;
    b->done = tn_calloc(n, sizeof *b->done);
    atomic_init(&b->refs, 1);
    return b;
}

/* Checks and stamps the calls; returns the pendings to submit. */
static brk_pending *make_pendings(brk_pool *p, brk_batch *b, uint32_t n, uint64_t deadline)
{
    brk_pending *head = NULL, **tail = &head;
    for (uint32_t i = 0; i < n; i++) {
        brk_call *c = &b->calls[i];
        free(c->payload);
        c->payload = NULL;
        c->len = 0;
        c->type = 0;
        c->status = TN_OK;
        c->err[0] = 0;
        if (c->server >= p->n || c->request.len < TN_WIRE_HEADER) {
            c->status = TN_EINVAL;
            snprintf(c->err, sizeof c->err, "bad call: server %u of %u, request of %zu bytes",
                     c->server, p->n, c->request.len);
            b->done[i] = true;
            continue;
        }
        uint32_t id;
        while ((id = atomic_fetch_add(&p->next_id, 1)) == 0)
            ;
        for (unsigned k = 0; k < 4; k++)
            c->request.data[5 + k] = (uint8_t)(id >> (8 * k));
        brk_pending *q = tn_calloc(1, sizeof *q);
        *q = (brk_pending){.batch = b, .index = i, .id = id, .server = c->server,
                           .deadline_ns = deadline};
        *tail = q;
        tail = &q->next;
        b->left++;
        atomic_fetch_add(&b->refs, 1);
    }
    return head;
}

static void submit(brk_pool *p, brk_pending *head)
{
    brk_pending *last = head;
    while (last->next)
        last = last->next;
    pthread_mutex_lock(&p->mu);
    if (p->sub_tail)
        p->sub_tail->next = head;
    else
        p->sub_head = head;
    p->sub_tail = last;
    pthread_mutex_unlock(&p->mu);
    event_active(p->submit_ev, EV_READ, 0);
}

/* The next wake-up: the deadline, or a short slice when a cancel flag has
 * to be polled (the canceller does not know the batch's condition). */
static struct timespec wake_at(uint64_t deadline, const atomic_bool *cancel)
{
    uint64_t t = deadline;
    if (cancel) {
        uint64_t slice = tn_mono_ns() + CANCEL_POLL_NS;
        if (slice < t)
            t = slice;
    }
    return (struct timespec){.tv_sec = (time_t)(t / 1000000000u),
                             .tv_nsec = (long)(t % 1000000000u)};
}

/* The calls of a cancelled batch that have no answer: their servers are
 * told to stop (make_pendings stamped each frame with its request id). */
static void cancel_calls(brk_pool *p, const brk_call *calls, const bool *done, uint32_t n)
{
    brk_cancel *head = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        uint8_t type;
        size_t total;
        brk_cancel *x = tn_calloc(1, sizeof *x);
        x->server = calls[i].server;
        tn_wire_peek(calls[i].request.data, calls[i].request.len, &type, &x->id, &total);
        x->next = head;
        head = x;
    }
    if (!head)
        return;
    pthread_mutex_lock(&p->mu);
    brk_cancel *last = head;
    while (last->next)
        last = last->next;
    last->next = p->cancels;
    p->cancels = head;
    pthread_mutex_unlock(&p->mu);
    event_active(p->submit_ev, EV_READ, 0);
}

/* Waits for the answers until the deadline or a cancel; marks the rest
 * timed out (or cancelled, and tells their servers). */
static void wait_batch(brk_pool *p, brk_batch *b, uint32_t n, uint64_t deadline,
                       int64_t timeout_ms, const atomic_bool *cancel)
{
    bool cancelled = false;
    pthread_mutex_lock(&b->mu);
    while (b->left > 0 && !cancelled) {
        struct timespec ts = wake_at(deadline, cancel);
        if (pthread_cond_timedwait(&b->cv, &b->mu, &ts) == ETIMEDOUT && tn_mono_ns() >= deadline)
            break;
        cancelled = cancel && atomic_load(cancel);
    }
    for (uint32_t i = 0; i < n && b->left > 0; i++) {
        if (b->done[i])
            continue;
        brk_call *c = &b->calls[i];
        c->status = TN_EFULL;
        if (cancelled)
            snprintf(c->err, sizeof c->err, "cancelled while server %s was working",
                     p->servers[c->server].name);
        else
            snprintf(c->err, sizeof c->err, "server %s did not answer within %lld ms",
                     p->servers[c->server].name, (long long)timeout_ms);
    }
    b->abandoned = true;
    if (cancelled)
        cancel_calls(p, b->calls, b->done, n);
    pthread_mutex_unlock(&b->mu);
}

int brk_pool_call(brk_pool *p, brk_call *calls, uint32_t n, int64_t timeout_ms)
{
    return brk_pool_call_cancel(p, calls, n, timeout_ms, NULL);
}

int brk_pool_call_cancel(brk_pool *p, brk_call *calls, uint32_t n, int64_t timeout_ms,
                         const atomic_bool *cancel)
{
    if (!n)
        return TN_OK;
    if (timeout_ms <= 0)
        timeout_ms = BRK_DEFAULT_TIMEOUT_MS;
    /* tn_mono_ns and the condition variable share CLOCK_MONOTONIC */
    uint64_t deadline = tn_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    brk_batch *b = batch_new(calls, n);
    brk_pending *head = make_pendings(p, b, n, deadline);
    if (head) {
        submit(p, head);
        wait_batch(p, b, n, deadline, timeout_ms, cancel);
    }
    batch_release(b);
    for (uint32_t i = 0; i < n; i++)
        if (calls[i].status != TN_OK)
            return calls[i].status;
    return TN_OK;
}
