/*
 * seg_schema.h: table schemas in Apache Pinot's schema JSON format, typed
 * values, and Pinot's default null values.
 *
 * A schema is immutable once built; schema evolution (adding a column)
 * makes a new schema with seg_schema_add_field, and segments built under the
 * old one answer the new column with its default value (see seg_column.h).
 */
#ifndef SEG_SCHEMA_H
#define SEG_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "tn_common.h"

typedef enum seg_type {
    SEG_INT = 0,
    SEG_LONG,
    SEG_FLOAT,
    SEG_DOUBLE,
    SEG_BOOLEAN,   /* stored as INT 0/1, as Pinot does */
    SEG_TIMESTAMP, /* epoch milliseconds, stored as LONG */
    SEG_STRING,
    SEG_BYTES,
    SEG_TYPE_COUNT
} seg_type;

/* Storage class of a type: what a seg_value holds. */
typedef enum seg_phys {
    SEG_PHYS_I32, /* INT, BOOLEAN: value.i */
    SEG_PHYS_I64, /* LONG, TIMESTAMP: value.i */
    SEG_PHYS_F32, /* FLOAT: value.d */
    SEG_PHYS_F64, /* DOUBLE: value.d */
    SEG_PHYS_STR  /* STRING, BYTES: value.s (bytes, not NUL-terminated) */
} seg_phys;

typedef enum seg_role {
    SEG_DIMENSION = 0,
    SEG_METRIC,
    SEG_DATETIME
} seg_role;

/* One scalar value. Strings point at storage owned by whoever produced the
 * value (a segment, a row, a schema); they are not NUL-terminated. */
typedef struct seg_value {
    union {
        int64_t i;
        double d;
        struct {
            const char *p;
            uint32_t len;
        } s;
    };
} seg_value;

/* Time unit of an epoch datetime format, in milliseconds per unit
 * (0 when the format is not an epoch number, e.g. SIMPLE_DATE_FORMAT). */
typedef struct seg_time_format {
    int64_t unit_ms;  /* ms per unit times the format's size, e.g. 86400000 */
    char *pattern;    /* SIMPLE_DATE_FORMAT pattern, or NULL */
} seg_time_format;

typedef struct seg_field {
    char *name;
    seg_type type;
    seg_role role;
    bool single_value;
    seg_value default_null;   /* owns default_null.s.p for strings */
    char *format;             /* dateTime format text, or NULL */
    char *granularity;        /* dateTime granularity text, or NULL */
    seg_time_format time;     /* parsed format (dateTime fields) */
} seg_field;

typedef struct seg_schema {
    char *name;
    uint32_t nfields;
    seg_field *fields;
} seg_schema;

/* Type names as Pinot spells them ("INT", "STRING", ...). */
const char *seg_type_name(seg_type t);
int seg_type_parse(const char *name, seg_type *out);
seg_phys seg_type_phys(seg_type t);
/* Bytes a fixed-width type takes in a raw array (4 or 8), 0 for strings. */
uint32_t seg_type_width(seg_type t);

/* Parses Pinot schema JSON text. On failure returns a TN_E* code and puts
 * the reason (with the JSON byte offset or the field name) in err. */
int seg_schema_parse(const char *json, size_t len, seg_schema **out, char *err);
int seg_schema_load_file(const char *path, seg_schema **out, char *err);
/* Renders the schema as Pinot schema JSON (heap string, caller frees). */
char *seg_schema_to_json(const seg_schema *s);

seg_schema *seg_schema_copy(const seg_schema *s);
/* Returns a new schema equal to s plus field f (copied). TN_EEXIST when a
 * column of that name exists already. */
int seg_schema_add_field(const seg_schema *s, const seg_field *f,
                         seg_schema **out, char *err);
void seg_schema_free(seg_schema *s);

/* Case-insensitive lookup, as Pinot resolves identifiers; -1 if absent. */
int seg_schema_find(const seg_schema *s, const char *name);

/* Pinot's default null value for a type and role. */
seg_value seg_default_null(seg_type t, seg_role role);

/* Compares two values of one type: <0, 0, >0. Strings compare as unsigned
 * bytes (Java's String.compareTo agrees for ASCII). NaN sorts last. */
int seg_value_cmp(seg_type t, seg_value a, seg_value b);

/* Converts a time value of a datetime field to epoch ms; false when the
 * field's format is not an epoch or TIMESTAMP format. */
bool seg_field_time_ms(const seg_field *f, seg_value v, int64_t *ms);

/* Parses the text form of a value of a non-string type the way Pinot
 * converts strings: trimmed integers (INT range-checked); decimals and
 * NaN, Infinity, -Infinity for FLOAT/DOUBLE; true/false (any case), 1, 0
 * for BOOLEAN; for TIMESTAMP epoch ms or an ISO-8601/SQL timestamp
 * ("2014-01-01T00:00:00Z", "2014-01-01 00:00:00.123"; UTC unless a zone is
 * given). Returns TN_EINVAL, without a message, when the text does not
 * convert or t is STRING/BYTES. */
int seg_value_parse(seg_type t, const char *s, size_t len, seg_value *out);
/* Decodes len hex digits (Pinot's text form of BYTES) into len / 2 bytes
 * at out; TN_EINVAL on an odd length or a non-hex digit. */
int seg_hex_decode(const char *s, size_t len, uint8_t *out);
/* Parses JSON text of len bytes (no NUL needed) that must hold exactly one
 * object. *out is the cJSON tree (void * keeps cJSON out of this header;
 * free with cJSON_Delete). TN_EINVAL with "malformed JSON at byte N",
 * "expected a JSON object, got array", ... in err otherwise. */
int seg_json_parse_object(const char *text, size_t len, void **out, char *err);
/* A short rendering of a cJSON value (json) for error messages, cut with
 * "..." to fit n bytes; returns buf. */
const char *seg_json_brief(const void *json, char *buf, size_t n);

#endif
