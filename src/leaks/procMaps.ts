// What /proc says about a stopped local process: its mappings (for the pointer scan, symbolisation and
// dangling views) and each thread's stack pointer (so dead stack below it is not taken for a reference).

import * as fs from 'fs';

export interface Mapping {
  start: number;
  end: number;
  perms: string;
  offset: number;
  path: string;
}

/** Addresses of user space fit in 47 bits: plain numbers are exact (and much faster than bigint here). */
export function readMaps(pid: number): Mapping[] {
  const out: Mapping[] = [];
  for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], offset: parseInt(m[4], 16), path: m[5] });
  }
  return out;
}

/** Stack pointers of the process's threads (from /proc/PID/task/TID/syscall; threads it cannot tell are left out). */
export function threadStackPointers(pid: number): number[] {
  const sps: number[] = [];
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return sps;
  }
  for (const tid of tids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').trim().split(/\s+/);
      // "NR a1..a6 sp pc" while in a syscall, "-1 sp pc" when blocked elsewhere, "running" otherwise.
      if (f.length >= 3 && f[0] !== 'running') {
        const sp = parseInt(f[f.length - 2], 16);
        if (sp > 0) sps.push(sp);
      }
    } catch {
      /* thread gone, or not allowed */
    }
  }
  return sps;
}

/** The mapping holding `addr`, by binary search over `maps` sorted by start. */
export function mappingAt(maps: readonly Mapping[], addr: number): Mapping | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (addr < maps[mid].start) hi = mid - 1;
    else if (addr >= maps[mid].end) lo = mid + 1;
    else return maps[mid];
  }
  return undefined;
}

/** True when [addr, addr+len) lies wholly in mapped, readable memory. */
export function isMapped(maps: readonly Mapping[], addr: number, len: number): boolean {
  let at = addr;
  const end = addr + Math.max(len, 1);
  while (at < end) {
    const m = mappingAt(maps, at);
    if (!m || m.perms[0] !== 'r') return false;
    at = m.end;
  }
  return true;
}
