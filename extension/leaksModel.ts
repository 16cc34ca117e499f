// The pure half of the Leaks view: two censuses of a Python session's NumPy arrays (the previous stop and this one)
// diffed into site groups (arrays allocated since and still alive, arrays freed since, references that grew), and
// `file:line` sites split for opening. No vscode import: unit-tested directly.

import type { PythonArrayRecord, PythonCensus } from '../src/leaks/pythonCensus';

export interface SiteGroup {
  /** `file:line` of the allocation (innermost user frame), or null when allocated before tracing began. */
  site: string | null;
  count: number;
  bytes: number;
  /** Names of the arrays at this stop (those the census could name). */
  names: string[];
}

export interface RefGrowth {
  site: string | null;
  expr: string | null;
  delta: number;
}

export interface LeakDiff {
  /** Arrays present at this stop and not at the previous one, by site, biggest first. */
  added: SiteGroup[];
  /** Arrays present at the previous stop and gone at this one, by site, biggest first. */
  freed: SiteGroup[];
  /** Arrays alive at both stops whose unexplained references grew. */
  refGrowth: RefGrowth[];
}

const key = (a: PythonArrayRecord): string => `${a.id}:${a.addr}`;

function group(records: PythonArrayRecord[], minBytes: number): SiteGroup[] {
  const bySite = new Map<string, SiteGroup>();
  for (const r of records) {
    if (r.nbytes < minBytes) continue;
    const k = r.site ?? '';
    let g = bySite.get(k);
    if (!g) bySite.set(k, (g = { site: r.site, count: 0, bytes: 0, names: [] }));
    g.count += 1;
    g.bytes += r.nbytes;
    if (r.expr && !g.names.includes(r.expr)) g.names.push(r.expr);
  }
  return [...bySite.values()].sort((a, b) => b.bytes - a.bytes || (a.site ?? '').localeCompare(b.site ?? ''));
}

/** What changed between two stops: arrays are the same when both identity and data address agree. */
export function diffCensus(prev: PythonCensus, cur: PythonCensus, minBytes = 0): LeakDiff {
  const before = new Map(prev.arrays.map((a) => [key(a), a]));
  const now = new Map(cur.arrays.map((a) => [key(a), a]));
  const added = cur.arrays.filter((a) => !before.has(key(a)));
  const freed = prev.arrays.filter((a) => !now.has(key(a)));
  const refGrowth: RefGrowth[] = [];
  for (const a of cur.arrays) {
    const b = before.get(key(a));
    if (b && a.refs > b.refs) refGrowth.push({ site: a.site ?? b.site, expr: a.expr ?? null, delta: a.refs - b.refs });
  }
  refGrowth.sort((a, b) => b.delta - a.delta);
  return { added: group(added, minBytes), freed: group(freed, minBytes), refGrowth };
}

/** `/a/b.py:12` -> file and 1-based line; null for anything else. */
export function parseSite(site: string | null): { file: string; line: number } | null {
  const m = site ? /^(.+):(\d+)$/.exec(site) : null;
  if (!m) return null;
  const line = Number(m[2]);
  return line >= 1 ? { file: m[1], line } : null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

/** The label and description of a site group in the view. */
export function describeGroup(g: SiteGroup, baseName: (file: string) => string): { label: string; description: string } {
  const at = parseSite(g.site);
  const label = at ? `${baseName(at.file)}:${at.line}` : '(allocated before the first stop)';
  const names = g.names.length ? ` · ${g.names.slice(0, 3).join(', ')}${g.names.length > 3 ? ', …' : ''}` : '';
  return { label, description: `${g.count} × · ${formatBytes(g.bytes)}${names}` };
}

/** Whether an `arraylens` launch configuration runs a Python program (the only kind the Leaks view takes). */
export function isPythonConfiguration(c: { readonly [key: string]: unknown }): boolean {
  return typeof c.module === 'string' || (typeof c.program === 'string' && /\.pyw?$/i.test(c.program));
}
