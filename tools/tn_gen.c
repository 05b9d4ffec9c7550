/*
 * tn_gen.c: the page-view and ad-event generators and the JSON rendering
 * of their rows. Skew comes from raising a uniform variate to a power,
 * which puts most mass on low indexes the way real country, referrer, box
 * and channel distributions do, at a fraction of the cost of an exact Zipf
 * sampler. One splitmix64 stream drives everything, so a seed and a start
 * time fix the output.
 */
#include "tn_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn_demo.h"

#define N_COUNTRY 200
#define N_REFERRER 2000
#define N_CAMPAIGN 300
#define N_PAGE 50
#define N_OPEN_SESSIONS 4096

#define N_BOX 300000
#define BOX_ID_BASE 1000000
#define BOX_ID_STRIDE 7919 /* prime, coprime to N_BOX: a permutation of the ids */
#define N_CHANNEL 400
#define ADS_PER_AGG 1000
/* Follow-ups pending at once: about 15,000 at 1,000 requests per generated
 * second; past the bound the earliest comes out early rather than growing. */
#define MAX_PENDING (1 << 16)

static const char *const devices[] = {"mobile", "desktop", "tablet", "tv", "console"};
static const char *const oses[] = {"android", "ios", "windows", "macos", "linux", "tvos"};
static const char *const browsers[] = {"chrome", "safari", "firefox", "edge", "samsung", "app"};
static const char *const actions[] = {"bounce", "click_video", "search", "scroll",
                                      "login", "signup", "share", "play_trailer"};
static const char *const real_countries[] = {"US", "GB", "DE", "FR", "IN", "BR", "JP",
                                             "CA", "ES", "IT", "MX", "AU", "NL", "SE", "PL"};

/* Bounce-rate change by hour of day (UTC): casual visits at night and in
 * the morning bounce more than prime-time ones, so drop-off over time has
 * a daily shape. */
static const double bounce_by_hour[24] = {
    0.06, 0.07, 0.08, 0.08, 0.07, 0.06, 0.04, 0.02, 0.02, 0.01, 0.00, 0.00,
    0.00, -0.01, -0.01, -0.02, -0.02, -0.04, -0.06, -0.07, -0.08, -0.07, -0.04, 0.02};

static const char *const regions[] = {"north", "south", "east", "west", "central",
                                      "northeast", "northwest", "southeast", "southwest",
                                      "metro"};

/* Ad aggregators differ in every rate, so per-aggregator dashboards show a
 * ranking: share of requests, fill rate, click-through rate, completion
 * rate of impressions, CPM and CPC in USD. */
typedef struct gen_aggregator {
    const char *name;
    double share, fill, ctr, completion, cpm, cpc;
} gen_aggregator;

static const gen_aggregator aggregators[] = {
    {"adnexa", 0.28, 0.93, 0.012, 0.82, 11.0, 0.35},
    {"brightreel", 0.24, 0.78, 0.024, 0.71, 16.5, 0.45},
    {"castmint", 0.20, 0.64, 0.009, 0.88, 8.0, 0.25},
    {"duoserve", 0.16, 0.86, 0.035, 0.58, 21.0, 0.60},
    {"everad", 0.12, 0.47, 0.018, 0.66, 5.5, 0.20},
};
#define N_AGG ((int)TN_ARRAY_LEN(aggregators))
#define N_AD (N_AGG * ADS_PER_AGG)

enum { EV_REQUEST, EV_IMPRESSION, EV_CLICK, EV_COMPLETE, EV_SKIP };
static const char *const event_types[] = {"request", "impression", "click", "complete",
                                          "skip"};

/* Columns, in the order of the name tables below; rows are filled by name
 * so the schema files may order their columns as they like. */
enum { PV_SESSION, PV_USER, PV_COUNTRY, PV_DEVICE, PV_OS, PV_BROWSER, PV_REFERRER,
       PV_CAMPAIGN, PV_PAGE, PV_ACTION, PV_BOUNCED, PV_AB, PV_TIME_ON_PAGE, PV_VIDEOS,
       PV_TS, PV_NCOLS };
static const char *const pv_cols[PV_NCOLS] = {
    "session_id", "user_id", "country", "device", "os", "browser", "referrer_domain",
    "campaign", "landing_page", "action", "bounced", "ab_bucket", "time_on_page_ms",
    "videos_watched", "ts"};
enum { AD_BOX, AD_CHANNEL, AD_LAST_CHANNEL, AD_AD, AD_LAST_AD, AD_AGG, AD_EVENT, AD_REGION,
       AD_WATCH, AD_REVENUE, AD_TS, AD_NCOLS };
static const char *const ad_cols[AD_NCOLS] = {
    "box_id", "channel", "last_channel", "ad_id", "last_ad_id", "aggregator", "event_type",
    "region", "watch_ms", "revenue_micros", "ts"};

/* Page views belong to sessions: a pool of open sessions, each event
 * continuing one of them or (a quarter of the time) starting a new one for
 * a user drawn from a skewed distribution over three million users. */
typedef struct gen_session {
    int64_t id;
    int64_t user;
} gen_session;

/* A set-top box: the channel it shows, the one before, the last ad shown
 * (channels 1..N_CHANNEL and ads 1..N_AD; 0 = none yet). */
typedef struct gen_box {
    uint16_t channel, last_channel, last_ad;
    uint8_t region;
    uint8_t zap; /* the viewer skipped an ad and will switch channel */
} gen_box;

/* An ad event due later (impression, click, complete, skip). */
typedef struct gen_pending {
    int64_t ts;
    uint64_t seq; /* ties in ts come out in creation order */
    int32_t box;
    uint16_t channel, last_channel, ad, last_ad;
    uint8_t type, agg, region;
    int32_t watch_ms, revenue;
} gen_pending;

/* Schema field index of each generated column, for the schema last seen. */
typedef struct gen_map {
    const seg_schema *schema;
    uint32_t nfields;
    int idx[PV_NCOLS]; /* the larger of PV_NCOLS, AD_NCOLS (checked below) */
} gen_map;
_Static_assert((int)PV_NCOLS >= (int)AD_NCOLS, "gen_map.idx holds every column");

struct tn_gen {
    uint64_t s;
    int64_t ts;
    int64_t next_session;
    gen_map pv_map, ad_map;
    gen_session open[N_OPEN_SESSIONS];
    char country[N_COUNTRY][8];
    char referrer[N_REFERRER][24];
    char campaign[N_CAMPAIGN][16];
    char page[N_PAGE][24];
    /* ad events (allocated at the first one) */
    gen_box *boxes;
    gen_pending *heap;
    uint32_t nheap, heap_cap;
    uint64_t seq;
    char channel[N_CHANNEL + 1][8]; /* [0] = "none" */
    char ad[N_AD + 1][8];
};

/* ---- schemas and kinds ---------------------------------------------- */

static int demo_schema(const char *file, seg_schema **out, char *err)
{
    size_t len;
    const char *json = tn_demo_file(file, &len);
    if (!json)
        return tn_err(err, TN_ENOTFOUND, "demo file %s is not embedded", file);
    return seg_schema_parse(json, len, out, err);
}

int tn_gen_pageview_schema(seg_schema **out, char *err)
{
    return demo_schema("pageviews_schema.json", out, err);
}

int tn_gen_adevent_schema(seg_schema **out, char *err)
{
    return demo_schema("ad_events_schema.json", out, err);
}

int tn_gen_kind_parse(const char *name, tn_gen_kind *out)
{
    if (!strcmp(name, "pageviews"))
        *out = TN_GEN_PAGEVIEWS;
    else if (!strcmp(name, "ad-events") || !strcmp(name, "ad_events"))
        *out = TN_GEN_AD_EVENTS;
    else
        return TN_EINVAL;
    return TN_OK;
}

const char *tn_gen_kind_table(tn_gen_kind k)
{
    return k == TN_GEN_AD_EVENTS ? "ad_events" : "pageviews";
}

int tn_gen_schema(tn_gen_kind k, seg_schema **out, char *err)
{
    return k == TN_GEN_AD_EVENTS ? tn_gen_adevent_schema(out, err)
                                 : tn_gen_pageview_schema(out, err);
}

/* ---- the generator -------------------------------------------------- */

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
    snprintf(g->channel[0], sizeof g->channel[0], "none");
    for (int i = 1; i <= N_CHANNEL; i++)
        snprintf(g->channel[i], sizeof g->channel[i], "ch%03d", i);
    snprintf(g->ad[0], sizeof g->ad[0], "none");
    for (int i = 1; i <= N_AD; i++)
        snprintf(g->ad[i], sizeof g->ad[i], "ad%04d", i - 1);
    return g;
}

void tn_gen_free(tn_gen *g)
{
    if (!g)
        return;
    free(g->boxes);
    free(g->heap);
    free(g);
}

void tn_gen_set_clock(tn_gen *g, int64_t now_ms) { g->ts = now_ms; }

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

/* The field indexes of names[] in row's schema (-1 where absent), looked
 * up again only when the row's schema changes. */
static const gen_map *map_columns(gen_map *m, const seg_row *row, const char *const *names,
                                  int n)
{
    if (m->schema != row->schema || m->nfields != row->ncells) {
        m->schema = row->schema;
        m->nfields = row->ncells;
        for (int i = 0; i < n; i++)
            m->idx[i] = seg_schema_find(row->schema, names[i]);
    }
    return m;
}

static void put(seg_row *row, const gen_map *m, int col, seg_value v)
{
    if (m->idx[col] >= 0)
        seg_row_set(row, (uint32_t)m->idx[col], v);
}

/* ---- page views ----------------------------------------------------- */

static gen_session *pick_session(tn_gen *g)
{
    gen_session *ss = &g->open[next(g) % N_OPEN_SESSIONS];
    if (ss->id == 0 || unit(g) < 0.25) {
        ss->id = ++g->next_session;
        ss->user = skewed(g, 3000000, 3.0);
    }
    return ss;
}

static int hour_of_day(int64_t ts_ms)
{
    int64_t h = (ts_ms / 3600000) % 24;
    return (int)(h < 0 ? h + 24 : h);
}

void tn_gen_pageview(tn_gen *g, seg_row *row)
{
    const gen_map *m = map_columns(&g->pv_map, row, pv_cols, PV_NCOLS);
    seg_row_reset(row);
    const gen_session *ss = pick_session(g);
    g->ts += (int64_t)(next(g) % 3); /* a few events per millisecond */
    uint32_t campaign = unit(g) < 0.5 ? 0 : 1 + skewed(g, N_CAMPAIGN - 1, 2.0);
    uint32_t device = skewed(g, TN_ARRAY_LEN(devices), 1.5);
    /* bounce rate varies by campaign, device and hour so dashboards show a shape */
    double p_bounce = 0.28 + 0.2 * (campaign % 3) / 2.0 + 0.05 * device +
                      bounce_by_hour[hour_of_day(g->ts)];
    int bounced = unit(g) < p_bounce;
    put(row, m, PV_SESSION, num(ss->id));
    put(row, m, PV_USER, num(ss->user));
    put(row, m, PV_COUNTRY, str(g->country[skewed(g, N_COUNTRY, 3.0)]));
    put(row, m, PV_DEVICE, str(devices[device]));
    put(row, m, PV_OS, str(oses[skewed(g, TN_ARRAY_LEN(oses), 1.5)]));
    put(row, m, PV_BROWSER, str(browsers[skewed(g, TN_ARRAY_LEN(browsers), 1.5)]));
    put(row, m, PV_REFERRER, str(g->referrer[skewed(g, N_REFERRER, 3.0)]));
    put(row, m, PV_CAMPAIGN, str(g->campaign[campaign]));
    put(row, m, PV_PAGE, str(g->page[skewed(g, N_PAGE, 2.0)]));
    put(row, m, PV_ACTION,
        str(bounced ? "bounce" : actions[1 + next(g) % (TN_ARRAY_LEN(actions) - 1)]));
    put(row, m, PV_BOUNCED, num(bounced));
    put(row, m, PV_AB, num((int64_t)(next(g) % 4)));
    put(row, m, PV_TIME_ON_PAGE,
        num(bounced ? (int64_t)(next(g) % 8000) : (int64_t)(next(g) % 600000)));
    put(row, m, PV_VIDEOS, num(bounced ? 0 : (int64_t)skewed(g, 12, 2.0)));
    put(row, m, PV_TS, num(g->ts));
}

/* ---- ad events: the pending queue (a binary min-heap on ts, seq) ----- */

static bool pending_before(const gen_pending *a, const gen_pending *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static void heap_push(tn_gen *g, gen_pending p)
{
    if (g->nheap == g->heap_cap) {
        g->heap_cap = g->heap_cap ? g->heap_cap * 2 : 1024;
        g->heap = tn_realloc(g->heap, g->heap_cap * sizeof *g->heap);
    }
    p.seq = g->seq++;
    uint32_t i = g->nheap++;
    while (i > 0 && pending_before(&p, &g->heap[(i - 1) / 2])) {
        g->heap[i] = g->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    g->heap[i] = p;
}

static gen_pending heap_pop(tn_gen *g)
{
    gen_pending top = g->heap[0], last = g->heap[--g->nheap];
    uint32_t i = 0, n = g->nheap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && pending_before(&g->heap[c + 1], &g->heap[c]))
            c++;
        if (!pending_before(&g->heap[c], &last))
            break;
        g->heap[i] = g->heap[c];
        i = c;
    }
    if (n)
        g->heap[i] = last;
    return top;
}

/* ---- ad events: boxes and opportunities ------------------------------ */

static uint16_t pick_channel(tn_gen *g) { return (uint16_t)(1 + skewed(g, N_CHANNEL, 2.0)); }

static gen_box *box_state(tn_gen *g, int32_t b)
{
    gen_box *x = &g->boxes[b];
    if (!x->channel) { /* first seen: it was already watching something */
        x->channel = pick_channel(g);
        x->last_channel = pick_channel(g);
        if (x->last_channel == x->channel)
            x->last_channel = (uint16_t)(x->channel % N_CHANNEL + 1);
        x->region = (uint8_t)skewed(g, TN_ARRAY_LEN(regions), 1.3);
    }
    return x;
}

/* Viewers zap now and then, and more often right after skipping an ad. */
static void maybe_switch(tn_gen *g, gen_box *x)
{
    if (!x->zap && unit(g) >= 0.12)
        return;
    x->zap = 0;
    uint16_t to = pick_channel(g);
    if (to == x->channel)
        to = (uint16_t)(to % N_CHANNEL + 1);
    x->last_channel = x->channel;
    x->channel = to;
}

static int pick_aggregator(tn_gen *g)
{
    double u = unit(g);
    for (int a = 0; a < N_AGG - 1; a++) {
        if (u < aggregators[a].share)
            return a;
        u -= aggregators[a].share;
    }
    return N_AGG - 1;
}

/* Some ads hold viewers better than others: a fixed factor per ad. */
static double ad_quality(int ad)
{
    return 0.85 + 0.3 * (double)(tn_mix64((uint64_t)ad) % 1000) / 1000.0;
}

static int32_t ad_duration_ms(int ad) { return ad % 3 == 0 ? 30000 : 15000; }

/* The follow-ups of a filled request: impression, maybe a click, then
 * complete or skip, each at its own later time. */
static void schedule_ad(tn_gen *g, gen_pending p, gen_box *x)
{
    const gen_aggregator *a = &aggregators[p.agg];
    int ad = 1 + p.agg * ADS_PER_AGG + (int)skewed(g, ADS_PER_AGG, 2.0);
    p.ad = (uint16_t)ad;
    p.type = EV_IMPRESSION;
    p.ts += 80 + (int64_t)(next(g) % 400);
    p.revenue = (int32_t)(a->cpm * 1000.0 * (0.8 + 0.4 * unit(g))); /* CPM / 1000 in micros */
    heap_push(g, p);
    int64_t shown = p.ts;
    int32_t dur = ad_duration_ms(ad);
    bool completes = unit(g) < fmin(0.98, a->completion * ad_quality(ad));
    int32_t watched = completes ? dur : 1000 + (int32_t)((dur - 2000) * pow(unit(g), 2.0));
    if (unit(g) < a->ctr) {
        gen_pending c = p;
        c.type = EV_CLICK;
        c.ts = shown + 500 + (int64_t)(next(g) % (uint64_t)(watched - 500));
        c.revenue = (int32_t)(a->cpc * 1e6 * (0.8 + 0.4 * unit(g)));
        heap_push(g, c);
    }
    p.type = completes ? EV_COMPLETE : EV_SKIP;
    p.ts = shown + watched;
    p.watch_ms = watched;
    p.revenue = 0;
    heap_push(g, p);
    if (!completes && unit(g) < 0.3)
        x->zap = 1;
    x->last_ad = (uint16_t)ad;
}

/* A new ad opportunity on a box: its request, follow-ups queued. */
static gen_pending new_request(tn_gen *g)
{
    if (!g->boxes)
        g->boxes = tn_calloc(N_BOX, sizeof *g->boxes);
    /* heavy viewers: a tenth of the boxes make 40% of the requests */
    uint32_t pool = unit(g) < 0.4 ? N_BOX / 10 : N_BOX; /* apart: one draw at a time */
    int32_t b = (int32_t)(next(g) % pool);
    gen_box *x = box_state(g, b);
    maybe_switch(g, x);
    gen_pending p = {.ts = g->ts, .box = b, .channel = x->channel,
                     .last_channel = x->last_channel, .last_ad = x->last_ad,
                     .type = EV_REQUEST, .agg = (uint8_t)pick_aggregator(g),
                     .region = x->region};
    if (unit(g) < aggregators[p.agg].fill)
        schedule_ad(g, p, x);
    return p;
}

/* The next event in time order: a due follow-up, else a new request (the
 * clock then moves on); a full queue gives up its earliest event early. */
static gen_pending next_adevent(tn_gen *g)
{
    if (g->nheap && (g->heap[0].ts <= g->ts || g->nheap >= MAX_PENDING)) {
        gen_pending p = heap_pop(g);
        g->ts = TN_MAX(g->ts, p.ts);
        return p;
    }
    gen_pending p = new_request(g);
    g->ts += (int64_t)(next(g) % 3);
    return p;
}

void tn_gen_adevent(tn_gen *g, seg_row *row)
{
    const gen_map *m = map_columns(&g->ad_map, row, ad_cols, AD_NCOLS);
    seg_row_reset(row);
    gen_pending p = next_adevent(g);
    put(row, m, AD_BOX, num(BOX_ID_BASE + (int64_t)p.box * BOX_ID_STRIDE % N_BOX));
    put(row, m, AD_CHANNEL, str(g->channel[p.channel]));
    put(row, m, AD_LAST_CHANNEL, str(g->channel[p.last_channel]));
    put(row, m, AD_AD, str(g->ad[p.ad]));
    put(row, m, AD_LAST_AD, str(g->ad[p.last_ad]));
    put(row, m, AD_AGG, str(aggregators[p.agg].name));
    put(row, m, AD_EVENT, str(event_types[p.type]));
    put(row, m, AD_REGION, str(regions[p.region]));
    put(row, m, AD_WATCH, num(p.watch_ms));
    put(row, m, AD_REVENUE, num(p.revenue));
    put(row, m, AD_TS, num(p.ts));
}

void tn_gen_next(tn_gen *g, tn_gen_kind k, seg_row *row)
{
    if (k == TN_GEN_AD_EVENTS)
        tn_gen_adevent(g, row);
    else
        tn_gen_pageview(g, row);
}

int64_t tn_gen_row_key(const seg_row *row, tn_gen_kind k)
{
    int f = seg_schema_find(row->schema, k == TN_GEN_AD_EVENTS ? "box_id" : "session_id");
    return f >= 0 && !row->cells[f].is_null ? row->cells[f].v.i : 0;
}

/* ---- JSON ----------------------------------------------------------- */

/* A bounded writer: once something does not fit, ok turns false and the
 * rest is dropped. */
typedef struct json_out {
    char *p, *end;
    bool ok;
} json_out;

static void out_raw(json_out *o, const char *s, size_t n)
{
    if (!o->ok || (size_t)(o->end - o->p) < n) {
        o->ok = false;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

/* A JSON string: quotes, backslashes and control bytes escaped, runs of
 * plain bytes copied at once. */
static void out_str(json_out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    out_raw(o, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out_raw(o, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t len = 2;
        if (c == '\n') {
            esc[1] = 'n';
        } else if (c == '\t') {
            esc[1] = 't';
        } else if (c == '\r') {
            esc[1] = 'r';
        } else if (c < 0x20) {
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        out_raw(o, esc, len);
    }
    out_raw(o, s + run, n - run);
    out_raw(o, "\"", 1);
}

static void out_i64(json_out *o, int64_t v)
{
    char tmp[24], *q = tmp + sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--q = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--q = '-';
    out_raw(o, q, (size_t)(tmp + sizeof tmp - q));
}

static void out_value(json_out *o, const seg_field *f, seg_value v)
{
    char tmp[40];
    switch (seg_type_phys(f->type)) {
    case SEG_PHYS_STR:
        if (f->type == SEG_BYTES) { /* Pinot's text form of bytes: hex */
            out_raw(o, "\"", 1);
            for (uint32_t i = 0; i < v.s.len; i++) {
                snprintf(tmp, sizeof tmp, "%02x", (unsigned char)v.s.p[i]);
                out_raw(o, tmp, 2);
            }
            out_raw(o, "\"", 1);
        } else {
            out_str(o, v.s.p, v.s.len);
        }
        return;
    case SEG_PHYS_F32:
    case SEG_PHYS_F64:
        if (isfinite(v.d))
            out_raw(o, tmp, (size_t)snprintf(tmp, sizeof tmp, "%.17g", v.d));
        else
            out_raw(o, "null", 4);
        return;
    default:
        out_i64(o, v.i);
    }
}

static void out_cell(json_out *o, const seg_field *f, const seg_cell *c)
{
    if (c->is_null) {
        out_raw(o, "null", 4);
    } else if (f->single_value) {
        out_value(o, f, c->v);
    } else {
        out_raw(o, "[", 1);
        for (uint32_t k = 0; k < c->nvals; k++) {
            if (k)
                out_raw(o, ",", 1);
            out_value(o, f, c->mv[k]);
        }
        out_raw(o, "]", 1);
    }
}

size_t tn_gen_row_json(const seg_row *row, char *buf, size_t cap)
{
    json_out o = {buf, buf + cap, true};
    out_raw(&o, "{", 1);
    for (uint32_t i = 0; i < row->ncells; i++) {
        const seg_field *f = &row->schema->fields[i];
        if (i)
            out_raw(&o, ",", 1);
        out_str(&o, f->name, strlen(f->name));
        out_raw(&o, ":", 1);
        out_cell(&o, f, &row->cells[i]);
    }
    out_raw(&o, "}", 1);
    return o.ok ? (size_t)(o.p - buf) : 0;
}
