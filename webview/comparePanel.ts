// Compare: the shown array against another expression or against itself at the previous stop. The host computes
// (whole arrays); this panel asks, shows counts, max |a - b|, the allclose verdict, and the difference image.

import type { CompareResult } from '../src/protocol/webview';
import { colorize, lut } from './colormap';
import { el } from './dom';
import { DecodedTile } from './values';
import { statNumber } from './statsPanel';

export interface CompareRequest {
  other: { kind: 'expr'; expr: string } | { kind: 'previous' };
  rtol: number;
  atol: number;
}

export class ComparePanel {
  readonly root: HTMLElement;
  private readonly withSel = el('select', { attrs: { id: 'compare-with', 'aria-label': 'compare with' } });
  private readonly exprInput = el('input', { attrs: { id: 'compare-expr', type: 'text', spellcheck: 'false', placeholder: 'expression of the same shape', 'aria-label': 'expression to compare with' } });
  private readonly rtol = el('input', { attrs: { id: 'rtol', type: 'number', step: 'any', min: '0', value: '1e-05', 'aria-label': 'relative tolerance (rtol)' } });
  private readonly atol = el('input', { attrs: { id: 'atol', type: 'number', step: 'any', min: '0', value: '1e-08', 'aria-label': 'absolute tolerance (atol)' } });
  private readonly status = el('div', { class: 'stats-caption', attrs: { id: 'compare-status', 'aria-live': 'polite' } });
  private readonly verdict = el('div', { class: 'verdict', attrs: { id: 'compare-verdict' } });
  private readonly table = el('table', { class: 'stats-table', attrs: { id: 'compare-result' } });
  readonly diff = el('canvas', { class: 'diff-canvas', attrs: { id: 'diff', role: 'img', 'aria-label': 'difference image a − b of the displayed plane' } });
  private readonly diffNote = el('div', { class: 'hist-range', attrs: { id: 'diff-note' } });
  private generation = 0;

  constructor(private readonly run: (r: CompareRequest) => Promise<CompareResult>) {
    this.withSel.append(el('option', { text: 'previous stop', attrs: { value: 'previous' } }), el('option', { text: 'expression', attrs: { value: 'expr' } }));
    const go = (): void => void this.compare();
    const button = el('button', { text: 'Compare', attrs: { id: 'compare-run', type: 'button' } });
    button.addEventListener('click', go);
    this.exprInput.addEventListener('keydown', (e) => e.key === 'Enter' && go());
    // Editing a tolerance re-runs at once: the host keeps both arrays for this stop.
    for (const i of [this.rtol, this.atol]) i.addEventListener('change', () => this.table.childElementCount > 0 && go());
    this.withSel.addEventListener('change', () => (this.exprInput.hidden = this.withSel.value !== 'expr'));
    this.exprInput.hidden = true;
    this.diff.hidden = true;
    this.root = el('section', { class: 'compare-panel', attrs: { 'aria-label': 'compare' } }, [
      el('h3', { text: 'Compare' }),
      el('div', { class: 'row' }, [el('label', { text: 'with' }, [this.withSel]), this.exprInput]),
      el('div', { class: 'row' }, [el('label', { text: 'rtol' }, [this.rtol]), el('label', { text: 'atol' }, [this.atol]), button]),
      this.status,
      this.verdict,
      this.table,
      this.diff,
      this.diffNote,
    ]);
  }

  /** A new stop or array: old results no longer hold. */
  reset(): void {
    this.generation++;
    this.status.textContent = '';
    this.verdict.textContent = '';
    this.table.replaceChildren();
    this.diff.hidden = true;
    this.diffNote.textContent = '';
  }

  async compare(): Promise<void> {
    const rtol = Number(this.rtol.value);
    const atol = Number(this.atol.value);
    if (!(rtol >= 0) || !(atol >= 0) || this.rtol.value === '' || this.atol.value === '') {
      this.status.textContent = 'rtol and atol must be numbers ≥ 0';
      return;
    }
    const other: CompareRequest['other'] = this.withSel.value === 'expr' ? { kind: 'expr', expr: this.exprInput.value.trim() } : { kind: 'previous' };
    if (other.kind === 'expr' && !other.expr) {
      this.status.textContent = 'type an expression of the same shape';
      return;
    }
    const g = ++this.generation;
    this.status.textContent = 'comparing (the host reads both arrays)…';
    try {
      const r = await this.run({ other, rtol, atol });
      if (g === this.generation) this.show(r);
    } catch (e) {
      if (g !== this.generation) return;
      this.status.textContent = `compare failed: ${(e as Error).message}`;
      this.verdict.textContent = '';
      this.table.replaceChildren();
      this.diff.hidden = true;
    }
  }

  private show(r: CompareResult): void {
    this.status.textContent = `${r.a} vs ${r.b}, shape (${r.shape.join(', ')})`;
    this.verdict.textContent = r.allclose ? `allclose: yes (rtol ${r.rtol}, atol ${r.atol})` : `allclose: no (rtol ${r.rtol}, atol ${r.atol})`;
    this.verdict.className = `verdict ${r.allclose ? 'close' : 'not-close'}`;
    const rows: [string, string, string][] = [
      ['differing', 'elements a ≠ b', `${r.differing} of ${r.count}`],
      ['notClose', 'not close', String(r.notClose)],
      ['maxAbs', 'max |a − b|', statNumber(r.maxAbs)],
      ['maxAbsIndex', 'at', r.maxAbsIndex === null ? '—' : `[${r.maxAbsIndex.join(', ')}]`],
    ];
    this.table.replaceChildren(...rows.map(([k, label, v]) => el('tr', { attrs: { 'data-key': k } }, [el('th', { text: label, attrs: { scope: 'row' } }), el('td', { text: v })])));
    // Difference image: diverging map, symmetric about 0 (white = equal), NaN mismatches in the NaN colour.
    const t = new DecodedTile(r.diff);
    let m = 0;
    for (const v of t.numeric) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
    if (m === 0) m = 1;
    this.diff.width = t.cols;
    this.diff.height = t.rows;
    const ctx = this.diff.getContext('2d')!;
    const img = ctx.createImageData(t.cols, t.rows);
    colorize(t.numeric, -m, m, lut('RdBu (diverging)'), img.data);
    ctx.putImageData(img, 0, 0);
    this.diff.hidden = false;
    this.diffNote.textContent = `a − b on the displayed plane, ±${statNumber(m)}${r.diffFactor > 1 ? `; each pixel the largest |a − b| of ${r.diffFactor}×${r.diffFactor}` : ''}`;
  }
}
