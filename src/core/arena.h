/* One allocation per lifetime (parameters, gradients, activations, optimizer
 * state), carved into named, 64-byte aligned pieces. Sizes are computed up front:
 * a training step never allocates. */
#ifndef OP_ARENA_H
#define OP_ARENA_H

#include <stddef.h>

typedef struct {
    char *base;
    size_t cap, used;
} op_arena;

int op_arena_init(op_arena *a, size_t bytes);  /* OP_ENOMEM on failure */
void op_arena_free(op_arena *a);
/* Returns 64-byte aligned zeroed memory, or NULL (and records an error) when the
 * arena is full: that is a sizing bug, reported, never silently grown. */
void *op_arena_alloc(op_arena *a, size_t bytes);
void op_arena_reset(op_arena *a);
/* Bytes op_arena_alloc(bytes) consumes, for computing sizes up front. */
static inline size_t op_arena_size(size_t bytes) { return (bytes + 63) & ~(size_t)63; }

#endif
