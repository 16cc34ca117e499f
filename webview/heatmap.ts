// The heatmap: the plane on a canvas through a colormap, zoomed and panned; only the tiles in view are requested,
// zoomed out as host-reduced overviews of step × step blocks (step a power of two), values drawn inside pixels;
// or, with a channel axis, a colour image (RGB/BGR, alpha over a checkerboard).

import { ColormapName, NAN_RGB, NEGINF_RGB, POSINF_RGB, colorize, colorizeRgb, lut } from './colormap';
import type { ChannelOrder } from './axisControls';
import { FrameScheduler, el } from './dom';
import { TileStore, tileTimes } from './tiles';
import { DecodedTile, FormatOptions, RgbTile } from './values';
import { HEAT_TILE, previewStep } from '../src/protocol/plane';

export { HEAT_TILE } from '../src/protocol/plane';

export interface HeatHost {
  /** Hover readout of plane element (r, c) shown at `step` (null when the pointer leaves). */
  onHover(r: number, c: number, tile: DecodedTile | null, tr: number, tc: number, step: number): void;
  onLeave(): void;
  /** The zoom level changed: 1 shows every element, n > 1 one value per n × n block. */
  onStep?(step: number): void;
  /** Every tile in view has been drawn once since the plane was set (the complete picture). */
  onFullPicture?(): void;
}

export class Heatmap {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly colorbar: HTMLCanvasElement;
  /** Behind the canvas, over the image's extent: what shows through an RGBA image's transparent pixels. */
  private readonly checker: HTMLDivElement;
  private readonly cbLo: HTMLSpanElement;
  private readonly cbHi: HTMLSpanElement;
  private rows = 1;
  private cols = 1;
  /** Screen px per element, and the plane coordinates at the canvas's top-left corner. */
  scale = 1;
  ox = 0;
  oy = 0;
  lo = 0;
  hi = 1;
  private cmap: ColormapName = 'viridis';
  /** Channel value range of RGB(A) tiles (0-255 for uint8, 0-1 for floats); null: the contrast range. */
  private rgbRange: [number, number] | null = null;
  private channelOrder: ChannelOrder = 'rgb';
  private readonly images = new Map<DecodedTile, HTMLCanvasElement>();
  private colorKey = '';
  private readonly frames = new FrameScheduler(() => this.draw());
  private drag: { x: number; y: number; ox: number; oy: number } | null = null;
  fitted = true;
  private paintedFor = -1;

  /** performance.now() of the first picture (any tile or the sample) and of the complete one, per store generation. */
  private pictureFor = '';
  private pictureAt: { first: number | null; full: number | null } = { first: null, full: null };

  constructor(
    private readonly store: TileStore,
    private readonly host: HeatHost,
    private fmt: FormatOptions,
    /** One strided sample of the whole plane (≤ HEAT_TILE² values), drawn under everything: the coarse first picture. */
    private readonly preview?: TileStore,
  ) {
    this.canvas = el('canvas', { class: 'heat-canvas', attrs: { id: 'heatmap', tabindex: '0', role: 'img', 'aria-label': 'heatmap of the displayed plane' } });
    this.colorbar = el('canvas', { class: 'colorbar', attrs: { id: 'colorbar', width: '256', height: '14', 'aria-label': 'colour bar' } });
    this.cbLo = el('span', { class: 'cb-lo', attrs: { id: 'cb-lo' } });
    this.cbHi = el('span', { class: 'cb-hi', attrs: { id: 'cb-hi' } });
    const swatch = (rgb: readonly number[], label: string): HTMLElement => {
      const s = el('span', { class: 'swatch' });
      s.style.background = `rgb(${rgb.join(',')})`;
      return el('span', { class: 'swatch-label' }, [s, document.createTextNode(label)]);
    };
    const bar = el('div', { class: 'colorbar-row' }, [this.cbLo, this.colorbar, this.cbHi, swatch(NAN_RGB, 'NaN'), swatch(POSINF_RGB, '+Inf'), swatch(NEGINF_RGB, '−Inf')]);
    this.checker = el('div', { class: 'heat-checker', attrs: { id: 'heat-checker' } });
    this.checker.hidden = true;
    const wrap = el('div', { class: 'heat-wrap' }, [this.checker, this.canvas]);
    this.root = el('div', { class: 'heat-root' }, [wrap, bar]);
    new ResizeObserver(() => {
      if (this.fitted) this.fit();
      this.schedule();
    }).observe(wrap);
    this.canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = this.canvas.getBoundingClientRect();
      this.zoomAt(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    this.canvas.addEventListener('mousedown', (e) => {
      this.drag = { x: e.clientX, y: e.clientY, ox: this.ox, oy: this.oy };
    });
    window.addEventListener('mouseup', () => (this.drag = null));
    this.canvas.addEventListener('mousemove', (e) => {
      const r = this.canvas.getBoundingClientRect();
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      if (this.drag) {
        this.panTo(this.drag.ox - (e.clientX - this.drag.x) / this.scale, this.drag.oy - (e.clientY - this.drag.y) / this.scale);
        return;
      }
      this.hover(x, y);
    });
    this.canvas.addEventListener('mouseleave', () => this.host.onLeave());
    this.canvas.addEventListener('keydown', (e) => {
      const k = e.key;
      const step = 32 / this.scale;
      if (k === '+' || k === '=') this.zoomAt(1.25, this.canvas.clientWidth / 2, this.canvas.clientHeight / 2);
      else if (k === '-') this.zoomAt(0.8, this.canvas.clientWidth / 2, this.canvas.clientHeight / 2);
      else if (k === 'ArrowLeft') this.panTo(this.ox - step, this.oy);
      else if (k === 'ArrowRight') this.panTo(this.ox + step, this.oy);
      else if (k === 'ArrowUp') this.panTo(this.ox, this.oy - step);
      else if (k === 'ArrowDown') this.panTo(this.ox, this.oy + step);
      else return;
      e.preventDefault();
    });
  }

  setPlane(rows: number, cols: number, keepView: boolean): void {
    this.rows = Math.max(1, rows);
    this.cols = Math.max(1, cols);
    if (!keepView) this.fit();
    this.schedule();
  }

  setFormat(f: FormatOptions): void {
    this.fmt = f;
    this.schedule();
  }

  setColors(cmap: ColormapName, lo: number, hi: number, rgbRange: [number, number] | null = null): void {
    this.rgbRange = rgbRange;
    // Colour channels: no colormap applies; the bar's ends say the channel range.
    this.colorbar.hidden = rgbRange !== null;
    this.cmap = cmap;
    this.lo = lo;
    this.hi = hi;
    this.schedule();
  }

  /** Which channel is red: the first (RGB) or the third (BGR, OpenCV's order); alpha stays the fourth. */
  setChannelOrder(order: ChannelOrder): void {
    this.channelOrder = order;
    this.canvas.dataset.channelOrder = order;
    this.schedule();
  }

  /** Whole plane in view. */
  fit(): void {
    this.fitTo(this.canvas.parentElement!.clientWidth, this.canvas.parentElement!.clientHeight);
    this.fitted = true;
    this.schedule();
  }

  private fitTo(width: number, height: number): void {
    const w = Math.max(1, width);
    const h = Math.max(1, height);
    this.scale = Math.min(w / this.cols, h / this.rows);
    this.ox = -(w / this.scale - this.cols) / 2;
    this.oy = -(h / this.scale - this.rows) / 2;
  }

  zoomAt(factor: number, x: number, y: number): void {
    const px = this.ox + x / this.scale;
    const py = this.oy + y / this.scale;
    this.scale = Math.max(1e-4, Math.min(256, this.scale * factor));
    this.ox = px - x / this.scale;
    this.oy = py - y / this.scale;
    this.fitted = false;
    this.schedule();
  }

  /** Sets the zoom so that one element is `scale` px, keeping the centre. */
  setScale(scale: number): void {
    this.zoomAt(scale / this.scale, this.canvas.clientWidth / 2, this.canvas.clientHeight / 2);
  }

  panTo(ox: number, oy: number): void {
    this.ox = ox;
    this.oy = oy;
    this.fitted = false;
    this.schedule();
  }

  /** The sampling step at this zoom: every element when one is at least a pixel, else a power of two. */
  get step(): number {
    return this.scale >= 1 ? 1 : 2 ** Math.ceil(Math.log2(1 / this.scale));
  }

  schedule(): void {
    this.frames.schedule();
  }

  private tileImage(t: DecodedTile): HTMLCanvasElement {
    const key = `${this.cmap}|${this.lo}|${this.hi}|${this.rgbRange}|${this.channelOrder}`;
    if (key !== this.colorKey) {
      this.images.clear();
      this.colorKey = key;
    }
    let c = this.images.get(t);
    if (!c) {
      c = document.createElement('canvas');
      c.width = t.cols;
      c.height = t.rows;
      const ctx = c.getContext('2d')!;
      const img = ctx.createImageData(t.cols, t.rows);
      if (t instanceof RgbTile) {
        const [lo, hi] = this.rgbRange ?? [this.lo, this.hi];
        const ch = t.channels;
        colorizeRgb(this.channelOrder === 'bgr' ? [ch[2], ch[1], ch[0], ...ch.slice(3)] : ch, lo, hi, img.data);
      } else colorize(t.numeric, this.lo, this.hi, lut(this.cmap), img.data);
      ctx.putImageData(img, 0, 0);
      this.images.set(t, c);
    }
    return c;
  }

  draw(): void {
    const t0 = performance.now();
    const wrap = this.canvas.parentElement!;
    const w = wrap.clientWidth;
    const h = wrap.clientHeight;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    // Not laid out yet: nothing to request (a guess at the size would ask for the wrong zoom level).
    if (w === 0 || h === 0) return;
    if (this.fitted) this.fitTo(w, h);
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, w, h);
    ctx.imageSmoothingEnabled = false;
    const step = this.step;
    const span = HEAT_TILE * step;
    const r0 = Math.max(0, Math.floor(this.oy));
    const c0 = Math.max(0, Math.floor(this.ox));
    const r1 = Math.min(this.rows, Math.ceil(this.oy + h / this.scale));
    const c1 = Math.min(this.cols, Math.ceil(this.ox + w / this.scale));
    if (this.pictureFor !== this.store.generationKey) {
      this.pictureFor = this.store.generationKey;
      this.pictureAt = { first: null, full: null };
    }
    let drawn = this.drawPreview(ctx);
    // Tiles of other zoom levels already at hand fill in while this level's tiles load (coarse first).
    const under = [...this.store.loadedEntries()].filter((e) => e.step !== step).sort((a, b) => b.step - a.step);
    for (const e of under) {
      const sp = HEAT_TILE * e.step;
      if ((e.tr + 1) * sp <= r0 || e.tr * sp >= r1 || (e.tc + 1) * sp <= c0 || e.tc * sp >= c1) continue;
      const x = (e.tc * sp - this.ox) * this.scale;
      const y = (e.tr * sp - this.oy) * this.scale;
      ctx.drawImage(this.tileImage(e.tile), Math.round(x), Math.round(y), Math.round(e.tile.cols * e.step * this.scale), Math.round(e.tile.rows * e.step * this.scale));
      drawn = true;
    }
    let requested = 0;
    let shown = 0;
    let alpha = false;
    for (const e of this.store.loadedEntries()) if (e.tile instanceof RgbTile && e.tile.channels.length === 4) alpha = true;
    this.canvas.classList.toggle('alpha', alpha);
    this.checker.hidden = !alpha;
    if (alpha) {
      const x0 = Math.max(0, -this.ox * this.scale);
      const y0 = Math.max(0, -this.oy * this.scale);
      Object.assign(this.checker.style, {
        left: `${x0}px`,
        top: `${y0}px`,
        width: `${Math.max(0, Math.min(w, (this.cols - this.ox) * this.scale) - x0)}px`,
        height: `${Math.max(0, Math.min(h, (this.rows - this.oy) * this.scale) - y0)}px`,
      });
    }
    for (let tr = Math.floor(r0 / span); tr * span < r1; tr++) {
      for (let tc = Math.floor(c0 / span); tc * span < c1; tc++) {
        requested++;
        const t = this.store.get(step, tr, tc, this.rows, this.cols);
        if (!t) continue;
        shown++;
        const x = Math.round((tc * span - this.ox) * this.scale);
        const y = Math.round((tr * span - this.oy) * this.scale);
        const tw = Math.round(t.cols * step * this.scale);
        const th = Math.round(t.rows * step * this.scale);
        // A translucent tile must not show the other zoom level's tile drawn under it.
        if (alpha) ctx.clearRect(x, y, tw, th);
        ctx.drawImage(this.tileImage(t), x, y, tw, th);
        if (step === 1 && this.scale >= 40) this.drawValues(ctx, t, tr, tc);
      }
    }
    if (this.canvas.dataset.step !== String(step)) this.host.onStep?.(step);
    this.canvas.dataset.step = String(step);
    // Exposed for tests and assistive tooling: element (r, c) is drawn at ((c - ox) * scale, (r - oy) * scale).
    this.canvas.dataset.scale = String(this.scale);
    this.canvas.dataset.ox = String(this.ox);
    this.canvas.dataset.oy = String(this.oy);
    this.canvas.dataset.tiles = `${shown}/${requested}`;
    // When the first picture (coarse or not) and the complete one were drawn, in the page's performance.now() time
    // (ms since the panel's page started loading): bench/inspector reads them.
    if ((drawn || shown > 0) && this.pictureAt.first === null) this.canvas.dataset.firstPictureAt = String((this.pictureAt.first = performance.now()));
    if (shown === requested && requested > 0 && this.pictureAt.full === null) {
      this.canvas.dataset.fullPictureAt = String((this.pictureAt.full = performance.now()));
      this.host.onFullPicture?.();
    }
    if (shown === requested && requested > 0 && this.paintedFor !== tileTimes.arrived) {
      // First complete picture since the newest tile arrived: "first paint after the data is read".
      this.paintedFor = tileTimes.arrived;
      this.canvas.dataset.paintMs = (performance.now() - tileTimes.arrived).toFixed(1);
    }
    this.drawColorbar();
    this.canvas.dataset.drawMs = (performance.now() - t0).toFixed(2);
  }

  /**
   * The coarse picture: every p-th element of the plane (p the power of two that fits the plane in one tile), asked
   * for once per plane and drawn first, clipped to the plane; the zoom level's own tiles paint over it as they come.
   * Nothing for planes that fit in one tile (their tiles are as cheap as the sample).
   */
  private drawPreview(ctx: CanvasRenderingContext2D): boolean {
    if (!this.preview) return false;
    const p = previewStep(this.rows, this.cols);
    if (p <= 1) return false;
    const t = this.preview.get(p, 0, 0, this.rows, this.cols);
    if (!t) return false;
    ctx.save();
    ctx.beginPath();
    ctx.rect((0 - this.ox) * this.scale, (0 - this.oy) * this.scale, this.cols * this.scale, this.rows * this.scale);
    ctx.clip();
    ctx.drawImage(this.tileImage(t), Math.round(-this.ox * this.scale), Math.round(-this.oy * this.scale), Math.round(t.cols * p * this.scale), Math.round(t.rows * p * this.scale));
    ctx.restore();
    return true;
  }

  private drawValues(ctx: CanvasRenderingContext2D, t: DecodedTile, tr: number, tc: number): void {
    const fontPx = Math.min(14, Math.max(8, this.scale / 6));
    ctx.font = `${fontPx}px var(--vscode-editor-font-family, monospace)`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const room = this.scale - 4;
    // The user's format when it fits inside the pixel, else fewer digits.
    const fitting = (i: number, j: number): string => {
      let text = '';
      for (const p of [this.fmt.precision, 5, 4, 3, 2, 1]) {
        if (p > this.fmt.precision) continue;
        text = t.text(i, j, { ...this.fmt, precision: p });
        if (ctx.measureText(text).width <= room) break;
      }
      return text;
    };
    for (let i = 0; i < t.rows; i++) {
      const y = (tr * HEAT_TILE + i - this.oy + 0.5) * this.scale;
      if (y < -this.scale || y > this.canvas.height + this.scale) continue;
      for (let j = 0; j < t.cols; j++) {
        const x = (tc * HEAT_TILE + j - this.ox + 0.5) * this.scale;
        if (x < -this.scale || x > this.canvas.width + this.scale) continue;
        const v = t.numeric[i * t.cols + j];
        const k = Number.isFinite(v) ? (v - this.lo) / (this.hi > this.lo ? this.hi - this.lo : 1) : 0.5;
        ctx.fillStyle = k > 0.6 && this.cmap !== 'RdBu (diverging)' ? '#000' : '#fff';
        ctx.fillText(fitting(i, j), x, y, room);
      }
    }
  }

  private colorbarKey = '';

  private drawColorbar(): void {
    const key = `${this.cmap}|${this.lo}|${this.hi}|${this.rgbRange}`;
    if (key === this.colorbarKey) return;
    this.colorbarKey = key;
    const ctx = this.colorbar.getContext('2d')!;
    const img = ctx.createImageData(256, this.colorbar.height);
    const table = lut(this.cmap);
    for (let y = 0; y < this.colorbar.height; y++)
      for (let x = 0; x < 256; x++) {
        const o = (y * 256 + x) * 4;
        img.data[o] = table[x * 3];
        img.data[o + 1] = table[x * 3 + 1];
        img.data[o + 2] = table[x * 3 + 2];
        img.data[o + 3] = 255;
      }
    ctx.putImageData(img, 0, 0);
    const [lo, hi] = this.rgbRange ?? [this.lo, this.hi];
    this.cbLo.textContent = Number.isFinite(lo) ? String(Number(lo.toPrecision(6))) : '';
    this.cbHi.textContent = Number.isFinite(hi) ? String(Number(hi.toPrecision(6))) : '';
  }

  private hover(x: number, y: number): void {
    const r = Math.floor(this.oy + y / this.scale);
    const c = Math.floor(this.ox + x / this.scale);
    if (r < 0 || c < 0 || r >= this.rows || c >= this.cols) return this.host.onLeave();
    const step = this.step;
    const span = HEAT_TILE * step;
    const tr = Math.floor(r / span);
    const tc = Math.floor(c / span);
    this.host.onHover(r, c, this.store.peek(step, tr, tc), tr, tc, step);
  }
}
