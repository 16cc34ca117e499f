// process_vm_readv reads (see vmread.h). One call copies up to IOV_MAX remote ranges, at most kMaxCall bytes, into
// one contiguous local span; a short count means the next range byte is unreadable, which the next call reports.
#include "vmread.h"

#include <cerrno>

#if defined(__linux__)
#include <limits.h>
#include <sys/uio.h>
#endif

namespace arraylens {

#if defined(__linux__)

namespace {
#ifdef IOV_MAX
constexpr size_t kIovMax = IOV_MAX;
#else
constexpr size_t kIovMax = 1024;
#endif
// The kernel copies at most MAX_RW_COUNT (INT_MAX rounded down to a page) per call; stay well under it.
constexpr uint64_t kMaxCall = 1ull << 30;
}  // namespace

VmReadOutcome vm_read(int pid, const uint64_t* ranges, size_t count, uint8_t* dst) {
  VmReadOutcome out{0, 0, 0};
  struct iovec remote[kIovMax];
  size_t i = 0;       // current range
  uint64_t off = 0;   // bytes of range i already read
  while (i < count) {
    if (ranges[2 * i + 1] == off) {  // range done (or empty)
      i++;
      off = 0;
      continue;
    }
    // Batch from (i, off): whole ranges while they fit, the last one cut at kMaxCall.
    size_t n = 0;
    uint64_t total = 0;
    for (size_t j = i; j < count && n < kIovMax && total < kMaxCall; j++) {
      uint64_t start = j == i ? off : 0;
      uint64_t len = ranges[2 * j + 1] - start;
      if (len == 0) continue;
      if (len > kMaxCall - total) len = kMaxCall - total;
      remote[n].iov_base = (void*)(uintptr_t)(ranges[2 * j] + start);
      remote[n].iov_len = (size_t)len;
      n++;
      total += len;
    }
    struct iovec local = {dst + out.bytes, (size_t)total};
    ssize_t r = process_vm_readv(pid, &local, 1, remote, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      out.err = r < 0 ? errno : EFAULT;
      out.fail_address = ranges[2 * i] + off;
      return out;
    }
    // Advance (i, off) by r bytes.
    out.bytes += (uint64_t)r;
    uint64_t left = (uint64_t)r;
    while (left > 0) {
      uint64_t room = ranges[2 * i + 1] - off;
      if (left < room) {
        off += left;
        left = 0;
      } else {
        left -= room;
        i++;
        off = 0;
      }
    }
  }
  return out;
}

#else

VmReadOutcome vm_read(int, const uint64_t* ranges, size_t count, uint8_t*) {
  return {0, ENOSYS, count ? ranges[0] : 0};
}

#endif

}  // namespace arraylens
