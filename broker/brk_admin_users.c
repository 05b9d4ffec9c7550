/*
 * brk_admin_users.c: who may call which admin endpoint, Pinot's user
 * management REST API (/users), and the per-user views of the table list
 * and schemas a USER is allowed to read.
 */
#include "brk_admin_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- who may call what ------------------------------------------------- */

/* What a USER (not ADMIN) may call on the admin port besides queries: the
 * table list and the schemas of tables it reads, both cut to its view, and
 * the broker list Pinot clients use to find a broker. */
static bool user_endpoint(const admin_call *c)
{
    if (c->req->method != BRK_GET)
        return false;
    if (c->nseg == 1 && !strcmp(c->seg[0], "tables"))
        return true;
    if (c->nseg == 3 && !strcmp(c->seg[0], "tables") && !strcmp(c->seg[2], "schema"))
        return true;
    return c->nseg == 3 && !strcmp(c->seg[0], "v2") && !strcmp(c->seg[1], "brokers") &&
           !strcmp(c->seg[2], "tables");
}

bool admin_allowed(admin_call *c)
{
    const brk_user *u = c->req->user;
    if (c->req->method == BRK_GET && c->nseg == 1 && !strcmp(c->seg[0], "health"))
        return true;
    if (u && (brk_user_is_admin(u) || user_endpoint(c)))
        return true;
    if (!u)
        brk_response_error(c->out, 401, "Authentication required");
    else
        brk_response_error(c->out, 403, "Permission denied: %s %s needs the ADMIN role and "
                           "user '%s' is a USER", c->req->method == BRK_GET ? "GET" : "this call",
                           c->req->path, brk_user_name(u));
    return false;
}

bool admin_user_sees(const admin_call *c, const char *table)
{
    return !c->req->user || brk_user_can_read(c->req->user, table);
}

/* Removes the field specs of columns u may not see from a Pinot schema. */
static void cut_specs(cJSON *schema, const char *key, const brk_user *u, const char *table)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(schema, key);
    if (!cJSON_IsArray(list))
        return;
    for (int i = cJSON_GetArraySize(list) - 1; i >= 0; i--) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, i), "name");
        if (cJSON_IsString(n) && !brk_user_column_visible(u, table, n->valuestring))
            cJSON_DeleteItemFromArray(list, i);
    }
}

char *admin_schema_view(const admin_call *c, const char *table, char *json)
{
    const brk_user *u = c->req->user;
    if (!u || !json || !brk_user_access(u, table))
        return json;
    cJSON *s = cJSON_Parse(json);
    free(json);
    if (!s)
        return NULL;
    static const char *const keys[] = {"dimensionFieldSpecs", "metricFieldSpecs",
                                       "dateTimeFieldSpecs", "complexFieldSpecs"};
    for (size_t i = 0; i < TN_ARRAY_LEN(keys); i++)
        cut_specs(s, keys[i], u, table);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "timeFieldSpec");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(t, "incomingGranularitySpec");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(in, "name");
    if (cJSON_IsString(n) && !brk_user_column_visible(u, table, n->valuestring))
        cJSON_DeleteItemFromObjectCaseSensitive(s, "timeFieldSpec");
    char *out = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    return out;
}

/* ---- /users ------------------------------------------------------------ */

static void auth_error(admin_call *c, int rc, const char *err)
{
    int status = rc == TN_EEXIST ? 409 : rc == TN_ENOTFOUND ? 404 : rc == TN_EINVAL ? 400 : 500;
    brk_response_error(c->out, status, "%s", err);
}

static void users_post(admin_call *c)
{
    char name[128], err[TN_ERRLEN];
    int rc = brk_auth_put_user(c->b->auth, (const char *)c->req->body, c->req->len, false, name,
                               sizeof name, err);
    if (rc)
        auth_error(c, rc, err);
    else
        admin_status(c, "User %s_BROKER has been successfully added!", name);
}

/* PUT /users/{name}: the body's username must be the path's (absent: it
 * is). Pinot's console sends passwordChanged=false with the old password
 * field untouched: that keeps the password. */
static void users_put(admin_call *c, const char *name)
{
    cJSON *js = cJSON_ParseWithLength((const char *)c->req->body, c->req->len);
    if (!cJSON_IsObject(js)) {
        cJSON_Delete(js);
        brk_response_error(c->out, 400, "the user must be a JSON object");
        return;
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(js, "username");
    if (n && (!cJSON_IsString(n) || strcmp(n->valuestring, name))) {
        cJSON_Delete(js);
        brk_response_error(c->out, 400, "the body's username must be the path's (%s)", name);
        return;
    }
    if (!n)
        cJSON_AddStringToObject(js, "username", name);
    const char *changed = brk_request_param(c->req, "passwordChanged");
    if (changed && !strcasecmp(changed, "false"))
        cJSON_DeleteItemFromObjectCaseSensitive(js, "password");
    char *text = cJSON_PrintUnformatted(js);
    cJSON_Delete(js);
    char err[TN_ERRLEN];
    int rc = brk_auth_put_user(c->b->auth, text, strlen(text), true, NULL, 0, err);
    free(text);
    if (rc)
        auth_error(c, rc, err);
    else
        admin_status(c, "User config update for %s_BROKER", name);
}

static void users_get(admin_call *c, const char *name)
{
    char *one = brk_auth_user_json(c->b->auth, name);
    if (!one) {
        brk_response_error(c->out, 404, "User %s does not exist", name);
        return;
    }
    cJSON *u = cJSON_Parse(one);
    free(one);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(u, "usernameWithComponent");
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, cJSON_IsString(key) ? key->valuestring : name, u);
    admin_json(c, 200, j);
}

void admin_users_route(admin_call *c)
{
    brk_method m = c->req->method;
    char err[TN_ERRLEN];
    if (c->nseg == 1 && m == BRK_GET) {
        brk_response_set(c->out, 200, "application/json", brk_auth_users_json(c->b->auth));
    } else if (c->nseg == 1 && m == BRK_POST) {
        users_post(c);
    } else if (c->nseg == 2 && m == BRK_GET) {
        users_get(c, c->seg[1]);
    } else if (c->nseg == 2 && m == BRK_PUT) {
        users_put(c, c->seg[1]);
    } else if (c->nseg == 2 && m == BRK_DELETE) {
        int rc = brk_auth_delete_user(c->b->auth, c->seg[1], err);
        if (rc)
            auth_error(c, rc, err);
        else
            admin_status(c, "User: %s_BROKER has been successfully deleted", c->seg[1]);
    } else {
        brk_response_error(c->out, c->nseg <= 2 ? 405 : 404, "No such endpoint: %s",
                           c->req->path);
    }
}
