/* Seeded random streams. Every stream is derived from a run key (a string such as
 * "manifold-rate/torus:d=2/D=16/n=512/seed=3") and a base seed through a fixed
 * hash, never from a thread id, a rank or the time, so results do not depend on
 * how work is scheduled. Generator: xoshiro256** seeded by splitmix64. */
#ifndef OP_RNG_H
#define OP_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} op_rng;

uint64_t op_splitmix64(uint64_t *state);
uint64_t op_hash_str(const char *s);                   /* FNV-1a 64 then a splitmix finaliser */
uint64_t op_hash_combine(uint64_t a, uint64_t b);      /* order-sensitive mix of two hashes */
uint64_t op_seed_from_key(const char *key, uint64_t base_seed);

void op_rng_seed(op_rng *r, uint64_t seed);
/* A child stream for sub-task `index` (e.g. one per sample block), independent of
 * the parent's position. */
void op_rng_child(op_rng *child, const op_rng *parent, uint64_t index);

uint64_t op_rng_u64(op_rng *r);
double op_rng_uniform(op_rng *r);       /* [0, 1), 53 bits */
double op_rng_uniform_pos(op_rng *r);   /* (0, 1) */
double op_rng_normal(op_rng *r);        /* N(0,1), Box-Muller (one value per call) */
uint64_t op_rng_below(op_rng *r, uint64_t n); /* uniform in [0, n), unbiased */
void op_rng_shuffle(op_rng *r, int *a, int n); /* Fisher-Yates */
/* Uniform direction on the unit sphere S^(d-1): a normalised Gaussian vector. */
void op_rng_unit_vector(op_rng *r, int d, double *v);

#endif
