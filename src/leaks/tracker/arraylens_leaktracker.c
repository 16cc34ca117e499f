// LD_PRELOAD allocation tracker for `arraylens leaks`: records every block of at least ARRAYLENS_LEAK_MIN_BYTES
// (malloc, calloc, realloc, reallocarray, posix_memalign, aligned_alloc, memalign, valloc, pvalloc, and anonymous
// private writable mmap/mremap/munmap) with its backtrace in one table the engine reads from /proc/PID/mem at each stop.
//
// The table is `arraylens_leak_table` (layout in leakTable.ts). Block addresses are stored complemented so that
// the engine's conservative pointer scan never mistakes the tracker's own bookkeeping for a reference.
//
// A block's `seq` is its identity: realloc and mremap move a block (new address, new size) but keep its seq and the
// backtrace of its first allocation, so the engine sees it grow instead of one block freed and another one new.
// glibc's malloc maps its large chunks with its own internal mmap, which never reaches the mmap wrapper here: such a
// block is recorded once, as a malloc block. Freeing or unmapping memory the table does not know is harmless.
//
// Reentrancy: the table is only touched with `alt_busy` set on the calling thread, so a nested call (backtrace()
// allocating, a signal handler calling malloc) passes straight through to libc instead of spinning on the lock its
// own thread holds. The tracker never allocates; mmap and friends go to the kernel by raw system calls.
//
// fork: the lock is taken before fork and released in both processes after it (pthread_atfork), so a child never
// starts with the lock held by a thread that does not exist there (its first malloc or free would spin forever).

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALT_EXPORT __attribute__((visibility("default")))
#define ALT_MAGIC 0x4b41454c534c5241ULL /* "ARLSLEAK" */
#define ALT_VERSION 2
#define ALT_MAX_FRAMES 16
#define ALT_CAPACITY_LOG2 16
#define ALT_CAPACITY (1u << ALT_CAPACITY_LOG2)
#define ALT_MAX_REGIONS 4096

enum { ALT_KIND_HEAP = 0, ALT_KIND_MMAP = 1 };

struct alt_block {
  uint64_t addr_inv; /* ~address; 0 marks an empty slot */
  uint64_t size;     /* bytes asked for (an mmap region's pages may extend past it) */
  uint64_t seq;      /* identity, kept across realloc/mremap; blocks allocated after a stop have a larger seq */
  uint64_t nframes;
  uint64_t kind; /* ALT_KIND_HEAP (malloc family) or ALT_KIND_MMAP (anonymous mmap) */
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

/* Starts (complemented) of the tracked mmap regions: munmap may cut any part of one, which the address hash
   cannot find. Kept in step with the table under its lock. */
static uint64_t alt_region_inv[ALT_MAX_REGIONS];
static uint64_t alt_nregions;

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern void __libc_free(void *);

static __thread int alt_busy __attribute__((tls_model("initial-exec")));
static int alt_ready;
static uint64_t alt_page = 4096;

static void alt_lock(void) {
  while (__atomic_exchange_n(&arraylens_leak_table.lock, 1, __ATOMIC_ACQUIRE)) {
  }
}
static void alt_unlock(void) { __atomic_store_n(&arraylens_leak_table.lock, 0, __ATOMIC_RELEASE); }

/* Enters the tracker on this thread: false when it is already inside (nested call or signal handler) or not ready. */
static int alt_enter(void) {
  if (!alt_ready || alt_busy) return 0;
  alt_busy = 1;
  alt_lock();
  return 1;
}
static void alt_leave(void) {
  alt_unlock();
  alt_busy = 0;
}

static inline uint64_t alt_slot(uint64_t addr) { return ((addr >> 4) * 0x9E3779B97F4A7C15ULL) >> (64 - ALT_CAPACITY_LOG2); }
static inline uint64_t alt_pages(uint64_t n) { return (n + alt_page - 1) & ~(alt_page - 1); }

/* Slot of the block at `a`, or -1. Caller holds the lock. */
static int64_t alt_find(uint64_t a) {
  uint64_t i = alt_slot(a);
  while (alt_blocks[i].addr_inv != 0) {
    if (alt_blocks[i].addr_inv == ~a) return (int64_t)i;
    i = (i + 1) & (ALT_CAPACITY - 1);
  }
  return -1;
}

static void alt_region_drop(uint64_t a) {
  for (uint64_t k = 0; k < alt_nregions; k++)
    if (alt_region_inv[k] == ~a) {
      alt_region_inv[k] = alt_region_inv[--alt_nregions];
      alt_region_inv[alt_nregions] = 0;
      return;
    }
}

/* Stores a copy of `b` (addr_inv set). Caller holds the lock. */
static void alt_put(const struct alt_block *b) {
  if (arraylens_leak_table.live >= ALT_CAPACITY - ALT_CAPACITY / 8 || (b->kind == ALT_KIND_MMAP && alt_nregions >= ALT_MAX_REGIONS)) {
    arraylens_leak_table.dropped++;
    return;
  }
  uint64_t i = alt_slot(~b->addr_inv);
  while (alt_blocks[i].addr_inv != 0) i = (i + 1) & (ALT_CAPACITY - 1);
  struct alt_block *to = &alt_blocks[i];
  to->size = b->size;
  to->seq = b->seq;
  to->nframes = b->nframes;
  to->kind = b->kind;
  memcpy(to->frames, b->frames, b->nframes * sizeof b->frames[0]);
  to->addr_inv = b->addr_inv; /* last: a reader never sees a half-written slot as live */
  if (b->kind == ALT_KIND_MMAP) alt_region_inv[alt_nregions++] = b->addr_inv;
  arraylens_leak_table.live++;
}

/* Linear probing with backward-shift deletion: no tombstones, so the table never needs rebuilding. Caller holds the lock. */
static void alt_delete(uint64_t i) {
  if (alt_blocks[i].kind == ALT_KIND_MMAP) alt_region_drop(~alt_blocks[i].addr_inv);
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
}

/* Removes the block of `kind` at `a` into *out (when out is not NULL); false when there is none. Caller holds the lock. */
static int alt_take(uint64_t a, uint64_t kind, struct alt_block *out) {
  int64_t i = alt_find(a);
  if (i < 0 || alt_blocks[i].kind != kind) return 0;
  if (out) *out = alt_blocks[i];
  alt_delete((uint64_t)i);
  return 1;
}

/* Records a new block with the caller's backtrace. noinline: frames[0] is then always this function. */
static __attribute__((noinline)) void alt_record(void *p, size_t size, uint64_t kind) {
  if (!p || size < arraylens_leak_table.min_bytes || !alt_ready || alt_busy) return;
  alt_busy = 1;
  void *frames[ALT_MAX_FRAMES + 1];
  int n = backtrace(frames, ALT_MAX_FRAMES + 1);
  if (n > 1) {
    /* keep the wrapper's frame (the engine skips the tracker's frames) and its callers */
    struct alt_block b;
    b.addr_inv = ~(uint64_t)(uintptr_t)p;
    b.size = size;
    b.nframes = (uint64_t)(n - 1);
    b.kind = kind;
    for (int k = 1; k < n; k++) b.frames[k - 1] = (uint64_t)(uintptr_t)frames[k];
    alt_lock();
    b.seq = ++arraylens_leak_table.seq;
    alt_put(&b);
    alt_unlock();
  }
  alt_busy = 0;
}

static void alt_forget(void *p, uint64_t kind) {
  if (!p || !alt_enter()) return;
  alt_take((uint64_t)(uintptr_t)p, kind, NULL);
  alt_leave();
}

/* [a, a+len) is no longer mapped: drops the regions inside it, trims those it cuts. A region whose middle is cut
   keeps its head; the part after the hole is no longer tracked. */
static void alt_unmapped(uint64_t a, uint64_t len) {
  if (len == 0 || !alt_enter()) return;
  uint64_t e = a + alt_pages(len);
  for (uint64_t k = alt_nregions; k-- > 0;) {
    if (k >= alt_nregions) continue; /* a removal below shortened the list */
    uint64_t rs = ~alt_region_inv[k];
    int64_t i = alt_find(rs);
    if (i < 0) continue;
    uint64_t rend = rs + alt_blocks[i].size;
    if (e <= rs || a >= rs + alt_pages(alt_blocks[i].size)) continue;
    if (a <= rs && e >= rend) {
      alt_delete((uint64_t)i);
    } else if (a <= rs) {
      struct alt_block b = alt_blocks[i];
      alt_delete((uint64_t)i);
      b.addr_inv = ~e;
      b.size = rend - e;
      alt_put(&b);
    } else {
      alt_blocks[i].size = a - rs;
    }
  }
  alt_leave();
}

/* The forking thread holds the lock across fork; with alt_busy set, allocations inside fork itself (other atfork
   handlers) pass through untracked instead of spinning on it. */
static void alt_fork_prepare(void) {
  alt_busy = 1;
  alt_lock();
}
static void alt_fork_parent(void) { alt_leave(); }
static void alt_fork_child(void) { alt_leave(); }

__attribute__((constructor)) static void alt_init(void) {
  const char *m = getenv("ARRAYLENS_LEAK_MIN_BYTES");
  if (m && *m) arraylens_leak_table.min_bytes = strtoull(m, NULL, 10);
  if (arraylens_leak_table.min_bytes == 0) arraylens_leak_table.min_bytes = 1;
  unsigned long pg = getauxval(AT_PAGESZ);
  if (pg) alt_page = pg;
  /* backtrace() loads libgcc_s on first use (and allocates): do it before recording anything */
  alt_busy = 1;
  void *warm[4];
  backtrace(warm, 4);
  alt_busy = 0;
  pthread_atfork(alt_fork_prepare, alt_fork_parent, alt_fork_child);
  alt_ready = 1;
}

ALT_EXPORT void *malloc(size_t n) {
  void *p = __libc_malloc(n);
  alt_record(p, n, ALT_KIND_HEAP);
  return p;
}

ALT_EXPORT void *calloc(size_t k, size_t n) {
  void *p = __libc_calloc(k, n); /* NULL when k * n overflows */
  if (p) alt_record(p, k * n, ALT_KIND_HEAP);
  return p;
}

/* The block keeps its identity (seq, first backtrace) wherever it lands. It leaves the table before libc's realloc
   runs, so another thread reusing the old address meanwhile cannot collide with it. */
ALT_EXPORT void *realloc(void *old, size_t n) {
  if (!old) return malloc(n);
  struct alt_block b;
  int had = 0;
  if (alt_enter()) {
    had = alt_take((uint64_t)(uintptr_t)old, ALT_KIND_HEAP, &b);
    alt_leave();
  }
  void *p = __libc_realloc(old, n);
  if (!p && n == 0) return p; /* glibc: realloc(p, 0) frees p */
  if (had && alt_enter()) {
    if (p) {
      b.addr_inv = ~(uint64_t)(uintptr_t)p;
      b.size = n;
    } /* else: failed, the old block is unchanged */
    alt_put(&b);
    alt_leave();
  } else if (p && !had) {
    alt_record(p, n, ALT_KIND_HEAP); /* grown past the threshold, or never seen: a new block here */
  }
  return p;
}

ALT_EXPORT void *reallocarray(void *old, size_t k, size_t n) {
  size_t bytes;
  if (__builtin_mul_overflow(k, n, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(old, bytes);
}

ALT_EXPORT void *memalign(size_t align, size_t n) {
  void *p = __libc_memalign(align, n);
  alt_record(p, n, ALT_KIND_HEAP);
  return p;
}

/* glibc 2.36's aligned_alloc is memalign itself (same address): the same answer for any alignment. (glibc 2.38 rejects
   one that is not a power of two; this wrapper would then accept it.) */
ALT_EXPORT void *aligned_alloc(size_t align, size_t n) {
  void *p = __libc_memalign(align, n);
  alt_record(p, n, ALT_KIND_HEAP);
  return p;
}

ALT_EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  if (align == 0 || align % sizeof(void *) != 0 || (align & (align - 1)) != 0) return EINVAL;
  void *p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  alt_record(p, n, ALT_KIND_HEAP);
  return 0;
}

ALT_EXPORT void *valloc(size_t n) {
  void *p = __libc_valloc(n);
  alt_record(p, n, ALT_KIND_HEAP);
  return p;
}

ALT_EXPORT void *pvalloc(size_t n) {
  void *p = __libc_pvalloc(n);
  alt_record(p, n, ALT_KIND_HEAP);
  return p;
}

ALT_EXPORT void free(void *p) {
  if (p) alt_forget(p, ALT_KIND_HEAP);
  __libc_free(p);
}

/* Only anonymous, private, writable memory is a buffer: file mappings are not, and PROT_NONE reservations (V8's heap
   cage, allocators' address space) hold nothing until mprotect makes them usable. */
static int alt_is_buffer(int prot, int flags) { return (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_PRIVATE && (prot & PROT_WRITE); }

ALT_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  void *p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
  if (p == MAP_FAILED) return p;
  if (flags & MAP_FIXED) alt_unmapped((uint64_t)(uintptr_t)p, len); /* whatever was there is gone */
  if (alt_is_buffer(prot, flags)) alt_record(p, len, ALT_KIND_MMAP);
  return p;
}

ALT_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) __attribute__((alias("mmap")));

ALT_EXPORT int munmap(void *addr, size_t len) {
  /* forget first (on valid arguments, as the kernel checks them): once unmapped, another thread may map the range */
  if (((uintptr_t)addr & (alt_page - 1)) == 0 && len != 0) alt_unmapped((uint64_t)(uintptr_t)addr, len);
  return (int)syscall(SYS_munmap, addr, len);
}

/* A region mremap'd from its start keeps its identity at the new address and size (what was past old_len of a larger
   region is no longer tracked). */
ALT_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...) {
  void *want = NULL;
  if (flags & MREMAP_FIXED) {
    va_list ap;
    va_start(ap, flags);
    want = va_arg(ap, void *);
    va_end(ap);
  }
  struct alt_block b;
  int had = 0;
  if (alt_enter()) {
    had = alt_take((uint64_t)(uintptr_t)old, ALT_KIND_MMAP, &b);
    alt_leave();
  }
  void *p = (void *)syscall(SYS_mremap, old, old_len, new_len, flags, want);
  if (p != MAP_FAILED && (flags & MREMAP_FIXED)) alt_unmapped((uint64_t)(uintptr_t)p, new_len);
  if (had && alt_enter()) {
    if (p != MAP_FAILED) {
      b.addr_inv = ~(uint64_t)(uintptr_t)p;
      b.size = new_len;
    }
    alt_put(&b);
    alt_leave();
  }
  return p;
}
