// Same bytes across processes: an array's address range mapped through its process's memory map (/proc/PID/maps) to
// the file or shared-memory segment behind it (device, inode, file offset), and two processes' arrays intersected
// there (multiprocessing.shared_memory segments in /dev/shm, np.memmap files, MAP_SHARED mappings kept over fork).

import * as fs from 'fs';
import { ArrayLensError } from '../core/errors';
import { byteExtent, elementCount } from '../core/view';
import { Language } from '../engine/target';
import { ArrayAlias, ArraySummary } from '../protocol/dap';
import { PlacedArray, summaryView } from './sameBytes';

/** One line of /proc/PID/maps. */
export interface MappedRegion {
  start: bigint;
  end: bigint;
  /** MAP_SHARED: writes reach the file (and every other process mapping it); private mappings copy on write. */
  shared: boolean;
  /** Where `start` lies in the file. */
  fileOffset: bigint;
  /** major:minor of the file's device, as the kernel prints it (`00:1a`). */
  device: string;
  inode: number;
  /** The file, `/dev/shm/psm_1a2b` for a shared-memory segment; '' for anonymous memory. */
  path: string;
}

/** Parses /proc/PID/maps (`start-end perms offset dev inode path`); malformed lines are skipped. */
export function parseProcMaps(text: string): MappedRegion[] {
  const out: MappedRegion[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+([-rwxsp]{4})\s+([0-9a-f]+)\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      shared: m[3][3] === 's',
      fileOffset: BigInt(`0x${m[4]}`),
      device: m[5],
      inode: Number(m[6]),
      path: m[7],
    });
  }
  return out;
}

/** The memory map of a local process; the error says what to do when it cannot be read. */
export function readProcessMaps(pid: number): MappedRegion[] {
  try {
    return parseProcMaps(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ArrayLensError(
      'unreadable',
      code === 'ENOENT'
        ? `process ${pid} has no /proc/${pid}/maps: it has ended, or this is not Linux (memory maps are read from /proc)`
        : `cannot read /proc/${pid}/maps (${code ?? (e as Error).message}): run ArrayLens as the debuggee's user`,
    );
  }
}

/** A piece of a file or segment behind some of an array's bytes. */
export interface Backing {
  path: string;
  device: string;
  inode: number;
  /** Byte offset in the file (a number: files past 2^53 bytes are not a concern here). */
  offset: number;
  nbytes: number;
}

/**
 * The shared file mappings behind the bytes [address, address + nbytes): one piece per mapping it crosses. Anonymous
 * and private mappings are left out: no other process sees their bytes (a private mapping of a file copies on write).
 */
export function backingOf(maps: readonly MappedRegion[], address: bigint, nbytes: number): Backing[] {
  const end = address + BigInt(nbytes);
  const out: Backing[] = [];
  for (const r of maps) {
    if (!r.shared || r.inode === 0 || r.end <= address || r.start >= end) continue;
    const lo = address > r.start ? address : r.start;
    const hi = end < r.end ? end : r.end;
    out.push({ path: r.path, device: r.device, inode: r.inode, offset: Number(r.fileOffset + (lo - r.start)), nbytes: Number(hi - lo) });
  }
  return out;
}

/** An array of a listing with where its bytes live outside the process (none: private memory). */
export interface BackedArray {
  expr: string;
  language: PlacedArray['language'];
  backing: Backing[];
}

/** Each array's shared file pieces, from its byte extent (the same extent the in-process alias test uses). */
export function backedArrays(arrays: readonly PlacedArray[], maps: readonly MappedRegion[]): BackedArray[] {
  return arrays.map((a) => {
    if (elementCount(a.view.shape) === 0) return { expr: a.expr, language: a.language, backing: [] };
    const e = byteExtent(a.view);
    return { expr: a.expr, language: a.language, backing: backingOf(maps, a.view.address + BigInt(e.lo), e.hi - e.lo) };
  });
}

function sharesFileBytes(a: readonly Backing[], b: readonly Backing[]): boolean {
  return a.some((x) => b.some((y) => x.inode === y.inode && x.device === y.device && x.offset < y.offset + y.nbytes && y.offset < x.offset + x.nbytes));
}

/**
 * For each array of one process, the arrays of another process over some of the same file or segment bytes, as
 * aliases naming that process (`pid`). Works as well on a listing recorded earlier (the CLI's `--same-bytes-as`): the
 * file is the same while its inode is.
 */
export function crossProcessAliases(mine: readonly BackedArray[], theirs: readonly BackedArray[], theirPid: number, max = 64): ArrayAlias[][] {
  return mine.map((a) =>
    a.backing.length
      ? theirs
          .filter((b) => sharesFileBytes(a.backing, b.backing))
          .slice(0, max)
          .map((b) => ({ language: b.language, expr: b.expr, pid: theirPid }))
      : [],
  );
}

/** One process's listing as the Arrays view holds it: rows (ArraySummary) and that process's memory map. */
export interface ProcessListing {
  pid: number;
  arrays: readonly ArraySummary[];
  maps: readonly MappedRegion[];
}

/** Rows placed for backedArrays; a row that opens on request has no bytes until opened, so it is placed nowhere. */
function placedRows(l: ProcessListing, language: Language): BackedArray[] {
  return backedArrays(
    l.arrays.map((a) => {
      const view = summaryView(a);
      return { expr: a.expr, language: a.language ?? language, view: a.onRequest ? { ...view, shape: [0], strides: [0] } : view };
    }),
    l.maps,
  );
}

/**
 * `mine.arrays` with, on each, the arrays of the `others` (other processes, stopped now) over some of the same file or
 * segment bytes added to its aliases, each naming its pid. A row without its `language` is taken to be in `language`.
 */
export function withProcessAliases(mine: ProcessListing, others: readonly ProcessListing[], language: Language = 'python'): ArraySummary[] {
  const placed = placedRows(mine, language);
  if (!others.length || placed.every((p) => !p.backing.length)) return mine.arrays.slice();
  const found: ArrayAlias[][] = mine.arrays.map(() => []);
  for (const o of others) {
    if (o.pid === mine.pid) continue;
    crossProcessAliases(placed, placedRows(o, language), o.pid).forEach((l, i) => found[i].push(...l));
  }
  return mine.arrays.map((a, i) => {
    const seen = new Set((a.aliases ?? []).map((x) => `${x.pid ?? ''}:${x.language}:${x.expr}`));
    const added = found[i].filter((x) => !seen.has(`${x.pid}:${x.language}:${x.expr}`));
    return added.length ? { ...a, aliases: [...(a.aliases ?? []), ...added].slice(0, 64) } : a;
  });
}
