/*
 * brk_broker.c: opening and closing the broker's parts in order, and the
 * plain request/response helpers the handlers share.
 */
#include "brk_broker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "brk_client.h"
#include "brk_sync.h"

int brk_broker_open(const brk_opts *o, brk_broker **out, char *err)
{
    if (!o->nservers)
        return tn_err(err, TN_EINVAL, "a broker needs at least one server");
    brk_broker *b = tn_calloc(1, sizeof *b);
    b->opts = *o;
    /* the broker owns copies: callers' arrays may be temporaries */
    char **names = tn_calloc(o->nservers, sizeof *names);
    for (uint32_t i = 0; i < o->nservers; i++)
        names[i] = tn_strdup(o->servers[i]);
    b->opts.servers = (const char *const *)names;
    b->opts.data_dir = tn_strdup(o->data_dir ? o->data_dir : ".");
    if (b->opts.timeout_ms <= 0)
        b->opts.timeout_ms = 10000;
    if (!b->opts.max_result_rows)
        b->opts.max_result_rows = 1000000;
    brk_metrics_init(&b->metrics, o->nservers);
    brk_running_init(&b->running);
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(b->broker_id, sizeof b->broker_id, "Broker_%s_%d", host, (int)getpid());
    char warn[1024];
    int rc = brk_catalog_open(o->data_dir, o->no_sync, &b->catalog, warn, sizeof warn, err);
    if (!rc && warn[0])
        brk_log(b, "%s", warn);
    if (!rc) {
        brk_auth_opts ao = o->auth;
        ao.data_dir = b->opts.data_dir;
        ao.no_sync = o->no_sync;
        rc = brk_auth_open(&ao, &b->auth, err);
    }
    if (!rc) {
        uint32_t n;
        char **names = brk_catalog_table_names(b->catalog, &n);
        for (uint32_t i = 0; i < n; i++)
            brk_apply_table_quota(b, names[i]);
        brk_names_free(names, n);
    }
    if (!rc)
        rc = brk_pool_create(o->servers, o->nservers, &b->pool, err);
    if (!rc)
        rc = brk_sync_start(b, &b->sync, err);
    if (rc) {
        brk_broker_close(b);
        return rc;
    }
    *out = b;
    return TN_OK;
}

void brk_broker_close(brk_broker *b)
{
    if (!b)
        return;
    brk_sync_stop(b->sync);
    brk_pool_free(b->pool);
    brk_catalog_close(b->catalog);
    brk_auth_close(b->auth);
    brk_metrics_free(&b->metrics);
    brk_running_destroy(&b->running);
    for (uint32_t i = 0; i < b->opts.nservers; i++)
        free((char *)b->opts.servers[i]);
    free((void *)b->opts.servers);
    free((char *)b->opts.data_dir);
    free(b);
}

static double config_qps(brk_broker *b, const char *typed)
{
    char *js = brk_catalog_table_json(b->catalog, typed);
    cJSON *cfg = js ? cJSON_Parse(js) : NULL;
    free(js);
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cfg, "quota"), "maxQueriesPerSecond");
    double qps = cJSON_IsNumber(q) ? q->valuedouble
                 : cJSON_IsString(q) ? strtod(q->valuestring, NULL) : 0;
    cJSON_Delete(cfg);
    return qps > 0 ? qps : 0;
}

void brk_apply_table_quota(brk_broker *b, const char *typed)
{
    char raw[256], name[300];
    brk_table_type t;
    if (!brk_table_split(typed, raw, sizeof raw, &t))
        return;
    double qps = 0;
    for (int k = 0; k < 2; k++) {
        snprintf(name, sizeof name, "%s_%s", raw, brk_table_type_name((brk_table_type)k));
        qps = TN_MAX(qps, config_qps(b, name));
    }
    brk_auth_set_table_quota(b->auth, raw, qps);
}

void brk_log(const brk_broker *b, const char *fmt, ...)
{
    if (!b->opts.log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    b->opts.log(b->opts.log_arg, line);
}

const char *brk_server_name(const brk_broker *b, uint32_t i)
{
    return i < b->opts.nservers ? b->opts.servers[i] : "?";
}

const char *brk_request_param(const brk_request *r, const char *key)
{
    for (uint32_t i = 0; i < r->nparams; i++)
        if (!strcmp(r->params[i].key, key))
            return r->params[i].value;
    return NULL;
}

void brk_response_set(brk_response *r, int status, const char *content_type, char *body)
{
    free(r->body);
    r->status = status;
    r->content_type = content_type;
    r->body = body;
    r->len = body ? strlen(body) : 0;
}

void brk_response_error(brk_response *r, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "code", status);
    cJSON_AddStringToObject(o, "error", msg);
    brk_response_set(r, status, "application/json", cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
}

void brk_response_free(brk_response *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}
