// Decoded tiles: element bytes from the host (any dtype, either byte order) read as numbers for colour and as
// exact text for the grid (int64 as bigint, complex as re+imj, NaN/Inf spelled out).

import { complexReader, scalarReader } from '../src/core/decode';
import { DType, dtype as makeDType } from '../src/core/dtype';
import type { Tile } from '../src/protocol/dap';

export type NumberFormat = 'auto' | 'fixed' | 'scientific' | 'hex';

export interface FormatOptions {
  format: NumberFormat;
  precision: number;
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function formatFloat(x: number, o: FormatOptions): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const p = Math.max(0, Math.min(17, o.precision));
  switch (o.format) {
    case 'fixed':
      return x.toFixed(p);
    case 'scientific':
      return x.toExponential(p);
    default: {
      if (x === 0) return Object.is(x, -0) ? '-0' : '0';
      const ax = Math.abs(x);
      if (ax >= 1e-4 && ax < 10 ** Math.max(p, 1)) return String(Number(x.toPrecision(Math.max(1, p))));
      return x.toExponential(Math.max(0, p - 1)).replace(/\.?0+e/, 'e');
    }
  }
}

function formatInt(x: number | bigint, o: FormatOptions): string {
  if (o.format === 'hex') {
    const b = BigInt(x);
    return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
  }
  if (o.format === 'scientific') return Number(x).toExponential(Math.max(0, Math.min(17, o.precision)));
  return String(x);
}

export class DecodedTile {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: DType;
  private readonly dv: DataView;
  /** One number per element for colour: the value, |z| for complex, 0/1 for bool. */
  readonly numeric: Float64Array;

  constructor(t: Tile) {
    this.dtype = makeDType(t.dtype, t.byteOrder);
    const bytes = decodeBase64(t.base64);
    this.rows = t.shape.length >= 1 ? t.shape[0] : 1;
    this.cols = t.shape.length === 2 ? t.shape[1] : 1;
    const n = this.rows * this.cols;
    if (bytes.length !== n * this.dtype.itemsize)
      throw new Error(`tile holds ${bytes.length} bytes, expected ${n} × ${this.dtype.itemsize}`);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.numeric = new Float64Array(n);
    const isz = this.dtype.itemsize;
    if (this.dtype.kind === 'c') {
      const cr = complexReader(this.dtype);
      for (let i = 0; i < n; i++) {
        const [re, im] = cr(this.dv, i * isz);
        this.numeric[i] = Math.hypot(re, im);
      }
    } else {
      const sr = scalarReader(this.dtype);
      for (let i = 0; i < n; i++) {
        const v = sr(this.dv, i * isz);
        this.numeric[i] = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
      }
    }
  }

  /** Element (r, c) as Python source that reads back the same value (shortest round-trip digits). */
  literal(r: number, c: number): string {
    const off = (r * this.cols + c) * this.dtype.itemsize;
    const f32 = this.dtype.itemsize <= 4 || this.dtype.name === 'complex64';
    const num = (x: number): string => {
      if (Number.isNaN(x)) return 'np.nan';
      if (x === Infinity) return 'np.inf';
      if (x === -Infinity) return '-np.inf';
      if (f32)
        for (let p = 1; p <= 9; p++) {
          const t = Number(x.toPrecision(p));
          if (Math.fround(t) === x) return String(t);
        }
      return String(x);
    };
    const k = this.dtype.kind;
    if (k === 'c') {
      const [re, im] = complexReader(this.dtype)(this.dv, off);
      return `complex(${num(re)}, ${num(im)})`;
    }
    const v = scalarReader(this.dtype)(this.dv, off);
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'bigint') return v.toString();
    return k === 'f' ? num(v) : String(v);
  }

  /** Exact text of element (r, c) in the chosen format. */
  text(r: number, c: number, o: FormatOptions): string {
    const off = (r * this.cols + c) * this.dtype.itemsize;
    const k = this.dtype.kind;
    if (k === 'c') {
      const [re, im] = complexReader(this.dtype)(this.dv, off);
      const f = o.format === 'hex' ? { ...o, format: 'auto' as const } : o;
      const ims = formatFloat(Math.abs(im), f);
      const sign = Number.isNaN(im) ? '+' : im < 0 || Object.is(im, -0) ? '-' : '+';
      return `${formatFloat(re, f)}${sign}${ims}j`;
    }
    const v = scalarReader(this.dtype)(this.dv, off);
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (k === 'f') return formatFloat(v as number, o.format === 'hex' ? { ...o, format: 'auto' } : o);
    return formatInt(v, o);
  }
}

/** The channel tiles of one RGB(A) tile: `numeric` is the first channel (for contrast), `channels` holds all 3 or 4. */
export class RgbTile extends DecodedTile {
  readonly channels: Float64Array[];
  private readonly parts: DecodedTile[];

  constructor(tiles: Tile[]) {
    super(tiles[0]);
    this.parts = tiles.map((t, i) => (i === 0 ? this : new DecodedTile(t)));
    for (const p of this.parts)
      if (p.rows !== this.rows || p.cols !== this.cols) throw new Error(`channel tiles differ in shape (${p.rows}×${p.cols} vs ${this.rows}×${this.cols})`);
    this.channels = this.parts.map((p) => p.numeric);
  }

  /** `(r, g, b)` or `(r, g, b, a)` of element (r, c). */
  override text(r: number, c: number, o: FormatOptions): string {
    return `(${this.parts.map((p) => (p === this ? super.text(r, c, o) : p.text(r, c, o))).join(', ')})`;
  }
}
