/*
 * tn_bench.h: the benchmarks behind `tannin bench <what>`; tn_bench.c
 * dispatches. Each takes argv with argv[0] = its own name ("segment",
 * "query") and returns the process exit status.
 */
#ifndef TN_BENCH_H
#define TN_BENCH_H

int tn_bench_segment(int argc, char **argv);
int tn_bench_query(int argc, char **argv);
int tn_bench_ingest(int argc, char **argv);   /* tn_bench_ingest.c */
int tn_bench_http(int argc, char **argv);     /* tn_bench_http.c */
int tn_bench_queries(int argc, char **argv);  /* tn_bench_queries.c */
int tn_bench_fresh(int argc, char **argv);    /* tn_bench_fresh.c: bench ingest --broker */

#endif
