// The buffer ledger between two stops: snapshots (Python census, tracker table) at FROM and TO, the diff grouped
// by allocation site (new, grown, freed), the refcount check across the boundary, the unreferenced scan and
// dangling views.

import * as path from 'path';
import { GrownGroup, LeakGroup, LeaksReport, RefcountEntry, DanglingView } from './report';
import { Mapping, isMapped, readMaps } from './procMaps';
import { CallWatch } from './callWatch';
import { refcountEntries } from './refcount';
import { PythonArrayRecord, PythonCensus } from './pythonCensus';
import { Symbolizer, TableSnapshot, TrackedBlock, locateTable, readTable } from './leakTable';
import { blockIndex, rootRanges, scanReachable } from './scan';
import { LeakSession, Location } from './sessions';

export interface LeakCheckOptions {
  from: Location;
  to: Location;
  minBytes: number;
}

/** What one stop holds for the ledger: the process's mappings, the tracker's table (null: no tracker), the census. */
export interface LedgerStop {
  maps: Mapping[];
  table: TableSnapshot | null;
  census: PythonCensus | null;
  /** Native calls seen since the previous stop and the references they took (the CLI's Python runs only). */
  calls?: CallWatch | null;
}
type Stop = LedgerStop;

/** The stopped process as the ledger reads it (a LeakSession, or the Leaks view's reader of a debug session's process). */
export type LedgerProcess = Pick<LeakSession, 'pid' | 'census' | 'readRange'>;

export async function snapshot(session: LedgerProcess, mode: 'from' | 'to', fromIds: readonly number[]): Promise<Stop> {
  // The census runs first: what it allocates for itself is freed (or has no user site) by the time the table is read.
  const census = await session.census(mode, fromIds);
  const maps = readMaps(session.pid);
  const at = locateTable(maps);
  const table = at === null ? null : await readTable((a, l) => session.readRange(a, l), at);
  return { maps, table, census };
}

function where(loc: Location): string {
  return `${path.resolve(loc.file)}:${loc.line}`;
}

/** Adds buffers to site groups; `dtype`/`shape` stay only when every buffer of the group agrees. */
class Grouper {
  private readonly groups = new Map<string, LeakGroup & { mixedDtype?: boolean; mixedShape?: boolean }>();

  constructor(private readonly language: LeakGroup['language']) {}

  add(site: string, count: number, bytes: number, dtype?: string, shape?: number[]): void {
    let g = this.groups.get(site);
    if (!g) {
      g = { language: this.language, site, count: 0, bytes: 0 };
      this.groups.set(site, g);
    }
    g.count += count;
    g.bytes += bytes;
    if (dtype !== undefined && !g.mixedDtype) {
      if (g.dtype === undefined) g.dtype = dtype;
      else if (g.dtype !== dtype) g.mixedDtype = true;
    }
    if (shape !== undefined && !g.mixedShape) {
      if (g.shape === undefined) g.shape = shape;
      else if (g.shape.join(',') !== shape.join(',')) g.mixedShape = true;
    }
  }

  /** Marks the group at `site` as holding buffers whose dtype/shape are unknown. */
  unknownLayout(site: string): void {
    const g = this.groups.get(site);
    if (g) g.mixedDtype = g.mixedShape = true;
  }

  list(): LeakGroup[] {
    return [...this.groups.values()]
      .map(({ mixedDtype, mixedShape, ...g }) => {
        const out: LeakGroup = { ...g };
        if (mixedDtype || out.dtype === undefined) delete out.dtype;
        if (mixedShape || out.shape === undefined) delete out.shape;
        return out;
      })
      .sort((a, b) => b.bytes - a.bytes || a.site.localeCompare(b.site));
  }
}

/** Growth per site of blocks alive at both stops. */
class GrowthGrouper {
  private readonly groups = new Map<string, GrownGroup>();
  private readonly layout: Grouper;

  constructor(private readonly language: LeakGroup['language']) {
    this.layout = new Grouper(language);
  }

  add(site: string, fromBytes: number, toBytes: number, dtype?: string, shape?: number[]): void {
    let g = this.groups.get(site);
    if (!g) {
      g = { language: this.language, site, count: 0, bytes: 0, from_bytes: 0, to_bytes: 0 };
      this.groups.set(site, g);
    }
    g.count++;
    g.bytes += toBytes - fromBytes;
    g.from_bytes += fromBytes;
    g.to_bytes += toBytes;
    this.layout.add(site, 0, 0, dtype, shape);
  }

  list(): GrownGroup[] {
    const layouts = new Map(this.layout.list().map((g) => [g.site, g]));
    return [...this.groups.values()]
      .map((g) => {
        const l = layouts.get(g.site);
        return { language: g.language, site: g.site, count: g.count, bytes: g.bytes, ...(l?.dtype ? { dtype: l.dtype } : {}), ...(l?.shape ? { shape: l.shape } : {}), from_bytes: g.from_bytes, to_bytes: g.to_bytes };
      })
      .sort((a, b) => b.bytes - a.bytes || a.site.localeCompare(b.site));
  }
}

const key = (a: { id: number; addr: number }): string => `${a.id}:${a.addr}`;

/**
 * Takes `resized` (bytes per block -> how many) out of tracemalloc's [site, size, count] groups: a resized array's
 * data is traced again at its resize, but it is not new. Groups with more traces than new arrays there go first.
 */
function withoutResized(traces: [string, number, number][], resized: Map<number, number>, bornAt: (site: string, size: number) => number): [string, number, number][] {
  const out = traces.map(([s, size, n]) => [s, size, n] as [string, number, number]);
  const surplus = (t: [string, number, number]): number => t[2] - bornAt(t[0], t[1]);
  for (const [size, want] of resized) {
    let left = want;
    const candidates = out.filter((t) => t[1] === size).sort((p, q) => surplus(q) - surplus(p) || p[0].localeCompare(q[0]));
    for (const t of candidates) {
      const take = Math.min(t[2], left);
      t[2] -= take;
      left -= take;
      if (!left) break;
    }
  }
  return out.filter((t) => t[2] > 0);
}

export async function runLeakCheck(session: LeakSession, opts: LeakCheckOptions): Promise<LeaksReport> {
  const a = await snapshot(session, 'from', []);
  let b: Stop;
  try {
    // Started after the census and stopped before the next one, so that the hook sees only the program.
    if (a.census?.numpy) await session.watchCalls?.('start');
    await session.continueTo(opts.to);
    const calls = a.census?.numpy ? await session.watchCalls?.('stop') : null;
    b = { ...(await snapshot(session, 'to', a.census?.arrays.map((x) => x.id) ?? [])), calls };
  } finally {
    if (a.census?.started) await session.census('stop').catch(() => undefined);
  }
  return compareStops(session, a, b, { from: where(opts.from), to: where(opts.to), minBytes: opts.minBytes });
}

/**
 * The ledger between two snapshots of the same process, `b` the one it is stopped at now (the pointer scan reads its
 * memory); `from`/`to` name the stops (a site for the CLI, a stop of the Leaks view).
 */
export async function compareStops(session: LedgerProcess, a: Stop, b: Stop, opts: { from: string; to: string; minBytes: number }): Promise<LeaksReport> {
  const fromWhere = opts.from;
  const newGroups: LeakGroup[] = [];
  const grownGroups: GrownGroup[] = [];
  const freedGroups: LeakGroup[] = [];
  const refcount: RefcountEntry[] = [];
  const dangling: DanglingView[] = [];
  const pyAddrs = new Set<number>();
  // A tracked block's seq is its identity: realloc and mremap move or resize a block but keep it.
  const toBySeq = new Map((b.table?.blocks ?? []).map((x) => [x.seq, x]));
  const fromAt = new Map((a.table?.blocks ?? []).map((x) => [x.addr, x]));
  const toAt = new Map((b.table?.blocks ?? []).map((x) => [x.addr, x]));

  // Python: arrays that own their data.
  if (a.census?.numpy || b.census?.numpy) {
    const fromArrays = a.census?.arrays ?? [];
    const toArrays = b.census?.arrays ?? [];
    for (const x of [...fromArrays, ...toArrays]) pyAddrs.add(x.addr);
    const fromKeys = new Map(fromArrays.map((x) => [key(x), x]));
    const toKeys = new Map(toArrays.map((x) => [key(x), x]));
    // Arrays resized between the stops (ndarray.resize): the same object with another size over the same data block,
    // in place or moved by realloc (the tracker's identity says so). Neither new nor freed; grown when larger.
    const fromById = new Map(fromArrays.map((x) => [x.id, x]));
    const resizedFrom = new Set<string>();
    const resized: PythonArrayRecord[] = [];
    const grownPy = new GrowthGrouper('python');
    for (const y of toArrays) {
      const x = fromById.get(y.id);
      if (!x || y.nbytes === x.nbytes) continue;
      const fb = fromAt.get(x.addr);
      const tb = toAt.get(y.addr);
      if (!(fb && tb ? fb.seq === tb.seq : x.addr === y.addr)) continue;
      resizedFrom.add(key(x));
      resized.push(y);
      if (y.nbytes > x.nbytes && y.nbytes >= opts.minBytes) grownPy.add(y.site ?? fromWhere, x.nbytes, y.nbytes, y.dtype, y.shape);
    }
    grownGroups.push(...grownPy.list());
    const born = toArrays.filter((x) => !fromKeys.has(key(x)) && !resized.includes(x));
    const fresh = new Grouper('python');
    if (a.census?.started && b.census?.tracing) {
      // tracemalloc began at FROM: every live trace in NumPy's domain is a buffer allocated since, reachable or not.
      const resizedSizes = new Map<number, number>();
      for (const y of resized) resizedSizes.set(y.nbytes, (resizedSizes.get(y.nbytes) ?? 0) + 1);
      const bornAt = (site: string, size: number): number => born.filter((x) => (x.site ?? fromWhere) === site && x.nbytes === size).length;
      const traces = withoutResized(
        b.census.traces.map(([site, size, count]) => [site ?? fromWhere, size, count]),
        resizedSizes,
        bornAt,
      );
      for (const [site, size, count] of traces) if (size >= opts.minBytes) fresh.add(site, count, size * count);
      const layouts = new Map<string, PythonArrayRecord[]>();
      for (const x of born) if (x.nbytes >= opts.minBytes) layouts.set(x.site ?? fromWhere, [...(layouts.get(x.site ?? fromWhere) ?? []), x]);
      const tracedCount = new Map<string, number>();
      for (const [site, size, count] of traces) if (size >= opts.minBytes) tracedCount.set(site, (tracedCount.get(site) ?? 0) + count);
      for (const [site, xs] of layouts) {
        for (const x of xs) fresh.add(site, 0, 0, x.dtype, x.shape);
        if ((tracedCount.get(site) ?? 0) !== xs.length) fresh.unknownLayout(site);
      }
      for (const site of tracedCount.keys()) if (!layouts.has(site)) fresh.unknownLayout(site);
    } else {
      for (const x of born) if (x.nbytes >= opts.minBytes) fresh.add(x.site ?? fromWhere, 1, x.nbytes, x.dtype, x.shape);
    }
    newGroups.push(...fresh.list());

    const freed = new Grouper('python');
    for (const x of fromArrays) {
      if (toKeys.has(key(x)) || resizedFrom.has(key(x)) || x.nbytes < opts.minBytes) continue;
      // Not found by the census, but its data block is still live: unreachable from Python, not freed.
      const blk = fromAt.get(x.addr);
      if (blk && toBySeq.has(blk.seq)) continue;
      freed.add(x.site ?? fromWhere, 1, x.nbytes, x.dtype, x.shape);
    }
    freedGroups.push(...freed.list());

    refcount.push(...refcountEntries(fromArrays, toArrays, b.calls, fromWhere));
  }

  // Native blocks recorded by the tracker.
  let scannedBytes = 0;
  let scanKernelName = 'none';
  let scanMs = 0;
  const unreferenced = new Grouper('native');
  if (b.table) {
    const symTo = new Symbolizer(b.maps);
    const symFrom = new Symbolizer(a.maps);
    symTo.resolve(b.table.blocks.flatMap((x) => x.frames));
    // Anonymous mappings are buffers of the user's when user code called mmap itself; the others are runtimes' own
    // heaps (CPython's arenas, other allocators' chunks): left out of the ledger and scanned as roots, like any
    // memory the tracker does not know.
    const ownBlocks = (blocks: readonly TrackedBlock[], sym: Symbolizer): TrackedBlock[] =>
      blocks.filter((x) => x.kind === 'heap' || sym.calledFromUser(x.frames));
    const toBlocks = ownBlocks(b.table.blocks, symTo);
    const fromSeq = a.table?.seq ?? 0;
    const fresh = new Grouper('native');
    for (const x of toBlocks) {
      if (x.seq <= fromSeq || x.size < opts.minBytes || pyAddrs.has(x.addr)) continue;
      const site = symTo.userSite(x.frames);
      if (site) fresh.add(site, 1, x.size);
    }
    newGroups.push(...fresh.list());
    if (a.table) {
      symFrom.resolve(a.table.blocks.flatMap((x) => x.frames));
      const freed = new Grouper('native');
      const grown = new GrowthGrouper('native');
      for (const x of ownBlocks(a.table.blocks, symFrom)) {
        if (pyAddrs.has(x.addr)) continue;
        const y = toBySeq.get(x.seq);
        if (!y) {
          const site = x.size >= opts.minBytes ? symFrom.userSite(x.frames) : null;
          if (site) freed.add(site, 1, x.size);
        } else if (y.size > x.size && y.size >= opts.minBytes && !pyAddrs.has(y.addr)) {
          // realloc or mremap, in place or moved: the site of its first allocation (the tracker keeps its backtrace)
          const site = symTo.userSite(y.frames);
          if (site) grown.add(site, x.size, y.size);
        }
      }
      freedGroups.push(...freed.list());
      grownGroups.push(...grown.list());
    }

    const maps = readMaps(session.pid);
    const index = blockIndex(toBlocks);
    const sorted = [...toBlocks].sort((p, q) => p.addr - q.addr);
    const scan = await scanReachable((ad, l) => session.readRange(ad, l), rootRanges(session.pid, maps, [b.table.range]), index);
    scannedBytes = scan.bytesScanned;
    scanKernelName = scan.kernel;
    scanMs = scan.ms;
    sorted.forEach((x, i) => {
      if (scan.marks[i] || x.size < opts.minBytes || pyAddrs.has(x.addr)) return;
      const site = symTo.userSite(x.frames);
      if (site) unreferenced.add(site, 1, x.size);
    });

    // Dangling views: arrays over memory they do not own, now unmapped or inside a block freed since FROM (or moved
    // away by realloc, or cut short).
    const stillThere = (x: TrackedBlock, at: number): boolean => {
      const y = toBySeq.get(x.seq);
      return y !== undefined && y.addr === x.addr && at < y.addr + y.size;
    };
    // A view made since FROM over a block alive now is not dangling, even where an older, freed block once lay (the
    // allocator reuses addresses: a realloc'd block can land where an unmapped one was). A view that was already
    // there at FROM, over a block gone since, is dangling whatever now lives at its address.
    const seenAtFrom = new Set((a.census?.views ?? []).map((w) => `${w.id}:${w.addr}`));
    const liveAt = (at: number): boolean => b.table!.blocks.some((y) => at >= y.addr && at < y.addr + y.size);
    for (const v of b.census?.views ?? []) {
      const base = { language: 'python' as const, site: v.site ?? fromWhere, ...(v.expr ? { expr: v.expr } : {}), address: `0x${v.addr.toString(16)}`, bytes: v.nbytes };
      if (!isMapped(maps, v.addr, v.nbytes)) dangling.push({ ...base, reason: 'unmapped' });
      else if (
        a.table?.blocks.some((x) => v.addr >= x.addr && v.addr < x.addr + x.size && !stillThere(x, v.addr)) &&
        (seenAtFrom.has(`${v.id}:${v.addr}`) || !liveAt(v.addr))
      )
        dangling.push({ ...base, reason: 'freed' });
    }
  } else {
    const maps = readMaps(session.pid);
    for (const v of b.census?.views ?? [])
      if (!isMapped(maps, v.addr, v.nbytes))
        dangling.push({ language: 'python', site: v.site ?? fromWhere, ...(v.expr ? { expr: v.expr } : {}), address: `0x${v.addr.toString(16)}`, bytes: v.nbytes, reason: 'unmapped' });
  }

  return {
    from: fromWhere,
    to: opts.to,
    new: newGroups,
    grown: grownGroups,
    freed: freedGroups,
    refcount,
    unreferenced: unreferenced.list(),
    dangling,
    notes: { tracker: b.table !== null, trackerDropped: b.table?.dropped ?? 0, scannedBytes, scanMs: Math.round(scanMs), scanKernel: scanKernelName, minBytes: opts.minBytes },
  };
}
