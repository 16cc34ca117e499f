// LD_PRELOAD allocation tracker for `arraylens leaks`: records every malloc/calloc/realloc block of at least
// ARRAYLENS_LEAK_MIN_BYTES with its backtrace in one table the engine reads from /proc/PID/mem at each stop.
//
// The table is `arraylens_leak_table` (layout in leakTable.ts). Block addresses are stored complemented so that
// the engine's conservative pointer scan never mistakes the tracker's own bookkeeping for a reference.

#define _GNU_SOURCE
#include <execinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALT_EXPORT __attribute__((visibility("default")))
#define ALT_MAGIC 0x4b41454c534c5241ULL /* "ARLSLEAK" */
#define ALT_VERSION 1
#define ALT_MAX_FRAMES 16
#define ALT_CAPACITY_LOG2 16
#define ALT_CAPACITY (1u << ALT_CAPACITY_LOG2)

struct alt_block {
  uint64_t addr_inv; /* ~address; 0 marks an empty slot */
  uint64_t size;
  uint64_t seq; /* allocation number, increasing: blocks newer than a stop have a larger seq */
  uint64_t nframes;
  uint64_t frames[ALT_MAX_FRAMES];
};

struct alt_table {
  uint64_t magic;
  uint64_t version;
  uint64_t capacity;
  uint64_t live;
  uint64_t min_bytes;
  uint64_t seq;
  uint64_t dropped; /* blocks not recorded because the table was full */
  uint64_t lock;
  uint64_t block_size;
  uint64_t max_frames;
  struct alt_block *blocks;
};

static struct alt_block alt_blocks[ALT_CAPACITY];
ALT_EXPORT struct alt_table arraylens_leak_table = {
    ALT_MAGIC, ALT_VERSION, ALT_CAPACITY, 0, 1024, 0, 0, 0, sizeof(struct alt_block), ALT_MAX_FRAMES, alt_blocks};

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static __thread int alt_busy __attribute__((tls_model("initial-exec")));
static int alt_ready;

static void alt_lock(void) {
  while (__atomic_exchange_n(&arraylens_leak_table.lock, 1, __ATOMIC_ACQUIRE)) {
  }
}
static void alt_unlock(void) { __atomic_store_n(&arraylens_leak_table.lock, 0, __ATOMIC_RELEASE); }

static inline uint64_t alt_slot(uint64_t addr) { return ((addr >> 4) * 0x9E3779B97F4A7C15ULL) >> (64 - ALT_CAPACITY_LOG2); }

static void alt_insert(void *p, size_t size, void **frames, int nframes) {
  uint64_t a = (uint64_t)(uintptr_t)p;
  alt_lock();
  if (arraylens_leak_table.live >= ALT_CAPACITY - ALT_CAPACITY / 8) {
    arraylens_leak_table.dropped++;
    alt_unlock();
    return;
  }
  uint64_t i = alt_slot(a);
  while (alt_blocks[i].addr_inv != 0) i = (i + 1) & (ALT_CAPACITY - 1);
  struct alt_block *b = &alt_blocks[i];
  b->size = size;
  b->seq = ++arraylens_leak_table.seq;
  b->nframes = (uint64_t)nframes;
  for (int k = 0; k < nframes; k++) b->frames[k] = (uint64_t)(uintptr_t)frames[k];
  b->addr_inv = ~a;
  arraylens_leak_table.live++;
  alt_unlock();
}

/* Linear probing with backward-shift deletion: no tombstones, so the table never needs rebuilding. */
static void alt_remove(void *p) {
  uint64_t a = (uint64_t)(uintptr_t)p;
  alt_lock();
  uint64_t i = alt_slot(a);
  for (;;) {
    if (alt_blocks[i].addr_inv == 0) {
      alt_unlock();
      return;
    }
    if (alt_blocks[i].addr_inv == ~a) break;
    i = (i + 1) & (ALT_CAPACITY - 1);
  }
  uint64_t hole = i;
  uint64_t j = i;
  for (;;) {
    j = (j + 1) & (ALT_CAPACITY - 1);
    if (alt_blocks[j].addr_inv == 0) break;
    uint64_t home = alt_slot(~alt_blocks[j].addr_inv);
    /* move j into the hole unless its home lies cyclically in (hole, j] */
    int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      alt_blocks[hole] = alt_blocks[j];
      hole = j;
    }
  }
  alt_blocks[hole].addr_inv = 0;
  arraylens_leak_table.live--;
  alt_unlock();
}

static void alt_record(void *p, size_t size) {
  if (!p || !alt_ready || size < arraylens_leak_table.min_bytes || alt_busy) return;
  alt_busy = 1;
  void *frames[ALT_MAX_FRAMES + 1];
  int n = backtrace(frames, ALT_MAX_FRAMES + 1);
  /* frames[0] is inside this function: keep the caller of malloc onwards (the wrapper frame stays, the engine skips it) */
  if (n > 1) alt_insert(p, size, frames + 1, n - 1);
  alt_busy = 0;
}

static void alt_forget(void *p) {
  if (!p || alt_busy) return;
  alt_busy = 1;
  alt_remove(p);
  alt_busy = 0;
}

__attribute__((constructor)) static void alt_init(void) {
  const char *m = getenv("ARRAYLENS_LEAK_MIN_BYTES");
  if (m && *m) arraylens_leak_table.min_bytes = strtoull(m, NULL, 10);
  if (arraylens_leak_table.min_bytes == 0) arraylens_leak_table.min_bytes = 1;
  /* backtrace() loads libgcc_s on first use (and allocates): do it before recording anything */
  alt_busy = 1;
  void *warm[4];
  backtrace(warm, 4);
  alt_busy = 0;
  alt_ready = 1;
}

ALT_EXPORT void *malloc(size_t n) {
  void *p = __libc_malloc(n);
  alt_record(p, n);
  return p;
}

ALT_EXPORT void *calloc(size_t k, size_t n) {
  void *p = __libc_calloc(k, n);
  alt_record(p, k * n);
  return p;
}

ALT_EXPORT void *realloc(void *old, size_t n) {
  if (old) alt_forget(old);
  void *p = __libc_realloc(old, n);
  if (p) alt_record(p, n);
  else if (old && n) alt_record(old, n); /* failed realloc: the old block is still live (size unknown: use n) */
  return p;
}

ALT_EXPORT void free(void *p) {
  if (p) alt_forget(p);
  __libc_free(p);
}
