// Colormaps as 256-entry RGB tables from d3-scale-chromatic, and the colours of NaN and ±Inf (outside every map).

import { interpolateGreys, interpolateMagma, interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';

export const COLORMAPS = {
  viridis: (t: number) => interpolateViridis(t),
  magma: (t: number) => interpolateMagma(t),
  gray: (t: number) => interpolateGreys(1 - t),
  'RdBu (diverging)': (t: number) => interpolateRdBu(1 - t),
} as const;
export type ColormapName = keyof typeof COLORMAPS;

export const NAN_RGB: readonly [number, number, number] = [255, 0, 255];
export const POSINF_RGB: readonly [number, number, number] = [0, 255, 0];
export const NEGINF_RGB: readonly [number, number, number] = [0, 229, 255];

function parseColor(s: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(s);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`colour '${s}' not understood`);
}

const luts = new Map<ColormapName, Uint8Array>();

/** 256 × RGB of the colormap. */
export function lut(name: ColormapName): Uint8Array {
  let l = luts.get(name);
  if (!l) {
    l = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) l.set(parseColor(COLORMAPS[name](i / 255)), i * 3);
    luts.set(name, l);
  }
  return l;
}

/** Writes RGBA of `values` into `out` with contrast [lo, hi]. */
export function colorize(values: Float64Array, lo: number, hi: number, table: Uint8Array, out: Uint8ClampedArray): void {
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    let r: number, g: number, b: number;
    if (Number.isNaN(x)) [r, g, b] = NAN_RGB;
    else if (x === Infinity) [r, g, b] = POSINF_RGB;
    else if (x === -Infinity) [r, g, b] = NEGINF_RGB;
    else {
      let k = Math.floor(((x - lo) / span) * 255.999);
      k = k < 0 ? 0 : k > 255 ? 255 : k;
      r = table[k * 3];
      g = table[k * 3 + 1];
      b = table[k * 3 + 2];
    }
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
}

/**
 * Writes RGBA of 3 or 4 channels into `out`: each channel maps [lo, hi] to 0..255 (uint8 images use [0, 255],
 * float images [0, 1]); a NaN in any channel shows the NaN colour, ±Inf saturate.
 */
export function colorizeRgb(channels: Float64Array[], lo: number, hi: number, out: Uint8ClampedArray): void {
  const span = hi > lo ? hi - lo : 1;
  const k = 255 / span;
  const [r, g, b, a] = channels;
  for (let i = 0; i < r.length; i++) {
    const o = i * 4;
    if (Number.isNaN(r[i]) || Number.isNaN(g[i]) || Number.isNaN(b[i]) || (a && Number.isNaN(a[i]))) {
      out[o] = NAN_RGB[0];
      out[o + 1] = NAN_RGB[1];
      out[o + 2] = NAN_RGB[2];
      out[o + 3] = 255;
      continue;
    }
    // Uint8ClampedArray rounds and clamps.
    out[o] = (r[i] - lo) * k;
    out[o + 1] = (g[i] - lo) * k;
    out[o + 2] = (b[i] - lo) * k;
    out[o + 3] = a ? (a[i] - lo) * k : 255;
  }
}
