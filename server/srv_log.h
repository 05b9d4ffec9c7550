/*
 * srv_log.h: the server's log lines. Library code does not print: lines go
 * to a sink the process chooses (tannin server: stderr). Bad-message lines
 * pass through a limiter so a flood of bad input cannot flood the log.
 */
#ifndef SRV_LOG_H
#define SRV_LOG_H

#include <pthread.h>
#include <stdint.h>

typedef struct srv_log_sink {
    void (*fn)(void *ctx, const char *line);  /* NULL: stderr */
    void *ctx;
} srv_log_sink;

void srv_log(const srv_log_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At most SRV_LOG_BURST lines per SRV_LOG_WINDOW_MS; the lines held back
 * are counted and reported in one "suppressed N" line when the next window
 * opens. */
#define SRV_LOG_BURST 10
#define SRV_LOG_WINDOW_MS 10000

typedef struct srv_loglim {
    pthread_mutex_t lock;
    const srv_log_sink *sink;
    char what[160];           /* names the subject in the "suppressed" line */
    int64_t window_start;
    uint32_t lines;
    uint64_t suppressed;
} srv_loglim;

void srv_loglim_init(srv_loglim *l, const srv_log_sink *sink, const char *what);
void srv_loglim_destroy(srv_loglim *l);
void srv_log_limited(srv_loglim *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports lines held back in a window that has ended (called periodically,
 * so the count appears even when the bad input stops). */
void srv_loglim_flush(srv_loglim *l);

#endif
