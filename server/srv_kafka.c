/*
 * srv_kafka.c: consumer handles, metadata and watermarks (srv_kafka.h).
 */
#include "srv_kafka.h"

#include <stdio.h>
#include <string.h>

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    srv_kafka_logctx *l = rd_kafka_opaque(rk);
    if (!l || level > 4) /* errors and warnings only */
        return;
    srv_log_limited(l->lim, "tannin: kafka %s: %s: %s", l->who, fac, buf);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    srv_kafka_logctx *l = opaque;
    if (!l || err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
        return;
    char msg[512];
    snprintf(msg, sizeof msg, "kafka: %s: %s", rd_kafka_err2name(err), reason);
    srv_log_limited(l->lim, "tannin: %s: %s", l->who, msg);
    if (l->on_error)
        l->on_error(l->owner, msg);
}

static int set(rd_kafka_conf_t *c, const char *k, const char *v, char *err)
{
    char rerr[256];
    if (rd_kafka_conf_set(c, k, v, rerr, sizeof rerr) != RD_KAFKA_CONF_OK)
        return tn_err(err, TN_EINVAL, "kafka property %s=%s: %s", k, v, rerr);
    return TN_OK;
}

/* Settings Tannin relies on: offsets stay Tannin's (no commits, no reset
 * by librdkafka: an out-of-range offset is reported and handled as data
 * loss), small fetch waits for freshness, quick reconnects. */
static int base_conf(rd_kafka_conf_t *c, const srv_table_config *cfg,
                     const srv_stream_config *s, const char *brokers, char *err)
{
    char group[300];
    snprintf(group, sizeof group, "tannin-%s", cfg->name_with_type);
    static const char *const fixed[][2] = {
        {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "error"}, {"enable.partition.eof", "false"},
        {"client.id", "tannin"}, {"log.connection.close", "false"},
    };
    static const char *const tunable[][2] = {
        {"fetch.wait.max.ms", "100"}, {"reconnect.backoff.max.ms", "1000"},
        {"topic.metadata.refresh.interval.ms", "30000"},
    };
    int rc = set(c, "bootstrap.servers", brokers, err);
    if (!rc)
        rc = set(c, "group.id", group, err);
    for (size_t i = 0; i < TN_ARRAY_LEN(tunable) && !rc; i++)
        rc = set(c, tunable[i][0], tunable[i][1], err);
    for (uint32_t i = 0; i < s->nprops && !rc; i++)
        rc = set(c, s->props[i].key, s->props[i].value, err);
    for (size_t i = 0; i < TN_ARRAY_LEN(fixed) && !rc; i++)
        rc = set(c, fixed[i][0], fixed[i][1], err);
    return rc;
}

int srv_kafka_consumer_new(const srv_table_config *cfg, const srv_stream_config *s,
                           const char *brokers, srv_kafka_logctx *logctx, rd_kafka_t **out,
                           char *err)
{
    if (!brokers)
        brokers = s->brokers;
    if (!brokers || !*brokers)
        return tn_err(err, TN_EINVAL,
                      "table %s: topic %s: no Kafka brokers ('stream.kafka.broker.list' is "
                      "missing and the server has no --kafka)", cfg->name_with_type, s->topic);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    int rc = base_conf(c, cfg, s, brokers, err);
    if (rc) {
        rd_kafka_conf_destroy(c);
        return rc;
    }
    rd_kafka_conf_set_opaque(c, logctx);
    rd_kafka_conf_set_log_cb(c, log_cb);
    rd_kafka_conf_set_error_cb(c, error_cb);
    char rerr[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, rerr, sizeof rerr);
    if (!rk) {
        rd_kafka_conf_destroy(c);
        return tn_err(err, TN_EINVAL, "kafka consumer: %s", rerr);
    }
    *out = rk;
    return TN_OK;
}

int srv_kafka_producer_new(const srv_table_config *cfg, const srv_stream_config *s,
                           const char *brokers, srv_kafka_logctx *logctx, rd_kafka_t **out,
                           char *err)
{
    if (!brokers)
        brokers = s->brokers;
    if (!brokers || !*brokers)
        return tn_err(err, TN_EINVAL, "table %s: no Kafka brokers for the dead-letter topic",
                      cfg->name_with_type);
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    int rc = set(c, "bootstrap.servers", brokers, err);
    if (!rc)
        rc = set(c, "client.id", "tannin-deadletter", err);
    if (!rc)
        rc = set(c, "linger.ms", "50", err);
    if (rc) {
        rd_kafka_conf_destroy(c);
        return rc;
    }
    rd_kafka_conf_set_opaque(c, logctx);
    rd_kafka_conf_set_log_cb(c, log_cb);
    rd_kafka_conf_set_error_cb(c, error_cb);
    char rerr[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, rerr, sizeof rerr);
    if (!rk) {
        rd_kafka_conf_destroy(c);
        return tn_err(err, TN_EINVAL, "kafka dead-letter producer: %s", rerr);
    }
    *out = rk;
    return TN_OK;
}

int srv_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms,
                              int32_t *n, char *err)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (!rkt)
        return tn_err(err, TN_EINVAL, "topic %s: %s", topic,
                      rd_kafka_err2str(rd_kafka_last_error()));
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    int rc = TN_OK;
    if (e) {
        rc = tn_err(err, TN_EIO, "metadata of topic %s: %s", topic, rd_kafka_err2str(e));
    } else if (md->topic_cnt < 1 || md->topics[0].err) {
        rd_kafka_resp_err_t te = md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN;
        rc = tn_err(err, TN_ENOTFOUND, "topic %s: %s", topic, rd_kafka_err2str(te));
    } else {
        *n = md->topics[0].partition_cnt;
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return rc;
}

int srv_kafka_assign(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t offset,
                     char *err)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return tn_err(err, TN_EIO, "assign %s/%d at %lld: %s", topic, partition,
                      (long long)offset, rd_kafka_err2str(e));
    return TN_OK;
}
