// The buffer ledger between two stops: snapshots (Python census, tracker table) at FROM and TO, the diff grouped
// by allocation site, the refcount check across the boundary, the unreferenced scan and dangling views.

import * as path from 'path';
import { LeakGroup, LeaksReport, RefcountEntry, DanglingView } from './report';
import { Mapping, isMapped, readMaps } from './procMaps';
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

const key = (a: { id: number; addr: number }): string => `${a.id}:${a.addr}`;
const blockKey = (b: TrackedBlock): string => `${b.addr}:${b.seq}`;

export async function runLeakCheck(session: LeakSession, opts: LeakCheckOptions): Promise<LeaksReport> {
  const a = await snapshot(session, 'from', []);
  let b: Stop;
  try {
    await session.continueTo(opts.to);
    b = await snapshot(session, 'to', a.census?.arrays.map((x) => x.id) ?? []);
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
  const freedGroups: LeakGroup[] = [];
  const refcount: RefcountEntry[] = [];
  const dangling: DanglingView[] = [];
  const pyAddrs = new Set<number>();
  const toBlocks = new Map((b.table?.blocks ?? []).map((x) => [blockKey(x), x]));

  // Python: arrays that own their data.
  if (a.census?.numpy || b.census?.numpy) {
    const fromArrays = a.census?.arrays ?? [];
    const toArrays = b.census?.arrays ?? [];
    for (const x of [...fromArrays, ...toArrays]) pyAddrs.add(x.addr);
    const fromKeys = new Map(fromArrays.map((x) => [key(x), x]));
    const toKeys = new Map(toArrays.map((x) => [key(x), x]));
    const born = toArrays.filter((x) => !fromKeys.has(key(x)));
    const fresh = new Grouper('python');
    if (a.census?.started && b.census?.tracing) {
      // tracemalloc began at FROM: every live trace in NumPy's domain is a buffer allocated since, reachable or not.
      for (const [site, size, count] of b.census.traces) if (size >= opts.minBytes) fresh.add(site ?? fromWhere, count, size * count);
      const layouts = new Map<string, PythonArrayRecord[]>();
      for (const x of born) if (x.nbytes >= opts.minBytes) layouts.set(x.site ?? fromWhere, [...(layouts.get(x.site ?? fromWhere) ?? []), x]);
      const tracedCount = new Map<string, number>();
      for (const [site, size, count] of b.census.traces) if (size >= opts.minBytes) tracedCount.set(site ?? fromWhere, (tracedCount.get(site ?? fromWhere) ?? 0) + count);
      for (const [site, xs] of layouts) {
        for (const x of xs) fresh.add(site, 0, 0, x.dtype, x.shape);
        if ((tracedCount.get(site) ?? 0) !== xs.length) fresh.unknownLayout(site);
      }
      for (const site of tracedCount.keys()) if (!layouts.has(site)) fresh.unknownLayout(site);
    } else {
      for (const x of born) if (x.nbytes >= opts.minBytes) fresh.add(x.site ?? fromWhere, 1, x.nbytes, x.dtype, x.shape);
    }
    newGroups.push(...fresh.list());

    const fromBlocks = new Map((a.table?.blocks ?? []).map((x) => [x.addr, x]));
    const freed = new Grouper('python');
    for (const x of fromArrays) {
      if (toKeys.has(key(x)) || x.nbytes < opts.minBytes) continue;
      // Not found by the census, but its data block is still live: unreachable from Python, not freed.
      const blk = fromBlocks.get(x.addr);
      if (blk && toBlocks.has(blockKey(blk))) continue;
      freed.add(x.site ?? fromWhere, 1, x.nbytes, x.dtype, x.shape);
    }
    freedGroups.push(...freed.list());

    for (const x of toArrays) {
      const before = fromKeys.get(key(x));
      if (!before) continue;
      const delta = x.refs - before.refs;
      if (delta > 0) refcount.push({ site: x.site ?? before.site ?? fromWhere, ...(x.expr ? { expr: x.expr } : {}), delta });
    }
  }

  // Native blocks recorded by the tracker.
  let scannedBytes = 0;
  let scanMs = 0;
  const unreferenced = new Grouper('native');
  if (b.table) {
    const symTo = new Symbolizer(b.maps);
    const symFrom = new Symbolizer(a.maps);
    symTo.resolve(b.table.blocks.flatMap((x) => x.frames));
    const fromSeq = a.table?.seq ?? 0;
    const fresh = new Grouper('native');
    for (const x of b.table.blocks) {
      if (x.seq <= fromSeq || x.size < opts.minBytes || pyAddrs.has(x.addr)) continue;
      const site = symTo.userSite(x.frames);
      if (site) fresh.add(site, 1, x.size);
    }
    newGroups.push(...fresh.list());
    if (a.table) {
      symFrom.resolve(a.table.blocks.flatMap((x) => x.frames));
      const freed = new Grouper('native');
      for (const x of a.table.blocks) {
        if (toBlocks.has(blockKey(x)) || x.size < opts.minBytes || pyAddrs.has(x.addr)) continue;
        const site = symFrom.userSite(x.frames);
        if (site) freed.add(site, 1, x.size);
      }
      freedGroups.push(...freed.list());
    }

    const maps = readMaps(session.pid);
    const index = blockIndex(b.table.blocks);
    const sorted = [...b.table.blocks].sort((p, q) => p.addr - q.addr);
    const scan = await scanReachable((ad, l) => session.readRange(ad, l), rootRanges(session.pid, maps, [b.table.range]), index);
    scannedBytes = scan.bytesScanned;
    scanMs = scan.ms;
    sorted.forEach((x, i) => {
      if (scan.marks[i] || x.size < opts.minBytes || pyAddrs.has(x.addr)) return;
      const site = symTo.userSite(x.frames);
      if (site) unreferenced.add(site, 1, x.size);
    });

    // Dangling views: arrays over memory they do not own, now unmapped or inside a block freed since FROM.
    for (const v of b.census?.views ?? []) {
      const base = { language: 'python' as const, site: v.site ?? fromWhere, ...(v.expr ? { expr: v.expr } : {}), address: `0x${v.addr.toString(16)}`, bytes: v.nbytes };
      if (!isMapped(maps, v.addr, v.nbytes)) dangling.push({ ...base, reason: 'unmapped' });
      else if (a.table?.blocks.some((x) => v.addr >= x.addr && v.addr < x.addr + x.size && !toBlocks.has(blockKey(x))))
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
    freed: freedGroups,
    refcount,
    unreferenced: unreferenced.list(),
    dangling,
    notes: { tracker: b.table !== null, trackerDropped: b.table?.dropped ?? 0, scannedBytes, scanMs: Math.round(scanMs), minBytes: opts.minBytes },
  };
}
