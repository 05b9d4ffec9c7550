/*
 * qry_exec_int.h: what the executor, the partial results and the reduce
 * share inside the query module. Not part of its public contract.
 */
#ifndef QRY_EXEC_INT_H
#define QRY_EXEC_INT_H

#include "qry_exec.h"

/* Exact group-by up to this many groups unless numGroupsLimit says less:
 * far above Pinot's 100,000, bounded so one query cannot take the server's
 * memory (each group costs its keys plus one state per aggregation). */
#define QRY_DEFAULT_GROUPS_LIMIT 10000000u

/* The tn_mono_ns() deadline of a run: o's own, or the query's (else o's)
 * timeout counted from now; 0 = none. */
uint64_t qry_exec_deadline(const qry_query *q, const qry_exec_opts *o);

uint64_t qry_key_hash(const qry_val *k, uint32_t n);
int64_t qry_groups_find(const qry_query *q, qry_groups *g, const qry_val *k, uint64_t h);
void qry_partial_add_row(qry_partial *p, const qry_val *row);
uint32_t qry_selection_ncols(const qry_query *q);
/* The value of selection column c's ORDER BY position: index into a row. */
uint32_t qry_order_col(const qry_query *q, uint32_t order_index);
/* Compares two selection rows by the query's ORDER BY. */
int qry_row_cmp(const qry_query *q, const qry_val *a, const qry_val *b);

#endif
