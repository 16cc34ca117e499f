// A 64-bit content fingerprint of a view, for "changed since the last stop": XXH64 (seed 0) of the element
// bytes in C order, as stored. Layout-independent: equal arrays hash equal whatever their strides.

import { StridedView, elementCount, gatherView } from './view';

const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & M;
}

function round(acc: bigint, input: bigint): bigint {
  return (rotl((acc + input * P2) & M, 31n) * P1) & M;
}

function mergeRound(acc: bigint, v: bigint): bigint {
  return (((acc ^ round(0n, v)) * P1) & M) + P4 & M;
}

/** XXH64 of `data` with seed 0 (the reference algorithm, little-endian reads). */
export function xxh64(data: Uint8Array): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.byteLength;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (P1 + P2) & M;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & M;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, dv.getBigUint64(i, true));
      v2 = round(v2, dv.getBigUint64(i + 8, true));
      v3 = round(v3, dv.getBigUint64(i + 16, true));
      v4 = round(v4, dv.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else h = P5;
  h = (h + BigInt(len)) & M;
  for (; i + 8 <= len; i += 8) h = ((rotl(h ^ round(0n, dv.getBigUint64(i, true)), 27n) * P1) & M) + P4 & M;
  if (i + 4 <= len) {
    h = ((rotl(h ^ ((BigInt(dv.getUint32(i, true)) * P1) & M), 23n) * P2) & M) + P3 & M;
    i += 4;
  }
  for (; i < len; i++) h = (rotl(h ^ ((BigInt(data[i]) * P5) & M), 11n) * P1) & M;
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

/** Fingerprint of a view whose bytes are all in `buf` (view.address = offset of element 0 in buf). */
export function fingerprintOfBuffer(buf: Uint8Array, view: StridedView): bigint {
  if (elementCount(view.shape) === 0) return xxh64(new Uint8Array(0));
  return xxh64(gatherView(buf, 0n, view));
}
