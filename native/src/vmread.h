// Reading another process's memory with process_vm_readv (Linux): lists of remote ranges into one local buffer,
// batched by IOV_MAX and by the kernel's per-call byte limit. No N-API here (binding.cc marshals).
#pragma once
#include <cstddef>
#include <cstdint>

namespace arraylens {

struct VmReadOutcome {
  uint64_t bytes;       // bytes copied, from the start of the destination
  int err;              // 0 when every byte was read; else the errno of the call that stopped (EFAULT, ESRCH, EPERM, ...)
  uint64_t fail_address;  // the remote address the read stopped at (when err != 0)
};

/**
 * Copies the ranges (address, length pairs, `count` of them) of process `pid`, one after another, into `dst`
 * (which holds their total length). A range that is readable only in part stops the read at its first unreadable
 * byte: `bytes` says how far it got and `err` why.
 */
VmReadOutcome vm_read(int pid, const uint64_t* ranges, size_t count, uint8_t* dst);

}  // namespace arraylens
