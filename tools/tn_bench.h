/*
 * tn_bench.h: the benchmarks behind `tannin bench <what>`; tn_bench.c
 * dispatches. Each takes argv with argv[0] = its own name ("segment",
 * "query") and returns the process exit status.
 */
#ifndef TN_BENCH_H
#define TN_BENCH_H

#include <stdint.h>

int tn_bench_segment(int argc, char **argv);
int tn_bench_query(int argc, char **argv);
int tn_bench_ingest(int argc, char **argv);   /* tn_bench_ingest.c */
int tn_bench_http(int argc, char **argv);     /* tn_bench_http.c */
int tn_bench_queries(int argc, char **argv);  /* tn_bench_queries.c */
int tn_bench_fresh(int argc, char **argv);    /* tn_bench_fresh.c: bench ingest --broker */

/* Shared by the load tools (tn_bench.c). */
struct cJSON;
/* The whole of s as a number in [lo, hi] into out; -1 otherwise. */
int tn_bench_num_arg(const char *s, double lo, double hi, double *out);
/* j as indented JSON into path; -1, with a message naming who, on failure. */
int tn_bench_write_json(const char *who, const char *path, const struct cJSON *j);
/* Sleeps until the monotonic clock reads mono_ns (signals do not cut it short). */
void tn_bench_sleep_until(uint64_t mono_ns);

#endif
