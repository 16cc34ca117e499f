// The stats panel: whole-array counts, range, mean and std from the engine, and its histogram on a canvas.

import type { JsonStats } from '../src/protocol/dap';
import { el } from './dom';
import { RequestFailed } from './hostConnection';

/**
 * 1234567 -> "1,234,567". Not toLocaleString: its first call loads ICU's number formatting, 40-70 ms on the path to
 * the panel's first picture (measured in headless Chromium, bench/inspector).
 */
export function groupDigits(n: number): string {
  const s = String(Math.trunc(n));
  return /^-?\d+$/.test(s) ? s.replace(/\B(?=(\d{3})+$)/g, ',') : s;
}

export function statNumber(x: number | string | null): string {
  if (x === null) return '—';
  if (typeof x === 'string') return x;
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8)));
}

export class StatsPanel {
  readonly root: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly caption: HTMLElement;
  readonly histogram: HTMLCanvasElement;
  private readonly range: HTMLElement;
  /** Says that stats and histogram are of the whole array, whatever the image shows. */
  private readonly note: HTMLElement;
  /** The stats of the live stop, once they came (null while computing and after a failure). */
  live: JsonStats | null = null;

  constructor() {
    this.caption = el('div', { class: 'stats-caption', attrs: { id: 'stats-caption' }, text: 'whole array: waiting for the stop' });
    this.table = el('table', { class: 'stats-table', attrs: { id: 'stats' } });
    this.histogram = el('canvas', { class: 'histogram', attrs: { id: 'histogram', width: '260', height: '90', role: 'img', 'aria-label': 'histogram of the whole array' } });
    this.range = el('div', { class: 'hist-range', attrs: { id: 'hist-range' } });
    this.note = el('div', { class: 'hist-range', attrs: { id: 'hist-note' }, text: 'statistics and histogram: whole array' });
    this.root = el('section', { class: 'stats-panel', attrs: { 'aria-label': 'statistics' } }, [
      el('h3', { text: 'Statistics' }),
      this.caption,
      this.table,
      this.histogram,
      this.range,
      this.note,
    ]);
  }

  /** What the image shows next to the whole-array figures (`step` > 1: one value per block). */
  imageNote(step: number, mode: string): void {
    this.note.textContent =
      step > 1
        ? `statistics and histogram: whole array; the image is decimated (${mode} of ${step}×${step} blocks)`
        : 'statistics and histogram: whole array';
  }

  /** Asks for the new stop's stats (after `loading`); shows them and calls `shown` if that stop is still live. */
  request(ask: () => Promise<JsonStats>, stillLive: () => boolean, shown: () => void): void {
    ask().then(
      (st) => {
        if (!stillLive()) return;
        this.live = st;
        this.show(st);
        shown();
      },
      (e: Error) => {
        if (e instanceof RequestFailed && e.code === 'stale') return;
        this.failed(e.message);
      },
    );
  }

  /** The stats kept for an earlier stop of the history strip, or the live stop's again (null). */
  showKept(kept: { stop: number; stats: JsonStats | null } | null): void {
    if (kept) {
      if (kept.stats) this.show(kept.stats);
      else this.failed(`no stats were kept for stop ${kept.stop}`);
    } else if (this.live) this.show(this.live);
  }

  /** A new stop: its stats are being computed (`count` elements). */
  loading(count: number): void {
    this.live = null;
    this.caption.textContent = `whole array (${groupDigits(count)} elements): computing…`;
  }

  failed(message: string): void {
    this.caption.textContent = `whole array: ${message}`;
  }

  show(s: JsonStats): void {
    this.caption.textContent = `whole array (${groupDigits(s.count)} elements, ${s.backend} kernels)`;
    const rows: [string, string][] = [
      ['count', String(s.count)],
      ['min', statNumber(s.min)],
      ['max', statNumber(s.max)],
      ['mean', statNumber(s.mean)],
      ['std', statNumber(s.std)],
      ['NaN', String(s.nan)],
      ['+Inf', String(s.posinf)],
      ['−Inf', String(s.neginf)],
      ['zeros', String(s.zeros)],
    ];
    this.table.replaceChildren(
      ...rows.map(([k, v]) => el('tr', { attrs: { 'data-key': k } }, [el('th', { text: k, attrs: { scope: 'row' } }), el('td', { text: v })])),
    );
    this.drawHistogram(s);
  }

  private drawHistogram(s: JsonStats): void {
    const c = this.histogram;
    const ctx = c.getContext('2d')!;
    ctx.clearRect(0, 0, c.width, c.height);
    const counts = s.histogram.counts;
    const max = Math.max(1, ...counts);
    const style = getComputedStyle(document.body);
    ctx.fillStyle = style.getPropertyValue('--vscode-charts-blue').trim() || '#3794ff';
    const bw = c.width / Math.max(1, counts.length);
    counts.forEach((n, i) => {
      if (n === 0) return;
      const h = Math.max(1, Math.round((n / max) * (c.height - 2)));
      ctx.fillRect(i * bw, c.height - h, Math.max(1, bw - (bw > 3 ? 1 : 0)), h);
    });
    this.range.textContent = s.histogram.lo === null ? 'no finite values' : `${statNumber(s.histogram.lo)} … ${statNumber(s.histogram.hi)} in ${s.histogram.bins} bins`;
  }
}
