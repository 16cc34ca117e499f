// Reads the preloaded allocation tracker's table (src/leaks/tracker) out of a stopped process's memory and turns
// its backtraces into `file:line` sites with addr2line.

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../core/errors';
import { Mapping, mappingAt } from './procMaps';

export const TRACKER_FILE = 'libarraylens_leaktracker.so';
const TABLE_SYMBOL = 'arraylens_leak_table';
const MAGIC = 0x4b41454c534c5241n;
const VERSION = 2;
const HEADER_BYTES = 11 * 8;
/** The layout version 2 of the tracker has (ALT_CAPACITY, ALT_MAX_FRAMES, sizeof(struct alt_block)): what is read
 *  from the debuggee is checked against these before anything is sized from it. */
export const TABLE_CAPACITY = 1 << 16;
export const TABLE_MAX_FRAMES = 16;
export const TABLE_BLOCK_BYTES = 5 * 8 + TABLE_MAX_FRAMES * 8;

/**
 * The tracker built by scripts/setup.d/40-leak-tracker.sh, or null when it has not been built. From out/src/leaks/ (CLI,
 * tests) it is under the repository; from dist/ (the installed extension, which ships it: .vscodeignore) one level up.
 */
export function trackerLibrary(): string | null {
  for (const up of [['..', '..', '..'], ['..']]) {
    const p = path.resolve(__dirname, ...up, 'src', 'leaks', 'tracker', 'build', TRACKER_FILE);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

export interface TrackedBlock {
  addr: number;
  size: number;
  /** Identity of the block: its allocation number, kept when realloc or mremap moves or resizes it. */
  seq: number;
  /** `heap`: malloc and its family; `mmap`: an anonymous private mapping. */
  kind: 'heap' | 'mmap';
  /** Return addresses, innermost first (the tracker's own wrapper first). */
  frames: number[];
}

export interface TableSnapshot {
  blocks: TrackedBlock[];
  /** Allocation counter at the moment of reading: blocks allocated later have a larger seq. */
  seq: number;
  minBytes: number;
  dropped: number;
  /** Where the table lives in the debuggee (left out of the pointer scan). */
  range: [number, number];
}

const symbolCache = new Map<string, number>();

function symbolOffset(lib: string): number {
  const hit = symbolCache.get(lib);
  if (hit !== undefined) return hit;
  let out: string;
  try {
    out = execFileSync('nm', ['-D', '--defined-only', lib], { encoding: 'utf8' });
  } catch (e) {
    throw new ArrayLensError('debugger-failed', `cannot read the symbols of ${lib} (is binutils installed?): ${(e as Error).message}`);
  }
  const m = new RegExp(`^([0-9a-f]+) \\w ${TABLE_SYMBOL}$`, 'm').exec(out);
  if (!m) throw new ArrayLensError('debugger-failed', `${lib} has no ${TABLE_SYMBOL}: rebuild it with npm run setup`);
  const off = parseInt(m[1], 16);
  symbolCache.set(lib, off);
  return off;
}

/** Address of the table in the process, or null when the tracker is not loaded there. */
export function locateTable(maps: readonly Mapping[]): number | null {
  const own = maps.filter((m) => m.path.endsWith('/' + TRACKER_FILE));
  if (!own.length) return null;
  const base = Math.min(...own.map((m) => m.start - m.offset));
  return base + symbolOffset(own[0].path);
}

export type ReadRange = (addr: number, len: number) => Promise<Buffer>;

export async function readTable(read: ReadRange, tableAddr: number): Promise<TableSnapshot> {
  const h = await read(tableAddr, HEADER_BYTES);
  if (h.readBigUInt64LE(0) !== MAGIC) throw new ArrayLensError('debugger-failed', 'the leak tracker table is not where its symbol says');
  const version = Number(h.readBigUInt64LE(8));
  if (version !== VERSION)
    throw new ArrayLensError('debugger-failed', `the leak tracker's table is version ${version}, this engine reads version ${VERSION}: rebuild it with npm run setup`);
  const capacity = Number(h.readBigUInt64LE(16));
  const live = Number(h.readBigUInt64LE(24));
  const minBytes = Number(h.readBigUInt64LE(32));
  const seq = Number(h.readBigUInt64LE(40));
  const dropped = Number(h.readBigUInt64LE(48));
  const blockSize = Number(h.readBigUInt64LE(64));
  const maxFrames = Number(h.readBigUInt64LE(72));
  const blocksAddr = Number(h.readBigUInt64LE(80));
  // The debuggee's memory is not trusted: a corrupt or foreign table must not size a read or a loop (issue 18).
  const corrupt = (what: string) =>
    new ArrayLensError('debugger-failed', `the leak tracker's table at 0x${tableAddr.toString(16)} is corrupt or from another build (${what}): rebuild it with npm run setup`);
  if (capacity !== TABLE_CAPACITY) throw corrupt(`capacity ${capacity}, expected ${TABLE_CAPACITY}`);
  if (maxFrames !== TABLE_MAX_FRAMES) throw corrupt(`max_frames ${maxFrames}, expected ${TABLE_MAX_FRAMES}`);
  if (blockSize !== TABLE_BLOCK_BYTES) throw corrupt(`block_size ${blockSize}, expected ${TABLE_BLOCK_BYTES}`);
  if (live > capacity) throw corrupt(`${live} live blocks in ${capacity} slots`);
  if (minBytes < 1 || !Number.isSafeInteger(minBytes)) throw corrupt(`min_bytes ${minBytes}`);
  if (blocksAddr === 0 || blocksAddr % 8 !== 0 || !Number.isSafeInteger(blocksAddr + capacity * blockSize)) throw corrupt(`blocks at 0x${blocksAddr.toString(16)}`);
  const raw = await read(blocksAddr, capacity * blockSize);
  if (raw.length !== capacity * blockSize) throw corrupt(`${raw.length} of ${capacity * blockSize} block bytes read`);
  const blocks: TrackedBlock[] = [];
  for (let off = 0; off < raw.length; off += blockSize) {
    const inv = raw.readBigUInt64LE(off);
    if (inv === 0n) continue;
    const n = Math.min(Number(raw.readBigUInt64LE(off + 24)), maxFrames);
    const kindValue = raw.readBigUInt64LE(off + 32);
    if (kindValue > 1n) throw corrupt(`block kind ${kindValue} in slot ${off / blockSize}`);
    const kind = kindValue === 1n ? 'mmap' : 'heap';
    const frames: number[] = [];
    for (let k = 0; k < n; k++) frames.push(Number(raw.readBigUInt64LE(off + 40 + 8 * k)));
    blocks.push({ addr: Number(BigInt.asUintN(64, ~inv)), size: Number(raw.readBigUInt64LE(off + 8)), seq: Number(raw.readBigUInt64LE(off + 16)), kind, frames });
  }
  blocks.sort((a, b) => a.addr - b.addr);
  return { blocks, seq, minBytes, dropped, range: [blocksAddr, blocksAddr + capacity * blockSize] };
}

/** Frames of modules that are not the user's own code: system libraries, interpreters, installed packages, us. */
export function isRuntimeModule(file: string): boolean {
  const base = path.basename(file);
  return (
    !file.startsWith('/') ||
    /^\/(usr|lib|lib32|lib64|bin|sbin|snap)\//.test(file) ||
    /\/(site|dist)-packages\/|\/lib\/python\d[\d.]*\/|\/lib-dynload\//.test(file) ||
    /^(python[\d.]*|pypy[\d.]*|node|ld-linux.*|libpython.*|libc\.so.*|libstdc\+\+.*)$/.test(base) ||
    base === TRACKER_FILE
  );
}

/** `dir/build/../src.cc:12` (addr2line joins the compile directory and a relative name, as node-gyp builds) as `dir/src.cc:12`. */
export function normalizeSite(loc: string): string {
  const m = /^(\/.*):(\d+)$/.exec(loc);
  return m ? `${path.normalize(m[1])}:${m[2]}` : loc;
}

export interface FrameInfo {
  module: string;
  func: string;
  /** `file:line`, or null when the module has no line information for it. */
  site: string | null;
  user: boolean;
}

/** Symbolises return addresses with addr2line, one run per module, remembering answers across stops. */
export class Symbolizer {
  private readonly cache = new Map<number, FrameInfo>();
  private readonly elfType = new Map<string, number>();

  constructor(private maps: readonly Mapping[]) {}

  setMaps(maps: readonly Mapping[]): void {
    this.maps = maps;
  }

  private isExec(file: string): boolean {
    let t = this.elfType.get(file);
    if (t === undefined) {
      t = 0;
      try {
        const fd = fs.openSync(file, 'r');
        const b = Buffer.alloc(18);
        fs.readSync(fd, b, 0, 18, 0);
        fs.closeSync(fd);
        t = b.readUInt16LE(16);
      } catch {
        /* unreadable: treat as position independent */
      }
      this.elfType.set(file, t);
    }
    return t === 2;
  }

  resolve(addrs: readonly number[]): Map<number, FrameInfo> {
    const byModule = new Map<string, { addr: number; rel: number }[]>();
    for (const a of new Set(addrs)) {
      if (this.cache.has(a)) continue;
      const m = mappingAt(this.maps, a);
      if (!m || !m.path.startsWith('/')) {
        this.cache.set(a, { module: m?.path ?? '?', func: '??', site: null, user: false });
        continue;
      }
      const base = Math.min(...this.maps.filter((x) => x.path === m.path).map((x) => x.start - x.offset));
      const rel = this.isExec(m.path) ? a - 1 : a - 1 - base;
      const list = byModule.get(m.path) ?? [];
      list.push({ addr: a, rel });
      byModule.set(m.path, list);
    }
    for (const [module, list] of byModule) {
      const runtime = isRuntimeModule(module);
      let lines: string[] = [];
      if (!runtime) {
        try {
          lines = execFileSync('addr2line', ['-f', '-C', '-e', module, ...list.map((x) => '0x' + x.rel.toString(16))], {
            encoding: 'utf8',
            maxBuffer: 1 << 26,
          }).split('\n');
        } catch {
          lines = [];
        }
      }
      list.forEach((x, i) => {
        const func = lines[2 * i] ?? '??';
        const loc = (lines[2 * i + 1] ?? '??:0').replace(/ \(discriminator \d+\)$/, '');
        const ok = !/^\?\?:|:0$|:\?$/.test(loc);
        this.cache.set(x.addr, { module, func, site: ok ? normalizeSite(loc) : null, user: !runtime && ok });
      });
    }
    const out = new Map<number, FrameInfo>();
    for (const a of addrs) out.set(a, this.cache.get(a)!);
    return out;
  }

  /** True when the function that called the tracker's wrapper (malloc, mmap, ...) is the user's own code. */
  calledFromUser(frames: readonly number[]): boolean {
    const info = this.resolve(frames);
    for (const f of frames) {
      const i = info.get(f)!;
      if (path.basename(i.module) !== TRACKER_FILE) return i.user;
    }
    return false;
  }

  /** The innermost frame in the user's own code (`file:line`), or null when every frame is a runtime's. */
  userSite(frames: readonly number[]): string | null {
    const info = this.resolve(frames);
    for (const f of frames) {
      const i = info.get(f)!;
      if (i.user && i.site) return i.site;
    }
    return null;
  }
}
