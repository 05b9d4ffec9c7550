/*
 * seg_schema.c: Pinot schema JSON to seg_schema and back (with the JSON
 * helpers rows share), schema copies and evolution.
 */
#include "seg_schema.h"
#include "seg_schema_int.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- JSON helpers --------------------------------------------------- */

static const char *seg_json_kind(const cJSON *j)
{
    if (cJSON_IsObject(j))
        return "object";
    if (cJSON_IsArray(j))
        return "array";
    if (cJSON_IsString(j))
        return "string";
    if (cJSON_IsNumber(j))
        return "number";
    if (cJSON_IsBool(j))
        return "boolean";
    return "null";
}

int seg_json_parse_object(const char *text, size_t len, void **out, char *err)
{
    const char *s = text;
    size_t n = len;
    seg_trim(&s, &n);
    if (n == 0)
        return tn_err(err, TN_EINVAL, "empty JSON input");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    /* cJSON's position is where it gave up: at the offending byte or, for
     * a bad key, just past it */
    if (!root)
        return tn_err(err, TN_EINVAL, "malformed JSON at byte %zu",
                      end ? (size_t)(end - text) : (size_t)0);
    size_t off = (size_t)(end - text);
    while (off < len && seg_is_space(text[off]))
        off++;
    if (off < len) {
        cJSON_Delete(root);
        return tn_err(err, TN_EINVAL, "unexpected data after JSON value at byte %zu",
                      off);
    }
    if (!cJSON_IsObject(root)) {
        int rc = tn_err(err, TN_EINVAL, "expected a JSON object, got %s",
                        seg_json_kind(root));
        cJSON_Delete(root);
        return rc;
    }
    *out = root;
    return TN_OK;
}

/* A short rendering of a JSON value for error messages. */
const char *seg_json_brief(const void *json, char *buf, size_t n)
{
    const cJSON *j = json;
    char *text = cJSON_PrintUnformatted(j);
    snprintf(buf, n, "%s", text ? text : "?");
    if (text && strlen(text) >= n)
        memcpy(buf + n - 4, "...", 4);
    cJSON_free(text);
    return buf;
}

/* ---- fields --------------------------------------------------------- */

static void seg_field_clear(seg_field *f)
{
    free(f->name);
    if (seg_type_phys(f->type) == SEG_PHYS_STR)
        free((char *)f->default_null.s.p);
    free(f->format);
    free(f->granularity);
    free(f->time.pattern);
    memset(f, 0, sizeof *f);
}

/* The field keeps its own NUL-terminated copy of string defaults, so
 * schemas can be freed independently and defaults print as C strings. */
static void seg_field_own_default(seg_field *f, seg_value v)
{
    if (seg_type_phys(f->type) == SEG_PHYS_STR) {
        char *p = tn_malloc((size_t)v.s.len + 1);
        if (v.s.len)
            memcpy(p, v.s.p, v.s.len);
        p[v.s.len] = '\0';
        v.s.p = p;
    }
    f->default_null = v;
}

static char *seg_strdup_or_null(const char *s) { return s ? tn_strdup(s) : NULL; }

static void seg_field_copy(seg_field *dst, const seg_field *src)
{
    *dst = *src;
    dst->name = tn_strdup(src->name);
    dst->format = seg_strdup_or_null(src->format);
    dst->granularity = seg_strdup_or_null(src->granularity);
    dst->time.pattern = seg_strdup_or_null(src->time.pattern);
    seg_field_own_default(dst, src->default_null);
}

static const struct {
    const char *name;
    int64_t ms;
} seg_time_units[] = {
    {"MILLISECONDS", 1},       {"SECONDS", 1000},  {"MINUTES", 60000},
    {"HOURS", 3600000},        {"DAYS", 86400000},
};

static int64_t seg_time_unit_ms(const char *name)
{
    for (size_t i = 0; i < TN_ARRAY_LEN(seg_time_units); i++)
        if (strcasecmp(name, seg_time_units[i].name) == 0)
            return seg_time_units[i].ms;
    return 0;
}

/* Fills tf from a format's parts; size and unit may be NULL (1 and
 * MILLISECONDS, as Pinot's pipe form defaults them). */
static int seg_time_build(const seg_field *f, const char *type, const char *size,
                          const char *unit, const char *pattern,
                          seg_time_format *tf, char *err)
{
    if (strcasecmp(type, "SIMPLE_DATE_FORMAT") == 0) {
        if (!pattern || !*pattern)
            return tn_err(err, TN_EINVAL, "field '%s': format '%s' needs a pattern",
                          f->name, f->format);
        tf->pattern = tn_strdup(pattern);
        return TN_OK;
    }
    if (strcasecmp(type, "TIMESTAMP") == 0) {
        tf->unit_ms = 1; /* Pinot's TIMESTAMP format is always epoch ms */
        return TN_OK;
    }
    if (strcasecmp(type, "EPOCH") != 0)
        return tn_err(err, TN_EINVAL, "field '%s': format '%s': unknown time format '%s'",
                      f->name, f->format, type);
    int64_t n = 1, ms = unit ? seg_time_unit_ms(unit) : 1;
    if (ms == 0)
        return tn_err(err, TN_EINVAL,
                      "field '%s': format '%s': unsupported time unit '%s'", f->name,
                      f->format, unit);
    if (size && (!seg_parse_i64(size, strlen(size), &n) || n <= 0 || n > INT32_MAX))
        return tn_err(err, TN_EINVAL, "field '%s': format '%s': bad size '%s'",
                      f->name, f->format, size);
    tf->unit_ms = n * ms;
    return TN_OK;
}

/* Splits text at sep into at most max parts, the last taking the rest (a
 * SIMPLE_DATE_FORMAT pattern may itself contain ':'). Parts point into
 * text, which is modified. */
static int seg_split(char *text, char sep, char **parts, int max)
{
    int n = 0;
    parts[n++] = text;
    for (char *p = text; *p && n < max; p++) {
        if (*p == sep) {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    return n;
}

/* Pinot's two datetime format spellings: "size:UNIT:TYPE[:pattern]" and
 * "TYPE|UNIT|size" / "SIMPLE_DATE_FORMAT|pattern[|zone]". */
static int seg_time_parse(const seg_field *f, seg_time_format *tf, char *err)
{
    char *copy = tn_strdup(f->format), *parts[4] = {0};
    int rc;
    if (seg_is_digit(copy[0])) {
        int n = seg_split(copy, ':', parts, 4);
        if (n < 3)
            rc = tn_err(err, TN_EINVAL,
                        "field '%s': format '%s' is not size:unit:type[:pattern]",
                        f->name, f->format);
        else
            rc = seg_time_build(f, parts[2], parts[0], parts[1], parts[3], tf, err);
    } else {
        int n = seg_split(copy, '|', parts, 3);
        if (strcasecmp(parts[0], "SIMPLE_DATE_FORMAT") == 0)
            rc = seg_time_build(f, parts[0], NULL, NULL, parts[1], tf, err);
        else
            rc = seg_time_build(f, parts[0], n > 2 ? parts[2] : NULL,
                                n > 1 ? parts[1] : NULL, NULL, tf, err);
    }
    free(copy);
    return rc;
}

/* Checks a field that has its name, type, role and format set, and derives
 * its parsed time format. */
static int seg_field_finish(seg_field *f, char *err)
{
    if (!f->name || !*f->name)
        return tn_err(err, TN_EINVAL, "a field has an empty name");
    if ((unsigned)f->type >= SEG_TYPE_COUNT || (unsigned)f->role > SEG_DATETIME)
        return tn_err(err, TN_EINVAL, "field '%s': bad type or role", f->name);
    if (f->role == SEG_METRIC && !seg_type_numeric(f->type))
        return tn_err(err, TN_EINVAL, "metric '%s' must be numeric, not %s", f->name,
                      seg_type_name(f->type));
    if (f->role == SEG_METRIC && !f->single_value)
        return tn_err(err, TN_EINVAL, "metric '%s' must be single-value", f->name);
    if (f->role == SEG_DATETIME && !f->format)
        return tn_err(err, TN_EINVAL, "dateTime field '%s' needs a format", f->name);
    free(f->time.pattern);
    memset(&f->time, 0, sizeof f->time);
    if (f->format)
        return seg_time_parse(f, &f->time, err);
    if (f->type == SEG_TIMESTAMP)
        f->time.unit_ms = 1;
    return TN_OK;
}

/* ---- schema JSON to fields ------------------------------------------ */

static int seg_opt_string(const cJSON *obj, const char *key, const char *field,
                          char **out, char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j || cJSON_IsNull(j))
        return TN_OK;
    if (!cJSON_IsString(j))
        return tn_err(err, TN_EINVAL, "field '%s': %s must be a string", field, key);
    *out = tn_strdup(j->valuestring);
    return TN_OK;
}

/* A JSON number as an integral value of type t, as Pinot's parse of the
 * number's text would accept it. */
static bool seg_number_integral(seg_type t, double d, int64_t *out)
{
    if (d != trunc(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return false;
    *out = (int64_t)d;
    if (t == SEG_INT)
        return *out >= INT32_MIN && *out <= INT32_MAX;
    if (t == SEG_BOOLEAN)
        return *out == 0 || *out == 1;
    return true;
}

static int seg_default_value(const seg_field *f, const cJSON *j, seg_value *v,
                             uint8_t **bytes)
{
    seg_phys p = seg_type_phys(f->type);
    if (p == SEG_PHYS_STR) {
        if (!cJSON_IsString(j))
            return TN_EINVAL;
        const char *s = j->valuestring;
        size_t len = strlen(s);
        if (f->type == SEG_STRING) {
            *v = seg_value_str(s, (uint32_t)len);
            return TN_OK;
        }
        *bytes = tn_malloc(len / 2 + 1);
        *v = seg_value_str((const char *)*bytes, (uint32_t)(len / 2));
        return seg_hex_decode(s, len, *bytes);
    }
    if (cJSON_IsString(j))
        return seg_value_parse(f->type, j->valuestring, strlen(j->valuestring), v);
    if (cJSON_IsBool(j) && f->type == SEG_BOOLEAN) {
        v->i = cJSON_IsTrue(j);
        return TN_OK;
    }
    if (!cJSON_IsNumber(j))
        return TN_EINVAL;
    if (p == SEG_PHYS_F32 || p == SEG_PHYS_F64) {
        v->d = p == SEG_PHYS_F32 ? (float)j->valuedouble : j->valuedouble;
        return TN_OK;
    }
    return seg_number_integral(f->type, j->valuedouble, &v->i) ? TN_OK : TN_EINVAL;
}

static int seg_field_default(seg_field *f, const cJSON *obj, char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "defaultNullValue");
    seg_value v = seg_default_null(f->type, f->role);
    uint8_t *bytes = NULL;
    if (j && !cJSON_IsNull(j) && seg_default_value(f, j, &v, &bytes) != TN_OK) {
        char brief[48];
        free(bytes);
        return tn_err(err, TN_EINVAL, "field '%s': bad defaultNullValue %s for %s",
                      f->name, seg_json_brief(j, brief, sizeof brief),
                      seg_type_name(f->type));
    }
    seg_field_own_default(f, v);
    free(bytes);
    return TN_OK;
}

static int seg_field_type(seg_field *f, const cJSON *obj, char *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "dataType");
    if (!cJSON_IsString(j))
        return tn_err(err, TN_EINVAL, "field '%s': missing dataType", f->name);
    if (seg_type_parse(j->valuestring, &f->type) != TN_OK)
        return tn_err(err, TN_EINVAL, "field '%s': unknown dataType '%s'", f->name,
                      j->valuestring);
    j = cJSON_GetObjectItemCaseSensitive(obj, "singleValueField");
    if (j && !cJSON_IsBool(j))
        return tn_err(err, TN_EINVAL,
                      "field '%s': singleValueField must be true or false", f->name);
    f->single_value = !j || cJSON_IsTrue(j);
    return TN_OK;
}

static int seg_field_parse(const cJSON *obj, seg_role role, const char *group,
                           int idx, seg_field *f, char *err)
{
    memset(f, 0, sizeof *f);
    f->role = role;
    /* until the type is known the default is not a string to free */
    f->type = SEG_INT;
    if (!cJSON_IsObject(obj))
        return tn_err(err, TN_EINVAL, "%s[%d]: expected an object", group, idx);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!cJSON_IsString(name) || !*name->valuestring)
        return tn_err(err, TN_EINVAL, "%s[%d]: missing name", group, idx);
    f->name = tn_strdup(name->valuestring);
    int rc = seg_field_type(f, obj, err);
    if (!rc)
        rc = seg_opt_string(obj, "format", f->name, &f->format, err);
    if (!rc)
        rc = seg_opt_string(obj, "granularity", f->name, &f->granularity, err);
    if (!rc)
        rc = seg_field_default(f, obj, err);
    if (!rc)
        rc = seg_field_finish(f, err);
    return rc;
}

static int seg_schema_append(seg_schema *s, seg_field *f, char *err)
{
    if (seg_schema_find(s, f->name) >= 0)
        return tn_err(err, TN_EINVAL,
                      "duplicate column '%s' (column names are case-insensitive)",
                      f->name);
    s->fields[s->nfields++] = *f;
    memset(f, 0, sizeof *f);
    return TN_OK;
}

static int seg_schema_group(seg_schema *s, const cJSON *arr, seg_role role,
                            char *err)
{
    if (!cJSON_IsArray(arr))
        return tn_err(err, TN_EINVAL, "%s must be an array", arr->string);
    int idx = 0;
    for (const cJSON *j = arr->child; j; j = j->next, idx++) {
        seg_field f;
        int rc = seg_field_parse(j, role, arr->string, idx, &f, err);
        if (!rc)
            rc = seg_schema_append(s, &f, err);
        seg_field_clear(&f);
        if (rc)
            return rc;
    }
    return TN_OK;
}

/* The pre-0.7 timeFieldSpec becomes the dateTime field Pinot converts it
 * to: the outgoing spec (the stored column) when present, else incoming. */
static int seg_schema_time_spec(seg_schema *s, const cJSON *spec, char *err)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(spec, "outgoingGranularitySpec");
    if (!g)
        g = cJSON_GetObjectItemCaseSensitive(spec, "incomingGranularitySpec");
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(g, "timeType");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(g, "timeUnitSize");
    const cJSON *tfmt = cJSON_GetObjectItemCaseSensitive(g, "timeFormat");
    if (!cJSON_IsObject(g) || !cJSON_IsString(unit))
        return tn_err(err, TN_EINVAL,
                      "timeFieldSpec needs a granularity spec with a timeType");
    if (size && !(cJSON_IsNumber(size) && size->valuedouble >= 1 &&
                  size->valuedouble <= INT32_MAX))
        return tn_err(err, TN_EINVAL, "timeFieldSpec: bad timeUnitSize");
    int n = size ? (int)size->valuedouble : 1;
    char format[256], gran[64];
    snprintf(gran, sizeof gran, "%d:%.40s", n, unit->valuestring);
    snprintf(format, sizeof format, "%s:%.150s", gran,
             cJSON_IsString(tfmt) ? tfmt->valuestring : "EPOCH");
    cJSON *obj = cJSON_Duplicate(g, 1);
    cJSON *dflt = cJSON_GetObjectItemCaseSensitive(spec, "defaultNullValue");
    if (dflt && !cJSON_HasObjectItem(obj, "defaultNullValue"))
        cJSON_AddItemToObject(obj, "defaultNullValue", cJSON_Duplicate(dflt, 1));
    cJSON_AddStringToObject(obj, "format", format);
    cJSON_AddStringToObject(obj, "granularity", gran);
    seg_field f;
    int rc = seg_field_parse(obj, SEG_DATETIME, "timeFieldSpec", 0, &f, err);
    if (!rc)
        rc = seg_schema_append(s, &f, err);
    seg_field_clear(&f);
    cJSON_Delete(obj);
    return rc;
}

static const struct {
    const char *key;
    seg_role role;
} seg_groups[] = {
    {"dimensionFieldSpecs", SEG_DIMENSION},
    {"metricFieldSpecs", SEG_METRIC},
    {"dateTimeFieldSpecs", SEG_DATETIME},
};

static int seg_group_role(const char *key)
{
    for (size_t i = 0; i < TN_ARRAY_LEN(seg_groups); i++)
        if (strcmp(key, seg_groups[i].key) == 0)
            return (int)seg_groups[i].role;
    return -1;
}

static int seg_schema_from_json(seg_schema *s, const cJSON *root, char *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "schemaName");
    if (!cJSON_IsString(name) || !*name->valuestring)
        return tn_err(err, TN_EINVAL, "schema has no schemaName");
    s->name = tn_strdup(name->valuestring);
    /* JSON may repeat a key, and cJSON keeps every copy */
    uint32_t cap = 0;
    for (const cJSON *j = root->child; j; j = j->next) {
        if (seg_group_role(j->string) >= 0 && cJSON_IsArray(j))
            cap += (uint32_t)cJSON_GetArraySize(j);
        else if (strcmp(j->string, "timeFieldSpec") == 0)
            cap++;
    }
    s->fields = tn_calloc(cap, sizeof *s->fields);
    /* groups in document order, so rendering and re-parsing keeps columns
     * in place */
    for (const cJSON *j = root->child; j; j = j->next) {
        int role = seg_group_role(j->string), rc = TN_OK;
        if (cJSON_IsNull(j))
            continue;
        if (role >= 0)
            rc = seg_schema_group(s, j, (seg_role)role, err);
        else if (strcmp(j->string, "timeFieldSpec") == 0)
            rc = seg_schema_time_spec(s, j, err);
        if (rc)
            return rc;
    }
    return TN_OK;
}

int seg_schema_parse(const char *json, size_t len, seg_schema **out, char *err)
{
    void *root;
    int rc = seg_json_parse_object(json, len, &root, err);
    if (rc)
        return rc;
    seg_schema *s = tn_calloc(1, sizeof *s);
    rc = seg_schema_from_json(s, root, err);
    cJSON_Delete(root);
    if (rc) {
        seg_schema_free(s);
        return rc;
    }
    *out = s;
    return TN_OK;
}

int seg_schema_load_file(const char *path, seg_schema **out, char *err)
{
    char *text, why[TN_ERRLEN];
    size_t len;
    int rc = tn_read_file(path, &text, &len, err);
    if (rc)
        return rc;
    rc = seg_schema_parse(text, len, out, why);
    free(text);
    return rc ? tn_err(err, rc, "%s: %s", path, why) : TN_OK;
}

/* ---- fields to schema JSON ------------------------------------------ */

/* Integers beyond 2^53 would lose digits as JSON numbers (cJSON keeps a
 * double), and NaN/Infinity have no JSON number: both go as strings, which
 * Pinot and seg_schema_parse accept. */
static cJSON *seg_default_json(const seg_field *f)
{
    seg_value v = f->default_null;
    char buf[32];
    switch (seg_type_phys(f->type)) {
    case SEG_PHYS_I32:
    case SEG_PHYS_I64:
        if (v.i >= -(INT64_C(1) << 53) && v.i <= (INT64_C(1) << 53))
            return cJSON_CreateNumber((double)v.i);
        snprintf(buf, sizeof buf, "%lld", (long long)v.i);
        return cJSON_CreateString(buf);
    case SEG_PHYS_F32:
    case SEG_PHYS_F64:
        if (isfinite(v.d))
            return cJSON_CreateNumber(v.d);
        return cJSON_CreateString(isnan(v.d)  ? "NaN"
                                  : v.d > 0   ? "Infinity"
                                              : "-Infinity");
    default:
        break;
    }
    if (f->type == SEG_STRING)
        return cJSON_CreateString(v.s.p);
    char *hex = tn_malloc((size_t)v.s.len * 2 + 1);
    for (uint32_t i = 0; i < v.s.len; i++)
        snprintf(hex + 2 * i, 3, "%02x", (uint8_t)v.s.p[i]);
    hex[2 * v.s.len] = '\0';
    cJSON *j = cJSON_CreateString(hex);
    free(hex);
    return j;
}

static cJSON *seg_field_json(const seg_field *f)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", f->name);
    cJSON_AddStringToObject(j, "dataType", seg_type_name(f->type));
    cJSON_AddBoolToObject(j, "singleValueField", f->single_value);
    /* like Pinot, only a default that differs from the type's is written */
    seg_value dflt = seg_default_null(f->type, f->role);
    if (seg_value_cmp(f->type, f->default_null, dflt) != 0)
        cJSON_AddItemToObject(j, "defaultNullValue", seg_default_json(f));
    if (f->format)
        cJSON_AddStringToObject(j, "format", f->format);
    if (f->granularity)
        cJSON_AddStringToObject(j, "granularity", f->granularity);
    return j;
}

char *seg_schema_to_json(const seg_schema *s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *groups[TN_ARRAY_LEN(seg_groups)] = {0};
    cJSON_AddStringToObject(root, "schemaName", s->name);
    /* groups in order of their first column, so parsing the text back
     * gives the same column order when each role's columns are contiguous */
    for (uint32_t i = 0; i < s->nfields; i++) {
        seg_role r = s->fields[i].role;
        if (!groups[r])
            groups[r] = cJSON_AddArrayToObject(root, seg_groups[r].key);
        cJSON_AddItemToArray(groups[r], seg_field_json(&s->fields[i]));
    }
    for (size_t r = 0; r < TN_ARRAY_LEN(seg_groups); r++)
        if (!groups[r])
            cJSON_AddArrayToObject(root, seg_groups[r].key);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    /* copied so the caller frees with free() whatever cJSON's hooks are */
    char *out = tn_strdup(text);
    cJSON_free(text);
    return out;
}

/* ---- whole schemas -------------------------------------------------- */

seg_schema *seg_schema_copy(const seg_schema *s)
{
    seg_schema *c = tn_calloc(1, sizeof *c);
    c->name = tn_strdup(s->name);
    c->fields = tn_calloc(s->nfields + 1, sizeof *c->fields);
    for (uint32_t i = 0; i < s->nfields; i++)
        seg_field_copy(&c->fields[i], &s->fields[i]);
    c->nfields = s->nfields;
    return c;
}

int seg_schema_add_field(const seg_schema *s, const seg_field *f,
                         seg_schema **out, char *err)
{
    if (!f->name || !*f->name)
        return tn_err(err, TN_EINVAL, "a field has an empty name");
    if (seg_schema_find(s, f->name) >= 0)
        return tn_err(err, TN_EEXIST, "column '%s' already exists in schema '%s'",
                      f->name, s->name);
    seg_field nf;
    seg_field_copy(&nf, f);
    int rc = seg_field_finish(&nf, err);
    if (rc) {
        seg_field_clear(&nf);
        return rc;
    }
    /* copy allocates one spare slot, which the new column takes */
    seg_schema *c = seg_schema_copy(s);
    c->fields[c->nfields++] = nf;
    *out = c;
    return TN_OK;
}

void seg_schema_free(seg_schema *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nfields; i++)
        seg_field_clear(&s->fields[i]);
    free(s->fields);
    free(s->name);
    free(s);
}

int seg_schema_find(const seg_schema *s, const char *name)
{
    for (uint32_t i = 0; i < s->nfields; i++)
        if (strcasecmp(s->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}
