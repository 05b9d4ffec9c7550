/*
 * srv_rate.h: a token bucket for consumption rate limits (Pinot's
 * topic.consumption.rate.limit per partition, and the server-wide
 * --consumption-rate-limit shared by every partition of the server).
 *
 * A consumer asks how long to wait before its next fetch, fetches, then
 * takes as many tokens as it got messages. The bucket may go into debt by
 * the last batch: the wait that follows pays it back, so the long-run rate
 * is the limit whatever the batch sizes. The bucket holds at most a tenth
 * of a second of tokens, so an idle partition cannot burst far past it.
 */
#ifndef SRV_RATE_H
#define SRV_RATE_H

#include <pthread.h>
#include <stdint.h>

typedef struct srv_rate {
    pthread_mutex_t lock;   /* a server-wide bucket is shared by consumer threads */
    double per_sec;         /* 0 = no limit */
    double tokens, burst;
    int64_t last_us;
} srv_rate;

void srv_rate_init(srv_rate *r, double per_sec);
void srv_rate_destroy(srv_rate *r);
/* Changes the limit (e.g. the topic gained partitions); 0 lifts it. */
void srv_rate_set(srv_rate *r, double per_sec);
double srv_rate_limit(srv_rate *r);
/* Microseconds to wait before the next fetch; 0 = go now. */
int64_t srv_rate_wait_us(srv_rate *r, int64_t now_us);
/* Takes n tokens for n messages fetched. */
void srv_rate_take(srv_rate *r, uint32_t n, int64_t now_us);
/* The largest batch worth fetching at once: about 50 ms of the limit, so
 * one fetch never runs far ahead of the rate (BATCH when unlimited). */
uint32_t srv_rate_batch(srv_rate *r, uint32_t max);

#endif
