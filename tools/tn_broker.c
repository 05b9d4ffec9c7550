/*
 * tn_broker.c: `tannin broker`: a Pinot-compatible broker and controller
 * in one process: HTTP SQL on --http-port, the controller REST API on
 * --admin-port, scatter-gather over the --servers. Runs until SIGTERM or
 * SIGINT, then finishes the requests in hand and exits cleanly.
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "brk_broker.h"
#include "brk_console.h"
#include "brk_http.h"
#include "brk_pg.h"
#include "tn_tools.h"

typedef struct broker_args {
    brk_opts b;
    brk_http_opts h;
    brk_pg_opts pg;
    bool pg_off;
    bool pg_port_given;
    char *servers_text;
    char **servers;
} broker_args;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin broker --data-dir DIR --servers HOST:PORT[,HOST:PORT...]\n"
            "                     [--host 127.0.0.1] [--http-port 8099] [--admin-port 9000]\n"
            "                     [--threads 8] [--timeout-ms 10000] [--max-queue 1024]\n"
            "                     [--max-body-bytes 1048576 (query port; admin: 1 GiB)]\n"
            "                     [--refresh-ms 1000] [--no-sync]\n"
            "                     [--pg-port 5433 (-1 = off)] [--pg-password PW (cleartext)]\n"
            "                     [--console-dir DIR (web console; default: console/ next to\n"
            "                      the tannin executable, as the build puts it)]\n"
            "  port 0 picks a free port; the ports in use are printed on the line\n"
            "  'broker ready: http HOST:PORT admin HOST:PORT pg HOST:PORT'\n");
    return 2;
}

/* Splits the comma list in a->servers_text into a->b.servers. */
static int split_servers(broker_args *a)
{
    uint32_t n = 0;
    a->servers = tn_calloc(strlen(a->servers_text) / 2 + 2, sizeof *a->servers);
    for (char *save = NULL, *s = strtok_r(a->servers_text, ",", &save); s;
         s = strtok_r(NULL, ",", &save)) {
        while (*s == ' ')
            s++;
        if (!*s)
            continue;
        if (!strchr(s, ':')) {
            fprintf(stderr, "tannin broker: server '%s' is not HOST:PORT\n", s);
            return -1;
        }
        a->servers[n++] = s;
    }
    a->b.servers = (const char *const *)a->servers;
    a->b.nservers = n;
    return n ? 0 : -1;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int parse_args(int argc, char **argv, broker_args *a)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, 0, 'd'},   {"servers", required_argument, 0, 's'},
        {"host", required_argument, 0, 'H'},       {"http-port", required_argument, 0, 'p'},
        {"admin-port", required_argument, 0, 'a'}, {"threads", required_argument, 0, 't'},
        {"timeout-ms", required_argument, 0, 'T'}, {"max-queue", required_argument, 0, 'q'},
        {"max-body-bytes", required_argument, 0, 'B'},
        {"refresh-ms", required_argument, 0, 'r'}, {"no-sync", no_argument, 0, 'n'},
        {"pg-port", required_argument, 0, 'P'},    {"pg-password", required_argument, 0, 'w'},
        {"console-dir", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    a->h.http_port = 8099;
    a->h.admin_port = 9000;
    a->pg.port = 5433;
    int ch;
    uint32_t v = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        bool ok = true;
        switch (ch) {
        case 'd': a->b.data_dir = optarg; break;
        case 's': a->servers_text = optarg; break;
        case 'H': a->h.host = optarg; break;
        case 'p': ok = parse_u32(optarg, 65535, &v); a->h.http_port = (uint16_t)v; break;
        case 'a': ok = parse_u32(optarg, 65535, &v); a->h.admin_port = (uint16_t)v; break;
        case 't': ok = parse_u32(optarg, 1024, &a->h.threads) && a->h.threads; break;
        case 'T': ok = parse_u32(optarg, 86400000, &v) && v; a->b.timeout_ms = v; break;
        case 'q': ok = parse_u32(optarg, 1u << 24, &a->h.max_queue) && a->h.max_queue; break;
        case 'B': ok = parse_u32(optarg, 1u << 30, &v) && v; a->h.max_query_body = v; break;
        case 'r': ok = parse_u32(optarg, 3600000, &v) && v; a->b.refresh_ms = v; break;
        case 'n': a->b.no_sync = true; break;
        case 'P':
            a->pg_off = !strcmp(optarg, "-1");
            a->pg_port_given = true;
            ok = a->pg_off || parse_u32(optarg, 65535, &v);
            a->pg.port = (uint16_t)v;
            break;
        case 'w': a->pg.password = optarg; break;
        case 'C': a->h.console_dir = optarg; break;
        default: return -1;
        }
        if (!ok) {
            fprintf(stderr, "tannin broker: bad option value '%s'\n", optarg);
            return -1;
        }
    }
    if (!a->b.data_dir || !a->servers_text || optind != argc)
        return -1;
    return split_servers(a);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    fprintf(stderr, "tannin broker: signal %d, shutting down\n", (int)sig);
    event_base_loopbreak(arg);
}

static void log_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "tannin broker: %s\n", line);
}

/* Where the web console is, or how to get it: the broker runs either way. */
static void log_console(const broker_args *a, const char *host, uint16_t admin_port)
{
    char dflt[PATH_MAX];
    const char *dir = a->h.console_dir;
    if (!dir && brk_console_default_dir(dflt, sizeof dflt, NULL) == TN_OK)
        dir = dflt;
    if (dir && brk_console_built(dir))
        fprintf(stderr, "tannin broker: web console at http://%s:%u/ (files in %s)\n", host,
                admin_port, dir);
    else
        fprintf(stderr, "tannin broker: web console not built (no %s/index.html): build it "
                "with cmake --build, or broker/console/build.sh DIR and --console-dir DIR\n",
                dir ? dir : "console");
}

static int serve(broker_args *a)
{
    a->b.log = log_line;
    char err[TN_ERRLEN];
    struct event_base *base = event_base_new();
    brk_broker *b = NULL;
    brk_http *h = NULL;
    brk_pg *pg = NULL;
    a->pg.host = a->h.host;
    int rc = brk_broker_open(&a->b, &b, err);
    if (!rc)
        rc = brk_http_start(b, base, &a->h, &h, err);
    if (!rc && !a->pg_off) {
        rc = brk_pg_start(b, base, &a->pg, &pg, err);
        /* the default port taken (a second broker on this host): serve
         * without PostgreSQL rather than not at all; an explicit port fails */
        if (rc && !a->pg_port_given) {
            fprintf(stderr, "tannin broker: %s; PostgreSQL endpoint off\n", err);
            rc = 0;
        }
    }
    if (rc) {
        fprintf(stderr, "tannin broker: %s\n", err);
        if (h)
            brk_http_stop(h);
        brk_broker_close(b);
        event_base_free(base);
        return 1;
    }
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);
    uint16_t hp, ap;
    brk_http_ports(h, &hp, &ap);
    const char *host = a->h.host ? a->h.host : "127.0.0.1";
    snprintf(b->http_host, sizeof b->http_host, "%s", host);
    b->http_port = hp;
    log_console(a, host, ap);
    if (pg)
        printf("broker ready: http %s:%u admin %s:%u pg %s:%u\n", host, hp, host, ap, host,
               brk_pg_port(pg));
    else
        printf("broker ready: http %s:%u admin %s:%u\n", host, hp, host, ap);
    fflush(stdout);
    event_base_dispatch(base);
    brk_pg_stop(pg);
    brk_http_stop(h);
    brk_broker_close(b);
    event_free(sigterm);
    event_free(sigint);
    event_base_free(base);
    return 0;
}

int tn_cmd_broker(int argc, char **argv)
{
    broker_args a;
    memset(&a, 0, sizeof a);
    if (parse_args(argc, argv, &a)) {
        free(a.servers);
        return usage();
    }
    signal(SIGPIPE, SIG_IGN);
    /* hundreds of client connections: allow as many descriptors as we may */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    evthread_use_pthreads();
    int rc = serve(&a);
    free(a.servers);
    libevent_global_shutdown();
    return rc;
}
