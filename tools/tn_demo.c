/*
 * tn_demo.c: lookup of the embedded demo files by name (the bytes come
 * from tn_demo_files.c, which CMake generates from tools/demo/).
 */
#include "tn_demo.h"

#include <string.h>

const char *tn_demo_file(const char *name, size_t *len)
{
    for (size_t i = 0; name && i < tn_demo_nentries; i++)
        if (!strcmp(tn_demo_entries[i].name, name)) {
            if (len)
                *len = tn_demo_entries[i].len;
            return tn_demo_entries[i].data;
        }
    return NULL;
}
