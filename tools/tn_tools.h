/*
 * tn_tools.h: the subcommands of the tannin executable. Each takes argv
 * with argv[0] = its own name and returns the process exit status.
 */
#ifndef TN_TOOLS_H
#define TN_TOOLS_H

int tn_cmd_segment(int argc, char **argv);
int tn_cmd_bench(int argc, char **argv);
int tn_cmd_quickstart(int argc, char **argv);
int tn_cmd_sql(int argc, char **argv);
int tn_cmd_server(int argc, char **argv);     /* tn_server.c */
int tn_cmd_broker(int argc, char **argv);     /* tn_broker.c */
int tn_cmd_kafka_dev(int argc, char **argv);  /* tn_kafka_dev.c */
int tn_cmd_gen(int argc, char **argv);        /* tn_gen_cmd.c */

#endif
