/*
 * srv_log.c: log lines to the process's sink, and the rate limiter for
 * lines caused by bad input.
 */
#include "srv_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "tn_common.h"

static void emit(const srv_log_sink *s, const char *line)
{
    if (s && s->fn) {
        s->fn(s->ctx, line);
        return;
    }
    /* one fprintf per line keeps concurrent lines whole */
    fprintf(stderr, "%s\n", line);
}

static void vlog(const srv_log_sink *s, const char *fmt, va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    emit(s, line);
}

void srv_log(const srv_log_sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(s, fmt, ap);
    va_end(ap);
}

void srv_loglim_init(srv_loglim *l, const srv_log_sink *sink, const char *what)
{
    pthread_mutex_init(&l->lock, NULL);
    l->sink = sink;
    snprintf(l->what, sizeof l->what, "%s", what);
    l->window_start = 0;
    l->lines = 0;
    l->suppressed = 0;
}

void srv_loglim_destroy(srv_loglim *l) { pthread_mutex_destroy(&l->lock); }

/* Opens a new window when the current one has ended (lock held). */
static void roll_window(srv_loglim *l, int64_t now)
{
    if (now - l->window_start < SRV_LOG_WINDOW_MS)
        return;
    if (l->suppressed)
        srv_log(l->sink, "tannin: %s: suppressed %llu similar lines in the last %d s",
                l->what, (unsigned long long)l->suppressed, SRV_LOG_WINDOW_MS / 1000);
    l->window_start = now;
    l->lines = 0;
    l->suppressed = 0;
}

void srv_loglim_flush(srv_loglim *l)
{
    pthread_mutex_lock(&l->lock);
    if (l->suppressed)
        roll_window(l, tn_now_ms());
    pthread_mutex_unlock(&l->lock);
}

void srv_log_limited(srv_loglim *l, const char *fmt, ...)
{
    int64_t now = tn_now_ms();
    pthread_mutex_lock(&l->lock);
    roll_window(l, now);
    bool print = l->lines < SRV_LOG_BURST;
    if (print)
        l->lines++;
    else
        l->suppressed++;
    pthread_mutex_unlock(&l->lock);
    if (print) {
        va_list ap;
        va_start(ap, fmt);
        vlog(l->sink, fmt, ap);
        va_end(ap);
    }
}
