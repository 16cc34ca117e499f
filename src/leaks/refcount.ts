// The refcount check across the Python/native boundary: references to NumPy arrays that nothing in Python explains
// and that grew between FROM and TO (for an array born since, all it has), each named by the native calls that took
// them (src/leaks/callWatch.ts), or by the array's allocation site when no watched call did.

import { CallWatch } from './callWatch';
import { PythonArrayRecord } from './pythonCensus';
import { RefcountEntry } from './report';

/** One share of an array's persistent growth: the call site (and callee) that took it, or the fallback site. */
export interface GrowthShare {
  site: string;
  call?: string;
  delta: number;
}

/**
 * Splits `growth` references over the calls that took references (net delta per site and callee, in the order
 * they were first seen). When the calls took exactly the growth or less, each keeps its own count and the rest
 * goes to `fallback`; when they took more (some were given back later, or were returned to the caller), each gets
 * its proportional share (largest remainders, ties to the earlier call). The shares always sum to `growth`.
 */
export function attributeGrowth(growth: number, calls: readonly [string, string, number][], fallback: string): GrowthShare[] {
  if (growth <= 0) return [];
  const taken = calls.filter(([, , d]) => d > 0);
  const total = taken.reduce((s, [, , d]) => s + d, 0);
  if (total <= growth) {
    const shares: GrowthShare[] = taken.map(([site, call, delta]) => ({ site, call, delta }));
    if (growth > total) shares.push({ site: fallback, delta: growth - total });
    return shares;
  }
  const exact = taken.map(([, , d]) => (growth * d) / total);
  const shares = exact.map(Math.floor);
  let left = growth - shares.reduce((s, n) => s + n, 0);
  const order = exact.map((e, i) => ({ frac: e - shares[i], i })).sort((p, q) => q.frac - p.frac || p.i - q.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] += 1;
    left -= 1;
  }
  return taken.map(([site, call], i) => ({ site, call, delta: shares[i] })).filter((s) => s.delta > 0);
}

const key = (a: { id: number; addr: number }): string => `${a.id}:${a.addr}`;

/**
 * Refcount entries between two censuses: arrays alive at TO whose unexplained references grew since FROM, or, born
 * since, have any. Entries with the same site, name and callee are merged (three arrays made and handed to the same
 * call on one line give one entry of +3); biggest first.
 */
export function refcountEntries(
  fromArrays: readonly PythonArrayRecord[],
  toArrays: readonly PythonArrayRecord[],
  calls: CallWatch | null | undefined,
  fromWhere: string,
): RefcountEntry[] {
  const before = new Map(fromArrays.map((x) => [key(x), x]));
  const measured = new Map(calls?.arrays ?? []);
  const merged = new Map<string, RefcountEntry>();
  for (const x of toArrays) {
    const b = before.get(key(x));
    const growth = b ? x.refs - b.refs : x.refs;
    if (growth <= 0) continue;
    for (const share of attributeGrowth(growth, measured.get(x.id) ?? [], x.site ?? b?.site ?? fromWhere)) {
      const k = [share.site, x.expr ?? '', share.call ?? ''].join('\0');
      const e = merged.get(k);
      if (e) e.delta += share.delta;
      else merged.set(k, { site: share.site, ...(x.expr ? { expr: x.expr } : {}), ...(share.call ? { call: share.call } : {}), delta: share.delta });
    }
  }
  return [...merged.values()].sort((p, q) => q.delta - p.delta || p.site.localeCompare(q.site, 'en', { numeric: true }) || (p.expr ?? '').localeCompare(q.expr ?? ''));
}
