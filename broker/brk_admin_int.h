/*
 * brk_admin_int.h: what the admin handler files share: one parsed admin
 * call and small response helpers. Private to brk_admin*.c.
 */
#ifndef BRK_ADMIN_INT_H
#define BRK_ADMIN_INT_H

#include <cjson/cJSON.h>

#include "brk_admin.h"
#include "brk_route.h"

#define ADMIN_MAX_SEGS 8

typedef struct admin_call {
    brk_broker *b;
    const brk_request *req;
    brk_response *out;
    char *seg[ADMIN_MAX_SEGS];   /* decoded path segments */
    uint32_t nseg;
} admin_call;

/* Responds with cJSON j (consumed), status 200. */
void admin_json(admin_call *c, int status, cJSON *j);
/* {"status": "<text>"} */
void admin_status(admin_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The typed names of table t (raw or typed) restricted by ?type=; n = 0
 * when none exist. */
uint32_t admin_typed_tables(admin_call *c, const char *t, char typed[2][272]);
/* The typed REALTIME table of t, or false after responding with an error. */
bool admin_realtime_table(admin_call *c, const char *t, char *typed, size_t cap);
/* The status table entry for typed in one server's status, or NULL. */
const cJSON *admin_status_table(const cJSON *status, const char *typed);

/* brk_admin_users.c: access and /users. admin_allowed: may req->user call
 * this endpoint? false after responding 401/403. */
bool admin_allowed(admin_call *c);
/* May the caller see table in listings? */
bool admin_user_sees(const admin_call *c, const char *table);
/* A schema's JSON cut to the caller's visible columns (json is taken). */
char *admin_schema_view(const admin_call *c, const char *table, char *json);
void admin_users_route(admin_call *c);

/* brk_admin_rt.c: segments and consumption control */
void admin_segments_list(admin_call *c);
void admin_segment_metadata(admin_call *c);
void admin_segment_delete(admin_call *c);
void admin_pause(admin_call *c, bool pause);
void admin_pause_status(admin_call *c);
void admin_force_commit(admin_call *c);
void admin_consuming_info(admin_call *c);

#endif
