// Rust's alloc::vec::Vec<T>: len and the RawVec buffer pointer.

import { ArrayLensError } from '../../../core/errors';
import type { ContainerRecogniser, Described, NativeDescriber, NativeValue } from '../describe';

async function describeRustVec(d: NativeDescriber, expr: string, v: NativeValue, element: string, type: string): Promise<Described> {
  const dt = await d.dtypeOf(expr, element);
  const len = await d.member(v, 'len', 1);
  const buf = await d.member(v, 'buf', 1);
  if (!len || !buf) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): len/buf not found in the debug info`);
  // RawVec { inner: RawVecInner { ptr: Unique<u8> .. } } (Rust >= 1.83) or RawVec { ptr: Unique<T> .. } before.
  const ptr = (await d.member(buf, 'ptr', 2)) ?? null;
  const address = ptr ? await d.nonNullPointer(ptr) : null;
  if (address === null) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): cannot read its buffer pointer`);
  const n = Number(d.integerOf(len, `'${expr}' len`));
  return { address, dtype: dt, shape: [n], typeName: type };
}

export const rustVec: ContainerRecogniser = {
  name: 'Vec',
  matches: (base) => base === 'alloc::vec::Vec' || base === 'Vec',
  describe: (d, expr, v, tpl, type) => describeRustVec(d, expr, v, tpl.args[0], type),
};
