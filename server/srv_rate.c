/*
 * srv_rate.c: the token bucket of the consumption rate limits (srv_rate.h).
 */
#include "srv_rate.h"

#define BURST_SEC 0.1
#define BATCH_SEC 0.05

static void refill(srv_rate *r, int64_t now_us)
{
    if (now_us > r->last_us) {
        r->tokens += r->per_sec * (double)(now_us - r->last_us) / 1e6;
        if (r->tokens > r->burst)
            r->tokens = r->burst;
    }
    r->last_us = now_us;
}

static void set_locked(srv_rate *r, double per_sec)
{
    r->per_sec = per_sec > 0 ? per_sec : 0;
    /* at least one message's worth, or a limit below 10/s could never pass one */
    r->burst = r->per_sec * BURST_SEC < 1 ? 1 : r->per_sec * BURST_SEC;
    if (r->tokens > r->burst)
        r->tokens = r->burst;
}

void srv_rate_init(srv_rate *r, double per_sec)
{
    pthread_mutex_init(&r->lock, NULL);
    r->tokens = 0;
    r->last_us = 0;
    set_locked(r, per_sec);
    r->tokens = r->burst; /* the first batch goes at once */
}

void srv_rate_destroy(srv_rate *r) { pthread_mutex_destroy(&r->lock); }

void srv_rate_set(srv_rate *r, double per_sec)
{
    pthread_mutex_lock(&r->lock);
    set_locked(r, per_sec);
    pthread_mutex_unlock(&r->lock);
}

double srv_rate_limit(srv_rate *r)
{
    pthread_mutex_lock(&r->lock);
    double v = r->per_sec;
    pthread_mutex_unlock(&r->lock);
    return v;
}

int64_t srv_rate_wait_us(srv_rate *r, int64_t now_us)
{
    pthread_mutex_lock(&r->lock);
    int64_t wait = 0;
    if (r->per_sec > 0) {
        if (!r->last_us)
            r->last_us = now_us;
        refill(r, now_us);
        if (r->tokens < 1)
            wait = (int64_t)((1 - r->tokens) * 1e6 / r->per_sec) + 1;
    }
    pthread_mutex_unlock(&r->lock);
    return wait;
}

void srv_rate_take(srv_rate *r, uint32_t n, int64_t now_us)
{
    pthread_mutex_lock(&r->lock);
    if (r->per_sec > 0) {
        if (!r->last_us)
            r->last_us = now_us;
        refill(r, now_us);
        r->tokens -= n;
    }
    pthread_mutex_unlock(&r->lock);
}

uint32_t srv_rate_batch(srv_rate *r, uint32_t max)
{
    pthread_mutex_lock(&r->lock);
    double per = r->per_sec;
    pthread_mutex_unlock(&r->lock);
    if (per <= 0)
        return max;
    double b = per * BATCH_SEC;
    return b < 1 ? 1 : b > max ? max : (uint32_t)b;
}
