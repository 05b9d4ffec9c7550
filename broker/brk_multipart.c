/*
 * brk_multipart.c: splits multipart/form-data bodies into parts without
 * copying their data (an uploaded data file can be hundreds of MB).
 */
#include "brk_multipart.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 200 /* RFC 2046: at most 70 characters; be lenient */

bool brk_multipart_is(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return strncasecmp(ct, "multipart/form-data", 19) == 0;
}

/* Finds parameter key in a header value of the form `type; k=v; k="v"`
 * and copies its (unquoted) value into a heap string; NULL when absent. */
static char *header_param(const char *value, size_t vlen, const char *key)
{
    size_t klen = strlen(key);
    const char *p = value, *end = value + vlen;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (!semi)
            return NULL;
        p = semi + 1;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if ((size_t)(end - p) <= klen || strncasecmp(p, key, klen) != 0 || p[klen] != '=')
            continue;
        p += klen + 1;
        if (p < end && *p == '"') {
            tn_buf b = {0};
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\' && p + 1 < end)
                    p++;
                tn_buf_append(&b, p, 1);
            }
            tn_buf_append(&b, "", 1);
            return (char *)b.data;
        }
        const char *v = p;
        while (p < end && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        return tn_strndup(v, (size_t)(p - v));
    }
    return NULL;
}

static int get_boundary(const char *ct, char *out, size_t cap, char *err)
{
    if (!brk_multipart_is(ct))
        return tn_err(err, TN_EINVAL, "Content-Type is not multipart/form-data");
    char *b = header_param(ct, strlen(ct), "boundary");
    if (!b || !*b || strlen(b) >= cap) {
        free(b);
        return tn_err(err, TN_EINVAL, "multipart Content-Type without a valid boundary parameter");
    }
    strcpy(out, b);
    free(b);
    return TN_OK;
}

/* Reads the part headers in [p, end) (ending before the blank line). */
static int parse_part_headers(const char *p, const char *end, brk_part *part, size_t at,
                              char *err)
{
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t n = (size_t)(line_end - p);
        if (n && p[n - 1] == '\r')
            n--;
        const char *colon = memchr(p, ':', n);
        if (n && !colon)
            return tn_err(err, TN_EINVAL, "multipart part header without ':' at byte %zu", at);
        if (colon) {
            size_t hlen = (size_t)(colon - p);
            const char *v = colon + 1;
            size_t vlen = n - hlen - 1;
            while (vlen && (*v == ' ' || *v == '\t'))
                v++, vlen--;
            if (hlen == 19 && !strncasecmp(p, "Content-Disposition", 19)) {
                free(part->name);
                free(part->filename);
                part->name = header_param(v, vlen, "name");
                part->filename = header_param(v, vlen, "filename");
            } else if (hlen == 12 && !strncasecmp(p, "Content-Type", 12)) {
                free(part->content_type);
                part->content_type = tn_strndup(v, vlen);
            }
        }
        if (!eol)
            break;
        at += (size_t)(eol + 1 - p);
        p = eol + 1;
    }
    if (!part->name)
        part->name = tn_strdup("");
    return TN_OK;
}

/* After a delimiter line "--boundary": "--" ends the body, else the line
 * must end (optional spaces, CRLF or LF). Returns the next part's start,
 * or NULL at the final delimiter; *bad set when neither. */
static const uint8_t *after_delimiter(const uint8_t *p, const uint8_t *end, bool *bad)
{
    *bad = false;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
        return NULL;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p == '\r')
        p++;
    if (p < end && *p == '\n')
        return p + 1;
    *bad = true;
    return NULL;
}

/* Parses one part starting at p (its headers); fills part and returns the
 * position just after the delimiter that ends it, in *next. */
static int parse_part(const uint8_t *body, const uint8_t *p, const uint8_t *end,
                      const char *delim, size_t dlen, brk_part *part, const uint8_t **next,
                      char *err)
{
    size_t at = (size_t)(p - body);
    const uint8_t *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
    size_t sep = 4;
    const uint8_t *lf = memmem(p, (size_t)(end - p), "\n\n", 2);
    if (lf && (!hdr_end || lf < hdr_end))
        hdr_end = lf, sep = 2;
    if (!hdr_end)
        return tn_err(err, TN_EINVAL, "multipart part at byte %zu: headers do not end", at);
    int rc = parse_part_headers((const char *)p, (const char *)hdr_end, part, at, err);
    if (rc)
        return rc;
    const uint8_t *data = hdr_end + sep;
    /* The data ends at a line end followed by "--boundary"; searching
     * from the header separator's own '\n' finds an empty part too. */
    const uint8_t *nl = memmem(data - 1, (size_t)(end - data + 1), delim - 1, dlen + 1);
    if (!nl)
        return tn_err(err, TN_EINVAL,
                      "multipart part at byte %zu has no closing boundary (truncated body?)", at);
    const uint8_t *data_end = nl < data ? data : nl;
    if (data_end > data && data_end[-1] == '\r')
        data_end--;
    part->data = data;
    part->len = (size_t)(data_end - data);
    *next = nl + 1 + dlen;
    return TN_OK;
}

int brk_multipart_parse(const char *content_type, const uint8_t *body, size_t len,
                        brk_part **parts_out, uint32_t *nparts_out, char *err)
{
    *parts_out = NULL;
    *nparts_out = 0;
    /* dbuf = "\n--boundary"; delim points past the '\n' */
    char boundary[BOUNDARY_MAX], dbuf[BOUNDARY_MAX + 4];
    int rc = get_boundary(content_type, boundary, sizeof boundary, err);
    if (rc)
        return rc;
    size_t dlen = (size_t)snprintf(dbuf, sizeof dbuf, "\n--%s", boundary) - 1;
    const char *delim = dbuf + 1;
    const uint8_t *end = body + len;
    const uint8_t *p = len ? memmem(body, len, delim, dlen) : NULL;
    if (!p)
        return tn_err(err, TN_EINVAL, "multipart body does not contain its boundary \"%s\"",
                      boundary);
    brk_part *parts = NULL;
    uint32_t n = 0, cap = 0;
    bool bad;
    p = after_delimiter(p + dlen, end, &bad);
    while (p && !rc) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            parts = tn_realloc(parts, cap * sizeof *parts);
        }
        memset(&parts[n], 0, sizeof parts[n]);
        const uint8_t *next = NULL;
        rc = parse_part(body, p, end, delim, dlen, &parts[n], &next, err);
        n++;
        if (!rc) {
            p = after_delimiter(next, end, &bad);
            if (bad)
                rc = tn_err(err, TN_EINVAL, "multipart boundary at byte %zu is not followed "
                            "by a line end or \"--\"", (size_t)(next - body));
        }
    }
    if (!rc && bad)
        rc = tn_err(err, TN_EINVAL, "multipart: the first boundary is not followed by a line end");
    if (rc) {
        brk_multipart_free(parts, n);
        return rc;
    }
    *parts_out = parts;
    *nparts_out = n;
    return TN_OK;
}

void brk_multipart_free(brk_part *parts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        free(parts[i].name);
        free(parts[i].filename);
        free(parts[i].content_type);
    }
    free(parts);
}

const brk_part *brk_multipart_find(const brk_part *parts, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(parts[i].name, name))
            return &parts[i];
    return NULL;
}
