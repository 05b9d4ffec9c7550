/*
 * qry_options.c: Pinot's query options, from SET statements, the OPTION
 * clause, and the queryOptions string "k1=v1;k2=v2" of the HTTP request.
 *
 * Keys match case-insensitively. The options Tannin acts on are checked
 * strictly (a bad value is an error naming the key, so a typo does not
 * silently fall back to the default); any other key is accepted and
 * ignored, as Pinot ignores options it does not know.
 */
#include "qry_plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int opt_positive(const char *key, const char *value, int64_t *out,
                        qry_err *err)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || end == value || *end || v <= 0)
        return qry_fail(err, QRY_ERR_PARSE, -1,
                        "option %s needs a positive integer, got '%.64s'", key,
                        value);
    *out = v;
    return 0;
}

static int opt_bool(const char *key, const char *value, bool *out, qry_err *err)
{
    if (strcasecmp(value, "true") == 0)
        *out = true;
    else if (strcasecmp(value, "false") == 0)
        *out = false;
    else
        return qry_fail(err, QRY_ERR_PARSE, -1,
                        "option %s needs true or false, got '%.64s'", key, value);
    return 0;
}

int qry_options_set(qry_options *o, const char *key, const char *value, qry_err *err)
{
    if (!*key)
        return qry_fail(err, QRY_ERR_PARSE, -1, "option with an empty name");
    if (strcasecmp(key, "timeoutMs") == 0)
        return opt_positive("timeoutMs", value, &o->timeout_ms, err);
    if (strcasecmp(key, "numGroupsLimit") == 0)
        return opt_positive("numGroupsLimit", value, &o->num_groups_limit, err);
    if (strcasecmp(key, "clientQueryId") == 0) {
        if (strlen(value) >= sizeof o->client_query_id)
            return qry_fail(err, QRY_ERR_PARSE, -1, "clientQueryId is longer than %zu bytes",
                            sizeof o->client_query_id - 1);
        snprintf(o->client_query_id, sizeof o->client_query_id, "%s", value);
        return 0;
    }
    if (strcasecmp(key, "enableNullHandling") == 0) {
        if (opt_bool("enableNullHandling", value, &o->null_handling, err) != 0)
            return -1;
        o->has_null_handling = true;
    }
    return 0;
}

/* Copies [s, s + n) trimmed of blanks into a NUL-terminated heap string. */
static char *opt_trimmed(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                     s[n - 1] == '\r'))
        n--;
    return tn_strndup(s, n);
}

static int opt_item(qry_options *o, const char *s, size_t n, qry_err *err)
{
    char *item = opt_trimmed(s, n);
    int rc = 0;
    char *eq = strchr(item, '=');
    if (!*item) {
        rc = 0;   /* "a=1;;b=2": empty items are skipped, as Pinot's splitter does */
    } else if (!eq) {
        rc = qry_fail(err, QRY_ERR_PARSE, -1,
                      "query option '%.64s' needs the form key=value", item);
    } else {
        char *key = opt_trimmed(item, (size_t)(eq - item));
        char *value = opt_trimmed(eq + 1, strlen(eq + 1));
        rc = qry_options_set(o, key, value, err);
        free(key);
        free(value);
    }
    free(item);
    return rc;
}

int qry_options_parse(qry_options *o, const char *text, qry_err *err)
{
    if (!text)
        return 0;
    for (;;) {
        const char *semi = strchr(text, ';');
        size_t n = semi ? (size_t)(semi - text) : strlen(text);
        if (opt_item(o, text, n, err) != 0)
            return -1;
        if (!semi)
            return 0;
        text = semi + 1;
    }
}
