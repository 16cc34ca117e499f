// The line plot of 1-D data on a canvas: exact values up to EXACT_POINTS, beyond that a min/max envelope of
// host-reduced blocks; NaN and ±Inf break the line (gaps) and are marked under the axis in their own colours.

import { NAN_RGB, NEGINF_RGB, POSINF_RGB } from './colormap';
import { FrameScheduler, el } from './dom';
import { FormatOptions } from './values';

/** Up to this many elements the plot reads every value; above, min and max of blocks (≤ ENVELOPE_POINTS each). */
export const EXACT_POINTS = 1 << 16;
export const ENVELOPE_POINTS = 4096;

export interface PlotData {
  /** Elements in the array. */
  n: number;
  /** Elements per point (1: exact). */
  factor: number;
  lo: Float64Array;
  hi: Float64Array;
  /** Text of point i for the readout. */
  text(i: number, fmt: FormatOptions): string;
}

const MARGIN = { left: 64, right: 12, top: 10, bottom: 28 };

export class LinePlot {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private data: PlotData | null = null;
  private readonly frames = new FrameScheduler(() => this.draw());

  constructor(
    private readonly onHover: (index: number, text: string | null, factor: number) => void,
    private readonly onLeave: () => void,
    private fmt: FormatOptions,
  ) {
    this.canvas = el('canvas', { class: 'plot-canvas', attrs: { id: 'lineplot', tabindex: '0', role: 'img', 'aria-label': 'line plot of the 1-D array' } });
    this.root = el('div', { class: 'heat-root' }, [el('div', { class: 'heat-wrap' }, [this.canvas])]);
    new ResizeObserver(() => this.schedule()).observe(this.root);
    this.canvas.addEventListener('mousemove', (e) => {
      const r = this.canvas.getBoundingClientRect();
      this.hover(e.clientX - r.left);
    });
    this.canvas.addEventListener('mouseleave', () => this.onLeave());
  }

  setData(d: PlotData | null): void {
    this.data = d;
    this.schedule();
  }

  setFormat(f: FormatOptions): void {
    this.fmt = f;
  }

  schedule(): void {
    this.frames.schedule();
  }

  private points(): number {
    return this.data ? this.data.lo.length : 0;
  }

  private xOf(i: number, w: number): number {
    const n = Math.max(1, this.points() - 1);
    return MARGIN.left + (i / n) * (w - MARGIN.left - MARGIN.right);
  }

  private hover(x: number): void {
    const d = this.data;
    if (!d) return;
    const w = this.canvas.width;
    const pw = w - MARGIN.left - MARGIN.right;
    const i = Math.round(((x - MARGIN.left) / pw) * Math.max(1, this.points() - 1));
    if (i < 0 || i >= this.points()) return this.onLeave();
    this.onHover(i * d.factor, d.text(i, this.fmt), d.factor);
  }

  draw(): void {
    const wrap = this.canvas.parentElement!;
    const w = wrap.clientWidth;
    const h = wrap.clientHeight;
    if (w === 0 || h === 0) return;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, w, h);
    const d = this.data;
    if (!d) return;
    let ymin = Infinity;
    let ymax = -Infinity;
    for (let i = 0; i < d.lo.length; i++) {
      if (Number.isFinite(d.lo[i])) ymin = Math.min(ymin, d.lo[i]);
      if (Number.isFinite(d.hi[i])) ymax = Math.max(ymax, d.hi[i]);
    }
    if (!(ymin <= ymax)) [ymin, ymax] = [0, 1];
    if (ymin === ymax) [ymin, ymax] = [ymin - 1, ymax + 1];
    const top = MARGIN.top;
    const bottom = h - MARGIN.bottom;
    const yOf = (v: number): number => bottom - ((v - ymin) / (ymax - ymin)) * (bottom - top);
    const style = getComputedStyle(document.body);
    const fg = style.getPropertyValue('--vscode-descriptionForeground').trim() || '#999';
    // Axes and labels live in the margins only: inside the plot area a pixel is either the line or empty.
    ctx.strokeStyle = fg;
    ctx.fillStyle = fg;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(MARGIN.left - 4.5, top);
    ctx.lineTo(MARGIN.left - 4.5, bottom + 4.5);
    ctx.lineTo(w - MARGIN.right, bottom + 4.5);
    ctx.stroke();
    ctx.font = `11px ${style.getPropertyValue('--vscode-editor-font-family').trim() || 'monospace'}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(Number(ymax.toPrecision(4))), MARGIN.left - 8, top + 4);
    ctx.fillText(String(Number(ymin.toPrecision(4))), MARGIN.left - 8, bottom - 4);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText('0', MARGIN.left, bottom + 8);
    ctx.textAlign = 'right';
    ctx.fillText(String(d.n - 1), w - MARGIN.right, bottom + 8);
    const line = style.getPropertyValue('--vscode-charts-blue').trim() || '#3794ff';
    ctx.strokeStyle = line;
    ctx.fillStyle = line;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let open = false;
    for (let i = 0; i < d.lo.length; i++) {
      const a = d.lo[i];
      const b = d.hi[i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        open = false; // a gap
        continue;
      }
      const x = this.xOf(i, w);
      if (!open) ctx.moveTo(x, yOf(a));
      else ctx.lineTo(x, yOf(a));
      if (b !== a) ctx.lineTo(x, yOf(b)); // envelope: the block's range as a vertical stroke
      open = true;
    }
    ctx.stroke();
    // A lone finite point between gaps would draw nothing: a dot.
    for (let i = 0; i < d.lo.length; i++) {
      const lone = Number.isFinite(d.lo[i]) && !Number.isFinite(d.lo[i - 1] ?? NaN) && !Number.isFinite(d.lo[i + 1] ?? NaN);
      if (lone) ctx.fillRect(this.xOf(i, w) - 1, yOf(d.lo[i]) - 1, 3, 3);
    }
    // Non-finite markers under the axis.
    for (let i = 0; i < d.lo.length; i++) {
      const v = Number.isFinite(d.lo[i]) ? d.hi[i] : d.lo[i];
      if (Number.isFinite(v)) continue;
      const rgb = Number.isNaN(v) ? NAN_RGB : v > 0 ? POSINF_RGB : NEGINF_RGB;
      ctx.fillStyle = `rgb(${rgb.join(',')})`;
      ctx.fillRect(Math.round(this.xOf(i, w)) - 1, bottom + 1, 3, 3);
    }
    this.canvas.dataset.left = String(MARGIN.left);
    this.canvas.dataset.right = String(w - MARGIN.right);
    this.canvas.dataset.top = String(top);
    this.canvas.dataset.bottom = String(bottom);
    this.canvas.dataset.points = String(d.lo.length);
    this.canvas.dataset.factor = String(d.factor);
  }
}
