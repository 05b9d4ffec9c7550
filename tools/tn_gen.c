/*
 * tn_gen.c: the page-view generator. Skew comes from raising a uniform
 * variate to a power, which puts most mass on low indexes the way real
 * country, referrer and user distributions do, at a fraction of the cost of
 * an exact Zipf sampler.
 */
#include "tn_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_COUNTRY 200
#define N_REFERRER 2000
#define N_CAMPAIGN 300
#define N_PAGE 50
#define N_OPEN_SESSIONS 4096

static const char *const devices[] = {"mobile", "desktop", "tablet", "tv", "console"};
static const char *const oses[] = {"android", "ios", "windows", "macos", "linux", "tvos"};
static const char *const browsers[] = {"chrome", "safari", "firefox", "edge", "samsung", "app"};
static const char *const actions[] = {"bounce", "click_video", "search", "scroll",
                                      "login", "signup", "share", "play_trailer"};
static const char *const real_countries[] = {"US", "GB", "DE", "FR", "IN", "BR", "JP",
                                             "CA", "ES", "IT", "MX", "AU", "NL", "SE", "PL"};

/* Page views belong to sessions: a pool of open sessions, each event
 * continuing one of them or (a quarter of the time) starting a new one for
 * a user drawn from a skewed distribution over three million users. */
typedef struct gen_session {
    int64_t id;
    int64_t user;
} gen_session;

struct tn_gen {
    uint64_t s;
    int64_t ts;
    int64_t next_session;
    gen_session open[N_OPEN_SESSIONS];
    char country[N_COUNTRY][8];
    char referrer[N_REFERRER][24];
    char campaign[N_CAMPAIGN][16];
    char page[N_PAGE][24];
};

static const char schema_json[] =
    "{\"schemaName\":\"pageviews\","
    "\"dimensionFieldSpecs\":["
    "{\"name\":\"session_id\",\"dataType\":\"LONG\"},"
    "{\"name\":\"user_id\",\"dataType\":\"LONG\"},"
    "{\"name\":\"country\",\"dataType\":\"STRING\"},"
    "{\"name\":\"device\",\"dataType\":\"STRING\"},"
    "{\"name\":\"os\",\"dataType\":\"STRING\"},"
    "{\"name\":\"browser\",\"dataType\":\"STRING\"},"
    "{\"name\":\"referrer_domain\",\"dataType\":\"STRING\"},"
    "{\"name\":\"campaign\",\"dataType\":\"STRING\"},"
    "{\"name\":\"landing_page\",\"dataType\":\"STRING\"},"
    "{\"name\":\"action\",\"dataType\":\"STRING\"},"
    "{\"name\":\"bounced\",\"dataType\":\"INT\"},"
    "{\"name\":\"ab_bucket\",\"dataType\":\"INT\"}],"
    "\"metricFieldSpecs\":["
    "{\"name\":\"time_on_page_ms\",\"dataType\":\"LONG\"},"
    "{\"name\":\"videos_watched\",\"dataType\":\"INT\"}],"
    "\"dateTimeFieldSpecs\":["
    "{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\",\"format\":\"1:MILLISECONDS:EPOCH\","
    "\"granularity\":\"1:MILLISECONDS\"}]}";

int tn_gen_pageview_schema(seg_schema **out, char *err)
{
    return seg_schema_parse(schema_json, strlen(schema_json), out, err);
}

tn_gen *tn_gen_new(uint64_t seed, int64_t start_ms)
{
    tn_gen *g = tn_calloc(1, sizeof *g);
    g->s = seed * 0x9e3779b97f4a7c15ull + 1;
    g->ts = start_ms;
    g->next_session = (int64_t)(seed % 1000) * 1000000000LL;
    for (int i = 0; i < N_COUNTRY; i++)
        if (i < (int)TN_ARRAY_LEN(real_countries))
            snprintf(g->country[i], sizeof g->country[i], "%s", real_countries[i]);
        else
            snprintf(g->country[i], sizeof g->country[i], "X%03d", i);
    for (int i = 0; i < N_REFERRER; i++)
        snprintf(g->referrer[i], sizeof g->referrer[i], "ref%04d.example", i);
    snprintf(g->campaign[0], sizeof g->campaign[0], "none");
    for (int i = 1; i < N_CAMPAIGN; i++)
        snprintf(g->campaign[i], sizeof g->campaign[i], "cmp%03d", i);
    for (int i = 0; i < N_PAGE; i++)
        snprintf(g->page[i], sizeof g->page[i], i ? "/video/%d" : "/", i);
    return g;
}

void tn_gen_free(tn_gen *g) { free(g); }

static uint64_t next(tn_gen *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit(tn_gen *g) { return (next(g) >> 11) * (1.0 / 9007199254740992.0); }

/* Skewed index in [0, n): low indexes are far more likely. */
static uint32_t skewed(tn_gen *g, uint32_t n, double power)
{
    uint32_t i = (uint32_t)(n * pow(unit(g), power));
    return i < n ? i : n - 1;
}

static seg_value str(const char *s)
{
    seg_value v;
    v.s.p = s;
    v.s.len = (uint32_t)strlen(s);
    return v;
}

static seg_value num(int64_t i)
{
    seg_value v;
    v.i = i;
    return v;
}

static gen_session *pick_session(tn_gen *g)
{
    gen_session *ss = &g->open[next(g) % N_OPEN_SESSIONS];
    if (ss->id == 0 || unit(g) < 0.25) {
        ss->id = ++g->next_session;
        ss->user = skewed(g, 3000000, 3.0);
    }
    return ss;
}

void tn_gen_pageview(tn_gen *g, seg_row *row)
{
    seg_row_reset(row);
    const gen_session *ss = pick_session(g);
    g->ts += (int64_t)(next(g) % 3); /* a few events per millisecond */
    uint32_t campaign = unit(g) < 0.5 ? 0 : 1 + skewed(g, N_CAMPAIGN - 1, 2.0);
    uint32_t device = skewed(g, TN_ARRAY_LEN(devices), 1.5);
    /* bounce rate varies by campaign and device so dashboards show a shape */
    double p_bounce = 0.3 + 0.2 * (campaign % 3) / 2.0 + 0.05 * device;
    int bounced = unit(g) < p_bounce;
    seg_value v[15];
    v[0] = num(ss->id);
    v[1] = num(ss->user);
    v[2] = str(g->country[skewed(g, N_COUNTRY, 3.0)]);
    v[3] = str(devices[device]);
    v[4] = str(oses[skewed(g, TN_ARRAY_LEN(oses), 1.5)]);
    v[5] = str(browsers[skewed(g, TN_ARRAY_LEN(browsers), 1.5)]);
    v[6] = str(g->referrer[skewed(g, N_REFERRER, 3.0)]);
    v[7] = str(g->campaign[campaign]);
    v[8] = str(g->page[skewed(g, N_PAGE, 2.0)]);
    v[9] = str(bounced ? "bounce" : actions[1 + next(g) % (TN_ARRAY_LEN(actions) - 1)]);
    v[10] = num(bounced);
    v[11] = num((int64_t)(next(g) % 4));
    v[12] = num(bounced ? (int64_t)(next(g) % 8000) : (int64_t)(next(g) % 600000));
    v[13] = num(bounced ? 0 : (int64_t)skewed(g, 12, 2.0));
    v[14] = num(g->ts);
    for (uint32_t i = 0; i < row->ncells && i < 15; i++)
        seg_row_set(row, i, v[i]);
}

size_t tn_gen_row_json(const seg_row *row, char *buf, size_t cap)
{
    size_t n = 0;
    n += (size_t)snprintf(buf + n, cap - n, "{");
    for (uint32_t i = 0; i < row->ncells && n < cap; i++) {
        const seg_field *f = &row->schema->fields[i];
        const seg_cell *c = &row->cells[i];
        const char *sep = i ? "," : "";
        if (seg_type_phys(f->type) == SEG_PHYS_STR)
            n += (size_t)snprintf(buf + n, cap - n, "%s\"%s\":\"%.*s\"", sep, f->name,
                                  (int)c->v.s.len, c->v.s.p);
        else
            n += (size_t)snprintf(buf + n, cap - n, "%s\"%s\":%lld", sep, f->name,
                                  (long long)c->v.i);
    }
    if (n < cap)
        n += (size_t)snprintf(buf + n, cap - n, "}");
    return n < cap ? n : cap;
}
