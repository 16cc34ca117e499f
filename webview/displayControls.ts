// The display toolbar's own controls: number format and precision of the values, and the heatmap's colours
// (colormap, and the contrast range: whole-array min/max, p1–p99 asked of the host, or typed by the user).

import type { JsonStats } from '../src/protocol/dap';
import type { ArrayState } from '../src/protocol/webview';
import { COLORMAPS, ColormapName } from './colormap';
import { el } from './dom';
import { HostConnection, RequestFailed } from './hostConnection';
import { DecodedTile, FormatOptions, NumberFormat } from './values';

export class FormatControls {
  private readonly formatSel = el('select', { attrs: { id: 'format', 'aria-label': 'number format' } });
  private readonly precision = el('input', { attrs: { id: 'precision', type: 'number', min: '0', max: '17', value: '6', 'aria-label': 'precision' } });

  constructor(onChange: (fmt: FormatOptions) => void) {
    for (const f of ['auto', 'fixed', 'scientific', 'hex'] as NumberFormat[]) this.formatSel.appendChild(el('option', { text: f, attrs: { value: f } }));
    const changed = (): void =>
      onChange({ format: this.formatSel.value as NumberFormat, precision: Math.max(0, Math.min(17, Number(this.precision.value) || 0)) });
    this.formatSel.addEventListener('change', changed);
    this.precision.addEventListener('change', changed);
  }

  elements(): HTMLElement[] {
    return [el('label', { text: 'format' }, [this.formatSel]), el('label', { text: 'precision' }, [this.precision])];
  }
}

export interface ColorHooks {
  conn: HostConnection;
  state(): ArrayState | null;
  /** Whole-array stats of the live stop, once they came. */
  stats(): JsonStats | null;
  /** The heatmap tiles loaded so far (complex arrays: their |z|). */
  loaded(): Iterable<DecodedTile>;
  /** Axis shown as colour channels (-1: none). */
  channelAxis(): number;
  apply(cmap: ColormapName, lo: number, hi: number, rgb: [number, number] | null): void;
  error(message: string): void;
}

export class ColorControls {
  private cmap: ColormapName = 'viridis';
  private contrast: 'auto' | 'percentile' | 'manual' = 'auto';
  /** p1 and p99 of the whole array at the current stop, once asked for. */
  private pct: { stop: number; values: [number, number] | null } | null = null;
  private readonly cmapSel = el('select', { attrs: { id: 'colormap', 'aria-label': 'colormap' } });
  private readonly contrastSel = el('select', { attrs: { id: 'contrast', 'aria-label': 'contrast' } });
  private readonly loInput = el('input', { attrs: { id: 'lo', type: 'number', step: 'any', 'aria-label': 'contrast low' } });
  private readonly hiInput = el('input', { attrs: { id: 'hi', type: 'number', step: 'any', 'aria-label': 'contrast high' } });

  constructor(private readonly hooks: ColorHooks) {
    for (const c of Object.keys(COLORMAPS)) this.cmapSel.appendChild(el('option', { text: c, attrs: { value: c } }));
    for (const [v, label] of [['auto', 'auto (min/max)'], ['percentile', 'percentile (p1–p99)'], ['manual', 'manual']])
      this.contrastSel.appendChild(el('option', { text: label, attrs: { value: v } }));
    this.cmapSel.addEventListener('change', () => {
      this.cmap = this.cmapSel.value as ColormapName;
      this.update();
    });
    this.contrastSel.addEventListener('change', () => {
      this.contrast = this.contrastSel.value as 'auto' | 'percentile' | 'manual';
      this.update();
    });
    for (const i of [this.loInput, this.hiInput])
      i.addEventListener('change', () => {
        this.contrast = 'manual';
        this.contrastSel.value = 'manual';
        this.update();
      });
  }

  /** Colormap, contrast and its low/high fields, first among the heatmap's controls. */
  elements(): HTMLElement[] {
    return [el('label', { text: 'colormap' }, [this.cmapSel]), el('label', { text: 'contrast' }, [this.contrastSel]), this.loInput, this.hiInput];
  }

  /** A heatmap tile came: auto contrast of a complex array follows what is loaded. */
  tileLoaded(): void {
    // Complex: auto contrast follows what is loaded; others until the stats come (the coarse first picture).
    if (this.contrast === 'auto' && (this.hooks.state()?.array?.dtype.startsWith('complex') || !this.hooks.stats())) this.update();
  }

  update(): void {
    let lo = Number(this.loInput.value);
    let hi = Number(this.hiInput.value);
    if (this.contrast !== 'manual') {
      const r = this.contrast === 'percentile' ? this.percentileRange() : this.autoRange();
      if (r) [lo, hi] = r;
      else if (this.hooks.state()?.array?.dtype === 'bool') [lo, hi] = [0, 1];
      else if (!Number.isFinite(lo) || !Number.isFinite(hi) || this.loInput.value === '') [lo, hi] = [0, 1];
      this.loInput.value = String(lo);
      this.hiInput.value = String(hi);
    }
    this.loInput.disabled = this.contrast !== 'manual';
    this.hiInput.disabled = this.contrast !== 'manual';
    this.hooks.apply(this.cmap, lo, hi, this.rgbRange());
  }

  /**
   * Auto contrast is the whole array's finite min/max (from the stats); for complex, |z| of what is loaded; until the
   * stats come, the range of what is loaded (the coarse sample first), so the first picture is not all one colour.
   */
  private autoRange(): [number, number] | null {
    const a = this.hooks.state()?.array;
    if (!a) return null;
    const stats = this.hooks.stats();
    if (a.dtype.startsWith('complex') || (!stats && a.dtype !== 'bool')) {
      // The stats are of the complex values; the heatmap shows |z|: range of what is loaded.
      let lo = Infinity;
      let hi = -Infinity;
      for (const t of this.hooks.loaded())
        for (const v of t.numeric)
          if (Number.isFinite(v)) {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
      return lo <= hi ? [lo, hi] : null;
    }
    if (stats && stats.min !== null && stats.max !== null) return [Number(stats.min), Number(stats.max)];
    return null;
  }

  /** p1/p99 of the whole array from the engine (asked once per stop, when percentile contrast is chosen). */
  private percentileRange(): [number, number] | null {
    const st = this.hooks.state();
    if (!st?.array) return null;
    if (this.pct?.stop === st.stop) return this.pct.values;
    const stop = st.stop;
    this.pct = { stop, values: null };
    this.hooks.conn.request('percentiles', { stop, ranks: [1, 99] }).then(
      (r) => {
        if (this.hooks.state()?.stop !== stop) return;
        this.pct = { stop, values: r.values ? [r.values[0], r.values[1]] : null };
        this.update();
      },
      (e: Error) => {
        if (e instanceof RequestFailed && e.code === 'stale') return;
        this.hooks.error(`percentile contrast: ${e.message}`);
      },
    );
    return null;
  }

  /** uint8 images are 0-255, float images 0-1; other dtypes use the contrast range. */
  private rgbRange(): [number, number] | null {
    const a = this.hooks.state()?.array;
    if (this.hooks.channelAxis() < 0 || !a) return null;
    if (a.dtype === 'uint8') return [0, 255];
    if (a.dtype.startsWith('float') || a.dtype === 'bfloat16') return [0, 1];
    return null;
  }
}
