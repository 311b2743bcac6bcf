#include "rng.h"

#include <math.h>

uint64_t op_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t op_hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return op_splitmix64(&h);
}

uint64_t op_hash_combine(uint64_t a, uint64_t b)
{
    uint64_t st = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    return op_splitmix64(&st);
}

uint64_t op_seed_from_key(const char *key, uint64_t base_seed)
{
    return op_hash_combine(op_hash_str(key), base_seed);
}

void op_rng_seed(op_rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++) r->s[i] = op_splitmix64(&st);
}

void op_rng_child(op_rng *child, const op_rng *parent, uint64_t index)
{
    uint64_t h = op_hash_combine(parent->s[0] ^ parent->s[2], index);
    op_rng_seed(child, op_hash_combine(h, parent->s[1] ^ parent->s[3]));
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t op_rng_u64(op_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double op_rng_uniform(op_rng *r) { return (double)(op_rng_u64(r) >> 11) * 0x1.0p-53; }

double op_rng_uniform_pos(op_rng *r)
{
    return ((double)(op_rng_u64(r) >> 12) + 0.5) * 0x1.0p-52;
}

double op_rng_normal(op_rng *r)
{
    double u1 = op_rng_uniform_pos(r), u2 = op_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t op_rng_below(op_rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = op_rng_u64(r);
    while (x >= lim);
    return x % n;
}

void op_rng_shuffle(op_rng *r, int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)op_rng_below(r, (uint64_t)i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void op_rng_unit_vector(op_rng *r, int d, double *v)
{
    double s = 0;
    for (int k = 0; k < d; k++) {
        v[k] = op_rng_normal(r);
        s += v[k] * v[k];
    }
    s = sqrt(s);
    for (int k = 0; k < d; k++) v[k] /= s;
}
