/*
 * tn_kafka_dev.c: `tannin kafka-dev`: an embedded Kafka for development
 * and tests: librdkafka's mock cluster on loopback.
 *
 * The mock brokers listen on ephemeral ports (librdkafka 2.0.2 has no way
 * to choose them). With --port P this process also listens on 127.0.0.1:P
 * and forwards each connection's bytes to the first mock broker, so a
 * client can bootstrap through a fixed address; the cluster metadata it
 * gets back then points it at the brokers' own ports.
 *
 * Control lines on stdin, for tests: "down <broker id>" and "up <broker
 * id>" take a broker down or up (each answered "ok" or "error: ...").
 *
 * Limits of the mock (tell users): everything is in memory and gone at
 * exit; each partition keeps only about its last 5 MiB or 100,000 message
 * sets (older data is deleted, as retention would); no authentication.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "tn_common.h"
#include "tn_tools.h"

#define MAX_TOPICS 64
/* Bytes buffered toward one side before reading from the other pauses. */
#define FORWARD_HIGH_WATER (4u << 20)

typedef struct dev_topic {
    char name[256];
    int partitions;
} dev_topic;

typedef struct dev_opts {
    int port;
    int brokers;
    dev_topic topics[MAX_TOPICS];
    int ntopics;
} dev_opts;

typedef struct dev {
    struct event_base *base;
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
    struct sockaddr_in first_broker;
    struct evbuffer *stdin_buf;
} dev;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin kafka-dev [--port P] [--brokers N] [--topic NAME:PARTITIONS ...]\n"
            "  prints 'bootstrap: host:port,...' and runs until SIGINT/SIGTERM;\n"
            "  stdin lines 'down <broker id>' / 'up <broker id>' control the brokers\n");
    return 2;
}

static int parse_topic(const char *arg, dev_opts *o)
{
    const char *colon = strrchr(arg, ':');
    char *end;
    long parts = colon ? strtol(colon + 1, &end, 10) : 1;
    size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
    if (o->ntopics == MAX_TOPICS || len == 0 || len >= sizeof o->topics[0].name ||
        (colon && (*end || parts < 1 || parts > 10000))) {
        fprintf(stderr, "tannin kafka-dev: bad --topic '%s' (expected NAME:PARTITIONS)\n", arg);
        return -1;
    }
    dev_topic *t = &o->topics[o->ntopics++];
    memcpy(t->name, arg, len);
    t->name[len] = 0;
    t->partitions = (int)parts;
    return 0;
}

static int parse_args(int argc, char **argv, dev_opts *o)
{
    static const struct option opts[] = {{"port", required_argument, 0, 'p'},
                                         {"brokers", required_argument, 0, 'b'},
                                         {"topic", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    o->brokers = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'p':
            o->port = (int)strtol(optarg, &end, 10);
            if (*end || o->port < 1 || o->port > 65535)
                return usage();
            break;
        case 'b':
            o->brokers = (int)strtol(optarg, &end, 10);
            if (*end || o->brokers < 1 || o->brokers > 32)
                return usage();
            break;
        case 't':
            if (parse_topic(optarg, o))
                return 2;
            break;
        default:
            return usage();
        }
    }
    return optind < argc ? usage() : 0;
}

/* ---- the TCP forwarder ---------------------------------------------- */

/* Copies what one side sent to the other; stops reading while the other
 * side has too much unsent, so a slow reader holds back a fast writer. */
static void fwd_read(struct bufferevent *from, void *arg)
{
    struct bufferevent *to = arg;
    bufferevent_write_buffer(to, bufferevent_get_input(from));
    if (evbuffer_get_length(bufferevent_get_output(to)) >= FORWARD_HIGH_WATER) {
        bufferevent_disable(from, EV_READ);
        bufferevent_setwatermark(to, EV_WRITE, FORWARD_HIGH_WATER / 2, 0);
    }
}

static void fwd_drained(struct bufferevent *to, void *arg)
{
    struct bufferevent *from = arg;
    bufferevent_setwatermark(to, EV_WRITE, 0, 0);
    bufferevent_enable(from, EV_READ);
}

static void fwd_close_when_flushed(struct bufferevent *bev, void *arg)
{
    (void)arg;
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        bufferevent_free(bev);
}

/* One side closed or failed: the other gets what is buffered, then closes. */
static void fwd_event(struct bufferevent *bev, short what, void *arg)
{
    struct bufferevent *other = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    if (other) {
        bufferevent_write_buffer(other, bufferevent_get_input(bev));
        bufferevent_setcb(other, NULL, fwd_close_when_flushed, fwd_event, NULL);
        bufferevent_disable(other, EV_READ);
        bufferevent_enable(other, EV_WRITE);
        fwd_close_when_flushed(other, NULL);
    }
    bufferevent_free(bev);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    (void)l, (void)sa, (void)socklen;
    dev *d = arg;
    struct bufferevent *client = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
    struct bufferevent *broker = bufferevent_socket_new(d->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!client || !broker ||
        bufferevent_socket_connect(broker, (struct sockaddr *)&d->first_broker,
                                   sizeof d->first_broker) < 0) {
        fprintf(stderr, "tannin kafka-dev: cannot reach the mock broker\n");
        if (client)
            bufferevent_free(client);
        if (broker)
            bufferevent_free(broker);
        return;
    }
    bufferevent_setcb(client, fwd_read, fwd_drained, fwd_event, broker);
    bufferevent_setcb(broker, fwd_read, fwd_drained, fwd_event, client);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    bufferevent_enable(broker, EV_READ | EV_WRITE);
}

/* The first "host:port" of the mock's bootstrap list. */
static int first_broker_addr(const char *bootstraps, struct sockaddr_in *out)
{
    char host[64];
    int port;
    if (sscanf(bootstraps, "%63[^:]:%d", host, &port) != 2)
        return -1;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

static struct evconnlistener *listen_fixed(dev *d, int port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return evconnlistener_new_bind(d->base, on_accept, d,
                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                   (struct sockaddr *)&sin, sizeof sin);
}

/* ---- control -------------------------------------------------------- */

static void control_line(dev *d, const char *line)
{
    char cmd[16];
    int id;
    if (sscanf(line, "%15s %d", cmd, &id) != 2 || (strcmp(cmd, "down") && strcmp(cmd, "up"))) {
        if (*line)
            printf("error: expected 'down <broker id>' or 'up <broker id>'\n");
        fflush(stdout);
        return;
    }
    rd_kafka_resp_err_t e = !strcmp(cmd, "down") ? rd_kafka_mock_broker_set_down(d->mc, id)
                                                 : rd_kafka_mock_broker_set_up(d->mc, id);
    if (e)
        printf("error: broker %d: %s\n", id, rd_kafka_err2str(e));
    else
        printf("ok\n");
    fflush(stdout);
}

static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    dev *d = arg;
    int n = evbuffer_read(d->stdin_buf, fd, 4096);
    char *line;
    size_t len;
    while ((line = evbuffer_readln(d->stdin_buf, &len, EVBUFFER_EOL_ANY))) {
        control_line(d, line);
        free(line);
    }
    if (n <= 0) /* stdin closed (or /dev/null): keep running without control */
        event_del(event_base_get_running_event(d->base));
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig, (void)what;
    event_base_loopbreak(arg);
}

/* ---- main ----------------------------------------------------------- */

static int start_cluster(dev *d, const dev_opts *o)
{
    char e[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    /* this handle only hosts the cluster: it never connects anywhere */
    rd_kafka_conf_set(c, "log_level", "3", e, sizeof e);
    d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof e);
    if (!d->rk) {
        fprintf(stderr, "tannin kafka-dev: %s\n", e);
        return -1;
    }
    d->mc = rd_kafka_mock_cluster_new(d->rk, o->brokers);
    if (!d->mc) {
        fprintf(stderr, "tannin kafka-dev: cannot start the mock cluster\n");
        return -1;
    }
    for (int i = 0; i < o->ntopics; i++) {
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
            d->mc, o->topics[i].name, o->topics[i].partitions, TN_MIN(o->brokers, 3));
        if (err) {
            fprintf(stderr, "tannin kafka-dev: topic %s: %s\n", o->topics[i].name,
                    rd_kafka_err2str(err));
            return -1;
        }
    }
    return 0;
}

/* A pipe, socket or terminal: something to read control lines from
 * (epoll refuses regular files and /dev/null, and they hold no commands). */
static bool stdin_pollable(void)
{
    struct stat st;
    if (fstat(STDIN_FILENO, &st))
        return false;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(STDIN_FILENO);
}

static int run(dev *d, const dev_opts *o)
{
    const char *bs = rd_kafka_mock_cluster_bootstraps(d->mc);
    struct evconnlistener *l = NULL;
    if (o->port) {
        if (first_broker_addr(bs, &d->first_broker) || !(l = listen_fixed(d, o->port))) {
            fprintf(stderr, "tannin kafka-dev: cannot listen on 127.0.0.1:%d: %s\n", o->port,
                    strerror(errno));
            return 1;
        }
        printf("bootstrap: 127.0.0.1:%d\n", o->port);
    } else {
        printf("bootstrap: %s\n", bs);
    }
    printf("brokers: %s\n", bs);
    fflush(stdout);
    struct event *sigint = evsignal_new(d->base, SIGINT, on_signal, d->base);
    struct event *sigterm = evsignal_new(d->base, SIGTERM, on_signal, d->base);
    struct event *in = event_new(d->base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin, d);
    d->stdin_buf = evbuffer_new();
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    if (!stdin_pollable() || event_add(in, NULL) < 0)
        event_free(in), in = NULL;
    event_base_dispatch(d->base);
    if (in)
        event_free(in);
    event_free(sigint);
    event_free(sigterm);
    evbuffer_free(d->stdin_buf);
    if (l)
        evconnlistener_free(l);
    return 0;
}

int tn_cmd_kafka_dev(int argc, char **argv)
{
    dev_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    dev d = {0};
    d.base = event_base_new();
    rc = start_cluster(&d, &o) ? 1 : run(&d, &o);
    if (d.mc)
        rd_kafka_mock_cluster_destroy(d.mc);
    if (d.rk)
        rd_kafka_destroy(d.rk);
    event_base_free(d.base);
    return rc;
}
