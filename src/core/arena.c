#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "op_error.h"

int op_arena_init(op_arena *a, size_t bytes)
{
    a->cap = op_arena_size(bytes);
    a->used = 0;
    a->base = NULL;
    if (a->cap == 0) return OP_OK;
    /* 64-byte aligned; a large arena in huge pages (its memset below is the first touch) */
    a->base = a->cap >= OP_HUGE_MIN ? op_malloc_hint(a->cap) : aligned_alloc(64, a->cap);
    if (!a->base) OP_ERROR(OP_ENOMEM, "out of memory allocating an arena of %zu bytes", a->cap);
    memset(a->base, 0, a->cap);
    return OP_OK;
}

void op_arena_free(op_arena *a)
{
    free(a->base);
    a->base = NULL;
    a->cap = a->used = 0;
}

void *op_arena_alloc(op_arena *a, size_t bytes)
{
    size_t need = op_arena_size(bytes);
    if (a->used + need > a->cap) {
        op_error_set(OP_EINTERNAL, __FILE__, __LINE__,
                     "arena overflow: %zu + %zu > %zu bytes (a sizing bug)", a->used, need, a->cap);
        return NULL;
    }
    void *p = a->base + a->used;
    a->used += need;
    return p;
}

void op_arena_reset(op_arena *a)
{
    if (a->base) memset(a->base, 0, a->used);
    a->used = 0;
}
