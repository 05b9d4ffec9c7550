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
#include "brk_tls.h"
#include "tn_tools.h"

typedef struct broker_args {
    brk_opts b;
    brk_http_opts h;
    brk_pg_opts pg;
    bool pg_off;
    bool pg_port_given;
    char *servers_text;
    char **servers;
    const char *admin_password_file;
    const char *tls_cert, *tls_key;
    const char *audit_path;        /* NULL = DATA_DIR/audit.log; "off" = none */
    bool allow_open_remote;
    char *admin_password;          /* read from the file or TANNIN_ADMIN_PASSWORD */
    char audit_default[4096];
} broker_args;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin broker --data-dir DIR --servers HOST:PORT[,HOST:PORT...]\n"
            "                     [--host 127.0.0.1] [--http-port 8099] [--admin-port 9000]\n"
            "                     [--threads 8] [--timeout-ms 10000] [--max-queue 1024]\n"
            "                     [--max-body-bytes 1048576 (query port; admin: 1 GiB)]\n"
            "                     [--refresh-ms 1000] [--no-sync]\n"
            "                     [--pg-port 5433 (-1 = off)]\n"
            "                     [--auth] [--admin-user admin] [--admin-password-file F\n"
            "                      (or TANNIN_ADMIN_PASSWORD): creates/resets that ADMIN user]\n"
            "                     [--tls-cert PEM --tls-key PEM (HTTPS and PostgreSQL TLS)]\n"
            "                     [--audit-log FILE (default DATA_DIR/audit.log; off = none)]\n"
            "                     [--audit-max-bytes 67108864] [--max-conns-per-user 64]\n"
            "                     [--allow-open-remote (a non-loopback --host without --auth)]\n"
            "                     [--pg-auth scram-sha-256|password (with --auth; default SCRAM)]\n"
            "                     [--pg-idle-timeout SECONDS (idle_session_timeout's default; 0 = off)]\n"
            "                     [--pg-auth-timeout 60 (seconds to finish startup and login)]\n"
            "                     [--max-result-rows 1000000 (a bigger result fails the query)]\n"
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
        {"pg-port", required_argument, 0, 'P'},
        {"console-dir", required_argument, 0, 'C'},
        {"auth", no_argument, 0, 'A'},             {"admin-user", required_argument, 0, 'U'},
        {"admin-password-file", required_argument, 0, 'W'},
        {"tls-cert", required_argument, 0, 'c'},   {"tls-key", required_argument, 0, 'k'},
        {"audit-log", required_argument, 0, 'L'},  {"audit-max-bytes", required_argument, 0, 'M'},
        {"max-conns-per-user", required_argument, 0, 'm'},
        {"allow-open-remote", no_argument, 0, 'O'}, {"pg-auth", required_argument, 0, 'g'},
        {"max-result-rows", required_argument, 0, 'R'},
        {"pg-idle-timeout", required_argument, 0, 'I'},
        {"pg-auth-timeout", required_argument, 0, 'Z'},
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
        case 'C': a->h.console_dir = optarg; break;
        case 'A': a->b.auth.enabled = true; break;
        case 'U': a->b.auth.bootstrap_user = optarg; break;
        case 'W': a->admin_password_file = optarg; break;
        case 'c': a->tls_cert = optarg; break;
        case 'k': a->tls_key = optarg; break;
        case 'L': a->audit_path = optarg; break;
        case 'M': ok = parse_u32(optarg, UINT32_MAX, &v) && v >= 4096; a->b.auth.audit_max_bytes = v; break;
        case 'm': ok = parse_u32(optarg, 1u << 20, &a->b.auth.max_conns_per_user) &&
                       a->b.auth.max_conns_per_user; break;
        case 'O': a->allow_open_remote = true; break;
        case 'g': a->pg.auth_method = optarg; break;
        case 'R': ok = parse_u32(optarg, UINT32_MAX, &v) && v; a->b.max_result_rows = v; break;
        case 'I': ok = parse_u32(optarg, 2147483, &v); a->pg.idle_session_ms = v * 1000LL; break;
        case 'Z': ok = parse_u32(optarg, 600, &v) && v; a->pg.auth_timeout_ms = v * 1000LL; break;
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

static bool is_loopback(const char *host)
{
    return !host || !strncmp(host, "127.", 4) || !strcmp(host, "::1") ||
           !strcmp(host, "localhost");
}

/* The bootstrap ADMIN's password: first line of the file, else the
 * environment (never a command-line argument: ps shows those). */
static int read_admin_password(broker_args *a, char *err)
{
    if (a->admin_password_file) {
        size_t n;
        if (tn_read_file(a->admin_password_file, &a->admin_password, &n, err))
            return -1;
        a->admin_password[strcspn(a->admin_password, "\r\n")] = 0;
    } else if (getenv("TANNIN_ADMIN_PASSWORD")) {
        a->admin_password = tn_strdup(getenv("TANNIN_ADMIN_PASSWORD"));
    }
    if (a->admin_password && !a->admin_password[0]) {
        snprintf(err, TN_ERRLEN, "the bootstrap admin password is empty");
        return -1;
    }
    if (a->admin_password && !a->b.auth.bootstrap_user)
        a->b.auth.bootstrap_user = "admin";
    a->b.auth.bootstrap_password = a->admin_password;
    return 0;
}

/* Security settings that need files or cross-checks, before anything
 * listens. */
static int prepare_security(broker_args *a, brk_tls **tls, char *err)
{
    if (!a->b.auth.enabled && !is_loopback(a->h.host) && !a->allow_open_remote) {
        snprintf(err, TN_ERRLEN, "--host %s is not a loopback address and --auth is off: "
                 "anyone who can reach it could read and change everything; turn on --auth, "
                 "or pass --allow-open-remote to accept that", a->h.host);
        return -1;
    }
    if (read_admin_password(a, err))
        return -1;
    if (!a->audit_path) {
        snprintf(a->audit_default, sizeof a->audit_default, "%s/audit.log", a->b.data_dir);
        a->b.auth.audit_path = a->audit_default;
    } else if (strcmp(a->audit_path, "off")) {
        a->b.auth.audit_path = a->audit_path;
    }
    if (!a->tls_cert != !a->tls_key) {
        snprintf(err, TN_ERRLEN, "--tls-cert and --tls-key go together");
        return -1;
    }
    if (a->tls_cert && brk_tls_open(a->tls_cert, a->tls_key, tls, err))
        return -1;
    a->h.tls = a->pg.tls = *tls;
    return 0;
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
    brk_tls *tls = NULL;
    a->pg.host = a->h.host;
    if (prepare_security(a, &tls, err)) {
        fprintf(stderr, "tannin broker: %s\n", err);
        event_base_free(base);
        return 1;
    }
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
        brk_tls_close(tls);
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
    if (brk_auth_enabled(b->auth))
        fprintf(stderr, "tannin broker: authentication on (users in %s)%s\n", a->b.data_dir,
                tls ? ", TLS on" : ", no TLS: credentials cross the network in clear");
    else
        fprintf(stderr, "tannin broker: authentication OFF: every client is admin%s\n",
                is_loopback(a->h.host) ? " (loopback only)" : " and the ports are open to the "
                "network (--allow-open-remote)");
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
    brk_tls_close(tls);
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
    free(a.admin_password);
    libevent_global_shutdown();
    return rc;
}
