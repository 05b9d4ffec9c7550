/*
 * srv_expr_int.h: the expression tree and the function table, shared by
 * srv_expr.c (parse, evaluate) and srv_expr_func.c (the functions).
 */
#ifndef SRV_EXPR_INT_H
#define SRV_EXPR_INT_H

#include "srv_expr.h"

typedef int (*srv_fn)(const srv_val *args, uint32_t n, srv_arena *a, srv_val *out,
                      char *err);

typedef struct srv_func {
    const char *name;      /* lower case, no underscores (Pinot's canonical form) */
    uint8_t min_args, max_args;
    srv_fn fn;
} srv_func;

/* name as written; NULL when unknown. */
const srv_func *srv_func_find(const char *name);

typedef enum srv_ekind {
    EX_LIT, EX_COL, EX_CALL, EX_NEG, EX_NOT, EX_AND, EX_OR,
    EX_CMP, EX_ARITH, EX_IN, EX_ISNULL, EX_BETWEEN
} srv_ekind;

enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct srv_expr {
    srv_ekind kind;
    int op;                  /* CMP_* or '+', '-', '*', '/', '%' */
    bool negated;            /* NOT IN, IS NOT NULL, NOT BETWEEN */
    srv_val lit;             /* EX_LIT; strings point into text */
    char *text;              /* literal string bytes or column name */
    int field;               /* EX_COL: schema field, -1 when not in the schema */
    const srv_func *fn;      /* EX_CALL */
    srv_expr **args;
    uint32_t nargs;
};

/* Shared value helpers. */
static inline srv_val srv_long(int64_t i) { return (srv_val){.kind = SV_LONG, .i = i}; }
static inline srv_val srv_double(double d) { return (srv_val){.kind = SV_DOUBLE, .d = d}; }
static inline srv_val srv_string(const char *s, uint32_t len)
{
    return (srv_val){.kind = SV_STRING, .s = s, .len = len};
}
/* Compares a and b: <0, 0, >0; TN_ENOTFOUND when either is NULL. */
int srv_val_cmp(const srv_val *a, const srv_val *b, srv_arena *ar, int *out);
/* a op b for op in + - * / %: integers stay exact unless they overflow. */
int srv_val_arith(int op, const srv_val *a, const srv_val *b, srv_val *out, char *err);

#endif
