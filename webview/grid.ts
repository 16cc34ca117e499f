// The value grid: a spacer as large as the plane inside a scroller, and a sticky layer holding only the cells
// in view; their tiles are requested as they scroll in. Scales past the browser's largest element height.

import { FrameScheduler, el } from './dom';
import { TileStore } from './tiles';
import { DecodedTile, FormatOptions } from './values';

const ROW_H = 22;
const COL_W = 96;
const HEAD_W = 64;
const HEAD_H = 22;
/** Browsers cap element sizes near 2^24-2^25 px: past this, scroll position maps proportionally to rows. */
const MAX_PX = 8_000_000;

export interface GridHost {
  rowLabel(r: number): string;
  colLabel(c: number): string;
  onHover(r: number, c: number, text: string | null): void;
}

export class ValueGrid {
  readonly root: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly layer: HTMLDivElement;
  private rows = 0;
  private cols = 0;
  private cells: HTMLDivElement[] = [];
  private rowHeads: HTMLDivElement[] = [];
  private colHeads: HTMLDivElement[] = [];
  private firstRow = 0;
  /** The keyboard's cell. */
  active = { r: 0, c: 0 };
  private firstCol = 0;
  private readonly frames = new FrameScheduler(() => this.render());

  constructor(
    private readonly store: TileStore,
    private readonly host: GridHost,
    private fmt: FormatOptions,
  ) {
    this.spacer = el('div', { class: 'grid-spacer' });
    this.layer = el('div', { class: 'grid-layer', attrs: { role: 'presentation' } });
    // The scroller is the grid for assistive tools: it takes focus and names the active cell (aria-activedescendant).
    this.root = el('div', {
      class: 'grid-scroll',
      attrs: { id: 'grid', tabindex: '0', role: 'grid', 'aria-label': 'array values; arrow keys, Page Up/Down, Home/End move', 'aria-readonly': 'true' },
    }, [this.layer, this.spacer]);
    this.root.addEventListener('scroll', () => this.schedule());
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    this.layer.addEventListener('click', (e) => {
      const t = e.target as HTMLElement;
      if (t.dataset.r !== undefined) this.moveTo(Number(t.dataset.r), Number(t.dataset.c));
    });
    new ResizeObserver(() => this.schedule()).observe(this.root);
    this.layer.addEventListener('mousemove', (e) => {
      const t = e.target as HTMLElement;
      if (t.dataset.r !== undefined) this.host.onHover(Number(t.dataset.r), Number(t.dataset.c), t.textContent);
    });
  }

  setPlane(rows: number, cols: number): void {
    this.rows = rows;
    this.cols = cols;
    this.active = { r: Math.min(this.active.r, Math.max(0, rows - 1)), c: Math.min(this.active.c, Math.max(0, cols - 1)) };
    this.root.setAttribute('aria-rowcount', String(rows + 1));
    this.root.setAttribute('aria-colcount', String(cols + 1));
    this.spacer.style.height = `${Math.min(MAX_PX, rows * ROW_H + HEAD_H + ROW_H)}px`;
    this.spacer.style.width = `${Math.min(MAX_PX, cols * COL_W + HEAD_W + COL_W)}px`;
    this.schedule();
  }

  setFormat(f: FormatOptions): void {
    this.fmt = f;
    this.schedule();
  }

  /** Scrolls so that plane element (r, c) is the top-left cell. */
  scrollToCell(r: number, c: number): void {
    this.root.scrollTop = this.offsetOf(r, this.rows, ROW_H, this.root.clientHeight - HEAD_H);
    this.root.scrollLeft = this.offsetOf(c, this.cols, COL_W, this.root.clientWidth - HEAD_W);
    this.render();
  }

  private offsetOf(i: number, n: number, size: number, view: number): number {
    const total = n * size;
    if (total <= MAX_PX - 64) return i * size;
    const visible = Math.max(1, Math.floor(view / size));
    return Math.round((i / Math.max(1, n - visible)) * (MAX_PX - view));
  }

  private firstIndex(scroll: number, n: number, size: number, view: number): number {
    const total = n * size;
    if (total <= MAX_PX - 64) return Math.floor(scroll / size);
    const visible = Math.max(1, Math.floor(view / size));
    return Math.min(n - 1, Math.floor((scroll / Math.max(1, MAX_PX - view)) * Math.max(0, n - visible)));
  }

  schedule(): void {
    this.frames.schedule();
  }

  render(): void {
    const w = this.root.clientWidth;
    const h = this.root.clientHeight;
    if (!this.root.isConnected || w === 0 || h === 0) return; // hidden: ask for nothing
    this.layer.style.width = `${w}px`;
    this.layer.style.height = `${h}px`;
    // Whole rows/cols that fit; the pool has one more of each for the partly visible edge.
    const fullRows = Math.max(1, Math.floor((h - HEAD_H) / ROW_H));
    const fullCols = Math.max(1, Math.floor((w - HEAD_W) / COL_W));
    const poolRows = Math.min(this.rows, fullRows + 1);
    const poolCols = Math.min(this.cols, fullCols + 1);
    // Clamped so that the last row and column can be seen whole at the end of the scroll range.
    this.firstRow = Math.max(0, Math.min(this.firstIndex(this.root.scrollTop, this.rows, ROW_H, h - HEAD_H), this.rows - fullRows));
    this.firstCol = Math.max(0, Math.min(this.firstIndex(this.root.scrollLeft, this.cols, COL_W, w - HEAD_W), this.cols - fullCols));
    this.ensureCells(poolRows, poolCols);
    const th = this.store.tileRows;
    const tw = this.store.tileCols;
    let activeShown = false;
    for (let i = 0; i < poolRows; i++) {
      const r = this.firstRow + i;
      const head = this.rowHeads[i];
      const rowIn = r < this.rows;
      head.textContent = rowIn ? this.host.rowLabel(r) : '';
      for (let j = 0; j < poolCols; j++) {
        const c = this.firstCol + j;
        const cell = this.cells[i * poolCols + j];
        if (!rowIn || c >= this.cols) {
          cell.hidden = true;
          continue;
        }
        cell.hidden = false;
        const tile = this.store.get(1, Math.floor(r / th), Math.floor(c / tw), this.rows, this.cols);
        cell.dataset.r = String(r);
        cell.dataset.c = String(c);
        cell.textContent = tile ? tile.text(r % th, c % tw, this.fmt) : '…';
        cell.classList.toggle('loading', !tile);
        cell.setAttribute('aria-rowindex', String(r + 2));
        cell.setAttribute('aria-colindex', String(c + 2));
        const isActive = r === this.active.r && c === this.active.c;
        cell.classList.toggle('active', isActive);
        cell.setAttribute('aria-selected', String(isActive));
        if (isActive) {
          cell.id = 'grid-active';
          activeShown = true;
          if (document.activeElement === this.root) this.host.onHover(r, c, tile ? cell.textContent : null);
        } else if (cell.id) cell.removeAttribute('id');
      }
    }
    for (let j = 0; j < poolCols; j++) this.colHeads[j].textContent = this.firstCol + j < this.cols ? this.host.colLabel(this.firstCol + j) : '';
    if (activeShown) this.root.setAttribute('aria-activedescendant', 'grid-active');
    else this.root.removeAttribute('aria-activedescendant');
    this.root.dataset.activeR = String(this.active.r);
    this.root.dataset.activeC = String(this.active.c);
    this.root.dataset.firstRow = String(this.firstRow);
    this.root.dataset.firstCol = String(this.firstCol);
    this.root.dataset.requests = String(this.store.requests);
  }

  private onKey(e: KeyboardEvent): void {
    if (this.rows === 0 || this.cols === 0) return;
    const page = Math.max(1, Math.floor((this.root.clientHeight - HEAD_H) / ROW_H) - 1);
    let { r, c } = this.active;
    const ctrl = e.ctrlKey || e.metaKey;
    switch (e.key) {
      case 'ArrowUp': r--; break;
      case 'ArrowDown': r++; break;
      case 'ArrowLeft': c--; break;
      case 'ArrowRight': c++; break;
      case 'PageUp': r -= page; break;
      case 'PageDown': r += page; break;
      case 'Home': c = 0; if (ctrl) r = 0; break;
      case 'End': c = this.cols - 1; if (ctrl) r = this.rows - 1; break;
      default: return;
    }
    e.preventDefault();
    this.moveTo(Math.max(0, Math.min(this.rows - 1, r)), Math.max(0, Math.min(this.cols - 1, c)));
  }

  /** Makes (r, c) the active cell, scrolled into view. */
  moveTo(r: number, c: number): void {
    this.active = { r, c };
    const { r0, r1, c0, c1 } = this.visibleRange();
    const fullRows = Math.max(1, r1 - r0);
    const fullCols = Math.max(1, c1 - c0);
    const top = r < r0 ? r : r >= r0 + fullRows ? r - fullRows + 1 : r0;
    const left = c < c0 ? c : c >= c0 + fullCols ? c - fullCols + 1 : c0;
    if (top !== r0) this.root.scrollTop = this.offsetOf(top, this.rows, ROW_H, this.root.clientHeight - HEAD_H);
    if (left !== c0) this.root.scrollLeft = this.offsetOf(left, this.cols, COL_W, this.root.clientWidth - HEAD_W);
    this.render();
  }

  /** The whole rows and columns in view. */
  visibleRange(): { r0: number; r1: number; c0: number; c1: number } {
    const fullRows = Math.max(1, Math.floor((this.root.clientHeight - HEAD_H) / ROW_H));
    const fullCols = Math.max(1, Math.floor((this.root.clientWidth - HEAD_W) / COL_W));
    return { r0: this.firstRow, r1: Math.min(this.rows, this.firstRow + fullRows), c0: this.firstCol, c1: Math.min(this.cols, this.firstCol + fullCols) };
  }

  /** Text of every visible cell by `text(tile, i, j)`, or null while a tile is still loading. */
  visibleCells(text: (t: DecodedTile, i: number, j: number) => string): { r0: number; c0: number; cells: string[][] } | null {
    const { r0, r1, c0, c1 } = this.visibleRange();
    const th = this.store.tileRows;
    const tw = this.store.tileCols;
    const cells: string[][] = [];
    for (let r = r0; r < r1; r++) {
      const row: string[] = [];
      for (let c = c0; c < c1; c++) {
        const t = this.store.peek(1, Math.floor(r / th), Math.floor(c / tw));
        if (!t) return null;
        row.push(text(t, r % th, c % tw));
      }
      cells.push(row);
    }
    return { r0, c0, cells };
  }

  private ensureCells(visRows: number, visCols: number): void {
    if (this.rowHeads.length === visRows && this.colHeads.length === visCols) return;
    this.layer.replaceChildren();
    this.cells = [];
    this.rowHeads = [];
    this.colHeads = [];
    const corner = el('div', { class: 'grid-corner' });
    this.layer.appendChild(corner);
    for (let j = 0; j < visCols; j++) {
      const h = el('div', { class: 'grid-colhead', attrs: { role: 'columnheader' } });
      h.style.left = `${HEAD_W + j * COL_W}px`;
      h.style.width = `${COL_W}px`;
      this.colHeads.push(h);
      this.layer.appendChild(h);
    }
    for (let i = 0; i < visRows; i++) {
      const top = HEAD_H + i * ROW_H;
      const h = el('div', { class: 'grid-rowhead', attrs: { role: 'rowheader' } });
      h.style.top = `${top}px`;
      this.rowHeads.push(h);
      this.layer.appendChild(h);
      for (let j = 0; j < visCols; j++) {
        const c = el('div', { class: 'grid-cell', attrs: { role: 'gridcell' } });
        c.style.top = `${top}px`;
        c.style.left = `${HEAD_W + j * COL_W}px`;
        c.style.width = `${COL_W}px`;
        this.cells.push(c);
        this.layer.appendChild(c);
      }
    }
  }
}
