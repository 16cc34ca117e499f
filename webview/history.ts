// The history strip: the last stops' pictures and stats, kept here (bounded: MAX_KEPT stops, each one canvas of the
// view's size and one stats object), since the debuggee's memory at an earlier stop cannot be read again.

import type { JsonStats } from '../src/protocol/dap';
import { button, el } from './dom';

export const MAX_KEPT = 8;

export interface StopSnapshot {
  stop: number;
  expr: string;
  changed: boolean | null;
  /** A copy of the heatmap or plot canvas as it was at that stop (null in grid mode). */
  image: HTMLCanvasElement | null;
  stats: JsonStats | null;
}

export class HistoryStrip {
  readonly root = el('div', { class: 'history', attrs: { id: 'history', role: 'toolbar', 'aria-label': 'earlier stops' } });
  readonly view = el('div', { class: 'history-view', attrs: { id: 'history-view' } });
  private readonly caption = el('span', { attrs: { id: 'history-caption' } });
  private readonly canvas = el('canvas', { attrs: { id: 'history-image', role: 'img' } });
  private kept: StopSnapshot[] = [];
  private liveStop = 0;
  private shown: number | null = null;

  constructor(private readonly onShow: (s: StopSnapshot | null) => void) {
    this.view.hidden = true;
    this.view.append(el('div', { class: 'banner' }, [this.caption, button('arrow-right', 'Back to the live stop', () => this.show(null), 'history-live')]), this.canvas);
  }

  /** The picture that was on screen at `s.stop`, before the program moved on. */
  record(s: StopSnapshot): void {
    this.kept = [...this.kept.filter((k) => k.stop !== s.stop), s].slice(-MAX_KEPT);
    this.render();
  }

  setLive(stop: number): void {
    this.liveStop = stop;
    if (this.shown !== null) this.show(null);
    this.render();
  }

  /** Forgets everything (another expression is followed). */
  clear(): void {
    this.kept = [];
    this.show(null);
  }

  show(stop: number | null): void {
    const s = stop === null ? null : (this.kept.find((k) => k.stop === stop) ?? null);
    this.shown = s ? s.stop : null;
    this.view.hidden = !s;
    if (s) {
      this.caption.textContent = `${s.expr} at stop ${s.stop} (kept picture and stats${s.changed === null ? '' : s.changed ? '; changed since the stop before' : '; unchanged since the stop before'})`;
      this.canvas.setAttribute('aria-label', `${s.expr} at stop ${s.stop}`);
      const img = s.image;
      this.canvas.width = img?.width ?? 1;
      this.canvas.height = img?.height ?? 1;
      const ctx = this.canvas.getContext('2d')!;
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      if (img) ctx.drawImage(img, 0, 0);
    }
    this.onShow(s);
    this.render();
  }

  private render(): void {
    if (this.kept.length === 0) {
      this.root.replaceChildren();
      return;
    }
    const item = (label: string, stop: number | null, changed: boolean | null): HTMLButtonElement => {
      const b = el('button', { class: 'history-item', text: label, attrs: { type: 'button', 'data-stop': String(stop ?? 'live'), 'aria-current': String(this.shown === stop) } });
      if (changed) b.title = 'changed since the stop before';
      b.addEventListener('click', () => this.show(stop));
      return b;
    };
    this.root.replaceChildren(
      el('span', { class: 'meta', text: 'stops' }),
      ...this.kept.map((k) => item(`${k.stop}${k.changed ? ' •' : ''}`, k.stop, k.changed)),
      item(`${this.liveStop} (live)`, null, null),
    );
  }
}
