// NumPy basic indexing parsed from text (`[1, :, ::-2]`, `[..., 0]`, `None`), applied to a view without copying.

import { ArrayLensError } from './errors';
import { StridedView } from './view';

export type IndexItem =
  | { kind: 'int'; value: number }
  | { kind: 'slice'; start: number | null; stop: number | null; step: number | null }
  | { kind: 'ellipsis' }
  | { kind: 'newaxis' };

function badSlice(text: string, why: string): ArrayLensError {
  return new ArrayLensError('bad-slice', `bad slice '${text}': ${why} (NumPy basic indexing, e.g. [1, :, ::-2] or [..., 0])`);
}

function parseInt64(tok: string, text: string): number | null {
  const t = tok.trim();
  if (t === '') return null;
  if (!/^[+-]?\d+$/.test(t)) throw badSlice(text, `'${t}' is not an integer`);
  const v = Number(t);
  if (!Number.isSafeInteger(v)) throw badSlice(text, `'${t}' is out of range`);
  return v;
}

export function parseIndex(text: string): IndexItem[] {
  let t = text.trim();
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw badSlice(text, 'missing closing bracket');
    t = t.slice(1, -1);
  } else if (t.endsWith(']')) throw badSlice(text, 'missing opening bracket');
  if (/[[\]]/.test(t)) throw badSlice(text, 'nested brackets (fancy indexing) are not basic indexing');
  if (t.trim() === '') return [];
  const parts = t.split(',');
  if (parts.length > 1 && parts[parts.length - 1].trim() === '') parts.pop(); // trailing comma as in a[1,]
  const items: IndexItem[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') throw badSlice(text, 'empty index between commas');
    if (p === '...' || p === 'Ellipsis') items.push({ kind: 'ellipsis' });
    else if (p === 'None' || p === 'np.newaxis' || p === 'numpy.newaxis') items.push({ kind: 'newaxis' });
    else if (p.includes(':')) {
      const f = p.split(':');
      if (f.length > 3) throw badSlice(text, `'${p}' has too many colons`);
      const step = f.length === 3 ? parseInt64(f[2], text) : null;
      if (step === 0) throw badSlice(text, 'slice step cannot be zero');
      items.push({ kind: 'slice', start: parseInt64(f[0], text), stop: parseInt64(f[1], text), step });
    } else {
      const v = parseInt64(p, text);
      if (v === null) throw badSlice(text, 'empty index');
      items.push({ kind: 'int', value: v });
    }
  }
  if (items.filter((i) => i.kind === 'ellipsis').length > 1) throw badSlice(text, "an index can only have a single ellipsis ('...')");
  return items;
}

/** Python's slice.indices(): normalised start, step and resulting length. */
export function sliceIndices(
  s: { start: number | null; stop: number | null; step: number | null },
  len: number,
): { start: number; step: number; length: number } {
  const step = s.step ?? 1;
  let start: number;
  let stop: number;
  if (step > 0) {
    start = s.start === null ? 0 : s.start < 0 ? Math.max(0, s.start + len) : Math.min(s.start, len);
    stop = s.stop === null ? len : s.stop < 0 ? Math.max(0, s.stop + len) : Math.min(s.stop, len);
  } else {
    start = s.start === null ? len - 1 : s.start < 0 ? Math.max(-1, s.start + len) : Math.min(s.start, len - 1);
    stop = s.stop === null ? -1 : s.stop < 0 ? Math.max(-1, s.stop + len) : Math.min(s.stop, len - 1);
  }
  const length = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((stop - start) / step));
  return { start, step, length };
}

export function applyIndex(v: StridedView, items: IndexItem[], text = ''): StridedView {
  const consuming = items.filter((i) => i.kind === 'int' || i.kind === 'slice').length;
  if (consuming > v.shape.length)
    throw badSlice(
      text || formatIndex(items),
      `too many indices for array: array is ${v.shape.length}-dimensional, but ${consuming} were indexed`,
    );
  const expanded: IndexItem[] = [];
  let sawEllipsis = false;
  for (const it of items) {
    if (it.kind === 'ellipsis') {
      sawEllipsis = true;
      for (let k = 0; k < v.shape.length - consuming; k++) expanded.push({ kind: 'slice', start: null, stop: null, step: null });
    } else expanded.push(it);
  }
  if (!sawEllipsis)
    for (let k = 0; k < v.shape.length - consuming; k++) expanded.push({ kind: 'slice', start: null, stop: null, step: null });
  let address = v.address;
  const shape: number[] = [];
  const strides: number[] = [];
  let axis = 0;
  for (const it of expanded) {
    if (it.kind === 'newaxis') {
      shape.push(1);
      strides.push(0);
      continue;
    }
    const len = v.shape[axis];
    const stride = v.strides[axis];
    if (it.kind === 'int') {
      const i = it.value < 0 ? it.value + len : it.value;
      if (i < 0 || i >= len)
        throw badSlice(text || formatIndex(items), `index ${it.value} is out of bounds for axis ${axis} with size ${len}`);
      address += BigInt(i * stride);
    } else if (it.kind === 'slice') {
      const { start, step, length } = sliceIndices(it, len);
      // NumPy points an empty slice at its start with step 1 (mapping.c: n_steps <= 0).
      if (length > 0) address += BigInt(start * stride);
      shape.push(length);
      // As NumPy: stride * step, even for one element (an empty slice keeps the axis's stride). A stride only matters
      // between two elements, so where that product is past 2^53 (`[::2**53-1]` of a 1-long axis; found by fuzzing,
      // test/unit/fuzzCore) the axis's own stride stands in for it, instead of a view the view check then refuses.
      strides.push(length > 1 || (length === 1 && Number.isSafeInteger(stride * step)) ? stride * step : stride);
    }
    axis++;
  }
  return { address, dtype: v.dtype, shape, strides };
}

export function formatIndex(items: IndexItem[]): string {
  const f = (n: number | null): string => (n === null ? '' : String(n));
  return `[${items
    .map((i) =>
      i.kind === 'int'
        ? String(i.value)
        : i.kind === 'ellipsis'
          ? '...'
          : i.kind === 'newaxis'
            ? 'None'
            : `${f(i.start)}:${f(i.stop)}${i.step === null ? '' : `:${i.step}`}`,
    )
    .join(', ')}]`;
}

export function sliceView(v: StridedView, text: string): StridedView {
  return applyIndex(v, parseIndex(text), text);
}
