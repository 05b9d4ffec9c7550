/*
 * qry_func.c: the registry of scalar functions. Names match as Pinot's
 * FunctionRegistry canonicalizes them: case-insensitive, underscores
 * ignored, so DATE_TRUNC, dateTrunc and datetrunc are one function. Each
 * qry_func_<group>.c keeps its own table; this file only searches them.
 */
#include <ctype.h>
#include <string.h>

#include "qry_func_int.h"

static const qry_func_table *const func_tables[] = {
    &qry_func_math_table,
    &qry_func_string_table,
    &qry_func_misc_table,
    &qry_func_time_table,
    &qry_func_timefmt_table,
};

/* Lower case without underscores; false when too long to be a name. */
static bool func_canonical(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (; *name; name++) {
        if (*name == '_')
            continue;
        if (n + 1 >= cap)
            return false;
        out[n++] = (char)tolower((unsigned char)*name);
    }
    out[n] = '\0';
    return true;
}

const qry_func *qry_func_find(const char *name)
{
    char key[64];
    if (!name || !func_canonical(name, key, sizeof key))
        return NULL;
    for (size_t t = 0; t < TN_ARRAY_LEN(func_tables); t++) {
        const qry_func_table *tab = func_tables[t];
        for (size_t i = 0; i < tab->count; i++) {
            if (strcmp(tab->funcs[i].name, key) == 0)
                return &tab->funcs[i];
        }
    }
    return NULL;
}
