/*
 * brk_running.c: the registry of running queries (brk_running.h). A short
 * mutex-guarded list: a broker runs at most a few hundred queries at once,
 * and listing or cancelling is rare next to adding and removing.
 */
#include "brk_running.h"

#include <string.h>

#include <cjson/cJSON.h>

void brk_running_init(brk_running *r)
{
    pthread_mutex_init(&r->mu, NULL);
    r->head = NULL;
}

void brk_running_destroy(brk_running *r)
{
    pthread_mutex_destroy(&r->mu);
}

void brk_running_add(brk_running *r, brk_running_q *q, atomic_bool *flag)
{
    atomic_init(&q->own, false);
    q->flag = flag ? flag : &q->own;
    q->prev = NULL;
    pthread_mutex_lock(&r->mu);
    q->next = r->head;
    if (r->head)
        r->head->prev = q;
    r->head = q;
    pthread_mutex_unlock(&r->mu);
}

void brk_running_remove(brk_running *r, brk_running_q *q)
{
    pthread_mutex_lock(&r->mu);
    if (q->prev)
        q->prev->next = q->next;
    else if (r->head == q)
        r->head = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->prev = q->next = NULL;
    pthread_mutex_unlock(&r->mu);
}

bool brk_running_cancel(brk_running *r, const char *id, bool client)
{
    bool found = false;
    pthread_mutex_lock(&r->mu);
    for (brk_running_q *q = r->head; q; q = q->next) {
        const char *key = client ? q->client_id : q->id;
        if (key[0] && !strcmp(key, id)) {
            atomic_store(q->flag, true);
            found = true; /* a client id may name several: cancel them all */
        }
    }
    pthread_mutex_unlock(&r->mu);
    return found;
}

char *brk_running_json(brk_running *r)
{
    cJSON *o = cJSON_CreateObject();
    pthread_mutex_lock(&r->mu);
    for (brk_running_q *q = r->head; q; q = q->next)
        cJSON_AddStringToObject(o, q->id, q->sql);
    pthread_mutex_unlock(&r->mu);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
