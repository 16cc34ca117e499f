// The Array Inspector webview: header, slicing controls, value grid or heatmap, stats panel; everything it shows
// comes through HostConnection (validated) and is written as text or pixels, never as HTML.

import { aliasText } from '../src/protocol/dap';
import type { ReduceMode, Tile } from '../src/protocol/dap';
import { PANEL_STATS_BINS } from '../src/protocol/webview';
import type { ArrayState, HostNotification } from '../src/protocol/webview';
import { AxisControls } from './axisControls';
import { ColorControls, FormatControls } from './displayControls';
import { button, el, icon } from './dom';
import { ExportControls } from './exportControls';
import { ValueGrid } from './grid';
import { HEAT_TILE, Heatmap } from './heatmap';
import { HostConnection, RequestFailed, VsCodeApi } from './hostConnection';
import { ENVELOPE_POINTS, EXACT_POINTS, LinePlot } from './linePlot';
import { ComparePanel } from './comparePanel';
import { HistoryStrip, StopSnapshot } from './history';
import { Axes, arrayIndexOf, displayIndexText, planeDims, tileIndex } from './slicing';
import { StatsPanel } from './statsPanel';
import { TileStore } from './tiles';
import { DecodedTile, FormatOptions } from './values';

/** The stats panel asks this long after a stop at the latest, when the heatmap's picture is not complete by then. */
const STATS_AFTER_MS = 1000;

declare function acquireVsCodeApi(): VsCodeApi;

type Mode = 'grid' | 'heatmap' | 'plot';

class Inspector {
  private readonly conn: HostConnection;
  private state: ArrayState | null = null;
  private mode: Mode = 'heatmap';
  private fmt: FormatOptions = { format: 'auto', precision: 6 };
  private reduceMode: ReduceMode = 'mean';
  private readonly slicing: AxisControls;
  private readonly colors: ColorControls;
  private readonly exports: ExportControls;
  private readonly gridStore: TileStore;
  private readonly heatStore: TileStore;
  private readonly previewStore: TileStore;
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
  private readonly reduceSel = el('select', { attrs: { id: 'overview-mode', 'aria-label': 'how zoomed-out pixels summarise their block' } });
  private readonly readout = el('div', { class: 'readout', attrs: { id: 'readout', 'aria-live': 'polite' } });
  private readonly gridBtn: HTMLButtonElement;
  private readonly heatBtn: HTMLButtonElement;
  private readonly plotBtn: HTMLButtonElement;
  private readonly plot: LinePlot;
  private plotGeneration = '';
  private readonly heatControls: HTMLElement;
  private readonly main = el('div', { class: 'main', attrs: { id: 'main' } });
  /** Asks for this stop's stats: called when the heatmap's picture is complete (see setState). */
  private afterPicture: (() => void) | null = null;
  private afterPictureTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(api: VsCodeApi) {
    this.conn = new HostConnection(api, (n) => this.onNotification(n), (m) => this.showError(m));
    // Ready before the page is built: the host's state (with the first picture) travels while the DOM is made and laid
    // out; it is handled once this constructor has returned (messages are tasks of their own).
    this.conn.notify('ready', {});
    this.slicing = new AxisControls({
      shape: () => this.state?.array?.shape ?? null,
      channelsShown: () => this.mode === 'heatmap',
      changed: (keepView) => this.refreshPlane(keepView),
      error: (m) => this.showError(m),
      clearError: () => this.clearError(),
    });
    const loadPlane = (axes: Axes, r0: number, r1: number, c0: number, c1: number, step: number, sample = false): Promise<Tile> => {
      const st = this.state;
      if (!st?.array) return Promise.reject(new Error('no array'));
      // A sample: every step-th element of the region (the host reads only those rows' spans), for the coarse picture.
      if (sample) {
        const at = tileIndex(st.array.shape, axes, r0, r1, c0, c1, step);
        // The host sent this very sample with the state: paint it without asking.
        const sent = st.preview;
        if (sent && sent.index === at.index && sent.transpose === at.transpose) return Promise.resolve(sent.tile);
        return this.conn.request('readTile', { stop: st.stop, ...at });
      }
      const region = tileIndex(st.array.shape, axes, r0, r1, c0, c1, 1);
      if (step === 1) return this.conn.request('readTile', { stop: st.stop, ...region });
      // Zoomed out: the host reads the region and reduces each step × step block (never every element here).
      return this.conn.request('readOverview', { stop: st.stop, ...region, factor: step, mode: this.reduceMode });
    };
    const loader = (r0: number, r1: number, c0: number, c1: number, step: number): Promise<Tile> => loadPlane(this.axes, r0, r1, c0, c1, step);
    // RGB(A): one tile per channel of the same region, the channel axis fixed at 0, 1, 2 (, 3).
    const channelsLoader =
      (sample: boolean) =>
      (r0: number, r1: number, c0: number, c1: number, step: number): Promise<Tile | Tile[]> => {
        const ch = this.channelAxis;
        const a = this.state?.array;
        if (ch < 0 || !a) return loadPlane(this.axes, r0, r1, c0, c1, step, sample);
        return Promise.all(
          Array.from({ length: a.shape[ch] }, (_, k) => loadPlane({ ...this.axes, fixed: this.axes.fixed.map((x, i) => (i === ch ? k : x)) }, r0, r1, c0, c1, step, sample)),
        );
      };
    const heatLoader = channelsLoader(false);
    const onTileError = (e: Error): void => {
      if (e instanceof RequestFailed && e.code === 'stale') return;
      this.showError(`reading values failed: ${e.message}`);
    };
    this.gridStore = new TileStore(loader, 64, 32, () => this.grid.schedule(), onTileError);
    this.heatStore = new TileStore(heatLoader, HEAT_TILE, HEAT_TILE, () => this.onHeatTile(), onTileError);
    // The coarse first picture: one strided sample of the whole plane, drawn under the tiles of the zoom level.
    this.previewStore = new TileStore(channelsLoader(true), HEAT_TILE, HEAT_TILE, () => this.onHeatTile(), onTileError);
    this.grid = new ValueGrid(this.gridStore, {
      rowLabel: (r) => String(r),
      colLabel: (c) => String(c),
      onHover: (r, c, text) => this.setReadout(r, c, text, 1),
    }, this.fmt);
    this.colors = new ColorControls({
      conn: this.conn,
      state: () => this.state,
      stats: () => this.statsPanel.live,
      loaded: () => chain(this.heatStore.loaded(), this.previewStore.loaded()),
      channelAxis: () => this.channelAxis,
      apply: (cmap, lo, hi, rgb) => this.heat.setColors(cmap, lo, hi, rgb),
      error: (m) => this.showError(m),
    });
    this.heat = new Heatmap(this.heatStore, {
      onHover: (r, c, tile, tr, tc, step) => {
        const sr = Math.floor(r / step) * step;
        const sc = Math.floor(c / step) * step;
        const text = tile ? tile.text((sr - tr * HEAT_TILE * step) / step, (sc - tc * HEAT_TILE * step) / step, this.fmt) : null;
        this.setReadout(sr, sc, text, step);
      },
      onLeave: () => (this.readout.textContent = ''),
      onStep: (step) => this.statsPanel.imageNote(step, this.reduceMode),
      onFullPicture: () => this.afterPicture?.(),
    }, this.fmt, this.previewStore);

    this.comparePanel = new ComparePanel((r) => {
      const st = this.state;
      if (!st?.array) return Promise.reject(new Error('no array at this stop'));
      return this.conn.request('compare', { stop: st.stop, ...r, plane: { index: displayIndexText(st.array.shape, this.axes), transpose: this.axes.row > this.axes.col && this.axes.col >= 0 } });
    });
    this.history = new HistoryStrip((snap) => this.statsPanel.showKept(snap));
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

    const format = new FormatControls((fmt) => this.setFormat(fmt));
    for (const m of ['mean', 'min', 'max']) this.reduceSel.appendChild(el('option', { text: m, attrs: { value: m } }));
    this.reduceSel.addEventListener('change', () => {
      this.reduceMode = this.reduceSel.value as ReduceMode;
      this.statsPanel.imageNote(this.heat.step, this.reduceMode);
      this.refreshPlane(true);
    });
    const dismiss = button('close', 'Dismiss', () => this.clearError());
    this.banner.append(icon('error'), this.bannerText, dismiss);
    this.banner.hidden = true;

    this.heatControls = el('div', { class: 'group', attrs: { id: 'heat-controls' } }, [
      ...this.colors.elements(),
      el('label', { text: 'zoomed out' }, [this.reduceSel]),
      this.slicing.channelLabel,
      this.slicing.orderLabel,
      button('zoom-in', 'Zoom in', () => this.heat.zoomAt(2, this.heat.canvas.clientWidth / 2, this.heat.canvas.clientHeight / 2), 'zoom-in'),
      button('zoom-out', 'Zoom out', () => this.heat.zoomAt(0.5, this.heat.canvas.clientWidth / 2, this.heat.canvas.clientHeight / 2), 'zoom-out'),
      button('screen-full', 'Fit', () => this.heat.fit(), 'zoom-fit'),
    ]);

    const header = el('header', { class: 'header' }, [this.title, this.meta, this.aliases, this.pinInput, button('pin', 'Follow this expression', pin, 'pin'), this.stopLabel, this.changed]);
    const sliceBar = el('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'slicing' } }, [
      el('div', { class: 'group tabs' }, [this.gridBtn, this.heatBtn, this.plotBtn]),
      ...this.slicing.elements(),
    ]);
    this.exports = new ExportControls({
      conn: this.conn,
      state: () => this.state,
      axes: () => this.axes,
      picture: () => (this.mode === 'plot' ? this.plot.canvas : this.heat.canvas),
      grid: this.grid,
      note: (text) => (this.readout.textContent = text),
      error: (m) => this.showError(m),
    });
    const viewBar = el('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'display' } }, [
      ...format.elements(),
      this.exports.root,
      this.heatControls,
    ]);
    const side = el('div', { class: 'side' }, [this.statsPanel.root, this.comparePanel.root]);
    const body = el('div', { class: 'body' }, [el('div', { class: 'view' }, [this.main, this.readout]), side]);
    document.getElementById('app')!.replaceChildren(header, sliceBar, viewBar, this.banner, this.history.root, body);
    this.setMode('heatmap');
  }

  private get axes(): Axes {
    return this.slicing.axes;
  }

  private get channelAxis(): number {
    return this.slicing.channelAxis;
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
    const idx: (number | string)[] = arrayIndexOf(a.shape, this.axes, r, c);
    // A colour pixel is all its channels, named in the order they are shown in (BGR for OpenCV's images).
    const ch = this.mode === 'heatmap' ? this.channelAxis : -1;
    let order = '';
    if (ch >= 0) {
      idx[ch] = ':';
      order = ` ${this.slicing.channelOrder.toUpperCase()}${a.shape[ch] === 4 ? 'A' : ''}`;
    }
    const block = step > 1 ? ` (${this.reduceMode} of the ${step}×${step} block from here)` : '';
    this.readout.textContent = `${this.state!.expr}[${idx.join(', ')}] = ${text ?? '…'}${text ? order : ''}${block}`;
  }

  private onNotification(n: HostNotification): void {
    if (n.method === 'state') this.onState(n.params);
    else if (n.method === 'changed') {
      if (this.state?.stop !== n.params.stop) return;
      this.state = { ...this.state, changed: n.params.changed };
      this.showChanged(n.params.changed);
    } else if (n.method === 'ended') {
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
    return { stop: st.stop, expr: st.expr, changed: st.changed, image, stats: this.statsPanel.live };
  }

  private onState(s: ArrayState): void {
    // When this stop's state reached the page (ms since its document started): bench/inspector_vscode.ts reads it.
    if (this.state?.stop !== s.stop) document.documentElement.dataset.stateAt = String(performance.now());
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
    this.showChanged(s.changed);
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
      this.slicing.reset(a.shape, a.dtype, a.typeName);
      if (this.axes.col < 0 && this.axes.row >= 0 && this.mode === 'heatmap') this.setMode('plot');
    }
    this.statsPanel.loading(a.size);
    this.slicing.build();
    this.refreshPlane(!!sameShape);
    const askStats = (): void =>
      this.statsPanel.request(() => this.conn.request('stats', { stop: s.stop, bins: PANEL_STATS_BINS }), () => this.state?.stop === s.stop, () => this.colors.update());
    // The whole-array pass reads every byte, as the overviews do: in the heatmap the picture goes first, the stats
    // are asked for once it is complete (or after STATS_AFTER_MS, whichever comes first).
    if (this.afterPictureTimer) clearTimeout(this.afterPictureTimer);
    if (this.mode !== 'heatmap') {
      this.afterPicture = null;
      askStats();
    } else {
      const once = (): void => {
        if (this.afterPicture !== once) return;
        this.afterPicture = null;
        if (this.afterPictureTimer) clearTimeout(this.afterPictureTimer);
        askStats();
      };
      this.afterPicture = once;
      this.afterPictureTimer = setTimeout(once, STATS_AFTER_MS);
    }
  }

  private showChanged(changed: boolean | null): void {
    this.changed.textContent = changed === null ? '' : changed ? 'changed since last stop' : 'unchanged since last stop';
    this.changed.className = `badge ${changed ? 'changed' : ''}`;
  }

  private generation(): string {
    return `${this.state?.stop}|${this.axes.row},${this.axes.col}|${this.axes.fixed.join(',')}|${this.reduceMode}|${this.channelAxis}`;
  }

  /** The coarse sample's generation: as the tiles', without the reduce mode (a sample is not reduced). */
  private previewGeneration(): string {
    return `${this.state?.stop}|${this.axes.row},${this.axes.col}|${this.axes.fixed.join(',')}|${this.channelAxis}`;
  }

  private refreshPlane(keepView: boolean): void {
    const a = this.state?.array;
    if (!a) return;
    const g = this.generation();
    this.gridStore.reset(g);
    this.heatStore.reset(g);
    this.previewStore.reset(this.previewGeneration());
    const { rows, cols } = planeDims(a.shape, this.axes);
    this.slicing.showIndex(a.shape);
    this.grid.setPlane(rows, cols);
    this.heat.setChannelOrder(this.slicing.channelOrder);
    this.heat.setPlane(rows, cols, keepView);
    this.plotBtn.hidden = !(this.axes.col < 0 && this.axes.row >= 0);
    if (this.mode === 'plot' && this.plotBtn.hidden) this.setMode('heatmap');
    if (this.mode === 'plot') this.loadPlot();
    this.colors.update();
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

  private setFormat(fmt: FormatOptions): void {
    this.fmt = fmt;
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
    this.exports.setMode(m);
    this.main.replaceChildren(m === 'grid' ? this.grid.root : m === 'plot' ? this.plot.root : this.heat.root, this.history.view);
    document.body.dataset.mode = m;
    if (this.state?.array) this.slicing.build();
    if (m === 'grid') this.grid.schedule();
    else if (m === 'plot') {
      this.loadPlot();
      this.plot.schedule();
    } else this.heat.schedule();
  }

  private onHeatTile(): void {
    this.colors.tileLoaded();
    this.heat.schedule();
  }

}

new Inspector(acquireVsCodeApi());

function* chain<T>(...parts: Iterable<T>[]): Generator<T> {
  for (const p of parts) yield* p;
}
