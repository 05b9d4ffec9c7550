/*
 * tn_server.c: `tannin server`: one Tannin server: the node (store,
 * tables, Kafka consumers), the binary query service for brokers and the
 * admin HTTP. Optional --schema/--table pairs define server-local tables
 * (single-node use). Prints one "server ready: ..." line when listening;
 * SIGINT or SIGTERM stop it cleanly.
 *
 * TN_RETENTION_CHECK_MS in the environment sets how often retention runs
 * (tests make it fast).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_http.h"
#include "srv_service.h"
#include "tn_tools.h"

#define MAX_LOCAL_TABLES 32

typedef struct server_opts {
    const char *data_dir, *host, *name, *kafka;
    int port, admin_port;
    uint32_t query_threads;
    bool no_sync;
    double rate_limit;
    const char *schemas[MAX_LOCAL_TABLES], *tables[MAX_LOCAL_TABLES];
    int nschemas, ntables;
} server_opts;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin server --data-dir DIR [--host 127.0.0.1] [--port 8098] "
            "[--admin-port 8097]\n"
            "                     [--name NAME] [--kafka BROKERS] [--query-threads N] "
            "[--no-sync]\n"
            "                     [--consumption-rate-limit MSGS_PER_SEC]\n"
            "                     [--schema SCHEMA.json --table TABLE.json]...\n");
    return 2;
}

static int parse_port(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

/* Messages per second, as Pinot's pinot.server.consumption.rate.limit. */
static int parse_rate(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v <= 0) {
        fprintf(stderr, "tannin server: --consumption-rate-limit must be a positive number of "
                        "messages per second, got '%s'\n", s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, server_opts *o)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, 0, 'd'}, {"host", required_argument, 0, 'H'},
        {"port", required_argument, 0, 'p'}, {"admin-port", required_argument, 0, 'a'},
        {"name", required_argument, 0, 'n'}, {"kafka", required_argument, 0, 'k'},
        {"schema", required_argument, 0, 's'}, {"table", required_argument, 0, 't'},
        {"query-threads", required_argument, 0, 'q'}, {"no-sync", no_argument, 0, 'S'},
        {"consumption-rate-limit", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    *o = (server_opts){.host = "127.0.0.1", .port = 8098, .admin_port = 8097};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': o->data_dir = optarg; break;
        case 'H': o->host = optarg; break;
        case 'n': o->name = optarg; break;
        case 'k': o->kafka = optarg; break;
        case 'S': o->no_sync = true; break;
        case 'q': o->query_threads = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'r':
            if (parse_rate(optarg, &o->rate_limit))
                return 2;
            break;
        case 'p':
            if (parse_port(optarg, &o->port))
                return usage();
            break;
        case 'a':
            if (parse_port(optarg, &o->admin_port))
                return usage();
            break;
        case 's':
            if (o->nschemas == MAX_LOCAL_TABLES)
                return usage();
            o->schemas[o->nschemas++] = optarg;
            break;
        case 't':
            if (o->ntables == MAX_LOCAL_TABLES)
                return usage();
            o->tables[o->ntables++] = optarg;
            break;
        default:
            return usage();
        }
    }
    if (!o->data_dir || optind < argc)
        return usage();
    if (o->nschemas != o->ntables) {
        fprintf(stderr, "tannin server: --schema and --table come in pairs (%d and %d given)\n",
                o->nschemas, o->ntables);
        return 2;
    }
    return 0;
}

/* Adds the --schema/--table pairs; a bad file is reported with its name. */
static int put_local_tables(srv_node *n, const server_opts *o)
{
    for (int i = 0; i < o->ntables; i++) {
        char err[TN_ERRLEN], *schema = NULL, *table = NULL;
        size_t len;
        int rc = tn_read_file(o->schemas[i], &schema, &len, err);
        if (!rc)
            rc = tn_read_file(o->tables[i], &table, &len, err);
        if (!rc && (rc = srv_node_put_table(n, schema, table, 0, 1, err)))
            fprintf(stderr, "tannin server: %s + %s: %s\n", o->schemas[i], o->tables[i], err);
        else if (rc)
            fprintf(stderr, "tannin server: %s\n", err);
        free(schema);
        free(table);
        if (rc)
            return rc;
    }
    return 0;
}

static int serve(const server_opts *o, srv_node *n, const sigset_t *stop_signals)
{
    char err[TN_ERRLEN];
    srv_service *svc = NULL;
    srv_http *http = NULL;
    if (srv_service_start(n, o->host, o->port, o->query_threads, &svc, err) ||
        srv_http_start(n, o->host, o->admin_port, &http, err)) {
        fprintf(stderr, "tannin server: %s\n", err);
        srv_service_stop(svc);
        return 1;
    }
    srv_http_set_service(http, svc);
    printf("server ready: query %s:%d admin %s:%d\n", o->host, srv_service_port(svc), o->host,
           srv_http_port(http));
    fflush(stdout);
    int sig;
    sigwait(stop_signals, &sig);
    fprintf(stderr, "tannin server: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv_http_stop(http);
    srv_service_stop(svc);
    return 0;
}

int tn_cmd_server(int argc, char **argv)
{
    server_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    /* Blocked before any thread starts, so every thread inherits the mask
     * and the signals wait for sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    char name[300], err[TN_ERRLEN];
    snprintf(name, sizeof name, "Server_%s_%d", o.host, o.port);
    const char *check = getenv("TN_RETENTION_CHECK_MS");
    srv_node_opts no = {.data_dir = o.data_dir, .name = o.name ? o.name : name,
                        .kafka_brokers = o.kafka, .no_sync = o.no_sync,
                        .consumption_rate_limit = o.rate_limit,
                        .retention_check_ms = check ? atoll(check) : 0};
    srv_node *n;
    if (srv_node_open(&no, &n, err)) {
        fprintf(stderr, "tannin server: %s\n", err);
        return 1;
    }
    rc = put_local_tables(n, &o) ? 2 : serve(&o, n, &stop);
    srv_node_close(n);
    return rc;
}
