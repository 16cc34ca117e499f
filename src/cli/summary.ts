// Readable (non-JSON) output of the CLI.

import { toJson } from '../core/decode';
import { Stats } from '../core/stats';
import { InspectResult, StatsFileResult } from '../protocol/cli';

function fmt(x: number | bigint | null): string {
  if (x === null) return '—';
  if (typeof x === 'bigint') return x.toString();
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}

function sparkline(counts: number[]): string {
  const bars = '▁▂▃▄▅▆▇█';
  const width = Math.min(64, counts.length);
  const per = counts.length / width;
  const cols: number[] = [];
  for (let i = 0; i < width; i++) {
    let s = 0;
    for (let j = Math.floor(i * per); j < Math.floor((i + 1) * per); j++) s += counts[j];
    cols.push(s);
  }
  const max = Math.max(1, ...cols);
  return cols.map((c) => (c === 0 ? ' ' : bars[Math.min(7, Math.floor((c / max) * 7.999))])).join('');
}

export function formatStats(s: Stats): string[] {
  return [
    `  count ${s.count}   nan ${s.nan}   +inf ${s.posinf}   -inf ${s.neginf}   zeros ${s.zeros}`,
    `  min ${fmt(s.min)}   max ${fmt(s.max)}   mean ${fmt(s.mean)}   std ${fmt(s.std)}`,
    `  histogram (${s.histogram.bins} bins) ${sparkline(s.histogram.counts)}`,
  ];
}

export function formatSummary(r: InspectResult): string {
  const lines = [
    `${r.expr}${r.slice ?? ''}: ${r.dtype} (${r.byteOrder}) shape [${r.shape.join(', ')}] strides [${r.strides.join(', ')}] at ${r.address}`,
    `  ${r.language} ${r.typeName ?? ''}, read via ${r.transport} in ${r.timing.read_ms.toFixed(1)} ms`,
  ];
  if (r.values !== undefined) {
    const text = toJson(r.values);
    lines.push(`  values ${text.length > 400 ? text.slice(0, 400) + '…' : text}`);
  }
  if (r.stats) lines.push(...formatStats(r.stats), `  stats by ${r.stats.backend} in ${(r.timing.stats_ms ?? 0).toFixed(1)} ms`);
  return lines.join('\n');
}

export function formatStatsSummary(r: StatsFileResult): string {
  return [`${r.file}${r.slice ?? ''}: ${r.dtype} (${r.byteOrder}) shape [${r.shape.join(', ')}]`, ...formatStats(r.stats), `  stats by ${r.stats.backend} in ${r.timing.stats_ms.toFixed(1)} ms`].join('\n');
}
