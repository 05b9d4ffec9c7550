/*
 * srv_table_config.c: Pinot table config JSON -> srv_table_config.
 *
 * Pinot accepts the stream map in two places (tableIndexConfig.streamConfigs,
 * the older one, and ingestionConfig.streamIngestionConfig.streamConfigMaps)
 * and index choices in two shapes (tableIndexConfig lists, fieldConfigList);
 * both are read. Values Pinot writes as strings may also be JSON numbers.
 * streamConfigMaps may hold several maps (a multi-topic table): each is
 * parsed on its own, and errors then name the map's index.
 */
#include "srv_table_config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <librdkafka/rdkafka.h>

#define KAFKA_PREFIX "stream.kafka."

/* ---- small parsers -------------------------------------------------- */

int srv_parse_duration_ms(const char *s, int64_t *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    errno = 0;
    long long plain = strtoll(s, &end, 10);
    if (end != s && !*end && !errno && plain >= 0) {
        *out = plain;
        return TN_OK;
    }
    /* a period: one or more <number><unit>, as Pinot's TimeUtils reads them */
    int64_t total = 0;
    const char *p = s;
    if (!*p)
        return TN_EINVAL;
    while (*p) {
        double v = strtod(p, &end);
        if (end == p || v < 0 || !isfinite(v))
            return TN_EINVAL;
        p = end;
        int64_t unit;
        if (!strncasecmp(p, "ms", 2)) unit = 1, p += 2;
        else if (tolower((unsigned char)*p) == 'd') unit = 86400000LL, p++;
        else if (tolower((unsigned char)*p) == 'h') unit = 3600000LL, p++;
        else if (tolower((unsigned char)*p) == 'm') unit = 60000LL, p++;
        else if (tolower((unsigned char)*p) == 's') unit = 1000LL, p++;
        else return TN_EINVAL;
        if (v * (double)unit > 9e18)
            return TN_EINVAL;
        total += (int64_t)(v * (double)unit);
    }
    *out = total;
    return TN_OK;
}

int srv_parse_size(const char *s, uint64_t *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    double v = strtod(s, &end);
    if (end == s || v < 0 || !isfinite(v))
        return TN_EINVAL;
    double mult = 1;
    switch (toupper((unsigned char)*end)) {
    case 0: break;
    case 'B': mult = 1; end++; break;
    case 'K': mult = 1024.0; end++; break;
    case 'M': mult = 1024.0 * 1024; end++; break;
    case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: return TN_EINVAL;
    }
    if (mult > 1 && toupper((unsigned char)*end) == 'B')
        end++;
    if (*end || v * mult > 1.8e19)
        return TN_EINVAL;
    *out = (uint64_t)(v * mult);
    return TN_OK;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int srv_parse_partition_ids(const char *s, int32_t **out, uint32_t *n, char *err)
{
    int32_t *ids = NULL;
    uint32_t len = 0, cap = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long lo = strtol(p, &end, 10), hi;
        if (end == p || lo < 0 || lo > INT32_MAX)
            goto bad;
        hi = lo;
        p = end;
        if (*p == '-') {
            hi = strtol(p + 1, &end, 10);
            if (end == p + 1 || hi < lo || hi > INT32_MAX || hi - lo > 100000)
                goto bad;
            p = end;
        }
        for (long v = lo; v <= hi; v++) {
            if (len == cap) {
                cap = cap ? cap * 2 : 16;
                ids = tn_realloc(ids, cap * sizeof *ids);
            }
            ids[len++] = (int32_t)v;
        }
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        else if (*p)
            goto bad;
        while (*p == ' ')
            p++;
    }
    if (!len)
        goto bad;
    qsort(ids, len, sizeof *ids, cmp_i32);
    uint32_t k = 0;
    for (uint32_t i = 0; i < len; i++)
        if (!k || ids[k - 1] != ids[i])
            ids[k++] = ids[i];
    *out = ids;
    *n = k;
    return TN_OK;
bad:
    free(ids);
    return tn_err(err, TN_EINVAL,
                  "'stream.kafka.partition.ids': expected ids like \"0,2,5\" or \"0-3\", got '%s'",
                  s);
}

bool srv_names_has(const srv_names *l, const char *name)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (!strcasecmp(l->v[i], name))
            return true;
    return false;
}

static void names_add(srv_names *l, const char *name)
{
    if (srv_names_has(l, name))
        return;
    l->v = tn_realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = tn_strdup(name);
}

void srv_names_free(srv_names *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* ---- JSON access ---------------------------------------------------- */

/* The text of a string or number value (Pinot configs use both). */
static const char *item_text(const cJSON *j, char *buf, size_t cap)
{
    if (cJSON_IsString(j))
        return j->valuestring;
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d == trunc(d) && fabs(d) < 9e18)
            snprintf(buf, cap, "%lld", (long long)d);
        else
            snprintf(buf, cap, "%.17g", d);
        return buf;
    }
    if (cJSON_IsBool(j))
        return cJSON_IsTrue(j) ? "true" : "false";
    return NULL;
}

/* An optional object member: NULL when absent or null; TN_EINVAL when
 * present with another type than expected. */
static int get_obj(const cJSON *o, const char *key, const char *where, const cJSON **out,
                   char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!j || cJSON_IsNull(j))
        return TN_OK;
    if (!cJSON_IsObject(j))
        return tn_err(err, TN_EINVAL, "table config: '%s%s' must be an object", where, key);
    *out = j;
    return TN_OK;
}

static int get_text(const cJSON *o, const char *key, const char *where, const char **out,
                    char *buf, size_t cap, char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!j || cJSON_IsNull(j))
        return TN_OK;
    if (!(*out = item_text(j, buf, cap)))
        return tn_err(err, TN_EINVAL, "table config: '%s%s' must be a string", where, key);
    return TN_OK;
}

/* A list of column names: a JSON array of strings, or one string. */
static int get_names(const cJSON *o, const char *key, const char *where, srv_names *out,
                     char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!j || cJSON_IsNull(j))
        return TN_OK;
    if (cJSON_IsString(j)) {
        if (*j->valuestring)
            names_add(out, j->valuestring);
        return TN_OK;
    }
    if (!cJSON_IsArray(j))
        return tn_err(err, TN_EINVAL, "table config: '%s%s' must be a list of column names",
                      where, key);
    for (const cJSON *e = j->child; e; e = e->next) {
        if (!cJSON_IsString(e) || !*e->valuestring)
            return tn_err(err, TN_EINVAL,
                          "table config: '%s%s' must hold column names (strings)", where, key);
        names_add(out, e->valuestring);
    }
    return TN_OK;
}

/* ---- sections ------------------------------------------------------- */

static int parse_name_type(const cJSON *root, srv_table_config *c, char *err)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "tableName");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "tableType");
    if (!cJSON_IsString(n) || !*n->valuestring)
        return tn_err(err, TN_EINVAL, "table config: 'tableName' is missing or not a string");
    if (!cJSON_IsString(t))
        return tn_err(err, TN_EINVAL,
                      "table config: 'tableType' is missing (expected REALTIME or OFFLINE)");
    if (!strcasecmp(t->valuestring, "REALTIME"))
        c->realtime = true;
    else if (strcasecmp(t->valuestring, "OFFLINE"))
        return tn_err(err, TN_EINVAL,
                      "table config: 'tableType' must be REALTIME or OFFLINE, got '%s'",
                      t->valuestring);
    const char *suffix = c->realtime ? "_REALTIME" : "_OFFLINE";
    const char *other = c->realtime ? "_OFFLINE" : "_REALTIME";
    size_t len = strlen(n->valuestring), sl = strlen(suffix), ol = strlen(other);
    if (len > ol && !strcmp(n->valuestring + len - ol, other))
        return tn_err(err, TN_EINVAL, "table config: 'tableName' %s does not match 'tableType' %s",
                      n->valuestring, t->valuestring);
    if (len > sl && !strcmp(n->valuestring + len - sl, suffix))
        len -= sl;
    for (size_t i = 0; i < len; i++) {
        char ch = n->valuestring[i];
        if (ch == '/' || ch == ' ' || (unsigned char)ch < 32 || ch == '"')
            return tn_err(err, TN_EINVAL,
                          "table config: 'tableName' '%s' has a character a name cannot hold",
                          n->valuestring);
    }
    if (strstr(n->valuestring, "__"))
        return tn_err(err, TN_EINVAL, "table config: 'tableName' must not contain '__'");
    c->name = tn_strndup(n->valuestring, len);
    c->name_with_type = tn_malloc(len + sl + 1);
    snprintf(c->name_with_type, len + sl + 1, "%s%s", c->name, suffix);
    return TN_OK;
}

static int unit_ms(const char *unit, int64_t *ms)
{
    static const struct { const char *name; int64_t ms; } units[] = {
        {"MILLISECONDS", 1}, {"SECONDS", 1000}, {"MINUTES", 60000},
        {"HOURS", 3600000}, {"DAYS", 86400000}};
    for (size_t i = 0; i < TN_ARRAY_LEN(units); i++)
        if (!strcasecmp(unit, units[i].name)) {
            *ms = units[i].ms;
            return TN_OK;
        }
    return TN_EINVAL;
}

static int parse_segments_config(const cJSON *root, srv_table_config *c, char *err)
{
    const cJSON *sc;
    char b1[64], b2[64], b3[64];
    const char *time_col, *unit, *value;
    int rc = get_obj(root, "segmentsConfig", "", &sc, err);
    if (rc || !sc)
        return rc;
    if ((rc = get_text(sc, "timeColumnName", "segmentsConfig.", &time_col, b1, sizeof b1, err)) ||
        (rc = get_text(sc, "retentionTimeUnit", "segmentsConfig.", &unit, b2, sizeof b2, err)) ||
        (rc = get_text(sc, "retentionTimeValue", "segmentsConfig.", &value, b3, sizeof b3, err)))
        return rc;
    if (time_col && *time_col)
        c->time_column = tn_strdup(time_col);
    if (!unit && !value)
        return TN_OK;
    if (!unit || !value)
        return tn_err(err, TN_EINVAL,
                      "table config: segmentsConfig needs both 'retentionTimeUnit' and "
                      "'retentionTimeValue' (got only '%s')",
                      unit ? "retentionTimeUnit" : "retentionTimeValue");
    int64_t ms;
    if (unit_ms(unit, &ms))
        return tn_err(err, TN_EINVAL,
                      "table config: 'segmentsConfig.retentionTimeUnit' must be one of "
                      "MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS, got '%s'", unit);
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (end == value || *end || errno || v <= 0 || v > INT64_MAX / ms)
        return tn_err(err, TN_EINVAL,
                      "table config: 'segmentsConfig.retentionTimeValue' must be a positive "
                      "integer, got '%s'", value);
    c->retention_ms = v * ms;
    return TN_OK;
}

static int parse_index_config(const cJSON *ic, srv_table_config *c, char *err)
{
    const char *w = "tableIndexConfig.";
    srv_names sorted = {0};
    int rc;
    if ((rc = get_names(ic, "invertedIndexColumns", w, &c->inverted, err)) ||
        (rc = get_names(ic, "rangeIndexColumns", w, &c->range, err)) ||
        (rc = get_names(ic, "noDictionaryColumns", w, &c->no_dict, err)) ||
        (rc = get_names(ic, "sortedColumn", w, &sorted, err)))
        goto out;
    if (sorted.n > 1) {
        rc = tn_err(err, TN_EINVAL,
                    "table config: 'tableIndexConfig.sortedColumn' names %u columns; at most "
                    "one is allowed", sorted.n);
        goto out;
    }
    if (sorted.n)
        c->sorted_column = tn_strdup(sorted.v[0]);
out:
    srv_names_free(&sorted);
    return rc;
}

static bool index_enabled(const cJSON *indexes, const char *kind)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(indexes, kind);
    if (!cJSON_IsObject(k))
        return false;
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(k, "enabled");
    const cJSON *dis = cJSON_GetObjectItemCaseSensitive(k, "disabled");
    if (cJSON_IsTrue(dis) || (cJSON_IsString(dis) && !strcasecmp(dis->valuestring, "true")))
        return false;
    return !en || cJSON_IsTrue(en) ||
           (cJSON_IsString(en) && !strcasecmp(en->valuestring, "true"));
}

/* fieldConfigList: [{"name", "encodingType": RAW|DICTIONARY,
 * "indexTypes": [INVERTED, RANGE, ...], "indexes": {"inverted": {...}}}] */
static int parse_field_configs(const cJSON *root, srv_table_config *c, char *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "fieldConfigList");
    if (!list || cJSON_IsNull(list))
        return TN_OK;
    if (!cJSON_IsArray(list))
        return tn_err(err, TN_EINVAL, "table config: 'fieldConfigList' must be a list");
    int i = 0;
    for (const cJSON *f = list->child; f; f = f->next, i++) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
        if (!cJSON_IsString(name))
            return tn_err(err, TN_EINVAL, "table config: 'fieldConfigList[%d].name' is missing",
                          i);
        const cJSON *enc = cJSON_GetObjectItemCaseSensitive(f, "encodingType");
        if (cJSON_IsString(enc) && !strcasecmp(enc->valuestring, "RAW"))
            names_add(&c->no_dict, name->valuestring);
        const cJSON *types = cJSON_GetObjectItemCaseSensitive(f, "indexTypes");
        for (const cJSON *t = cJSON_IsArray(types) ? types->child : NULL; t; t = t->next) {
            if (cJSON_IsString(t) && !strcasecmp(t->valuestring, "INVERTED"))
                names_add(&c->inverted, name->valuestring);
            if (cJSON_IsString(t) && !strcasecmp(t->valuestring, "RANGE"))
                names_add(&c->range, name->valuestring);
        }
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(f, "indexes");
        if (index_enabled(idx, "inverted"))
            names_add(&c->inverted, name->valuestring);
        if (index_enabled(idx, "range"))
            names_add(&c->range, name->valuestring);
    }
    return TN_OK;
}

static int parse_transforms(const cJSON *ing, srv_table_config *c, char *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(ing, "transformConfigs");
    if (!list || cJSON_IsNull(list))
        return TN_OK;
    if (!cJSON_IsArray(list))
        return tn_err(err, TN_EINVAL,
                      "table config: 'ingestionConfig.transformConfigs' must be a list");
    int n = cJSON_GetArraySize(list), i = 0;
    c->transforms = tn_calloc((size_t)n + 1, sizeof *c->transforms);
    for (const cJSON *t = list->child; t; t = t->next, i++) {
        const cJSON *col = cJSON_GetObjectItemCaseSensitive(t, "columnName");
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(t, "transformFunction");
        if (!cJSON_IsString(col) || !*col->valuestring)
            return tn_err(err, TN_EINVAL,
                          "table config: 'ingestionConfig.transformConfigs[%d].columnName' is "
                          "missing", i);
        if (!cJSON_IsString(fn) || !*fn->valuestring)
            return tn_err(err, TN_EINVAL,
                          "table config: 'ingestionConfig.transformConfigs[%d].transformFunction'"
                          " is missing", i);
        c->transforms[c->ntransforms].column = tn_strdup(col->valuestring);
        c->transforms[c->ntransforms++].expr = tn_strdup(fn->valuestring);
    }
    return TN_OK;
}

/* ---- complexTypeConfig ---------------------------------------------- */

#define CT "ingestionConfig.complexTypeConfig."

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int complex_to_json(const cJSON *j, srv_complex_config *x, char *err)
{
    static const char *const modes[] = {"NONE", "NON_PRIMITIVE", "ALL"};
    for (int i = 0; cJSON_IsString(j) && i < 3; i++)
        if (!strcasecmp(j->valuestring, modes[i])) {
            x->to_json = (srv_to_json)i;
            return TN_OK;
        }
    return tn_err(err, TN_EINVAL,
                  "table config: '" CT "collectionNotUnnestedToJson' must be NONE, NON_PRIMITIVE "
                  "or ALL, got %s", cJSON_IsString(j) ? j->valuestring : "a non-string");
}

static int complex_renames(const cJSON *j, srv_complex_config *x, char *err)
{
    if (!cJSON_IsObject(j))
        return tn_err(err, TN_EINVAL,
                      "table config: '" CT "prefixesToRename' must be an object of prefix: "
                      "replacement");
    x->renames = tn_calloc((size_t)cJSON_GetArraySize(j) + 1, sizeof *x->renames);
    for (const cJSON *e = j->child; e; e = e->next) {
        if (!*e->string || !cJSON_IsString(e))
            return tn_err(err, TN_EINVAL,
                          "table config: '" CT "prefixesToRename': prefix '%s' needs a string "
                          "replacement (and a prefix must not be empty)", e->string);
        x->renames[x->nrenames].key = tn_strdup(e->string);
        x->renames[x->nrenames++].value = tn_strdup(e->valuestring);
    }
    return TN_OK;
}

static int complex_key(const cJSON *e, srv_complex_config *x, char *err)
{
    const char *k = e->string;
    if (cJSON_IsNull(e))
        return TN_OK;
    if (!strcmp(k, "fieldsToUnnest")) {
        if (!cJSON_IsArray(e))
            return tn_err(err, TN_EINVAL, "table config: '" CT "fieldsToUnnest' must be a list "
                          "of paths");
        for (const cJSON *f = e->child; f; f = f->next)
            if (!cJSON_IsString(f) || !*f->valuestring)
                return tn_err(err, TN_EINVAL, "table config: '" CT "fieldsToUnnest' must hold "
                              "non-empty strings");
            else
                names_add(&x->unnest, f->valuestring);
        /* parents unnest before their children ("a" < "a.b"), as in Pinot */
        if (x->unnest.n)
            qsort(x->unnest.v, x->unnest.n, sizeof *x->unnest.v, cmp_str);
        return TN_OK;
    }
    if (!strcmp(k, "delimiter")) {
        if (!cJSON_IsString(e) || !*e->valuestring)
            return tn_err(err, TN_EINVAL, "table config: '" CT "delimiter' must be a non-empty "
                          "string");
        free(x->delimiter);
        x->delimiter = tn_strdup(e->valuestring);
        return TN_OK;
    }
    if (!strcmp(k, "collectionNotUnnestedToJson"))
        return complex_to_json(e, x, err);
    if (!strcmp(k, "prefixesToRename"))
        return complex_renames(e, x, err);
    return tn_err(err, TN_EINVAL,
                  "table config: '" CT "%s' is not a known key (fieldsToUnnest, delimiter, "
                  "collectionNotUnnestedToJson, prefixesToRename)", k);
}

static int parse_complex(const cJSON *ing, srv_table_config *c, char *err)
{
    const cJSON *ct;
    int rc = get_obj(ing, "complexTypeConfig", "ingestionConfig.", &ct, err);
    if (rc || !ct)
        return rc;
    srv_complex_config *x = &c->complex;
    x->on = true;
    x->to_json = SRV_TO_JSON_NON_PRIMITIVE;
    for (const cJSON *e = ct->child; e && !rc; e = e->next)
        rc = complex_key(e, x, err);
    if (!x->delimiter)
        x->delimiter = tn_strdup(".");
    return rc;
}

static int parse_ingestion(const cJSON *root, srv_table_config *c, const cJSON **maps_out,
                           char *err)
{
    const cJSON *ing, *fc, *sic;
    int rc = get_obj(root, "ingestionConfig", "", &ing, err);
    if (rc || !ing)
        return rc;
    if ((rc = parse_transforms(ing, c, err)) || (rc = parse_complex(ing, c, err)))
        return rc;
    if ((rc = get_obj(ing, "filterConfig", "ingestionConfig.", &fc, err)))
        return rc;
    char buf[8];
    const char *filter;
    if (fc && (rc = get_text(fc, "filterFunction", "ingestionConfig.filterConfig.", &filter, buf,
                             sizeof buf, err)))
        return rc;
    if (fc && filter && *filter)
        c->filter = tn_strdup(filter);
    if ((rc = get_obj(ing, "streamIngestionConfig", "ingestionConfig.", &sic, err)) || !sic)
        return rc;
    const cJSON *maps = cJSON_GetObjectItemCaseSensitive(sic, "streamConfigMaps");
    if (!maps || cJSON_IsNull(maps))
        return TN_OK;
    if (!cJSON_IsArray(maps))
        return tn_err(err, TN_EINVAL,
                      "table config: 'ingestionConfig.streamIngestionConfig.streamConfigMaps' "
                      "must be a list of objects");
    int i = 0;
    for (const cJSON *m = maps->child; m; m = m->next, i++)
        if (!cJSON_IsObject(m))
            return tn_err(err, TN_EINVAL,
                          "table config: 'streamConfigMaps[%d]' must be an object (a stream "
                          "config map)", i);
    if (i > SRV_MAX_STREAMS)
        return tn_err(err, TN_EINVAL,
                      "table config: 'streamConfigMaps' has %d streams; at most %d are supported",
                      i, SRV_MAX_STREAMS);
    if (maps->child)
        *maps_out = maps;
    return TN_OK;
}

/* ---- the stream map ------------------------------------------------- */

/* Java client properties librdkafka has no use for. */
static bool java_only_prop(const char *k)
{
    static const char *const names[] = {
        "key.deserializer", "value.deserializer", "sasl.jaas.config",
        "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
        "ssl.keystore.type", "partition.assignment.strategy", "interceptor.classes",
        "sasl.login.callback.handler.class", "sasl.client.callback.handler.class"};
    for (size_t i = 0; i < TN_ARRAY_LEN(names); i++)
        if (!strcmp(k, names[i]))
            return true;
    return false;
}

/* Properties Tannin sets itself: the offsets are Tannin's, not the group's. */
static bool reserved_prop(const char *k)
{
    return !strcmp(k, "group.id") || !strcmp(k, "enable.auto.commit") ||
           !strcmp(k, "enable.auto.offset.store") || !strcmp(k, "bootstrap.servers");
}

/* Checks one passthrough property against librdkafka's own parser, so a
 * bad value is refused when the table is added, not when a consumer starts. */
static int add_prop(srv_stream_config *s, const char *full, const char *k, const char *v,
                    char *err)
{
    if (reserved_prop(k))
        return TN_OK;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char rerr[256];
    rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, k, v, rerr, sizeof rerr);
    rd_kafka_conf_destroy(conf);
    if (r == RD_KAFKA_CONF_UNKNOWN) {
        names_add(&s->ignored, k);
        return TN_OK;
    }
    if (r != RD_KAFKA_CONF_OK)
        return tn_err(err, TN_EINVAL, "table config: '%s': %s", full, rerr);
    s->props = tn_realloc(s->props, (s->nprops + 1) * sizeof *s->props);
    s->props[s->nprops].key = tn_strdup(k);
    s->props[s->nprops++].value = tn_strdup(v);
    return TN_OK;
}

static int stream_offset_reset(srv_stream_config *s, const char *v, const char *key,
                               char *err)
{
    if (!strcasecmp(v, "smallest") || !strcasecmp(v, "earliest"))
        s->from_earliest = true;
    else if (!strcasecmp(v, "largest") || !strcasecmp(v, "latest"))
        s->from_earliest = false;
    else
        return tn_err(err, TN_EINVAL,
                      "table config: '%s' must be smallest, largest, earliest or latest, got '%s'",
                      key, v);
    return TN_OK;
}

static int stream_decoder(const char *v, char *err)
{
    /* Pinot's JSON decoders live in several packages over its history */
    if (strstr(v, "JSONMessageDecoder"))
        return TN_OK;
    return tn_err(err, TN_EINVAL,
                  "table config: 'stream.kafka.decoder.class.name' %s is not supported: Tannin "
                  "decodes JSON messages only (org.apache.pinot.plugin.stream.kafka."
                  "KafkaJSONMessageDecoder)", v);
}

static int stream_threshold(srv_stream_config *s, const char *k, const char *v, char *err)
{
    if (!strcmp(k, "realtime.segment.flush.threshold.rows") ||
        !strcmp(k, "realtime.segment.flush.threshold.size") ||
        !strcmp(k, "realtime.segment.flush.threshold.segment.rows")) {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (end == v || *end || errno || n < 0)
            return tn_err(err, TN_EINVAL,
                          "table config: '%s' must be a non-negative number of rows, got '%s'",
                          k, v);
        s->flush_rows = (uint64_t)n;
        s->flush_autotune = n == 0;
    } else if (!strcmp(k, "realtime.segment.flush.autotune.initialRows")) {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (end == v || *end || errno || n <= 0 || n > INT32_MAX)
            return tn_err(err, TN_EINVAL,
                          "table config: '%s' must be a positive number of rows, got '%s'", k, v);
        s->flush_initial_rows = (uint64_t)n;
    } else if (!strcmp(k, "realtime.segment.flush.threshold.time")) {
        if (srv_parse_duration_ms(v, &s->flush_time_ms) || s->flush_time_ms <= 0)
            return tn_err(err, TN_EINVAL,
                          "table config: '%s' must be milliseconds or a period like 6h, 30m, "
                          "got '%s'", k, v);
    } else if (!strcmp(k, "realtime.segment.flush.threshold.segment.size") ||
               !strcmp(k, "realtime.segment.flush.desired.size")) {
        if (srv_parse_size(v, &s->flush_segment_bytes) || s->flush_segment_bytes == 0)
            return tn_err(err, TN_EINVAL,
                          "table config: '%s' must be a size like 200M or 1G, got '%s'", k, v);
    }
    return TN_OK;
}

/* Pinot's topic.consumption.rate.limit: messages per second (a double). */
static int stream_rate_limit(srv_stream_config *s, const char *k, const char *v, char *err)
{
    char *end;
    errno = 0;
    double r = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(r) || r <= 0)
        return tn_err(err, TN_EINVAL,
                      "table config: '%s' must be a positive number of messages per second, "
                      "got '%s'", k, v);
    s->rate_limit = r;
    return TN_OK;
}

/* One key of the stream map (k), its value text (v). */
static int stream_key(srv_stream_config *s, const char *k, const char *v, char *err)
{
    static const char *const consumer_prefixes[] = {
        KAFKA_PREFIX "consumer.prop.", KAFKA_PREFIX "kafka.consumer.prop."};
    if (!strcmp(k, "streamType")) {
        if (strcasecmp(v, "kafka"))
            return tn_err(err, TN_EINVAL,
                          "table config: 'streamType' must be kafka, got '%s'", v);
        return TN_OK;
    }
    if (!strcmp(k, KAFKA_PREFIX "topic.name")) {
        free(s->topic);
        s->topic = tn_strdup(v);
        return TN_OK;
    }
    if (!strcmp(k, KAFKA_PREFIX "broker.list") || !strcmp(k, KAFKA_PREFIX "bootstrap.servers")) {
        free(s->brokers);
        s->brokers = *v ? tn_strdup(v) : NULL;
        return TN_OK;
    }
    if (!strcmp(k, KAFKA_PREFIX "decoder.class.name"))
        return stream_decoder(v, err);
    if (!strcmp(k, KAFKA_PREFIX "deadletter.topic.name")) {
        free(s->dead_letter_topic);
        s->dead_letter_topic = *v ? tn_strdup(v) : NULL;
        return TN_OK;
    }
    if (!strcmp(k, KAFKA_PREFIX "partition.ids"))
        return srv_parse_partition_ids(v, &s->partitions, &s->npartitions, err);
    if (!strcmp(k, "topic.consumption.rate.limit"))
        return stream_rate_limit(s, k, v, err);
    for (size_t i = 0; i < TN_ARRAY_LEN(consumer_prefixes); i++) {
        size_t pl = strlen(consumer_prefixes[i]);
        if (strncmp(k, consumer_prefixes[i], pl))
            continue;
        if (!strcmp(k + pl, "auto.offset.reset"))
            return stream_offset_reset(s, v, k, err);
        if (java_only_prop(k + pl)) {
            names_add(&s->ignored, k + pl);
            return TN_OK;
        }
        return add_prop(s, k, k + pl, v, err);
    }
    return stream_threshold(s, k, v, err);
}

/* Pinot's rule: the row threshold 0, or no row threshold but a segment
 * size, flushes by size (autotune). Otherwise the segment size is only the
 * consuming segment's memory bound, as before autotune existed. */
static void flush_mode(const cJSON *map, srv_stream_config *s)
{
    static const char *const row_keys[] = {"realtime.segment.flush.threshold.rows",
                                           "realtime.segment.flush.threshold.size",
                                           "realtime.segment.flush.threshold.segment.rows"};
    bool rows_given = false;
    for (size_t i = 0; i < TN_ARRAY_LEN(row_keys); i++)
        rows_given |= cJSON_GetObjectItemCaseSensitive(map, row_keys[i]) != NULL;
    if (!rows_given && s->flush_segment_bytes)
        s->flush_autotune = true;
    if (!s->flush_initial_rows)
        s->flush_initial_rows = SRV_DEFAULT_AUTOTUNE_ROWS;
    if (!s->flush_autotune) {
        if (s->flush_segment_bytes)
            s->flush_bytes = s->flush_segment_bytes;
        return;
    }
    s->flush_rows = 0;
    if (!s->flush_segment_bytes)
        s->flush_segment_bytes = SRV_DEFAULT_FLUSH_BYTES;
    s->flush_bytes = TN_MAX(s->flush_segment_bytes * SRV_AUTOTUNE_MEMORY_FACTOR,
                            SRV_DEFAULT_FLUSH_BYTES);
}

static int parse_stream(const cJSON *map, srv_stream_config *s, char *err)
{
    s->flush_rows = SRV_DEFAULT_FLUSH_ROWS;
    s->flush_time_ms = SRV_DEFAULT_FLUSH_TIME_MS;
    s->flush_bytes = SRV_DEFAULT_FLUSH_BYTES;
    s->from_earliest = false; /* Kafka's default; Pinot configs usually say smallest */
    bool typed = false;
    for (const cJSON *e = map->child; e; e = e->next) {
        char buf[64];
        const char *v = item_text(e, buf, sizeof buf);
        if (!v)
            return tn_err(err, TN_EINVAL, "table config: stream config '%s' must be a string",
                          e->string);
        typed |= !strcmp(e->string, "streamType");
        int rc = stream_key(s, e->string, v, err);
        if (rc)
            return rc;
    }
    if (!typed)
        return tn_err(err, TN_EINVAL, "table config: stream config 'streamType' is missing");
    flush_mode(map, s);
    if (!s->topic || !*s->topic)
        return tn_err(err, TN_EINVAL,
                      "table config: stream config 'stream.kafka.topic.name' is missing");
    for (uint32_t i = 0; i < s->npartitions; i++)
        if (s->partitions[i] >= SRV_PARTITION_PADDING)
            return tn_err(err, TN_EINVAL,
                          "table config: 'stream.kafka.partition.ids' names partition %d; "
                          "partitions are numbered below %d", s->partitions[i],
                          SRV_PARTITION_PADDING);
    return TN_OK;
}

static void stream_free(srv_stream_config *s)
{
    free(s->topic);
    free(s->brokers);
    free(s->dead_letter_topic);
    for (uint32_t i = 0; i < s->nprops; i++) {
        free(s->props[i].key);
        free(s->props[i].value);
    }
    free(s->props);
    srv_names_free(&s->ignored);
    free(s->partitions);
}

/* Stream i's error, named by its map: "table config: X" becomes
 * "table config: streamConfigMaps[i]: X". */
static int map_error(int rc, uint32_t i, char *err)
{
    static const char pre[] = "table config: ";
    char msg[TN_ERRLEN];
    const char *rest = strncmp(err, pre, sizeof pre - 1) ? err : err + sizeof pre - 1;
    snprintf(msg, sizeof msg, "%s", rest);
    return tn_err(err, rc, "table config: streamConfigMaps[%u]: %s", i, msg);
}

/* Two maps on one topic would ingest every message twice. */
static int check_distinct(const srv_table_config *c, uint32_t i, char *err)
{
    const srv_stream_config *s = srv_table_stream(c, i);
    for (uint32_t k = 0; k < i; k++) {
        const srv_stream_config *o = srv_table_stream(c, k);
        bool same_brokers = (!o->brokers && !s->brokers) ||
                            (o->brokers && s->brokers && !strcmp(o->brokers, s->brokers));
        if (!strcmp(o->topic, s->topic) && same_brokers)
            return tn_err(err, TN_EINVAL,
                          "table config: streamConfigMaps[%u]: topic '%s' is already consumed "
                          "by streamConfigMaps[%u]", i, s->topic, k);
    }
    return TN_OK;
}

/* streamConfigMaps: each map is parsed on its own; errors name the map
 * when there are several. */
static int parse_streams(const cJSON *maps, srv_table_config *c, char *err)
{
    uint32_t n = (uint32_t)cJSON_GetArraySize(maps), i = 0;
    c->more_streams = tn_calloc(n, sizeof *c->more_streams);
    for (const cJSON *m = maps->child; m; m = m->next, i++) {
        srv_stream_config *s = i ? &c->more_streams[i - 1] : &c->stream;
        c->nstreams = i + 1;
        int rc = parse_stream(m, s, err);
        if (rc)
            return n > 1 ? map_error(rc, i, err) : rc;
        if ((rc = check_distinct(c, i, err)))
            return rc;
    }
    return TN_OK;
}

const srv_stream_config *srv_table_stream(const srv_table_config *c, uint32_t i)
{
    return i == 0 ? &c->stream : &c->more_streams[i - 1];
}

const srv_stream_config *srv_stream_of(const srv_table_config *c, int32_t partition)
{
    if (partition < 0 || (uint32_t)(partition / SRV_PARTITION_PADDING) >= c->nstreams)
        return NULL;
    return srv_table_stream(c, (uint32_t)(partition / SRV_PARTITION_PADDING));
}

/* ---- the whole config ----------------------------------------------- */

static int parse_root(const cJSON *root, srv_table_config *c, char *err)
{
    const cJSON *ic, *stream = NULL, *maps = NULL;
    int rc;
    if ((rc = parse_name_type(root, c, err)) || (rc = parse_segments_config(root, c, err)) ||
        (rc = get_obj(root, "tableIndexConfig", "", &ic, err)) ||
        (ic && (rc = parse_index_config(ic, c, err))) ||
        (rc = parse_field_configs(root, c, err)) ||
        (rc = parse_ingestion(root, c, &maps, err)))
        return rc;
    if (!maps && ic) {
        const cJSON *legacy;
        if ((rc = get_obj(ic, "streamConfigs", "tableIndexConfig.", &legacy, err)))
            return rc;
        stream = legacy;
    }
    c->inverted_set = c->inverted.n > 0;
    if (!c->realtime)
        return TN_OK;
    if (maps)
        return parse_streams(maps, c, err);
    if (!stream)
        return tn_err(err, TN_EINVAL,
                      "table config: a REALTIME table needs a stream config "
                      "('ingestionConfig.streamIngestionConfig.streamConfigMaps' or "
                      "'tableIndexConfig.streamConfigs')");
    c->nstreams = 1;
    return parse_stream(stream, &c->stream, err);
}

int srv_table_config_parse(const char *json, size_t len, srv_table_config **out, char *err)
{
    void *tree;
    char perr[TN_ERRLEN];
    if (seg_json_parse_object(json, len, &tree, perr))
        return tn_err(err, TN_EINVAL, "table config: %s", perr);
    srv_table_config *c = tn_calloc(1, sizeof *c);
    int rc = parse_root(tree, c, err);
    if (!rc)
        c->json = cJSON_PrintUnformatted(tree);
    cJSON_Delete(tree);
    if (rc) {
        srv_table_config_free(c);
        return rc;
    }
    *out = c;
    return TN_OK;
}

void srv_table_config_free(srv_table_config *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->name_with_type);
    free(c->time_column);
    free(c->sorted_column);
    srv_names_free(&c->inverted);
    srv_names_free(&c->range);
    srv_names_free(&c->no_dict);
    for (uint32_t i = 0; i < c->ntransforms; i++) {
        free(c->transforms[i].column);
        free(c->transforms[i].expr);
    }
    free(c->transforms);
    free(c->filter);
    srv_names_free(&c->complex.unnest);
    free(c->complex.delimiter);
    for (uint32_t i = 0; i < c->complex.nrenames; i++) {
        free(c->complex.renames[i].key);
        free(c->complex.renames[i].value);
    }
    free(c->complex.renames);
    stream_free(&c->stream);
    for (uint32_t i = 0; i + 1 < c->nstreams; i++)
        stream_free(&c->more_streams[i]);
    free(c->more_streams);
    if (c->json)
        cJSON_free(c->json);
    free(c);
}

/* ---- against the schema --------------------------------------------- */

static int check_names(const srv_names *l, const seg_schema *s, const char *key, char *err)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (seg_schema_find(s, l->v[i]) < 0)
            return tn_err(err, TN_EINVAL,
                          "table config: '%s' names column '%s', which schema '%s' does not have",
                          key, l->v[i], s->name);
    return TN_OK;
}

static bool raw_capable(const seg_field *f)
{
    seg_phys p = seg_type_phys(f->type);
    return f->single_value && p != SEG_PHYS_STR;
}

int srv_table_config_check(srv_table_config *c, const seg_schema *s, char *err)
{
    int rc;
    if ((rc = check_names(&c->inverted, s, "invertedIndexColumns", err)) ||
        (rc = check_names(&c->range, s, "rangeIndexColumns", err)) ||
        (rc = check_names(&c->no_dict, s, "noDictionaryColumns", err)))
        return rc;
    if (c->sorted_column && seg_schema_find(s, c->sorted_column) < 0)
        return tn_err(err, TN_EINVAL,
                      "table config: 'sortedColumn' names column '%s', which schema '%s' does "
                      "not have", c->sorted_column, s->name);
    if (c->sorted_column && !s->fields[seg_schema_find(s, c->sorted_column)].single_value)
        return tn_err(err, TN_EINVAL,
                      "table config: 'sortedColumn' '%s' is multi-value; only a single-value "
                      "column can be sorted", c->sorted_column);
    if (c->time_column) {
        int f = seg_schema_find(s, c->time_column);
        if (f < 0)
            return tn_err(err, TN_EINVAL,
                          "table config: 'segmentsConfig.timeColumnName' is '%s', which schema "
                          "'%s' does not have", c->time_column, s->name);
        if (!s->fields[f].single_value)
            return tn_err(err, TN_EINVAL,
                          "table config: time column '%s' must be single-value", c->time_column);
    }
    for (uint32_t i = 0; i < c->ntransforms; i++)
        if (seg_schema_find(s, c->transforms[i].column) < 0)
            return tn_err(err, TN_EINVAL,
                          "table config: transformConfigs[%u] fills column '%s', which schema "
                          "'%s' does not have", i, c->transforms[i].column, s->name);
    for (uint32_t i = 0; i < c->range.n; i++) {
        const seg_field *f = &s->fields[seg_schema_find(s, c->range.v[i])];
        if (seg_type_phys(f->type) == SEG_PHYS_STR)
            return tn_err(err, TN_EINVAL,
                          "table config: rangeIndexColumns: '%s' is %s; a range index needs a "
                          "numeric column", f->name, seg_type_name(f->type));
    }
    /* Raw strings are not supported by the segments: they keep a dictionary. */
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->no_dict.n; i++) {
        if (raw_capable(&s->fields[seg_schema_find(s, c->no_dict.v[i])]))
            c->no_dict.v[k++] = c->no_dict.v[i];
        else
            free(c->no_dict.v[i]);
    }
    c->no_dict.n = k;
    return TN_OK;
}
