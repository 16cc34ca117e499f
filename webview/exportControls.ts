// The export group of the display toolbar: the displayed slice as .npy, the picture as PNG, the visible grid cells
// as CSV or a NumPy literal; the host writes the files, the webview only sends their bytes or text.

import type { ArrayState } from '../src/protocol/webview';
import { button, el } from './dom';
import { ValueGrid } from './grid';
import { HostConnection } from './hostConnection';
import { Axes, displayIndexText } from './slicing';

export interface ExportHooks {
  conn: HostConnection;
  state(): ArrayState | null;
  axes(): Axes;
  /** The canvas of the picture shown (heatmap or line plot). */
  picture(): HTMLCanvasElement;
  grid: ValueGrid;
  note(text: string): void;
  error(message: string): void;
}

/** A file name from an expression (the host's pattern allows letters, digits, '_' and '.'). */
function fileStem(expr: string): string {
  return expr.replace(/[^A-Za-z0-9_.]+/g, '_');
}

export class ExportControls {
  readonly root: HTMLElement;
  private readonly png: HTMLButtonElement;
  private readonly csv: HTMLButtonElement;
  private readonly numpy: HTMLButtonElement;

  constructor(private readonly hooks: ExportHooks) {
    this.png = button('file-media', 'Save the image as PNG', () => void this.exportPng(), 'export-png');
    this.csv = button('table', 'Save the visible cells as CSV', () => void this.exportVisible('csv'), 'export-csv');
    this.numpy = button('copy', 'Copy the visible cells as a NumPy literal', () => void this.exportVisible('numpy'), 'copy-numpy');
    this.root = el('div', { class: 'group', attrs: { role: 'group', 'aria-label': 'export' } }, [
      button('save', 'Save the displayed slice as .npy', () => void this.exportNpy(), 'export-npy'),
      this.png,
      this.csv,
      this.numpy,
    ]);
  }

  /** PNG is of a picture, CSV and the NumPy literal of the cells in view. */
  setMode(m: 'grid' | 'heatmap' | 'plot'): void {
    this.png.hidden = m === 'grid';
    this.csv.hidden = m !== 'grid';
    this.numpy.hidden = m !== 'grid';
  }

  private async exportNpy(): Promise<void> {
    const st = this.hooks.state();
    if (!st?.array) return;
    const index = displayIndexText(st.array.shape, this.hooks.axes());
    try {
      const r = await this.hooks.conn.request('exportNpy', { stop: st.stop, index });
      this.hooks.note(r.path ? `saved ${st.expr}${index} to ${r.path}` : 'not saved');
    } catch (e) {
      this.hooks.error(`save as .npy: ${(e as Error).message}`);
    }
  }

  private async exportPng(): Promise<void> {
    const st = this.hooks.state();
    if (!st?.array) return;
    const b64 = this.hooks.picture().toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
    try {
      const r = await this.hooks.conn.request('saveFile', { stop: st.stop, kind: 'png', name: `${fileStem(st.expr)}.png`, base64: b64 });
      this.hooks.note(r.path ? `saved the image to ${r.path}` : 'not saved');
    } catch (e) {
      this.hooks.error(`save as PNG: ${(e as Error).message}`);
    }
  }

  private async exportVisible(kind: 'csv' | 'numpy'): Promise<void> {
    const st = this.hooks.state();
    const a = st?.array;
    if (!st || !a) return;
    const got = this.hooks.grid.visibleCells((t, i, j) => (kind === 'csv' ? t.text(i, j, { format: 'auto', precision: 17 }) : t.literal(i, j)));
    if (!got) {
      this.hooks.error('the visible cells are still loading: try again in a moment');
      return;
    }
    const { r0, c0, cells } = got;
    const oneD = this.hooks.axes().col < 0;
    try {
      if (kind === 'csv') {
        const header = oneD ? 'index,value' : ['', ...cells[0].map((_, j) => String(c0 + j))].join(',');
        const lines = [header, ...cells.map((row, i) => [String(r0 + i), ...row].join(','))];
        const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
        let bin = '';
        for (const b of bytes) bin += String.fromCharCode(b);
        const r = await this.hooks.conn.request('saveFile', { stop: st.stop, kind: 'csv', name: `${fileStem(st.expr)}.csv`, base64: btoa(bin) });
        this.hooks.note(r.path ? `saved ${cells.length}×${cells[0]?.length ?? 0} visible cells to ${r.path}` : 'not saved');
      } else {
        const dt = a.dtype === 'bool' ? 'np.bool_' : a.dtype === 'bfloat16' ? 'np.float32' : `np.${a.dtype}`;
        const body = oneD ? `[${cells.map((row) => row[0]).join(', ')}]` : `[${cells.map((row) => `[${row.join(', ')}]`).join(',\n ')}]`;
        const text = `np.array(${body}, dtype=${dt})`;
        await this.hooks.conn.request('copyText', { stop: st.stop, text });
        this.hooks.note(`copied ${cells.length}×${cells[0]?.length ?? 0} visible cells as a NumPy literal`);
      }
    } catch (e) {
      this.hooks.error(`${kind === 'csv' ? 'save as CSV' : 'copy'}: ${(e as Error).message}`);
    }
  }
}
