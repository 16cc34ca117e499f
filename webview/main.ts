// The Array Inspector webview: header, slicing controls, value grid or heatmap, stats panel; everything it shows
// comes through HostConnection (validated) and is written as text or pixels, never as HTML.

import { aliasText } from '../src/protocol/dap';
import type { JsonStats, ReduceMode, Tile } from '../src/protocol/dap';
import type { ArrayState, HostNotification } from '../src/protocol/webview';
import { COLORMAPS, ColormapName } from './colormap';
import { button, el, icon } from './dom';
import { ValueGrid } from './grid';
import { HEAT_TILE, Heatmap } from './heatmap';
import { HostConnection, RequestFailed, VsCodeApi } from './hostConnection';
import { ENVELOPE_POINTS, EXACT_POINTS, LinePlot } from './linePlot';
import { ComparePanel } from './comparePanel';
import { HistoryStrip, StopSnapshot } from './history';
import { Axes, arrayIndexOf, defaultAxes, displayIndexText, parseDisplayIndex, planeDims, tileIndex } from './slicing';
import { StatsPanel } from './statsPanel';
import { TileStore } from './tiles';
import { DecodedTile, FormatOptions, NumberFormat } from './values';

declare function acquireVsCodeApi(): VsCodeApi;

type Mode = 'grid' | 'heatmap' | 'plot';

class Inspector {
  private readonly conn: HostConnection;
  private state: ArrayState | null = null;
  private axes: Axes = defaultAxes([]);
  private mode: Mode = 'heatmap';
  private fmt: FormatOptions = { format: 'auto', precision: 6 };
  private cmap: ColormapName = 'viridis';
  private contrast: 'auto' | 'percentile' | 'manual' = 'auto';
  private reduceMode: ReduceMode = 'mean';
  /** Axis of size 3/4 shown as colour channels (-1: none, a colormap instead). */
  private channelAxis = -1;
  /** p1 and p99 of the whole array at the current stop, once asked for. */
  private pct: { stop: number; values: [number, number] | null } | null = null;
  private stats: JsonStats | null = null;
  private readonly gridStore: TileStore;
  private readonly heatStore: TileStore;
  private readonly grid: ValueGrid;
  private readonly heat: Heatmap;
  private readonly statsPanel = new StatsPanel();
  private readonly comparePanel: ComparePanel;
  private readonly history: HistoryStrip;
  private readonly pinInput = el('input', { attrs: { id: 'pin-expr', type: 'text', spellcheck: 'false', placeholder: 'follow expression…', 'aria-label': 'expression this panel follows at every stop' } });

  private readonly title = el('span', { class: 'title', attrs: { id: 'title' } });
  private readonly meta = el('span', { class: 'meta', attrs: { id: 'meta' } });
  /** The same bytes under names of the other language, when the host sends them (Node + addon sessions). */
  private readonly aliases = el('span', { class: 'aliases', attrs: { id: 'aliases' } });
  private readonly stopLabel = el('span', { class: 'badge', attrs: { id: 'stop' } });
  private readonly changed = el('span', { class: 'badge', attrs: { id: 'changed' } });
  private readonly banner = el('div', { class: 'banner', attrs: { id: 'error', role: 'alert' } });
  private readonly bannerText = el('span', { attrs: { id: 'error-text' } });
  private readonly rowAxis = el('select', { attrs: { id: 'row-axis', 'aria-label': 'axis shown as rows' } });
  private readonly colAxis = el('select', { attrs: { id: 'col-axis', 'aria-label': 'axis shown as columns' } });
  private readonly fixedAxes = el('div', { class: 'fixed-axes', attrs: { id: 'fixed-axes' } });
  private readonly indexField = el('input', { attrs: { id: 'index', type: 'text', spellcheck: 'false', 'aria-label': 'NumPy index of the displayed plane' } });
  private readonly formatSel = el('select', { attrs: { id: 'format', 'aria-label': 'number format' } });
  private readonly precision = el('input', { attrs: { id: 'precision', type: 'number', min: '0', max: '17', value: '6', 'aria-label': 'precision' } });
  private readonly cmapSel = el('select', { attrs: { id: 'colormap', 'aria-label': 'colormap' } });
  private readonly contrastSel = el('select', { attrs: { id: 'contrast', 'aria-label': 'contrast' } });
  private readonly loInput = el('input', { attrs: { id: 'lo', type: 'number', step: 'any', 'aria-label': 'contrast low' } });
  private readonly hiInput = el('input', { attrs: { id: 'hi', type: 'number', step: 'any', 'aria-label': 'contrast high' } });
  private readonly channelSel = el('select', { attrs: { id: 'channels', 'aria-label': 'axis shown as colour channels (RGB/RGBA)' } });
  private readonly channelLabel = el('label', { text: 'channels' }, [this.channelSel]);
  private readonly reduceSel = el('select', { attrs: { id: 'overview-mode', 'aria-label': 'how zoomed-out pixels summarise their block' } });
  private readonly readout = el('div', { class: 'readout', attrs: { id: 'readout', 'aria-live': 'polite' } });
  private readonly gridBtn: HTMLButtonElement;
  private readonly heatBtn: HTMLButtonElement;
  private readonly plotBtn: HTMLButtonElement;
  private readonly exportPng: HTMLButtonElement;
  private readonly exportCsv: HTMLButtonElement;
  private readonly copyNumpy: HTMLButtonElement;
  private readonly plot: LinePlot;
  private plotGeneration = '';
  private readonly heatControls: HTMLElement;
  private readonly main = el('div', { class: 'main', attrs: { id: 'main' } });

  constructor(api: VsCodeApi) {
    this.conn = new HostConnection(api, (n) => this.onNotification(n), (m) => this.showError(m));
    const loadPlane = (axes: Axes, r0: number, r1: number, c0: number, c1: number, step: number): Promise<Tile> => {
      const st = this.state;
      if (!st?.array) return Promise.reject(new Error('no array'));
      const region = tileIndex(st.array.shape, axes, r0, r1, c0, c1, 1);
      if (step === 1) return this.conn.request('readTile', { stop: st.stop, ...region });
      // Zoomed out: the host reads the region and reduces each step × step block (never every element here).
      return this.conn.request('readOverview', { stop: st.stop, ...region, factor: step, mode: this.reduceMode });
    };
    const loader = (r0: number, r1: number, c0: number, c1: number, step: number): Promise<Tile> => loadPlane(this.axes, r0, r1, c0, c1, step);
    // RGB(A): one tile per channel of the same region, the channel axis fixed at 0, 1, 2 (, 3).
    const heatLoader = (r0: number, r1: number, c0: number, c1: number, step: number): Promise<Tile | Tile[]> => {
      const ch = this.channelAxis;
      const a = this.state?.array;
      if (ch < 0 || !a) return loader(r0, r1, c0, c1, step);
      return Promise.all(
        Array.from({ length: a.shape[ch] }, (_, k) => loadPlane({ ...this.axes, fixed: this.axes.fixed.map((x, i) => (i === ch ? k : x)) }, r0, r1, c0, c1, step)),
      );
    };
    const onTileError = (e: Error): void => {
      if (e instanceof RequestFailed && e.code === 'stale') return;
      this.showError(`reading values failed: ${e.message}`);
    };
    this.gridStore = new TileStore(loader, 64, 32, () => this.grid.schedule(), onTileError);
    this.heatStore = new TileStore(heatLoader, HEAT_TILE, HEAT_TILE, () => this.onHeatTile(), onTileError);
    this.grid = new ValueGrid(this.gridStore, {
      rowLabel: (r) => String(r),
      colLabel: (c) => String(c),
      onHover: (r, c, text) => this.setReadout(r, c, text, 1),
    }, this.fmt);
    this.heat = new Heatmap(this.heatStore, {
      onHover: (r, c, tile, tr, tc, step) => {
        const sr = Math.floor(r / step) * step;
        const sc = Math.floor(c / step) * step;
        const text = tile ? tile.text((sr - tr * HEAT_TILE * step) / step, (sc - tc * HEAT_TILE * step) / step, this.fmt) : null;
        this.setReadout(sr, sc, text, step);
      },
      onLeave: () => (this.readout.textContent = ''),
      onStep: (step) => this.statsPanel.imageNote(step, this.reduceMode),
    }, this.fmt);

    this.comparePanel = new ComparePanel((r) => {
      const st = this.state;
      if (!st?.array) return Promise.reject(new Error('no array at this stop'));
      return this.conn.request('compare', { stop: st.stop, ...r, plane: { index: displayIndexText(st.array.shape, this.axes), transpose: this.axes.row > this.axes.col && this.axes.col >= 0 } });
    });
    this.history = new HistoryStrip((snap) => {
      if (snap) {
        if (snap.stats) this.statsPanel.show(snap.stats);
        else this.statsPanel.failed(`no stats were kept for stop ${snap.stop}`);
      } else if (this.stats) this.statsPanel.show(this.stats);
    });
    const pin = (): void => {
      const st = this.state;
      const expr = this.pinInput.value.trim();
      if (!st || !expr) return;
      this.conn.request('pin', { stop: st.stop, expr }).then(
        () => {
          this.history.clear();
          this.pinInput.value = '';
        },
        (e: Error) => this.showError(`follow '${expr}': ${e.message}`),
      );
    };
    this.pinInput.addEventListener('keydown', (e) => e.key === 'Enter' && pin());
    this.gridBtn = el('button', { class: 'tab', text: 'Grid', attrs: { id: 'mode-grid', type: 'button' } });
    this.heatBtn = el('button', { class: 'tab', text: 'Heatmap', attrs: { id: 'mode-heatmap', type: 'button' } });
    this.gridBtn.prepend(icon('table'));
    this.heatBtn.prepend(icon('symbol-color'));
    this.plotBtn = el('button', { class: 'tab', text: 'Line', attrs: { id: 'mode-plot', type: 'button' } });
    this.plotBtn.prepend(icon('graph-line'));
    this.gridBtn.addEventListener('click', () => this.setMode('grid'));
    this.heatBtn.addEventListener('click', () => this.setMode('heatmap'));
    this.plotBtn.addEventListener('click', () => this.setMode('plot'));
    this.plot = new LinePlot(
      (i, text, factor) => {
        const a = this.state?.array;
        if (!a) return;
        const block = factor > 1 ? ` (min, max of elements ${i}…${Math.min(a.size, i + factor) - 1})` : '';
        this.readout.textContent = `${this.state!.expr}[${arrayIndexOf(a.shape, this.axes, i, 0).join(', ')}] = ${text ?? '…'}${block}`;
      },
      () => (this.readout.textContent = ''),
      this.fmt,
    );

    for (const f of ['auto', 'fixed', 'scientific', 'hex'] as NumberFormat[]) this.formatSel.appendChild(el('option', { text: f, attrs: { value: f } }));
    for (const c of Object.keys(COLORMAPS)) this.cmapSel.appendChild(el('option', { text: c, attrs: { value: c } }));
    for (const m of ['mean', 'min', 'max']) this.reduceSel.appendChild(el('option', { text: m, attrs: { value: m } }));
    this.reduceSel.addEventListener('change', () => {
      this.reduceMode = this.reduceSel.value as ReduceMode;
      this.statsPanel.imageNote(this.heat.step, this.reduceMode);
      this.refreshPlane(true);
    });
    for (const [v, label] of [['auto', 'auto (min/max)'], ['percentile', 'percentile (p1–p99)'], ['manual', 'manual']])
      this.contrastSel.appendChild(el('option', { text: label, attrs: { value: v } }));
    this.channelSel.addEventListener('change', () => {
      this.channelAxis = Number(this.channelSel.value);
      this.buildAxisControls();
      this.refreshPlane(true);
    });

    this.rowAxis.addEventListener('change', () => this.pickAxis('row', Number(this.rowAxis.value)));
    this.colAxis.addEventListener('change', () => this.pickAxis('col', Number(this.colAxis.value)));
    this.indexField.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.applyIndexField();
    });
    this.indexField.addEventListener('change', () => this.applyIndexField());
    this.formatSel.addEventListener('change', () => this.setFormat());
    this.precision.addEventListener('change', () => this.setFormat());
    this.cmapSel.addEventListener('change', () => {
      this.cmap = this.cmapSel.value as ColormapName;
      this.updateColors();
    });
    this.contrastSel.addEventListener('change', () => {
      this.contrast = this.contrastSel.value as 'auto' | 'percentile' | 'manual';
      this.updateColors();
    });
    for (const i of [this.loInput, this.hiInput])
      i.addEventListener('change', () => {
        this.contrast = 'manual';
        this.contrastSel.value = 'manual';
        this.updateColors();
      });

    const dismiss = button('close', 'Dismiss', () => this.clearError());
    this.banner.append(icon('error'), this.bannerText, dismiss);
    this.banner.hidden = true;

    this.heatControls = el('div', { class: 'group', attrs: { id: 'heat-controls' } }, [
      el('label', { text: 'colormap' }, [this.cmapSel]),
      el('label', { text: 'contrast' }, [this.contrastSel]),
      this.loInput,
      this.hiInput,
      el('label', { text: 'zoomed out' }, [this.reduceSel]),
      this.channelLabel,
      button('zoom-in', 'Zoom in', () => this.heat.zoomAt(2, this.heat.canvas.clientWidth / 2, this.heat.canvas.clientHeight / 2), 'zoom-in'),
      button('zoom-out', 'Zoom out', () => this.heat.zoomAt(0.5, this.heat.canvas.clientWidth / 2, this.heat.canvas.clientHeight / 2), 'zoom-out'),
      button('screen-full', 'Fit', () => this.heat.fit(), 'zoom-fit'),
    ]);

    const header = el('header', { class: 'header' }, [this.title, this.meta, this.aliases, this.pinInput, button('pin', 'Follow this expression', pin, 'pin'), this.stopLabel, this.changed]);
    const sliceBar = el('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'slicing' } }, [
      el('div', { class: 'group tabs' }, [this.gridBtn, this.heatBtn, this.plotBtn]),
      el('label', { text: 'rows' }, [this.rowAxis]),
      button('arrow-swap', 'Swap axes', () => this.swapAxes(), 'swap-axes'),
      el('label', { text: 'cols' }, [this.colAxis]),
      el('label', { class: 'index-label', text: 'index' }, [this.indexField]),
      this.fixedAxes,
    ]);
    this.exportPng = button('file-media', 'Save the image as PNG', () => void this.exportPngFile(), 'export-png');
    this.exportCsv = button('table', 'Save the visible cells as CSV', () => void this.exportVisible('csv'), 'export-csv');
    this.copyNumpy = button('copy', 'Copy the visible cells as a NumPy literal', () => void this.exportVisible('numpy'), 'copy-numpy');
    const exportGroup = el('div', { class: 'group', attrs: { role: 'group', 'aria-label': 'export' } }, [
      button('save', 'Save the displayed slice as .npy', () => void this.exportNpy(), 'export-npy'),
      this.exportPng,
      this.exportCsv,
      this.copyNumpy,
    ]);
    const viewBar = el('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'display' } }, [
      el('label', { text: 'format' }, [this.formatSel]),
      el('label', { text: 'precision' }, [this.precision]),
      exportGroup,
      this.heatControls,
    ]);
    const side = el('div', { class: 'side' }, [this.statsPanel.root, this.comparePanel.root]);
    const body = el('div', { class: 'body' }, [el('div', { class: 'view' }, [this.main, this.readout]), side]);
    document.getElementById('app')!.replaceChildren(header, sliceBar, viewBar, this.banner, this.history.root, body);
    this.setMode('heatmap');
    this.conn.notify('ready', {});
  }

  private showError(message: string): void {
    this.bannerText.textContent = message;
    this.banner.hidden = false;
  }

  private clearError(): void {
    this.bannerText.textContent = '';
    this.banner.hidden = true;
  }

  private setReadout(r: number, c: number, text: string | null, step: number): void {
    const a = this.state?.array;
    if (!a) return;
    const idx = arrayIndexOf(a.shape, this.axes, r, c);
    const block = step > 1 ? ` (${this.reduceMode} of the ${step}×${step} block from here)` : '';
    this.readout.textContent = `${this.state!.expr}[${idx.join(', ')}] = ${text ?? '…'}${block}`;
  }

  private onNotification(n: HostNotification): void {
    if (n.method === 'state') this.onState(n.params);
    else if (n.method === 'ended') {
      this.stopLabel.textContent = 'session ended';
      this.changed.textContent = '';
      this.showError(`the debug session ended: ${n.params.reason}. The last values stay on screen.`);
    } else this.showError(n.params.message);
  }

  /** What is on screen now, kept for the history strip before the next stop replaces it. */
  private snapshot(): StopSnapshot | null {
    const st = this.state;
    if (!st?.array) return null;
    const src = this.mode === 'heatmap' ? this.heat.canvas : this.mode === 'plot' ? this.plot.canvas : null;
    let image: HTMLCanvasElement | null = null;
    if (src && src.width > 0 && src.height > 0) {
      image = document.createElement('canvas');
      image.width = src.width;
      image.height = src.height;
      image.getContext('2d')!.drawImage(src, 0, 0);
    }
    return { stop: st.stop, expr: st.expr, changed: st.changed, image, stats: this.stats };
  }

  private onState(s: ArrayState): void {
    if (this.state && this.state.stop !== s.stop) {
      if (this.state.expr !== s.expr) this.history.clear();
      else {
        const snap = this.snapshot();
        if (snap) this.history.record(snap);
      }
    }
    this.history.setLive(s.stop);
    this.comparePanel.reset();
    const prev = this.state?.expr === s.expr ? this.state?.array : null;
    this.state = s;
    this.title.textContent = s.expr;
    this.stopLabel.textContent = `stop ${s.stop}`;
    this.changed.textContent = s.changed === null ? '' : s.changed ? 'changed since last stop' : 'unchanged since last stop';
    this.changed.className = `badge ${s.changed ? 'changed' : ''}`;
    if (!s.array) {
      this.meta.textContent = '';
      this.aliases.textContent = '';
      this.showError(s.error ?? 'nothing to show');
      return;
    }
    this.clearError();
    const a = s.array;
    const aliases = aliasText(a.aliases ?? []);
    this.aliases.textContent = aliases ? `⇄ ${aliases}` : '';
    this.aliases.title = aliases ? `Same bytes as ${aliases}` : '';
    this.meta.textContent = `${a.typeName} · ${a.dtype}${a.byteOrder === 'big' ? ' (big-endian)' : ''} · shape (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''}) · strides (${a.strides.join(', ')}) · ${s.transport ?? ''}`;
    const sameShape = prev && prev.shape.length === a.shape.length && prev.shape.every((d, i) => d === a.shape[i]);
    if (!sameShape) {
      this.axes = defaultAxes(a.shape);
      // H × W × 3/4 looks like an image: show H × W, ready for the channels choice.
      if (a.shape.length === 3 && (a.shape[2] === 3 || a.shape[2] === 4)) this.axes = { row: 0, col: 1, fixed: [0, 0, 0] };
      this.channelAxis = -1;
      if (this.axes.col < 0 && this.axes.row >= 0 && this.mode === 'heatmap') this.setMode('plot');
    }
    this.stats = null;
    this.statsPanel.loading(a.size);
    this.buildAxisControls();
    this.refreshPlane(!!sameShape);
    this.conn.request('stats', { stop: s.stop, bins: 128 }).then(
      (st) => {
        if (this.state?.stop !== s.stop) return;
        this.stats = st;
        this.statsPanel.show(st);
        this.updateColors();
      },
      (e: Error) => {
        if (e instanceof RequestFailed && e.code === 'stale') return;
        this.statsPanel.failed(e.message);
      },
    );
  }

  private generation(): string {
    return `${this.state?.stop}|${this.axes.row},${this.axes.col}|${this.axes.fixed.join(',')}|${this.reduceMode}|${this.channelAxis}`;
  }

  private refreshPlane(keepView: boolean): void {
    const a = this.state?.array;
    if (!a) return;
    const g = this.generation();
    this.gridStore.reset(g);
    this.heatStore.reset(g);
    const { rows, cols } = planeDims(a.shape, this.axes);
    this.indexField.value = displayIndexText(a.shape, this.axes);
    this.grid.setPlane(rows, cols);
    this.heat.setPlane(rows, cols, keepView);
    this.plotBtn.hidden = !(this.axes.col < 0 && this.axes.row >= 0);
    if (this.mode === 'plot' && this.plotBtn.hidden) this.setMode('heatmap');
    if (this.mode === 'plot') this.loadPlot();
    this.updateColors();
  }

  /** The 1-D plane for the line plot: every value up to EXACT_POINTS, else min and max of blocks from the host. */
  private loadPlot(): void {
    const st = this.state;
    const a = st?.array;
    if (!st || !a || this.axes.row < 0 || this.axes.col >= 0) return;
    const g = this.generation();
    if (g === this.plotGeneration) return;
    this.plotGeneration = g;
    this.plot.setData(null);
    const n = a.shape[this.axes.row];
    const region = tileIndex(a.shape, this.axes, 0, n, 0, 1, 1);
    const failed = (e: Error): void => {
      if (this.plotGeneration !== g) return;
      this.plotGeneration = '';
      if (!(e instanceof RequestFailed && e.code === 'stale')) this.showError(`reading values for the plot failed: ${e.message}`);
    };
    if (n <= EXACT_POINTS) {
      this.conn.request('readTile', { stop: st.stop, ...region }).then((t) => {
        if (this.plotGeneration !== g) return;
        const d = new DecodedTile(t);
        this.plot.setData({ n, factor: 1, lo: d.numeric, hi: d.numeric, text: (i, f) => d.text(i, 0, f) });
      }, failed);
      return;
    }
    const factor = 2 ** Math.ceil(Math.log2(n / ENVELOPE_POINTS));
    Promise.all(
      (['min', 'max'] as const).map((mode) => this.conn.request('readOverview', { stop: st.stop, ...region, factor, mode })),
    ).then(([lo, hi]) => {
      if (this.plotGeneration !== g) return;
      const l = new DecodedTile(lo);
      const h = new DecodedTile(hi);
      this.plot.setData({ n, factor, lo: l.numeric, hi: h.numeric, text: (i, f) => `${l.text(i, 0, f)} … ${h.text(i, 0, f)}` });
    }, failed);
  }

  private buildAxisControls(): void {
    const a = this.state!.array!;
    const nd = a.shape.length;
    for (const [sel, which] of [[this.rowAxis, 'row'], [this.colAxis, 'col']] as const) {
      const v = this.axes[which];
      if (v < 0) sel.replaceChildren(el('option', { text: '—', attrs: { value: '-1' } }));
      else sel.replaceChildren(...a.shape.map((d, i) => el('option', { text: `axis ${i} (${d})`, attrs: { value: String(i) } })));
      sel.disabled = v < 0;
      if (v >= 0) sel.value = String(v);
    }
    // Channels: any other axis of size 3 or 4 (RGB / RGBA).
    const eligible = a.shape.map((d, i) => i).filter((i) => i !== this.axes.row && i !== this.axes.col && this.axes.col >= 0 && (a.shape[i] === 3 || a.shape[i] === 4));
    if (!eligible.includes(this.channelAxis)) this.channelAxis = -1;
    this.channelSel.replaceChildren(
      el('option', { text: 'none (colormap)', attrs: { value: '-1' } }),
      ...eligible.map((i) => el('option', { text: `axis ${i} (${a.shape[i] === 3 ? 'RGB' : 'RGBA'})`, attrs: { value: String(i) } })),
    );
    this.channelSel.value = String(this.channelAxis);
    this.channelLabel.hidden = eligible.length === 0;
    this.fixedAxes.replaceChildren();
    for (let i = 0; i < nd; i++) {
      if (i === this.axes.row || i === this.axes.col || (i === this.channelAxis && this.mode === 'heatmap')) continue;
      const max = Math.max(0, a.shape[i] - 1);
      const slider = el('input', { attrs: { id: `fix-${i}`, type: 'range', min: '0', max: String(max), value: String(this.axes.fixed[i]), 'aria-label': `index of axis ${i}` } });
      const num = el('input', { class: 'fix-num', attrs: { id: `fix-num-${i}`, type: 'number', min: '0', max: String(max), value: String(this.axes.fixed[i]), 'aria-label': `index of axis ${i}` } });
      const set = (v: number): void => {
        const k = Math.max(0, Math.min(max, Math.trunc(v) || 0));
        slider.value = String(k);
        num.value = String(k);
        this.axes = { ...this.axes, fixed: this.axes.fixed.map((x, j) => (j === i ? k : x)) };
        this.refreshPlane(true);
      };
      slider.addEventListener('input', () => set(Number(slider.value)));
      num.addEventListener('change', () => set(Number(num.value)));
      this.fixedAxes.appendChild(el('label', { class: 'fixed-axis', text: `axis ${i}` }, [slider, num]));
    }
  }

  private pickAxis(which: 'row' | 'col', axis: number): void {
    const other = which === 'row' ? 'col' : 'row';
    let next: Axes = { ...this.axes, [which]: axis };
    if (next[other] === axis) next = { ...next, [other]: this.axes[which] }; // picking the other's axis swaps them
    this.axes = next;
    this.buildAxisControls();
    this.refreshPlane(false);
  }

  private swapAxes(): void {
    if (this.axes.row < 0 || this.axes.col < 0) return;
    this.axes = { ...this.axes, row: this.axes.col, col: this.axes.row };
    this.buildAxisControls();
    this.refreshPlane(false);
  }

  private applyIndexField(): void {
    const a = this.state?.array;
    if (!a) return;
    try {
      this.axes = parseDisplayIndex(this.indexField.value, a.shape, this.axes);
      this.clearError();
    } catch (e) {
      this.showError(`index '${this.indexField.value}': ${(e as Error).message}`);
      return;
    }
    this.buildAxisControls();
    this.refreshPlane(false);
  }

  private setFormat(): void {
    this.fmt = { format: this.formatSel.value as NumberFormat, precision: Math.max(0, Math.min(17, Number(this.precision.value) || 0)) };
    this.grid.setFormat(this.fmt);
    this.heat.setFormat(this.fmt);
    this.plot.setFormat(this.fmt);
  }

  private setMode(m: Mode): void {
    this.mode = m;
    this.gridBtn.setAttribute('aria-pressed', String(m === 'grid'));
    this.heatBtn.setAttribute('aria-pressed', String(m === 'heatmap'));
    this.plotBtn.setAttribute('aria-pressed', String(m === 'plot'));
    this.heatControls.hidden = m !== 'heatmap';
    // PNG is of a picture, CSV and the NumPy literal of the cells in view.
    this.exportPng.hidden = m === 'grid';
    this.exportCsv.hidden = m !== 'grid';
    this.copyNumpy.hidden = m !== 'grid';
    this.main.replaceChildren(m === 'grid' ? this.grid.root : m === 'plot' ? this.plot.root : this.heat.root, this.history.view);
    document.body.dataset.mode = m;
    if (this.state?.array) this.buildAxisControls();
    if (m === 'grid') this.grid.schedule();
    else if (m === 'plot') {
      this.loadPlot();
      this.plot.schedule();
    } else this.heat.schedule();
  }

  private note(text: string): void {
    this.readout.textContent = text;
  }

  private async exportNpy(): Promise<void> {
    const st = this.state;
    if (!st?.array) return;
    const index = displayIndexText(st.array.shape, this.axes);
    try {
      const r = await this.conn.request('exportNpy', { stop: st.stop, index });
      this.note(r.path ? `saved ${st.expr}${index} to ${r.path}` : 'not saved');
    } catch (e) {
      this.showError(`save as .npy: ${(e as Error).message}`);
    }
  }

  private async exportPngFile(): Promise<void> {
    const st = this.state;
    if (!st?.array) return;
    const canvas = this.mode === 'plot' ? this.plot.canvas : this.heat.canvas;
    const b64 = canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
    try {
      const r = await this.conn.request('saveFile', { stop: st.stop, kind: 'png', name: `${st.expr.replace(/[^A-Za-z0-9_.]+/g, '_')}.png`, base64: b64 });
      this.note(r.path ? `saved the image to ${r.path}` : 'not saved');
    } catch (e) {
      this.showError(`save as PNG: ${(e as Error).message}`);
    }
  }

  private async exportVisible(kind: 'csv' | 'numpy'): Promise<void> {
    const st = this.state;
    const a = st?.array;
    if (!st || !a) return;
    const got = this.grid.visibleCells((t, i, j) => (kind === 'csv' ? t.text(i, j, { format: 'auto', precision: 17 }) : t.literal(i, j)));
    if (!got) {
      this.showError('the visible cells are still loading: try again in a moment');
      return;
    }
    const { r0, c0, cells } = got;
    const oneD = this.axes.col < 0;
    try {
      if (kind === 'csv') {
        const header = oneD ? 'index,value' : ['', ...cells[0].map((_, j) => String(c0 + j))].join(',');
        const lines = [header, ...cells.map((row, i) => [String(r0 + i), ...row].join(','))];
        const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
        let bin = '';
        for (const b of bytes) bin += String.fromCharCode(b);
        const r = await this.conn.request('saveFile', { stop: st.stop, kind: 'csv', name: `${st.expr.replace(/[^A-Za-z0-9_.]+/g, '_')}.csv`, base64: btoa(bin) });
        this.note(r.path ? `saved ${cells.length}×${cells[0]?.length ?? 0} visible cells to ${r.path}` : 'not saved');
      } else {
        const dt = a.dtype === 'bool' ? 'np.bool_' : a.dtype === 'bfloat16' ? 'np.float32' : `np.${a.dtype}`;
        const body = oneD ? `[${cells.map((row) => row[0]).join(', ')}]` : `[${cells.map((row) => `[${row.join(', ')}]`).join(',\n ')}]`;
        const text = `np.array(${body}, dtype=${dt})`;
        await this.conn.request('copyText', { stop: st.stop, text });
        this.note(`copied ${cells.length}×${cells[0]?.length ?? 0} visible cells as a NumPy literal`);
      }
    } catch (e) {
      this.showError(`${kind === 'csv' ? 'save as CSV' : 'copy'}: ${(e as Error).message}`);
    }
  }

  private onHeatTile(): void {
    if (this.contrast === 'auto' && this.state?.array?.dtype.startsWith('complex')) this.updateColors();
    this.heat.schedule();
  }

  /** Auto contrast is the whole array's finite min/max (from the stats); for complex, |z| of what is loaded. */
  private autoRange(): [number, number] | null {
    const a = this.state?.array;
    if (!a) return null;
    if (a.dtype.startsWith('complex')) {
      // The stats are of the complex values; the heatmap shows |z|: range of what is loaded.
      let lo = Infinity;
      let hi = -Infinity;
      for (const t of this.heatStore.loaded())
        for (const v of t.numeric)
          if (Number.isFinite(v)) {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
      return lo <= hi ? [lo, hi] : null;
    }
    if (this.stats && this.stats.min !== null && this.stats.max !== null) return [Number(this.stats.min), Number(this.stats.max)];
    return null;
  }

  /** p1/p99 of the whole array from the engine (asked once per stop, when percentile contrast is chosen). */
  private percentileRange(): [number, number] | null {
    const st = this.state;
    if (!st?.array) return null;
    if (this.pct?.stop === st.stop) return this.pct.values;
    const stop = st.stop;
    this.pct = { stop, values: null };
    this.conn.request('percentiles', { stop, ranks: [1, 99] }).then(
      (r) => {
        if (this.state?.stop !== stop) return;
        this.pct = { stop, values: r.values ? [r.values[0], r.values[1]] : null };
        this.updateColors();
      },
      (e: Error) => {
        if (e instanceof RequestFailed && e.code === 'stale') return;
        this.showError(`percentile contrast: ${e.message}`);
      },
    );
    return null;
  }

  /** uint8 images are 0-255, float images 0-1; other dtypes use the contrast range. */
  private rgbRange(): [number, number] | null {
    const a = this.state?.array;
    if (this.channelAxis < 0 || !a) return null;
    if (a.dtype === 'uint8') return [0, 255];
    if (a.dtype.startsWith('float') || a.dtype === 'bfloat16') return [0, 1];
    return null;
  }

  private updateColors(): void {
    let lo = Number(this.loInput.value);
    let hi = Number(this.hiInput.value);
    if (this.contrast !== 'manual') {
      const r = this.contrast === 'percentile' ? this.percentileRange() : this.autoRange();
      if (r) [lo, hi] = r;
      else if (this.state?.array?.dtype === 'bool') [lo, hi] = [0, 1];
      else if (!Number.isFinite(lo) || !Number.isFinite(hi) || this.loInput.value === '') [lo, hi] = [0, 1];
      this.loInput.value = String(lo);
      this.hiInput.value = String(hi);
    }
    this.loInput.disabled = this.contrast !== 'manual';
    this.hiInput.disabled = this.contrast !== 'manual';
    this.heat.setColors(this.cmap, lo, hi, this.rgbRange());
  }
}

new Inspector(acquireVsCodeApi());
