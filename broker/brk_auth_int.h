/*
 * brk_auth_int.h: what brk_auth's files share: the user snapshot, the
 * per-user counters that outlive snapshots, and the auth object itself.
 * brk_auth.c keeps the users (store, snapshots, JSON), brk_auth_cred.c
 * checks credentials (SCRAM verifiers, Basic, bearer tokens) and
 * brk_auth_limit.c counts (quotas, connections) and audits.
 */
#ifndef BRK_AUTH_INT_H
#define BRK_AUTH_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "brk_auth.h"
#include "seg_store.h"

/* One table's restrictions for one user. */
typedef struct brk_table_acl {
    char *table;                  /* raw name as configured */
    qry_access access;            /* row_filter: the user's filters ANDed; columns */
} brk_table_acl;

/* An immutable snapshot of one user; replaced whole on every change. */
struct brk_user {
    atomic_uint refs;
    char *name;
    char *component;              /* Pinot's component ("BROKER"), for the listing */
    brk_role role;
    bool can_read;                /* USER: READ among the permissions */
    bool all_tables;
    char **tables;                /* raw names (all_tables false) */
    uint32_t ntables;
    brk_table_acl *acls;
    uint32_t nacls;
    double qps;                   /* maxQueriesPerSecond; 0 = none */
    uint32_t max_conns;           /* 0 = the broker's default */
    brk_scram_verifier v;
    char *json;                   /* the public document (no secrets) */
};

/* A token bucket: up to rate queries in any second, refilled continuously. */
typedef struct brk_bucket {
    double rate, tokens;
    uint64_t last_ns;
} brk_bucket;

/* What is counted per user name, across snapshots. */
typedef struct brk_account {
    char *name;
    uint32_t conns;
    brk_bucket bucket;
    uint8_t pw_mac[32];           /* HMAC of the last password that verified */
    bool pw_cached;
    uint32_t fails;               /* wrong passwords in a row */
    uint64_t last_fail_ns;
} brk_account;

typedef struct brk_table_quota {
    char *table;
    brk_bucket bucket;
} brk_table_quota;

typedef struct brk_token {
    uint8_t hash[32];             /* SHA-256 of the token: the token itself is not kept */
    char *user;
    int64_t expires_ms;
} brk_token;

struct brk_auth {
    brk_auth_opts o;
    char *audit_path;
    seg_store *store;
    pthread_rwlock_t lock;        /* users */
    brk_user **users;
    uint32_t nusers;
    brk_user *open_admin;         /* what everyone is with auth off */
    uint8_t cache_key[32];        /* password cache MACs; random per process */
    uint8_t fake_key[32];         /* verifiers of unknown users */
    pthread_mutex_t count_lock;   /* accounts, table quotas, tokens */
    brk_account *accts;
    uint32_t naccts;
    brk_table_quota *quotas;
    uint32_t nquotas;
    brk_token *tokens;
    uint32_t ntokens;
    pthread_mutex_t audit_lock;
    int audit_fd;
    uint64_t audit_size;
    uint64_t audit_failures;
};

/* brk_auth.c */
/* The current snapshot of name, referenced (caller unrefs), or NULL. */
brk_user *brk_auth_find(brk_auth *a, const char *name);

/* brk_auth_cred.c */
/* A SCRAM-SHA-256 verifier for password with a fresh salt. */
int brk_scram_make(const char *password, uint32_t iterations, brk_scram_verifier *v, char *err);
/* PostgreSQL's text form "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>"
 * (base64), and back. */
char *brk_scram_format(const brk_scram_verifier *v);
bool brk_scram_parse(const char *text, brk_scram_verifier *v);
/* Forgets cached password checks and tokens of name (changed or gone). */
void brk_auth_forget(brk_auth *a, const char *name);
/* Random bytes from the kernel; false when there are none. */
bool brk_random(void *p, size_t n);

/* brk_auth_limit.c */
int brk_audit_open(brk_auth *a, char *err);
void brk_audit_close(brk_auth *a);
/* The account of name (created on first use); call with count_lock held. */
brk_account *brk_account_get(brk_auth *a, const char *name);
void brk_accounts_free(brk_auth *a);

#endif
