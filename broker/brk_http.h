/*
 * brk_http.h: the broker's HTTP front end: the query port (Pinot broker:
 * /query/sql, /query) and the admin port (Pinot controller REST, POST /sql
 * and the web console, brk_console.h), both on one libevent event thread,
 * with the work done on a bounded pool of worker threads.
 *
 * The event thread parses requests, copies what a handler needs into a
 * brk_request and queues it; a worker runs the handler (blocking on the
 * servers as long as it takes) and hands the finished response back to the
 * event thread, which alone talks to evhttp (it is not thread-safe). When
 * the queue is full a request is refused at once with a clear error
 * (Pinot code 429 on the query port, 503 on the admin port) instead of
 * waiting without bound. Every response carries CORS headers; OPTIONS
 * preflights are answered directly.
 *
 * With --auth, a worker resolves the request's Authorization header
 * (brk_auth_http: Basic or Bearer) before any handler runs; only the
 * console's files, /health, /auth/info and /auth/login go without. With a
 * TLS context both ports speak HTTPS only (OpenSSL bufferevents).
 */
#ifndef BRK_HTTP_H
#define BRK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "brk_broker.h"

struct event_base;
struct brk_tls;

typedef struct brk_http_opts {
    const char *host;          /* listen address; NULL = 127.0.0.1 */
    uint16_t http_port;        /* 0 = ephemeral */
    uint16_t admin_port;       /* 0 = ephemeral */
    uint32_t threads;          /* workers; 0 = 8 */
    uint32_t max_queue;        /* requests waiting for a worker; 0 = 1024 */
    size_t max_query_body;     /* bytes; 0 = 1 MiB */
    size_t max_admin_body;     /* bytes; 0 = 1 GiB (ingestFromFile) */
    int idle_timeout_s;        /* keep-alive connections idle longer are closed; 0 = 120 */
    const char *console_dir;   /* web console files (admin port); NULL = <exe dir>/console */
    struct brk_tls *tls;       /* HTTPS on both ports; NULL = plain HTTP (borrowed) */
    size_t max_header_bytes;   /* request line + headers; 0 = 16 KiB */
} brk_http_opts;

typedef struct brk_http brk_http;

/* Listens on both ports on base (created after evthread_use_pthreads())
 * and starts the workers. */
int brk_http_start(brk_broker *b, struct event_base *base, const brk_http_opts *o,
                   brk_http **out, char *err);
/* The ports actually bound (useful with port 0). */
void brk_http_ports(const brk_http *h, uint16_t *http_port, uint16_t *admin_port);
/* Stops the workers (each finishes its request), answers whatever is still
 * queued with 503, and closes the listeners. Call after the event loop has
 * stopped. */
void brk_http_stop(brk_http *h);

#endif
