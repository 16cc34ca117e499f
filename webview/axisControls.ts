// The slicing controls of the inspector: which axes are rows and columns, the index of every other axis (sliders
// and the NumPy index field), which axis of size 3/4 the heatmap shows as colour channels and in which order (RGB/BGR).

import { button, el } from './dom';
import { Axes, defaultAxes, displayIndexText, parseDisplayIndex } from './slicing';

export interface AxisControlHooks {
  /** Shape of the array at the current stop (null when the stop shows none). */
  shape(): readonly number[] | null;
  /** Whether the heatmap shows the channel axis as colours now (then it has no slider of its own). */
  channelsShown(): boolean;
  /** The displayed plane changed; `keepView` when its size stays (only a fixed index or the channels moved). */
  changed(keepView: boolean): void;
  error(message: string): void;
  clearError(): void;
}

/** Order of the colour channels along the channel axis: OpenCV stores blue first. */
export type ChannelOrder = 'rgb' | 'bgr';

/** OpenCV's types (`cv::Mat (3 channels of uint8)`, `cv::Mat_<cv::Vec3b>`) hold BGR(A) images. */
export function isOpenCvType(typeName: string): boolean {
  return /(^|[^A-Za-z0-9_])cv::/.test(typeName);
}

export class AxisControls {
  axes: Axes = defaultAxes([]);
  /** Axis of size 3/4 shown as colour channels (-1: none, a colormap instead). */
  channelAxis = -1;
  channelOrder: ChannelOrder = 'rgb';
  private readonly rowAxis = el('select', { attrs: { id: 'row-axis', 'aria-label': 'axis shown as rows' } });
  private readonly colAxis = el('select', { attrs: { id: 'col-axis', 'aria-label': 'axis shown as columns' } });
  private readonly fixedAxes = el('div', { class: 'fixed-axes', attrs: { id: 'fixed-axes' } });
  private readonly indexField = el('input', { attrs: { id: 'index', type: 'text', spellcheck: 'false', 'aria-label': 'NumPy index of the displayed plane' } });
  private readonly channelSel = el('select', { attrs: { id: 'channels', 'aria-label': 'axis shown as colour channels (RGB/RGBA)' } });
  private readonly orderSel = el('select', { attrs: { id: 'channel-order', 'aria-label': 'order of the colour channels (OpenCV stores BGR)' } });
  /** The channels choice, placed with the heatmap's controls. */
  readonly channelLabel = el('label', { text: 'channels' }, [this.channelSel]);
  /** RGB or BGR: shown while an axis is shown as colour. */
  readonly orderLabel = el('label', { text: 'order' }, [this.orderSel]);

  constructor(private readonly hooks: AxisControlHooks) {
    for (const o of ['rgb', 'bgr']) this.orderSel.appendChild(el('option', { text: o.toUpperCase(), attrs: { value: o } }));
    this.orderSel.addEventListener('change', () => {
      this.channelOrder = this.orderSel.value as ChannelOrder;
      this.hooks.changed(true);
    });
    this.channelSel.addEventListener('change', () => {
      this.channelAxis = Number(this.channelSel.value);
      this.build();
      this.hooks.changed(true);
    });
    this.rowAxis.addEventListener('change', () => this.pickAxis('row', Number(this.rowAxis.value)));
    this.colAxis.addEventListener('change', () => this.pickAxis('col', Number(this.colAxis.value)));
    this.indexField.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.applyIndexField();
    });
    this.indexField.addEventListener('change', () => this.applyIndexField());
  }

  /** The slicing toolbar's controls, after the mode tabs. */
  elements(): HTMLElement[] {
    return [
      el('label', { text: 'rows' }, [this.rowAxis]),
      button('arrow-swap', 'Swap axes', () => this.swapAxes(), 'swap-axes'),
      el('label', { text: 'cols' }, [this.colAxis]),
      el('label', { class: 'index-label', text: 'index' }, [this.indexField]),
      this.fixedAxes,
    ];
  }

  /**
   * A new shape: the default plane, H × W for what looks like an image (H × W × 3/4). A uint8 one opens as a colour
   * image (its channels RGB(A), or BGR(A) when the type is OpenCV's); other dtypes start with a colormap, as they
   * are as often 3 or 4 separate planes as colours.
   */
  reset(shape: readonly number[], dtype = '', typeName = ''): void {
    this.axes = defaultAxes(shape);
    const image = shape.length === 3 && (shape[2] === 3 || shape[2] === 4);
    if (image) this.axes = { row: 0, col: 1, fixed: [0, 0, 0] };
    this.channelAxis = image && dtype === 'uint8' ? 2 : -1;
    this.channelOrder = isOpenCvType(typeName) ? 'bgr' : 'rgb';
  }

  /** Shows the index text of the displayed plane. */
  showIndex(shape: readonly number[]): void {
    this.indexField.value = displayIndexText(shape, this.axes);
  }

  /** Rebuilds the axis choices and one slider per fixed axis for the current array. */
  build(): void {
    const shape = this.hooks.shape()!;
    const nd = shape.length;
    for (const [sel, which] of [[this.rowAxis, 'row'], [this.colAxis, 'col']] as const) {
      const v = this.axes[which];
      if (v < 0) sel.replaceChildren(el('option', { text: '—', attrs: { value: '-1' } }));
      else sel.replaceChildren(...shape.map((d, i) => el('option', { text: `axis ${i} (${d})`, attrs: { value: String(i) } })));
      sel.disabled = v < 0;
      if (v >= 0) sel.value = String(v);
    }
    // Channels: any other axis of size 3 or 4 (RGB / RGBA).
    const eligible = shape.map((d, i) => i).filter((i) => i !== this.axes.row && i !== this.axes.col && this.axes.col >= 0 && (shape[i] === 3 || shape[i] === 4));
    if (!eligible.includes(this.channelAxis)) this.channelAxis = -1;
    this.channelSel.replaceChildren(
      el('option', { text: 'none (colormap)', attrs: { value: '-1' } }),
      ...eligible.map((i) => el('option', { text: `axis ${i} (${shape[i] === 3 ? 'RGB' : 'RGBA'})`, attrs: { value: String(i) } })),
    );
    this.channelSel.value = String(this.channelAxis);
    this.channelLabel.hidden = eligible.length === 0;
    this.orderSel.value = this.channelOrder;
    this.orderLabel.hidden = this.channelAxis < 0;
    this.fixedAxes.replaceChildren();
    for (let i = 0; i < nd; i++) {
      if (i === this.axes.row || i === this.axes.col || (i === this.channelAxis && this.hooks.channelsShown())) continue;
      const max = Math.max(0, shape[i] - 1);
      const slider = el('input', { attrs: { id: `fix-${i}`, type: 'range', min: '0', max: String(max), value: String(this.axes.fixed[i]), 'aria-label': `index of axis ${i}` } });
      const num = el('input', { class: 'fix-num', attrs: { id: `fix-num-${i}`, type: 'number', min: '0', max: String(max), value: String(this.axes.fixed[i]), 'aria-label': `index of axis ${i}` } });
      const set = (v: number): void => {
        const k = Math.max(0, Math.min(max, Math.trunc(v) || 0));
        slider.value = String(k);
        num.value = String(k);
        this.axes = { ...this.axes, fixed: this.axes.fixed.map((x, j) => (j === i ? k : x)) };
        this.hooks.changed(true);
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
    this.build();
    this.hooks.changed(false);
  }

  private swapAxes(): void {
    if (this.axes.row < 0 || this.axes.col < 0) return;
    this.axes = { ...this.axes, row: this.axes.col, col: this.axes.row };
    this.build();
    this.hooks.changed(false);
  }

  private applyIndexField(): void {
    const shape = this.hooks.shape();
    if (!shape) return;
    try {
      this.axes = parseDisplayIndex(this.indexField.value, shape, this.axes);
      this.hooks.clearError();
    } catch (e) {
      this.hooks.error(`index '${this.indexField.value}': ${(e as Error).message}`);
      return;
    }
    this.build();
    this.hooks.changed(false);
  }
}
