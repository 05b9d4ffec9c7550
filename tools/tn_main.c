/*
 * tn_main.c: the tannin executable: dispatches subcommands to the tools
 * that implement them.
 */
#include <stdio.h>
#include <string.h>

#include "seg_row.h"
#include "tn_tools.h"

typedef struct tn_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} tn_command;

static const tn_command commands[] = {
    {"segment", tn_cmd_segment, "load, list, show, verify and delete stored segments"},
    {"sql", tn_cmd_sql, "run SQL over JSON-lines data in local mode"},
    {"bench", tn_cmd_bench, "benchmarks (bench segment, bench query)"},
    {"server", tn_cmd_server, "a server: consumes Kafka into segments, answers brokers"},
    {"broker", tn_cmd_broker, "a broker: Pinot HTTP SQL, admin REST, scatter-gather"},
    {"kafka-dev", tn_cmd_kafka_dev, "an embedded Kafka (librdkafka's mock cluster) on loopback"},
    {"gen", tn_cmd_gen, "demo events (pageviews, ad-events) as JSON lines or to Kafka"},
    {"quickstart", tn_cmd_quickstart, "the demo (embedded Kafka, server, broker)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tannin <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
    /* before any thread: cJSON's hooks are process-wide (seg_row.h) */
    seg_row_json_hooks_install();
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tannin: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
