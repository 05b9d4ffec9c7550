/*
 * srv_sealer.h: the background thread that turns full consuming segments
 * into stored immutable ones.
 *
 * Per job: seal the mutable segment, write the image and the partition's
 * next offset in one store transaction, load the stored segment, and swap
 * it into the table's set in place of the mutable one. Jobs run one at a
 * time in submission order, so a partition's offsets are committed in
 * order; a job that fails is retried (with the error logged) before any
 * later job runs, because committing a later segment first would skip the
 * failed one's rows after a restart.
 */
#ifndef SRV_SEALER_H
#define SRV_SEALER_H

#include "seg_mutable.h"
#include "seg_store.h"
#include "srv_table.h"

typedef struct srv_sealer srv_sealer;

srv_sealer *srv_sealer_start(seg_store *st, const srv_log_sink *log);
/* Waits for the job in progress, abandons the queued ones (their rows are
 * consumed again after a restart), and frees. */
void srv_sealer_stop(srv_sealer *s);

/* Queues m (the caller's reference to it is taken) for table t; source
 * names the partition's committed offset. */
void srv_sealer_submit(srv_sealer *s, srv_table *t, seg_mutable *m, const char *source);

/* Drops t's queued jobs and waits until none of its jobs is running. */
void srv_sealer_cancel_table(srv_sealer *s, srv_table *t);

/* Waits until t has no queued or running job, or timeout_ms passed;
 * false on timeout. */
bool srv_sealer_wait_table(srv_sealer *s, srv_table *t, int64_t timeout_ms);

/* Jobs queued or running, and the last failure (empty when the last job
 * succeeded). */
uint32_t srv_sealer_pending(srv_sealer *s, const srv_table *t);
void srv_sealer_last_error(srv_sealer *s, char *buf, size_t cap);

#endif
