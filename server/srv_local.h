/*
 * srv_local.h: a SQL query answered by this server alone, over its own
 * segments, as Pinot's broker response JSON (the admin HTTP's /query/sql,
 * for single-node use and tests). The FROM table may be written without
 * its type: the server's OFFLINE and/or REALTIME table of that name
 * answers, split at Pinot's time boundary when it holds both.
 */
#ifndef SRV_LOCAL_H
#define SRV_LOCAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "srv_node.h"

/* Runs sql with Pinot's queryOptions text (may be NULL); returns the
 * response JSON (heap, caller frees). *failed tells whether it carries an
 * exception. cancel (may be NULL) stops a running query. */
char *srv_local_query(srv_node *n, const char *sql, const char *options,
                      const atomic_bool *cancel, bool *failed);

#endif
