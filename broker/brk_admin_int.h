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

/* ---- brk_admin.c: helpers ---- */
/* ?type=OFFLINE|REALTIME: -1 when absent, -2 when bad (responded). */
int admin_type_param(admin_call *c);
/* A boolean query parameter: anything but "false" is true; dflt when absent. */
bool admin_param_true(const brk_request *r, const char *key, bool dflt);
/* {"status": msg, "unrecognizedProperties": {}} (ConfigSuccessResponse) */
void admin_config_status(admin_call *c, const char *msg);
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
/* Deletes one sealed segment of typed on every server; the answer of
 * server (the one seen holding it) decides. TN_OK, else err says why. */
int admin_delete_segment(brk_broker *b, const char *typed, const char *segment, uint32_t server,
                         char *err);
void admin_pause(admin_call *c, bool pause);
void admin_pause_status(admin_call *c);
void admin_force_commit(admin_call *c);
/* A random (version 4) UUID, lowercase: job ids. */
void admin_uuid4(char *out, size_t cap);
void admin_consuming_info(admin_call *c);

/* brk_admin_ops.c: table config update, size, state, ideal state and
 * external view, bulk segment delete, server map, reload */
void admin_table_put(admin_call *c);
void admin_table_size(admin_call *c);
void admin_table_state(admin_call *c);
void admin_table_view(admin_call *c, bool external);
void admin_segments_delete(admin_call *c);
void admin_segments_servers(admin_call *c);
/* segment NULL: the whole table */
void admin_reload(admin_call *c, const char *segment);
void admin_reload_status(admin_call *c);

#endif
